//! Hand edits: committed ones are read like any other; malformed ones are named with
//! file and line while the rest keeps working; uncommitted ones are never overwritten.

use crate::support::TestEnv;
use pretty_assertions::assert_eq;

#[test]
fn a_committed_hand_edit_is_read() {
    let env = TestEnv::new();
    env.ok(&["register", "https://example.com/o/r"]);
    let path = env.registry().join("repos/o/r.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    env.hand_commit(
        "repos/o/r.toml",
        &text.replace("url = ", "aliases = [\"handy\"]\nurl = "),
    );
    assert_eq!(env.ok(&["resolve", "handy"]), "https://example.com/o/r\n");
    env.hand_commit(
        "repos/team/new.toml",
        "name = \"team/new\"\nurl = \"git@example.com:team/new.git\"\nadded = 2026-01-01T00:00:00Z\n",
    );
    assert_eq!(
        env.ok(&["resolve", "new"]),
        "git@example.com:team/new.git\n"
    );
    env.ok(&["tag", "add", "team/new", "hand"]);
    // Removed and renamed by hand, too.
    env.git(&["mv", "repos/team/new.toml", "repos/team/renamed.toml"]);
    let renamed = std::fs::read_to_string(env.registry().join("repos/team/renamed.toml")).unwrap();
    env.hand_commit(
        "repos/team/renamed.toml",
        &renamed.replace("\"team/new\"", "\"team/renamed\""),
    );
    assert_eq!(
        env.ok(&["resolve", "team/renamed"]),
        "git@example.com:team/new.git\n"
    );
    env.fails(3, &["resolve", "team/new"]);
    env.git(&["rm", "-q", "repos/o/r.toml"]);
    env.git(&["commit", "-qm", "drop o/r by hand"]);
    env.fails(3, &["resolve", "handy"]);
    env.ok(&["register", "https://example.com/o/r"]);
    assert!(
        std::fs::read_to_string(env.registry().join("repos/team/renamed.toml"))
            .unwrap()
            .contains("tags = [\"hand\"]")
    );
}

#[test]
fn a_malformed_entry_is_named_and_the_rest_keeps_working() {
    let env = TestEnv::new();
    env.ok(&["register", "https://example.com/o/good"]);
    env.hand_commit(
        "repos/o/bad.toml",
        "name = \"o/bad\"\nurl = \"https://example.com/o/bad\"\nadded = not-a-date\n",
    );
    let run = env.run(&["list"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("o/good"), "{}", run.stdout);
    assert!(
        run.stdout.contains("o/bad"),
        "the broken entry is flagged in the list: {}",
        run.stdout
    );
    assert!(
        run.stderr.contains("repos/o/bad.toml line 3"),
        "{}",
        run.stderr
    );
    assert_eq!(env.ok(&["resolve", "good"]), "https://example.com/o/good\n");
    let error = env.fails(4, &["info", "o/bad"]);
    assert!(error.contains("repos/o/bad.toml line 3"), "{error}");
    let doctor = env.run(&["doctor"]);
    assert_eq!(doctor.code, 4);
    assert!(
        doctor.stdout.contains("repos/o/bad.toml line 3"),
        "{}",
        doctor.stdout
    );
    // Registering still works, and the broken file is left for its owner to fix.
    env.ok(&["register", "https://example.com/o/another"]);
    let json: serde_json::Value = serde_json::from_str(&env.ok(&["list", "--json"])).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 3);
    assert!(json[1]["error"].as_str().unwrap().contains("line 3"));
    // A name that does not match its path, and a symlink, are refused too.
    env.hand_commit(
        "repos/o/liar.toml",
        "name = \"o/other\"\nurl = \"https://example.com/o/liar\"\nadded = 2026-01-01T00:00:00Z\n",
    );
    std::os::unix::fs::symlink("/etc/passwd", env.registry().join("repos/o/link.toml")).unwrap();
    env.git(&["add", "repos/o/link.toml"]);
    env.git(&["commit", "-qm", "symlink"]);
    let doctor = env.run(&["doctor"]);
    assert!(
        doctor
            .stdout
            .contains("repos/o/liar.toml line 1: names the entry 'o/other'"),
        "{}",
        doctor.stdout
    );
    assert!(
        doctor
            .stdout
            .contains("repos/o/link.toml: is not a regular file"),
        "{}",
        doctor.stdout
    );
}

#[test]
fn an_uncommitted_hand_edit_is_never_overwritten() {
    let env = TestEnv::new();
    env.ok(&["register", "https://example.com/o/r"]);
    env.ok(&["register", "https://example.com/o/s"]);
    let path = env.registry().join("repos/o/r.toml");
    let edited = std::fs::read_to_string(&path).unwrap() + "# my note\n";
    std::fs::write(&path, &edited).unwrap();

    // Changing that entry is refused, with what to do.
    let before = env.head();
    let run = env.run(&["tag", "add", "o/r", "x"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("repos/o/r.toml in the registry has uncommitted changes"),
        "{}",
        run.stderr
    );
    assert_eq!(env.head(), before);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), edited);

    // Changing other entries works and leaves the edit alone, uncommitted.
    let run = env.run(&["tag", "add", "o/s", "x"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), edited);
    assert_eq!(env.git(&["status", "--porcelain"]), " M repos/o/r.toml\n");
    assert!(
        !env.git(&["show", "HEAD:repos/o/r.toml"])
            .contains("my note"),
        "not swallowed into a commit"
    );
    let doctor = env.run(&["doctor"]);
    assert!(
        doctor
            .stderr
            .contains("repos/o/r.toml: has uncommitted changes"),
        "{doctor:?}"
    );

    // A staged edit counts too, and so does an untracked file where an entry would go.
    env.git(&["add", "repos/o/r.toml"]);
    assert_eq!(env.run(&["forget", "o/r"]).code, 2);
    std::fs::write(env.registry().join("repos/o/t.toml"), "draft").unwrap();
    let run = env.run(&["register", "https://example.com/o/t"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        std::fs::read_to_string(env.registry().join("repos/o/t.toml")).unwrap(),
        "draft"
    );
}
