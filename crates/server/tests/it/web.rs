//! The web app is served with its security headers and an index.html fallback for deep links;
//! API paths never fall through to it.

use reqwest::StatusCode;

use crate::kit::TestServer;

#[tokio::test]
async fn app_pages_deep_links_and_security_headers() {
    let web = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(web.path().join("assets")).unwrap();
    std::fs::write(web.path().join("index.html"), "<!doctype html><div id=app></div>").unwrap();
    std::fs::write(web.path().join("assets/app-1234.js"), "console.log(1)").unwrap();
    let secret = web.path().parent().unwrap().join("secret.txt");
    let dir = web.path().to_path_buf();
    let srv = TestServer::start_with(move |c| c.server.web_dir = Some(dir)).await;
    let c = reqwest::Client::new();

    for path in ["/", "/setup?token=abc", "/p/0193a3d2-0000-7000-8000-000000000000/f/x", "/s/sometoken"] {
        let r = c.get(format!("{}{path}", srv.url)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let h = r.headers().clone();
        assert!(h["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self';"), "no inline scripts: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["cache-control"], "no-cache");
        assert!(r.text().await.unwrap().contains("id=app"), "{path} serves the app");
    }
    let r = c.get(format!("{}/assets/app-1234.js", srv.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("javascript"));
    assert!(r.headers()["cache-control"].to_str().unwrap().contains("immutable"));

    // Traversal gets the app, never a file outside it.
    std::fs::write(&secret, "top secret").unwrap();
    for path in ["/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt"] {
        let body = c.get(format!("{}{path}", srv.url)).send().await.unwrap().text().await.unwrap();
        assert!(!body.contains("top secret"), "{path}");
    }
    // API paths and non-GET methods answer JSON, not the app.
    let r = c.get(format!("{}/api/v1/nothing", srv.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], "route-not-found");
    let r = c.post(format!("{}/p/x", srv.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], "route-not-found");
}
