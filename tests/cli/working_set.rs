//! The working set: a home for clones, many at once, where the clones are, and the
//! record of clones that keeps them through renames, moves and damage.

use std::path::PathBuf;

use crate::servers::{GitDaemon, Upstreams};
use crate::support::{git_in, TestEnv};
use pretty_assertions::assert_eq;

/// `list --json`'s clones of each entry that has any: name -> [(path, exists)].
fn clones_listed(env: &TestEnv) -> Vec<(String, Vec<(String, bool)>)> {
    let list: serde_json::Value = serde_json::from_str(&env.ok(&["list", "--json"])).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .filter(|item| !item["clones"].as_array().unwrap().is_empty())
        .map(|item| {
            let clones = item["clones"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    (
                        c["path"].as_str().unwrap().to_string(),
                        c["exists"].as_bool().unwrap(),
                    )
                })
                .collect();
            (item["name"].as_str().unwrap().to_string(), clones)
        })
        .collect()
}

fn home_src(env: &TestEnv, rest: &str) -> PathBuf {
    env.root().join("home/src").join(rest)
}

/// A second set of upstreams, served by a daemon a test can stop on its own.
fn other_upstreams(env: &TestEnv, folder: &str) -> Upstreams {
    let root = env.root().join(folder);
    std::fs::create_dir_all(&root).unwrap();
    Upstreams { root }
}

#[test]
fn clone_a_tagged_selection_into_the_layout_with_one_upstream_stopped() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    upstreams.create(&env, "lib", "main", &[("README", "lib\n")]);
    upstreams.create(&env, "cli", "trunk", &[("README", "cli\n")]);
    upstreams.create(&env, "site", "main", &[("README", "site\n")]);
    let elsewhere = other_upstreams(&env, "upstreams-elsewhere");
    elsewhere.create(&env, "gone", "main", &[("README", "gone\n")]);
    let daemon = GitDaemon::start(&upstreams);
    let stopped = GitDaemon::start(&elsewhere);
    for (repo, tags) in [
        ("lib", &["oss"][..]),
        ("cli", &["oss", "work"]),
        ("site", &["work"]),
    ] {
        let mut args = vec!["register", "--no-fetch"];
        let url = daemon.url(repo);
        args.push(&url);
        for tag in tags {
            args.extend(["--tag", tag]);
        }
        env.ok(&args);
    }
    let gone_url = stopped.url("gone");
    env.ok(&["register", "--no-fetch", &gone_url, "--tag", "oss"]);
    drop(stopped);

    let run = env.run(&["clone", "--tag", "oss"]);
    // The remote that failed is exit 5, as for refresh; the others were cloned.
    assert_eq!(run.code, 5, "{run:?}");
    assert_eq!(
        run.stdout,
        "cloned  cli  ~/src/127.0.0.1/cli\ncloned  lib  ~/src/127.0.0.1/lib\n"
    );
    assert!(
        run.stderr.contains("repodex: failed gone: "),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("repodex: 2 cloned, 0 skipped (cloned already), 1 failed"),
        "{}",
        run.stderr
    );
    // No folder left for the one that failed; none made for the one not selected.
    assert!(!home_src(&env, "127.0.0.1/gone").exists());
    assert!(!home_src(&env, "127.0.0.1/site").exists());
    for (name, branch) in [("lib", "main"), ("cli", "trunk")] {
        let copy = home_src(&env, &format!("127.0.0.1/{name}"));
        assert_eq!(
            git_in(&env, &copy, &["remote", "get-url", "origin"]),
            format!("{}\n", daemon.url(name))
        );
        assert_eq!(
            git_in(&env, &copy, &["branch", "--show-current"]),
            format!("{branch}\n")
        );
        assert_eq!(git_in(&env, &copy, &["status", "--porcelain"]), "");
        assert_eq!(
            git_in(&env, &copy, &["rev-parse", "--abbrev-ref", "@{u}"]),
            format!("origin/{branch}\n")
        );
    }
    // Again: those cloned are skipped and said so; the stopped one still fails.
    let report: serde_json::Value = {
        let run = env.run(&["clone", "--tag", "oss", "--json"]);
        assert_eq!(run.code, 5, "{run:?}");
        serde_json::from_str(&run.stdout).unwrap()
    };
    let skipped: Vec<&str> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["cli", "lib"]);
    assert_eq!(report["failed"][0]["name"], "gone");
    assert_eq!(report["failed"][0]["cause"], "remote");
    assert!(report["cloned"].as_array().unwrap().is_empty());
    // Where the clones are: list's PATH column and --json.
    let list = env.ok(&["list", "--columns", "name,path"]);
    assert_eq!(
        list,
        "NAME  PATH\ncli   ~/src/127.0.0.1/cli\ngone  -\nlib   ~/src/127.0.0.1/lib\nsite  -\n"
    );
}

#[test]
fn a_selection_that_names_nothing_or_an_unknown_tag_is_refused_with_suggestions() {
    let env = TestEnv::new();
    let a = env.make_repo("a");
    env.ok(&["register", a.to_str().unwrap(), "--tag", "work"]);
    // A mistyped tag: the nearest one, exit 3 as for a name.
    let error = env.fails(3, &["clone", "--tag", "wrok"]);
    assert_eq!(
        error,
        "repodex: error: no entry is tagged 'wrok'; did you mean 'work'?; `repodex list --columns name,tags` shows the tags"
    );
    let error = env.fails(3, &["list", "--tag", "wrok"]);
    assert!(error.contains("did you mean 'work'?"), "{error}");
    // Nothing named at all.
    let error = env.fails(2, &["clone"]);
    assert!(error.contains("name the repositories"), "{error}");
    // A glob that matches nothing, and a malformed expression.
    let error = env.fails(3, &["clone", "acme/*"]);
    assert!(
        error.contains("no entry's name or alias matches 'acme/*'"),
        "{error}"
    );
    let error = env.fails(2, &["clone", "--tag", "work+"]);
    assert!(error.contains("is not a tag expression"), "{error}");
    // A selection that matches nothing together.
    let error = env.fails(3, &["clone", "--tag", "^work"]);
    assert!(
        error.contains("nothing selected: no entry matches --tag ^work"),
        "{error}"
    );
}

#[test]
fn the_layout_goes_under_a_root_with_spaces_and_names_become_paths() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    upstreams.create(&env, "app", "main", &[("README", "app\n")]);
    let daemon = GitDaemon::start(&upstreams);
    env.ok(&["register", &daemon.url("app"), "--name", "team/app"]);
    let root = env.root().join("my clones");
    env.ok(&[
        "settings",
        "set",
        "--machine",
        "clone_root",
        root.to_str().unwrap(),
    ]);
    env.ok(&["settings", "set", "--machine", "clone_layout", "{name}"]);
    let path = env.ok(&["clone", "team/app"]);
    let expected = root.join("team/app");
    assert_eq!(path, format!("{}\n", expected.display()));
    assert_eq!(
        std::fs::read_to_string(expected.join("README")).unwrap(),
        "app\n"
    );
    assert_eq!(
        env.ok(&["resolve", "team/app", "--print", "path"]),
        format!("{}\n", expected.display())
    );
    // A bad layout or root is refused when set, with why.
    let error = env.fails(
        2,
        &["settings", "set", "--machine", "clone_layout", "../{repo}"],
    );
    assert!(error.contains("'..' would leave the clone root"), "{error}");
    let error = env.fails(
        2,
        &["settings", "set", "--machine", "clone_root", "relative/dir"],
    );
    assert!(
        error.contains("neither an absolute path nor one under ~/"),
        "{error}"
    );
}

/// The record of clones follows an entry through a rename and a move, reports a
/// damaged file instead of emptying it, shows a deleted clone as gone until `prune`,
/// and reads the record repodex 0.2 wrote.
#[test]
fn the_record_of_clones_survives_renames_moves_damage_and_deletion() {
    // Online for the mirrors of local repositories; nothing leaves this machine.
    let env = TestEnv::online();
    // A bare upstream: a working copy registered as itself would be its own clone.
    Upstreams::new(&env).create(&env, "app", "main", &[("README", "app\n")]);
    let repo = env.root().join("upstreams/app.git");
    let url = repo.to_str().unwrap().to_string();
    env.ok(&["register", &url, "--name", "app"]);
    let copy = env.work().join("copy");
    git_in(&env, &env.work(), &["clone", "-q", &url, "copy"]);
    // `register` of a clone of a registered repository records it.
    env.fails(2, &["register", copy.to_str().unwrap()]);
    let copy = copy.canonicalize().unwrap();
    let shown = copy.display().to_string();
    assert_eq!(
        clones_listed(&env),
        [("app".into(), vec![(shown.clone(), true)])]
    );

    // Renamed: the same URL keeps the clone.
    env.ok(&["rename", "app", "tools/app"]);
    assert_eq!(
        clones_listed(&env),
        [("tools/app".into(), vec![(shown.clone(), true)])]
    );
    // Moved (a new URL): the same name keeps it.
    let moved = env.root().join("upstreams/app-moved.git");
    std::fs::rename(&repo, &moved).unwrap();
    env.ok(&["set", "tools/app", "--url", moved.to_str().unwrap()]);
    assert_eq!(
        clones_listed(&env),
        [("tools/app".into(), vec![(shown.clone(), true)])]
    );
    // A write brings the record up to date, so a rename after the move keeps it too.
    let other = env.work().join("other");
    env.ok(&["clone", "tools/app", other.to_str().unwrap()]);
    env.ok(&["rename", "tools/app", "app2"]);
    let other_shown = other.canonicalize().unwrap().display().to_string();
    assert_eq!(
        clones_listed(&env),
        [(
            "app2".into(),
            vec![(shown.clone(), true), (other_shown.clone(), true)]
        )]
    );

    // Deleted: shown as gone, then forgotten by prune.
    std::fs::remove_dir_all(&other).unwrap();
    assert_eq!(
        clones_listed(&env),
        [(
            "app2".into(),
            vec![(shown.clone(), true), (other_shown.clone(), false)]
        )]
    );
    let info = env.ok(&["info", "app2"]);
    assert!(
        info.contains(&format!("{other_shown} (gone; `repodex prune` forgets it)")),
        "{info}"
    );
    let pruned = env.run(&["prune"]);
    assert_eq!(pruned.code, 0, "{pruned:?}");
    assert_eq!(
        pruned.stdout,
        format!("forgot {other_shown} (a clone of app2)\n")
    );
    assert_eq!(
        clones_listed(&env),
        [("app2".into(), vec![(shown.clone(), true)])]
    );

    // Damaged: reported (exit 4) and left as it is, by reads and writes alike.
    let record = env.registry().join(".git/repodex/clones.json");
    std::fs::write(&record, b"{\"version\": 2, \"clones\": [trunc").unwrap();
    let damaged = std::fs::read(&record).unwrap();
    let error = env.fails(4, &["list"]);
    assert!(
        error.contains("record of its clones") && error.contains("is damaged"),
        "{error}"
    );
    env.fails(
        4,
        &["clone", "app2", env.work().join("third").to_str().unwrap()],
    );
    assert!(!env.work().join("third").exists());
    env.fails(4, &["prune"]);
    assert_eq!(std::fs::read(&record).unwrap(), damaged);

    // The first shape of the file (URL identity -> paths) is read as it was.
    let stored = env.ok(&["resolve", "app2"]);
    let key = format!("file://{}", stored.trim().trim_start_matches("file://"));
    std::fs::write(
        &record,
        serde_json::json!({"clones": {key: [shown.clone()]}}).to_string(),
    )
    .unwrap();
    assert_eq!(
        clones_listed(&env),
        [("app2".into(), vec![(shown.clone(), true)])]
    );
}

/// Several commands cloning at once each record their clone.
#[test]
fn clones_made_at_once_are_all_recorded() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    let mut names = Vec::new();
    for i in 0..8 {
        upstreams.create(&env, &format!("r{i}"), "main", &[("README", "r\n")]);
        let repo = upstreams.root.join(format!("r{i}.git"));
        env.ok(&[
            "register",
            repo.to_str().unwrap(),
            "--name",
            &format!("r{i}"),
        ]);
        names.push(format!("r{i}"));
    }
    let children: Vec<_> = names
        .iter()
        .map(|name| {
            let dir = env.work().join(format!("copy-{name}"));
            env.command(&["clone", "-q", name, dir.to_str().unwrap()])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let listed = clones_listed(&env);
    let recorded: Vec<&str> = listed.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        recorded,
        names.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(listed.iter().all(|(_, clones)| clones.len() == 1));
}

/// What `git status --porcelain=v2 --branch --show-stash` says of a clone, in the
/// fields `status --json` gives: staged, changed, untracked, conflicted, stashes, and
/// (ahead, behind) when the upstream is there.
fn porcelain(env: &TestEnv, dir: &std::path::Path) -> serde_json::Value {
    let text = git_in(
        env,
        dir,
        &["status", "--porcelain=v2", "--branch", "--show-stash"],
    );
    let (mut staged, mut changed, mut untracked, mut conflicted, mut stashes) = (0, 0, 0, 0, 0);
    let mut ab = serde_json::Value::Null;
    for line in text.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        match fields[0] {
            "1" | "2" => {
                let xy = fields[1].as_bytes();
                staged += usize::from(xy[0] != b'.');
                changed += usize::from(xy[1] != b'.');
            }
            "u" => conflicted += 1,
            "?" => untracked += 1,
            "#" if fields[1] == "stash" => stashes = fields[2].parse().unwrap(),
            "#" if fields[1] == "branch.ab" => {
                ab = serde_json::json!([
                    fields[2].trim_start_matches('+').parse::<u64>().unwrap(),
                    fields[3].trim_start_matches('-').parse::<u64>().unwrap()
                ])
            }
            _ => {}
        }
    }
    serde_json::json!({"staged": staged, "changed": changed, "untracked": untracked,
        "conflicted": conflicted, "stashes": stashes, "ab": ab})
}

/// The same fields of one row of `status --json`.
fn reported(row: &serde_json::Value) -> serde_json::Value {
    let ab = match &row["upstream"] {
        serde_json::Value::Null => serde_json::Value::Null,
        up if up["ahead"].is_null() => serde_json::Value::Null,
        up => serde_json::json!([up["ahead"], up["behind"]]),
    };
    serde_json::json!({"staged": row["staged"], "changed": row["changed"],
        "untracked": row["untracked"], "conflicted": row["conflicted"],
        "stashes": row["stashes"], "ab": ab})
}

#[test]
fn status_says_of_every_clone_what_git_status_says() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    let app = upstreams.create(
        &env,
        "app",
        "main",
        &[("README", "one\n"), ("src/lib.rs", "// lib\n")],
    );
    upstreams.create(&env, "lib", "trunk", &[("notes", "a\nb\nc\n")]);
    let daemon = GitDaemon::start(&upstreams);
    env.ok(&[
        "register",
        &daemon.url("app"),
        "--name",
        "app",
        "--tag",
        "work",
    ]);
    env.ok(&[
        "register",
        &daemon.url("lib"),
        "--name",
        "lib",
        "--tag",
        "oss",
    ]);
    let clone = |name: &str, dir: &str| -> PathBuf {
        let path = env.work().join(dir);
        env.ok(&["clone", "-q", name, path.to_str().unwrap()]);
        path
    };
    let clean = clone("app", "clean");
    let dirty = clone("app", "dirty");
    let ahead = clone("app", "ahead");
    let behind = clone("app", "behind");
    let gone = clone("app", "gone");
    let stashed = clone("lib", "stashed");
    let rebasing = clone("lib", "rebasing");
    // dirty: one file staged, one changed, an untracked folder of two files.
    std::fs::write(dirty.join("README"), "staged\n").unwrap();
    git_in(&env, &dirty, &["add", "README"]);
    std::fs::write(dirty.join("src/lib.rs"), "// changed\n").unwrap();
    std::fs::create_dir_all(dirty.join("new")).unwrap();
    std::fs::write(dirty.join("new/a"), "a").unwrap();
    std::fs::write(dirty.join("new/b"), "b").unwrap();
    // ahead by one commit, and a branch pushed nowhere.
    std::fs::write(ahead.join("README"), "mine\n").unwrap();
    git_in(&env, &ahead, &["commit", "-qam", "mine"]);
    git_in(&env, &ahead, &["branch", "feature"]);
    // behind: upstream moved and this clone fetched it.
    upstreams.commit(&env, &app, "two", &[("README", "two\n")]);
    git_in(&env, &behind, &["fetch", "-q"]);
    std::fs::remove_dir_all(&gone).unwrap();
    // two stashes.
    for text in ["x\n", "y\n"] {
        std::fs::write(stashed.join("notes"), text).unwrap();
        git_in(&env, &stashed, &["stash", "-q"]);
    }
    // a rebase stopped on a conflict.
    git_in(&env, &rebasing, &["checkout", "-qb", "topic"]);
    std::fs::write(rebasing.join("notes"), "a\nTOPIC\nc\n").unwrap();
    git_in(&env, &rebasing, &["commit", "-qam", "topic"]);
    git_in(&env, &rebasing, &["checkout", "-q", "trunk"]);
    std::fs::write(rebasing.join("notes"), "a\nTRUNK\nc\n").unwrap();
    git_in(&env, &rebasing, &["commit", "-qam", "trunk"]);
    git_in(&env, &rebasing, &["checkout", "-q", "topic"]);
    let mut rebase = std::process::Command::new("git");
    env.isolate(&mut rebase);
    let out = rebase
        .args([
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@e",
            "rebase",
            "trunk",
        ])
        .current_dir(&rebasing)
        .output()
        .unwrap();
    assert!(!out.status.success(), "the rebase stops on its conflict");

    let report: serde_json::Value = serde_json::from_str(&env.ok(&["status", "--json"])).unwrap();
    let rows = report["clones"].as_array().unwrap();
    let by_path = |dir: &PathBuf| -> &serde_json::Value {
        let dir = dir.canonicalize().unwrap_or_else(|_| dir.clone());
        rows.iter()
            .find(|r| r["path"] == serde_json::json!(dir))
            .unwrap_or_else(|| panic!("no row for {}", dir.display()))
    };
    for dir in [&clean, &dirty, &ahead, &behind, &stashed, &rebasing] {
        assert_eq!(
            reported(by_path(dir)),
            porcelain(&env, dir),
            "{}",
            dir.display()
        );
    }
    assert_eq!(
        by_path(&ahead)["unpushed_branches"],
        serde_json::json!(["feature"])
    );
    // git's merge backend of `rebase` keeps its state as `rebase -i` does.
    assert!(
        by_path(&rebasing)["operation"]
            .as_str()
            .is_some_and(|op| op.starts_with("rebase")),
        "{}",
        by_path(&rebasing)
    );
    assert_eq!(by_path(&gone)["state"], "gone");
    // dirty, ahead, behind, gone, rebasing; stashes alone need no one.
    assert_eq!(report["attention"], 5);
    assert_eq!(by_path(&clean)["attention"], false);

    // The table: one line per clone, symbols as --help explains them.
    let table = env.ok(&["status", "app"]);
    assert!(table.starts_with("NAME  BRANCH  SYNC  LOCAL  "), "{table}");
    let line_of = |table: &str, dir: &PathBuf| -> Vec<String> {
        let shown = dir
            .canonicalize()
            .unwrap_or_else(|_| dir.clone())
            .display()
            .to_string();
        table
            .lines()
            .find(|l| l.ends_with(&shown))
            .unwrap_or_else(|| panic!("no line for {shown} in {table}"))
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    let shown = |p: &PathBuf| p.canonicalize().unwrap().display().to_string();
    assert_eq!(
        line_of(&table, &clean),
        ["app", "main", "=", "clean", &shown(&clean)]
    );
    assert_eq!(
        line_of(&table, &dirty),
        ["app", "main", "=", "+1", "~1", "?1", &shown(&dirty)]
    );
    assert_eq!(
        line_of(&table, &ahead),
        ["app", "main", "↑1", "clean", "^1", &shown(&ahead)]
    );
    assert_eq!(
        line_of(&table, &behind),
        ["app", "main", "↓1", "clean", &shown(&behind)]
    );
    assert_eq!(
        line_of(&table, &gone),
        ["app", "-", "-", "gone", &gone.display().to_string()]
    );
    let table = env.ok(&["status", "lib"]);
    assert_eq!(
        line_of(&table, &stashed),
        ["lib", "trunk", "=", "clean", "$2", &shown(&stashed)]
    );
    let rebase_line = line_of(&table, &rebasing);
    assert_eq!(rebase_line[2], "[rebase]", "{rebase_line:?}");

    // The default branch repodex last saw upstream: a refresh learns `two`, and the
    // clean clone, which never fetched it, is behind it (⇣) without a fetch of its own.
    env.ok(&["refresh", "app"]);
    let table = env.ok(&["status", "app"]);
    assert_eq!(line_of(&table, &clean)[2..4], ["=", "⇣"]);
    // --fetch updates the remote-tracking branches first: now it is one behind.
    let table = env.ok(&["status", "--fetch", "app"]);
    assert_eq!(line_of(&table, &clean)[2..4], ["↓1", "⇣"]);

    // --exit-code: 1 when anything needs attention, 0 when nothing does.
    assert_eq!(env.run(&["status", "--exit-code"]).code, 1);
    for dir in [&dirty, &ahead, &behind, &stashed, &rebasing] {
        std::fs::remove_dir_all(dir).unwrap();
    }
    env.ok(&["prune"]);
    git_in(&env, &clean, &["merge", "-q", "--ff-only", "origin/main"]);
    let run = env.run(&["status", "--exit-code"]);
    assert_eq!(run.code, 0, "{run:?}");
}
