//! Builds the HTTP application on a bound listener, so tests can start it on
//! port 0 and learn the real port.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{middleware, web, App, HttpServer};

use crate::clock::Clock;
use crate::db::Db;
use crate::http::{self, AppState};

pub struct Application {
    server: Server,
    port: u16,
}

impl Application {
    pub fn build(
        listener: TcpListener,
        db: Db,
        clock: Clock,
        keyring: std::sync::Arc<crate::crypto::Keyring>,
        workers: Option<usize>,
        trusted_proxies: http::client_address::TrustedProxies,
    ) -> std::io::Result<Self> {
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState::new(db, clock, keyring, trusted_proxies));
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(web::QueryConfig::default().error_handler(http::problem::query_error))
                .app_data(web::PathConfig::default().error_handler(http::problem::path_error))
                .app_data(web::PayloadConfig::default().limit(http::JSON_LIMIT))
                .configure(crate::routes::routes)
                .wrap(middleware::from_fn(http::nul::refuse_nul))
                .wrap(middleware::from_fn(http::extract::authenticate_first))
                .wrap(middleware::from_fn(http::one_connection_per_request))
                .wrap(http::error_handlers())
                .wrap(http::security_headers())
                .wrap(middleware::from_fn(http::request_id::middleware))
        })
        .shutdown_timeout(10);
        if let Some(workers) = workers {
            server = server.workers(workers);
        }
        let server = server.listen(listener)?.run();
        Ok(Application { server, port })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM (or the handle stops it), finishing requests in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
