//! The one place repodex runs the system `git` binary, for what gix does not do: a
//! local clone with checkout (and, for sync, push).
//!
//! Arguments that come from data (URLs, paths) always follow `--`, so that none can be
//! read as an option, and `GIT_ALLOW_PROTOCOL` limits git to transports that cannot run
//! commands.

use std::ffi::OsStr;
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
    Err(Error::Invalid(format!("cannot {what}: {reason}")))
}

/// Clone the local repository `source` into `dest` (which must not exist), then point
/// `origin` at `origin_url` and, with `new_branch`, start that branch.
pub fn clone_local(
    source: &Path,
    dest: &Path,
    origin_url: &str,
    new_branch: Option<&str>,
) -> Result<()> {
    let mut cmd = git(None);
    cmd.args(["clone", "--quiet", "--no-hardlinks", "--"])
        .arg(source)
        .arg(dest);
    run(cmd, &format!("clone into {}", dest.display()))?;
    let mut cmd = git(Some(dest));
    cmd.args(["config", "--", "remote.origin.url"])
        .arg(OsStr::new(origin_url));
    run(cmd, "set the clone's origin")?;
    if let Some(branch) = new_branch {
        let mut cmd = git(Some(dest));
        cmd.args(["switch", "--quiet", "--create"]).arg(branch);
        run(cmd, &format!("start the branch {branch}"))?;
    }
    Ok(())
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
