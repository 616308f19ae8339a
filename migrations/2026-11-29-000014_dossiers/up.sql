-- Internal-politics dossiers (DB3): sealed records about a person, seen only
-- by dossier officers whose grants cover the person's managing organization
-- (docs/decisions/0016-dossiers-hidden-sealed-append-only.md). A dossier is
-- never deleted and never rewritten: a correction is a new version.

-- Whom a dossier is about. Today a CBCCVC profile; a party member later:
-- widen the subject_kind CHECK, add a `party_member_id` generated column
-- like `official_id` (with its foreign key), and a branch in the policy.
CREATE TABLE dossiers (
    id uuid PRIMARY KEY,
    subject_kind text NOT NULL CHECK (subject_kind IN ('official')),
    subject_id uuid NOT NULL,
    -- the subject as a real foreign key, one column per kind
    official_id uuid GENERATED ALWAYS AS
        (CASE WHEN subject_kind = 'official' THEN subject_id END) STORED REFERENCES officials (id),
    -- the number of the latest version, and how many attachments there are
    version integer NOT NULL CHECK (version >= 1),
    attachment_count integer NOT NULL CHECK (attachment_count >= 0),
    created_at timestamptz NOT NULL,
    created_by uuid REFERENCES users (id),
    updated_at timestamptz NOT NULL
);
CREATE INDEX dossiers_subject ON dossiers (subject_kind, subject_id);

-- Every version ever written. Category, summary and content are sealed
-- (AES-256-GCM, bound to this table, the column and the version's id).
CREATE TABLE dossier_versions (
    id uuid PRIMARY KEY,
    dossier_id uuid NOT NULL REFERENCES dossiers (id),
    number integer NOT NULL CHECK (number >= 1),
    category bytea NOT NULL,
    summary bytea NOT NULL,
    content bytea NOT NULL,
    recorded_at timestamptz NOT NULL,
    recorded_by uuid REFERENCES users (id),
    UNIQUE (dossier_id, number)
);

-- Files attached to a dossier, numbered from 1; name and bytes sealed.
CREATE TABLE dossier_attachments (
    id uuid PRIMARY KEY,
    dossier_id uuid NOT NULL REFERENCES dossiers (id),
    number integer NOT NULL CHECK (number >= 1),
    file_name bytea NOT NULL,
    content_type text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png',
        'text/plain', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document')),
    size integer NOT NULL CHECK (size BETWEEN 1 AND 5242880),
    -- sealing adds 32 bytes (key version 4, nonce 12, tag 16)
    content bytea NOT NULL CHECK (octet_length(content) = size + 32),
    recorded_at timestamptz NOT NULL,
    recorded_by uuid REFERENCES users (id),
    UNIQUE (dossier_id, number)
);
-- ciphertext does not compress: store it out of line without trying
ALTER TABLE dossier_attachments ALTER COLUMN content SET STORAGE EXTERNAL;

-- Never deleted, for everyone, the owner included (like the audit log).
CREATE FUNCTION dossiers_refuse_removal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$;
CREATE TRIGGER dossiers_never_removed BEFORE DELETE OR TRUNCATE ON dossiers
    FOR EACH STATEMENT EXECUTE FUNCTION dossiers_refuse_removal();
CREATE TRIGGER dossier_versions_never_removed BEFORE DELETE OR TRUNCATE ON dossier_versions
    FOR EACH STATEMENT EXECUTE FUNCTION dossiers_refuse_removal();
CREATE TRIGGER dossier_attachments_never_removed BEFORE DELETE OR TRUNCATE ON dossier_attachments
    FOR EACH STATEMENT EXECUTE FUNCTION dossiers_refuse_removal();

-- A dossier starts at version 1 without attachments, and afterwards only
-- counts one more version or attachment at a time; whom it is about, when
-- and by whom it was opened never change.
CREATE FUNCTION dossiers_only_grow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.version <> 1 OR NEW.attachment_count <> 0 THEN
            RAISE EXCEPTION 'a dossier starts at version 1 without attachments'
                USING ERRCODE = 'check_violation';
        END IF;
    ELSIF NEW.id <> OLD.id OR NEW.subject_kind <> OLD.subject_kind OR NEW.subject_id <> OLD.subject_id
          OR NEW.created_at <> OLD.created_at OR NEW.created_by IS DISTINCT FROM OLD.created_by
          OR NEW.version NOT IN (OLD.version, OLD.version + 1)
          OR NEW.attachment_count NOT IN (OLD.attachment_count, OLD.attachment_count + 1) THEN
        RAISE EXCEPTION 'dossier %: only a new version or attachment may change it', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER dossiers_only_grow BEFORE INSERT OR UPDATE ON dossiers
    FOR EACH ROW EXECUTE FUNCTION dossiers_only_grow();

-- The version or attachment a dossier counts must exist when the
-- transaction commits: with the numbering below, a dossier at version n
-- holds versions 1..n and attachments 1..attachment_count, no gap.
CREATE FUNCTION dossiers_complete() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM dossier_versions WHERE dossier_id = NEW.id AND number = NEW.version)
       OR (NEW.attachment_count > 0 AND NOT EXISTS (SELECT 1 FROM dossier_attachments
           WHERE dossier_id = NEW.id AND number = NEW.attachment_count)) THEN
        RAISE EXCEPTION 'dossier % counts a version or attachment it does not hold', NEW.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER dossiers_complete AFTER INSERT OR UPDATE ON dossiers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dossiers_complete();

-- A new version carries the number its dossier now counts, likewise an
-- attachment (read as the owner: the number is checked, not the scope).
CREATE FUNCTION dossier_parts_numbered() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    counted integer;
BEGIN
    IF TG_TABLE_NAME = 'dossier_versions' THEN
        SELECT version INTO counted FROM dossiers WHERE id = NEW.dossier_id;
    ELSE
        SELECT attachment_count INTO counted FROM dossiers WHERE id = NEW.dossier_id;
    END IF;
    IF NEW.number IS DISTINCT FROM counted THEN
        RAISE EXCEPTION '% %: number % is not the one its dossier counts (%)',
            TG_TABLE_NAME, NEW.id, NEW.number, counted USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER dossier_versions_numbered BEFORE INSERT ON dossier_versions
    FOR EACH ROW EXECUTE FUNCTION dossier_parts_numbered();
CREATE TRIGGER dossier_attachments_numbered BEFORE INSERT ON dossier_attachments
    FOR EACH ROW EXECUTE FUNCTION dossier_parts_numbered();

-- Versions and attachments are never rewritten. The one update allowed is
-- the data key rotation's (`odb keys rotate`, as the owner; odb_app may
-- not update them at all): a sealed value replaced by one under another
-- key version, everything else unchanged.
CREATE FUNCTION odb_resealed_or_same(old bytea, new bytea) RETURNS boolean
    LANGUAGE sql IMMUTABLE AS
    $$ SELECT old = new OR substring(old FROM 1 FOR 4) <> substring(new FROM 1 FOR 4) $$;

CREATE FUNCTION dossier_versions_only_resealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.id, NEW.dossier_id, NEW.number, NEW.recorded_at, NEW.recorded_by)
           IS DISTINCT FROM (OLD.id, OLD.dossier_id, OLD.number, OLD.recorded_at, OLD.recorded_by)
       OR NOT odb_resealed_or_same(OLD.category, NEW.category)
       OR NOT odb_resealed_or_same(OLD.summary, NEW.summary)
       OR NOT odb_resealed_or_same(OLD.content, NEW.content) THEN
        RAISE EXCEPTION 'dossier_versions is append-only: a correction is a new version';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER dossier_versions_only_resealed BEFORE UPDATE ON dossier_versions
    FOR EACH ROW EXECUTE FUNCTION dossier_versions_only_resealed();

CREATE FUNCTION dossier_attachments_only_resealed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.id, NEW.dossier_id, NEW.number, NEW.content_type, NEW.size, NEW.recorded_at, NEW.recorded_by)
           IS DISTINCT FROM
           (OLD.id, OLD.dossier_id, OLD.number, OLD.content_type, OLD.size, OLD.recorded_at, OLD.recorded_by)
       OR NOT odb_resealed_or_same(OLD.file_name, NEW.file_name)
       OR NOT odb_resealed_or_same(OLD.content, NEW.content) THEN
        RAISE EXCEPTION 'dossier_attachments is append-only: add another attachment instead';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER dossier_attachments_only_resealed BEFORE UPDATE ON dossier_attachments
    FOR EACH ROW EXECUTE FUNCTION dossier_attachments_only_resealed();

-- odb_app appends; on a dossier it may only count versions and attachments.
GRANT SELECT, INSERT ON dossiers, dossier_versions, dossier_attachments TO odb_app;
GRANT UPDATE (version, attachment_count, updated_at) ON dossiers TO odb_app;

-- The dossier officers' subtrees, set only by the dossier service in its
-- own transactions: a query elsewhere that touched these tables by mistake
-- (a profile read, a search) would find nothing, whatever its scope.
CREATE FUNCTION odb_dossier_scope() RETURNS ltree[] LANGUAGE sql STABLE AS
    $$ SELECT nullif(current_setting('odb.dossier_scope', true), '')::ltree[] $$;

-- A dossier is visible and writable when its subject's managing
-- organization lies in that scope (the profile is read through its own
-- policy as well).
ALTER TABLE dossiers ENABLE ROW LEVEL SECURITY;
ALTER TABLE dossiers FORCE ROW LEVEL SECURITY;
CREATE POLICY dossiers_officers ON dossiers FOR ALL TO odb_app
    USING (EXISTS (SELECT 1 FROM officials p WHERE p.id = official_id
                   AND p.managing_path <@ ANY ((SELECT odb_dossier_scope()))))
    WITH CHECK (EXISTS (SELECT 1 FROM officials p WHERE p.id = official_id
                        AND p.managing_path <@ ANY ((SELECT odb_dossier_scope()))));

-- Versions and attachments follow their dossier.
ALTER TABLE dossier_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE dossier_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY dossier_versions_officers ON dossier_versions FOR ALL TO odb_app
    USING (EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id))
    WITH CHECK (EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));

ALTER TABLE dossier_attachments ENABLE ROW LEVEL SECURITY;
ALTER TABLE dossier_attachments FORCE ROW LEVEL SECURITY;
CREATE POLICY dossier_attachments_officers ON dossier_attachments FOR ALL TO odb_app
    USING (EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id))
    WITH CHECK (EXISTS (SELECT 1 FROM dossiers d WHERE d.id = dossier_id));
