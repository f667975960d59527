//! What this machine reads for the shared registry: the configuration paths, and the
//! repositories on this machine, that this machine accepted.
//!
//! Anyone who can push to the shared registry can change an entry's `url` and
//! `config_paths` and the shared `config_paths` of `registry.toml`. Were every listed
//! path read, a pusher could point an entry at a host only a teammate reaches (an
//! internal server, any ssh host the teammate's agent opens) and list `prod.env`: the
//! teammate's next refresh would cache it into the entry and their next sync push it.
//! So, as with `.age-recipients`, this machine reads only what it accepted:
//!
//! - the configuration files repodex knows by name (Minsky's `.minsky/config.*` and
//!   `minsky.config.*`, [`is_known_config_path`]) from any entry's URL, so that a
//!   teammate's new entry works everywhere without ceremony;
//! - any other path only from a URL this machine accepted, and only the paths accepted
//!   with it: the entry's own `config_paths` as accepted, or, for an entry that follows
//!   the shared list, the shared `config_paths` as accepted;
//! - a repository on this machine (a path or `file://` URL) not at all until accepted.
//!
//! This machine accepts by its own writes (registering a repository, `set --url`,
//! `settings set config_paths`) and by `repodex accept`. The record is per-machine
//! state, `.git/repodex/accepted-reads.json`, beside `accepted-recipients`, never
//! pushed, written under the registry's lock; keyed by the URL's identity, so that a
//! rename keeps it and a URL change from elsewhere does not.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::settings::{Settings, DEFAULT_CONFIG_PATHS};
use crate::url::GitUrl;
use crate::Result;

/// The file, in the registry's private folder.
pub const FILE: &str = "accepted-reads.json";

/// Is `path` a configuration file repodex knows by name, read for any entry: Minsky's
/// `.minsky/config.<ext>` and `minsky.config.<ext>`?
pub fn is_known_config_path(path: &str) -> bool {
    let file = path.strip_prefix(".minsky/").unwrap_or(path);
    let named = if file.len() < path.len() {
        file.strip_prefix("config.")
    } else {
        file.strip_prefix("minsky.config.")
    };
    named.is_some_and(|ext| !ext.is_empty() && !ext.contains('/'))
}

/// The paths repodex knows by name, as people say them.
pub const KNOWN_CONFIG_PATHS_WORDS: &str = ".minsky/config.*, minsky.config.*";

/// One URL this machine accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    /// The entry's own `config_paths` as accepted; `None`: the entry follows the shared
    /// list, as accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_paths: Option<Vec<String>>,
}

/// This machine's accepted reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedReads {
    /// `registry.toml`'s `config_paths` as this machine accepted them; `None`: the
    /// defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    shared: Option<Vec<String>>,
    /// By URL identity.
    #[serde(default)]
    urls: BTreeMap<String, Accepted>,
}

/// Why a path an entry lists is not read here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Held {
    /// The entry follows the shared list, which changed elsewhere (`accept --settings`).
    SharedList,
    /// The entry's URL or its own list is not what this machine accepted (`accept NAME`).
    Entry,
}

/// What this machine reads of one entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reads {
    /// The listed paths it reads, in the entry's order.
    pub read: Vec<String>,
    /// The listed paths it does not read, and why.
    pub held: Vec<(String, Held)>,
}

impl AcceptedReads {
    /// The record in `private_dir`; none (or an unreadable one) accepts nothing.
    pub fn load(private_dir: &Path) -> AcceptedReads {
        std::fs::read(private_dir.join(FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    pub(crate) fn save(&self, private_dir: &Path) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(self).expect("the record serializes");
        std::fs::create_dir_all(private_dir)
            .map_err(|e| crate::Error::io(format!("cannot create {}", private_dir.display()), e))?;
        crate::git::write_atomically(&private_dir.join(FILE), &bytes)
    }

    /// Did this machine accept `url` (with some list of paths)?
    pub fn has_url(&self, url: &GitUrl) -> bool {
        self.urls.contains_key(&url.identity_key())
    }

    /// The shared list as this machine accepted it.
    pub fn shared(&self) -> Vec<String> {
        match &self.shared {
            Some(paths) => paths.clone(),
            None => DEFAULT_CONFIG_PATHS.iter().map(|p| p.to_string()).collect(),
        }
    }

    pub(crate) fn accept_url(&mut self, url: &GitUrl, config_paths: Option<Vec<String>>) {
        self.urls
            .insert(url.identity_key(), Accepted { config_paths });
    }

    /// The entry at `from` moved to `to` by this machine's hand: what was accepted for
    /// `from` is accepted for `to` (the entry's list as it follows the shared one, when
    /// nothing was).
    pub(crate) fn move_url(&mut self, from: &GitUrl, to: &GitUrl) {
        let accepted = self.urls.remove(&from.identity_key()).unwrap_or_default();
        self.urls.insert(to.identity_key(), accepted);
    }

    pub(crate) fn accept_shared(&mut self, paths: Option<Vec<String>>) {
        self.shared = paths;
    }

    /// What this machine reads of an entry at `url` that lists `own` (its own
    /// `config_paths`) under `settings`.
    pub fn reads(&self, url: &GitUrl, own: Option<&[String]>, settings: &Settings) -> Reads {
        let wanted = match own {
            Some(paths) => paths.to_vec(),
            None => settings.config_paths(),
        };
        let shared = self.shared();
        let accepted = self.urls.get(&url.identity_key());
        let mut reads = Reads::default();
        for path in wanted {
            let ok = is_known_config_path(&path)
                || match accepted {
                    Some(Accepted {
                        config_paths: Some(list),
                    }) => list.contains(&path),
                    Some(Accepted { config_paths: None }) => shared.contains(&path),
                    None => false,
                };
            if ok {
                reads.read.push(path);
            } else {
                let why = match (own, accepted) {
                    (None, Some(Accepted { config_paths: None })) => Held::SharedList,
                    _ => Held::Entry,
                };
                reads.held.push((path, why));
            }
        }
        reads
    }

    /// Is the shared list in `settings` the one this machine accepted?
    pub fn shared_is_accepted(&self, settings: &Settings) -> bool {
        settings.config_paths() == self.shared()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_known_paths_are_minsky_s_by_name() {
        for known in [
            ".minsky/config.yaml",
            ".minsky/config.json",
            "minsky.config.yml",
        ] {
            assert!(is_known_config_path(known), "{known}");
        }
        for other in [
            "config/local.yaml",
            "prod.env",
            ".minsky/config.",
            ".minsky/other.yaml",
            ".minsky/config.d/x",
            "sub/minsky.config.yaml",
            "minsky.config",
        ] {
            assert!(!is_known_config_path(other), "{other}");
        }
    }

    #[test]
    fn others_entries_read_only_known_files_until_accepted() {
        let settings = Settings::default();
        let url = GitUrl::parse_clean("https://git.example.com/team/lib.git").unwrap();
        let own = vec!["prod.env".to_string(), ".minsky/config.yaml".to_string()];
        let mut accepted = AcceptedReads::default();
        let reads = accepted.reads(&url, Some(&own), &settings);
        assert_eq!(reads.read, [".minsky/config.yaml"]);
        assert_eq!(reads.held, [("prod.env".to_string(), Held::Entry)]);
        // Following the shared list, registered here: the defaults, config/local.yaml too.
        accepted.accept_url(&url, None);
        let reads = accepted.reads(&url, None, &settings);
        assert!(reads.held.is_empty(), "{reads:?}");
        assert!(reads.read.contains(&"config/local.yaml".to_string()));
        accepted.accept_url(&url, Some(own.clone()));
        assert!(accepted.reads(&url, Some(&own), &settings).held.is_empty());
    }
}
