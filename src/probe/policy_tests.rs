//! probe's checks by verify's policy, with certificates made in memory (rcgen):
//! the server chain as the verifier decides it and the report shows it, and
//! our own identity before it is sent.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, PublicKeyData, RevocationReason, RevokedCertParams, SerialNumber,
    SignatureAlgorithm,
};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, RootCertStore};
use time::{Duration, OffsetDateTime};

use super::diagnose::Severity;
use super::inputs::{Identity, IdentityCa, IdentityError};
use super::recorder::{self, RecordingVerifier, ServerPolicy};
use super::report::{self, Attempts, Context, ServerVerification};
use super::vocab::{CheckCode, Code, TrustSource, Verdict};
use super::{Attempt, FailKind, Failure};
use crate::pki::verify::Code as PolicyCode;

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.not_before = now() - Duration::days(30);
    p.not_after = now() + Duration::days(365);
    p
}

fn leaf_params(cn: &str, eku: ExtendedKeyUsagePurpose) -> CertificateParams {
    let mut p = CertificateParams::new(vec![cn.to_string()]).expect("params");
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![eku];
    p.not_before = now() - Duration::days(1);
    p.not_after = now() + Duration::days(90);
    p
}

struct Ca {
    der: Vec<u8>,
    issuer: Issuer<'static, KeyPair>,
}

fn self_signed(p: CertificateParams) -> Ca {
    let key = KeyPair::generate().expect("key");
    let der = p.self_signed(&key).expect("sign").der().to_vec();
    Ca { der, issuer: Issuer::new(p, key) }
}

fn signed(ca: &Ca, p: &CertificateParams) -> (Vec<u8>, KeyPair) {
    let key = KeyPair::generate().expect("key");
    (p.signed_by(&key, &ca.issuer).expect("sign").der().to_vec(), key)
}

/// An RSA public key of 1024 bits: only its size matters, the CA signs the certificate.
struct Rsa1024(Vec<u8>);

impl Rsa1024 {
    fn new() -> Self {
        let mut modulus = vec![0x00, 0xc3];
        modulus.extend((0..127u8).map(|i| i.wrapping_mul(37) | 1));
        let mut int = vec![0x02, 0x81, 129];
        int.extend(modulus);
        let mut body = int;
        body.extend([0x02, 0x03, 0x01, 0x00, 0x01]);
        let mut der = vec![0x30, 0x81, body.len() as u8];
        der.extend(body);
        Self(der)
    }
}

impl PublicKeyData for Rsa1024 {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_RSA_SHA256
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Run the recording verifier on a server chain as rustls would, trusting `anchor`:
/// the attempt the probe would record, and the verifier's decision.
fn handshake(leaf: &[u8], anchor: &[u8]) -> (Attempt, Result<(), rustls::Error>) {
    let provider = provider();
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(anchor.to_vec())).expect("webpki takes the anchor");
    let webpki =
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone()).build().expect("webpki");
    let policy =
        ServerPolicy { anchors: vec![anchor.to_vec()], intermediates: Vec::new(), ca_label: "--cacert".into() };
    let verifier = RecordingVerifier::new(Some(webpki), Some(policy), &provider, false);
    let name = ServerName::try_from("localhost").expect("name");
    let decision =
        verifier.verify_server_cert(&CertificateDer::from(leaf.to_vec()), &[], &name, &[], UnixTime::now()).map(|_| ());
    let mut at = Attempt { server: recorder::snapshot(&verifier.seen), ..Attempt::default() };
    if let Err(e) = &decision {
        at.failure = Some(Failure { kind: FailKind::Tls, detail: "stopped".into(), tls_error: Some(e.clone()) });
    }
    (at, decision)
}

fn context() -> Context {
    Context {
        target: "127.0.0.1:8443".into(),
        sni: Some("localhost".into()),
        verify_name: "localhost".into(),
        insecure: false,
        trust: ServerVerification {
            trusted: None,
            chain_ok: None,
            hostname_ok: None,
            code: None,
            error: None,
            trust_source: TrustSource::Cacert,
            trust_file: None,
            trust_anchor_count: 1,
            trust_anchors: vec![],
            insecure: false,
            verify_code: None,
            webpki_error: None,
        },
        trust_text: "--cacert ca.pem".into(),
        client_cert: None,
        our_issuers: vec![],
        ours: None,
        ours_seconds_left: None,
        http: true,
        no_client_cert: false,
    }
}

/// The chain webpki accepts and the policy refuses: the report must say untrusted, never verified.
fn assert_refused(leaf: &[u8], anchor: &[u8], policy: PolicyCode, code: Code) {
    let (at, decision) = handshake(leaf, anchor);
    assert!(matches!(decision, Err(rustls::Error::InvalidCertificate(_))), "{decision:?}");
    assert_eq!(at.server.verdict.as_ref().map(Result::is_ok), Some(true), "webpki alone accepts this chain");
    let v = at.server.policy.as_ref().expect("the policy decided");
    assert_eq!(v.code, policy, "{}", v.message);

    let r = report::build(context(), Attempts { main: &at, without: None, canary: None });
    let sv = &r.server_verification;
    assert_eq!((sv.trusted, sv.chain_ok), (Some(false), Some(false)));
    assert_eq!(sv.code, Some(CheckCode::Failed(code)));
    assert_eq!(sv.verify_code, Some(policy));
    assert_eq!(sv.webpki_error, None);
    assert_eq!(r.verdict, Verdict::MtlsFailed);
    let d = &r.diagnosis[0];
    assert_eq!((d.code, d.severity), (code, Severity::Error));
    assert!(d.cause.contains(&v.message), "{}", d.cause);
    assert_eq!(r.client_cert_accepted, None);
}

#[test]
fn a_valid_server_chain_verifies() {
    let ca = self_signed(ca_params("Server CA"));
    let (leaf, _) = signed(&ca, &leaf_params("localhost", ExtendedKeyUsagePurpose::ServerAuth));
    let (at, decision) = handshake(&leaf, &ca.der);
    assert!(decision.is_ok(), "{decision:?}");
    let r = report::build(context(), Attempts { main: &at, without: None, canary: None });
    let sv = &r.server_verification;
    assert_eq!((sv.trusted, sv.hostname_ok, sv.code), (Some(true), Some(true), Some(CheckCode::Ok)));
    assert_eq!(sv.verify_code, Some(PolicyCode::Valid));
}

#[test]
fn a_ca_false_anchor_never_verifies_a_server() {
    // A server certificate's key signing another "server" certificate.
    let ca = self_signed(ca_params("Server CA"));
    let minted_params = leaf_params("minter", ExtendedKeyUsagePurpose::ServerAuth);
    let (minter_der, minter_key) = signed(&ca, &minted_params);
    let minter = Ca { der: minter_der, issuer: Issuer::new(minted_params, minter_key) };
    let (forged, _) = signed(&minter, &leaf_params("localhost", ExtendedKeyUsagePurpose::ServerAuth));
    assert_refused(&forged, &minter.der, PolicyCode::InvalidCa, Code::ServerCertUntrusted);
}

#[test]
fn an_expired_anchor_never_verifies_a_server() {
    let mut p = ca_params("Old CA");
    p.not_before = now() - Duration::days(400);
    p.not_after = now() - Duration::days(1);
    let ca = self_signed(p);
    let (leaf, _) = signed(&ca, &leaf_params("localhost", ExtendedKeyUsagePurpose::ServerAuth));
    assert_refused(&leaf, &ca.der, PolicyCode::Expired, Code::ServerCertExpired);
}

#[test]
fn a_weak_server_key_never_verifies() {
    let ca = self_signed(ca_params("Server CA"));
    let leaf = leaf_params("localhost", ExtendedKeyUsagePurpose::ServerAuth)
        .signed_by(&Rsa1024::new(), &ca.issuer)
        .expect("sign")
        .der()
        .to_vec();
    assert_refused(&leaf, &ca.der, PolicyCode::WeakKey, Code::ServerCertInvalid);
}

#[test]
fn a_server_name_mismatch_comes_from_the_policy() {
    let ca = self_signed(ca_params("Server CA"));
    let (leaf, _) = signed(&ca, &leaf_params("elsewhere", ExtendedKeyUsagePurpose::ServerAuth));
    let (at, decision) = handshake(&leaf, &ca.der);
    assert!(matches!(decision, Err(rustls::Error::InvalidCertificate(CertificateError::NotValidForName))));
    let r = report::build(context(), Attempts { main: &at, without: None, canary: None });
    let sv = &r.server_verification;
    assert_eq!((sv.chain_ok, sv.hostname_ok), (Some(true), Some(false)));
    assert_eq!(sv.code, Some(CheckCode::Failed(Code::HostnameMismatch)));
}

fn identity(der: &[u8], key: &KeyPair) -> Identity {
    let pem = pem::encode(&pem::Pem::new("CERTIFICATE", der.to_vec()));
    Identity::from_bytes(pem.as_bytes(), key.serialize_pem().as_bytes(), "test".into(), &provider())
        .unwrap_or_else(|_| panic!("identity"))
}

/// The key read once by rustls still tells a key of another certificate and an
/// encrypted key apart, as the long way does.
#[test]
fn an_identity_refuses_another_key_and_an_encrypted_one() {
    let ca = self_signed(ca_params("Client CA"));
    let (der, _) = signed(&ca, &leaf_params("alice", ExtendedKeyUsagePurpose::ClientAuth));
    let pem = pem::encode(&pem::Pem::new("CERTIFICATE", der));
    let other = KeyPair::generate().unwrap_or_else(|_| panic!("key"));
    let read = |key: &[u8]| Identity::from_bytes(pem.as_bytes(), key, "test".into(), &provider()).err();
    assert!(matches!(read(other.serialize_pem().as_bytes()), Some(IdentityError::KeyMismatch)));
    let encrypted = crate::pki::keys::to_pkcs8_pem(&other, Some("s3cret")).unwrap_or_else(|_| panic!("pem"));
    assert!(matches!(read(encrypted.as_bytes()), Some(IdentityError::EncryptedKey)));
}

#[test]
fn our_identity_is_checked_by_the_policy_before_it_is_sent() {
    let ca = self_signed(ca_params("Client CA"));
    let (der, key) = signed(&ca, &leaf_params("alice", ExtendedKeyUsagePurpose::ClientAuth));
    let id = identity(&der, &key);
    assert_eq!(id.info.check.code, PolicyCode::Valid, "{}", id.info.check.message);
    assert!(!id.ours.expired && !id.ours.not_yet_valid && id.ours.client_auth);

    let mut p = leaf_params("old", ExtendedKeyUsagePurpose::ClientAuth);
    p.not_after = now() - Duration::hours(1);
    let (der, key) = signed(&ca, &p);
    let id = identity(&der, &key);
    assert_eq!(id.info.check.code, PolicyCode::Expired);
    assert!(id.ours.expired);

    let mut p = leaf_params("early", ExtendedKeyUsagePurpose::ClientAuth);
    p.not_before = now() + Duration::days(1);
    let (der, key) = signed(&ca, &p);
    let id = identity(&der, &key);
    assert_eq!(id.info.check.code, PolicyCode::NotYetValid);
    assert!(id.ours.not_yet_valid && !id.ours.expired);

    let (der, key) = signed(&ca, &leaf_params("server", ExtendedKeyUsagePurpose::ServerAuth));
    let id = identity(&der, &key);
    assert_eq!(id.info.check.code, PolicyCode::WrongPurpose);
    assert!(!id.ours.client_auth);
}

#[test]
fn our_identity_revoked_in_the_stores_crl() {
    let ca = self_signed(ca_params("Client CA"));
    let mut p = leaf_params("bob", ExtendedKeyUsagePurpose::ClientAuth);
    p.serial_number = Some(SerialNumber::from_slice(&[0x1b, 0x0b]));
    let (der, key) = signed(&ca, &p);
    let crl = |revoked: bool| {
        CertificateRevocationListParams {
            this_update: now() - Duration::hours(1),
            next_update: now() + Duration::days(7),
            crl_number: SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .then(|| RevokedCertParams {
                    serial_number: SerialNumber::from_slice(&[0x1b, 0x0b]),
                    revocation_time: now() - Duration::minutes(30),
                    reason_code: Some(RevocationReason::KeyCompromise),
                    invalidity_date: None,
                })
                .into_iter()
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        }
        .signed_by(&ca.issuer)
        .expect("crl")
        .der()
        .to_vec()
    };
    let check = |crls: &[Vec<u8>]| {
        let mut id = identity(&der, &key);
        let ca = IdentityCa {
            anchors: std::slice::from_ref(&ca.der),
            intermediates: &[],
            crls,
            label: "this CA".into(),
            crl_label: "crl/ca.crl".into(),
        };
        id.check_with_ca(&ca, now()).expect("check runs");
        id
    };
    let id = check(&[crl(true)]);
    assert_eq!(id.info.check.code, PolicyCode::Revoked);
    let said = id.ours.revoked.clone().expect("revoked");
    assert!(said.contains("keyCompromise"), "{said}");
    assert_eq!(id.info.revoked_in_store.as_deref(), Some(said.as_str()));

    let id = check(&[crl(false)]);
    assert_eq!(id.info.check.code, PolicyCode::Valid, "{}", id.info.check.message);
    assert_eq!(id.ours.revoked, None);

    // Another CA's certificate is not judged revoked by this store's CRL.
    let other = self_signed(ca_params("Other CA"));
    let mut id = identity(&der, &key);
    let ca = IdentityCa {
        anchors: std::slice::from_ref(&other.der),
        intermediates: &[],
        crls: &[crl(true)],
        label: "this CA".into(),
        crl_label: "crl/ca.crl".into(),
    };
    id.check_with_ca(&ca, now()).expect("check runs");
    assert_eq!(id.info.check.code, PolicyCode::UnknownIssuer);
    assert_eq!(id.ours.revoked, None);
}
