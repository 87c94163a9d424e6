//! Running a child process within bounds: its output is read up to a cap
//! (a process that prints without end is stopped, not buffered), and when
//! the time is up or the cap is reached it is killed with its whole
//! process group, so that grandchildren (a shell's commands, a plugin's
//! helpers) do not outlive it. On Windows only the child itself is killed.

use std::process::ExitStatus;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};

/// How a bounded run ended.
#[derive(Debug)]
pub enum Ended {
    /// It exited (and closed its output) in time, within the caps.
    Exited(ExitStatus),
    /// The time was up; it was killed.
    TimedOut,
    /// It printed more than the cap on stdout or stderr; it was killed.
    TooMuchOutput,
    /// It could not be started or waited for.
    Failed(std::io::Error),
}

/// What a bounded run printed, and how it ended.
#[derive(Debug)]
pub struct Output {
    pub ended: Ended,
    pub stdout: Vec<u8>,
    /// The last `stderr_cap` bytes of stderr.
    pub stderr: Vec<u8>,
}

/// The limits of a run.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub timeout: Duration,
    /// More stdout than this stops the run.
    pub stdout_cap: usize,
    /// Only the last this many bytes of stderr are kept (reading goes on,
    /// up to `stdout_cap`, so a chatty plugin is not stopped for it).
    pub stderr_cap: usize,
}

/// Runs `cmd` (stdin closed, stdout and stderr piped) within `limits`.
pub async fn run(mut cmd: tokio::process::Command, limits: Limits) -> Output {
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    cmd.process_group(0);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Output {
                ended: Ended::Failed(e),
                stdout: Vec::new(),
                stderr: Vec::new(),
            };
        }
    };
    let pid = child.id();
    // Given up on (the caller's own timeout dropped this future): the
    // whole group goes, not only the child kill_on_drop stops.
    let mut guard = GroupGuard(pid);
    let (Some(out), Some(err)) = (child.stdout.take(), child.stderr.take()) else {
        kill_group(pid, &mut child).await;
        let e = std::io::Error::other("the child's output pipes are missing");
        return Output {
            ended: Ended::Failed(e),
            stdout: Vec::new(),
            stderr: Vec::new(),
        };
    };
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let work = async {
        let (o, e) = tokio::join!(
            read_capped(out, &mut stdout, limits.stdout_cap, false),
            read_capped(err, &mut stderr, limits.stderr_cap, true)
        );
        if !(o && e) {
            return Ended::TooMuchOutput;
        }
        match child.wait().await {
            Ok(s) => Ended::Exited(s),
            Err(e) => Ended::Failed(e),
        }
    };
    let ended = match tokio::time::timeout(limits.timeout, work).await {
        Ok(Ended::Exited(s)) => Ended::Exited(s),
        Ok(other) => other,
        Err(_) => Ended::TimedOut,
    };
    if !matches!(ended, Ended::Exited(_)) {
        kill_group(pid, &mut child).await;
    }
    guard.0 = None;
    Output {
        ended,
        stdout,
        stderr,
    }
}

/// Reads `r` to its end into `buf`. With `keep_tail`, only the last `cap`
/// bytes are kept and reading goes on (up to 64 times the cap); else more
/// than `cap` bytes stop it. False when it stopped for the cap.
async fn read_capped(
    mut r: impl AsyncRead + Unpin,
    buf: &mut Vec<u8>,
    cap: usize,
    keep_tail: bool,
) -> bool {
    let mut chunk = [0u8; 8192];
    let mut total = 0usize;
    loop {
        let n = match r.read(&mut chunk).await {
            Ok(0) | Err(_) => return true,
            Ok(n) => n,
        };
        total += n;
        buf.extend_from_slice(&chunk[..n]);
        if keep_tail {
            if buf.len() > cap {
                buf.drain(..buf.len() - cap);
            }
            if total > cap.saturating_mul(64) {
                return false;
            }
        } else if buf.len() > cap {
            buf.truncate(cap);
            return false;
        }
    }
}

/// Kills the process group it holds when dropped.
struct GroupGuard(Option<u32>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(pid) = self.0.and_then(|p| i32::try_from(p).ok()) {
            // SAFETY: as in kill_group; the group is the child's own.
            unsafe {
                libc::killpg(pid, libc::SIGKILL);
            }
        }
    }
}

/// Kills the child's process group (unix), then the child, and reaps it.
async fn kill_group(pid: Option<u32>, child: &mut tokio::process::Child) {
    #[cfg(unix)]
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
        // SAFETY: killpg sends a signal; the group was created for this
        // child by process_group(0), so it holds only its descendants.
        unsafe {
            libc::killpg(pid, libc::SIGKILL);
        }
    }
    #[cfg(not(unix))]
    let _ = pid;
    let _ = child.start_kill();
    let _ = tokio::time::timeout(Duration::from_secs(1), child.wait()).await;
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str) -> tokio::process::Command {
        let mut c = tokio::process::Command::new("sh");
        c.arg("-c").arg(script);
        c
    }

    const LIMITS: Limits = Limits {
        timeout: Duration::from_secs(5),
        stdout_cap: 1 << 16,
        stderr_cap: 1 << 10,
    };

    #[tokio::test]
    async fn an_endless_printer_is_stopped_at_the_cap() {
        let o = run(sh("yes"), LIMITS).await;
        assert!(matches!(o.ended, Ended::TooMuchOutput), "{:?}", o.ended);
        assert_eq!(o.stdout.len(), LIMITS.stdout_cap);
    }

    #[tokio::test]
    async fn stderr_keeps_its_tail() {
        let o = run(sh("seq 1 2000 >&2; echo ok"), LIMITS).await;
        assert!(matches!(o.ended, Ended::Exited(s) if s.success()));
        assert!(o.stderr.len() <= LIMITS.stderr_cap);
        assert!(String::from_utf8_lossy(&o.stderr).ends_with("2000\n"));
        assert_eq!(o.stdout, b"ok\n");
    }

    #[tokio::test]
    async fn a_grandchild_is_killed_with_the_child_when_time_is_up() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let script = format!("sleep 60 & echo $! > {}; wait", pidfile.display());
        let limits = Limits {
            timeout: Duration::from_millis(500),
            ..LIMITS
        };
        let started = std::time::Instant::now();
        let o = run(sh(&script), limits).await;
        assert!(matches!(o.ended, Ended::TimedOut), "{:?}", o.ended);
        assert!(started.elapsed() < Duration::from_secs(3));
        let pid: i32 = std::fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        std::thread::sleep(Duration::from_millis(200));
        // SAFETY: signal 0 only asks whether the process exists.
        let alive = unsafe { libc::kill(pid, 0) } == 0;
        let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| s.contains(") Z "))
            .unwrap_or(true);
        assert!(!alive || zombie, "the grandchild {pid} still runs");
    }
}
