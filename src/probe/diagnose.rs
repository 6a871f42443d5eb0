//! Turn what a handshake showed (rustls errors, alerts, HTTP answers) into
//! stable snake_case codes with a cause and a fix, in the words operators
//! already know from the common mTLS errors (missing client cert, CA mismatch,
//! expired, wrong CA configured, SSL certificate verify failed).

use serde::Serialize;

use rustls::{AlertDescription, CertificateError, Error};

use super::vocab::{Alert, Code};
use crate::pki::verify::Code as PolicyCode;

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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

/// The stable code for a refusal of the server chain by verify's policy.
pub fn server_policy_code(code: PolicyCode) -> Code {
    match code {
        PolicyCode::Expired => Code::ServerCertExpired,
        PolicyCode::NotYetValid => Code::ServerCertNotYetValid,
        PolicyCode::NameMismatch => Code::HostnameMismatch,
        PolicyCode::WrongPurpose => Code::ServerCertWrongPurpose,
        PolicyCode::Revoked => Code::ServerCertRevoked,
        // The anchor or the path cannot anchor this chain: nothing trusted here signed it.
        PolicyCode::UnknownIssuer
        | PolicyCode::InvalidCa
        | PolicyCode::InvalidChain
        | PolicyCode::ChainTooLong
        | PolicyCode::NameConstraints => Code::ServerCertUntrusted,
        _ => Code::ServerCertInvalid,
    }
}

/// Cause and fix for a refusal of the server chain by verify's policy: the
/// policy's words say which certificate failed which rule.
pub fn server_policy_diagnosis(
    refusal: (PolicyCode, &str),
    severity: Severity,
    issuer: &str,
    trusted: &str,
    name: &str,
    presented: &str,
) -> Diagnosis {
    let (policy, message) = refusal;
    let code = server_policy_code(policy);
    // These two read best in the operators' words, which already name what failed.
    if matches!(policy, PolicyCode::UnknownIssuer | PolicyCode::NameMismatch) {
        return server_cert_diagnosis(code, severity, issuer, trusted, name, presented);
    }
    let insecure_note =
        if severity == Severity::Error { " (or pass --insecure to test the client certificate anyway)" } else { "" };
    let fix = match code {
        Code::ServerCertUntrusted => format!(
            "trust a CA certificate that may sign certificates (cA=TRUE, keyCertSign, within its validity): `mtlsctl verify --ca FILE --purpose server` says what is wrong with this one{insecure_note}"
        ),
        Code::ServerCertExpired => {
            "renew the expired certificate (the server's, or the CA named) and reload the server".into()
        }
        _ => server_cert_diagnosis(code, severity, issuer, trusted, name, presented).fix,
    };
    Diagnosis::new(
        code,
        severity,
        format!(
            "SSL certificate verify failed: the server certificate does not verify: {message} (trusted here: {trusted})"
        ),
        fix,
    )
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
            {
                // An address is an ip: SAN; a DNS SAN of digits never matches it.
                let san = match name.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>() {
                    Ok(ip) => format!("ip:{ip}"),
                    Err(_) => format!("dns:{name}"),
                };
                format!(
                    "connect with a name the certificate has (--servername NAME), or reissue the server certificate with --san {san}{insecure_note}"
                )
            },
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
    /// Its common name, to name it in the commands a fix suggests.
    pub cn: Option<String>,
    pub issuer: String,
    pub expired: bool,
    pub not_yet_valid: bool,
    pub not_after: String,
    pub client_auth: bool,
    /// `revoked on DATE (reason)` when the store's index.txt or CRL says so.
    pub revoked: Option<String>,
    /// A CA of its chain revoked by the CA above it, in words, when the store's CRLs say so.
    pub ca_revoked: Option<String>,
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
    // TLS has one alert for both ends of the validity period (certificate_expired).
    if ours.not_yet_valid {
        return Diagnosis::new(
            Code::ClientCertExpired,
            Severity::Error,
            format!(
                "the client certificate is not valid yet (its notBefore is in the future); the server answered with {via}"
            ),
            "check the clocks of the CA host, the server and this machine, or wait until the certificate's notBefore",
        );
    }
    Diagnosis::new(
        Code::ClientCertExpired,
        Severity::Error,
        format!(
            "Certificate has expired: the client certificate is past its notAfter ({}); the server answered with {via}",
            ours.not_after
        ),
        match &ours.cn {
            Some(cn) => format!(
                "Renew and reissue the client certificate (mtlsctl renew --cn {0}, or mtlsctl issue --cn {0}, which replaces an expired one), then deploy it",
                shell_word(cn)
            ),
            None => "Renew and reissue the client certificate (mtlsctl renew --cn NAME), then deploy it".to_string(),
        },
    )
}

/// `word` as one shell word in a suggested command: as is when plain, else single-quoted.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"@%+=:,./-_".contains(&b));
    if plain { word.to_string() } else { format!("'{}'", word.replace('\'', "'\\''")) }
}

pub fn revoked(via: &str, ours: &OurCert) -> Diagnosis {
    if let Some(ca) = &ours.ca_revoked {
        return Diagnosis::new(
            Code::ClientCertRevoked,
            Severity::Error,
            format!(
                "the client certificate's chain is revoked: {ca}; a server that checks the CRLs of the chain refuses every certificate below it; it answered with {via}"
            ),
            format!(
                "no certificate of that CA is accepted again: make a new intermediate (mtlsctl --dir NEW_STORE init-ca --parent PARENT_STORE), issue the identity there (mtlsctl --dir NEW_STORE issue --cn {}) and deploy it with the new chain",
                ours.cn.as_deref().map_or_else(|| "NAME".to_string(), shell_word)
            ),
        );
    }
    let when = ours.revoked.as_deref().map(|r| format!(" (the store says: {r})")).unwrap_or_default();
    Diagnosis::new(
        Code::ClientCertRevoked,
        Severity::Error,
        format!("the client certificate is revoked{when} and the server checks its CRL; it answered with {via}"),
        format!(
            "issue a new certificate for this identity (mtlsctl issue --cn {}, which replaces the revoked one) and deploy it; a revoked certificate cannot be reinstated",
            ours.cn.as_deref().map_or_else(|| "NAME".to_string(), shell_word)
        ),
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

/// A refusal of a certificate an intermediate issued, for no reason we can see: nginx
/// (and Apache with chain CRL checking) refuses them all when its CRL file lacks the
/// CRL of one CA of the chain.
pub fn rejected_intermediate(via: &str, ours: &OurCert) -> Diagnosis {
    // Not the missing CRL it usually is: the store knows the intermediate is revoked.
    if ours.ca_revoked.is_some() {
        return revoked(via, ours);
    }
    Diagnosis::new(
        Code::ClientCertRejected,
        Severity::Error,
        format!(
            "the server rejected the client certificate; it answered with {via}; the certificate was issued by an intermediate CA (\"{}\"), and a server that checks CRLs for the whole chain (nginx ssl_crl, Apache SSLCARevocationCheck chain) refuses it when its CRL file lacks the CRL of the intermediate or of the root",
            ours.issuer
        ),
        "give the server the CRLs of every CA in the chain: mtlsctl gen-crl in the intermediate's store writes crl/ca-chain.crl (the intermediate's CRL and the root's, taken from the root's store); use that file as ssl_crl and set ssl_verify_depth to the chain length; the server's error log names the exact reason",
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
    if ours.expired || ours.not_yet_valid {
        expired(via, ours)
    } else if ours.issuer_acceptable == Some(false) {
        ca_mismatch(via, ours)
    } else if ours.revoked.is_some() || ours.ca_revoked.is_some() {
        revoked(via, ours)
    } else if !ours.client_auth {
        wrong_purpose(via)
    } else if ours.chain_length > 1 {
        rejected_intermediate(via, ours)
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
        // OpenSSL answers a missing CRL with unknown_ca too: with an intermediate whose
        // issuer the server names, that is the likelier cause.
        A::UnknownCA if sent && ours.chain_length > 1 && ours.issuer_acceptable == Some(true) => {
            rejected_intermediate(&via, ours)
        }
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

/// What we know of our certificate that could explain a refusal, for http_refused.
fn suspicions(ours: &OurCert) -> Vec<String> {
    let mut out = Vec::new();
    if ours.expired {
        out.push(format!("it expired on {}", ours.not_after));
    }
    if ours.not_yet_valid {
        out.push("it is not valid yet".into());
    }
    if ours.issuer_acceptable == Some(false) {
        out.push(format!("its issuer \"{}\" is not among the CAs the server named", ours.issuer));
    }
    if let Some(r) = &ours.revoked {
        out.push(format!("the store says it was {r}"));
    }
    out
}

/// HTTP 401/403 after a handshake: the application refused, whatever TLS did.
pub fn http_refused(status: u16, reason: &str, tls13: bool, requested: bool, sent: bool, ours: &OurCert) -> Diagnosis {
    let answered = format!("the server answered HTTP {status} {reason}").trim_end().to_string();
    let (tls, fix) = if !requested && tls13 {
        (
            "the TLS handshake did not ask for a client certificate, so none was sent; a server that asks only after the handshake for this path (TLS 1.3 post-handshake authentication, e.g. Apache SSLVerifyClient inside <Location> or <Directory>) cannot be answered by probe, while curl can".to_string(),
            "to test this path with a certificate use curl --cert/--key; to let probe test it, require the client certificate for the whole virtual host (Apache: SSLVerifyClient require outside <Location>)".to_string(),
        )
    } else if !requested {
        (
            "the TLS handshake did not ask for a client certificate, so none was sent: the refusal is the application's, not mTLS".to_string(),
            "enable client certificate verification on the server if this path needs mTLS, or check the application's access rules".to_string(),
        )
    } else if !sent {
        (
            "the TLS handshake asked for a client certificate and none was sent".to_string(),
            "pass the client certificate (--name NAME or --cert FILE --key FILE)".to_string(),
        )
    } else {
        let why = suspicions(ours);
        let tls = if why.is_empty() {
            format!(
                "TLS asked for a client certificate and accepted ours ({}); the application refused this identity",
                ours.subject
            )
        } else {
            format!(
                "TLS asked for a client certificate and ours ({}) was sent; the server may refuse it because {}",
                ours.subject,
                why.join(" and ")
            )
        };
        (
            tls,
            format!(
                "check the server's access rules for {} (or its certificate checks), or probe another --http PATH",
                ours.subject
            ),
        )
    };
    Diagnosis::new(Code::HttpRefused, Severity::Error, format!("{answered}: {tls}"), fix)
}

/// A TLS 1.2 HelloRequest: the server wants a certificate for this path only.
pub fn renegotiation(status: Option<u16>, sent: bool) -> Diagnosis {
    let then = status.map(|s| format!(", then answered HTTP {s}")).unwrap_or_default();
    let before = if sent { "" } else { " (none was asked for in the first handshake)" };
    Diagnosis::new(
        Code::RenegotiationRequested,
        Severity::Error,
        format!(
            "the TLS 1.2 server asked to renegotiate after the request (HelloRequest){then}: it asks for a client certificate for this path only{before}, e.g. Apache SSLVerifyClient inside <Location> or <Directory>; probe does not renegotiate (curl and openssl s_client do), so mTLS on this path is not tested"
        ),
        "require the client certificate for the whole virtual host (Apache: SSLVerifyClient require at vhost level) so it is asked in the first handshake, or test this path with curl --cert/--key",
    )
}

/// The server never asked for a certificate: TLS works, mTLS does not.
pub fn not_requested(tls13: bool, have_identity: bool) -> Diagnosis {
    let pha = if tls13 {
        " (TLS 1.3 servers that ask only after the handshake, by post-handshake authentication, cannot be answered by probe)"
    } else {
        ""
    };
    let sent = if have_identity { "; the client certificate was not sent" } else { "" };
    Diagnosis::new(
        Code::ClientCertNotRequested,
        Severity::Error,
        format!("TLS works, but the server does not do mTLS: it never asked for a client certificate{sent}{pha}"),
        "enable client certificate verification on the server (nginx: ssl_verify_client on; ssl_client_certificate /path/ca.crt; Apache: SSLVerifyClient require; HAProxy: verify required ca-file)",
    )
}

/// Let in without a certificate although it asked for one.
pub fn optional(have_identity: bool) -> Diagnosis {
    let fix = if have_identity {
        "the client key fits none of the signature schemes the server offers, so no certificate went out: use a key type the server accepts; and to enforce mTLS make client certificates required (nginx: ssl_verify_client on)"
    } else {
        "to enforce mTLS make client certificates required (nginx: ssl_verify_client on; Apache: SSLVerifyClient require); to authenticate, pass --name NAME or --cert/--key"
    };
    Diagnosis::new(
        Code::ClientCertOptional,
        Severity::Error,
        "the server asked for a client certificate but accepted the connection without one: client authentication is optional here (nginx: ssl_verify_client optional)",
        fix,
    )
}

/// `--no-client-cert`: the attempt without a certificate was let in.
pub fn optional_enforcement() -> Diagnosis {
    Diagnosis::new(
        Code::ClientCertOptional,
        Severity::Error,
        "our certificate was accepted, but the server also let in a connection without any certificate: mTLS is not enforced (nginx: ssl_verify_client optional)",
        "make client certificates required (nginx: ssl_verify_client on; Apache: SSLVerifyClient require; HAProxy: verify required; lighttpd: ssl.verifyclient.enforce = \"enable\"; Caddy: mode require_and_verify)",
    )
}

/// `--no-client-cert`: the canary from a CA made in memory was let in.
pub fn accepts_unverified() -> Diagnosis {
    Diagnosis::new(
        Code::ServerAcceptsUnverified,
        Severity::Error,
        "the server let in a certificate from a CA made in memory for this probe, which it cannot trust: it does not verify client certificates (nginx: ssl_verify_client optional_no_ca; HAProxy: ca-ignore-err; lighttpd: enforce disabled; Caddy: mode request or require)",
        "make the server verify client certificates against your CA (nginx: ssl_verify_client on; HAProxy: verify required without ca-ignore-err/crt-ignore-err; lighttpd: ssl.verifyclient.enforce = \"enable\"; Caddy: mode require_and_verify with trusted_ca_cert_file)",
    )
}

/// Accepted although the server's CA names do not include our issuer.
pub fn accepts_unverified_suspected(ours: &OurCert) -> Diagnosis {
    Diagnosis::new(
        Code::ServerAcceptsUnverified,
        Severity::Warning,
        format!(
            "the server accepted our certificate although its issuer \"{}\" is not among the CAs it named ({}): it may not verify client certificates at all",
            ours.issuer,
            if ours.acceptable.is_empty() { "none".to_string() } else { ours.acceptable.join("; ") }
        ),
        "run the probe with --no-client-cert, which also tries a certificate from a CA no server can trust",
    )
}

/// Accepted a certificate the store marks revoked.
pub fn crl_outdated(revoked: &str) -> Diagnosis {
    Diagnosis::new(
        Code::ServerCrlOutdated,
        Severity::Warning,
        format!(
            "the server accepted a client certificate the store marks revoked ({revoked}): it does not check a current CRL"
        ),
        "run mtlsctl gen-crl and give the server the new CRL (nginx: ssl_crl; Apache: SSLCARevocationFile; HAProxy: crl-file; stunnel: CRLfile), then reload it; a server without CRL support (Caddy) cannot refuse a revoked certificate: remove the identity's access in the application or issue short-lived certificates",
    )
}

/// An HTTP status that is not a refusal of the certificate, named for what it is.
pub fn http_status(status: u16, reason: &str, detail: Option<&str>) -> Diagnosis {
    let what = match status {
        400 => "Bad Request, not one of nginx's certificate pages: the application refused the request itself",
        404 => "Not Found: nothing is served at this path",
        405 => "Method Not Allowed: the application does not take GET at this path",
        421 => "Misdirected Request: the server is not configured for the Host/SNI sent (Caddy reached by IP?)",
        502 => "Bad Gateway: no upstream behind the proxy",
        503 => "Service Unavailable: the application behind the server is down or overloaded",
        504 => "Gateway Timeout: the upstream behind the proxy did not answer",
        500..=599 => "a server error",
        _ => "an error status",
    };
    let detail = detail.map(|d| format!(" (\"{d}\")")).unwrap_or_default();
    let fix = match status {
        421 => "connect with the name the server serves: --servername NAME (and a Host it knows)",
        404 | 405 => "probe a path the application serves with --http PATH",
        502..=504 => "start or fix the upstream application behind the proxy, and read the proxy's error log",
        _ => "read the application's log; the TLS part of this report stands on its own",
    };
    Diagnosis::new(
        Code::HttpStatus,
        Severity::Warning,
        format!(
            "the application answered HTTP {status} {reason}{detail}: {what}; the verdict comes from the TLS layer"
        ),
        fix,
    )
}
