//! Migrating: repodex's own export format, read back by `import file`.

use crate::support::{entry_path, TestEnv};
use pretty_assertions::assert_eq;

/// A registry with plain entries and one carrying remote data and a cached file.
fn populated() -> TestEnv {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "https://github.com/edobry/minsky.git",
        "--alias",
        "mk",
        "--tag",
        "work",
        "--description",
        "Minsky CLI",
    ]);
    env.ok(&["register", "git@gitlab.com:team/tool.git"]);
    env.hand_commit(
        &entry_path("team/cached"),
        "name = \"team/cached\"\nurl = \"https://example.com/team/cached\"\nadded = 2026-01-01T00:00:00Z\nfuture_key = \"kept\"\n\n[remote]\ndefault_branch = \"trunk\"\nconfig_commit = \"abc123\"\nconfig_fetched = 2026-01-02T00:00:00Z\n\n[config.files]\n\".minsky/config.yaml\" = \"\"\"\nrepository:\n  backend: github\n\"\"\"\n",
    );
    env
}

#[test]
fn export_import_export_gives_the_same_document() {
    let env = populated();
    for format in ["json", "toml"] {
        let exported = env.ok(&["export", "--format", format]);
        let file = env.work().join(format!("export.{format}"));
        std::fs::write(&file, &exported).unwrap();
        let fresh = TestEnv::new();
        let run = fresh.run(&["import", "file", file.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(
            run.stdout
                .contains("3 imported, 0 already there, 0 skipped"),
            "{run:?}"
        );
        assert_eq!(
            fresh.git(&["rev-list", "--count", "HEAD"]),
            "2\n",
            "one commit for the whole import"
        );
        assert_eq!(
            fresh.ok(&["export", "--format", format]),
            exported,
            "{format} round trip"
        );
        assert_eq!(
            fresh.ok(&["config", "team/cached", ".minsky/config.yaml"]),
            "repository:\n  backend: github\n"
        );
        // Importing again changes nothing.
        let head = fresh.head();
        let run = fresh.run(&["import", "file", file.to_str().unwrap()]);
        assert!(
            run.stdout
                .contains("0 imported, 3 already there, 0 skipped"),
            "{run:?}"
        );
        assert_eq!(fresh.head(), head);
    }
    let json: serde_json::Value = serde_json::from_str(&env.ok(&["export"])).unwrap();
    assert_eq!(
        json["repositories"][0]["added"].as_str().map(|s| s.len()),
        Some(20)
    );
    assert_eq!(json["repositories"][1]["future_key"], "kept");
}

#[test]
fn conflicts_are_skipped_with_reasons_and_the_rest_imported() {
    let env = populated();
    let file = env.work().join("export.json");
    std::fs::write(&file, env.ok(&["export"])).unwrap();
    let other = TestEnv::new();
    other.ok(&[
        "register",
        "https://github.com/edobry/minsky",
        "--name",
        "minsky",
    ]);
    other.ok(&[
        "register",
        "https://example.com/x/team-tool",
        "--name",
        "team/tool",
    ]);
    let run = other.run(&["import", "file", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("skipped edobry/minsky: https://github.com/edobry/minsky.git is already registered as 'minsky'"), "{run:?}");
    assert!(
        run.stderr
            .contains("skipped team/tool: 'team/tool' is registered already, with other content"),
        "{run:?}"
    );
    assert!(
        run.stdout
            .contains("1 imported, 0 already there, 2 skipped"),
        "{run:?}"
    );
    other.assert_plain_git_happy();
}

#[test]
fn bad_export_files_are_refused_and_change_nothing() {
    let env = populated();
    let cases = [
        ("not json {", "is not valid TOML or JSON"),
        ("{\"format\": 1}", "has no \"repositories\" array"),
        ("{\"format\": 9, \"repositories\": []}", "uses format 9"),
        ("{\"repositories\": []}", "has no 'format'"),
        ("{\"format\": 1, \"repositories\": [{\"name\": \"../x\", \"url\": \"https://h/o/r\", \"added\": \"2026-01-01T00:00:00Z\"}]}", "invalid name"),
        ("{\"format\": 1, \"repositories\": [{\"name\": \"x\", \"url\": \"ext::sh\", \"added\": \"2026-01-01T00:00:00Z\"}]}", "transport prefix 'ext::'"),
        ("{\"format\": 1, \"repositories\": [{\"name\": \"x\", \"url\": \"https://h/o/r\"}]}", "missing field `added`"),
        ("format = 1\nrepository = 3\n", "must be an array of tables"),
    ];
    for (i, (content, expected)) in cases.iter().enumerate() {
        let file = env.work().join(format!("bad-{i}"));
        std::fs::write(&file, content).unwrap();
        let error = env.fails(
            if expected.contains("format 9") { 4 } else { 2 },
            &["import", "file", file.to_str().unwrap()],
        );
        assert!(error.contains(expected), "{content}: {error}");
    }
    env.fails(2, &["import", "file", "/no/such/file.json"]);
}

#[test]
fn import_scan_finds_working_copies_nested_bare_and_broken() {
    let env = TestEnv::new();
    let tree = env.work().join("src");
    let with_origin = |rel: &str, url: &str| {
        let dir = env.make_repo(&format!("src/{rel}"));
        crate::support::git_in(&env, &dir, &["remote", "add", "origin", url]);
        dir
    };
    with_origin("app", "git@github.com:team/app.git");
    with_origin("app-second-clone", "https://github.com/team/app");
    with_origin("app/vendored/lib", "https://github.com/other/lib.git");
    let extra = with_origin("tool", "https://gitlab.com/team/tool.git");
    crate::support::git_in(
        &env,
        &extra,
        &[
            "remote",
            "add",
            "upstream",
            "https://gitlab.com/up/tool.git",
        ],
    );
    env.make_repo("src/scratch");
    with_origin("web/node_modules/pkg", "https://github.com/npm/pkg.git");
    let bare = tree.join("mirrors/lib.git");
    crate::support::git_in(
        &env,
        &env.work(),
        &["init", "-q", "--bare", bare.to_str().unwrap()],
    );
    crate::support::git_in(
        &env,
        &bare,
        &[
            "remote",
            "add",
            "origin",
            "https://github.com/other/bare-lib.git",
        ],
    );
    std::fs::create_dir_all(tree.join("broken/.git")).unwrap();
    std::fs::write(tree.join("broken/.git/HEAD"), "garbage").unwrap();

    let run = env.run(&["import", "scan", tree.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("4 registered, 1 already known, 2 skipped"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("scratch: a working copy without a remote"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("broken: not a readable git repository"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("npm/pkg"),
        "node_modules is skipped: {}",
        run.stderr
    );
    let names: Vec<String> =
        serde_json::from_str::<serde_json::Value>(&env.ok(&["list", "--json"]))
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_string())
            .collect();
    assert_eq!(
        names,
        ["other/bare-lib", "other/lib", "team/app", "team/tool"]
    );
    assert_eq!(
        env.ok(&["resolve", "team/tool"]),
        "https://gitlab.com/team/tool.git\n",
        "origin first"
    );
    assert_eq!(
        env.git(&["rev-list", "--count", "HEAD"]),
        "2\n",
        "one commit for the whole scan"
    );

    // info shows where the clones are; the path of either resolves.
    let info = env.ok(&["info", "team/app"]);
    assert!(
        info.contains("src/app,") && info.contains("src/app-second-clone"),
        "{info}"
    );
    let second = tree.join("app-second-clone");
    assert_eq!(
        env.ok(&["resolve", second.to_str().unwrap()]),
        "git@github.com:team/app.git\n"
    );

    // Twice changes nothing.
    let head = env.head();
    let run = env.run(&["import", "scan", tree.to_str().unwrap()]);
    assert!(
        run.stdout
            .contains("0 registered, 5 already known, 2 skipped"),
        "{}",
        run.stderr
    );
    assert_eq!(env.head(), head);
    let error = env.fails(2, &["import", "scan", "/no/such/folder"]);
    assert!(error.contains("is not a folder"), "{error}");
}
