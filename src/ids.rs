//! Typed ids: an organization's id cannot be passed where a profile's is
//! expected. Each is a UUID in JSON, in paths and in PostgreSQL.

/// A UUID newtype usable in diesel queries (`uuid` columns), serde and paths.
#[macro_export]
macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
            diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[serde(transparent)]
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            pub fn new_random() -> Self {
                $name(uuid::Uuid::new_v4())
            }
        }

        impl From<uuid::Uuid> for $name {
            fn from(id: uuid::Uuid) -> Self {
                $name(id)
            }
        }

        impl From<$name> for uuid::Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.parse().map($name)
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Uuid, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <uuid::Uuid as diesel::serialize::ToSql<diesel::sql_types::Uuid, diesel::pg::Pg>>::to_sql(&self.0, out)
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Uuid, diesel::pg::Pg> for $name {
            fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                <uuid::Uuid as diesel::deserialize::FromSql<diesel::sql_types::Uuid, diesel::pg::Pg>>::from_sql(value).map($name)
            }
        }
    };
}

uuid_id!(
    /// An organization of the tree (`organizations.id`).
    OrganizationId
);
uuid_id!(
    /// A CBCCVC profile (`officials.id`).
    OfficialId
);
uuid_id!(
    /// A history record of a profile (`official_records.id`).
    RecordId
);
uuid_id!(
    /// An account (`users.id`).
    UserId
);
uuid_id!(
    /// A signed-in session (`sessions.id`).
    SessionId
);
uuid_id!(
    /// A role granted over a subtree (`grants.id`).
    GrantId
);
uuid_id!(
    /// A merge, split or dissolution (`reorganizations.id`).
    ReorganizationId
);
uuid_id!(
    /// A staffing quota of one organization and period (`staffing_quotas.id`).
    QuotaId
);
uuid_id!(
    /// An internal-politics dossier (`dossiers.id`).
    DossierId
);
uuid_id!(
    /// One version of a dossier (`dossier_versions.id`): what its sealed
    /// values are bound to.
    DossierVersionId
);
uuid_id!(
    /// A file attached to a dossier (`dossier_attachments.id`).
    DossierAttachmentId
);
uuid_id!(
    /// A unit of the party tree (`party_organizations.id`).
    PartyOrganizationId
);
uuid_id!(
    /// A party member's record (`party_members.id`).
    MemberId
);
uuid_id!(
    /// A transfer between cells (`party_transfers.id`).
    TransferId
);
uuid_id!(
    /// A machine client of the synchronization (`sync_clients.id`).
    SyncClientId
);
uuid_id!(
    /// A change event, named by its source (`sync_events.event_id`).
    SyncEventId
);
uuid_id!(
    /// A temporary attendance (`party_attendances.id`).
    AttendanceId
);
uuid_id!(
    /// A document in a correspondence register (`correspondence.id`).
    DocumentId
);
uuid_id!(
    /// A file attached to a registered document (`correspondence_attachments.id`).
    DocumentAttachmentId
);
uuid_id!(
    /// An entry of a document's handling history (`correspondence_events.id`).
    DocumentEventId
);
uuid_id!(
    /// A task given to staff (`groupware_tasks.id`).
    TaskId
);
uuid_id!(
    /// A progress report on a task (`groupware_task_reports.id`).
    TaskReportId
);
uuid_id!(
    /// A meeting room (`meeting_rooms.id`).
    RoomId
);
uuid_id!(
    /// A booking of a meeting room (`room_bookings.id`).
    BookingId
);
uuid_id!(
    /// An event of a calendar (`calendar_events.id`).
    EventId
);
uuid_id!(
    /// A business trip (`business_trips.id`).
    TripId
);
uuid_id!(
    /// A bulk import of a spreadsheet (`imports.id`).
    ImportId
);

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_a_plain_uuid_in_json_and_text() {
        let raw = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
        let id: OfficialId = raw.parse().unwrap();
        assert_eq!(id.to_string(), raw);
        assert_eq!(serde_json::to_value(id).unwrap(), serde_json::json!(raw));
        let back: OfficialId = serde_json::from_value(serde_json::json!(raw)).unwrap();
        assert_eq!(back, id);
        assert!("not-a-uuid".parse::<OfficialId>().is_err());
    }
}
