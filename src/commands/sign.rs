//! `mtlsctl sign`: the CA side of a request. Proof of possession, the CA's
//! policy, then the same issuance transaction as `issue`, without a key.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use time::{Duration, OffsetDateTime};

use super::common::{self, PassArgs, show_path};
use crate::Outcome;
use crate::cli::Parsed;
use crate::output::{Ctx, hinted};
use crate::pki::build::{BACKDATE, Profile};
use crate::pki::names::{self, San, Subject};
use crate::pki::{certinfo, csr, policy};
use crate::store::fsio;
use crate::store::issue::LeafOrder;

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
    pub validity: Parsed<Duration>,
    /// Write the files here instead of issued/<cn>/
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace a valid certificate already in the output directory (a revoked or expired one is replaced without it)
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub pass: PassArgs,
}

pub fn run(ctx: &Ctx, args: &SignArgs) -> anyhow::Result<Outcome> {
    let name = if args.csr.as_os_str() == "-" { "standard input".to_string() } else { args.csr.display().to_string() };
    let bytes = fsio::read_input_limited(&args.csr, fsio::SMALL_INPUT)?;
    let req = csr::parse_request(&bytes).with_context(|| format!("cannot use the request {name}"))?;
    csr::check_key(&req.key_type).with_context(|| format!("cannot use the request {name}"))?;
    let validity = args.validity.get().context("invalid --validity")?;
    let subject = req
        .subject(args.profile)
        .map_err(common::name_words)
        .with_context(|| format!("the request {name} asks for names mtlsctl cannot issue"))?;

    let store = common::open_store(ctx, &ctx.global.dir)?;
    let _told = common::tell(ctx, &store);
    let id = store.identity(&subject.cn, args.out.as_deref());
    let replacing = store.check_replaceable(&id, &subject.cn, args.force, OffsetDateTime::now_utc())?;
    common::refuse_revoked_ca(&store)?;
    let signer = common::signer(&store, &args.pass.source(ctx), "--passphrase-file")?;
    let ca = certinfo::parse(&signer.cert_der)?;
    let now = OffsetDateTime::now_utc();
    let not_after = common::not_after_within_ca(args.validity.text(), validity, now, certinfo::not_after(&ca))?;
    policy::check_names_in_chain(&store.ca_chain_ders()?, &subject.cn, &subject.sans).map_err(|e| {
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

    let issued = store.issue_leaf(
        &signer,
        &LeafOrder {
            subject: &subject,
            not_before: now - BACKDATE,
            not_after,
            spki: &req.spki,
            rsa_key: req.rsa_key(),
            key_pem: None,
            identity: &id,
            request: Some(&req.der),
        },
    )?;
    ctx.notices(&store);
    common::tell_replaced(ctx, replacing.as_ref());
    common::report_issued(ctx, &store, &issued, &subject, &id, false)?;
    if let Some(kept) = &issued.request_file {
        ctx.info(format!("  request kept as {}", show_path(kept)));
    }
    if args.profile.is_none() {
        warn_server_like(ctx, &req, &subject, args);
    }
    common::warn_ca_expiry(ctx, certinfo::not_after(&ca));
    common::warn_crl_expiry(ctx, &store);
    Ok(Outcome::Done)
}

/// Signed with the default client profile, a request that reads as a
/// server's (it asks for serverAuth, names hosts, or its CN is a host name)
/// gives a certificate no TLS server can use: say so, and how to sign it for
/// a server.
fn warn_server_like(ctx: &Ctx, req: &csr::Request, subject: &Subject, args: &SignArgs) {
    if subject.profile != Profile::Client {
        return;
    }
    let mut signs = Vec::new();
    if req.asks_server_auth {
        signs.push("it asks for serverAuth".to_string());
    }
    let hosts: Vec<String> =
        subject.sans.iter().filter(|s| matches!(s, San::Dns(_) | San::Ip(_))).map(ToString::to_string).collect();
    if !hosts.is_empty() {
        signs.push(format!("it names {}", hosts.join(", ")));
    }
    let host_cn = subject.cn.contains('.')
        && names::check_dns_name(&subject.cn).is_ok()
        && subject.cn.rsplit('.').next().is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_alphabetic()));
    if hosts.is_empty() && host_cn {
        signs.push(format!("its CN {} is a host name", subject.cn));
    }
    if signs.is_empty() {
        return;
    }
    let out = args
        .out
        .as_ref()
        .map_or_else(String::new, |o| format!(" --out {}", common::shell_word(&o.display().to_string())));
    ctx.warn(format!(
        "the request looks like a server's ({}), but it was signed with the default client profile (clientAuth only), which a TLS server cannot present; to sign it for a server: mtlsctl sign {} --profile server{out} --force (or --profile peer for both)",
        signs.join("; "),
        common::shell_word(&args.csr.display().to_string()),
    ));
}
