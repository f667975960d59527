//! `git-remote-repodex`: the remote helper git runs for `repodex:<name>` URLs
//! (`repodex git-setup` sends them here). All of it is `repodex::ops::remote_helper`.

use std::process::ExitCode;

fn main() -> ExitCode {
    // git runs `git-remote-repodex <remote> <address>`; the address is the name (or,
    // for a remote with `vcs = repodex`, its URL), and GIT_DIR the repository.
    let mut args = std::env::args().skip(1);
    let (remote, address) = (args.next(), args.next());
    let remote = match (remote, std::env::var_os("GIT_DIR")) {
        (Some(name), Some(git_dir)) if address.is_some() => std::path::absolute(git_dir)
            .ok()
            .map(|git_dir| repodex::ops::remote_helper::Remote { name, git_dir }),
        _ => None,
    };
    let Some(address) = address.or_else(|| std::env::args().nth(1)) else {
        eprintln!("repodex: git-remote-repodex is run by git for repodex:<name> URLs, not by hand");
        return ExitCode::from(2);
    };
    let address = address
        .strip_prefix("repodex:")
        .unwrap_or(&address)
        .to_string();
    let result = repodex::ops::remote_helper::context_for_git().and_then(|ctx| {
        repodex::ops::remote_helper::serve(
            &ctx,
            remote.as_ref(),
            &address,
            // Not locked: after `connect`, the relay reads stdin itself.
            std::io::BufReader::new(std::io::stdin()),
            std::io::stdout().lock(),
            &mut |notice| eprintln!("repodex: {notice}"),
        )
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("repodex: error: {error}");
            ExitCode::from(128)
        }
    }
}
