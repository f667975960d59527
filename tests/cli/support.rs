//! The test environment: a temporary HOME, XDG folders and registry for each test, and
//! helpers that run the real `repodex` binary and plain git in it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct TestEnv {
    dir: tempfile::TempDir,
    /// Tests are offline unless they start their own servers: nothing reaches the internet.
    online: bool,
    /// How far ahead of the real time this machine's commits are dated (git's and
    /// repodex's, through GIT_COMMITTER_DATE), so that a test can say which of two
    /// teammates' changes is the later without sleeping.
    clock_ahead: std::sync::atomic::AtomicI64,
}

/// What a command printed and how it ended.
#[derive(Debug, PartialEq)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl TestEnv {
    pub fn new() -> TestEnv {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["home", "config", "data", "cache", "state", "work"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        TestEnv {
            dir,
            online: false,
            clock_ahead: Default::default(),
        }
    }

    /// An environment whose commands may use the network (the tests' own servers).
    pub fn online() -> TestEnv {
        TestEnv {
            online: true,
            ..TestEnv::new()
        }
    }

    /// Whether its commands may use the network ([`TestEnv::online`]).
    pub fn is_online(&self) -> bool {
        self.online
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The registry folder ($REPODEX_HOME).
    pub fn registry(&self) -> PathBuf {
        self.root().join("registry")
    }

    /// A folder for test repositories and working copies.
    pub fn work(&self) -> PathBuf {
        self.root().join("work")
    }

    /// A `repodex` command with this environment, not yet run.
    pub fn command(&self, args: &[&str]) -> Command {
        self.command_of(Path::new(env!("CARGO_BIN_EXE_repodex")), args)
    }

    /// [`TestEnv::command`] run by the program at `exe` (another build of repodex,
    /// such as `repodex-cli` or a copy of the front).
    pub fn command_of(&self, exe: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(exe);
        self.isolate(&mut cmd);
        cmd.env("REPODEX_HOME", self.registry())
            .args(args)
            .current_dir(self.work());
        if !self.online {
            cmd.env("REPODEX_OFFLINE", "1");
        }
        cmd
    }

    pub fn isolate(&self, cmd: &mut Command) {
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            // MINSKY_*: the host's Minsky settings must not reach the Minsky stories.
            if key.starts_with("REPODEX_")
                || key.starts_with("GIT_")
                || key.starts_with("XDG_")
                || key.starts_with("MINSKY_")
            {
                cmd.env_remove(&key);
            }
        }
        let home = self.root().join("home");
        cmd.env("HOME", &home)
            .env("XDG_CONFIG_HOME", self.root().join("config"))
            .env("XDG_DATA_HOME", self.root().join("data"))
            .env("XDG_CACHE_HOME", self.root().join("cache"))
            .env("XDG_STATE_HOME", self.root().join("state"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"))
            .env("LC_ALL", "C")
            .env("PATH", path_with_helper());
        let ahead = self.clock_ahead.load(std::sync::atomic::Ordering::Relaxed);
        if ahead != 0 {
            let date = format!("{} +0000", chrono::Utc::now().timestamp() + ahead);
            cmd.env("GIT_COMMITTER_DATE", &date)
                .env("GIT_AUTHOR_DATE", &date);
        }
    }

    /// Date this machine's commits `seconds` later from now on than they were.
    pub fn clock_forward(&self, seconds: i64) {
        self.clock_ahead
            .fetch_add(seconds, std::sync::atomic::Ordering::Relaxed);
    }

    /// Run repodex, whatever the outcome.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().unwrap())
    }

    /// Run repodex with `input` on its standard input.
    pub fn run_stdin(&self, args: &[&str], input: &str) -> Run {
        run_with_stdin(self.command(args), input)
    }

    /// Check that `secret` appears nowhere repodex writes: not in any blob of any commit
    /// reachable from a ref or a reflog entry, not in a commit message, and not in any
    /// file of the registry, the cache (mirrors), config, state or work folders.
    pub fn assert_secret_absent(&self, secret: &str) {
        let objects = self.git(&["rev-list", "--objects", "--all", "--reflog"]);
        for line in objects.lines() {
            let id = line.split_whitespace().next().unwrap();
            let content = self.git(&["cat-file", "-p", id]);
            assert!(
                !content.contains(secret),
                "a git object ({line}) holds the secret"
            );
        }
        let reflogs = self.git(&["reflog", "--all", "--format=%H %gs %s"]);
        assert!(!reflogs.contains(secret), "a reflog entry holds the secret");
        // Everything this test's repodex wrote: the registry, the cache (mirrors), state
        // and config (the identity, git-setup), and the work folder.
        let written = [
            "registry", "cache", "state", "config", "data", "home", "work",
        ]
        .map(|d| self.root().join(d));
        for entry in written
            .iter()
            .flat_map(|d| walkdir::WalkDir::new(d).into_iter().flatten())
        {
            if entry.file_type().is_file() {
                let bytes = std::fs::read(entry.path()).unwrap();
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "{} holds the secret",
                    entry.path().display()
                );
            }
        }
    }

    /// Run repodex, expect success, and check that plain git finds the registry clean
    /// and sound afterwards.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(run.code, 0, "repodex {args:?} failed: {run:?}");
        if self.registry().join(".git").exists() {
            self.assert_plain_git_happy();
        }
        run.stdout
    }

    /// Run repodex, expect failure with `code`, a one-line error, and the registry's
    /// HEAD and status unchanged. Returns the error line.
    pub fn fails(&self, code: i32, args: &[&str]) -> String {
        let before = self.head();
        let run = self.run(args);
        assert_eq!(
            run.code, code,
            "repodex {args:?}: expected exit {code}: {run:?}"
        );
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "repodex {args:?}: expected a one-line error, got {:?}",
            run.stderr
        );
        assert!(lines[0].starts_with("repodex: error: "), "{:?}", lines[0]);
        assert_eq!(self.head(), before, "repodex {args:?} moved HEAD");
        if self.registry().join(".git").exists() {
            assert_eq!(
                self.git(&["status", "--porcelain"]),
                "",
                "repodex {args:?} left changes"
            );
        }
        lines[0].to_string()
    }

    /// Run plain git in the registry; expect success.
    pub fn git(&self, args: &[&str]) -> String {
        git_in(self, &self.registry(), args)
    }

    /// The registry's HEAD commit, or "" when there is no registry.
    pub fn head(&self) -> String {
        if !self.registry().join(".git").exists() {
            return String::new();
        }
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    pub fn assert_plain_git_happy(&self) {
        assert_eq!(
            self.git(&["status", "--porcelain"]),
            "",
            "git status is not clean"
        );
        self.git(&["fsck", "--no-progress", "--strict"]);
        // git writes the tree from the index's cache-tree where it says a folder is
        // unchanged: a stale one would give another tree than HEAD's.
        assert_eq!(
            self.git(&["write-tree"]),
            self.git(&["rev-parse", "HEAD^{tree}"]),
            "the index does not describe HEAD"
        );
    }

    /// Make a git repository (with one commit) under the work folder.
    pub fn make_repo(&self, rel: &str) -> PathBuf {
        let dir = self.work().join(rel);
        std::fs::create_dir_all(&dir).unwrap();
        git_in(self, &dir, &["init", "-q", "-b", "main"]);
        std::fs::write(dir.join("README"), rel).unwrap();
        git_in(self, &dir, &["add", "README"]);
        git_in(self, &dir, &["commit", "-qm", "first"]);
        dir
    }

    /// Commit a hand edit in the registry with plain git.
    pub fn hand_commit(&self, path: &str, content: &str) {
        let file = self.registry().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, content).unwrap();
        self.git(&["add", path]);
        self.git(&["commit", "-qm", &format!("hand edit {path}")]);
    }
}

/// This machine's config allows remote data to go stale at once (the floor is a minute).
pub fn allow_short_ttl(env: &TestEnv) {
    let config = env.root().join("config/repodex");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config.toml"), "min_refresh_ttl = 0\n").unwrap();
}

/// PATH with the folder of the built `git-remote-repodex` first, where git looks for
/// remote helpers (as `cargo install` puts it beside `repodex`).
pub fn path_with_helper() -> std::ffi::OsString {
    let helper = Path::new(env!("CARGO_BIN_EXE_git-remote-repodex"));
    let mut paths = vec![helper.parent().unwrap().to_path_buf()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).unwrap()
}

/// Run a command with `input` on its standard input.
pub fn run_with_stdin(mut cmd: Command, input: &str) -> Run {
    use std::io::Write;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A command that fails before reading its input closes the pipe early: not an error here.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    Run::from(child.wait_with_output().unwrap())
}

/// Run plain git in `dir` with the test's isolated configuration.
pub fn git_in(env: &TestEnv, dir: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new("git");
    env.isolate(&mut cmd);
    cmd.args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args(args)
        .current_dir(dir);
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A small deterministic random source (xorshift64), so that a failing run replays.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Where the entry `name` lives in a registry of format 2, worked out as the registry's
/// README tells a person to: `printf %s NAME | sha1sum | cut -c1-3` gives `abc`, and
/// the file is `repos/ab/c/` and the name with `+` for each `/`.
/// [`entry_path`] of many names at once, computed by Python's hashlib in one process.
pub fn entry_paths(names: &[String]) -> Vec<String> {
    let mut python = Command::new("python3");
    python.args([
        "-c",
        "import sys, hashlib\nfor n in sys.stdin.read().split('\\n'):\n    h = hashlib.sha1(n.encode()).hexdigest()\n    print('repos/%s/%s/%s.toml' % (h[:2], h[2], n.replace('/', '+')))",
    ]);
    let run = run_with_stdin(python, &names.join("\n"));
    assert_eq!(run.code, 0, "{run:?}");
    run.stdout.lines().map(str::to_string).collect()
}

pub fn entry_path(name: &str) -> String {
    let out = Command::new("sh")
        .args(["-c", "printf %s \"$1\" | sha1sum | cut -c1-3", "sh", name])
        .output()
        .unwrap();
    assert!(out.status.success());
    let hex = String::from_utf8(out.stdout).unwrap();
    let (ab, c) = hex.trim().split_at(2);
    format!("repos/{ab}/{c}/{}.toml", name.replace('/', "+"))
}
