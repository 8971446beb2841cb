//! What the hashing threads ask of the OS, and the crate's only unsafe code
//! (each block with its `SAFETY:` reason):
//!
//! * the argon2 working memory of one hashing thread, mapped straight from
//!   the OS and unmapped after a quiet spell, so an idle server holds none
//!   of it. Going through the allocator instead keeps it resident: glibc
//!   serves a freed 19 MiB block's successors from its heap and rarely trims
//!   it, which is how a naive login handler grows to hundreds of MiB under a
//!   flood;
//! * a lower scheduling priority for the hashing threads
//!   (`security.hash_thread_nice`).
#![allow(unsafe_code)]

use argon2::Block;
use memmap2::MmapMut;

/// One thread's argon2 blocks; mapped on first use, reused by every hash.
#[derive(Default)]
pub(crate) struct HashMemory {
    map: Option<MmapMut>,
}

impl HashMemory {
    /// `count` blocks, mapping (zeroed) memory when none or too little is held.
    pub(crate) fn blocks(&mut self, count: usize) -> std::io::Result<&mut [Block]> {
        let bytes = count * std::mem::size_of::<Block>();
        if self.map.as_ref().is_none_or(|m| m.len() < bytes) {
            self.map = Some(MmapMut::map_anon(bytes.max(1))?);
        }
        let map = self.map.as_mut().expect("mapped just above");
        // SAFETY: an anonymous mapping is page-aligned (Block needs 64) and at
        // least `bytes` long; Block is plain `[u64; 128]`, valid for any bits;
        // the slice borrows the mapping mutably, so nothing else aliases it.
        Ok(unsafe { std::slice::from_raw_parts_mut(map.as_mut_ptr().cast::<Block>(), count) })
    }

    /// True while memory is mapped.
    pub(crate) fn is_held(&self) -> bool {
        self.map.is_some()
    }

    /// Returns the memory to the OS.
    pub(crate) fn release(&mut self) {
        self.map = None;
    }
}

/// Raises this thread's niceness by `nice` above the one it inherited
/// (Linux; 0 leaves it alone). Relative, so in a server started under
/// `nice` the hashing threads still rank below its request workers, never
/// above them.
#[cfg(target_os = "linux")]
pub(crate) fn lower_priority(nice: i32) {
    if nice <= 0 {
        return;
    }
    // SAFETY: errno is this thread's own; nice() changes only the calling
    // thread's scheduling weight on Linux (glibc: setpriority on thread id
    // 0), clamped to 19 by the kernel.
    let failed = unsafe {
        // -1 is also a valid new niceness: only errno tells a failure.
        *libc::__errno_location() = 0;
        libc::nice(nice.min(19)) == -1 && *libc::__errno_location() != 0
    };
    if failed {
        tracing::debug!("could not lower the hashing thread's priority");
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn lower_priority(_nice: i32) {}

#[cfg(test)]
mod tests {
    use super::HashMemory;

    /// This thread's niceness, from /proc (field 19 of its stat line).
    #[cfg(target_os = "linux")]
    fn niceness() -> i32 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        // The name in parentheses may hold spaces: count after its end.
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        after.split(' ').nth(16).unwrap().parse().unwrap()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn priority_is_lowered_relative_to_the_thread_it_starts_from() {
        let (before, after) = std::thread::spawn(|| {
            // A server started under `nice`: its threads inherit 2.
            // SAFETY: lowers only this test thread's own priority.
            unsafe { libc::nice(2) };
            let before = niceness();
            super::lower_priority(3);
            (before, niceness())
        })
        .join()
        .unwrap();
        assert_eq!(after, (before + 3).min(19));
        let untouched = std::thread::spawn(|| {
            let before = niceness();
            super::lower_priority(0);
            niceness() - before
        })
        .join()
        .unwrap();
        assert_eq!(untouched, 0);
    }

    #[test]
    fn blocks_are_mapped_on_demand_and_released() {
        let mut m = HashMemory::default();
        assert!(!m.is_held());
        let blocks = m.blocks(64).unwrap();
        assert_eq!(blocks.len(), 64);
        blocks[63] = argon2::Block::new();
        assert!(m.is_held());
        m.release();
        assert!(!m.is_held());
    }
}
