//! The OCSP responder (RFC 6960 over HTTP): a fixed pool of threads on one
//! listening socket, each reading one request per connection under a
//! deadline, so a slow or hostile client holds one thread for a bounded time
//! and never the others. No printing: each request becomes an `Event` the
//! face logs.

pub mod answer;
pub mod http;
pub mod presigned;
pub mod status;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, anyhow};
use base64::Engine as _;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::pki::build::Signer;
use crate::pki::ocsp::{self, ResponderBy, ResponseSigner, responder_params};
use crate::pki::{certinfo, keys::KeyType, names};
use crate::store::Store;
pub use answer::{Answered, Responder};
use http::{Method, ReadError, Response};

/// How the server listens and answers.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// Requests are `<prefix><base64>` (GET) or POSTed to `<prefix>`; starts and ends with `/`.
    pub prefix: String,
    /// Worker threads: the number of requests answered at once.
    pub workers: usize,
    /// The longest a client may take to send its request.
    pub request_timeout: std::time::Duration,
}

/// Something for the log.
#[derive(Debug)]
pub enum Event<'a> {
    Request(&'a RequestLog),
    Warning(String),
}

/// One request, as logged.
#[derive(Debug, Serialize)]
pub struct RequestLog {
    pub time: String,
    pub peer: String,
    pub method: &'static str,
    /// The request target, cut to 120 characters.
    pub path: String,
    pub http_status: u16,
    /// The OCSPResponseStatus, for OCSP requests.
    pub ocsp_status: Option<&'static str>,
    pub certs: Vec<CertLog>,
    pub bytes: usize,
    pub micros: u64,
    /// The response was a reused signed one.
    pub cached: bool,
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CertLog {
    pub serial: String,
    pub status: &'static str,
}

pub type Logger = Arc<dyn Fn(&Event<'_>) + Send + Sync>;

/// Why the server stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// SIGTERM or SIGINT.
    Signal,
    /// The responder certificate has less than the response validity left.
    ResponderExpiring,
}

/// A delegated responder certificate just issued, and its key ready to sign.
pub struct Delegated {
    pub signer: ResponseSigner,
    pub cert_der: Vec<u8>,
    pub serial: String,
    pub not_after: OffsetDateTime,
}

/// Issue a delegated responder certificate (recorded in index.txt like every
/// certificate) and return its signer. The CA key is consumed: it is
/// dropped before this returns, so only the responder key stays in memory.
pub fn issue_responder(
    store: &Store,
    ca: Signer,
    lifetime: Duration,
    now: OffsetDateTime,
) -> anyhow::Result<Delegated> {
    let ca_cert = certinfo::parse(&ca.cert_der)?;
    let ca_end = certinfo::not_after(&ca_cert);
    let cn = format!("{} OCSP Responder", names::common_name(ca_cert.subject()).unwrap_or_else(|| "mtlsctl".into()));
    let cn: String = cn.chars().take(64).collect();
    let not_before = now - crate::pki::build::BACKDATE;
    let not_after = (now + lifetime).min(ca_end);
    let key = KeyType::EcP256.generate()?;
    let der = store.issue_with(&ca, |serial| responder_params(&cn, not_before, not_after, serial), &key)?;
    drop(ca);
    let cert = certinfo::parse(&der)?;
    let serial = certinfo::serial_hex(&cert);
    let not_after = certinfo::not_after(&cert);
    let signer = ResponseSigner::new(&der, key, true, ResponderBy::KeyHash)?;
    Ok(Delegated { signer, cert_der: der, serial, not_after })
}

/// The files served besides OCSP.
#[derive(Debug, Clone)]
pub struct Files {
    /// The CA certificate (DER), for `/ca.crt`.
    pub ca_der: Vec<u8>,
    /// crl/ca.crl, served as DER at `/crl`.
    pub crl: PathBuf,
}

struct Shared {
    responder: Responder,
    files: Files,
    cfg: Config,
    log: Logger,
    crl_warned: AtomicBool,
    shutdown: AtomicBool,
    requests: AtomicU64,
    /// Workers holding a connection: keep-alive only while some are free.
    busy: AtomicUsize,
}

/// A bound, not yet running server.
pub struct Server {
    listener: TcpListener,
    shared: Arc<Shared>,
}

impl Server {
    /// Bind exactly `cfg.listen`.
    pub fn bind(cfg: Config, responder: Responder, files: Files, log: Logger) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(cfg.listen).with_context(|| format!("cannot listen on {}", cfg.listen))?;
        defer_accept(&listener, cfg.request_timeout);
        let shared = Shared {
            responder,
            files,
            cfg,
            log,
            crl_warned: AtomicBool::new(false),
            shutdown: AtomicBool::new(false),
            requests: AtomicU64::new(0),
            busy: AtomicUsize::new(0),
        };
        Ok(Self { listener, shared: Arc::new(shared) })
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Serve until `stop` is set (by a signal) or the responder certificate
    /// ending at `responder_end` has less than `validity` left.
    pub fn run(
        self,
        stop: &AtomicBool,
        responder_end: Option<OffsetDateTime>,
        validity: Duration,
    ) -> anyhow::Result<(Stopped, u64)> {
        let addr = self.local_addr()?;
        let mut workers = Vec::with_capacity(self.shared.cfg.workers);
        for i in 0..self.shared.cfg.workers {
            let listener = self.listener.try_clone()?;
            let shared = Arc::clone(&self.shared);
            let t = std::thread::Builder::new()
                .name(format!("ocsp-{i}"))
                .stack_size(512 * 1024)
                .spawn(move || worker(&listener, &shared))
                .map_err(|e| anyhow!("cannot start a worker thread: {e}"))?;
            workers.push(t);
        }
        let stopped = watch(stop, responder_end, validity, &self.shared.log);
        self.shared.shutdown.store(true, Ordering::SeqCst);
        wake(addr, workers.len());
        for w in workers {
            let _ = w.join();
        }
        Ok((stopped, self.shared.requests.load(Ordering::Relaxed)))
    }
}

/// Wait for a signal or the responder certificate's end.
fn watch(stop: &AtomicBool, responder_end: Option<OffsetDateTime>, validity: Duration, log: &Logger) -> Stopped {
    let mut warned = false;
    loop {
        if stop.load(Ordering::SeqCst) {
            return Stopped::Signal;
        }
        if let Some(end) = responder_end {
            let now = OffsetDateTime::now_utc();
            if now + validity >= end {
                log(&Event::Warning(format!(
                    "the responder certificate expires at {}, within the response validity: exiting for a restart",
                    crate::pki::dates::rfc3339(end)
                )));
                return Stopped::ResponderExpiring;
            }
            if !warned && now + Duration::days(1) >= end {
                warned = true;
                log(&Event::Warning(format!(
                    "the responder certificate expires at {}; restart the responder before then",
                    crate::pki::dates::rfc3339(end)
                )));
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Hand a connection to `accept` only once its first bytes are in
/// (TCP_DEFER_ACCEPT), so a worker does not wake for a connection only to
/// sleep again in `read` (with clients that open a connection per request,
/// as nginx's OCSP client does, a fifth more answers per second), and silent
/// connections (port scans, connect-only health checks) hold no worker. One
/// that sends nothing for `wait` is handed over all the same and meets the
/// request timeout. Neither std (unstable there) nor rustix has a safe
/// wrapper: this is the crate's one `unsafe` block.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn defer_accept(listener: &TcpListener, wait: std::time::Duration) {
    use std::os::fd::AsRawFd;
    let seconds = libc::c_int::try_from(wait.as_secs().max(1)).unwrap_or(libc::c_int::MAX);
    let len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: the descriptor is the listener's, open for the whole call; the
    // value is a c_int on this stack frame, passed with its size.
    // A kernel without the option serves as before: the result is not needed.
    let _ = unsafe {
        libc::setsockopt(
            listener.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_DEFER_ACCEPT,
            (&raw const seconds).cast(),
            len,
        )
    };
}

#[cfg(not(target_os = "linux"))]
fn defer_accept(_: &TcpListener, _: std::time::Duration) {}

/// Unblock each worker's `accept` with a connection of our own.
fn wake(addr: SocketAddr, n: usize) {
    let target = match addr {
        SocketAddr::V4(a) if a.ip().is_unspecified() => SocketAddr::from(([127, 0, 0, 1], a.port())),
        SocketAddr::V6(a) if a.ip().is_unspecified() => SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, a.port())),
        a => a,
    };
    let mut held = Vec::with_capacity(n);
    for _ in 0..n {
        if let Ok(s) = TcpStream::connect_timeout(&target, std::time::Duration::from_millis(500)) {
            held.push(s);
        }
    }
}

fn worker(listener: &TcpListener, shared: &Shared) {
    loop {
        let conn = listener.accept();
        if shared.shutdown.load(Ordering::SeqCst) {
            return;
        }
        match conn {
            Ok((stream, peer)) => {
                shared.busy.fetch_add(1, Ordering::SeqCst);
                serve_connection(shared, stream, peer);
                shared.busy.fetch_sub(1, Ordering::SeqCst);
            }
            // Out of file descriptors and the like: back off instead of spinning.
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(10)),
        }
    }
}

/// What one request is answered.
struct Reply {
    status: u16,
    content_type: &'static str,
    body: Arc<[u8]>,
    max_age: Option<u64>,
    answered: Option<Answered>,
    error: Option<String>,
}

impl Reply {
    fn plain(status: u16, why: &str) -> Self {
        let body: Arc<[u8]> = Arc::from(format!("{}\n", http::reason_phrase(status)).into_bytes());
        Self { status, content_type: "text/plain", body, max_age: None, answered: None, error: Some(why.into()) }
    }
}

/// How long a kept-alive connection may sit idle before its next request, and
/// how many requests one connection may carry: a worker is not held for long.
const KEEP_ALIVE_IDLE: std::time::Duration = std::time::Duration::from_secs(1);
const KEEP_ALIVE_REQUESTS: u32 = 1000;

/// Answer the requests of one connection: the first, then more while the
/// client keeps it alive, fewer than three quarters of the workers are busy,
/// and no answer was an error.
fn serve_connection(shared: &Shared, mut stream: TcpStream, peer: SocketAddr) {
    let mut served = 0;
    loop {
        let started = Instant::now();
        let wait =
            if served == 0 { shared.cfg.request_timeout } else { shared.cfg.request_timeout.min(KEEP_ALIVE_IDLE) };
        let may_keep = served + 1 < KEEP_ALIVE_REQUESTS
            && shared.busy.load(Ordering::SeqCst) * 4 < shared.cfg.workers * 3
            && !shared.shutdown.load(Ordering::SeqCst);
        match handle(shared, &mut stream, peer, started, started + wait, served > 0, may_keep) {
            Some(true) => served += 1,
            _ => return,
        }
    }
}

/// One request and its answer; `Some(keep)` when a request was answered,
/// `keep` when the connection stays open for another.
fn handle(
    shared: &Shared,
    stream: &mut TcpStream,
    peer: SocketAddr,
    started: Instant,
    deadline: Instant,
    again: bool,
    may_keep: bool,
) -> Option<bool> {
    let req = http::read_request(stream, deadline);
    let (reply, method, target, http10, asked_keep) = match req {
        // Nothing was asked: close quietly (openssl#23934 spins here).
        Err(ReadError::Closed) => return None,
        // A kept-alive connection that stays idle is closed, not answered 408.
        Err(ReadError::Timeout) if again => return None,
        Err(e) => {
            let (status, why) = match e {
                ReadError::Timeout => (408, "the client did not send a request in time"),
                ReadError::TooLarge => (413, "the request is larger than 64 KiB"),
                ReadError::LengthRequired => (411, "a POST needs a Content-Length"),
                _ => (400, "not an HTTP request"),
            };
            (Reply::plain(status, why), Method::Other, String::new(), true, false)
        }
        Ok(r) => (route(shared, &r), r.method, r.target, r.http10, r.keep_alive),
    };
    let keep = may_keep && asked_keep && reply.status < 400;
    let response = Response {
        status: reply.status,
        content_type: reply.content_type,
        body: &reply.body,
        max_age: reply.max_age,
        head_only: method == Method::Head,
    };
    // An answer that fills the socket buffer (a large CRL) must not wait forever on a stalled reader.
    if reply.body.len() > 16 * 1024 {
        let _ = stream.set_write_timeout(Some(shared.cfg.request_timeout));
    }
    let written = http::write_response(stream, http10, keep, &response);
    if reply.status >= 400 {
        linger(stream);
    }
    shared.requests.fetch_add(1, Ordering::Relaxed);
    let a = reply.answered.as_ref();
    let log = RequestLog {
        time: crate::pki::dates::rfc3339(OffsetDateTime::now_utc()),
        peer: peer.to_string(),
        method: method.name(),
        path: target.chars().take(120).collect(),
        http_status: reply.status,
        ocsp_status: a.map(|a| a.ocsp_status),
        certs: a.map_or_else(Vec::new, |a| {
            a.certs.iter().map(|(serial, status)| CertLog { serial: serial.clone(), status }).collect()
        }),
        bytes: reply.body.len(),
        micros: started.elapsed().as_micros() as u64,
        cached: a.is_some_and(|a| a.cached),
        error: reply.error.or_else(|| written.as_ref().err().map(|e| format!("cannot send the answer: {e}"))),
    };
    (shared.log)(&Event::Request(&log));
    Some(keep && written.is_ok())
}

/// After refusing a request whose body was not read (413), read a little of
/// what is still coming, so closing does not reset the connection before the
/// client has our answer.
fn linger(stream: &mut TcpStream) {
    use std::io::Read;
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_millis(200)));
    let mut sink = [0u8; 16 * 1024];
    let mut total = 0;
    while total < (1 << 20) {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n,
        }
    }
}

fn route(shared: &Shared, req: &http::Request) -> Reply {
    let path = req.target.split('?').next().unwrap_or_default();
    let prefix = shared.cfg.prefix.as_str();
    match req.method {
        Method::Other => return Reply::plain(405, "only GET and POST are answered"),
        Method::Get | Method::Head if path == "/crl" => return crl(shared),
        Method::Get | Method::Head if path == "/ca.crt" => {
            return file_reply("application/pkix-cert", Arc::from(shared.files.ca_der.clone()));
        }
        Method::Post => {
            if path.trim_end_matches('/') != prefix.trim_end_matches('/') {
                return Reply::plain(404, "no OCSP responder at this path");
            }
            return ocsp_reply(shared, &req.body, false);
        }
        Method::Get | Method::Head => {}
    }
    // Everything after the prefix is the request, '/' characters of the base64 included.
    let Some(rest) = req.target.strip_prefix(prefix).filter(|r| !r.is_empty()) else {
        return Reply::plain(404, "no such path");
    };
    let Some(der) = http::percent_decode(rest).and_then(|b64| decode_base64(&b64)) else {
        return Reply::plain(404, "the path is not a base64 OCSP request");
    };
    ocsp_reply(shared, &der, true)
}

fn decode_base64(b64: &[u8]) -> Option<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let cfg = GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let text = b64.trim_ascii();
    GeneralPurpose::new(&base64::alphabet::STANDARD, cfg)
        .decode(text)
        .or_else(|_| GeneralPurpose::new(&base64::alphabet::URL_SAFE, cfg).decode(text))
        .ok()
}

fn ocsp_reply(shared: &Shared, der: &[u8], get: bool) -> Reply {
    let now = OffsetDateTime::now_utc();
    let a = shared.responder.answer(der, now);
    // Caches (nginx's, a CDN's) may keep a GET answer until nextUpdate, at most a minute.
    let max_age = match (get, a.next_update) {
        (true, Some(next)) => Some((next - now).whole_seconds().clamp(0, 60) as u64),
        _ => None,
    };
    Reply {
        status: 200,
        content_type: ocsp::RESPONSE_MIME,
        body: Arc::clone(&a.der),
        max_age,
        error: a.error.clone(),
        answered: Some(a),
    }
}

fn file_reply(content_type: &'static str, body: Arc<[u8]>) -> Reply {
    Reply { status: 200, content_type, body, max_age: None, answered: None, error: None }
}

/// crl/ca.crl as DER; a warning once it is past its nextUpdate.
fn crl(shared: &Shared) -> Reply {
    let Ok(bytes) = std::fs::read(&shared.files.crl) else { return Reply::plain(404, "no CRL has been published") };
    let Some(der) = crate::pki::crl::load_crls(&bytes).ok().and_then(|v| v.into_iter().next()) else {
        return Reply::plain(500, "the CRL file is unreadable");
    };
    let next = crate::pki::crl::headers(&der).first().and_then(|h| h.next_update);
    if next.is_some_and(|n| n < OffsetDateTime::now_utc()) && !shared.crl_warned.swap(true, Ordering::Relaxed) {
        (shared.log)(&Event::Warning(format!("{} is past its nextUpdate: run gen-crl", shared.files.crl.display())));
    }
    file_reply("application/pkix-crl", Arc::from(der))
}
