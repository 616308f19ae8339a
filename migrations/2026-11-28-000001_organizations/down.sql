DROP TABLE fixture_loads;
DROP TABLE staffing_quotas;
DROP TABLE organization_events;
DROP TABLE organization_predecessors;
DROP TABLE reorganizations;
DROP TABLE organization_placements;
DROP TABLE organizations;
