//! Test harness: a temp store, the binary run hermetically with --batch, free
//! ports on 127.0.0.1, real peers (openssl, nginx, curl) that must exist under CI.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mtlsctl"))
}

/// A temporary working directory with a store path `<tmp>/pki`.
pub struct Env {
    pub tmp: tempfile::TempDir,
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
    /// Exit 1 with an `error:` line and no panic.
    pub fn error(self) -> Self {
        assert_eq!(self.code, 1, "expected exit 1\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        assert!(self.stderr.contains("error:"), "no error: line in\n{}", self.stderr);
        assert!(!self.stderr.contains("panicked"), "panic in\n{}", self.stderr);
        self
    }
    pub fn stderr_has(self, needle: &str) -> Self {
        assert!(self.stderr.contains(needle), "stderr lacks {needle:?}:\n{}", self.stderr);
        self
    }
    pub fn stdout_has(self, needle: &str) -> Self {
        assert!(self.stdout.contains(needle), "stdout lacks {needle:?}:\n{}", self.stdout);
        self
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

impl Env {
    pub fn new() -> Self {
        Self { tmp: tempfile::tempdir().expect("tempdir") }
    }

    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    pub fn store(&self) -> PathBuf {
        self.tmp.path().join("pki")
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

    /// Run with `--batch --dir <store>` before the arguments.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    pub fn run_with(&self, args: &[&str], envs: &[(&str, &str)]) -> Run {
        let mut c = self.cmd();
        c.arg("--batch").arg("--dir").arg(self.store()).args(args);
        for (k, v) in envs {
            c.env(k, v);
        }
        to_run(c.output().expect("run mtlsctl"))
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

    /// `<store>/issued/<cn>/<file>`
    pub fn issued(&self, cn: &str, file: &str) -> PathBuf {
        self.store().join("issued").join(cn).join(file)
    }

    /// Every file under the store with its bytes, to prove a failing command changed nothing.
    pub fn snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        snapshot_dir(&self.store())
    }
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

pub fn to_run(o: Output) -> Run {
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

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

/// Run a peer command and capture its output.
pub fn peer(name: &str, args: &[&str], cwd: &Path) -> Run {
    let o = Command::new(require_peer(name))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {name}: {e}"));
    to_run(o)
}

/// `openssl ARGS` in `cwd`; it must succeed.
pub fn openssl_ok(cwd: &Path, args: &[&str]) -> Run {
    let r = peer("openssl", args, cwd);
    assert_eq!(r.code, 0, "openssl {args:?} failed\nstdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    r
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
    openssl_ok(cwd, &args);
    (csr, key)
}

/// A server process we started; killed by PID when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
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

/// nginx in the foreground on 127.0.0.1:port with `server_body` inside its server block.
/// The server block gets `listen 127.0.0.1:PORT ssl;` and a `location / { return 200 ... }`.
pub fn start_nginx(dir: &Path, server_body: &str) -> Server {
    let nginx = require_peer("nginx");
    let port = free_port();
    std::fs::create_dir_all(dir.join("logs")).expect("nginx logs dir");
    let conf = format!(
        "daemon off;\nmaster_process off;\npid {dir}/nginx.pid;\nerror_log {dir}/logs/error.log info;\nevents {{ worker_connections 64; }}\nhttp {{\n  access_log off;\n  client_body_temp_path {dir}/tmp;\n  proxy_temp_path {dir}/tmp;\n  fastcgi_temp_path {dir}/tmp;\n  uwsgi_temp_path {dir}/tmp;\n  scgi_temp_path {dir}/tmp;\n  server {{\n    listen 127.0.0.1:{port} ssl;\n    ssl_protocols TLSv1.2 TLSv1.3;\n{server_body}\n    location / {{ return 200 \"hello $ssl_client_s_dn\\n\"; }}\n  }}\n}}\n",
        dir = dir.display()
    );
    std::fs::create_dir_all(dir.join("tmp")).expect("nginx tmp dir");
    let conf_path = dir.join("nginx.conf");
    std::fs::write(&conf_path, conf).expect("write nginx.conf");
    let child = Command::new(nginx)
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&conf_path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nginx");
    let server = Server { child, port, dir: dir.to_path_buf() };
    wait_port(port, Duration::from_secs(10));
    server
}

/// curl https://127.0.0.1:port/ with extra args; returns the HTTP status (0 when TLS failed).
pub fn curl_status(port: u16, args: &[&str]) -> u16 {
    let url = format!("https://127.0.0.1:{port}/");
    let mut all = vec!["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10"];
    all.extend_from_slice(args);
    all.push(&url);
    let r = peer("curl", &all, Path::new("/"));
    r.stdout.trim().parse().unwrap_or(0)
}
