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

-- Coded where officers count or check: the home and birth provinces (the
-- province of today, and the one of before 1 July 2025 when the place was
-- named so), Party post, IT level, defence-security training group, policy
-- status; term dates and concurrent posts with dates. The free text stays.
ALTER TABLE official_personal
    ADD COLUMN hometown_province_code text,
    ADD COLUMN hometown_former_province_code text,
    ADD COLUMN birthplace_province_code text,
    ADD COLUMN birthplace_former_province_code text,
    ADD COLUMN party_position_code text,
    ADD COLUMN it_level_code text,
    ADD COLUMN defence_training_code text,
    ADD COLUMN joined_revolution_on date,
    ADD COLUMN strengths text,
    ADD COLUMN policy_status_code text;
CREATE INDEX official_personal_hometown ON official_personal (hometown_province_code);

ALTER TABLE official_career
    ADD COLUMN term_start_on date,
    ADD COLUMN term_end_on date,
    ADD COLUMN concurrent_posts jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(concurrent_posts) = 'array'),
    ADD CONSTRAINT official_career_term_in_order CHECK (term_end_on >= term_start_on);
CREATE INDEX official_career_term_end ON official_career (term_end_on);
CREATE INDEX official_career_next_raise ON official_career (next_raise_on);

-- The 2C résumé's sections that are lists: family, military service, mass
-- organizations, health, personal history and foreign relations.
ALTER TABLE official_records DROP CONSTRAINT official_records_kind_check,
    ADD CONSTRAINT official_records_kind_check CHECK (kind IN ('career', 'salary', 'allowance',
        'training', 'evaluation', 'reward', 'discipline', 'property', 'income', 'family',
        'military_service', 'mass_organization', 'health', 'personal_history', 'foreign_relation'));

-- The free text coded where it names a province: the one named last in it
-- (the commune and district come first), before 2025's merger or after.
CREATE TEMPORARY TABLE former_provinces (code text, name text, successor text) ON COMMIT DROP;
INSERT INTO former_provinces VALUES
    ('01', 'Hà Nội', '01'),
    ('02', 'Hà Giang', '08'),
    ('04', 'Cao Bằng', '04'),
    ('06', 'Bắc Kạn', '19'),
    ('08', 'Tuyên Quang', '08'),
    ('10', 'Lào Cai', '15'),
    ('11', 'Điện Biên', '11'),
    ('12', 'Lai Châu', '12'),
    ('14', 'Sơn La', '14'),
    ('15', 'Yên Bái', '15'),
    ('17', 'Hòa Bình', '25'),
    ('19', 'Thái Nguyên', '19'),
    ('20', 'Lạng Sơn', '20'),
    ('22', 'Quảng Ninh', '22'),
    ('24', 'Bắc Giang', '24'),
    ('25', 'Phú Thọ', '25'),
    ('26', 'Vĩnh Phúc', '25'),
    ('27', 'Bắc Ninh', '24'),
    ('30', 'Hải Dương', '31'),
    ('31', 'Hải Phòng', '31'),
    ('33', 'Hưng Yên', '33'),
    ('34', 'Thái Bình', '33'),
    ('35', 'Hà Nam', '37'),
    ('36', 'Nam Định', '37'),
    ('37', 'Ninh Bình', '37'),
    ('38', 'Thanh Hóa', '38'),
    ('40', 'Nghệ An', '40'),
    ('42', 'Hà Tĩnh', '42'),
    ('44', 'Quảng Bình', '44'),
    ('45', 'Quảng Trị', '44'),
    ('46', 'Thừa Thiên Huế', '46'),
    ('48', 'Đà Nẵng', '48'),
    ('49', 'Quảng Nam', '48'),
    ('51', 'Quảng Ngãi', '51'),
    ('52', 'Bình Định', '52'),
    ('54', 'Phú Yên', '66'),
    ('56', 'Khánh Hòa', '56'),
    ('58', 'Ninh Thuận', '56'),
    ('60', 'Bình Thuận', '68'),
    ('62', 'Kon Tum', '51'),
    ('64', 'Gia Lai', '52'),
    ('66', 'Đắk Lắk', '66'),
    ('67', 'Đắk Nông', '68'),
    ('68', 'Lâm Đồng', '68'),
    ('70', 'Bình Phước', '75'),
    ('72', 'Tây Ninh', '80'),
    ('74', 'Bình Dương', '79'),
    ('75', 'Đồng Nai', '75'),
    ('77', 'Bà Rịa - Vũng Tàu', '79'),
    ('79', 'Hồ Chí Minh', '79'),
    ('80', 'Long An', '80'),
    ('82', 'Tiền Giang', '82'),
    ('83', 'Bến Tre', '86'),
    ('84', 'Trà Vinh', '86'),
    ('86', 'Vĩnh Long', '86'),
    ('87', 'Đồng Tháp', '82'),
    ('89', 'An Giang', '91'),
    ('91', 'Kiên Giang', '91'),
    ('92', 'Cần Thơ', '92'),
    ('93', 'Hậu Giang', '92'),
    ('94', 'Sóc Trăng', '92'),
    ('95', 'Bạc Liêu', '96'),
    ('96', 'Cà Mau', '96');
CREATE TEMPORARY TABLE current_provinces (code text, name text) ON COMMIT DROP;
INSERT INTO current_provinces VALUES
    ('01', 'Hà Nội'),
    ('04', 'Cao Bằng'),
    ('08', 'Tuyên Quang'),
    ('11', 'Điện Biên'),
    ('12', 'Lai Châu'),
    ('14', 'Sơn La'),
    ('15', 'Lào Cai'),
    ('19', 'Thái Nguyên'),
    ('20', 'Lạng Sơn'),
    ('22', 'Quảng Ninh'),
    ('24', 'Bắc Ninh'),
    ('25', 'Phú Thọ'),
    ('31', 'Hải Phòng'),
    ('33', 'Hưng Yên'),
    ('37', 'Ninh Bình'),
    ('38', 'Thanh Hóa'),
    ('40', 'Nghệ An'),
    ('42', 'Hà Tĩnh'),
    ('44', 'Quảng Trị'),
    ('46', 'Huế'),
    ('48', 'Đà Nẵng'),
    ('51', 'Quảng Ngãi'),
    ('52', 'Gia Lai'),
    ('56', 'Khánh Hòa'),
    ('66', 'Đắk Lắk'),
    ('68', 'Lâm Đồng'),
    ('75', 'Đồng Nai'),
    ('79', 'Hồ Chí Minh'),
    ('80', 'Tây Ninh'),
    ('82', 'Đồng Tháp'),
    ('86', 'Vĩnh Long'),
    ('91', 'An Giang'),
    ('92', 'Cần Thơ'),
    ('96', 'Cà Mau');

CREATE FUNCTION pg_temp.province_in(place text) RETURNS TABLE (former text, today text)
    LANGUAGE sql AS $$
    SELECT f.code, f.successor FROM former_provinces f
    WHERE strpos(lower(place), lower(f.name)) > 0
    ORDER BY strpos(lower(place), lower(f.name)) DESC, length(f.name) DESC LIMIT 1
$$;
CREATE FUNCTION pg_temp.current_province_in(place text) RETURNS text
    LANGUAGE sql AS $$
    SELECT c.code FROM current_provinces c
    WHERE strpos(lower(place), lower(c.name)) > 0
    ORDER BY strpos(lower(place), lower(c.name)) DESC, length(c.name) DESC LIMIT 1
$$;

UPDATE official_personal SET
    hometown_former_province_code = (SELECT former FROM pg_temp.province_in(hometown)),
    hometown_province_code = coalesce((SELECT today FROM pg_temp.province_in(hometown)),
                                      pg_temp.current_province_in(hometown))
WHERE hometown IS NOT NULL;
UPDATE official_personal SET
    birthplace_former_province_code = (SELECT former FROM pg_temp.province_in(birthplace)),
    birthplace_province_code = coalesce((SELECT today FROM pg_temp.province_in(birthplace)),
                                        pg_temp.current_province_in(birthplace))
WHERE birthplace IS NOT NULL;

-- Levels that are codes already ("B1", "C") become codes; the text stays.
UPDATE official_career SET foreign_languages = (
    SELECT jsonb_agg(CASE WHEN upper(trim(l->>'level')) IN ('A', 'B', 'C', 'A1', 'A2', 'B1', 'B2', 'C1', 'C2')
                          THEN l || jsonb_build_object('level_code', upper(trim(l->>'level')))
                          ELSE l END)
    FROM jsonb_array_elements(foreign_languages) l)
WHERE jsonb_array_length(foreign_languages) > 0;
UPDATE official_personal p SET it_level_code = CASE
        WHEN upper(trim(c.it_level)) IN ('A', 'B', 'C') THEN upper(trim(c.it_level))
        WHEN lower(c.it_level) LIKE '%nâng cao%' THEN 'NC'
        WHEN lower(c.it_level) LIKE '%cơ bản%' THEN 'CB'
    END
FROM official_career c
WHERE c.official_id = p.official_id AND c.it_level IS NOT NULL;
