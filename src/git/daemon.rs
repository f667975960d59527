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

use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The waits for one connect before it is made again; the last one repeats until the
/// deadline.
const ATTEMPTS: [Duration; 3] = [
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_millis(1000),
];

/// Connect to `host:port` within `within`, with `TCP_NODELAY` set.
pub fn dial(host: &str, port: u16, within: Duration) -> io::Result<TcpStream> {
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
                return Ok(stream);
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
        let stream = dial("127.0.0.1", port, Duration::from_secs(5)).unwrap();
        assert!(stream.nodelay().unwrap());
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
