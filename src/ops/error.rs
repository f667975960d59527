//! What an operation refuses before it changes anything: each kind a caller can tell
//! apart, each one line with what to do.

use std::path::PathBuf;

use crate::url::quote;

/// An operation's refusal of its input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Refused {
    #[error("{hint}")]
    UnknownSetting { key: String, hint: String },

    #[error(
        "{key} cannot be '{value}': {why}; `repodex settings` shows each setting and its default"
    )]
    BadSetting {
        key: String,
        value: String,
        why: String,
    },

    #[error("{} is not a valid branch name", quote(branch))]
    BadBranchName { branch: String },

    /// `register .` inside a working copy of a registered repository.
    #[error("{} is a working copy of '{name}', which is registered already (recorded as its local clone); use the name '{name}'", path.display())]
    CloneOfEntry { path: PathBuf, name: String },

    #[error("{} exists and is not empty; give another folder", dir.display())]
    FolderNotEmpty { dir: PathBuf },

    #[error("'{name}' is at {url}, and git's protocol policy does not allow {protocol} here ({why}); repodex's helper uses only what plain git would")]
    ProtocolNotAllowed {
        name: String,
        url: String,
        protocol: String,
        why: String,
    },

    #[error("'{name}' is at {url}, which is a repository on this machine that you never asked repodex to read; check it with `repodex info {name}`, then `repodex accept {name}`")]
    LocalNotAccepted { name: String, url: String },

    #[error("offline ({why}), and repodex has no mirror of '{name}' yet; fetch it online first (`repodex refresh {name}`)")]
    OfflineWithoutMirror { name: String, why: String },

    #[error("clones are made only in folders under {}, and {} is not one; {to_change}", root.display(), dir.display())]
    OutsideCloneRoot {
        dir: PathBuf,
        root: PathBuf,
        to_change: &'static str,
    },

    #[error("{} is not a folder", dir.display())]
    NotAFolder { dir: PathBuf },

    #[error("the mirror of '{name}' is empty or damaged; `repodex refresh {name}` makes it again")]
    MirrorDamaged { name: String },

    /// A flag that needs another (`--kind ssh-key` needs `--key-path PATH`).
    #[error("{flag} needs {needs}")]
    Needs {
        flag: &'static str,
        needs: &'static str,
    },

    #[error("{flag} {} is not a date; give one such as 2027-01-31", quote(value))]
    NotADate { flag: &'static str, value: String },

    /// `creds set` for an entry fetched over plain http, where no credential is sent.
    #[error("'{name}' is fetched over plain http ({}), and repodex never sends a credential over http, so this one would never be used; if the server speaks https, change the entry first (`repodex set {name} --url https://...`)", quote(url))]
    CredentialOverHttp { name: String, url: String },

    #[error("the registry is empty; register a repository first")]
    EmptyRegistry,

    #[error("the pattern {} is not a valid glob: {reason}", quote(pattern))]
    BadGlob { pattern: String, reason: String },

    #[error("no Minsky data found: nothing in $XDG_STATE_HOME/minsky/, no MINSKY_PERSISTENCE_POSTGRES_URL, no persistence.postgres.connectionString in ~/.config/minsky/config.yaml; give --json, --sqlite or --postgres")]
    NoMinskyData,

    #[error("the path of repodex ({}) contains a quote; install it elsewhere", path.display())]
    QuoteInPath { path: PathBuf },

    #[error("{} is damaged; remove the include from {} by hand", state.display(), global.display())]
    DamagedSetupState { state: PathBuf, global: PathBuf },

    #[error(
        "--format {format} is not a registry format this repodex writes; give {oldest} to {newest}"
    )]
    UnknownFormat {
        format: i64,
        oldest: i64,
        newest: i64,
    },

    /// An input file that cannot be read (missing, a folder, not text).
    #[error("cannot read {}: {reason}", quote(path))]
    CannotRead { path: String, reason: String },

    #[error("'{name}' has no local clone on this machine; `repodex clone {name}` makes one (or `repodex import scan DIR` finds yours)")]
    NoLocalPath { name: String },

    #[error("'{name}' is not on a forge repodex knows ({url}); --print url prints its URL")]
    NotOnAForge { name: String, url: String },

    #[error("nothing to set; give --url URL and/or --description TEXT")]
    NothingToSet,

    #[error("the registry has no remote; add one with `repodex remote set URL`")]
    NoSyncRemote,

    #[error("'{name}' has no cached file {}; cached: {}", quote(path), if cached.is_empty() { "none".to_string() } else { cached.join(", ") })]
    NoCachedFile {
        name: String,
        path: String,
        cached: Vec<String>,
    },

    #[error("name the repositories: give references or name globs (acme/*), --tag EXPR, or --all")]
    NothingSelected,

    #[error("layer '{layer}' is read-only here: this command works on your own registry's entries; register the ones you want (`repodex register URL`)")]
    LayerIsReadOnly { layer: String },

    /// A selection that matched no entry.
    #[error("nothing selected: no entry matches {what}; `repodex list` shows them all")]
    SelectedNothing { what: String },

    /// The selected repositories have no clone to work in.
    #[error("no clone of the selected repositories on this machine; `repodex clone NAME` makes one, `repodex list` shows what is registered")]
    NoClones,

    #[error("give the command to run after --, such as `repodex exec -- git status -s`")]
    NothingToRun,

    #[error(
        "cannot find {} on PATH; give its path, or run it with `sh -c`",
        quote(program)
    )]
    NoSuchProgram { program: String },

    #[error(
        "no entry's name or alias matches {}; `repodex list` shows them all",
        quote(pattern)
    )]
    GlobMatchesNothing { pattern: String },

    #[error("no entry is tagged {}{}; `repodex list --columns name,tags` shows the tags", quote(tag), match suggestions.as_slice() { [] => String::new(), some => format!("; did you mean {}?", some.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(" or ")) })]
    UnknownTag {
        tag: String,
        suggestions: Vec<String>,
    },

    #[error("--tag {} is not a tag expression ({why}); combine tags with ',' (or), '+' (and) and '^' (not), such as work+^archived,oss", quote(expression))]
    BadTagExpression { expression: String, why: String },
}

impl Refused {
    /// A selection or pattern that matched nothing: exit code 3, as a reference that
    /// matches no entry.
    pub fn is_no_match(&self) -> bool {
        matches!(
            self,
            Refused::SelectedNothing { .. }
                | Refused::NoClones
                | Refused::GlobMatchesNothing { .. }
                | Refused::UnknownTag { .. }
        )
    }
}
