//! Hash values: Redis's two encodings as plain `#[repr(C)]` data.
//!
//! - Packed (tag [`tag::HASH_PACKED`]): small hashes as one block of
//!   `varint len, field bytes, varint len, value bytes` pairs, exactly
//!   `Value::len` bytes at `Value::data` (no header, no spare capacity,
//!   reallocated to fit at each write), searched linearly (Redis's
//!   listpack idea; a pair of short strings costs their bytes plus two).
//! - [`HashListpack`] (tag [`tag::HASH_LISTPACK`], layouts 4..8): the
//!   former compact encoding, `u32 len, bytes` items in a buffer behind a
//!   header. Only older versions write it; it is read in place and
//!   repacked into the packed encoding by the first write (so an UPGRADE
//!   visits no keys).
//! - [`FieldEntry`] in an [`RDict`] (tag [`tag::HASH_TABLE`]): one allocation
//!   per field holding the field and the value bytes, like [`KeyEntry`].
//!
//! Which encoding a hash should have is the logic's decision (its limits
//! are settings); this module only converts when told to, and never back.
//!
//! [`KeyEntry`]: crate::object::KeyEntry

use crate::dict::{DictEntry, RDict};
use crate::object::{alloc_one, drop_one, free_table, put_varlen, read_varlen, table_heap_bytes, tag, Value};
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

impl HashListpack {
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
}

/// The packed pairs of `buf`: each pair's start, field, value and end.
fn packed_pairs(buf: &[u8]) -> impl Iterator<Item = (usize, &[u8], &[u8], usize)> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        (pos < buf.len()).then(|| {
            let start = pos;
            let (f, vpos) = read_varlen(buf, pos);
            let (v, end) = read_varlen(buf, vpos);
            pos = end;
            (start, f, v, end)
        })
    })
}

fn put_item(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varlen(out, bytes.len());
    out.extend_from_slice(bytes);
}

impl Value {
    /// A new, empty hash in the packed encoding (it owns nothing yet).
    pub fn new_hash() -> Value {
        Value { tag: tag::HASH_PACKED, lru: [0; 3], len: 0, data: 0 }
    }

    #[inline]
    pub fn is_hash(&self) -> bool {
        matches!(self.tag, tag::HASH_PACKED | tag::HASH_LISTPACK | tag::HASH_TABLE)
    }

    /// True for the compact encodings (OBJECT ENCODING's `listpack`).
    #[inline]
    pub fn hash_is_listpack(&self) -> bool {
        matches!(self.tag, tag::HASH_PACKED | tag::HASH_LISTPACK)
    }

    fn lp(&self) -> &HashListpack {
        debug_assert_eq!(self.tag, tag::HASH_LISTPACK);
        // SAFETY: a listpack hash's `data` points at its live HashListpack.
        unsafe { &*(self.data as *const HashListpack) }
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
            tag::HASH_PACKED => packed_pairs(self.block()).count(),
            tag::HASH_LISTPACK => self.lp().count as usize,
            tag::HASH_TABLE => self.table().len(),
            _ => 0,
        }
    }

    /// The value of `field`.
    pub fn hash_get(&self, field: &[u8]) -> Option<&[u8]> {
        match self.tag {
            tag::HASH_PACKED => packed_pairs(self.block()).find(|p| p.1 == field).map(|p| p.2),
            tag::HASH_LISTPACK => self.lp().iter().find(|p| p.0 == field).map(|p| p.1),
            tag::HASH_TABLE => {
                let t = self.table();
                let e = t.peek(field, t.hash(field));
                // SAFETY: non-null entries of the table are live.
                (!e.is_null()).then(|| unsafe { (*e).value() })
            }
            _ => None,
        }
    }

    /// Rewrites a hash of the layout-4..8 compact encoding as a packed one
    /// (the first write to it after an UPGRADE); any other value stays.
    fn hash_repack(&mut self) {
        if self.tag != tag::HASH_LISTPACK {
            return;
        }
        let mut packed = Value::hash_packed(self.lp().iter());
        packed.lru = self.lru;
        self.free();
        *self = packed;
    }

    /// A hash in the packed encoding holding `pairs` in that order, built
    /// in one allocation (loading a file). The caller has checked what the
    /// packed encoding requires: distinct fields, within the compact limits.
    pub fn hash_packed<'a>(pairs: impl Iterator<Item = (&'a [u8], &'a [u8])>) -> Value {
        let mut bytes = Vec::new();
        for (f, v) in pairs {
            put_item(&mut bytes, f);
            put_item(&mut bytes, v);
        }
        let mut packed = Value::new_hash();
        packed.block_resize(bytes.len()).copy_from_slice(&bytes);
        packed
    }

    /// Sets `field` to `value`; true if the field is new. The caller decides
    /// the encoding beforehand ([`Value::hash_convert_to_table`]).
    pub fn hash_set(&mut self, field: &[u8], value: &[u8]) -> bool {
        self.hash_repack();
        match self.tag {
            tag::HASH_PACKED => {
                let mut enc = Vec::with_capacity(field.len() + value.len() + 8);
                put_item(&mut enc, field);
                put_item(&mut enc, value);
                // An existing pair is rewritten where it is (insertion
                // order kept, as Redis's listpack), a new one appended.
                let end = self.len as usize;
                let (start, stop) = packed_pairs(self.block()).find(|p| p.1 == field).map_or((end, end), |p| (p.0, p.3));
                self.block_splice(start, stop, &enc);
                start == end
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
        self.hash_repack();
        match self.tag {
            tag::HASH_PACKED => {
                let found = packed_pairs(self.block()).find(|p| p.1 == field).map(|p| (p.0, p.3));
                if let Some((start, end)) = found {
                    self.block_splice(start, end, &[]);
                }
                found.is_some()
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
    /// compact encodings, table order otherwise.
    pub fn hash_for_each<'a>(&'a self, mut f: impl FnMut(&'a [u8], &'a [u8])) {
        match self.tag {
            tag::HASH_PACKED => packed_pairs(self.block()).for_each(|p| f(p.1, p.2)),
            tag::HASH_LISTPACK => self.lp().iter().for_each(|(k, v)| f(k, v)),
            tag::HASH_TABLE => self.table().for_each(|e| f(e.key(), e.value())),
            _ => {}
        }
    }

    /// Moves a compact hash into a table seeded with `seed`; a table stays.
    pub fn hash_convert_to_table(&mut self, seed: u64) {
        if !self.hash_is_listpack() {
            return;
        }
        let mut d: RDict<FieldEntry> = RDict::new(seed);
        d.resize(self.hash_len() as u64);
        self.hash_for_each(|f, v| {
            // SAFETY: fields of a hash are distinct; fresh node.
            unsafe { d.insert_new(FieldEntry::alloc(f, v), d.hash(f)) };
        });
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

    /// Random sets and deletes on a packed hash match a std model at every
    /// step: same pairs in the same (insertion) order, exact size.
    #[test]
    fn packed_matches_a_model_under_random_ops() {
        let mut rng = 7u64;
        let mut v = Value::new_hash();
        let mut model: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        for step in 0..5000 {
            let r = crate::dict::next_random(&mut rng);
            let field = format!("f{}", r % 40).into_bytes();
            // Values up to 300 bytes cross the one-byte varint limit.
            let value = vec![b'a' + (step % 26) as u8; (r >> 8) as usize % 300];
            if r.is_multiple_of(3) {
                let pos = model.iter().position(|p| p.0 == field);
                assert_eq!(v.hash_del(&field), pos.is_some());
                if let Some(pos) = pos {
                    model.remove(pos);
                }
            } else {
                let pos = model.iter().position(|p| p.0 == field);
                assert_eq!(v.hash_set(&field, &value), pos.is_none());
                match pos {
                    Some(pos) => model[pos].1 = value,
                    None => model.push((field, value)),
                }
            }
            assert_eq!(v.tag, tag::HASH_PACKED);
            assert_eq!(v.hash_len(), model.len());
            let mut got = Vec::new();
            v.hash_for_each(|f, x| got.push((f.to_vec(), x.to_vec())));
            assert_eq!(got, model);
            let exact: usize = model.iter().map(|(f, x)| f.len() + x.len() + if x.len() < 0x80 { 2 } else { 5 }).sum();
            assert_eq!(v.heap_bytes(), exact, "no spare capacity");
            assert_eq!(v.hash_get(b"f3"), model.iter().find(|p| p.0 == b"f3").map(|p| &p.1[..]));
        }
        v.free();
    }

    /// A hash of the layout-4..8 encoding is read in place and repacked by
    /// its first write.
    #[test]
    fn legacy_listpack_is_read_then_repacked() {
        let mut buf = RVec::new();
        for item in [&b"a"[..], b"1", b"bb", b"22"] {
            buf.extend_from_slice(&(item.len() as u32).to_le_bytes());
            buf.extend_from_slice(item);
        }
        let p = alloc_one(HashListpack { buf, count: 2 });
        let mut v = Value { tag: tag::HASH_LISTPACK, lru: [1, 2, 3], len: 0, data: p as u64 };
        assert!(v.is_hash() && v.hash_is_listpack());
        assert_eq!((v.hash_len(), v.hash_get(b"bb")), (2, Some(&b"22"[..])));
        assert_eq!(pairs(&v), vec![(b"a".to_vec(), b"1".to_vec()), (b"bb".to_vec(), b"22".to_vec())]);
        assert!(v.hash_set(b"c", b"3"));
        assert_eq!((v.tag, v.lru), (tag::HASH_PACKED, [1, 2, 3]));
        assert_eq!(pairs(&v).len(), 3);
        assert_eq!(v.hash_get(b"a"), Some(&b"1"[..]));
        v.free();
        // A legacy hash converts to a table directly too.
        let p = alloc_one(HashListpack { buf: RVec::from_slice(&[1, 0, 0, 0, b'x', 1, 0, 0, 0, b'y']), count: 1 });
        let mut v = Value { tag: tag::HASH_LISTPACK, lru: [0; 3], len: 0, data: p as u64 };
        v.hash_convert_to_table(3);
        assert_eq!(v.hash_get(b"x"), Some(&b"y"[..]));
        v.free();
    }
}
