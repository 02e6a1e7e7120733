//! Values of the keyspace and the node that holds a key: plain `#[repr(C)]`
//! data, readable and freeable by any logic version of the same layout.
//!
//! A key and its metadata are one allocation ([`KeyEntry`] followed by the
//! key bytes), and a short string value lives inside the 16-byte [`Value`]:
//! for the typical small key this is one allocation per key, against Redis's
//! three (dictEntry, key sds, value robj). That is most of the per-key memory
//! difference the memory benchmark measures.

use crate::dict::{DictEntry, RDict};
use std::alloc::{self, Layout};
use std::ptr;

/// Type-and-encoding tags of a [`Value`]. Constants, not a Rust enum: a tag a
/// newer version writes must never be undefined behaviour for an older reader.
pub mod tag {
    /// String of at most [`super::INLINE_CAP`] bytes stored in `Value::data`.
    pub const STR_INLINE: u8 = 1;
    /// String that is the canonical decimal form of an i64 in `Value::data`.
    pub const STR_INT: u8 = 2;
    /// String on the heap: `Value::data` points at a [`super::HeapStr`].
    pub const STR_HEAP: u8 = 3;
    /// Hash in layout 4..8's compact encoding: `Value::data` points at a
    /// [`crate::hashobj::HashListpack`]. Written by older versions only
    /// (layout 10 writes [`HASH_PACKED`]); read in place, converted on the
    /// first write.
    pub const HASH_LISTPACK: u8 = 4;
    /// Hash in the table encoding: `Value::data` points at an
    /// `RDict<`[`crate::hashobj::FieldEntry`]`>`.
    pub const HASH_TABLE: u8 = 5;
    /// Set of integers in layout 5..8's encoding: `Value::data` points at
    /// a [`crate::setobj::SetIntset`]. Written by older versions only
    /// (layout 10 writes [`SET_INTSET_PACKED`]); read in place, converted on
    /// the first write.
    pub const SET_INTSET: u8 = 6;
    /// Set in the table encoding: `Value::data` points at an
    /// `RDict<`[`crate::setobj::MemberEntry`]`>`.
    pub const SET_TABLE: u8 = 7;
    /// List: `Value::data` points at a [`crate::listobj::ListRing`].
    pub const LIST_RING: u8 = 8;
    /// Small sorted set: `Value::data` points at a
    /// [`crate::zsetobj::ZsetListpack`].
    pub const ZSET_LISTPACK: u8 = 9;
    /// Sorted set as a skiplist and member table: `Value::data` points at
    /// a [`crate::zsetobj::ZsetSkiplist`].
    pub const ZSET_SKIPLIST: u8 = 10;
    /// Small hash (layout 10): `Value::data` points at one block of exactly
    /// `Value::len` bytes of `varint len, field, varint len, value` pairs
    /// (null when empty).
    pub const HASH_PACKED: u8 = 11;
    /// Set of integers (layout 10): `Value::data` points at one block of
    /// exactly `Value::len` bytes: a width byte (2, 4 or 8), then the
    /// members, sorted, distinct, each that many little-endian bytes (null
    /// when empty).
    pub const SET_INTSET_PACKED: u8 = 12;
}

/// Longest string kept inline in a [`Value`].
pub const INLINE_CAP: usize = 8;

/// A value: 16 bytes, with a 24-bit access clock like Redis's `robj.lru`.
#[repr(C)]
pub struct Value {
    pub tag: u8,
    /// Seconds-resolution access clock (24 bits, wraps like Redis's LRU clock).
    pub lru: [u8; 3],
    /// Byte length for `STR_INLINE` and `STR_HEAP`.
    pub len: u32,
    /// Inline bytes, an i64, or a pointer, depending on `tag`.
    pub data: u64,
}

/// Exactly sized blocks: the compact encodings (`ZSET_LISTPACK`,
/// `HASH_PACKED`, `SET_INTSET_PACKED`) keep `Value::len` bytes at
/// `Value::data` with no header and no spare capacity (null when 0).
impl Value {
    /// The block's bytes.
    pub(crate) fn block(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: a non-empty block's `data` points at the `len` bytes it
        // owns (the callers only use this for the block encodings).
        unsafe { std::slice::from_raw_parts(self.data as *const u8, self.len as usize) }
    }

    /// Resizes the block to exactly `new_len` bytes (keeping its first
    /// bytes, as `realloc`) and returns it; 0 frees it.
    pub(crate) fn block_resize(&mut self, new_len: usize) -> &mut [u8] {
        let old = self.len as usize;
        let new_len32 = u32::try_from(new_len).expect("block over 4 GiB");
        let p = self.data as *mut u8;
        let layout = |n| Layout::from_size_align(n, 1).expect("block size");
        // SAFETY: `p` holds `old` bytes allocated with `layout(old)` when
        // `old` is not 0; sizes passed to the allocator are not 0.
        let q = unsafe {
            match (old, new_len) {
                (_, n) if n == old => p,
                (0, n) => alloc::alloc(layout(n)),
                (o, 0) => {
                    alloc::dealloc(p, layout(o));
                    ptr::null_mut()
                }
                (o, n) => alloc::realloc(p, layout(o), n),
            }
        };
        if q.is_null() && new_len != 0 {
            alloc::handle_alloc_error(layout(new_len));
        }
        self.data = q as u64;
        self.len = new_len32;
        if new_len == 0 {
            return &mut [];
        }
        // SAFETY: `q` holds `new_len` bytes this value owns (new ones are
        // written by the caller before they are read).
        unsafe { std::slice::from_raw_parts_mut(q, new_len) }
    }

    /// Replaces the block's bytes `start..end` with `with`, one realloc.
    pub(crate) fn block_splice(&mut self, start: usize, end: usize, with: &[u8]) {
        let old = self.len as usize;
        let new_len = old - (end - start) + with.len();
        if new_len < old {
            self.block_resize(old).copy_within(end..old, start + with.len());
        }
        let buf = self.block_resize(new_len);
        if new_len > old {
            buf.copy_within(end..old, start + with.len());
        }
        buf[start..start + with.len()].copy_from_slice(with);
    }
}

/// Appends a length as the compact encodings write it: one byte below
/// 0x80, else four big-endian bytes with the top bit set.
pub(crate) fn put_varlen(out: &mut Vec<u8>, n: usize) {
    if n < 0x80 {
        out.push(n as u8);
    } else {
        out.extend_from_slice(&(n as u32 | 0x8000_0000).to_be_bytes());
    }
}

/// Reads `varint len, bytes` at `at`: the bytes and where the next item
/// starts.
pub(crate) fn read_varlen(buf: &[u8], at: usize) -> (&[u8], usize) {
    let (len, p) = if buf[at] < 0x80 {
        (buf[at] as usize, at + 1)
    } else {
        ((u32::from_be_bytes(buf[at..at + 4].try_into().unwrap()) & 0x7fff_ffff) as usize, at + 4)
    };
    (&buf[p..p + len], p + len)
}

/// Heap string storage: capacity header followed by the bytes.
#[repr(C)]
pub struct HeapStr {
    pub cap: u64,
}

impl HeapStr {
    fn layout(cap: usize) -> Layout {
        Layout::from_size_align(std::mem::size_of::<HeapStr>() + cap, 8).expect("string too large")
    }

    /// Allocates room for `cap` bytes and copies `bytes` in.
    fn alloc(bytes: &[u8], cap: usize) -> *mut HeapStr {
        let layout = Self::layout(cap);
        // SAFETY: non-zero layout; header written before use.
        unsafe {
            let p = alloc::alloc(layout) as *mut HeapStr;
            if p.is_null() {
                alloc::handle_alloc_error(layout);
            }
            (*p).cap = cap as u64;
            ptr::copy_nonoverlapping(bytes.as_ptr(), Self::data(p), bytes.len());
            p
        }
    }

    #[inline]
    fn data(p: *mut HeapStr) -> *mut u8 {
        // SAFETY: the bytes start right after the header in the same allocation.
        unsafe { (p as *mut u8).add(std::mem::size_of::<HeapStr>()) }
    }

    fn free(p: *mut HeapStr) {
        // SAFETY: `p` came from `alloc` with its recorded capacity.
        unsafe { alloc::dealloc(p as *mut u8, Self::layout((*p).cap as usize)) }
    }
}

/// Moves `v` into an allocation of its own (what a collection value's
/// `data` points at).
pub(crate) fn alloc_one<T>(v: T) -> *mut T {
    let layout = Layout::new::<T>();
    // SAFETY: non-zero layout, written before use.
    unsafe {
        let p = alloc::alloc(layout) as *mut T;
        if p.is_null() {
            alloc::handle_alloc_error(layout);
        }
        p.write(v);
        p
    }
}

/// Drops and frees what [`alloc_one`] made.
///
/// # Safety
/// `p` came from [`alloc_one`] and is not used again.
pub(crate) unsafe fn drop_one<T>(p: *mut T) {
    ptr::drop_in_place(p);
    alloc::dealloc(p as *mut u8, Layout::new::<T>());
}

/// Heap bytes of a table a value owns: the table, its buckets, its nodes.
pub(crate) fn table_heap_bytes<E: DictEntry>(t: &RDict<E>, node_bytes: impl Fn(&E) -> usize) -> usize {
    let mut n = std::mem::size_of::<RDict<E>>() + t.bucket_bytes();
    t.for_each(|e| n += node_bytes(e));
    n
}

/// Frees a table a value owns (made by [`alloc_one`]) and every node in it.
///
/// # Safety
/// `p` came from [`alloc_one`], owns its nodes, and is not used again;
/// `free_node` frees one node.
pub(crate) unsafe fn free_table<E: DictEntry>(p: *mut RDict<E>, free_node: impl FnMut(*mut E)) {
    (*p).clear(free_node);
    alloc::dealloc(p as *mut u8, Layout::new::<RDict<E>>());
}

/// Parses `s` as an i64 only when `s` is exactly the canonical decimal form
/// (no sign on zero, no leading zeros or '+', no spaces), so that storing the
/// number instead of the bytes never changes what GET returns.
pub fn canonical_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    let (neg, digits) = if s[0] == b'-' { (true, &s[1..]) } else { (false, s) };
    if digits.is_empty() || (digits[0] == b'0' && (digits.len() > 1 || neg)) {
        return None;
    }
    let mut v: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        let d = (c - b'0') as i64;
        v = if neg { v.checked_mul(10)?.checked_sub(d)? } else { v.checked_mul(10)?.checked_add(d)? };
    }
    Some(v)
}

/// Formats `v` in decimal into `buf`, returning the used tail of the buffer.
pub fn format_i64(v: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut n = v.unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

impl Value {
    /// A string value, in the most compact encoding that returns the same bytes.
    pub fn string(bytes: &[u8]) -> Value {
        if let Some(i) = canonical_i64(bytes) {
            return Value::int(i);
        }
        Value::raw_string(bytes, bytes.len())
    }

    /// A string value that is never int-encoded, with room for `cap` bytes
    /// when it must live on the heap (APPEND and SETRANGE grow in place).
    pub fn raw_string(bytes: &[u8], cap: usize) -> Value {
        if bytes.len() <= INLINE_CAP && cap <= INLINE_CAP {
            let mut data = [0u8; 8];
            data[..bytes.len()].copy_from_slice(bytes);
            Value { tag: tag::STR_INLINE, lru: [0; 3], len: bytes.len() as u32, data: u64::from_ne_bytes(data) }
        } else {
            let p = HeapStr::alloc(bytes, cap.max(bytes.len()));
            Value { tag: tag::STR_HEAP, lru: [0; 3], len: bytes.len() as u32, data: p as u64 }
        }
    }

    pub fn int(i: i64) -> Value {
        Value { tag: tag::STR_INT, lru: [0; 3], len: 0, data: i as u64 }
    }

    #[inline]
    pub fn is_string(&self) -> bool {
        matches!(self.tag, tag::STR_INLINE | tag::STR_INT | tag::STR_HEAP)
    }

    /// The integer of an int-encoded string.
    #[inline]
    pub fn as_int(&self) -> Option<i64> {
        (self.tag == tag::STR_INT).then_some(self.data as i64)
    }

    /// The bytes of a string value; `buf` holds the digits of an int encoding.
    pub fn str_bytes<'a>(&'a self, buf: &'a mut [u8; 20]) -> &'a [u8] {
        match self.tag {
            tag::STR_INLINE => {
                // SAFETY: `data` is 8 inline bytes of which `len` are the string.
                let p = &self.data as *const u64 as *const u8;
                unsafe { std::slice::from_raw_parts(p, self.len as usize) }
            }
            tag::STR_INT => format_i64(self.data as i64, buf),
            tag::STR_HEAP => {
                // SAFETY: `data` points at a live HeapStr of at least `len` bytes.
                unsafe { std::slice::from_raw_parts(HeapStr::data(self.data as *mut HeapStr), self.len as usize) }
            }
            _ => &[],
        }
    }

    /// Length in bytes of a string value.
    pub fn str_len(&self) -> usize {
        match self.tag {
            tag::STR_INT => format_i64(self.data as i64, &mut [0; 20]).len(),
            _ => self.len as usize,
        }
    }

    /// Turns a string into a heap string with room for `cap` bytes and returns
    /// its whole buffer (length `cap`; the first `len` bytes are the string).
    /// Used by the in-place editors APPEND and SETRANGE.
    pub fn make_mut_string(&mut self, cap: usize) -> &mut [u8] {
        let cur_cap = if self.tag == tag::STR_HEAP {
            // SAFETY: heap strings carry their capacity.
            unsafe { (*(self.data as *mut HeapStr)).cap as usize }
        } else {
            0
        };
        if self.tag != tag::STR_HEAP || cur_cap < cap {
            let mut buf = [0u8; 20];
            let old = self.str_bytes(&mut buf);
            let new_cap = if self.tag == tag::STR_HEAP { cap.max(cur_cap * 2) } else { cap };
            let p = HeapStr::alloc(old, new_cap.max(old.len()));
            let len = old.len() as u32;
            self.free();
            self.tag = tag::STR_HEAP;
            self.len = len;
            self.data = p as u64;
        }
        let p = self.data as *mut HeapStr;
        // SAFETY: a heap string of capacity >= cap; bytes past `len` are
        // uninitialised memory of u8 (any pattern valid) that callers overwrite.
        unsafe { std::slice::from_raw_parts_mut(HeapStr::data(p), (*p).cap as usize) }
    }

    /// Sets the length of a heap string after an in-place edit.
    pub fn set_heap_len(&mut self, len: usize) {
        debug_assert_eq!(self.tag, tag::STR_HEAP);
        self.len = len as u32;
    }

    /// Bytes this value holds outside its 16 bytes.
    pub fn heap_bytes(&self) -> usize {
        match self.tag {
            // SAFETY: heap strings carry their capacity.
            tag::STR_HEAP => std::mem::size_of::<HeapStr>() + unsafe { (*(self.data as *mut HeapStr)).cap as usize },
            tag::SET_INTSET | tag::SET_TABLE => self.set_heap_bytes(),
            tag::HASH_PACKED | tag::SET_INTSET_PACKED => self.len as usize,
            tag::LIST_RING => self.list_heap_bytes(),
            tag::ZSET_LISTPACK | tag::ZSET_SKIPLIST => self.zset_heap_bytes(),
            _ => self.hash_heap_bytes(),
        }
    }

    /// Releases what the value owns and leaves it an empty inline string.
    pub fn free(&mut self) {
        if self.tag == tag::STR_HEAP {
            HeapStr::free(self.data as *mut HeapStr);
        }
        if matches!(self.tag, tag::HASH_PACKED | tag::SET_INTSET_PACKED) {
            self.block_resize(0);
        }
        self.hash_free();
        self.set_free();
        self.list_free();
        self.zset_free();
        self.tag = tag::STR_INLINE;
        self.len = 0;
        self.data = 0;
    }

    /// Moves the value out, leaving an empty string behind.
    pub fn take(&mut self) -> Value {
        std::mem::replace(self, Value { tag: tag::STR_INLINE, lru: self.lru, len: 0, data: 0 })
    }

    pub fn lru(&self) -> u32 {
        u32::from_le_bytes([self.lru[0], self.lru[1], self.lru[2], 0])
    }

    pub fn set_lru(&mut self, clock: u32) {
        let b = clock.to_le_bytes();
        self.lru = [b[0], b[1], b[2]];
    }
}

/// "No expiry" in [`KeyEntry::expire_ms`].
pub const NO_EXPIRE: i64 = -1;
/// "Not in the expiry index" in [`KeyEntry::vidx`].
pub const NO_VIDX: u32 = u32::MAX;

/// A key of the keyspace, its value and expiry: one allocation, key bytes
/// following the header.
#[repr(C)]
pub struct KeyEntry {
    pub next: *mut KeyEntry,
    /// Absolute expiry in unix milliseconds, or [`NO_EXPIRE`].
    pub expire_ms: i64,
    pub value: Value,
    pub key_len: u32,
    /// Position in the database's expiry index (`Db::volatile`), or [`NO_VIDX`].
    pub vidx: u32,
}

impl KeyEntry {
    fn layout(key_len: usize) -> Layout {
        Layout::from_size_align(std::mem::size_of::<KeyEntry>() + key_len, 8).expect("key too large")
    }

    /// Allocates a node for `key` holding `value` (moved in).
    pub fn alloc(key: &[u8], value: Value) -> *mut KeyEntry {
        let layout = Self::layout(key.len());
        // SAFETY: non-zero layout; header and key written before use.
        unsafe {
            let p = alloc::alloc(layout) as *mut KeyEntry;
            if p.is_null() {
                alloc::handle_alloc_error(layout);
            }
            p.write(KeyEntry {
                next: ptr::null_mut(),
                expire_ms: NO_EXPIRE,
                value,
                key_len: key.len() as u32,
                vidx: NO_VIDX,
            });
            ptr::copy_nonoverlapping(key.as_ptr(), (p as *mut u8).add(std::mem::size_of::<KeyEntry>()), key.len());
            p
        }
    }

    /// Frees the node and its value. The node must be out of every index.
    ///
    /// # Safety
    /// `p` came from [`KeyEntry::alloc`] and is not referenced anywhere.
    pub unsafe fn free(p: *mut KeyEntry) {
        (*p).value.free();
        alloc::dealloc(p as *mut u8, Self::layout((*p).key_len as usize));
    }

    /// Heap bytes of the node (header, key, value's heap part).
    pub fn heap_bytes(&self) -> usize {
        std::mem::size_of::<KeyEntry>() + self.key_len as usize + self.value.heap_bytes()
    }
}

crate::dict_entry_with_trailing_key!(KeyEntry, key_len);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dict::DictEntry;

    #[test]
    fn string_encodings_round_trip() {
        for s in [&b""[..], b"abc", b"12345678", b"123456789", b"0", b"-1", b"007", b"+1", b"9223372036854775808"] {
            let mut v = Value::string(s);
            let mut buf = [0; 20];
            assert_eq!(v.str_bytes(&mut buf), s);
            assert_eq!(v.str_len(), s.len());
            v.free();
        }
        assert_eq!(Value::string(b"123").tag, tag::STR_INT);
        assert_eq!(Value::string(b"0123").tag, tag::STR_INLINE);
        assert_eq!(Value::string(b"-0").tag, tag::STR_INLINE);
        assert_eq!(canonical_i64(b"-9223372036854775808"), Some(i64::MIN));
    }

    #[test]
    fn in_place_growth() {
        let mut v = Value::string(b"42");
        let buf = v.make_mut_string(10);
        buf[2..5].copy_from_slice(b"abc");
        v.set_heap_len(5);
        let mut b = [0; 20];
        assert_eq!(v.str_bytes(&mut b), b"42abc");
        v.free();
    }

    #[test]
    fn key_entry_holds_key() {
        let e = KeyEntry::alloc(b"mykey", Value::string(b"hello world, long value"));
        unsafe {
            assert_eq!((*e).key(), b"mykey");
            let mut b = [0; 20];
            assert_eq!((*e).value.str_bytes(&mut b), b"hello world, long value");
            KeyEntry::free(e);
        }
    }
}
