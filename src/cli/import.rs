use std::io::Read;
use std::path::PathBuf;

use super::{waiting_notice, CmdResult, Context, Outcome};
use repodex::registry::transaction::Imported;
use repodex::Error;

/// Bring repositories in from elsewhere
#[derive(clap::Subcommand)]
pub enum Command {
    /// Read a document written by `repodex export` (JSON or TOML), in one commit
    #[command(after_help = "Example:\n  repodex import file registry.json")]
    File {
        /// The export file (`-` for stdin)
        file: PathBuf,
    },
}

pub fn run(ctx: &Context, command: Command) -> CmdResult {
    match command {
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
