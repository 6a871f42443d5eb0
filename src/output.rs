//! Everything mtlsctl prints goes through here: human lines on stderr (or the
//! primary result on stdout), exactly one JSON document on stdout with `--json`,
//! colour only where wanted, and the `error:` / `caused by:` / `hint:` format.

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

use serde::Serialize;

use crate::cli::{ColorChoice, GlobalArgs};
use crate::store::revoke::RevokeError;
use crate::store::{Notice, Store, StoreError};

static COLOR: OnceLock<bool> = OnceLock::new();

/// Whether escape codes may be written to stderr.
pub fn stderr_color() -> bool {
    *COLOR.get_or_init(|| resolve_color(ColorChoice::Auto, std::io::stderr().is_terminal()))
}

/// Whether escape codes may be written to stdout (tables of `list`).
pub fn stdout_color(choice: ColorChoice) -> bool {
    resolve_color(choice, std::io::stdout().is_terminal())
}

fn resolve_color(choice: ColorChoice, is_tty: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_tty
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    }
}

/// What a piece of coloured text is, so commands say what they mean and this
/// module alone decides how it looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The `error:` label.
    Error,
    /// The `warning:` label.
    Warning,
    /// The `hint:` label.
    Hint,
    /// A label that says all is well.
    Ok,
    /// A table's column headings.
    Heading,
    /// Something good in a line: a trusted certificate.
    Good,
    /// Something wrong: a revoked certificate, a failure.
    Bad,
    /// Something to act on soon: a certificate that expires within a week.
    Caution,
    /// Something no longer in play: an expired certificate.
    Dim,
}

impl Role {
    /// The SGR parameters of the role's style.
    fn sgr(self) -> &'static str {
        match self {
            Self::Error => "1;31",
            Self::Warning => "1;33",
            Self::Hint => "1;36",
            Self::Ok => "1;32",
            Self::Heading => "1",
            Self::Good => "32",
            Self::Bad => "31",
            Self::Caution => "33",
            Self::Dim => "2",
        }
    }
}

/// `text` in the style of `role`, when colour is `on`.
pub fn style(on: bool, role: Role, text: &str) -> String {
    if on { format!("\x1b[{}m{text}\x1b[0m", role.sgr()) } else { text.to_string() }
}

/// Describe a duration the way a person would write it back.
pub fn format_duration(d: time::Duration) -> String {
    let secs = d.whole_seconds();
    if secs % (365 * 86_400) == 0 && secs != 0 {
        format!("{}y", secs / (365 * 86_400))
    } else if secs % 86_400 == 0 && secs != 0 {
        format!("{}d", secs / 86_400)
    } else if secs % 3600 == 0 && secs != 0 {
        format!("{}h", secs / 3600)
    } else if secs % 60 == 0 && secs != 0 {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

/// Time left until an end, in the unit that fits (see [`crate::pki::dates::time_left`]).
pub fn format_time_left(d: time::Duration) -> String {
    crate::pki::dates::time_left(d)
}

/// The context every command receives: how to print, and whether it may prompt.
#[derive(Debug)]
pub struct Ctx {
    pub global: GlobalArgs,
    pub batch: bool,
    color_stdout: bool,
}

impl Ctx {
    pub fn new(global: &GlobalArgs) -> Self {
        let _ = COLOR.set(resolve_color(global.color, std::io::stderr().is_terminal()));
        Self {
            global: global.clone(),
            batch: crate::prompt::is_batch(global.batch),
            color_stdout: stdout_color(global.color),
        }
    }

    pub fn json(&self) -> bool {
        self.global.json
    }

    /// A progress or result line for people; suppressed by `--quiet`.
    pub fn info(&self, msg: impl AsRef<str>) {
        if !self.global.quiet {
            to_stderr(&format!("{}\n", msg.as_ref()));
        }
    }

    /// A warning: always printed on stderr.
    pub fn warn(&self, msg: impl AsRef<str>) {
        to_stderr(&format!("{} {}\n", style(stderr_color(), Role::Warning, "warning:"), msg.as_ref()));
    }

    /// The primary human result (a table, a decoded certificate): stdout,
    /// unless `--json` claims stdout, then stderr.
    pub fn result(&self, text: impl AsRef<str>) {
        let text = text.as_ref();
        if self.json() {
            if !self.global.quiet {
                to_stderr(text);
            }
        } else {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(terminal_safe(text).as_bytes());
            let _ = out.flush();
        }
    }

    /// What the store has to tell the user since the last call: notes and
    /// warnings on stderr, whatever `--quiet` says, as they concern the store itself.
    pub fn notices(&self, store: &Store) {
        for n in store.take_notices() {
            self.notice(&n);
        }
    }

    pub fn notice(&self, n: &Notice) {
        if n.is_warning() {
            self.warn(n.to_string());
        } else {
            to_stderr(&format!("note: {n}\n"));
        }
    }

    pub fn color_stdout(&self) -> bool {
        self.color_stdout && !self.json()
    }

    /// With `--json`, print the one JSON document on stdout.
    pub fn emit<T: Serialize>(&self, value: &T) -> anyhow::Result<()> {
        if self.json() {
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, value)?;
            out.write_all(b"\n")?;
            out.flush()?;
        }
        Ok(())
    }
}

/// Write human text to stderr. A closed or full stderr (`2>/dev/full`) must
/// not turn work already done into a failure, so write errors are dropped.
fn to_stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(terminal_safe(text).as_bytes());
    let _ = err.flush();
}

/// Text made safe for a terminal: newlines, tabs and the colour (SGR) sequences
/// `style` writes pass; every other control character (an OSC title sequence,
/// a bell, a carriage return, C1 controls) is shown as a `\u{..}` escape. The
/// last line of defence for values from files another tool wrote; the values
/// themselves are escaped where they are rendered (`San`'s Display, `names::printable`).
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\u{1b}' {
            if let Some(len) = sgr_len(rest) {
                out.push_str(&rest[..len]);
                rest = &rest[len..];
                continue;
            }
        }
        if c.is_control() && c != '\n' && c != '\t' {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    std::borrow::Cow::Owned(out)
}

/// The length of an SGR sequence (`ESC [ digits;digits m`) at the start of `text`.
fn sgr_len(text: &str) -> Option<usize> {
    let body = text.strip_prefix("\u{1b}[")?;
    let params = body.bytes().take_while(|b| b.is_ascii_digit() || *b == b';').count();
    (body.as_bytes().get(params) == Some(&b'm')).then_some(2 + params + 1)
}

/// An error that carries a suggestion for the fix.
#[derive(Debug)]
pub struct Hinted {
    pub message: String,
    pub hint: String,
}

impl std::fmt::Display for Hinted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Hinted {}

/// An error whose message is followed by `hint: ...`.
pub fn hinted(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Hinted { message: message.into(), hint: hint.into() })
}

pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    // `--json` output is written through serde_json, which wraps the io::Error.
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

/// `error: ...`, then one `caused by: ...` per cause, then any hint.
pub fn print_error(err: &anyhow::Error) {
    let color = stderr_color();
    let mut text = format!("{} {err}\n", style(color, Role::Error, "error:"));
    let mut last = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        // Some libraries repeat their source in their own message.
        if cause != last && !last.ends_with(&cause) {
            text.push_str(&format!("caused by: {cause}\n"));
        }
        last = cause;
    }
    for hint in hints(err) {
        text.push_str(&format!("{} {hint}\n", style(color, Role::Hint, "hint:")));
    }
    to_stderr(&text);
}

/// The hints for an error: those a command attached, else the standard hint
/// for each typed store error in its chain.
pub fn hints(err: &anyhow::Error) -> Vec<String> {
    let given: Vec<String> = err.chain().filter_map(|c| c.downcast_ref::<Hinted>()).map(|h| h.hint.clone()).collect();
    if !given.is_empty() {
        return given;
    }
    err.chain().filter_map(typed_hint).collect()
}

fn typed_hint(cause: &(dyn std::error::Error + 'static)) -> Option<String> {
    const LIST: &str = "list the store's certificates with: mtlsctl list";
    if let Some(e) = cause.downcast_ref::<StoreError>() {
        return match e {
            StoreError::Missing(dir) | StoreError::NotAStore(dir) => Some(not_a_store_hint(dir)),
            StoreError::LockTimeout { .. } => {
                Some("wait for the other command to finish, or raise MTLSCTL_LOCK_TIMEOUT (seconds)".into())
            }
            StoreError::NoPassphrase(_) => Some(passphrase_hint("--passphrase-file")),
            StoreError::KeyReadable { path, .. } => Some(format!("chmod 600 {}", path.display())),
            StoreError::IdentityExists(_) => Some("pass --force to replace it, or --out DIR to write elsewhere".into()),
            StoreError::IdentityOfAnother { holder, .. } => Some(format!(
                "pass --out DIR to write this identity elsewhere (--force would replace the identity of \"{holder}\")"
            )),
            StoreError::EasyrsaIssued { name, cn, .. } => Some(format!(
                "revoke it first (easyrsa revoke {name} or mtlsctl revoke --cn {cn}), or choose another --cn"
            )),
            StoreError::NotADirectory(_)
            | StoreError::Unreadable { .. }
            | StoreError::EasyrsaLocked { .. }
            | StoreError::CaKeyMissing(_) => None,
        };
    }
    if let Some(e) = cause.downcast_ref::<crate::pki::keys::KeyError>() {
        return match e {
            crate::pki::keys::KeyError::UnsupportedEncryption(_) => Some(
                "re-encrypt it with AES-256: openssl pkcs8 -topk8 -v2 aes-256-cbc -in KEY -out NEW (OpenSSL 3 may need -provider legacy -provider default to read it)".into(),
            ),
            crate::pki::keys::KeyError::Corrupt(_) => None,
            _ => Some(format!("check the passphrase (from a file, {}, or the prompt)", crate::prompt::PASSPHRASE_ENV)),
        };
    }
    match cause.downcast_ref::<RevokeError>()? {
        RevokeError::UnknownSerial(_) | RevokeError::UnknownCn(_) | RevokeError::NoValidCn { .. } => Some(LIST.into()),
        RevokeError::ForeignCert { .. } => Some("revoke it with the CA that issued it (--dir)".into()),
        _ => None,
    }
}

/// Where to point `--dir` instead: a directory inside a store, an easy-rsa PKI
/// without its CA and a directory of other files each get their own words;
/// only a missing or empty one is offered `init-ca`.
fn not_a_store_hint(dir: &std::path::Path) -> String {
    use crate::store::NotAStoreKind;
    let shown = dir.display();
    match crate::store::what_is(dir) {
        NotAStoreKind::Inside(root) => {
            let root = people_path(&root);
            format!("{shown} is inside the store {root}: pass --dir {root}")
        }
        NotAStoreKind::EasyrsaWithoutCa => format!(
            "{shown} is an easy-rsa PKI without a CA yet: run `easyrsa build-ca` there (mtlsctl then uses it as is), or create an mtlsctl store elsewhere with: mtlsctl init-ca --dir NEW_DIR"
        ),
        NotAStoreKind::Empty => format!("create one with: mtlsctl init-ca --dir {shown}"),
        NotAStoreKind::Other => format!(
            "{shown} holds other files: point --dir at a CA store (index.txt and certs/ca.crt, an easy-rsa PKI, or an `openssl ca` directory), or create one elsewhere with: mtlsctl init-ca --dir NEW_DIR"
        ),
    }
}

/// A path relative to the working directory when under it (`.` for itself).
fn people_path(p: &std::path::Path) -> String {
    let cwd = std::env::current_dir().ok().and_then(|c| std::fs::canonicalize(c).ok());
    match cwd.as_deref().and_then(|c| p.strip_prefix(c).ok()) {
        Some(rel) if rel.as_os_str().is_empty() => ".".to_string(),
        Some(rel) => rel.display().to_string(),
        None => p.display().to_string(),
    }
}

/// How to give a passphrase, naming the flag the command has for it.
pub fn passphrase_hint(flag: &str) -> String {
    format!("pass {flag} FILE or set {}", crate::prompt::PASSPHRASE_ENV)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_back_as_typed() {
        assert_eq!(format_duration(time::Duration::days(90)), "90d");
        assert_eq!(format_duration(time::Duration::days(730)), "2y");
        assert_eq!(format_duration(time::Duration::hours(12)), "12h");
        assert_eq!(format_duration(time::Duration::seconds(90)), "90s");
    }

    #[test]
    fn time_left_is_in_the_unit_that_fits() {
        let d = time::Duration::seconds;
        assert_eq!(format_time_left(d(86_399 - 59)), "23h59m");
        assert_eq!(format_time_left(d(2 * 86_400)), "48h00m");
        assert_eq!(format_time_left(d(6 * 86_400 + 3 * 3600 + 5)), "6 days 3 h");
        assert_eq!(format_time_left(d(45 * 60 + 10)), "45 min");
        assert_eq!(format_time_left(d(10)), "10 s");
        assert_eq!(format_time_left(d(-10)), "expired 10 s ago");
    }

    #[test]
    fn terminal_safe_escapes_all_but_newlines_tabs_and_colour() {
        assert_eq!(terminal_safe("a\tb\n"), "a\tb\n");
        let styled = style(true, Role::Bad, "revoked");
        assert_eq!(terminal_safe(&styled), styled);
        let hostile = "x\u{1b}]0;title\u{7}y\r\u{9b}2J";
        let safe = terminal_safe(hostile);
        assert!(!safe.chars().any(char::is_control), "{safe:?}");
        assert_eq!(safe, "x\\u{1b}]0;title\\u{7}y\\u{d}\\u{9b}2J");
        assert_eq!(terminal_safe("\u{1b}[31"), "\\u{1b}[31");
    }

    #[test]
    fn roles_style_only_when_colour_is_on() {
        assert_eq!(style(false, Role::Warning, "warning:"), "warning:");
        assert_eq!(style(true, Role::Warning, "warning:"), "\x1b[1;33mwarning:\x1b[0m");
        assert_eq!(style(true, Role::Dim, "x"), "\x1b[2mx\x1b[0m");
    }
}
