//! The examples of README.md and docs/guide.md, run as a newcomer would run them.
//!
//! Every fenced `console` and `sh` block of each file in [`DOCUMENTS`] runs, in the
//! order of the file, in one fresh machine per file: its own HOME (repodex's defaults
//! under it: `~/.local/share/repodex/registry`, `~/.config/repodex`), the built
//! `repodex`, `repodex-cli` and `git-remote-repodex` first on PATH, and no network
//! (`REPODEX_OFFLINE=1`) unless a block says otherwise. Each line is run by bash, so
//! pipes, `$(...)`, `~` and `# comments` work as they do for a reader.
//!
//! - In a `console` block, `$ COMMAND` lines are commands (a line ending in `\`
//!   continues), and the lines under one are what the terminal shows (stdout and
//!   stderr together), compared line by line: `...` on a line of its own stands for any
//!   number of lines, `[..]` for any text within a line, and the test's HOME is shown
//!   as `/home/me`. A command with no lines under it may print anything. A command must
//!   succeed unless the lines under it show a `repodex: error:`.
//! - In an `sh` block every command line runs and must succeed; its output is not
//!   compared.
//! - An HTML comment on the line before a block, invisible to readers, says how to run
//!   it: `<!-- docs-test: not run: REASON -->` leaves it out (the reason is the
//!   documentation of why); `<!-- docs-test: setup: COMMANDS -->` runs COMMANDS (bash)
//!   first, to give the block what the prose assumes (a folder, a repository);
//!   `<!-- docs-test: online -->` lets its commands use the network (the tests' own
//!   servers, set up by a `setup:`); `<!-- docs-test: fresh -->` starts a new machine
//!   (an empty HOME) for it and what follows; `<!-- docs-test: env: NAME=VALUE -->` sets
//!   a variable for it and what follows (a leading `~/` is HOME).
//! - Commit ids (seven or more hex digits with a digit among them) match any commit id
//!   of the same length, runs of spaces match runs of spaces (table columns line up by
//!   the real HOME's length), and the notices repodex prints on stderr (`repodex: ...`
//!   lines) are compared only where the block shows one: the examples show results.
//!
//! A new chapter of docs/guide.md is tested as soon as it is written: give its blocks
//! the comments they need, and run `cargo test --test cli docs::`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The documents whose examples run, relative to the crate root.
const DOCUMENTS: &[&str] = &["README.md", "docs/guide.md"];

/// What the examples' `/home/me` is.
const SHOWN_HOME: &str = "/home/me";

/// One fenced block, with the directives before it.
#[derive(Debug)]
struct Block {
    /// `file:line` of its opening fence.
    at: String,
    lang: String,
    body: Vec<String>,
    not_run: Option<String>,
    setup: Vec<String>,
    online: bool,
    fresh: bool,
    env: Vec<(String, String)>,
}

/// The directives seen since the last block.
#[derive(Default)]
struct Directives {
    not_run: Option<String>,
    setup: Vec<String>,
    online: bool,
    fresh: bool,
    env: Vec<(String, String)>,
}

/// The console and sh blocks of `text`.
fn blocks(file: &str, text: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut directives = Directives::default();
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let trimmed = line.trim();
        if let Some(directive) = trimmed
            .strip_prefix("<!-- docs-test:")
            .and_then(|d| d.strip_suffix("-->"))
        {
            let directive = directive.trim();
            if let Some(reason) = directive.strip_prefix("not run:") {
                directives.not_run = Some(reason.trim().to_string());
            } else if let Some(commands) = directive.strip_prefix("setup:") {
                directives.setup.push(commands.trim().to_string());
            } else if let Some(pair) = directive.strip_prefix("env:") {
                let (name, value) = pair.trim().split_once('=').expect("env: NAME=VALUE");
                directives.env.push((name.to_string(), value.to_string()));
            } else if directive == "online" {
                directives.online = true;
            } else if directive == "fresh" {
                directives.fresh = true;
            } else {
                panic!(
                    "{file}:{}: unknown docs-test directive {directive:?}",
                    n + 1
                );
            }
            continue;
        }
        let Some(lang) = trimmed.strip_prefix("```") else {
            if !trimmed.is_empty() {
                directives = Directives::default();
            }
            continue;
        };
        let mut body = Vec::new();
        for (_, line) in lines.by_ref() {
            if line.trim() == "```" {
                break;
            }
            body.push(line.to_string());
        }
        let taken = std::mem::take(&mut directives);
        if lang == "console" || lang == "sh" {
            found.push(Block {
                at: format!("{file}:{}", n + 1),
                lang: lang.to_string(),
                body,
                not_run: taken.not_run,
                setup: taken.setup,
                online: taken.online,
                fresh: taken.fresh,
                env: taken.env,
            });
        }
    }
    found
}

/// A command of a block and the lines shown under it (`None` for an sh block).
struct Step {
    command: String,
    shown: Option<Vec<String>>,
}

fn steps(block: &Block) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut continued = false;
    for line in &block.body {
        let command_line = if block.lang == "console" {
            line.strip_prefix("$ ")
        } else {
            let t = line.trim();
            (!t.is_empty() && !t.starts_with('#')).then_some(line.as_str())
        };
        if continued {
            let last = steps.last_mut().unwrap();
            last.command.push('\n');
            last.command.push_str(line);
            continued = line.ends_with('\\');
            continue;
        }
        match command_line {
            Some(command) => {
                continued = command.ends_with('\\');
                steps.push(Step {
                    command: command.to_string(),
                    shown: (block.lang == "console").then(Vec::new),
                });
            }
            None => {
                if let Some(Step {
                    shown: Some(shown), ..
                }) = steps.last_mut()
                {
                    shown.push(line.to_string());
                }
            }
        }
    }
    steps
}

/// Does `actual` match the `shown` lines (`...` any lines, `[..]` any text)?
fn matches(shown: &[String], actual: &[&str]) -> bool {
    match shown.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first.trim() == "..." => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual.split_first().is_some_and(|(line, more)| {
            line_matches(first.trim_end(), line) && matches(rest, more)
        }),
    }
}

fn line_matches(pattern: &str, line: &str) -> bool {
    // Columns line up by the length of the real HOME, not of `/home/me`: spaces between
    // words compare as one.
    let spaced = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let (pattern, line) = (
        spaced(&without_commit_ids(pattern)),
        spaced(&without_commit_ids(line)),
    );
    let mut parts = pattern.split("[..]");
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = line.as_str().strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// `text` with each commit id (a word of seven to forty hex digits, one a digit at
/// least) written as that many `#`.
fn without_commit_ids(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let id = (7..=40).contains(&word.len())
            && word
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            && word.chars().any(|c| c.is_ascii_digit());
        if id {
            out.extend(std::iter::repeat_n('#', word.len()));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// A machine for one document: a HOME with nothing of repodex in it.
struct Machine {
    root: tempfile::TempDir,
    /// Variables the document's blocks have set (`env:`).
    env: Vec<(String, String)>,
}

impl Machine {
    fn new() -> Machine {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("home")).unwrap();
        Machine {
            root,
            env: Vec::new(),
        }
    }

    fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    /// Run `script` with bash in HOME; stdout and stderr together, as a terminal shows
    /// them, with HOME written as the examples write it.
    fn run(&self, script: &str, online: bool) -> (i32, String) {
        let bin = Path::new(env!("CARGO_BIN_EXE_repodex")).parent().unwrap();
        let mut path = vec![bin.to_path_buf()];
        path.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let mut cmd = Command::new("bash");
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            if key.starts_with("REPODEX_") || key.starts_with("GIT_") || key.starts_with("XDG_") {
                cmd.env_remove(&key);
            }
        }
        cmd.env("HOME", self.home())
            .env("PATH", std::env::join_paths(path).unwrap())
            .env("LC_ALL", "C")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Me")
            .env("GIT_AUTHOR_EMAIL", "me@example.com")
            .env("GIT_COMMITTER_NAME", "Me")
            .env("GIT_COMMITTER_EMAIL", "me@example.com")
            .env("TOKEN", "tok-from-the-docs")
            .args(["-c", &format!("set -o pipefail\n{script}\n")])
            .current_dir(self.home())
            // A command that prompts (`creds set`) reads the token from its input.
            .stdin(std::process::Stdio::piped());
        for (name, value) in &self.env {
            match value.strip_prefix("~/") {
                Some(rest) => cmd.env(name, self.home().join(rest)),
                None => cmd.env(name, value),
            };
        }
        if !online {
            cmd.env("REPODEX_OFFLINE", "1");
        }
        // One stream, in the order written, as on a terminal.
        let (reader, writer) = std::io::pipe().unwrap();
        cmd.stdout(writer.try_clone().unwrap()).stderr(writer);
        let mut child = cmd.spawn().unwrap();
        drop(cmd);
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            let _ = stdin.write_all(b"tok-from-the-docs\n");
        }
        let mut output = String::new();
        std::io::Read::read_to_string(&mut { reader }, &mut output).unwrap();
        let code = child.wait().unwrap().code().unwrap_or(-1);
        let home = self.home().display().to_string();
        (code, output.replace(&home, SHOWN_HOME))
    }
}

/// Run the examples of `file`; returns what did not go as shown.
fn run_document(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
    let mut machine = Machine::new();
    let mut failures = Vec::new();
    for block in blocks(file, &text) {
        if block.not_run.is_some() {
            continue;
        }
        if block.fresh {
            machine = Machine::new();
        }
        machine.env.extend(block.env.iter().cloned());
        for setup in &block.setup {
            let (code, output) = machine.run(setup, block.online);
            if code != 0 {
                failures.push(format!(
                    "{}: setup `{setup}` failed ({code}):\n{output}",
                    block.at
                ));
            }
        }
        for step in steps(&block) {
            let (code, output) = machine.run(&step.command, block.online);
            let shows_notices = step
                .shown
                .as_ref()
                .is_some_and(|s| s.iter().any(|l| l.starts_with("repodex: ")));
            let actual: Vec<&str> = output
                .lines()
                .map(str::trim_end)
                .filter(|l| shows_notices || !l.starts_with("repodex: "))
                .collect();
            let expects_error = step
                .shown
                .as_ref()
                .is_some_and(|s| s.iter().any(|l| l.contains("repodex: error:")));
            let ok_code = if expects_error { code != 0 } else { code == 0 };
            let ok_output = match &step.shown {
                Some(shown) if !shown.is_empty() => matches(shown, &actual),
                _ => true,
            };
            if !ok_code || !ok_output {
                failures.push(format!(
                    "{}: `{}` exited {code}; the docs show:\n{}\nit printed:\n{}",
                    block.at,
                    step.command,
                    step.shown.as_deref().unwrap_or_default().join("\n"),
                    output.trim_end()
                ));
            }
        }
    }
    failures
}

#[test]
fn the_readme_examples_run_as_shown() {
    let failures = run_document(DOCUMENTS[0]);
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn the_guide_examples_run_as_shown() {
    let failures = run_document(DOCUMENTS[1]);
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn every_example_block_runs_or_says_why_not() {
    for file in DOCUMENTS {
        let text =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
        for block in blocks(file, &text) {
            if let Some(reason) = &block.not_run {
                assert!(reason.len() > 10, "{}: say why it is not run", block.at);
            }
        }
    }
}

#[test]
fn shown_output_matches_with_wildcards() {
    let shown = |s: &str| s.lines().map(str::to_string).collect::<Vec<_>>();
    assert!(matches(&shown("a\n...\nd"), &["a", "b", "c", "d"]));
    assert!(matches(&shown("a\n...\nb"), &["a", "b"]));
    assert!(!matches(&shown("a\nb"), &["a", "b", "c"]));
    assert!(matches(&shown("x [..] z"), &["x y z"]));
    assert!(matches(&shown("[..]: created"), &["abc: created"]));
    assert!(!matches(&shown("x [..] z"), &["x y"]));
    assert!(matches(&shown("5d1c2e0 alias m"), &["9a8b7c6 alias m"]));
    assert!(!matches(&shown("5d1c2e0 alias m"), &["9a8b7c6 alias n"]));
    assert!(!matches(&shown("facadeb x"), &["0123456 x"]));
}
