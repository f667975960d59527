//! A hostile registry, as if pulled from a teammate whose machine was compromised and
//! committed with plain git: repodex reads nothing outside the registry, runs nothing,
//! names the bad parts, and keeps serving the good entries.

use crate::support::{entry_path, run_with_stdin, TestEnv};

const ENTRY: &str = "added = 2026-01-01T00:00:00Z\n";

fn entry(name: &str, url: &str, extra: &str) -> String {
    format!("name = \"{name}\"\nurl = \"{url}\"\n{ENTRY}{extra}")
}

/// Commit `files` (path, bytes) with plain git, as a teammate's push would bring them.
fn commit_raw(env: &TestEnv, files: &[(String, &[u8])]) {
    for (path, bytes) in files {
        let file = env.registry().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, bytes).unwrap();
        env.git(&["add", path]);
    }
    env.git(&["commit", "-qm", "hostile"]);
}

fn symlink(env: &TestEnv, target: &str, path: &str) {
    let link = env.registry().join(path);
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, &link).unwrap();
    env.git(&["add", path]);
    env.git(&["commit", "-qm", "a symlink"]);
}

#[test]
fn a_hostile_registry_is_refused_part_by_part_and_the_good_entries_still_work() {
    let env = TestEnv::new();
    env.ok(&["register", "https://example.com/o/good", "--alias", "g"]);
    let secret_outside = env.root().join("outside-secret.txt");
    std::fs::write(&secret_outside, "outside-the-registry-7c1f\n").unwrap();
    // A program that leaves a mark when run: plain git, allowed ext::, runs it.
    let pwned = env.root().join("pwned");
    let program = env.root().join("pwn.sh");
    std::fs::write(
        &program,
        format!("#!/bin/sh\ntouch '{}'\n", pwned.display()),
    )
    .unwrap();
    std::fs::set_permissions(
        &program,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let ext_url = format!("ext::{}", program.display());
    let _ = std::process::Command::new("git")
        .args(["-c", "protocol.ext.allow=always", "ls-remote", &ext_url])
        .output()
        .unwrap();
    assert!(pwned.exists(), "plain git did not run the ext:: program");
    std::fs::remove_file(&pwned).unwrap();
    let huge = entry(
        "o/huge",
        "https://example.com/o/huge",
        &format!("description = \"{}\"\n", "x".repeat(5 << 20)),
    );
    commit_raw(
        &env,
        &[
            // Invalid UTF-8, a huge file, a name that lies about its path.
            (
                entry_path("o/binary"),
                b"name = \"o/binary\"\n\xff\xfe\x00garbage\n",
            ),
            (entry_path("o/huge"), huge.as_bytes()),
            (
                entry_path("o/liar"),
                entry("o/good", "https://example.com/o/liar", "").as_bytes(),
            ),
            // Two entries claiming one alias, and the good entry's alias.
            (
                entry_path("o/twin-a"),
                entry(
                    "o/twin-a",
                    "https://example.com/o/twin-a",
                    "aliases = [\"twin\", \"g\"]\n",
                )
                .as_bytes(),
            ),
            (
                entry_path("o/twin-b"),
                entry(
                    "o/twin-b",
                    "https://example.com/o/twin-b",
                    "aliases = [\"twin\"]\n",
                )
                .as_bytes(),
            ),
            // URLs that would run a command or pass an option to git. The ext:: URL
            // is otherwise well formed (no space), so only its prefix can refuse it.
            (entry_path("o/ext"), entry("o/ext", &ext_url, "").as_bytes()),
            (
                entry_path("o/dash"),
                entry("o/dash", "-uhttps://example.com/o/dash", "").as_bytes(),
            ),
            // Nesting deep enough to overflow a recursive parser's stack.
            (
                entry_path("o/deep"),
                entry(
                    "o/deep",
                    "https://example.com/o/deep",
                    &format!("x = {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
                )
                .as_bytes(),
            ),
            // A file that is no entry at all, and a recipients file naming a plugin.
            ("repos/o/notes.txt".into(), b"hello"),
            (
                ".age-recipients".into(),
                b"age1yubikey1qwt50d05nh5vutpdzmlg5wn80xq5negm4uj9ghv0snvdd3yysf5yw3rhl3t\n",
            ),
        ],
    );
    symlink(
        &env,
        secret_outside.to_str().unwrap(),
        &entry_path("o/outside"),
    );
    symlink(
        &env,
        &format!("../../../{}", entry_path("o/good")),
        &entry_path("o/loop"),
    );
    // Credential files that are symlinks: out of the registry, and to another credential.
    symlink(
        &env,
        secret_outside.to_str().unwrap(),
        "credentials/o/good.age",
    );
    symlink(&env, "good.age", "credentials/o/twin-a.age");

    // The good entry is served, by name and alias, from list, resolve and info.
    let run = env.run(&["list"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("o/good"));
    assert_eq!(
        env.run(&["resolve", "o/good"]).stdout,
        "https://example.com/o/good\n"
    );
    assert_eq!(env.run(&["info", "o/good"]).code, 0);

    // doctor names every bad part.
    let doctor = env.run(&["doctor"]);
    assert_eq!(doctor.code, 4, "{doctor:?}");
    for named in [
        entry_path("o/binary"),
        entry_path("o/huge"),
        entry_path("o/deep"),
        "credentials/o/good.age".into(),
        format!("{} line 1: names the entry 'o/good'", entry_path("o/liar")),
        format!("{}: is not a regular file", entry_path("o/outside")),
        format!("{}: is not a regular file", entry_path("o/loop")),
        format!(
            "{} line 2: the URL '{ext_url}' uses the transport prefix 'ext::'",
            entry_path("o/ext")
        ),
        format!("{} line 2: ", entry_path("o/dash")),
        "repos/o/notes.txt".into(),
        "twin".into(),
        ".age-recipients".into(),
    ] {
        assert!(
            doctor.stdout.contains(&named),
            "doctor does not name {named}: {}",
            doctor.stdout
        );
    }
    // A reference two entries claim is ambiguous, and says which.
    let run = env.run(&["resolve", "twin"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("o/twin-a") && run.stderr.contains("o/twin-b"),
        "{run:?}"
    );

    // Nothing outside the registry was read into any output.
    for args in [
        &["list", "--json"][..],
        &["doctor"],
        &["info", "o/outside"],
        &["resolve", "o/loop"],
        &["creds", "show", "o/good"],
        &["creds", "show", "o/twin-a"],
        &["creds", "list"],
    ] {
        let run = env.run(args);
        assert!(
            !run.stdout.contains("outside-the-registry")
                && !run.stderr.contains("outside-the-registry"),
            "{args:?} read a file outside the registry: {run:?}"
        );
    }
    // Nothing is run: a URL that would run a command is refused before any transport.
    let mut online = env.command(&["refresh", "o/ext"]);
    online.env_remove("REPODEX_OFFLINE");
    let run = run_with_stdin(online, "");
    assert_eq!(run.code, 4, "{run:?}");
    assert!(
        run.stderr.contains("uses the transport prefix 'ext::'"),
        "{run:?}"
    );
    assert!(!pwned.exists(), "repodex ran the ext:: program");
    // The vault refuses to encrypt to a plugin recipient, and says which line.
    let run = run_with_stdin(env.command(&["creds", "set", "o/good"]), "token");
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains(".age-recipients"), "{run:?}");
    // And writing the good parts still works; the bad files are left for their owner.
    env.ok(&["tag", "add", "o/good", "still-works"]);
    env.ok(&["register", "https://example.com/o/new"]);
    let run = run_with_stdin(env.command(&["forget", "o/twin-a"]), "");
    assert_eq!(run.code, 0, "{run:?}");
    // Nothing outside the registry was written through a symlink.
    assert_eq!(
        std::fs::read_to_string(&secret_outside).unwrap(),
        "outside-the-registry-7c1f\n"
    );
}

#[test]
fn a_filter_named_by_the_registry_is_never_run() {
    let env = TestEnv::new();
    env.ok(&["register", "https://example.com/o/first"]);
    let marker = env.root().join("filter-ran");
    // The user has a filter driver configured (as git-lfs users do); a registry that
    // names it for every file must not make repodex run it.
    let config = env.root().join("home/.gitconfig");
    std::fs::write(
        &config,
        format!(
            "[filter \"evil\"]\n\tclean = touch {0}\n\tsmudge = touch {0}\n\trequired = true\n",
            marker.display()
        ),
    )
    .unwrap();
    commit_raw(&env, &[(".gitattributes".into(), b"* filter=evil\n")]);
    let _ = std::fs::remove_file(&marker);
    // Commands that write the work tree and index, and ones that read.
    for args in [
        &["register", "https://example.com/o/second"][..],
        &["rename", "o/second", "o/renamed"],
        &["forget", "o/first"],
        &["list"],
        &["doctor"],
    ] {
        let run = env.run(args);
        assert!(run.code == 0 || args[0] == "doctor", "{args:?}: {run:?}");
        assert!(
            !marker.exists(),
            "repodex {args:?} ran the registry's filter"
        );
    }
}

/// The peak resident memory of `repodex args`, in bytes, from a small Python process
/// that runs nothing else (a child's peak counts from before its exec, so the test
/// process itself cannot be the parent).
fn peak_memory(env: &TestEnv, args: &[&str]) -> (u64, String) {
    let repodex = env.command(args);
    let mut python = std::process::Command::new("python3");
    python
        .arg("-c")
        .arg(
            "import resource, subprocess, sys\n\
             out = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n\
             print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n\
             print(out.stdout + out.stderr)",
        )
        .arg(repodex.get_program())
        .args(repodex.get_args());
    for (key, value) in repodex.get_envs() {
        match value {
            Some(value) => python.env(key, value),
            None => python.env_remove(key),
        };
    }
    if let Some(dir) = repodex.get_current_dir() {
        python.current_dir(dir);
    }
    let out = python.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (kilobytes, rest) = text.split_once('\n').unwrap();
    (
        kilobytes.trim().parse::<u64>().unwrap() * 1024,
        rest.to_string(),
    )
}

#[test]
fn an_entry_that_inflates_to_64_mib_is_refused_unread_loose_or_packed() {
    // A teammate's push: an entry file of 64 MiB that compresses to a few hundred KB.
    // Rebuilding the catalog must refuse it from the size in its header, without
    // inflating it, whether it arrived as a loose object or in a pack.
    let env = TestEnv::new();
    env.ok(&["register", "https://example.com/o/good"]);
    let bomb = entry(
        "o/bomb",
        "https://example.com/o/bomb",
        &format!("description = \"{}\"\n", "x".repeat(64 << 20)),
    );
    commit_raw(&env, &[(entry_path("o/bomb"), bomb.as_bytes())]);
    for stored in ["loose", "packed"] {
        if stored == "packed" {
            env.git(&["gc", "-q"]);
            let packs = std::fs::read_dir(env.registry().join(".git/objects/pack")).unwrap();
            assert!(packs.count() >= 2, "git gc made no pack");
        }
        let _ = std::fs::remove_file(env.registry().join(".git/repodex/catalog"));
        let (peak, output) = peak_memory(&env, &["list"]);
        assert!(output.contains("o/good"), "{stored}: {output}");
        assert!(
            output.contains("o/bomb  -        (unreadable: see below)"),
            "{stored}: {output}"
        );
        // Refused for its size, either way: what this story is about is the memory.
        assert!(
            output.contains("too large") || output.contains("larger than 4 MiB"),
            "{stored}: {output}"
        );
        assert!(
            peak < 40 << 20,
            "{stored}: the rebuild peaked at {} MiB",
            peak >> 20
        );
    }
}
