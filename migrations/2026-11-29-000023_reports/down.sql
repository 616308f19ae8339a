DROP TABLE imports;
DROP FUNCTION odb_official_headcounts(ltree, date, boolean);
DROP FUNCTION odb_official_statistics(ltree, date, boolean, text[]);
DROP INDEX official_career_statistics;
DROP INDEX officials_statistics;
