//! Finding your way (issue 35): the picker's matching over a large registry, in its
//! non-interactive mode (`pick --filter`), against fzf's over the names `list --names`
//! gives it; and the shell function's jump to a clone against the `cd "$(repodex
//! resolve NAME --print path)"` a user would otherwise write.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::harness::{run, side_by_side, Bench, Row};

/// A registry of `n` entries with aliases, tags and descriptions, imported from an
/// export file, as a team brings in its list.
fn registry(bench: &Bench, n: usize) -> PathBuf {
    let mut text = String::from("format = 1\n\n");
    for i in 0..n {
        let owner = format!("owner{}", i % 500);
        let _ = write!(
            text,
            "[[repository]]\nname = \"{owner}/project-{i}\"\nurl = \"https://git.example.com/{owner}/project-{i}.git\"\naliases = [\"p{i}\"]\ntags = [\"team{}\", \"bench\"]\ndescription = \"Benchmark project number {i}, owned by {owner}\"\nadded = 2026-01-01T00:00:00Z\n\n",
            i % 7,
        );
    }
    let export = bench.dir.path().join(format!("find-export-{n}.toml"));
    std::fs::write(&export, text).unwrap();
    let dir = bench.dir.path().join(format!("find-registry-{n}"));
    let mut import = bench.repodex(&dir, &["import", "file"]);
    import.arg(&export);
    run(&mut import);
    dir
}

/// Is `program` on this machine's PATH?
fn installed(bench: &Bench, program: &str) -> bool {
    bench
        .sh(bench.dir.path(), &format!("command -v {program}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A bash command with the registry `registry`, and repodex's folder first on PATH.
fn shell(bench: &Bench, registry: &Path, script: &str) -> Command {
    let mut cmd = Command::new("bash");
    bench.isolate(&mut cmd);
    cmd.current_dir(bench.dir.path())
        .args(["--norc", "--noprofile", "-c", script]);
    let bin = bench.repodex.parent().unwrap().to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    cmd.env("REPODEX_HOME", registry).env("PATH", path);
    cmd
}

pub fn rows(bench: &Bench) -> Vec<Row> {
    let (n, r) = if bench.quick {
        (1_000, 5)
    } else {
        (10_000, 15)
    };
    eprintln!("building a registry of {n} entries for the picker…");
    let registry = registry(bench, n);
    let mut rows = Vec::new();

    // A query as one types it: a few letters of an owner and a number.
    let query = "own7 proj 42";
    if installed(bench, "fzf") {
        let (ours, base) = side_by_side(
            r,
            true,
            |_| {},
            |_| bench.repodex(&registry, &["pick", "--filter", query]),
            |_| {
                shell(
                    bench,
                    &registry,
                    &format!("repodex list --names | fzf --filter '{query}'"),
                )
            },
        );
        rows.push(Row::time(
            format!(
                "pick --filter '{query}' over {n} entries (names, aliases, tags, descriptions)"
            ),
            ours,
            base,
            "repodex list --names, piped to fzf --filter (names only)".into(),
            1.0,
            r,
        ));
    } else {
        eprintln!("fzf is not installed: the pick --filter row is left out (.ci/run installs it)");
    }

    // One of them cloned, in its place under the clone root, recorded by import scan.
    let name = format!("owner{}/project-{}", (n / 2) % 500, n / 2);
    let clone = bench
        .dir
        .path()
        .join("home/src/git.example.com")
        .join(&name);
    std::fs::create_dir_all(&clone).unwrap();
    run(&mut bench.git(&clone, &["init", "-q", "-b", "main"]));
    run(&mut bench.git(
        &clone,
        &[
            "remote",
            "add",
            "origin",
            &format!("https://git.example.com/{name}.git"),
        ],
    ));
    let scanned = bench.dir.path().join("home/src").display().to_string();
    run(&mut bench.repodex(&registry, &["import", "scan", &scanned]));
    let init = bench.dir.path().join("find-init.bash");
    let code = bench
        .repodex(&registry, &["shell-init", "bash"])
        .output()
        .unwrap();
    assert!(code.status.success(), "shell-init bash failed");
    std::fs::write(&init, code.stdout).unwrap();
    // Like for like: both in a bash that ends in the clone, or fails.
    let check = format!("[ \"$PWD\" = '{}' ]", clone.display());
    let (ours, base) = side_by_side(
        r * 2,
        true,
        |_| {},
        |_| {
            let mut cmd = shell(
                bench,
                &registry,
                &format!(". '{}' && rcd {name} && {check}", init.display()),
            );
            cmd.env("REPODEX_OFFLINE", "1");
            cmd
        },
        |_| {
            shell(
                bench,
                &registry,
                &format!("cd \"$(repodex resolve {name} --print path)\" && {check}"),
            )
        },
    );
    rows.push(Row::time(
        format!("the shell function's jump to a cloned repository among {n}"),
        ours,
        base,
        "cd \"$(repodex resolve NAME --print path)\"".into(),
        1.5,
        r * 2,
    ));
    rows
}
