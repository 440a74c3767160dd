//! Prometheus metrics, rendered in the text exposition format on `/metrics`.
//! A small registry of our own: a few counters and a latency histogram need no global recorder,
//! and every server instance in a test process keeps its own numbers.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

/// Upper bounds (seconds) of the request latency buckets.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// A route's latency: per-bucket counts, the sum of seconds, and the count.
type Histogram = ([u64; BUCKETS.len()], f64, u64);

#[derive(Debug, Default)]
pub struct Metrics {
    /// (method, route, status) → count
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    /// Open event streams.
    pub event_streams: AtomicI64,
}

impl Metrics {
    /// Counts one finished request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((method.to_owned(), route.to_owned(), status)).or_default() += 1;
        }
        if let Ok(mut m) = self.latency.lock() {
            let e = m.entry(route.to_owned()).or_insert(([0; BUCKETS.len()], 0.0, 0));
            for (i, b) in BUCKETS.iter().enumerate() {
                if seconds <= *b {
                    e.0[i] += 1;
                }
            }
            e.1 += seconds;
            e.2 += 1;
        }
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# HELP frameproof_http_requests_total HTTP requests answered.");
        let _ = writeln!(out, "# TYPE frameproof_http_requests_total counter");
        if let Ok(m) = self.requests.lock() {
            for ((method, route, status), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "frameproof_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        let _ = writeln!(out, "# HELP frameproof_http_request_duration_seconds Time to answer HTTP requests.");
        let _ = writeln!(out, "# TYPE frameproof_http_request_duration_seconds histogram");
        if let Ok(m) = self.latency.lock() {
            for (route, (buckets, sum, count)) in m.iter() {
                let r = escape(route);
                for (i, b) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "frameproof_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{b}\"}} {}",
                        buckets[i]
                    );
                }
                let _ = writeln!(
                    out,
                    "frameproof_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {count}"
                );
                let _ = writeln!(out, "frameproof_http_request_duration_seconds_sum{{route=\"{r}\"}} {sum}");
                let _ = writeln!(out, "frameproof_http_request_duration_seconds_count{{route=\"{r}\"}} {count}");
            }
        }
        let _ = writeln!(out, "# HELP frameproof_event_streams Open event streams.");
        let _ = writeln!(out, "# TYPE frameproof_event_streams gauge");
        let _ = writeln!(out, "frameproof_event_streams {}", self.event_streams.load(Ordering::Relaxed));
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
