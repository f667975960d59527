//! The work tree and index: bringing paths in line with a commit, comparing them with
//! it, and writing files so that a crash never leaves half of one.

use std::io::Write;
use std::path::Path;

use gix::bstr::{BStr, ByteSlice};

use super::{git_err, IndexLock, ObjectId, PathState, Repo};
use crate::{Error, Result};

impl Repo {
    /// The index, read once per commit (with [`Repo::lock_index`] held) and handed to [`Repo::path_states`] and
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
        lock: IndexLock,
        mut index: gix::index::File,
        base: Option<ObjectId>,
        commit: ObjectId,
        paths: &[String],
        known: &std::collections::HashMap<&str, &[u8]>,
    ) -> Result<()> {
        let tree = self.tree_of(commit)?;
        let base_tree = base.map(|b| self.tree_of(b)).transpose()?;
        let old_cache_tree = index.remove_tree();
        let touched: std::collections::HashSet<&[u8]> =
            paths.iter().map(|p| p.as_bytes()).collect();
        index.remove_entries(|_, p, _| touched.contains(p.as_bytes()));
        let files = self.files_at(tree, paths)?;
        // The files to write, with their content (read here: the object store's handle
        // stays on this thread), and the paths to remove.
        let mut writes: Vec<(&String, ObjectId, std::borrow::Cow<[u8]>)> = Vec::new();
        for (path, file) in paths.iter().zip(files) {
            match file {
                Some(file) if file.regular => {
                    let content = match known.get(path.as_str()) {
                        Some(content) => std::borrow::Cow::Borrowed(*content),
                        None => std::borrow::Cow::Owned(self.read_blob(file.id, usize::MAX)?),
                    };
                    writes.push((path, file.id, content));
                }
                _ => remove_with_empty_parents(&self.workdir, path)?,
            }
        }
        // Creating a file is mostly the kernel allocating its inode (and its folders'),
        // which runs on every core: an import writes thousands.
        let (staging, workdir) = (self.repo.git_dir(), &self.workdir);
        let written = crate::parallel::map(
            &writes,
            WRITES_PER_THREAD,
            || (),
            |(), (path, _, content)| -> Result<gix::index::entry::Stat> {
                let target = workdir.join(path);
                // Stage in .git/, not beside the file: a process killed between
                // writing and renaming must not leave an untracked file in the work tree.
                write_atomically_in(staging, &target, content)?;
                let metadata = gix::index::fs::Metadata::from_path_no_follow(&target)
                    .map_err(|e| Error::io(format!("cannot stat {path}"), e))?;
                gix::index::entry::Stat::from_fs(&metadata)
                    .map_err(git_err("cannot read a file's time stamps"))
            },
        );
        for ((path, id, _), stat) in writes.iter().zip(written) {
            index.dangerously_push_entry(
                stat?,
                *id,
                gix::index::entry::Flags::empty(),
                gix::index::entry::Mode::FILE,
                path.as_bytes().as_bstr(),
            );
        }
        index.sort_entries();
        let cache_tree = self.cache_tree(&index, old_cache_tree, base_tree, tree, paths)?;
        self.write_index(lock, &index, &cache_tree)
    }
}

/// Below this many files, a checkout writes them on the calling thread.
const WRITES_PER_THREAD: usize = 64;

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
