-- Synchronization with MOHA (issue 13, docs/sync.md, decision 0024):
-- machine clients that sign their requests, every event they send, and the
-- version of each entity the source has brought ODB to.

-- A machine client: not an account. It signs requests with a secret sealed
-- here (bound to this table, the column and the client's id); during a
-- rotation the previous secret works until `previous_until`.
CREATE TABLE sync_clients (
    id uuid PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    source text NOT NULL CHECK (source IN ('moha')),
    -- X-Road member/subsystem identifier, accepted in X-Road-Client as an alias of the id
    xroad_client text UNIQUE CHECK (length(xroad_client) BETWEEN 3 AND 200),
    -- the client holds sync_client over this organization's subtree, nothing else
    organization_id uuid NOT NULL REFERENCES organizations (id),
    secret bytea NOT NULL,
    previous_secret bytea,
    previous_until timestamptz,
    created_at timestamptz NOT NULL,
    rotated_at timestamptz,
    revoked_at timestamptz,
    CHECK ((previous_secret IS NULL) = (previous_until IS NULL))
);

-- People never hold the machine role: a sync client is not an account, and
-- an account cannot act as one.
ALTER TABLE grants ADD CONSTRAINT grants_no_sync_client CHECK (role <> 'sync_client');

-- Every event a client sent, once: stored in the transaction that applies
-- it (or records why not). The event as sent is sealed (it carries personal
-- data), bound to this table, the column and the event id.
CREATE TABLE sync_events (
    event_id uuid PRIMARY KEY,
    source text NOT NULL CHECK (source IN ('moha')),
    client_id uuid NOT NULL REFERENCES sync_clients (id),
    sequence bigint NOT NULL CHECK (sequence >= 1),
    occurred_at timestamptz NOT NULL,
    event_type text NOT NULL CHECK (event_type IN ('official.upserted', 'official.changed',
        'official.transferred', 'official.left')),
    entity_key text NOT NULL CHECK (length(entity_key) BETWEEN 1 AND 64),
    entity_version bigint NOT NULL CHECK (entity_version >= 1),
    payload bytea NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('applied', 'stale', 'rejected')),
    -- why, in problem form, for a rejected event
    problem jsonb,
    official_id uuid REFERENCES officials (id),
    received_at timestamptz NOT NULL,
    decided_at timestamptz NOT NULL,
    attempts integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
    CHECK ((outcome = 'rejected') = (problem IS NOT NULL)),
    CHECK (outcome <> 'applied' OR official_id IS NOT NULL)
);
CREATE INDEX sync_events_sequence ON sync_events (source, sequence);
CREATE INDEX sync_events_rejected ON sync_events (source, sequence) WHERE outcome = 'rejected';
CREATE INDEX sync_events_received ON sync_events (source, received_at);

-- Each source entity (MOHA's official id) and the version of it ODB holds.
CREATE TABLE sync_entities (
    source text NOT NULL CHECK (source IN ('moha')),
    entity_key text NOT NULL CHECK (length(entity_key) BETWEEN 1 AND 64),
    -- 0 only while the first event for it is being applied
    version bigint NOT NULL CHECK (version >= 0),
    official_id uuid UNIQUE REFERENCES officials (id),
    event_id uuid REFERENCES sync_events (event_id) DEFERRABLE INITIALLY DEFERRED,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (source, entity_key),
    CHECK (version = 0 OR (official_id IS NOT NULL AND event_id IS NOT NULL))
);

-- An event's outcome changes only by a replay of a rejected one; what was
-- received never changes.
CREATE FUNCTION sync_events_decided_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.event_id, NEW.source, NEW.client_id, NEW.sequence, NEW.occurred_at, NEW.event_type,
        NEW.entity_key, NEW.entity_version, NEW.received_at)
       IS DISTINCT FROM
       (OLD.event_id, OLD.source, OLD.client_id, OLD.sequence, OLD.occurred_at, OLD.event_type,
        OLD.entity_key, OLD.entity_version, OLD.received_at)
       OR NOT odb_resealed_or_same(OLD.payload, NEW.payload)
       OR ((NEW.outcome, NEW.problem, NEW.official_id, NEW.decided_at, NEW.attempts)
           IS DISTINCT FROM (OLD.outcome, OLD.problem, OLD.official_id, OLD.decided_at, OLD.attempts)
           AND (OLD.outcome <> 'rejected' OR NEW.attempts <> OLD.attempts + 1)) THEN
        RAISE EXCEPTION 'sync event %: only a replay of a rejected event changes it', OLD.event_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER sync_events_decided_once BEFORE UPDATE ON sync_events
    FOR EACH ROW EXECUTE FUNCTION sync_events_decided_once();
CREATE TRIGGER sync_events_never_removed BEFORE DELETE OR TRUNCATE ON sync_events
    FOR EACH STATEMENT EXECUTE FUNCTION dossiers_refuse_removal();

-- A signed request names its client before any scope exists: this narrow
-- function, run as the owner, returns that client (by id or X-Road alias)
-- with its organization's path, and nothing else.
CREATE FUNCTION odb_sync_client(named text)
    RETURNS TABLE (id uuid, name text, source text, organization_id uuid, path ltree,
                   secret bytea, previous_secret bytea, previous_until timestamptz,
                   revoked_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
    $$ SELECT c.id, c.name, c.source, c.organization_id, o.path,
              c.secret, c.previous_secret, c.previous_until, c.revoked_at
       FROM sync_clients c JOIN organizations o ON o.id = c.organization_id
       WHERE c.id::text = lower(named) OR c.xroad_client = named $$;
REVOKE ALL ON FUNCTION odb_sync_client(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION odb_sync_client(text) TO odb_app;

-- The source whose events this transaction handles, set only by the sync
-- service in its own transactions: a person's request finds nothing here.
CREATE FUNCTION odb_sync_source() RETURNS text LANGUAGE sql STABLE AS
    $$ SELECT nullif(current_setting('odb.sync_source', true), '') $$;

GRANT SELECT, INSERT ON sync_events, sync_entities TO odb_app;
GRANT UPDATE (outcome, problem, official_id, decided_at, attempts) ON sync_events TO odb_app;
GRANT UPDATE (version, official_id, event_id, updated_at) ON sync_entities TO odb_app;

ALTER TABLE sync_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_events FORCE ROW LEVEL SECURITY;
CREATE POLICY sync_events_source ON sync_events FOR ALL TO odb_app
    USING (source = (SELECT odb_sync_source())) WITH CHECK (source = (SELECT odb_sync_source()));
ALTER TABLE sync_entities ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_entities FORCE ROW LEVEL SECURITY;
CREATE POLICY sync_entities_source ON sync_entities FOR ALL TO odb_app
    USING (source = (SELECT odb_sync_source())) WITH CHECK (source = (SELECT odb_sync_source()));

-- The change feed (GET /api/v1/changes): one row per new version of an
-- organization or a profile, written by triggers (so no writer can forget
-- it), in the writer's transaction. `xid` is that transaction's id: a
-- reader lists only rows of transactions older than every one still
-- running (pg_snapshot_xmin), in (xid, seq) order, so a row never appears
-- behind a cursor already handed out, and a follower resuming from its
-- cursor misses none.
CREATE TABLE changes (
    seq bigserial PRIMARY KEY,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    entity text NOT NULL CHECK (entity IN ('organization', 'official')),
    entity_id uuid NOT NULL,
    version integer NOT NULL,
    kind text NOT NULL CHECK (kind IN ('created', 'updated')),
    at timestamptz NOT NULL,
    -- where it was (for a profile: managing, then using organization), for scope
    path ltree NOT NULL,
    other_path ltree
);
CREATE INDEX changes_order ON changes (xid, seq);

CREATE FUNCTION changes_record() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    kind text := CASE TG_OP WHEN 'INSERT' THEN 'created' ELSE 'updated' END;
BEGIN
    IF TG_TABLE_NAME = 'officials' THEN
        INSERT INTO changes (entity, entity_id, version, kind, at, path, other_path)
        VALUES ('official', NEW.id, NEW.version, kind, NEW.updated_at, NEW.managing_path, NEW.using_path);
    ELSE
        INSERT INTO changes (entity, entity_id, version, kind, at, path)
        VALUES ('organization', NEW.id, NEW.version, kind, NEW.updated_at, NEW.path);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER officials_changes AFTER INSERT ON officials
    FOR EACH ROW EXECUTE FUNCTION changes_record();
CREATE TRIGGER officials_changes_versioned AFTER UPDATE ON officials
    FOR EACH ROW WHEN (OLD.version IS DISTINCT FROM NEW.version) EXECUTE FUNCTION changes_record();
CREATE TRIGGER organizations_changes AFTER INSERT ON organizations
    FOR EACH ROW EXECUTE FUNCTION changes_record();
CREATE TRIGGER organizations_changes_versioned AFTER UPDATE ON organizations
    FOR EACH ROW WHEN (OLD.version IS DISTINCT FROM NEW.version) EXECUTE FUNCTION changes_record();

-- Read only, and only inside the reader's subtrees (where the entity was).
GRANT SELECT ON changes TO odb_app;
ALTER TABLE changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE changes FORCE ROW LEVEL SECURITY;
CREATE POLICY changes_read ON changes FOR SELECT TO odb_app
    USING (path <@ ANY ((SELECT odb_read_scope())) OR other_path <@ ANY ((SELECT odb_read_scope())));

-- What exists already, as the feed's first entries: a follower starting
-- from the beginning reads every entity once.
INSERT INTO changes (entity, entity_id, version, kind, at, path)
    SELECT 'organization', id, version, 'created', updated_at, path FROM organizations ORDER BY path;
INSERT INTO changes (entity, entity_id, version, kind, at, path, other_path)
    SELECT 'official', id, version, 'created', updated_at, managing_path, using_path FROM officials ORDER BY id;
