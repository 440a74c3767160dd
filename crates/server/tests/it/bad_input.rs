//! Bad input gets a 4xx with a stable code in the error shape, and leaves nothing behind.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::kit::{Api, TestServer, ids};

async fn raw(
    api: &Api,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Value, Option<String>) {
    let mut r = api.request(method, path).body(body);
    if let Some(ct) = content_type {
        r = r.header("content-type", ct);
    }
    let resp = r.send().await.unwrap();
    let status = resp.status();
    let header_id = resp.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_owned());
    let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null);
    (status, body, header_id)
}

#[tokio::test]
async fn bad_bodies_get_stable_codes_and_write_nothing() {
    let srv = TestServer::start().await;
    let (owner, ws) = srv.owner().await;
    let ws = ws["id"].as_str().unwrap().to_owned();
    let long = "x".repeat(256);
    let ten_mb = format!("{{\"workspace_id\":\"{ws}\",\"name\":\"{}\"}}", "y".repeat(10 * 1024 * 1024));
    // (what, content type, body, expected status, expected code)
    type Case<'a> = (&'a str, Option<&'a str>, Vec<u8>, StatusCode, &'a str);
    let cases: Vec<Case> = vec![
        (
            "malformed JSON",
            Some("application/json"),
            b"{\"name\": ".to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed-json",
        ),
        ("not JSON at all", Some("application/json"), b"name=x".to_vec(), StatusCode::BAD_REQUEST, "malformed-json"),
        (
            "wrong type",
            Some("application/json"),
            json!({"workspace_id": ws, "name": 5}).to_string().into_bytes(),
            StatusCode::BAD_REQUEST,
            "invalid-body",
        ),
        (
            "id that is not a uuid",
            Some("application/json"),
            json!({"workspace_id": "nope", "name": "x"}).to_string().into_bytes(),
            StatusCode::BAD_REQUEST,
            "invalid-body",
        ),
        (
            "unknown field",
            Some("application/json"),
            json!({"workspace_id": ws, "name": "x", "owner": "me"}).to_string().into_bytes(),
            StatusCode::BAD_REQUEST,
            "invalid-body",
        ),
        (
            "missing field",
            Some("application/json"),
            json!({"workspace_id": ws}).to_string().into_bytes(),
            StatusCode::BAD_REQUEST,
            "invalid-body",
        ),
        (
            "over-long name",
            Some("application/json"),
            json!({"workspace_id": ws, "name": long}).to_string().into_bytes(),
            StatusCode::BAD_REQUEST,
            "field-too-long",
        ),
        (
            "empty name",
            Some("application/json"),
            json!({"workspace_id": ws, "name": "   "}).to_string().into_bytes(),
            StatusCode::BAD_REQUEST,
            "empty-field",
        ),
        (
            "control characters",
            Some("application/json"),
            json!({"workspace_id": ws, "name": "a\u{7}b"}).to_string().into_bytes(),
            StatusCode::BAD_REQUEST,
            "invalid-characters",
        ),
        (
            "no content type",
            None,
            json!({"workspace_id": ws, "name": "x"}).to_string().into_bytes(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
        ),
        ("10 MB body", Some("application/json"), ten_mb.into_bytes(), StatusCode::PAYLOAD_TOO_LARGE, "body-too-large"),
    ];
    for (what, ct, body, status, code) in cases {
        let (s, b, header_id) = raw(&owner, Method::POST, "/api/v1/projects", ct, body).await;
        assert_eq!((s, b["code"].as_str()), (status, Some(code)), "{what}: {b}");
        assert!(b["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: a readable message");
        assert_eq!(
            b["request_id"].as_str(),
            header_id.as_deref(),
            "{what}: the request id is in the body and the header"
        );
    }
    // None of that created a project.
    assert!(ids(&owner.get_ok(&format!("/api/v1/projects?workspace={ws}")).await).is_empty());
}

#[tokio::test]
async fn bad_ids_and_routes_get_stable_codes() {
    let srv = TestServer::start().await;
    let (owner, _) = srv.owner().await;
    for path in [
        "/api/v1/projects/not-a-uuid",
        "/api/v1/folders/123",
        "/api/v1/assets/%00",
        "/api/v1/workspaces/zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
    ] {
        let (s, b) = owner.get(path).await;
        assert_eq!((s, b["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid-id")), "{path}");
    }
    let (s, b) = owner.get("/api/v1/projects/0193a3d2-0000-7000-8000-000000000000").await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::NOT_FOUND, Some("not-found")));
    let (s, b) = owner.get("/api/v1/nothing-here").await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::NOT_FOUND, Some("route-not-found")));
    let (s, b) = owner.send(owner.request(Method::PUT, "/api/v1/projects")).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::METHOD_NOT_ALLOWED, Some("method-not-allowed")));
    let (s, b) = Api::anonymous(&srv.url).get("/api/v1/account").await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")));
    let (s, b) = Api::token(&srv.url, "fpt_forged").get("/api/v1/account").await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")));
}

#[tokio::test]
async fn every_route_answers_bad_json_with_the_error_shape() {
    let srv = TestServer::start().await;
    let (owner, ws) = srv.owner().await;
    let ws = ws["id"].as_str().unwrap().to_owned();
    let p = owner.create_project(&ws, "P").await;
    let pid = p["id"].as_str().unwrap();
    let fid = p["root_folder_id"].as_str().unwrap();
    let doc = owner.get_ok("/api/v1/openapi.json").await;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op.get("requestBody").is_none() {
                continue;
            }
            let concrete = path.replace("{id}", pid).replace("{user_id}", pid);
            let concrete = if concrete.starts_with("/api/v1/folders/") { path.replace("{id}", fid) } else { concrete };
            let (s, b, _) = raw(
                &owner,
                method.to_uppercase().parse().unwrap(),
                &concrete,
                Some("application/json"),
                b"{\"oops".to_vec(),
            )
            .await;
            assert!(s.is_client_error(), "{method} {path}: {s}");
            assert!(b["code"].is_string() && b["request_id"].is_string(), "{method} {path}: {b}");
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} routes take a body?");
}
