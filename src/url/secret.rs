//! Secrets in URLs: what is split out of a URL so that it is never stored, and what an
//! error message shows in its place.

use std::fmt;

/// A username and secret that were embedded in a URL, to be kept away from the registry.
///
/// Its `Debug` output never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct EmbeddedSecret {
    /// The username, when the URL had one beside the secret.
    pub username: Option<String>,
    /// The password or token.
    pub secret: String,
}

impl fmt::Debug for EmbeddedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmbeddedSecret")
            .field("username", &self.username)
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

/// `input` with the secret part of any user information taken out: the password of
/// `user:password@` becomes `***`, and so does a user name that is a token
/// (`ghp_…@`, long opaque names). It works on text that failed to parse as well, since
/// that is what error messages show: anything before an `@` in the authority counts.
pub fn redact(input: &str) -> std::borrow::Cow<'_, str> {
    // The authority: after `scheme://` (or from the start, for `user@host:path`), up
    // to the first `/` after it.
    let start = input.find("://").map(|i| i + 3).unwrap_or(0);
    let rest = &input[start..];
    let end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..end].rfind('@') else {
        return input.into();
    };
    let info = &rest[..at];
    let shown = match info.split_once(':') {
        Some((user, _)) if !is_known_token(user) => format!("{user}:***"),
        Some(_) => "***:***".to_string(),
        None if is_known_token(info) => "***".to_string(),
        None => return input.into(),
    };
    format!("{}{shown}{}", &input[..start], &rest[at..]).into()
}

pub(super) fn is_known_token(user: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "ghp_",
        "gho_",
        "ghu_",
        "ghs_",
        "ghr_",
        "github_pat_",
        "glpat-",
        "gldt-",
        "glptt-",
        "ATBB",
    ];
    PREFIXES.iter().any(|p| user.starts_with(p))
        || (user.len() >= 32
            && user
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
}
