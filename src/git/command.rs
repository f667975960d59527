//! The one place repodex runs the system `git` binary, for what gix does not do: a
//! working copy with checkout (and, for sync, push).
//!
//! Arguments that come from data (URLs, paths) always follow `--`, so that none can be
//! read as an option, and `GIT_ALLOW_PROTOCOL` limits git to transports that cannot run
//! commands.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::{Error, Result};

fn git(dir: Option<&Path>) -> Command {
    let mut cmd = Command::new("git");
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    cmd.env("GIT_ALLOW_PROTOCOL", "file:git:http:https:ssh")
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null());
    cmd
}

fn run(mut cmd: Command, what: &str) -> Result<()> {
    let out = cmd
        .output()
        .map_err(|e| Error::io(format!("cannot run git to {what}"), e))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let reason = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("git failed")
        .trim();
    Err(Error::GitCommand {
        what: what.to_string(),
        reason: reason.to_string(),
    })
}

/// Where git runs `git-<name>` programs from before it looks on `PATH` (`git
/// --exec-path`); `None` when git cannot be run.
pub fn exec_path() -> Option<std::path::PathBuf> {
    let out = Command::new("git")
        .arg("--exec-path")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().into())
}

/// Make a working copy at `dest` (which must not exist, or be empty) from a bare
/// mirror whose `branch` is at `head`: the mirror's object files are hard-linked (copied
/// across file systems), so nothing is packed or indexed again, and only the checkout
/// costs time. `origin` points at `origin_url`; with `new_branch`, that branch is started.
pub fn clone_from_mirror(
    mirror: &Path,
    branch: &str,
    head: &str,
    dest: &Path,
    origin_url: &str,
    new_branch: Option<&str>,
) -> Result<()> {
    let result = build_clone(mirror, branch, head, dest, origin_url, new_branch);
    if result.is_err() {
        // Leave no half-made working copy behind.
        let _ = std::fs::remove_dir_all(dest);
    }
    result
}

fn build_clone(
    mirror: &Path,
    branch: &str,
    head: &str,
    dest: &Path,
    origin_url: &str,
    new_branch: Option<&str>,
) -> Result<()> {
    let mut cmd = git(None);
    cmd.args(["init", "--quiet", "--initial-branch", branch, "--"])
        .arg(dest);
    run(cmd, &format!("create {}", dest.display()))?;
    let objects = mirror.join("objects");
    let into = dest.join(".git").join("objects");
    for entry in walkdir::WalkDir::new(&objects).into_iter().flatten() {
        let relative = entry.path().strip_prefix(&objects).expect("below objects");
        let is_object_file = entry.file_type().is_file() && !relative.starts_with("info");
        if !is_object_file {
            continue;
        }
        let target = into.join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
        }
        if std::fs::hard_link(entry.path(), &target).is_err() {
            std::fs::copy(entry.path(), &target)
                .map_err(|e| Error::io(format!("cannot copy {}", entry.path().display()), e))?;
        }
    }
    if mirror.join("shallow").exists() {
        std::fs::copy(mirror.join("shallow"), dest.join(".git").join("shallow"))
            .map_err(|e| Error::io("cannot copy the mirror's shallow file", e))?;
    }
    let in_dest = |args: &[&str], what: &str| {
        let mut cmd = git(Some(dest));
        cmd.args(args);
        run(cmd, what)
    };
    // The repository is brand new and nobody else is in it: its refs and the lines git
    // clone adds to its config are written as git writes them, rather than by six more
    // git processes (which were most of a small clone's time).
    let git_dir = dest.join(".git");
    let local = format!("refs/heads/{branch}");
    for reference in [local.clone(), format!("refs/remotes/origin/{branch}")] {
        let file = git_dir.join(&reference);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
        }
        std::fs::write(&file, format!("{head}\n"))
            .map_err(|e| Error::io(format!("cannot write {}", file.display()), e))?;
    }
    let config_file = git_dir.join("config");
    let mut config = std::fs::read_to_string(&config_file)
        .map_err(|e| Error::io(format!("cannot read {}", config_file.display()), e))?;
    config.push_str(&format!(
        "[remote \"origin\"]\n\turl = {}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n[branch {}]\n\tremote = origin\n\tmerge = {}\n",
        config_value(origin_url),
        config_value(branch),
        config_value(&local),
    ));
    crate::git::write_atomically(&config_file, config.as_bytes())?;
    in_dest(
        &["reset", "--quiet", "--hard"],
        "check out the default branch",
    )?;
    if let Some(new) = new_branch {
        in_dest(
            &["switch", "--quiet", "--create", new],
            &format!("start the branch {new}"),
        )?;
    }
    Ok(())
}

/// `value` quoted for a git config file (a value, or a subsection name), as git writes
/// it: in double quotes, with `\\` and `"` escaped.
fn config_value(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// What a push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pushed {
    /// The remote's branch now points at the commit.
    Done,
    /// The remote refused the update (why, in git's words): most often because its
    /// branch moved on since our fetch, when someone else pushed in between.
    Refused(String),
}

/// Push `commit` to `branch` of the remote at `url`, within `timeout`. The URL comes
/// after `--`, and no option comes from data. git's own credential helpers answer for
/// the remote.
pub fn push(
    repo: &Path,
    url: &str,
    commit: &str,
    branch: &str,
    timeout: std::time::Duration,
) -> Result<Pushed> {
    let mut cmd = git(Some(repo));
    cmd.args(["push", "--porcelain", "--quiet", "--"])
        .arg(url)
        .arg(format!("{commit}:refs/heads/{branch}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = output_within(cmd, timeout)
        .map_err(|e| Error::io("cannot run git to push the registry", e))?
        .ok_or_else(|| Error::Timeout {
            url: url.to_string(),
            seconds: timeout.as_secs().max(1),
        })?;
    if out.status.success() {
        return Ok(Pushed::Done);
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    // `!<tab>from:to<tab>[rejected] (fetch first)`, or `[remote rejected] (...)` when
    // the branch moved while the push ran.
    if let Some(line) = stdout.lines().find(|line| line.starts_with('!')) {
        let reason = line.rsplit('\t').next().unwrap_or(line).trim().to_string();
        return Ok(Pushed::Refused(reason));
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let reason = stdout
        .lines()
        .chain(stderr.lines())
        .rfind(|l| !l.trim().is_empty() && !l.starts_with("To ") && *l != "Done")
        .unwrap_or("git push failed")
        .trim()
        .to_string();
    Err(Error::Remote {
        url: url.to_string(),
        reason,
    })
}

/// Does `reason`, why a remote refused a push, say that the push lost a race for the
/// remote's lock on the branch to another push? git's receive-pack reports it as
/// `failed to update ref` (its log names `cannot lock ref`).
pub fn lost_a_ref_lock(reason: &str) -> bool {
    reason.contains("failed to update ref") || reason.contains("cannot lock ref")
}

/// Run `cmd` (with piped output) to its end, or kill it at `timeout` (`Ok(None)`).
fn output_within(
    mut cmd: Command,
    timeout: std::time::Duration,
) -> std::io::Result<Option<std::process::Output>> {
    use std::io::Read;
    let mut child = cmd.spawn()?;
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = read(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = read(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = std::time::Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    Ok(Some(std::process::Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }))
}

/// Pack the object store of the repository at `repo` the way `git gc --auto` does once
/// it has grown past git's thresholds ([`super::objects`]): every pack into one when
/// there are too many packs, the loose objects into a new pack when there are too many
/// of them, unreachable objects kept for git's grace period of two weeks. In the
/// foreground (`gc.autoDetach=false`), because the caller holds the locks under which
/// it may run and releases them when this returns. The thresholds are given, so that a
/// `gc.auto = 0` meant for the user's own repositories does not leave the registry to
/// grow without end.
pub fn pack_objects(repo: &Path) -> Result<()> {
    use super::objects::{LOOSE_LIMIT, PACK_LIMIT};
    let mut cmd = git(Some(repo));
    cmd.args(["-c", "gc.autoDetach=false", "-c"])
        .arg(format!("gc.auto={LOOSE_LIMIT}"))
        .arg("-c")
        .arg(format!("gc.autoPackLimit={PACK_LIMIT}"))
        .args(["gc", "--auto", "--quiet"]);
    run(cmd, "pack the registry's objects (git gc --auto)")
}

/// Set `key` to `value` in the git config of the repository at `repo`.
pub fn set_config(repo: &Path, key: &str, value: &str) -> Result<()> {
    let mut cmd = git(Some(repo));
    cmd.args(["config", "--"]).arg(key).arg(value);
    run(cmd, &format!("set {key}"))
}

/// Remove `key` from the git config of the repository at `repo`; nothing when it is
/// not set.
pub fn unset_config(repo: &Path, key: &str) -> Result<()> {
    let mut cmd = git(Some(repo));
    cmd.args(["config", "--unset-all", "--"])
        .arg(key)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    match cmd.status() {
        // 5: the key was not set.
        Ok(status) if status.success() || status.code() == Some(5) => Ok(()),
        Ok(status) => Err(Error::GitCommand {
            what: format!("unset {key}"),
            reason: format!("git config exited with {status}"),
        }),
        Err(e) => Err(Error::io("cannot run git", e)),
    }
}

/// Is `name` a valid new branch name, as git sees it?
pub fn valid_branch_name(name: &str) -> bool {
    if name.starts_with('-') || name.is_empty() {
        return false;
    }
    let mut cmd = git(None);
    cmd.args(["check-ref-format", "--branch", name])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd.status().is_ok_and(|s| s.success())
}

/// The settings of the calling git that decide which transport the remote helper may
/// use (`protocol.*allow`, `url.*.insteadOf`, `url.*.pushInsteadOf`), as `(key, value)`
/// with the section and key in lower case: asked of git, which reads what the git that
/// ran the helper reads (its `-c` settings in `GIT_CONFIG_PARAMETERS`, its `GIT_DIR`).
pub fn transport_settings() -> Result<Vec<(String, String)>> {
    let mut cmd = Command::new("git");
    cmd.args([
        "config",
        "-z",
        "--get-regexp",
        r"^(protocol\..*allow|url\..*\.(push)?insteadof)$",
    ])
    .stdin(Stdio::null());
    let out = cmd
        .output()
        .map_err(|e| Error::io("cannot run git config", e))?;
    // 1: none is set.
    if !out.status.success() && out.status.code() != Some(1) {
        return Err(failure("read git's protocol settings", &out.stderr));
    }
    Ok(out
        .stdout
        .split(|b| *b == 0)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let item = String::from_utf8_lossy(item);
            match item.split_once('\n') {
                Some((key, value)) => (key.to_string(), value.to_string()),
                None => (item.to_string(), String::new()),
            }
        })
        .collect())
}

/// The refs of the remote at `url` as `git ls-remote --symref` lists them: `(target,
/// name)` lines, where a symbolic ref's target is `ref: refs/heads/main`. Runs as the
/// user's own git would (prompts and credential helpers included), for repodex's
/// remote helper, with only the transports in `allow` (a `GIT_ALLOW_PROTOCOL` value).
pub fn ls_remote(url: &str, allow: &str) -> Result<Vec<(String, String)>> {
    let mut cmd = user_git(allow);
    cmd.args(["ls-remote", "--symref", "--", url]);
    let out = cmd
        .output()
        .map_err(|e| Error::io("cannot run git ls-remote", e))?;
    if !out.status.success() {
        return Err(failure("list the remote's refs", &out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let (target, name) = line.split_once('\t')?;
            Some((target.to_string(), name.to_string()))
        })
        .collect())
}

/// Fetch the objects of `ids` from `url` into the repository git is working on (the
/// helper runs with git's `GIT_DIR`), writing no ref: git writes them itself.
pub fn fetch_objects(url: &str, ids: &[String], allow: &str) -> Result<()> {
    let mut cmd = user_git(allow);
    cmd.args([
        "fetch",
        "--quiet",
        "--no-tags",
        "--no-write-fetch-head",
        "--",
        url,
    ])
    .args(ids)
    .stdout(Stdio::null());
    let out = cmd
        .output()
        .map_err(|e| Error::io("cannot run git fetch", e))?;
    if !out.status.success() {
        return Err(failure("fetch from the remote", &out.stderr));
    }
    Ok(())
}

/// Push `refspec` to `url` from the repository git is working on; `Err(reason)` when the
/// remote refused it.
pub fn push_refspec(
    url: &str,
    refspec: &str,
    allow: &str,
) -> Result<std::result::Result<(), String>> {
    let mut cmd = user_git(allow);
    cmd.args(["push", "--porcelain", "--", url, refspec]);
    let out = cmd
        .output()
        .map_err(|e| Error::io("cannot run git push", e))?;
    if out.status.success() {
        return Ok(Ok(()));
    }
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let reason = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty() && !l.starts_with("Done") && !l.starts_with("To "))
        .unwrap_or("the push failed")
        .trim()
        .to_string();
    Ok(Err(reason))
}

/// git as the user runs it, from repodex's remote helper: the user's environment and
/// prompts, no standard input (it is git's protocol pipe), and only the transports in
/// `allow`: those of the user's policy that cannot run commands
/// ([`super::policy::Policy::allowed_transports`]).
fn user_git(allow: &str) -> Command {
    let mut cmd = Command::new("git");
    cmd.env("GIT_ALLOW_PROTOCOL", allow).stdin(Stdio::null());
    cmd
}

fn failure(what: &str, stderr: &[u8]) -> Error {
    let stderr = String::from_utf8_lossy(stderr);
    Error::GitCommand {
        what: what.to_string(),
        reason: stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("git failed")
            .trim()
            .to_string(),
    }
}

/// The helper's key in a remote's section: the repodex name a clone was made by
/// (`remote.origin.repodex = mk`), beside `remote.origin.vcs = repodex`.
pub const NAME_KEY: &str = "repodex";

/// What the remote helper reads of the remote git runs it for, from the repository's
/// own config file as written (no includes, no `insteadOf`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelperRemote {
    /// `remote.<name>.url`.
    pub url: Option<String>,
    /// `remote.<name>.vcs`: `repodex` when git runs the helper for the remote whatever
    /// its URL.
    pub vcs: Option<String>,
    /// `remote.<name>.repodex`: the name the clone was made by.
    pub name: Option<String>,
    /// Whether anything was fetched from it yet (a ref under `refs/remotes/<name>/`).
    pub fetched: bool,
}

/// Read [`HelperRemote`] for the remote `remote` of the repository at `git_dir`.
pub fn helper_remote(git_dir: &Path, remote: &str) -> HelperRemote {
    let config = git_dir.join("config");
    let get = |key: &str| -> Option<String> {
        let out = git(None)
            .arg("config")
            .arg("--file")
            .arg(&config)
            .args(["--get", "--"])
            .arg(format!("remote.{remote}.{key}"))
            .stderr(Stdio::null())
            .output()
            .ok()?;
        let value = String::from_utf8(out.stdout).ok()?;
        let value = value.trim_end_matches('\n');
        (out.status.success() && !value.is_empty()).then(|| value.to_string())
    };
    let fetched = git(None)
        .arg("--git-dir")
        .arg(git_dir)
        .args(["for-each-ref", "--count=1", "--format=x", "--"])
        .arg(format!("refs/remotes/{remote}/"))
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|out| !out.stdout.is_empty());
    HelperRemote {
        url: get("url"),
        vcs: get("vcs"),
        name: get(NAME_KEY),
        fetched,
    }
}

/// Make the remote `remote` of the repository at `git_dir` one that git fetches through
/// `git-remote-repodex` by the name `name`, with `url` (the entry's URL) as its URL,
/// which is what `git remote get-url` then prints: `remote.<remote>.url`,
/// `remote.<remote>.vcs = repodex` and `remote.<remote>.repodex`.
pub fn follow_by_name(git_dir: &Path, remote: &str, url: &str, name: &str) -> Result<()> {
    let config = git_dir.join("config");
    for (key, value) in [(NAME_KEY, name), ("vcs", "repodex"), ("url", url)] {
        let mut cmd = git(None);
        cmd.arg("config")
            .arg("--file")
            .arg(&config)
            .arg("--")
            .arg(format!("remote.{remote}.{key}"))
            .arg(value);
        run(cmd, &format!("set remote.{remote}.{key}"))?;
    }
    Ok(())
}

/// Set the URL of the remote `remote` of the repository at `git_dir`.
pub fn set_remote_url(git_dir: &Path, remote: &str, url: &str) -> Result<()> {
    let mut cmd = git(None);
    cmd.arg("config")
        .arg("--file")
        .arg(git_dir.join("config"))
        .arg("--")
        .arg(format!("remote.{remote}.url"))
        .arg(url);
    run(cmd, &format!("set remote.{remote}.url"))
}
