//! Running commands side by side and printing the table.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Bench {
    pub dir: tempfile::TempDir,
    pub repodex: PathBuf,
    pub quick: bool,
}

/// One line of the result table.
pub struct Row {
    pub what: String,
    pub ours: Duration,
    pub base: Duration,
    pub baseline: String,
    pub target: f64,
    pub repeats: usize,
}

impl Bench {
    pub fn new(quick: bool) -> Bench {
        let bench = Bench {
            dir: tempfile::tempdir().unwrap(),
            repodex: PathBuf::from(env!("CARGO_BIN_EXE_repodex")),
            quick,
        };
        std::fs::create_dir_all(bench.dir.path().join("home")).unwrap();
        bench
    }

    /// A repodex command for `registry`, with this run's isolated HOME and XDG folders.
    pub fn repodex(&self, registry: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.repodex);
        self.isolate(&mut cmd);
        cmd.env("REPODEX_HOME", registry).args(args);
        cmd
    }

    /// A git command in `dir`, with an identity for commits.
    pub fn git(&self, dir: &Path, args: &[&str]) -> Command {
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

    /// A shell command in `dir`, for baselines that are loops of git commands.
    pub fn sh(&self, dir: &Path, script: &str) -> Command {
        let mut cmd = Command::new("sh");
        self.isolate(&mut cmd);
        cmd.current_dir(dir).args(["-c", script]);
        cmd
    }

    pub fn isolate(&self, cmd: &mut Command) {
        let home = self.dir.path().join("home");
        cmd.env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_STATE_HOME", home.join(".local/state"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"))
            .env_remove("REPODEX_OFFLINE");
    }
}

/// Run a command to completion, silently; panic if it fails.
pub fn run(cmd: &mut Command) {
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "{cmd:?} failed");
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    let middle = times.len() / 2;
    if times.len().is_multiple_of(2) {
        (times[middle - 1] + times[middle]) / 2
    } else {
        times[middle]
    }
}

/// Time `a` and `b` alternately, `repeats` times after one warm-up each, so that
/// drift on the machine hits both alike; `prepare(i)` runs before each pair, untimed.
pub fn side_by_side(
    repeats: usize,
    warm_up: bool,
    mut prepare: impl FnMut(usize),
    mut a: impl FnMut(usize) -> Command,
    mut b: impl FnMut(usize) -> Command,
) -> (Duration, Duration) {
    if warm_up {
        prepare(usize::MAX);
        run(&mut a(usize::MAX));
        run(&mut b(usize::MAX));
    }
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for i in 0..repeats {
        prepare(i);
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

pub fn print(bench: &Bench, rows: &[Row]) {
    println!();
    println!(
        "repodex benchmark ({} mode, {})",
        if bench.quick { "quick" } else { "full" },
        chrono::Utc::now().format("%Y-%m-%d")
    );
    println!();
    println!("| measurement | repodex | baseline | baseline time | ratio | target | met | runs |");
    println!("|---|---:|---|---:|---:|---:|:---:|---:|");
    for row in rows {
        let ratio = row.ours.as_secs_f64() / row.base.as_secs_f64();
        println!(
            "| {} | {:.2} ms | {} | {:.2} ms | {:.2} | ≤ {} | {} | {} |",
            row.what,
            row.ours.as_secs_f64() * 1e3,
            row.baseline,
            row.base.as_secs_f64() * 1e3,
            ratio,
            row.target,
            if ratio <= row.target { "yes" } else { "no" },
            row.repeats
        );
    }
}
