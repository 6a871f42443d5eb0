//! The policy's verdicts on certificates made in memory (rcgen): the rules
//! that matter most, without a process or a file.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use time::{Duration, OffsetDateTime};

use super::*;

fn at() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_900_000_000).expect("time")
}

fn params(cn: &str, ca: bool) -> CertificateParams {
    let mut p = CertificateParams::new(vec![format!("{cn}.example.com")]).expect("params");
    p.distinguished_name.push(DnType::CommonName, cn);
    p.not_before = at() - Duration::days(30);
    p.not_after = at() + Duration::days(30);
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    } else {
        p.is_ca = IsCa::ExplicitNoCa;
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    }
    p
}

struct Ca {
    der: Vec<u8>,
    issuer: Issuer<'static, KeyPair>,
}

fn root(p: CertificateParams) -> Ca {
    let key = KeyPair::generate().expect("key");
    let der = p.self_signed(&key).expect("sign").der().to_vec();
    Ca { der, issuer: Issuer::new(p, key) }
}

fn leaf_of(ca: &Ca, p: CertificateParams) -> (Vec<u8>, KeyPair) {
    let key = KeyPair::generate().expect("key");
    (p.signed_by(&key, &ca.issuer).expect("sign").der().to_vec(), key)
}

fn check(leaf: &[u8], anchors: &[Vec<u8>], when: OffsetDateTime) -> Verdict {
    let req = Request {
        leaf,
        intermediates: &[],
        anchors,
        crls: &[],
        purposes: &[Purpose::Client],
        subjects: &[],
        at: when,
        revocation: Revocation::Off,
        max_depth: None,
        labels: Labels::default(),
    };
    verify(&req).expect("verify runs")
}

#[test]
fn a_leaf_of_the_root_is_valid() {
    let ca = root(params("root", true));
    let (leaf, _) = leaf_of(&ca, params("leaf", false));
    assert_eq!(check(&leaf, std::slice::from_ref(&ca.der), at()).code, Code::Valid);
}

#[test]
fn a_client_certificate_is_never_a_trust_anchor() {
    let ca = root(params("root", true));
    let client_params = params("client", false);
    let client_key = KeyPair::generate().expect("key");
    let client = client_params.signed_by(&client_key, &ca.issuer).expect("sign").der().to_vec();
    let minted = Ca { der: client.clone(), issuer: Issuer::new(client_params, client_key) };
    let (forged, _) = leaf_of(&minted, params("forged", false));
    let v = check(&forged, &[client], at());
    assert_eq!(v.code, Code::InvalidCa, "{}", v.message);
}

#[test]
fn an_expired_anchor_refuses_and_time_is_exact() {
    let mut p = params("root", true);
    p.not_after = at() - Duration::days(1);
    let ca = root(p);
    let (leaf, _) = leaf_of(&ca, params("leaf", false));
    assert_eq!(check(&leaf, std::slice::from_ref(&ca.der), at()).code, Code::Expired);

    let ca = root(params("root", true));
    let mut p = params("leaf", false);
    p.not_before = at() + Duration::seconds(1);
    let (leaf, _) = leaf_of(&ca, p);
    assert_eq!(check(&leaf, std::slice::from_ref(&ca.der), at() + Duration::milliseconds(1)).code, Code::NotYetValid);
    assert_eq!(check(&leaf, std::slice::from_ref(&ca.der), at() + Duration::seconds(1)).code, Code::Valid);
}

#[test]
fn leaf_rules() {
    let ca = root(params("root", true));
    let mut p = params("leaf", false);
    p.key_usages.push(KeyUsagePurpose::KeyCertSign);
    let (leaf, _) = leaf_of(&ca, p);
    assert_eq!(check(&leaf, std::slice::from_ref(&ca.der), at()).code, Code::NotEndEntity);
    let mut p = params("server", false);
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let (leaf, _) = leaf_of(&ca, p);
    let v = check(&leaf, std::slice::from_ref(&ca.der), at());
    assert_eq!(v.code, Code::WrongPurpose);
    assert!(v.message.contains("allows only server authentication"), "{}", v.message);
}

#[test]
fn garbage_is_malformed_not_a_panic() {
    let v = check(&[0x30, 0x03, 0x02, 0x01, 0x01], &[], at());
    assert_eq!(v.code, Code::MalformedCertificate);
}

#[test]
fn fractions_of_a_second_are_reported() {
    assert_eq!(rfc3339_exact(at()), "2030-03-17T17:46:40Z");
    assert_eq!(rfc3339_exact(at() + Duration::milliseconds(1)), "2030-03-17T17:46:40.001Z");
}
