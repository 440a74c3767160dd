//! `--help` is clear for the binary and every subcommand.

use crate::kit::{run, text};

#[test]
fn every_command_has_clear_help() {
    let cases: &[(&[&str], &[&str])] = &[
        (&["--help"], &["serve", "worker", "admin", "config", "openapi", "tc", "set-up link"]),
        (&["tc", "--help"], &["--rate", "--drop-frame", "--start", "--frame", "--timecode"]),
        (&["worker", "--help"], &["--data-dir"]),
        (&["serve", "--help"], &["--data-dir", "--listen", "port 0"]),
        (&["admin", "--help"], &["create-user", "create-token", "reset-password", "set-quota", "backup", "check"]),
        (&["admin", "create-user", "--help"], &["--email", "--password-stdin", "--workspace", "--role"]),
        (&["admin", "create-token", "--help"], &["--email", "stdout"]),
        (&["admin", "reset-password", "--help"], &["--email", "--password-stdin"]),
        (&["admin", "set-quota", "--help"], &["--workspace", "--bytes"]),
        (&["admin", "backup", "--help"], &["--out", "Safe while the server runs"]),
        (&["admin", "check", "--help"], &["integrity"]),
        (&["config", "--help"], &["print"]),
        (&["config", "print", "--help"], &["redacted"]),
        (&["openapi", "--help"], &["OpenAPI"]),
    ];
    for (args, expect) in cases {
        let out = run(args, "", &[]);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let help = text(&out.stdout);
        assert!(help.contains("Usage:"), "{args:?}: {help}");
        for e in *expect {
            assert!(help.contains(e), "{args:?} help lacks {e:?}:\n{help}");
        }
    }
    let out = run(&["no-such-command"], "", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unrecognized subcommand"));
}

#[test]
fn openapi_prints_the_document_without_a_server() {
    let out = run(&["openapi"], "", &[]);
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/projects"]["post"].is_object());
}

#[test]
fn config_print_shows_the_effective_configuration_without_secrets() {
    let out = run(
        &["config", "print"],
        "",
        &[
            ("FRAMEPROOF__MAIL__PASSWORD", "hunter2hunter2"),
            ("FRAMEPROOF__SERVER__LISTEN", "0.0.0.0:9999"),
            ("FRAMEPROOF__MAIL__HOST", "smtp.example.com"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("listen = \"0.0.0.0:9999\""), "{shown}");
    assert!(shown.contains("host = \"smtp.example.com\""), "{shown}");
    assert!(shown.contains("<redacted>") && !shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("trash_retention_days = 30"), "{shown}");
}

#[test]
fn unknown_configuration_keys_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("frameproof.toml");
    std::fs::write(&file, "[server]\nlisten = \"127.0.0.1:0\"\ndatadir = \"x\"\n").unwrap();
    let out = run(&["--config", file.to_str().unwrap(), "config", "print"], "", &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("datadir"), "{err}");
    let out = run(&["config", "print"], "", &[("FRAMEPROOF__LIMITS__NOPE", "1")]);
    assert!(text(&out.stderr).contains("nope"), "{}", text(&out.stderr));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn tc_prints_only_the_value_and_refuses_bad_labels() {
    let cases: &[(&[&str], &str)] = &[
        (&["tc", "--rate", "30000/1001", "--drop-frame", "--frame", "17982"], "00:10:00;00"),
        (&["tc", "--rate", "30000/1001", "--drop-frame", "--timecode", "00:10:00;00"], "17982"),
        (&["tc", "--rate", "29.97", "--drop-frame", "--timecode", "00:10:00:00"], "17982"),
        (&["tc", "--rate", "29.97", "--drop-frame", "--start", "01:00:00;00", "--frame", "1800"], "01:01:00;02"),
        (&["tc", "--rate", "29.97", "--drop-frame", "--start", "01:00:00;00", "--timecode", "01:01:00;02"], "1800"),
        (&["tc", "--rate", "23.976", "--frame", "86400"], "01:00:00:00"),
        (&["tc", "--rate", "119.88", "--frame", "120"], "00:00:01:000"),
        (&["tc", "--rate", "59.94", "--drop-frame", "--frame", "3600"], "00:01:00;04"),
    ];
    for (args, expect) in cases {
        let out = run(args, "", &[]);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), format!("{expect}\n"), "{args:?}");
    }
    for (args, words) in [
        (&["tc", "--rate", "29.97", "--drop-frame", "--timecode", "00:01:00;00"][..], "does not exist"),
        (&["tc", "--rate", "25", "--timecode", "00:00:00;10"][..], "non-drop"),
        (&["tc", "--rate", "25", "--timecode", "00:00:00:25"][..], "below 25"),
        (&["tc", "--rate", "25", "--drop-frame", "--frame", "1"][..], "29.97"),
    ] {
        let out = run(args, "", &[]);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty());
        assert!(text(&out.stderr).contains(words), "{args:?}: {}", text(&out.stderr));
    }
}
