//! The small edits of one entry: aliases, tags, a new name, a new URL or description,
//! forgetting it. Each is one transaction and one commit, whose message is worded here
//! so that `repodex log`, `git log` and any front end (the command line, MCP) show the
//! same words for the same change.

use schemars::JsonSchema;
use serde::Serialize;

use super::error::Refused;
use super::find::own_entry;
use crate::{Context, Result};

/// What an edit changed (docs/json.md).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Edited {
    /// The entry's name after the edit.
    pub name: String,
    /// The registry commit's message, which says what changed.
    pub message: String,
    /// The URL of the entry, for `forget` (the entry is gone; its history keeps it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// What was changed in a URL as given (docs/references.md), one line each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
}

/// Open the registry, resolve `reference` to an entry of the user's own registry, run
/// `edit` in one transaction and commit it with the message `edit` words.
fn in_transaction(
    ctx: &Context,
    reference: Option<&str>,
    on_wait: &mut dyn FnMut(),
    edit: impl FnOnce(&mut crate::Transaction<'_>, Option<String>) -> Result<Edited>,
) -> Result<Edited> {
    let mut registry = ctx.open()?;
    let mut tx = registry.transaction(&mut *on_wait)?;
    let name = reference
        .map(|reference| own_entry(tx.registry(), reference))
        .transpose()?;
    let edited = edit(&mut tx, name)?;
    tx.commit(&edited.message)?;
    // This machine's record of clones follows the entries' new names and URLs, so a
    // rename and then a move keep an entry's clones. A damaged record is left for
    // the commands that read it to report: the edit itself is done.
    let _ = registry.update_clones(on_wait, |_| ());
    Ok(edited)
}

/// Give the entry `reference` names more names (`repodex alias add`).
pub fn add_aliases(
    ctx: &Context,
    reference: &str,
    aliases: &[String],
    on_wait: &mut dyn FnMut(),
) -> Result<Edited> {
    in_transaction(ctx, Some(reference), on_wait, |tx, name| {
        let name = name.expect("resolved");
        for alias in aliases {
            tx.add_alias(&name, alias)?;
        }
        Ok(Edited {
            message: format!("alias {name} as {}", aliases.join(", ")),
            name,
            url: None,
            notices: Vec::new(),
        })
    })
}

/// Remove aliases from whichever entries have them (`repodex alias rm`). The report
/// names the last entry an alias was removed from.
pub fn remove_aliases(
    ctx: &Context,
    aliases: &[String],
    on_wait: &mut dyn FnMut(),
) -> Result<Edited> {
    in_transaction(ctx, None, on_wait, |tx, _| {
        let mut owners = Vec::new();
        let mut name = String::new();
        for alias in aliases {
            name = tx.remove_alias(alias)?;
            owners.push(format!("{alias} (of {name})"));
        }
        Ok(Edited {
            message: format!("remove alias {}", owners.join(", ")),
            name,
            url: None,
            notices: Vec::new(),
        })
    })
}

/// Tag an entry (`repodex tag add`).
pub fn add_tags(
    ctx: &Context,
    reference: &str,
    tags: &[String],
    on_wait: &mut dyn FnMut(),
) -> Result<Edited> {
    in_transaction(ctx, Some(reference), on_wait, |tx, name| {
        let name = name.expect("resolved");
        tx.add_tags(&name, tags)?;
        Ok(Edited {
            message: format!("tag {name}: {}", tags.join(", ")),
            name,
            url: None,
            notices: Vec::new(),
        })
    })
}

/// Remove tags from an entry (`repodex tag rm`); a tag it does not have is refused.
pub fn remove_tags(
    ctx: &Context,
    reference: &str,
    tags: &[String],
    on_wait: &mut dyn FnMut(),
) -> Result<Edited> {
    in_transaction(ctx, Some(reference), on_wait, |tx, name| {
        let name = name.expect("resolved");
        tx.remove_tags(&name, tags)?;
        Ok(Edited {
            message: format!("untag {name}: {}", tags.join(", ")),
            name,
            url: None,
            notices: Vec::new(),
        })
    })
}

/// Give an entry a new name (`repodex rename`); its credential follows it.
pub fn rename(
    ctx: &Context,
    reference: &str,
    new_name: &str,
    on_wait: &mut dyn FnMut(),
) -> Result<Edited> {
    in_transaction(ctx, Some(reference), on_wait, |tx, name| {
        let name = name.expect("resolved");
        tx.rename(&name, new_name)?;
        Ok(Edited {
            message: format!("rename {name} to {new_name}"),
            name: new_name.to_string(),
            url: None,
            notices: Vec::new(),
        })
    })
}

/// Remove an entry and its credential (`repodex forget`); the history keeps both.
pub fn forget(ctx: &Context, reference: &str, on_wait: &mut dyn FnMut()) -> Result<Edited> {
    in_transaction(ctx, Some(reference), on_wait, |tx, name| {
        let name = name.expect("resolved");
        let entry = tx.forget(&name)?;
        Ok(Edited {
            message: format!("forget {name}"),
            name,
            url: Some(entry.url),
            notices: Vec::new(),
        })
    })
}

/// What `repodex set` changes: a new URL (the repository moved), a new description
/// (empty clears it).
#[derive(Debug, Default)]
pub struct Settable {
    /// The URL or path as the user gave it.
    pub url: Option<String>,
    pub description: Option<String>,
}

/// Change an entry's URL or description (`repodex set`); asking for neither is refused.
pub fn set(
    ctx: &Context,
    reference: &str,
    change: Settable,
    on_wait: &mut dyn FnMut(),
) -> Result<Edited> {
    if change.url.is_none() && change.description.is_none() {
        return Err(Refused::NothingToSet.into());
    }
    let parsed = change
        .url
        .as_deref()
        .map(crate::store::repository_url)
        .transpose()?;
    in_transaction(ctx, Some(reference), on_wait, |tx, name| {
        let name = name.expect("resolved");
        let mut what = Vec::new();
        let mut notices = Vec::new();
        if let Some(parsed) = parsed {
            tx.set_url(&name, &parsed.url)?;
            what.push(format!("url to {}", parsed.url));
            notices = parsed.notices;
        }
        if let Some(description) = change.description {
            what.push(if description.is_empty() {
                "no description".to_string()
            } else {
                "description".to_string()
            });
            tx.set_description(&name, Some(description))?;
        }
        Ok(Edited {
            message: format!("set {name} {}", what.join(", ")),
            name,
            url: None,
            notices,
        })
    })
}
