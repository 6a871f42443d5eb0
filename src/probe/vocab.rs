//! probe's words: the verdict, how the server enforces client certificates,
//! where an answer came from, what we trusted, the diagnosis codes, and the
//! TLS alerts by their RFC names. Every one serialises as the snake_case code
//! docs/json.md documents.

use std::fmt;

use rustls::AlertDescription;
use serde::{Serialize, Serializer};

/// The answer to "does mutual TLS work?" (SPEC §3, the verdict).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The server asked for a certificate, got ours and accepted it (exit 0).
    Ok,
    /// A TLS server was reached and mTLS does not work or is not enforced (exit 3).
    MtlsFailed,
    /// Nothing could be tested: refused, timed out, not TLS (exit 1).
    Error,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::MtlsFailed => "mtls_failed",
            Self::Error => "error",
        }
    }
}

/// Whether the server lets in clients without a (trusted) certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Enforcement {
    /// Refused both without a certificate and with an untrusted one.
    Required,
    /// Let in a client without a certificate.
    Optional,
    /// Let in a certificate from a CA it cannot know: it does not verify client certificates.
    Unverified,
    /// Never asked for a certificate.
    NotRequested,
}

impl Enforcement {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Optional => "optional",
            Self::Unverified => "unverified",
            Self::NotRequested => "not_requested",
        }
    }
}

impl fmt::Display for Enforcement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the server's answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Handshake,
    AfterHandshake,
    Http,
}

/// What the server certificate was checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustSource {
    /// `--cacert FILE`.
    Cacert,
    /// The store's CA (and its chain).
    Store,
    /// The system's CA bundle.
    System,
}

/// A diagnosis code: stable, documented in docs/json.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    ClientCertMissing,
    ClientCertCaMismatch,
    ClientCertExpired,
    ClientCertRevoked,
    ClientCertWrongPurpose,
    ClientCertRejected,
    ClientCertOptional,
    ClientCertNotRequested,
    ServerAcceptsUnverified,
    HttpRefused,
    RenegotiationRequested,
    ServerCertUntrusted,
    HostnameMismatch,
    ServerCertExpired,
    ServerCertNotYetValid,
    ServerCertWrongPurpose,
    ServerCertRevoked,
    ServerCertInvalid,
    TlsHandshakeFailed,
    TlsVersionMismatch,
    SniRejected,
    ConnectionRefused,
    Timeout,
    DnsFailed,
    HostUnreachable,
    ConnectionFailed,
    NotTls,
    ServerCrlOutdated,
    HttpStatus,
    NoAnswer,
    NoClientCertAttemptFailed,
    ServerCertExpiring,
    ClientCertExpiring,
}

impl Code {
    /// The snake_case code as JSON spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientCertMissing => "client_cert_missing",
            Self::ClientCertCaMismatch => "client_cert_ca_mismatch",
            Self::ClientCertExpired => "client_cert_expired",
            Self::ClientCertRevoked => "client_cert_revoked",
            Self::ClientCertWrongPurpose => "client_cert_wrong_purpose",
            Self::ClientCertRejected => "client_cert_rejected",
            Self::ClientCertOptional => "client_cert_optional",
            Self::ClientCertNotRequested => "client_cert_not_requested",
            Self::ServerAcceptsUnverified => "server_accepts_unverified",
            Self::HttpRefused => "http_refused",
            Self::RenegotiationRequested => "renegotiation_requested",
            Self::ServerCertUntrusted => "server_cert_untrusted",
            Self::HostnameMismatch => "hostname_mismatch",
            Self::ServerCertExpired => "server_cert_expired",
            Self::ServerCertNotYetValid => "server_cert_not_yet_valid",
            Self::ServerCertWrongPurpose => "server_cert_wrong_purpose",
            Self::ServerCertRevoked => "server_cert_revoked",
            Self::ServerCertInvalid => "server_cert_invalid",
            Self::TlsHandshakeFailed => "tls_handshake_failed",
            Self::TlsVersionMismatch => "tls_version_mismatch",
            Self::SniRejected => "sni_rejected",
            Self::ConnectionRefused => "connection_refused",
            Self::Timeout => "timeout",
            Self::DnsFailed => "dns_failed",
            Self::HostUnreachable => "host_unreachable",
            Self::ConnectionFailed => "connection_failed",
            Self::NotTls => "not_tls",
            Self::ServerCrlOutdated => "server_crl_outdated",
            Self::HttpStatus => "http_status",
            Self::NoAnswer => "no_answer",
            Self::NoClientCertAttemptFailed => "no_client_cert_attempt_failed",
            Self::ServerCertExpiring => "server_cert_expiring",
            Self::ClientCertExpiring => "client_cert_expiring",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `server_verification.code`: `ok`, or the code of the failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckCode {
    Ok,
    Failed(Code),
}

impl Serialize for CheckCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Ok => s.serialize_str("ok"),
            Self::Failed(c) => c.serialize(s),
        }
    }
}

/// A TLS alert, serialised by its RFC name (`unknown_ca`, `certificate_required`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alert(pub AlertDescription);

impl Alert {
    /// The RFC name, snake_case as the RFCs and OpenSSL's `SSL alert` lines spell it.
    pub fn name(self) -> String {
        use AlertDescription as A;
        let name = match self.0 {
            A::CloseNotify => "close_notify",
            A::UnexpectedMessage => "unexpected_message",
            A::BadRecordMac => "bad_record_mac",
            A::DecryptionFailed => "decryption_failed",
            A::RecordOverflow => "record_overflow",
            A::DecompressionFailure => "decompression_failure",
            A::HandshakeFailure => "handshake_failure",
            A::NoCertificate => "no_certificate",
            A::BadCertificate => "bad_certificate",
            A::UnsupportedCertificate => "unsupported_certificate",
            A::CertificateRevoked => "certificate_revoked",
            A::CertificateExpired => "certificate_expired",
            A::CertificateUnknown => "certificate_unknown",
            A::IllegalParameter => "illegal_parameter",
            A::UnknownCA => "unknown_ca",
            A::AccessDenied => "access_denied",
            A::DecodeError => "decode_error",
            A::DecryptError => "decrypt_error",
            A::ExportRestriction => "export_restriction",
            A::ProtocolVersion => "protocol_version",
            A::InsufficientSecurity => "insufficient_security",
            A::InternalError => "internal_error",
            A::InappropriateFallback => "inappropriate_fallback",
            A::UserCanceled => "user_canceled",
            A::NoRenegotiation => "no_renegotiation",
            A::MissingExtension => "missing_extension",
            A::UnsupportedExtension => "unsupported_extension",
            A::CertificateUnobtainable => "certificate_unobtainable",
            A::UnrecognisedName => "unrecognized_name",
            A::BadCertificateStatusResponse => "bad_certificate_status_response",
            A::BadCertificateHashValue => "bad_certificate_hash_value",
            A::UnknownPSKIdentity => "unknown_psk_identity",
            A::CertificateRequired => "certificate_required",
            A::NoApplicationProtocol => "no_application_protocol",
            A::EncryptedClientHelloRequired => "encrypted_client_hello_required",
            other => return format!("alert_{}", u8::from(other)),
        };
        name.to_string()
    }
}

impl fmt::Display for Alert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl Serialize for Alert {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_documented() {
        let json = |v: &dyn erased::Ser| v.json();
        assert_eq!(json(&Verdict::MtlsFailed), "\"mtls_failed\"");
        assert_eq!(json(&Enforcement::NotRequested), "\"not_requested\"");
        assert_eq!(json(&Stage::AfterHandshake), "\"after_handshake\"");
        assert_eq!(json(&TrustSource::Cacert), "\"cacert\"");
        assert_eq!(json(&CheckCode::Ok), "\"ok\"");
        assert_eq!(json(&CheckCode::Failed(Code::HostnameMismatch)), "\"hostname_mismatch\"");
        assert_eq!(json(&Alert(AlertDescription::UnknownCA)), "\"unknown_ca\"");
        assert_eq!(json(&Alert(AlertDescription::UnrecognisedName)), "\"unrecognized_name\"");
        assert_eq!(Alert(AlertDescription::Unknown(200)).name(), "alert_200");
    }

    #[test]
    fn code_names_match_serde() {
        use Code::*;
        for c in [
            ClientCertMissing,
            ClientCertCaMismatch,
            ClientCertExpired,
            ClientCertRevoked,
            ClientCertWrongPurpose,
            ClientCertRejected,
            ClientCertOptional,
            ClientCertNotRequested,
            ServerAcceptsUnverified,
            HttpRefused,
            RenegotiationRequested,
            ServerCertUntrusted,
            HostnameMismatch,
            ServerCertExpired,
            ServerCertNotYetValid,
            ServerCertWrongPurpose,
            ServerCertRevoked,
            ServerCertInvalid,
            TlsHandshakeFailed,
            TlsVersionMismatch,
            SniRejected,
            ConnectionRefused,
            Timeout,
            DnsFailed,
            HostUnreachable,
            ConnectionFailed,
            NotTls,
            ServerCrlOutdated,
            HttpStatus,
            NoAnswer,
            NoClientCertAttemptFailed,
            ServerCertExpiring,
            ClientCertExpiring,
        ] {
            assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{}\"", c.as_str()));
        }
    }

    mod erased {
        pub(super) trait Ser {
            fn json(&self) -> String;
        }
        impl<T: serde::Serialize> Ser for T {
            fn json(&self) -> String {
                serde_json::to_string(self).unwrap()
            }
        }
    }
}
