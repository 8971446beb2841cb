//! The physical ceiling for logins: cores ÷ the time of one argon2id hash
//! with Portcullis' default parameters, measured here on one core.

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Block, Params, Version};
use portcullis::test_support::HashParams;

/// Median time of one hash over `samples` runs, reusing one memory block (as the server does).
pub fn hash_time(samples: usize) -> anyhow::Result<Duration> {
    let p = HashParams::default();
    let params = Params::new(p.memory_kib, p.iterations, p.parallelism, Some(32))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut memory = vec![Block::default(); params.block_count()];
    let mut out = [0u8; 32];
    let mut times: Vec<Duration> = (0..samples.max(1) + 1)
        .map(|_| {
            let t0 = Instant::now();
            let _ = argon.hash_password_into_with_memory(
                b"bench-password-123",
                b"sixteen byte salt",
                &mut out,
                &mut memory[..],
            );
            t0.elapsed()
        })
        .skip(1) // the first run faults the memory in
        .collect();
    times.sort();
    Ok(times[times.len() / 2])
}

/// Usable cores.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
