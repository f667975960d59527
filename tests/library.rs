//! The library from Rust, without the binary: a program registers a local upstream,
//! resolves it by another spelling, and refreshes it after the upstream moved, all
//! through `repodex::ops` and a `Context` of its own.

use std::path::Path;
use std::process::Command;

use pretty_assertions::assert_eq;
use repodex::context::{Dirs, Env};
use repodex::ops::refresh::{self, Change, Which};
use repodex::ops::register::{self, Fetch, Request};
use repodex::{Context, NewEntry};

fn git(dir: &Path, home: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"))
        .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

#[test]
fn register_resolve_and_refresh_a_local_upstream_from_rust() {
    let root = tempfile::tempdir().unwrap();
    let home = root.path().join("home");
    let upstream = root.path().join("upstream/tool");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(upstream.join(".minsky")).unwrap();
    git(&upstream, &home, &["init", "-q", "-b", "trunk"]);
    std::fs::write(upstream.join(".minsky/config.yaml"), "backend: github\n").unwrap();
    git(&upstream, &home, &["add", "."]);
    git(&upstream, &home, &["commit", "-qm", "first"]);

    // Everything the library needs comes from the context: nothing from this process's
    // environment (no REPODEX_HOME, no XDG folders of the user running the tests).
    let registry = root.path().join("registry");
    let ctx = Context::with(Env::default(), Dirs::under(&home), Some(&registry), false).unwrap();
    let report = register::register(
        &ctx,
        Request {
            repository: upstream.display().to_string(),
            entry: NewEntry {
                aliases: vec!["tl".into()],
                ..NewEntry::default()
            },
            fetch: true,
        },
        &mut || {},
    )
    .unwrap();
    assert_eq!(report.name, "tool");
    assert!(report.secret_stored_in.is_none());
    let Fetch::Fetched { refresh: fetched } = &report.fetch else {
        panic!("the local upstream was not fetched: {:?}", report.fetch);
    };
    assert_eq!(fetched.updated.len(), 1);

    // Resolved by alias and by its file:// URL, read back with what the fetch learned.
    let opened = ctx.open().unwrap();
    assert_eq!(opened.resolve("tl").unwrap().name, "tool");
    let url = format!("file://{}", upstream.canonicalize().unwrap().display());
    assert_eq!(opened.resolve(&url).unwrap().name, "tool");
    let entry = opened.entry("tool").unwrap();
    assert_eq!(entry.remote.default_branch.as_deref(), Some("trunk"));
    assert_eq!(
        entry
            .config
            .files
            .get(".minsky/config.yaml")
            .map(String::as_str),
        Some("backend: github\n")
    );
    drop(opened);

    // The upstream changes its configuration: a refresh reports it as a typed change.
    std::fs::write(upstream.join(".minsky/config.yaml"), "backend: gitlab\n").unwrap();
    git(&upstream, &home, &["commit", "-qam", "second"]);
    let refs = ["tl".to_string()];
    let report = refresh::run(&ctx, Which::These(&refs), 1, &mut |_| {}, &mut || {}).unwrap();
    assert_eq!(report.updated.len(), 1, "{report:?}");
    assert_eq!(
        report.updated[0].changes,
        [Change::FileChanged {
            path: ".minsky/config.yaml".into()
        }]
    );
    assert!(report.commit.is_some());
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["updated"][0]["changes"][0]["change"], "file-changed");

    // Nothing new: no commit.
    let report = refresh::run(&ctx, Which::All, 1, &mut |_| {}, &mut || {}).unwrap();
    assert_eq!(report.unchanged, ["tool"]);
    assert!(report.commit.is_none());
    let opened = ctx.open().unwrap();
    assert_eq!(
        opened
            .entry("tool")
            .unwrap()
            .config
            .files
            .get(".minsky/config.yaml")
            .map(String::as_str),
        Some("backend: gitlab\n")
    );
}
