//! The binary's global allocator: small allocations are bumped out of a fixed region of `.bss`, everything
//! else (and everything once the region is used up) goes to the system allocator.
//!
//! Why: `apply` runs at every container start, and glibc's `malloc`, `free` and `realloc` were ~23 % of
//! its instructions (~1 600 allocations, most of a few dozen bytes: clap's command line, the parsed
//! document's owned keys, report lines). Bumping a pointer costs a few instructions, freeing the most
//! recent block gives its space back, and a `Vec` or `String` that grows while it is the most recent
//! block grows in place without a copy (BENCHMARKS.md, "Fourth round").
//!
//! Bounds: blocks of at most [`SMALL`] bytes come from the region; larger ones, and all of them once the
//! region is full, from the system allocator, exactly as without this type. Space freed out of order is
//! not reused, so a long-running process (`watch`, `inspect` of many containers) wastes at most the
//! region's size (`N`), and never fails an allocation for it. Pages of the region that are never touched
//! cost nothing (`.bss` is mapped on demand).
//!
//! Thread-safe: the region's top is one atomic, moved by compare-and-swap; a block is only ever handed to
//! one owner.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The largest block served from the region. Larger blocks (a document's line records, a file's bytes)
/// are few, and glibc reuses their space once freed, which the region would not.
pub const SMALL: usize = 1024;

/// The size of the binary's region: enough for the small allocations of an `apply` (~250 KiB for the
/// 400-line bench file), a bounded waste for a long-running `watch`.
pub const STARTUP_BYTES: usize = 512 * 1024;

/// The binary's allocator (`src/main.rs`).
pub type StartupArena = Arena<STARTUP_BYTES>;

/// A region of `N` bytes handed out from the bottom up, in front of the system allocator.
#[repr(C, align(64))]
pub struct Arena<const N: usize> {
    space: UnsafeCell<[u8; N]>,
    /// Offset of the first free byte of `space`.
    top: AtomicUsize,
}

// SAFETY: the bytes of `space` are only reached through blocks handed out by `top`'s compare-and-swap,
// each to one owner at a time; `top` itself is atomic.
unsafe impl<const N: usize> Sync for Arena<N> {}

impl<const N: usize> Default for Arena<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Arena<N> {
    pub const fn new() -> Self {
        Arena {
            space: UnsafeCell::new([0; N]),
            top: AtomicUsize::new(0),
        }
    }

    /// Bytes of the region handed out and not given back (for tests and measurements).
    pub fn used(&self) -> usize {
        self.top.load(Ordering::Relaxed)
    }

    fn base(&self) -> *mut u8 {
        self.space.get().cast::<u8>()
    }

    /// The offset of `p` in the region, when it is a block of the region.
    fn offset_of(&self, p: *mut u8) -> Option<usize> {
        let offset = (p as usize).wrapping_sub(self.base() as usize);
        (offset < N).then_some(offset)
    }

    /// A block of the region, or `None` when the request is not small or does not fit any more.
    fn bump(&self, layout: Layout) -> Option<*mut u8> {
        if layout.size() > SMALL || layout.align() > SMALL {
            return None;
        }
        let base = self.base() as usize;
        let mut top = self.top.load(Ordering::Relaxed);
        loop {
            // Alignment is of the address, not of the offset.
            let start = (base + top).checked_add(layout.align() - 1)? & !(layout.align() - 1);
            let offset = start - base;
            let end = offset.checked_add(layout.size())?;
            if end > N {
                return None;
            }
            match self
                .top
                .compare_exchange_weak(top, end, Ordering::Acquire, Ordering::Relaxed)
            {
                // SAFETY: `offset + size <= N`: the block lies inside `space`.
                Ok(_) => return Some(unsafe { self.base().add(offset) }),
                Err(current) => top = current,
            }
        }
    }

    /// Moves the top from the end of the block at `offset` (`old` bytes) to `new` bytes after `offset`,
    /// when the block is the most recent one. True when it moved.
    fn resize_last(&self, offset: usize, old: usize, new: usize) -> bool {
        new <= N - offset
            && self
                .top
                .compare_exchange(offset + old, offset + new, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
    }
}

// SAFETY: every block returned is either a disjoint part of `space` of at least `layout.size()` bytes at
// `layout.align()`, owned by the caller until it is given back, or the system allocator's; `dealloc` and
// `realloc` tell the two apart by address, and give system blocks back to the system allocator.
unsafe impl<const N: usize> GlobalAlloc for Arena<N> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match self.bump(layout) {
            Some(p) => p,
            // SAFETY: the caller's contract (a non-zero size) is passed on.
            None => unsafe { System.alloc(layout) },
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match self.bump(layout) {
            Some(p) => {
                // A given-back block may hold old bytes.
                // SAFETY: `p` is valid for `layout.size()` bytes.
                unsafe { ptr::write_bytes(p, 0, layout.size()) };
                p
            }
            // SAFETY: as in `alloc`; calloc can skip zeroing fresh pages.
            None => unsafe { System.alloc_zeroed(layout) },
        }
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        match self.offset_of(p) {
            // Only the most recent block gives its space back; a failed exchange leaves the top as it is.
            Some(offset) => {
                let _ = self.top.compare_exchange(
                    offset + layout.size(),
                    offset,
                    Ordering::Release,
                    Ordering::Relaxed,
                );
            }
            // SAFETY: not a block of the region, so the system allocator's, with this layout.
            None => unsafe { System.dealloc(p, layout) },
        }
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Some(offset) = self.offset_of(p) else {
            // SAFETY: a system block stays with the system allocator.
            return unsafe { System.realloc(p, layout, new_size) };
        };
        if new_size <= SMALL && self.resize_last(offset, layout.size(), new_size) {
            return p;
        }
        if new_size <= layout.size() {
            // Shrinking a block that is not the most recent: it keeps its space.
            return p;
        }
        // SAFETY: `new_size` is non-zero (larger than the old size) and, by the caller's contract, rounds
        // to a valid layout with the old alignment.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: a non-zero size.
        let q = unsafe { self.alloc(new_layout) };
        if !q.is_null() {
            // SAFETY: both blocks are valid for the old size (the smaller) and disjoint (`q` is a new block).
            unsafe {
                ptr::copy_nonoverlapping(p, q, layout.size());
                self.dealloc(p, layout);
            }
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type Small = Arena<8192>;

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    fn in_region<const N: usize>(arena: &Arena<N>, p: *mut u8) -> bool {
        arena.offset_of(p).is_some()
    }

    #[test]
    fn small_blocks_come_from_the_region_in_order_and_large_ones_do_not() {
        let arena = Box::new(Small::new());
        unsafe {
            let a = arena.alloc(layout(24, 8));
            let b = arena.alloc(layout(10, 1));
            let c = arena.alloc(layout(16, 16));
            assert!(in_region(&arena, a) && in_region(&arena, b) && in_region(&arena, c));
            assert_eq!(b as usize, a as usize + 24);
            assert_eq!(c as usize % 16, 0);
            assert!(c as usize >= b as usize + 10);
            let big = arena.alloc(layout(SMALL + 1, 8));
            assert!(!big.is_null() && !in_region(&arena, big));
            arena.dealloc(big, layout(SMALL + 1, 8));
        }
    }

    #[test]
    fn the_most_recent_block_gives_its_space_back_and_grows_in_place() {
        let arena = Box::new(Small::new());
        unsafe {
            let a = arena.alloc(layout(32, 8));
            let b = arena.alloc(layout(32, 8));
            assert_eq!(arena.used(), 64);
            // Growing the most recent block keeps its address.
            let b2 = arena.realloc(b, layout(32, 8), 100);
            assert_eq!(b2, b);
            assert_eq!(arena.used(), 132);
            // Growing an older block moves it to the top.
            a.write_bytes(7, 32);
            let a2 = arena.realloc(a, layout(32, 8), 64);
            assert_ne!(a2, a);
            assert!((0..32).all(|i| *a2.add(i) == 7));
            arena.dealloc(a2, layout(64, 8));
            arena.dealloc(b2, layout(100, 8));
            // a2's space came back; b2's did not, as the alignment padding below a2 lies above it.
            assert_eq!(arena.used(), 136);
        }
    }

    #[test]
    fn a_full_region_hands_over_to_the_system_allocator() {
        let arena = Box::new(Arena::<4096>::new());
        let mut blocks = Vec::new();
        unsafe {
            for _ in 0..10 {
                let p = arena.alloc(layout(1000, 8));
                assert!(!p.is_null());
                p.write_bytes(1, 1000);
                blocks.push(p);
            }
            assert_eq!(blocks.iter().filter(|p| in_region(&arena, **p)).count(), 4);
            // A region block growing past SMALL moves to the system allocator, contents kept.
            let p = blocks[0];
            let q = arena.realloc(p, layout(1000, 8), 5000);
            assert!(!in_region(&arena, q) && (0..1000).all(|i| *q.add(i) == 1));
            blocks[0] = q;
            for (i, p) in blocks.into_iter().enumerate() {
                let size = if i == 0 { 5000 } else { 1000 };
                arena.dealloc(p, layout(size, 8));
            }
        }
    }

    #[test]
    fn alloc_zeroed_zeroes_space_given_back() {
        let arena = Box::new(Small::new());
        unsafe {
            let a = arena.alloc(layout(64, 8));
            a.write_bytes(0xff, 64);
            arena.dealloc(a, layout(64, 8));
            let z = arena.alloc_zeroed(layout(64, 8));
            assert_eq!(z, a);
            assert!((0..64).all(|i| *z.add(i) == 0));
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Alloc { size: usize, align_log: u32 },
        Free { pick: usize },
        Realloc { pick: usize, size: usize },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (1usize..1500, 0u32..7).prop_map(|(size, align_log)| Op::Alloc { size, align_log }),
            any::<usize>().prop_map(|pick| Op::Free { pick }),
            (any::<usize>(), 1usize..1500).prop_map(|(pick, size)| Op::Realloc { pick, size }),
        ]
    }

    struct Block {
        p: *mut u8,
        layout: Layout,
        fill: u8,
    }

    fn check(b: &Block) {
        let bytes = unsafe { std::slice::from_raw_parts(b.p, b.layout.size()) };
        assert!(bytes.iter().all(|&x| x == b.fill), "a block's bytes changed");
        assert_eq!(b.p as usize % b.layout.align(), 0);
    }

    proptest! {
        /// Any sequence of allocations, frees and reallocations: every live block keeps its bytes (so no
        /// two overlap), is aligned, and a reallocation keeps the old contents' prefix.
        #[test]
        fn blocks_never_overlap_and_keep_their_bytes(ops in proptest::collection::vec(op(), 1..200)) {
            let arena = Box::new(Small::new());
            let mut live: Vec<Block> = Vec::new();
            for (n, op) in ops.into_iter().enumerate() {
                let fill = (n % 251) as u8 + 1;
                match op {
                    Op::Alloc { size, align_log } => {
                        let layout = layout(size, 1 << align_log);
                        let p = unsafe { arena.alloc(layout) };
                        prop_assert!(!p.is_null());
                        unsafe { p.write_bytes(fill, size) };
                        live.push(Block { p, layout, fill });
                    }
                    Op::Free { pick } if !live.is_empty() => {
                        let b = live.swap_remove(pick % live.len());
                        check(&b);
                        unsafe { arena.dealloc(b.p, b.layout) };
                    }
                    Op::Realloc { pick, size } if !live.is_empty() => {
                        let i = pick % live.len();
                        let b = &mut live[i];
                        check(b);
                        let p = unsafe { arena.realloc(b.p, b.layout, size) };
                        prop_assert!(!p.is_null());
                        let kept = b.layout.size().min(size);
                        let prefix = unsafe { std::slice::from_raw_parts(p, kept) };
                        prop_assert!(prefix.iter().all(|&x| x == b.fill));
                        unsafe { p.write_bytes(fill, size) };
                        *b = Block { p, layout: layout(size, b.layout.align()), fill };
                    }
                    _ => {}
                }
                for b in &live {
                    check(b);
                }
                prop_assert!(arena.used() <= 8192);
            }
            for b in live {
                unsafe { arena.dealloc(b.p, b.layout) };
            }
        }
    }

    /// Threads allocating, growing and freeing at once never get the same bytes.
    #[test]
    fn concurrent_use_hands_each_block_to_one_owner() {
        static ARENA: Arena<{ 256 * 1024 }> = Arena::new();
        let threads: Vec<_> = (0..4u8)
            .map(|t| {
                std::thread::spawn(move || unsafe {
                    let mut mine = Vec::new();
                    for i in 0..2000usize {
                        let size = 1 + (i * 7 + usize::from(t) * 13) % 300;
                        let p = ARENA.alloc(layout(size, 8));
                        p.write_bytes(t + 1, size);
                        mine.push((p, size));
                        if i % 3 == 0 {
                            let (p, size) = mine.pop().unwrap();
                            let q = ARENA.realloc(p, layout(size, 8), size + 40);
                            q.write_bytes(t + 1, size + 40);
                            mine.push((q, size + 40));
                        }
                        if i % 5 == 0 {
                            let (p, size) = mine.swap_remove(i % mine.len());
                            ARENA.dealloc(p, layout(size, 8));
                        }
                    }
                    for (p, size) in mine {
                        let bytes = std::slice::from_raw_parts(p, size);
                        assert!(
                            bytes.iter().all(|&x| x == t + 1),
                            "thread {t}: a block was shared"
                        );
                        ARENA.dealloc(p, layout(size, 8));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    }
}
