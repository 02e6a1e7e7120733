//! `RDict<E>`: a chained hash table with incremental rehashing, modelled on
//! Redis's `dict.c`, with a pinned `#[repr(C)]` layout.
//!
//! Why not `std::collections::HashMap` (or hashbrown): its layout is private
//! and compiler-dependent, it cannot be handed from one library to the next
//! (HOTSWAP-RULES 2), and it grows by rehashing everything at once, a stall
//! of hundreds of milliseconds at millions of keys. Here growth allocates a
//! second bucket array and moves one bucket per operation (plus a bounded
//! amount per cron tick), so no single step grows with the table.
//!
//! Entries are intrusive heap nodes (`E: DictEntry`) so that their address is
//! stable: other structures (the expiry index) may point at them.

use crate::hash::hash_bytes;
use std::alloc::{self, Layout};
use std::ptr;

/// A node that can live in an [`RDict`].
///
/// # Safety
/// `next`/`set_next` must read and write one pointer field of the node that
/// nothing else uses, and `key` must return bytes that do not change while
/// the node is in a table.
pub unsafe trait DictEntry {
    fn next(&self) -> *mut Self;
    fn set_next(&mut self, next: *mut Self);
    fn key(&self) -> &[u8];
}

/// Implements [`DictEntry`] for a node type with a `next` link whose key is
/// the `$len` bytes right after its header, in the same allocation.
#[macro_export]
#[doc(hidden)]
macro_rules! dict_entry_with_trailing_key {
    ($ty:ty, $len:ident) => {
        // SAFETY: `next` is the node's own link field; the key bytes follow
        // the header in the same allocation and never change.
        unsafe impl $crate::dict::DictEntry for $ty {
            #[inline]
            fn next(&self) -> *mut Self {
                self.next
            }
            #[inline]
            fn set_next(&mut self, next: *mut Self) {
                self.next = next;
            }
            #[inline]
            fn key(&self) -> &[u8] {
                // SAFETY: `$len` key bytes follow the header.
                unsafe {
                    std::slice::from_raw_parts(
                        (self as *const $ty as *const u8).add(std::mem::size_of::<$ty>()),
                        self.$len as usize,
                    )
                }
            }
        }
    };
}

#[repr(C)]
pub struct RawTable<E> {
    pub(crate) buckets: *mut *mut E,
    /// Number of buckets: zero or a power of two.
    pub(crate) size: u64,
    pub(crate) used: u64,
}

impl<E> RawTable<E> {
    const EMPTY: Self = RawTable { buckets: ptr::null_mut(), size: 0, used: 0 };

    #[inline]
    fn mask(&self) -> u64 {
        self.size.wrapping_sub(1)
    }

    #[inline]
    fn bucket(&self, i: u64) -> *mut *mut E {
        debug_assert!(i < self.size);
        // SAFETY: callers index below `size`, and `buckets` holds `size` slots.
        unsafe { self.buckets.add(i as usize) }
    }

    fn alloc(size: u64) -> Self {
        let layout = Layout::array::<*mut E>(size as usize).expect("dict too large");
        // SAFETY: non-zero size; zeroed memory is an array of null pointers.
        let buckets = unsafe { alloc::alloc_zeroed(layout) } as *mut *mut E;
        if buckets.is_null() {
            alloc::handle_alloc_error(layout);
        }
        RawTable { buckets, size, used: 0 }
    }

    fn free_buckets(&mut self) {
        if self.size != 0 {
            // SAFETY: allocated in `alloc` with this layout.
            unsafe {
                alloc::dealloc(self.buckets as *mut u8, Layout::array::<*mut E>(self.size as usize).unwrap())
            };
        }
        *self = Self::EMPTY;
    }
}

#[repr(C)]
pub struct RDict<E> {
    pub(crate) tables: [RawTable<E>; 2],
    /// Next bucket of `tables[0]` to move into `tables[1]`; -1 when not rehashing.
    pub(crate) rehash_idx: i64,
    /// While non-zero, lookups do not move buckets (an iteration is under way).
    pub(crate) pause_rehash: u64,
    pub(crate) seed: u64,
}

/// Smallest table allocated.
const INITIAL_SIZE: u64 = 4;
/// Buckets moved per lookup/insert/delete while rehashing.
const STEP_BUCKETS: usize = 1;

impl<E: DictEntry> RDict<E> {
    pub const fn new(seed: u64) -> Self {
        RDict { tables: [RawTable::EMPTY, RawTable::EMPTY], rehash_idx: -1, pause_rehash: 0, seed }
    }

    /// The seed of the table's hash function.
    #[inline]
    pub fn seed(&self) -> u64 {
        self.seed
    }

    #[inline]
    pub fn len(&self) -> usize {
        (self.tables[0].used + self.tables[1].used) as usize
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    pub fn is_rehashing(&self) -> bool {
        self.rehash_idx != -1
    }

    /// Total buckets of both tables (for INFO and memory accounting).
    pub fn buckets(&self) -> usize {
        (self.tables[0].size + self.tables[1].size) as usize
    }

    #[inline]
    pub fn hash(&self, key: &[u8]) -> u64 {
        hash_bytes(self.seed, key)
    }

    /// Moves up to `n` buckets to the new table, visiting at most `10 * n`
    /// empty ones (so one call is bounded even in a sparse table). Returns
    /// true while there is more to move.
    pub fn rehash(&mut self, n: usize) -> bool {
        if !self.is_rehashing() {
            return false;
        }
        let mut empty_visits = n * 10;
        let mut n = n;
        while n > 0 && self.tables[0].used != 0 {
            n -= 1;
            let mut idx = self.rehash_idx as u64;
            // SAFETY: `used != 0` guarantees a non-empty bucket at or after
            // `rehash_idx` within `size`, so the scan stays in bounds.
            unsafe {
                while (*self.tables[0].bucket(idx)).is_null() {
                    idx += 1;
                    self.rehash_idx = idx as i64;
                    empty_visits -= 1;
                    if empty_visits == 0 {
                        return true;
                    }
                }
                let mut e = *self.tables[0].bucket(idx);
                while !e.is_null() {
                    let next = (*e).next();
                    let h = self.hash((*e).key()) & self.tables[1].mask();
                    let slot = self.tables[1].bucket(h);
                    (*e).set_next(*slot);
                    *slot = e;
                    self.tables[0].used -= 1;
                    self.tables[1].used += 1;
                    e = next;
                }
                *self.tables[0].bucket(idx) = ptr::null_mut();
            }
            self.rehash_idx = idx as i64 + 1;
        }
        if self.tables[0].used == 0 {
            self.tables[0].free_buckets();
            self.tables[0] = std::mem::replace(&mut self.tables[1], RawTable::EMPTY);
            self.rehash_idx = -1;
            return false;
        }
        true
    }

    #[inline]
    fn rehash_step(&mut self) {
        if self.pause_rehash == 0 && self.is_rehashing() {
            self.rehash(STEP_BUCKETS);
        }
    }

    /// Starts a resize to the smallest power of two >= `size`. Does nothing
    /// while rehashing or when the table would not hold the current entries.
    pub fn resize(&mut self, size: u64) -> bool {
        if self.is_rehashing() || (size as usize) < self.len() {
            return false;
        }
        let real = size.max(INITIAL_SIZE).next_power_of_two();
        if real == self.tables[0].size {
            return false;
        }
        let t = RawTable::alloc(real);
        if self.tables[0].size == 0 {
            self.tables[0] = t;
        } else {
            self.tables[1] = t;
            self.rehash_idx = 0;
        }
        true
    }

    fn expand_if_needed(&mut self) {
        if self.is_rehashing() {
            return;
        }
        let t = &self.tables[0];
        if t.size == 0 {
            self.resize(INITIAL_SIZE);
        } else if t.used >= t.size {
            self.resize(t.used + 1);
        }
    }

    /// True when the table is mostly empty and worth shrinking (Redis's
    /// `htNeedsResize`: under 10% full).
    pub fn needs_shrink(&self) -> bool {
        let size = self.tables[0].size + self.tables[1].size;
        size > INITIAL_SIZE && (self.len() as u64) * 100 / size < 10
    }

    /// Looks `key` up without moving any bucket.
    pub fn peek(&self, key: &[u8], hash: u64) -> *mut E {
        if self.is_empty() {
            return ptr::null_mut();
        }
        for t in 0..2 {
            let table = &self.tables[t];
            if table.size != 0 {
                // SAFETY: the bucket index is masked into range; chain nodes
                // are live entries owned by this table.
                unsafe {
                    let mut e = *table.bucket(hash & table.mask());
                    while !e.is_null() {
                        if (*e).key() == key {
                            return e;
                        }
                        e = (*e).next();
                    }
                }
            }
            if !self.is_rehashing() {
                break;
            }
        }
        ptr::null_mut()
    }

    /// Asks the CPU to start fetching the bucket(s) `hash` falls in, or
    /// with `chain` the first node of their chains (worth it once the
    /// buckets are in the cache), so that a `find`/`insert_new` issued a
    /// little later does not wait for memory (a bulk load of a table much
    /// larger than the caches). Only a hint.
    #[inline]
    pub fn prefetch(&self, hash: u64, chain: bool) {
        for t in &self.tables {
            if t.size != 0 {
                let slot = t.bucket(hash & t.mask());
                // SAFETY: an in-range bucket (masked), holding a node or null.
                prefetch_line(if chain { unsafe { *slot as *const u8 } } else { slot as *const u8 });
            }
        }
    }

    /// Looks `key` up, doing one step of any rehash under way.
    #[inline]
    pub fn find(&mut self, key: &[u8], hash: u64) -> *mut E {
        self.rehash_step();
        self.peek(key, hash)
    }

    /// Links `entry` in; from then on the table owns it.
    ///
    /// # Safety
    /// `entry` is a valid, exclusively owned node that is in no table, its
    /// key is not present in this one, and `hash` is `self.hash(key)`.
    pub unsafe fn insert_new(&mut self, entry: *mut E, hash: u64) {
        self.rehash_step();
        self.expand_if_needed();
        let t = if self.is_rehashing() { 1 } else { 0 };
        let table = &mut self.tables[t];
        // SAFETY: masked index; `entry` is valid and ours (the contract).
        let slot = table.bucket(hash & table.mask());
        (*entry).set_next(*slot);
        *slot = entry;
        table.used += 1;
    }

    /// Unlinks the entry with `key` and returns it (null if absent). The
    /// caller owns the returned node.
    pub fn remove(&mut self, key: &[u8], hash: u64) -> *mut E {
        if self.is_empty() {
            return ptr::null_mut();
        }
        self.rehash_step();
        for t in 0..2 {
            let table = &mut self.tables[t];
            if table.size != 0 {
                // SAFETY: masked index; we walk live nodes and splice one out.
                unsafe {
                    let link: *mut *mut E = table.bucket(hash & table.mask());
                    let mut prev: *mut E = ptr::null_mut();
                    let mut e = *link;
                    while !e.is_null() {
                        if (*e).key() == key {
                            if prev.is_null() {
                                *link = (*e).next();
                            } else {
                                (*prev).set_next((*e).next());
                            }
                            (*e).set_next(ptr::null_mut());
                            table.used -= 1;
                            return e;
                        }
                        prev = e;
                        e = (*e).next();
                    }
                }
            }
            if !self.is_rehashing() {
                break;
            }
        }
        ptr::null_mut()
    }

    /// Frees every entry through `free` and every bucket array.
    pub fn clear(&mut self, mut free: impl FnMut(*mut E)) {
        for t in 0..2 {
            let table = &mut self.tables[t];
            for i in 0..table.size {
                // SAFETY: in-range bucket; each node is visited once and its
                // `next` read before it is handed to `free`.
                unsafe {
                    let mut e = *table.bucket(i);
                    while !e.is_null() {
                        let next = (*e).next();
                        free(e);
                        e = next;
                    }
                }
            }
            table.free_buckets();
        }
        self.rehash_idx = -1;
    }

    /// Calls `f` on every entry. `f` gets shared access only, so the table
    /// cannot change under the walk, and the references stay valid for as
    /// long as the table is borrowed (callers may collect them).
    pub fn for_each<'a>(&'a self, mut f: impl FnMut(&'a E)) {
        for t in 0..2 {
            let table = &self.tables[t];
            for i in 0..table.size {
                // SAFETY: in-range bucket, live nodes.
                unsafe {
                    let mut e = *table.bucket(i);
                    while !e.is_null() {
                        f(&*e);
                        e = (*e).next();
                    }
                }
            }
        }
    }

    fn visit_bucket(table: &RawTable<E>, idx: u64, f: &mut impl FnMut(&E)) {
        // SAFETY: `idx` is masked by the caller; live nodes.
        unsafe {
            let mut e = *table.bucket(idx);
            while !e.is_null() {
                f(&*e);
                e = (*e).next();
            }
        }
    }

    /// One step of a stateless cursor walk (Redis's `dictScan`): visits the
    /// bucket(s) named by `cursor` and returns the next cursor, 0 when done.
    ///
    /// The cursor counts with its bits reversed, so that a table that grows or
    /// shrinks between calls still has every entry present for the whole walk
    /// visited at least once: entries of one small-table bucket spread into
    /// buckets that share its low bits, which the reversed count visits next.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&E)) -> u64 {
        if self.is_empty() {
            return 0;
        }
        let mut v = cursor;
        if !self.is_rehashing() {
            let t0 = &self.tables[0];
            let m0 = t0.mask();
            Self::visit_bucket(t0, v & m0, &mut f);
            v |= !m0;
            v = v.reverse_bits().wrapping_add(1).reverse_bits();
        } else {
            let (small, large) = if self.tables[0].size <= self.tables[1].size {
                (&self.tables[0], &self.tables[1])
            } else {
                (&self.tables[1], &self.tables[0])
            };
            let m0 = small.mask();
            let m1 = large.mask();
            Self::visit_bucket(small, v & m0, &mut f);
            loop {
                Self::visit_bucket(large, v & m1, &mut f);
                v |= !m1;
                v = v.reverse_bits().wrapping_add(1).reverse_bits();
                if v & (m0 ^ m1) == 0 {
                    break;
                }
            }
        }
        v
    }

    /// A random entry (null when empty), from a random non-empty bucket then
    /// a random node of its chain, like Redis's `dictGetRandomKey`.
    pub fn random(&mut self, rng: &mut u64) -> *mut E {
        if self.is_empty() {
            return ptr::null_mut();
        }
        self.rehash_step();
        // SAFETY: all indexes are reduced into each table's range.
        unsafe {
            let mut e: *mut E;
            loop {
                if self.is_rehashing() {
                    let start = self.rehash_idx as u64;
                    let span = self.tables[0].size + self.tables[1].size - start;
                    let h = start + next_random(rng) % span;
                    e = if h >= self.tables[0].size {
                        *self.tables[1].bucket(h - self.tables[0].size)
                    } else {
                        *self.tables[0].bucket(h)
                    };
                } else {
                    e = *self.tables[0].bucket(next_random(rng) & self.tables[0].mask());
                }
                if !e.is_null() {
                    break;
                }
            }
            let mut n = 0u64;
            let mut p = e;
            while !p.is_null() {
                n += 1;
                p = (*p).next();
            }
            let mut k = next_random(rng) % n;
            while k > 0 {
                e = (*e).next();
                k -= 1;
            }
            e
        }
    }

    /// Heap bytes of the bucket arrays (entries are accounted by their owner).
    pub fn bucket_bytes(&self) -> usize {
        self.buckets() * std::mem::size_of::<*mut E>()
    }
}

/// Starts fetching the cache line at `p` (any address, null included: a
/// prefetch never faults and changes nothing the program sees).
#[inline(always)]
fn prefetch_line(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the instruction needs SSE, part of the x86_64 baseline, and
    // neither faults nor writes, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p as *const i8)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// xorshift64*: the state's pseudo-random source (plain data, survives swaps).
#[inline]
pub fn next_random(state: &mut u64) -> u64 {
    let mut x = *state;
    if x == 0 {
        x = 0x9E37_79B9_7F4A_7C15;
    }
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    x.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[repr(C)]
    struct Node {
        next: *mut Node,
        key: u64,
        bytes: [u8; 8],
    }

    unsafe impl DictEntry for Node {
        fn next(&self) -> *mut Self {
            self.next
        }
        fn set_next(&mut self, next: *mut Self) {
            self.next = next;
        }
        fn key(&self) -> &[u8] {
            &self.bytes
        }
    }

    fn node(k: u64) -> *mut Node {
        Box::into_raw(Box::new(Node { next: ptr::null_mut(), key: k, bytes: k.to_le_bytes() }))
    }

    fn free(n: *mut Node) {
        drop(unsafe { Box::from_raw(n) });
    }

    #[test]
    fn insert_find_remove_through_rehash() {
        let mut d: RDict<Node> = RDict::new(7);
        for k in 0..10_000u64 {
            let n = node(k);
            let h = d.hash(&k.to_le_bytes());
            assert!(d.find(&k.to_le_bytes(), h).is_null());
            unsafe { d.insert_new(n, h) };
        }
        assert_eq!(d.len(), 10_000);
        for k in 0..10_000u64 {
            let h = d.hash(&k.to_le_bytes());
            let e = d.find(&k.to_le_bytes(), h);
            assert!(!e.is_null());
            assert_eq!(unsafe { (*e).key }, k);
        }
        for k in (0..10_000u64).step_by(2) {
            let h = d.hash(&k.to_le_bytes());
            free(d.remove(&k.to_le_bytes(), h));
        }
        assert_eq!(d.len(), 5_000);
        while d.rehash(100) {}
        assert!(d.needs_shrink() || d.buckets() <= 16_384);
        d.clear(free);
        assert_eq!(d.len(), 0);
    }

    /// Every entry present for a whole scan is returned at least once, even
    /// when the table grows in the middle of the walk.
    #[test]
    fn scan_survives_growth() {
        let mut d: RDict<Node> = RDict::new(1);
        for k in 0..1000u64 {
            let h = d.hash(&k.to_le_bytes());
            unsafe { d.insert_new(node(k), h) };
        }
        while d.rehash(100) {}
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        let mut next_key = 1000u64;
        let mut steps = 0;
        loop {
            cursor = d.scan(cursor, |n| {
                seen.insert(n.key);
            });
            steps += 1;
            // Grow the table 4x early in the walk (forcing rehashes under the
            // cursor), then let the walk finish.
            for _ in 0..if steps <= 30 { 100 } else { 0 } {
                let h = d.hash(&next_key.to_le_bytes());
                unsafe { d.insert_new(node(next_key), h) };
                next_key += 1;
            }
            if cursor == 0 {
                break;
            }
        }
        for k in 0..1000u64 {
            assert!(seen.contains(&k), "scan missed {k}");
        }
        d.clear(free);
    }

    #[test]
    fn random_covers_entries() {
        let mut d: RDict<Node> = RDict::new(3);
        for k in 0..16u64 {
            let h = d.hash(&k.to_le_bytes());
            unsafe { d.insert_new(node(k), h) };
        }
        let mut rng = 1;
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            seen.insert(unsafe { (*d.random(&mut rng)).key });
        }
        assert_eq!(seen.len(), 16);
        d.clear(free);
    }
}
