use super::{CmdResult, Context, Outcome};

/// Serve the registry to agents: an MCP server on stdin and stdout
///
/// Agent hosts (Claude Code, Cursor, Minsky) start it and call its tools: resolve,
/// list, show, config, clone, refresh and register (docs/guide.md has the snippet for
/// an agent host's configuration). It runs until the host closes its stdin.
#[derive(clap::Args)]
#[command(
    after_help = "Example (an agent host's MCP configuration):\n  {\"mcpServers\": {\"repodex\": {\"command\": \"repodex\", \"args\": [\"mcp\"]}}}"
)]
pub struct Args {}

pub fn run(ctx: &Context, _args: Args) -> CmdResult {
    repodex::mcp::serve(ctx.clone())?;
    Ok(Outcome::Success)
}
