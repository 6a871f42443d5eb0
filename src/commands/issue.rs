//! `mtlsctl issue`: generate a key and a certificate for a subject in one step.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use serde::Serialize;
use time::OffsetDateTime;

use super::common::{self, PassArgs, show_path};
use crate::Outcome;
use crate::output::{Ctx, hinted};
use crate::pki::build::{BACKDATE, LeafSpec, Profile, Signer, leaf_params};
use crate::pki::keys::{self, KeyType};
use crate::pki::names::{self, San};
use crate::pki::{certinfo, policy};
use crate::store::Store;
use crate::store::fsio::{self, Mode};
use crate::util;

/// Generate a key and a certificate for a subject in one step
///
/// Writes cert.pem, key.pem (0600), chain.pem (leaf and intermediates: what
/// nginx `ssl_certificate` and curl `--cert` want) and ca.pem (the root to
/// trust) into issued/<cn>/, and records the certificate in index.txt.
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl issue --cn payment-service
  mtlsctl issue --cn api.example.com --profile server --san dns:api.example.com --san ip:10.0.0.5
  mtlsctl issue --cn payments --spiffe-id spiffe://example.org/ns/prod/sa/payments --validity 24h")]
pub struct IssueArgs {
    /// The subject's common name (the identity servers see)
    #[arg(long)]
    pub cn: String,
    /// The subject's organization (O)
    #[arg(long)]
    pub org: Option<String>,
    /// A subject alternative name: dns:NAME, ip:ADDR, uri:URI or email:ADDR (repeatable)
    #[arg(long, value_name = "TYPE:VALUE")]
    pub san: Vec<String>,
    /// Make a SPIFFE X.509-SVID with this ID as its one URI SAN (peer profile unless --profile)
    #[arg(long, value_name = "SPIFFE_ID")]
    pub spiffe_id: Option<String>,
    /// What the certificate is for [default: client; peer with --spiffe-id]
    #[arg(long, value_enum)]
    pub profile: Option<Profile>,
    /// How long the certificate is valid (e.g. 24h, 7d, 90d, 1y)
    #[arg(long, default_value = "90d")]
    pub validity: String,
    /// Key algorithm
    #[arg(long, value_enum, default_value_t = KeyType::EcP256)]
    pub key_type: KeyType,
    /// Write the files here instead of issued/<cn>/
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace files already in the output directory
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub pass: PassArgs,
}

/// What `issue` and `sign` report.
#[derive(Serialize)]
pub struct Issued {
    pub serial: String,
    pub subject: String,
    pub common_name: String,
    pub profile: Profile,
    pub sans: Vec<San>,
    pub key_type: String,
    pub not_before: String,
    pub not_after: String,
    pub cert: String,
    pub key: Option<String>,
    pub chain: String,
    pub ca: String,
    pub newcert: String,
}

/// The subject part of issue/csr arguments, validated.
pub struct Subject {
    pub cn: String,
    pub org: Option<String>,
    pub sans: Vec<San>,
    pub profile: Profile,
    pub spiffe: bool,
}

/// Validate CN, SANs and SPIFFE ID; apply the profile defaults.
pub fn subject_from_args(
    cn: &str,
    org: Option<&str>,
    san: &[String],
    spiffe_id: Option<&str>,
    profile: Option<Profile>,
) -> anyhow::Result<Subject> {
    names::check_common_name(cn).context("invalid --cn")?;
    let mut sans = Vec::new();
    for s in san {
        let parsed = San::parse(s)?;
        if !sans.contains(&parsed) {
            sans.push(parsed);
        }
    }
    if let Some(id) = spiffe_id {
        names::check_spiffe_id(id)?;
        if sans.iter().any(|s| matches!(s, San::Uri(_))) {
            bail!(
                "--spiffe-id makes the certificate's only URI SAN; remove the uri: --san (an X.509-SVID has exactly one)"
            );
        }
        sans.insert(0, San::Uri(id.to_string()));
    }
    let profile = profile.unwrap_or(if spiffe_id.is_some() { Profile::Peer } else { Profile::Client });
    // A server certificate without SANs fails hostname checks everywhere.
    if profile != Profile::Client && !sans.iter().any(|s| matches!(s, San::Dns(_) | San::Ip(_))) && spiffe_id.is_none()
    {
        if let Ok(ip) = cn.parse() {
            sans.push(San::Ip(ip));
        } else if names::check_dns_name(cn).is_ok() {
            sans.push(San::Dns(cn.to_ascii_lowercase()));
        } else if profile == Profile::Server {
            bail!("--profile server needs a DNS name or IP: '{cn}' is neither; add --san dns:NAME");
        }
    }
    Ok(Subject { cn: cn.to_string(), org: org.map(str::to_string), sans, profile, spiffe: spiffe_id.is_some() })
}

/// Refuse to overwrite an identity's files unless asked.
pub fn check_out_dir(dir: &Path, force: bool) -> anyhow::Result<()> {
    if !force && dir.join("cert.pem").exists() {
        return Err(hinted(
            format!("{} already holds a certificate", dir.display()),
            "pass --force to replace it, or --out DIR to write elsewhere",
        ));
    }
    Ok(())
}

/// Sign a leaf for `subject_key` under the lock and record it with its files.
pub struct LeafJob<'a> {
    pub store: &'a Store,
    pub signer: &'a Signer,
    pub subject: &'a Subject,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    pub spki: &'a [u8],
    pub rsa_key: bool,
    pub key_pem: Option<&'a [u8]>,
    pub out_dir: &'a Path,
    pub extra: Vec<(PathBuf, Vec<u8>, Mode)>,
}

/// Sign and record; returns the certificate DER.
pub fn sign_and_record(job: LeafJob<'_>) -> anyhow::Result<(Vec<u8>, String)> {
    let chain = job.store.ca_chain_ders()?;
    let _lock = job.store.lock()?;
    // Only once the store is known to be usable, so a refused command leaves no empty directory.
    fsio::create_dir(job.out_dir, true)?;
    let (serial, serial_hex) = job.store.new_serial()?;
    let spec = LeafSpec {
        cn: job.subject.cn.clone(),
        org: job.subject.org.clone(),
        sans: job.subject.sans.clone(),
        profile: job.subject.profile,
        spiffe: job.subject.spiffe,
        not_before: job.not_before,
        not_after: job.not_after,
        serial,
        rsa_key: job.rsa_key,
    };
    let params = leaf_params(&spec)?;
    let public =
        rcgen::SubjectPublicKeyInfo::from_der(job.spki).map_err(|e| anyhow::anyhow!("unusable public key: {e}"))?;
    let der = job.signer.sign(&params, &public)?;
    let leaf_pem = certinfo::to_pem(&der);
    // chain.pem: the leaf and the intermediates, never the root.
    let mut chain_pem = leaf_pem.clone();
    for c in chain.iter().take(chain.len().saturating_sub(1)) {
        chain_pem.push_str(&certinfo::to_pem(c));
    }
    let root_pem = certinfo::to_pem(chain.last().map_or(&job.signer.cert_der, |v| v));
    let mut outputs = vec![
        (job.out_dir.join("cert.pem"), leaf_pem.into_bytes(), Mode::Public),
        (job.out_dir.join("chain.pem"), chain_pem.into_bytes(), Mode::Public),
        (job.out_dir.join("ca.pem"), root_pem.into_bytes(), Mode::Public),
    ];
    if let Some(k) = job.key_pem {
        outputs.insert(0, (job.out_dir.join("key.pem"), k.to_vec(), Mode::Secret));
    }
    outputs.extend(job.extra);
    if job.store.is_easyrsa() {
        outputs.extend(easyrsa_outputs(job.store, &job.subject.cn, &der, job.key_pem, job.out_dir)?);
    }
    job.store.record(&der, &outputs)?;
    Ok((der, serial_hex))
}

/// In an easy-rsa PKI the certificate and key also go where easy-rsa keeps them
/// (issued/<name>.crt, private/<name>.key), so `easyrsa show-cert`, `revoke` and
/// `renew` find them; issued/<name>/ still holds chain.pem and ca.pem.
fn easyrsa_outputs(
    store: &Store,
    cn: &str,
    der: &[u8],
    key_pem: Option<&[u8]>,
    out_dir: &Path,
) -> anyhow::Result<Vec<(PathBuf, Vec<u8>, Mode)>> {
    let name = common::safe_dir_name(cn);
    let crt = store.paths.issued.join(format!("{name}.crt"));
    if crt.exists() && !out_dir.join("cert.pem").exists() {
        return Err(hinted(
            format!("easy-rsa already issued {}", crt.display()),
            format!("revoke it first (easyrsa revoke {name} or mtlsctl revoke --cn {cn}), or choose another --cn"),
        ));
    }
    let mut out = vec![(crt, certinfo::to_pem(der).into_bytes(), Mode::Public)];
    if let Some(k) = key_pem {
        out.push((store.paths.root.join("private").join(format!("{name}.key")), k.to_vec(), Mode::Secret));
    }
    Ok(out)
}

pub fn run(ctx: &Ctx, args: &IssueArgs) -> anyhow::Result<Outcome> {
    let subject = subject_from_args(&args.cn, args.org.as_deref(), &args.san, args.spiffe_id.as_deref(), args.profile)?;
    util::parse_duration(&args.validity).context("invalid --validity")?;
    let store = Store::open(&ctx.global.dir)?;
    let out_dir = common::identity_dir(&store, &args.cn, args.out.as_deref());
    check_out_dir(&out_dir, args.force)?;
    let signer = store.signer(&args.pass.source(ctx))?;
    let ca = certinfo::parse(&signer.cert_der)?;
    let now = OffsetDateTime::now_utc();
    let not_after = common::not_after_within_ca(&args.validity, now, certinfo::not_after(&ca))?;
    policy::check_names(&ca, &subject.cn, &subject.sans)?;

    if args.key_type.is_slow() {
        ctx.info(format!("generating a {} key (this takes a few seconds)...", args.key_type.name()));
    }
    let key = args.key_type.generate()?;
    let key_pem = keys::to_pkcs8_pem(&key, None)?;
    let spki = rcgen::PublicKeyData::subject_public_key_info(&key);
    let (der, serial) = sign_and_record(LeafJob {
        store: &store,
        signer: &signer,
        subject: &subject,
        not_before: now - BACKDATE,
        not_after,
        spki: &spki,
        rsa_key: args.key_type.is_rsa(),
        key_pem: Some(key_pem.as_bytes()),
        out_dir: &out_dir,
        extra: Vec::new(),
    })?;
    report(ctx, &store, &der, &serial, &subject, &out_dir, true)?;
    common::warn_ca_expiry(ctx, certinfo::not_after(&ca));
    common::warn_crl_expiry(ctx, &store);
    Ok(Outcome::Done)
}

/// Print what was issued (issue and sign).
pub fn report(
    ctx: &Ctx,
    store: &Store,
    der: &[u8],
    serial: &str,
    subject: &Subject,
    out_dir: &Path,
    with_key: bool,
) -> anyhow::Result<()> {
    let cert = certinfo::parse(der)?;
    let na = certinfo::not_after(&cert);
    let issued = Issued {
        serial: serial.to_string(),
        subject: names::display_name(cert.subject()),
        common_name: subject.cn.clone(),
        profile: subject.profile,
        sans: subject.sans.clone(),
        key_type: keys::describe_spki(cert.public_key().raw).unwrap_or_default(),
        not_before: util::rfc3339(certinfo::not_before(&cert)),
        not_after: util::rfc3339(na),
        cert: out_dir.join("cert.pem").display().to_string(),
        key: with_key.then(|| out_dir.join("key.pem").display().to_string()),
        chain: out_dir.join("chain.pem").display().to_string(),
        ca: out_dir.join("ca.pem").display().to_string(),
        newcert: store.paths.newcert(serial).display().to_string(),
    };
    ctx.emit(&issued)?;
    let sans = if subject.sans.is_empty() {
        String::new()
    } else {
        format!(" [{}]", subject.sans.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
    };
    let mut text = format!(
        "Issued {} certificate for \"{}\"{sans}\n  serial {serial}, valid until {} ({} days)\n  cert:  {}\n",
        subject.profile.name(),
        subject.cn,
        util::human_time(na),
        util::days_left(na),
        show_path(&out_dir.join("cert.pem")),
    );
    if with_key {
        text.push_str(&format!("  key:   {}\n", show_path(&out_dir.join("key.pem"))));
    }
    text.push_str(&format!(
        "  chain: {}\n  ca:    {}",
        show_path(&out_dir.join("chain.pem")),
        show_path(&out_dir.join("ca.pem"))
    ));
    ctx.info(text);
    Ok(())
}
