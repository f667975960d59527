//! Remote data: what repodex learns from each repository's remote, and when it asks.
//!
//! This module owns the mirror cache (`$XDG_CACHE_HOME/repodex/mirrors/`, one bare
//! mirror of the default branch per repository), the network policy (offline mode and the deadline per
//! remote), running many remotes at once on worker threads, this machine's record of
//! when each remote was last checked ([`state`]). The refresh operation that turns
//! what was learned into registry commits is [`crate::ops::refresh`]. The git protocol work itself is
//! in [`crate::git::fetch`].

pub mod state;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use crate::git::fetch::{self, FileRead, RemoteHead};
use crate::git::mirror::{self, Mirror, MirrorRefresh};
use crate::git::ObjectId;
use crate::url::GitUrl;
use crate::{Error, Result};

/// When repodex may use the network, for how long it waits, and how much it takes.
#[derive(Debug, Clone)]
pub struct Network {
    /// `Some(why)` when repodex must not open any connection.
    pub offline: Option<String>,
    /// How long one remote may take before it is abandoned.
    pub timeout: Duration,
    /// This machine's bounds, which a shared `registry.toml` can only lower.
    pub limits: Limits,
}

/// This machine's bounds on what a refresh takes and how often it asks. They come from
/// the user's config file (or the defaults); the settings a registry shares
/// (`registry.toml`, written by anyone who can push) can lower them, never raise them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The largest configuration file cached, in bytes.
    pub max_config_size: u64,
    /// The most one refresh may download into a mirror, in bytes.
    pub max_mirror_size: u64,
    /// The shortest time-to-live of remote data: reading commands never ask a remote
    /// more often than this, whatever `registry.toml` says.
    pub min_refresh_ttl: Duration,
    /// How many commits of the default branch a mirror keeps; `None`: all of them
    /// (`mirror_depth` in this machine's config, for very large repositories).
    pub mirror_depth: Option<std::num::NonZeroU32>,
}

impl Default for Limits {
    fn default() -> Self {
        use crate::store::settings;
        Limits {
            max_config_size: settings::DEFAULT_MAX_CONFIG_SIZE,
            max_mirror_size: settings::DEFAULT_MAX_MIRROR_SIZE,
            min_refresh_ttl: Duration::from_secs(60),
            mirror_depth: None,
        }
    }
}

impl Limits {
    /// The largest configuration file to cache under `settings`.
    pub fn config_size(&self, settings: &crate::store::settings::Settings) -> u64 {
        settings.max_config_size().min(self.max_config_size)
    }

    /// The most to download into one mirror under `settings`.
    pub fn mirror_size(&self, settings: &crate::store::settings::Settings) -> u64 {
        settings.max_mirror_size().min(self.max_mirror_size)
    }

    /// The time-to-live of remote data under `settings`.
    pub fn refresh_ttl(&self, settings: &crate::store::settings::Settings) -> Duration {
        settings.refresh_ttl().max(self.min_refresh_ttl)
    }
}

/// This machine's settings, `$XDG_CONFIG_HOME/repodex/config.toml`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// Never use the network.
    offline: Option<bool>,
    /// Seconds one remote may take.
    timeout: Option<u64>,
    /// This machine's [`Limits`], in bytes and seconds.
    max_config_size: Option<u64>,
    max_mirror_size: Option<u64>,
    min_refresh_ttl: Option<u64>,
    /// Commits a mirror keeps (0 or absent: all).
    mirror_depth: Option<u32>,
    /// Where `clone` puts working copies (`~/src`), and how it names their folders
    /// under it (`{host}/{owner}/{repo}`): read by [`crate::ops::clone_root`].
    pub clone_root: Option<String>,
    pub clone_layout: Option<String>,
}

impl UserConfig {
    /// This machine's config file at `file`; the defaults when there is none.
    pub fn read(file: &Path) -> Result<UserConfig> {
        match std::fs::read_to_string(file).ok() {
            None => Ok(UserConfig::default()),
            Some(text) => UserConfig::parse(&text, file),
        }
    }
}

impl UserConfig {
    /// Parse the config file's `text`, with its numbers range-checked: a deadline is
    /// added to the clock, and one past what it counts would stop every command.
    fn parse(text: &str, file: &Path) -> Result<UserConfig> {
        let bad = |reason: String| Error::UserConfig {
            path: file.to_path_buf(),
            reason,
        };
        let config: UserConfig =
            toml::from_str(text).map_err(|e| bad(e.message().trim().to_string()))?;
        let max = Network::MAX_TIMEOUT.as_secs();
        if config.timeout.is_some_and(|t| t == 0 || t > max) {
            return Err(bad(format!("timeout must be from 1 to {max} seconds")));
        }
        if config
            .min_refresh_ttl
            .is_some_and(|t| Duration::from_secs(t) > crate::time::MAX_DURATION)
        {
            return Err(bad(format!(
                "min_refresh_ttl is longer than repodex counts (at most {})",
                crate::time::MAX_DURATION_WORDS
            )));
        }
        Ok(config)
    }
}

impl Network {
    /// The default deadline for one remote.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    /// The longest deadline for one remote: a day.
    pub const MAX_TIMEOUT: Duration = Duration::from_secs(86_400);

    /// The network policy from, in order of precedence: the `--offline` flag, the
    /// environment's reason to be offline (`REPODEX_OFFLINE=1`), and this machine's
    /// config file (`offline = true`); the deadline from `timeout_var`
    /// (`REPODEX_TIMEOUT`, seconds), else the config file's `timeout`. The
    /// [`Context`](crate::Context) reads the environment and calls this.
    pub fn from_settings(
        config_file: &Path,
        offline_flag: bool,
        env_offline: Option<&str>,
        timeout_var: Option<&str>,
    ) -> Result<Network> {
        let config = UserConfig::read(config_file)?;
        let offline = if offline_flag {
            Some("--offline".to_string())
        } else if let Some(why) = env_offline {
            Some(why.to_string())
        } else if config.offline == Some(true) {
            Some("offline = true in the user config".to_string())
        } else {
            None
        };
        let timeout = match timeout_var {
            Some(value) => value
                .parse::<u64>()
                .ok()
                .filter(|s| *s > 0)
                .map(Duration::from_secs)
                .filter(|t| *t <= Network::MAX_TIMEOUT)
                .ok_or_else(|| Error::BadTimeout {
                    value: value.to_string(),
                })?,
            None => config
                .timeout
                .map(Duration::from_secs)
                .unwrap_or(Network::DEFAULT_TIMEOUT),
        };
        let defaults = Limits::default();
        let limits = Limits {
            max_config_size: config.max_config_size.unwrap_or(defaults.max_config_size),
            max_mirror_size: config.max_mirror_size.unwrap_or(defaults.max_mirror_size),
            min_refresh_ttl: config
                .min_refresh_ttl
                .map(Duration::from_secs)
                .unwrap_or(defaults.min_refresh_ttl),
            mirror_depth: config.mirror_depth.and_then(std::num::NonZeroU32::new),
        };
        Ok(Network {
            offline,
            timeout,
            limits,
        })
    }

    /// Is `text` a config file this machine can use? (What `settings set --machine`
    /// checks before writing it to `file`.)
    pub fn check_user_config(text: &str, file: &Path) -> Result<()> {
        UserConfig::parse(text, file).map(|_| ())
    }

    /// Fail with [`Error::Offline`] when offline.
    pub fn require(&self, what: &str) -> Result<()> {
        match &self.offline {
            Some(why) => Err(Error::Offline {
                what: what.to_string(),
                why: why.clone(),
            }),
            None => Ok(()),
        }
    }
}

/// The cache folder: mirrors, and a scratch repository to run connections from.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

impl Cache {
    /// The cache rooted at `root` (the [`Context`](crate::Context) knows where).
    pub fn at(root: PathBuf) -> Cache {
        Cache { root }
    }

    /// Where the mirror of `url` lives: named by the URL's identity, so that every
    /// spelling of one repository (and every entry name it has had) shares one mirror.
    pub fn mirror_path(&self, url: &GitUrl) -> PathBuf {
        let key = url.identity_key();
        let readable: String = key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .take(80)
            .collect();
        // The readable part can collide (`a/b_c` and `a_b/c`); a digest of the key cannot.
        let id = crate::git::short_digest(key.as_bytes());
        self.root
            .join("mirrors")
            .join(format!("{readable}-{id}.git"))
    }

    fn scratch(&self) -> Result<PathBuf> {
        let path = self.root.join("scratch.git");
        std::fs::create_dir_all(&self.root)
            .map_err(|e| Error::io(format!("cannot create {}", self.root.display()), e))?;
        fetch::scratch_repository(&path)?;
        Ok(path)
    }
}

/// What one remote told us.
#[derive(Debug, Clone, PartialEq)]
pub struct Learned {
    pub default_branch: String,
    /// The default branch's tip; `None` for an empty remote.
    pub commit: Option<ObjectId>,
    /// The configuration files found, by path.
    pub files: BTreeMap<String, String>,
    /// Files that were there but not cached, and why.
    pub skipped: Vec<(String, String)>,
    /// Whether objects were downloaded (false when the mirror was current).
    pub fetched: bool,
}

/// What to learn from one remote.
#[derive(Debug, Clone)]
pub struct Task {
    /// The entry it is for.
    pub name: String,
    pub url: GitUrl,
    /// The paths to read and cache.
    pub config_paths: Vec<String>,
    /// Listed paths not to read, each with why: reported as skipped when the remote
    /// has them, never read into the registry.
    pub held: Vec<(String, String)>,
    pub max_file_size: u64,
    /// The most a fetch may download into the mirror, in bytes.
    pub max_mirror_size: u64,
    /// How many commits the mirror keeps; `None`: the whole default branch.
    pub mirror_depth: Option<std::num::NonZeroU32>,
    /// The entry's credential from the vault, in memory.
    pub auth: Option<fetch::Auth>,
}

/// Ask one remote for its HEAD; fetch a new mirror when the mirror is missing or
/// behind; read the configuration files from it. Blocks; see [`run_all`].
pub fn learn(cache: &Cache, task: &Task, interrupt: &AtomicBool) -> Result<Learned> {
    let url = task.url.to_string();
    let mirror_path = cache.mirror_path(&task.url);
    let mut fetched = false;
    // A mirror is there once its clone was whole (it is moved in complete).
    let head = if mirror_path.join("HEAD").is_file() {
        // One connection asks for HEAD and, when it moved on, fetches what is new. A
        // shallow mirror stays shallow when fetched into, so one is cloned afresh (with
        // or without `mirror_depth` now).
        let incremental = task.mirror_depth.is_none()
            && !mirror_path.join("shallow").exists()
            && mirror::pack_count(&mirror_path) < MAX_MIRROR_PACKS;
        // `max_mirror_size` bounds the whole mirror, as it bounds a fresh clone: the
        // fetch may add what is left of it.
        let pack = mirror_path.join("objects").join("pack");
        let room = task
            .max_mirror_size
            .saturating_sub(mirror::pack_bytes(&mirror_path));
        let (refreshed, too_big) = bounded(&pack, room, interrupt, || {
            mirror::refresh_mirror(
                &mirror_path,
                &url,
                task.auth.as_ref(),
                incremental,
                task.max_mirror_size,
                interrupt,
            )
        });
        // The watcher stopped a download that outgrew the room (the fetch then failed).
        if too_big {
            return Err(too_big_error(&url, task));
        }
        let refreshed = refreshed?;
        if matches!(refreshed, MirrorRefresh::TooBig) {
            return Err(too_big_error(&url, task));
        }
        match refreshed {
            MirrorRefresh::Unchanged(head) => head,
            MirrorRefresh::Fetched(head) => {
                fetched = true;
                head
            }
            MirrorRefresh::Changed(_) | MirrorRefresh::Unusable | MirrorRefresh::TooBig => {
                fetched = true;
                replace_mirror(&url, &mirror_path, task, interrupt)?
            }
        }
    } else {
        // No mirror: clone straight away (the clone says what HEAD is), unless the
        // remote turns out to be empty.
        fetched = true;
        match replace_mirror(&url, &mirror_path, task, interrupt) {
            Ok(head) => head,
            Err(clone_error) => match fetch::probe(&cache.scratch()?, &url, task.auth.as_ref()) {
                Ok(head) if head.commit.is_none() => {
                    fetched = false;
                    head
                }
                _ => return Err(clone_error),
            },
        }
    };
    let mut learned = Learned {
        default_branch: head.default_branch,
        commit: head.commit,
        files: BTreeMap::new(),
        skipped: Vec::new(),
        fetched,
    };
    if let (Some(commit), Some(mirror)) = (head.commit, Mirror::open(&mirror_path)) {
        for path in &task.config_paths {
            match mirror.read_file(commit, path, task.max_file_size)? {
                FileRead::Text(text) => {
                    learned.files.insert(path.clone(), text);
                }
                FileRead::Missing => {}
                FileRead::TooLarge(size) => learned.skipped.push((
                    path.clone(),
                    format!("{size} bytes, over the {} byte limit", task.max_file_size),
                )),
                FileRead::NotText => learned
                    .skipped
                    .push((path.clone(), "not a text file".into())),
            }
        }
        // Whether a held path is there is a lookup in the local mirror: its content is
        // never read.
        for (path, why) in &task.held {
            if mirror.has_file(commit, path)? {
                learned.skipped.push((path.clone(), why.clone()));
            }
        }
    }
    Ok(learned)
}

/// How many packs a mirror may gather from fetches before the next change clones it
/// afresh into one: each fetch adds one pack, and git and gix look in every pack for an
/// object. A shallow mirror (`mirror_depth`) is always cloned afresh: gix does not prune
/// shallow history.
const MAX_MIRROR_PACKS: usize = 32;

/// Clone a fresh mirror beside the old one and swap it in: for a new mirror, a shallow
/// one, and one with many packs. A failed clone is harmless: the old mirror stays until
/// the new one is whole.
///
/// The download is bounded by `task.max_mirror_size`: a watcher stops the fetch when the
/// new mirror grows past it, and a mirror that ends up larger is thrown away.
fn replace_mirror(
    url: &str,
    mirror: &Path,
    task: &Task,
    interrupt: &AtomicBool,
) -> Result<RemoteHead> {
    let parent = mirror.parent().expect("mirrors live in a folder");
    std::fs::create_dir_all(parent)
        .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
    let staging = tempfile::Builder::new()
        .prefix(".clone-")
        .tempdir_in(parent)
        .map_err(|e| Error::io(format!("cannot create a folder in {}", parent.display()), e))?;
    let fresh = staging.path().join("mirror.git");
    let (cloned, too_big) = bounded(staging.path(), task.max_mirror_size, interrupt, || {
        mirror::clone_mirror(
            url,
            &fresh,
            task.auth.as_ref(),
            task.mirror_depth,
            interrupt,
        )
    });
    if too_big {
        return Err(too_big_error(url, task));
    }
    let head = cloned?;
    let old = staging.path().join("old.git");
    let _ = std::fs::rename(mirror, &old);
    std::fs::rename(&fresh, mirror).map_err(|e| {
        Error::io(
            format!("cannot move the new mirror to {}", mirror.display()),
            e,
        )
    })?;
    Ok(head)
}

/// Run `fetch` while a watcher stops it (through `interrupt`) once `dir` has grown by
/// more than `max` bytes; says whether it grew past that.
fn bounded<T>(
    dir: &Path,
    max: u64,
    interrupt: &AtomicBool,
    fetch: impl FnOnce() -> T,
) -> (T, bool) {
    let base = folder_size(dir);
    let grown = || folder_size(dir).saturating_sub(base) > max;
    let too_big = AtomicBool::new(false);
    // The watcher looks every 20 ms, and leaves the moment the fetch returns (its
    // channel closes): a refresh that downloads nothing waits for no sleep.
    let (done, finished) = mpsc::channel::<()>();
    let result = std::thread::scope(|scope| {
        let (grown, too_big) = (&grown, &too_big);
        scope.spawn(move || loop {
            match finished.recv_timeout(Duration::from_millis(20)) {
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if grown() {
                        too_big.store(true, Ordering::Relaxed);
                        interrupt.store(true, Ordering::Relaxed);
                        return;
                    }
                }
                _ => return,
            }
        });
        let result = fetch();
        drop(done);
        result
    });
    let too_big = too_big.load(Ordering::Relaxed) || grown();
    (result, too_big)
}

fn too_big_error(url: &str, task: &Task) -> Error {
    Error::Remote {
        url: url.to_string(),
        reason: format!(
            "its default branch is more than max_mirror_size ({} bytes) to download; raise max_mirror_size in registry.toml to refresh it",
            task.max_mirror_size
        ),
    }
}

/// Progress of a run over many remotes, for a progress bar.
#[derive(Debug, Clone)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    /// The entry that just finished.
    pub name: String,
    /// Whether it succeeded.
    pub ok: bool,
}

/// Run `tasks`, up to `jobs` at once, in the order given, each with the network's
/// deadline. A remote that does not finish in time is abandoned (its thread is told to
/// stop, and its result is a [`Error::Timeout`]); one failure never stops the others.
/// Results come back in the order of `tasks`. (Connects to one `git daemon` are kept
/// below its backlog by `git::daemon::dial`, not here.)
pub fn run_all(
    cache: &Cache,
    network: &Network,
    tasks: Vec<Task>,
    jobs: usize,
    on_progress: &mut dyn FnMut(Progress),
) -> Vec<(Task, Result<Learned>)> {
    let total = tasks.len();
    let jobs = jobs.max(1);
    let (sender, receiver) = mpsc::channel::<(usize, Result<Learned>)>();
    let mut results: Vec<Option<Result<Learned>>> = (0..total).map(|_| None).collect();
    // (index, deadline, interrupt flag) of each task in flight.
    let mut running: Vec<(usize, Instant, Arc<AtomicBool>)> = Vec::new();
    let mut waiting = 0..total;
    let mut done = 0;
    while done < total {
        while running.len() < jobs {
            let Some(next) = waiting.next() else {
                break;
            };
            let interrupt = Arc::new(AtomicBool::new(false));
            let (cache, task, sender, flag) = (
                cache.clone(),
                tasks[next].clone(),
                sender.clone(),
                interrupt.clone(),
            );
            let index = next;
            std::thread::spawn(move || {
                let result = learn(&cache, &task, &flag);
                let _ = sender.send((index, result));
            });
            running.push((index, Instant::now() + network.timeout, interrupt));
        }
        let soonest = running
            .iter()
            .map(|(_, deadline, _)| *deadline)
            .min()
            .expect("something runs");
        let finished =
            match receiver.recv_timeout(soonest.saturating_duration_since(Instant::now())) {
                Ok((index, result)) => {
                    // A result that arrives after its deadline was already given up on.
                    if results[index].is_none() {
                        results[index] = Some(result);
                        Some(index)
                    } else {
                        None
                    }
                }
                Err(_) => {
                    let now = Instant::now();
                    let late = running.iter().position(|(_, deadline, _)| *deadline <= now);
                    late.map(|i| {
                        let (index, _, flag) = &running[i];
                        flag.store(true, Ordering::Relaxed);
                        results[*index] = Some(Err(Error::Timeout {
                            url: tasks[*index].url.to_string(),
                            seconds: network.timeout.as_secs().max(1),
                        }));
                        *index
                    })
                }
            };
        if let Some(index) = finished {
            running.retain(|(i, _, _)| *i != index);
            done += 1;
            on_progress(Progress {
                done,
                total,
                name: tasks[index].name.clone(),
                ok: matches!(results[index], Some(Ok(_))),
            });
        }
    }
    tasks
        .into_iter()
        .zip(results)
        .map(|(task, result)| (task, result.expect("every task finished or timed out")))
        .collect()
}

/// The bytes of the files below `dir`.
fn folder_size(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}
