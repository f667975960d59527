//! git's own lock files (`index.lock`, `HEAD.lock`, `refs/heads/main.lock`), taken the
//! way git takes them, and never taken from anyone else.
//!
//! A lock file that another process holds is waited for (with backoff, for
//! [`GIT_LOCK_WAIT`]), and then refused with [`Error::Locked`], whose message names the
//! file and says how to remove it if it is stale, as git's own message does. A lock
//! this process holds is described by a [`LockRecord`] (its path, device and inode),
//! which the store writes into its journal: after a crash, the next repodex command
//! removes exactly the files whose record proves they are the dead process's.

use std::path::Path;
use std::time::Duration;

use super::{ObjectId, Repo};
use crate::{Error, Result};

/// How long repodex waits for a git lock file that another process holds.
pub const GIT_LOCK_WAIT: Duration = Duration::from_secs(5);

/// A lock file this process created: where it is (relative to the git folder) and which
/// file it is (device, inode and the time it was made, to the nanosecond), so that a
/// later process can tell it from a lock file that someone else made at the same path
/// since. The inode alone is not enough: a file system hands a freed inode number to
/// the next file made, and git makes its lock file anew each time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockRecord {
    pub path: String,
    pub dev: u64,
    pub ino: u64,
    /// When the file was made, in nanoseconds since the epoch: its birth time where
    /// the file system keeps one, else its change time.
    pub born: u128,
}

impl LockRecord {
    fn of(git_dir: &Path, path: &str) -> Option<LockRecord> {
        LockRecord::of_path(&git_dir.join(path), path)
    }

    fn of_path(file: &Path, path: &str) -> Option<LockRecord> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::symlink_metadata(file).ok()?;
        let born = meta
            .created()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
            .unwrap_or_else(|| meta.ctime() as u128 * 1_000_000_000 + meta.ctime_nsec() as u128);
        Some(LockRecord {
            path: path.to_string(),
            dev: meta.dev(),
            ino: meta.ino(),
            born,
        })
    }

    /// The only lock files a record may name: git's index, HEAD, packed-refs and branch
    /// locks. A journal is a file on disk; what it names is checked before use.
    pub fn is_plausible(path: &str) -> bool {
        let branch = path
            .strip_prefix("refs/heads/")
            .and_then(|p| p.strip_suffix(".lock"));
        matches!(path, "index.lock" | "HEAD.lock" | "packed-refs.lock")
            || branch.is_some_and(|b| {
                !b.is_empty() && b.split('/').all(|s| !s.is_empty() && s != "." && s != "..")
            })
    }

    /// Remove the file this record names if it is still that very file (same device,
    /// inode and birth). Only called by a process that holds the registry's lock, so the process
    /// that made the record is gone.
    pub fn remove_if_ours(&self, git_dir: &Path) -> bool {
        if !LockRecord::is_plausible(&self.path) {
            return false;
        }
        match LockRecord::of(git_dir, &self.path) {
            Some(now) if now == *self => std::fs::remove_file(git_dir.join(&self.path)).is_ok(),
            _ => false,
        }
    }
}

/// The index's lock, held: the index is written into it and renamed into place.
///
/// repodex makes this lock file itself rather than through gix, so that its record can
/// be on disk before the file exists: the file is made under a temporary name, its
/// record written (the caller's journal), and only then linked to `index.lock`, which
/// fails, as git's own `O_EXCL` create does, when another process holds the lock. A
/// process killed at any point leaves no `index.lock`, or one its record proves.
pub struct IndexLock {
    file: std::fs::File,
    path: std::path::PathBuf,
    record: LockRecord,
    /// Set once the lock is committed (renamed into place) or given up.
    done: bool,
}

impl IndexLock {
    /// The record of this lock file, for the journal.
    pub fn record(&self) -> &LockRecord {
        &self.record
    }

    /// Write `bytes` as the new index and release the lock.
    pub(super) fn commit(mut self, bytes: &[u8]) -> Result<()> {
        use std::io::Write;
        let write = |e| Error::io("cannot write the registry's git index", e);
        self.file.write_all(bytes).map_err(write)?;
        self.file.flush().map_err(write)?;
        std::fs::rename(&self.path, self.path.with_extension("")).map_err(write)?;
        self.done = true;
        Ok(())
    }
}

impl Drop for IndexLock {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A move of HEAD's branch, prepared: its lock files are held, nothing has moved yet.
///
/// gix writes the new commit's id into the branch's lock file (and HEAD's) while
/// preparing, so a journal that names the new commit proves those files its own:
/// see [`remove_head_locks_of`].
pub struct HeadUpdate<'r> {
    repo: &'r Repo,
    transaction: gix::refs::file::Transaction<'r, 'r>,
    expected: Option<ObjectId>,
}

impl HeadUpdate<'_> {
    /// Move HEAD's branch: the one place the registry's history advances.
    pub fn commit(self) -> Result<()> {
        let signature = self.repo.signature();
        let mut time = gix::date::parse::TimeBuf::default();
        match self.transaction.commit(Some(signature.to_ref(&mut time))) {
            Ok(_) => Ok(()),
            Err(e) => match self.repo.head_commit() {
                Ok(now) if now != self.expected => Err(Error::Conflict),
                _ => Err(Error::git("cannot move the registry's HEAD", e)),
            },
        }
    }
}

/// The error for a lock file someone else holds.
fn locked(git_dir: &Path, path: &str, what: &str) -> Error {
    Error::Locked {
        path: git_dir.join(path),
        what: what.to_string(),
        waited: GIT_LOCK_WAIT.as_secs(),
    }
}

impl Repo {
    /// Take `index.lock`, waiting for another git process that holds it. `record` is
    /// called with the lock file's record before the lock file exists (see
    /// [`IndexLock`]); it must put it on disk.
    pub fn lock_index(&self, record: impl FnOnce(&LockRecord) -> Result<()>) -> Result<IndexLock> {
        let git_dir = self.git_dir();
        let staged = tempfile::Builder::new()
            .prefix(".repodex-lock-")
            .tempfile_in(git_dir)
            .map_err(|e| Error::io("cannot make the registry's index lock", e))?;
        let mut lock_record =
            LockRecord::of_path(staged.path(), "index.lock").ok_or_else(|| {
                Error::io(
                    "cannot make the registry's index lock",
                    std::io::Error::other("it vanished"),
                )
            })?;
        lock_record.path = "index.lock".into();
        record(&lock_record)?;
        let path = git_dir.join("index.lock");
        let deadline = std::time::Instant::now() + GIT_LOCK_WAIT;
        let mut pause = Duration::from_millis(5);
        loop {
            match std::fs::hard_link(staged.path(), &path) {
                Ok(()) => break,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if std::time::Instant::now() >= deadline {
                        return Err(locked(git_dir, "index.lock", "the registry's git index"));
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(200));
                }
                Err(e) => return Err(Error::io("cannot lock the registry's git index", e)),
            }
        }
        // The file now has two names; the temporary one goes, the lock stays.
        let (file, staged_path) = staged
            .keep()
            .map_err(|e| Error::io("cannot lock the registry's git index", e.error))?;
        let _ = std::fs::remove_file(staged_path);
        Ok(IndexLock {
            file,
            path,
            record: lock_record,
            done: false,
        })
    }

    /// Prepare to move HEAD's branch from `expected` to `new`: take its lock files
    /// (waiting for another git process that holds them), and check that it is still at
    /// `expected`, or [`Error::Conflict`].
    pub fn prepare_head(
        &self,
        expected: Option<ObjectId>,
        new: ObjectId,
        message: &str,
    ) -> Result<HeadUpdate<'_>> {
        use gix::refs::transaction::{PreviousValue, RefEdit};
        use gix::refs::Target;
        let previous = match expected {
            Some(id) => PreviousValue::MustExistAndMatch(Target::Object(id)),
            None => PreviousValue::MustNotExist,
        };
        let name: gix::refs::FullName = "HEAD".try_into().expect("HEAD is a valid ref name");
        let summary = message.lines().next().unwrap_or_default();
        let edit =
            RefEdit::update(name, new, previous, format!("repodex: {summary}")).with_deref(true);
        let branch = match self.repo.head_name() {
            Ok(Some(branch)) => format!("{}.lock", branch.as_bstr()),
            _ => "refs/heads/main.lock".to_string(),
        };
        let wait = gix::lock::acquire::Fail::AfterDurationWithBackoff(GIT_LOCK_WAIT);
        let transaction = self
            .repo
            .refs
            .transaction()
            .prepare(Some(edit), wait, wait)
            .map_err(|e| {
                for path in ["HEAD.lock", branch.as_str()] {
                    if self.git_dir().join(path).exists() {
                        return locked(self.git_dir(), path, "the registry's HEAD");
                    }
                }
                match self.head_commit() {
                    Ok(now) if now != expected => Error::Conflict,
                    _ => Error::git("cannot move the registry's HEAD", e),
                }
            })?;
        Ok(HeadUpdate {
            repo: self,
            transaction,
            expected,
        })
    }

    /// Remove the lock file of the reference `name`, for a reference no other program
    /// writes (repodex's `refs/repodex/` namespace, or a repository repodex alone keeps),
    /// while holding the lock that serializes repodex's writers of it: a lock file there
    /// can only be a killed repodex's.
    pub fn remove_own_ref_lock(&self, name: &str) {
        let _ = std::fs::remove_file(self.git_dir().join(format!("{name}.lock")));
    }

    /// Point `name` (a reference other programs write too, such as
    /// `refs/remotes/origin/main`) at `id` if nobody holds it; a lock file whose content
    /// is `id` itself is a killed repodex's earlier attempt at the same update, and goes.
    /// Best effort: the reference only helps plain git show the remote.
    pub fn mirror_reference(&self, name: &str, id: ObjectId, message: &str) {
        let lock = self.git_dir().join(format!("{name}.lock"));
        if std::fs::read(&lock).is_ok_and(|c| c == format!("{id}\n").as_bytes()) {
            let _ = std::fs::remove_file(&lock);
        }
        let _ = self.set_reference(name, id, message);
    }
}

/// Remove the lock files of HEAD and its branch that a killed repodex left while moving
/// HEAD to `new`: those whose content is `new`'s id, as gix writes it when it prepares
/// the move, or nothing yet. Only called by a process that holds the
/// registry's lock and has the dead process's journal naming `new`.
pub fn remove_head_locks_of(repo: &Repo, new: ObjectId) {
    let git_dir = repo.git_dir();
    let ours = format!("{new}\n");
    let branch = match repo.repo.head_name() {
        Ok(Some(branch)) => format!("{}.lock", branch.as_bstr()),
        _ => "refs/heads/main.lock".to_string(),
    };
    // gix creates each lock file first and writes the new id into it later: a process
    // killed in between leaves it empty. (git writes a lock file's content as soon as it
    // creates it, so an empty one beside this journal is the dead process's.)
    let ours_or_empty = |path: &Path| match std::fs::read(path) {
        Ok(content) => Some(content == ours.as_bytes() || content.is_empty()),
        Err(_) => None,
    };
    // The branch first: HEAD's lock is only taken together with it.
    let branch_lock = ours_or_empty(&git_dir.join(&branch));
    if branch_lock == Some(true) {
        let _ = std::fs::remove_file(git_dir.join(&branch));
    }
    if branch_lock != Some(false) && ours_or_empty(&git_dir.join("HEAD.lock")) == Some(true) {
        let _ = std::fs::remove_file(git_dir.join("HEAD.lock"));
    }
}
