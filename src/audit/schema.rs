//! `audit_log` for diesel, declared here rather than in `db::schema` so the
//! audit module stays self-contained.

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::schema::sql_types::Ltree;

    audit_log (id) {
        id -> Int8,
        at -> Timestamptz,
        actor_id -> Nullable<Uuid>,
        actor -> Nullable<Text>,
        action -> Text,
        entity_type -> Nullable<Text>,
        entity_id -> Nullable<Text>,
        organization_path -> Nullable<Ltree>,
        fields -> Array<Text>,
        outcome -> Text,
        address -> Nullable<Text>,
        request_id -> Nullable<Text>,
        details -> Jsonb,
        prev_hash -> Bytea,
        hash -> Bytea,
    }
}
