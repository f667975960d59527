//! git run in the user's clones (`status --fetch`, `pull`): as the user would run it,
//! under their configuration and git's protocol policy as they set it, but never able
//! to ask anything: no standard input, `GIT_TERMINAL_PROMPT=0`, and a session of its
//! own, so that neither git nor ssh has a terminal to prompt on (ssh's own settings
//! and the user's `core.sshCommand` are left alone; a key that needs a passphrase the
//! agent does not hold fails instead of asking). Credentials that repodex keeps reach
//! git through its credential helper for exactly the URLs they are bound to.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// repodex's credential helper for the URLs whose credential it keeps (as git-setup
/// writes them): `-c` settings of each git command run in a clone.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// `https://host/path` spellings, each a `credential.<url>` section.
    pub urls: Vec<String>,
    /// The helper, as git runs it (`!'/path/to/repodex' credential`).
    pub helper: String,
}

/// git in the clone at `dir`, with no way to prompt, and repodex's helper for
/// `credentials`.
fn git_in(dir: &Path, credentials: &Credentials) -> Command {
    let mut cmd = git_here(dir);
    if !credentials.helper.is_empty() {
        for url in &credentials.urls {
            // An empty value first: only repodex answers for these URLs, as git-setup
            // writes it (the user's helpers keep every other URL).
            cmd.arg("-c")
                .arg(format!("credential.{url}.helper="))
                .arg("-c")
                .arg(format!("credential.{url}.helper={}", credentials.helper))
                .arg("-c")
                .arg(format!("credential.{url}.useHttpPath=true"));
        }
    }
    own_session(&mut cmd);
    cmd
}

/// git in `dir` with no way to prompt: no terminal prompt, no askpass window.
fn git_here(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        // OpenSSH 8.4+: never an askpass window either.
        .env("SSH_ASKPASS_REQUIRE", "never")
        .env("GCM_INTERACTIVE", "never")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

/// Run the child in a session of its own: it has no controlling terminal, so nothing
/// under it (git, ssh, a credential helper) can open `/dev/tty` to ask; and it is the
/// leader of its process group, which a deadline kills whole.
pub(crate) fn own_session(cmd: &mut Command) {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
}

/// Run `cmd`, killing it and everything it started when `timeout` passes. Returns its
/// stderr's last line when it fails.
fn run_within(cmd: Command, what: &str, timeout: Duration) -> Result<()> {
    match run_capturing(cmd, what, timeout)? {
        Ok(()) => Ok(()),
        Err(stderr) => Err(failed(what, last_line(&stderr))),
    }
}

fn failed(what: &str, reason: &str) -> Error {
    Error::GitCommand {
        what: what.to_string(),
        reason: reason.to_string(),
    }
}

fn last_line(stderr: &str) -> &str {
    stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("git failed")
        .trim()
}

/// Run `cmd` as [`run_within`] does; a git that ran and failed is `Ok(Err(stderr))`.
fn run_capturing(
    mut cmd: Command,
    what: &str,
    timeout: Duration,
) -> Result<std::result::Result<(), String>> {
    use std::io::Read;
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::io(format!("cannot run git to {what}"), e))?;
    let mut stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(pipe) = stderr.as_mut() {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                kill_group(&mut child);
                let _ = reader.join();
                return Err(failed(
                    what,
                    &format!("no answer within {} s", timeout.as_secs().max(1)),
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(Error::io(format!("cannot wait for git to {what}"), e)),
        }
    };
    let stderr = reader.join().unwrap_or_default();
    if status.success() {
        return Ok(Ok(()));
    }
    Ok(Err(String::from_utf8_lossy(&stderr).into_owned()))
}

/// Kill `child` and its process group (git's own children: ssh, remote helpers).
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    // SAFETY: a plain system call on the group this child leads.
    unsafe {
        libc::kill(-(child.id() as i32), libc::SIGKILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// `git fetch` of `remote` (every remote when `None`) in the clone at `dir`: its
/// remote-tracking branches move; its branches, index and files do not.
pub fn fetch(
    dir: &Path,
    remote: Option<&str>,
    credentials: &Credentials,
    timeout: Duration,
) -> Result<()> {
    let mut cmd = git_in(dir, credentials);
    cmd.args(["fetch", "--quiet", "--no-write-fetch-head"]);
    match remote {
        Some(remote) => cmd.args(["--", remote]),
        None => cmd.arg("--all"),
    };
    run_within(cmd, "fetch", timeout)
}

/// `git fetch` of `remote` in the clone at `dir`, as `git pull` fetches: `Ok(false)`
/// when the remote no longer has `branch` (git's FETCH_HEAD, which `git pull` reads
/// too, lists what the remote had).
pub fn fetch_upstream(
    dir: &Path,
    remote: &str,
    branch: &str,
    credentials: &Credentials,
    timeout: Duration,
) -> Result<bool> {
    let mut cmd = git_in(dir, credentials);
    cmd.args(["fetch", "--quiet", "--", remote]);
    run_within(cmd, "fetch", timeout)?;
    let repo = super::status::open(dir, gix::open::Options::default().strict_config(false))
        .map_err(|e| failed("fetch", &e.to_string()))?;
    let fetch_head = std::fs::read_to_string(repo.git_dir().join("FETCH_HEAD")).unwrap_or_default();
    let wanted = format!("branch '{branch}' of ");
    Ok(fetch_head
        .lines()
        .filter_map(|line| line.splitn(3, '\t').nth(2))
        .any(|what| what.starts_with(&wanted)))
}

/// Bring the commit `tip` of repodex's mirror at `mirror` into the clone at `dir` as
/// `tracking_ref` (now at `old`, or absent), as a fetch of the clone's own remote would
/// have: the mirror's pack files the clone lacks are hard-linked in (pack names are
/// their content's hash; packs before their indexes, so git never sees an index
/// without its pack) and the reference moves with a reflog line, in process.
/// `Ok(false)` when that cannot be done here (another file system, a loose object
/// store, the commit still missing): the caller fetches with git instead.
pub fn link_from_mirror(
    dir: &Path,
    mirror: &Path,
    tracking_ref: &str,
    old: Option<gix::ObjectId>,
    tip: gix::ObjectId,
) -> Result<bool> {
    use gix::refs::transaction::{Change, LogChange, PreviousValue, RefEdit, RefLog};
    let Ok(repo) = gix::open(dir) else {
        return Ok(false);
    };
    let objects = repo.common_dir().join("objects");
    let source = mirror.join("objects").join("pack");
    let Ok(listing) = std::fs::read_dir(&source) else {
        return Ok(false);
    };
    let mut packs: Vec<std::path::PathBuf> = listing
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pack"))
        .collect();
    packs.sort();
    let into = objects.join("pack");
    for pack in &packs {
        for extension in ["pack", "rev", "idx"] {
            let from = pack.with_extension(extension);
            let to = into.join(from.file_name().expect("a file name"));
            if !from.exists() || to.exists() {
                continue;
            }
            if std::fs::hard_link(&from, &to).is_err() {
                return Ok(false);
            }
        }
    }
    // Re-open: the object store lists its packs when opened.
    let Ok(repo) = gix::open(dir) else {
        return Ok(false);
    };
    if !repo.has_object(tip) {
        return Ok(false);
    }
    let Ok(name) = tracking_ref.try_into() else {
        return Ok(false);
    };
    let edit = RefEdit {
        change: Change::Update {
            log: LogChange {
                mode: RefLog::AndReference,
                force_create_reflog: false,
                message: "fetch: from repodex's mirror".into(),
            },
            expected: match old {
                Some(old) => PreviousValue::MustExistAndMatch(gix::refs::Target::Object(old)),
                None => PreviousValue::MustNotExist,
            },
            new: gix::refs::Target::Object(tip),
        },
        name,
        deref: false,
    };
    repo.edit_reference(edit)
        .map(|_| true)
        .map_err(|e| failed("fetch from repodex's mirror", &e.to_string()))
}

/// `git fetch` from the repository at `source` (a mirror on this machine) of `branch`
/// into the clone's `refs/remotes/<remote>/<branch>`, as a fetch of `remote` would
/// have written it: for a clone whose remote is the mirror's repository.
pub fn fetch_from_mirror(
    dir: &Path,
    source: &Path,
    remote: &str,
    branch: &str,
    timeout: Duration,
) -> Result<()> {
    let mut cmd = git_in(dir, &Credentials::default());
    cmd.args([
        "fetch",
        "--quiet",
        "--no-tags",
        "--no-write-fetch-head",
        "--",
    ])
    .arg(source)
    .arg(format!(
        "+refs/heads/{branch}:refs/remotes/{remote}/{branch}"
    ));
    run_within(cmd, "fetch from repodex's mirror", timeout)
}

/// Move the current branch of the clone at `dir` forward to `upstream`, by git's own
/// `merge --ff-only`: refused, and the clone left exactly as it was, when the branches
/// diverged or local changes are in the way (git's rule); `Err` carries git's reason.
pub fn fast_forward(dir: &Path, upstream: &str, timeout: Duration) -> Result<()> {
    let mut cmd = git_in(dir, &Credentials::default());
    // `git merge` starts `git maintenance run --auto` in the background after each
    // merge: a process per clone that the user's next commit starts anyway.
    cmd.args(["-c", "maintenance.auto=false"]);
    cmd.args(["merge", "--ff-only", "--quiet", "--no-edit", upstream]);
    let stderr = match run_capturing(cmd, "fast-forward", timeout)? {
        Ok(()) => return Ok(()),
        Err(stderr) => stderr,
    };
    // git names the files in its way, one per line after a tab.
    let files: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix('\t'))
        .map(str::trim)
        .collect();
    if files.is_empty() {
        return Err(failed("fast-forward", last_line(&stderr)));
    }
    let shown = if files.len() > 3 {
        format!("{} and {} more", files[..3].join(", "), files.len() - 3)
    } else {
        files.join(", ")
    };
    Err(failed(
        "fast-forward",
        &format!("local changes to {shown} are in the way; commit or stash them, then pull again"),
    ))
}

/// What `pull` needs to know of a clone before it fetches: where HEAD is, whether an
/// operation is in progress, and the current branch's upstream.
#[derive(Debug, Clone)]
pub struct Branch {
    pub head: super::status::Head,
    pub operation: Option<super::status::Operation>,
    pub upstream: Option<Tracking>,
}

/// The current branch's upstream, as git's `@{upstream}` finds it.
#[derive(Debug, Clone)]
pub struct Tracking {
    /// `branch.<name>.remote` (`.` for a local upstream).
    pub remote: String,
    /// The remote's URL as configured (`remote.<remote>.url`), when it has one.
    pub remote_url: Option<String>,
    /// The branch on the remote (`main`, from `branch.<name>.merge`).
    pub branch: String,
    /// The remote-tracking ref (`refs/remotes/origin/main`).
    pub tracking_ref: String,
    /// Its commit; `None` when it is gone.
    pub tip: Option<gix::ObjectId>,
}

/// The branch state of the clone at `dir`, read with gix (nothing is written).
pub fn branch(dir: &Path) -> std::result::Result<Branch, super::status::ReadError> {
    use super::status::{branch_name, open, operation, tracking_ref, Head, ReadError};
    let unreadable = |reason: String| ReadError::Unreadable {
        path: dir.to_path_buf(),
        reason,
    };
    let repo = open(dir, gix::open::Options::default().strict_config(false))?;
    let head = repo
        .head()
        .map_err(|e| unreadable(format!("cannot read HEAD: {e}")))?;
    let commit = head.id().map(|id| id.detach());
    let referent = head.referent_name().map(|n| n.to_owned());
    let (head, upstream) = match (&referent, commit) {
        (Some(name), _) => {
            let upstream = match tracking_ref(&repo, name.as_ref())
                .map_err(|e| unreadable(format!("cannot read the upstream: {e}")))?
            {
                None => None,
                Some(tracking) => {
                    let config = repo.config_snapshot();
                    let short = name.as_ref().shorten();
                    let remote = config
                        .string_by("branch", Some(short), "remote")
                        .map(|r| r.to_string())
                        .unwrap_or_default();
                    let merge = config
                        .string_by("branch", Some(short), "merge")
                        .map(|m| m.to_string())
                        .unwrap_or_default();
                    let remote_url = config
                        .string_by("remote", Some(remote.as_str().into()), "url")
                        .map(|u| u.to_string());
                    let tip = repo
                        .try_find_reference(tracking.as_ref())
                        .ok()
                        .flatten()
                        .and_then(|mut r| r.peel_to_id().ok())
                        .map(|id| id.detach());
                    Some(Tracking {
                        remote,
                        remote_url,
                        branch: merge
                            .strip_prefix("refs/heads/")
                            .unwrap_or(&merge)
                            .to_string(),
                        tracking_ref: tracking.as_bstr().to_string(),
                        tip,
                    })
                }
            };
            (
                Head::Branch {
                    name: branch_name(name.as_ref()),
                    commit: commit.map(|c| c.to_string()),
                },
                upstream,
            )
        }
        (None, Some(commit)) => (
            Head::Detached {
                commit: commit.to_string(),
            },
            None,
        ),
        (None, None) => return Err(unreadable("HEAD is neither a branch nor a commit".into())),
    };
    Ok(Branch {
        head,
        operation: repo.state().map(operation),
        upstream,
    })
}

/// How many commits `ours` has that `theirs` lacks, and the other way round, in the
/// clone at `dir` (`git rev-list --left-right --count ours...theirs`).
pub fn ahead_behind(
    dir: &Path,
    ours: gix::ObjectId,
    theirs: gix::ObjectId,
) -> std::result::Result<(usize, usize), super::status::ReadError> {
    use super::status::{count_only, open, ReadError};
    let unreadable = |e: super::status::Failure| ReadError::Unreadable {
        path: dir.to_path_buf(),
        reason: format!("cannot compare the branch with its upstream: {e}"),
    };
    let repo = open(dir, gix::open::Options::default().strict_config(false))?;
    Ok((
        count_only(&repo, ours, Some(theirs)).map_err(unreadable)?,
        count_only(&repo, theirs, Some(ours)).map_err(unreadable)?,
    ))
}

/// The commit a remote-tracking ref of the clone at `dir` points at now.
pub fn tip_of(dir: &Path, reference: &str) -> Option<gix::ObjectId> {
    let repo = gix::open(dir).ok()?;
    let mut found = repo.try_find_reference(reference).ok()??;
    found.peel_to_id().ok().map(|id| id.detach())
}
