//! Sign-in throttling, per email and per client address.
//!
//! Every attempt counts as a failure from the moment it starts (so that a burst of
//! parallel guesses is counted before any of them is answered); a successful sign-in
//! takes its own attempt back and forgets the email's failures. Once a key has
//! `max_failures` failures, each further attempt waits a back-off that doubles with every
//! failure (`base_backoff`, 2×, 4×… up to `max_backoff`): while it lasts every attempt
//! for that key — with the right password too — is refused with 429 and `Retry-After`.
//! A key that has not been tried for `forget_after` starts afresh.
//!
//! Memory is bounded: each table holds at most `max_entries` keys; when one is full the
//! stale keys go first, then the least recently tried.
//!
//! Addresses are the TCP peer's (IPv6 by /64, as one host usually holds the whole
//! prefix). Behind a reverse proxy every client has the proxy's address: raise
//! `max_failures_per_ip` there, or set it to 0 to throttle by email only.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The throttle's policy.
#[derive(Clone, Debug)]
pub struct ThrottleOptions {
    /// Failed sign-ins for one email before the back-off starts (0: no limit by email).
    pub max_failures_per_email: u32,
    /// Failed sign-ins from one address before the back-off starts (0: no limit by
    /// address).
    pub max_failures_per_ip: u32,
    /// The first back-off; each further failure doubles it.
    pub base_backoff: Duration,
    /// The longest back-off.
    pub max_backoff: Duration,
    /// A key untried for this long is forgotten.
    pub forget_after: Duration,
    /// Most keys remembered per table (emails, addresses).
    pub max_entries: usize,
}

impl Default for ThrottleOptions {
    fn default() -> Self {
        ThrottleOptions {
            max_failures_per_email: 5,
            max_failures_per_ip: 20,
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(15 * 60),
            forget_after: Duration::from_secs(30 * 60),
            max_entries: 10_000,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    failures: u32,
    until: Option<Instant>,
    last: Instant,
}

struct Table<K> {
    map: HashMap<K, Entry>,
    limit: u32,
}

impl<K: Hash + Eq + Clone> Table<K> {
    fn new(limit: u32) -> Self {
        Table {
            map: HashMap::new(),
            limit,
        }
    }

    fn blocked(&mut self, key: &K, now: Instant, o: &ThrottleOptions) -> Option<Duration> {
        if self.limit == 0 {
            return None;
        }
        let e = self.map.get(key)?;
        if now.duration_since(e.last) > o.forget_after {
            self.map.remove(key);
            return None;
        }
        e.until.filter(|u| *u > now).map(|u| u.duration_since(now))
    }

    fn fail(&mut self, key: &K, now: Instant, o: &ThrottleOptions) {
        if self.limit == 0 {
            return;
        }
        if !self.map.contains_key(key) && self.map.len() >= o.max_entries {
            self.map
                .retain(|_, e| now.duration_since(e.last) <= o.forget_after);
            if self.map.len() >= o.max_entries {
                if let Some(oldest) = self
                    .map
                    .iter()
                    .min_by_key(|(_, e)| e.last)
                    .map(|(k, _)| k.clone())
                {
                    self.map.remove(&oldest);
                }
            }
        }
        let e = self.map.entry(key.clone()).or_insert(Entry {
            failures: 0,
            until: None,
            last: now,
        });
        e.failures = e.failures.saturating_add(1);
        e.last = now;
        if e.failures >= self.limit {
            let doublings = (e.failures - self.limit).min(30);
            let backoff = o
                .base_backoff
                .saturating_mul(1u32 << doublings)
                .min(o.max_backoff);
            e.until = Some(now + backoff);
        }
    }

    /// Takes back one failure (the attempt succeeded).
    fn undo(&mut self, key: &K) {
        if let Some(e) = self.map.get_mut(key) {
            e.failures = e.failures.saturating_sub(1);
            if e.failures < self.limit {
                e.until = None;
            }
            if e.failures == 0 {
                self.map.remove(key);
            }
        }
    }
}

struct Tables {
    emails: Table<String>,
    ips: Table<IpAddr>,
}

/// The sign-in throttle; cheap to clone (one shared state).
#[derive(Clone)]
pub struct LoginThrottle {
    options: Arc<ThrottleOptions>,
    tables: Arc<Mutex<Tables>>,
}

/// One sign-in attempt, counted as failed unless [`Attempt::succeeded`] is called.
pub struct Attempt {
    throttle: LoginThrottle,
    email: String,
    ip: IpAddr,
}

/// The address key: IPv6 addresses by their /64.
fn ip_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

impl LoginThrottle {
    pub fn new(options: ThrottleOptions) -> LoginThrottle {
        let tables = Tables {
            emails: Table::new(options.max_failures_per_email),
            ips: Table::new(options.max_failures_per_ip),
        };
        LoginThrottle {
            options: Arc::new(options),
            tables: Arc::new(Mutex::new(tables)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts an attempt for `email` (already normalised) from `ip`, or says how long
    /// to wait.
    pub fn begin(&self, email: &str, ip: IpAddr) -> Result<Attempt, Duration> {
        let now = Instant::now();
        let ip = ip_key(ip);
        let email = email.to_owned();
        let o = &*self.options;
        let mut t = self.lock();
        let wait = [t.emails.blocked(&email, now, o), t.ips.blocked(&ip, now, o)]
            .into_iter()
            .flatten()
            .max();
        if let Some(wait) = wait {
            return Err(wait);
        }
        t.emails.fail(&email, now, o);
        t.ips.fail(&ip, now, o);
        drop(t);
        Ok(Attempt {
            throttle: self.clone(),
            email,
            ip,
        })
    }

    /// Keys remembered now (emails, addresses).
    pub fn len(&self) -> (usize, usize) {
        let t = self.lock();
        (t.emails.map.len(), t.ips.map.len())
    }
}

impl Attempt {
    /// The attempt was a success: it is not a failure, and the email starts afresh.
    pub fn succeeded(self) {
        let mut t = self.throttle.lock();
        t.emails.map.remove(&self.email);
        t.ips.undo(&self.ip);
    }
}

/// At most `limit` events per client address (IPv6 by /64, as for sign-ins) in any
/// window of `window`: what bounds how many new anonymous boards one address makes
/// (`--anonymous-boards-per-minute`). Each address keeps the times of its events in the
/// window; at most `max_entries` addresses are remembered (those with no event in the
/// window go first, then the least recent). Cheap to clone (one shared state).
#[derive(Clone)]
pub struct RateLimit {
    limit: usize,
    window: Duration,
    max_entries: usize,
    events: Arc<Mutex<HashMap<IpAddr, std::collections::VecDeque<Instant>>>>,
}

impl RateLimit {
    /// `limit` 0: no limit.
    pub fn new(limit: u32, window: Duration, max_entries: usize) -> RateLimit {
        RateLimit {
            limit: limit as usize,
            window,
            max_entries,
            events: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Counts one event from `ip`, or says how long until it may have one more.
    pub fn take(&self, ip: IpAddr) -> Result<(), Duration> {
        if self.limit == 0 {
            return Ok(());
        }
        let now = Instant::now();
        let ip = ip_key(ip);
        let mut map = self.events.lock().unwrap_or_else(|e| e.into_inner());
        let fresh = |times: &std::collections::VecDeque<Instant>| {
            times
                .back()
                .is_some_and(|t| now.duration_since(*t) < self.window)
        };
        if !map.contains_key(&ip) && map.len() >= self.max_entries {
            map.retain(|_, times| fresh(times));
            if map.len() >= self.max_entries {
                if let Some(oldest) = map
                    .iter()
                    .min_by_key(|(_, times)| times.back().copied())
                    .map(|(k, _)| *k)
                {
                    map.remove(&oldest);
                }
            }
        }
        let times = map.entry(ip).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
        if times.len() >= self.limit {
            let oldest = *times.front().expect("limit is at least 1");
            return Err(self.window.saturating_sub(now.duration_since(oldest)));
        }
        times.push_back(now);
        Ok(())
    }

    /// Addresses remembered now.
    pub fn remembered(&self) -> usize {
        self.events.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// Whole seconds to put in `Retry-After` (rounded up, at least 1).
pub fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_millis().div_ceil(1000) as u64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> ThrottleOptions {
        ThrottleOptions {
            max_failures_per_email: 3,
            max_failures_per_ip: 5,
            base_backoff: Duration::from_secs(60),
            max_entries: 4,
            ..Default::default()
        }
    }

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn blocks_after_the_limit_and_a_success_forgets() {
        let t = LoginThrottle::new(opts());
        for _ in 0..3 {
            assert!(t.begin("a@x", IP).is_ok());
        }
        let wait = t.begin("a@x", IP).err().expect("blocked");
        assert!(wait > Duration::from_secs(50));
        // another email from the same address still passes, until the address's limit
        t.begin("b@x", IP).unwrap().succeeded();
        assert!(t.begin("b@x", IP).is_ok());
        assert!(t.begin("c@x", IP).is_ok());
        assert!(t.begin("d@x", IP).is_err(), "5 failures from this address");
    }

    #[test]
    fn memory_is_bounded() {
        let t = LoginThrottle::new(ThrottleOptions {
            max_failures_per_ip: 0,
            ..opts()
        });
        for i in 0..100 {
            let _ = t.begin(&format!("{i}@x"), IP);
        }
        assert_eq!(t.len(), (4, 0));
    }

    #[test]
    fn rate_limit_per_address_and_window() {
        let r = RateLimit::new(3, Duration::from_millis(300), 2);
        for _ in 0..3 {
            r.take(IP).unwrap();
        }
        let wait = r.take(IP).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_millis(300));
        let other: IpAddr = "10.0.0.2".parse().unwrap();
        r.take(other).expect("another address has its own count");
        std::thread::sleep(Duration::from_millis(320));
        r.take(IP).expect("the window moved on");
        // memory stays bounded
        for i in 0..50u8 {
            let _ = r.take(IpAddr::V4(std::net::Ipv4Addr::new(10, 1, 0, i)));
        }
        assert!(r.remembered() <= 2);
        // 0: no limit
        let none = RateLimit::new(0, Duration::from_secs(60), 2);
        for _ in 0..1000 {
            none.take(IP).unwrap();
        }
    }

    #[test]
    fn ipv6_by_prefix() {
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        let b: IpAddr = "2001:db8::2".parse().unwrap();
        assert_eq!(ip_key(a), ip_key(b));
    }
}
