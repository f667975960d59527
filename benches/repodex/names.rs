//! Names everywhere and migration: clone from the mirror, and import scan.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::harness::{round_robin, run, side_by_side, Bench, Row};
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
    // One commit, as every real working copy has (vcs export needs a HEAD).
    std::fs::write(template.join("README"), "x").unwrap();
    run(&mut bench.git(&template, &["add", "README"]));
    run(&mut bench.git(&template, &["commit", "-qm", "first"]));
    run(&mut bench.git(
        &template,
        &[
            "remote",
            "add",
            "origin",
            "https://git.example.com/team/REPO.git",
        ],
    ));
    // A branch that tracks origin's, as in a clone (vcs export needs the upstream).
    run(&mut bench.git(&template, &["config", "branch.main.remote", "origin"]));
    run(&mut bench.git(
        &template,
        &["config", "branch.main.merge", "refs/heads/main"],
    ));
    run(&mut bench.git(
        &template,
        &["update-ref", "refs/remotes/origin/main", "HEAD"],
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
    let peers = super::peers::installed(bench);
    let gita_homes: Vec<PathBuf> = (0..=r)
        .map(|i| bench.dir.path().join(format!("gita-scan-{i}")))
        .collect();
    let mut ours = |i: usize| bench.repodex(&registries[pick(i)], &["import", "scan", &tree_arg]);
    let mut find_loop = |_| {
        bench.sh(
            &tree,
            "find . -name .git -prune -type d | while read -r d; do git -C \"${d%/.git}\" config --get remote.origin.url >/dev/null || exit 1; done",
        )
    };
    let mut labels = vec![(
        "find + git config --get remote.origin.url loop".to_string(),
        Some(0.5),
    )];
    let mut theirs: Vec<Box<dyn FnMut(usize) -> Command + '_>> = Vec::new();
    for peer in &peers {
        let script = match *peer {
            "gita" => {
                labels.push(("gita add -r (records paths only)".into(), Some(1.0)));
                format!("gita add -r {tree_arg} >/dev/null")
            }
            "mu" => {
                labels.push(("mu register --recursive (records paths only)".into(), None));
                "rm -f .mu_repo && mu register --recursive >/dev/null".into()
            }
            "vcs" => {
                labels.push((
                    "vcs export (lists copies and remotes; keeps nothing)".into(),
                    None,
                ));
                format!("vcs export {tree_arg} >/dev/null")
            }
            // myrepos registers one working copy per `mr register`: no recursive form.
            _ => continue,
        };
        let gita_homes = &gita_homes;
        let tree = &tree;
        theirs.push(Box::new(move |i: usize| {
            super::peers::command(bench, tree, &gita_homes[pick(i)], &script)
        }));
    }
    let mut commands: Vec<&mut dyn FnMut(usize) -> Command> = vec![&mut ours, &mut find_loop];
    for command in theirs.iter_mut() {
        commands.push(command.as_mut());
    }
    let times = round_robin(
        r,
        true,
        |_| {
            for home in &gita_homes {
                let _ = std::fs::remove_dir_all(home);
            }
        },
        &mut commands,
    );
    for (k, (label, target)) in labels.iter().enumerate() {
        let what = format!("import scan of {copies} working copies");
        rows.push(match target {
            Some(target) => Row::time(what, times[0], times[k + 1], label.clone(), *target, r),
            None => Row::informing(what, times[0], times[k + 1], label.clone(), r),
        });
    }

    // Listing them all and looking one up, once adopted: repodex's registry against the
    // peers' records of the same working copies.
    let adopted = &registries[0];
    // The last round's gita state is the one left.
    let gita_home = &gita_homes[r - 1];
    if peers.contains(&"mr") {
        let mut config = String::new();
        for i in 0..copies {
            config.push_str(&format!(
                "[group{}/repo{i}]\ncheckout = git clone 'https://git.example.com/team/repo{i}.git' 'repo{i}'\n\n",
                i % 20
            ));
        }
        std::fs::write(tree.join(".mrconfig"), config).unwrap();
        let trust = bench.dir.path().join("home/.mrtrust");
        let mut trusted = std::fs::read_to_string(&trust).unwrap_or_default();
        trusted.push_str(&format!("{}\n", tree.join(".mrconfig").display()));
        std::fs::write(&trust, trusted).unwrap();
    }
    let lookup = format!("repo{}", copies / 2);
    for (what, ours_args, peer_scripts) in [
        (
            format!("list of {copies} adopted working copies"),
            vec!["list".to_string()],
            vec![
                ("gita", "gita ls >/dev/null".to_string(), "gita ls"),
                ("mu", "mu list >/dev/null".to_string(), "mu list"),
                ("mr", "mr -q list >/dev/null".to_string(), "mr list"),
            ],
        ),
        (
            format!("look up one of {copies} adopted working copies"),
            vec![
                "resolve".to_string(),
                lookup.clone(),
                "--print".into(),
                "path".into(),
            ],
            vec![(
                "gita",
                format!("gita ls {lookup} >/dev/null"),
                "gita ls NAME (its path)",
            )],
        ),
    ] {
        let ours_args: Vec<&str> = ours_args.iter().map(String::as_str).collect();
        let here: Vec<_> = peer_scripts
            .into_iter()
            .filter(|(peer, _, _)| peers.contains(peer))
            .collect();
        if here.is_empty() {
            continue;
        }
        let mut ours = |_| bench.repodex(adopted, &ours_args);
        let mut theirs: Vec<Box<dyn FnMut(usize) -> Command + '_>> = here
            .iter()
            .map(|(_, script, _)| {
                let script = script.clone();
                let tree = &tree;
                Box::new(move |_| super::peers::command(bench, tree, gita_home, &script))
                    as Box<dyn FnMut(usize) -> Command + '_>
            })
            .collect();
        let mut commands: Vec<&mut dyn FnMut(usize) -> Command> = vec![&mut ours];
        for command in theirs.iter_mut() {
            commands.push(command.as_mut());
        }
        let times = round_robin(r * 3, true, |_| {}, &mut commands);
        for (k, (_, _, label)) in here.iter().enumerate() {
            rows.push(Row::informing(
                what.clone(),
                times[0],
                times[k + 1],
                label.to_string(),
                r * 3,
            ));
        }
    }
    rows
}
