//! OCSP (RFC 6960) requests and responses as bytes: CertIDs in SHA-1 and
//! SHA-256 (and SHA-384/512), nonces, BasicOCSPResponse with good, revoked and
//! unknown answers, error statuses, and the delegated responder certificate's
//! parameters. The ASN.1 model is RustCrypto's `x509-ocsp`; signing is the
//! CA's or responder's rcgen key (aws-lc), like every other signature here.

use anyhow::{Context, anyhow, bail};
use der::asn1::{BitString, GeneralizedTime, Null, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use rcgen::{CertificateParams, CustomExtension, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose};
use serde::Serialize;
use spki::AlgorithmIdentifierOwned;
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::CrlReason;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspGeneralizedTime, OcspRequest, OcspResponse, OcspResponseStatus, Request,
    ResponderId, ResponseBytes, ResponseData, RevokedInfo, SingleResponse, TbsRequest, Version,
};

const OID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const OID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const OID_NONCE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.2");
const OID_BASIC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
/// id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1), as rcgen wants it.
const NOCHECK_ARCS: [u64; 10] = [1, 3, 6, 1, 5, 5, 7, 48, 1, 5];

/// The MIME types of RFC 6960 Appendix A.
pub const REQUEST_MIME: &str = "application/ocsp-request";
pub const RESPONSE_MIME: &str = "application/ocsp-response";

/// The hash of a CertID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HashAlg {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlg {
    pub const ALL: [Self; 4] = [Self::Sha1, Self::Sha256, Self::Sha384, Self::Sha512];

    fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Sha1 => OID_SHA1,
            Self::Sha256 => OID_SHA256,
            Self::Sha384 => OID_SHA384,
            Self::Sha512 => OID_SHA512,
        }
    }

    fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.oid() == *oid)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        use aws_lc_rs::digest;
        let alg = match self {
            Self::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => &digest::SHA256,
            Self::Sha384 => &digest::SHA384,
            Self::Sha512 => &digest::SHA512,
        };
        digest::digest(alg, data).as_ref().to_vec()
    }
}

/// A serial number's magnitude: big-endian, no leading zero bytes.
pub fn serial_magnitude(raw: &[u8]) -> &[u8] {
    let start = raw.iter().position(|b| *b != 0).unwrap_or(raw.len().saturating_sub(1));
    &raw[start..]
}

/// Upper-case hex in whole bytes, as index.txt spells serials.
pub fn serial_hex(serial: &[u8]) -> String {
    serial.iter().map(|b| format!("{b:02X}")).collect()
}

/// One CertID of a request.
#[derive(Debug, Clone)]
pub struct CertRef {
    /// None when the hash algorithm is not one we compute.
    pub hash: Option<HashAlg>,
    pub name_hash: Vec<u8>,
    pub key_hash: Vec<u8>,
    /// The serial's magnitude (big-endian, no leading zeros).
    pub serial: Vec<u8>,
    id: CertId,
}

impl CertRef {
    /// The CertID's DER: a cache key that also tells apart the hash algorithms.
    pub fn der(&self) -> anyhow::Result<Vec<u8>> {
        self.id.to_der().map_err(|e| anyhow!("cannot encode a CertID: {e}"))
    }

    pub fn serial_hex(&self) -> String {
        serial_hex(&self.serial)
    }
}

/// A decoded OCSP request.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    pub ids: Vec<CertRef>,
    /// The nonce extension, echoed as is in the response.
    nonce: Option<Extension>,
    pub signed: bool,
}

impl RequestInfo {
    /// The nonce's extnValue bytes (an OCTET STRING per RFC 8954).
    pub fn nonce(&self) -> Option<&[u8]> {
        self.nonce.as_ref().map(|e| e.extn_value.as_bytes())
    }

    pub fn has_nonce(&self) -> bool {
        self.nonce.is_some()
    }
}

/// Decode an OCSPRequest. A request with no CertID, or with bytes after it, is refused.
pub fn parse_request(der: &[u8]) -> anyhow::Result<RequestInfo> {
    let req = OcspRequest::from_der(der).map_err(|e| anyhow!("not an OCSP request: {e}"))?;
    if req.tbs_request.request_list.is_empty() {
        bail!("the OCSP request names no certificate");
    }
    let nonce = req
        .tbs_request
        .request_extensions
        .as_ref()
        .and_then(|exts| exts.iter().find(|e| e.extn_id == OID_NONCE).cloned());
    let ids = req
        .tbs_request
        .request_list
        .into_iter()
        .map(|r| {
            let id = r.req_cert;
            CertRef {
                hash: HashAlg::from_oid(&id.hash_algorithm.oid),
                name_hash: id.issuer_name_hash.as_bytes().to_vec(),
                key_hash: id.issuer_key_hash.as_bytes().to_vec(),
                serial: serial_magnitude(id.serial_number.as_bytes()).to_vec(),
                id,
            }
        })
        .collect();
    Ok(RequestInfo { ids, nonce, signed: req.optional_signature.is_some() })
}

/// An issuer as CertIDs name it: the hashes of its subject and public key.
#[derive(Debug, Clone)]
pub struct IssuerId {
    name_der: Vec<u8>,
    key_bits: Vec<u8>,
    /// (alg, name hash, key hash) for each algorithm, computed once.
    hashes: Vec<(HashAlg, Vec<u8>, Vec<u8>)>,
}

impl IssuerId {
    pub fn from_cert(cert_der: &[u8]) -> anyhow::Result<Self> {
        let cert = super::certinfo::parse(cert_der)?;
        let name_der = cert.subject().as_raw().to_vec();
        let key_bits = cert.public_key().subject_public_key.data.to_vec();
        let hashes = HashAlg::ALL.into_iter().map(|a| (a, a.digest(&name_der), a.digest(&key_bits))).collect();
        Ok(Self { name_der, key_bits, hashes })
    }

    /// Whether `id` names this issuer.
    pub fn matches(&self, id: &CertRef) -> bool {
        let Some(alg) = id.hash else { return false };
        self.hashes.iter().any(|(a, n, k)| *a == alg && *n == id.name_hash && *k == id.key_hash)
    }

    /// The SHA-1 hash of the issuer's key: the name `ocsp sign` files carry.
    pub fn key_hash_sha1(&self) -> Vec<u8> {
        HashAlg::Sha1.digest(&self.key_bits)
    }

    /// A CertID for `serial` (magnitude bytes) under this issuer.
    pub fn cert_ref(&self, alg: HashAlg, serial: &[u8]) -> anyhow::Result<CertRef> {
        let serial = serial_magnitude(serial).to_vec();
        let id = CertId {
            hash_algorithm: AlgorithmIdentifierOwned { oid: alg.oid(), parameters: Some(Null.into()) },
            issuer_name_hash: octets(alg.digest(&self.name_der))?,
            issuer_key_hash: octets(alg.digest(&self.key_bits))?,
            serial_number: SerialNumber::new(&serial).map_err(|e| anyhow!("unusable serial number: {e}"))?,
        };
        Ok(CertRef {
            hash: Some(alg),
            name_hash: id.issuer_name_hash.as_bytes().to_vec(),
            key_hash: id.issuer_key_hash.as_bytes().to_vec(),
            serial,
            id,
        })
    }
}

fn octets(v: Vec<u8>) -> anyhow::Result<OctetString> {
    OctetString::new(v).map_err(|e| anyhow!("cannot encode an octet string: {e}"))
}

/// Build an OCSP request for `ids`, with a nonce when given.
pub fn build_request(ids: &[CertRef], nonce: Option<&[u8]>) -> anyhow::Result<Vec<u8>> {
    let request_extensions = match nonce {
        Some(n) => {
            let inner = octets(n.to_vec())?.to_der().map_err(|e| anyhow!("cannot encode the nonce: {e}"))?;
            Some(vec![Extension { extn_id: OID_NONCE, critical: false, extn_value: octets(inner)? }])
        }
        None => None,
    };
    let req = OcspRequest {
        tbs_request: TbsRequest {
            version: Version::V1,
            requestor_name: None,
            request_list: ids
                .iter()
                .map(|r| Request { req_cert: r.id.clone(), single_request_extensions: None })
                .collect(),
            request_extensions,
        },
        optional_signature: None,
    };
    req.to_der().map_err(|e| anyhow!("cannot encode the OCSP request: {e}"))
}

/// A certificate's status as a response states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertState {
    Good,
    /// `reason` is a CRLReason code (RFC 5280 §5.3.1).
    Revoked {
        time: OffsetDateTime,
        reason: Option<u8>,
    },
    Unknown,
}

impl CertState {
    pub fn name(self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Revoked { .. } => "revoked",
            Self::Unknown => "unknown",
        }
    }
}

/// One answer of a response.
#[derive(Debug, Clone)]
pub struct Answer<'a> {
    pub id: &'a CertRef,
    pub state: CertState,
    pub this_update: OffsetDateTime,
    pub next_update: OffsetDateTime,
}

/// A non-successful OCSPResponseStatus (RFC 6960 §4.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorStatus {
    MalformedRequest,
    InternalError,
    TryLater,
    Unauthorized,
}

impl ErrorStatus {
    pub fn name(self) -> &'static str {
        match self {
            Self::MalformedRequest => "malformed_request",
            Self::InternalError => "internal_error",
            Self::TryLater => "try_later",
            Self::Unauthorized => "unauthorized",
        }
    }
}

/// An OCSPResponse carrying only an error status.
pub fn error_response(status: ErrorStatus) -> Vec<u8> {
    // Two fixed encodings: SEQUENCE { ENUMERATED n }.
    let code = match status {
        ErrorStatus::MalformedRequest => 1,
        ErrorStatus::InternalError => 2,
        ErrorStatus::TryLater => 3,
        ErrorStatus::Unauthorized => 6,
    };
    vec![0x30, 0x03, 0x0a, 0x01, code]
}

fn gtime(t: OffsetDateTime) -> anyhow::Result<OcspGeneralizedTime> {
    let secs = u64::try_from(t.unix_timestamp()).map_err(|_| anyhow!("a time before 1970"))?;
    let g = GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(secs))
        .map_err(|e| anyhow!("unencodable time: {e}"))?;
    Ok(OcspGeneralizedTime(g))
}

fn from_gtime(t: &OcspGeneralizedTime) -> OffsetDateTime {
    let secs = t.0.to_unix_duration().as_secs();
    OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or(i64::MAX)).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// How the response names its signer (RFC 6960 §4.2.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponderBy {
    KeyHash,
    Name,
}

/// A key that signs responses, and what the response says about it.
pub struct ResponseSigner {
    key: KeyPair,
    responder_id: ResponderId,
    alg: AlgorithmIdentifierOwned,
    /// The delegated responder's certificate, sent in `certs`.
    certs: Option<Vec<Certificate>>,
}

impl std::fmt::Debug for ResponseSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseSigner").field("delegated", &self.certs.is_some()).finish_non_exhaustive()
    }
}

/// The AlgorithmIdentifier of the signature `key` makes.
fn signature_alg(key: &KeyPair) -> anyhow::Result<AlgorithmIdentifierOwned> {
    let a = key.algorithm();
    let (oid, null) = if a == &rcgen::PKCS_ECDSA_P256_SHA256 {
        ("1.2.840.10045.4.3.2", false)
    } else if a == &rcgen::PKCS_ECDSA_P384_SHA384 {
        ("1.2.840.10045.4.3.3", false)
    } else if a == &rcgen::PKCS_ED25519 {
        ("1.3.101.112", false)
    } else if a == &rcgen::PKCS_RSA_SHA256 {
        ("1.2.840.113549.1.1.11", true)
    } else {
        bail!("this key type cannot sign OCSP responses");
    };
    let oid = ObjectIdentifier::new(oid).map_err(|e| anyhow!("bad OID: {e}"))?;
    Ok(AlgorithmIdentifierOwned { oid, parameters: null.then(|| Null.into()) })
}

impl ResponseSigner {
    /// Sign with `key`, the key of `cert_der`. A delegated responder's
    /// certificate goes into every response so clients can check it.
    pub fn new(cert_der: &[u8], key: KeyPair, delegated: bool, by: ResponderBy) -> anyhow::Result<Self> {
        let cert = Certificate::from_der(cert_der).map_err(|e| anyhow!("cannot read the signer certificate: {e}"))?;
        let responder_id = match by {
            ResponderBy::KeyHash => {
                let bits = cert.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes();
                ResponderId::ByKey(octets(HashAlg::Sha1.digest(bits))?)
            }
            ResponderBy::Name => ResponderId::ByName(cert.tbs_certificate.subject.clone()),
        };
        let alg = signature_alg(&key)?;
        Ok(Self { key, responder_id, alg, certs: delegated.then(|| vec![cert]) })
    }

    /// A successful response answering each of `answers`, echoing `nonce`.
    pub fn sign(
        &self,
        answers: &[Answer<'_>],
        nonce: Option<&RequestInfo>,
        now: OffsetDateTime,
    ) -> anyhow::Result<Vec<u8>> {
        use rcgen::SigningKey as _;
        let responses = answers.iter().map(single).collect::<anyhow::Result<Vec<_>>>()?;
        let response_extensions = nonce.and_then(|r| r.nonce.clone()).map(|e| vec![e]);
        let data = ResponseData {
            version: Version::V1,
            responder_id: self.responder_id.clone(),
            produced_at: gtime(now)?,
            responses,
            response_extensions,
        };
        let tbs = data.to_der().map_err(|e| anyhow!("cannot encode the response: {e}"))?;
        let sig = self.key.sign(&tbs).map_err(|e| anyhow!("cannot sign the response: {e}"))?;
        let basic = BasicOcspResponse {
            tbs_response_data: data,
            signature_algorithm: self.alg.clone(),
            signature: BitString::from_bytes(&sig).map_err(|e| anyhow!("cannot encode the signature: {e}"))?,
            certs: self.certs.clone(),
        };
        let inner = basic.to_der().map_err(|e| anyhow!("cannot encode the response: {e}"))?;
        let resp = OcspResponse {
            response_status: OcspResponseStatus::Successful,
            response_bytes: Some(ResponseBytes { response_type: OID_BASIC, response: octets(inner)? }),
        };
        resp.to_der().map_err(|e| anyhow!("cannot encode the response: {e}"))
    }
}

fn single(a: &Answer<'_>) -> anyhow::Result<SingleResponse> {
    let cert_status = match a.state {
        CertState::Good => CertStatus::good(),
        CertState::Unknown => CertStatus::unknown(),
        CertState::Revoked { time, reason } => CertStatus::Revoked(RevokedInfo {
            revocation_time: gtime(time)?,
            revocation_reason: reason.and_then(crl_reason),
        }),
    };
    Ok(SingleResponse {
        cert_id: a.id.id.clone(),
        cert_status,
        this_update: gtime(a.this_update)?,
        next_update: Some(gtime(a.next_update)?),
        single_extensions: None,
    })
}

fn crl_reason(code: u8) -> Option<CrlReason> {
    Some(match code {
        0 => CrlReason::Unspecified,
        1 => CrlReason::KeyCompromise,
        2 => CrlReason::CaCompromise,
        3 => CrlReason::AffiliationChanged,
        4 => CrlReason::Superseded,
        5 => CrlReason::CessationOfOperation,
        6 => CrlReason::CertificateHold,
        8 => CrlReason::RemoveFromCRL,
        9 => CrlReason::PrivilegeWithdrawn,
        10 => CrlReason::AaCompromise,
        _ => return None,
    })
}

/// Parameters of a delegated OCSP responder certificate (RFC 6960 §4.2.2.2):
/// EKU OCSPSigning, id-pkix-ocsp-nocheck, not a CA, digitalSignature only.
pub fn responder_params(
    cn: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    serial: &[u8],
) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = super::names::subject(cn, None);
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::OcspSigning];
    // id-pkix-ocsp-nocheck: extnValue is a DER NULL.
    p.custom_extensions = vec![CustomExtension::from_oid_content(&NOCHECK_ARCS, vec![0x05, 0x00])];
    p.use_authority_key_identifier_extension = true;
    p.not_before = not_before;
    p.not_after = not_after;
    p.serial_number = Some(rcgen::SerialNumber::from_slice(serial));
    p
}

/// One answer of a decoded response.
#[derive(Debug, Clone, Serialize)]
pub struct SingleInfo {
    pub hash: Option<HashAlg>,
    /// Upper-case hex, as index.txt writes serials.
    pub serial: String,
    pub status: &'static str,
    #[serde(skip)]
    pub revoked_at: Option<OffsetDateTime>,
    /// CRLReason code.
    #[serde(skip)]
    pub reason: Option<u8>,
    #[serde(skip)]
    pub this_update: OffsetDateTime,
    #[serde(skip)]
    pub next_update: Option<OffsetDateTime>,
    #[serde(skip)]
    pub name_hash: Vec<u8>,
    #[serde(skip)]
    pub key_hash: Vec<u8>,
}

/// A decoded OCSPResponse.
#[derive(Debug, Clone)]
pub struct ResponseInfo {
    /// `successful` or an ErrorStatus name.
    pub status: &'static str,
    pub basic: Option<BasicInfo>,
}

/// The signed part of a successful response.
#[derive(Debug, Clone)]
pub struct BasicInfo {
    /// `key_hash` or `name`, and the hash (hex) or the name's DER.
    pub responder_by_key: Option<Vec<u8>>,
    pub responder_name_der: Option<Vec<u8>>,
    pub produced_at: OffsetDateTime,
    pub answers: Vec<SingleInfo>,
    pub nonce: Option<Vec<u8>>,
    /// Certificates sent with the response (DER).
    pub certs: Vec<Vec<u8>>,
    tbs: Vec<u8>,
    signature: Vec<u8>,
    sig_oid: String,
}

/// Decode an OCSPResponse.
pub fn parse_response(der: &[u8]) -> anyhow::Result<ResponseInfo> {
    let resp = OcspResponse::from_der(der).map_err(|e| anyhow!("not an OCSP response: {e}"))?;
    let status = match resp.response_status {
        OcspResponseStatus::Successful => "successful",
        OcspResponseStatus::MalformedRequest => "malformed_request",
        OcspResponseStatus::InternalError => "internal_error",
        OcspResponseStatus::TryLater => "try_later",
        OcspResponseStatus::SigRequired => "sig_required",
        OcspResponseStatus::Unauthorized => "unauthorized",
    };
    let Some(bytes) = resp.response_bytes else { return Ok(ResponseInfo { status, basic: None }) };
    if bytes.response_type != OID_BASIC {
        bail!("the OCSP response is not a BasicOCSPResponse ({})", bytes.response_type);
    }
    let basic = BasicOcspResponse::from_der(bytes.response.as_bytes())
        .map_err(|e| anyhow!("malformed BasicOCSPResponse: {e}"))?;
    Ok(ResponseInfo { status, basic: Some(basic_info(basic)?) })
}

fn basic_info(b: BasicOcspResponse) -> anyhow::Result<BasicInfo> {
    let data = &b.tbs_response_data;
    let (by_key, by_name) = match &data.responder_id {
        ResponderId::ByKey(k) => (Some(k.as_bytes().to_vec()), None),
        ResponderId::ByName(n) => (None, Some(n.to_der().context("responder name")?)),
    };
    let answers = data.responses.iter().map(single_info).collect();
    let certs = b.certs.iter().flatten().map(|c| c.to_der().context("certificate")).collect::<anyhow::Result<_>>()?;
    Ok(BasicInfo {
        responder_by_key: by_key,
        responder_name_der: by_name,
        produced_at: from_gtime(&data.produced_at),
        answers,
        nonce: data
            .response_extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == OID_NONCE)
            .map(|e| e.extn_value.as_bytes().to_vec()),
        certs,
        tbs: data.to_der().context("response data")?,
        signature: b.signature.raw_bytes().to_vec(),
        sig_oid: b.signature_algorithm.oid.to_string(),
    })
}

fn single_info(s: &SingleResponse) -> SingleInfo {
    let (status, revoked_at, reason) = match &s.cert_status {
        CertStatus::Good(_) => ("good", None, None),
        CertStatus::Unknown(_) => ("unknown", None, None),
        CertStatus::Revoked(r) => {
            ("revoked", Some(from_gtime(&r.revocation_time)), r.revocation_reason.map(|c| c as u8))
        }
    };
    SingleInfo {
        hash: HashAlg::from_oid(&s.cert_id.hash_algorithm.oid),
        serial: serial_hex(serial_magnitude(s.cert_id.serial_number.as_bytes())),
        status,
        revoked_at,
        reason,
        this_update: from_gtime(&s.this_update),
        next_update: s.next_update.as_ref().map(from_gtime),
        name_hash: s.cert_id.issuer_name_hash.as_bytes().to_vec(),
        key_hash: s.cert_id.issuer_key_hash.as_bytes().to_vec(),
    }
}

impl BasicInfo {
    /// Whether the response is signed by the key of `signer_der`.
    pub fn signed_by(&self, signer_der: &[u8]) -> bool {
        use x509_parser::prelude::FromDer;
        let Ok((_, cert)) = x509_parser::certificate::X509Certificate::from_der(signer_der) else { return false };
        let alg = x509_parser::x509::AlgorithmIdentifier {
            algorithm: match self.sig_oid.parse() {
                Ok(o) => o,
                Err(_) => return false,
            },
            parameters: None,
        };
        let sig = x509_parser::der_parser::asn1_rs::BitString::new(0, &self.signature);
        x509_parser::verify::verify_signature(cert.public_key(), &alg, &sig, &self.tbs).is_ok()
    }

    /// The name of the responder as DER, when it is named rather than hashed.
    pub fn responder_name(&self) -> Option<Name> {
        self.responder_name_der.as_ref().and_then(|d| Name::from_der(d).ok())
    }
}

/// What a checked response says about one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    Good { next_update: OffsetDateTime },
    Revoked { time: OffsetDateTime, reason: Option<u8> },
    Unknown,
}

/// How far a response's thisUpdate may be ahead of the checking clock.
const CLOCK_SKEW: time::Duration = time::Duration::minutes(5);

/// Check `der`, the answer to a request for `id` (with `nonce`, when one was
/// sent), as RFC 6960 §3.2 asks: signed by the issuer or by a responder the
/// issuer certified for OCSPSigning (valid at `at`), naming `id`, current at
/// `at`, echoing the nonce. Any failure is an error: never a "good".
pub fn check_response(
    der: &[u8],
    issuer_der: &[u8],
    id: &CertRef,
    nonce: Option<&[u8]>,
    at: OffsetDateTime,
) -> anyhow::Result<Checked> {
    let info = parse_response(der)?;
    let Some(basic) = info.basic else { bail!("the responder answered {}", info.status) };
    if !basic.signed_by(issuer_der) && !basic.certs.iter().any(|c| authorized(c, issuer_der, at) && basic.signed_by(c))
    {
        bail!("the response is signed neither by the CA nor by a responder certificate the CA issued for OCSP signing");
    }
    if let (Some(sent), Some(got)) = (nonce, basic.nonce.as_deref()) {
        if sent != got {
            bail!("the response carries another request's nonce");
        }
    }
    let Some(a) = basic.answers.iter().find(|a| {
        a.hash == id.hash && a.name_hash == id.name_hash && a.key_hash == id.key_hash && a.serial == id.serial_hex()
    }) else {
        bail!("the response does not answer for serial {}", id.serial_hex());
    };
    if a.this_update > at + CLOCK_SKEW {
        bail!("the response's thisUpdate is in the future");
    }
    let Some(next_update) = a.next_update else { bail!("the response has no nextUpdate") };
    if next_update <= at {
        bail!("the response expired (nextUpdate {next_update})");
    }
    Ok(match a.status {
        "good" => Checked::Good { next_update },
        "revoked" => Checked::Revoked { time: a.revoked_at.unwrap_or(a.this_update), reason: a.reason },
        _ => Checked::Unknown,
    })
}

/// A delegated responder certificate: issued (and signed) by the issuer, EKU
/// OCSPSigning, valid at `at`.
fn authorized(cert_der: &[u8], issuer_der: &[u8], at: OffsetDateTime) -> bool {
    use x509_parser::prelude::FromDer;
    let (Ok((_, cert)), Ok((_, issuer))) = (
        x509_parser::certificate::X509Certificate::from_der(cert_der),
        x509_parser::certificate::X509Certificate::from_der(issuer_der),
    ) else {
        return false;
    };
    let in_time = super::certinfo::not_before(&cert) <= at && at < super::certinfo::not_after(&cert);
    let ocsp_signing = matches!(cert.extended_key_usage(), Ok(Some(e)) if e.value.ocsp_signing);
    cert.issuer().as_raw() == issuer.subject().as_raw()
        && cert.verify_signature(Some(issuer.public_key())).is_ok()
        && ocsp_signing
        && in_time
}

/// The OCSP URLs of a certificate's authorityInfoAccess.
pub fn ocsp_urls(cert_der: &[u8]) -> Vec<String> {
    use x509_parser::extensions::{GeneralName, ParsedExtension};
    let Ok(cert) = super::certinfo::parse(cert_der) else { return Vec::new() };
    let mut out = Vec::new();
    for ext in cert.extensions() {
        if let ParsedExtension::AuthorityInfoAccess(aia) = ext.parsed_extension() {
            for d in &aia.accessdescs {
                if d.access_method.to_id_string() == "1.3.6.1.5.5.7.48.1" {
                    if let GeneralName::URI(u) = &d.access_location {
                        out.push((*u).to_string());
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::build::{self, CaSpec};
    use crate::pki::keys::KeyType;

    fn ca() -> (Vec<u8>, KeyPair) {
        let key = KeyType::EcP256.generate().expect("key");
        let now = OffsetDateTime::now_utc();
        let spec = CaSpec {
            cn: "OCSP Test CA".into(),
            org: None,
            path_len: None,
            permitted_dns: Vec::new(),
            excluded_dns: Vec::new(),
            not_before: now - build::BACKDATE,
            not_after: now + time::Duration::days(30),
            serial: build::random_serial().expect("serial"),
            intermediate: false,
        };
        (build::self_sign(&build::ca_params(&spec), &key).expect("sign"), key)
    }

    #[test]
    fn request_round_trip_with_both_hashes_and_nonce() {
        let (ca, _) = ca();
        let issuer = IssuerId::from_cert(&ca).expect("issuer");
        let ids = vec![
            issuer.cert_ref(HashAlg::Sha1, &[0x00, 0x80, 0x01]).expect("id"),
            issuer.cert_ref(HashAlg::Sha256, &[0x12]).expect("id"),
        ];
        let der = build_request(&ids, Some(b"0123456789abcdef")).expect("request");
        let req = parse_request(&der).expect("parse");
        assert_eq!(req.ids.len(), 2);
        assert!(req.ids.iter().all(|r| issuer.matches(r)));
        assert_eq!(req.ids[0].serial_hex(), "8001");
        assert_eq!(req.ids[1].hash, Some(HashAlg::Sha256));
        // extnValue = OCTET STRING { nonce }.
        assert_eq!(req.nonce().expect("nonce")[2..], *b"0123456789abcdef");
    }

    #[test]
    fn garbage_is_not_a_request() {
        assert!(parse_request(b"GET / HTTP/1.0").is_err());
        assert!(parse_request(&[0x30, 0x00]).is_err());
        assert!(parse_request(&[]).is_err());
    }

    #[test]
    fn responses_decode_and_verify() {
        let (ca, key) = ca();
        let issuer = IssuerId::from_cert(&ca).expect("issuer");
        let ids =
            [issuer.cert_ref(HashAlg::Sha1, &[1]).expect("id"), issuer.cert_ref(HashAlg::Sha256, &[2]).expect("id")];
        let req = parse_request(&build_request(&ids, Some(b"nonce-nonce-nonc")).expect("req")).expect("parse");
        let signer = ResponseSigner::new(&ca, key, false, ResponderBy::KeyHash).expect("signer");
        let now = OffsetDateTime::now_utc();
        let revoked_at = now - time::Duration::hours(1);
        let answers = [
            Answer {
                id: &req.ids[0],
                state: CertState::Good,
                this_update: now,
                next_update: now + time::Duration::hours(1),
            },
            Answer {
                id: &req.ids[1],
                state: CertState::Revoked { time: revoked_at, reason: Some(1) },
                this_update: now,
                next_update: now + time::Duration::hours(1),
            },
        ];
        let der = signer.sign(&answers, Some(&req), now).expect("sign");
        let info = parse_response(&der).expect("parse");
        assert_eq!(info.status, "successful");
        let basic = info.basic.expect("basic");
        assert!(basic.signed_by(&ca));
        assert_eq!(basic.nonce.as_deref(), req.nonce());
        assert_eq!(basic.answers[0].status, "good");
        assert_eq!(basic.answers[1].status, "revoked");
        assert_eq!(basic.answers[1].reason, Some(1));
        assert_eq!(basic.answers[1].revoked_at.map(|t| t.unix_timestamp()), Some(revoked_at.unix_timestamp()));
        assert_eq!(basic.responder_by_key, Some(issuer.key_hash_sha1()));
    }

    #[test]
    fn check_response_accepts_only_the_issuer_or_its_responder() {
        let (other, other_key) = ca();
        let (ca, ca_key) = ca();
        let issuer = IssuerId::from_cert(&ca).expect("issuer");
        let id = issuer.cert_ref(HashAlg::Sha1, &[7]).expect("id");
        let req = parse_request(&build_request(std::slice::from_ref(&id), Some(b"0123456789abcdef")).expect("req"))
            .expect("parse");
        let sent = req.nonce().expect("nonce").to_vec();
        let now = OffsetDateTime::now_utc();
        let answer =
            |state| [Answer { id: &req.ids[0], state, this_update: now, next_update: now + time::Duration::hours(1) }];
        let by_ca = ResponseSigner::new(&ca, ca_key, false, ResponderBy::KeyHash).expect("signer");
        let der = by_ca.sign(&answer(CertState::Good), Some(&req), now).expect("sign");
        assert!(matches!(check_response(&der, &ca, &req.ids[0], Some(&sent), now), Ok(Checked::Good { .. })));
        // Another key: refused, whatever it says.
        let by_other = ResponseSigner::new(&other, other_key, true, ResponderBy::Name).expect("signer");
        let forged = by_other.sign(&answer(CertState::Good), Some(&req), now).expect("sign");
        assert!(check_response(&forged, &ca, &req.ids[0], Some(&sent), now).is_err());
        // Expired, or another request's nonce: refused.
        assert!(check_response(&der, &ca, &req.ids[0], Some(&sent), now + time::Duration::hours(2)).is_err());
        assert!(check_response(&der, &ca, &req.ids[0], Some(b"\x04\x02xx"), now).is_err());
        // A different serial: not an answer for it.
        let id2 = issuer.cert_ref(HashAlg::Sha1, &[8]).expect("id");
        assert!(check_response(&der, &ca, &id2, None, now).is_err());
    }

    #[test]
    fn error_statuses_decode() {
        for s in [
            ErrorStatus::MalformedRequest,
            ErrorStatus::Unauthorized,
            ErrorStatus::InternalError,
            ErrorStatus::TryLater,
        ] {
            let info = parse_response(&error_response(s)).expect("parse");
            assert_eq!(info.status, s.name());
            assert!(info.basic.is_none());
        }
    }
}
