DROP INDEX imports_running;
ALTER TABLE imports DROP CONSTRAINT imports_one_author;
ALTER TABLE imports DROP CONSTRAINT imports_failure_only_when_failed;
ALTER TABLE imports DROP COLUMN operator, DROP COLUMN failure;
