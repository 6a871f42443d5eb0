//! Subject names and subject alternative names: parsing what users type, and
//! printing names the way OpenSSL writes them in index.txt.

use std::net::IpAddr;

use anyhow::{Context, bail};
use rcgen::{DistinguishedName, DnType, SanType};
use serde::Serialize;
use x509_parser::x509::X509Name;

use super::build::Profile;

/// One subject alternative name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum San {
    Dns(String),
    Ip(IpAddr),
    Uri(String),
    Email(String),
}

/// For people: values from untrusted certificates and requests may hold
/// terminal escapes, so control characters are shown escaped (`printable`);
/// the JSON (`Serialize`) keeps the real value.
impl std::fmt::Display for San {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Dns(v) => write!(f, "dns:{}", printable(v)),
            Self::Ip(v) => write!(f, "ip:{v}"),
            Self::Uri(v) => write!(f, "uri:{}", printable(v)),
            Self::Email(v) => write!(f, "email:{}", printable(v)),
        }
    }
}

/// SANs for people: `dns:a, ip:10.0.0.1`.
pub fn join_sans(sans: &[San]) -> String {
    sans.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

impl San {
    /// Parse `dns:NAME`, `ip:ADDR`, `uri:URI`, `email:ADDR`; a bare value is
    /// taken as an IP address if it parses as one, else a DNS name.
    pub fn parse(spec: &str) -> anyhow::Result<Self> {
        let (kind, value) = match spec.split_once(':') {
            Some((k, v)) if matches!(k.to_ascii_lowercase().as_str(), "dns" | "ip" | "uri" | "email") => {
                (k.to_ascii_lowercase(), v)
            }
            Some((k, _)) if is_san_type_word(k) && spec.parse::<IpAddr>().is_err() && !spec.contains("://") => {
                if ["urn", "spiffe", "http", "https", "ldap", "tag"].contains(&k.to_ascii_lowercase().as_str()) {
                    bail!("invalid SAN '{spec}': a URI SAN is written uri:{spec}");
                }
                bail!(
                    "invalid SAN '{spec}': unknown type '{k}:'; a SAN is dns:NAME, ip:ADDR, uri:URI or email:ADDR (a bare name is taken as dns:, a bare address as ip:)"
                );
            }
            _ => {
                if spec.parse::<IpAddr>().is_ok() {
                    ("ip".to_string(), spec)
                } else if spec.contains("://") {
                    ("uri".to_string(), spec)
                } else {
                    ("dns".to_string(), spec)
                }
            }
        };
        if value.is_empty() {
            bail!("invalid SAN '{spec}': empty value");
        }
        match kind.as_str() {
            "dns" => {
                check_dns_name(value).with_context(|| format!("invalid SAN '{spec}'"))?;
                Ok(Self::Dns(value.to_ascii_lowercase()))
            }
            "ip" => {
                let ip = value
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<IpAddr>()
                    .with_context(|| format!("invalid SAN '{spec}': not an IP address"))?;
                Ok(Self::Ip(ip))
            }
            "uri" => {
                let Some((scheme, rest)) = value.split_once(':') else {
                    bail!("invalid SAN '{spec}': a URI needs a scheme, like spiffe://domain/path");
                };
                if scheme.is_empty()
                    || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                    || rest.is_empty()
                    || !value.is_ascii()
                    || value.chars().any(|c| c.is_ascii_control() || c == ' ')
                {
                    bail!("invalid SAN '{spec}': not a valid URI");
                }
                let scheme = scheme.to_ascii_lowercase();
                if ACTIVE_SCHEMES.contains(&scheme.as_str()) {
                    bail!(
                        "invalid SAN '{spec}': a {scheme}: URI is content a browser runs or opens, not an identity; use spiffe://, https:// or urn:"
                    );
                }
                Ok(Self::Uri(value.to_string()))
            }
            _ => {
                let Some((local, domain)) = value.rsplit_once('@') else {
                    bail!("invalid SAN '{spec}': an email address needs an @");
                };
                if local.is_empty() || !value.is_ascii() || value.chars().any(|c| c.is_ascii_control() || c == ' ') {
                    bail!("invalid SAN '{spec}': not a valid email address");
                }
                check_dns_name(domain).with_context(|| format!("invalid SAN '{spec}'"))?;
                Ok(Self::Email(value.to_string()))
            }
        }
    }

    pub fn to_rcgen(&self) -> anyhow::Result<SanType> {
        Ok(match self {
            Self::Dns(v) => SanType::DnsName(v.clone().try_into().context("DNS name is not ASCII")?),
            Self::Ip(ip) => SanType::IpAddress(*ip),
            Self::Uri(v) => SanType::URI(v.clone().try_into().context("URI is not ASCII")?),
            Self::Email(v) => SanType::Rfc822Name(v.clone().try_into().context("email is not ASCII")?),
        })
    }

    /// Read the SANs of a parsed certificate or request extension.
    pub fn from_general_name(gn: &x509_parser::extensions::GeneralName<'_>) -> Option<Self> {
        use x509_parser::extensions::GeneralName;
        match gn {
            GeneralName::DNSName(v) => Some(Self::Dns((*v).to_string())),
            GeneralName::URI(v) => Some(Self::Uri((*v).to_string())),
            GeneralName::RFC822Name(v) => Some(Self::Email((*v).to_string())),
            GeneralName::IPAddress(b) => match b.len() {
                4 => Some(Self::Ip(IpAddr::from(<[u8; 4]>::try_from(*b).ok()?))),
                16 => Some(Self::Ip(IpAddr::from(<[u8; 16]>::try_from(*b).ok()?))),
                _ => None,
            },
            _ => None,
        }
    }
}

/// What a user means as a SAN type before the `:` (`foo:bar`, `DNS:x`,
/// `IP Address:1.2.3.4`), rather than a part of a name.
fn is_san_type_word(k: &str) -> bool {
    !k.is_empty() && k.chars().all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '-' || c == '_')
}

/// URI schemes that carry content to run or open rather than name a party:
/// a URI SAN with one is refused (a viewer that links SANs would run it).
const ACTIVE_SCHEMES: &[&str] = &["javascript", "vbscript", "data", "file", "blob", "about"];

/// A DNS name as certificates carry it: ASCII labels of letters, digits and
/// hyphens (underscores tolerated, as service names use them), an optional
/// leading `*.` wildcard, at most 253 characters.
pub fn check_dns_name(name: &str) -> anyhow::Result<()> {
    let bare = name.strip_prefix("*.").unwrap_or(name);
    if name.len() > 253 {
        bail!("DNS name longer than 253 characters");
    }
    if bare.is_empty() {
        bail!("empty DNS name");
    }
    let labels: Vec<&str> = bare.trim_end_matches('.').split('.').collect();
    // No top-level domain is all digits: such a name is an IP address, which
    // peers match only against IP SANs.
    if labels.last().is_some_and(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit())) {
        bail!("'{name}' is an IP address (or ends in a numeric label), not a DNS name: give it as ip:ADDR");
    }
    if name.starts_with("*.") && labels.len() < 2 {
        bail!(
            "'{name}' would match every name under a top-level domain; a wildcard needs two labels after it, like *.example.com"
        );
    }
    for label in bare.trim_end_matches('.').split('.') {
        if label.is_empty() || label.len() > 63 {
            bail!("'{name}' is not a DNS name: empty or over-long label");
        }
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            bail!(
                "'{name}' is not a DNS name: a label holds only ASCII letters, digits, '-' and '_' (labels are joined by '.', and a leading '*.' is a wildcard)"
            );
        }
        if label.starts_with('-') || label.ends_with('-') {
            bail!("'{name}' is not a DNS name: a label starts or ends with '-'");
        }
    }
    Ok(())
}

/// A SPIFFE ID: `spiffe://trust-domain/path`, per the SPIFFE ID standard.
pub fn check_spiffe_id(id: &str) -> anyhow::Result<()> {
    let Some(rest) = id.strip_prefix("spiffe://") else {
        bail!("invalid SPIFFE ID '{id}': it must start with spiffe://");
    };
    let (domain, path) = rest.split_once('/').unwrap_or((rest, ""));
    if domain.is_empty() || !domain.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-._".contains(c)) {
        bail!("invalid SPIFFE ID '{id}': the trust domain must be lower-case letters, digits, '-', '.' or '_'");
    }
    if path.is_empty() {
        bail!("invalid SPIFFE ID '{id}': a workload ID needs a path, like spiffe://{domain}/ns/prod/sa/payments");
    }
    for seg in path.split('/') {
        if seg.is_empty() || seg == "." || seg == ".." {
            bail!("invalid SPIFFE ID '{id}': empty, '.' or '..' path segment");
        }
        if !seg.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c)) {
            bail!("invalid SPIFFE ID '{id}': path segments may hold only letters, digits, '-', '.' and '_'");
        }
    }
    if id.contains('?') || id.contains('#') || id.len() > 2048 {
        bail!("invalid SPIFFE ID '{id}'");
    }
    Ok(())
}

/// A common name as a subject attribute: printable, not absurdly long (RFC 5280 ub-common-name is 64,
/// which OpenSSL enforces with a policy; mtlsctl allows up to 64 too).
pub fn check_common_name(cn: &str) -> anyhow::Result<()> {
    if cn.trim().is_empty() {
        bail!("the common name is empty");
    }
    if cn.chars().count() > 64 {
        bail!(
            "the common name is {} characters long; X.509 allows at most 64 (RFC 5280 ub-common-name)",
            cn.chars().count()
        );
    }
    if cn.chars().any(|c| c.is_control()) {
        bail!("the common name contains control characters");
    }
    Ok(())
}

/// An organization (O) as a subject attribute: the same rules as the common
/// name, at most 64 characters (RFC 5280 ub-organization-name).
pub fn check_organization(org: &str) -> anyhow::Result<()> {
    if org.trim().is_empty() {
        bail!("the organization (O) is empty");
    }
    let len = org.chars().count();
    if len > 64 {
        bail!("the organization (O) is {len} characters long; X.509 allows at most 64 (RFC 5280 ub-organization-name)");
    }
    if org.chars().any(char::is_control) {
        bail!("the organization (O) contains control characters");
    }
    Ok(())
}

/// The most subject alternative names a certificate may carry: real ones have
/// a handful; thousands make certificates that peers choke on.
pub const MAX_SANS: usize = 256;

/// Refuse more than `MAX_SANS` names, with the count.
pub fn check_san_count(count: usize) -> anyhow::Result<()> {
    if count > MAX_SANS {
        bail!("{count} subject alternative names is too many; mtlsctl issues at most {MAX_SANS} per certificate");
    }
    Ok(())
}

/// A certificate subject as mtlsctl issues it: CN, O, SANs and profile, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub cn: String,
    pub org: Option<String>,
    pub sans: Vec<San>,
    pub profile: Profile,
    /// An X.509-SVID: its one URI SAN is the SPIFFE ID.
    pub spiffe: bool,
}

/// Why names cannot make a subject; the face words each for the input it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("invalid common name: {0}")]
    CommonName(String),
    #[error("a SPIFFE ID is the certificate's only URI SAN; an X.509-SVID has exactly one")]
    SpiffeWithUri,
    #[error("a {} certificate needs a DNS name or IP: '{cn}' is neither", .profile.name())]
    ServerNeedsName { cn: String, profile: Profile },
}

impl Subject {
    /// The subject, SANs and profile of an issued certificate (to renew it):
    /// the profile from its EKUs, SPIFFE when its one URI SAN is a SPIFFE ID.
    pub fn of_certificate(cert: &x509_parser::certificate::X509Certificate<'_>) -> anyhow::Result<Self> {
        let cn = common_name(cert.subject()).context("the certificate has no common name")?;
        let org = cert.subject().iter_organization().next().and_then(|o| o.as_str().ok()).map(str::to_string);
        let sans = super::certinfo::sans(cert);
        let (server, client) = super::certinfo::eku_flags(cert).unwrap_or((true, true));
        let profile = Profile::from_ekus(server, client).unwrap_or(Profile::Peer);
        let uris: Vec<&San> = sans.iter().filter(|s| matches!(s, San::Uri(_))).collect();
        let spiffe = uris.len() == 1 && matches!(uris[0], San::Uri(u) if u.starts_with("spiffe://"));
        Ok(Self { cn, org, sans, profile, spiffe })
    }

    /// Validate CN and SPIFFE ID and apply the profile defaults: client, or
    /// peer for a SPIFFE ID; a server or peer certificate without a DNS or IP
    /// SAN gets its CN as one when the CN is a DNS name or an IP. The SANs come
    /// parsed (`San::parse`); a SAN given twice is kept once.
    pub fn from_names(
        cn: &str,
        org: Option<&str>,
        sans: &[San],
        spiffe_id: Option<&str>,
        profile: Option<Profile>,
    ) -> anyhow::Result<Self> {
        check_subject_cn(cn)?;
        if let Some(o) = org {
            check_organization(o)?;
        }
        check_san_count(sans.len() + usize::from(spiffe_id.is_some()))?;
        let mut out: Vec<San> = Vec::new();
        for s in sans {
            if !out.contains(s) {
                out.push(s.clone());
            }
        }
        if let Some(id) = spiffe_id {
            check_spiffe_id(id)?;
            if out.iter().any(|s| matches!(s, San::Uri(_))) {
                return Err(NameError::SpiffeWithUri.into());
            }
            out.insert(0, San::Uri(id.to_string()));
        }
        let profile = profile.unwrap_or(if spiffe_id.is_some() { Profile::Peer } else { Profile::Client });
        // A server certificate without SANs fails hostname checks everywhere.
        if profile != Profile::Client
            && spiffe_id.is_none()
            && !out.iter().any(|s| matches!(s, San::Dns(_) | San::Ip(_)))
        {
            if let Ok(ip) = cn.parse() {
                out.push(San::Ip(ip));
            } else if check_dns_name(cn).is_ok() {
                out.push(San::Dns(cn.to_ascii_lowercase()));
            } else {
                // A peer is a server too: without a name to check, it fails like one.
                return Err(NameError::ServerNeedsName { cn: cn.to_string(), profile }.into());
            }
        }
        Ok(Self { cn: cn.to_string(), org: org.map(str::to_string), sans: out, profile, spiffe: spiffe_id.is_some() })
    }
}

/// The check of a subject's CN, as `Subject::from_names` makes it first: callers
/// that parse SANs from text make it before, so a bad CN is reported before a
/// bad SAN.
pub fn check_subject_cn(cn: &str) -> Result<(), NameError> {
    check_common_name(cn).map_err(|e| NameError::CommonName(format!("{e:#}")))
}

/// Build a subject from a CN and optional O.
pub fn subject(cn: &str, org: Option<&str>) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    if let Some(o) = org {
        dn.push(DnType::OrganizationName, o);
    }
    dn
}

/// The short names OpenSSL uses for attribute types in `X509_NAME_oneline`.
fn short_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "street",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.12" => "title",
        "2.5.4.42" => "GN",
        "2.5.4.43" => "initials",
        "2.5.4.44" => "generationQualifier",
        "2.5.4.46" => "dnQualifier",
        "2.5.4.65" => "pseudonym",
        "2.5.4.17" => "postalCode",
        "2.5.4.97" => "organizationIdentifier",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        _ => return None,
    })
}

/// A name as `X509_NAME_oneline` (OpenSSL 3) prints it, which is what `openssl ca`
/// stores in index.txt: `/CN=value/O=value`, with `/` and `+` escaped by a
/// backslash and bytes outside printable ASCII as `\xHH`.
pub fn openssl_oneline(name: &X509Name<'_>) -> String {
    let mut out = String::new();
    for rdn in name.iter() {
        for attr in rdn.iter() {
            let oid = attr.attr_type().to_id_string();
            out.push('/');
            out.push_str(short_name(&oid).unwrap_or(&oid));
            out.push('=');
            push_escaped(&mut out, attr.attr_value().data);
        }
    }
    out
}

fn push_escaped(out: &mut String, bytes: &[u8]) {
    for &b in bytes {
        if !(b' '..=b'~').contains(&b) {
            out.push_str(&format!("\\x{b:02X}"));
        } else {
            if b == b'/' || b == b'+' {
                out.push('\\');
            }
            out.push(b as char);
        }
    }
}

/// Undo `X509_NAME_oneline` escaping: `\/`, `\+` and `\xHH` (UTF-8 bytes).
/// Works on bytes: an index line written by another tool may put a backslash
/// anywhere, even before a multi-byte character.
pub fn unescape_oneline(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            match bytes.get(i + 1) {
                Some(&b @ (b'/' | b'+')) => {
                    out.push(b);
                    i += 2;
                    continue;
                }
                Some(b'x') => {
                    if let Some(b) = bytes.get(i + 2..i + 4).and_then(hex_byte) {
                        out.push(b);
                        i += 4;
                        continue;
                    }
                }
                _ => {}
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An index.txt subject (`/CN=x/O=y`, OpenSSL's oneline escaping) in the form
/// every JSON subject takes, `CN=x, O=y`: the same order, values unescaped,
/// control characters escaped. A line another tool wrote without the leading
/// `/` is shown unescaped as it is.
pub fn oneline_to_display(oneline: &str) -> String {
    let Some(rest) = oneline.strip_prefix('/') else { return printable(&unescape_oneline(oneline)) };
    let bytes = rest.as_bytes();
    let (mut parts, mut start, mut i) = (Vec::new(), 0, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if matches!(bytes.get(i + 1), Some(b'/' | b'+')) => i += 2,
            b'/' | b'+' => {
                parts.push(&rest[start..i]);
                start = i + 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    parts.push(&rest[start..]);
    parts.iter().filter(|p| !p.is_empty()).map(|p| printable(&unescape_oneline(p))).collect::<Vec<_>>().join(", ")
}

/// The index.txt form of a subject with its `\xHH` escapes decoded, for people:
/// `/CN=café` where index.txt holds `/CN=caf\xC3\xA9`. The `\/` and `\+`
/// escapes stay, so the attributes can still be told apart.
pub fn oneline_for_people(oneline: &str) -> String {
    let bytes = oneline.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'x') {
            if let Some(b) = bytes.get(i + 2..i + 4).and_then(hex_byte) {
                out.push(b);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    printable(&String::from_utf8_lossy(&out))
}

/// Two ASCII hex digits as a byte.
fn hex_byte(pair: &[u8]) -> Option<u8> {
    let digit = |c: u8| char::from(c).to_digit(16);
    u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()
}

/// An attribute's text: UTF-8 and the ASCII string types as they are,
/// BMPString (UTF-16) decoded, anything else read leniently.
fn attr_text(attr: &x509_parser::x509::AttributeTypeAndValue<'_>) -> String {
    if let Ok(s) = attr.as_str() {
        return s.to_string();
    }
    let data = attr.attr_value().data;
    if attr.attr_value().header.tag() == x509_parser::der_parser::asn1_rs::Tag::BmpString && data.len() % 2 == 0 {
        let units: Vec<u16> = data.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
        return String::from_utf16_lossy(&units);
    }
    String::from_utf8_lossy(data).into_owned()
}

/// Refuse a name with control characters in any attribute, or a common name
/// over X.509's 64-character bound: what hostile files use to drive terminals
/// or exhaust parsers downstream.
pub fn check_name_sane(name: &X509Name<'_>) -> anyhow::Result<()> {
    for rdn in name.iter() {
        for attr in rdn.iter() {
            let value = attr_text(attr);
            if value.chars().any(char::is_control) {
                bail!("a name attribute contains control characters");
            }
            if attr.attr_type().to_id_string() == "2.5.4.3" && value.chars().count() > 64 {
                bail!(
                    "the common name is {} characters long; X.509 allows at most 64 (RFC 5280 ub-common-name)",
                    value.chars().count()
                );
            }
            if attr.attr_type().to_id_string() == "2.5.4.10" && value.chars().count() > 64 {
                bail!(
                    "the organization (O) is {} characters long; X.509 allows at most 64 (RFC 5280 ub-organization-name)",
                    value.chars().count()
                );
            }
        }
    }
    Ok(())
}

/// The CN of a name, decoded, if present; control characters escaped.
pub fn common_name(name: &X509Name<'_>) -> Option<String> {
    name.iter_common_name().next().and_then(|a| a.as_str().ok().map(printable))
}

/// Text from a certificate made safe for a terminal: control characters
/// (escape sequences, bells, carriage returns) shown as `\u{..}` escapes.
pub fn printable(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars().map(|c| if c.is_control() { c.escape_unicode().to_string() } else { c.to_string() }).collect()
}

/// A name for people, RFC 4514-like but in certificate order: `CN=x, O=y`.
/// Values are escaped as RFC 4514 §2.4 says, so `O=x\,CN=admin` cannot read
/// as a second CN.
pub fn display_name(name: &X509Name<'_>) -> String {
    let mut parts = Vec::new();
    for rdn in name.iter() {
        for attr in rdn.iter() {
            let oid = attr.attr_type().to_id_string();
            let key = short_name(&oid).map_or(oid.clone(), str::to_string);
            let value = attr
                .as_str()
                .map(printable)
                .unwrap_or_else(|_| printable(&String::from_utf8_lossy(attr.attr_value().data)));
            parts.push(format!("{key}={}", rfc4514_escape(&value)));
        }
    }
    parts.join(", ")
}

/// RFC 4514 §2.4: `, + " \ < > ;` anywhere, `#` or a space first, a space last.
fn rfc4514_escape(value: &str) -> String {
    let last = value.chars().count().saturating_sub(1);
    let mut out = String::with_capacity(value.len());
    for (i, c) in value.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && matches!(c, '#' | ' '))
            || (i == last && c == ' ');
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_escape_what_rfc_4514_asks() {
        assert_eq!(rfc4514_escape("x,CN=admin"), "x\\,CN=admin");
        assert_eq!(rfc4514_escape("a+b\"c\\d<e>f;g"), "a\\+b\\\"c\\\\d\\<e\\>f\\;g");
        assert_eq!(rfc4514_escape("#lead trail "), "\\#lead trail\\ ");
        assert_eq!(rfc4514_escape(" "), "\\ ");
        assert_eq!(rfc4514_escape("café=ok"), "café=ok");
    }

    #[test]
    fn sans() {
        assert_eq!(San::parse("dns:API.example.com").unwrap(), San::Dns("api.example.com".into()));
        assert_eq!(San::parse("10.0.0.1").unwrap(), San::Ip("10.0.0.1".parse().unwrap()));
        assert_eq!(San::parse("ip:::1").unwrap(), San::Ip("::1".parse().unwrap()));
        assert!(matches!(San::parse("uri:spiffe://td/a").unwrap(), San::Uri(_)));
        assert!(matches!(San::parse("email:a@b.c").unwrap(), San::Email(_)));
        assert!(matches!(San::parse("dns:*.example.com").unwrap(), San::Dns(_)));
        assert!(matches!(San::parse("dns:1.example.com").unwrap(), San::Dns(_)));
        assert!(matches!(San::parse("uri:https://example.com/x").unwrap(), San::Uri(_)));
        for bad in [
            "dns:",
            "ip:300.1.1.1",
            "dns:a b",
            "email:nobody",
            "uri:noscheme",
            "dns:-a.com",
            "dns:127.0.0.1",
            "dns:10.1",
            "dns:*.com",
            "dns:*.com.",
            "uri:javascript:alert(1)",
            "uri:JavaScript:alert(1)",
            "uri:data:text/html,x",
        ] {
            assert!(San::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn san_errors_say_what_is_wrong() {
        let err = |spec: &str| format!("{:#}", San::parse(spec).unwrap_err());
        assert!(err("foo:bar").contains("unknown type 'foo:'") && err("foo:bar").contains("email:ADDR"));
        assert!(err("urn:x:y").contains("uri:urn:x:y"));
        let dns = err("dns:a b");
        assert!(dns.contains("'-' and '_'") && dns.contains("'*.'"), "{dns}");
        // What the rule text allows is allowed.
        for ok in ["dns:_svc.example.com", "dns:*.example.com", "dns:a-b.example.com"] {
            assert!(San::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn oneline_escape_before_a_multibyte_character() {
        assert_eq!(unescape_oneline("\\x€"), "\\x€");
        assert_eq!(unescape_oneline("a\\x4€"), "a\\x4€");
        assert_eq!(unescape_oneline("\\xC3\\xA9\\/\\+"), "é/+");
        assert_eq!(unescape_oneline("tail\\"), "tail\\");
    }

    #[test]
    fn index_subjects_in_the_json_form() {
        assert_eq!(oneline_to_display("/CN=svc/O=Acme"), "CN=svc, O=Acme");
        assert_eq!(oneline_to_display("/O=A\\/B\\+C/CN=far future"), "O=A/B+C, CN=far future");
        assert_eq!(oneline_to_display("/CN=caf\\xC3\\xA9+UID=7"), "CN=café, UID=7");
        assert_eq!(oneline_to_display("/CN=evil\u{1b}]0"), "CN=evil\\u{1b}]0");
        assert_eq!(oneline_to_display("CN=bare"), "CN=bare");
        assert_eq!(oneline_for_people("/CN=caf\\xC3\\xA9/O=A\\/B"), "/CN=café/O=A\\/B");
        assert_eq!(oneline_for_people("/CN=\\x€"), "/CN=\\x€");
    }

    #[test]
    fn san_display_escapes_terminal_controls() {
        let osc = "a\u{1b}]0;owned\u{7}.example.com";
        for san in [San::Dns(osc.into()), San::Uri(format!("https://{osc}")), San::Email(format!("x@{osc}"))] {
            let shown = san.to_string();
            assert!(!shown.chars().any(char::is_control), "{shown:?}");
            assert!(shown.contains("\\u{1b}") && shown.contains("\\u{7}"), "{shown}");
            let json = serde_json::to_string(&san).unwrap();
            assert!(json.contains("\\u001b"), "the JSON keeps the real value: {json}");
        }
    }

    #[test]
    fn spiffe() {
        assert!(check_spiffe_id("spiffe://example.org/ns/prod/sa/pay").is_ok());
        for bad in ["http://x/y", "spiffe://Example/x", "spiffe://td", "spiffe://td/a//b", "spiffe://td/../x"] {
            assert!(check_spiffe_id(bad).is_err(), "{bad}");
        }
    }
}

/// Property tests: any SAN spec a user might type parses or is refused, never a panic.
#[cfg(test)]
mod props {
    use proptest::prelude::*;

    use super::{San, push_escaped, unescape_oneline};

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn san_specs_never_panic(text in "(dns|ip|uri|email|DNS|x)?:?[^\\n]{0,40}") {
            if let Ok(s) = San::parse(&text) {
                let _ = s.to_rcgen();
            }
        }

        /// Any text, backslashes and multi-byte characters mixed, unescapes
        /// without a panic; escaped printable ASCII reads back as it was.
        #[test]
        fn oneline_unescape_never_panics(text in "(\\\\|\\\\x|x|[0-9a-fA-F]|€|é|/|\\+|.){0,40}") {
            let _ = unescape_oneline(&text);
        }

        #[test]
        fn oneline_round_trips_printable_ascii(text in "[ -\\[\\]-~]{0,40}") {
            let mut escaped = String::new();
            push_escaped(&mut escaped, text.as_bytes());
            prop_assert_eq!(unescape_oneline(&escaped), text);
        }
    }
}
