//! The reference rules: name, alias, URL in any spelling, local path, last segment.

use crate::support::{git_in, TestEnv};
use pretty_assertions::assert_eq;

#[test]
fn url_spellings_resolve_to_one_entry_and_others_do_not() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "git@github.com:edobry/minsky.git",
        "--name",
        "mk",
    ]);
    for spelling in [
        "mk",
        "MK",
        "git@github.com:edobry/minsky.git",
        "git@github.com:edobry/minsky",
        "github.com:edobry/minsky",
        "ssh://git@github.com/edobry/minsky",
        "ssh://git@github.com:22/edobry/minsky.git",
        "ssh://git@GITHUB.com/edobry/minsky/",
        "https://github.com/edobry/minsky",
        "https://github.com/edobry/minsky.git",
        "https://github.com/edobry/minsky/",
        "HTTPS://GitHub.Com/edobry/minsky.git",
        "http://github.com/edobry/minsky",
        "git://github.com/edobry/minsky.git",
        "https://user@github.com/edobry/minsky",
    ] {
        assert_eq!(
            env.ok(&["resolve", spelling]),
            "git@github.com:edobry/minsky.git\n",
            "{spelling}"
        );
    }
    for other in [
        "https://gitlab.com/edobry/minsky",
        "https://github.com/edobry/minsky2",
        "https://github.com/other/minsky",
        "https://github.com/edobry",
        "https://github.com:8443/edobry/minsky",
        "git@github.com:edobry/minsky/extra",
    ] {
        let error = env.fails(3, &["resolve", other]);
        assert!(error.contains("no repository matches"), "{other}: {error}");
    }
}

#[test]
fn names_aliases_and_last_segments() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "https://github.com/edobry/minsky",
        "--alias",
        "mk",
    ]);
    env.ok(&["register", "https://github.com/edobry/tasks"]);
    assert_eq!(
        env.ok(&["register", "https://gitlab.com/edobry/tasks"]),
        "gitlab.com/edobry/tasks\n"
    );
    assert_eq!(
        env.ok(&["resolve", "Edobry/Minsky"]),
        "https://github.com/edobry/minsky\n"
    );
    assert_eq!(
        env.ok(&["resolve", "minsky"]),
        "https://github.com/edobry/minsky\n"
    );
    // A clash with another host's repository puts the host in front.
    assert_eq!(
        env.ok(&["resolve", "gitlab.com/edobry/tasks"]),
        "https://gitlab.com/edobry/tasks\n"
    );
    let error = env.fails(3, &["resolve", "tasks"]);
    assert!(
        error.contains("matches more than one repository: edobry/tasks, gitlab.com/edobry/tasks"),
        "{error}"
    );
    let error = env.fails(3, &["resolve", "minksy"]);
    assert!(error.contains("did you mean 'edobry/minsky'?"), "{error}");
    let error = env.fails(3, &["resolve", "zzzzzzzz"]);
    assert!(
        error.contains("`repodex list` shows what is registered"),
        "{error}"
    );
}

#[test]
fn local_repositories_and_working_copies() {
    let env = TestEnv::new();
    let tool = env.make_repo("src/Tool");
    assert_eq!(env.ok(&["register", tool.to_str().unwrap()]), "tool\n");
    let canonical = tool.canonicalize().unwrap();
    assert_eq!(
        env.ok(&["resolve", "tool"]),
        format!("{}\n", canonical.display())
    );
    // By path, relative or absolute, from inside the repository too.
    let mut cmd = env.command(&["resolve", "."]);
    cmd.current_dir(&tool);
    assert_eq!(
        String::from_utf8(cmd.output().unwrap().stdout).unwrap(),
        format!("{}\n", canonical.display())
    );
    // A second local repository with the same folder name gets a qualified name.
    let other = env.make_repo("elsewhere/tool");
    assert_eq!(
        env.ok(&["register", other.to_str().unwrap()]),
        "local/tool\n"
    );

    // A working copy of a registered remote resolves by path, and `info` defaults to it.
    env.ok(&["register", "https://github.com/edobry/minsky.git"]);
    let clone = env.make_repo("clones/minsky");
    git_in(
        &env,
        &clone,
        &[
            "remote",
            "add",
            "origin",
            "git@github.com:edobry/minsky.git",
        ],
    );
    std::fs::create_dir_all(clone.join("sub/dir")).unwrap();
    let mut cmd = env.command(&["info", "--json"]);
    cmd.current_dir(clone.join("sub/dir"));
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["name"], "edobry/minsky");
    assert_eq!(
        env.ok(&["resolve", clone.to_str().unwrap()]),
        "https://github.com/edobry/minsky.git\n"
    );
    // Outside any registered working copy, `info` asks for a REF.
    let error = env.fails(2, &["info"]);
    assert!(error.contains("no REF given"), "{error}");
}

/// One name, every kind of value a tool wants: the URL to clone, a local clone's path
/// (Minsky's `git --repo`), `owner/repo` on the forge (`--github-repo`), the web page.
#[test]
fn a_name_gives_each_kind_of_value_a_tool_wants() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "git@github.com:Edobry/minsky.git",
        "--name",
        "mk",
    ]);
    env.ok(&[
        "register",
        "ssh://git@git.corp.example/team/tool.git",
        "--name",
        "tool",
    ]);
    let print = |reference: &str, what: &str| env.ok(&["resolve", reference, "--print", what]);
    assert_eq!(print("mk", "url"), "git@github.com:Edobry/minsky.git\n");
    assert_eq!(print("mk", "forge"), "Edobry/minsky\n");
    assert_eq!(print("mk", "web"), "https://github.com/Edobry/minsky\n");
    // No clone yet: said so, with the way to make one.
    let error = env.fails(2, &["resolve", "mk", "--print", "path"]);
    assert!(
        error.contains("'mk' has no local clone on this machine; `repodex clone mk` makes one"),
        "{error}"
    );
    // A working copy found by import scan is the path.
    let copy = env.work().join("minsky");
    std::fs::create_dir_all(&copy).unwrap();
    crate::support::git_in(&env, &copy, &["init", "-q"]);
    crate::support::git_in(
        &env,
        &copy,
        &[
            "remote",
            "add",
            "origin",
            "https://github.com/Edobry/minsky",
        ],
    );
    env.ok(&["import", "scan", env.work().to_str().unwrap()]);
    assert_eq!(
        print("mk", "path"),
        format!("{}\n", copy.canonicalize().unwrap().display())
    );
    // Not on a known forge: no owner/repo to give.
    let error = env.fails(2, &["resolve", "tool", "--print", "forge"]);
    assert!(
        error.contains("'tool' is not on a forge repodex knows"),
        "{error}"
    );
    // JSON says where the entry comes from (null: the user's own registry).
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["resolve", "mk", "--json"])).unwrap();
    assert_eq!(json["layer"], serde_json::Value::Null);
}
