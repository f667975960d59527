//! Registry formats: a registry made in format 1 (as repodex 0.1 made them) keeps
//! working, and `repodex migrate` brings it to format 2 in one commit that loses nothing.

use crate::support::{entry_path, TestEnv};
use pretty_assertions::assert_eq;

/// Where format 1 kept an entry.
fn flat_path(name: &str) -> String {
    format!("repos/{name}.toml")
}

/// A format-1 registry with three entries, one of them added by hand with plain git.
fn format_1_registry() -> TestEnv {
    let env = TestEnv::new();
    env.ok(&["init", "--format", "1"]);
    env.ok(&[
        "register",
        "https://github.com/edobry/minsky.git",
        "--alias",
        "mk",
        "--tag",
        "work",
    ]);
    env.ok(&["register", "git@gitlab.com:team/tool.git"]);
    env.hand_commit(
        &flat_path("team/by-hand"),
        "name = \"team/by-hand\"\nurl = \"https://example.com/team/by-hand\"\nadded = 2026-01-01T00:00:00Z\nfuture_key = \"kept\"\n",
    );
    env
}

#[test]
fn a_format_1_registry_works_as_before() {
    let env = format_1_registry();
    let settings = std::fs::read_to_string(env.registry().join("registry.toml")).unwrap();
    assert!(settings.contains("format = 1"), "{settings}");
    // Entries are where format 1 keeps them, new ones included.
    env.ok(&["tag", "add", "mk", "cli"]);
    env.ok(&["rename", "team/tool", "tool"]);
    for name in ["edobry/minsky", "tool", "team/by-hand"] {
        assert!(env.registry().join(flat_path(name)).exists(), "{name}");
    }
    assert_eq!(
        env.ok(&["resolve", "by-hand"]),
        "https://example.com/team/by-hand\n"
    );
    let info: serde_json::Value = serde_json::from_str(&env.ok(&["info", "mk", "--json"])).unwrap();
    assert_eq!(info["path"], "repos/edobry/minsky.toml");
    // doctor finds nothing wrong, and says that a newer format exists.
    let doctor = env.run(&["doctor"]);
    assert_eq!(doctor.code, 0, "{doctor:?}");
    assert!(doctor.stdout.starts_with("ok: 3 entries"), "{doctor:?}");
    assert!(
        doctor.stderr.contains("format 1; `repodex migrate`"),
        "{doctor:?}"
    );
    // A hand edit at a format-2 path is not where this registry keeps entries.
    env.hand_commit(
        &entry_path("team/misplaced"),
        "name = \"team/misplaced\"\nurl = \"https://example.com/team/misplaced\"\nadded = 2026-01-01T00:00:00Z\n",
    );
    let doctor = env.run(&["doctor"]);
    assert_eq!(doctor.code, 4, "{doctor:?}");
    assert!(
        doctor.stdout.contains(&format!(
            "{} line 1: names the entry 'team/misplaced' but its path says",
            entry_path("team/misplaced")
        )),
        "{doctor:?}"
    );
}

#[test]
fn migrate_moves_every_entry_unchanged_in_one_commit() {
    let env = format_1_registry();
    env.ok(&["tag", "add", "mk", "cli"]);
    let listed = env.ok(&["list", "--json"]);
    let blobs: Vec<String> = ["edobry/minsky", "team/tool", "team/by-hand"]
        .iter()
        .map(|n| env.git(&["rev-parse", &format!("HEAD:{}", flat_path(n))]))
        .collect();
    let history = env.ok(&["log", "mk"]);
    let commits = env.git(&["rev-list", "--count", "HEAD"]);

    let said = env.ok(&["migrate"]);
    assert_eq!(
        said,
        "migrated the registry from format 1 to format 2: 3 entry files moved\n"
    );
    // One commit; every file where format 2 keeps it, byte for byte.
    assert_eq!(
        env.git(&["rev-list", "--count", "HEAD~1"]),
        commits,
        "one commit"
    );
    for (name, blob) in ["edobry/minsky", "team/tool", "team/by-hand"]
        .iter()
        .zip(&blobs)
    {
        assert_eq!(
            &env.git(&["rev-parse", &format!("HEAD:{}", entry_path(name))]),
            blob,
            "{name}"
        );
        assert!(!env.registry().join(flat_path(name)).exists(), "{name}");
    }
    assert!(
        !env.registry().join("repos/edobry").exists(),
        "old folders are gone"
    );
    // registry.toml keeps its comment; the README repodex wrote explains format 2.
    let settings = std::fs::read_to_string(env.registry().join("registry.toml")).unwrap();
    assert!(settings.starts_with("# Settings shared"), "{settings}");
    assert!(settings.contains("format = 2\n"), "{settings}");
    let readme = std::fs::read_to_string(env.registry().join("README.md")).unwrap();
    assert!(readme.contains("repos/<ab>/<c>/<name>.toml"), "{readme}");
    // Everything reads the same, and an entry's history goes on across the move.
    assert_eq!(env.ok(&["list", "--json"]), listed);
    assert_eq!(env.ok(&["log", "mk"]), history);
    assert!(env.ok(&["doctor"]).starts_with("ok: 3 entries"));
    let doctor = env.run(&["doctor"]);
    assert!(!doctor.stderr.contains("migrate"), "{doctor:?}");
    let followed = env.git(&[
        "log",
        "--follow",
        "--format=%s",
        "--",
        &entry_path("edobry/minsky"),
    ]);
    assert!(
        followed.contains("register edobry/minsky"),
        "plain git follows the move: {followed}"
    );
    // The state before the migration still reads, in its own format.
    let before: serde_json::Value =
        serde_json::from_str(&env.ok(&["info", "mk", "--at", "HEAD~1", "--json"])).unwrap();
    assert_eq!(before["tags"], serde_json::json!(["work", "cli"]));
    // Changes go on in format 2; a second migration has nothing to do.
    env.ok(&["tag", "add", "mk", "after"]);
    env.ok(&["register", "https://example.com/o/new"]);
    assert!(env.registry().join(entry_path("o/new")).exists());
    assert_eq!(env.ok(&["log", "mk"]).lines().count(), 3);
    let head = env.head();
    assert_eq!(
        env.ok(&["migrate"]),
        "the registry is in format 2 already; nothing to do\n"
    );
    assert_eq!(env.head(), head);
}

#[test]
fn migrate_refuses_what_it_would_lose_and_changes_nothing() {
    let env = format_1_registry();
    // An uncommitted hand edit is not overwritten.
    let path = env.registry().join(flat_path("team/tool"));
    let edited = std::fs::read_to_string(&path).unwrap() + "# my note\n";
    std::fs::write(&path, &edited).unwrap();
    let before = env.head();
    let run = env.run(&["migrate"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("repos/team/tool.toml in the registry has uncommitted changes"),
        "{run:?}"
    );
    assert_eq!(env.head(), before);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), edited);
    env.git(&["checkout", "--", "repos/team/tool.toml"]);
    // A file that is no entry has no place in format 2: named, and nothing moves.
    env.hand_commit("repos/notes.txt", "hello");
    let error = env.fails(2, &["migrate"]);
    assert!(
        error.contains("'repos/notes.txt' is not an entry file"),
        "{error}"
    );
    env.git(&["rm", "-q", "repos/notes.txt"]);
    env.git(&["commit", "-qm", "no notes"]);
    env.ok(&["migrate"]);
    // A user's own README is theirs to keep.
    let env = format_1_registry();
    env.hand_commit("README.md", "# Our team's repositories\n");
    env.ok(&["migrate"]);
    assert_eq!(
        std::fs::read_to_string(env.registry().join("README.md")).unwrap(),
        "# Our team's repositories\n"
    );
}

#[test]
fn a_migration_stopped_at_any_step_leaves_one_format_or_the_other() {
    for (step, migrated) in [
        ("before-head", false),
        ("after-head", true),
        ("after-worktree", true),
    ] {
        let env = format_1_registry();
        let listed = env.ok(&["list", "--json"]);
        let mut cmd = env.command(&["migrate"]);
        cmd.env("REPODEX_TEST_FAILPOINT", step);
        assert!(!cmd.output().unwrap().status.success(), "{step}");
        // The next command repairs the work tree and reads the same entries.
        assert_eq!(env.ok(&["list", "--json"]), listed, "{step}");
        let settings = std::fs::read_to_string(env.registry().join("registry.toml")).unwrap();
        assert_eq!(settings.contains("format = 2"), migrated, "{step}");
        for name in ["edobry/minsky", "team/tool", "team/by-hand"] {
            assert_eq!(
                env.registry().join(entry_path(name)).exists(),
                migrated,
                "{step}: {name}"
            );
            assert_eq!(
                env.registry().join(flat_path(name)).exists(),
                !migrated,
                "{step}: {name}"
            );
        }
        assert!(env.ok(&["doctor"]).starts_with("ok: 3 entries"), "{step}");
        env.ok(&["migrate"]);
        env.ok(&["register", "https://example.com/o/after"]);
        assert!(env.registry().join(entry_path("o/after")).exists());
    }
}

#[test]
fn formats_this_repodex_does_not_know_are_refused() {
    let env = TestEnv::new();
    let error = env.fails(2, &["init", "--format", "3"]);
    assert!(
        error.contains("--format 3 is not a registry format"),
        "{error}"
    );
    assert!(!env.registry().exists());
    // A registry from a newer repodex is read by none of this one's commands.
    env.ok(&["register", "https://example.com/o/r"]);
    env.hand_commit("registry.toml", "format = 3\n");
    for args in [
        &["list"][..],
        &["resolve", "o/r"],
        &["migrate"],
        &["doctor"],
    ] {
        let run = env.run(args);
        assert_eq!(run.code, 4, "{args:?}: {run:?}");
        assert!(
            run.stdout.contains("format 3") || run.stderr.contains("format 3"),
            "{args:?}: {run:?}"
        );
    }
    let error = env.fails(4, &["register", "https://example.com/o/s"]);
    assert!(
        error.contains("uses format 3, but this repodex knows format 2 at most; upgrade repodex"),
        "{error}"
    );
}
