//! `registry.toml`: the settings everyone who syncs a registry shares, their defaults,
//! and the one change repodex makes to the file's text (its format line).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::layout::{Layout, FORMAT, SETTINGS_FILE};
use crate::git::{ObjectId, Repo};
use crate::Error;

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
    /// The older declaration: hosts whose repository names are compared without regard
    /// to case (`["gitlab.corp"]`), read as `hosts` of kind `case-insensitive` where
    /// `hosts` does not name them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub case_insensitive_hosts: Vec<String>,
    /// What the team's own servers are, by host: `github` (GitHub Enterprise),
    /// `gitlab`, `gitea` (or `forgejo`), `bitbucket-server`, or `case-insensitive`
    /// (names ignore case, nothing more). A declared host compares names without
    /// regard to case, and one of a forge's kind has pages and `owner/repo` as that
    /// forge does ([`crate::url::HostKind`]). A kind this repodex does not know is
    /// read as `case-insensitive`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hosts: BTreeMap<String, String>,
    /// Keys this version does not know, kept as they are.
    #[serde(flatten)]
    pub extra: toml::Table,
}

impl Settings {
    /// The identity rules this registry adds ([`crate::url::Rules`]).
    pub fn url_rules(&self) -> crate::url::Rules {
        use crate::url::HostKind;
        let kinds = self.hosts.iter().map(|(host, kind)| {
            (
                host.as_str(),
                HostKind::parse(kind).unwrap_or(HostKind::CaseInsensitive),
            )
        });
        crate::url::Rules::declared(kinds, &self.case_insensitive_hosts)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            format: FORMAT,
            config_paths: None,
            refresh_ttl: None,
            max_config_size: None,
            max_mirror_size: None,
            hosts: BTreeMap::new(),
            case_insensitive_hosts: Vec::new(),
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

/// The default `max_mirror_size`: 1 GiB.
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
            .and_then(|ttl| crate::time::parse_duration(ttl).ok())
            .unwrap_or(DEFAULT_REFRESH_TTL)
    }

    /// The checked settings of a registry tree; `None` when it has no `registry.toml`.
    pub fn of_tree(repo: &Repo, tree: ObjectId) -> Result<Option<Settings>, Error> {
        match repo.file_at(tree, SETTINGS_FILE)? {
            None => Ok(None),
            Some(file) => {
                let bytes = repo.read_blob(file.id, super::entry::MAX_ENTRY_SIZE)?;
                Settings::parse(&bytes).map(Some)
            }
        }
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
            match crate::time::parse_duration(ttl) {
                Ok(_) => {}
                Err(crate::time::BadTime::NotATime) => {
                    return Err(broken(format!(
                        "refresh_ttl '{}' is not a duration such as 24h, 30m or 7d",
                        ttl.escape_debug()
                    )))
                }
                Err(crate::time::BadTime::OutOfRange) => {
                    return Err(broken(format!(
                        "refresh_ttl '{}' is longer than repodex counts (at most {})",
                        ttl.escape_debug(),
                        crate::time::MAX_DURATION_WORDS
                    )))
                }
            }
        }
        for path in settings.config_paths.iter().flatten() {
            crate::store::entry::validate_config_path(path).map_err(broken)?;
        }
        if Layout::for_format(settings.format).is_none() {
            return Err(Error::UnknownFormat {
                found: settings.format,
                known: FORMAT,
            });
        }
        Ok(settings)
    }

    /// Where this registry's entries live (the format was checked by [`Settings::parse`]).
    pub fn layout(&self) -> Layout {
        Layout::for_format(self.format).unwrap_or(Layout::NEWEST)
    }
}

/// `registry.toml`'s text with its format set to `format`, everything else (comments,
/// other keys, their order) kept: the line `format = N` is replaced, or, when the file
/// spells it otherwise, the settings are written out again.
pub fn with_format(text: &str, format: i64) -> String {
    let mut found = false;
    let lines: Vec<String> = text
        .split_inclusive('\n')
        .map(|line| {
            let bare = line.trim_end_matches(['\n', '\r']);
            let is_format = !found
                && bare.split_once('=').is_some_and(|(key, value)| {
                    key.trim() == "format" && value.trim().parse::<i64>().is_ok()
                });
            if is_format {
                found = true;
                format!("format = {format}{}", &line[bare.len()..])
            } else {
                line.to_string()
            }
        })
        .collect();
    let changed = lines.concat();
    match Settings::parse(changed.as_bytes()) {
        Ok(settings) if found && settings.format == format => changed,
        _ => {
            let mut settings = Settings::parse(text.as_bytes()).unwrap_or_default();
            settings.format = format;
            toml::to_string(&settings).expect("settings serialize")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_line_changes_and_nothing_else() {
        let text = "# Shared settings.\nformat = 1\nrefresh_ttl = \"7d\" # a week\n";
        assert_eq!(
            with_format(text, 2),
            "# Shared settings.\nformat = 2\nrefresh_ttl = \"7d\" # a week\n"
        );
        // Spelled otherwise, the settings are written again, and keep their values.
        let odd = with_format("format = 0x1\nrefresh_ttl = \"7d\"", 2);
        let settings = Settings::parse(odd.as_bytes()).unwrap();
        assert_eq!(
            (settings.format, settings.refresh_ttl.as_deref()),
            (2, Some("7d"))
        );
    }
}
