//! Briefs: the fields a workspace's brief templates define, the values a brief holds, what a
//! submitted brief must have, and what changed between two revisions.
//!
//! A template is an ordered list of fields, each with a key (`objective`), a label, a type and
//! whether it is required. A brief's values are a JSON object keyed by field key; a value is
//! checked against its field's type whenever it is written, and required fields are checked
//! when the brief is submitted (a draft may be incomplete). References to people and assets are
//! checked against the workspace by the caller: here they are only well-formed ids.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::problem::Problem;

/// Fields in one template.
pub const MAX_FIELDS: usize = 60;
/// Options of one select field.
pub const MAX_OPTIONS: usize = 100;
/// The longest short text value, in characters.
pub const MAX_TEXT_CHARS: usize = 500;
/// The longest long text value, in characters.
pub const MAX_LONG_TEXT_CHARS: usize = 20_000;
/// Lines in a deliverables field.
pub const MAX_DELIVERABLE_LINES: usize = 200;
/// The longest URL.
pub const MAX_URL_CHARS: usize = 2_000;

/// What a field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// One line of text.
    Text,
    /// Paragraphs.
    LongText,
    /// A finite number.
    Number,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// One of the field's options.
    Select,
    /// Some of the field's options, each at most once.
    MultiSelect,
    /// A workspace member, by user id.
    Person,
    /// An `http` or `https` address.
    Url,
    /// True or false.
    Checkbox,
    /// An asset of the workspace, by asset id.
    AssetReference,
    /// Lines `{key, name, spec, channel, due}`: the deliverables a brief asks for. A deliverable
    /// (an asset) may be tied to a line by its key.
    Deliverables,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::LongText => "long_text",
            FieldType::Number => "number",
            FieldType::Date => "date",
            FieldType::Select => "select",
            FieldType::MultiSelect => "multi_select",
            FieldType::Person => "person",
            FieldType::Url => "url",
            FieldType::Checkbox => "checkbox",
            FieldType::AssetReference => "asset_reference",
            FieldType::Deliverables => "deliverables",
        }
    }
}

/// One field of a brief template.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// Stable key, `[a-z][a-z0-9_]*`, at most 64 characters; a brief's values are keyed by it.
    pub key: String,
    /// What people read.
    pub label: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    /// A submitted brief must fill it.
    #[serde(default)]
    pub required: bool,
    /// A hint shown under the field.
    #[serde(default)]
    pub help: String,
    /// The choices of a `select` or `multi_select` field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// Checks a template's fields: keys well-formed and unique, labels present, options only (and
/// always) on selects.
pub fn check_fields(fields: &[FieldDef]) -> Result<(), Problem> {
    if fields.is_empty() {
        return Err(Problem::new("template-fields-empty", "fields", "a brief template needs at least one field"));
    }
    if fields.len() > MAX_FIELDS {
        return Err(Problem::new(
            "template-too-large",
            "fields",
            format!("a template has at most {MAX_FIELDS} fields, not {}", fields.len()),
        ));
    }
    let mut keys = BTreeSet::new();
    for (i, f) in fields.iter().enumerate() {
        let at = |part: &str| format!("fields[{i}].{part}");
        let key_ok = !f.key.is_empty()
            && f.key.len() <= 64
            && f.key.starts_with(|c: char| c.is_ascii_lowercase())
            && f.key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !key_ok {
            return Err(Problem::new(
                "template-field-invalid",
                at("key"),
                format!(
                    "{}: a key is a lower-case letter then letters, digits or _, at most 64, not {:?}",
                    at("key"),
                    f.key
                ),
            ));
        }
        if !keys.insert(f.key.as_str()) {
            return Err(Problem::new(
                "template-field-invalid",
                at("key"),
                format!("{}: the key {:?} is used twice", at("key"), f.key),
            ));
        }
        if f.label.trim().is_empty() || f.label.chars().count() > 200 {
            return Err(Problem::new(
                "template-field-invalid",
                at("label"),
                format!("{}: a label has 1 to 200 characters", at("label")),
            ));
        }
        if f.help.chars().count() > 1000 {
            return Err(Problem::new(
                "template-field-invalid",
                at("help"),
                format!("{}: help has at most 1000 characters", at("help")),
            ));
        }
        let selects = matches!(f.kind, FieldType::Select | FieldType::MultiSelect);
        if selects {
            if f.options.is_empty() || f.options.len() > MAX_OPTIONS {
                return Err(Problem::new(
                    "template-field-invalid",
                    at("options"),
                    format!("{}: a select field has 1 to {MAX_OPTIONS} options", at("options")),
                ));
            }
            let mut seen = BTreeSet::new();
            if let Some(bad) =
                f.options.iter().find(|o| o.trim().is_empty() || o.chars().count() > 200 || !seen.insert(o.as_str()))
            {
                return Err(Problem::new(
                    "template-field-invalid",
                    at("options"),
                    format!("{}: options are distinct and 1 to 200 characters, not {bad:?}", at("options")),
                ));
            }
        } else if !f.options.is_empty() {
            return Err(Problem::new(
                "template-field-invalid",
                at("options"),
                format!("{}: only select and multi_select fields have options", at("options")),
            ));
        }
    }
    Ok(())
}

/// The standard template's fields: what a creative brief holds.
pub fn standard_fields() -> Vec<FieldDef> {
    let f = |key: &str, label: &str, kind, required, help: &str| FieldDef {
        key: key.into(),
        label: label.into(),
        kind,
        required,
        help: help.into(),
        options: Vec::new(),
    };
    vec![
        f("objective", "Objective", FieldType::LongText, true, "What this campaign must achieve."),
        f("audience", "Audience", FieldType::LongText, true, "Who it speaks to."),
        f("key_message", "Key message", FieldType::Text, true, "The one thing they should take away."),
        f(
            "deliverables",
            "Deliverables",
            FieldType::Deliverables,
            true,
            "Each cut with its spec (\"16:9 1920×1080 30 s\"), channel and due date.",
        ),
        f("mandatories", "Mandatories", FieldType::LongText, false, "Legal lines, brand rules, logos, supers."),
        f("references", "References", FieldType::LongText, false, "Links, earlier work, mood."),
        f(
            "success_metrics",
            "Success metrics / performance context",
            FieldType::LongText,
            false,
            "How success is measured; what earlier work achieved.",
        ),
        f("budget_code", "Budget code", FieldType::Text, false, ""),
    ]
}

/// A value is empty when it says nothing: null, blank text, an empty list, an unticked box.
pub fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Bool(b) => !b,
        _ => false,
    }
}

/// What a brief's values refer to outside themselves, for the caller to check.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct References {
    /// `(field key, user id)`.
    pub people: Vec<(String, uuid::Uuid)>,
    /// `(field key, asset id)`.
    pub assets: Vec<(String, uuid::Uuid)>,
}

/// Checks values against the fields: no unknown key, each value of its field's type. Returns
/// the values normalised (text trimmed, empty values dropped, deliverable lines given keys) and
/// what they refer to.
pub fn check_values(
    fields: &[FieldDef],
    values: &Map<String, Value>,
) -> Result<(Map<String, Value>, References), Problem> {
    let mut out = Map::new();
    let mut refs = References::default();
    for (key, v) in values {
        let Some(f) = fields.iter().find(|f| &f.key == key) else {
            return Err(Problem::new(
                "brief-field-unknown",
                key.clone(),
                format!("{key}: the brief's template has no such field"),
            ));
        };
        if is_empty(v) {
            continue;
        }
        let bad = |why: String| Problem::new("brief-field-invalid", key.clone(), format!("{key} ({}): {why}", f.label));
        let norm = match f.kind {
            FieldType::Text | FieldType::LongText => {
                let Value::String(s) = v else { return Err(bad(String::from("must be text"))) };
                let max = if f.kind == FieldType::Text { MAX_TEXT_CHARS } else { MAX_LONG_TEXT_CHARS };
                let s = s.trim();
                if s.chars().count() > max {
                    return Err(bad(format!("at most {max} characters")));
                }
                if f.kind == FieldType::Text && s.contains(['\n', '\r']) {
                    return Err(bad(String::from("one line of text (use a long text field for paragraphs)")));
                }
                if s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
                    return Err(bad(String::from("must not contain control characters")));
                }
                Value::String(s.to_owned())
            }
            FieldType::Number => match v.as_f64() {
                Some(n) if n.is_finite() => v.clone(),
                _ => return Err(bad(String::from("must be a number"))),
            },
            FieldType::Date => {
                let s = v.as_str().ok_or_else(|| bad(String::from("must be a date YYYY-MM-DD")))?;
                Value::String(date(s).ok_or_else(|| bad(format!("{s:?} is not a date YYYY-MM-DD")))?)
            }
            FieldType::Select => {
                let s = v.as_str().ok_or_else(|| bad(String::from("must be one of the options")))?;
                if !f.options.iter().any(|o| o == s) {
                    return Err(bad(format!("{s:?} is not one of {:?}", f.options)));
                }
                v.clone()
            }
            FieldType::MultiSelect => {
                let items = v.as_array().ok_or_else(|| bad(String::from("must be a list of options")))?;
                let mut seen = BTreeSet::new();
                for item in items {
                    let s = item.as_str().ok_or_else(|| bad(String::from("must be a list of options")))?;
                    if !f.options.iter().any(|o| o == s) {
                        return Err(bad(format!("{s:?} is not one of {:?}", f.options)));
                    }
                    if !seen.insert(s) {
                        return Err(bad(format!("{s:?} is chosen twice")));
                    }
                }
                v.clone()
            }
            FieldType::Person | FieldType::AssetReference => {
                let id = v
                    .as_str()
                    .and_then(|s| uuid::Uuid::parse_str(s).ok())
                    .ok_or_else(|| bad(String::from("must be an id")))?;
                if f.kind == FieldType::Person {
                    refs.people.push((key.clone(), id));
                } else {
                    refs.assets.push((key.clone(), id));
                }
                Value::String(id.to_string())
            }
            FieldType::Url => {
                let s = v.as_str().map(str::trim).ok_or_else(|| bad(String::from("must be a URL")))?;
                let scheme_ok = s.starts_with("https://") || s.starts_with("http://");
                if !scheme_ok || s.len() > MAX_URL_CHARS || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err(bad(format!("an http(s) address without spaces, at most {MAX_URL_CHARS} characters")));
                }
                Value::String(s.to_owned())
            }
            FieldType::Checkbox => match v {
                Value::Bool(_) => v.clone(),
                _ => return Err(bad(String::from("must be true or false"))),
            },
            FieldType::Deliverables => Value::Array(deliverable_lines(v).map_err(bad)?),
        };
        out.insert(key.clone(), norm);
    }
    Ok((out, refs))
}

/// `YYYY-MM-DD` between the calendar's years, normalised.
fn date(s: &str) -> Option<String> {
    let d: jiff::civil::Date = s.trim().parse().ok()?;
    (crate::calendar::FIRST_YEAR..=crate::calendar::LAST_YEAR).contains(&d.year()).then(|| d.to_string())
}

fn deliverable_lines(v: &Value) -> Result<Vec<Value>, String> {
    let lines = v.as_array().ok_or_else(|| String::from("must be a list of {name, spec, channel, due}"))?;
    if lines.len() > MAX_DELIVERABLE_LINES {
        return Err(format!("at most {MAX_DELIVERABLE_LINES} lines"));
    }
    let mut keys = BTreeSet::new();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let o = line.as_object().ok_or_else(|| format!("line {}: must be {{name, spec, channel, due}}", i + 1))?;
        if let Some(extra) = o.keys().find(|k| !matches!(k.as_str(), "key" | "name" | "spec" | "channel" | "due")) {
            return Err(format!("line {}: unknown part {extra:?} (a line has key, name, spec, channel, due)", i + 1));
        }
        let text = |part: &str, required: bool| -> Result<String, String> {
            let s = match o.get(part) {
                None | Some(Value::Null) => "",
                Some(Value::String(s)) => s.trim(),
                Some(_) => return Err(format!("line {}: {part} must be text", i + 1)),
            };
            if required && s.is_empty() {
                return Err(format!("line {}: {part} must not be empty", i + 1));
            }
            if s.chars().count() > MAX_TEXT_CHARS || s.chars().any(char::is_control) {
                return Err(format!("line {}: {part} is one line of at most {MAX_TEXT_CHARS} characters", i + 1));
            }
            Ok(s.to_owned())
        };
        let name = text("name", true)?;
        let due = text("due", false)?;
        let due = match due.as_str() {
            "" => Value::Null,
            d => Value::String(date(d).ok_or_else(|| format!("line {}: due {d:?} is not a date YYYY-MM-DD", i + 1))?),
        };
        // A line keeps its key across revisions so deliverables stay tied to it; a new line
        // gets the next free one.
        let key = match text("key", false)? {
            k if k.is_empty() => {
                let mut n = i + 1;
                while keys.contains(&format!("d{n}"))
                    || lines.iter().any(|l| l.get("key").and_then(Value::as_str) == Some(&format!("d{n}")))
                {
                    n += 1;
                }
                format!("d{n}")
            }
            k if k.len() <= 64 && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') => k,
            k => return Err(format!("line {}: key {k:?} is letters, digits, - or _, at most 64", i + 1)),
        };
        if !keys.insert(key.clone()) {
            return Err(format!("line {}: key {key:?} is used twice", i + 1));
        }
        out.push(serde_json::json!({
            "key": key, "name": name, "spec": text("spec", false)?, "channel": text("channel", false)?, "due": due,
        }));
    }
    Ok(out)
}

/// The required fields a brief leaves empty, in template order.
pub fn missing_required(fields: &[FieldDef], values: &Map<String, Value>) -> Vec<String> {
    fields.iter().filter(|f| f.required && values.get(&f.key).is_none_or(is_empty)).map(|f| f.key.clone()).collect()
}

/// One field's change between two revisions.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FieldChange {
    pub key: String,
    pub label: String,
    /// `added`, `removed` or `changed`.
    pub change: &'static str,
    #[schema(value_type = Object)]
    pub before: Value,
    #[schema(value_type = Object)]
    pub after: Value,
}

/// What changed from `before` to `after`, in template order (fields no longer in the template
/// last, by key).
pub fn diff(fields: &[FieldDef], before: &Map<String, Value>, after: &Map<String, Value>) -> Vec<FieldChange> {
    let mut keys: Vec<(String, String)> = fields.iter().map(|f| (f.key.clone(), f.label.clone())).collect();
    let mut extra: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for (k, _) in &keys {
        extra.remove(k);
    }
    keys.extend(extra.into_iter().map(|k| (k.clone(), k.clone())));
    let mut out = Vec::new();
    for (key, label) in keys {
        let b = before.get(&key).filter(|v| !is_empty(v));
        let a = after.get(&key).filter(|v| !is_empty(v));
        let change = match (b, a) {
            (None, None) => continue,
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            (Some(x), Some(y)) if x == y => continue,
            (Some(_), Some(_)) => "changed",
        };
        out.push(FieldChange {
            key,
            label,
            change,
            before: b.cloned().unwrap_or(Value::Null),
            after: a.cloned().unwrap_or(Value::Null),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn the_standard_template_is_valid_and_names_what_a_submission_lacks() {
        let fields = standard_fields();
        assert_eq!(check_fields(&fields), Ok(()));
        let (values, _) = check_values(&fields, &obj(json!({"objective": "Launch", "key_message": "  "}))).unwrap();
        assert_eq!(missing_required(&fields, &values), ["audience", "key_message", "deliverables"]);
    }

    #[test]
    fn values_are_checked_against_their_types() {
        let fields = vec![
            FieldDef {
                key: "n".into(),
                label: "N".into(),
                kind: FieldType::Number,
                required: false,
                help: String::new(),
                options: vec![],
            },
            FieldDef {
                key: "s".into(),
                label: "S".into(),
                kind: FieldType::MultiSelect,
                required: false,
                help: String::new(),
                options: vec!["a".into(), "b".into()],
            },
            FieldDef {
                key: "d".into(),
                label: "D".into(),
                kind: FieldType::Date,
                required: false,
                help: String::new(),
                options: vec![],
            },
        ];
        let err = |v: Value| check_values(&fields, &obj(v)).unwrap_err();
        assert_eq!(err(json!({"n": "3"})).field, "n");
        assert_eq!(err(json!({"s": ["a", "a"]})).code, "brief-field-invalid");
        assert_eq!(err(json!({"s": ["c"]})).field, "s");
        assert_eq!(err(json!({"d": "2026-02-30"})).field, "d");
        assert_eq!(err(json!({"d": "1999-12-31"})).field, "d");
        assert_eq!(err(json!({"zz": 1})).code, "brief-field-unknown");
        let (ok, _) = check_values(&fields, &obj(json!({"n": 2.5, "s": ["b"], "d": "2026-12-24"}))).unwrap();
        assert_eq!(ok.len(), 3);
    }

    #[test]
    fn deliverable_lines_keep_their_keys_and_new_ones_get_free_keys() {
        let fields = standard_fields();
        let (v, _) = check_values(
            &fields,
            &obj(json!({"deliverables": [{"key": "d2", "name": "Hero 30s"}, {"name": "Cut-down 6s", "due": "2026-12-20"}]})),
        )
        .unwrap();
        let lines = v["deliverables"].as_array().unwrap();
        assert_eq!(lines[0]["key"], "d2");
        assert_eq!(lines[1]["key"], "d3", "d2 is taken");
        assert_eq!(lines[1]["due"], "2026-12-20");
        let bad = check_values(&fields, &obj(json!({"deliverables": [{"name": ""}]}))).unwrap_err();
        assert!(bad.message.contains("line 1: name"), "{}", bad.message);
    }

    #[test]
    fn a_diff_names_each_changed_field_in_template_order() {
        let fields = standard_fields();
        let before = obj(json!({"objective": "A", "budget_code": "X1"}));
        let after = obj(json!({"objective": "B", "audience": "Everyone"}));
        let d = diff(&fields, &before, &after);
        let summary: Vec<(&str, &str)> = d.iter().map(|c| (c.key.as_str(), c.change)).collect();
        assert_eq!(summary, [("objective", "changed"), ("audience", "added"), ("budget_code", "removed")]);
    }

    #[test]
    fn template_fields_are_checked() {
        let mut fields = standard_fields();
        fields[1].key = "objective".into();
        assert_eq!(check_fields(&fields).unwrap_err().field, "fields[1].key");
        let mut fields = standard_fields();
        fields[0].kind = FieldType::Select;
        assert_eq!(check_fields(&fields).unwrap_err().field, "fields[0].options");
    }
}
