//! What `git status --porcelain=v2 --branch --show-stash` and `git for-each-ref` say
//! about a working copy, read in-process with gix: HEAD, an operation in progress, the
//! upstream and how far apart the two are, the counts of staged, changed, untracked and
//! conflicted paths, stashes, branches that exist nowhere else, and how the clone's copy
//! of the default branch compares with a commit seen upstream.
//!
//! One clone's work stays on the calling thread, as the caller spreads clones over
//! threads: gix's status iterator (`Repository::status(..).into_iter(..)`) spawns two
//! producer threads per call, and `Repository::index_worktree_status` two more scoped
//! ones (directory walk, modification check), whatever the thread limit. So the three
//! parts are called here one after the other: `tree_index_status` (HEAD against the
//! index), gix-status's `index_as_worktree` limited to one thread (the index against the
//! work tree) and `dirwalk` (untracked files). Only a submodule that has to be checked
//! runs gix's full status inside it, threads and all.
//!
//! Nothing is written: the index is not refreshed (a file whose stat data is stale but
//! whose content is unchanged is hashed again on each read, and is not a change), no
//! lock is taken, no object is written.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use gix::bstr::{BStr, ByteSlice};
use gix::status::plumbing::index_as_worktree::{
    self, traits::SubmoduleStatus, Change, EntryStatus,
};
use gix::ObjectId;
use schemars::JsonSchema;
use serde::Serialize;

/// What `git status --porcelain=v2 --branch --show-stash` and the refs say about a
/// working copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CloneState {
    /// Where HEAD is: on a branch (perhaps unborn) or detached.
    pub head: Head,
    /// The operation in progress (rebase, merge, ...), as `git status` names it.
    pub operation: Option<Operation>,
    /// The upstream of the current branch, when one is configured (`# branch.upstream`).
    pub upstream: Option<Upstream>,
    /// Paths whose X (HEAD against the index) is not `.` in porcelain v2: a rename,
    /// detected as `status.renames`/`diff.renames` say, counts once.
    pub staged: usize,
    /// Paths whose Y (the index against the work tree) is not `.`: a submodule with new
    /// commits, changed or untracked content counts once; an intent-to-add path counts
    /// here, not in `staged`.
    pub changed: usize,
    /// `?` lines, under the user's `status.showUntrackedFiles` (normal: an untracked
    /// folder is one line; all: each file; no: none).
    pub untracked: usize,
    /// `u` lines: unmerged paths, counted neither as staged nor as changed.
    pub conflicted: usize,
    /// Entries of the stash (`# stash N`).
    pub stashes: usize,
    /// Local branches with no upstream configured and no remote-tracking ref of the same
    /// name under any remote (`refs/remotes/<anything>/<name>`), sorted.
    pub unpushed_branches: Vec<String>,
    /// How the clone's default branch compares with the commit repodex last saw at the
    /// tip of the upstream default branch; `None` when no such commit was given.
    pub default_branch: Option<BehindDefault>,
}

/// Where HEAD points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Head {
    /// On a branch: its short name (`main`; the full name when HEAD points outside
    /// `refs/heads/`), and its commit in hex, `None` while the branch is unborn.
    Branch {
        name: String,
        commit: Option<String>,
    },
    /// Detached at a commit (hex); also during a rebase.
    Detached { commit: String },
}

/// An operation in progress, as `git status` (and gix's `Repository::state`) tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Operation {
    /// `git rebase` (or the apply backend's `git rebase`).
    Rebase,
    /// `git rebase -i`.
    RebaseInteractive,
    /// `git merge` stopped before its commit.
    Merge,
    /// `git cherry-pick`, one commit or a sequence.
    CherryPick,
    /// `git revert`, one commit or a sequence.
    Revert,
    /// `git bisect`.
    Bisect,
    /// `git am`.
    ApplyMailbox,
}

/// The upstream of the current branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Upstream {
    /// The remote-tracking ref as git prints it (`origin/main`; `main` for a local
    /// upstream; longer where the short form would be ambiguous).
    pub name: String,
    /// Commits on the branch that the upstream lacks (`# branch.ab +N`); `None` when
    /// there is nothing to compare: the upstream ref is gone, or the branch is unborn.
    pub ahead: Option<usize>,
    /// Commits on the upstream that the branch lacks (`# branch.ab -N`); `None` as for
    /// `ahead`.
    pub behind: Option<usize>,
    /// The upstream is configured but its remote-tracking ref does not exist (deleted
    /// and pruned): `for-each-ref`'s `[gone]`.
    pub gone: bool,
}

/// How the clone's copy of the default branch compares with a commit repodex last saw
/// upstream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct BehindDefault {
    /// The default branch's name, as given.
    pub branch: String,
    /// The commit is not an ancestor of (nor equal to) the clone's branch of that name
    /// (of HEAD, when the clone has no such branch), or the clone lacks it.
    pub behind: bool,
    /// Commits reachable from the commit and not from the clone's branch (`0` when not
    /// behind); `None` when the clone lacks the commit.
    pub commits: Option<usize>,
}

/// Why a working copy's state could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Nothing is at the path any more.
    #[error("{} does not exist", path.display())]
    Gone { path: PathBuf },
    /// Something is at the path, but not a git working copy: a file, a folder outside
    /// any repository (or inside one without being its top), a bare repository, or a
    /// `.git` gix cannot open.
    #[error("{} is not a git working copy: {reason}", path.display())]
    NotAWorkingCopy { path: PathBuf, reason: String },
    /// The repository opened, but part of its state could not be read (a corrupt index
    /// or ref, a missing object, an invalid setting).
    #[error("cannot read the state of {}: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
}

impl ReadError {
    /// The path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            ReadError::Gone { path }
            | ReadError::NotAWorkingCopy { path, .. }
            | ReadError::Unreadable { path, .. } => path,
        }
    }
}

/// The state of the working copy at `path` (the top of its work tree), as
/// `git status --porcelain=v2 --branch --show-stash` and `git for-each-ref` would tell
/// it under the user's configuration. `upstream_default` is the default branch's name
/// and the commit repodex's mirror last saw at its tip, for
/// [`CloneState::default_branch`]. Reads only, on the calling thread.
pub fn read(
    path: &Path,
    upstream_default: Option<(&str, ObjectId)>,
) -> Result<CloneState, ReadError> {
    read_with(
        path,
        upstream_default,
        gix::open::Options::default().strict_config(false),
    )
}

/// [`read`], opening the repository with `options` (tests give an isolated
/// configuration).
fn read_with(
    path: &Path,
    upstream_default: Option<(&str, ObjectId)>,
    options: gix::open::Options,
) -> Result<CloneState, ReadError> {
    let repo = open(path, options)?;

    let head = repo.head().map_err(unreadable(path, "cannot read HEAD"))?;
    let head_commit = head.id().map(|id| id.detach());
    let branch = head.referent_name().map(|name| name.to_owned());
    let head_state = match (&branch, head_commit) {
        (Some(name), commit) => Head::Branch {
            name: branch_name(name.as_ref()),
            commit: commit.map(|id| id.to_string()),
        },
        (None, Some(commit)) => Head::Detached {
            commit: commit.to_string(),
        },
        (None, None) => {
            return Err(ReadError::Unreadable {
                path: path.to_path_buf(),
                reason: "HEAD is neither a branch nor a commit".into(),
            })
        }
    };

    let upstream = match &branch {
        Some(name) => upstream(&repo, name.as_ref(), head_commit)
            .map_err(unreadable(path, "cannot read the upstream"))?,
        None => None,
    };
    let counts = changes(&repo, path)?;
    let stashes = stashes(&repo).map_err(unreadable(path, "cannot read the stash"))?;
    let unpushed_branches =
        unpushed_branches(&repo).map_err(unreadable(path, "cannot read the branches"))?;
    let default_branch = match upstream_default {
        Some((name, commit)) => Some(
            behind_default(&repo, name, commit, head_commit)
                .map_err(unreadable(path, "cannot compare with the default branch"))?,
        ),
        None => None,
    };
    Ok(CloneState {
        head: head_state,
        operation: repo.state().map(operation),
        upstream,
        staged: counts.staged,
        changed: counts.changed,
        untracked: counts.untracked,
        conflicted: counts.conflicted,
        stashes,
        unpushed_branches,
        default_branch,
    })
}

/// Any error of gix or the file system, on its way to [`ReadError::Unreadable`].
pub(super) type Failure = Box<dyn std::error::Error + Send + Sync>;

fn unreadable<'a, E: Into<Failure>>(
    path: &'a Path,
    what: &'static str,
) -> impl FnOnce(E) -> ReadError + 'a {
    move |e| ReadError::Unreadable {
        path: path.to_path_buf(),
        reason: format!("{what}: {}", crate::text::one_line(&*e.into())),
    }
}

/// The repository whose work tree is exactly `path`: gone when nothing is there, not
/// a working copy when there is no `.git` to open (or only a bare repository),
/// unreadable when a `.git` is there but does not open.
pub(super) fn open(path: &Path, options: gix::open::Options) -> Result<gix::Repository, ReadError> {
    let not_a_copy = |reason: String| ReadError::NotAWorkingCopy {
        path: path.to_path_buf(),
        reason,
    };
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ReadError::Gone {
                path: path.to_path_buf(),
            })
        }
        Err(e) => return Err(unreadable(path, "cannot look at the folder")(e)),
        Ok(meta) if !meta.is_dir() => return Err(not_a_copy("it is not a folder".into())),
        Ok(_) => {}
    }
    let repo = match gix::open_opts(path, options) {
        Ok(repo) => repo,
        Err(e) if path.join(".git").symlink_metadata().is_ok() => {
            return Err(unreadable(path, "cannot open its repository")(e))
        }
        Err(e) => return Err(not_a_copy(crate::text::one_line(&e))),
    };
    if repo.workdir().is_none() {
        return Err(not_a_copy("it is a bare repository".into()));
    }
    Ok(repo)
}

/// A branch's name as `# branch.head` prints it: without `refs/heads/`.
pub(super) fn branch_name(name: &gix::refs::FullNameRef) -> String {
    let full = name.as_bstr();
    full.strip_prefix(b"refs/heads/")
        .unwrap_or(full)
        .to_str_lossy()
        .into_owned()
}

pub(super) fn operation(state: gix::state::InProgress) -> Operation {
    use gix::state::InProgress as P;
    match state {
        P::ApplyMailbox => Operation::ApplyMailbox,
        // `rebase-apply/` without `applying`: git calls it a rebase.
        P::ApplyMailboxRebase | P::Rebase => Operation::Rebase,
        P::RebaseInteractive => Operation::RebaseInteractive,
        P::Bisect => Operation::Bisect,
        P::CherryPick | P::CherryPickSequence => Operation::CherryPick,
        P::Merge => Operation::Merge,
        P::Revert | P::RevertSequence => Operation::Revert,
    }
}

/// The remote-tracking ref that is `branch`'s upstream, if one is configured, as git's
/// `branch_get_upstream` finds it: `branch.<name>.merge` mapped through the fetch
/// refspecs of `branch.<name>.remote`, or taken as it is when that remote is `.`.
pub(super) fn tracking_ref(
    repo: &gix::Repository,
    branch: &gix::refs::FullNameRef,
) -> Result<Option<gix::refs::FullName>, Failure> {
    use gix::remote::Direction;
    let short = branch.shorten();
    let config = repo.config_snapshot();
    if config.string_by("branch", Some(short), "merge").is_none() {
        return Ok(None);
    }
    let local = config
        .string_by("branch", Some(short), "remote")
        .is_some_and(|remote| remote.as_bstr() == ".");
    if local {
        return repo
            .branch_remote_ref_name(branch, Direction::Fetch)
            .transpose()
            .map_err(Into::into);
    }
    repo.branch_remote_tracking_ref_name(branch, Direction::Fetch)
        .transpose()
        .map_err(Into::into)
}

fn upstream(
    repo: &gix::Repository,
    branch: &gix::refs::FullNameRef,
    head_commit: Option<ObjectId>,
) -> Result<Option<Upstream>, Failure> {
    let Some(tracking) = tracking_ref(repo, branch)? else {
        return Ok(None);
    };
    let name = shorten_unambiguous(repo, tracking.as_bstr().to_str_lossy().as_ref())?;
    let tip = target(repo, tracking.as_ref())?;
    let (ahead, behind) = match (head_commit, tip) {
        (Some(ours), Some(theirs)) if ours == theirs => (Some(0), Some(0)),
        (Some(ours), Some(theirs)) => {
            let theirs = commit_of(repo, theirs)?;
            (
                Some(count_only(repo, ours, Some(theirs))?),
                Some(count_only(repo, theirs, Some(ours))?),
            )
        }
        _ => (None, None),
    };
    Ok(Some(Upstream {
        name,
        ahead,
        behind,
        gone: tip.is_none(),
    }))
}

/// The object the ref `name` points to (through symbolic refs, not through tags), if
/// the ref exists: no object is read, so an even upstream costs no object lookup.
fn target(
    repo: &gix::Repository,
    name: &gix::refs::FullNameRef,
) -> Result<Option<ObjectId>, Failure> {
    match repo.try_find_reference(name)? {
        Some(mut reference) => Ok(Some(reference.follow_to_object()?.detach())),
        None => Ok(None),
    }
}

/// The commit `id` is or (through annotated tags) points to, as git's
/// `lookup_commit_reference` peels a ref before counting.
fn commit_of(repo: &gix::Repository, id: ObjectId) -> Result<ObjectId, Failure> {
    Ok(repo.find_object(id)?.peel_tags_to_end()?.id)
}

/// The commits reachable from `tip` and not from `hidden`: `git rev-list --count
/// tip ^hidden`.
pub(super) fn count_only(
    repo: &gix::Repository,
    tip: ObjectId,
    hidden: Option<ObjectId>,
) -> Result<usize, Failure> {
    if Some(tip) == hidden {
        return Ok(0);
    }
    let mut count = 0;
    for info in repo.rev_walk([tip]).with_hidden(hidden).all()? {
        info?;
        count += 1;
    }
    Ok(count)
}

/// git's `refs_shorten_unambiguous_ref` (non-strict), as `# branch.upstream` prints a
/// ref: the shortest form that no rule before it in `ref_rev_parse_rules` would read as
/// another existing ref (`origin/main`, or `remotes/origin/main` beside a branch
/// `origin/main`).
fn shorten_unambiguous(repo: &gix::Repository, full: &str) -> Result<String, Failure> {
    const RULES: [(&str, &str); 6] = [
        ("", ""),
        ("refs/", ""),
        ("refs/tags/", ""),
        ("refs/heads/", ""),
        ("refs/remotes/", ""),
        ("refs/remotes/", "/HEAD"),
    ];
    // Exact lookups: gix's own find tries each name under `tags/`, `heads/` and
    // `remotes/` too, and stats packed-refs each time.
    let packed = repo.refs.cached_packed_buffer()?;
    let exists = |name: &str| {
        let loose = |dir: &Path| dir.join(name).is_file();
        loose(repo.git_dir())
            || (repo.common_dir() != repo.git_dir() && loose(repo.common_dir()))
            || (name.starts_with("refs/")
                && packed
                    .as_ref()
                    .is_some_and(|packed| matches!(packed.try_find(name), Ok(Some(_)))))
    };
    for i in (1..RULES.len()).rev() {
        let (prefix, suffix) = RULES[i];
        let Some(short) = full
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
            .filter(|short| !short.is_empty())
        else {
            continue;
        };
        let ambiguous = RULES[..i].iter().any(|(other_prefix, other_suffix)| {
            exists(&format!("{other_prefix}{short}{other_suffix}"))
        });
        if !ambiguous {
            return Ok(short.to_string());
        }
    }
    Ok(full.to_string())
}

/// The counts of the porcelain's path lines.
#[derive(Default)]
struct Counts {
    staged: usize,
    changed: usize,
    untracked: usize,
    conflicted: usize,
}

fn changes(repo: &gix::Repository, path: &Path) -> Result<Counts, ReadError> {
    let index = repo
        .index_or_empty()
        .map_err(unreadable(path, "cannot read the index"))?;
    let mut counts = Counts {
        conflicted: conflicted_paths(&index),
        ..Counts::default()
    };

    // HEAD against the index (X), with rename detection as configured.
    let head_tree = repo
        .head_tree_id_or_empty()
        .map_err(unreadable(path, "cannot read HEAD's tree"))?
        .detach();
    if !cache_tree_is(&index, head_tree) {
        let renames = renames(repo).map_err(unreadable(path, "invalid rename setting"))?;
        let full = expanded(repo, &index)
            .map_err(unreadable(path, "cannot read the sparse index's trees"))?;
        repo.tree_index_status(&head_tree, &full, None, renames, |_change, _, _| {
            counts.staged += 1;
            Ok(std::ops::ControlFlow::Continue(()))
        })
        .map_err(unreadable(path, "cannot compare HEAD with the index"))?;
    }

    // The index against the work tree (Y), on this thread.
    counts.changed = worktree_changes(repo, &index).map_err(unreadable(
        path,
        "cannot compare the index with the work tree",
    ))?;

    // Untracked files, as `status.showUntrackedFiles` asks.
    if let Some(mode) = untracked_mode(repo).map_err(|reason| ReadError::Unreadable {
        path: path.to_path_buf(),
        reason,
    })? {
        let options = repo
            .dirwalk_options()
            .map_err(unreadable(path, "cannot list untracked files"))?
            .emit_untracked(mode);
        let mut untracked = Untracked(0);
        repo.dirwalk(
            &index,
            None::<&str>,
            &AtomicBool::new(false),
            options,
            &mut untracked,
        )
        .map_err(unreadable(path, "cannot list untracked files"))?;
        counts.untracked = untracked.0;
    }
    Ok(counts)
}

/// The index with each sparse-directory entry (of a sparse index, `index.sparse`)
/// replaced by the files of its tree, as git expands it to compare with HEAD: gix's
/// index diff refuses sparse entries. An index that is not sparse is used as it is.
fn expanded<'a>(
    repo: &gix::Repository,
    index: &'a gix::index::State,
) -> Result<std::borrow::Cow<'a, gix::index::State>, Failure> {
    use gix::index::entry::{Flags, Mode, Stat};
    if !index.is_sparse() {
        return Ok(std::borrow::Cow::Borrowed(index));
    }
    let mut full = gix::index::State::new(repo.object_hash());
    for entry in index.entries() {
        let path = entry.path(index);
        if !entry.mode.is_sparse() {
            full.dangerously_push_entry(entry.stat, entry.id, entry.flags, entry.mode, path);
            continue;
        }
        let mut files = gix::traverse::tree::Recorder::default();
        repo.find_tree(entry.id)?
            .traverse()
            .breadthfirst(&mut files)?;
        let folder = path.strip_suffix(b"/").unwrap_or(path);
        for file in files.records.iter().filter(|r| !r.mode.is_tree()) {
            let mut file_path = gix::bstr::BString::from(folder);
            file_path.push(b'/');
            file_path.extend_from_slice(&file.filepath);
            full.dangerously_push_entry(
                Stat::default(),
                file.oid,
                Flags::SKIP_WORKTREE,
                Mode::from(file.mode),
                file_path.as_ref(),
            );
        }
    }
    full.sort_entries();
    Ok(std::borrow::Cow::Owned(full))
}

/// Whether the index's cache-tree (git's `TREE` extension) says the index holds exactly
/// `tree`: its root valid and covering every entry, none unmerged or intent-to-add.
/// Then HEAD and the index do not differ, without building an index from HEAD's tree.
/// git keeps the root valid only while it matches the entries (any change to the
/// entries invalidates the trees above them); `git commit` writes its tree from it.
fn cache_tree_is(index: &gix::index::State, tree: ObjectId) -> bool {
    let Some(root) = index.tree() else {
        return false;
    };
    root.id == tree
        && root.num_entries.map(|n| n as usize) == Some(index.entries().len())
        && index.entries().iter().all(|e| {
            e.stage_raw() == 0 && !e.flags.contains(gix::index::entry::Flags::INTENT_TO_ADD)
        })
}

/// Rename detection between HEAD and the index as `git status` configures it:
/// `status.renames`, else `diff.renames` (a boolean or `copies`), on by default;
/// `status.renameLimit`, else `diff.renameLimit`, 1000 by default; empty files too
/// (git's `--rename-empty` is on).
///
/// gix's own `TrackRenames::AsConfigured` reads `merge.renames` and `merge.renameLimit`
/// where it means the `status.` keys (its `Status::RENAMES` key is declared in the
/// `merge` section) and skips empty files. Copies are not looked for even under
/// `copies`: a copy is one line where an addition would be, so the count is the same,
/// and gix's copy detection drops the modification of the file it copies from.
fn renames(repo: &gix::Repository) -> Result<gix::status::tree_index::TrackRenames, Failure> {
    use gix::diff::Rewrites;
    use gix::status::tree_index::TrackRenames;
    let config = repo.config_snapshot();
    // Whether the key turns detection on, if it is set.
    let setting = |key: &str| -> Result<Option<bool>, String> {
        let text = config
            .string(key)
            .map(|value| value.to_str_lossy().to_ascii_lowercase());
        if matches!(text.as_deref(), Some("copies" | "copy")) {
            return Ok(Some(true));
        }
        match (config.boolean(key), text) {
            (Some(on), _) => Ok(Some(on)),
            (None, None) => Ok(None),
            (None, Some(value)) => {
                Err(format!("{key} is '{value}'; git reads a boolean or copies"))
            }
        }
    };
    let detect = match setting("status.renames")? {
        Some(on) => on,
        None => setting("diff.renames")?.unwrap_or(true),
    };
    if !detect {
        return Ok(TrackRenames::Disabled);
    }
    let limit = ["status.renameLimit", "diff.renameLimit"]
        .iter()
        .find_map(|key| config.integer(key))
        .map_or(1000, |limit| usize::try_from(limit).unwrap_or(0));
    Ok(TrackRenames::Given(Rewrites {
        copies: None,
        limit,
        track_empty: true,
        ..Rewrites::default()
    }))
}

/// Paths with unmerged entries (stage 1 to 3) in the index: `u` lines.
fn conflicted_paths(index: &gix::index::State) -> usize {
    let mut count = 0;
    let mut last: Option<&BStr> = None;
    for entry in index.entries() {
        if entry.stage_raw() == 0 {
            continue;
        }
        let path = entry.path(index);
        if last != Some(path) {
            count += 1;
            last = Some(path);
        }
    }
    count
}

/// How `status.showUntrackedFiles` asks for untracked files: `None` for none, as git
/// reads the value (a boolean, or `no`, `normal`, `all` in any case).
fn untracked_mode(repo: &gix::Repository) -> Result<Option<gix::dir::walk::EmissionMode>, String> {
    use gix::dir::walk::EmissionMode;
    let config = repo.config_snapshot();
    let Some(value) = config.string("status.showUntrackedFiles") else {
        return Ok(Some(EmissionMode::CollapseDirectory));
    };
    let value = value.to_str_lossy().to_ascii_lowercase();
    match value.as_str() {
        "no" | "false" | "off" | "0" | "" => Ok(None),
        "normal" | "true" | "yes" | "on" | "1" => Ok(Some(EmissionMode::CollapseDirectory)),
        "all" => Ok(Some(EmissionMode::Matching)),
        other => Err(format!(
            "status.showUntrackedFiles is '{other}'; git reads no, normal or all"
        )),
    }
}

/// Counts untracked entries of a directory walk.
struct Untracked(usize);

impl gix::dir::walk::Delegate for Untracked {
    fn emit(
        &mut self,
        entry: gix::dir::EntryRef<'_>,
        _collapsed_directory_status: Option<gix::dir::entry::Status>,
    ) -> gix::dir::walk::Action {
        if entry.status == gix::dir::entry::Status::Untracked {
            self.0 += 1;
        }
        std::ops::ControlFlow::Continue(())
    }
}

/// The paths whose work-tree file differs from the index: gix-status's
/// `index_as_worktree` with the setup gix's `index_worktree_status` gives it, on one
/// thread.
fn worktree_changes(repo: &gix::Repository, index: &gix::index::State) -> Result<usize, Failure> {
    use gix::worktree::stack::state::attributes::Source;
    let workdir = repo
        .workdir()
        .expect("open() refuses repositories without a work tree");
    let attributes = repo
        .attributes_only(index, Source::WorktreeThenIdMapping)?
        .detach();
    let (filter, _) = gix::filter::Pipeline::new(repo, attributes.clone())?.into_parts();
    let (pathspec, _) = repo
        .pathspec(
            false,
            None::<&str>,
            true,
            index,
            Source::WorktreeThenIdMapping,
        )?
        .into_parts();
    let submodules = Submodules(
        index
            .entries()
            .iter()
            .any(|e| e.mode.is_submodule())
            .then(|| repo.clone()),
    );
    let objects = repo.objects.clone().into_arc()?;
    let interrupt = AtomicBool::new(false);
    let mut changed = Changed::default();
    gix::status::plumbing::index_as_worktree(
        index,
        workdir,
        &mut changed,
        index_as_worktree::traits::FastEq,
        submodules,
        objects,
        &mut gix::progress::Discard,
        index_as_worktree::Context {
            pathspec,
            stack: attributes,
            filter,
            should_interrupt: &interrupt,
        },
        index_as_worktree::Options {
            fs: repo.filesystem_options()?,
            thread_limit: Some(1),
            stat: repo.stat_options()?,
            fscache: false,
        },
    )?;
    Ok(changed.count - worktree_renames(repo, index, &changed)?)
}

/// Counts the index entries that the work tree changes (`Y` not `.`), keeping what a
/// worktree rename needs: the blobs of deleted files and the paths of intent-to-add ones.
#[derive(Default)]
struct Changed {
    count: usize,
    removed: Vec<ObjectId>,
    intent_to_add: Vec<gix::bstr::BString>,
}

impl<'index> index_as_worktree::VisitEntry<'index> for Changed {
    type ContentChange = ();
    type SubmoduleStatus = ();

    fn visit_entry(
        &mut self,
        _entries: &'index [gix::index::Entry],
        entry: &'index gix::index::Entry,
        _entry_index: usize,
        rela_path: &'index BStr,
        status: EntryStatus<(), ()>,
    ) {
        match status {
            // Counted from the index's stages: a `u` line, not a `.M`.
            EntryStatus::Conflict { .. } => {}
            // Stale stat data, same content: git refreshes it silently.
            EntryStatus::NeedsUpdate(_) => {}
            // `git add -N`: `.A`.
            EntryStatus::IntentToAdd => {
                self.count += 1;
                self.intent_to_add.push(rela_path.to_owned());
            }
            EntryStatus::Change(Change::Removed) => {
                self.count += 1;
                if !entry.mode.is_submodule()
                    && !entry
                        .flags
                        .contains(gix::index::entry::Flags::INTENT_TO_ADD)
                {
                    self.removed.push(entry.id);
                }
            }
            EntryStatus::Change(
                Change::Type { .. }
                | Change::Modification { .. }
                | Change::SubmoduleModification(_),
            ) => self.count += 1,
        }
    }
}

/// How many intent-to-add files git pairs with deleted ones as renames in the work
/// tree (one `.R` line where there would be a `.D` and a `.A`), when rename detection
/// is on: those whose content, as git would store it, is exactly a deleted file's.
/// git also pairs similar content; that is not looked for.
fn worktree_renames(
    repo: &gix::Repository,
    index: &gix::index::State,
    changed: &Changed,
) -> Result<usize, Failure> {
    if changed.removed.is_empty()
        || changed.intent_to_add.is_empty()
        || matches!(
            renames(repo)?,
            gix::status::tree_index::TrackRenames::Disabled
        )
    {
        return Ok(0);
    }
    let workdir = repo
        .workdir()
        .expect("open() refuses repositories without a work tree");
    let (mut pipeline, _) = repo.filter_pipeline(None)?;
    let mut removed = changed.removed.clone();
    let mut pairs = 0;
    let mut content = Vec::new();
    for path in &changed.intent_to_add {
        let rela_path = gix::path::from_bstr(path.as_bstr())?;
        let Ok(file) = std::fs::File::open(workdir.join(&rela_path)) else {
            continue;
        };
        content.clear();
        std::io::Read::read_to_end(
            &mut pipeline.convert_to_git(file, &rela_path, index)?,
            &mut content,
        )?;
        let id = gix::objs::compute_hash(repo.object_hash(), gix::objs::Kind::Blob, &content)?;
        if let Some(at) = removed.iter().position(|r| *r == id) {
            removed.swap_remove(at);
            pairs += 1;
        }
    }
    Ok(pairs)
}

/// Whether a submodule counts as changed, as `git status` decides: its checked-out
/// commit differs from the index's, or (unless its `ignore` setting says otherwise) it
/// has changes or untracked files. `None` where the index has no submodule, which
/// spares a second handle on the repository.
///
/// gix's `BuiltinSubmoduleStatus` (in `AsConfigured` mode) lets `diff.ignoreSubmodules`
/// override each submodule's own `ignore`; git's status does not read that setting, so
/// the submodule's own setting (superproject config over `.gitmodules`) is used here.
/// A gitlink that `.gitmodules` does not name (`git add` of a nested repository) is
/// still looked at by git through its path; so it is here.
#[derive(Clone)]
struct Submodules(Option<gix::Repository>);

impl SubmoduleStatus for Submodules {
    type Output = ();

    fn status(&mut self, entry: &gix::index::Entry, rela_path: &BStr) -> gix::Result<Option<()>> {
        let Some(repo) = &self.0 else {
            return Ok(None);
        };
        let registered = match repo.submodules()? {
            Some(mut all) => all.find(|sm| sm.path().is_ok_and(|path| path == rela_path)),
            None => None,
        };
        let dirty = match registered {
            Some(submodule) => {
                let ignore = submodule.ignore()?.unwrap_or_default();
                submodule.status(ignore, true)?.is_dirty()
            }
            None => unregistered_is_dirty(repo, entry, rela_path)?,
        };
        Ok(dirty.unwrap_or(false).then_some(()))
    }
}

/// A gitlink without a `.gitmodules` entry: changed if the repository at its path has
/// another HEAD than the index records, or any change or untracked file. `None` when
/// nothing is checked out there.
fn unregistered_is_dirty(
    repo: &gix::Repository,
    entry: &gix::index::Entry,
    rela_path: &BStr,
) -> gix::Result<Option<bool>> {
    let Some(workdir) = repo.workdir() else {
        return Ok(None);
    };
    let path = workdir.join(gix::path::from_bstr(rela_path)?);
    let Ok(inner) = gix::open_opts(path, repo.open_options().clone()) else {
        return Ok(None);
    };
    if inner.head_id().ok().map(|id| id.detach()) != Some(entry.id) {
        return Ok(Some(true));
    }
    let mut changes = inner
        .status(gix::progress::Discard)?
        .index_worktree_submodules(None)
        .into_iter(None)?;
    Ok(Some(changes.next().transpose()?.is_some()))
}

/// Entries in the stash's reflog.
fn stashes(repo: &gix::Repository) -> Result<usize, Failure> {
    let Some(stash) = repo.try_find_reference("refs/stash")? else {
        return Ok(0);
    };
    let mut log = stash.log_iter();
    let Some(entries) = log.all()? else {
        return Ok(0);
    };
    let mut count = 0;
    for entry in entries {
        entry?;
        count += 1;
    }
    Ok(count)
}

/// Local branches with no upstream configured and no `refs/remotes/<remote>/<name>`.
fn unpushed_branches(repo: &gix::Repository) -> Result<Vec<String>, Failure> {
    let references = repo.references()?;
    // Every name a remote-tracking ref could stand for: `refs/remotes/a/b/c` is the
    // branch `b/c` of a remote `a`, or `c` of a remote `a/b`.
    let mut remote_names: HashSet<String> = HashSet::new();
    for reference in references.remote_branches()? {
        let reference = reference?;
        let name = reference.name().as_bstr().to_str_lossy();
        let rest = name.strip_prefix("refs/remotes/").unwrap_or(&name);
        for (at, _) in rest.match_indices('/') {
            remote_names.insert(rest[at + 1..].to_string());
        }
    }
    let mut unpushed = Vec::new();
    for reference in references.local_branches()? {
        let reference = reference?;
        let name = branch_name(reference.name());
        if remote_names.contains(&name) || tracking_ref(repo, reference.name())?.is_some() {
            continue;
        }
        unpushed.push(name);
    }
    unpushed.sort();
    Ok(unpushed)
}

fn behind_default(
    repo: &gix::Repository,
    branch: &str,
    commit: ObjectId,
    head_commit: Option<ObjectId>,
) -> Result<BehindDefault, Failure> {
    let local = match gix::refs::FullName::try_from(format!("refs/heads/{branch}")) {
        Ok(name) => target(repo, name.as_ref())?.or(head_commit),
        Err(_) => head_commit,
    };
    if !repo.has_object(commit) {
        return Ok(BehindDefault {
            branch: branch.to_string(),
            behind: true,
            commits: None,
        });
    }
    let commits = match local {
        Some(local) if local == commit => 0,
        Some(local) => count_only(repo, commit, Some(commit_of(repo, local)?))?,
        None => count_only(repo, commit, None)?,
    };
    Ok(BehindDefault {
        branch: branch.to_string(),
        behind: commits > 0,
        commits: Some(commits),
    })
}

#[cfg(test)]
mod tests;
