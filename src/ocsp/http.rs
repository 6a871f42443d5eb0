//! Just enough HTTP/1.x for OCSP (RFC 6960 Appendix A): requests read under
//! a deadline, bodies bounded; a connection is kept open for the next request
//! only when the client asks for it (HTTP/1.1 by default, HTTP/1.0 with
//! `Connection: keep-alive`) and sent nothing past its request.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// The largest request body accepted (RFC 6960 requests are a few hundred bytes).
pub const MAX_BODY: usize = 64 * 1024;
/// The largest request head (request line and headers).
const MAX_HEAD: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
    Other,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
            Self::Post => "POST",
            Self::Other => "OTHER",
        }
    }
}

/// A request as read from the wire.
#[derive(Debug)]
pub struct Request {
    pub method: Method,
    /// The request target as sent (before percent-decoding).
    pub target: String,
    pub http10: bool,
    pub body: Vec<u8>,
    /// The client may send another request on this connection: it asked to
    /// keep it (RFC 9112 §9.3) and sent no bytes past this request.
    pub keep_alive: bool,
}

/// Why no request could be read; each maps to an answer (or to none).
#[derive(Debug, PartialEq, Eq)]
pub enum ReadError {
    /// The client closed without sending a request: nothing to answer.
    Closed,
    /// The deadline passed (a slow or silent client): 408.
    Timeout,
    /// Not HTTP: 400.
    Bad,
    /// A body or head over the limit: 413.
    TooLarge,
    /// A POST without Content-Length (chunked): 411.
    LengthRequired,
}

/// Read one request from `stream`, giving up at `deadline`.
pub fn read_request(stream: &mut TcpStream, deadline: Instant) -> Result<Request, ReadError> {
    let mut buf = Vec::with_capacity(1024);
    let mut timeout_set = None;
    let head_end = loop {
        if let Some(i) = crate::bytes::find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        if let Some(i) = crate::bytes::find(&buf, b"\n\n") {
            break i + 2;
        }
        if buf.len() > MAX_HEAD {
            return Err(ReadError::TooLarge);
        }
        if read_some(stream, &mut buf, deadline, &mut timeout_set)? == 0 {
            return Err(if buf.is_empty() { ReadError::Closed } else { ReadError::Bad });
        }
    };
    let mut body = buf.split_off(head_end);
    let head = std::str::from_utf8(&buf).map_err(|_| ReadError::Bad)?;
    let mut lines = head.lines();
    let mut parts = lines.next().unwrap_or_default().split(' ').filter(|p| !p.is_empty());
    let (Some(method), Some(target), version) = (parts.next(), parts.next(), parts.next()) else {
        return Err(ReadError::Bad);
    };
    let method = match method {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "POST" => Method::Post,
        _ => Method::Other,
    };
    let http10 = version == Some("HTTP/1.0");
    let mut keep_alive = !http10 && version == Some("HTTP/1.1");
    let mut length = None;
    let mut chunked = false;
    let mut expect_continue = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.parse::<usize>().map_err(|_| ReadError::Bad)?);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = true;
        } else if name.eq_ignore_ascii_case("expect") {
            expect_continue = value.eq_ignore_ascii_case("100-continue");
        } else if name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    keep_alive = false;
                } else if token.eq_ignore_ascii_case("keep-alive") && http10 {
                    keep_alive = true;
                }
            }
        }
    }
    if method == Method::Post {
        if chunked {
            return Err(ReadError::LengthRequired);
        }
        let Some(length) = length else { return Err(ReadError::LengthRequired) };
        if length > MAX_BODY {
            return Err(ReadError::TooLarge);
        }
        if expect_continue && body.is_empty() {
            stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").map_err(|_| ReadError::Closed)?;
        }
        while body.len() < length {
            if read_some(stream, &mut body, deadline, &mut timeout_set)? == 0 {
                return Err(ReadError::Bad);
            }
        }
        // Bytes past the body (a pipelined request) are not kept: close after answering.
        keep_alive &= body.len() == length;
        body.truncate(length);
    } else {
        keep_alive &= body.is_empty();
        body.clear();
    }
    let target = target.to_string();
    Ok(Request { method, target, http10, body, keep_alive })
}

/// One read into `buf`, with the time left before `deadline` as its timeout.
/// The socket's timeout is set again only when a read waited since it was
/// set (most requests arrive in one read: one system call saved each).
fn read_some(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    deadline: Instant,
    set_at: &mut Option<Instant>,
) -> Result<usize, ReadError> {
    let now = Instant::now();
    let left = deadline.saturating_duration_since(now);
    if left.is_zero() {
        return Err(ReadError::Timeout);
    }
    if set_at.is_none_or(|t| now.duration_since(t) > Duration::from_millis(10)) {
        stream.set_read_timeout(Some(left.max(Duration::from_millis(1)))).map_err(|_| ReadError::Closed)?;
        *set_at = Some(now);
    }
    let mut chunk = [0u8; 4096];
    match stream.read(&mut chunk) {
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            Ok(n)
        }
        Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
            Err(ReadError::Timeout)
        }
        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => read_some(stream, buf, deadline, set_at),
        Err(_) => Err(ReadError::Closed),
    }
}

/// An answer to write.
pub struct Response<'a> {
    pub status: u16,
    pub content_type: &'static str,
    pub body: &'a [u8],
    /// `Cache-Control: max-age=N`, for cacheable GET answers.
    pub max_age: Option<u64>,
    /// Leave the body out (HEAD).
    pub head_only: bool,
}

pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        500 => "Internal Server Error",
        _ => "Error",
    }
}

/// Write the answer in one write. Unless `keep_alive`, it says
/// `Connection: close` and the caller closes (nginx reads an HTTP/1.0 answer to EOF).
pub fn write_response(stream: &mut TcpStream, http10: bool, keep_alive: bool, r: &Response<'_>) -> std::io::Result<()> {
    let mut out = Vec::with_capacity(r.body.len() + 200);
    let version = if http10 { "HTTP/1.0" } else { "HTTP/1.1" };
    let _ = write!(
        out,
        "{version} {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
        r.status,
        reason_phrase(r.status),
        r.content_type,
        r.body.len()
    );
    if let Some(age) = r.max_age {
        let _ = write!(out, "Cache-Control: max-age={age}, public, no-transform, must-revalidate\r\n");
    }
    out.extend_from_slice(if keep_alive { b"Connection: keep-alive\r\n\r\n" } else { b"Connection: close\r\n\r\n" });
    if !r.head_only {
        out.extend_from_slice(r.body);
    }
    stream.write_all(&out)?;
    stream.flush()
}

/// Percent-decoding of a request target (RFC 3986 §2.1); `+` stays `+`, as base64 needs it.
pub fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3)?;
            let v = u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

/// The largest answer a client reads.
const MAX_ANSWER: u64 = 1 << 20;

/// POST an OCSP request to an `http://` URL (HTTP/1.0, one connection) and
/// return the response body; a status other than 200 is an error.
pub fn post_ocsp(url: &str, body: &[u8], timeout: Duration) -> anyhow::Result<Vec<u8>> {
    use anyhow::{Context, bail};
    let Some(rest) = url.strip_prefix("http://") else { bail!("{url} is not an http:// URL") };
    let (authority, path) = rest.find('/').map_or((rest, "/"), |i| (&rest[..i], &rest[i..]));
    let addr = if authority.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok()) && !authority.ends_with(']')
    {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let target = std::net::ToSocketAddrs::to_socket_addrs(&addr)
        .with_context(|| format!("cannot resolve {authority}"))?
        .next()
        .with_context(|| format!("cannot resolve {authority}"))?;
    let mut stream =
        TcpStream::connect_timeout(&target, timeout).with_context(|| format!("cannot connect to {url}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut req = format!(
        "POST {path} HTTP/1.0\r\nHost: {authority}\r\nContent-Type: application/ocsp-request\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    stream.write_all(&req).with_context(|| format!("cannot send the request to {url}"))?;
    let mut answer = Vec::new();
    stream.take(MAX_ANSWER).read_to_end(&mut answer).with_context(|| format!("no answer from {url}"))?;
    let Some(head_end) = crate::bytes::find(&answer, b"\r\n\r\n") else { bail!("{url} did not answer in HTTP") };
    let status = std::str::from_utf8(&answer[..head_end]).ok().and_then(|h| h.split(' ').nth(1)).unwrap_or("");
    if status != "200" {
        bail!("{url} answered HTTP {status}");
    }
    Ok(answer.split_off(head_end + 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("MEow%2BQ%3D%3D").as_deref(), Some(&b"MEow+Q=="[..]));
        assert_eq!(percent_decode("a+b/c").as_deref(), Some(&b"a+b/c"[..]));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
    }
}
