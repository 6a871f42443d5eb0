//! `mtlsctl export`: package an issued identity as PKCS#12, a PEM bundle or a
//! Kubernetes TLS Secret.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use clap::{Args, ValueEnum};
use serde::Serialize;
use zeroize::Zeroizing;

use super::common::{self, show_path};
use crate::Outcome;
use crate::output::{Ctx, hinted};
use crate::pki::certinfo;
use crate::pki::keys::{self, KeyFile};
use crate::store::Store;
use crate::store::fsio::{self, Mode};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// PKCS#12 (.p12/.pfx): key, certificate and chain, password-protected
    Pkcs12,
    /// PEM: certificate, intermediates, then the private key
    Bundle,
    /// YAML of a kubernetes.io/tls Secret with tls.crt, tls.key and ca.crt
    K8sSecret,
}

/// Package an issued identity as PKCS#12, a PEM bundle or a Kubernetes Secret
///
/// Reads issued/<cn>/ (key.pem, chain.pem, ca.pem); in an easy-rsa PKI,
/// issued/<cn>.crt and private/<cn>.key with the store's CA chain. PKCS#12 uses AES-256-CBC
/// with PBKDF2 and a SHA-256 MAC, as OpenSSL 3 does; --legacy uses 3DES and a
/// SHA-1 MAC for macOS keychain, older Windows and old Java keystores. Output
/// goes to --out FILE (mode 0600: it holds the private key), else stdout for
/// the text formats.
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl export --cn payment-service --format pkcs12 --password-file p12.pass --out payment-service.p12
  mtlsctl export --cn payment-service --format pkcs12 --legacy --password-file p12.pass --out legacy.p12
  mtlsctl export --cn api.example.com --format k8s-secret --name api-tls --namespace prod | kubectl apply -f -")]
pub struct ExportArgs {
    /// The identity to export (issued/<cn>/)
    #[arg(long, value_hint = clap::ValueHint::Other, add = clap_complete::ArgValueCandidates::new(super::common::identity_candidates))]
    pub cn: String,
    /// What to produce
    #[arg(long, value_enum, default_value_t = Format::Bundle)]
    pub format: Format,
    /// Write to FILE (0600) instead of stdout; required for pkcs12
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The PKCS#12 password (visible in `ps`; prefer --password-file)
    #[arg(long, value_name = "PASSWORD", conflicts_with = "password_file")]
    pub password: Option<String>,
    /// Read the PKCS#12 password from the first line of FILE
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// PKCS#12 with 3DES and a SHA-1 MAC, for importers that reject AES (macOS, old Java/Windows)
    #[arg(long)]
    pub legacy: bool,
    /// Secret name for k8s-secret [default: the CN, made a valid name]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Secret namespace for k8s-secret
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
}

#[derive(Serialize)]
struct Exported {
    format: Format,
    common_name: String,
    out: Option<String>,
    legacy: bool,
    certificates: usize,
}

/// The PKCS#12 password; an empty one is refused: the file holds the private
/// key, and an empty password protects it from nothing (several tools then
/// store it with no encryption at all).
fn password(ctx: &Ctx, args: &ExportArgs) -> anyhow::Result<Zeroizing<String>> {
    let pass = given_password(ctx, args)?;
    if pass.is_empty() {
        return Err(hinted(
            "the PKCS#12 password is empty: the file holds the private key, and an empty password leaves it unprotected",
            "give a non-empty password with --password-file FILE (or --password)",
        ));
    }
    Ok(pass)
}

fn given_password(ctx: &Ctx, args: &ExportArgs) -> anyhow::Result<Zeroizing<String>> {
    if let Some(p) = &args.password {
        return Ok(Zeroizing::new(p.clone()));
    }
    if let Some(f) = &args.password_file {
        let raw = Zeroizing::new(fsio::read_limited(f, fsio::SMALL_INPUT).context("cannot read the password file")?);
        let text = std::str::from_utf8(&raw).map_err(|_| anyhow!("the password file {} is not UTF-8", f.display()))?;
        return Ok(Zeroizing::new(text.lines().next().unwrap_or("").to_string()));
    }
    if !ctx.batch {
        if let Some(p) = crate::prompt::new_passphrase("Password for the PKCS#12 file")? {
            return Ok(p);
        }
    }
    Err(hinted("a PKCS#12 file needs a password", "pass --password-file FILE (or --password)"))
}

/// A valid Kubernetes object name (RFC 1123 subdomain) from a CN.
fn k8s_name(cn: &str) -> String {
    let s: String = cn
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '-' })
        .collect();
    let s = s.trim_matches(|c: char| !c.is_ascii_alphanumeric()).to_string();
    if s.is_empty() { "tls".to_string() } else { s.chars().take(253).collect() }
}

fn b64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The identity as PKCS#12: key, leaf, intermediates and root; returns the file and its certificate count.
fn pkcs12(
    args: &ExportArgs,
    pass: &str,
    key_pem: &[u8],
    chain: &[Vec<u8>],
    root: &[Vec<u8>],
) -> anyhow::Result<(Zeroizing<Vec<u8>>, usize)> {
    let key = match keys::parse_key(key_pem).context("cannot read key.pem")? {
        KeyFile::Plain(k) => k,
        KeyFile::Encrypted(_) => bail!("key.pem is encrypted; export needs the plain key"),
    };
    let pk = p12_keystore::PrivateKey::from_der(&key.serialize_der())
        .map_err(|e| anyhow!("cannot use the key for PKCS#12: {e}"))?;
    let mut certs = Vec::new();
    for der in chain.iter().chain(root.iter()) {
        certs.push(
            p12_keystore::Certificate::from_der(der)
                .map_err(|e| anyhow!("cannot use a certificate for PKCS#12: {e}"))?,
        );
    }
    let count = certs.len();
    let id = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &chain[0]);
    let kc = p12_keystore::PrivateKeyChain::new(id.as_ref(), pk, certs);
    let mut ks = p12_keystore::KeyStore::new();
    ks.add_entry(&args.cn, p12_keystore::KeyStoreEntry::PrivateKeyChain(kc));
    let mut w = ks.writer(pass);
    if args.legacy {
        w = w
            .encryption_algorithm(p12_keystore::EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc)
            .mac_algorithm(p12_keystore::MacAlgorithm::HmacSha1)
            .encryption_iterations(2048)
            .mac_iterations(2048);
    } else {
        w = w
            .encryption_algorithm(p12_keystore::EncryptionAlgorithm::PbeWithHmacSha256AndAes256)
            .mac_algorithm(p12_keystore::MacAlgorithm::HmacSha256)
            .encryption_iterations(100_000)
            .mac_iterations(100_000);
    }
    Ok((Zeroizing::new(w.write().map_err(|e| anyhow!("cannot write PKCS#12: {e}"))?), count))
}

/// An identity's files as exported: the key, the leaf and its intermediates, the root.
struct Files {
    key_pem: Zeroizing<Vec<u8>>,
    chain_pem: Vec<u8>,
    ca_pem: Vec<u8>,
}

fn read_files(store: &Store, cn: &str) -> anyhow::Result<Files> {
    let id = store.identity(cn, None);
    let read = |p: &Path| -> anyhow::Result<Vec<u8>> {
        if !p.exists() {
            return Err(hinted(
                format!("{} does not exist", p.display()),
                format!("export needs an identity made by `mtlsctl issue --cn {cn}`"),
            ));
        }
        fsio::read_limited(p, fsio::SMALL_INPUT)
    };
    // An identity easy-rsa issued: its leaf alone, with the CA chain from the store.
    if let Some(m) = store.easyrsa_identity(&id, cn) {
        let key_pem = Zeroizing::new(read(&m.key)?);
        let leaf = certinfo::load_certs(&read(&m.crt)?)
            .with_context(|| format!("cannot read {}", m.crt.display()))?
            .into_iter()
            .next()
            .with_context(|| format!("{} holds no certificate", m.crt.display()))?;
        let mut cas = store.ca_chain_ders()?;
        let root = cas.pop().context("the store has no CA certificate")?;
        let chain_pem: String = std::iter::once(&leaf).chain(cas.iter()).map(|d| certinfo::to_pem(d)).collect();
        return Ok(Files { key_pem, chain_pem: chain_pem.into_bytes(), ca_pem: certinfo::to_pem(&root).into_bytes() });
    }
    Ok(Files { key_pem: Zeroizing::new(read(&id.key())?), chain_pem: read(&id.chain())?, ca_pem: read(&id.ca())? })
}

pub fn run(ctx: &Ctx, args: &ExportArgs) -> anyhow::Result<Outcome> {
    let store = common::open_store(ctx, &ctx.global.dir)?;
    let Files { key_pem, chain_pem, ca_pem } = read_files(&store, &args.cn)?;
    let chain = certinfo::load_certs(&chain_pem).context("cannot read chain.pem")?;
    let root = certinfo::load_certs(&ca_pem).context("cannot read ca.pem")?;
    if args.legacy && args.format != Format::Pkcs12 {
        bail!("--legacy applies to --format pkcs12 only");
    }

    let (bytes, count): (Zeroizing<Vec<u8>>, usize) = match args.format {
        Format::Pkcs12 => {
            if args.out.is_none() {
                return Err(hinted("PKCS#12 is binary: it is only written to a file", "add --out FILE.p12"));
            }
            let pass = password(ctx, args)?;
            pkcs12(args, &pass, &key_pem, &chain, &root)?
        }
        Format::Bundle => {
            let mut out = chain_pem.clone();
            if !out.ends_with(b"\n") {
                out.push(b'\n');
            }
            out.extend_from_slice(&key_pem);
            (Zeroizing::new(out), chain.len())
        }
        Format::K8sSecret => {
            let name = args.name.clone().unwrap_or_else(|| k8s_name(&args.cn));
            let mut y = format!(
                "# kubernetes.io/tls Secret for \"{}\", made by mtlsctl export; it holds the private key.\napiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata:\n  name: {name}\n",
                args.cn
            );
            if let Some(ns) = &args.namespace {
                y.push_str(&format!("  namespace: {ns}\n"));
            }
            y.push_str(&format!(
                "data:\n  tls.crt: {}\n  tls.key: {}\n  ca.crt: {}\n",
                b64(&chain_pem),
                b64(&key_pem),
                b64(&ca_pem)
            ));
            (Zeroizing::new(y.into_bytes()), chain.len() + root.len())
        }
    };

    match &args.out {
        Some(out) => {
            fsio::write_atomic(out, &bytes, Mode::Secret)?;
            ctx.emit(&Exported {
                format: args.format,
                common_name: args.cn.clone(),
                out: Some(super::common::json_path(out)),
                legacy: args.legacy,
                certificates: count,
            })?;
            ctx.info(format!(
                "Exported \"{}\" as {} to {} (mode 0600: it holds the private key)",
                args.cn,
                match args.format {
                    Format::Pkcs12 if args.legacy => "PKCS#12 (legacy 3DES/SHA-1)",
                    Format::Pkcs12 => "PKCS#12 (AES-256, PBKDF2, SHA-256 MAC)",
                    Format::Bundle => "a PEM bundle",
                    Format::K8sSecret => "a kubernetes.io/tls Secret",
                },
                show_path(out)
            ));
        }
        None => {
            if ctx.json() {
                return Err(hinted(
                    "--json reports on the export, so the export itself needs --out FILE",
                    "add --out FILE",
                ));
            }
            let mut o = std::io::stdout().lock();
            o.write_all(&bytes)?;
            o.flush()?;
        }
    }
    Ok(Outcome::Done)
}
