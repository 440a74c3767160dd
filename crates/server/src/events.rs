//! Recording events: every state change appends one row in its own transaction, so the event
//! stream is exactly the history of committed changes.

use frameproof_domain::{AssetId, ProjectId, VersionId, WorkspaceId};
use frameproof_store::events::{self, NewEvent};
use frameproof_store::{StoreError, WriteTx};
use serde::Serialize;

use crate::auth::{Caller, Principal};

/// Who did something, as events show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Actor {
    /// `user`, `guest` (through a share link; no id, no e-mail), or `system` for the server's
    /// own housekeeping.
    pub kind: &'static str,
    pub id: Option<String>,
    pub name: String,
}

impl Actor {
    pub fn user(p: &Principal) -> Self {
        Self { kind: "user", id: Some(p.user_id.to_string()), name: p.name.clone() }
    }

    /// A member or a guest.
    pub fn of(caller: &Caller) -> Self {
        match caller {
            Caller::User(p) => Self::user(p),
            Caller::Guest(g) => Self { kind: "guest", id: None, name: g.session.name.clone() },
        }
    }

    pub fn system() -> Self {
        Self { kind: "system", id: None, name: String::from("Frameproof") }
    }
}

/// Where an event belongs (decides which streams carry it).
#[derive(Debug, Clone, Copy)]
pub struct EventScope {
    pub workspace_id: WorkspaceId,
    pub project_id: Option<ProjectId>,
    pub asset_id: Option<AssetId>,
    pub version_id: Option<VersionId>,
    /// Only the team may see it (team-only comments).
    pub team_only: bool,
}

impl EventScope {
    pub fn workspace(w: WorkspaceId) -> Self {
        Self { workspace_id: w, project_id: None, asset_id: None, version_id: None, team_only: false }
    }

    pub fn project(w: WorkspaceId, p: ProjectId) -> Self {
        Self { project_id: Some(p), ..Self::workspace(w) }
    }

    pub fn asset(w: WorkspaceId, p: ProjectId, a: AssetId) -> Self {
        Self { asset_id: Some(a), ..Self::project(w, p) }
    }

    pub fn version(w: WorkspaceId, p: ProjectId, a: AssetId, v: VersionId) -> Self {
        Self { version_id: Some(v), ..Self::asset(w, p, a) }
    }
}

/// An event with its JSON encoded, ready to store: by [`record`], or by a store function that
/// writes it with its own change in one round trip.
pub struct Encoded<'a> {
    kind: &'a str,
    at: i64,
    actor: serde_json::Value,
    scope: EventScope,
    payload: serde_json::Value,
}

impl<'a> Encoded<'a> {
    pub fn new(
        kind: &'a str,
        at: i64,
        actor: &Actor,
        scope: EventScope,
        payload: &impl Serialize,
    ) -> Result<Self, StoreError> {
        Ok(Self { kind, at, actor: serde_json::to_value(actor)?, scope, payload: serde_json::to_value(payload)? })
    }

    pub fn event(&self) -> NewEvent<'_> {
        NewEvent {
            kind: self.kind,
            at: self.at,
            actor: &self.actor,
            workspace_id: self.scope.workspace_id,
            project_id: self.scope.project_id,
            asset_id: self.scope.asset_id,
            version_id: self.scope.version_id,
            payload: &self.payload,
            team_only: self.scope.team_only,
        }
    }
}

/// Appends an event inside the caller's transaction.
pub async fn record(
    c: &mut WriteTx,
    kind: &str,
    at: i64,
    actor: &Actor,
    scope: EventScope,
    payload: &impl Serialize,
) -> Result<i64, StoreError> {
    events::append(c, &Encoded::new(kind, at, actor, scope, payload)?.event()).await
}
