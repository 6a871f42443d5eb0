//! CRL publication: sign a CRL of every revoked line of index.txt, numbered
//! from `crlnumber` as `openssl ca -gencrl` numbers them, and write it (and for
//! an intermediate, the bundle with its parents' CRLs) under the lock.

use std::path::{Path, PathBuf};

use anyhow::Context;
use rcgen::{CertificateRevocationListParams, KeyIdMethod, SerialNumber};
use time::OffsetDateTime;

use super::Store;
use super::error::Notice;
use super::fsio::{self, Mode};
use super::index::{Index, Reason, Status, parse_revocation};
use crate::pki::build::Signer;
use crate::pki::{certinfo, crl, names};

/// A CRL to publish.
pub struct CrlOrder<'a> {
    pub now: OffsetDateTime,
    pub next_update: OffsetDateTime,
    /// Leave out revoked certificates that have expired.
    pub exclude_expired: bool,
    /// Also write the CRL in DER form here.
    pub der_copy: Option<&'a Path>,
    /// The parent CAs' CRLs (DER) for the chain bundle; `None` keeps those the
    /// previous bundle held.
    pub parent_crls: Option<Vec<Vec<u8>>>,
    /// List every entry in the result (costly for a large CRL).
    pub list_entries: bool,
    /// Told the entry count before a large CRL is signed.
    pub on_large: &'a dyn Fn(usize),
}

/// One entry of a published CRL.
#[derive(Debug, Clone)]
pub struct ListedRevocation {
    pub serial: String,
    pub subject: String,
    pub revoked_at: OffsetDateTime,
    pub reason: Option<Reason>,
    pub invalidity: Option<OffsetDateTime>,
}

/// What `publish_crl` wrote.
#[derive(Debug)]
pub struct Published {
    pub der: Vec<u8>,
    pub number: Vec<u8>,
    pub revoked_count: usize,
    pub excluded_expired: usize,
    pub listed: Vec<ListedRevocation>,
    /// `crl/ca-chain.crl`, written for an intermediate CA.
    pub chain_crl: Option<PathBuf>,
    /// The parents' CRLs bundled into it.
    pub parent_crls: Vec<Vec<u8>>,
    /// Serials of lines revoked with removeFromCRL (written by another tool):
    /// listed as they are, though verifiers read such an entry as not revoked.
    pub remove_from_crl: Vec<String>,
}

/// A parent CRL that does not come from a CA above this one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the parent CRLs hold a CRL from {issuer}, which is not a parent of this CA")]
pub struct NotAParent {
    pub issuer: String,
}

/// A file can be written at `path`: its directory exists (checked before
/// publishing, so a bad `--der` path fails with nothing changed).
fn check_writable_dir(path: &Path) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        anyhow::bail!("cannot write {}: {} is not a directory; nothing changed", path.display(), dir.display());
    }
    if path.is_dir() {
        anyhow::bail!("cannot write {}: it is a directory; nothing changed", path.display());
    }
    Ok(())
}

/// The revoked lines of index.txt, as CRL entries.
struct Gathered {
    revoked: Vec<crl::Revoked>,
    listed: Vec<ListedRevocation>,
    excluded: usize,
    remove_from_crl: Vec<String>,
}

/// Entries at or above this count are announced before signing.
const LARGE_CRL: usize = 10_000;

impl Store {
    /// Sign and write the CRL under the lock. A failure leaves `crlnumber` as it was.
    pub fn publish_crl(&self, signer: &Signer, order: &CrlOrder<'_>) -> anyhow::Result<Published> {
        let ca = certinfo::parse(&signer.cert_der)?;
        // The AKI must equal the CA's own SKI, whatever method made it (OpenSSL uses SHA-1).
        let key_id = certinfo::subject_key_id(&ca).map_or(KeyIdMethod::Sha256, KeyIdMethod::PreSpecified);
        let issuer = signer.issuer()?;
        let chain = self.ca_chain_ders()?;
        let parent_crls =
            if chain.len() > 1 { self.parent_crls(&chain, order.parent_crls.as_deref())? } else { Vec::new() };

        // What can fail is checked before the commit point (crl/ca.crl renamed into place).
        if let Some(d) = order.der_copy {
            check_writable_dir(d)?;
        }
        let _lock = self.lock()?;
        let number = self.current_crl_number()?;
        let gathered = self.gather_revoked(order)?;
        let revoked_count = gathered.revoked.len();
        if revoked_count >= LARGE_CRL {
            (order.on_large)(revoked_count);
        }
        let params = CertificateRevocationListParams {
            this_update: order.now,
            next_update: order.next_update,
            crl_number: SerialNumber::from_slice(&number),
            issuing_distribution_point: None,
            revoked_certs: Vec::new(),
            key_identifier_method: key_id,
        };
        let der = crl::sign_crl(params, &issuer, &gathered.revoked)?;
        drop(gathered.revoked);
        let pem = crl::to_pem(&der);
        self.write_crl(&number, &pem)?;
        // Published: what follows only adds copies, and a failure is a notice.
        if let Some(d) = order.der_copy {
            self.copy_or_notice(d, &der);
        }
        // nginx checks a CRL for every CA of the chain: bundle ours with the parents'.
        let chain_crl = if chain.len() > 1 {
            let mut bundle = pem;
            for p in &parent_crls {
                bundle.push_str(&crl::to_pem(p));
            }
            let path = &self.paths.chain_crl;
            if let Err(e) = fsio::create_dir(path.parent().unwrap_or(&self.paths.root), false) {
                self.notice(Notice::CopyNotWritten { path: path.clone(), error: format!("{e:#}") });
            } else {
                self.copy_or_notice(path, bundle.as_bytes());
            }
            Some(path.clone())
        } else {
            None
        };
        Ok(Published {
            der,
            number,
            revoked_count,
            excluded_expired: gathered.excluded,
            listed: gathered.listed,
            chain_crl,
            parent_crls,
            remove_from_crl: gathered.remove_from_crl,
        })
    }

    /// Write a copy of the published CRL; a failure is a notice (the CRL is published).
    fn copy_or_notice(&self, path: &Path, bytes: &[u8]) {
        match fsio::write_atomic_committed(path, bytes, Mode::Public) {
            Ok(None) => {}
            Ok(Some(e)) => self.notice(Notice::NotFlushed { path: path.to_path_buf(), error: format!("{e:#}") }),
            Err(e) => self.notice(Notice::CopyNotWritten { path: path.to_path_buf(), error: format!("{e:#}") }),
        }
    }

    /// Bump `crlnumber`, then write the CRL; put the number back if the CRL
    /// cannot be written. Once the CRL is renamed into place it is published
    /// and its number used: a failure after that (flushing the directory)
    /// never puts the number back.
    fn write_crl(&self, number: &[u8], pem: &str) -> anyhow::Result<()> {
        let old_number = fsio::read_limited(&self.paths.crlnumber, fsio::SMALL_INPUT).ok();
        // crlnumber first: a crash after it skips a number, which is harmless;
        // the other order could publish two different CRLs with one number.
        let unflushed = fsio::write_atomic_committed(
            &self.paths.crlnumber,
            format!("{}\n", crl::format_hex_number(&crl::increment(number))).as_bytes(),
            Mode::Public,
        )?;
        if let Some(e) = unflushed {
            self.notice(Notice::NotFlushed { path: self.paths.crlnumber.clone(), error: format!("{e:#}") });
        }
        let publish = || -> anyhow::Result<Option<anyhow::Error>> {
            if let Some(dir) = self.paths.crl.parent() {
                fsio::create_dir(dir, false)?;
            }
            fsio::write_atomic_committed(&self.paths.crl, pem.as_bytes(), Mode::Public)
        };
        let e = match publish() {
            Ok(None) => return Ok(()),
            Ok(Some(unflushed)) => {
                self.notice(Notice::NotFlushed { path: self.paths.crl.clone(), error: format!("{unflushed:#}") });
                return Ok(());
            }
            Err(e) => e,
        };
        // Not published: a failed command leaves the store as it was, so put the number back.
        let back = match &old_number {
            Some(b) => fsio::write_atomic(&self.paths.crlnumber, b, Mode::Public),
            None => std::fs::remove_file(&self.paths.crlnumber).map_err(Into::into),
        };
        if let Err(b) = back {
            self.notice(Notice::CrlNumberNotRestored { path: self.paths.crlnumber.clone(), error: format!("{b:#}") });
        }
        Err(e)
    }

    fn gather_revoked(&self, order: &CrlOrder<'_>) -> anyhow::Result<Gathered> {
        let text = self.read_index_text()?;
        let mut g = Gathered { revoked: Vec::new(), listed: Vec::new(), excluded: 0, remove_from_crl: Vec::new() };
        Index::each(&text, |e| {
            if e.status().ok() != Some(Status::Revoked) {
                return Ok(());
            }
            if order.exclude_expired && e.not_after().is_some_and(|t| t <= order.now) {
                g.excluded += 1;
                return Ok(());
            }
            let info = match e.revoked {
                Some(r) => r,
                None => parse_revocation(e.revocation)
                    .with_context(|| format!("corrupt index.txt line for serial {}", e.serial))?,
            };
            if info.reason == Some(Reason::RemoveFromCrl) {
                g.remove_from_crl.push(e.serial.to_string());
            }
            let serial =
                crl::parse_hex_number(e.serial).with_context(|| format!("bad serial {} in index.txt", e.serial))?;
            g.revoked.push(crl::Revoked {
                serial,
                revoked_at: info.time,
                reason: info.reason,
                invalidity: info.invalidity,
            });
            // The per-entry listing is on request only; a large CRL would spend more on it than on signing.
            if order.list_entries {
                g.listed.push(ListedRevocation {
                    serial: e.serial.to_string(),
                    subject: e.subject.to_string(),
                    revoked_at: info.time,
                    reason: info.reason,
                    invalidity: info.invalidity,
                });
            }
            Ok(())
        })
        .with_context(|| format!("corrupt {}", self.paths.index.display()))?;
        Ok(g)
    }

    /// The number this CRL gets: `crlnumber`, or when that file is missing (easy-rsa
    /// stores), one past the current CRL's number, else 1.
    fn current_crl_number(&self) -> anyhow::Result<Vec<u8>> {
        match fsio::read_text_io(&self.paths.crlnumber, fsio::SMALL_INPUT) {
            Ok(text) => {
                crl::parse_hex_number(&text).with_context(|| format!("corrupt {}", self.paths.crlnumber.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let previous =
                    fsio::read(&self.paths.crl).ok().and_then(|b| crl::load_crls(&b).ok()).and_then(|ders| {
                        ders.first().and_then(|d| crl::parse(d).ok()?.crl_number().map(|n| n.to_bytes_be()))
                    });
                Ok(previous.map_or_else(|| vec![1], |n| crl::increment(&n)))
            }
            Err(e) => Err(e).with_context(|| format!("cannot read {}", self.paths.crlnumber.display())),
        }
    }

    /// The parent CAs' CRLs for the bundle: those given, each signed by a CA
    /// above this one, else those the previous bundle held.
    fn parent_crls(&self, chain: &[Vec<u8>], given: Option<&[Vec<u8>]>) -> anyhow::Result<Vec<Vec<u8>>> {
        let own = certinfo::parse(&chain[0])?.subject().as_raw().to_vec();
        let parents: Vec<Vec<u8>> =
            chain[1..].iter().filter_map(|d| certinfo::parse(d).ok().map(|c| c.subject().as_raw().to_vec())).collect();
        let issuer_of = |der: &[u8]| crl::parse(der).map(|c| c.issuer().as_raw().to_vec());
        let Some(ders) = given else {
            let Ok(bytes) = std::fs::read(&self.paths.chain_crl) else { return Ok(Vec::new()) };
            return Ok(crl::load_crls(&bytes)
                .unwrap_or_default()
                .into_iter()
                .filter(|d| issuer_of(d).is_ok_and(|i| i != own && parents.contains(&i)))
                .collect());
        };
        for d in ders {
            let c = crl::parse(d)?;
            // Same name is not enough: the CRL must verify with a parent's key.
            let signed_by_parent = chain[1..]
                .iter()
                .filter_map(|p| certinfo::parse(p).ok())
                .any(|p| p.subject().as_raw() == c.issuer().as_raw() && c.verify_signature(p.public_key()).is_ok());
            if !signed_by_parent {
                return Err(NotAParent { issuer: names::display_name(c.issuer()) }.into());
            }
        }
        Ok(ders.iter().filter(|d| issuer_of(d).is_ok_and(|i| i != own)).cloned().collect())
    }
}
