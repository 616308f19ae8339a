-- sync_events is append-only: organization events already stored stay,
-- and the former rules hold for new rows only (NOT VALID).
DELETE FROM sync_entities WHERE organization_id IS NOT NULL;
ALTER TABLE sync_entities DROP CONSTRAINT sync_entities_check;
ALTER TABLE sync_entities DROP COLUMN organization_id;
ALTER TABLE sync_entities ADD CONSTRAINT sync_entities_check
    CHECK (version = 0 OR (official_id IS NOT NULL AND event_id IS NOT NULL));
ALTER TABLE sync_events DROP CONSTRAINT sync_events_applied_profile;
ALTER TABLE sync_events ADD CONSTRAINT sync_events_check1
    CHECK (outcome <> 'applied' OR official_id IS NOT NULL) NOT VALID;
ALTER TABLE sync_events DROP CONSTRAINT sync_events_event_type_check;
ALTER TABLE sync_events ADD CONSTRAINT sync_events_event_type_check
    CHECK (event_type IN ('official.upserted', 'official.changed', 'official.transferred',
                          'official.left')) NOT VALID;
