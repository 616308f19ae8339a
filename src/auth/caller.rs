//! Who is calling: the bearer token resolved to a user with fresh grants, and
//! what each kind of action requires of them.

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use chrono::{DateTime, Duration, Utc};
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

use super::model::{GrantScope, Role};
use super::scope::Scope;
use crate::audit::AuditEvent;
use crate::db::ltree::TreePath;
use crate::error::{AppError, AppResult};
use crate::http::request_id::RequestId;
use crate::startup::AppState;

/// Where a request came from, for the audit log and throttling.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    pub address: Option<String>,
    pub request_id: Option<String>,
    pub user_agent: Option<String>,
}

impl RequestContext {
    /// What per-address limits count this request under.
    pub fn limit_key(&self) -> Option<String> {
        let address: std::net::IpAddr = self.address.as_deref()?.parse().ok()?;
        Some(crate::http::client_address::limit_key(address).to_string())
    }
}

impl FromRequest for RequestContext {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(context_of(req)))
    }
}

fn context_of(req: &HttpRequest) -> RequestContext {
    RequestContext {
        address: req
            .app_data::<web::Data<AppState>>()
            .and_then(|state| state.client_address(req))
            .map(|a| a.to_string()),
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
        user_agent: req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(300).collect()),
    }
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: Uuid,
    pub username: String,
    pub session_id: Uuid,
    pub mfa_at: DateTime<Utc>,
    pub step_up_max_age_seconds: i32,
    pub grants: Vec<GrantScope>,
    pub context: RequestContext,
}

/// What an action needs; each maps to the roles that allow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ReadOrganizations,
    ManageOrganizations,
    ReadPersonnel,
    EditPersonnel,
    ManageUsers,
    ReadAudit,
    ManagePolicies,
}

const PERSONNEL: &[Role] = &[Role::PersonnelViewer, Role::PersonnelEditor];

impl Permission {
    /// Roles whose subtrees the action may change (or, for reads, read).
    fn roles(self) -> &'static [Role] {
        match self {
            // any grant shows the tree of the subtree it covers
            Permission::ReadOrganizations => Role::ALL,
            Permission::ManageOrganizations | Permission::ManageUsers => &[Role::OrgAdmin],
            Permission::ReadPersonnel => PERSONNEL,
            Permission::EditPersonnel => &[Role::PersonnelEditor],
            Permission::ReadAudit => &[Role::Auditor],
            Permission::ManagePolicies => &[],
        }
    }

    /// Roles whose subtrees the action may read.
    fn read_roles(self) -> &'static [Role] {
        match self {
            Permission::ReadPersonnel | Permission::EditPersonnel => PERSONNEL,
            Permission::ReadAudit => &[Role::Auditor],
            _ => Role::ALL,
        }
    }
}

impl Caller {
    /// Holding system_admin counts as holding every role.
    pub fn holds(&self, role: Role, path: &TreePath) -> bool {
        self.grants.iter().any(|g| {
            (g.role == role.as_str() || g.role == Role::SystemAdmin.as_str())
                && (path.0 == g.path.0 || path.0.starts_with(&format!("{}.", g.path.0)))
        })
    }

    fn roots(&self, roles: &[Role]) -> Vec<TreePath> {
        self.grants
            .iter()
            .filter(|g| {
                g.role == Role::SystemAdmin.as_str() || roles.iter().any(|r| r.as_str() == g.role)
            })
            .map(|g| g.path.clone())
            .collect()
    }

    /// The scope for an action: it reads the subtrees of all its grants and
    /// writes those of the grants that allow the action. 403 with none.
    pub fn require(&self, permission: Permission) -> AppResult<Scope> {
        let write = self.roots(permission.roles());
        if write.is_empty() {
            return Err(AppError::Forbidden(format!(
                "this needs a grant allowing {permission:?}"
            )));
        }
        let read = self.roots(permission.read_roles());
        Ok(Scope::Paths { read, write })
    }

    /// Sensitive actions need a second factor proved recently, per the level policy.
    pub fn require_fresh_mfa(&self, now: DateTime<Utc>) -> AppResult<()> {
        if now - self.mfa_at > Duration::seconds(self.step_up_max_age_seconds.into()) {
            return Err(AppError::StepUpRequired {
                max_age_seconds: self.step_up_max_age_seconds,
            });
        }
        Ok(())
    }

    /// An audit record of something this caller did.
    pub fn event(
        &self,
        action: &str,
        entity_type: &str,
        entity_id: Option<String>,
        organization_path: Option<TreePath>,
        fields: Vec<String>,
    ) -> AuditEvent {
        AuditEvent {
            actor_id: Some(self.user_id),
            actor: Some(self.username.clone()),
            action: action.to_owned(),
            entity_type: Some(entity_type.to_owned()),
            entity_id,
            organization_path,
            fields,
            outcome: "success".to_owned(),
            address: self.context.address.clone(),
            request_id: self.context.request_id.clone(),
            details: serde_json::json!({}),
        }
    }
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() && token.len() <= 200)
        .then(|| token.trim().to_owned())
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let context = context_of(req);
        Box::pin(async move {
            let token = token.ok_or_else(|| {
                AppError::Unauthenticated(
                    "sign in and send Authorization: Bearer <access_token>".into(),
                )
            })?;
            let state =
                state.ok_or_else(|| AppError::Internal("application state missing".into()))?;
            let now = state.clock.now();
            state
                .db
                .run(move |conn| super::service::authenticate(conn, &token, context, now))
                .await
        })
    }
}
