//! What every operation gets: the environment, read once ([`crate::env`]), and the
//! things opened from it (the registry, the mirror cache, the network policy).
//!
//! The command line builds one [`Context`] from its flags and the process environment
//! ([`Context::from_env`]); a program using the library builds one the same way, or
//! from explicit values ([`Context::with`]). No other module reads an environment
//! variable or asks where the XDG folders are: they are handed what this module found
//! (the registry's location, this machine's folders, the network policy, the identity
//! file, a commit's date), in the manner of cargo's `GlobalContext`. It opens the store
//! and the remote cache, so it sits above them; nothing below `ops`, `sync` and
//! `import` imports it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub use crate::env::Env;
use crate::env::{CommitEnv, TestHooks};
use crate::remote::{Cache, Network};
use crate::store::{Location, Registry};
use crate::{Error, Result};

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
    /// What commits take from the environment, handed to the registry when opened.
    commit: CommitEnv,
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
            commit: env.commit_env(),
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
        Registry::open_or_create(self.location.path(), &self.commit)
    }

    /// Open the registry if there is one, without creating it.
    pub fn open_existing(&self) -> Result<Option<Registry>> {
        if !self.location.path().join(".git").exists() {
            return Ok(None);
        }
        Registry::open(self.location.path())
            .map(|registry| Some(registry.with_commit_env(&self.commit)))
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

    /// What commits take from the environment (`GIT_COMMITTER_DATE`, the crash tests'
    /// hooks), for a registry opened other than by [`Context::open`].
    pub fn commit_env(&self) -> &CommitEnv {
        &self.commit
    }

    /// The crash tests' hooks (`REPODEX_TEST_*`).
    pub fn test_hooks(&self) -> &TestHooks {
        &self.commit.hooks
    }

    /// The protocol version git asked repodex's remote helper for (`GIT_PROTOCOL`).
    pub fn git_protocol(&self) -> Option<String> {
        self.env.git_protocol()
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
