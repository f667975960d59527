use super::{CmdResult, Context, Outcome};

/// Serve the registry to agents: an MCP server on stdin and stdout
///
/// Agent hosts (Claude Code, Cursor, Minsky) start it and call its tools: resolve,
/// list, show, config, clone, refresh and register (docs/guide.md has the snippet for
/// an agent host's configuration). It runs until the host closes its stdin. Its `clone`
/// makes working copies only under the clone root: this machine's (`clone_root` in
/// `repodex settings`, ~/src by default), unless --clone-root names another.
#[derive(clap::Args)]
#[command(
    after_help = "Examples (an agent host's MCP configuration):\n  {\"mcpServers\": {\"repodex\": {\"command\": \"repodex\", \"args\": [\"mcp\"]}}}\n  {\"mcpServers\": {\"repodex\": {\"command\": \"repodex\", \"args\": [\"mcp\", \"--clone-root\", \"/home/me/src\"]}}}"
)]
pub struct Args {
    /// The folder the `clone` tool may make working copies under, in the clone layout
    /// [default: this machine's clone root]
    #[arg(long, value_name = "DIR")]
    clone_root: Option<std::path::PathBuf>,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let options = repodex::mcp::Options {
        clone_root: args.clone_root,
    };
    repodex::mcp::serve(ctx.clone(), options)?;
    Ok(Outcome::Success)
}
