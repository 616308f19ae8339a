use std::net::TcpListener;
use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use diesel::{Connection, PgConnection, RunQueryDsl};

use odb::audit::{self, CheckpointStore};
use odb::auth::admin::{self, Bootstrap};
use odb::auth::model::Role;
use odb::clock::Clock;
use odb::config::{init_tracing, Settings};
use odb::crypto::{Keyring, MasterKey};
use odb::db::launcher::{ClusterOptions, LocalPostgres};
use odb::fixtures::{self, Outcome};
use odb::startup::Application;

#[derive(Parser)]
#[command(
    name = "odb",
    version,
    about = "ODB: the Officials Database of Vietnam's political system"
)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (migrations run first).
    Serve,
    /// Serve with the demo dataset and demo accounts, created on first start.
    Demo,
    /// Run pending migrations and exit.
    Migrate,
    /// Load fixtures into the database.
    Fixtures {
        #[command(subcommand)]
        command: FixturesCommand,
    },
    /// Manage accounts from the command line (bootstrap, recovery).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Field-encryption keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum FixturesCommand {
    /// Load a named dataset (only `demo` exists) once.
    Load { name: String },
    /// Generate deterministic, realistic CBCCVC profiles over the organization tree (COPY, sealed).
    Generate {
        #[arg(long)]
        officials: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// The data keys and how many sealed values each still holds.
    Status,
    /// Add a data key and re-seal every value under it, online and resumably; then retire the old key.
    Rotate {
        #[arg(long, default_value_t = 1000)]
        batch: i64,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account with a generated password and an enrolled TOTP secret, and print them.
    Create {
        #[arg(long)]
        username: String,
        /// Code of the home organization, where the roles are granted (default: the root).
        #[arg(long)]
        org: Option<String>,
        #[arg(long = "role", required = true, value_parser = parse_role)]
        roles: Vec<Role>,
        /// Print {"username","password","totp_secret","otpauth_url"} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove the second factor: the user enrolls again at next sign-in; sessions end.
    ResetMfa {
        #[arg(long)]
        username: String,
    },
    /// Lift a lock caused by failed attempts.
    Unlock {
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain and check it against the signed checkpoints; exits 1 naming the first bad row.
    Verify,
    /// Append a signed checkpoint of the latest row now.
    Checkpoint,
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| {
        let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        format!("unknown role {text:?}; one of: {}", all.join(", "))
    })
}

fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("odb: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The database the command works on, with the private cluster kept alive
/// (and stopped on drop) when odb runs its own.
struct Database {
    url: String,
    _cluster: Option<LocalPostgres>,
}

const PRIVATE_DATABASE: &str = "odb";
const DEMO_OFFICIALS: u64 = 400;
const DEMO_SEED: u64 = 2025;

fn database(settings: &Settings) -> anyhow::Result<Database> {
    if let Some(url) = &settings.database_url {
        return Ok(Database {
            url: url.clone(),
            _cluster: None,
        });
    }
    let cluster = LocalPostgres::start(&ClusterOptions {
        data_dir: settings.data_dir.clone(),
        ephemeral: false,
    })?;
    eprintln!(
        "odb: private PostgreSQL cluster in {}",
        cluster.cluster_dir().display()
    );
    let mut admin = PgConnection::establish(&cluster.url("postgres"))?;
    let exists: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
        "EXISTS (SELECT 1 FROM pg_database WHERE datname = 'odb')",
    ))
    .get_result(&mut admin)?;
    if !exists {
        diesel::sql_query(format!("CREATE DATABASE {PRIVATE_DATABASE}")).execute(&mut admin)?;
    }
    Ok(Database {
        url: cluster.url(PRIVATE_DATABASE),
        _cluster: Some(cluster),
    })
}

/// A migrated database, connected as its owner (command-line tools only).
fn owner_connection(settings: &Settings) -> anyhow::Result<(Database, PgConnection)> {
    let db = database(settings)?;
    odb::db::run_migrations(&db.url)?;
    let conn = PgConnection::establish(&db.url)?;
    Ok((db, conn))
}

fn checkpoints(settings: &Settings) -> anyhow::Result<CheckpointStore> {
    std::fs::create_dir_all(&settings.data_dir)?;
    let key = audit::load_or_create_key(&settings.audit_key_file())?;
    Ok(CheckpointStore::new(settings.audit_checkpoint_file(), key))
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = cli.settings;
    let now = Clock::default().now();
    match cli.command {
        Command::Migrate => {
            let db = database(&settings)?;
            let applied = odb::db::run_migrations(&db.url)?;
            println!("{} migration(s) applied", applied.len());
        }
        Command::Fixtures {
            command: FixturesCommand::Generate { officials, seed },
        } => {
            let (_db, mut conn) = owner_connection(&settings)?;
            let keyring = open_keyring(&settings, &mut conn, false)?;
            generate_officials(&mut conn, &keyring, officials, seed, now)?;
        }
        Command::Keys { command } => {
            let (_db, mut conn) = owner_connection(&settings)?;
            let keyring = open_keyring(&settings, &mut conn, false)?;
            keys_command(&mut conn, &keyring, command, now)?;
        }
        Command::Fixtures {
            command: FixturesCommand::Load { name },
        } => {
            anyhow::ensure!(
                name == "demo",
                "unknown dataset {name:?}; the one dataset is `demo`"
            );
            let (_db, mut conn) = owner_connection(&settings)?;
            let keyring = open_keyring(&settings, &mut conn, false)?;
            report(load_demo(&mut conn, &keyring, now)?);
        }
        Command::User { command } => {
            let (_db, mut conn) = owner_connection(&settings)?;
            user_command(&mut conn, command, now)?;
        }
        Command::Audit { command } => {
            let (_db, mut conn) = owner_connection(&settings)?;
            let store = checkpoints(&settings)?;
            return audit_command(&mut conn, &store, command, now);
        }
        Command::Serve => serve(&settings, false)?,
        Command::Demo => serve(&settings, true)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn user_command(
    conn: &mut PgConnection,
    command: UserCommand,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let fail = |e: odb::error::AppError| anyhow::anyhow!("{}", e.to_problem().detail);
    match command {
        UserCommand::Create {
            username,
            org,
            roles,
            json,
        } => {
            let created = admin::bootstrap_user(conn, &username, org.as_deref(), &roles, now)
                .map_err(fail)?;
            if json {
                println!("{}", serde_json::to_string(&created)?);
            } else {
                print_account(&created);
            }
        }
        UserCommand::ResetMfa { username } => {
            admin::reset_mfa(conn, &username, now).map_err(fail)?;
            println!(
                "{username}: second factor removed; enrollment at next sign-in; sessions ended"
            );
        }
        UserCommand::Unlock { username } => {
            admin::unlock_by_name(conn, &username, now).map_err(fail)?;
            println!("{username}: unlocked");
        }
    }
    Ok(())
}

fn audit_command(
    conn: &mut PgConnection,
    store: &CheckpointStore,
    command: AuditCommand,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify => match audit::verify(conn, Some(store)) {
            Ok(report) => {
                println!(
                    "audit log intact: {} row(s), last id {}, {} checkpoint(s) matched",
                    report.rows,
                    report.last_id.map_or("-".to_owned(), |id| id.to_string()),
                    report.checkpoints_checked
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(error) => {
                eprintln!("odb: audit log verification FAILED: {error}");
                Ok(ExitCode::FAILURE)
            }
        },
        AuditCommand::Checkpoint => {
            match store.write_latest(conn, now)? {
                Some(checkpoint) => println!("checkpoint written at row {}", checkpoint.id),
                None => println!("no new audit rows since the last checkpoint"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_account(account: &Bootstrap) {
    println!("  username:    {}", account.username);
    println!("  password:    {}", account.password);
    println!("  TOTP secret: {}", account.totp_secret);
    println!("  TOTP URL:    {}", account.otpauth_url);
}

fn report(outcome: Outcome) {
    match outcome {
        Outcome::Loaded { organizations, reorganizations, quotas } => println!(
            "demo dataset loaded: {organizations} organizations, {reorganizations} reorganizations, {quotas} quotas"
        ),
        Outcome::AlreadyLoaded => println!("demo dataset already loaded"),
    }
}

/// The master key: ODB_MASTER_KEY, else the key file; the demo creates one.
fn master_key(settings: &Settings, demo: bool) -> anyhow::Result<MasterKey> {
    if let Ok(text) = std::env::var("ODB_MASTER_KEY") {
        return Ok(MasterKey::from_base64(&text)?);
    }
    let default = settings.data_dir.join("master.key");
    match (&settings.master_key_file, demo) {
        (Some(path), _) => Ok(MasterKey::load_file(path)?),
        (None, true) => Ok(MasterKey::load_or_create_file(&default)?),
        (None, false) if default.exists() => Ok(MasterKey::load_file(&default)?),
        (None, false) => anyhow::bail!(
            "no master key: set ODB_MASTER_KEY (base64 of 32 random bytes) or ODB_MASTER_KEY_FILE; \
             `head -c 32 /dev/urandom | base64` makes one, and it must be backed up apart from the database"
        ),
    }
}

/// Opens the keyring as the database owner (creating the first data key on a
/// new database) and refuses to go on with a master key that does not fit.
/// Catalogs are brought up to date on the way.
fn open_keyring(
    settings: &Settings,
    conn: &mut PgConnection,
    demo: bool,
) -> anyhow::Result<Keyring> {
    let master = master_key(settings, demo)?;
    odb::catalogs::load(conn).map_err(|e| anyhow::anyhow!("loading catalogs: {e:?}"))?;
    Ok(Keyring::initialize(conn, master)?)
}

fn load_demo(
    conn: &mut PgConnection,
    keyring: &odb::crypto::Keyring,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<fixtures::Outcome> {
    odb::context::Ctx::as_operator(conn, keyring, now, "odb fixtures", fixtures::load_demo)
        .map_err(|e| anyhow::anyhow!("loading the demo dataset: {e:?}"))
}

fn generate_officials(
    conn: &mut PgConnection,
    keyring: &Keyring,
    count: u64,
    seed: u64,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut report = |done: u64| {
        if done % 50_000 == 0 || done == count {
            let rate = done as f64 / started.elapsed().as_secs_f64().max(0.001);
            eprintln!("odb: {done}/{count} profiles ({rate:.0}/s)");
        }
    };
    let written = odb::fixtures::officials::generate(conn, keyring, count, seed, now, &mut report)
        .map_err(|e| anyhow::anyhow!("generating profiles: {}", e.to_problem().detail))?;
    println!(
        "{written} profiles generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn keys_command(
    conn: &mut PgConnection,
    keyring: &Keyring,
    command: KeysCommand,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    match command {
        KeysCommand::Status => {
            let status = odb::crypto::rotation::status(conn)?;
            println!("{}", serde_json::to_string_pretty(&status)?);
        }
        KeysCommand::Rotate { batch } => {
            let mut progress =
                |column: &str, done: u64| eprintln!("odb: re-sealed {done} value(s) of {column}");
            let report = odb::crypto::rotation::rotate(
                conn,
                keyring,
                batch.clamp(1, 100_000),
                now,
                &mut progress,
            )?;
            println!(
                "rotation done: data key v{} active, {} value(s) re-sealed, retired: {:?}",
                report.new_version, report.resealed, report.retired
            );
        }
    }
    Ok(())
}

/// Demo accounts: an administrator at the root and one province-level user.
/// Their credentials are kept (mode 0600) in the data directory so that every
/// demo start can print them; a real deployment uses `odb user create`.
fn demo_accounts(
    conn: &mut PgConnection,
    data_dir: &Path,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let file = data_dir.join("demo-accounts.json");
    if !file.exists() {
        let fail = |e: odb::error::AppError| anyhow::anyhow!("{}", e.to_problem().detail);
        let admin_account = admin::bootstrap_user(
            conn,
            "demo.admin",
            None,
            &[Role::SystemAdmin, Role::Auditor],
            now,
        )
        .map_err(fail)?;
        let province = admin::bootstrap_user(
            conn,
            "hanoi.officer",
            Some("P01"),
            &[Role::OrgAdmin, Role::PersonnelViewer],
            now,
        )
        .map_err(fail)?;
        let text = serde_json::to_string_pretty(&[admin_account, province])?;
        write_private(&file, text.as_bytes())?;
    }
    let accounts: Vec<serde_json::Value> = serde_json::from_slice(&std::fs::read(&file)?)?;
    println!("demo accounts (sign in with the password, then a TOTP code from the secret):");
    for account in accounts {
        let field = |name: &str| account[name].as_str().unwrap_or_default().to_owned();
        print_account(&Bootstrap {
            username: field("username"),
            password: field("password"),
            totp_secret: field("totp_secret"),
            otpauth_url: field("otpauth_url"),
        });
        println!();
    }
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

fn serve(settings: &Settings, demo: bool) -> anyhow::Result<()> {
    let db = database(settings)?;
    let applied = odb::db::run_migrations(&db.url)?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "migrations applied");
    }
    let now = Clock::default().now();
    if demo {
        std::fs::create_dir_all(&settings.data_dir)?;
    }
    let mut conn = PgConnection::establish(&db.url)?;
    let keyring = std::sync::Arc::new(open_keyring(settings, &mut conn, demo)?);
    if demo {
        report(load_demo(&mut conn, &keyring, now)?);
        if odb::officials::repo::count(&mut conn)? == 0 {
            generate_officials(&mut conn, &keyring, DEMO_OFFICIALS, DEMO_SEED, now)?;
        }
        demo_accounts(&mut conn, &settings.data_dir, now)?;
    }
    drop(conn);
    let store = std::sync::Arc::new(checkpoints(settings)?);
    let pool = odb::db::build_pool(&db.url, settings.pool_size)?;
    let listener = TcpListener::bind(settings.bind)?;
    let address = listener.local_addr()?;
    let every = std::time::Duration::from_secs(settings.audit_checkpoint_seconds.max(1));
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(
            listener,
            pool.clone(),
            Clock::default(),
            keyring,
            settings.workers,
            settings.trusted_proxies.clone(),
        )?;
        let checkpointer =
            actix_web::rt::spawn(checkpoint_every(pool.clone(), store.clone(), every));
        println!("ODB listening on http://{address} (Ctrl-C to stop)");
        let result = app.run_until_stopped().await;
        checkpointer.abort();
        checkpoint_once(pool, store).await;
        result
    })?;
    println!("ODB stopped");
    Ok(())
}

/// Signs the latest audit hash into the checkpoint file now and then, so a
/// rewritten chain no longer matches what was recorded outside the database.
async fn checkpoint_every(
    pool: odb::db::PgPool,
    store: std::sync::Arc<CheckpointStore>,
    every: std::time::Duration,
) {
    let mut ticks = actix_web::rt::time::interval(every);
    loop {
        ticks.tick().await;
        checkpoint_once(pool.clone(), store.clone()).await;
    }
}

async fn checkpoint_once(pool: odb::db::PgPool, store: std::sync::Arc<CheckpointStore>) {
    let written = actix_web::web::block(move || -> anyhow::Result<()> {
        let mut conn = pool.get()?;
        store.write_latest(&mut conn, Clock::default().now())?;
        Ok(())
    })
    .await;
    match written {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::error!(error = %error, "audit checkpoint failed"),
        Err(error) => tracing::error!(error = %error, "audit checkpoint task failed"),
    }
}
