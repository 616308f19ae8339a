DROP TRIGGER officials_set_paths ON officials;
CREATE TRIGGER officials_set_paths BEFORE INSERT OR UPDATE OF managing_organization_id, using_organization_id
    ON officials FOR EACH ROW EXECUTE FUNCTION officials_set_paths();
CREATE OR REPLACE FUNCTION officials_set_paths() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    NEW.managing_path := (SELECT path FROM organizations WHERE id = NEW.managing_organization_id);
    NEW.using_path := (SELECT path FROM organizations WHERE id = NEW.using_organization_id);
    RETURN NEW;
END;
$$;
