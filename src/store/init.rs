//! Creating a store: the whole tree at once, or nothing.

use std::path::Path;

use anyhow::Context;

use super::Paths;
use super::cnf;
use super::fsio::{self, Mode};
use crate::pki::hex;
use crate::pki::{build, certinfo};

/// Build the whole store in a temporary sibling directory and rename it into
/// place, so an interrupted init-ca leaves either nothing or a complete store.
pub fn create(root: &Path, ca_der: &[u8], chain: &[Vec<u8>], key_pem: &[u8]) -> anyhow::Result<()> {
    let parent = root.parent().context("the store cannot be the root directory")?;
    fsio::create_dir(parent, false)?;
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
    let cnf_text = cnf::generate(root, 90, 7);
    let ca_pem = certinfo::to_pem(ca_der);
    let files: [(&Path, &[u8], Mode); 7] = [
        (&t.cnf, cnf_text.as_bytes(), Mode::Public),
        (&t.ca_cert, ca_pem.as_bytes(), Mode::Public),
        (&t.ca_chain, chain_pem.as_bytes(), Mode::Public),
        (&t.ca_key, key_pem, Mode::Secret),
        (&t.index, b"", Mode::Public),
        (&t.serial, serial.as_bytes(), Mode::Public),
        (&t.crlnumber, b"01\n", Mode::Public),
    ];
    for (p, bytes, mode) in files {
        fsio::write_atomic_nosync_dir(p, bytes, mode)?;
    }
    fsio::write_atomic_nosync_dir(&t.index_attr(), b"unique_subject = no\n", Mode::Public)?;
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
