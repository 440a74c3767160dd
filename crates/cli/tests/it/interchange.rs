//! `frameproof export markers`, `import markers` and `export report` against a real server:
//! every importable format goes out and comes back onto the right frames at 29.97 drop-frame
//! from 01:00:00;00 (members' exports include the team's own threads), a dry run creates nothing, and the printed report (PDF from headless
//! Chromium, read back with pdftotext) names every comment's timecode, author and text and the
//! lock.

use std::path::Path;

use serde_json::{Value, json};

use crate::kit::{Served, client, post, project_root, provision, run, text, upload_ready};

/// A 2-second 29.97 fps clip whose timecode starts at 01:00:00;00 (60 frames).
fn clip(dir: &Path, name: &str) -> Vec<u8> {
    let out = dir.join(name);
    let ok = std::process::Command::new("ffmpeg")
        .args(["-y", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=30000/1001", "-t", "2"])
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-timecode", "01:00:00;00"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(ok.success());
    std::fs::read(out).unwrap()
}

#[tokio::test]
async fn markers_go_out_and_come_back_and_the_report_prints() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let token = provision(dir);
    let srv = Served::start(dir, &[]);
    let (url, c) = (srv.url.clone(), client(&token));
    let (_, root) = project_root(&c, &url).await;
    let v1 = upload_ready(&c, &url, "folder_id", &root, "Hero 30s.mov", clip(dir, "a.mov")).await;
    let asset =
        c.get(format!("{url}/api/v1/versions/{v1}")).send().await.unwrap().json::<Value>().await.unwrap()["asset_id"]
            .as_str()
            .unwrap()
            .to_owned();
    let v2 = upload_ready(&c, &url, "asset_id", &asset, "Hero 30s v2.mov", clip(dir, "b.mov")).await;
    let logo =
        post(&c, &url, &format!("/api/v1/versions/{v1}/comments"), json!({"body": "Logo <b>bigger</b>", "frame": 0}))
            .await;
    post(&c, &url, &format!("/api/v1/comments/{}/replies", logo["id"].as_str().unwrap()), json!({"body": "On it"}))
        .await;
    post(
        &c,
        &url,
        &format!("/api/v1/versions/{v1}/comments"),
        json!({"body": "Fade out sooner", "frame": 30, "frame_out": 45}),
    )
    .await;
    post(
        &c,
        &url,
        &format!("/api/v1/versions/{v1}/comments"),
        json!({"body": "internal: client asked twice", "frame": 50, "team_only": true}),
    )
    .await;

    let bin_args = |extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        a.extend(["--server".into(), url.clone()]);
        a
    };
    let envs = [("FRAMEPROOF_TOKEN", token.as_str())];
    // Every importable format: out of v1, a dry run onto v2 lists the same frames and texts.
    for format in ["resolve-edl", "fcpxml", "fcp7-xml", "avid-txt", "otio", "csv"] {
        let file = dir.join(format!("markers.{format}"));
        let args = bin_args(&[
            "export",
            "markers",
            "--version",
            &v1,
            "--format",
            format,
            "--out",
            file.to_str().unwrap(),
            "--no-author",
        ]);
        let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), "", &envs);
        assert!(out.status.success(), "{format}: {}", text(&out.stderr));
        let args = bin_args(&["import", "markers", "--version", &v2, file.to_str().unwrap(), "--dry-run"]);
        let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), "", &envs);
        assert!(out.status.success(), "{format}: {}", text(&out.stderr));
        let listing = text(&out.stdout);
        assert!(listing.contains(&format!("({format}): would create 3 comments")), "{format}: {listing}");
        assert!(listing.contains("01:00:00;00\t0\tLogo <b>bigger</b>"), "{format}: {listing}");
        assert!(listing.contains("01:00:01;00–01:00:01;15\t30\tFade out sooner"), "{format}: {listing}");
    }
    let count = |v: String| {
        let c = c.clone();
        let url = url.clone();
        async move {
            c.get(format!("{url}/api/v1/versions/{v}/comments")).send().await.unwrap().json::<Value>().await.unwrap()["items"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(count(v2.clone()).await, 0, "a dry run creates nothing");
    // The real import (format guessed), onto the right frames, by the importer.
    let file = dir.join("markers.fcpxml");
    let args = bin_args(&["import", "markers", "--version", &v2, file.to_str().unwrap()]);
    let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), "", &envs);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page: Value = c.get(format!("{url}/api/v1/versions/{v2}/comments")).send().await.unwrap().json().await.unwrap();
    let got: Vec<(Value, Value, Value)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["frame"].clone(), c["frame_out"].clone(), c["timecode"].clone()))
        .collect();
    assert_eq!(
        got,
        [
            (json!(0), Value::Null, json!("01:00:00;00")),
            (json!(30), json!(45), json!("01:00:01;00")),
            (json!(50), Value::Null, json!("01:00:01;20")),
        ]
    );
    assert!(page["items"][0]["body"].as_str().unwrap().starts_with("Logo <b>bigger</b>"));
    // A file with a bad line is refused whole, naming the line.
    std::fs::write(dir.join("bad.csv"), "Frame,Text\n1,ok\nx,broken\n").unwrap();
    let args = bin_args(&["import", "markers", "--version", &v2, dir.join("bad.csv").to_str().unwrap()]);
    let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), "", &envs);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("line 3"), "{}", text(&out.stderr));
    assert_eq!(count(v2.clone()).await, 3, "nothing half-imported");

    // Decide, lock, and print the report.
    post(&c, &url, &format!("/api/v1/versions/{v1}/decisions"), json!({"decision": "approved", "note": "Ship it"}))
        .await;
    post(&c, &url, &format!("/api/v1/versions/{v1}/lock"), json!({"reason": "Legal sign-off"})).await;
    let pdf = dir.join("report.pdf");
    let args = bin_args(&["export", "report", "--version", &v1, "--out", pdf.to_str().unwrap()]);
    let out = run(&args.iter().map(String::as_str).collect::<Vec<_>>(), "", &envs);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    let txt = std::process::Command::new("pdftotext").args(["-layout"]).arg(&pdf).arg("-").output().unwrap();
    assert!(txt.status.success());
    let words = text(&txt.stdout);
    for needle in [
        "Hero 30s v1",
        "01:00:00;00 (frame 0)",
        "01:00:01;00 – 01:00:01;15 (frames 30–45)",
        "Logo <b>bigger</b>",
        "Fade out sooner",
        "On it",
        "Status: Approved and locked",
        "Approved",
        "Approval certificate",
        "Legal sign-off",
        "Ship it",
        "internal: client asked twice",
    ] {
        assert!(words.contains(needle), "{needle:?} in the report:\n{words}");
    }
    let author_lines = words.lines().filter(|l| l.contains("owner")).count();
    assert!(author_lines >= 3, "each comment names its author:\n{words}");

    // The certificate's own instructions check it: fetch what it names, run the command it
    // prints, and the fingerprint the command reports is the one on the page.
    let flat: String = words.split_whitespace().collect();
    assert!(flat.contains("Lockedbyhandby"), "a manual lock says who locked it:\n{words}");
    let receipt: Value =
        c.get(format!("{url}/api/v1/versions/{v1}/receipt")).send().await.unwrap().json().await.unwrap();
    let kid = receipt["signature"]["kid"].as_str().unwrap().to_owned();
    let keys = reqwest::get(format!("{url}/api/v1/keys")).await.unwrap().text().await.unwrap();
    let keys_json: Value = serde_json::from_str(&keys).unwrap();
    let fingerprint = keys_json.as_array().unwrap().iter().find(|k| k["kid"] == kid.as_str()).unwrap()["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    let page_fingerprint: String = fingerprint.split_whitespace().collect();
    assert!(flat.contains(&page_fingerprint), "the page names the key's fingerprint {fingerprint}:\n{words}");
    let check = dir.join("check");
    std::fs::create_dir(&check).unwrap();
    std::fs::write(check.join("receipt.json"), receipt.to_string()).unwrap();
    std::fs::write(check.join("keys.json"), keys).unwrap();
    std::fs::copy(dir.join("a.mov"), check.join("Hero 30s.mov")).unwrap();
    let command = "frameproof verify receipt.json 'Hero 30s.mov' --key keys.json";
    assert!(words.contains(command), "the page prints the command {command:?}:\n{words}");
    let out = std::process::Command::new(crate::kit::BIN)
        .args(["verify", "receipt.json", "Hero 30s.mov", "--key", "keys.json"])
        .current_dir(&check)
        .output()
        .unwrap();
    let said = text(&out.stdout);
    assert!(out.status.success(), "{said}{}", text(&out.stderr));
    assert!(said.contains(&format!("signed by key {kid} (fingerprint {fingerprint})")), "{said}");
    assert!(said.contains("Hero 30s.mov matches"), "{said}");
}
