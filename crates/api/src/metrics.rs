//! Process-local Prometheus metrics for the HTTP layer. Each replica exposes its own
//! counters; Prometheus sums them, so nothing here needs to be shared across processes.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

#[derive(Default)]
pub struct Metrics {
    by_class: [AtomicU64; 5],
    bucket_counts: [AtomicU64; BUCKETS.len()],
    duration_micros_sum: AtomicU64,
    count: AtomicU64,
}

impl Metrics {
    pub fn observe(&self, status: u16, elapsed: Duration) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        let secs = elapsed.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                self.bucket_counts[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.duration_micros_sum
            .fetch_add(micros, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// Prometheus text exposition format 0.0.4.
    pub fn render(&self, pool: &deadpool_diesel::Status) -> String {
        let mut out = String::new();
        out.push_str("# HELP mikrobill_http_requests_total HTTP responses by status class.\n");
        out.push_str("# TYPE mikrobill_http_requests_total counter\n");
        for (i, counter) in self.by_class.iter().enumerate() {
            let _ = writeln!(
                out,
                "mikrobill_http_requests_total{{class=\"{}xx\"}} {}",
                i + 1,
                counter.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP mikrobill_http_request_duration_seconds Request latency.\n");
        out.push_str("# TYPE mikrobill_http_request_duration_seconds histogram\n");
        for (bound, counter) in BUCKETS.iter().zip(&self.bucket_counts) {
            let _ = writeln!(
                out,
                "mikrobill_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                counter.load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "mikrobill_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let sum = self.duration_micros_sum.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "mikrobill_http_request_duration_seconds_sum {sum}");
        let _ = writeln!(out, "mikrobill_http_request_duration_seconds_count {count}");
        out.push_str("# HELP mikrobill_db_pool_connections Database pool connections.\n");
        out.push_str("# TYPE mikrobill_db_pool_connections gauge\n");
        let _ = writeln!(
            out,
            "mikrobill_db_pool_connections{{state=\"max\"}} {}",
            pool.max_size
        );
        let _ = writeln!(
            out,
            "mikrobill_db_pool_connections{{state=\"open\"}} {}",
            pool.size
        );
        let _ = writeln!(
            out,
            "mikrobill_db_pool_connections{{state=\"idle\"}} {}",
            pool.available
        );
        let _ = writeln!(
            out,
            "mikrobill_db_pool_connections{{state=\"waiting\"}} {}",
            pool.waiting
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_cumulative_buckets() {
        let m = Metrics::default();
        m.observe(200, Duration::from_micros(800));
        m.observe(503, Duration::from_millis(30));
        let text = m.render(&deadpool_diesel::Status {
            max_size: 4,
            size: 1,
            available: 1,
            waiting: 0,
        });
        assert!(text.contains("mikrobill_http_requests_total{class=\"2xx\"} 1"));
        assert!(text.contains("mikrobill_http_requests_total{class=\"5xx\"} 1"));
        assert!(text.contains("mikrobill_http_request_duration_seconds_bucket{le=\"0.001\"} 1"));
        assert!(text.contains("mikrobill_http_request_duration_seconds_bucket{le=\"0.05\"} 2"));
        assert!(text.contains("mikrobill_http_request_duration_seconds_count 2"));
    }
}
