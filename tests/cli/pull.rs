//! `repodex pull`: every clone brought up to its upstream by fast-forward, and every
//! clone that cannot be left exactly as it was, with the reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::servers::{GitDaemon, Upstreams};
use crate::support::{git_in, TestEnv};
use pretty_assertions::assert_eq;

/// What a user would call "my clone, byte for byte": every file of the working tree,
/// the index as stored, HEAD, the local branches and the stashes. (Remote-tracking
/// branches are git's record of the remote; a fetch may move them.)
fn snapshot(env: &TestEnv, dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".git")
    {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).unwrap();
            files.insert(
                format!("tree:{}", rel.display()),
                std::fs::read(entry.path()).unwrap(),
            );
        }
    }
    let git_dir = dir.join(".git");
    for file in ["index", "HEAD", "ORIG_HEAD", "MERGE_HEAD"] {
        if let Ok(bytes) = std::fs::read(git_dir.join(file)) {
            files.insert(format!("git:{file}"), bytes);
        }
    }
    files.insert(
        "refs".into(),
        git_in(env, dir, &["for-each-ref", "refs/heads", "refs/stash"]).into_bytes(),
    );
    files.insert(
        "stashes".into(),
        git_in(env, dir, &["stash", "list"]).into_bytes(),
    );
    files
}

fn rev(env: &TestEnv, dir: &Path, what: &str) -> String {
    git_in(env, dir, &["rev-parse", what]).trim().to_string()
}

/// A branch `dev` in the clone at `dir` that follows the remote's `dev`, which the clone
/// never fetched: git fetches it in the clone, not repodex's mirror.
fn follow_remote_dev(env: &TestEnv, dir: &Path) {
    git_in(env, dir, &["checkout", "-qb", "dev"]);
    git_in(env, dir, &["config", "branch.dev.remote", "origin"]);
    git_in(env, dir, &["config", "branch.dev.merge", "refs/heads/dev"]);
}

fn row<'a>(report: &'a serde_json::Value, dir: &Path) -> &'a serde_json::Value {
    let dir = dir.canonicalize().unwrap();
    report["clones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == serde_json::json!(dir))
        .unwrap_or_else(|| panic!("no row for {} in {report}", dir.display()))
}

fn commit_in(env: &TestEnv, dir: &Path, file: &str, text: &str, message: &str) {
    std::fs::write(dir.join(file), text).unwrap();
    git_in(
        env,
        dir,
        &[
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@e",
            "commit",
            "-qam",
            message,
        ],
    );
}

#[test]
fn pull_fast_forwards_what_it_can_and_leaves_every_other_clone_byte_for_byte() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    let app = upstreams.create(
        &env,
        "app",
        "main",
        &[("README", "one\n"), ("notes", "a\nb\nc\n")],
    );
    git_in(&env, &app, &["branch", "dev"]);
    git_in(&env, &app, &["branch", "old"]);
    git_in(&env, &app, &["push", "-q", "origin", "dev", "old"]);
    let daemon = GitDaemon::start(&upstreams);
    env.ok(&["register", &daemon.url("app"), "--name", "app"]);
    let clone = |dir: &str| -> PathBuf {
        let path = env.work().join(dir);
        env.ok(&["clone", "-q", "app", path.to_str().unwrap()]);
        path
    };
    let behind = clone("behind");
    let diverged = clone("diverged");
    let in_the_way = clone("in-the-way");
    let rebasing = clone("rebasing");
    let detached = clone("detached");
    let on_dev = clone("on-dev");
    let on_old = clone("on-old");
    let no_upstream = clone("no-upstream");
    // A clone has the default branch, as the mirror keeps it; a fetch brings the rest.
    for (dir, branch) in [(&on_dev, "dev"), (&on_old, "old")] {
        git_in(&env, dir, &["fetch", "-q"]);
        git_in(&env, dir, &["checkout", "-q", branch]);
    }
    git_in(&env, &no_upstream, &["checkout", "-qb", "mine"]);
    git_in(&env, &detached, &["checkout", "-q", "--detach"]);
    // One commit of the clone's own before the upstream's: diverged.
    commit_in(&env, &diverged, "README", "mine\n", "mine");
    // The upstream's next commit changes notes; these clones have it changed too.
    std::fs::write(in_the_way.join("notes"), "a\nMINE\nc\n").unwrap();
    commit_in(&env, &rebasing, "notes", "a\nREBASING\nc\n", "theirs");

    upstreams.commit(&env, &app, "two", &[("notes", "a\nTWO\nc\n")]);
    git_in(&env, &app, &["checkout", "-q", "dev"]);
    upstreams.commit(&env, &app, "dev two", &[("README", "dev\n")]);
    git_in(&env, &app, &["push", "-q", "origin", "--delete", "old"]);
    // A rebase onto the new upstream stops on its conflict.
    git_in(&env, &rebasing, &["fetch", "-q"]);
    let mut rebase = std::process::Command::new("git");
    env.isolate(&mut rebase);
    let out = rebase
        .args(["-c", "user.name=T", "-c", "user.email=t@e"])
        .args(["rebase", "origin/main"])
        .current_dir(&rebasing)
        .output()
        .unwrap();
    assert!(!out.status.success(), "the rebase stops on its conflict");

    let left_alone = [
        &diverged,
        &in_the_way,
        &rebasing,
        &detached,
        &on_old,
        &no_upstream,
    ];
    let before: Vec<_> = left_alone.iter().map(|d| snapshot(&env, d)).collect();

    let run = env.run(&["pull", "--json"]);
    assert_eq!(
        run.code, 1,
        "a clone that follows an upstream stayed behind: {run:?}"
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();

    let upstream_main = rev(&env, &app, "main");
    assert_eq!(row(&report, &behind)["outcome"], "fast-forwarded");
    assert_eq!(row(&report, &behind)["commits"], 1);
    assert_eq!(
        row(&report, &behind)["via"],
        "mirror",
        "the default branch comes from repodex's mirror"
    );
    assert_eq!(rev(&env, &behind, "HEAD"), upstream_main);
    assert_eq!(
        std::fs::read_to_string(behind.join("notes")).unwrap(),
        "a\nTWO\nc\n"
    );
    assert_eq!(row(&report, &on_dev)["outcome"], "fast-forwarded");
    assert_eq!(
        row(&report, &on_dev)["via"],
        "remote",
        "another branch is fetched by git"
    );
    assert_eq!(
        std::fs::read_to_string(on_dev.join("README")).unwrap(),
        "dev\n"
    );

    let reason = |dir: &Path| {
        row(&report, dir)["reason"]
            .as_str()
            .unwrap_or_else(|| panic!("{report:#}"))
            .to_string()
    };
    assert_eq!(reason(&diverged), "diverged");
    assert_eq!(reason(&in_the_way), "local-changes");
    assert_eq!(reason(&rebasing), "in-progress");
    assert_eq!(reason(&detached), "detached");
    assert_eq!(reason(&on_old), "upstream-gone");
    assert_eq!(reason(&no_upstream), "no-upstream");
    let after: Vec<_> = left_alone.iter().map(|d| snapshot(&env, d)).collect();
    for ((dir, before), after) in left_alone.iter().zip(&before).zip(&after) {
        assert_eq!(before, after, "{} was touched", dir.display());
    }

    // The words a user reads: one line per clone, the reason on stderr.
    let run = env.run(&["pull"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("up to date    app  main"), "{run:?}");
    assert!(
        run.stderr
            .contains("diverged: 1 commit of its own, 1 of the upstream's")
            && run.stderr.contains("local changes to notes are in the way")
            && run.stderr.contains("a rebase is in progress"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("repodex: 0 fast-forwarded, 2 up to date, 6 left as they were, 0 failed"),
        "{run:?}"
    );
    let after_again: Vec<_> = left_alone.iter().map(|d| snapshot(&env, d)).collect();
    assert_eq!(after, after_again);

    // A detached HEAD or a branch without upstream has nothing to pull: not a failure.
    for dir in [&diverged, &in_the_way, &rebasing, &on_old] {
        std::fs::remove_dir_all(dir).unwrap();
    }
    env.ok(&["prune"]);
    let run = env.run(&["pull"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("detached      app  -"), "{run:?}");
    assert!(run.stdout.contains("no upstream   app  mine"), "{run:?}");
}

#[test]
fn pull_sends_the_vaults_credential_and_never_prompts() {
    use crate::servers::{tls_for_localhost, HttpOptions, HttpServer};
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    let app = upstreams.create(&env, "private", "main", &[("README", "one\n")]);
    git_in(&env, &app, &["branch", "dev"]);
    git_in(&env, &app, &["push", "-q", "origin", "dev"]);
    let (tls, ca) = tls_for_localhost(&env.root().join("tls"));
    let token = "tok-pull-https-0123456789";
    let server = HttpServer::start_with(
        &upstreams,
        HttpOptions::basic_auth(Some(tls), "alice", token),
    );
    let with_ca = |args: &[&str]| {
        let mut cmd = env.command(args);
        cmd.env("SSL_CERT_FILE", &ca).env("GIT_SSL_CAINFO", &ca);
        crate::support::run_with_stdin(cmd, "")
    };
    let run = with_ca(&[
        "register",
        "--no-fetch",
        &server.url("private"),
        "--name",
        "private",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let run = env.run_stdin(&["creds", "set", "private", "--username", "alice"], token);
    assert_eq!(run.code, 0, "{run:?}");
    let dir = env.work().join("private");
    let run = with_ca(&["clone", "-q", "private", dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");
    // A branch that follows the remote's dev, which this clone never fetched.
    follow_remote_dev(&env, &dir);
    git_in(&env, &app, &["checkout", "-q", "dev"]);
    upstreams.commit(&env, &app, "dev two", &[("README", "two\n")]);
    let fetched_before = server.authorized();

    let run = with_ca(&["pull", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(row(&report, &dir)["outcome"], "fast-forwarded", "{report}");
    assert_eq!(
        std::fs::read_to_string(dir.join("README")).unwrap(),
        "two\n"
    );
    assert!(
        server.authorized() > fetched_before,
        "the credential reached the server"
    );
    env.assert_secret_absent(token);
    assert!(!run.stderr.contains(token) && !run.stdout.contains(token));

    // Without the credential: the server says no, pull says so, and nobody is asked.
    env.ok(&["creds", "rm", "private"]);
    upstreams.commit(&env, &app, "dev three", &[("README", "three\n")]);
    let run = with_ca(&["pull", "--json"]);
    assert_eq!(run.code, 5, "only a fetch failed: {run:?}");
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(row(&report, &dir)["outcome"], "failed", "{report}");
    assert_eq!(
        std::fs::read_to_string(dir.join("README")).unwrap(),
        "two\n"
    );
}

/// The user's own credential helper (git's credential-store) keeps answering for the
/// repositories repodex holds no credential for, on the same host, while the vault
/// answers for its own: one pull fetches both over HTTPS, asks nobody, and the vault's
/// token never lands in the user's store.
#[test]
fn pull_keeps_the_users_own_credential_helper_beside_the_vault() {
    use crate::servers::{tls_for_localhost, HttpOptions, HttpServer};
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    let (tls, ca) = tls_for_localhost(&env.root().join("tls"));
    let (vault_token, store_token) = ("tok-vault-pull-3c1f", "tok-store-pull-77ae");
    let mut works = Vec::new();
    for name in ["private", "other"] {
        let work = upstreams.create(&env, name, "main", &[("README", "one\n")]);
        git_in(&env, &work, &["branch", "dev"]);
        git_in(&env, &work, &["push", "-q", "origin", "dev"]);
        works.push(work);
    }
    let server = HttpServer::start_with(
        &upstreams,
        HttpOptions {
            tls: Some(tls),
            basic_auth_by_path: vec![
                ("/private".into(), "alice".into(), vault_token.into()),
                ("/other".into(), "bob".into(), store_token.into()),
            ],
            ..Default::default()
        },
    );
    let store = env.root().join("home/.git-credentials");
    std::fs::write(
        &store,
        format!("https://bob:{store_token}@127.0.0.1:{}\n", server.port),
    )
    .unwrap();
    std::fs::write(
        env.root().join("home/.gitconfig"),
        format!(
            "[credential]\n\thelper = store --file={}\n[http]\n\tsslCAInfo = {}\n",
            store.display(),
            ca.display()
        ),
    )
    .unwrap();
    let with_ca = |args: &[&str]| {
        let mut cmd = env.command(args);
        cmd.env("SSL_CERT_FILE", &ca).env("GIT_SSL_CAINFO", &ca);
        crate::support::run_with_stdin(cmd, "")
    };
    for name in ["private", "other"] {
        let run = with_ca(&["register", "--no-fetch", &server.url(name), "--name", name]);
        assert_eq!(run.code, 0, "{run:?}");
    }
    let run = env.run_stdin(
        &["creds", "set", "private", "--username", "alice"],
        vault_token,
    );
    assert_eq!(run.code, 0, "{run:?}");
    // repodex's mirror of `other` is fetched with the vault only: its clone is made
    // with a credential stored for the moment, then dropped, so that from then on the
    // user's store alone answers for it.
    let run = env.run_stdin(&["creds", "set", "other", "--username", "bob"], store_token);
    assert_eq!(run.code, 0, "{run:?}");
    let mut dirs = Vec::new();
    for name in ["private", "other"] {
        let dir = env.work().join(name);
        let run = with_ca(&["clone", "-q", name, dir.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{name}: {run:?}");
        // A branch that follows the remote's dev: fetched by git in the clone.
        follow_remote_dev(&env, &dir);
        dirs.push(dir);
    }
    env.ok(&["creds", "rm", "other"]);
    for work in &works {
        git_in(&env, work, &["checkout", "-q", "dev"]);
        upstreams.commit(&env, work, "dev two", &[("README", "two\n")]);
    }

    let run = with_ca(&["pull", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    for dir in &dirs {
        assert_eq!(row(&report, dir)["outcome"], "fast-forwarded", "{report}");
        assert_eq!(
            std::fs::read_to_string(dir.join("README")).unwrap(),
            "two\n"
        );
    }
    // git's credential-store writes its line again after a use (the port's colon
    // escaped): bob's line, and only bob's.
    let after = std::fs::read_to_string(&store).unwrap();
    assert_eq!(after.lines().count(), 1, "{after}");
    assert!(
        after.contains(store_token) && after.starts_with("https://bob:"),
        "{after}"
    );
    assert!(!after.contains(vault_token), "{after}");
    env.assert_secret_absent(vault_token);
    assert!(!run.stderr.contains(vault_token) && !run.stderr.contains(store_token));
}

/// An entry's URL changed (by a teammate's push, say): repodex's mirror now holds
/// another repository, and a clone of the old one must never get its commits.
#[test]
fn a_changed_url_never_brings_another_repositorys_commits_into_a_clone() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    let app = upstreams.create(&env, "app", "main", &[("README", "app\n")]);
    let other = upstreams.create(&env, "other", "main", &[("README", "other\n")]);
    upstreams.commit(&env, &other, "other two", &[("README", "other two\n")]);
    let daemon = GitDaemon::start(&upstreams);
    env.ok(&["register", &daemon.url("app"), "--name", "app"]);
    let dir = env.work().join("app");
    env.ok(&["clone", "-q", "app", dir.to_str().unwrap()]);
    env.ok(&["set", "app", "--url", &daemon.url("other")]);
    env.ok(&["refresh", "app"]);
    upstreams.commit(&env, &app, "app two", &[("README", "app two\n")]);

    let run = env.run(&["pull", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(row(&report, &dir)["outcome"], "fast-forwarded", "{report}");
    assert_eq!(row(&report, &dir)["via"], "remote", "{report}");
    assert_eq!(
        std::fs::read_to_string(dir.join("README")).unwrap(),
        "app two\n"
    );
    let other_tip = rev(&env, &other, "HEAD");
    let mut probe = std::process::Command::new("git");
    env.isolate(&mut probe);
    let out = probe
        .args(["cat-file", "-e", &other_tip])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "the other repository's commit reached the clone"
    );
    assert_eq!(
        git_in(&env, &dir, &["remote", "get-url", "origin"]).trim(),
        daemon.url("app")
    );
}
