//! Is the leaf valid for a name: DNS names (with a leftmost wildcard label,
//! as TLS reads them), IP addresses and e-mail addresses, from its SANs only.

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;

use super::Subject;

pub(super) fn matches(leaf: &X509Certificate<'_>, want: &Subject) -> bool {
    let Ok(Some(san)) = leaf.subject_alternative_name() else { return false };
    san.value.general_names.iter().any(|g| match (g, want) {
        (GeneralName::DNSName(d), Subject::Dns(h)) => dns_matches(d, h),
        (GeneralName::IPAddress(b), Subject::Ip(ip)) => match ip {
            std::net::IpAddr::V4(v4) => *b == v4.octets().as_slice(),
            std::net::IpAddr::V6(v6) => *b == v6.octets().as_slice(),
        },
        (GeneralName::RFC822Name(e), Subject::Email(want)) => email_matches(e, want),
        _ => false,
    })
}

fn dns_matches(presented: &str, host: &str) -> bool {
    let p = presented.trim_end_matches('.').to_ascii_lowercase();
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    if let Some(rest) = p.strip_prefix("*.") {
        // One label, never the bare parent, and never a wildcard over a public suffix-like single label.
        return rest.contains('.') && h.split_once('.').is_some_and(|(first, tail)| !first.is_empty() && tail == rest);
    }
    p == h
}

/// The local part exactly, the domain without regard to case.
fn email_matches(presented: &str, want: &str) -> bool {
    match (presented.rsplit_once('@'), want.rsplit_once('@')) {
        (Some((pl, pd)), Some((wl, wd))) => pl == wl && pd.eq_ignore_ascii_case(wd),
        _ => false,
    }
}
