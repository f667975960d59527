//! The performance harness: repodex against plain git, side by side, in one run.
//!
//! It builds its own registries in a temporary folder (never the network), runs each
//! repodex command and its plain-git baseline alternately, takes the median of many
//! runs, and prints a table of ratios with the target for each. It asserts nothing:
//! the numbers are the result.
//!
//! `cargo bench --bench registry`            full run (10 and 10,000 entries)
//! `cargo bench --bench registry -- --quick` smoke run for CI (10 and 300 entries, few repeats)

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use repodex::{GitUrl, NewEntry, Registry};

struct Config {
    small: usize,
    large: usize,
    repeats: usize,
}

/// Run a command to completion, silently; panic if it fails.
fn run(cmd: &mut Command) {
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "{cmd:?} failed");
}

struct Bench {
    dir: tempfile::TempDir,
    repodex: PathBuf,
}

impl Bench {
    fn repodex(&self, registry: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.repodex);
        self.isolate(&mut cmd);
        cmd.env("REPODEX_HOME", registry).args(args);
        cmd
    }

    fn git(&self, dir: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new("git");
        self.isolate(&mut cmd);
        cmd.current_dir(dir)
            .args([
                "-c",
                "user.name=Bench",
                "-c",
                "user.email=bench@example.com",
            ])
            .args(args);
        cmd
    }

    fn isolate(&self, cmd: &mut Command) {
        let home = self.dir.path().join("home");
        cmd.env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_STATE_HOME", home.join(".local/state"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"));
    }

    /// A registry of `n` entries over about n/10 owners, with aliases, tags and
    /// descriptions, made in one commit through the library.
    fn registry(&self, n: usize) -> PathBuf {
        let dir = self.dir.path().join(format!("registry-{n}"));
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
            tx.register(
                &url,
                NewEntry {
                    name: None,
                    aliases: vec![format!("p{i}")],
                    tags: vec![format!("team{}", i % 7), "bench".into()],
                    description: Some(format!(
                        "Benchmark project number {i}, owned by owner{}",
                        i % owners
                    )),
                },
            )
            .unwrap();
        }
        tx.commit(&format!("register {n} repositories")).unwrap();
        dir
    }
}

/// Median wall time of `f`, over `repeats` runs after one warm-up.
fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Time `a` and `b` alternately, so that drift on the machine hits both alike.
fn side_by_side(
    repeats: usize,
    mut a: impl FnMut(usize) -> Command,
    mut b: impl FnMut(usize) -> Command,
) -> (Duration, Duration) {
    run(&mut a(usize::MAX));
    run(&mut b(usize::MAX));
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for i in 0..repeats {
        let mut ca = a(i);
        let start = Instant::now();
        run(&mut ca);
        ta.push(start.elapsed());
        let mut cb = b(i);
        let start = Instant::now();
        run(&mut cb);
        tb.push(start.elapsed());
    }
    (median(ta), median(tb))
}

struct Row {
    what: String,
    ours: Duration,
    base: Duration,
    baseline: String,
    target: f64,
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick")
        || std::env::var_os("REPODEX_BENCH_QUICK").is_some();
    let config = if quick {
        Config {
            small: 10,
            large: 300,
            repeats: 5,
        }
    } else {
        Config {
            small: 10,
            large: 10_000,
            repeats: 31,
        }
    };
    let bench = Bench {
        dir: tempfile::tempdir().unwrap(),
        repodex: PathBuf::from(env!("CARGO_BIN_EXE_repodex")),
    };
    std::fs::create_dir_all(bench.dir.path().join("home")).unwrap();
    eprintln!(
        "building registries of {} and {} entries…",
        config.small, config.large
    );
    let small = bench.registry(config.small);
    let large = bench.registry(config.large);
    let (s, l) = (config.small, config.large);
    let last = config.large - 1;
    let name = format!("owner{}/project-{last}", last % (l / 10).max(1));
    let alias = format!("p{last}");
    let url = format!(
        "git@git.example.com:owner{}/project-{last}",
        last % (l / 10).max(1)
    );
    let small_name = format!("owner0/project-{}", s - 1);
    let mut rows = Vec::new();
    let r = config.repeats;

    // resolve by name, alias and URL: large over small (flat cost as the registry grows).
    for (label, large_ref, small_ref) in [
        ("name", name.as_str(), small_name.as_str()),
        ("alias", alias.as_str(), &*format!("p{}", s - 1)),
        (
            "URL",
            url.as_str(),
            &*format!("https://git.example.com/owner0/project-{}", s - 1),
        ),
    ] {
        let (ours, base) = side_by_side(
            r,
            |_| bench.repodex(&large, &["resolve", large_ref]),
            |_| bench.repodex(&small, &["resolve", small_ref]),
        );
        rows.push(Row {
            what: format!("resolve by {label} at {l}"),
            ours,
            base,
            baseline: format!("the same at {s}"),
            target: 1.3,
        });
    }
    let (ours, base) = side_by_side(
        r,
        |_| bench.repodex(&large, &["resolve", &name]),
        |_| bench.git(&large, &["rev-parse", "--git-dir"]),
    );
    rows.push(Row {
        what: format!("resolve by name at {l}, vs git"),
        ours,
        base,
        baseline: "git rev-parse --git-dir".into(),
        target: 3.0,
    });

    // register one more repository vs git add + git commit of one new file.
    let (ours, base) = side_by_side(
        r,
        |i| {
            bench.repodex(
                &large,
                &[
                    "register",
                    &format!("https://git.example.com/new/ours-{i}.git"),
                ],
            )
        },
        |i| {
            let file = format!("repos/new/plain-{i}.toml");
            std::fs::create_dir_all(large.join("repos/new")).unwrap();
            std::fs::write(
                large.join(&file),
                format!("name = \"new/plain-{i}\"\nurl = \"https://git.example.com/new/plain-{i}.git\"\nadded = 2026-01-01T00:00:00Z\n"),
            )
            .unwrap();
            let mut cmd = Command::new("sh");
            cmd.current_dir(&large).args([
                "-c",
                &format!("git -c user.name=B -c user.email=b@x add {file} && git -c user.name=B -c user.email=b@x commit -q -m 'add {file}'"),
            ]);
            bench.isolate(&mut cmd);
            cmd
        },
    );
    rows.push(Row {
        what: format!("register at {l}"),
        ours,
        base,
        baseline: "git add + git commit of one file".into(),
        target: 1.0,
    });

    // Informational rows for the scale work (issue 7's targets apply at 100,000).
    let (ours, base) = side_by_side(
        r.min(11),
        |_| bench.repodex(&large, &["list", "--json"]),
        |_| bench.git(&large, &["ls-tree", "-r", "HEAD"]),
    );
    rows.push(Row {
        what: format!("list --json at {l}"),
        ours,
        base,
        baseline: "git ls-tree -r HEAD".into(),
        target: 2.0,
    });
    let (ours, base) = side_by_side(
        r,
        |_| bench.repodex(&large, &["--version"]),
        |_| bench.git(&large, &["--version"]),
    );
    rows.push(Row {
        what: "repodex --version".into(),
        ours,
        base,
        baseline: "git --version".into(),
        target: 1.5,
    });
    // The registry stays a plain, clean git repository.
    let status = bench
        .git(&large, &["status", "--porcelain"])
        .output()
        .unwrap();
    assert!(
        status.stdout.is_empty(),
        "the benchmark registry is not clean"
    );

    println!();
    println!(
        "repodex benchmark ({} mode, median of {} runs, {})",
        if quick { "quick" } else { "full" },
        config.repeats,
        chrono::Utc::now().format("%Y-%m-%d")
    );
    println!();
    println!("| measurement | repodex | baseline | baseline time | ratio | target | met |");
    println!("|---|---:|---|---:|---:|---:|:---:|");
    for row in &rows {
        let ratio = row.ours.as_secs_f64() / row.base.as_secs_f64();
        println!(
            "| {} | {:.2} ms | {} | {:.2} ms | {:.2} | ≤ {} | {} |",
            row.what,
            row.ours.as_secs_f64() * 1e3,
            row.baseline,
            row.base.as_secs_f64() * 1e3,
            ratio,
            row.target,
            if ratio <= row.target { "yes" } else { "no" }
        );
    }
}
