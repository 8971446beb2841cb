//! Servers under test as child processes: started in their own process
//! group, stopped by PID, their resident memory read from /proc.

use std::{
    fs,
    net::{SocketAddr, TcpListener},
    os::unix::process::CommandExt as _,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{bail, Context as _};

/// A running server; stopped (its whole process group) when dropped.
pub struct Server {
    pub addr: SocketAddr,
    child: Child,
}

/// A free port on 127.0.0.1.
pub fn free_addr() -> anyhow::Result<SocketAddr> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

impl Server {
    /// Runs `cmd` (stdout and stderr to `log`) and waits until `addr` accepts connections.
    pub fn start(
        name: &str,
        mut cmd: Command,
        addr: SocketAddr,
        log: &Path,
    ) -> anyhow::Result<Server> {
        let out = fs::File::create(log)?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        let mut server = Server { addr, child };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(server);
            }
            if let Some(status) = server.child.try_wait()? {
                let log = fs::read_to_string(log).unwrap_or_default();
                bail!("{name} exited ({status}) before listening:\n{log}");
            }
            if Instant::now() > deadline {
                bail!("{name} did not listen on {addr} within 60 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Resident memory of the server and its children (gunicorn's workers), in MiB.
    pub fn rss_mib(&self) -> f64 {
        tree_rss_kib(self.child.id()) as f64 / 1024.0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

fn tree_rss_kib(pid: u32) -> u64 {
    let own = fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0);
    let children: u64 = fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|c| c.parse::<u32>().ok())
        .map(tree_rss_kib)
        .sum();
    own + children
}

/// Samples a server's RSS every 100 ms while `work` runs; returns its output and the peak in MiB.
pub async fn peak_rss<T>(server: &Server, work: impl std::future::Future<Output = T>) -> (T, f64) {
    let pid = server.child.id();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut peak = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(tree_rss_kib(pid));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            peak.max(tree_rss_kib(pid))
        })
    };
    let out = work.await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.await.unwrap_or(0);
    (out, peak as f64 / 1024.0)
}
