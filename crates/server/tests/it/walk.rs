//! The foundation's walk: set-up → owner → workspace → invite a reviewer → project → folder →
//! asset → list → soft-delete → restore, with every role's permissions along the way.

use reqwest::StatusCode;
use serde_json::json;

use crate::kit::{Api, PASSWORD, TestServer, ids, names};

#[tokio::test]
async fn setup_link_makes_the_first_user_owner_once() {
    let srv = TestServer::start().await;
    let anon = Api::anonymous(&srv.url);
    assert_eq!(anon.get_ok("/api/v1/setup").await["needs_setup"], true);
    let browser = Api::browser(&srv.url);
    let (s, b) = browser
        .post("/api/v1/setup", json!({"token": "guess", "email": "a@example.com", "name": "A", "password": PASSWORD, "workspace_name": "W"}))
        .await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::FORBIDDEN, Some("setup-token-invalid")));
    let (owner, ws) = srv.owner().await;
    assert_eq!(ws["role"], "owner");
    assert_eq!(ws["name"], "Acme");
    assert_eq!(ws["storage"]["quota_bytes"], 100_i64 * 1024 * 1024 * 1024);
    let me = owner.get_ok("/api/v1/account").await;
    assert_eq!(me["user"]["email"], "owner@example.com");
    assert_eq!(me["workspaces"][0]["id"], ws["id"]);
    // The link works once: set-up is over.
    let (s, b) = Api::browser(&srv.url)
        .post("/api/v1/setup", json!({"token": srv.setup_token(), "email": "b@example.com", "name": "B", "password": PASSWORD, "workspace_name": "X"}))
        .await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::CONFLICT, Some("setup-done")));
    assert_eq!(anon.get_ok("/api/v1/setup").await["needs_setup"], false);
}

#[tokio::test]
async fn walk_with_roles() {
    // Sessions outlive the 31 days this test skips over at the end.
    let srv = TestServer::start_with(|c| c.limits.session_idle_hours = 24 * 60).await;
    let (owner, ws) = srv.owner().await;
    let ws = ws["id"].as_str().unwrap().to_owned();

    let p1 = owner.create_project(&ws, "Spring launch").await;
    let p2 = owner.create_project(&ws, "Internal sizzle").await;
    let (p1_id, p2_id) = (p1["id"].as_str().unwrap(), p2["id"].as_str().unwrap());
    assert!(p1["root_folder_id"].is_string());

    // Invite a reviewer to p1 only; the preview shows what they accept.
    let (s, invite) = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/invites"),
            json!({"email": "Rita@Client.example", "role": "reviewer", "project_ids": [p1_id]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{invite}");
    assert!(invite["accept_url"].as_str().unwrap().starts_with(&format!("{}/invite?token=", srv.url)));
    let preview = Api::anonymous(&srv.url)
        .post_ok("/api/v1/invites/preview", json!({"token": invite["token"]}), StatusCode::OK)
        .await;
    assert_eq!((preview["workspace_name"].as_str(), preview["role"].as_str()), (Some("Acme"), Some("reviewer")));
    assert_eq!(preview["email"], "rita@client.example");
    let reviewer = Api::browser(&srv.url);
    let welcome = reviewer
        .post_ok(
            "/api/v1/invites/accept",
            json!({"token": invite["token"], "name": "Rita", "password": PASSWORD}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(welcome["workspace"]["role"], "reviewer");
    // An accepted invitation cannot be used again.
    let (s, b) = Api::browser(&srv.url)
        .post("/api/v1/invites/accept", json!({"token": invite["token"], "name": "X", "password": PASSWORD}))
        .await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::NOT_FOUND, Some("invite-not-found")));

    let member = srv.join(&owner, &ws, "mo@example.com", "member", &[]).await;
    let admin = srv.join(&owner, &ws, "ada@example.com", "admin", &[]).await;

    // Folder and asset in p1.
    let folder = owner
        .post_ok(
            "/api/v1/folders",
            json!({"parent_id": p1["root_folder_id"], "name": "Cut-downs"}),
            StatusCode::CREATED,
        )
        .await;
    let fid = folder["id"].as_str().unwrap();
    let asset = owner
        .post_ok(
            "/api/v1/assets",
            json!({"folder_id": fid, "name": "Hero 30s", "description": "Main film"}),
            StatusCode::CREATED,
        )
        .await;
    let aid = asset["id"].as_str().unwrap();
    let listed = owner.get_ok(&format!("/api/v1/folders/{fid}/assets")).await;
    assert_eq!(ids(&listed), vec![aid.to_owned()]);
    let root = owner.get_ok(&format!("/api/v1/folders/{}/folders", p1["root_folder_id"].as_str().unwrap())).await;
    assert_eq!(names(&root), vec!["Cut-downs"]);

    // Reviewer: sees only p1, can read inside it, cannot create or manage.
    let rp = reviewer.get_ok(&format!("/api/v1/projects?workspace={ws}")).await;
    assert_eq!(ids(&rp), vec![p1_id.to_owned()]);
    assert_eq!(reviewer.get(&format!("/api/v1/projects/{p2_id}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(reviewer.get_ok(&format!("/api/v1/assets/{aid}")).await["name"], "Hero 30s");
    let (s, b) = reviewer.post("/api/v1/projects", json!({"workspace_id": ws, "name": "Mine"})).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
    assert_eq!(reviewer.post("/api/v1/folders", json!({"parent_id": fid, "name": "x"})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(reviewer.patch(&format!("/api/v1/assets/{aid}"), json!({"name": "x"})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(reviewer.delete(&format!("/api/v1/assets/{aid}")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(reviewer.get(&format!("/api/v1/workspaces/{ws}/members")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        reviewer
            .post(&format!("/api/v1/workspaces/{ws}/invites"), json!({"email": "z@x.example", "role": "reviewer"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    // Member: sees every project and edits content, but cannot manage roles or invite.
    assert_eq!(ids(&member.get_ok(&format!("/api/v1/projects?workspace={ws}")).await).len(), 2);
    member.create_project(&ws, "Member's project").await;
    let members = member.get_ok(&format!("/api/v1/workspaces/{ws}/members")).await;
    let rita =
        members["items"].as_array().unwrap().iter().find(|m| m["email"] == "rita@client.example").unwrap().clone();
    let rita_id = rita["user_id"].as_str().unwrap();
    let (s, _) = member.patch(&format!("/api/v1/workspaces/{ws}/members/{rita_id}"), json!({"role": "member"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        member
            .post(&format!("/api/v1/workspaces/{ws}/invites"), json!({"email": "z@x.example", "role": "reviewer"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        member.patch(&format!("/api/v1/workspaces/{ws}"), json!({"quota_bytes": 1})).await.0,
        StatusCode::FORBIDDEN
    );

    // Admin: manages roles, but not owners, and cannot make owners.
    let owner_id = members["items"].as_array().unwrap().iter().find(|m| m["role"] == "owner").unwrap()["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        admin.patch(&format!("/api/v1/workspaces/{ws}/members/{owner_id}"), json!({"role": "member"})).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin.patch(&format!("/api/v1/workspaces/{ws}/members/{rita_id}"), json!({"role": "owner"})).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        admin
            .post(&format!("/api/v1/workspaces/{ws}/invites"), json!({"email": "o2@x.example", "role": "owner"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // Adding the reviewer to p2 lets them see it.
    admin.post_ok(&format!("/api/v1/projects/{p2_id}/members"), json!({"user_id": rita_id}), StatusCode::CREATED).await;
    assert_eq!(ids(&reviewer.get_ok(&format!("/api/v1/projects?workspace={ws}")).await).len(), 2);
    assert_eq!(admin.delete(&format!("/api/v1/projects/{p2_id}/members/{rita_id}")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(reviewer.get(&format!("/api/v1/projects/{p2_id}")).await.0, StatusCode::NOT_FOUND);
    // The only owner cannot be demoted, even by themself.
    let (s, b) = owner.patch(&format!("/api/v1/workspaces/{ws}/members/{owner_id}"), json!({"role": "admin"})).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::CONFLICT, Some("last-owner")));

    // Soft delete and restore: asset, then a folder with its asset inside.
    assert_eq!(owner.delete(&format!("/api/v1/assets/{aid}")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(owner.get(&format!("/api/v1/assets/{aid}")).await.0, StatusCode::NOT_FOUND);
    assert!(ids(&owner.get_ok(&format!("/api/v1/folders/{fid}/assets")).await).is_empty());
    let trash = owner.get_ok(&format!("/api/v1/projects/{p1_id}/trash")).await;
    assert_eq!(trash["assets"][0]["id"], aid);
    assert_eq!(trash["retention_days"], 30);
    owner.post_ok(&format!("/api/v1/assets/{aid}/restore"), json!({}), StatusCode::OK).await;
    assert_eq!(owner.get_ok(&format!("/api/v1/assets/{aid}")).await["deleted_at"], serde_json::Value::Null);

    assert_eq!(owner.delete(&format!("/api/v1/folders/{fid}")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(
        owner.get(&format!("/api/v1/assets/{aid}")).await.0,
        StatusCode::NOT_FOUND,
        "an asset in a deleted folder is gone too"
    );
    let (s, b) = owner.post(&format!("/api/v1/assets/{aid}/restore"), json!({})).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::CONFLICT, Some("parent-deleted")));
    owner.post_ok(&format!("/api/v1/folders/{fid}/restore"), json!({}), StatusCode::OK).await;
    assert_eq!(owner.get_ok(&format!("/api/v1/assets/{aid}")).await["name"], "Hero 30s");

    // Past the retention window, restore is refused.
    assert_eq!(owner.delete(&format!("/api/v1/assets/{aid}")).await.0, StatusCode::NO_CONTENT);
    srv.clock.advance_ms(31 * 86_400_000);
    let (s, b) = owner.post(&format!("/api/v1/assets/{aid}/restore"), json!({})).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::GONE, Some("restore-window-passed")));
}

#[tokio::test]
async fn another_workspace_sees_nothing() {
    let srv = TestServer::start().await;
    let (owner, ws_a) = srv.owner().await;
    let ws_a = ws_a["id"].as_str().unwrap().to_owned();
    let p = owner.create_project(&ws_a, "Secret campaign").await;
    let folder = owner
        .post_ok("/api/v1/folders", json!({"parent_id": p["root_folder_id"], "name": "F"}), StatusCode::CREATED)
        .await;
    let asset =
        owner.post_ok("/api/v1/assets", json!({"folder_id": folder["id"], "name": "A"}), StatusCode::CREATED).await;
    let invite = owner
        .post_ok(
            &format!("/api/v1/workspaces/{ws_a}/invites"),
            json!({"email": "pending@example.com", "role": "member"}),
            StatusCode::CREATED,
        )
        .await;

    // Workspace B, and a user who belongs only to B (its owner invited them; they are an admin there).
    let ws_b = owner.post_ok("/api/v1/workspaces", json!({"name": "Beta"}), StatusCode::CREATED).await;
    let ws_b = ws_b["id"].as_str().unwrap().to_owned();
    let b_user = srv.join(&owner, &ws_b, "bob@beta.example", "admin", &[]).await;
    let (s, b) = owner.post("/api/v1/workspaces", json!({"name": "acme"})).await;
    assert_eq!(
        (s, b["code"].as_str()),
        (StatusCode::CONFLICT, Some("workspace-name-taken")),
        "names are unique, ignoring case"
    );

    let pid = p["id"].as_str().unwrap();
    let fid = folder["id"].as_str().unwrap();
    let aid = asset["id"].as_str().unwrap();
    let iid = invite["invite"]["id"].as_str().unwrap();
    let reads = [
        format!("/api/v1/workspaces/{ws_a}"),
        format!("/api/v1/workspaces/{ws_a}/members"),
        format!("/api/v1/workspaces/{ws_a}/invites"),
        format!("/api/v1/projects?workspace={ws_a}"),
        format!("/api/v1/projects/{pid}"),
        format!("/api/v1/projects/{pid}/trash"),
        format!("/api/v1/projects/{pid}/members"),
        format!("/api/v1/folders/{fid}"),
        format!("/api/v1/folders/{fid}/folders"),
        format!("/api/v1/folders/{fid}/assets"),
        format!("/api/v1/assets/{aid}"),
        format!("/api/v1/assets?project={pid}"),
        format!("/api/v1/events?workspace={ws_a}"),
        format!("/api/v1/events?project={pid}"),
        format!("/api/v1/events?asset={aid}"),
    ];
    for path in &reads {
        let (s, b) = b_user.get(path).await;
        assert_eq!((s, b["code"].as_str()), (StatusCode::NOT_FOUND, Some("not-found")), "GET {path}");
    }
    let writes = [
        ("PATCH", format!("/api/v1/workspaces/{ws_a}"), json!({"name": "Mine"})),
        ("POST", format!("/api/v1/workspaces/{ws_a}/invites"), json!({"email": "x@y.example", "role": "member"})),
        ("PATCH", format!("/api/v1/projects/{pid}"), json!({"name": "Mine"})),
        ("DELETE", format!("/api/v1/projects/{pid}"), json!(null)),
        ("POST", format!("/api/v1/projects/{pid}/restore"), json!({})),
        ("POST", String::from("/api/v1/projects"), json!({"workspace_id": ws_a, "name": "Mine"})),
        ("POST", String::from("/api/v1/folders"), json!({"parent_id": fid, "name": "Mine"})),
        ("PATCH", format!("/api/v1/folders/{fid}"), json!({"name": "Mine"})),
        ("DELETE", format!("/api/v1/folders/{fid}"), json!(null)),
        ("POST", String::from("/api/v1/assets"), json!({"folder_id": fid, "name": "Mine"})),
        ("PATCH", format!("/api/v1/assets/{aid}"), json!({"name": "Mine"})),
        ("DELETE", format!("/api/v1/assets/{aid}"), json!(null)),
        ("DELETE", format!("/api/v1/invites/{iid}"), json!(null)),
    ];
    for (method, path, body) in &writes {
        let mut r = b_user.request(method.parse().unwrap(), path);
        if !body.is_null() {
            r = r.json(body);
        }
        let (s, b) = b_user.send(r).await;
        assert_eq!((s, b["code"].as_str()), (StatusCode::NOT_FOUND, Some("not-found")), "{method} {path}");
    }
    // Moving B's things into A is refused the same way.
    let pb = b_user.create_project(&ws_b, "Beta project").await;
    let (s, _) = b_user.patch(&format!("/api/v1/projects/{}", pb["id"].as_str().unwrap()), json!({"name": "ok"})).await;
    assert_eq!(s, StatusCode::OK);
    let fb = b_user
        .post_ok("/api/v1/folders", json!({"parent_id": pb["root_folder_id"], "name": "fb"}), StatusCode::CREATED)
        .await;
    let (s, _) =
        b_user.patch(&format!("/api/v1/folders/{}", fb["id"].as_str().unwrap()), json!({"parent_id": fid})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // And nothing changed in A.
    assert_eq!(owner.get_ok(&format!("/api/v1/projects/{pid}")).await["name"], "Secret campaign");
    assert_eq!(owner.get_ok(&format!("/api/v1/assets/{aid}")).await["name"], "A");
}

#[tokio::test]
async fn lists_page_by_cursor_and_sort() {
    let srv = TestServer::start().await;
    let (owner, ws) = srv.owner().await;
    let ws = ws["id"].as_str().unwrap().to_owned();
    let mut made = Vec::new();
    for name in ["delta", "Alpha", "echo", "Charlie", "bravo", "golf", "foxtrot"] {
        made.push(owner.create_project(&ws, name).await);
        srv.clock.advance_ms(1000);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/projects?workspace={ws}&limit=3&cursor={c}"),
            None => format!("/api/v1/projects?workspace={ws}&limit=3"),
        };
        let page = owner.get_ok(&path).await;
        assert!(page["items"].as_array().unwrap().len() <= 3);
        seen.extend(names(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        seen,
        ["Alpha", "bravo", "Charlie", "delta", "echo", "foxtrot", "golf"],
        "case-insensitive name order, every row once"
    );
    let newest = owner.get_ok(&format!("/api/v1/projects?workspace={ws}&sort=created_at&order=desc&limit=2")).await;
    assert_eq!(names(&newest), ["foxtrot", "golf"], "newest first");
    let next = owner
        .get_ok(&format!(
            "/api/v1/projects?workspace={ws}&sort=created_at&order=desc&limit=2&cursor={}",
            newest["next_cursor"].as_str().unwrap()
        ))
        .await;
    assert_eq!(names(&next), ["bravo", "Charlie"]);
    let found = owner.get_ok(&format!("/api/v1/projects?workspace={ws}&q=ALP")).await;
    assert_eq!(names(&found), ["Alpha"]);
    // A cursor made for one sort is refused under another; bad parameters are 400s.
    let (s, b) = owner
        .get(&format!("/api/v1/projects?workspace={ws}&sort=name&cursor={}", newest["next_cursor"].as_str().unwrap()))
        .await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid-cursor")));
    for (query, code) in [
        ("sort=size", "invalid-sort"),
        ("order=up", "invalid-order"),
        ("limit=0", "invalid-limit"),
        ("limit=abc", "invalid-query"),
        ("limit=100000", "invalid-limit"),
    ] {
        let (s, b) = owner.get(&format!("/api/v1/projects?workspace={ws}&{query}")).await;
        assert_eq!((s, b["code"].as_str()), (StatusCode::BAD_REQUEST, Some(code)), "{query}");
    }
    // Archived projects leave the default list and come back when unarchived.
    let echo = made[2]["id"].as_str().unwrap();
    let archived = owner.patch(&format!("/api/v1/projects/{echo}"), json!({"archived": true})).await.1;
    assert_eq!(archived["archived"], true);
    assert!(
        !names(&owner.get_ok(&format!("/api/v1/projects?workspace={ws}&limit=50")).await).contains(&"echo".to_owned())
    );
    assert_eq!(names(&owner.get_ok(&format!("/api/v1/projects?workspace={ws}&state=archived")).await), ["echo"]);
    let (s, b) = owner.post("/api/v1/folders", json!({"parent_id": made[2]["root_folder_id"], "name": "x"})).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::CONFLICT, Some("project-archived")));
    owner.patch(&format!("/api/v1/projects/{echo}"), json!({"archived": false})).await;
    assert!(
        names(&owner.get_ok(&format!("/api/v1/projects?workspace={ws}&limit=50")).await).contains(&"echo".to_owned())
    );
}

#[tokio::test]
async fn folders_move_without_cycles_and_carry_their_assets() {
    let srv = TestServer::start().await;
    let (owner, ws) = srv.owner().await;
    let ws = ws["id"].as_str().unwrap().to_owned();
    let p1 = owner.create_project(&ws, "One").await;
    let p2 = owner.create_project(&ws, "Two").await;
    let a = owner
        .post_ok("/api/v1/folders", json!({"parent_id": p1["root_folder_id"], "name": "a"}), StatusCode::CREATED)
        .await;
    let b = owner.post_ok("/api/v1/folders", json!({"parent_id": a["id"], "name": "b"}), StatusCode::CREATED).await;
    let asset =
        owner.post_ok("/api/v1/assets", json!({"folder_id": b["id"], "name": "clip"}), StatusCode::CREATED).await;
    let (aid, bid) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let (s, e) = owner.patch(&format!("/api/v1/folders/{aid}"), json!({"parent_id": bid})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("folder-cycle")));
    let (s, e) = owner.patch(&format!("/api/v1/folders/{aid}"), json!({"parent_id": aid})).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("folder-cycle")));
    let (s, e) = owner.delete(&format!("/api/v1/folders/{}", p1["root_folder_id"].as_str().unwrap())).await;
    assert_eq!((s, e["code"].as_str()), (StatusCode::CONFLICT, Some("root-folder")));
    // Move a (with b and the asset) into project two.
    let moved = owner.patch(&format!("/api/v1/folders/{aid}"), json!({"parent_id": p2["root_folder_id"]})).await.1;
    assert_eq!(moved["project_id"], p2["id"]);
    assert_eq!(owner.get_ok(&format!("/api/v1/folders/{bid}")).await["project_id"], p2["id"]);
    let asset = owner.get_ok(&format!("/api/v1/assets/{}", asset["id"].as_str().unwrap())).await;
    assert_eq!(asset["project_id"], p2["id"]);
    let found = owner.get_ok(&format!("/api/v1/assets?project={}&q=cli", p2["id"].as_str().unwrap())).await;
    assert_eq!(names(&found), ["clip"]);
    // Assets move between folders too.
    let moved = owner
        .patch(
            &format!("/api/v1/assets/{}", asset["id"].as_str().unwrap()),
            json!({"folder_id": p1["root_folder_id"], "name": "clip v2"}),
        )
        .await
        .1;
    assert_eq!((moved["project_id"].clone(), moved["name"].clone()), (p1["id"].clone(), json!("clip v2")));
}

#[tokio::test]
async fn quota_is_set_by_owners_and_reported() {
    let srv = TestServer::start().await;
    let (owner, ws) = srv.owner().await;
    let ws = ws["id"].as_str().unwrap().to_owned();
    let w = owner.patch(&format!("/api/v1/workspaces/{ws}"), json!({"quota_bytes": 5_000_000_000_i64})).await.1;
    assert_eq!(w["storage"]["quota_bytes"], 5_000_000_000_i64);
    assert_eq!(w["storage"]["used_bytes"], 0);
    assert_eq!(w["storage"]["available_bytes"], 5_000_000_000_i64);
    let (s, b) = owner.patch(&format!("/api/v1/workspaces/{ws}"), json!({"quota_bytes": -1})).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid-quota")));
    assert_eq!(owner.get_ok(&format!("/api/v1/workspaces/{ws}")).await["storage"]["quota_bytes"], 5_000_000_000_i64);
}
