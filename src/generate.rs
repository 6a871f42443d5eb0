//! Shell completions and man pages, generated from the clap definitions so
//! they cannot drift from the CLI. A test compares them with the files under
//! completions/ and docs/man/.

use std::path::PathBuf;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::commands::Cli;

/// The completion script for one shell.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "mtlsctl", &mut out);
    out
}

/// The file name each shell expects.
pub fn completion_file(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => "mtlsctl.bash",
        Shell::Zsh => "_mtlsctl",
        Shell::Fish => "mtlsctl.fish",
        Shell::PowerShell => "_mtlsctl.ps1",
        Shell::Elvish => "mtlsctl.elv",
        _ => "mtlsctl.completion",
    }
}

pub const SHELLS: [Shell; 5] = [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell, Shell::Elvish];

/// Every generated file, relative to the repository root.
pub fn files() -> anyhow::Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut out = Vec::new();
    for shell in SHELLS {
        out.push((PathBuf::from("completions").join(completion_file(shell)), completions(shell)));
    }
    let cmd = Cli::command();
    out.push((PathBuf::from("docs/man/mtlsctl.1"), man_page(&cmd, "mtlsctl")?));
    for sub in cmd.get_subcommands() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        let name = format!("mtlsctl-{}", sub.get_name());
        let version = cmd.get_version().unwrap_or_default().to_string();
        // The page is mtlsctl-issue(1), as git-commit(1) is; what one types is `mtlsctl issue`.
        let page = sub.clone().name(name.clone()).display_name(name.clone()).version(version.clone());
        out.push((
            PathBuf::from(format!("docs/man/{name}.1")),
            man_page(&page, &format!("mtlsctl {}", sub.get_name()))?,
        ));
        // `ocsp sign` and `ocsp serve` get pages of their own, as their options differ.
        for nested in sub.get_subcommands().filter(|n| !n.is_hide_set() && n.get_name() != "help") {
            let nested_name = format!("{name}-{}", nested.get_name());
            let page =
                nested.clone().name(nested_name.clone()).display_name(nested_name.clone()).version(version.clone());
            let invocation = format!("mtlsctl {} {}", sub.get_name(), nested.get_name());
            out.push((PathBuf::from(format!("docs/man/{nested_name}.1")), man_page(&page, &invocation)?));
        }
    }
    Ok(out)
}

/// One man page: clap_mangen's sections, with a SYNOPSIS of what one types
/// (`mtlsctl issue [--org ORG] [--san TYPE:VALUE]... --cn CN`), the examples
/// under EXAMPLES, and ENVIRONMENT, EXIT STATUS and SEE ALSO added.
fn man_page(cmd: &clap::Command, invocation: &str) -> anyhow::Result<Vec<u8>> {
    let mut built = cmd.clone();
    built.build();
    // A fixed date keeps the pages reproducible.
    let man = clap_mangen::Man::new(cmd.clone()).date("");
    let mut buf = Vec::new();
    man.render_title(&mut buf)?;
    man.render_name_section(&mut buf)?;
    buf.extend_from_slice(synopsis(&built, invocation).as_bytes());
    man.render_description_section(&mut buf)?;
    if built.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut buf)?;
    }
    if built.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(&mut buf)?;
    }
    if built.get_after_long_help().is_some() || built.get_after_help().is_some() {
        let mut extra = Vec::new();
        man.render_extra_section(&mut extra)?;
        let extra = String::from_utf8_lossy(&extra).replacen(".SH EXTRA", ".SH EXAMPLES", 1);
        buf.extend_from_slice(extra.as_bytes());
    }
    buf.extend_from_slice(ENVIRONMENT.as_bytes());
    buf.extend_from_slice(exit_status(built.get_name()).as_bytes());
    if invocation != "mtlsctl" {
        buf.extend_from_slice(SEE_ALSO.as_bytes());
    }
    man.render_version_section(&mut buf)?;
    Ok(buf)
}

/// Text for roff: backslashes and hyphens escaped, no line read as a request.
fn roff(text: &str) -> String {
    let t = text.replace('\\', "\\e").replace('-', "\\-");
    if t.starts_with('.') || t.starts_with('\'') { format!("\\&{t}") } else { t }
}

fn bold(text: &str) -> String {
    format!("\\fB{}\\fR", roff(text))
}

fn italic(text: &str) -> String {
    format!("\\fI{}\\fR", roff(text))
}

/// One argument as the synopsis writes it: `--org ORG`, `-q|--quiet`, `FILE`.
fn synopsis_arg(a: &clap::Arg) -> String {
    let value = a.get_value_names().map(|v| v.iter().map(|n| italic(n)).collect::<Vec<_>>().join(" "));
    let value = value.unwrap_or_else(|| italic(&a.get_id().as_str().to_uppercase()));
    if a.is_positional() {
        return value;
    }
    let flag = match (a.get_short(), a.get_long()) {
        (Some(s), Some(l)) => format!("{}|{}", bold(&format!("-{s}")), bold(&format!("--{l}"))),
        (Some(s), None) => bold(&format!("-{s}")),
        (None, Some(l)) => bold(&format!("--{l}")),
        (None, None) => String::new(),
    };
    if a.get_num_args().is_some_and(|n| n.takes_values()) { format!("{flag} {value}") } else { flag }
}

/// The SYNOPSIS: optional arguments in brackets, `...` after a repeatable one,
/// a required choice in parentheses, then positionals and a subcommand.
fn synopsis(cmd: &clap::Command, invocation: &str) -> String {
    let (prog, rest) = invocation.split_once(' ').map_or((invocation, None), |(p, r)| (p, Some(r)));
    let mut words = vec![bold(prog)];
    if let Some(rest) = rest {
        words.push(format!("[{}]", italic("global options")));
        words.push(bold(rest));
    }
    let grouped: Vec<&clap::Arg> = cmd
        .get_groups()
        .filter(|g| g.is_required_set())
        .flat_map(|g| g.get_args().filter_map(|id| cmd.get_arguments().find(|a| a.get_id() == id)))
        .collect();
    // The global options are the main page's; a command's page points there.
    let shown = |a: &&clap::Arg| {
        !a.is_hide_set() && (rest.is_none() || !a.is_global_set()) && !grouped.iter().any(|g| g.get_id() == a.get_id())
    };
    let repeat = |a: &clap::Arg| {
        let many = matches!(a.get_action(), clap::ArgAction::Append | clap::ArgAction::Count)
            || a.get_num_args().is_some_and(|n| n.max_values() > 1);
        if many { "..." } else { "" }
    };
    for a in cmd.get_arguments().filter(|a| !a.is_positional()).filter(shown) {
        let text = synopsis_arg(a);
        words.push(if a.is_required_set() { format!("{text}{}", repeat(a)) } else { format!("[{text}]{}", repeat(a)) });
    }
    if !grouped.is_empty() {
        words.push(format!("({})", grouped.iter().map(|a| synopsis_arg(a)).collect::<Vec<_>>().join(" | ")));
    }
    for a in cmd.get_positionals().filter(shown) {
        let text = synopsis_arg(a);
        words.push(if a.is_required_set() { format!("{text}{}", repeat(a)) } else { format!("[{text}]{}", repeat(a)) });
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        words.push(italic("COMMAND"));
    }
    format!(".SH SYNOPSIS\n{}\n", words.join(" "))
}

/// Every environment variable mtlsctl reads, on every page.
const ENVIRONMENT: &str = r".SH ENVIRONMENT
.TP
\fBMTLSCTL_DIR\fR
The store directory when \fB\-\-dir\fR is not given (default \fIpki\fR in the working directory).
.TP
\fBMTLSCTL_CA_PASSPHRASE\fR
The passphrase of the CA key, for the commands that sign (issue, sign, renew, gen\-crl, ocsp, init\-ca \-\-parent), and of the new CA key for init\-ca, when \fB\-\-passphrase\-file\fR is not given. Ignored when empty. A file is safer: other processes of the same user can read the environment.
.TP
\fBMTLSCTL_LOCK_TIMEOUT\fR
How many seconds to wait for the store lock another mtlsctl holds (default 10; 0 to 86400, fractions allowed). Past it the command fails with exit status 1 and changes nothing.
.TP
\fBMTLSCTL_FLUSH\fR
How a new certificate's files are made durable before its index line. \fIauto\fR (the default): on ext2/3/4 and XFS, with Linux 5.8 or later and under 2 MiB of dirty data on the machine, one \fBsyncfs\fR(2) for all of them; else \fBfsync\fR(2) file by file. \fIfile\fR: always file by file (syncfs also writes back what other processes left dirty on that filesystem). \fIfilesystem\fR: syncfs wherever the filesystem and kernel allow, whatever else is dirty. The guarantee is the same in every case.
.TP
\fBNO_COLOR\fR
When set and not empty, no colour (unless \fB\-\-color always\fR).
.TP
\fBTERM\fR
\fIdumb\fR: no colour (unless \fB\-\-color always\fR).
.TP
\fBCI\fR
When set and not empty, the same as \fB\-\-batch\fR: never prompt. A standard input that is not a terminal does the same.
.TP
\fBSSL_CERT_FILE\fR
probe: the system CA bundle to check the server against when neither \fB\-\-cacert\fR nor a store is used (else /etc/ssl/certs/ca\-certificates.crt, /etc/pki/tls/certs/ca\-bundle.crt or /etc/ssl/cert.pem).
.TP
\fBCOMPLETE\fR
\fIbash\fR, \fIzsh\fR, \fIfish\fR, \fIelvish\fR or \fIpowershell\fR: print that shell's script for completions that also offer the store's identities (\fBsource <(COMPLETE=bash mtlsctl)\fR), or answer it, instead of running a command. Empty or 0: ignored.
";

/// SPEC §5's exit codes, with what they mean for this command.
fn exit_status(command: &str) -> String {
    let (ok, negative) = match command {
        "mtlsctl-verify" => (
            "the certificate is valid",
            Some("the certificate is invalid (expired, revoked, not issued by this CA, ...)"),
        ),
        "mtlsctl-probe" => (
            "the mTLS handshake succeeded and the client certificate was accepted",
            Some("mTLS fails or is not enforced; the diagnosis says why"),
        ),
        "mtlsctl-check" => {
            ("the store is consistent", Some("problems remain (after \\fB\\-\\-repair\\fR, those it could not repair)"))
        }
        "mtlsctl-completions" => ("the script was printed", None),
        "mtlsctl" => (
            "success; for verify, the certificate is valid; for probe, mTLS works",
            Some(
                "a negative answer: verify found the certificate invalid, probe found mTLS failing, check found problems",
            ),
        ),
        _ => ("success", None),
    };
    let mut s = format!(".SH \"EXIT STATUS\"\n.TP\n0\n{}\n.TP\n1\n", roff(ok));
    s.push_str(&match command {
        "mtlsctl-probe" => roff("nothing could be tested (refused, timed out, not a TLS server), or bad input"),
        "mtlsctl-renew" => roff("an error: bad input, no store, I/O, wrong passphrase, lock timeout; with --due, a renewal or --exec failed (the others were still renewed)"),
        _ => roff("an error: bad input, no store, I/O, wrong passphrase, lock timeout; nothing was changed"),
    });
    s.push_str("\n.TP\n2\n");
    s.push_str(&roff("a command-line usage error (unknown flag or value)"));
    s.push('\n');
    if let Some(n) = negative {
        s.push_str(&format!(".TP\n3\n{}\n", roff(n)));
    }
    if matches!(command, "mtlsctl-ocsp" | "mtlsctl-ocsp-serve" | "mtlsctl") {
        s.push_str(".TP\n75\n");
        s.push_str(&roff(
            "ocsp serve: the delegated responder certificate nears its end; restart the responder for a fresh one",
        ));
        s.push('\n');
    }
    s
}

const SEE_ALSO: &str = r#".SH "SEE ALSO"
\fBmtlsctl\fR(1) for the global options \fB\-\-dir\fR, \fB\-\-json\fR, \fB\-q\fR, \fB\-\-batch\fR and \fB\-\-color\fR, and the other commands.
"#;
