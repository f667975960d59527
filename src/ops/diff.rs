//! `diff`: how an entry's remote data changed between two points of the registry's
//! history.

use serde::Serialize;

use crate::{Context, Result};

/// The changes of one entry, from `since` (or its previous version) to now.
#[derive(Debug, Serialize)]
pub struct Report {
    pub name: String,
    /// Whether the entry existed at the earlier point (compared with nothing if not).
    pub existed: bool,
    /// The default branch then and now, when it changed.
    pub default_branch: Option<(Option<String>, Option<String>)>,
    /// Cached files whose content changed, in path order.
    pub files: Vec<FileChange>,
}

/// A cached file's content then and now (`None`: not cached at that point).
#[derive(Debug, Serialize)]
pub struct FileChange {
    pub path: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Compare the entry `reference` names now with the entry at `since` (a duration back,
/// a date or a revision), or, without it, with the entry before its latest change.
pub fn diff(ctx: &Context, reference: &str, since: Option<&str>) -> Result<Report> {
    let registry = ctx.open()?;
    let name = super::find::own_entry(&registry, reference)?;
    let now = registry.entry(&name)?;
    let before_commit = match since {
        Some(since) => Some(registry.commit_at(since)?),
        None => match registry.log(Some(&name))?.first() {
            Some(latest) => registry.parent_of(latest.commit)?,
            None => None,
        },
    };
    let before = before_commit.and_then(|c| registry.entry_at(c, &name).ok());
    let empty = std::collections::BTreeMap::new();
    let old_files = before.as_ref().map_or(&empty, |e| &e.config.files);
    let old_branch = before
        .as_ref()
        .and_then(|e| e.remote.default_branch.clone());
    let default_branch = (old_branch != now.remote.default_branch)
        .then(|| (old_branch, now.remote.default_branch.clone()));
    let paths: std::collections::BTreeSet<&String> =
        old_files.keys().chain(now.config.files.keys()).collect();
    let files = paths
        .into_iter()
        .filter(|path| old_files.get(*path) != now.config.files.get(*path))
        .map(|path| FileChange {
            path: path.clone(),
            before: old_files.get(path).cloned(),
            after: now.config.files.get(path).cloned(),
        })
        .collect();
    Ok(Report {
        name,
        existed: before.is_some(),
        default_branch,
        files,
    })
}
