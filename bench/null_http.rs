// The W7 ceiling: an HTTP server that does no work. Each worker accepts a
// connection, reads one request (headers and Content-Length body), writes a
// fixed reply (a real OCSP response read from a file, so the bytes on the
// wire match) and closes. What ab reaches against it is the most any
// responder can reach on this machine with ab sharing its cores.
//
// Built by bench/run with `rustc -O`: null_http ADDR RESPONSE_FILE THREADS
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

fn request_end(buf: &[u8]) -> Option<usize> {
    let head = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let text = String::from_utf8_lossy(&buf[..head]).to_ascii_lowercase();
    let len = text
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    Some(head + len)
}

fn serve(mut conn: TcpStream, reply: &[u8]) {
    let mut buf = [0u8; 8192];
    let mut got = 0;
    loop {
        match conn.read(&mut buf[got..]) {
            Ok(0) | Err(_) => return,
            Ok(n) => got += n,
        }
        if request_end(&buf[..got]).is_some_and(|end| got >= end) || got == buf.len() {
            break;
        }
    }
    conn.write_all(reply).ok();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, addr, body, threads] = &args[..] else {
        eprintln!("usage: null_http ADDR RESPONSE_FILE THREADS");
        std::process::exit(2);
    };
    let body = std::fs::read(body).expect("response file");
    let mut reply = format!(
        "HTTP/1.0 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    reply.extend_from_slice(&body);
    let reply: Arc<[u8]> = reply.into();
    let listener = Arc::new(TcpListener::bind(addr.as_str()).expect("bind"));
    let workers: Vec<_> = (0..threads.parse::<usize>().expect("THREADS"))
        .map(|_| {
            let (listener, reply) = (Arc::clone(&listener), Arc::clone(&reply));
            std::thread::spawn(move || loop {
                if let Ok((conn, _)) = listener.accept() {
                    serve(conn, &reply);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().ok();
    }
}
