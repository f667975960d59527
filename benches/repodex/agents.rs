//! Agents: the same lookups through one `repodex mcp` session and through one
//! `repodex` process each.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use super::harness::{side_by_side, Bench, Row};

/// One MCP session's input: the handshake, then a `tools/call` of `tool` per name.
fn session(tool: &str, names: &[String]) -> String {
    let mut text = String::new();
    text.push_str(r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}"#);
    text.push('\n');
    text.push_str(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    text.push('\n');
    for (i, name) in names.iter().enumerate() {
        let call = serde_json::json!({
            "jsonrpc": "2.0", "id": i + 1, "method": "tools/call",
            "params": {"name": tool, "arguments": {"reference": name}},
        });
        writeln!(text, "{call}").unwrap();
    }
    text
}

/// `repodex mcp` reading `input` (a file) on its stdin.
fn mcp(bench: &Bench, registry: &Path, input: &Path) -> Command {
    let mut cmd = bench.repodex(registry, &["--offline", "mcp"]);
    cmd.stdin(std::fs::File::open(input).unwrap());
    cmd
}

/// Check, untimed, that the session answers every call with a result: the server
/// must not stop at the end of its input before it has done the work.
fn check_answers(bench: &Bench, registry: &Path, input: &Path, calls: usize) {
    let out = mcp(bench, registry, input)
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let answered = text
        .lines()
        .filter(|l| l.contains(r#""isError":false"#))
        .count();
    assert_eq!(
        answered, calls,
        "repodex mcp answered {answered} of {calls} calls"
    );
}

pub fn rows(bench: &Bench, registry: &Path, n: usize, names: &[String], r: usize) -> Vec<Row> {
    let calls = names.len();
    let mut rows = Vec::new();
    for (tool, cli) in [
        ("resolve", vec!["resolve"]),
        ("show", vec!["info", "--json"]),
    ] {
        let input = bench.dir.path().join(format!("mcp-{tool}.jsonl"));
        std::fs::write(&input, session(tool, names)).unwrap();
        check_answers(bench, registry, &input, calls);
        let mut script = String::new();
        for name in names {
            let cmd: Vec<String> = std::iter::once("\"$REPODEX\" --offline".to_string())
                .chain(cli.iter().map(|a| a.to_string()))
                .chain([format!("'{name}'"), ">/dev/null || exit 1".into()])
                .collect();
            script.push_str(&cmd.join(" "));
            script.push('\n');
        }
        let (ours, base) = side_by_side(
            r,
            true,
            |_| {},
            |_| mcp(bench, registry, &input),
            |_| {
                let mut cmd = bench.sh(registry, &script);
                cmd.env("REPODEX", &bench.repodex)
                    .env("REPODEX_HOME", registry);
                cmd
            },
        );
        rows.push(Row::time(
            format!(
                "{calls} `{tool}` calls by name at {n}: one repodex mcp session (start, handshake, calls)"
            ),
            ours,
            base,
            format!("{calls} `repodex {}` processes, the same names", cli.join(" ")),
            1.0,
            r,
        ));
    }
    rows
}
