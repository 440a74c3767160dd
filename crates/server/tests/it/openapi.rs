//! The OpenAPI document describes every route, and every route it describes is served.

use reqwest::{Method, StatusCode};

use crate::kit::{Api, TestServer};

/// Handler names registered with `routes!(…)` and `#[utoipa::path]` attributes, from the source.
fn source_routes() -> (usize, usize, Vec<String>) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut registered = 0;
    let mut documented = 0;
    let mut raw_routes = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(dir)];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for part in text.split("routes!(").skip(1) {
                let inner = part.split(')').next().unwrap();
                registered += inner.split(',').filter(|h| !h.trim().is_empty()).count();
            }
            documented += text.matches("#[utoipa::path(").count();
            for (i, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap();
                if code.contains(".route(")
                    || code.contains(".route_service(")
                    || code.contains(".nest(")
                    || code.contains(".nest_service(")
                {
                    raw_routes.push(format!("{}:{}", path.display(), i + 1));
                }
            }
        }
    }
    (registered, documented, raw_routes)
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_route_is_served() {
    let srv = TestServer::start().await;
    let anon = Api::anonymous(&srv.url);
    let doc = anon.get_ok("/api/v1/openapi.json").await;
    assert_eq!(doc["openapi"], "3.1.0");
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path} documents its responses"
            );
            let concrete = path
                .replace("{id}", "0193a3d2-0000-7000-8000-000000000000")
                .replace("{user_id}", "0193a3d2-0000-7000-8000-000000000001");
            let r = anon
                .request(method.to_uppercase().parse::<Method>().unwrap(), &concrete)
                .timeout(std::time::Duration::from_secs(5));
            let resp = r.send().await.unwrap();
            let status = resp.status();
            let body = resp.text().await.unwrap_or_default();
            assert!(
                !body.contains("route-not-found") && status != StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is documented but not served ({status}: {body})"
            );
        }
    }
    // The router is built only from documented handlers: no raw `.route(` anywhere, and every
    // handler given to `routes!` carries a `#[utoipa::path]` that the document shows.
    let (registered, documented, raw) = source_routes();
    assert!(raw.is_empty(), "routes added outside utoipa-axum's routes!: {raw:?}");
    assert_eq!(registered, documented, "every registered handler is documented");
    assert_eq!(registered, operations, "the document lists every registered handler");
}

#[tokio::test]
async fn the_cli_and_the_server_print_the_same_document() {
    let srv = TestServer::start().await;
    let served: serde_json::Value = Api::anonymous(&srv.url).get_ok("/api/v1/openapi.json").await;
    assert_eq!(served, serde_json::to_value(frameproof_server::routes::openapi()).unwrap());
}
