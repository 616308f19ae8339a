// Kept by hand in step with migrations/; a test round-trips every table.

pub mod sql_types {
    #[derive(diesel::query_builder::QueryId, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "ltree"))]
    pub struct Ltree;
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Ltree;

    organizations (id) {
        id -> Uuid,
        code -> Text,
        name -> Text,
        name_folded -> Text,
        abbreviation -> Nullable<Text>,
        level -> Text,
        org_type -> Text,
        org_group -> Int2,
        parent_id -> Nullable<Uuid>,
        path -> Ltree,
        executive_agency_id -> Nullable<Uuid>,
        agency_number -> Nullable<Text>,
        status -> Text,
        accounting_method -> Nullable<Text>,
        address -> Nullable<Text>,
        phone -> Nullable<Text>,
        tax_code -> Nullable<Text>,
        social_insurance_office -> Nullable<Text>,
        bank_account -> Nullable<Text>,
        established_on -> Nullable<Date>,
        establishment_decision -> Nullable<Text>,
        dissolved_on -> Nullable<Date>,
        dissolution_decision -> Nullable<Text>,
        party_organization_name -> Nullable<Text>,
        party_organization_type -> Nullable<Text>,
        awards -> Jsonb,
        disciplines -> Jsonb,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Ltree;

    organization_placements (organization_id, valid_from) {
        organization_id -> Uuid,
        parent_id -> Nullable<Uuid>,
        path -> Ltree,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
    }
}

diesel::table! {
    reorganizations (id) {
        id -> Uuid,
        kind -> Text,
        decision_number -> Text,
        effective_date -> Date,
        note -> Nullable<Text>,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    organization_predecessors (organization_id, predecessor_id) {
        organization_id -> Uuid,
        predecessor_id -> Uuid,
        reorganization_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    organization_events (id) {
        id -> Int8,
        organization_id -> Uuid,
        kind -> Text,
        effective_date -> Date,
        decision_number -> Nullable<Text>,
        reorganization_id -> Nullable<Uuid>,
        related_organization_id -> Nullable<Uuid>,
        details -> Jsonb,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    staffing_quotas (id) {
        id -> Uuid,
        organization_id -> Uuid,
        period -> Text,
        category -> Text,
        assigned -> Int4,
        assigned_decision -> Nullable<Text>,
        current -> Int4,
        version -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    fixture_loads (name) {
        name -> Text,
        loaded_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        username -> Text,
        display_name -> Text,
        home_organization_id -> Uuid,
        status -> Text,
        password_hash -> Text,
        totp_secret -> Nullable<Text>,
        totp_confirmed -> Bool,
        totp_last_step -> Nullable<Int8>,
        failed_attempts -> Int4,
        locked_until -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    recovery_codes (user_id, code_hash) {
        user_id -> Uuid,
        code_hash -> Text,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    mfa_challenges (token_hash) {
        token_hash -> Bytea,
        user_id -> Uuid,
        expires_at -> Timestamptz,
        used -> Bool,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        token_hash -> Bytea,
        user_id -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        last_used_at -> Timestamptz,
        mfa_at -> Timestamptz,
        address -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    grants (id) {
        id -> Uuid,
        user_id -> Uuid,
        role -> Text,
        organization_id -> Uuid,
        granted_by -> Nullable<Uuid>,
        granted_at -> Timestamptz,
    }
}

diesel::table! {
    level_policies (level) {
        level -> Text,
        session_lifetime_seconds -> Int4,
        idle_timeout_seconds -> Int4,
        step_up_max_age_seconds -> Int4,
        sign_in_allowed -> Bool,
        version -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    address_failures (address) {
        address -> Text,
        failures -> Int4,
        window_start -> Timestamptz,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(grants -> users (user_id));
diesel::joinable!(grants -> organizations (organization_id));
diesel::joinable!(recovery_codes -> users (user_id));

diesel::joinable!(organization_placements -> organizations (organization_id));
diesel::joinable!(staffing_quotas -> organizations (organization_id));
diesel::joinable!(organization_events -> reorganizations (reorganization_id));

diesel::allow_tables_to_appear_in_same_query!(
    organizations,
    organization_placements,
    reorganizations,
    organization_predecessors,
    organization_events,
    staffing_quotas,
    fixture_loads,
    users,
    recovery_codes,
    mfa_challenges,
    sessions,
    grants,
    level_policies,
    address_failures,
);
