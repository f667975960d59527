//! The remote helper's `connect` capability (gitremote-helpers(7)): git asks for a
//! service (`git-upload-pack`, `git-receive-pack`) and from then on talks to it directly
//! through the helper's stdin and stdout, so a clone or push through `repodex:<name>`
//! costs what one through the URL costs: one connection, git's own negotiation.
//!
//! Done here for the transports where the helper can open that connection itself:
//! `git://` (a TCP connection and git daemon's request line) and repositories on this
//! machine (`git upload-pack <path>`). For the others (https, which is stateless, and
//! ssh, whose configuration belongs to the user's ssh), the helper answers `fallback`
//! and git uses its `fetch` and `push` capabilities, which run git against the URL.

use std::io::Write;
use std::net::Shutdown;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::url::{GitUrl, Scheme};
use crate::{Error, Result};

/// How long to wait for a git daemon to accept the connection before falling back.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A service connection, opened and not yet used.
pub enum Connection {
    Tcp(super::daemon::Dialed),
    Local { service: &'static str, path: String },
}

/// Open `service` at `url`, or `None` when this transport (or this moment: the daemon
/// is unreachable) calls for git's own fetch and push instead. `protocol` is the version
/// git asked for (`GIT_PROTOCOL`), passed on to a git daemon.
pub fn open(url: &GitUrl, service: &str, protocol: Option<&str>) -> Option<Connection> {
    let service: &'static str = match service {
        "git-upload-pack" => "git-upload-pack",
        "git-receive-pack" => "git-receive-pack",
        _ => return None,
    };
    match url.scheme() {
        Scheme::Git => {
            let host = url.host()?;
            let port = url.port().unwrap_or(9418);
            let mut stream = super::daemon::dial(host, port, CONNECT_TIMEOUT).ok()?;
            // git daemon's request line, as git's own connect.c writes it, with the
            // protocol version git asked for (GIT_PROTOCOL) as its extra parameter.
            let host_port = match url.port() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_string(),
            };
            let mut request = format!("{service} {}\0host={host_port}\0", url.path());
            if let Some(protocol) = protocol {
                request.push('\0');
                request.push_str(protocol);
                request.push('\0');
            }
            let packet = format!("{:04x}{request}", request.len() + 4);
            stream.write_all(packet.as_bytes()).ok()?;
            Some(Connection::Tcp(stream))
        }
        Scheme::File => Some(Connection::Local {
            service,
            path: url.local_path()?.to_string(),
        }),
        _ => None,
    }
}

impl Connection {
    /// Relay this process's stdin to the service and the service's output to stdout,
    /// until the service is done. Call after telling git the connection is up.
    pub fn relay(self) -> Result<()> {
        match self {
            Connection::Tcp(stream) => {
                let mut up = stream
                    .try_clone()
                    .map_err(|e| Error::io("cannot use the connection", e))?;
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut std::io::stdin(), &mut up);
                    let _ = up.shutdown(Shutdown::Write);
                });
                // Each chunk is flushed at once: stdout is line-buffered, and git's
                // packets (a flush packet `0000`) end without a newline.
                let mut down = stream;
                let mut stdout = std::io::stdout();
                let mut buffer = vec![0u8; 64 * 1024];
                let broken = |e| Error::io("cannot relay the remote's answer", e);
                loop {
                    let n = match std::io::Read::read(&mut down, &mut buffer) {
                        Ok(0) => break,
                        Ok(n) => n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(broken(e)),
                    };
                    stdout.write_all(&buffer[..n]).map_err(broken)?;
                    stdout.flush().map_err(broken)?;
                }
                Ok(())
            }
            Connection::Local { service, path } => {
                // `git upload-pack <path>` talks on the stdin and stdout it inherits;
                // GIT_PROTOCOL passes through the environment.
                let status = Command::new("git")
                    .arg(service.trim_start_matches("git-"))
                    .arg("--")
                    .arg(&path)
                    .stdin(Stdio::inherit())
                    .stdout(Stdio::inherit())
                    .status()
                    .map_err(|e| Error::io(format!("cannot run git {service}"), e))?;
                if status.success() {
                    Ok(())
                } else {
                    Err(Error::GitCommand {
                        what: format!("serve {service} for {path}"),
                        reason: format!("git {service} exited with {status}"),
                    })
                }
            }
        }
    }
}
