//! `repodex git-setup`: registry names in plain git (`git clone repodex:mk`).
//!
//! Writes `$XDG_CONFIG_HOME/repodex/gitconfig`, a git configuration file with one rule,
//! `url."repodex::".insteadOf = repodex:`, that sends every `repodex:<name>` URL to
//! `git-remote-repodex` ([`super::remote_helper`]), and, for each HTTPS
//! host with stored credentials, a credential section that makes repodex the only
//! helper (see docs/security.md), and includes it from the user's global git config.
//! The include is one block appended to that file, recorded exactly, so that `--undo`
//! removes it byte for byte and touches nothing else. The file records the registry
//! commit it was written from, and [`keep_current`] (which the command line calls after
//! every command) writes it again whenever HEAD has moved since, whoever moved it: a
//! repodex command, a plain `git commit` or a pull, or a command killed midway.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::Refused;
use crate::store::Registry;
use crate::url::{GitUrl, Scheme};
use crate::{Error, Record, Result};

const HEADER: &str =
    "# Written by `repodex git-setup`; rewritten after every registry change. Do not edit.";

/// Where git-setup's files are.
pub struct GitSetup {
    /// The generated file.
    generated: PathBuf,
    /// The user's global git config.
    global: PathBuf,
    /// What git-setup appended to `global`, to remove it exactly.
    state: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct State {
    /// The exact text appended to the global config.
    block: String,
    /// Whether the global config did not exist before.
    created: bool,
    /// The registry git-setup was run for, which `git-remote-repodex` reads names from
    /// when git runs it without `REPODEX_HOME`.
    #[serde(default)]
    registry: Option<PathBuf>,
}

/// What [`GitSetup::install`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Installed {
    /// The include was added to the global git config.
    Added,
    /// It was in place for this registry; the file was written again.
    Current,
    /// It was in place for another registry, and follows this one now.
    Moved,
}

/// Quote a value for a git config file.
fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

impl GitSetup {
    /// The files for this user: the generated file and state under
    /// `$XDG_CONFIG_HOME/repodex/`, the global config at `GIT_CONFIG_GLOBAL` or `~/.gitconfig`.
    pub fn locate(ctx: &crate::Context) -> GitSetup {
        let folder = ctx.config_dir();
        GitSetup {
            generated: folder.join("gitconfig"),
            global: ctx.git_global_config(),
            state: folder.join("git-setup.json"),
        }
    }

    pub fn generated(&self) -> &Path {
        &self.generated
    }

    pub fn is_installed(&self) -> bool {
        self.state.exists()
    }

    /// The registry git-setup was run for, if it is installed.
    pub fn registry(&self) -> Option<PathBuf> {
        let bytes = std::fs::read(&self.state).ok()?;
        serde_json::from_slice::<State>(&bytes).ok()?.registry
    }

    /// The generated file's text for the registry at HEAD.
    fn render(registry: &Registry, helper: &Path) -> Result<String> {
        // One rule for every name: git hands `repodex:<name>` to git-remote-repodex,
        // which resolves the name each time by the reference rules (case, aliases, last
        // segment), so a clone's origin follows the repository when its URL changes.
        let mut text = format!(
            "{HEADER}\n# registry {} at {}\n[url \"repodex::\"]\n\tinsteadOf = repodex:\n",
            registry.root().display(),
            registry.head()
        );
        let with_credentials: BTreeSet<String> = registry.credential_names()?.into_iter().collect();
        let mut hosts = BTreeSet::new();
        for record in registry.records() {
            let Record::Entry(summary) = record else {
                continue;
            };
            if with_credentials.contains(&summary.name) {
                if let Ok(url) = GitUrl::parse_clean(&summary.url) {
                    if url.scheme() == Scheme::Https {
                        let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
                        hosts.insert(format!("https://{}{port}", url.host().unwrap_or_default()));
                    }
                }
            }
        }
        let helper = helper.display().to_string();
        if helper.contains('\'') {
            return Err(Refused::QuoteInPath {
                path: helper.into(),
            }
            .into());
        }
        for host in hosts {
            text.push_str(&format!(
                "[credential {}]\n\thelper =\n\thelper = {}\n\tuseHttpPath = true\n",
                quoted(&host),
                quoted(&format!("!'{helper}' credential"))
            ));
        }
        Ok(text)
    }

    /// Write the generated file for `registry` and include it from the global config
    /// (once); from now on the file follows `registry`.
    pub fn install(&self, registry: &Registry, helper: &Path) -> Result<Installed> {
        crate::git::write_atomically(&self.generated, Self::render(registry, helper)?.as_bytes())?;
        if let Ok(bytes) = std::fs::read(&self.state) {
            let Ok(mut state) = serde_json::from_slice::<State>(&bytes) else {
                return Err(Refused::DamagedSetupState {
                    state: self.state.clone(),
                    global: self.global.clone(),
                }
                .into());
            };
            if state
                .registry
                .as_deref()
                .is_some_and(|r| same_folder(r, registry.root()))
            {
                return Ok(Installed::Current);
            }
            state.registry = Some(registry.root().to_path_buf());
            crate::git::write_atomically(
                &self.state,
                &serde_json::to_vec_pretty(&state).expect("serializes"),
            )?;
            return Ok(Installed::Moved);
        }
        let existing = match std::fs::read(&self.global) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(Error::io(
                    format!("cannot read {}", self.global.display()),
                    e,
                ))
            }
        };
        let mut block = String::new();
        if existing
            .as_ref()
            .is_some_and(|b| !b.is_empty() && !b.ends_with(b"\n"))
        {
            block.push('\n');
        }
        block.push_str(&format!(
            "# added by `repodex git-setup`; `repodex git-setup --undo` removes it\n[include]\n\tpath = {}\n",
            quoted(&self.generated.display().to_string())
        ));
        let mut content = existing.clone().unwrap_or_default();
        content.extend_from_slice(block.as_bytes());
        let state = State {
            block,
            created: existing.is_none(),
            registry: Some(registry.root().to_path_buf()),
        };
        crate::git::write_atomically(
            &self.state,
            &serde_json::to_vec_pretty(&state).expect("serializes"),
        )?;
        write_in_place(&self.global, &content)?;
        Ok(Installed::Added)
    }

    /// Write the generated file again when it follows `registry` and the registry has
    /// moved since; returns whether it was written.
    pub fn sync(&self, registry: &Registry, helper: &Path) -> Result<bool> {
        if !self.is_behind(registry.root(), registry.head()) {
            return Ok(false);
        }
        crate::git::write_atomically(&self.generated, Self::render(registry, helper)?.as_bytes())?;
        Ok(true)
    }

    /// Is git-setup installed for the registry at `root`? Its file follows that
    /// registry only: a command run on another (`--registry`) leaves it alone. A state
    /// written before git-setup recorded its registry follows whichever is used.
    pub fn follows(&self, root: &Path) -> bool {
        let Ok(bytes) = std::fs::read(&self.state) else {
            return false;
        };
        match serde_json::from_slice::<State>(&bytes)
            .ok()
            .and_then(|s| s.registry)
        {
            Some(registry) => same_folder(&registry, root),
            None => true,
        }
    }

    /// Does git-setup follow the registry at `root` with a file not written from its
    /// commit `head` (so that the next command must write it again)?
    pub fn is_behind(&self, root: &Path, head: crate::git::ObjectId) -> bool {
        self.follows(root) && !self.written_for(head)
    }

    /// Was the generated file written from the registry commit `head`? (Its second line
    /// names the commit.)
    fn written_for(&self, head: crate::git::ObjectId) -> bool {
        std::fs::read_to_string(&self.generated)
            .unwrap_or_default()
            .lines()
            .nth(1)
            .is_some_and(|l| l.ends_with(&head.to_string()))
    }

    /// Remove what `install` added, exactly. Returns whether there was anything.
    pub fn undo(&self) -> Result<bool> {
        let Ok(bytes) = std::fs::read(&self.state) else {
            return Ok(false);
        };
        let state: State = serde_json::from_slice(&bytes).map_err(|_| {
            Error::from(Refused::DamagedSetupState {
                state: self.state.clone(),
                global: self.global.clone(),
            })
        })?;
        let content = std::fs::read(&self.global).unwrap_or_default();
        let block = state.block.as_bytes();
        if let Some(at) = content.windows(block.len()).rposition(|w| w == block) {
            let mut restored = content[..at].to_vec();
            restored.extend_from_slice(&content[at + block.len()..]);
            if restored.is_empty() && state.created {
                let _ = std::fs::remove_file(&self.global);
            } else {
                write_in_place(&self.global, &restored)?;
            }
        }
        let _ = std::fs::remove_file(&self.generated);
        let _ = std::fs::remove_file(&self.state);
        Ok(true)
    }
}

/// Write git-setup's file again if it is installed and the registry's HEAD moved since
/// it was written. Returns whether it was written.
pub fn keep_current(ctx: &crate::Context) -> Result<bool> {
    let setup = GitSetup::locate(ctx);
    let root = ctx.location().path();
    if !setup.follows(root) {
        return Ok(false);
    }
    // The common case, after every command: HEAD has not moved. Reading HEAD is enough
    // to tell; the registry (and its catalog) is opened only to write the file again.
    if !root.join(".git").exists() {
        return Ok(false);
    }
    if let Some(head) = crate::git::Repo::open(root)?.head_commit()? {
        if setup.written_for(head) {
            return Ok(false);
        }
    }
    let Some(registry) = ctx.open_existing()? else {
        return Ok(false);
    };
    setup.sync(&registry, &crate::context::front_program()?)
}

/// Are `a` and `b` the same folder (through symlinks too)?
fn same_folder(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Write the user's git config file as they keep it: through a symlink (dotfiles) to
/// the file it points at, and with the mode it had; atomically all the same.
fn write_in_place(path: &Path, content: &[u8]) -> Result<()> {
    let target = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => std::fs::canonicalize(path)
            .map_err(|e| Error::io(format!("cannot follow the symlink {}", path.display()), e))?,
        _ => path.to_path_buf(),
    };
    let mode = std::fs::metadata(&target).ok().map(|m| m.permissions());
    crate::git::write_atomically(&target, content)?;
    if let Some(mode) = mode {
        std::fs::set_permissions(&target, mode)
            .map_err(|e| Error::io(format!("cannot keep the mode of {}", target.display()), e))?;
    }
    Ok(())
}

/// The context for what git runs (the remote helper, `repodex credential`): `ctx`,
/// except that when neither `--registry` nor `REPODEX_HOME` chose the registry, it is
/// the one `repodex git-setup` was run for (git does not carry the user's shell
/// variables everywhere, and the registry git-setup wrote for is the one meant).
pub fn as_git_runs_it(ctx: crate::Context) -> Result<crate::Context> {
    if let crate::store::Location::Default(_) = ctx.location() {
        if let Some(registry) = GitSetup::locate(&ctx).registry() {
            return crate::Context::from_env(Some(&registry), ctx.is_offline_flag());
        }
    }
    Ok(ctx)
}
