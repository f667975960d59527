//! Thin wrappers over gix: the only module that touches git objects, refs and the index.
//!
//! It knows nothing of entries or names: it reads blobs and trees at a commit, writes a
//! set of file edits as one commit, moves HEAD with a compare-and-swap, and brings the
//! work tree and index in line with a commit for a given set of paths, so that plain
//! `git status` stays clean. gix cannot build a tree from the index, so trees are edited
//! directly and the index is updated entry by entry (O(changed paths), not O(registry)).

mod cache_tree;
pub mod clones;
pub mod command;
mod config;
pub mod connect;
mod daemon;
pub mod fetch;
mod head;
mod history;
mod locks;
pub mod mirror;
pub mod objects;
pub mod policy;
pub mod status;
mod working_copy;
mod worktree;
mod write;

pub use config::global_config_value;
pub use head::head_commit_unopened;
pub use history::CommitInfo;
pub use locks::{remove_head_locks_of, HeadUpdate, IndexLock, LockRecord, GIT_LOCK_WAIT};
pub use working_copy::{repository_at, working_copy, WorkingCopy};
pub use worktree::{sweep_temporary_files, write_atomically};

use std::path::{Path, PathBuf};

pub use gix::ObjectId;

use crate::{Error, Result};

/// A file in a tree: its path from the tree's root, blob id, and whether it is a plain file.
#[derive(Debug, Clone)]
pub struct TreeFile {
    pub path: String,
    pub id: ObjectId,
    /// A regular (possibly executable) file; symlinks, submodules and trees are not.
    pub regular: bool,
}

/// One change to a commit's tree: write `Some(content)` at `path`, or remove it.
#[derive(Debug, Clone)]
pub struct FileEdit {
    pub path: String,
    pub content: Option<Vec<u8>>,
}

/// A file that differs between two trees: removed (with its blob), added (with its
/// blob), or, with neither, changed in place.
struct FileChange {
    path: String,
    removed: Option<ObjectId>,
    added: Option<ObjectId>,
}

/// The state of one path in the work tree and index, compared with a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathState {
    /// Work tree and index match the commit.
    Clean,
    /// The work tree or the index differ from the commit: a hand edit.
    Modified,
}

/// A non-bare git repository with a work tree.
pub struct Repo {
    repo: gix::Repository,
    workdir: PathBuf,
    /// What commits made here take from the environment (their date, the crash tests'
    /// hooks), as whoever opened the repository was given it.
    commit: crate::env::CommitEnv,
}

fn git_err<E: Into<Box<dyn std::error::Error + Send + Sync>>>(
    context: &str,
) -> impl FnOnce(E) -> Error + '_ {
    move |e| Error::git(context, e)
}

impl Repo {
    /// Open the repository whose work tree is `dir`.
    pub fn open(dir: &Path) -> Result<Repo> {
        let repo = gix::open_opts(dir, gix::open::Options::default().strict_config(false))
            .map_err(git_err(&format!(
                "cannot open the git repository at {}",
                dir.display()
            )))?;
        let workdir = repo
            .workdir()
            .map(Path::to_path_buf)
            .ok_or_else(|| Error::NotARegistry {
                path: dir.to_path_buf(),
                reason: "it is a bare git repository".into(),
            })?;
        Ok(Repo {
            repo,
            workdir,
            commit: Default::default(),
        })
    }

    /// Create a new repository with a work tree at `dir`, branch `main`.
    pub fn init(dir: &Path) -> Result<Repo> {
        let repo =
            gix::init(dir).map_err(git_err("cannot create the registry's git repository"))?;
        let head = repo.git_dir().join("HEAD");
        std::fs::write(&head, "ref: refs/heads/main\n")
            .map_err(|e| Error::io("cannot write HEAD", e))?;
        Repo::open(dir)
    }

    /// Does `dir` hold a git repository (a work tree with `.git`, or a bare one)?
    pub fn exists_at(dir: &Path) -> bool {
        gix::open_opts(dir, gix::open::Options::isolated()).is_ok()
    }

    /// Another handle on the same repository, for another thread (its own object
    /// caches; the object store's files are shared).
    pub fn handle(&self) -> Repo {
        Repo {
            repo: self.repo.clone(),
            workdir: self.workdir.clone(),
            commit: self.commit.clone(),
        }
    }

    /// This repository with what its commits take from the environment.
    pub fn with_commit_env(mut self, commit: &crate::env::CommitEnv) -> Repo {
        self.set_commit_env(commit);
        self
    }

    /// Give this repository's commits what they take from the environment.
    pub fn set_commit_env(&mut self, commit: &crate::env::CommitEnv) {
        self.commit = commit.clone();
    }

    /// What commits made here take from the environment.
    pub fn commit_env(&self) -> &crate::env::CommitEnv {
        &self.commit
    }

    pub fn workdir(&self) -> &Path {
        &self.workdir
    }

    pub fn git_dir(&self) -> &Path {
        self.repo.git_dir()
    }

    /// The commit HEAD points to, or `None` in a repository without commits.
    pub fn head_commit(&self) -> Result<Option<ObjectId>> {
        let head = self.repo.head().map_err(git_err("cannot read HEAD"))?;
        Ok(head.id().map(|id| id.detach()))
    }

    /// The tree of `commit`.
    pub fn tree_of(&self, commit: ObjectId) -> Result<ObjectId> {
        let commit = self
            .repo
            .find_commit(commit)
            .map_err(git_err("cannot read a registry commit"))?;
        commit
            .tree_id()
            .map(|id| id.detach())
            .map_err(git_err("cannot read a commit's tree"))
    }

    /// The file at `path` in `tree`, if there is one.
    pub fn file_at(&self, tree: ObjectId, path: &str) -> Result<Option<TreeFile>> {
        let tree = self
            .repo
            .find_tree(tree)
            .map_err(git_err("cannot read a registry tree"))?;
        let entry = tree
            .lookup_entry_by_path(path)
            .map_err(git_err("cannot look up a path in the registry"))?;
        Ok(entry.map(|e| TreeFile {
            path: path.to_string(),
            id: e.object_id(),
            regular: e.mode().is_blob(),
        }))
    }

    /// Read a blob's content, refusing blobs larger than `max` bytes.
    pub fn read_blob(&self, id: ObjectId, max: usize) -> Result<Vec<u8>> {
        let header = self
            .repo
            .find_header(id)
            .map_err(git_err("cannot read a registry file"))?;
        if header.size() > max as u64 {
            return Err(Error::FileTooLarge {
                id: id.to_string(),
                size: header.size(),
                max,
            });
        }
        let blob = self
            .repo
            .find_blob(id)
            .map_err(git_err("cannot read a registry file"))?;
        Ok(blob.detach().data)
    }

    /// A reader of many blobs no larger than `max` bytes, each with one lookup: the
    /// object store opened again with `max` as its allocation limit, which gix checks
    /// against the size in an object's header before inflating it. [`Repo::read_blob`]
    /// reads the header first and then the blob, two lookups (and two inflaters) per
    /// blob; a rebuild of the catalog reads 100,000.
    pub fn blobs(&self, max: usize) -> Result<Blobs> {
        let options = gix::odb::store::init::Options {
            alloc_limit_bytes: Some(max),
            ..Default::default()
        };
        let store = gix::odb::Store::at_opts(
            self.repo.objects.store_ref().path().to_path_buf(),
            self.repo.object_hash(),
            &mut std::iter::empty(),
            options,
        )
        .map_err(git_err("cannot open the registry's objects"))?;
        Ok(Blobs {
            store: std::sync::Arc::new(store),
        })
    }

    /// Every file below `prefix` (a folder path with a trailing `/`) in `tree`, recursively.
    pub fn files_under(&self, tree: ObjectId, prefix: &str) -> Result<Vec<TreeFile>> {
        let tree = self
            .repo
            .find_tree(tree)
            .map_err(git_err("cannot read a registry tree"))?;
        let folder = prefix.trim_end_matches('/');
        let subtree = if folder.is_empty() {
            tree
        } else {
            let Some(entry) = tree
                .lookup_entry_by_path(folder)
                .map_err(git_err("cannot look up a folder in the registry"))?
            else {
                return Ok(Vec::new());
            };
            if !entry.mode().is_tree() {
                return Ok(Vec::new());
            }
            self.repo
                .find_tree(entry.object_id())
                .map_err(git_err("cannot read a registry tree"))?
        };
        let mut recorder = gix::traverse::tree::Recorder::default();
        subtree
            .traverse()
            .breadthfirst(&mut recorder)
            .map_err(git_err("cannot walk a registry tree"))?;
        Ok(recorder
            .records
            .into_iter()
            .filter(|r| !r.mode.is_tree())
            .map(|r| TreeFile {
                path: format!("{prefix}{}", r.filepath),
                id: r.oid,
                regular: r.mode.is_blob(),
            })
            .collect())
    }

    /// The paths of files (not folders) that differ between two trees.
    pub fn changed_files(&self, old_tree: ObjectId, new_tree: ObjectId) -> Result<Vec<String>> {
        Ok(self
            .file_changes(old_tree, new_tree)?
            .into_iter()
            .map(|c| c.path)
            .collect())
    }

    /// [`Repo::changed_files`], without files that only moved: a file removed at one
    /// path and added at another with the same content, as a migration does, has not
    /// changed.
    pub fn changed_contents(&self, old_tree: ObjectId, new_tree: ObjectId) -> Result<Vec<String>> {
        let changes = self.file_changes(old_tree, new_tree)?;
        let removed: std::collections::HashSet<ObjectId> =
            changes.iter().filter_map(|c| c.removed).collect();
        let added: std::collections::HashSet<ObjectId> =
            changes.iter().filter_map(|c| c.added).collect();
        Ok(changes
            .into_iter()
            .filter(|c| match (c.removed, c.added) {
                (Some(id), None) => !added.contains(&id),
                (None, Some(id)) => !removed.contains(&id),
                _ => true,
            })
            .map(|c| c.path)
            .collect())
    }

    fn file_changes(&self, old_tree: ObjectId, new_tree: ObjectId) -> Result<Vec<FileChange>> {
        use gix::object::tree::diff::ChangeDetached as Change;
        let old = self
            .repo
            .find_tree(old_tree)
            .map_err(git_err("cannot read a registry tree"))?;
        let new = self
            .repo
            .find_tree(new_tree)
            .map_err(git_err("cannot read a registry tree"))?;
        let changes = self
            .repo
            .diff_tree_to_tree(
                &old,
                &new,
                gix::diff::Options::default().with_rewrites(None),
            )
            .map_err(git_err("cannot compare registry trees"))?;
        let change = |location: &gix::bstr::BString, removed, added| FileChange {
            path: location.to_string(),
            removed,
            added,
        };
        Ok(changes
            .into_iter()
            .filter_map(|c| match c {
                Change::Addition {
                    location,
                    entry_mode,
                    id,
                    ..
                } => (!entry_mode.is_tree()).then(|| change(&location, None, Some(id))),
                Change::Deletion {
                    location,
                    entry_mode,
                    id,
                    ..
                } => (!entry_mode.is_tree()).then(|| change(&location, Some(id), None)),
                Change::Modification {
                    location,
                    entry_mode,
                    previous_entry_mode,
                    ..
                } => (!entry_mode.is_tree() || !previous_entry_mode.is_tree())
                    .then(|| change(&location, None, None)),
                Change::Rewrite { location, .. } => Some(change(&location, None, None)),
            })
            .collect())
    }

    /// The files at `paths` in `tree`, in order: looked up one by one for a few paths,
    /// from one walk of the whole tree for many (a lookup reads every tree on the way).
    pub fn files_at(&self, tree: ObjectId, paths: &[String]) -> Result<Vec<Option<TreeFile>>> {
        if paths.len() <= 64 {
            return paths.iter().map(|p| self.file_at(tree, p)).collect();
        }
        let mut all: std::collections::HashMap<String, TreeFile> = self
            .all_files(tree)?
            .into_iter()
            .map(|f| (f.path.clone(), f))
            .collect();
        Ok(paths.iter().map(|p| all.remove(p)).collect())
    }

    /// Every file in `tree`.
    pub fn all_files(&self, tree: ObjectId) -> Result<Vec<TreeFile>> {
        self.files_under(tree, "")
    }

    /// The URL of the git remote called `name`, from the repository's git config.
    pub fn remote_url(&self, name: &str) -> Option<String> {
        self.repo
            .config_snapshot()
            .string(format!("remote.{name}.url").as_str())
            .map(|url| url.to_string())
    }

    /// The branch of the remote that the local `main` tracks, as git records it
    /// (`branch.main.merge`), without `refs/heads/`.
    pub fn upstream_branch(&self) -> Option<String> {
        self.repo
            .config_snapshot()
            .string("branch.main.merge")
            .map(|merge| {
                let merge = merge.to_string();
                merge
                    .strip_prefix("refs/heads/")
                    .map(str::to_string)
                    .unwrap_or(merge)
            })
            .filter(|b| command::valid_branch_name(b))
    }

    /// The names of the repository's git remotes.
    pub fn remote_names(&self) -> Vec<String> {
        self.repo
            .remote_names()
            .into_iter()
            .map(|name| name.to_string())
            .collect()
    }
}

/// The object store opened for reading blobs under a size limit ([`Repo::blobs`]);
/// each thread reads through its own [`Blobs::handle`].
pub struct Blobs {
    store: std::sync::Arc<gix::odb::Store>,
}

impl Blobs {
    /// A handle for one thread, which keeps its inflater from blob to blob.
    pub fn handle(&self) -> BlobHandle {
        BlobHandle {
            cache: self.store.to_cache_arc(),
        }
    }
}

/// One thread's reader of blobs under the limit of the [`Blobs`] it came from.
pub struct BlobHandle {
    cache: gix::odb::HandleArc,
}

impl BlobHandle {
    /// The content of blob `id`; an error when it is missing, not a blob, or larger
    /// than the limit (refused before it is inflated).
    pub fn read(&self, id: ObjectId) -> Result<Vec<u8>> {
        use gix::objs::Find as _;
        let mut buffer = Vec::new();
        let kind = self
            .cache
            .try_find(&id, &mut buffer)
            .map_err(git_err("cannot read a registry file"))?
            .map(|data| data.kind);
        match kind {
            Some(gix::objs::Kind::Blob) => Ok(buffer),
            _ => Err(Error::git(
                "cannot read a registry file",
                format!("{id} is not a blob"),
            )),
        }
    }
}

/// From this many file edits on, a commit's blobs and trees are written as one pack:
/// 1,000 imported entries are about 2,300 loose objects, each a file and an inode.
pub const PACK_FROM: usize = 256;

/// An object id as hex, for reports that derive `Serialize`.
pub fn serialize_id<S: serde::Serializer>(
    id: &ObjectId,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    serializer.collect_str(id)
}

/// The all-zero object id, for "no commit".
pub fn null_id() -> ObjectId {
    ObjectId::null(gix::hash::Kind::Sha1)
}

/// A short, stable hex digest of `bytes` (for file names derived from data).
pub fn short_digest(bytes: &[u8]) -> String {
    gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, bytes)
        .map(|id| id.to_hex_with_len(10).to_string())
        .unwrap_or_default()
}

/// The SHA-1 of `bytes` (plain, not of a git object), in hex: for names derived from
/// data that people can compute again with `sha1sum`.
pub fn sha1_hex(bytes: &[u8]) -> String {
    let mut hasher = gix::hash::hasher(gix::hash::Kind::Sha1);
    hasher.update(bytes);
    hasher
        .try_finalize()
        .map(|id| id.to_hex().to_string())
        .unwrap_or_default()
}
