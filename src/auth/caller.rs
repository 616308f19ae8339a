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

    /// The party subtrees of the grants of any of `roles` (or of system_admin).
    fn party_roots(&self, roles: &[Role]) -> Vec<TreePath> {
        self.0
            .iter()
            .filter(|g| g.role == Role::SystemAdmin || roles.contains(&g.role))
            .flat_map(|g| g.party_paths.iter().cloned())
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
    /// Party organizations and members, over the party tree.
    ReadParty,
    EditParty,
}

const PERSONNEL: &[Role] = &[Role::PersonnelViewer, Role::PersonnelEditor];
const PARTY: &[Role] = &[Role::PartyViewer, Role::PartyEditor];

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
            Permission::ReadParty => PARTY,
            Permission::EditParty => &[Role::PartyEditor],
        }
    }

    /// Roles whose subtrees the action may read.
    fn read_roles(self) -> &'static [Role] {
        match self {
            Permission::ReadPersonnel | Permission::EditPersonnel => PERSONNEL,
            Permission::ReadAudit => &[Role::Auditor],
            Permission::ReadParty | Permission::EditParty => PARTY,
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

    /// Whether the caller sees the party items of a profile (Table 26): a
    /// party grant (or system_admin), or personnel_editor, whose holders
    /// maintain those items. A personnel viewer without a party grant does
    /// not.
    pub fn sees_profile_party_items(&self) -> bool {
        self.grants.iter().any(|g| {
            matches!(g.role, Role::SystemAdmin | Role::PersonnelEditor) || PARTY.contains(&g.role)
        })
    }

    /// The party subtrees the caller may read, whatever the action.
    pub fn party_read_roots(&self) -> Vec<TreePath> {
        self.grants.party_roots(PARTY)
    }

    /// The scope for an action: it reads the subtrees of all its grants and
    /// writes those of the grants that allow the action. 403 with none.
    /// Party actions are scoped by the party tree.
    pub fn require(&self, permission: Permission) -> AppResult<Scope> {
        if matches!(permission, Permission::ReadParty | Permission::EditParty) {
            return self.require_party(permission);
        }
        let write = self.grants.roots(permission.roles());
        if write.is_empty() {
            return Err(AppError::Forbidden(format!(
                "this needs a grant allowing {permission:?}"
            )));
        }
        let read = self.grants.roots(permission.read_roles());
        Ok(Scope::Paths { read, write })
    }

    fn require_party(&self, permission: Permission) -> AppResult<Scope> {
        let write = self.grants.party_roots(permission.roles());
        if write.is_empty() {
            return Err(AppError::Forbidden(format!(
                "this needs a party grant allowing {permission:?}"
            )));
        }
        let read = self.grants.party_roots(permission.read_roles());
        Ok(Scope::Party { read, write })
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
            party_paths: vec![TreePath(format!("party.{path}"))],
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
    fn party_actions_are_scoped_by_the_party_paths_of_party_grants() {
        let caller = |grants| Caller {
            user_id: UserId::new_random(),
            username: "u".into(),
            session_id: SessionId::new_random(),
            mfa_at: Utc::now(),
            step_up_max_age_seconds: 300,
            grants: Grants(grants),
            context: RequestMeta::default(),
        };
        let personnel = caller(vec![grant(Role::PersonnelEditor, "a")]);
        assert!(personnel.require(Permission::ReadParty).is_err());
        assert!(personnel.party_read_roots().is_empty());
        let viewer = caller(vec![
            grant(Role::PartyViewer, "a"),
            grant(Role::PartyEditor, "b"),
        ]);
        let Ok(Scope::Party { read, write }) = viewer.require(Permission::EditParty) else {
            panic!("a party editor gets a party scope");
        };
        assert_eq!(
            read,
            [TreePath("party.a".into()), TreePath("party.b".into())]
        );
        assert_eq!(write, [TreePath("party.b".into())]);
        assert!(caller(vec![grant(Role::PartyViewer, "a")])
            .require(Permission::EditParty)
            .is_err());
    }
}
