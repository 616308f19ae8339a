-- A diesel table holds at most 32 columns unless diesel is built with its
-- 128-column-tables feature, which made a cold build of diesel alone take
-- minutes of CPU and gigabytes of memory. officials had 67 mapped columns.
-- It keeps what search, scope and row-level security read (names and their
-- folded forms, placement and paths, the codes and dates search filters on,
-- the blind indexes, the life cycle); the rest of Table 26 moves to two
-- one-to-one tables, read with the profile in one join.
--
-- The sealed values move unchanged: their associated data still names the
-- table "officials" and the profile's id, as when they were sealed. They
-- cannot be re-sealed here (the keys never reach the database), so the code
-- keeps sealing and opening them as officials' values wherever they live.

-- Every row must move: fail rather than copy only what a policy lets through.
SET LOCAL row_security = off;

-- Who the person is and how to reach them: the sealed identity numbers and
-- contacts, and the Party card and post.
CREATE TABLE official_personal (
    official_id uuid PRIMARY KEY REFERENCES officials (id) ON DELETE CASCADE,
    other_names text,
    identity_card_number bytea,
    identity_card_issue bytea,
    personal_identification_code bytea,
    social_insurance_number bytea,
    religion_code text,
    hometown text,
    birthplace text,
    current_address bytea,
    phone bytea,
    email bytea,
    party_card_number bytea,
    party_position text
);

-- Recruitment, rank and salary, positions, education and training.
CREATE TABLE official_career (
    official_id uuid PRIMARY KEY REFERENCES officials (id) ON DELETE CASCADE,
    first_recruited_on date,
    recruiting_agency text,
    recruiting_position text,
    joined_current_agency_on date,
    job_position text,
    rank_since date,
    salary_step smallint CHECK (salary_step BETWEEN 1 AND 20),
    -- HeSoLuong in hundredths (4.98 is 498): exact, and no decimal type needed
    salary_coefficient_hundredths smallint CHECK (salary_coefficient_hundredths BETWEEN 100 AND 1000),
    salary_step_since date,
    seniority_allowance_percent smallint CHECK (seniority_allowance_percent BETWEEN 0 AND 100),
    next_raise_on date,
    first_appointed_on date,
    reappointed_on date,
    term text,
    concurrent_positions text,
    general_education text,
    education_level_code text,
    foreign_languages jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(foreign_languages) = 'array'),
    it_level text,
    state_management_code text,
    defence_security_training text,
    minority_languages text,
    academic_title_code text,
    academic_title_on date,
    degree_on date,
    degree_specialty text
);

INSERT INTO official_personal (official_id, other_names, identity_card_number, identity_card_issue,
    personal_identification_code, social_insurance_number, religion_code, hometown, birthplace,
    current_address, phone, email, party_card_number, party_position)
SELECT id, other_names, identity_card_number, identity_card_issue,
    personal_identification_code, social_insurance_number, religion_code, hometown, birthplace,
    current_address, phone, email, party_card_number, party_position
FROM officials;

INSERT INTO official_career (official_id, first_recruited_on, recruiting_agency, recruiting_position,
    joined_current_agency_on, job_position, rank_since, salary_step, salary_coefficient_hundredths,
    salary_step_since, seniority_allowance_percent, next_raise_on, first_appointed_on, reappointed_on,
    term, concurrent_positions, general_education, education_level_code, foreign_languages, it_level,
    state_management_code, defence_security_training, minority_languages, academic_title_code,
    academic_title_on, degree_on, degree_specialty)
SELECT id, first_recruited_on, recruiting_agency, recruiting_position,
    joined_current_agency_on, job_position, rank_since, salary_step, salary_coefficient_hundredths,
    salary_step_since, seniority_allowance_percent, next_raise_on, first_appointed_on, reappointed_on,
    term, concurrent_positions, general_education, education_level_code, foreign_languages, it_level,
    state_management_code, defence_security_training, minority_languages, academic_title_code,
    academic_title_on, degree_on, degree_specialty
FROM officials;

-- Their CHECKs go with them (recreated above). party_official_on stays
-- beside party_admitted_on, which search filters on: their CHECK needs both.
-- The space of the dropped columns is reused as rows are rewritten.
ALTER TABLE officials
    DROP COLUMN other_names,
    DROP COLUMN identity_card_number,
    DROP COLUMN identity_card_issue,
    DROP COLUMN personal_identification_code,
    DROP COLUMN social_insurance_number,
    DROP COLUMN religion_code,
    DROP COLUMN hometown,
    DROP COLUMN birthplace,
    DROP COLUMN current_address,
    DROP COLUMN phone,
    DROP COLUMN email,
    DROP COLUMN party_card_number,
    DROP COLUMN party_position,
    DROP COLUMN first_recruited_on,
    DROP COLUMN recruiting_agency,
    DROP COLUMN recruiting_position,
    DROP COLUMN joined_current_agency_on,
    DROP COLUMN job_position,
    DROP COLUMN rank_since,
    DROP COLUMN salary_step,
    DROP COLUMN salary_coefficient_hundredths,
    DROP COLUMN salary_step_since,
    DROP COLUMN seniority_allowance_percent,
    DROP COLUMN next_raise_on,
    DROP COLUMN first_appointed_on,
    DROP COLUMN reappointed_on,
    DROP COLUMN term,
    DROP COLUMN concurrent_positions,
    DROP COLUMN general_education,
    DROP COLUMN education_level_code,
    DROP COLUMN foreign_languages,
    DROP COLUMN it_level,
    DROP COLUMN state_management_code,
    DROP COLUMN defence_security_training,
    DROP COLUMN minority_languages,
    DROP COLUMN academic_title_code,
    DROP COLUMN academic_title_on,
    DROP COLUMN degree_on,
    DROP COLUMN degree_specialty;

-- The join that reads a profile would hide one that lacks a part, while
-- search (officials alone) still lists it: a new profile must come with
-- both, checked at commit once all three rows are written.
CREATE FUNCTION officials_complete() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM officials WHERE id = NEW.id)
       AND (NOT EXISTS (SELECT 1 FROM official_personal WHERE official_id = NEW.id)
            OR NOT EXISTS (SELECT 1 FROM official_career WHERE official_id = NEW.id)) THEN
        RAISE EXCEPTION 'profile % lacks its official_personal or official_career row', NEW.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER officials_complete AFTER INSERT ON officials
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION officials_complete();

-- Like official_records: no DELETE (profiles are never deleted).
GRANT SELECT, INSERT, UPDATE ON official_personal, official_career TO odb_app;

-- The parts of a profile are visible exactly when its officials row is (the
-- subquery sees officials through its own policies), and writable when the
-- caller may write its managing organization, as officials_update says.
ALTER TABLE official_personal ENABLE ROW LEVEL SECURITY;
ALTER TABLE official_personal FORCE ROW LEVEL SECURITY;
CREATE POLICY official_personal_read ON official_personal FOR SELECT TO odb_app
    USING (EXISTS (SELECT 1 FROM officials p WHERE p.id = official_id));
CREATE POLICY official_personal_write ON official_personal FOR ALL TO odb_app
    USING (EXISTS (SELECT 1 FROM officials p WHERE p.id = official_id
                   AND p.managing_path <@ ANY ((SELECT odb_write_scope()))))
    WITH CHECK (EXISTS (SELECT 1 FROM officials p WHERE p.id = official_id
                        AND p.managing_path <@ ANY ((SELECT odb_write_scope()))));

ALTER TABLE official_career ENABLE ROW LEVEL SECURITY;
ALTER TABLE official_career FORCE ROW LEVEL SECURITY;
CREATE POLICY official_career_read ON official_career FOR SELECT TO odb_app
    USING (EXISTS (SELECT 1 FROM officials p WHERE p.id = official_id));
CREATE POLICY official_career_write ON official_career FOR ALL TO odb_app
    USING (EXISTS (SELECT 1 FROM officials p WHERE p.id = official_id
                   AND p.managing_path <@ ANY ((SELECT odb_write_scope()))))
    WITH CHECK (EXISTS (SELECT 1 FROM officials p WHERE p.id = official_id
                        AND p.managing_path <@ ANY ((SELECT odb_write_scope()))));
