//! Whole-registry validation, for `repodex doctor`.
//!
//! Reads every file of HEAD afresh (not the catalog) and reports what is wrong: files
//! that do not parse, names that do not match their paths, names, aliases and URLs that
//! collide across entries, an unknown format, and files in places where repodex would
//! not put them. Uncommitted changes in the work tree are reported as warnings: they are
//! not in effect until committed, and repodex never overwrites them.

use std::collections::BTreeMap;

use super::catalog::read_entry;
use super::entry::Entry;
use super::layout::{Layout, FORMAT, REPOS_DIR, SETTINGS_FILE};
use super::settings::Settings;
use super::Registry;
use crate::url::GitUrl;
use crate::Result;

/// A finding, with the registry file it is about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub path: String,
    pub message: String,
}

/// What `doctor` found (`doctor --json`, docs/json.md).
#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    /// How many entries read correctly.
    pub entries: usize,
    /// Problems: the registry is not valid while there are any.
    pub problems: Vec<Finding>,
    /// Things to know that do not make the registry invalid.
    pub warnings: Vec<Finding>,
    /// The registry's object store: packs and loose objects (docs/sync.md, "Keeping
    /// the registry small").
    pub store: crate::git::objects::StoreState,
}

impl Report {
    pub fn is_healthy(&self) -> bool {
        self.problems.is_empty()
    }
}

impl Registry {
    /// Check the whole registry at HEAD and its work tree.
    pub fn doctor(&self) -> Result<Report> {
        let repo = self.repo();
        let tree = repo.tree_of(self.head())?;
        let mut report = Report::default();
        let mut problem = |path: &str, message: String| {
            report.problems.push(Finding {
                path: path.to_string(),
                message,
            })
        };
        // Where entries should be; with broken settings, where new registries put them.
        let mut layout = Layout::NEWEST;
        let mut rules = crate::url::Rules::default();
        match repo.file_at(tree, SETTINGS_FILE)? {
            None => problem(
                SETTINGS_FILE,
                format!("is missing; a registry needs it (format = {FORMAT})"),
            ),
            Some(file) => match repo
                .read_blob(file.id, 1 << 20)
                .and_then(|b| Settings::parse(&b))
            {
                Ok(settings) => {
                    layout = settings.layout();
                    rules = settings.url_rules();
                }
                Err(e) => problem(SETTINGS_FILE, e.to_string()),
            },
        }
        let mut entries: Vec<Entry> = Vec::new();
        for file in repo.files_under(tree, REPOS_DIR)? {
            match read_entry(repo, layout, &file) {
                Ok(entry) => entries.push(entry),
                Err(e) => problem(&file.path, e.to_string()),
            }
        }
        // Who claims each name, alias and URL.
        let mut claims: BTreeMap<String, Vec<(String, &'static str)>> = BTreeMap::new();
        let mut urls: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for entry in &entries {
            claims
                .entry(entry.name.clone())
                .or_default()
                .push((entry.name.clone(), "name"));
            for alias in &entry.aliases {
                claims
                    .entry(alias.clone())
                    .or_default()
                    .push((entry.name.clone(), "alias"));
            }
            if let Ok(url) = GitUrl::parse_clean(&entry.url) {
                urls.entry(url.identity_key_in(&rules))
                    .or_default()
                    .push(entry.name.clone());
                // Registered before today's rules for pasted URLs (docs/references.md).
                if let Ok(today) = crate::url::interpret(&entry.url) {
                    if today.url != url {
                        problem(
                            &layout.entry_path(&entry.name),
                            format!(
                                "the URL of '{}' is read today as {} ({}); `repodex set {} --url {}` stores that, `repodex migrate --urls` does it for every entry",
                                entry.name,
                                today.url,
                                today.notices.join("; "),
                                entry.name,
                                today.url
                            ),
                        );
                    }
                }
            }
        }
        for (claimed, owners) in &claims {
            if owners.len() > 1 {
                let who: Vec<String> = owners
                    .iter()
                    .map(|(name, what)| format!("{what} of '{name}'"))
                    .collect();
                problem(
                    &layout.entry_path(&owners[0].0),
                    format!(
                        "'{claimed}' is claimed more than once: {}; keep it on one entry",
                        who.join(", ")
                    ),
                );
            }
        }
        for (key, owners) in &urls {
            if owners.len() > 1 {
                problem(
                    &layout.entry_path(&owners[0]),
                    format!(
                        "the repository {key} is registered more than once: {}; `repodex migrate --urls` merges them into the oldest, keeping every name, alias, tag and credential",
                        owners.join(", ")
                    ),
                );
            }
        }
        // The vault: recipients must parse; credential files must be plain `.age` files;
        // every credential must belong to an entry.
        if let Err(error) = self.recipients() {
            problem(super::layout::RECIPIENTS_FILE, error.to_string());
        }
        for file in repo.files_under(tree, super::layout::CREDENTIALS_DIR)? {
            if !file.regular {
                problem(
                    &file.path,
                    "is not a regular file (a symlink or submodule); repodex does not read it. Remove it and set the credential again".into(),
                );
            } else if super::layout::name_for_credential(&file.path).is_none() {
                problem(
                    &file.path,
                    "is not a credential file: files under credentials/ end in .age".into(),
                );
            }
        }
        let names: std::collections::BTreeSet<&str> =
            entries.iter().map(|e| e.name.as_str()).collect();
        let orphans: Vec<String> = self
            .credential_names()?
            .into_iter()
            .filter(|n| !names.contains(n.as_str()))
            .collect();
        report.entries = entries.len();
        if layout != Layout::NEWEST {
            report.warnings.push(Finding {
                path: SETTINGS_FILE.into(),
                message: format!(
                    "the registry is in format {}; `repodex migrate` moves it to format {FORMAT}, whose commits stay small however many entries there are (everyone who syncs it needs a repodex that knows format {FORMAT})",
                    layout.format()
                ),
            });
        }
        // Cached files this machine would not read: someone else's refresh put them in
        // the shared history (docs/security.md, "What this machine reads").
        if let Ok(settings) = self.settings() {
            let accepted = super::accepted::AcceptedReads::load(&self.private_dir());
            for entry in &entries {
                let Ok(url) = entry.git_url() else { continue };
                let read = accepted
                    .reads(&url, entry.config_paths.as_deref(), &settings)
                    .read;
                let foreign: Vec<&str> = entry
                    .config
                    .files
                    .keys()
                    .filter(|path| !read.contains(path))
                    .map(String::as_str)
                    .collect();
                if !foreign.is_empty() {
                    report.warnings.push(Finding {
                        path: layout.entry_path(&entry.name),
                        message: format!(
                            "caches {} of '{}', which this machine did not accept to read; if one holds a secret, rotate it at its source, remove the file from the entry's [config.files] by hand and commit, and purge it from history (`git filter-repo --replace-text` in a clone of the shared remote, force-push, then every teammate runs `repodex init --from` again); `repodex accept {}` accepts the entry instead",
                            foreign.join(", "),
                            entry.name,
                            entry.name
                        ),
                    });
                }
            }
        }
        for name in orphans {
            report.warnings.push(Finding {
                path: super::layout::credential_path(&name),
                message: format!(
                    "belongs to no entry; `repodex register` one named '{name}' or remove the file"
                ),
            });
        }
        let (store, due) = self.store_state();
        report.store = store;
        if due {
            report.warnings.push(Finding {
                path: ".git/objects".into(),
                message: format!(
                    "the object store has {} pack(s) and {} loose object(s), past the point where repodex packs it (more than {} packs or about {} loose objects); the next change or sync packs it, unless a git command holds one of git's lock files in the registry",
                    store.packs,
                    store.loose_objects,
                    crate::git::objects::PACK_LIMIT,
                    crate::git::objects::LOOSE_LIMIT
                ),
            });
        }
        for path in repo.changed_paths()? {
            report.warnings.push(Finding {
                path,
                message:
                    "has uncommitted changes, which repodex does not read until they are committed"
                        .into(),
            });
        }
        Ok(report)
    }
}
