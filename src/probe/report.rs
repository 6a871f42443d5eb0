//! The probe report: what the attempts showed, the server's answer on our
//! certificate, a verdict and the diagnosis. Field names are a contract
//! (docs/json.md, `## probe`).

use serde::Serialize;
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

use super::diagnose::{self, Diagnosis, OurCert, Severity};
use super::vocab::{Alert, CheckCode, Code, Enforcement, Stage, TrustSource, Verdict};
use super::{Attempt, FailKind};
use crate::pki::dates;
use crate::pki::{certinfo, names};
use rustls::AlertDescription;

/// A certificate of the server's chain.
#[derive(Debug, Clone, Serialize)]
pub struct ChainCert {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub sans: Vec<names::San>,
    pub not_before: String,
    pub not_after: String,
    pub days_left: i64,
    pub is_ca: bool,
    pub sha256_fingerprint: String,
    /// Seconds until notAfter (negative once expired), for durations in the unit that fits.
    #[serde(skip)]
    pub seconds_left: i64,
    /// Seconds from notBefore to notAfter.
    #[serde(skip)]
    pub lifetime: i64,
}

impl ChainCert {
    pub fn from_der(der: &[u8]) -> Option<Self> {
        let c = certinfo::parse(der).ok()?;
        let na = certinfo::not_after(&c);
        Some(Self {
            subject: names::display_name(c.subject()),
            issuer: names::display_name(c.issuer()),
            serial: certinfo::serial_hex(&c),
            sans: certinfo::sans(&c),
            not_before: dates::rfc3339(certinfo::not_before(&c)),
            not_after: dates::rfc3339(na),
            days_left: dates::days_left(na),
            is_ca: certinfo::is_ca(&c),
            sha256_fingerprint: certinfo::sha256_fingerprint(der),
            seconds_left: (na - time::OffsetDateTime::now_utc()).whole_seconds(),
            lifetime: (na - certinfo::not_before(&c)).whole_seconds(),
        })
    }
}

/// Whether we trust the server, and against what.
#[derive(Debug, Clone, Serialize)]
pub struct ServerVerification {
    /// Chain, validity and name all pass (None: no certificate was received).
    pub trusted: Option<bool>,
    pub chain_ok: Option<bool>,
    pub hostname_ok: Option<bool>,
    /// `ok`, or the diagnosis code of the failure (`server_cert_untrusted`, `hostname_mismatch`, ...).
    pub code: Option<CheckCode>,
    pub error: Option<String>,
    /// `cacert`, `store` or `system`.
    pub trust_source: TrustSource,
    pub trust_file: Option<String>,
    pub trust_anchor_count: usize,
    /// Subjects of the trusted CAs (the first 20).
    pub trust_anchors: Vec<String>,
    pub insecure: bool,
    /// verify's code for the chain (`valid`, `invalid_ca`, `expired`, ...): the
    /// decision with `--cacert` or the store; null with the system roots.
    pub verify_code: Option<crate::pki::verify::Code>,
    /// What rustls' own verifier (webpki) said when it refused, recorded beside
    /// the decision (null when it accepted).
    pub webpki_error: Option<String>,
}

/// The client certificate we had to offer.
#[derive(Debug, Clone, Serialize)]
pub struct ClientCertInfo {
    /// `store:NAME` or the file it came from.
    pub source: String,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub not_after: String,
    pub days_left: i64,
    pub chain_length: usize,
    pub revoked_in_store: Option<String>,
    /// The verdict of verify's policy on it before it was sent.
    pub check: IdentityCheck,
    /// Seconds until notAfter (negative once expired).
    #[serde(skip)]
    pub seconds_left: i64,
}

/// verify's verdict on our own certificate: its own rules, and with the store,
/// its path to the store's CA and the store's CRL.
#[derive(Debug, Clone, Serialize)]
pub struct IdentityCheck {
    pub code: crate::pki::verify::Code,
    pub message: String,
}

/// What the server said after seeing (or not seeing) our certificate.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServerResponse {
    /// `handshake`, `after_handshake` or `http`: where the answer came from.
    pub stage: Option<Stage>,
    pub alert: Option<Alert>,
    pub http_status: Option<u16>,
    pub http_reason: Option<String>,
    pub http_detail: Option<String>,
    pub error: Option<String>,
}

/// An extra handshake of `--no-client-cert`: without a certificate, or with the canary.
#[derive(Debug, Clone, Serialize)]
pub struct WithoutClientCert {
    pub client_cert_requested: Option<bool>,
    pub handshake_completed: bool,
    pub server_response: ServerResponse,
    pub accepted: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub target: String,
    pub address: Option<String>,
    pub sni: Option<String>,
    pub verify_name: String,
    pub connect_ms: Option<f64>,
    pub handshake_ms: Option<f64>,
    pub tls_version: Option<String>,
    pub cipher_suite: Option<String>,
    pub key_exchange: Option<String>,
    pub alpn: Option<String>,
    pub server_chain: Vec<ChainCert>,
    pub server_verification: ServerVerification,
    /// None when the handshake ended before the server could ask.
    pub client_cert_requested: Option<bool>,
    pub acceptable_ca_names: Vec<String>,
    pub issuer_acceptable: Option<bool>,
    pub client_cert: Option<ClientCertInfo>,
    pub client_cert_sent: bool,
    pub server_response: ServerResponse,
    pub client_cert_accepted: Option<bool>,
    /// From the handshakes without a certificate and with the canary.
    pub enforcement: Option<Enforcement>,
    pub without_client_cert: Option<WithoutClientCert>,
    /// With `--no-client-cert`, the handshake with a certificate from a CA made for this run.
    pub with_canary_cert: Option<WithoutClientCert>,
    /// `ok`, `mtls_failed` or `error`.
    pub verdict: Verdict,
    pub diagnosis: Vec<Diagnosis>,
    /// Whether the main handshake completed (for the face: a report is worth printing).
    #[serde(skip)]
    pub handshake_completed: bool,
}

/// The server's answer on the client certificate (or on its absence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Accepted,
    /// Refused at the TLS layer (an alert, or closing the connection) or by one of
    /// nginx's certificate pages.
    Rejected {
        alert: Option<AlertDescription>,
        http: Option<(u16, Option<String>)>,
    },
    /// The application answered 401 or 403.
    HttpRefused {
        status: u16,
        reason: String,
    },
    /// A TLS 1.2 server asked to renegotiate (to ask for a certificate for this path only).
    Renegotiation,
    /// The handshake failed for reasons before the server judged the client.
    NotReached,
    /// The handshake completed and no refusal came, but neither did an answer we could read
    /// (a server that waits for another protocol, or a slow application).
    Silent,
}

impl Answer {
    /// "Refused" as enforcement counts it: an alert, a certificate page, HTTP 401/403.
    fn refused(&self) -> bool {
        matches!(self, Self::Rejected { .. } | Self::HttpRefused { .. })
    }
}

/// Whether our verifier stopped the handshake (the server never judged our certificate).
pub fn stopped_by_us(at: &Attempt) -> bool {
    matches!(at.failure.as_ref().and_then(|f| f.tls_error.as_ref()), Some(rustls::Error::InvalidCertificate(_)))
}

/// Connection-level failures: nothing about mTLS could be tested.
pub fn untestable(at: &Attempt) -> bool {
    match &at.failure {
        Some(f) => match f.kind {
            FailKind::Resolve
            | FailKind::Refused
            | FailKind::Unreachable
            | FailKind::Timeout
            | FailKind::NotTls
            | FailKind::Io => true,
            FailKind::Closed => at.server.chain.is_empty(),
            FailKind::Alert(_) | FailKind::Tls => false,
        },
        None => false,
    }
}

pub fn answer(at: &Attempt) -> Answer {
    if let Some(f) = &at.failure {
        return match f.kind {
            FailKind::Alert(a) => Answer::Rejected { alert: Some(a), http: None },
            FailKind::Closed if at.request.requested => Answer::Rejected { alert: None, http: None },
            _ => Answer::NotReached,
        };
    }
    // A renegotiation request comes first: the alert or status after it is the server's
    // answer to our refusal to renegotiate, not to our certificate.
    if at.renegotiation {
        return Answer::Renegotiation;
    }
    if let Some(a) = at.post_alert {
        return Answer::Rejected { alert: Some(a), http: None };
    }
    if let Some(h) = &at.http {
        if h.cert_page {
            return Answer::Rejected { alert: None, http: Some((h.status, h.detail.clone())) };
        }
        if matches!(h.status, 401 | 403) {
            return Answer::HttpRefused { status: h.status, reason: h.reason.clone() };
        }
        return Answer::Accepted;
    }
    if at.post_closed {
        return if at.request.requested { Answer::Rejected { alert: None, http: None } } else { Answer::Silent };
    }
    if at.post_error.is_some() && !at.post_data {
        return Answer::Silent;
    }
    Answer::Accepted
}

/// Whether the server let this attempt in.
fn let_in(at: &Attempt) -> Option<bool> {
    match answer(at) {
        Answer::Accepted | Answer::Silent if at.handshake_done => Some(true),
        a if a.refused() => Some(false),
        _ => None,
    }
}

fn response_of(at: &Attempt) -> ServerResponse {
    let mut r = ServerResponse::default();
    if let Some(f) = &at.failure {
        if stopped_by_us(at) {
            r.error = Some(format!("not reached: this client stopped the handshake ({})", f.detail));
            return r;
        }
        if let FailKind::Alert(a) = f.kind {
            r.stage = Some(Stage::Handshake);
            r.alert = Some(Alert(a));
        } else if !untestable(at) {
            r.stage = Some(Stage::Handshake);
        }
        r.error = Some(f.detail.clone());
        return r;
    }
    if let Some(a) = at.post_alert {
        r.stage = Some(Stage::AfterHandshake);
        r.alert = Some(Alert(a));
        if at.renegotiation {
            r.error = Some("the server asked to renegotiate (TLS 1.2 HelloRequest), then sent this alert".into());
        }
        return r;
    }
    if let Some(h) = &at.http {
        r.stage = Some(Stage::Http);
        r.http_status = Some(h.status);
        r.http_reason = Some(h.reason.clone()).filter(|s| !s.is_empty());
        r.http_detail = h.detail.clone();
        if at.renegotiation {
            r.error = Some("the server asked to renegotiate (TLS 1.2 HelloRequest) before answering".into());
        }
        return r;
    }
    if at.renegotiation {
        r.stage = Some(Stage::AfterHandshake);
        r.error = Some("the server asked to renegotiate (TLS 1.2 HelloRequest)".into());
        if let Some(e) = &at.post_error {
            r.error = Some(format!("the server asked to renegotiate (TLS 1.2 HelloRequest); then {e}"));
        }
        return r;
    }
    if at.post_error.is_some() {
        r.stage = Some(Stage::AfterHandshake);
        r.error = at.post_error.clone();
    }
    r
}

/// Display a DER Name from a CertificateRequest.
pub fn name_text(der: &[u8]) -> String {
    match X509Name::from_der(der) {
        Ok((_, n)) => names::display_name(&n),
        Err(_) => format!("(unparsable name, {} bytes)", der.len()),
    }
}

/// `enforcement` from the attempt without a certificate and the one with the canary.
pub fn enforcement_of(nocert: &Attempt, canary: Option<&Attempt>) -> Option<Enforcement> {
    if untestable(nocert) {
        return None;
    }
    if nocert.handshake_done && !nocert.request.requested {
        return Some(Enforcement::NotRequested);
    }
    if canary.and_then(let_in) == Some(true) {
        return Some(Enforcement::Unverified);
    }
    match answer(nocert) {
        a if a.refused() => match canary.map(answer) {
            Some(c) if !c.refused() => None,
            _ => Some(Enforcement::Required),
        },
        Answer::Accepted | Answer::Silent if nocert.request.requested => Some(Enforcement::Optional),
        _ => None,
    }
}

/// A duration in the unit that fits: "3 days", "5 hours", "12 minutes", "40 seconds".
pub fn duration_text(secs: i64) -> String {
    let s = secs.unsigned_abs();
    let (n, unit) = if s >= 2 * 86_400 {
        (s / 86_400, "day")
    } else if s >= 2 * 3_600 {
        (s / 3_600, "hour")
    } else if s >= 2 * 60 {
        (s / 60, "minute")
    } else {
        (s, "second")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// "expires in 5 hours" / "expired 3 days ago".
pub fn expiry_text(seconds_left: i64) -> String {
    if seconds_left > 0 {
        format!("expires in {}", duration_text(seconds_left))
    } else {
        format!("expired {} ago", duration_text(seconds_left))
    }
}

/// "3 days left" / "expired 2 hours ago", for the human report.
pub fn left_text(seconds_left: i64) -> String {
    if seconds_left > 0 { format!("{} left", duration_text(seconds_left)) } else { expiry_text(seconds_left) }
}

fn failure_diagnosis(at: &Attempt, target: &str) -> Diagnosis {
    let detail = at.failure.as_ref().map(|f| f.detail.clone()).unwrap_or_default();
    let kind = at.failure.as_ref().map(|f| f.kind.clone());
    match kind {
        Some(FailKind::Resolve) => Diagnosis::new(
            Code::DnsFailed,
            Severity::Error,
            detail,
            "check the host name (and /etc/hosts or DNS), or connect by IP with --servername NAME for SNI and the name check",
        ),
        Some(FailKind::Refused) => Diagnosis::new(
            Code::ConnectionRefused,
            Severity::Error,
            format!("connection to {target} refused: nothing listens on that port"),
            "check the port and that the server is running (nginx: the listen directive), and that no firewall rejects the connection",
        ),
        Some(FailKind::Unreachable) => Diagnosis::new(
            Code::HostUnreachable,
            Severity::Error,
            detail,
            "check the address and the network route to it",
        ),
        Some(FailKind::Timeout) => Diagnosis::new(
            Code::Timeout,
            Severity::Error,
            format!("{detail}: the server did not answer in time"),
            "check that the port serves TLS and is not filtered by a firewall; raise --timeout for slow links",
        ),
        Some(FailKind::NotTls) | Some(FailKind::Closed) => Diagnosis::new(
            Code::NotTls,
            Severity::Error,
            format!(
                "the server did not answer the TLS ClientHello with TLS ({detail}): it is not a TLS server on this port, or it refused this client"
            ),
            "check the port: is it the TLS listener (nginx: listen ... ssl)? A plain-HTTP port answers in text",
        ),
        _ => Diagnosis::new(Code::ConnectionFailed, Severity::Error, detail, "check the address and port"),
    }
}

/// Inputs besides the attempts.
pub struct Context {
    pub target: String,
    pub sni: Option<String>,
    pub verify_name: String,
    pub insecure: bool,
    pub trust: ServerVerification,
    /// Names of trusted anchors for the cause text ("--cacert ca.pem: CN=...").
    pub trust_text: String,
    pub client_cert: Option<ClientCertInfo>,
    /// Raw issuer Names of our chain (each certificate's issuer), to match against CA hints.
    pub our_issuers: Vec<Vec<u8>>,
    pub ours: Option<OurCert>,
    /// Seconds until our certificate's notAfter, and its whole lifetime.
    pub ours_seconds_left: Option<(i64, i64)>,
    pub http: bool,
    /// `--no-client-cert`: the enforcement question is part of the verdict.
    pub no_client_cert: bool,
}

/// Compare Names as DER, tolerating a missing outer SEQUENCE on either side.
fn same_name(a: &[u8], b: &[u8]) -> bool {
    a == b || wrap(a) == b || wrap(b) == a
}

fn wrap(x: &[u8]) -> Vec<u8> {
    let mut out = vec![0x30];
    let n = x.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend([0x81, n as u8]);
    } else {
        out.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(x);
    out
}

/// The attempts of one probe: with our identity (or none), and for `--no-client-cert`
/// without a certificate and with the canary.
pub struct Attempts<'a> {
    pub main: &'a Attempt,
    pub without: Option<&'a Attempt>,
    pub canary: Option<&'a Attempt>,
}

/// Why the server chain was refused: by verify's policy (the trust is ours), or by webpki (the system roots).
enum Refusal<'a> {
    Policy(&'a crate::pki::verify::Verdict),
    Webpki(&'a rustls::Error),
}

impl Refusal<'_> {
    fn code(&self) -> Code {
        match self {
            Self::Policy(v) => diagnose::server_policy_code(v.code),
            Self::Webpki(e) => diagnose::server_cert_code(e),
        }
    }

    fn words(&self) -> String {
        match self {
            Self::Policy(v) => v.message.clone(),
            Self::Webpki(e) => diagnose::describe_tls_error(e),
        }
    }
}

/// The decision on the server chain: None when no certificate was received.
fn server_refusal(main: &Attempt) -> Option<Option<Refusal<'_>>> {
    match (&main.server.policy, &main.server.verdict) {
        (Some(v), _) => Some((!v.valid()).then_some(Refusal::Policy(v))),
        (None, Some(Err(e))) => Some(Some(Refusal::Webpki(e))),
        (None, Some(Ok(()))) => Some(None),
        (None, None) => None,
    }
}

/// The server-certificate part: fills `sv`, returns the error if the chain or name failed.
fn server_check(ctx: &Context, main: &Attempt, chain: &[ChainCert], sv: &mut ServerVerification) -> Vec<Diagnosis> {
    let mut diags = Vec::new();
    let leaf_issuer = chain.first().map(|c| c.issuer.clone()).unwrap_or_default();
    let presented = chain
        .first()
        .map(|c| if c.sans.is_empty() { "no subject alternative names".to_string() } else { names::join_sans(&c.sans) })
        .unwrap_or_default();
    let Some(refusal) = server_refusal(main) else { return diags };
    let code = refusal.as_ref().map(Refusal::code);
    // The policy checks the name last: when it decided, its verdict says whether the name matched.
    let host_err = match &main.server.policy {
        Some(v) if v.valid() => false,
        Some(v) if v.code == crate::pki::verify::Code::NameMismatch => true,
        _ => matches!(main.server.hostname, Some(Err(_))),
    };
    sv.trusted = Some(refusal.is_none());
    sv.hostname_ok = Some(!host_err);
    sv.chain_ok = Some(code.is_none_or(|c| c == Code::HostnameMismatch));
    sv.code = Some(code.map_or(CheckCode::Ok, CheckCode::Failed));
    sv.error = refusal.as_ref().map(Refusal::words);
    sv.verify_code = main.server.policy.as_ref().map(|v| v.code);
    sv.webpki_error = match &main.server.verdict {
        Some(Err(e)) => Some(diagnose::describe_tls_error(e)),
        _ => None,
    };
    let severity = if ctx.insecure { Severity::Warning } else { Severity::Error };
    let d = |code| {
        diagnose::server_cert_diagnosis(code, severity, &leaf_issuer, &ctx.trust_text, &ctx.verify_name, &presented)
    };
    if let (Some(r), Some(code)) = (&refusal, code) {
        diags.push(match r {
            Refusal::Policy(v) => diagnose::server_policy_diagnosis(
                (v.code, &v.message),
                severity,
                &leaf_issuer,
                &ctx.trust_text,
                &ctx.verify_name,
                &presented,
            ),
            Refusal::Webpki(_) => d(code),
        });
        if host_err && code != Code::HostnameMismatch {
            diags.push(d(Code::HostnameMismatch));
        }
    }
    diags
}

/// What the server did with the certificate it asked for (or did not ask for).
struct Seen<'a> {
    requested: bool,
    sent: bool,
    have_identity: bool,
    tls13: bool,
    ours: &'a OurCert,
}

/// The diagnosis of a refusal, a renegotiation or a failed handshake; None when let in.
fn refusal_diagnosis(ans: &Answer, main: &Attempt, seen: &Seen<'_>) -> Option<Diagnosis> {
    let Seen { requested, sent, have_identity, ours, .. } = *seen;
    Some(match ans {
        Answer::Rejected { alert, http } => {
            let via = diagnose::via_text(*alert, http.as_ref().map(|(s, d)| (*s, d.as_deref())));
            match (alert, http) {
                (Some(a), _) => diagnose::from_alert(*a, requested, sent, have_identity, ours),
                (None, Some((_, detail)))
                    if !sent || detail.as_deref() == Some("No required SSL certificate was sent") =>
                {
                    diagnose::client_cert_missing(&via, have_identity)
                }
                _ if !sent => diagnose::client_cert_missing(&via, have_identity),
                _ => diagnose::explain_rejection(&via, ours),
            }
        }
        Answer::HttpRefused { status, reason } => {
            diagnose::http_refused(*status, reason, seen.tls13, requested, sent, ours)
        }
        Answer::Renegotiation => diagnose::renegotiation(main.http.as_ref().map(|h| h.status), sent),
        Answer::NotReached if stopped_by_us(main) => return None,
        Answer::NotReached => {
            let detail = main.failure.as_ref().map(|f| f.detail.clone()).unwrap_or_default();
            Diagnosis::new(
                Code::TlsHandshakeFailed,
                Severity::Error,
                format!("the TLS handshake failed: {detail}"),
                "compare the server's TLS settings (protocols, ciphers, key types) with a TLS 1.2/1.3 client, and read its error log",
            )
        }
        Answer::Accepted | Answer::Silent => return None,
    })
}

/// Findings when the server let us in: whether that means mTLS works.
fn let_in_diagnosis(ctx: &Context, main: &Attempt, seen: &Seen<'_>) -> (bool, Vec<Diagnosis>) {
    let mut diags = Vec::new();
    let mut works = true;
    if main.post_error.is_some() && main.http.is_none() {
        let detail = main.post_error.clone().unwrap_or_default();
        let fix = if ctx.http {
            "if the service does not speak HTTP, pass --no-http; otherwise read the server's error log"
        } else {
            "read the server's error log"
        };
        diags.push(Diagnosis::new(
            Code::NoAnswer,
            Severity::Warning,
            format!("the TLS handshake completed and the server sent no refusal, but {detail}"),
            fix,
        ));
    }
    if !seen.requested {
        works = false;
        diags.push(diagnose::not_requested(seen.tls13, seen.have_identity));
    } else if !seen.sent {
        works = false;
        diags.push(diagnose::optional(seen.have_identity));
    } else {
        if seen.ours.issuer_acceptable == Some(false) {
            diags.push(diagnose::accepts_unverified_suspected(seen.ours));
        }
        if let Some(r) = &seen.ours.revoked {
            diags.push(diagnose::crl_outdated(r));
        }
    }
    if let Some(h) = &main.http {
        if h.status >= 400 {
            diags.push(diagnose::http_status(h.status, &h.reason, h.detail.as_deref()));
        }
    }
    (works, diags)
}

/// The enforcement answer turned into a verdict when `--no-client-cert` asked for it.
fn enforcement_diagnosis(e: Option<Enforcement>) -> Option<Diagnosis> {
    match e {
        Some(Enforcement::Optional) => Some(diagnose::optional_enforcement()),
        Some(Enforcement::Unverified) => Some(diagnose::accepts_unverified()),
        Some(Enforcement::NotRequested) => Some(diagnose::not_requested(false, true)),
        Some(Enforcement::Required) | None => None,
    }
}

/// The verdict of `--no-client-cert` without an identity: enforcement alone decides.
fn enforcement_only(enforcement: Option<Enforcement>, diags: &mut Vec<Diagnosis>) -> Verdict {
    let refusal = |d: &Diagnosis| matches!(d.code, Code::ClientCertMissing | Code::ClientCertOptional);
    match enforcement {
        Some(Enforcement::Required) => {
            diags.retain(|d| !refusal(d));
            Verdict::Ok
        }
        Some(Enforcement::NotRequested) => Verdict::MtlsFailed,
        Some(e) => {
            diags.retain(|d| !refusal(d));
            diags.extend(enforcement_diagnosis(Some(e)));
            Verdict::MtlsFailed
        }
        None => {
            if diags.iter().all(|d| d.severity != Severity::Error) {
                diags.push(Diagnosis::new(
                    Code::TlsHandshakeFailed,
                    Severity::Error,
                    "whether the server enforces mTLS could not be told from its answers",
                    "read the server's error log, or probe with an identity (--name NAME)",
                ));
            }
            Verdict::MtlsFailed
        }
    }
}

/// Within 14 days of its end, and in the last third of its lifetime: a
/// 24-hour certificate is not "expiring" the moment it is issued (renew
/// --due's default window is the last third too).
fn expiring_soon((left, lifetime): (i64, i64)) -> bool {
    (1..14 * 86_400).contains(&left) && (lifetime <= 0 || left < lifetime / 3)
}

fn expiring(chain: &[ChainCert], ours: Option<(i64, i64)>, cn: Option<&str>) -> Vec<Diagnosis> {
    let mut diags = Vec::new();
    let first = chain.first().map(|c| (c.seconds_left, c.lifetime)).filter(|&p| expiring_soon(p));
    if let Some((s, _)) = first {
        diags.push(Diagnosis::new(
            Code::ServerCertExpiring,
            Severity::Warning,
            format!("the server certificate {}", expiry_text(s)),
            "renew the server certificate before it expires",
        ));
    }
    if let Some((s, _)) = ours.filter(|&p| expiring_soon(p)) {
        diags.push(Diagnosis::new(
            Code::ClientCertExpiring,
            Severity::Warning,
            format!("the client certificate {}", expiry_text(s)),
            format!(
                "renew it before it expires: mtlsctl renew --cn {}",
                cn.map_or_else(|| "NAME".to_string(), diagnose::shell_word)
            ),
        ));
    }
    diags
}

fn extra_attempt(w: &Attempt) -> WithoutClientCert {
    WithoutClientCert {
        client_cert_requested: (!w.server.chain.is_empty()).then_some(w.request.requested),
        handshake_completed: w.handshake_done,
        server_response: response_of(w),
        accepted: let_in(w),
    }
}

/// What the server asked of us: the CA names it sent, and whether our issuer is among them.
fn asked_of_us(ctx: &Context, main: &Attempt) -> (Vec<String>, Option<bool>, OurCert) {
    let acceptable: Vec<String> = main.request.ca_names.iter().map(|n| name_text(n)).collect();
    let issuer_acceptable = if main.request.ca_names.is_empty() || ctx.our_issuers.is_empty() {
        None
    } else {
        Some(main.request.ca_names.iter().any(|n| ctx.our_issuers.iter().any(|i| same_name(n, i))))
    };
    let mut ours = ctx.ours.clone().unwrap_or_default();
    ours.issuer_acceptable = issuer_acceptable;
    ours.acceptable = acceptable.clone();
    (acceptable, issuer_acceptable, ours)
}

/// The verdict on the main attempt, with the diagnosis that explains it.
fn main_verdict(
    ctx: &Context,
    main: &Attempt,
    seen: &Seen<'_>,
    enforcement: Option<Enforcement>,
    server_failed: bool,
    diags: &mut Vec<Diagnosis>,
) -> Verdict {
    let ans = answer(main);
    let verdict = if untestable(main) {
        diags.push(failure_diagnosis(main, &ctx.target));
        Verdict::Error
    } else if let Some(d) = refusal_diagnosis(&ans, main, seen) {
        diags.push(d);
        Verdict::MtlsFailed
    } else if matches!(ans, Answer::NotReached) {
        Verdict::MtlsFailed
    } else {
        let (works, more) = let_in_diagnosis(ctx, main, seen);
        diags.extend(more);
        let mut verdict = if works && !server_failed { Verdict::Ok } else { Verdict::MtlsFailed };
        if ctx.no_client_cert && works {
            if let Some(d) = enforcement_diagnosis(enforcement) {
                diags.push(d);
                verdict = Verdict::MtlsFailed;
            }
        }
        verdict
    };
    // `--no-client-cert` without an identity asks only "is mTLS enforced?": a refusal of
    // the connection without a certificate is then the right answer, not a failure.
    if ctx.no_client_cert && !seen.have_identity && verdict != Verdict::Error && !server_failed {
        enforcement_only(enforcement, diags)
    } else {
        verdict
    }
}

/// The findings besides the verdict's own: expiry soon, an extra handshake that could not be made.
fn later_findings(verdict: Verdict, chain: &[ChainCert], ctx: &Context, attempts: &Attempts<'_>) -> Vec<Diagnosis> {
    let mut diags = Vec::new();
    if verdict != Verdict::Error {
        diags.extend(expiring(chain, ctx.ours_seconds_left, ctx.ours.as_ref().and_then(|o| o.cn.as_deref())));
    }
    if let Some(w) = attempts.without.into_iter().chain(attempts.canary).find(|w| untestable(w)) {
        diags.push(Diagnosis::new(
            Code::NoClientCertAttemptFailed,
            Severity::Warning,
            format!(
                "a handshake of --no-client-cert (without a certificate, or with the canary) could not be made: {}",
                w.failure.as_ref().map(|f| f.detail.clone()).unwrap_or_default()
            ),
            "run the probe again",
        ));
    }
    diags
}

/// Whether the server accepted our certificate (or its absence); None when it never judged.
fn accepted_of(main: &Attempt, requested: bool, sent: bool) -> Option<bool> {
    match answer(main) {
        _ if !sent && !requested => None,
        Answer::Accepted | Answer::Silent if !untestable(main) && main.handshake_done => Some(true),
        a if a.refused() => Some(false),
        _ => None,
    }
}

pub fn build(ctx: Context, attempts: Attempts<'_>) -> Report {
    let main = attempts.main;
    let server_chain: Vec<ChainCert> = main.server.chain.iter().filter_map(|d| ChainCert::from_der(d)).collect();
    let mut sv = ctx.trust.clone();
    let mut diags = server_check(&ctx, main, &server_chain, &mut sv);
    let server_failed = sv.trusted == Some(false) && !ctx.insecure;

    let (acceptable, issuer_acceptable, ours) = asked_of_us(&ctx, main);
    let have_identity = ctx.client_cert.is_some();
    let requested = main.request.requested;
    let sent = main.request.sent && !stopped_by_us(main);
    let seen = Seen { requested, sent, have_identity, tls13: main.version.as_deref() == Some("TLSv1.3"), ours: &ours };

    // Enforcement: from the attempt without a certificate (the main one when we had none).
    let nocert = attempts.without.or((!have_identity || !main.identity_offered).then_some(main));
    let enforcement = nocert.and_then(|n| enforcement_of(n, attempts.canary));

    let verdict = main_verdict(&ctx, main, &seen, enforcement, server_failed, &mut diags);
    diags.extend(later_findings(verdict, &server_chain, &ctx, &attempts));
    // Most important first: what failed, then warnings, then notes.
    diags.sort_by_key(|d| d.severity);

    Report {
        target: ctx.target,
        address: main.address.map(|a| a.to_string()),
        sni: ctx.sni,
        verify_name: ctx.verify_name,
        connect_ms: main.connect_ms,
        handshake_ms: main.handshake_ms,
        tls_version: main.version.clone(),
        cipher_suite: main.cipher_suite.clone(),
        key_exchange: main.key_exchange.clone(),
        alpn: main.alpn.clone(),
        server_chain,
        server_verification: sv,
        client_cert_requested: (main.handshake_done || !main.server.chain.is_empty() || requested).then_some(requested),
        acceptable_ca_names: acceptable,
        issuer_acceptable,
        client_cert: ctx.client_cert,
        client_cert_sent: sent,
        server_response: response_of(main),
        client_cert_accepted: accepted_of(main, requested, sent),
        enforcement,
        without_client_cert: attempts.without.map(extra_attempt),
        with_canary_cert: attempts.canary.map(extra_attempt),
        verdict,
        diagnosis: diags,
        handshake_completed: main.handshake_done,
    }
}

#[cfg(test)]
mod tests {
    //! The verdict table of SPEC §3 without a server: attempts as a handshake would
    //! record them, with certificates made in memory.

    use super::*;

    #[test]
    fn expiring_means_the_last_third_of_the_lifetime_within_14_days() {
        let (h, d) = (3600, 86_400);
        assert!(!expiring_soon((24 * h - 60, 24 * h)), "a fresh 24h certificate");
        assert!(expiring_soon((7 * h, 24 * h)), "a 24h certificate with 7 h left");
        assert!(!expiring_soon((20 * d, 90 * d)), "more than 14 days left");
        assert!(expiring_soon((13 * d, 90 * d)));
        assert!(!expiring_soon((13 * d, 30 * d)), "13 of 30 days left is not the last third");
        assert!(!expiring_soon((-5, 90 * d)), "expired is another diagnosis");
    }
    use crate::probe::Failure;
    use crate::probe::recorder::{RequestSeen, ServerSeen};
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

    struct Certs {
        server: Vec<u8>,
        /// The DER subject of our CA, as a CertificateRequest names it.
        ca_name: Vec<u8>,
        other_name: Vec<u8>,
    }

    fn ca(cn: &str) -> (KeyPair, CertificateParams) {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::default();
        p.distinguished_name.push(DnType::CommonName, cn);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        (key, p)
    }

    fn certs() -> Certs {
        let (ca_key, ca_params) = ca("Test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let (o_key, o_params) = ca("Other CA");
        let other = o_params.self_signed(&o_key).unwrap();
        let issuer = Issuer::new(ca_params, &ca_key);
        let key = KeyPair::generate().unwrap();
        let mut sp = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        sp.distinguished_name.push(DnType::CommonName, "localhost");
        let server = sp.signed_by(&key, &issuer).unwrap();
        let subject = |der: &[u8]| crate::pki::certinfo::parse(der).unwrap().subject().as_raw().to_vec();
        Certs { server: server.der().to_vec(), ca_name: subject(ca_cert.der()), other_name: subject(other.der()) }
    }

    /// A completed handshake that asked (or not) and sent (or not), with an HTTP answer.
    fn done(c: &Certs, requested: bool, sent: bool, tls13: bool, http: Option<(u16, &str)>) -> Attempt {
        Attempt {
            handshake_done: true,
            version: Some(if tls13 { "TLSv1.3" } else { "TLSv1.2" }.into()),
            server: ServerSeen {
                chain: vec![c.server.clone()],
                verdict: Some(Ok(())),
                hostname: Some(Ok(())),
                policy: None,
            },
            request: RequestSeen { requested, ca_names: vec![c.ca_name.clone()], sigschemes: vec![], sent },
            identity_offered: sent,
            http: http.map(|(status, body)| {
                let raw = format!("HTTP/1.1 {status} X\r\n\r\n{body}");
                crate::probe::parse_http(raw.as_bytes()).unwrap()
            }),
            post_data: http.is_some(),
            ..Attempt::default()
        }
    }

    fn refused_by_alert(c: &Certs, alert: AlertDescription, sent: bool) -> Attempt {
        Attempt {
            failure: Some(Failure {
                kind: FailKind::Alert(alert),
                detail: format!("received TLS alert {}", Alert(alert)),
                tls_error: Some(rustls::Error::AlertReceived(alert)),
            }),
            handshake_done: false,
            http: None,
            post_data: false,
            ..done(c, true, sent, false, None)
        }
    }

    fn ctx(identity: bool, issuer: &[u8]) -> Context {
        Context {
            target: "127.0.0.1:8443".into(),
            sni: None,
            verify_name: "127.0.0.1".into(),
            insecure: false,
            trust: ServerVerification {
                trusted: None,
                chain_ok: None,
                hostname_ok: None,
                code: None,
                error: None,
                trust_source: TrustSource::Store,
                trust_file: None,
                trust_anchor_count: 1,
                trust_anchors: vec!["CN=Test CA".into()],
                insecure: false,
                verify_code: None,
                webpki_error: None,
            },
            trust_text: "the store's CA".into(),
            client_cert: identity.then(|| ClientCertInfo {
                source: "store:alice".into(),
                subject: "CN=alice".into(),
                issuer: "CN=Test CA".into(),
                serial: "01".into(),
                not_after: "2030-01-01T00:00:00Z".into(),
                days_left: 1000,
                chain_length: 1,
                revoked_in_store: None,
                check: IdentityCheck { code: crate::pki::verify::Code::Valid, message: String::new() },
                seconds_left: 1000 * 86_400,
            }),
            our_issuers: if identity { vec![issuer.to_vec()] } else { vec![] },
            ours: identity.then(|| OurCert {
                subject: "CN=alice".into(),
                issuer: "CN=Test CA".into(),
                client_auth: true,
                chain_length: 1,
                ..OurCert::default()
            }),
            ours_seconds_left: identity.then_some((1000 * 86_400, 2000 * 86_400)),
            http: true,
            no_client_cert: false,
        }
    }

    fn one(ctx: Context, main: &Attempt) -> Report {
        build(ctx, Attempts { main, without: None, canary: None })
    }

    fn first(r: &Report) -> Option<Code> {
        r.diagnosis.first().map(|d| d.code)
    }

    const NGINX_NO_CERT: &str = "<html><head><title>400 No required SSL certificate was sent</title>";
    const NGINX_CERT_ERROR: &str = "<html><head><title>400 The SSL certificate error</title>";

    #[test]
    fn ok_only_when_asked_sent_and_accepted() {
        let c = certs();
        let r = one(ctx(true, &c.ca_name), &done(&c, true, true, true, Some((200, "hi"))));
        assert_eq!((r.verdict, first(&r), r.client_cert_accepted), (Verdict::Ok, None, Some(true)));
        assert_eq!(r.server_verification.code, Some(CheckCode::Ok));

        // Never asked: TLS works, mTLS does not.
        let r = one(ctx(true, &c.ca_name), &done(&c, false, false, true, Some((200, "hi"))));
        assert_eq!((r.verdict, first(&r)), (Verdict::MtlsFailed, Some(Code::ClientCertNotRequested)));
        assert_eq!(r.client_cert_accepted, None);
        assert!(r.diagnosis[0].cause.contains("post-handshake"), "{}", r.diagnosis[0].cause);

        // No identity, asked, let in: optional.
        let r = one(ctx(false, &[]), &done(&c, true, false, true, Some((200, "hi"))));
        assert_eq!(
            (r.verdict, first(&r), r.enforcement),
            (Verdict::MtlsFailed, Some(Code::ClientCertOptional), Some(Enforcement::Optional))
        );

        // No identity, nginx's page: missing, and enforcement required.
        let r = one(ctx(false, &[]), &done(&c, true, false, true, Some((400, NGINX_NO_CERT))));
        assert_eq!(
            (r.verdict, first(&r), r.enforcement),
            (Verdict::MtlsFailed, Some(Code::ClientCertMissing), Some(Enforcement::Required))
        );
    }

    #[test]
    fn refusals_by_alert_and_by_nginx_page() {
        let c = certs();
        for (alert, code) in [
            (AlertDescription::UnknownCA, Code::ClientCertCaMismatch),
            (AlertDescription::CertificateExpired, Code::ClientCertExpired),
            (AlertDescription::CertificateRevoked, Code::ClientCertRevoked),
            (AlertDescription::UnsupportedCertificate, Code::ClientCertWrongPurpose),
            (AlertDescription::BadCertificate, Code::ClientCertRejected),
            (AlertDescription::ProtocolVersion, Code::TlsVersionMismatch),
        ] {
            let r = one(ctx(true, &c.ca_name), &refused_by_alert(&c, alert, true));
            assert_eq!((r.verdict, first(&r)), (Verdict::MtlsFailed, Some(code)), "{alert:?}");
            assert_eq!(r.server_response.alert, Some(Alert(alert)));
            assert_eq!(r.server_response.stage, Some(Stage::Handshake));
        }
        let r = one(ctx(false, &[]), &refused_by_alert(&c, AlertDescription::CertificateRequired, false));
        assert_eq!(first(&r), Some(Code::ClientCertMissing));

        // nginx's certificate error page for a certificate whose issuer it does not name.
        let r = one(ctx(true, &c.other_name), &done(&c, true, true, true, Some((400, NGINX_CERT_ERROR))));
        assert_eq!((r.verdict, first(&r)), (Verdict::MtlsFailed, Some(Code::ClientCertCaMismatch)));
        assert_eq!(r.issuer_acceptable, Some(false));
        assert_eq!(r.client_cert_accepted, Some(false));

        // A 400 that is not nginx's page is the application's: TLS decides, with a warning.
        let r = one(ctx(true, &c.ca_name), &done(&c, true, true, true, Some((400, "{\"error\":\"bad input\"}"))));
        assert_eq!((r.verdict, first(&r)), (Verdict::Ok, Some(Code::HttpStatus)));
        for status in [404, 405, 421, 502, 503] {
            let r = one(ctx(true, &c.ca_name), &done(&c, true, true, true, Some((status, ""))));
            assert_eq!((r.verdict, first(&r)), (Verdict::Ok, Some(Code::HttpStatus)), "{status}");
            assert!(r.diagnosis[0].cause.contains(&status.to_string()));
        }
        // 495/496 are nginx's certificate codes whatever the body.
        let r = one(ctx(true, &c.ca_name), &done(&c, true, true, true, Some((495, ""))));
        assert_eq!(first(&r), Some(Code::ClientCertRejected));
    }

    #[test]
    fn an_intermediate_refused_points_at_the_chain_crl() {
        let c = certs();
        let mut cx = ctx(true, &c.ca_name);
        if let Some(o) = cx.ours.as_mut() {
            o.chain_length = 2;
        }
        let r = one(cx, &done(&c, true, true, true, Some((400, NGINX_CERT_ERROR))));
        assert_eq!(first(&r), Some(Code::ClientCertRejected));
        assert!(r.diagnosis[0].fix.contains("crl/ca-chain.crl"), "{}", r.diagnosis[0].fix);
    }

    #[test]
    fn application_refusals_and_renegotiation() {
        let c = certs();
        let r = one(ctx(true, &c.ca_name), &done(&c, true, true, true, Some((403, ""))));
        assert_eq!(
            (r.verdict, first(&r), r.client_cert_accepted),
            (Verdict::MtlsFailed, Some(Code::HttpRefused), Some(false))
        );
        assert!(!r.diagnosis[0].cause.contains("authenticated, not authorized"));
        // TLS 1.3, never asked, then 401: post-handshake authentication.
        let r = one(ctx(true, &c.ca_name), &done(&c, false, false, true, Some((401, ""))));
        assert_eq!(first(&r), Some(Code::HttpRefused));
        assert!(r.diagnosis[0].cause.contains("post-handshake"), "{}", r.diagnosis[0].cause);
        // A revoked certificate refused by the application: no "CRL outdated".
        let mut cx = ctx(true, &c.ca_name);
        if let Some(o) = cx.ours.as_mut() {
            o.revoked = Some("revoked on 2026-01-01 for keyCompromise".into());
        }
        let r = one(cx, &done(&c, true, true, true, Some((403, ""))));
        assert!(r.diagnosis.iter().all(|d| d.code != Code::ServerCrlOutdated));
        assert!(r.diagnosis[0].cause.contains("revoked"));
        // Accepted though revoked: works, with the warning.
        let mut cx = ctx(true, &c.ca_name);
        if let Some(o) = cx.ours.as_mut() {
            o.revoked = Some("revoked".into());
        }
        let r = one(cx, &done(&c, true, true, true, Some((200, ""))));
        assert_eq!((r.verdict, first(&r)), (Verdict::Ok, Some(Code::ServerCrlOutdated)));
        assert!(r.diagnosis[0].fix.contains("Caddy"));

        // TLS 1.2 HelloRequest after the request, then an alert: renegotiation.
        let mut at = done(&c, false, false, false, None);
        at.renegotiation = true;
        at.post_alert = Some(AlertDescription::HandshakeFailure);
        let r = one(ctx(true, &c.ca_name), &at);
        assert_eq!((r.verdict, first(&r)), (Verdict::MtlsFailed, Some(Code::RenegotiationRequested)));
        assert!(r.diagnosis[0].fix.contains("SSLVerifyClient"));
    }

    #[test]
    fn enforcement_with_the_canary() {
        let c = certs();
        let main = done(&c, true, true, true, Some((200, "")));
        let refused = done(&c, true, false, true, Some((400, NGINX_NO_CERT)));
        let canary_refused = refused_by_alert(&c, AlertDescription::UnknownCA, true);
        let let_in_nocert = done(&c, true, false, true, Some((200, "")));
        let let_in_canary = done(&c, true, true, true, Some((200, "")));
        let run = |without: &Attempt, canary: &Attempt| {
            let mut cx = ctx(true, &c.ca_name);
            cx.no_client_cert = true;
            build(cx, Attempts { main: &main, without: Some(without), canary: Some(canary) })
        };
        let r = run(&refused, &canary_refused);
        assert_eq!((r.verdict, r.enforcement, first(&r)), (Verdict::Ok, Some(Enforcement::Required), None));
        assert_eq!(r.with_canary_cert.as_ref().and_then(|w| w.accepted), Some(false));
        let r = run(&let_in_nocert, &canary_refused);
        assert_eq!(
            (r.verdict, r.enforcement, first(&r)),
            (Verdict::MtlsFailed, Some(Enforcement::Optional), Some(Code::ClientCertOptional))
        );
        // The canary let in: unverified, even when no certificate is let in too.
        for without in [&refused, &let_in_nocert] {
            let r = run(without, &let_in_canary);
            assert_eq!(
                (r.verdict, r.enforcement, first(&r)),
                (Verdict::MtlsFailed, Some(Enforcement::Unverified), Some(Code::ServerAcceptsUnverified))
            );
        }
        // No identity: enforcement alone decides.
        let alone = |nocert: &Attempt, canary: &Attempt| {
            let mut cx = ctx(false, &[]);
            cx.no_client_cert = true;
            build(cx, Attempts { main: nocert, without: None, canary: Some(canary) })
        };
        let r = alone(&refused, &canary_refused);
        assert_eq!((r.verdict, r.enforcement, first(&r)), (Verdict::Ok, Some(Enforcement::Required), None));
        let r = alone(&refused, &let_in_canary);
        assert_eq!(
            (r.verdict, r.enforcement, first(&r)),
            (Verdict::MtlsFailed, Some(Enforcement::Unverified), Some(Code::ServerAcceptsUnverified))
        );
        let r = alone(&let_in_nocert, &canary_refused);
        assert_eq!(
            (r.verdict, r.enforcement, first(&r)),
            (Verdict::MtlsFailed, Some(Enforcement::Optional), Some(Code::ClientCertOptional))
        );
        let never = done(&c, false, false, true, Some((200, "")));
        assert_eq!(enforcement_of(&never, Some(&never)), Some(Enforcement::NotRequested));
        // Without --no-client-cert an accepted certificate of an unnamed issuer is only suspected.
        let r = one(ctx(true, &c.other_name), &main);
        assert_eq!((r.verdict, first(&r)), (Verdict::Ok, Some(Code::ServerAcceptsUnverified)));
        assert_eq!(r.diagnosis[0].severity, Severity::Warning);
    }

    #[test]
    fn server_certificate_and_untestable() {
        let c = certs();
        let mut at = done(&c, false, false, true, None);
        at.handshake_done = false;
        at.server.verdict = Some(Err(rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)));
        at.failure = Some(Failure {
            kind: FailKind::Tls,
            detail: "invalid peer certificate".into(),
            tls_error: Some(rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)),
        });
        let r = one(ctx(true, &c.ca_name), &at);
        assert_eq!((r.verdict, first(&r)), (Verdict::MtlsFailed, Some(Code::ServerCertUntrusted)));
        assert_eq!(r.server_verification.code, Some(CheckCode::Failed(Code::ServerCertUntrusted)));
        assert_eq!(r.client_cert_accepted, None);

        // --insecure: the client certificate is tested, the server failure a warning.
        let mut at = done(&c, true, true, true, Some((200, "")));
        at.server.verdict = Some(Err(rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)));
        let mut cx = ctx(true, &c.ca_name);
        cx.insecure = true;
        let r = one(cx, &at);
        assert_eq!((r.verdict, first(&r)), (Verdict::Ok, Some(Code::ServerCertUntrusted)));
        assert_eq!(r.diagnosis[0].severity, Severity::Warning);

        let refused = Attempt {
            failure: Some(Failure { kind: FailKind::Refused, detail: "refused".into(), tls_error: None }),
            ..Attempt::default()
        };
        let r = one(ctx(true, &c.ca_name), &refused);
        assert_eq!((r.verdict, first(&r)), (Verdict::Error, Some(Code::ConnectionRefused)));
    }

    #[test]
    fn durations_in_the_unit_that_fits() {
        assert_eq!(expiry_text(5 * 86_400 + 10), "expires in 5 days");
        assert_eq!(expiry_text(5 * 3_600), "expires in 5 hours");
        assert_eq!(expiry_text(90), "expires in 90 seconds");
        assert_eq!(expiry_text(-3 * 86_400), "expired 3 days ago");
        assert_eq!(left_text(-7_200), "expired 2 hours ago");
        assert_eq!(left_text(86_400), "24 hours left");
        assert_eq!(duration_text(60), "60 seconds");
        assert_eq!(duration_text(3 * 60), "3 minutes");
    }
}
