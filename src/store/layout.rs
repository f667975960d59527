//! Where things are in a registry.
//!
//! Tracked files: `registry.toml`, the entry files under `repos/` (see [`Layout`]),
//! `README.md`, `.gitattributes` (and, with the vault, `credentials/` and
//! `.age-recipients`). Untracked, per-machine files live in `.git/repodex/`, which git
//! never pushes: the lock, the journal of an operation in flight, and the catalog (a
//! lookup index derived from HEAD).

use std::borrow::Cow;

use super::settings::Settings;
use super::shared_files::SHARED_FILES;
use crate::git::{ObjectId, Repo};
use crate::Error;

/// The registry format new registries get, and `repodex migrate` brings others to.
pub const FORMAT: i64 = Layout::NEWEST.format();
/// The oldest registry format this version reads (and writes, until it is migrated).
pub const OLDEST_FORMAT: i64 = Layout::Flat.format();
/// The folder of entry files, with its trailing slash.
pub const REPOS_DIR: &str = "repos/";
/// Shared settings.
pub const SETTINGS_FILE: &str = "registry.toml";
/// Repodex's own folder inside the registry's `.git/`.
pub const PRIVATE_DIR: &str = "repodex";
/// The public keys credentials are encrypted to.
pub const RECIPIENTS_FILE: &str = ".age-recipients";
/// The folder of encrypted credentials, with its trailing slash.
pub const CREDENTIALS_DIR: &str = "credentials/";
/// In [`PRIVATE_DIR`]: the recipients file as this machine last accepted it.
pub const ACCEPTED_RECIPIENTS: &str = "accepted-recipients";

/// Where entry files live under `repos/`: fixed by the registry's format.
///
/// Format 1 put every entry at `repos/<name>.toml`, so `repos/` listed every owner and
/// each commit rewrote that listing (20 KB and more at 1,000 owners). Format 2 spreads
/// entries over 4,096 small folders named by the hash of the name, so that every tree
/// on an entry's path stays small, and the folders few, whatever the names are
/// (docs/design.md, "Scale").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Format 1: `repos/<name>.toml`.
    Flat,
    /// Format 2: `repos/<ab>/<c>/<file>.toml`, where `abc` are the first three hex
    /// digits of the SHA-1 of the name (`printf %s NAME | sha1sum | cut -c1-3`) and
    /// `<file>` is the name with each `/` written as `+`: `repos/ff/0/edobry+minsky.toml`.
    FanOut,
}

impl Layout {
    /// The layout of new registries.
    pub const NEWEST: Layout = Layout::FanOut;
    /// Every layout, newest first.
    pub const ALL: [Layout; 2] = [Layout::FanOut, Layout::Flat];

    /// The layout of a registry format, if this version knows the format.
    pub fn for_format(format: i64) -> Option<Layout> {
        Layout::ALL.into_iter().find(|l| l.format() == format)
    }

    /// The registry format that has this layout.
    pub const fn format(self) -> i64 {
        match self {
            Layout::Flat => 1,
            Layout::FanOut => 2,
        }
    }

    /// The layout of a registry tree, from its `registry.toml`.
    pub fn of_tree(repo: &Repo, tree: ObjectId) -> Result<Layout, Error> {
        let settings = Settings::of_tree(repo, tree)?.ok_or_else(|| Error::NotARegistry {
            path: repo.workdir().to_path_buf(),
            reason: format!("a commit of its history has no {SETTINGS_FILE}"),
        })?;
        Ok(settings.layout())
    }

    /// The file an entry of this name lives in, relative to the registry's root.
    pub fn entry_path(self, name: &str) -> String {
        match self {
            Layout::Flat => format!("{REPOS_DIR}{name}.toml"),
            Layout::FanOut => format!(
                "{REPOS_DIR}{}/{}.toml",
                fan_out(name),
                name.replace('/', NAME_SEPARATOR)
            ),
        }
    }

    /// The entry name for `path`, if `path` is where an entry of that name lives.
    pub fn entry_name(self, path: &str) -> Option<Cow<'_, str>> {
        let inner = path.strip_prefix(REPOS_DIR)?.strip_suffix(".toml")?;
        match self {
            Layout::Flat => Some(Cow::Borrowed(inner)),
            Layout::FanOut => {
                let (fan, file) = inner.rsplit_once('/')?;
                if file.contains('/') {
                    return None;
                }
                let name = file.replace(NAME_SEPARATOR, "/");
                (fan == fan_out(&name)).then_some(Cow::Owned(name))
            }
        }
    }

    /// Where the entry files are, in words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Layout::Flat => "entries are repos/<name>.toml (format 1)",
            Layout::FanOut => {
                "entries are repos/<ab>/<c>/<name, '/' as '+'>.toml, abc being the first three hex digits of the name's SHA-1 (format 2)"
            }
        }
    }

    /// Is `path` a file repodex writes: an entry or one of the vault's files?
    pub fn is_registry_path(self, path: &str) -> bool {
        is_vault_path(path)
            || self
                .entry_name(path)
                .is_some_and(|n| super::name::validate_name(&n).is_ok())
    }

    /// Is `path` one of the files a registry of this layout consists of: an entry, a
    /// vault file, or one of [`SHARED_FILES`]?
    pub fn is_known_path(self, path: &str) -> bool {
        self.is_registry_path(path) || SHARED_FILES.contains(&path)
    }
}

/// In format 2, what stands for `/` in an entry's file name: a character names never
/// have, so that the file name is the name, one to one.
const NAME_SEPARATOR: &str = "+";

/// The fan-out folders of a name under format 2: `ab/c` for a SHA-1 that starts `abc`.
pub fn fan_out(name: &str) -> String {
    let hex = crate::git::sha1_hex(name.as_bytes());
    match (hex.get(..2), hex.get(2..3)) {
        (Some(ab), Some(c)) => format!("{ab}/{c}"),
        _ => "00/0".into(),
    }
}

/// Is `path` a file of a registry in any layout? For paths that may belong to either
/// side of a migration: a journal's, or a fast-forward's over one.
pub fn is_known_path_in_any_layout(path: &str) -> bool {
    Layout::ALL.iter().any(|l| l.is_known_path(path))
}

/// The encrypted credential file of an entry.
pub fn credential_path(name: &str) -> String {
    format!("{CREDENTIALS_DIR}{name}.age")
}

/// The entry name a credential file belongs to.
pub fn name_for_credential(path: &str) -> Option<&str> {
    path.strip_prefix(CREDENTIALS_DIR)?.strip_suffix(".age")
}

/// Is `path` one of the vault's files (`.age-recipients`, `credentials/<name>.age`)?
pub fn is_vault_path(path: &str) -> bool {
    path == RECIPIENTS_FILE
        || name_for_credential(path).is_some_and(|n| super::name::validate_name(n).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_paths_and_names_round_trip_in_each_layout() {
        // The fan-out folders are what `printf %s edobry/minsky | sha1sum` starts with.
        assert_eq!(fan_out("edobry/minsky"), "ff/0");
        assert_eq!(
            Layout::FanOut.entry_path("edobry/minsky"),
            "repos/ff/0/edobry+minsky.toml"
        );
        assert_eq!(
            Layout::Flat.entry_path("edobry/minsky"),
            "repos/edobry/minsky.toml"
        );
        for layout in Layout::ALL {
            for name in ["edobry/minsky", "scratch", "a/b/c", "00"] {
                let path = layout.entry_path(name);
                assert_eq!(layout.entry_name(&path).as_deref(), Some(name), "{path}");
            }
        }
        // A path in the wrong folders is no entry's path in format 2.
        for path in [
            "repos/edobry/minsky.toml",
            "repos/ff/edobry+minsky.toml",
            "repos/00/0/edobry+minsky.toml",
            "repos/ff/0/edobry/minsky.toml",
            "repos/ff/0/edobry+minsky.txt",
        ] {
            assert_eq!(Layout::FanOut.entry_name(path), None, "{path}");
        }
        assert_eq!(
            Layout::Flat
                .entry_name("repos/ff/0/edobry+minsky.toml")
                .as_deref(),
            Some("ff/0/edobry+minsky")
        );
        // A file name whose '+'s spell a path out of bounds is no registry file.
        for name in ["o/../x", "o//x", "/x", "o/.git"] {
            let path = Layout::FanOut.entry_path(name);
            assert!(!Layout::FanOut.is_registry_path(&path), "{path}");
        }
        assert!(Layout::FanOut.is_registry_path(&Layout::FanOut.entry_path("o/x")));
    }
}
