//! The command form of an AOF base (Redis 7.0's `rewriteAppendOnlyFileRio`),
//! what a rewrite writes with `aof-use-rdb-preamble no`: per non-empty
//! database a SELECT, then per key the commands that rebuild it (SET,
//! RPUSH, SADD, ZADD, HMSET; aggregates in commands of at most
//! [`ITEMS_PER_CMD`] items, as Redis) and a PEXPIREAT for a key with an
//! expiry. Byte for byte what Redis writes, but for the order of keys and
//! of the members of sets, hashes and skiplist sorted sets (Redis walks
//! its tables; hotkv its own tables, and sorted sets in score order).

use crate::aof::encode;
use crate::reply::Reply;
use hotkv_abi::dict::DictEntry;
use hotkv_abi::object::{format_i64, Value, NO_EXPIRE};
use hotkv_abi::state::Db;
use std::io::Write;

/// Redis's `AOF_REWRITE_ITEMS_PER_CMD`: elements (or pairs) per command.
const ITEMS_PER_CMD: usize = 64;

/// Bytes encoded before they go to the file: written as they are
/// encoded, so a rewrite needs no second copy of the dataset.
const WRITE_CHUNK: usize = 1 << 16;

/// Encoded commands on their way to `out`, keeping the first write error
/// (after which nothing more is written).
struct Sink<'o, O: Write> {
    out: &'o mut O,
    buf: Vec<u8>,
    err: Option<std::io::Error>,
}

impl<O: Write> Sink<'_, O> {
    fn flush_if_full(&mut self) {
        if self.buf.len() >= WRITE_CHUNK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.err.is_none() {
            self.err = self.out.write_all(&self.buf).err();
        }
        self.buf.clear();
    }
}

/// The commands of one aggregate: `items` elements, each of `per_item`
/// arguments, cut into commands of at most [`ITEMS_PER_CMD`] elements
/// (Redis's `rewriteListObject` & co).
struct Batches<'k> {
    cmd: &'static [u8],
    key: &'k [u8],
    left: usize,
    per_item: usize,
    in_cmd: usize,
}

impl<'k> Batches<'k> {
    fn new(cmd: &'static [u8], key: &'k [u8], items: usize, per_item: usize) -> Batches<'k> {
        Batches { cmd, key, left: items, per_item, in_cmd: 0 }
    }

    /// One element: a new command first when the previous one is full.
    fn item<O: Write>(&mut self, s: &mut Sink<O>, args: &[&[u8]]) {
        if self.in_cmd == 0 {
            s.buf.add_array(2 + self.left.min(ITEMS_PER_CMD) * self.per_item);
            s.buf.add_bulk(self.cmd);
            s.buf.add_bulk(self.key);
        }
        for a in args {
            s.buf.add_bulk(a);
        }
        self.in_cmd = (self.in_cmd + 1) % ITEMS_PER_CMD;
        self.left -= 1;
        s.flush_if_full();
    }
}

/// The commands that rebuild `key` holding `v`.
fn rebuild<O: Write>(s: &mut Sink<O>, key: &[u8], v: &Value) {
    let mut num = [0u8; 20];
    if v.is_string() {
        encode(&mut s.buf, &[b"SET", key, v.str_bytes(&mut num)]);
    } else if v.is_list() {
        let mut b = Batches::new(b"RPUSH", key, v.list_len(), 1);
        for i in 0..v.list_len() {
            b.item(s, &[v.list_get(i, &mut num)]);
        }
    } else if v.is_set() {
        let mut b = Batches::new(b"SADD", key, v.set_len(), 1);
        v.set_for_each(|m| b.item(s, &[m.bytes(&mut num)]));
    } else if v.is_zset() {
        // The score as Redis's `rioWriteBulkDouble`: `%.17g`.
        let mut b = Batches::new(b"ZADD", key, v.zset_len(), 2);
        v.zset_range(0, v.zset_len(), false, |m, score| b.item(s, &[crate::util::format_g17(score).as_bytes(), m]));
    } else if v.is_hash() {
        let mut b = Batches::new(b"HMSET", key, v.hash_len(), 2);
        v.hash_for_each(|f, val| b.item(s, &[f, val]));
    } else {
        unreachable!("a value of a type the AOF cannot rebuild (tag {})", v.tag);
    }
}

/// Writes the commands that rebuild `dbs` to `out`; `key_delay_us` is
/// slept after each key (`rdb-key-save-delay`, which Redis's rewrite
/// honours too).
pub fn write_commands<O: Write>(out: &mut O, dbs: &[Db], key_delay_us: u64) -> std::io::Result<()> {
    let mut s = Sink { out, buf: Vec::with_capacity(2 * WRITE_CHUNK), err: None };
    for (i, db) in dbs.iter().enumerate() {
        if db.dict.is_empty() {
            continue;
        }
        let mut num = [0u8; 20];
        encode(&mut s.buf, &[b"SELECT", format_i64(i as i64, &mut num)]);
        db.dict.for_each(|e| {
            if s.err.is_some() {
                return;
            }
            rebuild(&mut s, e.key(), &e.value);
            if e.expire_ms != NO_EXPIRE {
                encode(&mut s.buf, &[b"PEXPIREAT", e.key(), format_i64(e.expire_ms, &mut num)]);
            }
            s.flush_if_full();
            if key_delay_us > 0 {
                std::thread::sleep(std::time::Duration::from_micros(key_delay_us));
            }
        });
    }
    s.flush();
    s.err.map_or(Ok(()), Err)
}
