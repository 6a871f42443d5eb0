//! Pieces several commands share: the passphrase flag, validity checks,
//! expiry warnings, the store's notices, and the words for typed errors.

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use clap::Args;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::cli::Parsed;
use crate::output::{Ctx, hinted, passphrase_hint};
use crate::pki::build::Profile;
use crate::pki::build::Signer;
use crate::pki::dates::{human_time, rfc3339, time_left};
use crate::pki::keys::KeyError;
use crate::pki::names::{self, NameError, San, Subject};
use crate::prompt::PassSource;
use crate::store::identity::{Identity, Replacing, Standing};
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
        Some(NameError::ServerNeedsName { cn, profile }) => {
            anyhow!("--profile {} needs a DNS name or IP: '{cn}' is neither; add --san dns:NAME", profile.name())
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
            format!("choose a validity of at most {}", longest_validity(ca_not_after - now)),
        ));
    }
    Ok(not_after)
}

/// The longest `--validity` that fits in `room`, in the largest unit that
/// keeps it above zero: "364d", "23h", "45m".
pub fn longest_validity(room: Duration) -> String {
    if room >= Duration::days(1) {
        format!("{}d", room.whole_days())
    } else if room >= Duration::hours(1) {
        format!("{}h", room.whole_hours())
    } else {
        format!("{}m", room.whole_minutes().max(0))
    }
}

/// Refuse to sign with a CA that the CA above it revoked: servers that check
/// CRLs reject whatever it signs.
pub fn refuse_revoked_ca(store: &Store) -> anyhow::Result<()> {
    match store.revoked_in_chain() {
        Some(r) => anyhow::bail!("{}; nothing was signed", revoked_ca_words(store, &r)),
        None => Ok(()),
    }
}

/// Say so when a CA of this store's chain is revoked (list, gen-crl, ocsp).
pub fn warn_revoked_ca(ctx: &Ctx, store: &Store) {
    if let Some(r) = store.revoked_in_chain() {
        ctx.warn(revoked_ca_words(store, &r));
    }
}

fn revoked_ca_words(store: &Store, r: &crate::store::parent::RevokedCa) -> String {
    let whom = if r.own {
        format!("this CA ({}, serial {})", r.subject, r.serial)
    } else {
        format!("{} (serial {}), a CA above this one,", r.subject, r.serial)
    };
    let reason = r.listed.reason.map(|x| format!(" ({})", x.cli_name())).unwrap_or_default();
    let parent = store.parent_store().map_or_else(|| "PARENT_STORE".to_string(), |p| show_path(&p));
    format!(
        "{whom} was revoked by {} on {}{reason}, says {}: servers that check CRLs reject every certificate it signed; make a new intermediate (mtlsctl --dir NEW_STORE init-ca --parent {parent}) and issue from it",
        r.by,
        human_time(r.listed.revoked_at),
        show_path(&r.source)
    )
}

/// Warn when the CA expires soon: everything it signed stops working then.
pub fn warn_ca_expiry(ctx: &Ctx, ca_not_after: OffsetDateTime) {
    let left = ca_not_after - OffsetDateTime::now_utc();
    if left < Duration::ZERO {
        ctx.warn(format!("the CA certificate expired on {}", human_time(ca_not_after)));
    } else if left < Duration::days(30) {
        ctx.warn(format!(
            "the CA certificate expires in {} ({}); every certificate it issued stops working then",
            time_left(left),
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

/// Dynamic completion (`COMPLETE=bash mtlsctl`) of `--cn`/`--name`/`--server`:
/// the identities under the store's issued/, the store found as the command
/// line being completed names it (`--dir`, else $MTLSCTL_DIR, else ./pki).
pub fn identity_candidates() -> Vec<clap_complete::CompletionCandidate> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut dir = std::env::var_os("MTLSCTL_DIR").filter(|v| !v.is_empty()).map(PathBuf::from);
    for (i, a) in args.iter().enumerate() {
        let a = a.to_string_lossy();
        if a == "--dir" {
            dir = args.get(i + 1).map(PathBuf::from).or(dir);
        } else if let Some(v) = a.strip_prefix("--dir=") {
            dir = Some(PathBuf::from(v));
        }
    }
    let Some(store) = Store::peek(&dir.unwrap_or_else(|| PathBuf::from("pki"))) else { return Vec::new() };
    let mut names: Vec<String> = std::fs::read_dir(&store.paths.issued)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            // The flags take the CN, which the directory name may have had to change (`café` in caf_/).
            let cn_of = |file: &Path| {
                let der = crate::pki::certinfo::load_certs(&std::fs::read(file).ok()?).ok()?.into_iter().next()?;
                let cert = crate::pki::certinfo::parse(&der).ok()?;
                names::common_name(cert.subject())
            };
            if p.join("cert.pem").is_file() {
                Some(cn_of(&p.join("cert.pem")).unwrap_or(name))
            } else {
                // easy-rsa keeps issued/<name>.crt.
                let stem = name.strip_suffix(".crt").filter(|_| store.is_easyrsa() && p.is_file())?;
                Some(cn_of(&p).unwrap_or_else(|| stem.to_string()))
            }
        })
        .collect();
    names.sort();
    names.dedup();
    names.into_iter().map(clap_complete::CompletionCandidate::new).collect()
}

/// A path as the JSON gives it: absolute (SPEC §10), whatever form the user typed.
pub fn json_path(p: &Path) -> String {
    crate::store::fsio::absolute(p).unwrap_or_else(|_| p.to_path_buf()).display().to_string()
}

/// How close to its nextUpdate a CRL valid from `this_update` warns: 24 hours,
/// or a quarter of its lifetime when that is shorter, so a CRL made on purpose
/// for 12 hours is not flagged the moment it is written (it warns 3 h before).
pub fn crl_warning_window(this_update: OffsetDateTime, next_update: OffsetDateTime) -> Duration {
    let lifetime = (next_update - this_update).max(Duration::ZERO);
    (lifetime / 4_i32).min(Duration::hours(24))
}

/// Warn when the store's CRL has expired or nears its nextUpdate
/// (`crl_warning_window`): servers that check it (nginx `ssl_crl`, OpenVPN)
/// then refuse every client.
pub fn warn_crl_expiry(ctx: &Ctx, store: &Store) {
    warn_crl_file_expiry(ctx, &store.paths.crl, "run `mtlsctl gen-crl`".into());
    // An intermediate's nginx reads the bundle: a parent's CRL in it that
    // expires refuses every client as surely as our own.
    if store.paths.chain_crl.exists() {
        let parent = store.parent_store().map_or_else(|| "PARENT".to_string(), |p| show_path(&p));
        let here = show_path(&store.paths.root);
        let fix = format!("run `mtlsctl --dir {parent} gen-crl`, then `mtlsctl --dir {here} gen-crl`");
        warn_crl_file_expiry(ctx, &store.paths.chain_crl, fix);
    }
}

fn warn_crl_file_expiry(ctx: &Ctx, path: &Path, fix: String) {
    let Ok(bytes) = std::fs::read(path) else { return };
    let headers = crate::pki::crl::headers(&bytes);
    if headers.is_empty() {
        ctx.warn(format!("cannot read the CRL {}; run `mtlsctl gen-crl` to write a new one", show_path(path)));
        return;
    }
    let Some((this, next)) = headers.iter().filter_map(|h| Some((h.this_update, h.next_update?))).min_by_key(|p| p.1)
    else {
        return;
    };
    let now = OffsetDateTime::now_utc();
    if next <= now {
        ctx.warn(format!(
            "the CRL {} expired on {}: servers that check it reject every client certificate; {fix}",
            show_path(path),
            human_time(next)
        ));
    } else if next - now < crl_warning_window(this, next) {
        let left = next - now;
        ctx.warn(format!(
            "the CRL {} expires in {}h{:02}m ({}); servers that check it reject every client after that: {fix}",
            show_path(path),
            left.whole_hours(),
            left.whole_minutes() % 60,
            human_time(next)
        ));
    }
}

/// An `--exec` command that ran, and how it ended.
#[derive(Serialize)]
pub struct ExecReport {
    pub command: String,
    /// The exit status; `None` when a signal killed it.
    pub status: Option<i32>,
    pub success: bool,
}

/// Run an `--exec` command through `sh -c`; its output goes to stderr, so
/// `--json` stays one document on stdout.
pub fn run_exec(cmd: &str) -> anyhow::Result<ExecReport> {
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdout(std::io::stderr())
        .status()
        .with_context(|| format!("cannot run sh -c '{cmd}'"))?;
    Ok(ExecReport { command: cmd.to_string(), status: status.code(), success: status.success() })
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
    /// identity.pem (key then chain in one file), when the key was made here.
    pub identity: Option<String>,
    pub newcert: String,
}

/// `word` as one shell word for a command line in a hint: as is when it is
/// plain, else in single quotes.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"@%+=:,./-_".contains(&b));
    if plain { word.to_string() } else { format!("'{}'", word.replace('\'', "'\\''")) }
}

/// Say which spent certificate an issuance replaced (SPEC §10: a revoked or
/// expired identity is replaced without `--force`, saying so).
pub fn tell_replaced(ctx: &Ctx, replacing: Option<&Replacing>) {
    let Some(r) = replacing else { return };
    let what = match &r.standing {
        Standing::Revoked { serial, revocation } => {
            let when = revocation.as_ref().map_or_else(String::new, |rev| {
                let reason = rev.reason.map_or_else(String::new, |x| format!(", reason {}", x.openssl_name()));
                format!(" (revoked {}{reason})", human_time(rev.time))
            });
            format!("the revoked certificate {serial}{when}")
        }
        Standing::Expired { serial, not_after } => {
            format!("the expired certificate {serial} (expired {})", human_time(*not_after))
        }
        Standing::InUse => return,
    };
    ctx.info(format!("note: {} held {what}; replaced it", show_path(&r.path)));
}

/// When a certificate of this store was signed (its notBefore is backdated),
/// so that its time left reads as the validity asked for however long the
/// signing took ("1 min", not "59 s").
pub fn issued_at(cert: &x509_parser::certificate::X509Certificate<'_>) -> OffsetDateTime {
    (crate::pki::certinfo::not_before(cert) + crate::pki::build::BACKDATE).min(OffsetDateTime::now_utc())
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
        identity: (with_key && id.bundle().is_file()).then(|| id.bundle().display().to_string()),
        newcert: store.paths.newcert(serial).display().to_string(),
    };
    ctx.emit(&report)?;
    let sans = if subject.sans.is_empty() {
        String::new()
    } else {
        format!(" [{}]", subject.sans.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
    };
    let mut text = format!(
        "Issued {} certificate for \"{}\"{sans}\n  serial {serial}, valid until {} ({} left)\n  cert:  {}\n",
        subject.profile.name(),
        subject.cn,
        human_time(na),
        time_left(na - issued_at(&cert)),
        show_path(&id.cert()),
    );
    if with_key {
        text.push_str(&format!("  key:   {}\n", show_path(&id.key())));
    }
    text.push_str(&format!("  chain: {}\n  ca:    {}", show_path(&id.chain()), show_path(&id.ca())));
    ctx.info(text);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crl_warning_window_is_a_day_or_a_quarter_of_a_short_crl() {
        let t = OffsetDateTime::UNIX_EPOCH;
        assert_eq!(crl_warning_window(t, t + Duration::days(7)), Duration::hours(24));
        assert_eq!(crl_warning_window(t, t + Duration::days(4)), Duration::hours(24));
        assert_eq!(crl_warning_window(t, t + Duration::hours(12)), Duration::hours(3));
        assert_eq!(crl_warning_window(t, t + Duration::hours(1)), Duration::minutes(15));
        assert_eq!(crl_warning_window(t + Duration::hours(1), t), Duration::ZERO);
    }
}
