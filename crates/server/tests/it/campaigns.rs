//! The operations layer on the real server with the test clock: a campaign's brief, a workflow
//! applied to it, and one deliverable through every kind of stage: rounds of changes, a rule of
//! each kind, a checklist that gates approval, a backup taking over from an overdue reviewer, a
//! skip with a reason, a deemed approval sealed as such, and delivery. Every stage run's
//! timestamps are asserted against the business calendar.

use frameproof_domain::Timestamp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::kit::{Api, MailSink, TestServer, ffmpeg, settled, upload, upload_to};

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}")).to_owned()
}

/// Milliseconds of a UTC time `2026-12-07T10:00`.
fn at(t: &str) -> i64 {
    let ts: jiff::Timestamp = format!("{t}:00Z").parse().unwrap();
    ts.as_millisecond()
}

fn rfc(t: &str) -> Value {
    json!(Timestamp(at(t)).to_rfc3339())
}

fn still(srv: &TestServer, name: &str, colour: &str) -> Vec<u8> {
    ffmpeg(srv.data_dir(), name, &["-f", "lavfi", "-i", &format!("color=c={colour}:size=32x32"), "-frames:v", "1"])
}

async fn put(api: &Api, path: &str, body: Value) -> (StatusCode, Value) {
    api.send(api.request(Method::PUT, path).json(&body)).await
}

async fn user_id(api: &Api) -> String {
    s(&api.get_ok("/api/v1/account").await["user"]["id"])
}

async fn tick(srv: &TestServer) -> u64 {
    frameproof_server::app::workflow::tick(&srv.running.as_ref().unwrap().state).await.unwrap()
}

/// The runs of a deliverable as `(stage, round, outcome)`.
fn summary(runs: &Value) -> Vec<(String, i64, String)> {
    runs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (s(&r["stage"]), r["round"].as_i64().unwrap(), r["outcome"].as_str().unwrap_or("open").to_owned()))
        .collect()
}

#[tokio::test]
async fn a_deliverable_goes_from_brief_to_delivered_through_every_kind_of_stage() {
    let mut mail = MailSink::start().await;
    // The test drives the workflow clock itself.
    let srv = TestServer::start_with(|c| {
        mail.configure(c);
        c.limits.workflow_clock_secs = 0;
    })
    .await;
    srv.clock.set(Timestamp(at("2026-12-07T09:00")));
    let (owner, ws) = srv.owner().await;
    let ws = s(&ws["id"]);
    let owner_id = user_id(&owner).await;
    let mut people = std::collections::HashMap::new();
    for name in ["ed", "rita", "rob", "cara", "bea", "bo", "lara"] {
        let api = srv.join(&owner, &ws, &format!("{name}@agency.test"), "member", &[]).await;
        people.insert(name, (user_id(&api).await, api));
    }
    let id = |n: &str| people[n].0.clone();
    let api = |n: &str| people[n].1.clone();

    // The calendar: London, Monday to Friday 09:00–17:00, Christmas off.
    let cal = json!({"time_zone": "europe/london", "working_days": ["mon", "tue", "wed", "thu", "fri"],
        "day_start": "09:00", "day_end": "17:00", "holidays": [{"date": "2026-12-25", "name": "Christmas Day"}]});
    let (st, body) = put(&owner, &format!("/api/v1/workspaces/{ws}/calendar"), cal.clone()).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["time_zone"], "Europe/London");
    let mut bad = cal.clone();
    bad["holidays"][0]["date"] = json!("2101-01-01");
    let (st, body) = put(&owner, &format!("/api/v1/workspaces/{ws}/calendar"), bad).await;
    assert_eq!(
        (st, s(&body["code"]), body["fields"].clone()),
        (StatusCode::BAD_REQUEST, "holiday-out-of-range".into(), json!(["holidays[0].date"]))
    );
    let (st, _) = put(&api("ed"), &format!("/api/v1/workspaces/{ws}/calendar"), cal).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "a member does not set the calendar");

    let brand = owner
        .post_ok(
            &format!("/api/v1/workspaces/{ws}/groups"),
            json!({"name": "Brand", "members": [id("bo")]}),
            StatusCode::CREATED,
        )
        .await;
    let user = |n: &str| json!({"kind": "user", "user_id": id(n)});
    let mut cara = user("cara");
    cara["backup_user_id"] = json!(id("bea"));
    let stages = json!([
        {"name": "Edit", "kind": "work", "duration_days": 2},
        {"name": "Internal review", "kind": "review", "reviewers": [user("rita"), user("rob")], "rule": "all", "duration_days": 1,
         "checklist": [{"text": "Supers match the script", "per": "reviewer"}]},
        {"name": "Client review", "kind": "review", "reviewers": [{"kind": "guest", "email": "Client@Client.test"}, cara],
         "rule": "any", "duration_days": 2, "escalate_after_hours": 4},
        {"name": "Brand", "kind": "review", "reviewers": [{"kind": "group", "group_id": brand["id"]}], "rule": "quorum", "quorum": 1,
         "duration_days": 1},
        {"name": "Legal", "kind": "approval", "reviewers": [user("lara")], "duration_days": 1, "deemed_approval": true},
        {"name": "Delivery", "kind": "delivery", "duration_days": 1},
    ]);
    // What bad stages get: a code, and the field.
    for (change, code, field) in [
        (json!({"quorum": 3}), "stage-quorum-too-large", "stages[3].quorum"),
        (json!({"duration_days": 0}), "stage-duration-invalid", "stages[3].duration_days"),
        (json!({"reviewers": []}), "stage-reviewers-missing", "stages[3].reviewers"),
    ] {
        let mut bad = stages.clone();
        for (k, v) in change.as_object().unwrap() {
            bad[3][k] = v.clone();
        }
        let (st, body) = owner
            .post(&format!("/api/v1/workspaces/{ws}/workflow-templates"), json!({"name": "Bad", "stages": bad}))
            .await;
        assert_eq!(
            (st, s(&body["code"]), body["fields"].clone()),
            (StatusCode::BAD_REQUEST, code.into(), json!([field])),
            "{body}"
        );
    }
    let template = owner
        .post_ok(
            &format!("/api/v1/workspaces/{ws}/workflow-templates"),
            json!({"name": "Video with client and legal", "stages": stages}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(template["stages"][2]["reviewers"][0]["email"], "client@client.test");

    // The campaign arrives through an intake link from a client without an account.
    let link = owner
        .post_ok(
            &format!("/api/v1/workspaces/{ws}/intake-links"),
            json!({"name": "Client requests", "allowed_domains": ["client.test"], "per_hour": 3}),
            StatusCode::CREATED,
        )
        .await;
    let token = s(&link["token"]);
    assert!(s(&link["url"]).ends_with(&format!("/intake/{token}")));
    let anon = Api::anonymous(&srv.url);
    let form = anon.post_ok("/api/v1/intake/form", json!({"token": token}), StatusCode::OK).await;
    assert_eq!((s(&form["workspace_name"]), s(&form["template_name"])), ("Acme".into(), "Standard brief".into()));
    let request = |email: &str, values: Value| {
        json!({"token": token, "email": email, "requester_name": "Carla Client", "name": "Winter launch",
            "launch_at": rfc("2026-12-21T09:00"), "values": values})
    };
    let full = json!({"objective": "Launch the winter range", "audience": "Families", "key_message": "Warm for less",
        "deliverables": [{"name": "Hero 30s", "spec": "16:9 1920×1080 30 s", "channel": "TV", "due": "2026-12-18"}]});
    let (st, body) = anon.post("/api/v1/intake/requests", request("carla@elsewhere.test", full.clone())).await;
    assert_eq!(
        (st, s(&body["code"]), body["fields"].clone()),
        (StatusCode::FORBIDDEN, "email-domain-not-allowed".into(), json!(["email"]))
    );
    let (st, body) = anon
        .post("/api/v1/intake/requests", request("carla@client.test", json!({"objective": "Launch the winter range"})))
        .await;
    assert_eq!((st, s(&body["code"])), (StatusCode::BAD_REQUEST, "brief-incomplete".into()));
    assert_eq!(body["fields"], json!(["audience", "key_message", "deliverables"]), "{body}");
    let (st, body) = anon.post("/api/v1/intake/requests", request("carla@client.test", json!({"budget": 5}))).await;
    assert_eq!(
        (st, s(&body["code"]), body["fields"].clone()),
        (StatusCode::BAD_REQUEST, "brief-field-unknown".into(), json!(["budget"]))
    );
    let received =
        anon.post_ok("/api/v1/intake/requests", request("Carla@Client.test", full), StatusCode::CREATED).await;
    let pid = s(&received["reference"]);
    assert_eq!(received["state"], "requested");
    // The intake owner (no one named: the workspace's owner) hears of it. The requester is not
    // mailed a copy: an address no one proved must not turn the link into a mail relay.
    let told = mail.take("owner@example.com", |m| m["subject"] == "New campaign request: Winter launch").await;
    assert!(s(&told["text"]).contains("Carla Client <carla@client.test> asked for a new campaign"), "{told}");
    let pending = owner.get_ok(&format!("/api/v1/workspaces/{ws}/requests?state=requested")).await;
    assert_eq!(pending["items"][0]["project_id"], json!(pid));
    assert_eq!(pending["items"][0]["requester"]["email"], "carla@client.test");
    assert_eq!(pending["items"][0]["link"]["name"], "Client requests");
    let (st, body) =
        owner.post(&format!("/api/v1/projects/{pid}/workflow"), json!({"template_id": template["id"]})).await;
    assert_eq!(
        (st, s(&body["code"])),
        (StatusCode::CONFLICT, "campaign-requested".into()),
        "a request is accepted first"
    );
    let (st, _) =
        api("ed").post(&format!("/api/v1/projects/{pid}/request/accept"), json!({"template_id": template["id"]})).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "only an intake owner, owner or admin accepts");
    // Accepting applies the workflow and accepts the brief, once.
    let accepted = owner
        .post_ok(
            &format!("/api/v1/projects/{pid}/request/accept"),
            json!({"template_id": template["id"], "owner_id": owner_id}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        (
            accepted["request"]["state"].clone(),
            accepted["workflow"]["name"].clone(),
            accepted["owner"]["user_id"].clone()
        ),
        (json!("accepted"), json!("Video with client and legal"), json!(owner_id))
    );
    assert_eq!(accepted["launch_at"], rfc("2026-12-21T09:00"));
    mail.take("carla@client.test", |m| m["subject"] == "Accepted: Winter launch").await;
    let (st, body) =
        owner.post(&format!("/api/v1/projects/{pid}/request/accept"), json!({"template_id": template["id"]})).await;
    assert_eq!((st, s(&body["code"])), (StatusCode::CONFLICT, "request-decided".into()));
    let (st, body) =
        owner.post(&format!("/api/v1/projects/{pid}/workflow"), json!({"template_id": template["id"]})).await;
    assert_eq!((st, s(&body["code"])), (StatusCode::CONFLICT, "workflow-exists".into()));
    let project = owner.get_ok(&format!("/api/v1/projects/{pid}")).await;
    let briefs = owner.get_ok(&format!("/api/v1/projects/{pid}/briefs")).await;
    let brief = &briefs["items"][0];
    let bid = s(&brief["id"]);
    assert_eq!(
        (brief["state"].clone(), brief["in_force"].clone(), brief["revision"]["author"]["name"].clone()),
        (json!("accepted"), json!(1), json!("Carla Client"))
    );
    assert_eq!(brief["revision"]["submitted_by"]["name"], "Carla Client");
    assert_eq!(brief["revision"]["accepted_by"]["name"], "Olivia Owner");
    // A reviewer sees it changed until they look.
    let rita_view = api("rita").get_ok(&format!("/api/v1/briefs/{bid}")).await;
    assert_eq!(rita_view["changed_since_seen"], true);
    api("rita").post_ok(&format!("/api/v1/briefs/{bid}/seen"), json!({}), StatusCode::OK).await;
    assert_eq!(api("rita").get_ok(&format!("/api/v1/briefs/{bid}")).await["changed_since_seen"], false);
    // Editing the accepted brief makes revision 2, and the diff names the change.
    let edited =
        owner.patch(&format!("/api/v1/briefs/{bid}"), json!({"values": {"key_message": "Warmer for less"}})).await.1;
    assert_eq!(
        (edited["state"].clone(), edited["revision"]["number"].clone(), edited["in_force"].clone()),
        (json!("draft"), json!(2), json!(1))
    );
    let diff = owner.get_ok(&format!("/api/v1/briefs/{bid}/diff?from=1&to=2")).await;
    assert_eq!(
        diff["changes"],
        json!([{"key": "key_message", "label": "Key message", "change": "changed",
        "before": "Warm for less", "after": "Warmer for less"}])
    );

    // 10:00 Monday: the editor uploads v1. The Edit stage ends, Internal review asks Rita and Rob.
    srv.clock.set(Timestamp(at("2026-12-07T10:00")));
    let v1 = upload(&api("ed"), &s(&project["root_folder_id"]), "Hero 30s.png", still(&srv, "v1.png", "red")).await;
    settled(&owner, &v1).await;
    let asset = s(&owner.get_ok(&format!("/api/v1/versions/{v1}")).await["asset_id"]);
    let d = owner.get_ok(&format!("/api/v1/assets/{asset}/deliverable")).await;
    assert_eq!((d["stage"].clone(), d["run"]["round"].clone()), (json!("Internal review"), json!(1)));
    assert_eq!(d["run"]["due_at"], rfc("2026-12-08T17:00"), "one business day: the end of Tuesday");
    let waiting = api("rita").get_ok("/api/v1/account/waiting").await;
    assert_eq!(
        (waiting["items"][0]["stage"].clone(), waiting["items"][0]["role"].clone()),
        (json!("Internal review"), json!("reviewer"))
    );

    srv.clock.set(Timestamp(at("2026-12-07T10:10")));
    api("rita").post_ok(&format!("/api/v1/versions/{v1}/seen"), json!({}), StatusCode::NO_CONTENT).await;
    srv.clock.set(Timestamp(at("2026-12-07T10:20")));
    let (st, body) =
        api("rita").post(&format!("/api/v1/versions/{v1}/decisions"), json!({"decision": "approved"})).await;
    assert_eq!(
        (st, s(&body["code"]), body["fields"].clone()),
        (StatusCode::CONFLICT, "checklist-open".into(), json!(["checklist[0]"])),
        "{body}"
    );
    let stage = put(&api("rita"), &format!("/api/v1/versions/{v1}/stage/checklist/0"), json!({"ticked": true})).await.1;
    assert_eq!(stage["my_open_items"], json!([]), "{stage}");
    let (st, _) = put(&api("ed"), &format!("/api/v1/versions/{v1}/stage/checklist/0"), json!({"ticked": true})).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "a reviewer's own item is theirs to tick");
    api("rita")
        .post_ok(&format!("/api/v1/versions/{v1}/decisions"), json!({"decision": "approved"}), StatusCode::CREATED)
        .await;
    srv.clock.set(Timestamp(at("2026-12-07T10:30")));
    api("rob")
        .post_ok(
            &format!("/api/v1/versions/{v1}/decisions"),
            json!({"decision": "changes_requested", "note": "Logo too late"}),
            StatusCode::CREATED,
        )
        .await;
    let d = owner.get_ok(&format!("/api/v1/assets/{asset}/deliverable")).await;
    assert_eq!(
        (d["stage"].clone(), d["run"]["round"].clone()),
        (json!("Edit"), json!(2)),
        "changes go back to the work stage"
    );

    // Tuesday 11:00: v2. Internal review round 2; both approve; Client review asks the client
    // (a guest) and Cara.
    srv.clock.set(Timestamp(at("2026-12-08T11:00")));
    let v2 = upload_to(&api("ed"), "asset_id", &asset, "Hero 30s v2.png", still(&srv, "v2.png", "green")).await;
    settled(&owner, &v2).await;
    for n in ["rita", "rob"] {
        put(&api(n), &format!("/api/v1/versions/{v2}/stage/checklist/0"), json!({"ticked": true})).await;
        api(n)
            .post_ok(&format!("/api/v1/versions/{v2}/decisions"), json!({"decision": "approved"}), StatusCode::CREATED)
            .await;
    }
    let d = owner.get_ok(&format!("/api/v1/assets/{asset}/deliverable")).await;
    assert_eq!((d["stage"].clone(), d["run"]["round"].clone()), (json!("Client review"), json!(2)));
    assert_eq!(d["run"]["due_at"], rfc("2026-12-10T17:00"));
    let link = owner
        .post_ok(
            "/api/v1/share-links",
            json!({"project_id": pid, "permissions": {"comment": true, "decide": true}}),
            StatusCode::CREATED,
        )
        .await;
    let client = Api::browser(&srv.url);
    let token = s(&link["url"]).rsplit('/').next().unwrap().to_owned();
    let (st, body) = client
        .post("/api/v1/guest/sessions", json!({"token": token, "name": "Cleo Client", "email": "client@client.test"}))
        .await;
    assert_eq!(st, StatusCode::ACCEPTED, "{body}");
    let m =
        mail.take("client@client.test", |m| m["subject"].as_str().unwrap().starts_with("Your Frameproof code")).await;
    let code = s(&m["subject"]).rsplit(' ').next().unwrap().to_owned();
    client.post_ok("/api/v1/guest/sessions/verify", json!({"code": code}), StatusCode::OK).await;
    let seen = client.get_ok(&format!("/api/v1/versions/{v2}/stage")).await;
    assert_eq!((seen["run"]["stage"].clone(), seen["my_seat"].clone()), (json!("Client review"), json!(0)), "{seen}");
    assert!(seen["run"]["reviewers"][1].get("email").is_none(), "a guest sees no one else's e-mail: {seen}");
    client
        .post_ok(
            &format!("/api/v1/versions/{v2}/decisions"),
            json!({"decision": "changes_requested"}),
            StatusCode::CREATED,
        )
        .await;
    let d = owner.get_ok(&format!("/api/v1/assets/{asset}/deliverable")).await;
    assert_eq!(d["stage"], "Client review", "rule any: one objection does not decide while another can approve");
    srv.clock.set(Timestamp(at("2026-12-08T12:00")));
    api("cara")
        .post_ok(
            &format!("/api/v1/versions/{v2}/decisions"),
            json!({"decision": "changes_requested"}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(owner.get_ok(&format!("/api/v1/assets/{asset}/deliverable")).await["stage"], "Edit");

    // Wednesday 10:00: v3 goes straight back to Client review, the stage that asked.
    srv.clock.set(Timestamp(at("2026-12-09T10:00")));
    let v3 = upload_to(&api("ed"), "asset_id", &asset, "Hero 30s v3.png", still(&srv, "v3.png", "blue")).await;
    settled(&owner, &v3).await;
    let d = owner.get_ok(&format!("/api/v1/assets/{asset}/deliverable")).await;
    assert_eq!((d["stage"].clone(), d["run"]["round"].clone()), (json!("Client review"), json!(3)));
    assert_eq!(d["run"]["due_at"], rfc("2026-12-11T17:00"));

    // Nobody decides. Friday 17:30 it is overdue, but not yet 4 business hours late; Monday
    // 13:00 it is, and Cara's backup Bea is asked.
    srv.clock.set(Timestamp(at("2026-12-11T17:30")));
    assert_eq!(tick(&srv).await, 1, "marked overdue");
    let run = owner.get_ok(&format!("/api/v1/assets/{asset}/deliverable")).await["run"].clone();
    assert_eq!((run["overdue"].clone(), run["reviewers"][1]["backup"]["asked_at"].clone()), (json!(true), Value::Null));
    assert_eq!(api("bea").get_ok("/api/v1/account/waiting").await["items"], json!([]));
    srv.clock.set(Timestamp(at("2026-12-14T13:00")));
    assert_eq!(tick(&srv).await, 1, "the backup asked");
    assert_eq!(tick(&srv).await, 0, "once");
    let waiting = api("bea").get_ok("/api/v1/account/waiting").await;
    assert_eq!(
        (waiting["items"][0]["role"].clone(), waiting["items"][0]["overdue"].clone()),
        (json!("backup"), json!(true))
    );
    srv.clock.set(Timestamp(at("2026-12-14T13:10")));
    api("bea")
        .post_ok(&format!("/api/v1/versions/{v3}/decisions"), json!({"decision": "approved"}), StatusCode::CREATED)
        .await;
    let d = owner.get_ok(&format!("/api/v1/assets/{asset}/deliverable")).await;
    assert_eq!(d["stage"], "Brand");

    // Brand is skipped by the owner, with a reason; a member may not, and a reason is needed.
    srv.clock.set(Timestamp(at("2026-12-14T13:30")));
    let (st, _) = api("ed").post(&format!("/api/v1/assets/{asset}/stage/skip"), json!({"reason": "hurry"})).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, body) = owner.post(&format!("/api/v1/assets/{asset}/stage/skip"), json!({"reason": " "})).await;
    assert_eq!((st, s(&body["code"])), (StatusCode::BAD_REQUEST, "reason-required".into()));
    let d = owner
        .post_ok(
            &format!("/api/v1/assets/{asset}/stage/skip"),
            json!({"reason": "Brand signed this look off at kickoff"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!((d["stage"].clone(), d["run"]["due_at"].clone()), (json!("Legal"), rfc("2026-12-15T17:00")));
    let approvers = owner.get_ok(&format!("/api/v1/assets/{asset}/approvers")).await;
    assert_eq!(
        approvers["items"].as_array().unwrap().iter().map(|a| s(&a["user_id"])).collect::<Vec<_>>(),
        [id("lara")]
    );

    // Legal says nothing by Tuesday 17:00: deemed approved, sealed as such.
    srv.clock.set(Timestamp(at("2026-12-15T17:01")));
    assert!(tick(&srv).await >= 1);
    let v = owner.get_ok(&format!("/api/v1/versions/{v3}")).await;
    assert_eq!(v["locked"], true, "{v}");
    let receipt = owner.get_ok(&format!("/api/v1/versions/{v3}/receipt")).await["receipt"].clone();
    assert_eq!(receipt["lock"]["kind"], "deemed", "{receipt}");
    assert!(s(&receipt["lock"]["reason"]).contains("deemed approval"), "{receipt}");
    assert_eq!(
        (receipt["stage"]["name"].clone(), receipt["stage"]["deemed_approval"].clone()),
        (json!("Legal"), json!(true))
    );
    let d = owner.get_ok(&format!("/api/v1/assets/{asset}/deliverable")).await;
    assert_eq!(d["stage"], "Delivery");
    srv.clock.set(Timestamp(at("2026-12-15T17:30")));
    let d = api("ed").post_ok(&format!("/api/v1/assets/{asset}/stage/complete"), json!({}), StatusCode::OK).await;
    assert_eq!((d["delivered_at"].clone(), d["awaiting_version"].clone()), (rfc("2026-12-15T17:30"), json!(false)));

    // Every run, with its timestamps.
    let runs = owner.get_ok(&format!("/api/v1/assets/{asset}/stage-runs")).await;
    let want: Vec<(String, i64, String)> = [
        ("Edit", 1, "passed"),
        ("Internal review", 1, "changes_requested"),
        ("Edit", 2, "passed"),
        ("Internal review", 2, "passed"),
        ("Client review", 2, "changes_requested"),
        ("Edit", 3, "passed"),
        ("Client review", 3, "passed"),
        ("Brand", 3, "skipped"),
        ("Legal", 3, "deemed"),
        ("Delivery", 3, "passed"),
    ]
    .iter()
    .map(|(a, b, c)| ((*a).to_owned(), *b, (*c).to_owned()))
    .collect();
    assert_eq!(summary(&runs), want);
    let r = |i: usize| runs["items"][i].clone();
    let times = |i: usize| (r(i)["entered_at"].clone(), r(i)["due_at"].clone(), r(i)["exited_at"].clone());
    assert_eq!(times(0), (rfc("2026-12-07T10:00"), rfc("2026-12-09T17:00"), rfc("2026-12-07T10:00")));
    assert_eq!(times(1), (rfc("2026-12-07T10:00"), rfc("2026-12-08T17:00"), rfc("2026-12-07T10:30")));
    assert_eq!(times(2), (rfc("2026-12-07T10:30"), rfc("2026-12-09T17:00"), rfc("2026-12-08T11:00")));
    assert_eq!(times(4), (rfc("2026-12-08T11:00"), rfc("2026-12-10T17:00"), rfc("2026-12-08T12:00")));
    assert_eq!(times(6), (rfc("2026-12-09T10:00"), rfc("2026-12-11T17:00"), rfc("2026-12-14T13:10")));
    assert_eq!(times(7), (rfc("2026-12-14T13:10"), rfc("2026-12-15T17:00"), rfc("2026-12-14T13:30")));
    assert_eq!(times(8), (rfc("2026-12-14T13:30"), rfc("2026-12-15T17:00"), rfc("2026-12-15T17:01")));
    assert_eq!(times(9), (rfc("2026-12-15T17:01"), rfc("2026-12-16T17:00"), rfc("2026-12-15T17:30")));
    assert_eq!(r(7)["reason"], "Brand signed this look off at kickoff");
    let seat = |i: usize, n: usize| r(i)["reviewers"][n].clone();
    let (rita1, rob1) = (seat(1, 0), seat(1, 1));
    assert_eq!(
        (rita1["name"].clone(), rita1["asked_at"].clone(), rita1["first_seen_at"].clone(), rita1["decided_at"].clone()),
        (json!("rita"), rfc("2026-12-07T10:00"), rfc("2026-12-07T10:10"), rfc("2026-12-07T10:20"))
    );
    assert_eq!(
        (rob1["first_seen_at"].clone(), rob1["decided_at"].clone(), rob1["decision"].clone()),
        (Value::Null, rfc("2026-12-07T10:30"), json!("changes_requested"))
    );
    let client2 = seat(4, 0);
    assert_eq!(
        (client2["guest"].clone(), client2["decided_at"].clone(), client2["decision"].clone()),
        (json!(true), rfc("2026-12-08T11:00"), json!("changes_requested"))
    );
    let cara3 = seat(6, 1);
    assert_eq!((cara3["decided_by"].clone(), cara3["decided_at"].clone()), (json!("backup"), rfc("2026-12-14T13:10")));
    assert_eq!(
        (cara3["backup"]["name"].clone(), cara3["backup"]["asked_at"].clone(), cara3["backup"]["reason"].clone()),
        (json!("bea"), rfc("2026-12-14T13:00"), json!("overdue"))
    );
    assert_eq!(r(8)["reviewers"][0]["decided_at"], Value::Null, "deemed: nobody decided");

    // The audit trail has each move, the deemed one named as such.
    let mut actions: Vec<String> = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = owner.get_ok(&format!("/api/v1/projects/{pid}/audit?limit=200{cursor}")).await;
        actions.extend(page["items"].as_array().unwrap().iter().map(|e| s(&e["action"])));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    for a in [
        "brief.submitted",
        "brief.accepted",
        "workflow.applied",
        "stage.entered",
        "stage.changes_requested",
        "stage.skipped",
        "stage.deemed",
        "stage.overdue",
        "reviewer.asked",
        "checklist.ticked",
        "deliverable.delivered",
    ] {
        assert!(actions.iter().any(|x| x == a), "the audit has {a}: {actions:?}");
    }
    // The board shows where it ended.
    let board = owner.get_ok(&format!("/api/v1/projects/{pid}/board")).await;
    let last = &board["columns"][5];
    assert_eq!((last["name"].clone(), last["deliverables"][0]["name"].clone()), (json!("Delivery"), json!("Hero 30s")));
}
