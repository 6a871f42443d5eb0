//! `mtlsctl verify`: would a TLS peer accept this certificate? Reads the
//! certificate, the trust anchors and CRLs (files or the store), asks the
//! pki policy and prints its verdict.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use serde::Serialize;
use time::OffsetDateTime;
use x509_parser::prelude::FromDer;

use super::common::{self, show_path};
use crate::Outcome;
use crate::cli::Parsed;
use crate::output::{Ctx, hinted};
use crate::pki::dates;
use crate::pki::names;
use crate::pki::ocsp::Checked;
use crate::pki::reason::Reason;
use crate::pki::verify::{self as policy, Code, Labels, MissingCaCrl, Request, Revocation, Subject, Verdict};
use crate::pki::{certinfo, crl};
use crate::store::Store;
use crate::store::fsio;
use crate::store::index::Status;

/// Check a certificate against the CA, its CRL, a purpose and a name
///
/// Builds the path from CERT to the store's CA (or the CAs in --ca FILE),
/// checks validity at --at (default now), revocation in the store's CRL (or
/// --crl FILE), the purpose (default: each one the certificate's extended key
/// usage names) and --hostname/--ip/--email. Exit 0 when valid, 3 when not (with the
/// reason), 1 when the check itself could not run.
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl verify pki/issued/payment-service/cert.pem
  mtlsctl verify server.pem --purpose server --hostname api.example.com --at 2026-06-01
  mtlsctl verify client.pem --ca roots.pem --crl ca.crl --json | jq -r .code")]
pub struct VerifyArgs {
    /// The certificate (PEM or DER, or - for standard input); more certificates
    /// after it in the file are used as intermediates
    pub cert: PathBuf,
    /// Trust the CAs in FILE (roots and intermediates, PEM) instead of the store's CA
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// Check revocation against the CRLs in FILE (PEM or DER) instead of the store's CRL
    #[arg(long, value_name = "FILE", conflicts_with = "no_crl")]
    pub crl: Option<PathBuf>,
    /// Skip the revocation check
    #[arg(long)]
    pub no_crl: bool,
    /// The use to check [default: each purpose the certificate's extended key usage names]
    #[arg(long, value_enum)]
    pub purpose: Option<Purpose>,
    /// Also check that the certificate is valid for this DNS name
    #[arg(long, value_name = "NAME")]
    pub hostname: Option<String>,
    /// Also check that the certificate is valid for this IP address
    #[arg(long, value_name = "ADDR")]
    pub ip: Option<IpAddr>,
    /// Also check that the certificate is valid for this e-mail address
    #[arg(long, value_name = "ADDR")]
    pub email: Option<String>,
    /// Verify as of TIME (RFC 3339, a date, or now+7d) instead of now
    #[arg(long, value_name = "TIME")]
    pub at: Option<Parsed<OffsetDateTime>>,
    /// Accept at most N intermediate CAs between the certificate and the trust
    /// anchor (as nginx ssl_verify_depth and openssl verify -verify_depth)
    #[arg(long, value_name = "N")]
    pub max_depth: Option<usize>,
    /// Also check revocation by OCSP, at the responder the certificate's authorityInfoAccess names
    #[arg(long)]
    pub ocsp: bool,
    /// Also check revocation by OCSP at URL (e.g. `mtlsctl ocsp serve`'s http://127.0.0.1:8888/)
    #[arg(long, value_name = "URL", conflicts_with = "ocsp")]
    pub ocsp_url: Option<String>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// TLS client authentication (EKU clientAuth)
    Client,
    /// TLS server authentication (EKU serverAuth)
    Server,
}

impl From<Purpose> for policy::Purpose {
    fn from(p: Purpose) -> Self {
        match p {
            Purpose::Client => Self::Client,
            Purpose::Server => Self::Server,
        }
    }
}

#[derive(Serialize)]
struct VerifyReport {
    valid: bool,
    code: Code,
    message: String,
    certificate: String,
    subject: String,
    issuer: String,
    serial: String,
    not_before: String,
    not_after: String,
    purposes: Vec<policy::Purpose>,
    hostname: Option<String>,
    ip: Option<IpAddr>,
    email: Option<String>,
    max_depth: Option<usize>,
    at: String,
    revocation_checked: bool,
    crl: Option<String>,
    crl_next_update: Option<String>,
    revoked_at: Option<String>,
    reason: Option<Reason>,
    /// The OCSP responder asked (--ocsp, --ocsp-url).
    ocsp: Option<String>,
    /// Its answer: `good`, `revoked`, `unknown`; `unchecked` when it could not be asked
    /// and the certificate was refused anyway.
    ocsp_status: Option<&'static str>,
}

type Der = Vec<u8>;

fn load_crl_file(path: &Path) -> anyhow::Result<Vec<Vec<u8>>> {
    let bytes = fsio::read(path)?;
    crl::load_crls(&bytes).with_context(|| format!("cannot read the CRL {}", path.display()))
}

/// Where trust comes from: anchors, the intermediates known beside them, and how to name them.
struct Trust {
    anchors: Vec<Der>,
    intermediates: Vec<Der>,
    label: String,
}

fn trust(args: &VerifyArgs, store: Option<&Store>) -> anyhow::Result<Trust> {
    match (&args.ca, store) {
        (Some(file), _) => {
            let ders = certinfo::cert_blocks(&fsio::read(file)?)
                .with_context(|| format!("cannot read --ca {}", file.display()))?;
            let (anchors, intermediates) = policy::split_anchors(ders);
            Ok(Trust { anchors, intermediates, label: format!("among the CAs in {}", file.display()) })
        }
        (None, Some(s)) => {
            let mut chain = s.ca_chain_ders()?;
            let root = chain.pop().context("the store has no CA certificate")?;
            let ca = certinfo::parse(&s.ca_cert_der()?)?.subject().to_string();
            Ok(Trust { anchors: vec![root], intermediates: chain, label: format!("this CA ({ca})") })
        }
        (None, None) => bail!("no CA to verify against: pass --ca FILE or --dir DIR"),
    }
}

/// Where revocation comes from. A store CRL only applies to the store's own CA.
fn crls(ctx: &Ctx, args: &VerifyArgs, store: Option<&Store>) -> anyhow::Result<(Vec<Der>, Option<String>)> {
    if args.no_crl {
        return Ok((Vec::new(), None));
    }
    if let Some(f) = &args.crl {
        return Ok((load_crl_file(f)?, Some(f.display().to_string())));
    }
    if let (None, Some(s)) = (&args.ca, store) {
        if s.paths.crl.exists() {
            let mut crls = load_crl_file(&s.paths.crl)?;
            // An intermediate store: its parents' CRLs (gen-crl bundles them in
            // ca-chain.crl) say whether this CA itself was revoked.
            if s.paths.chain_crl.exists() {
                let own = certinfo::parse(&s.ca_cert_der()?)?.subject().as_raw().to_vec();
                let parents = load_crl_file(&s.paths.chain_crl)?
                    .into_iter()
                    .filter(|d| crl::parse(d).is_ok_and(|c| c.issuer().as_raw() != own.as_slice()));
                crls.extend(parents);
            }
            return Ok((crls, Some(show_path(&s.paths.crl))));
        }
        ctx.warn(format!(
            "the store has no CRL yet ({}): revocation not checked; publish one with `mtlsctl gen-crl`",
            show_path(&s.paths.crl)
        ));
        return Ok((Vec::new(), None));
    }
    ctx.info("note: no CRL given (--crl FILE): revocation not checked");
    Ok((Vec::new(), None))
}

/// index.txt knows of revocations the published CRL may not list yet.
fn warn_unpublished_revocation(ctx: &Ctx, store: &Store, leaf_der: &[u8], crls: &[Der]) -> anyhow::Result<()> {
    let Ok(leaf) = certinfo::parse(leaf_der) else { return Ok(()) };
    let serial = certinfo::serial_hex(&leaf);
    let ca_subject = certinfo::parse(&store.ca_cert_der()?)?.subject().as_raw().to_vec();
    if leaf.issuer().as_raw() == ca_subject.as_slice()
        && let Ok(Some(e)) = store.find_entry(&serial)
        && e.status().ok() == Some(Status::Revoked)
    {
        let in_crl = crls.iter().any(|c| crl::find(c, leaf.issuer().as_raw(), leaf.raw_serial()).is_some());
        if !in_crl {
            ctx.warn(format!(
                "index.txt marks {serial} revoked, but the published CRL does not list it yet: servers still accept it; run `mtlsctl gen-crl` and reload them"
            ));
        }
    }
    Ok(())
}

pub fn run(ctx: &Ctx, args: &VerifyArgs) -> anyhow::Result<Outcome> {
    let at = match &args.at {
        Some(t) => t.get().context("invalid --at")?,
        // Now, to the second: the instant decided on is the one reported.
        None => OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or_else(|_| OffsetDateTime::now_utc()),
    };
    let cert_name =
        if args.cert.as_os_str() == "-" { "standard input".to_string() } else { args.cert.display().to_string() };
    let bytes = fsio::read_input(&args.cert)?;
    if bytes.is_empty() {
        bail!("{cert_name} is empty");
    }
    let mut given =
        certinfo::cert_blocks(&bytes).with_context(|| format!("cannot read the certificate {cert_name}"))?;
    let leaf_der = given.remove(0);

    let store = if args.ca.is_some() {
        if ctx.global.dir.exists() { common::open_store(ctx, &ctx.global.dir).ok() } else { None }
    } else {
        Some(common::open_store(ctx, &ctx.global.dir)?)
    };
    let _told = store.as_ref().map(|s| common::tell(ctx, s));
    let mut trust = trust(args, store.as_ref())?;
    trust.intermediates.extend(given);
    let (crls, crl_label) = crls(ctx, args, store.as_ref())?;

    let purposes: Vec<policy::Purpose> = match args.purpose {
        Some(p) => vec![p.into()],
        None => policy::Purpose::defaults_for(&leaf_der),
    };
    // Every name asked for is checked: none is skipped in favour of another.
    let mut subjects = Vec::new();
    if let Some(h) = &args.hostname {
        subjects.push(Subject::dns(h).map_err(|_| anyhow::anyhow!("--hostname '{h}' is not a valid DNS name"))?);
    }
    if let Some(ip) = args.ip {
        subjects.push(Subject::Ip(ip));
    }
    if let Some(e) = &args.email {
        subjects.push(Subject::email(e).map_err(|_| anyhow::anyhow!("--email '{e}' is not an e-mail address"))?);
    }
    let request = Request {
        leaf: &leaf_der,
        intermediates: &trust.intermediates,
        anchors: &trust.anchors,
        crls: &crls,
        purposes: &purposes,
        subjects: &subjects,
        at,
        revocation: if crls.is_empty() {
            Revocation::Off
        } else {
            Revocation::Chain { missing_ca_crl: MissingCaCrl::CheckLeafOnly }
        },
        max_depth: args.max_depth,
        labels: Labels { ca: trust.label.clone(), crl: crl_label.clone().unwrap_or_default() },
    };
    let mut verdict = policy::verify(&request).with_context(|| format!("cannot verify {cert_name}"))?;
    let ocsp = ocsp_check(args, &leaf_der, &trust, at, &mut verdict)?;

    if args.ca.is_none()
        && let Some(s) = &store
    {
        warn_unpublished_revocation(ctx, s, &leaf_der, &crls)?;
    }
    for note in &verdict.notes {
        ctx.warn(note.words());
    }
    report(ctx, args, &cert_name, &leaf_der, &purposes, at, &crls, crl_label, verdict, ocsp)
}

/// With --ocsp or --ocsp-url: ask the responder about the certificate and fold
/// its answer into the verdict. A responder that cannot be asked, or whose
/// answer does not check out, is an error (exit 1), never "valid"; when the
/// certificate is refused anyway the refusal stands (exit 3).
fn ocsp_check(
    args: &VerifyArgs,
    leaf_der: &[u8],
    trust: &Trust,
    at: OffsetDateTime,
    verdict: &mut Verdict,
) -> anyhow::Result<Option<(String, &'static str)>> {
    let url = match (&args.ocsp_url, args.ocsp) {
        (Some(u), _) => u.clone(),
        (None, true) => crate::pki::ocsp::ocsp_urls(leaf_der).into_iter().next().ok_or_else(|| {
            hinted("the certificate names no OCSP responder (authorityInfoAccess)", "give one with --ocsp-url URL")
        })?,
        (None, false) => return Ok(None),
    };
    let checked = match ask_ocsp(&url, leaf_der, trust, at) {
        Ok(c) => c,
        Err(_) if !verdict.valid() => return Ok(Some((url, "unchecked"))),
        Err(e) => return Err(e.context(format!("cannot check revocation by OCSP at {url}"))),
    };
    let status = match checked {
        Checked::Good { .. } => "good",
        Checked::Revoked { time, reason } => {
            let reason = reason.and_then(Reason::from_code);
            if verdict.valid() {
                let why = reason.map(|r| format!(" for {}", r.openssl_name())).unwrap_or_default();
                verdict.code = Code::Revoked;
                verdict.message = format!("revoked on {}{why}, says the OCSP responder {url}", dates::human_time(time));
                verdict.listed = Some(crl::Listed { revoked_at: time, reason, invalidity: None });
            }
            "revoked"
        }
        Checked::Unknown => {
            if verdict.valid() {
                verdict.code = Code::RevocationUnknown;
                verdict.message = format!("the OCSP responder {url} does not know this certificate (status unknown)");
            }
            "unknown"
        }
    };
    Ok(Some((url, status)))
}

/// One OCSP exchange about `leaf_der` with its issuer among the trusted CAs, with a nonce.
fn ask_ocsp(url: &str, leaf_der: &[u8], trust: &Trust, at: OffsetDateTime) -> anyhow::Result<Checked> {
    use crate::pki::ocsp::{self, HashAlg, IssuerId};
    let leaf = certinfo::parse(leaf_der)?;
    let issuer = trust
        .anchors
        .iter()
        .chain(&trust.intermediates)
        .find(|c| {
            certinfo::parse(c).is_ok_and(|ca| {
                ca.subject().as_raw() == leaf.issuer().as_raw() && leaf.verify_signature(Some(ca.public_key())).is_ok()
            })
        })
        .ok_or_else(|| anyhow::anyhow!("the certificate's issuer is not among the CAs given"))?;
    let id = IssuerId::from_cert(issuer)?.cert_ref(HashAlg::Sha1, leaf.raw_serial())?;
    let mut nonce = [0u8; 16];
    aws_lc_rs::rand::fill(&mut nonce).map_err(|_| anyhow::anyhow!("no system randomness"))?;
    let request = ocsp::build_request(std::slice::from_ref(&id), Some(&nonce))?;
    let body = crate::ocsp::http::post_ocsp(url, &request, std::time::Duration::from_secs(10))?;
    // The nonce extension's value as sent: OCTET STRING { nonce }.
    let mut sent = vec![0x04, 16];
    sent.extend_from_slice(&nonce);
    ocsp::check_response(&body, issuer, &id, Some(&sent), at)
}

#[allow(clippy::too_many_arguments)]
fn report(
    ctx: &Ctx,
    args: &VerifyArgs,
    cert_name: &str,
    leaf_der: &[u8],
    purposes: &[policy::Purpose],
    at: OffsetDateTime,
    crls: &[Der],
    crl_label: Option<String>,
    verdict: Verdict,
    ocsp: Option<(String, &'static str)>,
) -> anyhow::Result<Outcome> {
    // A malformed certificate is an answer too: its fields are reported as far as they can be read.
    let leaf = x509_parser::certificate::X509Certificate::from_der(leaf_der).ok().map(|(_, c)| c);
    let field =
        |f: &dyn Fn(&x509_parser::certificate::X509Certificate<'_>) -> String| leaf.as_ref().map(f).unwrap_or_default();
    let valid = verdict.valid();
    let listed = verdict.listed.as_ref();
    let report = VerifyReport {
        valid,
        code: verdict.code,
        message: verdict.message.clone(),
        certificate: if args.cert.as_os_str() == "-" { "-".to_string() } else { common::json_path(&args.cert) },
        subject: field(&|c| names::display_name(c.subject())),
        issuer: field(&|c| names::display_name(c.issuer())),
        serial: field(&|c| certinfo::serial_hex(c)),
        not_before: field(&|c| dates::rfc3339(certinfo::not_before(c))),
        not_after: field(&|c| dates::rfc3339(certinfo::not_after(c))),
        purposes: purposes.to_vec(),
        hostname: args.hostname.clone(),
        ip: args.ip,
        email: args.email.clone(),
        max_depth: args.max_depth,
        at: policy::rfc3339_exact(at),
        revocation_checked: !crls.is_empty() || ocsp.as_ref().is_some_and(|(_, st)| *st != "unchecked"),
        crl: crl_label.map(|l| common::json_path(Path::new(&l))),
        crl_next_update: crl::earliest_next_update(crls).map(dates::rfc3339),
        revoked_at: listed.map(|l| dates::rfc3339(l.revoked_at)),
        reason: listed.and_then(|l| l.reason),
        ocsp_status: ocsp.as_ref().map(|(_, st)| *st),
        ocsp: ocsp.map(|(url, _)| url),
    };
    ctx.emit(&report)?;
    let subject = field(&|c| names::common_name(c.subject()).unwrap_or_else(|| names::display_name(c.subject())));
    let subject = if subject.is_empty() { String::new() } else { format!(" ({subject})") };
    ctx.result(format!("{cert_name}{subject}: {}\n", verdict.message));
    Ok(if valid { Outcome::Done } else { Outcome::Negative })
}
