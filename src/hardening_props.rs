//! Property tests (issue 5): every parser the binary has, fed random and
//! mutated bytes, returns an error instead of panicking; index.txt round-trips.

use proptest::prelude::*;

use crate::pki::decode as inspect;
use crate::pki::{certinfo, crl, keys, names::San, verify};
use crate::store::{cnf::Cnf, index::Index};
use crate::util;

const CERT_PEM: &str = include_str!("../tests/fixtures/malformed/negative-serial-cert.pem");
const CSR_PEM: &str = include_str!("../tests/fixtures/malformed/csr-other-key.pem");

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

/// index.txt lines built from field-shaped pieces, valid or not.
fn index_line() -> impl Strategy<Value = String> {
    let status = prop_oneof![Just("V"), Just("R"), Just("E"), Just("S"), Just("X"), Just("")];
    let time = prop_oneof![
        Just("350101000000Z".to_string()),
        Just("20510101000000Z".to_string()),
        Just("991399999999Z".to_string()),
        "[0-9Z]{0,16}",
    ];
    let rev = prop_oneof![
        Just(String::new()),
        Just("250101000000Z,keyCompromise".to_string()),
        Just("250101000000Z,keyTime,250101000000Z".to_string()),
        Just("250101000000Z,holdInstruction".to_string()),
        "[0-9A-Za-z,]{0,30}",
    ];
    let serial = prop_oneof!["[0-9A-F]{2,32}", "[0-9A-Fa-fg]{0,9}"];
    let subject = "(/[A-Z]{1,2}=[^\t\n]{0,20}){0,3}";
    (status, time, rev, serial, subject).prop_map(|(s, t, r, n, subj)| format!("{s}\t{t}\t{r}\t{n}\tunknown\t{subj}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn index_parse_never_panics_and_round_trips(lines in proptest::collection::vec(index_line(), 0..6), junk in any::<Vec<u8>>()) {
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        if let Ok(idx) = Index::parse(&text) {
            let again = idx.to_text();
            prop_assert_eq!(&again, &text);
            prop_assert_eq!(Index::parse(&again).map(|i| i.to_text()).ok(), Some(again));
        }
        let _ = Index::parse(&String::from_utf8_lossy(&junk));
    }

    #[test]
    fn cnf_parse_never_panics(text in "([\\[\\]a-z_ =$:{}.#/\\n\\\\]|ENV::){0,200}") {
        if let Ok(c) = Cnf::parse(&text) {
            let _ = c.ca_section().map(|s| c.get(s, "dir"));
        }
    }

    #[test]
    fn durations_and_times_never_panic(text in "[0-9a-zA-Z .:+-]{0,24}") {
        let _ = util::parse_duration(&text);
        let _ = util::parse_time(&text);
    }

    #[test]
    fn san_specs_never_panic(text in "(dns|ip|uri|email|DNS|x)?:?[^\\n]{0,40}") {
        if let Ok(s) = San::parse(&text) {
            let _ = s.to_rcgen();
        }
    }

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
