//! `mtlsctl schedule`: print (or write) a systemd service + timer, or a
//! crontab line, that runs `gen-crl --if-due` and `renew --due` for this store.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use serde::Serialize;
use time::Duration;

use super::common;
use crate::Outcome;
use crate::cli::Parsed;
use crate::output::{Ctx, format_duration};
use crate::store::fsio;

/// Print a systemd timer or a crontab line that renews this store by itself
///
/// The job runs `mtlsctl --dir <store> --batch gen-crl --if-due [--exec CMD]`,
/// then `mtlsctl --dir <store> --batch renew --due [--exec CMD]`, with this
/// binary's absolute path and the store's absolute path: CMD (a reload) runs
/// after a new CRL and after renewals, since nginx reads both only at reload.
/// Both exit 0 when nothing is due, so the timer only fails when something
/// needs a look.
#[derive(Args, Debug)]
#[command(after_long_help = "Examples:
  mtlsctl --dir /etc/mtls schedule systemd --every 1h --exec 'nginx -s reload' --out /etc/systemd/system
  systemctl daemon-reload && systemctl enable --now mtlsctl-mtls.timer
  mtlsctl --dir /etc/mtls schedule cron --every 1h --exec 'nginx -s reload' | crontab -")]
pub struct ScheduleArgs {
    /// What to print: a systemd service + timer pair, or a crontab line
    #[arg(value_enum)]
    pub kind: Kind,
    /// How often the job runs (e.g. 15m, 1h, 6h, 1d)
    #[arg(long, default_value = "1h", value_name = "DURATION")]
    pub every: Parsed<Duration>,
    /// Command to run through `sh -c` after a new CRL and once after any renewals (e.g. 'nginx -s reload')
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
    /// Write the unit files into DIR (systemd) instead of printing them
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Systemd,
    Cron,
}

#[derive(Serialize)]
struct ScheduleReport {
    kind: Kind,
    every: String,
    /// The argument vectors the job runs, in order.
    commands: Vec<Vec<String>>,
    /// systemd: unit file names and contents; cron: the crontab line.
    files: Vec<UnitFile>,
    cron_line: Option<String>,
}

#[derive(Serialize)]
struct UnitFile {
    name: String,
    path: Option<String>,
    content: String,
}

/// A systemd ExecStart word: quoted when needed, `%` and `$` escaped.
fn systemd_word(w: &str) -> String {
    let esc = w.replace('%', "%%").replace('$', "$$");
    if !esc.is_empty() && esc.chars().all(|c| c.is_ascii_alphanumeric() || "/._-=:,+@".contains(c)) {
        return esc;
    }
    format!("\"{}\"", esc.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A POSIX shell word.
fn sh_word(w: &str) -> String {
    if !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || "/._-=:,+@%".contains(c)) {
        return w.to_string();
    }
    format!("'{}'", w.replace('\'', "'\\''"))
}

/// The crontab schedule fields for `every`.
fn cron_fields(every: Duration, text: &str) -> anyhow::Result<String> {
    let mins = every.whole_minutes();
    if every.whole_seconds() % 60 != 0 || mins <= 0 {
        bail!("--every {text}: cron runs in whole minutes (e.g. 15m, 1h, 1d)");
    }
    Ok(match mins {
        m if m < 60 && 60 % m == 0 => format!("*/{m} * * * *"),
        60 => "0 * * * *".to_string(),
        m if m % 60 == 0 && m < 1440 && 1440 % m == 0 => format!("0 */{} * * *", m / 60),
        1440 => "0 3 * * *".to_string(),
        _ => bail!("--every {text} has no crontab form: use a divisor of an hour or a day (15m, 1h, 6h, 1d)"),
    })
}

/// The unit name for a store: `mtlsctl-<store directory name>`.
fn unit_base(store: &Path) -> String {
    let name = store.file_name().and_then(|n| n.to_str()).unwrap_or("store");
    let clean: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    format!("mtlsctl-{}", clean.trim_matches('-'))
}

pub fn run(ctx: &Ctx, args: &ScheduleArgs) -> anyhow::Result<Outcome> {
    let every = args.every.get().context("invalid --every")?;
    if every < Duration::minutes(1) {
        bail!("--every {} is too often: at least 1m", args.every.text());
    }
    let store = common::open_store(ctx, &ctx.global.dir)?;
    let root = std::fs::canonicalize(&store.paths.root)
        .with_context(|| format!("cannot resolve {}", store.paths.root.display()))?;
    let exe = std::env::current_exe().context("cannot find this program's path")?;
    let base = [exe.display().to_string(), "--dir".into(), root.display().to_string(), "--batch".into()];
    let mut crl: Vec<String> = base.iter().cloned().chain(["gen-crl".into(), "--if-due".into()]).collect();
    let mut renew: Vec<String> = base.iter().cloned().chain(["renew".into(), "--due".into()]).collect();
    // nginx keeps the CRL it loaded: a new one counts only after a reload, renewed or not.
    if let Some(cmd) = &args.exec {
        crl.extend(["--exec".to_string(), cmd.clone()]);
        renew.extend(["--exec".to_string(), cmd.clone()]);
    }
    let commands = vec![crl, renew];
    let mut report = ScheduleReport {
        kind: args.kind,
        every: args.every.text().to_string(),
        commands: commands.clone(),
        files: Vec::new(),
        cron_line: None,
    };
    match args.kind {
        Kind::Cron => {
            let fields = cron_fields(every, args.every.text())?;
            let job: Vec<String> =
                commands.iter().map(|c| c.iter().map(|w| sh_word(w)).collect::<Vec<_>>().join(" ")).collect();
            // cron turns an unescaped % into a newline.
            report.cron_line = Some(format!("{fields} {}", job.join("; ").replace('%', "\\%")));
        }
        Kind::Systemd => report.files = units(&root, &commands, every, args.out.as_deref())?,
    }
    ctx.emit(&report)?;
    print(ctx, &report, args.out.is_some());
    Ok(Outcome::Done)
}

fn units(root: &Path, commands: &[Vec<String>], every: Duration, out: Option<&Path>) -> anyhow::Result<Vec<UnitFile>> {
    let base = unit_base(root);
    let exec: String = commands
        .iter()
        .map(|c| format!("ExecStart={}\n", c.iter().map(|w| systemd_word(w)).collect::<Vec<_>>().join(" ")))
        .collect();
    let service = format!(
        "[Unit]\nDescription=mtlsctl: renew due certificates and the CRL of {root}\n\n[Service]\nType=oneshot\n{exec}",
        root = root.display().to_string().replace('%', "%%")
    );
    let spread = (every.whole_seconds() / 10).clamp(1, 300);
    let timer = format!(
        "[Unit]\nDescription=Run {base}.service every {every}\n\n[Timer]\nOnBootSec=2min\nOnUnitActiveSec={secs}s\nRandomizedDelaySec={spread}s\n\n[Install]\nWantedBy=timers.target\n",
        every = format_duration(every),
        secs = every.whole_seconds()
    );
    let mut files = Vec::new();
    for (name, content) in [(format!("{base}.service"), service), (format!("{base}.timer"), timer)] {
        let path = match out {
            Some(dir) => {
                let p = dir.join(&name);
                fsio::write_atomic(&p, content.as_bytes(), fsio::Mode::Public)
                    .with_context(|| format!("cannot write {}", p.display()))?;
                Some(super::common::json_path(&p))
            }
            None => None,
        };
        files.push(UnitFile { name, path, content });
    }
    Ok(files)
}

fn print(ctx: &Ctx, report: &ScheduleReport, written: bool) {
    if let Some(line) = &report.cron_line {
        ctx.result(format!("{line}\n"));
        return;
    }
    for f in &report.files {
        match &f.path {
            Some(p) if written => ctx.info(format!("wrote {p}")),
            _ => ctx.result(format!("# {}\n{}\n", f.name, f.content)),
        }
    }
    if written {
        let timer = report.files.iter().map(|f| f.name.as_str()).find(|n| n.ends_with(".timer")).unwrap_or_default();
        ctx.info(format!("enable it: systemctl daemon-reload && systemctl enable --now {timer}"));
    }
}
