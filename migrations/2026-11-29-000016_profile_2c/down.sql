ALTER TABLE official_career DROP COLUMN leadership_salary_code;

ALTER TABLE official_career
    DROP CONSTRAINT official_career_salary_coefficient_hundredths_check,
    ADD CONSTRAINT official_career_salary_coefficient_hundredths_check
        CHECK (salary_coefficient_hundredths BETWEEN 100 AND 1000);

ALTER TABLE catalog_entries
    DROP CONSTRAINT catalog_entries_valid_in_order,
    DROP COLUMN details,
    DROP COLUMN valid_until,
    DROP COLUMN valid_from;
