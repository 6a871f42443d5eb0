//! openssl.cnf: the file mtlsctl generates so `openssl ca -config` works on the
//! store, and a reader for the `[CA_default]` section of existing CA directories.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};

use super::Store;
use super::fsio::{self, Mode};
use crate::pki::build::CaUrls;

/// The generated openssl.cnf. `dir` is the store's absolute path; the rest is
/// relative to it so only that line changes when the store moves.
pub fn generate(dir: &Path, default_days: u32, default_crl_days: u32) -> String {
    format!(
        r#"# openssl.cnf for an mtlsctl CA store.
# `openssl ca -config <this file>` signs, revokes (-revoke), reports (-status)
# and makes CRLs (-gencrl) on this directory, alongside mtlsctl.
# mtlsctl rewrites the `dir` line below when the store has moved.

[ ca ]
default_ca = CA_default

[ CA_default ]
dir               = {dir}
certs             = $dir/certs
crl_dir           = $dir/crl
new_certs_dir     = $dir/newcerts
database          = $dir/index.txt
serial            = $dir/serial
crlnumber         = $dir/crlnumber
certificate       = $dir/certs/ca.crt
private_key       = $dir/private/ca.key
crl               = $dir/crl/ca.crl
default_md        = sha256
default_days      = {default_days}
default_crl_days  = {default_crl_days}
preserve          = no
policy            = policy_loose
# Several certificates may share a subject (re-issue, renew); index.txt.attr says the same.
unique_subject    = no
# `copy` takes only extensions the sections below do not set (in practice the
# SANs): a request can never make itself a CA. Never use `copyall` here.
copy_extensions   = copy
x509_extensions   = client_cert
crl_extensions    = crl_ext
name_opt          = ca_default
cert_opt          = ca_default

# A request needs only a commonName; everything else is optional.
[ policy_loose ]
countryName             = optional
stateOrProvinceName     = optional
localityName            = optional
organizationName        = optional
organizationalUnitName  = optional
commonName              = supplied
emailAddress            = optional

# `openssl ca -extensions client_cert` (the default): mTLS client.
[ client_cert ]
basicConstraints        = critical, CA:FALSE
keyUsage                = critical, digitalSignature
extendedKeyUsage        = clientAuth
subjectKeyIdentifier    = hash
authorityKeyIdentifier  = keyid:always

# `openssl ca -extensions server_cert`: TLS server; give it SANs in the request.
[ server_cert ]
basicConstraints        = critical, CA:FALSE
keyUsage                = critical, digitalSignature
extendedKeyUsage        = serverAuth
subjectKeyIdentifier    = hash
authorityKeyIdentifier  = keyid:always

# `openssl ca -extensions peer_cert`: both ends of mTLS.
[ peer_cert ]
basicConstraints        = critical, CA:FALSE
keyUsage                = critical, digitalSignature
extendedKeyUsage        = serverAuth, clientAuth
subjectKeyIdentifier    = hash
authorityKeyIdentifier  = keyid:always

# `openssl ca -extensions v3_intermediate_ca`: a CA below this one.
[ v3_intermediate_ca ]
basicConstraints        = critical, CA:TRUE, pathlen:0
keyUsage                = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier    = hash
authorityKeyIdentifier  = keyid:always

[ crl_ext ]
authorityKeyIdentifier  = keyid:always
"#,
        dir = config_value(&dir.display().to_string())
    )
}

/// The sections `openssl ca` signs with that carry the CA's URLs.
const URL_SECTIONS: [&str; 4] = ["client_cert", "server_cert", "peer_cert", "v3_intermediate_ca"];
/// The first line of the generated file: only that file is ours to rewrite.
pub const GENERATED: &str = "# openssl.cnf for an mtlsctl CA store.";

/// `text` with the URL lines of every extension section replaced by `urls`'
/// (none when it is empty), after the section's `authorityKeyIdentifier`.
pub fn with_urls(text: &str, urls: &CaUrls) -> String {
    let mut lines = Vec::new();
    if let Some(ocsp) = aia_value(urls) {
        lines.push(format!("authorityInfoAccess     = {ocsp}"));
    }
    if let Some(crl) = &urls.crl_url {
        lines.push(format!("crlDistributionPoints   = URI:{crl}"));
    }
    let mut out = String::with_capacity(text.len() + 256);
    let mut section = String::new();
    for line in text.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix('[') {
            section = rest.trim_end_matches(']').trim().to_string();
        }
        let in_url_section = URL_SECTIONS.contains(&section.as_str());
        let key = t.split_once('=').map(|(k, _)| k.trim());
        if in_url_section && matches!(key, Some("authorityInfoAccess" | "crlDistributionPoints")) {
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if in_url_section && key == Some("authorityKeyIdentifier") {
            for l in &lines {
                out.push_str(l);
                out.push('\n');
            }
        }
    }
    out
}

/// `OCSP;URI:...,caIssuers;URI:...` for the URLs that are set.
fn aia_value(urls: &CaUrls) -> Option<String> {
    let parts: Vec<String> = [("OCSP", &urls.ocsp_url), ("caIssuers", &urls.issuer_url)]
        .into_iter()
        .filter_map(|(m, u)| u.as_ref().map(|u| format!("{m};URI:{u}")))
        .collect();
    (!parts.is_empty()).then(|| parts.join(","))
}

/// The URLs the leaf section `client_cert` of the generated file carries;
/// what `with_urls` wrote reads back the same.
pub fn urls_of(text: &str) -> anyhow::Result<CaUrls> {
    const KEYS: [&str; 2] = ["authorityInfoAccess", "crlDistributionPoints"];
    let [aia, cdp] = match plain_values(text, "client_cert", KEYS) {
        Some(found) => found.map(|v| v.map(str::to_string)),
        None => {
            let cnf = Cnf::parse(text)?;
            KEYS.map(|k| cnf.get("client_cert", k).map(str::to_string))
        }
    };
    let mut urls = CaUrls::default();
    if let Some(aia) = aia {
        for item in aia.split(',') {
            let (method, url) = item.trim().split_once(";URI:").with_context(|| {
                format!("authorityInfoAccess `{aia}` in [client_cert] is not `OCSP;URI:...,caIssuers;URI:...`")
            })?;
            match method.trim() {
                "OCSP" => urls.ocsp_url = Some(url.trim().to_string()),
                "caIssuers" => urls.issuer_url = Some(url.trim().to_string()),
                other => bail!("authorityInfoAccess in [client_cert] names the access method `{other}`"),
            }
        }
    }
    if let Some(cdp) = cdp {
        let url = cdp
            .trim()
            .strip_prefix("URI:")
            .filter(|u| !u.contains(','))
            .with_context(|| format!("crlDistributionPoints `{cdp}` in [client_cert] is not one `URI:...`"))?;
        urls.crl_url = Some(url.to_string());
    }
    Ok(urls)
}

/// The values of `keys` in `section` (the last of each) as `Cnf::parse`
/// reads them, without building the whole table (every `issue` asks);
/// `None` when that parser must answer: a line it refuses, or one of these
/// values holds quotes, escapes or variables.
fn plain_values<'a, const N: usize>(text: &'a str, section: &str, keys: [&str; N]) -> Option<[Option<&'a str>; N]> {
    let mut current = "default";
    let mut found = [None; N];
    for raw in text.lines() {
        let line = strip_comment(raw).trim();
        if line.is_empty() || line.starts_with(".include") || line.starts_with(".pragma") {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            current = rest.strip_suffix(']')?.trim();
            continue;
        }
        let (k, v) = line.split_once('=')?;
        if current == section {
            if let Some(i) = keys.iter().position(|want| *want == k.trim()) {
                let v = v.trim();
                if v.contains(['"', '\'', '\\', '$']) {
                    return None;
                }
                found[i] = Some(v);
            }
        }
    }
    Some(found)
}

impl Store {
    /// The URLs this store's CA puts into the certificates it issues, from
    /// openssl.cnf's `[client_cert]`. A store whose openssl.cnf mtlsctl did not
    /// generate (easy-rsa, a hand-made `openssl ca` directory) has none.
    pub fn ca_urls(&self) -> anyhow::Result<CaUrls> {
        let text = match fsio::read_text(&self.paths.cnf, fsio::SMALL_INPUT) {
            Ok(t) if t.starts_with(GENERATED) => t,
            _ => return Ok(CaUrls::default()),
        };
        let urls =
            urls_of(&text).with_context(|| format!("cannot read the CA's URLs in {}", self.paths.cnf.display()))?;
        for u in [&urls.ocsp_url, &urls.crl_url, &urls.issuer_url].into_iter().flatten() {
            crate::pki::build::check_url(u).with_context(|| format!("bad URL in {}", self.paths.cnf.display()))?;
        }
        Ok(urls)
    }

    /// Replace the CA's URLs in openssl.cnf (atomically, under the lock);
    /// certificates issued from now on carry them. Whether anything changed.
    pub fn set_ca_urls(&self, urls: &CaUrls) -> anyhow::Result<bool> {
        for u in [&urls.ocsp_url, &urls.crl_url, &urls.issuer_url].into_iter().flatten() {
            crate::pki::build::check_url(u)?;
        }
        let _lock = self.lock()?;
        let text = fsio::read_text(&self.paths.cnf, fsio::SMALL_INPUT)
            .with_context(|| format!("cannot read {}", self.paths.cnf.display()))?;
        if !text.starts_with(GENERATED) {
            bail!(
                "{} was not generated by mtlsctl: set authorityInfoAccess and crlDistributionPoints in its extension sections by hand",
                self.paths.cnf.display()
            );
        }
        fsio::refuse_symlink(&self.paths.cnf)?;
        let new_text = with_urls(&text, urls);
        if new_text == text {
            return Ok(false);
        }
        fsio::write_atomic(&self.paths.cnf, new_text.as_bytes(), Mode::Public)?;
        Ok(true)
    }
}

/// A value as OpenSSL's config syntax reads it back unchanged: as it is when
/// it holds nothing special, else in double quotes with `\` and `"` escaped
/// (inside quotes `#` starts no comment and `$` expands nothing).
pub fn config_value(value: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+,:@%=~".contains(c) || !c.is_ascii();
    if !value.is_empty() && value.chars().all(plain) {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '\\' || c == '"' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// An openssl.cnf read as sections of key = value, with `$var`, `${var}`,
/// `$section::var` and `$ENV::VAR` expansion as far as CA directories need it.
#[derive(Debug, Default)]
pub struct Cnf {
    /// Ordered maps: a CA's file has a dozen sections of a dozen short keys,
    /// which a few comparisons find faster than hashing them (every `issue`
    /// reads this file), and a huge file still costs n log n.
    sections: BTreeMap<String, BTreeMap<String, String>>,
}

impl Cnf {
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let mut cnf = Self::default();
        let mut section = "default".to_string();
        for (no, raw) in text.lines().enumerate() {
            let line = strip_comment(raw).trim();
            if line.is_empty() {
                continue;
            }
            if let Some(rest) = line.strip_prefix('[') {
                let Some(name) = rest.strip_suffix(']') else {
                    bail!("line {}: unterminated section header", no + 1);
                };
                name.trim().clone_into(&mut section);
                continue;
            }
            if line.starts_with(".include") || line.starts_with(".pragma") {
                continue;
            }
            let Some((k, v)) = line.split_once('=') else {
                bail!("line {}: expected `key = value`", no + 1);
            };
            let value = cnf.expand(&section, v.trim());
            if let Some(keys) = cnf.sections.get_mut(&section) {
                keys.insert(k.trim().to_string(), value);
            } else {
                cnf.sections.insert(section.clone(), BTreeMap::from([(k.trim().to_string(), value)]));
            }
        }
        Ok(cnf)
    }

    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        self.sections.get(section).and_then(|s| s.get(key)).map(String::as_str)
    }

    /// The section `openssl ca` uses: `[ca] default_ca`.
    pub fn ca_section(&self) -> Option<&str> {
        self.get("ca", "default_ca")
    }

    fn lookup(&self, section: &str, name: &str) -> Option<String> {
        if let Some((sec, var)) = name.split_once("::") {
            if sec == "ENV" {
                return std::env::var(var).ok();
            }
            return self.get(sec, var).map(str::to_string);
        }
        self.get(section, name).or_else(|| self.get("default", name)).map(str::to_string)
    }

    fn expand(&self, section: &str, value: &str) -> String {
        // Most values hold nothing to expand or unquote: every issue reads this file.
        if !value.contains(['"', '\'', '\\', '$']) {
            return value.to_string();
        }
        let mut out = String::new();
        let chars: Vec<char> = value.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            // Quoted text is literal, as is the character after a backslash.
            if chars[i] == '"' || chars[i] == '\'' {
                let q = chars[i];
                i += 1;
                while i < chars.len() && chars[i] != q {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        i += 1;
                    }
                    out.push(chars[i]);
                    i += 1;
                }
                i += 1;
                continue;
            }
            if chars[i] == '\\' && i + 1 < chars.len() {
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            if chars[i] == '$' && i + 1 < chars.len() {
                let (name, next) = if chars[i + 1] == '{' || chars[i + 1] == '(' {
                    let close = if chars[i + 1] == '{' { '}' } else { ')' };
                    match chars[i + 2..].iter().position(|c| *c == close) {
                        Some(end) => (chars[i + 2..i + 2 + end].iter().collect::<String>(), i + 3 + end),
                        None => (String::new(), i + 1),
                    }
                } else {
                    let mut j = i + 1;
                    while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_' || chars[j] == ':') {
                        j += 1;
                    }
                    (chars[i + 1..j].iter().collect::<String>(), j)
                };
                if !name.is_empty() {
                    if let Some(v) = self.lookup(section, &name) {
                        out.push_str(&v);
                        i = next;
                        continue;
                    }
                }
            }
            out.push(chars[i]);
            i += 1;
        }
        out
    }
}

/// The line without its comment: a `#` outside quotes and not escaped.
fn strip_comment(line: &str) -> &str {
    if !line.contains('#') {
        return line;
    }
    let mut quote = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if let Some(q) = quote {
            if c == q {
                quote = None;
            }
        } else if c == '"' || c == '\'' {
            quote = Some(c);
        } else if c == '#' {
            return &line[..i];
        }
    }
    line
}

/// A value with OpenSSL's quoting and escapes undone, no variable expanded.
fn unquote(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    let mut quote = None;
    while let Some(c) = chars.next() {
        match (c, quote) {
            ('\\', _) => out.extend(chars.next()),
            (c, Some(q)) if c == q => quote = None,
            ('"' | '\'', None) => quote = Some(c),
            (c, _) => out.push(c),
        }
    }
    out
}

/// The `dir = ...` value of the generated file's `[CA_default]`, if it has one, unquoted.
pub fn dir_line(text: &str) -> Option<(usize, String)> {
    let mut in_ca = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            in_ca = t.trim_matches(|c| c == '[' || c == ']' || c == ' ') == "CA_default";
            continue;
        }
        if in_ca {
            if let Some((k, v)) = t.split_once('=') {
                if k.trim() == "dir" {
                    return Some((i, unquote(strip_comment(v).trim())));
                }
            }
        }
    }
    None
}

/// Replace the `dir` line of `[CA_default]`.
pub fn with_dir(text: &str, dir: &Path) -> Option<String> {
    let (no, _) = dir_line(text)?;
    let mut out = String::with_capacity(text.len() + 64);
    for (i, line) in text.lines().enumerate() {
        if i == no {
            out.push_str(&format!("dir               = {}", config_value(&dir.display().to_string())));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_round_trip_through_the_extension_sections() {
        let text = generate(Path::new("/srv/pki"), 90, 7);
        assert_eq!(urls_of(&text).unwrap(), CaUrls::default());
        let urls = CaUrls {
            ocsp_url: Some("http://ocsp.example.com:8888/".into()),
            crl_url: Some("http://pki.example.com/ca.crl".into()),
            issuer_url: Some("http://pki.example.com/ca.crt".into()),
        };
        let with = with_urls(&text, &urls);
        assert_eq!(urls_of(&with).unwrap(), urls);
        let cnf = Cnf::parse(&with).unwrap();
        for s in URL_SECTIONS {
            assert_eq!(
                cnf.get(s, "authorityInfoAccess"),
                Some("OCSP;URI:http://ocsp.example.com:8888/,caIssuers;URI:http://pki.example.com/ca.crt"),
                "{s}"
            );
            assert_eq!(cnf.get(s, "crlDistributionPoints"), Some("URI:http://pki.example.com/ca.crl"), "{s}");
        }
        assert!(cnf.get("crl_ext", "authorityInfoAccess").is_none());
        let only_crl = CaUrls { crl_url: urls.crl_url.clone(), ..CaUrls::default() };
        assert_eq!(urls_of(&with_urls(&with, &only_crl)).unwrap(), only_crl);
        assert_eq!(with_urls(&with, &CaUrls::default()), text);
    }

    /// The shortcut `urls_of` takes reads what the whole parser reads, and
    /// leaves to it what it cannot read alone.
    #[test]
    fn plain_values_agree_with_the_parser() {
        let base = with_urls(
            &generate(Path::new("/srv/pki"), 90, 7),
            &CaUrls { crl_url: Some("http://pki.example.com/ca.crl".into()), ..CaUrls::default() },
        );
        let texts = [
            base.clone(),
            format!("{base}\n[ client_cert ]\ncrlDistributionPoints = URI:http://b.example/x.crl\n"),
            format!("{base}\n[client_cert]\nauthorityInfoAccess = OCSP;URI:http://o.example/ # comment\n"),
            format!("{base}\n[client_cert]\ncrlDistributionPoints = \"URI:http://q.example/#x\"\n"),
            format!("{base}\n[client_cert]\ncrlDistributionPoints = $ENV::HOME\n"),
            format!("{base}\n[ client_cert\n"),
            format!("{base}\nno equals sign here\n"),
        ];
        let keys = ["authorityInfoAccess", "crlDistributionPoints"];
        for (i, text) in texts.iter().enumerate() {
            let parsed = Cnf::parse(text).map(|c| keys.map(|k| c.get("client_cert", k).map(str::to_string)));
            match plain_values(text, "client_cert", keys) {
                Some(found) => assert_eq!(found.map(|v| v.map(str::to_string)), parsed.expect("parses"), "text {i}"),
                None => assert!(i >= 3, "text {i} needs no parser"),
            }
        }
        assert_eq!(
            urls_of(&texts[1]).unwrap().crl_url.as_deref(),
            Some("http://b.example/x.crl"),
            "the last value wins"
        );
        assert_eq!(urls_of(&texts[3]).unwrap().crl_url.as_deref(), Some("http://q.example/#x"));
        assert!(urls_of(&texts[5]).is_err() && urls_of(&texts[6]).is_err());
    }

    #[test]
    fn reads_generated() {
        let text = generate(Path::new("/srv/pki"), 90, 7);
        let cnf = Cnf::parse(&text).unwrap();
        assert_eq!(cnf.ca_section(), Some("CA_default"));
        assert_eq!(cnf.get("CA_default", "database"), Some("/srv/pki/index.txt"));
        let moved = with_dir(&text, Path::new("/other")).unwrap();
        assert_eq!(Cnf::parse(&moved).unwrap().get("CA_default", "certificate"), Some("/other/certs/ca.crt"));
    }

    #[test]
    fn store_paths_with_config_syntax_read_back_unchanged() {
        for dir in ["/srv/weird#dir/pki", "/srv/a$b/pki", "/srv/back\\slash", "/srv/quo\"te's", "/srv/sp ace"] {
            let text = generate(Path::new(dir), 90, 7);
            let cnf = Cnf::parse(&text).unwrap();
            assert_eq!(cnf.get("CA_default", "private_key"), Some(format!("{dir}/private/ca.key").as_str()), "{text}");
            assert_eq!(dir_line(&text).map(|(_, d)| d), Some(dir.to_string()));
            let moved = with_dir(&text, Path::new(dir)).unwrap();
            assert_eq!(moved, text);
        }
        assert_eq!(config_value("/srv/pki"), "/srv/pki");
        assert_eq!(config_value("/a#b"), "\"/a#b\"");
        assert_eq!(config_value("/a\"b\\"), "\"/a\\\"b\\\\\"");
    }
}

/// Property tests: any text shaped like openssl.cnf parses or is refused, never a panic.
#[cfg(test)]
mod props {
    use proptest::prelude::*;

    use super::Cnf;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn cnf_parse_never_panics(text in "([\\[\\]a-z_ =$:{}.#/\\n\\\\]|ENV::){0,200}") {
            if let Ok(c) = Cnf::parse(&text) {
                let _ = c.ca_section().map(|s| c.get(s, "dir"));
            }
        }
    }
}
