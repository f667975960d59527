//! The MCP tools: each one's input, its output, and the operation it calls.
//!
//! Inputs are the command line's arguments by the same names; outputs are the
//! operations' reports, the objects `--json` prints (docs/json.md). A tool that changes
//! the registry says so in its description.

use std::path::PathBuf;

use rmcp::handler::server::wrapper::Parameters;
use rmcp::{tool, tool_router, Json};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{guarded, tool_error, Server};
use crate::ops::list::{Filter, Item};
use crate::ops::lookup::{ConfigFiles, View, Ways};
use crate::ops::refresh::{Freshness, Which};
use crate::ops::{clone, lookup, refresh, register};
use crate::NewEntry;

/// Why a read tool serves cached data without asking the remote.
const NOT_ASKED: &str = "not asked to refresh (refresh_if_stale is false)";

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveInput {
    /// A name, alias, URL in any spelling, local path, or unique last segment of a name.
    pub reference: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    /// Names, aliases, URLs, paths or name globs (`acme/*`); every clone when empty.
    #[serde(default)]
    pub references: Vec<String>,
    /// Tag expressions, all of which an entry must satisfy: `work`, `work,oss` (or),
    /// `work+rust` (and), `^archived` (not).
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListInput {
    /// A glob (`edobry/*`) matched against names and aliases, or, without wildcards,
    /// text looked for in names, aliases, URLs and descriptions.
    #[serde(default)]
    pub pattern: Option<String>,
    /// Tag expressions, all of which an entry must satisfy: `work`, `work,oss` (or),
    /// `work+rust` (and), `^archived` (not).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Only entries with a clone recorded on this machine.
    #[serde(default)]
    pub cloned: bool,
    /// At most this many items (default 200).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// The entries a `list` call selected.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListOutput {
    /// The selected entries (and any entry file that could not be read), in name
    /// order: the user's registry first, then each read-only layer.
    pub entries: Vec<Item>,
    /// How many items matched in all; more than `entries` holds when `limit` cut it.
    pub matched: usize,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShowInput {
    /// A name, alias, URL in any spelling, local path, or unique last segment.
    pub reference: String,
    /// As it was at a registry revision (`HEAD~2`, a commit hash) or time
    /// (`2026-11-20`, `3d`).
    #[serde(default)]
    pub at: Option<String>,
    /// Ask the remote first when the cached data is older than the registry's
    /// time-to-live (a network call of at most a few seconds). Off by default: the
    /// cached data comes back with its age.
    #[serde(default)]
    pub refresh_if_stale: bool,
}

/// An entry, shown.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ShowOutput {
    pub entry: View,
    /// How current its remote data is (null as of a past revision, or from a layer).
    pub freshness: Option<Freshness>,
    /// Working copies of it on this machine that repodex knows of.
    pub local_clones: Vec<PathBuf>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigInput {
    /// A name, alias, URL in any spelling, local path, or unique last segment.
    pub reference: String,
    /// One file, by its path in the repository (`.minsky/config.yaml`), instead of all.
    #[serde(default)]
    pub path: Option<String>,
    /// As it was at a registry revision (`HEAD~2`, a commit hash) or time
    /// (`2026-11-20`, `3d`).
    #[serde(default)]
    pub at: Option<String>,
    /// Ask the remote first when the cached data is older than the registry's
    /// time-to-live. Off by default.
    #[serde(default)]
    pub refresh_if_stale: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CloneInput {
    /// A name, alias, URL or path of an entry of the user's registry.
    pub reference: String,
    /// The folder to make (absolute, or relative to the server's working folder): under
    /// the server's clone root, and not existing or empty. Without it, the repository's
    /// place in the clone root's layout (`{host}/{owner}/{repo}`), or its clone when
    /// it has one.
    #[serde(default)]
    pub dir: Option<PathBuf>,
    /// A new branch to start from the default branch.
    #[serde(default)]
    pub branch: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshInput {
    /// The entries to refresh: names, aliases, URLs or paths.
    #[serde(default)]
    pub references: Vec<String>,
    /// Refresh every entry instead.
    #[serde(default)]
    pub all: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterInput {
    /// The repository: an https://, ssh://, git:// or file:// URL, user@host:path, or
    /// the path of a git repository on this machine.
    pub repository: String,
    /// The entry's name (default: made from the URL, `owner/repo`).
    #[serde(default)]
    pub name: Option<String>,
    /// Other names for it.
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// One line about it.
    #[serde(default)]
    pub description: Option<String>,
    /// Also fetch its default branch and configuration files, as the command line
    /// does: a second commit. Off by default; `refresh` fetches later.
    #[serde(default)]
    pub fetch: bool,
}

// Each tool returns `Result<Json<Report>, String>`, spelled out (the macro reads the
// output schema from it): the report as structured content, or the one-line error the
// command line prints, as a tool error.
#[tool_router(router = tool_router, vis = "pub(super)")]
impl Server {
    /// Resolve a reference to its entry, with every kind of value a tool may want.
    #[tool(
        description = "Resolve a repository reference (name, alias, URL in any spelling, local path, or unique last segment) to its entry: the clone URL, local clone paths, owner/repo on its forge, and its web page. Reads only; never uses the network.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    pub async fn resolve(
        &self,
        Parameters(input): Parameters<ResolveInput>,
    ) -> Result<Json<Ways>, String> {
        guarded(self.ctx.test_hooks(), "resolve", || {
            let sources = self.sources().map_err(tool_error)?;
            let root = crate::ops::clone_root::CloneRoot::of(&self.ctx).ok();
            lookup::ways_in(&sources.registry, &input.reference, root.as_ref())
                .map(Json)
                .map_err(tool_error)
        })
    }

    #[tool(
        description = "List registered repositories, optionally by a glob or text pattern and by tags. Reads only; never uses the network.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    pub async fn list(
        &self,
        Parameters(input): Parameters<ListInput>,
    ) -> Result<Json<ListOutput>, String> {
        guarded(self.ctx.test_hooks(), "list", || {
            let filter = Filter::new(input.pattern.as_deref(), &input.tags)
                .map_err(tool_error)?
                .cloned(input.cloned);
            let sources = self.sources().map_err(tool_error)?;
            let mut entries = crate::ops::list::select(&sources, &filter).map_err(tool_error)?;
            let matched = entries.len();
            entries.truncate(input.limit.unwrap_or(200));
            Ok(Json(ListOutput { entries, matched }))
        })
    }

    #[tool(
        description = "The state of the user's clones on this machine, one row each: branch, operation in progress (rebase, merge), upstream and how far ahead/behind as last fetched, staged/changed/untracked/conflicted files, stashes, local branches pushed nowhere, whether the default branch is behind what repodex last saw upstream, and whether the row needs attention. The same as `git status --porcelain=v2 --branch --show-stash` in each. Reads only; never uses the network (it does not fetch).",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    pub async fn status(
        &self,
        Parameters(input): Parameters<StatusInput>,
    ) -> Result<Json<crate::ops::status::Report>, String> {
        guarded(self.ctx.test_hooks(), "status", || {
            let request = crate::ops::status::Request {
                selection: crate::ops::select::Selection {
                    references: input.references,
                    tags: input.tags,
                    ..Default::default()
                },
                fetch: false,
                jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            };
            crate::ops::status::status(&self.read_context(false), &request, &|_| {})
                .map(Json)
                .map_err(tool_error)
        })
    }

    #[tool(
        description = "Show everything known about one repository: URL, aliases, tags, description, default branch, cached configuration files, local clones, and how current the remote data is; as it is, or as it was at a registry revision or date. Uses the network only with refresh_if_stale (and then may commit the refreshed data).",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    pub async fn show(
        &self,
        Parameters(input): Parameters<ShowInput>,
    ) -> Result<Json<ShowOutput>, String> {
        guarded(self.ctx.test_hooks(), "show", || {
            let ctx = self.read_context(input.refresh_if_stale);
            let cwd = std::env::current_dir().unwrap_or_default();
            let mut sources = self.sources().map_err(tool_error)?;
            let shown = lookup::show_in(
                &ctx,
                &mut sources.registry,
                Some(&input.reference),
                &cwd,
                input.at.as_deref(),
                &mut || {},
            )
            .map_err(tool_error)?;
            Ok(Json(ShowOutput {
                entry: View::new(&shown.entry, shown.path, shown.layer, shown.clones.clone()),
                freshness: shown.freshness,
                local_clones: shown
                    .clones
                    .into_iter()
                    .filter(|c| c.exists)
                    .map(|c| c.path)
                    .collect(),
            }))
        })
    }

    #[tool(
        description = "Read a repository's cached configuration files (all, or one by its path in the repository), as they are or as they were at a registry revision or date. Uses the network only with refresh_if_stale.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    pub async fn config(
        &self,
        Parameters(input): Parameters<ConfigInput>,
    ) -> Result<Json<ConfigFiles>, String> {
        guarded(self.ctx.test_hooks(), "config", || {
            let ctx = self.read_context(input.refresh_if_stale);
            let mut sources = self.sources().map_err(tool_error)?;
            lookup::config_files(
                &ctx,
                &mut sources.registry,
                &input.reference,
                input.path.as_deref(),
                input.at.as_deref(),
                &mut || {},
            )
            .map(Json)
            .map_err(tool_error)
        })
    }

    #[tool(
        description = "Make a working copy of a registered repository from repodex's cached mirror (fetching the mirror first when there is none yet, or refreshing it when older than refresh_ttl), with origin set to the real URL, and record it as a local clone of the entry. Writes the folder; commits to the registry only what such a fetch learned (default branch, configuration files).",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            open_world_hint = true
        )
    )]
    pub async fn clone(
        &self,
        Parameters(input): Parameters<CloneInput>,
    ) -> Result<Json<clone::Report>, String> {
        guarded(self.ctx.test_hooks(), "clone", || {
            let request = clone::Request {
                reference: input.reference,
                dir: input.dir,
                branch: input.branch,
                root: Some(clone::Root {
                    path: self.clone_root.to_path_buf(),
                    to_change:
                        "start the server with `repodex mcp --clone-root DIR` to allow another",
                }),
            };
            clone::clone(&self.ctx, request, &mut || {})
                .map(Json)
                .map_err(tool_error)
        })
    }

    #[tool(
        description = "Refresh entries from their remotes: learn each one's default branch and configuration files. CHANGES THE REGISTRY: one commit for the call, made only when a default branch or a file changed. Uses the network.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            open_world_hint = true
        )
    )]
    pub async fn refresh(
        &self,
        Parameters(input): Parameters<RefreshInput>,
    ) -> Result<Json<refresh::Report>, String> {
        guarded(self.ctx.test_hooks(), "refresh", || {
            let which = match (input.all, input.references.is_empty()) {
                (true, true) => Which::All,
                (false, false) => Which::These(&input.references),
                _ => return Err("give either references or all: true, not both or neither".into()),
            };
            refresh::run(&self.ctx, which, 8, &mut |_| {}, &mut || {})
                .map(Json)
                .map_err(tool_error)
        })
    }

    #[tool(
        description = "Register a repository under a short name. CHANGES THE REGISTRY: one commit (\"register NAME\"), and with fetch: true a second one with what its remote said. A repository already registered under any spelling of its URL is refused with the existing entry's name. A secret in the URL is moved to the encrypted vault, never stored in the entry or returned.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = false,
            open_world_hint = true
        )
    )]
    pub async fn register(
        &self,
        Parameters(input): Parameters<RegisterInput>,
    ) -> Result<Json<register::Report>, String> {
        guarded(self.ctx.test_hooks(), "register", || {
            let request = register::Request {
                repository: input.repository,
                entry: NewEntry {
                    name: input.name,
                    aliases: input.aliases,
                    tags: input.tags,
                    description: input.description,
                },
                fetch: input.fetch,
            };
            register::register(&self.ctx, request, &mut || {})
                .map(Json)
                .map_err(tool_error)
        })
    }
}

impl Server {
    /// The context a read tool runs in: the network off unless the caller asked.
    fn read_context(&self, refresh_if_stale: bool) -> crate::Context {
        if refresh_if_stale {
            (*self.ctx).clone()
        } else {
            self.ctx.without_network(NOT_ASKED)
        }
    }
}
