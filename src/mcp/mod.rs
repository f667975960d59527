//! `repodex mcp`: the registry as a Model Context Protocol server over stdio.
//!
//! Agent hosts (Claude Code, Cursor, Minsky) discover and call its tools
//! (`src/mcp/tools.rs`): each takes a JSON-schema'd input, calls the same operation the
//! command line does, and returns that operation's typed report as structured content. Errors
//! are tool errors carrying the command line's one-line message, a panic inside a tool
//! included. The entries' cached configuration files are also offered as resources
//! (`src/mcp/resources.rs`). Lines that are not JSON-RPC messages, or are too long, get
//! JSON-RPC's own errors (`src/mcp/transport.rs`).
//!
//! An agent can be talked into anything its context says, so what the server writes on
//! this machine is confined: `clone` makes folders only under the clone root, this
//! machine's (`repodex settings`: `clone_root`, `~/src` by default) unless the host's
//! configuration names another ([`Options::clone_root`]).
//!
//! The server holds the user's registry (and its layers) open across calls, and opens
//! it again only when its HEAD has moved (a commit of this server's, or of any other
//! repodex). Calls are answered one at a time, in order: each is a short piece of
//! synchronous work over the store, as a command would do.

mod resources;
mod tools;
pub mod transport;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{
    Implementation, ListResourceTemplatesResult, ListResourcesResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};

use crate::ops::sources::Sources;
use crate::{Context, Error, Result};

/// How the server was started.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The folder `clone` may make working copies under; `None`: this machine's clone
    /// root ([`crate::ops::clone_root`]).
    pub clone_root: Option<PathBuf>,
}

/// Serve the registry of `ctx` over stdin and stdout until the client closes them.
pub fn serve(ctx: Context, options: Options) -> Result<()> {
    let root = match options.clone_root {
        Some(root) => root,
        None => {
            // The machine's clone root is where clones go anyway: made when missing.
            let root = crate::ops::clone_root::CloneRoot::of(&ctx)?.root;
            std::fs::create_dir_all(&root)
                .map_err(|e| Error::io(format!("cannot create {}", root.display()), e))?;
            root
        }
    };
    let clone_root = root.canonicalize().map_err(|e| {
        Error::io(
            format!("cannot use {} as the clone root", root.display()),
            e,
        )
    })?;
    // Open it now: a registry that cannot be read is an error before the handshake,
    // and the first call does not pay for opening it.
    let server = Server::new(ctx, clone_root)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the MCP server", e))?;
    runtime.block_on(async move {
        let lines = transport::Lines::new(tokio::io::stdin(), tokio::io::stdout());
        let running = server.serve(lines).await.map_err(|e| {
            Error::io(
                "the MCP handshake on stdin/stdout failed",
                std::io::Error::other(e.to_string()),
            )
        })?;
        running.waiting().await.map_err(|e| {
            Error::io(
                "the MCP server stopped",
                std::io::Error::other(e.to_string()),
            )
        })?;
        Ok(())
    })
}

/// The server: the context, the registry held open, and the tool router.
#[derive(Clone)]
pub struct Server {
    ctx: Arc<Context>,
    open: Arc<Mutex<Sources>>,
    /// Where `clone` may write (canonical).
    clone_root: Arc<PathBuf>,
    tool_router: ToolRouter<Server>,
}

impl Server {
    fn new(ctx: Context, clone_root: PathBuf) -> Result<Server> {
        let sources = crate::ops::sources::sources(&ctx)?;
        Ok(Server {
            ctx: Arc::new(ctx),
            open: Arc::new(Mutex::new(sources)),
            clone_root: Arc::new(clone_root),
            tool_router: Server::tool_router(),
        })
    }

    /// The registry and its layers, as of their current HEADs: the ones held open, or,
    /// when any of them has moved since (or the layers changed), opened again.
    fn sources(&self) -> Result<MutexGuard<'_, Sources>> {
        let mut held = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if !is_current(&held)? {
            *held = crate::ops::sources::sources(&self.ctx)?;
        }
        Ok(held)
    }
}

fn is_current(sources: &Sources) -> Result<bool> {
    let layers = sources.registry.layers()?;
    if layers.len() != sources.layers.len()
        || layers
            .iter()
            .zip(&sources.layers)
            .any(|(now, (held, _))| &now.name != held)
    {
        return Ok(false);
    }
    for (_, registry) in sources.each() {
        if !registry.is_current()? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A tool error: the command line's one-line message, made safe to show.
fn tool_error(error: Error) -> String {
    crate::text::safe(&error.to_string()).into_owned()
}

/// [`guarded`] for the protocol's own requests, whose errors are JSON-RPC errors.
fn caught<T>(
    what: &str,
    work: impl FnOnce() -> std::result::Result<T, ErrorData>,
) -> std::result::Result<T, ErrorData> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|_| {
        Err(ErrorData::internal_error(
            format!("repodex's '{what}' failed unexpectedly (a bug: please report it)"),
            None,
        ))
    })
}

/// Run the work of the tool `name`, turning a panic inside it into a tool error: an
/// answer the client gets, where a panicking task would leave it waiting forever.
/// `hooks` are the crash tests' (a failpoint `mcp-tool-<name>` panics here).
fn guarded<T>(
    hooks: &crate::env::TestHooks,
    name: &str,
    work: impl FnOnce() -> Result<T, String>,
) -> Result<T, String> {
    let run = std::panic::AssertUnwindSafe(|| {
        if hooks.failpoint.as_deref() == Some(&format!("mcp-tool-{name}")) {
            panic!("test failpoint mcp-tool-{name}");
        }
        work()
    });
    std::panic::catch_unwind(run).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(format!(
            "repodex's '{name}' tool failed unexpectedly (a bug: please report it): {}",
            crate::text::safe(&what)
        ))
    })
}

#[rmcp::tool_handler(router = self.tool_router)]
impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new("repodex", env!("CARGO_PKG_VERSION")))
        .with_instructions(
            "repodex knows the git repositories this user works with. `resolve` turns a \
             name, alias, URL or path into every kind of value a tool wants (clone URL, \
             local path, forge owner/repo); `list` and `show` read the registry; `config` \
             reads a repository's cached configuration files. Reads never use the \
             network unless asked (`refresh_if_stale`); `register` and `refresh` change \
             the registry, one commit per call.",
        )
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ListResourcesResult, ErrorData> {
        caught("resources/list", || {
            resources::list(self, request.and_then(|r| r.cursor))
        })
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ListResourceTemplatesResult, ErrorData> {
        Ok(resources::templates())
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ReadResourceResponse, ErrorData> {
        caught("resources/read", || {
            resources::read(self, &request.uri).map(Into::into)
        })
    }
}
