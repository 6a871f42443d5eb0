//! `mtlsctl gen-crl`: sign a CRL of every revoked certificate in index.txt,
//! numbered from `crlnumber` as `openssl ca -gencrl` numbers them.

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use clap::Args;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::common::{self, PassArgs, show_path};
use crate::Outcome;
use crate::cli::{Parsed, Window};
use crate::output::{Ctx, format_time_left};
use crate::pki::dates::{human_time, rfc3339};
use crate::pki::{certinfo, crl};
use crate::store::Store;
use crate::store::fsio;
use crate::store::index::Reason;
use crate::store::parent::{PARENT_FILE, ParentCrl};
use crate::store::publish::{CrlOrder, NotAParent, Published};

/// Sign and publish a CRL of every revoked certificate
///
/// Writes crl/ca.crl (PEM) with each revoked certificate's date and reason,
/// the next number from `crlnumber` (then incremented, as `openssl ca
/// -gencrl` does) and a nextUpdate after --next-update. Servers that check
/// the CRL (nginx ssl_crl) reject every client once nextUpdate passes, so run
/// it again before then, e.g. daily from cron. For an intermediate CA it also
/// writes crl/ca-chain.crl, this CRL followed by the parent store's current
/// CRL (the parent init-ca --parent recorded), which nginx ssl_crl needs.
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl gen-crl
  mtlsctl gen-crl --next-update 30d --der /srv/www/ca.crl.der
  mtlsctl --batch gen-crl --if-due --exec 'nginx -s reload'   # from cron/systemd: only when half its life is gone
  mtlsctl revoke --cn old-client --yes && mtlsctl gen-crl && nginx -s reload")]
pub struct GenCrlArgs {
    /// How long the CRL is valid: its nextUpdate (e.g. 24h, 7d, 30d)
    #[arg(long, default_value = "7d", value_name = "DURATION")]
    pub next_update: Parsed<Duration>,
    /// Also write the CRL in DER form to FILE
    #[arg(long, value_name = "FILE")]
    pub der: Option<PathBuf>,
    /// Leave out revoked certificates that have expired
    #[arg(long)]
    pub exclude_expired: bool,
    /// Only regenerate when the current CRL is due: at most DURATION or PERCENT of its lifetime left
    /// (for an intermediate, also when the parent store has published a new CRL)
    #[arg(long)]
    pub if_due: bool,
    /// With --if-due: the window, e.g. 2d or 50% (100% always regenerates) [default: 50%]
    #[arg(long, value_name = "DURATION|PERCENT", requires = "if_due")]
    pub before: Option<Parsed<Window>>,
    /// For an intermediate CA: the parent CAs' CRLs (PEM) to bundle into crl/ca-chain.crl
    /// [default: the parent store's current CRL (recorded by init-ca --parent), else those
    /// already in crl/ca-chain.crl]
    #[arg(long, value_name = "FILE")]
    pub parent_crl: Option<PathBuf>,
    /// After writing a CRL, run CMD through `sh -c` (e.g. 'nginx -s reload': nginx reads
    /// ssl_crl only at start and reload); with --if-due only when a CRL was written
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
    #[command(flatten)]
    pub pass: PassArgs,
}

#[derive(Serialize)]
struct CrlEntryReport {
    serial: String,
    subject: String,
    index_subject: String,
    revoked_at: String,
    reason: Option<Reason>,
    invalidity_date: Option<String>,
}

#[derive(Serialize)]
struct GenCrlReport {
    /// Always true here; false only in --if-due's not-due report.
    regenerated: bool,
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
    /// The parent store's CRL file bundled into chain_crl (without --parent-crl).
    parent_crl_source: Option<String>,
    /// The CAs of the chain that chain_crl holds no CRL of (nginx then rejects their clients).
    chain_crl_uncovered: Vec<String>,
    /// `--exec`'s command and exit status.
    exec: Option<common::ExecReport>,
}

#[derive(Serialize)]
struct NotDue {
    regenerated: bool,
    crl: String,
    this_update: String,
    next_update: String,
}

/// --if-due: whether the current CRL still has more than the window left
/// (then say so). A missing or unreadable CRL is due.
fn not_due(ctx: &Ctx, path: &Path, window: Window) -> anyhow::Result<bool> {
    let Some(der) = fsio::read(path).ok().and_then(|b| crl::load_crls(&b).ok()).and_then(|c| c.into_iter().next())
    else {
        return Ok(false);
    };
    let Ok(parsed) = crl::parse(&der) else { return Ok(false) };
    let this = parsed.last_update().to_datetime();
    let Some(next) = parsed.next_update().map(|t| t.to_datetime()) else { return Ok(false) };
    let now = OffsetDateTime::now_utc();
    if window.due(this, next, now) {
        return Ok(false);
    }
    ctx.emit(&NotDue {
        regenerated: false,
        crl: path.display().to_string(),
        this_update: rfc3339(this),
        next_update: rfc3339(next),
    })?;
    ctx.info(format!(
        "{} is current until {} ({} left): not due, nothing to do",
        show_path(path),
        human_time(next),
        format_time_left(next - now)
    ));
    Ok(true)
}

/// --if-due for an intermediate: its chain CRL is due too when it leaves a CA
/// out, a parent's CRL in it is due, or the parent store has published a newer
/// one, so a daily `gen-crl --if-due` never lets the parent's CRL run out.
fn chain_due(store: &Store, window: Window) -> bool {
    let Ok(chain) = store.ca_chain_ders() else { return false };
    if chain.len() < 2 {
        return false;
    }
    let Some(bundle) = fsio::read(&store.paths.chain_crl).ok().and_then(|b| crl::load_crls(&b).ok()) else {
        return true;
    };
    let now = OffsetDateTime::now_utc();
    let due = |der: &Vec<u8>| {
        crl::parse(der).map_or(true, |c| {
            c.next_update().is_none_or(|next| window.due(c.last_update().to_datetime(), next.to_datetime(), now))
        })
    };
    if !crl::uncovered(&chain, &bundle).is_empty() || bundle.iter().any(due) {
        return true;
    }
    match store.parent_crl() {
        ParentCrl::Found { ders, .. } => ders.iter().any(|d| !bundle.contains(d)),
        _ => false,
    }
}

/// The CRLs of --parent-crl FILE, in its words.
fn read_parent_crls(file: &Path) -> anyhow::Result<Vec<Vec<u8>>> {
    crl::load_crls(&fsio::read(file)?).with_context(|| format!("cannot read --parent-crl {}", file.display()))
}

pub fn run(ctx: &Ctx, args: &GenCrlArgs) -> anyhow::Result<Outcome> {
    let validity = args.next_update.get().context("invalid --next-update")?;
    if validity <= Duration::ZERO {
        anyhow::bail!(
            "--next-update {} is zero: a CRL must be valid for some time (e.g. 24h, 7d)",
            args.next_update.text()
        );
    }
    let window = match &args.before {
        Some(b) => b.get().context("invalid --before")?,
        None => Window::Share(50.0),
    };
    let store = common::open_store(ctx, &ctx.global.dir)?;
    let _told = common::tell(ctx, &store);
    if args.if_due && !chain_due(&store, window) && not_due(ctx, &store.paths.crl, window)? {
        return Ok(Outcome::Done);
    }
    let signer = common::signer(&store, &args.pass.source(ctx), "--passphrase-file")?;
    let ca_end = certinfo::not_after(&certinfo::parse(&signer.cert_der)?);
    let now = OffsetDateTime::now_utc();
    let next = now + validity;
    // Only an intermediate bundles its parents' CRLs: those given, else the parent store's.
    let chain = store.ca_chain_ders()?;
    let (parent_crls, parent_source) = match args.parent_crl.as_deref() {
        Some(f) if chain.len() > 1 => (Some(read_parent_crls(f)?), None),
        None if chain.len() > 1 => from_parent_store(ctx, &store),
        _ => (None, None),
    };
    let announce = |n: usize| ctx.info(format!("signing a CRL of {n} entries..."));
    let order = CrlOrder {
        now,
        next_update: next,
        exclude_expired: args.exclude_expired,
        der_copy: args.der.as_deref(),
        parent_crls,
        list_entries: ctx.json(),
        on_large: &announce,
    };
    let published = store.publish_crl(&signer, &order).map_err(|e| match e.downcast_ref::<NotAParent>() {
        Some(NotAParent { issuer }) => anyhow!(
            "{} holds a CRL from {issuer}, which is not a parent of this CA",
            match (&args.parent_crl, &parent_source) {
                (Some(f), _) => format!("--parent-crl {}", f.display()),
                (None, Some(crl)) => format!("the parent store's {}", crl.display()),
                (None, None) => "crl/ca-chain.crl".into(),
            }
        ),
        None => e,
    })?;
    ctx.notices(&store);
    if !published.remove_from_crl.is_empty() {
        ctx.warn(format!(
            "index.txt revokes {} with reason removeFromCRL (written by another tool): that reason belongs only in delta CRLs (RFC 5280 §5.3.1), and OpenSSL, nginx and `mtlsctl verify` read such an entry as not revoked",
            published.remove_from_crl.join(", ")
        ));
    }
    let exec = args.exec.as_deref().map(common::run_exec).transpose()?;
    let report = GenCrlReport {
        regenerated: true,
        crl: store.paths.crl.display().to_string(),
        der: args.der.as_deref().map(common::json_path),
        crl_number: crl::format_hex_number(&published.number),
        this_update: rfc3339(now),
        next_update: rfc3339(next),
        revoked_count: published.revoked_count,
        excluded_expired: published.excluded_expired,
        revoked: published
            .listed
            .iter()
            .map(|e| CrlEntryReport {
                serial: e.serial.clone(),
                subject: crate::pki::names::oneline_to_display(&e.subject),
                index_subject: e.subject.clone(),
                revoked_at: rfc3339(e.revoked_at),
                reason: e.reason,
                invalidity_date: e.invalidity.map(rfc3339),
            })
            .collect(),
        chain_crl: published.chain_crl.as_ref().map(|p| p.display().to_string()),
        parent_crl_source: parent_source.as_ref().map(|p| p.display().to_string()),
        chain_crl_uncovered: if chain.len() > 1 {
            let mut bundle = vec![published.der.clone()];
            bundle.extend(published.parent_crls.iter().cloned());
            crl::uncovered(&chain, &bundle)
        } else {
            Vec::new()
        },
        exec,
    };
    ctx.emit(&report)?;
    print_published(ctx, args, &report, &published, next, validity);
    warn_chain_crl(ctx, &store, &report, &published, now);
    warn_store(ctx, &store, ca_end);
    if let Some(e) = report.exec.as_ref().filter(|e| !e.success) {
        let status = e.status.map_or_else(|| "killed by a signal".to_string(), |c| format!("exit status {c}"));
        anyhow::bail!("--exec '{}' failed ({status}) after writing the CRL", e.command);
    }
    Ok(Outcome::Done)
}

/// What every signing command says after its work: the CRL's and the CA's expiry, a revoked chain.
fn warn_store(ctx: &Ctx, store: &Store, ca_end: OffsetDateTime) {
    common::warn_crl_expiry(ctx, store);
    common::warn_revoked_ca(ctx, store);
    common::warn_ca_expiry(ctx, ca_end);
}

fn print_published(
    ctx: &Ctx,
    args: &GenCrlArgs,
    report: &GenCrlReport,
    published: &Published,
    next: OffsetDateTime,
    validity: Duration,
) {
    let mut text = format!(
        "Wrote CRL number {} listing {} revoked certificate{} to {}\n",
        report.crl_number,
        report.revoked_count,
        if report.revoked_count == 1 { "" } else { "s" },
        show_path(Path::new(&report.crl))
    );
    if let Some(d) = &args.der {
        text.push_str(&format!("  DER copy: {}\n", show_path(d)));
    }
    if let Some(chain_crl) = &published.chain_crl {
        text.push_str(&format!(
            "  with the parent CAs' CRLs ({} found{}): {}\n",
            published.parent_crls.len(),
            report
                .parent_crl_source
                .as_ref()
                .map(|p| format!(", from {}", show_path(Path::new(p))))
                .unwrap_or_default(),
            show_path(chain_crl)
        ));
    }
    if report.excluded_expired > 0 {
        text.push_str(&format!(
            "  left out {} expired revoked certificate(s) (--exclude-expired)\n",
            report.excluded_expired
        ));
    }
    text.push_str(&format!(
        "Next CRL due by {} (in {}): servers that check this CRL reject every client after that unless `mtlsctl gen-crl` runs again.\nReload servers that use it (nginx -s reload).",
        human_time(next),
        crate::pki::dates::time_left(validity)
    ));
    ctx.info(text);
}

/// The parent store's CRLs for the bundle and the file they came from; when
/// there are none, why, and `None` (the previous bundle's are kept).
fn from_parent_store(ctx: &Ctx, store: &Store) -> (Option<Vec<Vec<u8>>>, Option<PathBuf>) {
    let again = |parent: &Path| format!("run `mtlsctl --dir {} gen-crl`, then gen-crl here again", parent.display());
    match store.parent_crl() {
        ParentCrl::Found { crl, ders, .. } => return (Some(ders), Some(crl)),
        ParentCrl::NotRecorded => {}
        ParentCrl::Unreachable { parent, error } => ctx.warn(format!(
            "the parent store {} recorded in {PARENT_FILE} cannot be opened ({error}): its CRL is not refreshed; pass --parent-crl PARENT_STORE/crl/ca.crl",
            parent.display()
        )),
        ParentCrl::NotTheParent { parent } => ctx.warn(format!(
            "{} (recorded in {PARENT_FILE}) holds another CA than the one that signed this one: its CRL is not used; pass --parent-crl PARENT_STORE/crl/ca.crl",
            parent.display()
        )),
        ParentCrl::NoCrl { parent, crl } => ctx.warn(format!(
            "the parent store {} has no CRL yet ({} is missing): {}",
            parent.display(),
            crl.display(),
            again(&parent)
        )),
        ParentCrl::BadCrl { parent, crl, error } => {
            ctx.warn(format!("the parent's CRL {} cannot be read ({error}): {}", crl.display(), again(&parent)));
        }
    }
    (None, None)
}

/// Say loudly when the chain CRL leaves a CA out, or a parent's CRL in it has
/// expired or soon will: nginx then rejects every client of this CA.
fn warn_chain_crl(ctx: &Ctx, store: &Store, report: &GenCrlReport, published: &Published, now: OffsetDateTime) {
    let Some(chain_crl) = &published.chain_crl else { return };
    let fix = match store.parent_store() {
        Some(p) => format!("run `mtlsctl --dir {} gen-crl`, then gen-crl here again", p.display()),
        None => "pass --parent-crl PARENT_STORE/crl/ca.crl (a parent intermediate's crl/ca-chain.crl)".into(),
    };
    if !report.chain_crl_uncovered.is_empty() {
        ctx.warn(format!(
            "{} has no CRL of {}: nginx (ssl_crl) rejects every client certificate of this CA (\"unable to get certificate CRL\") until it does; {fix}",
            show_path(chain_crl),
            report.chain_crl_uncovered.join(", ")
        ));
    }
    match crl::earliest_next_update(&published.parent_crls) {
        Some(t) if t <= now => ctx.warn(format!(
            "a parent CA's CRL in {} expired on {}: nginx rejects every client (\"CRL has expired\") until it is renewed; {fix}",
            show_path(chain_crl),
            human_time(t)
        )),
        Some(t) if t < now + Duration::hours(24) => ctx.warn(format!(
            "a parent CA's CRL in {} expires on {}, and nginx then rejects every client; {fix}",
            show_path(chain_crl),
            human_time(t)
        )),
        _ => {}
    }
}
