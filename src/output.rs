//! Everything mtlsctl prints goes through here: human lines on stderr (or the
//! primary result on stdout), exactly one JSON document on stdout with `--json`,
//! colour only where wanted, and the `error:` / `caused by:` / `hint:` format.

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

use serde::Serialize;

use crate::cli::{ColorChoice, GlobalArgs};

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

pub fn paint(on: bool, code: &str, text: &str) -> String {
    if on { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
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
            eprintln!("{}", msg.as_ref());
        }
    }

    /// A warning: always printed on stderr.
    pub fn warn(&self, msg: impl AsRef<str>) {
        eprintln!("{} {}", paint(stderr_color(), "1;33", "warning:"), msg.as_ref());
    }

    /// The primary human result (a table, a decoded certificate): stdout,
    /// unless `--json` claims stdout, then stderr.
    pub fn result(&self, text: impl AsRef<str>) {
        let text = text.as_ref();
        if self.json() {
            if !self.global.quiet {
                eprint!("{text}");
            }
        } else {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
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
    err.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe))
}

/// `error: ...`, then one `caused by: ...` per cause, then any hint.
pub fn print_error(err: &anyhow::Error) {
    let color = stderr_color();
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{} {err}", paint(color, "1;31", "error:"));
    let mut last = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        // Some libraries repeat their source in their own message.
        if text != last && !last.ends_with(&text) {
            let _ = writeln!(stderr, "caused by: {text}");
        }
        last = text;
    }
    for cause in err.chain() {
        if let Some(h) = cause.downcast_ref::<Hinted>() {
            let _ = writeln!(stderr, "{} {}", paint(color, "1;36", "hint:"), h.hint);
        }
    }
}
