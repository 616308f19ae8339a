DROP INDEX official_career_next_raise;
DELETE FROM official_records WHERE kind IN ('family', 'military_service', 'mass_organization',
    'health', 'personal_history', 'foreign_relation');
ALTER TABLE official_records DROP CONSTRAINT official_records_kind_check,
    ADD CONSTRAINT official_records_kind_check CHECK (kind IN ('career', 'salary', 'allowance',
        'training', 'evaluation', 'reward', 'discipline', 'property', 'income'));
ALTER TABLE official_career
    DROP COLUMN term_start_on,
    DROP COLUMN term_end_on,
    DROP COLUMN concurrent_posts;
ALTER TABLE official_personal
    DROP COLUMN hometown_province_code,
    DROP COLUMN hometown_former_province_code,
    DROP COLUMN birthplace_province_code,
    DROP COLUMN birthplace_former_province_code,
    DROP COLUMN party_position_code,
    DROP COLUMN it_level_code,
    DROP COLUMN defence_training_code,
    DROP COLUMN joined_revolution_on,
    DROP COLUMN strengths,
    DROP COLUMN policy_status_code;
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
