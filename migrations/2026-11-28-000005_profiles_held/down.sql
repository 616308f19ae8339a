DROP FUNCTION odb_profiles_held(uuid[], integer);
