//! Sign-in, sessions, API tokens, rate limits, deactivation, CSRF, cookies, metrics access.

use reqwest::StatusCode;
use serde_json::json;

use crate::kit::{Api, PASSWORD, TestServer};

#[tokio::test]
async fn wrong_email_and_wrong_password_look_the_same() {
    let srv = TestServer::start().await;
    srv.owner().await;
    let anon = Api::browser(&srv.url);
    let (s1, b1) =
        anon.post("/api/v1/auth/login", json!({"email": "owner@example.com", "password": "wrong password!"})).await;
    let (s2, b2) = anon.post("/api/v1/auth/login", json!({"email": "nobody@example.com", "password": PASSWORD})).await;
    assert_eq!((s1, s2), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!((b1["code"].clone(), b1["message"].clone()), (b2["code"].clone(), b2["message"].clone()));
    assert_eq!(b1["code"], "invalid-credentials");
    let (s, user) = anon.post("/api/v1/auth/login", json!({"email": "OWNER@example.com", "password": PASSWORD})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(user["email"], "owner@example.com");
    assert_eq!(anon.get_ok("/api/v1/account").await["user"]["name"], "Olivia Owner");
    assert_eq!(anon.post("/api/v1/auth/logout", json!({})).await.0, StatusCode::NO_CONTENT);
    assert_eq!(anon.get("/api/v1/account").await.0, StatusCode::UNAUTHORIZED);
}

/// A browser-like client that says it comes from `ip` (the server trusts X-Forwarded-For here).
struct From {
    api: Api,
    ip: &'static str,
}

impl From {
    fn new(srv: &TestServer, ip: &'static str) -> Self {
        From { api: Api::browser(&srv.url), ip }
    }

    async fn login(&self, password: &str) -> reqwest::Response {
        self.api
            .request(reqwest::Method::POST, "/api/v1/auth/login")
            .header("x-forwarded-for", self.ip)
            .json(&json!({"email": "owner@example.com", "password": password}))
            .send()
            .await
            .unwrap()
    }

    async fn status(&self, password: &str) -> StatusCode {
        self.login(password).await.status()
    }
}

const WRONG: &str = "nope nope nope";

fn trusting_proxy(c: &mut frameproof_server::config::Config) {
    c.server.trust_forwarded_for = true;
    c.limits.login_failures_per_account_and_ip = 3;
    c.limits.login_failures_per_account = 6;
    c.limits.login_slow_interval_secs = 10;
    c.limits.login_failure_window_secs = 60;
}

#[tokio::test]
async fn an_attacker_guessing_from_one_address_stays_refused_but_the_owner_signs_in_from_another() {
    let srv = TestServer::start_with(trusting_proxy).await;
    srv.owner().await;
    let attacker = From::new(&srv, "203.0.113.7");
    for _ in 0..3 {
        assert_eq!(attacker.status(WRONG).await, StatusCode::UNAUTHORIZED);
    }
    // The attacker's own tries stay refused, even with the right password, and are not counted.
    for _ in 0..20 {
        let resp = attacker.login(WRONG).await;
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        assert_eq!(resp.json::<serde_json::Value>().await.unwrap()["code"], "too-many-attempts");
    }
    assert_eq!(attacker.status(PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
    // The owner, from a new browser at another address, is not kept out.
    let owner = From::new(&srv, "198.51.100.20");
    assert_eq!(owner.status(PASSWORD).await, StatusCode::OK);
    assert_eq!(owner.api.get_ok("/api/v1/account").await["user"]["email"], "owner@example.com");

    // After the window the attacker may try again, but a second burst backs off for longer.
    srv.clock.advance_ms(61_000);
    for _ in 0..3 {
        assert_eq!(attacker.status(WRONG).await, StatusCode::UNAUTHORIZED);
    }
    srv.clock.advance_ms(61_000);
    assert_eq!(attacker.status(WRONG).await, StatusCode::TOO_MANY_REQUESTS, "doubled back-off");
    srv.clock.advance_ms(60_000);
    assert_eq!(attacker.status(WRONG).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn guesses_from_many_addresses_slow_new_browsers_but_never_the_owners_known_one() {
    let srv = TestServer::start_with(trusting_proxy).await;
    srv.owner().await;
    // The owner signed in on this browser once: it is a known device from now on.
    let owner = From::new(&srv, "198.51.100.20");
    assert_eq!(owner.status(PASSWORD).await, StatusCode::OK);
    let resp = owner.login(PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::OK);

    // A botnet: two failures from each of many addresses, past the account's ceiling of six.
    let bots = ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"];
    for ip in bots {
        let bot = From::new(&srv, ip);
        for _ in 0..2 {
            let s = bot.status(WRONG).await;
            assert!(s == StatusCode::UNAUTHORIZED || s == StatusCode::TOO_MANY_REQUESTS, "{s}");
        }
    }
    // A new browser is slowed to one try per interval, not shut out...
    let stranger = From::new(&srv, "192.0.2.99");
    let resp = stranger.login(WRONG).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=10).contains(&retry), "{retry}");
    srv.clock.advance_ms(10_000);
    assert_eq!(stranger.status(WRONG).await, StatusCode::UNAUTHORIZED);
    assert_eq!(stranger.status(WRONG).await, StatusCode::TOO_MANY_REQUESTS);
    // ...while the owner's known browser signs in at once, from any address.
    assert_eq!(owner.status(PASSWORD).await, StatusCode::OK);
    let moved = From { api: owner.api, ip: "192.0.2.1" };
    assert_eq!(moved.status(PASSWORD).await, StatusCode::OK, "a known device is not held by its address");
}

#[tokio::test]
async fn the_known_device_cookie_is_httponly_strict_and_sent_only_to_sign_in() {
    let srv = TestServer::start().await;
    srv.owner().await;
    let resp = Api::anonymous(&srv.url)
        .request(reqwest::Method::POST, "/api/v1/auth/login")
        .json(&json!({"email": "owner@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let cookies: Vec<&str> = resp.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect();
    let device = cookies.iter().find(|c| c.starts_with("fp_device=")).expect("a known-device cookie");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/api/v1/auth", "Max-Age=34560000"] {
        assert!(device.contains(part), "{device}");
    }
    let token = device.split(';').next().unwrap().trim_start_matches("fp_device=");
    assert!(token.len() >= 32, "unguessable: {token}");
}

#[tokio::test]
async fn failed_sign_ins_are_still_counted_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let first = TestServer::start_with(|c| {
        trusting_proxy(c);
        c.server.data_dir = path.clone();
    })
    .await;
    first.owner().await;
    let attacker = From::new(&first, "203.0.113.7");
    for _ in 0..3 {
        assert_eq!(attacker.status(WRONG).await, StatusCode::UNAUTHORIZED);
    }
    let mut first = first;
    first.running.take().unwrap().shutdown().await.unwrap();

    let second = TestServer::start_with(|c| {
        trusting_proxy(c);
        c.server.data_dir = path.clone();
    })
    .await;
    let attacker = From::new(&second, "203.0.113.7");
    assert_eq!(attacker.status(PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(From::new(&second, "198.51.100.20").status(PASSWORD).await, StatusCode::OK);
}

#[tokio::test]
async fn failures_are_limited_per_client_address_across_accounts() {
    let srv = TestServer::start_with(|c| c.limits.login_failures_per_ip = 4).await;
    srv.owner().await;
    let anon = Api::browser(&srv.url);
    for i in 0..4 {
        let (s, _) = anon
            .post("/api/v1/auth/login", json!({"email": format!("guess{i}@example.com"), "password": "nope nope nope"}))
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let (s, b) = anon.post("/api/v1/auth/login", json!({"email": "owner@example.com", "password": PASSWORD})).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("too-many-attempts")));
}

#[tokio::test]
async fn api_tokens_work_until_revoked_and_are_shown_once() {
    let srv = TestServer::start().await;
    let (owner, _) = srv.owner().await;
    let created = owner.post_ok("/api/v1/account/tokens", json!({"name": "upload script"}), StatusCode::CREATED).await;
    let token = created["token"].as_str().unwrap();
    assert!(token.starts_with("fpt_") && token.len() >= 4 + 43, "256 bits, base64url");
    let script = Api::token(&srv.url, token);
    assert_eq!(script.get_ok("/api/v1/account").await["user"]["email"], "owner@example.com");
    let listed = owner.get_ok("/api/v1/account/tokens").await;
    assert_eq!(listed["items"][0]["name"], "upload script");
    assert!(listed["items"][0].get("token").is_none(), "the secret is never listed");
    assert!(!listed.to_string().contains(token));
    let id = created["id"].as_str().unwrap();
    assert_eq!(owner.delete(&format!("/api/v1/account/tokens/{id}")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(script.get("/api/v1/account").await.0, StatusCode::UNAUTHORIZED);
    // Tokens expire.
    let short = owner
        .post_ok("/api/v1/account/tokens", json!({"name": "short", "expires_in_days": 1}), StatusCode::CREATED)
        .await;
    let short = Api::token(&srv.url, short["token"].as_str().unwrap());
    assert_eq!(short.get("/api/v1/account").await.0, StatusCode::OK);
    srv.clock.advance_ms(86_400_000 + 1);
    assert_eq!(short.get("/api/v1/account").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn deactivating_a_member_revokes_sessions_and_tokens_at_once() {
    let srv = TestServer::start().await;
    let (owner, ws) = srv.owner().await;
    let ws = ws["id"].as_str().unwrap().to_owned();
    let member = srv.join(&owner, &ws, "mo@example.com", "member", &[]).await;
    let token = member.post_ok("/api/v1/account/tokens", json!({"name": "t"}), StatusCode::CREATED).await;
    let script = Api::token(&srv.url, token["token"].as_str().unwrap());
    assert_eq!(script.get("/api/v1/account").await.0, StatusCode::OK);
    let members = owner.get_ok(&format!("/api/v1/workspaces/{ws}/members")).await;
    let mo = members["items"].as_array().unwrap().iter().find(|m| m["email"] == "mo@example.com").unwrap()["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let m = owner.patch(&format!("/api/v1/workspaces/{ws}/members/{mo}"), json!({"active": false})).await.1;
    assert_eq!(m["active"], false);
    assert_eq!(member.get("/api/v1/account").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(script.get("/api/v1/account").await.0, StatusCode::UNAUTHORIZED);
    // Signing in again gets them nowhere in this workspace.
    let again = Api::browser(&srv.url);
    again.post_ok("/api/v1/auth/login", json!({"email": "mo@example.com", "password": PASSWORD}), StatusCode::OK).await;
    assert_eq!(again.get(&format!("/api/v1/workspaces/{ws}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(again.get_ok("/api/v1/account").await["workspaces"].as_array().unwrap().len(), 0);
    owner.patch(&format!("/api/v1/workspaces/{ws}/members/{mo}"), json!({"active": true})).await;
    assert_eq!(again.get(&format!("/api/v1/workspaces/{ws}")).await.0, StatusCode::OK);
    // Removing takes them out entirely.
    assert_eq!(owner.delete(&format!("/api/v1/workspaces/{ws}/members/{mo}")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(again.get(&format!("/api/v1/workspaces/{ws}")).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn changing_the_password_signs_out_other_sessions() {
    let srv = TestServer::start().await;
    let (owner, _) = srv.owner().await;
    let laptop = Api::browser(&srv.url);
    laptop
        .post_ok("/api/v1/auth/login", json!({"email": "owner@example.com", "password": PASSWORD}), StatusCode::OK)
        .await;
    let sessions = owner.get_ok("/api/v1/account/sessions").await;
    assert_eq!(sessions["items"].as_array().unwrap().len(), 2);
    assert_eq!(sessions["items"].as_array().unwrap().iter().filter(|s| s["current"] == true).count(), 1);
    let (s, b) = owner
        .post(
            "/api/v1/account/password",
            json!({"current_password": "not it at all", "new_password": "a brand new passphrase"}),
        )
        .await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::FORBIDDEN, Some("password-wrong")));
    let (s, b) =
        owner.post("/api/v1/account/password", json!({"current_password": PASSWORD, "new_password": "short"})).await;
    assert_eq!((s, b["code"].as_str()), (StatusCode::BAD_REQUEST, Some("password-too-short")));
    assert_eq!(
        owner
            .post(
                "/api/v1/account/password",
                json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"})
            )
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(laptop.get("/api/v1/account").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(owner.get("/api/v1/account").await.0, StatusCode::OK);
    let fresh = Api::browser(&srv.url);
    assert_eq!(
        fresh.post("/api/v1/auth/login", json!({"email": "owner@example.com", "password": PASSWORD})).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fresh
            .post("/api/v1/auth/login", json!({"email": "owner@example.com", "password": "a brand new passphrase"}))
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn session_cookie_is_httponly_lax_and_secure_only_over_https() {
    for (public_url, name, secure) in
        [(None, "fp_session=", false), (Some("https://review.example.com"), "__Host-fp_session=", true)]
    {
        let srv = TestServer::start_with(|c| c.server.public_url = public_url.map(str::to_owned)).await;
        srv.owner().await;
        let resp = reqwest::Client::new()
            .post(format!("{}/api/v1/auth/login", srv.url))
            .json(&json!({"email": "owner@example.com", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(cookie.starts_with(name), "{cookie}");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
            "{cookie}"
        );
        assert_eq!(cookie.contains("Secure"), secure, "{cookie}");
        let token = cookie.split(';').next().unwrap().split_once('=').unwrap().1;
        assert!(token.len() >= 43, "256 random bits");
    }
}

#[tokio::test]
async fn cookie_requests_that_change_state_must_come_from_this_origin() {
    let srv = TestServer::start().await;
    let (owner, ws) = srv.owner().await;
    let resp = reqwest::Client::builder().cookie_store(true).build().unwrap();
    resp.post(format!("{}/api/v1/auth/login", srv.url))
        .header("origin", &srv.url)
        .json(&json!({"email": "owner@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let body = json!({"workspace_id": ws["id"], "name": "from evil"});
    for origin in [None, Some("https://evil.example")] {
        let mut r = resp.post(format!("{}/api/v1/projects", srv.url)).json(&body);
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        let r = r.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "origin {origin:?}");
        assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], "cross-origin-refused");
    }
    // Sign-in and set-up from another site's page are refused too (no login CSRF).
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/login", srv.url))
        .header("origin", "https://evil.example")
        .json(&json!({"email": "owner@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], "cross-origin-refused");
    // Reads need no Origin; the same change from our own origin works.
    assert_eq!(resp.get(format!("{}/api/v1/account", srv.url)).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(owner.post("/api/v1/projects", body).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn metrics_answer_loopback_or_the_metrics_token() {
    let srv = TestServer::start().await;
    srv.owner().await;
    let text = reqwest::get(format!("{}/metrics", srv.url)).await.unwrap().text().await.unwrap();
    assert!(
        text.contains("frameproof_http_requests_total{method=\"POST\",route=\"/api/v1/setup\",status=\"201\"} 1"),
        "{text}"
    );
    assert!(text.contains("frameproof_http_request_duration_seconds_bucket"));
    let srv = TestServer::start_with(|c| c.server.metrics_token = Some("m-secret".into())).await;
    let c = reqwest::Client::new();
    assert_eq!(c.get(format!("{}/metrics", srv.url)).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(
        c.get(format!("{}/metrics", srv.url)).bearer_auth("wrong").send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        c.get(format!("{}/metrics", srv.url)).bearer_auth("m-secret").send().await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(c.get(format!("{}/healthz", srv.url)).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(c.get(format!("{}/readyz", srv.url)).send().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn a_sign_out_made_by_another_process_counts_within_the_reuse_time() {
    let srv = TestServer::start().await;
    let (owner, _) = srv.owner().await;
    let user: uuid::Uuid = owner.get_ok("/api/v1/account").await["user"]["id"].as_str().unwrap().parse().unwrap();
    let sessions = owner.get_ok("/api/v1/account/sessions").await;
    let session: uuid::Uuid = sessions["items"][0]["id"].as_str().unwrap().parse().unwrap();
    // Another process on the same database (`frameproof admin`, another node) revokes it.
    let other = frameproof_store::Store::open_in(srv.data_dir()).await.unwrap();
    let mut tx = other.begin().await.unwrap();
    let now = frameproof_server::clock::Clock::now(&srv.clock).0;
    let user = frameproof_domain::UserId(user);
    assert!(frameproof_store::accounts::revoke_session(&mut tx, user, session, now).await.unwrap());
    tx.commit().await.unwrap();
    other.close().await;
    tokio::time::sleep(frameproof_server::auth::REUSE_FOR + std::time::Duration::from_millis(100)).await;
    assert_eq!(owner.get("/api/v1/account").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_new_name_is_on_what_the_member_does_next() {
    let srv = TestServer::start().await;
    let (owner, ws) = srv.owner().await;
    assert_eq!(owner.get_ok("/api/v1/account").await["user"]["name"], "Olivia Owner");
    assert_eq!(owner.patch("/api/v1/account", json!({"name": "Olivia Newname"})).await.0, StatusCode::OK);
    let project = owner.create_project(ws["id"].as_str().unwrap(), "Launch").await;
    let audit = owner.get_ok(&format!("/api/v1/projects/{}/audit", project["id"].as_str().unwrap())).await;
    let created = audit["items"].as_array().unwrap().iter().find(|e| e["action"] == "project.created").unwrap();
    assert_eq!(created["actor"]["name"], "Olivia Newname");
}
