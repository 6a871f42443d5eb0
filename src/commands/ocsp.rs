//! `mtlsctl ocsp serve` and `mtlsctl ocsp sign`: revocation status for the
//! servers that check it per connection (nginx `ssl_ocsp`, Apache
//! `SSLOCSPEnable`), live from index.txt or pre-signed into files.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::common::{self, PassArgs, show_path};
use crate::Outcome;
use crate::cli::Parsed;
use crate::ocsp::{self as responder, Event, Logger, Stopped};
use crate::output::{Ctx, hinted};
use crate::pki::dates::{human_time, rfc3339};
use crate::pki::ocsp::{IssuerId, ResponderBy, ResponseSigner};

/// The exit code that asks a supervisor for a restart (EX_TEMPFAIL).
const EXIT_RESTART: i32 = 75;

/// Answer OCSP requests for the store's CA, or pre-sign the answers
///
/// `serve` runs a responder that nginx (ssl_ocsp), Apache (SSLOCSPEnable) and
/// openssl ask per connection; `sign` writes one signed answer per certificate
/// for ssl_stapling_file, static web servers and CDNs.
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl ocsp serve --listen 127.0.0.1:8888
  mtlsctl ocsp sign --out /srv/ocsp --validity 7d")]
pub struct OcspArgs {
    #[command(subcommand)]
    pub command: OcspCommand,
}

#[derive(Subcommand, Debug)]
pub enum OcspCommand {
    Serve(ServeArgs),
    Sign(SignArgs),
}

/// Who signs the responses.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignerChoice {
    /// A responder certificate issued at start (EKU OCSPSigning); the CA key then leaves memory
    Delegated,
    /// The CA key itself
    Ca,
}

/// Run an OCSP responder (RFC 6960 over HTTP) for the store's CA
///
/// Answers GET <prefix><base64 request> (as nginx sends it) and POST
/// application/ocsp-request (as openssl and Apache send it, nonce echoed) from
/// index.txt, re-read whenever it changes, so a revocation is in the next
/// answer without a restart. By default it first issues a delegated responder
/// certificate (recorded in index.txt) and drops the CA key, so the
/// network-facing process holds only the responder key; it exits with code 75
/// once that certificate has less than --validity left, for its supervisor to
/// restart it. Also serves /crl (crl/ca.crl as DER) and /ca.crt. One log line
/// per request on stderr (JSON lines with --json). SIGTERM or SIGINT stop it
/// with exit 0.
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl ocsp serve                                   # 127.0.0.1:8888, delegated responder
  mtlsctl ocsp serve --listen 10.0.0.5:8080 --validity 10m
  mtlsctl ocsp serve --responses /srv/root-ocsp        # also the root's pre-signed answers

nginx:
  ssl_verify_client on;
  ssl_ocsp leaf;
  ssl_ocsp_responder http://127.0.0.1:8888/;")]
pub struct ServeArgs {
    /// The address to listen on, exactly (IP:PORT)
    #[arg(long, default_value = "127.0.0.1:8888", value_name = "ADDR:PORT")]
    pub listen: String,
    /// The URL path requests come under
    #[arg(long, default_value = "/", value_name = "PATH")]
    pub prefix: String,
    /// How long each answer is valid (its nextUpdate)
    #[arg(long, default_value = "1h", value_name = "DURATION")]
    pub validity: Parsed<Duration>,
    /// Who signs the answers
    #[arg(long, value_enum, default_value_t = SignerChoice::Delegated)]
    pub signer: SignerChoice,
    /// The lifetime of the delegated responder certificate issued at start
    #[arg(long, default_value = "7d", value_name = "DURATION")]
    pub responder_lifetime: Parsed<Duration>,
    /// Also serve the pre-signed answers in DIR (`ocsp sign --out DIR` on a parent store)
    #[arg(long, value_name = "DIR")]
    pub responses: Option<PathBuf>,
    /// Requests answered at once (worker threads)
    #[arg(long, default_value_t = 64, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub workers: u16,
    /// The longest a client may take to send its request
    #[arg(long, default_value = "5s", value_name = "DURATION")]
    pub request_timeout: Parsed<Duration>,
    #[command(flatten)]
    pub pass: PassArgs,
}

/// Pre-sign an OCSP response for every certificate in index.txt
///
/// Writes DIR/<SERIAL>.der (SHA-1 CertID: for nginx ssl_stapling_file and
/// static or CDN serving), DIR/<SERIAL>.sha256.der, DIR/issuer.crt and
/// DIR/ocsp-responses.json (which `ocsp serve --responses DIR` reads). Signed
/// with the CA key by default, so a root whose key stays offline can publish
/// its intermediates' status; run it again before --validity ends.
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl --dir root ocsp sign --out /srv/root-ocsp --validity 7d
  mtlsctl ocsp sign --out ocsp --signer delegated")]
pub struct SignArgs {
    /// The directory to write the responses to
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// How long each response is valid (its nextUpdate)
    #[arg(long, default_value = "7d", value_name = "DURATION")]
    pub validity: Parsed<Duration>,
    /// Who signs: the CA key (default), or a responder certificate issued to outlive the responses
    #[arg(long, value_enum, default_value_t = SignerChoice::Ca)]
    pub signer: SignerChoice,
    #[command(flatten)]
    pub pass: PassArgs,
}

pub fn run(ctx: &Ctx, args: &OcspArgs) -> anyhow::Result<Outcome> {
    match &args.command {
        OcspCommand::Serve(a) => serve(ctx, a),
        OcspCommand::Sign(a) => sign(ctx, a),
    }
}

fn positive(value: &Parsed<Duration>, flag: &str) -> anyhow::Result<Duration> {
    let d = value.get().with_context(|| format!("invalid {flag}"))?;
    if d <= Duration::ZERO {
        bail!("{flag} {} is zero: it must be some time (e.g. 1h)", value.text());
    }
    Ok(d)
}

fn listen_addr(text: &str) -> anyhow::Result<SocketAddr> {
    text.parse().map_err(|_| {
        hinted(
            format!("--listen {text} is not an IP address and port"),
            "give the address to bind exactly, e.g. --listen 127.0.0.1:8888 or --listen [::1]:8888",
        )
    })
}

fn normalize_prefix(p: &str) -> String {
    let trimmed = p.trim_matches('/');
    if trimmed.is_empty() { "/".into() } else { format!("/{trimmed}/") }
}

#[derive(Serialize)]
struct ServeReport {
    listen: String,
    stopped: &'static str,
    requests: u64,
    signer: &'static str,
    responder_serial: Option<String>,
    responder_not_after: Option<String>,
}

fn serve(ctx: &Ctx, args: &ServeArgs) -> anyhow::Result<Outcome> {
    let validity = positive(&args.validity, "--validity")?;
    let lifetime = positive(&args.responder_lifetime, "--responder-lifetime")?;
    let timeout = positive(&args.request_timeout, "--request-timeout")?;
    if args.signer == SignerChoice::Delegated && lifetime <= validity {
        bail!(
            "--responder-lifetime {} must be longer than --validity {}: no answer may outlive its signer",
            args.responder_lifetime.text(),
            args.validity.text()
        );
    }
    let listen = listen_addr(&args.listen)?;
    let store = common::open_store(ctx, &ctx.global.dir)?;
    let _told = common::tell(ctx, &store);
    common::warn_revoked_ca(ctx, &store);
    let ca_der = store.ca_cert_der()?;
    let issuer = IssuerId::from_cert(&ca_der)?;
    let index = responder::status::Watch::new(&store.paths.index)?;
    let presigned = match &args.responses {
        Some(dir) => Some(responder::presigned::Presigned::open(dir)?),
        None => None,
    };
    let ca = common::signer(&store, &args.pass.source(ctx), "--passphrase-file")?;
    let now = OffsetDateTime::now_utc();
    let (signer, delegated) = match args.signer {
        SignerChoice::Ca => (ResponseSigner::new(&ca.cert_der.clone(), ca.key, false, ResponderBy::KeyHash)?, None),
        SignerChoice::Delegated => {
            let d = responder::issue_responder(&store, ca, lifetime, now)?;
            if d.not_after <= now + validity {
                bail!("the CA expires before a responder certificate could outlive one answer (--validity)");
            }
            ctx.info(format!(
                "issued responder certificate {} (valid until {}); the CA key is no longer in memory",
                d.serial,
                human_time(d.not_after)
            ));
            (d.signer, Some((d.serial, d.not_after)))
        }
    };
    let cfg = responder::Config {
        listen,
        prefix: normalize_prefix(&args.prefix),
        workers: usize::from(args.workers),
        request_timeout: std::time::Duration::from_secs_f64(timeout.as_seconds_f64()),
    };
    let responder = responder::Responder::new(issuer, signer, index, validity, presigned);
    let files = responder::Files { ca_der, crl: store.paths.crl.clone() };
    let server = responder::Server::bind(cfg.clone(), responder, files, logger(ctx.json()))?;
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, Arc::clone(&stop)).context("cannot install the signal handlers")?;
    }
    let addr = server.local_addr()?;
    ctx.info(format!("OCSP responder for {} listening on http://{addr}{}", show_path(&store.paths.root), cfg.prefix));
    let (stopped, requests) = server.run(&stop, delegated.as_ref().map(|d| d.1), validity)?;
    ctx.emit(&ServeReport {
        listen: addr.to_string(),
        stopped: match stopped {
            Stopped::Signal => "signal",
            Stopped::ResponderExpiring => "responder_expiring",
        },
        requests,
        signer: if delegated.is_some() { "delegated" } else { "ca" },
        responder_serial: delegated.as_ref().map(|d| d.0.clone()),
        responder_not_after: delegated.as_ref().map(|d| rfc3339(d.1)),
    })?;
    if stopped == Stopped::ResponderExpiring {
        let _ = std::io::stderr().flush();
        std::process::exit(EXIT_RESTART);
    }
    ctx.info(format!("stopped after {requests} requests"));
    Ok(Outcome::Done)
}

/// One line per request on stderr: words, or JSON lines with --json.
fn logger(json: bool) -> Logger {
    Arc::new(move |event: &Event<'_>| {
        let line = match (event, json) {
            (Event::Request(r), true) => serde_json::to_string(r).unwrap_or_default(),
            (Event::Warning(w), true) => {
                serde_json::json!({ "time": rfc3339(OffsetDateTime::now_utc()), "warning": w }).to_string()
            }
            (Event::Warning(w), false) => format!("warning: {w}"),
            (Event::Request(r), false) => {
                let mut s = format!("{} {} {} {} {}", r.time, r.peer, r.method, r.path, r.http_status);
                if let Some(st) = r.ocsp_status {
                    s.push(' ');
                    s.push_str(st);
                }
                for c in &r.certs {
                    s.push_str(&format!(" {}={}", c.serial, c.status));
                }
                s.push_str(&format!(" {}us", r.micros));
                if r.cached {
                    s.push_str(" cached");
                }
                if let Some(e) = &r.error {
                    s.push_str(&format!(" ({e})"));
                }
                s
            }
        };
        let mut line = line;
        line.push('\n');
        write_line(line.as_bytes());
    })
}

/// One write(2) per line on stderr, without std's stderr lock, so workers do
/// not queue behind each other's log line. A line shorter than PIPE_BUF goes
/// whole into a pipe, and files and terminals take a write whole, so lines
/// from threads do not interleave.
fn write_line(mut rest: &[u8]) {
    let stderr = std::io::stderr();
    while !rest.is_empty() {
        match rustix::io::write(&stderr, rest) {
            Ok(0) => return,
            Ok(n) => rest = &rest[n..],
            Err(rustix::io::Errno::INTR) => {}
            Err(_) => return,
        }
    }
}

#[derive(Serialize)]
struct SignReport {
    out: String,
    index_file: String,
    issuer: String,
    signer: &'static str,
    responder_serial: Option<String>,
    count: usize,
    good: usize,
    revoked: usize,
    produced_at: String,
    next_update: String,
}

fn sign(ctx: &Ctx, args: &SignArgs) -> anyhow::Result<Outcome> {
    let validity = positive(&args.validity, "--validity")?;
    let store = common::open_store(ctx, &ctx.global.dir)?;
    let _told = common::tell(ctx, &store);
    common::warn_revoked_ca(ctx, &store);
    let ca = common::signer(&store, &args.pass.source(ctx), "--passphrase-file")?;
    let ca_der = ca.cert_der.clone();
    let now = OffsetDateTime::now_utc();
    let (signer, responder_serial) = match args.signer {
        SignerChoice::Ca => (ResponseSigner::new(&ca_der, ca.key, false, ResponderBy::KeyHash)?, None),
        SignerChoice::Delegated => {
            // The responder certificate outlives the responses it signs by a day.
            let d = responder::issue_responder(&store, ca, validity + Duration::days(1), now)?;
            if d.not_after < now + validity {
                bail!("the CA expires before responses valid for --validity {} would", args.validity.text());
            }
            (d.signer, Some(d.serial))
        }
    };
    let out = crate::store::fsio::absolute(&args.out)?;
    let delegated = responder_serial.is_some();
    let signed = responder::presigned::sign_all(&store.paths.index, &ca_der, &signer, delegated, validity, &out)
        .map_err(|e| anyhow!("cannot pre-sign the responses into {}: {e:#}", out.display()))?;
    ctx.info(format!(
        "signed {} responses ({} good, {} revoked) into {}, valid until {}",
        signed.index.count,
        signed.good,
        signed.revoked,
        show_path(&out),
        signed.index.next_update
    ));
    ctx.emit(&SignReport {
        index_file: super::common::json_path(&out.join(responder::presigned::INDEX_FILE)),
        out: super::common::json_path(&out),
        issuer: signed.index.issuer.clone(),
        signer: if delegated { "delegated" } else { "ca" },
        responder_serial,
        count: signed.index.count,
        good: signed.good,
        revoked: signed.revoked,
        produced_at: signed.index.produced_at.clone(),
        next_update: signed.index.next_update.clone(),
    })?;
    Ok(Outcome::Done)
}
