//! Git URLs: the one parser repodex has.
//!
//! This module owns what a repository's address may look like. It parses every
//! spelling git accepts that cannot run a command (`https://`, `http://`, `ssh://`,
//! scp-style `user@host:path`, `git://`, `file://` and local paths), refuses the rest
//! before any git transport sees it, derives the *identity key* under which two
//! spellings of one repository compare equal, and splits out credentials embedded in a
//! URL so that they are never written anywhere. It does not touch the network or the
//! file system; callers canonicalize local paths themselves.

use std::fmt;

mod error;
mod forge;
mod identity;
mod origin;
mod pages;
mod parse;
mod paste;
mod rules;
mod secret;

pub(crate) use error::quote;
pub use error::UrlError;
pub use forge::{Forge, HostKind};
pub use origin::Origin;
pub use parse::looks_like_url;
pub use paste::{entry_reference, interpret};
pub use rules::Rules;
pub use secret::{redact, EmbeddedSecret};

/// How a repository is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    Https,
    Http,
    Ssh,
    Git,
    File,
}

impl Scheme {
    /// The port a URL of this scheme means when it gives none.
    pub fn default_port(self) -> Option<u16> {
        match self {
            Scheme::Https => Some(443),
            Scheme::Http => Some(80),
            Scheme::Ssh => Some(22),
            Scheme::Git => Some(9418),
            Scheme::File => None,
        }
    }

    /// The scheme as written in URLs and in git's credential protocol.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Https => "https",
            Scheme::Http => "http",
            Scheme::Ssh => "ssh",
            Scheme::Git => "git",
            Scheme::File => "file",
        }
    }
}

/// The spelling a URL was given in, kept so that it prints back the way git users write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// `scheme://host/path`
    Url,
    /// `user@host:path`
    Scp,
    /// `/abs/path` (relative paths are made absolute by the caller before parsing)
    Path,
}

/// A validated git URL without credentials in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitUrl {
    scheme: Scheme,
    form: Form,
    user: Option<String>,
    host: Option<String>,
    port: Option<u16>,
    /// For `Url` and `Path` forms, starts with `/`; for `Scp`, as written after the colon.
    path: String,
}

/// The result of parsing user input: the clean URL and any secret that was split from it.
#[derive(Debug, Clone)]
pub struct ParsedUrl {
    pub url: GitUrl,
    pub secret: Option<EmbeddedSecret>,
    /// What [`interpret`] changed to get the URL, one line each (empty from
    /// [`GitUrl::parse`], which changes nothing).
    pub notices: Vec<String>,
}

impl GitUrl {
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host, lowercased; `None` for local repositories.
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// The port, when the URL gives one.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The host and port a connection goes to (`github.com:22` for ssh,
    /// `github.com:443` for https); `None` for local repositories.
    pub fn endpoint(&self) -> Option<String> {
        let port = self.port.or(self.scheme.default_port())?;
        Some(format!("{}:{port}", self.host.as_deref()?))
    }

    /// The path as written (for URL forms, starting with `/`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Where a credential for this repository may be sent ([`Origin`]); `None` for a
    /// repository on this machine.
    pub fn origin(&self) -> Option<Origin> {
        let host = self.host.clone()?;
        Some(Origin {
            scheme: self.scheme,
            port: self.port.or(self.scheme.default_port()).unwrap_or(0),
            host,
            path: Origin::normal_path(&self.path),
        })
    }

    /// Is this a repository on this machine (a path or `file://`)?
    pub fn is_local(&self) -> bool {
        self.scheme == Scheme::File
    }

    /// The local path of a `file://` URL or plain path.
    pub fn local_path(&self) -> Option<&str> {
        self.is_local().then_some(self.path.as_str())
    }

    pub(super) fn path_segments(&self) -> Vec<&str> {
        let path = self.path.trim_matches('/');
        let path = path.strip_suffix(".git").unwrap_or(path);
        path.split('/')
            .filter(|s| !s.is_empty() && *s != "~")
            .collect()
    }
}

impl fmt::Display for GitUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user = self
            .user
            .as_deref()
            .map(|u| format!("{u}@"))
            .unwrap_or_default();
        let host = self.host.as_deref().unwrap_or_default();
        match self.form {
            Form::Path => f.write_str(&self.path),
            Form::Scp => write!(f, "{user}{host}:{}", self.path),
            Form::Url if self.scheme == Scheme::File => write!(f, "file://{}", self.path),
            Form::Url => {
                write!(f, "{}://{user}{host}", self.scheme.as_str())?;
                if let Some(port) = self.port {
                    write!(f, ":{port}")?;
                }
                f.write_str(&self.path)
            }
        }
    }
}

#[cfg(test)]
mod tests;
