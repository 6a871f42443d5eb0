//! Prompts (a line read from the terminal; passphrases with echo off), the
//! rule for when mtlsctl may ask at all, and the passphrase source the store
//! is handed.

use std::io::{IsTerminal, Write};
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
    loop {
        let pass = read_secret(prompt)?;
        if pass.is_empty() {
            return Ok(None);
        }
        if read_secret("Repeat the passphrase")? == pass {
            return Ok(Some(pass));
        }
        eprintln!("error: the passphrases do not match; try again");
    }
}

/// Ask once for an existing passphrase.
pub fn passphrase(prompt: &str) -> anyhow::Result<Zeroizing<String>> {
    read_secret(prompt)
}

/// What the user did at a passphrase prompt.
#[derive(Debug, PartialEq, Eq)]
enum Typed {
    Line(Zeroizing<Vec<u8>>),
    /// Ctrl-C (or Ctrl-\).
    Interrupted,
    /// Ctrl-D on an empty line.
    End,
}

/// Read a passphrase from the terminal with echo off. The terminal's own
/// signal keys are off too, so that a Ctrl-C arrives here: the terminal's
/// modes are put back first, then the command stops as SIGINT stops it. (With
/// the terminal raising SIGINT itself, the process died with echo still off,
/// and a shell that does not restore the modes was left blind.)
fn read_secret(prompt: &str) -> anyhow::Result<Zeroizing<String>> {
    use rustix::termios::{LocalModes, OptionalActions, SpecialCodeIndex, tcgetattr, tcsetattr};
    use std::os::fd::AsFd;

    let stdin = std::io::stdin();
    let original = tcgetattr(stdin.as_fd())
        .map_err(std::io::Error::from)
        .context("cannot read the passphrase: stdin is not a terminal")?;
    let mut quiet = original.clone();
    quiet.local_modes.remove(LocalModes::ECHO | LocalModes::ICANON | LocalModes::ISIG);
    quiet.special_codes[SpecialCodeIndex::VMIN] = 1;
    quiet.special_codes[SpecialCodeIndex::VTIME] = 0;
    {
        let mut err = std::io::stderr().lock();
        write!(err, "{prompt}: ").and_then(|()| err.flush()).context("cannot write the prompt")?;
    }
    tcsetattr(stdin.as_fd(), OptionalActions::Flush, &quiet)
        .map_err(std::io::Error::from)
        .context("cannot turn off echo on the terminal")?;
    let typed = read_typed(&mut stdin.lock());
    let restored = tcsetattr(stdin.as_fd(), OptionalActions::Now, &original);
    eprintln!();
    restored.map_err(std::io::Error::from).context("cannot restore the terminal's modes")?;
    match typed.context("cannot read the passphrase from the terminal")? {
        Typed::Line(bytes) => {
            let text = std::str::from_utf8(&bytes).map_err(|_| anyhow!("the passphrase is not UTF-8"))?;
            Ok(Zeroizing::new(text.to_string()))
        }
        Typed::End => bail!("no passphrase given (end of input)"),
        Typed::Interrupted => {
            // Die of SIGINT as the terminal would have made us, now that its modes are back.
            let _ = signal_hook::low_level::emulate_default_handler(signal_hook::consts::SIGINT);
            std::process::exit(130)
        }
    }
}

/// A line typed with echo and the terminal's line editing off: Enter ends
/// it, Backspace and Ctrl-U edit it, Ctrl-C and Ctrl-\ interrupt, Ctrl-D on
/// an empty line ends the input; other control keys are ignored.
fn read_typed(input: &mut impl std::io::Read) -> std::io::Result<Typed> {
    // Room enough that a passphrase never reallocates, leaving a copy behind unzeroed.
    let mut line = Zeroizing::new(Vec::with_capacity(1024));
    let mut byte = [0u8; 1];
    loop {
        if input.read(&mut byte)? == 0 {
            return Ok(if line.is_empty() { Typed::End } else { Typed::Line(line) });
        }
        match byte[0] {
            b'\r' | b'\n' => return Ok(Typed::Line(line)),
            0x03 | 0x1c => return Ok(Typed::Interrupted),
            0x04 if line.is_empty() => return Ok(Typed::End),
            0x7f | 0x08 => {
                // One character, not one byte, of a UTF-8 passphrase.
                while line.pop().is_some_and(|b| b & 0xc0 == 0x80) {}
            }
            0x15 => line.clear(),
            b if b < 0x20 => {}
            b => line.push(b),
        }
    }
}

/// Ask a yes/no question (`question` names what "yes" does) and wait for
/// Enter: "y" or "yes" confirms, anything else (an empty line too) declines.
/// The line is read as the terminal delivers it (its own echo and line
/// editing, the cursor left alone), so a Ctrl-C stops the command as anywhere
/// else and leaves the terminal as it was, and no keystroke typed here
/// reaches the shell afterwards. Batch mode must not reach here.
pub fn confirm(question: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("cannot ask for confirmation: stdin is not a terminal (pass --yes)");
    }
    {
        let mut err = std::io::stderr().lock();
        write!(err, "{question} [y/N] ").and_then(|()| err.flush()).context("cannot write the question")?;
    }
    let mut line = String::new();
    let read = std::io::stdin().read_line(&mut line).context("cannot read the answer from the terminal")?;
    if read == 0 {
        // End of input (Ctrl-D): no answer is no.
        eprintln!();
    }
    Ok(is_yes(&line))
}

fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(keys: &[u8]) -> Typed {
        read_typed(&mut &keys[..]).expect("read")
    }

    fn line(text: &str) -> Typed {
        Typed::Line(Zeroizing::new(text.as_bytes().to_vec()))
    }

    #[test]
    fn a_passphrase_line_is_edited_and_interrupted_like_a_terminal_line() {
        assert_eq!(typed(b"secret\r"), line("secret"));
        assert_eq!(typed(b"secret\n"), line("secret"));
        assert_eq!(typed(b"secrex\x7ft\r"), line("secret"));
        assert_eq!(typed("caf\u{e9}\x7fe\r".as_bytes()), line("cafe"));
        assert_eq!(typed(b"wrong\x15right\r"), line("right"));
        assert_eq!(typed(b"a\x1ab\x04c\r"), line("abc"));
        assert_eq!(typed(b"\r"), line(""));
        assert_eq!(typed(b"half\x03rest\r"), Typed::Interrupted);
        assert_eq!(typed(b"half\x1c"), Typed::Interrupted);
        assert_eq!(typed(b"\x04"), Typed::End);
        assert_eq!(typed(b""), Typed::End);
        assert_eq!(typed(b"no newline"), line("no newline"));
    }

    #[test]
    fn only_y_or_yes_confirms() {
        for yes in ["y\n", "Y\n", "yes\n", " YES \n", "yes"] {
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in ["\n", "", "n\n", "no\n", "ye\n", "yess\n", "y es\n", "\u{3}"] {
            assert!(!is_yes(no), "{no:?}");
        }
    }
}
