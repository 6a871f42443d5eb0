//! `mtlsctl nginx-config`: print an nginx server block for an mTLS endpoint
//! that uses this store's files.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use anyhow::Context;

use clap::Args;
use serde::Serialize;

use super::common;
use crate::Outcome;
use crate::output::{Ctx, hinted};
use crate::pki::crl;
use crate::store::identity::Standing;
use crate::store::{Store, fsio};

/// Print the nginx server block for an mTLS endpoint using this store's files
///
/// Uses issued/<server>/chain.pem and key.pem as the server identity (refused
/// when its certificate is not for TLS servers, revoked or expired), the
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
    /// Address nginx listens on: PORT, ADDR:PORT, [IPv6]:PORT or unix:PATH
    #[arg(long, value_name = "ADDR:PORT", default_value = "443")]
    pub listen: String,
    /// ssl_verify_client optional instead of on (clients without a certificate get through)
    #[arg(long)]
    pub optional: bool,
    /// Proxy requests to URL (http:// or https://HOST[:PORT][/PATH]), with the client's
    /// identity in X-Client-Cert-* headers
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
    check_url("--ocsp", url, &["http://"], "--ocsp http://127.0.0.1:8888/")?;
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    let host = host.rsplit_once(':').filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit())).map_or(host, |(h, _)| h);
    let mode = if root_store || args.ocsp_chain { "on" } else { "leaf" };
    let mut c = String::from("    # Revocation by OCSP, asked on every connection (`mtlsctl ocsp serve`).\n");
    c.push_str(&format!("    ssl_ocsp {mode};\n    ssl_ocsp_responder {url};\n"));
    if host.trim_matches(['[', ']']).parse::<IpAddr>().is_err() {
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
    let (chain, key) = server_files(&store, &id, &args.server)?;
    // Every refusal comes before anything is written (certs/ca-root.crt below).
    check_server_name(&args.server)?;
    check_server_cert(&store, &chain, &args.server)?;
    let listen = listen_address(&args.listen)?;
    if let Some(url) = &args.upstream {
        check_upstream(url)?;
    }
    let ca_chain = store.ca_chain_ders()?;
    if ca_chain.len() > 1 && chain != id.chain() {
        ctx.warn(format!(
            "{} is the leaf alone: nginx sends no intermediate with it, and clients that do not have it refuse the server; mtlsctl export --cn {} writes the chain",
            chain.display(),
            common::shell_word(&args.server)
        ));
    }
    // Before anything is written: a refused config leaves the store as it was.
    if !args.no_crl && ca_chain.len() > 1 && store.paths.chain_crl.exists() {
        check_chain_crl(ctx, &store, &ca_chain, &store.paths.chain_crl)?;
    }
    let ocsp = ocsp_lines(args, ca_chain.len() == 1)?;
    let root = root_to_trust(&store, &ca_chain)?;
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
    c.push_str(&format!("    server_name {};\n\n", server_name(&args.server)));
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

/// The root to trust: certs/ca-chain.crt ends with it (written by init-ca
/// --parent); for an intermediate store it is written to certs/ca-root.crt.
fn root_to_trust(store: &Store, ca_chain: &[Vec<u8>]) -> anyhow::Result<PathBuf> {
    if ca_chain.len() <= 1 {
        return Ok(store.paths.ca_cert.clone());
    }
    let p = store.paths.ca_root.clone();
    let pem = crate::pki::certinfo::to_pem(ca_chain.last().map_or(&[][..], |v| v));
    if std::fs::read_to_string(&p).ok().as_deref() != Some(pem.as_str()) {
        fsio::write_atomic(&p, pem.as_bytes(), fsio::Mode::Public)?;
    }
    Ok(p)
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

// ---------------------------------------------------------------------------
// What goes into the block: nothing that could end a directive or open another.

/// Characters that end an nginx token or give it a meaning (`$` a variable,
/// `\` an escape, quotes a string, `#` a comment).
fn nginx_special(c: char) -> bool {
    c.is_whitespace() || c.is_control() || matches!(c, ';' | '{' | '}' | '"' | '\'' | '\\' | '$' | '#' | '`')
}

/// `--server` goes into a comment and `server_name`: no control characters,
/// and no leading `~` (nginx would read a regular expression).
fn check_server_name(name: &str) -> anyhow::Result<()> {
    if name.chars().any(char::is_control) || name.starts_with('~') {
        return Err(hinted(
            format!("--server {name:?} cannot be an nginx server_name (control characters or a leading ~)"),
            "name the server identity by its common name, e.g. --server api.example.com",
        ));
    }
    Ok(())
}

/// The name as one nginx token: as is when plain, else quoted.
fn server_name(name: &str) -> String {
    if name.chars().any(nginx_special) {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        name.to_string()
    }
}

/// The server identity's certificate chain and key: issued/<name>/, or what
/// `easyrsa build-server-full` made (issued/<name>.crt and private/<name>.key).
fn server_files(
    store: &Store,
    id: &crate::store::identity::Identity,
    name: &str,
) -> anyhow::Result<(PathBuf, PathBuf)> {
    let (chain, key) = match store.easyrsa_identity(id, name) {
        Some(m) if m.key.exists() => (m.crt, m.key),
        _ => (id.chain(), id.key()),
    };
    if !chain.exists() || !key.exists() {
        return Err(hinted(
            format!("{} has no chain.pem and key.pem", id.dir.display()),
            format!("issue the server identity first: mtlsctl issue --cn {name} --profile server"),
        ));
    }
    Ok((chain, key))
}

/// Refuse a server identity nginx would serve to no avail: a certificate TLS
/// clients reject for its purpose ("unsuitable certificate purpose"), or one
/// revoked or expired.
fn check_server_cert(store: &Store, chain: &Path, name: &str) -> anyhow::Result<()> {
    let reissue = format!("issue a server identity: mtlsctl issue --cn {} --profile server", common::shell_word(name));
    let der = crate::pki::certinfo::load_certs(&fsio::read(chain)?)
        .with_context(|| format!("cannot read {}", chain.display()))?
        .into_iter()
        .next()
        .with_context(|| format!("{} holds no certificate", chain.display()))?;
    let cert = crate::pki::certinfo::parse(&der).with_context(|| format!("cannot read {}", chain.display()))?;
    if let Some(why) = unfit_for_tls_server(&cert) {
        return Err(hinted(
            format!(
                "{} is not a TLS server certificate: {why}; clients would refuse it (\"unsuitable certificate purpose\")",
                chain.display()
            ),
            format!("{reissue} (or --profile peer for one that is also a client)"),
        ));
    }
    let now = time::OffsetDateTime::now_utc();
    let spent = match store.standing(chain, now)? {
        Some(Standing::Revoked { serial, revocation }) => {
            let when =
                revocation.map_or_else(String::new, |r| format!(" on {}", crate::pki::dates::human_time(r.time)));
            format!("the certificate {serial} in {} was revoked{when}", chain.display())
        }
        Some(Standing::Expired { serial, not_after }) => format!(
            "the certificate {serial} in {} expired on {}",
            chain.display(),
            crate::pki::dates::human_time(not_after)
        ),
        _ => return Ok(()),
    };
    Err(hinted(
        format!("{spent}: clients would refuse it"),
        format!("{reissue} (it replaces the spent one without --force)"),
    ))
}

/// Why `cert` cannot serve TLS, as OpenSSL's server purpose and RFC 8446
/// 4.4.2.2 see it; `None` when it can.
fn unfit_for_tls_server(cert: &x509_parser::certificate::X509Certificate<'_>) -> Option<String> {
    match cert.extended_key_usage() {
        Err(e) => return Some(format!("its extended key usage cannot be read ({e})")),
        Ok(Some(eku)) if !eku.value.server_auth => {
            let mut has = crate::pki::certinfo::eku_names(eku.value);
            if !eku.value.other.is_empty() {
                has.push("other purposes");
            }
            let has = if has.is_empty() { "nothing".to_string() } else { has.join(", ") };
            return Some(format!("its extended key usage is {has}, without serverAuth"));
        }
        Ok(_) => {}
    }
    match cert.key_usage() {
        Err(e) => Some(format!("its key usage cannot be read ({e})")),
        // TLS 1.3 (enabled here) and every ECDHE handshake have the server sign.
        Ok(Some(ku)) if !ku.value.digital_signature() => {
            Some(format!("its key usage ({}) lacks digitalSignature", ku.value))
        }
        Ok(_) => None,
    }
}

/// A TCP port as nginx takes it: 1 to 65535, digits only.
fn port_ok(port: &str) -> bool {
    !port.is_empty()
        && port.len() <= 5
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p))
}

/// A host name as nginx resolves it: dot-separated labels of letters, digits, `-` and `_`.
fn host_name_ok(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// `HOST[:PORT]` or `[IPv6][:PORT]` (`port_required` for `listen`), `*` only for `listen`.
fn host_port_ok(s: &str, port_required: bool, wildcard: bool) -> bool {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let Some((v6, after)) = rest.split_once(']') else { return false };
        if v6.parse::<Ipv6Addr>().is_err() {
            return false;
        }
        match after.strip_prefix(':') {
            Some(p) => ("", Some(p)),
            None if after.is_empty() => ("", None),
            None => return false,
        }
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let host_ok = s.starts_with('[')
        || (wildcard && host == "*")
        || host.parse::<Ipv4Addr>().is_ok()
        || (host.parse::<IpAddr>().is_err()
            && !host.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && host_name_ok(host));
    host_ok && port.map_or(!port_required, port_ok)
}

/// `--listen` as nginx's `listen` takes it: PORT, ADDR:PORT, [IPv6]:PORT or unix:PATH.
fn listen_address(listen: &str) -> anyhow::Result<String> {
    let forms = "--listen PORT, ADDR:PORT, [IPv6]:PORT or unix:/PATH, e.g. --listen 8443, --listen 127.0.0.1:8443, --listen [::1]:8443";
    if listen.chars().any(nginx_special) {
        return Err(hinted(
            format!(
                "--listen {listen:?} holds whitespace or a character nginx gives a meaning to (; {{ }} quotes $ # \\)"
            ),
            forms,
        ));
    }
    if let Some(path) = listen.strip_prefix("unix:") {
        // sockaddr_un holds 108 bytes with the terminating NUL.
        if path.is_empty() || path.len() > 107 {
            return Err(hinted(format!("--listen {listen}: a unix socket path of 1 to 107 bytes is needed"), forms));
        }
        return Ok(listen.to_string());
    }
    if listen.bytes().all(|b| b.is_ascii_digit()) {
        if !port_ok(listen) {
            return Err(hinted(format!("--listen {listen}: a port is 1 to 65535"), forms));
        }
        return Ok(listen.to_string());
    }
    if !listen.contains(':') || (listen.starts_with('[') && listen.ends_with(']')) {
        return Err(hinted(
            format!("--listen {listen} has no port"),
            format!("{forms} (nginx would listen on port 80 otherwise)"),
        ));
    }
    if !listen.starts_with('[') && listen.matches(':').count() > 1 {
        return Err(hinted(format!("--listen {listen}: an IPv6 address goes in brackets"), forms));
    }
    if !host_port_ok(listen, true, true) {
        return Err(hinted(
            format!("--listen {listen} is not ADDR:PORT (an IP address, * or a host name, and a port of 1 to 65535)"),
            forms,
        ));
    }
    Ok(listen.to_string())
}

/// `--upstream` as nginx's `proxy_pass` takes it, and nothing more: an
/// absolute http:// or https:// URL with a host, optionally a port and a path.
fn check_upstream(url: &str) -> anyhow::Result<()> {
    check_url(
        "--upstream",
        url,
        &["http://", "https://"],
        "--upstream http://127.0.0.1:9000 or --upstream https://app.internal:8443/api",
    )
}

/// `url` with one of `schemes`, a host, an optional port and path, and none
/// of the characters that would end or change the nginx directive it goes in.
fn check_url(flag: &str, url: &str, schemes: &[&str], example: &str) -> anyhow::Result<()> {
    let shape = |what: &str| hinted(format!("{flag} {url:?} {what}"), format!("give an absolute URL, e.g. {example}"));
    if let Some(c) = url.chars().find(|c| nginx_special(*c) || !c.is_ascii()) {
        return Err(shape(&format!(
            "holds {c:?}: no whitespace, control characters, quotes or any of ; {{ }} $ # \\ (percent-encode them)"
        )));
    }
    let Some(rest) = schemes.iter().find_map(|s| url.strip_prefix(s)) else {
        return Err(shape(&format!("is not an absolute {} URL", schemes.join(" or "))));
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(shape("holds user information (user@), which nginx does not take"));
    }
    if !host_port_ok(authority, false, false) {
        return Err(shape("names no valid host (HOST, HOST:PORT or [IPv6]:PORT, the port 1 to 65535)"));
    }
    Ok(())
}
