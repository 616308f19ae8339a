DROP FUNCTION odb_caller(bytea, timestamptz);
