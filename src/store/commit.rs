//! The commit pipeline: the one place the registry's HEAD moves, and the journal that
//! lets the next process finish what a killed one started.
//!
//! Every change to the registry (a transaction's commit, a sync's fast-forward, a new
//! registry, `init --from`) goes through [`apply`], in this order:
//!
//! 1. the caller has written the objects (unreferenced until step 4) and holds
//!    `index.lock`;
//! 2. the journal is written: the base, the new commit, the paths to bring in line,
//!    the effects to run after, and `index.lock`'s record (device, inode, birth time);
//! 3. HEAD's lock files are taken (gix writes the new commit's id into them) and HEAD
//!    is checked to be at the base;
//! 4. HEAD moves (a rename of git's lock file: atomic);
//! 5. the paths are written to the work tree and the index, which releases `index.lock`;
//! 6. the post-commit effects run (this machine accepting its own recipients);
//! 7. the journal is removed.
//!
//! A process killed before step 4 leaves the old state, after it the new one. Either
//! way the next repodex command, of any kind, that can take the registry's lock finds
//! the journal ([`recover`]), removes the lock files it proves were the dead process's
//! (by record, or by holding the new commit's id; never one another process made since), and, when HEAD is at the new commit,
//! finishes steps 5 and 6. Everything else repodex keeps beside the history (the
//! catalog, git-setup's file) is derived again from HEAD when it is found stale.

use std::collections::HashMap;
use std::path::Path;

use super::layout;
use crate::git::{IndexLock, LockRecord, ObjectId, Repo};
use crate::{Error, Result};

const JOURNAL: &str = "journal";

/// Something a commit changes outside the object store, done after HEAD moved and
/// replayed from the journal after a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// This machine made the new `.age-recipients`, so it accepts it
    /// (`.git/repodex/accepted-recipients` becomes a copy of the commit's file).
    AcceptRecipients,
}

impl Effect {
    const ALL: [Effect; 1] = [Effect::AcceptRecipients];

    fn word(self) -> &'static str {
        match self {
            Effect::AcceptRecipients => "accept-recipients",
        }
    }

    fn run(self, repo: &Repo, private: &Path, commit: ObjectId) -> Result<()> {
        match self {
            Effect::AcceptRecipients => {
                let tree = repo.tree_of(commit)?;
                let text = match repo.file_at(tree, layout::RECIPIENTS_FILE)? {
                    Some(file) if file.regular => repo.read_blob(file.id, 1 << 20)?,
                    _ => Vec::new(),
                };
                write_accepted_recipients(private, &text)
            }
        }
    }
}

/// The one writer of `.git/repodex/accepted-recipients` (the commit's effect above, and
/// `recipients accept`), always under the registry's writer lock.
pub(crate) fn write_accepted_recipients(private: &Path, text: &[u8]) -> Result<()> {
    crate::git::write_atomically(&private.join(layout::ACCEPTED_RECIPIENTS), text)
}

/// A commit to bring the registry to.
pub(crate) struct Commit<'a> {
    /// The commit HEAD must be at (`None` for a registry's first commit).
    pub base: Option<ObjectId>,
    pub new: ObjectId,
    /// For the reflog: the first line is used.
    pub message: &'a str,
    /// The paths that differ between the two, to write to the work tree and index.
    pub paths: Vec<String>,
    /// Content the caller already holds for some of those paths (not read back).
    pub known: HashMap<&'a str, &'a [u8]>,
    pub effects: Vec<Effect>,
}

/// Move HEAD to `commit.new` and bring everything in line with it, in the order the
/// module documentation gives. `index` is `index.lock`, held since the caller read the
/// index into `index_file`; `private` is `.git/repodex/`, where the journal lives.
pub(crate) fn apply(
    repo: &Repo,
    private: &Path,
    index: IndexLock,
    index_file: gix::index::File,
    commit: Commit,
) -> Result<()> {
    // The journal names the new commit before HEAD's lock files exist: gix writes that
    // id into them, which is how a later process knows them for this one's.
    let journal = Journal {
        commit: Some(InFlight {
            base: commit.base,
            new: commit.new,
            paths: commit.paths,
            effects: commit.effects,
        }),
        locks: vec![index.record().clone()],
    };
    journal.write(private)?;
    let head = repo.prepare_head(commit.base, commit.new, commit.message)?;
    step(repo, "before-head");
    head.commit()?;
    step(repo, "after-head");
    let flight = journal.commit.as_ref().expect("set above");
    repo.checkout_paths(
        index,
        index_file,
        commit.base,
        commit.new,
        &flight.paths,
        &commit.known,
    )?;
    step(repo, "after-worktree");
    for effect in &flight.effects {
        effect.run(repo, private, commit.new)?;
    }
    step(repo, "after-effects");
    Journal::remove(private)?;
    step(repo, "committed");
    Ok(())
}

/// Take `index.lock` for a change, with its record in the journal before the lock file
/// exists, so that a crash at any point leaves no lock file or one the next command can
/// prove stale.
pub(crate) fn lock_index(repo: &Repo, private: &Path) -> Result<IndexLock> {
    repo.lock_index(|record| {
        Journal {
            commit: None,
            locks: vec![record.clone()],
        }
        .write(private)
    })
}

/// Forget the record of [`lock_index`]: the transaction ended without a commit.
pub(crate) fn release_held(private: &Path) {
    let _ = Journal::remove(private);
}

/// Is there a journal, so that a process may have stopped in the middle of a change?
pub(crate) fn needs_recovery(private: &Path) -> bool {
    private.join(JOURNAL).exists()
}

/// Finish what a killed process left, from its journal. The caller holds the registry's
/// lock, so the process that wrote the journal is gone (or is this one's past self).
pub(crate) fn recover(repo: &Repo, private: &Path) -> Result<()> {
    let Some(journal) = Journal::read(private) else {
        return Journal::remove(private);
    };
    for lock in &journal.locks {
        lock.remove_if_ours(repo.git_dir());
    }
    if let Some(flight) = &journal.commit {
        crate::git::remove_head_locks_of(repo, flight.new);
    }
    if let Some(flight) = journal.commit {
        if repo.head_commit()? == Some(flight.new) {
            // Recorded as the dead process's locks were: this one may die too.
            let index = repo.lock_index(|record| {
                Journal {
                    commit: Some(InFlight {
                        base: flight.base,
                        new: flight.new,
                        paths: flight.paths.clone(),
                        effects: flight.effects.clone(),
                    }),
                    locks: vec![record.clone()],
                }
                .write(private)
            })?;
            let new_tree = repo.tree_of(flight.new)?;
            let base_tree = flight.base.map(|b| repo.tree_of(b)).transpose()?;
            let mut repairable = Vec::new();
            for path in &flight.paths {
                let on_disk = repo.worktree_blob(path)?;
                let old = match base_tree {
                    Some(tree) => repo.file_at(tree, path)?.map(|f| f.id),
                    None => None,
                };
                let new = repo.file_at(new_tree, path)?.map(|f| f.id);
                // The file is as the interrupted command left it (old or new content);
                // any other content is a hand edit made since, which is not ours.
                if on_disk == old || on_disk == new {
                    repairable.push(path.clone());
                }
            }
            let index_file = repo.open_index()?;
            repo.checkout_paths(
                index,
                index_file,
                flight.base,
                flight.new,
                &repairable,
                &Default::default(),
            )?;
            for effect in &flight.effects {
                effect.run(repo, private, flight.new)?;
            }
        }
    }
    Journal::remove(private)
}

/// A named step of a commit, for the crash tests (the hooks `repo` was given,
/// [`crate::env::TestHooks`]): abort here, log that the step was reached, or linger
/// after it. Without the variables, nothing happens.
pub(crate) fn step(repo: &Repo, name: &str) {
    let hooks = &repo.commit_env().hooks;
    if hooks.failpoint.as_deref() == Some(name) {
        std::process::abort();
    }
    if let Some(log) = &hooks.step_log {
        use std::io::Write;
        // One write(2) per step, appended: what a kill leaves is every step before it.
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
        {
            let _ = file.write_all(format!("{name}\n").as_bytes());
        }
    }
    if let Some((_, pause)) = hooks.step_pause.as_ref().filter(|(at, _)| at == name) {
        std::thread::sleep(*pause);
    }
}

/// A commit in flight.
struct InFlight {
    base: Option<ObjectId>,
    new: ObjectId,
    paths: Vec<String>,
    effects: Vec<Effect>,
}

/// What the process that holds the registry's lock is doing: the git lock files it
/// holds and, during a commit, the commit.
struct Journal {
    commit: Option<InFlight>,
    locks: Vec<LockRecord>,
}

impl Journal {
    fn write(&self, private: &Path) -> Result<()> {
        let mut text = String::new();
        if let Some(flight) = &self.commit {
            if let Some(base) = flight.base {
                text.push_str(&format!("base {base}\n"));
            }
            text.push_str(&format!("new {}\n", flight.new));
            for path in &flight.paths {
                text.push_str(&format!("path {path}\n"));
            }
            for effect in &flight.effects {
                text.push_str(&format!("effect {}\n", effect.word()));
            }
        }
        for lock in &self.locks {
            text.push_str(&format!(
                "lock {} {} {} {}\n",
                lock.dev, lock.ino, lock.born, lock.path
            ));
        }
        std::fs::create_dir_all(private)
            .map_err(|e| Error::io(format!("cannot create {}", private.display()), e))?;
        crate::git::write_atomically(&private.join(JOURNAL), text.as_bytes())
    }

    fn read(private: &Path) -> Option<Journal> {
        let text = std::fs::read_to_string(private.join(JOURNAL)).ok()?;
        let (mut base, mut new) = (None, None);
        let (mut paths, mut effects, mut locks) = (Vec::new(), Vec::new(), Vec::new());
        for line in text.lines() {
            match line.split_once(' ') {
                Some(("base", id)) => base = Some(ObjectId::from_hex(id.as_bytes()).ok()?),
                Some(("new", id)) => new = Some(ObjectId::from_hex(id.as_bytes()).ok()?),
                // Only paths repodex writes are repaired, whatever the journal says.
                Some(("path", path)) if layout::is_known_path_in_any_layout(path) => {
                    paths.push(path.to_string())
                }
                Some(("effect", word)) => {
                    effects.extend(Effect::ALL.into_iter().find(|e| e.word() == word))
                }
                Some(("lock", rest)) => {
                    let mut parts = rest.splitn(4, ' ');
                    let (Some(dev), Some(ino), Some(born), Some(path)) =
                        (parts.next(), parts.next(), parts.next(), parts.next())
                    else {
                        continue;
                    };
                    if let (Ok(dev), Ok(ino), Ok(born)) = (dev.parse(), ino.parse(), born.parse()) {
                        locks.push(LockRecord {
                            path: path.to_string(),
                            dev,
                            ino,
                            born,
                        });
                    }
                }
                _ => {}
            }
        }
        let commit = new.map(|new| InFlight {
            base,
            new,
            paths,
            effects,
        });
        Some(Journal { commit, locks })
    }

    fn remove(private: &Path) -> Result<()> {
        match std::fs::remove_file(private.join(JOURNAL)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io("cannot remove the registry's journal", e)),
        }
    }
}
