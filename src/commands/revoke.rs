//! `mtlsctl revoke`: mark certificates revoked in index.txt, in OpenSSL's R
//! format, so that the next `gen-crl` (ours or `openssl ca -gencrl`) lists them.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{ArgGroup, Args};
use serde::Serialize;
use time::OffsetDateTime;

use super::common;
use crate::Outcome;
use crate::output::{Ctx, hinted};
use crate::pki::{certinfo, names};
use crate::store::Store;
use crate::store::fsio;
use crate::store::index::{Entry, Index, Reason, Status, normalize_serial};
use crate::util;

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
    pub serial: Option<String>,
    /// Revoke every valid certificate with this common name
    #[arg(long, value_name = "NAME")]
    pub cn: Option<String>,
    /// Why (RFC 5280 reason code)
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
}

/// What the user asked to revoke, resolved against the index.
enum Target {
    Serial(String),
    Cn(String),
    /// A certificate file: its serial, oneline subject, and DER (to add it when the index lacks it).
    Cert {
        serial: String,
        subject: String,
        der: Vec<u8>,
    },
}

fn describe(e: &Entry) -> String {
    format!("{} {}", e.serial, e.subject)
}

fn already_revoked(e: &Entry) -> anyhow::Error {
    let when = e
        .revocation_info()
        .map(|r| {
            let reason = r.reason.map(|x| format!(" ({})", x.openssl_name())).unwrap_or_default();
            format!(" on {}{reason}", util::human_time(r.time))
        })
        .unwrap_or_default();
    anyhow::anyhow!("certificate {} is already revoked{when}; nothing changed", describe(e))
}

/// The index positions to revoke; errors leave everything as it was.
fn select(index: &Index, target: &Target, now: OffsetDateTime) -> anyhow::Result<Vec<usize>> {
    match target {
        Target::Serial(s) => {
            let want = normalize_serial(s);
            if want.is_empty() || !want.bytes().all(|b| b.is_ascii_hexdigit()) {
                bail!("--serial '{s}' is not a hex serial number");
            }
            let Some(i) = index.find_serial(&want) else {
                return Err(hinted(
                    format!("no certificate with serial {want} in this store's index.txt; nothing changed"),
                    "list the store's certificates with: mtlsctl list",
                ));
            };
            if index.entries[i].status == "R" {
                return Err(already_revoked(&index.entries[i]));
            }
            Ok(vec![i])
        }
        Target::Cn(cn) => {
            let matching: Vec<usize> = (0..index.entries.len())
                .filter(|&i| index.entries[i].common_name().as_deref() == Some(cn.as_str()))
                .collect();
            let valid: Vec<usize> =
                matching.iter().copied().filter(|&i| index.entries[i].effective_status(now) == Status::Valid).collect();
            if valid.is_empty() {
                let revoked = matching.iter().filter(|&&i| index.entries[i].status == "R").count();
                let msg = if matching.is_empty() {
                    format!("no certificate with CN \"{cn}\" in this store; nothing changed")
                } else {
                    format!(
                        "no valid certificate with CN \"{cn}\" ({} found: {revoked} already revoked, {} expired); nothing changed",
                        matching.len(),
                        matching.len() - revoked
                    )
                };
                return Err(hinted(msg, "list the store's certificates with: mtlsctl list"));
            }
            Ok(valid)
        }
        Target::Cert { serial, subject, .. } => match index.find_serial(serial) {
            Some(i) => {
                let e = &index.entries[i];
                if e.status == "R" {
                    return Err(already_revoked(e));
                }
                if e.subject != *subject {
                    bail!(
                        "serial {serial} is recorded for {} in index.txt, but the certificate is for {subject}; nothing changed",
                        e.subject
                    );
                }
                Ok(vec![i])
            }
            // Like `openssl ca -revoke`: a certificate this CA signed but never recorded is added, then revoked.
            None => Ok(Vec::new()),
        },
    }
}

pub fn run(ctx: &Ctx, args: &RevokeArgs) -> anyhow::Result<Outcome> {
    if args.reason == Reason::RemoveFromCrl {
        anyhow::bail!(
            "--reason remove-from-crl is refused: removeFromCRL belongs only in delta CRLs (RFC 5280 §5.3.1), and in a full CRL OpenSSL and nginx read it as not revoked; nothing changed"
        );
    }
    let store = Store::open(&ctx.global.dir)?;
    let target = if let Some(s) = &args.serial {
        Target::Serial(s.clone())
    } else if let Some(cn) = &args.cn {
        Target::Cn(cn.clone())
    } else if let Some(path) = &args.cert {
        let bytes = fsio::read(path)?;
        let ders =
            certinfo::load_certs(&bytes).with_context(|| format!("cannot read the certificate {}", path.display()))?;
        let der = ders.into_iter().next().context("no certificate")?;
        let cert = certinfo::parse(&der)?;
        let ca_der = store.ca_cert_der()?;
        let ca = certinfo::parse(&ca_der)?;
        if cert.issuer().as_raw() != ca.subject().as_raw() || cert.verify_signature(Some(ca.public_key())).is_err() {
            return Err(hinted(
                format!(
                    "{} was issued by {}, not by this store's CA ({}); nothing changed",
                    path.display(),
                    names::display_name(cert.issuer()),
                    names::display_name(ca.subject())
                ),
                "revoke it with the CA that issued it (--dir)",
            ));
        }
        Target::Cert {
            serial: certinfo::serial_hex(&cert),
            subject: names::openssl_oneline(cert.subject()),
            der: der.clone(),
        }
    } else {
        bail!("say what to revoke: --serial HEX, --cn NAME or a certificate file");
    };

    let now = OffsetDateTime::now_utc();
    // Resolve once without the lock so the question names what will be revoked.
    let preview = store.read_index()?;
    let picked = select(&preview, &target, now)?;
    let shown: Vec<String> = match &target {
        Target::Cert { serial, subject, .. } if picked.is_empty() => vec![format!("{serial} {subject}")],
        _ => picked.iter().map(|&i| describe(&preview.entries[i])).collect(),
    };
    if !args.yes && !ctx.batch {
        let question = format!(
            "Revoke {} certificate{} ({})?\n  {}\n",
            shown.len(),
            if shown.len() == 1 { "" } else { "s" },
            args.reason.openssl_name(),
            shown.join("\n  ")
        );
        eprint!("{question}");
        if !crate::prompt::confirm("Revoke")? {
            bail!("not confirmed; nothing changed");
        }
    }

    let revoked = {
        let _lock = store.lock()?;
        let mut index = store.read_index()?;
        let mut positions = select(&index, &target, now)?;
        if let (Target::Cert { der, .. }, true) = (&target, positions.is_empty()) {
            let cert = certinfo::parse(der)?;
            index.entries.push(Entry::valid(
                certinfo::not_after(&cert),
                &certinfo::serial_hex(&cert),
                &names::openssl_oneline(cert.subject()),
            ));
            positions.push(index.entries.len() - 1);
            ctx.info(format!(
                "note: {} was not in index.txt; adding it before revoking (as openssl ca does)",
                certinfo::serial_hex(&cert)
            ));
        }
        let mut out = Vec::new();
        for &i in &positions {
            let e = &mut index.entries[i];
            e.revoke(now, args.reason);
            out.push(RevokedCert {
                serial: e.serial.clone(),
                subject: e.subject.clone(),
                common_name: e.common_name(),
                not_after: e.not_after().map(util::rfc3339),
            });
        }
        store.write_index(&index)?;
        out
    };

    ctx.emit(&RevokeReport {
        count: revoked.len(),
        reason: args.reason,
        revoked_at: util::rfc3339(now),
        revoked: revoked.clone(),
        crl_pending: true,
    })?;
    let what = match &target {
        Target::Cn(cn) => {
            format!("{} certificate{} with CN \"{cn}\"", revoked.len(), if revoked.len() == 1 { "" } else { "s" })
        }
        _ => format!("{} certificate", revoked.len()),
    };
    let mut text = format!("Revoked {what} ({}):\n", args.reason.openssl_name());
    for r in &revoked {
        text.push_str(&format!("  {} {}\n", r.serial, r.subject));
    }
    text.push_str("Servers still accept it until a new CRL is published: run `mtlsctl gen-crl` and reload them.");
    ctx.info(text);
    common::warn_crl_expiry(ctx, &store);
    Ok(Outcome::Done)
}
