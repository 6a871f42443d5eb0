//! Creating a store: the whole tree at once, or nothing; an intermediate's
//! tree before its parent records it.
//!
//! The CA key never sits in a hidden temporary directory: the tree is staged
//! and renamed into place without it, and the key is written last, straight
//! to `private/ca.key`. A kill before that leaves no key anywhere (at worst a
//! visible store without its key, which `check` reports); an error removes
//! the new tree.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::Context;
use rcgen::KeyPair;

use super::fsio::{self, Mode};
use super::issue::IssuedCa;
use super::{Paths, Store, cnf};
use crate::pki::build::{self, CaSpec, CaUrls, Signer};
use crate::pki::certinfo;
use crate::pki::hex;

/// Build the store in a temporary sibling directory, rename it into place,
/// then write the key, so an interrupted init-ca leaves no hidden key and an
/// error leaves nothing.
/// `urls` go into openssl.cnf's extension sections: what the new CA puts
/// into the certificates it issues.
pub fn create(root: &Path, ca_der: &[u8], chain: &[Vec<u8>], key_pem: &[u8], urls: &CaUrls) -> anyhow::Result<()> {
    create_with(root, &Tree { ca_der, chain, urls, parent_store: None }, key_pem)
}

/// What goes into a new store's tree besides the key.
struct Tree<'a> {
    ca_der: &'a [u8],
    chain: &'a [Vec<u8>],
    urls: &'a CaUrls,
    /// An intermediate's parent store, recorded in `parent-store`.
    parent_store: Option<&'a Path>,
}

fn create_with(root: &Path, tree: &Tree<'_>, key_pem: &[u8]) -> anyhow::Result<()> {
    let parent = root.parent().context("the store cannot be the root directory")?;
    fsio::create_dir(parent, false)?;
    stage_tree(root, parent, tree)?;
    let key = Paths::standard(root).ca_key;
    if let Err(e) = write_new_secret(&key, key_pem) {
        let _ = std::fs::remove_dir_all(root);
        return Err(e);
    }
    Ok(())
}

/// Every file but the key, staged in `.<name>.init-*` and renamed to `root`.
fn stage_tree(root: &Path, parent: &Path, tree: &Tree<'_>) -> anyhow::Result<()> {
    let Tree { ca_der, chain, urls, parent_store } = *tree;
    let name = root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "pki".into());
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.init-"))
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a directory in {}", parent.display()))?;
    let t = Paths::standard(tmp.path());
    fsio::create_dir(&tmp.path().join("certs"), false)?;
    fsio::create_dir(&tmp.path().join("private"), true)?;
    for d in [&t.newcerts, &tmp.path().join("crl"), &t.csr_dir] {
        fsio::create_dir(d, false)?;
    }
    fsio::create_dir(&t.issued, true)?;
    let chain_pem: String = chain.iter().map(|c| certinfo::to_pem(c)).collect();
    let serial = format!("{}\n", hex::hex_upper(&build::random_serial()?));
    let cnf_text = cnf::with_urls(&cnf::generate(root, 90, 7), urls);
    let ca_pem = certinfo::to_pem(ca_der);
    let files: [(&Path, &[u8]); 6] = [
        (&t.cnf, cnf_text.as_bytes()),
        (&t.ca_cert, ca_pem.as_bytes()),
        (&t.ca_chain, chain_pem.as_bytes()),
        (&t.index, b""),
        (&t.serial, serial.as_bytes()),
        (&t.crlnumber, b"01\n"),
    ];
    for (p, bytes) in files {
        fsio::write_atomic_nosync_dir(p, bytes, Mode::Public)?;
    }
    fsio::write_atomic_nosync_dir(&t.index_attr(), b"unique_subject = no\n", Mode::Public)?;
    if let Some(p) = parent_store {
        fsio::write_atomic_nosync_dir(
            &tmp.path().join(super::parent::PARENT_FILE),
            &super::parent::record(p),
            Mode::Public,
        )?;
    }
    // The empty index is mtlsctl's own: the first command need not validate it.
    super::stamp::store(&t.index);
    for d in [tmp.path(), &tmp.path().join("certs"), &tmp.path().join("private")] {
        fsio::sync_dir(d)?;
    }
    std::fs::set_permissions(tmp.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    let tmp_path = tmp.keep();
    if let Err(e) = std::fs::rename(&tmp_path, root) {
        let _ = std::fs::remove_dir_all(&tmp_path);
        return Err(e).with_context(|| format!("cannot create {}", root.display()));
    }
    fsio::sync_dir(parent)
}

/// Create `path` (0600 from the start, never replacing a file) holding `bytes`, durably.
fn write_new_secret(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    let done = f
        .write_all(bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
        .and_then(|()| fsio::sync_dir(path.parent().unwrap_or(Path::new("."))));
    if done.is_err() {
        std::fs::remove_file(path).ok();
    }
    done
}

/// Sign an intermediate for `key` with the parent's CA, create its store at
/// `root`, and only then record it in the parent (newcerts/ and index.txt),
/// all under the parent's lock, through the parent's issuance transaction
/// (the intermediate carries the parent's URLs; `urls` are the new CA's). An
/// error after the store was made removes it, so the parent never lists a CA
/// whose key was thrown away. The new store records the parent's path
/// (`parent-store`), where `gen-crl` finds the parent's CRL.
pub fn create_intermediate(
    parent: &Store,
    signer: &Signer,
    spec: &CaSpec,
    key: &KeyPair,
    root: &Path,
    key_pem: &[u8],
    urls: &CaUrls,
) -> anyhow::Result<IssuedCa> {
    parent.issue_ca(
        signer,
        spec,
        key,
        |ca| {
            let tree = Tree { ca_der: &ca.der, chain: &ca.chain, urls, parent_store: Some(&parent.paths.root) };
            create_with(root, &tree, key_pem)
        },
        || {
            let _ = std::fs::remove_dir_all(root);
        },
    )
}
