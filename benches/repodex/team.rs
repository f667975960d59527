//! A team's registry over time (issue 34): a sync after hundreds of received changes
//! against one after a few, and eight teammates making their changes at the same moment
//! against the same changes made one teammate after another. The remotes are bare
//! repositories on disk, so that the rows measure repodex, not a server.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::harness::{run, side_by_side, Bench, Row};
use repodex::{GitUrl, NewEntry, Registry};

const TEAMMATES: usize = 8;

pub fn rows(bench: &Bench) -> Vec<Row> {
    vec![after_many_received(bench), teammates_at_once(bench)]
}

/// A URL that nothing fetches (`--no-fetch`, and nothing listens on port 9).
fn url_of(name: &str) -> String {
    format!("git://127.0.0.1:9/team/{}", name.replace('/', "-"))
}

fn bare(bench: &Bench, path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    run(bench
        .git(
            path.parent().unwrap(),
            &["init", "-q", "--bare", "-b", "main"],
        )
        .arg(path));
}

/// How many entries both teammates' registries hold, so that the row compares
/// registries of one size that differ only in how many syncs they received (the cost
/// of a registry's size is the registry group's to measure).
const ENTRIES: usize = 100;

/// A sync that receives one change, from a registry that has received `many` changes
/// (one sync each, as a teammate who syncs every day would have) against one that has
/// received 5: the object store is kept packed, so the hundredth sync costs what the
/// first did. The changes are new descriptions of the registry's entries.
fn after_many_received(bench: &Bench) -> Row {
    let (many, few, r) = if bench.quick {
        (60, 5, 9)
    } else {
        (500, 5, 15)
    };
    let root = bench.dir.path().join("team-received");
    let remote = |label: &str| root.join(format!("{label}.git"));
    // Alice's registry of ENTRIES entries, then her changes, one commit each, made in
    // one process through the library.
    let alice = root.join("alice");
    run(&mut bench.repodex(&alice, &["init", "-q"]));
    let mut registry = Registry::open(&alice).unwrap();
    let mut tx = registry.transaction(|| {}).unwrap();
    for i in 0..ENTRIES {
        let name = format!("team/app{i}");
        let entry = NewEntry {
            name: Some(name.clone()),
            ..Default::default()
        };
        tx.register(&GitUrl::parse(&url_of(&name)).unwrap().url, entry)
            .unwrap();
    }
    tx.commit("register the team's repositories").unwrap();
    let changes = many + r + 1;
    for i in 0..changes {
        let mut tx = registry.transaction(|| {}).unwrap();
        let name = format!("team/app{}", i % ENTRIES);
        tx.set_description(&name, Some(format!("change {i}")))
            .unwrap();
        tx.commit(&format!("describe {name}")).unwrap();
    }
    drop(registry);
    let out = bench
        .git(&alice, &["rev-list", "--reverse", "HEAD"])
        .output()
        .unwrap();
    let commits: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    // commits[1] registered the entries; each later one is one change.
    let push = |label: &str, k: usize| {
        run(&mut bench.git(
            &alice,
            &[
                "push",
                "-q",
                remote(label).to_str().unwrap(),
                &format!("{}:refs/heads/main", commits[k]),
            ],
        ));
    };
    let teammate = |label: &str, received: usize| -> PathBuf {
        bare(bench, &remote(label));
        push(label, 1);
        let dir = root.join(format!("bob-{label}"));
        run(bench
            .repodex(&dir, &["init", "-q", "--from"])
            .arg(remote(label)));
        eprintln!("a teammate receiving {received} changes, one sync each…");
        for k in 2..received + 2 {
            push(label, k);
            run(&mut bench.repodex(&dir, &["sync", "-q"]));
        }
        dir
    };
    let bob_many = teammate("many", many);
    let bob_few = teammate("few", few);
    // Each round sends one more change to each; both receive it.
    let next = Cell::new(0);
    let (ours, base) = side_by_side(
        r,
        true,
        |_| {
            let k = next.get() + 1;
            next.set(k);
            push("many", many + 1 + k);
            push("few", few + 1 + k);
        },
        |_| bench.repodex(&bob_many, &["sync", "-q"]),
        |_| bench.repodex(&bob_few, &["sync", "-q"]),
    );
    let packs = std::fs::read_dir(bob_many.join(".git/objects/pack"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "pack")
        })
        .count();
    eprintln!("after {many} received syncs and {r} more: {packs} pack(s)");
    Row::time(
        format!("sync receiving 1 change, after {many} received changes (a sync each), {ENTRIES} entries"),
        ours,
        base,
        format!("the same after {few} received changes"),
        1.2,
        r,
    )
}

/// The shell function one teammate runs: `CHANGES` registrations, each followed by a
/// sync, run again when it asks to be (exit 5 and its message; counted in `asks`).
const TEAMMATE: &str = r#"
teammate() {
  for i in $(seq 1 "$CHANGES"); do
    REPODEX_HOME="$ROOT/t$1" "$REPODEX" -q register "git://127.0.0.1:9/team/t$1-c$i" --name "t$1/c$i" --no-fetch >/dev/null || return 1
    while :; do
      REPODEX_HOME="$ROOT/t$1" "$REPODEX" -q sync 2>"$ROOT/t$1.err"; code=$?
      [ "$code" -eq 0 ] && break
      grep -q 'run `repodex sync` again' "$ROOT/t$1.err" || { cat "$ROOT/t$1.err" >&2; return 1; }
      echo "t$1" >> "$ROOT/asks"
    done
  done
}
"#;

/// A remote and eight teammates who joined it, in `root`.
fn team(bench: &Bench, root: &Path) {
    let _ = std::fs::remove_dir_all(root);
    let remote = root.join("remote.git");
    bare(bench, &remote);
    let founder = root.join("founder");
    run(&mut bench.repodex(&founder, &["init", "-q"]));
    run(bench.repodex(&founder, &["remote", "set"]).arg(&remote));
    run(&mut bench.repodex(
        &founder,
        &[
            "register",
            &url_of("team/base"),
            "--name",
            "team/base",
            "--no-fetch",
        ],
    ));
    run(&mut bench.repodex(&founder, &["sync", "-q"]));
    for t in 0..TEAMMATES {
        run(bench
            .repodex(&root.join(format!("t{t}")), &["init", "-q", "--from"])
            .arg(&remote));
    }
}

/// Every teammate's changes are on the remote, and how many syncs asked to be run again.
fn landed(bench: &Bench, root: &Path, changes: usize) -> usize {
    let out = bench
        .git(
            root,
            &[
                "--git-dir=remote.git",
                "ls-tree",
                "-r",
                "--name-only",
                "main",
            ],
        )
        .output()
        .unwrap();
    let entries = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("repos/"))
        .count();
    assert_eq!(entries, 1 + TEAMMATES * changes, "not every change landed");
    std::fs::read_to_string(root.join("asks")).map_or(0, |asks| asks.lines().count())
}

/// Eight teammates making their changes at the same moment, each syncing after each
/// change (and syncing again when asked), against the same changes made and synced one
/// teammate after another: how much the team waits for each other.
fn teammates_at_once(bench: &Bench) -> Row {
    let (changes, r) = if bench.quick { (4, 1) } else { (10, 3) };
    let total = TEAMMATES * changes;
    let script = |at_once: bool| {
        let each = if at_once {
            "pids=''; for t in $(seq 0 $((TEAMMATES - 1))); do teammate $t & pids=\"$pids $!\"; done; for p in $pids; do wait $p || exit 1; done"
        } else {
            "for t in $(seq 0 $((TEAMMATES - 1))); do teammate $t || exit 1; done"
        };
        format!("{TEAMMATE}\n{each}\n")
    };
    let command = |root: &Path, at_once: bool| -> Command {
        let mut cmd = bench.sh(root, &script(at_once));
        cmd.env("ROOT", root)
            .env("REPODEX", &bench.repodex)
            .env("CHANGES", changes.to_string())
            .env("TEAMMATES", TEAMMATES.to_string());
        cmd
    };
    let (mut together, mut apart, mut asks) = (Vec::new(), Vec::new(), 0);
    for i in 0..r {
        let roots = [true, false].map(|at_once| {
            let root = bench.dir.path().join(format!("team-{i}-{at_once}"));
            team(bench, &root);
            root
        });
        for (root, at_once) in roots.iter().zip([true, false]) {
            let mut cmd = command(root, at_once);
            let start = Instant::now();
            run(&mut cmd);
            let took = start.elapsed();
            let asked = landed(bench, root, changes);
            if at_once {
                together.push(took);
                asks += asked;
            } else {
                apart.push(took);
            }
            let _ = std::fs::remove_dir_all(root);
        }
    }
    eprintln!(
        "{TEAMMATES} teammates, {total} changes at once, {r} times: {asks} of {} syncs asked to be run again",
        r * total
    );
    Row::time(
        format!("{TEAMMATES} teammates making {total} changes at once, a sync after each"),
        median(together),
        median(apart),
        format!("the same {total} changes synced one teammate after another"),
        2.0,
        r,
    )
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}
