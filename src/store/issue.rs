//! The issuance transaction: lock, serial, sign, stage the files, record the
//! index line. Every certificate the store's CA signs goes through here.

use std::path::{Path, PathBuf};

use anyhow::bail;
use rcgen::KeyPair;
use time::OffsetDateTime;

use super::Store;
use super::error::StoreError;
use super::fsio::{self, Mode};
use super::identity::{Identity, safe_dir_name};
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

impl Store {
    /// Sign a leaf for `order` and record it with its identity files, all under the lock.
    pub fn issue_leaf(&self, signer: &Signer, order: &LeafOrder<'_>) -> anyhow::Result<IssuedLeaf> {
        let chain = self.chain_of(signer)?;
        let _lock = self.lock()?;
        // Only once the store is known to be usable, so a refused command leaves no empty directory.
        let made_dir = fsio::create_dir_new(&order.identity.dir, true)?;
        let result = self.sign_leaf(signer, order, &chain, made_dir);
        if result.is_err() && made_dir {
            std::fs::remove_dir(&order.identity.dir).ok();
        }
        result
    }

    /// `made_dir`: the identity directory is new, so its parent is flushed with the files.
    fn sign_leaf(
        &self,
        signer: &Signer,
        order: &LeafOrder<'_>,
        chain: &[Vec<u8>],
        made_dir: bool,
    ) -> anyhow::Result<IssuedLeaf> {
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
        };
        let public = rcgen::SubjectPublicKeyInfo::from_der(order.spki)
            .map_err(|e| anyhow::anyhow!("unusable public key: {e}"))?;
        let der = signer.sign(&leaf_params(&spec)?, &public)?;
        let mut outputs = identity_outputs(order, &der, chain, &signer.cert_der);
        let mut new_dirs = Vec::new();
        if made_dir {
            new_dirs.push(order.identity.dir.as_path());
        }
        let request_file = match order.request {
            Some(req) => {
                let (path, pem) = self.request_output(&s.cn, req, &mut new_dirs)?;
                outputs.push((path.clone(), pem, Mode::Public));
                Some(path)
            }
            None => None,
        };
        outputs.extend(self.easyrsa_outputs(&s.cn, &der, order.key_pem, order.identity)?);
        let entry = self.record(&der, &outputs, &new_dirs)?;
        Ok(IssuedLeaf { der, serial: serial_hex, entry, request_file })
    }

    /// Sign an intermediate CA certificate for `key` and record it, under the lock.
    /// `spec.serial` is replaced by a fresh serial.
    pub fn issue_ca(&self, signer: &Signer, spec: &CaSpec, key: &KeyPair) -> anyhow::Result<IssuedCa> {
        let parents = self.chain_of(signer)?;
        let _lock = self.lock()?;
        let (serial, _) = self.new_serial()?;
        let spec = CaSpec { serial, ..spec.clone() };
        let der = signer.sign(&ca_params(&spec), key)?;
        self.record(&der, &[], &[])?;
        let mut chain = vec![der.clone()];
        chain.extend(parents);
        Ok(IssuedCa { der, chain })
    }

    /// The CA's chain, leaf-CA first, as `ca_chain_ders` reads it. A root's chain
    /// file holds just the CA certificate as the store wrote it: when its bytes
    /// are exactly that, the certificate `Store::signer` already read and checked
    /// is used instead of decoding and checking it again.
    fn chain_of(&self, signer: &Signer) -> anyhow::Result<Vec<Vec<u8>>> {
        match std::fs::read(&self.paths.ca_chain) {
            Ok(bytes) if bytes == certinfo::to_pem(&signer.cert_der).as_bytes() => {
                return Ok(vec![signer.cert_der.clone()]);
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
        self.record(&der, &[], &[])?;
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
    ) -> anyhow::Result<Vec<Output>> {
        let Some(mirror) = self.easyrsa_mirror(cn) else { return Ok(Vec::new()) };
        if mirror.crt.exists() && !identity.cert().exists() {
            return Err(StoreError::EasyrsaIssued { crt: mirror.crt, name: mirror.name, cn: cn.to_string() }.into());
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
        let openssl_next =
            std::fs::read_to_string(&self.paths.serial).map(|s| s.trim().to_ascii_uppercase()).unwrap_or_default();
        for _ in 0..16 {
            let bytes = crate::pki::build::random_serial()?;
            let hex = crate::pki::hex::hex_upper(&bytes);
            if hex != openssl_next && !self.paths.newcert(&hex).exists() {
                return Ok((bytes, hex));
            }
        }
        bail!("could not find a free serial number")
    }

    /// Record a certificate the CA signed: newcerts/<SERIAL>.pem, the other
    /// output files, then the index line, in that order so that a crash never
    /// leaves an index line without its certificate: every file is flushed,
    /// then renamed into place, then its directory (and the parent of each of
    /// `new_dirs`, directories made for this certificate) is flushed, and only
    /// then is the line appended and flushed. A failure removes the files this
    /// call created. The caller holds the lock.
    fn record(&self, cert_der: &[u8], outputs: &[Output], new_dirs: &[&Path]) -> anyhow::Result<Entry> {
        let cert = certinfo::parse(cert_der)?;
        let serial = certinfo::serial_hex(&cert);
        let subject = names::openssl_oneline(cert.subject());
        let entry = Entry::valid(certinfo::not_after(&cert), &serial, &subject);
        let pem = certinfo::to_pem(cert_der);
        let newcert = self.paths.newcert(&serial);
        let mut batch = fsio::Batch::new();
        // Exclusive: a serial already used fails the batch before any file is placed.
        batch.add(&newcert, pem.as_bytes(), Mode::Public, true)?;
        for (path, bytes, mode) in outputs {
            batch.add(path, bytes, *mode, false)?;
        }
        for d in new_dirs {
            batch.sync_dir(fsio::parent_of(d));
        }
        // A failed command leaves the store as it was: the batch undoes its own
        // failure; a failed append undoes the batch.
        let created = batch.commit()?;
        if let Err(e) = self.append_entry(&entry) {
            fsio::remove_all(&created);
            return Err(e);
        }
        Ok(entry)
    }
}

/// cert.pem, key.pem (when made here), chain.pem (the leaf and the
/// intermediates, never the root) and ca.pem (the root).
fn identity_outputs(order: &LeafOrder<'_>, der: &[u8], chain: &[Vec<u8>], ca_der: &[u8]) -> Vec<Output> {
    let leaf_pem = certinfo::to_pem(der);
    let mut chain_pem = leaf_pem.clone();
    for c in chain.iter().take(chain.len().saturating_sub(1)) {
        chain_pem.push_str(&certinfo::to_pem(c));
    }
    let root_pem = certinfo::to_pem(chain.last().map_or(ca_der, |v| v));
    let id = order.identity;
    let mut outputs = Vec::with_capacity(4);
    if let Some(k) = order.key_pem {
        outputs.push((id.key(), k.to_vec(), Mode::Secret));
    }
    outputs.push((id.cert(), leaf_pem.into_bytes(), Mode::Public));
    outputs.push((id.chain(), chain_pem.into_bytes(), Mode::Public));
    outputs.push((id.ca(), root_pem.into_bytes(), Mode::Public));
    outputs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::build::{self, Profile};
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
        super::super::init::create(&root, &der, std::slice::from_ref(&der), key_pem.as_bytes()).expect("create");
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

    /// The crash rules, step by step: every file flushed before any is placed,
    /// newcerts/ and the identity's directories (its parent too, as it is new)
    /// flushed before the index line is appended, and the line flushed last.
    #[test]
    fn a_certificate_is_durable_before_its_index_line() {
        use fsio::trace::{self, Op};
        let (_tmp, store, signer) = store();
        let id = store.identity("svc", None);
        let key = KeyType::EcP256.generate().expect("key");
        trace::start();
        let issued = issue(&store, &signer, &id, &key).expect("issue");
        let ops = trace::take();
        let at = |want: &Op| ops.iter().position(|o| o == want).unwrap_or_else(|| panic!("no {want:?} in {ops:#?}"));
        let newcert = store.paths.newcert(&issued.serial);
        let files = [newcert.clone(), id.key(), id.cert(), id.chain(), id.ca()];
        let last_flush = files.iter().map(|f| at(&Op::FlushFile(f.clone()))).max().expect("files");
        let first_place = files.iter().map(|f| at(&Op::Place(f.clone()))).min().expect("files");
        assert!(last_flush < first_place, "a file was placed before every file was flushed: {ops:#?}");
        assert_eq!(first_place, at(&Op::Place(newcert.clone())), "newcerts/ first: {ops:#?}");
        let append = at(&Op::Append(store.paths.index.clone()));
        assert_eq!(append, ops.len() - 1, "the index line is the last step: {ops:#?}");
        let parent = id.dir.parent().expect("parent").to_path_buf();
        for dir in [store.paths.newcerts.clone(), id.dir.clone(), parent, store.paths.csr_dir.clone()] {
            let flushed = at(&Op::FlushDir(dir.clone()));
            assert!(flushed > files.iter().map(|f| at(&Op::Place(f.clone()))).max().expect("files"));
            assert!(flushed < append, "{} flushed after the index line", dir.display());
        }
        // Issued again into the same directory: its parent is not flushed again.
        std::fs::remove_dir_all(&id.dir).ok();
        fsio::create_dir(&id.dir, true).expect("identity dir");
        trace::start();
        issue(&store, &signer, &id, &key).expect("issue");
        let ops = trace::take();
        assert!(!ops.contains(&Op::FlushDir(id.dir.parent().expect("parent").to_path_buf())), "{ops:#?}");
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
        let err = store.sign_leaf(&signer, &order, &chain, false).unwrap_err();
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
        let ca = store.issue_ca(&signer, &spec, &key).expect("issue_ca");
        assert_eq!(ca.chain.len(), 2);
        assert_eq!(ca.chain[1], signer.cert_der);
        let serial = certinfo::serial_hex(&certinfo::parse(&ca.der).expect("parse"));
        assert!(store.find_entry(&serial).expect("find").is_some());
        assert!(store.paths.newcert(&serial).is_file());
    }
}
