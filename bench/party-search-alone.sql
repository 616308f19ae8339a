-- pgbench script: the member name search of bench/party-search.sql as
-- PostgreSQL alone would answer it: the owner (no row-level security, no
-- scope settings), the subtree as an explicit path range. Run with
-- bench/party.sh, which passes :root.
\set given random(1, 8)
\set family random(1, 6)
SELECT m.id, m.version, m.full_name, m.birth_date, m.sex, m.admitted_on, m.official_id, m.name_folded,
       m.status, m.party_organization_id, m.official_on
FROM party_members m WHERE m.id IN (
  SELECT m.id FROM party_members m
  WHERE m.status IN ('probationary', 'official')
    AND m.path >= :root::ltree AND m.path < (:root || '.zzzz')::ltree
    AND m.given_name_folded = (ARRAY['an','anh','binh','dung','huong','linh','minh','nam'])[:given]
    AND m.name_folded LIKE (ARRAY['nguyen','tran','le','pham','hoang','vu'])[:family] || '% '
                           || (ARRAY['an','anh','binh','dung','huong','linh','minh','nam'])[:given] || '%'
    AND m.name_folded >= (ARRAY['nguyen','tran','le','pham','hoang','vu'])[:family] || ' '
    AND m.name_folded < (ARRAY['nguyen','tran','le','pham','hoang','vu'])[:family] || '!'
  ORDER BY m.name_folded, m.id LIMIT 51)
ORDER BY m.name_folded, m.id;
