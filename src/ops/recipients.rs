//! `recipients`: who can read the registry's credentials (`.age-recipients`), and this
//! machine's acceptance of a change made elsewhere.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::Serialize;

use crate::{Context, Result};

/// One public key credentials are encrypted to (docs/json.md).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Key {
    pub key: String,
    /// Whether it is this machine's identity's public key.
    pub yours: bool,
}

/// The recipients, in file order; `None` when the vault has none yet.
pub fn list(ctx: &Context) -> Result<Option<Vec<Key>>> {
    let registry = ctx.open()?;
    let mine = super::identity::existing(ctx, &registry).map(|i| i.public().to_string());
    Ok(registry.recipients()?.map(|recipients| {
        recipients
            .keys()
            .iter()
            .map(|key| Key {
                yours: mine.as_deref() == Some(key.as_str()),
                key: key.clone(),
            })
            .collect()
    }))
}

/// What adding or removing a recipient did.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Changed {
    /// The identity created to re-encrypt, when there was none.
    pub identity_created: Option<PathBuf>,
    /// For a removal: the credentials the removed key could read, which stay readable
    /// to it in the registry's history (rotate them at their source).
    pub still_readable: Vec<String>,
}

/// Add a teammate's public key and re-encrypt every credential to it, in one commit.
pub fn add(ctx: &Context, key: &str, on_wait: &mut dyn FnMut()) -> Result<Changed> {
    let mut registry = ctx.open()?;
    let loaded = super::identity::load_or_create(ctx, &registry)?;
    let mut tx = registry.transaction(on_wait)?;
    tx.add_recipient(key, &loaded.identity)?;
    tx.commit("add a recipient to the vault")?;
    Ok(Changed {
        identity_created: loaded.created,
        still_readable: Vec::new(),
    })
}

/// Remove a public key and re-encrypt every credential without it, in one commit.
pub fn remove(ctx: &Context, key: &str, on_wait: &mut dyn FnMut()) -> Result<Changed> {
    let mut registry = ctx.open()?;
    let loaded = super::identity::load_or_create(ctx, &registry)?;
    let mut tx = registry.transaction(on_wait)?;
    let still_readable = tx.remove_recipient(key, &loaded.identity)?;
    tx.commit("remove a recipient from the vault")?;
    Ok(Changed {
        identity_created: loaded.created,
        still_readable,
    })
}

/// Accept the recipients as they are now (after a pull or a hand edit); returns the
/// changes accepted, empty when there were none.
pub fn accept(ctx: &Context, on_wait: impl FnMut()) -> Result<Vec<String>> {
    // Under the writer lock, as the commit that accepts a machine's own recipients
    // writes the same file: one writer at a time.
    let mut registry = ctx.open()?;
    let tx = registry.transaction(on_wait)?;
    tx.registry().accept_recipients()
}
