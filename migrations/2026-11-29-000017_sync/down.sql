DROP TABLE sync_entities;
DROP TABLE sync_events;
DROP FUNCTION sync_events_decided_once();
DROP FUNCTION odb_sync_client(text);
DROP FUNCTION odb_sync_source();
ALTER TABLE grants DROP CONSTRAINT grants_no_sync_client;
DROP TABLE sync_clients;
