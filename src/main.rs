use std::net::TcpListener;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use diesel::{Connection, PgConnection, RunQueryDsl};

use odb::clock::Clock;
use odb::config::{init_tracing, Settings};
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
    /// Serve with the demo dataset, loaded on first start.
    Demo,
    /// Run pending migrations and exit.
    Migrate,
    /// Load fixtures into the database.
    Fixtures {
        #[command(subcommand)]
        command: FixturesCommand,
    },
}

#[derive(Subcommand)]
enum FixturesCommand {
    /// Load a named dataset (only `demo` exists) once.
    Load { name: String },
}

fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
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

fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings;
    match cli.command {
        Command::Migrate => {
            let db = database(&settings)?;
            let applied = odb::db::run_migrations(&db.url)?;
            println!("{} migration(s) applied", applied.len());
            Ok(())
        }
        Command::Fixtures {
            command: FixturesCommand::Load { name },
        } => {
            anyhow::ensure!(
                name == "demo",
                "unknown dataset {name:?}; the one dataset is `demo`"
            );
            let db = database(&settings)?;
            odb::db::run_migrations(&db.url)?;
            report(load_demo(&db.url)?);
            Ok(())
        }
        Command::Serve => serve(&settings, false),
        Command::Demo => serve(&settings, true),
    }
}

fn load_demo(url: &str) -> anyhow::Result<Outcome> {
    let mut conn = PgConnection::establish(url)?;
    fixtures::load_demo(&mut conn, Clock::default().now())
        .map_err(|e| anyhow::anyhow!("loading the demo dataset: {e:?}"))
}

fn report(outcome: Outcome) {
    match outcome {
        Outcome::Loaded { organizations, reorganizations, quotas } => println!(
            "demo dataset loaded: {organizations} organizations, {reorganizations} reorganizations, {quotas} quotas"
        ),
        Outcome::AlreadyLoaded => println!("demo dataset already loaded"),
    }
}

fn serve(settings: &Settings, demo: bool) -> anyhow::Result<()> {
    let db = database(settings)?;
    let applied = odb::db::run_migrations(&db.url)?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "migrations applied");
    }
    if demo {
        report(load_demo(&db.url)?);
    }
    let pool = odb::db::build_pool(&db.url, settings.pool_size)?;
    let listener = TcpListener::bind(settings.bind)?;
    let address = listener.local_addr()?;
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(listener, pool, Clock::default(), settings.workers)?;
        println!("ODB listening on http://{address} (Ctrl-C to stop)");
        app.run_until_stopped().await
    })?;
    println!("ODB stopped");
    Ok(())
}
