//! Password hashing (argon2id), verification and the password policy.

use std::sync::LazyLock;

use std::sync::Mutex;

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::distributions::{Distribution, Uniform};
use rand::rngs::OsRng;

/// Memory cost in KiB (19 MiB), OWASP's minimum for argon2id.
pub const M_COST: u32 = 19 * 1024;
/// Iterations, OWASP's minimum for argon2id at 19 MiB.
pub const T_COST: u32 = 2;
/// Lanes; one keeps a sign-in to a single core.
pub const P_COST: u32 = 1;

/// Checked at compile time, so hashing has no parameter error at run time.
const PARAMS: Params = match Params::new(M_COST, T_COST, P_COST, None) {
    Ok(params) => params,
    Err(_) => panic!("invalid argon2 parameters"),
};

const MIN_CHARS: usize = 12;
const MAX_CHARS: usize = 256;
const GENERATED_LEN: usize = 20;
/// No 0/O/1/l/I, so a generated password survives being read aloud or copied by hand.
const GENERATED_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Salt generation or hashing failed (password-hash's error is not a std error without its
    /// `std` feature, so it is carried as a value rather than a source).
    #[error("password hashing failed: {0}")]
    Hash(argon2::password_hash::Error),
}

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, PARAMS)
}

/// argon2id at OWASP's minimum: 19 MiB memory, 2 iterations, 1 lane. PHC string output.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|phc| phc.to_string())
        .map_err(PasswordError::Hash)
}

/// Constant-time verification against a PHC string; false for any malformed hash.
///
/// The parameters come from the stored hash, so older hashes keep verifying until re-hashed.
pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let (Ok(algorithm), Some(Ok(version))) = (
        Algorithm::try_from(parsed.algorithm),
        parsed.version.map(Version::try_from),
    ) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    let mut computed = vec![0u8; expected.len()];
    let hashed = with_blocks(blocks, |memory| {
        argon2.hash_password_into_with_memory(password.as_bytes(), salt, &mut computed, memory)
    });
    // Output's equality is constant-time
    hashed.is_ok() && Output::new(&computed).is_ok_and(|computed| computed == expected)
}

/// Argon2's working memory, kept for the next check: a sign-in allocating
/// 19 MiB afresh on whichever blocking thread runs it leaves that much in
/// the thread's malloc arena, and with a dozen such threads the server held
/// 300 MB after a burst of sign-ins. Checks at once are bounded by the
/// sign-in semaphore (one per core), and so is this pool.
static MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

fn with_blocks<T>(count: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
    let kept = MEMORY.lock().map(|mut pool| pool.pop()).unwrap_or_default();
    let mut memory = kept
        .filter(|m| m.len() >= count)
        .unwrap_or_else(|| vec![Block::default(); count]);
    let result = work(&mut memory[..count]);
    if let Ok(mut pool) = MEMORY.lock() {
        pool.push(memory);
    }
    result
}

/// True when the stored hash used weaker parameters (m, t, p) than the current ones or another
/// algorithm, so sign-in should re-hash. Also true for a hash that cannot be parsed, since it
/// cannot be what `hash` produces today.
pub fn needs_rehash(phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return true;
    };
    if parsed.algorithm != argon2::ARGON2ID_IDENT || parsed.version != Some(Version::V0x13.into()) {
        return true;
    }
    match Params::try_from(&parsed) {
        Ok(params) => {
            params.m_cost() < M_COST || params.t_cost() < T_COST || params.p_cost() < P_COST
        }
        Err(_) => true,
    }
}

/// Hashed on first use; only its verification cost matters, never its content.
static DUMMY_HASH: LazyLock<Option<String>> =
    LazyLock::new(|| hash("odb dummy password for unknown users").ok());

/// Spends the same time as a real verification, for unknown usernames (so timing does not
/// reveal whether a user exists).
pub fn verify_dummy(password: &str) {
    if let Some(phc) = DUMMY_HASH.as_deref() {
        std::hint::black_box(verify(password, phc));
    }
}

/// The password rules: at least 12 characters (counted as chars, not bytes), at most 256, and
/// must not equal or contain the username (case-insensitive). Err carries a human message
/// naming the rule.
pub fn check_policy(username: &str, password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(format!(
            "Password must be at least {MIN_CHARS} characters long."
        ));
    }
    if chars > MAX_CHARS {
        return Err(format!(
            "Password must be at most {MAX_CHARS} characters long."
        ));
    }
    let username = username.trim().to_lowercase();
    // An empty username is contained in every string; there is nothing to compare against.
    if !username.is_empty() && password.to_lowercase().contains(&username) {
        return Err("Password must not contain the username.".to_string());
    }
    Ok(())
}

/// A random password for new accounts: 20 characters from an unambiguous alphabet
/// (no 0/O/1/l/I), from the operating system's CSPRNG.
pub fn generate() -> String {
    let index = Uniform::from(0..GENERATED_ALPHABET.len());
    (0..GENERATED_LEN)
        .map(|_| char::from(GENERATED_ALPHABET[index.sample(&mut OsRng)]))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// A hash made with the given costs, as an older version of this code would have stored.
    fn hash_with(m: u32, t: u32, p: u32) -> String {
        let params = Params::new(m, t, p, None).unwrap();
        let salt = SaltString::generate(&mut OsRng);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(b"correct horse battery", &salt)
            .unwrap()
            .to_string()
    }

    #[test]
    fn round_trip() {
        let phc = hash("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery", &phc));
    }

    #[test]
    fn wrong_password_is_refused() {
        let phc = hash("correct horse battery").unwrap();
        assert!(!verify("correct horse battery!", &phc));
        assert!(!verify("", &phc));
    }

    #[test]
    fn malformed_hash_is_refused() {
        assert!(!verify("anything", ""));
        assert!(!verify("anything", "not a phc string"));
        assert!(!verify("anything", "$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(!verify(
            "anything",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$!!!"
        ));
    }

    #[test]
    fn older_parameters_still_verify() {
        let phc = hash_with(8192, 1, 1);
        assert!(verify("correct horse battery", &phc));
    }

    #[test]
    fn rehash_when_weaker() {
        assert!(needs_rehash(&hash_with(8192, 1, 1)));
        assert!(needs_rehash(&hash_with(M_COST, 1, P_COST)));
        assert!(needs_rehash(&hash_with(8192, T_COST, P_COST)));
        assert!(needs_rehash("not a phc string"));
    }

    #[test]
    fn rehash_when_other_algorithm() {
        let salt = SaltString::generate(&mut OsRng);
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x13, PARAMS)
            .hash_password(b"correct horse battery", &salt)
            .unwrap()
            .to_string();
        assert!(needs_rehash(&argon2i));
    }

    #[test]
    fn no_rehash_when_current() {
        assert!(!needs_rehash(&hash("correct horse battery").unwrap()));
        assert!(!needs_rehash(&hash_with(M_COST * 2, T_COST, P_COST)));
    }

    #[test]
    fn dummy_verification_runs() {
        verify_dummy("whatever");
        assert!(DUMMY_HASH.is_some());
    }

    #[test]
    fn policy_too_short() {
        let err = check_policy("alice", "short pass!").unwrap_err();
        assert!(err.contains("at least 12"));
        // 11 two-byte chars are 22 bytes but still too short.
        assert!(check_policy("alice", &"é".repeat(11)).is_err());
        assert!(check_policy("alice", &"é".repeat(12)).is_ok());
    }

    #[test]
    fn policy_too_long() {
        assert!(check_policy("alice", &"x".repeat(256)).is_ok());
        let err = check_policy("alice", &"x".repeat(257)).unwrap_err();
        assert!(err.contains("at most 256"));
    }

    #[test]
    fn policy_username() {
        let err = check_policy("Alice", "my-ALICE-password").unwrap_err();
        assert!(err.contains("username"));
        assert!(check_policy("alicealice12", "ALICEALICE12").is_err());
    }

    #[test]
    fn policy_ok() {
        assert!(check_policy("alice", "correct horse battery").is_ok());
        assert!(check_policy("", "correct horse battery").is_ok());
    }

    #[test]
    fn generated_passwords() {
        let a = generate();
        let b = generate();
        assert_eq!(a.chars().count(), 20);
        assert!(a.bytes().all(|c| GENERATED_ALPHABET.contains(&c)));
        assert!(!a.contains(['0', 'O', '1', 'l', 'I']));
        assert_ne!(a, b);
    }
}
