//! Reading the registry's history: which commits changed an entry, and which commit a
//! `--at` or `--since` names (a revision, a date, or a duration back from now).

use chrono::{DateTime, TimeZone, Utc};

use super::entry::MAX_ENTRY_SIZE;
use super::error::StoreError;
use super::layout::{Layout, SETTINGS_FILE};
use super::settings::Settings;
use super::Registry;
use crate::git::ObjectId;
use crate::{Error, Result};

/// One change to the registry, as `repodex log` shows it (`log --json`, docs/json.md).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Change {
    #[serde(serialize_with = "crate::git::serialize_id")]
    pub commit: ObjectId,
    pub time: DateTime<Utc>,
    pub author: String,
    /// The first line of the commit message.
    pub summary: String,
    /// The rest of the message (a multi-entry refresh lists each entry there).
    pub body: String,
    /// In one entry's log, the name it had in that commit (it may have been renamed
    /// since); null in the registry's log.
    pub entry: Option<String>,
}

/// The old name in a commit `rename OLD to NEW` that gave an entry the name `new`.
fn renamed_from(message: &str, new: &str) -> Option<String> {
    let first = message.lines().next()?;
    let (old, to) = first.strip_prefix("rename ")?.split_once(" to ")?;
    (to.trim() == new).then(|| old.to_string())
}

impl Registry {
    /// The registry's changes, newest first; only those that touched `name`'s entry
    /// file when a name is given, following the entry back across its renames.
    ///
    /// The entry is looked up in each commit's own format, so a migration, which moves
    /// every file without changing it, is not a change of the entry.
    pub fn log(&self, name: Option<&str>) -> Result<Vec<Change>> {
        self.log_since(name, None, None)
    }

    /// [`Registry::log`], stopping at the commit `since` (not included) and after
    /// `limit` changes.
    pub fn log_since(
        &self,
        name: Option<&str>,
        since: Option<ObjectId>,
        limit: Option<usize>,
    ) -> Result<Vec<Change>> {
        let repo = self.repo();
        let mut files = EntryFiles::new(repo);
        let mut changes = Vec::new();
        let mut current = name.map(str::to_string);
        for commit in repo.history(self.head())? {
            if Some(commit.id) == since || limit.is_some_and(|l| changes.len() >= l) {
                break;
            }
            let entry = current.clone();
            if let Some(name) = current.clone() {
                let now = files.id(commit.id, &name)?;
                let before = match commit.parent {
                    Some(parent) => files.id(parent, &name)?,
                    None => None,
                };
                if now == before {
                    continue;
                }
                // The commit that gave the entry this name: older changes are under
                // the name it had.
                if before.is_none() {
                    if let Some(old) = renamed_from(&commit.message, &name) {
                        current = Some(old);
                    }
                }
            }
            let (summary, body) = match commit.message.split_once('\n') {
                Some((first, rest)) => (first.to_string(), rest.trim().to_string()),
                None => (commit.message.trim().to_string(), String::new()),
            };
            changes.push(Change {
                commit: commit.id,
                time: Utc
                    .timestamp_opt(commit.seconds, 0)
                    .single()
                    .unwrap_or_default(),
                author: commit.author,
                summary,
                body,
                entry,
            });
        }
        Ok(changes)
    }

    /// The first parent of a registry commit.
    pub fn parent_of(&self, commit: ObjectId) -> Result<Option<ObjectId>> {
        Ok(self.repo().history(commit)?.first().and_then(|c| c.parent))
    }

    /// The registry commit that `spec` names: a revision (`HEAD~2`, a hash), or a point
    /// in time (`2026-11-20`, an RFC 3339 time, `3d`, `2 weeks ago`), which names the
    /// last commit made at or before it.
    pub fn commit_at(&self, spec: &str) -> Result<ObjectId> {
        let bad = || {
            Error::from(StoreError::NotARevision {
                spec: spec.to_string(),
            })
        };
        if spec.is_empty() || spec.starts_with('-') || spec.chars().any(char::is_control) {
            return Err(bad());
        }
        // A commit id beats a time, as in git: `9419449d` is an abbreviated hash before it
        // is 9,419,449 days.
        if spec.len() >= 4 && spec.chars().all(|c| c.is_ascii_hexdigit()) {
            if let Some(commit) = self.repo().rev_parse_commit(spec) {
                return Ok(commit);
            }
        }
        let time = match crate::time::parse_time(spec, Utc::now()) {
            Ok(time) => Some(time),
            Err(crate::time::BadTime::OutOfRange) => {
                return Err(StoreError::TooFarBack {
                    spec: spec.to_string(),
                }
                .into())
            }
            Err(crate::time::BadTime::NotATime) => None,
        };
        if let Some(time) = time {
            let history = self.repo().history(self.head())?;
            let found = history.iter().find(|c| c.seconds <= time.timestamp());
            // A duration back (`2w`) on a registry younger than that means its whole
            // life: the first commit. A date before it existed is a mistake, said so.
            let found = match found {
                None if crate::time::parse_duration(spec).is_ok() => history.last(),
                other => other,
            };
            return found.map(|c| c.id).ok_or_else(|| {
                Error::from(StoreError::NoCommitBefore {
                    time: time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                })
            });
        }
        self.repo().rev_parse_commit(spec).ok_or_else(bad)
    }
}

/// The blob of an entry's file in any commit, in that commit's layout; layouts are read
/// once per distinct `registry.toml`.
struct EntryFiles<'r> {
    repo: &'r crate::git::Repo,
    layouts: std::collections::HashMap<ObjectId, Layout>,
}

impl<'r> EntryFiles<'r> {
    fn new(repo: &'r crate::git::Repo) -> Self {
        EntryFiles {
            repo,
            layouts: Default::default(),
        }
    }

    fn id(&mut self, commit: ObjectId, name: &str) -> Result<Option<ObjectId>> {
        let tree = self.repo.tree_of(commit)?;
        let Some(settings) = self.repo.file_at(tree, SETTINGS_FILE)? else {
            return Ok(None);
        };
        let layout = match self.layouts.get(&settings.id) {
            Some(layout) => *layout,
            None => {
                let bytes = self.repo.read_blob(settings.id, MAX_ENTRY_SIZE)?;
                let layout = Settings::parse(&bytes)?.layout();
                self.layouts.insert(settings.id, layout);
                layout
            }
        };
        Ok(self
            .repo
            .file_at(tree, &layout.entry_path(name))?
            .map(|f| f.id))
    }
}
