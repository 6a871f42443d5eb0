//! The CA's own rules applied before signing: name constraints, those of the
//! signing CA and of every CA above it (RFC 5280 applies them all along a path).

use anyhow::{Context, bail};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};

use super::names::San;

/// Whether `name` is `base` or below it (`base` may be written `.example.com`).
pub fn dns_within(name: &str, base: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let name = name.strip_prefix("*.").unwrap_or(&name);
    let base = base.trim_end_matches('.').to_ascii_lowercase();
    if let Some(b) = base.strip_prefix('.') {
        return name.ends_with(&format!(".{b}"));
    }
    name == base || name.ends_with(&format!(".{base}"))
}

/// The DNS name constraints of one CA certificate: (permitted, excluded).
fn dns_constraints(ca: &X509Certificate<'_>) -> Option<(Vec<String>, Vec<String>)> {
    let nc = ca.extensions().iter().find_map(|e| match e.parsed_extension() {
        ParsedExtension::NameConstraints(nc) => Some(nc),
        _ => None,
    })?;
    let dns = |subtrees: &Option<Vec<x509_parser::extensions::GeneralSubtree<'_>>>| -> Vec<String> {
        subtrees
            .iter()
            .flatten()
            .filter_map(|s| match s.base {
                GeneralName::DNSName(d) => Some(d.to_string()),
                _ => None,
            })
            .collect()
    };
    Some((dns(&nc.permitted_subtrees), dns(&nc.excluded_subtrees)))
}

/// The DNS-like names of a subject: DNS SANs, e-mail domains, and a CN that
/// looks like a DNS name (some verifiers still fall back to it).
fn dns_names(cn: &str, sans: &[San]) -> Vec<String> {
    let mut names: Vec<String> = sans
        .iter()
        .filter_map(|s| match s {
            San::Dns(d) => Some(d.clone()),
            San::Email(e) => e.rsplit_once('@').map(|(_, d)| d.to_string()),
            _ => None,
        })
        .collect();
    if cn.contains('.') && super::names::check_dns_name(cn).is_ok() {
        names.push(cn.to_string());
    }
    names
}

/// Refuse a name outside one CA's DNS name constraints; `whose` names that CA.
fn check_against(ca: &X509Certificate<'_>, whose: &str, names: &[String]) -> anyhow::Result<()> {
    let Some((permitted, excluded)) = dns_constraints(ca) else { return Ok(()) };
    for n in names {
        if let Some(ex) = excluded.iter().find(|b| dns_within(n, b)) {
            bail!("'{n}' is excluded by the name constraints of {whose} (excluded: {ex})");
        }
        if !permitted.is_empty() && !permitted.iter().any(|b| dns_within(n, b)) {
            bail!("'{n}' is outside the name constraints of {whose} (permitted: {})", permitted.join(", "));
        }
    }
    Ok(())
}

/// Refuse a CN or SAN outside the signing CA's DNS name constraints.
pub fn check_names(ca: &X509Certificate<'_>, cn: &str, sans: &[San]) -> anyhow::Result<()> {
    check_against(ca, "the CA", &dns_names(cn, sans))
}

/// Each CA of `chain` (DER, the signing CA first, as certs/ca-chain.crt holds
/// it) with the words that name it.
fn chain_cas(chain: &[Vec<u8>]) -> anyhow::Result<Vec<(X509Certificate<'_>, String)>> {
    chain
        .iter()
        .enumerate()
        .map(|(i, der)| {
            let ca = super::certinfo::parse(der).context("cannot read a certificate of the CA chain")?;
            let whose = if i == 0 {
                "the CA".to_string()
            } else {
                format!("the CA above it \"{}\"", super::names::display_name(ca.subject()))
            };
            Ok((ca, whose))
        })
        .collect()
}

/// Refuse a CN or SAN outside the name constraints of any CA of `chain`: a
/// verifier applies every CA's constraints along the path, so a name one of
/// them forbids makes a certificate no conforming client accepts.
pub fn check_names_in_chain(chain: &[Vec<u8>], cn: &str, sans: &[San]) -> anyhow::Result<()> {
    let names = dns_names(cn, sans);
    for (ca, whose) in chain_cas(chain)? {
        check_against(&ca, &whose, &names)?;
    }
    Ok(())
}

/// Refuse a new CA's permitted DNS subtrees that reach outside the constraints
/// of a CA of `chain` (its parents): a subordinate may only narrow them.
pub fn check_subtrees_in_chain(chain: &[Vec<u8>], permitted: &[String]) -> anyhow::Result<()> {
    for (ca, whose) in chain_cas(chain)? {
        check_against(&ca, &whose, permitted).context("the new CA's --permitted-dns must lie within its parents'")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::dns_within;

    #[test]
    fn within() {
        assert!(dns_within("api.example.com", "example.com"));
        assert!(dns_within("example.com", "example.com"));
        assert!(!dns_within("badexample.com", "example.com"));
        assert!(!dns_within("example.com", ".example.com"));
        assert!(dns_within("*.svc.example.com", "example.com"));
        assert!(dns_within(".svc.example.com", "example.com"));
        assert!(!dns_within("example.com", ".example.com"));
    }
}
