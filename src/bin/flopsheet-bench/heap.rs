//! Counts live heap bytes and their peak when `FLOPSHEET_BENCH_HEAP` is set: what each phase
//! holds, without the allocator's slack that VmHWM also counts.
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};

pub struct Counting;
pub static ON: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    if ON.load(Relaxed) {
        let live = LIVE.fetch_add(by, Relaxed) + by;
        PEAK.fetch_max(live, Relaxed);
    }
}

fn shrank(by: usize) {
    if ON.load(Relaxed) {
        LIVE.fetch_sub(by, Relaxed);
    }
}

/// Every call goes to the system allocator's own function (`calloc`, `realloc`), as it would
/// without this counter: the defaults of `GlobalAlloc` would write every zeroed page and copy
/// every reallocation, and so change the resident memory being measured.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted as a block that grows or shrinks where it is, as a large one does (mremap).
        if new_size >= layout.size() {
            grew(new_size - layout.size());
        } else {
            shrank(layout.size() - new_size);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        shrank(layout.size());
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// (live, peak since the last call) in MB; resets the peak to the live size.
pub fn take() -> (f64, f64) {
    let live = LIVE.load(Relaxed);
    let peak = PEAK.swap(live, Relaxed);
    (live as f64 / 1e6, peak as f64 / 1e6)
}
