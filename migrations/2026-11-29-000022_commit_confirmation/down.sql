DROP FUNCTION odb_commit_replicated(integer);
