//! The CA's own rules applied before signing: name constraints.

use anyhow::bail;
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

/// Refuse a CN or SAN outside the CA's DNS name constraints. A CN that looks
/// like a DNS name is checked too, since some verifiers still fall back to it.
pub fn check_names(ca: &X509Certificate<'_>, cn: &str, sans: &[San]) -> anyhow::Result<()> {
    let Some(nc) = ca.extensions().iter().find_map(|e| match e.parsed_extension() {
        ParsedExtension::NameConstraints(nc) => Some(nc),
        _ => None,
    }) else {
        return Ok(());
    };
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
    let permitted = dns(&nc.permitted_subtrees);
    let excluded = dns(&nc.excluded_subtrees);
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
    for n in &names {
        if let Some(ex) = excluded.iter().find(|b| dns_within(n, b)) {
            bail!("'{n}' is excluded by the CA's name constraints (excluded: {ex})");
        }
        if !permitted.is_empty() && !permitted.iter().any(|b| dns_within(n, b)) {
            bail!("'{n}' is outside the CA's name constraints (permitted: {})", permitted.join(", "));
        }
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
    }
}
