//! Transactions: the one way the registry changes.
//!
//! A transaction takes the registry's lock (`.git/repodex/lock`, an OS file lock, so a
//! killed process never leaves a stale one) and git's `index.lock` (waiting for a git
//! process that holds it, as git would), re-reads HEAD, collects entry edits while
//! checking every name, alias and URL against the registry, and commits them as one git
//! commit through the store's one pipeline (`store/commit.rs`), which survives a crash
//! at any point. Paths with uncommitted hand edits are never overwritten: the
//! transaction refuses before anything is written.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

use super::catalog::Changes;
use super::commit::{self, Commit, Effect};
use super::entry::{Entry, MAX_ENTRY_SIZE};
use super::layout;
use super::Registry;
use crate::git::{FileEdit, IndexLock, ObjectId, PathState};
use crate::url::GitUrl;
use crate::{Error, Result};

/// The registry's lock file, in `.git/repodex/`: one writer at a time.
pub(crate) const LOCK: &str = "lock";

/// The lock file, in `.git/repodex/`, that one sync at a time holds; here beside the
/// registry's own, since packing after a commit defers to a sync that holds it.
pub(crate) const SYNC_LOCK: &str = "sync-lock";

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
#[derive(Debug)]
pub enum Imported {
    Added,
    Unchanged,
    /// An entry of that name exists with other content; it was left as it is.
    Differs,
    /// The registry refused it (a clash of names, aliases or URLs).
    Refused(Error),
}

/// A change in progress. Dropping it without [`Transaction::commit`] changes nothing.
pub struct Transaction<'r> {
    pub(super) registry: &'r mut Registry,
    _lock: File,
    pub(super) base: ObjectId,
    pub(super) base_tree: ObjectId,
    pub(super) changes: Changes,
    /// Entry name -> its new content, or `None` to remove it.
    pub(super) pending: BTreeMap<String, Option<Entry>>,
    /// Other files (credentials, `.age-recipients`) -> new content, or `None` to remove.
    pub(super) files: BTreeMap<String, Option<Vec<u8>>>,
    /// For a sync's merge: the other side's commit, the commit's second parent.
    pub(super) merge_parent: Option<ObjectId>,
    /// git's `index.lock`, held from the start (as git holds it), until the commit
    /// writes the index or the transaction is dropped.
    index: Option<IndexLock>,
    /// Whether the journal only records the held lock (and goes when this ends), or
    /// belongs to a commit in flight (and stays for the next process, should this fail).
    journal_is_ours: bool,
    /// What this machine accepts to read by this transaction's edits (its user's own
    /// register, `set --url`, `settings set config_paths`, `accept`), recorded under
    /// the lock when it commits ([`super::accepted`]).
    pub(super) accepts: Vec<Accept>,
}

/// A change to what this machine accepts to read.
#[derive(Debug, Clone)]
pub(super) enum Accept {
    /// Accept `url` with an entry's own list (`None`: it follows the shared list).
    Url {
        url: GitUrl,
        config_paths: Option<Vec<String>>,
    },
    /// Carry what was accepted for `from` over to `to`.
    Moved { from: GitUrl, to: GitUrl },
    /// Accept the shared list (`None`: the defaults).
    Shared(Option<Vec<String>>),
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        // Release index.lock first: the record of it must outlive the file.
        drop(self.index.take());
        if self.journal_is_ours {
            commit::release_held(&self.registry.private_dir());
        }
    }
}

fn take_lock(private: &Path, on_wait: &mut dyn FnMut()) -> Result<File> {
    take_named_lock(private, LOCK, on_wait)
}

/// The lock file `name` in the registry's private folder, opened (and made if missing).
fn lock_file(private: &Path, name: &str) -> Result<File> {
    std::fs::create_dir_all(private)
        .map_err(|e| Error::io(format!("cannot create {}", private.display()), e))?;
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(private.join(name))
        .map_err(|e| Error::io("cannot open the registry's lock file", e))
}

/// Take the OS file lock `name` in the registry's private folder, waiting for its
/// holder (after calling `on_wait`) if there is one. A killed holder releases it.
pub(crate) fn take_named_lock(
    private: &Path,
    name: &str,
    on_wait: &mut dyn FnMut(),
) -> Result<File> {
    let file = lock_file(private, name)?;
    if try_locking(&file)? {
        return Ok(file);
    }
    on_wait();
    file.lock()
        .map_err(|e| Error::io("cannot lock the registry", e))?;
    Ok(file)
}

/// Take the registry's lock if nobody holds it; `None` when someone does.
pub(crate) fn try_lock(private: &Path) -> Result<Option<File>> {
    try_named_lock(private, LOCK)
}

/// Take the OS file lock `name` in the registry's private folder if nobody holds it;
/// `None` when someone does (this process too, through another handle).
pub(crate) fn try_named_lock(private: &Path, name: &str) -> Result<Option<File>> {
    let file = lock_file(private, name)?;
    Ok(try_locking(&file)?.then_some(file))
}

fn try_locking(file: &File) -> Result<bool> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(TryLockError::WouldBlock) => Ok(false),
        Err(TryLockError::Error(e)) => Err(Error::io("cannot lock the registry", e)),
    }
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
        if commit::needs_recovery(&private) {
            commit::recover(registry.repo(), &private)?;
        }
        let index = commit::lock_index(registry.repo(), &private)?;
        registry.reload()?;
        let base = registry.head();
        let base_tree = registry.repo().tree_of(base)?;
        let rules = registry.url_rules()?;
        Ok(Transaction {
            registry,
            _lock: lock,
            base,
            base_tree,
            changes: Changes::under(rules),
            pending: BTreeMap::new(),
            files: BTreeMap::new(),
            merge_parent: None,
            index: Some(index),
            journal_is_ours: true,
            accepts: Vec::new(),
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
            None => self.registry.entry_or_oversized(name),
        }
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
    /// vault's files, whose paths [`layout::is_vault_path`] accepts; any other path is
    /// refused, in every build.
    pub fn put_file(&mut self, path: &str, content: Option<Vec<u8>>) -> Result<()> {
        if !layout::is_vault_path(path) {
            return Err(Error::NotAVaultPath { path: path.into() });
        }
        self.files.insert(path.to_string(), content);
        Ok(())
    }

    /// Remove an entry's file, and nothing else (a merge decides about its credential).
    pub(crate) fn remove_entry(&mut self, name: &str) {
        self.changes.remove(self.registry.catalog(), name);
        self.pending.insert(name.to_string(), None);
    }

    /// Write (or remove) any file of a registry, for a merge or a migration: other
    /// changes to entries go through [`Transaction::put`] instead. A path that is no
    /// registry file in any format is refused.
    pub(crate) fn put_merged_file(&mut self, path: &str, content: Option<Vec<u8>>) -> Result<()> {
        if !layout::is_known_path_in_any_layout(path) {
            return Err(Error::NotAVaultPath { path: path.into() });
        }
        self.files.insert(path.to_string(), content);
        Ok(())
    }

    /// Make the commit a merge with `theirs` as its second parent.
    pub(crate) fn set_merge_parent(&mut self, theirs: ObjectId) {
        self.merge_parent = Some(theirs);
    }

    /// Move HEAD forward to `theirs`, a descendant of the base that a sync fetched and
    /// checked, instead of committing: the same crash-safe order as a commit.
    pub(crate) fn fast_forward(mut self, theirs: ObjectId) -> Result<()> {
        let repo = self.registry.repo();
        // Only files of a registry reach the work tree (in either layout: the remote
        // may have migrated the registry to a newer format).
        let paths: Vec<String> = repo
            .changed_files(self.base_tree, repo.tree_of(theirs)?)?
            .into_iter()
            .filter(|p| layout::is_known_path_in_any_layout(p))
            .collect();
        let index_file = repo.open_index()?;
        let mut expected = Vec::with_capacity(paths.len());
        for path in &paths {
            expected.push((
                path.clone(),
                repo.file_at(self.base_tree, path)?.map(|f| f.id),
            ));
        }
        refuse_hand_edits(repo, &index_file, &expected)?;
        self.apply(
            index_file,
            Commit {
                base: Some(self.base),
                new: theirs,
                message: "sync: fast-forward",
                paths,
                known: Default::default(),
                effects: Vec::new(),
            },
        )?;
        self.registry.reload()
    }

    /// Commit the changes with `message`. Returns the new commit, or `None` when nothing
    /// changed (no commit is made then).
    pub fn commit(mut self, message: &str) -> Result<Option<ObjectId>> {
        self.record_accepts()?;
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
        // Nothing larger than repodex reads is ever written: it would stop every reader
        // and every teammate's sync.
        for (name, entry) in &self.pending {
            let size = entry.as_ref().map_or(0, |e| e.to_toml().len());
            if size > MAX_ENTRY_SIZE {
                return Err(super::error::StoreError::EntryTooLarge {
                    name: name.clone(),
                    size,
                }
                .into());
            }
        }
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
        let index_file = repo.open_index()?;
        refuse_hand_edits(repo, &index_file, &expected)?;
        commit::step(repo, "objects");
        let (tree, _) = repo.write_tree(Some(self.base_tree), &edits)?;
        let parents: Vec<ObjectId> = std::iter::once(self.base)
            .chain(self.merge_parent)
            .collect();
        let new = repo.write_commit(tree, &parents, message)?;
        // This machine made this change to the recipients, so it accepts it; a merge
        // brings in others' changes, which go through `recipients accept`.
        let effects =
            if self.files.contains_key(layout::RECIPIENTS_FILE) && self.merge_parent.is_none() {
                vec![Effect::AcceptRecipients]
            } else {
                Vec::new()
            };
        let known: std::collections::HashMap<&str, &[u8]> = edits
            .iter()
            .filter_map(|e| Some((e.path.as_str(), e.content.as_deref()?)))
            .collect();
        self.apply(
            index_file,
            Commit {
                base: Some(self.base),
                new,
                message,
                paths: edits.iter().map(|e| e.path.clone()).collect(),
                known,
                effects,
            },
        )?;
        let settings_changed = self.files.contains_key(layout::SETTINGS_FILE);
        self.registry
            .advance(new, &self.changes, settings_changed)?;
        // git's lock files of this commit are released; the registry's lock is not.
        super::packing::after_commit(self.registry.repo(), &self.registry.private_dir());
        Ok(Some(new))
    }
}

impl Transaction<'_> {
    /// Accept, on this machine, the reads of the entry `name` as it is in this
    /// transaction: its URL (a repository on this machine included) and its own
    /// `config_paths`, or the shared list it follows.
    pub fn accept_reads(&mut self, name: &str) -> Result<()> {
        let entry = self.entry(name)?;
        self.accepts.push(Accept::Url {
            url: entry.git_url()?,
            config_paths: entry.config_paths,
        });
        Ok(())
    }

    /// Accept, on this machine, the shared `config_paths` (`None`: the defaults).
    pub fn accept_shared_config_paths(&mut self, paths: Option<Vec<String>>) {
        self.accepts.push(Accept::Shared(paths));
    }

    /// Write what this transaction accepts, under its lock: before the commit, so that
    /// a crash after it leaves nothing read that was not accepted (a failed commit
    /// leaves an acceptance of the user's own input, which reads nothing by itself).
    fn record_accepts(&mut self) -> Result<()> {
        if self.accepts.is_empty() {
            return Ok(());
        }
        let private = self.registry.private_dir();
        let mut record = super::accepted::AcceptedReads::load(&private);
        for accept in std::mem::take(&mut self.accepts) {
            match accept {
                Accept::Url { url, config_paths } => record.accept_url(&url, config_paths),
                Accept::Moved { from, to } => record.move_url(&from, &to),
                Accept::Shared(paths) => record.accept_shared(paths),
            }
        }
        record.save(&private)
    }

    /// Hand `commit` to the store's pipeline with the `index.lock` this transaction
    /// holds; from here on the journal belongs to the commit, not to this transaction.
    fn apply(&mut self, index_file: gix::index::File, commit: Commit) -> Result<()> {
        let index = self.index.take().expect("held until the commit");
        self.journal_is_ours = false;
        commit::apply(
            self.registry.repo(),
            &self.registry.private_dir(),
            index,
            index_file,
            commit,
        )
    }
}

/// Refuse with [`Error::UncommittedEdit`] when a path a change would write has an
/// uncommitted hand edit.
fn refuse_hand_edits(
    repo: &crate::git::Repo,
    index: &gix::index::File,
    expected: &[(String, Option<ObjectId>)],
) -> Result<()> {
    for (path, state) in repo.path_states(index, expected)? {
        if state == PathState::Modified {
            return Err(Error::UncommittedEdit {
                path,
                registry: repo.workdir().to_path_buf(),
            });
        }
    }
    Ok(())
}
