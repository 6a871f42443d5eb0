//! `mtlsctl probe HOST:PORT`: perform an mTLS handshake and explain it (SPEC §3).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use clap::Args;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::ServerName;
use time::OffsetDateTime;

use super::common::{self, show_path};
use crate::Outcome;
use crate::cli;
use crate::output::{Ctx, Role, format_time_left, hinted, style};
use crate::pki::dates;
use crate::pki::{certinfo, crl};
use crate::probe::diagnose::Severity;
use crate::probe::inputs::{Identity, IdentityCa, IdentityError, Trust};
use crate::probe::report::{self, Report};
use crate::probe::vocab::{Stage, TrustSource, Verdict};
use crate::probe::{self, Setup, Target};
use crate::store::Store;
use crate::store::fsio;

/// Perform an mTLS handshake and explain it
///
/// Connects to HOST:PORT, performs a TLS 1.2/1.3 handshake with a client
/// certificate, sends `GET /` (nginx refuses a missing or bad client
/// certificate only at the HTTP layer), and reports the server's chain and
/// whether we trust it, whether the server asked for a client certificate and
/// from which CAs, and whether it accepted ours, with the likely cause and fix
/// when it did not. "mTLS works" (exit 0) only when the server asked for a
/// certificate, got ours and accepted it.
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl probe api.example.com:443 --name payment-service
  mtlsctl probe 10.0.0.5:8443 --servername api.internal --cert client.pem --key client.key --cacert ca.pem
  mtlsctl probe [::1]:8443 --name payment-service --no-client-cert --json

Exit codes: 0 mTLS works (the server asked for a client certificate, got ours and accepted it),
3 mTLS fails or is not enforced (see the diagnosis), 1 nothing could be tested.")]
pub struct ProbeArgs {
    /// The server: HOST:PORT, [IPv6]:PORT (port 443 when omitted)
    #[arg(value_name = "HOST:PORT")]
    pub target: String,
    /// Use the store's issued identity NAME (issued/NAME/chain.pem and key.pem)
    #[arg(long, value_name = "NAME", conflicts_with_all = ["cert", "key"], value_hint = clap::ValueHint::Other, add = clap_complete::ArgValueCandidates::new(super::common::identity_candidates))]
    pub name: Option<String>,
    /// Client certificate file (PEM; intermediates after the leaf are sent too)
    #[arg(long, value_name = "FILE")]
    pub cert: Option<PathBuf>,
    /// Client private key file [default: the --cert file]
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Trust the server certificate only if one of these CAs signed it [default: the store's CA, else the system roots]
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// The name to send as SNI and to check the server certificate against [default: HOST]
    #[arg(long, value_name = "NAME")]
    pub servername: Option<String>,
    /// Continue when the server certificate does not verify (the report still says why)
    #[arg(long)]
    pub insecure: bool,
    /// Also try without a client certificate and with an untrusted one, to show whether the server enforces mTLS
    #[arg(long)]
    pub no_client_cert: bool,
    /// The path of the HTTP GET request sent after the handshake [default: /]
    #[arg(long, value_name = "PATH", conflicts_with = "no_http")]
    pub http: Option<String>,
    /// Send no HTTP request (for services that do not speak HTTP)
    #[arg(long)]
    pub no_http: bool,
    /// Time limit for each connection: connect, handshake and answer (e.g. 5s, 1m)
    #[arg(long, default_value = "5s", value_name = "DURATION")]
    pub timeout: cli::Parsed<time::Duration>,
}

fn read_file(path: &Path, what: &str) -> anyhow::Result<Vec<u8>> {
    fsio::read(path).with_context(|| format!("cannot read the {what} {}", path.display()))
}

/// The store, when there is one: `--name` needs it; otherwise it only adds the
/// trust anchors and what the store knows of our certificate.
fn open_store_for(ctx: &Ctx, args: &ProbeArgs, dir: &Path) -> anyhow::Result<Option<Store>> {
    if args.name.is_some() {
        return common::open_store(ctx, dir).context("--name looks up an identity in the store").map(Some);
    }
    Ok(if dir.is_dir() { common::open_store(ctx, dir).ok() } else { None })
}

/// The certificate (chain) and key files of the identity, and how the report names it.
fn identity_files(args: &ProbeArgs, store: Option<&Store>) -> anyhow::Result<Option<(PathBuf, PathBuf, String)>> {
    if let Some(name) = &args.name {
        let store = store.context("--name looks up an identity in the store")?;
        let id = store.identity(name, None);
        let cert = if id.chain().exists() { id.chain() } else { id.cert() };
        if let Some(m) = store.easyrsa_identity(&id, name) {
            return Ok(Some((m.crt, m.key, format!("store:{name}"))));
        }
        if !cert.exists() {
            return Err(hinted(
                format!("the store has no identity named '{name}' ({} is missing)", show_path(&cert)),
                format!("issue one with: mtlsctl issue --cn {name}   (or pass --cert FILE --key FILE)"),
            ));
        }
        let key = id.key();
        if !key.exists() {
            return Err(hinted(
                format!("the identity '{name}' has no private key in the store ({} is missing)", show_path(&key)),
                "it was signed from a CSR: pass --cert with its chain and --key with the key kept by its owner",
            ));
        }
        return Ok(Some((cert, key, format!("store:{name}"))));
    }
    Ok(args.cert.as_ref().map(|cert| {
        let key = args.key.clone().unwrap_or_else(|| cert.clone());
        (cert.clone(), key, super::common::json_path(cert))
    }))
}

/// The store's CA, read once for both the check of our identity and the trust:
/// its chain (leaf-CA first), the file that chain came from, and the CA certificate's subject.
struct StoreCa {
    chain: Vec<Vec<u8>>,
    file: PathBuf,
    /// The raw Name, to tell whether our certificate is from this CA.
    subject_raw: Vec<u8>,
    subject: String,
}

impl StoreCa {
    fn read(store: &Store) -> anyhow::Result<Self> {
        let chain = store.ca_chain_ders()?;
        let has_chain = store.paths.ca_chain.exists();
        let file = if has_chain { store.paths.ca_chain.clone() } else { store.paths.ca_cert.clone() };
        // Without a chain file the chain is certs/ca.crt itself: no second read.
        let ca_der = match chain.first() {
            Some(d) if !has_chain => d.clone(),
            _ => store.ca_cert_der()?,
        };
        let ca = certinfo::parse(&ca_der)?;
        Ok(Self { subject_raw: ca.subject().as_raw().to_vec(), subject: ca.subject().to_string(), chain, file })
    }
}

/// Our identity as read, not yet checked against the store (`check_with_store`).
fn load_identity(
    args: &ProbeArgs,
    store: Option<&Store>,
    provider: &CryptoProvider,
) -> anyhow::Result<Option<Identity>> {
    let Some((cert_path, key_path, source)) = identity_files(args, store)? else { return Ok(None) };
    let chain = read_file(&cert_path, "client certificate")?;
    let key_bytes = zeroize::Zeroizing::new(read_file(&key_path, "client key")?);
    match Identity::from_bytes(&chain, &key_bytes, source, provider) {
        Ok(i) => Ok(Some(i)),
        Err(e) => Err(identity_error(args, e, &cert_path, &key_path)),
    }
}

fn identity_error(args: &ProbeArgs, e: IdentityError, cert_path: &Path, key_path: &Path) -> anyhow::Error {
    match e {
        IdentityError::NoCertificate(e) => e.context(format!("{} is not a certificate file", cert_path.display())),
        IdentityError::EncryptedKey => hinted(
            format!("the client key {} is encrypted", key_path.display()),
            format!("probe needs the key in the clear: openssl pkey -in {} -out client-plain.key", key_path.display()),
        ),
        IdentityError::NoKey(e) if args.key.is_none() && args.cert.is_some() => {
            hinted(format!("no private key in {}: {e:#}", key_path.display()), "pass the key file with --key FILE")
        }
        IdentityError::NoKey(e) => e.context(format!("cannot read the client key {}", key_path.display())),
        IdentityError::KeyMismatch => hinted(
            format!("the key {} does not belong to the certificate {}", key_path.display(), cert_path.display()),
            "pass the key that was generated with this certificate",
        ),
        IdentityError::Other(e) => anyhow!("cannot use the client key {}: {e}", key_path.display()),
    }
}

/// Our certificate against the store's CA and CRL, by verify's policy; index.txt
/// says what the published CRL may not list yet.
fn check_with_store(store: &Store, ca: &StoreCa, identity: &mut Identity) -> anyhow::Result<()> {
    let (root, chain) = ca.chain.split_last().context("the store has no CA certificate")?;
    let crl_path = &store.paths.crl;
    // An unreadable CRL is no reason not to probe: revocation is then not checked here.
    let crls = if crl_path.exists() {
        fsio::read(crl_path).ok().and_then(|b| crl::load_crls(&b).ok()).unwrap_or_default()
    } else {
        Vec::new()
    };
    let against = IdentityCa {
        anchors: std::slice::from_ref(root),
        intermediates: chain,
        crls: &crls,
        label: format!("this CA ({})", ca.subject),
        crl_label: show_path(crl_path),
    };
    identity.check_with_ca(&against, OffsetDateTime::now_utc())?;
    // An intermediate its parent revoked: the store's CRLs say so, its own CRL cannot.
    if !chain.is_empty() {
        if let Some(r) = store.revoked_among(&ca.chain) {
            let whom = if r.own { "which issued it" } else { "a CA above its issuer" };
            let reason = r.listed.reason.map(|x| format!(" for {}", x.openssl_name())).unwrap_or_default();
            identity.set_ca_revoked(format!(
                "{} (serial {}), {whom}, was revoked by {} on {}{reason}",
                r.subject,
                r.serial,
                r.by,
                dates::human_time(r.listed.revoked_at)
            ));
        }
    }
    if identity.ours.revoked.is_none() {
        if let Some(r) = store_revocation(store, ca, &identity.leaf) {
            // The CRL was not consulted when the certificate already failed its own rules.
            let listed = certinfo::parse(&identity.leaf)
                .is_ok_and(|l| crls.iter().any(|c| crl::find(c, l.issuer().as_raw(), l.raw_serial()).is_some()));
            let r = if listed { r } else { format!("{r} (in index.txt; the published CRL does not list it yet)") };
            identity.set_revoked(Some(r));
        }
    }
    Ok(())
}

/// `revoked on DATE (reason)` when our certificate is from this store and index.txt marks it R.
fn store_revocation(store: &Store, ca: &StoreCa, leaf_der: &[u8]) -> Option<String> {
    let leaf = certinfo::parse(leaf_der).ok()?;
    if ca.subject_raw != leaf.issuer().as_raw() {
        return None;
    }
    let serial = certinfo::serial_hex(&leaf);
    let index = store.read_index().ok()?;
    let entry = &index.entries[index.find_serial(&serial)?];
    if entry.status != "R" {
        return None;
    }
    let rev = entry.revocation_info().ok()?;
    let reason = rev.reason.map(|r| format!(" for {}", r.openssl_name())).unwrap_or_default();
    Some(format!("revoked on {}{reason}", dates::human_time(rev.time)))
}

fn load_trust(args: &ProbeArgs, store_ca: Option<&StoreCa>) -> anyhow::Result<Trust> {
    let anchors = |source, file: &Path, ders: &[Vec<u8>], label: String| {
        let abs = crate::store::fsio::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        Trust::from_ders(source, Some(abs), ders, label)
            .map_err(|(i, e)| anyhow!("certificate #{i} of {} cannot be a trust anchor: {e}", file.display()))
    };
    if let Some(file) = &args.cacert {
        let ders = certinfo::load_certs(&read_file(file, "--cacert file")?)
            .with_context(|| format!("--cacert {} holds no usable certificate", file.display()))?;
        return anchors(TrustSource::Cacert, file, &ders, format!("among the CAs in --cacert {}", show_path(file)));
    }
    if let Some(ca) = store_ca {
        return anchors(TrustSource::Store, &ca.file, &ca.chain, format!("the store's CA ({})", ca.subject));
    }
    Ok(Trust::system())
}

fn check_http_path(p: &str) -> anyhow::Result<()> {
    if !p.starts_with('/') && p != "*" {
        bail!("--http {p}: the path must start with '/'");
    }
    if p.chars().any(|c| c.is_whitespace() || c.is_control()) {
        bail!("--http: the path must not contain spaces or control characters (percent-encode them)");
    }
    Ok(())
}

pub fn run(ctx: &Ctx, args: &ProbeArgs) -> anyhow::Result<Outcome> {
    let target = Target::parse(&args.target).context("invalid HOST:PORT")?;
    let timeout = args.timeout.get().context("invalid --timeout")?;
    if timeout <= time::Duration::ZERO {
        bail!("--timeout must be longer than zero (e.g. 5s)");
    }
    let timeout = Duration::from_secs(timeout.whole_seconds().unsigned_abs());
    let http_path = if args.no_http { None } else { Some(args.http.clone().unwrap_or_else(|| "/".into())) };
    if let Some(p) = &http_path {
        check_http_path(p)?;
    }
    let name_text = args.servername.clone().unwrap_or_else(|| target.host.clone());
    let server_name = ServerName::try_from(name_text.clone())
        .map_err(|_| anyhow!("'{name_text}' is neither a DNS name nor an IP address: pass a valid --servername"))?;

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let store = open_store_for(ctx, args, &ctx.global.dir)?;
    let _told = store.as_ref().map(|s| common::tell(ctx, s));
    let identity = load_identity(args, store.as_ref(), &provider)?;
    // Read when the check of our identity or the trust needs it, and only then.
    let store_ca = match &store {
        Some(s) if identity.is_some() || args.cacert.is_none() => Some(StoreCa::read(s)?),
        _ => None,
    };
    let trust = load_trust(args, store_ca.as_ref())?;
    if trust.roots.is_empty() && !args.insecure {
        ctx.warn("no trusted CA: no --cacert, no store and no system CA bundle; the server certificate cannot verify");
    }
    let trust_text = trust.text(show_path);
    let setup = Setup {
        target,
        server_name,
        verify_name: name_text,
        timeout,
        http_path,
        insecure: args.insecure,
        trust,
        provider,
    };
    let ours = identity.map(|mut id| probe::Ours {
        key: id.key.clone(),
        checked: Box::new(|| {
            if let (Some(s), Some(ca)) = (&store, &store_ca) {
                check_with_store(s, ca, &mut id)?;
            }
            Ok(id)
        }),
    });
    let rep = probe::run(&setup, ours, trust_text, args.no_client_cert)?;
    ctx.emit(&rep)?;
    if rep.verdict != Verdict::Error || rep.handshake_completed {
        ctx.result(render(&rep, ctx.color_stdout()));
    }
    match rep.verdict {
        Verdict::Ok => Ok(Outcome::Done),
        Verdict::MtlsFailed => Ok(Outcome::Negative),
        Verdict::Error => {
            let d = rep.diagnosis.iter().find(|d| d.severity == Severity::Error);
            Err(match d {
                Some(d) => hinted(format!("probe {}: {} [{}]", rep.target, d.cause, d.code), d.fix.clone()),
                None => anyhow!("probe {}: nothing could be tested", rep.target),
            })
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn response_text(r: &report::ServerResponse) -> String {
    if let Some(a) = &r.alert {
        let when =
            if r.stage == Some(Stage::AfterHandshake) { " after the handshake" } else { " during the handshake" };
        return format!("TLS alert {a}{when}");
    }
    if let Some(s) = r.http_status {
        let mut t = format!("HTTP {s}");
        if let Some(reason) = &r.http_reason {
            let _ = write!(t, " {reason}");
        }
        if let Some(d) = &r.http_detail {
            let _ = write!(t, " \"{d}\"");
        }
        return t;
    }
    r.error.clone().unwrap_or_else(|| "nothing (no alert)".into())
}

/// The human report.
fn render(r: &Report, color: bool) -> String {
    let mut o = String::new();
    let addr = r.address.as_deref().unwrap_or("-");
    let sni = r.sni.as_deref().map_or("no SNI (IP address)".to_string(), |s| format!("SNI {s}"));
    let _ = writeln!(o, "Probe {} ({addr}), {sni}", r.target);
    if let Some(c) = r.connect_ms {
        let _ = writeln!(o, "  connect      {c:.1} ms");
    }
    if let Some(h) = r.handshake_ms {
        let _ = writeln!(
            o,
            "  handshake    {h:.1} ms  {}, {}, {}, ALPN {}",
            r.tls_version.as_deref().unwrap_or("-"),
            r.cipher_suite.as_deref().unwrap_or("-"),
            r.key_exchange.as_deref().unwrap_or("-"),
            r.alpn.as_deref().unwrap_or("none")
        );
    }
    if !r.server_chain.is_empty() {
        let _ = writeln!(o, "\nServer certificate chain");
        for (i, c) in r.server_chain.iter().enumerate() {
            let _ = writeln!(o, "  {i} {}", c.subject);
            let _ = writeln!(o, "      issuer  {}", c.issuer);
            if !c.sans.is_empty() {
                let _ = writeln!(o, "      SANs    {}", crate::pki::names::join_sans(&c.sans));
            }
            let _ = writeln!(o, "      valid   {} to {} ({})", c.not_before, c.not_after, left_words(c.seconds_left));
        }
        let v = &r.server_verification;
        let src = match (v.trust_source, &v.trust_file) {
            (TrustSource::Cacert, Some(f)) => format!("--cacert {f}"),
            (TrustSource::Store, Some(f)) => format!("store CA {f}"),
            (_, Some(f)) => format!("system roots {f}"),
            _ => "no trusted CA".to_string(),
        };
        let verdict = match (v.trusted, &v.error) {
            (Some(true), _) => style(color, Role::Good, "trusted"),
            (_, Some(e)) => style(color, Role::Bad, &format!("NOT trusted: {e}")),
            _ => "not checked".into(),
        };
        let _ = writeln!(o, "  verified     {verdict} (against {src}{})", if v.insecure { "; --insecure" } else { "" });
        if let Some(h) = v.hostname_ok {
            let _ = writeln!(o, "  name         {} {}", r.verify_name, if h { "matches" } else { "does NOT match" });
        }
    }
    render_client(&mut o, r);
    render_verdict(&mut o, r, color);
    o
}

/// What the server asked of us, what we sent, and what it said.
fn render_client(o: &mut String, r: &Report) {
    let _ = writeln!(o, "\nClient certificate");
    match r.client_cert_requested {
        Some(true) => {
            let names = if r.acceptable_ca_names.is_empty() {
                "no acceptable CA names sent".to_string()
            } else {
                format!("acceptable CAs: {}", r.acceptable_ca_names.join("; "))
            };
            let _ = writeln!(o, "  requested    yes, {names}");
            if let Some(a) = r.issuer_acceptable {
                let _ = writeln!(o, "               our issuer is {}among them", if a { "" } else { "NOT " });
            }
        }
        Some(false) => {
            let _ = writeln!(o, "  requested    no");
        }
        None => {
            let _ = writeln!(o, "  requested    unknown (the handshake ended first)");
        }
    }
    match &r.client_cert {
        Some(c) => {
            let _ = writeln!(
                o,
                "  ours         {} (issuer {}, serial {}, {}, from {})",
                c.subject,
                c.issuer,
                c.serial,
                left_words(c.seconds_left),
                c.source
            );
            if let Some(rv) = &c.revoked_in_store {
                let _ = writeln!(o, "               the store says: {rv}");
            }
            let _ = writeln!(o, "  sent         {}", yes_no(r.client_cert_sent));
        }
        None => {
            let _ = writeln!(o, "  ours         none (pass --name NAME or --cert/--key)");
        }
    }
    let _ = writeln!(o, "  server said  {}", response_text(&r.server_response));
    if let Some(a) = r.client_cert_accepted {
        let _ = writeln!(o, "  accepted     {}", yes_no(a));
    }
    if let Some(e) = r.enforcement {
        let mut how = Vec::new();
        if let Some(w) = &r.without_client_cert {
            how.push(format!("without a certificate: {}", response_text(&w.server_response)));
        }
        if let Some(w) = &r.with_canary_cert {
            how.push(format!("with an untrusted canary: {}", response_text(&w.server_response)));
        }
        let how = if how.is_empty() { String::new() } else { format!(" ({})", how.join("; ")) };
        let _ = writeln!(o, "  enforcement  {e}{how}");
    }
}

/// "23h59m left" / "expired 3 days ago": time left in the unit that fits (SPEC §8).
fn left_words(seconds_left: i64) -> String {
    match format_time_left(time::Duration::seconds(seconds_left)) {
        w if w.starts_with("expired") => w,
        w => format!("{w} left"),
    }
}

fn render_verdict(o: &mut String, r: &Report, color: bool) {
    let v = match r.verdict {
        Verdict::Ok => style(color, Role::Ok, "ok: mTLS works"),
        Verdict::MtlsFailed => style(color, Role::Error, "failed: mTLS does not work as it should (see below)"),
        Verdict::Error => style(color, Role::Error, "error: nothing could be tested"),
    };
    let _ = writeln!(o, "\nVerdict: {v}");
    for d in &r.diagnosis {
        let sev = match d.severity {
            Severity::Error => style(color, Role::Bad, "error"),
            Severity::Warning => style(color, Role::Caution, "warning"),
            Severity::Info => "info".to_string(),
        };
        let _ = writeln!(o, "  {sev} [{}] {}\n      fix: {}", d.code, d.cause, d.fix);
    }
}
