-- The correspondence register (DB4, AP4): incoming, outgoing and working
-- documents of CCOP's units, numbered per book and year without gaps, and
-- the secret register seen only by staff cleared for it or assigned to the
-- document (docs/decisions/0026-correspondence-register.md).

-- Who may read documents marked secret, and up to which mark (the Law on
-- Protection of State Secrets: Mật < Tối mật < Tuyệt mật). Set by the
-- administrators of the person's home organization.
CREATE TABLE groupware_clearances (
    user_id uuid PRIMARY KEY REFERENCES users (id),
    level text NOT NULL CHECK (level IN ('confidential', 'secret', 'top_secret')),
    granted_at timestamptz NOT NULL,
    granted_by uuid REFERENCES users (id)
);

-- The registers' counters: one row per book (unit, direction, register)
-- and year. A registration takes the next number by updating this row,
-- which holds the row lock until the transaction ends: a concurrent
-- registration in the same book waits, and a rolled-back one gives its
-- number back. Numbers restart at 1 with each year's new row.
CREATE TABLE correspondence_counters (
    organization_id uuid NOT NULL REFERENCES organizations (id),
    direction text NOT NULL CHECK (direction IN ('incoming', 'outgoing', 'internal')),
    register text NOT NULL CHECK (register IN ('ordinary', 'secret')),
    year integer NOT NULL CHECK (year BETWEEN 1945 AND 9999),
    last_number integer NOT NULL CHECK (last_number >= 1),
    PRIMARY KEY (organization_id, direction, register, year)
);

CREATE TABLE correspondence (
    id uuid PRIMARY KEY,
    version integer NOT NULL CHECK (version >= 1),
    -- the unit whose book holds the document
    organization_id uuid NOT NULL REFERENCES organizations (id),
    direction text NOT NULL CHECK (direction IN ('incoming', 'outgoing', 'internal')),
    register text NOT NULL CHECK (register IN ('ordinary', 'secret')),
    year integer NOT NULL,
    registration_number integer NOT NULL CHECK (registration_number >= 1),
    registered_on date NOT NULL,
    document_type text NOT NULL CHECK (document_type IN ('resolution', 'decision', 'directive',
        'conclusion', 'regulation', 'rules', 'guidance', 'notice', 'report', 'submission',
        'plan', 'official_letter', 'minutes', 'other')),
    -- party form `12-QĐ/TW` or state form `12/QĐ-BNV`
    form text NOT NULL CHECK (form IN ('party', 'state')),
    document_number integer CHECK (document_number >= 1),
    issuer_code text CHECK (issuer_code ~ '^[^-/[:space:]]{1,20}$'),
    drafting_unit_code text CHECK (drafting_unit_code ~ '^[^-/[:space:]]{1,20}$'),
    number_symbol text,
    document_date date NOT NULL,
    issuer text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 500),
    recipients text CHECK (length(recipients) <= 2000),
    subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 2000),
    subject_folded text COLLATE "C" NOT NULL,
    urgency text CHECK (urgency IN ('urgent', 'very_urgent', 'flash')),
    secrecy text CHECK (secrecy IN ('confidential', 'secret', 'top_secret')),
    handling_deadline date,
    handling_unit_id uuid REFERENCES organizations (id),
    status text NOT NULL CHECK (status IN ('registered', 'assigned', 'in_progress', 'done')),
    done_on date,
    reply_to_id uuid REFERENCES correspondence (id),
    -- legal documents and internal rules
    effective_on date,
    expires_on date,
    attachment_count integer NOT NULL CHECK (attachment_count >= 0),
    created_at timestamptz NOT NULL,
    created_by uuid REFERENCES users (id),
    updated_at timestamptz NOT NULL,
    -- a marked document lives in the secret register, an unmarked one never
    CHECK ((secrecy IS NULL) = (register = 'ordinary')),
    CHECK (year = extract(year FROM registered_on)),
    CHECK ((status = 'done') = (done_on IS NOT NULL)),
    CHECK (expires_on IS NULL OR effective_on IS NULL OR expires_on > effective_on),
    CHECK (reply_to_id IS DISTINCT FROM id),
    -- an outgoing document's number is its registration number (Decree 30)
    CHECK (direction <> 'outgoing' OR document_number = registration_number),
    UNIQUE (organization_id, direction, register, year, registration_number)
);
CREATE INDEX correspondence_recent ON correspondence (created_at DESC, id DESC);
CREATE INDEX correspondence_subject_trgm ON correspondence USING gin (subject_folded gin_trgm_ops);
CREATE INDEX correspondence_number_symbol ON correspondence (number_symbol);
CREATE INDEX correspondence_deadline ON correspondence (handling_deadline) WHERE status <> 'done';
CREATE INDEX correspondence_reply_to ON correspondence (reply_to_id) WHERE reply_to_id IS NOT NULL;

-- Who handles a document (one of them leads).
CREATE TABLE correspondence_assignees (
    document_id uuid NOT NULL REFERENCES correspondence (id),
    user_id uuid NOT NULL REFERENCES users (id),
    lead boolean NOT NULL,
    assigned_at timestamptz NOT NULL,
    assigned_by uuid REFERENCES users (id),
    PRIMARY KEY (document_id, user_id)
);
CREATE INDEX correspondence_assignees_user ON correspondence_assignees (user_id, document_id);
CREATE UNIQUE INDEX correspondence_one_lead ON correspondence_assignees (document_id) WHERE lead;

-- The handling history: registration, assignments, status changes.
CREATE TABLE correspondence_events (
    id uuid PRIMARY KEY,
    document_id uuid NOT NULL REFERENCES correspondence (id),
    kind text NOT NULL CHECK (kind IN ('registered', 'assigned', 'status')),
    status text NOT NULL CHECK (status IN ('registered', 'assigned', 'in_progress', 'done')),
    note text CHECK (length(note) <= 2000),
    recorded_at timestamptz NOT NULL,
    recorded_by uuid REFERENCES users (id)
);
CREATE INDEX correspondence_events_document ON correspondence_events (document_id, recorded_at, id);

-- Files, numbered from 1. A marked document's files are sealed
-- (AES-256-GCM bound to this table, the column and the row): name and
-- bytes go in the sealed_ columns and the plain ones stay empty.
CREATE TABLE correspondence_attachments (
    id uuid PRIMARY KEY,
    document_id uuid NOT NULL REFERENCES correspondence (id),
    number integer NOT NULL CHECK (number >= 1),
    file_name text CHECK (length(file_name) BETWEEN 1 AND 255),
    sealed_file_name bytea,
    content_type text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png',
        'text/plain', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document')),
    size integer NOT NULL CHECK (size BETWEEN 1 AND 5242880),
    content bytea CHECK (octet_length(content) = size),
    -- sealing adds 32 bytes (key version 4, nonce 12, tag 16)
    sealed_content bytea CHECK (octet_length(sealed_content) = size + 32),
    recorded_at timestamptz NOT NULL,
    recorded_by uuid REFERENCES users (id),
    CHECK ((file_name IS NULL) = (sealed_file_name IS NOT NULL)),
    CHECK ((content IS NULL) = (sealed_content IS NOT NULL)),
    CHECK ((content IS NULL) = (file_name IS NULL)),
    UNIQUE (document_id, number)
);
ALTER TABLE correspondence_attachments ALTER COLUMN sealed_content SET STORAGE EXTERNAL;

-- A counter starts at 1 and only ever counts one more.
CREATE FUNCTION correspondence_counters_count_one() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.last_number <> 1
       OR TG_OP = 'UPDATE' AND ((NEW.organization_id, NEW.direction, NEW.register, NEW.year)
              IS DISTINCT FROM (OLD.organization_id, OLD.direction, OLD.register, OLD.year)
            OR NEW.last_number <> OLD.last_number + 1) THEN
        RAISE EXCEPTION 'a register counts one number at a time'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER correspondence_counters_count_one BEFORE INSERT OR UPDATE ON correspondence_counters
    FOR EACH ROW EXECUTE FUNCTION correspondence_counters_count_one();

-- A document carries the number its book has just counted (read as the
-- owner: the number is checked, not the scope) ...
CREATE FUNCTION correspondence_numbered() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    counted integer;
BEGIN
    SELECT last_number INTO counted FROM correspondence_counters
     WHERE (organization_id, direction, register, year)
         = (NEW.organization_id, NEW.direction, NEW.register, NEW.year);
    IF NEW.registration_number IS DISTINCT FROM counted THEN
        RAISE EXCEPTION 'registration number % is not the one its book counts (%)',
            NEW.registration_number, counted USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER correspondence_numbered BEFORE INSERT ON correspondence
    FOR EACH ROW EXECUTE FUNCTION correspondence_numbered();

-- ... the book, its year and its number never change afterwards ...
CREATE FUNCTION correspondence_keeps_its_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.id, NEW.organization_id, NEW.direction, NEW.register, NEW.year,
        NEW.registration_number, NEW.registered_on, NEW.created_at)
       IS DISTINCT FROM (OLD.id, OLD.organization_id, OLD.direction, OLD.register, OLD.year,
        OLD.registration_number, OLD.registered_on, OLD.created_at) THEN
        RAISE EXCEPTION 'document %: its book and registration number never change', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER correspondence_keeps_its_number BEFORE UPDATE ON correspondence
    FOR EACH ROW EXECUTE FUNCTION correspondence_keeps_its_number();

-- ... and every number a book has counted is held by a document when the
-- transaction commits: with the unique key, no gap and no duplicate.
CREATE FUNCTION correspondence_counters_held() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM correspondence
                    WHERE (organization_id, direction, register, year, registration_number)
                        = (NEW.organization_id, NEW.direction, NEW.register, NEW.year, NEW.last_number)) THEN
        RAISE EXCEPTION 'number % of a register is held by no document', NEW.last_number
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER correspondence_counters_held AFTER INSERT OR UPDATE ON correspondence_counters
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION correspondence_counters_held();

-- Registers are records: nothing is ever deleted from them, nor an event
-- or attachment rewritten (the key rotation, as the owner, re-seals).
CREATE FUNCTION correspondence_refuse_removal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% keeps its records: % refused', TG_TABLE_NAME, TG_OP;
END;
$$;
CREATE TRIGGER correspondence_never_removed BEFORE DELETE OR TRUNCATE ON correspondence
    FOR EACH STATEMENT EXECUTE FUNCTION correspondence_refuse_removal();
CREATE TRIGGER correspondence_counters_never_removed BEFORE DELETE OR TRUNCATE ON correspondence_counters
    FOR EACH STATEMENT EXECUTE FUNCTION correspondence_refuse_removal();
CREATE TRIGGER correspondence_events_never_removed BEFORE DELETE OR TRUNCATE ON correspondence_events
    FOR EACH STATEMENT EXECUTE FUNCTION correspondence_refuse_removal();
CREATE TRIGGER correspondence_attachments_never_removed BEFORE DELETE OR TRUNCATE ON correspondence_attachments
    FOR EACH STATEMENT EXECUTE FUNCTION correspondence_refuse_removal();

-- A marked document's files are sealed, an unmarked one's are not.
CREATE FUNCTION correspondence_attachments_sealed_when_marked() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF (SELECT secrecy IS NOT NULL FROM correspondence WHERE id = NEW.document_id)
       IS DISTINCT FROM (NEW.sealed_content IS NOT NULL) THEN
        RAISE EXCEPTION 'a secret document''s files are sealed, and only those'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER correspondence_attachments_sealed_when_marked BEFORE INSERT ON correspondence_attachments
    FOR EACH ROW EXECUTE FUNCTION correspondence_attachments_sealed_when_marked();

GRANT SELECT, INSERT, UPDATE, DELETE ON groupware_clearances TO odb_app;
GRANT SELECT, INSERT, UPDATE ON correspondence, correspondence_counters TO odb_app;
GRANT SELECT, INSERT, DELETE ON correspondence_assignees TO odb_app;
GRANT SELECT, INSERT ON correspondence_events, correspondence_attachments TO odb_app;

-- The signed-in groupware user, set by the groupware services in their own
-- transactions: elsewhere it is unset and no marked document shows.
CREATE FUNCTION odb_groupware_user() RETURNS uuid LANGUAGE sql STABLE AS
    $$ SELECT nullif(current_setting('odb.groupware_user', true), '')::uuid $$;

CREATE FUNCTION odb_secrecy_rank(mark text) RETURNS integer LANGUAGE sql IMMUTABLE AS
    $$ SELECT CASE mark WHEN 'confidential' THEN 1 WHEN 'secret' THEN 2 WHEN 'top_secret' THEN 3 END $$;

-- Whether that user's clearance reaches `mark` (an unmarked document needs none).
CREATE FUNCTION odb_groupware_cleared(mark text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
    $$ SELECT mark IS NULL OR EXISTS (SELECT 1 FROM groupware_clearances c
        WHERE c.user_id = odb_groupware_user() AND odb_secrecy_rank(c.level) >= odb_secrecy_rank(mark)) $$;

-- Whether that user is assigned to handle the document.
CREATE FUNCTION odb_groupware_assigned(document uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
    $$ SELECT EXISTS (SELECT 1 FROM correspondence_assignees a
        WHERE a.document_id = document AND a.user_id = odb_groupware_user()) $$;
GRANT EXECUTE ON FUNCTION odb_groupware_user(), odb_secrecy_rank(text), odb_groupware_cleared(text),
    odb_groupware_assigned(uuid) TO odb_app;

-- A document shows inside the scope of the caller's groupware grants over
-- its unit, a marked one only to those cleared for its mark; and to those
-- assigned to handle it, wherever they work. Writers in the unit's scope
-- (cleared for its mark) and the assignees change it.
ALTER TABLE correspondence ENABLE ROW LEVEL SECURITY;
ALTER TABLE correspondence FORCE ROW LEVEL SECURITY;
CREATE POLICY correspondence_read ON correspondence FOR SELECT TO odb_app USING (
    (EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id AND o.path <@ ANY (odb_read_scope()))
     AND odb_groupware_cleared(secrecy))
    OR odb_groupware_assigned(id));
CREATE POLICY correspondence_insert ON correspondence FOR INSERT TO odb_app WITH CHECK (
    EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id AND o.path <@ ANY (odb_write_scope()))
    AND odb_groupware_cleared(secrecy));
CREATE POLICY correspondence_update ON correspondence FOR UPDATE TO odb_app
    USING ((EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id AND o.path <@ ANY (odb_write_scope()))
            AND odb_groupware_cleared(secrecy))
           OR odb_groupware_assigned(id))
    WITH CHECK ((EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id AND o.path <@ ANY (odb_write_scope()))
                 AND odb_groupware_cleared(secrecy))
                OR odb_groupware_assigned(id));

-- Where a visible document's unit sits, for its audit entries: an
-- assignee working elsewhere cannot read that organization itself.
CREATE FUNCTION odb_document_path(document uuid) RETURNS ltree
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
    $$ SELECT o.path FROM correspondence d JOIN organizations o ON o.id = d.organization_id
        WHERE d.id = document
          AND ((o.path <@ ANY (odb_read_scope()) AND odb_groupware_cleared(d.secrecy))
               OR odb_groupware_assigned(d.id)) $$;
GRANT EXECUTE ON FUNCTION odb_document_path(uuid) TO odb_app;

-- Counters are written by whoever may register in the unit.
ALTER TABLE correspondence_counters ENABLE ROW LEVEL SECURITY;
ALTER TABLE correspondence_counters FORCE ROW LEVEL SECURITY;
CREATE POLICY correspondence_counters_write ON correspondence_counters FOR ALL TO odb_app
    USING (EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id AND o.path <@ ANY (odb_write_scope())))
    WITH CHECK (EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id AND o.path <@ ANY (odb_write_scope())));

-- Assignees, events and files follow their document.
ALTER TABLE correspondence_assignees ENABLE ROW LEVEL SECURITY;
ALTER TABLE correspondence_assignees FORCE ROW LEVEL SECURITY;
CREATE POLICY correspondence_assignees_follow ON correspondence_assignees FOR ALL TO odb_app
    USING (EXISTS (SELECT 1 FROM correspondence d WHERE d.id = document_id))
    WITH CHECK (EXISTS (SELECT 1 FROM correspondence d WHERE d.id = document_id));
ALTER TABLE correspondence_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE correspondence_events FORCE ROW LEVEL SECURITY;
CREATE POLICY correspondence_events_follow ON correspondence_events FOR ALL TO odb_app
    USING (EXISTS (SELECT 1 FROM correspondence d WHERE d.id = document_id))
    WITH CHECK (EXISTS (SELECT 1 FROM correspondence d WHERE d.id = document_id));
ALTER TABLE correspondence_attachments ENABLE ROW LEVEL SECURITY;
ALTER TABLE correspondence_attachments FORCE ROW LEVEL SECURITY;
CREATE POLICY correspondence_attachments_follow ON correspondence_attachments FOR ALL TO odb_app
    USING (EXISTS (SELECT 1 FROM correspondence d WHERE d.id = document_id))
    WITH CHECK (EXISTS (SELECT 1 FROM correspondence d WHERE d.id = document_id));
