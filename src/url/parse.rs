//! Strict parsing: what entry files hold and git gets. gix's own parser must read the
//! same host, port and path in what repodex stores.

use super::secret::is_known_token;
use super::{quote, EmbeddedSecret, Form, GitUrl, ParsedUrl, Scheme, UrlError};

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

pub(super) fn scheme_of(input: &str) -> Option<(&str, &str)> {
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
pub(super) fn scp_parts(input: &str) -> Option<(&str, &str)> {
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
pub(super) fn percent_decode(text: &str, decode: impl Fn(u8) -> bool) -> Vec<u8> {
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
