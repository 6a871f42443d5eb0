//! `mtlsctl verify`: would a TLS peer accept this certificate? Path building,
//! validity, purpose, name and CRL revocation by rustls-webpki, answered in
//! words a person can act on and a stable code for scripts.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use clap::{Args, ValueEnum};
use rustls_pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use serde::Serialize;
use time::OffsetDateTime;
use webpki::{
    BorrowedCertRevocationList, CertRevocationList, EndEntityCert, ExpirationPolicy, KeyUsage, RevocationCheckDepth,
    RevocationOptionsBuilder, UnknownStatusPolicy,
};

use super::common::show_path;
use crate::Outcome;
use crate::output::Ctx;
use crate::pki::names;
use crate::pki::{certinfo, crl};
use crate::store::Store;
use crate::store::fsio;
use crate::store::index::{Reason, Status};
use crate::util;

/// Check a certificate against the CA, its CRL, a purpose and a name
///
/// Builds the path from CERT to the store's CA (or the CAs in --ca FILE),
/// checks validity at --at (default now), revocation in the store's CRL (or
/// --crl FILE), the purpose (default: each one the certificate's extended key
/// usage names) and --hostname/--ip. Exit 0 when valid, 3 when not (with the
/// reason), 1 when the check itself could not run.
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl verify pki/issued/payment-service/cert.pem
  mtlsctl verify server.pem --purpose server --hostname api.example.com --at 2026-06-01
  mtlsctl verify client.pem --ca roots.pem --crl ca.crl --json | jq -r .code")]
pub struct VerifyArgs {
    /// The certificate (PEM or DER, or - for standard input); more certificates
    /// after it in the file are used as intermediates
    pub cert: PathBuf,
    /// Trust the CAs in FILE (roots and intermediates, PEM) instead of the store's CA
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// Check revocation against the CRLs in FILE (PEM or DER) instead of the store's CRL
    #[arg(long, value_name = "FILE", conflicts_with = "no_crl")]
    pub crl: Option<PathBuf>,
    /// Skip the revocation check
    #[arg(long)]
    pub no_crl: bool,
    /// The use to check [default: each purpose the certificate's extended key usage names]
    #[arg(long, value_enum)]
    pub purpose: Option<Purpose>,
    /// Also check that the certificate is valid for this DNS name
    #[arg(long, value_name = "NAME")]
    pub hostname: Option<String>,
    /// Also check that the certificate is valid for this IP address
    #[arg(long, value_name = "ADDR")]
    pub ip: Option<IpAddr>,
    /// Verify as of TIME (RFC 3339, a date, or now+7d) instead of now
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// TLS client authentication (EKU clientAuth)
    Client,
    /// TLS server authentication (EKU serverAuth)
    Server,
}

impl Purpose {
    fn usage(self) -> KeyUsage {
        match self {
            Self::Client => KeyUsage::client_auth(),
            Self::Server => KeyUsage::server_auth(),
        }
    }

    fn words(self) -> &'static str {
        match self {
            Self::Client => "client authentication",
            Self::Server => "server authentication",
        }
    }
}

#[derive(Serialize)]
struct VerifyReport {
    valid: bool,
    code: &'static str,
    message: String,
    certificate: String,
    subject: String,
    issuer: String,
    serial: String,
    not_before: String,
    not_after: String,
    purposes: Vec<Purpose>,
    hostname: Option<String>,
    ip: Option<IpAddr>,
    at: String,
    revocation_checked: bool,
    crl: Option<String>,
    crl_next_update: Option<String>,
    revoked_at: Option<String>,
    reason: Option<Reason>,
}

/// A negative answer: its code and words, and for revocations what the CRL says.
struct Verdict {
    code: &'static str,
    message: String,
    listed: Option<crl::Listed>,
}

fn to_time(t: UnixTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(i64::try_from(t.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn reason_words(r: Option<Reason>) -> String {
    match r {
        Some(Reason::Unspecified) | None => "no reason given".into(),
        Some(r) => r.openssl_name().into(),
    }
}

/// Everything `explain` needs to turn a webpki error into words.
struct Facts<'a> {
    leaf: &'a x509_parser::certificate::X509Certificate<'a>,
    chain_certs: &'a [Vec<u8>],
    crls: &'a [Vec<u8>],
    ca_label: String,
    crl_label: String,
    purpose: Purpose,
}

#[allow(deprecated)]
fn explain(err: &webpki::Error, f: &Facts<'_>) -> Verdict {
    use webpki::Error as E;
    let leaf_not_after = certinfo::not_after(f.leaf);
    let v = |code, message: String| Verdict { code, message, listed: None };
    match err {
        E::CertExpired { not_after, .. } => {
            let t = to_time(*not_after);
            if (t - leaf_not_after).whole_seconds().abs() <= 1 {
                v("expired", format!("expired on {}", util::human_time(t)))
            } else {
                v("expired", format!("a CA certificate in its chain expired on {}", util::human_time(t)))
            }
        }
        E::CertNotValidYet { not_before, .. } => {
            v("not_yet_valid", format!("not yet valid: valid from {}", util::human_time(to_time(*not_before))))
        }
        E::CertRevoked => {
            // Which certificate of the path is listed, and what the CRL says about it.
            if let Some(l) = f.crls.iter().find_map(|c| crl::find(c, f.leaf.issuer().as_raw(), f.leaf.raw_serial())) {
                let msg = format!("revoked on {} ({})", util::human_time(l.revoked_at), reason_words(l.reason));
                return Verdict { code: "revoked", message: msg, listed: Some(l) };
            }
            for der in f.chain_certs {
                let Ok(ca) = certinfo::parse(der) else { continue };
                if let Some(l) = f.crls.iter().find_map(|c| crl::find(c, ca.issuer().as_raw(), ca.raw_serial())) {
                    let msg = format!(
                        "its issuing CA {} was revoked on {} ({})",
                        names::display_name(ca.subject()),
                        util::human_time(l.revoked_at),
                        reason_words(l.reason)
                    );
                    return Verdict { code: "revoked", message: msg, listed: Some(l) };
                }
            }
            v("revoked", "revoked".into())
        }
        E::UnknownIssuer => v(
            "unknown_issuer",
            format!("issued by {}, which is not {}", names::display_name(f.leaf.issuer()), f.ca_label),
        ),
        E::InvalidSignatureForPublicKey | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => v(
            "bad_signature",
            format!(
                "its signature does not verify with the key of {}: it was issued by another CA with the same name, or altered",
                names::display_name(f.leaf.issuer())
            ),
        ),
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) => {
            let allowed = match certinfo::eku_flags(f.leaf) {
                Some((true, false)) => " (its extended key usage allows only server authentication)",
                Some((false, true)) => " (its extended key usage allows only client authentication)",
                Some((false, false)) => " (its extended key usage allows neither TLS use)",
                _ => "",
            };
            v("wrong_purpose", format!("not valid for {}{allowed}", f.purpose.words()))
        }
        E::CrlExpired { next_update, .. } => v(
            "crl_expired",
            format!(
                "the CRL {} expired on {}: revocation cannot be checked, so the certificate is refused (as nginx and OpenSSL refuse it); publish a new one with `mtlsctl gen-crl`",
                f.crl_label,
                util::human_time(to_time(*next_update))
            ),
        ),
        E::UnknownRevocationStatus => v(
            "revocation_unknown",
            format!(
                "revocation status unknown: {} holds no CRL from {}; pass its CRL with --crl, or --no-crl to skip the check",
                f.crl_label,
                names::display_name(f.leaf.issuer())
            ),
        ),
        E::InvalidCrlSignatureForPublicKey | E::UnsupportedCrlSignatureAlgorithmForPublicKeyContext(_) => {
            v("crl_invalid", format!("the CRL {} is not signed by the certificate's issuer", f.crl_label))
        }
        E::IssuerNotCrlSigner => {
            v("crl_invalid", "the CA that signed the CRL may not sign CRLs (no cRLSign key usage)".into())
        }
        E::CaUsedAsEndEntity => {
            v("not_end_entity", "it is a CA certificate, not a client or server certificate".into())
        }
        E::NameConstraintViolation => {
            v("name_constraints", "its names are outside the issuing CA's name constraints".into())
        }
        E::PathLenConstraintViolated | E::EndEntityUsedAsCa | E::MaximumPathDepthExceeded => {
            v("invalid_chain", format!("its chain is not valid: {err}"))
        }
        other => v("invalid", format!("not valid: {other}")),
    }
}

type Der = Vec<u8>;

/// Trust anchors and intermediates from a `--ca` file: self-signed certificates
/// are roots; without any, every certificate given is trusted as an anchor.
fn split_ca_file(ders: Vec<Vec<u8>>) -> anyhow::Result<(Vec<Der>, Vec<Der>)> {
    let mut roots = Vec::new();
    let mut inter = Vec::new();
    for d in ders {
        let c = certinfo::parse(&d)?;
        if c.subject().as_raw() == c.issuer().as_raw() {
            roots.push(d);
        } else {
            inter.push(d);
        }
    }
    if roots.is_empty() {
        return Ok((inter, Vec::new()));
    }
    Ok((roots, inter))
}

fn load_crl_file(path: &Path) -> anyhow::Result<Vec<Vec<u8>>> {
    let bytes = fsio::read(path)?;
    crl::load_crls(&bytes).with_context(|| format!("cannot read the CRL {}", path.display()))
}

pub fn run(ctx: &Ctx, args: &VerifyArgs) -> anyhow::Result<Outcome> {
    let at = match &args.at {
        Some(t) => util::parse_time(t).context("invalid --at")?,
        None => OffsetDateTime::now_utc(),
    };
    // webpki compares whole seconds (expired when time > notAfter); rounding up keeps
    // "expired" true from the first instant past notAfter, as OpenSSL sees it.
    let secs = u64::try_from(at.unix_timestamp()).map_err(|_| anyhow!("--at must be after 1970"))?
        + u64::from(at.nanosecond() > 0);
    let when = UnixTime::since_unix_epoch(std::time::Duration::from_secs(secs));
    let cert_name =
        if args.cert.as_os_str() == "-" { "standard input".to_string() } else { args.cert.display().to_string() };
    let bytes = fsio::read_input(&args.cert)?;
    if bytes.is_empty() {
        bail!("{cert_name} is empty");
    }
    let mut given = certinfo::load_certs(&bytes).with_context(|| format!("cannot read the certificate {cert_name}"))?;
    let leaf_der = given.remove(0);
    let leaf = certinfo::parse(&leaf_der)?;

    // Where trust comes from.
    let store = if args.ca.is_some() {
        if ctx.global.dir.exists() { Store::open(&ctx.global.dir).ok() } else { None }
    } else {
        Some(Store::open(&ctx.global.dir)?)
    };
    let (anchors_der, mut intermediates, ca_label) = match (&args.ca, &store) {
        (Some(file), _) => {
            let ders = certinfo::load_certs(&fsio::read(file)?)
                .with_context(|| format!("cannot read --ca {}", file.display()))?;
            let (a, i) = split_ca_file(ders)?;
            (a, i, format!("among the CAs in {}", file.display()))
        }
        (None, Some(s)) => {
            let mut chain = s.ca_chain_ders()?;
            let root = chain.pop().context("the store has no CA certificate")?;
            let ca = certinfo::parse(&s.ca_cert_der()?)?.subject().to_string();
            (vec![root], chain, format!("this CA ({ca})"))
        }
        (None, None) => bail!("no CA to verify against: pass --ca FILE or --dir DIR"),
    };
    intermediates.extend(given);

    // Where revocation comes from. A store CRL only applies to the store's own CA.
    let (crls, crl_label): (Vec<Vec<u8>>, Option<String>) = if args.no_crl {
        (Vec::new(), None)
    } else if let Some(f) = &args.crl {
        (load_crl_file(f)?, Some(f.display().to_string()))
    } else if let (None, Some(s)) = (&args.ca, &store) {
        if s.paths.crl.exists() {
            (load_crl_file(&s.paths.crl)?, Some(show_path(&s.paths.crl)))
        } else {
            ctx.warn(format!(
                "the store has no CRL yet ({}): revocation not checked; publish one with `mtlsctl gen-crl`",
                show_path(&s.paths.crl)
            ));
            (Vec::new(), None)
        }
    } else {
        ctx.info("note: no CRL given (--crl FILE): revocation not checked");
        (Vec::new(), None)
    };
    let parsed_crls = crls
        .iter()
        .map(|d| {
            BorrowedCertRevocationList::from_der(d).map(CertRevocationList::from).map_err(|e| {
                anyhow!(
                    "cannot use the CRL {}: {e} (a v2 CRL with a nextUpdate is required)",
                    crl_label.as_deref().unwrap_or("")
                )
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let crl_refs: Vec<&CertRevocationList<'_>> = parsed_crls.iter().collect();

    let anchor_certs: Vec<CertificateDer<'_>> =
        anchors_der.iter().map(|d| CertificateDer::from(d.as_slice())).collect();
    let anchors: Vec<TrustAnchor<'_>> = anchor_certs
        .iter()
        .map(|c| {
            webpki::anchor_from_trusted_cert(c).map_err(|e| anyhow!("cannot use a CA certificate as trust anchor: {e}"))
        })
        .collect::<anyhow::Result<_>>()?;
    let inter_certs: Vec<CertificateDer<'_>> =
        intermediates.iter().map(|d| CertificateDer::from(d.as_slice())).collect();
    let leaf_cd = CertificateDer::from(leaf_der.as_slice());
    let ee = EndEntityCert::try_from(&leaf_cd)
        .map_err(|e| anyhow!("{cert_name} is not a certificate webpki can check: {e}"))?;

    let purposes: Vec<Purpose> = match args.purpose {
        Some(p) => vec![p],
        None => match certinfo::eku_flags(&leaf) {
            Some((true, true)) | None => vec![Purpose::Client, Purpose::Server],
            Some((true, false)) => vec![Purpose::Server],
            Some((false, true)) => vec![Purpose::Client],
            // Neither: checking for client makes the answer say so.
            Some((false, false)) => vec![Purpose::Client],
        },
    };

    let mut chain_for_words = intermediates.clone();
    chain_for_words.extend(anchors_der.iter().cloned());
    let facts = |purpose| Facts {
        leaf: &leaf,
        chain_certs: &chain_for_words,
        crls: &crls,
        ca_label: ca_label.clone(),
        crl_label: crl_label.clone().unwrap_or_default(),
        purpose,
    };

    let mut verdict: Option<Verdict> = None;
    let mut chain_unchecked = false;
    for &p in &purposes {
        let attempt = |depth| {
            let revocation = if crl_refs.is_empty() {
                None
            } else {
                RevocationOptionsBuilder::new(&crl_refs).ok().map(|b| {
                    b.with_depth(depth)
                        .with_status_policy(UnknownStatusPolicy::Deny)
                        .with_expiration_policy(ExpirationPolicy::Enforce)
                        .build()
                })
            };
            ee.verify_for_usage(
                webpki::ALL_VERIFICATION_ALGS,
                &anchors,
                &inter_certs,
                when,
                p.usage(),
                revocation,
                None,
            )
            .map(|_| ())
        };
        let mut result = attempt(RevocationCheckDepth::Chain);
        // No CRL for an intermediate: still check the leaf, and say what was not checked.
        if matches!(result, Err(webpki::Error::UnknownRevocationStatus)) && !inter_certs.is_empty() {
            let leaf_only = attempt(RevocationCheckDepth::EndEntity);
            if leaf_only.is_ok() {
                chain_unchecked = true;
            }
            result = leaf_only;
        }
        if let Err(e) = result {
            verdict = Some(explain(&e, &facts(p)));
            break;
        }
    }
    if verdict.is_none() {
        let name_check = match (&args.hostname, &args.ip) {
            (Some(h), _) => Some((
                h.clone(),
                ServerName::try_from(h.as_str())
                    .map_err(|_| anyhow!("--hostname '{h}' is not a valid DNS name"))?
                    .to_owned(),
            )),
            (None, Some(ip)) => Some((ip.to_string(), ServerName::IpAddress((*ip).into()))),
            _ => None,
        };
        if let Some((label, name)) = name_check
            && ee.verify_is_valid_for_subject_name(&name).is_err()
        {
            let sans = certinfo::sans(&leaf);
            let valid_for = if sans.is_empty() {
                "it has no subject alternative names".to_string()
            } else {
                format!("it is valid for {}", sans.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
            };
            verdict = Some(Verdict {
                code: "name_mismatch",
                message: format!("name mismatch: {valid_for}, not {label}"),
                listed: None,
            });
        }
    }

    // index.txt knows of revocations the published CRL may not list yet.
    if args.ca.is_none()
        && let Some(s) = &store
    {
        let serial = certinfo::serial_hex(&leaf);
        let ca_subject = certinfo::parse(&s.ca_cert_der()?)?.subject().as_raw().to_vec();
        if leaf.issuer().as_raw() == ca_subject.as_slice()
            && let Ok(Some(e)) = s.find_entry(&serial)
            && e.status().ok() == Some(Status::Revoked)
        {
            let in_crl = crls.iter().any(|c| crl::find(c, leaf.issuer().as_raw(), leaf.raw_serial()).is_some());
            if !in_crl {
                ctx.warn(format!(
                    "index.txt marks {serial} revoked, but the published CRL does not list it yet: servers still accept it; run `mtlsctl gen-crl` and reload them"
                ));
            }
        }
    }
    if chain_unchecked {
        ctx.warn("no CRL for an intermediate CA in the chain: only the certificate itself was checked for revocation");
    }

    let na = certinfo::not_after(&leaf);
    let crl_next = crl::earliest_next_update(&crls);
    let (valid, code, message, listed) = match verdict {
        None => {
            let purposes_words = purposes.iter().map(|p| p.words()).collect::<Vec<_>>().join(" and ");
            let rev = if crls.is_empty() { "revocation not checked" } else { "not revoked" };
            let name = match (&args.hostname, &args.ip) {
                (Some(h), _) => format!(", for {h}"),
                (None, Some(ip)) => format!(", for {ip}"),
                _ => String::new(),
            };
            (
                true,
                "valid",
                format!(
                    "valid until {} ({} days left) for {purposes_words}{name}; issued by {}, {rev}",
                    util::human_time(na),
                    (na - at).whole_days(),
                    names::display_name(leaf.issuer())
                ),
                None,
            )
        }
        Some(v) => (false, v.code, v.message, v.listed),
    };
    let report = VerifyReport {
        valid,
        code,
        message: message.clone(),
        certificate: cert_name.clone(),
        subject: names::display_name(leaf.subject()),
        issuer: names::display_name(leaf.issuer()),
        serial: certinfo::serial_hex(&leaf),
        not_before: util::rfc3339(certinfo::not_before(&leaf)),
        not_after: util::rfc3339(na),
        purposes: purposes.clone(),
        hostname: args.hostname.clone(),
        ip: args.ip,
        at: util::rfc3339(at),
        revocation_checked: !crls.is_empty(),
        crl: crl_label.clone(),
        crl_next_update: crl_next.map(util::rfc3339),
        revoked_at: listed.as_ref().map(|l| util::rfc3339(l.revoked_at)),
        reason: listed.as_ref().and_then(|l| l.reason),
    };
    ctx.emit(&report)?;
    let subject = names::common_name(leaf.subject()).unwrap_or_else(|| names::display_name(leaf.subject()));
    ctx.result(format!("{cert_name} ({subject}): {message}\n"));
    Ok(if valid { Outcome::Done } else { Outcome::Negative })
}
