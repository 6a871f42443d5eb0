//! `mtlsctl gen-crl`: sign a CRL of every revoked certificate in index.txt,
//! numbered from `crlnumber` as `openssl ca -gencrl` numbers them.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use rcgen::{CertificateRevocationListParams, KeyIdMethod, SerialNumber};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::common::{self, PassArgs, show_path};
use crate::Outcome;
use crate::output::Ctx;
use crate::pki::{certinfo, crl};
use crate::store::Store;
use crate::store::fsio::{self, Mode};
use crate::store::index::{Index, Reason, Status, parse_revocation};
use crate::util;

/// Sign and publish a CRL of every revoked certificate
///
/// Writes crl/ca.crl (PEM) with each revoked certificate's date and reason,
/// the next number from `crlnumber` (then incremented, as `openssl ca
/// -gencrl` does) and a nextUpdate after --next-update. Servers that check
/// the CRL (nginx ssl_crl) reject every client once nextUpdate passes, so run
/// it again before then, e.g. daily from cron.
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl gen-crl
  mtlsctl gen-crl --next-update 30d --der /srv/www/ca.crl.der
  mtlsctl revoke --cn old-client --yes && mtlsctl gen-crl && nginx -s reload")]
pub struct GenCrlArgs {
    /// How long the CRL is valid: its nextUpdate (e.g. 24h, 7d, 30d)
    #[arg(long, default_value = "7d", value_name = "DURATION")]
    pub next_update: String,
    /// Also write the CRL in DER form to FILE
    #[arg(long, value_name = "FILE")]
    pub der: Option<PathBuf>,
    /// Leave out revoked certificates that have expired
    #[arg(long)]
    pub exclude_expired: bool,
    /// For an intermediate CA: the parent CAs' CRLs (PEM) to bundle into crl/ca-chain.crl
    /// [default: those already in crl/ca-chain.crl]
    #[arg(long, value_name = "FILE")]
    pub parent_crl: Option<PathBuf>,
    #[command(flatten)]
    pub pass: PassArgs,
}

#[derive(Serialize)]
struct CrlEntryReport {
    serial: String,
    subject: String,
    revoked_at: String,
    reason: Option<Reason>,
    invalidity_date: Option<String>,
}

#[derive(Serialize)]
struct GenCrlReport {
    crl: String,
    der: Option<String>,
    crl_number: String,
    this_update: String,
    next_update: String,
    revoked_count: usize,
    excluded_expired: usize,
    revoked: Vec<CrlEntryReport>,
    /// crl/ca-chain.crl, written for an intermediate CA.
    chain_crl: Option<String>,
}

/// The number this CRL gets: `crlnumber`, or when that file is missing (easy-rsa
/// stores), one past the current CRL's number, else 1.
fn current_number(store: &Store) -> anyhow::Result<Vec<u8>> {
    match std::fs::read_to_string(&store.paths.crlnumber) {
        Ok(text) => {
            crl::parse_hex_number(&text).with_context(|| format!("corrupt {}", store.paths.crlnumber.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let previous = std::fs::read(&store.paths.crl)
                .ok()
                .and_then(|b| crl::load_crls(&b).ok())
                .and_then(|ders| ders.first().and_then(|d| crl::parse(d).ok()?.crl_number().map(|n| n.to_bytes_be())));
            Ok(previous.map_or_else(|| vec![1], |n| crl::increment(&n)))
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", store.paths.crlnumber.display())),
    }
}

/// The parent CAs' CRLs for crl/ca-chain.crl: from --parent-crl, else those the
/// previous bundle held. Each must come from a CA above this one.
fn parent_crls(store: &Store, chain: &[Vec<u8>], file: Option<&std::path::Path>) -> anyhow::Result<Vec<Vec<u8>>> {
    let own = certinfo::parse(&chain[0])?.subject().as_raw().to_vec();
    let parents: Vec<Vec<u8>> =
        chain[1..].iter().filter_map(|d| certinfo::parse(d).ok().map(|c| c.subject().as_raw().to_vec())).collect();
    let issuer_of = |der: &[u8]| crl::parse(der).map(|c| c.issuer().as_raw().to_vec());
    match file {
        Some(f) => {
            let ders =
                crl::load_crls(&fsio::read(f)?).with_context(|| format!("cannot read --parent-crl {}", f.display()))?;
            for d in &ders {
                let c = crl::parse(d)?;
                // Same name is not enough: the CRL must verify with a parent's key.
                let signed_by_parent = chain[1..]
                    .iter()
                    .filter_map(|p| certinfo::parse(p).ok())
                    .any(|p| p.subject().as_raw() == c.issuer().as_raw() && c.verify_signature(p.public_key()).is_ok());
                if !signed_by_parent {
                    let name = crl::parse(d).map(|c| crate::pki::names::display_name(c.issuer())).unwrap_or_default();
                    anyhow::bail!(
                        "--parent-crl {} holds a CRL from {name}, which is not a parent of this CA",
                        f.display()
                    );
                }
            }
            Ok(ders.into_iter().filter(|d| issuer_of(d).is_ok_and(|i| i != own)).collect())
        }
        None => {
            let path = store.paths.root.join("crl/ca-chain.crl");
            let Ok(bytes) = std::fs::read(&path) else { return Ok(Vec::new()) };
            Ok(crl::load_crls(&bytes)
                .unwrap_or_default()
                .into_iter()
                .filter(|d| issuer_of(d).is_ok_and(|i| i != own && parents.contains(&i)))
                .collect())
        }
    }
}

pub fn run(ctx: &Ctx, args: &GenCrlArgs) -> anyhow::Result<Outcome> {
    let validity = util::parse_duration(&args.next_update).context("invalid --next-update")?;
    if validity <= Duration::ZERO {
        anyhow::bail!("--next-update {} is zero: a CRL must be valid for some time (e.g. 24h, 7d)", args.next_update);
    }
    let store = Store::open(&ctx.global.dir)?;
    let signer = store.signer(&args.pass.source(ctx))?;
    let ca = certinfo::parse(&signer.cert_der)?;
    // The AKI must equal the CA's own SKI, whatever method made it (OpenSSL uses SHA-1).
    let key_id = certinfo::subject_key_id(&ca).map_or(KeyIdMethod::Sha256, KeyIdMethod::PreSpecified);
    let issuer = signer.issuer()?;
    let now = OffsetDateTime::now_utc();
    let next = now + validity;
    let chain = store.ca_chain_ders()?;
    let parent_crls =
        if chain.len() > 1 { parent_crls(&store, &chain, args.parent_crl.as_deref())? } else { Vec::new() };
    let chain_crl_path = store.paths.root.join("crl/ca-chain.crl");

    let report = {
        let _lock = store.lock()?;
        let text = store.read_index_text()?;
        let number = current_number(&store)?;
        let mut revoked_certs = Vec::new();
        let mut listed = Vec::new();
        let mut excluded = 0;
        let mut remove_from_crl = Vec::new();
        Index::each(&text, |e| {
            if e.status().ok() != Some(Status::Revoked) {
                return Ok(());
            }
            if args.exclude_expired && e.not_after().is_some_and(|t| t <= now) {
                excluded += 1;
                return Ok(());
            }
            let info = match e.revoked {
                Some(r) => r,
                None => parse_revocation(e.revocation)
                    .with_context(|| format!("corrupt index.txt line for serial {}", e.serial))?,
            };
            if info.reason == Some(Reason::RemoveFromCrl) {
                remove_from_crl.push(e.serial);
            }
            let serial =
                crl::parse_hex_number(e.serial).with_context(|| format!("bad serial {} in index.txt", e.serial))?;
            revoked_certs.push(crl::Revoked {
                serial,
                revoked_at: info.time,
                reason: info.reason,
                invalidity: info.invalidity,
            });
            // The per-entry listing is for --json only; a large CRL would spend more on it than on signing.
            if ctx.json() {
                listed.push(CrlEntryReport {
                    serial: e.serial.to_string(),
                    subject: e.subject.to_string(),
                    revoked_at: util::rfc3339(info.time),
                    reason: info.reason,
                    invalidity_date: info.invalidity.map(util::rfc3339),
                });
            }
            Ok(())
        })
        .with_context(|| format!("corrupt {}", store.paths.index.display()))?;
        if !remove_from_crl.is_empty() {
            ctx.warn(format!(
                "index.txt revokes {} with reason removeFromCRL (written by another tool): that reason belongs only in delta CRLs (RFC 5280 §5.3.1), and OpenSSL, nginx and `mtlsctl verify` read such an entry as not revoked",
                remove_from_crl.join(", ")
            ));
        }
        let revoked_count = revoked_certs.len();
        // Large CRLs take a noticeable moment: say what is happening.
        if revoked_count >= 10_000 {
            ctx.info(format!("signing a CRL of {revoked_count} entries..."));
        }
        let params = CertificateRevocationListParams {
            this_update: now,
            next_update: next,
            crl_number: SerialNumber::from_slice(&number),
            issuing_distribution_point: None,
            revoked_certs: Vec::new(),
            key_identifier_method: key_id,
        };
        let der = crl::sign_crl(params, &issuer, &revoked_certs)?;
        drop(revoked_certs);
        let pem = crl::to_pem(&der);
        let old_number = std::fs::read(&store.paths.crlnumber).ok();
        // crlnumber first: a crash after it skips a number, which is harmless;
        // the other order could publish two different CRLs with one number.
        fsio::write_atomic(
            &store.paths.crlnumber,
            format!("{}\n", crl::format_hex_number(&crl::increment(&number))).as_bytes(),
            Mode::Public,
        )?;
        let publish = || -> anyhow::Result<()> {
            if let Some(dir) = store.paths.crl.parent() {
                fsio::create_dir(dir, false)?;
            }
            fsio::write_atomic(&store.paths.crl, pem.as_bytes(), Mode::Public)
        };
        if let Err(e) = publish() {
            // A failed command leaves the store as it was: put the number back.
            let back = match &old_number {
                Some(b) => fsio::write_atomic(&store.paths.crlnumber, b, Mode::Public),
                None => std::fs::remove_file(&store.paths.crlnumber).map_err(Into::into),
            };
            if let Err(b) = back {
                eprintln!("warning: could not restore {}: {b:#}", store.paths.crlnumber.display());
            }
            return Err(e);
        }
        if let Some(d) = &args.der {
            fsio::write_atomic(d, &der, Mode::Public)?;
        }
        // nginx checks a CRL for every CA of the chain: bundle ours with the parents'.
        if chain.len() > 1 {
            let mut bundle = pem.clone();
            for p in &parent_crls {
                bundle.push_str(&crl::to_pem(p));
            }
            fsio::create_dir(chain_crl_path.parent().unwrap_or(&store.paths.root), false)?;
            fsio::write_atomic(&chain_crl_path, bundle.as_bytes(), Mode::Public)?;
        }
        GenCrlReport {
            crl: store.paths.crl.display().to_string(),
            der: args.der.as_ref().map(|d| d.display().to_string()),
            crl_number: crl::format_hex_number(&number),
            this_update: util::rfc3339(now),
            next_update: util::rfc3339(next),
            revoked_count,
            excluded_expired: excluded,
            revoked: listed,
            chain_crl: (chain.len() > 1).then(|| chain_crl_path.display().to_string()),
        }
    };

    ctx.emit(&report)?;
    let mut text = format!(
        "Wrote CRL number {} listing {} revoked certificate{} to {}\n",
        report.crl_number,
        report.revoked_count,
        if report.revoked_count == 1 { "" } else { "s" },
        show_path(&store.paths.crl)
    );
    if let Some(d) = &args.der {
        text.push_str(&format!("  DER copy: {}\n", show_path(d)));
    }
    if chain.len() > 1 {
        text.push_str(&format!(
            "  with the parent CAs' CRLs ({} found): {}\n",
            parent_crls.len(),
            show_path(&chain_crl_path)
        ));
        if parent_crls.is_empty() {
            ctx.warn(format!(
                "{} holds only this CA's CRL: nginx (ssl_crl) also needs the root's; pass --parent-crl ROOT_STORE/crl/ca.crl",
                show_path(&chain_crl_path)
            ));
        } else if let Some(t) = crl::earliest_next_update(&parent_crls).filter(|t| *t < now + Duration::hours(24)) {
            ctx.warn(format!(
                "a parent CA's CRL in {} expires on {}, and nginx then rejects every client: run gen-crl in the parent store, then here with --parent-crl",
                show_path(&chain_crl_path),
                util::human_time(t)
            ));
        }
    }
    if report.excluded_expired > 0 {
        text.push_str(&format!(
            "  left out {} expired revoked certificate(s) (--exclude-expired)\n",
            report.excluded_expired
        ));
    }
    text.push_str(&format!(
        "Next CRL due by {} (in {}): servers that check this CRL reject every client after that unless `mtlsctl gen-crl` runs again.\nReload servers that use it (nginx -s reload).",
        util::human_time(next),
        util::format_duration(validity)
    ));
    ctx.info(text);
    common::warn_crl_expiry(ctx, &store);
    common::warn_ca_expiry(ctx, certinfo::not_after(&ca));
    Ok(Outcome::Done)
}
