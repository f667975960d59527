//! What a folder is, as git sees it: the repository found at or above it, its work
//! tree, and its remotes' URLs.

use std::path::{Path, PathBuf};

/// A git repository found at or above a folder.
#[derive(Debug, Clone)]
pub struct WorkingCopy {
    /// The work tree's root (the repository itself, when bare).
    pub root: PathBuf,
    pub git_dir: PathBuf,
    /// Whether it has no work tree.
    pub bare: bool,
    /// Fetch URLs of its remotes, `origin` first, as configured.
    pub remote_urls: Vec<String>,
}

/// The repository that contains `dir`, if any, with its remotes' URLs.
pub fn working_copy(dir: &Path) -> Option<WorkingCopy> {
    describe(gix::discover(dir).ok()?).ok()
}

/// The repository exactly at `dir` (a working copy or a bare repository), without
/// looking in parent folders; on failure, why it does not open. `dir` must be
/// canonical (no symlinks, `..` or `.` in it): a scan walks down from a canonical
/// folder without following symlinks, so it saves two canonicalizations per copy.
pub fn repository_at(dir: &Path) -> std::result::Result<WorkingCopy, String> {
    let repo = gix::open_opts(dir, gix::open::Options::isolated())
        .map_err(|e| crate::text::one_line(&e))?;
    describe_in(repo, Some(dir))
}

fn describe(repo: gix::Repository) -> std::result::Result<WorkingCopy, String> {
    describe_in(repo, None)
}

/// `canonical`: the folder the repository was opened at, known to be canonical.
fn describe_in(
    repo: gix::Repository,
    canonical: Option<&Path>,
) -> std::result::Result<WorkingCopy, String> {
    let real = |path: &Path| -> std::result::Result<PathBuf, String> {
        match canonical {
            Some(dir)
                if path == dir
                    || path.parent() == Some(dir)
                        && path.ends_with(".git")
                        && !path.is_symlink() =>
            {
                Ok(path.to_path_buf())
            }
            _ => path.canonicalize().map_err(|e| e.to_string()),
        }
    };
    let git_dir = real(repo.git_dir())?;
    let root = match repo.workdir() {
        Some(w) => real(w)?,
        None => git_dir.clone(),
    };
    let mut names: Vec<String> = repo.remote_names().iter().map(|n| n.to_string()).collect();
    names.sort_by_key(|n| (n != "origin", n.clone()));
    let config = repo.config_snapshot();
    let remote_urls = names
        .iter()
        .filter_map(|name| {
            // A clone made through repodex's helper is fetched by the name it was
            // cloned by (`remote_helper`): that name is what it follows.
            let key = |k: &str| config.string(format!("remote.{name}.{k}").as_str());
            if key("vcs").is_some_and(|v| v.as_slice() == b"repodex") {
                if let Some(cloned_by) = key(super::command::NAME_KEY) {
                    return Some(format!("repodex:{cloned_by}"));
                }
            }
            let remote = repo.find_remote(name.as_str()).ok()?;
            let url = remote.url(gix::remote::Direction::Fetch)?;
            Some(url.to_bstring().to_string())
        })
        .collect();
    Ok(WorkingCopy {
        bare: repo.workdir().is_none(),
        root,
        git_dir,
        remote_urls,
    })
}
