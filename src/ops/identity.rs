//! This machine's identity (its age key), found or made when an operation needs it.

use std::path::PathBuf;

use crate::store::Registry;
use crate::vault::identity::Identity;
use crate::{Context, Result};

/// The identity, and where it was created when this call made it.
pub struct Loaded {
    pub identity: Identity,
    /// `Some(path)` when the identity did not exist and was created at `path` now.
    pub created: Option<PathBuf>,
}

/// The user's identity, created on first need.
pub fn load_or_create(ctx: &Context, registry: &Registry) -> Result<Loaded> {
    let path = ctx.identity_path();
    let (identity, created) = Identity::load_or_create(&path, registry.root())?;
    Ok(Loaded {
        identity,
        created: created.then_some(path),
    })
}

/// The user's identity if this machine has one (for reading only: nothing is created).
pub fn existing(ctx: &Context, registry: &Registry) -> Option<Identity> {
    Identity::load(&ctx.identity_path(), registry.root()).ok()
}
