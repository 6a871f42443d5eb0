//! Property tests for pki's decoders as a whole: certificates, CSRs, CRLs, keys,
//! `inspect`'s decoder and the path validator, fed random and mutated bytes,
//! return an error instead of panicking. The suites for one parser (index.txt,
//! openssl.cnf, SANs, times) sit in `mod props` beside it.

use proptest::prelude::*;

use crate::pki::decode as inspect;
use crate::pki::{certinfo, crl, keys, verify};

const CERT_PEM: &str = include_str!("../../tests/fixtures/malformed/negative-serial-cert.pem");
const CSR_PEM: &str = include_str!("../../tests/fixtures/malformed/csr-other-key.pem");

fn der_of(pem_text: &str) -> Vec<u8> {
    pem::parse(pem_text).map(|p| p.contents().to_vec()).unwrap_or_default()
}

/// A valid input with a few bytes overwritten, removed or cut off.
fn mutated(base: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = base.len().max(1);
    (proptest::collection::vec((0..len, any::<u8>()), 1..8), 0..=len).prop_map(move |(edits, cut)| {
        let mut b = base.clone();
        for (i, v) in edits {
            if i < b.len() {
                b[i] = v;
            }
        }
        b.truncate(cut.max(1));
        b
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_any_decoder(bytes in any::<Vec<u8>>()) {
        let _ = inspect::decode(&bytes);
        let _ = certinfo::load_certs(&bytes);
        let _ = crl::load_crls(&bytes);
        let _ = keys::parse_key(&bytes);
    }

    #[test]
    fn mutated_certificates_never_panic(bytes in mutated(der_of(CERT_PEM))) {
        let _ = inspect::decode(&bytes);
        let _ = certinfo::summarize(&bytes);
        if let Ok(c) = certinfo::parse(&bytes) {
            let _ = (certinfo::serial_hex(&c), certinfo::sans(&c), certinfo::not_after(&c));
        }
    }

    #[test]
    fn mutated_pem_and_csrs_never_panic(bytes in mutated(CSR_PEM.as_bytes().to_vec()), der in mutated(der_of(CSR_PEM))) {
        let _ = inspect::decode(&bytes);
        let _ = inspect::decode(&der);
        let _ = inspect::csr_summary(&der);
    }

    #[test]
    fn mutated_certificates_and_crls_never_panic_the_verifier(
        leaf in mutated(der_of(CERT_PEM)),
        anchor in mutated(der_of(CERT_PEM)),
        crl_bytes in any::<Vec<u8>>(),
    ) {
        let anchors = [anchor];
        let crls = [crl_bytes];
        for revocation in [verify::Revocation::Off, verify::Revocation::Chain { missing_ca_crl: verify::MissingCaCrl::Refuse }] {
            let req = verify::Request {
                leaf: &leaf,
                intermediates: &anchors,
                anchors: &anchors,
                crls: &crls,
                purposes: &[verify::Purpose::Client, verify::Purpose::Server],
                subjects: &[verify::Subject::Email("a@example.com".into()), verify::Subject::Dns("a.example.com".into())],
                at: time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000),
                revocation,
                max_depth: Some(1),
                labels: verify::Labels::default(),
            };
            let _ = verify::verify(&req);
        }
    }
}
