//! Where things are in a registry, and the files a new registry starts with.
//!
//! Tracked files: `registry.toml`, the entry files under `repos/` (see [`Layout`]),
//! `README.md`, `.gitattributes` (and, with the vault, `credentials/` and
//! `.age-recipients`). Untracked, per-machine files live in `.git/repodex/`, which git
//! never pushes: the lock, the journal of an operation in flight, and the catalog (a
//! lookup index derived from HEAD).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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

/// The registry's own files beside entries and the vault, written by `create` and
/// changed by hand or by a sync.
pub const SHARED_FILES: &[&str] = &[SETTINGS_FILE, "README.md", ".gitattributes"];

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

/// The files of a new registry in `layout`'s format, path and content.
pub fn initial_files(layout: Layout) -> Vec<(&'static str, Vec<u8>)> {
    let settings = Settings {
        format: layout.format(),
        ..Settings::default()
    };
    let settings = format!(
        "# Settings shared by everyone who uses this registry. See docs/format.md of repodex.\n{}",
        toml::to_string(&settings).expect("settings serialize")
    );
    let readme = match layout {
        Layout::Flat => README_FORMAT_1,
        Layout::FanOut => README,
    };
    vec![
        (SETTINGS_FILE, settings.into_bytes()),
        ("README.md", readme.as_bytes().to_vec()),
        (".gitattributes", GITATTRIBUTES.as_bytes().to_vec()),
    ]
}

/// Check a `.gitattributes` that came from elsewhere: only the lines repodex writes
/// (and comments and blank lines). Any other attribute can make git run a program (a
/// filter or merge driver) or rewrite files (`working-tree-encoding`), and every later
/// sync would fail until someone repaired git by hand.
pub fn check_gitattributes(text: &str) -> Result<(), String> {
    let ours: Vec<&str> = GITATTRIBUTES
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect();
    match text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && !ours.contains(l))
    {
        None => Ok(()),
        Some(line) => Err(format!(
            "the line {} is not one repodex writes ({}); remove it",
            crate::url::quote(line),
            ours.join(", ")
        )),
    }
}

const GITATTRIBUTES: &str = "\
# Entries are plain text; credentials are age-encrypted and diff through `age`.
*.toml text eol=lf
*.age diff=age
";

/// The README.md of a new registry.
pub(crate) const README: &str = "\
# A repodex registry

This repository is a [repodex](https://crates.io/crates/repodex) registry: a list of
the git repositories a person or a team works with. It is written by repodex, and it is
an ordinary git repository, so you can read it with plain git.

## Layout

- `registry.toml`: the registry's format (`format = 2`) and shared settings.
- `repos/<ab>/<c>/<name>.toml`: one file per registered repository, holding its URL,
  aliases, tags and description, what was learned from its remote (default branch) and
  cached copies of its project configuration files. In the file name, each `/` of the
  entry's name is a `+`, and `abc` are the first three hex digits of the name's SHA-1,
  which keeps every folder small: `edobry/minsky` is `repos/ff/0/edobry+minsky.toml`.
  `printf %s edobry/minsky | sha1sum | cut -c1-3` prints `ff0`, and
  `ls repos/*/*/edobry+minsky.toml` finds the file.
- `credentials/<name>.age`: credentials for a repository, encrypted with age to every
  key in `.age-recipients`. Nothing secret is ever stored here in plain text.
- `.age-recipients`: the public keys that can read the credentials.

## History

Every change is one commit, so history is the record of what changed:

    git log --oneline                           # what happened to the registry
    git log -p -- '*/edobry+minsky.toml'        # how one entry changed

Hand edits are fine: edit a file, commit it with git, and repodex reads it.
`repodex doctor` checks the whole registry.
";

/// The README.md format 1 registries were created with; a migration replaces it when
/// nobody changed it.
pub(crate) const README_FORMAT_1: &str = "\
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
        for layout in Layout::ALL {
            let files = initial_files(layout);
            let settings = Settings::parse(&files[0].1).unwrap();
            assert_eq!(settings.layout(), layout);
        }
        assert_eq!(Layout::NEWEST.format(), FORMAT);
        assert_eq!(
            Settings::parse(b"format = 1").unwrap().layout(),
            Layout::Flat
        );
        assert!(matches!(
            Settings::parse(b"format = 3"),
            Err(Error::UnknownFormat { found: 3, .. })
        ));
    }

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
