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

mod forge;
mod paste;

pub use forge::{Forge, HostKind};
pub use paste::{entry_reference, interpret};

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
    fn normal_path(path: &str) -> String {
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

/// A registry's own additions to the URL rules: the hosts its team declares (`hosts` in
/// `registry.toml`, and the older `case_insensitive_hosts`), such as a self-hosted
/// GitLab or Gitea. A declared host compares names without regard to case, and one
/// declared as a kind of forge has pages and `owner/repo` as that forge does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    /// Each declared host, in lower case, with its kind.
    hosts: Vec<(String, HostKind)>,
}

impl Rules {
    /// Hosts declared case-insensitive and nothing more.
    pub fn with_case_insensitive_hosts(hosts: &[String]) -> Rules {
        Rules::declared(std::iter::empty(), hosts)
    }

    /// The hosts `kinds` declares, and the hosts of the older `case_insensitive`
    /// list that `kinds` does not name, as [`HostKind::CaseInsensitive`].
    pub fn declared<'a>(
        kinds: impl IntoIterator<Item = (&'a str, HostKind)>,
        case_insensitive: &[String],
    ) -> Rules {
        let mut hosts: Vec<(String, HostKind)> = kinds
            .into_iter()
            .map(|(host, kind)| (host.to_ascii_lowercase(), kind))
            .collect();
        for host in case_insensitive {
            let host = host.to_ascii_lowercase();
            if !hosts.iter().any(|(h, _)| *h == host) {
                hosts.push((host, HostKind::CaseInsensitive));
            }
        }
        Rules { hosts }
    }

    /// What `host` (lower case) is declared to be, if anything.
    pub fn kind_of(&self, host: &str) -> Option<HostKind> {
        self.hosts.iter().find(|(h, _)| h == host).map(|(_, k)| *k)
    }

    fn folds_case(&self, host: &str) -> bool {
        self.kind_of(host).is_some()
    }

    /// These rules, and `other`'s for the hosts these do not declare.
    pub fn or(mut self, other: &Rules) -> Rules {
        for (host, kind) in &other.hosts {
            if self.kind_of(host).is_none() {
                self.hosts.push((host.clone(), *kind));
            }
        }
        self
    }
}

/// Whose URL shapes a repository's page and `owner/repo` follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A public forge repodex knows by its host.
    Public(Forge),
    /// A server its registry declares (never [`HostKind::CaseInsensitive`]).
    Declared(HostKind),
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

/// The result of parsing user input: the clean URL and any secret that was split from it.
#[derive(Debug, Clone)]
pub struct ParsedUrl {
    pub url: GitUrl,
    pub secret: Option<EmbeddedSecret>,
    /// What [`interpret`] changed to get the URL, one line each (empty from
    /// [`GitUrl::parse`], which changes nothing).
    pub notices: Vec<String>,
}

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

fn is_known_token(user: &str) -> bool {
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

fn valid_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return !inner.is_empty()
            && inner
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
    }
    !host.is_empty()
        && !host.starts_with('-')
        && !host.starts_with('.')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
}

/// A `<transport>::` prefix, as git reads it: letters, digits, `+`, `.` or `-` before the
/// first `::`, with no `/` or `:` in between.
fn transport_prefix(input: &str) -> Option<&str> {
    let end = input.find("::")?;
    let prefix = &input[..end];
    let plain = !prefix.is_empty()
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '.' || c == '-' || c == '_');
    plain.then_some(prefix)
}

fn scheme_of(input: &str) -> Option<(&str, &str)> {
    let end = input.find("://")?;
    let scheme = &input[..end];
    let mut chars = scheme.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    (first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '.' || c == '-'))
        .then(|| (scheme, &input[end + 3..]))
}

/// Does `input` look like a URL (as opposed to a name or a path)? Used by reference
/// resolution to decide whether to try the URL rule.
pub fn looks_like_url(input: &str) -> bool {
    scheme_of(input).is_some() || scp_parts(input).is_some()
}

/// `[user@]host:path`, where the part before the first `:` contains no `/` (git's rule).
fn scp_parts(input: &str) -> Option<(&str, &str)> {
    let colon = input.find(':')?;
    let (before, after) = (&input[..colon], &input[colon + 1..]);
    if before.is_empty() || before.contains('/') || after.starts_with("//") {
        return None;
    }
    Some((before, after))
}

impl GitUrl {
    /// Parse and validate a URL given by a user or read from a file. Relative local paths
    /// are refused here: resolve them to absolute paths first.
    pub fn parse(input: &str) -> Result<ParsedUrl, UrlError> {
        let parsed = Self::parse_parts(input)?;
        // The URL is stored and handed to git as printed, not as typed: the printed form
        // must pass the same checks (`@host::x` prints as `host::x`, which git would read
        // as a transport prefix and run a program for; found by fuzzing).
        let printed = parsed.url.to_string();
        if let Some(prefix) = transport_prefix(&printed) {
            return Err(UrlError::TransportPrefix {
                shown: quote(input),
                prefix: prefix.to_string(),
            });
        }
        if printed.starts_with('-') {
            return Err(UrlError::LeadingDash(quote(input)));
        }
        if !parsed.url.is_local() && !gix_agrees(&parsed.url, &printed) {
            return Err(UrlError::GitReadsOtherwise {
                shown: quote(input),
            });
        }
        Ok(parsed)
    }

    fn parse_parts(input: &str) -> Result<ParsedUrl, UrlError> {
        let shown = || quote(input);
        if input.is_empty() {
            return Err(UrlError::Empty);
        }
        if input.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(UrlError::ControlOrSpace(shown()));
        }
        if input.starts_with('-') {
            return Err(UrlError::LeadingDash(shown()));
        }
        if let Some(prefix) = transport_prefix(input) {
            return Err(UrlError::TransportPrefix {
                shown: shown(),
                prefix: prefix.to_string(),
            });
        }
        if let Some((scheme, rest)) = scheme_of(input) {
            return Self::parse_url(input, scheme, rest);
        }
        if input.starts_with('/') {
            return Ok(ParsedUrl {
                url: GitUrl {
                    scheme: Scheme::File,
                    form: Form::Path,
                    user: None,
                    host: None,
                    port: None,
                    path: normalize_abs_path(input),
                },
                secret: None,
                notices: Vec::new(),
            });
        }
        if let Some((authority, path)) = scp_parts(input) {
            let (user, host) = match authority.rsplit_once('@') {
                Some((user, host)) => (Some(user), host),
                None => (None, authority),
            };
            if !valid_host(host) {
                return Err(UrlError::BadHost {
                    shown: shown(),
                    host: quote(host),
                });
            }
            if path.trim_start_matches('/').is_empty() {
                return Err(UrlError::NoPath { shown: shown() });
            }
            if path.trim_start_matches('/').starts_with('-') {
                return Err(UrlError::PathDash { shown: shown() });
            }
            return Ok(ParsedUrl {
                url: GitUrl {
                    scheme: Scheme::Ssh,
                    form: Form::Scp,
                    user: user.filter(|u| !u.is_empty()).map(str::to_string),
                    host: Some(host.to_ascii_lowercase()),
                    port: None,
                    path: path.to_string(),
                },
                secret: None,
                notices: Vec::new(),
            });
        }
        Err(UrlError::RelativeFile { shown: shown() })
    }

    fn parse_url(input: &str, scheme: &str, rest: &str) -> Result<ParsedUrl, UrlError> {
        let shown = || quote(input);
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "https" => Scheme::Https,
            "http" => Scheme::Http,
            "ssh" | "git+ssh" | "ssh+git" => Scheme::Ssh,
            "git" => Scheme::Git,
            "file" => Scheme::File,
            other => {
                return Err(UrlError::UnsupportedScheme {
                    shown: shown(),
                    scheme: other.to_string(),
                })
            }
        };
        let (authority, path) = match rest.find('/') {
            Some(slash) => (&rest[..slash], &rest[slash..]),
            None => (rest, ""),
        };
        if scheme == Scheme::File {
            if !(authority.is_empty() || authority.eq_ignore_ascii_case("localhost")) {
                return Err(UrlError::RelativeFile { shown: shown() });
            }
            if path.is_empty() {
                return Err(UrlError::NoPath { shown: shown() });
            }
            return Ok(ParsedUrl {
                url: GitUrl {
                    scheme,
                    form: Form::Url,
                    user: None,
                    host: None,
                    port: None,
                    path: normalize_abs_path(path),
                },
                secret: None,
                notices: Vec::new(),
            });
        }
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (host, port) =
            split_port(hostport).ok_or_else(|| UrlError::BadPort { shown: shown() })?;
        if host.is_empty() {
            return Err(UrlError::NoHost { shown: shown() });
        }
        if !valid_host(host) {
            return Err(UrlError::BadHost {
                shown: shown(),
                host: quote(host),
            });
        }
        if path.trim_matches('/').is_empty() {
            return Err(UrlError::NoPath { shown: shown() });
        }
        if path.trim_start_matches('/').starts_with('-') {
            return Err(UrlError::PathDash { shown: shown() });
        }
        let (user, secret) = match userinfo {
            None => (None, None),
            Some(info) => match info.split_once(':') {
                Some((user, password)) => {
                    let user = (!user.is_empty()).then(|| user.to_string());
                    (
                        None,
                        Some(EmbeddedSecret {
                            username: user,
                            secret: password.to_string(),
                        }),
                    )
                }
                None if matches!(scheme, Scheme::Https | Scheme::Http) && is_known_token(info) => (
                    None,
                    Some(EmbeddedSecret {
                        username: None,
                        secret: info.to_string(),
                    }),
                ),
                None => ((!info.is_empty()).then(|| info.to_string()), None),
            },
        };
        Ok(ParsedUrl {
            url: GitUrl {
                scheme,
                form: Form::Url,
                user,
                host: Some(host.to_ascii_lowercase()),
                port,
                path: path.to_string(),
            },
            secret,
            notices: Vec::new(),
        })
    }

    /// Parse a URL that must carry no secret: the form stored in registry entries.
    pub fn parse_clean(input: &str) -> Result<GitUrl, UrlError> {
        let parsed = Self::parse(input)?;
        match parsed.secret {
            None => Ok(parsed.url),
            // Never echo the input: it holds the secret. Show the cleaned URL instead.
            Some(_) => Err(UrlError::EmbeddedSecret {
                shown: quote(&parsed.url.to_string()),
            }),
        }
    }

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

    /// `owner/repo` (or `group/subgroup/repo`) on the forges that name repositories
    /// so ([`Forge`]): what tools that take a forge repository want
    /// (`--github-repo owner/repo`). `None` on other hosts.
    pub fn forge_path(&self) -> Option<String> {
        self.forge_path_in(&Rules::default())
    }

    /// The repository's page in a browser, on the forges of [`GitUrl::forge_path`].
    pub fn web_url(&self) -> Option<String> {
        self.web_url_in(&Rules::default())
    }

    /// [`GitUrl::forge_path`] on the public forges and on the servers `rules` declares
    /// as a kind of forge: a GitHub Enterprise or Gitea repository's last two segments,
    /// a GitLab project's groups and name, a Bitbucket Server repository's project key
    /// (upper case, as Bitbucket shows it) and slug, `~user/repo` for a personal one.
    pub fn forge_path_in(&self, rules: &Rules) -> Option<String> {
        let segments = self.path_segments();
        let n = segments.len();
        match self.shape(rules)? {
            Shape::Public(_) | Shape::Declared(HostKind::GitLab) => {
                (n >= 2).then(|| segments.join("/"))
            }
            Shape::Declared(HostKind::BitbucketServer) => {
                let (_, owner, repo) = self.bitbucket_server_parts()?;
                Some(format!("{}/{repo}", bitbucket_owner(owner)))
            }
            Shape::Declared(_) => (n >= 2).then(|| segments[n - 2..].join("/")),
        }
    }

    /// [`GitUrl::web_url`] on the public forges and on the servers `rules` declares: on
    /// a declared server the page is on the server the URL names, over https (or over
    /// http, with the port, when that is how the repository is fetched).
    pub fn web_url_in(&self, rules: &Rules) -> Option<String> {
        let host = self.host.as_deref()?;
        match self.shape(rules)? {
            Shape::Public(_) => Some(format!(
                "https://{}/{}",
                host.strip_prefix("www.").unwrap_or(host),
                self.forge_path_in(rules)?
            )),
            Shape::Declared(HostKind::BitbucketServer) => {
                let (context, owner, repo) = self.bitbucket_server_parts()?;
                let mut page = self.web_origin(host);
                for segment in context {
                    page.push('/');
                    page.push_str(segment);
                }
                match owner.strip_prefix('~') {
                    Some(user) => page.push_str(&format!("/users/{user}/repos/{repo}")),
                    None => page.push_str(&format!(
                        "/projects/{}/repos/{repo}",
                        owner.to_ascii_uppercase()
                    )),
                }
                Some(page)
            }
            Shape::Declared(_) => {
                let segments = self.path_segments();
                (segments.len() >= 2)
                    .then(|| format!("{}/{}", self.web_origin(host), segments.join("/")))
            }
        }
    }

    /// Whose URL shapes this repository's page follows, if anyone's.
    fn shape(&self, rules: &Rules) -> Option<Shape> {
        let host = self.host.as_deref()?;
        if let Some(forge) = Forge::at(host) {
            return Some(Shape::Public(forge));
        }
        match rules.kind_of(host)? {
            HostKind::CaseInsensitive => None,
            kind => Some(Shape::Declared(kind)),
        }
    }

    /// `https://host` for a page on a self-hosted server; an `http://` URL keeps its
    /// scheme, and a web URL its port (an ssh port says nothing of the web server's).
    fn web_origin(&self, host: &str) -> String {
        let scheme = match self.scheme {
            Scheme::Http => "http",
            _ => "https",
        };
        let port = match self.scheme {
            Scheme::Https | Scheme::Http => {
                self.port.filter(|p| Some(*p) != self.scheme.default_port())
            }
            _ => None,
        };
        match port {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        }
    }

    /// A Bitbucket Server repository's parts: the server's own folder (its context
    /// path, before `scm/` in a web URL), the project key or `~user`, and the slug.
    fn bitbucket_server_parts(&self) -> Option<(Vec<&str>, &str, &str)> {
        let segments = self.path_segments();
        let web = matches!(self.scheme, Scheme::Https | Scheme::Http);
        let (context, rest) = match segments.iter().position(|s| *s == "scm") {
            Some(i) if web => (segments[..i].to_vec(), &segments[i + 1..]),
            _ => (Vec::new(), &segments[..]),
        };
        match rest {
            [owner, repo] => Some((context, *owner, *repo)),
            _ => None,
        }
    }

    /// Is this a repository on this machine (a path or `file://`)?
    pub fn is_local(&self) -> bool {
        self.scheme == Scheme::File
    }

    /// The local path of a `file://` URL or plain path.
    pub fn local_path(&self) -> Option<&str> {
        self.is_local().then_some(self.path.as_str())
    }

    fn path_segments(&self) -> Vec<&str> {
        let path = self.path.trim_matches('/');
        let path = path.strip_suffix(".git").unwrap_or(path);
        path.split('/')
            .filter(|s| !s.is_empty() && *s != "~")
            .collect()
    }

    /// The key under which every spelling of one repository compares equal
    /// (docs/references.md has the table):
    ///
    /// - the host in lower case, `www.` folded on the forges, a port only when it is
    ///   not the scheme's default;
    /// - the path without a trailing `/` or `.git`, percent-encoded unreserved
    ///   characters decoded (`%2D` is `-`), in lower case on the forges that fold case
    ///   ([`Forge::folds_case`]) and as written elsewhere;
    /// - the scheme does not count (`git@host:o/r`, `ssh://git@host/o/r` and
    ///   `https://host/o/r` are one repository), and neither does the user of an
    ///   https URL or of ssh as `git` (every forge's convention, self-hosted ones too);
    /// - on other ssh servers, the user and a home-relative path do count:
    ///   `alice@srv:proj.git` and `bob@srv:proj.git` are two folders, and so are
    ///   `srv:proj.git` (in the home folder) and `srv:/proj.git`.
    ///
    /// Local repositories are keyed by their absolute path.
    pub fn identity_key(&self) -> String {
        self.identity_key_in(&Rules::default())
    }

    /// [`GitUrl::identity_key`] with a registry's [`Rules`]: on the hosts it declares
    /// case-insensitive, the path is compared in lower case as on the forges.
    pub fn identity_key_in(&self, rules: &Rules) -> String {
        if self.is_local() {
            let path = self.path.trim_end_matches('/');
            return format!("file://{}", if path.is_empty() { "/" } else { path });
        }
        let host = self.host.clone().unwrap_or_default();
        let forge = Forge::at(&host);
        let host = match forge {
            Some(_) => host.strip_prefix("www.").unwrap_or(&host).to_string(),
            None => host,
        };
        let mut key = String::new();
        // Whose folder the path is in, where that can differ between spellings.
        let personal = self.scheme == Scheme::Ssh
            && forge.is_none()
            && self.user.as_deref().is_some_and(|u| u != "git");
        if personal {
            key.push_str(self.user.as_deref().unwrap_or_default());
            key.push('@');
        }
        key.push_str(&host);
        if let Some(port) = self.port.filter(|p| Some(*p) != self.scheme.default_port()) {
            key.push(':');
            key.push_str(&port.to_string());
        }
        let home_relative = self.scheme == Scheme::Ssh
            && forge.is_none()
            && self.user.as_deref() != Some("git")
            && match self.form {
                Form::Scp => !self.path.starts_with('/'),
                _ => self.path.starts_with("/~"),
            };
        if home_relative {
            key.push_str("/~");
        }
        let folds = forge.is_some_and(Forge::folds_case) || rules.folds_case(&host);
        for segment in self.path_segments() {
            key.push('/');
            let segment = decode_unreserved(segment);
            if folds {
                key.push_str(&segment.to_lowercase());
            } else {
                key.push_str(&segment);
            }
        }
        key
    }

    /// The path segments a name is made from: `owner/repo` for `https://host/owner/repo.git`,
    /// the folder name for a local repository (without `.git`, and the parent's name for
    /// a `.git` folder itself).
    pub fn name_segments(&self) -> Vec<String> {
        let segments = self.path_segments();
        if self.is_local() {
            let mut last = segments
                .iter()
                .rev()
                .copied()
                .filter(|s| *s != ".git" && !s.is_empty());
            return last.next().map(|s| vec![s.to_string()]).unwrap_or_default();
        }
        segments.into_iter().map(str::to_string).collect()
    }
}

/// A Bitbucket Server owner as Bitbucket shows it: a project key in upper case, a
/// personal `~user` as written.
fn bitbucket_owner(owner: &str) -> String {
    if owner.starts_with('~') {
        owner.to_string()
    } else {
        owner.to_ascii_uppercase()
    }
}

/// `segment` with each percent-encoded unreserved character (`A-Z a-z 0-9 - . _ ~`)
/// decoded, as RFC 3986 says they are equivalent; other escapes stay as written.
fn decode_unreserved(segment: &str) -> std::borrow::Cow<'_, str> {
    if !segment.contains('%') {
        return segment.into();
    }
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
    // Only ASCII is decoded, so what was UTF-8 stays UTF-8.
    String::from_utf8(percent_decode(segment, unreserved))
        .expect("ASCII decoded into UTF-8 stays UTF-8")
        .into()
}

/// Does gix's own parser, which fetches it, see the same host, port and path in the
/// URL as printed? What repodex stores must be what git and gix fetch.
fn gix_agrees(url: &GitUrl, printed: &str) -> bool {
    let Ok(seen) = gix::url::parse(gix::bstr::BStr::new(printed.as_bytes())) else {
        return false;
    };
    seen.host() == url.host()
        && seen.port_or_default() == url.port.or(url.scheme.default_port())
        && (seen.path == url.path.as_bytes()
            || seen.path == percent_decode(&url.path, |_| true)
            // `ssh://host/~/p` is home-relative: gix keeps it as `~/p`.
            || (url.path.starts_with("/~") && seen.path == url.path.as_bytes()[1..]))
}

/// `text` with each `%XX` escape whose byte `decode` accepts decoded (gix decodes them
/// all in a URL's path); other bytes, and escapes that are not two hex digits, as written.
fn percent_decode(text: &str, decode: impl Fn(u8) -> bool) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) if decode(b) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

fn split_port(hostport: &str) -> Option<(&str, Option<u16>)> {
    // `[::1]:8080` keeps its brackets; a bare `host:port` splits at the last colon.
    let colon = if hostport.starts_with('[') {
        hostport.find("]:").map(|i| i + 1)
    } else {
        hostport.rfind(':')
    };
    match colon {
        None => Some((hostport, None)),
        Some(i) => {
            let digits = &hostport[i + 1..];
            if digits.is_empty() {
                return Some((&hostport[..i], None));
            }
            let port: u16 = digits.parse().ok().filter(|p| *p > 0)?;
            Some((&hostport[..i], Some(port)))
        }
    }
}

fn normalize_abs_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for segment in path.split('/').filter(|s| !s.is_empty() && *s != ".") {
        out.push('/');
        out.push_str(segment);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
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
mod tests {
    use super::*;

    fn key(url: &str) -> String {
        GitUrl::parse(url).unwrap().url.identity_key()
    }

    #[test]
    fn spellings_of_one_repository_share_a_key() {
        let expected = "github.com/edobry/minsky";
        for spelling in [
            "https://github.com/edobry/minsky.git",
            "https://github.com/edobry/minsky",
            "https://github.com/edobry/minsky/",
            "https://GitHub.COM/edobry/minsky.git",
            "http://github.com:80/edobry/minsky",
            "git@github.com:edobry/minsky.git",
            "github.com:edobry/minsky",
            "ssh://git@github.com/edobry/minsky",
            "ssh://git@github.com:22/edobry/minsky.git/",
            "git+ssh://github.com/edobry/minsky",
            "git://github.com/edobry/minsky.git",
        ] {
            assert_eq!(key(spelling), expected, "{spelling}");
        }
        assert_ne!(key("https://gitlab.com/edobry/minsky"), expected);
        assert_ne!(key("https://github.com/edobry/minsky2"), expected);
        assert_ne!(key("https://github.com:8443/edobry/minsky"), expected);
        // Unreserved escapes are the characters themselves; others stay escapes.
        assert_eq!(key("https://github.com/edobry/m%69nsky"), expected);
        assert_eq!(key("https://host/a%2Db/c%2Fd"), "host/a-b/c%2Fd");
        // gix reads `%+1` otherwise than as written: refused, not fetched from elsewhere.
        assert!(GitUrl::parse("https://host/a%+1b").is_err());
    }

    /// Each kind of declared server, with the URL shapes its users clone by: the page
    /// and `owner/repo` each gives; an undeclared host and one declared only
    /// case-insensitive give neither.
    #[test]
    fn declared_servers_have_pages_and_owner_repo_of_their_kind() {
        let rules = Rules::declared(
            [
                ("ghe.corp", HostKind::GitHub),
                ("GitLab.Corp", HostKind::GitLab),
                ("gitea.corp", HostKind::Gitea),
                ("bb.corp", HostKind::BitbucketServer),
            ],
            &["old.corp".to_string()],
        );
        let cases: &[(&str, Option<&str>, Option<&str>)] = &[
            (
                "https://ghe.corp/Acme/App.git",
                Some("https://ghe.corp/Acme/App"),
                Some("Acme/App"),
            ),
            (
                "git@ghe.corp:acme/app.git",
                Some("https://ghe.corp/acme/app"),
                Some("acme/app"),
            ),
            (
                "https://gitlab.corp/group/sub/proj.git",
                Some("https://gitlab.corp/group/sub/proj"),
                Some("group/sub/proj"),
            ),
            (
                "ssh://git@gitlab.corp:2222/group/proj.git",
                Some("https://gitlab.corp/group/proj"),
                Some("group/proj"),
            ),
            (
                "https://gitlab.corp:8443/group/proj.git",
                Some("https://gitlab.corp:8443/group/proj"),
                Some("group/proj"),
            ),
            (
                "http://gitea.corp:3000/owner/repo.git",
                Some("http://gitea.corp:3000/owner/repo"),
                Some("owner/repo"),
            ),
            (
                "https://gitea.corp/git/owner/repo.git",
                Some("https://gitea.corp/git/owner/repo"),
                Some("owner/repo"),
            ),
            (
                "git@gitea.corp:owner/repo.git",
                Some("https://gitea.corp/owner/repo"),
                Some("owner/repo"),
            ),
            (
                "https://bb.corp/scm/proj/repo.git",
                Some("https://bb.corp/projects/PROJ/repos/repo"),
                Some("PROJ/repo"),
            ),
            (
                "https://bb.corp/bitbucket/scm/proj/repo.git",
                Some("https://bb.corp/bitbucket/projects/PROJ/repos/repo"),
                Some("PROJ/repo"),
            ),
            (
                "ssh://git@bb.corp:7999/proj/repo.git",
                Some("https://bb.corp/projects/PROJ/repos/repo"),
                Some("PROJ/repo"),
            ),
            (
                "https://bb.corp/scm/~alice/notes.git",
                Some("https://bb.corp/users/alice/repos/notes"),
                Some("~alice/notes"),
            ),
            ("https://bb.corp/scm/proj/a/b.git", None, None),
            ("https://old.corp/team/app.git", None, None),
            ("https://other.corp/team/app.git", None, None),
            (
                "git@github.com:edobry/minsky.git",
                Some("https://github.com/edobry/minsky"),
                Some("edobry/minsky"),
            ),
        ];
        for (url, web, forge) in cases {
            let parsed = GitUrl::parse(url).unwrap().url;
            assert_eq!(parsed.web_url_in(&rules).as_deref(), *web, "{url}");
            assert_eq!(parsed.forge_path_in(&rules).as_deref(), *forge, "{url}");
        }
        // Every declared host folds case, as the public forges do.
        for (a, b) in [
            ("https://ghe.corp/Acme/App", "git@ghe.corp:acme/app.git"),
            (
                "https://bb.corp/scm/PROJ/Repo.git",
                "https://bb.corp/scm/proj/repo",
            ),
            ("https://old.corp/Team/App", "https://old.corp/team/app"),
        ] {
            let key = |u: &str| GitUrl::parse(u).unwrap().url.identity_key_in(&rules);
            assert_eq!(key(a), key(b), "{a} and {b}");
        }
        let key = |u: &str| GitUrl::parse(u).unwrap().url.identity_key_in(&rules);
        assert_ne!(
            key("https://other.corp/Team/App"),
            key("https://other.corp/team/app")
        );
    }

    #[test]
    fn secrets_are_split_and_never_shown() {
        let parsed = GitUrl::parse("https://me:hunter2@example.com/o/r.git").unwrap();
        assert_eq!(parsed.url.to_string(), "https://example.com/o/r.git");
        let secret = parsed.secret.unwrap();
        assert_eq!(secret.secret, "hunter2");
        assert!(!format!("{secret:?}").contains("hunter2"));
        assert_eq!(
            redact("https://alice:s3cr3t@host/o/r x"),
            "https://alice:***@host/o/r x"
        );
        assert_eq!(
            redact("ext::https://ghp_abcdefABCDEF0123456789@host/o"),
            "ext::https://***@host/o"
        );
        assert_eq!(redact("alice:pw@srv:proj.git"), "alice:***@srv:proj.git");
        assert_eq!(redact("git@github.com:o/r.git"), "git@github.com:o/r.git");
        assert_eq!(redact("https://host/o@r"), "https://host/o@r");
        let token =
            GitUrl::parse("https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r")
                .unwrap();
        assert!(token.secret.is_some());
        assert_eq!(token.url.to_string(), "https://github.com/o/r");
        assert!(GitUrl::parse("https://alice@example.com/o/r")
            .unwrap()
            .secret
            .is_none());
    }

    #[test]
    fn command_running_forms_are_refused() {
        for bad in [
            "ext::sh -c touch% /tmp/pwned",
            "ext::sh",
            "fd::17",
            "foo::bar",
            "-uhttps://x/y",
            "--upload-pack=touch /tmp/x",
            "ssh://-oProxyCommand=x/y",
            "ssh://host/-x",
            "-host:path",
            "https://host/a b",
            "https://host/a\tb",
            "https://host/a\u{7}b",
            "ftp://host/x",
            "https://host",
            "relative/path",
        ] {
            assert!(GitUrl::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn local_paths_and_names() {
        let p = GitUrl::parse("/srv/git/Tool.git").unwrap().url;
        assert!(p.is_local());
        assert_eq!(p.identity_key(), "file:///srv/git/Tool.git");
        assert_eq!(p.name_segments(), vec!["Tool".to_string()]);
        let f = GitUrl::parse("file:///srv/git/tool/.git").unwrap().url;
        assert_eq!(f.name_segments(), vec!["tool".to_string()]);
        let gl = GitUrl::parse("https://gitlab.com/group/sub/repo.git")
            .unwrap()
            .url;
        assert_eq!(gl.name_segments(), vec!["group", "sub", "repo"]);
    }
}
