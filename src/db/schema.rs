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
        totp_secret -> Nullable<Bytea>,
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

diesel::table! {
    data_keys (version) {
        version -> Int4,
        wrapped -> Bytea,
        state -> Text,
        created_at -> Timestamptz,
        retired_at -> Nullable<Timestamptz>,
        wrapped_previous -> Nullable<Bytea>,
    }
}

diesel::table! {
    blind_index_keys (version) {
        version -> Int4,
        wrapped -> Nullable<Bytea>,
        wrapped_previous -> Nullable<Bytea>,
        state -> Text,
        created_at -> Timestamptz,
        retired_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    keyring (id) {
        id -> Bool,
        master_check -> Bytea,
        created_at -> Timestamptz,
        previous_check -> Nullable<Bytea>,
        rotated_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    catalog_entries (catalog, code) {
        catalog -> Text,
        code -> Text,
        name -> Text,
        sort_order -> Int4,
        valid_from -> Nullable<Date>,
        valid_until -> Nullable<Date>,
        details -> Jsonb,
    }
}

diesel::table! {
    /// What search, scope and row-level security read; the rest of Table 26
    /// is in official_personal and official_career, one row each.
    use diesel::sql_types::*;
    use super::sql_types::Ltree;

    officials (id) {
        id -> Uuid,
        classification -> Text,
        managing_organization_id -> Uuid,
        using_organization_id -> Uuid,
        managing_path -> Ltree,
        using_path -> Ltree,
        cbccvc_code -> Nullable<Text>,
        full_name -> Text,
        name_folded -> Text,
        family_name_folded -> Text,
        given_name_folded -> Text,
        sex -> Text,
        birth_date -> Date,
        identity_card_index -> Nullable<Bytea>,
        personal_identification_index -> Nullable<Bytea>,
        social_insurance_index -> Nullable<Bytea>,
        ethnic_group_code -> Nullable<Text>,
        rank_code -> Nullable<Text>,
        position_code -> Nullable<Text>,
        political_theory_code -> Nullable<Text>,
        degree_code -> Nullable<Text>,
        party_admitted_on -> Nullable<Date>,
        party_official_on -> Nullable<Date>,
        status -> Text,
        retired_on -> Nullable<Date>,
        died_on -> Nullable<Date>,
        archived_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        blind_index_version -> Int4,
    }
}

diesel::table! {
    official_personal (official_id) {
        official_id -> Uuid,
        other_names -> Nullable<Text>,
        identity_card_number -> Nullable<Bytea>,
        identity_card_issue -> Nullable<Bytea>,
        personal_identification_code -> Nullable<Bytea>,
        social_insurance_number -> Nullable<Bytea>,
        religion_code -> Nullable<Text>,
        hometown -> Nullable<Text>,
        birthplace -> Nullable<Text>,
        current_address -> Nullable<Bytea>,
        phone -> Nullable<Bytea>,
        email -> Nullable<Bytea>,
        party_card_number -> Nullable<Bytea>,
        party_position -> Nullable<Text>,
        hometown_province_code -> Nullable<Text>,
        hometown_former_province_code -> Nullable<Text>,
        birthplace_province_code -> Nullable<Text>,
        birthplace_former_province_code -> Nullable<Text>,
        party_position_code -> Nullable<Text>,
        it_level_code -> Nullable<Text>,
        defence_training_code -> Nullable<Text>,
        joined_revolution_on -> Nullable<Date>,
        strengths -> Nullable<Text>,
        policy_status_code -> Nullable<Text>,
    }
}

diesel::table! {
    official_career (official_id) {
        official_id -> Uuid,
        first_recruited_on -> Nullable<Date>,
        recruiting_agency -> Nullable<Text>,
        recruiting_position -> Nullable<Text>,
        joined_current_agency_on -> Nullable<Date>,
        job_position -> Nullable<Text>,
        rank_since -> Nullable<Date>,
        salary_step -> Nullable<Int2>,
        salary_coefficient_hundredths -> Nullable<Int2>,
        salary_step_since -> Nullable<Date>,
        seniority_allowance_percent -> Nullable<Int2>,
        next_raise_on -> Nullable<Date>,
        first_appointed_on -> Nullable<Date>,
        reappointed_on -> Nullable<Date>,
        term -> Nullable<Text>,
        concurrent_positions -> Nullable<Text>,
        general_education -> Nullable<Text>,
        education_level_code -> Nullable<Text>,
        foreign_languages -> Jsonb,
        it_level -> Nullable<Text>,
        state_management_code -> Nullable<Text>,
        defence_security_training -> Nullable<Text>,
        minority_languages -> Nullable<Text>,
        academic_title_code -> Nullable<Text>,
        academic_title_on -> Nullable<Date>,
        degree_on -> Nullable<Date>,
        degree_specialty -> Nullable<Text>,
        leadership_salary_code -> Nullable<Text>,
        term_start_on -> Nullable<Date>,
        term_end_on -> Nullable<Date>,
        concurrent_posts -> Jsonb,
    }
}

diesel::table! {
    official_records (id) {
        id -> Uuid,
        official_id -> Uuid,
        kind -> Text,
        from_date -> Nullable<Date>,
        to_date -> Nullable<Date>,
        data -> Nullable<Jsonb>,
        sealed -> Nullable<Bytea>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    official_changes (id) {
        id -> Int8,
        official_id -> Uuid,
        at -> Timestamptz,
        actor_id -> Nullable<Uuid>,
        actor -> Nullable<Text>,
        action -> Text,
        fields -> Array<Text>,
    }
}

diesel::table! {
    dossiers (id) {
        id -> Uuid,
        subject_kind -> Text,
        subject_id -> Uuid,
        version -> Int4,
        attachment_count -> Int4,
        created_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    dossier_versions (id) {
        id -> Uuid,
        dossier_id -> Uuid,
        number -> Int4,
        category -> Bytea,
        summary -> Bytea,
        content -> Bytea,
        recorded_at -> Timestamptz,
        recorded_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    dossier_attachments (id) {
        id -> Uuid,
        dossier_id -> Uuid,
        number -> Int4,
        file_name -> Bytea,
        content_type -> Text,
        size -> Int4,
        content -> Bytea,
        recorded_at -> Timestamptz,
        recorded_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Ltree;

    party_organizations (id) {
        id -> Uuid,
        code -> Text,
        name -> Text,
        name_folded -> Text,
        kind -> Text,
        level -> Text,
        parent_id -> Nullable<Uuid>,
        path -> Ltree,
        organization_id -> Nullable<Uuid>,
        status -> Text,
        established_on -> Date,
        establishment_decision -> Nullable<Text>,
        dissolved_on -> Nullable<Date>,
        dissolution_decision -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    party_organization_events (id) {
        id -> Int8,
        party_organization_id -> Uuid,
        kind -> Text,
        effective_on -> Date,
        decision_number -> Nullable<Text>,
        related_party_organization_id -> Nullable<Uuid>,
        details -> Jsonb,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    party_organization_predecessors (party_organization_id, predecessor_id) {
        party_organization_id -> Uuid,
        predecessor_id -> Uuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Ltree;

    party_members (id) {
        id -> Uuid,
        official_id -> Nullable<Uuid>,
        full_name -> Text,
        name_folded -> Text,
        family_name_folded -> Text,
        given_name_folded -> Text,
        birth_date -> Date,
        sex -> Text,
        ethnic_group_code -> Nullable<Text>,
        religion_code -> Nullable<Text>,
        hometown -> Nullable<Text>,
        identity_number -> Nullable<Bytea>,
        identity_index -> Nullable<Bytea>,
        personal_identification_code -> Nullable<Bytea>,
        personal_identification_index -> Nullable<Bytea>,
        party_card_number -> Nullable<Bytea>,
        party_card_index -> Nullable<Bytea>,
        admitted_on -> Date,
        official_on -> Nullable<Date>,
        positions -> Jsonb,
        party_organization_id -> Uuid,
        path -> Ltree,
        status -> Text,
        attending_organization_id -> Nullable<Uuid>,
        attending_path -> Nullable<Ltree>,
        attending_until -> Nullable<Date>,
        incoming_path -> Nullable<Ltree>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        blind_index_version -> Int4,
    }
}

diesel::table! {
    party_member_events (id) {
        id -> Int8,
        member_id -> Uuid,
        kind -> Text,
        effective_on -> Date,
        decision_number -> Nullable<Text>,
        deciding_body -> Nullable<Text>,
        party_organization_id -> Nullable<Uuid>,
        details -> Jsonb,
        recorded_at -> Timestamptz,
        recorded_by -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Ltree;

    party_member_periods (member_id, valid_from) {
        member_id -> Uuid,
        party_organization_id -> Uuid,
        path -> Ltree,
        status -> Text,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Ltree;

    party_transfers (id) {
        id -> Uuid,
        member_id -> Uuid,
        member_name -> Text,
        from_organization_id -> Uuid,
        from_code -> Text,
        from_name -> Text,
        from_path -> Ltree,
        to_organization_id -> Uuid,
        to_code -> Text,
        to_name -> Text,
        to_path -> Ltree,
        status -> Text,
        issued_on -> Date,
        issue_decision -> Text,
        issuing_body -> Text,
        accepted_on -> Nullable<Date>,
        accept_decision -> Nullable<Text>,
        accepting_body -> Nullable<Text>,
        cancelled_on -> Nullable<Date>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    party_attendances (id) {
        id -> Uuid,
        member_id -> Uuid,
        party_organization_id -> Uuid,
        from_on -> Date,
        until_on -> Nullable<Date>,
        ended_on -> Nullable<Date>,
        decision_number -> Text,
    }
}

diesel::table! {
    party_exemptions (member_id, valid_from) {
        member_id -> Uuid,
        reason -> Text,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        decision_number -> Text,
    }
}

diesel::table! {
    sync_clients (id) {
        id -> Uuid,
        name -> Text,
        source -> Text,
        xroad_client -> Nullable<Text>,
        organization_id -> Uuid,
        secret -> Bytea,
        previous_secret -> Nullable<Bytea>,
        previous_until -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        rotated_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sync_events (event_id) {
        event_id -> Uuid,
        source -> Text,
        client_id -> Uuid,
        sequence -> Int8,
        occurred_at -> Timestamptz,
        event_type -> Text,
        entity_key -> Text,
        entity_version -> Int8,
        payload -> Bytea,
        outcome -> Text,
        problem -> Nullable<Jsonb>,
        official_id -> Nullable<Uuid>,
        received_at -> Timestamptz,
        decided_at -> Timestamptz,
        attempts -> Int4,
    }
}

diesel::table! {
    sync_entities (source, entity_key) {
        source -> Text,
        entity_key -> Text,
        version -> Int8,
        official_id -> Nullable<Uuid>,
        event_id -> Nullable<Uuid>,
        updated_at -> Timestamptz,
        organization_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Ltree;

    changes (seq) {
        seq -> Int8,
        xid -> Int8,
        entity -> Text,
        entity_id -> Uuid,
        version -> Int4,
        kind -> Text,
        at -> Timestamptz,
        path -> Ltree,
        other_path -> Nullable<Ltree>,
    }
}

diesel::table! {
    groupware_clearances (user_id) {
        user_id -> Uuid,
        level -> Text,
        granted_at -> Timestamptz,
        granted_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    correspondence_counters (organization_id, direction, register, year) {
        organization_id -> Uuid,
        direction -> Text,
        register -> Text,
        year -> Int4,
        last_number -> Int4,
    }
}

diesel::table! {
    correspondence (id) {
        id -> Uuid,
        version -> Int4,
        organization_id -> Uuid,
        direction -> Text,
        register -> Text,
        year -> Int4,
        registration_number -> Int4,
        registered_on -> Date,
        document_type -> Text,
        form -> Text,
        document_number -> Nullable<Int4>,
        issuer_code -> Nullable<Text>,
        drafting_unit_code -> Nullable<Text>,
        number_symbol -> Nullable<Text>,
        document_date -> Date,
        issuer -> Text,
        recipients -> Nullable<Text>,
        subject -> Text,
        subject_folded -> Text,
        urgency -> Nullable<Text>,
        secrecy -> Nullable<Text>,
        handling_deadline -> Nullable<Date>,
        handling_unit_id -> Nullable<Uuid>,
        status -> Text,
        done_on -> Nullable<Date>,
        reply_to_id -> Nullable<Uuid>,
        effective_on -> Nullable<Date>,
        expires_on -> Nullable<Date>,
        attachment_count -> Int4,
        created_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    correspondence_assignees (document_id, user_id) {
        document_id -> Uuid,
        user_id -> Uuid,
        lead -> Bool,
        assigned_at -> Timestamptz,
        assigned_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    correspondence_events (id) {
        id -> Uuid,
        document_id -> Uuid,
        kind -> Text,
        status -> Text,
        note -> Nullable<Text>,
        recorded_at -> Timestamptz,
        recorded_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    correspondence_attachments (id) {
        id -> Uuid,
        document_id -> Uuid,
        number -> Int4,
        file_name -> Nullable<Text>,
        sealed_file_name -> Nullable<Bytea>,
        content_type -> Text,
        size -> Int4,
        content -> Nullable<Bytea>,
        sealed_content -> Nullable<Bytea>,
        recorded_at -> Timestamptz,
        recorded_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    groupware_tasks (id) {
        id -> Uuid,
        version -> Int4,
        organization_id -> Uuid,
        title -> Text,
        title_folded -> Text,
        description -> Nullable<Text>,
        document_id -> Nullable<Uuid>,
        priority -> Text,
        deadline -> Nullable<Date>,
        status -> Text,
        progress -> Int4,
        completed_on -> Nullable<Date>,
        created_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    groupware_task_assignees (task_id, user_id) {
        task_id -> Uuid,
        user_id -> Uuid,
    }
}

diesel::table! {
    groupware_task_reports (id) {
        id -> Uuid,
        task_id -> Uuid,
        progress -> Int4,
        status -> Text,
        note -> Nullable<Text>,
        recorded_at -> Timestamptz,
        recorded_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    meeting_rooms (id) {
        id -> Uuid,
        organization_id -> Uuid,
        name -> Text,
        location -> Nullable<Text>,
        capacity -> Int4,
        equipment -> Array<Text>,
        created_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    room_bookings (id) {
        id -> Uuid,
        version -> Int4,
        room_id -> Uuid,
        title -> Text,
        attendees -> Int4,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        status -> Text,
        booked_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    calendar_events (id) {
        id -> Uuid,
        version -> Int4,
        organization_id -> Uuid,
        owner_id -> Nullable<Uuid>,
        title -> Text,
        location -> Nullable<Text>,
        description -> Nullable<Text>,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        recurrence -> Nullable<Text>,
        exceptions -> Array<Date>,
        created_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    calendar_invitees (event_id, user_id) {
        event_id -> Uuid,
        user_id -> Uuid,
        answer -> Text,
        answered_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    business_trips (id) {
        id -> Uuid,
        version -> Int4,
        organization_id -> Uuid,
        purpose -> Text,
        destination -> Text,
        starts_on -> Date,
        ends_on -> Date,
        status -> Text,
        decided_by -> Nullable<Uuid>,
        decided_at -> Nullable<Timestamptz>,
        decision_note -> Nullable<Text>,
        created_at -> Timestamptz,
        created_by -> Nullable<Uuid>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    business_trip_members (trip_id, user_id) {
        trip_id -> Uuid,
        user_id -> Uuid,
    }
}

diesel::table! {
    business_trip_documents (trip_id, document_id) {
        trip_id -> Uuid,
        document_id -> Uuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Ltree;

    import_mappings (organization_id, kind, name) {
        organization_id -> Uuid,
        path -> Ltree,
        kind -> Text,
        name -> Text,
        mapping -> Jsonb,
        saved_by -> Nullable<Uuid>,
        saved_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Ltree;

    imports (id) {
        id -> Uuid,
        organization_id -> Uuid,
        path -> Ltree,
        kind -> Text,
        file_name -> Text,
        file_sha256 -> Bytea,
        mapping -> Jsonb,
        dry_run -> Bool,
        atomicity -> Text,
        status -> Text,
        rows_total -> Int4,
        rows_done -> Int4,
        created -> Int4,
        updated -> Int4,
        rejected -> Int4,
        report -> Jsonb,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
        failure -> Nullable<Text>,
        operator -> Nullable<Text>,
    }
}

diesel::joinable!(official_personal -> officials (official_id));
diesel::joinable!(official_career -> officials (official_id));
diesel::joinable!(official_records -> officials (official_id));
diesel::joinable!(official_changes -> officials (official_id));

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(grants -> users (user_id));
diesel::joinable!(grants -> organizations (organization_id));
diesel::joinable!(recovery_codes -> users (user_id));

diesel::joinable!(organization_placements -> organizations (organization_id));
diesel::joinable!(staffing_quotas -> organizations (organization_id));
diesel::joinable!(organization_events -> reorganizations (reorganization_id));

diesel::joinable!(dossier_versions -> dossiers (dossier_id));
diesel::joinable!(dossier_attachments -> dossiers (dossier_id));

diesel::joinable!(party_member_periods -> party_members (member_id));
diesel::joinable!(party_member_events -> party_members (member_id));

diesel::joinable!(correspondence_assignees -> correspondence (document_id));
diesel::joinable!(correspondence_events -> correspondence (document_id));
diesel::joinable!(correspondence_attachments -> correspondence (document_id));
diesel::joinable!(groupware_task_assignees -> groupware_tasks (task_id));
diesel::joinable!(groupware_task_reports -> groupware_tasks (task_id));
diesel::joinable!(room_bookings -> meeting_rooms (room_id));
diesel::joinable!(calendar_invitees -> calendar_events (event_id));
diesel::joinable!(business_trip_members -> business_trips (trip_id));
diesel::joinable!(business_trip_documents -> business_trips (trip_id));

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
    blind_index_keys,
    data_keys,
    keyring,
    catalog_entries,
    officials,
    official_personal,
    official_career,
    official_records,
    official_changes,
    dossiers,
    dossier_versions,
    dossier_attachments,
    party_organizations,
    party_organization_events,
    party_organization_predecessors,
    party_members,
    party_member_events,
    party_member_periods,
    party_transfers,
    party_attendances,
    party_exemptions,
    sync_clients,
    sync_events,
    sync_entities,
    changes,
    groupware_clearances,
    correspondence_counters,
    correspondence,
    correspondence_assignees,
    correspondence_events,
    correspondence_attachments,
    groupware_tasks,
    groupware_task_assignees,
    groupware_task_reports,
    meeting_rooms,
    room_bookings,
    calendar_events,
    calendar_invitees,
    business_trips,
    business_trip_members,
    business_trip_documents,
    import_mappings,
    imports,
);
