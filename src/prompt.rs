//! Prompts (dialoguer) and the rule for when mtlsctl may ask at all.

use std::io::IsTerminal;

use anyhow::{Context, bail};
use zeroize::Zeroizing;

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
