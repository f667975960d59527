use std::io::Read;
use std::path::PathBuf;

use super::{waiting_notice, CmdResult, Context, Outcome};
use repodex::import::scan::{Found, LocalClones};
use repodex::registry::transaction::Imported;
use repodex::{Error, GitUrl, NewEntry};

fn minsky(
    ctx: &Context,
    json: Vec<PathBuf>,
    sqlite: Vec<PathBuf>,
    postgres: Option<String>,
    dry_run: bool,
) -> CmdResult {
    use repodex::import::minsky;
    let (json, sqlite, postgres) = if json.is_empty() && sqlite.is_empty() && postgres.is_none() {
        let (json, sqlite, postgres) = minsky::default_sources();
        if json.is_empty() && sqlite.is_empty() && postgres.is_none() {
            return Err(Error::Invalid(
                "no Minsky data found in $XDG_STATE_HOME/minsky/ and MINSKY_POSTGRES_URL is not set; give --json, --sqlite or --postgres".into(),
            ));
        }
        (json, sqlite, postgres)
    } else {
        (json, sqlite, postgres)
    };
    let mut records = Vec::new();
    for file in &json {
        records.extend(minsky::read_json(file)?);
    }
    for file in &sqlite {
        records.extend(minsky::read_sqlite(file)?);
    }
    if let Some(url) = &postgres {
        records.extend(minsky::read_postgres(url)?);
    }
    let total = records.len();
    let plan = minsky::plan(records);
    for (origin, reason) in &plan.skipped {
        eprintln!("skipped {origin}: {reason}");
    }
    if dry_run {
        for repository in plan.repositories.values() {
            println!("{}  ({} records)", repository.url, repository.records);
        }
        eprintln!(
            "{total} records name {} repositories; {} skipped; nothing changed (--dry-run)",
            plan.repositories.len(),
            plan.skipped.len()
        );
        return Ok(Outcome::Success);
    }
    let mut registry = ctx.open()?;
    let mut tx = registry.transaction(waiting_notice)?;
    let (mut registered, mut known) = (Vec::new(), 0);
    for repository in plan.repositories.into_values() {
        let slug = repository
            .slug
            .filter(|s| repodex::registry::name::validate_name(s).is_ok());
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
            Ok(entry) => registered.push((entry.name, repository.records)),
            Err(Error::AlreadyRegistered { .. }) => known += 1,
            Err(error) => eprintln!("skipped {}: {error}", repository.url),
        }
    }
    tx.commit(&format!(
        "import {} repositories from Minsky",
        registered.len()
    ))?;
    for (name, records) in &registered {
        eprintln!("registered {name} ({records} records)");
    }
    eprintln!(
        "{total} records: {} registered, {known} already known, {} records skipped",
        registered.len(),
        plan.skipped.len()
    );
    Ok(Outcome::Success)
}

fn scan(ctx: &Context, dirs: &[PathBuf], max_depth: usize) -> CmdResult {
    for dir in dirs {
        if !dir.is_dir() {
            return Err(Error::Invalid(format!("{} is not a folder", dir.display())));
        }
    }
    let bar = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        indicatif::ProgressBar::new_spinner()
    } else {
        indicatif::ProgressBar::hidden()
    };
    let found = repodex::import::scan::scan(dirs, max_depth, &mut |path| {
        bar.set_message(path.display().to_string());
        bar.tick();
    });
    bar.finish_and_clear();
    let mut registry = ctx.open()?;
    let private = registry.private_dir();
    let mut clones = LocalClones::load(&private);
    let mut tx = registry.transaction(waiting_notice)?;
    let (mut registered, mut known, mut skipped) = (Vec::new(), 0, Vec::new());
    for item in found {
        let (path, urls) = match item {
            Found::Broken { path, reason } => {
                skipped.push((path, reason));
                continue;
            }
            Found::Repository {
                path,
                bare,
                remote_urls,
            } if remote_urls.is_empty() => {
                let what = if bare {
                    "a bare repository"
                } else {
                    "a working copy"
                };
                skipped.push((path, format!("{what} without a remote")));
                continue;
            }
            Found::Repository {
                path, remote_urls, ..
            } => (path, remote_urls),
        };
        let parsed = urls.iter().map(|u| GitUrl::parse(u)).find_map(Result::ok);
        let Some(parsed) = parsed else {
            skipped.push((
                path,
                format!("no remote URL repodex accepts ({})", urls.join(", ")),
            ));
            continue;
        };
        if parsed.secret.is_some() {
            eprintln!(
                "repodex: warning: the remote URL of {} carries a secret, which was not imported",
                path.display()
            );
        }
        clones.add(&parsed.url, &path);
        match tx.register(&parsed.url, NewEntry::default()) {
            Ok(entry) => registered.push(entry.name),
            Err(Error::AlreadyRegistered { .. }) => known += 1,
            Err(error) => skipped.push((path, error.to_string())),
        }
    }
    tx.commit(&format!(
        "import {} repositories found by scan",
        registered.len()
    ))?;
    clones.save(&private)?;
    for name in &registered {
        eprintln!("registered {name}");
    }
    for (path, reason) in &skipped {
        eprintln!("skipped {}: {reason}", path.display());
    }
    eprintln!(
        "{} registered, {known} already known, {} skipped",
        registered.len(),
        skipped.len()
    );
    Ok(Outcome::Success)
}

/// Bring repositories in from elsewhere
#[derive(clap::Subcommand)]
pub enum Command {
    /// Register the repositories in Minsky's session databases, one entry per repository
    #[command(after_help = "Examples:\n  \
        repodex import minsky --dry-run          # default locations and MINSKY_POSTGRES_URL\n  \
        repodex import minsky --json ~/.local/state/minsky/session-db.json\n  \
        repodex import minsky --postgres postgresql://localhost/minsky")]
    Minsky {
        /// A JSON session database (bare array, {\"sessions\": ...}, or a migration backup)
        #[arg(long, value_name = "FILE")]
        json: Vec<PathBuf>,
        /// A SQLite session database
        #[arg(long, value_name = "FILE")]
        sqlite: Vec<PathBuf>,
        /// A PostgreSQL connection string (default: MINSKY_POSTGRES_URL)
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
        /// Show what would be registered and skipped; change nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Find working copies under folders and register their remotes, in one commit
    #[command(after_help = "Example:\n  repodex import scan ~/src ~/work --max-depth 4")]
    Scan {
        /// Folders to search
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// How deep to look below each folder
        #[arg(long, default_value_t = 6)]
        max_depth: usize,
    },
    /// Read a document written by `repodex export` (JSON or TOML), in one commit
    #[command(after_help = "Example:\n  repodex import file registry.json")]
    File {
        /// The export file (`-` for stdin)
        file: PathBuf,
    },
}

pub fn run(ctx: &Context, command: Command) -> CmdResult {
    match command {
        Command::Scan { dirs, max_depth } => scan(ctx, &dirs, max_depth),
        Command::Minsky {
            json,
            sqlite,
            postgres,
            dry_run,
        } => minsky(ctx, json, sqlite, postgres, dry_run),
        Command::File { file } => {
            let shown = file.display().to_string();
            let mut text = String::new();
            let read = if shown == "-" {
                std::io::stdin()
                    .take(repodex::import::file::MAX_IMPORT_SIZE)
                    .read_to_string(&mut text)
            } else {
                std::fs::File::open(&file).and_then(|f| {
                    f.take(repodex::import::file::MAX_IMPORT_SIZE)
                        .read_to_string(&mut text)
                })
            };
            read.map_err(|e| Error::Invalid(format!("cannot read {shown}: {e}")))?;
            let entries = repodex::import::file::parse(&text, &shown)?;
            let mut registry = ctx.open()?;
            let mut tx = registry.transaction(waiting_notice)?;
            let (mut added, mut unchanged, mut skipped) = (0, 0, Vec::new());
            for entry in entries {
                let name = entry.name.clone();
                match tx.import_entry(entry) {
                    Imported::Added => added += 1,
                    Imported::Unchanged => unchanged += 1,
                    Imported::Skipped(reason) => skipped.push((name, reason)),
                }
            }
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or(shown);
            tx.commit(&format!("import {added} repositories from {name}"))?;
            for (name, reason) in &skipped {
                eprintln!("skipped {name}: {reason}");
            }
            eprintln!(
                "{added} imported, {unchanged} already there, {} skipped",
                skipped.len()
            );
            Ok(Outcome::Success)
        }
    }
}
