//! The probe report: what the attempts showed, the server's answer on our
//! certificate, a verdict and the diagnosis. Field names are a contract
//! (docs/json.md, `## probe`).

use serde::Serialize;
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

use super::diagnose::{self, Diagnosis, OurCert, Severity};
use super::vocab::{Alert, CheckCode, Code, Enforcement, Stage, TrustSource, Verdict};
use super::{Attempt, FailKind};
use crate::pki::{certinfo, names};
use crate::util;

/// A certificate of the server's chain.
#[derive(Debug, Clone, Serialize)]
pub struct ChainCert {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub sans: Vec<String>,
    pub not_before: String,
    pub not_after: String,
    pub days_left: i64,
    pub is_ca: bool,
    pub sha256_fingerprint: String,
}

impl ChainCert {
    pub fn from_der(der: &[u8]) -> Option<Self> {
        let c = certinfo::parse(der).ok()?;
        let na = certinfo::not_after(&c);
        Some(Self {
            subject: names::display_name(c.subject()),
            issuer: names::display_name(c.issuer()),
            serial: certinfo::serial_hex(&c),
            sans: certinfo::sans(&c).iter().map(ToString::to_string).collect(),
            not_before: util::rfc3339(certinfo::not_before(&c)),
            not_after: util::rfc3339(na),
            days_left: util::days_left(na),
            is_ca: certinfo::is_ca(&c),
            sha256_fingerprint: certinfo::sha256_fingerprint(der),
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

/// The second handshake of `--no-client-cert`.
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
    /// `required`, `optional` or `not_requested`: from a handshake without a certificate.
    pub enforcement: Option<Enforcement>,
    pub without_client_cert: Option<WithoutClientCert>,
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
    /// Refused by an alert, an HTTP status, or by closing the connection.
    Rejected {
        alert: Option<rustls::AlertDescription>,
        http: Option<(u16, Option<String>)>,
    },
    /// The handshake failed for reasons before the server judged the client.
    NotReached,
    /// The handshake completed and no refusal came, but neither did an answer we could read
    /// (a server that waits for another protocol, or a slow application).
    Silent,
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
    if let Some(a) = at.post_alert {
        return Answer::Rejected { alert: Some(a), http: None };
    }
    if let Some(h) = &at.http {
        let refused = match h.status {
            // nginx's own codes for "no certificate" and "certificate error", if an error_page exposes them.
            495 | 496 => true,
            400 => at.request.requested,
            _ => false,
        };
        return if refused {
            Answer::Rejected { alert: None, http: Some((h.status, h.detail.clone())) }
        } else {
            Answer::Accepted
        };
    }
    if at.post_closed {
        return if at.request.requested { Answer::Rejected { alert: None, http: None } } else { Answer::Silent };
    }
    if at.post_error.is_some() && !at.post_data {
        return Answer::Silent;
    }
    Answer::Accepted
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
        return r;
    }
    if let Some(h) = &at.http {
        r.stage = Some(Stage::Http);
        r.http_status = Some(h.status);
        r.http_reason = Some(h.reason.clone()).filter(|s| !s.is_empty());
        r.http_detail = h.detail.clone();
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

fn enforcement_of(at: &Attempt) -> Option<Enforcement> {
    if untestable(at) {
        return None;
    }
    if at.handshake_done && !at.request.requested {
        return Some(Enforcement::NotRequested);
    }
    match answer(at) {
        Answer::Rejected { .. } => Some(Enforcement::Required),
        Answer::Accepted | Answer::Silent if at.request.requested => Some(Enforcement::Optional),
        _ => None,
    }
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
    pub ours_days_left: Option<i64>,
    pub http: bool,
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

pub fn build(ctx: Context, main: &Attempt, without: Option<&Attempt>) -> Report {
    let mut diags = Vec::new();
    let server_chain: Vec<ChainCert> = main.server.chain.iter().filter_map(|d| ChainCert::from_der(d)).collect();
    let leaf_issuer = server_chain.first().map(|c| c.issuer.clone()).unwrap_or_default();
    let presented = server_chain
        .first()
        .map(|c| if c.sans.is_empty() { "no subject alternative names".to_string() } else { c.sans.join(", ") })
        .unwrap_or_default();

    // Server verification.
    let mut sv = ctx.trust.clone();
    let server_err = match &main.server.verdict {
        Some(Err(e)) => Some(e.clone()),
        _ => None,
    };
    let host_err = matches!(main.server.hostname, Some(Err(_)));
    if main.server.verdict.is_some() {
        sv.trusted = Some(server_err.is_none());
        sv.hostname_ok = Some(!host_err);
        let code = server_err.as_ref().map(diagnose::server_cert_code);
        sv.chain_ok = Some(server_err.is_none() || (code == Some(Code::HostnameMismatch)));
        sv.code = Some(code.map_or(CheckCode::Ok, CheckCode::Failed));
        sv.error = server_err.as_ref().map(diagnose::describe_tls_error);
    }
    let severity = if ctx.insecure { Severity::Warning } else { Severity::Error };
    if let Some(e) = &server_err {
        let code = diagnose::server_cert_code(e);
        diags.push(diagnose::server_cert_diagnosis(
            code,
            severity,
            &leaf_issuer,
            &ctx.trust_text,
            &ctx.verify_name,
            &presented,
        ));
        if host_err && code != Code::HostnameMismatch {
            diags.push(diagnose::server_cert_diagnosis(
                Code::HostnameMismatch,
                severity,
                &leaf_issuer,
                &ctx.trust_text,
                &ctx.verify_name,
                &presented,
            ));
        }
    }

    // What the server asked of us.
    let acceptable: Vec<String> = main.request.ca_names.iter().map(|n| name_text(n)).collect();
    let issuer_acceptable = if main.request.ca_names.is_empty() || ctx.our_issuers.is_empty() {
        None
    } else {
        Some(main.request.ca_names.iter().any(|n| ctx.our_issuers.iter().any(|i| same_name(n, i))))
    };
    let mut ours = ctx.ours.clone().unwrap_or_default();
    ours.issuer_acceptable = issuer_acceptable;
    ours.acceptable = acceptable.clone();
    let have_identity = ctx.client_cert.is_some();
    let requested = main.request.requested;
    let sent = main.request.sent && !stopped_by_us(main);

    let ans = answer(main);
    let mut verdict = Verdict::Ok;
    if untestable(main) {
        verdict = Verdict::Error;
        diags.push(failure_diagnosis(main, &ctx.target));
    } else {
        match &ans {
            Answer::Rejected { alert, http } => {
                verdict = Verdict::MtlsFailed;
                let mut via = diagnose::via_text(*alert, http.as_ref().map(|(s, d)| (*s, d.as_deref())));
                // A HEAD answer has no body, so nginx's reason is not visible; name it from what we sent.
                if let Some((400, None)) = http {
                    via.push_str(if sent {
                        " (nginx answers so with \"The SSL certificate error\")"
                    } else {
                        " (nginx answers so with \"No required SSL certificate was sent\")"
                    });
                }
                let d = match (alert, http) {
                    (Some(a), _) => diagnose::from_alert(*a, requested, sent, have_identity, &ours),
                    (None, Some((_, detail)))
                        if !sent || detail.as_deref() == Some("No required SSL certificate was sent") =>
                    {
                        diagnose::client_cert_missing(&via, have_identity)
                    }
                    _ if !sent => diagnose::client_cert_missing(&via, have_identity),
                    _ => diagnose::explain_rejection(&via, &ours),
                };
                diags.push(d);
            }
            Answer::NotReached => {
                verdict = Verdict::MtlsFailed;
                // Our own verifier stopping the handshake is explained above already.
                if !stopped_by_us(main) {
                    let detail = main.failure.as_ref().map(|f| f.detail.clone()).unwrap_or_default();
                    diags.push(Diagnosis::new(
                        Code::TlsHandshakeFailed,
                        Severity::Error,
                        format!("the TLS handshake failed: {detail}"),
                        "compare the server's TLS settings (protocols, ciphers, key types) with a TLS 1.2/1.3 client, and read its error log",
                    ));
                }
            }
            Answer::Accepted | Answer::Silent => {
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
                if server_err.is_some() && !ctx.insecure {
                    verdict = Verdict::MtlsFailed;
                }
                if requested && !sent {
                    diags.push(Diagnosis::new(
                        Code::ClientCertOptional,
                        Severity::Warning,
                        "the server asked for a client certificate but accepted the connection without one: client authentication is optional here (nginx: ssl_verify_client optional)",
                        "to enforce mTLS set ssl_verify_client on; to authenticate, pass --name NAME or --cert/--key",
                    ));
                }
                if !requested {
                    diags.push(Diagnosis::new(
                        Code::ClientCertNotRequested,
                        if have_identity { Severity::Warning } else { Severity::Info },
                        "the server did not ask for a client certificate: it does not enforce mTLS on this port (for TLS 1.3 servers that ask only after the handshake, none was asked either)",
                        "enable client verification on the server (nginx: ssl_verify_client on; ssl_client_certificate /path/ca.crt)",
                    ));
                }
                if sent && let Some(r) = &ours.revoked {
                    diags.push(Diagnosis::new(
                        Code::ServerCrlOutdated,
                        Severity::Warning,
                        format!("the server accepted a client certificate the store marks revoked ({r}): it does not check a current CRL"),
                        "run mtlsctl gen-crl, install crl/ca.crl as the server's CRL (nginx: ssl_crl) and reload it",
                    ));
                }
                if let Some(h) = &main.http {
                    if matches!(h.status, 401 | 403) {
                        diags.push(Diagnosis::new(
                            Code::HttpAccessDenied,
                            Severity::Warning,
                            format!("the TLS handshake succeeded but the application answered HTTP {} {}: the identity is authenticated, not authorized for this path", h.status, h.reason),
                            "check the server's access rules for this client's subject, or probe another --http PATH",
                        ));
                    }
                }
            }
        }
    }
    if verdict != Verdict::Error {
        if let Some(days) = server_chain.first().map(|c| c.days_left).filter(|d| (0..14).contains(d)) {
            diags.push(Diagnosis::new(
                Code::ServerCertExpiring,
                Severity::Warning,
                format!("the server certificate expires in {days} days"),
                "renew the server certificate before it expires",
            ));
        }
        if let Some(days) = ctx.ours_days_left.filter(|d| (0..14).contains(d)) {
            diags.push(Diagnosis::new(
                Code::ClientCertExpiring,
                Severity::Warning,
                format!("the client certificate expires in {days} days"),
                "renew it (mtlsctl renew) before it expires",
            ));
        }
    }

    let accepted = match ans {
        Answer::Accepted | Answer::Silent if !untestable(main) && main.handshake_done => Some(true),
        Answer::Rejected { .. } => Some(false),
        _ => None,
    };
    let without_client_cert = without.map(|w| WithoutClientCert {
        client_cert_requested: (!w.server.chain.is_empty()).then_some(w.request.requested),
        handshake_completed: w.handshake_done,
        server_response: response_of(w),
        accepted: match answer(w) {
            Answer::Accepted | Answer::Silent if w.handshake_done => Some(true),
            Answer::Rejected { .. } => Some(false),
            _ => None,
        },
    });
    let enforcement = match without {
        Some(w) => enforcement_of(w),
        None if !have_identity || !main.identity_offered => enforcement_of(main),
        None => None,
    };
    if let Some(w) = without {
        if untestable(w) {
            diags.push(Diagnosis::new(
                Code::NoClientCertAttemptFailed,
                Severity::Warning,
                format!(
                    "the second handshake, without a client certificate, could not be made: {}",
                    w.failure.as_ref().map(|f| f.detail.clone()).unwrap_or_default()
                ),
                "run the probe again",
            ));
        }
    }

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
        client_cert_accepted: accepted,
        enforcement,
        without_client_cert,
        verdict,
        diagnosis: diags,
        handshake_completed: main.handshake_done,
    }
}
