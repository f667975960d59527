use super::{exit, render, CmdResult, Context, Outcome};
use repodex::git::status::{CloneState, Head, Operation};
use repodex::ops::status::{self, Request, State};

/// Show the state of your clones: branch, upstream, local changes, one line each
///
/// Every recorded clone, or those of the repositories selected. It reads the clones and
/// repodex's mirrors only (no network unless --fetch), and says what
/// `git status --porcelain=v2 --branch --show-stash` says in each, under your git
/// configuration.
///
/// SYNC, against the current branch's upstream as last fetched: `=` even, `↑N` N
/// commits ahead, `↓N` N behind, `gone` the upstream branch was deleted, `-` no
/// upstream; `⇣` after it: the default branch is behind what repodex last saw upstream
/// (`repodex pull` brings it). LOCAL: `+N` staged, `~N` changed, `?N` untracked,
/// `!N` conflicted, `$N` stashes, `^N` local branches pushed nowhere, `clean` none of
/// these; `gone` the folder is not there any more (`repodex prune` forgets it).
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  repodex status\n  repodex status --tag work --fetch\n  repodex status 'acme/*' --json\n  repodex status --exit-code >/dev/null || echo 'something needs attention'"
)]
pub struct Args {
    /// Names, aliases, URLs, paths or name globs (acme/*) [default: every clone]
    #[arg(add = super::complete::references())]
    references: Vec<String>,
    #[command(flatten)]
    select: super::select::Args,
    /// Fetch each clone's remotes first (no prompt; repodex's credentials for their URLs)
    #[arg(long)]
    fetch: bool,
    /// How many clones to read or fetch at once [default: the number of cores]
    #[arg(long, short, value_parser = clap::value_parser!(u16).range(1..=64))]
    jobs: Option<u16>,
    /// Exit with 1 when any clone needs attention (changes, ahead or behind, an
    /// operation in progress, pushed nowhere, gone), as `git diff --exit-code` does
    #[arg(long)]
    exit_code: bool,
    /// Print the report as JSON (docs/json.md)
    #[arg(long)]
    json: bool,
}

pub fn run(ctx: &Context, args: Args) -> CmdResult {
    let request = Request {
        selection: args.select.selection(args.references),
        fetch: args.fetch,
        jobs: args.jobs.map_or_else(default_jobs, usize::from),
    };
    let report = status::status(ctx, &request, &|_| {})?;
    if args.json {
        super::print_json(&report);
    } else {
        let home = &ctx.dirs().home;
        let rows: Vec<Vec<String>> = report
            .clones
            .iter()
            .map(|row| {
                let (branch, sync, local) = cells(&row.state);
                vec![
                    row.name.clone(),
                    branch,
                    sync,
                    local,
                    render::home_path(&row.path, home),
                ]
            })
            .collect();
        render::table(&["NAME", "BRANCH", "SYNC", "LOCAL", "PATH"], &rows);
        for row in &report.clones {
            if let State::Unreadable { reason } = &row.state {
                errln!("repodex: warning: {}: {}", row.name, render::text(reason));
            }
            if let Some(error) = &row.fetch_error {
                errln!(
                    "repodex: warning: could not fetch {} ({}): {}",
                    row.name,
                    render::home_path(&row.path, home),
                    render::text(error)
                );
            }
        }
    }
    Ok(if args.exit_code && report.attention > 0 {
        Outcome::Exit(exit::FAILURE)
    } else {
        Outcome::Success
    })
}

/// One thread per core: reading clones is work for the disk and the processor.
fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// The BRANCH, SYNC and LOCAL cells of a row.
fn cells(state: &State) -> (String, String, String) {
    let read = match state {
        State::Read { read } => read,
        State::Gone => return ("-".into(), "-".into(), "gone".into()),
        State::Unreadable { .. } => return ("-".into(), "-".into(), "unreadable".into()),
    };
    (branch(read), sync(read), local(read))
}

fn branch(state: &CloneState) -> String {
    let mut cell = match &state.head {
        Head::Branch { name, commit: None } => format!("{name} (unborn)"),
        Head::Branch { name, .. } => name.clone(),
        Head::Detached { commit } => format!("({})", &commit[..commit.len().min(7)]),
    };
    if let Some(operation) = state.operation {
        cell.push_str(match operation {
            Operation::Rebase | Operation::RebaseInteractive => " [rebase]",
            Operation::Merge => " [merge]",
            Operation::CherryPick => " [cherry-pick]",
            Operation::Revert => " [revert]",
            Operation::Bisect => " [bisect]",
            Operation::ApplyMailbox => " [am]",
        });
    }
    cell
}

fn sync(state: &CloneState) -> String {
    let mut cell = match &state.upstream {
        None => "-".to_string(),
        Some(upstream) if upstream.gone => "gone".to_string(),
        Some(upstream) => {
            let (ahead, behind) = (upstream.ahead.unwrap_or(0), upstream.behind.unwrap_or(0));
            let mut cell = String::new();
            if ahead > 0 {
                cell.push_str(&format!("↑{ahead}"));
            }
            if behind > 0 {
                cell.push_str(&format!("↓{behind}"));
            }
            if cell.is_empty() {
                cell.push('=');
            }
            cell
        }
    };
    if state.default_branch.as_ref().is_some_and(|d| d.behind) {
        cell.push_str(" ⇣");
    }
    cell
}

fn local(state: &CloneState) -> String {
    let parts: Vec<String> = [
        ('+', state.staged),
        ('~', state.changed),
        ('?', state.untracked),
        ('!', state.conflicted),
        ('$', state.stashes),
        ('^', state.unpushed_branches.len()),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(symbol, n)| format!("{symbol}{n}"))
    .collect();
    if state.staged + state.changed + state.untracked + state.conflicted == 0 {
        if parts.is_empty() {
            return "clean".into();
        }
        return format!("clean {}", parts.join(" "));
    }
    parts.join(" ")
}
