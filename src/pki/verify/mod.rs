//! Certificate path validation: would a TLS peer accept this certificate?
//! One policy over bytes (leaf, intermediates, anchors, CRLs, purpose, name,
//! time), answered as a typed verdict with words a person can act on.

mod explain;

use std::net::IpAddr;

use anyhow::anyhow;
use rustls_pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use serde::Serialize;
use time::OffsetDateTime;
use webpki::{
    BorrowedCertRevocationList, CertRevocationList, EndEntityCert, ExpirationPolicy, KeyUsage, RevocationCheckDepth,
    RevocationOptionsBuilder, UnknownStatusPolicy,
};

use super::crl::Listed;
use super::{certinfo, names};
use crate::util;

/// The use a certificate is checked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    Client,
    Server,
}

impl Purpose {
    fn usage(self) -> KeyUsage {
        match self {
            Self::Client => KeyUsage::client_auth(),
            Self::Server => KeyUsage::server_auth(),
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            Self::Client => "client authentication",
            Self::Server => "server authentication",
        }
    }

    /// What to check when no purpose is asked for: each one the EKU names
    /// (both without EKU; client when it names neither, so the answer says so).
    pub fn defaults_for(leaf_der: &[u8]) -> Vec<Self> {
        let eku = certinfo::parse(leaf_der).ok().and_then(|c| certinfo::eku_flags(&c));
        match eku {
            Some((true, true)) | None => vec![Self::Client, Self::Server],
            Some((true, false)) => vec![Self::Server],
            Some((false, true) | (false, false)) => vec![Self::Client],
        }
    }
}

/// A name the leaf must be valid for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Dns(String),
    Ip(IpAddr),
}

impl Subject {
    /// A DNS name, checked as TLS would check it.
    pub fn dns(name: &str) -> anyhow::Result<Self> {
        ServerName::try_from(name).map_err(|_| anyhow!("not a valid DNS name"))?;
        Ok(Self::Dns(name.to_string()))
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Dns(h) => f.write_str(h),
            Self::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// What to do when the CRLs hold none from an intermediate CA of the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingCaCrl {
    /// Check the leaf alone and say the chain was not checked (nginx without
    /// the chain's CRLs would refuse; a store's own CRL covers only its leaves).
    CheckLeafOnly,
    /// Refuse: revocation of the chain is unknown.
    Refuse,
}

/// Revocation checking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// No CRL consulted.
    Off,
    /// Every certificate of the path below the anchor must be covered by a CRL.
    Chain { missing_ca_crl: MissingCaCrl },
}

/// How the inputs are named in the words of a verdict.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    /// "this CA (CN=x)" or "among the CAs in FILE".
    pub ca: String,
    /// The CRL file.
    pub crl: String,
}

/// One validation to run.
pub struct Request<'a> {
    pub leaf: &'a [u8],
    pub intermediates: &'a [Vec<u8>],
    pub anchors: &'a [Vec<u8>],
    pub crls: &'a [Vec<u8>],
    pub purposes: &'a [Purpose],
    pub subject: Option<&'a Subject>,
    pub at: OffsetDateTime,
    pub revocation: Revocation,
    pub labels: Labels,
}

/// The stable verdict codes (`--json` `code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    Valid,
    Expired,
    NotYetValid,
    Revoked,
    UnknownIssuer,
    BadSignature,
    WrongPurpose,
    NameMismatch,
    CrlExpired,
    RevocationUnknown,
    CrlInvalid,
    NotEndEntity,
    NameConstraints,
    InvalidChain,
    Invalid,
}

/// Something true of a verdict the user should hear about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Note {
    /// No CRL for an intermediate CA: only the leaf was checked for revocation.
    ChainRevocationUnchecked,
}

impl Note {
    pub fn words(self) -> &'static str {
        match self {
            Self::ChainRevocationUnchecked => {
                "no CRL for an intermediate CA in the chain: only the certificate itself was checked for revocation"
            }
        }
    }
}

/// The answer.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub code: Code,
    pub message: String,
    /// For revocations: what the CRL says.
    pub listed: Option<Listed>,
    pub notes: Vec<Note>,
}

impl Verdict {
    pub fn valid(&self) -> bool {
        self.code == Code::Valid
    }

    fn refused(code: Code, message: String) -> Self {
        Self { code, message, listed: None, notes: Vec::new() }
    }
}

fn unix_time(at: OffsetDateTime) -> anyhow::Result<UnixTime> {
    // webpki compares whole seconds (expired when time > notAfter); rounding up keeps
    // "expired" true from the first instant past notAfter, as OpenSSL sees it.
    let secs = u64::try_from(at.unix_timestamp()).map_err(|_| anyhow!("the time must be after 1970"))?
        + u64::from(at.nanosecond() > 0);
    Ok(UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs)))
}

/// Validate. Errors are for inputs that cannot be used at all (a CRL webpki
/// cannot read, a name that is not a DNS name); every answer about the
/// certificate is a verdict.
pub fn verify(req: &Request<'_>) -> anyhow::Result<Verdict> {
    let when = unix_time(req.at)?;
    let leaf = certinfo::parse(req.leaf)?;
    let parsed_crls = req
        .crls
        .iter()
        .map(|d| {
            BorrowedCertRevocationList::from_der(d).map(CertRevocationList::from).map_err(|e| {
                anyhow!("cannot use the CRL {}: {e} (a v2 CRL with a nextUpdate is required)", req.labels.crl)
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let crl_refs: Vec<&CertRevocationList<'_>> = match req.revocation {
        Revocation::Off => Vec::new(),
        Revocation::Chain { .. } => parsed_crls.iter().collect(),
    };
    let anchor_certs: Vec<CertificateDer<'_>> =
        req.anchors.iter().map(|d| CertificateDer::from(d.as_slice())).collect();
    let anchors: Vec<TrustAnchor<'_>> = anchor_certs
        .iter()
        .map(|c| {
            webpki::anchor_from_trusted_cert(c).map_err(|e| anyhow!("cannot use a CA certificate as trust anchor: {e}"))
        })
        .collect::<anyhow::Result<_>>()?;
    let inter_certs: Vec<CertificateDer<'_>> =
        req.intermediates.iter().map(|d| CertificateDer::from(d.as_slice())).collect();
    let leaf_cd = CertificateDer::from(req.leaf);
    let ee = EndEntityCert::try_from(&leaf_cd).map_err(|e| anyhow!("not a certificate webpki can check: {e}"))?;

    let mut chain_for_words = req.intermediates.to_vec();
    chain_for_words.extend(req.anchors.iter().cloned());
    let mut notes = Vec::new();
    for &p in req.purposes {
        let attempt = |depth| {
            let revocation = if crl_refs.is_empty() {
                None
            } else {
                RevocationOptionsBuilder::new(&crl_refs).ok().map(|b| {
                    b.with_depth(depth)
                        .with_status_policy(UnknownStatusPolicy::Deny)
                        .with_expiration_policy(ExpirationPolicy::Enforce)
                        .build()
                })
            };
            ee.verify_for_usage(
                webpki::ALL_VERIFICATION_ALGS,
                &anchors,
                &inter_certs,
                when,
                p.usage(),
                revocation,
                None,
            )
            .map(|_| ())
        };
        let mut result = attempt(RevocationCheckDepth::Chain);
        let fallback = matches!(req.revocation, Revocation::Chain { missing_ca_crl: MissingCaCrl::CheckLeafOnly });
        if fallback && matches!(result, Err(webpki::Error::UnknownRevocationStatus)) && !inter_certs.is_empty() {
            let leaf_only = attempt(RevocationCheckDepth::EndEntity);
            if leaf_only.is_ok() && !notes.contains(&Note::ChainRevocationUnchecked) {
                notes.push(Note::ChainRevocationUnchecked);
            }
            result = leaf_only;
        }
        if let Err(e) = result {
            let facts = explain::Facts {
                leaf: &leaf,
                chain_certs: &chain_for_words,
                crls: req.crls,
                ca_label: &req.labels.ca,
                crl_label: &req.labels.crl,
                purpose: p,
            };
            let mut v = explain::explain(&e, &facts);
            v.notes = notes;
            return Ok(v);
        }
    }
    if let Some(subject) = req.subject {
        let name = match subject {
            Subject::Dns(h) => {
                ServerName::try_from(h.as_str()).map_err(|_| anyhow!("'{h}' is not a valid DNS name"))?.to_owned()
            }
            Subject::Ip(ip) => ServerName::IpAddress((*ip).into()),
        };
        if ee.verify_is_valid_for_subject_name(&name).is_err() {
            let mut v = Verdict::refused(Code::NameMismatch, name_mismatch_words(&leaf, subject));
            v.notes = notes;
            return Ok(v);
        }
    }
    Ok(Verdict { code: Code::Valid, message: valid_words(req, &leaf), listed: None, notes })
}

fn name_mismatch_words(leaf: &x509_parser::certificate::X509Certificate<'_>, subject: &Subject) -> String {
    let sans = certinfo::sans(leaf);
    let valid_for = if sans.is_empty() {
        "it has no subject alternative names".to_string()
    } else {
        format!("it is valid for {}", sans.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
    };
    format!("name mismatch: {valid_for}, not {subject}")
}

fn valid_words(req: &Request<'_>, leaf: &x509_parser::certificate::X509Certificate<'_>) -> String {
    let na = certinfo::not_after(leaf);
    let purposes = req.purposes.iter().map(|p| p.words()).collect::<Vec<_>>().join(" and ");
    let rev =
        if req.revocation == Revocation::Off || req.crls.is_empty() { "revocation not checked" } else { "not revoked" };
    let name = req.subject.map(|s| format!(", for {s}")).unwrap_or_default();
    format!(
        "valid until {} ({} days left) for {purposes}{name}; issued by {}, {rev}",
        util::human_time(na),
        (na - req.at).whole_days(),
        names::display_name(leaf.issuer())
    )
}
