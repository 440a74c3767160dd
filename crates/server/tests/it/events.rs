//! The events stream: resumable with Last-Event-ID, nothing missed or repeated, and nobody
//! sees another workspace's events.

use std::time::Duration;

use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::json;

use crate::kit::{Api, Stream, TestServer};

#[tokio::test]
async fn reconnecting_with_last_event_id_gets_exactly_the_missed_events() {
    let srv = TestServer::start().await;
    let (owner, ws) = srv.owner().await;
    let ws = ws["id"].as_str().unwrap().to_owned();
    let mut stream = Stream::open(&owner, &format!("workspace={ws}"), None).await;
    let project = owner.create_project(&ws, "Live").await;
    let first = stream.next(Duration::from_secs(5)).await.expect("the project.created event");
    assert_eq!(first.kind, "project.created");
    assert_eq!(first.data["type"], "project.created");
    assert_eq!(first.data["id"], first.id);
    assert_eq!(first.data["workspace_id"], ws);
    assert_eq!(first.data["project_id"], project["id"]);
    assert_eq!(first.data["payload"]["name"], "Live");
    assert_eq!(first.data["actor"]["name"], "Olivia Owner");
    assert!(first.data["at"].as_str().unwrap().ends_with('Z'));
    drop(stream);

    // Five changes while disconnected.
    let mut made = Vec::new();
    for i in 0..5 {
        let f = owner
            .post_ok(
                "/api/v1/folders",
                json!({"parent_id": project["root_folder_id"], "name": format!("missed {i}")}),
                StatusCode::CREATED,
            )
            .await;
        made.push(f["id"].as_str().unwrap().to_owned());
    }
    let mut stream = Stream::open(&owner, &format!("workspace={ws}"), Some(first.id)).await;
    let mut got = Vec::new();
    for _ in 0..5 {
        let e = stream.next(Duration::from_secs(5)).await.expect("a missed event");
        assert_eq!(e.kind, "folder.created");
        got.push(e);
    }
    assert_eq!(got.iter().map(|e| e.data["payload"]["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>(), made);
    assert!(got.windows(2).all(|w| w[0].id < w[1].id));
    // Nothing repeated: the next event is the next change.
    assert!(stream.next(Duration::from_millis(1500)).await.is_none(), "no duplicates");
    owner.patch(&format!("/api/v1/projects/{}", project["id"].as_str().unwrap()), json!({"name": "Live 2"})).await;
    let next = stream.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(next.kind, "project.updated");
    assert!(next.id > got[4].id);

    // The query parameter works like the header (for EventSource polyfills).
    let mut again =
        Stream::open(&owner, &format!("project={}&last_event_id={}", project["id"].as_str().unwrap(), got[3].id), None)
            .await;
    assert_eq!(again.next(Duration::from_secs(5)).await.unwrap().id, got[4].id);
    assert_eq!(again.next(Duration::from_secs(5)).await.unwrap().id, next.id);
}

#[tokio::test]
async fn streams_carry_only_what_the_caller_may_see() {
    let srv = TestServer::start().await;
    let (owner, ws_a) = srv.owner().await;
    let ws_a = ws_a["id"].as_str().unwrap().to_owned();
    let ws_b = owner.post_ok("/api/v1/workspaces", json!({"name": "Beta"}), StatusCode::CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bob = srv.join(&owner, &ws_b, "bob@beta.example", "member", &[]).await;
    let seen_p = owner.create_project(&ws_a, "Shared with Rita").await;
    let rita = srv.join(&owner, &ws_a, "rita@client.example", "reviewer", &[seen_p["id"].as_str().unwrap()]).await;

    let (s, b) = bob.get(&format!("/api/v1/events?workspace={ws_a}")).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::NOT_FOUND, Some("not-found")));
    let mut bob_stream = Stream::open(&bob, &format!("workspace={ws_b}"), None).await;
    let mut rita_stream = Stream::open(&rita, &format!("workspace={ws_a}"), None).await;

    let hidden = owner.create_project(&ws_a, "Not for Rita").await;
    owner
        .post_ok("/api/v1/folders", json!({"parent_id": hidden["root_folder_id"], "name": "x"}), StatusCode::CREATED)
        .await;
    owner
        .post_ok(
            "/api/v1/folders",
            json!({"parent_id": seen_p["root_folder_id"], "name": "for rita"}),
            StatusCode::CREATED,
        )
        .await;
    owner.create_project(&ws_b, "Beta news").await;

    let e = bob_stream.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(
        (e.kind.as_str(), e.data["payload"]["name"].as_str()),
        ("project.created", Some("Beta news")),
        "B's first event is B's own"
    );
    assert!(bob_stream.next(Duration::from_millis(1200)).await.is_none());
    let e = rita_stream.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!(
        (e.kind.as_str(), e.data["payload"]["name"].as_str()),
        ("folder.created", Some("for rita")),
        "a reviewer sees only their projects"
    );
    assert!(rita_stream.next(Duration::from_millis(1200)).await.is_none());
}

#[tokio::test]
async fn stopping_the_server_closes_open_streams() {
    let mut srv = TestServer::start().await;
    let (owner, ws) = srv.owner().await;
    let mut stream = Stream::open(&owner, &format!("workspace={}", ws["id"].as_str().unwrap()), None).await;
    let running = srv.running.take().unwrap();
    tokio::time::timeout(Duration::from_secs(5), running.shutdown())
        .await
        .expect("shutdown waits for no stream")
        .unwrap();
    let end = tokio::time::timeout(Duration::from_secs(5), stream.body.next()).await.expect("the stream ended");
    assert!(end.is_none() || end.unwrap().is_err());
}

#[tokio::test]
async fn a_revoked_credential_ends_its_open_stream() {
    let srv = TestServer::start().await;
    let (owner, ws) = srv.owner().await;
    let ws = ws["id"].as_str().unwrap().to_owned();
    let token = owner.post_ok("/api/v1/account/tokens", json!({"name": "t"}), StatusCode::CREATED).await;
    let script = Api::token(&srv.url, token["token"].as_str().unwrap());
    let mut stream = Stream::open(&script, &format!("workspace={ws}"), None).await;
    owner.delete(&format!("/api/v1/account/tokens/{}", token["id"].as_str().unwrap())).await;
    owner.create_project(&ws, "after revoke").await;
    // Nothing made after the revocation is delivered, and the stream closes.
    let end = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let chunk = tokio::time::timeout_at(end, stream.body.next())
            .await
            .expect("the stream stayed open after its token was revoked");
        match chunk {
            None | Some(Err(_)) => break,
            Some(Ok(bytes)) => assert!(
                !String::from_utf8_lossy(&bytes).contains("after revoke"),
                "delivered an event after revocation"
            ),
        }
    }
}

#[tokio::test]
async fn a_demoted_member_s_stream_ends_instead_of_leaking_other_projects() {
    let srv = TestServer::start().await;
    let (owner, ws) = srv.owner().await;
    let ws = ws["id"].as_str().unwrap().to_owned();
    let member = srv.join(&owner, &ws, "mo@example.com", "member", &[]).await;
    let mut stream = Stream::open(&member, &format!("workspace={ws}"), None).await;
    let members = owner.get_ok(&format!("/api/v1/workspaces/{ws}/members")).await;
    let mo = members["items"].as_array().unwrap().iter().find(|m| m["email"] == "mo@example.com").unwrap()["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    owner.patch(&format!("/api/v1/workspaces/{ws}/members/{mo}"), json!({"role": "reviewer"})).await;
    owner.create_project(&ws, "Not shared with Mo").await;
    let end = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let chunk =
            tokio::time::timeout_at(end, stream.body.next()).await.expect("the stream stayed open after the demotion");
        match chunk {
            None | Some(Err(_)) => break,
            Some(Ok(bytes)) => {
                assert!(!String::from_utf8_lossy(&bytes).contains("Not shared with Mo"), "leaked a project event")
            }
        }
    }
}
