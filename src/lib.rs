//! repodex: a git-native registry of the git repositories you work with.
//!
//! The registry is an ordinary git repository with one TOML file per registered
//! repository (`repos/ff/0/edobry+minsky.toml`). This crate is the library behind the
//! `repodex` command: it opens and creates registries, resolves references (names, aliases,
//! URLs in any spelling, local paths) and changes the registry through transactions
//! that make one commit each. It never prints: every function returns values and
//! typed [`Error`]s, and the command line decides what to show.
//!
//! ```no_run
//! use repodex::{Location, Registry};
//!
//! # fn main() -> repodex::Result<()> {
//! let location = Location::find(None)?;
//! let registry = Registry::open_or_create(location.path())?;
//! let found = registry.resolve("minsky")?;
//! let entry = registry.entry(&found.name)?;
//! println!("{} -> {}", entry.name, entry.url);
//! # Ok(())
//! # }
//! ```

pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod git;
pub mod gitsetup;
pub mod import;
pub mod registry;
pub mod remote;
pub mod sync;
pub mod time;
pub mod url;
pub mod vault;

pub use error::{Error, ErrorKind, Result};
pub use registry::catalog::{RawRecord, Record};
pub use registry::entry::{Entry, Summary};
pub use registry::resolve::{Resolved, Rule};
pub use registry::transaction::{NewEntry, Transaction};
pub use registry::{Location, Registry};
pub use url::{GitUrl, ParsedUrl};
