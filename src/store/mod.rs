//! The store: a git repository of entry files, and everything that reads or changes it.
//!
//! [`Registry`] opens (or creates) a registry and answers read queries from HEAD through
//! the [catalog]; [`Transaction`] is the one way to change it. Submodules own
//! one concern each: [`layout`] (paths and initial files), [`entry`] (the entry file
//! format), [`name`] (names, aliases, tags), [`catalog`] (the derived lookup index),
//! [`resolve`] (the reference rules), [`transaction`] (lock, edit, commit, work tree
//! sync, crash repair), [`doctor`] (whole-registry validation), [`migrate`] (moving
//! to a newer format) and [`packing`] (keeping the object store packed).

pub mod accepted;

/// The largest entry file repodex reads to forget or repair it.
pub(crate) const REPAIR_MAX: usize = 64 << 20;
pub mod catalog;
pub mod clones;
mod commit;
pub(crate) use commit::write_accepted_recipients;
pub mod doctor;
mod edits;
pub mod entry;
pub mod error;
pub mod history;
pub mod layout;
pub mod migrate;
pub mod name;
pub mod packing;
pub mod resolve;
pub mod settings;
pub mod shared_files;
mod suggest;
pub mod transaction;
pub mod url_rules;
pub mod uses;

use std::path::{Path, PathBuf};

use crate::env::CommitEnv;
use crate::git::{FileEdit, ObjectId, Repo};
use crate::{Error, Result};
use catalog::{Catalog, Record};
use entry::Entry;
pub use transaction::Transaction;

/// Where the registry is, and why: for messages such as `doctor`'s. The
/// [`Context`](crate::Context) finds it: `--registry` first, then `$REPODEX_HOME`,
/// then the XDG data directory (docs/design.md says why the flag wins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// `--registry DIR`
    Flag(PathBuf),
    /// `$REPODEX_HOME`
    Env(PathBuf),
    /// `$XDG_DATA_HOME/repodex/registry`
    Default(PathBuf),
}

impl Location {
    pub fn path(&self) -> &Path {
        match self {
            Location::Flag(p) | Location::Env(p) | Location::Default(p) => p,
        }
    }
}

/// Give the new repository `repo` (with no other process in it: a folder being
/// staged) its first commit, `commit`, whose files are `paths`.
pub(crate) fn first_commit(
    repo: &Repo,
    commit: ObjectId,
    message: &str,
    paths: Vec<String>,
) -> Result<()> {
    let private = repo.git_dir().join(layout::PRIVATE_DIR);
    let index = commit::lock_index(repo, &private)?;
    let index_file = repo.open_index()?;
    commit::apply(
        repo,
        &private,
        index,
        index_file,
        commit::Commit {
            base: None,
            new: commit,
            message,
            paths,
            known: Default::default(),
            effects: Vec::new(),
        },
    )
}

/// How long repodex waits for a git lock file that another git process holds.
pub use crate::git::GIT_LOCK_WAIT;

/// An open registry, read at one HEAD commit.
pub struct Registry {
    repo: Repo,
    head: ObjectId,
    catalog: Catalog,
    /// HEAD's layout, read from `registry.toml` when first needed (`resolve` never does).
    layout: std::sync::OnceLock<layout::Layout>,
    /// HEAD's identity rules, read from `registry.toml` when first needed (`resolve`
    /// by URL).
    rules: std::sync::OnceLock<crate::url::Rules>,
}

impl Registry {
    /// Open the registry at `root`, creating it first when the folder does not exist or
    /// is empty (first use needs no setup step).
    /// Its commits take `commit` from the environment (their date, the crash tests' hooks).
    pub fn open_or_create(root: &Path, commit: &CommitEnv) -> Result<Registry> {
        // One stat answers for an existing registry; only a missing one lists its folder.
        if !root.join(".git").exists() && is_missing_or_empty(root) {
            Registry::create(root, commit)?;
        }
        Ok(Registry::open(root)?.with_commit_env(commit))
    }

    /// Create a registry at `root`; `Ok(false)` when one is there already.
    pub fn create(root: &Path, commit: &CommitEnv) -> Result<bool> {
        Registry::create_in_format(root, layout::Layout::NEWEST, commit)
    }

    /// Create a registry at `root` in an older format than new registries get (for a
    /// team whose members do not all have a repodex that knows the newest);
    /// `Ok(false)` when one is there already.
    pub fn create_in_format(
        root: &Path,
        layout: layout::Layout,
        commit: &CommitEnv,
    ) -> Result<bool> {
        if !is_missing_or_empty(root) {
            Registry::open(root)?;
            return Ok(false);
        }
        // Build the registry in a sibling folder and rename it into place: the rename is
        // atomic, so concurrent first uses see either no registry or a whole one, and
        // exactly one of them wins.
        let staging = staging_folder(root)?;
        let repo = Repo::init(staging.path())?.with_commit_env(commit);
        let edits: Vec<FileEdit> = shared_files::initial_files(layout)
            .into_iter()
            .map(|(path, content)| FileEdit {
                path: path.to_string(),
                content: Some(content),
            })
            .collect();
        let (tree, _) = repo.write_tree(None, &edits)?;
        let commit = repo.write_commit(tree, &[], "create registry")?;
        let paths: Vec<String> = edits.into_iter().map(|e| e.path).collect();
        first_commit(&repo, commit, "create registry", paths)?;
        let _ = std::fs::remove_dir(root);
        let staged = staging.keep();
        match std::fs::rename(&staged, root) {
            Ok(()) => Ok(true),
            Err(_) if !is_missing_or_empty(root) => {
                // Another process created it first; ours is not needed.
                let _ = std::fs::remove_dir_all(&staged);
                Registry::open(root)?;
                Ok(false)
            }
            Err(e) => {
                let _ = std::fs::remove_dir_all(&staged);
                Err(Error::io(
                    format!("cannot create the registry at {}", root.display()),
                    e,
                ))
            }
        }
    }

    /// Open an existing registry, whose commits take nothing from the environment until
    /// it is given what they take ([`Registry::with_commit_env`]).
    pub fn open(root: &Path) -> Result<Registry> {
        if !root.join(".git").exists() {
            return Err(Error::NotARegistry {
                path: root.to_path_buf(),
                reason: if root.exists() {
                    "it is not a git repository".into()
                } else {
                    "it does not exist".into()
                },
            });
        }
        let repo = Repo::open(root)?;
        let private = repo.git_dir().join(layout::PRIVATE_DIR);
        if commit::needs_recovery(&private) {
            // A writer may be at work (its journal is expected), or dead (then its
            // journal is finished here, by a read as well as by the next write).
            if let Some(_lock) = transaction::try_lock(&private)? {
                match commit::recover(&repo, &private) {
                    // A git command holds the index: reads come from HEAD, and the next
                    // repodex command finishes the repair.
                    Err(Error::Locked { .. }) => {}
                    other => other?,
                }
            }
        }
        let head = repo.head_commit()?.ok_or_else(|| Error::NotARegistry {
            path: root.to_path_buf(),
            reason: "its git repository has no commits".into(),
        })?;
        // Best effort: reading works without it.
        let _ = std::fs::create_dir_all(&private);
        let catalog = Catalog::for_commit(&repo, &private, head)?;
        Ok(Registry {
            repo,
            head,
            catalog,
            layout: Default::default(),
            rules: Default::default(),
        })
    }

    /// The registry's folder (its work tree).
    pub fn root(&self) -> &Path {
        self.repo.workdir()
    }

    /// The commit this view of the registry reads.
    pub fn head(&self) -> ObjectId {
        self.head
    }

    /// Is this view still the registry's HEAD (no commit since it was opened)? A
    /// long-lived reader (the MCP server) opens the registry again when not.
    pub fn is_current(&self) -> Result<bool> {
        Ok(self.repo.head_commit()? == Some(self.head))
    }

    /// Repodex's per-machine folder for this registry (`.git/repodex/`).
    pub fn private_dir(&self) -> PathBuf {
        self.repo.git_dir().join(layout::PRIVATE_DIR)
    }

    /// Every entry's record, sorted by name; broken files appear as [`Record::Broken`].
    pub fn records(&self) -> impl Iterator<Item = Record> + '_ {
        self.catalog.records()
    }

    /// Every record as stored, sorted by name, without parsing (see [`catalog::RawRecord`]).
    pub fn raw_records(&self) -> impl Iterator<Item = catalog::RawRecord<'_>> + '_ {
        self.catalog.raw_records()
    }

    /// The record of one entry, by exact name.
    pub fn record(&self, name: &str) -> Option<Record> {
        self.catalog.record(name)
    }

    /// Read a whole entry at HEAD.
    pub fn entry(&self, name: &str) -> Result<Entry> {
        self.entry_at(self.head, name)
    }

    /// Read a whole entry as it was at `commit` (in that commit's format).
    pub fn entry_at(&self, commit: ObjectId, name: &str) -> Result<Entry> {
        let tree = self.repo.tree_of(commit)?;
        let layout = if commit == self.head {
            self.layout()?
        } else {
            layout::Layout::of_tree(&self.repo, tree)?
        };
        let file = self
            .repo
            .file_at(tree, &layout.entry_path(name))?
            .ok_or_else(|| Error::NotFound {
                reference: name.to_string(),
                suggestions: Vec::new(),
            })?;
        catalog::read_entry(&self.repo, layout, &file)
    }

    /// The entry `name` at HEAD, read even when it is larger than an entry may be (up to
    /// [`REPAIR_MAX`]), so that one an older repodex or a hand edit made too large can
    /// be forgotten or cached again within the bound; the commit refuses to write it
    /// back as large.
    pub(crate) fn entry_to_repair(&self, name: &str) -> Result<Entry> {
        let layout = self.layout()?;
        let path = layout.entry_path(name);
        let tree = self.repo.tree_of(self.head)?;
        let file = self
            .repo
            .file_at(tree, &path)?
            .filter(|f| f.regular)
            .ok_or_else(|| Error::NotFound {
                reference: name.to_string(),
                suggestions: Vec::new(),
            })?;
        let bytes = self.repo.read_blob(file.id, REPAIR_MAX)?;
        entry::Entry::parse_any_size(layout, &path, &bytes).map(|(entry, _)| entry)
    }

    /// [`Registry::entry`], and when that entry is too large to read,
    /// [`Registry::entry_to_repair`].
    pub(crate) fn entry_or_oversized(&self, name: &str) -> Result<Entry> {
        match self.entry(name) {
            Err(broken @ Error::BrokenEntry { .. }) => {
                self.entry_to_repair(name).map_err(|_| broken)
            }
            other => other,
        }
    }

    /// Where entries live at HEAD: the layout of its format.
    pub fn layout(&self) -> Result<layout::Layout> {
        if let Some(layout) = self.layout.get() {
            return Ok(*layout);
        }
        let layout = self.settings()?.layout();
        Ok(*self.layout.get_or_init(|| layout))
    }

    /// The file of the entry `name` at HEAD, relative to the registry's root.
    pub fn entry_path(&self, name: &str) -> Result<String> {
        Ok(self.layout()?.entry_path(name))
    }

    /// The shared settings in `registry.toml` at HEAD.
    pub fn settings(&self) -> Result<settings::Settings> {
        self.settings_at(self.head)
    }

    /// The shared settings in `registry.toml` as they were at `commit`.
    pub fn settings_at(&self, commit: ObjectId) -> Result<settings::Settings> {
        let tree = self.repo.tree_of(commit)?;
        settings::Settings::of_tree(&self.repo, tree)?.ok_or_else(|| Error::NotARegistry {
            path: self.root().to_path_buf(),
            reason: format!("its HEAD has no {}", layout::SETTINGS_FILE),
        })
    }

    /// The identity rules `registry.toml` adds at HEAD ([`crate::url::Rules`]).
    pub fn url_rules(&self) -> Result<crate::url::Rules> {
        if let Some(rules) = self.rules.get() {
            return Ok(rules.clone());
        }
        let rules = self.settings()?.url_rules();
        Ok(self.rules.get_or_init(|| rules).clone())
    }

    /// A file at HEAD (not an entry), if it is there and a regular file.
    pub(crate) fn head_file(&self, path: &str, max: u64) -> Result<Option<Vec<u8>>> {
        Ok(self.head_file_with_id(path, max)?.map(|(_, bytes)| bytes))
    }

    pub(crate) fn head_file_with_id(
        &self,
        path: &str,
        max: u64,
    ) -> Result<Option<(ObjectId, Vec<u8>)>> {
        let tree = self.repo.tree_of(self.head)?;
        match self.repo.file_at(tree, path)? {
            Some(file) if file.regular => {
                Ok(Some((file.id, self.repo.read_blob(file.id, max as usize)?)))
            }
            _ => Ok(None),
        }
    }

    /// The paths of the regular files below `folder` (with its trailing `/`) at HEAD;
    /// symlinks and submodules are left out (doctor reports them).
    pub(crate) fn head_files_under(&self, folder: &str) -> Result<Vec<String>> {
        let tree = self.repo.tree_of(self.head)?;
        Ok(self
            .repo
            .files_under(tree, folder)?
            .into_iter()
            .filter(|f| f.regular)
            .map(|f| f.path)
            .collect())
    }

    /// Start a change. Waits for other writers, calling `on_wait` once if it has to.
    pub fn transaction(&mut self, on_wait: impl FnMut()) -> Result<Transaction<'_>> {
        Transaction::begin(self, on_wait)
    }

    /// This registry, its commits taking `commit` from the environment (their date, the
    /// crash tests' hooks).
    pub fn with_commit_env(mut self, commit: &CommitEnv) -> Registry {
        self.repo.set_commit_env(commit);
        self
    }

    pub(crate) fn repo(&self) -> &Repo {
        &self.repo
    }

    /// Open the registry's git repository again, to read objects in packs written since
    /// it was opened by other handles (a sync's fetches): gix sizes its table of pack
    /// indexes when a repository is opened, for the packs there are then and a tenth
    /// more (at least 32), and a process that fetches again and again would outgrow it.
    pub(crate) fn reopen_objects(&mut self) -> Result<()> {
        let root = self.root().to_path_buf();
        self.repo = Repo::open(&root)?.with_commit_env(self.repo.commit_env());
        Ok(())
    }

    pub(crate) fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Called by a transaction after it moved HEAD; `settings_changed` when the commit
    /// wrote `registry.toml`.
    pub(crate) fn advance(
        &mut self,
        head: ObjectId,
        changes: &catalog::Changes,
        settings_changed: bool,
    ) -> Result<()> {
        self.head = head;
        self.layout = Default::default();
        self.rules = Default::default();
        // New identity rules change every URL key: the catalog is built again.
        if settings_changed && self.url_rules()? != *changes.rules() {
            self.catalog = Catalog::rebuilt(&self.repo, head)?;
            self.catalog.save(&self.private_dir());
        } else {
            self.catalog = changes.write(&self.catalog, &self.private_dir(), head)?;
        }
        Ok(())
    }

    /// Re-read HEAD after taking the lock: another writer may have moved it.
    pub(crate) fn reload(&mut self) -> Result<()> {
        let head = self.repo.head_commit()?.ok_or(Error::Conflict)?;
        if head != self.head {
            self.catalog = Catalog::for_commit(&self.repo, &self.private_dir(), head)?;
            self.head = head;
            self.layout = Default::default();
            self.rules = Default::default();
        }
        Ok(())
    }
}

impl Drop for Registry {
    /// A catalog brought up to date in memory and not superseded by a commit is kept
    /// for the next command.
    fn drop(&mut self) {
        let private = self.private_dir();
        self.catalog.save(&private);
    }
}

/// The repository given on the command line: a URL (validated, with any embedded
/// secret split off), or the path of a local git repository (made absolute).
pub fn repository_location(input: &str) -> Result<crate::url::ParsedUrl> {
    let input = input.trim();
    if let Some(name) = crate::url::entry_reference(input) {
        return Err(error::StoreError::EntryReference {
            input: input.to_string(),
            name: name.to_string(),
        }
        .into());
    }
    if crate::url::looks_like_url(input) || input.starts_with('-') || input.contains("::") {
        let parsed = crate::url::interpret(input)?;
        match parsed.url.local_path() {
            // A file:// URL is a local path: canonicalized as one, so that a symlink,
            // `..` or the `.git` folder give the same entry as the path itself.
            Some(path) if Path::new(path).exists() => {
                let path = path.to_string();
                return repository_location(&path);
            }
            _ => return Ok(parsed),
        }
    }
    let path = Path::new(input);
    let canonical = path.canonicalize().map_err(|_| {
        let segments: Vec<&str> = input.split('/').collect();
        let owner_repo = segments.len() == 2
            && segments.iter().all(|s| {
                !s.is_empty()
                    && !s.starts_with('.')
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            });
        Error::from(if owner_repo {
            error::StoreError::OwnerRepoWithoutHost {
                input: input.to_string(),
            }
        } else {
            error::StoreError::NotARepository {
                input: input.to_string(),
            }
        })
    })?;
    if !Repo::exists_at(&canonical) {
        return Err(Error::NotAGitRepository { path: canonical });
    }
    // A working copy's `.git` folder is the working copy.
    let canonical = match crate::git::working_copy(&canonical) {
        Some(copy) if !copy.bare && copy.git_dir == canonical => copy.root,
        _ => canonical,
    };
    Ok(crate::url::GitUrl::parse(&canonical.display().to_string())?)
}

/// [`repository_location`], refusing a URL that carries a password or token (without
/// repeating the secret): for places where there is no vault to put it in. The result's
/// `secret` is always `None`; its `notices` say what was changed in the input.
pub fn repository_url(input: &str) -> Result<crate::url::ParsedUrl> {
    let parsed = repository_location(input)?;
    match parsed.secret {
        None => Ok(parsed),
        Some(_) => Err(crate::url::UrlError::EmbeddedSecret {
            shown: crate::url::quote(&parsed.url.to_string()),
        }
        .into()),
    }
}

/// A new folder beside `root` to build a registry in before renaming it into place.
pub(crate) fn staging_folder(root: &Path) -> Result<tempfile::TempDir> {
    let parent = root.parent().ok_or_else(|| Error::NotARegistry {
        path: root.to_path_buf(),
        reason: "it has no parent folder".into(),
    })?;
    std::fs::create_dir_all(parent)
        .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
    tempfile::Builder::new()
        .prefix(".repodex-new-")
        .tempdir_in(parent)
        .map_err(|e| Error::io(format!("cannot create a folder in {}", parent.display()), e))
}

/// Is `dir` missing, or an empty folder?
pub(crate) fn is_missing_or_empty(dir: &Path) -> bool {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
    }
}
