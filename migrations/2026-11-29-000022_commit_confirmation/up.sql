-- Whether the transaction this session just committed is on the synchronous
-- standbys (docs/decisions/0028). When the wait for them is cancelled (a
-- statement timeout, pg_cancel_backend), PostgreSQL keeps the commit locally
-- and answers success with only a WARNING, which the driver drops: the
-- service asks here instead, right after a COMMIT that changed something.
--
-- The target is the primary's flush position read after the commit: the
-- commit record was flushed before the wait began, so it lies at or before
-- it. It may also cover other sessions' later WAL, which a healthy standby
-- confirms within milliseconds; hence the short wait, up to `wait_ms` (or
-- half the session's statement_timeout, so the answer comes before it).
--
-- Counted: standbys in the synchronous set (`sync`, or `quorum` for ANY n)
-- whose position for the session's synchronous_commit level (write, flush or
-- replay) has reached the target; as many as synchronous_standby_names asks
-- for (`FIRST n (...)`, `ANY n (...)`, `n (...)`, or a plain list: 1).
-- Nothing to confirm when no synchronous standby is configured or the
-- session does not wait for one (synchronous_commit off or local).
--
-- Runs as the owner: pg_stat_replication shows positions only to members of
-- pg_read_all_stats (a superuser owner is; a managed cluster's owner needs
-- GRANT pg_monitor, docs/operations/replication.md). Positions it cannot see
-- are NULL and never count, so a missing grant answers false, not true.
CREATE FUNCTION odb_commit_replicated(wait_ms integer) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    names text := current_setting('synchronous_standby_names');
    level text := current_setting('synchronous_commit');
    target pg_lsn;
    needed integer;
    reached integer;
    timeout integer := (SELECT setting::integer FROM pg_settings
                        WHERE name = 'statement_timeout');
    deadline timestamptz := clock_timestamp() + make_interval(
        secs => CASE WHEN timeout > 0 THEN least(wait_ms, timeout / 2) ELSE wait_ms END / 1000.0);
BEGIN
    IF btrim(names) = '' OR level IN ('off', 'local') THEN
        RETURN true;
    END IF;
    target := pg_current_wal_flush_lsn();
    needed := coalesce(
        (regexp_match(names, '^\s*(?:(?:first|any)\s+)?(\d+)\s*\(', 'i'))[1]::integer, 1);
    LOOP
        SELECT count(*) INTO reached
        FROM pg_stat_replication
        WHERE sync_state IN ('sync', 'quorum')
          AND CASE level
                  WHEN 'remote_write' THEN write_lsn
                  WHEN 'remote_apply' THEN replay_lsn
                  ELSE flush_lsn
              END >= target;
        IF reached >= needed THEN
            RETURN true;
        END IF;
        IF clock_timestamp() >= deadline THEN
            RETURN false;
        END IF;
        PERFORM pg_sleep(0.002);
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION odb_commit_replicated(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION odb_commit_replicated(integer) TO odb_app;
