//! The exporter's HTTP listener cannot be stalled by its clients (issue 20,
//! item 4). Loopback only; every wait is bounded. The bounds are generous
//! (a second where a healthy scrape takes milliseconds) and each one is
//! broken by the old one-connection-at-a-time listener: one idle client
//! delayed a scrape 2 s, a trickler held it indefinitely, dropping the
//! exporter with idle clients open took seconds.
//!
//! The stall test prints p50/p99/max scrape latency (`--nocapture`); see
//! docs/reliability.md for recorded figures. The tests run one at a time
//! (a shared lock) so the figures are not disturbed by each other.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use metrics_exporter_prometheus::PrometheusRecorder;
use tradewarden_metrics::exporter::{
    Exporter, ExporterConfig, MAX_CONNECTIONS, MAX_HEAD_BYTES, REQUEST_DEADLINE,
};

/// A scrape must finish within this (the old listener took 2 s per idle client).
const SCRAPE_BOUND: Duration = Duration::from_millis(1500);
const KNOWN: &str = r#"tradewarden_order_denials_total{reason="max_notional"} 7"#;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

/// An exporter on an ephemeral loopback port with a realistic exposition:
/// every catalog metric once, plus a known counter.
fn exporter() -> (PrometheusRecorder, Exporter, SocketAddr) {
    let cfg = ExporterConfig {
        listen: Some("127.0.0.1:0".into()),
        ..ExporterConfig::default()
    };
    let (rec, exp) = match Exporter::build(&cfg) {
        Ok(x) => x,
        Err(e) => panic!("build: {e}"),
    };
    metrics::with_local_recorder(&rec, || {
        tradewarden_metrics::handles::describe_all(exp.catalog());
        for (name, def) in exp.catalog().entries() {
            let labels: Vec<metrics::Label> = def
                .labels
                .iter()
                .map(|l| metrics::Label::new(*l, "x"))
                .collect();
            let name = name.into_owned();
            match def.kind {
                tradewarden_metrics::MetricKind::Counter => {
                    metrics::counter!(name, labels).increment(1)
                }
                tradewarden_metrics::MetricKind::Gauge => metrics::gauge!(name, labels).set(1.0),
                tradewarden_metrics::MetricKind::Histogram => {
                    metrics::histogram!(name, labels).record(0.01)
                }
            }
        }
        metrics::counter!("tradewarden_order_denials_total", "reason" => "max_notional")
            .increment(7);
    });
    let Some(addr) = exp.local_addr() else {
        panic!("no listener address")
    };
    (rec, exp, addr)
}

/// Sends `request` and reads to EOF; the whole exchange is bounded.
fn exchange(addr: SocketAddr, request: &[u8]) -> io::Result<String> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(3)))?;
    s.set_write_timeout(Some(Duration::from_secs(3)))?;
    s.write_all(request)?;
    let mut out = Vec::new();
    s.read_to_end(&mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn scrape(addr: SocketAddr) -> io::Result<String> {
    exchange(addr, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
}

/// `true` once the server has closed (or answered and closed) `s`.
fn server_closed(s: &mut TcpStream) -> bool {
    let mut b = [0u8; 512];
    match s.read(&mut b) {
        // EOF, or the 408 that precedes it: either way the server is done.
        Ok(n) => n == 0 || n <= b.len(),
        Err(e) => !matches!(
            e.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
        ),
    }
}

fn idle(addr: SocketAddr) -> io::Result<TcpStream> {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_nonblocking(true)?;
    Ok(s)
}

/// Keeps `idle` idle and `trickling` trickling connections open until `stop`,
/// reconnecting each one the server cuts off. Returns (idle reconnects,
/// trickler cut-offs).
fn attack(
    addr: SocketAddr,
    idle_n: usize,
    trickle_n: usize,
    ready: mpsc::Sender<()>,
    stop: Arc<AtomicBool>,
) -> (usize, usize) {
    const TRICKLE: &[u8] = b"GET /metrics HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let mut idles: Vec<TcpStream> = (0..idle_n).filter_map(|_| idle(addr).ok()).collect();
    let mut tricklers: Vec<(TcpStream, usize, Instant)> = (0..trickle_n)
        .filter_map(|_| idle(addr).ok().map(|s| (s, 0, Instant::now())))
        .collect();
    let _ = ready.send(());
    let (mut idle_cut, mut trickle_cut) = (0, 0);
    while !stop.load(Ordering::SeqCst) {
        for s in &mut idles {
            if server_closed(s)
                && let Ok(n) = idle(addr)
            {
                *s = n;
                idle_cut += 1;
            }
        }
        for (s, pos, last) in &mut tricklers {
            if last.elapsed() >= Duration::from_millis(200) {
                let byte = TRICKLE.get(*pos % TRICKLE.len()..).unwrap_or(b"a");
                let wrote = s.write(byte.get(..1).unwrap_or(b"a"));
                *pos += 1;
                *last = Instant::now();
                if (wrote.is_err() || server_closed(s))
                    && let Ok(n) = idle(addr)
                {
                    *s = n;
                    *pos = 0;
                    trickle_cut += 1;
                }
            }
        }
        thread::sleep(Duration::from_millis(20));
    }
    (idle_cut, trickle_cut)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

#[test]
fn scrapes_are_not_stalled_by_idle_and_trickling_clients() {
    let _g = serial();
    let (_rec, exp, addr) = exporter();
    let stop = Arc::new(AtomicBool::new(false));
    let (ready_tx, ready_rx) = mpsc::channel();
    let s = stop.clone();
    let attacker = thread::spawn(move || attack(addr, 100, 10, ready_tx, s));
    ready_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    // Start scraping shortly before the attackers' request deadline, so the
    // wave of cut-offs and reconnects lands among the scrapes.
    thread::sleep(REQUEST_DEADLINE.saturating_sub(Duration::from_millis(200)));

    let started = Instant::now();
    let mut lat = Vec::with_capacity(1000);
    let mut failures = Vec::new();
    for i in 0..1000 {
        let t = Instant::now();
        let r = scrape(addr);
        let took = t.elapsed();
        lat.push(took);
        match r {
            Ok(body) if body.starts_with("HTTP/1.1 200 OK") && body.contains(KNOWN) => {}
            Ok(body) => failures.push(format!("scrape {i}: {:?}", body.lines().next())),
            Err(e) => failures.push(format!("scrape {i}: {e}")),
        }
        if took > SCRAPE_BOUND {
            failures.push(format!("scrape {i} took {took:?}"));
        }
        if failures.len() > 5 {
            break;
        }
    }
    let total = started.elapsed();
    stop.store(true, Ordering::SeqCst);
    let (idle_cut, trickle_cut) = attacker.join().unwrap();
    lat.sort();
    eprintln!(
        "listener_stall: {} scrapes with 100 idle + 10 trickling clients in {:.2} s: \
         p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms; idle clients cut off {idle_cut}x, \
         tricklers cut off {trickle_cut}x",
        lat.len(),
        total.as_secs_f64(),
        percentile(&lat, 0.50).as_secs_f64() * 1e3,
        percentile(&lat, 0.99).as_secs_f64() * 1e3,
        lat.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(lat.len(), 1000);
    drop(exp);
}

#[test]
fn a_trickler_is_disconnected_after_the_request_deadline() {
    let _g = serial();
    let (_rec, exp, addr) = exporter();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let started = Instant::now();
    let mut seen = Vec::new();
    let mut cut = false;
    // One byte every 200 ms: each read would beat a per-read timeout forever.
    for b in b"GET /metrics HTTP/1.1\r\nX-Slow: ".iter().cycle() {
        if started.elapsed() > REQUEST_DEADLINE * 4 {
            break;
        }
        if s.write_all(&[*b]).is_err() {
            cut = true;
            break;
        }
        let mut buf = [0u8; 256];
        match s.read(&mut buf) {
            Ok(0) => {
                cut = true;
                break;
            }
            Ok(n) => seen.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => {
                cut = true;
                break;
            }
        }
    }
    let took = started.elapsed();
    let seen = String::from_utf8_lossy(&seen);
    assert!(cut, "trickler still connected after {took:?}: {seen}");
    assert!(
        seen.is_empty() || seen.starts_with("HTTP/1.1 408 Request Timeout"),
        "{seen}"
    );
    eprintln!("trickler cut off after {took:?}");
    // The listener still serves.
    assert!(scrape(addr).unwrap().contains(KNOWN));
    drop(exp);
}

#[test]
fn oversize_heads_and_bodies_are_refused_and_the_listener_keeps_serving() {
    let _g = serial();
    let (_rec, exp, addr) = exporter();
    // A complete but oversize head: the old listener answered it with 200.
    let mut req = b"GET /metrics HTTP/1.1\r\nHost: x\r\n".to_vec();
    while req.len() <= MAX_HEAD_BYTES + 1024 {
        req.extend_from_slice(
            b"X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
        );
    }
    req.extend_from_slice(b"\r\n");
    match exchange(addr, &req) {
        Ok(r) => assert!(
            r.starts_with("HTTP/1.1 431 Request Header Fields Too Large"),
            "{r}"
        ),
        // A reset before the 431 was read is a refusal too.
        Err(e) => assert!(
            matches!(
                e.kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
            ),
            "{e}"
        ),
    }
    // An endless head with no blank line.
    let endless = vec![b'a'; 4 * MAX_HEAD_BYTES];
    match exchange(addr, &endless) {
        Ok(r) => assert!(r.is_empty() || r.starts_with("HTTP/1.1 431"), "{r}"),
        Err(e) => assert!(
            matches!(
                e.kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
            ),
            "{e}"
        ),
    }
    let big_body = exchange(
        addr,
        b"POST /metrics HTTP/1.1\r\nContent-Length: 10000000\r\n\r\n",
    )
    .unwrap();
    assert!(big_body.starts_with("HTTP/1.1 413"), "{big_body}");
    let post = exchange(
        addr,
        b"POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
    )
    .unwrap();
    assert!(post.starts_with("HTTP/1.1 405"), "{post}");
    assert!(post.contains("Allow: GET"), "{post}");
    let chunked = exchange(
        addr,
        b"POST /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    )
    .unwrap();
    assert!(chunked.starts_with("HTTP/1.1 411"), "{chunked}");
    let garbage = exchange(addr, b"\x16\x03\x01 hello\r\n\r\n").unwrap();
    assert!(garbage.starts_with("HTTP/1.1 400"), "{garbage}");
    // Existing routes are unchanged.
    assert!(
        exchange(addr, b"GET /nope HTTP/1.1\r\n\r\n")
            .unwrap()
            .starts_with("HTTP/1.1 404")
    );
    assert!(
        exchange(addr, b"GET /health HTTP/1.1\r\n\r\n")
            .unwrap()
            .starts_with("HTTP/1.1 200 OK")
    );
    // A body on a GET is read and ignored.
    let r = exchange(
        addr,
        b"GET /metrics?x=1 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
    )
    .unwrap();
    assert!(r.starts_with("HTTP/1.1 200 OK") && r.contains(KNOWN), "{r}");
    assert!(scrape(addr).unwrap().contains(KNOWN));
    drop(exp);
}

#[test]
fn connections_beyond_the_cap_are_refused_at_once_not_queued() {
    let _g = serial();
    let (_rec, exp, addr) = exporter();
    let held: Vec<TcpStream> = (0..MAX_CONNECTIONS)
        .map(|_| TcpStream::connect(addr).unwrap())
        .collect();
    // The accept thread takes connections in order, so the next one is over the cap.
    let t = Instant::now();
    let r = exchange(addr, b"GET /metrics HTTP/1.1\r\n\r\n");
    let took = t.elapsed();
    match &r {
        Ok(r) => assert!(r.is_empty() || r.starts_with("HTTP/1.1 503"), "{r}"),
        Err(e) => assert!(
            matches!(
                e.kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
            ),
            "{e}"
        ),
    }
    // "Not queued" is proven by the answer above: a queued request would be
    // served (200) once the held connections hit their 2 s deadline. The
    // time bound only guards against a hang (it flaked at 1 s under a
    // load average of 6 in a debug build).
    assert!(took < Duration::from_secs(5), "refusal took {took:?}");
    drop(held);
    // Slots come back as the held connections close.
    let deadline = Instant::now() + Duration::from_secs(5);
    let served = loop {
        if let Ok(r) = scrape(addr)
            && r.contains(KNOWN)
        {
            break true;
        }
        if Instant::now() > deadline {
            break false;
        }
        thread::sleep(Duration::from_millis(20));
    };
    assert!(served);
    drop(exp);
}

#[test]
fn dropping_the_exporter_with_clients_connected_returns_promptly() {
    let _g = serial();
    let (_rec, exp, addr) = exporter();
    let idle: Vec<TcpStream> = (0..20).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let mut trickler = TcpStream::connect(addr).unwrap();
    trickler.write_all(b"GET /met").unwrap();
    // A slow reader with a response in flight.
    let mut reader = TcpStream::connect(addr).unwrap();
    reader.write_all(b"GET /metrics HTTP/1.1\r\n\r\n").unwrap();
    assert!(scrape(addr).unwrap().contains(KNOWN));
    thread::sleep(Duration::from_millis(50));

    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let t = Instant::now();
        drop(exp);
        let _ = tx.send(t.elapsed());
    });
    let took = rx.recv_timeout(Duration::from_secs(1));
    eprintln!("drop with 22 clients connected took {took:?}");
    assert!(took.is_ok(), "drop did not return within 1 s");
    // The port no longer serves.
    let after = exchange(addr, b"GET /metrics HTTP/1.1\r\n\r\n");
    assert!(
        after.as_ref().map(|r| r.is_empty()).unwrap_or(true),
        "{after:?}"
    );
    drop((idle, trickler, reader));
}
