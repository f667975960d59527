//! `repodex git-setup`: registry names in plain git (`git clone repodex:mk`).
//!
//! Writes `$XDG_CONFIG_HOME/repodex/gitconfig`, a git configuration file with one rule,
//! `url."repodex::".insteadOf = repodex:`, that sends every `repodex:<name>` URL to
//! `git-remote-repodex` ([`super::remote_helper`]), and, for each HTTPS repository
//! with a stored credential, credential sections (one per spelling git sends for it)
//! that make repodex its only helper while every other repository keeps the user's
//! (see docs/security.md), and includes it from the user's global git config.
//! The include is one block appended to that file, recorded exactly, so that `--undo`
//! removes it byte for byte and touches nothing else. The file records its version,
//! the registry commit and the record of local clones it was written from, and
//! [`keep_current`] (which the command line calls after every command) writes it again
//! whenever one of them changed: HEAD moved, whoever moved it (a repodex command, a
//! plain `git commit` or a pull, or a command killed midway), a clone was recorded,
//! or this repodex writes the file differently from the one that wrote it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::Refused;
use crate::store::Registry;
use crate::url::{GitUrl, Scheme};
use crate::{Error, Record, Result};

/// The generated file's first line. It names the file's version: a file of another
/// version (written by an older repodex) is written again by the next command.
const HEADER: &str =
    "# Written by `repodex git-setup` (version 2); rewritten after every registry change. Do not edit.";

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
            "{HEADER}\n# registry {} at {}\n{}\n[url \"repodex::\"]\n\tinsteadOf = repodex:\n",
            registry.root().display(),
            registry.head(),
            clones_line(&registry.private_dir()),
        );
        let helper = helper.display().to_string();
        if helper.contains('\'') {
            return Err(Refused::QuoteInPath {
                path: helper.into(),
            }
            .into());
        }
        for url in credential_urls(registry)? {
            text.push_str(&format!(
                "[credential {}]\n\thelper =\n\thelper = {}\n\tuseHttpPath = true\n",
                quoted(&url),
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
        self.follows(root) && !self.written_for(root, head)
    }

    /// Was the generated file written by this version of repodex, from the registry
    /// commit `head` of the registry at `root`, and with the local clones recorded now?
    /// (Its first three lines say.)
    fn written_for(&self, root: &Path, head: crate::git::ObjectId) -> bool {
        let text = std::fs::read_to_string(&self.generated).unwrap_or_default();
        let mut lines = text.lines();
        lines.next() == Some(HEADER)
            && lines.next().is_some_and(|l| l.ends_with(&head.to_string()))
            && lines.next()
                == Some(
                    clones_line(&root.join(".git").join(crate::store::layout::PRIVATE_DIR))
                        .as_str(),
                )
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
        if setup.written_for(root, head) {
            return Ok(false);
        }
    }
    let Some(registry) = ctx.open_existing()? else {
        return Ok(false);
    };
    setup.sync(&registry, &crate::context::front_program()?)
}

/// repodex's credential helper for the URLs of the entries whose credential it keeps,
/// as git-setup writes them, for the git commands repodex runs in the user's clones
/// (`pull`, `status --fetch`): their credentials reach git whether or not git-setup
/// was run. None when repodex's own path cannot be told or holds a quote.
pub fn credentials_for_clones(registry: &Registry) -> Result<crate::git::clones::Credentials> {
    let Ok(helper) = crate::context::front_program() else {
        return Ok(Default::default());
    };
    let helper = helper.display().to_string();
    if helper.contains('\'') {
        return Ok(Default::default());
    }
    Ok(crate::git::clones::Credentials {
        urls: credential_urls(registry)?.into_iter().collect(),
        helper: format!("!'{helper}' credential"),
    })
}

/// The URLs git-setup makes repodex the credential helper for: every spelling git will
/// send for a repository whose entry has a credential, over https, that the helper
/// answers (docs/security.md, "Setting up git to use the vault"). git applies a
/// `credential.<url>` section with a path only to that path (gitcredentials(7)), so
/// every other repository on the host keeps the helpers the user configured. The
/// spellings: the entry's URL with and without `.git`, and the `origin` of each working
/// copy recorded as the entry's that the helper would answer (the same repository
/// written another way git does not fold, such as a `.git` added or dropped).
fn credential_urls(registry: &Registry) -> Result<BTreeSet<String>> {
    let with_credentials: BTreeSet<String> = registry.credential_names()?.into_iter().collect();
    // A damaged record of clones gives no spellings here; the commands that read it
    // report it.
    let clones = registry.clones().unwrap_or_default();
    let mut urls = BTreeSet::new();
    for record in registry.records() {
        let Record::Entry(summary) = record else {
            continue;
        };
        if !with_credentials.contains(&summary.name) {
            continue;
        }
        let Ok(url) = GitUrl::parse_clean(&summary.url) else {
            continue;
        };
        let Some(origin) = url.origin().filter(|_| url.scheme() == Scheme::Https) else {
            continue;
        };
        let mut spellings = vec![url.clone()];
        for copy in registry.clones_of(&clones, &summary.name) {
            let Some(copy) = crate::git::working_copy(&copy.path) else {
                continue;
            };
            spellings.extend(
                copy.remote_urls
                    .iter()
                    .filter_map(|u| crate::url::interpret(u).ok())
                    .map(|parsed| parsed.url)
                    .filter(|u| {
                        u.scheme() == Scheme::Https
                            && u.host().is_some_and(|host| {
                                origin.allows("https", host, u.port(), Some(u.path()))
                            })
                    }),
            );
        }
        for spelling in spellings {
            let port = spelling.port().map(|p| format!(":{p}")).unwrap_or_default();
            let base = format!(
                "https://{}{port}/{}",
                spelling.host().unwrap_or_default(),
                spelling.path().trim_matches('/')
            );
            let bare = base.strip_suffix(".git").unwrap_or(&base).to_string();
            urls.insert(format!("{bare}.git"));
            urls.insert(bare);
        }
    }
    Ok(urls)
}

/// The generated file's third line: which record of local clones it was written from
/// (its size, time and file), so that a clone recorded since (`import scan`) has the
/// file written again with that clone's `origin`.
fn clones_line(private_dir: &Path) -> String {
    format!(
        "# clones {}",
        crate::store::clones::Clones::stamp(private_dir)
    )
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

/// The remote helper's program name: git runs it for `repodex::<address>` URLs.
pub const HELPER_PROGRAM: &str = "git-remote-repodex";

/// Why git will not find `git-remote-repodex`, and what to do.
#[derive(Debug, Clone)]
pub struct HelperMissing {
    /// Where git looks, and that it is not there.
    pub why: String,
    /// What to do: the folder to put on `PATH`, or how to install it.
    pub fix: String,
}

impl HelperMissing {
    /// The refusal of `git-setup`, which writes nothing then.
    pub fn refusal(self) -> Error {
        Error::Environment {
            what: format!("{HELPER_PROGRAM}, which plain git runs for repodex:<name> URLs"),
            why: self.why,
            fix: format!(
                "{}, and run `repodex git-setup` again; nothing was changed",
                self.fix
            ),
        }
    }
}

/// Where git finds `git-remote-repodex`, as git looks for the programs it runs: in its
/// exec-path (`git --exec-path`), then in each folder of `PATH`. Otherwise, where it
/// looked and what to do: put the folder that has it (beside `repodex`, as `cargo
/// install` puts it) on `PATH`, or install it.
pub fn helper_git_finds(ctx: &crate::Context) -> Result<PathBuf, HelperMissing> {
    let program = format!("{HELPER_PROGRAM}{}", std::env::consts::EXE_SUFFIX);
    let exec_path = crate::git::command::exec_path();
    let found = exec_path
        .iter()
        .cloned()
        .chain(ctx.program_path())
        .map(|dir| dir.join(&program))
        .find(|path| is_executable(path));
    if let Some(found) = found {
        return Ok(found);
    }
    let looked = match &exec_path {
        Some(dir) => format!(
            "not in git's exec-path {} or any folder on PATH",
            dir.display()
        ),
        None => "not in any folder on PATH".to_string(),
    };
    let beside = crate::context::front_program()
        .ok()
        .and_then(|front| Some(front.parent()?.to_path_buf()))
        .filter(|dir| is_executable(&dir.join(&program)));
    let fix = match beside {
        Some(dir) => format!(
            "add {} (where it is, beside repodex) to PATH, as in export PATH=\"{}:$PATH\"",
            dir.display(),
            dir.display()
        ),
        None => "install it beside repodex in a folder on PATH (`cargo install --locked --path .` installs both)".to_string(),
    };
    Err(HelperMissing { why: looked, fix })
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
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
