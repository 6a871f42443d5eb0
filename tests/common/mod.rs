//! Test harness: a temp store, the binary run hermetically with --batch, free
//! ports on 127.0.0.1, real peers (openssl, nginx, curl) that must exist under CI.
//!
//! - `Env`: where mtlsctl runs (`Env::new()` a fresh `<tmp>/pki`, `Env::at(dir)` a
//!   store at `dir`) and what a run produced (`Run`).
//! - `openssl`, `openssl_ca`, `peer`: the peer tools, run in a directory.
//! - `mode`, `display`, `utf8`, `snapshot_dir`: files and paths.
//! - `start_nginx`, `curl`, `curl_status`: an mTLS server and its client.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mtlsctl"))
}

/// Where mtlsctl runs: a working directory (also HOME) and the store in it.
pub struct Env {
    dir: PathBuf,
    store: PathBuf,
    /// Keeps the temporary directory of `Env::new` alive; `Env::at` owns nothing.
    _tmp: Option<tempfile::TempDir>,
}

/// What a run produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(self) -> Self {
        assert_eq!(self.code, 0, "expected success\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
    pub fn code(self, code: i32) -> Self {
        assert_eq!(self.code, code, "expected exit {code}\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
    /// Any exit but 0 (a peer refusing something).
    pub fn nonzero(self) -> Self {
        assert_ne!(self.code, 0, "expected a failure\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
    /// Exit 1 with an `error:` line and no panic.
    pub fn error(self) -> Self {
        assert_eq!(self.code, 1, "expected exit 1\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        assert!(self.stderr.contains("error:"), "no error: line in\n{}", self.stderr);
        assert!(!self.stderr.contains("panicked"), "panic in\n{}", self.stderr);
        self
    }
    /// Exit 2 (clap's usage error) with an `error:` line and no panic.
    pub fn usage_error(self) -> Self {
        let r = self.code(2);
        assert!(r.stderr.contains("error:"), "{}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        r
    }
    pub fn stderr_has(self, needle: &str) -> Self {
        assert!(self.stderr.contains(needle), "stderr lacks {needle:?}:\n{}", self.stderr);
        self
    }
    pub fn stdout_has(self, needle: &str) -> Self {
        assert!(self.stdout.contains(needle), "stdout lacks {needle:?}:\n{}", self.stdout);
        self
    }
    /// stdout then stderr, for peers that report on either.
    pub fn both(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
    /// The `serial` of a `--json issue` (or sign, renew) result.
    pub fn serial(&self) -> String {
        self.json()["serial"].as_str().expect("serial in JSON").to_string()
    }
}

impl Env {
    /// A fresh temporary directory with the store path `<tmp>/pki` (not created yet).
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().to_path_buf();
        Self { store: dir.join("pki"), dir, _tmp: Some(tmp) }
    }

    /// The store at `store` (existing or to be made by `init-ca`); runs happen in the
    /// directory that holds it, as `Env::new` runs in the `<tmp>` that holds `<tmp>/pki`.
    /// Nothing is removed when it is dropped.
    pub fn at(store: impl Into<PathBuf>) -> Self {
        let store = store.into();
        let dir = store.parent().expect("a store path has a parent").to_path_buf();
        Self { dir, store, _tmp: None }
    }

    /// The working directory (and HOME) of every run.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    pub fn store(&self) -> PathBuf {
        self.store.clone()
    }

    /// A command for the binary: env cleared but PATH, HOME in the temp dir, cwd the temp dir.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(bin());
        c.env_clear();
        if let Some(p) = std::env::var_os("PATH") {
            c.env("PATH", p);
        }
        c.env("HOME", self.path());
        c.current_dir(self.path());
        c.stdin(Stdio::null());
        c
    }

    /// `cmd()` with `--batch --dir <store>`; the caller adds the arguments.
    pub fn batch_cmd(&self) -> Command {
        let mut c = self.cmd();
        c.arg("--batch").arg("--dir").arg(&self.store);
        c
    }

    /// Run with `--batch --dir <store>` before the arguments.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    pub fn run_with(&self, args: &[&str], envs: &[(&str, &str)]) -> Run {
        let mut c = self.batch_cmd();
        c.args(args);
        for (k, v) in envs {
            c.env(k, v);
        }
        to_run(c.output().expect("run mtlsctl"))
    }

    /// Run with `input` on stdin.
    pub fn run_stdin(&self, args: &[&str], input: &[u8]) -> Run {
        let mut c = self.batch_cmd();
        c.args(args);
        c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = c.spawn().expect("spawn mtlsctl");
        child.stdin.take().expect("stdin").write_all(input).expect("write stdin");
        to_run(child.wait_with_output().expect("wait mtlsctl"))
    }

    /// A store with a root CA (unencrypted key).
    pub fn with_ca(self) -> Self {
        self.run(&["init-ca"]).ok();
        self
    }

    pub fn issue(&self, cn: &str, extra: &[&str]) -> Run {
        let mut args = vec!["issue", "--cn", cn];
        args.extend_from_slice(extra);
        self.run(&args).ok()
    }

    /// Issue and return the serial from the JSON result.
    pub fn issue_serial(&self, cn: &str, extra: &[&str]) -> String {
        let mut args = vec!["--json", "issue", "--cn", cn];
        args.extend_from_slice(extra);
        let r = self.run(&args).ok();
        r.json()["serial"].as_str().expect("serial in issue --json").to_string()
    }

    /// `<store>/issued/<cn>/<file>`
    pub fn issued(&self, cn: &str, file: &str) -> PathBuf {
        self.store().join("issued").join(cn).join(file)
    }

    /// Every file under the store with its bytes, to prove a failing command changed nothing.
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        snapshot_dir(&self.store())
    }

    pub fn index_text(&self) -> String {
        std::fs::read_to_string(self.store().join("index.txt")).expect("read index.txt")
    }

    /// The serial of the last line of index.txt.
    pub fn last_serial(&self) -> String {
        let text = self.index_text();
        let line = text.lines().last().expect("index.txt has a line");
        line.split('\t').nth(3).expect("serial field").to_string()
    }

    /// `--json list EXTRA`.
    pub fn list_json(&self, extra: &[&str]) -> serde_json::Value {
        let mut args = vec!["--json", "list"];
        args.extend_from_slice(extra);
        self.run(&args).ok().json()
    }

    /// `mtlsctl --json verify ARGS`: (exit code, JSON, stderr).
    pub fn verify_json(&self, args: &[&str]) -> (i32, serde_json::Value, String) {
        let mut all = vec!["--json", "verify"];
        all.extend_from_slice(args);
        let r = self.run(&all);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        let j = r.json();
        (r.code, j, r.stderr)
    }
}

/// A root store at <tmp>/pki and an intermediate at <tmp>/int signed by it.
pub fn root_and_intermediate() -> (Env, PathBuf) {
    let env = Env::new().with_ca();
    let int = env.path().join("int");
    Env::at(&int).run(&["init-ca", "--parent", utf8(&env.store()), "--cn", "Issuing CA"]).ok();
    (env, int)
}

/// The certificate rows of `list --json`, by serial.
pub fn rows_by_serial(list: &serde_json::Value) -> BTreeMap<String, serde_json::Value> {
    list["certificates"]
        .as_array()
        .expect("certificates array")
        .iter()
        .map(|r| (r["serial"].as_str().expect("serial").to_string(), r.clone()))
        .collect()
}

// ---------------------------------------------------------------------------
// files and paths

/// The source tree (README, docs/, tests/).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn snapshot_dir(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "index.txt.lock") {
                out.insert(p.clone(), std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    out
}

/// The permission bits of a file or directory.
pub fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).permissions().mode() & 0o777
}

/// A path as an argument.
pub fn display(p: impl AsRef<Path>) -> String {
    p.as_ref().display().to_string()
}

/// A path as a `&str` argument (test paths are UTF-8).
pub fn utf8(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

pub fn to_run(o: Output) -> Run {
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

// ---------------------------------------------------------------------------
// peers

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("addr").port()
}

/// The path of a peer program. Under CI a missing peer fails the test; elsewhere too,
/// with the command that installs it: interop is never skipped silently.
pub fn require_peer(name: &str) -> PathBuf {
    let candidates: Vec<PathBuf> = match name {
        "nginx" => vec!["/usr/sbin/nginx".into(), "/usr/bin/nginx".into()],
        "easyrsa" => vec!["/usr/share/easy-rsa/easyrsa".into(), "/usr/bin/easyrsa".into()],
        _ => vec![],
    };
    for c in candidates {
        if c.exists() {
            return c;
        }
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let p = dir.join(name);
            if p.exists() {
                return p;
            }
        }
    }
    panic!("{name} is required by this interop test: apt-get install -y nginx-light openssl curl easy-rsa");
}

/// Run a peer command in `cwd` and capture its output, whatever its exit code.
pub fn peer(name: &str, args: &[&str], cwd: &Path) -> Run {
    let o = Command::new(require_peer(name))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {name}: {e}"));
    to_run(o)
}

/// `openssl ARGS` in `cwd`; it must succeed. (`peer("openssl", ..)` when it may fail.)
pub fn openssl(cwd: &Path, args: &[&str]) -> Run {
    let r = peer("openssl", args, cwd);
    assert_eq!(r.code, 0, "openssl {args:?} failed\nstdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    r
}

/// `openssl ca -config <store>/openssl.cnf ARGS` in the env's directory; it must succeed.
pub fn openssl_ca(env: &Env, args: &[&str]) -> Run {
    let cnf = env.store().join("openssl.cnf");
    let mut all = vec!["ca", "-config", utf8(&cnf)];
    all.extend_from_slice(args);
    openssl(env.path(), &all)
}

/// `openssl x509 -text` of a file relative to the env.
pub fn x509_text(env: &Env, file: &str) -> String {
    openssl(env.path(), &["x509", "-in", file, "-noout", "-text"]).stdout
}

/// An extension as `openssl x509 -text` shows it: (critical, the value line(s) joined).
pub fn ext(text: &str, name: &str) -> Option<(bool, String)> {
    let header = format!("X509v3 {name}:");
    let mut lines = text.lines();
    let line = lines.by_ref().find(|l| l.trim_start().starts_with(&header))?;
    let critical = line.trim_end().ends_with("critical");
    let mut value = Vec::new();
    for l in lines {
        let t = l.trim();
        if t.starts_with("X509v3 ") || t.starts_with("Signature Algorithm") || t.is_empty() {
            break;
        }
        value.push(t.to_string());
    }
    Some((critical, value.join(" ")))
}

pub fn must_ext(text: &str, name: &str) -> (bool, String) {
    ext(text, name).unwrap_or_else(|| panic!("no {name} extension in\n{text}"))
}

/// `openssl verify -purpose` of an issued certificate against the store's CA.
pub fn openssl_verify_purpose(env: &Env, cert: &str, purpose: &str) -> Run {
    peer("openssl", &["verify", "-CAfile", "pki/certs/ca.crt", "-purpose", purpose, cert], env.path())
}

/// A P-256 key and a request made by `openssl req` in `cwd`, with `extra`
/// arguments (e.g. `-addext`): returns the file names (NAME.csr, NAME.key).
pub fn openssl_csr(cwd: &Path, name: &str, subj: &str, extra: &[&str]) -> (String, String) {
    let key = format!("{name}.key");
    let csr = format!("{name}.csr");
    let mut args = vec![
        "req",
        "-new",
        "-utf8",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &key,
        "-subj",
        subj,
        "-out",
        &csr,
    ];
    args.extend_from_slice(extra);
    openssl(cwd, &args);
    (csr, key)
}

// ---------------------------------------------------------------------------
// nginx and curl

/// A server process we started; stopped by PID when dropped: SIGTERM first, so
/// a server with worker processes (Apache, an nginx master) stops them too —
/// SIGKILL of the parent alone leaves its workers running — then SIGKILL.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).stderr(std::process::Stdio::null()).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Wait until something listens on 127.0.0.1:port.
pub fn wait_port(port: u16, timeout: Duration) {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("nothing listens on 127.0.0.1:{port} after {timeout:?}");
}

/// The server directives of an nginx that requires a client certificate of `client_ca`.
pub fn nginx_mtls(cert: &Path, key: &Path, client_ca: &Path) -> String {
    format!(
        "    ssl_certificate {};\n    ssl_certificate_key {};\n    ssl_client_certificate {};\n    ssl_verify_client on;\n    ssl_verify_depth 2;\n",
        cert.display(),
        key.display(),
        client_ca.display(),
    )
}

/// `<dir>/nginx.conf` for a foreground nginx kept inside `dir`, with `http_body`
/// inside its http block.
pub fn write_nginx_conf(dir: &Path, http_body: &str) -> PathBuf {
    std::fs::create_dir_all(dir.join("logs")).expect("nginx logs dir");
    std::fs::create_dir_all(dir.join("tmp")).expect("nginx tmp dir");
    let conf = format!(
        "daemon off;\nmaster_process off;\npid {dir}/nginx.pid;\nerror_log {dir}/logs/error.log info;\nevents {{ worker_connections 64; }}\nhttp {{\n  access_log off;\n  client_body_temp_path {dir}/tmp;\n  proxy_temp_path {dir}/tmp;\n  fastcgi_temp_path {dir}/tmp;\n  uwsgi_temp_path {dir}/tmp;\n  scgi_temp_path {dir}/tmp;\n{http_body}}}\n",
        dir = dir.display()
    );
    let conf_path = dir.join("nginx.conf");
    std::fs::write(&conf_path, conf).expect("write nginx.conf");
    conf_path
}

/// Start nginx on `<dir>/nginx.conf` and wait until it listens on 127.0.0.1:port.
pub fn run_nginx(dir: &Path, port: u16) -> Server {
    let child = Command::new(require_peer("nginx"))
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nginx");
    let server = Server { child, port, dir: dir.to_path_buf() };
    wait_port(port, Duration::from_secs(10));
    server
}

/// nginx in the foreground on 127.0.0.1:port with `server_body` inside its server block.
/// The server block gets `listen 127.0.0.1:PORT ssl;` and a `location / { return 200 ... }`.
pub fn start_nginx(dir: &Path, server_body: &str) -> Server {
    let port = free_port();
    write_nginx_conf(
        dir,
        &format!(
            "  server {{\n    listen 127.0.0.1:{port} ssl;\n    ssl_protocols TLSv1.2 TLSv1.3;\n{server_body}\n    location / {{ return 200 \"hello $ssl_client_s_dn\\n\"; }}\n  }}\n"
        ),
    );
    run_nginx(dir, port)
}

/// curl https://127.0.0.1:port/ with extra args (`-s --max-time 10`).
pub fn curl(port: u16, args: &[&str]) -> Run {
    let url = format!("https://127.0.0.1:{port}/");
    let mut all = vec!["-s", "--max-time", "10"];
    all.extend_from_slice(args);
    all.push(&url);
    peer("curl", &all, Path::new("/"))
}

/// curl https://127.0.0.1:port/ with extra args; returns the HTTP status (0 when TLS failed).
pub fn curl_status(port: u16, args: &[&str]) -> u16 {
    let mut all = vec!["-o", "/dev/null", "-w", "%{http_code}"];
    all.extend_from_slice(args);
    curl(port, &all).stdout.trim().parse().unwrap_or(0)
}

/// easy-rsa 3 set up to run hermetically on the env's store (`<tmp>/pki`), batch, no stdin.
pub fn easyrsa_command(env: &Env) -> Command {
    let mut cmd = Command::new(require_peer("easyrsa"));
    cmd.current_dir(env.path())
        .env("EASYRSA_PKI", env.store())
        .env("EASYRSA_BATCH", "1")
        .env("HOME", env.path())
        .stdin(Stdio::null());
    cmd
}

/// easy-rsa 3 run hermetically on the env's store.
pub fn easyrsa(env: &Env, args: &[&str]) -> Run {
    to_run(easyrsa_command(env).args(args).output().expect("run easyrsa"))
}

/// The serials of a `check --json` report's problems with `code`.
pub fn problem_serials(report: &serde_json::Value, code: &str) -> std::collections::BTreeSet<String> {
    report["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter(|p| p["code"] == code)
        .map(|p| p["serial"].as_str().expect("serial").to_string())
        .collect()
}
