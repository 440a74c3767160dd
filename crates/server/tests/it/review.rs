//! The review core on the real server: frame-anchored comments with timecode, threads,
//! mentions, edits with history, team-only threads, decisions and their aggregate, required
//! approvers, the approval lock and everything it refuses, receipts, unlock and supersede,
//! stack management, compare, carry-forward, live events, and no comment lost under load.

use std::time::Duration;

use frameproof_domain::signing::{self, PublicKey};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::kit::{Api, Stream, TestServer, ffmpeg, settled, upload, upload_to};

/// A workspace with an owner, a member, a reviewer on project A, and a reviewer on project B
/// only; project A holds a folder "Cuts".
struct Team {
    srv: TestServer,
    owner: Api,
    member: Api,
    reviewer: Api,
    outsider: Api,
    ws: String,
    project: String,
    folder: String,
    ids: std::collections::HashMap<&'static str, String>,
}

async fn user_id(api: &Api) -> String {
    api.get_ok("/api/v1/account").await["user"]["id"].as_str().unwrap().to_owned()
}

impl Team {
    async fn new() -> Team {
        let srv = TestServer::start().await;
        let (owner, ws) = srv.owner().await;
        let ws = ws["id"].as_str().unwrap().to_owned();
        let project = owner.create_project(&ws, "Spring campaign").await;
        let other = owner.create_project(&ws, "Other").await;
        let pid = project["id"].as_str().unwrap().to_owned();
        let root = project["root_folder_id"].as_str().unwrap();
        let folder = owner
            .post_ok("/api/v1/folders", json!({"parent_id": root, "name": "Cuts"}), StatusCode::CREATED)
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let member = srv.join(&owner, &ws, "mia@example.com", "member", &[]).await;
        let reviewer = srv.join(&owner, &ws, "rex@example.com", "reviewer", &[&pid]).await;
        let outsider = srv.join(&owner, &ws, "ola@example.com", "reviewer", &[other["id"].as_str().unwrap()]).await;
        let mut ids = std::collections::HashMap::new();
        for (name, api) in [("owner", &owner), ("member", &member), ("reviewer", &reviewer), ("outsider", &outsider)] {
            ids.insert(name, user_id(api).await);
        }
        Team { srv, owner, member, reviewer, outsider, ws, project: pid, folder, ids }
    }

    fn id(&self, who: &str) -> &str {
        &self.ids[who]
    }

    /// A 2-second 29.97 fps clip whose source timecode starts at 01:00:00;00 (60 frames).
    fn clip(&self, name: &str) -> Vec<u8> {
        ffmpeg(
            self.srv.data_dir(),
            name,
            &[
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=160x90:rate=30000/1001",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=440",
                "-t",
                "2",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-c:a",
                "aac",
                "-timecode",
                "01:00:00;00",
                "-shortest",
            ],
        )
    }

    /// Uploads the clip as a new asset in "Cuts"; answers the ready version.
    async fn video(&self, name: &str) -> Value {
        let v = upload(&self.owner, &self.folder, name, self.clip(name)).await;
        let v = settled(&self.owner, &v).await;
        assert_eq!(v["processing_state"], "ready", "{v}");
        v
    }

    /// Uploads the clip as the next version of `asset`.
    async fn next_version(&self, asset: &str, name: &str) -> Value {
        let v = upload_to(&self.owner, "asset_id", asset, name, self.clip(name)).await;
        settled(&self.owner, &v).await
    }
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap()
}

async fn expect(api: &Api, method: reqwest::Method, path: &str, body: Option<Value>, status: StatusCode, code: &str) {
    let mut r = api.request(method.clone(), path);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let (got, b) = api.send(r).await;
    assert_eq!(got, status, "{method} {path}: {b}");
    assert_eq!(b["code"], code, "{method} {path}: {b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comments_pin_frames_with_timecode_threads_mentions_edits_and_filters() {
    let t = Team::new().await;
    let v = t.video("hero.mov").await;
    assert_eq!(v["frame_count"], 60);
    assert_eq!(v["timecode"]["start"], "01:00:00;00");
    assert_eq!(v["timecode"]["drop_frame"], true);
    let vid = s(&v["id"]);
    let path = format!("/api/v1/versions/{vid}/comments");

    let c = t.owner.post_ok(&path, json!({"body": "Logo too small", "frame": 30}), StatusCode::CREATED).await;
    assert_eq!((c["frame"].as_i64(), c["timecode"].as_str()), (Some(30), Some("01:00:01;00")));
    let range = t
        .member
        .post_ok(
            &path,
            json!({"body": "Flash frame", "frame": 40, "frame_out": 59, "mentions": [t.id("reviewer")]}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(range["timecode_out"], "01:00:01;29");
    assert_eq!(range["mentions"], json!([t.id("reviewer")]));
    let drawing = json!({"shapes": [
        {"type": "arrow", "color": "#ff3366", "width": 4, "points": [[0.1, 0.1], [0.4, 0.5]]},
        {"type": "text", "color": "#fff", "width": 2, "points": [[0.5, 0.5]], "text": "here"},
        {"type": "freehand", "color": "#00ff00", "width": 3, "points": [[0.2, 0.2], [0.25, 0.3], [0.3, 0.2]]}]});
    let drawn =
        t.reviewer.post_ok(&path, json!({"body": "", "frame": 10, "annotation": drawing}), StatusCode::CREATED).await;
    assert_eq!(drawn["annotation"]["shapes"].as_array().unwrap().len(), 3);
    t.owner.post_ok(&path, json!({"body": "Grade is warm", "frame": 50}), StatusCode::CREATED).await;

    // Anchors must fit the version: 60 frames, frames not milliseconds, ranges forwards.
    for bad in [
        json!({"body": "x", "frame": 60}),
        json!({"body": "x", "frame": 20, "frame_out": 19}),
        json!({"body": "x", "ms": 100}),
        json!({"body": "x"}),
        json!({"body": "x", "frame": 1, "x": 0.5}),
        json!({"body": "x", "frame": 1, "annotation": {"shapes": [{"type": "rect", "color": "#fff", "width": 2, "points": [[0.1, 1.5], [0.2, 0.2]]}]}}),
        json!({"body": "x", "frame": 1, "annotation": {"shapes": [{"type": "star", "color": "#fff", "width": 2, "points": [[0.1, 0.1], [0.2, 0.2]]}]}}),
    ] {
        let (st, b) = t.owner.post(&path, bad.clone()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}: {b}");
        assert_eq!(b["code"], "invalid-anchor", "{bad}: {b}");
    }
    expect(
        &t.owner,
        reqwest::Method::POST,
        &path,
        Some(json!({"body": "  ", "frame": 1})),
        StatusCode::BAD_REQUEST,
        "empty-field",
    )
    .await;
    expect(
        &t.owner,
        reqwest::Method::POST,
        &path,
        Some(json!({"body": "hi", "frame": 1, "mentions": [t.id("outsider")]})),
        StatusCode::BAD_REQUEST,
        "invalid-mention",
    )
    .await;

    // Threads: a reply, and a reply to the reply joins the same thread.
    let cid = s(&c["id"]);
    let reply = t
        .reviewer
        .post_ok(&format!("/api/v1/comments/{cid}/replies"), json!({"body": "Agreed"}), StatusCode::CREATED)
        .await;
    assert_eq!(reply["parent_id"], c["id"]);
    let nested = t
        .member
        .post_ok(
            &format!("/api/v1/comments/{}/replies", s(&reply["id"])),
            json!({"body": "On it"}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(nested["parent_id"], c["id"]);

    // Edits: own only, and the earlier text is kept.
    expect(
        &t.reviewer,
        reqwest::Method::PATCH,
        &format!("/api/v1/comments/{cid}"),
        Some(json!({"body": "mine now"})),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let edited = t.owner.patch(&format!("/api/v1/comments/{cid}"), json!({"body": "Logo much too small"})).await;
    assert_eq!(edited.0, StatusCode::OK, "{}", edited.1);
    assert!(edited.1["edited_at"].is_string());
    let history = t.owner.get_ok(&format!("/api/v1/comments/{cid}/history")).await;
    assert_eq!(history["items"][0]["body"], "Logo too small");

    // Listing: frame order, replies inline, paged; filters.
    let all = t.reviewer.get_ok(&path).await;
    let frames: Vec<i64> = all["items"].as_array().unwrap().iter().map(|c| c["frame"].as_i64().unwrap()).collect();
    assert_eq!(frames, [10, 30, 40, 50]);
    let thread = all["items"].as_array().unwrap().iter().find(|c| c["id"] == json!(cid)).unwrap().clone();
    assert_eq!(thread["replies"].as_array().unwrap().len(), 2);
    assert_eq!(thread["body"], "Logo much too small");
    let p1 = t.owner.get_ok(&format!("{path}?limit=3")).await;
    assert_eq!(p1["items"].as_array().unwrap().len(), 3);
    let p2 = t.owner.get_ok(&format!("{path}?limit=3&cursor={}", s(&p1["next_cursor"]))).await;
    assert_eq!(p2["items"].as_array().unwrap().len(), 1);
    assert_eq!(p2["items"][0]["frame"], 50);
    assert!(p2["next_cursor"].is_null());

    t.member.post_ok(&format!("/api/v1/comments/{cid}/resolve"), json!({}), StatusCode::OK).await;
    let open = t.owner.get_ok(&format!("{path}?state=open")).await;
    assert!(open["items"].as_array().unwrap().iter().all(|c| c["id"] != json!(cid)));
    let resolved = t.owner.get_ok(&format!("{path}?state=resolved")).await;
    assert_eq!(resolved["items"].as_array().unwrap().len(), 1);
    assert_eq!(resolved["items"][0]["resolved"], true);
    let drawn_only = t.owner.get_ok(&format!("{path}?has_annotation=true")).await;
    assert_eq!(drawn_only["items"].as_array().unwrap().len(), 1);
    let by_member = t.owner.get_ok(&format!("{path}?author={}", t.id("member"))).await;
    assert_eq!(by_member["items"][0]["body"], "Flash frame");
    expect(
        &t.owner,
        reqwest::Method::POST,
        &format!("/api/v1/comments/{}/resolve", s(&reply["id"])),
        None,
        StatusCode::BAD_REQUEST,
        "not-a-thread",
    )
    .await;
    t.member.post_ok(&format!("/api/v1/comments/{cid}/reopen"), json!({}), StatusCode::OK).await;

    // Deleting: the author, or an owner; never someone else.
    let rid = s(&range["id"]);
    expect(
        &t.reviewer,
        reqwest::Method::DELETE,
        &format!("/api/v1/comments/{rid}"),
        None,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(t.owner.delete(&format!("/api/v1/comments/{rid}")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(t.owner.get(&format!("/api/v1/comments/{rid}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(t.owner.get_ok(&path).await["items"].as_array().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn team_only_threads_stay_with_the_team_and_other_projects_stay_out_of_reach() {
    let t = Team::new().await;
    let v = t.video("cut.mov").await;
    let path = format!("/api/v1/versions/{}/comments", s(&v["id"]));
    let mut reviewer_stream = Stream::open(&t.reviewer, &format!("project={}", t.project), None).await;
    let mut owner_stream = Stream::open(&t.owner, &format!("project={}", t.project), None).await;

    let secret = t
        .owner
        .post_ok(&path, json!({"body": "Client hates blue", "frame": 5, "team_only": true}), StatusCode::CREATED)
        .await;
    let public = t.owner.post_ok(&path, json!({"body": "Trim the end", "frame": 6}), StatusCode::CREATED).await;
    let sid = s(&secret["id"]);

    // The member sees both; the reviewer only the public one, in lists, by id, in replies.
    assert_eq!(t.member.get_ok(&path).await["items"].as_array().unwrap().len(), 2);
    let seen = t.reviewer.get_ok(&path).await;
    assert_eq!(seen["items"].as_array().unwrap().len(), 1);
    assert_eq!(seen["items"][0]["id"], public["id"]);
    assert_eq!(t.reviewer.get(&format!("/api/v1/comments/{sid}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        t.reviewer.post(&format!("/api/v1/comments/{sid}/replies"), json!({"body": "?"})).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(t.reviewer.get(&format!("/api/v1/comments/{sid}/history")).await.0, StatusCode::NOT_FOUND);
    expect(
        &t.reviewer,
        reqwest::Method::POST,
        &path,
        Some(json!({"body": "psst", "frame": 1, "team_only": true})),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // A team-only thread cannot mention someone outside the team.
    let (st, b) = t
        .owner
        .post(&path, json!({"body": "fyi", "frame": 1, "team_only": true, "mentions": [t.id("reviewer")]}))
        .await;
    assert_eq!((st, b["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid-mention")));
    // The audit trail names team-only comments, so it is the team's alone.
    assert_eq!(t.reviewer.get(&format!("/api/v1/projects/{}/audit", t.project)).await.0, StatusCode::FORBIDDEN);

    // Streams: the owner's carries both; the reviewer's only the public one.
    let first = owner_stream.next(Duration::from_secs(5)).await.unwrap();
    let second = owner_stream.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(
        (first.data["payload"]["id"].clone(), second.data["payload"]["id"].clone()),
        (secret["id"].clone(), public["id"].clone())
    );
    let only = reviewer_stream.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(only.kind, "comment.created");
    assert_eq!(only.data["payload"]["id"], public["id"]);
    assert!(reviewer_stream.next(Duration::from_millis(600)).await.is_none());

    // A reviewer of another project: everything here is 404.
    let vid = s(&v["id"]);
    for p in [
        format!("/api/v1/versions/{vid}/comments"),
        format!("/api/v1/comments/{}", s(&public["id"])),
        format!("/api/v1/versions/{vid}/review"),
    ] {
        assert_eq!(t.outsider.get(&p).await.0, StatusCode::NOT_FOUND, "{p}");
    }
    assert_eq!(t.outsider.post(&path, json!({"body": "hi", "frame": 1})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        t.outsider.post(&format!("/api/v1/versions/{vid}/decisions"), json!({"decision": "approved"})).await.0,
        StatusCode::NOT_FOUND
    );
}

fn keys_from(v: &Value) -> Vec<PublicKey> {
    serde_json::from_value(v.clone()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_approvals_lock_the_version_and_the_lock_refuses_every_change() {
    let t = Team::new().await;
    let v1 = t.video("final.mov").await;
    let (vid, asset) = (s(&v1["id"]).to_owned(), s(&v1["asset_id"]).to_owned());
    let comments = format!("/api/v1/versions/{vid}/comments");
    let early = t.reviewer.post_ok(&comments, json!({"body": "Nice", "frame": 3}), StatusCode::CREATED).await;
    let approvers = format!("/api/v1/assets/{asset}/approvers");
    let both = json!({"user_ids": [t.id("owner"), t.id("reviewer")]});

    // Naming approvers is the team's; they must be able to see the project.
    assert_eq!(
        t.reviewer.send(t.reviewer.request(reqwest::Method::PUT, &approvers).json(&both)).await.0,
        StatusCode::FORBIDDEN
    );
    let (st, b) = t
        .member
        .send(t.member.request(reqwest::Method::PUT, &approvers).json(&json!({"user_ids": [t.id("outsider")]})))
        .await;
    assert_eq!((st, b["code"].as_str()), (StatusCode::BAD_REQUEST, Some("approver-not-member")));
    let (st, list) = t.member.send(t.member.request(reqwest::Method::PUT, &approvers).json(&both)).await;
    assert_eq!(st, StatusCode::OK, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 2);

    let decide = format!("/api/v1/versions/{vid}/decisions");
    let r = t.reviewer.post_ok(&decide, json!({"decision": "approved", "note": "Ship it"}), StatusCode::CREATED).await;
    assert_eq!((r["review_status"].as_str(), r["locked"].as_bool()), (Some("approved"), Some(false)));
    let r = t.owner.post_ok(&decide, json!({"decision": "approved_with_changes"}), StatusCode::CREATED).await;
    assert_eq!((r["review_status"].as_str(), r["locked"].as_bool()), (Some("approved_with_changes"), Some(false)));
    // A non-required reviewer's objection wins the aggregate, but does not block the lock.
    let r = t.member.post_ok(&decide, json!({"decision": "changes_requested"}), StatusCode::CREATED).await;
    assert_eq!(r["review_status"], "changes_requested");
    let r = t.member.post_ok(&decide, json!({"decision": "approved"}), StatusCode::CREATED).await;
    assert_eq!(r["review_status"], "approved_with_changes");
    let r = t.owner.post_ok(&decide, json!({"decision": "approved"}), StatusCode::CREATED).await;
    assert_eq!((r["review_status"].as_str(), r["locked"].as_bool()), (Some("approved"), Some(true)), "{r}");
    assert_eq!(r["lock"]["kind"], "approvals");
    assert_eq!(r["lock"]["sha256"], v1["sha256"]);
    assert_eq!(r["receipts"].as_array().unwrap().len(), 1);

    // The receipt names the bytes and the approvers, and verifies against the published key.
    let receipt = t.reviewer.get_ok(&format!("/api/v1/versions/{vid}/receipt")).await;
    let keys = keys_from(&Api::anonymous(&t.srv.url).get_ok("/api/v1/keys").await);
    let body = signing::verify_document(&keys, "receipt", &receipt).unwrap();
    assert_eq!(body["version"]["sha256"], v1["sha256"]);
    assert_eq!(body["version"]["filename"], "final.mov");
    assert_eq!(body["asset"]["name"], "final");
    let names: Vec<&str> = body["approvers"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"rex") && names.contains(&"Olivia Owner"), "{names:?}");
    assert!(body["audit_head"]["seq"].as_i64().unwrap() > 0);
    let mut forged = receipt.clone();
    forged["receipt"]["version"]["sha256"] = json!("0".repeat(64));
    assert!(signing::verify_document(&keys, "receipt", &forged).is_err());

    // Everything that would change the sealed version is refused with 409 version-locked.
    use reqwest::Method as M;
    let cid = s(&early["id"]).to_owned();
    let locked = StatusCode::CONFLICT;
    let cases: Vec<(M, String, Option<Value>)> = vec![
        (M::POST, comments.clone(), Some(json!({"body": "late", "frame": 1}))),
        (M::POST, format!("/api/v1/comments/{cid}/replies"), Some(json!({"body": "late"}))),
        (M::PATCH, format!("/api/v1/comments/{cid}"), Some(json!({"body": "edited"}))),
        (M::POST, format!("/api/v1/comments/{cid}/resolve"), None),
        (M::POST, format!("/api/v1/comments/{cid}/reopen"), None),
        (M::DELETE, format!("/api/v1/comments/{cid}"), None),
        (M::POST, decide.clone(), Some(json!({"decision": "rejected"}))),
        (M::DELETE, format!("/api/v1/versions/{vid}"), None),
        (M::PATCH, format!("/api/v1/versions/{vid}"), Some(json!({"start_timecode": "00:00:00;00"}))),
        (M::DELETE, format!("/api/v1/assets/{asset}"), None),
        (M::DELETE, format!("/api/v1/folders/{}", t.folder), None),
        (M::DELETE, format!("/api/v1/projects/{}", t.project), None),
    ];
    for (m, p, b) in cases {
        // The comment is the reviewer's own, so only the lock stands in the way of its edit.
        let who = if p == format!("/api/v1/comments/{cid}") && m == M::PATCH { &t.reviewer } else { &t.owner };
        expect(who, m, &p, b, locked, "version-locked").await;
    }
    let other_asset =
        t.owner.post_ok("/api/v1/assets", json!({"folder_id": t.folder, "name": "Other"}), StatusCode::CREATED).await;
    expect(
        &t.owner,
        M::POST,
        &format!("/api/v1/versions/{vid}/move"),
        Some(json!({"asset_id": other_asset["id"]})),
        locked,
        "version-locked",
    )
    .await;

    // A new version joins the stack but the sealed one stays current.
    let v2 = t.next_version(&asset, "final_v2.mov").await;
    assert_eq!(v2["current"], false);
    assert_eq!(t.owner.get_ok(&format!("/api/v1/assets/{asset}")).await["current_version_id"], v1["id"]);
    expect(&t.owner, M::POST, &format!("/api/v1/versions/{}/current", s(&v2["id"])), None, locked, "version-locked")
        .await;

    // Unlocking is for owners and admins, with a reason; it cancels the required approvals.
    let unlock = format!("/api/v1/versions/{vid}/unlock");
    assert_eq!(t.member.post(&unlock, json!({"reason": "typo"})).await.0, StatusCode::FORBIDDEN);
    expect(&t.owner, M::POST, &unlock, Some(json!({"reason": " "})), StatusCode::BAD_REQUEST, "reason-required").await;
    let r = t.owner.post_ok(&unlock, json!({"reason": "Legal found a typo in the super"}), StatusCode::OK).await;
    assert_eq!(r["locked"], false);
    assert!(r["required_approvers"].as_array().unwrap().iter().all(|a| a["decision"].is_null()), "{r}");
    assert_eq!(r["review_status"], "approved", "the member's approval still stands: {r}");
    let history = t.owner.get_ok(&decide).await;
    assert_eq!(history["items"].as_array().unwrap().iter().filter(|d| d["cancelled_at"].is_string()).count(), 2);
    t.reviewer.post_ok(&comments, json!({"body": "Typo at the end", "frame": 55}), StatusCode::CREATED).await;

    // Approving again seals it again, with a second receipt.
    t.reviewer.post_ok(&decide, json!({"decision": "approved"}), StatusCode::CREATED).await;
    let r = t.owner.post_ok(&decide, json!({"decision": "approved"}), StatusCode::CREATED).await;
    assert_eq!((r["locked"].as_bool(), r["receipts"].as_array().unwrap().len()), (Some(true), 2));

    // Superseding: owners and admins make a newer version current; the old one stays sealed.
    let sup = format!("/api/v1/versions/{vid}/supersede");
    assert_eq!(
        t.member.post(&sup, json!({"version_id": v2["id"], "reason": "v2 has the fix"})).await.0,
        StatusCode::FORBIDDEN
    );
    let r = t
        .owner
        .post_ok(&sup, json!({"version_id": v2["id"], "reason": "v2 has the new end card"}), StatusCode::OK)
        .await;
    assert_eq!((r["locked"].as_bool(), r["current"].as_bool()), (Some(true), Some(false)));
    assert_eq!(t.owner.get_ok(&format!("/api/v1/assets/{asset}")).await["current_version_id"], v2["id"]);

    // With no approvals, an admin or owner may lock by hand; the receipt names who.
    let v2id = s(&v2["id"]).to_owned();
    assert_eq!(
        t.member.post(&format!("/api/v1/versions/{v2id}/lock"), json!({"reason": "done"})).await.0,
        StatusCode::FORBIDDEN
    );
    let r = t
        .owner
        .post_ok(&format!("/api/v1/versions/{v2id}/lock"), json!({"reason": "Signed off by phone"}), StatusCode::OK)
        .await;
    assert_eq!(r["lock"]["kind"], "manual");
    let receipt = t.owner.get_ok(&format!("/api/v1/versions/{v2id}/receipt")).await;
    let body = signing::verify_document(&keys, "receipt", &receipt).unwrap();
    assert_eq!(body["lock"]["locked_by"]["name"], "Olivia Owner");
    assert_eq!(
        t.owner.get(&format!("/api/v1/versions/{vid}/receipt?receipt={}", s(&r["receipts"][0]["id"]))).await.0,
        StatusCode::NOT_FOUND
    );

    // The audit trail kept it all, in order, each entry linked to the one before.
    let audit = t.owner.get_ok(&format!("/api/v1/assets/{asset}/audit?limit=200")).await;
    let actions: Vec<&str> =
        audit["items"].as_array().unwrap().iter().rev().map(|e| e["action"].as_str().unwrap()).collect();
    for want in [
        "version.added",
        "comment.created",
        "asset.approvers_changed",
        "decision.recorded",
        "version.locked",
        "version.unlocked",
        "version.superseded",
    ] {
        assert!(actions.contains(&want), "{want} missing from {actions:?}");
    }
    let unlocked = audit["items"].as_array().unwrap().iter().find(|e| e["action"] == "version.unlocked").unwrap();
    assert_eq!(unlocked["details"]["reason"], "Legal found a typo in the super");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stacks_reorder_switch_current_move_delete_and_compare() {
    let t = Team::new().await;
    let v1 = t.video("spot.mov").await;
    let asset = s(&v1["asset_id"]).to_owned();
    let v2 = t.next_version(&asset, "spot_v2.mov").await;
    let v3 = t.next_version(&asset, "spot_v3.mov").await;
    let (id1, id2, id3) = (s(&v1["id"]).to_owned(), s(&v2["id"]).to_owned(), s(&v3["id"]).to_owned());
    assert_eq!(t.owner.get_ok(&format!("/api/v1/assets/{asset}")).await["current_version_id"], v3["id"]);

    // Reorder: every version exactly once.
    let order = format!("/api/v1/assets/{asset}/versions/order");
    let put = |api: &Api, body: Value| {
        let api = api.clone();
        let order = order.clone();
        async move { api.send(api.request(reqwest::Method::PUT, &order).json(&body)).await }
    };
    assert_eq!(put(&t.reviewer, json!({"version_ids": [id1, id3, id2]})).await.0, StatusCode::FORBIDDEN);
    let (st, b) = put(&t.member, json!({"version_ids": [id1, id3]})).await;
    assert_eq!((st, b["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid-order")));
    let (st, b) = put(&t.member, json!({"version_ids": [id1, id3, id2]})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let listed: Vec<String> = t.owner.get_ok(&format!("/api/v1/assets/{asset}/versions")).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| s(&v["id"]).to_owned())
        .collect();
    assert_eq!(listed, [id1.clone(), id3.clone(), id2.clone()]);

    // Current: one at a time.
    let cur = t.member.post_ok(&format!("/api/v1/versions/{id2}/current"), json!({}), StatusCode::OK).await;
    assert_eq!(cur["current"], true);
    let versions = t.owner.get_ok(&format!("/api/v1/assets/{asset}/versions")).await;
    assert_eq!(versions["items"].as_array().unwrap().iter().filter(|v| v["current"] == true).count(), 1);

    // Compare v1 and v2: same rate, frames line up, the older one's open threads.
    let c1 = t
        .owner
        .post_ok(&format!("/api/v1/versions/{id1}/comments"), json!({"body": "open", "frame": 12}), StatusCode::CREATED)
        .await;
    let c2 = t
        .owner
        .post_ok(&format!("/api/v1/versions/{id1}/comments"), json!({"body": "done", "frame": 13}), StatusCode::CREATED)
        .await;
    t.owner.post_ok(&format!("/api/v1/comments/{}/resolve", s(&c2["id"])), json!({}), StatusCode::OK).await;
    let cmp = t.reviewer.get_ok(&format!("/api/v1/assets/{asset}/compare?a={id2}&b={id1}")).await;
    assert_eq!((cmp["older"]["id"].clone(), cmp["newer"]["id"].clone()), (json!(id1), json!(id2)));
    assert_eq!((cmp["same_rate"].as_bool(), cmp["common_frames"].as_i64()), (Some(true), Some(60)));
    assert!(cmp["older"]["renditions"].as_array().unwrap().iter().any(|r| r["url"].is_string()));
    let open: Vec<&Value> = cmp["older_open_comments"].as_array().unwrap().iter().map(|c| &c["id"]).collect();
    assert_eq!(open, [&c1["id"]]);
    let other =
        t.owner.post_ok("/api/v1/assets", json!({"folder_id": t.folder, "name": "Banner"}), StatusCode::CREATED).await;
    let bid = s(&other["id"]).to_owned();
    let (st, b) = t.owner.get(&format!("/api/v1/assets/{bid}/compare?a={id1}&b={id2}")).await;
    assert_eq!((st, b["code"].as_str()), (StatusCode::BAD_REQUEST, Some("not-in-stack")));

    // Move v3 onto another stack: it is that stack's v1 and current there.
    assert_eq!(
        t.reviewer.post(&format!("/api/v1/versions/{id3}/move"), json!({"asset_id": bid})).await.0,
        StatusCode::FORBIDDEN
    );
    let moved =
        t.member.post_ok(&format!("/api/v1/versions/{id3}/move"), json!({"asset_id": bid}), StatusCode::OK).await;
    assert_eq!(
        (moved["number"].as_i64(), moved["current"].as_bool(), moved["asset_id"].as_str()),
        (Some(1), Some(true), Some(bid.as_str()))
    );
    assert_eq!(t.owner.get_ok(&format!("/api/v1/assets/{asset}/versions")).await["items"].as_array().unwrap().len(), 2);

    // Delete the current v2: the top of what is left (v1) becomes current; storage use drops.
    let before = t.owner.get_ok(&format!("/api/v1/workspaces/{}", t.ws)).await;
    assert_eq!(t.reviewer.delete(&format!("/api/v1/versions/{id2}")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(t.member.delete(&format!("/api/v1/versions/{id2}")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(t.owner.get(&format!("/api/v1/versions/{id2}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(t.owner.get_ok(&format!("/api/v1/assets/{asset}")).await["current_version_id"], v1["id"]);
    let after = t.owner.get_ok(&format!("/api/v1/workspaces/{}", t.ws)).await;
    assert!(
        after["storage"]["originals_bytes"].as_i64().unwrap() < before["storage"]["originals_bytes"].as_i64().unwrap(),
        "{before} {after}"
    );

    // A member's timecode override relabels every comment.
    let v = t.member.patch(&format!("/api/v1/versions/{id1}"), json!({"start_timecode": "00:59:59;00"})).await;
    assert_eq!(v.0, StatusCode::OK, "{}", v.1);
    assert_eq!(v.1["timecode"]["overridden"], true);
    let c = t.owner.get_ok(&format!("/api/v1/comments/{}", s(&c1["id"]))).await;
    assert_eq!(c["timecode"], "00:59:59;12");
    let (st, b) = t.member.patch(&format!("/api/v1/versions/{id1}"), json!({"start_timecode": "00:01:00;00"})).await;
    assert_eq!((st, b["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid-timecode")));
    let v = t.member.patch(&format!("/api/v1/versions/{id1}"), json!({"start_timecode": null})).await;
    assert_eq!(v.1["timecode"]["start"], "01:00:00;00");
    // Counting without drop-frame keeps the source's start: only the separator changes.
    let v = t.member.patch(&format!("/api/v1/versions/{id1}"), json!({"drop_frame": false})).await;
    assert_eq!((v.0, v.1["timecode"]["start"].as_str()), (StatusCode::OK, Some("01:00:00:00")), "{}", v.1);
    assert_eq!(t.owner.get_ok(&format!("/api/v1/comments/{}", s(&c1["id"]))).await["timecode"], "01:00:00:12");
}

/// A member commenting again reuses what they reached a moment ago (the version, its project,
/// their role), but never past a change: each change below lands between two comments, well
/// within the reuse time, and the next comment sees it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comment_made_right_after_a_change_sees_the_change() {
    let t = Team::new().await;
    let v = t.video("recut.mov").await;
    let path = format!("/api/v1/versions/{}/comments", s(&v["id"]));
    let at = |frame: i64| json!({"body": "note", "frame": frame});
    let c = t.owner.post_ok(&path, at(12), StatusCode::CREATED).await;
    assert_eq!(c["timecode"], "01:00:00;12");
    // The version: its start timecode.
    let (st, b) =
        t.member.patch(&format!("/api/v1/versions/{}", s(&v["id"])), json!({"start_timecode": "00:59:59;00"})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let c = t.owner.post_ok(&path, at(12), StatusCode::CREATED).await;
    assert_eq!(c["timecode"], "00:59:59;12", "{c}");
    // The project: archived, then not.
    let project = format!("/api/v1/projects/{}", t.project);
    assert_eq!(t.owner.patch(&project, json!({"archived": true})).await.0, StatusCode::OK);
    expect(&t.owner, reqwest::Method::POST, &path, Some(at(1)), StatusCode::CONFLICT, "project-archived").await;
    assert_eq!(t.owner.patch(&project, json!({"archived": false})).await.0, StatusCode::OK);
    t.owner.post_ok(&path, at(1), StatusCode::CREATED).await;
    // A role: the member, made a reviewer, no longer writes team-only threads.
    let team_only = json!({"body": "internal", "frame": 2, "team_only": true});
    t.member.post_ok(&path, team_only.clone(), StatusCode::CREATED).await;
    t.member
        .post_ok(
            &format!("/api/v1/projects/{}/members", t.project),
            json!({"user_id": t.id("member")}),
            StatusCode::CREATED,
        )
        .await;
    let member = format!("/api/v1/workspaces/{}/members/{}", t.ws, t.id("member"));
    assert_eq!(t.owner.patch(&member, json!({"role": "reviewer"})).await.0, StatusCode::OK);
    expect(&t.member, reqwest::Method::POST, &path, Some(team_only), StatusCode::FORBIDDEN, "forbidden").await;
    // A project membership: the reviewer, taken off the project, reaches nothing there.
    t.reviewer.post_ok(&path, at(3), StatusCode::CREATED).await;
    let off = format!("/api/v1/projects/{}/members/{}", t.project, t.id("reviewer"));
    assert_eq!(t.owner.delete(&off).await.0, StatusCode::NO_CONTENT);
    expect(&t.reviewer, reqwest::Method::POST, &path, Some(at(3)), StatusCode::NOT_FOUND, "not-found").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_threads_carry_forward_onto_the_next_cut_with_a_link_back() {
    let t = Team::new().await;
    let v1 = t.video("teaser.mov").await;
    let (id1, asset) = (s(&v1["id"]).to_owned(), s(&v1["asset_id"]).to_owned());
    let path = format!("/api/v1/versions/{id1}/comments");
    let drawing =
        json!({"shapes": [{"type": "ellipse", "color": "#ff0", "width": 3, "points": [[0.2, 0.2], [0.6, 0.7]]}]});
    let a = t
        .reviewer
        .post_ok(&path, json!({"body": "Circle this", "frame": 20, "annotation": drawing}), StatusCode::CREATED)
        .await;
    let b = t
        .owner
        .post_ok(
            &path,
            json!({"body": "Internal: swap music", "frame": 25, "frame_out": 40, "team_only": true}),
            StatusCode::CREATED,
        )
        .await;
    let done = t.owner.post_ok(&path, json!({"body": "Fixed already", "frame": 2}), StatusCode::CREATED).await;
    t.owner.post_ok(&format!("/api/v1/comments/{}/resolve", s(&done["id"])), json!({}), StatusCode::OK).await;
    let v2 = t.next_version(&asset, "teaser_v2.mov").await;
    let id2 = s(&v2["id"]).to_owned();
    let carry = format!("/api/v1/versions/{id2}/carry-forward");
    assert_eq!(t.reviewer.post(&carry, json!({})).await.0, StatusCode::FORBIDDEN);

    let r = t.member.post_ok(&carry, json!({}), StatusCode::OK).await;
    assert_eq!(r["from_version_id"], json!(id1));
    let carried = r["carried"].as_array().unwrap();
    assert_eq!(carried.len(), 2, "{r}");
    let drawn = carried.iter().find(|c| c["carried_from"] == a["id"]).unwrap();
    assert_eq!((drawn["frame"].as_i64(), drawn["body"].as_str()), (Some(20), Some("Circle this")));
    assert_eq!(drawn["annotation"], a["annotation"]);
    assert_eq!(drawn["author"]["name"], "rex");
    let internal = carried.iter().find(|c| c["carried_from"] == b["id"]).unwrap();
    assert_eq!((internal["frame_out"].as_i64(), internal["team_only"].as_bool()), (Some(40), Some(true)));
    // The originals stay where they were; the reviewer sees only the public carried thread.
    assert_eq!(t.owner.get_ok(&path).await["items"].as_array().unwrap().len(), 3);
    assert_eq!(
        t.reviewer.get_ok(&format!("/api/v1/versions/{id2}/comments")).await["items"].as_array().unwrap().len(),
        1
    );

    // Again: nothing is carried twice.
    let again = t.member.post_ok(&carry, json!({}), StatusCode::OK).await;
    assert_eq!(again["carried"].as_array().unwrap().len(), 0);
    assert!(again["skipped"].as_array().unwrap().iter().all(|s| s["reason"] == "already-carried"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_stream_carries_comments_decisions_and_the_lock_in_order() {
    let t = Team::new().await;
    let v = t.video("live.mov").await;
    let (vid, asset) = (s(&v["id"]).to_owned(), s(&v["asset_id"]).to_owned());
    let mut stream = Stream::open(&t.owner, &format!("project={}", t.project), None).await;
    t.owner
        .send(
            t.owner
                .request(reqwest::Method::PUT, &format!("/api/v1/assets/{asset}/approvers"))
                .json(&json!({"user_ids": [t.id("reviewer")]})),
        )
        .await;
    let c = t
        .reviewer
        .post_ok(
            &format!("/api/v1/versions/{vid}/comments"),
            json!({"body": "Love it", "frame": 7}),
            StatusCode::CREATED,
        )
        .await;
    t.reviewer.post_ok(&format!("/api/v1/comments/{}/resolve", s(&c["id"])), json!({}), StatusCode::OK).await;
    t.reviewer
        .post_ok(&format!("/api/v1/versions/{vid}/decisions"), json!({"decision": "approved"}), StatusCode::CREATED)
        .await;

    let mut kinds = Vec::new();
    let mut last = 0;
    while let Some(e) = stream.next(Duration::from_secs(3)).await {
        assert!(e.id > last, "events arrive in order");
        last = e.id;
        kinds.push(e.kind.clone());
        if e.kind == "version.locked" {
            assert_eq!(e.data["payload"]["kind"], "approvals");
            assert_eq!(e.data["version_id"], json!(vid));
            break;
        }
    }
    let review: Vec<&str> = kinds.iter().map(String::as_str).filter(|k| !k.starts_with("version.progress")).collect();
    assert_eq!(
        review,
        ["asset.approvers_changed", "comment.created", "comment.resolved", "decision.recorded", "version.locked"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_clients_posting_at_once_lose_nothing_and_a_live_viewer_sees_all_500() {
    const CLIENTS: usize = 20;
    const EACH: usize = 25;
    let t = Team::new().await;
    let v = t.video("deadline.mov").await;
    let vid = s(&v["id"]).to_owned();
    let mut viewer = Stream::open(&t.reviewer, &format!("asset={}", s(&v["asset_id"])), None).await;
    let mut clients = Vec::new();
    for i in 0..CLIENTS {
        let token = t
            .owner
            .post_ok("/api/v1/account/tokens", json!({"name": format!("client {i}")}), StatusCode::CREATED)
            .await;
        clients.push(Api::token(&t.srv.url, s(&token["token"])));
    }
    let start = tokio::sync::Barrier::new(CLIENTS);
    let start = std::sync::Arc::new(start);
    let mut tasks = Vec::new();
    for (i, api) in clients.into_iter().enumerate() {
        let (vid, start) = (vid.clone(), start.clone());
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let mut ids = Vec::new();
            for k in 0..EACH {
                let (st, b) = api
                    .post(
                        &format!("/api/v1/versions/{vid}/comments"),
                        json!({"body": format!("client {i} note {k}"), "frame": (i * EACH + k) % 60}),
                    )
                    .await;
                assert_eq!(st, StatusCode::CREATED, "{b}");
                ids.push(b["id"].as_str().unwrap().to_owned());
            }
            ids
        }));
    }
    let mut acknowledged = std::collections::HashSet::new();
    for task in tasks {
        for id in task.await.unwrap() {
            assert!(acknowledged.insert(id), "a comment id was handed out twice");
        }
    }
    assert_eq!(acknowledged.len(), CLIENTS * EACH);

    // Stored exactly once each: page through the version.
    let mut stored = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = cursor.as_ref().map(|c| format!("&cursor={c}")).unwrap_or_default();
        let page = t.owner.get_ok(&format!("/api/v1/versions/{vid}/comments?limit=200{q}")).await;
        stored.extend(page["items"].as_array().unwrap().iter().map(|c| s(&c["id"]).to_owned()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(stored.len(), CLIENTS * EACH);
    assert_eq!(stored.iter().cloned().collect::<std::collections::HashSet<_>>(), acknowledged);

    // The live viewer received every one.
    let mut seen = std::collections::HashSet::new();
    while seen.len() < CLIENTS * EACH {
        let Some(e) = viewer.next(Duration::from_secs(10)).await else { break };
        if e.kind == "comment.created" {
            seen.insert(s(&e.data["payload"]["id"]).to_owned());
        }
    }
    assert_eq!(seen, acknowledged);
}
