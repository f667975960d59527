use std::path::PathBuf;

use super::{render, waiting_notice, CmdResult, Context, Outcome};
use repodex::ops::import::{self, MinskyOptions, MinskySources, Report, Source};

/// Bring repositories in from elsewhere
#[derive(clap::Subcommand)]
pub enum Command {
    /// Register the repositories Minsky's sessions used, one entry per repository
    ///
    /// A session whose repository is `repodex:<name>`, a clone of an entry recorded on
    /// this machine, or a `file://` URL of one, counts as that entry. A row of Minsky's
    /// `projects` table that no session used is skipped with the reason
    /// (--unused-projects imports those too).
    ///
    /// With no --json, --sqlite or --postgres, Minsky's own places are read, in this
    /// order: $XDG_STATE_HOME/minsky/session-db.json, then the backups
    /// `session-backup-<ms>.json` beside it; the SQLite database at
    /// MINSKY_PERSISTENCE_SQLITE_PATH, else MINSKY_SESSIONDB_SQLITE_PATH, else
    /// $XDG_STATE_HOME/minsky/sessions.db; PostgreSQL at MINSKY_PERSISTENCE_POSTGRES_URL,
    /// else MINSKY_POSTGRES_URL, else persistence.postgres.connectionString in
    /// $XDG_CONFIG_HOME/minsky/config.yaml.
    #[command(after_help = "Examples:\n  \
        repodex import minsky --dry-run          # Minsky's own places (above)\n  \
        repodex import minsky --json ~/.local/state/minsky/session-db.json\n  \
        repodex import minsky --postgres postgresql://localhost/minsky --unused-projects")]
    Minsky {
        /// A JSON session database (bare array, {\"sessions\": ...}, or a migration backup)
        #[arg(long, value_name = "FILE")]
        json: Vec<PathBuf>,
        /// A SQLite session database
        #[arg(long, value_name = "FILE")]
        sqlite: Vec<PathBuf>,
        /// A PostgreSQL connection string (default: MINSKY_PERSISTENCE_POSTGRES_URL, else
        /// MINSKY_POSTGRES_URL, else Minsky's config)
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
        /// Also import the repositories of Minsky projects that no session used
        #[arg(long)]
        unused_projects: bool,
        /// Show what would be registered and skipped; change nothing
        #[arg(long)]
        dry_run: bool,
        /// Print the report as JSON on stdout (docs/json.md; `--json FILE` is an input)
        #[arg(long)]
        output_json: bool,
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
        /// Print the report as JSON on stdout (docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// Read a document written by `repodex export` (JSON or TOML), in one commit
    #[command(after_help = "Example:\n  repodex import file registry.json")]
    File {
        /// The export file (`-` for stdin)
        file: PathBuf,
        /// Print the report as JSON on stdout (docs/json.md)
        #[arg(long)]
        json: bool,
    },
}

pub fn run(ctx: &Context, command: Command) -> CmdResult {
    let (report, json, dry_run) = match command {
        Command::Scan {
            dirs,
            max_depth,
            json,
        } => {
            let bar = if std::io::IsTerminal::is_terminal(&std::io::stderr()) && !super::quiet() {
                indicatif::ProgressBar::new_spinner()
            } else {
                indicatif::ProgressBar::hidden()
            };
            let report = import::scan(
                ctx,
                &dirs,
                max_depth,
                &mut |path| {
                    bar.set_message(path.display().to_string());
                    bar.tick();
                },
                &mut waiting_notice,
            );
            bar.finish_and_clear();
            (report?, json, false)
        }
        Command::Minsky {
            json: files,
            sqlite,
            postgres,
            unused_projects,
            dry_run,
            output_json,
        } => {
            let sources = MinskySources {
                json: files,
                sqlite,
                postgres,
            };
            (
                import::minsky(
                    ctx,
                    sources,
                    MinskyOptions {
                        dry_run,
                        unused_projects,
                    },
                    &mut waiting_notice,
                )?,
                output_json,
                dry_run,
            )
        }
        Command::File { file, json } => {
            let path = (file.as_os_str() != "-").then_some(file.as_path());
            (
                import::read_file(ctx, path, &mut waiting_notice)?,
                json,
                false,
            )
        }
    };
    if json {
        super::print_json(&report);
    } else {
        render(&report, dry_run);
    }
    Ok(Outcome::Success)
}

fn render(report: &Report, dry_run: bool) {
    for path in &report.secrets_left_out {
        errln!(
            "repodex: warning: the remote URL of {} carries a secret, which was not imported",
            path.display()
        );
    }
    for planned in &report.planned {
        outln!(
            "{}  ({} records)",
            render::text(&planned.url),
            planned.records
        );
    }
    let (registered, known, skipped) =
        (report.registered.len(), report.known, report.skipped.len());
    for item in &report.skipped {
        say!(
            "skipped {}: {}",
            render::text(&item.what),
            render::text(&item.reason.to_string())
        );
    }
    for item in &report.registered {
        match report.source {
            Source::Minsky => outln!("registered {} ({})", item.name, render::text(&item.from)),
            Source::Scan => outln!("registered {}", item.name),
            Source::File => {}
        }
    }
    let records = report.records;
    match report.source {
        Source::Minsky if dry_run && known > 0 => outln!(
            "{records} records name {} repositories to register and {known} entries already here; {skipped} skipped; nothing changed (--dry-run)",
            report.planned.len()
        ),
        Source::Minsky if dry_run => outln!(
            "{records} records name {} repositories; {skipped} skipped; nothing changed (--dry-run)",
            report.planned.len()
        ),
        Source::Minsky => outln!(
            "{records} records: {registered} registered, {known} already known, {skipped} records skipped"
        ),
        Source::Scan => {
            outln!("{registered} registered, {known} already known, {skipped} skipped")
        }
        Source::File => {
            outln!("{registered} imported, {known} already there, {skipped} skipped")
        }
    }
}
