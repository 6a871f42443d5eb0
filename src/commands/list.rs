//! `mtlsctl list`: the store's certificates from index.txt.

use anyhow::Context;
use clap::Args;
use serde::Serialize;
use time::OffsetDateTime;

use crate::Outcome;
use crate::cli::Parsed;
use crate::output::{Ctx, Role, style};
use crate::pki::dates::{days_left, rfc3339, time_left};
use crate::store::index::{Reason, Status};

/// List the store's certificates (from index.txt)
///
/// Shows status, serial, subject, expiry and time left. Certificates that
/// `openssl ca` signed or revoked on the same directory appear too.
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl list
  mtlsctl list --expiring 7d          # valid certificates that expire within a week
  mtlsctl list --revoked --json | jq -r '.certificates[].serial'")]
pub struct ListArgs {
    /// Only valid certificates expiring within DURATION (e.g. 7d, 24h)
    #[arg(long, value_name = "DURATION")]
    pub expiring: Option<Parsed<time::Duration>>,
    /// Only revoked certificates
    #[arg(long, conflicts_with_all = ["valid", "expiring"])]
    pub revoked: bool,
    /// Only valid certificates (not revoked, not expired)
    #[arg(long)]
    pub valid: bool,
}

#[derive(Serialize)]
pub struct Row {
    pub status: Status,
    pub serial: String,
    /// `CN=x, O=y`, as every command's JSON says it.
    pub subject: String,
    /// As index.txt holds it: OpenSSL's `/CN=x/O=y`, with its escaping.
    pub index_subject: String,
    pub common_name: Option<String>,
    pub not_after: Option<String>,
    pub days_left: Option<i64>,
    pub revoked_at: Option<String>,
    pub reason: Option<Reason>,
    /// notAfter for the table's time-left column.
    #[serde(skip)]
    pub end: Option<OffsetDateTime>,
}

#[derive(Serialize)]
struct Listing<'a> {
    store: String,
    count: usize,
    certificates: &'a [Row],
}

pub fn run(ctx: &Ctx, args: &ListArgs) -> anyhow::Result<Outcome> {
    let window = match &args.expiring {
        Some(w) => Some(w.get().context("invalid --expiring")?),
        None => None,
    };
    let store = super::common::open_store(ctx, &ctx.global.dir)?;
    let index = store.read_index()?;
    let now = OffsetDateTime::now_utc();
    let mut rows = Vec::new();
    for e in &index.entries {
        let status = e.effective_status(now);
        let na = e.not_after();
        if args.revoked && status != Status::Revoked {
            continue;
        }
        if (args.valid || window.is_some()) && status != Status::Valid {
            continue;
        }
        if let (Some(w), Some(t)) = (window, na) {
            if t > now + w {
                continue;
            }
        }
        let rev = if status == Status::Revoked { e.revocation_info().ok() } else { None };
        rows.push(Row {
            status,
            serial: e.serial.clone(),
            subject: crate::pki::names::oneline_to_display(&e.subject),
            index_subject: e.subject.clone(),
            common_name: e.common_name(),
            not_after: na.map(rfc3339),
            days_left: na.map(days_left),
            revoked_at: rev.as_ref().map(|r| rfc3339(r.time)),
            reason: rev.and_then(|r| r.reason),
            end: na,
        });
    }
    ctx.emit(&Listing { store: store.paths.root.display().to_string(), count: rows.len(), certificates: &rows })?;
    // With --json, stdout holds the listing; the table would only repeat it on stderr.
    if !ctx.json() {
        ctx.result(table(&rows, ctx.color_stdout()));
    }
    super::common::warn_crl_expiry(ctx, &store);
    super::common::warn_revoked_ca(ctx, &store);
    if let Ok(der) = store.ca_cert_der()
        && let Ok(ca) = crate::pki::certinfo::parse(&der)
    {
        super::common::warn_ca_expiry(ctx, crate::pki::certinfo::not_after(&ca));
    }
    Ok(Outcome::Done)
}

fn table(rows: &[Row], color: bool) -> String {
    if rows.is_empty() {
        return "no certificates\n".to_string();
    }
    let header = ["STATUS", "SERIAL", "NOT AFTER", "LEFT", "SUBJECT"];
    let now = OffsetDateTime::now_utc();
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            let status = match (r.status, r.reason) {
                (Status::Revoked, Some(reason)) => format!("revoked ({})", reason.openssl_name()),
                (s, _) => format!("{s:?}").to_lowercase(),
            };
            [
                status,
                r.serial.clone(),
                r.not_after.clone().unwrap_or_default().replace('T', " ").replace('Z', ""),
                r.end.filter(|_| r.status != Status::Revoked).map(|t| time_left(t - now)).unwrap_or_default(),
                // Another tool may have written the line: no terminal escapes.
                crate::pki::names::oneline_for_people(&r.index_subject),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for c in &cells {
        for (i, v) in c.iter().enumerate() {
            widths[i] = widths[i].max(v.chars().count());
        }
    }
    let mut out = String::new();
    let line = |vals: [&str; 5]| -> String {
        let mut s = String::new();
        for (i, v) in vals.iter().enumerate() {
            if i == vals.len() - 1 {
                s.push_str(v);
            } else {
                s.push_str(&format!("{v:<w$}  ", w = widths[i]));
            }
        }
        s.trim_end().to_string()
    };
    out.push_str(&style(color, Role::Heading, &line(header)));
    out.push('\n');
    for (r, c) in rows.iter().zip(&cells) {
        let text = line([&c[0], &c[1], &c[2], &c[3], &c[4]]);
        let role = match r.status {
            Status::Revoked => Some(Role::Bad),
            Status::Expired => Some(Role::Dim),
            _ if r.days_left.is_some_and(|d| d < 7) => Some(Role::Caution),
            _ => None,
        };
        out.push_str(&match role {
            Some(role) => style(color, role, &text),
            None => text,
        });
        out.push('\n');
    }
    out
}
