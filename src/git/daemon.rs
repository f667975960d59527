//! Opening TCP connections to git daemons (`git://`), for gix's fetches and for the
//! remote helper's `connect`.
//!
//! Two things about the socket decide how fast a refresh of many repositories is, and
//! neither is gix's default:
//!
//! - **No Nagle.** git's request is many small pkt-lines written one by one; with
//!   Nagle's algorithm each write after the first waits for the server's ACK, which the
//!   server delays by 40 ms because it is waiting for the rest of the request. The
//!   socket is opened with `TCP_NODELAY`.
//! - **Quick retries of a dropped connect.** `git daemon` listens with a backlog of 5.
//!   When more connects arrive at once than that, the kernel drops the extra SYNs and
//!   the client's TCP tries again only after a second. A connect that is not answered in
//!   a quarter of a second is therefore abandoned and made again (then after half a
//!   second, then a second), within the caller's deadline.
//! - **Few unanswered connects.** A connection waits in the backlog from the moment it
//!   is made until the daemon accepts it, and the daemon answers (its first byte) only
//!   after accepting it. This process keeps at most [`UNANSWERED`] connections to one
//!   daemon that have not yet been answered ([`Dialed`] holds a permit until its first
//!   read returns), so its own connects never overflow the backlog, however many
//!   fetches run at once once answered.

use std::collections::BTreeMap;
use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// The waits for one connect before it is made again; the last one repeats until the
/// deadline.
const ATTEMPTS: [Duration; 3] = [
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_millis(1000),
];

/// The most connections to one daemon that this process keeps made and not yet
/// answered: below `git daemon`'s backlog of 5, with room for one other client.
pub const UNANSWERED: usize = 4;

/// The unanswered connections of this process, per daemon address.
static UNANSWERED_TO: Mutex<BTreeMap<SocketAddr, usize>> = Mutex::new(BTreeMap::new());
static ANSWERED: Condvar = Condvar::new();

/// One of a daemon's [`UNANSWERED`] places, given back when dropped.
#[derive(Debug)]
struct Permit(SocketAddr);

impl Permit {
    /// Wait until fewer than [`UNANSWERED`] connections to `address` are unanswered, at
    /// most until `deadline`.
    fn take(address: SocketAddr, deadline: Instant) -> io::Result<Permit> {
        let mut counts = UNANSWERED_TO.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let count = counts.entry(address).or_default();
            if *count < UNANSWERED {
                *count += 1;
                return Ok(Permit(address));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("{address} did not answer the connections before this one"),
                ));
            }
            counts = ANSWERED
                .wait_timeout(counts, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut counts = UNANSWERED_TO.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = counts.get_mut(&self.0) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.0);
            }
        }
        ANSWERED.notify_all();
    }
}

/// A connection to a git daemon, which holds its daemon's permit until its first read
/// returns (the daemon answered, closed or failed) or it is dropped.
#[derive(Debug)]
pub struct Dialed {
    stream: TcpStream,
    permit: Option<Permit>,
}

impl Dialed {
    /// A second handle on the socket, for writing (it holds no permit).
    pub fn try_clone(&self) -> io::Result<TcpStream> {
        self.stream.try_clone()
    }
}

impl io::Read for Dialed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.stream.read(buf);
        if !matches!(&read, Err(e) if e.kind() == io::ErrorKind::Interrupted) {
            self.permit = None;
        }
        read
    }
}

impl io::Write for Dialed {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

/// Connect to `host:port` within `within`, with `TCP_NODELAY` set, once fewer than
/// [`UNANSWERED`] of this process's connections to it wait for their answer.
pub fn dial(host: &str, port: u16, within: Duration) -> io::Result<Dialed> {
    let addresses: Vec<SocketAddr> = (host.trim_matches(['[', ']']), port)
        .to_socket_addrs()?
        .collect();
    let Some(&first) = addresses.first() else {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{host} has no address"),
        ));
    };
    let deadline = Instant::now() + within;
    let permit = Permit::take(first, deadline)?;
    let mut attempt = 0;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("{host}:{port} did not accept the connection"),
            ));
        }
        let wait = ATTEMPTS[attempt.min(ATTEMPTS.len() - 1)].min(left);
        attempt += 1;
        match TcpStream::connect_timeout(&first, wait) {
            Ok(stream) => {
                stream.set_nodelay(true)?;
                return Ok(Dialed {
                    stream,
                    permit: Some(permit),
                });
            }
            Err(e) if e.kind() == io::ErrorKind::TimedOut => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listening_port_is_reached_without_nagle() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let dialed = dial("127.0.0.1", port, Duration::from_secs(5)).unwrap();
        assert!(dialed.stream.nodelay().unwrap());
    }

    #[test]
    fn a_fifth_connect_waits_until_one_of_four_is_answered() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut open: Vec<Dialed> = (0..UNANSWERED)
            .map(|_| dial("127.0.0.1", port, Duration::from_secs(5)).unwrap())
            .collect();
        assert!(open.iter().all(|d| d.permit.is_some()));
        let err = dial("127.0.0.1", port, Duration::from_millis(50)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
        assert!(err.to_string().contains("did not answer"), "{err}");
        // The daemon answers the first one: its permit is given back at its first read.
        let (mut first, _) = listener.accept().unwrap();
        first.write_all(b"0000").unwrap();
        let mut answer = [0u8; 4];
        open[0].read_exact(&mut answer).unwrap();
        assert!(open[0].permit.is_none());
        let fifth = dial("127.0.0.1", port, Duration::from_millis(50)).unwrap();
        assert!(fifth.permit.is_some());
        // A connection dropped unanswered gives its permit back too.
        open.pop();
        dial("127.0.0.1", port, Duration::from_millis(50)).unwrap();
    }

    #[test]
    fn a_closed_port_fails_at_once_with_its_own_error() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let err = dial("127.0.0.1", port, Duration::from_secs(5)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    }
}
