//! Bringing repositories in from elsewhere, and taking them out.
//!
//! [`file`](mod@file): repodex's own export format (JSON or TOML), read back by `import file`.
//! [`scan`]: the working copies and bare repositories under folders.
//! [`minsky`]: the repositories in Minsky's session databases (JSON, SQLite, PostgreSQL).
//! Everything imported goes through one transaction and the same checks as any other
//! change, and makes one commit.

pub mod error;
pub mod file;
pub mod minsky;
pub mod scan;
