//! Reminders and escalation across six business days with the test clock and a real SMTP
//! server: exactly the mails the rules call for, at most one digest per person per day, no mail
//! to someone with nothing waiting, nudges at most once a day; and the inbox.

use std::collections::BTreeMap;

use frameproof_domain::Timestamp;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::kit::{MailSink, TestServer, ffmpeg, settled, upload};

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}")).to_owned()
}

/// Milliseconds of a UTC time `2026-12-07T10:00` (London keeps GMT in December).
fn at(t: &str) -> i64 {
    let ts: jiff::Timestamp = format!("{t}:00Z").parse().unwrap();
    ts.as_millisecond()
}

/// What kind of reminder a mail is, by its subject; none for other mail (invitations, …).
fn kind(subject: &str) -> Option<&'static str> {
    [
        ("Please review ", "asked"),
        ("Due tomorrow: ", "due-soon"),
        ("Due now: ", "due-now"),
        ("Overdue: ", "escalated"),
        (" is waiting on you: ", "nudge"),
        (" wait on you today", "digest"),
        (" waits on you today", "digest"),
    ]
    .iter()
    .find(|(p, _)| subject.starts_with(p) || subject.contains(p))
    .map(|(_, k)| *k)
}

struct Clock<'a> {
    srv: &'a TestServer,
}

impl Clock<'_> {
    /// Moves the clock to `t`, runs the workflow clock and the reminder pass twice (the second
    /// pass must find nothing more to send), and waits until the outbox is empty.
    async fn to(&self, t: &str) -> usize {
        let state = &self.srv.running.as_ref().unwrap().state;
        self.srv.clock.set(Timestamp(at(t)));
        frameproof_server::app::workflow::tick(state).await.unwrap();
        let queued = frameproof_server::app::reminders::pass(state).await.unwrap();
        assert_eq!(
            frameproof_server::app::reminders::pass(state).await.unwrap(),
            0,
            "a second pass at {t} sends nothing"
        );
        self.drain().await;
        queued
    }

    async fn drain(&self) {
        let state = &self.srv.running.as_ref().unwrap().state;
        for _ in 0..200 {
            let mut c = state.store().reader().await.unwrap();
            if frameproof_store::mail::due(&mut c, i64::MAX, 8, 10).await.unwrap().is_empty() {
                return;
            }
            drop(c);
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the outbox did not empty");
    }
}

/// The first mail to `to` that `pred` picks, waiting up to 10 s for it (left in the sink, so
/// the tally counts it).
async fn find(mail: &mut MailSink, to: &str, pred: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        if let Some(m) = mail.all_to(to).into_iter().find(|m| pred(m)) {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no such mail to {to}: saw {:?}", mail.all_to(to).iter().map(|m| m["subject"].clone()).collect::<Vec<_>>());
}

/// `(recipient, kind) → count` of every reminder mail so far.
fn tally(mail: &mut MailSink, people: &[&str]) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for p in people {
        for m in mail.all_to(p) {
            if let Some(k) = kind(&s(&m["subject"])) {
                *out.entry((p.to_string(), k.to_owned())).or_insert(0) += 1;
            }
        }
    }
    out
}

fn expect(rows: &[(&str, &str, usize)]) -> BTreeMap<(String, String), usize> {
    rows.iter().map(|(p, k, n)| ((p.to_string(), k.to_string()), *n)).collect()
}

#[tokio::test]
async fn reminders_go_out_exactly_as_the_rules_say_across_six_business_days() {
    let mut mail = MailSink::start().await;
    let srv = TestServer::start_with(|c| {
        mail.configure(c);
        c.limits.workflow_clock_secs = 0;
    })
    .await;
    let clock = Clock { srv: &srv };
    srv.clock.set(Timestamp(at("2026-12-07T08:30")));
    let (owner, ws) = srv.owner().await;
    let ws = s(&ws["id"]);
    let owner_id = s(&owner.get_ok("/api/v1/account").await["user"]["id"]);
    let mut ids = BTreeMap::new();
    let mut apis = BTreeMap::new();
    for name in ["ed", "rita", "bob", "lena", "mo"] {
        let api = srv.join(&owner, &ws, &format!("{name}@agency.test"), "member", &[]).await;
        ids.insert(name, s(&api.get_ok("/api/v1/account").await["user"]["id"]));
        apis.insert(name, api);
    }
    let everyone = [
        "owner@example.com",
        "ed@agency.test",
        "rita@agency.test",
        "bob@agency.test",
        "lena@agency.test",
        "mo@agency.test",
        "gus@client.test",
    ];
    let cal = json!({"time_zone": "Europe/London", "working_days": ["mon", "tue", "wed", "thu", "fri"],
        "day_start": "09:00", "day_end": "17:00", "holidays": []});
    let (st, body) =
        owner.send(owner.request(reqwest::Method::PUT, &format!("/api/v1/workspaces/{ws}/calendar")).json(&cal)).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let template = owner
        .post_ok(
            &format!("/api/v1/workspaces/{ws}/workflow-templates"),
            json!({"name": "Two stages", "stages": [
                {"name": "Review", "kind": "review", "rule": "quorum", "quorum": 1, "duration_days": 2, "escalate_after_hours": 4,
                 "reviewers": [{"kind": "user", "user_id": ids["rita"], "backup_user_id": ids["bob"]},
                               {"kind": "guest", "email": "gus@client.test"}]},
                {"name": "Legal", "kind": "approval", "duration_days": 1, "reviewers": [{"kind": "user", "user_id": ids["lena"]}]},
            ]}),
            StatusCode::CREATED,
        )
        .await;
    let project = owner.create_project(&ws, "Winter launch").await;
    let pid = s(&project["id"]);
    owner.patch(&format!("/api/v1/projects/{pid}/campaign"), json!({"owner_id": owner_id})).await;
    owner
        .post_ok(
            &format!("/api/v1/projects/{pid}/workflow"),
            json!({"template_id": template["id"]}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(clock.to("2026-12-07T08:45").await, 0, "nothing waits on anyone yet");

    // Monday 09:00: v1 arrives; Review (due Wednesday 17:00) asks Rita and the guest.
    srv.clock.set(Timestamp(at("2026-12-07T09:00")));
    let png = ffmpeg(srv.data_dir(), "v1.png", &["-f", "lavfi", "-i", "color=c=red:size=32x32", "-frames:v", "1"]);
    let v1 = upload(&apis["ed"], &s(&project["root_folder_id"]), "Hero.png", png).await;
    settled(&owner, &v1).await;
    let asset = s(&owner.get_ok(&format!("/api/v1/versions/{v1}")).await["asset_id"]);
    clock.to("2026-12-07T09:05").await;
    let asked =
        find(&mut mail, "gus@client.test", |m| m["subject"].as_str().unwrap().starts_with("Please review Hero v1"))
            .await;
    assert!(s(&asked["text"]).contains("Open it from the review link you were sent."), "a guest has no app link");
    let asked =
        find(&mut mail, "rita@agency.test", |m| m["subject"].as_str().unwrap().starts_with("Please review")).await;
    assert_eq!(s(&asked["subject"]), "Please review Hero v1: Review (due Wed 9 Dec 2026 17:00 Europe/London)");
    assert!(s(&asked["text"]).contains(&format!("/a/{asset}?v={v1}")), "{asked}");
    clock.to("2026-12-07T12:00").await;
    assert_eq!(
        tally(&mut mail, &everyone),
        expect(&[("gus@client.test", "asked", 1), ("rita@agency.test", "asked", 1)]),
        "Monday: the asks only (what was asked after 08:00 waits for Tuesday's digest)"
    );

    // Tuesday: the 08:00 digest, "due tomorrow" at the start of the working day, a nudge.
    clock.to("2026-12-08T07:59").await;
    clock.to("2026-12-08T08:00").await;
    clock.to("2026-12-08T08:30").await;
    let digest = find(&mut mail, "rita@agency.test", |m| m["subject"] == "1 thing waits on you today").await;
    assert!(
        s(&digest["text"]).contains("Hero v1 (Winter launch): Review, round 1, due Wed 9 Dec 2026 17:00"),
        "{digest}"
    );
    clock.to("2026-12-08T09:00").await;
    srv.clock.set(Timestamp(at("2026-12-08T11:00")));
    let nudged = owner
        .post_ok(
            &format!("/api/v1/assets/{asset}/nudge"),
            json!({"email": "Gus@Client.test", "message": "Launch is close"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(nudged["next_allowed_at"], json!(Timestamp(at("2026-12-09T11:00")).to_rfc3339()));
    clock.drain().await;
    srv.clock.set(Timestamp(at("2026-12-08T15:00")));
    let (st, body) = owner.post(&format!("/api/v1/assets/{asset}/nudge"), json!({"email": "gus@client.test"})).await;
    assert_eq!(
        (st, s(&body["code"]), body["fields"].clone()),
        (StatusCode::CONFLICT, "nudge-too-soon".into(), json!(["email"]))
    );
    let (st, body) = owner.post(&format!("/api/v1/assets/{asset}/nudge"), json!({"user_id": ids["mo"]})).await;
    assert_eq!(
        (st, s(&body["code"]), body["fields"].clone()),
        (StatusCode::CONFLICT, "not-waiting".into(), json!(["user_id"]))
    );
    let (st, body) = owner.post(&format!("/api/v1/assets/{asset}/nudge"), json!({})).await;
    assert_eq!((st, s(&body["code"])), (StatusCode::BAD_REQUEST, "nudge-target-invalid".into()));

    // Wednesday: digest; a second nudge a day later is allowed; due now at 17:00.
    clock.to("2026-12-09T08:05").await;
    srv.clock.set(Timestamp(at("2026-12-09T11:30")));
    owner.post_ok(&format!("/api/v1/assets/{asset}/nudge"), json!({"email": "gus@client.test"}), StatusCode::OK).await;
    clock.to("2026-12-09T16:59").await;
    clock.to("2026-12-09T17:00").await;
    // Thursday: digest; at 13:00 (four business hours late) Bob is asked in Rita's place and
    // the campaign's owner is told.
    clock.to("2026-12-10T08:00").await;
    assert_eq!(clock.to("2026-12-10T12:59").await, 0);
    clock.to("2026-12-10T13:00").await;
    let told = find(&mut mail, "owner@example.com", |m| m["subject"] == "Overdue: Hero v1 in Review").await;
    assert!(s(&told["text"]).contains("still waits on rita, gus@client.test. Asked instead: bob."), "{told}");
    let asked =
        find(&mut mail, "bob@agency.test", |m| m["subject"].as_str().unwrap().starts_with("Please review")).await;
    assert!(s(&asked["text"]).contains("in place of rita"), "{asked}");
    // Friday: digests for Rita, the guest and Bob; Bob approves, Legal asks Lena (due Monday).
    clock.to("2026-12-11T08:00").await;
    srv.clock.set(Timestamp(at("2026-12-11T10:00")));
    apis["bob"]
        .post_ok(&format!("/api/v1/versions/{v1}/decisions"), json!({"decision": "approved"}), StatusCode::CREATED)
        .await;
    clock.to("2026-12-11T10:01").await;
    // The weekend: nothing.
    assert_eq!(clock.to("2026-12-12T08:00").await, 0);
    assert_eq!(clock.to("2026-12-13T09:00").await, 0);
    // Monday: Lena's digest, and her due-now at 17:00; Review ended, so no one else hears.
    clock.to("2026-12-14T08:00").await;
    clock.to("2026-12-14T17:00").await;

    assert_eq!(
        tally(&mut mail, &everyone),
        expect(&[
            ("bob@agency.test", "asked", 1),
            ("bob@agency.test", "digest", 1),
            ("gus@client.test", "asked", 1),
            ("gus@client.test", "digest", 4),
            ("gus@client.test", "due-now", 1),
            ("gus@client.test", "due-soon", 1),
            ("gus@client.test", "nudge", 2),
            ("lena@agency.test", "asked", 1),
            ("lena@agency.test", "digest", 1),
            ("lena@agency.test", "due-now", 1),
            // Review four business hours late, Legal at its due time (no grace, no backup).
            ("owner@example.com", "escalated", 2),
            ("rita@agency.test", "asked", 1),
            ("rita@agency.test", "digest", 4),
            ("rita@agency.test", "due-now", 1),
            ("rita@agency.test", "due-soon", 1),
        ]),
        "every reminder mail of the six business days, by person and kind"
    );

    // The inbox: what waits on Lena; what the owner owns that is late; read marks.
    let inbox = apis["lena"].get_ok("/api/v1/account/inbox").await;
    assert_eq!(inbox["waiting"].as_array().unwrap().len(), 1);
    assert_eq!(
        (s(&inbox["waiting"][0]["stage"]), inbox["waiting"][0]["overdue"].clone()),
        ("Legal".into(), json!(false))
    );
    assert_eq!(inbox["unread"]["waiting"], 1);
    let read = apis["lena"].post_ok("/api/v1/account/inbox/read", json!({}), StatusCode::OK).await;
    assert_eq!(read["unread"]["total"], 0);
    srv.clock.set(Timestamp(at("2026-12-14T17:30")));
    let mine = owner.get_ok("/api/v1/account/inbox").await;
    assert_eq!(s(&mine["late"][0]["stage"]), "Legal");
    assert_eq!(mine["late"][0]["waiting_on"], json!(["lena"]));
    assert!(apis["mo"].get_ok("/api/v1/account/inbox").await["waiting"].as_array().unwrap().is_empty());
}
