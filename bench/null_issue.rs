// The W2 floor: what `mtlsctl issue` writes, with its three ordered flushes,
// and nothing else (no parsing, no key, no signature). The stage directory
// with key.pem, identity.pem, cert.pem, chain.pem and ca.pem, and
// newcerts/NAME.pem, flushed by one syncfs; then the index line, flushed;
// then the stage renamed into place and issued/ flushed. What this costs is
// the least any `issue` with that durability costs on this machine.
//
// Built by bench/run with `rustc -O`: null_issue STORE NAME
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

extern "C" {
    fn syncfs(fd: i32) -> i32;
}

fn create(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<File> {
    let mut f = OpenOptions::new().write(true).create_new(true).mode(mode).open(path)?;
    f.write_all(bytes)?;
    Ok(f)
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, store, name] = &args[..] else {
        eprintln!("usage: null_issue STORE NAME");
        std::process::exit(2);
    };
    let store = Path::new(store);
    let pem = [b'A'; 600];
    let stage = store.join("issued").join(format!(".{name}.stage"));
    fs::create_dir(&stage)?;
    let mut files = Vec::new();
    for (file, mode) in [("key.pem", 0o600), ("identity.pem", 0o600), ("cert.pem", 0o644), ("chain.pem", 0o644), ("ca.pem", 0o644)] {
        files.push(create(&stage.join(file), &pem, mode)?);
    }
    files.push(create(&store.join("newcerts").join(format!("{name}.pem")), &pem, 0o644)?);
    if unsafe { syncfs(files[0].as_raw_fd()) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let mut index = OpenOptions::new().append(true).open(store.join("index.txt"))?;
    index.write_all(format!("V\t270101000000Z\t\t{name}\tunknown\t/CN={name}\n").as_bytes())?;
    index.sync_data()?;
    fs::rename(&stage, store.join("issued").join(name))?;
    File::open(store.join("issued"))?.sync_all()
}
