-- Going down after a master-key or blind-index key rotation leaves data keys
-- and indexes the earlier code cannot use (it wraps and derives everything
-- with the master key it is given): restore a backup taken before instead.

-- The sealed TOTP secrets cannot be opened here (the keys never reach the
-- database): every account enrolls its second factor again.
ALTER TABLE users DROP COLUMN totp_secret;
ALTER TABLE users DROP COLUMN IF EXISTS totp_secret_plaintext;
ALTER TABLE users ADD COLUMN totp_secret text;
UPDATE users SET totp_confirmed = false, totp_last_step = NULL;

ALTER TABLE officials DROP COLUMN blind_index_version;
DROP TABLE blind_index_keys;
ALTER TABLE data_keys DROP COLUMN wrapped_previous;
ALTER TABLE keyring
    DROP CONSTRAINT keyring_previous_differs,
    DROP COLUMN previous_check,
    DROP COLUMN rotated_at;
