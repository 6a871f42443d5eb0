//! A keyCompromise revocation names the other valid certificates that carry the
//! same key (revoke's warning and --json, check's `compromised_key_in_use`), and
//! `export` packages an identity easy-rsa issued (issued/<name>.crt, private/<name>.key).

use crate::common::*;

/// A store with `k` issued, then renewed with the same key: (old serial, new serial).
fn renewed_with_same_key() -> (Env, String, String) {
    let env = Env::new().with_ca();
    let old = env.issue_serial("k", &[]);
    let new = env.run(&["--json", "renew", "--cn", "k", "--reuse-key"]).ok().serial();
    assert_ne!(old, new);
    (env, old, new)
}

#[test]
fn revoking_a_compromised_key_names_the_valid_certificate_that_still_carries_it() {
    let (env, old, new) = renewed_with_same_key();
    let r = env.run(&["revoke", "--serial", &old, "--reason", "key-compromise", "--yes"]).ok();
    r.stderr_has("warning:")
        .stderr_has("1 other valid certificate carries the compromised key")
        .stderr_has(&format!("{new} /CN=k (same key as {old})"))
        .stderr_has(&format!("mtlsctl revoke --serial {new} --reason key-compromise"));

    // verify still says valid (it is), but check reports the certificate as a problem.
    let check = env.run(&["check"]).code(3);
    check
        .stdout_has("compromised_key_in_use")
        .stdout_has(&new)
        .stdout_has(&format!("revoke it too: mtlsctl revoke --serial {new} --reason key-compromise"));
    let json = env.run(&["--json", "check"]).code(3).json();
    assert_eq!(problem_serials(&json, "compromised_key_in_use"), [new.clone()].into(), "{json}");

    // The command the warning gives closes it: nothing else carries the key, check no longer reports it.
    let r = env.run(&["--json", "revoke", "--serial", &new, "--reason", "key-compromise", "--yes"]).ok();
    assert!(!r.stderr.contains("compromised key"), "{}", r.stderr);
    assert_eq!(r.json()["same_key_unrevoked"], serde_json::json!([]));
    let json = env.run(&["--json", "check"]).json();
    assert!(problem_serials(&json, "compromised_key_in_use").is_empty(), "{json}");
}

#[test]
fn revoke_json_lists_the_certificates_with_the_same_key() {
    let (env, old, new) = renewed_with_same_key();
    let r = env.run(&["--json", "revoke", "--serial", &old, "--reason", "key-compromise", "--yes"]).ok();
    let same = r.json()["same_key_unrevoked"].clone();
    assert_eq!(
        same,
        serde_json::json!([{"serial": new, "subject": "CN=k", "index_subject": "/CN=k", "same_key_as": old}]),
        "{same}"
    );
    // The warning goes to stderr; stdout stays one JSON document.
    r.stderr_has(&format!("mtlsctl revoke --serial {new} --reason key-compromise"));
}

#[test]
fn a_certificate_file_revoked_for_compromise_is_compared_by_its_own_key() {
    let (env, old, new) = renewed_with_same_key();
    let file = format!("pki/newcerts/{old}.pem");
    let r = env.run(&["--json", "revoke", &file, "--reason", "key-compromise", "--yes"]).ok();
    assert_eq!(r.json()["same_key_unrevoked"][0]["serial"], new.as_str(), "{}", r.stdout);
}

#[test]
fn only_a_valid_certificate_with_the_same_key_after_a_compromise_is_named() {
    // Another reason: the key is not said to be compromised.
    let (env, old, _new) = renewed_with_same_key();
    let r = env.run(&["--json", "revoke", "--serial", &old, "--reason", "superseded", "--yes"]).ok();
    assert!(!r.stderr.contains("compromised key"), "{}", r.stderr);
    assert_eq!(r.json()["same_key_unrevoked"], serde_json::json!([]));
    let json = env.run(&["--json", "check"]).json();
    assert!(problem_serials(&json, "compromised_key_in_use").is_empty(), "{json}");

    // The sibling already revoked: nothing to name.
    let (env, old, new) = renewed_with_same_key();
    env.run(&["revoke", "--serial", &new, "--reason", "superseded", "--yes"]).ok();
    let r = env.run(&["--json", "revoke", "--serial", &old, "--reason", "key-compromise", "--yes"]).ok();
    assert!(!r.stderr.contains("compromised key"), "{}", r.stderr);
    assert_eq!(r.json()["same_key_unrevoked"], serde_json::json!([]));

    // A renewal with a new key shares nothing.
    let env = Env::new().with_ca();
    let old = env.issue_serial("k", &[]);
    env.run(&["renew", "--cn", "k"]).ok();
    let r = env.run(&["--json", "revoke", "--serial", &old, "--reason", "key-compromise", "--yes"]).ok();
    assert_eq!(r.json()["same_key_unrevoked"], serde_json::json!([]));
    let json = env.run(&["--json", "check"]).json();
    assert!(problem_serials(&json, "compromised_key_in_use").is_empty(), "{json}");
}

#[test]
fn check_finds_a_valid_certificate_sharing_a_key_revoked_by_another_tool() {
    // openssl ca -revoke with keyCompromise leaves the renewed certificate valid.
    let (env, old, new) = renewed_with_same_key();
    openssl_ca(&env, &["-revoke", &format!("pki/newcerts/{old}.pem"), "-crl_reason", "keyCompromise"]).ok();
    let json = env.run(&["--json", "check"]).code(3).json();
    assert_eq!(problem_serials(&json, "compromised_key_in_use"), [new].into(), "{json}");
}

// ---------------------------------------------------------------------------
// export of an identity easy-rsa issued

fn easyrsa_client() -> Env {
    let env = Env::new();
    easyrsa(&env, &["init-pki"]).ok();
    easyrsa(&env, &["--req-cn=CA", "build-ca", "nopass"]).ok();
    easyrsa(&env, &["build-client-full", "carol", "nopass"]).ok();
    std::fs::write(env.path().join("pw"), "pw\n").expect("password file");
    env
}

fn serial_of(env: &Env, file: &str) -> String {
    openssl(env.path(), &["x509", "-in", file, "-noout", "-serial"]).ok().stdout.trim().to_string()
}

fn pubkey_of_key(env: &Env, file: &str) -> String {
    openssl(env.path(), &["pkey", "-in", file, "-pubout"]).ok().stdout
}

#[test]
fn export_pkcs12_of_an_easyrsa_identity_holds_its_key_certificate_and_ca() {
    let env = easyrsa_client();
    let before = env.snapshot();
    let out = env.path().join("c.p12");
    env.run(&["export", "--cn", "carol", "--format", "pkcs12", "--out", utf8(&out), "--password-file", "pw"])
        .ok()
        .stderr_has("Exported \"carol\" as PKCS#12");
    assert_eq!(env.snapshot(), before, "export changed the store");

    let info = openssl(env.path(), &["pkcs12", "-info", "-in", "c.p12", "-passin", "pass:pw", "-noenc"]).ok();
    let all = info.both();
    assert_eq!(all.matches("BEGIN CERTIFICATE").count(), 2, "leaf and CA:\n{all}");
    assert!(all.contains("PRIVATE KEY"), "{all}");

    // The leaf is easy-rsa's certificate, the key its key, the other certificate the CA.
    openssl(env.path(), &["pkcs12", "-in", "c.p12", "-passin", "pass:pw", "-nokeys", "-clcerts", "-out", "leaf.pem"])
        .ok();
    openssl(env.path(), &["pkcs12", "-in", "c.p12", "-passin", "pass:pw", "-nocerts", "-noenc", "-out", "key.pem"])
        .ok();
    openssl(env.path(), &["pkcs12", "-in", "c.p12", "-passin", "pass:pw", "-nokeys", "-cacerts", "-out", "ca.pem"])
        .ok();
    assert_eq!(serial_of(&env, "leaf.pem"), serial_of(&env, "pki/issued/carol.crt"));
    assert_eq!(pubkey_of_key(&env, "key.pem"), pubkey_of_key(&env, "pki/private/carol.key"));
    assert_eq!(serial_of(&env, "ca.pem"), serial_of(&env, "pki/ca.crt"));
    openssl(env.path(), &["verify", "-CAfile", "ca.pem", "leaf.pem"]).ok();
}

#[test]
fn export_bundle_and_k8s_secret_of_an_easyrsa_identity() {
    let env = easyrsa_client();
    let bundle = env.run(&["export", "--cn", "carol", "--format", "bundle"]).ok().stdout;
    assert_eq!(bundle.matches("BEGIN CERTIFICATE").count(), 1, "a root store: the leaf alone\n{bundle}");
    assert!(!bundle.contains("Certificate:"), "easy-rsa's text dump is not carried over:\n{bundle}");
    std::fs::write(env.path().join("bundle.pem"), &bundle).expect("write");
    assert_eq!(serial_of(&env, "bundle.pem"), serial_of(&env, "pki/issued/carol.crt"));
    assert_eq!(pubkey_of_key(&env, "bundle.pem"), pubkey_of_key(&env, "pki/private/carol.key"));
    openssl(env.path(), &["verify", "-CAfile", "pki/ca.crt", "bundle.pem"]).ok();

    let yaml = env.run(&["export", "--cn", "carol", "--format", "k8s-secret", "--namespace", "prod"]).ok().stdout;
    assert!(yaml.contains("type: kubernetes.io/tls") && yaml.contains("  namespace: prod"), "{yaml}");
    let field = |name: &str| -> String {
        let line = yaml.lines().find_map(|l| l.trim().strip_prefix(&format!("{name}: "))).expect(name);
        let file = format!("{name}.b64");
        std::fs::write(env.path().join(&file), line).expect("write");
        let out = format!("{name}.pem");
        openssl(env.path(), &["base64", "-d", "-A", "-in", &file, "-out", &out]).ok();
        out
    };
    let crt = field("tls.crt");
    let key = field("tls.key");
    let ca = field("ca.crt");
    assert_eq!(serial_of(&env, &crt), serial_of(&env, "pki/issued/carol.crt"));
    assert_eq!(pubkey_of_key(&env, &key), pubkey_of_key(&env, "pki/private/carol.key"));
    assert_eq!(serial_of(&env, &ca), serial_of(&env, "pki/ca.crt"));

    // An easy-rsa name without a certificate is still refused clearly.
    env.run(&["export", "--cn", "nobody", "--format", "bundle"]).error().stderr_has("does not exist");
}
