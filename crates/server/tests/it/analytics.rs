//! Review-cycle numbers on the real server with the test clock: a scripted campaign whose every
//! number is worked out by hand here, in wall and business seconds (London, 09:00–17:00).

use frameproof_domain::Timestamp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::kit::{TestServer, ffmpeg, settled, upload, upload_to};

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}")).to_owned()
}

fn at(t: &str) -> i64 {
    let ts: jiff::Timestamp = format!("{t}:00Z").parse().unwrap();
    ts.as_millisecond()
}

const H: i64 = 3600;

fn span(wall_h: i64, business_h: i64) -> Value {
    json!({"wall_secs": wall_h * H, "business_secs": business_h * H})
}

#[tokio::test]
async fn a_campaigns_numbers_match_the_hand_worked_answers() {
    let srv = TestServer::start().await;
    srv.clock.set(Timestamp(at("2026-12-04T15:00")));
    let (owner, ws) = srv.owner().await;
    let ws = s(&ws["id"]);
    let cal = json!({"time_zone": "Europe/London", "working_days": ["mon", "tue", "wed", "thu", "fri"],
        "day_start": "09:00", "day_end": "17:00", "holidays": []});
    let (st, b) = owner.send(owner.request(Method::PUT, &format!("/api/v1/workspaces/{ws}/calendar")).json(&cal)).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let rita = srv.join(&owner, &ws, "rita@agency.test", "member", &[]).await;
    let lara = srv.join(&owner, &ws, "lara@agency.test", "member", &[]).await;
    let id = |v: Value| s(&v["user"]["id"]);
    let (rita_id, lara_id) = (id(rita.get_ok("/api/v1/account").await), id(lara.get_ok("/api/v1/account").await));
    let template = owner
        .post_ok(
            &format!("/api/v1/workspaces/{ws}/workflow-templates"),
            json!({"name": "Review and legal", "stages": [
                {"name": "Review", "kind": "review", "reviewers": [{"kind": "user", "user_id": rita_id}], "duration_days": 1},
                {"name": "Legal", "kind": "approval", "reviewers": [{"kind": "user", "user_id": lara_id}], "duration_days": 1}]}),
            StatusCode::CREATED,
        )
        .await;
    let project = owner.create_project(&ws, "Winter launch").await;
    let pid = s(&project["id"]);
    let folder = s(&project["root_folder_id"]);
    // Friday 16:00: the brief is submitted, complete.
    srv.clock.set(Timestamp(at("2026-12-04T16:00")));
    let values = json!({"objective": "Sell", "audience": "All", "key_message": "Warm for less",
        "deliverables": [{"name": "Hero", "spec": "16:9", "channel": "TV", "due": "2026-12-18"}]});
    let brief =
        owner.post_ok(&format!("/api/v1/projects/{pid}/briefs"), json!({"values": values}), StatusCode::CREATED).await;
    owner.post_ok(&format!("/api/v1/briefs/{}/submit", s(&brief["id"])), json!({}), StatusCode::OK).await;
    owner
        .post_ok(
            &format!("/api/v1/projects/{pid}/workflow"),
            json!({"template_id": template["id"]}),
            StatusCode::CREATED,
        )
        .await;
    let png = |name: &str, colour: &str| {
        ffmpeg(srv.data_dir(), name, &["-f", "lavfi", "-i", &format!("color=c={colour}:size=32x32"), "-frames:v", "1"])
    };
    let decide = |api: &crate::kit::Api, v: &str, d: &str| {
        let (api, path) = (api.clone(), format!("/api/v1/versions/{v}/decisions"));
        let body = json!({"decision": d});
        async move { api.post_ok(&path, body, StatusCode::CREATED).await }
    };

    // Monday 09:00 v1 (Review, due Tue 17:00); 13:00 Rita asks for changes; two comments, one
    // pinned to a point.
    srv.clock.set(Timestamp(at("2026-12-07T09:00")));
    let v1 = upload(&owner, &folder, "Hero.png", png("v1.png", "red")).await;
    settled(&owner, &v1).await;
    let hero = s(&owner.get_ok(&format!("/api/v1/versions/{v1}")).await["asset_id"]);
    srv.clock.set(Timestamp(at("2026-12-07T12:00")));
    rita.post_ok(
        &format!("/api/v1/versions/{v1}/comments"),
        json!({"body": "Logo", "x": 0.5, "y": 0.5}),
        StatusCode::CREATED,
    )
    .await;
    rita.post_ok(&format!("/api/v1/versions/{v1}/comments"), json!({"body": "Warmer overall"}), StatusCode::CREATED)
        .await;
    srv.clock.set(Timestamp(at("2026-12-07T13:00")));
    decide(&rita, &v1, "changes_requested").await;
    // Tuesday 10:00 v2 (Review round 2); 12:00 Rita approves: Legal (due Wed 17:00).
    srv.clock.set(Timestamp(at("2026-12-08T10:00")));
    let v2 = upload_to(&owner, "asset_id", &hero, "Hero v2.png", png("v2.png", "blue")).await;
    settled(&owner, &v2).await;
    srv.clock.set(Timestamp(at("2026-12-08T12:00")));
    decide(&rita, &v2, "approved").await;
    // Wednesday 11:00 Lara approves: sealed. A banner arrives (Review, due Thu 17:00).
    srv.clock.set(Timestamp(at("2026-12-09T11:00")));
    decide(&lara, &v2, "approved").await;
    let b1 = upload(&owner, &folder, "Banner.png", png("b1.png", "green")).await;
    settled(&owner, &b1).await;
    let banner = s(&owner.get_ok(&format!("/api/v1/versions/{b1}")).await["asset_id"]);

    // Thursday 15:00.
    srv.clock.set(Timestamp(at("2026-12-10T15:00")));
    let d = owner.get_ok(&format!("/api/v1/assets/{hero}/analytics")).await;
    let n = &d["numbers"];
    // Mon 09:00 → Wed 11:00: 50 h; business Mon 8 + Tue 8 + Wed 2.
    assert_eq!(n["lead_time"], span(50, 18), "{d}");
    // Fri 16:00 → Wed 11:00: 115 h; business Fri 1 + 18.
    assert_eq!(n["brief_to_approval"], span(115, 19));
    assert_eq!(n["rounds"], 2);
    // Review Mon 09–13 and Tue 10–12; Legal Tue 12:00 → Wed 11:00 (23 h; business Tue 5 + Wed 2).
    assert_eq!(n["time_in_stage"], json!([["Review", span(6, 6)], ["Legal", span(23, 7)]]));
    assert_eq!(
        n["waiting_on"],
        json!([
            {"key": format!("user:{lara_id}"), "name": "lara", "span": span(23, 7)},
            {"key": format!("user:{rita_id}"), "name": "rita", "span": span(6, 6)},
        ])
    );
    assert_eq!((n["on_time"].clone(), n["stalled"].clone()), (json!(true), Value::Null));
    assert_eq!(
        (d["delivered"].clone(), d["comments"].clone(), d["anchored_comments"].clone()),
        (json!(true), json!(2), json!(1))
    );

    // The banner: in Review since Wed 11:00, due Thu 17:00 (14 business hours); 12 gone: stalled.
    let b = owner.get_ok(&format!("/api/v1/assets/{banner}/analytics")).await;
    assert_eq!(b["numbers"]["lead_time"], Value::Null);
    assert_eq!(
        b["numbers"]["stalled"],
        json!({"stage": "Review", "since": at("2026-12-09T11:00"), "overdue": false, "waiting_on": ["rita"], "open_items": []})
    );
    assert_eq!(b["stage"], "Review");

    let c = owner.get_ok(&format!("/api/v1/projects/{pid}/analytics")).await;
    let cn = &c["numbers"];
    assert_eq!(
        (cn["deliverables"].clone(), cn["approved"].clone(), cn["overdue"].clone()),
        (json!(2), json!(1), json!(0))
    );
    assert_eq!(cn["by_stage"], json!([["Review", 1]]));
    assert_eq!((cn["lead_time_median"].clone(), cn["rounds_median"].clone()), (span(50, 18), json!(2)));
    // Review 6 + 12 business hours, Legal 7: Review has 18/25 of the time; Rita kept it waiting longest.
    assert_eq!(cn["bottleneck_stage"], json!(["Review", 0.72]));
    assert_eq!(cn["bottleneck_reviewer"]["key"], format!("user:{rita_id}"));
    // Hero 6 h (6 business) + the banner Wed 11:00 → Thu 15:00, 28 h (12 business).
    assert_eq!(cn["bottleneck_reviewer"]["span"], span(34, 18));
    // 2 comments over 3 rounds (Hero 2, Banner 1); half of them anchored.
    assert_eq!(cn["anchored_share"], 0.5);
    assert!((cn["comments_per_round"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    // Any team member reads them (reviewers do not: the role table in campaign_roles.rs).
    let (st, _) = rita.get(&format!("/api/v1/projects/{pid}/analytics")).await;
    assert_eq!(st, StatusCode::OK);

    // The workspace over the first days of December.
    let w = owner
        .get_ok(&format!("/api/v1/workspaces/{ws}/analytics?from=2026-12-01T00:00:00Z&to=2026-12-11T00:00:00Z"))
        .await;
    assert_eq!(
        (w["numbers"]["deliverables"].clone(), w["projects"][0]["name"].clone()),
        (json!(2), json!("Winter launch"))
    );
    let who = |name: &str| w["reviewers"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap().clone();
    // Rita answered in 4 h (Mon 09–13) and 2 h (Tue 10–12); the banner is not due yet.
    let r = who("rita");
    assert_eq!(
        (
            r["decisions"].clone(),
            r["response_p50_business_secs"].clone(),
            r["response_p90_business_secs"].clone(),
            r["overdue"].clone()
        ),
        (json!(2), json!(2 * H), json!(4 * H), json!(0))
    );
    assert_eq!(who("lara")["response_p50_business_secs"], json!(7 * H));
    assert_eq!(
        w["stages"],
        json!([{"stage": "Review", "business_secs": 18 * H, "wall_secs": 34 * H, "share": 0.72},
            {"stage": "Legal", "business_secs": 7 * H, "wall_secs": 23 * H, "share": 0.28}])
    );
    assert_eq!(w["throughput"], json!([{"week": "2026-12-07", "approved": 1}]));
    assert_eq!(w["stalled"][0]["name"], "Banner");
    // Half the comments unanchored: the feedback checkpoint is the one that falls short.
    assert_eq!(w["most_often_missed"]["key"], "feedback");
    assert_eq!(
        w["most_often_missed"]["words"],
        "Your real bottleneck is time-stamped feedback: it fell short in 1 of your last 1 campaigns."
    );
    let (st, b) = owner
        .get(&format!("/api/v1/workspaces/{ws}/analytics?from=2026-12-11T00:00:00Z&to=2026-12-01T00:00:00Z"))
        .await;
    assert_eq!((st, s(&b["code"])), (StatusCode::BAD_REQUEST, "invalid-range".into()));

    // The tables as CSV: Python's csv module reads each, header first, every row as wide; a
    // name that would be a formula is shown as text.
    owner
        .post_ok(
            "/api/v1/assets",
            json!({"folder_id": folder, "name": "=HYPERLINK(\"http://x\")"}),
            StatusCode::CREATED,
        )
        .await;
    for (table, header) in [("deliverables", "asset_id"), ("reviewers", "key"), ("stages", "stage")] {
        let resp = owner
            .request(Method::GET, &format!("/api/v1/projects/{pid}/analytics.csv?table={table}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
        let text = resp.text().await.unwrap();
        let file = srv.data_dir().join(format!("{table}.csv"));
        std::fs::write(&file, &text).unwrap();
        let out = std::process::Command::new("python3")
            .args(["-c", "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline='')))))"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let rows: Vec<Vec<String>> = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(rows[0][0], header, "{table}: {text}");
        assert!(rows.len() > 1 && rows.iter().all(|r| r.len() == rows[0].len()), "{table}: {rows:?}");
        if table == "deliverables" {
            assert!(rows.iter().any(|r| r[1] == "'=HYPERLINK(\"http://x\")"), "{rows:?}");
            let hero_row = rows.iter().find(|r| r[1] == "Hero").unwrap();
            assert_eq!((hero_row[5].as_str(), hero_row[6].as_str(), hero_row[8].as_str()), ("180000", "64800", "2"));
        }
    }
    let (st, b) = owner.get(&format!("/api/v1/projects/{pid}/analytics.csv?table=people")).await;
    assert_eq!((st, s(&b["code"])), (StatusCode::BAD_REQUEST, "invalid-table".into()));
}

/// Which checkpoints did not pass, by key.
fn short(audit: &Value) -> Vec<(String, String)> {
    audit["checkpoints"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["grade"] != "pass")
        .map(|c| (s(&c["key"]), s(&c["grade"])))
        .collect()
}

#[tokio::test]
async fn the_audit_marks_exactly_the_checkpoint_a_campaign_misses() {
    let srv = TestServer::start().await;
    srv.clock.set(Timestamp(at("2026-12-07T09:00")));
    let (owner, ws) = srv.owner().await;
    let ws = s(&ws["id"]);
    let rita = srv.join(&owner, &ws, "rita@agency.test", "member", &[]).await;
    let rita_id = s(&rita.get_ok("/api/v1/account").await["user"]["id"]);
    let values = json!({"objective": "Sell", "audience": "All", "key_message": "Warm for less",
        "deliverables": [{"name": "Hero", "spec": "16:9", "channel": "TV", "due": "2026-12-18"}]});
    let mut n = 0;
    let mut still = |colour: &str| {
        n += 1;
        ffmpeg(
            srv.data_dir(),
            &format!("s{n}.png"),
            &["-f", "lavfi", "-i", &format!("color=c={colour}:size=32x32"), "-frames:v", "1"],
        )
    };
    let tick = |m: i64| srv.clock.advance_ms(m * 60_000);

    // Each campaign: (name, what goes wrong). Steps a minute apart.
    for case in ["clean", "late brief", "duplicate bytes", "unanchored", "old version", "unsealed"] {
        let project = owner.create_project(&ws, case).await;
        let pid = s(&project["id"]);
        let folder = s(&project["root_folder_id"]);
        let submit_brief = || {
            let (owner, pid, values) = (owner.clone(), pid.clone(), values.clone());
            async move {
                let b = owner
                    .post_ok(&format!("/api/v1/projects/{pid}/briefs"), json!({"values": values}), StatusCode::CREATED)
                    .await;
                owner.post_ok(&format!("/api/v1/briefs/{}/submit", s(&b["id"])), json!({}), StatusCode::OK).await;
            }
        };
        if case != "late brief" {
            submit_brief().await;
        }
        tick(1);
        let v1 = upload(&owner, &folder, "Hero.png", still("red")).await;
        settled(&owner, &v1).await;
        let hero = s(&owner.get_ok(&format!("/api/v1/versions/{v1}")).await["asset_id"]);
        tick(1);
        if case == "late brief" {
            submit_brief().await;
        }
        rita.post_ok(
            &format!("/api/v1/versions/{v1}/comments"),
            json!({"body": "Logo", "x": 0.2, "y": 0.2}),
            StatusCode::CREATED,
        )
        .await;
        if case == "unanchored" {
            rita.post_ok(&format!("/api/v1/versions/{v1}/comments"), json!({"body": "Warmer"}), StatusCode::CREATED)
                .await;
        }
        tick(1);
        // v2: new bytes, or the same bytes again.
        let bytes = if case == "duplicate bytes" { still("red") } else { still("blue") };
        let v2 = upload_to(&owner, "asset_id", &hero, "Hero v2.png", bytes).await;
        settled(&owner, &v2).await;
        tick(1);
        if case == "old version" {
            rita.post_ok(
                &format!("/api/v1/versions/{v1}/comments"),
                json!({"body": "Still on v1", "x": 0.5, "y": 0.5}),
                StatusCode::CREATED,
            )
            .await;
        }
        tick(1);
        // The approval: sealed by a named approver, or approved by every decision with no one
        // named, so nothing seals it.
        if case != "unsealed" {
            let (st, b) = owner
                .send(
                    owner
                        .request(Method::PUT, &format!("/api/v1/assets/{hero}/approvers"))
                        .json(&json!({"user_ids": [rita_id]})),
                )
                .await;
            assert_eq!(st, StatusCode::OK, "{b}");
        }
        rita.post_ok(&format!("/api/v1/versions/{v2}/decisions"), json!({"decision": "approved"}), StatusCode::CREATED)
            .await;
        tick(1);

        let audit = owner.get_ok(&format!("/api/v1/projects/{pid}/checkpoints")).await;
        let want: Vec<(String, String)> = match case {
            "clean" => vec![],
            "late brief" => vec![("brief".into(), "partial".into())],
            "duplicate bytes" => vec![("handoffs".into(), "fail".into())],
            "unanchored" => vec![("feedback".into(), "partial".into())],
            "old version" => vec![("one_version".into(), "fail".into())],
            _ => vec![("approval".into(), "fail".into())],
        };
        assert_eq!(short(&audit), want, "{case}: {audit}");
        // The evidence names the rows.
        let card =
            |key: &str| audit["checkpoints"].as_array().unwrap().iter().find(|c| c["key"] == key).unwrap().clone();
        match case {
            "clean" => {
                let a = card("approval");
                assert_eq!(a["evidence"][0]["kind"], "receipt");
                assert!(s(&a["evidence"][0]["detail"]).contains("approved by rita"), "{a}");
            }
            "late brief" => assert_eq!(card("brief")["evidence"][0]["detail"], "submitted after the first upload"),
            "duplicate bytes" => {
                assert_eq!(
                    (card("handoffs")["evidence"][0]["kind"].clone(), card("handoffs")["evidence"][0]["id"].clone()),
                    (json!("duplicate_upload"), json!(v2))
                )
            }
            "unanchored" => assert_eq!(card("feedback")["evidence"].as_array().unwrap().len(), 1),
            "old version" => {
                let e = &card("one_version")["evidence"][0];
                assert_eq!(
                    (e["kind"].clone(), e["detail"].clone(), e["who"].clone()),
                    (json!("comment_on_old_version"), json!("on v1 while v2 was current"), json!("rita"))
                );
            }
            _ => assert_eq!(card("approval")["evidence"][0]["kind"], "unsealed_approval"),
        }
    }
}
