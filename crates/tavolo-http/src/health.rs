//! `GET /healthz`: answers within a second whatever happens. It checks the database (a
//! ping, under [`CHECK_TIMEOUT`]) and the free space of the disk under the data directory
//! (under the same timeout, off the async workers: a hung mount must not hang it), and
//! answers JSON: 200 when both are fine, 503 with the reasons otherwise.
//!
//! ```json
//! {"status": "ok", "database": "ok",
//!  "disk": {"status": "ok", "free_bytes": 1234567890, "min_free_bytes": 104857600},
//!  "reasons": []}
//! ```
//!
//! `database` is `ok`, `unavailable` (the ping failed), `timeout` (no answer within
//! [`CHECK_TIMEOUT`]) or `read_only` (opened read-only because the disk was full at start:
//! restart once there is space). `disk.status` is `ok`, `full` (less free than
//! `min_free_bytes`) or `unknown` (the check failed or timed out); `disk` is `null` when
//! the data is not in a local file (PostgreSQL). Causes go to the log, not to the answer.

use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::path::Path;
use std::time::Duration;

/// How long each check may take; both run at once, so the answer comes within this.
pub const CHECK_TIMEOUT: Duration = Duration::from_millis(500);

/// The default of `--min-free-disk-mib`: SQLite's write-ahead log alone may grow to
/// about 40 MiB before it is checkpointed.
pub const DEFAULT_MIN_FREE_BYTES: u64 = 100 * 1024 * 1024;

/// Bytes an unprivileged process may still write on the file system holding `path`.
pub fn free_bytes(path: &Path) -> std::io::Result<u64> {
    let s = rustix::fs::statvfs(path)?;
    Ok(s.f_bavail.saturating_mul(s.f_frsize))
}

pub(crate) async fn healthz(State(s): State<AppState>) -> Response {
    let database = async {
        match tokio::time::timeout(CHECK_TIMEOUT, s.store.ping()).await {
            Ok(Ok(())) if s.store.is_read_only() => "read_only",
            Ok(Ok(())) => "ok",
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "health check: the database does not answer");
                "unavailable"
            }
            Err(_) => {
                tracing::warn!(timeout = ?CHECK_TIMEOUT, "health check: the database did not answer in time");
                "timeout"
            }
        }
    };
    let min_free = s.options.min_free_disk_bytes;
    let disk = async {
        let dir = s.options.data_dir.clone()?;
        let checked = tokio::time::timeout(
            CHECK_TIMEOUT,
            tokio::task::spawn_blocking(move || free_bytes(&dir)),
        )
        .await;
        Some(match checked {
            Ok(Ok(Ok(free))) => Ok(free),
            Ok(Ok(Err(e))) => Err(e.to_string()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("timed out".to_owned()),
        })
    };
    let (database, disk) = tokio::join!(database, disk);
    let mut reasons = Vec::new();
    match database {
        "ok" => {}
        "read_only" => reasons.push("database read-only (the disk was full at start)"),
        "timeout" => reasons.push("database timeout"),
        _ => reasons.push("database unavailable"),
    }
    let disk = disk.map(|free| match free {
        Ok(free) => {
            let full = free < min_free;
            if full {
                tracing::warn!(free, min_free, "health check: disk full");
                reasons.push("disk full");
            }
            json!({
                "status": if full { "full" } else { "ok" },
                "free_bytes": free,
                "min_free_bytes": min_free,
            })
        }
        Err(e) => {
            tracing::warn!(error = %e, "health check: free disk space unknown");
            reasons.push("disk unknown");
            json!({ "status": "unknown", "free_bytes": null, "min_free_bytes": min_free })
        }
    });
    let status = if reasons.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if reasons.is_empty() { "ok" } else { "unavailable" },
        "database": database,
        "disk": disk,
        "reasons": reasons,
    });
    (status, Json(body)).into_response()
}
