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
        (
            "--upload-pack=touch /tmp/x",
            "contains whitespace or a control character",
        ),
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
        // Prints as `gppppps::...`, a transport prefix (found by fuzzing).
        (
            "@gppppps::tokithubw.co-:o/it",
            "transport prefix 'gppppps::'",
        ),
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
        error.contains("required arguments were not provided: <URL>; usage: repodex register"),
        "{error}"
    );
    let error = env.fails(2, &["alias", "add"]);
    assert!(
        error.contains("were not provided: <REFERENCE> <ALIASES>...; usage: repodex alias add"),
        "{error}"
    );
    // A command or group alone prints its help as clap lays it out, on stderr.
    for args in [vec![], vec!["creds"]] {
        let run = env.run(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.lines().count() > 5, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("\nCommands:\n"),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(run.stdout, "");
    }
    let error = env.fails(2, &["frobnicate"]);
    assert!(
        error.contains("unrecognized subcommand 'frobnicate'"),
        "{error}"
    );
    // A mistyped flag is a mistyped flag, not a repository called '--jsn'.
    for args in [
        vec!["info", "--jsn"],
        vec!["refresh", "--al"],
        vec!["resolve", "--jsn"],
    ] {
        let error = env.fails(2, &args);
        assert!(
            error.contains(&format!("unexpected argument '{}' found", args[1])),
            "{args:?}: {error}"
        );
        assert!(
            error.contains("a similar argument exists"),
            "{args:?}: {error}"
        );
    }
    // A REF that starts with '-' can still be given, after `--`.
    let error = env.fails(3, &["resolve", "--", "-x"]);
    assert!(error.contains("no repository matches '-x'"), "{error}");
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

/// One table, more than a hundred bad inputs across every command: each ends with a
/// non-zero exit and one error line that names what was wrong, and leaves HEAD and the
/// work tree exactly as they were.
#[test]
fn over_a_hundred_bad_inputs_across_every_command() {
    let env = seeded();
    let w = env.work();
    let file = |name: &str, content: &[u8]| {
        std::fs::write(w.join(name), content).unwrap();
        w.join(name).display().to_string()
    };
    let bad_toml = file("bad.toml", b"not toml [\n");
    let no_url = file(
        "no-url.json",
        br#"{"format": 1, "repositories": [{"name": "x"}]}"#,
    );
    let future = file("future.toml", b"format = 9\n");
    let bad_name = file(
        "bad-name.toml",
        b"format = 1\n[[repository]]\nname = \"../up\"\nurl = \"https://example.com/o/r\"\nadded = 2026-01-01T00:00:00Z\n",
    );
    let bad_url = file(
        "bad-url.toml",
        b"format = 1\n[[repository]]\nname = \"o/r\"\nurl = \"ext::sh\"\nadded = 2026-01-01T00:00:00Z\n",
    );
    let number_date = file(
        "number-date.toml",
        b"format = 1\n[[repository]]\nname = \"o/r\"\nurl = \"https://example.com/o/r\"\nadded = 5\n",
    );
    let word_date = file(
        "word-date.toml",
        b"format = 1\n[[repository]]\nname = \"o/r\"\nurl = \"https://example.com/o/r\"\nadded = \"yesterday\"\n",
    );
    let binary = file("binary.toml", b"\xff\xfe\x00\x01");
    let not_sqlite = file("not.sqlite", b"garbage, not a database");
    let not_json = file("not.json", b"{ nope");
    let wrong_shape = file("shape.json", br#"{"neither": "sessions nor array"}"#);
    let folder = w.display().to_string();
    let long = "x".repeat(300);
    let at = |value: &str| vec!["info".to_string(), "mk".into(), "--at".into(), value.into()];
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();

    // (arguments, standard input, exit code, text the error must contain)
    let mut table: Vec<(Vec<String>, &str, i32, &str)> = Vec::new();
    // URLs, through register, set --url, remote set, init --from and registry add.
    for (url, expected) in [
        (
            "ext::sh",
            "uses the transport prefix 'ext::', which makes git run a program",
        ),
        ("fd::3", "uses the transport prefix 'fd::'"),
        (
            "foo::https://example.com/o/r",
            "uses the transport prefix 'foo::'",
        ),
        (
            "-uhttps://example.com/o/r",
            "starts with '-', which git would read as an option",
        ),
        ("ssh://-oProxyCommand=x/o/r", "has an invalid host"),
        ("ssh://host/-o", "has a path that starts with '-'"),
        (
            "https://example.com/o r",
            "contains whitespace or a control character",
        ),
        (
            "https://example.com/o/r\u{7}",
            "contains whitespace or a control character",
        ),
        ("ftp://example.com/o/r", "uses the scheme 'ftp://'"),
        ("https://example.com", "has no repository path"),
        ("https://example.com:0/o/r", "has an invalid port"),
        ("https://", "has no host"),
        ("gopher://example.com/o/r", "uses the scheme 'gopher://'"),
    ] {
        table.push((s(&["register", "--no-fetch", "--", url]), "", 2, expected));
    }
    for (url, expected) in [
        ("ext::sh", "uses the transport prefix 'ext::'"),
        ("fd::0", "uses the transport prefix 'fd::'"),
        (
            "https://user:pw@example.com/o/r.git",
            "the URL 'https://example.com/o/r.git' carried a password or token",
        ),
        ("-x", "the URL '-x' starts with '-'"),
    ] {
        table.push((s(&["set", "mk", "--url", url]), "", 2, expected));
        table.push((s(&["remote", "set", "--", url]), "", 2, expected));
    }
    table.push((s(&["init", "--from", "ext::x"]), "", 2, "transport prefix"));
    table.push((
        s(&["registry", "add", "org", "ext::x"]),
        "",
        2,
        "transport prefix",
    ));
    // Names, aliases and tags.
    for (name, expected) in [
        ("", "name '' is empty"),
        ("..", "name '..' has a '..' segment"),
        ("a/../b", "name 'a/../b' has a '..' segment"),
        ("a\\b", "contains '\\'; separate segments with '/'"),
        ("my repo", "name 'my repo' contains a space"),
        ("/abs", "name '/abs' has an empty segment"),
        ("a/.git", "name 'a/.git' has a '.git' segment"),
        ("-rf", "name '-rf' has a segment that starts with '-'"),
        ("MyRepo", "names are lowercase: use 'myrepo'"),
        (&long, "is longer than"),
    ] {
        table.push((
            s(&[
                "register",
                "--no-fetch",
                "https://example.com/n/r",
                "--name",
                name,
            ]),
            "",
            2,
            expected,
        ));
    }
    for (name, expected) in [
        ("mk", "alias 'mk' is already an alias of 'edobry/minsky'"),
        (
            "edobry/other",
            "alias 'edobry/other' is the entry's own name",
        ),
        ("a b", "alias 'a b' contains a space"),
        ("x/..", "alias 'x/..' has a '..' segment"),
        ("", "alias '' is empty"),
    ] {
        table.push((s(&["alias", "add", "edobry/other", name]), "", 2, expected));
    }
    for (name, expected) in [
        ("../escape", "has a '..' segment"),
        ("edobry/other", "is the name of another entry"),
        ("Upper", "names are lowercase: use 'upper'"),
        ("", "is empty"),
    ] {
        table.push((s(&["rename", "mk", name]), "", 2, expected));
    }
    for (tag, expected) in [
        ("a/b", "tag 'a/b' contains '/'; a tag is a single word"),
        ("", "tag '' is empty"),
        ("two words", "tag 'two words' contains a space"),
        ("Tag", "tags are lowercase: use 'tag'"),
    ] {
        table.push((s(&["tag", "add", "mk", tag]), "", 2, expected));
    }
    table.push((s(&["tag", "rm", "mk", "absent"]), "", 2, "has no tag"));
    table.push((
        s(&["set", "mk", "--description", "two\nlines"]),
        "",
        2,
        "one line",
    ));
    table.push((s(&["set", "mk"]), "", 2, "nothing to set"));
    table.push((
        s(&["registry", "add", "Bad Name", "https://example.com/o/r"]),
        "",
        2,
        "name 'Bad Name' contains a space",
    ));
    table.push((s(&["registry", "rm", "nothere"]), "", 2, "no layer"));
    // REFs, through every command that takes one.
    for command in [
        &["info"][..],
        &["resolve"],
        &["which"],
        &["forget"],
        &["tag", "add"],
        &["log"],
        &["diff"],
        &["config"],
        &["clone"],
        &["creds", "show"],
    ] {
        let mut args = s(command);
        args.push("nothere".into());
        if command == ["tag", "add"] {
            args.push("t".into());
        }
        table.push((args, "", 3, "no repository matches"));
    }
    for reference in ["", "a\u{1b}[31m", "\u{7}"] {
        table.push((
            s(&["resolve", reference]),
            "",
            2,
            "not a repository reference",
        ));
    }
    table.push((
        s(&["resolve", "edobry"]),
        "",
        3,
        "no repository matches 'edobry'; did you mean one of: edobry/minsky, edobry/other?",
    ));
    // Paths.
    table.push((
        s(&["register", "/nonexistent/repo"]),
        "",
        2,
        "neither a git URL nor an existing path",
    ));
    table.push((s(&["register", &folder]), "", 2, "not a git repository"));
    table.push((
        s(&["import", "scan", "/nonexistent"]),
        "",
        2,
        "not a folder",
    ));
    table.push((s(&["clone", "mk", "/etc"]), "", 2, "not empty"));
    table.push((
        s(&["init", "--from", "/nonexistent/registry"]),
        "",
        2,
        "neither a git URL",
    ));
    // Registry formats.
    for format in ["3", "0", "-1"] {
        table.push((
            s(&["init", "--format", format]),
            "",
            2,
            "is not a registry format this repodex writes",
        ));
    }
    table.push((s(&["init", "--format", "two"]), "", 2, "invalid value"));
    table.push((
        s(&["init", "--format", "1", "--from", "/tmp"]),
        "",
        2,
        "cannot be used with",
    ));
    table.push((s(&["migrate", "now"]), "", 2, "unexpected argument"));
    // Dates and revisions for --at and --since.
    let no_revision = "is neither a revision of the registry nor a time";
    let too_early = "the registry has no commit from before 1999-01-01T00:00:00Z";
    for (value, expected) in [
        ("deadbeef", no_revision),
        ("nonsense", no_revision),
        ("1999-01-01", too_early),
        ("HEAD~999", no_revision),
        ("3x", no_revision),
        ("2026-13-45", no_revision),
        ("-1d", no_revision),
        ("", no_revision),
    ] {
        table.push((at(value), "", 2, expected));
    }
    for (value, expected) in [
        ("nonsense", no_revision),
        ("HEAD~999", no_revision),
        ("1999-01-01", too_early),
    ] {
        table.push((s(&["diff", "mk", "--since", value]), "", 2, expected));
    }
    // Export files.
    for (path, expected) in [
        (&bad_toml, "is not valid TOML or JSON"),
        (&no_url, "missing field `url`"),
        (&bad_name, "has a missing or invalid name '../up'"),
        (&bad_url, "uses the transport prefix 'ext::'"),
        (
            &number_date,
            "expected a date-time with a time zone, like 2026-11-24T10:00:00Z",
        ),
        (
            &word_date,
            "'yesterday' is not a date-time with a time zone",
        ),
        (&binary, "did not contain valid UTF-8"),
        (&folder, "Is a directory"),
        (
            &"/nonexistent.toml".to_string(),
            "cannot read '/nonexistent.toml'",
        ),
    ] {
        table.push((s(&["import", "file", path]), "", 2, expected));
    }
    table.push((s(&["import", "file", &future]), "", 4, "format 9"));
    table.push((s(&["export", "--format", "yaml"]), "", 2, "yaml"));
    // Minsky databases.
    table.push((
        s(&["import", "minsky", "--sqlite", &not_sqlite]),
        "",
        2,
        "has no readable sessions table",
    ));
    table.push((
        s(&["import", "minsky", "--sqlite", "/nonexistent.db"]),
        "",
        2,
        "/nonexistent.db: does not exist",
    ));
    table.push((
        s(&["import", "minsky", "--json", &not_json]),
        "",
        2,
        "is not valid JSON",
    ));
    table.push((
        s(&["import", "minsky", "--json", &wrong_shape]),
        "",
        2,
        "has no sessions",
    ));
    table.push((
        s(&["import", "minsky", "--json", "/nonexistent.json"]),
        "",
        2,
        "cannot read /nonexistent.json",
    ));
    // The credential-helper protocol.
    for input in [
        "protocol=https\n",
        "host=github.com\n",
        "garbage line\n",
        "protocol=https\nhost=github.com\npath=a\0b\n",
        "",
        "=nokey\n",
        "protocol=https\nhost=\n",
    ] {
        table.push((s(&["credential", "get"]), input, 2, "credential request"));
    }
    // Recipients and credentials.
    for key in [
        "notakey",
        "age1yubikey1qwt50d05nh5vutpdzmlg5wn80xq5negm4uj9ghv0snvdd3yysf5yw3rhl3t",
        "ssh-dss AAAAB3NzaC1kc3MAAACBAP",
        "age1",
        "",
    ] {
        table.push((
            s(&["recipients", "add", key]),
            "",
            2,
            "is not an age X25519, ssh-ed25519 or ssh-rsa public key",
        ));
    }
    table.push((
        s(&["creds", "set", "mk", "--kind", "ssh-key"]),
        "",
        2,
        "--key-path",
    ));
    table.push((s(&["creds", "set", "mk"]), "", 2, "empty"));
    table.push((
        s(&["creds", "set", "mk", "--expires", "banana"]),
        "token-1",
        2,
        "--expires 'banana' is not a date; give one such as 2027-01-31",
    ));
    // Sync, offline (the tests' default) and without a remote.
    table.push((s(&["sync"]), "", 5, "offline"));
    table.push((s(&["remote", "show"]), "", 2, "no remote"));
    table.push((s(&["list", "[unclosed"]), "", 2, "not a valid glob"));
    table.push((s(&["refresh", "--all", "--jobs", "0"]), "", 2, "jobs"));

    for (args, input, code, expected) in &table {
        let before = env.head();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = crate::support::run_with_stdin(env.command(&args), input);
        assert_eq!(run.code, *code, "{args:?}: {run:?}");
        let errors: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("repodex: error: "))
            .collect();
        assert_eq!(
            errors.len(),
            1,
            "{args:?}: one error line expected: {:?}",
            run.stderr
        );
        assert!(errors[0].contains(expected), "{args:?}: {:?}", errors[0]);
        assert!(
            run.stderr.lines().all(|l| l.starts_with("repodex: ")),
            "{args:?}: stray output: {:?}",
            run.stderr
        );
        assert_eq!(env.head(), before, "{args:?} moved HEAD");
        assert_eq!(
            env.git(&["status", "--porcelain"]),
            "",
            "{args:?} left changes"
        );
    }
}
