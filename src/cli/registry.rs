use super::{render, CmdResult, Context, Outcome};
use repodex::ops::layers;

/// Mount other registries (an organisation's) read-only beside your own
///
/// A reference that matches nothing in your registry is looked up in the layers, in the
/// order they were added. `repodex sync` brings them up to date.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Mount the registry at URL as layer NAME
    #[command(
        after_help = "Example:\n  repodex registry add acme git@github.com:acme/registry.git"
    )]
    Add {
        /// A one-word name for the layer
        name: String,
        /// The registry's git URL or path
        #[arg(allow_hyphen_values = true)]
        url: String,
    },
    /// List the mounted layers, in lookup order
    #[command(after_help = "Example:\n  repodex registry list")]
    List {
        /// Print JSON (docs/json.md)
        #[arg(long)]
        json: bool,
    },
    /// Unmount a layer and delete its local copy
    #[command(after_help = "Example:\n  repodex registry rm acme")]
    Rm {
        /// The layer's name
        #[arg(add = super::complete::layers())]
        name: String,
    },
}

pub fn run(ctx: &Context, command: Command) -> CmdResult {
    match command {
        Command::Add { name, url } => {
            let mounted = layers::add(ctx, &name, &url)?;
            super::print_notices(&mounted.notices);
            say!(
                "repodex: mounted {} as layer '{}' ({} entries, read-only)",
                mounted.layer.url,
                mounted.layer.name,
                mounted.entries
            );
        }
        Command::List { json: true } => super::print_json(&layers::list(ctx)?),
        Command::List { json: false } => {
            let rows: Vec<Vec<String>> = layers::list(ctx)?
                .into_iter()
                .map(|l| vec![l.name, l.url])
                .collect();
            render::table(&["LAYER", "URL"], &rows);
        }
        Command::Rm { name } => {
            let layer = layers::remove(ctx, &name)?;
            say!("repodex: unmounted layer '{}' ({})", layer.name, layer.url);
        }
    }
    Ok(Outcome::Success)
}
