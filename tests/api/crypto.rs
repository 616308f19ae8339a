//! Field encryption against a real database: sealing, the keyring's checks,
//! blind indexes, and rotation beside concurrent writers.

use crate::helpers::*;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use base64::Engine;
use diesel::sql_types::{Bytea, Text, Uuid as SqlUuid};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};
use odb::crypto::{
    key_version, normalize_identifier, rotate, status, CryptoError, Keyring, MasterKey,
    SEALED_COLUMNS,
};
use rand::{Rng, RngCore};
use uuid::Uuid;

const PIC: &str = "personal_identification_code";

fn random_master() -> String {
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    base64::engine::general_purpose::STANDARD.encode(key)
}

fn master(text: &str) -> MasterKey {
    MasterKey::from_base64(text).unwrap()
}

/// A fresh database with an initialized keyring.
fn setup() -> (TestDatabase, String, Keyring) {
    let db = TestDatabase::new();
    let text = random_master();
    let keyring = Keyring::initialize(&mut db.connect(), master(&text)).unwrap();
    (db, text, keyring)
}

/// Connections for a rotation's two workers.
fn two_workers(db: &TestDatabase) -> [PgConnection; 2] {
    [db.connect(), db.connect()]
}

fn insert_org(conn: &mut PgConnection) -> Uuid {
    let id = Uuid::new_v4();
    diesel::sql_query(
        "INSERT INTO organizations (id, code, name, name_folded, level, org_type, org_group, path, \
         created_at, updated_at) \
         VALUES ($1, $2, 'Đơn vị', 'don vi', 'central', 'party_committee', 1, $3::ltree, now(), now())",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(format!("U{}", &id.simple().to_string()[..8].to_uppercase()))
    .bind::<Text, _>(id.simple().to_string())
    .execute(conn)
    .unwrap();
    id
}

/// A profile with its two parts, in one statement (a profile without them
/// is refused at commit).
fn insert_official(conn: &mut PgConnection, org: Uuid) -> Uuid {
    let id = Uuid::new_v4();
    diesel::sql_query(
        "WITH p AS (INSERT INTO officials (id, classification, managing_organization_id, \
         using_organization_id, full_name, name_folded, family_name_folded, given_name_folded, \
         sex, birth_date, created_at, updated_at) \
         VALUES ($1, 'civil_servant', $2, $2, 'Nguyễn Văn A', 'nguyen van a', 'nguyen', 'a', \
         'male', '1980-01-01', now(), now()) RETURNING id), \
         d AS (INSERT INTO official_personal (official_id) SELECT id FROM p) \
         INSERT INTO official_career (official_id) SELECT id FROM p",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<SqlUuid, _>(org)
    .execute(conn)
    .unwrap();
    id
}

fn insert_record(conn: &mut PgConnection, official: Uuid, sealed_value: &[u8], id: Uuid) {
    diesel::sql_query(
        "INSERT INTO official_records (id, official_id, kind, sealed, created_at, updated_at) \
         VALUES ($1, $2, 'income', $3, now(), now())",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<SqlUuid, _>(official)
    .bind::<Bytea, _>(sealed_value)
    .execute(conn)
    .unwrap();
}

/// Where a column of `table` (as named in the associated data) is stored,
/// and its row id column.
fn stored<'a>(table: &'a str, column: &str) -> (&'a str, &'a str) {
    SEALED_COLUMNS
        .iter()
        .find(|c| c.table == table && c.column == column)
        .map_or((table, "id"), |c| (c.stored_in, c.row_id))
}

/// Column names come from SEALED_COLUMNS-like constants in these tests.
fn write(conn: &mut PgConnection, table: &str, column: &str, row: Uuid, value: &[u8]) {
    let (table, id) = stored(table, column);
    let n = diesel::sql_query(format!("UPDATE {table} SET {column} = $1 WHERE {id} = $2"))
        .bind::<Bytea, _>(value)
        .bind::<SqlUuid, _>(row)
        .execute(conn)
        .unwrap();
    assert_eq!(n, 1);
}

#[derive(QueryableByName)]
struct Value {
    #[diesel(sql_type = diesel::sql_types::Nullable<Bytea>)]
    value: Option<Vec<u8>>,
}

fn read(conn: &mut PgConnection, table: &str, column: &str, row: Uuid) -> Option<Vec<u8>> {
    let (table, id) = stored(table, column);
    diesel::sql_query(format!(
        "SELECT {column} AS value FROM {table} WHERE {id} = $1"
    ))
    .bind::<SqlUuid, _>(row)
    .get_result::<Value>(conn)
    .unwrap()
    .value
}

fn version_status(conn: &mut PgConnection, version: u32) -> odb::crypto::KeyVersionStatus {
    status(conn)
        .unwrap()
        .versions
        .into_iter()
        .find(|v| v.version == version)
        .unwrap()
}

#[test]
fn sealed_values_open_only_where_they_were_sealed() {
    let (db, _, keyring) = setup();
    let mut conn = db.connect();
    let org = insert_org(&mut conn);
    let (a, b) = (
        insert_official(&mut conn, org),
        insert_official(&mut conn, org),
    );

    let sealer = keyring.sealer(&mut conn).unwrap();
    assert_eq!(sealer.version(), 1);
    let sealed = sealer
        .seal_str("officials", PIC, a, "001234567890")
        .unwrap();
    assert_eq!(key_version(&sealed), Some(1));
    assert_eq!(
        keyring
            .open_string(&mut conn, "officials", PIC, a, &sealed)
            .unwrap(),
        "001234567890"
    );
    // random nonces: sealing twice never gives the same bytes
    assert_ne!(
        sealed,
        sealer
            .seal_str("officials", PIC, a, "001234567890")
            .unwrap()
    );

    // moved to another row or column: an error, never someone else's data
    for (column, row) in [(PIC, b), ("phone", a)] {
        assert!(matches!(
            keyring.open_value(&mut conn, "officials", column, row, &sealed),
            Err(CryptoError::Open)
        ));
    }
    // the same through the database: copied by SQL to another row and column
    write(&mut conn, "officials", PIC, a, &sealed);
    diesel::sql_query("UPDATE official_personal SET personal_identification_code = (SELECT personal_identification_code FROM official_personal WHERE official_id = $1), phone = (SELECT personal_identification_code FROM official_personal WHERE official_id = $1) WHERE official_id = $2")
        .bind::<SqlUuid, _>(a)
        .bind::<SqlUuid, _>(b)
        .execute(&mut conn)
        .unwrap();
    let copied = read(&mut conn, "officials", PIC, b).unwrap();
    assert!(matches!(
        keyring.open_value(&mut conn, "officials", PIC, b, &copied),
        Err(CryptoError::Open)
    ));
    let copied = read(&mut conn, "officials", "phone", b).unwrap();
    assert!(matches!(
        keyring.open_value(&mut conn, "officials", "phone", b, &copied),
        Err(CryptoError::Open)
    ));

    // any flipped byte after the version fails authentication
    for i in 4..sealed.len() {
        let mut tampered = sealed.clone();
        tampered[i] ^= 0x01;
        assert!(
            matches!(
                keyring.open_value(&mut conn, "officials", PIC, a, &tampered),
                Err(CryptoError::Open)
            ),
            "byte {i}"
        );
    }
    // a version that does not exist, and values too short to be sealed
    let mut unknown = sealed.clone();
    unknown[..4].copy_from_slice(&99u32.to_be_bytes());
    assert!(matches!(
        keyring.open_value(&mut conn, "officials", PIC, a, &unknown),
        Err(CryptoError::UnknownKeyVersion(99))
    ));
    let mut other_version = sealed.clone();
    other_version[3] = 2;
    assert!(keyring
        .open_value(&mut conn, "officials", PIC, a, &other_version)
        .is_err());
    for short in [&sealed[..3], &sealed[..20]] {
        assert!(matches!(
            keyring.open_value(&mut conn, "officials", PIC, a, short),
            Err(CryptoError::Malformed)
        ));
    }
    // an empty plaintext round-trips too
    let empty = sealer.seal("official_records", "sealed", a, b"").unwrap();
    assert_eq!(
        keyring
            .open_value(&mut conn, "official_records", "sealed", a, &empty)
            .unwrap(),
        b""
    );

    // errors that reach a response name no value
    let app: odb::error::AppError = CryptoError::Open.into();
    assert!(matches!(app, odb::error::AppError::Internal(_)));
    assert!(!app.to_string().contains("001234567890"));
}

#[test]
fn a_wrong_master_key_is_refused_at_start_up() {
    let db = TestDatabase::new();
    let mut conn = db.connect();
    let text = random_master();
    assert!(matches!(
        Keyring::open(&mut conn, master(&text)),
        Err(CryptoError::NoKeyring)
    ));
    Keyring::initialize(&mut conn, master(&text)).unwrap();
    // initializing again with the same key only verifies it
    Keyring::initialize(&mut conn, master(&text)).unwrap();
    let count: i64 =
        diesel::dsl::sql::<diesel::sql_types::BigInt>("SELECT count(*) FROM data_keys")
            .get_result(&mut conn)
            .unwrap();
    assert_eq!(count, 1);

    let wrong = random_master();
    let error = Keyring::open(&mut conn, master(&wrong)).unwrap_err();
    assert!(matches!(error, CryptoError::WrongMasterKey));
    assert_eq!(
        error.to_string(),
        "the master key does not match the one this database was set up with"
    );
    assert!(matches!(
        Keyring::initialize(&mut conn, master(&wrong)),
        Err(CryptoError::WrongMasterKey)
    ));

    // the service's role may only read the keyring, and that is enough
    diesel::sql_query("SET ROLE odb_app")
        .execute(&mut conn)
        .unwrap();
    let keyring = Keyring::open(&mut conn, master(&text)).unwrap();
    conn.transaction::<_, CryptoError, _>(|conn| {
        assert_eq!(keyring.sealer(conn)?.version(), 1);
        Ok(())
    })
    .unwrap();
    assert!(Keyring::initialize(&mut conn, master(&text)).is_err());
}

#[test]
fn master_keys_come_from_base64_or_a_private_file() {
    assert!(matches!(
        MasterKey::from_base64("not base64!"),
        Err(CryptoError::BadMasterKey(_))
    ));
    let short = base64::engine::general_purpose::STANDARD.encode([7u8; 16]);
    assert!(matches!(
        MasterKey::from_base64(&short),
        Err(CryptoError::BadMasterKey(_))
    ));
    let text = random_master();
    let key = master(&format!("  {text}\n"));
    assert_eq!(format!("{key:?}"), "MasterKey(..)");

    let dir = std::env::temp_dir().join(format!("odb-crypto-{}", Uuid::new_v4().simple()));
    let path = dir.join("keys").join("master.key");
    let created = MasterKey::load_or_create_file(&path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let content = std::fs::read_to_string(&path).unwrap();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(content.trim())
        .unwrap();
    assert_eq!(raw.len(), 32);
    let raw_path = dir.join("raw.key");
    std::fs::write(&raw_path, &raw).unwrap();
    let garbage_path = dir.join("garbage.key");
    std::fs::write(&garbage_path, b"too short").unwrap();
    assert!(matches!(
        MasterKey::load_file(&garbage_path),
        Err(CryptoError::BadMasterKey(_))
    ));
    assert!(matches!(
        MasterKey::load_file(&dir.join("missing.key")),
        Err(CryptoError::Io(_))
    ));

    // the created, re-read, and raw forms are one key: they all open the keyring
    let db = TestDatabase::new();
    let mut conn = db.connect();
    Keyring::initialize(&mut conn, created).unwrap();
    Keyring::open(&mut conn, MasterKey::load_or_create_file(&path).unwrap()).unwrap();
    Keyring::open(&mut conn, MasterKey::load_file(&raw_path).unwrap()).unwrap();
    assert!(matches!(
        Keyring::open(&mut conn, key),
        Err(CryptoError::WrongMasterKey)
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn blind_indexes_match_equal_inputs_only_within_a_column() {
    let (_db, text, keyring) = setup();
    assert_eq!(normalize_identifier("001 234-567"), "001234567");
    assert_eq!(normalize_identifier(" ab.12-cd "), "AB12CD");
    assert_eq!(normalize_identifier("Đ1"), "1");

    let value = normalize_identifier("0012 3456 7890");
    let whole = keyring.blind_index("officials", PIC, &value, true);
    assert_eq!(whole.len(), 32);
    assert_eq!(whole, keyring.blind_index("officials", PIC, &value, true));
    let short = keyring.blind_index("officials", PIC, &value, false);
    assert_eq!(short.len(), 16);
    assert_eq!(short[..], whole[..16]);
    assert_ne!(
        whole,
        keyring.blind_index("officials", PIC, "001234567891", true)
    );
    assert_ne!(
        short,
        keyring.blind_index("officials", "identity_card_number", &value, false)
    );
    assert_ne!(
        short,
        keyring.blind_index("official_records", PIC, &value, false)
    );
    // the same master key gives the same index in another process
    let db2 = TestDatabase::new();
    let other = Keyring::initialize(&mut db2.connect(), master(&text)).unwrap();
    assert_eq!(whole, other.blind_index("officials", PIC, &value, true));
    // and another master key does not
    let db3 = TestDatabase::new();
    let stranger = Keyring::initialize(&mut db3.connect(), master(&random_master())).unwrap();
    assert_ne!(whole, stranger.blind_index("officials", PIC, &value, true));
}

/// Plaintexts of one official, by column.
type Expected = HashMap<(String, Uuid), String>;

/// Officials with three sealed columns each, and one sealed record per five.
fn seed(
    conn: &mut PgConnection,
    keyring: &Keyring,
    org: Uuid,
    count: usize,
    expected: &mut Expected,
) {
    conn.transaction::<_, CryptoError, _>(|conn| {
        let sealer = keyring.sealer(conn)?;
        for i in 0..count {
            let id = insert_official(conn, org);
            for (column, text) in [
                (PIC, format!("0790{i:08}")),
                ("phone", format!("+84 90 {i:07}")),
                ("email", format!("person{i}@example.vn")),
            ] {
                write(
                    conn,
                    "officials",
                    column,
                    id,
                    &sealer.seal_str("officials", column, id, &text)?,
                );
                expected.insert((column.to_owned(), id), text);
            }
            if i % 5 == 0 {
                let record = Uuid::new_v4();
                let text = format!("{{\"income\": {i}}}");
                insert_record(
                    conn,
                    id,
                    &sealer.seal_str("official_records", "sealed", record, &text)?,
                    record,
                );
                expected.insert(("sealed".to_owned(), record), text);
            }
        }
        Ok(())
    })
    .unwrap();
}

fn assert_all_open(conn: &mut PgConnection, keyring: &Keyring, expected: &Expected, version: u32) {
    for ((column, row), text) in expected {
        let table = if column == "sealed" {
            "official_records"
        } else {
            "officials"
        };
        let sealed = read(conn, table, column, *row).unwrap();
        assert_eq!(
            key_version(&sealed),
            Some(version),
            "{table}.{column} {row}"
        );
        assert_eq!(
            &keyring
                .open_string(conn, table, column, *row, &sealed)
                .unwrap(),
            text
        );
    }
}

#[test]
fn rotation_reseals_everything_while_writers_keep_writing() {
    let (db, text, keyring) = setup();
    let mut owner = db.connect();
    let org = insert_org(&mut owner);
    let mut expected = Expected::new();
    seed(&mut owner, &keyring, org, 300, &mut expected);
    assert_eq!(version_status(&mut owner, 1).values, 300 * 3 + 60);

    let expected = Mutex::new(expected);
    let stop = AtomicBool::new(false);
    let writes = AtomicUsize::new(0);
    let seen_versions = Mutex::new(std::collections::BTreeSet::new());
    let ids: Vec<Uuid> = expected
        .lock()
        .unwrap()
        .keys()
        .filter(|(c, _)| c == PIC)
        .map(|(_, id)| *id)
        .collect();

    let report = std::thread::scope(|scope| {
        // another process: its own keyring, which learns of v2 on its own
        let writer = scope.spawn(|| {
            let mut conn = db.connect();
            let keyring = Keyring::open(&mut conn, master(&text)).unwrap();
            let mut rng = rand::thread_rng();
            let mut after_stop = 0;
            while after_stop < 20 {
                if stop.load(Ordering::SeqCst) {
                    after_stop += 1;
                }
                let n = writes.load(Ordering::SeqCst);
                conn.transaction::<_, CryptoError, _>(|conn| {
                    let sealer = keyring.sealer(conn)?;
                    seen_versions.lock().unwrap().insert(sealer.version());
                    let mut written = Vec::new();
                    if n % 3 == 0 {
                        let id = insert_official(conn, org);
                        let text = format!("NEW-{n}");
                        write(
                            conn,
                            "officials",
                            PIC,
                            id,
                            &sealer.seal_str("officials", PIC, id, &text)?,
                        );
                        written.push(((PIC.to_owned(), id), text));
                    } else {
                        let id = ids[rng.gen_range(0..ids.len())];
                        let text = format!("+84 91 {n:07}");
                        write(
                            conn,
                            "officials",
                            "phone",
                            id,
                            &sealer.seal_str("officials", "phone", id, &text)?,
                        );
                        written.push((("phone".to_owned(), id), text));
                    }
                    // hold the transaction a moment, as a request would
                    std::thread::sleep(std::time::Duration::from_millis(2));
                    // record only what commits
                    expected.lock().unwrap().extend(written);
                    Ok(())
                })
                .unwrap();
                writes.fetch_add(1, Ordering::SeqCst);
            }
        });
        while writes.load(Ordering::SeqCst) < 10 {
            std::thread::yield_now();
        }
        let started = writes.load(Ordering::SeqCst);
        let mut calls: Vec<(String, u64)> = Vec::new();
        let report = rotate(
            &mut two_workers(&db),
            &keyring,
            50,
            chrono::Utc::now(),
            &mut |column, done| calls.push((column.to_owned(), done)),
        )
        .unwrap();
        let during = writes.load(Ordering::SeqCst) - started;
        stop.store(true, Ordering::SeqCst);
        writer.join().unwrap();
        assert!(during > 0, "the writer wrote during the rotation");
        // progress after every batch of at most 50, counting up per column
        let pic: Vec<u64> = calls
            .iter()
            .filter(|(c, _)| c == PIC)
            .map(|(_, d)| *d)
            .collect();
        assert!(pic.len() >= 6, "{pic:?}");
        assert!(pic.windows(2).all(|w| w[1] > w[0] && w[1] - w[0] <= 50));
        report
    });

    assert_eq!(report.new_version, 2);
    assert_eq!(report.retired, vec![1]);
    // phones the writer replaced under v2 first needed no re-seal; the rest did
    assert!(report.resealed >= 300 * 2 + 60, "{report:?}");
    assert_eq!(
        *seen_versions.lock().unwrap(),
        [1, 2].into_iter().collect(),
        "the writer sealed under both keys"
    );

    let v1 = version_status(&mut owner, 1);
    assert_eq!((v1.state.as_str(), v1.values), ("retired", 0));
    assert!(v1.retired_at.is_some());
    let v2 = version_status(&mut owner, 2);
    let expected = expected.into_inner().unwrap();
    assert_eq!(v2.state, "active");
    assert_eq!(v2.values as usize, expected.len());
    assert_all_open(&mut owner, &keyring, &expected, 2);
}

#[test]
fn an_interrupted_rotation_finishes_when_run_again() {
    let (db, text, keyring) = setup();
    let mut owner = db.connect();
    let org = insert_org(&mut owner);
    let mut expected = Expected::new();
    seed(&mut owner, &keyring, org, 60, &mut expected);
    let total = expected.len() as i64; // 60 * 3 + 12

    // the process dies right after its first batch committed
    let crashed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rotate(
            &mut two_workers(&db),
            &keyring,
            50,
            chrono::Utc::now(),
            &mut |_, _| panic!("simulated crash"),
        )
    }));
    assert!(crashed.is_err());
    let mut owner = db.connect();
    let v1 = version_status(&mut owner, 1);
    let v2 = version_status(&mut owner, 2);
    assert_eq!((v1.state.as_str(), v1.values), ("retiring", total - 50));
    assert_eq!((v2.state.as_str(), v2.values), ("active", 50));

    // a fresh process resumes the same rotation instead of starting another
    drop(keyring);
    let keyring = Keyring::open(&mut owner, master(&text)).unwrap();
    let report = rotate(
        &mut two_workers(&db),
        &keyring,
        50,
        chrono::Utc::now(),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(report.new_version, 2);
    assert_eq!(report.resealed as i64, total - 50);
    assert_eq!(report.retired, vec![1]);
    let v1 = version_status(&mut owner, 1);
    assert_eq!((v1.state.as_str(), v1.values), ("retired", 0));
    assert_all_open(&mut owner, &keyring, &expected, 2);

    // the next rotation starts a new key
    let report = rotate(
        &mut two_workers(&db),
        &keyring,
        1000,
        chrono::Utc::now(),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!((report.new_version, report.retired), (3, vec![2]));
    assert_eq!(report.resealed as i64, total);
    assert_all_open(&mut owner, &keyring, &expected, 3);
    let versions = status(&mut owner).unwrap().versions;
    assert_eq!(
        versions
            .iter()
            .map(|v| (v.version, v.state.as_str(), v.values))
            .collect::<Vec<_>>(),
        vec![(1, "retired", 0), (2, "retired", 0), (3, "active", total)]
    );
}

#[test]
fn the_database_holds_no_plaintext_and_no_key() {
    let (db, text, keyring) = setup();
    let mut conn = db.connect();
    let org = insert_org(&mut conn);
    let id = insert_official(&mut conn, org);
    let record = Uuid::new_v4();
    let plaintexts: Vec<(&str, String)> = SEALED_COLUMNS
        .iter()
        .filter(|c| c.table == "officials")
        .map(|c| {
            (
                c.column,
                format!("SECRET-{}-{}", c.column, Uuid::new_v4().simple()),
            )
        })
        .collect();
    let record_text = format!("SECRET-record-{}", Uuid::new_v4().simple());
    let sealer = keyring.sealer(&mut conn).unwrap();
    for (column, plain) in &plaintexts {
        write(
            &mut conn,
            "officials",
            column,
            id,
            &sealer.seal_str("officials", column, id, plain).unwrap(),
        );
    }
    let pic = &plaintexts.iter().find(|(c, _)| *c == PIC).unwrap().1;
    let index = keyring.blind_index("officials", PIC, &normalize_identifier(pic), true);
    write(
        &mut conn,
        "officials",
        "personal_identification_index",
        id,
        &index,
    );
    insert_record(
        &mut conn,
        id,
        &sealer
            .seal_str("official_records", "sealed", record, &record_text)
            .unwrap(),
        record,
    );

    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        row: String,
    }
    let dump: String = [
        "SELECT row_to_json(t)::text AS row FROM officials t",
        "SELECT row_to_json(t)::text AS row FROM official_personal t",
        "SELECT row_to_json(t)::text AS row FROM official_career t",
        "SELECT row_to_json(t)::text AS row FROM official_records t",
        "SELECT row_to_json(t)::text AS row FROM data_keys t",
        "SELECT row_to_json(t)::text AS row FROM keyring t",
    ]
    .iter()
    .flat_map(|q| diesel::sql_query(*q).load::<Row>(&mut conn).unwrap())
    .map(|r| r.row.to_lowercase())
    .collect::<Vec<_>>()
    .join("\n");
    assert!(dump.contains(&id.to_string()), "the dump is real");
    let master_bytes = base64::engine::general_purpose::STANDARD
        .decode(&text)
        .unwrap();
    let mut needles: Vec<String> = plaintexts.iter().map(|(_, p)| p.clone()).collect();
    needles.push(record_text);
    needles.push(normalize_identifier(pic));
    let mut forms = Vec::new();
    for needle in &needles {
        forms.push(needle.to_lowercase());
        forms.push(hex::encode(needle.as_bytes()));
    }
    forms.push(text.to_lowercase());
    forms.push(hex::encode(&master_bytes));
    // eight bytes of anything secret would already be a leak
    forms.push(hex::encode(&master_bytes[..8]));
    for form in forms {
        assert!(!dump.contains(&form), "found {form} in the database");
    }
}
