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

    /// The subtrees of the grants of any of `roles` (or of system_admin,
    /// when it counts).
    fn roots(&self, roles: &[Role], system_admin_counts: bool) -> Vec<TreePath> {
        self.0
            .iter()
            .filter(|g| {
                roles.contains(&g.role) || (system_admin_counts && g.role == Role::SystemAdmin)
            })
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
    /// Everything on internal-politics dossiers (DB3).
    HandleDossiers,
    /// Party organizations and members, over the party tree.
    ReadParty,
    EditParty,
    /// The groupware of CCOP staff: correspondence, tasks, rooms.
    UseGroupware,
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
            Permission::HandleDossiers => &[Role::DossierOfficer],
            Permission::ReadParty => PARTY,
            Permission::EditParty => &[Role::PartyEditor],
            Permission::UseGroupware => &[Role::GroupwareUser],
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
            Permission::HandleDossiers => "handling internal-politics dossiers",
            Permission::ReadParty => "reading party organizations and members",
            Permission::EditParty => "changing party organizations and members",
            Permission::UseGroupware => "using the groupware",
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

    /// Says in words what a caller without any allowing party grant lacks.
    fn party_refusal(self) -> String {
        let roles: Vec<&str> = self.roles().iter().map(|r| r.as_str()).collect();
        format!(
            "{} needs the {} role (or system_admin) over a party organization; \
             you hold no such grant",
            self.action(),
            roles.join(" or ")
        )
    }

    /// Roles whose subtrees the action may read.
    fn read_roles(self) -> &'static [Role] {
        match self {
            Permission::ReadPersonnel | Permission::EditPersonnel => PERSONNEL,
            Permission::ReadAudit => &[Role::Auditor],
            Permission::HandleDossiers => &[Role::DossierOfficer],
            Permission::ReadParty | Permission::EditParty => PARTY,
            Permission::UseGroupware => &[Role::GroupwareUser],
            _ => Role::ALL,
        }
    }

    /// system_admin counts as every role, except for dossiers: only the
    /// cleared officers granted `dossier_officer` read DB3 (decision 0016).
    fn system_admin_counts(self) -> bool {
        self != Permission::HandleDossiers
    }
}

/// Dossier content is read and written with a second factor proved within
/// five minutes, or sooner if the level policy asks for it.
pub const DOSSIER_STEP_UP_SECONDS: i32 = 300;

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
        let scope = self.require_or_nothing(permission);
        match &scope {
            Scope::Paths { write, .. } if write.is_empty() => {
                Err(AppError::Forbidden(permission.refusal()))
            }
            _ => Ok(scope),
        }
    }

    /// The scope for an action whose refusal must look like absence
    /// (dossiers): without a grant allowing it, a scope covering nothing,
    /// never a 403, so the service does the same work and finds nothing.
    pub fn require_or_nothing(&self, permission: Permission) -> Scope {
        let admin = permission.system_admin_counts();
        Scope::Paths {
            read: self.grants.roots(permission.read_roles(), admin),
            write: self.grants.roots(permission.roles(), admin),
        }
    }

    fn require_party(&self, permission: Permission) -> AppResult<Scope> {
        let write = self.grants.party_roots(permission.roles());
        if write.is_empty() {
            return Err(AppError::Forbidden(permission.party_refusal()));
        }
        let read = self.grants.party_roots(permission.read_roles());
        Ok(Scope::Party { read, write })
    }

    /// Sensitive actions need a second factor proved recently, per the level policy.
    pub fn require_fresh_mfa(&self, now: DateTime<Utc>) -> AppResult<()> {
        self.require_mfa_within(now, self.step_up_max_age_seconds)
    }

    /// A second factor proved within `max_age_seconds`, and within the
    /// level policy's step-up age when that is shorter.
    pub fn require_mfa_within(&self, now: DateTime<Utc>, max_age_seconds: i32) -> AppResult<()> {
        let max_age_seconds = max_age_seconds.min(self.step_up_max_age_seconds);
        if now - self.mfa_at > Duration::seconds(max_age_seconds.into()) {
            return Err(AppError::StepUpRequired { max_age_seconds });
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
            grants.roots(&[Role::OrgAdmin], true),
            [TreePath("a.b".into()), TreePath("c".into())]
        );
        assert_eq!(grants.roots(&[Role::Auditor], true), [TreePath("c".into())]);
    }

    fn caller(grants: Vec<GrantScope>, mfa_age_seconds: i64) -> Caller {
        let now = Utc::now();
        Caller {
            user_id: UserId::new_random(),
            username: "officer".into(),
            session_id: SessionId::new_random(),
            mfa_at: now - Duration::seconds(mfa_age_seconds),
            step_up_max_age_seconds: 900,
            grants: Grants(grants),
            context: RequestMeta::default(),
        }
    }

    fn paths(scope: &Scope) -> (Vec<TreePath>, Vec<TreePath>) {
        match scope {
            Scope::Paths { read, write } => (read.clone(), write.clone()),
            Scope::System | Scope::Party { .. } => {
                panic!("a non-party caller never gets the system or party scope")
            }
        }
    }

    #[test]
    fn dossiers_need_an_officer_grant_and_system_admin_does_not_count() {
        let admin = caller(vec![grant(Role::SystemAdmin, "a")], 0);
        let officer = caller(
            vec![
                grant(Role::DossierOfficer, "a.b"),
                grant(Role::PersonnelEditor, "a.c"),
            ],
            0,
        );
        let nothing = (Vec::new(), Vec::new());
        assert_eq!(
            paths(&admin.require_or_nothing(Permission::HandleDossiers)),
            nothing
        );
        assert!(admin.require(Permission::HandleDossiers).is_err());
        let only_b = vec![TreePath("a.b".into())];
        assert_eq!(
            paths(&officer.require_or_nothing(Permission::HandleDossiers)),
            (only_b.clone(), only_b)
        );
        // elsewhere system_admin still counts as every role
        assert_eq!(
            paths(&admin.require(Permission::ReadPersonnel).unwrap()).0,
            [TreePath("a".into())]
        );
    }

    #[test]
    fn a_shorter_step_up_age_applies_and_the_policy_caps_it() {
        let now = Utc::now();
        let recent = caller(vec![], 200);
        assert!(recent.require_mfa_within(now, 300).is_ok());
        let older = caller(vec![], 400);
        assert!(
            older.require_fresh_mfa(now).is_ok(),
            "the policy allows 900 s"
        );
        assert!(matches!(
            older.require_mfa_within(now, 300),
            Err(AppError::StepUpRequired {
                max_age_seconds: 300
            })
        ));
        let strict = Caller {
            step_up_max_age_seconds: 60,
            ..caller(vec![], 100)
        };
        assert!(matches!(
            strict.require_mfa_within(now, 300),
            Err(AppError::StepUpRequired {
                max_age_seconds: 60
            })
        ));
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
