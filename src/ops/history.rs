//! `log`: the registry's changes, or one entry's across its renames, newest first.

use crate::store::history::Change;
use crate::{Context, Result};

/// What to list.
#[derive(Debug, Default, Clone)]
pub struct Request {
    /// An entry of the user's registry; the whole registry when `None`.
    pub reference: Option<String>,
    /// At most this many changes.
    pub max_count: Option<usize>,
    /// Only the changes after this registry revision or time (`HEAD~2`, `2026-11-20`, `3d`).
    pub since: Option<String>,
}

/// The changes `request` asks for, newest first.
pub fn log(ctx: &Context, request: &Request) -> Result<Vec<Change>> {
    let registry = ctx.open()?;
    let name = request
        .reference
        .as_deref()
        .map(|reference| super::find::own_entry(&registry, reference))
        .transpose()?;
    let since = request
        .since
        .as_deref()
        .map(|spec| registry.commit_at(spec))
        .transpose()?;
    registry.log_since(name.as_deref(), since, request.max_count)
}
