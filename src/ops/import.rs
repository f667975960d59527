//! `import`: bring repositories in from elsewhere, each source in one commit.
//!
//! Three sources: working copies found under folders (`scan`), Minsky's session
//! databases (`minsky`), and a document written by `repodex export` (`file`). Each
//! returns the same typed [`Report`]: what was registered, what was known already, and
//! what was skipped and why.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::error::Refused;
use crate::import::minsky;
use crate::import::scan::{self, Found};
use crate::store::transaction::Imported;
use crate::{Context, Error, NewEntry, Result};

/// What an import did (docs/json.md).
#[derive(Debug, Serialize)]
pub struct Report {
    /// Where the repositories came from.
    pub source: Source,
    /// Entries made, with where each came from.
    pub registered: Vec<Registered>,
    /// How many were registered already (or, for a file, already there unchanged).
    pub known: usize,
    /// What was not imported, and why.
    pub skipped: Vec<Skipped>,
    /// Secrets found in remote URLs and left out (one working copy each).
    pub secrets_left_out: Vec<PathBuf>,
    /// How many records the sources held (Minsky), or entries the file held.
    pub records: usize,
    /// With `--dry-run`: the repositories that would be registered, nothing changed.
    pub planned: Vec<Planned>,
    /// The commit made, if anything changed.
    pub commit: Option<String>,
}

/// The kind of source an import read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    Scan,
    Minsky,
    File,
}

impl Report {
    fn new(source: Source) -> Report {
        Report {
            source,
            registered: Vec::new(),
            known: 0,
            skipped: Vec::new(),
            secrets_left_out: Vec::new(),
            records: 0,
            planned: Vec::new(),
            commit: None,
        }
    }
}

/// One entry an import made.
#[derive(Debug, Clone, Serialize)]
pub struct Registered {
    pub name: String,
    /// The working copy, record count or file it came from, as a person reads it.
    pub from: String,
}

/// Something an import left out.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// The working copy, URL, session or entry name it is about.
    pub what: String,
    pub reason: SkipReason,
}

/// Why something was left out.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum SkipReason {
    /// A repository that cannot be opened.
    Broken { detail: String },
    /// A working copy or bare repository without a remote.
    NoRemote { bare: bool },
    /// Remote URLs, none of which repodex accepts.
    NoAcceptedUrl { urls: Vec<String> },
    /// An entry of that name exists with other content.
    Differs { name: String },
    /// The registry refused it (a name clash, a bad URL): the one-line error.
    Refused { detail: String },
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::Broken { detail } | SkipReason::Refused { detail } => f.write_str(detail),
            SkipReason::NoRemote { bare: true } => {
                f.write_str("a bare repository without a remote")
            }
            SkipReason::NoRemote { bare: false } => f.write_str("a working copy without a remote"),
            SkipReason::NoAcceptedUrl { urls } => {
                write!(f, "no remote URL repodex accepts ({})", urls.join(", "))
            }
            SkipReason::Differs { name } => {
                write!(f, "'{name}' is registered already, with other content")
            }
        }
    }
}

/// A repository a dry run would register.
#[derive(Debug, Clone, Serialize)]
pub struct Planned {
    pub url: String,
    pub records: usize,
}

/// Find working copies under `dirs` (to `max_depth`) and register their remotes, in
/// one commit; record each working copy as a local clone of its entry.
pub fn scan(
    ctx: &Context,
    dirs: &[PathBuf],
    max_depth: usize,
    on_found: &mut dyn FnMut(&Path),
    on_wait: &mut dyn FnMut(),
) -> Result<Report> {
    for dir in dirs {
        if !dir.is_dir() {
            return Err(Refused::NotAFolder { dir: dir.clone() }.into());
        }
    }
    let found = scan::scan(dirs, max_depth, on_found);
    let mut registry = ctx.open()?;
    let rules = registry.url_rules()?;
    // (path, URL identity key) of each working copy found: recorded after the commit.
    let mut clones: Vec<(PathBuf, String)> = Vec::new();
    let mut tx = registry.transaction(&mut *on_wait)?;
    let mut report = Report::new(Source::Scan);
    for item in found {
        let (path, urls) = match item {
            Found::Broken { path, reason } => {
                report.skipped.push(Skipped {
                    what: path.display().to_string(),
                    reason: SkipReason::Broken { detail: reason },
                });
                continue;
            }
            Found::Repository {
                path,
                bare,
                remote_urls,
            } if remote_urls.is_empty() => {
                report.skipped.push(Skipped {
                    what: path.display().to_string(),
                    reason: SkipReason::NoRemote { bare },
                });
                continue;
            }
            Found::Repository {
                path, remote_urls, ..
            } => (path, remote_urls),
        };
        // A clone made from `repodex:<name>` is a clone of that entry.
        if let Some(name) = urls
            .iter()
            .filter_map(|u| crate::url::entry_reference(u))
            .find_map(|r| tx.registry().resolve(r).ok())
            .map(|found| found.name)
        {
            if let Ok(url) = tx.registry().entry(&name).and_then(|e| e.git_url()) {
                clones.push((path.clone(), url.identity_key_in(&rules)));
                report.known += 1;
                continue;
            }
        }
        let Some(parsed) = urls
            .iter()
            .filter(|u| crate::url::entry_reference(u).is_none())
            .map(|u| crate::url::interpret(u))
            .find_map(Result::ok)
        else {
            report.skipped.push(Skipped {
                what: path.display().to_string(),
                reason: SkipReason::NoAcceptedUrl { urls },
            });
            continue;
        };
        if parsed.secret.is_some() {
            report.secrets_left_out.push(path.clone());
        }
        clones.push((path.clone(), parsed.url.identity_key_in(&rules)));
        match tx.register(&parsed.url, NewEntry::default()) {
            Ok(entry) => report.registered.push(Registered {
                name: entry.name,
                from: path.display().to_string(),
            }),
            Err(Error::AlreadyRegistered { .. }) => report.known += 1,
            Err(error) => report.skipped.push(Skipped {
                what: path.display().to_string(),
                reason: SkipReason::Refused {
                    detail: error.to_string(),
                },
            }),
        }
    }
    report.records = report.registered.len() + report.known + report.skipped.len();
    let message = format!(
        "import {} repositories found by scan",
        report.registered.len()
    );
    report.commit = tx.commit(&message)?.map(|c| c.to_string());
    // Recorded by URL; the record takes each entry's name from the new commit.
    registry.update_clones(on_wait, |record| {
        for (path, key) in &clones {
            record.record(path, "", key);
        }
    })?;
    Ok(report)
}

/// Where Minsky's data is read from.
#[derive(Debug, Clone, Default)]
pub struct MinskySources {
    pub json: Vec<PathBuf>,
    pub sqlite: Vec<PathBuf>,
    pub postgres: Option<String>,
}

/// How `import minsky` reads what it finds.
#[derive(Debug, Clone, Copy, Default)]
pub struct MinskyOptions {
    /// Say what would be registered; change nothing.
    pub dry_run: bool,
    /// Import the repositories of `projects` rows that no session used, too.
    pub unused_projects: bool,
}

/// The entry a session's `repoUrl` names, if the registry knows it as one:
/// `repodex:<name>` (or why it names none), a folder this machine recorded as a clone of
/// an entry, a working copy of an entry's URL or a registered repository on this
/// machine, each also as a `file://` URL. `None`: read it as a repository URL.
fn known_entry(
    registry: Option<&crate::store::Registry>,
    clones: &crate::store::clones::Clones,
    raw: &str,
) -> Option<minsky::Known> {
    let entry = |name: String| minsky::Known::Entry {
        key: registry.and_then(|r| r.url_key_of(&name)),
        name,
    };
    if let Some(reference) = crate::url::entry_reference(raw) {
        let missing = |why: String| {
            minsky::Known::Missing(format!(
                "its repository is repodex:{reference}, which names no entry here{why}"
            ))
        };
        return Some(match registry.map(|r| r.resolve(reference)) {
            Some(Ok(found)) => entry(found.name),
            Some(Err(error)) => missing(format!(": {error}")),
            None => missing(" (there is no registry yet)".into()),
        });
    }
    let registry = registry?;
    if !(raw.starts_with('/') || raw.starts_with("file://")) {
        return None;
    }
    let parsed = crate::url::interpret(raw).ok()?;
    let path = PathBuf::from(parsed.url.local_path()?);
    let canonical = path.canonicalize().ok()?;
    // A recorded clone, by its folder or the `.git` folder inside it.
    let top = match canonical.file_name() {
        Some(name) if name == ".git" => canonical.parent().unwrap_or(&canonical),
        _ => &canonical,
    };
    if let Some(name) = clones
        .records()
        .iter()
        .filter(|r| r.path == top)
        .find_map(|r| registry.entry_of_clone(r))
    {
        return Some(entry(name));
    }
    registry.resolve_working_copy(top).ok().flatten().map(entry)
}

/// Register the repositories in Minsky's session databases, one entry per repository
/// (from Minsky's default places when `sources` names none); with `dry_run`, only say
/// what would be registered.
pub fn minsky(
    ctx: &Context,
    sources: MinskySources,
    options: MinskyOptions,
    on_wait: &mut dyn FnMut(),
) -> Result<Report> {
    let dry_run = options.dry_run;
    let sources =
        if sources.json.is_empty() && sources.sqlite.is_empty() && sources.postgres.is_none() {
            let (json, sqlite, postgres) = minsky::default_sources(ctx);
            if json.is_empty() && sqlite.is_empty() && postgres.is_none() {
                return Err(Refused::NoMinskyData.into());
            }
            MinskySources {
                json,
                sqlite,
                postgres,
            }
        } else {
            sources
        };
    let mut records = Vec::new();
    for file in &sources.json {
        records.extend(minsky::read_json(file)?);
    }
    for file in &sources.sqlite {
        records.extend(minsky::read_sqlite(file)?);
    }
    if let Some(url) = &sources.postgres {
        records.extend(minsky::read_postgres(url)?);
    }
    let mut report = Report {
        records: records.len(),
        ..Report::new(Source::Minsky)
    };
    // A dry run creates no registry; without one, nothing is known.
    let registry = if dry_run {
        ctx.open_existing()?
    } else {
        Some(ctx.open()?)
    };
    let rules = match &registry {
        Some(registry) => registry.url_rules()?,
        None => crate::url::Rules::default(),
    };
    let clones = match &registry {
        Some(registry) => registry.clones()?,
        None => Default::default(),
    };
    let plan = minsky::plan(records, &rules, options.unused_projects, &mut |raw| {
        known_entry(registry.as_ref(), &clones, raw)
    });
    report.skipped = plan
        .skipped
        .iter()
        .map(|(origin, reason)| Skipped {
            what: origin.clone(),
            reason: SkipReason::Refused {
                detail: reason.clone(),
            },
        })
        .collect();
    report.known = plan.entries.len();
    if dry_run {
        report.planned = plan
            .repositories
            .values()
            .map(|r| Planned {
                url: r.url.to_string(),
                records: r.records,
            })
            .collect();
        return Ok(report);
    }
    let mut registry = match registry {
        Some(registry) => registry,
        None => ctx.open()?,
    };
    let mut tx = registry.transaction(on_wait)?;
    for repository in plan.repositories.into_values() {
        let slug = repository
            .slug
            .filter(|s| crate::store::name::validate_name(s).is_ok());
        let new = |name: Option<String>| NewEntry {
            name,
            description: repository.display_name.clone(),
            ..NewEntry::default()
        };
        // Minsky's slug names the entry when it is free; otherwise the usual rule does.
        let result = match tx.register(&repository.url, new(slug.clone())) {
            Err(Error::NameTaken { .. }) | Err(Error::Name(_)) if slug.is_some() => {
                tx.register(&repository.url, new(None))
            }
            other => other,
        };
        match result {
            Ok(entry) => report.registered.push(Registered {
                name: entry.name,
                from: format!("{} records", repository.records),
            }),
            Err(Error::AlreadyRegistered { .. }) => report.known += 1,
            Err(error) => report.skipped.push(Skipped {
                what: repository.url.to_string(),
                reason: SkipReason::Refused {
                    detail: error.to_string(),
                },
            }),
        }
    }
    let message = format!(
        "import {} repositories from Minsky",
        report.registered.len()
    );
    report.commit = tx.commit(&message)?.map(|c| c.to_string());
    Ok(report)
}

/// Read a document written by `repodex export` from the file at `path` (standard input
/// when `None`), at most [`MAX_IMPORT_SIZE`](crate::import::file::MAX_IMPORT_SIZE)
/// bytes, and import it in one commit ([`file()`]).
pub fn read_file(ctx: &Context, path: Option<&Path>, on_wait: &mut dyn FnMut()) -> Result<Report> {
    use std::io::Read;
    let source = path.map_or_else(|| "-".to_string(), |p| p.display().to_string());
    let limit = crate::import::file::MAX_IMPORT_SIZE;
    let mut text = String::new();
    match path {
        None => std::io::stdin().take(limit).read_to_string(&mut text),
        Some(path) => {
            std::fs::File::open(path).and_then(|f| f.take(limit).read_to_string(&mut text))
        }
    }
    .map_err(|e| super::error::Refused::CannotRead {
        path: source.clone(),
        reason: e.to_string(),
    })?;
    file(ctx, &text, &source, on_wait)
}

/// Read a document written by `repodex export` (its text, and a name for messages),
/// in one commit.
pub fn file(ctx: &Context, text: &str, source: &str, on_wait: &mut dyn FnMut()) -> Result<Report> {
    let entries = crate::import::file::parse(text, source)?;
    let mut registry = ctx.open()?;
    let mut tx = registry.transaction(on_wait)?;
    let mut report = Report {
        records: entries.len(),
        ..Report::new(Source::File)
    };
    for entry in entries {
        let name = entry.name.clone();
        let reason = match tx.import_entry(entry) {
            Imported::Added => {
                report.registered.push(Registered {
                    name,
                    from: source.to_string(),
                });
                continue;
            }
            Imported::Unchanged => {
                report.known += 1;
                continue;
            }
            Imported::Differs => SkipReason::Differs { name: name.clone() },
            Imported::Refused(error) => SkipReason::Refused {
                detail: error.to_string(),
            },
        };
        report.skipped.push(Skipped { what: name, reason });
    }
    let shown = Path::new(source)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| source.to_string());
    let message = format!(
        "import {} repositories from {shown}",
        report.registered.len()
    );
    report.commit = tx.commit(&message)?.map(|c| c.to_string());
    Ok(report)
}
