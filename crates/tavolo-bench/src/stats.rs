//! Latency summaries, process accounting (/proc) and the file-descriptor limit.

use serde::Serialize;
use std::time::Duration;

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct Latency {
    pub samples: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl Latency {
    /// From samples in microseconds (sorted here).
    pub fn from_micros(mut v: Vec<u32>) -> Latency {
        if v.is_empty() {
            return Latency::default();
        }
        v.sort_unstable();
        let pick = |q: f64| {
            let i = ((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1;
            v[i] as f64 / 1000.0
        };
        let sum: u64 = v.iter().map(|&x| x as u64).sum();
        Latency {
            samples: v.len() as u64,
            p50_ms: pick(0.50),
            p95_ms: pick(0.95),
            p99_ms: pick(0.99),
            max_ms: *v.last().unwrap() as f64 / 1000.0,
            mean_ms: sum as f64 / v.len() as f64 / 1000.0,
        }
    }

    pub fn line(&self) -> String {
        format!(
            "p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} samples)",
            self.p50_ms, self.p95_ms, self.p99_ms, self.max_ms, self.samples
        )
    }
}

/// Distribution of durations in milliseconds (connect times, sync times).
pub fn durations_ms(v: Vec<Duration>) -> Latency {
    Latency::from_micros(
        v.into_iter()
            .map(|d| d.as_micros().min(u32::MAX as u128) as u32)
            .collect(),
    )
}

/// CPU time of a process: user and system seconds.
#[derive(Debug, Clone, Copy, Default, Serialize, serde::Deserialize)]
pub struct CpuTime {
    pub user_s: f64,
    pub system_s: f64,
}

impl CpuTime {
    pub fn total(&self) -> f64 {
        self.user_s + self.system_s
    }
    pub fn since(&self, earlier: &CpuTime) -> CpuTime {
        CpuTime {
            user_s: self.user_s - earlier.user_s,
            system_s: self.system_s - earlier.system_s,
        }
    }
}

/// Reads utime and stime of `pid` ("self" for this process) from /proc/PID/stat: the same
/// counters getrusage(2) reports, read without unsafe code.
pub fn cpu_time(pid: &str) -> Option<CpuTime> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // the command name is in parentheses and may hold spaces: split after the last ')'
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // after "pid (comm) ", field index 0 is state; utime and stime are fields 14 and 15 of
    // the full line, i.e. 11 and 12 here
    let ticks = rustix::param::clock_ticks_per_second() as f64;
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some(CpuTime {
        user_s: utime / ticks,
        system_s: stime / ticks,
    })
}

/// The load generator's own CPU time so far.
pub fn own_cpu() -> CpuTime {
    cpu_time("self").unwrap_or_default()
}

/// Resident set size of `pid` in MiB (VmRSS), and its peak (VmHWM).
pub fn rss_mib(pid: &str) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    };
    Some((field("VmRSS:")?, field("VmHWM:").unwrap_or(0.0)))
}

/// Raises this process's RLIMIT_NOFILE soft limit to `want` (at most the hard limit; as
/// root, the hard limit too). Returns the soft limit in force afterwards.
pub fn raise_nofile(want: u64) -> u64 {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let cur = getrlimit(Resource::Nofile);
    let soft = cur.current.unwrap_or(u64::MAX);
    if soft >= want {
        return soft;
    }
    let hard = cur.maximum.unwrap_or(u64::MAX);
    // first try raising both (works as root), then the soft limit up to the hard one
    if setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(want),
            maximum: Some(want.max(hard)),
        },
    )
    .is_err()
    {
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(want.min(hard)),
                maximum: cur.maximum,
            },
        );
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

/// Samples a server process's RSS and CPU while a scenario runs.
pub struct ServerProbe {
    pid: Option<String>,
    peak_rss: std::sync::Arc<std::sync::Mutex<f64>>,
    task: Option<tokio::task::JoinHandle<()>>,
    cpu_start: Option<CpuTime>,
}

/// What the probe saw of the server.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct ServerUsage {
    /// RSS at the end of the scenario, MiB.
    pub rss_end_mib: f64,
    /// Highest RSS sampled (every 200 ms) during the scenario, MiB.
    pub rss_peak_mib: f64,
    /// CPU seconds the server used during the scenario.
    pub cpu_s: f64,
}

impl ServerProbe {
    pub fn start(pid: Option<u32>) -> ServerProbe {
        let pid = pid.map(|p| p.to_string());
        let peak = std::sync::Arc::new(std::sync::Mutex::new(0.0f64));
        let task = pid.clone().map(|p| {
            let peak = peak.clone();
            tokio::spawn(async move {
                loop {
                    if let Some((rss, _)) = rss_mib(&p) {
                        let mut g = peak.lock().unwrap();
                        if rss > *g {
                            *g = rss;
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            })
        });
        let cpu_start = pid.as_deref().and_then(cpu_time);
        ServerProbe {
            pid,
            peak_rss: peak,
            task,
            cpu_start,
        }
    }

    /// RSS now, MiB.
    pub fn rss_now(&self) -> Option<f64> {
        self.pid.as_deref().and_then(rss_mib).map(|(r, _)| r)
    }

    /// CPU seconds since the probe started.
    pub fn cpu_so_far(&self) -> Option<f64> {
        let now = cpu_time(self.pid.as_deref()?)?;
        Some(now.since(self.cpu_start.as_ref()?).total())
    }

    pub fn finish(mut self) -> Option<ServerUsage> {
        if let Some(t) = self.task.take() {
            t.abort();
        }
        let pid = self.pid.as_deref()?;
        let (rss, _) = rss_mib(pid)?;
        let peak = (*self.peak_rss.lock().unwrap()).max(rss);
        let cpu = cpu_time(pid)?.since(self.cpu_start.as_ref()?).total();
        Some(ServerUsage {
            rss_end_mib: rss,
            rss_peak_mib: peak,
            cpu_s: cpu,
        })
    }
}

impl Drop for ServerProbe {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

/// The load generator's own resource use over one scenario.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct SelfUsage {
    pub cpu_user_s: f64,
    pub cpu_system_s: f64,
    pub wall_s: f64,
    /// CPU seconds per wall second (1.0 = one core busy).
    pub cores_busy: f64,
    pub rss_peak_mib: f64,
}

pub struct SelfMeter {
    cpu: CpuTime,
    t0: std::time::Instant,
}

impl SelfMeter {
    pub fn start() -> SelfMeter {
        SelfMeter {
            cpu: own_cpu(),
            t0: std::time::Instant::now(),
        }
    }
    pub fn finish(&self) -> SelfUsage {
        let cpu = own_cpu().since(&self.cpu);
        let wall = self.t0.elapsed().as_secs_f64();
        SelfUsage {
            cpu_user_s: cpu.user_s,
            cpu_system_s: cpu.system_s,
            wall_s: wall,
            cores_busy: if wall > 0.0 { cpu.total() / wall } else { 0.0 },
            rss_peak_mib: rss_mib("self").map(|(_, hwm)| hwm).unwrap_or(0.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        let l = Latency::from_micros((1..=1000).collect());
        assert_eq!(l.samples, 1000);
        assert!((l.p50_ms - 0.5).abs() < 1e-9);
        assert!((l.p99_ms - 0.99).abs() < 1e-9);
        assert!((l.max_ms - 1.0).abs() < 1e-9);
        assert_eq!(Latency::from_micros(vec![]).samples, 0);
    }

    #[test]
    fn reads_own_process() {
        assert!(cpu_time("self").is_some());
        assert!(rss_mib("self").unwrap().0 > 0.0);
        assert!(raise_nofile(256) >= 256);
    }
}
