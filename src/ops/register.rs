//! `register`: a repository, by URL or local path, becomes an entry.
//!
//! A secret in the URL goes to the vault, never into the entry; the entry's remote data
//! is fetched right after the commit unless the caller or the network says not to.

use schemars::JsonSchema;
use serde::Serialize;

use super::refresh::{self, Report as RefreshReport};
use crate::vault::credential::{Credential, Kind};
use crate::{Context, Error, NewEntry, Result};

/// What to register.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// A URL or the path of a git repository, as the user gave it.
    pub repository: String,
    pub entry: NewEntry,
    /// Fetch the remote's default branch and configuration after registering.
    pub fetch: bool,
}

/// What `register` did (docs/json.md).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Report {
    /// The new entry's name.
    pub name: String,
    /// Its URL, as stored (never with a secret).
    pub url: String,
    /// The vault file the URL's secret was moved to, when the URL carried one.
    pub secret_stored_in: Option<String>,
    /// The identity file created to encrypt it, when there was none.
    pub identity_created: Option<std::path::PathBuf>,
    /// What was changed in the URL as given to get the repository's URL (a `git+`
    /// dropped, a browser page cut to its repository...), one line each.
    pub notices: Vec<String>,
    pub fetch: Fetch,
}

/// Whether the remote was asked, and what it said.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Fetch {
    /// Not asked for (`--no-fetch`).
    NotAsked,
    /// repodex is offline.
    Offline { why: String },
    /// The remote answered.
    Fetched { refresh: RefreshReport },
    /// The remote could not be reached; the entry is registered all the same.
    Failed { reason: String },
}

/// Register `request.repository`: one commit, then (when asked and online) a refresh.
pub fn register(ctx: &Context, request: Request, on_wait: &mut dyn FnMut()) -> Result<Report> {
    let mut registry = ctx.open()?;
    // `repodex:<name>` names an entry: it is there already.
    if let Some(reference) = crate::url::entry_reference(&request.repository) {
        let name = super::find::own_entry(&registry, reference)?;
        return Err(Error::AlreadyRegistered {
            url: request.repository.trim().to_string(),
            name,
        });
    }
    let parsed = crate::store::repository_location(&request.repository)?;
    if let Some(path) = parsed.url.local_path() {
        refuse_clone_of_entry(&registry, std::path::Path::new(path))?;
    }
    let identity = match &parsed.secret {
        Some(_) => Some(super::identity::load_or_create(ctx, &registry)?),
        None => None,
    };
    let mut tx = registry.transaction(&mut *on_wait)?;
    let entry = tx.register(&parsed.url, request.entry)?;
    let mut secret_stored_in = None;
    if let (Some(secret), Some(loaded)) = (parsed.secret, &identity) {
        let credential = Credential {
            kind: if secret.username.is_some() {
                Kind::Password
            } else {
                Kind::Token
            },
            username: secret.username,
            secret: secret.secret,
            key_path: None,
            expires: None,
            note: Some("moved here from the URL given to `repodex register`".into()),
            origin: None,
        };
        tx.set_credential(&entry.name, &credential, &loaded.identity)?;
        secret_stored_in = Some(crate::store::layout::credential_path(&entry.name));
    }
    tx.commit(&format!("register {}", entry.name))?;
    // This machine's user registered a repository of this machine: later reads (`refresh
    // --all`, `info`) may read it, fetched now or not (docs/security.md).
    if parsed.url.is_local() {
        let private = registry.private_dir();
        let mut checked = crate::remote::state::Checked::load(&private);
        checked.allow_local(&parsed.url);
        checked.save(&private)?;
        // A working copy registered as itself is its own clone: `list` shows its path,
        // and `status`, `pull` and `exec` take it.
        let path = std::path::Path::new(parsed.url.local_path().unwrap_or_default());
        if let Some(copy) = crate::git::working_copy(path).filter(|c| !c.bare && c.root == path) {
            let key = parsed.url.identity_key_in(&registry.url_rules()?);
            registry.update_clones(on_wait, |clones| {
                clones.record(&copy.root, &entry.name, &key)
            })?;
        }
    }
    let fetch = if !request.fetch {
        Fetch::NotAsked
    } else {
        let network = ctx.network()?;
        match &network.offline {
            Some(why) => Fetch::Offline { why: why.clone() },
            None => {
                let report =
                    refresh::refresh_one(ctx, &mut registry, &entry.name, &network, on_wait)?;
                match report.failed.first() {
                    Some(failed) => Fetch::Failed {
                        reason: failed.reason.clone(),
                    },
                    None => Fetch::Fetched { refresh: report },
                }
            }
        }
    };
    Ok(Report {
        name: entry.name,
        url: entry.url,
        secret_stored_in,
        identity_created: identity.and_then(|l| l.created),
        notices: parsed.notices,
        fetch,
    })
}

/// A folder inside a working copy of a registered repository is that repository: the
/// clone is recorded as the entry's (as `import scan` would), and registering it as a
/// local repository of its own is refused with the entry's name. The registered
/// repository itself (a local one) is left to the duplicate check.
fn refuse_clone_of_entry(registry: &crate::Registry, path: &std::path::Path) -> Result<()> {
    let Some(name) = registry.resolve_working_copy(path)? else {
        return Ok(());
    };
    let entry = registry.entry(&name)?;
    let url = entry.git_url()?;
    let Some(copy) = crate::git::working_copy(path) else {
        return Ok(());
    };
    let itself = url
        .local_path()
        .and_then(|p| std::path::Path::new(p).canonicalize().ok())
        .is_some_and(|p| p == copy.root || p == copy.git_dir);
    if itself {
        return Ok(());
    }
    let key = url.identity_key_in(&registry.url_rules()?);
    registry.update_clones(&mut || {}, |clones| clones.record(&copy.root, &name, &key))?;
    Err(super::error::Refused::CloneOfEntry {
        path: copy.root,
        name,
    }
    .into())
}
