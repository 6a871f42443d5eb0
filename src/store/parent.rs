//! An intermediate store's parent: `init-ca --parent` records the parent
//! store's absolute path in `parent-store` (one line), and `gen-crl` takes the
//! parent's current CRL from there for `crl/ca-chain.crl`.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::{Store, fsio};
use crate::pki::{certinfo, crl};

/// The file, under the store root, that names the parent store.
pub const PARENT_FILE: &str = "parent-store";

/// The content of `parent-store` for a parent at `parent_root` (absolute).
pub(super) fn record(parent_root: &Path) -> Vec<u8> {
    let mut bytes = parent_root.as_os_str().as_bytes().to_vec();
    bytes.push(b'\n');
    bytes
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
        let Some(parent) = self.parent_store() else { return ParentCrl::NotRecorded };
        let store = match Store::open(&parent) {
            Ok(s) => s,
            Err(e) => return ParentCrl::Unreachable { parent, error: format!("{e:#}") },
        };
        let (Ok(ours), Ok(theirs)) = (self.ca_chain_ders(), store.ca_cert_der()) else {
            return ParentCrl::Unreachable { parent, error: "its CA certificate cannot be read".into() };
        };
        // The parent is the CA that signed ours: same name and key as the second of our chain.
        let same = |a: &[u8], b: &[u8]| match (certinfo::parse(a), certinfo::parse(b)) {
            (Ok(a), Ok(b)) => a.subject().as_raw() == b.subject().as_raw() && a.public_key().raw == b.public_key().raw,
            _ => false,
        };
        if !ours.get(1).is_some_and(|issuer| same(issuer, &theirs)) {
            return ParentCrl::NotTheParent { parent };
        }
        let intermediate = store.ca_chain_ders().is_ok_and(|c| c.len() > 1);
        let crl = if intermediate && store.paths.chain_crl.exists() {
            store.paths.chain_crl.clone()
        } else {
            store.paths.crl.clone()
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
}
