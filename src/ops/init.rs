//! `init`: create the registry, empty in a format of the user's choice, or from a
//! team's registry (a clone of its remote, which `sync` then keeps in step).

use std::path::PathBuf;

use serde::Serialize;

use super::error::Refused;
use crate::store::layout::{Layout, FORMAT, OLDEST_FORMAT};
use crate::{Context, Registry, Result};

/// Where the registry comes from.
#[derive(Debug, Clone)]
pub enum Request {
    /// A new, empty registry in format `format` (the newest when `None`).
    New { format: Option<i64> },
    /// A clone of the registry at this URL or path (`repodex:<name>` is refused by
    /// the URL rules: there is no registry yet to resolve it in).
    From { url: String },
}

/// What `init` did.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The registry folder.
    pub path: PathBuf,
    /// Whether this call created it (a registry already there is left as it is).
    pub created: bool,
    /// The remote it was made from.
    pub from: Option<String>,
    /// Its entries, when made from a remote.
    pub entries: usize,
    /// Whether it came with a vault, whose keys the user should check and accept.
    pub vault: bool,
    /// What was changed in the URL as given (docs/references.md), one line each.
    pub notices: Vec<String>,
}

/// Create the registry `request` asks for at the context's location.
pub fn init(ctx: &Context, request: Request) -> Result<Report> {
    let path = ctx.location().path().to_path_buf();
    match request {
        Request::From { url } => {
            let parsed = crate::store::repository_url(&url)?;
            let registry =
                crate::sync::clone_registry(&parsed.url, &path, &ctx.network()?, ctx.commit_env())?;
            Ok(Report {
                entries: registry.records().count(),
                vault: registry.recipients()?.is_some(),
                path,
                created: true,
                from: Some(parsed.url.to_string()),
                notices: parsed.notices,
            })
        }
        Request::New { format } => {
            let layout = match format {
                None => Layout::NEWEST,
                Some(format) => Layout::for_format(format).ok_or(Refused::UnknownFormat {
                    format,
                    oldest: OLDEST_FORMAT,
                    newest: FORMAT,
                })?,
            };
            Ok(Report {
                created: Registry::create_in_format(&path, layout, ctx.commit_env())?,
                path,
                from: None,
                entries: 0,
                vault: false,
                notices: Vec::new(),
            })
        }
    }
}
