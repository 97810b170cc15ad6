//! A recorder for unit tests, built on `metrics-util`'s atomic registry.
//!
//! Unlike `metrics-util`'s `DebuggingRecorder`, reading does not consume:
//! counters and gauges keep their values between lookups and histograms keep
//! every sample. It is scoped to a closure ([`TestRecorder::with`]), so tests
//! running in parallel do not see each other's metrics and nothing global is
//! installed.
//!
//! ```
//! use tradewarden_metrics::testing::TestRecorder;
//! let rec = TestRecorder::new();
//! rec.with(|| metrics::counter!("x_total", "k" => "v").increment(3));
//! assert_eq!(rec.counter("x_total", &[("k", "v")]), Some(3));
//! assert_eq!(rec.counter("x_total", &[("k", "v")]), Some(3));
//! assert_eq!(rec.counter("x_total", &[("k", "w")]), None);
//! ```

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;

use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use metrics_util::registry::{AtomicStorage, Registry};

/// A scoped in-memory recorder with typed lookups.
pub struct TestRecorder {
    registry: Registry<Key, AtomicStorage>,
}

impl std::fmt::Debug for TestRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestRecorder").finish_non_exhaustive()
    }
}

impl Default for TestRecorder {
    fn default() -> Self {
        Self::new()
    }
}

fn matches(key: &Key, name: &str, labels: &[(&str, &str)]) -> bool {
    if key.name() != name {
        return false;
    }
    let mut have: Vec<(&str, &str)> = key.labels().map(|l| (l.key(), l.value())).collect();
    let mut want: Vec<(&str, &str)> = labels.to_vec();
    have.sort_unstable();
    want.sort_unstable();
    have == want
}

impl Recorder for TestRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        self.registry
            .get_or_create_counter(key, |c| Counter::from_arc(c.clone()))
    }

    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        self.registry
            .get_or_create_gauge(key, |g| Gauge::from_arc(g.clone()))
    }

    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        self.registry
            .get_or_create_histogram(key, |h| Histogram::from_arc(h.clone()))
    }
}

impl TestRecorder {
    /// A fresh recorder.
    pub fn new() -> Self {
        TestRecorder {
            registry: Registry::atomic(),
        }
    }

    /// Runs `f` with this recorder as the thread's recorder. Handles created
    /// inside keep recording here after `f` returns.
    pub fn with<T>(&self, f: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(self, f)
    }

    /// The value of a counter series (labels in any order), if registered.
    pub fn counter(&self, name: &str, labels: &[(&str, &str)]) -> Option<u64> {
        self.registry
            .get_counter_handles()
            .into_iter()
            .find(|(k, _)| matches(k, name, labels))
            .map(|(_, c)| c.load(Ordering::Acquire))
    }

    /// The value of a gauge series, if registered.
    pub fn gauge(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.registry
            .get_gauge_handles()
            .into_iter()
            .find(|(k, _)| matches(k, name, labels))
            .map(|(_, g)| f64::from_bits(g.load(Ordering::Acquire)))
    }

    /// Every sample recorded into a histogram series.
    pub fn histogram(&self, name: &str, labels: &[(&str, &str)]) -> Option<Vec<f64>> {
        self.registry
            .get_histogram_handles()
            .into_iter()
            .find(|(k, _)| matches(k, name, labels))
            .map(|(_, h)| h.data())
    }

    /// Names of every registered metric.
    pub fn names(&self) -> BTreeSet<String> {
        let mut s: BTreeSet<String> = BTreeSet::new();
        s.extend(
            self.registry
                .get_counter_handles()
                .into_keys()
                .map(|k| k.name().to_string()),
        );
        s.extend(
            self.registry
                .get_gauge_handles()
                .into_keys()
                .map(|k| k.name().to_string()),
        );
        s.extend(
            self.registry
                .get_histogram_handles()
                .into_keys()
                .map(|k| k.name().to_string()),
        );
        s
    }
}
