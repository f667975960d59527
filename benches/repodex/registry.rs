//! The registry at scale: registries of 100, 10,000 and 100,000 entries (issue 7's
//! targets), each against plain git in the same registry.
//!
//! The registries are made the way a team would bring in an existing list: an export
//! file (about 1,000 owners; aliases, tags, descriptions, remote data and a cached
//! configuration file of realistic size per entry) imported with `repodex import file`.
//! The largest import is itself a measurement, against `git add -A && git commit` of the
//! same files in a fresh repository.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::harness::{peak_memory, run, side_by_side, Bench, Row};

/// Where a new registry keeps the entry `name`.
fn entry_path(name: &str) -> String {
    repodex::store::layout::Layout::NEWEST.entry_path(name)
}

/// About 1.5 KB of YAML, as a Minsky project configuration file is.
fn config_file(i: usize) -> String {
    let mut text = format!(
        "repository:\n  backend: github\n  default_branch: main\nsessions:\n  root: ~/.minsky/sessions/project-{i}\nrules:\n"
    );
    for k in 0..12 {
        let _ = writeln!(
            text,
            "  - id: rule-{k}\n    description: Keep module {k} of project {i} tidy, reviewed and tested"
        );
    }
    text
}

fn owner_of(i: usize, n: usize) -> String {
    format!("owner{}", i % 1000.min(n / 10).max(1))
}

/// An export file of `n` entries.
fn export_file(bench: &Bench, n: usize) -> PathBuf {
    let mut text = String::from("format = 1\n\n");
    for i in 0..n {
        let owner = owner_of(i, n);
        let _ = write!(
            text,
            "[[repository]]\nname = \"{owner}/project-{i}\"\nurl = \"https://git.example.com/{owner}/project-{i}.git\"\naliases = [\"p{i}\"]\ntags = [\"team{}\", \"bench\"]\ndescription = \"Benchmark project number {i}, owned by {owner}\"\nadded = 2026-01-01T00:00:00Z\n\n[repository.remote]\ndefault_branch = \"main\"\nconfig_commit = \"{i:040x}\"\nconfig_fetched = 2026-11-01T00:00:00Z\n\n[repository.config.files]\n\".minsky/config.yaml\" = '''\n{}'''\n\n",
            i % 7,
            config_file(i)
        );
    }
    let path = bench.dir.path().join(format!("export-{n}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// A registry of `n` entries, imported from an export file; returns it and how long
/// the import took.
fn registry(bench: &Bench, n: usize) -> (PathBuf, Duration) {
    let export = export_file(bench, n);
    let dir = bench.dir.path().join(format!("registry-{n}"));
    let mut import = bench.repodex(&dir, &["import", "file"]);
    import.arg(&export);
    let start = Instant::now();
    run(&mut import);
    (dir, start.elapsed())
}

/// The same files as `registry` holds, in a new plain git repository, committed with
/// `git add -A && git commit`; returns how long that took.
fn plain_copy(bench: &Bench, registry: &Path, n: usize) -> (PathBuf, Duration) {
    let dir = bench.dir.path().join(format!("plain-{n}"));
    std::fs::create_dir_all(&dir).unwrap();
    run(&mut bench.git(&dir, &["init", "-q", "-b", "main"]));
    for entry in walkdir::WalkDir::new(registry)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".git")
        .flatten()
    {
        let relative = entry.path().strip_prefix(registry).unwrap();
        let target = dir.join(relative);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
    let start = Instant::now();
    run(&mut bench.sh(
        &dir,
        "git add -A && git -c user.name=B -c user.email=b@x commit -q -m 'all repositories'",
    ));
    (dir, start.elapsed())
}

/// The bytes of the files under `.git/objects` (apparent sizes, before any gc).
fn object_bytes(registry: &Path) -> u64 {
    walkdir::WalkDir::new(registry.join(".git/objects"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.metadata().unwrap().len())
        .sum()
}

pub fn rows(bench: &Bench) -> Vec<Row> {
    let (sizes, r): (&[usize], usize) = if bench.quick {
        (&[100, 1_000], 3)
    } else {
        (&[100, 10_000, 100_000], 21)
    };
    let mut registries = Vec::new();
    let mut rows = Vec::new();
    for &n in sizes {
        eprintln!("building a registry of {n} entries…");
        let (dir, took) = registry(bench, n);
        registries.push((n, dir, took));
    }
    let (small_n, small, _) = registries[0].clone();
    let refs = |n: usize| {
        let i = n - 1;
        let owner = owner_of(i, n);
        [
            ("name", format!("{owner}/project-{i}")),
            ("alias", format!("p{i}")),
            ("URL", format!("git@git.example.com:{owner}/project-{i}")),
        ]
    };
    let nothing = |_| {};
    for (n, large, import_took) in registries.iter().skip(1) {
        let (n, large) = (*n, large.clone());
        for ((label, large_ref), (_, small_ref)) in refs(n).iter().zip(refs(small_n).iter()) {
            let (ours, base) = side_by_side(
                r,
                true,
                nothing,
                |_| bench.repodex(&large, &["resolve", large_ref]),
                |_| bench.repodex(&small, &["resolve", small_ref]),
            );
            rows.push(Row::time(
                format!("resolve by {label} at {n}"),
                ours,
                base,
                format!("the same at {small_n}"),
                1.3,
                r,
            ));
        }
        let (ours, base) = side_by_side(
            r,
            true,
            nothing,
            |_| bench.repodex(&large, &["resolve", &refs(n)[0].1]),
            |_| bench.git(&large, &["rev-parse", "--git-dir"]),
        );
        rows.push(Row::time(
            format!("resolve by name at {n}, vs git"),
            ours,
            base,
            "git rev-parse --git-dir".into(),
            3.0,
            r,
        ));
        // A reference that matches nothing: the suggestions scan every name. The hit it
        // is compared with is one the front hands over too (a URL), so that the ratio
        // is the scan's cost and not the front's shortcut for names and aliases.
        let (ours, base) = side_by_side(
            r,
            true,
            nothing,
            |_| {
                let mut cmd = bench.repodex(&large, &["resolve", "nothere/nothing"]);
                cmd.env(super::harness::EXPECT_FAILURE, "3");
                cmd
            },
            |_| bench.repodex(&large, &["resolve", &refs(n)[2].1]),
        );
        rows.push(Row::time(
            format!("resolve that misses at {n}"),
            ours,
            base,
            format!("resolve by URL that hits at {n} (both handed over by the front)"),
            3.0,
            r,
        ));
        // The first command after a pull: the catalog is rebuilt from every entry.
        let catalog = large.join(".git/repodex/catalog");
        let (ours, base) = side_by_side(
            r.min(5),
            true,
            |_| {
                let _ = std::fs::remove_file(&catalog);
            },
            |_| bench.repodex(&large, &["resolve", &refs(n)[0].1]),
            |_| bench.git(&large, &["grep", "-c", "^url = ", "HEAD"]),
        );
        assert!(catalog.exists(), "the catalog was not rebuilt");
        rows.push(Row::time(
            format!("resolve with a cold catalog at {n} (first command after a pull)"),
            ours,
            base,
            // repodex parses every entry as TOML and writes the index; git grep only
            // scans the same blobs' bytes.
            "git grep of every entry at HEAD".into(),
            2.0,
            r.min(5),
        ));
        let (ours, base) = side_by_side(
            r.min(11),
            true,
            nothing,
            |_| bench.repodex(&large, &["list", "--json"]),
            |_| bench.git(&large, &["ls-tree", "-r", "HEAD"]),
        );
        rows.push(Row::time(
            format!("list --json at {n}"),
            ours,
            base,
            "git ls-tree -r HEAD".into(),
            2.0,
            r.min(11),
        ));
        let peak = peak_memory(&mut bench.repodex(&large, &["list", "--json"]));
        rows.push(Row::bytes(
            format!("list --json at {n}: peak memory"),
            peak,
            100 << 20,
            "a limit of".into(),
        ));

        // register one more repository vs git add + git commit of one new file, where
        // the registry's format puts it.
        let (ours, base) = side_by_side(
            r,
            false,
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
                let file = entry_path(&format!("new/plain-{i}"));
                std::fs::create_dir_all(large.join(&file).parent().unwrap()).unwrap();
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
        rows.push(Row::time(
            format!("register at {n}"),
            ours,
            base,
            "git add + git commit of one file".into(),
            1.0,
            r,
        ));
        // Growth per register: measured on registers alone.
        let before = object_bytes(&large);
        let growth_runs = 5;
        for i in 0..growth_runs {
            run(&mut bench.repodex(
                &large,
                &[
                    "register",
                    "--no-fetch",
                    &format!("https://git.example.com/new/growth-{i}.git"),
                ],
            ));
        }
        let per_register = (object_bytes(&large) - before) / growth_runs;
        rows.push(Row::bytes(
            format!("object store growth per register at {n}"),
            per_register,
            20 << 10,
            "a limit of".into(),
        ));

        if n == *sizes.last().unwrap() {
            let (plain, git_took) = plain_copy(bench, &large, n);
            rows.push(Row::time(
                format!("import file of {n} entries"),
                *import_took,
                git_took,
                "git add -A && git commit of the same files".into(),
                3.0,
                1,
            ));
            let (ours, base) = side_by_side(
                r.min(5),
                true,
                nothing,
                |_| bench.git(&large, &["status", "--porcelain"]),
                |_| bench.git(&plain, &["status", "--porcelain"]),
            );
            rows.push(Row::time(
                format!("git status in the registry at {n}"),
                ours,
                base,
                "git status in a plain repository of the same files".into(),
                1.5,
                r.min(5),
            ));
        }
        let status = bench
            .git(&large, &["status", "--porcelain"])
            .output()
            .unwrap();
        assert!(
            status.stdout.is_empty(),
            "the benchmark registry is not clean"
        );
        run(&mut bench.git(&large, &["fsck", "--no-progress"]));
        // git log of one entry is readable: it has the entry's own commits.
        let log = bench
            .git(
                &large,
                &["log", "--oneline", "--", &entry_path("new/ours-0")],
            )
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&log.stdout).lines().count(), 1);
    }
    // Agents: a hundred lookups spread over the largest registry, through one MCP
    // session and through a hundred processes.
    let (n, large, _) = registries.last().unwrap().clone();
    let names: Vec<String> = (0..100)
        .map(|k| {
            let i = k * n / 100;
            format!("{}/project-{i}", owner_of(i, n))
        })
        .collect();
    rows.extend(super::agents::rows(bench, &large, n, &names, r.min(5)));
    let (ours, base) = side_by_side(
        r * 3,
        true,
        nothing,
        |_| bench.repodex(&small, &["--version"]),
        |_| bench.git(&small, &["--version"]),
    );
    rows.push(Row::time(
        "repodex --version".into(),
        ours,
        base,
        "git --version".into(),
        1.2,
        r * 3,
    ));
    // A name to a URL: repodex's resolve in the small registry against git reading one
    // key from a config file of 3,000 lines (1,000 remotes), what a script would keep.
    let config = bench.dir.path().join("remotes.gitconfig");
    let mut text = String::new();
    for i in 0..1_000 {
        text.push_str(&format!(
            "[remote \"r{i}\"]\n\turl = https://git.example.com/o/r{i}.git\n\tfetch = +refs/heads/*:refs/remotes/r{i}/*\n"
        ));
    }
    std::fs::write(&config, text).unwrap();
    let config_arg = config.display().to_string();
    let (ours, base) = side_by_side(
        r * 3,
        true,
        nothing,
        |_| bench.repodex(&small, &["resolve", &refs(small_n)[0].1]),
        |_| {
            bench.git(
                &small,
                &["config", "-f", &config_arg, "--get", "remote.r999.url"],
            )
        },
    );
    rows.push(Row::time(
        format!("resolve by name at {small_n}"),
        ours,
        base,
        "git config --get from a 3,000-line file".into(),
        1.0,
        r * 3,
    ));
    // What the front costs every command it hands over: `resolve` by URL (which the
    // front does not answer) through `repodex`, against the full program run directly.
    let url = refs(small_n)
        .into_iter()
        .find(|(kind, _)| *kind == "URL")
        .map(|(_, reference)| reference)
        .expect("the small registry has URLs");
    let (ours, base) = side_by_side(
        r * 3,
        true,
        nothing,
        |_| bench.repodex(&small, &["resolve", &url]),
        |_| bench.repodex_cli(&small, &["resolve", &url]),
    );
    rows.push(Row::informing(
        format!("resolve by URL at {small_n}, handed over by repodex"),
        ours,
        base,
        "the same run by repodex-cli directly".into(),
        r * 3,
    ));
    rows
}
