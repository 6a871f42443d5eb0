//! Issue #2: init-ca, issue, list, inspect and the OpenSSL store format,
//! checked against the real peers: openssl, nginx and curl.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use mtlsctl::store::index::Index;

use crate::common::*;

#[test]
fn init_ca_then_issue_verifies_with_openssl() {
    let env = Env::new().with_ca();
    env.issue("payment-service", &[]);
    let r = peer(
        "openssl",
        &["verify", "-CAfile", "pki/certs/ca.crt", "-purpose", "sslclient", "pki/issued/payment-service/cert.pem"],
        env.path(),
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains(": OK"));
}

// ---------------------------------------------------------------------------
// helpers

/// openssl in the env's directory; must succeed.
fn openssl(env: &Env, args: &[&str]) -> Run {
    openssl_ok(env.path(), args)
}

/// openssl in the env's directory; must fail.
fn openssl_fails(env: &Env, args: &[&str]) -> Run {
    let r = peer("openssl", args, env.path());
    assert_ne!(r.code, 0, "openssl {args:?} should have failed\nstdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    r
}

fn rel(p: &Path, base: &Path) -> String {
    p.strip_prefix(base).unwrap_or(p).display().to_string()
}

/// `openssl x509 -text` of a file relative to the env.
fn x509_text(env: &Env, file: &str) -> String {
    openssl(env, &["x509", "-in", file, "-noout", "-text"]).stdout
}

/// An extension as `openssl x509 -text` shows it: (critical, the value line(s) joined).
fn ext(text: &str, name: &str) -> Option<(bool, String)> {
    let header = format!("X509v3 {name}:");
    let mut lines = text.lines();
    let line = lines.by_ref().find(|l| l.trim_start().starts_with(&header))?;
    let critical = line.trim_end().ends_with("critical");
    let mut value = Vec::new();
    for l in lines {
        let t = l.trim();
        if t.starts_with("X509v3 ") || t.starts_with("Signature Algorithm") || t.is_empty() {
            break;
        }
        value.push(t.to_string());
    }
    Some((critical, value.join(" ")))
}

fn must_ext(text: &str, name: &str) -> (bool, String) {
    ext(text, name).unwrap_or_else(|| panic!("no {name} extension in\n{text}"))
}

/// `openssl verify -purpose` of an issued certificate against the store's CA.
fn verify(env: &Env, cert: &str, purpose: &str) -> Run {
    peer("openssl", &["verify", "-CAfile", "pki/certs/ca.crt", "-purpose", purpose, cert], env.path())
}

/// Run mtlsctl with `input` on stdin.
fn run_stdin(env: &Env, args: &[&str], input: &[u8]) -> Run {
    let mut c = env.cmd();
    c.arg("--batch").arg("--dir").arg(env.store()).args(args);
    c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn mtlsctl");
    child.stdin.take().expect("stdin").write_all(input).expect("write stdin");
    to_run(child.wait_with_output().expect("wait mtlsctl"))
}

/// A CSR made by `openssl req` in the env's directory: (csr, key) file names.
fn openssl_csr(env: &Env, name: &str, subj: &str, extra: &[&str]) -> (String, String) {
    crate::common::openssl_csr(env.path(), name, subj, extra)
}

fn index_text(env: &Env) -> String {
    std::fs::read_to_string(env.store().join("index.txt")).expect("read index.txt")
}

/// The serial of the last line of index.txt.
fn last_serial(env: &Env) -> String {
    let text = index_text(env);
    let line = text.lines().last().expect("index.txt has a line");
    line.split('\t').nth(3).expect("serial field").to_string()
}

/// Issue and return the serial from the JSON result.
fn issue_serial(env: &Env, cn: &str, extra: &[&str]) -> String {
    let mut args = vec!["--json", "issue", "--cn", cn];
    args.extend_from_slice(extra);
    let r = env.run(&args).ok();
    r.json()["serial"].as_str().expect("serial in issue --json").to_string()
}

fn list_json(env: &Env, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--json", "list"];
    args.extend_from_slice(extra);
    env.run(&args).ok().json()
}

/// The certificate rows of `list --json`, by serial.
fn rows_by_serial(list: &serde_json::Value) -> std::collections::BTreeMap<String, serde_json::Value> {
    list["certificates"]
        .as_array()
        .expect("certificates array")
        .iter()
        .map(|r| (r["serial"].as_str().expect("serial").to_string(), r.clone()))
        .collect()
}

// ---------------------------------------------------------------------------
// openssl agrees: every key type, every profile

/// A CA of `ca_type` issues client, server and peer certificates (keys of
/// `leaf_types`, cycled); `openssl verify` accepts each for its purposes and
/// refuses the purpose its EKU leaves out.
fn key_type_case(ca_type: &str, leaf_types: &[&str]) {
    let env = Env::new();
    env.run(&["init-ca", "--key-type", ca_type]).ok();
    let ca = env.run(&["--json", "inspect", "pki/certs/ca.crt"]).ok().json();
    assert_eq!(ca["certificates"][0]["key_type"], ca_type, "CA key type");
    let profiles: [(&str, &[&str], &[&str]); 3] = [
        ("client", &["sslclient"], &["sslserver"]),
        ("server", &["sslserver"], &["sslclient"]),
        ("peer", &["sslclient", "sslserver"], &[]),
    ];
    for (i, (profile, ok, refused)) in profiles.iter().enumerate() {
        let leaf_type = leaf_types[i % leaf_types.len()];
        let cn = format!("{profile}.example.com");
        env.issue(&cn, &["--profile", profile, "--key-type", leaf_type]);
        let cert = rel(&env.issued(&cn, "cert.pem"), env.path());
        for purpose in *ok {
            let r = verify(&env, &cert, purpose);
            assert!(
                r.code == 0 && r.stdout.contains(": OK"),
                "{ca_type}/{leaf_type} {profile} -purpose {purpose}:\n{}{}",
                r.stdout,
                r.stderr
            );
        }
        for purpose in *refused {
            let r = verify(&env, &cert, purpose);
            assert_ne!(r.code, 0, "{profile} certificate passed -purpose {purpose}:\n{}", r.stdout);
        }
        // The key on disk is the certificate's key.
        let key = rel(&env.issued(&cn, "key.pem"), env.path());
        let from_cert = openssl(&env, &["x509", "-in", &cert, "-noout", "-pubkey"]).stdout;
        let from_key = openssl(&env, &["pkey", "-in", &key, "-pubout"]).stdout;
        assert_eq!(from_cert, from_key, "{cn}: key.pem does not match cert.pem");
        let info = env.run(&["--json", "inspect", &cert]).ok().json();
        assert_eq!(info["certificates"][0]["key_type"], leaf_type);
        // RSA leaves may encipher keys (TLS 1.2 RSA key exchange); others only sign.
        let (_, ku) = must_ext(&x509_text(&env, &cert), "Key Usage");
        assert_eq!(ku.contains("Key Encipherment"), leaf_type.starts_with("rsa-"), "{leaf_type} key usage: {ku}");
    }
}

#[test]
fn key_type_ec_p256() {
    key_type_case("ec-p256", &["ec-p256"]);
}

#[test]
fn key_type_ec_p384() {
    key_type_case("ec-p384", &["ec-p384"]);
}

#[test]
fn key_type_ed25519() {
    key_type_case("ed25519", &["ed25519"]);
}

#[test]
fn key_type_rsa_2048() {
    key_type_case("rsa-2048", &["rsa-2048"]);
}

#[test]
fn key_type_rsa_3072() {
    key_type_case("rsa-3072", &["rsa-3072", "ec-p256"]);
}

// RSA-4096 takes seconds per key: one CA and one leaf of it, the rest EC.
#[test]
fn key_type_rsa_4096() {
    key_type_case("rsa-4096", &["rsa-4096", "ec-p256", "ed25519"]);
}

// ---------------------------------------------------------------------------
// openssl x509 -text shows the extensions

#[test]
fn x509_text_shows_ca_and_leaf_extensions() {
    let env = Env::new();
    env.run(&[
        "init-ca",
        "--cn",
        "Example Root",
        "--org",
        "Example Corp",
        "--path-len",
        "1",
        "--permitted-dns",
        "example.com",
    ])
    .ok();
    let ca = x509_text(&env, "pki/certs/ca.crt");
    assert!(ca.contains("Version: 3"), "{ca}");
    assert!(ca.contains("Subject: CN = Example Root, O = Example Corp"), "{ca}");
    assert_eq!(must_ext(&ca, "Basic Constraints"), (true, "CA:TRUE, pathlen:1".to_string()));
    let (crit, ku) = must_ext(&ca, "Key Usage");
    assert!(crit && ku.contains("Certificate Sign") && ku.contains("CRL Sign"), "{ku}");
    let (_, ca_ski) = must_ext(&ca, "Subject Key Identifier");
    assert!(!ca_ski.is_empty());
    let (_, nc) = must_ext(&ca, "Name Constraints");
    assert!(nc.contains("Permitted:") && nc.contains("DNS:example.com"), "{nc}");

    env.issue(
        "client.example.com",
        &["--san", "dns:a.example.com", "--san", "ip:10.0.0.5", "--san", "email:ops@example.com"],
    );
    env.issue("api.example.com", &["--profile", "server"]);
    env.issue("mesh.example.com", &["--profile", "peer", "--san", "uri:spiffe://example.com/ns/prod/sa/mesh"]);
    let cases = [
        (
            "client.example.com",
            "TLS Web Client Authentication",
            "DNS:a.example.com, IP Address:10.0.0.5, email:ops@example.com",
        ),
        ("api.example.com", "TLS Web Server Authentication", "DNS:api.example.com"),
        (
            "mesh.example.com",
            "TLS Web Server Authentication, TLS Web Client Authentication",
            // The CN is added as a DNS SAN after the given ones: a peer needs a name to be checked by.
            "URI:spiffe://example.com/ns/prod/sa/mesh, DNS:mesh.example.com",
        ),
    ];
    for (cn, eku, san) in cases {
        let t = x509_text(&env, &rel(&env.issued(cn, "cert.pem"), env.path()));
        assert!(t.contains(&format!("Subject: CN = {cn}")), "{t}");
        assert!(t.contains("Issuer: CN = Example Root, O = Example Corp"), "{t}");
        assert_eq!(must_ext(&t, "Basic Constraints"), (true, "CA:FALSE".to_string()), "{cn}");
        assert_eq!(must_ext(&t, "Key Usage"), (true, "Digital Signature".to_string()), "{cn}");
        assert_eq!(must_ext(&t, "Extended Key Usage").1, eku, "{cn}");
        assert!(!must_ext(&t, "Subject Key Identifier").1.is_empty());
        let (_, aki) = must_ext(&t, "Authority Key Identifier");
        assert!(aki.contains(&ca_ski), "{cn}: AKI {aki} is not the CA's SKI {ca_ski}");
        assert_eq!(must_ext(&t, "Subject Alternative Name").1, san, "{cn}");
    }
}

// ---------------------------------------------------------------------------
// secrets: an encrypted CA key that openssl opens

#[test]
fn encrypted_ca_key_with_passphrase_file() {
    let env = Env::new();
    std::fs::write(env.path().join("pass.txt"), "correct horse battery\n").unwrap();
    // Ed25519: the key type whose PKCS#8 encoding OpenSSL 3.0 is pickiest about.
    let r = env.run(&["--json", "init-ca", "--key-type", "ed25519", "--passphrase-file", "pass.txt"]).ok();
    assert_eq!(r.json()["key_encrypted"], true);
    assert!(!r.stdout.contains("correct horse") && !r.stderr.contains("correct horse"));
    let key = std::fs::read_to_string(env.store().join("private/ca.key")).unwrap();
    assert!(key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"), "{key}");

    openssl(&env, &["pkey", "-in", "pki/private/ca.key", "-passin", "file:pass.txt", "-noout"]);
    openssl_fails(&env, &["pkey", "-in", "pki/private/ca.key", "-passin", "pass:wrong", "-noout"]);
    openssl_fails(&env, &["pkey", "-in", "pki/private/ca.key", "-passin", "pass:", "-noout"]);

    // Signing needs the passphrase; without it batch mode fails and changes nothing.
    let before = env.snapshot();
    env.run(&["issue", "--cn", "svc"])
        .error()
        .stderr_has("is encrypted and no passphrase was given")
        .stderr_has("MTLSCTL_CA_PASSPHRASE");
    env.run_with(&["issue", "--cn", "svc"], &[("MTLSCTL_CA_PASSPHRASE", "wrong")])
        .error()
        .stderr_has("cannot decrypt the CA key");
    assert_eq!(before, env.snapshot(), "a refused issue changed the store");
    assert!(!env.store().join("issued/svc").exists());

    env.run(&["issue", "--cn", "svc", "--passphrase-file", "pass.txt"]).ok();
    env.run_with(&["issue", "--cn", "svc2"], &[("MTLSCTL_CA_PASSPHRASE", "correct horse battery")]).ok();
    for cn in ["svc", "svc2"] {
        let r = verify(&env, &rel(&env.issued(cn, "cert.pem"), env.path()), "sslclient");
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    }
    // Leaf keys are never encrypted (services load them unattended), but are 0600.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&env.issued("svc", "key.pem")), 0o600);
    assert_eq!(mode(&env.store().join("private/ca.key")), 0o600);
    assert_eq!(mode(&env.store().join("private")), 0o700);
}

#[test]
fn encrypted_ca_key_with_env_passphrase() {
    let env = Env::new();
    env.run_with(&["init-ca", "--key-type", "rsa-2048"], &[("MTLSCTL_CA_PASSPHRASE", "s3cret env pass")]).ok();
    openssl(&env, &["pkey", "-in", "pki/private/ca.key", "-passin", "pass:s3cret env pass", "-noout"]);
    openssl_fails(&env, &["pkey", "-in", "pki/private/ca.key", "-passin", "pass:s3cret", "-noout"]);
    let r = env.run(&["--json", "inspect", "pki/private/ca.key"]).ok();
    assert_eq!(r.json()["encrypted"], true);
    let before = env.snapshot();
    env.run(&["issue", "--cn", "svc"]).error().stderr_has("no passphrase was given");
    assert_eq!(before, env.snapshot());
    env.run_with(&["issue", "--cn", "svc"], &[("MTLSCTL_CA_PASSPHRASE", "s3cret env pass")]).ok();
    let r = verify(&env, &rel(&env.issued("svc", "cert.pem"), env.path()), "sslclient");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

// ---------------------------------------------------------------------------
// nginx agrees

#[test]
fn nginx_accepts_mtlsctl_client_and_refuses_none() {
    let env = Env::new().with_ca();
    env.issue("localhost", &["--profile", "server", "--san", "ip:127.0.0.1"]);
    env.issue("payment-service", &[]);
    // A client of another CA: nginx must refuse it too.
    let other = Env::new().with_ca();
    other.issue("intruder", &[]);

    let d = |p: std::path::PathBuf| p.display().to_string();
    let body = format!(
        "    ssl_certificate {};\n    ssl_certificate_key {};\n    ssl_client_certificate {};\n    ssl_verify_client on;\n    ssl_verify_depth 2;\n",
        d(env.issued("localhost", "chain.pem")),
        d(env.issued("localhost", "key.pem")),
        d(env.store().join("certs/ca.crt")),
    );
    let nginx_dir = env.path().join("nginx");
    let server = start_nginx(&nginx_dir, &body);
    let ca = d(env.store().join("certs/ca.crt"));
    let chain = d(env.issued("payment-service", "chain.pem"));
    let key = d(env.issued("payment-service", "key.pem"));
    assert_eq!(curl_status(server.port, &["--cacert", &ca, "--cert", &chain, "--key", &key]), 200);
    assert_eq!(curl_status(server.port, &["--cacert", &ca]), 400, "no client certificate must get 400");
    let (oc, ok) = (d(other.issued("intruder", "chain.pem")), d(other.issued("intruder", "key.pem")));
    assert_eq!(
        curl_status(server.port, &["--cacert", &ca, "--cert", &oc, "--key", &ok]),
        400,
        "a foreign CA's client must get 400"
    );
    // The server certificate verifies for 127.0.0.1 against our CA (curl checks the IP SAN).
    let url = format!("https://127.0.0.1:{}/", server.port);
    let r = peer(
        "curl",
        &["-s", "--max-time", "10", "--cacert", &ca, "--cert", &chain, "--key", &key, &url],
        Path::new("/"),
    );
    assert!(r.stdout.contains("CN=payment-service"), "nginx did not see our client: {}{}", r.stdout, r.stderr);
}

// ---------------------------------------------------------------------------
// openssl ca keeps working on our store, and we read what it wrote

#[test]
fn openssl_ca_signs_and_revokes_on_our_store() {
    let env = Env::new().with_ca();
    let ours_valid = issue_serial(&env, "ours-valid", &[]);
    let ours_revoked = issue_serial(&env, "ours-revoked", &[]);

    // Sign a request with openssl ca, SANs copied, CA:TRUE request ignored.
    let (csr, _) = openssl_csr(
        &env,
        "fromssl",
        "/CN=from-openssl",
        &["-addext", "subjectAltName=DNS:from-openssl.example.com", "-addext", "basicConstraints=critical,CA:TRUE"],
    );
    openssl(
        &env,
        &[
            "ca",
            "-config",
            "pki/openssl.cnf",
            "-batch",
            "-extensions",
            "server_cert",
            "-in",
            &csr,
            "-out",
            "fromssl.crt",
        ],
    );
    let theirs = last_serial(&env);
    let t = x509_text(&env, "fromssl.crt");
    assert_eq!(
        must_ext(&t, "Basic Constraints"),
        (true, "CA:FALSE".to_string()),
        "copy_extensions let a request become a CA"
    );
    assert_eq!(must_ext(&t, "Subject Alternative Name").1, "DNS:from-openssl.example.com");
    let r = verify(&env, "fromssl.crt", "sslserver");
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(env.store().join(format!("newcerts/{theirs}.pem")).exists());

    openssl(
        &env,
        &[
            "ca",
            "-config",
            "pki/openssl.cnf",
            "-revoke",
            &format!("pki/newcerts/{ours_revoked}.pem"),
            "-crl_reason",
            "keyCompromise",
        ],
    );

    let list = list_json(&env, &[]);
    assert_eq!(list["count"], 3);
    let rows = rows_by_serial(&list);
    assert_eq!(rows[&theirs]["status"], "valid");
    assert_eq!(rows[&theirs]["common_name"], "from-openssl");
    assert_eq!(rows[&ours_valid]["status"], "valid");
    assert_eq!(rows[&ours_revoked]["status"], "revoked");
    assert_eq!(rows[&ours_revoked]["reason"], "key_compromise");
    assert!(rows[&ours_revoked]["revoked_at"].as_str().is_some_and(|s| s.ends_with('Z')));
    let text = env.run(&["list"]).ok();
    assert!(text.stdout.contains("revoked (keyCompromise)"), "{}", text.stdout);
    assert!(text.stdout.contains("/CN=from-openssl"), "{}", text.stdout);

    // openssl ca -status is right for our certificates. It reports on stderr,
    // and OpenSSL 3.0 exits 1 even when it found the serial, so only the words count.
    let status = |serial: &str| {
        let r = peer("openssl", &["ca", "-config", "pki/openssl.cnf", "-status", serial], env.path());
        format!("{}{}", r.stdout, r.stderr)
    };
    assert!(status(&ours_valid).contains(&format!("{ours_valid}=Valid (V)")));
    assert!(status(&ours_revoked).contains(&format!("{ours_revoked}=Revoked (R)")));
    assert!(status(&theirs).contains(&format!("{theirs}=Valid (V)")));

    // After openssl ca rewrote index.txt and serial, mtlsctl still issues and openssl still reads it.
    let after = issue_serial(&env, "after-openssl", &[]);
    assert_ne!(after, theirs);
    assert!(status(&after).contains(&format!("{after}=Valid (V)")));
    openssl(&env, &["ca", "-config", "pki/openssl.cnf", "-gencrl", "-out", "openssl.crl"]);
    let crl = env.run(&["--json", "inspect", "openssl.crl"]).ok().json();
    assert_eq!(crl["revoked_count"], 1);
    assert_eq!(crl["revoked"][0]["serial"], ours_revoked.as_str());
    assert_eq!(crl["revoked"][0]["reason"], "key_compromise");
}

#[test]
fn subjects_are_written_as_openssl_writes_them() {
    let env = Env::new().with_ca();
    // `/`, `+` and a non-ASCII letter: the cases X509_NAME_oneline escapes.
    let cn = "a/b+c é";
    env.run(&["issue", "--cn", cn, "--out", "odd"]).ok();
    let ours = index_text(&env).lines().last().unwrap().split('\t').nth(5).unwrap().to_string();
    let (csr, _) = openssl_csr(&env, "odd", "/CN=a\\/b\\+c é", &[]);
    openssl(&env, &["ca", "-config", "pki/openssl.cnf", "-batch", "-utf8", "-in", &csr, "-out", "odd.crt"]);
    let theirs = index_text(&env).lines().last().unwrap().split('\t').nth(5).unwrap().to_string();
    assert_eq!(ours, theirs);
    assert_eq!(ours, "/CN=a\\/b\\+c \\xC3\\xA9");
    let list = list_json(&env, &[]);
    for row in list["certificates"].as_array().unwrap() {
        assert_eq!(row["common_name"], cn);
    }
}

/// Every reason `openssl ca -revoke` can write, a GeneralizedTime notAfter and a
/// reasonless R line: our parser and writer give back the same bytes, an append
/// by `issue` leaves them untouched, and `list` reads each reason.
#[test]
fn index_round_trips_openssl_lines_byte_for_byte() {
    let env = Env::new();
    // Long enough for a notAfter in 2051, which index.txt holds as GeneralizedTime.
    env.run(&["init-ca", "--validity", "30y"]).ok();
    let cnf = "pki/openssl.cnf";
    let reasons = [
        ("unspecified", "unspecified"),
        ("keyCompromise", "key_compromise"),
        ("CACompromise", "ca_compromise"),
        ("affiliationChanged", "affiliation_changed"),
        ("superseded", "superseded"),
        ("cessationOfOperation", "cessation_of_operation"),
        ("certificateHold", "certificate_hold"),
        ("removeFromCRL", "remove_from_crl"),
    ];
    let mut expected = Vec::new();
    for (openssl_name, json) in reasons {
        let serial = issue_serial(&env, &format!("r-{openssl_name}"), &[]);
        openssl(
            &env,
            &["ca", "-config", cnf, "-revoke", &format!("pki/newcerts/{serial}.pem"), "-crl_reason", openssl_name],
        );
        expected.push((serial, Some(json), format!(",{openssl_name}")));
    }
    // The pseudo-reasons: holdInstruction, keyTime, CAkeyTime.
    let pseudo: [(&str, &str, &str, &str); 3] = [
        ("-crl_hold", "holdInstructionReject", "certificate_hold", ",holdInstruction,holdInstructionReject"),
        ("-crl_compromise", "20250101000000Z", "key_compromise", ",keyTime,20250101000000Z"),
        ("-crl_CA_compromise", "20250101000000Z", "ca_compromise", ",CAkeyTime,20250101000000Z"),
    ];
    for (flag, value, json, suffix) in pseudo {
        let serial = issue_serial(&env, &format!("p{flag}"), &[]);
        openssl(&env, &["ca", "-config", cnf, "-revoke", &format!("pki/newcerts/{serial}.pem"), flag, value]);
        expected.push((serial, Some(json), suffix.to_string()));
    }
    let serial = issue_serial(&env, "no-reason", &[]);
    openssl(&env, &["ca", "-config", cnf, "-revoke", &format!("pki/newcerts/{serial}.pem")]);
    expected.push((serial, None, String::new()));
    let (csr, _) = openssl_csr(&env, "far", "/CN=far future/O=A\\/B\\+C", &[]);
    openssl(&env, &["ca", "-config", cnf, "-batch", "-enddate", "20510101000000Z", "-in", &csr, "-out", "far.crt"]);
    let far = last_serial(&env);

    let before = index_text(&env);
    // The lines are what openssl wrote: check the forms we meant to produce.
    for (serial, _, suffix) in &expected {
        let line = before.lines().find(|l| l.contains(serial.as_str())).unwrap();
        let rev = line.split('\t').nth(2).unwrap();
        assert!(line.starts_with("R\t") && rev.len() == 13 + suffix.len() && rev.ends_with(suffix.as_str()), "{line}");
    }
    let far_line = before.lines().last().unwrap();
    assert_eq!(far_line, format!("V\t20510101000000Z\t\t{far}\tunknown\t/O=A\\/B\\+C/CN=far future"));

    let parsed = Index::parse(&before).expect("our parser reads openssl's index.txt");
    assert_eq!(parsed.entries.len(), expected.len() + 1);
    assert_eq!(parsed.to_text(), before, "parse + write changed openssl's bytes");

    // An append by mtlsctl keeps every earlier byte.
    let appended = issue_serial(&env, "appended", &[]);
    let after = index_text(&env);
    assert!(after.starts_with(&before), "issue rewrote earlier lines");
    let tail = &after[before.len()..];
    assert!(
        tail.starts_with("V\t") && tail.contains(&appended) && tail.ends_with('\n') && tail.lines().count() == 1,
        "{tail:?}"
    );
    assert_eq!(Index::parse(&after).unwrap().to_text(), after);

    let rows = rows_by_serial(&list_json(&env, &[]));
    for (serial, json, _) in &expected {
        assert_eq!(rows[serial]["status"], "revoked", "{serial}");
        match json {
            Some(j) => assert_eq!(rows[serial]["reason"], *j, "{serial}"),
            None => assert!(rows[serial]["reason"].is_null(), "{serial}"),
        }
    }
    assert_eq!(rows[&far]["not_after"], "2051-01-01T00:00:00Z");
    assert_eq!(rows[&far]["common_name"], "far future");
    // And openssl still reads the whole file, our line included.
    openssl(&env, &["ca", "-config", cnf, "-gencrl", "-out", "all.crl"]);
    let crl = env.run(&["--json", "inspect", "all.crl"]).ok().json();
    assert_eq!(crl["revoked_count"], expected.len());
    let r = peer("openssl", &["ca", "-config", cnf, "-status", &appended], env.path());
    assert!(r.stderr.contains(&format!("{appended}=Valid (V)")), "{}", r.stderr);
}

// ---------------------------------------------------------------------------
// concurrency

#[test]
fn eight_processes_issue_25_each_into_one_store() {
    const WORKERS: usize = 8;
    const EACH: usize = 25;
    let env = Env::new().with_ca();
    let results: Vec<Vec<Run>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WORKERS)
            .map(|w| {
                let env = &env;
                s.spawn(move || {
                    (0..EACH)
                        .map(|i| {
                            let cn = format!("w{w}-c{i}");
                            // Generous lock timeout: 2 shared cores may run other tests too.
                            env.run_with(&["--json", "issue", "--cn", &cn], &[("MTLSCTL_LOCK_TIMEOUT", "60")])
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("worker thread")).collect()
    });
    let mut serials = BTreeSet::new();
    for run in results.into_iter().flatten() {
        let run = run.ok();
        assert!(!run.stderr.contains("repaired"), "a concurrent issue saw a torn index: {}", run.stderr);
        serials.insert(run.json()["serial"].as_str().unwrap().to_string());
    }
    assert_eq!(serials.len(), WORKERS * EACH, "serials are not distinct");

    let text = index_text(&env);
    assert!(text.ends_with('\n'));
    let index = Index::parse(&text).expect("index.txt parses after concurrent issues");
    assert_eq!(index.entries.len(), WORKERS * EACH);
    let in_index: BTreeSet<String> = index.entries.iter().map(|e| e.serial.clone()).collect();
    assert_eq!(in_index, serials);
    for s in &serials {
        assert!(env.store().join(format!("newcerts/{s}.pem")).exists(), "newcerts/{s}.pem is missing");
    }
    let cns: BTreeSet<String> = index.entries.iter().filter_map(|e| e.common_name()).collect();
    assert_eq!(cns.len(), WORKERS * EACH);
    // openssl agrees the database is sound.
    openssl(&env, &["ca", "-config", "pki/openssl.cnf", "-gencrl", "-out", "c.crl"]);
}

// ---------------------------------------------------------------------------
// bad input: a clear error, no panic, nothing changed

fn usage_error(r: Run) {
    let r = r.code(2);
    assert!(r.stderr.contains("error:"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn bad_input_leaves_the_store_unchanged() {
    let env = Env::new().with_ca();
    env.issue("existing", &[]);
    let before = env.snapshot();
    let same = |what: &str| assert!(before == env.snapshot(), "{what} changed the store");

    usage_error(env.run(&["issue", "--cn", "x", "--key-type", "dsa-1024"]));
    same("unknown key type");
    usage_error(env.run(&["issue", "--cn", "x", "--profile", "admin"]));
    same("unknown profile");
    usage_error(env.run(&["init-ca", "--key-type", "rsa-1024"]));
    same("init-ca with an unknown key type");

    env.run(&["issue", "--cn", "x", "--validity", "0d"]).error().stderr_has("zero");
    same("zero validity");
    env.run(&["issue", "--cn", "x", "--validity", "soon"]).error().stderr_has("--validity");
    same("unparsable validity");
    env.run(&["issue", "--cn", "x", "--validity", "20y"]).error().stderr_has("after the CA itself expires");
    same("validity past the CA");
    env.run(&["issue", "--cn", "x", "--san", "ftp:x"]).error();
    same("unknown SAN type");
    env.run(&["issue", "--cn", "existing"]).error().stderr_has("already holds a certificate").stderr_has("--force");
    same("issuing over an identity");

    env.run(&["init-ca"]).error().stderr_has("already exists");
    same("init-ca on an existing store");
    env.run(&["init-ca", "--key-type", "ed25519", "--cn", "Other"]).error().stderr_has("already exists");
    same("init-ca with other options");

    // A corrupt line: the reader names the file and line, and writes nothing.
    let index = env.store().join("index.txt");
    let mut text = std::fs::read_to_string(&index).unwrap();
    text.push_str("V\t270101000000Z\t\t0A\tunknown\n");
    std::fs::write(&index, &text).unwrap();
    let before = env.snapshot();
    let r = env.run(&["list"]).error().stderr_has("index.txt").stderr_has("line 2");
    assert!(r.stderr.contains("6 tab-separated fields"), "{}", r.stderr);
    assert!(before == env.snapshot(), "list changed a corrupt store");
    let r = env.run(&["--json", "list", "--revoked"]).error();
    assert!(r.stdout.is_empty(), "a failed --json command printed: {}", r.stdout);
    assert!(before == env.snapshot(), "list --json changed a corrupt store");
}

#[test]
fn missing_store_is_named_with_the_fix() {
    let env = Env::new();
    for args in [&["issue", "--cn", "x"][..], &["list"][..]] {
        let r = env.run(args).error();
        let dir = env.store().display().to_string();
        assert!(r.stderr.contains(&format!("no CA store at {dir}")), "{}", r.stderr);
        assert!(r.stderr.contains("mtlsctl init-ca"), "{}", r.stderr);
    }
    assert!(!env.store().exists(), "a failed command created the store");
    // A directory that is not a store is refused the same way, and left alone.
    std::fs::create_dir(env.store()).unwrap();
    std::fs::write(env.store().join("notes.txt"), "mine").unwrap();
    let before = env.snapshot();
    env.run(&["issue", "--cn", "x"]).error().stderr_has("is not a CA store").stderr_has("mtlsctl init-ca");
    env.run(&["init-ca"]).error().stderr_has("already exists");
    assert_eq!(before, env.snapshot());
    // init-ca with zero validity creates nothing.
    let fresh = Env::new();
    fresh.run(&["init-ca", "--validity", "0y"]).error().stderr_has("zero");
    assert!(!fresh.store().exists());
}

// ---------------------------------------------------------------------------
// list filters

#[test]
fn list_filters_by_status_and_expiry() {
    let env = Env::new().with_ca();
    let long = issue_serial(&env, "long-lived", &[]);
    let soon = issue_serial(&env, "short-lived", &["--validity", "2d"]);
    let revoked = issue_serial(&env, "revoked", &[]);
    openssl(
        &env,
        &[
            "ca",
            "-config",
            "pki/openssl.cnf",
            "-revoke",
            &format!("pki/newcerts/{revoked}.pem"),
            "-crl_reason",
            "superseded",
        ],
    );
    // An expired certificate, as openssl ca records it (a V line past its notAfter).
    let (csr, _) = openssl_csr(&env, "old", "/CN=old", &[]);
    openssl(
        &env,
        &[
            "ca",
            "-config",
            "pki/openssl.cnf",
            "-batch",
            "-startdate",
            "200101000000Z",
            "-enddate",
            "200201000000Z",
            "-in",
            &csr,
            "-out",
            "old.crt",
        ],
    );
    let expired = last_serial(&env);

    let serials = |v: &serde_json::Value| -> BTreeSet<String> { rows_by_serial(v).into_keys().collect() };
    let set = |xs: &[&String]| -> BTreeSet<String> { xs.iter().map(|s| s.to_string()).collect() };

    let all = list_json(&env, &[]);
    assert_eq!(all["count"], 4);
    assert_eq!(serials(&all), set(&[&long, &soon, &revoked, &expired]));
    let rows = rows_by_serial(&all);
    assert_eq!(rows[&expired]["status"], "expired");
    assert!(rows[&expired]["days_left"].as_i64().unwrap() < 0);
    assert_eq!(rows[&revoked]["reason"], "superseded");
    assert_eq!(rows[&soon]["days_left"], 1, "a 2d certificate has 1 whole day left");

    assert_eq!(serials(&list_json(&env, &["--valid"])), set(&[&long, &soon]));
    assert_eq!(serials(&list_json(&env, &["--revoked"])), set(&[&revoked]));
    assert_eq!(serials(&list_json(&env, &["--expiring", "7d"])), set(&[&soon]));
    assert_eq!(serials(&list_json(&env, &["--expiring", "365d"])), set(&[&long, &soon]));
    assert_eq!(list_json(&env, &["--expiring", "1h"])["count"], 0);

    let text = env.run(&["list"]).ok().stdout;
    assert!(text.starts_with("STATUS"), "{text}");
    assert!(
        text.contains("revoked (superseded)") && text.contains("expired") && text.contains("/CN=short-lived"),
        "{text}"
    );
    let text = env.run(&["list", "--revoked"]).ok().stdout;
    assert!(text.contains(&revoked) && !text.contains(&long), "{text}");

    usage_error(env.run(&["list", "--revoked", "--valid"]));
    env.run(&["list", "--revoked", "--expiring", "7d"]).error();
    env.run(&["list", "--expiring", "week"]).error().stderr_has("--expiring");
    let empty = Env::new().with_ca();
    assert_eq!(list_json(&empty, &[])["count"], 0);
    empty.run(&["list"]).ok().stdout_has("no certificates");
}

// ---------------------------------------------------------------------------
// inspect: every kind, PEM / DER / stdin, text and JSON, never key material

/// The base64 lines of a PEM file's body.
fn pem_body_lines(pem: &str) -> Vec<String> {
    pem.lines().filter(|l| !l.starts_with("-----") && l.len() >= 16).map(str::to_string).collect()
}

fn assert_no_key_material(out: &str, key_pem: &str, private_hex: &str) {
    for line in pem_body_lines(key_pem) {
        assert!(!out.contains(&line), "key material in output:\n{out}");
    }
    assert!(!out.contains("PRIVATE KEY-----"), "{out}");
    let compact = private_hex.to_ascii_uppercase();
    assert!(compact.len() >= 32);
    let upper = out.to_ascii_uppercase().replace(':', "");
    assert!(!upper.contains(&compact), "the private scalar is in the output:\n{out}");
}

#[test]
fn inspect_reads_every_kind_in_every_encoding() {
    let env = Env::new().with_ca();
    env.issue("api.example.com", &["--profile", "server"]);
    let cert = rel(&env.issued("api.example.com", "cert.pem"), env.path());
    let key = rel(&env.issued("api.example.com", "key.pem"), env.path());
    let ca = "pki/certs/ca.crt";

    // Certificate: PEM, DER, stdin; text and JSON.
    openssl(&env, &["x509", "-in", &cert, "-outform", "DER", "-out", "cert.der"]);
    for file in [cert.as_str(), "cert.der"] {
        let j = env.run(&["--json", "inspect", file]).ok().json();
        assert_eq!(j["kind"], "certificates", "{file}");
        let c = &j["certificates"][0];
        assert_eq!(c["common_name"], "api.example.com");
        assert_eq!(c["profile"], "server");
        assert_eq!(c["is_ca"], false);
        assert_eq!(c["sans"][0], serde_json::json!({"type": "dns", "value": "api.example.com"}));
        assert_eq!(c["extended_key_usage"], serde_json::json!(["serverAuth"]));
        let t = env.run(&["inspect", file]).ok().stdout;
        assert!(
            t.contains("subject:     CN=api.example.com  (server certificate)") && t.contains("dns:api.example.com"),
            "{t}"
        );
    }
    let der = std::fs::read(env.path().join("cert.der")).unwrap();
    let j = run_stdin(&env, &["--json", "inspect", "-"], &der).ok().json();
    assert_eq!(j["certificates"][0]["common_name"], "api.example.com");
    let pem = std::fs::read(env.path().join(&cert)).unwrap();
    let t = run_stdin(&env, &["inspect", "-"], &pem).ok().stdout;
    assert!(t.contains("api.example.com"), "{t}");

    // A chain: leaf then CA.
    let mut chain = std::fs::read_to_string(env.path().join(&cert)).unwrap();
    chain.push_str(&std::fs::read_to_string(env.path().join(ca)).unwrap());
    std::fs::write(env.path().join("chain.pem"), &chain).unwrap();
    let j = env.run(&["--json", "inspect", "chain.pem"]).ok().json();
    let certs = j["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 2);
    assert_eq!(certs[1]["is_ca"], true);
    assert_eq!(certs[1]["self_signed"], true);
    assert_eq!(certs[0]["authority_key_id"], certs[1]["subject_key_id"]);
    let t = env.run(&["inspect", "chain.pem"]).ok().stdout;
    assert!(t.contains("Certificate #2") && t.contains("root CA"), "{t}");

    // CSR: PEM, DER, stdin.
    let (csr, csr_key) =
        openssl_csr(&env, "req", "/CN=req.example.com", &["-addext", "subjectAltName=DNS:req.example.com,IP:10.1.2.3"]);
    openssl(&env, &["req", "-in", &csr, "-outform", "DER", "-out", "req.der"]);
    for file in [csr.as_str(), "req.der"] {
        let j = env.run(&["--json", "inspect", file]).ok().json();
        assert_eq!(j["kind"], "csr", "{file}");
        assert_eq!(j["common_name"], "req.example.com");
        assert_eq!(j["signature_valid"], true);
        assert_eq!(j["key_type"], "ec-p256");
        assert_eq!(j["sans"].as_array().unwrap().len(), 2);
    }
    let t = run_stdin(&env, &["inspect", "-"], &std::fs::read(env.path().join(&csr)).unwrap()).ok().stdout;
    assert!(t.contains("Certificate request") && t.contains("valid (proof of possession)"), "{t}");

    // CRL from openssl ca: PEM, DER, stdin.
    let revoked = issue_serial(&env, "gone", &[]);
    openssl(
        &env,
        &[
            "ca",
            "-config",
            "pki/openssl.cnf",
            "-revoke",
            &format!("pki/newcerts/{revoked}.pem"),
            "-crl_reason",
            "cessationOfOperation",
        ],
    );
    openssl(&env, &["ca", "-config", "pki/openssl.cnf", "-gencrl", "-out", "ca.crl"]);
    openssl(&env, &["crl", "-in", "ca.crl", "-outform", "DER", "-out", "ca.crl.der"]);
    for file in ["ca.crl", "ca.crl.der"] {
        let j = env.run(&["--json", "inspect", file]).ok().json();
        assert_eq!(j["kind"], "crl", "{file}");
        assert_eq!(j["revoked_count"], 1);
        assert_eq!(j["revoked"][0]["serial"], revoked.as_str());
        assert_eq!(j["revoked"][0]["reason"], "cessation_of_operation");
        assert_eq!(j["crl_number"], "01");
        assert!(j["next_update"].as_str().is_some());
    }
    let t = run_stdin(&env, &["inspect", "-"], &std::fs::read(env.path().join("ca.crl.der")).unwrap()).ok().stdout;
    assert!(
        t.contains("Certificate revocation list") && t.contains(&revoked) && t.contains("cessationOfOperation"),
        "{t}"
    );

    // Keys: PKCS#8 PEM, SEC1 DER, stdin, the CSR's key; never their contents.
    let key_pem = std::fs::read_to_string(env.path().join(&key)).unwrap();
    let priv_hex: String = {
        let t = openssl(&env, &["pkey", "-in", &key, "-noout", "-text"]).stdout;
        let after = t.split("priv:").nth(1).unwrap();
        after.lines().skip(1).take_while(|l| l.starts_with("    ")).map(|l| l.trim().replace(':', "")).collect()
    };
    openssl(&env, &["pkey", "-in", &key, "-outform", "DER", "-out", "key.der"]);
    let runs = [
        env.run(&["--json", "inspect", &key]),
        env.run(&["--json", "inspect", "key.der"]),
        run_stdin(&env, &["--json", "inspect", "-"], key_pem.as_bytes()),
        env.run(&["inspect", &key]),
        env.run(&["inspect", "key.der"]),
        run_stdin(&env, &["inspect", "-"], &std::fs::read(env.path().join("key.der")).unwrap()),
    ];
    for (i, r) in runs.into_iter().enumerate() {
        let r = r.ok();
        assert_no_key_material(&format!("{}{}", r.stdout, r.stderr), &key_pem, &priv_hex);
        if i < 3 {
            let j = r.json();
            assert_eq!(j["kind"], "key");
            assert_eq!(j["encrypted"], false);
            assert_eq!(j["key_type"], "ec-p256");
            assert!(j["public_key_sha256"].as_str().is_some_and(|s| s.len() == 95));
        } else {
            assert!(r.stdout.contains("Private key (contents not shown)"), "{}", r.stdout);
        }
    }
    let csr_key_pem = std::fs::read_to_string(env.path().join(&csr_key)).unwrap();
    let r = env.run(&["inspect", &csr_key]).ok();
    for line in pem_body_lines(&csr_key_pem) {
        assert!(!r.stdout.contains(&line) && !r.stderr.contains(&line));
    }

    // Not a PKI object: a clear error.
    std::fs::write(env.path().join("junk.bin"), b"\x00\x01garbage").unwrap();
    env.run(&["inspect", "junk.bin"]).error().stderr_has("junk.bin");
    env.run(&["inspect", "nope.pem"]).error().stderr_has("nope.pem");
    run_stdin(&env, &["inspect", "-"], b"").error().stderr_has("standard input");
}

/// Days-left warnings: a CA or CRL close to its end is said on stderr by `list`
/// and after `issue`, with what to do.
#[test]
fn warns_when_ca_or_crl_expire_soon() {
    let env = Env::new();
    env.run(&["init-ca", "--validity", "10d"]).ok();
    let r = env.run(&["issue", "--cn", "svc", "--validity", "1d"]).ok();
    assert!(r.stderr.contains("the CA certificate expires in"), "issue: {}", r.stderr);
    let r = env.run(&["list"]).ok();
    assert!(r.stderr.contains("the CA certificate expires in"), "list: {}", r.stderr);
    env.run(&["gen-crl", "--next-update", "12h"]).ok();
    let r = env.run(&["list"]).ok();
    assert!(r.stderr.contains("expires in") && r.stderr.contains("mtlsctl gen-crl"), "list: {}", r.stderr);
    let r = env.run(&["--json", "list"]).ok();
    r.json();
    assert!(r.stderr.contains("mtlsctl gen-crl"), "warnings stay on stderr with --json: {}", r.stderr);
}

/// `issue` only appends to index.txt, but it checks the line it appends after:
/// a corrupt last line is an error that changes nothing, not buried.
#[test]
fn issue_refuses_to_append_after_a_corrupt_last_line() {
    let env = Env::new().with_ca();
    env.issue("first", &[]);
    let index = env.store().join("index.txt");
    let mut text = std::fs::read_to_string(&index).expect("index");
    text.push_str("V\t350101000000Z\t\t1A2B\t/CN=five-fields\n");
    std::fs::write(&index, text).expect("write index");
    let before = env.snapshot();
    env.run(&["issue", "--cn", "second"]).error().stderr_has("index.txt").stderr_has("last line");
    assert_eq!(env.snapshot(), before);
    assert!(!env.store().join("issued/second").exists(), "a refused issue leaves no directory behind");
}
