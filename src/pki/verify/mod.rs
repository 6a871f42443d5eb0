//! Certificate path validation: would a TLS peer accept this certificate?
//! One policy over bytes (leaf, intermediates, anchors, CRLs, purpose, name,
//! time), answered as a typed verdict with words a person can act on. The
//! rules are SPEC §6 (RFC 5280 §6.1, with the trust anchor checked as a
//! certificate); docs/verify.md says them in words.

mod cert;
mod constraints;
mod path;
mod revocation;
mod subject;
#[cfg(test)]
mod tests;

use std::net::IpAddr;

use anyhow::anyhow;
use rustls_pki_types::ServerName;
use serde::Serialize;
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;

use super::crl::Listed;
use super::reason::Reason;
use super::{certinfo, names};
use crate::pki::dates;

/// The use a certificate is checked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    Client,
    Server,
}

impl Purpose {
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
    Email(String),
}

impl Subject {
    /// An e-mail address (`local@domain`).
    pub fn email(addr: &str) -> anyhow::Result<Self> {
        match addr.rsplit_once('@') {
            Some((l, d)) if !l.is_empty() && !d.is_empty() && !addr.chars().any(char::is_whitespace) => {
                Ok(Self::Email(addr.to_string()))
            }
            _ => Err(anyhow!("not an e-mail address (local@domain)")),
        }
    }

    /// A DNS name, checked as TLS would check it.
    /// An IP address written as a host name is checked as an IP address, as TLS does.
    pub fn dns(name: &str) -> anyhow::Result<Self> {
        match ServerName::try_from(name).map_err(|_| anyhow!("not a valid DNS name"))? {
            ServerName::IpAddress(ip) => Ok(Self::Ip(IpAddr::from(ip))),
            _ => Ok(Self::Dns(name.to_string())),
        }
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Dns(h) => f.write_str(h),
            Self::Ip(ip) => write!(f, "{ip}"),
            Self::Email(e) => f.write_str(e),
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
    /// Names the leaf must be valid for, every one of them.
    pub subjects: &'a [Subject],
    pub at: OffsetDateTime,
    pub revocation: Revocation,
    /// The most intermediates a path may have (nginx `ssl_verify_depth`, `openssl verify -verify_depth`).
    pub max_depth: Option<usize>,
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
    InvalidCa,
    ChainTooLong,
    MalformedCertificate,
    UnknownCriticalExtension,
    WeakKey,
    WeakSignature,
    Invalid,
}

/// Something true of a verdict the user should hear about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Note {
    /// No CRL for an intermediate CA: only the leaf was checked for revocation.
    ChainRevocationUnchecked,
    /// A CRL without a CRLNumber (easy-rsa writes none): used, with a warning.
    CrlNumberMissing,
    /// A CA of the path marks basicConstraints non-critical (easy-rsa 3.1 does).
    CaBasicConstraintsNotCritical,
}

impl Note {
    pub fn words(self) -> &'static str {
        match self {
            Self::ChainRevocationUnchecked => {
                "no CRL for an intermediate CA in the chain: only the certificate itself was checked for revocation"
            }
            Self::CrlNumberMissing => {
                "the CRL has no CRL number (RFC 5280 requires one; easy-rsa's CRLs omit it): used all the same"
            }
            Self::CaBasicConstraintsNotCritical => {
                "a CA certificate of the chain marks basicConstraints non-critical (RFC 5280 asks CAs to mark it critical; easy-rsa 3.1 does not): accepted, as OpenSSL and nginx do"
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
}

/// A verdict about an input the request holds, as far as the policy is concerned.
fn refusal((code, message): path::Problem, notes: Vec<Note>) -> Verdict {
    Verdict { code, message, listed: None, notes }
}

/// Why a trust anchor cannot anchor anything (checked as a certificate, SPEC §6).
fn anchor_problem<'a>(
    der: &'a [u8],
    at: OffsetDateTime,
    label: &str,
) -> (Option<X509Certificate<'a>>, Option<path::Problem>) {
    let c = match cert::parse(der) {
        Ok(c) => c,
        Err(w) => {
            return (None, Some((Code::MalformedCertificate, format!("a CA certificate {label} is malformed: {w}"))));
        }
    };
    let who = format!("the trust anchor {}", shown_name(c.subject()));
    let problem = cert::malformed(der, &c)
        .map(|w| (Code::MalformedCertificate, format!("{who} is malformed: {w}")))
        .or_else(|| path::validity(&c, at, &who).err())
        .or_else(|| path::ca_rules(&c, &who).err());
    (Some(c), problem)
}

/// A name for the words, even when it is empty.
fn shown_name(n: &x509_parser::x509::X509Name<'_>) -> String {
    let s = names::display_name(n);
    if s.is_empty() { "(no subject name)".into() } else { s }
}

/// Rules of the leaf alone, before any path is built.
fn leaf_rules(der: &[u8], c: &X509Certificate<'_>, at: OffsetDateTime) -> Result<(), path::Problem> {
    if let Some(w) = cert::malformed(der, c) {
        return Err((Code::MalformedCertificate, format!("malformed certificate: {w}")));
    }
    if let Some(ext) = cert::unknown_critical(c) {
        return Err((
            Code::UnknownCriticalExtension,
            format!("it has a critical extension mtlsctl does not process ({ext}), so it must be refused"),
        ));
    }
    if cert::basic_constraints(c).is_some_and(|(_, ca, _)| ca) {
        return Err((Code::NotEndEntity, "it is a CA certificate, not a client or server certificate".into()));
    }
    if cert::key_usage(c).is_some_and(|[key_cert_sign, ..]| key_cert_sign) {
        return Err((
            Code::NotEndEntity,
            "it has the keyCertSign key usage of a CA but is not a CA certificate (CA:FALSE): refused".into(),
        ));
    }
    if let Some(w) = cert::weak_key(c) {
        return Err((Code::WeakKey, format!("its key is weak: {w}")));
    }
    path::validity(c, at, "")
}

/// Trust anchors and intermediates from a bundle of CA certificates (`--ca`,
/// `--cacert`): self-signed certificates are the anchors, the others
/// intermediates; without any self-signed one, every certificate is an anchor.
/// A certificate that does not parse stays an anchor, for the policy to refuse.
pub fn split_anchors(ders: Vec<Vec<u8>>) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let (roots, inter): (Vec<_>, Vec<_>) = ders
        .into_iter()
        .partition(|d| certinfo::parse(d).map_or(true, |c| c.subject().as_raw() == c.issuer().as_raw()));
    if roots.is_empty() { (inter, Vec::new()) } else { (roots, inter) }
}

/// The rules of a certificate alone, for when its path cannot be built here
/// (probe's own client certificate without its CA): encoding, end entity, key,
/// validity at `at`, and the purposes (EKU and key usage). Valid means only
/// that these pass: the chain, its signatures and revocation are not checked.
pub fn check_leaf(leaf_der: &[u8], purposes: &[Purpose], at: OffsetDateTime) -> Verdict {
    let leaf = match cert::parse(leaf_der) {
        Ok(c) => c,
        Err(w) => return refusal((Code::MalformedCertificate, format!("malformed certificate: {w}")), Vec::new()),
    };
    let own = leaf_rules(leaf_der, &leaf, at).and_then(|()| {
        purposes.iter().try_for_each(|&p| {
            path::eku_allows(&leaf, p).map_err(|w| (Code::WrongPurpose, format!("not valid for {}{w}", p.words())))?;
            path::key_usage_allows(&leaf, p)
        })
    });
    match own {
        Ok(()) => Verdict {
            code: Code::Valid,
            message: format!(
                "valid until {} for {}; its chain was not checked",
                dates::human_time(certinfo::not_after(&leaf)),
                purposes.iter().map(|p| p.words()).collect::<Vec<_>>().join(" and ")
            ),
            listed: None,
            notes: Vec::new(),
        },
        Err(p) => refusal(p, Vec::new()),
    }
}

/// Validate. Errors are for inputs that cannot be used at all (no certificate
/// in the bytes, a CRL that is not one); every answer about the certificate,
/// its chain and its CRLs is a verdict.
pub fn verify(req: &Request<'_>) -> anyhow::Result<Verdict> {
    let leaf = match cert::parse(req.leaf) {
        Ok(c) => c,
        Err(w) => return Ok(refusal((Code::MalformedCertificate, format!("malformed certificate: {w}")), Vec::new())),
    };
    if let Err(p) = leaf_rules(req.leaf, &leaf, req.at) {
        return Ok(refusal(p, Vec::new()));
    }
    let mut pool = Vec::new();
    for der in req.intermediates {
        match cert::parse(der) {
            Ok(c) => {
                if let Some(w) = cert::malformed(der, &c) {
                    let who = names::display_name(c.subject());
                    return Ok(refusal(
                        (Code::MalformedCertificate, format!("the CA certificate {who} is malformed: {w}")),
                        Vec::new(),
                    ));
                }
                pool.push(path::Node { cert: c, anchor: None });
            }
            Err(w) => {
                return Ok(refusal(
                    (Code::MalformedCertificate, format!("a CA certificate of the chain is malformed: {w}")),
                    Vec::new(),
                ));
            }
        }
    }
    for der in req.anchors {
        match anchor_problem(der, req.at, &req.labels.ca) {
            (Some(c), problem) => pool.push(path::Node { cert: c, anchor: Some(problem) }),
            (None, Some(p)) => return Ok(refusal(p, Vec::new())),
            (None, None) => {}
        }
    }
    let search = path::Search::new(&pool, req.at, req.purposes, req.max_depth, &req.labels.ca);
    let chain = match search.run(&leaf) {
        Ok(chain) => chain,
        Err(p) => return Ok(refusal(p, Vec::new())),
    };
    let mut notes = Vec::new();
    let lax_ca = |&i: &usize| cert::basic_constraints(&pool[i].cert).is_some_and(|(critical, ca, _)| ca && !critical);
    if chain.iter().any(lax_ca) {
        notes.push(Note::CaBasicConstraintsNotCritical);
    }
    if let Revocation::Chain { missing_ca_crl } = req.revocation {
        if let Some(v) = revocation_verdict(req, &leaf, &pool, &chain, missing_ca_crl, &mut notes)? {
            return Ok(v);
        }
    }
    for subject in req.subjects {
        if !subject::matches(&leaf, subject) {
            return Ok(refusal((Code::NameMismatch, name_mismatch_words(&leaf, subject)), notes));
        }
    }
    Ok(Verdict { code: Code::Valid, message: valid_words(req, &leaf), listed: None, notes })
}

/// Revocation of every certificate of the path below the anchor; `Some` is a refusal.
fn revocation_verdict(
    req: &Request<'_>,
    leaf: &X509Certificate<'_>,
    pool: &[path::Node<'_>],
    chain: &[usize],
    missing_ca_crl: MissingCaCrl,
    notes: &mut Vec<Note>,
) -> anyhow::Result<Option<Verdict>> {
    let crls = req
        .crls
        .iter()
        .map(|d| {
            revocation::view(d).ok_or_else(|| anyhow!("cannot use the CRL {}: not a readable CRL", req.labels.crl))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let covered = std::iter::once(leaf).chain(chain.iter().take(chain.len().saturating_sub(1)).map(|&i| &pool[i].cert));
    for (depth, (c, issuer)) in covered.zip(chain.iter().map(|&i| &pool[i].cert)).enumerate() {
        let mut first_problem = None;
        let mut outcome = None;
        for crl in crls.iter().filter(|v| v.issuer == c.issuer().as_raw()) {
            match revocation::check(crl, issuer, req.at, &req.labels.crl)
                .and_then(|numbered| Ok((numbered, revocation::lookup(crl, c.raw_serial(), &req.labels.crl)?)))
            {
                Ok((numbered, entry)) => {
                    if !numbered && !notes.contains(&Note::CrlNumberMissing) {
                        notes.push(Note::CrlNumberMissing);
                    }
                    outcome = Some(entry);
                    break;
                }
                Err(p) => {
                    first_problem.get_or_insert(p);
                }
            }
        }
        match (outcome, first_problem) {
            (Some(revocation::Entry::NotListed), _) => {}
            (Some(revocation::Entry::Listed(l)), _) => return Ok(Some(revoked_verdict(c, depth, l, notes))),
            (None, Some(p)) => return Ok(Some(refusal(p, std::mem::take(notes)))),
            (None, None) if depth > 0 && missing_ca_crl == MissingCaCrl::CheckLeafOnly => {
                if !notes.contains(&Note::ChainRevocationUnchecked) {
                    notes.push(Note::ChainRevocationUnchecked);
                }
            }
            (None, None) => {
                let w = format!(
                    "revocation status unknown: {} holds no CRL from {}; pass its CRL with --crl, or --no-crl to skip the check",
                    req.labels.crl,
                    names::display_name(c.issuer())
                );
                return Ok(Some(refusal((Code::RevocationUnknown, w), std::mem::take(notes))));
            }
        }
    }
    Ok(None)
}

fn reason_words(r: Option<Reason>) -> String {
    match r {
        Some(Reason::Unspecified) | None => "no reason given".into(),
        Some(r) => r.openssl_name().into(),
    }
}

fn revoked_verdict(c: &X509Certificate<'_>, depth: usize, l: Listed, notes: &mut Vec<Note>) -> Verdict {
    let message = if depth == 0 {
        format!("revoked on {} ({})", dates::human_time(l.revoked_at), reason_words(l.reason))
    } else {
        format!(
            "its issuing CA {} was revoked on {} ({})",
            names::display_name(c.subject()),
            dates::human_time(l.revoked_at),
            reason_words(l.reason)
        )
    };
    Verdict { code: Code::Revoked, message, listed: Some(l), notes: std::mem::take(notes) }
}

/// `at` as RFC 3339, with its fraction of a second when it has one (SPEC §6: the same instant is reported).
pub fn rfc3339_exact(at: OffsetDateTime) -> String {
    if at.nanosecond() == 0 {
        return dates::rfc3339(at);
    }
    let t = at.to_offset(time::UtcOffset::UTC);
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond]Z");
    t.format(&fmt).unwrap_or_else(|_| dates::rfc3339(t))
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
    let name = if req.subjects.is_empty() {
        String::new()
    } else {
        format!(", for {}", req.subjects.iter().map(ToString::to_string).collect::<Vec<_>>().join(" and "))
    };
    format!(
        "valid until {} ({} left) for {purposes}{name}; issued by {}, {rev}",
        dates::human_time(na),
        dates::time_left(na - req.at),
        names::display_name(leaf.issuer())
    )
}
