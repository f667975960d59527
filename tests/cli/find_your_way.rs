//! Finding your way (issue 35): the shell function that goes to a clone by name, the
//! picker, this machine's use ranking, a repository's page in the browser, and the
//! team's own servers declared by kind. Interactive parts run in real shells in a real
//! terminal (tmux), typed into and read off the screen.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::servers::{GitDaemon, Upstreams};
use crate::support::{git_in, Run, TestEnv};
use crate::terminal::Terminal;
use pretty_assertions::assert_eq;

/// A working copy at `path` whose origin is `url`.
fn working_copy(env: &TestEnv, path: &Path, url: &str) {
    std::fs::create_dir_all(path).unwrap();
    git_in(env, path, &["init", "-q", "-b", "main"]);
    git_in(env, path, &["remote", "add", "origin", url]);
}

/// Three entries: edobry/minsky (alias mk, tag work) with a clone in its place under the
/// clone root (~/src/github.com/edobry/minsky, recorded by import scan), and acme/api and
/// acme/web without one. Returns the clone's path.
fn three_entries(env: &TestEnv) -> PathBuf {
    env.ok(&[
        "register",
        "--no-fetch",
        "https://github.com/edobry/minsky.git",
        "--alias",
        "mk",
        "--tag",
        "work",
        "--description",
        "Minsky CLI",
    ]);
    for (url, description) in [
        ("https://github.com/acme/api.git", "the API"),
        ("https://github.com/acme/web.git", "the site"),
    ] {
        env.ok(&[
            "register",
            "--no-fetch",
            url,
            "--tag",
            "work",
            "--description",
            description,
        ]);
    }
    let clone = env.root().join("home/src/github.com/edobry/minsky");
    working_copy(env, &clone, "https://github.com/edobry/minsky.git");
    env.ok(&[
        "import",
        "scan",
        env.root().join("home/src").to_str().unwrap(),
    ]);
    clone
}

/// A shell as a user starts it, with the line that loads the function, and how it
/// spells the last command's status.
struct Shell {
    program: &'static [&'static str],
    init: &'static str,
    status: &'static str,
}

const SHELLS: [Shell; 3] = [
    Shell {
        program: &["bash", "--norc", "--noprofile"],
        init: "eval \"$(repodex shell-init bash)\"",
        status: "$?",
    },
    Shell {
        program: &["zsh", "-f"],
        init: "autoload -Uz compinit && compinit -u -D; eval \"$(repodex shell-init zsh)\"",
        status: "$?",
    },
    Shell {
        program: &["fish", "--no-config"],
        init: "repodex shell-init fish | source",
        status: "$status",
    },
];

/// Run `command` in the terminal's shell and return the marker line it ends with:
/// `@@<step> <status> <working folder>`.
fn step(term: &Terminal, shell: &Shell, n: usize, command: &str) -> String {
    term.line(&format!("{command}; echo \"@@{n} {} $PWD\"", shell.status));
    term.wait_for_line(&format!("@@{n} "))
}

/// In bash, zsh and fish: the function completes names and aliases, goes to the clone
/// by alias, by a URL in another spelling, and by the picker when given no reference,
/// and a reference that matches nothing leaves the shell where it was.
#[test]
fn the_shell_function_goes_to_a_clone_by_any_reference_in_bash_zsh_and_fish() {
    let env = TestEnv::new();
    let clone = three_entries(&env);
    let clone = clone.display().to_string();
    for shell in &SHELLS {
        let term = Terminal::start(&env, shell.program, &[]);
        let name = shell.program[0];
        assert_eq!(
            step(&term, shell, 0, shell.init),
            "@@0 0 ".to_string() + env.work().to_str().unwrap(),
            "{name}"
        );
        // Completion of aliases (and names) as the user types.
        term.type_text("rcd m");
        term.keys(&["Tab"]);
        term.wait_for(&format!("rcd mk completed in {name}"), |s| {
            s.contains("rcd mk")
        });
        term.keys(&["C-u"]);
        assert_eq!(
            step(&term, shell, 1, "rcd mk"),
            format!("@@1 0 {clone}"),
            "{name}"
        );
        assert_eq!(
            step(
                &term,
                shell,
                2,
                "cd /; rcd https://GitHub.com/Edobry/Minsky.git"
            ),
            format!("@@2 0 {clone}"),
            "{name}"
        );
        // A miss: the error on the screen, the shell stays, the status is repodex's.
        assert_eq!(
            step(&term, shell, 3, "cd /; rcd nothing-here"),
            "@@3 3 /",
            "{name}"
        );
        assert!(
            term.screen()
                .contains("repodex: error: no repository matches 'nothing-here'"),
            "{name}: {}",
            term.screen()
        );
        // No reference: the picker; a few letters and Enter go there.
        term.line(&format!("cd /; rcd; echo \"@@4 {} $PWD\"", shell.status));
        term.wait_for(&format!("the picker in {name}"), |s| s.contains("3/3"));
        term.type_text("mins");
        let screen = term.wait_for("one match", |s| s.contains("1/3"));
        assert!(
            screen.lines().any(|l| l.starts_with("> * edobry/minsky")),
            "{name}: {screen}"
        );
        term.keys(&["Enter"]);
        assert_eq!(
            term.wait_for_line("@@4 "),
            format!("@@4 0 {clone}"),
            "{name}"
        );
    }
}

/// The picker on the screen: the list, filtered as one types, marks the repositories
/// with a clone, prints the choice (here its path) inside $(...); Esc and Ctrl-C print
/// nothing and exit 130.
#[test]
fn the_picker_filters_as_you_type_and_esc_or_ctrl_c_leave_with_130() {
    let env = TestEnv::new();
    let clone = three_entries(&env);
    let term = Terminal::start(&env, &["bash", "--norc", "--noprofile"], &[]);
    term.line("x=$(repodex pick --print path); echo \"@@1 $? [$x]\"");
    let screen = term.wait_for("the list", |s| s.contains("3/3"));
    let lines: Vec<&str> = screen.lines().map(str::trim_end).collect();
    assert_eq!(lines[0], ">");
    assert!(
        lines[1].starts_with("  3/3  (* has a folder here"),
        "{screen}"
    );
    // Nothing typed, nothing used yet: by name; the one with a clone is marked.
    assert_eq!(
        &lines[2..5],
        [
            ">   acme/api       #work  the API",
            "    acme/web       #work  the site",
            "  * edobry/minsky  mk  #work  Minsky CLI",
        ]
    );
    term.type_text("web");
    let screen = term.wait_for("one match", |s| s.contains("1/3"));
    assert!(screen.starts_with("> web\n"), "{screen}");
    term.keys(&["BSpace", "BSpace", "BSpace"]);
    term.type_text("mk");
    term.wait_for("mk's entry first", |s| {
        s.lines().any(|l| l.starts_with("> * edobry/minsky"))
    });
    term.keys(&["Enter"]);
    assert_eq!(
        term.wait_for_line("@@1 "),
        format!("@@1 0 [{}]", clone.display())
    );
    term.line("x=$(repodex pick); echo \"@@2 $? [$x]\"");
    term.wait_for("the list", |s| s.contains("3/3"));
    term.keys(&["Escape"]);
    assert_eq!(term.wait_for_line("@@2 "), "@@2 130 []");
    term.line("x=$(repodex pick --query acme); echo \"@@3 $? [$x]\"");
    term.wait_for("the list", |s| s.contains("2/3"));
    term.keys(&["C-c"]);
    assert_eq!(term.wait_for_line("@@3 "), "@@3 130 []");
    // The choice above was a use: that entry comes first now. A choice by name, the
    // default, one line down.
    term.line("x=$(repodex pick); echo \"@@4 $? [$x]\"");
    let screen = term.wait_for("the list", |s| s.contains("3/3"));
    assert!(
        screen
            .lines()
            .nth(2)
            .unwrap()
            .starts_with("> * edobry/minsky"),
        "{screen}"
    );
    term.keys(&["Down", "Enter"]);
    assert_eq!(term.wait_for_line("@@4 "), "@@4 0 [acme/api]");
}

/// Without a terminal to draw on (no /dev/tty: a cron job, a pipe from another
/// machine), the picker says so, and how to do without, instead of hanging.
#[test]
fn without_a_terminal_the_picker_refuses_and_says_what_works() {
    let env = TestEnv::new();
    three_entries(&env);
    let detached = |args: &[&str]| {
        // setsid: a new session has no controlling terminal, so /dev/tty opens nothing.
        let mut cmd = Command::new("setsid");
        env.isolate(&mut cmd);
        cmd.env("REPODEX_HOME", env.registry())
            .env("REPODEX_OFFLINE", "1")
            .arg("-w")
            .arg(env!("CARGO_BIN_EXE_repodex"))
            .args(args)
            .stdin(std::process::Stdio::null());
        Run::from(cmd.output().unwrap())
    };
    let run = detached(&["pick"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.starts_with(
            "repodex: error: pick needs a terminal to show the list on, and this process has none (/dev/tty: "
        ) && run
            .stderr
            .ends_with("; `repodex pick --filter QUERY` prints the matches without one\n"),
        "{run:?}"
    );
    let run = detached(&["jump"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.starts_with(
            "repodex: error: a jump without a reference needs a terminal to show the list on"
        ),
        "{run:?}"
    );
    // What works without one: the filter, best first, and a jump by name.
    let run = detached(&["pick", "--filter", "acme"]);
    assert_eq!(run.stdout, "acme/api\nacme/web\n", "{run:?}");
    let run = detached(&["pick", "--filter", "nothing-like-it"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert_eq!(
        run.stderr,
        "repodex: error: nothing matches 'nothing-like-it'; `repodex pick` without --filter shows them all\n"
    );
}

/// This machine's use ranks the list: after three jumps to one repository (through the
/// shell function), it is first for an empty query, on the screen and in --filter, and
/// the uses are this machine's state, not the registry's.
#[test]
fn after_three_jumps_a_repository_ranks_first_for_an_empty_query() {
    let env = TestEnv::new();
    for name in ["alpha", "beta", "zeta"] {
        let url = format!("https://github.com/team/{name}.git");
        env.ok(&["register", "--no-fetch", &url]);
        working_copy(
            &env,
            &env.root().join(format!("home/src/github.com/team/{name}")),
            &url,
        );
    }
    env.ok(&[
        "import",
        "scan",
        env.root().join("home/src").to_str().unwrap(),
    ]);
    assert_eq!(
        env.ok(&["pick", "--filter", ""]),
        "team/alpha\nteam/beta\nteam/zeta\n"
    );
    let head = env.head();
    let mut bash = Command::new("bash");
    env.isolate(&mut bash);
    bash.env("REPODEX_HOME", env.registry())
        .env("REPODEX_OFFLINE", "1")
        .args([
            "--norc",
            "-c",
            "eval \"$(repodex shell-init bash)\"; for i in 1 2 3; do rcd zeta || exit; done; pwd",
        ])
        .current_dir(env.work());
    let run = Run::from(bash.output().unwrap());
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        format!(
            "{}\n",
            env.root().join("home/src/github.com/team/zeta").display()
        )
    );
    assert_eq!(
        env.ok(&["pick", "--filter", ""]),
        "team/zeta\nteam/alpha\nteam/beta\n"
    );
    // A use lifts a repository among the matches, not above better ones.
    assert_eq!(env.ok(&["pick", "--filter", "alpha"]), "team/alpha\n");
    // Per machine: nothing committed, nothing in the work tree.
    assert_eq!(env.head(), head);
    assert!(env.registry().join(".git/repodex/uses.json").is_file());
    let term = Terminal::start(&env, &["bash", "--norc", "--noprofile"], &[]);
    term.line("repodex pick");
    let screen = term.wait_for("the list", |s| s.contains("3/3"));
    assert_eq!(screen.lines().nth(2), Some("> * team/zeta"), "{screen}");
    term.keys(&["Escape"]);
}

/// Several folders of one repository: the shell function (and `resolve --print path`)
/// takes the one under the clone root and says how to go to the others; WORD picks
/// another; --all lists them; a repository with no clone is cloned into the clone root
/// first; --cmd renames the function.
#[test]
fn the_jump_clones_what_has_no_clone_and_chooses_among_several() {
    let env = TestEnv::online();
    let upstreams = Upstreams::new(&env);
    upstreams.create(&env, "lib", "main", &[("README", "lib\n")]);
    let daemon = GitDaemon::start(&upstreams);
    env.ok(&["register", "--no-fetch", &daemon.url("lib")]);
    let shell = |script: &str| {
        let mut bash = Command::new("bash");
        env.isolate(&mut bash);
        bash.env("REPODEX_HOME", env.registry())
            .args(["--norc", "-c", script])
            .current_dir(env.work());
        Run::from(bash.output().unwrap())
    };
    let place = env.root().join("home/src/127.0.0.1/lib");
    let run = shell("eval \"$(repodex shell-init bash)\"; rcd lib && pwd");
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, format!("{}\n", place.display()));
    assert!(
        run.stderr
            .contains("repodex: lib had no clone here; cloned it into ~/src/127.0.0.1/lib\n"),
        "{run:?}"
    );
    assert_eq!(
        git_in(&env, &place, &["remote", "get-url", "origin"]),
        format!("{}\n", daemon.url("lib"))
    );

    // A second clone elsewhere: the one under the clone root is still the one.
    let other = env.root().join("home/work/lib-42");
    env.ok(&["clone", "lib", other.to_str().unwrap()]);
    let run = shell("eval \"$(repodex shell-init bash --cmd j)\"; j lib && pwd");
    assert_eq!(run.stdout, format!("{}\n", place.display()), "{run:?}");
    assert_eq!(
        run.stderr,
        "repodex: lib has 2 folders here; this is the first; `j lib lib-42` goes to ~/work/lib-42\n"
    );
    let run = shell("eval \"$(repodex shell-init bash --cmd j)\"; j lib lib-42 && pwd");
    assert_eq!(run.stdout, format!("{}\n", other.display()), "{run:?}");
    let run = shell("eval \"$(repodex shell-init bash)\"; rcd lib nowhere; echo \"$? $PWD\"");
    assert_eq!(run.stdout, format!("2 {}\n", env.work().display()));
    assert_eq!(
        run.stderr,
        format!(
            "repodex: error: no folder of 'lib' here has 'nowhere' in its path; its folders: {}, {}\n",
            place.display(),
            other.display()
        )
    );
    // resolve --print path: the first; --all: each, in that order.
    assert_eq!(
        env.ok(&["resolve", "lib", "--print", "path"]),
        format!("{}\n", place.display())
    );
    assert_eq!(
        env.ok(&["resolve", "lib", "--print", "path", "--all"]),
        format!("{}\n{}\n", place.display(), other.display())
    );
    let error = env.fails(2, &["resolve", "lib", "--print", "url", "--all"]);
    assert_eq!(
        error,
        "repodex: error: --all needs --print path (the one value an entry can have several of)"
    );
    let error = env.fails(2, &["shell-init", "bash", "--cmd", "j k"]);
    assert_eq!(
        error,
        "repodex: error: 'j k' is not a name for a shell command; give letters, digits, '_' and '-', starting with a letter or '_'"
    );
}

/// `repodex open` hands the page to $BROWSER as one argument, `%s` where it says, to
/// the first command of BROWSER that is installed; --print prints it; a repository on
/// this machine has no page; with no browser at all, the message says what to set.
#[test]
fn open_hands_the_page_to_the_browser_as_one_argument() {
    let env = TestEnv::new();
    three_entries(&env);
    let tool = env.make_repo("tool");
    env.ok(&["register", tool.to_str().unwrap()]);
    let browser = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/browser/record-args");
    let record = env.root().join("browser-record");
    let open = |browser_var: &str, args: &[&str]| {
        let _ = std::fs::remove_file(&record);
        let mut cmd = env.command(args);
        cmd.env("BROWSER", browser_var)
            .env("BROWSER_RECORD", &record);
        let run = Run::from(cmd.output().unwrap());
        (run, std::fs::read_to_string(&record).unwrap_or_default())
    };
    let (run, recorded) = open(browser.to_str().unwrap(), &["open", "mk"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(recorded, "1\nhttps://github.com/edobry/minsky\n");
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        format!(
            "repodex: opened https://github.com/edobry/minsky with {}\n",
            browser.display()
        )
    );
    let with_options = format!("/nowhere/firefox:{} --new-window %s", browser.display());
    let (run, recorded) = open(&with_options, &["open", "acme/api"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(recorded, "2\n--new-window\nhttps://github.com/acme/api\n");
    let (run, recorded) = open(browser.to_str().unwrap(), &["open", "mk", "--print"]);
    assert_eq!(run.stdout, "https://github.com/edobry/minsky\n");
    assert_eq!(recorded, "");
    let (run, _) = open(browser.to_str().unwrap(), &["open", "tool"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        run.stderr,
        format!(
            "repodex: error: 'tool' is a repository on this machine ({}), not on a forge; --print path prints where it is\n",
            tool.canonicalize().unwrap().display()
        )
    );
    // No BROWSER, and no xdg-open on PATH.
    let mut cmd = env.command(&["open", "mk"]);
    cmd.env_remove("BROWSER").env("PATH", "/nowhere");
    let run = Run::from(cmd.output().unwrap());
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stderr,
        "repodex: error: cannot find a browser to open https://github.com/edobry/minsky (BROWSER is not set, and xdg-open is not installed); set BROWSER to your browser's command, or print the page with `repodex open REF --print`\n"
    );
}

/// A team declares what its own servers run, once, in the shared registry: pages and
/// owner/repo follow each kind's shapes (GitHub Enterprise, GitLab, Gitea/Forgejo,
/// Bitbucket Server); an undeclared server's refusal says how to declare it, keeping
/// what is declared; the older case_insensitive_hosts is still read.
#[test]
fn a_team_declares_its_servers_by_kind_and_open_and_resolve_follow() {
    let env = TestEnv::new();
    let urls = [
        ("ghe", "git@github.acme.com:platform/api.git"),
        ("lab", "https://gitlab.acme.com/group/sub/tool.git"),
        ("tea", "ssh://git@gitea.acme.com:2222/ops/deploy.git"),
        ("bb", "https://bitbucket.acme.com/scm/plat/billing.git"),
        ("other", "https://git.elsewhere.org/team/app.git"),
    ];
    for (name, url) in urls {
        env.ok(&["register", "--no-fetch", url, "--name", name]);
    }
    // Not declared yet: how to declare it.
    let error = env.fails(2, &["resolve", "lab", "--print", "web"]);
    assert_eq!(
        error,
        "repodex: error: 'lab' is on gitlab.acme.com (https://gitlab.acme.com/group/sub/tool.git), which this registry does not declare as a forge; declare what that server runs, for everyone who shares the registry: `repodex settings set hosts gitlab.acme.com=KIND` with KIND one of github (Enterprise), gitlab, gitea (Forgejo too), bitbucket-server"
    );
    let out = env.run(&[
        "settings",
        "set",
        "hosts",
        "github.acme.com=github,gitlab.acme.com=gitlab,gitea.acme.com=forgejo,bitbucket.acme.com=bitbucket-server",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let settings = std::fs::read_to_string(env.registry().join("registry.toml")).unwrap();
    assert!(
        settings.contains("[hosts]\n\"github.acme.com\" = \"github\"\n\"gitlab.acme.com\" = \"gitlab\"\n\"gitea.acme.com\" = \"forgejo\"\n\"bitbucket.acme.com\" = \"bitbucket-server\"\n"),
        "{settings}"
    );
    for (name, web, forge) in [
        (
            "ghe",
            "https://github.acme.com/platform/api",
            "platform/api",
        ),
        (
            "lab",
            "https://gitlab.acme.com/group/sub/tool",
            "group/sub/tool",
        ),
        ("tea", "https://gitea.acme.com/ops/deploy", "ops/deploy"),
        (
            "bb",
            "https://bitbucket.acme.com/projects/PLAT/repos/billing",
            "PLAT/billing",
        ),
    ] {
        assert_eq!(
            env.ok(&["resolve", name, "--print", "web"]),
            format!("{web}\n")
        );
        assert_eq!(env.ok(&["open", name, "--print"]), format!("{web}\n"));
        assert_eq!(
            env.ok(&["resolve", name, "--print", "forge"]),
            format!("{forge}\n")
        );
    }
    // Declared, so names ignore case there, as on the public forges.
    assert_eq!(
        env.ok(&["resolve", "https://GitLab.acme.com/Group/Sub/Tool"]),
        "https://gitlab.acme.com/group/sub/tool.git\n"
    );
    let error = env.fails(2, &["open", "other", "--print"]);
    assert_eq!(
        error,
        "repodex: error: 'other' is on git.elsewhere.org (https://git.elsewhere.org/team/app.git), which this registry does not declare as a forge; declare what that server runs, for everyone who shares the registry: `repodex settings set hosts bitbucket.acme.com=bitbucket-server,gitea.acme.com=forgejo,github.acme.com=github,gitlab.acme.com=gitlab,git.elsewhere.org=KIND` with KIND one of github (Enterprise), gitlab, gitea (Forgejo too), bitbucket-server"
    );
    let error = env.fails(2, &["settings", "set", "hosts", "git.elsewhere.org=cgit"]);
    assert_eq!(
        error,
        "repodex: error: hosts cannot be 'git.elsewhere.org=cgit': 'cgit' is not a kind of server repodex knows (github, gitlab, gitea, forgejo, bitbucket-server, case-insensitive); `repodex settings` shows each setting and its default"
    );
    // The older setting: read as case-insensitive, no more; it is not grown.
    let error = env.fails(
        2,
        &[
            "settings",
            "set",
            "case_insensitive_hosts",
            "git.elsewhere.org",
        ],
    );
    assert_eq!(
        error,
        "repodex: error: case_insensitive_hosts cannot be 'git.elsewhere.org': it is the older form of hosts, still read but no longer set; declare them there: `repodex settings set hosts git.elsewhere.org=case-insensitive`; `repodex settings` shows each setting and its default"
    );
    let settings = std::fs::read_to_string(env.registry().join("registry.toml")).unwrap();
    env.hand_commit(
        "registry.toml",
        &settings.replace(
            "[hosts]",
            "case_insensitive_hosts = [\"git.elsewhere.org\"]\n\n[hosts]",
        ),
    );
    assert_eq!(
        env.ok(&["resolve", "https://git.elsewhere.org/TEAM/App"]),
        "https://git.elsewhere.org/team/app.git\n"
    );
    env.fails(2, &["resolve", "other", "--print", "web"]);
}
