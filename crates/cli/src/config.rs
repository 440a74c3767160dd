//! Loading the configuration: compiled defaults, then the TOML file (`--config PATH`, else
//! `FRAMEPROOF_CONFIG`, else `./frameproof.toml` when present), then `FRAMEPROOF__SECTION__KEY`
//! environment variables, then command-line flags. Unknown keys anywhere are refused by name.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use frameproof_server::config::Config;
use toml::{Table, Value};

/// The prefix of configuration environment variables.
const ENV_PREFIX: &str = "FRAMEPROOF__";

/// Where the file comes from: an explicit path must exist; the default one is optional.
pub fn config_path(explicit: Option<&Path>) -> Option<PathBuf> {
    explicit.map(Path::to_path_buf).or_else(|| {
        let default = PathBuf::from("frameproof.toml");
        default.is_file().then_some(default)
    })
}

/// Builds the effective configuration. `overrides` are `(section.key, value)` pairs from flags.
pub fn load(explicit: Option<&Path>, env: &[(String, String)], overrides: &[(&str, Value)]) -> Result<Config> {
    let mut merged = Table::new();
    if let Some(path) = config_path(explicit) {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading the configuration file {}", path.display()))?;
        let file: Table =
            toml::from_str(&text).with_context(|| format!("parsing the configuration file {}", path.display()))?;
        merge(&mut merged, file);
    }
    // Environment values are TOML literals when they parse as one (numbers, booleans), else text;
    // a literal that does not fit its key is retried as text.
    let mut from_env: Vec<(Vec<String>, String)> = Vec::new();
    for (name, raw) in env {
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else { continue };
        let path: Vec<String> = rest.split("__").map(str::to_lowercase).collect();
        if path.iter().any(String::is_empty) {
            bail!("environment variable {name}: expected FRAMEPROOF__SECTION__KEY");
        }
        set(&mut merged, &path, literal(raw));
        from_env.push((path, raw.clone()));
    }
    for (key, value) in overrides {
        let path: Vec<String> = key.split('.').map(str::to_owned).collect();
        set(&mut merged, &path, value.clone());
    }
    let mut as_text: Vec<usize> = Vec::new();
    loop {
        match deserialize(&merged) {
            Ok(config) => {
                config.validate().map_err(anyhow::Error::msg)?;
                return Ok(config);
            }
            Err((path, message)) => {
                let retry = from_env.iter().enumerate().find(|(i, (p, _))| p.join(".") == path && !as_text.contains(i));
                match retry {
                    Some((i, (p, raw))) => {
                        set(&mut merged, p, Value::String(raw.clone()));
                        as_text.push(i);
                    }
                    None => bail!("invalid configuration: {message}"),
                }
            }
        }
    }
}

fn deserialize(table: &Table) -> std::result::Result<Config, (String, String)> {
    let value = Value::Table(table.clone());
    serde_path_to_error::deserialize::<_, Config>(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let inner = inner.trim().to_owned();
        (path.clone(), if path == "." { inner } else { format!("{path}: {inner}") })
    })
}

fn literal(raw: &str) -> Value {
    match toml::from_str::<Table>(&format!("v = {raw}")) {
        Ok(mut t) => t.remove("v").unwrap_or_else(|| Value::String(raw.to_owned())),
        Err(_) => Value::String(raw.to_owned()),
    }
}

fn set(table: &mut Table, path: &[String], value: Value) {
    match path {
        [] => {}
        [last] => {
            table.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let entry = table.entry(first.clone()).or_insert_with(|| Value::Table(Table::new()));
            if !entry.is_table() {
                *entry = Value::Table(Table::new());
            }
            if let Value::Table(t) = entry {
                set(t, rest, value);
            }
        }
    }
}

fn merge(into: &mut Table, from: Table) {
    for (k, v) in from {
        match (into.get_mut(&k), v) {
            (Some(Value::Table(a)), Value::Table(b)) => merge(a, b),
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

/// The effective configuration as TOML, secrets redacted.
pub fn print(config: &Config) -> Result<String> {
    toml::to_string_pretty(&config.redacted()).context("rendering the configuration")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    #[test]
    fn defaults_then_file_then_env_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.toml");
        std::fs::write(
            &file,
            "[server]\nlisten = \"127.0.0.1:9000\"\ndata_dir = \"/srv/fp\"\n[limits]\nmax_page_size = 10\n",
        )
        .unwrap();
        let c = load(Some(&file), &env(&[("FRAMEPROOF__LIMITS__MAX_PAGE_SIZE", "20")]), &[]).unwrap();
        assert_eq!(c.server.listen.port(), 9000);
        assert_eq!(c.server.data_dir, PathBuf::from("/srv/fp"));
        assert_eq!(c.limits.max_page_size, 20);
        assert_eq!(c.limits.trash_retention_days, 30);
        let c = load(Some(&file), &[], &[("server.data_dir", Value::String("/other".into()))]).unwrap();
        assert_eq!(c.server.data_dir, PathBuf::from("/other"));
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.toml");
        std::fs::write(&file, "[server]\nlisten_addr = \"127.0.0.1:9000\"\n").unwrap();
        let err = load(Some(&file), &[], &[]).unwrap_err().to_string();
        assert!(err.contains("listen_addr"), "{err}");
        let err = load(None, &env(&[("FRAMEPROOF__SERVR__LISTEN", "x")]), &[]).unwrap_err().to_string();
        assert!(err.contains("servr"), "{err}");
    }

    #[test]
    fn env_text_that_looks_like_a_number_stays_text_where_text_is_expected() {
        let c = load(
            None,
            &env(&[("FRAMEPROOF__MAIL__PASSWORD", "12345"), ("FRAMEPROOF__SERVER__LISTEN", "127.0.0.1:0")]),
            &[],
        )
        .unwrap();
        assert_eq!(c.mail.password.as_deref(), Some("12345"));
        assert_eq!(c.server.listen.port(), 0);
    }

    #[test]
    fn printing_redacts_secrets() {
        let c = load(
            None,
            &env(&[("FRAMEPROOF__MAIL__PASSWORD", "hunter2hunter2"), ("FRAMEPROOF__SERVER__METRICS_TOKEN", "m3tr1cs")]),
            &[],
        )
        .unwrap();
        let out = print(&c).unwrap();
        assert!(!out.contains("hunter2") && !out.contains("m3tr1cs"), "{out}");
        assert!(out.contains("<redacted>"));
    }

    #[test]
    fn invalid_values_are_explained() {
        let err = load(None, &env(&[("FRAMEPROOF__LIMITS__TRASH_RETENTION_DAYS", "0")]), &[]).unwrap_err().to_string();
        assert!(err.contains("trash_retention_days"), "{err}");
        let err = load(None, &env(&[("FRAMEPROOF__SERVER__LISTEN", "nowhere")]), &[]).unwrap_err().to_string();
        assert!(err.contains("server.listen"), "{err}");
    }
}
