//! The server's stdio: one JSON-RPC message a line, read with a bound on each line, and
//! every line that is not a message answered with JSON-RPC's own error.
//!
//! rmcp's stdio transport drops a line it cannot parse, and a line over its bound, without
//! a word (to avoid error storms with peers that echo), so a client that sent one waits
//! forever. An agent host is a program of the user's; it should hear what went wrong: a
//! line that is not JSON gets a parse error (-32700), one that is JSON but not a message
//! an invalid-request error (-32600) with its `id` when it has one, and one longer than
//! [`MAX_REQUEST_BYTES`] an invalid-request error that says so, its bytes discarded as
//! they arrive (never held in memory). Unknown notifications are ignored, as the MCP
//! SDKs do.

use std::sync::Arc;

use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::RoleServer;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;

/// The longest request line the server reads: 4 MiB, the size of the largest entry.
pub const MAX_REQUEST_BYTES: usize = 4 << 20;

/// JSON-RPC's code for input that is not JSON.
const PARSE_ERROR: i64 = -32700;
/// JSON-RPC's code for JSON that is not a valid request.
const INVALID_REQUEST: i64 = -32600;

/// Lines in from `R`, messages out to `W`.
pub struct Lines<R, W> {
    read: BufReader<R>,
    line: Vec<u8>,
    /// Inside a line already refused for its size: its remaining bytes are skipped.
    discarding: bool,
    write: Arc<Mutex<W>>,
}

impl<R, W> Lines<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    pub fn new(read: R, write: W) -> Self {
        Lines {
            read: BufReader::new(read),
            line: Vec::new(),
            discarding: false,
            write: Arc::new(Mutex::new(write)),
        }
    }

    /// The next whole line in `self.line` (`Some(true)`), a line refused for its size
    /// (`Some(false)`), or `None` at the end of the input. Cancel-safe: a partial line
    /// stays in `self.line` for the next call.
    async fn next_line(&mut self) -> Option<bool> {
        loop {
            let available = match self.read.fill_buf().await {
                Ok(available) if !available.is_empty() => available,
                _ => return None,
            };
            let newline = available.iter().position(|b| *b == b'\n');
            let take = newline.map_or(available.len(), |i| i + 1);
            let outcome = if self.discarding {
                if newline.is_some() {
                    self.discarding = false;
                }
                None
            } else if self.line.len() + take > MAX_REQUEST_BYTES + 1 {
                self.line.clear();
                self.discarding = newline.is_none();
                Some(false)
            } else {
                self.line.extend_from_slice(&available[..take]);
                newline.map(|_| true)
            };
            self.read.consume(take);
            if outcome.is_some() {
                return outcome;
            }
        }
    }
}

/// Write one JSON value as a line.
async fn answer<W: AsyncWrite + Unpin>(write: &Mutex<W>, value: &Value) -> std::io::Result<()> {
    let mut bytes = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    let mut write = write.lock().await;
    write.write_all(&bytes).await?;
    write.flush().await
}

/// A JSON-RPC error answer.
fn error(id: Value, code: i64, message: String) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// What to do with a line that did not parse as a message: the answer to give, or
/// `None` to ignore it (a notification this server does not know).
fn refusal(line: &[u8], e: &serde_json::Error) -> Option<Value> {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof => Some(error(
            Value::Null,
            PARSE_ERROR,
            format!("parse error: {e}; send one JSON-RPC message a line"),
        )),
        Category::Data | Category::Io => {
            let value: Value = serde_json::from_slice(line).unwrap_or(Value::Null);
            let id = value.get("id").cloned();
            if id.is_none() && value.get("method").is_some_and(Value::is_string) {
                return None;
            }
            Some(error(
                id.unwrap_or(Value::Null),
                INVALID_REQUEST,
                format!("invalid request: {e}"),
            ))
        }
    }
}

impl<R, W> rmcp::transport::Transport<RoleServer> for Lines<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl std::future::Future<Output = Result<(), Self::Error>> + Send + 'static {
        let write = self.write.clone();
        let bytes = serde_json::to_vec(&item).map(|mut bytes| {
            bytes.push(b'\n');
            bytes
        });
        async move {
            let bytes = bytes.map_err(std::io::Error::other)?;
            let mut write = write.lock().await;
            write.write_all(&bytes).await?;
            write.flush().await
        }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            let whole = self.next_line().await?;
            if !whole {
                let refused = error(
                    Value::Null,
                    INVALID_REQUEST,
                    format!(
                        "the request is larger than the {MAX_REQUEST_BYTES} bytes repodex's MCP server reads; send smaller requests"
                    ),
                );
                answer(&self.write, &refused).await.ok()?;
                continue;
            }
            let line = std::mem::take(&mut self.line);
            let mut text = line.strip_suffix(b"\n").unwrap_or(&line);
            text = text.strip_suffix(b"\r").unwrap_or(text);
            text = text.strip_prefix(b"\xef\xbb\xbf").unwrap_or(text);
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice(text) {
                Ok(message) => return Some(message),
                Err(e) => {
                    if let Some(refusal) = refusal(text, &e) {
                        answer(&self.write, &refusal).await.ok()?;
                    }
                }
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.write.lock().await.flush().await
    }
}
