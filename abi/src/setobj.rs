//! Set values: Redis 7.0's two encodings as plain `#[repr(C)]` data.
//!
//! - Packed intset (tag [`tag::SET_INTSET_PACKED`]): sets whose members
//!   are all canonical decimal integers, as Redis's intset: one block of
//!   exactly `Value::len` bytes at `Value::data` (no other header, no spare
//!   capacity), a width byte (2, 4 or 8: the narrowest that holds every
//!   member; it grows when a wider member comes, never shrinks), then the
//!   members sorted ascending, each `width` little-endian bytes. Redis 7.0
//!   has no listpack for sets.
//! - [`SetIntset`] (tag [`tag::SET_INTSET`], layouts 5..8): the former
//!   intset, a header and a sorted `RVec<i64>`. Only older versions write
//!   it; it is read in place and repacked by the first write (so an
//!   UPGRADE visits no keys).
//! - [`MemberEntry`] in an [`RDict`] (tag [`tag::SET_TABLE`]): one
//!   allocation per member holding the member bytes, like [`KeyEntry`].
//!
//! Which encoding a set should have is the logic's decision (its limit is
//! `set-max-intset-entries`); this module only converts when told to, and
//! never back.
//!
//! [`KeyEntry`]: crate::object::KeyEntry

use crate::dict::{DictEntry, RDict};
use crate::object::{alloc_one, canonical_i64, drop_one, format_i64, free_table, table_heap_bytes, tag, Value};
use crate::vec::RVec;
use std::alloc::{self, Layout};
use std::ptr;

/// An integer set: the members, sorted ascending, distinct.
#[repr(C)]
pub struct SetIntset {
    pub ints: RVec<i64>,
}

/// A member of a table-encoded set: header, then `member_len` bytes, in one
/// allocation.
#[repr(C)]
pub struct MemberEntry {
    pub next: *mut MemberEntry,
    pub member_len: u32,
    pub _reserved: u32,
}

impl MemberEntry {
    fn layout(len: usize) -> Layout {
        Layout::from_size_align(std::mem::size_of::<MemberEntry>() + len, 8).expect("member too large")
    }

    pub fn alloc(member: &[u8]) -> *mut MemberEntry {
        let layout = Self::layout(member.len());
        // SAFETY: non-zero layout; header and bytes written before use.
        unsafe {
            let p = alloc::alloc(layout) as *mut MemberEntry;
            if p.is_null() {
                alloc::handle_alloc_error(layout);
            }
            p.write(MemberEntry { next: ptr::null_mut(), member_len: member.len() as u32, _reserved: 0 });
            let d = (p as *mut u8).add(std::mem::size_of::<MemberEntry>());
            ptr::copy_nonoverlapping(member.as_ptr(), d, member.len());
            p
        }
    }

    /// # Safety
    /// `p` came from [`MemberEntry::alloc`] and is in no table.
    pub unsafe fn free(p: *mut MemberEntry) {
        alloc::dealloc(p as *mut u8, Self::layout((*p).member_len as usize));
    }

    pub fn heap_bytes(&self) -> usize {
        std::mem::size_of::<MemberEntry>() + self.member_len as usize
    }
}

crate::dict_entry_with_trailing_key!(MemberEntry, member_len);

/// A member as the bytes the client sees: an intset member in decimal.
pub enum Member<'a> {
    Int(i64),
    Bytes(&'a [u8]),
}

impl Member<'_> {
    /// The member's bytes, formatted into `buf` when it is an integer.
    pub fn bytes<'b>(&'b self, buf: &'b mut [u8; 20]) -> &'b [u8] {
        match *self {
            Member::Int(i) => format_i64(i, buf),
            Member::Bytes(b) => b,
        }
    }

    pub fn to_vec(&self) -> Vec<u8> {
        let mut buf = [0u8; 20];
        self.bytes(&mut buf).to_vec()
    }
}

/// The narrowest intset width (in bytes) that holds `i`.
fn width_of(i: i64) -> usize {
    if i16::try_from(i).is_ok() {
        2
    } else if i32::try_from(i).is_ok() {
        4
    } else {
        8
    }
}

/// A packed intset's members: its width and the member bytes after it.
struct Packed<'a> {
    width: usize,
    ints: &'a [u8],
}

impl<'a> Packed<'a> {
    fn of(block: &'a [u8]) -> Packed<'a> {
        match block.split_first() {
            Some((&w, ints)) => Packed { width: w as usize, ints },
            None => Packed { width: 2, ints: &[] },
        }
    }

    fn len(&self) -> usize {
        self.ints.len() / self.width
    }

    fn get(&self, idx: usize) -> i64 {
        let mut b = [0u8; 8];
        let at = idx * self.width;
        b[..self.width].copy_from_slice(&self.ints[at..at + self.width]);
        // Sign-extend from the member's width.
        let shift = 64 - 8 * self.width as u32;
        (i64::from_le_bytes(b) << shift) >> shift
    }

    fn search(&self, i: i64) -> Result<usize, usize> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.get(mid).cmp(&i) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        (0..self.len()).map(|k| self.get(k))
    }
}

/// A packed intset block of `ints` (sorted, distinct) at `width`.
fn pack(width: usize, ints: impl Iterator<Item = i64>) -> Vec<u8> {
    let mut out = vec![width as u8];
    for i in ints {
        out.extend_from_slice(&i.to_le_bytes()[..width]);
    }
    out
}

impl Value {
    /// A new, empty set in the integer encoding (it owns nothing yet).
    pub fn new_set() -> Value {
        Value { tag: tag::SET_INTSET_PACKED, lru: [0; 3], len: 0, data: 0 }
    }

    #[inline]
    pub fn is_set(&self) -> bool {
        matches!(self.tag, tag::SET_INTSET_PACKED | tag::SET_INTSET | tag::SET_TABLE)
    }

    /// True for the integer encodings (OBJECT ENCODING's `intset`).
    #[inline]
    pub fn set_is_intset(&self) -> bool {
        matches!(self.tag, tag::SET_INTSET_PACKED | tag::SET_INTSET)
    }

    fn intset(&self) -> &SetIntset {
        debug_assert_eq!(self.tag, tag::SET_INTSET);
        // SAFETY: an intset's `data` points at its live SetIntset.
        unsafe { &*(self.data as *const SetIntset) }
    }

    fn packed(&self) -> Packed<'_> {
        debug_assert_eq!(self.tag, tag::SET_INTSET_PACKED);
        Packed::of(self.block())
    }

    fn members(&self) -> &RDict<MemberEntry> {
        debug_assert_eq!(self.tag, tag::SET_TABLE);
        // SAFETY: a table set's `data` points at its live RDict.
        unsafe { &*(self.data as *const RDict<MemberEntry>) }
    }

    fn members_mut(&mut self) -> &mut RDict<MemberEntry> {
        debug_assert_eq!(self.tag, tag::SET_TABLE);
        // SAFETY: as `members`, exclusive through `&mut self`.
        unsafe { &mut *(self.data as *mut RDict<MemberEntry>) }
    }

    /// The `idx`th smallest member of an intset (for random picks); None
    /// for a table.
    pub fn set_int_at(&self, idx: usize) -> Option<i64> {
        match self.tag {
            tag::SET_INTSET_PACKED => Some(self.packed().get(idx)),
            tag::SET_INTSET => Some(self.intset().ints[idx]),
            _ => None,
        }
    }

    /// The table of a table-encoded set (for SSCAN and random picks).
    pub fn set_table(&self) -> Option<&RDict<MemberEntry>> {
        (self.tag == tag::SET_TABLE).then(|| self.members())
    }

    pub fn set_table_mut(&mut self) -> Option<&mut RDict<MemberEntry>> {
        (self.tag == tag::SET_TABLE).then(|| self.members_mut())
    }

    /// Number of members.
    pub fn set_len(&self) -> usize {
        match self.tag {
            tag::SET_INTSET_PACKED => self.packed().len(),
            tag::SET_INTSET => self.intset().ints.len(),
            tag::SET_TABLE => self.members().len(),
            _ => 0,
        }
    }

    pub fn set_contains(&self, member: &[u8]) -> bool {
        match self.tag {
            tag::SET_INTSET_PACKED => canonical_i64(member).is_some_and(|i| self.packed().search(i).is_ok()),
            tag::SET_INTSET => canonical_i64(member).is_some_and(|i| self.intset().ints.binary_search(&i).is_ok()),
            tag::SET_TABLE => {
                let t = self.members();
                !t.peek(member, t.hash(member)).is_null()
            }
            _ => false,
        }
    }

    /// Rewrites a set of the layout-5..8 intset encoding as a packed one
    /// (the first write to it after an UPGRADE); any other value stays.
    fn set_repack(&mut self) {
        if self.tag != tag::SET_INTSET {
            return;
        }
        let ints = self.intset().ints.as_slice();
        let width = ints.iter().map(|&i| width_of(i)).max().unwrap_or(2);
        let bytes = if ints.is_empty() { Vec::new() } else { pack(width, ints.iter().copied()) };
        self.free();
        self.tag = tag::SET_INTSET_PACKED;
        self.block_resize(bytes.len()).copy_from_slice(&bytes);
    }

    /// Adds `member`; true if it is new. An intset must be converted
    /// beforehand if `member` is not a canonical integer
    /// ([`Value::set_convert_to_table`]).
    pub fn set_add(&mut self, member: &[u8]) -> bool {
        self.set_repack();
        match self.tag {
            tag::SET_INTSET_PACKED => {
                let i = canonical_i64(member).expect("set_add: a non-integer member into an intset");
                let p = self.packed();
                let Err(pos) = p.search(i) else { return false };
                if self.len == 0 || width_of(i) > p.width {
                    // A wider member widens every member (Redis's
                    // intsetUpgradeAndAdd): the block is rewritten.
                    let width = width_of(i).max(p.width);
                    let bytes = pack(width, p.iter().take(pos).chain([i]).chain(p.iter().skip(pos)));
                    self.block_resize(0);
                    self.block_resize(bytes.len()).copy_from_slice(&bytes);
                } else {
                    let (w, at) = (p.width, 1 + pos * p.width);
                    self.block_splice(at, at, &i.to_le_bytes()[..w]);
                }
                true
            }
            tag::SET_TABLE => {
                let t = self.members_mut();
                let h = t.hash(member);
                if !t.find(member, h).is_null() {
                    return false;
                }
                // SAFETY: a fresh node whose member is not in the table.
                unsafe { t.insert_new(MemberEntry::alloc(member), h) };
                true
            }
            _ => panic!("set_add on a value that is not a set"),
        }
    }

    /// Removes `member`; true if it was there.
    pub fn set_remove(&mut self, member: &[u8]) -> bool {
        self.set_repack();
        match self.tag {
            tag::SET_INTSET_PACKED => {
                let Some(i) = canonical_i64(member) else { return false };
                let p = self.packed();
                let Ok(pos) = p.search(i) else { return false };
                if p.len() == 1 {
                    self.block_resize(0);
                } else {
                    let (w, at) = (p.width, 1 + pos * p.width);
                    self.block_splice(at, at + w, &[]);
                }
                true
            }
            tag::SET_TABLE => {
                let t = self.members_mut();
                let e = t.remove(member, t.hash(member));
                if e.is_null() {
                    return false;
                }
                // SAFETY: removed from the table, ours to free.
                unsafe { MemberEntry::free(e) };
                if t.needs_shrink() {
                    t.resize(t.len() as u64);
                }
                true
            }
            _ => false,
        }
    }

    /// Calls `f` for every member: ascending for an intset, table order
    /// otherwise.
    pub fn set_for_each<'a>(&'a self, mut f: impl FnMut(Member<'a>)) {
        match self.tag {
            tag::SET_INTSET_PACKED => self.packed().iter().for_each(|i| f(Member::Int(i))),
            tag::SET_INTSET => self.intset().ints.iter().for_each(|&i| f(Member::Int(i))),
            tag::SET_TABLE => self.members().for_each(|e| f(Member::Bytes(e.key()))),
            _ => {}
        }
    }

    /// Moves an intset into a table seeded with `seed`; a table stays.
    pub fn set_convert_to_table(&mut self, seed: u64) {
        if !self.set_is_intset() {
            return;
        }
        let mut d: RDict<MemberEntry> = RDict::new(seed);
        d.resize(self.set_len() as u64);
        self.set_for_each(|m| {
            let mut buf = [0u8; 20];
            let m = m.bytes(&mut buf);
            // SAFETY: members of a set are distinct; fresh node.
            unsafe { d.insert_new(MemberEntry::alloc(m), d.hash(m)) };
        });
        let t = alloc_one(d);
        self.free();
        self.tag = tag::SET_TABLE;
        self.data = t as u64;
    }

    pub(crate) fn set_heap_bytes(&self) -> usize {
        match self.tag {
            tag::SET_INTSET => std::mem::size_of::<SetIntset>() + self.intset().ints.heap_bytes(),
            tag::SET_TABLE => table_heap_bytes(self.members(), MemberEntry::heap_bytes),
            _ => 0,
        }
    }

    pub(crate) fn set_free(&mut self) {
        match self.tag {
            // SAFETY: the value owns its SetIntset; dropped once.
            tag::SET_INTSET => unsafe { drop_one(self.data as *mut SetIntset) },
            // SAFETY: the value owns its table and every node in it.
            tag::SET_TABLE => unsafe { free_table(self.data as *mut RDict<MemberEntry>, |e| MemberEntry::free(e)) },
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(v: &Value) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        v.set_for_each(|m| out.push(m.to_vec()));
        out.sort();
        out
    }

    #[test]
    fn both_encodings_hold_the_same_members() {
        let mut v = Value::new_set();
        assert!(v.is_set() && !v.is_hash() && !v.is_string() && v.set_is_intset());
        for i in (-20..30).rev() {
            assert!(v.set_add(i.to_string().as_bytes()));
        }
        assert!(!v.set_add(b"5"));
        assert!(v.set_remove(b"7"));
        assert!(!v.set_remove(b"7"));
        assert!(!v.set_remove(b"x"));
        assert!(v.set_contains(b"-20") && !v.set_contains(b"07") && !v.set_contains(b"abc"));
        let ints: Vec<i64> = (0..v.set_len()).map(|k| v.set_int_at(k).unwrap()).collect();
        assert_eq!(ints.windows(2).filter(|w| w[0] >= w[1]).count(), 0);
        let before = members(&v);
        assert_eq!(v.set_len(), 49);
        v.set_convert_to_table(42);
        assert!(!v.set_is_intset() && v.is_set());
        assert_eq!(members(&v), before);
        assert!(v.set_add(b"not a number"));
        assert!(v.set_contains(b"-20") && v.set_contains(b"not a number"));
        assert!(v.heap_bytes() > 50 * 16);
        for m in before {
            assert!(v.set_remove(&m));
        }
        assert_eq!(v.set_len(), 1);
        v.free();
        assert!(v.is_string());
    }

    /// Random adds and removes on a packed intset match a std model at
    /// every step: ascending members, the narrowest width that ever held
    /// them, exact size.
    #[test]
    fn packed_matches_a_model_under_random_ops() {
        let mut rng = 11u64;
        let mut v = Value::new_set();
        let mut model = std::collections::BTreeSet::new();
        let mut width = 2;
        for _ in 0..6000 {
            let r = crate::dict::next_random(&mut rng);
            // Mostly small members, sometimes i32 or i64 ones.
            let i = match r % 50 {
                0 => (r >> 8) as i64,
                1 => ((r >> 8) as i32) as i64,
                _ => (r >> 8) as i64 % 200 - 100,
            };
            let m = i.to_string().into_bytes();
            if r.is_multiple_of(3) {
                assert_eq!(v.set_remove(&m), model.remove(&i));
            } else {
                assert_eq!(v.set_add(&m), model.insert(i));
                width = width.max(width_of(i));
            }
            assert_eq!(v.tag, tag::SET_INTSET_PACKED);
            assert_eq!(v.set_len(), model.len());
            let got: Vec<i64> = (0..v.set_len()).map(|k| v.set_int_at(k).unwrap()).collect();
            assert_eq!(got, model.iter().copied().collect::<Vec<_>>());
            let exact = if model.is_empty() { 0 } else { 1 + width * model.len() };
            if !model.is_empty() {
                assert_eq!(v.heap_bytes(), exact, "width {width}, no spare capacity");
            } else {
                assert_eq!(v.heap_bytes(), 0);
                width = 2;
            }
            assert_eq!(v.set_contains(b"5"), model.contains(&5));
            assert!(!v.set_contains(b"05"));
        }
        assert_eq!(members(&v).len(), model.len());
        v.free();
    }

    #[test]
    fn packed_widths_cover_the_edges() {
        let mut v = Value::new_set();
        for i in [i64::MIN, i64::MAX, -1, 0, i16::MIN as i64, i16::MAX as i64, i32::MIN as i64, i32::MAX as i64] {
            assert!(v.set_add(i.to_string().as_bytes()));
            assert!(v.set_contains(i.to_string().as_bytes()));
        }
        let got: Vec<i64> = (0..v.set_len()).map(|k| v.set_int_at(k).unwrap()).collect();
        let mut want = got.clone();
        want.sort();
        assert_eq!(got, want);
        assert_eq!(v.heap_bytes(), 1 + 8 * 8);
        v.free();
    }

    /// A set of the layout-5..8 encoding is read in place and repacked by
    /// its first write.
    #[test]
    fn legacy_intset_is_read_then_repacked() {
        let p = alloc_one(SetIntset { ints: RVec::from_slice(&[-5, 3, 70000]) });
        let mut v = Value { tag: tag::SET_INTSET, lru: [4, 5, 6], len: 0, data: p as u64 };
        assert!(v.is_set() && v.set_is_intset());
        assert!(v.set_contains(b"70000") && !v.set_contains(b"4"));
        assert_eq!((v.set_len(), v.set_int_at(2)), (3, Some(70000)));
        assert!(v.set_add(b"4"));
        assert_eq!((v.tag, v.lru), (tag::SET_INTSET_PACKED, [4, 5, 6]));
        assert_eq!(v.heap_bytes(), 1 + 4 * 4, "repacked at i32 width");
        assert_eq!(members(&v), [b"-5".to_vec(), b"3".to_vec(), b"4".to_vec(), b"70000".to_vec()]);
        v.free();
        let p = alloc_one(SetIntset { ints: RVec::from_slice(&[1, 2]) });
        let mut v = Value { tag: tag::SET_INTSET, lru: [0; 3], len: 0, data: p as u64 };
        v.set_convert_to_table(5);
        assert!(v.set_contains(b"2") && !v.set_is_intset());
        v.free();
    }
}
