//! verify: one test per answer (valid, expired, revoked, wrong purpose ...), CA
//! bundles, and `openssl verify` agreeing with each answer.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::common::*;

/// `openssl verify -crl_check` against the store; returns (ok, output).
fn openssl_verify_crl(env: &Env, cert: &str, extra: &[&str]) -> (bool, String) {
    let mut args = vec![
        "verify",
        "-CAfile",
        "pki/certs/ca.crt",
        "-crl_check",
        "-CRLfile",
        "pki/crl/ca.crl",
        "-purpose",
        "sslclient",
    ];
    args.extend_from_slice(extra);
    args.push(cert);
    let r = peer("openssl", &args, env.path());
    (r.code == 0 && r.stdout.contains(": OK"), r.both())
}

fn epoch_in(days: u64) -> String {
    (SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs() + days * 86_400).to_string()
}

fn cert_path(env: &Env, cn: &str) -> String {
    display(env.issued(cn, "cert.pem"))
}

// ---------------------------------------------------------------------------
// openssl verify agrees

#[test]
fn openssl_verify_agrees_with_mtlsctl_verify() {
    let env = Env::new().with_ca();
    env.issue("good", &[]);
    env.issue("bad", &[]);
    env.issue("brief", &["--validity", "1s"]);
    env.run(&["revoke", "--cn", "bad", "--reason", "superseded"]).ok();
    env.run(&["gen-crl"]).ok();
    std::thread::sleep(Duration::from_millis(2200));

    let cert = |cn: &str| format!("pki/issued/{cn}/cert.pem");
    // valid
    let (ok, out) = openssl_verify_crl(&env, &cert("good"), &[]);
    assert!(ok, "{out}");
    let (code, j, _) = env.verify_json(&[&cert("good")]);
    assert_eq!((code, j["code"].as_str()), (0, Some("valid")));
    // revoked
    let (ok, out) = openssl_verify_crl(&env, &cert("bad"), &[]);
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    let (code, j, _) = env.verify_json(&[&cert("bad")]);
    assert_eq!((code, j["code"].as_str(), j["reason"].as_str()), (3, Some("revoked"), Some("superseded")));
    // expired (short validity)
    let (ok, out) = openssl_verify_crl(&env, &cert("brief"), &[]);
    assert!(!ok && out.contains("certificate has expired"), "{out}");
    let (code, j, _) = env.verify_json(&[&cert("brief")]);
    assert_eq!((code, j["code"].as_str()), (3, Some("expired")));
    // expired at a later time (--at / -attime); the CRL is past its nextUpdate then too,
    // which OpenSSL also refuses, so compare without the CRL.
    let at = epoch_in(100);
    let r = peer("openssl", &["verify", "-CAfile", "pki/certs/ca.crt", "-attime", &at, &cert("good")], env.path());
    assert!(r.code != 0 && r.both().contains("certificate has expired"), "{}", r.both());
    let (code, j, _) = env.verify_json(&[&cert("good"), "--no-crl", "--at", "now+100d"]);
    assert_eq!((code, j["code"].as_str()), (3, Some("expired")));
    // and with the CRL, at a time the certificate is still valid but the CRL is not: both refuse.
    let at = epoch_in(10);
    let (ok, out) = openssl_verify_crl(&env, &cert("good"), &["-attime", &at]);
    assert!(!ok && out.contains("CRL has expired"), "{out}");
    let (code, j, _) = env.verify_json(&[&cert("good"), "--at", "now+10d"]);
    assert_eq!((code, j["code"].as_str()), (3, Some("crl_expired")));
}

// ---------------------------------------------------------------------------
// one test per answer

#[test]
fn verify_valid() {
    let env = Env::new().with_ca();
    env.issue("ok", &[]);
    env.run(&["gen-crl"]).ok();
    let (code, j, _) = env.verify_json(&[&cert_path(&env, "ok")]);
    assert_eq!(code, 0);
    assert_eq!(j["valid"], true);
    assert_eq!(j["code"], "valid");
    assert_eq!(j["revocation_checked"], true);
    assert_eq!(j["purposes"], serde_json::json!(["client"]));
    let r = env.run(&["verify", &cert_path(&env, "ok")]).ok();
    assert!(r.stdout.contains("valid until") && r.stdout.contains("not revoked"), "{}", r.stdout);
}

#[test]
fn verify_expired() {
    let env = Env::new().with_ca();
    env.issue("old", &[]);
    let (code, j, _) = env.verify_json(&[&cert_path(&env, "old"), "--at", "now+91d"]);
    assert_eq!((code, j["code"].as_str()), (3, Some("expired")));
    assert!(j["message"].as_str().is_some_and(|m| m.starts_with("expired on ")), "{j}");
    env.run(&["verify", &cert_path(&env, "old"), "--at", "now+91d"]).code(3).stdout_has("expired on");
}

#[test]
fn verify_not_yet_valid() {
    let env = Env::new().with_ca();
    env.issue("young", &[]);
    let (code, j, _) = env.verify_json(&[&cert_path(&env, "young"), "--at", "2001-01-01"]);
    assert_eq!((code, j["code"].as_str()), (3, Some("not_yet_valid")));
    env.run(&["verify", &cert_path(&env, "young"), "--at", "2001-01-01"]).code(3).stdout_has("not yet valid");
}

#[test]
fn verify_revoked_with_reason_and_index_warning() {
    let env = Env::new().with_ca();
    env.issue("gone", &[]);
    env.run(&["gen-crl"]).ok();
    env.run(&["revoke", "--cn", "gone", "--reason", "key-compromise"]).ok();
    // Revoked in index.txt, not yet in the published CRL: still valid to servers, with a warning.
    let (code, j, stderr) = env.verify_json(&[&cert_path(&env, "gone")]);
    assert_eq!((code, j["code"].as_str()), (0, Some("valid")));
    assert!(stderr.contains("does not list it yet") && stderr.contains("mtlsctl gen-crl"), "{stderr}");
    env.run(&["gen-crl"]).ok();
    let (code, j, stderr) = env.verify_json(&[&cert_path(&env, "gone")]);
    assert_eq!((code, j["code"].as_str(), j["reason"].as_str()), (3, Some("revoked"), Some("key_compromise")));
    assert!(j["revoked_at"].as_str().is_some_and(|s| s.ends_with('Z')));
    assert!(!stderr.contains("does not list it yet"), "{stderr}");
    let r = env.run(&["verify", &cert_path(&env, "gone")]).code(3);
    assert!(r.stdout.contains("revoked on ") && r.stdout.contains("(keyCompromise)"), "{}", r.stdout);
    // --no-crl skips only the CRL check.
    env.run(&["verify", "--no-crl", &cert_path(&env, "gone")]).ok().stdout_has("revocation not checked");
}

#[test]
fn verify_unknown_issuer() {
    let env = Env::new().with_ca();
    let other = Env::new();
    other.run(&["init-ca", "--cn", "Other Root"]).ok();
    other.issue("stranger", &[]);
    let (code, j, _) = env.verify_json(&[&cert_path(&other, "stranger")]);
    assert_eq!((code, j["code"].as_str()), (3, Some("unknown_issuer")));
    env.run(&["verify", &cert_path(&other, "stranger")])
        .code(3)
        .stdout_has("issued by CN=Other Root, which is not this CA");
}

#[test]
fn verify_wrong_purpose() {
    let env = Env::new().with_ca();
    env.issue("srv.example.com", &["--profile", "server"]);
    env.issue("cli", &[]);
    let (code, j, _) = env.verify_json(&[&cert_path(&env, "srv.example.com"), "--purpose", "client"]);
    assert_eq!((code, j["code"].as_str()), (3, Some("wrong_purpose")));
    env.run(&["verify", &cert_path(&env, "srv.example.com"), "--purpose", "client"])
        .code(3)
        .stdout_has("not valid for client authentication");
    env.run(&["verify", &cert_path(&env, "cli"), "--purpose", "server"])
        .code(3)
        .stdout_has("not valid for server authentication");
    env.run(&["verify", &cert_path(&env, "cli"), "--purpose", "client"]).ok();
}

#[test]
fn verify_name_mismatch() {
    let env = Env::new().with_ca();
    env.issue("api.example.com", &["--profile", "server", "--san", "dns:api.example.com", "--san", "ip:10.0.0.5"]);
    let c = cert_path(&env, "api.example.com");
    env.run(&["verify", &c, "--hostname", "api.example.com"]).ok();
    env.run(&["verify", &c, "--ip", "10.0.0.5"]).ok();
    let (code, j, _) = env.verify_json(&[&c, "--hostname", "www.example.com"]);
    assert_eq!((code, j["code"].as_str()), (3, Some("name_mismatch")));
    env.run(&["verify", &c, "--hostname", "www.example.com"]).code(3).stdout_has("name mismatch");
    let (code, j, _) = env.verify_json(&[&c, "--ip", "10.0.0.6"]);
    assert_eq!((code, j["code"].as_str()), (3, Some("name_mismatch")));
}

#[test]
fn verify_crl_expired_fails_closed() {
    let env = Env::new().with_ca();
    env.issue("client", &[]);
    env.run(&["gen-crl", "--next-update", "1s"]).ok();
    std::thread::sleep(Duration::from_millis(2200));
    let (code, j, _) = env.verify_json(&[&cert_path(&env, "client")]);
    assert_eq!((code, j["code"].as_str()), (3, Some("crl_expired")));
    let r = env.run(&["verify", &cert_path(&env, "client")]).code(3);
    assert!(
        r.stdout.contains("CRL") && r.stdout.contains("expired on") && r.stdout.contains("gen-crl"),
        "{}",
        r.stdout
    );
}

#[test]
fn verify_with_a_ca_file_of_roots_and_intermediates() {
    let root = Env::new().with_ca();
    let inter = Env::new();
    inter.run(&["init-ca", "--cn", "Issuing CA", "--parent", &display(root.store())]).ok();
    inter.issue("leaf", &[]);
    // Several roots (one unrelated) and the intermediate in one file.
    let unrelated = Env::new().with_ca();
    let mut bundle = std::fs::read_to_string(unrelated.store().join("certs/ca.crt")).expect("ca");
    bundle.push_str(&std::fs::read_to_string(root.store().join("certs/ca.crt")).expect("ca"));
    bundle.push_str(&std::fs::read_to_string(inter.store().join("certs/ca.crt")).expect("ca"));
    let bundle_path = inter.path().join("bundle.pem");
    std::fs::write(&bundle_path, bundle).expect("write");
    let leaf = cert_path(&inter, "leaf");
    let (code, j, _) = inter.verify_json(&[&leaf, "--ca", &display(bundle_path.clone())]);
    assert_eq!((code, j["code"].as_str()), (0, Some("valid")), "{j}");
    assert_eq!(j["revocation_checked"], false);
    // Only the root given: the intermediate comes from chain.pem.
    let (code, j, _) = inter.verify_json(&[
        &display(inter.issued("leaf", "chain.pem")),
        "--ca",
        &display(root.store().join("certs/ca.crt")),
    ]);
    assert_eq!((code, j["code"].as_str()), (0, Some("valid")), "{j}");
    // The unrelated root alone: not issued by it.
    let (code, j, _) = inter.verify_json(&[&leaf, "--ca", &display(unrelated.store().join("certs/ca.crt"))]);
    assert_eq!((code, j["code"].as_str()), (3, Some("unknown_issuer")), "{j}");
    // The intermediate store verifies its own leaf (path to the parent's root).
    let (code, j, _) = inter.verify_json(&[&leaf, "--no-crl"]);
    assert_eq!((code, j["code"].as_str()), (0, Some("valid")), "{j}");
    // With the intermediate's CRL only, the leaf is checked and the gap is named.
    inter.run(&["gen-crl"]).ok();
    let (code, j, stderr) = inter.verify_json(&[&leaf]);
    assert_eq!((code, j["code"].as_str()), (0, Some("valid")), "{j} {stderr}");
    assert!(stderr.contains("only the certificate itself was checked"), "{stderr}");
}

#[test]
fn verify_errors_exit_1() {
    let env = Env::new().with_ca();
    std::fs::write(env.path().join("junk.pem"), b"not a certificate").expect("write");
    env.run(&["verify", "missing.pem"]).error();
    env.run(&["verify", "junk.pem"]).error();
    env.issue("x", &[]);
    std::fs::write(env.path().join("bad.crl"), b"garbage").expect("write");
    env.run(&["verify", &cert_path(&env, "x"), "--crl", "bad.crl"]).error().stderr_has("bad.crl");
    env.run(&["verify", &cert_path(&env, "x"), "--at", "someday"]).error().stderr_has("--at");
}
