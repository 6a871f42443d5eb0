//! Issue #6: intermediate CAs, adopting openssl/easy-rsa directories, renew,
//! export and nginx-config, checked against the real tools.

use std::path::{Path, PathBuf};

use crate::common::*;

/// Run mtlsctl in batch mode on the store at `dir`.
fn run_at(env: &Env, dir: &Path, args: &[&str]) -> Run {
    let mut c = env.cmd();
    c.arg("--batch").arg("--dir").arg(dir).args(args);
    to_run(c.output().expect("run mtlsctl"))
}

fn openssl(args: &[&str], cwd: &Path) -> Run {
    peer("openssl", args, cwd)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn count_certs(path: &Path) -> usize {
    std::fs::read_to_string(path).expect("read pem").matches("BEGIN CERTIFICATE").count()
}

/// A root store at <tmp>/pki and an intermediate at <tmp>/int signed by it.
fn root_and_intermediate() -> (Env, PathBuf) {
    let env = Env::new().with_ca();
    let int = env.path().join("int");
    run_at(&env, &int, &["init-ca", "--parent", s(&env.store()), "--cn", "Issuing CA"]).ok();
    (env, int)
}

/// `openssl ca -gencrl` for a store; returns the CRL path.
fn openssl_crl(store: &Path, out: &Path) -> PathBuf {
    let cnf = store.join("openssl.cnf");
    openssl(&["ca", "-batch", "-config", s(&cnf), "-gencrl", "-out", s(out)], store).ok();
    out.to_path_buf()
}

#[test]
fn intermediate_is_recorded_in_root_and_chains() {
    let (env, int) = root_and_intermediate();
    let index = std::fs::read_to_string(env.store().join("index.txt")).expect("root index");
    assert_eq!(index.lines().count(), 1, "{index}");
    assert!(index.contains("/CN=Issuing CA"), "{index}");
    let serial = index.split('\t').nth(3).expect("serial");
    assert!(env.store().join(format!("newcerts/{serial}.pem")).exists());
    assert_eq!(count_certs(&int.join("certs/ca-chain.crt")), 2);
    assert_eq!(count_certs(&int.join("certs/ca.crt")), 1);

    run_at(&env, &int, &["issue", "--cn", "alice"]).ok();
    let leaf = int.join("issued/alice");
    assert_eq!(count_certs(&leaf.join("chain.pem")), 2, "chain.pem = leaf + intermediate");
    assert_eq!(
        std::fs::read(leaf.join("ca.pem")).expect("ca.pem"),
        std::fs::read(env.store().join("certs/ca.crt")).expect("root")
    );
    let r = openssl(
        &[
            "verify",
            "-CAfile",
            "pki/certs/ca.crt",
            "-untrusted",
            "int/certs/ca.crt",
            "-purpose",
            "sslclient",
            "int/issued/alice/cert.pem",
        ],
        env.path(),
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // openssl ca on the root still reads the root's index with the intermediate in it.
    let st = openssl(&["ca", "-config", "pki/openssl.cnf", "-status", serial], env.path());
    assert!(st.stderr.contains("Valid"), "{}", st.stderr);
}

#[test]
fn intermediate_respects_parent_limits() {
    let (env, int) = root_and_intermediate();
    // The intermediate has pathLen 0 by default: it cannot sign another CA.
    let sub = env.path().join("sub");
    run_at(&env, &sub, &["init-ca", "--parent", s(&int)]).error().stderr_has("pathLen 0");
    assert!(!sub.exists());
    // A root with pathLen 1 refuses a child with pathLen 1.
    let r1 = env.path().join("r1");
    run_at(&env, &r1, &["init-ca", "--path-len", "1"]).ok();
    run_at(&env, &env.path().join("c1"), &["init-ca", "--parent", s(&r1), "--path-len", "1"]).error();
    // Explicit validity past the parent's end is refused; the default is cut with a notice.
    let short = env.path().join("short");
    run_at(&env, &short, &["init-ca", "--validity", "30d"]).ok();
    let before = snapshot_dir(&short);
    run_at(&env, &env.path().join("c2"), &["init-ca", "--parent", s(&short), "--validity", "1y"])
        .error()
        .stderr_has("after the parent CA expires");
    assert_eq!(before, snapshot_dir(&short), "a refused intermediate changes nothing in the parent");
    let c3 = env.path().join("c3");
    let r = run_at(&env, &c3, &["--json", "init-ca", "--parent", s(&short)]).ok().stderr_has("ends with it");
    let parent_end = openssl(&["x509", "-noout", "-enddate", "-in", "short/certs/ca.crt"], env.path()).stdout;
    let child_end = openssl(&["x509", "-noout", "-enddate", "-in", "c3/certs/ca.crt"], env.path()).stdout;
    assert_eq!(parent_end, child_end);
    assert!(r.json()["parent"].is_string());
}

#[test]
fn nginx_accepts_intermediate_leaf_until_root_revokes_intermediate() {
    let (env, int) = root_and_intermediate();
    env.issue("localhost", &["--profile", "server", "--san", "ip:127.0.0.1"]);
    run_at(&env, &int, &["issue", "--cn", "alice"]).ok();
    let root_ca = env.store().join("certs/ca.crt");
    let srv = env.store().join("issued/localhost");
    let body = format!(
        "    ssl_certificate {}/chain.pem;\n    ssl_certificate_key {}/key.pem;\n    ssl_client_certificate {};\n    ssl_verify_client on;\n    ssl_verify_depth 2;\n",
        srv.display(),
        srv.display(),
        root_ca.display()
    );
    let alice = int.join("issued/alice");
    let (chain, key) = (alice.join("chain.pem"), alice.join("key.pem"));
    let argv = ["--cacert", s(&root_ca), "--cert", s(&chain), "--key", s(&key)];
    {
        let ng = start_nginx(&env.path().join("ng1"), &body);
        assert_eq!(curl_status(ng.port, &argv), 200);
    }
    // With both CAs' CRLs loaded (nginx checks every CA in the chain) it still passes...
    let crl = env.path().join("chain.crl");
    let write_crls = || {
        let root_crl = openssl_crl(&env.store(), &env.path().join("root.crl"));
        let int_crl = openssl_crl(&int, &env.path().join("int.crl"));
        let both = format!(
            "{}{}",
            std::fs::read_to_string(root_crl).expect("root crl"),
            std::fs::read_to_string(int_crl).expect("int crl")
        );
        std::fs::write(&crl, both).expect("write crl");
    };
    let with_crl = format!("{body}    ssl_crl {};\n", crl.display());
    write_crls();
    {
        let ng = start_nginx(&env.path().join("ng2"), &with_crl);
        assert_eq!(curl_status(ng.port, &argv), 200);
    }
    // ...until the root revokes the intermediate.
    openssl(&["ca", "-batch", "-config", "pki/openssl.cnf", "-revoke", "int/certs/ca.crt"], env.path()).ok();
    write_crls();
    let ng = start_nginx(&env.path().join("ng3"), &with_crl);
    assert_eq!(curl_status(ng.port, &argv), 400);
}

/// easy-rsa 3 run hermetically on `<tmp>/pki`.
fn easyrsa(env: &Env, args: &[&str]) -> Run {
    let o = std::process::Command::new(require_peer("easyrsa"))
        .args(args)
        .current_dir(env.path())
        .env("EASYRSA_PKI", env.store())
        .env("EASYRSA_BATCH", "1")
        .env("HOME", env.path())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run easyrsa");
    to_run(o)
}

#[test]
fn adopts_an_easyrsa_pki() {
    let env = Env::new();
    easyrsa(&env, &["init-pki"]).ok();
    easyrsa(&env, &["build-ca", "nopass"]).ok();
    easyrsa(&env, &["build-client-full", "alice", "nopass"]).ok();
    let pki = env.store();

    let r = env.run(&["--json", "list"]).ok();
    let certs = r.json()["certificates"].as_array().expect("certificates").clone();
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0]["common_name"], "alice");

    // mtlsctl issues into easy-rsa's own places, and easy-rsa sees it.
    let issued = env.run(&["--json", "issue", "--cn", "bob"]).ok().json();
    let serial = issued["serial"].as_str().expect("serial").to_string();
    assert!(pki.join(format!("certs_by_serial/{serial}.pem")).is_file());
    assert!(pki.join("issued/bob.crt").is_file());
    assert!(pki.join("private/bob.key").is_file());
    assert!(pki.join("issued/bob/chain.pem").is_file());
    easyrsa(&env, &["show-cert", "bob"]).ok();
    let v = openssl(&["verify", "-CAfile", "pki/ca.crt", "pki/issued/bob.crt"], env.path());
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
    // A name easy-rsa already issued is not silently replaced.
    env.run(&["issue", "--cn", "alice"]).error().stderr_has("easy-rsa already issued");

    // mtlsctl revokes and publishes the CRL where easy-rsa keeps it (pki/crl.pem,
    // creating crlnumber); both tools keep working on the shared index.
    env.run(&["revoke", "--cn", "bob", "--yes"]).ok();
    let revoked = env.run(&["--json", "list", "--revoked"]).ok().json();
    assert_eq!(revoked["certificates"][0]["serial"], serial.as_str());
    env.run(&["gen-crl"]).ok();
    assert!(pki.join("crlnumber").is_file());
    let crl = openssl(&["crl", "-in", "pki/crl.pem", "-noout", "-text"], env.path()).ok();
    assert!(crl.stdout.contains(&serial), "{}", crl.stdout);
    assert!(crl.stdout.contains("CRL Number"), "{}", crl.stdout);
    let v = openssl(
        &["verify", "-crl_check", "-CAfile", "pki/ca.crt", "-CRLfile", "pki/crl.pem", "pki/issued/bob.crt"],
        env.path(),
    );
    assert_ne!(v.code, 0, "bob must be revoked: {}{}", v.stdout, v.stderr);
    easyrsa(&env, &["show-cert", "alice"]).ok();
    easyrsa(&env, &["gen-crl"]).ok();
    let crl = openssl(&["crl", "-in", "pki/crl.pem", "-noout", "-text"], env.path()).ok();
    assert!(crl.stdout.contains(&serial), "easy-rsa's own CRL lists mtlsctl's revocation: {}", crl.stdout);
    env.run(&["issue", "--cn", "carol"]).ok();
    easyrsa(&env, &["build-client-full", "dave", "nopass"]).ok();
    assert_eq!(env.run(&["--json", "list", "--valid"]).ok().json()["count"], 3);
}

/// A demoCA-style `openssl ca` directory: openssl.cnf beside ./demoCA.
fn demo_ca(env: &Env) -> PathBuf {
    let top = env.path().join("legacy");
    let ca = top.join("demoCA");
    std::fs::create_dir_all(ca.join("newcerts")).expect("mkdir");
    std::fs::create_dir_all(ca.join("private")).expect("mkdir");
    std::fs::write(ca.join("index.txt"), "").expect("index");
    std::fs::write(ca.join("serial"), "1000\n").expect("serial");
    std::fs::write(ca.join("crlnumber"), "01\n").expect("crlnumber");
    std::fs::write(
        top.join("openssl.cnf"),
        "[ ca ]\ndefault_ca = CA_default\n\n[ CA_default ]\ndir = ./demoCA\ndatabase = $dir/index.txt\nnew_certs_dir = $dir/newcerts\ncertificate = $dir/cacert.pem\nprivate_key = $dir/private/cakey.pem\nserial = $dir/serial\ncrlnumber = $dir/crlnumber\ncrl = $dir/crl.pem\ndefault_md = sha256\ndefault_days = 30\ndefault_crl_days = 7\npolicy = policy_anything\n\n[ policy_anything ]\ncommonName = supplied\norganizationName = optional\n",
    )
    .expect("cnf");
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "demoCA/private/cakey.pem",
            "-out",
            "demoCA/cacert.pem",
            "-subj",
            "/CN=Legacy CA",
            "-days",
            "365",
        ],
        &top,
    )
    .ok();
    top
}

#[test]
fn adopts_a_democa_openssl_directory() {
    let env = Env::new();
    let top = demo_ca(&env);
    let issued = run_at(&env, &top, &["--json", "issue", "--cn", "svc"]).ok().json();
    let serial = issued["serial"].as_str().expect("serial").to_string();
    let ca = top.join("demoCA");
    assert!(ca.join(format!("newcerts/{serial}.pem")).is_file());
    assert!(ca.join("issued/svc/cert.pem").is_file());
    // openssl ca revokes what mtlsctl issued, and mtlsctl reads its change.
    openssl(&["ca", "-batch", "-config", "openssl.cnf", "-revoke", "demoCA/issued/svc/cert.pem"], &top).ok();
    let listed = run_at(&env, &top, &["--json", "list", "--revoked"]).ok().json();
    assert_eq!(listed["certificates"][0]["serial"], serial.as_str());
    openssl(&["ca", "-batch", "-config", "openssl.cnf", "-gencrl", "-out", "demoCA/crl.pem"], &top).ok();
    // mtlsctl's CRL goes to the cnf's `crl` path and continues openssl's numbering.
    run_at(&env, &top, &["gen-crl"]).ok();
    let crl = openssl(&["crl", "-in", "demoCA/crl.pem", "-noout", "-text"], &top).ok();
    let number = crl.stdout.split("CRL Number:").nth(1).unwrap_or("").trim_start();
    assert!(crl.stdout.contains(&serial) && number.starts_with('2'), "{}", crl.stdout);
    // The stock names are recognised when --dir names demoCA itself.
    run_at(&env, &ca, &["issue", "--cn", "svc2"]).ok();
    assert_eq!(run_at(&env, &top, &["--json", "list"]).ok().json()["count"], 2);
}

fn san_text(env: &Env, cert: &str) -> String {
    openssl(&["x509", "-noout", "-ext", "subjectAltName,extendedKeyUsage", "-in", cert], env.path()).ok().stdout
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
    let end = openssl(&["x509", "-noout", "-checkend", &(29 * 86400).to_string(), "-in", cert], env.path());
    assert_eq!(end.code, 0, "renewed for ~30 days, not_after {days}");
    let end = openssl(&["x509", "-noout", "-checkend", &(31 * 86400).to_string(), "-in", cert], env.path());
    assert_ne!(end.code, 0, "renewed for ~30 days, not_after {days}");
    let v = openssl(&["verify", "-CAfile", "pki/certs/ca.crt", "-purpose", "sslserver", cert], env.path());
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
    let revoked = env.run(&["--json", "list", "--revoked"]).ok().json();
    assert_eq!(revoked["certificates"][0]["serial"], old_serial.as_str());
    assert_eq!(revoked["certificates"][0]["reason"], "superseded");

    // --reuse-key keeps the key; --serial finds the certificate too.
    let key_now = std::fs::read(env.issued("api.example.com", "key.pem")).expect("key");
    let r = env.run(&["--json", "renew", "--serial", &new_serial, "--reuse-key", "--validity", "7d"]).ok().json();
    assert_eq!(r["key_reused"], true);
    assert_eq!(std::fs::read(env.issued("api.example.com", "key.pem")).expect("key"), key_now);
    let m1 = openssl(&["x509", "-noout", "-pubkey", "-in", cert], env.path()).ok().stdout;
    let m2 = openssl(&["pkey", "-pubout", "-in", "pki/issued/api.example.com/key.pem"], env.path()).ok().stdout;
    assert_eq!(m1, m2);
    env.run(&["renew", "--cn", "nobody"]).error().stderr_has("no unrevoked certificate");
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).expect("stat").permissions().mode() & 0o777
}

#[test]
fn export_pkcs12_bundle_and_k8s_secret() {
    let (env, int) = root_and_intermediate();
    run_at(&env, &int, &["issue", "--cn", "alice"]).ok();
    std::fs::write(env.path().join("p12.pass"), "s3cret pass\n").expect("pass");
    let p12 = env.path().join("alice.p12");
    run_at(
        &env,
        &int,
        &["export", "--cn", "alice", "--format", "pkcs12", "--password-file", "p12.pass", "--out", s(&p12)],
    )
    .ok();
    assert_eq!(mode(&p12), 0o600);
    let info =
        openssl(&["pkcs12", "-info", "-in", "alice.p12", "-passin", "pass:s3cret pass", "-nodes"], env.path()).ok();
    assert!(info.stderr.contains("MAC: sha256") && info.stderr.contains("AES-256-CBC"), "{}", info.stderr);
    assert_eq!(info.stdout.matches("BEGIN CERTIFICATE").count(), 3, "leaf, intermediate, root");
    assert!(info.stdout.contains("PRIVATE KEY"));
    openssl(&["pkcs12", "-info", "-in", "alice.p12", "-passin", "pass:wrong", "-nokeys"], env.path()).code(1);

    run_at(
        &env,
        &int,
        &["export", "--cn", "alice", "--format", "pkcs12", "--legacy", "--password", "pw", "--out", "legacy.p12"],
    )
    .ok();
    let info =
        openssl(&["pkcs12", "-legacy", "-info", "-in", "legacy.p12", "-passin", "pass:pw", "-nodes"], env.path()).ok();
    assert!(info.stderr.contains("MAC: sha1") && info.stderr.contains("TripleDES"), "{}", info.stderr);
    let keytool = require_peer("keytool");
    let kt = std::process::Command::new(keytool)
        .args(["-list", "-storetype", "PKCS12", "-keystore", "legacy.p12", "-storepass", "pw"])
        .current_dir(env.path())
        .output()
        .expect("keytool");
    assert!(kt.status.success(), "{}", String::from_utf8_lossy(&kt.stdout));
    assert!(String::from_utf8_lossy(&kt.stdout).contains("PrivateKeyEntry"));

    let bundle = run_at(&env, &int, &["export", "--cn", "alice", "--format", "bundle"]).ok().stdout;
    assert_eq!(bundle.matches("BEGIN CERTIFICATE").count(), 2);
    assert!(bundle.contains("BEGIN PRIVATE KEY"));
    let yaml =
        run_at(&env, &int, &["export", "--cn", "alice", "--format", "k8s-secret", "--namespace", "prod"]).ok().stdout;
    assert!(yaml.contains("type: kubernetes.io/tls") && yaml.contains("namespace: prod"), "{yaml}");
    for k in ["tls.crt: ", "tls.key: ", "ca.crt: "] {
        let line = yaml.lines().find(|l| l.trim_start().starts_with(k)).expect(k);
        let b64 = line.trim_start().trim_start_matches(k);
        std::fs::write(env.path().join("x.b64"), b64).expect("write");
        let dec = peer("base64", &["-d", "x.b64"], env.path()).ok().stdout;
        assert!(dec.contains("-----BEGIN"), "{k} decodes to PEM");
    }
    run_at(&env, &int, &["export", "--cn", "nobody"]).error();
    run_at(&env, &int, &["export", "--cn", "alice", "--format", "pkcs12", "--out", "x.p12"])
        .error()
        .stderr_has("password");
}

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
    std::fs::create_dir_all(dir.join("logs")).expect("logs");
    std::fs::write(dir.join("mtls.conf"), &block).expect("write block");
    // The upstream echoes the identity headers nginx forwards.
    let conf = format!(
        "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/logs/error.log info;\nevents {{ worker_connections 64; }}\nhttp {{\n  access_log off;\n  client_body_temp_path {d}/tmp;\n  proxy_temp_path {d}/tmp;\n  fastcgi_temp_path {d}/tmp;\n  uwsgi_temp_path {d}/tmp;\n  scgi_temp_path {d}/tmp;\n  include {d}/mtls.conf;\n  server {{ listen 127.0.0.1:{up}; location / {{ return 200 \"cn=$http_x_client_cert_cn verify=$http_x_client_verify\\n\"; }} }}\n}}\n",
        d = dir.display()
    );
    std::fs::create_dir_all(dir.join("tmp")).expect("tmp");
    std::fs::write(dir.join("nginx.conf"), conf).expect("conf");
    let nginx = require_peer("nginx");
    let t = std::process::Command::new(&nginx)
        .args(["-t", "-p", s(&dir), "-c", s(&dir.join("nginx.conf"))])
        .output()
        .expect("nginx -t");
    assert!(t.status.success(), "nginx -t: {}", String::from_utf8_lossy(&t.stderr));
    let child = std::process::Command::new(&nginx)
        .args(["-p", s(&dir), "-c", s(&dir.join("nginx.conf"))])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start nginx");
    let _server = Server { child, port, dir: dir.clone() };
    wait_port(port, std::time::Duration::from_secs(10));
    let ca = env.store().join("certs/ca.crt");
    let (cert, key) = (env.issued("alice", "chain.pem"), env.issued("alice", "key.pem"));
    let url = format!("https://127.0.0.1:{port}/");
    let r = peer(
        "curl",
        &["-s", "--max-time", "10", "--cacert", s(&ca), "--cert", s(&cert), "--key", s(&key), &url],
        env.path(),
    );
    assert_eq!(r.stdout.trim(), "cn=alice verify=SUCCESS", "{}{}", r.stdout, r.stderr);
    assert_eq!(curl_status(port, &["--cacert", s(&ca)]), 400, "no client certificate");
}

#[test]
fn nginx_config_for_intermediate_uses_root_and_depth_two() {
    let (env, int) = root_and_intermediate();
    run_at(&env, &int, &["issue", "--cn", "localhost", "--profile", "server"]).ok();
    let j = run_at(&env, &int, &["--json", "nginx-config", "--server", "localhost", "--optional"]).ok().json();
    assert_eq!(j["ssl_verify_depth"], 2);
    assert!(j["ssl_crl"].as_str().expect("crl").ends_with("crl/ca-chain.crl"));
    let root = std::fs::read(j["ssl_client_certificate"].as_str().expect("root")).expect("root file");
    assert_eq!(root, std::fs::read(env.store().join("certs/ca.crt")).expect("root ca"));
    assert!(j["config"].as_str().expect("config").contains("ssl_verify_client optional;"));
}
