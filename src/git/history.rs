//! History: commits reachable from a tip, common ancestors, and when paths changed.

use gix::bstr::BStr;

use super::{git_err, ObjectId, Repo};
use crate::{Error, Result};

/// A commit, as history listings show it.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    pub id: ObjectId,
    /// Commit time, in seconds since the epoch.
    pub seconds: i64,
    pub message: String,
    pub author: String,
    pub parent: Option<ObjectId>,
}

impl Repo {
    /// The commits reachable from `tip` along first parents, newest first.
    pub fn history(&self, tip: ObjectId) -> Result<Vec<CommitInfo>> {
        let context = "cannot read the registry's history";
        let walk = self
            .repo
            .rev_walk([tip])
            .first_parent_only()
            .all()
            .map_err(git_err(context))?;
        let mut commits = Vec::new();
        for info in walk {
            let info = info.map_err(git_err(context))?;
            let commit = info.object().map_err(git_err(context))?;
            let time = commit.time().map_err(git_err(context))?;
            let author = commit.author().map_err(git_err(context))?.name.to_string();
            commits.push(CommitInfo {
                id: info.id,
                seconds: time.seconds,
                message: commit.message_raw_sloppy().to_string(),
                author,
                parent: commit.parent_ids().next().map(|id| id.detach()),
            });
        }
        Ok(commits)
    }

    /// The best common ancestor of two commits, or `None` when their histories are unrelated.
    pub fn merge_base(&self, one: ObjectId, two: ObjectId) -> Result<Option<ObjectId>> {
        match self.repo.merge_base(one, two) {
            Ok(base) => Ok(base.map(|id| id.detach())),
            Err(e) => Err(Error::git(
                "cannot find the common ancestor of two commits",
                e,
            )),
        }
    }

    /// For each file changed by the commits reachable from `tip` but not from `hidden`,
    /// the time (seconds) of the newest commit that changed it (compared with its first
    /// parent; a file that only moved did not change). Sync uses it to let the later
    /// change win a conflict.
    pub fn change_times(
        &self,
        tip: ObjectId,
        hidden: Option<ObjectId>,
    ) -> Result<std::collections::HashMap<String, i64>> {
        let context = "cannot read the registry's history";
        let walk = self
            .repo
            .rev_walk([tip])
            .with_hidden(hidden)
            .all()
            .map_err(git_err(context))?;
        let mut times = std::collections::HashMap::new();
        for info in walk {
            let info = info.map_err(git_err(context))?;
            let commit = info.object().map_err(git_err(context))?;
            let seconds = commit.time().map_err(git_err(context))?.seconds;
            let tree = commit.tree_id().map_err(git_err(context))?.detach();
            let parent_tree = match commit.parent_ids().next() {
                Some(parent) => Some(self.tree_of(parent.detach())?),
                None => None,
            };
            let paths = match parent_tree {
                Some(parent_tree) => self.changed_contents(parent_tree, tree)?,
                None => self.all_files(tree)?.into_iter().map(|f| f.path).collect(),
            };
            for path in paths {
                let newest = times.entry(path).or_insert(seconds);
                *newest = (*newest).max(seconds);
            }
        }
        Ok(times)
    }

    /// The commit a revision (`HEAD~2`, a hash, a branch) names.
    pub fn rev_parse_commit(&self, spec: &str) -> Option<ObjectId> {
        let id = self
            .repo
            .rev_parse_single(BStr::new(spec.as_bytes()))
            .ok()?;
        let commit = id.object().ok()?.peel_to_commit().ok()?;
        Some(commit.id)
    }
}
