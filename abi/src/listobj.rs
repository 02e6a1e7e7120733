//! List values (layout 6): one encoding, a ring buffer of element strings.
//!
//! [`ListRing`] (tag [`tag::LIST_RING`]) is `slots: RVec<Value>`, whose
//! length is always its capacity (every slot is initialised; a free slot
//! is an empty inline string, which owns nothing), plus `head` (the slot of
//! the first element) and `len`. Element `i` is in slot
//! `(head + i) % slots.len()`.
//!
//! Why this and not Redis's quicklist of listpacks: it is one short,
//! obviously correct structure. Push and pop at both ends are O(1)
//! (amortised: the ring doubles when full and halves when a quarter full),
//! LINDEX/LSET are O(1) rather than O(N). Costs: each element is a 16-byte
//! [`Value`] string (up to 8 bytes and canonical integers inline, longer
//! elements in one heap block of their own), and up to twice as many slots
//! as elements, so small elements take ~16-32 bytes where a listpack
//! takes ~2 + len; LINSERT and LREM rebuild the ring (O(N), as Redis's are
//! O(N) too). Redis 7.0 reports every list's encoding as "quicklist".

use crate::object::{alloc_one, drop_one, tag, Value};
use crate::vec::RVec;

/// A list: a ring of element strings.
#[repr(C)]
pub struct ListRing {
    pub slots: RVec<Value>,
    pub head: u64,
    pub len: u64,
}

fn empty() -> Value {
    Value { tag: tag::STR_INLINE, lru: [0; 3], len: 0, data: 0 }
}

/// Smallest ring with elements.
const MIN_SLOTS: usize = 4;

impl ListRing {
    fn slot(&self, i: usize) -> usize {
        (self.head as usize + i) % self.slots.len()
    }

    /// Moves the elements into a ring of `cap` slots starting at slot 0.
    fn regrow(&mut self, cap: usize) {
        let len = self.len as usize;
        debug_assert!(cap >= len);
        let mut slots = RVec::with_capacity(cap);
        for i in 0..len {
            let s = self.slot(i);
            slots.push(std::mem::replace(&mut self.slots[s], empty()));
        }
        while slots.len() < cap {
            slots.push(empty());
        }
        self.slots = slots;
        self.head = 0;
    }

    fn grow_for_one(&mut self) {
        if self.len as usize == self.slots.len() {
            self.regrow((self.slots.len() * 2).max(MIN_SLOTS));
        }
    }

    fn maybe_shrink(&mut self) {
        let cap = self.slots.len();
        if cap > MIN_SLOTS && (self.len as usize) < cap / 4 {
            self.regrow((cap / 2).max(MIN_SLOTS));
        }
    }
}

impl Value {
    /// A new, empty list.
    pub fn new_list() -> Value {
        let p = alloc_one(ListRing { slots: RVec::new(), head: 0, len: 0 });
        Value { tag: tag::LIST_RING, lru: [0; 3], len: 0, data: p as u64 }
    }

    #[inline]
    pub fn is_list(&self) -> bool {
        self.tag == tag::LIST_RING
    }

    fn ring(&self) -> &ListRing {
        debug_assert_eq!(self.tag, tag::LIST_RING);
        // SAFETY: a list's `data` points at its live ListRing.
        unsafe { &*(self.data as *const ListRing) }
    }

    fn ring_mut(&mut self) -> &mut ListRing {
        debug_assert_eq!(self.tag, tag::LIST_RING);
        // SAFETY: as `ring`, exclusive through `&mut self`.
        unsafe { &mut *(self.data as *mut ListRing) }
    }

    /// Number of elements.
    pub fn list_len(&self) -> usize {
        if self.is_list() {
            self.ring().len as usize
        } else {
            0
        }
    }

    /// Pushes `elem` at the head (`left`) or the tail.
    pub fn list_push(&mut self, elem: &[u8], left: bool) {
        let r = self.ring_mut();
        r.grow_for_one();
        let cap = r.slots.len();
        let s = if left {
            r.head = ((r.head as usize + cap - 1) % cap) as u64;
            r.head as usize
        } else {
            r.slot(r.len as usize)
        };
        r.slots[s] = Value::string(elem);
        r.len += 1;
    }

    /// Pops the head (`left`) or tail element.
    pub fn list_pop(&mut self, left: bool) -> Option<Vec<u8>> {
        let r = self.ring_mut();
        if r.len == 0 {
            return None;
        }
        let s = if left { r.head as usize } else { r.slot(r.len as usize - 1) };
        let mut v = std::mem::replace(&mut r.slots[s], empty());
        if left {
            r.head = ((r.head as usize + 1) % r.slots.len()) as u64;
        }
        r.len -= 1;
        r.maybe_shrink();
        let mut buf = [0u8; 20];
        let out = v.str_bytes(&mut buf).to_vec();
        v.free();
        Some(out)
    }

    /// Element `i` (0-based from the head), formatted into `buf` if needed.
    pub fn list_get<'a>(&'a self, i: usize, buf: &'a mut [u8; 20]) -> &'a [u8] {
        let r = self.ring();
        assert!(i < r.len as usize, "list index out of range");
        r.slots[r.slot(i)].str_bytes(buf)
    }

    /// Replaces element `i`.
    pub fn list_set(&mut self, i: usize, elem: &[u8]) {
        let r = self.ring_mut();
        assert!(i < r.len as usize, "list index out of range");
        let s = r.slot(i);
        r.slots[s].free();
        r.slots[s] = Value::string(elem);
    }

    /// Every element, head first, as owned bytes.
    pub fn list_to_vec(&self) -> Vec<Vec<u8>> {
        let n = self.list_len();
        let mut buf = [0u8; 20];
        (0..n).map(|i| self.list_get(i, &mut buf).to_vec()).collect()
    }

    /// Replaces every element with `elems` (head first).
    pub fn list_replace_all(&mut self, elems: &[Vec<u8>]) {
        let r = self.ring_mut();
        for s in r.slots.iter_mut() {
            s.free();
        }
        r.slots = RVec::new();
        r.head = 0;
        r.len = 0;
        r.regrow(elems.len().next_power_of_two().max(MIN_SLOTS));
        for (i, e) in elems.iter().enumerate() {
            r.slots[i] = Value::string(e);
        }
        r.len = elems.len() as u64;
    }

    pub(crate) fn list_heap_bytes(&self) -> usize {
        let r = self.ring();
        std::mem::size_of::<ListRing>() + r.slots.heap_bytes() + r.slots.iter().map(Value::heap_bytes).sum::<usize>()
    }

    pub(crate) fn list_free(&mut self) {
        if self.tag != tag::LIST_RING {
            return;
        }
        let p = self.data as *mut ListRing;
        // SAFETY: the value owns its ring and every element in it; freed once.
        unsafe {
            for s in (*p).slots.iter_mut() {
                s.free();
            }
            drop_one(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_pushes_pops_and_wraps() {
        let mut v = Value::new_list();
        assert!(v.is_list() && !v.is_set() && !v.is_string() && !v.is_hash());
        let mut model: std::collections::VecDeque<Vec<u8>> = Default::default();
        let mut x: u64 = 7;
        for step in 0..5000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let e = if step % 3 == 0 { step.to_string().into_bytes() } else { format!("element-{step}-{}", "y".repeat((x % 20) as usize)).into_bytes() };
            match x % 5 {
                0 => {
                    v.list_push(&e, true);
                    model.push_front(e);
                }
                1 | 2 => {
                    v.list_push(&e, false);
                    model.push_back(e);
                }
                3 => assert_eq!(v.list_pop(true), model.pop_front()),
                _ => assert_eq!(v.list_pop(false), model.pop_back()),
            }
            assert_eq!(v.list_len(), model.len());
        }
        assert_eq!(v.list_to_vec(), model.iter().cloned().collect::<Vec<_>>());
        if !model.is_empty() {
            v.list_set(0, b"first");
            let mut buf = [0; 20];
            assert_eq!(v.list_get(0, &mut buf), b"first");
        }
        let some: Vec<Vec<u8>> = (0..9).map(|i| format!("{i}").into_bytes()).collect();
        v.list_replace_all(&some);
        assert_eq!(v.list_to_vec(), some);
        assert!(v.heap_bytes() > 9 * 16);
        v.free();
        assert!(v.is_string());
    }
}
