//! Provisioning from the shell, checked through the API of a server on the same data dir.

use serde_json::{Value, json};

use crate::kit::{PASSWORD, Served, client, provision, run, text};

#[tokio::test]
async fn admin_commands_provision_and_operate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let token = provision(dir.path());
    assert!(
        token.starts_with("fpt_") && !token.contains('\n') && !token.contains(' '),
        "only the token on stdout: {token:?}"
    );

    // Refusals name the problem.
    let out = run(
        &["admin", "create-user", "--data-dir", d, "--email", "owner@example.com", "--password-stdin"],
        PASSWORD,
        &[],
    );
    assert!(!out.status.success() && text(&out.stderr).contains("already exists"), "{}", text(&out.stderr));
    let out =
        run(&["admin", "create-user", "--data-dir", d, "--email", "x@example.com", "--password-stdin"], "short", &[]);
    assert!(!out.status.success() && text(&out.stderr).contains("at least 10"), "{}", text(&out.stderr));
    let out =
        run(&["admin", "create-user", "--data-dir", d, "--email", "not-an-email", "--password-stdin"], PASSWORD, &[]);
    assert!(!out.status.success() && text(&out.stderr).contains("not a valid e-mail"));
    let out = run(
        &[
            "admin",
            "create-user",
            "--data-dir",
            d,
            "--email",
            "m@example.com",
            "--password-stdin",
            "--workspace",
            "Acme",
        ],
        PASSWORD,
        &[],
    );
    assert!(!out.status.success() && text(&out.stderr).contains("--role"), "{}", text(&out.stderr));
    let out = run(
        &[
            "admin",
            "create-user",
            "--data-dir",
            d,
            "--email",
            "m@example.com",
            "--password-stdin",
            "--workspace",
            "Acme",
            "--role",
            "member",
        ],
        PASSWORD,
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&["admin", "set-quota", "--data-dir", d, "--workspace", "Acme", "--bytes", "12345"], "", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&["admin", "set-quota", "--data-dir", d, "--workspace", "Nope", "--bytes", "1"], "", &[]);
    assert!(!out.status.success() && text(&out.stderr).contains("Nope"));
    let out = run(
        &["admin", "reset-password", "--data-dir", d, "--email", "m@example.com", "--password-stdin"],
        "a whole new password\n",
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&["admin", "check", "--data-dir", d], "", &[]);
    assert!(out.status.success() && text(&out.stderr).contains("database ok"), "{}", text(&out.stderr));
    // A mistyped data dir is refused, not silently created.
    let typo = dir.path().join("dta");
    let out =
        run(&["admin", "create-token", "--data-dir", typo.to_str().unwrap(), "--email", "owner@example.com"], "", &[]);
    assert!(!out.status.success() && text(&out.stderr).contains("not a Frameproof data dir"), "{}", text(&out.stderr));
    assert!(!typo.exists());

    let srv = Served::start(dir.path(), &[]);
    let c = client(&token);
    let ws: Value = c.get(format!("{}/api/v1/workspaces", srv.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(ws["items"][0]["name"], "Acme");
    assert_eq!(ws["items"][0]["role"], "owner");
    assert_eq!(ws["items"][0]["storage"]["quota_bytes"], 12345);
    // An upload larger than that quota is refused before any byte is stored.
    let (_, root) = crate::kit::project_root(&c, &srv.url).await;
    let r = c
        .post(format!("{}/api/v1/uploads", srv.url))
        .header("tus-resumable", "1.0.0")
        .header("upload-length", "20000")
        .header("upload-metadata", format!("filename Ym9va2xldC5wZGY=,folder_id {}", base64_of(&root)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "quota-exceeded");
    let members: Value = c
        .get(format!("{}/api/v1/workspaces/{}/members", srv.url, ws["items"][0]["id"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(members["items"].as_array().unwrap().len(), 2);
    let login = reqwest::Client::new().post(format!("{}/api/v1/auth/login", srv.url));
    let r = login.json(&json!({"email": "m@example.com", "password": "a whole new password"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // A provisioned server has no set-up link to offer.
    assert!(!srv.log.lock().unwrap().iter().any(|l| l.contains("setup?token=")));
}

#[tokio::test]
async fn first_start_prints_the_setup_link_and_json_logs_work() {
    let dir = tempfile::tempdir().unwrap();
    let srv = Served::start(dir.path(), &["--log-format", "json"]);
    let lines = srv.log.lock().unwrap().clone();
    let listening = lines.iter().find(|l| l.contains("listening on http://")).unwrap();
    let parsed: Value = serde_json::from_str(listening).expect("a JSON log line");
    assert_eq!(parsed["level"], "INFO");
    // The set-up line follows the listening line; wait for it.
    let mut setup = None;
    for _ in 0..50 {
        setup = srv.log.lock().unwrap().iter().find(|l| l.contains("setup: http://")).cloned();
        if setup.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let setup = setup.expect("a set-up line");
    let link = setup.split("setup: ").nth(1).unwrap().split('"').next().unwrap();
    assert!(link.starts_with(&format!("{}/setup?token=", srv.url)), "{link}");
    let token = link.split("token=").nth(1).unwrap();
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/setup", srv.url))
        .json(&json!({"token": token, "email": "first@example.com", "name": "First", "password": PASSWORD, "workspace_name": "Studio"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // A request id appears in the log.
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(srv.log.lock().unwrap().iter().any(|l| l.contains("\"request_id\"") && l.contains("/api/v1/setup")));
}

fn base64_of(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// CPU seconds (user + system) a process has used, from /proc.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit(')').next().unwrap();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[tokio::test]
async fn an_idle_server_stays_idle() {
    let dir = tempfile::tempdir().unwrap();
    provision(dir.path());
    let srv = Served::start(dir.path(), &["--log-format", "json"]);
    std::thread::sleep(std::time::Duration::from_secs(1));
    let before = cpu_ticks(srv.child.id());
    std::thread::sleep(std::time::Duration::from_secs(3));
    let used = cpu_ticks(srv.child.id()) - before;
    // 100 ticks a second on Linux: an idle server polls a little, it does not spin.
    assert!(used < 30, "an idle server used {used} CPU ticks in 3 s");
}

#[tokio::test]
async fn reset_password_lifts_a_sign_in_lock_out_from_the_address_that_guessed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    provision(dir.path());
    let srv = Served::start(dir.path(), &[]);
    let login = |password: &'static str| {
        reqwest::Client::new()
            .post(format!("{}/api/v1/auth/login", srv.url))
            .json(&json!({"email": "owner@example.com", "password": password}))
            .send()
    };
    for _ in 0..5 {
        assert_eq!(login("not the password").await.unwrap().status(), 401);
    }
    let r = login(PASSWORD).await.unwrap();
    assert_eq!(r.status(), 429, "this address guessed too often: even the right password waits");
    let out = run(
        &["admin", "reset-password", "--data-dir", d, "--email", "owner@example.com", "--password-stdin"],
        "a whole new password\n",
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let r = login("a whole new password").await.unwrap();
    assert_eq!(r.status(), 200, "the reset forgot the account's failures");
}
