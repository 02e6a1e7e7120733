//! The process's one allocator (HOTSWAP-RULES 9): the system allocator with
//! a byte counter. Logic libraries forward every allocation here through the
//! host table, so memory made by one version is freed correctly by the next,
//! and `used_memory` is exact: it counts the usable size of every live block,
//! as Redis's zmalloc does.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct CountingAlloc;

static USED: AtomicUsize = AtomicUsize::new(0);

#[inline]
fn usable(p: *mut u8) -> usize {
    // SAFETY: `p` is a live block returned by the system allocator.
    unsafe { libc::malloc_usable_size(p as *mut libc::c_void) }
}

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            USED.fetch_add(usable(p), Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            USED.fetch_add(usable(p), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        USED.fetch_sub(usable(p), Ordering::Relaxed);
        System.dealloc(p, layout)
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = usable(p);
        let q = System.realloc(p, layout, new_size);
        if !q.is_null() {
            let new = usable(q);
            if new >= old {
                USED.fetch_add(new - old, Ordering::Relaxed);
            } else {
                USED.fetch_sub(old - new, Ordering::Relaxed);
            }
        }
        q
    }
}

/// Bytes in live allocations.
pub fn used_memory() -> usize {
    USED.load(Ordering::Relaxed)
}
