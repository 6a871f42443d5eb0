//! Issue #2: init-ca, issue, list, inspect and the OpenSSL store format.

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
