//! Names everywhere and migration: clone from the mirror, and import scan.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::harness::{run, side_by_side, Bench, Row};
use super::remote::start_daemon;

/// A repository with `files` files and `commits` commits, made with git fast-import.
fn big_repository(bench: &Bench, bare: &Path, files: usize, commits: usize) {
    run(bench
        .git(bench.dir.path(), &["init", "-q", "--bare", "-b", "main"])
        .arg(bare));
    let mut stream = String::new();
    for c in 0..commits {
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter Bench <b@x> {} +0000\ndata <<EOM\ncommit {c}\nEOM\n",
            1_700_000_000 + c
        ));
        let changed: Vec<usize> = if c == 0 {
            (0..files).collect()
        } else {
            (0..10).map(|k| (c * 10 + k) % files).collect()
        };
        for f in changed {
            let body = format!(
                "file {f} as of commit {c}\n{}",
                "some content line\n".repeat(20)
            );
            stream.push_str(&format!(
                "M 644 inline dir{}/file{f}.txt\ndata {}\n{body}\n",
                f % 50,
                body.len()
            ));
        }
    }
    let mut child = bench
        .git(bare, &["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stream.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
}

/// `count` working copies under `root`, each with an origin, made by copying one.
fn working_copies(bench: &Bench, root: &Path, count: usize) {
    let template = bench.dir.path().join("template");
    std::fs::create_dir_all(&template).unwrap();
    run(&mut bench.git(&template, &["init", "-q", "-b", "main"]));
    run(&mut bench.git(
        &template,
        &[
            "remote",
            "add",
            "origin",
            "https://git.example.com/team/REPO.git",
        ],
    ));
    let config = std::fs::read_to_string(template.join(".git/config")).unwrap();
    for i in 0..count {
        let dir = root
            .join(format!("group{}", i % 20))
            .join(format!("repo{i}"));
        copy_tree(&template.join(".git"), &dir.join(".git"));
        std::fs::write(
            dir.join(".git/config"),
            config.replace("REPO", &format!("repo{i}")),
        )
        .unwrap();
        std::fs::write(dir.join("README"), "x").unwrap();
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

pub fn rows(bench: &Bench) -> Vec<Row> {
    let (files, commits, copies, r) = if bench.quick {
        (500, 50, 100, 3)
    } else {
        (5_000, 500, 1_000, 5)
    };
    let mut rows = Vec::new();

    eprintln!("building a repository of {files} files and {commits} commits…");
    let upstreams = bench.dir.path().join("clone-upstreams");
    std::fs::create_dir_all(&upstreams).unwrap();
    big_repository(bench, &upstreams.join("big.git"), files, commits);
    let daemon = start_daemon(&upstreams);
    let url = format!("git://127.0.0.1:{}/big.git", daemon.port);
    let registry = bench.dir.path().join("clone-registry");
    let cache = bench.dir.path().join("clone-cache");
    let with_cache = |mut cmd: Command| {
        cmd.env("XDG_CACHE_HOME", &cache);
        cmd
    };
    run(&mut with_cache(
        bench.repodex(&registry, &["register", &url, "--name", "big"]),
    ));
    let clones = bench.dir.path().join("clones-out");
    std::fs::create_dir_all(&clones).unwrap();
    let target = |who: &str, i: usize| clones.join(format!("{who}-{i}")).display().to_string();
    let (ours, base) = side_by_side(
        r,
        true,
        |_| {},
        |i| {
            with_cache(bench.repodex(
                &registry,
                &["--offline", "clone", "big", &target("ours", i)],
            ))
        },
        |i| bench.git(&clones, &["clone", "-q", &url, &target("git", i)]),
    );
    // Like for like, checked: the copy holds every commit, as git's clone does.
    let count = bench
        .git(
            Path::new(&target("ours", 0)),
            &["rev-list", "--count", "HEAD"],
        )
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&count.stdout).trim(),
        commits.to_string(),
        "repodex clone copied another number of commits"
    );
    rows.push(Row::time(
        // Like for like: the mirror keeps the default branch's history, as git clone
        // copies it.
        format!("repodex clone of {files} files with all {commits} commits, from the mirror"),
        ours,
        base,
        "git clone with all commits from a loopback git daemon".into(),
        0.5,
        r,
    ));

    // Plain git by name: git-setup's one rule sends repodex:big to git-remote-repodex,
    // which resolves it and runs git against the same daemon (ls-remote, then fetch).
    run(&mut bench.repodex(&registry, &["git-setup"]));
    let helper_dir = Path::new(env!("CARGO_BIN_EXE_git-remote-repodex"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(helper_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let (ours, base) = side_by_side(
        r,
        true,
        |_| {},
        |i| {
            let mut cmd = bench.git(
                &clones,
                &["clone", "-q", "repodex:big", &target("named", i)],
            );
            cmd.env("PATH", &path);
            cmd
        },
        |i| bench.git(&clones, &["clone", "-q", &url, &target("plain", i)]),
    );
    rows.push(Row::time(
        format!(
            "git clone repodex:big ({files} files, {commits} commits) through git-remote-repodex"
        ),
        ours,
        base,
        "git clone of its URL from the same loopback git daemon".into(),
        1.1,
        r,
    ));
    run(&mut bench.repodex(&registry, &["git-setup", "--undo"]));
    drop(daemon);

    eprintln!("building {copies} working copies…");
    let tree = bench.dir.path().join("scan-tree");
    working_copies(bench, &tree, copies);
    let registries: Vec<PathBuf> = (0..=r)
        .map(|i| bench.dir.path().join(format!("scan-registry-{i}")))
        .collect();
    let pick = |i: usize| if i == usize::MAX { r } else { i };
    let tree_arg = tree.display().to_string();
    let (ours, base) = side_by_side(
        r,
        true,
        |_| {},
        |i| bench.repodex(&registries[pick(i)], &["import", "scan", &tree_arg]),
        |_| {
            bench.sh(
                &tree,
                "find . -name .git -prune -type d | while read -r d; do git -C \"${d%/.git}\" config --get remote.origin.url >/dev/null || exit 1; done",
            )
        },
    );
    rows.push(Row::time(
        format!("import scan of {copies} working copies"),
        ours,
        base,
        "find + git config --get remote.origin.url loop".into(),
        0.5,
        r,
    ));
    rows
}
