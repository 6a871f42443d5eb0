//! `mtlsctl init-ca`: create a root CA store.

use std::path::Path;

use anyhow::{Context, bail};
use clap::Args;
use serde::Serialize;
use time::OffsetDateTime;

use super::common::{PassArgs, show_path};
use crate::Outcome;
use crate::output::{Ctx, hinted};
use crate::pki::build::{self, BACKDATE, CaSpec};
use crate::pki::keys::{self, KeyType};
use crate::pki::{certinfo, names};
use crate::store::cnf;
use crate::store::fsio::{self, Mode};
use crate::store::{PASSPHRASE_ENV, Paths};
use crate::util;

/// Create a root CA store (an OpenSSL `ca` directory)
///
/// Refuses to touch an existing store. On a terminal it asks for a passphrase
/// to encrypt the CA key; in batch mode it reads --passphrase-file or
/// $MTLSCTL_CA_PASSPHRASE, else writes an unencrypted key and says so.
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl init-ca
  mtlsctl init-ca --dir /srv/pki --cn 'Example Corp Root CA' --org 'Example Corp'
  mtlsctl init-ca --key-type rsa-4096 --validity 20y --permitted-dns example.com
  MTLSCTL_CA_PASSPHRASE=... mtlsctl --batch init-ca")]
pub struct InitCaArgs {
    /// The CA's common name
    #[arg(long, default_value = "mtlsctl Root CA")]
    pub cn: String,
    /// The CA's organization (O)
    #[arg(long)]
    pub org: Option<String>,
    /// Key algorithm of the CA
    #[arg(long, value_enum, default_value_t = KeyType::EcP256)]
    pub key_type: KeyType,
    /// How long the CA is valid (e.g. 10y, 3650d)
    #[arg(long, default_value = "10y")]
    pub validity: String,
    /// Maximum number of intermediate CAs below this one (basicConstraints pathLen)
    #[arg(long, value_name = "N")]
    pub path_len: Option<u8>,
    /// Only allow DNS names in this domain (name constraints; repeatable)
    #[arg(long, value_name = "DOMAIN")]
    pub permitted_dns: Vec<String>,
    /// Never allow DNS names in this domain (name constraints; repeatable)
    #[arg(long, value_name = "DOMAIN")]
    pub excluded_dns: Vec<String>,
    #[command(flatten)]
    pub pass: PassArgs,
}

#[derive(Serialize)]
struct Created {
    dir: String,
    ca_cert: String,
    ca_key: String,
    key_encrypted: bool,
    key_type: &'static str,
    subject: String,
    serial: String,
    not_before: String,
    not_after: String,
    openssl_cnf: String,
}

pub fn run(ctx: &Ctx, args: &InitCaArgs) -> anyhow::Result<Outcome> {
    let dir = &ctx.global.dir;
    refuse_existing(dir)?;
    names::check_common_name(&args.cn).context("invalid --cn")?;
    for d in args.permitted_dns.iter().chain(&args.excluded_dns) {
        names::check_dns_name(d.trim_start_matches('.')).with_context(|| format!("invalid name constraint '{d}'"))?;
    }
    let validity = util::parse_duration(&args.validity).context("invalid --validity")?;
    if validity <= time::Duration::ZERO {
        bail!("--validity {} is zero: a CA must be valid for some time (e.g. 10y)", args.validity);
    }

    let pass_source = args.pass.source(ctx);
    let passphrase = match pass_source.given()? {
        Some(p) => Some(p),
        None if !ctx.batch => crate::prompt::new_passphrase("Passphrase for the new CA key (empty for none)")?,
        None => None,
    };
    if passphrase.is_none() {
        ctx.warn(format!(
            "the CA key is not encrypted (pass --passphrase-file or set {PASSPHRASE_ENV} to encrypt it); protect {} with file permissions",
            dir.join("private/ca.key").display()
        ));
    }

    if args.key_type.is_slow() {
        ctx.info(format!("generating a {} key (this takes a few seconds)...", args.key_type.name()));
    }
    let key = args.key_type.generate()?;
    let now = OffsetDateTime::now_utc();
    let serial = build::random_serial()?;
    let spec = CaSpec {
        cn: args.cn.clone(),
        org: args.org.clone(),
        path_len: args.path_len,
        permitted_dns: args.permitted_dns.clone(),
        excluded_dns: args.excluded_dns.clone(),
        not_before: now - BACKDATE,
        not_after: now + validity,
        serial,
        intermediate: false,
    };
    let cert_der = build::self_sign(&build::ca_params(&spec), &key)?;
    let key_pem = keys::to_pkcs8_pem(&key, passphrase.as_ref().map(|p| p.as_str()))?;

    let root = fsio::absolute(dir)?;
    create_store(&root, &cert_der, &[cert_der.clone()], key_pem.as_bytes())?;

    let paths = Paths::standard(&root);
    let cert = certinfo::parse(&cert_der)?;
    let out = Created {
        dir: root.display().to_string(),
        ca_cert: paths.ca_cert.display().to_string(),
        ca_key: paths.ca_key.display().to_string(),
        key_encrypted: passphrase.is_some(),
        key_type: args.key_type.name(),
        subject: names::display_name(cert.subject()),
        serial: certinfo::serial_hex(&cert),
        not_before: util::rfc3339(certinfo::not_before(&cert)),
        not_after: util::rfc3339(certinfo::not_after(&cert)),
        openssl_cnf: paths.cnf.display().to_string(),
    };
    ctx.emit(&out)?;
    let shown = show_path(&root);
    ctx.info(format!(
        "Created root CA \"{}\" ({}) in {shown}/, valid until {}.\n  CA certificate: {}\n  CA key:         {}{}\n\nNext:\n  mtlsctl{} issue --cn my-service                               # a client certificate\n  mtlsctl{} issue --cn api.example.com --profile server         # a server certificate",
        args.cn,
        args.key_type.name(),
        util::human_time(certinfo::not_after(&cert)),
        show_path(&paths.ca_cert),
        show_path(&paths.ca_key),
        if passphrase.is_some() { " (encrypted)" } else { "" },
        dir_flag(dir),
        dir_flag(dir),
    ));
    Ok(Outcome::Done)
}

fn dir_flag(dir: &Path) -> String {
    if dir == Path::new("pki") && std::env::var_os("MTLSCTL_DIR").is_none() {
        String::new()
    } else {
        format!(" --dir {}", dir.display())
    }
}

fn refuse_existing(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    let non_empty = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .next()
        .is_some();
    if !dir.is_dir() || non_empty {
        return Err(hinted(
            format!("refusing to create a CA in {}: it already exists and is not empty", dir.display()),
            "choose another --dir; init-ca never touches an existing store",
        ));
    }
    Ok(())
}

/// Build the whole store in a temporary sibling directory and rename it into
/// place, so an interrupted init-ca leaves either nothing or a complete store.
pub fn create_store(root: &Path, ca_der: &[u8], chain: &[Vec<u8>], key_pem: &[u8]) -> anyhow::Result<()> {
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
    let serial = format!("{}\n", util::hex_upper(&build::random_serial()?));
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
