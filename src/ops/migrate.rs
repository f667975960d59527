//! `migrate`: move the registry to the newest format, or its entries' URLs to today's
//! URL rules, each in one commit.

use crate::store::migrate::Migrated;
use crate::store::url_rules::UrlMigration;
use crate::{Context, Result};

/// What a format migration did.
pub struct FormatMigration {
    /// `None` when the registry was in the newest format already.
    pub migrated: Option<Migrated>,
    /// Whether the registry has a sync remote (teammates get the new format from it).
    pub shared: bool,
}

/// Move the registry to the newest format.
pub fn format(ctx: &Context, on_wait: &mut dyn FnMut()) -> Result<FormatMigration> {
    let mut registry = ctx.open()?;
    let migrated = registry.migrate(on_wait)?;
    Ok(FormatMigration {
        shared: migrated.is_some() && registry.sync_remote()?.is_some(),
        migrated,
    })
}

/// Rewrite the entries' URLs by today's URL rules (merging entries that turn out to be
/// one repository).
pub fn urls(ctx: &Context, on_wait: &mut dyn FnMut()) -> Result<UrlMigration> {
    ctx.open()?.adopt_url_rules(on_wait)
}
