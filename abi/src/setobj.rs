//! Set values: Redis 7.0's two encodings as plain `#[repr(C)]` data.
//!
//! - [`SetIntset`] (tag [`tag::SET_INTSET`]): sets whose members are all
//!   canonical decimal integers, as a sorted array of `i64` (Redis's intset;
//!   Redis 7.0 has no listpack for sets).
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

impl Value {
    /// A new, empty set in the integer encoding.
    pub fn new_set() -> Value {
        let p = alloc_one(SetIntset { ints: RVec::new() });
        Value { tag: tag::SET_INTSET, lru: [0; 3], len: 0, data: p as u64 }
    }

    #[inline]
    pub fn is_set(&self) -> bool {
        matches!(self.tag, tag::SET_INTSET | tag::SET_TABLE)
    }

    #[inline]
    pub fn set_is_intset(&self) -> bool {
        self.tag == tag::SET_INTSET
    }

    fn intset(&self) -> &SetIntset {
        debug_assert_eq!(self.tag, tag::SET_INTSET);
        // SAFETY: an intset's `data` points at its live SetIntset.
        unsafe { &*(self.data as *const SetIntset) }
    }

    fn intset_mut(&mut self) -> &mut SetIntset {
        debug_assert_eq!(self.tag, tag::SET_INTSET);
        // SAFETY: as `intset`, exclusive through `&mut self`.
        unsafe { &mut *(self.data as *mut SetIntset) }
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

    /// The sorted integers of an intset (for SSCAN and random picks).
    pub fn set_ints(&self) -> Option<&[i64]> {
        (self.tag == tag::SET_INTSET).then(|| self.intset().ints.as_slice())
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
            tag::SET_INTSET => self.intset().ints.len(),
            tag::SET_TABLE => self.members().len(),
            _ => 0,
        }
    }

    pub fn set_contains(&self, member: &[u8]) -> bool {
        match self.tag {
            tag::SET_INTSET => canonical_i64(member).is_some_and(|i| self.intset().ints.binary_search(&i).is_ok()),
            tag::SET_TABLE => {
                let t = self.members();
                !t.peek(member, t.hash(member)).is_null()
            }
            _ => false,
        }
    }

    /// Adds `member`; true if it is new. An intset must be converted
    /// beforehand if `member` is not a canonical integer
    /// ([`Value::set_convert_to_table`]).
    pub fn set_add(&mut self, member: &[u8]) -> bool {
        match self.tag {
            tag::SET_INTSET => {
                let i = canonical_i64(member).expect("set_add: a non-integer member into an intset");
                let ints = &mut self.intset_mut().ints;
                match ints.binary_search(&i) {
                    Ok(_) => false,
                    Err(pos) => {
                        ints.insert(pos, i);
                        true
                    }
                }
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
        match self.tag {
            tag::SET_INTSET => {
                let Some(i) = canonical_i64(member) else { return false };
                let ints = &mut self.intset_mut().ints;
                match ints.binary_search(&i) {
                    Ok(pos) => {
                        ints.remove(pos);
                        true
                    }
                    Err(_) => false,
                }
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
            tag::SET_INTSET => self.intset().ints.iter().for_each(|&i| f(Member::Int(i))),
            tag::SET_TABLE => self.members().for_each(|e| f(Member::Bytes(e.key()))),
            _ => {}
        }
    }

    /// Moves an intset into a table seeded with `seed`; a table stays.
    pub fn set_convert_to_table(&mut self, seed: u64) {
        if self.tag != tag::SET_INTSET {
            return;
        }
        let mut d: RDict<MemberEntry> = RDict::new(seed);
        d.resize(self.intset().ints.len() as u64);
        let mut buf = [0u8; 20];
        for &i in self.intset().ints.iter() {
            let m = format_i64(i, &mut buf);
            // SAFETY: members of a set are distinct; fresh node.
            unsafe { d.insert_new(MemberEntry::alloc(m), d.hash(m)) };
        }
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
        assert_eq!(v.set_ints().unwrap().windows(2).filter(|w| w[0] >= w[1]).count(), 0);
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
}
