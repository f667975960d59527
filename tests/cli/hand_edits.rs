//! Hand edits: committed ones are read like any other; malformed ones are named with
//! file and line while the rest keeps working; uncommitted ones are never overwritten.

use crate::support::{entry_path, entry_paths, TestEnv};
use pretty_assertions::assert_eq;

#[test]
fn a_committed_hand_edit_is_read() {
    let env = TestEnv::new();
    env.ok(&["register", "https://example.com/o/r"]);
    let path = env.registry().join(entry_path("o/r"));
    let text = std::fs::read_to_string(&path).unwrap();
    env.hand_commit(
        &entry_path("o/r"),
        &text.replace("url = ", "aliases = [\"handy\"]\nurl = "),
    );
    assert_eq!(env.ok(&["resolve", "handy"]), "https://example.com/o/r\n");
    env.hand_commit(
        &entry_path("team/new"),
        "name = \"team/new\"\nurl = \"git@example.com:team/new.git\"\nadded = 2026-01-01T00:00:00Z\n",
    );
    assert_eq!(
        env.ok(&["resolve", "new"]),
        "git@example.com:team/new.git\n"
    );
    env.ok(&["tag", "add", "team/new", "hand"]);
    // Removed and renamed by hand, too.
    let (new, renamed_path) = (entry_path("team/new"), entry_path("team/renamed"));
    std::fs::create_dir_all(env.registry().join(&renamed_path).parent().unwrap()).unwrap();
    env.git(&["mv", &new, &renamed_path]);
    let renamed = std::fs::read_to_string(env.registry().join(&renamed_path)).unwrap();
    env.hand_commit(
        &entry_path("team/renamed"),
        &renamed.replace("\"team/new\"", "\"team/renamed\""),
    );
    assert_eq!(
        env.ok(&["resolve", "team/renamed"]),
        "git@example.com:team/new.git\n"
    );
    env.fails(3, &["resolve", "team/new"]);
    env.git(&["rm", "-q", &entry_path("o/r")]);
    env.git(&["commit", "-qm", "drop o/r by hand"]);
    env.fails(3, &["resolve", "handy"]);
    env.ok(&["register", "https://example.com/o/r"]);
    assert!(
        std::fs::read_to_string(env.registry().join(entry_path("team/renamed")))
            .unwrap()
            .contains("tags = [\"hand\"]")
    );
}

#[test]
fn a_malformed_entry_is_named_and_the_rest_keeps_working() {
    let env = TestEnv::new();
    env.ok(&["register", "https://example.com/o/good"]);
    env.hand_commit(
        &entry_path("o/bad"),
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
        run.stderr
            .contains(&format!("{} line 3", entry_path("o/bad"))),
        "{}",
        run.stderr
    );
    assert_eq!(env.ok(&["resolve", "good"]), "https://example.com/o/good\n");
    let error = env.fails(4, &["info", "o/bad"]);
    assert!(
        error.contains(&format!("{} line 3", entry_path("o/bad"))),
        "{error}"
    );
    let doctor = env.run(&["doctor"]);
    assert_eq!(doctor.code, 4);
    assert!(
        doctor
            .stdout
            .contains(&format!("{} line 3", entry_path("o/bad"))),
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
        &entry_path("o/liar"),
        "name = \"o/other\"\nurl = \"https://example.com/o/liar\"\nadded = 2026-01-01T00:00:00Z\n",
    );
    let link = env.registry().join(entry_path("o/link"));
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", link).unwrap();
    env.git(&["add", &entry_path("o/link")]);
    env.git(&["commit", "-qm", "symlink"]);
    let doctor = env.run(&["doctor"]);
    assert!(
        doctor.stdout.contains(&format!(
            "{} line 1: names the entry 'o/other'",
            entry_path("o/liar")
        )),
        "{}",
        doctor.stdout
    );
    assert!(
        doctor
            .stdout
            .contains(&format!("{}: is not a regular file", entry_path("o/link"))),
        "{}",
        doctor.stdout
    );
}

#[test]
fn an_uncommitted_hand_edit_is_never_overwritten() {
    let env = TestEnv::new();
    env.ok(&["register", "https://example.com/o/r"]);
    env.ok(&["register", "https://example.com/o/s"]);
    let path = env.registry().join(entry_path("o/r"));
    let edited = std::fs::read_to_string(&path).unwrap() + "# my note\n";
    std::fs::write(&path, &edited).unwrap();

    // Changing that entry is refused, with what to do.
    let before = env.head();
    let run = env.run(&["tag", "add", "o/r", "x"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "{} in the registry has uncommitted changes",
            entry_path("o/r")
        )),
        "{}",
        run.stderr
    );
    assert_eq!(env.head(), before);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), edited);

    // Changing other entries works and leaves the edit alone, uncommitted.
    let run = env.run(&["tag", "add", "o/s", "x"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), edited);
    assert_eq!(
        env.git(&["status", "--porcelain"]),
        format!(" M {}\n", entry_path("o/r"))
    );
    assert!(
        !env.git(&["show", &format!("HEAD:{}", entry_path("o/r"))])
            .contains("my note"),
        "not swallowed into a commit"
    );
    let doctor = env.run(&["doctor"]);
    assert!(
        doctor
            .stderr
            .contains(&format!("{}: has uncommitted changes", entry_path("o/r"))),
        "{doctor:?}"
    );

    // A staged edit counts too, and so does an untracked file where an entry would go.
    env.git(&["add", &entry_path("o/r")]);
    assert_eq!(env.run(&["forget", "o/r"]).code, 2);
    // Other changes leave it staged, and git still sees it (the index's cache-tree
    // does not claim its folders unchanged).
    assert_eq!(env.run(&["tag", "add", "o/s", "y"]).code, 0);
    assert_eq!(
        env.git(&["status", "--porcelain"]),
        format!("M  {}\n", entry_path("o/r"))
    );
    assert_ne!(
        env.git(&["write-tree"]),
        env.git(&["rev-parse", "HEAD^{tree}"])
    );
    let draft = env.registry().join(entry_path("o/t"));
    std::fs::create_dir_all(draft.parent().unwrap()).unwrap();
    std::fs::write(&draft, "draft").unwrap();
    let run = env.run(&["register", "https://example.com/o/t"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        std::fs::read_to_string(env.registry().join(entry_path("o/t"))).unwrap(),
        "draft"
    );
}

#[test]
fn thousands_of_entries_committed_with_plain_git_are_indexed_by_the_first_command() {
    // A pull (here: a plain commit) brings more entries than one thread indexes; the
    // first command rebuilds the catalog on every core, and what it finds is in order,
    // broken files included, each where its name sorts.
    let env = TestEnv::new();
    env.ok(&["register", "https://example.com/first/one"]);
    let names: Vec<String> = (0..2_500).map(|i| format!("o/e{i:04}")).collect();
    let paths = entry_paths(&names);
    assert_eq!(paths[7], entry_path(&names[7]));
    for (i, (name, path)) in names.iter().zip(paths).enumerate() {
        let text = if i == 1_500 {
            format!("name = \"{name}\"\nurl = \"https://example.com/{name}\"\nadded = never\n")
        } else {
            format!(
                "name = \"{name}\"\nurl = \"https://example.com/{name}\"\naliases = [\"x{i}\"]\nadded = 2026-01-01T00:00:00Z\n"
            )
        };
        let path = env.registry().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    env.git(&["add", "-A"]);
    env.git(&["commit", "-qm", "2,500 entries by hand"]);

    assert_eq!(env.ok(&["resolve", "x0"]), "https://example.com/o/e0000\n");
    assert_eq!(
        env.ok(&["resolve", "e2499"]),
        "https://example.com/o/e2499\n"
    );
    assert_eq!(
        env.ok(&["resolve", "git@example.com:o/e1333.git"]),
        "https://example.com/o/e1333\n"
    );
    let json: serde_json::Value = serde_json::from_str(&env.ok(&["list", "--json"])).unwrap();
    let all = json.as_array().unwrap();
    assert_eq!(all.len(), 2_501);
    assert_eq!(all[0]["name"], "first/one");
    assert_eq!(all[1_500]["name"], "o/e1499");
    assert!(
        all[1_501]["error"].as_str().unwrap().contains("line 3"),
        "{}",
        all[1_501]
    );
    assert_eq!(all[1_501]["name"], "o/e1500");
    assert_eq!(all[2_500]["name"], "o/e2499");
    env.fails(3, &["resolve", "x1500"]);

    // That catalog was brought up to date from a diff (the first register left one).
    // Built again from nothing (no catalog, as after a clone), the rebuild reads every
    // entry on every core and sorts its lines itself: the file must be the same, byte
    // for byte, broken entry included.
    let catalog = env.registry().join(".git/repodex/catalog");
    let from_the_diff = std::fs::read(&catalog).unwrap();
    assert!(
        String::from_utf8_lossy(&from_the_diff).contains("o/e1500\t!"),
        "the broken entry is in the catalog"
    );
    std::fs::remove_file(&catalog).unwrap();
    assert_eq!(env.ok(&["resolve", "x7"]), "https://example.com/o/e0007\n");
    let rebuilt = std::fs::read(&catalog).unwrap();
    assert_eq!(rebuilt.len(), from_the_diff.len());
    assert!(rebuilt == from_the_diff, "the rebuilt catalog differs");
}
