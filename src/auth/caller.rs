//! Who is calling: the bearer token resolved to a user with fresh grants, and
//! what each kind of action requires of them.

use chrono::{DateTime, Duration, Utc};

use super::model::{GrantScope, Role};
use crate::context::{Actor, RequestMeta, Scope};
use crate::db::ltree::TreePath;
use crate::error::{AppError, AppResult};
use crate::ids::{SessionId, UserId};

#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: UserId,
    pub username: String,
    pub session_id: SessionId,
    pub mfa_at: DateTime<Utc>,
    pub step_up_max_age_seconds: i32,
    pub grants: Grants,
    pub context: RequestMeta,
}

/// The caller's own account and the session the request came with: what
/// the services for one's own sessions, password and second factor act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnSession {
    pub user: UserId,
    pub session: SessionId,
}

/// The roles a user holds and the subtrees they cover, read fresh on every
/// request.
#[derive(Debug, Clone, Default)]
pub struct Grants(pub Vec<GrantScope>);

impl Grants {
    pub fn iter(&self) -> impl Iterator<Item = &GrantScope> {
        self.0.iter()
    }

    /// Holding system_admin counts as holding every role.
    pub fn holds(&self, role: Role, path: &TreePath) -> bool {
        self.0
            .iter()
            .any(|g| (g.role == role || g.role == Role::SystemAdmin) && path.is_within(&g.path))
    }

    /// The subtrees of the grants of any of `roles` (or of system_admin).
    fn roots(&self, roles: &[Role]) -> Vec<TreePath> {
        self.0
            .iter()
            .filter(|g| g.role == Role::SystemAdmin || roles.contains(&g.role))
            .map(|g| g.path.clone())
            .collect()
    }
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

    /// The action, as the refusal names it.
    fn action(self) -> &'static str {
        match self {
            Permission::ReadOrganizations => "reading the organization tree",
            Permission::ManageOrganizations => "changing the organization tree",
            Permission::ReadPersonnel => "reading profiles",
            Permission::EditPersonnel => "changing profiles",
            Permission::ManageUsers => "managing accounts",
            Permission::ReadAudit => "reading the audit log",
            Permission::ManagePolicies => "changing the level policies",
        }
    }

    /// Says in words what a caller without any allowing grant lacks.
    fn refusal(self) -> String {
        let roles: Vec<&str> = self.roles().iter().map(|r| r.as_str()).collect();
        let needs = match roles.as_slice() {
            [] => "the system_admin role".to_owned(),
            _ if self.roles() == Role::ALL => "a grant of any role".to_owned(),
            _ => format!("the {} role (or system_admin)", roles.join(" or ")),
        };
        format!(
            "{} needs {needs} over an organization; you hold no such grant",
            self.action()
        )
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
            id: Some(self.user_id),
            name: self.username.clone(),
        }
    }

    /// The caller's account and current session.
    pub fn own_session(&self) -> OwnSession {
        OwnSession {
            user: self.user_id,
            session: self.session_id,
        }
    }

    /// Holding system_admin counts as holding every role.
    pub fn holds(&self, role: Role, path: &TreePath) -> bool {
        self.grants.holds(role, path)
    }

    /// The scope for an action: it reads the subtrees of all its grants and
    /// writes those of the grants that allow the action. 403 with none.
    pub fn require(&self, permission: Permission) -> AppResult<Scope> {
        let write = self.grants.roots(permission.roles());
        if write.is_empty() {
            return Err(AppError::Forbidden(permission.refusal()));
        }
        let read = self.grants.roots(permission.read_roles());
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
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::ids::{GrantId, OrganizationId};

    fn grant(role: Role, path: &str) -> GrantScope {
        GrantScope {
            grant_id: GrantId::new_random(),
            role,
            organization_id: OrganizationId::new_random(),
            path: TreePath(path.into()),
        }
    }

    #[test]
    fn roles_are_held_inside_their_subtree_and_system_admin_holds_all() {
        let grants = Grants(vec![
            grant(Role::OrgAdmin, "a.b"),
            grant(Role::SystemAdmin, "c"),
        ]);
        assert!(grants.holds(Role::OrgAdmin, &TreePath("a.b.x".into())));
        assert!(!grants.holds(Role::OrgAdmin, &TreePath("a".into())));
        assert!(!grants.holds(Role::Auditor, &TreePath("a.b".into())));
        assert!(grants.holds(Role::Auditor, &TreePath("c.d".into())));
        assert_eq!(
            grants.roots(&[Role::OrgAdmin]),
            [TreePath("a.b".into()), TreePath("c".into())]
        );
        assert_eq!(grants.roots(&[Role::Auditor]), [TreePath("c".into())]);
    }

    #[test]
    fn a_refusal_names_the_roles_in_words() {
        assert_eq!(
            Permission::EditPersonnel.refusal(),
            "changing profiles needs the personnel_editor role (or system_admin) \
             over an organization; you hold no such grant"
        );
        assert!(Permission::ReadPersonnel
            .refusal()
            .contains("the personnel_viewer or personnel_editor role"));
        assert!(Permission::ManagePolicies
            .refusal()
            .starts_with("changing the level policies needs the system_admin role"));
        assert!(Permission::ReadOrganizations
            .refusal()
            .starts_with("reading the organization tree needs a grant of any role"));
    }
}
