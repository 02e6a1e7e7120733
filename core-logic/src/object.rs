//! Values as objects (Redis's `object.c`): the OBJECT command (encoding,
//! refcount, idle time, frequency) and the deep copy COPY uses.
//!
//! Redis's string encodings map onto ours without a layout change:
//! - `int`: `tag::STR_INT`. Redis shares the integers 0..9999 (refcount
//!   2147483647) except in a copy (`dupStringObject` makes a private one):
//!   a copy is marked by `Value::len == UNSHARED_INT` (`len` is otherwise
//!   unused by int strings, and every reader ignores it).
//! - `embstr`: what Redis's `tryObjectEncoding` makes of a non-integer of at
//!   most 44 bytes: an inline string, or a heap string with no spare
//!   capacity (`Value::string` allocates exactly).
//! - `raw`: longer strings, and every string an in-place editor (APPEND,
//!   SETRANGE) produced: those always keep at least one spare byte
//!   (`t_string::write_at`), as Redis's raw sds would.

use crate::reply::Reply;
use crate::server::Server;
use hotkv_abi::object::{tag, Value, INLINE_CAP};
use hotkv_abi::state::Client;

/// Longest string Redis stores as embstr (OBJ_ENCODING_EMBSTR_SIZE_LIMIT).
pub const EMBSTR_SIZE_LIMIT: usize = 44;
/// Integers Redis keeps shared (OBJ_SHARED_INTEGERS).
const SHARED_INTEGERS: i64 = 10_000;
/// `Value::len` of an int string that is a private object (a copy).
const UNSHARED_INT: u32 = 1;
/// Redis's refcount of a shared object (OBJ_SHARED_REFCOUNT).
const SHARED_REFCOUNT: i64 = i32::MAX as i64;

/// The heap capacity of a `STR_HEAP` value.
fn heap_cap(v: &Value) -> usize {
    // SAFETY: a heap string's `data` points at its HeapStr, whose first
    // field is the capacity.
    unsafe { *(v.data as *const u64) as usize }
}

/// OBJECT ENCODING's name for a value, as Redis 7.0 reports it.
pub fn encoding_name(v: &Value) -> &'static str {
    match v.tag {
        tag::STR_INT => "int",
        tag::STR_INLINE => "embstr",
        tag::STR_HEAP if v.len as usize <= EMBSTR_SIZE_LIMIT && heap_cap(v) == v.len as usize => "embstr",
        tag::STR_HEAP => "raw",
        tag::HASH_PACKED | tag::HASH_LISTPACK => "listpack",
        tag::HASH_TABLE | tag::SET_TABLE => "hashtable",
        tag::SET_INTSET_PACKED | tag::SET_INTSET => "intset",
        // Redis 7.0 keeps every list in a quicklist, however small.
        tag::LIST_RING => "quicklist",
        tag::ZSET_LISTPACK => "listpack",
        tag::ZSET_SKIPLIST => "skiplist",
        _ => "unknown",
    }
}

fn refcount(v: &Value) -> i64 {
    match v.as_int() {
        Some(i) if (0..SHARED_INTEGERS).contains(&i) && v.len != UNSHARED_INT => SHARED_REFCOUNT,
        _ => 1,
    }
}

/// A deep copy of `v` in the same encoding (Redis's `dupStringObject`,
/// `hashTypeDup`, ...). One case per type: a new type adds its case here.
/// `seed` seeds the tables of table-encoded copies.
pub fn dup_value(v: &Value, seed: u64) -> Value {
    let mut copy = match v.tag {
        tag::STR_INT => {
            let mut n = Value::int(v.data as i64);
            n.len = UNSHARED_INT;
            n
        }
        tag::STR_INLINE | tag::STR_HEAP => {
            let mut buf = [0u8; 20];
            let bytes = v.str_bytes(&mut buf);
            // A heap string stays on the heap with its spare capacity (a
            // short raw string too: inline would make it an embstr).
            let cap = if v.tag == tag::STR_HEAP { heap_cap(v).max(INLINE_CAP + 1) } else { bytes.len() };
            Value::raw_string(bytes, cap)
        }
        tag::HASH_PACKED | tag::HASH_LISTPACK | tag::HASH_TABLE => {
            let mut h = Value::new_hash();
            if v.tag == tag::HASH_TABLE {
                h.hash_convert_to_table(seed);
            }
            v.hash_for_each(|f, val| {
                h.hash_set(f, val);
            });
            h
        }
        tag::SET_INTSET_PACKED | tag::SET_INTSET | tag::SET_TABLE => {
            let mut set = Value::new_set();
            if v.tag == tag::SET_TABLE {
                set.set_convert_to_table(seed);
            }
            v.set_for_each(|m| {
                set.set_add(&m.to_vec());
            });
            set
        }
        tag::LIST_RING => {
            let mut l = Value::new_list();
            l.list_replace_all(&v.list_to_vec());
            l
        }
        tag::ZSET_LISTPACK | tag::ZSET_SKIPLIST => {
            let mut z = if v.tag == tag::ZSET_SKIPLIST { Value::new_zset_skiplist(seed) } else { Value::new_zset_listpack() };
            v.zset_range(0, v.zset_len(), false, |m, s| z.zset_insert(m, s));
            z
        }
        t => panic!("COPY of a value of unknown type tag {t}"),
    };
    copy.set_lru(v.lru());
    copy
}

/// The OBJECT subcommands' shared part: the key's value, looked up without
/// touching it (LOOKUP_NOTOUCH), or a null reply.
fn with_value(srv: &mut Server, c: &mut Client, key: &[u8], f: impl FnOnce(&Value, &mut Client, u32)) {
    let clock = srv.lru_clock();
    match srv.keyspace(c.db).lookup_read_notouch(key) {
        None => c.add_null(),
        Some(e) => f(&e.value, c, clock),
    }
}

pub fn encoding(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    with_value(srv, c, argv[2], |v, c, _| c.add_bulk(encoding_name(v).as_bytes()));
}

pub fn refcount_command(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    with_value(srv, c, argv[2], |v, c, _| c.add_int(refcount(v)));
}

/// Seconds since the last access, from the 24-bit clock (which wraps, as
/// Redis's `estimateObjectIdleTime` allows for).
pub fn idletime(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    with_value(srv, c, argv[2], |v, c, clock| {
        let lru = v.lru();
        let idle = if clock >= lru { clock - lru } else { clock + (0x00ff_ffff - lru) };
        c.add_int(idle as i64);
    });
}

/// Only the noeviction policy exists: frequencies are not tracked.
pub fn freq(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    with_value(srv, c, argv[2], |_, c, _| {
        c.add_error("An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
    });
}

const HELP: &[&str] = &[
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
];

pub fn help(_srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    c.add_help(argv[0], HELP);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_and_copies() {
        let mut v = Value::string(b"12");
        assert_eq!(encoding_name(&v), "int");
        assert_eq!(refcount(&v), SHARED_REFCOUNT);
        let mut d = dup_value(&v, 1);
        assert_eq!((encoding_name(&d), refcount(&d)), ("int", 1));
        d.free();
        v.free();
        let mut s = Value::string(&[b'x'; 44]);
        assert_eq!(encoding_name(&s), "embstr");
        let mut d = dup_value(&s, 1);
        assert_eq!(encoding_name(&d), "embstr");
        d.free();
        s.free();
        let mut s = Value::string(&[b'x'; 45]);
        assert_eq!(encoding_name(&s), "raw");
        s.free();
        let mut h = Value::new_hash();
        h.hash_set(b"f", b"v");
        let mut d = dup_value(&h, 1);
        assert_eq!((encoding_name(&d), d.hash_get(b"f")), ("listpack", Some(&b"v"[..])));
        d.free();
        h.hash_convert_to_table(7);
        let mut d = dup_value(&h, 1);
        assert_eq!((encoding_name(&d), d.hash_get(b"f")), ("hashtable", Some(&b"v"[..])));
        d.free();
        h.free();
        let mut l = Value::new_list();
        l.list_push(b"a", false);
        l.list_push(b"123", true);
        let mut d = dup_value(&l, 1);
        assert_eq!((encoding_name(&d), d.list_to_vec()), ("quicklist", vec![b"123".to_vec(), b"a".to_vec()]));
        d.free();
        l.free();
    }
}
