//! `mtlsctl csr`: the client side of signing. Make (or reuse) a key and a
//! PKCS#10 request that the CA signs with `mtlsctl sign`. Needs no store.

use std::path::PathBuf;

use anyhow::{Context, anyhow};
use clap::Args;
use serde::Serialize;
use zeroize::Zeroizing;

use super::common::{self, safe_dir_name, show_path};
use crate::Outcome;
use crate::cli::Parsed;
use crate::output::{Ctx, hinted};
use crate::pki::build::Profile;
use crate::pki::keys::{self, KeyFile, KeyType};
use crate::pki::names::{self, San};
use crate::store::fsio::{self, Mode};
use crate::store::identity::Identity;

/// Generate a key and a certificate signing request (PKCS#10)
///
/// The key never leaves this machine: send csr.pem to the CA, which signs it
/// with `mtlsctl sign`. Writes key.pem (0600) and csr.pem into ./<cn>/ (or
/// --out DIR); with --key FILE only csr.pem is written and the key stays where it is.
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl csr --cn payment-service
  mtlsctl csr --cn api.example.com --san dns:api.example.com --key-type ec-p384 --out ./api
  mtlsctl csr --cn payments --spiffe-id spiffe://example.org/ns/prod/sa/payments --key existing.key")]
pub struct CsrArgs {
    /// The subject's common name
    #[arg(long)]
    pub cn: String,
    /// The subject's organization (O)
    #[arg(long)]
    pub org: Option<String>,
    /// A subject alternative name: dns:NAME, ip:ADDR, uri:URI or email:ADDR (repeatable)
    #[arg(long, value_name = "TYPE:VALUE")]
    pub san: Vec<Parsed<San>>,
    /// Ask for a SPIFFE X.509-SVID with this ID as its one URI SAN
    #[arg(long, value_name = "SPIFFE_ID")]
    pub spiffe_id: Option<String>,
    /// Algorithm of the new key
    #[arg(long, value_enum, default_value_t = KeyType::EcP256, conflicts_with = "key")]
    pub key_type: KeyType,
    /// Use this existing private key (PEM or DER; PKCS#8, SEC1 or PKCS#1) instead of making one
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Write the files here instead of ./<cn>/
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace files already in the output directory
    #[arg(long)]
    pub force: bool,
}

#[derive(Serialize)]
struct CsrReport {
    csr: String,
    key: String,
    key_generated: bool,
    key_type: String,
    subject: String,
    common_name: String,
    sans: Vec<San>,
}

pub fn run(ctx: &Ctx, args: &CsrArgs) -> anyhow::Result<Outcome> {
    // Client profile: the request carries only the names asked for; `sign --profile` decides the rest.
    let subject =
        common::subject_of(&args.cn, args.org.as_deref(), &args.san, args.spiffe_id.as_deref(), Some(Profile::Client))?;
    let id = Identity::at(args.out.clone().unwrap_or_else(|| PathBuf::from(safe_dir_name(&args.cn))));
    let out_dir = &id.dir;
    let csr_path = id.csr();
    let new_key_path = id.key();
    if !args.force {
        for p in [&csr_path, &new_key_path] {
            if p.exists() && (p == &csr_path || args.key.is_none()) {
                return Err(hinted(
                    format!("{} already exists", p.display()),
                    "pass --force to replace it, or --out DIR to write elsewhere",
                ));
            }
        }
    }

    let (key, key_pem, key_path) = match &args.key {
        Some(path) => (read_own_key(ctx, path)?, None, path.clone()),
        None => {
            if args.key_type.is_slow() {
                ctx.info(format!("generating a {} key (this takes a few seconds)...", args.key_type.name()));
            }
            let key = args.key_type.generate()?;
            let pem = keys::to_pkcs8_pem(&key, None)?;
            (key, Some(pem), new_key_path.clone())
        }
    };

    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = names::subject(&subject.cn, subject.org.as_deref());
    params.subject_alt_names = subject.sans.iter().map(San::to_rcgen).collect::<anyhow::Result<_>>()?;
    let csr = params.serialize_request(&key).map_err(|e| anyhow!("cannot make the request: {e}"))?;
    let csr_pem = csr.pem().map_err(|e| anyhow!("cannot encode the request: {e}"))?;

    // The directory holds a private key: keep it to its owner.
    fsio::create_dir(out_dir, key_pem.is_some())?;
    if let Some(pem) = &key_pem {
        fsio::write_atomic(&new_key_path, pem.as_bytes(), Mode::Secret)?;
    }
    fsio::write_atomic(&csr_path, csr_pem.as_bytes(), Mode::Public)?;

    let spki = rcgen::PublicKeyData::subject_public_key_info(&key);
    let report = CsrReport {
        csr: super::common::json_path(&csr_path),
        key: super::common::json_path(&key_path),
        key_generated: key_pem.is_some(),
        key_type: keys::describe_spki(&spki).unwrap_or_else(|| "unknown".into()),
        subject: if let Some(o) = &subject.org {
            format!("CN={}, O={o}", subject.cn)
        } else {
            format!("CN={}", subject.cn)
        },
        common_name: subject.cn.clone(),
        sans: subject.sans.clone(),
    };
    ctx.emit(&report)?;
    let sans = if subject.sans.is_empty() {
        String::new()
    } else {
        format!(" [{}]", subject.sans.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
    };
    let key_line = if key_pem.is_some() {
        format!("  key:  {} (new {}, keep it here)", show_path(&new_key_path), report.key_type)
    } else {
        format!("  key:  {} (unchanged)", show_path(&key_path))
    };
    ctx.info(format!(
        "Wrote a certificate request for \"{}\"{sans}\n  csr:  {}\n{key_line}\nSend csr.pem to the CA, which signs it with: mtlsctl sign {}",
        subject.cn,
        show_path(&csr_path),
        show_path(&csr_path)
    ));
    Ok(Outcome::Done)
}

/// The requester's own key (`--key`), asked for its passphrase on a terminal when encrypted.
fn read_own_key(ctx: &Ctx, path: &std::path::Path) -> anyhow::Result<rcgen::KeyPair> {
    let bytes = Zeroizing::new(fsio::read_limited(path, fsio::SMALL_INPUT)?);
    Ok(match keys::parse_key(&bytes).with_context(|| format!("cannot read the key {}", path.display()))? {
        KeyFile::Plain(k) => k,
        KeyFile::Encrypted(der) => {
            der.check().with_context(|| format!("cannot decrypt {}", path.display()))?;
            if ctx.batch {
                return Err(hinted(
                    format!(
                        "the key {} is encrypted and mtlsctl cannot ask for its passphrase in batch mode",
                        path.display()
                    ),
                    format!(
                        "run on a terminal, or decrypt it first: openssl pkey -in {} -out plain.key",
                        path.display()
                    ),
                ));
            }
            let pass = crate::prompt::passphrase(&format!("Passphrase for {}", path.display()))?;
            keys::decrypt_key(&der, &pass).with_context(|| format!("cannot decrypt {}", path.display()))?
        }
    })
}
