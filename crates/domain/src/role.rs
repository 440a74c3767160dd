//! Roles and what each may do: DESIGN.md's role table, as code.

use serde::{Deserialize, Serialize};

/// A workspace member's role. Owners, admins and members are "the team"; reviewers see only the
/// projects they were added to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Admin,
    Member,
    Reviewer,
}

/// Something a member may try to do inside a workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Rename the workspace, set its quota, invite people, change and remove roles.
    ManageWorkspace,
    /// Create, rename, archive, move and delete projects, folders and assets; upload.
    EditContent,
    /// Name required approvers, create/revoke share links, carry comments forward, import markers.
    ManageReview,
    /// See a project and what it holds (reviewers: only projects they were added to).
    View,
    /// Download the original file.
    DownloadOriginal,
    /// Comment, reply and draw.
    Comment,
    /// Approve or request changes.
    Decide,
    /// Unlock, supersede, or lock a version by hand.
    ManageLocks,
    /// Export markers or a report.
    Export,
}

impl Role {
    /// All roles, strongest first.
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Member, Role::Reviewer];

    /// The stable name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Reviewer => "reviewer",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Owners, admins and members: they see every project and team-only comments.
    pub fn is_team(self) -> bool {
        !matches!(self, Role::Reviewer)
    }

    /// Whether this role may do `action` on something it can reach. For a reviewer, "reach" means
    /// a project they were added to; the caller checks that separately.
    pub fn allows(self, action: Action) -> bool {
        match action {
            Action::ManageWorkspace | Action::ManageLocks => matches!(self, Role::Owner | Role::Admin),
            Action::EditContent | Action::ManageReview => self.is_team(),
            Action::View | Action::DownloadOriginal | Action::Comment | Action::Decide | Action::Export => true,
        }
    }

    /// Whether a member holding `self` may give someone the role `to`, or change or remove the
    /// role of someone who holds `from` (`from` is `None` for a new invitation). Admins manage
    /// everyone but owners, and cannot make owners.
    pub fn may_assign(self, from: Option<Role>, to: Role) -> bool {
        match self {
            Role::Owner => true,
            Role::Admin => from != Some(Role::Owner) && to != Role::Owner,
            Role::Member | Role::Reviewer => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reviewer_cannot_edit_or_manage() {
        assert!(!Role::Reviewer.allows(Action::EditContent));
        assert!(!Role::Reviewer.allows(Action::ManageReview));
        assert!(!Role::Reviewer.allows(Action::ManageWorkspace));
        assert!(Role::Reviewer.allows(Action::Comment));
        assert!(!Role::Reviewer.is_team());
    }

    #[test]
    fn member_cannot_manage_workspace_or_locks() {
        assert!(Role::Member.allows(Action::EditContent));
        assert!(!Role::Member.allows(Action::ManageWorkspace));
        assert!(!Role::Member.allows(Action::ManageLocks));
        assert!(!Role::Member.may_assign(None, Role::Reviewer));
    }

    #[test]
    fn admins_manage_everyone_but_owners() {
        assert!(Role::Admin.may_assign(Some(Role::Member), Role::Admin));
        assert!(Role::Admin.may_assign(None, Role::Reviewer));
        assert!(!Role::Admin.may_assign(Some(Role::Owner), Role::Member));
        assert!(!Role::Admin.may_assign(Some(Role::Member), Role::Owner));
        assert!(Role::Owner.may_assign(Some(Role::Owner), Role::Member));
    }

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
