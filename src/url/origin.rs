//! Where a credential may be sent: the scheme, host, port and path a credential is bound to.

use std::fmt;

use super::Scheme;

/// Where a credential may be sent: the scheme, host, port and path of the URL it was
/// bound to. A credential is handed to a server only when all four match, so a
/// redirect to another host or port, a move of the entry's URL, or a downgrade to plain
/// http finds no credential to take (docs/security.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub scheme: Scheme,
    /// Lowercase.
    pub host: String,
    /// Always given: the scheme's default when the URL has none.
    pub port: u16,
    /// Without leading or trailing `/` and without one trailing `.git`.
    pub path: String,
}

impl Origin {
    pub(super) fn normal_path(path: &str) -> String {
        let path = path.trim_matches('/');
        let path = path.strip_suffix(".git").unwrap_or(path);
        path.trim_end_matches('/').to_string()
    }

    /// Read an origin as [`Origin`]'s `Display` writes it (`https://host:443/o/r`).
    pub fn parse(text: &str) -> Option<Origin> {
        let (scheme, rest) = text.split_once("://")?;
        let scheme = [Scheme::Https, Scheme::Http, Scheme::Ssh, Scheme::Git]
            .into_iter()
            .find(|s| s.as_str() == scheme)?;
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (host, port) = authority.rsplit_once(':')?;
        Some(Origin {
            scheme,
            host: host.to_ascii_lowercase(),
            port: port.parse().ok()?,
            path: Origin::normal_path(path),
        })
    }

    /// Is a request for `scheme://host:port/path` one this origin allows? `port` is
    /// `None` when the request names none (the scheme's default); `path` is `None` when
    /// the asker does not say (git's credential protocol without `useHttpPath`).
    pub fn allows(&self, scheme: &str, host: &str, port: Option<u16>, path: Option<&str>) -> bool {
        let Some(asked) = [Scheme::Https, Scheme::Http, Scheme::Ssh, Scheme::Git]
            .into_iter()
            .find(|s| s.as_str() == scheme)
        else {
            return false;
        };
        let port = port.or(asked.default_port());
        asked == self.scheme
            && host.eq_ignore_ascii_case(&self.host)
            && port == Some(self.port)
            && path.is_none_or(|p| Origin::normal_path(p) == self.path)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}", self.scheme.as_str(), self.host, self.port)?;
        if !self.path.is_empty() {
            write!(f, "/{}", self.path)?;
        }
        Ok(())
    }
}
