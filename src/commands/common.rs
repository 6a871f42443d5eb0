//! Pieces several commands share: the passphrase flag, validity checks,
//! expiry warnings, the store's notices, and the words for typed errors.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail};
use clap::Args;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::cli::Parsed;
use crate::output::{Ctx, hinted, passphrase_hint};
use crate::pki::build::Profile;
use crate::pki::build::Signer;
use crate::pki::dates::{days_left, human_time, rfc3339};
use crate::pki::keys::KeyError;
use crate::pki::names::{self, NameError, San, Subject};
use crate::prompt::PassSource;
use crate::store::identity::Identity;
use crate::store::issue::IssuedLeaf;
use crate::store::{Store, StoreError};

pub use crate::store::identity::safe_dir_name;

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

/// Open the store and say what opening it changed (a moved store's openssl.cnf).
pub fn open_store(ctx: &Ctx, dir: &Path) -> anyhow::Result<Store> {
    let store = Store::open(dir)?;
    ctx.notices(&store);
    Ok(store)
}

/// Prints the store's notices when dropped, so a failed command still says
/// what the store did on the way (a torn index line repaired).
pub struct Told<'a> {
    ctx: &'a Ctx,
    store: &'a Store,
}

impl Drop for Told<'_> {
    fn drop(&mut self) {
        self.ctx.notices(self.store);
    }
}

pub fn tell<'a>(ctx: &'a Ctx, store: &'a Store) -> Told<'a> {
    Told { ctx, store }
}

/// The store's CA, ready to sign; `flag` is the option that names a passphrase file.
pub fn signer(store: &Store, source: &PassSource, flag: &str) -> anyhow::Result<Signer> {
    store.signer(source).map_err(|e| {
        if let Some(StoreError::NoPassphrase(_)) = e.downcast_ref::<StoreError>() {
            return hinted(e.to_string(), passphrase_hint(flag));
        }
        if e.chain().any(|c| c.downcast_ref::<KeyError>().is_some_and(KeyError::is_wrong_passphrase)) {
            return hinted(
                format!("cannot decrypt the CA key {}: wrong passphrase", store.paths.ca_key.display()),
                wrong_passphrase_hint(source, flag),
            );
        }
        e
    })
}

/// Where the wrong passphrase came from, and how to give the right one.
fn wrong_passphrase_hint(source: &PassSource, flag: &str) -> String {
    let env = crate::prompt::PASSPHRASE_ENV;
    if let Some(f) = &source.file {
        return format!("the passphrase is the first line of {flag} {}: check that file", f.display());
    }
    if std::env::var_os(env).is_some_and(|v| !v.is_empty()) {
        return format!("the passphrase came from {env}: set it to the CA key's passphrase, or pass {flag} FILE");
    }
    format!("type it again, or pass {flag} FILE or set {env}")
}

/// A name error in the words of the flags the names came from.
pub fn name_words(e: anyhow::Error) -> anyhow::Error {
    match e.downcast_ref::<NameError>() {
        Some(NameError::CommonName(reason)) => anyhow!("{reason}").context("invalid --cn"),
        Some(NameError::SpiffeWithUri) => anyhow!(
            "--spiffe-id makes the certificate's only URI SAN; remove the uri: --san (an X.509-SVID has exactly one)"
        ),
        Some(NameError::ServerNeedsName(cn)) => {
            anyhow!("--profile server needs a DNS name or IP: '{cn}' is neither; add --san dns:NAME")
        }
        None => e,
    }
}

/// The subject of `--cn`, `--org`, `--san`, `--spiffe-id` and `--profile`, in
/// the words of those flags. The CN is checked before the SANs.
pub fn subject_of(
    cn: &str,
    org: Option<&str>,
    sans: &[Parsed<San>],
    spiffe_id: Option<&str>,
    profile: Option<Profile>,
) -> anyhow::Result<Subject> {
    let subject = || {
        names::check_subject_cn(cn)?;
        let sans = sans.iter().map(Parsed::get).collect::<anyhow::Result<Vec<San>>>()?;
        Subject::from_names(cn, org, &sans, spiffe_id, profile)
    };
    subject().map_err(name_words)
}

/// Turn `--validity` (as typed, and parsed) into a notAfter, refusing zero and
/// anything past the CA's own notAfter.
pub fn not_after_within_ca(
    validity: &str,
    d: Duration,
    now: OffsetDateTime,
    ca_not_after: OffsetDateTime,
) -> anyhow::Result<OffsetDateTime> {
    if d <= Duration::ZERO {
        bail!("--validity {validity} is zero: a certificate must be valid for some time (e.g. 24h, 90d)");
    }
    let not_after = now + d;
    if not_after > ca_not_after {
        return Err(hinted(
            format!(
                "--validity {validity} would end on {}, after the CA itself expires on {}",
                human_time(not_after),
                human_time(ca_not_after)
            ),
            format!("choose a validity of at most {}d", (ca_not_after - now).whole_days().max(0)),
        ));
    }
    Ok(not_after)
}

/// Warn when the CA expires soon: everything it signed stops working then.
pub fn warn_ca_expiry(ctx: &Ctx, ca_not_after: OffsetDateTime) {
    let days = days_left(ca_not_after);
    if days < 0 {
        ctx.warn(format!("the CA certificate expired on {}", human_time(ca_not_after)));
    } else if days < 30 {
        ctx.warn(format!(
            "the CA certificate expires in {days} days ({}); every certificate it issued stops working then",
            human_time(ca_not_after)
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
            human_time(next)
        ));
    } else if next - now < Duration::hours(24) {
        let left = next - now;
        ctx.warn(format!(
            "the CRL {} expires in {}h{:02}m ({}); servers that check it reject every client after that: run `mtlsctl gen-crl`",
            show_path(path),
            left.whole_hours(),
            left.whole_minutes() % 60,
            human_time(next)
        ));
    }
}

/// What `issue` and `sign` report.
#[derive(Serialize)]
pub struct Issued {
    pub serial: String,
    pub subject: String,
    pub common_name: String,
    pub profile: Profile,
    pub sans: Vec<San>,
    pub key_type: String,
    pub not_before: String,
    pub not_after: String,
    pub cert: String,
    pub key: Option<String>,
    pub chain: String,
    pub ca: String,
    pub newcert: String,
}

/// Print what was issued (issue and sign).
pub fn report_issued(
    ctx: &Ctx,
    store: &Store,
    issued: &IssuedLeaf,
    subject: &Subject,
    id: &Identity,
    with_key: bool,
) -> anyhow::Result<()> {
    let (der, serial) = (&issued.der, &issued.serial);
    let cert = crate::pki::certinfo::parse(der)?;
    let na = crate::pki::certinfo::not_after(&cert);
    let report = Issued {
        serial: serial.clone(),
        subject: crate::pki::names::display_name(cert.subject()),
        common_name: subject.cn.clone(),
        profile: subject.profile,
        sans: subject.sans.clone(),
        key_type: crate::pki::keys::describe_spki(cert.public_key().raw).unwrap_or_default(),
        not_before: rfc3339(crate::pki::certinfo::not_before(&cert)),
        not_after: rfc3339(na),
        cert: id.cert().display().to_string(),
        key: with_key.then(|| id.key().display().to_string()),
        chain: id.chain().display().to_string(),
        ca: id.ca().display().to_string(),
        newcert: store.paths.newcert(serial).display().to_string(),
    };
    ctx.emit(&report)?;
    let sans = if subject.sans.is_empty() {
        String::new()
    } else {
        format!(" [{}]", subject.sans.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
    };
    let mut text = format!(
        "Issued {} certificate for \"{}\"{sans}\n  serial {serial}, valid until {} ({} days)\n  cert:  {}\n",
        subject.profile.name(),
        subject.cn,
        human_time(na),
        days_left(na),
        show_path(&id.cert()),
    );
    if with_key {
        text.push_str(&format!("  key:   {}\n", show_path(&id.key())));
    }
    text.push_str(&format!("  chain: {}\n  ca:    {}", show_path(&id.chain()), show_path(&id.ca())));
    ctx.info(text);
    Ok(())
}
