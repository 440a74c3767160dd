//! The build profiles: what `make build` ships and what profiling uses. The precompiled
//! standard library and the C parts carry full DWARF whatever `debug` says, so only stripping
//! keeps the shipped binary lean (136 MB with `debug = "line-tables-only"`, 34 MB stripped of
//! debug info, measured on this code base); profiling gets everything back in its own profile.

fn profile(name: &str) -> toml::Table {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml")).unwrap();
    let doc: toml::Table = manifest.parse().unwrap();
    doc["profile"].get(name).and_then(|p| p.as_table()).cloned().unwrap_or_else(|| panic!("no [profile.{name}]"))
}

#[test]
fn the_shipped_build_carries_no_debug_info_and_the_profiling_build_all_of_it() {
    let release = profile("release");
    let strip = release.get("strip").map(ToString::to_string);
    assert!(
        matches!(strip.as_deref(), Some("\"debuginfo\"") | Some("\"symbols\"") | Some("true")),
        "the release profile must strip debug info (strip = \"debuginfo\"), not {strip:?}"
    );
    let profiling = profile("profiling");
    assert_eq!(profiling.get("inherits").and_then(|v| v.as_str()), Some("release"), "profiling is the release build");
    let debug = profiling.get("debug").map(ToString::to_string);
    assert!(matches!(debug.as_deref(), Some("true") | Some("2") | Some("\"full\"")), "full debug info, not {debug:?}");
    let strip = profiling.get("strip").map(ToString::to_string);
    assert!(matches!(strip.as_deref(), Some("\"none\"") | Some("false")), "nothing stripped, not {strip:?}");
}
