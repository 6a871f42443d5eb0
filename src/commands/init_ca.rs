//! `mtlsctl init-ca`: create a root CA store, or an intermediate CA signed by
//! another store's CA (`--parent`).

use std::path::Path;

use anyhow::{Context, bail};
use clap::Args;
use serde::Serialize;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use super::common::{self, PassArgs, show_path};
use crate::Outcome;
use crate::cli::Parsed;
use crate::output::{Ctx, hinted};
use crate::pki::build::{self, BACKDATE, CaSpec};
use crate::pki::build::{CaUrls, Signer};
use crate::pki::dates::{human_time, rfc3339};
use crate::pki::keys::{self, KeyType};
use crate::pki::{certinfo, names, policy};
use crate::prompt::{PASSPHRASE_ENV, PassSource};
use crate::store::fsio;
use crate::store::{Paths, Store, init};

/// Create a root CA store (an OpenSSL `ca` directory), or an intermediate with --parent
///
/// Refuses to touch an existing store. On a terminal it asks for a passphrase
/// to encrypt the CA key; in batch mode it reads --passphrase-file or
/// $MTLSCTL_CA_PASSPHRASE, else writes an unencrypted key and says so.
///
/// With --parent DIR the new CA is signed by the CA of the store in DIR and
/// recorded in that store's index.txt and newcerts/, so the parent can revoke
/// it. The parent's key passphrase comes from --parent-passphrase-file, else
/// $MTLSCTL_CA_PASSPHRASE, else a prompt.
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl init-ca
  mtlsctl init-ca --dir /srv/pki --cn 'Example Corp Root CA' --org 'Example Corp'
  mtlsctl init-ca --key-type rsa-4096 --validity 20y --permitted-dns example.com
  MTLSCTL_CA_PASSPHRASE=... mtlsctl --batch init-ca
  mtlsctl init-ca --dir pki-issuing --parent pki --cn 'Example Issuing CA 1'
  mtlsctl init-ca --ocsp-url http://ocsp.example.com/ --crl-url http://pki.example.com/ca.crl \\
      --issuer-url http://pki.example.com/ca.crt")]
pub struct InitCaArgs {
    /// The CA's common name [default: "mtlsctl Root CA"; "mtlsctl Intermediate CA" with --parent]
    #[arg(long)]
    pub cn: Option<String>,
    /// The CA's organization (O)
    #[arg(long)]
    pub org: Option<String>,
    /// Key algorithm of the CA
    #[arg(long, value_enum, default_value_t = KeyType::EcP256)]
    pub key_type: KeyType,
    /// How long the CA is valid (e.g. 10y, 3650d) [default: 10y; 5y with --parent, cut to the parent's expiry]
    #[arg(long, value_name = "DURATION")]
    pub validity: Option<Parsed<time::Duration>>,
    /// Maximum number of intermediate CAs below this one (basicConstraints pathLen) [default: none; 0 with --parent]
    #[arg(long, value_name = "N")]
    pub path_len: Option<u8>,
    /// Make an intermediate CA signed by the CA of the store in DIR
    #[arg(long, value_name = "DIR")]
    pub parent: Option<std::path::PathBuf>,
    /// Read the parent CA's key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)
    #[arg(long, value_name = "FILE", requires = "parent")]
    pub parent_passphrase_file: Option<std::path::PathBuf>,
    /// Only allow DNS names in this domain (name constraints; repeatable)
    #[arg(long, value_name = "DOMAIN")]
    pub permitted_dns: Vec<String>,
    /// Never allow DNS names in this domain (name constraints; repeatable)
    #[arg(long, value_name = "DOMAIN")]
    pub excluded_dns: Vec<String>,
    /// OCSP responder URL to put into every certificate this CA issues (authorityInfoAccess; http://)
    #[arg(long, value_name = "URL")]
    pub ocsp_url: Option<String>,
    /// CRL URL to put into every certificate this CA issues (crlDistributionPoints; http://)
    #[arg(long, value_name = "URL")]
    pub crl_url: Option<String>,
    /// URL of this CA's certificate for every certificate it issues (authorityInfoAccess caIssuers; http://)
    #[arg(long, value_name = "URL")]
    pub issuer_url: Option<String>,
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
    /// The parent store, for an intermediate.
    parent: Option<String>,
    ca_chain: String,
    /// The URLs the new CA puts into the certificates it issues.
    #[serde(flatten)]
    urls: CaUrls,
}

/// The parent CA of an intermediate, unlocked.
struct Parent {
    store: Store,
    signer: Signer,
    not_after: OffsetDateTime,
    /// The parent's chain (DER), the parent first, up to the root.
    chain: Vec<Vec<u8>>,
}

const ROOT_CN: &str = "mtlsctl Root CA";
const INTERMEDIATE_CN: &str = "mtlsctl Intermediate CA";

impl InitCaArgs {
    /// The URLs of --ocsp-url, --crl-url and --issuer-url, checked.
    fn urls(&self) -> anyhow::Result<CaUrls> {
        for (flag, url) in
            [("--ocsp-url", &self.ocsp_url), ("--crl-url", &self.crl_url), ("--issuer-url", &self.issuer_url)]
        {
            if let Some(u) = url {
                build::check_url(u).with_context(|| format!("invalid {flag}"))?;
            }
        }
        Ok(CaUrls {
            ocsp_url: self.ocsp_url.clone(),
            crl_url: self.crl_url.clone(),
            issuer_url: self.issuer_url.clone(),
        })
    }

    /// The CA's common name: --cn, else a default that differs for an intermediate.
    fn common_name(&self) -> &str {
        match (&self.cn, &self.parent) {
            (Some(cn), _) => cn,
            (None, Some(_)) => INTERMEDIATE_CN,
            (None, None) => ROOT_CN,
        }
    }
}

/// A CA with the subject of a CA above it breaks path building and CRL
/// matching (a verifier takes one for the other), so it is refused.
fn refuse_same_subject(spec: &CaSpec, key: &rcgen::KeyPair, chain: &[Vec<u8>]) -> anyhow::Result<()> {
    let probe = build::self_sign(&build::ca_params(spec), key)?;
    let probe = certinfo::parse(&probe)?;
    let mine = names::display_name(probe.subject()).to_lowercase();
    for der in chain {
        let above = certinfo::parse(der)?;
        if above.subject().as_raw() == probe.subject().as_raw()
            || names::display_name(above.subject()).to_lowercase() == mine
        {
            return Err(hinted(
                format!(
                    "the new CA's subject \"{}\" is the subject of a CA above it: verifiers and CRL checks would confuse the two",
                    names::display_name(probe.subject())
                ),
                "give the intermediate its own --cn (e.g. --cn 'Example Issuing CA 1')",
            ));
        }
    }
    Ok(())
}

fn open_parent(ctx: &Ctx, parent: &Path, dir: &Path, args: &InitCaArgs) -> anyhow::Result<Parent> {
    if fsio::absolute(parent)? == fsio::absolute(dir)? {
        bail!("--parent {} is the store being created; name the root CA's store", parent.display());
    }
    let store = Store::open(parent).context("cannot open the --parent store")?;
    ctx.notices(&store);
    common::refuse_revoked_ca(&store).context("the --parent store cannot sign a new intermediate")?;
    let source = PassSource { file: args.parent_passphrase_file.clone(), batch: ctx.batch };
    let signer = common::signer(&store, &source, "--parent-passphrase-file")?;
    let cert = certinfo::parse(&signer.cert_der)?;
    if !certinfo::is_ca(&cert) {
        bail!("the certificate of --parent {} is not a CA certificate", parent.display());
    }
    // RFC 5280 pathLenConstraint: how many CAs may follow this one in a path.
    let parent_len = match cert.basic_constraints() {
        Ok(Some(bc)) => bc.value.path_len_constraint,
        _ => None,
    };
    if let Some(max) = parent_len {
        if max == 0 {
            return Err(hinted(
                format!(
                    "the parent CA {} has pathLen 0: it may sign only leaf certificates, not a CA",
                    parent.display()
                ),
                "sign the intermediate with a CA above it, or re-create that CA with a larger --path-len",
            ));
        }
        let child = u32::from(args.path_len.unwrap_or(0));
        if child >= max {
            bail!("--path-len {child} is not below the parent CA's pathLen {max}");
        }
    }
    if let Ok(Some(ku)) = cert.key_usage() {
        if !ku.value.key_cert_sign() {
            bail!("the parent CA's keyUsage lacks keyCertSign: it cannot sign certificates");
        }
    }
    let not_after = certinfo::not_after(&cert);
    let chain = store.ca_chain_ders()?;
    // The new CA's name and its own constraints must fit every CA above it.
    policy::check_names_in_chain(&chain, args.common_name(), &[]).context("invalid --cn")?;
    policy::check_subtrees_in_chain(&chain, &args.permitted_dns)?;
    Ok(Parent { store, signer, not_after, chain })
}

/// An intermediate never outlives its parent: the default is cut with a notice,
/// an explicit --validity past the parent's expiry is refused.
fn intermediate_not_after(
    ctx: &Ctx,
    args: &InitCaArgs,
    wanted: OffsetDateTime,
    parent_end: OffsetDateTime,
) -> anyhow::Result<OffsetDateTime> {
    if wanted <= parent_end {
        return Ok(wanted);
    }
    if let Some(v) = &args.validity {
        return Err(hinted(
            format!(
                "--validity {} would end on {}, after the parent CA expires on {}",
                v.text(),
                human_time(wanted),
                human_time(parent_end)
            ),
            format!(
                "choose a validity of at most {}, or omit --validity to end with the parent",
                common::longest_validity(parent_end - OffsetDateTime::now_utc())
            ),
        ));
    }
    ctx.info(format!(
        "note: the default validity (5y) would outlast the parent CA; the intermediate ends with it on {}",
        human_time(parent_end)
    ));
    Ok(parent_end)
}

/// The new CA's names and validity, checked before anything is asked or made.
fn checked_validity(args: &InitCaArgs) -> anyhow::Result<time::Duration> {
    names::check_common_name(args.common_name()).context("invalid --cn")?;
    for d in args.permitted_dns.iter().chain(&args.excluded_dns) {
        names::check_dns_name(d.trim_start_matches('.')).with_context(|| format!("invalid name constraint '{d}'"))?;
    }
    let default = || Parsed::new(if args.parent.is_some() { "5y" } else { "10y" });
    let validity_flag = args.validity.clone().unwrap_or_else(default);
    let validity = validity_flag.get().context("invalid --validity")?;
    if validity <= time::Duration::ZERO {
        bail!("--validity {} is zero: a CA must be valid for some time (e.g. 10y)", validity_flag.text());
    }
    Ok(validity)
}

/// The new CA key's passphrase: the file or environment, else a prompt unless batch; none is a warning.
fn new_key_passphrase(ctx: &Ctx, args: &InitCaArgs, dir: &Path) -> anyhow::Result<Option<Zeroizing<String>>> {
    let passphrase = match args.pass.source(ctx).given()? {
        Some(p) => Some(p),
        None if !ctx.batch => crate::prompt::new_passphrase("Passphrase for the new CA key (empty for none)")?,
        None => None,
    };
    if passphrase.is_none() {
        ctx.warn(format!(
            "the CA key is not encrypted (pass --passphrase-file or set {PASSPHRASE_ENV} to encrypt it); protect {} with file permissions",
            Paths::standard(dir).ca_key.display()
        ));
    }
    Ok(passphrase)
}

pub fn run(ctx: &Ctx, args: &InitCaArgs) -> anyhow::Result<Outcome> {
    let dir = &ctx.global.dir;
    refuse_existing(dir)?;
    let urls = args.urls()?;
    let validity = checked_validity(args)?;
    // Open the parent and unlock its key before asking anything about the new CA.
    let parent = match &args.parent {
        Some(p) => Some(open_parent(ctx, p, dir, args)?),
        None => None,
    };
    let passphrase = new_key_passphrase(ctx, args, dir)?;

    if args.key_type.is_slow() {
        ctx.info(format!("generating a {} key (this takes a few seconds)...", args.key_type.name()));
    }
    let key = args.key_type.generate()?;
    let now = OffsetDateTime::now_utc();
    let mut spec = CaSpec {
        cn: args.common_name().to_string(),
        org: args.org.clone(),
        path_len: args.path_len,
        permitted_dns: args.permitted_dns.clone(),
        excluded_dns: args.excluded_dns.clone(),
        not_before: now - BACKDATE,
        not_after: now + validity,
        serial: Vec::new(),
        intermediate: parent.is_some(),
    };
    let key_pem = keys::to_pkcs8_pem(&key, passphrase.as_ref().map(|p| p.as_str()))?;
    let root = fsio::absolute(dir)?;
    let cert_der = match &parent {
        None => {
            spec.serial = build::random_serial()?;
            let der = build::self_sign(&build::ca_params(&spec), &key)?;
            init::create(&root, &der, std::slice::from_ref(&der), key_pem.as_bytes(), &urls)?;
            der
        }
        Some(p) => {
            spec.path_len = Some(args.path_len.unwrap_or(0));
            spec.not_after = intermediate_not_after(ctx, args, now + validity, p.not_after)?;
            refuse_same_subject(&spec, &key, &p.chain)?;
            // The parent records the certificate only once the new store holds its key.
            let issued = init::create_intermediate(&p.store, &p.signer, &spec, &key, &root, key_pem.as_bytes(), &urls);
            ctx.notices(&p.store);
            issued?.der
        }
    };

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
        not_before: rfc3339(certinfo::not_before(&cert)),
        not_after: rfc3339(certinfo::not_after(&cert)),
        openssl_cnf: paths.cnf.display().to_string(),
        parent: parent.as_ref().map(|p| p.store.paths.root.display().to_string()),
        ca_chain: paths.ca_chain.display().to_string(),
        urls,
    };
    ctx.emit(&out)?;
    let shown = show_path(&root);
    ctx.info(format!(
        "Created {} CA \"{}\" ({}) in {shown}/, valid until {}.\n  CA certificate: {}\n  CA key:         {}{}\n\nNext:\n  mtlsctl{} issue --cn my-service                               # a client certificate\n  mtlsctl{} issue --cn api.example.com --profile server         # a server certificate",
        if parent.is_some() { "intermediate" } else { "root" },
        args.common_name(),
        args.key_type.name(),
        human_time(certinfo::not_after(&cert)),
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

const CHOOSE: &str = "choose another --dir; init-ca never touches an existing directory";

fn refuse_existing(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(hinted(format!("refusing to create a CA in {}: it is not a directory", dir.display()), CHOOSE));
    }
    let non_empty = std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?.next().is_some();
    if !non_empty {
        return Ok(());
    }
    let shown = dir.display();
    // A CA is already there: say what it is and how to use it, not only where else to go.
    if let Some(store) = Store::peek(dir) {
        let use_it = format!("mtlsctl{} list", dir_flag(dir));
        return Err(if store.is_easyrsa() {
            hinted(
                format!("refusing to create a CA in {shown}: it already exists, as an easy-rsa PKI"),
                format!("mtlsctl can use it as is (e.g. `{use_it}`); init-ca never touches an existing store"),
            )
        } else {
            hinted(
                format!("refusing to create a CA in {shown}: it already exists and holds a CA store"),
                format!("use it as it is (e.g. `{use_it}`), or choose another --dir"),
            )
        });
    }
    if crate::store::is_easyrsa_pki_without_ca(dir) {
        return Err(hinted(
            format!("refusing to create a CA in {shown}: it already exists, as an easy-rsa PKI without a CA yet"),
            "run `easyrsa build-ca` there, and mtlsctl uses the PKI as is; or choose another --dir",
        ));
    }
    Err(hinted(format!("refusing to create a CA in {shown}: it already exists and is not empty"), CHOOSE))
}
