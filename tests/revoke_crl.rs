//! revoke and gen-crl: index.txt R lines as `openssl ca` writes them, CRLs OpenSSL
//! reads (every reason, numbering, intermediates' chain CRL), CRL expiry warnings.

use std::time::Duration;

use crate::common::*;

fn serial_of(env: &Env, cn: &str) -> String {
    let j = env.run(&["--json", "inspect", &display(env.issued(cn, "cert.pem"))]).ok().json();
    j["certificates"][0]["serial"].as_str().expect("serial").to_string()
}

// ---------------------------------------------------------------------------
// revoke

#[test]
fn revoke_by_serial_cn_and_file_writes_openssl_r_lines() {
    let env = Env::new().with_ca();
    env.issue("one", &[]);
    env.issue("twin", &[]);
    env.issue("twin", &["--out", "twin2"]);
    env.issue("file", &[]);
    let one = serial_of(&env, "one");
    let file = serial_of(&env, "file");

    let j = env.run(&["--json", "revoke", "--serial", &one.to_lowercase(), "--reason", "ca-compromise"]).ok().json();
    assert_eq!(j["count"], 1);
    assert_eq!(j["revoked"][0]["serial"], one.as_str());
    let r = env.run(&["revoke", "--cn", "twin", "--reason", "superseded"]).ok();
    assert!(r.stderr.contains("Revoked 2 certificates with CN \"twin\""), "{}", r.stderr);
    env.run(&["revoke", &display(env.issued("file", "cert.pem")), "--reason", "affiliation-changed"]).ok();

    let index = std::fs::read_to_string(env.store().join("index.txt")).expect("index");
    let line = index.lines().find(|l| l.contains(&one)).expect("line");
    let fields: Vec<&str> = line.split('\t').collect();
    assert_eq!(fields[0], "R");
    assert!(fields[2].len() == 13 + ",CACompromise".len() && fields[2].ends_with("Z,CACompromise"), "{line}");
    assert_eq!(index.lines().filter(|l| l.starts_with("R\t") && l.ends_with("/CN=twin")).count(), 2);
    assert!(index.contains(&format!(",affiliationChanged\t{file}\t")), "{index}");
    // openssl ca agrees.
    let r = peer("openssl", &["ca", "-config", "pki/openssl.cnf", "-status", &one], env.path());
    assert!(r.both().contains(&format!("{one}=Revoked (R)")), "{}", r.both());
}

#[test]
fn revoking_twice_or_an_unknown_serial_is_an_error_that_changes_nothing() {
    let env = Env::new().with_ca();
    env.issue("once", &[]);
    let s = serial_of(&env, "once");
    env.run(&["revoke", "--serial", &s]).ok();
    let before = env.snapshot();
    env.run(&["revoke", "--serial", &s]).error().stderr_has("already revoked");
    env.run(&["revoke", "--cn", "once"]).error().stderr_has("already revoked");
    env.run(&["revoke", &display(env.issued("once", "cert.pem"))]).error().stderr_has("already revoked");
    env.run(&["revoke", "--serial", "0123456789ABCDEF"]).error().stderr_has("no certificate with serial");
    env.run(&["revoke", "--cn", "nobody"]).error().stderr_has("no certificate with CN");
    env.run(&["revoke", "--serial", "xyz"]).error();
    // A certificate of another CA.
    let other = Env::new().with_ca();
    other.issue("stranger", &[]);
    env.run(&["revoke", &display(other.issued("stranger", "cert.pem"))]).error().stderr_has("not by this store's CA");
    assert_eq!(before, env.snapshot());
    // Nothing to select is a usage error.
    env.run(&["revoke"]).code(2);
}

// ---------------------------------------------------------------------------
// gen-crl: OpenSSL reads our CRLs, we read OpenSSL's

const REASONS: [(&str, &str); 10] = [
    ("unspecified", ""),
    ("key-compromise", "Key Compromise"),
    ("ca-compromise", "CA Compromise"),
    ("affiliation-changed", "Affiliation Changed"),
    ("superseded", "Superseded"),
    ("cessation-of-operation", "Cessation Of Operation"),
    ("certificate-hold", "Certificate Hold"),
    ("remove-from-crl", "Remove From CRL"),
    ("privilege-withdrawn", "Privilege Withdrawn"),
    ("aa-compromise", "AA Compromise"),
];

#[test]
fn openssl_crl_text_shows_every_reason_the_number_and_the_dates() {
    let env = Env::new().with_ca();
    let mut serials = Vec::new();
    for (reason, _) in REASONS {
        let cn = format!("c-{reason}");
        env.issue(&cn, &[]);
        let serial = serial_of(&env, &cn);
        if reason == "remove-from-crl" {
            // SPEC §6 (revised): revoke refuses it; another tool may still write such a line.
            env.run(&["revoke", "--serial", &serial, "--reason", reason]).code(1);
            let cert = format!("pki/newcerts/{serial}.pem");
            openssl(
                env.path(),
                &["ca", "-config", "pki/openssl.cnf", "-revoke", &cert, "-crl_reason", "removeFromCRL"],
            );
        } else {
            env.run(&["revoke", "--serial", &serial, "--reason", reason]).ok();
        }
        serials.push(serial);
    }
    env.issue("still-valid", &[]);
    let valid_serial = serial_of(&env, "still-valid");
    let j = env.run(&["--json", "gen-crl", "--der", "ca.crl.der", "--next-update", "3d"]).ok().json();
    assert_eq!(j["crl_number"], "01");
    assert_eq!(j["revoked_count"], 10);
    assert_eq!(std::fs::read_to_string(env.store().join("crlnumber")).expect("crlnumber"), "02\n");

    let text = openssl(env.path(), &["crl", "-in", "pki/crl/ca.crl", "-text", "-noout"]).stdout;
    for (_, words) in REASONS.iter().filter(|(_, w)| !w.is_empty()) {
        assert!(text.contains(words), "no {words} in\n{text}");
    }
    for s in &serials {
        assert!(text.contains(&format!("Serial Number: {s}")), "{s} not listed in\n{text}");
    }
    assert!(!text.contains(&valid_serial), "a valid certificate is listed");
    assert!(text.contains("X509v3 CRL Number:") && text.contains("                1\n"), "{text}");
    assert!(text.contains("X509v3 Authority Key Identifier"), "{text}");
    assert!(text.contains("Last Update:") && text.contains("Next Update:"), "{text}");
    assert!(text.contains("Version 2"), "{text}");
    // The CRL verifies with the CA's key, and the DER copy is the same CRL.
    let r = peer("openssl", &["crl", "-in", "pki/crl/ca.crl", "-CAfile", "pki/certs/ca.crt", "-noout"], env.path());
    assert!(r.both().contains("verify OK"), "{}", r.both());
    let der_text = openssl(env.path(), &["crl", "-inform", "DER", "-in", "ca.crl.der", "-text", "-noout"]).stdout;
    assert_eq!(der_text, text);
    // Next update is three days on, as asked.
    let next = openssl(env.path(), &["crl", "-in", "pki/crl/ca.crl", "-nextupdate", "-noout"]).stdout;
    let j2 = env.run(&["--json", "inspect", "pki/crl/ca.crl"]).ok().json();
    assert_eq!(j2["next_update"], j["next_update"], "{next}");

    // The next CRL takes the next number and writes the one after.
    env.run(&["gen-crl"]).ok().stderr_has("Next CRL due by").stderr_has("(in 7 days)");
    let text = openssl(env.path(), &["crl", "-in", "pki/crl/ca.crl", "-text", "-noout"]).stdout;
    assert!(text.contains("                2\n"), "{text}");
    assert_eq!(std::fs::read_to_string(env.store().join("crlnumber")).expect("crlnumber"), "03\n");
    // The time to the next CRL is in the unit that fits, as everywhere.
    env.run(&["gen-crl", "--next-update", "12h"]).ok().stderr_has("(in 12h00m)");
}

#[test]
fn gen_crl_can_leave_out_expired_certificates() {
    let env = Env::new().with_ca();
    env.issue("short", &["--validity", "1s"]);
    env.issue("long", &[]);
    let short = serial_of(&env, "short");
    env.run(&["revoke", "--serial", &short]).ok();
    env.run(&["revoke", "--cn", "long"]).ok();
    std::thread::sleep(Duration::from_millis(2200));
    assert_eq!(
        env.run(&["--json", "gen-crl"]).ok().json()["revoked_count"],
        2,
        "expired certificates stay listed by default"
    );
    let j = env.run(&["--json", "gen-crl", "--exclude-expired"]).ok().json();
    assert_eq!(j["revoked_count"], 1);
    assert_eq!(j["excluded_expired"], 1);
}

#[test]
fn crl_from_openssl_ca_is_read_and_its_revocations_reach_our_next_crl() {
    let env = Env::new().with_ca();
    env.issue("kept", &[]);
    env.issue("dropped", &[]);
    let dropped = serial_of(&env, "dropped");
    openssl_ca(&env, &["-revoke", "pki/issued/dropped/cert.pem", "-crl_reason", "cessationOfOperation"]);
    openssl_ca(&env, &["-gencrl", "-out", "openssl.crl"]);

    let (code, j, _) = env.verify_json(&["pki/issued/dropped/cert.pem", "--crl", "openssl.crl"]);
    assert_eq!(code, 3, "{j}");
    assert_eq!(j["code"], "revoked");
    assert_eq!(j["reason"], "cessation_of_operation");
    let (code, j, _) = env.verify_json(&["pki/issued/kept/cert.pem", "--crl", "openssl.crl"]);
    assert_eq!((code, j["code"].as_str()), (0, Some("valid")));

    // Our gen-crl lists what openssl ca revoked, numbered after openssl's CRL.
    let j = env.run(&["--json", "gen-crl"]).ok().json();
    assert_eq!(j["crl_number"], "02", "openssl used 01");
    let text = openssl(env.path(), &["crl", "-in", "pki/crl/ca.crl", "-text", "-noout"]).stdout;
    assert!(text.contains(&format!("Serial Number: {dropped}")) && text.contains("Cessation Of Operation"), "{text}");
    // And openssl ca keeps numbering after ours.
    openssl_ca(&env, &["-gencrl", "-out", "openssl2.crl"]);
    let t2 = openssl(env.path(), &["crl", "-in", "openssl2.crl", "-text", "-noout"]).stdout;
    assert!(t2.contains("                3\n"), "{t2}");
}

#[test]
fn openssl_pseudo_reasons_become_crl_entry_extensions() {
    let env = Env::new().with_ca();
    env.issue("leaked", &[]);
    env.issue("held", &[]);
    openssl_ca(&env, &["-revoke", "pki/issued/leaked/cert.pem", "-crl_compromise", "20250101000000Z"]);
    openssl_ca(&env, &["-revoke", "pki/issued/held/cert.pem", "-crl_hold", "holdInstructionReject"]);
    let j = env.run(&["--json", "gen-crl"]).ok().json();
    assert_eq!(j["revoked_count"], 2, "{j}");
    let text = openssl(env.path(), &["crl", "-in", "pki/crl/ca.crl", "-text", "-noout"]).stdout;
    assert!(
        text.contains("Key Compromise")
            && text.contains("Invalidity Date")
            && text.contains("Jan  1 00:00:00 2025 GMT"),
        "{text}"
    );
    assert!(text.contains("Certificate Hold"), "{text}");
    let (code, j, _) = env.verify_json(&["pki/issued/leaked/cert.pem"]);
    assert_eq!((code, j["reason"].as_str()), (3, Some("key_compromise")), "{j}");
}

#[test]
fn gen_crl_on_an_intermediate_bundles_the_parents_crl_for_crl_check_all() {
    let root = Env::new().with_ca();
    let inter = Env::new();
    inter.run(&["init-ca", "--cn", "Issuing CA", "--parent", &display(root.store())]).ok();
    inter.issue("leaf", &[]);
    inter.issue("gone", &[]);
    inter.run(&["revoke", "--cn", "gone", "--reason", "key-compromise"]).ok();
    // Without the parent's CRL the bundle is incomplete, and gen-crl says so and how to fix it.
    inter.run(&["gen-crl"]).ok().stderr_has("has no CRL yet").stderr_has("gen-crl`, then gen-crl here again");
    root.run(&["gen-crl"]).ok();
    let root_crl = display(root.store().join("crl/ca.crl"));
    let j = inter.run(&["--json", "gen-crl", "--parent-crl", &root_crl]).ok().json();
    assert!(j["chain_crl"].as_str().is_some_and(|p| p.ends_with("crl/ca-chain.crl")), "{j}");
    // The next run keeps the parent's CRL it already has.
    let r = inter.run(&["gen-crl"]).ok();
    assert!(!r.stderr.contains("--parent-crl"), "{}", r.stderr);

    let root_ca = display(root.store().join("certs/ca.crt"));
    let chain_crl = display(inter.store().join("crl/ca-chain.crl"));
    let untrusted = display(inter.store().join("certs/ca.crt"));
    let check = |cn: &str| {
        let cert = display(inter.issued(cn, "cert.pem"));
        let r = peer(
            "openssl",
            &["verify", "-CAfile", &root_ca, "-untrusted", &untrusted, "-crl_check_all", "-CRLfile", &chain_crl, &cert],
            inter.path(),
        );
        (r.code == 0 && r.stdout.contains(": OK"), r.both())
    };
    let (ok, out) = check("leaf");
    assert!(ok, "{out}");
    let (ok, out) = check("gone");
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    // mtlsctl verify with the bundle checks the whole chain and agrees.
    let (code, j, stderr) = inter.verify_json(&[&display(inter.issued("leaf", "cert.pem")), "--crl", &chain_crl]);
    assert_eq!((code, j["code"].as_str()), (0, Some("valid")), "{j}");
    assert!(!stderr.contains("only the certificate itself"), "{stderr}");
    let (code, j, _) = inter.verify_json(&[&display(inter.issued("gone", "cert.pem")), "--crl", &chain_crl]);
    assert_eq!((code, j["code"].as_str()), (3, Some("revoked")), "{j}");
    // A CRL from a CA that is not a parent is refused.
    let other = Env::new().with_ca();
    other.run(&["gen-crl"]).ok();
    let before = inter.snapshot();
    inter
        .run(&["gen-crl", "--parent-crl", &display(other.store().join("crl/ca.crl"))])
        .error()
        .stderr_has("not a parent");
    assert_eq!(before, inter.snapshot());
}

/// A large CRL takes a moment; gen-crl says so on stderr (not with --quiet),
/// and the CRL holds every entry.
#[test]
fn gen_crl_reports_progress_on_a_large_crl() {
    let env = Env::new().with_ca();
    let mut text = String::new();
    for i in 0..10_000u32 {
        text.push_str(&format!(
            "R\t301231235959Z\t250101000000Z,superseded\t{:08X}{i:08X}\tunknown\t/CN=bulk-{i}\n",
            0x1000_0000u32
        ));
    }
    std::fs::write(env.store().join("index.txt"), text).expect("write index");
    let r = env.run(&["gen-crl"]).ok();
    assert!(r.stderr.contains("signing a CRL of 10000 entries"), "{}", r.stderr);
    let r = env.run(&["--quiet", "gen-crl"]).ok();
    assert!(!r.stderr.contains("signing a CRL"), "{}", r.stderr);
    let j = env.run(&["--json", "inspect", "pki/crl/ca.crl"]).ok().json();
    assert_eq!(j["revoked_count"], 10_000);
}

// ---------------------------------------------------------------------------
// CRL expiry warnings

#[test]
fn signing_commands_and_list_warn_when_the_crl_expires_soon_or_has_expired() {
    let env = Env::new().with_ca();
    // A CRL made for 2 hours is quiet until its last quarter (issue 15: a deliberate
    // short CRL is no emergency); a 7-day one in its last day warns everywhere.
    let r = env.run(&["gen-crl", "--next-update", "2h"]).ok();
    assert!(!r.stderr.contains("warning:"), "{}", r.stderr);
    crate::docs_stories::crl_between(&env, -6 * 24, 2);
    env.run(&["list"]).ok().stderr_has("expires in 1h").stderr_has("mtlsctl gen-crl");
    env.issue("a", &[]).stderr_has("expires in").stderr_has("mtlsctl gen-crl");
    env.run(&["csr", "--cn", "b", "--out", "b"]).ok();
    env.run(&["sign", "b/csr.pem"]).ok().stderr_has("expires in");
    env.run(&["revoke", "--cn", "a"]).ok().stderr_has("expires in");
    // A week-long CRL: no warning.
    let r = env.run(&["gen-crl"]).ok();
    assert!(!r.stderr.contains("warning:"), "{}", r.stderr);
    assert!(!env.run(&["list"]).ok().stderr.contains("warning:"));
    // Expired.
    env.run(&["gen-crl", "--next-update", "1s"]).ok();
    std::thread::sleep(Duration::from_millis(2200));
    env.run(&["list"]).ok().stderr_has("expired on").stderr_has("mtlsctl gen-crl");
    env.issue("c", &[]).stderr_has("expired on");
}

#[test]
fn the_stores_own_ca_certificate_is_never_revoked_into_its_own_crl() {
    let env = Env::new().with_ca();
    env.issue("a", &[]);
    let before = env.snapshot();
    let r = env.run(&["revoke", "pki/certs/ca.crt", "--yes"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("this store's own CA certificate"), "{}", r.stderr);
    assert!(r.stderr.contains("hint:"), "{}", r.stderr);
    assert_eq!(env.snapshot(), before, "a refused revoke changed the store");
    // An intermediate's own certificate, in its own store, is refused the same way.
    let int_path = env.path().join("int");
    let int = Env::at(&int_path);
    int.run(&["init-ca", "--parent", utf8(&env.store()), "--cn", "Issuing CA"]).ok();
    let r = int.run(&["revoke", utf8(&int_path.join("certs/ca.crt")), "--yes"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("revoke it in its parent store"), "{}", r.stderr);
    // In the parent it is an ordinary revocation.
    env.run(&["revoke", utf8(&int_path.join("certs/ca.crt")), "--yes"]).ok();
}
