//! `shell-init`: the shell code that defines the jump function, as zoxide's `init`
//! does: a small template per shell (`shell/init.*`), the work in `repodex jump`.

use super::{CmdResult, Outcome};
use repodex::ops::error::Refused;

/// Print the shell code of a command that goes to a repository's clone by name: rcd mk
///
/// Add one line to the shell's start-up file. The command (rcd, or the name --cmd
/// gives) goes to a clone of a repository by any reference, cloning it into the clone
/// root first when it has none; `rcd REF WORD` goes to the clone whose path contains
/// WORD; `rcd` alone picks one from a list. Names and aliases complete.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  echo 'eval \"$(repodex shell-init bash)\"' >> ~/.bashrc\n  echo 'eval \"$(repodex shell-init zsh)\"' >> ~/.zshrc     # after compinit\n  echo 'repodex shell-init fish | source' >> ~/.config/fish/config.fish\n  eval \"$(repodex shell-init bash --cmd j)\"                # j mk"
)]
pub struct Args {
    /// The shell
    #[arg(value_enum)]
    shell: Shell,
    /// The name of the command it defines
    #[arg(long, value_name = "NAME", default_value = "rcd")]
    cmd: String,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Shell {
    Bash,
    Zsh,
    Fish,
}

pub fn run(args: Args) -> CmdResult {
    let name_ok = args
        .cmd
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && args.cmd.len() <= 64
        && args
            .cmd
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !name_ok {
        return Err(Refused::BadCommandName { name: args.cmd }.into());
    }
    let template = match args.shell {
        Shell::Bash => include_str!("shell/init.bash"),
        Shell::Zsh => include_str!("shell/init.zsh"),
        Shell::Fish => include_str!("shell/init.fish"),
    };
    let code = template
        .replace("__REPODEX__", &program()?)
        .replace("__CMD__", &args.cmd);
    out!("{code}");
    Ok(Outcome::Success)
}

/// How the code runs repodex: `command repodex` when this program was run from PATH
/// (so that an alias or function of that name does not step in), else its path, in
/// double quotes, which mean the same in bash, zsh and fish for a path without quotes,
/// `$`, backslashes or backquotes (refused, as they would mean something else).
fn program() -> repodex::Result<String> {
    let run_as = std::env::args_os().next().unwrap_or_default();
    if std::path::Path::new(&run_as).components().count() == 1 {
        return Ok(format!("command {}", repodex::context::FRONT_PROGRAM));
    }
    let path = repodex::context::front_program()?;
    let text = path.display().to_string();
    if text
        .chars()
        .any(|c| "\"'$`\\".contains(c) || c.is_control())
    {
        return Err(Refused::QuoteInPath { path }.into());
    }
    Ok(format!("\"{text}\""))
}
