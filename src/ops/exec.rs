//! `exec`: one command in every selected clone, several at once. Each runs in the
//! clone's folder in a session of its own when repodex has a terminal (so it has none
//! to prompt on; else in a process group of its own), standard input empty, with
//! `REPODEX_NAME`, `REPODEX_URL` and `REPODEX_PATH` set; its output is kept per clone
//! (stdout and stderr in one pipe, in the order written, or apart for JSON) or handed
//! over line by line. A timeout or an interrupt stops a command's whole
//! process group; a command never started is said so.

use std::ffi::OsString;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::Serialize;

use super::select::{self, Scope, Selection, WhenEmpty};
use crate::{Context, Result};

/// What to run where.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub selection: Selection,
    /// The program and its arguments, run as they are (no shell).
    pub command: Vec<OsString>,
    /// How many commands at once.
    pub jobs: usize,
    /// Stop a command (its whole process group) that runs longer.
    pub timeout: Option<Duration>,
    /// Keep stdout and stderr apart (for JSON); otherwise one pipe takes both, in the
    /// order the command wrote them.
    pub separate_streams: bool,
}

/// What the commands did (docs/json.md).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Report {
    /// One per selected clone, in selection order.
    pub runs: Vec<Run>,
    /// Whether an interrupt (Ctrl-C) stopped the run.
    pub interrupted: bool,
}

/// One clone's command.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Run {
    /// The entry it is a clone of.
    pub name: String,
    pub path: PathBuf,
    #[serde(flatten)]
    pub ended: Ended,
    /// What it wrote on stdout (with stderr too, in the order written, unless kept
    /// apart); empty when handed over line by line.
    pub stdout: String,
    /// What it wrote on stderr, when kept apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stderr: Option<String>,
    /// How long it ran.
    pub seconds: f64,
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Ended {
    /// It exited with this code.
    Exited { code: i32 },
    /// A signal ended it (not one repodex sent).
    Signalled { signal: i32 },
    /// It ran past the timeout; its process group was killed.
    TimedOut { after_seconds: u64 },
    /// An interrupt stopped it; its process group was killed.
    Interrupted,
    /// It never started: why.
    NotRun { reason: String },
}

impl Ended {
    pub fn is_success(&self) -> bool {
        *self == Ended::Exited { code: 0 }
    }
}

/// What the caller hears while the commands run.
pub trait Observer: Sync {
    /// A command finished (or was never started); `index` is its place in the report.
    fn finished(&self, _index: usize, _run: &Run) {}
    /// A line the command at `index` wrote (with its newline, when it had one); only
    /// when [`Observer::streams`] says so, and then its output is not kept.
    fn line(&self, _index: usize, _name: &str, _line: &[u8]) {}
    /// Whether output is handed over line by line rather than kept.
    fn streams(&self) -> bool {
        false
    }
}

/// Set by the SIGINT handler [`exec`] installs.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_interrupt(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// How long an interrupted command has after SIGTERM before SIGKILL.
const GRACE: Duration = Duration::from_secs(2);

/// Run the command of `request` in every clone it selects (every recorded clone when it
/// names nothing).
pub fn exec(ctx: &Context, request: &Request, observer: &dyn Observer) -> Result<Report> {
    let Some(program) = request.command.first() else {
        return Err(super::error::Refused::NothingToRun.into());
    };
    if !runnable(program) {
        return Err(super::error::Refused::NoSuchProgram {
            program: program.to_string_lossy().into_owned(),
        }
        .into());
    }
    let selected = select::select(
        ctx,
        &request.selection,
        WhenEmpty::Cloned,
        Scope::WithLayers,
    )?;
    let mut targets = Vec::new();
    for item in &selected {
        for clone in &item.clones {
            targets.push(Target {
                name: item.name().to_string(),
                url: item.summary.url.clone(),
                path: clone.path.clone(),
            });
        }
    }
    if targets.is_empty() {
        return Err(super::error::Refused::NoClones.into());
    }
    // The children run in sessions of their own, so Ctrl-C on the terminal reaches
    // repodex alone, which stops every one of them and says which finished.
    INTERRUPTED.store(false, Ordering::SeqCst);
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    let previous = unsafe {
        libc::signal(
            libc::SIGINT,
            on_interrupt as *const () as libc::sighandler_t,
        )
    };
    let running = Running::default();
    let done = AtomicBool::new(false);
    let runs = std::thread::scope(|scope| {
        scope.spawn(|| watch(&running, &done, request.timeout));
        let runs = crate::parallel::each(&indexed(&targets), request.jobs.max(1), |(i, target)| {
            let run = run_one(
                *i,
                target,
                program,
                &request.command[1..],
                request,
                &running,
                observer,
            );
            observer.finished(*i, &run);
            run
        });
        done.store(true, Ordering::SeqCst);
        runs
    });
    // SAFETY: puts back the handler that was there before.
    unsafe { libc::signal(libc::SIGINT, previous) };
    Ok(Report {
        interrupted: INTERRUPTED.load(Ordering::SeqCst),
        runs,
    })
}

/// Whether this process has a controlling terminal a command could prompt on; then each
/// command gets a session of its own, which has none.
fn request_has_terminal() -> bool {
    static HAS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *HAS.get_or_init(|| std::fs::File::open("/dev/tty").is_ok())
}

/// Whether `program` is one the commands can start: a path (relative to each clone, so
/// taken on trust), or a name found on PATH.
fn runnable(program: &std::ffi::OsStr) -> bool {
    use std::os::unix::ffi::OsStrExt;
    if program.as_bytes().contains(&b'/') {
        return true;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).any(|dir| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(dir.join(program))
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

struct Target {
    name: String,
    url: String,
    path: PathBuf,
}

fn indexed(targets: &[Target]) -> Vec<(usize, &Target)> {
    targets.iter().enumerate().collect()
}

/// The process groups running now, with their deadlines, for the watcher.
#[derive(Default)]
struct Running {
    groups: Mutex<Vec<Group>>,
}

struct Group {
    pid: i32,
    deadline: Option<Instant>,
    /// Set by the watcher when it stopped the group, and why.
    stopped: Arc<Mutex<Option<Ended>>>,
    terminated_at: Option<Instant>,
}

/// Stop the groups that ran past their deadline, and every group on an interrupt
/// (SIGTERM, then SIGKILL after [`GRACE`]).
fn watch(running: &Running, done: &AtomicBool, timeout: Option<Duration>) {
    let tick = Duration::from_millis(20);
    while !done.load(Ordering::SeqCst) {
        std::thread::sleep(tick);
        let interrupted = INTERRUPTED.load(Ordering::SeqCst);
        if timeout.is_none() && !interrupted {
            continue;
        }
        let now = Instant::now();
        let mut groups = running.groups.lock().expect("not poisoned");
        for group in groups.iter_mut() {
            if group.deadline.is_some_and(|d| now >= d) {
                *group.stopped.lock().expect("not poisoned") = Some(Ended::TimedOut {
                    after_seconds: timeout.map_or(0, |t| t.as_secs()),
                });
                kill_group(group.pid, libc::SIGKILL);
            } else if interrupted {
                let mut stopped = group.stopped.lock().expect("not poisoned");
                if stopped.is_none() {
                    *stopped = Some(Ended::Interrupted);
                }
                match group.terminated_at {
                    None => {
                        kill_group(group.pid, libc::SIGTERM);
                        group.terminated_at = Some(now);
                    }
                    Some(at) if now.duration_since(at) >= GRACE => {
                        kill_group(group.pid, libc::SIGKILL);
                    }
                    Some(_) => {}
                }
            }
        }
    }
}

fn kill_group(pid: i32, signal: libc::c_int) {
    // SAFETY: a plain system call; the group is not reaped yet (see run_one), so its
    // id is still ours.
    unsafe {
        libc::kill(-pid, signal);
    }
}

fn run_one(
    index: usize,
    target: &Target,
    program: &OsString,
    args: &[OsString],
    request: &Request,
    running: &Running,
    observer: &dyn Observer,
) -> Run {
    let started = Instant::now();
    let mut run = Run {
        name: target.name.clone(),
        path: target.path.clone(),
        ended: Ended::Exited { code: 0 },
        stdout: String::new(),
        stderr: None,
        seconds: 0.0,
    };
    let not_run = |mut run: Run, reason: String| {
        run.ended = Ended::NotRun { reason };
        run
    };
    if INTERRUPTED.load(Ordering::SeqCst) {
        return not_run(run, "interrupted before it started".into());
    }
    if !target.path.is_dir() {
        return not_run(
            run,
            "the folder is not there; `repodex prune` forgets it".into(),
        );
    }
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(&target.path)
        .env("REPODEX_NAME", &target.name)
        .env("REPODEX_URL", &target.url)
        .env("REPODEX_PATH", &target.path)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("SSH_ASKPASS_REQUIRE", "never")
        .stdin(Stdio::null());
    let (reader, writer) = match std::io::pipe() {
        Ok(pair) => pair,
        Err(e) => return not_run(run, format!("cannot make a pipe: {e}")),
    };
    let mut stderr_reader = None;
    if request.separate_streams {
        match std::io::pipe() {
            Ok((r, w)) => {
                stderr_reader = Some(r);
                cmd.stderr(w);
            }
            Err(e) => return not_run(run, format!("cannot make a pipe: {e}")),
        }
    } else {
        match writer.try_clone() {
            Ok(w) => {
                cmd.stderr(w);
            }
            Err(e) => return not_run(run, format!("cannot make a pipe: {e}")),
        }
    }
    cmd.stdout(writer);
    if request_has_terminal() {
        crate::git::clones::own_session(&mut cmd);
    } else {
        // No terminal to take from anyone: a process group of its own is enough to stop
        // it whole, and lets std start it with posix_spawn rather than fork.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    }
    let stopped = Arc::new(Mutex::new(None));
    // The group is registered before anything can be reaped, under the lock the watcher
    // holds while it signals.
    let child = {
        let mut groups = running.groups.lock().expect("not poisoned");
        let child = cmd.spawn();
        if let Ok(child) = &child {
            groups.push(Group {
                pid: child.id() as i32,
                deadline: request.timeout.map(|t| started + t),
                stopped: stopped.clone(),
                terminated_at: None,
            });
        }
        child
    };
    // The pipes' writing ends now live in the child alone.
    drop(cmd);
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            return not_run(
                run,
                format!("cannot run {}: {e}", program.to_string_lossy()),
            )
        }
    };
    let pid = child.id() as i32;
    let stderr_thread = stderr_reader.map(|mut r| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = r.read_to_end(&mut bytes);
            bytes
        })
    });
    let stdout = read_output(index, &target.name, reader, observer);
    // Wait for the exit without reaping, so the watcher never signals a reused id.
    wait_unreaped(pid);
    running
        .groups
        .lock()
        .expect("not poisoned")
        .retain(|g| g.pid != pid);
    let status = child.wait();
    run.seconds = started.elapsed().as_secs_f64();
    run.stdout = String::from_utf8_lossy(&stdout).into_owned();
    run.stderr =
        stderr_thread.map(|t| String::from_utf8_lossy(&t.join().unwrap_or_default()).into_owned());
    let stopped = stopped.lock().expect("not poisoned").clone();
    run.ended = match (stopped, status) {
        (Some(why), _) => why,
        (None, Ok(status)) => {
            use std::os::unix::process::ExitStatusExt;
            match (status.code(), status.signal()) {
                (Some(code), _) => Ended::Exited { code },
                (None, Some(signal)) => Ended::Signalled { signal },
                (None, None) => Ended::Exited { code: -1 },
            }
        }
        (None, Err(e)) => Ended::NotRun {
            reason: format!("cannot wait for it: {e}"),
        },
    };
    run
}

/// Read the command's output to its end: kept, or handed to the observer line by line.
fn read_output(
    index: usize,
    name: &str,
    mut reader: std::io::PipeReader,
    observer: &dyn Observer,
) -> Vec<u8> {
    let mut bytes = Vec::new();
    if !observer.streams() {
        let _ = reader.read_to_end(&mut bytes);
        return bytes;
    }
    let mut buffer = [0u8; 8192];
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        bytes.extend_from_slice(&buffer[..n]);
        while let Some(end) = bytes.iter().position(|b| *b == b'\n') {
            observer.line(index, name, &bytes[..=end]);
            bytes.drain(..=end);
        }
    }
    if !bytes.is_empty() {
        observer.line(index, name, &bytes);
    }
    Vec::new()
}

fn wait_unreaped(pid: i32) {
    loop {
        // SAFETY: waitid writes only into `info`, which lives on this stack.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let result = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if result == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return;
        }
    }
}
