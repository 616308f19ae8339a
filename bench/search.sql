-- pgbench script: a name search as a province-level user issues it, through
-- row-level security as odb_app. Run with bench/search.sh (it passes :scope quoted).
\set given random(1, 8)
\set family random(1, 6)
BEGIN;
SET LOCAL ROLE odb_app;
SELECT set_config('odb.read_scope', :scope, true), set_config('odb.write_scope', '{}', true);
SELECT p.id, p.full_name
FROM officials p
WHERE p.given_name_folded = (ARRAY['an','anh','binh','dung','huong','linh','minh','nam'])[:given]
  AND p.name_folded LIKE (ARRAY['nguyen','tran','le','pham','hoang','vu'])[:family] || '% %'
  AND p.name_folded >= (ARRAY['nguyen','tran','le','pham','hoang','vu'])[:family] || ' '
  AND p.name_folded < (ARRAY['nguyen','tran','le','pham','hoang','vu'])[:family] || '!'
  AND EXISTS (SELECT 1 FROM organizations s
              WHERE s.id IN (p.managing_organization_id, p.using_organization_id)
                AND s.path <@ ANY(:scope::ltree[]))
  AND p.status = 'active'
ORDER BY p.name_folded, p.id
LIMIT 51;
COMMIT;
