//! Store operations seen from the command line: the hints typed store errors
//! get, and what renew --revoke-old reports it revoked.

use crate::common::{Env, to_run};

fn d(p: &std::path::Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn init_ca_parent_with_an_encrypted_key_names_the_parent_passphrase_flag() {
    let env = Env::new();
    env.run_with(&["init-ca"], &[("MTLSCTL_CA_PASSPHRASE", "parent-secret")]).ok();
    let inter = env.path().join("issuing");
    let run = to_run(
        env.cmd()
            .args(["--batch", "--dir", d(&inter), "init-ca", "--cn", "Issuing", "--parent", d(&env.store())])
            .output()
            .expect("run"),
    )
    .error()
    .stderr_has("is encrypted and no passphrase was given")
    .stderr_has("hint: pass --parent-passphrase-file FILE or set MTLSCTL_CA_PASSPHRASE");
    assert!(!run.stderr.contains("pass --passphrase-file"), "{}", run.stderr);
    assert!(!inter.exists(), "a refused init-ca created {}", inter.display());
    // The flag it names works.
    let pass = env.path().join("parent.pass");
    std::fs::write(&pass, "parent-secret\n").expect("write");
    to_run(
        env.cmd()
            .args(["--batch", "--dir", d(&inter), "init-ca", "--cn", "Issuing", "--parent", d(&env.store())])
            .args(["--parent-passphrase-file", d(&pass)])
            .output()
            .expect("run"),
    )
    .ok();
}

#[test]
fn issue_with_an_encrypted_key_names_the_passphrase_flag() {
    let env = Env::new();
    env.run_with(&["init-ca"], &[("MTLSCTL_CA_PASSPHRASE", "s3cret")]).ok();
    env.run(&["issue", "--cn", "svc"])
        .error()
        .stderr_has("hint: pass --passphrase-file FILE or set MTLSCTL_CA_PASSPHRASE");
}

#[test]
fn a_missing_store_gets_the_init_hint() {
    let env = Env::new();
    env.run(&["list"]).error().stderr_has("no CA store at").stderr_has("hint: create one with: mtlsctl init-ca --dir");
}

#[test]
fn renew_revoke_old_reports_the_reason_it_revoked_with() {
    let env = Env::new().with_ca();
    let old = env.issue("svc", &["--json"]).json()["serial"].as_str().expect("serial").to_string();
    let j = env.run(&["--json", "renew", "--cn", "svc", "--revoke-old", "superseded"]).ok().json();
    assert_eq!(j["old_serial"], old.as_str());
    assert_eq!(j["old_revoked"], "superseded");
    let index = std::fs::read_to_string(env.store().join("index.txt")).expect("index");
    let line = index.lines().find(|l| l.contains(&old)).expect("old line");
    assert!(line.starts_with("R\t") && line.contains("superseded"), "{line}");
}

/// SPEC §8 (revised): a revoked certificate is never renewed, so `--revoke-old`
/// never meets an already revoked one; the refusal changes nothing.
#[test]
fn renew_revoke_old_of_a_revoked_certificate_is_refused() {
    let env = Env::new().with_ca();
    let old = env.issue("svc", &["--json"]).json()["serial"].as_str().expect("serial").to_string();
    env.run(&["revoke", "--serial", &old, "--reason", "key-compromise", "--yes"]).ok();
    let before = env.snapshot();
    env.run(&["--json", "renew", "--serial", &old, "--revoke-old", "superseded"]).error().stderr_has("never renewed");
    assert!(env.snapshot() == before, "a refused renewal changed the store");
}

#[test]
fn a_moved_store_is_noted_and_its_cnf_follows() {
    let env = Env::new().with_ca();
    let moved = env.path().join("moved");
    std::fs::rename(env.store(), &moved).expect("move");
    let run = to_run(env.cmd().args(["--batch", "--dir", d(&moved), "list"]).output().expect("run")).ok();
    assert!(run.stderr.contains("note: the store moved from"), "{}", run.stderr);
    let cnf = std::fs::read_to_string(moved.join("openssl.cnf")).expect("cnf");
    assert!(cnf.contains(d(&std::fs::canonicalize(&moved).expect("canonical"))), "{cnf}");
    // Said once: the next run finds the cnf true.
    let again = to_run(env.cmd().args(["--batch", "--dir", d(&moved), "list"]).output().expect("run")).ok();
    assert!(!again.stderr.contains("moved"), "{}", again.stderr);
}

#[test]
fn a_torn_index_line_is_repaired_and_reported() {
    let env = Env::new().with_ca();
    env.issue("first", &[]);
    let index = env.store().join("index.txt");
    let mut text = std::fs::read_to_string(&index).expect("index");
    let good = text.clone();
    text.push_str("V\t350101000000Z\t\tABCD");
    std::fs::write(&index, &text).expect("tear");
    env.run(&["issue", "--cn", "second"]).ok().stderr_has("warning: repaired").stderr_has("incomplete last line");
    let after = std::fs::read_to_string(&index).expect("index");
    assert!(after.starts_with(&good) && after.lines().count() == 2, "{after}");
}
