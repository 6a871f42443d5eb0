//! `mtlsctl inspect`: decode a certificate, chain, CSR, CRL or key. Never
//! prints private key material.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::Outcome;
use crate::output::Ctx;
use crate::pki::certinfo::CertSummary;
use crate::pki::decode::{Inspected, decode};
use crate::pki::names::San;
use crate::store::fsio;

/// Decode a certificate, chain, CSR, CRL, OCSP request or response, or key (PEM or DER)
///
/// Reads FILE, or standard input when FILE is `-`. Private keys are described
/// (type, public key fingerprint, whether encrypted), never printed.
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl inspect pki/issued/payment-service/cert.pem
  mtlsctl inspect pki/crl/ca.crl --json
  openssl s_client -connect host:443 -showcerts </dev/null | mtlsctl inspect -")]
pub struct InspectArgs {
    /// The file to decode, or - for standard input
    pub file: PathBuf,
}

pub fn run(ctx: &Ctx, args: &InspectArgs) -> anyhow::Result<Outcome> {
    let name =
        if args.file.as_os_str() == "-" { "standard input".to_string() } else { args.file.display().to_string() };
    let bytes = fsio::read_input(&args.file)?;
    let obj = decode(&bytes).with_context(|| format!("cannot decode {name}"))?;
    ctx.emit(&obj)?;
    ctx.result(render(&obj));
    Ok(Outcome::Done)
}

/// The human text of an inspected object.
pub fn render(obj: &Inspected) -> String {
    let mut s = String::new();
    match obj {
        Inspected::Certificates { certificates } => {
            for (i, c) in certificates.iter().enumerate() {
                if certificates.len() > 1 {
                    let _ = writeln!(s, "Certificate #{}", i + 1);
                }
                render_cert(&mut s, c);
                if i + 1 < certificates.len() {
                    s.push('\n');
                }
            }
        }
        Inspected::Csr(c) => {
            let _ = writeln!(s, "Certificate request");
            let _ = writeln!(s, "  subject:    {}", c.subject);
            if !c.sans.is_empty() {
                let _ = writeln!(s, "  SANs:       {}", join(&c.sans));
            }
            let _ = writeln!(s, "  key:        {}", c.key_type);
            let _ = writeln!(
                s,
                "  signature:  {}",
                if c.signature_valid { "valid (proof of possession)" } else { "INVALID" }
            );
            if !c.requested_extensions.is_empty() {
                let _ = writeln!(s, "  requests:   {}", c.requested_extensions.join(", "));
            }
        }
        Inspected::Crl(c) => {
            let _ = writeln!(s, "Certificate revocation list");
            let _ = writeln!(s, "  issuer:       {}", c.issuer);
            if let Some(n) = &c.crl_number {
                let _ = writeln!(s, "  CRL number:   {n}");
            }
            let _ = writeln!(s, "  this update:  {}", c.this_update);
            let _ = writeln!(s, "  next update:  {}", c.next_update.as_deref().unwrap_or("(none)"));
            let _ = writeln!(s, "  revoked:      {}", c.revoked_count);
            for r in &c.revoked {
                let reason = r.reason.map(|x| format!(" {}", x.openssl_name())).unwrap_or_default();
                let _ = writeln!(s, "    {}  {}{reason}", r.serial, r.revoked_at);
            }
        }
        Inspected::OcspRequest(r) => {
            let _ = writeln!(s, "OCSP request{}", if r.signed { " (signed)" } else { "" });
            for c in &r.certs {
                let hash = c.hash.map_or("unknown hash", |h| h.name());
                let _ = writeln!(s, "  certificate: serial {} ({hash} CertID)", c.serial);
            }
            let _ = writeln!(s, "  nonce:       {}", r.nonce.as_deref().unwrap_or("(none)"));
        }
        Inspected::OcspResponse(r) => render_ocsp_response(&mut s, r),
        Inspected::Key(k) => {
            let _ = writeln!(s, "Private key (contents not shown)");
            if k.encrypted {
                let _ = writeln!(s, "  encrypted:  yes, {}", k.encryption.as_deref().unwrap_or("unknown scheme"));
            } else {
                let _ = writeln!(s, "  type:       {}", k.key_type.as_deref().unwrap_or("unknown"));
                let _ = writeln!(s, "  public key SHA-256: {}", k.public_key_sha256.as_deref().unwrap_or(""));
            }
        }
    }
    s
}

fn render_ocsp_response(s: &mut String, r: &crate::pki::decode::OcspResponseSummary) {
    let _ = writeln!(s, "OCSP response: {}", r.status);
    if let Some(k) = &r.responder_key_hash {
        let _ = writeln!(s, "  responder:    key hash {k}");
    }
    if let Some(n) = &r.responder_name {
        let _ = writeln!(s, "  responder:    {n}");
    }
    if let Some(p) = &r.produced_at {
        let _ = writeln!(s, "  produced at:  {p}");
    }
    for a in &r.responses {
        let _ = writeln!(s, "  serial {}: {}", a.serial, a.status);
        if let Some(t) = &a.revoked_at {
            let reason = a.reason.map(|x| format!(" ({})", x.openssl_name())).unwrap_or_default();
            let _ = writeln!(s, "    revoked at:  {t}{reason}");
        }
        let _ = writeln!(s, "    this update: {}", a.this_update);
        let _ = writeln!(s, "    next update: {}", a.next_update.as_deref().unwrap_or("(none)"));
    }
    if let Some(n) = &r.nonce {
        let _ = writeln!(s, "  nonce:        {n}");
    }
    for c in &r.certificates {
        let _ = writeln!(s, "  signer certificate: {} (until {})", c.subject, c.not_after);
    }
}

fn join(sans: &[San]) -> String {
    sans.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// "90 days left" / "expired 3 h ago" for an RFC 3339 end time.
fn left_words(not_after: &str) -> String {
    match time::OffsetDateTime::parse(not_after, &time::format_description::well_known::Rfc3339) {
        Ok(t) => match crate::pki::dates::time_left_until(t) {
            w if w.starts_with("expired") => w,
            w => format!("{w} left"),
        },
        Err(_) => "end unknown".to_string(),
    }
}

fn render_cert(s: &mut String, c: &CertSummary) {
    let kind = if c.is_ca {
        if c.self_signed { "root CA".to_string() } else { "intermediate CA".to_string() }
    } else {
        c.profile.map_or("leaf".to_string(), |p| format!("{} certificate", p.name()))
    };
    let _ = writeln!(s, "  subject:     {}  ({kind})", c.subject);
    let _ = writeln!(s, "  issuer:      {}", c.issuer);
    let _ = writeln!(s, "  serial:      {}", c.serial);
    let _ = writeln!(s, "  valid:       {} to {} ({})", c.not_before, c.not_after, left_words(&c.not_after));
    if !c.sans.is_empty() {
        let _ = writeln!(s, "  SANs:        {}", join(&c.sans));
    }
    let _ = writeln!(s, "  key:         {}, signed with {}", c.key_type, c.signature_algorithm);
    if c.is_ca {
        let pl = c.path_len.map_or("unlimited".to_string(), |n| n.to_string());
        let _ = writeln!(s, "  CA:          yes, path length {pl}");
    }
    if let Some(nc) = &c.name_constraints {
        let names = |t: &[crate::pki::certinfo::Subtree]| {
            if t.is_empty() {
                "(none)".to_string()
            } else {
                t.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            }
        };
        let critical = if nc.critical { "critical" } else { "not critical" };
        let _ = writeln!(s, "  permitted:   {}  (name constraints, {critical})", names(&nc.permitted));
        let _ = writeln!(s, "  excluded:    {}", names(&nc.excluded));
    }
    if !c.key_usage.is_empty() {
        let _ = writeln!(s, "  key usage:   {}", c.key_usage.join(", "));
    }
    if !c.extended_key_usage.is_empty() {
        let _ = writeln!(s, "  ext. usage:  {}", c.extended_key_usage.join(", "));
    }
    let _ = writeln!(s, "  SHA-256:     {}", c.sha256_fingerprint);
}
