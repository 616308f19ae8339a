-- pgbench script: a full-name search ("<family> ... <given>") as a
-- province-level user issues it through the service: as odb_app under
-- row-level security, the page's keys first, then its rows (the statement
-- src/officials/repo.rs builds). Run with bench/search.sh, which passes :scope.
\set given random(1, 8)
\set family random(1, 6)
BEGIN;
SET LOCAL ROLE odb_app;
SELECT set_config('odb.read_scope', :scope, true), set_config('odb.write_scope', '{}', true);
SELECT p.* FROM officials p WHERE p.id IN (
  SELECT p.id FROM officials p
  WHERE p.given_name_folded = (ARRAY['an','anh','binh','dung','huong','linh','minh','nam'])[:given]
    AND p.name_folded LIKE (ARRAY['nguyen','tran','le','pham','hoang','vu'])[:family] || '% '
                           || (ARRAY['an','anh','binh','dung','huong','linh','minh','nam'])[:given] || '%'
    AND p.name_folded >= (ARRAY['nguyen','tran','le','pham','hoang','vu'])[:family] || ' '
    AND p.name_folded < (ARRAY['nguyen','tran','le','pham','hoang','vu'])[:family] || '!'
    AND (p.managing_path <@ ANY(:scope::ltree[]) OR p.using_path <@ ANY(:scope::ltree[]))
    AND p.status = 'active'
  ORDER BY p.name_folded, p.id LIMIT 51)
ORDER BY p.name_folded, p.id;
COMMIT;
