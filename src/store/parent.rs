//! An intermediate store's parent: `init-ca --parent` records the parent
//! store's absolute path in `parent-store` (one line), and `gen-crl` takes the
//! parent's current CRL from there for `crl/ca-chain.crl`.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::{Store, fsio};
use crate::pki::{certinfo, crl, names};

/// The file, under the store root, that names the parent store.
pub const PARENT_FILE: &str = "parent-store";

/// The content of `parent-store` for a parent at `parent_root` (absolute).
pub(super) fn record(parent_root: &Path) -> Vec<u8> {
    let mut bytes = parent_root.as_os_str().as_bytes().to_vec();
    bytes.push(b'\n');
    bytes
}

/// A CA of a store's chain that the CA above it revoked.
#[derive(Debug, Clone)]
pub struct RevokedCa {
    pub subject: String,
    pub serial: String,
    /// The CA whose CRL lists it.
    pub by: String,
    /// Whether it is the store's own CA (else one above it).
    pub own: bool,
    pub listed: crl::Listed,
    /// The CRL file that says so.
    pub source: PathBuf,
}

/// What the recorded parent store offers for this store's chain CRL.
#[derive(Debug)]
pub enum ParentCrl {
    /// No parent recorded: a root, or an intermediate made by another tool or
    /// before mtlsctl recorded parents.
    NotRecorded,
    /// The recorded parent store cannot be opened (moved, removed, unreadable).
    Unreachable { parent: PathBuf, error: String },
    /// The store there is not the CA that signed this one.
    NotTheParent { parent: PathBuf },
    /// The parent has not published a CRL yet.
    NoCrl { parent: PathBuf, crl: PathBuf },
    /// The parent's CRL file cannot be read as CRLs.
    BadCrl { parent: PathBuf, crl: PathBuf, error: String },
    /// The parent's CRLs: its own, and for an intermediate parent those of
    /// the CAs above it (its `crl/ca-chain.crl`).
    Found { parent: PathBuf, crl: PathBuf, ders: Vec<Vec<u8>> },
}

impl Store {
    /// The parent store recorded by `init-ca --parent`, if any.
    pub fn parent_store(&self) -> Option<PathBuf> {
        let bytes = fsio::read_limited(&self.paths.root.join(PARENT_FILE), fsio::SMALL_INPUT).ok()?;
        let line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
        (!line.is_empty()).then(|| PathBuf::from(OsStr::from_bytes(line)))
    }

    /// The recorded parent's current CRLs, read without its lock (it replaces
    /// its CRL files atomically), or why there are none.
    pub fn parent_crl(&self) -> ParentCrl {
        let (parent, crl) = match self.parent_crl_file() {
            Ok(found) => found,
            Err(why) => return why,
        };
        let bytes = match std::fs::read(&crl) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return ParentCrl::NoCrl { parent, crl },
            Err(e) => return ParentCrl::BadCrl { parent, crl, error: e.to_string() },
        };
        match crl::load_crls(&bytes) {
            Ok(ders) => ParentCrl::Found { parent, crl, ders },
            Err(e) => ParentCrl::BadCrl { parent, crl, error: format!("{e:#}") },
        }
    }

    /// The first CA of this store's chain (this CA first) that the CA above it
    /// lists as revoked, by the parent store's current CRL (when one is
    /// recorded) and by crl/ca-chain.crl. Every certificate such a CA signs is
    /// rejected by whoever checks CRLs. `None` for a root.
    pub fn revoked_in_chain(&self) -> Option<RevokedCa> {
        self.revoked_among(&self.ca_chain_ders().ok()?)
    }

    /// As `revoked_in_chain`, for the chain the caller already read (this CA first).
    pub fn revoked_among(&self, chain: &[Vec<u8>]) -> Option<RevokedCa> {
        if chain.len() < 2 {
            return None;
        }
        let certs: Vec<_> = chain.iter().map(|d| certinfo::parse(d)).collect::<Result<_, _>>().ok()?;
        let sources = self.parent_crl_file().ok().map(|(_, crl)| crl).into_iter().chain([self.paths.chain_crl.clone()]);
        for source in sources {
            let Ok(bytes) = fsio::read_limited(&source, fsio::LARGE_INPUT) else { continue };
            for pair in certs.windows(2) {
                let (ca, above) = (&pair[0], &pair[1]);
                let listed = crl::find_signed(&bytes, above, ca.raw_serial());
                // removeFromCRL in a full CRL is no revocation (RFC 5280 5.3.1): verifiers let it through.
                if let Some(listed) = listed.filter(|l| l.reason != Some(crate::pki::reason::Reason::RemoveFromCrl)) {
                    return Some(RevokedCa {
                        subject: names::display_name(ca.subject()),
                        serial: certinfo::serial_hex(ca),
                        by: names::display_name(above.subject()),
                        own: std::ptr::eq(ca, &certs[0]),
                        listed,
                        source,
                    });
                }
            }
        }
        None
    }

    /// The recorded parent store and the CRL file of it that speaks for this
    /// store's CA (its crl/ca-chain.crl when it is an intermediate itself).
    fn parent_crl_file(&self) -> Result<(PathBuf, PathBuf), ParentCrl> {
        let Some(parent) = self.parent_store() else { return Err(ParentCrl::NotRecorded) };
        let store = match Store::open(&parent) {
            Ok(s) => s,
            Err(e) => return Err(ParentCrl::Unreachable { parent, error: format!("{e:#}") }),
        };
        let (Ok(ours), Ok(theirs)) = (self.ca_chain_ders(), store.ca_cert_der()) else {
            return Err(ParentCrl::Unreachable { parent, error: "its CA certificate cannot be read".into() });
        };
        // The parent is the CA that signed ours: same name and key as the second of our chain.
        let same = |a: &[u8], b: &[u8]| match (certinfo::parse(a), certinfo::parse(b)) {
            (Ok(a), Ok(b)) => a.subject().as_raw() == b.subject().as_raw() && a.public_key().raw == b.public_key().raw,
            _ => false,
        };
        if !ours.get(1).is_some_and(|issuer| same(issuer, &theirs)) {
            return Err(ParentCrl::NotTheParent { parent });
        }
        let intermediate = store.ca_chain_ders().is_ok_and(|c| c.len() > 1);
        let crl = if intermediate && store.paths.chain_crl.exists() {
            store.paths.chain_crl.clone()
        } else {
            store.paths.crl.clone()
        };
        Ok((parent, crl))
    }
}
