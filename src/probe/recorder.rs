//! rustls hooks that watch the handshake: a server-certificate verifier that
//! records the chain and webpki's verdict, and decides by mtlsctl's own path
//! validation (`pki::verify`, SPEC §6) when the trust is ours (`--cacert`, the
//! store), by webpki for the system roots; and a client
//! certificate resolver that records whether (and for which CAs) the server
//! asked. Both keep what they saw in shared state the probe reads afterwards.

use std::sync::{Arc, Mutex, MutexGuard};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{CertificateError, DigitallySignedStruct, Error, SignatureScheme};
use time::OffsetDateTime;

use crate::pki::verify::{self as policy, Code as PolicyCode, Labels, Purpose, Request, Revocation, Subject};

/// What the verifier saw of the server.
#[derive(Debug, Clone, Default)]
pub struct ServerSeen {
    /// The chain as sent: leaf first.
    pub chain: Vec<Vec<u8>>,
    /// webpki's verdict on chain and name together (what rustls alone would decide).
    pub verdict: Option<Result<(), Error>>,
    /// The name check alone, so a report can say "trusted but wrong name" or both.
    pub hostname: Option<Result<(), Error>>,
    /// mtlsctl's verdict on chain, purpose (server) and name: the decision when
    /// the trust is ours (None with the system roots).
    pub policy: Option<policy::Verdict>,
}

/// The CAs of `--cacert` or the store, for mtlsctl's own validation of the server.
#[derive(Debug, Clone, Default)]
pub struct ServerPolicy {
    pub anchors: Vec<Vec<u8>>,
    /// CA certificates given beside the anchors; the server's own are added to them.
    pub intermediates: Vec<Vec<u8>>,
    /// How the verdict's words name the anchors ("among the CAs in FILE").
    pub ca_label: String,
}

impl ServerPolicy {
    /// The verdict on a server chain (leaf first) for `name`, at `at`.
    pub fn check(&self, chain: &[Vec<u8>], name: &ServerName<'_>, at: OffsetDateTime) -> policy::Verdict {
        let subject = match name {
            ServerName::DnsName(d) => Subject::Dns(d.as_ref().to_string()),
            ServerName::IpAddress(ip) => Subject::Ip(std::net::IpAddr::from(*ip)),
            _ => Subject::Dns(String::new()),
        };
        let (leaf, sent) = chain.split_first().map_or((&[][..], &[][..]), |(l, r)| (l.as_slice(), r));
        let intermediates: Vec<Vec<u8>> = sent.iter().chain(&self.intermediates).cloned().collect();
        let req = Request {
            leaf,
            intermediates: &intermediates,
            anchors: &self.anchors,
            crls: &[],
            purposes: &[Purpose::Server],
            subjects: std::slice::from_ref(&subject),
            at,
            revocation: Revocation::Off,
            max_depth: None,
            labels: Labels { ca: self.ca_label.clone(), crl: String::new() },
        };
        // Only unusable CRLs make the policy fail, and none are given.
        policy::verify(&req).unwrap_or_else(|e| policy::Verdict {
            code: PolicyCode::Invalid,
            message: e.to_string(),
            listed: None,
            notes: Vec::new(),
        })
    }
}

/// The rustls error that stops the handshake for a refusal of the policy.
fn refusal_error(code: PolicyCode) -> Error {
    Error::InvalidCertificate(match code {
        PolicyCode::Expired => CertificateError::Expired,
        PolicyCode::NotYetValid => CertificateError::NotValidYet,
        PolicyCode::NameMismatch => CertificateError::NotValidForName,
        PolicyCode::WrongPurpose => CertificateError::InvalidPurpose,
        PolicyCode::Revoked => CertificateError::Revoked,
        PolicyCode::BadSignature => CertificateError::BadSignature,
        PolicyCode::MalformedCertificate => CertificateError::BadEncoding,
        PolicyCode::UnknownIssuer
        | PolicyCode::InvalidCa
        | PolicyCode::InvalidChain
        | PolicyCode::ChainTooLong
        | PolicyCode::NameConstraints => CertificateError::UnknownIssuer,
        _ => CertificateError::ApplicationVerificationFailure,
    })
}

/// What the resolver saw of the server's CertificateRequest.
#[derive(Debug, Clone, Default)]
pub struct RequestSeen {
    pub requested: bool,
    /// DER Names from the CertificateRequest (certificate_authorities in TLS 1.3).
    pub ca_names: Vec<Vec<u8>>,
    /// Signature schemes the server accepts for the client's CertificateVerify.
    pub sigschemes: Vec<SignatureScheme>,
    /// Whether a certificate will go out: we had one and its key fits a scheme.
    pub sent: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means another thread panicked mid-record; the data is still useful.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Wraps webpki verification: always records, then decides by the policy when
/// there is one, else by webpki, or, with `--insecure`, accepts the certificate anyway.
#[derive(Debug)]
pub struct RecordingVerifier {
    inner: Option<Arc<WebPkiServerVerifier>>,
    policy: Option<ServerPolicy>,
    algs: WebPkiSupportedAlgorithms,
    insecure: bool,
    pub seen: Arc<Mutex<ServerSeen>>,
}

impl RecordingVerifier {
    /// `inner` is None when there are no trust anchors at all: everything is then "unknown issuer".
    pub fn new(
        inner: Option<Arc<WebPkiServerVerifier>>,
        policy: Option<ServerPolicy>,
        provider: &CryptoProvider,
        insecure: bool,
    ) -> Self {
        Self { inner, policy, algs: provider.signature_verification_algorithms, insecure, seen: Arc::default() }
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let verdict = match &self.inner {
            Some(v) => v.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now).map(|_| ()),
            None => Err(Error::InvalidCertificate(CertificateError::UnknownIssuer)),
        };
        let hostname = webpki::EndEntityCert::try_from(end_entity)
            .map_err(|_| Error::InvalidCertificate(CertificateError::BadEncoding))
            .and_then(|ee| {
                ee.verify_is_valid_for_subject_name(server_name)
                    .map_err(|_| Error::InvalidCertificate(CertificateError::NotValidForName))
            });
        let chain: Vec<Vec<u8>> = std::iter::once(end_entity).chain(intermediates).map(|c| c.to_vec()).collect();
        let at = OffsetDateTime::from_unix_timestamp(now.as_secs().try_into().unwrap_or(i64::MAX))
            .unwrap_or_else(|_| OffsetDateTime::now_utc());
        let ours = self.policy.as_ref().map(|p| p.check(&chain, server_name, at));
        // Our policy decides when the trust is ours: webpki does not check the anchor itself.
        let decision = match &ours {
            Some(v) if v.valid() => Ok(()),
            Some(v) => Err(refusal_error(v.code)),
            None => verdict.clone(),
        };
        {
            let mut seen = lock(&self.seen);
            seen.chain = chain;
            seen.verdict = Some(verdict);
            seen.hostname = Some(hostname);
            seen.policy = ours;
        }
        match decision {
            Ok(()) => Ok(ServerCertVerified::assertion()),
            Err(_) if self.insecure => Ok(ServerCertVerified::assertion()),
            Err(e) => Err(e),
        }
    }

    // Handshake signatures prove the server holds the key; they are checked even with --insecure.
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// Offers our identity (if any) whenever asked, and notes that the server asked.
#[derive(Debug)]
pub struct RecordingResolver {
    key: Option<Arc<CertifiedKey>>,
    pub seen: Arc<Mutex<RequestSeen>>,
}

impl RecordingResolver {
    pub fn new(key: Option<Arc<CertifiedKey>>) -> Self {
        Self { key, seen: Arc::default() }
    }
}

impl ResolvesClientCert for RecordingResolver {
    fn resolve(&self, root_hint_subjects: &[&[u8]], sigschemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        let mut seen = lock(&self.seen);
        seen.requested = true;
        seen.ca_names = root_hint_subjects.iter().map(|n| n.to_vec()).collect();
        seen.sigschemes = sigschemes.to_vec();
        // rustls sends an empty Certificate when our key fits none of the server's schemes.
        seen.sent = self.key.as_ref().is_some_and(|k| k.key.choose_scheme(sigschemes).is_some());
        // Offer the certificate even when the server's CA list does not name its issuer:
        // the list is a hint, and the point of a probe is to see what the server does.
        self.key.clone()
    }

    fn has_certs(&self) -> bool {
        self.key.is_some()
    }
}

/// Read the state a hook recorded.
pub fn snapshot<T: Clone>(m: &Mutex<T>) -> T {
    lock(m).clone()
}
