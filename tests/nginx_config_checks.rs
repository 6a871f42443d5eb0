//! nginx-config refuses what nginx or its clients would not take — a server identity whose
//! certificate is not for TLS servers (EKU, keyUsage), revoked or expired; an --upstream,
//! --ocsp or --listen that is not a plain URL or address — with a hint, exit 1, nothing
//! printed and the store byte-identical; and every form it accepts passes `nginx -t`.

use std::path::Path;

use crate::common::{
    Env, easyrsa, free_port, openssl_ca, openssl_csr, peer, root_and_intermediate, utf8, write_nginx_conf,
};

/// `nginx-config ARGS` must fail with `error:`, `hint:` and exit 1, print nothing
/// on stdout, leave the store as it was, and say `needle`.
fn refused(env: &Env, args: &[&str], needle: &str) {
    let before = env.snapshot();
    let mut all = vec!["nginx-config"];
    all.extend_from_slice(args);
    let r = env.run(&all).error().stderr_has(needle).stderr_has("hint:");
    assert!(r.stdout.is_empty(), "a refused nginx-config printed a config:\n{}", r.stdout);
    assert_eq!(env.snapshot(), before, "a refused nginx-config {args:?} changed the store");
}

/// `nginx -t` on a generated block included in an http block of its own.
fn nginx_accepts(env: &Env, block: &str, name: &str) {
    let dir = env.path().join(format!("ngx-{name}"));
    std::fs::create_dir_all(&dir).expect("nginx dir");
    std::fs::write(dir.join("mtls.conf"), block).expect("write block");
    let conf = write_nginx_conf(&dir, &format!("  include {}/mtls.conf;\n", dir.display()));
    let t = peer("nginx", &["-t", "-p", utf8(&dir), "-c", utf8(&conf)], env.path());
    assert!(t.code == 0, "nginx -t refused the block of {name}: {}\n{block}", t.stderr);
}

fn server_store() -> Env {
    let env = Env::new().with_ca();
    env.issue("localhost", &["--profile", "server", "--san", "ip:127.0.0.1"]);
    env.run(&["gen-crl"]).ok();
    env
}

#[test]
fn a_client_certificate_is_not_served() {
    let env = Env::new().with_ca();
    env.issue("127.0.0.1", &[]);
    env.run(&["gen-crl"]).ok();
    let port = format!("127.0.0.1:{}", free_port());
    refused(&env, &["--server", "127.0.0.1", "--listen", &port], "without serverAuth");
    refused(&env, &["--server", "127.0.0.1"], "unsuitable certificate purpose");
}

#[test]
fn a_client_certificate_of_an_intermediate_writes_no_root_file() {
    let (_root, int) = root_and_intermediate();
    let int = Env::at(&int);
    int.issue("client", &[]);
    refused(&int, &["--server", "client"], "without serverAuth");
    assert!(!int.store().join("certs/ca-root.crt").exists(), "a refusal wrote certs/ca-root.crt");
}

/// A certificate `openssl ca` signed with `ext` (an extension section) put in
/// place as the identity `name`.
fn openssl_identity(env: &Env, name: &str, ext: &str) {
    let (csr, key) = openssl_csr(env.path(), name, &format!("/CN={name}"), &[]);
    let extfile = env.path().join(format!("{name}.ext"));
    std::fs::write(&extfile, format!("[x]\nbasicConstraints = CA:FALSE\n{ext}\n")).expect("write ext");
    let out = format!("{name}.crt");
    openssl_ca(env, &["-batch", "-notext", "-in", &csr, "-out", &out, "-extfile", utf8(&extfile), "-extensions", "x"]);
    let dir = env.store().join("issued").join(name);
    std::fs::create_dir_all(&dir).expect("identity dir");
    std::fs::copy(env.path().join(&out), dir.join("chain.pem")).expect("chain.pem");
    std::fs::copy(env.path().join(&key), dir.join("key.pem")).expect("key.pem");
}

#[test]
fn a_key_usage_without_digital_signature_or_an_eku_without_server_auth_is_refused() {
    let env = Env::new().with_ca();
    env.run(&["gen-crl"]).ok();
    openssl_identity(&env, "kenc", "keyUsage = critical, keyEncipherment\nextendedKeyUsage = serverAuth");
    refused(&env, &["--server", "kenc"], "lacks digitalSignature");
    openssl_identity(&env, "signer", "keyUsage = critical, digitalSignature\nextendedKeyUsage = codeSigning");
    refused(&env, &["--server", "signer"], "codeSigning, without serverAuth");
    openssl_identity(&env, "anyeku", "keyUsage = digitalSignature\nextendedKeyUsage = anyExtendedKeyUsage");
    refused(&env, &["--server", "anyeku"], "anyExtendedKeyUsage, without serverAuth");
    // With serverAuth and digitalSignature the same kind of certificate is served.
    openssl_identity(&env, "fine", "keyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth");
    let block = env.run(&["nginx-config", "--server", "fine"]).ok().stdout;
    nginx_accepts(&env, &block, "fine");
}

#[test]
fn a_revoked_or_expired_server_certificate_is_refused() {
    let env = server_store();
    env.issue("s", &["--profile", "server"]);
    env.run(&["revoke", "--cn", "s", "--yes"]).ok();
    env.run(&["gen-crl"]).ok();
    refused(&env, &["--server", "s"], "was revoked on");
    // Another tool wrote the revoked line's serial in lower case: still the same certificate.
    let index = env.store().join("index.txt");
    let text = std::fs::read_to_string(&index).expect("index");
    let lowered: String = text
        .lines()
        .map(|l| {
            let mut f: Vec<String> = l.split('\t').map(str::to_string).collect();
            if f[0] == "R" {
                f[3] = f[3].to_ascii_lowercase();
            }
            f.join("\t") + "\n"
        })
        .collect();
    assert_ne!(lowered, text, "no R line to lower");
    std::fs::write(&index, lowered).expect("write index");
    refused(&env, &["--server", "s"], "was revoked on");
    // Issued with the 5-minute backdate, a 1s validity is over a second later.
    env.issue("short", &["--profile", "server", "--validity", "1s"]);
    std::thread::sleep(std::time::Duration::from_millis(1200));
    refused(&env, &["--server", "short"], "expired on");
    // The valid one still is served.
    env.run(&["nginx-config", "--server", "localhost"]).ok().stdout_has("server_name localhost;");
}

#[test]
fn in_an_easyrsa_pki_a_server_easyrsa_revoked_is_refused() {
    let env = Env::new();
    easyrsa(&env, &["init-pki"]).ok();
    easyrsa(&env, &["build-ca", "nopass"]).ok();
    env.issue("web", &["--profile", "server"]);
    env.issue("cli", &[]);
    env.run(&["gen-crl"]).ok();
    assert!(env.store().join("issued/web.crt").is_file(), "easy-rsa's copy of the identity");
    let block = env.run(&["nginx-config", "--server", "web"]).ok().stdout;
    nginx_accepts(&env, &block, "easyrsa-web");
    refused(&env, &["--server", "cli"], "without serverAuth");
    easyrsa(&env, &["revoke", "web"]).ok();
    refused(&env, &["--server", "web"], "was revoked on");
}

/// A server identity easy-rsa made itself (build-server-full: issued/NAME.crt, private/NAME.key)
/// is served from easy-rsa's files, and a real nginx with the block takes a client mtlsctl issued.
#[test]
fn in_an_easyrsa_pki_a_server_easyrsa_built_is_served() {
    let env = Env::new();
    easyrsa(&env, &["init-pki"]).ok();
    easyrsa(&env, &["build-ca", "nopass"]).ok();
    easyrsa(&env, &["--san=IP:127.0.0.1", "build-server-full", "localhost", "nopass"]).ok();
    env.issue("cli", &[]);
    env.run(&["gen-crl"]).ok();
    let json = env.run(&["--json", "nginx-config", "--server", "localhost"]).ok().json();
    let crt = env.store().join("issued/localhost.crt");
    assert_eq!(json["ssl_certificate"], utf8(&crt), "{json}");
    assert_eq!(json["ssl_certificate_key"], utf8(&env.store().join("private/localhost.key")), "{json}");
    let block = env.run(&["nginx-config", "--server", "localhost"]).ok().stdout;
    nginx_accepts(&env, &block, "easyrsa-built");
    let port = free_port();
    let dir = env.path().join("ngx-run");
    std::fs::create_dir_all(&dir).expect("nginx dir");
    let listen = format!("127.0.0.1:{port}");
    let block = env.run(&["nginx-config", "--server", "localhost", "--listen", &listen]).ok().stdout;
    std::fs::write(dir.join("mtls.conf"), &block).expect("write block");
    write_nginx_conf(&dir, &format!("  include {}/mtls.conf;\n", dir.display()));
    let _nginx = crate::common::run_nginx(&dir, port);
    let id = env.store().join("issued/cli");
    let (ca, chain, key) = (env.store().join("ca.crt"), id.join("chain.pem"), id.join("key.pem"));
    let tls = ["--cacert", utf8(&ca), "--cert", utf8(&chain), "--key", utf8(&key)];
    assert_eq!(crate::common::curl_status(port, &tls), 200, "an easy-rsa server identity did not serve");
    assert_eq!(crate::common::curl_status(port, &["--cacert", utf8(&ca)]), 400, "no client certificate");
}

#[test]
fn an_upstream_that_is_not_a_plain_url_is_refused() {
    let env = server_store();
    for (url, says) in [
        ("http://x; return 200 hi", "';'"),
        ("http://x}", "'}'"),
        ("http://x/{", "'{'"),
        ("http://x/ a", "' '"),
        ("http://x/\"a", "'\"'"),
        ("http://x/'a", "'\\''"),
        ("http://x/\ta", "'\\t'"),
        ("http://x/\na", "'\\n'"),
        ("http://x/$host", "'$'"),
        ("x:9000", "is not an absolute http:// or https:// URL"),
        ("/api", "is not an absolute"),
        ("ftp://x/", "is not an absolute"),
        ("unix:/tmp/app.sock", "is not an absolute"),
        ("http://", "names no valid host"),
        ("http:///path", "names no valid host"),
        ("http://x:0/", "names no valid host"),
        ("http://x:65536/", "names no valid host"),
        ("http://x:80a/", "names no valid host"),
        ("http://::1/", "names no valid host"),
        ("http://[::1/", "names no valid host"),
        ("http://user:pw@x/", "user information"),
    ] {
        refused(&env, &["--server", "localhost", "--upstream", url], says);
    }
}

#[test]
fn an_ocsp_url_that_would_break_the_block_is_refused() {
    let env = server_store();
    refused(&env, &["--server", "localhost", "--ocsp", "http://127.0.0.1:8888/; ssl_ocsp off"], "';'");
    refused(&env, &["--server", "localhost", "--ocsp", "http://:8888/"], "names no valid host");
    refused(&env, &["--server", "localhost", "--ocsp", "https://127.0.0.1:8888/"], "http://");
}

#[test]
fn a_listen_that_is_not_an_nginx_address_is_refused() {
    let env = server_store();
    for (listen, says) in [
        ("foo", "has no port"),
        ("127.0.0.1", "has no port"),
        ("[::1]", "has no port"),
        ("0", "a port is 1 to 65535"),
        ("65536", "a port is 1 to 65535"),
        ("99999999999999999999", "a port is 1 to 65535"),
        ("foo:bar", "is not ADDR:PORT"),
        ("127.0.0.1:", "is not ADDR:PORT"),
        (":8443", "is not ADDR:PORT"),
        ("127.0.0.1:0", "is not ADDR:PORT"),
        ("127.0.0.1:70000", "is not ADDR:PORT"),
        ("999.1.1.1:8443", "is not ADDR:PORT"),
        ("[::1]:x", "is not ADDR:PORT"),
        ("[nope]:8443", "is not ADDR:PORT"),
        ("::1:8443", "goes in brackets"),
        ("8443;", "holds whitespace or a character"),
        ("8443 default_server", "holds whitespace or a character"),
        ("127.0.0.1:8443 ssl; } server { listen 80", "holds whitespace or a character"),
        ("8443{", "holds whitespace or a character"),
        ("8443\n", "holds whitespace or a character"),
        ("unix:", "a unix socket path of 1 to 107 bytes"),
    ] {
        refused(&env, &["--server", "localhost", "--listen", listen], says);
    }
    let long = format!("unix:/{}", "s".repeat(107));
    refused(&env, &["--server", "localhost", "--listen", &long], "a unix socket path of 1 to 107 bytes");
}

#[test]
fn every_accepted_listen_and_upstream_passes_nginx_t() {
    let env = server_store();
    let port = free_port().to_string();
    let sock = env.path().join("mtls.sock");
    let unix = format!("unix:{}", sock.display());
    let listens = [
        port.clone(),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
        format!("*:{port}"),
        format!("localhost:{port}"),
        unix.clone(),
    ];
    for (i, listen) in listens.iter().enumerate() {
        let block = env.run(&["nginx-config", "--server", "localhost", "--listen", listen]).ok().stdout;
        assert!(block.contains(&format!("    listen {listen} ssl;\n")), "{block}");
        nginx_accepts(&env, &block, &format!("listen{i}"));
    }
    let up = free_port();
    let upstreams = [
        format!("http://127.0.0.1:{up}"),
        format!("http://127.0.0.1:{up}/"),
        format!("https://127.0.0.1:{up}/api/v1/"),
        format!("http://[::1]:{up}/x?y=1&z=%20"),
        format!("http://localhost:{up}"),
        "https://localhost".to_string(),
    ];
    for (i, url) in upstreams.iter().enumerate() {
        let args = ["nginx-config", "--server", "localhost", "--listen", &port, "--upstream", url];
        let block = env.run(&args).ok().stdout;
        assert!(block.contains(&format!("        proxy_pass {url};\n")), "{block}");
        nginx_accepts(&env, &block, &format!("upstream{i}"));
    }
    let ocsp = format!("http://127.0.0.1:{}/", free_port());
    let block = env.run(&["nginx-config", "--server", "localhost", "--listen", &port, "--ocsp", &ocsp]).ok().stdout;
    nginx_accepts(&env, &block, "ocsp");
    assert!(!Path::new(&sock).exists(), "nginx -t bound the socket");
}

#[test]
fn a_server_name_with_spaces_or_quotes_is_quoted_for_nginx() {
    let env = server_store();
    env.issue("my \"api\"; x", &["--profile", "peer", "--san", "dns:api.example.com"]);
    let block = env.run(&["nginx-config", "--server", "my \"api\"; x"]).ok().stdout;
    assert!(block.contains("    server_name \"my \\\"api\\\"; x\";\n"), "{block}");
    nginx_accepts(&env, &block, "quoted");
    // `~` would make it a regular expression; `_tilde` is stored where `~tilde` is looked up.
    env.issue("_tilde", &["--profile", "server", "--san", "dns:tilde.example.com"]);
    refused(&env, &["--server", "~tilde"], "leading ~");
}
