//! `renew --due`: every identity under issued/ whose certificate is valid,
//! not revoked and within the window, renewed one by one; then `--exec` once.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::{Done, RenewArgs, load_old, renew_one};
use crate::Outcome;
use crate::cli::Window;
use crate::commands::common;
use crate::output::{Ctx, format_time_left};
use crate::pki::build::Signer;
use crate::pki::certinfo;
use crate::pki::dates::rfc3339;
use crate::store::Store;
use crate::store::fsio;
use crate::store::index::{Index, Status};

#[derive(Serialize)]
struct DueReport {
    /// The window as given (`33%` by default).
    before: String,
    renewed: Vec<RenewedItem>,
    skipped: Vec<SkippedItem>,
    failed: Vec<FailedItem>,
    /// `--exec`'s command and exit status, when it ran.
    exec: Option<ExecItem>,
}

#[derive(Serialize)]
struct RenewedItem {
    name: String,
    old_serial: String,
    serial: String,
    not_after: String,
    cert: String,
}

#[derive(Serialize)]
struct SkippedItem {
    name: String,
    serial: Option<String>,
    /// not_due, revoked, suspended, expired, no_index_line, no_certificate
    reason: &'static str,
    not_after: Option<String>,
    /// The certificate's CN, for the hint that replaces an expired one.
    #[serde(skip)]
    cn: Option<String>,
}

#[derive(Serialize)]
struct FailedItem {
    name: String,
    serial: String,
    error: String,
}

#[derive(Serialize)]
struct ExecItem {
    command: String,
    status: Option<i32>,
    success: bool,
}

/// What one identity directory holds, and whether it is due.
enum State {
    Due { serial: String, der: Vec<u8> },
    Skip(SkippedItem),
}

fn skip(name: &str, serial: Option<&str>, reason: &'static str, end: Option<OffsetDateTime>) -> State {
    State::Skip(SkippedItem {
        name: name.to_string(),
        serial: serial.map(str::to_string),
        reason,
        not_after: end.map(rfc3339),
        cn: None,
    })
}

fn expired(
    name: &str,
    serial: &str,
    end: OffsetDateTime,
    cert: &x509_parser::certificate::X509Certificate<'_>,
) -> State {
    let mut state = skip(name, Some(serial), "expired", Some(end));
    if let State::Skip(s) = &mut state {
        s.cn = crate::pki::names::common_name(cert.subject());
    }
    state
}

/// Judge `issued/<name>/cert.pem` against the index and the window.
fn state(dir: &Path, name: &str, index: &Index, window: Window, now: OffsetDateTime) -> State {
    let Ok(bytes) = fsio::read(&dir.join("cert.pem")) else { return skip(name, None, "no_certificate", None) };
    let Some(der) = certinfo::load_certs(&bytes).ok().and_then(|c| c.into_iter().next()) else {
        return skip(name, None, "no_certificate", None);
    };
    let Ok(cert) = certinfo::parse(&der) else { return skip(name, None, "no_certificate", None) };
    let serial = certinfo::serial_hex(&cert);
    let (start, end) = (certinfo::not_before(&cert), certinfo::not_after(&cert));
    let Some(i) = index.find_serial(&serial) else { return skip(name, Some(&serial), "no_index_line", Some(end)) };
    match index.entries[i].effective_status(now) {
        Status::Revoked => return skip(name, Some(&serial), "revoked", Some(end)),
        Status::Expired => return expired(name, &serial, end, &cert),
        Status::Suspended => return skip(name, Some(&serial), "suspended", Some(end)),
        Status::Valid => {}
    }
    if end <= now {
        return expired(name, &serial, end, &cert);
    }
    if !window.due(start, end, now) {
        return skip(name, Some(&serial), "not_due", Some(end));
    }
    State::Due { serial, der }
}

/// Identity directories under issued/, in name order.
fn identity_dirs(store: &Store) -> anyhow::Result<Vec<(String, std::path::PathBuf)>> {
    let issued = &store.paths.issued;
    if !issued.exists() {
        return Ok(Vec::new());
    }
    let mut dirs: Vec<(String, std::path::PathBuf)> = std::fs::read_dir(issued)
        .with_context(|| format!("cannot read {}", issued.display()))?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| Some((e.file_name().to_str()?.to_string(), e.path())))
        .filter(|(n, _)| !n.starts_with('.'))
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// A random wait in `[0, max]`.
fn jitter(max: Duration) -> anyhow::Result<std::time::Duration> {
    let mut b = [0u8; 8];
    SystemRandom::new().fill(&mut b).map_err(|_| anyhow::anyhow!("no randomness for --jitter"))?;
    let ms = u64::try_from(max.whole_milliseconds()).unwrap_or(0);
    Ok(std::time::Duration::from_millis(if ms == 0 { 0 } else { u64::from_le_bytes(b) % (ms + 1) }))
}

pub(super) fn run(ctx: &Ctx, args: &RenewArgs, window: Window) -> anyhow::Result<Outcome> {
    if let Some(j) = &args.jitter {
        let max = j.get().context("invalid --jitter")?;
        std::thread::sleep(jitter(max)?);
    }
    let store = common::open_store(ctx, &ctx.global.dir)?;
    let _told = common::tell(ctx, &store);
    let index = store.read_index()?;
    let now = OffsetDateTime::now_utc();
    let before = args.before.as_ref().map_or_else(|| "33%".to_string(), |b| b.text().to_string());
    let mut report = DueReport { before, renewed: Vec::new(), skipped: Vec::new(), failed: Vec::new(), exec: None };
    let mut signer: Option<Signer> = None;
    for (name, dir) in identity_dirs(&store)? {
        let (serial, der) = match state(&dir, &name, &index, window, now) {
            State::Skip(s) => {
                report.skipped.push(s);
                continue;
            }
            State::Due { serial, der } => (serial, der),
        };
        if signer.is_none() {
            common::refuse_revoked_ca(&store)?;
            signer = Some(common::signer(&store, &args.pass.source(ctx), "--passphrase-file")?);
        }
        let signer = signer.as_ref().context("no signer")?;
        match renew(ctx, &store, signer, args, &serial, &der) {
            Ok(done) => report.renewed.push(RenewedItem {
                name,
                old_serial: serial,
                serial: done.issued.serial.clone(),
                not_after: rfc3339(certinfo::not_after(&certinfo::parse(&done.issued.der)?)),
                cert: done.id.cert().display().to_string(),
            }),
            Err(e) => report.failed.push(FailedItem { name, serial, error: format!("{e:#}") }),
        }
    }
    ctx.notices(&store);
    if !report.renewed.is_empty() {
        if let Some(cmd) = &args.exec {
            report.exec = Some(exec(cmd)?);
        }
    }
    ctx.emit(&report)?;
    print(ctx, &report, now);
    finish(&report)
}

fn renew(
    ctx: &Ctx,
    store: &Store,
    signer: &Signer,
    args: &RenewArgs,
    serial: &str,
    der: &[u8],
) -> anyhow::Result<Done> {
    // The index line again, under the current index: revoked since we read it is refused by the store.
    let entry = store.find_entry(serial)?.with_context(|| format!("serial {serial} has no index line"))?;
    // Sign from the recorded certificate, not the identity's copy.
    let old_der = load_old(store, serial).unwrap_or_else(|_| der.to_vec());
    let old = certinfo::parse(&old_der)?;
    renew_one(ctx, store, signer, args, &entry, &old)
}

fn exec(cmd: &str) -> anyhow::Result<ExecItem> {
    let status = Command::new("sh").arg("-c").arg(cmd).status().with_context(|| format!("cannot run sh -c '{cmd}'"))?;
    Ok(ExecItem { command: cmd.to_string(), status: status.code(), success: status.success() })
}

fn print(ctx: &Ctx, report: &DueReport, now: OffsetDateTime) {
    let mut lines = Vec::new();
    for r in &report.renewed {
        let left = time::OffsetDateTime::parse(&r.not_after, &time::format_description::well_known::Rfc3339)
            .map(|t| format_time_left(t - now))
            .unwrap_or_default();
        lines.push(format!("renewed {}: serial {} replaces {} ({left} left)", r.name, r.serial, r.old_serial));
    }
    for f in &report.failed {
        lines.push(format!("FAILED {} (serial {}): {}", f.name, f.serial, f.error));
    }
    for s in &report.skipped {
        let left = s
            .not_after
            .as_deref()
            .and_then(|t| time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok())
            .map(|t| left_words(t - now));
        lines.push(match (s.reason, left) {
            // "expired, expired 3 s ago" says it twice; say what replaces it instead.
            ("expired", Some(left)) => match &s.cn {
                Some(cn) => {
                    format!("skipped {}: {left} (mtlsctl issue --cn {} replaces it)", s.name, common::shell_word(cn))
                }
                None => format!("skipped {}: {left}", s.name),
            },
            (reason, Some(left)) => format!("skipped {}: {}, {left}", s.name, reason.replace('_', " ")),
            (reason, None) => format!("skipped {}: {}", s.name, reason.replace('_', " ")),
        });
    }
    let summary = format!(
        "{} renewed, {} skipped, {} failed (window: {})",
        report.renewed.len(),
        report.skipped.len(),
        report.failed.len(),
        report.before
    );
    lines.push(if report.renewed.is_empty() && report.failed.is_empty() {
        format!("nothing due: {summary}")
    } else {
        summary
    });
    ctx.info(lines.join("\n"));
}

fn left_words(d: Duration) -> String {
    let s = format_time_left(d);
    if s.starts_with("expired") { s } else { format!("{s} left") }
}

/// Exit 1 when a renewal or --exec failed; the others are kept.
fn finish(report: &DueReport) -> anyhow::Result<Outcome> {
    if let Some(e) = report.exec.as_ref().filter(|e| !e.success) {
        let status = e.status.map_or_else(|| "killed by a signal".to_string(), |c| format!("exit status {c}"));
        bail!("--exec '{}' failed ({status}) after {} renewal(s)", e.command, report.renewed.len());
    }
    if !report.failed.is_empty() {
        let names: Vec<&str> = report.failed.iter().map(|f| f.name.as_str()).collect();
        bail!("{} of {} due renewal(s) failed: {}", names.len(), names.len() + report.renewed.len(), names.join(", "));
    }
    Ok(Outcome::Done)
}
