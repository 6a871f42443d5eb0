//! `mtlsctl renew`: re-issue a certificate of the store with the same subject,
//! SANs and profile and a new validity; idempotent with `--before` for cron.

use anyhow::{Context, bail};
use clap::{ArgGroup, Args, ValueEnum};
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use x509_parser::certificate::X509Certificate;
use zeroize::Zeroizing;

use super::common::{self, PassArgs, show_path};
use crate::Outcome;
use crate::cli::{Parsed, Serial, Window};
use crate::output::{Ctx, format_time_left, hinted};
use crate::pki::build::{BACKDATE, Profile, Signer};
use crate::pki::dates::{human_time, rfc3339};
use crate::pki::keys::{self, KeyFile, KeyType};
use crate::pki::names::{San, Subject};
use crate::pki::{certinfo, policy};
use crate::store::fsio;
use crate::store::identity::Identity;
use crate::store::index::{Entry, Reason, Status};
use crate::store::issue::{IssuedLeaf, LeafOrder, Renewal};
use crate::store::revoke::{RevokeError, RevokeTarget};
use crate::store::{Refused, Store};

mod due;

/// Re-issue a certificate with the same subject, SANs and profile
///
/// Finds the certificate by --cn (the newest one with that name) or --serial,
/// reads its subject, SANs and profile from newcerts/, and signs a new one
/// valid for the original's lifetime (or --validity) with a new key (or the
/// old one with --reuse-key), replacing the files in issued/<cn>/. With
/// --before it does nothing unless the certificate expires within that
/// window, so it can run from cron or CI as often as you like.
///
/// With --due it renews every identity under issued/ whose certificate is
/// valid, not revoked and within the window (default: the last 33% of its
/// lifetime), then runs --exec once; it exits 0 when nothing is due.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("target").required(true).args(["cn", "serial", "due"])))]
#[command(after_long_help = "Examples:
  mtlsctl renew --cn payment-service
  mtlsctl renew --cn payment-service --before 7d --revoke-old superseded   # from cron: only when due
  mtlsctl --batch renew --due --jitter 5m --exec 'nginx -s reload'        # every identity that is due
  mtlsctl renew --serial 3A7F0C21D4E5B6A798C0D1E2F3A4B5C6 --validity 30d --reuse-key")]
pub struct RenewArgs {
    /// Renew the newest certificate with this common name
    #[arg(long, value_name = "NAME", value_hint = clap::ValueHint::Other, add = clap_complete::ArgValueCandidates::new(super::common::identity_candidates))]
    pub cn: Option<String>,
    /// Renew the certificate with this serial (hex, as `mtlsctl list` shows it)
    #[arg(long, value_name = "HEX")]
    pub serial: Option<Serial>,
    /// Renew every identity under issued/ that is due (see --before)
    #[arg(long, conflicts_with_all = ["cn", "serial", "reuse_key", "key_type", "revoke_old"])]
    pub due: bool,
    /// Only renew when at most DURATION (e.g. 8h) or PERCENT of the lifetime (e.g. 50%) remains
    /// [default with --due: 33%]
    #[arg(long, value_name = "DURATION|PERCENT")]
    pub before: Option<Parsed<Window>>,
    /// With --due: first sleep a random time up to DURATION, so a fleet does not renew at once
    #[arg(long, value_name = "DURATION", requires = "due")]
    pub jitter: Option<Parsed<Duration>>,
    /// With --due: run CMD once through `sh -c` after at least one renewal (e.g. 'nginx -s reload')
    #[arg(long, value_name = "CMD", requires = "due")]
    pub exec: Option<String>,
    /// How long the new certificate is valid [default: the original's lifetime]
    #[arg(long, value_name = "DURATION")]
    pub validity: Option<Parsed<Duration>>,
    /// Keep the existing key (issued/<cn>/key.pem) instead of generating a new one
    #[arg(long)]
    pub reuse_key: bool,
    /// Key algorithm of the new key [default: the old key's]
    #[arg(long, value_enum, conflicts_with = "reuse_key")]
    pub key_type: Option<KeyType>,
    /// Revoke the old certificate with this reason once the new one is recorded (e.g. superseded)
    #[arg(long, value_enum, value_name = "REASON")]
    pub revoke_old: Option<Reason>,
    #[command(flatten)]
    pub pass: PassArgs,
}

#[derive(Serialize)]
struct Renewed {
    /// false when --before found nothing due.
    renewed: bool,
    old_serial: String,
    old_not_after: Option<String>,
    serial: Option<String>,
    /// `CN=..., O=...`, as `issue` reports it.
    subject: Option<String>,
    key_type: Option<String>,
    not_before: Option<String>,
    not_after: Option<String>,
    common_name: String,
    sans: Vec<San>,
    profile: Option<Profile>,
    key_reused: bool,
    old_revoked: Option<Reason>,
    cert: Option<String>,
    key: Option<String>,
    chain: Option<String>,
    ca: Option<String>,
    identity: Option<String>,
    newcert: Option<String>,
}

/// The entry to renew: by serial, or the newest non-revoked one with the CN.
fn find(store: &Store, args: &RenewArgs) -> anyhow::Result<Entry> {
    let index = store.read_index()?;
    if let Some(s) = &args.serial {
        let serial = s.hex();
        let i = index.find_serial(serial).ok_or_else(|| {
            hinted(format!("no certificate with serial {serial} in this store"), "see `mtlsctl list`")
        })?;
        let e = &index.entries[i];
        if e.status == "R" {
            return Err(revoked_renewal(e));
        }
        return Ok(e.clone());
    }
    let cn = args.cn.as_deref().unwrap_or_default();
    let now = OffsetDateTime::now_utc();
    let named = || index.entries.iter().filter(|e| e.common_name().as_deref() == Some(cn));
    if let Some(e) = named().filter(|e| e.effective_status(now) != Status::Revoked).max_by_key(|e| e.not_after()) {
        return Ok(e.clone());
    }
    match named().next_back() {
        Some(revoked) => Err(revoked_renewal(revoked)),
        None => Err(hinted(
            format!("no unrevoked certificate with CN '{cn}' in this store"),
            format!("issue one: mtlsctl issue --cn {}", common::shell_word(cn)),
        )),
    }
}

/// A revoked certificate is never renewed (SPEC §8): say so, and that `issue`
/// replaces a revoked identity by itself (SPEC §10).
fn revoked_renewal(e: &Entry) -> anyhow::Error {
    let reason = e.revocation_info().ok().and_then(|r| r.reason).map_or("no reason", |r| r.openssl_name());
    let why = Refused::RevokedRenewal { serial: e.serial.clone(), reason: reason.to_string() };
    let cn = e.common_name().unwrap_or_default();
    hinted(
        why.to_string(),
        format!(
            "issue a new certificate, which replaces the revoked one: mtlsctl issue --cn {}",
            common::shell_word(&cn)
        ),
    )
}

/// The new key: the old one (--reuse-key), or a new one of the old key's type
/// (or --key-type). Returns its public key, its PEM when new, and whether it is RSA.
fn new_key(
    ctx: &Ctx,
    args: &RenewArgs,
    id: &Identity,
    old: &X509Certificate<'_>,
    serial: &str,
) -> anyhow::Result<(Vec<u8>, Option<Zeroizing<String>>, bool)> {
    if args.reuse_key {
        let key_path = id.key();
        if !key_path.exists() {
            return Err(hinted(
                format!("--reuse-key needs the old key, and {} does not exist", key_path.display()),
                "renew without --reuse-key to generate a new key",
            ));
        }
        fsio::check_secret_mode(&key_path)?;
        let bytes = Zeroizing::new(fsio::read(&key_path)?);
        let key = match keys::parse_key(&bytes).with_context(|| format!("cannot read {}", key_path.display()))? {
            KeyFile::Plain(k) => k,
            KeyFile::Encrypted(_) => bail!("{} is encrypted; --reuse-key needs an unencrypted key", key_path.display()),
        };
        if !keys::key_matches_spki(&key, old.public_key().raw) {
            bail!("{} does not belong to the certificate being renewed (serial {serial})", key_path.display());
        }
        let rsa = keys::describe_key(&key).starts_with("rsa");
        return Ok((rcgen::PublicKeyData::subject_public_key_info(&key), None, rsa));
    }
    let old_type = keys::describe_spki(old.public_key().raw);
    let kt = args.key_type.unwrap_or_else(|| {
        KeyType::value_variants()
            .iter()
            .copied()
            .find(|k| Some(k.name()) == old_type.as_deref())
            .unwrap_or(KeyType::EcP256)
    });
    if kt.is_slow() {
        ctx.info(format!("generating a {} key (this takes a few seconds)...", kt.name()));
    }
    let key = kt.generate()?;
    let pem = keys::to_pkcs8_pem(&key, None)?;
    Ok((rcgen::PublicKeyData::subject_public_key_info(&key), Some(pem), kt.is_rsa()))
}

/// The new notAfter: --validity within the CA's life, else the original's
/// lifetime, cut to the CA's expiry with a warning.
fn new_not_after(
    ctx: &Ctx,
    args: &RenewArgs,
    old: &X509Certificate<'_>,
    now: OffsetDateTime,
    ca_end: OffsetDateTime,
) -> anyhow::Result<OffsetDateTime> {
    if let Some(v) = &args.validity {
        return common::not_after_within_ca(v.text(), v.get()?, now, ca_end);
    }
    let lifetime = certinfo::not_after(old) - certinfo::not_before(old);
    // The same window length as the old certificate: a 10-minute certificate renews into 10 minutes.
    let wanted = now - BACKDATE + lifetime.max(BACKDATE + Duration::minutes(1));
    if wanted > ca_end {
        ctx.warn(format!(
            "the original lifetime would outlast the CA; the new certificate ends with it on {}",
            human_time(ca_end)
        ));
        return Ok(ca_end);
    }
    Ok(wanted)
}

/// Revoke the old certificate with the store's revoke. The new one is
/// recorded by then, so nothing here fails the command: an old certificate
/// that could not be revoked is reported as not revoked, with why.
fn revoke_old(store: &Store, serial: &str, reason: Reason) -> Result<Reason, String> {
    store.revoke(&RevokeTarget::Serial(serial.to_string()), reason, OffsetDateTime::now_utc()).map(|_| reason).map_err(
        |e| match e.downcast::<RevokeError>() {
            // The new certificate is recorded: the store did change.
            Ok(why) => why.to_string().trim_end_matches("; nothing changed").to_string(),
            Err(other) => format!("{other:#}"),
        },
    )
}

/// `--before` found nothing due: say so, change nothing.
fn not_due(ctx: &Ctx, args: &RenewArgs, entry: &Entry, subject: &Subject, end: OffsetDateTime) -> anyhow::Result<()> {
    ctx.emit(&Renewed {
        renewed: false,
        old_serial: entry.serial.clone(),
        old_not_after: Some(rfc3339(end)),
        serial: None,
        subject: None,
        key_type: None,
        not_before: None,
        not_after: None,
        common_name: subject.cn.clone(),
        sans: subject.sans.clone(),
        profile: Some(subject.profile),
        key_reused: false,
        old_revoked: None,
        cert: None,
        key: None,
        chain: None,
        ca: None,
        identity: None,
        newcert: None,
    })?;
    ctx.info(format!(
        "\"{}\" (serial {}) expires on {} ({} left), not within {}: nothing to do",
        subject.cn,
        entry.serial,
        human_time(end),
        format_time_left(end - OffsetDateTime::now_utc()),
        args.before.as_ref().map(Parsed::text).unwrap_or_default()
    ));
    Ok(())
}

/// The certificate of a store entry, from newcerts/.
fn load_old(store: &Store, serial: &str) -> anyhow::Result<Vec<u8>> {
    let old_path = store.paths.newcert(serial);
    certinfo::load_certs(&fsio::read(&old_path)?)
        .with_context(|| format!("cannot read {}", old_path.display()))?
        .into_iter()
        .next()
        .context("no certificate")
}

pub fn run(ctx: &Ctx, args: &RenewArgs) -> anyhow::Result<Outcome> {
    let window = match &args.before {
        Some(b) => Some(b.get().context("invalid --before")?),
        None => None,
    };
    if let Some(v) = &args.validity {
        v.get().context("invalid --validity")?;
    }
    if args.due {
        return due::run(ctx, args, window.unwrap_or(Window::Share(33.0)));
    }
    let store = common::open_store(ctx, &ctx.global.dir)?;
    let _told = common::tell(ctx, &store);
    let entry = find(&store, args)?;
    let now = OffsetDateTime::now_utc();
    let old_der = load_old(&store, &entry.serial)?;
    let old = certinfo::parse(&old_der)?;
    let subject = Subject::of_certificate(&old)?;
    if let Some(w) = window {
        let (start, end) = (certinfo::not_before(&old), certinfo::not_after(&old));
        if !w.due(start, end, now) {
            not_due(ctx, args, &entry, &subject, end)?;
            return Ok(Outcome::Done);
        }
    }
    common::refuse_revoked_ca(&store)?;
    let signer = common::signer(&store, &args.pass.source(ctx), "--passphrase-file")?;
    let done = renew_one(ctx, &store, &signer, args, &entry, &old)?;
    // The new certificate is recorded first: a crash in between leaves both
    // valid, never the service without a certificate.
    let revoked = match args.revoke_old {
        Some(reason) => Some(revoke_old(&store, &entry.serial, reason)),
        None => None,
    };
    ctx.notices(&store);
    report(ctx, &store, args, &entry, &done, revoked.as_ref())?;
    common::warn_ca_expiry(ctx, done.ca_end);
    common::warn_crl_expiry(ctx, &store);
    Ok(Outcome::Done)
}

/// One renewal done: the new certificate, what it renews, where it went.
struct Done {
    subject: Subject,
    issued: IssuedLeaf,
    id: Identity,
    ca_end: OffsetDateTime,
}

/// Sign and record the successor of `entry` and swap it into its identity.
fn renew_one(
    ctx: &Ctx,
    store: &Store,
    signer: &Signer,
    args: &RenewArgs,
    entry: &Entry,
    old: &X509Certificate<'_>,
) -> anyhow::Result<Done> {
    let now = OffsetDateTime::now_utc();
    let subject = Subject::of_certificate(old)?;
    let id = store.identity(&subject.cn, None);
    let ca = certinfo::parse(&signer.cert_der)?;
    let ca_end = certinfo::not_after(&ca);
    let not_after = new_not_after(ctx, args, old, now, ca_end)?;
    policy::check_names_in_chain(&store.ca_chain_ders()?, &subject.cn, &subject.sans)?;
    let (spki, key_pem, rsa_key) = new_key(ctx, args, &id, old, &entry.serial)?;
    let renewal = Renewal {
        old_serial: &entry.serial,
        old_subject: &entry.subject,
        reused_spki: args.reuse_key.then_some(old.public_key().raw),
    };
    let issued = store.renew_leaf(
        signer,
        &LeafOrder {
            subject: &subject,
            not_before: now - BACKDATE,
            not_after,
            spki: &spki,
            rsa_key,
            key_pem: key_pem.as_ref().map(|k| k.as_bytes()),
            identity: &id,
            request: None,
        },
        &renewal,
    )?;
    Ok(Done { subject, issued, id, ca_end })
}

fn report(
    ctx: &Ctx,
    store: &Store,
    args: &RenewArgs,
    entry: &Entry,
    done: &Done,
    revoked: Option<&Result<Reason, String>>,
) -> anyhow::Result<()> {
    let Done { subject, issued, id, .. } = done;
    let new_cert = certinfo::parse(&issued.der)?;
    let na = certinfo::not_after(&new_cert);
    ctx.emit(&Renewed {
        renewed: true,
        old_serial: entry.serial.clone(),
        old_not_after: entry.not_after().map(rfc3339),
        serial: Some(issued.serial.clone()),
        subject: Some(crate::pki::names::display_name(new_cert.subject())),
        key_type: crate::pki::keys::describe_spki(new_cert.public_key().raw),
        not_before: Some(rfc3339(certinfo::not_before(&new_cert))),
        not_after: Some(rfc3339(na)),
        common_name: subject.cn.clone(),
        sans: subject.sans.clone(),
        profile: Some(subject.profile),
        key_reused: args.reuse_key,
        old_revoked: revoked.and_then(|r| r.as_ref().ok().copied()),
        cert: Some(id.cert().display().to_string()),
        key: Some(id.key().display().to_string()),
        chain: Some(id.chain().display().to_string()),
        ca: Some(id.ca().display().to_string()),
        identity: id.bundle().is_file().then(|| id.bundle().display().to_string()),
        newcert: Some(store.paths.newcert(&issued.serial).display().to_string()),
    })?;
    let mut text = format!(
        "Renewed \"{}\": serial {} replaces {}, valid until {} ({} left){}\n  cert:  {}\n  key:   {}\n  chain: {}",
        subject.cn,
        issued.serial,
        entry.serial,
        human_time(na),
        format_time_left(na - common::issued_at(&new_cert)),
        if args.reuse_key { ", same key" } else { ", new key" },
        show_path(&id.cert()),
        show_path(&id.key()),
        show_path(&id.chain()),
    );
    match revoked {
        Some(Ok(r)) => {
            text.push_str(&format!("\n  the old certificate is revoked ({}); run `mtlsctl gen-crl`", r.openssl_name()))
        }
        Some(Err(why)) => ctx.warn(format!(
            "the new certificate is recorded, but the old one ({}) was not revoked: {why}; revoke it with `mtlsctl revoke --serial {}`",
            entry.serial, entry.serial
        )),
        None => {
            text.push_str("\n  the old certificate stays valid until it expires (--revoke-old superseded revokes it)")
        }
    }
    ctx.info(text);
    Ok(())
}
