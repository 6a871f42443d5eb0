//! Name constraints (RFC 5280 §4.2.1.10, §6.1.3 b-c): every name of a
//! certificate below a constraining CA must lie inside each permitted set of
//! its type and outside every excluded subtree. DNS, IP, e-mail, URI and
//! directory names are processed; a constraint of any other type refuses a
//! certificate that has a name of that type (fail closed).

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, NameConstraints};
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

use crate::pki::names;

/// The kinds of names, for "a permitted set of this type".
fn kind(g: &GeneralName<'_>) -> u8 {
    match g {
        GeneralName::OtherName(..) => 0,
        GeneralName::RFC822Name(_) => 1,
        GeneralName::DNSName(_) => 2,
        GeneralName::X400Address(_) => 3,
        GeneralName::DirectoryName(_) => 4,
        GeneralName::EDIPartyName(_) => 5,
        GeneralName::URI(_) => 6,
        GeneralName::IPAddress(_) => 7,
        GeneralName::RegisteredID(_) => 8,
        GeneralName::Invalid(..) => 9,
    }
}

/// A name of the certificate, as checked against constraints.
enum Name<'a> {
    General(&'a GeneralName<'a>),
    Dns(String),
    Email(String),
    Dn(&'a X509Name<'a>),
}

impl Name<'_> {
    fn kind(&self) -> u8 {
        match self {
            Self::General(g) => kind(g),
            Self::Dns(_) => 2,
            Self::Email(_) => 1,
            Self::Dn(_) => 4,
        }
    }

    fn words(&self) -> String {
        match self {
            Self::General(g) => match g {
                GeneralName::DNSName(d) => format!("DNS name {d}"),
                GeneralName::RFC822Name(e) => format!("e-mail address {e}"),
                GeneralName::URI(u) => format!("URI {u}"),
                GeneralName::IPAddress(b) => format!("IP address {}", ip_words(b)),
                GeneralName::DirectoryName(n) => format!("directory name {}", names::display_name(n)),
                _ => "a name of a type mtlsctl cannot check".into(),
            },
            Self::Dns(d) => format!("common name {d}"),
            Self::Email(e) => format!("e-mail address {e}"),
            Self::Dn(n) => format!("subject {}", names::display_name(n)),
        }
    }
}

fn ip_words(b: &[u8]) -> String {
    match b.len() {
        4 => std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string(),
        16 => <[u8; 16]>::try_from(b).map(|a| std::net::Ipv6Addr::from(a).to_string()).unwrap_or_default(),
        _ => "(malformed)".into(),
    }
}

/// The names of `cert` that constraints apply to.
fn names_of<'a>(cert: &'a X509Certificate<'a>, leaf: bool, out: &mut Vec<Name<'a>>) {
    if cert.subject().iter_rdn().next().is_some() {
        out.push(Name::Dn(cert.subject()));
    }
    for e in cert.subject().iter_email() {
        if let Ok(s) = e.as_str() {
            out.push(Name::Email(s.to_string()));
        }
    }
    let mut has_dns = false;
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for g in &san.value.general_names {
            has_dns |= matches!(g, GeneralName::DNSName(_));
            out.push(Name::General(g));
        }
    }
    // As OpenSSL does: a leaf without DNS SANs is checked by a CN that looks like a host name.
    if leaf && !has_dns {
        for cn in cert.subject().iter_common_name() {
            if let Ok(s) = cn.as_str() {
                if s.contains('.') && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.*_".contains(&b)) {
                    out.push(Name::Dns(s.to_string()));
                }
            }
        }
    }
}

/// Check `cert` against the constraints of every CA above it; words for the first violation.
pub(super) fn check(sets: &[&NameConstraints<'_>], cert: &X509Certificate<'_>, leaf: bool) -> Result<(), String> {
    let mut all = Vec::new();
    names_of(cert, leaf, &mut all);
    for set in sets {
        for name in &all {
            let k = name.kind();
            if let Some(permitted) = &set.permitted_subtrees {
                let of_kind: Vec<_> = permitted.iter().filter(|s| kind(&s.base) == k).collect();
                if !of_kind.is_empty() && !of_kind.iter().any(|s| matches(name, &s.base) == Some(true)) {
                    return Err(format!("its {} is outside the names its issuing CA may certify", name.words()));
                }
            }
            if let Some(excluded) = &set.excluded_subtrees {
                if excluded.iter().any(|s| kind(&s.base) == k && matches(name, &s.base) != Some(false)) {
                    return Err(format!("its {} is excluded by a CA's name constraints", name.words()));
                }
            }
        }
    }
    Ok(())
}

/// Whether `name` lies inside the subtree `base` (same kind assumed); `None`
/// for kinds this policy cannot compare, which the callers treat as outside
/// every permitted subtree and inside every excluded one (fail closed).
fn matches(name: &Name<'_>, base: &GeneralName<'_>) -> Option<bool> {
    Some(match (name, base) {
        (Name::General(GeneralName::DNSName(n)), GeneralName::DNSName(b)) => dns_in(n, b),
        (Name::Dns(n), GeneralName::DNSName(b)) => dns_in(n, b),
        (Name::General(GeneralName::RFC822Name(n)), GeneralName::RFC822Name(b)) => email_in(n, b),
        (Name::Email(n), GeneralName::RFC822Name(b)) => email_in(n, b),
        (Name::General(GeneralName::URI(n)), GeneralName::URI(b)) => uri_in(n, b),
        (Name::General(GeneralName::IPAddress(n)), GeneralName::IPAddress(b)) => ip_in(n, b),
        (Name::General(GeneralName::DirectoryName(n)), GeneralName::DirectoryName(b)) => dn_in(n, b),
        (Name::Dn(n), GeneralName::DirectoryName(b)) => dn_in(n, b),
        _ => return None,
    })
}

/// `host.example.com` is inside `example.com`; `.example.com` holds subdomains only.
fn dns_in(name: &str, base: &str) -> bool {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    let b = base.trim_end_matches('.').to_ascii_lowercase();
    if b.is_empty() {
        return true;
    }
    if b.starts_with('.') {
        return n.ends_with(&b);
    }
    n == b || n.ends_with(&format!(".{b}"))
}

/// `user@host` is one mailbox, `host` all mailboxes at that host, `.host` its subdomains.
fn email_in(name: &str, base: &str) -> bool {
    let Some((local, domain)) = name.rsplit_once('@') else { return false };
    if let Some((blocal, bdomain)) = base.rsplit_once('@') {
        return local == blocal && domain.eq_ignore_ascii_case(bdomain);
    }
    let domain = domain.to_ascii_lowercase();
    let b = base.to_ascii_lowercase();
    if b.starts_with('.') { domain.ends_with(&b) } else { domain == b }
}

/// The host of a URI (`scheme://[user@]host[:port]/...`), compared as a DNS name.
fn uri_in(uri: &str, base: &str) -> bool {
    let Some((_, rest)) = uri.split_once("://") else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port.split(']').next().unwrap_or("").trim_start_matches('[')
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    if host.is_empty() {
        return false;
    }
    let b = base.to_ascii_lowercase();
    let h = host.to_ascii_lowercase();
    if b.starts_with('.') { h.ends_with(&b) } else { h == b }
}

/// An address inside address/mask of the same family.
fn ip_in(name: &[u8], base: &[u8]) -> bool {
    if base.len() != name.len() * 2 {
        return false;
    }
    let (addr, mask) = base.split_at(name.len());
    name.iter().zip(addr).zip(mask).all(|((n, a), m)| n & m == a & m)
}

/// The constraint's RDNs are the first RDNs of the name (values compared as
/// OpenSSL canonicalises them: case and repeated spaces ignored).
fn dn_in(name: &X509Name<'_>, base: &X509Name<'_>) -> bool {
    let n: Vec<_> = name.iter_rdn().collect();
    let b: Vec<_> = base.iter_rdn().collect();
    if b.len() > n.len() {
        return false;
    }
    b.iter().zip(&n).all(|(x, y)| {
        let xs: Vec<_> = x.iter().collect();
        let ys: Vec<_> = y.iter().collect();
        xs.len() == ys.len() && xs.iter().all(|a| ys.iter().any(|c| atv_eq(a, c)))
    })
}

fn atv_eq(a: &AttributeTypeAndValue<'_>, b: &AttributeTypeAndValue<'_>) -> bool {
    if a.attr_type() != b.attr_type() {
        return false;
    }
    let canon = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    match (a.as_str(), b.as_str()) {
        (Ok(x), Ok(y)) => canon(x) == canon(y),
        _ => a.attr_value().data == b.attr_value().data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtrees() {
        assert!(dns_in("a.example.com", "example.com"));
        assert!(dns_in("example.com", "example.com"));
        assert!(!dns_in("badexample.com", "example.com"));
        assert!(!dns_in("example.com", ".example.com"));
        assert!(email_in("a@example.com", "example.com"));
        assert!(!email_in("a@x.example.com", "example.com"));
        assert!(email_in("a@x.example.com", ".example.com"));
        assert!(email_in("a@EXAMPLE.com", "a@example.com"));
        assert!(!email_in("b@example.com", "a@example.com"));
        assert!(uri_in("spiffe://example.com/x", "example.com"));
        assert!(uri_in("https://u@h.example.com:8443/p", ".example.com"));
        assert!(!uri_in("urn:x:y", "example.com"));
        assert!(ip_in(&[10, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]));
        assert!(!ip_in(&[11, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]));
    }
}
