//! Turn what a handshake showed (rustls errors, alerts, HTTP answers) into
//! stable snake_case codes with a cause and a fix, in the words operators
//! already know from the common mTLS errors (missing client cert, CA mismatch,
//! expired, wrong CA configured, SSL certificate verify failed).

use serde::Serialize;

use rustls::{AlertDescription, CertificateError, Error};

use super::vocab::{Alert, Code};

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Why mTLS failed, or why nothing could be tested.
    Error,
    /// mTLS works, but something will bite later or is weaker than intended.
    Warning,
    Info,
}

/// One finding: a stable code and text for people.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    pub code: Code,
    pub severity: Severity,
    pub cause: String,
    pub fix: String,
}

impl Diagnosis {
    pub fn new(code: Code, severity: Severity, cause: impl Into<String>, fix: impl Into<String>) -> Self {
        Self { code, severity, cause: cause.into(), fix: fix.into() }
    }
}

/// The stable code for a server-certificate verification failure.
pub fn server_cert_code(err: &Error) -> Code {
    match err {
        Error::InvalidCertificate(ce) => match ce {
            CertificateError::UnknownIssuer => Code::ServerCertUntrusted,
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => Code::ServerCertExpired,
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => Code::ServerCertNotYetValid,
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                Code::HostnameMismatch
            }
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                Code::ServerCertWrongPurpose
            }
            CertificateError::Revoked => Code::ServerCertRevoked,
            _ => Code::ServerCertInvalid,
        },
        _ => Code::ServerCertInvalid,
    }
}

/// A short description of a rustls error for the report's `error` fields.
pub fn describe_tls_error(err: &Error) -> String {
    match err {
        Error::InvalidCertificate(ce) => match ce {
            CertificateError::UnknownIssuer => "unknown issuer: no trusted CA signed this chain".into(),
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => "certificate has expired".into(),
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "certificate is not valid yet".into()
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "certificate is not valid for this name".into()
            }
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                "certificate is not for TLS server authentication (extended key usage)".into()
            }
            CertificateError::BadSignature => "a signature in the chain is invalid".into(),
            CertificateError::BadEncoding => "the certificate is malformed".into(),
            other => format!("invalid certificate: {other:?}"),
        },
        Error::AlertReceived(a) => format!("received TLS alert {}", Alert(*a)),
        Error::InvalidMessage(m) => format!("the peer sent something that is not TLS ({m:?})"),
        Error::PeerIncompatible(p) => format!("no common TLS parameters ({p:?})"),
        Error::PeerMisbehaved(p) => format!("the server broke the TLS protocol ({p:?})"),
        other => other.to_string(),
    }
}

/// Cause and fix for a server-certificate failure. `issuer` names who signed the
/// server's leaf, `trusted` says what we trusted, `name` is the name checked.
pub fn server_cert_diagnosis(
    code: Code,
    severity: Severity,
    issuer: &str,
    trusted: &str,
    name: &str,
    presented: &str,
) -> Diagnosis {
    let insecure_note =
        if severity == Severity::Error { " (or pass --insecure to test the client certificate anyway)" } else { "" };
    match code {
        Code::ServerCertUntrusted => Diagnosis::new(
            code,
            severity,
            format!(
                "SSL certificate verify failed: the server's certificate was issued by \"{issuer}\", which is not among the CAs trusted here ({trusted}); the client must trust the server's CA just as the server must trust the client's"
            ),
            format!(
                "pass the CA that signed the server certificate with --cacert FILE, or issue the server certificate from the CA you trust{insecure_note}"
            ),
        ),
        Code::HostnameMismatch => Diagnosis::new(
            code,
            severity,
            format!("the server certificate is not valid for \"{name}\"; it names {presented}"),
            format!(
                "connect with a name the certificate has (--servername NAME), or reissue the server certificate with --san dns:{name} (or ip:){insecure_note}"
            ),
        ),
        Code::ServerCertExpired => Diagnosis::new(
            code,
            severity,
            "Certificate has expired: the server certificate is past its notAfter".to_string(),
            "renew and reissue the server certificate, then reload the server".to_string(),
        ),
        Code::ServerCertNotYetValid => Diagnosis::new(
            code,
            severity,
            "the server certificate is not valid yet (its notBefore is in the future)".to_string(),
            "check the clocks of the CA host, the server and this machine".to_string(),
        ),
        Code::ServerCertWrongPurpose => Diagnosis::new(
            code,
            severity,
            "the server presents a certificate without the serverAuth extended key usage (a client certificate?)"
                .to_string(),
            "issue the server certificate with --profile server (or peer)".to_string(),
        ),
        _ => Diagnosis::new(
            code,
            severity,
            format!("the server certificate failed verification (issued by \"{issuer}\")"),
            format!("inspect the server chain (mtlsctl inspect) and reissue it{insecure_note}"),
        ),
    }
}

/// What we know about our own certificate, to explain a rejection the server left vague.
#[derive(Debug, Clone, Default)]
pub struct OurCert {
    pub subject: String,
    pub issuer: String,
    pub expired: bool,
    pub not_after: String,
    pub client_auth: bool,
    /// `revoked on DATE (reason)` when the store's index.txt or CRL says so.
    pub revoked: Option<String>,
    /// Whether the server's acceptable CA list names our issuer (None: it sent no list).
    pub issuer_acceptable: Option<bool>,
    pub acceptable: Vec<String>,
    /// Certificates we send: more than one means an intermediate CA issued ours.
    pub chain_length: usize,
}

/// How the server said no.
pub fn via_text(alert: Option<AlertDescription>, http: Option<(u16, Option<&str>)>) -> String {
    match (alert, http) {
        (Some(a), _) => format!("TLS alert {}", Alert(a)),
        (None, Some((s, Some(d)))) => format!("HTTP {s} \"{d}\""),
        (None, Some((s, None))) => format!("HTTP {s}"),
        (None, None) => "closing the connection".into(),
    }
}

pub fn client_cert_missing(via: &str, have_identity: bool) -> Diagnosis {
    let fix = if have_identity {
        "the server requires a client certificate: pass one the server accepts (--name NAME or --cert FILE --key FILE); the key type must match a signature scheme the server offers"
    } else {
        "pass the client certificate, as you would pass --cert to curl: --name NAME (an identity of this store) or --cert FILE --key FILE"
    };
    Diagnosis::new(
        Code::ClientCertMissing,
        Severity::Error,
        format!(
            "Missing client cert: the server requires a client certificate and none was sent; it answered with {via}"
        ),
        fix,
    )
}

pub fn ca_mismatch(via: &str, ours: &OurCert) -> Diagnosis {
    let accepts = if ours.acceptable.is_empty() {
        "it did not say which CAs it accepts".to_string()
    } else {
        format!("it accepts certificates from: {}", ours.acceptable.join("; "))
    };
    Diagnosis::new(
        Code::ClientCertCaMismatch,
        Severity::Error,
        format!(
            "CA mismatch: the server does not trust the CA that signed the client certificate (issuer \"{}\"); it answered with {via}; {accepts}",
            ours.issuer
        ),
        "Use the same CA for client cert signing: issue the client certificate from a CA the server trusts, or add this CA's certificate to the server's trusted client CAs (nginx: check the ssl_client_certificate path)",
    )
}

pub fn expired(via: &str, ours: &OurCert) -> Diagnosis {
    Diagnosis::new(
        Code::ClientCertExpired,
        Severity::Error,
        format!(
            "Certificate has expired: the client certificate is past its notAfter ({}); the server answered with {via}",
            ours.not_after
        ),
        "Renew and reissue the client certificate (mtlsctl renew, or mtlsctl issue --force), then deploy it",
    )
}

pub fn revoked(via: &str, ours: &OurCert) -> Diagnosis {
    let when = ours.revoked.as_deref().map(|r| format!(" (the store says: {r})")).unwrap_or_default();
    Diagnosis::new(
        Code::ClientCertRevoked,
        Severity::Error,
        format!("the client certificate is revoked{when} and the server checks its CRL; it answered with {via}"),
        "issue a new certificate for this identity (mtlsctl issue --cn CN --force) and deploy it; a revoked certificate cannot be reinstated",
    )
}

pub fn wrong_purpose(via: &str) -> Diagnosis {
    Diagnosis::new(
        Code::ClientCertWrongPurpose,
        Severity::Error,
        format!(
            "the client certificate is not for TLS client authentication (its extended key usage lacks clientAuth); the server answered with {via}"
        ),
        "issue the client certificate with --profile client (or peer)",
    )
}

pub fn rejected(via: &str) -> Diagnosis {
    Diagnosis::new(
        Code::ClientCertRejected,
        Severity::Error,
        format!("the server rejected the client certificate; it answered with {via}"),
        "Wrong CA configured? Check the server's ssl_client_certificate path and ssl_verify_depth, and its error log, which names the exact reason",
    )
}

/// A rejection the server did not explain: use what we know of our certificate.
pub fn explain_rejection(via: &str, ours: &OurCert) -> Diagnosis {
    if ours.expired {
        expired(via, ours)
    } else if ours.issuer_acceptable == Some(false) {
        ca_mismatch(via, ours)
    } else if ours.revoked.is_some() {
        revoked(via, ours)
    } else if !ours.client_auth {
        wrong_purpose(via)
    } else {
        rejected(via)
    }
}

/// A TLS alert from the server about the client's certificate or the handshake.
pub fn from_alert(
    alert: AlertDescription,
    requested: bool,
    sent: bool,
    have_identity: bool,
    ours: &OurCert,
) -> Diagnosis {
    use AlertDescription as A;
    let via = via_text(Some(alert), None);
    match alert {
        A::CertificateRequired | A::NoCertificate => client_cert_missing(&via, have_identity),
        A::UnknownCA => ca_mismatch(&via, ours),
        A::CertificateExpired => expired(&via, ours),
        A::CertificateRevoked => revoked(&via, ours),
        A::UnsupportedCertificate => wrong_purpose(&via),
        A::HandshakeFailure | A::BadCertificate | A::CertificateUnknown | A::AccessDenied | A::DecryptError
            if requested =>
        {
            if sent {
                explain_rejection(&via, ours)
            } else {
                client_cert_missing(&via, have_identity)
            }
        }
        A::ProtocolVersion => Diagnosis::new(
            Code::TlsVersionMismatch,
            Severity::Error,
            format!("the server refused the TLS version ({via}); mtlsctl speaks TLS 1.2 and 1.3"),
            "enable TLS 1.2 or 1.3 on the server (nginx: ssl_protocols TLSv1.2 TLSv1.3)",
        ),
        A::UnrecognisedName => Diagnosis::new(
            Code::SniRejected,
            Severity::Error,
            format!("the server does not know the name sent in SNI ({via})"),
            "pass the name the server is configured for with --servername NAME",
        ),
        _ => Diagnosis::new(
            Code::TlsHandshakeFailed,
            Severity::Error,
            format!("the TLS handshake failed: the server sent {via}"),
            "compare the server's TLS settings (protocols, ciphers, key types) with a TLS 1.2/1.3 client, and read its error log",
        ),
    }
}
