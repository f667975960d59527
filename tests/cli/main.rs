//! Integration tests: stories a user would tell, run against the built `repodex` binary
//! with temporary registries and their own HOME and XDG folders.

mod servers;
mod support;

mod bad_input;
mod commands;
mod concurrency;
mod crashes;
mod docs;
mod exec;
mod first_day;
mod format;
mod front;
mod fuzz_regressions;
mod git_locks;
mod hand_edits;
mod hostile;
mod hostile_teammate;
mod mcp;
mod migrate;
mod minsky;
mod names_everywhere;
mod pull;
mod references;
mod remote_data;
mod sync;
mod team;
mod urls;
mod vault;
mod working_set;
