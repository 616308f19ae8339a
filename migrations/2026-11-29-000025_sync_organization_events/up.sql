-- Organization events of the MOHA synchronization (decision 0030): an
-- entity is a person (its profile) or an organization (its unit), never
-- both, once an event about it was applied.
ALTER TABLE sync_events DROP CONSTRAINT sync_events_event_type_check;
ALTER TABLE sync_events ADD CONSTRAINT sync_events_event_type_check
    CHECK (event_type IN ('official.upserted', 'official.changed', 'official.transferred',
                          'official.left', 'organization.upserted', 'organization.reorganized'));
-- an applied event about a person names its profile; one about an
-- organization names none (its entity does)
ALTER TABLE sync_events DROP CONSTRAINT sync_events_check1;
ALTER TABLE sync_events ADD CONSTRAINT sync_events_applied_profile
    CHECK (outcome <> 'applied' OR (official_id IS NOT NULL) = (event_type LIKE 'official.%'));

ALTER TABLE sync_entities ADD COLUMN organization_id uuid UNIQUE REFERENCES organizations (id);
GRANT UPDATE (organization_id) ON sync_entities TO odb_app;
ALTER TABLE sync_entities DROP CONSTRAINT sync_entities_check;
ALTER TABLE sync_entities ADD CONSTRAINT sync_entities_check
    CHECK (version = 0 OR (event_id IS NOT NULL
                           AND (official_id IS NULL) <> (organization_id IS NULL)));
