//! renew, export and nginx-config: handing an identity to a service (renewal,
//! PKCS#12 / bundle / Kubernetes secret, an nginx server block that serves mTLS).

use crate::common::*;

// ---------------------------------------------------------------------------
// renew

fn san_text(env: &Env, cert: &str) -> String {
    openssl(env.path(), &["x509", "-noout", "-ext", "subjectAltName,extendedKeyUsage", "-in", cert]).stdout
}

#[test]
fn renew_gives_new_serial_same_names_and_is_idempotent_with_before() {
    let env = Env::new().with_ca();
    let first = env
        .run(&[
            "--json",
            "issue",
            "--cn",
            "api.example.com",
            "--profile",
            "server",
            "--san",
            "dns:api.example.com",
            "--san",
            "ip:10.0.0.5",
            "--validity",
            "30d",
        ])
        .ok()
        .json();
    let old_serial = first["serial"].as_str().expect("serial").to_string();
    let cert = "pki/issued/api.example.com/cert.pem";
    let sans_before = san_text(&env, cert);
    let key_before = std::fs::read(env.issued("api.example.com", "key.pem")).expect("key");

    // Not due: nothing changes, exit 0.
    let before = env.snapshot();
    let r = env.run(&["--json", "renew", "--cn", "api.example.com", "--before", "2d"]).ok().json();
    assert_eq!(r["renewed"], false);
    assert_eq!(before, env.snapshot());

    // Due: a new serial, the same names and profile, the original lifetime, a new key.
    let r = env
        .run(&["--json", "renew", "--cn", "api.example.com", "--before", "31d", "--revoke-old", "superseded"])
        .ok()
        .json();
    assert_eq!(r["renewed"], true);
    let new_serial = r["serial"].as_str().expect("serial").to_string();
    assert_ne!(new_serial, old_serial);
    assert_eq!(san_text(&env, cert), sans_before);
    assert!(
        sans_before.contains("DNS:api.example.com") && sans_before.contains("IP Address:10.0.0.5"),
        "{sans_before}"
    );
    assert_ne!(std::fs::read(env.issued("api.example.com", "key.pem")).expect("key"), key_before);
    let days = r["not_after"].as_str().expect("not_after");
    let end = peer("openssl", &["x509", "-noout", "-checkend", &(29 * 86400).to_string(), "-in", cert], env.path());
    assert_eq!(end.code, 0, "renewed for ~30 days, not_after {days}");
    let end = peer("openssl", &["x509", "-noout", "-checkend", &(31 * 86400).to_string(), "-in", cert], env.path());
    assert_ne!(end.code, 0, "renewed for ~30 days, not_after {days}");
    let v = peer("openssl", &["verify", "-CAfile", "pki/certs/ca.crt", "-purpose", "sslserver", cert], env.path());
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
    let revoked = env.run(&["--json", "list", "--revoked"]).ok().json();
    assert_eq!(revoked["certificates"][0]["serial"], old_serial.as_str());
    assert_eq!(revoked["certificates"][0]["reason"], "superseded");

    // --reuse-key keeps the key; --serial finds the certificate too.
    let key_now = std::fs::read(env.issued("api.example.com", "key.pem")).expect("key");
    let r = env.run(&["--json", "renew", "--serial", &new_serial, "--reuse-key", "--validity", "7d"]).ok().json();
    assert_eq!(r["key_reused"], true);
    assert_eq!(std::fs::read(env.issued("api.example.com", "key.pem")).expect("key"), key_now);
    let m1 = openssl(env.path(), &["x509", "-noout", "-pubkey", "-in", cert]).stdout;
    let m2 = openssl(env.path(), &["pkey", "-pubout", "-in", "pki/issued/api.example.com/key.pem"]).stdout;
    assert_eq!(m1, m2);
    env.run(&["renew", "--cn", "nobody"]).error().stderr_has("no unrevoked certificate");
}

// ---------------------------------------------------------------------------
// export

#[test]
fn export_pkcs12_bundle_and_k8s_secret() {
    let (env, int) = root_and_intermediate();
    let inter = Env::at(&int);
    inter.run(&["issue", "--cn", "alice"]).ok();
    std::fs::write(env.path().join("p12.pass"), "s3cret pass\n").expect("pass");
    let p12 = env.path().join("alice.p12");
    inter
        .run(&["export", "--cn", "alice", "--format", "pkcs12", "--password-file", "p12.pass", "--out", utf8(&p12)])
        .ok();
    assert_eq!(mode(&p12), 0o600);
    let info = openssl(env.path(), &["pkcs12", "-info", "-in", "alice.p12", "-passin", "pass:s3cret pass", "-nodes"]);
    assert!(info.stderr.contains("MAC: sha256") && info.stderr.contains("AES-256-CBC"), "{}", info.stderr);
    assert_eq!(info.stdout.matches("BEGIN CERTIFICATE").count(), 3, "leaf, intermediate, root");
    assert!(info.stdout.contains("PRIVATE KEY"));
    peer("openssl", &["pkcs12", "-info", "-in", "alice.p12", "-passin", "pass:wrong", "-nokeys"], env.path()).code(1);

    inter
        .run(&["export", "--cn", "alice", "--format", "pkcs12", "--legacy", "--password", "pw", "--out", "legacy.p12"])
        .ok();
    let info =
        openssl(env.path(), &["pkcs12", "-legacy", "-info", "-in", "legacy.p12", "-passin", "pass:pw", "-nodes"]);
    assert!(info.stderr.contains("MAC: sha1") && info.stderr.contains("TripleDES"), "{}", info.stderr);
    let kt =
        peer("keytool", &["-list", "-storetype", "PKCS12", "-keystore", "legacy.p12", "-storepass", "pw"], env.path());
    assert!(kt.code == 0, "{}", kt.stdout);
    assert!(kt.stdout.contains("PrivateKeyEntry"));

    let bundle = inter.run(&["export", "--cn", "alice", "--format", "bundle"]).ok().stdout;
    assert_eq!(bundle.matches("BEGIN CERTIFICATE").count(), 2);
    assert!(bundle.contains("BEGIN PRIVATE KEY"));
    let yaml = inter.run(&["export", "--cn", "alice", "--format", "k8s-secret", "--namespace", "prod"]).ok().stdout;
    assert!(yaml.contains("type: kubernetes.io/tls") && yaml.contains("namespace: prod"), "{yaml}");
    for k in ["tls.crt: ", "tls.key: ", "ca.crt: "] {
        let line = yaml.lines().find(|l| l.trim_start().starts_with(k)).expect(k);
        let b64 = line.trim_start().trim_start_matches(k);
        std::fs::write(env.path().join("x.b64"), b64).expect("write");
        let dec = peer("base64", &["-d", "x.b64"], env.path()).ok().stdout;
        assert!(dec.contains("-----BEGIN"), "{k} decodes to PEM");
    }
    inter.run(&["export", "--cn", "nobody"]).error();
    inter.run(&["export", "--cn", "alice", "--format", "pkcs12", "--out", "x.p12"]).error().stderr_has("password");
}

// ---------------------------------------------------------------------------
// nginx-config

#[test]
fn nginx_config_is_accepted_by_nginx_and_serves_mtls() {
    let env = Env::new().with_ca();
    env.issue("localhost", &["--profile", "server", "--san", "ip:127.0.0.1"]);
    env.issue("alice", &[]);
    env.run(&["gen-crl"]).ok();
    let port = free_port();
    let up = free_port();
    let listen = format!("127.0.0.1:{port}");
    let upstream = format!("http://127.0.0.1:{up}");
    let block =
        env.run(&["nginx-config", "--server", "localhost", "--listen", &listen, "--upstream", &upstream]).ok().stdout;
    assert!(block.contains("ssl_verify_depth 1;") && block.contains("ssl_verify_client on;"), "{block}");
    assert!(block.contains("X-Client-Verify") && block.contains("must not be reachable"), "{block}");
    let dir = env.path().join("ng");
    std::fs::create_dir_all(&dir).expect("nginx dir");
    std::fs::write(dir.join("mtls.conf"), &block).expect("write block");
    // The upstream echoes the identity headers nginx forwards.
    let conf = write_nginx_conf(
        &dir,
        &format!(
            "  include {d}/mtls.conf;\n  server {{ listen 127.0.0.1:{up}; location / {{ return 200 \"cn=$http_x_client_cert_cn verify=$http_x_client_verify\\n\"; }} }}\n",
            d = dir.display()
        ),
    );
    let t = peer("nginx", &["-t", "-p", utf8(&dir), "-c", utf8(&conf)], env.path());
    assert!(t.code == 0, "nginx -t: {}", t.stderr);
    let _server = run_nginx(&dir, port);
    let ca = env.store().join("certs/ca.crt");
    let (cert, key) = (env.issued("alice", "chain.pem"), env.issued("alice", "key.pem"));
    let r = curl(port, &["--cacert", utf8(&ca), "--cert", utf8(&cert), "--key", utf8(&key)]);
    assert_eq!(r.stdout.trim(), "cn=alice verify=SUCCESS", "{}{}", r.stdout, r.stderr);
    assert_eq!(curl_status(port, &["--cacert", utf8(&ca)]), 400, "no client certificate");
    // A requester who puts `,CN=admin` inside another value (nginx prints it
    // escaped: O=x\,CN=admin,CN=mallory) must not pose as CN=admin upstream.
    let (csr, key) = openssl_csr(env.path(), "mallory", "/CN=mallory/O=x,CN=admin", &[]);
    let key = env.path().join(key);
    env.run(&["sign", &csr]).ok();
    let r =
        curl(port, &["--cacert", utf8(&ca), "--cert", utf8(&env.issued("mallory", "chain.pem")), "--key", utf8(&key)]);
    assert_eq!(r.stdout.trim(), "cn=mallory verify=SUCCESS", "{}{}", r.stdout, r.stderr);
    // And our own words keep the comma escaped (RFC 4514), so the subject reads as one CN.
    let j = env.run(&["--json", "inspect", utf8(&env.issued("mallory", "cert.pem"))]).ok().json();
    assert_eq!(j["certificates"][0]["subject"], "CN=mallory, O=x\\,CN=admin", "{j}");
}

#[test]
fn nginx_config_for_intermediate_uses_root_and_depth_two() {
    let (env, int) = root_and_intermediate();
    Env::at(&int).run(&["issue", "--cn", "localhost", "--profile", "server"]).ok();
    let j = Env::at(&int).run(&["--json", "nginx-config", "--server", "localhost", "--optional"]).ok().json();
    assert_eq!(j["ssl_verify_depth"], 2);
    assert!(j["ssl_crl"].as_str().expect("crl").ends_with("crl/ca-chain.crl"));
    let root = std::fs::read(j["ssl_client_certificate"].as_str().expect("root")).expect("root file");
    assert_eq!(root, std::fs::read(env.store().join("certs/ca.crt")).expect("root ca"));
    assert!(j["config"].as_str().expect("config").contains("ssl_verify_client optional;"));
}
