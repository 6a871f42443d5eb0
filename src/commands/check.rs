//! `mtlsctl check`: inspect the whole store, optionally repair what is safe (SPEC §9).

use clap::Args;
use serde::Serialize;
use time::OffsetDateTime;

use super::common::{self, show_path};
use crate::Outcome;
use crate::output::{Ctx, Role, style};
use crate::pki::names::printable;
use crate::store::check::{self, Finding};

/// Check the store for problems: lost index lines, identities, modes, stale temp files, the CRL
///
/// Every newcerts/ certificate needs an index.txt line and every V/R line its
/// certificate (`openssl ca`, which takes no lock, can drop a line mtlsctl
/// appended while it rewrites index.txt); issued/ identities must match their
/// index lines and their keys; no valid certificate may carry the key of one
/// revoked for keyCompromise; private files 0600 and directories 0700; no
/// stale temporary files; the CRL present, current and listing every revoked
/// line; the CA not within 30 days of its end; openssl.cnf naming this store.
///
/// Exit 0 when clean, 3 when problems were found, 1 when the check cannot run.
/// With --repair (under the store lock) an orphan certificate's index line is
/// re-added, as `openssl ca -valid` does, and stale temporary files are
/// removed; exit 0 when everything found was repaired, else 3.
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl check
  mtlsctl check --repair && mtlsctl gen-crl
  mtlsctl check --json | jq -r '.problems[].code'")]
pub struct CheckArgs {
    /// Re-add the index lines of orphan certificates and remove stale temporary files
    #[arg(long)]
    pub repair: bool,
}

#[derive(Serialize)]
struct Checked<'a> {
    store: String,
    clean: bool,
    repair: bool,
    index_lines: usize,
    certificates: usize,
    identities: usize,
    /// Problems found and not repaired.
    remaining: usize,
    problems: &'a [Finding],
}

pub fn run(ctx: &Ctx, args: &CheckArgs) -> anyhow::Result<Outcome> {
    let store = common::open_store(ctx, &ctx.global.dir)?;
    let report = check::run(&store, args.repair, OffsetDateTime::now_utc());
    ctx.notices(&store);
    let report = report?;
    let remaining = report.remaining();
    ctx.emit(&Checked {
        store: store.paths.root.display().to_string(),
        clean: report.findings.is_empty(),
        repair: args.repair,
        index_lines: report.index_lines,
        certificates: report.certificates,
        identities: report.identities,
        remaining,
        problems: &report.findings,
    })?;
    let on = ctx.color_stdout();
    let mut text = String::new();
    for f in &report.findings {
        let (role, word) = if f.repaired { (Role::Good, "repaired") } else { (Role::Bad, "problem") };
        let at = f.path.as_ref().map(|p| format!(" [{}]", show_path(p))).unwrap_or_default();
        text.push_str(&format!("{} {}: {}{at}\n", style(on, role, word), f.code, printable(&f.message)));
        if let ("compromised_key_in_use", Some(serial)) = (f.code, &f.serial) {
            text.push_str(&format!("  revoke it too: mtlsctl revoke --serial {serial} --reason key-compromise\n"));
        }
    }
    let repairable = report.findings.iter().filter(|f| f.repairable && !f.repaired).count();
    text.push_str(&match (report.findings.len(), remaining) {
        (0, _) => format!(
            "The store is consistent: {} index lines, {} certificate files, {} identities.\n",
            report.index_lines, report.certificates, report.identities
        ),
        (n, 0) => format!("All {n} problems were repaired.\n"),
        (_, r) if repairable > 0 => {
            format!("{r} {}; {repairable} can be repaired with `mtlsctl check --repair`.\n", plural(r, "problem"))
        }
        (_, 1) => "1 problem remains.\n".to_string(),
        (_, r) => format!("{r} problems remain.\n"),
    });
    ctx.result(text);
    Ok(if remaining == 0 { Outcome::Done } else { Outcome::Negative })
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { word.to_string() } else { format!("{word}s") }
}
