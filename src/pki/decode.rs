//! Decoding for inspection: what a file holds (certificates, a request, a
//! CRL, a key) summarised as a report, never with private key material.

use anyhow::{Context, anyhow, bail};
use serde::Serialize;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::CertificateRevocationList;

use super::certinfo::{self, CertSummary};
use super::keys::{self, KeyFile};
use super::names::{self, San};
use super::reason::Reason;
use crate::pki::{dates, hex};

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Inspected {
    Certificates { certificates: Vec<CertSummary> },
    Csr(CsrSummary),
    Crl(CrlSummary),
    Key(KeySummary),
    OcspRequest(OcspRequestSummary),
    OcspResponse(OcspResponseSummary),
}

/// One CertID of an OCSP request.
#[derive(Serialize)]
pub struct OcspCertId {
    /// `sha1`, `sha256`, ...; null for another hash.
    pub hash: Option<super::ocsp::HashAlg>,
    pub serial: String,
    pub issuer_name_hash: String,
    pub issuer_key_hash: String,
}

#[derive(Serialize)]
pub struct OcspRequestSummary {
    pub certs: Vec<OcspCertId>,
    /// The nonce extension's value, hex.
    pub nonce: Option<String>,
    pub signed: bool,
}

/// One answer of an OCSP response.
#[derive(Serialize)]
pub struct OcspSingle {
    pub hash: Option<super::ocsp::HashAlg>,
    pub serial: String,
    /// `good`, `revoked` or `unknown`.
    pub status: &'static str,
    pub revoked_at: Option<String>,
    pub reason: Option<Reason>,
    pub this_update: String,
    pub next_update: Option<String>,
}

#[derive(Serialize)]
pub struct OcspResponseSummary {
    /// `successful`, `malformed_request`, `internal_error`, `try_later`, `sig_required`, `unauthorized`.
    pub status: &'static str,
    /// The responder's key hash (SHA-1, colon-separated hex), when named by key.
    pub responder_key_hash: Option<String>,
    /// The responder's name, when named by name.
    pub responder_name: Option<String>,
    pub produced_at: Option<String>,
    pub responses: Vec<OcspSingle>,
    pub nonce: Option<String>,
    /// Certificates sent with the response (a delegated responder's).
    pub certificates: Vec<CertSummary>,
}

#[derive(Serialize)]
pub struct CsrSummary {
    pub subject: String,
    pub common_name: Option<String>,
    pub sans: Vec<San>,
    pub key_type: String,
    pub signature_valid: bool,
    pub requested_extensions: Vec<String>,
}

#[derive(Serialize)]
pub struct CrlSummary {
    pub issuer: String,
    pub this_update: String,
    pub next_update: Option<String>,
    pub crl_number: Option<String>,
    pub authority_key_id: Option<String>,
    pub revoked_count: usize,
    pub revoked: Vec<CrlEntry>,
}

#[derive(Serialize)]
pub struct CrlEntry {
    pub serial: String,
    pub revoked_at: String,
    pub reason: Option<Reason>,
}

#[derive(Serialize)]
pub struct KeySummary {
    pub encrypted: bool,
    /// How it is encrypted, in a few words; `None` for a plain key.
    pub encryption: Option<String>,
    pub key_type: Option<String>,
    pub public_key_sha256: Option<String>,
}

/// Decide what the bytes are and summarise them.
pub fn decode(bytes: &[u8]) -> anyhow::Result<Inspected> {
    if bytes.is_empty() {
        bail!("the input is empty");
    }
    if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        certinfo::check_pem_trailer(bytes)?;
        let blocks = pem::parse_many(bytes).map_err(|e| anyhow!("malformed PEM: {e}"))?;
        let Some(first) = blocks.first() else { bail!("malformed PEM: no complete block") };
        return match first.tag() {
            "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => certs(bytes),
            "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => csr(first.contents()),
            "X509 CRL" => crl(first.contents()),
            t if t.contains("PRIVATE KEY") => key(bytes),
            other => bail!("unsupported PEM block '{other}' (expected a certificate, request, CRL or private key)"),
        };
    }
    if certinfo::parse(bytes).is_ok() {
        return certs(bytes);
    }
    if X509CertificationRequest::from_der(bytes).is_ok_and(|(rest, _)| rest.is_empty()) {
        return csr(bytes);
    }
    if CertificateRevocationList::from_der(bytes).is_ok_and(|(rest, _)| rest.is_empty()) {
        return crl(bytes);
    }
    if let Ok(r) = super::ocsp::parse_request(bytes) {
        return Ok(Inspected::OcspRequest(ocsp_request_summary(&r)));
    }
    if let Ok(r) = super::ocsp::parse_response(bytes) {
        return Ok(Inspected::OcspResponse(ocsp_response_summary(&r)?));
    }
    if let Ok(k) = key(bytes) {
        return Ok(k);
    }
    bail!("not a certificate, request, CRL, OCSP request or response, or private key in PEM or DER")
}

fn certs(bytes: &[u8]) -> anyhow::Result<Inspected> {
    let ders = certinfo::load_certs(bytes)?;
    let certificates = ders.iter().map(|d| certinfo::summarize(d)).collect::<anyhow::Result<_>>()?;
    Ok(Inspected::Certificates { certificates })
}

pub fn csr_summary(der: &[u8]) -> anyhow::Result<CsrSummary> {
    let (rest, req) =
        X509CertificationRequest::from_der(der).map_err(|e| anyhow!("not a valid certificate request: {e}"))?;
    if !rest.is_empty() {
        bail!("{} bytes of garbage after the certificate request", rest.len());
    }
    let info = &req.certification_request_info;
    let mut sans = Vec::new();
    let mut requested = Vec::new();
    if let Some(exts) = req.requested_extensions() {
        for ext in exts {
            use x509_parser::extensions::ParsedExtension as P;
            match ext {
                P::SubjectAlternativeName(s) => {
                    requested.push("subjectAltName".to_string());
                    sans.extend(s.general_names.iter().filter_map(San::from_general_name));
                }
                P::BasicConstraints(bc) => {
                    requested.push(format!("basicConstraints(CA:{})", if bc.ca { "TRUE" } else { "FALSE" }))
                }
                P::KeyUsage(_) => requested.push("keyUsage".into()),
                P::ExtendedKeyUsage(_) => requested.push("extendedKeyUsage".into()),
                P::NameConstraints(_) => requested.push("nameConstraints".into()),
                P::SubjectKeyIdentifier(_) => requested.push("subjectKeyIdentifier".into()),
                _ => requested.push("other".into()),
            }
        }
    }
    Ok(CsrSummary {
        subject: names::display_name(&info.subject),
        common_name: names::common_name(&info.subject),
        sans,
        key_type: keys::describe_spki(info.subject_pki.raw).unwrap_or_else(|| "unknown".into()),
        signature_valid: req.verify_signature().is_ok(),
        requested_extensions: requested,
    })
}

fn csr(der: &[u8]) -> anyhow::Result<Inspected> {
    let (_, req) =
        X509CertificationRequest::from_der(der).map_err(|e| anyhow!("not a valid certificate request: {e}"))?;
    names::check_name_sane(&req.certification_request_info.subject).context("the request's subject")?;
    if req.verify_signature().is_err() {
        bail!(
            "the request's signature does not verify: it was not signed by the key it contains (no proof of possession)"
        );
    }
    Ok(Inspected::Csr(csr_summary(der)?))
}

pub fn crl_summary(der: &[u8]) -> anyhow::Result<CrlSummary> {
    let (rest, crl) = CertificateRevocationList::from_der(der).map_err(|e| anyhow!("not a valid CRL: {e}"))?;
    if !rest.is_empty() {
        bail!("{} bytes of garbage after the CRL", rest.len());
    }
    let revoked: Vec<CrlEntry> = crl
        .iter_revoked_certificates()
        .map(|r| CrlEntry {
            serial: {
                let raw = r.raw_serial();
                let t = match raw {
                    [0, rest @ ..] if !rest.is_empty() => rest,
                    _ => raw,
                };
                hex::hex_upper(t)
            },
            revoked_at: dates::rfc3339(r.revocation_date.to_datetime()),
            reason: r.reason_code().and_then(|(_, rc)| Reason::from_code(rc.0)),
        })
        .collect();
    let aki = crl.extensions().iter().find_map(|e| match e.parsed_extension() {
        x509_parser::extensions::ParsedExtension::AuthorityKeyIdentifier(k) => {
            k.key_identifier.as_ref().map(|k| hex::hex_colon(k.0))
        }
        _ => None,
    });
    Ok(CrlSummary {
        issuer: names::display_name(crl.issuer()),
        this_update: dates::rfc3339(crl.last_update().to_datetime()),
        next_update: crl.next_update().map(|t| dates::rfc3339(t.to_datetime())),
        crl_number: crl.crl_number().map(|n| hex::hex_upper(&n.to_bytes_be())),
        authority_key_id: aki,
        revoked_count: revoked.len(),
        revoked,
    })
}

fn crl(der: &[u8]) -> anyhow::Result<Inspected> {
    Ok(Inspected::Crl(crl_summary(der)?))
}

fn key(bytes: &[u8]) -> anyhow::Result<Inspected> {
    Ok(Inspected::Key(match keys::parse_key(bytes)? {
        KeyFile::Encrypted(k) => {
            KeySummary { encrypted: true, encryption: Some(k.describe()), key_type: None, public_key_sha256: None }
        }
        KeyFile::Plain(kp) => {
            let spki = rcgen::PublicKeyData::subject_public_key_info(&kp);
            KeySummary {
                encrypted: false,
                encryption: None,
                key_type: Some(keys::describe_key(&kp)),
                public_key_sha256: Some(certinfo::sha256_fingerprint(&spki)),
            }
        }
    }))
}

fn ocsp_request_summary(r: &super::ocsp::RequestInfo) -> OcspRequestSummary {
    let certs = r
        .ids
        .iter()
        .map(|id| OcspCertId {
            hash: id.hash,
            serial: id.serial_hex(),
            issuer_name_hash: hex::hex_colon(&id.name_hash),
            issuer_key_hash: hex::hex_colon(&id.key_hash),
        })
        .collect();
    OcspRequestSummary { certs, nonce: r.nonce().map(hex::hex_colon), signed: r.signed }
}

fn ocsp_response_summary(r: &super::ocsp::ResponseInfo) -> anyhow::Result<OcspResponseSummary> {
    let Some(b) = &r.basic else {
        return Ok(OcspResponseSummary {
            status: r.status,
            responder_key_hash: None,
            responder_name: None,
            produced_at: None,
            responses: Vec::new(),
            nonce: None,
            certificates: Vec::new(),
        });
    };
    let responder_name = b
        .responder_name_der
        .as_ref()
        .and_then(|d| x509_parser::x509::X509Name::from_der(d).ok().map(|(_, n)| names::display_name(&n)));
    let responses = b
        .answers
        .iter()
        .map(|a| OcspSingle {
            hash: a.hash,
            serial: a.serial.clone(),
            status: a.status,
            revoked_at: a.revoked_at.map(dates::rfc3339),
            reason: a.reason.and_then(Reason::from_code),
            this_update: dates::rfc3339(a.this_update),
            next_update: a.next_update.map(dates::rfc3339),
        })
        .collect();
    Ok(OcspResponseSummary {
        status: r.status,
        responder_key_hash: b.responder_by_key.as_deref().map(hex::hex_colon),
        responder_name,
        produced_at: Some(dates::rfc3339(b.produced_at)),
        responses,
        nonce: b.nonce.as_deref().map(hex::hex_colon),
        certificates: b.certs.iter().map(|d| certinfo::summarize(d)).collect::<anyhow::Result<_>>()?,
    })
}
