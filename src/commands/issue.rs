//! `mtlsctl issue`: generate a key and a certificate for a subject in one step.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use time::{Duration, OffsetDateTime};

use super::common::{self, PassArgs};
use crate::Outcome;
use crate::cli::Parsed;
use crate::output::Ctx;
use crate::pki::build::{BACKDATE, Profile};
use crate::pki::keys::KeyType;
use crate::pki::names::San;
use crate::pki::{certinfo, policy};
use crate::store::issue::LeafOrder;

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
    pub san: Vec<Parsed<San>>,
    /// Make a SPIFFE X.509-SVID with this ID as its one URI SAN (peer profile unless --profile)
    #[arg(long, value_name = "SPIFFE_ID")]
    pub spiffe_id: Option<String>,
    /// What the certificate is for [default: client; peer with --spiffe-id]
    #[arg(long, value_enum)]
    pub profile: Option<Profile>,
    /// How long the certificate is valid (e.g. 24h, 7d, 90d, 1y)
    #[arg(long, default_value = "90d")]
    pub validity: Parsed<Duration>,
    /// Key algorithm
    #[arg(long, value_enum, default_value_t = KeyType::EcP256)]
    pub key_type: KeyType,
    /// Write the files here instead of issued/<cn>/
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace a valid certificate already in the output directory (a revoked or expired one is replaced without it)
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub pass: PassArgs,
}

pub fn run(ctx: &Ctx, args: &IssueArgs) -> anyhow::Result<Outcome> {
    let subject =
        common::subject_of(&args.cn, args.org.as_deref(), &args.san, args.spiffe_id.as_deref(), args.profile)?;
    let validity = args.validity.get().context("invalid --validity")?;
    let store = common::open_store(ctx, &ctx.global.dir)?;
    let _told = common::tell(ctx, &store);
    let id = store.identity(&args.cn, args.out.as_deref());
    let replacing = store.check_replaceable(&id, &args.cn, args.force, OffsetDateTime::now_utc())?;
    common::refuse_revoked_ca(&store)?;
    let signer = common::signer(&store, &args.pass.source(ctx), "--passphrase-file")?;
    let ca = certinfo::parse(&signer.cert_der)?;
    let now = OffsetDateTime::now_utc();
    let not_after = common::not_after_within_ca(args.validity.text(), validity, now, certinfo::not_after(&ca))?;
    // The chain as the signing reads it (for a root, the certificate `signer` already checked).
    policy::check_names_in_chain(&store.chain_of(&signer)?, &subject.cn, &subject.sans)?;

    if args.key_type.is_slow() {
        ctx.info(format!("generating a {} key (this takes a few seconds)...", args.key_type.name()));
    }
    let (key_pem, spki) = args.key_type.generate_pem_and_spki()?;
    let issued = store.issue_leaf(
        &signer,
        &LeafOrder {
            subject: &subject,
            not_before: now - BACKDATE,
            not_after,
            spki: &spki,
            rsa_key: args.key_type.is_rsa(),
            key_pem: Some(key_pem.as_bytes()),
            identity: &id,
            request: None,
        },
    )?;
    ctx.notices(&store);
    common::tell_replaced(ctx, replacing.as_ref());
    common::report_issued(ctx, &store, &issued, &subject, &id, true)?;
    common::warn_ca_expiry(ctx, certinfo::not_after(&ca));
    common::warn_crl_expiry(ctx, &store);
    Ok(Outcome::Done)
}
