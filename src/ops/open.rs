//! `open`: a repository's page in the user's browser.
//!
//! The page is the one `resolve --print web` prints (a public forge, or a server the
//! registry declares in `hosts`). It is handed to `BROWSER` (each of its `:`-separated
//! commands in turn, `%s` standing for the page or the page added last, as `sensible-browser`
//! reads it), else to the platform's opener (`xdg-open`, `open`), always as one argument
//! of a program run directly, never through a shell: a page is only ever an `https://`
//! or `http://` URL without spaces or control characters, so no part of it can become
//! a command or an option.

use std::process::Command;

use serde::Serialize;

use super::error::Refused;
use crate::{Context, Error, Result};

/// A page and the entry it belongs to.
#[derive(Debug, Serialize)]
pub struct Page {
    pub name: String,
    /// The page (`https://...`).
    pub url: String,
    /// The program that opened it; `None` when only printed.
    pub opened_with: Option<String>,
}

/// The page of the entry `reference` names, checked to be a web URL.
pub fn page(ctx: &Context, reference: &str) -> Result<Page> {
    let root = super::clone_root::CloneRoot::of(ctx).ok();
    let registry = ctx.open()?;
    let ways = super::lookup::ways_in(&registry, reference, root.as_ref())?;
    let url = match &ways.web_url {
        Some(url) => url.clone(),
        None => return Err(super::resolve::no_page(&registry, &ways)),
    };
    check_page(&url)?;
    Ok(Page {
        name: ways.name,
        url,
        opened_with: None,
    })
}

/// Open the page of the entry `reference` names in the user's browser.
pub fn open(ctx: &Context, reference: &str) -> Result<Page> {
    let mut page = page(ctx, reference)?;
    page.opened_with = Some(launch(ctx, &page.url)?);
    Ok(page)
}

/// Is `url` a page to hand a browser: `https://` or `http://`, with nothing a program
/// could read as more than one argument?
fn check_page(url: &str) -> Result<()> {
    let web = url.starts_with("https://") || url.starts_with("http://");
    if !web || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Refused::NotAWebPage {
            url: url.to_string(),
        }
        .into());
    }
    Ok(())
}

/// Run the user's browser on `url` and wait for it; returns the program that ran.
fn launch(ctx: &Context, url: &str) -> Result<String> {
    let browsers = ctx.browser();
    let commands: Vec<Vec<String>> = match &browsers {
        Some(list) => list
            .split(':')
            .map(|command| command.split_whitespace().map(str::to_string).collect())
            .filter(|words: &Vec<String>| !words.is_empty())
            .collect(),
        None => vec![vec![platform_opener().to_string()]],
    };
    for words in &commands {
        let (program, args) = words.split_first().expect("no empty command");
        let mut args: Vec<String> = args.to_vec();
        if args.iter().any(|a| a.contains("%s")) {
            for arg in &mut args {
                *arg = arg.replace("%s", url);
            }
        } else {
            args.push(url.to_string());
        }
        match Command::new(program).args(&args).status() {
            Ok(status) if status.success() => return Ok(program.clone()),
            Ok(status) => {
                return Err(Error::io(
                    format!("{program} did not open {url}"),
                    std::io::Error::other(format!("it ended with {status}")),
                ))
            }
            // Not installed: the next command of BROWSER, as sensible-browser does.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::io(format!("cannot run {program}"), e)),
        }
    }
    Err(Error::Environment {
        what: format!("a browser to open {url}"),
        why: match browsers {
            Some(list) => format!("no command of BROWSER ({list}) is installed"),
            None => format!("BROWSER is not set, and {} is not installed", platform_opener()),
        },
        fix: "set BROWSER to your browser's command, or print the page with `repodex open REF --print`".into(),
    })
}

/// The program this platform opens a URL with in the user's browser.
fn platform_opener() -> &'static str {
    if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    }
}
