//! repodex: a git-native registry of the git repositories you work with.
//!
//! The registry is an ordinary git repository with one TOML file per registered
//! repository (`repos/ff/0/edobry+minsky.toml`). This crate is the library behind the
//! `repodex` command: it opens and creates registries, resolves references (names, aliases,
//! URLs in any spelling, local paths) and changes the registry through transactions
//! that make one commit each. It never prints: every function returns values and
//! typed [`Error`]s, and the command line decides what to show.
//!
//! The layers, from the top: [`ops`] (one module per thing a user does, returning
//! typed reports), over the [`store`] (the only writer of the registry), [`remote`]
//! (mirrors and the network), [`vault`] (credentials), [`sync`] and [`import`], over
//! [`git`] (the only code that touches gix or runs git) and [`url`]. A [`Context`]
//! holds everything read from the environment.
//!
//! ```no_run
//! use repodex::ops::register::{register, Request};
//! use repodex::Context;
//!
//! # fn main() -> repodex::Result<()> {
//! let ctx = Context::from_env(None, false)?;
//! let request = Request {
//!     repository: "https://github.com/edobry/minsky.git".into(),
//!     fetch: true,
//!     ..Request::default()
//! };
//! let report = register(&ctx, request, &mut || {})?;
//! let registry = ctx.open()?;
//! let found = registry.resolve("minsky")?;
//! println!("{} -> {}", report.name, registry.entry(&found.name)?.url);
//! # Ok(())
//! # }
//! ```

pub mod context;
pub mod env;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
// Plumbing over gix and the git binary: public for the crate's own binary and benches,
// not part of the library's API.
#[doc(hidden)]
pub mod git;
pub mod import;
pub mod mcp;
pub mod ops;
mod parallel;
pub mod remote;
pub mod store;
pub mod sync;
pub mod text;
pub mod time;
pub mod url;
pub mod vault;

pub use context::Context;
pub use error::{Error, ErrorKind, Result};
pub use store::catalog::{RawRecord, Record};
pub use store::entry::{Entry, Summary};
pub use store::resolve::{Resolved, Rule};
pub use store::transaction::{NewEntry, Transaction};
pub use store::{Location, Registry};
pub use url::{GitUrl, ParsedUrl};
