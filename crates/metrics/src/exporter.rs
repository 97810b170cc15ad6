//! The Prometheus exporter: a recorder with fixed-bucket histograms, an
//! optional loopback HTTP listener and [`Exporter::render`] for services that
//! serve `/metrics` themselves.
//!
//! Only executables and bindings install a recorder; libraries emit through
//! the facade.
//!
//! ```
//! use tradewarden_metrics::exporter::{Exporter, ExporterConfig};
//! let cfg = ExporterConfig { listen: None, ..ExporterConfig::default() };
//! let (recorder, exporter) = Exporter::build(&cfg).unwrap();
//! metrics::with_local_recorder(&recorder, || {
//!     metrics::counter!("tradewarden_order_denials_total", "reason" => "max_notional").increment(1);
//! });
//! let text = exporter.render().unwrap();
//! assert!(text.contains(r#"tradewarden_order_denials_total{reason="max_notional"} 1"#));
//! ```

use std::collections::BTreeMap;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use serde::{Deserialize, Serialize};

use crate::catalog::{self, Catalog, MetricKind, Profile};
use crate::error::{
    MetricsError, Result, validate_buckets, validate_label_name, validate_metric_name,
};
use crate::handles;
use crate::listener::{self, Listener};

/// Default listen address (loopback only).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9184";

/// Most connections the listener serves at once; a connection beyond this is
/// answered `503 Service Unavailable` and closed at once, never queued.
pub const MAX_CONNECTIONS: usize = 256;
/// Worker threads of the listener; each multiplexes its share of the
/// connections, so an idle or slow client never holds a thread.
pub const WORKERS: usize = 2;
/// Total time from accept to a complete request (head and body); a client
/// still sending after this gets `408 Request Timeout` and is disconnected,
/// however steadily it trickles.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(2);
/// Total time a client has to take the whole response; then it is disconnected.
pub const RESPONSE_DEADLINE: Duration = Duration::from_secs(10);
/// Largest request head (request line and headers); larger gets
/// `431 Request Header Fields Too Large`.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;
/// Largest request body (read and discarded: only `GET` is served); larger
/// gets `413 Content Too Large`.
pub const MAX_BODY_BYTES: usize = 1024;

/// Smallest `upkeep_interval_seconds` (1 ms).
pub const MIN_UPKEEP_SECONDS: f64 = 0.001;
/// Largest `upkeep_interval_seconds` (one day).
pub const MAX_UPKEEP_SECONDS: f64 = 86_400.0;

/// Exporter configuration (TOML/YAML/JSON, unknown keys rejected).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExporterConfig {
    /// Namespace prefix of namespaced metrics. Default `tradewarden`.
    pub namespace: String,
    /// Name profile. Default `native`; `plus_ultra` emits the playbook names.
    pub profile: Profile,
    /// `ip:port` of the HTTP listener, or `None` for no listener (use
    /// [`Exporter::render`]). Default `127.0.0.1:9184`; port 0 picks a free port.
    pub listen: Option<String>,
    /// Must be `true` to listen on anything but a loopback address. Default `false`.
    pub allow_non_loopback: bool,
    /// Labels added to every series (e.g. `service = "pricer"`).
    pub global_labels: BTreeMap<String, String>,
    /// Buckets for histograms outside the catalog (never a summary).
    pub default_buckets: Vec<f64>,
    /// Bucket overrides by exported metric name (must be a catalog histogram).
    pub bucket_overrides: BTreeMap<String, Vec<f64>>,
    /// Seconds between upkeep passes (draining histogram samples). Default 5.
    pub upkeep_interval_seconds: f64,
}

impl Default for ExporterConfig {
    fn default() -> Self {
        ExporterConfig {
            namespace: catalog::DEFAULT_NAMESPACE.to_string(),
            profile: Profile::Native,
            listen: Some(DEFAULT_LISTEN.to_string()),
            allow_non_loopback: false,
            global_labels: BTreeMap::new(),
            default_buckets: catalog::DEFAULT_BUCKETS.to_vec(),
            bucket_overrides: BTreeMap::new(),
            upkeep_interval_seconds: 5.0,
        }
    }
}

/// Parses and checks a listen address.
///
/// # Errors
/// [`MetricsError::InvalidAddress`] when `value` is not `ip:port`;
/// [`MetricsError::NonLoopbackAddress`] for a non-loopback address unless allowed.
pub fn parse_listen_address(value: &str, allow_non_loopback: bool) -> Result<SocketAddr> {
    let addr: SocketAddr = value.parse().map_err(|e| MetricsError::InvalidAddress {
        param: "listen",
        value: value.to_string(),
        reason: format!("expected ip:port such as 127.0.0.1:9184 ({e})"),
    })?;
    if !addr.ip().is_loopback() && !allow_non_loopback {
        return Err(MetricsError::NonLoopbackAddress {
            addr: addr.to_string(),
        });
    }
    Ok(addr)
}

impl ExporterConfig {
    /// Loads a configuration file (format from the extension) and validates it.
    ///
    /// # Errors
    /// Parse errors (unknown keys included) and every validation error.
    pub fn load(path: impl AsRef<Path>) -> Result<ExporterConfig> {
        let cfg: ExporterConfig = tradewarden_core::config::load_config(path)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Every problem of this configuration, in field order.
    pub fn problems(&self) -> Vec<MetricsError> {
        let mut out = Vec::new();
        let catalog = match Catalog::new(&self.namespace, self.profile) {
            Ok(c) => Some(c),
            Err(e) => {
                out.push(e);
                None
            }
        };
        if let Some(l) = &self.listen
            && let Err(e) = parse_listen_address(l, self.allow_non_loopback)
        {
            out.push(e);
        }
        for k in self.global_labels.keys() {
            if let Err(e) = validate_label_name("global_labels", k) {
                out.push(e);
            }
        }
        if let Err(e) = validate_buckets("default_buckets", &self.default_buckets) {
            out.push(e);
        }
        for (name, b) in &self.bucket_overrides {
            if let Err(e) = validate_metric_name("bucket_overrides", name) {
                out.push(e);
                continue;
            }
            let known = catalog
                .as_ref()
                .and_then(|c| c.lookup(name))
                .is_some_and(|d| d.kind == MetricKind::Histogram);
            if catalog.is_some() && !known {
                out.push(MetricsError::UnknownMetric {
                    param: "bucket_overrides",
                    value: name.clone(),
                });
            }
            if let Err(e) = validate_buckets(name, b) {
                out.push(e);
            }
        }
        // Bounded both ways: a huge value overflowed `Duration::from_secs_f64`
        // (a panic in `Exporter::build`), a subnormal one became a zero
        // timeout (the upkeep thread spinning on a core).
        let u = self.upkeep_interval_seconds;
        if !(MIN_UPKEEP_SECONDS..=MAX_UPKEEP_SECONDS).contains(&u) {
            out.push(MetricsError::InvalidInput {
                param: "upkeep_interval_seconds",
                value: u.to_string(),
                reason: format!(
                    "must be between {MIN_UPKEEP_SECONDS} and {MAX_UPKEEP_SECONDS} seconds"
                ),
            });
        }
        out
    }

    /// `Ok` when valid; the single error, or [`MetricsError::InvalidConfig`] listing all.
    ///
    /// # Errors
    /// See [`ExporterConfig::problems`].
    pub fn validate(&self) -> Result<()> {
        let mut p = self.problems();
        match p.len() {
            0 => Ok(()),
            1 => Err(p.remove(0)),
            _ => Err(MetricsError::InvalidConfig { errors: p }),
        }
    }
}

/// A built exporter: render handle, optional listener and upkeep thread.
/// Dropping it stops the listener and the upkeep thread within a few
/// milliseconds, whatever clients are connected (a globally installed
/// recorder stays installed, as the facade requires).
///
/// The listener serves `GET /metrics` and `GET /health` (`404` for other
/// paths, `405` for other methods) to up to [`MAX_CONNECTIONS`] clients at
/// once on [`WORKERS`] threads, with total per-connection deadlines
/// ([`REQUEST_DEADLINE`], [`RESPONSE_DEADLINE`]) and size caps
/// ([`MAX_HEAD_BYTES`], [`MAX_BODY_BYTES`]), so no client can stall a scrape.
#[derive(Debug)]
pub struct Exporter {
    handle: PrometheusHandle,
    catalog: Catalog,
    local_addr: Option<SocketAddr>,
    listener: Option<Listener>,
    upkeep_stop: Option<mpsc::Sender<()>>,
    threads: Vec<JoinHandle<()>>,
}

fn build_recorder(cfg: &ExporterConfig, catalog: &Catalog) -> Result<PrometheusRecorder> {
    let bad = |e: metrics_exporter_prometheus::BuildError| MetricsError::InvalidBuckets {
        metric: "default_buckets".into(),
        reason: e.to_string(),
    };
    let mut b = PrometheusBuilder::new()
        .set_buckets(&cfg.default_buckets)
        .map_err(bad)?;
    for (name, def) in catalog.entries() {
        if let (MetricKind::Histogram, Some(buckets)) = (def.kind, def.buckets) {
            let buckets = cfg
                .bucket_overrides
                .get(name.as_ref())
                .map(Vec::as_slice)
                .unwrap_or(buckets);
            b = b
                .set_buckets_for_metric(Matcher::Full(name.into_owned()), buckets)
                .map_err(bad)?;
        }
    }
    for (k, v) in &cfg.global_labels {
        b = b.add_global_label(k, v);
    }
    Ok(b.build_recorder())
}

fn bind(addr: SocketAddr) -> Result<TcpListener> {
    TcpListener::bind(addr).map_err(|e| {
        if e.kind() == io::ErrorKind::AddrInUse {
            MetricsError::PortInUse {
                addr: addr.to_string(),
            }
        } else {
            MetricsError::Listen {
                addr: addr.to_string(),
                source: e,
            }
        }
    })
}

impl Exporter {
    /// Builds the recorder and starts the listener (if configured) without
    /// installing anything globally: use the recorder with
    /// `metrics::with_local_recorder` or install it yourself.
    ///
    /// # Errors
    /// Configuration errors, [`MetricsError::PortInUse`], [`MetricsError::Listen`].
    pub fn build(cfg: &ExporterConfig) -> Result<(PrometheusRecorder, Exporter)> {
        cfg.validate()?;
        let catalog = Catalog::new(&cfg.namespace, cfg.profile)?;
        let listener = match &cfg.listen {
            Some(l) => Some(bind(parse_listen_address(l, cfg.allow_non_loopback)?)?),
            None => None,
        };
        let recorder = build_recorder(cfg, &catalog)?;
        let handle = recorder.handle();
        let exporter = Exporter::start(handle, catalog, listener, cfg.upkeep_interval_seconds)?;
        Ok((recorder, exporter))
    }

    /// Builds, installs the recorder as the process-wide recorder, makes its
    /// catalog the one every emitter resolves names with
    /// ([`catalog::installed`]), describes every catalog metric and sets
    /// `build_info`.
    ///
    /// # Errors
    /// As [`Exporter::build`], plus [`MetricsError::RecorderAlreadyInstalled`]
    /// (the installed recorder and catalog stay the first install's).
    pub fn install(cfg: &ExporterConfig) -> Result<Exporter> {
        let (recorder, exporter) = Exporter::build(cfg)?;
        metrics::set_global_recorder(recorder)
            .map_err(|_| MetricsError::RecorderAlreadyInstalled)?;
        // The facade accepted this recorder, so this is the process's first
        // install and the catalog slot is still empty.
        let first = catalog::set_installed(&exporter.catalog);
        debug_assert!(first, "a second recorder install was accepted");
        handles::describe_all(&exporter.catalog);
        handles::set_build_info(&exporter.catalog);
        Ok(exporter)
    }

    fn start(
        handle: PrometheusHandle,
        catalog: Catalog,
        listener: Option<TcpListener>,
        upkeep_seconds: f64,
    ) -> Result<Exporter> {
        let mut threads = Vec::new();
        let (tx, rx) = mpsc::channel::<()>();
        let up = handle.clone();
        let interval = Duration::from_secs_f64(upkeep_seconds);
        let t = std::thread::Builder::new()
            .name("tw-metrics-upkeep".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(interval) {
                    let _ = catch_unwind(AssertUnwindSafe(|| up.run_upkeep()));
                }
            })
            .map_err(|e| MetricsError::Listen {
                addr: "upkeep thread".into(),
                source: e,
            })?;
        threads.push(t);
        let mut exporter = Exporter {
            handle,
            catalog,
            local_addr: None,
            listener: None,
            upkeep_stop: Some(tx),
            threads,
        };
        if let Some(l) = listener {
            let addr = l.local_addr().map_err(|e| MetricsError::Listen {
                addr: "listener".into(),
                source: e,
            })?;
            // On error `exporter` is dropped, which stops the upkeep thread.
            exporter.listener = Some(Listener::start(l, exporter.handle.clone())?);
            exporter.local_addr = Some(addr);
        }
        Ok(exporter)
    }

    /// The text exposition of every metric.
    ///
    /// # Errors
    /// [`MetricsError::Render`] if the exposition cannot be produced.
    pub fn render(&self) -> Result<String> {
        render(&self.handle)
    }

    /// The address the listener is bound to (useful with port 0).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }

    /// The catalog this exporter resolves names with.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The underlying render handle.
    pub fn handle(&self) -> &PrometheusHandle {
        &self.handle
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.upkeep_stop.take();
        // Stops the accept thread and the workers (bounded wait).
        self.listener.take();
        listener::join_within(&mut self.threads, listener::JOIN_WAIT);
    }
}

pub(crate) fn render(handle: &PrometheusHandle) -> Result<String> {
    let mut buf = Vec::new();
    handle
        .render_to_write(&mut buf)
        .map_err(|e| MetricsError::Render {
            reason: e.to_string(),
        })?;
    String::from_utf8(buf).map_err(|e| MetricsError::Render {
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use tradewarden_core::{Classify, ErrorKind};

    fn get(addr: SocketAddr, path: &str) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    fn ephemeral() -> ExporterConfig {
        ExporterConfig {
            listen: Some("127.0.0.1:0".into()),
            ..ExporterConfig::default()
        }
    }

    #[test]
    fn serves_metrics_on_loopback_with_fixed_buckets() {
        let (rec, exp) = Exporter::build(&ephemeral()).unwrap();
        let addr = exp.local_addr().unwrap();
        assert!(addr.ip().is_loopback());
        metrics::with_local_recorder(&rec, || {
            let m = handles::InferenceMetrics::new(exp.catalog(), "m1");
            m.record(0.0003, 2);
            m.record(0.2, 1);
            metrics::histogram!("uncatalogued_seconds").record(0.3);
        });
        let resp = get(addr, "/metrics");
        assert!(resp.starts_with("HTTP/1.1 200 OK"), "{resp}");
        assert!(
            resp.contains(r#"tradewarden_predictions_total{model="m1"} 3"#),
            "{resp}"
        );
        assert!(
            resp.contains(
                r#"tradewarden_inference_latency_seconds_bucket{model="m1",le="0.0005"} 1"#
            )
        );
        assert!(
            resp.contains(
                r#"tradewarden_inference_latency_seconds_bucket{model="m1",le="0.25"} 2"#
            )
        );
        // No summaries, ever: the uncatalogued histogram gets default buckets.
        assert!(
            resp.contains(r#"uncatalogued_seconds_bucket{le="0.5"} 1"#),
            "{resp}"
        );
        assert!(!resp.contains("quantile="));
        assert!(get(addr, "/nope").starts_with("HTTP/1.1 404"));
        assert!(get(addr, "/health").starts_with("HTTP/1.1 200"));
        drop(exp);
        // The listener is gone after drop.
        assert!(
            TcpStream::connect_timeout(&addr, Duration::from_millis(500))
                .map(|mut s| {
                    let _ = write!(s, "GET /metrics HTTP/1.1\r\n\r\n");
                    let mut o = String::new();
                    let _ = s.read_to_string(&mut o);
                    o
                })
                .map(|o| o.is_empty())
                .unwrap_or(true)
        );
    }

    #[test]
    fn port_in_use_is_a_typed_error() {
        let taken = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let cfg = ExporterConfig {
            listen: Some(format!("127.0.0.1:{port}")),
            ..ExporterConfig::default()
        };
        let e = Exporter::build(&cfg).unwrap_err();
        assert!(matches!(e, MetricsError::PortInUse { .. }), "{e}");
        assert!(e.to_string().contains(&port.to_string()));
        assert_eq!(e.kind(), ErrorKind::Io);
    }

    #[test]
    fn bad_addresses_are_typed_errors() {
        for bad in ["localhost", "127.0.0.1", "127.0.0.1:99999", "", "::1:80"] {
            let e = parse_listen_address(bad, false).unwrap_err();
            assert!(
                matches!(
                    e,
                    MetricsError::InvalidAddress {
                        param: "listen",
                        ..
                    }
                ),
                "{bad}: {e}"
            );
            assert!(e.to_string().contains(&format!("{bad:?}")));
        }
        let e = parse_listen_address("0.0.0.0:9184", false).unwrap_err();
        assert!(matches!(e, MetricsError::NonLoopbackAddress { .. }));
        assert!(parse_listen_address("0.0.0.0:9184", true).is_ok());
        assert!(parse_listen_address("[::1]:9184", false).is_ok());
    }

    #[test]
    fn config_reports_every_problem() {
        let mut cfg = ExporterConfig {
            namespace: "bad-ns".into(),
            listen: Some("nowhere".into()),
            default_buckets: vec![1.0, 0.5],
            upkeep_interval_seconds: 0.0,
            ..ExporterConfig::default()
        };
        cfg.global_labels.insert("__bad".into(), "x".into());
        let e = cfg.validate().unwrap_err();
        let MetricsError::InvalidConfig { errors } = &e else {
            panic!("{e}")
        };
        assert_eq!(errors.len(), 5, "{e}");
        let text = e.to_string();
        for needle in [
            "bad-ns",
            "nowhere",
            "__bad",
            "default_buckets",
            "upkeep_interval_seconds",
        ] {
            assert!(text.contains(needle), "{needle} missing in {text}");
        }
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);

        // Out-of-range intervals are refused, not a panic or a spinning thread.
        for u in [
            f64::NAN,
            f64::INFINITY,
            -1.0,
            0.0,
            5e-324,
            1e-9,
            1e300,
            f64::MAX,
            86_401.0,
        ] {
            let cfg = ExporterConfig {
                upkeep_interval_seconds: u,
                listen: None,
                ..ExporterConfig::default()
            };
            let e = cfg.validate().unwrap_err();
            assert!(
                matches!(
                    e,
                    MetricsError::InvalidInput {
                        param: "upkeep_interval_seconds",
                        ..
                    }
                ),
                "{u}: {e}"
            );
            assert!(Exporter::build(&cfg).is_err(), "{u}");
        }
        for u in [MIN_UPKEEP_SECONDS, 5.0, MAX_UPKEEP_SECONDS] {
            let cfg = ExporterConfig {
                upkeep_interval_seconds: u,
                listen: None,
                ..ExporterConfig::default()
            };
            cfg.validate().unwrap();
        }

        let mut cfg = ExporterConfig::default();
        cfg.bucket_overrides
            .insert("not_in_catalog".into(), vec![1.0]);
        let e = cfg.validate().unwrap_err();
        assert!(matches!(e, MetricsError::UnknownMetric { .. }), "{e}");
        let mut cfg = ExporterConfig::default();
        cfg.bucket_overrides.insert("bad name".into(), vec![1.0]);
        assert!(matches!(
            cfg.validate().unwrap_err(),
            MetricsError::InvalidMetricName {
                param: "bucket_overrides",
                ..
            }
        ));
    }

    #[test]
    fn config_loads_from_toml_and_rejects_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.toml");
        std::fs::write(
            &p,
            "namespace = \"acme\"\nprofile = \"plus_ultra\"\nlisten = \"127.0.0.1:0\"\n[bucket_overrides]\ntradewarden_inference_latency_seconds = [0.001, 0.01]\n",
        )
        .unwrap();
        // The override names a native tradewarden_ metric, but the namespace is acme.
        let e = ExporterConfig::load(&p).unwrap_err();
        assert!(matches!(e, MetricsError::UnknownMetric { .. }), "{e}");
        std::fs::write(
            &p,
            "namespace = \"acme\"\n[bucket_overrides]\nacme_inference_latency_seconds = [0.001, 0.01]\n",
        )
        .unwrap();
        let cfg = ExporterConfig::load(&p).unwrap();
        assert_eq!(cfg.namespace, "acme");
        std::fs::write(&p, "namespce = \"acme\"\n").unwrap();
        let e = ExporterConfig::load(&p).unwrap_err();
        assert!(e.to_string().contains("namespce"), "{e}");
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
    }

    #[test]
    fn bucket_override_and_global_labels_apply() {
        let mut cfg = ExporterConfig {
            listen: None,
            ..ExporterConfig::default()
        };
        cfg.bucket_overrides.insert(
            "tradewarden_inference_latency_seconds".into(),
            vec![0.5, 1.0],
        );
        cfg.global_labels.insert("service".into(), "pricer".into());
        let (rec, exp) = Exporter::build(&cfg).unwrap();
        assert!(exp.local_addr().is_none());
        metrics::with_local_recorder(&rec, || {
            handles::InferenceMetrics::new(exp.catalog(), "m").record(0.7, 1);
        });
        let text = exp.render().unwrap();
        assert!(text.contains(
            r#"tradewarden_inference_latency_seconds_bucket{service="pricer",model="m",le="1"} 1"#
        ) || text.contains(
            r#"tradewarden_inference_latency_seconds_bucket{model="m",service="pricer",le="1"} 1"#
        ), "{text}");
        assert!(!text.contains(r#"le="0.0005""#));
    }

    #[test]
    fn every_catalog_metric_renders_with_its_type_and_buckets() {
        for profile in [Profile::Native, Profile::PlusUltra] {
            let cfg = ExporterConfig {
                listen: None,
                profile,
                ..ExporterConfig::default()
            };
            let (rec, exp) = Exporter::build(&cfg).unwrap();
            metrics::with_local_recorder(&rec, || {
                handles::describe_all(exp.catalog());
                for (name, def) in exp.catalog().entries() {
                    let labels: Vec<metrics::Label> = def
                        .labels
                        .iter()
                        .map(|l| metrics::Label::new(*l, "x"))
                        .collect();
                    let name = name.into_owned();
                    match def.kind {
                        MetricKind::Counter => metrics::counter!(name, labels).increment(1),
                        MetricKind::Gauge => metrics::gauge!(name, labels).set(1.0),
                        MetricKind::Histogram => metrics::histogram!(name, labels).record(1.0),
                    }
                }
            });
            let text = exp.render().unwrap();
            assert!(!text.contains("quantile="));
            for (name, def) in exp.catalog().entries() {
                let ty = format!("# TYPE {name} {}", def.kind.as_str());
                assert!(text.contains(&ty), "{profile}: missing {ty:?}");
                assert!(text.contains(&format!("# HELP {name} ")), "{name}");
                if let Some(b) = def.buckets {
                    let count = text
                        .lines()
                        .filter(|l| l.starts_with(&format!("{name}_bucket{{")))
                        .count();
                    assert_eq!(count, b.len() + 1, "{name}: buckets plus +Inf");
                }
            }
        }
    }
}
