//! Text from elsewhere, made safe to show.

/// A string from the registry, a remote or a file, made safe for a terminal: control
/// characters (C0, DEL, C1) and the bidirectional overrides that reorder what a line
/// seems to say (U+202A to U+202E, U+2066 to U+2069) are shown escaped (`\u{1b}`), so
/// that a teammate's description or a remote's branch name cannot move the cursor,
/// recolour the screen or disguise itself. Every human-readable line, and every error
/// an MCP client gets, goes through it.
pub fn safe(value: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !value.chars().any(unsafe_char) {
        return value.into();
    }
    value
        .chars()
        .map(|c| {
            if unsafe_char(c) {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// An error and its causes on one line, each said once: error chains from lower layers
/// can span lines, and ours are one line.
pub(crate) fn one_line(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
