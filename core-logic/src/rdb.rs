//! The RDB format of Redis 7.0 (`rdb.c`, version 10): encoding and decoding
//! of whole files (SAVE, loading at start, DEBUG RELOAD) and of single
//! values (DUMP/RESTORE payloads).
//!
//! Written as Redis 7.0 writes them: strings with the integer encodings
//! and LZF compression, compact hashes as RDB_TYPE_HASH_LISTPACK and
//! tables as RDB_TYPE_HASH, intsets as RDB_TYPE_SET_INTSET and tables as
//! RDB_TYPE_SET, lists as RDB_TYPE_LIST_QUICKLIST_2 (listpack nodes of up
//! to 8 KiB, as `list-max-listpack-size -2`).
//! Read: everything Redis 7.0 writes for these types (listpack, intset,
//! quicklist 2, plain), Redis 7.2's set listpack, and the ziplist,
//! quicklist and zipmap encodings of older files. A new value type is one arm in
//! `write_value`/`value_type` and one in `Reader::value`.

use crate::crc64::crc64;
use crate::lzf;
use hotkv_abi::dict::DictEntry;
use hotkv_abi::object::{canonical_i64, tag, KeyEntry, Value, NO_EXPIRE, NO_VIDX};
use std::borrow::Cow;
use hotkv_abi::state::Db;

/// The version we write (Redis 7.0).
pub const RDB_VERSION: u16 = 10;
/// Versions we read: from Redis 5.0 (9) to Redis 7.2 (11); their value
/// encodings are all handled below.
const READ_VERSIONS: std::ops::RangeInclusive<u16> = 9..=11;

/// Value types (`RDB_TYPE_*`).
mod ty {
    pub const STRING: u8 = 0;
    pub const LIST: u8 = 1;
    pub const SET: u8 = 2;
    pub const ZSET: u8 = 3;
    pub const HASH: u8 = 4;
    pub const ZSET_2: u8 = 5;
    pub const HASH_ZIPMAP: u8 = 9;
    pub const LIST_ZIPLIST: u8 = 10;
    pub const SET_INTSET: u8 = 11;
    pub const ZSET_ZIPLIST: u8 = 12;
    pub const HASH_ZIPLIST: u8 = 13;
    pub const LIST_QUICKLIST: u8 = 14;
    pub const HASH_LISTPACK: u8 = 16;
    pub const ZSET_LISTPACK: u8 = 17;
    pub const LIST_QUICKLIST_2: u8 = 18;
    pub const SET_LISTPACK: u8 = 20;
}

/// Opcodes (`RDB_OPCODE_*`).
mod op {
    pub const FUNCTION2: u8 = 0xF5;
    pub const FUNCTION: u8 = 0xF6;
    pub const MODULE_AUX: u8 = 0xF7;
    pub const IDLE: u8 = 0xF8;
    pub const FREQ: u8 = 0xF9;
    pub const AUX: u8 = 0xFA;
    pub const RESIZEDB: u8 = 0xFB;
    pub const EXPIRETIME_MS: u8 = 0xFC;
    pub const EXPIRETIME: u8 = 0xFD;
    pub const SELECTDB: u8 = 0xFE;
    pub const EOF: u8 = 0xFF;
}

/// Special string encodings after a `11xxxxxx` length byte.
const ENC_INT8: u8 = 0;
const ENC_INT16: u8 = 1;
const ENC_INT32: u8 = 2;
const ENC_LZF: u8 = 3;

/// Quicklist 2 node containers.
const QUICKLIST_NODE_PLAIN: u64 = 1;
const QUICKLIST_NODE_PACKED: u64 = 2;

/// Builds RDB bytes.
struct Writer {
    buf: Vec<u8>,
    /// `rdbcompression`: LZF for strings longer than 20 bytes.
    compress: bool,
}

impl Writer {
    fn new(compress: bool) -> Writer {
        Writer { buf: Vec::new(), compress }
    }

    /// A length (`rdbSaveLen`): 6, 14, 32 or 64 bits, big-endian.
    fn len(&mut self, n: u64) {
        if n < 1 << 6 {
            self.buf.push(n as u8);
        } else if n < 1 << 14 {
            self.buf.extend_from_slice(&[0x40 | (n >> 8) as u8, n as u8]);
        } else if n <= u32::MAX as u64 {
            self.buf.push(0x80);
            self.buf.extend_from_slice(&(n as u32).to_be_bytes());
        } else {
            self.buf.push(0x81);
            self.buf.extend_from_slice(&n.to_be_bytes());
        }
    }

    /// A string (`rdbSaveRawString`): as an 8/16/32-bit integer when it is
    /// the canonical text of one, LZF-compressed when that saves at least
    /// 4 bytes, else raw.
    fn string(&mut self, s: &[u8]) {
        if s.len() <= 11 {
            if let Some(i) = canonical_i64(s) {
                if let Ok(b) = i8::try_from(i) {
                    return self.buf.extend_from_slice(&[0xC0 | ENC_INT8, b as u8]);
                }
                if let Ok(h) = i16::try_from(i) {
                    self.buf.push(0xC0 | ENC_INT16);
                    return self.buf.extend_from_slice(&h.to_le_bytes());
                }
                if let Ok(w) = i32::try_from(i) {
                    self.buf.push(0xC0 | ENC_INT32);
                    return self.buf.extend_from_slice(&w.to_le_bytes());
                }
            }
        }
        if self.compress && s.len() > 20 {
            if let Some(c) = lzf::compress(s, s.len() - 4) {
                self.buf.push(0xC0 | ENC_LZF);
                self.len(c.len() as u64);
                self.len(s.len() as u64);
                return self.buf.extend_from_slice(&c);
            }
        }
        self.len(s.len() as u64);
        self.buf.extend_from_slice(s);
    }

    /// The RDB type `write_value` writes for `v`.
    fn value_type(v: &Value) -> u8 {
        match v.tag {
            tag::STR_INT | tag::STR_INLINE | tag::STR_HEAP => ty::STRING,
            tag::HASH_PACKED | tag::HASH_LISTPACK => ty::HASH_LISTPACK,
            tag::HASH_TABLE => ty::HASH,
            tag::SET_INTSET_PACKED | tag::SET_INTSET => ty::SET_INTSET,
            tag::SET_TABLE => ty::SET,
            tag::LIST_RING => ty::LIST_QUICKLIST_2,
            tag::ZSET_LISTPACK => ty::ZSET_LISTPACK,
            tag::ZSET_SKIPLIST => ty::ZSET_2,
            t => panic!("RDB save of a value of unknown type tag {t}"),
        }
    }

    /// The value's body in the encoding `value_type` names.
    fn value(&mut self, v: &Value) {
        match Self::value_type(v) {
            ty::STRING => {
                let mut b = [0u8; 20];
                self.string(v.str_bytes(&mut b));
            }
            ty::HASH_LISTPACK => {
                let mut lp = Listpack::new();
                v.hash_for_each(|f, val| {
                    lp.push(f);
                    lp.push(val);
                });
                self.string(&lp.finish());
            }
            ty::HASH => {
                self.len(v.hash_len() as u64);
                v.hash_for_each(|f, val| {
                    self.string(f);
                    self.string(val);
                });
            }
            ty::SET_INTSET => {
                // An intset lists its members ascending, as the RDB wants.
                let ints: Vec<i64> = (0..v.set_len()).filter_map(|k| v.set_int_at(k)).collect();
                self.string(&intset_blob(&ints));
            }
            ty::SET => {
                self.len(v.set_len() as u64);
                v.set_for_each(|m| {
                    let mut b = [0u8; 20];
                    self.string(m.bytes(&mut b));
                });
            }
            ty::LIST_QUICKLIST_2 => {
                // Nodes first (their number comes before them).
                let mut nodes: Vec<(u64, Vec<u8>)> = Vec::new();
                let mut lp = Listpack::new();
                let mut b = [0u8; 20];
                for i in 0..v.list_len() {
                    let item = v.list_get(i, &mut b);
                    if item.len() >= PLAIN_NODE_THRESHOLD {
                        if lp.count > 0 {
                            nodes.push((QUICKLIST_NODE_PACKED, std::mem::replace(&mut lp, Listpack::new()).finish()));
                        }
                        nodes.push((QUICKLIST_NODE_PLAIN, item.to_vec()));
                        continue;
                    }
                    if lp.count > 0 && lp.buf.len() + item.len() + 11 > NODE_MAX_BYTES {
                        nodes.push((QUICKLIST_NODE_PACKED, std::mem::replace(&mut lp, Listpack::new()).finish()));
                    }
                    lp.push(item);
                }
                if lp.count > 0 {
                    nodes.push((QUICKLIST_NODE_PACKED, lp.finish()));
                }
                self.len(nodes.len() as u64);
                for (container, blob) in nodes {
                    self.len(container);
                    self.string(&blob);
                }
            }
            ty::ZSET_LISTPACK => {
                // Member then score, ascending, the score as Redis's
                // `zzlInsertAt` stores it: its `%.17g` text (an integer
                // entry when integral).
                let mut lp = Listpack::new();
                v.zset_range(0, v.zset_len(), false, |m, s| {
                    lp.push(m);
                    lp.push(crate::util::format_g17(s).as_bytes());
                });
                self.string(&lp.finish());
            }
            ty::ZSET_2 => {
                // Greatest first, as Redis (its loader then inserts at the head).
                self.len(v.zset_len() as u64);
                v.zset_range(0, v.zset_len(), true, |m, s| {
                    self.string(m);
                    self.buf.extend_from_slice(&s.to_le_bytes());
                });
            }
            _ => unreachable!("value_type names a written type"),
        }
    }

    fn aux(&mut self, key: &str, value: &[u8]) {
        self.buf.push(op::AUX);
        self.string(key.as_bytes());
        self.string(value);
    }
}

/// Largest listpack node of a written list (`list-max-listpack-size -2`).
const NODE_MAX_BYTES: usize = 8192;
/// Elements this long get a node of their own (`PLAIN` container), as
/// Redis's `packed_threshold` (1 GiB).
const PLAIN_NODE_THRESHOLD: usize = 1 << 30;

/// A listpack being built (Redis 7's compact container): a 6-byte header
/// (total bytes, entry count), entries each followed by its back-length,
/// and 0xFF.
struct Listpack {
    buf: Vec<u8>,
    count: usize,
}

impl Listpack {
    fn new() -> Listpack {
        Listpack { buf: vec![0; 6], count: 0 }
    }

    /// Appends an entry in the smallest encoding, as `lpAppend`: integers
    /// as 7-bit, 13-bit, 16/24/32/64-bit; strings with a 6-bit, 12-bit or
    /// 32-bit length.
    fn push(&mut self, s: &[u8]) {
        let start = self.buf.len();
        let b = &mut self.buf;
        match canonical_i64(s) {
            Some(i) if (0..=127).contains(&i) => b.push(i as u8),
            Some(i) if (-4096..=4095).contains(&i) => {
                let u = (i as u16) & 0x1fff;
                b.extend_from_slice(&[0xC0 | (u >> 8) as u8, u as u8]);
            }
            Some(i) => {
                let (code, width) = if i16::try_from(i).is_ok() {
                    (0xF1, 2)
                } else if (-(1 << 23)..1 << 23).contains(&i) {
                    (0xF2, 3)
                } else if i32::try_from(i).is_ok() {
                    (0xF3, 4)
                } else {
                    (0xF4, 8)
                };
                b.push(code);
                b.extend_from_slice(&i.to_le_bytes()[..width]);
            }
            None if s.len() < 64 => b.push(0x80 | s.len() as u8),
            None if s.len() < 4096 => b.extend_from_slice(&[0xE0 | (s.len() >> 8) as u8, s.len() as u8]),
            None => {
                b.push(0xF0);
                b.extend_from_slice(&(s.len() as u32).to_le_bytes());
            }
        }
        if canonical_i64(s).is_none() {
            b.extend_from_slice(s);
        }
        // The back-length (`lpEncodeBacklen`): the entry's size in 7-bit
        // groups, most significant first, all but the first with bit 7 set.
        let l = b.len() - start;
        let groups = match l {
            0..=127 => 1,
            128..=16382 => 2,
            16383..=2097150 => 3,
            2097151..=268435454 => 4,
            _ => 5,
        };
        for g in (0..groups).rev() {
            let bits = ((l >> (7 * g)) & 0x7f) as u8;
            b.push(if g == groups - 1 { bits } else { bits | 0x80 });
        }
        self.count += 1;
    }

    fn finish(mut self) -> Vec<u8> {
        self.buf.push(0xFF);
        let total = self.buf.len() as u32;
        self.buf[..4].copy_from_slice(&total.to_le_bytes());
        let n = u16::try_from(self.count).unwrap_or(u16::MAX);
        self.buf[4..6].copy_from_slice(&n.to_le_bytes());
        self.buf
    }
}

/// Redis's intset blob: encoding width, length, sorted little-endian integers.
fn intset_blob(ints: &[i64]) -> Vec<u8> {
    let width: usize = if ints.iter().all(|&i| i16::try_from(i).is_ok()) {
        2
    } else if ints.iter().all(|&i| i32::try_from(i).is_ok()) {
        4
    } else {
        8
    };
    let mut b = Vec::with_capacity(8 + width * ints.len());
    b.extend_from_slice(&(width as u32).to_le_bytes());
    b.extend_from_slice(&(ints.len() as u32).to_le_bytes());
    for &i in ints {
        b.extend_from_slice(&i.to_le_bytes()[..width]);
    }
    b
}

/// Bytes buffered before they go to the file: the file is written as it
/// is encoded, so saving needs no second copy of the dataset.
const WRITE_CHUNK: usize = 1 << 16;

/// Where encoded bytes go: the file, with the running checksum and the
/// first write error (after which nothing more is written).
struct Sink<'o, O: std::io::Write> {
    out: &'o mut O,
    crc: u64,
    err: Option<std::io::Error>,
}

impl<O: std::io::Write> Sink<'_, O> {
    fn put(&mut self, buf: &mut Vec<u8>) {
        if self.err.is_none() {
            self.crc = crc64(self.crc, buf);
            self.err = self.out.write_all(buf).err();
        }
        buf.clear();
    }
}

/// Writes a whole RDB file of `dbs` to `out` (Redis's `rdbSaveRio`):
/// header, AUX fields, then per non-empty database SELECTDB, RESIZEDB and
/// its keys (expiry first), EOF and the checksum (0 when `checksum` is
/// off, as Redis). `key_delay_us` is slept after each key
/// (`rdb-key-save-delay`, to make a save last in tests).
pub fn write_file<O: std::io::Write>(out: &mut O, dbs: &[Db], now_ms: i64, used_mem: u64, compress: bool, checksum: bool, key_delay_us: u64) -> std::io::Result<()> {
    let mut sink = Sink { out, crc: 0, err: None };
    let mut w = Writer::new(compress);
    w.buf.extend_from_slice(format!("REDIS{RDB_VERSION:04}").as_bytes());
    w.aux("redis-ver", crate::server::REDIS_VERSION.as_bytes());
    w.aux("redis-bits", b"64");
    w.aux("ctime", (now_ms / 1000).to_string().as_bytes());
    w.aux("used-mem", used_mem.to_string().as_bytes());
    w.aux("aof-base", b"0");
    for (i, db) in dbs.iter().enumerate() {
        if db.dict.is_empty() {
            continue;
        }
        w.buf.push(op::SELECTDB);
        w.len(i as u64);
        w.buf.push(op::RESIZEDB);
        w.len(db.dict.len() as u64);
        w.len(db.volatile.len() as u64);
        db.dict.for_each(|e| {
            if e.expire_ms != NO_EXPIRE {
                w.buf.push(op::EXPIRETIME_MS);
                w.buf.extend_from_slice(&e.expire_ms.to_le_bytes());
            }
            w.buf.push(Writer::value_type(&e.value));
            w.string(e.key());
            w.value(&e.value);
            if w.buf.len() >= WRITE_CHUNK {
                sink.put(&mut w.buf);
            }
            if key_delay_us > 0 {
                std::thread::sleep(std::time::Duration::from_micros(key_delay_us));
            }
        });
    }
    w.buf.push(op::EOF);
    sink.put(&mut w.buf);
    if let Some(e) = sink.err {
        return Err(e);
    }
    let crc = if checksum { sink.crc } else { 0 };
    sink.out.write_all(&crc.to_le_bytes())
}

/// A DUMP payload (Redis's `createDumpPayload`): type, value, the RDB
/// version (2 bytes, little-endian) and the CRC-64 of all that.
pub fn dump_payload(v: &Value, compress: bool) -> Vec<u8> {
    let mut w = Writer::new(compress);
    w.buf.push(Writer::value_type(v));
    w.value(v);
    w.buf.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &w.buf);
    w.buf.extend_from_slice(&crc.to_le_bytes());
    w.buf
}

/// Redis's `verifyDumpPayload`: long enough, a version we read, and a
/// matching checksum. Returns the part holding the type and value.
pub fn verify_payload(p: &[u8]) -> Option<&[u8]> {
    if p.len() < 10 {
        return None;
    }
    let (body, footer) = p.split_at(p.len() - 10);
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    if version > *READ_VERSIONS.end() {
        return None;
    }
    let crc = u64::from_le_bytes(footer[2..].try_into().expect("8 bytes"));
    (crc64(0, &p[..p.len() - 8]) == crc).then_some(body)
}

/// Where a value's tables get their hash seed.
pub type Seed = u64;

/// Reads RDB bytes. Errors are texts naming what was wrong.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

type R<T> = Result<T, String>;

fn truncated() -> String {
    "Short read or OOM loading DB. Unrecoverable error, aborting now.".into()
}

/// A length or, for strings, one of the special encodings.
enum Len {
    Plain(u64),
    Special(u8),
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data, pos: 0 }
    }

    fn bytes(&mut self, n: usize) -> R<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len()).ok_or_else(truncated)?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> R<u8> {
        Ok(self.bytes(1)?[0])
    }

    fn len_or_special(&mut self) -> R<Len> {
        let b = self.u8()?;
        Ok(match b >> 6 {
            0 => Len::Plain((b & 0x3f) as u64),
            1 => Len::Plain(((b & 0x3f) as u64) << 8 | self.u8()? as u64),
            3 => Len::Special(b & 0x3f),
            _ if b == 0x80 => Len::Plain(u32::from_be_bytes(self.bytes(4)?.try_into().expect("4 bytes")) as u64),
            _ if b == 0x81 => Len::Plain(u64::from_be_bytes(self.bytes(8)?.try_into().expect("8 bytes"))),
            _ => return Err(format!("Unknown length encoding {b} in rdbLoadLen()")),
        })
    }

    fn len(&mut self) -> R<u64> {
        match self.len_or_special()? {
            Len::Plain(n) => Ok(n),
            Len::Special(_) => Err("Unexpected string encoding where a length was expected".into()),
        }
    }

    /// A count of items, refused when the file cannot hold that many (a
    /// corrupt length must not make us reserve memory for it).
    fn count(&mut self) -> R<usize> {
        let n = self.len()?;
        if n > (self.data.len() - self.pos) as u64 {
            return Err(truncated());
        }
        Ok(n as usize)
    }

    /// A score of the old RDB_TYPE_ZSET (`rdbLoadDoubleValue`): a length
    /// byte, 253/254/255 for NaN/+inf/-inf, else that many bytes of text.
    fn text_double(&mut self) -> R<f64> {
        match self.u8()? {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            n => {
                let b = self.bytes(n as usize)?;
                Ok(crate::util::strtod(b).0)
            }
        }
    }

    /// A string: borrowed from the file when stored plain (most keys and
    /// values), made for the integer and LZF encodings.
    fn str(&mut self) -> R<Cow<'a, [u8]>> {
        let int = |i: i64| Ok(Cow::Owned(i.to_string().into_bytes()));
        match self.len_or_special()? {
            Len::Plain(n) => Ok(Cow::Borrowed(self.bytes(usize::try_from(n).map_err(|_| truncated())?)?)),
            Len::Special(ENC_INT8) => int(self.u8()? as i8 as i64),
            Len::Special(ENC_INT16) => int(i16::from_le_bytes(self.bytes(2)?.try_into().expect("2 bytes")) as i64),
            Len::Special(ENC_INT32) => int(i32::from_le_bytes(self.bytes(4)?.try_into().expect("4 bytes")) as i64),
            Len::Special(ENC_LZF) => {
                let clen = self.count()?;
                let len = self.len()?;
                if len > 1 << 32 {
                    return Err("Invalid LZF compressed string".into());
                }
                let c = self.bytes(clen)?;
                lzf::decompress(c, len as usize).map(Cow::Owned).ok_or_else(|| "Invalid LZF compressed string".into())
            }
            Len::Special(e) => Err(format!("Unknown RDB string encoding type {e}")),
        }
    }

    fn string(&mut self) -> R<Vec<u8>> {
        self.str().map(Cow::into_owned)
    }

    /// One value of RDB type `t` (Redis's `rdbLoadObject`), in the encoding
    /// our commands would give it.
    fn value(&mut self, t: u8, seed: Seed) -> R<Value> {
        match t {
            ty::STRING => Ok(Value::string(&self.str()?)),
            ty::LIST => {
                let n = self.count()?;
                let items = (0..n).map(|_| self.string()).collect::<R<Vec<_>>>()?;
                Ok(list_value(&items))
            }
            ty::SET => {
                let n = self.count()?;
                let mut members = (0..n).map(|_| self.string()).collect::<R<Vec<_>>>()?;
                set_value(seed, &mut members)
            }
            ty::SET_INTSET => {
                let mut members = intset_items(&self.string()?)?;
                set_value(seed, &mut members)
            }
            ty::SET_LISTPACK => {
                let mut members = listpack_items(&self.str()?)?.into_iter().map(Cow::into_owned).collect();
                set_value(seed, &mut members)
            }
            ty::HASH => {
                let n = self.count()?;
                let items = (0..n * 2).map(|_| self.string()).collect::<R<Vec<_>>>()?;
                hash_value(seed, &items)
            }
            ty::HASH_LISTPACK => hash_value(seed, &listpack_items(&self.str()?)?),
            ty::HASH_ZIPLIST => hash_value(seed, &ziplist_items(&self.string()?)?),
            ty::HASH_ZIPMAP => hash_value(seed, &zipmap_items(&self.string()?)?),
            ty::LIST_ZIPLIST => Ok(list_value(&ziplist_items(&self.string()?)?)),
            ty::LIST_QUICKLIST | ty::LIST_QUICKLIST_2 => {
                let nodes = self.count()?;
                let mut items = Vec::new();
                for _ in 0..nodes {
                    let container = if t == ty::LIST_QUICKLIST_2 { self.len()? } else { QUICKLIST_NODE_PACKED };
                    let blob = self.string()?;
                    match container {
                        QUICKLIST_NODE_PLAIN => items.push(blob),
                        QUICKLIST_NODE_PACKED if t == ty::LIST_QUICKLIST_2 => items.extend(listpack_items(&blob)?.into_iter().map(Cow::into_owned)),
                        QUICKLIST_NODE_PACKED => items.extend(ziplist_items(&blob)?),
                        c => return Err(format!("Quicklist integrity check failed: unknown container {c}")),
                    }
                }
                if items.is_empty() {
                    return Err("Empty list loaded".into());
                }
                Ok(list_value(&items))
            }
            ty::ZSET | ty::ZSET_2 => {
                let n = self.count()?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    let m = self.string()?;
                    let s = if t == ty::ZSET_2 { f64::from_le_bytes(self.bytes(8)?.try_into().expect("8 bytes")) } else { self.text_double()? };
                    if s.is_nan() {
                        return Err("Zset with NAN score detected".into());
                    }
                    items.push((m, s));
                }
                zset_value(seed, items)
            }
            ty::ZSET_LISTPACK | ty::ZSET_ZIPLIST => {
                let blob = self.string()?;
                let flat = if t == ty::ZSET_LISTPACK { listpack_items(&blob)? } else { ziplist_items(&blob)?.into_iter().map(Cow::Owned).collect() };
                if !flat.len().is_multiple_of(2) {
                    return Err("Zset listpack with an odd number of entries".into());
                }
                let mut items = Vec::with_capacity(flat.len() / 2);
                for pair in flat.chunks(2) {
                    let s = crate::util::parse_double(&pair[1]).ok_or("Zset listpack integrity check failed: bad score")?;
                    items.push((pair[0].to_vec(), s));
                }
                zset_value(seed, items)
            }
            15 | 19 | 21 => Err("streams are not supported by this version".into()),
            6 | 7 => Err("module values are not supported by this version".into()),
            t => Err(format!("Unknown RDB encoding type {t}")),
        }
    }
}

/// A sorted set read from a file, in the encoding our commands give one of
/// its size (the default `zset-max-listpack-*` limits, as the other types'
/// loaders use theirs). Duplicate members are a corrupt file.
fn zset_value(seed: Seed, mut items: Vec<(Vec<u8>, f64)>) -> R<Value> {
    let n = items.len();
    items.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    items.dedup_by(|a, b| a.0 == b.0);
    if items.len() != n {
        return Err("Duplicate zset fields detected".into());
    }
    if n == 0 {
        return Err("Empty zset loaded".into());
    }
    Ok(crate::t_zset::build_loaded(seed, &items))
}

fn list_value(items: &[Vec<u8>]) -> Value {
    let mut v = Value::new_list();
    for i in items {
        v.list_push(i, false);
    }
    v
}

fn set_value(seed: Seed, members: &mut Vec<Vec<u8>>) -> R<Value> {
    let n = members.len();
    members.sort_unstable();
    members.dedup();
    if members.len() != n {
        return Err("Duplicate set members detected".into());
    }
    Ok(crate::t_set::build(seed, members))
}

/// A hash read from a file, in the encoding HSETs of its pairs in order
/// would give it; duplicate fields are a corrupt file.
fn hash_value<T: AsRef<[u8]>>(seed: Seed, items: &[T]) -> R<Value> {
    use crate::t_hash::{MAX_LISTPACK_ENTRIES, MAX_LISTPACK_VALUE};
    if !items.len().is_multiple_of(2) {
        return Err("Hash listpack with an odd number of entries".into());
    }
    let dup = || Err("Duplicate hash fields detected".into());
    // Within the compact limits (most hashes) no HSET would convert it:
    // the packed block is built at once, instead of field by field.
    if items.len() / 2 <= MAX_LISTPACK_ENTRIES && items.iter().all(|i| i.as_ref().len() <= MAX_LISTPACK_VALUE) {
        let mut fields: Vec<&[u8]> = items.iter().step_by(2).map(AsRef::as_ref).collect();
        fields.sort_unstable();
        if fields.windows(2).any(|w| w[0] == w[1]) {
            return dup();
        }
        return Ok(Value::hash_packed(items.chunks(2).map(|p| (p[0].as_ref(), p[1].as_ref()))));
    }
    let mut v = Value::new_hash();
    for pair in items.chunks(2) {
        if !crate::t_hash::set(&mut v, seed, pair[0].as_ref(), pair[1].as_ref()) {
            v.free();
            return dup();
        }
    }
    Ok(v)
}

fn le_int(b: &[u8]) -> i64 {
    let mut x = [0u8; 8];
    x[..b.len()].copy_from_slice(b);
    // Sign-extend from the top bit of the last byte.
    let shift = 64 - 8 * b.len() as u32;
    (i64::from_le_bytes(x) << shift) >> shift
}

fn intset_items(b: &[u8]) -> R<Vec<Vec<u8>>> {
    let bad = || "Intset integrity check failed.".to_string();
    if b.len() < 8 {
        return Err(bad());
    }
    let width = u32::from_le_bytes(b[0..4].try_into().expect("4 bytes")) as usize;
    let n = u32::from_le_bytes(b[4..8].try_into().expect("4 bytes")) as usize;
    if !matches!(width, 2 | 4 | 8) || b.len() != 8 + width * n {
        return Err(bad());
    }
    Ok(b[8..].chunks(width).map(|c| le_int(c).to_string().into_bytes()).collect())
}

/// The entries of a listpack (Redis 7's compact container): strings
/// borrowed from it, integers made.
fn listpack_items(b: &[u8]) -> R<Vec<Cow<'_, [u8]>>> {
    let bad = || "Listpack integrity check failed.".to_string();
    if b.len() < 7 || u32::from_le_bytes(b[0..4].try_into().expect("4 bytes")) as usize != b.len() {
        return Err(bad());
    }
    let int = |i: i64| Cow::Owned(i.to_string().into_bytes());
    let mut r = Reader::new(&b[6..]);
    let mut out = Vec::new();
    loop {
        let start = r.pos;
        let e = r.u8().map_err(|_| bad())?;
        let item = match e {
            0xFF => break,
            _ if e & 0x80 == 0 => int(e as i64),
            _ if e & 0xC0 == 0x80 => Cow::Borrowed(r.bytes((e & 0x3f) as usize).map_err(|_| bad())?),
            _ if e & 0xE0 == 0xC0 => {
                let v = ((e as i64 & 0x1f) << 8) | r.u8().map_err(|_| bad())? as i64;
                int(if v >= 1 << 12 { v - (1 << 13) } else { v })
            }
            _ if e & 0xF0 == 0xE0 => {
                let n = ((e as usize & 0x0f) << 8) | r.u8().map_err(|_| bad())? as usize;
                Cow::Borrowed(r.bytes(n).map_err(|_| bad())?)
            }
            0xF0 => {
                let n = u32::from_le_bytes(r.bytes(4).map_err(|_| bad())?.try_into().expect("4 bytes"));
                Cow::Borrowed(r.bytes(n as usize).map_err(|_| bad())?)
            }
            0xF1..=0xF4 => {
                let width = [2, 3, 4, 8][(e - 0xF1) as usize];
                int(le_int(r.bytes(width).map_err(|_| bad())?))
            }
            _ => return Err(bad()),
        };
        // The back-length: 1 to 5 bytes for the entry's size so far.
        let size = r.pos - start;
        let back = match size {
            0..=127 => 1,
            128..=16382 => 2,
            16383..=2097150 => 3,
            2097151..=268435454 => 4,
            _ => 5,
        };
        r.bytes(back).map_err(|_| bad())?;
        out.push(item);
    }
    let declared = u16::from_le_bytes([b[4], b[5]]);
    if r.pos != b.len() - 6 || (declared != u16::MAX && declared as usize != out.len()) {
        return Err(bad());
    }
    Ok(out)
}

/// The fields and values of a zipmap, the small-hash encoding of Redis
/// before 2.6 that Redis 7.0 still loads (`zipmapValidateIntegrity`):
/// a count byte, then `<len>field<len><free>value<free bytes>` entries
/// and 0xFF; a length below 254 is one byte, 254 announces a 4-byte one.
fn zipmap_items(b: &[u8]) -> R<Vec<Vec<u8>>> {
    let bad = || "Zipmap integrity check failed.".to_string();
    let mut r = Reader::new(b);
    r.u8().map_err(|_| bad())?;
    let len = |r: &mut Reader| -> R<Option<usize>> {
        match r.u8().map_err(|_| bad())? {
            0xFF => Ok(None),
            254 => Ok(Some(u32::from_le_bytes(r.bytes(4).map_err(|_| bad())?.try_into().expect("4 bytes")) as usize)),
            n => Ok(Some(n as usize)),
        }
    };
    let mut out = Vec::new();
    while let Some(n) = len(&mut r)? {
        out.push(r.bytes(n).map_err(|_| bad())?.to_vec());
        let n = len(&mut r)?.ok_or_else(bad)?;
        let free = r.u8().map_err(|_| bad())? as usize;
        out.push(r.bytes(n).map_err(|_| bad())?.to_vec());
        r.bytes(free).map_err(|_| bad())?;
    }
    if r.pos != b.len() || out.is_empty() {
        return Err(bad());
    }
    Ok(out)
}

/// The entries of a ziplist (files of Redis before 7.0).
fn ziplist_items(b: &[u8]) -> R<Vec<Vec<u8>>> {
    let bad = || "Ziplist integrity check failed.".to_string();
    if b.len() < 11 || u32::from_le_bytes(b[0..4].try_into().expect("4 bytes")) as usize != b.len() {
        return Err(bad());
    }
    let mut r = Reader::new(&b[10..]);
    let mut out = Vec::new();
    loop {
        let prev = r.u8().map_err(|_| bad())?;
        if prev == 0xFF {
            break;
        }
        if prev == 0xFE {
            r.bytes(4).map_err(|_| bad())?;
        }
        let e = r.u8().map_err(|_| bad())?;
        let item = match e >> 6 {
            0 => r.bytes((e & 0x3f) as usize).map_err(|_| bad())?.to_vec(),
            1 => {
                let n = ((e as usize & 0x3f) << 8) | r.u8().map_err(|_| bad())? as usize;
                r.bytes(n).map_err(|_| bad())?.to_vec()
            }
            2 => {
                let n = u32::from_be_bytes(r.bytes(4).map_err(|_| bad())?.try_into().expect("4 bytes"));
                r.bytes(n as usize).map_err(|_| bad())?.to_vec()
            }
            _ => {
                let int = match e {
                    0xC0 => le_int(r.bytes(2).map_err(|_| bad())?),
                    0xD0 => le_int(r.bytes(4).map_err(|_| bad())?),
                    0xE0 => le_int(r.bytes(8).map_err(|_| bad())?),
                    0xF0 => le_int(r.bytes(3).map_err(|_| bad())?),
                    0xFE => le_int(r.bytes(1).map_err(|_| bad())?),
                    0xF1..=0xFD => (e & 0x0f) as i64 - 1,
                    _ => return Err(bad()),
                };
                int.to_string().into_bytes()
            }
        };
        out.push(item);
    }
    if r.pos != b.len() - 10 {
        return Err(bad());
    }
    Ok(out)
}

/// A file's keys loaded into databases of their own (DEBUG RELOAD reads
/// the whole file before it touches the live data); freed if they are never
/// moved in, so a file that fails half-way changes nothing.
pub struct Loaded {
    dbs: Vec<Db>,
}

impl Drop for Loaded {
    fn drop(&mut self) {
        for db in &mut self.dbs {
            db.clear();
        }
    }
}

impl Loaded {
    /// Moves every key into `dbs`, with its expiry. A key that exists is an
    /// error, as in Redis, unless `merge` (DEBUG RELOAD MERGE): then the
    /// file's version replaces it. Keys moved before an error stay.
    pub fn apply(mut self, dbs: &mut [Db], merge: bool) -> R<()> {
        for (from, to) in self.dbs.iter_mut().zip(dbs) {
            from.volatile.clear();
            let mut failed = None;
            from.dict.clear(|e| {
                // SAFETY: `clear` hands over each node of `from` once (its
                // expiry index was just emptied); each is either linked into
                // `to`, whose key `find` showed absent, or freed.
                unsafe {
                    if failed.is_some() {
                        return KeyEntry::free(e);
                    }
                    let expire_ms = std::mem::replace(&mut (*e).expire_ms, NO_EXPIRE);
                    (*e).vidx = NO_VIDX;
                    let key = (*e).key();
                    let h = to.dict.hash(key);
                    if !to.dict.find(key, h).is_null() {
                        if !merge {
                            failed = Some(duplicate(key));
                            return KeyEntry::free(e);
                        }
                        KeyEntry::free(to.unlink(key));
                    }
                    to.dict.insert_new(e, h);
                    if expire_ms != NO_EXPIRE {
                        to.set_expire(e, expire_ms);
                    }
                }
            });
            if let Some(why) = failed {
                return Err(why);
            }
        }
        Ok(())
    }
}

fn duplicate(key: &[u8]) -> String {
    format!("Duplicate key '{}' found in RDB file", String::from_utf8_lossy(key))
}

/// Reads a whole file (Redis's `rdbLoadRio`) for databases seeded as
/// `dbs`, into databases of its own ([`Loaded`]). Keys that expired before
/// `now_ms` are skipped, as a master does.
pub fn decode_file(data: &[u8], dbs: &[Db], now_ms: i64, lru_clock: u32, seed: Seed, check: bool) -> R<Loaded> {
    let mut loaded = Loaded { dbs: dbs.iter().map(|d| Db::new(d.dict.seed())).collect() };
    load_prefix(data, &mut loaded.dbs, Some(now_ms), lru_clock, seed, check)?;
    Ok(loaded)
}

/// Keys read but not yet in their databases' tables. In a table of
/// millions, finding a key's bucket and chain is a cache miss or two that
/// made most of a load's time: each key's bucket is prefetched when it is
/// read and the keys are linked in by batches, so those misses overlap the
/// decoding and each other instead of being waited for one by one.
struct Pending {
    keys: Vec<PendingKey>,
    /// Keys linked in so far.
    added: usize,
}

struct PendingKey {
    db: usize,
    entry: *mut KeyEntry,
    hash: u64,
    expire_ms: i64,
}

/// Keys read ahead of the table inserts.
const BATCH: usize = 32;

impl Pending {
    /// Queues the fresh node `entry` (owned from here) for database `db`.
    fn push(&mut self, dbs: &mut [Db], db: usize, entry: *mut KeyEntry, expire_ms: i64) -> R<()> {
        let dict = &dbs[db].dict;
        // SAFETY: a fresh node from `KeyEntry::alloc`.
        let hash = dict.hash(unsafe { (*entry).key() });
        dict.prefetch(hash, false);
        self.keys.push(PendingKey { db, entry, hash, expire_ms });
        if self.keys.len() == BATCH {
            return self.insert(dbs);
        }
        Ok(())
    }

    /// Links the queued keys in, in file order; a key already present is an
    /// error (and the keys after it are freed).
    fn insert(&mut self, dbs: &mut [Db]) -> R<()> {
        // The buckets were prefetched as the keys were read: their chains
        // now, all at once.
        self.keys.iter().for_each(|k| dbs[k.db].dict.prefetch(k.hash, true));
        for i in 0..self.keys.len() {
            let PendingKey { db, entry: e, hash, expire_ms } = self.keys[i];
            let d = &mut dbs[db];
            // SAFETY: each queued node is owned by the queue until it is
            // linked into its database here (whose key `find` showed
            // absent) or freed; after an error the queue is emptied.
            unsafe {
                if !d.dict.find((*e).key(), hash).is_null() {
                    let why = duplicate((*e).key());
                    self.keys[i..].iter().for_each(|k| KeyEntry::free(k.entry));
                    self.keys.clear();
                    return Err(why);
                }
                d.dict.insert_new(e, hash);
                if expire_ms != NO_EXPIRE {
                    d.set_expire(e, expire_ms);
                }
            }
        }
        self.added += self.keys.len();
        self.keys.clear();
        Ok(())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        // SAFETY: queued nodes are in no table (an error stopped the load).
        self.keys.iter().for_each(|k| unsafe { KeyEntry::free(k.entry) });
    }
}

/// Loads the RDB at the start of `data` into `dbs` in one pass (Redis's
/// `rdbLoadRio`): signature and version first (an unknown version is
/// refused before any value is read), checksum verified at EOF when `check`
/// and the file has one. Returns how many keys were added and where the
/// RDB ends (an AOF's RDB preamble is followed by commands). Keys that
/// expired before `now_ms` are skipped; without it they are kept (Redis's
/// RDBFLAGS_AOF_PREAMBLE). A key already present is an error. Keys added
/// before an error stay: callers load into databases they discard then.
pub fn load_prefix(data: &[u8], dbs: &mut [Db], now_ms: Option<i64>, lru_clock: u32, seed: Seed, check: bool) -> R<(usize, usize)> {
    if data.len() < 9 || &data[..5] != b"REDIS" {
        return Err("Wrong signature trying to load DB from file".into());
    }
    let version = std::str::from_utf8(&data[5..9]).ok().and_then(|s| s.parse::<u16>().ok()).unwrap_or(0);
    if !READ_VERSIONS.contains(&version) {
        return Err(format!("Can't handle RDB format version {version}"));
    }
    let ndbs = dbs.len();
    let mut r = Reader::new(data);
    r.pos = 9;
    let (mut db, mut expire_ms, mut idle_s) = (0usize, NO_EXPIRE, None);
    let mut pending = Pending { keys: Vec::with_capacity(BATCH), added: 0 };
    loop {
        let t = r.u8()?;
        match t {
            op::EXPIRETIME_MS => expire_ms = i64::from_le_bytes(r.bytes(8)?.try_into().expect("8 bytes")),
            op::EXPIRETIME => expire_ms = i32::from_le_bytes(r.bytes(4)?.try_into().expect("4 bytes")) as i64 * 1000,
            op::IDLE => idle_s = Some(r.len()?),
            op::FREQ => {
                r.u8()?;
            }
            op::SELECTDB => {
                let n = r.len()?;
                if n >= ndbs as u64 {
                    return Err(format!("FATAL: Data file was created with a Redis server configured to handle more than {ndbs} databases. Exiting"));
                }
                db = n as usize;
            }
            op::RESIZEDB => {
                // Redis's `dictExpand` to the sizes the file announces: the
                // table is allocated once at its final size instead of
                // growing by rehashing (and probing two tables) while it
                // fills. A key takes at least 3 bytes of the file, which
                // bounds what a corrupt count can reserve.
                let (nkeys, nexpires) = (r.len()?, r.len()?);
                let most = ((data.len() - r.pos) / 3) as u64;
                let d = &mut dbs[db];
                let want = nkeys.min(most) + d.dict.len() as u64;
                if (d.dict.buckets() as u64) < want {
                    d.dict.resize(want);
                }
                d.volatile.reserve(nexpires.min(most) as usize);
            }
            op::AUX => {
                r.str()?;
                r.str()?;
            }
            op::MODULE_AUX => return Err("The RDB file contains module AUX data, which this server cannot load".into()),
            op::FUNCTION | op::FUNCTION2 => return Err("The RDB file contains functions, which this server cannot load".into()),
            op::EOF => break,
            _ => {
                let key = r.str()?;
                let mut value = r.value(t, seed).map_err(|e| format!("{e} (key '{}')", String::from_utf8_lossy(&key)))?;
                let (expire, idle) = (expire_ms, idle_s.take());
                expire_ms = NO_EXPIRE;
                if expire != NO_EXPIRE && now_ms.is_some_and(|now| expire < now) {
                    value.free();
                    continue;
                }
                value.set_lru(lru_clock.wrapping_sub(idle.unwrap_or(0) as u32) & 0x00ff_ffff);
                pending.push(dbs, db, KeyEntry::alloc(&key, value), expire)?;
            }
        }
    }
    pending.insert(dbs)?;
    let end = r.pos;
    let stored = u64::from_le_bytes(r.bytes(8)?.try_into().expect("8 bytes"));
    if check && stored != 0 {
        let computed = crc64(0, &data[..end]);
        if computed != stored {
            return Err(format!("Wrong RDB checksum expected: ({stored:x}) got: ({computed:x}). Aborting now."));
        }
    }
    Ok((pending.added, r.pos))
}

/// Decodes a DUMP payload's type and value (after `verify_payload`).
pub fn decode_value(body: &[u8], seed: Seed) -> R<Value> {
    let mut r = Reader::new(body);
    let t = r.u8()?;
    r.value(t, seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_strings_round_trip() {
        let mut w = Writer::new(true);
        let long: Vec<u8> = b"abcabcabcabcabcabcabcabcabcabcabcabc".to_vec();
        for s in [&b"0"[..], b"-128", b"300", b"-70000", b"12345678901", b"007", b"", &long, &[7u8; 20000][..]] {
            w.string(s);
        }
        for n in [0u64, 63, 64, 16383, 16384, 1 << 33] {
            w.len(n);
        }
        let mut r = Reader::new(&w.buf);
        for s in [&b"0"[..], b"-128", b"300", b"-70000", b"12345678901", b"007", b"", &long, &[7u8; 20000][..]] {
            assert_eq!(r.string().unwrap(), s);
        }
        for n in [0u64, 63, 64, 16383, 16384, 1 << 33] {
            assert_eq!(r.len().unwrap(), n);
        }
        // Integers as Redis encodes them.
        let mut w = Writer::new(false);
        w.string(b"-1");
        w.string(b"1000");
        assert_eq!(w.buf, [0xC0, 0xFF, 0xC1, 0xE8, 0x03]);
    }

    #[test]
    fn compact_containers() {
        // A listpack of "a", 5, -3000, "x"*70 (hand-built as Redis lays it out).
        let mut lp = vec![0u8; 6];
        lp.extend_from_slice(&[0x81, b'a', 2, 0x05, 1]);
        lp.extend_from_slice(&[0xF1]);
        lp.extend_from_slice(&(-3000i16).to_le_bytes());
        lp.push(3);
        lp.extend_from_slice(&[0xE0, 70]);
        lp.extend_from_slice(&[b'x'; 70]);
        lp.push(72);
        lp.push(0xFF);
        let total = lp.len() as u32;
        lp[..4].copy_from_slice(&total.to_le_bytes());
        lp[4..6].copy_from_slice(&4u16.to_le_bytes());
        let items = listpack_items(&lp).unwrap();
        assert_eq!(items, vec![b"a".to_vec(), b"5".to_vec(), b"-3000".to_vec(), vec![b'x'; 70]]);
        assert_eq!(intset_items(&intset_blob(&[-5, 70000])).unwrap(), vec![b"-5".to_vec(), b"70000".to_vec()]);
        assert!(listpack_items(&lp[..lp.len() - 1]).is_err());
        // What we write reads back, in every entry encoding.
        let items: Vec<Vec<u8>> = ["a", "5", "127", "128", "-3000", "4095", "-4097", "100000", "-9000000", "3000000000", "-9000000000", "", "007", "-0"]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .chain([vec![b'x'; 70], vec![b'y'; 5000], vec![b'z'; 20000]])
            .collect();
        let mut w = Listpack::new();
        for i in &items {
            w.push(i);
        }
        assert_eq!(listpack_items(&w.finish()).unwrap(), items);
        // A ziplist (Redis < 7): "a", 5 (immediate), 300 (int16), -2 (int8), 70000 (int24).
        let mut zl = vec![0u8; 10];
        zl.extend_from_slice(&[0, 0x01, b'a', 3, 0xF6, 2, 0xC0]);
        zl.extend_from_slice(&300i16.to_le_bytes());
        zl.extend_from_slice(&[4, 0xFE, 0xFE, 3, 0xF0]);
        zl.extend_from_slice(&70000i32.to_le_bytes()[..3]);
        zl.push(0xFF);
        let total = zl.len() as u32;
        zl[..4].copy_from_slice(&total.to_le_bytes());
        zl[8..10].copy_from_slice(&5u16.to_le_bytes());
        let want: Vec<Vec<u8>> = ["a", "5", "300", "-2", "70000"].iter().map(|s| s.as_bytes().to_vec()).collect();
        assert_eq!(ziplist_items(&zl).unwrap(), want);
        // A zipmap (Redis < 2.6): "f" -> "v" (1 free byte), a 300-byte field
        // (4-byte length) -> "" ; then a hash value of it.
        let mut zm = vec![2u8, 1, b'f', 1, 1, b'v', 0];
        zm.push(254);
        zm.extend_from_slice(&300u32.to_le_bytes());
        zm.extend_from_slice(&[b'k'; 300]);
        zm.extend_from_slice(&[0, 0, 0xFF]);
        assert_eq!(zipmap_items(&zm).unwrap(), vec![b"f".to_vec(), b"v".to_vec(), vec![b'k'; 300], Vec::new()]);
        assert!(zipmap_items(&zm[..zm.len() - 1]).is_err(), "no end marker");
        assert!(zipmap_items(&[0, 0xFF]).is_err(), "an empty hash");
        let mut w = Writer::new(false);
        w.string(&zm);
        let mut v = Reader::new(&w.buf).value(ty::HASH_ZIPMAP, 1).unwrap();
        assert_eq!((v.hash_len(), v.hash_get(b"f")), (2, Some(&b"v"[..])));
        v.free();
    }

    /// Sorted sets: both written encodings read back; the old string-score
    /// ZSET and the ziplist of Redis < 7 read.
    #[test]
    fn sorted_sets() {
        let items: Vec<(Vec<u8>, f64)> = vec![(b"a".to_vec(), -2.5), (b"b".to_vec(), 1.0), (b"c".to_vec(), 1e300), (b"d".to_vec(), f64::INFINITY)];
        let mut small = crate::t_zset::build_loaded(1, &items);
        let mut big = Value::new_zset_skiplist(1);
        for (m, s) in &items {
            big.zset_insert(m, *s);
        }
        for v in [&small, &big] {
            let mut w = Writer::new(false);
            let t = Writer::value_type(v);
            w.value(v);
            let mut back = Reader::new(&w.buf).value(t, 1).unwrap();
            assert_eq!(back.zset_to_vec(), items, "type {t}");
            back.free();
        }
        // RDB_TYPE_ZSET: count, then member and score as text (254 = +inf).
        let mut w = Writer::new(false);
        w.len(2);
        w.string(b"x");
        w.buf.extend_from_slice(&[3, b'1', b'.', b'5']);
        w.string(b"y");
        w.buf.push(254);
        let mut v = Reader::new(&w.buf).value(ty::ZSET, 1).unwrap();
        assert_eq!(v.zset_to_vec(), vec![(b"x".to_vec(), 1.5), (b"y".to_vec(), f64::INFINITY)]);
        v.free();
        // A ziplist of "m", 3 (immediate int), "n", "0.5".
        let mut zl = vec![0u8; 10];
        zl.extend_from_slice(&[0, 0x01, b'm', 3, 0xF4, 2, 0x01, b'n', 3, 0x03]);
        zl.extend_from_slice(b"0.5");
        zl.push(0xFF);
        let total = zl.len() as u32;
        zl[..4].copy_from_slice(&total.to_le_bytes());
        zl[8..10].copy_from_slice(&4u16.to_le_bytes());
        let mut w = Writer::new(false);
        w.string(&zl);
        let mut v = Reader::new(&w.buf).value(ty::ZSET_ZIPLIST, 1).unwrap();
        assert_eq!(v.zset_to_vec(), vec![(b"n".to_vec(), 0.5), (b"m".to_vec(), 3.0)]);
        v.free();
        // Duplicate members are a corrupt file.
        let mut w = Writer::new(false);
        w.len(2);
        for _ in 0..2 {
            w.string(b"x");
            w.buf.extend_from_slice(&1f64.to_le_bytes());
        }
        assert!(Reader::new(&w.buf).value(ty::ZSET_2, 1).is_err());
        small.free();
        big.free();
    }

    #[test]
    fn payload_checks() {
        let v = Value::string(b"hello");
        let p = dump_payload(&v, true);
        assert!(verify_payload(&p).is_some());
        let mut bad = p.clone();
        bad[1] ^= 1;
        assert!(verify_payload(&bad).is_none());
        assert!(verify_payload(&p[..9]).is_none());
        let mut out = decode_value(verify_payload(&p).unwrap(), 1).unwrap();
        let mut b = [0u8; 20];
        assert_eq!(out.str_bytes(&mut b), b"hello");
        out.free();
    }

    fn put(db: &mut Db, key: &[u8], value: Value) -> *mut KeyEntry {
        let (e, h) = (KeyEntry::alloc(key, value), db.dict.hash(key));
        // SAFETY: test keys are distinct; a fresh node.
        unsafe { db.dict.insert_new(e, h) };
        e
    }

    fn get(db: &Db, key: &[u8]) -> Option<(Vec<u8>, i64)> {
        let e = db.dict.peek(key, db.dict.hash(key));
        // SAFETY: a live entry of the table, read only.
        (!e.is_null()).then(|| unsafe { ((*e).value.str_bytes(&mut [0; 20]).to_vec(), (*e).expire_ms) })
    }

    /// A file of more keys than a batch loads in one pass into tables sized
    /// from RESIZEDB: expiries kept, or skipped when past (not for an AOF
    /// preamble), hashes packed; `Loaded` (DEBUG RELOAD) moves its keys in,
    /// refusing or (merge) replacing existing ones.
    #[test]
    fn whole_files_load() {
        let (seed, now) = (9, 1_700_000_000_000i64);
        let mut src = vec![Db::new(seed), Db::new(seed)];
        for i in 0..100 {
            let key = format!("key:{i}");
            let value = if i % 10 == 0 {
                Value::hash_packed([(&b"f"[..], key.as_bytes()), (b"g", b"2")].into_iter())
            } else {
                Value::string(format!("value-{i}-long-enough").as_bytes())
            };
            let e = put(&mut src[0], key.as_bytes(), value);
            if i % 7 == 0 {
                // SAFETY: the entry just inserted.
                unsafe { src[0].set_expire(e, if i == 7 { now - 1 } else { now + 1000 }) };
            }
        }
        put(&mut src[1], b"other", Value::string(b"x"));
        let mut file = Vec::new();
        write_file(&mut file, &src, now, 0, true, true, 0).unwrap();
        let mut dbs = vec![Db::new(seed), Db::new(seed)];
        assert_eq!(load_prefix(&file, &mut dbs, Some(now), 5, seed, true).unwrap(), (100, file.len()));
        assert!(!dbs[0].dict.is_rehashing() && dbs[0].dict.buckets() == 128, "sized once from RESIZEDB");
        assert_eq!((dbs[0].dict.len(), dbs[0].volatile.len(), dbs[1].dict.len()), (99, 14, 1));
        assert_eq!(get(&dbs[0], b"key:7"), None);
        assert_eq!(get(&dbs[0], b"key:14"), Some((b"value-14-long-enough".to_vec(), now + 1000)));
        let e = dbs[0].dict.peek(b"key:30", dbs[0].dict.hash(b"key:30"));
        // SAFETY: a live entry, read only.
        let hash = unsafe { &(*e).value };
        assert_eq!((hash.tag, hash.hash_get(b"f"), hash.lru()), (tag::HASH_PACKED, Some(&b"key:30"[..]), 5));
        dbs.iter_mut().for_each(Db::clear);
        // An AOF preamble keeps expired keys.
        assert_eq!(load_prefix(&file, &mut dbs, None, 5, seed, true).unwrap().0, 101);
        dbs.iter_mut().for_each(Db::clear);
        // DEBUG RELOAD: an existing key is refused, or replaced with MERGE.
        put(&mut dbs[0], b"key:1", Value::string(b"old"));
        let loaded = decode_file(&file, &dbs, now, 5, seed, true).unwrap();
        assert_eq!(loaded.apply(&mut dbs, false).unwrap_err(), "Duplicate key 'key:1' found in RDB file");
        let loaded = decode_file(&file, &dbs, now, 5, seed, true).unwrap();
        loaded.apply(&mut dbs, true).unwrap();
        assert_eq!((dbs[0].dict.len(), dbs[0].volatile.len()), (99, 14));
        assert_eq!(get(&dbs[0], b"key:1"), Some((b"value-1-long-enough".to_vec(), NO_EXPIRE)));
        assert_eq!(get(&dbs[0], b"key:28"), Some((b"value-28-long-enough".to_vec(), now + 1000)));
        dbs.iter_mut().chain(src.iter_mut()).for_each(Db::clear);
        // A bad checksum is found after the keys.
        let last = file.len() - 1;
        file[last] ^= 1;
        assert!(load_prefix(&file, &mut dbs, Some(now), 5, seed, true).unwrap_err().starts_with("Wrong RDB checksum"));
        dbs.iter_mut().for_each(Db::clear);
    }

    /// A duplicate key past the first batch stops the load with the keys
    /// before it added; an absurd RESIZEDB count reserves no more than the
    /// file could hold.
    #[test]
    fn duplicates_and_corrupt_sizes() {
        let mut w = Writer::new(false);
        w.buf.extend_from_slice(b"REDIS0010");
        w.buf.extend_from_slice(&[op::SELECTDB, 0, op::RESIZEDB]);
        w.len(1 << 40);
        w.len(1 << 40);
        for i in 0..80 {
            w.buf.push(ty::STRING);
            w.string(format!("k{}", if i == 70 { 40 } else { i }).as_bytes());
            w.string(b"v");
        }
        w.buf.push(op::EOF);
        w.buf.extend_from_slice(&[0; 8]);
        let mut dbs = vec![Db::new(3)];
        assert_eq!(load_prefix(&w.buf, &mut dbs, None, 0, 3, true).unwrap_err(), "Duplicate key 'k40' found in RDB file");
        assert_eq!(dbs[0].dict.len(), 70);
        assert!(dbs[0].dict.buckets() <= 1024 && dbs[0].volatile.capacity() <= 1024, "{}", dbs[0].dict.buckets());
        dbs[0].clear();
    }

    /// A hash read takes the encoding HSETs of its pairs would give it, and
    /// a duplicate field is an error in either encoding.
    #[test]
    fn hashes_take_the_encoding_hsets_give() {
        let dup = Err("Duplicate hash fields detected".to_string());
        assert_eq!(hash_value(1, &[&b"a"[..], b"1", b"b", b"2", b"a", b"3"]).map(|_| ()), dup);
        let mut small = hash_value(1, &[&b"b"[..], b"1", b"a", b"2"]).unwrap();
        let mut pairs = Vec::new();
        small.hash_for_each(|f, v| pairs.push((f.to_vec(), v.to_vec())));
        assert_eq!((small.tag, pairs), (tag::HASH_PACKED, vec![(b"b".to_vec(), b"1".to_vec()), (b"a".to_vec(), b"2".to_vec())]));
        small.free();
        let long = [b'x'; 65];
        let mut wide = hash_value(1, &[&b"a"[..], &long]).unwrap();
        assert_eq!((wide.tag, wide.hash_get(b"a")), (tag::HASH_TABLE, Some(&long[..])));
        wide.free();
        let mut items: Vec<Vec<u8>> = (0..513).flat_map(|i: u32| [i.to_string().into_bytes(), b"v".to_vec()]).collect();
        let mut many = hash_value(1, &items).unwrap();
        assert_eq!((many.tag, many.hash_len()), (tag::HASH_TABLE, 513));
        many.free();
        items[2] = b"0".to_vec();
        assert_eq!(hash_value(1, &items).map(|_| ()), dup);
    }
}
