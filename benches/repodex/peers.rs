//! The tools users would pick instead of repodex, run on the same data when they are
//! installed (see the README: gita, mu-repo and vcstool from PyPI, myrepos from Debian).
//! A peer that is not installed is left out of the table, and said so on stderr.
//!
//! What each does differently, for the rows' labels and the README:
//! - `gita` records working copies' paths (a CSV file) and runs git in them in parallel;
//! - `mu` (mu-repo) records paths in `.mu_repo` and runs git in them;
//! - `vcs` (vcstool) keeps no registry: it reads a YAML list of repositories, or exports
//!   one from the working copies it finds;
//! - `mr` (myrepos) keeps `.mrconfig`, a list of paths with the command that checks
//!   each out, and runs those commands, `-j` at a time.
//!
//! All of them clone and update working copies (a checkout), where repodex keeps bare
//! mirrors and asks remotes what changed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::harness::{round_robin, Bench};

/// The peers this machine has, by program name.
pub fn installed(bench: &Bench) -> Vec<&'static str> {
    let mut found = Vec::new();
    for program in ["gita", "mu", "vcs", "mr"] {
        let here = bench
            .sh(bench.dir.path(), &format!("command -v {program}"))
            .output()
            .is_ok_and(|o| o.status.success());
        if here {
            found.push(program);
        } else {
            eprintln!("{program} is not installed: its rows are left out (README: Benchmark)");
        }
    }
    found
}

/// The files each peer reads its list of repositories from, for `urls`, cloned into
/// `dest` as `u0`, `u1`, ...
pub struct Lists {
    /// `URL NAME` per line, for `xargs`.
    pub pairs: PathBuf,
    /// gita's clone file (`gita freeze`'s format): URL, name, path.
    pub gita: PathBuf,
    /// vcstool's YAML.
    pub vcs: PathBuf,
}

pub fn lists(dir: &Path, urls: &[String], dest: impl Fn(&str) -> PathBuf) -> Lists {
    std::fs::create_dir_all(dir).unwrap();
    let name = |i: usize| format!("u{i}");
    let mut pairs = String::new();
    let mut gita = String::new();
    let mut vcs = String::from("repositories:\n");
    for (i, url) in urls.iter().enumerate() {
        pairs.push_str(&format!("{url} {}\n", name(i)));
        gita.push_str(&format!(
            "{url},{},{}\n",
            name(i),
            dest("gita").join(name(i)).display()
        ));
        vcs.push_str(&format!("  {}:\n    type: git\n    url: {url}\n", name(i)));
    }
    let lists = Lists {
        pairs: dir.join("pairs.txt"),
        gita: dir.join("gita.csv"),
        vcs: dir.join("repos.yaml"),
    };
    std::fs::write(&lists.pairs, pairs).unwrap();
    std::fs::write(&lists.gita, gita).unwrap();
    std::fs::write(&lists.vcs, vcs).unwrap();
    lists
}

/// myrepos' `.mrconfig` in `dest`, checking out each of `urls` as `u<i>`, trusted (mr
/// refuses to run commands from a config outside HOME that `~/.mrtrust` does not list).
pub fn write_mrconfig(bench: &Bench, dest: &Path, urls: &[String]) {
    let mut config = String::new();
    for (i, url) in urls.iter().enumerate() {
        config.push_str(&format!(
            "[u{i}]\ncheckout = git clone -q '{url}' 'u{i}'\n\n"
        ));
    }
    std::fs::create_dir_all(dest).unwrap();
    std::fs::write(dest.join(".mrconfig"), config).unwrap();
    let trust = bench.dir.path().join("home/.mrtrust");
    let mut trusted = std::fs::read_to_string(&trust).unwrap_or_default();
    let line = format!("{}\n", dest.join(".mrconfig").display());
    if !trusted.contains(&line) {
        trusted.push_str(&line);
        std::fs::write(&trust, trusted).unwrap();
    }
}

/// A peer's command, with gita's state kept in `gita_home`.
pub fn command(bench: &Bench, dir: &Path, gita_home: &Path, script: &str) -> Command {
    let mut cmd = bench.sh(dir, script);
    cmd.env("GITA_PROJECT_HOME", gita_home);
    cmd
}

/// What each peer runs to clone every repository of [`Lists`] into `dest`, 8 at a time
/// where it takes a number (gita starts them all at once), and what the row says.
pub fn first_update(peer: &str, lists: &Lists, dest: &Path) -> (String, String) {
    let dest = dest.display();
    match peer {
        "gita" => (
            format!("gita clone -C {dest} -f {}", lists.gita.display()),
            "gita clone -f (working copies, all at once)".into(),
        ),
        "vcs" => (
            format!(
                "vcs import -w 8 --input {} {dest} >/dev/null",
                lists.vcs.display()
            ),
            "vcs import -w 8 (working copies)".into(),
        ),
        "mr" => (
            format!("cd {dest} && mr -q -j 8 checkout >/dev/null"),
            "mr -j 8 checkout (working copies)".into(),
        ),
        "mu" => (
            // mu-repo clones one base URL's repositories; it has no list to clone from.
            String::new(),
            String::new(),
        ),
        _ => unreachable!("a known peer"),
    }
}

/// What each peer runs to update the working copies [`first_update`] made in `dest`.
pub fn unchanged_update(peer: &str, dest: &Path) -> (String, String) {
    let dest = dest.display();
    match peer {
        "gita" => (
            "gita fetch >/dev/null".into(),
            "gita fetch (git fetch in each, in parallel)".into(),
        ),
        "vcs" => (
            format!("vcs pull -w 8 {dest} >/dev/null"),
            "vcs pull -w 8 (git pull in each)".into(),
        ),
        "mr" => (
            format!("cd {dest} && mr -q -j 8 update >/dev/null"),
            "mr -j 8 update (git pull in each)".into(),
        ),
        "mu" => (String::new(), String::new()),
        _ => unreachable!("a known peer"),
    }
}

/// Time `ours` against each script of `scripts` (run in its folder, with gita's state in
/// `gita_home`), in turn ([`round_robin`]): ours first, then each script's, medians.
pub fn against(
    bench: &Bench,
    repeats: usize,
    prepare: impl FnMut(usize),
    ours: &mut dyn FnMut(usize) -> Command,
    scripts: &[(String, PathBuf)],
    gita_home: &Path,
) -> Vec<Duration> {
    let mut theirs: Vec<Box<dyn FnMut(usize) -> Command + '_>> = scripts
        .iter()
        .map(|(script, dir)| {
            Box::new(move |_| command(bench, dir, gita_home, script))
                as Box<dyn FnMut(usize) -> Command + '_>
        })
        .collect();
    let mut commands: Vec<&mut dyn FnMut(usize) -> Command> = vec![ours];
    for command in theirs.iter_mut() {
        commands.push(command.as_mut());
    }
    round_robin(repeats, true, prepare, &mut commands)
}
