//! Running commands side by side and printing the table.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Bench {
    pub dir: tempfile::TempDir,
    pub repodex: PathBuf,
    pub quick: bool,
}

/// What a row measures.
#[derive(Clone, Copy)]
pub enum Value {
    Time(Duration),
    Bytes(u64),
}

impl Value {
    fn number(self) -> f64 {
        match self {
            Value::Time(t) => t.as_secs_f64(),
            Value::Bytes(b) => b as f64,
        }
    }

    fn shown(self) -> String {
        match self {
            Value::Time(t) => format!("{:.2} ms", t.as_secs_f64() * 1e3),
            Value::Bytes(b) if b >= 1 << 20 => format!("{:.1} MB", b as f64 / (1 << 20) as f64),
            Value::Bytes(b) => format!("{:.1} KB", b as f64 / 1024.0),
        }
    }
}

/// One line of the result table: ours over the baseline, against a target ratio (or,
/// for a row that only informs, such as a peer that does less work, none).
pub struct Row {
    pub what: String,
    pub ours: Value,
    pub base: Value,
    pub baseline: String,
    pub target: Option<f64>,
    pub repeats: usize,
}

impl Row {
    /// A time against a baseline time measured in the same run.
    pub fn time(
        what: String,
        ours: Duration,
        base: Duration,
        baseline: String,
        target: f64,
        repeats: usize,
    ) -> Row {
        Row::timed(what, ours, base, baseline, Some(target), repeats)
    }

    /// A time against a peer's, for information: no target.
    pub fn informing(
        what: String,
        ours: Duration,
        base: Duration,
        baseline: String,
        repeats: usize,
    ) -> Row {
        Row::timed(what, ours, base, baseline, None, repeats)
    }

    fn timed(
        what: String,
        ours: Duration,
        base: Duration,
        baseline: String,
        target: Option<f64>,
        repeats: usize,
    ) -> Row {
        Row {
            what,
            ours: Value::Time(ours),
            base: Value::Time(base),
            baseline,
            target,
            repeats,
        }
    }

    /// A size against a limit (the ratio must stay at or under 1).
    pub fn bytes(what: String, ours: u64, limit: u64, baseline: String) -> Row {
        Row {
            what,
            ours: Value::Bytes(ours),
            base: Value::Bytes(limit),
            baseline,
            target: Some(1.0),
            repeats: 1,
        }
    }
}

/// Run a command to completion and return its peak resident memory, in bytes.
///
/// Linux counts a process's peak from before its `exec` too, so a command spawned by
/// this (large) harness would report the harness's own peak. The harness therefore runs
/// itself again, small and fresh, to spawn the command and report its peak
/// ([`peak_memory_main`]).
pub fn peak_memory(cmd: &mut Command) -> u64 {
    let mut outer = Command::new(std::env::current_exe().unwrap());
    outer
        .arg(PEAK_MEMORY_FLAG)
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => outer.env(key, value),
            None => outer.env_remove(key),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        outer.current_dir(dir);
    }
    let out = outer.stderr(Stdio::inherit()).output().unwrap();
    assert!(out.status.success(), "{cmd:?} failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// The flag that makes the harness measure one command's peak memory and exit.
pub const PEAK_MEMORY_FLAG: &str = "--peak-memory-of";

/// `harness --peak-memory-of PROGRAM ARGS...`: run it, print its peak memory in bytes.
pub fn peak_memory_main(program: &str, args: &[String]) -> ! {
    let child = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for the child we just spawned.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 failed");
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    println!("{}", usage.ru_maxrss as u64 * 1024);
    std::process::exit(if ok { 0 } else { 1 })
}

impl Bench {
    pub fn new(quick: bool) -> Bench {
        let bench = Bench {
            dir: tempfile::tempdir().unwrap(),
            repodex: PathBuf::from(env!("CARGO_BIN_EXE_repodex")),
            quick,
        };
        std::fs::create_dir_all(bench.dir.path().join("home")).unwrap();
        // No automatic gc for plain git: a commit in a repository of 100,000 loose
        // objects would start one in the background, which then packs the registry
        // under the measurements that follow (and shrinks the object store that one of
        // them weighs). repodex packs its registries by its own thresholds, whatever
        // `gc.auto` says (docs/sync.md), so this only spares the baselines. Nor
        // git's background maintenance: `git pull` and `git merge` start a detached
        // `git maintenance run --auto` in every clone, which is not timed for the tool
        // that started it but ran into the timing of the next tool in the round (100
        // processes after each peer's pull).
        std::fs::write(
            bench.dir.path().join("home/.gitconfig"),
            "[gc]\n\tauto = 0\n[maintenance]\n\tauto = false\n",
        )
        .unwrap();
        bench
    }

    /// A repodex command for `registry`, with this run's isolated HOME and XDG folders.
    pub fn repodex(&self, registry: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.repodex);
        self.isolate(&mut cmd);
        cmd.env("REPODEX_HOME", registry).args(args);
        cmd
    }

    /// [`Bench::repodex`] run by the full program directly, without the front.
    pub fn repodex_cli(&self, registry: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_repodex-cli"));
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
            .env("PATH", path_with_programs())
            .env_remove("REPODEX_OFFLINE");
    }
}

/// PATH with the built programs first: git-setup checks that git will find
/// `git-remote-repodex`, as a user's install puts it beside `repodex` on PATH.
fn path_with_programs() -> std::ffi::OsString {
    let built = Path::new(env!("CARGO_BIN_EXE_repodex"))
        .parent()
        .expect("a folder")
        .to_path_buf();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(built).chain(std::env::split_paths(&rest)))
        .expect("a PATH")
}

/// Run a command to completion, silently; panic if it fails.
/// A command that is meant to fail (a lookup that misses) says with which exit code in
/// this variable; it is not passed on.
pub const EXPECT_FAILURE: &str = "REPODEX_BENCH_EXPECT_FAILURE";

pub fn run(cmd: &mut Command) {
    let expected = cmd
        .get_envs()
        .find(|(key, _)| *key == EXPECT_FAILURE)
        .and_then(|(_, value)| value?.to_str()?.parse::<i32>().ok())
        .unwrap_or(0);
    let status = cmd
        .env_remove(EXPECT_FAILURE)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(expected), "{cmd:?} failed");
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

/// How far past its target a row may land before the run fails: far enough that noise
/// on a shared machine does not fail it, near enough that a real regression does.
pub const FAIL_FACTOR: f64 = 2.0;

/// A row that missed its target by more than [`FAIL_FACTOR`].
pub struct Miss {
    /// Its index in the rows printed.
    pub row: usize,
    /// What tells it from every other row: its measurement and its baseline.
    pub key: String,
    /// The line that reports it.
    pub text: String,
}

/// Print the table; return the rows that missed their target by more than
/// [`FAIL_FACTOR`].
pub fn print(bench: &Bench, rows: &[Row]) -> Vec<Miss> {
    println!();
    println!(
        "repodex benchmark ({} mode, {})",
        if bench.quick { "quick" } else { "full" },
        chrono::Utc::now().format("%Y-%m-%d")
    );
    println!();
    println!("machine: {}", machine());
    println!();
    println!("| measurement | repodex | baseline | baseline value | ratio | target | met | runs |");
    println!("|---|---:|---|---:|---:|---:|:---:|---:|");
    let mut failed = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let ratio = row.ours.number() / row.base.number();
        let (target, met) = match row.target {
            Some(target) => {
                if ratio > target * FAIL_FACTOR {
                    failed.push(Miss {
                        row: index,
                        key: format!("{} / {}", row.what, row.baseline),
                        text: format!(
                            "{} (against {}): {ratio:.2}, target {target}",
                            row.what, row.baseline
                        ),
                    });
                }
                (
                    format!("≤ {target}"),
                    if ratio <= target { "yes" } else { "no" },
                )
            }
            None => ("—".to_string(), "—"),
        };
        println!(
            "| {} | {} | {} | {} | {:.2} | {} | {} | {} |",
            row.what,
            row.ours.shown(),
            row.baseline,
            row.base.shown(),
            ratio,
            target,
            met,
            row.repeats
        );
    }
    failed
}

/// Time every command of `commands` once per repeat, in turn (after one warm-up round
/// when `warm_up`), so that drift on the machine hits all alike; `prepare(i)` runs
/// before each round, untimed. Returns each command's median.
pub fn round_robin(
    repeats: usize,
    warm_up: bool,
    mut prepare: impl FnMut(usize),
    commands: &mut [&mut dyn FnMut(usize) -> Command],
) -> Vec<Duration> {
    if warm_up {
        prepare(usize::MAX);
        for command in commands.iter_mut() {
            run(&mut command(usize::MAX));
        }
    }
    let mut times: Vec<Vec<Duration>> = commands.iter().map(|_| Vec::new()).collect();
    for i in 0..repeats {
        prepare(i);
        for (k, command) in commands.iter_mut().enumerate() {
            let mut cmd = command(i);
            let start = Instant::now();
            run(&mut cmd);
            times[k].push(start.elapsed());
        }
    }
    times.into_iter().map(median).collect()
}

/// The CPU, its cores and the memory of this machine, for the table's header.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.trim().trim_end_matches(" kB").parse::<u64>().ok())
        .map_or_else(|| "?".into(), |kb| format!("{} GiB", kb / (1 << 20)));
    format!(
        "{model}, {cores} cores, {memory} memory, {}",
        std::env::consts::OS
    )
}
