//! The picker on the terminal: a prompt, the matches best first, the one under the
//! cursor marked. It draws on `/dev/tty`, as fzf does, because its caller's stdout is a
//! pipe (`cd "$(repodex pick --print path)"`), in the alternate screen, so that the
//! shell's screen comes back as it was. Ranking is the library's
//! ([`repodex::ops::pick::Picker`]); this is only keys and lines.
//!
//! Keys: type to filter; Backspace, Ctrl-U (clear), Ctrl-W (a word); Up/Down, Ctrl-P/N,
//! Ctrl-K/J, Tab, PageUp/PageDown to move; Enter to choose; Esc, Ctrl-C, Ctrl-G, Ctrl-Q
//! to leave without choosing.

use std::fs::File;
use std::io::{BufWriter, Write};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::style::{Attribute, Print, SetAttribute};
use crossterm::{cursor, queue, terminal};
use repodex::ops::error::Refused;
use repodex::ops::pick::{Picker, Ranked};

/// What the user did.
pub enum Picked {
    /// Chose the candidate at this index.
    Chose(usize),
    /// Left without choosing (Esc, Ctrl-C).
    Cancelled,
}

/// Let the user pick one of `picker`'s candidates, starting with `query` typed.
/// `command` names the command for the refusal when there is no terminal.
pub fn pick(picker: &mut Picker, query: &str, command: &'static str) -> repodex::Result<Picked> {
    let tty = File::options()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|e| Refused::NoTerminal {
            what: command,
            why: e.to_string(),
            instead: "`repodex pick --filter QUERY` prints the matches without one",
        })?;
    let failed = |e: std::io::Error| repodex::Error::io("cannot draw on the terminal", e);
    let mut screen = Screen::open(tty).map_err(failed)?;
    let mut state = State {
        query: query.to_string(),
        cursor: 0,
        top: 0,
    };
    let mut ranked = picker.rank(&state.query);
    loop {
        screen.draw(picker, &ranked, &mut state).map_err(failed)?;
        let Event::Key(key) = crossterm::event::read().map_err(failed)? else {
            continue; // a resize: drawn again
        };
        if key.kind == KeyEventKind::Release {
            continue;
        }
        let page = screen.rows().saturating_sub(HEADER) as usize;
        let action = action(key);
        if let Some(query) = edited(&state.query, &action) {
            state.query = query;
            ranked = picker.rank(&state.query);
            state.cursor = 0;
            continue;
        }
        match action {
            Action::Cancel => return Ok(Picked::Cancelled),
            Action::Choose => {
                if let Some(chosen) = ranked.get(state.cursor) {
                    return Ok(Picked::Chose(chosen.index));
                }
            }
            Action::Move(by) => {
                let last = ranked.len().saturating_sub(1) as isize;
                let by = by * if by.abs() > 1 { page as isize } else { 1 };
                state.cursor = (state.cursor as isize + by).clamp(0, last.max(0)) as usize;
            }
            _ => {}
        }
    }
}

/// Lines above the list: the prompt and the count.
const HEADER: u16 = 2;

struct State {
    query: String,
    /// The index in the ranked list of the line under the cursor.
    cursor: usize,
    /// The index of the first line shown.
    top: usize,
}

enum Action {
    Cancel,
    Choose,
    /// Up (-1) or down (1) a line, or a page (-2, 2).
    Move(isize),
    Type(char),
    /// Backspace.
    Erase,
    EraseWord,
    Clear,
    None,
}

fn action(key: KeyEvent) -> Action {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Esc => Action::Cancel,
        KeyCode::Char('c' | 'g' | 'q') if ctrl => Action::Cancel,
        KeyCode::Enter => Action::Choose,
        KeyCode::Up | KeyCode::BackTab => Action::Move(-1),
        KeyCode::Char('p' | 'k') if ctrl => Action::Move(-1),
        KeyCode::Down | KeyCode::Tab => Action::Move(1),
        KeyCode::Char('n' | 'j') if ctrl => Action::Move(1),
        KeyCode::PageUp => Action::Move(-2),
        KeyCode::PageDown => Action::Move(2),
        KeyCode::Backspace => Action::Erase,
        KeyCode::Char('h') if ctrl => Action::Erase,
        KeyCode::Char('u') if ctrl => Action::Clear,
        KeyCode::Char('w') if ctrl => Action::EraseWord,
        KeyCode::Char(c) if !ctrl && !key.modifiers.contains(KeyModifiers::ALT) => Action::Type(c),
        _ => Action::None,
    }
}

/// The query after an edit, or `None` for an action that is no edit.
fn edited(query: &str, action: &Action) -> Option<String> {
    let mut query = query.to_string();
    match action {
        Action::Type(c) => query.push(*c),
        Action::Erase => {
            query.pop();
        }
        Action::EraseWord => {
            let kept = query.trim_end().rfind(' ').map_or(0, |i| i + 1);
            query.truncate(kept);
        }
        Action::Clear => query.clear(),
        _ => return None,
    }
    Some(query)
}

/// The terminal in raw mode and the alternate screen, restored when dropped.
struct Screen {
    out: BufWriter<File>,
}

impl Screen {
    fn open(tty: File) -> std::io::Result<Screen> {
        terminal::enable_raw_mode()?;
        let mut screen = Screen {
            out: BufWriter::new(tty),
        };
        queue!(screen.out, terminal::EnterAlternateScreen)?;
        Ok(screen)
    }

    fn size(&self) -> (u16, u16) {
        terminal::size().unwrap_or((80, 24))
    }

    fn rows(&self) -> u16 {
        self.size().1
    }

    fn draw(
        &mut self,
        picker: &mut Picker,
        ranked: &[Ranked],
        state: &mut State,
    ) -> std::io::Result<()> {
        let (columns, rows) = self.size();
        let height = rows.saturating_sub(HEADER).max(1) as usize;
        if state.cursor < state.top {
            state.top = state.cursor;
        } else if state.cursor >= state.top + height {
            state.top = state.cursor + 1 - height;
        }
        let out = &mut self.out;
        queue!(out, terminal::Clear(terminal::ClearType::All))?;
        queue!(
            out,
            cursor::MoveTo(0, 1),
            Print(format!(
                "  {}/{}  (* has a folder here; Enter chooses, Esc leaves)",
                ranked.len(),
                picker.candidates.len()
            ))
        )?;
        let width = (columns as usize).saturating_sub(4);
        for (row, found) in ranked.iter().skip(state.top).take(height).enumerate() {
            let here = state.top + row == state.cursor;
            let candidate = &picker.candidates[found.index];
            let mark = if candidate.folders.is_empty() {
                ' '
            } else {
                '*'
            };
            let line: Vec<char> = candidate.line.chars().take(width).collect();
            let matched = picker.matched(found.index, &state.query);
            queue!(
                out,
                cursor::MoveTo(0, HEADER + row as u16),
                Print(format!("{} {mark} ", if here { '>' } else { ' ' }))
            )?;
            if here {
                queue!(out, SetAttribute(Attribute::Reverse))?;
            }
            for (i, c) in line.iter().enumerate() {
                let bold = matched.binary_search(&(i as u32)).is_ok();
                if bold {
                    queue!(out, SetAttribute(Attribute::Bold), Print(c))?;
                    queue!(out, SetAttribute(Attribute::NormalIntensity))?;
                } else {
                    queue!(out, Print(c))?;
                }
            }
            queue!(out, SetAttribute(Attribute::Reset))?;
        }
        let prompt = format!("> {}", state.query);
        let at = prompt
            .chars()
            .count()
            .min(columns.saturating_sub(1) as usize) as u16;
        queue!(
            out,
            cursor::MoveTo(0, 0),
            Print(&prompt),
            cursor::MoveTo(at, 0)
        )?;
        out.flush()
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let _ = queue!(self.out, terminal::LeaveAlternateScreen);
        let _ = self.out.flush();
        let _ = terminal::disable_raw_mode();
    }
}
