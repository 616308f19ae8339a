-- The profile as personnel officers keep it (issue 11, decision 0022).

-- Catalog entries carry the dates they applied and what rules read from
-- them (a rank's salary scale, a scale's coefficients and raise interval,
-- a former province's successor): a retired code still reads on old records.
ALTER TABLE catalog_entries
    ADD COLUMN valid_from date,
    ADD COLUMN valid_until date,
    ADD COLUMN details jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object'),
    ADD CONSTRAINT catalog_entries_valid_in_order CHECK (valid_until >= valid_from);

-- The leadership salary tables (resolution 730/2004, decision 128-QĐ/TW)
-- go up to 13.00.
ALTER TABLE official_career
    DROP CONSTRAINT official_career_salary_coefficient_hundredths_check,
    ADD CONSTRAINT official_career_salary_coefficient_hundredths_check
        CHECK (salary_coefficient_hundredths BETWEEN 100 AND 1300);

-- Paid by a leadership table rather than the rank's scale.
ALTER TABLE official_career ADD COLUMN leadership_salary_code text;

-- One source of truth: a current salary stated only on the profile joins
-- the history as the open salary record it follows from now on.
SET LOCAL row_security = off;
INSERT INTO official_records (id, official_id, kind, from_date, data, created_at, updated_at)
SELECT gen_random_uuid(), o.id, 'salary', c.salary_step_since,
       jsonb_build_object('rank_code', o.rank_code, 'salary_step', c.salary_step,
                          'salary_coefficient', c.salary_coefficient_hundredths / 100.0),
       now(), now()
FROM officials o JOIN official_career c ON c.official_id = o.id
WHERE o.rank_code IS NOT NULL AND c.salary_step IS NOT NULL
  AND c.salary_coefficient_hundredths IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM official_records r
                  WHERE r.official_id = o.id AND r.kind = 'salary' AND r.to_date IS NULL);
