//! Operations: one file per thing a user does, holding every rule of it.
//!
//! Each operation takes the [`Context`](crate::Context) (or an open registry), does its
//! work through the store, the remote cache, the vault, sync and import, and returns a
//! typed report that derives `Serialize`, so that the command line renders it as text
//! or JSON from the same value and a program can react to each kind of outcome. No
//! operation prints, reads the environment, or writes the registry except through a
//! [`Transaction`](crate::Transaction).

pub mod accept;
pub mod clone;
pub mod clone_root;
pub mod clones;
pub mod credential_helper;
pub mod creds;
pub mod diff;
pub mod doctor;
pub mod edit;
pub mod error;
pub mod exec;
pub mod find;
pub mod git_setup;
pub mod history;
pub mod identity;
pub mod import;
pub mod init;
pub mod jump;
pub mod layers;
pub mod list;
pub mod lookup;
pub mod migrate;
pub mod open;
pub mod pick;
pub mod pull;
pub mod recipients;
pub mod refresh;
pub mod register;
pub mod remote_helper;
pub mod resolve;
pub mod select;
pub mod settings;
pub mod sources;
pub mod status;
pub mod sync;
