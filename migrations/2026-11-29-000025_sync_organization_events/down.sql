DELETE FROM sync_events WHERE event_type LIKE 'organization.%';
ALTER TABLE sync_events DROP CONSTRAINT sync_events_event_type_check;
ALTER TABLE sync_events ADD CONSTRAINT sync_events_event_type_check
    CHECK (event_type IN ('official.upserted', 'official.changed', 'official.transferred',
                          'official.left'));
