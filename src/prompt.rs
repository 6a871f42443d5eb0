//! Prompts (dialoguer), the rule for when mtlsctl may ask at all, and the
//! passphrase source the store is handed.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use zeroize::Zeroizing;

use crate::store::{PassphraseSource, fsio};

pub const PASSPHRASE_ENV: &str = "MTLSCTL_CA_PASSPHRASE";

/// Where a passphrase may come from, in order: a file, `$MTLSCTL_CA_PASSPHRASE`,
/// then a prompt on the terminal unless in batch mode.
#[derive(Debug, Clone, Default)]
pub struct PassSource {
    pub file: Option<PathBuf>,
    pub batch: bool,
}

impl PassSource {
    /// The passphrase from a file or the environment, if either gives one.
    pub fn given(&self) -> anyhow::Result<Option<Zeroizing<String>>> {
        if let Some(f) = &self.file {
            let raw = Zeroizing::new(fsio::read(f).with_context(|| "cannot read the passphrase file".to_string())?);
            let text =
                std::str::from_utf8(&raw).map_err(|_| anyhow!("the passphrase file {} is not UTF-8", f.display()))?;
            // Like openssl's file: source, the first line is the passphrase.
            let first = text.lines().next().unwrap_or("");
            if first.is_empty() {
                bail!("the passphrase file {} is empty", f.display());
            }
            return Ok(Some(Zeroizing::new(first.to_string())));
        }
        match std::env::var(PASSPHRASE_ENV) {
            Ok(v) if !v.is_empty() => Ok(Some(Zeroizing::new(v))),
            _ => Ok(None),
        }
    }
}

impl PassphraseSource for PassSource {
    fn passphrase(&self, key: &Path) -> anyhow::Result<Option<Zeroizing<String>>> {
        match self.given()? {
            Some(p) => Ok(Some(p)),
            None if !self.batch => passphrase(&format!("Passphrase for {}", key.display())).map(Some),
            None => Ok(None),
        }
    }

    fn prompts(&self) -> bool {
        !self.batch && self.given().ok().flatten().is_none()
    }

    fn wrong(&self, _key: &Path) {
        eprintln!("wrong passphrase, try again");
    }
}

/// Batch mode: `--batch`, or stdin is not a terminal, or `CI` is set.
pub fn is_batch(flag: bool) -> bool {
    flag || !std::io::stdin().is_terminal() || std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// Ask for a new passphrase twice. Empty means none.
pub fn new_passphrase(prompt: &str) -> anyhow::Result<Option<Zeroizing<String>>> {
    let pass = dialoguer::Password::new()
        .with_prompt(prompt)
        .with_confirmation("Repeat the passphrase", "the passphrases do not match")
        .allow_empty_password(true)
        .interact()
        .context("cannot read the passphrase from the terminal")?;
    let pass = Zeroizing::new(pass);
    Ok(if pass.is_empty() { None } else { Some(pass) })
}

/// Ask once for an existing passphrase.
pub fn passphrase(prompt: &str) -> anyhow::Result<Zeroizing<String>> {
    let pass = dialoguer::Password::new()
        .with_prompt(prompt)
        .interact()
        .context("cannot read the passphrase from the terminal")?;
    Ok(Zeroizing::new(pass))
}

/// Ask a yes/no question; batch mode must not reach here.
pub fn confirm(prompt: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("cannot ask for confirmation: stdin is not a terminal (pass --yes)");
    }
    dialoguer::Confirm::new()
        .with_prompt(prompt)
        .default(false)
        .interact()
        .context("cannot read the answer from the terminal")
}
