//! Each state a clone can be in, made with the plain git binary, read by [`super::read`]
//! and compared with what `git status --porcelain=v2 --branch --show-stash` and
//! `git for-each-ref` say about the same clone: the two cannot disagree on any state
//! tested here. Every read also checks that nothing was written (the index's bytes, no
//! `index.lock`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{BehindDefault, CloneState, Head, Operation, ReadError, Upstream};
use gix::ObjectId;

/// A sandbox: a HOME with its own global git config, an upstream bare repository
/// `origin.git` whose `main` has two commits (`README` then `file`), and clones of it.
struct Lab {
    _root: tempfile::TempDir,
    root: PathBuf,
    home: PathBuf,
    /// The global settings this test added, given to gix as overrides (the isolated
    /// gix reads no global file; git reads them from `$HOME/.gitconfig`).
    globals: Vec<String>,
}

impl Lab {
    fn new() -> Lab {
        let root_dir = tempfile::tempdir().unwrap();
        let root = root_dir.path().canonicalize().unwrap();
        let home = root.join("home");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::write(
            home.join(".gitconfig"),
            "[user]\n\tname = T\n\temail = t@example.com\n\
             [init]\n\tdefaultBranch = main\n\
             [protocol \"file\"]\n\tallow = always\n\
             [advice]\n\tdetachedHead = false\n",
        )
        .unwrap();
        let lab = Lab {
            _root: root_dir,
            root,
            home,
            globals: Vec::new(),
        };
        let seed = lab.root.join("seed");
        lab.git(&lab.root, &["init", "-q", "seed"]);
        write(&seed, "README", "hello\n");
        lab.git(&seed, &["add", "README"]);
        lab.git(&seed, &["commit", "-qm", "one"]);
        write(&seed, "file", "base\n");
        lab.git(&seed, &["add", "file"]);
        lab.git(&seed, &["commit", "-qm", "two"]);
        lab.git(&lab.root, &["clone", "-q", "--bare", "seed", "origin.git"]);
        lab
    }

    /// A global setting, seen by git (in `$HOME/.gitconfig`) and by gix.
    fn global(&mut self, key: &str, value: &str) {
        self.git(&self.root, &["config", "--global", key, value]);
        self.globals.push(format!("{key}={value}"));
    }

    fn command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        cmd.current_dir(dir)
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("GIT_CONFIG_GLOBAL", self.home.join(".gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("LC_ALL", "C")
            .env("GIT_EDITOR", "true")
            .env("GIT_MERGE_AUTOEDIT", "no")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_CONFIG_PARAMETERS")
            .args(args);
        cmd
    }

    /// Runs git, which must succeed; its standard output.
    fn git(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.command(dir, args).output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?} in {}: {out:?}",
            dir.display()
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs git, which may fail (a conflicting merge or rebase).
    fn git_may_fail(&self, dir: &Path, args: &[&str]) -> Output {
        self.command(dir, args).output().unwrap()
    }

    /// A new clone of `origin.git` called `name`, on `main` tracking `origin/main`.
    fn clone(&self, name: &str) -> PathBuf {
        self.git(&self.root, &["clone", "-q", "origin.git", name]);
        self.root.join(name)
    }

    fn commit(&self, dir: &Path, file: &str, content: &str, message: &str) {
        write(dir, file, content);
        self.git(dir, &["add", file]);
        self.git(dir, &["commit", "-qm", message]);
    }

    /// A commit on origin's `main` made from another clone, not yet fetched by the others.
    fn push_upstream(&self, file: &str, content: &str) -> String {
        let other = self.root.join("other");
        if !other.exists() {
            self.clone("other");
        } else {
            self.git(&other, &["pull", "-q", "--ff-only"]);
        }
        self.commit(&other, file, content, "upstream change");
        self.git(&other, &["push", "-q", "origin", "main"]);
        self.git(&other, &["rev-parse", "HEAD"]).trim().to_string()
    }

    /// [`super::read`] as repodex calls it, but with gix isolated from this machine's
    /// own git configuration and given this lab's global settings instead; also checks
    /// that the read wrote nothing.
    fn read(&self, dir: &Path, default: Option<(&str, ObjectId)>) -> CloneState {
        let git_dir = self.git(dir, &["rev-parse", "--absolute-git-dir"]);
        let index = Path::new(git_dir.trim()).join("index");
        let before = std::fs::read(&index).ok();
        let state = super::read_with(dir, default, self.options())
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
        assert_eq!(
            std::fs::read(&index).ok(),
            before,
            "reading {} leaves its index as it was",
            dir.display()
        );
        assert!(
            !index.with_extension("lock").exists(),
            "reading {} leaves no index.lock",
            dir.display()
        );
        state
    }

    fn options(&self) -> gix::open::Options {
        gix::open::Options::isolated()
            .strict_config(false)
            .config_overrides(self.globals.clone())
    }

    /// What git says about the clone at `dir`.
    fn by_git(&self, dir: &Path, default: Option<(&str, ObjectId)>) -> CloneState {
        let porcelain = self.git(
            dir,
            &["status", "--porcelain=v2", "--branch", "--show-stash"],
        );
        let mut oid = None;
        let mut branch = None;
        let mut upstream_name = None;
        let mut ab = None;
        let mut stashes = 0;
        let (mut staged, mut changed, mut untracked, mut conflicted) = (0, 0, 0, 0);
        for line in porcelain.lines() {
            let fields: Vec<&str> = line.split(' ').collect();
            match fields[0] {
                "#" => match fields[1] {
                    "branch.oid" => oid = Some(fields[2].to_string()),
                    "branch.head" => branch = Some(fields[2].to_string()),
                    "branch.upstream" => upstream_name = Some(fields[2].to_string()),
                    "branch.ab" => {
                        let n = |s: &str| s[1..].parse::<usize>().unwrap();
                        ab = Some((n(fields[2]), n(fields[3])));
                    }
                    "stash" => stashes = fields[2].parse().unwrap(),
                    other => panic!("unknown header {other}"),
                },
                "1" | "2" => {
                    let xy = fields[1].as_bytes();
                    staged += usize::from(xy[0] != b'.');
                    changed += usize::from(xy[1] != b'.');
                }
                "u" => conflicted += 1,
                "?" => untracked += 1,
                "!" => {}
                other => panic!("unknown porcelain line {other}: {line}"),
            }
        }
        let oid = oid.expect("git prints # branch.oid");
        let branch = branch.expect("git prints # branch.head");
        let head = if branch == "(detached)" {
            Head::Detached { commit: oid }
        } else {
            Head::Branch {
                name: branch.clone(),
                commit: (oid != "(initial)").then_some(oid),
            }
        };
        let upstream = upstream_name.map(|name| {
            let track = self.git(
                dir,
                &[
                    "for-each-ref",
                    "--format=%(upstream:track)",
                    &format!("refs/heads/{branch}"),
                ],
            );
            Upstream {
                name,
                ahead: ab.map(|(ahead, _)| ahead),
                behind: ab.map(|(_, behind)| behind),
                gone: track.trim() == "[gone]",
            }
        });

        // for-each-ref: local branches with their upstream, and every remote-tracking ref.
        let remote_refs = self.git(
            dir,
            &["for-each-ref", "--format=%(refname)", "refs/remotes"],
        );
        let remote_refs: Vec<&str> = remote_refs.lines().collect();
        let locals = self.git(
            dir,
            &[
                "for-each-ref",
                "--format=%(refname:lstrip=2) %(upstream)",
                "refs/heads",
            ],
        );
        let mut unpushed_branches: Vec<String> = locals
            .lines()
            .filter_map(|line| {
                let (name, upstream) = line.split_once(' ').unwrap();
                let elsewhere = remote_refs.iter().any(|r| {
                    r.strip_prefix("refs/remotes/")
                        .and_then(|rest| rest.strip_suffix(name))
                        .is_some_and(|remote| remote.len() > 1 && remote.ends_with('/'))
                });
                (upstream.is_empty() && !elsewhere).then(|| name.to_string())
            })
            .collect();
        unpushed_branches.sort();

        let default_branch = default.map(|(name, commit)| {
            let commit = commit.to_string();
            let present = self
                .git_may_fail(dir, &["cat-file", "-e", &format!("{commit}^{{commit}}")])
                .status
                .success();
            let local = format!("refs/heads/{name}");
            let local = if self
                .git_may_fail(dir, &["rev-parse", "--verify", "-q", &local])
                .status
                .success()
            {
                local
            } else {
                "HEAD".to_string()
            };
            let commits = present.then(|| {
                self.git(dir, &["rev-list", "--count", &commit, "--not", &local])
                    .trim()
                    .parse::<usize>()
                    .unwrap()
            });
            BehindDefault {
                branch: name.to_string(),
                behind: commits != Some(0),
                commits,
            }
        });

        CloneState {
            head,
            operation: self.operation_by_git(dir),
            upstream,
            staged,
            changed,
            untracked,
            conflicted,
            stashes,
            unpushed_branches,
            default_branch,
        }
    }

    /// The operation in progress, as git's long status words it (in the order git
    /// checks them).
    fn operation_by_git(&self, dir: &Path) -> Option<Operation> {
        let long = self.git(dir, &["status"]);
        let says = |text: &str| long.contains(text);
        if says("You have unmerged paths.")
            || says("All conflicts fixed but you are still merging.")
        {
            Some(Operation::Merge)
        } else if says("You are in the middle of an am session.") {
            Some(Operation::ApplyMailbox)
        } else if says("interactive rebase in progress") {
            Some(Operation::RebaseInteractive)
        } else if says("rebase in progress") {
            Some(Operation::Rebase)
        } else if says("You are currently cherry-picking") {
            Some(Operation::CherryPick)
        } else if says("You are currently reverting") {
            Some(Operation::Revert)
        } else if says("You are currently bisecting") {
            Some(Operation::Bisect)
        } else {
            None
        }
    }

    /// Reads the clone at `dir` and asserts that it agrees with git, field by field;
    /// `what` names the state for the messages.
    fn check(&self, dir: &Path, what: &str) -> CloneState {
        self.check_with(dir, None, what)
    }

    fn check_with(&self, dir: &Path, default: Option<(&str, ObjectId)>, what: &str) -> CloneState {
        let ours = self.read(dir, default);
        let git = self.by_git(dir, default);
        assert_eq!(ours.head, git.head, "{what}: HEAD as git status prints it");
        assert_eq!(
            ours.operation, git.operation,
            "{what}: the operation git status reports"
        );
        assert_eq!(
            ours.upstream, git.upstream,
            "{what}: the upstream and # branch.ab"
        );
        assert_eq!(
            ours.staged, git.staged,
            "{what}: staged, as porcelain X columns count"
        );
        assert_eq!(
            ours.changed, git.changed,
            "{what}: changed, as porcelain Y columns count"
        );
        assert_eq!(
            ours.untracked, git.untracked,
            "{what}: untracked, as ? lines count"
        );
        assert_eq!(
            ours.conflicted, git.conflicted,
            "{what}: conflicted, as u lines count"
        );
        assert_eq!(ours.stashes, git.stashes, "{what}: # stash N");
        assert_eq!(
            ours.unpushed_branches, git.unpushed_branches,
            "{what}: unpushed branches, from for-each-ref"
        );
        assert_eq!(
            ours.default_branch, git.default_branch,
            "{what}: the default branch against the commit, as rev-list counts"
        );
        assert_eq!(ours, git, "{what}: the whole state");
        ours
    }
}

fn write(dir: &Path, file: &str, content: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

fn id(hex: &str) -> ObjectId {
    ObjectId::from_hex(hex.trim().as_bytes()).unwrap()
}

fn on_main(state: &CloneState) -> bool {
    matches!(&state.head, Head::Branch { name, commit: Some(_) } if name == "main")
}

/// The counts of a state, in the order staged, changed, untracked, conflicted.
fn counts(state: &CloneState) -> [usize; 4] {
    [
        state.staged,
        state.changed,
        state.untracked,
        state.conflicted,
    ]
}

#[test]
fn a_fresh_clone_is_clean_and_even_with_its_upstream() {
    let lab = Lab::new();
    let clone = lab.clone("clean");
    let state = lab.check(&clone, "clean");
    assert!(on_main(&state), "clean: on main with a commit");
    assert_eq!(state.operation, None, "clean: no operation");
    assert_eq!(
        state.upstream,
        Some(Upstream {
            name: "origin/main".into(),
            ahead: Some(0),
            behind: Some(0),
            gone: false
        }),
        "clean: even with origin/main"
    );
    assert_eq!(
        counts(&state),
        [0, 0, 0, 0],
        "clean: nothing staged, changed, untracked or conflicted"
    );
    assert_eq!(state.stashes, 0, "clean: no stash");
    assert!(
        state.unpushed_branches.is_empty(),
        "clean: main is on origin"
    );
}

#[test]
fn staged_changed_and_untracked_paths_are_counted_as_git_counts_their_lines() {
    let lab = Lab::new();
    let clone = lab.clone("work");

    write(&clone, "file", "staged\n");
    lab.git(&clone, &["add", "file"]);
    let state = lab.check(&clone, "staged");
    assert_eq!(counts(&state), [1, 0, 0, 0], "staged: one path staged");

    write(&clone, "file", "staged, then changed again\n");
    let state = lab.check(&clone, "staged and changed");
    assert_eq!(
        counts(&state),
        [1, 1, 0, 0],
        "staged and changed: one path in both columns"
    );

    write(&clone, "README", "changed\n");
    std::fs::write(clone.join("new"), "untracked\n").unwrap();
    write(&clone, "folder/a", "a\n");
    write(&clone, "folder/deeper/b", "b\n");
    let state = lab.check(&clone, "untracked file and folder");
    assert_eq!(
        counts(&state),
        [1, 2, 2, 0],
        "untracked file and folder: the folder is one line under showUntrackedFiles=normal"
    );

    std::fs::remove_file(clone.join("README")).unwrap();
    let state = lab.check(&clone, "deleted");
    assert_eq!(
        state.changed, 2,
        "deleted: a deleted file is a changed path"
    );
}

#[test]
fn show_untracked_files_all_and_no_are_honoured() {
    let mut lab = Lab::new();
    let clone = lab.clone("untracked");
    std::fs::write(clone.join("new"), "x\n").unwrap();
    write(&clone, "folder/a", "a\n");
    write(&clone, "folder/deeper/b", "b\n");
    // An empty folder is never listed.
    std::fs::create_dir_all(clone.join("empty/inside")).unwrap();
    let state = lab.check(&clone, "showUntrackedFiles unset");
    assert_eq!(
        state.untracked, 2,
        "showUntrackedFiles unset: a file and a folder"
    );

    lab.git(&clone, &["config", "status.showUntrackedFiles", "all"]);
    let state = lab.check(&clone, "showUntrackedFiles=all (repository)");
    assert_eq!(state.untracked, 3, "showUntrackedFiles=all: each file");

    lab.git(&clone, &["config", "--unset", "status.showUntrackedFiles"]);
    lab.global("status.showUntrackedFiles", "no");
    let state = lab.check(&clone, "showUntrackedFiles=no (global)");
    assert_eq!(state.untracked, 0, "showUntrackedFiles=no: none");
}

#[test]
fn ignored_files_are_not_untracked_under_gitignore_and_core_excludes_file() {
    let mut lab = Lab::new();
    let clone = lab.clone("ignored");
    lab.commit(&clone, ".gitignore", "build/\n*.tmp\n", "ignore");
    write(&clone, "build/out.o", "o\n");
    write(&clone, "a.tmp", "t\n");
    write(&clone, "sub/b.tmp", "t\n");
    std::fs::write(clone.join("notes.log"), "log\n").unwrap();
    let excludes = lab.home.join("excludes");
    std::fs::write(&excludes, "*.log\n").unwrap();
    lab.global("core.excludesFile", excludes.to_str().unwrap());
    let state = lab.check(&clone, "ignored only");
    assert_eq!(
        counts(&state),
        [0, 0, 0, 0],
        "ignored only: nothing untracked"
    );

    // A folder holding an ignored and an untracked file is one untracked line.
    write(&clone, "sub/c.txt", "c\n");
    let state = lab.check(&clone, "ignored and untracked in one folder");
    assert_eq!(
        state.untracked, 1,
        "ignored and untracked in one folder: the folder"
    );
}

#[test]
fn a_file_with_stale_stat_data_but_the_same_content_is_not_changed() {
    let lab = Lab::new();
    let clone = lab.clone("stale");
    // Same content, new inode and a later time: only the stat data differs.
    std::fs::remove_file(clone.join("file")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(clone.join("file"), "base\n").unwrap();
    let state = lab.check(&clone, "stale stat data");
    assert_eq!(
        counts(&state),
        [0, 0, 0, 0],
        "stale stat data: not a change"
    );
}

#[test]
fn a_real_merge_conflict_is_conflicted_and_a_merge_in_progress() {
    let lab = Lab::new();
    let clone = lab.clone("conflict");
    lab.commit(&clone, "file", "ours\n", "ours");
    lab.push_upstream("file", "theirs\n");
    lab.git(&clone, &["fetch", "-q"]);
    let out = lab.git_may_fail(&clone, &["merge", "origin/main"]);
    assert!(!out.status.success(), "the merge stops on its conflict");
    let state = lab.check(&clone, "merge conflict");
    assert_eq!(
        state.operation,
        Some(Operation::Merge),
        "merge conflict: a merge in progress"
    );
    assert_eq!(
        counts(&state),
        [0, 0, 0, 1],
        "merge conflict: one unmerged path, not staged or changed"
    );
    assert_eq!(
        state.upstream.as_ref().map(|u| (u.ahead, u.behind)),
        Some((Some(1), Some(1))),
        "merge conflict: diverged by one each way"
    );
}

#[test]
fn a_merge_without_conflict_stopped_before_its_commit_is_in_progress() {
    let lab = Lab::new();
    let clone = lab.clone("merging");
    lab.git(&clone, &["checkout", "-q", "-b", "side"]);
    lab.commit(&clone, "side-file", "side\n", "side");
    lab.git(&clone, &["checkout", "-q", "main"]);
    lab.commit(&clone, "main-file", "main\n", "main");
    lab.git(&clone, &["merge", "--no-commit", "--no-ff", "side"]);
    let state = lab.check(&clone, "merge in progress");
    assert_eq!(
        state.operation,
        Some(Operation::Merge),
        "merge in progress: a merge"
    );
    assert_eq!(
        counts(&state),
        [1, 0, 0, 0],
        "merge in progress: the merged file staged"
    );
    assert_eq!(
        state.unpushed_branches,
        vec!["side".to_string()],
        "merge in progress: side is unpushed"
    );
}

#[test]
fn a_conflicting_rebase_is_in_progress_on_a_detached_head() {
    let lab = Lab::new();
    let clone = lab.clone("rebasing");
    lab.commit(&clone, "file", "ours\n", "ours");
    lab.push_upstream("file", "theirs\n");
    lab.git(&clone, &["fetch", "-q"]);
    let out = lab.git_may_fail(&clone, &["rebase", "origin/main"]);
    assert!(!out.status.success(), "the rebase stops on its conflict");
    let state = lab.check(&clone, "rebase in progress");
    assert!(
        matches!(
            state.operation,
            Some(Operation::Rebase | Operation::RebaseInteractive)
        ),
        "rebase in progress: a rebase, not {:?}",
        state.operation
    );
    assert!(
        matches!(state.head, Head::Detached { .. }),
        "rebase in progress: HEAD detached"
    );
    assert_eq!(
        state.upstream, None,
        "rebase in progress: a detached HEAD has no upstream"
    );
    assert_eq!(state.conflicted, 1, "rebase in progress: one unmerged path");

    lab.git(&clone, &["rebase", "--abort"]);
    let out = lab.git_may_fail(&clone, &["rebase", "-i", "origin/main"]);
    assert!(
        !out.status.success(),
        "the interactive rebase stops on its conflict"
    );
    let state = lab.check(&clone, "interactive rebase in progress");
    assert_eq!(
        state.operation,
        Some(Operation::RebaseInteractive),
        "interactive rebase in progress: rebase-interactive"
    );
}

#[test]
fn cherry_pick_revert_and_bisect_are_reported() {
    let lab = Lab::new();
    let clone = lab.clone("ops");
    lab.git(&clone, &["checkout", "-q", "-b", "side"]);
    lab.commit(&clone, "file", "side\n", "side");
    lab.git(&clone, &["checkout", "-q", "main"]);
    lab.commit(&clone, "file", "main\n", "main");
    let out = lab.git_may_fail(&clone, &["cherry-pick", "side"]);
    assert!(
        !out.status.success(),
        "the cherry-pick stops on its conflict"
    );
    let state = lab.check(&clone, "cherry-pick");
    assert_eq!(
        state.operation,
        Some(Operation::CherryPick),
        "cherry-pick: in progress"
    );
    lab.git(&clone, &["cherry-pick", "--abort"]);

    lab.commit(&clone, "file", "main again\n", "again");
    let out = lab.git_may_fail(&clone, &["revert", "--no-edit", "HEAD~1"]);
    assert!(!out.status.success(), "the revert stops on its conflict");
    let state = lab.check(&clone, "revert");
    assert_eq!(
        state.operation,
        Some(Operation::Revert),
        "revert: in progress"
    );
    lab.git(&clone, &["revert", "--abort"]);

    lab.git(&clone, &["bisect", "start"]);
    lab.git(&clone, &["bisect", "bad"]);
    let state = lab.check(&clone, "bisect");
    assert_eq!(
        state.operation,
        Some(Operation::Bisect),
        "bisect: in progress"
    );
}

#[test]
fn two_stashes_are_counted() {
    let lab = Lab::new();
    let clone = lab.clone("stashed");
    write(&clone, "file", "first\n");
    lab.git(&clone, &["stash", "-q"]);
    write(&clone, "file", "second\n");
    lab.git(&clone, &["stash", "-q"]);
    let state = lab.check(&clone, "two stashes");
    assert_eq!(state.stashes, 2, "two stashes: # stash 2");
    assert_eq!(
        counts(&state),
        [0, 0, 0, 0],
        "two stashes: the work tree is clean again"
    );
}

#[test]
fn ahead_behind_and_diverged_are_counted_against_the_upstream() {
    let lab = Lab::new();
    let clone = lab.clone("ahead");
    lab.commit(&clone, "mine", "1\n", "mine 1");
    lab.commit(&clone, "mine", "2\n", "mine 2");
    let state = lab.check(&clone, "ahead");
    let ab = |s: &CloneState| s.upstream.as_ref().map(|u| (u.ahead, u.behind));
    assert_eq!(ab(&state), Some((Some(2), Some(0))), "ahead: two ahead");

    let behind = lab.clone("behind");
    lab.push_upstream("theirs", "1\n");
    lab.git(&behind, &["fetch", "-q"]);
    let state = lab.check(&behind, "behind");
    assert_eq!(ab(&state), Some((Some(0), Some(1))), "behind: one behind");

    lab.git(&clone, &["fetch", "-q"]);
    let state = lab.check(&clone, "diverged");
    assert_eq!(
        ab(&state),
        Some((Some(2), Some(1))),
        "diverged: two ahead, one behind"
    );
}

#[test]
fn a_detached_head_has_no_upstream() {
    let lab = Lab::new();
    let clone = lab.clone("detached");
    lab.git(&clone, &["checkout", "-q", "--detach", "HEAD~1"]);
    let state = lab.check(&clone, "detached");
    let first = lab.git(&clone, &["rev-parse", "HEAD"]).trim().to_string();
    assert_eq!(
        state.head,
        Head::Detached { commit: first },
        "detached: at HEAD~1"
    );
    assert_eq!(state.upstream, None, "detached: no upstream");
}

#[test]
fn branches_without_upstream_gone_upstreams_and_unpushed_branches() {
    let lab = Lab::new();
    let clone = lab.clone("branches");

    // main without its upstream setting: no upstream, but origin/main has its name.
    lab.git(&clone, &["branch", "--unset-upstream"]);
    let state = lab.check(&clone, "no upstream");
    assert_eq!(state.upstream, None, "no upstream: none configured");
    assert!(
        state.unpushed_branches.is_empty(),
        "no upstream: main is on origin by name"
    );

    // A branch that exists only here.
    lab.git(&clone, &["branch", "wip"]);
    let state = lab.check(&clone, "unpushed branch");
    assert_eq!(
        state.unpushed_branches,
        vec!["wip".to_string()],
        "unpushed branch: wip"
    );

    // A branch pushed with -u, then deleted on the remote and pruned here.
    lab.git(&clone, &["checkout", "-q", "-b", "feature"]);
    lab.commit(&clone, "feature", "f\n", "feature");
    lab.git(&clone, &["push", "-q", "-u", "origin", "feature"]);
    let state = lab.check(&clone, "pushed feature");
    assert_eq!(
        state.upstream.as_ref().map(|u| (u.name.as_str(), u.gone)),
        Some(("origin/feature", false)),
        "pushed feature: tracks origin/feature"
    );
    lab.git(&clone, &["push", "-q", "origin", "--delete", "feature"]);
    lab.git(&clone, &["fetch", "-q", "--prune"]);
    let state = lab.check(&clone, "upstream gone");
    assert_eq!(
        state.upstream,
        Some(Upstream {
            name: "origin/feature".into(),
            ahead: None,
            behind: None,
            gone: true
        }),
        "upstream gone: configured, its ref pruned"
    );
    assert_eq!(
        state.unpushed_branches,
        vec!["wip".to_string()],
        "upstream gone: feature has an upstream configured, so only wip is unpushed"
    );

    // A branch whose upstream is a local branch (`branch.<name>.remote = .`).
    lab.git(
        &clone,
        &["checkout", "-q", "-b", "local", "--track", "main"],
    );
    lab.commit(&clone, "local", "l\n", "local");
    let state = lab.check(&clone, "local upstream");
    assert_eq!(
        state
            .upstream
            .as_ref()
            .map(|u| (u.name.as_str(), u.ahead, u.behind)),
        Some(("main", Some(1), Some(0))),
        "local upstream: main, one ahead"
    );
}

#[test]
fn a_staged_rename_counts_once_and_intent_to_add_is_a_change() {
    let lab = Lab::new();
    let clone = lab.clone("renamed");
    lab.git(&clone, &["mv", "file", "moved"]);
    let state = lab.check(&clone, "staged rename");
    assert_eq!(
        counts(&state),
        [1, 0, 0, 0],
        "staged rename: one staged path"
    );

    lab.git(&clone, &["config", "status.renames", "false"]);
    let state = lab.check(&clone, "staged rename, status.renames=false");
    assert_eq!(
        counts(&state),
        [2, 0, 0, 0],
        "status.renames=false: a deletion and an addition"
    );

    std::fs::write(clone.join("planned"), "p\n").unwrap();
    lab.git(&clone, &["add", "-N", "planned"]);
    let state = lab.check(&clone, "intent to add");
    assert_eq!(
        counts(&state),
        [2, 1, 0, 0],
        "intent to add: .A, changed not staged"
    );

    // A file moved without git mv, its new path added with -N: git pairs the two in
    // the work tree as one .R line when renames are on.
    lab.git(&clone, &["config", "status.renames", "true"]);
    std::fs::rename(clone.join("README"), clone.join("READ-ME")).unwrap();
    lab.git(&clone, &["add", "-N", "READ-ME"]);
    let state = lab.check(&clone, "intent-to-add rename");
    assert_eq!(
        state.changed, 2,
        "intent-to-add rename: planned and the renamed README"
    );
    lab.git(&clone, &["config", "status.renames", "false"]);
    let state = lab.check(&clone, "intent-to-add rename, renames off");
    assert_eq!(
        state.changed, 3,
        "intent-to-add rename, renames off: .D and .A"
    );
}

#[test]
fn a_submodule_with_a_new_commit_is_one_changed_path() {
    let lab = Lab::new();
    // A second upstream, added to a clone as a submodule.
    let lib = lab.root.join("lib");
    lab.git(&lab.root, &["init", "-q", "lib"]);
    lab.commit(&lib, "lib.txt", "1\n", "lib one");
    let clone = lab.clone("super");
    lab.git(
        &clone,
        &["submodule", "add", "-q", lib.to_str().unwrap(), "lib"],
    );
    lab.git(&clone, &["commit", "-qm", "add lib"]);
    let state = lab.check(&clone, "submodule clean");
    assert_eq!(counts(&state), [0, 0, 0, 0], "submodule clean: nothing");

    let inner = clone.join("lib");
    lab.commit(&inner, "lib.txt", "2\n", "lib two");
    let state = lab.check(&clone, "submodule with a new commit");
    assert_eq!(
        counts(&state),
        [0, 1, 0, 0],
        "submodule with a new commit: one changed path"
    );

    write(&inner, "lib.txt", "3\n");
    std::fs::write(inner.join("scratch"), "s\n").unwrap();
    let state = lab.check(
        &clone,
        "submodule with new commits, changes and untracked files",
    );
    assert_eq!(
        state.changed, 1,
        "submodule: still one changed path, not recursed"
    );

    lab.git(&clone, &["config", "submodule.lib.ignore", "dirty"]);
    let state = lab.check(&clone, "submodule.lib.ignore=dirty");
    assert_eq!(
        state.changed, 1,
        "ignore=dirty: the new commit still counts"
    );
    // git's status does not read diff.ignoreSubmodules (only diff's porcelain does).
    lab.git(&clone, &["config", "diff.ignoreSubmodules", "all"]);
    let state = lab.check(&clone, "diff.ignoreSubmodules=all");
    assert_eq!(
        state.changed, 1,
        "diff.ignoreSubmodules=all: status still counts it"
    );
    lab.git(&clone, &["config", "--unset", "diff.ignoreSubmodules"]);
    lab.git(&clone, &["config", "--unset", "submodule.lib.ignore"]);

    lab.git(&clone, &["add", "lib"]);
    let state = lab.check(&clone, "submodule commit staged");
    assert_eq!(state.staged, 1, "submodule commit staged: one staged path");
    assert_eq!(
        state.changed, 1,
        "submodule commit staged: its content still changed"
    );
    lab.git(&clone, &["config", "submodule.lib.ignore", "dirty"]);
    let state = lab.check(&clone, "submodule.lib.ignore=dirty, content changed");
    assert_eq!(
        state.changed, 0,
        "ignore=dirty: changed content alone does not count"
    );
    lab.git(&clone, &["config", "submodule.lib.ignore", "untracked"]);
    let state = lab.check(&clone, "submodule.lib.ignore=untracked");
    assert_eq!(
        state.changed, 1,
        "ignore=untracked: the modified lib.txt counts"
    );

    // A repository added as a gitlink without .gitmodules.
    let embedded = clone.join("embedded");
    lab.git(&clone, &["init", "-q", "embedded"]);
    lab.commit(&embedded, "e", "1\n", "embedded one");
    lab.git(&clone, &["add", "embedded"]);
    lab.git(&clone, &["commit", "-qm", "embedded"]);
    let state = lab.check(&clone, "unregistered gitlink, clean");
    assert_eq!(
        state.changed, 1,
        "unregistered gitlink, clean: only lib counts"
    );
    lab.commit(&embedded, "e", "2\n", "embedded two");
    let state = lab.check(&clone, "unregistered gitlink with a new commit");
    assert_eq!(
        state.changed, 2,
        "unregistered gitlink with a new commit: counts"
    );
}

#[test]
fn a_sparse_checkout_counts_only_what_is_checked_out() {
    let lab = Lab::new();
    let seed = lab.root.join("seed");
    write(&seed, "inside/a", "a\n");
    write(&seed, "outside/b", "b\n");
    lab.git(&seed, &["add", "."]);
    lab.git(&seed, &["commit", "-qm", "two folders"]);
    let origin = lab.root.join("origin.git");
    lab.git(&seed, &["push", "-q", origin.to_str().unwrap(), "main"]);
    let clone = lab.clone("sparse");
    lab.git(&clone, &["sparse-checkout", "set", "--cone", "inside"]);
    let state = lab.check(&clone, "sparse checkout");
    assert_eq!(counts(&state), [0, 0, 0, 0], "sparse checkout: clean");
    write(&clone, "inside/a", "changed\n");
    lab.git(&clone, &["add", "inside/a"]);
    write(&clone, "inside/new", "new\n");
    let state = lab.check(&clone, "sparse checkout with changes");
    assert_eq!(
        counts(&state),
        [1, 0, 1, 0],
        "sparse checkout: one staged, one untracked"
    );
    // A sparse index: folders outside the cone are single index entries.
    lab.git(
        &clone,
        &[
            "sparse-checkout",
            "set",
            "--cone",
            "--sparse-index",
            "inside",
        ],
    );
    let state = lab.check(&clone, "sparse index");
    assert_eq!(
        counts(&state),
        [1, 0, 1, 0],
        "sparse index: the same counts"
    );
}

#[test]
fn an_unborn_branch_has_no_commit_and_its_files_are_staged() {
    let lab = Lab::new();
    lab.git(&lab.root, &["init", "-q", "fresh"]);
    let fresh = lab.root.join("fresh");
    let state = lab.check(&fresh, "unborn");
    assert_eq!(
        state.head,
        Head::Branch {
            name: "main".into(),
            commit: None
        },
        "unborn: main without a commit"
    );
    std::fs::write(fresh.join("a"), "a\n").unwrap();
    std::fs::write(fresh.join("b"), "b\n").unwrap();
    lab.git(&fresh, &["add", "a"]);
    let state = lab.check(&fresh, "unborn with a staged file");
    assert_eq!(
        counts(&state),
        [1, 0, 1, 0],
        "unborn: a staged, b untracked"
    );
}

#[test]
fn the_default_branch_is_compared_with_the_commit_seen_upstream() {
    let lab = Lab::new();
    let clone = lab.clone("default");
    let tip = id(&lab.git(&clone, &["rev-parse", "HEAD"]));
    let state = lab.check_with(&clone, Some(("main", tip)), "default branch even");
    assert_eq!(
        state.default_branch,
        Some(BehindDefault {
            branch: "main".into(),
            behind: false,
            commits: Some(0)
        }),
        "even: not behind"
    );

    let upstream_tip = id(&lab.push_upstream("new", "n\n"));
    let state = lab.check_with(
        &clone,
        Some(("main", upstream_tip)),
        "default branch, commit absent",
    );
    assert_eq!(
        state.default_branch,
        Some(BehindDefault {
            branch: "main".into(),
            behind: true,
            commits: None
        }),
        "commit not fetched: behind, count unknown"
    );

    lab.git(&clone, &["fetch", "-q"]);
    // On another branch, the local main is what is compared.
    lab.git(&clone, &["checkout", "-q", "-b", "topic", "origin/main"]);
    let state = lab.check_with(
        &clone,
        Some(("main", upstream_tip)),
        "default branch behind",
    );
    assert_eq!(
        state.default_branch,
        Some(BehindDefault {
            branch: "main".into(),
            behind: true,
            commits: Some(1)
        }),
        "fetched: main is one behind although HEAD is not"
    );

    // No local branch of that name: HEAD is compared.
    let state = lab.check_with(&clone, Some(("trunk", upstream_tip)), "no local trunk");
    assert_eq!(
        state.default_branch.map(|d| (d.behind, d.commits)),
        Some((false, Some(0))),
        "no local trunk: HEAD (topic) has the commit"
    );
}

#[test]
fn folders_that_are_not_working_copies_are_errors_that_say_why() {
    let lab = Lab::new();
    let gone = lab.root.join("nothing-here");
    assert_eq!(
        super::read(&gone, None),
        Err(ReadError::Gone { path: gone.clone() }),
        "a deleted folder: Gone"
    );

    let plain = lab.root.join("plain");
    std::fs::create_dir(&plain).unwrap();
    match super::read(&plain, None) {
        Err(ReadError::NotAWorkingCopy { path, reason }) => {
            assert_eq!(path, plain, "a plain folder: the error names it");
            assert!(!reason.is_empty(), "a plain folder: a reason");
        }
        other => panic!("a plain folder: NotAWorkingCopy, not {other:?}"),
    }

    let file = lab.root.join("a-file");
    std::fs::write(&file, "x").unwrap();
    assert!(
        matches!(
            super::read(&file, None),
            Err(ReadError::NotAWorkingCopy { .. })
        ),
        "a file: NotAWorkingCopy"
    );

    let bare = lab.root.join("origin.git");
    match super::read(&bare, None) {
        Err(ReadError::NotAWorkingCopy { reason, .. }) => {
            assert!(
                reason.contains("bare"),
                "a bare repository: says bare, not {reason}"
            )
        }
        other => panic!("a bare repository: NotAWorkingCopy, not {other:?}"),
    }

    let clone = lab.clone("clone");
    std::fs::create_dir(clone.join("sub")).unwrap();
    assert!(
        matches!(
            super::read(&clone.join("sub"), None),
            Err(ReadError::NotAWorkingCopy { .. })
        ),
        "a folder inside a working copy: not a working copy itself"
    );

    let broken = lab.clone("broken");
    std::fs::write(broken.join(".git/HEAD"), "garbage").unwrap();
    match super::read(&broken, None) {
        Err(ReadError::Unreadable { reason, .. }) => {
            assert!(!reason.is_empty(), "a .git that does not open: a reason")
        }
        other => panic!("a .git that does not open: Unreadable, not {other:?}"),
    }

    std::fs::write(clone.join(".git/index"), "not an index").unwrap();
    match super::read(&clone, None) {
        Err(ReadError::Unreadable { reason, .. }) => {
            assert!(
                reason.contains("index"),
                "a corrupt index: says index, not {reason}"
            )
        }
        other => panic!("a corrupt index: Unreadable, not {other:?}"),
    }
}

#[test]
fn read_with_the_users_configuration_agrees_on_a_clean_clone() {
    // `read` itself, with whatever configuration this machine has: a clean clone is
    // clean under any.
    let lab = Lab::new();
    let clone = lab.clone("plain-read");
    let state = super::read(&clone, None).unwrap();
    assert!(on_main(&state), "plain read: on main");
    assert_eq!(counts(&state), [0, 0, 0, 0], "plain read: clean");
    assert_eq!(
        state.upstream.map(|u| u.name),
        Some("origin/main".to_string()),
        "plain read: tracks origin/main"
    );
}

#[test]
fn renames_follow_status_renames_then_diff_renames_and_include_empty_files() {
    let lab = Lab::new();
    let clone = lab.clone("renames");
    lab.commit(&clone, "empty", "", "an empty file");
    lab.git(&clone, &["mv", "empty", "moved-empty"]);
    let state = lab.check(&clone, "an empty file renamed");
    assert_eq!(
        state.staged, 1,
        "an empty file renamed: one rename, as git detects it"
    );

    lab.git(&clone, &["config", "diff.renames", "false"]);
    let state = lab.check(&clone, "diff.renames=false");
    assert_eq!(
        state.staged, 2,
        "diff.renames=false: a deletion and an addition"
    );

    lab.git(&clone, &["config", "status.renames", "true"]);
    let state = lab.check(&clone, "status.renames=true over diff.renames=false");
    assert_eq!(state.staged, 1, "status.renames wins over diff.renames");

    // A copy of a modified file is found under `copies`, counted as one line too.
    lab.git(&clone, &["config", "status.renames", "copies"]);
    std::fs::copy(clone.join("README"), clone.join("README.copy")).unwrap();
    write(&clone, "README", "hello\nmore\n");
    lab.git(&clone, &["add", "README", "README.copy"]);
    let state = lab.check(&clone, "status.renames=copies");
    assert_eq!(state.staged, 3, "copies: the rename, README and its copy");
}

#[test]
fn nested_repositories_type_changes_and_modes_are_counted_as_git_counts_them() {
    let lab = Lab::new();
    let clone = lab.clone("edges");
    // A repository inside the work tree, not a submodule: one untracked folder line,
    // under showUntrackedFiles=all too.
    lab.git(&clone, &["init", "-q", "inner"]);
    write(&clone.join("inner"), "x", "x\n");
    let state = lab.check(&clone, "nested repository");
    assert_eq!(state.untracked, 1, "nested repository: one untracked line");
    lab.git(&clone, &["config", "status.showUntrackedFiles", "all"]);
    let state = lab.check(&clone, "nested repository, showUntrackedFiles=all");
    assert_eq!(
        state.untracked, 1,
        "nested repository, all: still one line, not recursed"
    );

    // A tracked file turned into a folder, one into a symlink, one made executable.
    std::fs::remove_file(clone.join("file")).unwrap();
    write(&clone, "file/inside", "now a folder\n");
    std::fs::remove_file(clone.join("README")).unwrap();
    std::os::unix::fs::symlink("file/inside", clone.join("README")).unwrap();
    lab.commit(&clone, "tool", "#!/bin/sh\n", "a tool");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(clone.join("tool"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let state = lab.check(&clone, "type and mode changes");
    assert_eq!(
        [state.changed, state.untracked],
        [3, 2],
        "type and mode changes: three changed paths; the new folder's file and inner untracked"
    );

    // core.fileMode=false: the executable bit is no change.
    lab.git(&clone, &["config", "core.fileMode", "false"]);
    let state = lab.check(&clone, "core.fileMode=false");
    assert_eq!(
        state.changed, 2,
        "core.fileMode=false: the mode change is not counted"
    );
}

#[test]
fn a_linked_worktree_and_an_ambiguous_upstream_name_read_as_git_reads_them() {
    let lab = Lab::new();
    let clone = lab.clone("main-copy");
    let linked = lab.root.join("linked");
    lab.git(
        &clone,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "side",
            linked.to_str().unwrap(),
        ],
    );
    write(&linked, "file", "changed in the linked worktree\n");
    lab.git(&clone, &["stash", "-q"]);
    let state = lab.check(&linked, "linked worktree");
    assert_eq!(
        state.head,
        Head::Branch {
            name: "side".into(),
            commit: Some(lab.git(&linked, &["rev-parse", "HEAD"]).trim().to_string())
        },
        "linked worktree: on its own branch"
    );
    assert_eq!(
        state.changed, 1,
        "linked worktree: its own work tree's change"
    );
    let state = lab.check(&clone, "the main worktree beside a linked one");
    assert_eq!(state.changed, 0, "main worktree: clean");
    assert_eq!(
        state.unpushed_branches,
        vec!["side".to_string()],
        "side exists only here"
    );

    // A local branch called origin/main makes git print the upstream longer.
    lab.git(&clone, &["branch", "origin/main"]);
    let state = lab.check(&clone, "ambiguous upstream name");
    assert_eq!(
        state.upstream.map(|u| u.name),
        Some("remotes/origin/main".to_string()),
        "ambiguous upstream name: remotes/origin/main, as git shortens it"
    );
}

#[test]
fn a_shallow_clone_counts_what_it_has() {
    let lab = Lab::new();
    lab.push_upstream("more", "1\n");
    lab.push_upstream("more", "2\n");
    let url = format!("file://{}", lab.root.join("origin.git").display());
    lab.git(&lab.root, &["clone", "-q", "--depth", "1", &url, "shallow"]);
    let shallow = lab.root.join("shallow");
    lab.commit(&shallow, "mine", "m\n", "mine");
    let state = lab.check(&shallow, "shallow, ahead");
    assert_eq!(
        state.upstream.and_then(|u| u.ahead),
        Some(1),
        "shallow, ahead: one commit ahead"
    );

    // Behind too: the walk reaches the shallow boundary, whose parents are missing.
    lab.push_upstream("more", "3\n");
    lab.git(&shallow, &["fetch", "-q"]);
    let state = lab.check(&shallow, "shallow, diverged");
    assert_eq!(
        state.upstream.map(|u| (u.ahead, u.behind)),
        Some((Some(1), Some(1))),
        "shallow, diverged: one each way"
    );
}

/// The cost of one clone's read against git's, on `REPODEX_STATUS_BENCH` clones (200
/// by default) of 100 files each: `cargo test --lib git::status::tests::cost --
/// --ignored --nocapture`. Prints the time per clone of `read` and of `git status
/// --porcelain=v2 --branch --show-stash` plus `git for-each-ref`, one clone after
/// another and spread over the cores (git 8 at a time, as `xargs -P 8`).
#[test]
#[ignore = "a measurement, not a check"]
fn cost() {
    use std::time::Instant;
    let clones: usize = std::env::var("REPODEX_STATUS_BENCH")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let lab = Lab::new();
    let seed = lab.root.join("seed");
    for folder in 0..10 {
        for file in 0..10 {
            write(
                &seed,
                &format!("d{folder}/f{file}.txt"),
                &format!("{folder} {file}\n").repeat(40),
            );
        }
    }
    lab.git(&seed, &["add", "."]);
    lab.git(&seed, &["commit", "-qm", "a hundred files"]);
    lab.git(
        &seed,
        &[
            "push",
            "-q",
            lab.root.join("origin.git").to_str().unwrap(),
            "main",
        ],
    );
    let dirs: Vec<PathBuf> = (0..clones)
        .map(|i| {
            let dir = lab.clone(&format!("c{i}"));
            match i % 4 {
                1 => write(&dir, "d3/f3.txt", "changed\n"),
                2 => write(&dir, "new/untracked.txt", "new\n"),
                3 => lab.commit(&dir, "d1/f1.txt", "ahead\n", "ahead"),
                _ => {}
            }
            dir
        })
        .collect();
    // Past racy-git's second, then one git status each: indexes refreshed, as a user's are.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    for dir in &dirs {
        lab.git(dir, &["status", "--porcelain=v2"]);
    }

    let git_one = |dir: &PathBuf| {
        lab.git(
            dir,
            &["status", "--porcelain=v2", "--branch", "--show-stash"],
        );
        lab.git(dir, &["for-each-ref", "--format=%(refname) %(upstream)"]);
    };
    let per_clone = |start: Instant| start.elapsed().as_secs_f64() * 1e6 / clones as f64;

    let start = Instant::now();
    for dir in &dirs {
        super::read_with(dir, None, lab.options()).unwrap();
    }
    let ours_serial = per_clone(start);
    let start = Instant::now();
    for dir in &dirs {
        git_one(dir);
    }
    let git_serial = per_clone(start);

    let start = Instant::now();
    crate::parallel::map(
        &dirs,
        16,
        || (),
        |_, dir| super::read_with(dir, None, lab.options()).unwrap(),
    );
    let ours_parallel = per_clone(start);
    let start = Instant::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(dir) = dirs.get(i) else { break };
                git_one(dir);
            });
        }
    });
    let git_parallel = per_clone(start);
    println!(
        "{clones} clones of 100 files, µs per clone:\n  \
         one after another: read {ours_serial:.0}, git status + for-each-ref {git_serial:.0} ({:.2}x)\n  \
         spread over the cores: read {ours_parallel:.0}, git 8 at a time {git_parallel:.0} ({:.2}x)",
        ours_serial / git_serial,
        ours_parallel / git_parallel,
    );
}
