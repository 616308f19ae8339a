-- Keys that can be replaced in an emergency, and no secret left in clear:
-- * the master key can be rotated: every data key is re-wrapped under the
--   new one, and during the overlap also stays wrapped under the previous
--   one, which the keyring keeps accepting until it is retired;
-- * the blind-index key becomes a key of its own, wrapped like the data
--   keys, so a master-key rotation leaves the indexes as they are, and it
--   can itself be rotated (the indexes recomputed) when wanted;
-- * TOTP secrets are sealed like the other sensitive columns.
-- The keys never reach the database, so sealing the TOTP secrets that
-- exist happens in odb, at its first start with the master key (see
-- docs/encryption.md); this migration only makes room for it.

-- The master key the database used before a rotation, accepted until
-- `odb keys retire-master`; while it is set, every key is also wrapped
-- under it (wrapped_previous).
ALTER TABLE keyring
    ADD COLUMN previous_check bytea,
    ADD COLUMN rotated_at timestamptz,
    ADD CONSTRAINT keyring_previous_differs CHECK (previous_check IS DISTINCT FROM master_check);
ALTER TABLE data_keys ADD COLUMN wrapped_previous bytea;

-- The keys of the blind indexes, by version. Version 1 is the key every
-- index so far was computed with: the master key itself (wrapped NULL)
-- until the first master-key rotation wraps it under the new master key.
CREATE TABLE blind_index_keys (
    version integer PRIMARY KEY CHECK (version > 0),
    wrapped bytea CHECK (wrapped IS NOT NULL OR version = 1),
    wrapped_previous bytea,
    state text NOT NULL CHECK (state IN ('active', 'retiring', 'retired')),
    created_at timestamptz NOT NULL,
    retired_at timestamptz
);
CREATE UNIQUE INDEX blind_index_keys_one_active ON blind_index_keys ((true)) WHERE state = 'active';
INSERT INTO blind_index_keys (version, state, created_at) VALUES (1, 'active', now());
GRANT SELECT ON blind_index_keys TO odb_app;

-- Which blind-index key a profile's indexes were computed with: a rotation
-- of that key recomputes the rows still under an older one.
ALTER TABLE officials ADD COLUMN blind_index_version integer NOT NULL DEFAULT 1
    REFERENCES blind_index_keys (version);

-- The TOTP secret, sealed (AES-256-GCM, bound to users/totp_secret/<id>).
-- The plaintext column keeps its secrets under another name until odb seals
-- them; with none to seal (a new database), it goes now.
ALTER TABLE users RENAME COLUMN totp_secret TO totp_secret_plaintext;
ALTER TABLE users ADD COLUMN totp_secret bytea;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users WHERE totp_secret_plaintext IS NOT NULL) THEN
        ALTER TABLE users DROP COLUMN totp_secret_plaintext;
    END IF;
END
$$;
