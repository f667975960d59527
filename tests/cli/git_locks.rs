//! git's own lock files and repodex's commit pipeline: a user's `git commit` is never
//! broken by repodex, what a killed repodex leaves is cleaned by the next repodex
//! command of any kind, and a crash between a commit and its effects is finished.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{run_with_stdin, TestEnv};
use pretty_assertions::assert_eq;

/// Wait (at most ten seconds) until `path` exists.
fn wait_for(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The names `repodex list` shows.
fn names(listed: &str) -> Vec<String> {
    let listed: serde_json::Value = serde_json::from_str(listed).unwrap();
    listed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}

/// The lock files of the registry's git folder that exist now.
fn locks(env: &TestEnv) -> Vec<&'static str> {
    let git = env.registry().join(".git");
    ["index.lock", "HEAD.lock", "refs/heads/main.lock"]
        .into_iter()
        .filter(|l| git.join(l).exists())
        .collect()
}

/// The story repodex's own error message recommends: the user commits a hand edit with
/// `git commit -a`, and git waits in the editor holding `index.lock`. A `repodex register`
/// meanwhile must not take the lock from git: it waits (or fails, naming the file), and
/// git's commit succeeds.
#[test]
fn a_git_commit_waiting_in_its_editor_is_never_broken() {
    let env = TestEnv::new();
    env.ok(&["register", "https://example.com/o/first"]);
    let readme = env.registry().join("README.md");
    let text = std::fs::read_to_string(&readme).unwrap();
    std::fs::write(&readme, format!("{text}\nA hand-written note.\n")).unwrap();

    // The editor returns when the test says so: git holds index.lock until then.
    let go = env.root().join("editor-may-return");
    let mut git = Command::new("git");
    env.isolate(&mut git);
    git.current_dir(env.registry())
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args(["commit", "-q", "-a", "-e", "-m", "hand edit: a note"])
        .env(
            "GIT_EDITOR",
            format!("while [ ! -e '{}' ]; do sleep 0.02; done; :", go.display()),
        )
        .stdin(Stdio::null());
    let mut git = git.spawn().unwrap();
    wait_for(&env.registry().join(".git/index.lock"));

    let repodex = env
        .command(&["register", "https://example.com/o/second"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The user takes a while over the message: longer than any "stale after a second"
    // rule would allow, shorter than repodex's wait for a git lock.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(
        locks(&env),
        ["index.lock"],
        "repodex took git's lock from it"
    );
    std::fs::write(&go, "").unwrap();
    let git_status = git.wait().unwrap();
    let repodex = repodex.wait_with_output().unwrap();

    assert!(git_status.success(), "the user's git commit failed");
    let subjects = env.git(&["log", "--format=%s"]);
    assert!(subjects.contains("hand edit: a note"), "{subjects}");
    let stderr = String::from_utf8_lossy(&repodex.stderr);
    if repodex.status.success() {
        // repodex waited for git, then committed on top of the user's commit.
        assert!(
            subjects.starts_with("register o/second\nhand edit: a note\n"),
            "{subjects}"
        );
    } else {
        assert!(stderr.contains(".git/index.lock exists"), "{stderr}");
        assert!(stderr.contains("remove it (rm "), "{stderr}");
    }
    env.assert_plain_git_happy();
}

/// A repodex killed while it holds git's lock files (here, between taking HEAD's locks
/// and moving HEAD) leaves them behind. The next repodex command, even a read, removes
/// exactly those, and a plain `git commit` works again. A lock file someone else made
/// at the same path since is not repodex's to remove.
#[test]
fn lock_files_a_killed_repodex_left_are_cleaned_by_the_next_read() {
    let env = TestEnv::new();
    env.ok(&["register", "https://example.com/o/first"]);
    let before = env.head();
    let mut cmd = env.command(&["register", "https://example.com/o/second"]);
    cmd.env("REPODEX_TEST_FAILPOINT", "before-head");
    assert!(!cmd.output().unwrap().status.success());
    // The kill landed while repodex held all three of git's locks.
    assert_eq!(
        locks(&env),
        ["index.lock", "HEAD.lock", "refs/heads/main.lock"]
    );
    let mut commit = Command::new("git");
    env.isolate(&mut commit);
    let blocked = commit
        .current_dir(env.registry())
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args(["commit", "-q", "--allow-empty", "-m", "plain"])
        .output()
        .unwrap();
    assert!(!blocked.status.success(), "git could commit past the locks");

    let listed = env.ok(&["list", "--json"]);
    assert_eq!(names(&listed), ["o/first"]);
    assert_eq!(locks(&env), Vec::<&str>::new());
    assert_eq!(env.head(), before, "nothing was committed");
    env.git(&[
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "plain commit after the crash",
    ]);
    env.ok(&["register", "https://example.com/o/third"]);

    // Again, but now another git process takes index.lock after the crash.
    let mut cmd = env.command(&["register", "https://example.com/o/fourth"]);
    cmd.env("REPODEX_TEST_FAILPOINT", "before-head");
    assert!(!cmd.output().unwrap().status.success());
    let index_lock = env.registry().join(".git/index.lock");
    std::fs::remove_file(&index_lock).unwrap();
    std::fs::write(&index_lock, "another git process's lock").unwrap();
    let run = env.run(&["list", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        locks(&env),
        ["index.lock"],
        "repodex removed a lock it did not make"
    );
    // A writer waits for it, then says which file and what to do.
    let run = env.run(&["register", "https://example.com/o/fifth"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains(".git/index.lock exists, so another git process is using the registry"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("if no git process is running, the file is stale: remove it (rm "),
        "{run:?}"
    );
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    std::fs::remove_file(&index_lock).unwrap();
    env.ok(&["register", "https://example.com/o/fifth"]);
    assert_eq!(
        names(&env.ok(&["list", "--json"])),
        ["o/fifth", "o/first", "o/third"]
    );
}

/// `recipients add` is a commit with an effect outside history: this machine accepts
/// the recipient set it wrote. Stopped at each step, the next commands must not refuse
/// this machine's own change as tampering.
#[test]
fn a_crash_between_a_commit_and_its_effects_is_finished_by_the_next_command() {
    for (step, committed) in [
        ("before-head", false),
        ("after-head", true),
        ("after-worktree", true),
        ("after-effects", true),
    ] {
        let env = TestEnv::new();
        env.ok(&[
            "register",
            "https://git.example.com/team/app.git",
            "--name",
            "app",
        ]);
        let alice = env.root().join("alice-identity.txt");
        let bob = env.root().join("bob-identity.txt");
        let as_who = |who: &Path, args: &[&str], input: &str| {
            let mut cmd = env.command(args);
            cmd.env("REPODEX_IDENTITY", who);
            run_with_stdin(cmd, input)
        };
        assert_eq!(
            as_who(&alice, &["creds", "set", "app"], "first-secret").code,
            0
        );
        let bob_key = as_who(&bob, &["identity"], "").stdout.trim().to_string();

        let mut cmd = env.command(&["recipients", "add", &bob_key]);
        cmd.env("REPODEX_IDENTITY", &alice)
            .env("REPODEX_TEST_FAILPOINT", step);
        let out = cmd.output().unwrap();
        assert!(
            !out.status.success(),
            "{step}: the failpoint did not stop it"
        );

        let listed = env.run(&["recipients", "list"]);
        assert_eq!(listed.code, 0, "{step}: {listed:?}");
        assert_eq!(
            listed.stdout.contains(&bob_key),
            committed,
            "{step}: {listed:?}"
        );
        let run = as_who(&alice, &["creds", "set", "app"], "second-secret");
        assert_eq!(run.code, 0, "{step}: {run:?}");
        assert!(!run.stderr.contains("did not make"), "{step}: {run:?}");
        let shown = as_who(&bob, &["creds", "show", "app", "--reveal"], "");
        assert_eq!(shown.code == 0, committed, "{step}: {shown:?}");
        if committed {
            assert!(shown.stdout.contains("second-secret"), "{step}: {shown:?}");
        }
        env.assert_plain_git_happy();
    }
}
