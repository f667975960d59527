//! The environment repodex runs in, as read once at the start: the variables it uses,
//! by name, and the values parsed from them that travel down to the layers that use
//! them (a commit's date, the protocol git asked for, the crash tests' hooks).
//!
//! The ground floor: it imports nothing from the crate, so every layer may take its
//! values, and none reads the process's environment itself (the `Context` above builds
//! one [`Env`] and hands its values down).

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The environment variables repodex reads, by name, as the process had them.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: Vec<(String, OsString)>,
}

impl Env {
    /// The variables of this process that repodex (and Minsky, for `import minsky`)
    /// uses; nothing else is kept.
    pub fn of_process() -> Env {
        const NAMES: &[&str] = &[
            "REPODEX_HOME",
            "REPODEX_OFFLINE",
            "REPODEX_TIMEOUT",
            "REPODEX_IDENTITY",
            "REPODEX_TEST_FAILPOINT",
            "REPODEX_TEST_STEP_LOG",
            "REPODEX_TEST_STEP_PAUSE",
            "REPODEX_TEST_SYNC_RETRY",
            "GIT_COMMITTER_DATE",
            "GIT_PROTOCOL",
            "GIT_CONFIG_GLOBAL",
            "PATH",
            "GIT_ALLOW_PROTOCOL",
            "GIT_PROTOCOL_FROM_USER",
            "USER",
            "BROWSER",
            "MINSKY_POSTGRES_URL",
            "MINSKY_PERSISTENCE_POSTGRES_URL",
            "MINSKY_PERSISTENCE_SQLITE_PATH",
            "MINSKY_SESSIONDB_SQLITE_PATH",
        ];
        Env {
            vars: NAMES
                .iter()
                .filter_map(|name| Some((name.to_string(), std::env::var_os(name)?)))
                .collect(),
        }
    }

    /// Set (or override) a variable, for a program that builds its own context.
    pub fn set(mut self, name: &str, value: impl Into<OsString>) -> Env {
        self.vars.retain(|(n, _)| n != name);
        self.vars.push((name.to_string(), value.into()));
        self
    }

    /// A variable's value; an empty value counts as unset, as git treats them.
    pub(crate) fn get(&self, name: &str) -> Option<&OsString> {
        self.vars
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v)
    }

    pub(crate) fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| v.to_string_lossy().into_owned())
    }
    /// The date commits are made at when `GIT_COMMITTER_DATE` is set, as git's own are
    /// (so that scripts and tests can give commits the times they need).
    pub fn commit_date(&self) -> Option<gix::date::Time> {
        gix::date::parse(&self.text("GIT_COMMITTER_DATE")?, None).ok()
    }

    /// The protocol version git asked its remote helper for (`GIT_PROTOCOL`, such as
    /// `version=2`), passed on to a git daemon as git's own connect does; `None` when
    /// unset or unusable in a request line.
    pub fn git_protocol(&self) -> Option<String> {
        self.text("GIT_PROTOCOL")
            .filter(|protocol| !protocol.contains('\0'))
    }

    /// The crash tests' hooks ([`TestHooks`]).
    pub fn test_hooks(&self) -> TestHooks {
        TestHooks {
            failpoint: self.text("REPODEX_TEST_FAILPOINT"),
            step_log: self.text("REPODEX_TEST_STEP_LOG").map(PathBuf::from),
            step_pause: self.text("REPODEX_TEST_STEP_PAUSE").and_then(|v| {
                let (step, ms) = v.split_once(':')?;
                Some((step.to_string(), Duration::from_millis(ms.parse().ok()?)))
            }),
            sync_retry: self.text("REPODEX_TEST_SYNC_RETRY").and_then(|v| {
                let mut parts = v.split(':').map(|p| p.parse::<u64>().ok());
                Some(SyncRetry {
                    attempts: parts.next()??.max(1) as usize,
                    first_pause: Duration::from_millis(parts.next()??),
                    longest_pause: Duration::from_millis(parts.next()??),
                })
            }),
        }
    }

    /// What commits made under this environment take from it: the date and the hooks.
    pub fn commit_env(&self) -> CommitEnv {
        CommitEnv {
            date: self.commit_date(),
            hooks: Arc::new(self.test_hooks()),
        }
    }
}

/// The crash tests' hooks into a commit:
/// `REPODEX_TEST_FAILPOINT` names the step at which to abort;
/// `REPODEX_TEST_STEP_LOG` names a file to which each step's name is appended as it is
/// reached (so a test that kills the process knows in which phase the kill landed);
/// `REPODEX_TEST_STEP_PAUSE`, as `STEP:MS`, lingers that long after that step (so that
/// random kills land in the short phases too, not only the long ones).
/// `REPODEX_TEST_SYNC_RETRY`, as `ATTEMPTS:FIRST_MS:LONGEST_MS`, replaces sync's retry
/// policy, for the measurement that chose it (docs/sync.md).
#[derive(Debug, Clone, Default)]
pub struct TestHooks {
    pub failpoint: Option<String>,
    pub step_log: Option<PathBuf>,
    pub step_pause: Option<(String, Duration)>,
    pub sync_retry: Option<SyncRetry>,
}

/// Sync's retry policy as `REPODEX_TEST_SYNC_RETRY` gives it.
#[derive(Debug, Clone, Copy)]
pub struct SyncRetry {
    pub attempts: usize,
    pub first_pause: Duration,
    pub longest_pause: Duration,
}

/// What a commit takes from the environment, handed to the repository that makes it:
/// its date (`None`: now) and the crash tests' hooks. The default is a plain commit.
#[derive(Debug, Clone, Default)]
pub struct CommitEnv {
    pub date: Option<gix::date::Time>,
    pub hooks: Arc<TestHooks>,
}
