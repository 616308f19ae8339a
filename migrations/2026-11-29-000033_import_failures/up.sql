-- An import's stored state is true (issue 15, decision 0039): a failed
-- import says why, and one made from the command line says which
-- operator's command made it (no user account did).
ALTER TABLE imports
    ADD COLUMN failure text CHECK (failure IN ('aborted', 'abandoned')),
    ADD COLUMN operator text CHECK (length(operator) BETWEEN 1 AND 100);
ALTER TABLE imports ADD CONSTRAINT imports_failure_only_when_failed
    CHECK (failure IS NULL OR status = 'failed');
ALTER TABLE imports ADD CONSTRAINT imports_one_author
    CHECK (created_by IS NULL OR operator IS NULL);
-- the imports still running: what a sweep for abandoned ones reads
CREATE INDEX imports_running ON imports (id) WHERE status = 'running';
