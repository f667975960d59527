//! Everything repodex reads from its environment, read once.
//!
//! The command line builds one [`Context`] from its flags and the process environment
//! ([`Context::from_env`]); a program using the library builds one the same way, or
//! from explicit values ([`Context::with`]). No other module reads an environment
//! variable or asks where the XDG folders are: they are handed what this module found
//! (the registry's location, this machine's folders, the network policy, the identity
//! file), in the manner of cargo's `GlobalContext`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::remote::{Cache, Network};
use crate::store::{Location, Registry};
use crate::{Error, Result};

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
    fn get(&self, name: &str) -> Option<&OsString> {
        self.vars
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v)
    }

    fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| v.to_string_lossy().into_owned())
    }
}

/// This user's folders (XDG base directories, honouring `XDG_*`).
#[derive(Debug, Clone)]
pub struct Dirs {
    pub home: PathBuf,
    pub config: PathBuf,
    pub cache: PathBuf,
    pub data: PathBuf,
    pub state: PathBuf,
}

impl Dirs {
    fn of_process() -> Result<Dirs> {
        use etcetera::BaseStrategy;
        let base = etcetera::choose_base_strategy().map_err(|e| Error::Environment {
            what: "the home directory".into(),
            why: e.to_string(),
            fix: "set HOME (or REPODEX_HOME, XDG_CONFIG_HOME and XDG_CACHE_HOME)".into(),
        })?;
        Ok(Dirs {
            state: base
                .state_dir()
                .unwrap_or_else(|| base.home_dir().join(".local/state")),
            home: base.home_dir().to_path_buf(),
            config: base.config_dir(),
            cache: base.cache_dir(),
            data: base.data_dir(),
        })
    }

    /// Every folder under one root, for tests and programs that keep repodex's files
    /// in a place of their own.
    pub fn under(root: &Path) -> Dirs {
        Dirs {
            home: root.to_path_buf(),
            config: root.join(".config"),
            cache: root.join(".cache"),
            data: root.join(".local/share"),
            state: root.join(".local/state"),
        }
    }
}

/// What every operation gets: where things are, and what the network policy is.
#[derive(Debug, Clone)]
pub struct Context {
    location: Location,
    dirs: Dirs,
    env: Env,
    offline_flag: bool,
    /// Why the network is off when the caller turned it off ([`Context::without_network`]).
    offline_why: Option<String>,
    network: OnceLock<Network>,
}

impl Context {
    /// The context of this process: `--registry` and `--offline` as given, the rest
    /// from the environment.
    pub fn from_env(registry_flag: Option<&Path>, offline_flag: bool) -> Result<Context> {
        Context::with(
            Env::of_process(),
            Dirs::of_process()?,
            registry_flag,
            offline_flag,
        )
    }

    /// A context from explicit values: the variables in `env`, the folders in `dirs`.
    pub fn with(
        env: Env,
        dirs: Dirs,
        registry_flag: Option<&Path>,
        offline_flag: bool,
    ) -> Result<Context> {
        let location = match (registry_flag, env.get("REPODEX_HOME")) {
            (Some(dir), _) => Location::Flag(absolute(dir)?),
            (None, Some(dir)) => Location::Env(absolute(Path::new(dir))?),
            (None, None) => Location::Default(dirs.data.join("repodex").join("registry")),
        };
        Ok(Context {
            location,
            dirs,
            env,
            offline_flag,
            offline_why: None,
            network: OnceLock::new(),
        })
    }

    /// This context with the network off, `why` being what cached data says it was
    /// not refreshed for (the MCP server's read tools, which fetch only when asked).
    pub fn without_network(&self, why: &str) -> Context {
        Context {
            offline_why: Some(why.to_string()),
            network: OnceLock::new(),
            ..self.clone()
        }
    }

    /// Whether `--offline` was given.
    pub fn is_offline_flag(&self) -> bool {
        self.offline_flag
    }

    /// Where the registry is, and why there.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Open the registry, creating it on first use.
    pub fn open(&self) -> Result<Registry> {
        Registry::open_or_create(self.location.path())
    }

    /// Open the registry if there is one, without creating it.
    pub fn open_existing(&self) -> Result<Option<Registry>> {
        if !self.location.path().join(".git").exists() {
            return Ok(None);
        }
        Registry::open(self.location.path()).map(Some)
    }

    pub fn dirs(&self) -> &Dirs {
        &self.dirs
    }

    /// repodex's folder in this user's config folder (`$XDG_CONFIG_HOME/repodex`).
    pub fn config_dir(&self) -> PathBuf {
        self.dirs.config.join("repodex")
    }

    /// The mirror cache, `$XDG_CACHE_HOME/repodex`.
    pub fn cache(&self) -> Cache {
        Cache::at(self.dirs.cache.join("repodex"))
    }

    /// The network policy, from (in order of precedence) `--offline`,
    /// `REPODEX_OFFLINE=1` and this machine's config file; the deadline per remote from
    /// `REPODEX_TIMEOUT`, else the config file. Read when first asked, so that a
    /// broken config file stops only the commands that use the network.
    pub fn network(&self) -> Result<Network> {
        if let Some(network) = self.network.get() {
            return Ok(network.clone());
        }
        let network = Network::from_settings(
            &self.config_dir().join("config.toml"),
            self.offline_flag,
            self.offline_why.as_deref().or(self
                .env
                .get("REPODEX_OFFLINE")
                .is_some_and(|v| v != "0")
                .then_some("REPODEX_OFFLINE is set")),
            self.env.text("REPODEX_TIMEOUT").as_deref(),
        )?;
        Ok(self.network.get_or_init(|| network).clone())
    }

    /// The identity file: `REPODEX_IDENTITY`, else `$XDG_CONFIG_HOME/repodex/identity.txt`.
    pub fn identity_path(&self) -> PathBuf {
        match self.env.get("REPODEX_IDENTITY") {
            Some(path) => PathBuf::from(path),
            None => self.config_dir().join("identity.txt"),
        }
    }

    /// The user's global git config, where `git config --global` writes:
    /// `GIT_CONFIG_GLOBAL`; else `~/.gitconfig` when it exists; else
    /// `$XDG_CONFIG_HOME/git/config` when that exists (a user who keeps their config
    /// there); else `~/.gitconfig`.
    pub fn git_global_config(&self) -> PathBuf {
        if let Some(path) = self.env.get("GIT_CONFIG_GLOBAL") {
            return PathBuf::from(path);
        }
        let home = self.dirs.home.join(".gitconfig");
        let xdg = self.dirs.config.join("git").join("config");
        if !home.exists() && xdg.is_file() {
            xdg
        } else {
            home
        }
    }

    /// The folders of `PATH`, in order, where git looks for the programs it runs after
    /// its own exec-path (`git-remote-repodex`).
    pub fn program_path(&self) -> Vec<PathBuf> {
        self.env
            .get("PATH")
            .map(|path| std::env::split_paths(path).collect())
            .unwrap_or_default()
    }

    /// git's transport policy from the environment, for repodex's remote helper:
    /// `GIT_ALLOW_PROTOCOL` and `GIT_PROTOCOL_FROM_USER`.
    pub fn git_protocol_env(&self) -> (Option<String>, Option<String>) {
        (
            self.env.text("GIT_ALLOW_PROTOCOL"),
            self.env.text("GIT_PROTOCOL_FROM_USER"),
        )
    }

    /// The user's browser command (`BROWSER`), for `repodex open`.
    pub fn browser(&self) -> Option<String> {
        self.env.text("BROWSER")
    }

    /// Who is at the keyboard, for the comments repodex writes beside keys.
    pub fn user_name(&self) -> String {
        self.env.text("USER").unwrap_or_else(|| "someone".into())
    }

    /// Minsky's state folder (`$XDG_STATE_HOME/minsky`).
    pub fn minsky_state_dir(&self) -> PathBuf {
        self.dirs.state.join("minsky")
    }

    /// Minsky's SQLite database, where its environment puts it.
    pub fn minsky_sqlite_path(&self) -> Option<PathBuf> {
        self.env
            .text("MINSKY_PERSISTENCE_SQLITE_PATH")
            .or_else(|| self.env.text("MINSKY_SESSIONDB_SQLITE_PATH"))
            .map(PathBuf::from)
    }

    /// Minsky's user config file (`$XDG_CONFIG_HOME/minsky/config.yaml`).
    pub fn minsky_config_file(&self) -> PathBuf {
        self.dirs.config.join("minsky").join("config.yaml")
    }

    /// Minsky's PostgreSQL connection string from its environment, if set.
    pub fn minsky_postgres_url(&self) -> Option<String> {
        self.env
            .text("MINSKY_PERSISTENCE_POSTGRES_URL")
            .or_else(|| self.env.text("MINSKY_POSTGRES_URL"))
    }
}

/// The command users run, `repodex`: a small program that answers `--version` and a
/// `resolve` of a name or alias itself and hands every other command line to
/// [`FULL_PROGRAM`] beside it (docs/design.md, "Scale", says why there are two).
pub const FRONT_PROGRAM: &str = "repodex";

/// The whole command line, `repodex-cli`, installed beside [`FRONT_PROGRAM`].
pub const FULL_PROGRAM: &str = "repodex-cli";

/// The path of the `repodex` users run, for what repodex writes for other programs to
/// run it by (git's credential helper, shell completions): the front beside this
/// process when this is the full program the front handed over to, else this process.
pub fn front_program() -> Result<PathBuf> {
    let exe = std::env::current_exe().map_err(|e| Error::Environment {
        what: "repodex's own path".into(),
        why: e.to_string(),
        fix: "run repodex by its full path".into(),
    })?;
    if exe.file_stem().is_some_and(|stem| stem == FULL_PROGRAM) {
        let front = exe.with_file_name(format!("{FRONT_PROGRAM}{}", std::env::consts::EXE_SUFFIX));
        if front.is_file() {
            return Ok(front);
        }
    }
    Ok(exe)
}

/// The full program beside the running front, `exe` being the front's own path.
pub fn full_program_beside(exe: &Path) -> PathBuf {
    exe.with_file_name(format!("{FULL_PROGRAM}{}", std::env::consts::EXE_SUFFIX))
}

fn absolute(dir: &Path) -> Result<PathBuf> {
    std::path::absolute(dir).map_err(|e| Error::io(format!("cannot use {}", dir.display()), e))
}

/// The date commits are made at when `GIT_COMMITTER_DATE` is set, as git's own are (so
/// that scripts and tests can give commits the times they need); read once per process.
pub(crate) fn commit_date() -> Option<gix::date::Time> {
    static DATE: OnceLock<Option<gix::date::Time>> = OnceLock::new();
    *DATE.get_or_init(|| {
        std::env::var("GIT_COMMITTER_DATE")
            .ok()
            .and_then(|date| gix::date::parse(&date, None).ok())
    })
}

/// The protocol version git asked its remote helper for (`GIT_PROTOCOL`, such as
/// `version=2`), passed on to a git daemon as git's own connect does; `None` when unset
/// or unusable in a request line.
pub(crate) fn git_protocol() -> Option<String> {
    std::env::var("GIT_PROTOCOL")
        .ok()
        .filter(|protocol| !protocol.is_empty() && !protocol.contains('\0'))
}

/// The crash tests' hooks into a commit, read once per process:
/// `REPODEX_TEST_FAILPOINT` names the step at which to abort;
/// `REPODEX_TEST_STEP_LOG` names a file to which each step's name is appended as it is
/// reached (so a test that kills the process knows in which phase the kill landed);
/// `REPODEX_TEST_STEP_PAUSE`, as `STEP:MS`, lingers that long after that step (so that
/// random kills land in the short phases too, not only the long ones).
/// `REPODEX_TEST_SYNC_RETRY`, as `ATTEMPTS:FIRST_MS:LONGEST_MS`, replaces sync's retry
/// policy, for the measurement that chose it (docs/sync.md).
#[derive(Debug, Default)]
pub(crate) struct TestHooks {
    pub failpoint: Option<String>,
    pub step_log: Option<PathBuf>,
    pub step_pause: Option<(String, std::time::Duration)>,
    pub sync_retry: Option<crate::sync::RetryPolicy>,
}

pub(crate) fn test_hooks() -> &'static TestHooks {
    static HOOKS: OnceLock<TestHooks> = OnceLock::new();
    HOOKS.get_or_init(|| {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        TestHooks {
            failpoint: var("REPODEX_TEST_FAILPOINT"),
            step_log: var("REPODEX_TEST_STEP_LOG").map(PathBuf::from),
            step_pause: var("REPODEX_TEST_STEP_PAUSE").and_then(|v| {
                let (step, ms) = v.split_once(':')?;
                Some((
                    step.to_string(),
                    std::time::Duration::from_millis(ms.parse().ok()?),
                ))
            }),
            sync_retry: var("REPODEX_TEST_SYNC_RETRY").and_then(|v| {
                let mut parts = v.split(':').map(|p| p.parse::<u64>().ok());
                let ms = std::time::Duration::from_millis;
                Some(crate::sync::RetryPolicy {
                    attempts: parts.next()??.max(1) as usize,
                    first_pause: ms(parts.next()??),
                    longest_pause: ms(parts.next()??),
                })
            }),
        }
    })
}
