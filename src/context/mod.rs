//! What every service works with: one value per request carrying the
//! transaction's connection, who acts and over which subtrees, the time, the
//! keyring and where the request came from. Services take `&mut Ctx` and their
//! own typed input, and write their audit entries through it, in the same
//! transaction as the change or the sensitive read they record
//! (docs/decisions/0015-request-context-and-audit-where-the-effect-is.md).

pub mod reference;
pub mod scope;

use std::net::{IpAddr, Ipv6Addr};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::PgConnection;

pub use self::reference::Reference;
pub use self::scope::Scope;
use crate::audit::{self, AuditEvent};
use crate::crypto::Keyring;
use crate::db::ltree::TreePath;
use crate::error::AppResult;
use crate::ids::UserId;

/// Who acts: a signed-in user, or a command run by an operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: Option<UserId>,
    pub name: String,
}

impl Actor {
    /// An operator's command line (fixtures, key rotation, bootstrap).
    pub fn system(command: &str) -> Actor {
        Actor {
            id: None,
            name: command.to_owned(),
        }
    }
}

/// Where a request came from, for the audit log and per-address limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestMeta {
    pub address: Option<String>,
    pub request_id: Option<String>,
    pub user_agent: Option<String>,
}

impl RequestMeta {
    /// What per-address limits count this request under (IPv6 by /64).
    pub fn limit_key(&self) -> Option<String> {
        let address: IpAddr = self.address.as_deref()?.parse().ok()?;
        Some(limit_key(address).to_string())
    }
}

/// What per-address limits count under. An IPv6 client holds at least a
/// /64 and could rotate through it, so IPv6 addresses count per /64.
pub fn limit_key(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// One request's (or one command's) view of the world, inside its transaction.
pub struct Ctx<'a> {
    pub conn: &'a mut PgConnection,
    pub scope: Scope,
    pub actor: Actor,
    pub request: RequestMeta,
    pub now: DateTime<Utc>,
    /// The date in Vietnam at `now`, where effective dates are decided.
    pub today: NaiveDate,
    pub keyring: &'a Keyring,
    /// The party subtrees the caller may read whatever the action (set in
    /// PostgreSQL as well): a profile's linked membership shows only inside them.
    pub party_read: Vec<TreePath>,
    /// Whether the caller sees a profile's party items (a party grant,
    /// system_admin or personnel_editor): a personnel viewer without a party
    /// grant sees no party data on a profile.
    pub party_items: bool,
    /// What this transaction appended to the audit log: a change is always
    /// audited, so these say whether it changed anything and what.
    pub audited: Vec<AuditEvent>,
    /// Reference data a batch loaded once for its rules (empty otherwise).
    pub reference: Reference,
    /// Entries a long transaction holds back until its end (`defer_audits`).
    deferred: Option<Vec<AuditEvent>>,
}

/// How many entries a transaction had audited when a savepoint was taken.
#[derive(Debug, Clone, Copy)]
pub struct AuditMark {
    audited: usize,
    deferred: usize,
}

impl<'a> Ctx<'a> {
    /// A context over a connection whose transaction the caller has opened
    /// and whose scope it has applied.
    pub fn new(
        conn: &'a mut PgConnection,
        keyring: &'a Keyring,
        who: (Actor, Scope, RequestMeta),
        now: DateTime<Utc>,
    ) -> Ctx<'a> {
        let (actor, scope, request) = who;
        Ctx {
            conn,
            scope,
            actor,
            request,
            now,
            today: crate::clock::date_in_vietnam(now),
            keyring,
            party_read: Vec::new(),
            party_items: false,
            audited: Vec::new(),
            reference: Reference::default(),
            deferred: None,
        }
    }

    /// Runs an operator's command (`odb fixtures …`, `odb user …`) in one
    /// transaction over the whole tree, recorded as done by `command`.
    pub fn as_operator<T>(
        conn: &mut PgConnection,
        keyring: &Keyring,
        now: DateTime<Utc>,
        command: &str,
        work: impl FnOnce(&mut Ctx) -> AppResult<T>,
    ) -> AppResult<T> {
        use diesel::Connection;
        let who = (
            Actor::system(command),
            Scope::System,
            RequestMeta::default(),
        );
        conn.transaction(|conn| {
            let mut ctx = Ctx::new(conn, keyring, who, now);
            let value = work(&mut ctx)?;
            ctx.flush_audits()?;
            Ok(value)
        })
    }

    /// Whether the caller sees a profile's party items: an operator's
    /// command, or a caller for whom `party_items` is set.
    pub fn sees_party_data(&self) -> bool {
        matches!(self.scope, Scope::System) || self.party_items
    }

    /// An event done by this context's actor in this request, placed at
    /// `organization_path` so the auditors of that subtree see it.
    pub fn event(
        &self,
        action: &str,
        entity_type: &str,
        entity_id: Option<String>,
        organization_path: Option<TreePath>,
        fields: Vec<String>,
    ) -> AuditEvent {
        AuditEvent {
            actor_id: self.actor.id.map(Into::into),
            actor: Some(self.actor.name.clone()),
            action: action.to_owned(),
            entity_type: Some(entity_type.to_owned()),
            entity_id,
            organization_path,
            fields,
            outcome: "success".to_owned(),
            address: self.request.address.clone(),
            request_id: self.request.request_id.clone(),
            details: serde_json::json!({}),
        }
    }

    /// Appends `event` to the audit log in this transaction: it lands exactly
    /// when the audited effect does, and a failed append fails the request.
    /// Call it last, just before the transaction ends (the append queues
    /// writers on a lock held until commit).
    pub fn audit(&mut self, event: &AuditEvent) -> AppResult<()> {
        match &mut self.deferred {
            Some(held) => held.push(event.clone()),
            None => audit::append(self.conn, event, self.now)?,
        }
        self.audited.push(event.clone());
        Ok(())
    }

    /// Appends `events` to the audit log in this transaction, one row each
    /// in their order, with one statement (a batch's changes).
    pub fn audit_all(&mut self, events: Vec<AuditEvent>) -> AppResult<()> {
        match &mut self.deferred {
            Some(held) => held.extend(events.iter().cloned()),
            None => audit::append_all(self.conn, &events, self.now)?,
        }
        self.audited.extend(events);
        Ok(())
    }

    /// Holds this transaction's entries back until `flush_audits`, which
    /// the transaction's wrapper calls before it commits: a long
    /// transaction (an import) would otherwise hold the audit log's append
    /// lock from its first entry to its end, and every other audited
    /// action (a sign-in) would wait for it.
    pub fn defer_audits(&mut self) {
        self.deferred.get_or_insert_with(Vec::new);
    }

    /// Appends the entries held back, in their order, with one statement.
    pub fn flush_audits(&mut self) -> AppResult<()> {
        match self.deferred.take() {
            Some(held) if !held.is_empty() => audit::append_all(self.conn, &held, self.now),
            _ => Ok(()),
        }
    }

    /// Where the entries stand, before a savepoint.
    pub fn audit_mark(&self) -> AuditMark {
        AuditMark {
            audited: self.audited.len(),
            deferred: self.deferred.as_ref().map_or(0, Vec::len),
        }
    }

    /// Forgets the entries since `mark`, when the savepoint taken there is
    /// rolled back (an entry appended already went with it).
    pub fn forget_audits_since(&mut self, mark: AuditMark) {
        self.audited.truncate(mark.audited);
        if let Some(held) = &mut self.deferred {
            held.truncate(mark.deferred);
        }
    }
}
