//! The issuance transaction: lock, serial, sign, stage the files, record the
//! index line. Every certificate the store's CA signs goes through here.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use rcgen::KeyPair;
use time::OffsetDateTime;

use super::Store;
use super::error::{Notice, Refused};
use super::fsio::{self, Mode};
use super::identity::{Identity, Staged, safe_dir_name};
use super::index::Entry;
use crate::pki::build::{CaSpec, LeafSpec, Signer, ca_params, leaf_params};
use crate::pki::certinfo;
use crate::pki::names::{self, Subject};

/// A leaf to issue: the subject, its validity, its public key, and where its files go.
pub struct LeafOrder<'a> {
    pub subject: &'a Subject,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// The subject's public key (SubjectPublicKeyInfo, DER).
    pub spki: &'a [u8],
    pub rsa_key: bool,
    /// The private key written beside the certificate (PEM), when mtlsctl made it.
    pub key_pem: Option<&'a [u8]>,
    pub identity: &'a Identity,
    /// A signed request (DER) to keep under the store's request directory.
    pub request: Option<&'a [u8]>,
}

/// What `issue_leaf` recorded.
#[derive(Debug)]
pub struct IssuedLeaf {
    pub der: Vec<u8>,
    pub serial: String,
    pub entry: Entry,
    /// Where the request was kept.
    pub request_file: Option<PathBuf>,
}

/// What `issue_ca` recorded: the new CA certificate and its full chain (it first).
#[derive(Debug)]
pub struct IssuedCa {
    pub der: Vec<u8>,
    pub chain: Vec<Vec<u8>>,
}

/// A file to write with the certificate.
type Output = (PathBuf, Vec<u8>, Mode);

/// A renewal's conditions, checked under the lock before anything is signed.
pub struct Renewal<'a> {
    /// The serial of the certificate being renewed.
    pub old_serial: &'a str,
    /// Its subject, as index.txt writes it.
    pub old_subject: &'a str,
    /// The old key's SubjectPublicKeyInfo, when it is reused.
    pub reused_spki: Option<&'a [u8]>,
}

/// The certificate is recorded in index.txt, but its identity directory could not be updated.
#[derive(Debug, thiserror::Error)]
#[error(
    "certificate {serial} is recorded in index.txt, but {} could not be updated and still holds its previous files; the new ones wait beside it, and the next command on this identity puts them in place",
    .dir.display()
)]
pub struct NotInstalled {
    pub serial: String,
    pub dir: PathBuf,
    #[source]
    pub source: anyhow::Error,
}

impl Store {
    /// Sign a leaf for `order` and record it with its identity files, all under the lock.
    pub fn issue_leaf(&self, signer: &Signer, order: &LeafOrder<'_>) -> anyhow::Result<IssuedLeaf> {
        let chain = self.chain_of(signer)?;
        let _lock = self.lock()?;
        self.sign_leaf(signer, order, &chain)
    }

    /// Renew: as `issue_leaf`, after checking under the lock that the old
    /// certificate is not revoked, that a reused key was never revoked for
    /// keyCompromise, and that the identity directory holds this subject's
    /// identity (or none) and not another certificate's.
    pub fn renew_leaf(
        &self,
        signer: &Signer,
        order: &LeafOrder<'_>,
        renewal: &Renewal<'_>,
    ) -> anyhow::Result<IssuedLeaf> {
        let chain = self.chain_of(signer)?;
        let _lock = self.lock()?;
        self.check_renewal(order.identity, renewal)?;
        self.sign_leaf_renewing(signer, order, &chain, Some(renewal.old_serial))
    }

    fn check_renewal(&self, id: &Identity, renewal: &Renewal<'_>) -> anyhow::Result<()> {
        let old = self.find_entry(renewal.old_serial)?;
        if let Some(e) = old.as_ref().filter(|e| e.status == "R") {
            let reason = e.revocation_info().ok().and_then(|r| r.reason).map_or("no reason", |r| r.openssl_name());
            return Err(Refused::RevokedRenewal { serial: e.serial.clone(), reason: reason.to_string() }.into());
        }
        if let Some(spki) = renewal.reused_spki {
            if let Some(serial) = self.compromised_with(spki)? {
                return Err(Refused::CompromisedKey { dir: id.dir.clone(), serial }.into());
            }
        }
        if let Ok(bytes) = std::fs::read(id.cert()) {
            let holder = certinfo::load_certs(&bytes)
                .ok()
                .and_then(|c| c.into_iter().next())
                .and_then(|d| certinfo::parse(&d).ok().map(|c| names::openssl_oneline(c.subject())));
            if holder.as_deref() != Some(renewal.old_subject) {
                return Err(Refused::IdentityTaken {
                    dir: id.dir.clone(),
                    holder: holder.unwrap_or_else(|| "an unreadable certificate".into()),
                    renewed: renewal.old_subject.to_string(),
                }
                .into());
            }
        }
        Ok(())
    }

    /// The serial of a certificate revoked for keyCompromise whose public key is `spki`.
    fn compromised_with(&self, spki: &[u8]) -> anyhow::Result<Option<String>> {
        let text = self.read_index_text()?;
        let mut found = None;
        super::index::Index::each(&text, |e| {
            let compromised = e.revoked.as_ref().is_some_and(|r| r.reason == Some(super::index::Reason::KeyCompromise));
            if found.is_none() && compromised {
                if self.recorded_spki(e.serial).is_some_and(|k| k == spki) {
                    found = Some(e.serial.to_string());
                }
            }
            Ok(())
        })
        .with_context(|| format!("corrupt {}", self.paths.index.display()))?;
        Ok(found)
    }

    fn sign_leaf(&self, signer: &Signer, order: &LeafOrder<'_>, chain: &[Vec<u8>]) -> anyhow::Result<IssuedLeaf> {
        self.sign_leaf_renewing(signer, order, chain, None)
    }

    /// `renewing`: the serial a renewal replaces, whose easy-rsa copy
    /// (issued/<name>.crt) the new certificate may overwrite.
    fn sign_leaf_renewing(
        &self,
        signer: &Signer,
        order: &LeafOrder<'_>,
        chain: &[Vec<u8>],
        renewing: Option<&str>,
    ) -> anyhow::Result<IssuedLeaf> {
        self.finish_interrupted_of(order.identity)?;
        let (serial, serial_hex) = self.new_serial()?;
        let s = order.subject;
        let spec = LeafSpec {
            cn: s.cn.clone(),
            org: s.org.clone(),
            sans: s.sans.clone(),
            profile: s.profile,
            spiffe: s.spiffe,
            not_before: order.not_before,
            not_after: order.not_after,
            serial,
            rsa_key: order.rsa_key,
            urls: self.ca_urls()?,
        };
        let public = rcgen::SubjectPublicKeyInfo::from_der(order.spki)
            .map_err(|e| anyhow::anyhow!("unusable public key: {e}"))?;
        let der = signer.sign(&leaf_params(&spec)?, &public)?;
        let mut outputs = Vec::new();
        let mut new_dirs = Vec::new();
        let request_file = match order.request {
            Some(req) => {
                let (path, pem) = self.request_output(&s.cn, req, &mut new_dirs)?;
                outputs.push((path.clone(), pem, Mode::Public));
                Some(path)
            }
            None => None,
        };
        outputs.extend(self.easyrsa_outputs(&s.cn, &der, order.key_pem, order.identity, renewing)?);
        let staged = order.identity.stage(&identity_files(order, &der, chain, &signer.cert_der))?;
        let entry = self.record(&der, &outputs, &new_dirs, Some(staged))?;
        Ok(IssuedLeaf { der, serial: serial_hex, entry, request_file })
    }

    /// Sign an intermediate CA certificate for `key` and record it, under the lock.
    /// `spec.serial` is replaced by a fresh serial. `place` runs between signing
    /// and recording (init-ca creates the new CA's store there), so the record
    /// never names a CA whose store was not made; when recording then fails,
    /// `undo` removes what `place` made.
    pub fn issue_ca(
        &self,
        signer: &Signer,
        spec: &CaSpec,
        key: &KeyPair,
        place: impl FnOnce(&IssuedCa) -> anyhow::Result<()>,
        undo: impl FnOnce(),
    ) -> anyhow::Result<IssuedCa> {
        let parents = self.chain_of(signer)?;
        let _lock = self.lock()?;
        let (serial, _) = self.new_serial()?;
        let spec = CaSpec { serial, ..spec.clone() };
        let mut params = ca_params(&spec);
        self.ca_urls()?.apply(&mut params);
        let der = signer.sign(&params, key)?;
        let mut chain = vec![der.clone()];
        chain.extend(parents);
        let issued = IssuedCa { der, chain };
        place(&issued)?;
        if let Err(e) = self.record(&issued.der, &[], &[], None) {
            undo();
            return Err(e).context("the intermediate was not recorded in the parent; its new store was removed");
        }
        Ok(issued)
    }

    /// The CA's chain, leaf-CA first, as `ca_chain_ders` reads it. A root's chain
    /// file holds just the CA certificate as the store wrote it: when its bytes
    /// are exactly that, the certificate `Store::signer` already read and checked
    /// is used instead of decoding and checking it again.
    pub fn chain_of(&self, signer: &Signer) -> anyhow::Result<Vec<Vec<u8>>> {
        if let Some(chain) = self.chain.get() {
            return Ok(chain.clone());
        }
        match std::fs::read(&self.paths.ca_chain) {
            Ok(bytes) if bytes == certinfo::to_pem(&signer.cert_der).as_bytes() => {
                return Ok(self.remember_chain(vec![signer.cert_der.clone()]));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![signer.cert_der.clone()]),
            _ => {}
        }
        self.ca_chain_ders()
    }

    /// Sign a certificate whose parameters `params` builds from a fresh serial,
    /// for the public key `key`, and record it, under the lock (an OCSP
    /// responder's certificate). Returns its DER.
    pub fn issue_with(
        &self,
        signer: &Signer,
        params: impl FnOnce(&[u8]) -> rcgen::CertificateParams,
        key: &impl rcgen::PublicKeyData,
    ) -> anyhow::Result<Vec<u8>> {
        let _lock = self.lock()?;
        let (serial, _) = self.new_serial()?;
        let der = signer.sign(&params(&serial), key)?;
        self.record(&der, &[], &[], None)?;
        Ok(der)
    }

    /// `csr/<name>-<digest>.csr`: the request kept as PEM, named by its content.
    /// A new csr directory goes into `new_dirs`.
    fn request_output<'a>(
        &'a self,
        cn: &str,
        der: &[u8],
        new_dirs: &mut Vec<&'a Path>,
    ) -> anyhow::Result<(PathBuf, Vec<u8>)> {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der);
        let path = self.paths.csr_dir.join(format!(
            "{}-{}.csr",
            safe_dir_name(cn),
            crate::pki::hex::hex_upper(&digest.as_ref()[..6])
        ));
        let pem = pem::encode_config(
            &pem::Pem::new("CERTIFICATE REQUEST", der.to_vec()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        );
        if fsio::create_dir_new(&self.paths.csr_dir, false)? {
            new_dirs.push(&self.paths.csr_dir);
        }
        Ok((path, pem.into_bytes()))
    }

    /// In an easy-rsa PKI the certificate and key also go where easy-rsa keeps them
    /// (issued/<name>.crt, private/<name>.key), so `easyrsa show-cert`, `revoke` and
    /// `renew` find them; the identity directory still holds chain.pem and ca.pem.
    fn easyrsa_outputs(
        &self,
        cn: &str,
        der: &[u8],
        key_pem: Option<&[u8]>,
        identity: &Identity,
        renewing: Option<&str>,
    ) -> anyhow::Result<Vec<Output>> {
        let Some(mirror) = self.easyrsa_mirror(cn) else { return Ok(Vec::new()) };
        let renewed_there = renewing.is_some_and(|old| {
            let held = std::fs::read(&mirror.crt).ok().and_then(|b| certinfo::load_certs(&b).ok());
            let held = held.and_then(|c| c.into_iter().next());
            held.and_then(|d| certinfo::parse(&d).ok().map(|c| certinfo::serial_hex(&c)))
                .is_some_and(|s| s.eq_ignore_ascii_case(old))
        });
        if !renewed_there {
            self.check_mirror_free(&mirror, identity, cn, OffsetDateTime::now_utc())?;
        }
        let mut out = vec![(mirror.crt, certinfo::to_pem(der).into_bytes(), Mode::Public)];
        if let Some(k) = key_pem {
            out.push((mirror.key, k.to_vec(), Mode::Secret));
        }
        Ok(out)
    }

    /// Pick a serial for a new certificate: random, and not already taken by a
    /// certificate file or by what `openssl ca` would use next. The caller holds the lock.
    fn new_serial(&self) -> anyhow::Result<(Vec<u8>, String)> {
        // Bounded: a serial file that is a device (`serial = /dev/zero` in the cnf) is refused, not read forever.
        let openssl_next = match fsio::read_text_io(&self.paths.serial, fsio::SMALL_INPUT) {
            Ok(s) => s.trim().to_ascii_uppercase(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", self.paths.serial.display())),
        };
        for _ in 0..16 {
            let bytes = crate::pki::build::random_serial()?;
            let hex = crate::pki::hex::hex_upper(&bytes);
            if hex != openssl_next && !self.paths.newcert(&hex).exists() {
                return Ok((bytes, hex));
            }
        }
        bail!("could not find a free serial number")
    }

    /// Record a certificate the CA signed: newcerts/<SERIAL>.pem and the
    /// other output files, then the index line, then the staged identity, in
    /// that order: a crash never leaves an index line without its
    /// certificate, and an identity's old files stay until the new line is
    /// durable. A failure before the line removes the files this call created
    /// and the stage. The caller holds the lock.
    ///
    /// newcerts/<SERIAL>.pem is created under its own name (a new name, never
    /// a replacement) and flushed with the identity's files in one go: no
    /// line names it until it is durable, and a crash before that leaves at
    /// most a torn file no line names, which `check --repair` removes.
    fn record(
        &self,
        cert_der: &[u8],
        outputs: &[Output],
        new_dirs: &[&Path],
        staged: Option<Staged>,
    ) -> anyhow::Result<Entry> {
        let cert = certinfo::parse(cert_der)?;
        let serial = certinfo::serial_hex(&cert);
        let subject = names::openssl_oneline(cert.subject());
        let entry = Entry::valid(certinfo::not_after(&cert), &serial, &subject);
        let pem = certinfo::to_pem(cert_der);
        let newcert = self.paths.newcert(&serial);
        let mut staged = staged;
        let mut pending = staged.as_mut().map(Staged::take_unflushed).unwrap_or_default();
        let mut made_newcert = false;
        let written = (|| {
            // Exclusive: a serial already used fails before anything else is written.
            fsio::write_new(&newcert, pem.as_bytes(), Mode::Public, &mut pending)?;
            made_newcert = true;
            pending.add_dir(&self.paths.newcerts);
            let mut batch = fsio::Batch::new();
            for (path, bytes, mode) in outputs {
                batch.add(path, bytes, *mode, false)?;
            }
            for d in new_dirs {
                batch.sync_dir(fsio::parent_of(d));
            }
            // A failed command leaves the store as it was: the batch undoes its own
            // failure; a failed append undoes the batch.
            // The stage's files and the certificate are flushed with the batch's, in one go.
            let created = batch.commit_with(pending)?;
            if let Err(e) = self.append_entry(&entry) {
                fsio::remove_all(&created);
                return Err(e);
            }
            Ok(())
        })();
        if written.is_err() && made_newcert {
            std::fs::remove_file(&newcert).ok();
        }
        let Some(staged) = staged else { return written.map(|()| entry) };
        if let Err(e) = written {
            staged.discard();
            return Err(e);
        }
        // The line is durable: the certificate is recorded whatever happens next.
        let dir = staged.target().to_path_buf();
        match staged.install() {
            Ok(None) => {}
            Ok(Some(e)) => self.notice(Notice::NotFlushed { path: dir, error: format!("{e:#}") }),
            Err(source) => return Err(NotInstalled { serial, dir, source }.into()),
        }
        Ok(entry)
    }
}

/// cert.pem, key.pem (when made here), chain.pem (the leaf and the
/// intermediates, never the root), ca.pem (the root) and, with a key,
/// identity.pem (key then chain in one file, 0600), by file name.
fn identity_files(
    order: &LeafOrder<'_>,
    der: &[u8],
    chain: &[Vec<u8>],
    ca_der: &[u8],
) -> Vec<(&'static str, Vec<u8>, Mode)> {
    let leaf_pem = certinfo::to_pem(der);
    let mut chain_pem = leaf_pem.clone();
    for c in chain.iter().take(chain.len().saturating_sub(1)) {
        chain_pem.push_str(&certinfo::to_pem(c));
    }
    let root_pem = certinfo::to_pem(chain.last().map_or(ca_der, |v| v));
    let mut files = Vec::with_capacity(5);
    if let Some(k) = order.key_pem {
        files.push(("key.pem", k.to_vec(), Mode::Secret));
        // One file, so a client that reads it during a renewal's swap gets the
        // old pair or the new one: two paths opened one after the other can
        // straddle the swap and pair the old certificate with the new key.
        let mut bundle = k.to_vec();
        if !bundle.ends_with(b"\n") {
            bundle.push(b'\n');
        }
        bundle.extend_from_slice(chain_pem.as_bytes());
        files.push(("identity.pem", bundle, Mode::Secret));
    }
    files.push(("cert.pem", leaf_pem.into_bytes(), Mode::Public));
    files.push(("chain.pem", chain_pem.into_bytes(), Mode::Public));
    files.push(("ca.pem", root_pem.into_bytes(), Mode::Public));
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::build::{self, CaUrls, Profile};
    use crate::pki::keys::{self, KeyType};

    /// A fresh store with an in-memory root CA, and its signer.
    fn store() -> (tempfile::TempDir, Store, Signer) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("pki");
        let key = KeyType::EcP256.generate().expect("key");
        let now = OffsetDateTime::now_utc();
        let spec = CaSpec {
            cn: "Test CA".into(),
            org: None,
            path_len: None,
            permitted_dns: Vec::new(),
            excluded_dns: Vec::new(),
            not_before: now - build::BACKDATE,
            not_after: now + time::Duration::days(365),
            serial: build::random_serial().expect("serial"),
            intermediate: false,
        };
        let der = build::self_sign(&ca_params(&spec), &key).expect("self-sign");
        let key_pem = keys::to_pkcs8_pem(&key, None).expect("pem");
        super::super::init::create(&root, &der, std::slice::from_ref(&der), key_pem.as_bytes(), &CaUrls::default())
            .expect("create");
        let store = Store::open(&root).expect("open");
        (tmp, store, Signer { cert_der: der, key })
    }

    fn subject() -> Subject {
        Subject::from_names("svc", None, &[], None, Some(Profile::Client)).expect("subject")
    }

    fn issue(store: &Store, signer: &Signer, id: &Identity, key: &KeyPair) -> anyhow::Result<IssuedLeaf> {
        let now = OffsetDateTime::now_utc();
        let spki = rcgen::PublicKeyData::subject_public_key_info(key);
        let key_pem = keys::to_pkcs8_pem(key, None)?;
        store.issue_leaf(
            signer,
            &LeafOrder {
                subject: &subject(),
                not_before: now,
                not_after: now + time::Duration::days(1),
                spki: &spki,
                rsa_key: false,
                key_pem: Some(key_pem.as_bytes()),
                identity: id,
                request: Some(b"not really a request"),
            },
        )
    }

    fn files_under(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() { out.extend(files_under(&p)) } else { out.push(p) }
        }
        out.sort();
        out
    }

    #[test]
    fn an_issued_leaf_is_recorded_with_all_its_files() {
        let (_tmp, store, signer) = store();
        let id = store.identity("svc", None);
        let key = KeyType::EcP256.generate().expect("key");
        let issued = issue(&store, &signer, &id, &key).expect("issue");
        for p in [id.cert(), id.key(), id.chain(), id.ca(), store.paths.newcert(&issued.serial)] {
            assert!(p.is_file(), "{} missing", p.display());
        }
        assert!(issued.request_file.as_ref().is_some_and(|p| p.is_file()));
        let index = store.read_index().expect("index");
        assert_eq!(index.entries, vec![issued.entry]);
    }

    /// The crash rules, step by step: newcerts/<SERIAL>.pem flushed, with its
    /// directory (and csr/ with the request), before the index line is
    /// appended, and never renamed over anything; the identity's files are flushed in their
    /// stage before the line too, and the identity is put in place (one
    /// rename) only after it, then its parent flushed. The same when the
    /// identity is replaced (an exchange).
    #[test]
    fn a_certificate_is_durable_before_its_index_line() {
        use fsio::trace::{self, Op};
        let (_tmp, store, signer) = store();
        let id = store.identity("svc", None);
        let key = KeyType::EcP256.generate().expect("key");
        for round in ["new", "replaced"] {
            trace::start();
            let issued = issue(&store, &signer, &id, &key).expect("issue");
            let ops = trace::take();
            let at = |want: &Op| {
                ops.iter().position(|o| o == want).unwrap_or_else(|| panic!("{round}: no {want:?} in {ops:#?}"))
            };
            let newcert = store.paths.newcert(&issued.serial);
            let append = at(&Op::Append(store.paths.index.clone()));
            assert!(at(&Op::FlushFile(newcert.clone())) < append, "{round}: {ops:#?}");
            assert!(!ops.contains(&Op::Place(newcert.clone())), "{round}: newcerts/ is written in place: {ops:#?}");
            assert!(at(&Op::FlushDir(store.paths.newcerts.clone())) < append, "{round}: {ops:#?}");
            let staged = ops[..append]
                .iter()
                .filter(|o| matches!(o, Op::FlushFile(p) if p.to_string_lossy().contains(".svc.stage-")))
                .count();
            assert_eq!(
                staged, 5,
                "{round}: the identity's five files (identity.pem too) are flushed before the line: {ops:#?}"
            );
            let install = at(&Op::Place(id.dir.clone()));
            assert!(append < install, "{round}: the identity was put in place before its line: {ops:#?}");
            let parent = Op::FlushDir(id.dir.parent().expect("parent").to_path_buf());
            assert!(
                ops[install..].contains(&parent),
                "{round}: the identity's parent is not flushed after it: {ops:#?}"
            );
            assert!(at(&Op::FlushDir(store.paths.csr_dir.clone())) < append, "{round}: {ops:#?}");
        }
    }

    #[test]
    fn the_chain_is_read_once_per_command() {
        let (_tmp, store, signer) = store();
        let first = store.chain_of(&signer).expect("chain");
        assert_eq!(first, vec![signer.cert_der.clone()]);
        // What this command read is what it signs with and checks names against.
        std::fs::write(&store.paths.ca_chain, b"not a chain").expect("overwrite");
        assert_eq!(store.chain_of(&signer).expect("chain"), first);
        assert_eq!(store.ca_chain_ders().expect("chain"), first);
        // The next command reads the file again.
        let next = Store::open(&store.paths.root).expect("open");
        assert!(next.ca_chain_ders().is_err());
    }

    #[test]
    fn a_failed_index_append_leaves_no_new_files() {
        let (_tmp, store, signer) = store();
        let before = files_under(&store.paths.root);
        // The append fails: index.txt is a directory.
        std::fs::remove_file(&store.paths.index).expect("rm index");
        std::fs::create_dir(&store.paths.index).expect("mkdir index");
        let id = store.identity("svc", None);
        let key = KeyType::EcP256.generate().expect("key");
        let chain = store.ca_chain_ders().expect("chain");
        fsio::create_dir(&id.dir, true).expect("identity dir");
        let order_key = keys::to_pkcs8_pem(&key, None).expect("pem");
        let spki = rcgen::PublicKeyData::subject_public_key_info(&key);
        let now = OffsetDateTime::now_utc();
        let order = LeafOrder {
            subject: &subject(),
            not_before: now,
            not_after: now + time::Duration::days(1),
            spki: &spki,
            rsa_key: false,
            key_pem: Some(order_key.as_bytes()),
            identity: &id,
            request: Some(b"req"),
        };
        // Past the lock (which would refuse the broken index first) to the record step.
        let err = store.sign_leaf(&signer, &order, &chain).unwrap_err();
        assert!(format!("{err:#}").contains("index.txt"), "{err:#}");
        std::fs::remove_dir(&store.paths.index).expect("rmdir index");
        let after: Vec<PathBuf> = files_under(&store.paths.root);
        let before: Vec<PathBuf> = before.into_iter().filter(|p| *p != store.paths.index).collect();
        assert_eq!(after, before, "the failed issue left files behind");
    }

    #[test]
    fn a_refused_issue_leaves_no_identity_directory() {
        let (_tmp, store, signer) = store();
        std::fs::remove_file(&store.paths.index).expect("rm index");
        std::fs::create_dir(&store.paths.index).expect("mkdir index");
        let id = store.identity("svc", None);
        let key = KeyType::EcP256.generate().expect("key");
        assert!(issue(&store, &signer, &id, &key).is_err());
        assert!(!id.dir.exists(), "{} was left behind", id.dir.display());
        assert!(std::fs::read_dir(&store.paths.newcerts).expect("newcerts").next().is_none());
    }

    #[test]
    fn an_intermediate_is_recorded_in_the_parent() {
        let (_tmp, store, signer) = store();
        let key = KeyType::EcP256.generate().expect("key");
        let now = OffsetDateTime::now_utc();
        let spec = CaSpec {
            cn: "Issuing".into(),
            org: None,
            path_len: Some(0),
            permitted_dns: Vec::new(),
            excluded_dns: Vec::new(),
            not_before: now,
            not_after: now + time::Duration::days(30),
            serial: Vec::new(),
            intermediate: true,
        };
        let ca = store.issue_ca(&signer, &spec, &key, |_| Ok(()), || ()).expect("issue_ca");
        assert_eq!(ca.chain.len(), 2);
        assert_eq!(ca.chain[1], signer.cert_der);
        let serial = certinfo::serial_hex(&certinfo::parse(&ca.der).expect("parse"));
        assert!(store.find_entry(&serial).expect("find").is_some());
        assert!(store.paths.newcert(&serial).is_file());
    }
}
