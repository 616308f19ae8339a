-- pgbench script: a member name search ("<family> ... <given>") as a party
-- officer issues it through the service: as odb_app under row-level security
-- with the party scope set, the statement src/party/repo/members.rs builds
-- (members as they stand: the page's keys from the name index, then the
-- rows). Run with bench/party.sh, which passes :scope.
\set given random(1, 8)
\set family random(1, 6)
BEGIN;
SET LOCAL ROLE odb_app;
SELECT set_config('odb.party_read_scope', :scope, true), set_config('odb.party_write_scope', '{}', true);
SELECT m.id, m.version, m.full_name, m.birth_date, m.sex, m.admitted_on, m.official_id, m.name_folded,
       m.status, m.party_organization_id, m.official_on
FROM party_members m WHERE m.id IN (
  SELECT m.id FROM party_members m
  WHERE m.status IN ('probationary', 'official')
    AND m.given_name_folded = (ARRAY['an','anh','binh','dung','huong','linh','minh','nam'])[:given]
    AND m.name_folded LIKE (ARRAY['nguyen','tran','le','pham','hoang','vu'])[:family] || '% '
                           || (ARRAY['an','anh','binh','dung','huong','linh','minh','nam'])[:given] || '%'
    AND m.name_folded >= (ARRAY['nguyen','tran','le','pham','hoang','vu'])[:family] || ' '
    AND m.name_folded < (ARRAY['nguyen','tran','le','pham','hoang','vu'])[:family] || '!'
  ORDER BY m.name_folded, m.id LIMIT 51)
ORDER BY m.name_folded, m.id;
COMMIT;
