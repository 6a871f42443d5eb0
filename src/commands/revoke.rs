//! `mtlsctl revoke`: mark certificates revoked in index.txt, in OpenSSL's R
//! format, so that the next `gen-crl` (ours or `openssl ca -gencrl`) lists them.

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use clap::{ArgGroup, Args};
use serde::Serialize;
use time::OffsetDateTime;

use super::common;
use crate::Outcome;
use crate::cli::Serial;
use crate::output::{Ctx, hinted};
use crate::pki::dates::rfc3339;
use crate::pki::{certinfo, names};
use crate::store::Store;
use crate::store::fsio;
use crate::store::index::Reason;
use crate::store::revoke::{RevokeError, RevokeTarget, SameKey};

/// Revoke certificates of the store (by serial, CN or certificate file)
///
/// Marks them revoked in index.txt; publish the change with `mtlsctl gen-crl`.
/// --cn revokes every valid certificate with that common name. Revoking a
/// certificate twice, or a serial the store does not know, is an error that
/// changes nothing.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("target").required(true).args(["serial", "cn", "cert"])))]
#[command(after_long_help = "Examples:
  mtlsctl revoke --cn payment-service --reason key-compromise && mtlsctl gen-crl
  mtlsctl revoke --serial 3A7F0C21D4E5B6A798C0D1E2F3A4B5C6 --reason superseded --yes
  mtlsctl revoke pki/issued/old-client/cert.pem --reason cessation-of-operation")]
pub struct RevokeArgs {
    /// The certificate file to revoke (PEM or DER)
    pub cert: Option<PathBuf>,
    /// The serial number to revoke (hex, as `mtlsctl list` shows it)
    #[arg(long, value_name = "HEX")]
    pub serial: Option<Serial>,
    /// Revoke every valid certificate with this common name
    #[arg(long, value_name = "NAME", value_hint = clap::ValueHint::Other, add = clap_complete::ArgValueCandidates::new(super::common::identity_candidates))]
    pub cn: Option<String>,
    /// Why (RFC 5280 reason code; OpenSSL's spelling, e.g. keyCompromise, is accepted too)
    #[arg(long, value_enum, default_value_t = Reason::Unspecified)]
    pub reason: Reason,
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub yes: bool,
}

#[derive(Serialize, Clone)]
struct RevokedCert {
    serial: String,
    subject: String,
    index_subject: String,
    common_name: Option<String>,
    not_after: Option<String>,
}

#[derive(Serialize)]
struct RevokeReport {
    count: usize,
    reason: Reason,
    revoked_at: String,
    revoked: Vec<RevokedCert>,
    /// The published CRL does not list these yet.
    crl_pending: bool,
    /// keyCompromise: valid certificates with a revoked one's public key.
    same_key_unrevoked: Vec<SameKeyCert>,
}

#[derive(Serialize)]
struct SameKeyCert {
    serial: String,
    subject: String,
    index_subject: String,
    /// The revoked certificate whose key it carries.
    same_key_as: String,
}

/// A certificate file as a target, in the words of the file it came from.
fn cert_target(store: &Store, path: &Path) -> anyhow::Result<RevokeTarget> {
    let bytes = fsio::read(path)?;
    let ders =
        certinfo::load_certs(&bytes).with_context(|| format!("cannot read the certificate {}", path.display()))?;
    let der = ders.into_iter().next().context("no certificate")?;
    store.revoke_target_cert(&der).map_err(|e| match e.downcast_ref::<RevokeError>() {
        Some(RevokeError::ForeignCert { issuer, ca }) => hinted(
            format!("{} was issued by {issuer}, not by this store's CA ({ca}); nothing changed", path.display()),
            "revoke it with the CA that issued it (--dir)",
        ),
        Some(RevokeError::OwnCa { .. }) => hinted(
            format!("{}: {e}", path.display()),
            "to retire this CA, revoke it in its parent store (mtlsctl --dir PARENT revoke --cn ...); a root CA is retired by removing it from the servers' trusted CAs",
        ),
        _ => e,
    })
}

/// A bad serial in the words of the flag it came from.
fn serial_words(e: anyhow::Error) -> anyhow::Error {
    match e.downcast_ref::<RevokeError>() {
        Some(RevokeError::BadSerial(s)) => anyhow!("--serial '{s}' is not a hex serial number"),
        _ => e,
    }
}

/// Ask before revoking, naming what will be revoked and why (SPEC §10:
/// "Revoke 1 certificate, reason unspecified? [y/N]").
fn confirm(args: &RevokeArgs, shown: &[String]) -> anyhow::Result<()> {
    eprint!("{}", crate::output::terminal_safe(&format!("  {}\n", shown.join("\n  "))));
    let question = format!(
        "Revoke {} certificate{}, reason {}?",
        shown.len(),
        if shown.len() == 1 { "" } else { "s" },
        args.reason.openssl_name(),
    );
    if !crate::prompt::confirm(&question)? {
        bail!("not confirmed; nothing changed");
    }
    Ok(())
}

pub fn run(ctx: &Ctx, args: &RevokeArgs) -> anyhow::Result<Outcome> {
    if args.reason == Reason::RemoveFromCrl {
        anyhow::bail!(
            "--reason remove-from-crl is refused: removeFromCRL belongs only in delta CRLs (RFC 5280 §5.3.1), and in a full CRL OpenSSL and nginx read it as not revoked; nothing changed"
        );
    }
    let store = common::open_store(ctx, &ctx.global.dir)?;
    let _told = common::tell(ctx, &store);
    let target = if let Some(s) = &args.serial {
        RevokeTarget::Serial(s.given().to_string())
    } else if let Some(cn) = &args.cn {
        RevokeTarget::Cn(cn.clone())
    } else if let Some(path) = &args.cert {
        cert_target(&store, path)?
    } else {
        bail!("say what to revoke: --serial HEX, --cn NAME or a certificate file");
    };

    let now = OffsetDateTime::now_utc();
    // Resolve once without the lock so the question names what will be revoked.
    let preview = store.revoke_preview(&target, now).map_err(serial_words)?;
    if !args.yes && !ctx.batch {
        let shown: Vec<String> = preview.iter().map(|e| format!("{} {}", e.serial, e.subject)).collect();
        confirm(args, &shown)?;
    }

    let done = store.revoke(&target, args.reason, now).map_err(serial_words)?;
    ctx.notices(&store);
    if let Some(serial) = &done.added {
        ctx.info(format!("note: {serial} was not in index.txt; adding it before revoking (as openssl ca does)"));
    }
    let revoked: Vec<RevokedCert> = done
        .entries
        .iter()
        .map(|e| RevokedCert {
            serial: e.serial.clone(),
            subject: names::oneline_to_display(&e.subject),
            index_subject: e.subject.clone(),
            common_name: e.common_name(),
            not_after: e.not_after().map(rfc3339),
        })
        .collect();
    ctx.emit(&RevokeReport {
        count: revoked.len(),
        reason: args.reason,
        revoked_at: rfc3339(now),
        revoked: revoked.clone(),
        crl_pending: true,
        same_key_unrevoked: done
            .same_key
            .iter()
            .map(|s| SameKeyCert {
                serial: s.serial.clone(),
                subject: names::oneline_to_display(&s.subject),
                index_subject: s.subject.clone(),
                same_key_as: s.compromised.clone(),
            })
            .collect(),
    })?;
    let what = match &target {
        RevokeTarget::Cn(cn) => {
            format!("{} certificate{} with CN \"{cn}\"", revoked.len(), if revoked.len() == 1 { "" } else { "s" })
        }
        _ => format!("{} certificate", revoked.len()),
    };
    let mut text = format!("Revoked {what}, reason {}:\n", args.reason.openssl_name());
    for r in &revoked {
        text.push_str(&format!("  {} {}\n", r.serial, names::oneline_for_people(&r.index_subject)));
    }
    text.push_str("Servers still accept it until a new CRL is published: run `mtlsctl gen-crl` and reload them.");
    ctx.info(text);
    warn_same_key(ctx, &done.same_key);
    common::warn_crl_expiry(ctx, &store);
    Ok(Outcome::Done)
}

/// A compromised key stays usable through every other valid certificate that carries it.
fn warn_same_key(ctx: &Ctx, same: &[SameKey]) {
    if same.is_empty() {
        return;
    }
    let n = same.len();
    let mut text = format!(
        "{n} other valid certificate{} carr{} the compromised key and {} still accepted:\n",
        if n == 1 { "" } else { "s" },
        if n == 1 { "ies" } else { "y" },
        if n == 1 { "is" } else { "are" },
    );
    for s in same {
        text.push_str(&format!(
            "  {} {} (same key as {})\n",
            s.serial,
            names::oneline_for_people(&s.subject),
            s.compromised
        ));
    }
    text.push_str(if n == 1 { "revoke it too:" } else { "revoke them too:" });
    for s in same {
        text.push_str(&format!("\n  mtlsctl revoke --serial {} --reason key-compromise", s.serial));
    }
    ctx.warn(crate::output::terminal_safe(&text));
}
