//! Validation of what people type: names, descriptions, e-mail addresses, passwords.
//! Each failure carries a stable kebab-case code for the API.

use thiserror::Error;

/// The longest name, in characters (not bytes).
pub const MAX_NAME_CHARS: usize = 255;
/// The longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The longest password accepted (argon2 would take anything; this bounds the work).
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// Why a value was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Invalid {
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is too long: {len} characters, at most {max}")]
    TooLong { field: &'static str, len: usize, max: usize },
    #[error("{field} must not contain control characters")]
    ControlCharacters { field: &'static str },
    #[error("{0:?} is not a valid e-mail address")]
    Email(String),
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    PasswordTooShort,
    #[error("the password must have at most {MAX_PASSWORD_CHARS} characters")]
    PasswordTooLong,
}

impl Invalid {
    /// The stable error code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            Invalid::Empty { .. } => "empty-field",
            Invalid::TooLong { .. } => "field-too-long",
            Invalid::ControlCharacters { .. } => "invalid-characters",
            Invalid::Email(_) => "invalid-email",
            Invalid::PasswordTooShort => "password-too-short",
            Invalid::PasswordTooLong => "password-too-long",
        }
    }
}

/// A name (workspace, project, folder, asset, person): trimmed, 1..=255 characters, no
/// control characters.
pub fn name(field: &'static str, raw: &str) -> Result<String, Invalid> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Invalid::Empty { field });
    }
    let len = s.chars().count();
    if len > MAX_NAME_CHARS {
        return Err(Invalid::TooLong { field, len, max: MAX_NAME_CHARS });
    }
    if s.chars().any(char::is_control) {
        return Err(Invalid::ControlCharacters { field });
    }
    Ok(s.to_owned())
}

/// A free-text description: may be empty, may hold newlines and tabs, bounded in length.
pub fn description(raw: &str) -> Result<String, Invalid> {
    let len = raw.chars().count();
    if len > MAX_DESCRIPTION_CHARS {
        return Err(Invalid::TooLong { field: "description", len, max: MAX_DESCRIPTION_CHARS });
    }
    if raw.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(Invalid::ControlCharacters { field: "description" });
    }
    Ok(raw.to_owned())
}

/// An e-mail address, lower-cased: one `@`, a non-empty local part, a dotted domain, no spaces,
/// at most 254 characters. (Deliverability is proven by mail, not by syntax.)
pub fn email(raw: &str) -> Result<String, Invalid> {
    let s = raw.trim().to_lowercase();
    let bad = || Invalid::Email(raw.chars().take(64).collect());
    if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = s.split_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return Err(bad());
    }
    Ok(s)
}

/// A new password's length rules.
pub fn password(raw: &str) -> Result<(), Invalid> {
    let len = raw.chars().count();
    if len < MIN_PASSWORD_CHARS {
        return Err(Invalid::PasswordTooShort);
    }
    if len > MAX_PASSWORD_CHARS {
        return Err(Invalid::PasswordTooLong);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("name", "  Spring launch ").unwrap(), "Spring launch");
        assert_eq!(name("name", "   "), Err(Invalid::Empty { field: "name" }));
        assert_eq!(name("name", &"é".repeat(255)).unwrap().chars().count(), 255);
        assert!(matches!(name("name", &"x".repeat(256)), Err(Invalid::TooLong { len: 256, .. })));
        assert!(matches!(name("name", "a\u{0}b"), Err(Invalid::ControlCharacters { .. })));
    }

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(email(" Ana@Example.COM ").unwrap(), "ana@example.com");
        for bad in [
            "",
            "ana",
            "@example.com",
            "ana@example",
            "ana@@example.com",
            "a b@example.com",
            "ana@.com",
            "ana@example..com",
        ] {
            assert!(email(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn passwords_have_bounds() {
        assert_eq!(password("short"), Err(Invalid::PasswordTooShort));
        assert!(password("long enough pass").is_ok());
        assert_eq!(password(&"p".repeat(1025)), Err(Invalid::PasswordTooLong));
    }
}
