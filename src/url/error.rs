//! Why a URL was refused, and the one way a message shows what a user typed.

use super::redact;

/// Why a URL was refused. Messages never repeat a secret or a raw control character.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error(
        "the URL is empty; give an https://, ssh://, git:// or file:// URL, or user@host:path"
    )]
    Empty,
    #[error("the URL {0} contains whitespace or a control character; remove it (URLs never contain them)")]
    ControlOrSpace(String),
    #[error("the URL {0} starts with '-', which git would read as an option; give a URL that starts with a scheme, a host or a path")]
    LeadingDash(String),
    #[error("the URL {shown} uses the transport prefix '{prefix}::', which makes git run a program; use an https://, ssh://, git:// or file:// URL instead")]
    TransportPrefix { shown: String, prefix: String },
    #[error("the URL {shown} uses the scheme '{scheme}://', which repodex does not fetch; use https://, http://, ssh://, git:// or file://")]
    UnsupportedScheme { shown: String, scheme: String },
    #[error("the URL {shown} has no host; write it as scheme://host/path or user@host:path")]
    NoHost { shown: String },
    #[error("the URL {shown} has an invalid host '{host}'; a host is letters, digits, '.', '-' and '_' and does not start with '-'")]
    BadHost { shown: String, host: String },
    #[error("the URL {shown} has an invalid port; a port is a number from 1 to 65535")]
    BadPort { shown: String },
    #[error("the URL {shown} has no repository path; add the path after the host, as in https://host/owner/repo")]
    NoPath { shown: String },
    #[error("the URL {shown} has a path that starts with '-', which git could read as an option; check the URL")]
    PathDash { shown: String },
    #[error(
        "the URL {shown} must use an absolute path after file://, as in file:///srv/git/repo.git"
    )]
    RelativeFile { shown: String },
    #[error("the URL {shown} is not one git reads as written (its host, port or path would come out otherwise); check it, or give it as scheme://host/path")]
    GitReadsOtherwise { shown: String },
    #[error("the URL {shown} names an owner on {host}, not a repository; add the repository's name, as in https://{host}/OWNER/REPO")]
    OwnerOnly { shown: String, host: &'static str },
    #[error("the URL {shown} carried a password or token, which repodex never writes into the registry; register the URL without it and keep the secret in a credential store")]
    EmbeddedSecret { shown: String },
}

/// Quote user input for an error message: with any secret a URL in it carries redacted
/// ([`redact`]), escaped, so that control characters cannot reach the terminal, and cut
/// short, so that one bad input stays one line. Every message that shows what a user
/// typed shows it through this function.
pub(crate) fn quote(input: &str) -> String {
    let input = redact(input);
    let mut out = String::from("'");
    for (i, c) in input.chars().enumerate() {
        if i >= 120 {
            out.push('…');
            break;
        }
        out.extend(c.escape_debug());
    }
    out.push('\'');
    out
}
