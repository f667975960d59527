//! The registry core: resolve and register at 10 and 10,000 entries, against plain git.

use std::path::PathBuf;

use super::harness::{run, side_by_side, Bench, Row};
use repodex::{GitUrl, NewEntry, Registry};

/// A registry of `n` entries over about n/10 owners, with aliases, tags and
/// descriptions, made in one commit through the library.
fn registry(bench: &Bench, n: usize) -> PathBuf {
    let dir = bench.dir.path().join(format!("registry-{n}"));
    let mut registry = Registry::open_or_create(&dir).unwrap();
    let mut tx = registry.transaction(|| {}).unwrap();
    let owners = (n / 10).max(1);
    for i in 0..n {
        let url = GitUrl::parse(&format!(
            "https://git.example.com/owner{}/project-{i}.git",
            i % owners
        ))
        .unwrap()
        .url;
        let new = NewEntry {
            name: None,
            aliases: vec![format!("p{i}")],
            tags: vec![format!("team{}", i % 7), "bench".into()],
            description: Some(format!(
                "Benchmark project number {i}, owned by owner{}",
                i % owners
            )),
        };
        tx.register(&url, new).unwrap();
    }
    tx.commit(&format!("register {n} repositories")).unwrap();
    dir
}

pub fn rows(bench: &Bench) -> Vec<Row> {
    let (s, l, r) = if bench.quick {
        (10, 300, 5)
    } else {
        (10, 10_000, 31)
    };
    eprintln!("building registries of {s} and {l} entries…");
    let small = registry(bench, s);
    let large = registry(bench, l);
    let owner = |i: usize, n: usize| i % (n / 10).max(1);
    let last = l - 1;
    let name = format!("owner{}/project-{last}", owner(last, l));
    let url = format!("git@git.example.com:owner{}/project-{last}", owner(last, l));
    let (small_name, small_alias) = (format!("owner0/project-{}", s - 1), format!("p{}", s - 1));
    let small_url = format!("https://git.example.com/owner0/project-{}", s - 1);
    let alias = format!("p{last}");
    let mut rows = Vec::new();
    let nothing = |_| {};
    for (label, large_ref, small_ref) in [
        ("name", &name, &small_name),
        ("alias", &alias, &small_alias),
        ("URL", &url, &small_url),
    ] {
        let (ours, base) = side_by_side(
            r,
            true,
            nothing,
            |_| bench.repodex(&large, &["resolve", large_ref]),
            |_| bench.repodex(&small, &["resolve", small_ref]),
        );
        rows.push(Row {
            what: format!("resolve by {label} at {l}"),
            ours,
            base,
            baseline: format!("the same at {s}"),
            target: 1.3,
            repeats: r,
        });
    }
    let (ours, base) = side_by_side(
        r,
        true,
        nothing,
        |_| bench.repodex(&large, &["resolve", &name]),
        |_| bench.git(&large, &["rev-parse", "--git-dir"]),
    );
    rows.push(Row {
        what: format!("resolve by name at {l}, vs git"),
        ours,
        base,
        baseline: "git rev-parse --git-dir".into(),
        target: 3.0,
        repeats: r,
    });

    // register one more repository vs git add + git commit of one new file.
    std::fs::create_dir_all(large.join("repos/new")).unwrap();
    let (ours, base) = side_by_side(
        r,
        true,
        nothing,
        |i| {
            bench.repodex(
                &large,
                &[
                    "register",
                    "--no-fetch",
                    &format!("https://git.example.com/new/ours-{i}.git"),
                ],
            )
        },
        |i| {
            let file = format!("repos/new/plain-{i}.toml");
            let content = format!(
                "name = \"new/plain-{i}\"\nurl = \"https://git.example.com/new/plain-{i}.git\"\nadded = 2026-01-01T00:00:00Z\n"
            );
            std::fs::write(large.join(&file), content).unwrap();
            let id = "-c user.name=B -c user.email=b@x";
            bench.sh(
                &large,
                &format!("git {id} add {file} && git {id} commit -q -m 'add {file}'"),
            )
        },
    );
    rows.push(Row {
        what: format!("register at {l}"),
        ours,
        base,
        baseline: "git add + git commit of one file".into(),
        target: 1.0,
        repeats: r,
    });

    // Previews of the scale targets (which apply at 100,000 entries).
    let (ours, base) = side_by_side(
        r.min(11),
        true,
        nothing,
        |_| bench.repodex(&large, &["list", "--json"]),
        |_| bench.git(&large, &["ls-tree", "-r", "HEAD"]),
    );
    rows.push(Row {
        what: format!("list --json at {l}"),
        ours,
        base,
        baseline: "git ls-tree -r HEAD".into(),
        target: 2.0,
        repeats: r.min(11),
    });
    let (ours, base) = side_by_side(
        r,
        true,
        nothing,
        |_| bench.repodex(&large, &["--version"]),
        |_| bench.git(&large, &["--version"]),
    );
    rows.push(Row {
        what: "repodex --version".into(),
        ours,
        base,
        baseline: "git --version".into(),
        target: 1.5,
        repeats: r,
    });
    let status = bench
        .git(&large, &["status", "--porcelain"])
        .output()
        .unwrap();
    assert!(
        status.stdout.is_empty(),
        "the benchmark registry is not clean"
    );
    run(&mut bench.git(&large, &["fsck", "--no-progress"]));
    rows
}
