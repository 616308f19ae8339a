-- The policies trust the paths on the profile row, so the database alone
-- sets them: every insert and update recomputes them, and a value written
-- by the service (or anyone connected as odb_app) is overwritten.
--
-- A profile placed in an organization while that organization moves must
-- not keep the old path, so a new placement reads the organization FOR
-- SHARE: it waits for the move, then sees the new path. Any other update
-- reads without a lock: a move in progress rewrites the row after it
-- anyway, and waiting for the move while holding the row the move wants
-- would deadlock.
CREATE OR REPLACE FUNCTION officials_set_paths() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.managing_organization_id = OLD.managing_organization_id
       AND NEW.using_organization_id = OLD.using_organization_id THEN
        NEW.managing_path := (SELECT path FROM organizations
                              WHERE id = NEW.managing_organization_id);
        NEW.using_path := (SELECT path FROM organizations
                           WHERE id = NEW.using_organization_id);
    ELSE
        NEW.managing_path := (SELECT path FROM organizations
                              WHERE id = NEW.managing_organization_id FOR SHARE);
        NEW.using_path := (SELECT path FROM organizations
                           WHERE id = NEW.using_organization_id FOR SHARE);
    END IF;
    RETURN NEW;
END;
$$;
DROP TRIGGER officials_set_paths ON officials;
CREATE TRIGGER officials_set_paths BEFORE INSERT OR UPDATE ON officials
    FOR EACH ROW EXECUTE FUNCTION officials_set_paths();
