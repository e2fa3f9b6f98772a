//! Handing freed memory back to the system at the moments we know a lot was just freed.
//!
//! mimalloc keeps freed pages for reuse and returns them later, on its own schedule. When a big
//! buffer is replaced by another (a column joined from its chunks, a query's scratch dropped),
//! the new one is fresh memory while the old still counts as resident, so the peak is the sum
//! of the two. Collecting right after the free keeps the peak at the larger of them.

/// Returns the memory this thread (and finished threads) freed to the system now.
pub fn give_back() {
    // SAFETY: mi_collect only walks mimalloc's own free lists; it takes no pointers of ours.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
