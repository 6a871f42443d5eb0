//! `mtlsctl nginx-config`: print an nginx server block for an mTLS endpoint
//! that uses this store's files.

use std::path::{Path, PathBuf};

use anyhow::Context;

use clap::Args;
use serde::Serialize;

use super::common;
use crate::Outcome;
use crate::output::{Ctx, hinted};
use crate::pki::crl;
use crate::store::{Store, fsio};

/// Print the nginx server block for an mTLS endpoint using this store's files
///
/// Uses issued/<server>/chain.pem and key.pem as the server identity, the
/// root CA as ssl_client_certificate, ssl_verify_depth matching this store's
/// chain and the CRL (crl/ca-chain.crl for an intermediate store: nginx checks
/// the CRL of every CA in the chain). Without --upstream the endpoint answers
/// by itself with 200 and the verified client's subject, to try it with curl;
/// with --upstream it proxies there and forwards the client identity in
/// headers. Include the output in nginx's http block (it holds a `map` for the
/// client CN and the `server` block).
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl nginx-config --server api.example.com > /etc/nginx/conf.d/api-mtls.conf
  mtlsctl nginx-config --server api.example.com --listen 127.0.0.1:8443 --optional
  mtlsctl nginx-config --server api.example.com --upstream http://127.0.0.1:9000 --no-crl
  mtlsctl nginx-config --server api.example.com --ocsp http://127.0.0.1:8888/")]
pub struct NginxConfigArgs {
    /// The server identity (issued/<NAME>/, made with `issue --profile server`)
    #[arg(long, value_name = "NAME", value_hint = clap::ValueHint::Other, add = clap_complete::ArgValueCandidates::new(super::common::identity_candidates))]
    pub server: String,
    /// Address nginx listens on
    #[arg(long, value_name = "ADDR:PORT", default_value = "443")]
    pub listen: String,
    /// ssl_verify_client optional instead of on (clients without a certificate get through)
    #[arg(long)]
    pub optional: bool,
    /// Proxy requests to URL, with the client's identity in X-Client-Cert-* headers
    /// [default: answer 200 with the client's subject]
    #[arg(long, value_name = "URL")]
    pub upstream: Option<String>,
    /// Leave out ssl_crl (no revocation checking)
    #[arg(long)]
    pub no_crl: bool,
    /// Check client certificates by OCSP at URL (`mtlsctl ocsp serve`), on every connection
    #[arg(long, value_name = "URL")]
    pub ocsp: Option<String>,
    /// With --ocsp: also ask about the intermediate CAs (`ssl_ocsp on`; the root's
    /// answers must be served too, e.g. `ocsp serve --responses`) [default for a root store]
    #[arg(long, requires = "ocsp")]
    pub ocsp_chain: bool,
    /// With --ocsp: cache answers in nginx (a revocation then waits for the cached answer's nextUpdate)
    #[arg(long, requires = "ocsp")]
    pub ocsp_cache: bool,
}

#[derive(Serialize)]
struct NginxConfig {
    config: String,
    server: String,
    ssl_certificate: String,
    ssl_certificate_key: String,
    ssl_client_certificate: String,
    ssl_verify_depth: usize,
    ssl_crl: Option<String>,
    /// `leaf` or `on`, with --ocsp.
    ssl_ocsp: Option<&'static str>,
    ssl_ocsp_responder: Option<String>,
    /// --upstream: where `location /` proxies; `None` when it answers by itself.
    upstream: Option<String>,
}

/// The OCSP lines of the server block: `(text, ssl_ocsp mode)`.
fn ocsp_lines(args: &NginxConfigArgs, root_store: bool) -> anyhow::Result<Option<(String, &'static str)>> {
    let Some(url) = &args.ocsp else { return Ok(None) };
    let Some(rest) = url.strip_prefix("http://") else {
        return Err(hinted(
            format!("--ocsp {url} is not an http:// URL"),
            "nginx asks OCSP responders over plain HTTP (the answers are signed), e.g. --ocsp http://127.0.0.1:8888/",
        ));
    };
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    let host = host.rsplit_once(':').filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit())).map_or(host, |(h, _)| h);
    let mode = if root_store || args.ocsp_chain { "on" } else { "leaf" };
    let mut c = String::from("    # Revocation by OCSP, asked on every connection (`mtlsctl ocsp serve`).\n");
    c.push_str(&format!("    ssl_ocsp {mode};\n    ssl_ocsp_responder {url};\n"));
    if host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_err() {
        c.push_str("    # nginx resolves the responder's name itself.\n");
        c.push_str(&format!("    resolver {} valid=300s;\n", system_resolver()));
    }
    if args.ocsp_cache {
        c.push_str("    # Cached answers: a revocation counts only once the cached answer's nextUpdate has passed.\n");
        c.push_str("    ssl_ocsp_cache shared:mtls_ocsp:1m;\n");
    } else {
        c.push_str("    # No ssl_ocsp_cache: a revocation counts on the next connection.\n");
    }
    Ok(Some((c, mode)))
}

/// The `location /` block: proxy to `upstream` with the client identity in
/// headers, or (none given) answer here so the endpoint can be tried at once.
fn location(upstream: Option<&str>) -> String {
    let mut c = String::from("\n    location / {\n");
    match upstream {
        Some(url) => {
            c.push_str("        # WARNING: the upstream must not be reachable without going through nginx,\n");
            c.push_str("        # or any caller can set these headers and claim any identity.\n");
            c.push_str("        proxy_set_header X-Client-Cert-CN     $mtls_client_cn;\n");
            c.push_str("        proxy_set_header X-Client-Cert-Subject $ssl_client_s_dn;\n");
            c.push_str("        proxy_set_header X-Client-Cert-Serial $ssl_client_serial;\n");
            c.push_str("        proxy_set_header X-Client-Verify      $ssl_client_verify;\n");
            c.push_str(&format!("        proxy_pass {url};\n"));
        }
        None => {
            c.push_str("        # No upstream (--upstream URL): answer with the client nginx verified.\n");
            c.push_str("        default_type text/plain;\n");
            c.push_str("        return 200 \"client: $ssl_client_s_dn\\nverify: $ssl_client_verify\\n\";\n");
        }
    }
    c.push_str("    }\n");
    c
}

/// The first nameserver of /etc/resolv.conf, else systemd-resolved's.
fn system_resolver() -> String {
    std::fs::read_to_string("/etc/resolv.conf")
        .ok()
        .and_then(|t| t.lines().find_map(|l| l.trim().strip_prefix("nameserver").map(|v| v.trim().to_string())))
        .filter(|v| !v.is_empty())
        .map_or_else(|| "127.0.0.53".into(), |v| if v.contains(':') { format!("[{v}]") } else { v })
}

pub fn run(ctx: &Ctx, args: &NginxConfigArgs) -> anyhow::Result<Outcome> {
    let store = common::open_store(ctx, &ctx.global.dir)?;
    let id = store.identity(&args.server, None);
    let dir = &id.dir;
    let (chain, key) = (id.chain(), id.key());
    if !chain.exists() || !key.exists() {
        return Err(hinted(
            format!("{} has no chain.pem and key.pem", dir.display()),
            format!("issue the server identity first: mtlsctl issue --cn {} --profile server", args.server),
        ));
    }
    let ca_chain = store.ca_chain_ders()?;
    // Before anything is written: a refused config leaves the store as it was.
    if !args.no_crl && ca_chain.len() > 1 && store.paths.chain_crl.exists() {
        check_chain_crl(ctx, &store, &ca_chain, &store.paths.chain_crl)?;
    }
    // The root to trust: certs/ca-chain.crt ends with it (written by init-ca --parent).
    let root = if ca_chain.len() > 1 {
        let p = store.paths.ca_root.clone();
        let pem = crate::pki::certinfo::to_pem(ca_chain.last().map_or(&[][..], |v| v));
        if std::fs::read_to_string(&p).ok().as_deref() != Some(pem.as_str()) {
            crate::store::fsio::write_atomic(&p, pem.as_bytes(), crate::store::fsio::Mode::Public)?;
        }
        p
    } else {
        store.paths.ca_cert.clone()
    };
    // Leaf plus every CA below the root: a leaf of an intermediate needs depth 2.
    let depth = ca_chain.len().max(1);
    let crl: Option<PathBuf> = if args.no_crl {
        None
    } else if ca_chain.len() > 1 {
        Some(store.paths.chain_crl.clone())
    } else {
        Some(store.paths.crl.clone())
    };
    if let Some(c) = &crl {
        if !c.exists() {
            ctx.warn(format!(
                "{} does not exist yet: nginx refuses to start without it; {}",
                c.display(),
                if ca_chain.len() > 1 {
                    "run `mtlsctl gen-crl` in the parent store, then here (it bundles the parent's CRL)"
                } else {
                    "run `mtlsctl gen-crl`, or pass --no-crl"
                }
            ));
        }
    }
    let ocsp = ocsp_lines(args, ca_chain.len() == 1)?;
    let listen = if args.listen.contains(':') || args.listen.chars().all(|c| c.is_ascii_digit()) {
        args.listen.clone()
    } else {
        format!("{}:443", args.listen)
    };
    let mut c = String::new();
    c.push_str(&format!("# mTLS endpoint for \"{}\", generated by mtlsctl nginx-config.\n", args.server));
    // nginx has no variable for the client CN alone; a map extracts it from the
    // RFC 2253 DN. The match steps over whole RDNs, escapes included, so a value
    // holding an escaped `\,CN=admin` (O=x\,CN=admin) cannot pose as the CN.
    // nginx's config parser turns each `\\` into one backslash for PCRE.
    c.push_str("map $ssl_client_s_dn $mtls_client_cn {\n    default \"\";\n");
    c.push_str(r#"    "~^(?:(?:[^\\\\,]|\\\\.)*,)*?CN=(?<cn>(?:[^\\\\,]|\\\\.)+)" $cn;"#);
    c.push_str("\n}\n\n");
    c.push_str("server {\n");
    c.push_str(&format!("    listen {listen} ssl;\n"));
    c.push_str(&format!("    server_name {};\n\n", args.server));
    c.push_str("    # The server's certificate and intermediates, and its key.\n");
    c.push_str(&format!("    ssl_certificate     {};\n", chain.display()));
    c.push_str(&format!("    ssl_certificate_key {};\n", key.display()));
    c.push_str("    # nginx 1.22 offers only TLS 1.2 unless told otherwise.\n");
    c.push_str("    ssl_protocols TLSv1.2 TLSv1.3;\n\n");
    c.push_str("    # Clients must present a certificate from this CA.\n");
    c.push_str(&format!("    ssl_client_certificate {};\n", root.display()));
    c.push_str(&format!("    ssl_verify_client {};\n", if args.optional { "optional" } else { "on" }));
    c.push_str(&format!("    ssl_verify_depth {depth};\n"));
    if let Some(crl) = &crl {
        c.push_str("    # Revocation: regenerate before nextUpdate or nginx rejects every client.\n");
        c.push_str(&format!("    ssl_crl {};\n", crl.display()));
    }
    if let Some((lines, _)) = &ocsp {
        c.push_str(lines);
    }
    c.push_str(&location(args.upstream.as_deref()));
    c.push_str("}\n");

    ctx.emit(&NginxConfig {
        config: c.clone(),
        server: args.server.clone(),
        ssl_certificate: chain.display().to_string(),
        ssl_certificate_key: key.display().to_string(),
        ssl_client_certificate: root.display().to_string(),
        ssl_verify_depth: depth,
        ssl_crl: crl.map(|p| p.display().to_string()),
        ssl_ocsp: ocsp.as_ref().map(|(_, mode)| *mode),
        ssl_ocsp_responder: args.ocsp.clone(),
        upstream: args.upstream.clone(),
    })?;
    ctx.result(c);
    Ok(Outcome::Done)
}

/// An intermediate's chain CRL must hold a CRL of every CA of the chain, or
/// nginx rejects every client ("unable to get certificate CRL"): refuse one
/// that leaves a CA out, and warn when one has expired.
fn check_chain_crl(ctx: &Ctx, store: &Store, chain: &[Vec<u8>], path: &Path) -> anyhow::Result<()> {
    let crls = crl::load_crls(&fsio::read(path)?).with_context(|| format!("cannot read {}", path.display()))?;
    let missing = crl::uncovered(chain, &crls);
    if !missing.is_empty() {
        let fix = match store.parent_store() {
            Some(p) => format!(
                "run `mtlsctl --dir {} gen-crl`: it bundles the parent's CRL from {p} (after `mtlsctl --dir {p} gen-crl` if that store has none); or pass --no-crl",
                store.paths.root.display(),
                p = p.display()
            ),
            None => format!(
                "run `mtlsctl --dir {} gen-crl --parent-crl PARENT_STORE/crl/ca.crl`; or pass --no-crl",
                store.paths.root.display()
            ),
        };
        return Err(hinted(
            format!(
                "{} has no CRL of {}: nginx would reject every client certificate (\"unable to get certificate CRL\")",
                path.display(),
                missing.join(", ")
            ),
            fix,
        ));
    }
    if let Some(t) = crl::earliest_next_update(&crls).filter(|t| *t <= time::OffsetDateTime::now_utc()) {
        ctx.warn(format!(
            "a CRL in {} expired on {}: nginx rejects every client (\"CRL has expired\") until `mtlsctl gen-crl` runs again (in the parent store too when it is the parent's)",
            path.display(),
            crate::pki::dates::human_time(t)
        ));
    }
    Ok(())
}
