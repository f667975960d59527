//! The library's errors: typed, so that callers can tell "not found" from "corrupt", and
//! each one a single line that says what was wrong and what to do.

use std::path::PathBuf;

use crate::store::name::NameError;
use crate::url::{quote, UrlError};

/// Every error the library returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A URL was refused.
    #[error(transparent)]
    Url(#[from] UrlError),

    /// A name, alias or tag was refused.
    #[error(transparent)]
    Name(#[from] NameError),

    /// The store refused (a reference, a revision, a description, a tag).
    #[error(transparent)]
    Store(#[from] crate::store::error::StoreError),

    /// An import or export refused its source.
    #[error(transparent)]
    Import(#[from] crate::import::error::ImportError),

    /// This machine's config file does not parse.
    #[error("{}: {reason}; fix or remove it", path.display())]
    UserConfig { path: PathBuf, reason: String },

    /// `REPODEX_TIMEOUT` is not a number of seconds from 1 to a day.
    #[error("REPODEX_TIMEOUT={} is not a number of seconds from 1 to {}; give a smaller one", quote(value), crate::remote::Network::MAX_TIMEOUT.as_secs())]
    BadTimeout { value: String },

    /// A registry file larger than repodex reads.
    #[error("a registry file ({id}) is {size} bytes, more than the {max} repodex reads")]
    FileTooLarge { id: String, size: u64, max: usize },

    /// An operation refused its input.
    #[error(transparent)]
    Refused(#[from] crate::ops::error::Refused),

    /// No entry matches a reference.
    #[error(
        "no repository matches {}{}",
        quote(reference),
        suggestion_text(suggestions)
    )]
    NotFound {
        reference: String,
        suggestions: Vec<String>,
    },

    /// More than one entry matches a reference.
    #[error("{} matches more than one repository: {}; use one of these names", quote(reference), candidates.join(", "))]
    Ambiguous {
        reference: String,
        candidates: Vec<String>,
    },

    /// A reference that only a read-only layer knows, given to a command that changes
    /// or fetches the user's own entries.
    #[error("{} is '{name}' in the read-only layer '{layer}'; this command works on your own registry's entries (resolve, info, which and list read layers too)", quote(reference))]
    InLayer {
        reference: String,
        name: String,
        layer: String,
    },

    /// An entry asked for as of a time or revision when it was not registered.
    #[error("'{name}' was not in the registry at {}", quote(at))]
    NotThen { name: String, at: String },

    /// No reference was given, and the current folder belongs to no entry.
    #[error("no REF given, and the current folder is not in a working copy of a registered repository; give a name, alias, URL or path")]
    NotInWorkingCopy,

    /// The repository is registered already.
    #[error("{url} is already registered as '{name}'; use that name, or `repodex set {name} --url` to change its URL")]
    AlreadyRegistered { url: String, name: String },

    /// A name or alias is in use.
    #[error("{what} '{wanted}' {clash}; choose another")]
    NameTaken {
        what: &'static str,
        wanted: String,
        clash: String,
    },

    /// A folder that is not a repodex registry was given as one.
    #[error("{} is not a repodex registry: {reason}; give an empty or new folder, or a registry, with --registry or REPODEX_HOME", path.display())]
    NotARegistry { path: PathBuf, reason: String },

    /// The registry's format is newer than this repodex knows.
    #[error(
        "the registry uses format {found}, but this repodex knows format {known} at most; upgrade repodex"
    )]
    UnknownFormat { found: i64, known: i64 },

    /// A local path given as a repository is not one.
    #[error("{} is not a git repository; give a git URL or the path of a clone", quote(&path.display().to_string()))]
    NotAGitRepository { path: PathBuf },

    /// A registry file has an uncommitted change that an operation would overwrite.
    #[error("{path} in the registry has uncommitted changes that this command would overwrite; commit them with git (git -C {} commit -a) or discard them (git -C {} checkout -- {path})", registry.display(), registry.display())]
    UncommittedEdit { path: String, registry: PathBuf },

    /// An entry file that cannot be read as an entry.
    #[error("{path}{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
    BrokenEntry {
        path: String,
        line: Option<usize>,
        message: String,
    },

    /// Another program moved the registry's HEAD while repodex was changing it.
    #[error("the registry changed while this command ran (HEAD moved); run the command again")]
    Conflict,

    /// A remote could not be reached or did not answer as expected.
    #[error("cannot reach {url}: {reason}")]
    Remote { url: String, reason: String },

    /// A remote could not be reached for a reason the user can act on.
    #[error("{}", failure.describe(url))]
    Unreachable {
        url: String,
        failure: crate::git::fetch::TransportFailure,
    },

    /// A fetch an operation needed failed; `reason` names the URL and the cause.
    #[error("cannot fetch '{name}': {reason}")]
    FetchFailed { name: String, reason: String },

    /// A remote did not answer within the time allowed.
    #[error("{url} did not answer within {seconds} s; it may be down or firewalled (the timeout is REPODEX_TIMEOUT or `timeout` in the user config)")]
    Timeout { url: String, seconds: u64 },

    /// The network was needed, and repodex is offline.
    #[error("{what} needs the network, and repodex is offline ({why}); nothing was changed")]
    Offline { what: String, why: String },

    /// A credential is not bound to the server its entry's URL names now (the URL moved,
    /// or the credential predates binding), so it is not sent there.
    #[error("the credential of '{name}' {}, not to {now}, so repodex does not send it there; if the repository really lives at {now} now, `repodex creds rebind {name}` binds it there", match bound { Some(b) => format!("is bound to {b}"), None => "is bound to no server (it was stored by an older repodex)".to_string() })]
    CredentialElsewhere {
        name: String,
        bound: Option<String>,
        now: String,
    },

    /// The vault refused or failed: identity, recipients, or a credential file.
    #[error(transparent)]
    Vault(#[from] crate::vault::error::VaultError),

    /// A sync, `init --from` or a layer refused: clashes, an unusable registry, a
    /// missing remote.
    #[error(transparent)]
    Sync(#[from] crate::sync::error::SyncError),

    /// A git lock file that another process holds did not go away in time.
    #[error("{what} is locked: {} exists, so another git process is using the registry (a `git commit` waiting for its editor?); repodex waited {waited} s. Let it finish and run the command again; if no git process is running, the file is stale: remove it (rm {}) and run the command again", path.display(), path.display())]
    Locked {
        path: PathBuf,
        what: String,
        waited: u64,
    },

    /// A path that only the vault may write was asked of the vault, or a path that is
    /// no registry file was asked of a merge: a bug in the caller, refused in every build.
    #[error("{} is not a file repodex writes in the registry; nothing was changed (this is a bug in repodex: please report it)", quote(path))]
    NotAVaultPath { path: String },

    /// Something repodex needs from its environment is missing.
    #[error("cannot find {what} ({why}); {fix}")]
    Environment {
        what: String,
        why: String,
        fix: String,
    },

    /// The git program failed at something repodex asked of it.
    #[error("cannot {what}: {reason}")]
    GitCommand { what: String, reason: String },

    /// A git operation failed.
    #[error("{context}: {}", crate::text::one_line(source.as_ref()))]
    Git {
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// A file operation failed.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

fn suggestion_text(suggestions: &[String]) -> String {
    match suggestions {
        [] => "; `repodex list` shows what is registered".into(),
        [one] => format!("; did you mean '{one}'?"),
        many => format!("; did you mean one of: {}?", many.join(", ")),
    }
}

impl Error {
    pub(crate) fn git(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Error {
        Error::Git {
            context: context.into(),
            source: source.into(),
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// Is this a failure of a remote's host itself (refused, timed out, no such name,
    /// TLS), so that every repository on it would fail alike?
    pub fn is_the_hosts(&self) -> bool {
        use crate::git::fetch::TransportFailure as F;
        matches!(
            self,
            Error::Timeout { .. }
                | Error::Unreachable {
                    failure: F::Refused | F::NameResolution | F::Tls(_),
                    ..
                }
        )
    }

    /// What kind of failure this is, for exit codes.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Store(crate::store::error::StoreError::DamagedClones { .. }) => {
                ErrorKind::Registry
            }
            Error::Refused(refused) if refused.is_no_match() => ErrorKind::NoMatch,
            Error::Url(_)
            | Error::Name(_)
            | Error::Refused(_)
            | Error::Import(_)
            | Error::UserConfig { .. }
            | Error::BadTimeout { .. }
            | Error::FileTooLarge { .. }
            | Error::Store(_)
            | Error::AlreadyRegistered { .. }
            | Error::NameTaken { .. }
            | Error::NotAGitRepository { .. } => ErrorKind::Input,
            Error::NotFound { .. } | Error::Ambiguous { .. } => ErrorKind::NoMatch,
            Error::InLayer { .. } | Error::NotThen { .. } | Error::NotInWorkingCopy => {
                ErrorKind::Input
            }
            Error::NotARegistry { .. }
            | Error::UnknownFormat { .. }
            | Error::BrokenEntry { .. } => ErrorKind::Registry,
            Error::Sync(e) if e.is_registry_problem() => ErrorKind::Registry,
            Error::Sync(e) if e.is_the_remotes() => ErrorKind::Network,
            Error::Sync(_) => ErrorKind::Input,
            Error::UncommittedEdit { .. }
            | Error::Conflict
            | Error::Vault(_)
            | Error::CredentialElsewhere { .. } => ErrorKind::Input,
            Error::Git { .. }
            | Error::Io { .. }
            | Error::GitCommand { .. }
            | Error::Locked { .. }
            | Error::NotAVaultPath { .. }
            | Error::Environment { .. } => ErrorKind::Failure,
            Error::Remote { .. }
            | Error::Unreachable { .. }
            | Error::FetchFailed { .. }
            | Error::Timeout { .. }
            | Error::Offline { .. } => ErrorKind::Network,
        }
    }
}

/// Broad classes of failure; the command line maps them to exit codes (docs/exit-codes.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input was refused; nothing changed.
    Input,
    /// A reference matched no entry, or more than one.
    NoMatch,
    /// The registry itself is unusable or has broken files.
    Registry,
    /// Something failed underneath (I/O, git).
    Failure,
    /// A remote could not be reached, or the network was needed while offline.
    Network,
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
