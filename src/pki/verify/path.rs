//! Path building and RFC 5280 §6.1 processing. Every CA of the path, the
//! trust anchor included, is checked as a certificate; self-issued
//! intermediates are exempt from pathLen and name constraints (§6.1.4).

use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::NameConstraints;

use super::{Code, Purpose, cert, constraints};
use crate::pki::dates;
use crate::pki::names;

/// A refusal: its code and words.
pub(super) type Problem = (Code, String);

/// A certificate that may sit above the leaf.
pub(super) struct Node<'a> {
    pub cert: X509Certificate<'a>,
    /// For anchors: `None` when usable, else why not.
    pub anchor: Option<Option<Problem>>,
}

/// What the search found: a path (indices into the pool, leaf's issuer first,
/// the anchor last), or the most telling refusal.
pub(super) struct Search<'p, 'a> {
    pub pool: &'p [Node<'a>],
    pub at: OffsetDateTime,
    pub purposes: &'p [Purpose],
    pub max_depth: Option<usize>,
    pub ca_label: &'p str,
    best: Option<(u8, Problem)>,
    steps: usize,
}

/// Intermediates never exceed this, whatever --max-depth says (as webpki and OpenSSL bound it).
const HARD_DEPTH: usize = 8;

fn ca_name(c: &X509Certificate<'_>) -> String {
    names::display_name(c.subject())
}

impl<'p, 'a> Search<'p, 'a> {
    pub(super) fn new(
        pool: &'p [Node<'a>],
        at: OffsetDateTime,
        purposes: &'p [Purpose],
        max_depth: Option<usize>,
        ca_label: &'p str,
    ) -> Self {
        Self { pool, at, purposes, max_depth, ca_label, best: None, steps: 0 }
    }

    /// Keep the refusal of the highest rank (a complete path's problem beats a
    /// dead end): the first of each rank.
    fn record(&mut self, rank: u8, p: Problem) {
        if self.best.as_ref().is_none_or(|(r, _)| rank > *r) {
            self.best = Some((rank, p));
        }
    }

    /// Find a valid path above `leaf`, or say why there is none.
    pub(super) fn run(mut self, leaf: &X509Certificate<'_>) -> Result<Vec<usize>, Problem> {
        let mut path = Vec::new();
        if self.extend(leaf, &mut path) {
            return Ok(path);
        }
        Err(self.best.map(|(_, p)| p).unwrap_or_else(|| {
            (
                Code::UnknownIssuer,
                format!("issued by {}, which is not {}", names::display_name(leaf.issuer()), self.ca_label),
            )
        }))
    }

    fn extend(&mut self, leaf: &X509Certificate<'_>, path: &mut Vec<usize>) -> bool {
        self.steps += 1;
        if self.steps > 2000 {
            return false;
        }
        let pool = self.pool;
        let child = path.last().map_or(leaf, |&i| &pool[i].cert);
        let inters = path.iter().filter(|&&i| pool[i].anchor.is_none()).count();
        for (i, node) in pool.iter().enumerate() {
            if node.cert.subject().as_raw() != child.issuer().as_raw() || path.contains(&i) {
                continue;
            }
            match &node.anchor {
                Some(Some(problem)) => self.record(3, problem.clone()),
                Some(None) => {
                    if self.signed(child, &node.cert) {
                        path.push(i);
                        match self.validate(leaf, path) {
                            Ok(()) => return true,
                            Err(p) => self.record(4, p),
                        }
                        path.pop();
                    }
                }
                None => {
                    if let Some(n) = self.max_depth.filter(|n| inters >= *n) {
                        self.record(
                            3,
                            (
                                Code::ChainTooLong,
                                format!("its chain needs more than {n} intermediate CA certificates (--max-depth {n})"),
                            ),
                        );
                        continue;
                    }
                    if inters >= HARD_DEPTH {
                        continue;
                    }
                    if let Some(w) = cert::weak_key(&node.cert) {
                        self.record(3, (Code::WeakKey, format!("its issuing CA {} has {w}", ca_name(&node.cert))));
                        continue;
                    }
                    if self.signed(child, &node.cert) {
                        path.push(i);
                        if self.extend(leaf, path) {
                            return true;
                        }
                        path.pop();
                    }
                }
            }
        }
        false
    }

    /// Whether `issuer` signed `child`; a refusal is recorded when not.
    fn signed(&mut self, child: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> bool {
        let alg = child.signature_algorithm.algorithm.to_id_string();
        if let Some(weak) = cert::weak_signature_alg(&alg) {
            self.record(
                2,
                (
                    Code::WeakSignature,
                    format!("{} is signed with {weak}, which is no longer accepted", subject_words(child)),
                ),
            );
            return false;
        }
        match cert::signed_by(child, issuer) {
            Ok(true) => true,
            Ok(false) => {
                let words = format!(
                    "{}'s signature does not verify with the key of {}: it was issued by another CA with the same name, or altered",
                    subject_words(child),
                    ca_name(issuer)
                );
                self.record(2, (Code::BadSignature, words));
                false
            }
            Err(()) => {
                let words = format!(
                    "{} is signed with an algorithm mtlsctl does not support ({})",
                    subject_words(child),
                    crate::pki::certinfo::sig_alg_name(&alg)
                );
                self.record(2, (Code::WeakSignature, words));
                false
            }
        }
    }

    /// §6.1.3-6.1.4 over a complete path, from the anchor down.
    fn validate(&self, leaf: &X509Certificate<'_>, path: &[usize]) -> Result<(), Problem> {
        let pool = self.pool;
        let anchor = &pool[*path.last().unwrap_or(&0)].cert;
        let mut max_len = cert::basic_constraints(anchor).and_then(|(_, _, p)| p).map_or(usize::MAX, |p| p as usize);
        let mut sets: Vec<&NameConstraints<'_>> = Vec::new();
        if let Some(nc) = anchor.name_constraints().ok().flatten() {
            sets.push(nc.value);
        }
        validity(leaf, self.at, "")?;
        for &i in path.iter().rev().skip(1) {
            let c = &pool[i].cert;
            let who = format!("its issuing CA {}", ca_name(c));
            validity(c, self.at, &who)?;
            ca_rules(c, &who)?;
            if !cert::self_issued(c) {
                constraints::check(&sets, c, false).map_err(|w| (Code::NameConstraints, format!("{who}: {w}")))?;
                if max_len == 0 {
                    return Err((
                        Code::InvalidChain,
                        format!("{who} is below more intermediate CAs than a pathLen constraint above it allows"),
                    ));
                }
                max_len -= 1;
            }
            if let Some(p) = cert::basic_constraints(c).and_then(|(_, _, p)| p) {
                max_len = max_len.min(p as usize);
            }
            for &p in self.purposes {
                eku_allows(c, p)
                    .map_err(|w| (Code::WrongPurpose, format!("{who} may not be used for {}{w}", p.words())))?;
            }
            if let Some(nc) = c.name_constraints().ok().flatten() {
                sets.push(nc.value);
            }
        }
        constraints::check(&sets, leaf, true).map_err(|w| (Code::NameConstraints, w))?;
        for &p in self.purposes {
            eku_allows(leaf, p).map_err(|w| (Code::WrongPurpose, format!("not valid for {}{w}", p.words())))?;
            key_usage_allows(leaf, p)?;
        }
        Ok(())
    }
}

fn subject_words(c: &X509Certificate<'_>) -> String {
    if cert::basic_constraints(c).is_some_and(|(_, ca, _)| ca) {
        format!("the CA certificate {}", ca_name(c))
    } else {
        "the certificate".into()
    }
}

/// Validity at `at`, exactly (sub-second included). `who` is empty for the leaf.
pub(super) fn validity(c: &X509Certificate<'_>, at: OffsetDateTime, who: &str) -> Result<(), Problem> {
    let nb = c.validity().not_before.to_datetime();
    let na = c.validity().not_after.to_datetime();
    if at < nb {
        let w = if who.is_empty() {
            format!("not yet valid: valid from {}", dates::human_time(nb))
        } else {
            format!("{who} is not yet valid: valid from {}", dates::human_time(nb))
        };
        return Err((Code::NotYetValid, w));
    }
    if at > na {
        let w = if who.is_empty() {
            format!("expired on {}", dates::human_time(na))
        } else {
            format!("a CA certificate in its chain expired on {}: {who}", dates::human_time(na))
        };
        return Err((Code::Expired, w));
    }
    Ok(())
}

/// What makes a certificate a CA (§4.2.1.9, §4.2.1.3), for intermediates and anchors alike.
pub(super) fn ca_rules(c: &X509Certificate<'_>, who: &str) -> Result<(), Problem> {
    let invalid = |w: &str| Err((Code::InvalidCa, format!("{who} {w}")));
    if let Some(ext) = cert::unknown_critical(c) {
        return Err((
            Code::UnknownCriticalExtension,
            format!("{who} has a critical extension mtlsctl does not process ({ext}), so it must be refused"),
        ));
    }
    match cert::basic_constraints(c) {
        None => return invalid("has no basicConstraints: it is not a CA certificate"),
        Some((_, false, _)) => return invalid("is not a CA certificate (CA:FALSE): its key may not sign certificates"),
        // Non-critical CA:TRUE (easy-rsa 3.1 writes it) is still understood here: a note, not a refusal.
        Some((_, true, _)) => {}
    }
    if let Some([key_cert_sign, ..]) = cert::key_usage(c) {
        if !key_cert_sign {
            return invalid("has a key usage without keyCertSign: its key may not sign certificates");
        }
    }
    if c.subject().iter_rdn().next().is_none() {
        return invalid("has an empty subject name");
    }
    if let Some(w) = cert::weak_key(c) {
        return Err((Code::WeakKey, format!("{who} has {w}")));
    }
    Ok(())
}

/// The EKU allows the purpose (absent EKU allows any). Err: words after the refusal.
pub(super) fn eku_allows(c: &X509Certificate<'_>, p: Purpose) -> Result<(), String> {
    match c.extended_key_usage() {
        Ok(Some(e)) => {
            let v = e.value;
            let ok = v.any || if p == Purpose::Client { v.client_auth } else { v.server_auth };
            if ok {
                return Ok(());
            }
            Err(match (v.server_auth, v.client_auth) {
                (true, false) => " (its extended key usage allows only server authentication)".into(),
                (false, true) => " (its extended key usage allows only client authentication)".into(),
                _ => " (its extended key usage allows neither TLS use)".into(),
            })
        }
        _ => Ok(()),
    }
}

/// A keyUsage, when present, must allow the TLS signature (client) or key exchange (server), as OpenSSL's purposes ask.
pub(super) fn key_usage_allows(c: &X509Certificate<'_>, p: Purpose) -> Result<(), Problem> {
    let Some([_, _, ds, ke, ka]) = cert::key_usage(c) else { return Ok(()) };
    let ok = match p {
        Purpose::Client => ds || ka,
        Purpose::Server => ds || ke || ka,
    };
    if ok {
        Ok(())
    } else {
        Err((
            Code::WrongPurpose,
            format!("not valid for {}: its key usage allows no TLS signature or key exchange", p.words()),
        ))
    }
}
