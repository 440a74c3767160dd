//! Who may do what in the operations layer: every route of the `campaigns` tag for a reviewer
//! on the campaign and a reviewer outside it (the table must name every such route, so a new
//! route cannot go untested); moving a deliverable on the board; and intake links' limits,
//! revocation, guessing and a declined request.

use std::collections::BTreeSet;

use frameproof_domain::Timestamp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::kit::{Api, MailSink, TestServer, ffmpeg, settled, upload};

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}")).to_owned()
}

async fn user_id(api: &Api) -> String {
    s(&api.get_ok("/api/v1/account").await["user"]["id"])
}

/// What a role gets: `ok` (2xx), or a status.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Want {
    Ok,
    Forbidden,
    NotFound,
}
use Want::{Forbidden as F, NotFound as N, Ok as O};

#[tokio::test]
async fn reviewers_reach_exactly_what_is_shared_with_them_on_every_campaign_route() {
    let srv = TestServer::start().await;
    let (owner, ws) = srv.owner().await;
    let ws = s(&ws["id"]);
    let project = owner.create_project(&ws, "Winter launch").await;
    let pid = s(&project["id"]);
    let inside = srv.join(&owner, &ws, "rev@client.test", "reviewer", &[&pid]).await;
    let outside = srv.join(&owner, &ws, "out@client.test", "reviewer", &[]).await;
    let member = srv.join(&owner, &ws, "mo@agency.test", "member", &[]).await;
    let mo = user_id(&member).await;
    let group = owner
        .post_ok(
            &format!("/api/v1/workspaces/{ws}/groups"),
            json!({"name": "Brand", "members": [mo]}),
            StatusCode::CREATED,
        )
        .await;
    let brief_template = owner.get_ok(&format!("/api/v1/workspaces/{ws}/brief-templates")).await["items"][0].clone();
    let stages = json!([{"name": "Review", "kind": "review", "reviewers": [{"kind": "user", "user_id": mo}], "duration_days": 1,
        "checklist": [{"text": "Logo end card", "per": "stage"}]},
        {"name": "Delivery", "kind": "delivery", "duration_days": 1}]);
    let wt = owner
        .post_ok(
            &format!("/api/v1/workspaces/{ws}/workflow-templates"),
            json!({"name": "Short", "stages": stages}),
            StatusCode::CREATED,
        )
        .await;
    let brief = owner
        .post_ok(
            &format!("/api/v1/projects/{pid}/briefs"),
            json!({"values": {"objective": "Sell"}}),
            StatusCode::CREATED,
        )
        .await;
    owner
        .post_ok(&format!("/api/v1/projects/{pid}/workflow"), json!({"template_id": wt["id"]}), StatusCode::CREATED)
        .await;
    let png = ffmpeg(srv.data_dir(), "v1.png", &["-f", "lavfi", "-i", "color=c=red:size=32x32", "-frames:v", "1"]);
    let v1 = upload(&owner, &s(&project["root_folder_id"]), "Hero.png", png).await;
    settled(&owner, &v1).await;
    let asset = s(&owner.get_ok(&format!("/api/v1/versions/{v1}")).await["asset_id"]);
    let stage0 = s(&owner.get_ok(&format!("/api/v1/projects/{pid}/campaign")).await["workflow"]["stages"][0]["id"]);
    let link = owner
        .post_ok(&format!("/api/v1/workspaces/{ws}/intake-links"), json!({"name": "Requests"}), StatusCode::CREATED)
        .await;
    let lid = s(&link["link"]["id"]);
    let (bid, btid, wtid, gid) = (s(&brief["id"]), s(&brief_template["id"]), s(&wt["id"]), s(&group["id"]));
    let in_ws = |w: Want| [w, w];
    let in_project = |w: Want| [w, N];

    // Every campaign route: (method, path, body, [reviewer on the campaign, reviewer outside it]).
    let table: Vec<(&str, String, Value, [Want; 2])> = vec![
        ("get", format!("/api/v1/workspaces/{ws}/calendar"), json!(null), in_ws(O)),
        (
            "put",
            format!("/api/v1/workspaces/{ws}/calendar"),
            json!({"time_zone": "UTC", "working_days": ["mon"], "day_start": "09:00", "day_end": "17:00", "holidays": []}),
            in_ws(F),
        ),
        ("put", format!("/api/v1/workspaces/{ws}/members/{mo}/away"), json!({"from": null, "until": null}), in_ws(F)),
        ("get", format!("/api/v1/workspaces/{ws}/groups"), json!(null), in_ws(F)),
        ("post", format!("/api/v1/workspaces/{ws}/groups"), json!({"name": "Mine", "members": []}), in_ws(F)),
        ("patch", format!("/api/v1/groups/{gid}"), json!({"name": "Mine"}), in_ws(F)),
        ("delete", format!("/api/v1/groups/{gid}"), json!(null), in_ws(F)),
        ("get", format!("/api/v1/workspaces/{ws}/brief-templates"), json!(null), in_ws(F)),
        ("post", format!("/api/v1/workspaces/{ws}/brief-templates"), json!({"name": "Mine"}), in_ws(F)),
        ("get", format!("/api/v1/brief-templates/{btid}"), json!(null), in_ws(F)),
        ("patch", format!("/api/v1/brief-templates/{btid}"), json!({"name": "Mine"}), in_ws(F)),
        ("get", format!("/api/v1/projects/{pid}/briefs"), json!(null), in_project(O)),
        ("post", format!("/api/v1/projects/{pid}/briefs"), json!({"values": {}, "asset_id": asset}), in_project(F)),
        ("get", format!("/api/v1/briefs/{bid}"), json!(null), in_project(O)),
        ("patch", format!("/api/v1/briefs/{bid}"), json!({"values": {"objective": "Mine"}}), in_project(F)),
        ("post", format!("/api/v1/briefs/{bid}/submit"), json!({}), in_project(F)),
        ("post", format!("/api/v1/briefs/{bid}/accept"), json!({}), in_project(F)),
        ("get", format!("/api/v1/briefs/{bid}/revisions"), json!(null), in_project(O)),
        ("get", format!("/api/v1/briefs/{bid}/diff?from=1&to=1"), json!(null), in_project(O)),
        ("post", format!("/api/v1/briefs/{bid}/seen"), json!({}), in_project(O)),
        ("get", format!("/api/v1/workspaces/{ws}/workflow-templates"), json!(null), in_ws(F)),
        (
            "post",
            format!("/api/v1/workspaces/{ws}/workflow-templates"),
            json!({"name": "Mine", "stages": stages}),
            in_ws(F),
        ),
        ("get", format!("/api/v1/workflow-templates/{wtid}"), json!(null), in_ws(F)),
        ("patch", format!("/api/v1/workflow-templates/{wtid}"), json!({"name": "Mine"}), in_ws(F)),
        ("get", format!("/api/v1/projects/{pid}/campaign"), json!(null), in_project(O)),
        ("patch", format!("/api/v1/projects/{pid}/campaign"), json!({"launch_at": null}), in_project(F)),
        ("post", format!("/api/v1/projects/{pid}/workflow"), json!({"template_id": wtid}), in_project(F)),
        ("get", format!("/api/v1/projects/{pid}/board"), json!(null), in_project(O)),
        ("get", format!("/api/v1/assets/{asset}/deliverable"), json!(null), in_project(O)),
        ("patch", format!("/api/v1/assets/{asset}/deliverable"), json!({"due_at": null}), in_project(F)),
        ("get", format!("/api/v1/assets/{asset}/stage-runs"), json!(null), in_project(O)),
        ("post", format!("/api/v1/assets/{asset}/stage/skip"), json!({"reason": "mine"}), in_project(F)),
        ("post", format!("/api/v1/assets/{asset}/stage/complete"), json!({}), in_project(F)),
        (
            "post",
            format!("/api/v1/assets/{asset}/stage/move"),
            json!({"stage_id": stage0, "reason": "mine"}),
            in_project(F),
        ),
        ("get", format!("/api/v1/versions/{v1}/stage"), json!(null), in_project(O)),
        ("put", format!("/api/v1/versions/{v1}/stage/checklist/0"), json!({"ticked": true}), in_project(F)),
        ("post", format!("/api/v1/versions/{v1}/seen"), json!({}), in_project(O)),
        ("get", String::from("/api/v1/account/waiting"), json!(null), in_ws(O)),
        ("post", format!("/api/v1/assets/{asset}/nudge"), json!({"user_id": mo}), in_project(F)),
        ("get", String::from("/api/v1/account/inbox"), json!(null), in_ws(O)),
        ("post", String::from("/api/v1/account/inbox/read"), json!({}), in_ws(O)),
        ("get", format!("/api/v1/projects/{pid}/analytics"), json!(null), in_project(F)),
        ("get", format!("/api/v1/assets/{asset}/analytics"), json!(null), in_project(F)),
        ("get", format!("/api/v1/projects/{pid}/checkpoints"), json!(null), in_project(F)),
        ("get", format!("/api/v1/projects/{pid}/analytics.csv"), json!(null), in_project(F)),
        ("get", format!("/api/v1/workspaces/{ws}/analytics"), json!(null), in_ws(F)),
        ("get", format!("/api/v1/workspaces/{ws}/intake"), json!(null), in_ws(F)),
        ("put", format!("/api/v1/workspaces/{ws}/intake"), json!({"owner_ids": []}), in_ws(F)),
        ("post", format!("/api/v1/workspaces/{ws}/intake"), json!({"name": "Mine", "values": {}}), in_ws(F)),
        ("get", format!("/api/v1/workspaces/{ws}/intake-links"), json!(null), in_ws(F)),
        ("post", format!("/api/v1/workspaces/{ws}/intake-links"), json!({"name": "Mine"}), in_ws(F)),
        ("delete", format!("/api/v1/intake-links/{lid}"), json!(null), in_ws(F)),
        ("get", format!("/api/v1/workspaces/{ws}/requests"), json!(null), in_ws(F)),
        ("post", format!("/api/v1/projects/{pid}/request/accept"), json!({"template_id": wtid}), in_project(F)),
        ("post", format!("/api/v1/projects/{pid}/request/decline"), json!({"reason": "mine"}), in_project(F)),
    ];

    // The table names every authenticated route of the tag.
    let doc = Api::anonymous(&srv.url).get_ok("/api/v1/openapi.json").await;
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let public = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.as_object().is_some_and(|o| o.is_empty())));
            if op["tags"].as_array().is_some_and(|t| t.contains(&json!("campaigns"))) && !public {
                routes.insert((method.clone(), path.clone()));
            }
        }
    }
    let shape = |p: &str| {
        let p = p.split('?').next().unwrap();
        p.split('/').map(|seg| if seg.len() == 36 || seg == "0" { "{}" } else { seg }).collect::<Vec<_>>().join("/")
    };
    let named: BTreeSet<(String, String)> = table.iter().map(|(m, p, _, _)| (m.to_string(), shape(p))).collect();
    let documented: BTreeSet<(String, String)> = routes
        .iter()
        .map(|(m, p)| {
            let p: String =
                p.split('/').map(|seg| if seg.starts_with('{') { "{}" } else { seg }).collect::<Vec<_>>().join("/");
            (m.clone(), p)
        })
        .collect();
    assert_eq!(named, documented, "the table must name every campaign route, no more");

    for (who, api) in [("reviewer on the campaign", &inside), ("reviewer outside it", &outside)] {
        let col = if who.ends_with("campaign") { 0 } else { 1 };
        for (method, path, body, want) in &table {
            let mut req = api.request(method.to_uppercase().parse::<Method>().unwrap(), path);
            if !body.is_null() {
                req = req.json(body);
            }
            let (st, b) = api.send(req).await;
            let ok = match want[col] {
                O => st.is_success(),
                F => st == StatusCode::FORBIDDEN,
                N => st == StatusCode::NOT_FOUND,
            };
            assert!(ok, "{who}: {} {path} answered {st} {b}, expected {:?}", method.to_uppercase(), want[col]);
        }
    }
    // Nothing they tried changed anything.
    assert_eq!(owner.get_ok(&format!("/api/v1/briefs/{bid}")).await["revision"]["values"]["objective"], "Sell");
    assert_eq!(owner.get_ok(&format!("/api/v1/workflow-templates/{wtid}")).await["name"], "Short");
    assert_eq!(owner.get_ok(&format!("/api/v1/assets/{asset}/deliverable")).await["stage"], "Review");
    assert_eq!(owner.get_ok(&format!("/api/v1/workspaces/{ws}/intake-links")).await["items"][0]["live"], true);
}

#[tokio::test]
async fn a_manager_moves_a_deliverable_back_and_forward_on_the_board() {
    let srv = TestServer::start().await;
    let (owner, ws) = srv.owner().await;
    let ws = s(&ws["id"]);
    let member = srv.join(&owner, &ws, "mo@agency.test", "member", &[]).await;
    let mo = user_id(&member).await;
    let project = owner.create_project(&ws, "Spring").await;
    let pid = s(&project["id"]);
    let stages = json!([{"name": "Edit", "kind": "work", "duration_days": 1},
        {"name": "Review", "kind": "review", "reviewers": [{"kind": "user", "user_id": mo}], "duration_days": 1},
        {"name": "Legal", "kind": "review", "reviewers": [{"kind": "user", "user_id": mo}], "duration_days": 1},
        {"name": "Delivery", "kind": "delivery", "duration_days": 1}]);
    let wt = owner
        .post_ok(
            &format!("/api/v1/workspaces/{ws}/workflow-templates"),
            json!({"name": "Four", "stages": stages}),
            StatusCode::CREATED,
        )
        .await;
    let campaign = owner
        .post_ok(&format!("/api/v1/projects/{pid}/workflow"), json!({"template_id": wt["id"]}), StatusCode::CREATED)
        .await;
    let stage = |i: usize| s(&campaign["workflow"]["stages"][i]["id"]);
    let png = ffmpeg(srv.data_dir(), "v1.png", &["-f", "lavfi", "-i", "color=c=red:size=32x32", "-frames:v", "1"]);
    let v1 = upload(&member, &s(&project["root_folder_id"]), "Hero.png", png).await;
    settled(&owner, &v1).await;
    let asset = s(&owner.get_ok(&format!("/api/v1/versions/{v1}")).await["asset_id"]);
    let at = |d: &Value| s(&d["stage"]);
    assert_eq!(at(&owner.get_ok(&format!("/api/v1/assets/{asset}/deliverable")).await), "Review");

    let mv = |to: String, reason: &str| json!({"stage_id": to, "reason": reason});
    let (st, b) = member.post(&format!("/api/v1/assets/{asset}/stage/move"), mv(stage(3), "go")).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "a member is not the campaign's manager: {b}");
    let (st, b) = owner.post(&format!("/api/v1/assets/{asset}/stage/move"), mv(stage(1), "here")).await;
    assert_eq!(
        (st, s(&b["code"]), b["fields"].clone()),
        (StatusCode::CONFLICT, "stage-unchanged".into(), json!(["stage_id"]))
    );
    let (st, b) = owner.post(&format!("/api/v1/assets/{asset}/stage/move"), mv(stage(2), " ")).await;
    assert_eq!(
        (st, s(&b["code"]), b["fields"].clone()),
        (StatusCode::BAD_REQUEST, "reason-required".into(), json!(["reason"]))
    );
    // Forward: Review is skipped with the reason, Legal entered.
    let d = owner
        .post_ok(
            &format!("/api/v1/assets/{asset}/stage/move"),
            mv(stage(2), "client signed off by phone"),
            StatusCode::OK,
        )
        .await;
    assert_eq!(at(&d), "Legal");
    // Back to Edit: Legal ends with changes requested.
    let d =
        owner.post_ok(&format!("/api/v1/assets/{asset}/stage/move"), mv(stage(0), "wrong super"), StatusCode::OK).await;
    assert_eq!(at(&d), "Edit");
    let runs = owner.get_ok(&format!("/api/v1/assets/{asset}/stage-runs")).await;
    let summary: Vec<(String, String, String)> = runs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                s(&r["stage"]),
                r["outcome"].as_str().unwrap_or("open").to_owned(),
                r["reason"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("Edit".into(), "passed".into(), "".into()),
            ("Review".into(), "skipped".into(), "client signed off by phone".into()),
            ("Legal".into(), "changes_requested".into(), "wrong super".into()),
            ("Edit".into(), "open".into(), "".into()),
        ]
    );
}

#[tokio::test]
async fn intake_links_are_limited_revocable_and_unguessable_and_a_declined_request_is_explained() {
    let mut mail = MailSink::start().await;
    let srv = TestServer::start_with(|c| mail.configure(c)).await;
    let (owner, ws) = srv.owner().await;
    let ws = s(&ws["id"]);
    let anon = Api::anonymous(&srv.url);
    let now = frameproof_server::clock::Clock::now(&srv.clock).0;
    let (st, b) = owner
        .post(
            &format!("/api/v1/workspaces/{ws}/intake-links"),
            json!({"name": "Old", "expires_at": Timestamp(now - 1000).to_rfc3339()}),
        )
        .await;
    assert_eq!(
        (st, s(&b["code"]), b["fields"].clone()),
        (StatusCode::BAD_REQUEST, "invalid-expiry".into(), json!(["expires_at"]))
    );
    let (st, b) =
        owner.post(&format!("/api/v1/workspaces/{ws}/intake-links"), json!({"name": "X", "per_hour": 0})).await;
    assert_eq!((st, s(&b["code"])), (StatusCode::BAD_REQUEST, "per-hour-invalid".into()));
    let link = owner
        .post_ok(
            &format!("/api/v1/workspaces/{ws}/intake-links"),
            json!({"name": "Requests", "per_hour": 2, "expires_at": Timestamp(now + 3_600_000).to_rfc3339()}),
            StatusCode::CREATED,
        )
        .await;
    let token = s(&link["token"]);
    let values = json!({"objective": "Sell", "audience": "All", "key_message": "Buy",
        "deliverables": [{"name": "Banner", "spec": "300x250", "channel": "Web", "due": "2027-01-10"}]});
    let ask = |name: &str| json!({"token": token, "email": "pat@shop.test", "requester_name": "Pat", "name": name, "values": values});
    let first = anon.post_ok("/api/v1/intake/requests", ask("Sale banners"), StatusCode::CREATED).await;
    anon.post_ok("/api/v1/intake/requests", ask("More banners"), StatusCode::CREATED).await;
    let (st, b) = anon.post("/api/v1/intake/requests", ask("Even more")).await;
    assert_eq!(
        (st, s(&b["code"])),
        (StatusCode::TOO_MANY_REQUESTS, "too-many-attempts".into()),
        "two an hour from one address"
    );

    // Declined with a reason: the requester is told, the campaign archived.
    let pid = s(&first["reference"]);
    let (st, b) = owner.post(&format!("/api/v1/projects/{pid}/request/decline"), json!({"reason": ""})).await;
    assert_eq!(
        (st, s(&b["code"]), b["fields"].clone()),
        (StatusCode::BAD_REQUEST, "reason-required".into(), json!(["reason"]))
    );
    let declined = owner
        .post_ok(
            &format!("/api/v1/projects/{pid}/request/decline"),
            json!({"reason": "Covered by the January sale."}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        (s(&declined["request"]["state"]), s(&declined["request"]["decline_reason"])),
        ("declined".into(), "Covered by the January sale.".into())
    );
    let told = mail.take("pat@shop.test", |m| m["subject"] == "Declined: Sale banners").await;
    assert!(s(&told["text"]).contains("Covered by the January sale."), "{told}");
    assert!(owner.get_ok(&format!("/api/v1/projects/{pid}")).await["archived_at"].is_string());
    let (st, b) = owner.post(&format!("/api/v1/projects/{pid}/request/decline"), json!({"reason": "again"})).await;
    assert_eq!((st, s(&b["code"])), (StatusCode::CONFLICT, "request-decided".into()));
    let pending = owner.get_ok(&format!("/api/v1/workspaces/{ws}/requests?state=requested")).await;
    assert_eq!(pending["items"].as_array().unwrap().len(), 1);
    let (st, b) = owner.get(&format!("/api/v1/workspaces/{ws}/requests?state=maybe")).await;
    assert_eq!((st, s(&b["code"])), (StatusCode::BAD_REQUEST, "invalid-state".into()));

    // People and assets are the team's to name: a requester without an account cannot (and so
    // cannot probe which ids exist).
    let with_person = owner
        .post_ok(
            &format!("/api/v1/workspaces/{ws}/brief-templates"),
            json!({"name": "With producer", "fields": [
                {"key": "objective", "label": "Objective", "type": "text", "required": true},
                {"key": "producer", "label": "Producer", "type": "person"}]}),
            StatusCode::CREATED,
        )
        .await;
    let (st, b) = owner
        .send(
            owner
                .request(Method::PUT, &format!("/api/v1/workspaces/{ws}/intake"))
                .json(&json!({"template_id": with_person["id"]})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let other = owner
        .post_ok(&format!("/api/v1/workspaces/{ws}/intake-links"), json!({"name": "Other"}), StatusCode::CREATED)
        .await;
    let probe = json!({"token": other["token"], "email": "pat@shop.test", "requester_name": "Pat", "name": "Probe",
        "values": {"objective": "Sell", "producer": "01a1ee56-5e00-7ab5-ba23-d23f96ec4118"}});
    let (st, b) = anon.post("/api/v1/intake/requests", probe).await;
    assert_eq!(
        (st, s(&b["code"]), b["fields"].clone()),
        (StatusCode::BAD_REQUEST, "brief-field-invalid".into(), json!(["producer"]))
    );
    let form = anon.post_ok("/api/v1/intake/form", json!({"token": other["token"]}), StatusCode::OK).await;
    assert_eq!(s(&form["template_name"]), "With producer");

    // Revoked: the link stops at once. Expired: the same answer.
    let lid = s(&link["link"]["id"]);
    let (st, _) = owner.delete(&format!("/api/v1/intake-links/{lid}")).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, b) = anon.post("/api/v1/intake/form", json!({"token": token})).await;
    assert_eq!((st, s(&b["code"])), (StatusCode::NOT_FOUND, "intake-link-not-found".into()));
    let short = owner
        .post_ok(
            &format!("/api/v1/workspaces/{ws}/intake-links"),
            json!({"name": "Short", "expires_at": Timestamp(now + 3_600_000).to_rfc3339()}),
            StatusCode::CREATED,
        )
        .await;
    srv.clock.advance_ms(3 * 3_600_000);
    let (st, _) = anon.post("/api/v1/intake/form", json!({"token": short["token"]})).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "expired");

    // Guessing: twenty unknown tokens from one address, then refused even for a real one.
    let live = owner
        .post_ok(&format!("/api/v1/workspaces/{ws}/intake-links"), json!({"name": "Live"}), StatusCode::CREATED)
        .await;
    for i in 0..20 {
        let (st, _) = anon.post("/api/v1/intake/form", json!({"token": format!("guess-{i}")})).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    }
    let (st, b) = anon.post("/api/v1/intake/form", json!({"token": live["token"]})).await;
    assert_eq!((st, s(&b["code"])), (StatusCode::TOO_MANY_REQUESTS, "too-many-attempts".into()));
    srv.clock.advance_ms(11 * 60_000);
    anon.post_ok("/api/v1/intake/form", json!({"token": live["token"]}), StatusCode::OK).await;
}

#[tokio::test]
async fn a_guest_sees_the_brief_in_force_only_when_the_link_says_so() {
    let srv = TestServer::start().await;
    let (owner, ws) = srv.owner().await;
    let ws = s(&ws["id"]);
    let project = owner.create_project(&ws, "Winter launch").await;
    let pid = s(&project["id"]);
    let asset = owner
        .post_ok("/api/v1/assets", json!({"folder_id": project["root_folder_id"], "name": "Hero"}), StatusCode::CREATED)
        .await;
    let values = json!({"objective": "Sell", "audience": "All", "key_message": "Warm for less",
        "deliverables": [{"name": "Hero 30s", "spec": "16:9", "channel": "TV", "due": "2027-01-10"}]});
    let brief =
        owner.post_ok(&format!("/api/v1/projects/{pid}/briefs"), json!({"values": values}), StatusCode::CREATED).await;
    let bid = s(&brief["id"]);
    let guest_on = |show: bool| {
        let owner = owner.clone();
        let asset = s(&asset["id"]);
        let url = srv.url.clone();
        async move {
            let link = owner
                .post_ok("/api/v1/share-links", json!({"asset_id": asset, "show_brief": show}), StatusCode::CREATED)
                .await;
            assert_eq!(link["link"]["show_brief"], show);
            let g = Api::browser(&url);
            let (st, b) = g
                .post(
                    "/api/v1/guest/sessions",
                    json!({"token": link["token"], "name": "Carla", "email": "carla@client.test"}),
                )
                .await;
            assert_eq!(st, StatusCode::CREATED, "{b}");
            g
        }
    };
    let hidden = guest_on(false).await;
    let shown = guest_on(true).await;
    // A draft is the team's: nothing to show yet.
    assert_eq!(shown.get_ok("/api/v1/guest/brief").await, json!({"shown": true, "brief": null}));
    owner.post_ok(&format!("/api/v1/briefs/{bid}/submit"), json!({}), StatusCode::OK).await;
    assert_eq!(hidden.get_ok("/api/v1/guest/brief").await, json!({"shown": false, "brief": null}));
    let (st, b) = hidden.post("/api/v1/guest/brief/seen", json!({})).await;
    assert_eq!((st, s(&b["code"])), (StatusCode::NOT_FOUND, "brief-not-shared".into()));
    let seen = shown.get_ok("/api/v1/guest/brief").await;
    assert_eq!(seen["brief"]["revision"]["values"]["key_message"], "Warm for less");
    assert_eq!(seen["brief"]["changed_since_seen"], true);
    let after = shown.post_ok("/api/v1/guest/brief/seen", json!({}), StatusCode::OK).await;
    assert_eq!(after["brief"]["changed_since_seen"], false);
    // The team edits (a draft revision 2): the guest still reads revision 1, unchanged.
    owner.patch(&format!("/api/v1/briefs/{bid}"), json!({"values": {"key_message": "Warmer for less"}})).await;
    let still = shown.get_ok("/api/v1/guest/brief").await;
    assert_eq!(
        (still["brief"]["revision"]["number"].clone(), still["brief"]["revision"]["values"]["key_message"].clone()),
        (json!(1), json!("Warm for less"))
    );
    assert_eq!(still["brief"]["changed_since_seen"], false);
    // Submitted: revision 2 is in force, and it is news to the guest.
    owner.post_ok(&format!("/api/v1/briefs/{bid}/submit"), json!({}), StatusCode::OK).await;
    let news = shown.get_ok("/api/v1/guest/brief").await;
    assert_eq!(
        (news["brief"]["revision"]["number"].clone(), news["brief"]["changed_since_seen"].clone()),
        (json!(2), json!(true))
    );
    // The members' brief routes stay closed to guests either way.
    let (st, _) = shown.get(&format!("/api/v1/briefs/{bid}")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}
