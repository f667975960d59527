//! git's credential-helper protocol: `repodex credential get|store|erase`.
//!
//! git writes `key=value` lines up to a blank line. repodex answers a `get` only when
//! the protocol (https, never http) and host (and the path, when git sends it) match a
//! registered entry exactly and the origin its credential is bound to, and the username
//! git sends (if any) is the credential's; and only with `username=` and `password=`. A missing protocol or host is an
//! error, never a wildcard (git's CVE-2020-11008). `store` writes nothing; `erase`
//! marks the credential as rejected on this machine, so that it is not offered again
//! until it is set anew.

use std::collections::BTreeMap;

use super::error::{RequestProblem, VaultError};
use crate::store::catalog::Record;
use crate::store::Registry;
use crate::url::{GitUrl, Origin, Scheme};
use crate::Result;

/// Largest request read from git.
pub const MAX_REQUEST: usize = 64 * 1024;
const REJECTED: &str = "rejected.json";

/// What git asked about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub protocol: String,
    pub host: String,
    pub path: Option<String>,
    pub username: Option<String>,
}

/// Parse git's request. Unknown keys are ignored; a line without `=`, or a missing
/// protocol or host, is an error.
pub fn parse(input: &str) -> Result<Request> {
    let mut attributes: BTreeMap<&str, &str> = BTreeMap::new();
    for line in input.lines() {
        if line.is_empty() {
            break;
        }
        let (key, value) = line.split_once('=').ok_or_else(|| {
            VaultError::Request(RequestProblem::NoEquals {
                line: line.to_string(),
            })
        })?;
        if value.contains('\0') || key.contains('\0') {
            return Err(VaultError::Request(RequestProblem::Nul).into());
        }
        attributes.entry(key).or_insert(value);
    }
    let required = |key: &str| {
        attributes
            .get(key)
            .filter(|v| !v.is_empty())
            .map(|v| v.to_string())
            .ok_or_else(|| {
                VaultError::Request(RequestProblem::Missing {
                    key: key.to_string(),
                })
            })
    };
    Ok(Request {
        protocol: required("protocol")?,
        host: required("host")?,
        path: attributes
            .get("path")
            .filter(|p| !p.is_empty())
            .map(|p| p.to_string()),
        username: attributes.get("username").map(|u| u.to_string()),
    })
}

impl Request {
    /// Does this request ask for `origin` exactly (scheme, host, port, and the path when
    /// git sends one)? Only https is ever answered: over plain http git would send the
    /// password in clear.
    pub fn asks_for(&self, origin: &Origin) -> bool {
        if self.protocol != "https" {
            return false;
        }
        let (host, port) = match self.host.rsplit_once(':') {
            // `[::1]` has colons of its own; only a colon after the `]` starts a port.
            Some((h, p)) if !p.contains(']') => match p.parse() {
                Ok(port) => (h, Some(port)),
                Err(_) => return false,
            },
            _ => (self.host.as_str(), None),
        };
        origin.allows(&self.protocol, host, port, self.path.as_deref())
    }
}

/// Does the entry's URL match git's request exactly?
fn matches(url: &GitUrl, request: &Request) -> bool {
    url.scheme() == Scheme::Https && url.origin().is_some_and(|o| request.asks_for(&o))
}

/// The entry whose credential answers `request`: the one matching protocol, host and
/// path; without a path, the only entry on that host that has a credential.
pub fn find(registry: &Registry, request: &Request) -> Result<Option<String>> {
    let with_credentials = registry.credential_names()?;
    let mut found: Vec<String> = registry
        .records()
        .filter_map(|record| match record {
            Record::Entry(summary) => Some(summary),
            Record::Broken { .. } => None,
        })
        .filter(|s| with_credentials.contains(&s.name))
        .filter(|s| GitUrl::parse_clean(&s.url).is_ok_and(|u| matches(&u, request)))
        .map(|s| s.name)
        .collect();
    Ok(if found.len() == 1 { found.pop() } else { None })
}

/// The answer to a `get`.
pub fn answer(username: &str, password: &str) -> Result<String> {
    if [username, password]
        .iter()
        .any(|v| v.contains('\n') || v.contains('\0'))
    {
        return Err(VaultError::LineBreak.into());
    }
    Ok(format!("username={username}\npassword={password}\n"))
}

/// This machine's record of credentials git rejected (`erase`), by credential file blob.
fn rejected(registry: &Registry) -> BTreeMap<String, String> {
    std::fs::read(registry.private_dir().join(REJECTED))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Has git rejected this version of `name`'s credential?
pub fn is_rejected(registry: &Registry, name: &str, blob: &crate::git::ObjectId) -> bool {
    rejected(registry)
        .get(name)
        .is_some_and(|b| crate::git::ObjectId::from_hex(b.as_bytes()).ok().as_ref() == Some(blob))
}

/// Mark this version of `name`'s credential as rejected by git.
pub fn reject(registry: &Registry, name: &str, blob: &crate::git::ObjectId) -> Result<()> {
    let mut all = rejected(registry);
    all.insert(name.to_string(), blob.to_string());
    let bytes = serde_json::to_vec_pretty(&all).expect("serializes");
    crate::git::write_atomically(&registry.private_dir().join(REJECTED), &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(text: &str) -> Result<Request> {
        parse(text)
    }

    #[test]
    fn requests_need_protocol_and_host() {
        assert!(req("host=example.com\n\n").is_err());
        assert!(req("protocol=https\n\n").is_err());
        assert!(req("protocol=https\nhost=\n\n").is_err());
        assert!(req("garbage\n").is_err());
        let r = req("protocol=https\nhost=example.com:8443\npath=o/r.git\nwwwauth[]=Basic\n\n")
            .unwrap();
        assert_eq!(r.host, "example.com:8443");
        assert_eq!(r.path.as_deref(), Some("o/r.git"));
    }

    #[test]
    fn matching_is_exact() {
        let url = GitUrl::parse("https://git.example.com/o/r.git")
            .unwrap()
            .url;
        let r = |s: &str| req(s).unwrap();
        assert!(matches(
            &url,
            &r("protocol=https\nhost=git.example.com\npath=o/r.git\n")
        ));
        assert!(matches(
            &url,
            &r("protocol=https\nhost=git.example.com:443\npath=o/r\n")
        ));
        assert!(matches(&url, &r("protocol=https\nhost=git.example.com\n")));
        assert!(!matches(
            &url,
            &r("protocol=http\nhost=git.example.com\npath=o/r.git\n")
        ));
        assert!(!matches(
            &url,
            &r("protocol=https\nhost=evil.example.com\npath=o/r.git\n")
        ));
        assert!(!matches(
            &url,
            &r("protocol=https\nhost=git.example.com:8443\npath=o/r.git\n")
        ));
        assert!(!matches(
            &url,
            &r("protocol=https\nhost=git.example.com\npath=o/other.git\n")
        ));
        assert!(!matches(
            &url,
            &r("protocol=https\nhost=git.example.com.evil.com\n")
        ));
        // One `.git` is the same repository; two are another path.
        assert!(!matches(
            &url,
            &r("protocol=https\nhost=git.example.com\npath=o/r.git.git\n")
        ));
        assert!(!matches(
            &url,
            &r("protocol=https\nhost=git.example.com:notaport\npath=o/r.git\n")
        ));
    }
}
