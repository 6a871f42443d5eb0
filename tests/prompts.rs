//! Prompts driven in a real terminal (tmux): the revoke confirmation waits for
//! Enter, keeps what is typed from reaching the shell, names the reason, and a
//! Ctrl-C at a prompt (confirmation or passphrase) leaves the terminal as it was.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{Env, bin, require_peer, utf8};

/// A tmux server of our own (its own socket, no config) running one bash
/// with a clean environment; the server is killed when dropped. Everything
/// the pane writes is appended, raw, to `log`.
struct Term {
    socket: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Term {
    /// bash, which puts back the terminal modes of a job killed by a signal.
    fn start() -> Self {
        Self::start_shell("bash --norc --noprofile")
    }

    /// `shell` (a command line) in a fresh tmux server.
    fn start_shell(shell: &str) -> Self {
        let tmux = require_peer("tmux");
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = format!(
            "mtlsctl-test-{}-{}",
            std::process::id(),
            dir.path().file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        );
        let log = dir.path().join("pane.log");
        let home = utf8(dir.path()).to_string();
        let path = std::env::var("PATH").unwrap_or_default();
        // `env -i`: no CI variable (it would make mtlsctl batch), a plain prompt.
        let cmdline = format!("env -i PATH='{path}' HOME='{home}' TERM=xterm-256color PS1='READY> ' {shell}");
        let ok = Command::new(&tmux)
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "160", "-y", "40", &cmdline])
            .status()
            .expect("run tmux");
        assert!(ok.success(), "tmux new-session failed");
        let term = Self { socket, log, _dir: dir };
        term.tmux(&["pipe-pane", "-t", "t", "-o", &format!("cat >> '{}'", utf8(&term.log))]);
        term.wait_for("READY>");
        term
    }

    fn tmux(&self, args: &[&str]) -> String {
        let o = Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().expect("run tmux");
        assert!(o.status.success(), "tmux {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Type `text` literally (no key names).
    fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "t", "-l", text]);
    }

    /// Press a key by tmux name (Enter, C-c).
    fn key(&self, name: &str) {
        self.tmux(&["send-keys", "-t", "t", name]);
    }

    /// Type a command line and press Enter.
    fn run(&self, line: &str) {
        self.type_text(line);
        self.key("Enter");
    }

    /// Once the shell prompts again, the last command's exit status: a command
    /// killed by SIGINT ends the whole line, so it is asked for on a line of its own.
    fn exit_status(&self) -> String {
        let start = Instant::now();
        while !self.screen().trim_end().ends_with("READY>") {
            assert!(start.elapsed() < Duration::from_secs(20), "no prompt after the command:\n{}", self.screen());
            std::thread::sleep(Duration::from_millis(50));
        }
        self.run("echo \"E\"\"XIT=$?\"");
        self.wait_for("EXIT=")
    }

    /// Clear the screen and its scrollback, so what follows is read alone.
    fn clear(&self) {
        self.run("clear");
        std::thread::sleep(Duration::from_millis(300));
        self.tmux(&["clear-history", "-t", "t"]);
    }

    /// What the pane shows now (with its scrollback).
    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "t", "-S", "-200"])
    }

    /// Every byte the pane's programs wrote so far.
    fn raw(&self) -> Vec<u8> {
        std::fs::read(&self.log).unwrap_or_default()
    }

    /// Wait until `needle` shows `times` times (a prompt asked again).
    fn wait_for_count(&self, needle: &str, times: usize) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.matches(needle).count() >= times {
                return s;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "timed out waiting for {times}x {needle:?} in:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "timed out waiting for {needle:?} in:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).status();
    }
}

fn shell_path(p: &Path) -> String {
    format!("'{}'", utf8(p))
}

/// The command line that runs mtlsctl on `env`'s store.
fn command(env: &Env, args: &str) -> String {
    format!("cd {} && {} --dir {} {args}", shell_path(env.path()), shell_path(&bin()), shell_path(&env.store()))
}

/// `command`, then the exit status printed as `EXIT=N` (typed so that the
/// line itself does not read `EXIT=`).
fn line(env: &Env, args: &str) -> String {
    format!("{}; echo \"E\"\"XIT=$?\"", command(env, args))
}

fn status_of(env: &Env, cn: &str) -> String {
    let list = env.list_json(&[]);
    let rows = list["certificates"].as_array().expect("certificates").clone();
    rows.iter()
        .filter(|r| r["common_name"] == cn)
        .map(|r| r["status"].as_str().unwrap_or_default().to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// The terminal's modes as `stty -a` reports them in the pane's shell.
fn stty_flags(term: &Term) -> String {
    term.clear();
    term.run("stty -a | tr ' ;' '\\n\\n' | grep -E -x -- '-?(echo|icanon|isig)' | tr '\\n' ' '; echo STTY-\"\"END");
    let screen = term.wait_for("STTY-END\n");
    let at = screen.rfind("STTY-END").expect("marker");
    let start = screen[..at].rfind('\n').map_or(0, |i| i + 1);
    screen[start..at].to_string()
}

/// After the last "hide cursor" escape, a "show cursor" one was written (or the cursor was never hidden).
fn cursor_left_visible(raw: &[u8]) -> bool {
    let find_last = |pat: &[u8]| raw.windows(pat.len()).rposition(|w| w == pat);
    match find_last(b"\x1b[?25l") {
        None => true,
        Some(hide) => find_last(b"\x1b[?25h").is_some_and(|show| show > hide),
    }
}

#[test]
fn revoke_waits_for_enter_and_names_the_reason() {
    let env = Env::new().with_ca();
    env.issue("bob", &[]);
    let term = Term::start();
    term.run(&line(&env, "revoke --cn bob --reason key-compromise"));
    let screen = term.wait_for("[y/N]");
    assert!(screen.contains("Revoke 1 certificate, reason keyCompromise? [y/N]"), "{screen}");
    assert!(screen.contains("/CN=bob"), "the question shows what is revoked:\n{screen}");

    // One keystroke answers nothing: the prompt waits for Enter.
    term.type_text("y");
    std::thread::sleep(Duration::from_millis(800));
    assert!(!term.screen().contains("EXIT="), "answered on a keystroke:\n{}", term.screen());
    assert_eq!(status_of(&env, "bob"), "valid", "revoked before Enter");

    term.key("Enter");
    let screen = term.wait_for("EXIT=");
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert_eq!(status_of(&env, "bob"), "revoked");
}

#[test]
fn typing_yes_does_not_leak_into_the_shell_and_no_declines() {
    let env = Env::new().with_ca();
    env.issue("carol", &[]);
    env.issue("dave", &[]);
    let term = Term::start();

    term.run(&line(&env, "revoke --cn carol"));
    term.wait_for("reason unspecified? [y/N]");
    term.type_text("yes");
    term.key("Enter");
    term.wait_for("EXIT=0");
    // Whatever the prompt did not read would now run as a command.
    term.run("echo AFTER-$((40+2))");
    let screen = term.wait_for("AFTER-42");
    assert!(!screen.contains("command not found"), "keystrokes reached the shell:\n{screen}");
    assert_eq!(status_of(&env, "carol"), "revoked");

    // Anything but y/yes, an empty line included, declines and changes nothing.
    for answer in ["", "n", "ye"] {
        let before = env.snapshot();
        term.clear();
        term.run(&line(&env, "revoke --cn dave"));
        term.wait_for("[y/N]");
        term.type_text(answer);
        term.key("Enter");
        let screen = term.wait_for("EXIT=");
        assert!(
            screen.contains("not confirmed; nothing changed") && screen.contains("EXIT=1"),
            "{answer:?}:\n{screen}"
        );
        assert_eq!(env.snapshot(), before, "{answer:?} changed the store");
    }
    assert_eq!(status_of(&env, "dave"), "valid");
}

#[test]
fn ctrl_c_at_a_prompt_leaves_the_terminal_as_it_was() {
    let env = Env::new().with_ca();
    env.issue("erin", &[]);
    let term = Term::start();
    let sane = stty_flags(&term);
    assert!(sane.contains("echo") && !sane.contains("-echo"), "{sane}");

    // The revoke confirmation.
    let before = env.snapshot();
    term.run(&command(&env, "revoke --cn erin"));
    term.wait_for("[y/N]");
    term.key("C-c");
    let screen = term.exit_status();
    assert!(screen.contains("EXIT=130"), "Ctrl-C stops the command as SIGINT does:\n{screen}");
    assert_eq!(env.snapshot(), before, "Ctrl-C changed the store");
    assert!(cursor_left_visible(&term.raw()), "the cursor is left hidden: {:?}", String::from_utf8_lossy(&term.raw()));
    assert_eq!(stty_flags(&term), sane, "terminal modes after Ctrl-C at the confirmation");

    // A passphrase prompt (echo off while typing) at init-ca.
    let fresh = Env::new();
    term.clear();
    term.run(&command(&fresh, "init-ca"));
    term.wait_for("Passphrase for the new CA key");
    term.type_text("half-typed");
    term.key("C-c");
    let screen = term.exit_status();
    assert!(screen.contains("EXIT=130"), "{screen}");
    assert!(!fresh.store().join("private/ca.key").exists(), "Ctrl-C left a CA key behind");
    assert!(cursor_left_visible(&term.raw()), "the cursor is left hidden");
    assert_eq!(stty_flags(&term), sane, "terminal modes after Ctrl-C at the passphrase prompt");
}

/// dash leaves the terminal as a killed job left it, so there the prompt itself
/// must put the modes back before a Ctrl-C stops it; and a passphrase typed
/// at the prompts (twice, a mismatch asked again) encrypts the CA key.
#[test]
fn passphrase_prompts_restore_the_terminal_themselves() {
    let dash = require_peer("dash");
    let term = Term::start_shell(utf8(&dash));
    let sane = stty_flags(&term);
    assert!(sane.contains("echo") && !sane.contains("-echo"), "{sane}");

    let env = Env::new();
    term.run(&command(&env, "init-ca"));
    term.wait_for("Passphrase for the new CA key");
    term.type_text("half-typed");
    term.key("C-c");
    let screen = term.exit_status();
    assert!(screen.contains("EXIT=130"), "{screen}");
    assert!(!env.store().join("private/ca.key").exists(), "Ctrl-C left a CA key behind");
    assert_eq!(stty_flags(&term), sane, "terminal modes after Ctrl-C at the passphrase prompt under dash");

    term.clear();
    term.run(&line(&env, "init-ca"));
    for (prompt, times, answer) in [
        ("Passphrase for the new CA key", 1, "s3cret"),
        ("Repeat the passphrase", 1, "other"),
        ("Passphrase for the new CA key", 2, "s3cret"),
        ("Repeat the passphrase", 2, "s3cret"),
    ] {
        term.wait_for_count(prompt, times);
        std::thread::sleep(Duration::from_millis(200));
        term.type_text(answer);
        term.key("Enter");
    }
    let screen = term.wait_for("EXIT=");
    assert!(screen.contains("EXIT=0") && screen.contains("do not match"), "{screen}");
    assert!(!screen.contains("s3cret") && !screen.contains("other"), "a passphrase was echoed:\n{screen}");
    let key = std::fs::read_to_string(env.store().join("private/ca.key")).expect("CA key");
    assert!(key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"), "{key}");
    let opened = crate::common::peer(
        "openssl",
        &["pkey", "-in", "pki/private/ca.key", "-passin", "pass:s3cret", "-noout"],
        env.path(),
    );
    assert_eq!(opened.code, 0, "{}", opened.both());
    assert_eq!(stty_flags(&term), sane, "terminal modes after the passphrase prompts");

    // Signing asks for it once.
    term.clear();
    term.run(&line(&env, "issue --cn signed"));
    term.wait_for("Passphrase for");
    term.type_text("s3cret");
    term.key("Enter");
    let screen = term.wait_for("EXIT=");
    assert!(screen.contains("EXIT=0") && screen.contains("Issued client certificate"), "{screen}");
}
