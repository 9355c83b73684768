//! How the process gives memory back: a setting for the allocator, made once at start-up.
//!
//! Loading a large workbook allocates big short-lived blocks (the raw cells, the span index,
//! the cell definitions) and frees them before the model is complete. glibc's `malloc` raises
//! its mmap threshold (up to 32 MiB), and its trim threshold with it, the first time it frees
//! a large mapped block; after that, large blocks come from the heap and, once freed, stay
//! resident. Setting the threshold turns that adjustment off: on `flopsheet-bench chain
//! 100000` the peak resident memory goes from 48 to 42 MB.
//!
//! The threshold is 4 MiB rather than glibc's initial 128 KiB: an edit of a 100,000-cell model
//! allocates a few hundred kilobytes (the list of recomputed cells), and a block mapped afresh
//! on every edit costs a page fault for every 4 KiB of it (about 200 an edit, a tenth of the
//! edit's time). Blocks of 4 MiB and more (a large workbook's per-cell arrays) are still
//! mapped, and given back when freed.

/// Maps allocations of [`MMAP_THRESHOLD`] and more on their own, so that they are returned to
/// the system as soon as they are freed, and keeps the heap trimmed. Call it at the start of
/// `main`, before other threads start. It does nothing where the allocator is not glibc's.
pub fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        /// glibc's `M_MMAP_THRESHOLD`; setting it also turns off the dynamic adjustment.
        const M_MMAP_THRESHOLD: i32 = -3;
        // SAFETY: `mallopt` only changes the allocator's parameters, and is called before any
        // other thread could be allocating.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        }
    }
}

/// The size from which an allocation gets a mapping of its own.
pub const MMAP_THRESHOLD: i32 = 4 << 20;
