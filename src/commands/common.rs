//! Pieces several commands share: the passphrase flag, validity checks,
//! expiry warnings, and where an identity's files go.

use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::Args;
use time::{Duration, OffsetDateTime};

use crate::output::Ctx;
use crate::store::{PassSource, Store};
use crate::util;

/// The CA passphrase, for commands that sign.
#[derive(Args, Debug, Clone, Default)]
pub struct PassArgs {
    /// Read the CA key passphrase from the first line of FILE (else $MTLSCTL_CA_PASSPHRASE, else a prompt)
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

impl PassArgs {
    pub fn source(&self, ctx: &Ctx) -> PassSource {
        PassSource { file: self.passphrase_file.clone(), batch: ctx.batch }
    }
}

/// Turn `--validity` into a notAfter, refusing zero and anything past the CA's own notAfter.
pub fn not_after_within_ca(
    validity: &str,
    now: OffsetDateTime,
    ca_not_after: OffsetDateTime,
) -> anyhow::Result<OffsetDateTime> {
    let d = util::parse_duration(validity)?;
    if d <= Duration::ZERO {
        bail!("--validity {validity} is zero: a certificate must be valid for some time (e.g. 24h, 90d)");
    }
    let not_after = now + d;
    if not_after > ca_not_after {
        return Err(crate::output::hinted(
            format!(
                "--validity {validity} would end on {}, after the CA itself expires on {}",
                util::human_time(not_after),
                util::human_time(ca_not_after)
            ),
            format!("choose a validity of at most {}d", (ca_not_after - now).whole_days().max(0)),
        ));
    }
    Ok(not_after)
}

/// A directory name from a CN: anything but letters, digits, `.`, `-`, `_` and `@` becomes `_`.
pub fn safe_dir_name(cn: &str) -> String {
    let s: String = cn
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@') { c } else { '_' })
        .collect();
    if s.starts_with('.') { format!("_{s}") } else { s }
}

/// Where `issue`/`sign` write a subject's files.
pub fn identity_dir(store: &Store, cn: &str, out: Option<&Path>) -> PathBuf {
    match out {
        Some(o) => o.to_path_buf(),
        None => store.paths.issued.join(safe_dir_name(cn)),
    }
}

/// Warn when the CA expires soon: everything it signed stops working then.
pub fn warn_ca_expiry(ctx: &Ctx, ca_not_after: OffsetDateTime) {
    let days = util::days_left(ca_not_after);
    if days < 0 {
        ctx.warn(format!("the CA certificate expired on {}", util::human_time(ca_not_after)));
    } else if days < 30 {
        ctx.warn(format!(
            "the CA certificate expires in {days} days ({}); every certificate it issued stops working then",
            util::human_time(ca_not_after)
        ));
    }
}

/// A path as people should copy it: relative to the working directory when under it.
pub fn show_path(p: &Path) -> String {
    if let Ok(cwd) = std::env::current_dir() {
        if let Ok(rel) = p.strip_prefix(&cwd) {
            return rel.display().to_string();
        }
    }
    p.display().to_string()
}

/// Warn when the store's CRL expires within 24 hours or has expired: servers
/// that check it (nginx `ssl_crl`, OpenVPN) then refuse every client.
pub fn warn_crl_expiry(ctx: &Ctx, store: &Store) {
    let path = &store.paths.crl;
    let Ok(bytes) = std::fs::read(path) else { return };
    let headers = crate::pki::crl::headers(&bytes);
    if headers.is_empty() {
        ctx.warn(format!("cannot read the CRL {}; run `mtlsctl gen-crl` to write a new one", show_path(path)));
        return;
    }
    let Some(next) = headers.iter().filter_map(|h| h.next_update).min() else { return };
    let now = OffsetDateTime::now_utc();
    if next <= now {
        ctx.warn(format!(
            "the CRL {} expired on {}: servers that check it reject every client certificate; run `mtlsctl gen-crl`",
            show_path(path),
            util::human_time(next)
        ));
    } else if next - now < Duration::hours(24) {
        let left = next - now;
        ctx.warn(format!(
            "the CRL {} expires in {}h{:02}m ({}); servers that check it reject every client after that: run `mtlsctl gen-crl`",
            show_path(path),
            left.whole_hours(),
            left.whole_minutes() % 60,
            util::human_time(next)
        ));
    }
}
