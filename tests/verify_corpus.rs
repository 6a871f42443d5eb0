//! verify against a corpus of crafted certificates: one case per rule of
//! SPEC §6 and per RFC 5280 §6.1 step, each with its expected code, each also
//! run through `openssl verify -x509_strict`. Where the two disagree the case
//! must be listed in DIFFERENCES (mirrored in docs/verify.md, with reasons).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::*;

/// Makes the corpus with python3 `cryptography`: one directory per case
/// (leaf.pem with its chain after it, chain.pem, ca.pem, crl.pem) and cases.json.
const GENERATOR: &str = r#"
# Writes one directory per case (leaf.pem, ca.pem, optional crl.pem) and cases.json.
import datetime, ipaddress, json, os, sys
from cryptography import x509
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, dsa, ed25519

OUT = sys.argv[1]
UTC = datetime.timezone.utc
def T(y, mo=1, d=1, h=0, mi=0, s=0): return datetime.datetime(y, mo, d, h, mi, s, tzinfo=UTC)
NB, NA, AT = T(2020), T(2040), T(2030)
SERIAL = [1000]
CASES = []

def key(kind="p256"):
    if kind == "p256": return ec.generate_private_key(ec.SECP256R1())
    if kind == "p384": return ec.generate_private_key(ec.SECP384R1())
    if kind == "p192": return ec.generate_private_key(ec.SECP192R1())
    if kind == "rsa1024": return rsa.generate_private_key(65537, 1024)
    if kind == "rsa2048": return rsa.generate_private_key(65537, 2048)
    if kind == "dsa": return dsa.generate_private_key(2048)
    if kind == "ed25519": return ed25519.Ed25519PrivateKey.generate()

def name(cn, o=None):
    attrs = []
    if o: attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, o))
    if cn is not None: attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)

def KU(*on, critical=True):
    f = dict(digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
             key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False)
    for o in on: f[o] = True
    return (x509.KeyUsage(**f), critical)

CA_KU = KU("key_cert_sign", "crl_sign")
LEAF_KU = KU("digital_signature")

def hash_for(k):
    return None if isinstance(k, ed25519.Ed25519PrivateKey) else hashes.SHA256()

def make(subject, pub, issuer_name, sign_key, issuer_pub, ca=None, bc_critical=True, path_len=None, ku=None,
         eku=None, sans=None, nc=None, extra=(), nb=NB, na=NA, serial=None):
    SERIAL[0] += 1
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name).public_key(pub)
         .serial_number(serial or SERIAL[0]).not_valid_before(nb).not_valid_after(na))
    if ca is not None:
        b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=path_len if ca else None), critical=bc_critical)
    if ku: b = b.add_extension(ku[0], critical=ku[1])
    if eku: b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    if sans: b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if nc: b = b.add_extension(x509.NameConstraints(nc[0] or None, nc[1] or None), critical=True)
    b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
    b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_pub), critical=False)
    for ext, crit in extra: b = b.add_extension(ext, critical=crit)
    return b.sign(sign_key, hash_for(sign_key))

class CA:
    def __init__(self, cn="Corpus Root", parent=None, kind="p256", o=None, subject=None, reuse_name=False, **kw):
        self.key = key(kind)
        self.name = subject if subject is not None else name(cn, o)
        kw.setdefault("ca", True); kw.setdefault("ku", CA_KU)
        if parent is None:
            self.cert = make(self.name, self.key.public_key(), self.name, self.key, self.key.public_key(), **kw)
        else:
            self.cert = make(self.name, self.key.public_key(), parent.name, parent.key, parent.key.public_key(), **kw)
        self.parent = parent

    def issue(self, cn="leaf.example.com", kind="p256", eku=(ExtendedKeyUsageOID.CLIENT_AUTH,), sans=None, o=None,
              subject=None, **kw):
        k = key(kind)
        kw.setdefault("ca", False); kw.setdefault("ku", LEAF_KU)
        if sans is None: sans = [x509.DNSName(cn)]
        subj = subject if subject is not None else name(cn, o)
        return make(subj, k.public_key(), self.name, self.key, self.key.public_key(), eku=list(eku), sans=sans, **kw), k

    def crl(self, revoked=(), number=1, number_critical=False, this=T(2029, 12, 1), nxt=T(2030, 2, 1), sign_key=None,
            reasons=None):
        b = (x509.CertificateRevocationListBuilder().issuer_name(self.name).last_update(this).next_update(nxt))
        if number is not None: b = b.add_extension(x509.CRLNumber(number), critical=number_critical)
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
        for i, c in enumerate(revoked):
            rb = x509.RevokedCertificateBuilder().serial_number(c.serial_number).revocation_date(T(2029, 6, 1))
            if reasons and reasons[i]:
                rb = rb.add_extension(x509.CRLReason(reasons[i]), critical=False)
            b = b.add_revoked_certificate(rb.build())
        k = sign_key or self.key
        return b.sign(k, hash_for(k))

def pem(c): return c.public_bytes(serialization.Encoding.PEM)

def der_len(n):
    if n < 0x80: return bytes([n])
    s = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(s)]) + s

def resign(cert, sign_key, patch):
    """Edit the TBSCertificate bytes (same length) and sign them again."""
    tbs = cert.tbs_certificate_bytes
    hdr = 2 + (tbs[1] & 0x7f if tbs[1] & 0x80 else 0)
    content = patch(tbs[hdr:])
    tbs = b"\x30" + der_len(len(content)) + content
    sig = sign_key.sign(tbs, ec.ECDSA(hashes.SHA256()))
    alg = bytes.fromhex("300a06082a8648ce3d040302")
    bits = b"\x03" + der_len(len(sig) + 1) + b"\x00" + sig
    body = tbs + alg + bits
    return b"\x30" + der_len(len(body)) + body

def der_pem(der):
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM) if False else \
        b"-----BEGIN CERTIFICATE-----\n" + __import__("base64").encodebytes(der) + b"-----END CERTIFICATE-----\n"

def case(nm, leaf, anchors, chain=(), crls=(), purpose="client", at=AT, args=(), ossl=(), attime=None):
    d = os.path.join(OUT, nm); os.makedirs(d)
    lb = leaf if isinstance(leaf, bytes) else pem(leaf)
    with open(os.path.join(d, "leaf.pem"), "wb") as f: f.write(lb + b"".join(pem(c) for c in chain))
    with open(os.path.join(d, "chain.pem"), "wb") as f: f.write(b"".join(pem(c) for c in chain))
    with open(os.path.join(d, "ca.pem"), "wb") as f: f.write(b"".join(pem(c) for c in anchors))
    if crls:
        with open(os.path.join(d, "crl.pem"), "wb") as f:
            f.write(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in crls))
    partial = not any(c.subject == c.issuer for c in anchors)
    at_s = at.strftime("%Y-%m-%dT%H:%M:%S") + (".%03dZ" % (at.microsecond // 1000) if at.microsecond else "Z")
    CASES.append(dict(name=nm, purpose=purpose, at=at_s, attime=int(attime if attime is not None else at.timestamp()),
                      crl=bool(crls), chain=bool(chain), partial=partial, args=list(args), ossl=list(ossl)))

UNKNOWN = lambda: x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.55555.1"), b"\x05\x00")

root = CA()
leaf, leaf_key = root.issue()
case("valid_root_and_leaf", leaf, [root.cert])

# Trust anchors, checked as certificates.
for nm, kw in [("anchor_expired", dict(na=T(2025))), ("anchor_not_yet_valid", dict(nb=T(2035))),
               ("anchor_no_basic_constraints", dict(ca=None)), ("anchor_basic_constraints_not_critical", dict(bc_critical=False)),
               ("anchor_ca_false", dict(ca=False)), ("anchor_no_key_cert_sign", dict(ku=KU("crl_sign", "digital_signature"))),
               ("anchor_unknown_critical_extension", dict(extra=[(UNKNOWN(), True)])),
               ("anchor_empty_subject", dict(subject=x509.Name([]))),
               ("anchor_rsa_1024", dict(kind="rsa1024")), ("anchor_dsa", dict(kind="dsa"))]:
    r = CA(**kw)
    l, _ = r.issue()
    case(nm, l, [r.cert])
# The forgery: a client certificate (CA:FALSE) given as --ca signs a "client".
client, client_key = root.issue("client")
forged = make(name("forged"), key().public_key(), client.subject, client_key, client_key.public_key(), ca=False,
              ku=LEAF_KU, eku=[ExtendedKeyUsageOID.CLIENT_AUTH], sans=[x509.DNSName("forged.example.com")])
case("anchor_client_certificate_mints_clients", forged, [client])
# The issuing CA alone as --ca (a common mTLS trust setup), valid and expired.
inter = CA("Corpus Issuing CA", parent=root)
il, _ = inter.issue()
case("issuing_ca_as_only_anchor", il, [inter.cert])
old_inter = CA("Corpus Old Issuing CA", parent=root, na=T(2026))
ol, _ = old_inter.issue()
case("issuing_ca_as_only_anchor_expired", ol, [old_inter.cert])

# Intermediates.
case("intermediate_valid", il, [root.cert], chain=[inter.cert])
for nm, kw in [("intermediate_ca_false", dict(ca=False)), ("intermediate_no_basic_constraints", dict(ca=None)),
               ("intermediate_no_key_cert_sign", dict(ku=KU("crl_sign"))), ("intermediate_expired", dict(na=T(2025))),
               ("intermediate_not_critical_basic_constraints", dict(bc_critical=False)),
               ("intermediate_unknown_critical_extension", dict(extra=[(UNKNOWN(), True)])),
               ("intermediate_rsa_1024", dict(kind="rsa1024")),
               ("intermediate_eku_server_only", dict(extra=[(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)]))]:
    i = CA("Corpus Bad Intermediate", parent=root, **kw)
    l, _ = i.issue()
    case(nm, l, [root.cert], chain=[i.cert])

# Leaves.
for nm, kw in [("leaf_expired", dict(na=T(2025))), ("leaf_not_yet_valid", dict(nb=T(2035))),
               ("leaf_key_cert_sign", dict(ku=KU("digital_signature", "key_cert_sign"))),
               ("leaf_is_ca", dict(ca=True)), ("leaf_unknown_critical_extension", dict(extra=[(UNKNOWN(), True)])),
               ("leaf_rsa_1024", dict(kind="rsa1024")), ("leaf_dsa", dict(kind="dsa")), ("leaf_p192", dict(kind="p192")),
               ("leaf_rsa_2048", dict(kind="rsa2048")), ("leaf_p384", dict(kind="p384")), ("leaf_ed25519", dict(kind="ed25519")),
               ("leaf_server_only_checked_for_client", dict(eku=(ExtendedKeyUsageOID.SERVER_AUTH,))),
               ("leaf_key_usage_no_signature", dict(ku=KU("data_encipherment")))]:
    l, _ = root.issue(**kw)
    case(nm, l, [root.cert])
impostor = CA()  # same name, other key
l, _ = impostor.issue()
case("leaf_bad_signature", l, [root.cert])
stranger = CA("Corpus Other Root")
l, _ = stranger.issue()
case("leaf_unknown_issuer", l, [root.cert])
l, _ = root.issue(eku=(ExtendedKeyUsageOID.SERVER_AUTH,))
case("leaf_server_valid_for_server", l, [root.cert], purpose="server")

# pathLen, with and without self-issued certificates.
r0 = CA("Corpus Root PathLen 0", path_len=0)
i0 = CA("Corpus Inter Below PathLen 0", parent=r0)
l, _ = i0.issue()
case("path_len_0_root_one_intermediate", l, [r0.cert], chain=[i0.cert])
r1 = CA("Corpus Root PathLen 1", path_len=1)
ia = CA("Corpus Inter A PathLen 0", parent=r1, path_len=0)
ib = CA("Corpus Inter B", parent=ia)
l, _ = ib.issue()
case("path_len_0_intermediate_two_below", l, [r1.cert], chain=[ib.cert, ia.cert])
l, _ = ia.issue()
case("path_len_0_intermediate_leaf_below", l, [r1.cert], chain=[ia.cert])
# Key rollover: a self-issued CA (same name, new key, signed by the old key) below a pathLen 0 root.
rollover = CA(subject=r0.name, parent=r0, path_len=0)
l, _ = rollover.issue()
case("path_len_self_issued_exempt", l, [r0.cert], chain=[rollover.cert])

# Name constraints, on an intermediate (or the root), of every type.
D, IP, E, U, DN = x509.DNSName, x509.IPAddress, x509.RFC822Name, x509.UniformResourceIdentifier, x509.DirectoryName
NCS = [
    ("nc_dns_permitted_inside", ([D("example.com")], None), dict(sans=[D("a.example.com")])),
    ("nc_dns_permitted_outside", ([D("example.com")], None), dict(sans=[D("a.example.org")])),
    ("nc_dns_excluded", (None, [D("bad.example.com")]), dict(sans=[D("x.bad.example.com")])),
    ("nc_dns_excluded_not_hit", (None, [D("bad.example.com")]), dict(sans=[D("good.example.com")])),
    ("nc_ip_permitted_inside", ([IP(ipaddress.ip_network("10.0.0.0/8"))], None), dict(sans=[IP(ipaddress.ip_address("10.1.2.3"))])),
    ("nc_ip_permitted_outside", ([IP(ipaddress.ip_network("10.0.0.0/8"))], None), dict(sans=[IP(ipaddress.ip_address("192.168.1.1"))])),
    ("nc_ip_excluded", (None, [IP(ipaddress.ip_network("192.168.0.0/16"))]), dict(sans=[IP(ipaddress.ip_address("192.168.1.1"))])),
    ("nc_email_permitted_inside", ([E("example.com")], None), dict(sans=[E("alice@example.com")])),
    ("nc_email_permitted_outside", ([E("example.com")], None), dict(sans=[E("alice@example.org")])),
    ("nc_email_excluded", (None, [E("mallory@example.com")]), dict(sans=[E("mallory@example.com")])),
    ("nc_uri_permitted_inside", ([U("example.com")], None), dict(sans=[U("spiffe://example.com/svc")])),
    ("nc_uri_permitted_outside", ([U("example.com")], None), dict(sans=[U("spiffe://example.org/svc")])),
    ("nc_uri_excluded", (None, [U(".bad.example")]), dict(sans=[U("https://x.bad.example/p")])),
    ("nc_dirname_permitted_inside", ([DN(name(None, "Good Org"))], None), dict(o="Good Org", sans=[D("leaf.example.com")])),
    ("nc_dirname_permitted_outside", ([DN(name(None, "Good Org"))], None), dict(o="Bad Org", sans=[D("leaf.example.com")])),
    ("nc_dirname_excluded", (None, [DN(name(None, "Bad Org"))]), dict(o="Bad Org", sans=[D("leaf.example.com")])),
]
for nm, nc, leafkw in NCS:
    i = CA("Corpus Constrained CA", parent=root, nc=nc, o=None)
    l, _ = i.issue(**leafkw)
    case(nm, l, [root.cert], chain=[i.cert])
# Inherited: the root constrains, a plain intermediate passes it on.
rc = CA("Corpus Constrained Root", nc=([D("example.com")], None))
ic = CA("Corpus Plain Inter", parent=rc)
l, _ = ic.issue(sans=[D("a.example.org")])
case("nc_inherited_through_intermediate", l, [rc.cert], chain=[ic.cert])
l, _ = ic.issue(sans=[D("a.example.com")])
case("nc_inherited_inside", l, [rc.cert], chain=[ic.cert])
# A self-issued intermediate is exempt from directoryName constraints above it.
rdn = CA("Corpus DN Root", nc=([DN(name(None, "Good Org"))], None))
sidn = CA(subject=rdn.name, parent=rdn)
l, _ = sidn.issue(o="Good Org")
case("nc_self_issued_exempt", l, [rdn.cert], chain=[sidn.cert])

# CRLs: issuer and extension rules, entries.
crl_root = CA("Corpus CRL Root")
good, _ = crl_root.issue("good")
bad, _ = crl_root.issue("bad")
case("crl_not_revoked", good, [crl_root.cert], crls=[crl_root.crl([bad])])
case("crl_revoked", bad, [crl_root.cert], crls=[crl_root.crl([bad])])
case("crl_remove_from_crl_is_not_revocation", bad, [crl_root.cert],
     crls=[crl_root.crl([bad], reasons=[x509.ReasonFlags.remove_from_crl])])
case("crl_hold_is_revocation", bad, [crl_root.cert], crls=[crl_root.crl([bad], reasons=[x509.ReasonFlags.certificate_hold])])
case("crl_number_critical", good, [crl_root.cert], crls=[crl_root.crl([bad], number_critical=True)])
case("crl_number_missing", good, [crl_root.cert], crls=[crl_root.crl([bad], number=None)])
case("crl_expired", good, [crl_root.cert], crls=[crl_root.crl([bad], nxt=T(2029, 12, 31))])
case("crl_not_yet_valid", good, [crl_root.cert], crls=[crl_root.crl([bad], this=T(2030, 1, 2), nxt=T(2030, 3, 1))])
case("crl_wrong_signer", good, [crl_root.cert], crls=[crl_root.crl([bad], sign_key=key())])
case("crl_missing_for_issuer", good, [crl_root.cert], crls=[CA("Corpus Unrelated").crl()])
nocrlsign = CA("Corpus No cRLSign Root", ku=KU("key_cert_sign"))
l, _ = nocrlsign.issue()
case("crl_issuer_without_crl_sign", l, [nocrlsign.cert], crls=[nocrlsign.crl()])
ci = CA("Corpus CRL Inter", parent=crl_root)
cl, _ = ci.issue()
case("crl_chain_not_revoked", cl, [crl_root.cert], chain=[ci.cert], crls=[crl_root.crl(), ci.crl()])
case("crl_chain_intermediate_revoked", cl, [crl_root.cert], chain=[ci.cert], crls=[crl_root.crl([ci.cert]), ci.crl()])

# Malformed but parseable certificates.
base, _ = root.issue("malformed")
def dup_ext(tbs):
    a, b = bytes.fromhex("060b2b0601040183b203030101"), bytes.fromhex("060b2b0601040183b203030102")
    assert a in tbs and b in tbs
    return tbs.replace(b, a)
X1 = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.55555.3.1.1"), b"\x05\x00")
X2 = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.55555.3.1.2"), b"\x05\x00")
two, _ = root.issue("dup", extra=[(X1, False), (X2, False)])
case("malformed_duplicate_extension", der_pem(resign(two, root.key, dup_ext)), [root.cert])
neg, _ = root.issue("neg", serial=0x12345678)
case("malformed_negative_serial", der_pem(resign(neg, root.key, lambda t: t.replace(bytes.fromhex("020412345678"), bytes.fromhex("020492345678"), 1))), [root.cert])
long_serial = 0x7f << (8 * 19)
lg, _ = root.issue("long", serial=long_serial)
def longer(t):
    old = b"\x02\x14" + long_serial.to_bytes(20, "big")
    assert old in t
    return t.replace(old, b"\x02\x15" + b"\x7f" * 21, 1)
case("malformed_serial_21_bytes", der_pem(resign(lg, root.key, longer)), [root.cert])
case("serial_20_bytes", lg, [root.cert])
case("malformed_v2_with_extensions", der_pem(resign(base, root.key, lambda t: t.replace(b"\xa0\x03\x02\x01\x02", b"\xa0\x03\x02\x01\x01", 1))), [root.cert])
badsan, _ = root.issue("badsan", sans=[D("xxxxxxxx.example.com")])
case("malformed_san", der_pem(resign(badsan, root.key, lambda t: t.replace(b"\x82\x14xxxxxxxx", b"\x82\x14\xff\xfe\x00\x01xxxx", 1))), [root.cert])
raw = base.public_bytes(serialization.Encoding.DER)
outer_alg = bytes.fromhex("300a06082a8648ce3d040302")
i = raw.rfind(outer_alg)
case("malformed_signature_algorithms_disagree", der_pem(raw[:i] + bytes.fromhex("300a06082a8648ce3d040303") + raw[i + len(outer_alg):]), [root.cert])
case("malformed_trailing_data", der_pem(raw + b"\x00\x00\x00"), [root.cert])

# Time: --at exactly, with its fraction of a second.
l, _ = root.issue(nb=T(2030, 1, 1, 0, 0, 1))
case("time_fraction_before_not_before", l, [root.cert], at=T(2030, 1, 1) + datetime.timedelta(milliseconds=1))
l, _ = root.issue(na=T(2030))
case("time_fraction_after_not_after", l, [root.cert], at=T(2030) + datetime.timedelta(milliseconds=500))
case("time_exactly_not_after", l, [root.cert], at=T(2030))

# --max-depth.
d1 = CA("Corpus Depth 1", parent=root)
d2 = CA("Corpus Depth 2", parent=d1)
l, _ = d2.issue()
case("max_depth_2_two_intermediates", l, [root.cert], chain=[d2.cert, d1.cert], args=["--max-depth", "2"], ossl=["-verify_depth", "2"])
case("max_depth_1_two_intermediates", l, [root.cert], chain=[d2.cert, d1.cert], args=["--max-depth", "1"], ossl=["-verify_depth", "1"])

# Names: --email, --hostname, --ip.
l, _ = root.issue("mail", sans=[E("alice@example.com"), D("mail.example.com"), IP(ipaddress.ip_address("10.9.9.9"))])
case("email_matches", l, [root.cert], args=["--email", "alice@example.com"], ossl=["-verify_email", "alice@example.com"])
case("email_mismatch", l, [root.cert], args=["--email", "bob@example.com"], ossl=["-verify_email", "bob@example.com"])
case("hostname_matches", l, [root.cert], args=["--hostname", "mail.example.com"], ossl=["-verify_hostname", "mail.example.com"])
case("ip_mismatch", l, [root.cert], args=["--ip", "10.9.9.8"], ossl=["-verify_ip", "10.9.9.8"])
case("hostname_and_email_both_checked", l, [root.cert], args=["--hostname", "mail.example.com", "--email", "bob@example.com"],
     ossl=["-verify_hostname", "mail.example.com", "-verify_email", "bob@example.com"])

# More CRL extension rules, name forms and signatures.
delta = (x509.CertificateRevocationListBuilder().issuer_name(crl_root.name).last_update(T(2029, 12, 1))
         .next_update(T(2030, 2, 1)).add_extension(x509.CRLNumber(3), critical=False)
         .add_extension(x509.DeltaCRLIndicator(2), critical=True).sign(crl_root.key, hashes.SHA256()))
case("crl_delta_only", good, [crl_root.cert], crls=[delta])
on = x509.OtherName(x509.ObjectIdentifier("1.3.6.1.4.1.55555.9"), b"\x0c\x01a")
i = CA("Corpus OtherName CA", parent=root, nc=([on], None))
l, _ = i.issue(sans=[D("leaf.example.com"), x509.OtherName(x509.ObjectIdentifier("1.3.6.1.4.1.55555.9"), b"\x0c\x01b")])
case("nc_unsupported_type_fails_closed", l, [root.cert], chain=[i.cert])
l, _ = root.issue("wild", sans=[D("*.example.com")])
case("hostname_wildcard_matches", l, [root.cert], args=["--hostname", "a.example.com"], ossl=["-verify_hostname", "a.example.com"])
case("hostname_wildcard_not_two_labels", l, [root.cert], args=["--hostname", "a.b.example.com"], ossl=["-verify_hostname", "a.b.example.com"])
sha1_leaf = make(name("sha1"), key().public_key(), root.name, root.key, root.key.public_key(), ca=False, ku=LEAF_KU,
                 eku=[ExtendedKeyUsageOID.CLIENT_AUTH], sans=[D("sha1.example.com")])
def sha1_resign(cert):
    tbs = cert.tbs_certificate_bytes.replace(bytes.fromhex("300a06082a8648ce3d040302"), bytes.fromhex("300906072a8648ce3d0401"), 1)
    hdr = 2 + (tbs[1] & 0x7f if tbs[1] & 0x80 else 0)
    content = tbs[hdr:]
    tbs = b"\x30" + der_len(len(content)) + content
    sig = root.key.sign(tbs, ec.ECDSA(hashes.SHA1()))
    body = tbs + bytes.fromhex("300906072a8648ce3d0401") + b"\x03" + der_len(len(sig) + 1) + b"\x00" + sig
    return b"\x30" + der_len(len(body)) + body
case("leaf_sha1_signature", der_pem(sha1_resign(sha1_leaf)), [root.cert])

with open(os.path.join(OUT, "cases.json"), "w") as f:
    json.dump(CASES, f, indent=1)
"#;

/// Each case and the code `mtlsctl verify` must answer.
const EXPECT: &[(&str, &str)] = &[
    ("valid_root_and_leaf", "valid"),
    // Trust anchors are certificates too.
    ("anchor_expired", "expired"),
    ("anchor_not_yet_valid", "not_yet_valid"),
    ("anchor_no_basic_constraints", "invalid_ca"),
    ("anchor_basic_constraints_not_critical", "valid"),
    ("anchor_ca_false", "invalid_ca"),
    ("anchor_no_key_cert_sign", "invalid_ca"),
    ("anchor_unknown_critical_extension", "unknown_critical_extension"),
    ("anchor_empty_subject", "invalid_ca"),
    ("anchor_rsa_1024", "weak_key"),
    ("anchor_dsa", "weak_key"),
    ("anchor_client_certificate_mints_clients", "invalid_ca"),
    ("issuing_ca_as_only_anchor", "valid"),
    ("issuing_ca_as_only_anchor_expired", "expired"),
    // Intermediates.
    ("intermediate_valid", "valid"),
    ("intermediate_ca_false", "invalid_ca"),
    ("intermediate_no_basic_constraints", "invalid_ca"),
    ("intermediate_no_key_cert_sign", "invalid_ca"),
    ("intermediate_expired", "expired"),
    ("intermediate_not_critical_basic_constraints", "valid"),
    ("intermediate_unknown_critical_extension", "unknown_critical_extension"),
    ("intermediate_rsa_1024", "weak_key"),
    ("intermediate_eku_server_only", "wrong_purpose"),
    // Leaves.
    ("leaf_expired", "expired"),
    ("leaf_not_yet_valid", "not_yet_valid"),
    ("leaf_key_cert_sign", "not_end_entity"),
    ("leaf_is_ca", "not_end_entity"),
    ("leaf_unknown_critical_extension", "unknown_critical_extension"),
    ("leaf_rsa_1024", "weak_key"),
    ("leaf_dsa", "weak_key"),
    ("leaf_p192", "weak_key"),
    ("leaf_rsa_2048", "valid"),
    ("leaf_p384", "valid"),
    ("leaf_ed25519", "valid"),
    ("leaf_server_only_checked_for_client", "wrong_purpose"),
    ("leaf_key_usage_no_signature", "wrong_purpose"),
    ("leaf_bad_signature", "bad_signature"),
    ("leaf_unknown_issuer", "unknown_issuer"),
    ("leaf_server_valid_for_server", "valid"),
    // pathLen, with and without self-issued certificates (§6.1.4 l-m).
    ("path_len_0_root_one_intermediate", "invalid_chain"),
    ("path_len_0_intermediate_two_below", "invalid_chain"),
    ("path_len_0_intermediate_leaf_below", "valid"),
    ("path_len_self_issued_exempt", "valid"),
    // Name constraints (§6.1.3 b-c, §6.1.4 g).
    ("nc_dns_permitted_inside", "valid"),
    ("nc_dns_permitted_outside", "name_constraints"),
    ("nc_dns_excluded", "name_constraints"),
    ("nc_dns_excluded_not_hit", "valid"),
    ("nc_ip_permitted_inside", "valid"),
    ("nc_ip_permitted_outside", "name_constraints"),
    ("nc_ip_excluded", "name_constraints"),
    ("nc_email_permitted_inside", "valid"),
    ("nc_email_permitted_outside", "name_constraints"),
    ("nc_email_excluded", "name_constraints"),
    ("nc_uri_permitted_inside", "valid"),
    ("nc_uri_permitted_outside", "name_constraints"),
    ("nc_uri_excluded", "name_constraints"),
    ("nc_dirname_permitted_inside", "valid"),
    ("nc_dirname_permitted_outside", "name_constraints"),
    ("nc_dirname_excluded", "name_constraints"),
    ("nc_inherited_through_intermediate", "name_constraints"),
    ("nc_inherited_inside", "valid"),
    ("nc_self_issued_exempt", "valid"),
    // CRLs (§6.3): issuer, extensions, entries.
    ("crl_not_revoked", "valid"),
    ("crl_revoked", "revoked"),
    ("crl_remove_from_crl_is_not_revocation", "valid"),
    ("crl_hold_is_revocation", "revoked"),
    ("crl_number_critical", "crl_invalid"),
    ("crl_number_missing", "valid"),
    ("crl_expired", "crl_expired"),
    ("crl_not_yet_valid", "crl_invalid"),
    ("crl_wrong_signer", "crl_invalid"),
    ("crl_missing_for_issuer", "revocation_unknown"),
    ("crl_issuer_without_crl_sign", "crl_invalid"),
    ("crl_chain_not_revoked", "valid"),
    ("crl_chain_intermediate_revoked", "revoked"),
    // Malformed but parseable.
    ("malformed_duplicate_extension", "malformed_certificate"),
    ("malformed_negative_serial", "malformed_certificate"),
    ("malformed_serial_21_bytes", "malformed_certificate"),
    ("serial_20_bytes", "valid"),
    ("malformed_v2_with_extensions", "malformed_certificate"),
    ("malformed_san", "malformed_certificate"),
    ("malformed_signature_algorithms_disagree", "malformed_certificate"),
    ("malformed_trailing_data", "malformed_certificate"),
    // Time, exactly.
    ("time_fraction_before_not_before", "not_yet_valid"),
    ("time_fraction_after_not_after", "expired"),
    ("time_exactly_not_after", "valid"),
    // --max-depth.
    ("max_depth_2_two_intermediates", "valid"),
    ("max_depth_1_two_intermediates", "chain_too_long"),
    // Names.
    ("email_matches", "valid"),
    ("email_mismatch", "name_mismatch"),
    ("hostname_matches", "valid"),
    ("ip_mismatch", "name_mismatch"),
    ("hostname_and_email_both_checked", "name_mismatch"),
    ("hostname_wildcard_matches", "valid"),
    ("hostname_wildcard_not_two_labels", "name_mismatch"),
    // More CRL, name-constraint and signature rules.
    ("crl_delta_only", "crl_invalid"),
    ("nc_unsupported_type_fails_closed", "name_constraints"),
    ("leaf_sha1_signature", "weak_signature"),
];

/// Where mtlsctl and `openssl verify -x509_strict` disagree on purpose, and
/// why. The same table is in docs/verify.md.
const DIFFERENCES: &[(&str, &str)] = &[
    (
        "anchor_basic_constraints_not_critical",
        "CA:TRUE marked non-critical is accepted with a warning: easy-rsa 3.1 writes it, OpenSSL's default verify and nginx accept it",
    ),
    (
        "intermediate_not_critical_basic_constraints",
        "CA:TRUE marked non-critical is accepted with a warning, anywhere in the path",
    ),
    ("anchor_rsa_1024", "weak keys are refused; OpenSSL at its default security level 1 accepts RSA-1024"),
    ("anchor_dsa", "DSA is refused; OpenSSL still verifies DSA signatures"),
    ("intermediate_rsa_1024", "weak keys are refused anywhere in the path"),
    ("leaf_rsa_1024", "weak keys are refused in leaves too"),
    ("leaf_dsa", "DSA is refused in leaves too"),
    ("leaf_p192", "only P-256, P-384 and P-521 are accepted; OpenSSL accepts P-192"),
    (
        "leaf_is_ca",
        "a CA certificate is not a client or server certificate (not_end_entity); OpenSSL's TLS purposes accept one",
    ),
    ("malformed_duplicate_extension", "RFC 5280 §4.2 forbids two instances of an extension; OpenSSL does not check"),
    ("malformed_negative_serial", "RFC 5280 §4.1.2.2 requires a positive serial; OpenSSL does not check"),
    ("malformed_serial_21_bytes", "RFC 5280 §4.1.2.2 allows at most 20 octets; OpenSSL does not check"),
    ("malformed_san", "a subjectAltName that does not decode is refused; OpenSSL ignores it without a name check"),
    (
        "malformed_trailing_data",
        "bytes after the certificate's DER mean a damaged or spliced file; OpenSSL ignores them",
    ),
    (
        "leaf_sha1_signature",
        "SHA-1 signatures are refused (collisions are practical); OpenSSL 3.0 at level 1 accepts them",
    ),
    (
        "time_exactly_not_after",
        "RFC 5280 §4.1.2.5: the validity period includes notAfter; OpenSSL treats the notAfter second itself as expired",
    ),
];

/// Cases on which OpenSSL releases disagree with each other, so that either of
/// its answers is accepted (mtlsctl's answer is still the one EXPECT names).
/// The same list is in docs/verify.md.
const OPENSSL_VARIES: &[(&str, &str)] = &[(
    "crl_delta_only",
    "a delta CRL alone is not the complete CRL (RFC 5280 §5.2.4); OpenSSL 3.0.19 and 3.0.20 take it as one and answer OK, 3.0.22 refuses it",
)];

fn generate(dir: &Path) -> Vec<Value> {
    let out = Command::new(require_peer("python3")).arg("-c").arg(GENERATOR).arg(dir).output().expect("run python3");
    assert!(
        out.status.success(),
        "the corpus generator failed (python3 with the `cryptography` package is required):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.join("cases.json")).expect("cases.json");
    serde_json::from_str::<Value>(&text).expect("cases.json parses").as_array().expect("an array").clone()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// `mtlsctl verify` on one case: (exit code, JSON, stderr).
fn mtlsctl(env: &Env, dir: &Path, case: &Value) -> (i32, Value, String) {
    let d = |f: &str| dir.join(s(&case["name"])).join(f).display().to_string();
    let mut args = vec!["--json".to_string(), "verify".into(), "--ca".into(), d("ca.pem")];
    args.extend(["--purpose".into(), s(&case["purpose"]).to_string(), "--at".into(), s(&case["at"]).to_string()]);
    if case["crl"].as_bool() == Some(true) {
        args.extend(["--crl".into(), d("crl.pem")]);
    } else {
        args.push("--no-crl".into());
    }
    args.extend(case["args"].as_array().expect("args").iter().map(|a| s(a).to_string()));
    args.push(d("leaf.pem"));
    let r = env.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let json = serde_json::from_str(&r.stdout).unwrap_or(Value::Null);
    (r.code, json, r.stderr)
}

/// `openssl verify -x509_strict -purpose ... [-crl_check_all]` on the same case: valid?
fn openssl_says_valid(dir: &Path, case: &Value) -> (bool, String) {
    let d = |f: &str| dir.join(s(&case["name"])).join(f).display().to_string();
    let purpose = if s(&case["purpose"]) == "server" { "sslserver" } else { "sslclient" };
    let attime = case["attime"].as_i64().expect("attime").to_string();
    let mut args = vec!["verify".to_string(), "-x509_strict".into(), "-purpose".into(), purpose.into()];
    args.extend(["-CAfile".into(), d("ca.pem"), "-attime".into(), attime]);
    if case["chain"].as_bool() == Some(true) {
        args.extend(["-untrusted".into(), d("chain.pem")]);
    }
    if case["crl"].as_bool() == Some(true) {
        args.extend(["-crl_check_all".into(), "-CRLfile".into(), d("crl.pem")]);
    }
    // mtlsctl trusts a CA that is not self-signed when --ca holds no root; OpenSSL needs -partial_chain for that.
    if case["partial"].as_bool() == Some(true) {
        args.push("-partial_chain".into());
    }
    args.extend(case["ossl"].as_array().expect("ossl").iter().map(|a| s(a).to_string()));
    args.push(d("leaf.pem"));
    let r = peer("openssl", &args.iter().map(String::as_str).collect::<Vec<_>>(), dir);
    (r.code == 0, format!("{}{}", r.stdout, r.stderr).trim().to_string())
}

/// Library words must never reach the user.
fn library_words(message: &str) -> Option<&'static str> {
    ["UnsupportedCriticalExtension", "NomError", "TrailingData", "Context {", "BadDer", "webpki", "X509Error"]
        .into_iter()
        .find(|w| message.contains(w))
}

/// One case against its expectation and OpenSSL; problems are pushed to `fails`.
fn check_case(env: &Env, dir: &Path, case: &Value, expect: &BTreeMap<&str, &str>, fails: &mut Vec<String>) -> bool {
    let name = s(&case["name"]);
    let (code, json, stderr) = mtlsctl(env, dir, case);
    let Some(&want) = expect.get(name) else {
        fails.push(format!("{name}: no expected code in EXPECT"));
        return false;
    };
    let got = s(&json["code"]);
    let valid = json["valid"].as_bool() == Some(true);
    if got != want {
        fails.push(format!("{name}: expected {want}, got {got:?} (exit {code}): {} {stderr}", s(&json["message"])));
    }
    if code != if valid { 0 } else { 3 } {
        fails.push(format!("{name}: exit {code} for valid={valid}"));
    }
    if let Some(w) = library_words(s(&json["message"])) {
        fails.push(format!("{name}: library words ({w}) in {:?}", s(&json["message"])));
    }
    // The same instant: "00.500Z" and "00.5Z" are one time.
    let instant = |t: &str| match t.trim_end_matches('Z').split_once('.') {
        Some((whole, frac)) => format!("{whole}.{}", frac.trim_end_matches('0')),
        None => format!("{}.", t.trim_end_matches('Z')),
    };
    if instant(s(&json["at"])) != instant(s(&case["at"])) {
        fails.push(format!("{name}: --at {} reported as {}", s(&case["at"]), s(&json["at"])));
    }
    let (ossl_valid, ossl_words) = openssl_says_valid(dir, case);
    if OPENSSL_VARIES.iter().any(|(n, _)| *n == name) {
        eprintln!("{name}: OpenSSL says {ossl_words:?} (its releases differ here)");
        return false;
    }
    let documented = DIFFERENCES.iter().any(|(n, _)| *n == name);
    let differs = ossl_valid != valid;
    if differs && !documented {
        fails.push(format!("{name}: mtlsctl says {got}, OpenSSL says {ossl_words:?}: an undocumented difference"));
    }
    if documented && !differs {
        fails.push(format!("{name}: listed in DIFFERENCES but mtlsctl and OpenSSL agree ({got})"));
    }
    differs
}

#[test]
fn verify_corpus_follows_the_rules_and_differs_from_openssl_only_where_documented() {
    let env = Env::new();
    let dir = env.path().join("corpus");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let cases = generate(&dir);
    let expect: BTreeMap<&str, &str> = EXPECT.iter().copied().collect();
    assert_eq!(expect.len(), EXPECT.len(), "a case is listed twice in EXPECT");
    let mut fails = Vec::new();
    let mut differences = 0;
    for case in &cases {
        differences += usize::from(check_case(&env, &dir, case, &expect, &mut fails));
    }
    let made: Vec<&str> = cases.iter().map(|c| s(&c["name"])).collect();
    for (name, _) in EXPECT {
        if !made.contains(name) {
            fails.push(format!("{name}: in EXPECT but the generator made no such case"));
        }
    }
    assert!(fails.is_empty(), "{} of {} cases failed:\n{}", fails.len(), cases.len(), fails.join("\n"));
    assert_eq!(differences, DIFFERENCES.len());
    assert!(cases.len() >= 90, "the corpus shrank to {} cases", cases.len());
}

#[test]
fn docs_verify_md_lists_every_difference_and_code() {
    let doc = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/verify.md"))
        .expect("docs/verify.md");
    for (name, _) in DIFFERENCES.iter().chain(OPENSSL_VARIES) {
        assert!(doc.contains(&format!("`{name}`")), "docs/verify.md does not list the difference {name}");
    }
    let mut codes: Vec<&str> = EXPECT.iter().map(|(_, c)| *c).collect();
    codes.dedup();
    for code in codes {
        assert!(doc.contains(&format!("`{code}`")), "docs/verify.md does not describe the code {code}");
    }
}

#[test]
fn a_missing_crl_number_is_a_warning_and_a_fraction_of_a_second_is_kept() {
    let env = Env::new();
    let dir = env.path().join("corpus");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let cases = generate(&dir);
    let find = |n: &str| cases.iter().find(|c| s(&c["name"]) == n).expect("case").clone();
    let (code, json, stderr) = mtlsctl(&env, &dir, &find("crl_number_missing"));
    assert_eq!((code, s(&json["code"])), (0, "valid"));
    assert!(stderr.contains("no CRL number"), "{stderr}");
    let (_, json, _) = mtlsctl(&env, &dir, &find("time_fraction_before_not_before"));
    assert_eq!(s(&json["at"]), "2030-01-01T00:00:00.001Z");
    // Malformed certificates answer on stdout with exit 3, in words.
    let (code, json, _) = mtlsctl(&env, &dir, &find("malformed_duplicate_extension"));
    assert_eq!(code, 3);
    assert!(s(&json["message"]).contains("the same extension twice"), "{json}");
}

#[test]
fn revoke_refuses_remove_from_crl_and_gen_crl_warns_about_such_lines() {
    let env = Env::new().with_ca();
    env.issue("old", &[]);
    let before = env.snapshot();
    env.run(&["revoke", "--cn", "old", "--reason", "remove-from-crl"]).code(1).stderr_has("delta CRLs");
    assert_eq!(env.snapshot(), before, "the refused revoke changed the store");
    // Another tool writes such a line; gen-crl says what it means.
    let serial =
        env.run(&["--json", "list"]).ok().json()["certificates"][0]["serial"].as_str().expect("serial").to_string();
    let cert = format!("pki/newcerts/{serial}.pem");
    openssl(env.path(), &["ca", "-config", "pki/openssl.cnf", "-revoke", &cert, "-crl_reason", "removeFromCRL"]);
    env.run(&["gen-crl"]).ok().stderr_has("removeFromCRL");
    // verify reads the entry as OpenSSL does: not a revocation.
    let leaf = env.issued("old", "cert.pem");
    let r = env.run(&["--json", "verify", leaf.to_str().expect("utf-8")]).ok();
    assert_eq!(r.json()["code"], "valid");
    let ossl = peer(
        "openssl",
        &[
            "verify",
            "-crl_check",
            "-CAfile",
            "pki/certs/ca.crt",
            "-CRLfile",
            "pki/crl/ca.crl",
            leaf.to_str().expect("utf-8"),
        ],
        env.path(),
    );
    assert_eq!(ossl.code, 0, "{}{}", ossl.stdout, ossl.stderr);
}
