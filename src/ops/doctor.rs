//! `repodex doctor`: the registry's own check ([`crate::store::doctor`]) and this
//! machine's setup around it, as warnings: git-setup in place while git will not find
//! `git-remote-repodex`, and a saved completion script that registers another command
//! than `repodex` (as scripts printed before repodex 0.3 did: the path of the binary),
//! which never fires.

use std::path::PathBuf;

use crate::store::doctor::{Finding, Report};
use crate::store::Registry;
use crate::{Context, Result};

/// Check the registry and this machine's setup for it.
pub fn doctor(ctx: &Context, registry: &Registry) -> Result<Report> {
    let mut report = registry.doctor()?;
    let setup = super::git_setup::GitSetup::locate(ctx);
    if setup.follows(registry.root()) {
        if let Err(missing) = super::git_setup::helper_git_finds(ctx) {
            report.warnings.push(Finding {
                path: setup.generated().display().to_string(),
                message: format!(
                    "git-setup is in place, but git will not find {} ({}), so `git clone repodex:<name>` fails; {}",
                    super::git_setup::HELPER_PROGRAM,
                    missing.why,
                    missing.fix
                ),
            });
        }
    }
    for (script, shell) in saved_completion_scripts(ctx) {
        let Ok(text) = std::fs::read_to_string(&script) else {
            continue;
        };
        if let Some(registered) = registered_command(&text) {
            if registered != crate::context::FRONT_PROGRAM {
                report.warnings.push(Finding {
                    path: script.display().to_string(),
                    message: format!(
                        "this {shell} completion script registers '{registered}', not 'repodex', so it never completes; write it again: repodex completions {shell} > {}",
                        script.display()
                    ),
                });
            }
        }
    }
    Ok(report)
}

/// Where shells load saved completion scripts from, for each shell: where docs/guide.md
/// says to save them, and the user folders the shells' own completion systems read.
fn saved_completion_scripts(ctx: &Context) -> Vec<(PathBuf, &'static str)> {
    let dirs = ctx.dirs();
    vec![
        (dirs.config.join("fish/completions/repodex.fish"), "fish"),
        (
            dirs.data.join("bash-completion/completions/repodex"),
            "bash",
        ),
        (dirs.home.join(".zfunc/_repodex"), "zsh"),
        (dirs.data.join("zsh/site-functions/_repodex"), "zsh"),
    ]
}

/// The command a completion script (clap's, for bash, zsh or fish) registers itself
/// for: bash's `complete ... -F _clap_complete_NAME COMMAND`, zsh's `#compdef
/// COMMAND`, fish's `complete ... --command COMMAND`.
fn registered_command(script: &str) -> Option<String> {
    let unquoted = |word: &str| word.trim_matches(|c| c == '\'' || c == '"').to_string();
    for line in script.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("#compdef ") {
            return rest.split_whitespace().next().map(unquoted);
        }
        if !line.starts_with("complete ") {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if let Some(at) = words.iter().position(|w| *w == "--command" || *w == "-c") {
            return words.get(at + 1).map(|w| unquoted(w));
        }
        if words.contains(&"-F") {
            return words.last().map(|w| unquoted(w));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::registered_command;

    #[test]
    fn the_registered_command_is_read_from_each_shells_script() {
        let bash = "_clap_complete_repodex() {\n}\n    complete -o nospace -o bashdefault -o nosort -F _clap_complete_repodex /home/me/.cargo/bin/repodex\n";
        assert_eq!(
            registered_command(bash).as_deref(),
            Some("/home/me/.cargo/bin/repodex")
        );
        assert_eq!(
            registered_command("#compdef repodex\nfunction x() {}\n").as_deref(),
            Some("repodex")
        );
        let fish =
            "complete --keep-order --exclusive --command '/opt/bin/repodex' --arguments \"(x)\"\n";
        assert_eq!(
            registered_command(fish).as_deref(),
            Some("/opt/bin/repodex")
        );
        assert_eq!(registered_command("echo hello\n"), None);
    }
}
