//! `probe`: one TLS connection to a server with blocking sockets and rustls,
//! watched by the recorders, followed by an HTTP `HEAD` (nginx refuses a
//! missing or bad client certificate only at the HTTP layer), and a report of
//! everything seen with a verdict and diagnosis (SPEC §3).

pub mod diagnose;
pub mod inputs;
pub mod recorder;
pub mod report;
pub mod vocab;

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::ServerName;
use rustls::sign::CertifiedKey;
use rustls::{ClientConfig, ClientConnection};

use inputs::{Identity, Trust};
use recorder::{RecordingResolver, RecordingVerifier, RequestSeen, ServerSeen};
use report::{Report, ServerVerification};

/// HOST:PORT as given: IPv6 literals in brackets, port default 443.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
}

impl Target {
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let s = text.trim();
        // People paste URLs; the scheme and path say nothing a probe needs.
        let s = s.strip_prefix("https://").unwrap_or(s);
        let s = s.split('/').next().unwrap_or(s);
        if s.is_empty() {
            bail!("empty target: expected HOST:PORT, e.g. api.example.com:443 or [::1]:8443");
        }
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let Some((h, after)) = rest.split_once(']') else {
                bail!("'{text}': missing ']' after the IPv6 address");
            };
            if h.parse::<std::net::Ipv6Addr>().is_err() {
                bail!("'{text}': '{h}' is not an IPv6 address");
            }
            match after {
                "" => (h.to_string(), None),
                p if p.starts_with(':') => (h.to_string(), Some(&p[1..])),
                _ => bail!("'{text}': expected :PORT after ']'"),
            }
        } else if s.matches(':').count() > 1 {
            bail!("'{text}': write an IPv6 address in brackets, e.g. [{s}]:443 or [::1]:8443");
        } else {
            match s.split_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (s.to_string(), None),
            }
        };
        if host.is_empty() {
            bail!("'{text}': missing host before the port");
        }
        let port = match port {
            None => 443,
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 => n,
                _ => bail!("'{text}': '{p}' is not a port number (1-65535)"),
            },
        };
        Ok(Self { host, port })
    }

    /// `host:port` with IPv6 brackets, for display and the Host header.
    pub fn display(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    pub fn host_header(&self) -> String {
        let h = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        if self.port == 443 { h } else { format!("{h}:{}", self.port) }
    }
}

/// Everything one handshake needs.
pub struct Setup {
    pub target: Target,
    /// The name checked against the server certificate (and sent as SNI when a DNS name).
    pub server_name: ServerName<'static>,
    /// The name as given, for the report.
    pub verify_name: String,
    pub timeout: Duration,
    pub http_path: Option<String>,
    pub insecure: bool,
    pub trust: Trust,
    pub provider: Arc<CryptoProvider>,
}

/// Why a connection or handshake stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailKind {
    /// The name did not resolve.
    Resolve,
    Refused,
    Unreachable,
    /// Nothing within the time limit (connect, handshake or read).
    Timeout,
    /// The peer answered, but not in TLS.
    NotTls,
    /// The peer closed or reset the connection during the handshake.
    Closed,
    /// The server sent a TLS alert during the handshake.
    Alert(rustls::AlertDescription),
    /// Our side stopped the handshake: rustls error (certificate verification included).
    Tls,
    Io,
}

#[derive(Debug, Clone)]
pub struct Failure {
    pub kind: FailKind,
    pub detail: String,
    pub tls_error: Option<rustls::Error>,
}

/// A parsed HTTP response head.
#[derive(Debug, Clone)]
pub struct HttpAnswer {
    pub status: u16,
    pub reason: String,
    /// What the body says, when it says something short (nginx puts its reason in <title>).
    pub detail: Option<String>,
}

/// What one connection showed.
#[derive(Debug, Clone, Default)]
pub struct Attempt {
    pub address: Option<SocketAddr>,
    pub connect_ms: Option<f64>,
    pub handshake_ms: Option<f64>,
    pub handshake_done: bool,
    pub version: Option<String>,
    pub cipher_suite: Option<String>,
    pub key_exchange: Option<String>,
    pub alpn: Option<String>,
    pub server: ServerSeen,
    pub request: RequestSeen,
    pub identity_offered: bool,
    pub failure: Option<Failure>,
    /// An alert after the handshake: TLS 1.3 servers reject a client certificate this way.
    pub post_alert: Option<rustls::AlertDescription>,
    pub http: Option<HttpAnswer>,
    /// The post-handshake exchange ended without an answer: closed, reset, timed out, not HTTP.
    pub post_error: Option<String>,
    /// The connection was closed or reset after the handshake without any data.
    pub post_closed: bool,
    /// The server sent application data after the handshake (HTTP or not).
    pub post_data: bool,
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

/// A TCP stream whose every read and write ends by one deadline.
struct DeadlineStream {
    tcp: TcpStream,
    deadline: Instant,
}

impl DeadlineStream {
    fn remaining(&self) -> io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "timed out"));
        }
        Ok(left)
    }
}

fn timeout_kind(e: io::Error) -> io::Error {
    // A socket timeout surfaces as EAGAIN on Unix; rustls must not take that as "try again".
    if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) {
        io::Error::new(io::ErrorKind::TimedOut, "timed out")
    } else {
        e
    }
}

impl Read for DeadlineStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.remaining()?;
        self.tcp.set_read_timeout(Some(left))?;
        self.tcp.read(buf).map_err(timeout_kind)
    }
}

impl Write for DeadlineStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let left = self.remaining()?;
        self.tcp.set_write_timeout(Some(left))?;
        self.tcp.write(buf).map_err(timeout_kind)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

fn rustls_error(e: &io::Error) -> Option<&rustls::Error> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>())
}

fn version_name(v: rustls::ProtocolVersion) -> String {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
        other => format!("{other:?}"),
    }
}

/// Build the trust verifier; an empty root store means nothing is trusted.
pub fn verifier(setup: &Setup) -> anyhow::Result<RecordingVerifier> {
    let inner = if setup.trust.roots.is_empty() {
        None
    } else {
        Some(
            WebPkiServerVerifier::builder_with_provider(setup.trust.roots.clone(), setup.provider.clone())
                .build()
                .map_err(|e| anyhow!("cannot use the trusted CAs: {e}"))?,
        )
    };
    Ok(RecordingVerifier::new(inner, &setup.provider, setup.insecure))
}

/// Connect to the first address that answers, within the deadline.
fn connect(target: &Target, deadline: Instant, attempt: &mut Attempt) -> Result<TcpStream, Failure> {
    let fail = |kind, detail: String| Failure { kind, detail, tls_error: None };
    let addrs: Vec<SocketAddr> = match (target.host.as_str(), target.port).to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(e) => return Err(fail(FailKind::Resolve, format!("cannot resolve {}: {e}", target.host))),
    };
    if addrs.is_empty() {
        return Err(fail(FailKind::Resolve, format!("{} has no address", target.host)));
    }
    let start = Instant::now();
    let mut last = None;
    for addr in addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(s) => {
                attempt.address = Some(addr);
                attempt.connect_ms = Some(ms(start.elapsed()));
                return Ok(s);
            }
            Err(e) => last = Some((addr, e)),
        }
    }
    Err(match last {
        Some((addr, e)) => match e.kind() {
            io::ErrorKind::ConnectionRefused => fail(FailKind::Refused, format!("connection to {addr} refused")),
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => {
                fail(FailKind::Timeout, format!("connecting to {addr} timed out"))
            }
            io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
                fail(FailKind::Unreachable, format!("{addr} is unreachable: {e}"))
            }
            _ => fail(FailKind::Io, format!("cannot connect to {addr}: {e}")),
        },
        None => fail(FailKind::Timeout, format!("connecting to {} timed out", target.display())),
    })
}

/// Classify an error that ended the handshake.
fn handshake_failure(e: &io::Error, server_seen: bool) -> Failure {
    if let Some(te) = rustls_error(e) {
        let kind = match te {
            rustls::Error::AlertReceived(a) => FailKind::Alert(*a),
            // Bytes that are not TLS records before any server certificate: a plain-text service.
            rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } if !server_seen => {
                FailKind::NotTls
            }
            _ => FailKind::Tls,
        };
        return Failure { kind, detail: diagnose::describe_tls_error(te), tls_error: Some(te.clone()) };
    }
    let kind = match e.kind() {
        io::ErrorKind::TimedOut => FailKind::Timeout,
        io::ErrorKind::UnexpectedEof
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => FailKind::Closed,
        _ => FailKind::Io,
    };
    let detail = match kind {
        FailKind::Timeout => "the TLS handshake timed out".to_string(),
        FailKind::Closed => format!("the server closed the connection during the TLS handshake ({e})"),
        _ => format!("I/O error during the TLS handshake: {e}"),
    };
    Failure { kind, detail, tls_error: None }
}

/// Perform one handshake (and the HTTP request) with or without our identity.
pub fn attempt(setup: &Setup, identity: Option<Arc<CertifiedKey>>) -> anyhow::Result<Attempt> {
    let mut at = Attempt { identity_offered: identity.is_some(), ..Attempt::default() };
    let verifier = Arc::new(verifier(setup)?);
    let resolver = Arc::new(RecordingResolver::new(identity));
    let mut config = ClientConfig::builder_with_provider(setup.provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| anyhow!("TLS configuration: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_client_cert_resolver(resolver.clone());
    if setup.http_path.is_some() {
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
    }
    // Each attempt must show a full handshake, never a resumed one.
    config.resumption = rustls::client::Resumption::disabled();

    let deadline = Instant::now() + setup.timeout;
    let tcp = match connect(&setup.target, deadline, &mut at) {
        Ok(t) => t,
        Err(f) => {
            at.failure = Some(f);
            return Ok(at);
        }
    };
    let _ = tcp.set_nodelay(true);
    let mut sock = DeadlineStream { tcp, deadline };
    let mut conn =
        ClientConnection::new(Arc::new(config), setup.server_name.clone()).map_err(|e| anyhow!("TLS setup: {e}"))?;

    let hs_start = Instant::now();
    let mut hs_error = None;
    while conn.is_handshaking() {
        match conn.complete_io(&mut sock) {
            Ok((0, 0)) => {
                hs_error = Some(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed"));
                break;
            }
            Ok(_) => {}
            Err(e) => {
                hs_error = Some(e);
                break;
            }
        }
    }
    at.server = recorder::snapshot(&verifier.seen);
    at.request = recorder::snapshot(&resolver.seen);
    if let Some(e) = hs_error {
        at.failure = Some(handshake_failure(&e, !at.server.chain.is_empty()));
        return Ok(at);
    }
    at.handshake_done = true;
    at.handshake_ms = Some(ms(hs_start.elapsed()));
    at.version = conn.protocol_version().map(version_name);
    at.cipher_suite = conn.negotiated_cipher_suite().map(|s| format!("{:?}", s.suite()));
    at.key_exchange = conn.negotiated_key_exchange_group().map(|g| format!("{:?}", g.name()));
    at.alpn = conn.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned());

    after_handshake(setup, &mut conn, &mut sock, &mut at);
    Ok(at)
}

/// Probe the server: the handshake with our identity (if any), and with `no_client_cert`
/// one without, then the report. `trust_text` names what we trusted, for the cause text.
pub fn run(
    setup: &Setup,
    identity: Option<&Identity>,
    trust_text: String,
    no_client_cert: bool,
) -> anyhow::Result<Report> {
    let main = attempt(setup, identity.map(|i| i.key.clone()))?;
    let without = if no_client_cert && identity.is_some() && !report::untestable(&main) {
        Some(attempt(setup, None)?)
    } else {
        None
    };
    let verify_name = setup.verify_name.clone();
    let sni = matches!(setup.server_name, ServerName::DnsName(_)).then(|| verify_name.clone());
    let trust = &setup.trust;
    let verification = ServerVerification {
        trusted: None,
        chain_ok: None,
        hostname_ok: None,
        code: None,
        error: None,
        trust_source: trust.source,
        trust_file: trust.file.as_ref().map(|f| f.display().to_string()),
        trust_anchor_count: trust.anchors.len(),
        trust_anchors: trust.anchors.iter().take(20).cloned().collect(),
        insecure: setup.insecure,
    };
    let rctx = report::Context {
        target: setup.target.display(),
        sni,
        verify_name,
        insecure: setup.insecure,
        trust: verification,
        trust_text,
        client_cert: identity.map(|i| i.info.clone()),
        our_issuers: identity.map(|i| i.issuers.clone()).unwrap_or_default(),
        ours: identity.map(|i| i.ours.clone()),
        ours_days_left: identity.map(|i| i.days_left),
        http: setup.http_path.is_some(),
    };
    Ok(report::build(rctx, &main, without.as_ref()))
}

/// Send the HTTP request (or just listen) and catch the server's verdict on our certificate.
fn after_handshake(setup: &Setup, conn: &mut ClientConnection, sock: &mut DeadlineStream, at: &mut Attempt) {
    let tls13 = at.version.as_deref() == Some("TLSv1.3");
    match &setup.http_path {
        Some(path) => {
            let req = format!(
                "HEAD {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: mtlsctl-probe/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
                setup.target.host_header(),
                env!("CARGO_PKG_VERSION")
            );
            let mut stream = rustls::Stream::new(conn, sock);
            if let Err(e) = stream.write_all(req.as_bytes()).and_then(|()| stream.flush()) {
                if let Some(rustls::Error::AlertReceived(a)) = rustls_error(&e) {
                    at.post_alert = Some(*a);
                    return;
                }
                // The server may have sent its alert before closing: look for it below.
                at.post_error = Some(format!("sending the HTTP request failed: {e}"));
            }
            let (data, err) = read_all(&mut stream, 64 * 1024);
            at.post_data = !data.is_empty();
            if let Some(e) = &err {
                if let Some(rustls::Error::AlertReceived(a)) = rustls_error(e) {
                    at.post_alert = Some(*a);
                    return;
                }
            }
            match parse_http(&data) {
                Some(h) => at.http = Some(h),
                None if data.is_empty() => {
                    at.post_closed = err.as_ref().is_none_or(|e| {
                        matches!(
                            e.kind(),
                            io::ErrorKind::UnexpectedEof
                                | io::ErrorKind::ConnectionReset
                                | io::ErrorKind::ConnectionAborted
                                | io::ErrorKind::BrokenPipe
                        )
                    });
                    let why = match &err {
                        Some(e) if e.kind() == io::ErrorKind::TimedOut => {
                            "no HTTP answer within the timeout".to_string()
                        }
                        Some(e) => format!("no HTTP answer: {e}"),
                        None => "the server closed the connection without an HTTP answer".to_string(),
                    };
                    at.post_error.get_or_insert(why);
                }
                None => {
                    at.post_error =
                        Some("the server answered, but not in HTTP (pass --no-http for other protocols)".into());
                }
            }
        }
        None => {
            // In TLS 1.3 a rejected certificate is refused after the client's Finished:
            // wait briefly for that alert. TLS 1.2 refuses inside the handshake.
            if !(tls13 && at.request.requested) {
                return;
            }
            let wait = Duration::from_millis(1000).max(Duration::from_millis(at.connect_ms.unwrap_or(0.0) as u64 * 3));
            sock.deadline = sock.deadline.min(Instant::now() + wait);
            let mut stream = rustls::Stream::new(conn, sock);
            let (data, err) = read_all(&mut stream, 1);
            at.post_data = !data.is_empty();
            if let Some(e) = &err {
                match rustls_error(e) {
                    Some(rustls::Error::AlertReceived(a)) => at.post_alert = Some(*a),
                    _ if data.is_empty() && e.kind() != io::ErrorKind::TimedOut => {
                        at.post_closed = true;
                        at.post_error = Some(format!("the server closed the connection after the handshake: {e}"));
                    }
                    _ => {}
                }
            } else if data.is_empty() {
                at.post_closed = true;
                at.post_error = Some("the server closed the connection after the handshake".into());
            }
        }
    }
}

type TlsStream<'a> = rustls::Stream<'a, ClientConnection, DeadlineStream>;

/// Read until EOF, `limit` bytes, or an error (returned beside what was read).
fn read_all(stream: &mut TlsStream<'_>, limit: usize) -> (Vec<u8>, Option<io::Error>) {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let mut grace_set = false;
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (data, None),
            Ok(n) => {
                data.extend_from_slice(&buf[..n]);
                if data.len() >= limit {
                    return (data, None);
                }
                // A HEAD answer is complete at the end of its header, but some servers send a
                // body anyway (and a server may ignore Connection: close): allow a moment more.
                if !grace_set && head_end(&data).is_some() {
                    grace_set = true;
                    stream.sock.deadline = stream.sock.deadline.min(Instant::now() + Duration::from_millis(300));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if grace_set && e.kind() == io::ErrorKind::TimedOut => return (data, None),
            Err(e) => return (data, Some(e)),
        }
    }
}

fn head_end(data: &[u8]) -> Option<usize> {
    data.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

/// Parse a status line and pick a short human reason from the body.
pub fn parse_http(data: &[u8]) -> Option<HttpAnswer> {
    let text = String::from_utf8_lossy(data);
    let first = text.lines().next()?;
    let mut parts = first.splitn(3, ' ');
    let proto = parts.next()?;
    if !proto.starts_with("HTTP/") {
        return None;
    }
    let status: u16 = parts.next()?.trim().parse().ok()?;
    let reason = parts.next().unwrap_or("").trim().to_string();
    let body = head_end(data).map(|e| String::from_utf8_lossy(&data[e..]).into_owned()).unwrap_or_default();
    Some(HttpAnswer { status, reason, detail: body_detail(&body) })
}

fn body_detail(body: &str) -> Option<String> {
    for known in ["No required SSL certificate was sent", "The SSL certificate error", "SSL certificate error"] {
        if body.contains(known) {
            return Some(known.to_string());
        }
    }
    let lower = body.to_ascii_lowercase();
    if let (Some(s), Some(e)) = (lower.find("<title>"), lower.find("</title>")) {
        if s + 7 <= e {
            return body.get(s + 7..e).map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        }
    }
    let line = body.lines().map(str::trim).find(|l| !l.is_empty())?;
    Some(line.chars().take(120).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(Target::parse("127.0.0.1:8443").unwrap(), Target { host: "127.0.0.1".into(), port: 8443 });
        assert_eq!(Target::parse("[::1]:443").unwrap(), Target { host: "::1".into(), port: 443 });
        assert_eq!(Target::parse("api.example.com").unwrap().port, 443);
        assert_eq!(Target::parse("https://api.example.com:8443/x").unwrap().port, 8443);
        assert_eq!(Target::parse("[::1]:8443").unwrap().display(), "[::1]:8443");
        for bad in ["", "::1:443", "host:0", "host:99999", "host:x", "[::1", "[nothost]:1", ":443"] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn http_answers() {
        let h = parse_http(b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n<html><head><title>400 No required SSL certificate was sent</title>").unwrap();
        assert_eq!(h.status, 400);
        assert_eq!(h.detail.as_deref(), Some("No required SSL certificate was sent"));
        let h = parse_http(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").unwrap();
        assert_eq!((h.status, h.detail), (200, None));
        assert!(parse_http(b"SSH-2.0-OpenSSH").is_none());
    }
}
