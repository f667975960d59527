//! Thin wrappers over gix: the only module that touches git objects, refs and the index.
//!
//! It knows nothing of entries or names: it reads blobs and trees at a commit, writes a
//! set of file edits as one commit, moves HEAD with a compare-and-swap, and brings the
//! work tree and index in line with a commit for a given set of paths, so that plain
//! `git status` stays clean. gix cannot build a tree from the index, so trees are edited
//! directly and the index is updated entry by entry (O(changed paths), not O(registry)).

pub mod command;
pub mod fetch;

use std::io::Write;
use std::path::{Path, PathBuf};

use gix::bstr::{BStr, ByteSlice};
use gix::objs::tree::EntryKind;
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
        Ok(Repo { repo, workdir })
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
            return Err(Error::Invalid(format!(
                "a registry file ({id}) is {} bytes, more than the {max} repodex reads",
                header.size()
            )));
        }
        let blob = self
            .repo
            .find_blob(id)
            .map_err(git_err("cannot read a registry file"))?;
        Ok(blob.detach().data)
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
        Ok(changes
            .into_iter()
            .filter_map(|change| match change {
                Change::Addition {
                    location,
                    entry_mode,
                    ..
                }
                | Change::Deletion {
                    location,
                    entry_mode,
                    ..
                } => (!entry_mode.is_tree()).then(|| location.to_string()),
                Change::Modification {
                    location,
                    entry_mode,
                    previous_entry_mode,
                    ..
                } => (!entry_mode.is_tree() || !previous_entry_mode.is_tree())
                    .then(|| location.to_string()),
                Change::Rewrite { location, .. } => Some(location.to_string()),
            })
            .collect())
    }

    /// The commits reachable from `tip` along first parents, newest first.
    pub fn history(&self, tip: ObjectId) -> Result<Vec<CommitInfo>> {
        let context = "cannot read the registry's history";
        let walk = self
            .repo
            .rev_walk([tip])
            .first_parent_only()
            .all()
            .map_err(git_err(context))?;
        let mut commits = Vec::new();
        for info in walk {
            let info = info.map_err(git_err(context))?;
            let commit = info.object().map_err(git_err(context))?;
            let time = commit.time().map_err(git_err(context))?;
            let author = commit.author().map_err(git_err(context))?.name.to_string();
            commits.push(CommitInfo {
                id: info.id,
                seconds: time.seconds,
                message: commit.message_raw_sloppy().to_string(),
                author,
                parent: commit.parent_ids().next().map(|id| id.detach()),
            });
        }
        Ok(commits)
    }

    /// The best common ancestor of two commits, or `None` when their histories are unrelated.
    pub fn merge_base(&self, one: ObjectId, two: ObjectId) -> Result<Option<ObjectId>> {
        match self.repo.merge_base(one, two) {
            Ok(base) => Ok(base.map(|id| id.detach())),
            Err(e) => Err(Error::git(
                "cannot find the common ancestor of two commits",
                e,
            )),
        }
    }

    /// For each file changed by the commits reachable from `tip` but not from `hidden`,
    /// the time (seconds) of the newest commit that changed it (compared with its first
    /// parent). Sync uses it to let the later change win a conflict.
    pub fn change_times(
        &self,
        tip: ObjectId,
        hidden: Option<ObjectId>,
    ) -> Result<std::collections::HashMap<String, i64>> {
        let context = "cannot read the registry's history";
        let walk = self
            .repo
            .rev_walk([tip])
            .with_hidden(hidden)
            .all()
            .map_err(git_err(context))?;
        let mut times = std::collections::HashMap::new();
        for info in walk {
            let info = info.map_err(git_err(context))?;
            let commit = info.object().map_err(git_err(context))?;
            let seconds = commit.time().map_err(git_err(context))?.seconds;
            let tree = commit.tree_id().map_err(git_err(context))?.detach();
            let parent_tree = match commit.parent_ids().next() {
                Some(parent) => Some(self.tree_of(parent.detach())?),
                None => None,
            };
            let paths = match parent_tree {
                Some(parent_tree) => self.changed_files(parent_tree, tree)?,
                None => self.all_files(tree)?.into_iter().map(|f| f.path).collect(),
            };
            for path in paths {
                let newest = times.entry(path).or_insert(seconds);
                *newest = (*newest).max(seconds);
            }
        }
        Ok(times)
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

    /// The names of the repository's git remotes.
    pub fn remote_names(&self) -> Vec<String> {
        self.repo
            .remote_names()
            .into_iter()
            .map(|name| name.to_string())
            .collect()
    }

    /// Remove the git lock files of the reference `name` (and of packed-refs) that a
    /// killed fetch left. The caller must hold the lock that serializes writers of it.
    pub fn break_stale_ref_locks(&self, name: &str) {
        let git_dir = self.repo.git_dir();
        break_stale_lock(&git_dir.join(format!("{name}.lock")));
        break_stale_lock(&git_dir.join("packed-refs.lock"));
    }

    /// Point the reference `name` (such as `refs/remotes/origin/main`) at `id`.
    pub fn set_reference(&self, name: &str, id: ObjectId, message: &str) -> Result<()> {
        use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
        let edit = RefEdit {
            change: Change::Update {
                log: LogChange {
                    mode: RefLog::AndReference,
                    force_create_reflog: false,
                    message: message.into(),
                },
                expected: PreviousValue::Any,
                new: gix::refs::Target::Object(id),
            },
            name: name
                .try_into()
                .map_err(git_err("cannot update a reference"))?,
            deref: false,
        };
        let signature = self.signature();
        let mut time = gix::date::parse::TimeBuf::default();
        self.repo
            .edit_references_as(Some(edit), Some(signature.to_ref(&mut time)))
            .map(|_| ())
            .map_err(git_err("cannot update a reference"))
    }

    /// The commit a revision (`HEAD~2`, a hash, a branch) names.
    pub fn rev_parse_commit(&self, spec: &str) -> Option<ObjectId> {
        let id = self
            .repo
            .rev_parse_single(BStr::new(spec.as_bytes()))
            .ok()?;
        let commit = id.object().ok()?.peel_to_commit().ok()?;
        Some(commit.id)
    }

    /// Write `edits` on top of `base_tree` (the empty tree when `None`) and return the new
    /// tree and the blob id of each written file.
    pub fn write_tree(
        &self,
        base_tree: Option<ObjectId>,
        edits: &[FileEdit],
    ) -> Result<(ObjectId, Vec<Option<ObjectId>>)> {
        let base = base_tree.unwrap_or_else(|| ObjectId::empty_tree(self.repo.object_hash()));
        let mut editor = self
            .repo
            .edit_tree(base)
            .map_err(git_err("cannot edit the registry tree"))?;
        let mut blobs = Vec::with_capacity(edits.len());
        for edit in edits {
            match &edit.content {
                Some(content) => {
                    let id = self
                        .repo
                        .write_blob(content)
                        .map_err(git_err("cannot write a registry file"))?
                        .detach();
                    editor
                        .upsert(edit.path.as_str(), EntryKind::Blob, id)
                        .map_err(git_err("cannot edit the registry tree"))?;
                    blobs.push(Some(id));
                }
                None => {
                    editor
                        .remove(edit.path.as_str())
                        .map_err(git_err("cannot edit the registry tree"))?;
                    blobs.push(None);
                }
            }
        }
        let tree = editor
            .write()
            .map_err(git_err("cannot write the registry tree"))?
            .detach();
        Ok((tree, blobs))
    }

    /// Write a commit object (without moving any ref).
    pub fn write_commit(
        &self,
        tree: ObjectId,
        parents: &[ObjectId],
        message: &str,
    ) -> Result<ObjectId> {
        let signature = self.signature();
        let commit = gix::objs::Commit {
            message: message.into(),
            tree,
            author: signature.clone(),
            committer: signature,
            encoding: None,
            parents: parents.iter().copied().collect(),
            extra_headers: Vec::new(),
        };
        Ok(self
            .repo
            .write_object(&commit)
            .map_err(git_err("cannot write a registry commit"))?
            .detach())
    }

    /// The user's git identity when configured, else repodex's own, dated now.
    fn signature(&self) -> gix::actor::Signature {
        let time = gix::date::Time::now_local_or_utc();
        match self.repo.committer() {
            Some(Ok(sig)) => gix::actor::Signature {
                name: sig.name.to_owned(),
                email: sig.email.to_owned(),
                time,
            },
            _ => gix::actor::Signature {
                name: "repodex".into(),
                email: "repodex@localhost".into(),
                time,
            },
        }
    }

    /// Move HEAD's branch from `expected` to `new`, atomically: fails with
    /// [`Error::Conflict`] when HEAD is not at `expected` any more.
    pub fn update_head(
        &self,
        expected: Option<ObjectId>,
        new: ObjectId,
        message: &str,
    ) -> Result<()> {
        use gix::refs::transaction::{PreviousValue, RefEdit};
        use gix::refs::Target;
        let previous = match expected {
            Some(id) => PreviousValue::MustExistAndMatch(Target::Object(id)),
            None => PreviousValue::MustNotExist,
        };
        let name: gix::refs::FullName = "HEAD".try_into().expect("HEAD is a valid ref name");
        let git_dir = self.repo.git_dir();
        break_stale_lock(&git_dir.join("HEAD.lock"));
        break_stale_lock(&git_dir.join("packed-refs.lock"));
        if let Ok(Some(branch)) = self.repo.head_name() {
            break_stale_lock(&git_dir.join(format!("{}.lock", branch.as_bstr())));
        }
        let summary = message.lines().next().unwrap_or_default();
        let edit =
            RefEdit::update(name, new, previous, format!("repodex: {summary}")).with_deref(true);
        let signature = self.signature();
        let mut time = gix::date::parse::TimeBuf::default();
        match self
            .repo
            .edit_references_as(Some(edit), Some(signature.to_ref(&mut time)))
        {
            Ok(_) => Ok(()),
            Err(e) => match self.head_commit() {
                Ok(now) if now != expected => Err(Error::Conflict),
                _ => Err(Error::git("cannot move the registry's HEAD", e)),
            },
        }
    }

    /// The index, read once per commit and handed to [`Repo::path_states`] and
    /// [`Repo::checkout_paths`]; an empty one when the file is missing.
    pub fn open_index(&self) -> Result<gix::index::File> {
        let path = self.repo.index_path();
        if !path.exists() {
            let state = gix::index::State::new(self.repo.object_hash());
            return Ok(gix::index::File::from_state(state, path));
        }
        gix::index::File::at(&path, self.repo.object_hash(), false, Default::default())
            .map_err(git_err("cannot read the registry's git index"))
    }

    /// The blob id `content` would have, without writing it.
    pub fn blob_id(&self, content: &[u8]) -> Result<ObjectId> {
        gix::objs::compute_hash(self.repo.object_hash(), gix::objs::Kind::Blob, content)
            .map_err(git_err("cannot hash a registry file"))
    }

    /// The blob id of the file at `path` in the work tree: `None` when there is no
    /// file, the null id when it is something other than a regular file.
    pub fn worktree_blob(&self, path: &str) -> Result<Option<ObjectId>> {
        let on_disk = self.workdir.join(path);
        match std::fs::symlink_metadata(&on_disk) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(format!("cannot read {path}"), e)),
            Ok(meta) if !meta.is_file() => Ok(Some(ObjectId::null(self.repo.object_hash()))),
            Ok(_) => {
                let content = std::fs::read(&on_disk)
                    .map_err(|e| Error::io(format!("cannot read {path}"), e))?;
                self.blob_id(&content).map(Some)
            }
        }
    }

    /// Compare each path in the work tree and index with its expected blob (in the commit
    /// the caller builds on; `None` when the commit has no such file).
    pub fn path_states(
        &self,
        index: &gix::index::File,
        paths: &[(String, Option<ObjectId>)],
    ) -> Result<Vec<(String, PathState)>> {
        let mut states = Vec::with_capacity(paths.len());
        for (path, expected) in paths {
            let indexed = index
                .entry_by_path(BStr::new(path.as_bytes()))
                .map(|e| e.id);
            // Content, not stat data, decides: an edit within the same second as the
            // index write must not pass for clean.
            let state = if indexed == *expected && self.worktree_blob(path)? == *expected {
                PathState::Clean
            } else {
                PathState::Modified
            };
            states.push((path.clone(), state));
        }
        Ok(states)
    }

    /// Paths whose work tree or index differ from HEAD, untracked files included, as
    /// `git status` would list them.
    ///
    /// Read through a handle that ignores the system and user git configuration: a
    /// registry's `.gitattributes` (which a teammate controls) could otherwise name a
    /// filter driver configured there (git-lfs, or worse) and make repodex run it.
    pub fn changed_paths(&self) -> Result<Vec<String>> {
        let isolated = gix::open_opts(self.repo.git_dir(), gix::open::Options::isolated())
            .map_err(git_err("cannot open the registry to read its status"))?;
        let iter = isolated
            .status(gix::progress::Discard)
            .map_err(git_err("cannot read the registry's status"))?
            .untracked_files(gix::status::UntrackedFiles::Files)
            .into_iter(Vec::<gix::bstr::BString>::new())
            .map_err(git_err("cannot read the registry's status"))?;
        let mut paths = std::collections::BTreeSet::new();
        for item in iter {
            let item = item.map_err(git_err("cannot read the registry's status"))?;
            paths.insert(item.location().to_string());
        }
        Ok(paths.into_iter().collect())
    }

    /// Bring `paths` in the work tree and index in line with `commit`: write each file
    /// that is in the commit (atomically, by rename), remove each that is not, and update
    /// their index entries. Other paths are left alone, edited or not.
    ///
    /// `known` holds the content of files the caller just wrote, so that they are not
    /// read back from the object store.
    pub fn checkout_paths(
        &self,
        mut index: gix::index::File,
        commit: ObjectId,
        paths: &[String],
        known: &std::collections::HashMap<&str, &[u8]>,
    ) -> Result<()> {
        let tree = self.tree_of(commit)?;
        break_stale_lock(&self.repo.index_path().with_extension("lock"));
        let touched: std::collections::HashSet<&[u8]> =
            paths.iter().map(|p| p.as_bytes()).collect();
        index.remove_entries(|_, p, _| touched.contains(p.as_bytes()));
        let files = self.files_at(tree, paths)?;
        for (path, file) in paths.iter().zip(files) {
            let target = self.workdir.join(path);
            match file {
                Some(file) if file.regular => {
                    let read;
                    let content = match known.get(path.as_str()) {
                        Some(content) => *content,
                        None => {
                            read = self.read_blob(file.id, usize::MAX)?;
                            &read
                        }
                    };
                    // Stage in .git/, not beside the file: a process killed between
                    // writing and renaming must not leave an untracked file in the work tree.
                    write_atomically_in(self.repo.git_dir(), &target, content)?;
                    let metadata = gix::index::fs::Metadata::from_path_no_follow(&target)
                        .map_err(|e| Error::io(format!("cannot stat {path}"), e))?;
                    let stat = gix::index::entry::Stat::from_fs(&metadata)
                        .map_err(git_err("cannot read a file's time stamps"))?;
                    index.dangerously_push_entry(
                        stat,
                        file.id,
                        gix::index::entry::Flags::empty(),
                        gix::index::entry::Mode::FILE,
                        path.as_bytes().as_bstr(),
                    );
                }
                _ => remove_with_empty_parents(&self.workdir, path)?,
            }
        }
        index.sort_entries();
        index.remove_tree();
        index
            .write(gix::index::write::Options::default())
            .map_err(git_err("cannot write the registry's git index"))
    }
}

/// A commit, as history listings show it.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    pub id: ObjectId,
    /// Commit time, in seconds since the epoch.
    pub seconds: i64,
    pub message: String,
    pub author: String,
    pub parent: Option<ObjectId>,
}

/// A git repository found at or above a folder.
#[derive(Debug, Clone)]
pub struct WorkingCopy {
    /// The work tree's root (the repository itself, when bare).
    pub root: PathBuf,
    pub git_dir: PathBuf,
    /// Whether it has no work tree.
    pub bare: bool,
    /// Fetch URLs of its remotes, `origin` first, as configured.
    pub remote_urls: Vec<String>,
}

/// The repository that contains `dir`, if any, with its remotes' URLs.
pub fn working_copy(dir: &Path) -> Option<WorkingCopy> {
    describe(gix::discover(dir).ok()?).ok()
}

/// The repository exactly at `dir` (a working copy or a bare repository), without
/// looking in parent folders; on failure, why it does not open.
pub fn repository_at(dir: &Path) -> std::result::Result<WorkingCopy, String> {
    let repo = gix::open_opts(dir, gix::open::Options::isolated())
        .map_err(|e| crate::error::one_line(&e))?;
    describe(repo)
}

fn describe(repo: gix::Repository) -> std::result::Result<WorkingCopy, String> {
    let git_dir = repo.git_dir().canonicalize().map_err(|e| e.to_string())?;
    let root = match repo.workdir() {
        Some(w) => w.canonicalize().map_err(|e| e.to_string())?,
        None => git_dir.clone(),
    };
    let mut names: Vec<String> = repo.remote_names().iter().map(|n| n.to_string()).collect();
    names.sort_by_key(|n| (n != "origin", n.clone()));
    let remote_urls = names
        .iter()
        .filter_map(|name| {
            let remote = repo.find_remote(name.as_str()).ok()?;
            let url = remote.url(gix::remote::Direction::Fetch)?;
            Some(url.to_bstring().to_string())
        })
        .collect();
    Ok(WorkingCopy {
        bare: repo.workdir().is_none(),
        root,
        git_dir,
        remote_urls,
    })
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

/// Remove temporary files that killed processes left in `dir` more than a minute ago.
/// (A younger one may belong to a process that is still writing.)
pub fn sweep_temporary_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX)
            && entry.metadata().and_then(|m| m.modified()).is_ok_and(|t| {
                t.elapsed().unwrap_or_default() > std::time::Duration::from_secs(60)
            });
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Remove a git lock file left by a killed process. Callers hold the registry's own
/// lock, so no other repodex process is writing; a plain git command holding the lock
/// finishes within milliseconds, so a lock that is still there after a second is stale.
fn break_stale_lock(lock: &Path) {
    for _ in 0..20 {
        if !lock.exists() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = std::fs::remove_file(lock);
}

/// Write `content` to `target` through a temporary file in the same folder and a rename,
/// so that a reader or a crash sees the old file or the new one, never a mix.
pub fn write_atomically(target: &Path, content: &[u8]) -> Result<()> {
    let folder = target.parent().expect("registry paths have a parent");
    write_atomically_in(folder, target, content)
}

/// Prefix of the temporary files repodex writes before renaming them into place.
const TEMP_PREFIX: &str = ".repodex-";

/// [`write_atomically`], with the temporary file in `staging` (on the same file system).
fn write_atomically_in(staging: &Path, target: &Path, content: &[u8]) -> Result<()> {
    let folder = target.parent().expect("registry paths have a parent");
    std::fs::create_dir_all(folder)
        .map_err(|e| Error::io(format!("cannot create {}", folder.display()), e))?;
    let mut file = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(staging)
        .map_err(|e| Error::io(format!("cannot write in {}", staging.display()), e))?;
    file.write_all(content)
        .map_err(|e| Error::io(format!("cannot write {}", target.display()), e))?;
    file.persist(target)
        .map_err(|e| Error::io(format!("cannot write {}", target.display()), e.error))?;
    Ok(())
}

fn remove_with_empty_parents(root: &Path, path: &str) -> Result<()> {
    let target = root.join(path);
    match std::fs::remove_file(&target) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(format!("cannot remove {path}"), e)),
    }
    let mut folder = target.parent();
    while let Some(dir) = folder {
        if dir == root || std::fs::remove_dir(dir).is_err() {
            break;
        }
        folder = dir.parent();
    }
    Ok(())
}
