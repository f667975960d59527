//! The command line's two streams: results on stdout, everything else on stderr.
//!
//! Every line repodex prints goes through here (`outln!`, `out!`, `errln!`, `say!`, and
//! [`stdout`] for writers such as the JSON and table renderers), never through
//! `println!`, which panics when its reader has gone.
//!
//! A reader that stops early (`repodex log | head -1`) closes the pipe, and the next
//! write fails with a broken pipe. From then on stdout output is dropped: the command
//! finishes what it was doing, so that nothing is left half done, and ends with the
//! exit status it would have had, with no message (docs/exit-codes.md: 0 for a command
//! that succeeded, as ripgrep does, so that `set -o pipefail` scripts that take the first
//! lines go on). Any other failure to write the output (a full disk) is reported once,
//! at the end, as a failure underneath. Output to stderr is written when it can be and
//! dropped when it cannot: there is nowhere left to say so.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// The reader of stdout has gone: nothing more is written there.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// The first error writing stdout other than a closed pipe.
static FAILED: Mutex<Option<std::io::Error>> = Mutex::new(None);

/// Print one line on stdout.
macro_rules! outln {
    () => {
        $crate::output::write_out(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Print on stdout, without a line break.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write_out(format_args!($($arg)*))
    };
}

/// Print one line on stderr (errors and warnings: `--quiet` never hides them).
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::output::write_err(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Write `text` on stdout, unless its reader has gone.
pub fn write_out(text: std::fmt::Arguments) {
    if !CLOSED.load(Ordering::Relaxed) {
        // stdout is line-buffered: a line is written (or fails) here.
        absorb(std::io::stdout().lock().write_fmt(text));
    }
}

/// Write `text` on stderr, if it can be.
pub fn write_err(text: std::fmt::Arguments) {
    let _ = std::io::stderr().lock().write_fmt(text);
}

/// stdout as a writer (buffered; flush it or drop it) that never fails: once the
/// reader has gone, what is written is dropped; another error is kept for [`finish`].
pub fn stdout() -> Stdout {
    Stdout(std::io::BufWriter::with_capacity(
        1 << 16,
        std::io::stdout().lock(),
    ))
}

pub struct Stdout(std::io::BufWriter<std::io::StdoutLock<'static>>);

/// Take note of how a write to stdout went.
fn absorb(result: std::io::Result<()>) {
    if let Err(error) = result {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            FAILED
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_or_insert(error);
        }
        CLOSED.store(true, Ordering::Relaxed);
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !CLOSED.load(Ordering::Relaxed) {
            let result = self.0.write_all(buf);
            absorb(result);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !CLOSED.load(Ordering::Relaxed) {
            let result = self.0.flush();
            absorb(result);
        }
        Ok(())
    }
}

impl Drop for Stdout {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// After the command: the error writing stdout, if there was one other than a closed
/// pipe (which ends a command quietly).
pub fn finish() -> Option<std::io::Error> {
    if !CLOSED.load(Ordering::Relaxed) {
        absorb(std::io::stdout().lock().flush());
    }
    FAILED.lock().unwrap_or_else(|e| e.into_inner()).take()
}
