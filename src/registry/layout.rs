//! Where things are in a registry (format 1), and the files a new registry starts with.
//!
//! Tracked files: `registry.toml`, `repos/<name>.toml`, `README.md`, `.gitattributes`
//! (and, with the vault, `credentials/` and `.age-recipients`). Untracked, per-machine
//! files live in `.git/repodex/`, which git never pushes: the lock, the journal of an
//! operation in flight, and the catalog (a lookup index derived from HEAD).

use serde::{Deserialize, Serialize};

use crate::Error;

/// The registry format this version reads and writes.
pub const FORMAT: i64 = 1;
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

/// Is `path` a file repodex writes: an entry or one of the vault's files?
pub fn is_registry_path(path: &str) -> bool {
    is_vault_path(path)
        || super::entry::Entry::name_for_path(path)
            .is_some_and(|n| super::name::validate_name(n).is_ok())
}

/// The registry's own files beside entries and the vault, written by `create` and
/// changed by hand or by a sync.
pub const SHARED_FILES: &[&str] = &[SETTINGS_FILE, "README.md", ".gitattributes"];

/// Is `path` one of the files a registry consists of: an entry, a vault file, or one
/// of [`SHARED_FILES`]?
pub fn is_known_path(path: &str) -> bool {
    is_registry_path(path) || SHARED_FILES.contains(&path)
}

/// The settings in `registry.toml`, shared by everyone who syncs the registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub format: i64,
    /// The repository files whose content is cached in entries; see [`Settings::config_paths`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_paths: Option<Vec<String>>,
    /// How old remote data may get before commands that show it refresh it: `24h`, `30m`, `7d`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_ttl: Option<String>,
    /// The largest configuration file cached, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_config_size: Option<u64>,
    /// The most one refresh may download into a repository's mirror, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_mirror_size: Option<u64>,
    /// Keys this version does not know, kept as they are.
    #[serde(flatten)]
    pub extra: toml::Table,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            format: FORMAT,
            config_paths: None,
            refresh_ttl: None,
            max_config_size: None,
            max_mirror_size: None,
            extra: toml::Table::new(),
        }
    }
}

/// The configuration files cached by default: where the Minsky CLI looks for a
/// repository's project configuration, the committed file first, then its legacy names.
pub const DEFAULT_CONFIG_PATHS: &[&str] = &[
    ".minsky/config.yaml",
    ".minsky/config.yml",
    ".minsky/config.json",
    "minsky.config.yaml",
    "minsky.config.yml",
    "minsky.config.json",
    "config/local.yaml",
];

/// The default `max_config_size`: 256 KiB.
pub const DEFAULT_MAX_CONFIG_SIZE: u64 = 256 * 1024;

/// The default `max_mirror_size`: 1 GiB (a depth-1 mirror holds one commit's files).
pub const DEFAULT_MAX_MIRROR_SIZE: u64 = 1 << 30;

/// The default `refresh_ttl`: a day.
pub const DEFAULT_REFRESH_TTL: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

impl Settings {
    /// The paths to cache for an entry without its own `config_paths`.
    pub fn config_paths(&self) -> Vec<String> {
        match &self.config_paths {
            Some(paths) => paths.clone(),
            None => DEFAULT_CONFIG_PATHS.iter().map(|p| p.to_string()).collect(),
        }
    }

    pub fn max_config_size(&self) -> u64 {
        self.max_config_size.unwrap_or(DEFAULT_MAX_CONFIG_SIZE)
    }

    pub fn max_mirror_size(&self) -> u64 {
        self.max_mirror_size.unwrap_or(DEFAULT_MAX_MIRROR_SIZE)
    }

    /// The time-to-live of remote data.
    pub fn refresh_ttl(&self) -> std::time::Duration {
        self.refresh_ttl
            .as_deref()
            .and_then(crate::time::parse_duration)
            .unwrap_or(DEFAULT_REFRESH_TTL)
    }

    /// Read and check `registry.toml`.
    pub fn parse(bytes: &[u8]) -> Result<Settings, Error> {
        let broken = |message: String| Error::BrokenEntry {
            path: SETTINGS_FILE.into(),
            line: None,
            message,
        };
        let text = std::str::from_utf8(bytes).map_err(|_| broken("is not valid UTF-8".into()))?;
        let settings: Settings =
            toml::from_str(text).map_err(|e| broken(e.message().trim().replace('\n', " ")))?;
        if let Some(ttl) = &settings.refresh_ttl {
            if crate::time::parse_duration(ttl).is_none() {
                return Err(broken(format!(
                    "refresh_ttl '{}' is not a duration such as 24h, 30m or 7d",
                    ttl.escape_debug()
                )));
            }
        }
        for path in settings.config_paths.iter().flatten() {
            crate::registry::entry::validate_config_path(path).map_err(broken)?;
        }
        if settings.format != FORMAT {
            return Err(Error::UnknownFormat {
                found: settings.format,
                known: FORMAT,
            });
        }
        Ok(settings)
    }
}

/// The files of a new registry, path and content.
pub fn initial_files() -> Vec<(&'static str, Vec<u8>)> {
    let settings = format!(
        "# Settings shared by everyone who uses this registry. See docs/format.md of repodex.\n{}",
        toml::to_string(&Settings::default()).expect("settings serialize")
    );
    vec![
        (SETTINGS_FILE, settings.into_bytes()),
        ("README.md", README.as_bytes().to_vec()),
        (".gitattributes", GITATTRIBUTES.as_bytes().to_vec()),
    ]
}

const GITATTRIBUTES: &str = "\
# Entries are plain text; credentials are age-encrypted and diff through `age`.
*.toml text eol=lf
*.age diff=age
";

const README: &str = "\
# A repodex registry

This repository is a [repodex](https://crates.io/crates/repodex) registry: a list of
the git repositories a person or a team works with. It is written by repodex, and it is
an ordinary git repository, so you can read it with plain git.

## Layout

- `registry.toml`: the registry's format (`format = 1`) and shared settings.
- `repos/<name>.toml`: one file per registered repository, holding its URL, aliases,
  tags and description, what was learned from its remote (default branch) and cached
  copies of its project configuration files. A name with `/` nests:
  `repos/edobry/minsky.toml`.
- `credentials/<name>.age`: credentials for a repository, encrypted with age to every
  key in `.age-recipients`. Nothing secret is ever stored here in plain text.
- `.age-recipients`: the public keys that can read the credentials.

## History

Every change is one commit, so history is the record of what changed:

    git log --oneline                      # what happened to the registry
    git log -p repos/edobry/minsky.toml    # how one entry changed

Hand edits are fine: edit a file, commit it with git, and repodex reads it.
`repodex doctor` checks the whole registry.
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_settings_parse_back() {
        let files = initial_files();
        let settings = Settings::parse(&files[0].1).unwrap();
        assert_eq!(settings.format, FORMAT);
        assert!(matches!(
            Settings::parse(b"format = 2"),
            Err(Error::UnknownFormat { found: 2, .. })
        ));
    }
}
