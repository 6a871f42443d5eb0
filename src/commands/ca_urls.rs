//! `mtlsctl ca-urls`: the OCSP, CRL and CA certificate URLs the store's CA
//! puts into the certificates it issues (SPEC §7).

use anyhow::Context;
use clap::Args;
use serde::Serialize;

use super::common::{self, show_path};
use crate::Outcome;
use crate::output::Ctx;
use crate::pki::build::{self, CaUrls};

/// Show or change the URLs every certificate issued from now on carries
///
/// authorityInfoAccess (OCSP, caIssuers) and crlDistributionPoints, kept in
/// openssl.cnf's extension sections so `openssl ca` issues the same. Without
/// flags it shows them. --ocsp, --crl and --issuer-url set one each (the others
/// stay); --clear removes all three first. Certificates issued earlier keep the
/// URLs they were issued with. URLs must be http:// (what they serve is
/// signed), printable ASCII, without spaces, `,` `#` `$` quotes or backslashes.
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl ca-urls
  mtlsctl ca-urls --ocsp http://ocsp.example.com/ --crl http://pki.example.com/ca.crl \\
      --issuer-url http://pki.example.com/ca.crt
  mtlsctl ca-urls --clear
  mtlsctl ocsp serve --listen 0.0.0.0:8888 &   # it also serves /crl and /ca.crt")]
pub struct CaUrlsArgs {
    /// The OCSP responder URL (authorityInfoAccess id-ad-ocsp)
    #[arg(long, value_name = "URL")]
    pub ocsp: Option<String>,
    /// The CRL URL (crlDistributionPoints)
    #[arg(long, value_name = "URL")]
    pub crl: Option<String>,
    /// The URL of the CA certificate (authorityInfoAccess id-ad-caIssuers)
    #[arg(long, value_name = "URL")]
    pub issuer_url: Option<String>,
    /// Remove all three URLs (before setting those given)
    #[arg(long)]
    pub clear: bool,
}

#[derive(Serialize)]
struct Shown {
    openssl_cnf: String,
    /// Whether this command changed openssl.cnf.
    changed: bool,
    #[serde(flatten)]
    urls: CaUrls,
}

pub fn run(ctx: &Ctx, args: &CaUrlsArgs) -> anyhow::Result<Outcome> {
    for (flag, url) in [("--ocsp", &args.ocsp), ("--crl", &args.crl), ("--issuer-url", &args.issuer_url)] {
        if let Some(u) = url {
            build::check_url(u).with_context(|| format!("invalid {flag}"))?;
        }
    }
    let store = common::open_store(ctx, &ctx.global.dir)?;
    let current = store.ca_urls()?;
    let setting = args.clear || args.ocsp.is_some() || args.crl.is_some() || args.issuer_url.is_some();
    let mut urls = if args.clear { CaUrls::default() } else { current };
    if let Some(u) = &args.ocsp {
        urls.ocsp_url = Some(u.clone());
    }
    if let Some(u) = &args.crl {
        urls.crl_url = Some(u.clone());
    }
    if let Some(u) = &args.issuer_url {
        urls.issuer_url = Some(u.clone());
    }
    let changed = if setting { store.set_ca_urls(&urls) } else { Ok(false) };
    ctx.notices(&store);
    let changed = changed?;
    let cnf = show_path(&store.paths.cnf);
    let show = |u: &Option<String>| u.clone().unwrap_or_else(|| "(none)".into());
    ctx.emit(&Shown { openssl_cnf: store.paths.cnf.display().to_string(), changed, urls: urls.clone() })?;
    let head = match (setting, changed) {
        (false, _) => format!("The CA's URLs ({cnf}):"),
        (true, true) => format!("Updated {cnf}; certificates issued from now on carry:"),
        (true, false) => format!("Nothing changed in {cnf}; certificates issued carry:"),
    };
    ctx.info(format!(
        "{head}\n  OCSP:       {}\n  CRL:        {}\n  CA issuers: {}",
        show(&urls.ocsp_url),
        show(&urls.crl_url),
        show(&urls.issuer_url)
    ));
    Ok(Outcome::Done)
}
