//! Hash values: Redis's two encodings as plain `#[repr(C)]` data.
//!
//! - [`HashListpack`] (tag [`tag::HASH_LISTPACK`]): small hashes, one
//!   contiguous buffer of `u32 len, field bytes, u32 len, value bytes`
//!   entries, searched linearly (Redis's listpack idea).
//! - [`FieldEntry`] in an [`RDict`] (tag [`tag::HASH_TABLE`]): one allocation
//!   per field holding the field and the value bytes, like [`KeyEntry`].
//!
//! Which encoding a hash should have is the logic's decision (its limits
//! are settings); this module only converts when told to, and never back.
//!
//! [`KeyEntry`]: crate::object::KeyEntry

use crate::dict::{DictEntry, RDict};
use crate::object::{alloc_one, drop_one, free_table, table_heap_bytes, tag, Value};
use crate::vec::RVec;
use std::alloc::{self, Layout};
use std::ptr;

/// A small hash: `count` pairs encoded back to back in `buf`.
#[repr(C)]
pub struct HashListpack {
    pub buf: RVec<u8>,
    pub count: u64,
}

/// A field of a table-encoded hash: header, then `field_len` field bytes,
/// then `value_len` value bytes, in one allocation.
#[repr(C)]
pub struct FieldEntry {
    pub next: *mut FieldEntry,
    pub field_len: u32,
    pub value_len: u32,
}

impl FieldEntry {
    fn layout(field_len: usize, value_len: usize) -> Layout {
        Layout::from_size_align(std::mem::size_of::<FieldEntry>() + field_len + value_len, 8).expect("field too large")
    }

    pub fn alloc(field: &[u8], value: &[u8]) -> *mut FieldEntry {
        let layout = Self::layout(field.len(), value.len());
        // SAFETY: non-zero layout; header and bytes written before use.
        unsafe {
            let p = alloc::alloc(layout) as *mut FieldEntry;
            if p.is_null() {
                alloc::handle_alloc_error(layout);
            }
            p.write(FieldEntry { next: ptr::null_mut(), field_len: field.len() as u32, value_len: value.len() as u32 });
            let d = (p as *mut u8).add(std::mem::size_of::<FieldEntry>());
            ptr::copy_nonoverlapping(field.as_ptr(), d, field.len());
            ptr::copy_nonoverlapping(value.as_ptr(), d.add(field.len()), value.len());
            p
        }
    }

    /// # Safety
    /// `p` came from [`FieldEntry::alloc`] and is in no table.
    pub unsafe fn free(p: *mut FieldEntry) {
        alloc::dealloc(p as *mut u8, Self::layout((*p).field_len as usize, (*p).value_len as usize));
    }

    pub fn value(&self) -> &[u8] {
        // SAFETY: the value bytes follow the field bytes in the same allocation.
        unsafe {
            std::slice::from_raw_parts(
                (self as *const FieldEntry as *const u8).add(std::mem::size_of::<FieldEntry>() + self.field_len as usize),
                self.value_len as usize,
            )
        }
    }

    pub fn heap_bytes(&self) -> usize {
        std::mem::size_of::<FieldEntry>() + self.field_len as usize + self.value_len as usize
    }
}

crate::dict_entry_with_trailing_key!(FieldEntry, field_len);

/// Reads `u32 len, bytes` at `pos`; returns the bytes and the next position.
fn lp_read(buf: &[u8], pos: usize) -> (&[u8], usize) {
    let n = u32::from_le_bytes(buf[pos..pos + 4].try_into().unwrap()) as usize;
    (&buf[pos + 4..pos + 4 + n], pos + 4 + n)
}

fn lp_push(buf: &mut RVec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    buf.extend_from_slice(bytes);
}

impl HashListpack {
    /// Where the pair of `field` is: its start, its value's start, its end.
    fn find(&self, field: &[u8]) -> Option<(usize, usize, usize)> {
        let buf = self.buf.as_slice();
        let mut pos = 0;
        while pos < buf.len() {
            let (f, vpos) = lp_read(buf, pos);
            let (_, end) = lp_read(buf, vpos);
            if f == field {
                return Some((pos, vpos, end));
            }
            pos = end;
        }
        None
    }

    fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let buf = self.buf.as_slice();
        let mut pos = 0;
        std::iter::from_fn(move || {
            if pos >= buf.len() {
                return None;
            }
            let (f, vpos) = lp_read(buf, pos);
            let (v, end) = lp_read(buf, vpos);
            pos = end;
            Some((f, v))
        })
    }

    /// Replaces the bytes `start..end` with `with`.
    fn splice(&mut self, start: usize, end: usize, with: &[u8]) {
        let old = self.buf.as_slice();
        let mut tail = Vec::with_capacity(with.len() + old.len() - end);
        tail.extend_from_slice(with);
        tail.extend_from_slice(&old[end..]);
        self.buf.truncate(start);
        self.buf.extend_from_slice(&tail);
        self.fit();
    }

    /// Gives back the buffer's spare capacity. A compact hash exists to
    /// save memory, and most are written a few times and read many: an
    /// exact fit (a realloc per write, as Redis's listpack does) instead of
    /// the up-to-half-empty buffer that doubling leaves.
    fn fit(&mut self) {
        self.buf.shrink_to(0);
    }
}

impl Value {
    /// A new, empty hash in the compact encoding.
    pub fn new_hash() -> Value {
        let p = alloc_one(HashListpack { buf: RVec::new(), count: 0 });
        Value { tag: tag::HASH_LISTPACK, lru: [0; 3], len: 0, data: p as u64 }
    }

    #[inline]
    pub fn is_hash(&self) -> bool {
        matches!(self.tag, tag::HASH_LISTPACK | tag::HASH_TABLE)
    }

    #[inline]
    pub fn hash_is_listpack(&self) -> bool {
        self.tag == tag::HASH_LISTPACK
    }

    fn lp(&self) -> &HashListpack {
        debug_assert_eq!(self.tag, tag::HASH_LISTPACK);
        // SAFETY: a listpack hash's `data` points at its live HashListpack.
        unsafe { &*(self.data as *const HashListpack) }
    }

    fn lp_mut(&mut self) -> &mut HashListpack {
        debug_assert_eq!(self.tag, tag::HASH_LISTPACK);
        // SAFETY: as `lp`, and `&mut self` makes it exclusive.
        unsafe { &mut *(self.data as *mut HashListpack) }
    }

    fn table(&self) -> &RDict<FieldEntry> {
        debug_assert_eq!(self.tag, tag::HASH_TABLE);
        // SAFETY: a table hash's `data` points at its live RDict.
        unsafe { &*(self.data as *const RDict<FieldEntry>) }
    }

    fn table_mut(&mut self) -> &mut RDict<FieldEntry> {
        debug_assert_eq!(self.tag, tag::HASH_TABLE);
        // SAFETY: as `table`, exclusive through `&mut self`.
        unsafe { &mut *(self.data as *mut RDict<FieldEntry>) }
    }

    /// The table of a table-encoded hash (for SCAN and random picks).
    pub fn hash_table(&self) -> Option<&RDict<FieldEntry>> {
        (self.tag == tag::HASH_TABLE).then(|| self.table())
    }

    pub fn hash_table_mut(&mut self) -> Option<&mut RDict<FieldEntry>> {
        (self.tag == tag::HASH_TABLE).then(|| self.table_mut())
    }

    /// Number of fields.
    pub fn hash_len(&self) -> usize {
        match self.tag {
            tag::HASH_LISTPACK => self.lp().count as usize,
            tag::HASH_TABLE => self.table().len(),
            _ => 0,
        }
    }

    /// The value of `field`.
    pub fn hash_get(&self, field: &[u8]) -> Option<&[u8]> {
        match self.tag {
            tag::HASH_LISTPACK => {
                let lp = self.lp();
                let (_, vpos, _) = lp.find(field)?;
                Some(lp_read(lp.buf.as_slice(), vpos).0)
            }
            tag::HASH_TABLE => {
                let t = self.table();
                let e = t.peek(field, t.hash(field));
                // SAFETY: non-null entries of the table are live.
                (!e.is_null()).then(|| unsafe { (*e).value() })
            }
            _ => None,
        }
    }

    /// Sets `field` to `value`; true if the field is new. The caller decides
    /// the encoding beforehand ([`Value::hash_convert_to_table`]).
    pub fn hash_set(&mut self, field: &[u8], value: &[u8]) -> bool {
        match self.tag {
            tag::HASH_LISTPACK => {
                let lp = self.lp_mut();
                match lp.find(field) {
                    Some((_, vpos, end)) => {
                        let mut enc = Vec::with_capacity(4 + value.len());
                        enc.extend_from_slice(&(value.len() as u32).to_le_bytes());
                        enc.extend_from_slice(value);
                        lp.splice(vpos, end, &enc);
                        false
                    }
                    None => {
                        lp.buf.reserve(8 + field.len() + value.len());
                        lp_push(&mut lp.buf, field);
                        lp_push(&mut lp.buf, value);
                        lp.count += 1;
                        lp.fit();
                        true
                    }
                }
            }
            tag::HASH_TABLE => {
                let t = self.table_mut();
                let h = t.hash(field);
                let old = t.remove(field, h);
                let new = old.is_null();
                if !new {
                    // SAFETY: removed from the table, ours to free.
                    unsafe { FieldEntry::free(old) };
                }
                // SAFETY: a fresh node whose field is no longer in the table.
                unsafe { t.insert_new(FieldEntry::alloc(field, value), h) };
                new
            }
            _ => panic!("hash_set on a value that is not a hash"),
        }
    }

    /// Removes `field`; true if it was there.
    pub fn hash_del(&mut self, field: &[u8]) -> bool {
        match self.tag {
            tag::HASH_LISTPACK => {
                let lp = self.lp_mut();
                match lp.find(field) {
                    Some((start, _, end)) => {
                        lp.splice(start, end, &[]);
                        lp.count -= 1;
                        true
                    }
                    None => false,
                }
            }
            tag::HASH_TABLE => {
                let t = self.table_mut();
                let e = t.remove(field, t.hash(field));
                if e.is_null() {
                    return false;
                }
                // SAFETY: removed from the table, ours to free.
                unsafe { FieldEntry::free(e) };
                if t.needs_shrink() {
                    t.resize(t.len() as u64);
                }
                true
            }
            _ => false,
        }
    }

    /// Calls `f(field, value)` for every pair: insertion order for the
    /// compact encoding, table order otherwise.
    pub fn hash_for_each<'a>(&'a self, mut f: impl FnMut(&'a [u8], &'a [u8])) {
        match self.tag {
            tag::HASH_LISTPACK => self.lp().iter().for_each(|(k, v)| f(k, v)),
            tag::HASH_TABLE => self.table().for_each(|e| f(e.key(), e.value())),
            _ => {}
        }
    }

    /// Moves a compact hash into a table seeded with `seed`; a table stays.
    pub fn hash_convert_to_table(&mut self, seed: u64) {
        if self.tag != tag::HASH_LISTPACK {
            return;
        }
        let mut d: RDict<FieldEntry> = RDict::new(seed);
        d.resize(self.lp().count);
        for (f, v) in self.lp().iter() {
            // SAFETY: fields of a hash are distinct; fresh node.
            unsafe { d.insert_new(FieldEntry::alloc(f, v), d.hash(f)) };
        }
        let t = alloc_one(d);
        self.free();
        self.tag = tag::HASH_TABLE;
        self.data = t as u64;
    }

    pub(crate) fn hash_heap_bytes(&self) -> usize {
        match self.tag {
            tag::HASH_LISTPACK => std::mem::size_of::<HashListpack>() + self.lp().buf.heap_bytes(),
            tag::HASH_TABLE => table_heap_bytes(self.table(), FieldEntry::heap_bytes),
            _ => 0,
        }
    }

    pub(crate) fn hash_free(&mut self) {
        match self.tag {
            // SAFETY: the value owns its HashListpack; dropped once.
            tag::HASH_LISTPACK => unsafe { drop_one(self.data as *mut HashListpack) },
            // SAFETY: the value owns its table and every node in it.
            tag::HASH_TABLE => unsafe { free_table(self.data as *mut RDict<FieldEntry>, |e| FieldEntry::free(e)) },
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &Value) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::new();
        v.hash_for_each(|f, x| out.push((f.to_vec(), x.to_vec())));
        out.sort();
        out
    }

    #[test]
    fn both_encodings_hold_the_same_pairs() {
        let mut v = Value::new_hash();
        assert!(v.is_hash() && !v.is_string() && v.hash_is_listpack());
        for i in 0..50 {
            assert!(v.hash_set(format!("f{i}").as_bytes(), format!("v{i}").as_bytes()));
        }
        assert!(!v.hash_set(b"f3", b"a longer value than before"));
        assert!(v.hash_del(b"f7"));
        assert!(!v.hash_del(b"f7"));
        let before = pairs(&v);
        assert_eq!(v.hash_len(), 49);
        v.hash_convert_to_table(42);
        assert!(!v.hash_is_listpack() && v.is_hash());
        assert_eq!(pairs(&v), before);
        assert_eq!(v.hash_get(b"f3"), Some(&b"a longer value than before"[..]));
        assert!(!v.hash_set(b"f3", b"x"));
        assert_eq!(v.hash_get(b"f3"), Some(&b"x"[..]));
        assert!(v.heap_bytes() > 49 * 16);
        for i in 0..50 {
            v.hash_del(format!("f{i}").as_bytes());
        }
        assert_eq!(v.hash_len(), 0);
        v.free();
        assert!(v.is_string());
    }
}
