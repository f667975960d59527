//! What a sync, `init --from` and the layers refuse: each kind a caller can tell apart,
//! each one line with what to do.

use std::path::PathBuf;

/// A refusal of sync's, or of the layers'.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The merge found clashes no rule settles; each names its file and what to do.
    #[error("the registry and its remote cannot be merged: {}; nothing was changed", .clashes.join("; "))]
    Clashes { clashes: Vec<String> },

    /// A registry offered by `init --from` or `registry add` that cannot be used.
    #[error("{url} cannot be used as a registry: {problem}; is it a repodex registry? Fix or remove the file there")]
    NotUsable { url: String, problem: String },

    /// This registry holds a file no teammate's sync would take; nothing was pushed.
    #[error("{problem}; nothing was sent")]
    WouldBeRefused { problem: String },

    #[error("{url} has no {file}: it is not a repodex registry")]
    NotARegistry { url: String, file: &'static str },

    #[error("the registry has several git remotes ({}) and none is called origin; choose one with `repodex remote set URL`", .names.join(", "))]
    WhichRemote { names: Vec<String> },

    #[error("the registry's git remote is not a URL repodex uses ({reason}); change it with `repodex remote set URL`")]
    BadRemoteUrl { reason: String },

    #[error("the registry's git remote URL {shown} carries a password or token; set it without (`repodex remote set URL`) and let git's credential helper keep the secret")]
    SecretInRemoteUrl { shown: String },

    /// The registry's remote could not be reached (its host down or not answering, its
    /// folder on a share not mounted): nothing changed, and a later sync can finish.
    #[error(
        "{reason}; nothing was changed: try again with `repodex sync` when the remote is back"
    )]
    Unreachable { reason: String },

    /// Others pushed between this sync's fetch and its push, every time it tried.
    #[error("others kept pushing to {url} while this sync merged ({attempts} attempts); your changes are committed here and nothing was lost; run `repodex sync` again")]
    Overtaken { url: String, attempts: usize },

    /// The remote answered and refused the push, for a reason of its own.
    #[error("{url} refused the push: {reason}; the remote's rules (a protected branch, a hook, push rights) refuse this change, so ask whoever keeps it; your changes are committed here")]
    PushRefused { url: String, reason: String },

    #[error("the registry has no remote to sync with; add one with `repodex remote set URL` (a git repository the team can push to)")]
    NoRemote,

    #[error("{} is not empty; give a new folder (--registry DIR), or run `repodex sync` in the registry that is there", dest.display())]
    DestinationNotEmpty { dest: PathBuf },

    #[error("{url} holds no registry yet (it has no branch {branch}); from a registry that has entries, run `repodex remote set {url}` and `repodex sync`")]
    EmptyRemote { url: String, branch: String },

    #[error("{}: {reason}; fix it or remove the layer with `repodex registry rm NAME`", path.display())]
    BadLayersFile { path: PathBuf, reason: String },

    #[error("a layer called '{name}' is mounted already; `repodex registry list` shows them")]
    LayerExists { name: String },

    #[error("no layer is called '{name}'; `repodex registry list` shows them")]
    NoSuchLayer { name: String },

    #[error("the layer '{name}' cannot be read ({reason}); mount it again with `repodex registry rm {name}` and `repodex registry add {name} URL`")]
    UnreadableLayer { name: String, reason: String },

    #[error("a layer's name is one word ('{name}' has a '/'); such as: org")]
    BadLayerName { name: String },
}

impl SyncError {
    /// The remote could not be reached, stopped the sync (others pushing every time),
    /// or refused the push: exit 5.
    pub fn is_the_remotes(&self) -> bool {
        matches!(
            self,
            SyncError::Unreachable { .. }
                | SyncError::Overtaken { .. }
                | SyncError::PushRefused { .. }
        )
    }

    /// Clashes and unusable registries are the registry's problem (exit 4); the rest
    /// are refused input (exit 2).
    pub fn is_registry_problem(&self) -> bool {
        matches!(
            self,
            SyncError::Clashes { .. }
                | SyncError::WouldBeRefused { .. }
                | SyncError::NotUsable { .. }
                | SyncError::NotARegistry { .. }
        )
    }
}
