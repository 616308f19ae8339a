//! What every handler shares, and the one way a handler reaches a service:
//! a transaction under the caller's scope, seen by the service as a `Ctx`.

use std::net::IpAddr;
use std::sync::Arc;

use actix_web::HttpRequest;
use diesel::RunQueryDsl;
use tokio::sync::{Semaphore, SemaphorePermit};

use super::client_address::TrustedProxies;
use super::rate_limit::SignInLimiter;
use crate::audit::AuditEvent;
use crate::auth::caller::Caller;
use crate::clock::Clock;
use crate::context::{Actor, Ctx, RequestMeta, Scope};
use crate::crypto::Keyring;
use crate::db::ltree::TreePath;
use crate::db::{Committed, Db, Reads};
use crate::error::{AppError, AppResult};
use crate::sync::model::SyncCaller;

pub struct AppState {
    pub db: Db,
    pub clock: Clock,
    pub sign_in_limiter: SignInLimiter,
    pub keyring: Arc<Keyring>,
    pub trusted_proxies: TrustedProxies,
    /// Sign-ins checking a password at once: one per core (`AppState::new`).
    pub password_checks: Semaphore,
}

impl AppState {
    pub fn new(
        db: Db,
        clock: Clock,
        keyring: Arc<Keyring>,
        trusted_proxies: TrustedProxies,
    ) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        AppState {
            db,
            clock,
            sign_in_limiter: SignInLimiter::default(),
            keyring,
            trusted_proxies,
            password_checks: Semaphore::new(cores),
        }
    }

    /// Waits for a turn to check a password. An argon2 check takes a core
    /// and 19 MiB for tens of milliseconds: run more at once than there are
    /// cores, and a flood of sign-ins would only add threads, memory and
    /// connections held while each waits for a core; queued here, a waiting
    /// sign-in holds none of them.
    pub async fn password_check_turn(&self) -> AppResult<SemaphorePermit<'_>> {
        self.password_checks
            .acquire()
            .await
            .map_err(|_| AppError::Unavailable("shutting down".into()))
    }

    /// The client's address, through the trusted proxies.
    pub fn client_address(&self, req: &HttpRequest) -> Option<IpAddr> {
        self.trusted_proxies
            .client(req.peer_addr().map(|a| a.ip()), req.headers())
    }

    /// Runs `work` as `caller` in one transaction that first sets `scope` for
    /// row-level security: all of it lands, audit entries included, or none.
    pub async fn as_caller<T, F>(&self, caller: &Caller, scope: Scope, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Ctx) -> AppResult<T> + Send + 'static,
    {
        let party = (caller.party_read_roots(), caller.sees_profile_party_items());
        let who = (caller.actor(), scope, caller.context.clone());
        self.in_context(Reads::Primary, who, party, work).await
    }

    /// `as_caller` for a search, list or statistic, which changes nothing:
    /// it runs on the read replica when one is configured and serves this
    /// caller now (caught up, and past the caller's own last change), under
    /// the same scope and row-level security (decision 0033). `work` must
    /// not write, not even an audit entry: the replica is read-only.
    pub async fn reading_as<T, F>(&self, caller: &Caller, scope: Scope, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Ctx) -> AppResult<T> + Send + 'static,
    {
        let party = (caller.party_read_roots(), caller.sees_profile_party_items());
        let who = (caller.actor(), scope, caller.context.clone());
        let reads = Reads::Replica(who.0.id);
        self.in_context(reads, who, party, work).await
    }

    /// Runs `work` for someone not yet signed in (sign-in itself): the scope
    /// covers nothing.
    pub async fn anonymous<T, F>(&self, request: RequestMeta, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Ctx) -> AppResult<T> + Send + 'static,
    {
        let actor = Actor {
            id: None,
            name: String::new(),
        };
        let party = (Vec::new(), false);
        let who = (actor, Scope::nothing(), request);
        self.in_context(Reads::Primary, who, party, work).await
    }

    /// Runs `work` as a machine client whose signature checked out, over
    /// its organization's subtree only; it sees no party data.
    pub async fn as_sync_client<T, F>(
        &self,
        client: SyncCaller,
        request: RequestMeta,
        work: F,
    ) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Ctx, SyncCaller) -> AppResult<T> + Send + 'static,
    {
        let who = (client.actor(), client.scope(), request);
        let party = (Vec::new(), false);
        self.in_context(Reads::Primary, who, party, move |ctx| work(ctx, client))
            .await
    }

    async fn in_context<T, F>(
        &self,
        reads: Reads,
        who: (Actor, Scope, RequestMeta),
        (party_read, party_items): (Vec<TreePath>, bool),
        work: F,
    ) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Ctx) -> AppResult<T> + Send + 'static,
    {
        let (keyring, now) = (self.keyring.clone(), self.clock.now());
        let (scope, again) = (who.1.clone(), (who.clone(), party_read.clone()));
        let writer = who.0.id;
        let committed = self
            .db
            .in_scope_on(reads, scope, party_read.clone(), move |conn| {
                let mut ctx = Ctx::new(conn, &keyring, who, now);
                ctx.party_read = party_read;
                ctx.party_items = party_items;
                let value = work(&mut ctx)?;
                ctx.flush_audits()?;
                let changed = !ctx.audited.is_empty();
                Ok(((value, ctx.audited), changed))
            })
            .await?;
        match committed {
            Committed::Confirmed((value, audited)) => {
                if !audited.is_empty() {
                    self.db.wrote(writer);
                }
                Ok(value)
            }
            Committed::Unconfirmed((_, audited), reason) => {
                self.db.wrote(writer);
                self.audit_unconfirmed(again, audited, reason).await;
                Err(AppError::DurabilityUnknown(reason))
            }
        }
    }

    /// Records that a change's durability is unknown (decision 0028), where
    /// the change's own entries are seen, naming them. Committed without
    /// waiting for the standbys, which have just failed to answer: the
    /// record of their silence must not wait on it.
    async fn audit_unconfirmed(
        &self,
        (who, party_read): ((Actor, Scope, RequestMeta), Vec<TreePath>),
        audited: Vec<AuditEvent>,
        reason: &'static str,
    ) {
        let (keyring, now) = (self.keyring.clone(), self.clock.now());
        let outcome = self
            .db
            .in_scope(who.1.clone(), party_read.clone(), move |conn| {
                diesel::sql_query("SET LOCAL synchronous_commit = local").execute(conn)?;
                let mut ctx = Ctx::new(conn, &keyring, who, now);
                ctx.party_read = party_read;
                ctx.audit(&unconfirmed_event(&ctx, &audited, reason))?;
                Ok(((), false))
            })
            .await;
        if let Err(error) = outcome {
            tracing::error!(%error, reason, "a change's durability is unknown, and auditing that failed");
        }
    }
}

/// `commit.unconfirmed`, placed where the first unconfirmed entry was, with
/// the actions and entities of all of them.
fn unconfirmed_event(ctx: &Ctx, audited: &[AuditEvent], reason: &str) -> AuditEvent {
    let first = audited.first();
    let mut event = ctx.event(
        "commit.unconfirmed",
        "request",
        ctx.request.request_id.clone(),
        first.and_then(|e| e.organization_path.clone()),
        Vec::new(),
    );
    event.outcome = "failure".to_owned();
    let entries: Vec<serde_json::Value> = audited
        .iter()
        .map(|e| {
            serde_json::json!({
                "action": e.action,
                "entity_type": e.entity_type,
                "entity_id": e.entity_id,
            })
        })
        .collect();
    event.details = serde_json::json!({ "reason": reason, "unconfirmed": entries });
    event
}
