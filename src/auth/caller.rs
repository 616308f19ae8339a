//! Who is calling: the bearer token resolved to a user with fresh grants, and
//! what each kind of action requires of them.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::model::{GrantScope, Role};
use crate::audit::AuditEvent;
use crate::context::Scope;
use crate::context::{Actor, RequestMeta};
use crate::db::ltree::TreePath;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: Uuid,
    pub username: String,
    pub session_id: Uuid,
    pub mfa_at: DateTime<Utc>,
    pub step_up_max_age_seconds: i32,
    pub grants: Vec<GrantScope>,
    pub context: RequestMeta,
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
    /// Who acts, as services and the change history record it.
    pub fn actor(&self) -> Actor {
        Actor {
            id: Some(self.user_id.into()),
            name: self.username.clone(),
        }
    }

    /// Holding system_admin counts as holding every role.
    pub fn holds(&self, role: Role, path: &TreePath) -> bool {
        self.grants.iter().any(|g| {
            (g.role == role.as_str() || g.role == Role::SystemAdmin.as_str())
                && path.is_within(&g.path)
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
