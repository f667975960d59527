//! Real git servers on 127.0.0.1 for the tests: `git daemon` for git://, and smart HTTP
//! through `git http-backend` behind a small HTTP server that counts what it serves.
//! Upstream repositories are made by the tests in temporary folders.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::support::{git_in, TestEnv};

/// A folder of bare repositories that the servers serve.
pub struct Upstreams {
    pub root: PathBuf,
}

impl Upstreams {
    pub fn new(env: &TestEnv) -> Upstreams {
        let root = env.root().join("upstreams");
        std::fs::create_dir_all(&root).unwrap();
        Upstreams { root }
    }

    /// A bare repository `name.git` whose default branch is `branch`, with one commit
    /// holding `files`. Returns the path of a working clone to push more commits from.
    pub fn create(
        &self,
        env: &TestEnv,
        name: &str,
        branch: &str,
        files: &[(&str, &str)],
    ) -> PathBuf {
        let work = env.root().join("upstream-work").join(name);
        std::fs::create_dir_all(&work).unwrap();
        git_in(env, &work, &["init", "-q", "-b", branch]);
        write_files(&work, files);
        git_in(env, &work, &["add", "-A"]);
        git_in(env, &work, &["commit", "-qm", "first"]);
        let bare = self.root.join(format!("{name}.git"));
        git_in(
            env,
            &work,
            &["clone", "-q", "--bare", ".", bare.to_str().unwrap()],
        );
        git_in(
            env,
            &work,
            &["remote", "add", "origin", bare.to_str().unwrap()],
        );
        work
    }

    /// Commit `files` in a working clone made by [`Upstreams::create`] and push it.
    pub fn commit(&self, env: &TestEnv, work: &Path, message: &str, files: &[(&str, &str)]) {
        write_files(work, files);
        git_in(env, work, &["add", "-A"]);
        git_in(env, work, &["commit", "-qm", message]);
        git_in(env, work, &["push", "-q", "origin", "HEAD"]);
    }
}

fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, content).unwrap();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for(port: u16) {
    for _ in 0..200 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("nothing listens on 127.0.0.1:{port}");
}

/// `git daemon` serving the upstreams on 127.0.0.1; stopped when dropped.
pub struct GitDaemon {
    pub port: u16,
    child: Child,
}

impl GitDaemon {
    pub fn start(upstreams: &Upstreams) -> GitDaemon {
        GitDaemon::serve(upstreams, false)
    }

    /// A daemon that also accepts pushes, for a registry shared through it.
    pub fn start_with_push(upstreams: &Upstreams) -> GitDaemon {
        GitDaemon::serve(upstreams, true)
    }

    fn serve(upstreams: &Upstreams, push: bool) -> GitDaemon {
        let port = free_port();
        // Run git-daemon itself: `git daemon` is a wrapper process, and killing it would
        // leave the daemon serving.
        let exec_path = Command::new("git")
            .arg("--exec-path")
            .output()
            .unwrap()
            .stdout;
        let exec_path = PathBuf::from(String::from_utf8(exec_path).unwrap().trim());
        let child = Command::new(exec_path.join("git-daemon"))
            .args(["--reuseaddr", "--export-all", "--listen=127.0.0.1"])
            .args(push.then_some("--enable=receive-pack"))
            .arg(format!("--port={port}"))
            .arg(format!("--base-path={}", upstreams.root.display()))
            .arg(&upstreams.root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for(port);
        GitDaemon { port, child }
    }

    pub fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}.git", self.port)
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the HTTP server has seen.
#[derive(Default)]
pub struct Counts {
    /// TCP connections accepted.
    pub connections: AtomicUsize,
    /// Requests that asked for a pack (protocol v2 `command=fetch`, or v0/v1 wants).
    pub fetches: AtomicUsize,
    /// Requests refused for missing or wrong credentials.
    pub refused: AtomicUsize,
    /// Requests that carried an `Authorization` header, whatever its value.
    pub authorized: AtomicUsize,
}

/// Smart HTTP on 127.0.0.1: each request runs `git http-backend` as a CGI program.
/// Stops accepting when dropped.
pub struct HttpServer {
    pub port: u16,
    pub counts: Arc<Counts>,
    stop: Arc<AtomicBool>,
    scheme: &'static str,
}

/// How an [`HttpServer`] serves: TLS, and Basic auth it requires.
#[derive(Clone, Default)]
pub struct HttpOptions {
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// `(username, password)` every request must carry.
    pub basic_auth: Option<(String, String)>,
    /// Answer every request with `302 Found` to this base URL (`https://127.0.0.1:PORT`)
    /// and the same path, as a server that moved or an attacker's would.
    pub redirect_to: Option<String>,
    /// `(path prefix, username, password)`: requests under that path (`/app.git`) need
    /// these instead of `basic_auth`, as repositories of one host with other owners.
    pub basic_auth_by_path: Vec<(String, String, String)>,
}

impl HttpOptions {
    /// A server that requires Basic auth as `user` with `password` (over TLS when given).
    pub fn basic_auth(tls: Option<Arc<rustls::ServerConfig>>, user: &str, password: &str) -> Self {
        HttpOptions {
            tls,
            basic_auth: Some((user.to_string(), password.to_string())),
            ..Default::default()
        }
    }
}

/// A certificate authority and a server certificate for 127.0.0.1, made with openssl in
/// `dir`. Returns the TLS configuration and the CA file that clients should trust.
pub fn tls_for_localhost(dir: &Path) -> (Arc<rustls::ServerConfig>, PathBuf) {
    use rustls::pki_types::pem::PemObject;
    std::fs::create_dir_all(dir).unwrap();
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"][..],
            &ec,
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=repodex test CA",
            ],
        ]
        .concat(),
    );
    openssl(
        &[
            &["req"][..],
            &ec,
            &[
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=127.0.0.1",
            ],
        ]
        .concat(),
    );
    std::fs::write(
        dir.join("ext.cnf"),
        "basicConstraints=CA:FALSE
subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth
",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    let certs = rustls::pki_types::CertificateDer::pem_file_iter(dir.join("server.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = rustls::pki_types::PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    (Arc::new(config), dir.join("ca.pem"))
}

impl HttpServer {
    pub fn start(upstreams: &Upstreams) -> HttpServer {
        HttpServer::start_with(upstreams, HttpOptions::default())
    }

    pub fn start_with(upstreams: &Upstreams, options: HttpOptions) -> HttpServer {
        let scheme = if options.tls.is_some() {
            "https"
        } else {
            "http"
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let counts = Arc::new(Counts::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (root, c, s) = (upstreams.root.clone(), counts.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                c.connections.fetch_add(1, Ordering::Relaxed);
                let (root, c, options) = (root.clone(), c.clone(), options.clone());
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
                    let _ = match &options.tls {
                        Some(tls) => match rustls::ServerConnection::new(tls.clone()) {
                            Ok(connection) => serve(
                                rustls::StreamOwned::new(connection, stream),
                                &root,
                                &c,
                                &options,
                            ),
                            Err(_) => Ok(()),
                        },
                        None => serve(stream, &root, &c, &options),
                    };
                });
            }
        });
        HttpServer {
            port,
            counts,
            stop,
            scheme,
        }
    }

    pub fn url(&self, name: &str) -> String {
        format!("{}://127.0.0.1:{}/{name}.git", self.scheme, self.port)
    }

    /// Requests that carried an `Authorization` header.
    pub fn authorized(&self) -> usize {
        self.counts.authorized.load(Ordering::Relaxed)
    }

    /// The base URL (`https://127.0.0.1:PORT`), for another server to redirect to.
    pub fn base(&self) -> String {
        format!("{}://127.0.0.1:{}", self.scheme, self.port)
    }

    /// Requests refused for missing or wrong credentials.
    pub fn refused(&self) -> usize {
        self.counts.refused.load(Ordering::Relaxed)
    }

    pub fn connections(&self) -> usize {
        self.counts.connections.load(Ordering::Relaxed)
    }

    pub fn fetches(&self) -> usize {
        self.counts.fetches.load(Ordering::Relaxed)
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Serve the requests of one connection, one after another.
fn serve<S: Read + Write>(
    stream: S,
    root: &Path,
    counts: &Counts,
    options: &HttpOptions,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(());
        }
        let mut parts = request_line.split_whitespace();
        let (method, target) = (
            parts.next().unwrap_or("").to_string(),
            parts.next().unwrap_or("").to_string(),
        );
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            let line = line.trim_end().to_string();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let body = if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
        {
            read_chunked(&mut reader)?
        } else {
            let length: usize = header("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; length];
            reader.read_exact(&mut body)?;
            body
        };
        if header("authorization").is_some() {
            counts.authorized.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(base) = &options.redirect_to {
            let writer = reader.get_mut();
            write!(
                writer,
                "HTTP/1.1 302 Found\r\nLocation: {base}{target}\r\nContent-Length: 0\r\n\r\n"
            )?;
            writer.flush()?;
            continue;
        }
        let by_path = options
            .basic_auth_by_path
            .iter()
            .find(|(prefix, _, _)| target.starts_with(prefix.as_str()))
            .map(|(_, user, password)| (user.clone(), password.clone()));
        if let Some((user, password)) = by_path.as_ref().or(options.basic_auth.as_ref()) {
            use base64::Engine;
            let expected = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            );
            if header("authorization").as_deref() != Some(expected.as_str()) {
                counts.refused.fetch_add(1, Ordering::Relaxed);
                let writer = reader.get_mut();
                write!(writer, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n")?;
                writer.flush()?;
                continue;
            }
        }
        if body.windows(13).any(|w| w == b"command=fetch") || body.windows(5).any(|w| w == b"want ")
        {
            counts.fetches.fetch_add(1, Ordering::Relaxed);
        }
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let mut cgi = Command::new("git");
        cgi.arg("http-backend")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("GIT_PROJECT_ROOT", root)
            .env("GIT_HTTP_EXPORT_ALL", "1")
            .env("REQUEST_METHOD", &method)
            .env("PATH_INFO", path)
            .env("QUERY_STRING", query)
            .env("CONTENT_TYPE", header("content-type").unwrap_or_default())
            .env("CONTENT_LENGTH", body.len().to_string())
            .env("REMOTE_ADDR", "127.0.0.1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(protocol) = header("git-protocol") {
            cgi.env("GIT_PROTOCOL", protocol);
        }
        let mut child = cgi.spawn()?;
        let mut stdin = child.stdin.take().unwrap();
        let feeder = std::thread::spawn(move || {
            let _ = stdin.write_all(&body);
        });
        let mut output = Vec::new();
        child.stdout.take().unwrap().read_to_end(&mut output)?;
        let _ = feeder.join();
        child.wait()?;
        let split = output
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|i| (i, 4))
            .or_else(|| output.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
        let (head, content) = match split {
            Some((i, n)) => (
                String::from_utf8_lossy(&output[..i]).into_owned(),
                &output[i + n..],
            ),
            None => (String::new(), &output[..]),
        };
        let mut status = "200 OK".to_string();
        let mut response_headers = String::new();
        for line in head.lines() {
            match line.split_once(':') {
                Some((k, v)) if k.eq_ignore_ascii_case("status") => status = v.trim().to_string(),
                Some(_) => {
                    response_headers.push_str(line.trim_end());
                    response_headers.push_str("\r\n");
                }
                None => {}
            }
        }
        let writer = reader.get_mut();
        write!(
            writer,
            "HTTP/1.1 {status}\r\n{response_headers}Content-Length: {}\r\n\r\n",
            content.len()
        )?;
        writer.write_all(content)?;
        writer.flush()?;
    }
}

fn read_chunked(reader: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size_line = String::new();
        reader.read_line(&mut size_line)?;
        let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap_or("0"), 16)
            .unwrap_or(0);
        if size == 0 {
            let mut end = String::new();
            reader.read_line(&mut end)?;
            return Ok(body);
        }
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk)?;
        body.extend_from_slice(&chunk[..size]);
    }
}

/// A port that accepts connections and never answers.
pub struct BlackHole {
    pub port: u16,
    accepted: Arc<std::sync::atomic::AtomicUsize>,
}

impl BlackHole {
    pub fn start() -> BlackHole {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = accepted.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            // Accept a bounded number of connections and hold them open, silently.
            for stream in listener.incoming().take(64) {
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                held.push(stream);
            }
        });
        BlackHole { port, accepted }
    }

    /// How many connections it has accepted.
    pub fn connections(&self) -> usize {
        self.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A TCP relay on 127.0.0.1 in front of another port (a `git daemon`), as a slow link
/// would be: each chunk the server sends reaches the client `delay` later. It counts
/// how many connections were open at once, and how many of them at once had not yet
/// had the server's first byte (the ones a daemon's backlog would hold).
pub struct Relay {
    pub port: u16,
    most_open: Arc<AtomicUsize>,
    most_unanswered: Arc<AtomicUsize>,
    total: Arc<AtomicUsize>,
}

impl Relay {
    pub fn start(target: u16, delay: Duration) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (open, unanswered) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let most_open = Arc::new(AtomicUsize::new(0));
        let most_unanswered = Arc::new(AtomicUsize::new(0));
        let total = Arc::new(AtomicUsize::new(0));
        let (most_open_seen, most_unanswered_seen, total_seen) =
            (most_open.clone(), most_unanswered.clone(), total.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                total_seen.fetch_add(1, Ordering::SeqCst);
                let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                most_open_seen.fetch_max(now, Ordering::SeqCst);
                let now = unanswered.fetch_add(1, Ordering::SeqCst) + 1;
                most_unanswered_seen.fetch_max(now, Ordering::SeqCst);
                let (open, unanswered) = (open.clone(), unanswered.clone());
                std::thread::spawn(move || {
                    let mut answered = false;
                    if let Ok(server) = TcpStream::connect(("127.0.0.1", target)) {
                        let (mut from_client, mut to_server) =
                            (client.try_clone().unwrap(), server.try_clone().unwrap());
                        let upstream = std::thread::spawn(move || {
                            let _ = std::io::copy(&mut from_client, &mut to_server);
                            let _ = to_server.shutdown(std::net::Shutdown::Write);
                        });
                        let (mut from_server, mut to_client) = (server, client);
                        let mut chunk = vec![0u8; 64 * 1024];
                        while let Ok(n) = from_server.read(&mut chunk) {
                            if n == 0 {
                                break;
                            }
                            std::thread::sleep(delay);
                            // Counted as answered before the client can see the answer.
                            if !answered {
                                answered = true;
                                unanswered.fetch_sub(1, Ordering::SeqCst);
                            }
                            if to_client.write_all(&chunk[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = to_client.shutdown(std::net::Shutdown::Both);
                        let _ = upstream.join();
                    }
                    if !answered {
                        unanswered.fetch_sub(1, Ordering::SeqCst);
                    }
                    open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Relay {
            port,
            most_open,
            most_unanswered,
            total,
        }
    }

    /// The most connections that were open at one moment.
    pub fn most_open(&self) -> usize {
        self.most_open.load(Ordering::SeqCst)
    }

    /// The most connections at one moment that had not yet had the server's first byte.
    pub fn most_unanswered(&self) -> usize {
        self.most_unanswered.load(Ordering::SeqCst)
    }

    /// How many connections it accepted.
    pub fn connections(&self) -> usize {
        self.total.load(Ordering::SeqCst)
    }

    pub fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}.git", self.port)
    }
}

/// A PostgreSQL server on 127.0.0.1 from the machine's binaries, in a temporary data
/// folder, run as `nobody` when the tests run as root (the server refuses root).
/// Stopped when dropped.
pub struct Postgres {
    pub port: u16,
    dir: tempfile::TempDir,
    bin: PathBuf,
    as_nobody: bool,
}

impl Postgres {
    pub fn start() -> Postgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect(
                "PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)",
            )
            .flatten()
            .map(|e| e.path().join("bin"))
            .find(|b| b.join("initdb").exists())
            .expect("initdb");
        let dir = tempfile::Builder::new()
            .prefix("repodex-pg-")
            .tempdir_in("/tmp")
            .unwrap();
        let as_nobody = running_as_root();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        if as_nobody {
            let status = Command::new("chown")
                .args(["-R", "nobody"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(status.success());
        }
        let port = free_port();
        let postgres = Postgres {
            port,
            dir,
            bin,
            as_nobody,
        };
        postgres.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "--auth=trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            postgres.dir.path().display()
        );
        let log = postgres.dir.path().join("log");
        postgres.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-o",
                &options,
                "-w",
                "start",
            ],
        );
        postgres
    }

    /// A server program, run as `nobody` when the tests run as root.
    fn program(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        let mut cmd = if self.as_nobody {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "nobody", "--"]).arg(&path);
            cmd
        } else {
            Command::new(&path)
        };
        cmd.current_dir(self.dir.path());
        cmd
    }

    fn run(&self, program: &str, args: &[&str]) {
        let mut cmd = self.program(program);
        let out = cmd.args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{program}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn url(&self) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = self
            .program("pg_ctl")
            .args(["-D", data.to_str().unwrap(), "-m", "immediate", "stop"])
            .output();
    }
}
