//! `probe`: one TLS connection to a server with blocking sockets and rustls,
//! watched by the recorders, followed by an HTTP `GET` (nginx refuses a
//! missing or bad client certificate only at the HTTP layer), and a report of
//! everything seen with a verdict and diagnosis (SPEC §3).

pub mod canary;
pub mod diagnose;
pub mod inputs;
#[cfg(test)]
mod policy_tests;
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
    /// One of nginx's pages for a missing or refused client certificate (400 with its
    /// text, or 495/496): a certificate refusal, not an application's answer.
    pub cert_page: bool,
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
    /// A TLS 1.2 server sent a handshake record after the handshake: a HelloRequest
    /// (renegotiation, e.g. Apache's per-directory client authentication).
    pub renegotiation: bool,
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

/// A TCP stream whose every read and write ends by one deadline, and which
/// watches the record headers it reads: after a TLS 1.2 handshake, a handshake
/// record from the server can only be a HelloRequest, which rustls answers
/// with a no_renegotiation warning and never shows.
struct DeadlineStream {
    tcp: TcpStream,
    deadline: Instant,
    /// Bytes of the current record header seen so far, and the body bytes still to skip.
    header: [u8; 5],
    header_len: usize,
    body_left: usize,
    /// Set once a TLS 1.2 handshake is complete.
    watch_handshake_records: bool,
    handshake_record_seen: bool,
}

impl DeadlineStream {
    fn new(tcp: TcpStream, deadline: Instant) -> Self {
        Self {
            tcp,
            deadline,
            header: [0; 5],
            header_len: 0,
            body_left: 0,
            watch_handshake_records: false,
            handshake_record_seen: false,
        }
    }

    fn remaining(&self) -> io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "timed out"));
        }
        Ok(left)
    }

    fn watch(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            if self.body_left > 0 {
                let n = self.body_left.min(data.len());
                self.body_left -= n;
                data = &data[n..];
                continue;
            }
            let n = (5 - self.header_len).min(data.len());
            self.header[self.header_len..self.header_len + n].copy_from_slice(&data[..n]);
            self.header_len += n;
            data = &data[n..];
            if self.header_len == 5 {
                if self.watch_handshake_records && self.header[0] == 22 {
                    self.handshake_record_seen = true;
                }
                self.body_left = usize::from(u16::from_be_bytes([self.header[3], self.header[4]]));
                self.header_len = 0;
            }
        }
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
        let n = self.tcp.read(buf).map_err(timeout_kind)?;
        self.watch(&buf[..n]);
        Ok(n)
    }
}

impl Write for DeadlineStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let left = self.remaining()?;
        self.tcp.set_write_timeout(Some(left))?;
        self.tcp.write(buf).map_err(timeout_kind)
    }
    // rustls hands over every queued record at once: one send, one segment, one
    // wakeup of the server, where `write` alone would send each record by itself.
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        let left = self.remaining()?;
        self.tcp.set_write_timeout(Some(left))?;
        self.tcp.write_vectored(bufs).map_err(timeout_kind)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

fn closed_kind(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

/// Send what rustls has queued. When the write fails because the server already
/// closed (it sent an alert and hung up), read what it sent before closing: the
/// alert is in our receive buffer and must not be lost to the write error.
fn flush_tls(conn: &mut ClientConnection, sock: &mut DeadlineStream) -> io::Result<()> {
    while conn.wants_write() {
        if let Err(e) = conn.write_tls(sock) {
            return Err(drain(conn, sock).unwrap_or(e));
        }
    }
    Ok(())
}

/// Read and process records until the connection ends; an error rustls reports
/// from them (the server's alert) wins over the transport error.
fn drain(conn: &mut ClientConnection, sock: &mut DeadlineStream) -> Option<io::Error> {
    loop {
        match conn.read_tls(sock) {
            Ok(0) => return None,
            Ok(_) => {
                if let Err(e) = conn.process_new_packets() {
                    return Some(io::Error::new(io::ErrorKind::InvalidData, e));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
}

/// One read from the socket into rustls, then processing; `Ok(false)` at EOF.
fn read_some(conn: &mut ClientConnection, sock: &mut DeadlineStream) -> io::Result<bool> {
    loop {
        match conn.read_tls(sock) {
            Ok(0) => return Ok(false),
            Ok(_) => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if let Err(e) = conn.process_new_packets() {
        // Our alert describing the error, if any; the error itself is what counts.
        let _ = conn.write_tls(sock);
        return Err(io::Error::new(io::ErrorKind::InvalidData, e));
    }
    Ok(true)
}

/// Drive the handshake to its end.
fn handshake(conn: &mut ClientConnection, sock: &mut DeadlineStream) -> io::Result<()> {
    loop {
        flush_tls(conn, sock)?;
        if !conn.is_handshaking() {
            return Ok(());
        }
        if !read_some(conn, sock)? {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed"));
        }
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
    Ok(RecordingVerifier::new(inner, setup.trust.policy.clone(), &setup.provider, setup.insecure))
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
        FailKind::Closed => format!("the server closed the connection during the TLS handshake ({})", io_text(e)),
        _ => format!("I/O error during the TLS handshake: {}", io_text(e)),
    };
    Failure { kind, detail, tls_error: None }
}

/// Work of the caller's that the handshake does not wait for. `attempt` runs it
/// once its ClientHello is out, while the server computes its answer; an error
/// ends the attempt.
pub type Meanwhile<'a> = dyn FnMut() -> anyhow::Result<()> + 'a;

/// Our identity for a probe: the key the handshake needs, and the checks of our
/// certificate, which only the report needs; `checked` gives the identity they made.
pub struct Ours<'a> {
    pub key: Arc<CertifiedKey>,
    pub checked: Box<dyn FnOnce() -> anyhow::Result<Identity> + 'a>,
}

/// Perform one handshake (and the HTTP request) with or without our identity.
pub fn attempt(
    setup: &Setup,
    identity: Option<Arc<CertifiedKey>>,
    meanwhile: &mut Meanwhile<'_>,
) -> anyhow::Result<Attempt> {
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
    let mut sock = DeadlineStream::new(tcp, deadline);
    let mut conn =
        ClientConnection::new(Arc::new(config), setup.server_name.clone()).map_err(|e| anyhow!("TLS setup: {e}"))?;

    // rustls holds the request until the handshake is done and sends it with our last
    // flight: the same bytes as after the handshake, in one segment instead of two.
    let request_error = http_request(setup).and_then(|req| conn.writer().write_all(req.as_bytes()).err());

    let hs_start = Instant::now();
    // The ClientHello first, then our own work while the server answers it: the
    // handshake time grows only by what that work takes beyond the server's answer.
    let sent = flush_tls(&mut conn, &mut sock);
    meanwhile()?;
    let hs_error = sent.and_then(|()| handshake(&mut conn, &mut sock)).err();
    at.server = recorder::snapshot(&verifier.seen);
    at.request = recorder::snapshot(&resolver.seen);
    if let Some(e) = hs_error {
        // The version is known from the ServerHello on, even when the handshake failed.
        at.version = conn.protocol_version().map(version_name);
        let mut failure = handshake_failure(&e, !at.server.chain.is_empty());
        // Our policy stopped it: its words say why, not the rustls error it was mapped to.
        if let (Some(rustls::Error::InvalidCertificate(_)), Some(v)) = (&failure.tls_error, &at.server.policy) {
            if !v.valid() {
                failure.detail = format!("the server certificate does not verify: {}", v.message);
            }
        }
        at.failure = Some(failure);
        return Ok(at);
    }
    at.handshake_done = true;
    at.handshake_ms = Some(ms(hs_start.elapsed()));
    at.version = conn.protocol_version().map(version_name);
    at.cipher_suite = conn.negotiated_cipher_suite().map(|s| format!("{:?}", s.suite()));
    at.key_exchange = conn.negotiated_key_exchange_group().map(|g| format!("{:?}", g.name()));
    at.alpn = conn.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned());
    sock.watch_handshake_records = at.version.as_deref() == Some("TLSv1.2");

    after_handshake(setup, &mut conn, &mut sock, &mut at, request_error);
    at.renegotiation = sock.handshake_record_seen;
    Ok(at)
}

/// Probe the server: the handshake with our identity (if any), and with `no_client_cert`
/// one without, then the report. `trust_text` names what we trusted, for the cause text.
pub fn run(setup: &Setup, ours: Option<Ours<'_>>, trust_text: String, no_client_cert: bool) -> anyhow::Result<Report> {
    let have_identity = ours.is_some();
    let (key, mut checks) = ours.map(|o| (o.key, o.checked)).unzip();
    let mut checked = None;
    // Our certificate is checked while the server answers the main ClientHello.
    let mut check = || -> anyhow::Result<()> {
        if let Some(c) = checks.take() {
            checked = Some(c()?);
        }
        Ok(())
    };
    // The extra handshakes of --no-client-cert run beside the main one.
    let canary_key = if no_client_cert { Some(canary::certificate(&setup.provider)?) } else { None };
    let (main, without, canary) = std::thread::scope(|sc| {
        let without = (no_client_cert && have_identity).then(|| sc.spawn(|| attempt(setup, None, &mut || Ok(()))));
        let canary = canary_key.clone().map(|k| sc.spawn(move || attempt(setup, Some(k), &mut || Ok(()))));
        let main = attempt(setup, key, &mut check);
        let join = |h: Option<std::thread::ScopedJoinHandle<'_, anyhow::Result<Attempt>>>| {
            h.map(|h| h.join().unwrap_or_else(|_| Err(anyhow!("a probe thread failed")))).transpose()
        };
        Ok::<_, anyhow::Error>((main?, join(without)?, join(canary)?))
    })?;
    // A connection that ended before its ClientHello left no time to check in.
    check()?;
    let identity = checked.as_ref();
    // When nothing could be tested, the extra handshakes say nothing more.
    let (without, canary) = if report::untestable(&main) { (None, None) } else { (without, canary) };
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
        verify_code: None,
        webpki_error: None,
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
        ours_seconds_left: identity.map(|i| (i.seconds_left, i.lifetime)),
        http: setup.http_path.is_some(),
        no_client_cert,
    };
    let attempts = report::Attempts { main: &main, without: without.as_ref(), canary: canary.as_ref() };
    Ok(report::build(rctx, attempts))
}

/// The most of an HTTP answer probe reads (SPEC §3).
const HTTP_LIMIT: usize = 16 * 1024;

/// Send the HTTP request (or just listen) and catch the server's verdict on our certificate.
/// The HTTP request, when one is sent.
fn http_request(setup: &Setup) -> Option<String> {
    setup.http_path.as_ref().map(|path| {
        format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: mtlsctl-probe/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
            host_header(setup),
            env!("CARGO_PKG_VERSION")
        )
    })
}

/// Catch the server's answer to the request (queued before the handshake) or, with
/// no request, its verdict on our certificate. `request_error`: queuing the request failed.
fn after_handshake(
    setup: &Setup,
    conn: &mut ClientConnection,
    sock: &mut DeadlineStream,
    at: &mut Attempt,
    request_error: Option<io::Error>,
) {
    let tls13 = at.version.as_deref() == Some("TLSv1.3");
    let limit = match &setup.http_path {
        Some(_) => {
            if let Some(e) = request_error {
                at.post_error = Some(format!("sending the HTTP request failed: {e}"));
                return;
            }
            HTTP_LIMIT
        }
        None => {
            // In TLS 1.3 a rejected certificate is refused after the client's Finished:
            // wait briefly for that alert. TLS 1.2 refuses inside the handshake.
            if !(tls13 && at.request.requested) {
                return;
            }
            let wait = Duration::from_millis(1000).max(Duration::from_millis(at.connect_ms.unwrap_or(0.0) as u64 * 3));
            sock.deadline = sock.deadline.min(Instant::now() + wait);
            1
        }
    };
    let (data, err) = exchange(conn, sock, limit, setup.http_path.is_some());
    at.post_data = !data.is_empty();
    if let Some(e) = &err {
        if let Some(rustls::Error::AlertReceived(a)) = rustls_error(e) {
            // A close_notify is an orderly end, not a refusal.
            if *a != rustls::AlertDescription::CloseNotify {
                at.post_alert = Some(*a);
                return;
            }
        }
    }
    if setup.http_path.is_none() {
        match &err {
            Some(e) if data.is_empty() && e.kind() != io::ErrorKind::TimedOut => {
                at.post_closed = true;
                at.post_error = Some(format!("the server closed the connection after the handshake: {}", io_text(e)));
            }
            None if data.is_empty() => {
                at.post_closed = true;
                at.post_error = Some("the server closed the connection after the handshake".into());
            }
            _ => {}
        }
        return;
    }
    match parse_http(&data) {
        Some(h) => at.http = Some(h),
        None if data.is_empty() => {
            at.post_closed = err.as_ref().is_none_or(closed_kind);
            let why = match &err {
                Some(e) if e.kind() == io::ErrorKind::TimedOut => "no HTTP answer within the timeout".to_string(),
                Some(e) => format!("no HTTP answer: {}", io_text(e)),
                None => "the server closed the connection without an HTTP answer".to_string(),
            };
            at.post_error = Some(why);
        }
        None => {
            at.post_error = Some("the server answered, but not in HTTP (pass --no-http for other protocols)".into());
        }
    }
}

/// The Host header: the name sent as SNI when there is one (as curl --resolve does),
/// so that a server picking its site by name sees the same name in TLS and HTTP.
fn host_header(setup: &Setup) -> String {
    match &setup.server_name {
        ServerName::DnsName(d) if !d.as_ref().eq_ignore_ascii_case(&setup.target.host) => {
            let t = Target { host: d.as_ref().to_string(), port: setup.target.port };
            t.host_header()
        }
        _ => setup.target.host_header(),
    }
}

/// An I/O error in words, without the documentation links some rustls messages carry.
fn io_text(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        return "the server closed the connection without a TLS close_notify".into();
    }
    match rustls_error(e) {
        Some(te) => diagnose::describe_tls_error(te),
        None => {
            let t = e.to_string();
            match t.find("https://") {
                Some(i) => t[..i].trim_end_matches([' ', ':', '(', ';']).to_string(),
                None => t,
            }
        }
    }
}

/// Write what is queued and read the answer: until EOF, `limit` bytes, a complete HTTP
/// answer, or an error (returned beside what was read).
fn exchange(
    conn: &mut ClientConnection,
    sock: &mut DeadlineStream,
    limit: usize,
    http: bool,
) -> (Vec<u8>, Option<io::Error>) {
    let mut data = Vec::new();
    if let Err(e) = flush_tls(conn, sock) {
        return (data, Some(e));
    }
    let mut buf = [0u8; 4096];
    let mut grace_set = false;
    loop {
        // Plaintext rustls already holds.
        loop {
            match conn.reader().read(&mut buf) {
                Ok(0) => return (data, None),
                Ok(n) => data.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return (data, Some(e)),
            }
        }
        if data.len() >= limit || (http && http_complete(&data)) {
            return (data, None);
        }
        // A server that ignores Connection: close and sends no length: allow a moment more.
        if http && !grace_set && head_end(&data).is_some() {
            grace_set = true;
            sock.deadline = sock.deadline.min(Instant::now() + Duration::from_millis(300));
        }
        match read_some(conn, sock) {
            Ok(true) => {
                // rustls may have queued an answer (a no_renegotiation warning, a key update).
                let _ = flush_tls(conn, sock);
            }
            Ok(false) => return (data, None),
            Err(e) if grace_set && e.kind() == io::ErrorKind::TimedOut => return (data, None),
            Err(e) => return (data, Some(e)),
        }
    }
}

fn head_end(data: &[u8]) -> Option<usize> {
    data.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

/// Whether the answer is whole by its Content-Length (or a final chunk).
fn http_complete(data: &[u8]) -> bool {
    let Some(end) = head_end(data) else { return false };
    let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
    for line in head.lines() {
        if let Some(v) = line.strip_prefix("content-length:") {
            return v.trim().parse::<usize>().is_ok_and(|n| data.len() >= end + n);
        }
        if line.starts_with("transfer-encoding:") && line.contains("chunked") {
            return data.ends_with(b"0\r\n\r\n");
        }
    }
    false
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
    let cert_page = match status {
        495 | 496 => true,
        400 => NGINX_CERT_PAGES.iter().any(|t| body.contains(t)),
        _ => false,
    };
    Some(HttpAnswer { status, reason, detail: body_detail(&body), cert_page })
}

/// The titles of nginx's 400 pages for a missing or refused client certificate.
const NGINX_CERT_PAGES: [&str; 2] = ["No required SSL certificate was sent", "The SSL certificate error"];

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
