//! `mtlsctl sign`: the CA side of a request. Proof of possession, the CA's
//! policy, then the same locked transaction as `issue`, without a key.

use std::path::PathBuf;

use anyhow::{Context, anyhow, bail};
use clap::Args;
use time::OffsetDateTime;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;

use super::common::{self, PassArgs, safe_dir_name, show_path};
use super::issue::{LeafJob, check_out_dir, report, sign_and_record, subject_from_args};
use crate::Outcome;
use crate::output::{Ctx, hinted};
use crate::pki::build::{BACKDATE, Profile};
use crate::pki::names::San;
use crate::pki::{certinfo, keys, policy};
use crate::store::Store;
use crate::store::fsio::{self, Mode};
use crate::util;

/// Sign a certificate request (PKCS#10) with the store's CA
///
/// Checks the request's signature (proof that the requester holds the key),
/// takes only its subject CN and O and its SANs, and applies --profile and
/// --validity exactly like `issue`: CA flags, key usages and any other
/// extensions the request asks for are never copied. The request is kept
/// under csr/ and the certificate written to issued/<cn>/ (no key.pem).
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl sign payment-service/csr.pem
  mtlsctl sign api.csr --profile server --validity 30d
  mtlsctl sign request.der --out ./signed --json | jq -r .serial")]
pub struct SignArgs {
    /// The request: PEM or DER, or - for standard input
    pub csr: PathBuf,
    /// What the certificate is for [default: client; peer for a SPIFFE ID request]
    #[arg(long, value_enum)]
    pub profile: Option<Profile>,
    /// How long the certificate is valid (e.g. 24h, 7d, 90d, 1y)
    #[arg(long, default_value = "90d")]
    pub validity: String,
    /// Write the files here instead of issued/<cn>/
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace files already in the output directory
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub pass: PassArgs,
}

/// What a request asks for, reduced to what the CA takes from it.
pub struct Request {
    pub der: Vec<u8>,
    pub cn: String,
    pub org: Option<String>,
    pub sans: Vec<San>,
    pub spki: Vec<u8>,
    pub key_type: String,
    /// Subject attributes other than CN and O, which are dropped.
    pub dropped_attrs: Vec<String>,
    /// Requested extensions other than subjectAltName, which are ignored.
    pub ignored_exts: Vec<String>,
}

/// The DER of the one request in PEM or DER bytes.
fn request_der(bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    if bytes.is_empty() {
        bail!("the file is empty");
    }
    if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        let blocks = pem::parse_many(bytes).map_err(|e| anyhow!("malformed PEM: {e}"))?;
        return blocks
            .into_iter()
            .find(|p| p.tag() == "CERTIFICATE REQUEST" || p.tag() == "NEW CERTIFICATE REQUEST")
            .map(pem::Pem::into_contents)
            .ok_or_else(|| anyhow!("no CERTIFICATE REQUEST block in this PEM file"));
    }
    crate::pki::certinfo::refuse_plain_text(bytes, "a certificate request", "CERTIFICATE REQUEST")?;
    Ok(bytes.to_vec())
}

/// Parse a request and check its self-signature.
pub fn parse_request(bytes: &[u8]) -> anyhow::Result<Request> {
    let der = request_der(bytes)?;
    let (rest, req) =
        X509CertificationRequest::from_der(&der).map_err(|e| anyhow!("not a PKCS#10 certificate request: {e}"))?;
    if !rest.is_empty() {
        bail!("{} bytes of garbage after the certificate request", rest.len());
    }
    req.verify_signature().map_err(|e| {
        anyhow!("the request's signature does not verify ({e}): it was altered, or not signed by the key it carries")
    })?;
    let info = &req.certification_request_info;
    let mut cn = None;
    let mut org = None;
    let mut dropped_attrs = Vec::new();
    for rdn in info.subject.iter() {
        for attr in rdn.iter() {
            let value = attr.as_str().map(str::to_string);
            match attr.attr_type().to_id_string().as_str() {
                "2.5.4.3" if cn.is_none() => {
                    cn = Some(value.map_err(|_| anyhow!("the request's commonName is not a text string"))?)
                }
                "2.5.4.10" if org.is_none() => {
                    org = Some(value.map_err(|_| anyhow!("the request's organizationName is not a text string"))?)
                }
                oid => dropped_attrs.push(oid.to_string()),
            }
        }
    }
    let Some(cn) = cn else {
        bail!("the request has no commonName (CN) in its subject; mtlsctl names certificates by CN");
    };
    let mut sans = Vec::new();
    let mut ignored_exts = Vec::new();
    if let Some(exts) = req.requested_extensions() {
        for ext in exts {
            match ext {
                ParsedExtension::SubjectAlternativeName(s) => {
                    for gn in &s.general_names {
                        let san = San::from_general_name(gn).ok_or_else(|| {
                            anyhow!(
                                "the request asks for a subject alternative name mtlsctl cannot issue ({})",
                                general_name_kind(gn)
                            )
                        })?;
                        sans.push(san);
                    }
                }
                ParsedExtension::BasicConstraints(bc) => {
                    ignored_exts.push(format!("basicConstraints CA:{}", if bc.ca { "TRUE" } else { "FALSE" }))
                }
                ParsedExtension::KeyUsage(_) => ignored_exts.push("keyUsage".into()),
                ParsedExtension::ExtendedKeyUsage(_) => ignored_exts.push("extendedKeyUsage".into()),
                ParsedExtension::NameConstraints(_) => ignored_exts.push("nameConstraints".into()),
                ParsedExtension::SubjectKeyIdentifier(_) => ignored_exts.push("subjectKeyIdentifier".into()),
                _ => ignored_exts.push("other".into()),
            }
        }
    }
    let spki = info.subject_pki.raw.to_vec();
    let key_type = keys::describe_spki(&spki).unwrap_or_else(|| "unknown".into());
    Ok(Request { der: der.clone(), cn, org, sans, spki, key_type, dropped_attrs, ignored_exts })
}

fn general_name_kind(gn: &GeneralName<'_>) -> &'static str {
    match gn {
        GeneralName::OtherName(..) => "otherName",
        GeneralName::X400Address(_) => "x400Address",
        GeneralName::DirectoryName(_) => "directoryName",
        GeneralName::EDIPartyName(_) => "ediPartyName",
        GeneralName::RegisteredID(_) => "registeredID",
        GeneralName::IPAddress(_) => "a malformed IP address",
        _ => "an unsupported name",
    }
}

/// Refuse keys no modern peer accepts rather than issue a certificate that fails later.
fn check_key(key_type: &str) -> anyhow::Result<()> {
    if let Some(bits) = key_type.strip_prefix("rsa-").and_then(|b| b.parse::<u32>().ok()) {
        if bits < 2048 {
            bail!("the request's key is RSA {bits} bits; at least 2048 are required");
        }
        return Ok(());
    }
    match key_type {
        "ec-p256" | "ec-p384" | "ed25519" => Ok(()),
        other => bail!("the request's key type ({other}) is not supported: use ec-p256, ec-p384, ed25519 or RSA"),
    }
}

pub fn run(ctx: &Ctx, args: &SignArgs) -> anyhow::Result<Outcome> {
    let name = if args.csr.as_os_str() == "-" { "standard input".to_string() } else { args.csr.display().to_string() };
    let bytes = fsio::read_input(&args.csr)?;
    let req = parse_request(&bytes).with_context(|| format!("cannot use the request {name}"))?;
    check_key(&req.key_type).with_context(|| format!("cannot use the request {name}"))?;
    util::parse_duration(&args.validity).context("invalid --validity")?;

    // A SPIFFE request is recognised by its one spiffe:// URI SAN, so it gets the SVID shape.
    let uris: Vec<&String> = req.sans.iter().filter_map(|s| if let San::Uri(u) = s { Some(u) } else { None }).collect();
    let spiffe_id = match uris.as_slice() {
        [one] if one.starts_with("spiffe://") => Some(one.as_str()),
        _ => None,
    };
    let other_sans: Vec<String> = req
        .sans
        .iter()
        .filter(|s| !matches!((s, spiffe_id), (San::Uri(u), Some(id)) if u == id))
        .map(ToString::to_string)
        .collect();
    let subject = subject_from_args(&req.cn, req.org.as_deref(), &other_sans, spiffe_id, args.profile)
        .with_context(|| format!("the request {name} asks for names mtlsctl cannot issue"))?;

    let store = Store::open(&ctx.global.dir)?;
    let out_dir = common::identity_dir(&store, &subject.cn, args.out.as_deref());
    check_out_dir(&out_dir, args.force)?;
    let signer = store.signer(&args.pass.source(ctx))?;
    let ca = certinfo::parse(&signer.cert_der)?;
    let now = OffsetDateTime::now_utc();
    let not_after = common::not_after_within_ca(&args.validity, now, certinfo::not_after(&ca))?;
    policy::check_names(&ca, &subject.cn, &subject.sans).map_err(|e| {
        hinted(
            format!("refusing to sign {name}: {e}"),
            "the CA may only sign names inside its constraints; ask for a name there",
        )
    })?;

    if !req.ignored_exts.is_empty() {
        ctx.info(format!(
            "note: ignoring extensions the request asks for ({}); the {} profile decides them",
            req.ignored_exts.join(", "),
            subject.profile.name()
        ));
    }
    if !req.dropped_attrs.is_empty() {
        ctx.info("note: the certificate's subject keeps only CN and O from the request");
    }

    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &req.der);
    let csr_file = store.paths.csr_dir.join(format!(
        "{}-{}.csr",
        safe_dir_name(&subject.cn),
        util::hex_upper(&digest.as_ref()[..6])
    ));
    let csr_pem = pem::encode_config(
        &pem::Pem::new("CERTIFICATE REQUEST", req.der.clone()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    );
    fsio::create_dir(&store.paths.csr_dir, false)?;
    let rsa_key = req.key_type.starts_with("rsa-");
    let (der, serial) = sign_and_record(LeafJob {
        store: &store,
        signer: &signer,
        subject: &subject,
        not_before: now - BACKDATE,
        not_after,
        spki: &req.spki,
        rsa_key,
        key_pem: None,
        out_dir: &out_dir,
        extra: vec![(csr_file.clone(), csr_pem.into_bytes(), Mode::Public)],
    })?;
    report(ctx, &store, &der, &serial, &subject, &out_dir, false)?;
    ctx.info(format!("  request kept as {}", show_path(&csr_file)));
    common::warn_ca_expiry(ctx, certinfo::not_after(&ca));
    common::warn_crl_expiry(ctx, &store);
    Ok(Outcome::Done)
}
