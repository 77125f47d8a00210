//! Password hashing (argon2id), the one way the server and `tavolo admin` hash and check
//! passwords: on tokio's blocking pool, never on the async workers, and bounded.
//!
//! A hash costs tens of milliseconds of CPU and 19 MiB. Run on the async workers, six
//! parallel sign-in loops held every other request (`/healthz` went from 0.4 to 186 ms).
//! Here at most [`PasswordLimits::concurrent`] hashes run at once; at most
//! [`PasswordLimits::queue`] more requests wait for a slot, each for at most
//! [`PasswordLimits::wait`]; anything beyond is refused at once with
//! [`PasswordError::Busy`] (503 with `Retry-After`) instead of piling up.
//!
//! A sign-in with an unknown email is checked against [`auth::dummy_hash`], so that it
//! costs one hash like any other and the time of the answer does not tell which emails
//! have an account.

use crate::auth;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// How much hashing may go on at once.
#[derive(Clone, Debug)]
pub struct PasswordLimits {
    /// Hashes computed at once, each on a blocking thread.
    pub concurrent: usize,
    /// Requests that may wait for a slot beyond those running; more are refused at once.
    pub queue: usize,
    /// How long a request waits for a slot before it is refused.
    pub wait: Duration,
}

impl PasswordLimits {
    /// The default number of hashes at once: one per core. Hashing is pure CPU, so more
    /// at once would not sign anyone in sooner, only take memory and CPU from the rest.
    pub fn default_concurrent() -> usize {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    }
}

impl Default for PasswordLimits {
    fn default() -> Self {
        PasswordLimits {
            concurrent: Self::default_concurrent(),
            queue: 32,
            wait: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Every slot and queue place is taken, or the wait ran out: try again shortly.
    #[error("too many sign-ins at once: try again in a moment")]
    Busy,
    #[error("password hashing failed: {0}")]
    Failed(String),
}

/// The bounded hashing pool; cheap to clone.
#[derive(Clone)]
pub struct Passwords {
    inner: Arc<Inner>,
}

struct Inner {
    limits: PasswordLimits,
    /// Running plus waiting requests.
    admitted: Semaphore,
    /// Running hashes. A permit moves into the blocking task, so it counts the hash until
    /// the hash is done, even if the request that asked for it has gone.
    running: Arc<Semaphore>,
    now: AtomicUsize,
    peak: AtomicUsize,
    done: AtomicU64,
    refused: AtomicU64,
}

impl Passwords {
    pub fn new(limits: PasswordLimits) -> Passwords {
        let concurrent = limits.concurrent.max(1);
        Passwords {
            inner: Arc::new(Inner {
                admitted: Semaphore::new(concurrent + limits.queue),
                running: Arc::new(Semaphore::new(concurrent)),
                limits: PasswordLimits {
                    concurrent,
                    ..limits
                },
                now: AtomicUsize::new(0),
                peak: AtomicUsize::new(0),
                done: AtomicU64::new(0),
                refused: AtomicU64::new(0),
            }),
        }
    }

    pub fn limits(&self) -> &PasswordLimits {
        &self.inner.limits
    }

    /// A new argon2id hash of `password`.
    pub async fn hash(&self, password: &str) -> Result<String, PasswordError> {
        let password = password.to_owned();
        self.run(move || auth::hash_password(&password))
            .await?
            .map_err(|e| PasswordError::Failed(e.to_string()))
    }

    /// Whether `password` matches the stored hash; `None` (no such account) costs a hash
    /// all the same, against the dummy, and answers false.
    pub async fn verify(
        &self,
        password: &str,
        stored: Option<&str>,
    ) -> Result<bool, PasswordError> {
        let password = password.to_owned();
        let stored = stored.map(str::to_owned);
        self.run(move || match stored {
            Some(phc) => auth::verify_password(&password, &phc),
            None => {
                auth::verify_password(&password, auth::dummy_hash());
                false
            }
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        let inner = &self.inner;
        let refuse = || {
            inner.refused.fetch_add(1, Relaxed);
            PasswordError::Busy
        };
        let _admitted = inner.admitted.try_acquire().map_err(|_| refuse())?;
        let slot = tokio::time::timeout(inner.limits.wait, inner.running.clone().acquire_owned())
            .await
            .map_err(|_| refuse())?
            .map_err(|_| refuse())?;
        let counts = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let n = counts.now.fetch_add(1, Relaxed) + 1;
            counts.peak.fetch_max(n, Relaxed);
            let out = f();
            counts.now.fetch_sub(1, Relaxed);
            counts.done.fetch_add(1, Relaxed);
            drop(slot);
            out
        })
        .await
        .map_err(|e| PasswordError::Failed(e.to_string()))
    }

    /// Hashes computed (or checked) so far.
    pub fn done(&self) -> u64 {
        self.inner.done.load(Relaxed)
    }

    /// Requests refused as busy so far.
    pub fn refused(&self) -> u64 {
        self.inner.refused.load(Relaxed)
    }

    /// The most hashes that have run at once.
    pub fn peak(&self) -> usize {
        self.inner.peak.load(Relaxed)
    }

    /// Prometheus text, appended to `/metrics`.
    pub fn render(&self, out: &mut String) {
        let inner = &self.inner;
        for (name, kind, help, v) in [
            (
                "tavolo_password_hashes_total",
                "counter",
                "Password hashes and checks computed (argon2id, on the blocking pool).",
                inner.done.load(Relaxed),
            ),
            (
                "tavolo_password_hashes_refused_total",
                "counter",
                "Requests refused with 503 because every hashing slot and queue place was taken.",
                inner.refused.load(Relaxed),
            ),
            (
                "tavolo_password_hashes_running",
                "gauge",
                "Password hashes running now.",
                inner.now.load(Relaxed) as u64,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}"
            );
        }
    }
}
