//! The exporter's HTTP listener: one accept thread and a small fixed pool of
//! worker threads that multiplex non-blocking connections, so no client can
//! stall a scrape.
//!
//! Every connection has *total* deadlines, not per-read timeouts: the request
//! (head and body) must arrive within [`REQUEST_DEADLINE`] of the accept and
//! the response must be taken within [`RESPONSE_DEADLINE`]. The head is capped
//! at [`MAX_HEAD_BYTES`] (`431`), a body at [`MAX_BODY_BYTES`] (`413`), and at
//! most [`MAX_CONNECTIONS`] connections are served at once: the accept thread
//! answers any more with `503` and closes them without queueing. Shutdown is a
//! flag plus a self-connect that wakes the blocking `accept`; workers poll the
//! flag every few milliseconds.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use metrics_exporter_prometheus::PrometheusHandle;

use crate::exporter::{
    MAX_BODY_BYTES, MAX_CONNECTIONS, MAX_HEAD_BYTES, REQUEST_DEADLINE, RESPONSE_DEADLINE, WORKERS,
};

/// After a response the write side is shut and input is discarded for at most
/// this long (or until EOF), so the client reads the response instead of a
/// reset caused by unread request bytes.
const LINGER: Duration = Duration::from_millis(250);
/// Most bytes discarded while lingering.
const LINGER_MAX_BYTES: usize = 64 * 1024;
/// Longest a worker with open connections sleeps between polls.
const MAX_POLL: Duration = Duration::from_millis(4);
/// Shortest poll interval (right after progress or a new connection).
const MIN_POLL: Duration = Duration::from_micros(500);
/// How often a worker without connections checks the stop flag (the accept
/// thread's exit wakes it at once; this is the fallback).
const IDLE_WAIT: Duration = Duration::from_millis(100);
/// How long `stop` waits for the threads before detaching them (they exit
/// within a poll interval; this bounds a pathological case).
pub(crate) const JOIN_WAIT: Duration = Duration::from_millis(100);

const TEXT: &str = "text/plain; charset=utf-8";
const EXPOSITION: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A running listener: the accept thread and the workers.
#[derive(Debug)]
pub(crate) struct Listener {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

fn spawn_err(addr: SocketAddr, e: io::Error) -> crate::MetricsError {
    crate::MetricsError::Listen {
        addr: addr.to_string(),
        source: e,
    }
}

impl Listener {
    /// Starts the workers and the accept thread on a bound listener.
    pub(crate) fn start(
        listener: TcpListener,
        handle: PrometheusHandle,
    ) -> crate::Result<Listener> {
        let addr = listener
            .local_addr()
            .map_err(|e| crate::MetricsError::Listen {
                addr: "listener".into(),
                source: e,
            })?;
        let stop = Arc::new(AtomicBool::new(false));
        let active = Arc::new(AtomicUsize::new(0));
        let mut me = Listener {
            addr,
            stop: stop.clone(),
            threads: Vec::new(),
        };
        let mut workers = Vec::with_capacity(WORKERS);
        for i in 0..WORKERS {
            let (tx, rx) = mpsc::channel::<TcpStream>();
            let load = Arc::new(AtomicUsize::new(0));
            let w = Worker {
                rx,
                handle: handle.clone(),
                stop: stop.clone(),
                active: active.clone(),
                load: load.clone(),
            };
            // On error `me` is dropped, which stops the threads already started.
            let t = std::thread::Builder::new()
                .name(format!("tw-metrics-http-{i}"))
                .spawn(move || w.run())
                .map_err(|e| spawn_err(addr, e))?;
            me.threads.push(t);
            workers.push((tx, load));
        }
        let s = stop.clone();
        let t = std::thread::Builder::new()
            .name("tw-metrics-accept".into())
            .spawn(move || accept_loop(&listener, &workers, &s, &active))
            .map_err(|e| spawn_err(addr, e))?;
        me.threads.push(t);
        Ok(me)
    }

    fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept with a connection of our own.
        let wake = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => {
                SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), self.addr.port())
            }
            IpAddr::V6(ip) if ip.is_unspecified() => {
                SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), self.addr.port())
            }
            _ => self.addr,
        };
        let _ = TcpStream::connect_timeout(&wake, Duration::from_millis(100));
        join_within(&mut self.threads, JOIN_WAIT);
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Joins the threads that finish within `wait`; detaches the rest, so a
/// shutdown never blocks longer than `wait`.
pub(crate) fn join_within(threads: &mut Vec<JoinHandle<()>>, wait: Duration) {
    let deadline = Instant::now() + wait;
    for t in threads.drain(..) {
        while !t.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        if t.is_finished() {
            let _ = t.join();
        }
    }
}

fn accept_loop(
    listener: &TcpListener,
    workers: &[(mpsc::Sender<TcpStream>, Arc<AtomicUsize>)],
    stop: &AtomicBool,
    active: &AtomicUsize,
) {
    loop {
        let accepted = listener.accept();
        if stop.load(Ordering::SeqCst) {
            break;
        }
        match accepted {
            Ok((stream, _)) => {
                let _ = catch_unwind(AssertUnwindSafe(|| dispatch(stream, workers, active)));
            }
            Err(e) => match e.kind() {
                io::ErrorKind::Interrupted
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::ConnectionReset => {}
                // Out of descriptors and the like: back off instead of spinning.
                _ => std::thread::sleep(Duration::from_millis(10)),
            },
        }
    }
}

/// Hands a fresh connection to the least loaded worker, or refuses it with
/// `503` when [`MAX_CONNECTIONS`] are being served. Never blocks.
fn dispatch(
    stream: TcpStream,
    workers: &[(mpsc::Sender<TcpStream>, Arc<AtomicUsize>)],
    active: &AtomicUsize,
) {
    if stream.set_nonblocking(true).is_err() {
        return;
    }
    if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
        // A fresh socket's send buffer takes this small response at once;
        // non-blocking, so a full buffer just loses it.
        let mut stream = stream;
        let resp = response(
            "503 Service Unavailable",
            TEXT,
            &[("Retry-After", "1")],
            b"too many connections\n",
        );
        let _ = stream.write(&resp);
        let _ = stream.shutdown(Shutdown::Both);
        return;
    }
    let _ = stream.set_nodelay(true);
    let Some((tx, load)) = workers
        .iter()
        .min_by_key(|(_, load)| load.load(Ordering::SeqCst))
    else {
        return;
    };
    active.fetch_add(1, Ordering::SeqCst);
    load.fetch_add(1, Ordering::SeqCst);
    if tx.send(stream).is_err() {
        active.fetch_sub(1, Ordering::SeqCst);
        load.fetch_sub(1, Ordering::SeqCst);
    }
}

struct Worker {
    rx: mpsc::Receiver<TcpStream>,
    handle: PrometheusHandle,
    stop: Arc<AtomicBool>,
    active: Arc<AtomicUsize>,
    load: Arc<AtomicUsize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Bytes moved or the state changed.
    Progress,
    /// Nothing to do until the socket is ready.
    Idle,
    /// The connection is finished; drop it.
    Close,
}

impl Worker {
    fn run(self) {
        let mut conns: Vec<Conn> = Vec::new();
        let mut open = true;
        let mut poll = MIN_POLL;
        let mut progressed = false;
        while !self.stop.load(Ordering::SeqCst) {
            let wait = if conns.is_empty() {
                IDLE_WAIT
            } else if progressed {
                Duration::ZERO
            } else {
                poll
            };
            if open {
                match self.rx.recv_timeout(wait) {
                    Ok(s) => {
                        conns.push(Conn::new(s));
                        while let Ok(s) = self.rx.try_recv() {
                            conns.push(Conn::new(s));
                        }
                        poll = MIN_POLL;
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => open = false,
                }
            } else if conns.is_empty() {
                break;
            } else if !wait.is_zero() {
                std::thread::sleep(wait);
            }
            progressed = false;
            let mut closed = 0usize;
            conns.retain_mut(|c| {
                let step =
                    catch_unwind(AssertUnwindSafe(|| c.step(&self.handle))).unwrap_or(Step::Close);
                match step {
                    Step::Progress => {
                        progressed = true;
                        true
                    }
                    Step::Idle => true,
                    Step::Close => {
                        closed += 1;
                        false
                    }
                }
            });
            self.release(closed);
            poll = if progressed {
                MIN_POLL
            } else {
                (poll * 2).min(MAX_POLL)
            };
        }
        self.release(conns.len());
    }

    fn release(&self, n: usize) {
        if n > 0 {
            self.active.fetch_sub(n, Ordering::SeqCst);
            self.load.fetch_sub(n, Ordering::SeqCst);
        }
    }
}

enum Phase {
    /// Reading the request head.
    Head,
    /// Discarding `remaining` body bytes, then sending `then`.
    Body { remaining: usize, then: Vec<u8> },
    /// Sending `buf[pos..]`; afterwards linger (complete requests) or close.
    Write {
        buf: Vec<u8>,
        pos: usize,
        deadline: Instant,
        linger: bool,
    },
    /// Write side shut; discarding input until EOF or the deadline.
    Linger { deadline: Instant, discarded: usize },
}

struct Conn {
    stream: TcpStream,
    phase: Phase,
    head: Vec<u8>,
    /// Deadline of the whole request (head and body).
    request_deadline: Instant,
}

impl Conn {
    fn new(stream: TcpStream) -> Conn {
        Conn {
            stream,
            phase: Phase::Head,
            head: Vec::new(),
            request_deadline: Instant::now() + REQUEST_DEADLINE,
        }
    }

    fn send(&mut self, resp: Vec<u8>, linger: bool) {
        self.head = Vec::new();
        self.phase = Phase::Write {
            buf: resp,
            pos: 0,
            deadline: Instant::now() + RESPONSE_DEADLINE,
            linger,
        };
    }

    fn step(&mut self, handle: &PrometheusHandle) -> Step {
        let now = Instant::now();
        match &mut self.phase {
            Phase::Head | Phase::Body { .. } if now >= self.request_deadline => {
                let resp = response(
                    "408 Request Timeout",
                    TEXT,
                    &[],
                    b"request not received in time\n",
                );
                self.send(resp, false);
                Step::Progress
            }
            Phase::Head => self.read_head(handle),
            Phase::Body { remaining, then } => {
                let mut buf = [0u8; 1024];
                let mut moved = false;
                while *remaining > 0 {
                    let want = (*remaining).min(buf.len());
                    let Some(chunk) = buf.get_mut(..want) else {
                        return Step::Close;
                    };
                    match self.stream.read(chunk) {
                        Ok(0) => return Step::Close,
                        Ok(n) => {
                            *remaining = remaining.saturating_sub(n);
                            moved = true;
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            return if moved { Step::Progress } else { Step::Idle };
                        }
                        Err(_) => return Step::Close,
                    }
                }
                let resp = std::mem::take(then);
                self.send(resp, true);
                Step::Progress
            }
            Phase::Write {
                buf,
                pos,
                deadline,
                linger,
            } => {
                if now >= *deadline {
                    return Step::Close;
                }
                let mut moved = false;
                while let Some(rest) = buf.get(*pos..).filter(|r| !r.is_empty()) {
                    match self.stream.write(rest) {
                        Ok(0) => return Step::Close,
                        Ok(n) => {
                            *pos += n;
                            moved = true;
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            return if moved { Step::Progress } else { Step::Idle };
                        }
                        Err(_) => return Step::Close,
                    }
                }
                if !*linger || self.stream.shutdown(Shutdown::Write).is_err() {
                    return Step::Close;
                }
                self.phase = Phase::Linger {
                    deadline: now + LINGER,
                    discarded: 0,
                };
                Step::Progress
            }
            Phase::Linger {
                deadline,
                discarded,
            } => {
                if now >= *deadline || *discarded > LINGER_MAX_BYTES {
                    return Step::Close;
                }
                let mut buf = [0u8; 4096];
                loop {
                    match self.stream.read(&mut buf) {
                        Ok(0) => return Step::Close,
                        Ok(n) => {
                            *discarded += n;
                            if *discarded > LINGER_MAX_BYTES {
                                return Step::Close;
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Step::Idle,
                        Err(_) => return Step::Close,
                    }
                }
            }
        }
    }

    fn read_head(&mut self, handle: &PrometheusHandle) -> Step {
        let mut buf = [0u8; 4096];
        let mut moved = false;
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => return Step::Close,
                Ok(n) => {
                    moved = true;
                    let from = self.head.len().saturating_sub(3);
                    self.head.extend_from_slice(buf.get(..n).unwrap_or(&[]));
                    if let Some(end) = head_end(&self.head, from) {
                        if end > MAX_HEAD_BYTES {
                            self.send(too_large_head(), true);
                            return Step::Progress;
                        }
                        let extra = self.head.len() - end;
                        let (resp, body) = match parse(self.head.get(..end).unwrap_or(&[])) {
                            Ok(req) => (route(&req, handle), req.content_length),
                            Err(resp) => (resp, 0),
                        };
                        let remaining = body.saturating_sub(extra);
                        if remaining == 0 {
                            self.send(resp, true);
                        } else {
                            self.head = Vec::new();
                            self.phase = Phase::Body {
                                remaining,
                                then: resp,
                            };
                        }
                        return Step::Progress;
                    }
                    if self.head.len() > MAX_HEAD_BYTES {
                        self.send(too_large_head(), true);
                        return Step::Progress;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return if moved { Step::Progress } else { Step::Idle };
                }
                Err(_) => return Step::Close,
            }
        }
    }
}

fn too_large_head() -> Vec<u8> {
    let body = format!("request head over {MAX_HEAD_BYTES} bytes\n");
    response(
        "431 Request Header Fields Too Large",
        TEXT,
        &[],
        body.as_bytes(),
    )
}

/// Index just past the blank line ending the head (`\r\n\r\n`, or a bare
/// `\n\n`), searching from `from`.
fn head_end(buf: &[u8], from: usize) -> Option<usize> {
    let tail = buf.get(from..)?;
    (0..tail.len()).find_map(|i| {
        let rest = tail.get(i..)?;
        if rest.starts_with(b"\r\n\r\n") {
            Some(from + i + 4)
        } else if rest.starts_with(b"\n\n") {
            Some(from + i + 2)
        } else {
            None
        }
    })
}

#[derive(Debug)]
struct Request {
    method: String,
    path: String,
    content_length: usize,
}

fn bad_request(why: &str) -> Vec<u8> {
    response("400 Bad Request", TEXT, &[], format!("{why}\n").as_bytes())
}

/// Parses a complete head; an error is the response to send.
fn parse(head: &[u8]) -> std::result::Result<Request, Vec<u8>> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.lines();
    let line = lines.next().unwrap_or("");
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad_request("malformed request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(bad_request("only HTTP/1.x"));
    }
    let mut content_length: Option<usize> = None;
    for l in lines {
        if l.is_empty() {
            continue;
        }
        let Some((name, value)) = l.split_once(':') else {
            return Err(bad_request("malformed header line"));
        };
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(response(
                "411 Length Required",
                TEXT,
                &[],
                b"send a Content-Length, not a Transfer-Encoding\n",
            ));
        }
        if name.eq_ignore_ascii_case("content-length") {
            let Ok(n) = value.parse::<usize>() else {
                return Err(bad_request("invalid Content-Length"));
            };
            if content_length.is_some_and(|c| c != n) {
                return Err(bad_request("conflicting Content-Length"));
            }
            content_length = Some(n);
        }
    }
    let content_length = content_length.unwrap_or(0);
    if content_length > MAX_BODY_BYTES {
        let body = format!("request body over {MAX_BODY_BYTES} bytes\n");
        return Err(response(
            "413 Content Too Large",
            TEXT,
            &[],
            body.as_bytes(),
        ));
    }
    let path = target.split('?').next().unwrap_or("");
    Ok(Request {
        method: method.to_string(),
        path: path.to_string(),
        content_length,
    })
}

fn route(req: &Request, handle: &PrometheusHandle) -> Vec<u8> {
    match (req.method.as_str(), req.path.as_str()) {
        ("GET", "/metrics") => {
            match catch_unwind(AssertUnwindSafe(|| crate::exporter::render(handle))) {
                Ok(Ok(body)) => response("200 OK", EXPOSITION, &[], body.as_bytes()),
                Ok(Err(e)) => response(
                    "500 Internal Server Error",
                    TEXT,
                    &[],
                    e.to_string().as_bytes(),
                ),
                Err(_) => response("500 Internal Server Error", TEXT, &[], b"render panicked\n"),
            }
        }
        ("GET", "/health") => response("200 OK", TEXT, &[], b"ok\n"),
        ("GET", _) => response("404 Not Found", TEXT, &[], b"not found: try /metrics\n"),
        _ => response(
            "405 Method Not Allowed",
            TEXT,
            &[("Allow", "GET")],
            b"only GET\n",
        ),
    }
}

fn response(status: &str, ctype: &str, extra: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in extra {
        out.push_str(k);
        out.push_str(": ");
        out.push_str(v);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_end_finds_crlf_and_lf_terminators_across_reads() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n\r\n", 0), Some(18));
        assert_eq!(head_end(b"GET / HTTP/1.1\n\nxyz", 0), Some(16));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nA: b\r\n", 0), None);
        let b = b"GET / HTTP/1.1\r\n\r\n";
        assert_eq!(head_end(b, b.len() - 3 - 1), Some(18));
        assert_eq!(head_end(b"", 0), None);
        assert_eq!(head_end(b"ab", 5), None);
    }

    fn status(resp: &[u8]) -> String {
        String::from_utf8_lossy(resp)
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    }

    #[test]
    fn parse_rejects_malformed_heads_with_the_right_status() {
        let cases: [(&[u8], &str); 7] = [
            (b"GET\r\n\r\n", "HTTP/1.1 400 Bad Request"),
            (b"GET / HTTP/1.1 extra\r\n\r\n", "HTTP/1.1 400 Bad Request"),
            (b"GET / SPDY/3\r\n\r\n", "HTTP/1.1 400 Bad Request"),
            (
                b"GET / HTTP/1.1\r\nnocolon\r\n\r\n",
                "HTTP/1.1 400 Bad Request",
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
                "HTTP/1.1 400 Bad Request",
            ),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
                "HTTP/1.1 411 Length Required",
            ),
            (
                b"POST / HTTP/1.1\r\ncontent-length: 1000000\r\n\r\n",
                "HTTP/1.1 413 Content Too Large",
            ),
        ];
        for (head, want) in cases {
            let got = parse(head).map(|r| format!("{r:?}")).unwrap_err();
            assert_eq!(status(&got), want, "{}", String::from_utf8_lossy(head));
        }
        let r = parse(b"GET /metrics?x=1 HTTP/1.0\r\nContent-Length: 3\r\n\r\n").unwrap();
        assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/metrics"));
        assert_eq!(r.content_length, 3);
    }

    #[test]
    fn responses_carry_length_close_and_extra_headers() {
        let r = String::from_utf8(response(
            "405 Method Not Allowed",
            TEXT,
            &[("Allow", "GET")],
            b"x",
        ))
        .unwrap();
        assert!(r.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
        assert!(r.contains("Content-Length: 1\r\n"));
        assert!(r.contains("Connection: close\r\n"));
        assert!(r.ends_with("Allow: GET\r\n\r\nx"));
    }
}
