//! Talking to remotes with gix: what a remote's HEAD is, a bare mirror of its
//! default branch, and files read from a mirror without a checkout.
//!
//! Every function here blocks; callers run them on worker threads with a deadline
//! (see `crate::remote`). Credentials are never taken from prompts: gix gets them in
//! memory from the caller, or not at all, so a private remote fails fast instead of
//! waiting for a terminal that is not there.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use gix::remote::Direction;

use super::ObjectId;
use crate::{Error, Result};

/// What a remote's HEAD points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteHead {
    /// The default branch, without `refs/heads/`.
    pub default_branch: String,
    /// Its tip, or `None` when the remote has no commits yet.
    pub commit: Option<ObjectId>,
}

/// A file read from a mirror.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileRead {
    Text(String),
    Missing,
    TooLarge(u64),
    NotText,
}

/// Why a remote could not be reached, in the classes a user acts on differently. gix
/// and the HTTP client say it in many words, which are read here once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportFailure {
    /// The server asked for credentials, and none were given (or they were refused).
    Credentials,
    /// Nothing accepted the connection at that host and port.
    Refused,
    /// The server answered that it has no such repository.
    NotFound,
    /// The server's TLS certificate was not accepted.
    Tls(String),
    /// The host name does not resolve.
    NameResolution,
}

impl TransportFailure {
    /// The class of a failure described by `text` (an error chain on one line), if any.
    pub fn of(text: &str) -> Option<TransportFailure> {
        // Not the URLs in it: a repository called `openssl` or `404` says nothing.
        let t: String = text
            .split_whitespace()
            .filter(|word| !word.contains("://"))
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_lowercase();
        let any = |words: &[&str]| words.iter().any(|w| t.contains(w));
        if any(&[
            "no credentials were returned",
            "authentication required",
            "authentication failed",
            "status code 401",
            "401 unauthorized",
        ]) {
            Some(TransportFailure::Credentials)
        } else if any(&["certificate", "tls handshake", "ssl"]) {
            let detail = ["invalid peer certificate: ", "certificate verify failed: "]
                .iter()
                .find_map(|w| t.find(w).map(|at| &t[at + w.len()..]))
                .map(|rest| {
                    rest.split([':', ')'])
                        .next()
                        .unwrap_or(rest)
                        .trim()
                        .to_string()
                })
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| "the client refused it".into());
            Some(TransportFailure::Tls(detail))
        } else if any(&[
            "failed to lookup address",
            "name or service not known",
            "dns error",
            "could not resolve",
            "has no address",
            "temporary failure in name resolution",
        ]) {
            Some(TransportFailure::NameResolution)
        } else if any(&["connection refused"]) {
            Some(TransportFailure::Refused)
        } else if any(&[
            "repository not found",
            "not exported",
            "does not appear to be a git repository",
            "status code 404",
            "404 not found",
            "no such repository",
        ]) {
            Some(TransportFailure::NotFound)
        } else {
            None
        }
    }

    /// The one-line message for `url`: what happened and what to do.
    pub fn describe(&self, url: &str) -> String {
        match self {
            TransportFailure::Credentials => format!(
                "{url} asks for credentials, and repodex has none it may send there; store them with `repodex creds set <name>` (docs/security.md)"
            ),
            TransportFailure::Refused => format!(
                "{url} refused the connection: nothing listens at that host and port; check the URL"
            ),
            TransportFailure::NotFound => format!(
                "{url} has no repository there, or shows it only with credentials; check the URL, or store credentials with `repodex creds set <name>`"
            ),
            TransportFailure::Tls(detail) => format!(
                "the TLS certificate of {url} is not trusted ({detail}); for a private CA, give its certificate in SSL_CERT_FILE"
            ),
            TransportFailure::NameResolution => format!(
                "the host of {url} does not resolve (no such name, or no DNS here); check the URL and the network"
            ),
        }
    }
}

/// The error for a failure to reach `url` described by `text`: its class's words, or
/// the text itself when it is of no known class.
pub(crate) fn unreachable(url: &str, text: String) -> Error {
    match TransportFailure::of(&text) {
        Some(failure) => Error::Unreachable {
            url: url.to_string(),
            failure,
        },
        None => Error::Remote {
            url: url.to_string(),
            reason: text,
        },
    }
}

pub(super) fn remote_err(url: &str) -> impl FnOnce(gix::Error) -> Error + '_ {
    move |e| unreachable(url, crate::text::one_line(&e))
}

pub(super) fn gix_url(url: &str) -> Result<gix::Url> {
    gix::url::parse(gix::bstr::BStr::new(url.as_bytes())).map_err(|e| Error::Remote {
        url: url.to_string(),
        reason: crate::text::one_line(&e),
    })
}

/// A username and password (or token) for HTTP, held in memory only, and the one
/// origin it may be sent to.
#[derive(Clone)]
pub struct Auth {
    pub username: String,
    pub password: String,
    pub origin: crate::url::Origin,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("username", &self.username)
            .field("password", &"[REDACTED]")
            .field("origin", &self.origin)
            .finish()
    }
}

type CredentialResult =
    std::result::Result<Option<gix::credentials::protocol::Outcome>, gix::Error>;

/// The credential callback gix gets: the vault's credential for this remote, or none.
/// Never a prompt, never another helper: a remote that asks for credentials we do not
/// have fails at once instead of waiting for a terminal. gix asks with the URL it is
/// talking to, which after a redirect is the redirect's target: the credential is
/// given only when that URL is the credential's own origin, over https.
pub(super) fn credentials(
    auth: Option<Auth>,
) -> impl FnMut(gix::credentials::helper::Action) -> CredentialResult {
    move |action| match (action, &auth) {
        (gix::credentials::helper::Action::Get(context), Some(auth))
            if asks_for(&context, &auth.origin) =>
        {
            Ok(Some(gix::credentials::protocol::Outcome {
                identity: gix::sec::identity::Account {
                    username: auth.username.clone(),
                    password: auth.password.clone(),
                    oauth_refresh_token: None,
                },
                next: context.into(),
            }))
        }
        _ => Ok(None),
    }
}

/// Is gix asking, in `context`, for a URL of `origin` itself, over https?
fn asks_for(context: &gix::credentials::protocol::Context, origin: &crate::url::Origin) -> bool {
    let Some(url) = context
        .url
        .as_ref()
        .and_then(|u| gix::url::parse(AsRef::<gix::bstr::BStr>::as_ref(u)).ok())
    else {
        return false;
    };
    let scheme = url.scheme.as_str();
    let path = url.path.to_string();
    scheme == "https"
        && url
            .host()
            .is_some_and(|host| origin.allows(scheme, host, url.port, Some(&path)))
}

/// The transports gix's connections take.
pub(super) type Transport =
    Box<dyn gix::protocol::transport::client::blocking_io::Transport + Send>;

/// How long a connect to a git daemon may take before gix's fetch is told it failed
/// (the caller abandons a remote that takes longer than the network's deadline).
const DAEMON_CONNECT: std::time::Duration = std::time::Duration::from_secs(30);

/// Connect `remote` (whose URL is `url`) for fetching. `git://` goes through
/// [`super::daemon::dial`] (no Nagle, quick retries of a dropped connect) and speaks
/// `version`: v1 advertises the refs and HEAD's target as soon as it connects, which
/// saves v2's second round trip when only the refs are wanted; fetches speak v2, as gix
/// honours a depth over v2 only. Every other transport is gix's own.
pub(super) fn connect<'a, 'repo>(
    remote: &'a gix::Remote<'repo>,
    url: &str,
    version: gix::protocol::transport::Protocol,
) -> Result<gix::remote::Connection<'a, 'static, 'repo, Transport>> {
    let Ok(crate::url::ParsedUrl { url: parsed, .. }) = crate::url::GitUrl::parse(url) else {
        return remote.connect(Direction::Fetch).map_err(remote_err(url));
    };
    if parsed.scheme() != crate::url::Scheme::Git {
        return remote.connect(Direction::Fetch).map_err(remote_err(url));
    }
    let host = parsed.host().unwrap_or_default();
    let port = parsed.port();
    let read = super::daemon::dial(host, port.unwrap_or(9418), DAEMON_CONNECT)
        .map_err(|e| unreachable(url, crate::text::one_line(&e)))?;
    let write = read.try_clone().map_err(|e| Error::Remote {
        url: url.to_string(),
        reason: crate::text::one_line(&e),
    })?;
    let transport = gix::protocol::transport::client::git::blocking_io::Connection::new(
        read,
        write,
        version,
        parsed.path().to_string(),
        Some((host.to_string(), port)),
        gix::protocol::transport::client::git::ConnectMode::Daemon,
        false,
    );
    Ok(remote.to_connection_with_transport(Box::new(transport) as Transport))
}

/// Create (once) the bare repository that remote operations need when there is no mirror.
pub fn scratch_repository(path: &Path) -> Result<()> {
    let opens = || gix::open_opts(path, gix::open::Options::isolated()).is_ok();
    if opens() {
        return Ok(());
    }
    match super::mirror::init_bare(path) {
        Ok(_) => Ok(()),
        // Another refresh thread made it first.
        Err(_) if opens() => Ok(()),
        Err(e) => Err(e),
    }
}

/// Ask the remote what its HEAD is, without fetching objects. `local` is any bare
/// repository (a mirror or the scratch repository) to run the connection from. gix's
/// ref listing takes no interrupt flag: a remote that hangs is abandoned by the caller.
pub fn probe(local: &Path, url: &str, auth: Option<&Auth>) -> Result<RemoteHead> {
    // Over ssh, protocol v2 costs a second round trip, and gix writes its ls-refs
    // request in many small packets. Protocol v1 advertises the refs (and HEAD's
    // target) as soon as we connect. (`git://` speaks v1 in [`connect`].)
    use gix::protocol::transport::Protocol;
    let streamed = url.starts_with("ssh://") || !url.contains("://");
    let list = |version: Protocol| -> Result<Vec<gix::protocol::handshake::Ref>> {
        let overrides: &[&str] = match (streamed, version) {
            (true, Protocol::V1) => &["protocol.version=1"],
            (true, _) => &["protocol.version=2"],
            (false, _) => &[],
        };
        let repo = gix::open_opts(
            local,
            gix::open::Options::isolated().config_overrides(overrides.iter().copied()),
        )
        .map_err(|e| Error::git("cannot open the cache repository", e))?;
        let remote = repo
            .remote_at(gix_url(url)?)
            .and_then(|r| r.with_refspecs(Some("HEAD"), Direction::Fetch))
            .map(|r| r.with_fetch_tags(gix::remote::fetch::Tags::None))
            .map_err(remote_err(url))?;
        let (ref_map, _handshake) = connect(&remote, url, version)?
            .with_credentials(credentials(auth.cloned()))
            .ref_map(gix::progress::Discard, Default::default())
            .map_err(remote_err(url))?;
        Ok(ref_map.remote_refs)
    };
    let refs = list(Protocol::V1)?;
    if refs.is_empty() {
        // An empty repository advertises no refs at all over protocol v1, not even
        // HEAD; v2's ls-refs names the branch its unborn HEAD will be.
        return head_of(url, &list(Protocol::V2)?);
    }
    head_of(url, &refs)
}

/// HEAD's branch and tip among the refs a remote advertised.
pub(super) fn head_of(url: &str, refs: &[gix::protocol::handshake::Ref]) -> Result<RemoteHead> {
    use gix::protocol::handshake::Ref;
    for r in refs {
        match r {
            Ref::Symbolic {
                full_ref_name,
                target,
                object,
                ..
            } if full_ref_name == "HEAD" => {
                return Ok(RemoteHead {
                    default_branch: branch_name(target.to_string()),
                    commit: Some(*object),
                })
            }
            Ref::Unborn {
                full_ref_name,
                target,
                ..
            } if full_ref_name == "HEAD" => {
                return Ok(RemoteHead {
                    default_branch: branch_name(target.to_string()),
                    commit: None,
                })
            }
            _ => {}
        }
    }
    Err(Error::Remote {
        url: url.to_string(),
        reason: "the remote did not say what its HEAD is".into(),
    })
}

pub(super) fn branch_name(full: String) -> String {
    full.strip_prefix("refs/heads/")
        .map(str::to_string)
        .unwrap_or(full)
}

/// Which branch the remote at `url` has as its HEAD (`None` for a remote without one),
/// asked from the repository at `dir` (a registry's work tree) with the user's git
/// configuration and credential helpers, as [`fetch_branch`] asks.
pub fn remote_head_branch(dir: &Path, url: &str) -> Result<Option<String>> {
    let repo = gix::open_opts(dir, gix::open::Options::default().strict_config(false))
        .map_err(|e| Error::git("cannot open the registry for a fetch", e))?;
    let remote = repo
        .remote_at(gix_url(url)?)
        .and_then(|r| r.with_refspecs(Some("HEAD"), Direction::Fetch))
        .map(|r| r.with_fetch_tags(gix::remote::fetch::Tags::None))
        .map_err(remote_err(url))?;
    let (ref_map, _) = remote
        .connect(Direction::Fetch)
        .map_err(remote_err(url))?
        .ref_map(gix::progress::Discard, Default::default())
        .map_err(remote_err(url))?;
    Ok(head_of(url, &ref_map.remote_refs)
        .ok()
        .map(|head| head.default_branch))
}

/// Fetch `branch` of the remote at `url` into the repository at `dir` (a registry's
/// work tree), updating `tracking` (such as `refs/remotes/origin/main`). Returns the
/// branch's tip, or `None` when the remote has no such branch (a new, empty remote).
///
/// Credentials come from the user's git configuration (their credential helpers), the
/// same ones the push through the git binary uses.
pub fn fetch_branch(
    dir: &Path,
    url: &str,
    branch: &str,
    tracking: &str,
    interrupt: &AtomicBool,
) -> Result<Option<ObjectId>> {
    let mut repo = gix::open_opts(dir, gix::open::Options::default().strict_config(false))
        .map_err(|e| Error::git("cannot open the registry for a fetch", e))?;
    // The tracking ref's reflog needs a committer; without a git identity, repodex's.
    repo.committer_or_set_fallback("repodex", "repodex@localhost")
        .map_err(|e| Error::git("cannot read the git identity", e))?;
    let refspec = format!("+refs/heads/{branch}:{tracking}");
    let remote = repo
        .remote_at(gix_url(url)?)
        .and_then(|r| r.with_refspecs(Some(refspec.as_str()), Direction::Fetch))
        .map(|r| r.with_fetch_tags(gix::remote::fetch::Tags::None))
        .map_err(remote_err(url))?;
    let prepare = remote
        .connect(Direction::Fetch)
        .map_err(remote_err(url))?
        .prepare_fetch(gix::progress::Discard, Default::default())
        .map_err(remote_err(url))?;
    let tip = prepare
        .ref_map()
        .mappings
        .iter()
        .find(|m| m.local.as_ref().is_some_and(|l| l == tracking))
        .and_then(|m| m.remote.as_id().map(|id| id.to_owned()));
    if tip.is_none() {
        // An empty remote, or one without the branch: nothing to receive.
        return Ok(None);
    }
    prepare
        .receive(gix::progress::Discard, interrupt)
        .map_err(remote_err(url))?;
    Ok(tip)
}
