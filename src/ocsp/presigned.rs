//! Pre-signed responses: `ocsp sign` writes one per certificate of the index
//! (`<SERIAL>.der` with a SHA-1 CertID, as nginx stapling and most clients ask,
//! and `<SERIAL>.sha256.der`), the issuer's certificate and a small index file;
//! `ocsp serve --responses DIR` serves them for that issuer.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::status::{self, Stamp};
use crate::pki::certinfo;
use crate::pki::ocsp::{self, Answer, CertState, HashAlg, IssuerId, ResponseSigner};

/// The index file of a responses directory.
pub const INDEX_FILE: &str = "ocsp-responses.json";
/// The issuer's certificate (PEM) in a responses directory.
pub const ISSUER_FILE: &str = "issuer.crt";

/// What `ocsp-responses.json` says.
#[derive(Debug, Serialize, Deserialize)]
pub struct DirIndex {
    /// The issuer's subject, `CN=..., O=...`.
    pub issuer: String,
    /// SHA-1 of the issuer's public key, hex: the key hash of its CertIDs.
    pub issuer_key_sha1: String,
    pub produced_at: String,
    pub next_update: String,
    /// `ca` or `delegated`.
    pub signer: String,
    pub count: usize,
}

/// What `sign_all` wrote.
#[derive(Debug)]
pub struct Signed {
    pub index: DirIndex,
    pub good: usize,
    pub revoked: usize,
}

/// Sign a response for every certificate of `index_path` into `out`.
pub fn sign_all(
    index_path: &Path,
    issuer_der: &[u8],
    signer: &ResponseSigner,
    delegated: bool,
    validity: Duration,
    out: &Path,
) -> anyhow::Result<Signed> {
    let table = status::load(index_path, 1)?;
    let issuer = IssuerId::from_cert(issuer_der)?;
    let now = OffsetDateTime::now_utc();
    let next = now + validity;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let (mut good, mut revoked) = (0, 0);
    for (serial, state) in table.iter() {
        match state {
            CertState::Revoked { .. } => revoked += 1,
            _ => good += 1,
        }
        let hex = ocsp::serial_hex(serial);
        for (alg, name) in [(HashAlg::Sha1, format!("{hex}.der")), (HashAlg::Sha256, format!("{hex}.sha256.der"))] {
            let id = issuer.cert_ref(alg, serial)?;
            let der = signer.sign(&[Answer { id: &id, state, this_update: now, next_update: next }], None, now)?;
            write_file(&out.join(name), &der)?;
        }
    }
    write_file(&out.join(ISSUER_FILE), certinfo::to_pem(issuer_der).as_bytes())?;
    let cert = certinfo::parse(issuer_der)?;
    let index = DirIndex {
        issuer: crate::pki::names::display_name(cert.subject()),
        issuer_key_sha1: crate::pki::hex::hex_upper(&issuer.key_hash_sha1()),
        produced_at: crate::pki::dates::rfc3339(now),
        next_update: crate::pki::dates::rfc3339(next),
        signer: if delegated { "delegated" } else { "ca" }.into(),
        count: good + revoked,
    };
    // Last, so a reader that sees the new index file sees every response.
    write_file(&out.join(INDEX_FILE), serde_json::to_string_pretty(&index)?.as_bytes())?;
    Ok(Signed { index, good, revoked })
}

/// Write through a temporary name so a server never reads half a file.
fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(".tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// A stored response and its nextUpdate.
type Stored = (Arc<[u8]>, OffsetDateTime);

/// One loaded responses directory.
struct Loaded {
    stamp: Option<Stamp>,
    issuer: IssuerId,
    /// serial (magnitude) and hash -> (response DER, nextUpdate).
    responses: HashMap<(Vec<u8>, HashAlg), Stored>,
}

/// A responses directory served for its issuer, reloaded when its index file changes.
pub struct Presigned {
    dir: PathBuf,
    loaded: Mutex<Arc<Loaded>>,
}

impl Presigned {
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        let loaded = load(dir)?;
        Ok(Self { dir: dir.to_path_buf(), loaded: Mutex::new(Arc::new(loaded)) })
    }

    fn current(&self) -> Arc<Loaded> {
        let mut g = match self.loaded.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        let now = Stamp::of(&self.dir.join(INDEX_FILE)).ok();
        if now != g.stamp {
            // A directory being rewritten keeps its old responses until it is whole again.
            if let Ok(fresh) = load(&self.dir) {
                *g = Arc::new(fresh);
            }
        }
        Arc::clone(&g)
    }

    /// Whether `id` names this directory's issuer.
    pub fn matches(&self, id: &ocsp::CertRef) -> bool {
        self.current().issuer.matches(id)
    }

    /// The stored response for `id`, while it is still valid.
    pub fn response(&self, id: &ocsp::CertRef, now: OffsetDateTime) -> Option<Stored> {
        let l = self.current();
        let alg = id.hash?;
        let (der, next) = l.responses.get(&(id.serial.clone(), alg))?;
        (now < *next).then(|| (Arc::clone(der), *next))
    }
}

fn load(dir: &Path) -> anyhow::Result<Loaded> {
    let stamp = Stamp::of(&dir.join(INDEX_FILE)).ok();
    if stamp.is_none() {
        bail!("{} is not an `ocsp sign` directory: it has no {INDEX_FILE}", dir.display());
    }
    let issuer_file = dir.join(ISSUER_FILE);
    let issuer_der = certinfo::load_certs(
        &std::fs::read(&issuer_file).with_context(|| format!("cannot read {}", issuer_file.display()))?,
    )?
    .into_iter()
    .next()
    .with_context(|| format!("{} holds no certificate", issuer_file.display()))?;
    let issuer = IssuerId::from_cert(&issuer_der)?;
    let mut responses = HashMap::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let (stem, alg) = match name.strip_suffix(".sha256.der") {
            Some(s) => (s, HashAlg::Sha256),
            None => match name.strip_suffix(".der") {
                Some(s) => (s, HashAlg::Sha1),
                None => continue,
            },
        };
        let Ok(serial) = crate::pki::crl::parse_hex_number(stem) else { continue };
        let serial = ocsp::serial_magnitude(&serial).to_vec();
        let der = std::fs::read(entry.path()).with_context(|| format!("cannot read {}", entry.path().display()))?;
        let info = ocsp::parse_response(&der)
            .with_context(|| format!("{} is not an OCSP response", entry.path().display()))?;
        let Some(next) = info.basic.as_ref().and_then(|b| b.answers.first()).and_then(|a| a.next_update) else {
            continue;
        };
        responses.insert((serial, alg), (Arc::from(der), next));
    }
    Ok(Loaded { stamp, issuer, responses })
}
