//! argon2id hashing on dedicated threads.
//!
//! Each worker owns one argon2 memory block, allocated once and reused for
//! every hash (`hash_password_into_with_memory`), so a login flood costs a
//! fixed `workers × m_cost` of memory instead of one fresh 19 MiB buffer per
//! hash. Jobs wait in a queue bounded by the wait it causes: a job that
//! would wait longer than `max_wait` (from the measured hash time, the jobs
//! ahead of it and the workers) is refused with [`HashError::Busy`] at once,
//! and the page answers 503 + Retry-After. A burst queues; a sustained flood
//! beyond capacity is shed.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    thread,
    time::{Duration, Instant},
};

use argon2::{
    password_hash::{Ident, Output, ParamsString, PasswordHash, SaltString},
    Algorithm, Argon2, Params, Version,
};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError};
use rand::RngCore;
use subtle::ConstantTimeEq;
use tokio::sync::oneshot;

use super::{
    os::{self, HashMemory},
    HashError,
};

/// A hashing thread idle this long returns its argon2 memory to the OS.
const RELEASE_AFTER: Duration = Duration::from_secs(2);

/// Hashes timed at start, of which the fastest is the idle estimate.
const IDLE_SAMPLES: usize = 3;

/// Longest password accepted for hashing, in bytes; longer input fails verification at once.
pub const MAX_PASSWORD_BYTES: usize = 4096;

/// argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Iterations.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for HashParams {
    /// OWASP's minimum: m=19456 KiB, t=2, p=1.
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl HashParams {
    fn argon2(&self) -> Result<Params, HashError> {
        Params::new(self.memory_kib, self.iterations, self.parallelism, Some(32))
            .map_err(|e| HashError::Params(e.to_string()))
    }
}

/// The outcome of checking a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    /// Wrong password, unusable or malformed hash.
    No,
    /// Right password; `rehash` holds a new hash when the stored parameters are outdated.
    Yes {
        /// A hash with the current parameters, to store instead of the old one.
        rehash: Option<String>,
    },
}

enum Job {
    Hash {
        password: Vec<u8>,
        reply: oneshot::Sender<Result<String, HashError>>,
    },
    Verify {
        password: Vec<u8>,
        phc: String,
        reply: oneshot::Sender<Verified>,
    },
}

/// A pool of hashing threads; cheap to clone.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use portcullis::test_support::{HashParams, HashPool, Verified};
/// let hasher = HashPool::new(HashParams { memory_kib: 64, iterations: 1, parallelism: 1 }, 1, 8).unwrap();
/// let hash = hasher.hash("correct horse battery").await.unwrap();
/// assert!(hash.starts_with("$argon2id$"));
/// assert_eq!(hasher.verify("correct horse battery", &hash).await, Verified::Yes { rehash: None });
/// assert_eq!(hasher.verify("wrong", &hash).await, Verified::No);
/// # }
/// ```
#[derive(Clone)]
pub struct HashPool {
    inner: Arc<Inner>,
}

struct Inner {
    queue: Sender<Job>,
    params: HashParams,
    /// A hash of a random password: unknown users are verified against it so
    /// they cost the same time as a wrong password.
    dummy: String,
    workers: usize,
    /// Longest a job may expect to wait before a worker starts it.
    max_wait: Duration,
    /// How long hashes take, kept by the workers.
    timing: Arc<Timing>,
    /// Hash computations submitted (for tests: an unknown user costs one too).
    submitted: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for HashPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashPool")
            .field("params", &self.inner.params)
            .field("workers", &self.inner.workers)
            .finish()
    }
}

impl HashPool {
    /// Starts `workers` hashing threads (0: one per core) with a queue of `queue` waiting jobs.
    ///
    /// # Errors
    /// [`HashError::Params`] for invalid parameters.
    #[cfg_attr(not(any(test, feature = "test-support")), allow(dead_code))]
    pub fn new(params: HashParams, workers: usize, queue: usize) -> Result<HashPool, HashError> {
        Self::with_nice(params, workers, queue, 0)
    }

    /// Like [`new`](Self::new), with the hashing threads `nice` niceness levels
    /// below the thread that starts them (Linux).
    ///
    /// # Errors
    /// [`HashError::Params`] for invalid parameters.
    #[cfg_attr(not(any(test, feature = "test-support")), allow(dead_code))]
    pub fn with_nice(
        params: HashParams,
        workers: usize,
        queue: usize,
        nice: i32,
    ) -> Result<HashPool, HashError> {
        Self::with_limits(params, workers, queue, Duration::MAX, nice)
    }

    /// Starts `workers` hashing threads (0: one per core), `nice` niceness
    /// levels below the thread that starts them.
    /// A job is refused when it would expect to wait longer than `max_wait`
    /// for a thread (from the measured hash time), or when `queue` jobs
    /// already wait (0: no count bound, only the wait).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use std::time::Duration;
    /// use portcullis::test_support::{HashParams, HashPool};
    /// let params = HashParams { memory_kib: 64, iterations: 1, parallelism: 1 };
    /// let hasher = HashPool::with_limits(params, 1, 0, Duration::from_secs(1), 0).unwrap();
    /// assert!(hasher.hash("correct horse battery").await.is_ok());
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`HashError::Params`] for invalid parameters.
    pub fn with_limits(
        params: HashParams,
        workers: usize,
        queue: usize,
        max_wait: Duration,
        nice: i32,
    ) -> Result<HashPool, HashError> {
        let argon_params = params.argon2()?;
        let workers = if workers == 0 {
            thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        } else {
            workers
        };
        let (tx, rx) = if queue == 0 {
            crossbeam_channel::unbounded::<Job>()
        } else {
            crossbeam_channel::bounded::<Job>(queue)
        };
        // The first estimate of a hash's time, and what the pool falls back
        // to when idle: the fastest of a few timed hashes (the first also
        // maps the memory, so it is not timed). One sample taken while the
        // machine was busy would make the pool shed every later burst early.
        let mut random = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut random);
        let mut memory = HashMemory::default();
        let mut dummy = hash_with(&argon_params, &random, &mut memory)?;
        let mut times = Vec::with_capacity(IDLE_SAMPLES);
        for _ in 0..IDLE_SAMPLES {
            let started = Instant::now();
            dummy = hash_with(&argon_params, &random, &mut memory)?;
            times.push(started.elapsed());
        }
        let timing = Arc::new(Timing::new(fastest(&times)));
        tracing::debug!(
            idle_hash_ms = timing.idle as f64 / 1e6,
            workers,
            "hashing pool started"
        );
        drop(memory);
        for i in 0..workers {
            let rx = rx.clone();
            let p = argon_params.clone();
            let timing = Arc::clone(&timing);
            thread::Builder::new()
                .name(format!("portcullis-hash-{i}"))
                .spawn(move || worker(rx, p, nice, &timing))
                .map_err(|e| HashError::Params(format!("cannot start a hashing thread: {e}")))?;
        }
        Ok(HashPool {
            inner: Arc::new(Inner {
                queue: tx,
                params,
                dummy,
                workers,
                max_wait,
                timing,
                submitted: Default::default(),
            }),
        })
    }

    /// The parameters new hashes get.
    #[cfg_attr(not(any(test, feature = "test-support")), allow(dead_code))]
    pub fn params(&self) -> HashParams {
        self.inner.params
    }

    /// Number of hashing threads.
    #[cfg_attr(not(any(test, feature = "test-support")), allow(dead_code))]
    pub fn workers(&self) -> usize {
        self.inner.workers
    }

    /// Hashes `password` into a PHC string.
    ///
    /// # Errors
    /// [`HashError::Busy`] when the queue is full.
    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let (reply, rx) = oneshot::channel();
        self.submit(Job::Hash {
            password: password.as_bytes().to_vec(),
            reply,
        })?;
        rx.await.map_err(|_| HashError::Stopped)?
    }

    /// Checks `password` against a stored PHC string, in constant time.
    /// An empty or malformed hash never matches (and costs a dummy hash).
    #[cfg_attr(not(any(test, feature = "test-support")), allow(dead_code))]
    pub async fn verify(&self, password: &str, phc: &str) -> Verified {
        self.try_verify(password, phc).await.unwrap_or(Verified::No)
    }

    /// Like [`verify`](Self::verify) but reports a full queue.
    ///
    /// # Errors
    /// [`HashError::Busy`] when the queue is full.
    pub async fn try_verify(&self, password: &str, phc: &str) -> Result<Verified, HashError> {
        let phc = if phc.is_empty() {
            self.inner.dummy.clone()
        } else {
            phc.to_owned()
        };
        let unusable = phc == self.inner.dummy;
        let (reply, rx) = oneshot::channel();
        self.submit(Job::Verify {
            password: password.as_bytes().to_vec(),
            phc,
            reply,
        })?;
        let out = rx.await.map_err(|_| HashError::Stopped)?;
        Ok(if unusable { Verified::No } else { out })
    }

    /// Spends the time of one verification without a stored hash (unknown users).
    ///
    /// # Errors
    /// [`HashError::Busy`] when the queue is full.
    pub async fn dummy_verify(&self, password: &str) -> Result<(), HashError> {
        self.try_verify(password, "").await.map(|_| ())
    }

    /// Number of hash computations submitted so far (hashes and verifications).
    #[cfg_attr(not(any(test, feature = "test-support")), allow(dead_code))]
    pub fn submitted(&self) -> u64 {
        self.inner
            .submitted
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How long a job submitted now would expect to wait for a thread: the
    /// jobs already waiting, shared among the threads, at the running mean
    /// hash time (a job that finds the queue empty is always taken).
    pub fn expected_wait(&self) -> Duration {
        let i = &self.inner;
        let ahead = i.queue.len() as u64;
        let mean = i.timing.mean.load(Ordering::Relaxed);
        Duration::from_nanos(ahead.saturating_mul(mean) / i.workers.max(1) as u64)
    }

    fn submit(&self, job: Job) -> Result<(), HashError> {
        self.inner
            .submitted
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if self.inner.queue.is_empty() {
            // Nothing waits: the mean may be a passed load's (see Timing).
            self.inner.timing.settle_if_idle();
        }
        if self.expected_wait() > self.inner.max_wait {
            return Err(HashError::Busy);
        }
        self.inner.queue.try_send(job).map_err(|e| match e {
            TrySendError::Full(_) => HashError::Busy,
            TrySendError::Disconnected(_) => HashError::Stopped,
        })
    }
}

/// The fastest of `times` (zero for none): a busy moment only slows a
/// sample down, so the fastest is the closest to an idle machine's.
fn fastest(times: &[Duration]) -> Duration {
    times.iter().copied().min().unwrap_or_default()
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// The running mean time of one hash, and what it falls back to when idle.
struct Timing {
    /// Recent mean, in nanoseconds (weight 1/8 a hash: a few hashes follow
    /// a change of load, one outlier does not swing it).
    mean: AtomicU64,
    /// One hash on an idle machine: the fastest of a few, measured at start.
    idle: u64,
    /// Hashes being computed now.
    busy: AtomicU64,
}

impl Timing {
    fn new(idle: Duration) -> Self {
        Self {
            mean: AtomicU64::new(nanos(idle)),
            idle: nanos(idle),
            busy: AtomicU64::new(0),
        }
    }

    fn record(&self, took: Duration) {
        let sample = nanos(took);
        let _ = self
            .mean
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                Some(old - old / 8 + sample / 8)
            });
    }

    /// With nothing hashing, a mean inflated by a load that has passed no
    /// longer holds: a burst arriving now would be judged by it before any
    /// of its own hashes finished. Fall back to the idle time.
    fn settle_if_idle(&self) {
        if self.busy.load(Ordering::Relaxed) == 0 {
            self.mean.fetch_min(self.idle, Ordering::Relaxed);
        }
    }
}

fn worker(rx: Receiver<Job>, params: Params, nice: i32, timing: &Timing) {
    os::lower_priority(nice);
    // Mapped at the first job, reused by every hash, unmapped when idle.
    let mut memory = HashMemory::default();
    loop {
        let job = if memory.is_held() {
            match rx.recv_timeout(RELEASE_AFTER) {
                Ok(job) => job,
                Err(RecvTimeoutError::Timeout) => {
                    memory.release();
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return,
            }
        } else {
            match rx.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        let started = Instant::now();
        timing.busy.fetch_add(1, Ordering::Relaxed);
        match job {
            Job::Hash { password, reply } => {
                let _ = reply.send(hash_with(&params, &password, &mut memory));
            }
            Job::Verify {
                password,
                phc,
                reply,
            } => {
                let _ = reply.send(verify_with(&params, &password, &phc, &mut memory));
            }
        }
        timing.busy.fetch_sub(1, Ordering::Relaxed);
        timing.record(started.elapsed());
    }
}

fn compute(
    params: &Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
    memory: &mut HashMemory,
) -> bool {
    let Ok(blocks) = memory.blocks(params.block_count()) else {
        return false;
    };
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password, salt, out, blocks)
        .is_ok()
}

fn hash_with(
    params: &Params,
    password: &[u8],
    memory: &mut HashMemory,
) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let mut out = [0u8; 32];
    let password = &password[..password.len().min(MAX_PASSWORD_BYTES)];
    if !compute(params, password, &salt, &mut out, memory) {
        return Err(HashError::Params("argon2 refused the input".into()));
    }
    phc_string(params, &salt, &out)
}

fn phc_string(params: &Params, salt: &[u8], out: &[u8]) -> Result<String, HashError> {
    let err = |e: argon2::password_hash::Error| HashError::Params(e.to_string());
    let salt = SaltString::encode_b64(salt).map_err(err)?;
    let hash = PasswordHash {
        algorithm: Ident::new("argon2id").map_err(err)?,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(err)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(out).map_err(err)?),
    };
    Ok(hash.to_string())
}

fn verify_with(current: &Params, password: &[u8], phc: &str, memory: &mut HashMemory) -> Verified {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return Verified::No;
    };
    if parsed.algorithm.as_str() != "argon2id" {
        return Verified::No;
    }
    let (Ok(stored), Some(salt), Some(expected)) =
        (Params::try_from(&parsed), parsed.salt, parsed.hash)
    else {
        return Verified::No;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return Verified::No;
    };
    let Ok(stored) = Params::new(
        stored.m_cost(),
        stored.t_cost(),
        stored.p_cost(),
        Some(expected.len()),
    ) else {
        return Verified::No;
    };
    let mut out = vec![0u8; expected.len()];
    if password.len() > MAX_PASSWORD_BYTES || !compute(&stored, password, salt, &mut out, memory) {
        return Verified::No;
    }
    if !bool::from(out.as_slice().ct_eq(expected.as_bytes())) {
        return Verified::No;
    }
    let outdated = stored.m_cost() != current.m_cost()
        || stored.t_cost() != current.t_cost()
        || stored.p_cost() != current.p_cost()
        || parsed.version != Some(Version::V0x13.into());
    let rehash = if outdated {
        hash_with(current, password, memory).ok()
    } else {
        None
    };
    Verified::Yes { rehash }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap(m: u32) -> HashParams {
        HashParams {
            memory_kib: m,
            iterations: 1,
            parallelism: 1,
        }
    }

    #[test]
    fn the_idle_estimate_is_the_fastest_start_up_sample() {
        let ms = Duration::from_millis;
        // A sample slowed by a busy moment (19 ms) must not become the
        // estimate a later burst is judged by.
        assert_eq!(fastest(&[ms(19), ms(12), ms(15)]), ms(12));
        assert_eq!(fastest(&[]), Duration::ZERO);
        let pool = HashPool::new(cheap(64), 1, 4).unwrap();
        let timing = &pool.inner.timing;
        assert!(timing.idle > 0, "start-up hashes are timed");
        assert_eq!(timing.mean.load(Ordering::Relaxed), timing.idle);
    }

    #[tokio::test]
    async fn hashes_are_salted_argon2id() {
        let h = HashPool::new(cheap(64), 1, 4).unwrap();
        let a = h.hash("same password").await.unwrap();
        let b = h.hash("same password").await.unwrap();
        assert_ne!(a, b, "salt must differ");
        assert!(a.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{a}");
    }

    #[tokio::test]
    async fn changed_parameters_trigger_a_rehash() {
        let old = HashPool::new(cheap(64), 1, 4).unwrap();
        let hash = old.hash("pw-abc-123-xyz").await.unwrap();
        let new = HashPool::new(cheap(128), 1, 4).unwrap();
        match new.verify("pw-abc-123-xyz", &hash).await {
            Verified::Yes { rehash: Some(r) } => {
                assert!(r.contains("m=128"), "{r}");
                assert_eq!(
                    new.verify("pw-abc-123-xyz", &r).await,
                    Verified::Yes { rehash: None }
                );
            }
            other => panic!("expected a rehash, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn malformed_and_empty_hashes_never_match() {
        let h = HashPool::new(cheap(64), 1, 4).unwrap();
        assert_eq!(h.verify("x", "").await, Verified::No);
        assert_eq!(h.verify("x", "garbage").await, Verified::No);
        assert_eq!(
            h.verify(
                "x",
                "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
            )
            .await,
            Verified::No
        );
    }

    #[tokio::test]
    async fn a_full_queue_sheds_work() {
        let h = HashPool::new(
            HashParams {
                memory_kib: 8192,
                iterations: 3,
                parallelism: 1,
            },
            1,
            1,
        )
        .unwrap();
        let jobs: Vec<_> = (0..6).map(|_| h.hash("x")).collect();
        let results = futures_util::future::join_all(jobs).await;
        assert!(
            results.iter().any(|r| matches!(r, Err(HashError::Busy))),
            "no job was shed"
        );
        assert!(results.iter().any(|r| r.is_ok()));
    }
}
