//! Event type names: dotted nouns and past-tense verbs, stable parts of the API.

/// A stable event type name.
pub type EventType = &'static str;

pub const WORKSPACE_CREATED: EventType = "workspace.created";
pub const WORKSPACE_UPDATED: EventType = "workspace.updated";
pub const MEMBER_ADDED: EventType = "member.added";
pub const MEMBER_UPDATED: EventType = "member.updated";
pub const MEMBER_REMOVED: EventType = "member.removed";
pub const INVITE_CREATED: EventType = "invite.created";
pub const INVITE_REVOKED: EventType = "invite.revoked";
pub const PROJECT_CREATED: EventType = "project.created";
pub const PROJECT_UPDATED: EventType = "project.updated";
pub const PROJECT_DELETED: EventType = "project.deleted";
pub const PROJECT_RESTORED: EventType = "project.restored";
pub const PROJECT_MEMBER_ADDED: EventType = "project.member_added";
pub const PROJECT_MEMBER_REMOVED: EventType = "project.member_removed";
pub const FOLDER_CREATED: EventType = "folder.created";
pub const FOLDER_UPDATED: EventType = "folder.updated";
pub const FOLDER_DELETED: EventType = "folder.deleted";
pub const FOLDER_RESTORED: EventType = "folder.restored";
pub const ASSET_CREATED: EventType = "asset.created";
pub const ASSET_UPDATED: EventType = "asset.updated";
pub const ASSET_DELETED: EventType = "asset.deleted";
pub const ASSET_RESTORED: EventType = "asset.restored";
