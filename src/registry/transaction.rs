//! Transactions: the one way the registry changes.
//!
//! A transaction takes the registry's lock (`.git/repodex/lock`, an OS file lock, so a
//! killed process never leaves a stale one), re-reads HEAD, collects entry edits while
//! checking every name, alias and URL against the registry, and commits them as one git
//! commit. The commit is made in an order that survives a crash at any point:
//!
//! 1. write blobs, trees and the commit object (unreferenced until step 3);
//! 2. write a journal naming the old commit, the new one and the paths it touches;
//! 3. move the branch from the old commit to the new one, atomically;
//! 4. write those paths in the work tree and index, so `git status` stays clean;
//! 5. update the catalog, then remove the journal.
//!
//! A process killed before step 3 leaves the old state; after it, the new state, and the
//! next repodex command finishes step 4 from the journal. Paths with uncommitted hand
//! edits are never overwritten: the transaction refuses before step 1.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

use super::catalog::{Changes, KeyKind};
use super::entry::{validate_description, Entry, MAX_ENTRY_SIZE};
use super::layout;
use super::name::{candidate_names, validate_alias, validate_name, validate_tag};
use super::Registry;
use crate::git::{FileEdit, ObjectId, PathState, Repo};
use crate::url::GitUrl;
use crate::{Error, Result};

const JOURNAL: &str = "journal";
const LOCK: &str = "lock";

/// What a new entry starts with, beside its URL.
#[derive(Debug, Clone, Default)]
pub struct NewEntry {
    /// The name; generated from the URL when `None`.
    pub name: Option<String>,
    pub aliases: Vec<String>,
    pub tags: Vec<String>,
    pub description: Option<String>,
}

/// What [`Transaction::import_entry`] did with an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    Added,
    Unchanged,
    Skipped(String),
}

/// A change in progress. Dropping it without [`Transaction::commit`] changes nothing.
pub struct Transaction<'r> {
    registry: &'r mut Registry,
    _lock: File,
    base: ObjectId,
    base_tree: ObjectId,
    changes: Changes,
    /// Entry name -> its new content, or `None` to remove it.
    pending: BTreeMap<String, Option<Entry>>,
    /// Other files (credentials, `.age-recipients`) -> new content, or `None` to remove.
    files: BTreeMap<String, Option<Vec<u8>>>,
    /// For a sync's merge: the other side's commit, the commit's second parent.
    merge_parent: Option<ObjectId>,
}

fn take_lock(private: &Path, on_wait: &mut dyn FnMut()) -> Result<File> {
    take_named_lock(private, LOCK, on_wait)
}

/// Take the OS file lock `name` in the registry's private folder, waiting for its
/// holder (after calling `on_wait`) if there is one. A killed holder releases it.
pub(crate) fn take_named_lock(
    private: &Path,
    name: &str,
    on_wait: &mut dyn FnMut(),
) -> Result<File> {
    std::fs::create_dir_all(private)
        .map_err(|e| Error::io(format!("cannot create {}", private.display()), e))?;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(private.join(name))
        .map_err(|e| Error::io("cannot open the registry's lock file", e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            on_wait();
            file.lock()
                .map_err(|e| Error::io("cannot lock the registry", e))?;
        }
        Err(TryLockError::Error(e)) => return Err(Error::io("cannot lock the registry", e)),
    }
    Ok(file)
}

impl<'r> Transaction<'r> {
    pub(super) fn begin(
        registry: &'r mut Registry,
        mut on_wait: impl FnMut(),
    ) -> Result<Transaction<'r>> {
        let private = registry.private_dir();
        let lock = take_lock(&private, &mut on_wait)?;
        crate::git::sweep_temporary_files(registry.repo().git_dir());
        crate::git::sweep_temporary_files(&private);
        if needs_repair(&private) {
            repair_locked(registry.repo(), &private)?;
        }
        registry.reload()?;
        let base = registry.head();
        let base_tree = registry.repo().tree_of(base)?;
        Ok(Transaction {
            registry,
            _lock: lock,
            base,
            base_tree,
            changes: Changes::default(),
            pending: BTreeMap::new(),
            files: BTreeMap::new(),
            merge_parent: None,
        })
    }

    /// The commit this transaction builds on (HEAD when it began).
    pub fn base(&self) -> ObjectId {
        self.base
    }

    /// The registry as it was when the transaction began (HEAD under the lock).
    pub fn registry(&self) -> &Registry {
        self.registry
    }

    /// An entry as this transaction sees it.
    pub fn entry(&self, name: &str) -> Result<Entry> {
        match self.pending.get(name) {
            Some(Some(entry)) => Ok(entry.clone()),
            Some(None) => Err(Error::NotFound {
                reference: name.into(),
                suggestions: Vec::new(),
            }),
            None => self.registry.entry(name),
        }
    }

    fn owners(&self, kind: KeyKind, key: &str) -> Vec<String> {
        self.changes.owners(self.registry.catalog(), kind, key)
    }

    fn has_entry(&self, name: &str) -> bool {
        self.changes.record(self.registry.catalog(), name).is_some()
    }

    /// Register a repository. `url` must already be validated and free of secrets.
    pub fn register(&mut self, url: &GitUrl, new: NewEntry) -> Result<Entry> {
        if let Some(existing) = self
            .owners(KeyKind::Url, &url.identity_key())
            .into_iter()
            .next()
        {
            return Err(Error::AlreadyRegistered {
                url: url.to_string(),
                name: existing,
            });
        }
        let name = match new.name {
            Some(name) => {
                self.check_name_free(&name, None)?;
                name
            }
            None => candidate_names(url)
                .find(|n| self.check_name_free(n, None).is_ok())
                .expect("numbered candidates never run out"),
        };
        let mut entry = Entry::new(name, url);
        for alias in new.aliases {
            add_unique(&mut entry.aliases, alias);
        }
        for tag in new.tags {
            validate_tag(&tag)?;
            add_unique(&mut entry.tags, tag);
        }
        if let Some(description) = new.description.filter(|d| !d.is_empty()) {
            validate_description(&description).map_err(Error::Invalid)?;
            entry.description = Some(description);
        }
        self.put(entry.clone(), None)?;
        Ok(entry)
    }

    /// Check that `name` is valid and belongs to no entry other than `own`.
    fn check_name_free(&self, name: &str, own: Option<&str>) -> Result<()> {
        let lower = name.to_lowercase();
        if lower != name && Some(lower.as_str()) != own && self.has_entry(&lower) {
            return Err(Error::NameTaken {
                what: "name",
                wanted: name.into(),
                clash: format!("differs from the existing name '{lower}' only by case"),
            });
        }
        validate_name(name)?;
        if Some(name) != own && self.has_entry(name) {
            return Err(Error::NameTaken {
                what: "name",
                wanted: name.into(),
                clash: "is the name of another entry".into(),
            });
        }
        if let Some(owner) = self
            .owners(KeyKind::Alias, name)
            .into_iter()
            .find(|o| Some(o.as_str()) != own)
        {
            return Err(Error::NameTaken {
                what: "name",
                wanted: name.into(),
                clash: format!("is an alias of '{owner}'"),
            });
        }
        Ok(())
    }

    /// Check that `alias` is valid and claimed by no entry except those `ours` accepts.
    fn check_alias(&self, alias: &str, own: &str, ours: &dyn Fn(&str) -> bool) -> Result<()> {
        validate_alias(alias)?;
        let taken = |clash: String| Error::NameTaken {
            what: "alias",
            wanted: alias.into(),
            clash,
        };
        if alias == own {
            return Err(taken("is the entry's own name".into()));
        }
        if self.has_entry(alias) && !ours(alias) {
            return Err(taken("is the name of another entry".into()));
        }
        if let Some(owner) = self
            .owners(KeyKind::Alias, alias)
            .into_iter()
            .find(|o| !ours(o))
        {
            return Err(taken(format!("is already an alias of '{owner}'")));
        }
        Ok(())
    }

    /// Write `entry`, replacing the entry called `replacing` (its old name, for a rename)
    /// or the entry of the same name. Checks the name, aliases and URL against every
    /// other entry.
    pub fn put(&mut self, entry: Entry, replacing: Option<&str>) -> Result<()> {
        let own = entry.name.clone();
        let others_own = |owner: &str| owner == own || Some(owner) == replacing;
        let is_new_name = match replacing {
            Some(old) => old != own,
            None => !self.has_entry(&own),
        };
        if is_new_name {
            self.check_name_free(&own, replacing)?;
        }
        // What the entry already had is not checked again: a clash that a hand edit or a
        // teammate's commit made (doctor reports it) must not stop every change to it.
        let previous = match self
            .changes
            .record(self.registry.catalog(), replacing.unwrap_or(&own))
        {
            Some(super::catalog::Record::Entry(summary)) => Some(summary),
            _ => None,
        };
        for alias in &entry.aliases {
            if !previous.as_ref().is_some_and(|p| p.aliases.contains(alias)) {
                self.check_alias(alias, &own, &others_own)?;
            }
        }
        let url = entry.git_url()?;
        let same_url = previous.as_ref().is_some_and(|p| p.url == entry.url);
        if let Some(owner) = self
            .owners(KeyKind::Url, &url.identity_key())
            .into_iter()
            .find(|o| !others_own(o) && !same_url)
        {
            return Err(Error::AlreadyRegistered {
                url: url.to_string(),
                name: owner,
            });
        }
        let catalog = self.registry.catalog();
        if let Some(old) = replacing.filter(|old| *old != own) {
            self.changes.remove(catalog, old);
            self.pending.insert(old.to_string(), None);
        }
        self.changes.put(catalog, entry.summary());
        self.pending.insert(own, Some(entry));
        Ok(())
    }

    /// Bring in a whole entry (from an export or another registry): added when new,
    /// unchanged when identical, otherwise skipped with the reason.
    pub fn import_entry(&mut self, entry: Entry) -> Imported {
        if self.has_entry(&entry.name) {
            return match self.entry(&entry.name) {
                Ok(existing) if existing == entry => Imported::Unchanged,
                _ => Imported::Skipped(format!(
                    "'{}' is registered already, with other content",
                    entry.name
                )),
            };
        }
        match self.put(entry, None) {
            Ok(()) => Imported::Added,
            Err(error) => Imported::Skipped(error.to_string()),
        }
    }

    /// Add an alias to an entry.
    pub fn add_alias(&mut self, name: &str, alias: &str) -> Result<()> {
        let mut entry = self.entry(name)?;
        add_unique(&mut entry.aliases, alias.to_string());
        self.put(entry, None)
    }

    /// Remove an alias from whichever entry has it; returns that entry's name.
    pub fn remove_alias(&mut self, alias: &str) -> Result<String> {
        let owners = self.owners(KeyKind::Alias, alias);
        let Some(name) = owners.into_iter().next() else {
            let suggestions = self.registry.suggestions(alias);
            return Err(Error::NotFound {
                reference: format!("alias {alias}"),
                suggestions,
            });
        };
        let mut entry = self.entry(&name)?;
        entry.aliases.retain(|a| a != alias);
        self.put(entry, None)?;
        Ok(name)
    }

    /// Remove an entry.
    pub fn forget(&mut self, name: &str) -> Result<Entry> {
        let entry = self.entry(name)?;
        self.changes.remove(self.registry.catalog(), name);
        self.pending.insert(name.to_string(), None);
        // Its credential goes with it.
        let credential = layout::credential_path(name);
        if self.file(&credential)?.is_some() {
            self.put_file(&credential, None);
        }
        Ok(entry)
    }

    /// Give an entry a new name.
    pub fn rename(&mut self, name: &str, new_name: &str) -> Result<()> {
        let mut entry = self.entry(name)?;
        if new_name == name {
            return Ok(());
        }
        // The entry's own alias may become its name.
        entry.aliases.retain(|a| a != new_name);
        entry.name = new_name.to_string();
        self.put(entry, Some(name))?;
        // Its credential follows it, unchanged (the name is not part of the encrypted content).
        let (old, new) = (
            layout::credential_path(name),
            layout::credential_path(new_name),
        );
        if let Some(bytes) = self.file(&old)? {
            self.put_file(&new, Some(bytes));
            self.put_file(&old, None);
        }
        Ok(())
    }

    /// A registry file other than an entry, as this transaction sees it.
    pub fn file(&self, path: &str) -> Result<Option<Vec<u8>>> {
        if let Some(pending) = self.files.get(path) {
            return Ok(pending.clone());
        }
        let repo = self.registry.repo();
        match repo.file_at(self.base_tree, path)? {
            Some(file) if file.regular => Ok(Some(repo.read_blob(file.id, MAX_ENTRY_SIZE)?)),
            _ => Ok(None),
        }
    }

    /// Write (or, with `None`, remove) a registry file other than an entry: one of the
    /// vault's files, whose paths [`layout::is_vault_path`] accepts.
    pub fn put_file(&mut self, path: &str, content: Option<Vec<u8>>) {
        debug_assert!(layout::is_vault_path(path), "not a vault path: {path}");
        self.files.insert(path.to_string(), content);
    }

    /// Remove an entry's file, and nothing else (a merge decides about its credential).
    pub(crate) fn remove_entry(&mut self, name: &str) {
        self.changes.remove(self.registry.catalog(), name);
        self.pending.insert(name.to_string(), None);
    }

    /// Write (or remove) any file of a registry, for a merge or a migration: other
    /// changes to entries go through [`Transaction::put`] instead.
    pub(crate) fn put_merged_file(&mut self, path: &str, content: Option<Vec<u8>>) {
        debug_assert!(
            layout::is_known_path_in_any_layout(path),
            "not a registry path: {path}"
        );
        self.files.insert(path.to_string(), content);
    }

    /// Make the commit a merge with `theirs` as its second parent.
    pub(crate) fn set_merge_parent(&mut self, theirs: ObjectId) {
        self.merge_parent = Some(theirs);
    }

    /// Move HEAD forward to `theirs`, a descendant of the base that a sync fetched and
    /// checked, instead of committing: the same crash-safe order as a commit.
    pub(crate) fn fast_forward(self, theirs: ObjectId) -> Result<()> {
        let repo = self.registry.repo();
        // Only files of a registry reach the work tree (in either layout: the remote
        // may have migrated the registry to a newer format).
        let paths: Vec<String> = repo
            .changed_files(self.base_tree, repo.tree_of(theirs)?)?
            .into_iter()
            .filter(|p| layout::is_known_path_in_any_layout(p))
            .collect();
        let index = repo.open_index()?;
        let mut expected = Vec::with_capacity(paths.len());
        for path in &paths {
            expected.push((
                path.clone(),
                repo.file_at(self.base_tree, path)?.map(|f| f.id),
            ));
        }
        for (path, state) in repo.path_states(&index, &expected)? {
            if state == PathState::Modified {
                return Err(Error::UncommittedEdit {
                    path,
                    registry: repo.workdir().to_path_buf(),
                });
            }
        }
        let private = self.registry.private_dir();
        let journal = Journal {
            base: self.base,
            new: theirs,
            paths,
        };
        journal.write(&private)?;
        failpoint("before-head");
        repo.update_head(Some(self.base), theirs, "sync: fast-forward")?;
        failpoint("after-head");
        repo.checkout_paths(
            index,
            Some(self.base),
            theirs,
            &journal.paths,
            &Default::default(),
        )?;
        failpoint("after-worktree");
        self.registry.reload()?;
        Journal::remove(&private)
    }

    /// Change an entry's URL (the repository moved).
    pub fn set_url(&mut self, name: &str, url: &GitUrl) -> Result<()> {
        let mut entry = self.entry(name)?;
        entry.url = url.to_string();
        self.put(entry, None)
    }

    /// Change or clear an entry's description.
    pub fn set_description(&mut self, name: &str, description: Option<String>) -> Result<()> {
        let mut entry = self.entry(name)?;
        if let Some(d) = &description {
            validate_description(d).map_err(Error::Invalid)?;
        }
        entry.description = description.filter(|d| !d.is_empty());
        self.put(entry, None)
    }

    /// Add tags to an entry.
    pub fn add_tags(&mut self, name: &str, tags: &[String]) -> Result<()> {
        let mut entry = self.entry(name)?;
        for tag in tags {
            validate_tag(tag)?;
            add_unique(&mut entry.tags, tag.clone());
        }
        self.put(entry, None)
    }

    /// Remove tags from an entry; tags it does not have are an error.
    pub fn remove_tags(&mut self, name: &str, tags: &[String]) -> Result<()> {
        let mut entry = self.entry(name)?;
        if let Some(missing) = tags.iter().find(|t| !entry.tags.contains(t)) {
            return Err(Error::Invalid(format!(
                "'{name}' has no tag '{}'; its tags are: {}",
                missing.escape_debug(),
                if entry.tags.is_empty() {
                    "(none)".into()
                } else {
                    entry.tags.join(", ")
                }
            )));
        }
        entry.tags.retain(|t| !tags.contains(t));
        self.put(entry, None)
    }

    /// Commit the changes with `message`. Returns the new commit, or `None` when nothing
    /// changed (no commit is made then).
    pub fn commit(self, message: &str) -> Result<Option<ObjectId>> {
        let repo = self.registry.repo();
        let layout = self.registry.layout()?;
        let mut edits = Vec::with_capacity(self.pending.len());
        let mut expected = Vec::with_capacity(self.pending.len());
        let entries = self.pending.iter().map(|(name, entry)| {
            (
                layout.entry_path(name),
                entry.as_ref().map(|e| e.to_toml().into_bytes()),
            )
        });
        let files = self
            .files
            .iter()
            .map(|(path, content)| (path.clone(), content.clone()));
        let all: Vec<(String, Option<Vec<u8>>)> = entries.chain(files).collect();
        let paths: Vec<String> = all.iter().map(|(path, _)| path.clone()).collect();
        let olds = repo.files_at(self.base_tree, &paths)?;
        for ((path, content), old) in all.into_iter().zip(olds) {
            let old = old.map(|f| f.id);
            let unchanged = match (&content, old) {
                (None, None) => true,
                (Some(bytes), Some(old)) => repo.blob_id(bytes)? == old,
                _ => false,
            };
            if !unchanged {
                expected.push((path.clone(), old));
                edits.push(FileEdit { path, content });
            }
        }
        if edits.is_empty() && self.merge_parent.is_none() {
            return Ok(None);
        }
        let index = repo.open_index()?;
        for (path, state) in repo.path_states(&index, &expected)? {
            if state == PathState::Modified {
                return Err(Error::UncommittedEdit {
                    path,
                    registry: repo.workdir().to_path_buf(),
                });
            }
        }
        let (tree, _) = repo.write_tree(Some(self.base_tree), &edits)?;
        let parents: Vec<ObjectId> = std::iter::once(self.base)
            .chain(self.merge_parent)
            .collect();
        let commit = repo.write_commit(tree, &parents, message)?;
        let paths: Vec<String> = edits.iter().map(|e| e.path.clone()).collect();
        let private = self.registry.private_dir();
        let journal = Journal {
            base: self.base,
            new: commit,
            paths,
        };
        let known: std::collections::HashMap<&str, &[u8]> = edits
            .iter()
            .filter_map(|e| Some((e.path.as_str(), e.content.as_deref()?)))
            .collect();
        journal.write(&private)?;
        failpoint("before-head");
        repo.update_head(Some(self.base), commit, message)?;
        failpoint("after-head");
        repo.checkout_paths(index, Some(self.base), commit, &journal.paths, &known)?;
        failpoint("after-worktree");
        self.registry.advance(commit, &self.changes)?;
        Journal::remove(&private)?;
        // This machine made this change to the recipients, so it accepts it; a merge
        // brings in others' changes, which go through `recipients accept`.
        if let Some(recipients) = self
            .files
            .get(layout::RECIPIENTS_FILE)
            .filter(|_| self.merge_parent.is_none())
        {
            let text = recipients.as_deref().unwrap_or_default();
            crate::git::write_atomically(&private.join(layout::ACCEPTED_RECIPIENTS), text)?;
        }
        Ok(Some(commit))
    }
}

/// Crash tests stop the process at a named step of a commit, to show that the next
/// command finds the old or the new state and repairs the work tree. Costs one
/// environment lookup per commit.
fn failpoint(name: &str) {
    if std::env::var_os("REPODEX_TEST_FAILPOINT").is_some_and(|v| v == name) {
        std::process::abort();
    }
}

fn add_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// What a commit in flight touches, so that a crash can be finished by the next run.
struct Journal {
    base: ObjectId,
    new: ObjectId,
    paths: Vec<String>,
}

impl Journal {
    fn write(&self, private: &Path) -> Result<()> {
        let mut text = format!("base {}\nnew {}\n", self.base, self.new);
        for path in &self.paths {
            text.push_str("path ");
            text.push_str(path);
            text.push('\n');
        }
        crate::git::write_atomically(&private.join(JOURNAL), text.as_bytes())
    }

    fn read(private: &Path) -> Option<Journal> {
        let text = std::fs::read_to_string(private.join(JOURNAL)).ok()?;
        let mut base = None;
        let mut new = None;
        let mut paths = Vec::new();
        for line in text.lines() {
            match line.split_once(' ') {
                Some(("base", id)) => base = ObjectId::from_hex(id.as_bytes()).ok(),
                Some(("new", id)) => new = ObjectId::from_hex(id.as_bytes()).ok(),
                // Only paths repodex writes are repaired, whatever the journal says.
                Some(("path", path)) if layout::is_known_path_in_any_layout(path) => {
                    paths.push(path.to_string())
                }
                _ => {}
            }
        }
        Some(Journal {
            base: base?,
            new: new?,
            paths,
        })
    }

    fn remove(private: &Path) -> Result<()> {
        match std::fs::remove_file(private.join(JOURNAL)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io("cannot remove the registry's journal", e)),
        }
    }
}

/// Did a process stop between moving HEAD and updating the work tree?
pub(crate) fn needs_repair(private: &Path) -> bool {
    private.join(JOURNAL).exists()
}

/// Finish an interrupted commit: take the lock, then repair.
pub(crate) fn repair(repo: &Repo, private: &Path, on_wait: &mut dyn FnMut()) -> Result<()> {
    let _lock = take_lock(private, on_wait)?;
    repair_locked(repo, private)
}

fn repair_locked(repo: &Repo, private: &Path) -> Result<()> {
    let Some(journal) = Journal::read(private) else {
        return Journal::remove(private);
    };
    if repo.head_commit()? == Some(journal.new) {
        let base_tree = repo.tree_of(journal.base)?;
        let new_tree = repo.tree_of(journal.new)?;
        let mut repairable = Vec::new();
        for path in &journal.paths {
            let on_disk = repo.worktree_blob(path)?;
            let old = repo.file_at(base_tree, path)?.map(|f| f.id);
            let new = repo.file_at(new_tree, path)?.map(|f| f.id);
            // The file is as the interrupted command left it (old or new content); any
            // other content is a hand edit made since, which is not ours to overwrite.
            if on_disk == old || on_disk == new {
                repairable.push(path.clone());
            }
        }
        repo.checkout_paths(
            repo.open_index()?,
            Some(journal.base),
            journal.new,
            &repairable,
            &Default::default(),
        )?;
    }
    Journal::remove(private)
}
