//! Bad input: each gets a one-line error that says what was wrong, a non-zero exit, and
//! a registry left exactly as it was (same HEAD, clean status).

use crate::support::TestEnv;

/// A registry with one entry to collide with.
fn seeded() -> TestEnv {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "https://github.com/edobry/minsky.git",
        "--alias",
        "mk",
    ]);
    env.ok(&["register", "https://github.com/edobry/other.git"]);
    env
}

#[test]
fn urls_that_could_run_commands_or_inject_options() {
    let env = seeded();
    // A leading '-' is taken as the URL (and refused), never as an option.
    let error = env.fails(2, &["register", "--", "--upload-pack=touch"]);
    assert!(error.contains("starts with '-'"), "{error}");
    for (url, expected) in [
        (
            "ext::sh -c touch% /tmp/pwned",
            "whitespace or a control character",
        ),
        ("ext::sh", "transport prefix 'ext::'"),
        ("fd::17", "transport prefix 'fd::'"),
        ("foo::https://example.com/o/r", "transport prefix 'foo::'"),
        ("-uhttps://example.com/o/r", "starts with '-'"),
        ("--upload-pack=touch /tmp/x", ""),
        ("ssh://-oProxyCommand=touch/o/r", "invalid host"),
        ("ssh://host/-oProxyCommand", "path that starts with '-'"),
        ("-host:o/r", "starts with '-'"),
        ("https://example.com/o/r\u{7}", "control character"),
        ("https://example.com/o/r\nx", "control character"),
        ("https://example.com/o r", "whitespace"),
        ("ftp://example.com/o/r", "scheme 'ftp://'"),
        ("https://example.com", "no repository path"),
        ("https://example.com:99999/o/r", "invalid port"),
        ("https://", "no host"),
    ] {
        let error = env.fails(2, &["register", url]);
        assert!(error.contains(expected), "{url:?}: {error}");
        assert!(
            !error.contains('\u{7}') && !error.contains("\nx"),
            "raw control characters echoed: {error:?}"
        );
    }
}

#[test]
fn urls_with_secrets_never_reach_the_registry() {
    let env = seeded();
    // register splits the secret off into the vault (tests/cli/vault.rs has the rest).
    for (url, clean) in [
        (
            "https://alice:s3cr3t-pass@example.com/o/r.git",
            "https://example.com/o/r.git",
        ),
        (
            "https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r",
            "https://github.com/o/r",
        ),
        (
            "https://oauth2:glpat-AbCdEf123456@gitlab.com/o/r2",
            "https://gitlab.com/o/r2",
        ),
    ] {
        let run = env.run(&["register", url]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(
            !run.stderr.contains("s3cr3t")
                && !run.stderr.contains("ghp_")
                && !run.stderr.contains("glpat-")
        );
        let name = run.stdout.trim().to_string();
        assert_eq!(env.ok(&["resolve", &name]), format!("{clean}\n"));
    }
    // set --url has no vault to put a secret in: it refuses, without repeating it.
    let error = env.fails(
        2,
        &[
            "set",
            "mk",
            "--url",
            "https://bob:hunter2-pass@example.com/x/y",
        ],
    );
    assert!(
        error.contains("'https://example.com/x/y' carried a password or token"),
        "{error}"
    );
    assert!(!error.contains("hunter2"), "the secret was echoed: {error}");
    for secret in [
        "s3cr3t-pass",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "glpat-AbCdEf123456",
        "hunter2-pass",
    ] {
        env.assert_secret_absent(secret);
    }
}

#[test]
fn bad_names_aliases_and_tags() {
    let env = seeded();
    let url = "https://example.com/new/repo";
    for (args, expected) in [
        (vec!["--name", ""], "is empty"),
        (vec!["--name", &"x".repeat(201)], "longer than 200"),
        (vec!["--name", "a/../b"], "'..' segment"),
        (vec!["--name", ".."], "'..' segment"),
        (vec!["--name", "a\\b"], "contains '\\'"),
        (vec!["--name", "my repo"], "space"),
        (vec!["--name", "a\u{1}b"], "control character"),
        (vec!["--name", "/abs"], "empty segment"),
        (vec!["--name", "a/.git"], "'.git' segment"),
        (vec!["--name", "-rf"], "starts with '-'"),
        (
            vec!["--name", "Edobry/Minsky"],
            "differs from the existing name 'edobry/minsky' only by case",
        ),
        (vec!["--name", "MyRepo"], "lowercase"),
        (
            vec!["--name", "edobry/minsky"],
            "is the name of another entry",
        ),
        (vec!["--name", "mk"], "is an alias of 'edobry/minsky'"),
        (
            vec!["--alias", "mk"],
            "is already an alias of 'edobry/minsky'",
        ),
        (
            vec!["--alias", "edobry/other"],
            "is the name of another entry",
        ),
        (vec!["--alias", "a b"], "space"),
        (vec!["--alias", "x/.."], "'..' segment"),
        (vec!["--tag", "a/b"], "single word"),
        (vec!["--tag", ""], "is empty"),
        (vec!["--description", "two\nlines"], "one line"),
    ] {
        let mut full = vec!["register", url];
        full.extend(args.iter().copied());
        let error = env.fails(2, &full);
        assert!(error.contains(expected), "{args:?}: {error}");
    }
    for (args, code, expected) in [
        (
            vec!["alias", "add", "edobry/other", "mk"],
            2,
            "already an alias of 'edobry/minsky'",
        ),
        (
            vec!["alias", "add", "edobry/other", "edobry/minsky"],
            2,
            "is the name of another entry",
        ),
        (
            vec!["alias", "add", "edobry/other", "Bad Alias"],
            2,
            "space",
        ),
        (
            vec!["alias", "rm", "nope"],
            3,
            "no repository matches 'alias nope'",
        ),
        (
            vec!["rename", "mk", "edobry/other"],
            2,
            "is the name of another entry",
        ),
        (vec!["rename", "mk", "../escape"], 2, "'..' segment"),
        (vec!["rename", "nothere", "x"], 3, "no repository matches"),
        (vec!["tag", "add", "mk", "Bad Tag"], 2, "space"),
        (vec!["tag", "rm", "mk", "absent"], 2, "has no tag 'absent'"),
        (vec!["set", "mk"], 2, "nothing to set"),
        (
            vec!["set", "mk", "--url", "https://github.com/edobry/other"],
            2,
            "already registered as 'edobry/other'",
        ),
        (vec!["set", "mk", "--url", "ext::sh"], 2, "transport prefix"),
        (vec!["forget", ""], 2, "not a repository reference"),
        (
            vec!["resolve", "a\u{1b}[31m"],
            2,
            "not a repository reference",
        ),
    ] {
        let error = env.fails(code, &args);
        assert!(error.contains(expected), "{args:?}: {error}");
    }
}

#[test]
fn usage_errors_are_one_line_too() {
    let env = seeded();
    let error = env.fails(2, &["register"]);
    assert!(
        error.contains("required arguments were not provided"),
        "{error}"
    );
    let error = env.fails(2, &["frobnicate"]);
    assert!(
        error.contains("unrecognized subcommand 'frobnicate'"),
        "{error}"
    );
}

#[test]
fn already_registered_under_another_spelling() {
    let env = seeded();
    let error = env.fails(2, &["register", "git@GitHub.com:edobry/minsky"]);
    assert!(
        error.contains("already registered as 'edobry/minsky'"),
        "{error}"
    );
}

#[test]
fn paths_that_are_not_repositories() {
    let env = seeded();
    let plain = env.work().join("plain-folder");
    std::fs::create_dir_all(&plain).unwrap();
    let error = env.fails(2, &["register", plain.to_str().unwrap()]);
    assert!(error.contains("is not a git repository"), "{error}");
    let error = env.fails(2, &["register", "no-such-thing"]);
    assert!(
        error.contains("neither a git URL nor an existing path"),
        "{error}"
    );
}

#[test]
fn a_folder_that_is_not_a_registry() {
    let env = TestEnv::new();
    let folder = env.work().join("notes");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("todo.txt"), "x").unwrap();
    let error = env.fails(4, &["--registry", folder.to_str().unwrap(), "list"]);
    assert!(
        error.contains("is not a repodex registry: it is not a git repository"),
        "{error}"
    );
    assert_eq!(
        std::fs::read_dir(&folder).unwrap().count(),
        1,
        "nothing was written into it"
    );

    let project = env.make_repo("project");
    let before = crate::support::git_in(&env, &project, &["rev-parse", "HEAD"]);
    let error = env.fails(
        4,
        &[
            "--registry",
            project.to_str().unwrap(),
            "register",
            "https://example.com/o/r",
        ],
    );
    assert!(
        error.contains("is not a repodex registry: its HEAD has no registry.toml"),
        "{error}"
    );
    assert_eq!(
        crate::support::git_in(&env, &project, &["rev-parse", "HEAD"]),
        before
    );
}

#[test]
fn a_registry_of_a_newer_format() {
    let env = seeded();
    env.hand_commit("registry.toml", "format = 2\n");
    let error = env.fails(4, &["list"]);
    assert!(error.contains("uses format 2"), "{error}");
}
