//! The first day of a new user, again (issue 30): the headline paths around the
//! registry, tried the way a newcomer meets them. Plain git clones by name with no
//! target folder, git's own credential helpers keep answering for the rest of a host,
//! completion registers the command a user types, a closed pipe ends quietly, and
//! every refusal says what to do.

use std::path::Path;
use std::process::Command;

use crate::servers::{GitDaemon, Upstreams};
use crate::support::{git_in, Run, TestEnv};
use pretty_assertions::assert_eq;

/// Plain git in `dir`, as the user runs it: the test's isolated configuration, no prompts.
fn plain_git(env: &TestEnv, dir: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::new("git");
    env.isolate(&mut cmd);
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        .args(args)
        .current_dir(dir);
    Run::from(cmd.output().unwrap())
}

/// `git clone repodex:NAME` with no target folder: git makes `./NAME` with `origin =
/// repodex:NAME` before it asks the helper, and the reference rule's path step must
/// not follow that origin back to itself. Every way of naming an entry clones; a typo
/// fails with repodex's suggestions, never a crash.
#[test]
fn plain_git_clones_by_every_kind_of_name_with_no_target_folder() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    upstreams.create(&env, "api", "main", &[("README", "api\n")]);
    let daemon = GitDaemon::start(&upstreams);
    env.ok(&[
        "register",
        "--no-fetch",
        &daemon.url("api"),
        "--name",
        "team/api",
        "--alias",
        "backend",
    ]);
    env.ok(&["git-setup"]);
    let url = daemon.url("api");
    for (case, reference, folder) in [
        ("name", "team/api", "api"),
        ("case", "Team/API", "API"),
        ("alias", "backend", "backend"),
        ("segment", "api", "api"),
        ("url", url.as_str(), "api"),
    ] {
        let dir = env.work().join(case);
        std::fs::create_dir_all(&dir).unwrap();
        let run = plain_git(
            &env,
            &dir,
            &["clone", "-q", &format!("repodex:{reference}")],
        );
        assert_eq!(run.code, 0, "git clone repodex:{reference}: {run:?}");
        assert_eq!(
            std::fs::read_to_string(dir.join(folder).join("README")).unwrap(),
            "api\n",
            "{case}"
        );
    }
    // A typo: git's folder is made and removed again; the helper's one line says what
    // was meant.
    let run = plain_git(&env, &env.work(), &["clone", "-q", "repodex:apx"]);
    assert_ne!(run.code, 0, "{run:?}");
    assert!(
        run.stderr
            .contains("repodex: error: no repository matches 'apx'; did you mean 'team/api'?"),
        "{run:?}"
    );
    assert!(!run.stderr.contains("signal"), "{run:?}");
    assert!(!env.work().join("apx").exists());
}

/// A working copy whose origin is a `repodex:` URL that leads back to itself, in one
/// step or through others, resolves by the other rules or misses with suggestions.
#[test]
fn a_reference_that_leads_back_to_itself_resolves_by_the_other_rules() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "https://github.com/acme/billing-api",
        "--no-fetch",
    ]);
    env.ok(&["register", "https://github.com/acme/payments", "--no-fetch"]);
    // ./billing, origin repodex:billing: no entry ends in `billing`.
    let billing = env.make_repo("billing");
    git_in(
        &env,
        &billing,
        &["remote", "add", "origin", "repodex:billing"],
    );
    let error = env.fails(3, &["resolve", "billing"]);
    assert_eq!(
        error,
        "repodex: error: no repository matches 'billing'; did you mean 'acme/billing-api'?"
    );
    // ./payments, origin repodex:payments: the last segment answers.
    let payments = env.make_repo("payments");
    git_in(
        &env,
        &payments,
        &["remote", "add", "origin", "repodex:payments"],
    );
    assert_eq!(
        env.ok(&["resolve", "payments"]),
        "https://github.com/acme/payments\n"
    );
    // Two working copies naming each other.
    let ping = env.make_repo("ping");
    let pong = env.make_repo("pong");
    git_in(&env, &ping, &["remote", "add", "origin", "repodex:pong"]);
    git_in(
        &env,
        &pong,
        &["remote", "add", "origin", "repodex:repodex:ping"],
    );
    let error = env.fails(3, &["resolve", "ping"]);
    assert!(error.contains("no repository matches 'ping'"), "{error}");
    let error = env.fails(3, &["info", "pong"]);
    assert!(error.contains("no repository matches 'pong'"), "{error}");
}

/// Run `cmd` with its stdout on a pipe whose reader has already gone, as after `|
/// head` read what it wanted.
fn with_stdout_closed(mut cmd: Command) -> Run {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = cmd
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    Run::from(out)
}

/// A reader that stops early (`repodex log | head -1`) ends the command quietly: no
/// panic, no message, the exit status the command would have had (0 for success,
/// docs/exit-codes.md), and the registry as sound as after any command.
#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let env = TestEnv::online();
    let scratch = env.make_repo("scratch");
    std::fs::create_dir_all(scratch.join(".minsky")).unwrap();
    std::fs::write(scratch.join(".minsky/config.yaml"), "backend: github\n").unwrap();
    git_in(&env, &scratch, &["add", "-A"]);
    git_in(&env, &scratch, &["commit", "-qm", "config"]);
    env.ok(&["register", scratch.to_str().unwrap()]);
    env.ok(&[
        "register",
        "--no-fetch",
        "https://github.com/edobry/minsky",
        "--alias",
        "mk",
    ]);
    assert_eq!(env.run_stdin(&["creds", "set", "mk"], "tok-0123").code, 0);
    for n in 0..40 {
        env.ok(&["tag", "add", "mk", &format!("t{n}")]);
    }
    let scan = env.work().to_str().unwrap().to_string();
    let commands: &[&[&str]] = &[
        &["--version"],
        &["resolve", "mk"],
        &["resolve", "https://github.com/edobry/minsky"],
        &["which", "mk"],
        &["info", "mk"],
        &["info", "mk", "--json"],
        &["list"],
        &["list", "--json"],
        &["list", "--names"],
        &["log"],
        &["log", "mk"],
        &["config", "scratch"],
        &["diff", "scratch"],
        &["export"],
        &["identity"],
        &["creds", "list"],
        &["creds", "show", "mk"],
        &["import", "scan", &scan],
        &["refresh", "scratch"],
        &["doctor"],
        &["settings"],
        &["completions", "bash"],
        &["man"],
        &["--help"],
    ];
    for args in commands {
        let before = env.head();
        let run = with_stdout_closed(env.command(args));
        assert_eq!(run.code, 0, "repodex {args:?}: {run:?}");
        for word in ["panicked", "Broken pipe", "failed printing"] {
            assert!(!run.stderr.contains(word), "repodex {args:?}: {run:?}");
        }
        assert_eq!(env.head(), before, "repodex {args:?}");
        env.assert_plain_git_happy();
    }
    // A real pipeline, with more output than a pipe holds, so that repodex is still
    // writing when `head` has gone: the first line, and a status `set -o pipefail` accepts.
    let repositories: Vec<String> = (0..4000)
        .map(|n| {
            format!(
                "{{\"name\": \"acme/repository-{n:04}\", \"url\": \"https://github.com/acme/repository-{n:04}\", \"added\": \"2026-12-01T00:00:00Z\"}}"
            )
        })
        .collect();
    let file = env.work().join("many.json");
    std::fs::write(
        &file,
        format!(
            "{{\"format\": 1, \"repositories\": [{}]}}",
            repositories.join(",")
        ),
    )
    .unwrap();
    env.ok(&["import", "file", file.to_str().unwrap()]);
    let mut bash = Command::new("bash");
    env.isolate(&mut bash);
    let run = Run::from(
        bash.env("REPODEX_HOME", env.registry())
            .env("REPODEX_BIN", env!("CARGO_BIN_EXE_repodex"))
            .args([
                "-c",
                "set -o pipefail; \"$REPODEX_BIN\" list --names | head -1; echo \"status $?\"",
            ])
            .current_dir(env.work())
            .output()
            .unwrap(),
    );
    assert_eq!(run.stdout, "acme/repository-0000\nstatus 0\n", "{run:?}");
    assert_eq!(run.stderr, "");
}

/// `git credential fill` for `url`, as git asks its helpers: what they answered.
fn fill(env: &TestEnv, url: &str) -> Run {
    let mut cmd = Command::new("git");
    env.isolate(&mut cmd);
    cmd.env("GIT_TERMINAL_PROMPT", "0")
        .args(["credential", "fill"])
        .current_dir(env.work());
    crate::support::run_with_stdin(cmd, &format!("url={url}\n\n"))
}

/// git-setup makes repodex the credential helper for the repositories it has
/// credentials for, in every spelling git sends for them, and for nothing else: another
/// repository on the same host keeps the user's own `credential-store`, before and
/// after, and both clone over HTTPS.
#[test]
fn git_setup_leaves_the_rest_of_a_host_to_the_users_own_helper() {
    use crate::servers::{tls_for_localhost, HttpOptions, HttpServer};
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    upstreams.create(&env, "private", "main", &[("README", "private\n")]);
    upstreams.create(&env, "other", "main", &[("README", "other\n")]);
    let (tls, ca) = tls_for_localhost(&env.root().join("tls"));
    let (vault_token, store_token) = ("tok-vault-51d2", "tok-store-9a7e");
    let server = HttpServer::start_with(
        &upstreams,
        HttpOptions {
            tls: Some(tls),
            basic_auth_by_path: vec![
                ("/private".into(), "alice".into(), vault_token.into()),
                ("/other".into(), "bob".into(), store_token.into()),
            ],
            ..Default::default()
        },
    );
    env.ok(&[
        "register",
        "--no-fetch",
        &server.url("private"),
        "--name",
        "private",
    ]);
    let run = env.run_stdin(
        &["creds", "set", "private", "--username", "alice"],
        vault_token,
    );
    assert_eq!(run.code, 0, "{run:?}");
    // The user's own helper for the host: git's credential-store.
    let store = env.root().join("home/.git-credentials");
    std::fs::write(
        &store,
        format!("https://bob:{store_token}@127.0.0.1:{}\n", server.port),
    )
    .unwrap();
    std::fs::write(
        env.root().join("home/.gitconfig"),
        format!(
            "[credential]\n\thelper = store --file={}\n[http]\n\tsslCAInfo = {}\n",
            store.display(),
            ca.display()
        ),
    )
    .unwrap();
    let base = format!("https://127.0.0.1:{}", server.port);
    let from_store = format!(
        "protocol=https\nhost=127.0.0.1:{}\nusername=bob\npassword={store_token}\n",
        server.port
    );
    let before = fill(&env, &format!("{base}/other.git"));
    assert_eq!(
        (before.code, before.stdout.as_str()),
        (0, from_store.as_str())
    );

    env.ok(&["git-setup"]);
    for other in [format!("{base}/other.git"), format!("{base}/other")] {
        let after = fill(&env, &other);
        assert_eq!(
            after, before,
            "{other}: the user's helper answers as before"
        );
    }
    for private in [format!("{base}/private.git"), format!("{base}/private")] {
        let run = fill(&env, &private);
        assert_eq!(run.code, 0, "{private}: {run:?}");
        assert!(
            run.stdout
                .contains(&format!("username=alice\npassword={vault_token}\n")),
            "{private}: repodex answers: {run:?}"
        );
    }
    let generated = std::fs::read_to_string(env.root().join("config/repodex/gitconfig")).unwrap();
    assert!(
        generated.contains(&format!(
            "[credential \"{base}/private.git\"]\n\thelper =\n"
        )) && generated.contains(&format!("[credential \"{base}/private\"]\n\thelper =\n")),
        "{generated}"
    );
    assert!(
        !generated.contains(&format!("[credential \"{base}\"]")),
        "no section for the whole host: {generated}"
    );
    // Both clone over HTTPS with plain git: by name through the vault, the other by URL
    // through the store; the vault's token never lands in the store.
    let run = plain_git(
        &env,
        &env.work(),
        &["clone", "-q", &format!("{base}/other.git")],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let run = plain_git(&env, &env.work(), &["clone", "-q", "repodex:private"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        std::fs::read_to_string(env.work().join("private/README")).unwrap(),
        "private\n"
    );
    assert!(!std::fs::read_to_string(&store)
        .unwrap()
        .contains(vault_token));
}

/// A file written by an older git-setup (one section for the whole host) is written
/// again by the next command, though the registry did not change.
#[test]
fn git_setup_s_file_from_an_older_repodex_is_written_again_at_once() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "https://git.example.com/team/app.git",
        "--name",
        "app",
    ]);
    assert_eq!(env.run_stdin(&["creds", "set", "app"], "tok-app").code, 0);
    env.ok(&["git-setup"]);
    let path = env.root().join("config/repodex/gitconfig");
    let old = format!(
        "# Written by `repodex git-setup`; rewritten after every registry change. Do not edit.\n# registry {} at {}\n[url \"repodex::\"]\n\tinsteadOf = repodex:\n[credential \"https://git.example.com\"]\n\thelper =\n\thelper = \"!'repodex' credential\"\n\tuseHttpPath = true\n",
        env.registry().display(),
        env.head()
    );
    std::fs::write(&path, &old).unwrap();
    env.ok(&["list"]);
    let now = std::fs::read_to_string(&path).unwrap();
    assert!(
        now.contains("[credential \"https://git.example.com/team/app.git\"]")
            && !now.contains("[credential \"https://git.example.com\"]"),
        "{now}"
    );
}

/// git-setup checks that git will find `git-remote-repodex` (its exec-path, then PATH)
/// and says what to do when it will not, changing nothing; doctor says so too once
/// git-setup is in place.
#[test]
fn git_setup_and_doctor_say_when_git_will_not_find_the_helper() {
    let env = TestEnv::new();
    env.ok(&["register", "--no-fetch", "https://github.com/acme/api"]);
    let global = env.root().join("home/.gitconfig");
    std::fs::write(&global, "[user]\n\tname = Me\n").unwrap();
    let helper_dir = Path::new(env!("CARGO_BIN_EXE_git-remote-repodex"))
        .parent()
        .unwrap()
        .display()
        .to_string();
    let without_helper = |args: &[&str]| {
        let mut cmd = env.command(args);
        cmd.env("PATH", "/usr/local/bin:/usr/bin:/bin");
        Run::from(cmd.output().unwrap())
    };
    let run = without_helper(&["git-setup"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stderr,
        format!(
            "repodex: error: cannot find git-remote-repodex, which plain git runs for repodex:<name> URLs (not in git's exec-path {} or any folder on PATH); add {helper_dir} (where it is, beside repodex) to PATH, as in export PATH=\"{helper_dir}:$PATH\", and run `repodex git-setup` again; nothing was changed\n",
            String::from_utf8(Command::new("git").arg("--exec-path").output().unwrap().stdout)
                .unwrap()
                .trim()
        )
    );
    assert_eq!(
        std::fs::read_to_string(&global).unwrap(),
        "[user]\n\tname = Me\n"
    );
    assert!(!env.root().join("config/repodex/gitconfig").exists());

    env.ok(&["git-setup"]);
    assert_eq!(env.run(&["doctor"]).stderr, "");
    let run = without_helper(&["doctor"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.starts_with("repodex: warning: ")
            && run
                .stderr
                .contains("git-setup is in place, but git will not find git-remote-repodex")
            && run.stderr.contains(&format!(
                "add {helper_dir} (where it is, beside repodex) to PATH"
            )),
        "{run:?}"
    );
}

/// A shell started the way a user's is, with repodex's completion loaded, running
/// `script`.
fn shell(env: &TestEnv, program: &str, script: &str) -> Run {
    let mut cmd = Command::new(program);
    env.isolate(&mut cmd);
    cmd.env("REPODEX_HOME", env.registry())
        .env("REPODEX_OFFLINE", "1")
        .env("REPODEX_BIN", env!("CARGO_BIN_EXE_repodex"))
        .args(["-c", script])
        .current_dir(env.work());
    Run::from(cmd.output().unwrap())
}

/// Completion scripts register the command a user types, `repodex`, whatever path
/// printed them: checked in real bash, zsh and fish by what each shell has registered
/// and by a completion it then offers.
#[test]
fn completion_registers_the_command_name_in_every_shell() {
    let env = TestEnv::new();
    env.ok(&["register", "--no-fetch", "https://github.com/edobry/minsky"]);
    env.ok(&["register", "--no-fetch", "https://github.com/edobry/tasks"]);

    let run = shell(
        &env,
        "bash",
        "source <(\"$REPODEX_BIN\" completions bash) && complete -p repodex",
    );
    assert_eq!(
        run.stdout,
        "complete -o bashdefault -o nosort -o nospace -F _clap_complete_repodex repodex\n",
        "{run:?}"
    );
    let run = shell(
        &env,
        "bash",
        "source <(\"$REPODEX_BIN\" completions bash); COMP_WORDS=(repodex info edobry/t); COMP_CWORD=2; COMP_LINE='repodex info edobry/t'; COMP_POINT=${#COMP_LINE}; $(complete -p repodex | sed 's/.* -F \\([^ ]*\\) .*/\\1/') repodex edobry/t info; printf '%s\\n' \"${COMPREPLY[@]}\"",
    );
    assert_eq!(run.stdout, "edobry/tasks\n", "{run:?}");

    let run = shell(
        &env,
        "zsh",
        "autoload -Uz compinit && compinit -u -D; source <(\"$REPODEX_BIN\" completions zsh); print -r -- ${_comps[repodex]}",
    );
    assert_eq!(run.stdout, "_clap_dynamic_completer_repodex\n", "{run:?}");

    let run = shell(
        &env,
        "fish",
        "\"$REPODEX_BIN\" completions fish | source; complete -C 'repodex info edobry/t'",
    );
    assert_eq!(
        run.stdout, "edobry/tasks\thttps://github.com/edobry/tasks\n",
        "{run:?}"
    );

    // Elvish and PowerShell are not installed here: their registration, as printed.
    let elvish = env.ok(&["completions", "elvish"]);
    assert!(
        elvish.contains("set edit:completion:arg-completer[repodex] = "),
        "{elvish}"
    );
    let powershell = env.ok(&["completions", "powershell"]);
    assert!(
        powershell.contains("Register-ArgumentCompleter -Native -CommandName repodex "),
        "{powershell}"
    );
}

/// A completion script saved before the fix (registered for the binary's path) is
/// recognised by doctor, with the command that writes it again.
#[test]
fn doctor_recognises_a_saved_completion_script_for_the_binary_s_path() {
    let env = TestEnv::new();
    env.ok(&["register", "--no-fetch", "https://github.com/edobry/minsky"]);
    let saved = env.root().join("config/fish/completions/repodex.fish");
    std::fs::create_dir_all(saved.parent().unwrap()).unwrap();
    std::fs::write(
        &saved,
        "complete --keep-order --exclusive --command /home/me/.cargo/bin/repodex --arguments \"(COMPLETE=fish /home/me/.cargo/bin/repodex -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))\"\n",
    )
    .unwrap();
    let run = env.run(&["doctor"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stderr,
        format!(
            "repodex: warning: {}: this fish completion script registers '/home/me/.cargo/bin/repodex', not 'repodex', so it never completes; write it again: repodex completions fish > {}\n",
            saved.display(),
            saved.display()
        )
    );
    std::fs::write(&saved, env.ok(&["completions", "fish"])).unwrap();
    assert_eq!(env.run(&["doctor"]).stderr, "");
}

/// `creds set` refuses a credential for a plain-http entry, which repodex would never
/// send, before it asks for the secret; nothing is written.
#[test]
fn creds_set_refuses_a_credential_that_would_never_be_sent() {
    let env = TestEnv::new();
    env.ok(&[
        "register",
        "--no-fetch",
        "http://git.example.com/team/app.git",
        "--name",
        "app",
    ]);
    let before = env.head();
    let run = env.run_stdin(&["creds", "set", "app"], "tok-http");
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        run.stderr,
        "repodex: error: 'app' is fetched over plain http ('http://git.example.com/team/app.git'), and repodex never sends a credential over http, so this one would never be used; if the server speaks https, change the entry first (`repodex set app --url https://...`)\n"
    );
    assert_eq!(env.head(), before);
    assert_eq!(env.ok(&["creds", "list"]), "");
}

/// A sync whose remote is briefly out of reach (its folder on a share not mounted,
/// its host down) says so with exit 5 and "try again", changes nothing, and the next
/// sync finishes.
#[test]
fn a_sync_remote_out_of_reach_is_exit_5_and_try_again() {
    let env = TestEnv::online();
    env.ok(&["register", "--no-fetch", "https://github.com/acme/api"]);
    let share = env.root().join("share");
    std::fs::create_dir_all(&share).unwrap();
    let remote = share.join("registry.git");
    git_in(
        &env,
        &share,
        &["init", "-q", "--bare", remote.to_str().unwrap()],
    );
    env.ok(&["remote", "set", remote.to_str().unwrap()]);
    env.ok(&["sync"]);
    env.ok(&["register", "--no-fetch", "https://github.com/acme/web"]);
    let unmounted = env.root().join("share-unmounted");
    std::fs::rename(&share, &unmounted).unwrap();
    let error = env.fails(5, &["sync"]);
    assert_eq!(
        error,
        format!(
            "repodex: error: cannot reach the registry's remote '{}': the folder is not there (a share not mounted, a disk not attached?); nothing was changed: try again with `repodex sync` when the remote is back",
            remote.display()
        )
    );
    std::fs::rename(&unmounted, &share).unwrap();
    env.ok(&["sync"]);

    // A host that is down: nothing listens where the daemon was.
    let upstreams = Upstreams::new(&env);
    git_in(
        &env,
        &upstreams.root,
        &[
            "clone",
            "-q",
            "--bare",
            remote.to_str().unwrap(),
            "team.git",
        ],
    );
    let daemon = GitDaemon::start_with_push(&upstreams);
    let url = daemon.url("team");
    env.ok(&["remote", "set", &url]);
    env.ok(&["sync"]);
    drop(daemon);
    let error = env.fails(5, &["sync"]);
    assert!(
        error.contains("refused the connection")
            && error.ends_with("try again with `repodex sync` when the remote is back"),
        "{error}"
    );
}

/// The smaller things a newcomer meets: doctor's warnings carry the `repodex:` prefix
/// every other line has, the settings table fits a 120-column terminal, and a mistyped
/// command suggests the nearest first.
#[test]
fn warnings_settings_and_suggestions_read_as_the_rest() {
    let env = TestEnv::new();
    env.ok(&["register", "--no-fetch", "https://github.com/acme/api"]);
    std::fs::write(env.registry().join("README.md"), "edited\n").unwrap();
    let run = env.run(&["doctor"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.starts_with("repodex: warning: README.md"),
        "{run:?}"
    );
    env.git(&["checkout", "--", "README.md"]);

    let settings = env.ok(&["settings"]);
    for line in settings.lines() {
        assert!(
            line.chars().count() <= 120,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    assert!(settings.contains(".minsky/config.yaml"), "{settings}");

    let run = env.run(&["regster", "x"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("some similar subcommands exist: 'register', "),
        "{run:?}"
    );
}

/// A repository of this machine that its user registered, fetched then or not (offline,
/// `--no-fetch`), is one `refresh --all` reads: only local entries from others wait to
/// be asked for by name (docs/security.md).
#[test]
fn a_local_repository_registered_offline_is_read_by_refresh_all() {
    let env = TestEnv::online();
    let tool = env.make_repo("tool");
    let mut register = env.command(&["register", tool.to_str().unwrap()]);
    register.env("REPODEX_OFFLINE", "1");
    assert_eq!(Run::from(register.output().unwrap()).code, 0);
    env.ok(&[
        "register",
        "--no-fetch",
        env.make_repo("other").to_str().unwrap(),
    ]);
    assert_eq!(
        env.ok(&["refresh", "--all"]),
        "updated other: default branch main\nupdated tool: default branch main\n2 updated, 0 unchanged, 0 failed\n"
    );
}
