//! The HTTP surface: one module per resource. Every route is registered through utoipa-axum's
//! `routes!`, so a route cannot exist without its OpenAPI description.

pub mod account;
pub mod assets;
pub mod auth;
pub mod campaigns;
pub mod comments;
pub mod events;
pub mod folders;
pub mod guests;
pub mod intake;
pub mod interchange;
pub mod media;
pub mod projects;
pub mod review;
pub mod shares;
pub mod system;
pub mod uploads;
pub mod versions;
pub mod workspaces;

use axum::Json;
use axum::http::StatusCode;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Frameproof API",
        description = "Review and approval of video and creative work. Errors are `{code, message, request_id}`; \
lists are `{items, next_cursor}` and take `?limit=&cursor=`; times are RFC 3339 UTC; ids are UUIDv7 strings. \
Authenticate with the session cookie (browser; state-changing requests must carry this site's `Origin`) or \
`Authorization: Bearer <api token>`.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&Security),
    security(("session" = []), ("bearer" = [])),
    tags(
        (name = "setup", description = "First-run set-up"),
        (name = "auth", description = "Signing in and out"),
        (name = "account", description = "The caller's own account, sessions and API tokens"),
        (name = "workspaces", description = "Workspaces, members, roles, quotas, invitations"),
        (name = "projects", description = "Projects and the reviewers added to them"),
        (name = "folders", description = "Folders"),
        (name = "assets", description = "Assets (version stacks)"),
        (name = "events", description = "Live events (Server-Sent Events)"),
        (name = "uploads", description = "Resumable uploads (tus 1.0.0)"),
        (name = "versions", description = "Version stacks, their derived media, and comparing versions"),
        (name = "comments", description = "Frame-anchored comments, drawings, threads, mentions"),
        (name = "review", description = "Decisions, required approvers, approval locks, receipts, keys, the audit trail"),
        (name = "share-links", description = "Share links (scope, permissions, expiry, password, domains, viewers), their access logs, recipient lists"),
        (name = "guests", description = "Guests: opening a share link, proving an e-mail, the guest session and its assets"),
        (name = "interchange", description = "Comments out as marker files for editing software, markers in as comments, the printable report"),
        (name = "campaigns", description = "The operations layer: calendars, groups, brief templates and briefs, workflow templates, a campaign's workflow and board, deliverables, stage runs, checklists, what waits on me"),
        (name = "system", description = "Health, readiness, metrics, this document"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("fp_session"))));
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every route, with its description.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(system::router())
        .merge(auth::router())
        .merge(account::router())
        .merge(workspaces::router())
        .merge(projects::router())
        .merge(folders::router())
        .merge(assets::router())
        .merge(events::router())
        .merge(uploads::router())
        .merge(versions::router())
        .merge(comments::router())
        .merge(review::router())
        .merge(media::router())
        .merge(shares::router())
        .merge(guests::router())
        .merge(interchange::router())
        .merge(campaigns::router())
        .merge(intake::router())
}

/// The OpenAPI document (what `GET /api/v1/openapi.json` and `frameproof openapi` print).
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().into_openapi()
}

/// 201 with a JSON body.
pub fn created<T>(body: T) -> (StatusCode, Json<T>) {
    (StatusCode::CREATED, Json(body))
}
