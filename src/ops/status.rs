//! `status`: the state of every selected clone on this machine, one row each: the
//! branch, an operation in progress, the upstream and how far apart, staged, changed,
//! untracked and conflicted files, stashes, branches pushed nowhere, and whether the
//! default branch is behind what repodex last saw upstream. It reads local data only
//! (the clones and repodex's mirrors), with gix, on every core; `fetch` updates the
//! clones' remote-tracking branches first.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::Serialize;

use super::select::{self, Scope, Selection, WhenEmpty};
use crate::git::status::{CloneState, ReadError};
use crate::{Context, Result};

/// What to look at.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub selection: Selection,
    /// Fetch each clone's remotes first (`git fetch` in it, no prompt).
    pub fetch: bool,
    /// How many clones to read (or fetch) at once.
    pub jobs: usize,
}

/// The state of the selected clones (docs/json.md).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Report {
    /// One row per recorded clone, in selection order.
    pub clones: Vec<Row>,
    /// How many of them need attention ([`Row::attention`]).
    pub attention: usize,
}

/// One clone.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Row {
    /// The entry it is a clone of.
    pub name: String,
    pub path: PathBuf,
    /// Whether anything in it needs a person: uncommitted or conflicted changes,
    /// untracked files, an operation in progress, a branch ahead of or behind its
    /// upstream or with its upstream gone, branches pushed nowhere, a default branch
    /// behind what repodex last saw upstream, or a clone gone or unreadable. Stashes
    /// alone do not.
    pub attention: bool,
    /// When `--fetch` was asked and the fetch failed: why (the state shown is then as
    /// of the last fetch).
    pub fetch_error: Option<String>,
    #[serde(flatten)]
    pub state: State,
}

/// A clone's state, or why it could not be read.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum State {
    /// Read.
    Read {
        #[serde(flatten)]
        read: Box<CloneState>,
    },
    /// Its folder is gone (deleted or moved): `repodex prune` forgets it.
    Gone,
    /// Something is there, but its state could not be read.
    Unreadable { reason: String },
}

/// Read the state of every clone `request` selects (every recorded clone when it names
/// nothing).
pub fn status(
    ctx: &Context,
    request: &Request,
    on_progress: &(dyn Fn(&str) + Sync),
) -> Result<Report> {
    let selected = select::select(
        ctx,
        &request.selection,
        WhenEmpty::Cloned,
        Scope::WithLayers,
    )?;
    let cache = ctx.cache();
    // (name, path, the default branch and commit repodex's mirror last saw).
    let mut clones = Vec::new();
    for item in &selected {
        let seen = crate::url::GitUrl::parse(&item.summary.url)
            .ok()
            .and_then(|parsed| crate::git::mirror::Mirror::open(&cache.mirror_path(&parsed.url)))
            .and_then(|mirror| mirror.head())
            .and_then(|head| Some((head.default_branch, head.commit?)));
        for clone in &item.clones {
            clones.push((item.name().to_string(), clone.path.clone(), seen.clone()));
        }
    }
    if clones.is_empty() {
        return Err(super::error::Refused::NoClones.into());
    }
    let jobs = request.jobs.max(1);
    let fetched: Vec<Option<String>> = if request.fetch {
        let network = ctx.network()?;
        network.require("status --fetch")?;
        let credentials = super::git_setup::credentials_for_clones(&ctx.open()?)?;
        crate::parallel::each(&clones, jobs, |(name, path, _)| {
            let result = crate::git::clones::fetch(path, None, &credentials, network.timeout);
            on_progress(name);
            result.err().map(|e| e.to_string())
        })
    } else {
        vec![None; clones.len()]
    };
    let rows = crate::parallel::each(&clones, jobs, |(name, path, seen)| {
        let seen = seen
            .as_ref()
            .map(|(branch, commit)| (branch.as_str(), *commit));
        let state = match crate::git::status::read(path, seen) {
            Ok(read) => State::Read {
                read: Box::new(read),
            },
            Err(ReadError::Gone { .. }) => State::Gone,
            Err(error) => State::Unreadable {
                reason: error.to_string(),
            },
        };
        (name.clone(), path.clone(), state)
    });
    let clones: Vec<Row> = rows
        .into_iter()
        .zip(fetched)
        .map(|((name, path, state), fetch_error)| Row {
            attention: needs_attention(&state),
            name,
            path,
            fetch_error,
            state,
        })
        .collect();
    Ok(Report {
        attention: clones.iter().filter(|r| r.attention).count(),
        clones,
    })
}

/// Does this state need a person (docs/guide.md, "status")?
pub fn needs_attention(state: &State) -> bool {
    let State::Read { read: state } = state else {
        return true;
    };
    let apart = state
        .upstream
        .as_ref()
        .is_some_and(|u| u.gone || u.ahead.unwrap_or(0) > 0 || u.behind.unwrap_or(0) > 0);
    let behind_default = state.default_branch.as_ref().is_some_and(|d| d.behind);
    state.staged + state.changed + state.untracked + state.conflicted > 0
        || state.operation.is_some()
        || apart
        || !state.unpushed_branches.is_empty()
        || behind_default
}
