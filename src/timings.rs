//! Phase marks for `build --timings`: when each stage ended, the CPU time spent by then
//! and the process's resident memory then, so `make bench` can print where time and
//! memory go, and which phases leave a core idle. Off (and free) unless switched on.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

static ON: AtomicBool = AtomicBool::new(false);
static MARKS: Mutex<Vec<Mark>> = Mutex::new(Vec::new());

/// A phase that ended: its name, its seconds, and the resident memory at its end and the
/// peak so far (MiB; none where /proc is missing).
#[derive(Clone, Debug)]
pub struct Mark {
    pub phase: &'static str,
    pub at: Instant,
    /// User and system CPU seconds of all threads so far (none where unavailable).
    pub cpu_s: Option<f64>,
    pub rss_mib: Option<u64>,
    pub peak_mib: Option<u64>,
}

/// Starts recording; the first mark is the start.
pub fn start() {
    ON.store(true, Ordering::Relaxed);
    mark("start");
}

/// Records the end of `phase`, when recording.
pub fn mark(phase: &'static str) {
    if !ON.load(Ordering::Relaxed) {
        return;
    }
    let status = std::fs::read_to_string("/proc/self/status").ok();
    let kib = |key: &str| {
        status
            .as_deref()?
            .lines()
            .find_map(|l| l.strip_prefix(key))?
            .split_whitespace()
            .next()?
            .parse::<u64>()
            .ok()
    };
    let m = Mark {
        phase,
        at: Instant::now(),
        cpu_s: cpu_seconds(),
        rss_mib: kib("VmRSS:").map(|k| k / 1024),
        peak_mib: kib("VmHWM:").map(|k| k / 1024),
    };
    MARKS.lock().unwrap_or_else(|e| e.into_inner()).push(m);
}

/// The stages of a document's pass and of writing, whose CPU time is summed over the
/// threads that run them: they interleave as documents stream, so phases cannot show
/// them apart.
#[derive(Clone, Copy)]
pub enum Lap {
    Load,
    Prove,
    Derive,
    Generate,
    Check,
    Sort,
    Encode,
    Write,
}

const LAPS: [&str; 8] = [
    "read sources and tables",
    "prove quotes, page maps",
    "derived columns",
    "pages, mentions, coverage",
    "keys, rules",
    "sort",
    "CSV lines, Arrow columns",
    "CSV, Parquet files",
];

static LAP_NANOS: [std::sync::atomic::AtomicU64; 8] =
    [const { std::sync::atomic::AtomicU64::new(0) }; 8];

thread_local! {
    static LAST: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
}

/// Starts timing this thread's laps.
pub fn lap_start() {
    if ON.load(Ordering::Relaxed) {
        LAST.set(thread_cpu());
    }
}

/// Adds this thread's CPU time since its last lap (or `lap_start`) to `lap`.
pub fn lap(lap: Lap) {
    if !ON.load(Ordering::Relaxed) {
        return;
    }
    let now = thread_cpu();
    let spent = (now - LAST.replace(now)).max(0.0);
    LAP_NANOS[lap as usize].fetch_add((spent * 1e9) as u64, Ordering::Relaxed);
}

/// The CPU seconds of each lap, summed over threads, as JSON.
pub fn laps_json() -> serde_json::Value {
    let laps: Vec<serde_json::Value> = LAPS
        .iter()
        .zip(&LAP_NANOS)
        .map(|(name, n)| serde_json::json!({"stage": name, "cpu_s": n.load(Ordering::Relaxed) as f64 / 1e9}))
        .collect();
    serde_json::Value::Array(laps)
}

/// This thread's CPU time, in seconds.
#[cfg(unix)]
fn thread_cpu() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime fills the struct it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

#[cfg(not(unix))]
fn thread_cpu() -> f64 {
    0.0
}

/// The phases recorded, each with the seconds since the mark before it, as JSON.
pub fn phases_json() -> serde_json::Value {
    let marks = MARKS.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let phases: Vec<serde_json::Value> = marks
        .windows(2)
        .map(|w| {
            serde_json::json!({
                "phase": w[1].phase,
                "s": (w[1].at - w[0].at).as_secs_f64(),
                "cpu_s": w[1].cpu_s.zip(w[0].cpu_s).map(|(b, a)| b - a),
                "rss_mib": w[1].rss_mib,
                "peak_mib": w[1].peak_mib,
            })
        })
        .collect();
    serde_json::Value::Array(phases)
}

/// The process's user and system CPU time, in seconds.
#[cfg(unix)]
fn cpu_seconds() -> Option<f64> {
    let mut u = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: getrusage fills the struct it is given when it returns 0.
    let u = unsafe {
        if libc::getrusage(libc::RUSAGE_SELF, u.as_mut_ptr()) != 0 {
            return None;
        }
        u.assume_init()
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Some(secs(u.ru_utime) + secs(u.ru_stime))
}

#[cfg(not(unix))]
fn cpu_seconds() -> Option<f64> {
    None
}
