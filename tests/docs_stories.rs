//! The stories of README.md and docs/guide.md run as written — every `sh` block,
//! in order, in an empty directory, against a real nginx and curl — and do what
//! their comments claim; the commands of `console` blocks and of
//! docs/coming-from.md parse; the CRL expiry warning fits the CRL's lifetime.
//!
//! How the docs mark their blocks (they stay plain Markdown for people):
//! - a fenced ```` ```sh ```` block is part of the story: it is run;
//! - ```` ```console ```` (commands after `$ `: root, crontab, systemd) and
//!   ```` ```text ```` blocks are not run; their `mtlsctl` commands are parsed
//!   by the real command line; ```` ```nginx ```` shows a configuration
//!   (the guide's is compared with what `nginx-config` prints).
//! - A trailing comment is a claim the test checks: `# exit N` (or
//!   `# exit N: …`) is the exit status, otherwise 0; a curl command must end in
//!   `# STATUS text`: the HTTP status, and text the answer contains.
//!
//! The story runs with no stdin and `CI=true` (so `--batch`), HOME in the
//! directory, and two stand-ins on PATH: `nginx` drives the test's own nginx
//! (`-p`/`-c` its sandbox; `-s reload` checks the configuration first and
//! waits until the old workers are gone) and `curl` adds `-sS`, a timeout and
//! the HTTP status. `/etc/nginx/` in a command is the sandbox's directory and
//! port 8443 a free port on 127.0.0.1. The test starts that nginx before the
//! story and stops it by PID.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clap::CommandFactory;

use crate::common::*;

/// The port the docs show; each run replaces it with a free one.
const DOC_PORT: &str = "8443";

/// One fenced block of a document.
struct Block {
    lang: String,
    line: usize,
    body: Vec<String>,
}

fn blocks(doc: &str) -> Vec<Block> {
    let text = std::fs::read_to_string(repo().join(doc)).unwrap_or_else(|e| panic!("{doc}: {e}"));
    let mut out = Vec::new();
    let mut current: Option<Block> = None;
    for (i, line) in text.lines().enumerate() {
        if let Some(info) = line.trim_start().strip_prefix("```") {
            match current.take() {
                Some(b) => out.push(b),
                None => {
                    let lang = info.split_whitespace().next().unwrap_or("").to_string();
                    current = Some(Block { lang, line: i + 1, body: Vec::new() });
                }
            }
            continue;
        }
        if let Some(b) = current.as_mut() {
            b.body.push(line.to_string());
        }
    }
    assert!(current.is_none(), "{doc}: a fenced block is not closed");
    out
}

/// One shell command of a story (continuation lines joined by the shell itself).
#[derive(Debug)]
struct Cmd {
    line: usize,
    text: String,
}

impl Cmd {
    /// The trailing comment of the command's last line (the claim).
    fn claim(&self) -> &str {
        let last = self.text.lines().last().unwrap_or("");
        last.find(" # ").map_or("", |i| last[i + 3..].trim())
    }

    fn expected_code(&self) -> i32 {
        let c = self.claim();
        c.strip_prefix("exit ")
            .and_then(|r| r.split(|ch: char| !ch.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    fn is_curl(&self) -> bool {
        self.text.trim_start().starts_with("curl ")
    }
}

/// The commands of the document's `sh` blocks, in order.
fn story(doc: &str) -> Vec<Cmd> {
    let mut cmds = Vec::new();
    for b in blocks(doc).into_iter().filter(|b| b.lang == "sh") {
        let mut pending: Option<Cmd> = None;
        for (i, line) in b.body.iter().enumerate() {
            assert!(!line.contains("<<"), "{doc}:{}: no here-documents in a story block", b.line + 1 + i);
            if let Some(mut c) = pending.take() {
                c.text.push('\n');
                c.text.push_str(line);
                if line.trim_end().ends_with('\\') {
                    pending = Some(c);
                } else {
                    cmds.push(c);
                }
                continue;
            }
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let c = Cmd { line: b.line + 1 + i, text: line.clone() };
            if t.ends_with('\\') {
                pending = Some(c);
            } else {
                cmds.push(c);
            }
        }
        assert!(pending.is_none(), "{doc}: a block ends in a continuation line");
    }
    cmds
}

/// The test's nginx: a sandbox directory, the stand-ins on PATH, the server.
struct Sandbox {
    ngx: PathBuf,
    bin: PathBuf,
    port: u16,
    server: Server,
}

fn sandbox(root: &Path) -> Sandbox {
    let nginx = require_peer("nginx");
    let curl = require_peer("curl");
    let ngx = root.join("nginx");
    let bin = root.join("bin");
    for d in [ngx.join("conf.d"), ngx.join("tmp"), bin.clone()] {
        std::fs::create_dir_all(&d).expect("sandbox dir");
    }
    let (port, idle) = (free_port(), free_port());
    let n = ngx.display();
    // A running nginx with nothing of the story yet, as on a server: one idle
    // server block, and conf.d/ to include.
    let conf = format!(
        "daemon off;\nmaster_process on;\npid {n}/nginx.pid;\nerror_log {n}/error.log info;\nevents {{ worker_connections 64; }}\nhttp {{\n  access_log off;\n  client_body_temp_path {n}/tmp;\n  proxy_temp_path {n}/tmp;\n  fastcgi_temp_path {n}/tmp;\n  uwsgi_temp_path {n}/tmp;\n  scgi_temp_path {n}/tmp;\n  include {n}/conf.d/*.conf;\n  server {{ listen 127.0.0.1:{idle}; return 404; }}\n}}\n"
    );
    std::fs::write(ngx.join("nginx.conf"), conf).expect("nginx.conf");
    let real = nginx.display();
    let wrapper = format!(
        "#!/bin/sh\n# The story's nginx is the test's sandbox.\nset -e\nngx() {{ {real} -p {n} -c {n}/nginx.conf \"$@\"; }}\nif [ \"$*\" = \"-s reload\" ]; then\n  ngx -t -q\n  master=$(cat {n}/nginx.pid)\n  old=$(for s in /proc/[0-9]*/stat; do read -r pid comm state ppid rest < \"$s\" 2>/dev/null && [ \"$ppid\" = \"$master\" ] && echo \"$pid\"; done || true)\n  ngx -s reload 2>/dev/null\n  # Done when the workers with the old configuration have exited.\n  for i in $(seq 200); do\n    alive=0\n    for p in $old; do [ -e /proc/$p ] && alive=1; done\n    [ $alive = 0 ] && exit 0\n    sleep 0.05\n  done\n  echo 'nginx: the old workers did not exit' >&2\n  exit 1\nfi\nngx \"$@\"\n"
    );
    let curl_wrapper =
        format!("#!/bin/sh\nexec {} -sS --max-time 20 -w '\\n@@http %{{http_code}}@@\\n' \"$@\"\n", curl.display());
    for (name, body) in [("nginx", wrapper), ("curl", curl_wrapper)] {
        let p = bin.join(name);
        std::fs::write(&p, body).expect("write stand-in");
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    }
    let child = Command::new(&nginx)
        .arg("-p")
        .arg(&ngx)
        .arg("-c")
        .arg(ngx.join("nginx.conf"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nginx");
    let server = Server { child, port: idle, dir: ngx.clone() };
    wait_port(idle, Duration::from_secs(10));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ngx.join("nginx.pid").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    Sandbox { ngx, bin, port, server }
}

impl Sandbox {
    fn path_var(&self) -> String {
        let mtlsctl = bin().parent().expect("binary dir").to_path_buf();
        format!("{}:{}:{}", self.bin.display(), mtlsctl.display(), std::env::var("PATH").unwrap_or_default())
    }

    /// A command of the docs as this run executes it.
    fn localize(&self, text: &str) -> String {
        text.replace("/etc/nginx/", &format!("{}/", self.ngx.display())).replace(DOC_PORT, &self.port.to_string())
    }
}

/// What one command of a story printed (stdout and stderr, in order) and its status.
struct Ran<'a> {
    cmd: &'a Cmd,
    code: i32,
    out: String,
}

/// Run the story of `doc` in `dir` against the sandbox; one result per command.
fn run_story<'a>(doc: &str, cmds: &'a [Cmd], dir: &Path, sb: &Sandbox) -> Vec<Ran<'a>> {
    let mut script = String::from("exec 2>&1\n");
    for (i, c) in cmds.iter().enumerate() {
        script.push_str(&format!(
            "printf '\\n@@cmd {i}@@\\n'\n{}\nprintf '\\n@@rc {i} %s@@\\n' \"$?\"\n",
            sb.localize(&c.text)
        ));
    }
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(dir)
        .env_clear()
        .env("PATH", sb.path_var())
        .env("HOME", dir)
        .env("CI", "true")
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run bash");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).expect("read the story's output");
        s
    });
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{doc}: the story did not finish in 300 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let all = reader.join().expect("reader");
    cmds.iter()
        .enumerate()
        .map(|(i, cmd)| {
            let start = format!("@@cmd {i}@@\n");
            let end = format!("\n@@rc {i} ");
            let from = all.find(&start).map(|p| p + start.len());
            let (out, code) = match from {
                Some(f) => {
                    let rest = &all[f..];
                    let stop = rest.find(&end).unwrap_or(rest.len());
                    let code = rest[stop..]
                        .strip_prefix(&end)
                        .and_then(|r| r.split("@@").next())
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(-1);
                    (rest[..stop].to_string(), code)
                }
                None => (String::new(), -1),
            };
            Ran { cmd, code, out }
        })
        .collect()
}

/// Check the claims of every command: exit status, and for curl the HTTP status and text.
fn check_claims(doc: &str, ran: &[Ran]) {
    for r in ran {
        let where_ = format!("{doc}:{}: `{}`", r.cmd.line, r.cmd.text);
        assert_eq!(r.code, r.cmd.expected_code(), "{where_} exited {}:\n{}", r.code, r.out);
        if r.cmd.is_curl() {
            let claim = r.cmd.claim();
            let (status, text) = claim.split_once(' ').unwrap_or((claim, ""));
            assert!(
                status.len() == 3 && status.chars().all(|c| c.is_ascii_digit()),
                "{where_}: a curl command of a story ends in `# STATUS text`, the answer it gets"
            );
            assert!(r.out.contains(&format!("@@http {status}@@")), "{where_}: not HTTP {status}:\n{}", r.out);
            assert!(r.out.contains(text.trim()), "{where_}: the answer lacks {text:?}:\n{}", r.out);
        }
    }
}

/// The one command whose text has every one of `needles`; its result.
fn find<'r, 'a>(ran: &'r [Ran<'a>], needles: &[&str]) -> &'r Ran<'a> {
    let hits: Vec<&Ran> = ran.iter().filter(|r| needles.iter().all(|n| r.cmd.text.contains(n))).collect();
    assert_eq!(
        hits.len(),
        1,
        "exactly one story command has all of {needles:?}: {:?}",
        hits.iter().map(|r| &r.cmd.text).collect::<Vec<_>>()
    );
    hits[0]
}

fn says(r: &Ran, needle: &str) {
    assert!(r.out.contains(needle), "`{}` should say {needle:?}:\n{}", r.cmd.text, r.out);
}

/// The crontab line `schedule cron` printed runs, and finds nothing due right after the story.
fn cron_job_runs(r: &Ran, dir: &Path, sb: &Sandbox) {
    let line =
        r.out.lines().find(|l| l.starts_with("0 * * * * /")).unwrap_or_else(|| panic!("no crontab line:\n{}", r.out));
    assert!(line.contains("gen-crl --if-due --exec 'nginx -s reload'"), "the CRL job reloads nginx: {line}");
    assert!(line.contains("renew --due --exec 'nginx -s reload'"), "{line}");
    let job = line.splitn(6, ' ').nth(5).expect("the job");
    let o = Command::new("sh")
        .arg("-c")
        .arg(job)
        .current_dir("/")
        .env_clear()
        .env("PATH", sb.path_var())
        .stdin(Stdio::null())
        .output()
        .expect("run the cron job");
    let r = to_run(o);
    assert_eq!(r.code, 0, "{job}:\n{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("not due") && r.stderr.contains("nothing due"), "{}", r.stderr);
    assert!(dir.join("pki/crl/ca.crl").exists());
}

#[test]
fn readme_runs_as_written() {
    let cmds = story("README.md");
    assert!(cmds.len() >= 20, "README story too short: {cmds:?}");
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("work");
    std::fs::create_dir(&dir).expect("work dir");
    let sb = sandbox(tmp.path());
    let ran = run_story("README.md", &cmds, &dir, &sb);
    check_claims("README.md", &ran);
    says(find(&ran, &["verify pki/issued/payment-service/cert.pem"]), "for client authentication");
    says(find(&ran, &["list --revoked"]), "payment-service");
    says(find(&ran, &["probe", "--name payment-service"]), "client_cert_revoked");
    let ok = find(&ran, &["probe", "--no-client-cert"]);
    says(ok, "ok: mTLS works");
    says(ok, "enforcement  required");
    says(find(&ran, &["-status"]), "=Valid (V)");
    says(find(&ran, &["mtlsctl list", "sees both"]), "legacy-app");
    cron_job_runs(find(&ran, &["schedule cron"]), &dir, &sb);
    drop(sb.server);
}

#[test]
fn guide_runs_as_written() {
    let cmds = story("docs/guide.md");
    assert!(cmds.len() >= 25, "guide story too short: {cmds:?}");
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("work");
    std::fs::create_dir(&dir).expect("work dir");
    let sb = sandbox(tmp.path());
    let ran = run_story("docs/guide.md", &cmds, &dir, &sb);
    check_claims("docs/guide.md", &ran);
    says(find(&ran, &["verify pki/issued/payment-service/cert.pem"]), "revoked on");
    says(find(&ran, &["list --expiring 8h"]), "no certificates");
    says(find(&ran, &["renew --cn checkout --before 8h"]), "nothing to do");
    says(find(&ran, &["renew --cn checkout  "]), "Renewed \"checkout\"");
    says(find(&ran, &["renew --due"]), "skipped payment-service: revoked");
    says(find(&ran, &["probe", "--name payment-service"]), "client_cert_revoked");
    says(find(&ran, &["probe", "--name checkout"]), "ok: mTLS works");
    says(find(&ran, &["init-ca --dir issuing-ca --parent root-ca"]), "intermediate CA");
    assert!(dir.join("issuing-ca/certs/ca-chain.crt").exists());
    cron_job_runs(find(&ran, &["schedule cron"]), &dir, &sb);
    // The configuration the guide shows is what nginx-config wrote (paths and port aside).
    let written = std::fs::read_to_string(sb.ngx.join("conf.d/api-mtls.conf")).expect("the story wrote the config");
    let store = std::fs::canonicalize(dir.join("pki")).expect("store");
    let squash = |l: &str| l.split_whitespace().collect::<Vec<_>>().join(" ");
    let have: BTreeSet<String> = written.lines().map(squash).collect();
    let shown = blocks("docs/guide.md").into_iter().find(|b| b.lang == "nginx").expect("the guide shows the config");
    for line in &shown.body {
        let code = line.split(" #").next().unwrap_or("");
        if code.trim().is_empty() || code.trim_start().starts_with('#') {
            continue;
        }
        let want = squash(&sb.localize(&code.replace("/srv/pki", &store.display().to_string())));
        assert!(have.contains(&want), "docs/guide.md:{}: nginx-config does not write `{want}`:\n{written}", shown.line);
    }
    drop(sb.server);
}

// ---------------------------------------------------------------------------
// Commands that are shown but not run still parse.

/// The words of a shell command line up to its end (`|`, `;`, `&&`, `)`, `>`, `#`).
fn shell_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for ch in s.chars() {
        match quote {
            Some(q) if ch == q => quote = None,
            Some(_) => cur.push(ch),
            None => match ch {
                '\'' | '"' => {
                    quote = Some(ch);
                    started = true;
                }
                '|' | ';' | '&' | ')' | '>' | '#' => break,
                c if c.is_whitespace() => {
                    if started || !cur.is_empty() {
                        words.push(std::mem::take(&mut cur));
                        started = false;
                    }
                }
                c => cur.push(c),
            },
        }
    }
    if started || !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// `line` without its comment (an unquoted ` #` and what follows).
fn without_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, ch) in line.char_indices() {
        match quote {
            Some(q) if ch == q => quote = None,
            Some(_) => {}
            None if ch == '\'' || ch == '"' => quote = Some(ch),
            None if ch == '#' && prev.is_whitespace() => return &line[..i],
            None => {}
        }
        prev = ch;
    }
    line
}

/// Every `mtlsctl …` invocation in `line`, as argument vectors.
fn invocations(line: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = without_comment(line);
    while let Some(i) = rest.find("mtlsctl ") {
        let before_ok = i == 0 || rest[..i].ends_with([' ', '(', '`', '$']);
        let after = &rest[i + "mtlsctl ".len()..];
        if before_ok {
            let mut args = vec!["mtlsctl".to_string()];
            args.extend(shell_words(after));
            out.push(args);
        }
        rest = after;
    }
    out
}

fn assert_parses(place: &str, args: &[String]) {
    // Placeholders the docs use for values the reader fills in.
    let args: Vec<String> = args.iter().map(|a| if a == "HEX" { "0A1B2C".to_string() } else { a.clone() }).collect();
    if let Err(e) = mtlsctl::commands::Cli::command().try_get_matches_from(&args) {
        assert!(
            matches!(e.kind(), clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion),
            "{place}: `{}` does not parse:\n{e}",
            args.join(" ")
        );
    }
}

#[test]
fn shown_commands_parse() {
    let mut checked = 0;
    for doc in ["README.md", "docs/guide.md"] {
        for b in blocks(doc).into_iter().filter(|b| b.lang == "console") {
            for (i, line) in b.body.iter().enumerate() {
                let Some(cmd) = line.strip_prefix("$ ") else { continue };
                for args in invocations(cmd) {
                    assert_parses(&format!("{doc}:{}", b.line + 1 + i), &args);
                    checked += 1;
                }
            }
        }
        for c in story(doc) {
            for args in invocations(&c.text.replace("\\\n", " ")) {
                assert_parses(&format!("{doc}:{}", c.line), &args);
            }
        }
    }
    // docs/coming-from.md: the mtlsctl side of each table row.
    let text = std::fs::read_to_string(repo().join("docs/coming-from.md")).expect("coming-from.md");
    for (n, line) in text.lines().enumerate() {
        for span in line.split('`').skip(1).step_by(2) {
            if span.starts_with("mtlsctl ") {
                for args in invocations(span) {
                    assert_parses(&format!("docs/coming-from.md:{}", n + 1), &args);
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 40, "only {checked} shown commands found");
}

// ---------------------------------------------------------------------------
// The CRL expiry warning: within 24 hours, or a quarter of a shorter CRL's lifetime.

/// `YYMMDDHHMMSSZ`, `hours` from now, for `openssl ca -crl_lastupdate/-crl_nextupdate`.
fn openssl_time(hours: i64) -> String {
    let t = time::OffsetDateTime::now_utc() + time::Duration::hours(hours);
    format!(
        "{:02}{:02}{:02}{:02}{:02}{:02}Z",
        t.year() % 100,
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Replace the store's CRL by one `openssl ca -gencrl` made for [last, next] hours from now.
pub fn crl_between(env: &Env, last: i64, next: i64) {
    let out = env.store().join("crl/ca.crl");
    openssl_ca(
        env,
        &[
            "-gencrl",
            "-crl_lastupdate",
            &openssl_time(last),
            "-crl_nextupdate",
            &openssl_time(next),
            "-out",
            utf8(&out),
        ],
    );
}

const WARNING: &str = "warning: the CRL";

#[test]
fn crl_warning_fits_the_crl_lifetime() {
    let env = Env::new().with_ca();
    // A deliberate 12-hour CRL is quiet: from gen-crl itself and from the next commands.
    let r = env.run(&["gen-crl", "--next-update", "12h"]).ok();
    assert!(!r.stderr.contains(WARNING), "{}", r.stderr);
    for args in [&["list"][..], &["issue", "--cn", "svc"]] {
        let r = env.run(args).ok();
        assert!(!r.stderr.contains(WARNING), "{args:?}: {}", r.stderr);
    }
    // An 11-hour CRL with 10 hours left: quiet; with 2 hours left (< a quarter): warns.
    crl_between(&env, -1, 10);
    assert!(!env.run(&["list"]).ok().stderr.contains(WARNING));
    crl_between(&env, -9, 2);
    env.run(&["list"]).ok().stderr_has("the CRL pki/crl/ca.crl expires in 1h5");
    // A 7-day CRL warns within its last 24 hours, not before.
    crl_between(&env, -6 * 24, 23);
    env.run(&["list"]).ok().stderr_has("expires in 22h5");
    crl_between(&env, -5 * 24, 47);
    assert!(!env.run(&["list"]).ok().stderr.contains(WARNING));
    // An expired one always warns.
    crl_between(&env, -48, -1);
    env.run(&["list"]).ok().stderr_has("expired on");
    // The docs say so.
    for doc in ["README.md", "docs/guide.md"] {
        let text = std::fs::read_to_string(repo().join(doc)).expect("doc");
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains("a quarter of its lifetime"), "{doc} describes the warning window");
    }
}

#[test]
fn gen_crl_exec_runs_after_a_new_crl_only() {
    let env = Env::new().with_ca();
    let count = env.path().join("count");
    let exec = format!("echo reloaded >> {}", utf8(&count));
    let lines = || std::fs::read_to_string(&count).map(|s| s.lines().count()).unwrap_or(0);
    let r = env.run(&["--json", "gen-crl", "--exec", &exec]).ok();
    assert_eq!(r.json()["exec"]["success"], true, "{}", r.stdout);
    assert_eq!(lines(), 1);
    // Not due: no CRL, no reload.
    env.run(&["gen-crl", "--if-due", "--exec", &exec]).ok().stderr_has("not due");
    assert_eq!(lines(), 1);
    env.run(&["gen-crl", "--if-due", "--before", "100%", "--exec", &exec]).ok();
    assert_eq!(lines(), 2);
    // A failing reload is an error, and the CRL is written all the same.
    let before = std::fs::read(env.store().join("crl/ca.crl")).expect("crl");
    env.run(&["gen-crl", "--exec", "exit 7"]).error().stderr_has("exit status 7");
    assert_ne!(std::fs::read(env.store().join("crl/ca.crl")).expect("crl"), before);
}

/// Without --upstream the block answers by itself (the stories' 200); with it, it
/// proxies and forwards the identity headers (run against nginx in renew_export).
#[test]
fn nginx_config_answers_by_itself_unless_upstream() {
    let env = Env::new().with_ca();
    env.issue("localhost", &["--profile", "server"]);
    env.run(&["gen-crl"]).ok();
    let own = env.run(&["--json", "nginx-config", "--server", "localhost"]).ok().json();
    let config = own["config"].as_str().expect("config");
    assert!(own["upstream"].is_null(), "{own}");
    assert!(config.contains("return 200 \"client: $ssl_client_s_dn\\nverify: $ssl_client_verify\\n\";"), "{config}");
    assert!(!config.contains("proxy_pass") && !config.contains("X-Client-Cert-CN"), "{config}");
    let up = "http://127.0.0.1:9000";
    let proxied = env.run(&["--json", "nginx-config", "--server", "localhost", "--upstream", up]).ok().json();
    let config = proxied["config"].as_str().expect("config");
    assert_eq!(proxied["upstream"], up);
    assert!(config.contains(&format!("proxy_pass {up};")) && config.contains("X-Client-Cert-CN"), "{config}");
    assert!(!config.contains("return 200"), "{config}");
}
