//! Hash commands (Redis's `t_hash.c`). The value types are `hotkv_abi`'s
//! (`hashobj`): a compact encoding while a hash is small, a table after.

use crate::db::{Keyspace, Ttl};
use crate::keyspace::{scan_key, scan_table, ScanItems};
use crate::longdouble::{self, LongDouble, Parsed};
use crate::notify::class;
use crate::reply::{err, Reply};
use crate::server::Server;
use crate::util::{eq_ic, parse_i64};
use hotkv_abi::dict::{next_random, DictEntry};
use hotkv_abi::object::Value;
use hotkv_abi::state::Client;

/// Redis's `hash-max-listpack-entries` default: more fields than this and
/// the hash is converted to a table.
pub const MAX_LISTPACK_ENTRIES: usize = 512;
/// Redis's `hash-max-listpack-value` default: a longer field or value and
/// the hash is converted to a table.
pub const MAX_LISTPACK_VALUE: usize = 64;

/// The hash at `key` for reading: `Ok(None)` when missing; WRONGTYPE is
/// replied and `Err` returned for another type.
fn read<'k>(ks: &'k mut Keyspace, c: &mut Client, key: &[u8]) -> Result<Option<&'k mut Value>, ()> {
    match ks.lookup_read(key) {
        None => Ok(None),
        Some(e) if !e.value.is_hash() => {
            c.add_error(err::WRONGTYPE);
            Err(())
        }
        Some(e) => Ok(Some(&mut e.value)),
    }
}

/// The hash at `key` for writing, created empty when missing (Redis's
/// `hashTypeLookupWriteOrCreate`); `None` after a WRONGTYPE reply.
fn write_or_create<'k>(ks: &'k mut Keyspace, c: &mut Client, key: &[u8]) -> Option<&'k mut Value> {
    // Two lookups because the borrow of the first cannot be returned on
    // one path and dropped on the other.
    match ks.lookup_write(key) {
        Some(e) if !e.value.is_hash() => {
            c.add_error(err::WRONGTYPE);
            return None;
        }
        Some(_) => {}
        None => {
            ks.set(key, Value::new_hash(), Ttl::Clear);
        }
    }
    ks.lookup_write(key).map(|e| &mut e.value)
}

/// Converts a compact hash that would hold a string longer than
/// `hash-max-listpack-value` (Redis's `hashTypeTryConversion`).
fn try_conversion(v: &mut Value, seed: u64, args: &[&[u8]]) {
    if v.hash_is_listpack() && args.iter().any(|a| a.len() > MAX_LISTPACK_VALUE) {
        v.hash_convert_to_table(seed);
    }
}

/// Sets one field (Redis's `hashTypeSet`): converts first for a long
/// string, after for one entry too many. True if the field is new.
pub(crate) fn set(v: &mut Value, seed: u64, field: &[u8], value: &[u8]) -> bool {
    try_conversion(v, seed, &[field, value]);
    let new = v.hash_set(field, value);
    if v.hash_is_listpack() && v.hash_len() > MAX_LISTPACK_ENTRIES {
        v.hash_convert_to_table(seed);
    }
    new
}

fn seed(ks: &Keyspace) -> u64 {
    ks.db.dict.seed()
}

/// HSET and HMSET: fields and values in pairs; the number of new fields.
fn hset_generic(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) -> Option<i64> {
    if argv.len() % 2 == 1 {
        let name = String::from_utf8_lossy(argv[0]).to_ascii_lowercase();
        c.add_error(&format!("wrong number of arguments for '{name}' command"));
        return None;
    }
    let mut ks = srv.keyspace(c.db);
    let seed = seed(&ks);
    let v = write_or_create(&mut ks, c, argv[1])?;
    try_conversion(v, seed, &argv[2..]);
    let added = argv[2..].chunks(2).filter(|p| set(v, seed, p[0], p[1])).count() as i64;
    ks.notify(class::HASH, "hset", argv[1]);
    Some(added)
}

pub fn hset(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    if let Some(n) = hset_generic(srv, c, argv) {
        c.add_int(n);
    }
}

pub fn hmset(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    if hset_generic(srv, c, argv).is_some() {
        c.add_ok();
    }
}

pub fn hsetnx(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    let seed = seed(&ks);
    let Some(v) = write_or_create(&mut ks, c, argv[1]) else { return };
    if v.hash_get(argv[2]).is_some() {
        return c.add_int(0);
    }
    set(v, seed, argv[2], argv[3]);
    ks.notify(class::HASH, "hset", argv[1]);
    c.add_int(1);
}

pub fn hget(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    match read(&mut ks, c, argv[1]) {
        Ok(Some(v)) => match v.hash_get(argv[2]) {
            Some(x) => c.add_bulk(x),
            None => c.add_null(),
        },
        Ok(None) => c.add_null(),
        Err(()) => {}
    }
}

pub fn hmget(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    let Ok(v) = read(&mut ks, c, argv[1]) else { return };
    c.add_array(argv.len() - 2);
    for f in &argv[2..] {
        match v.as_ref().and_then(|v| v.hash_get(f)) {
            Some(x) => c.add_bulk(x),
            None => c.add_null(),
        }
    }
}

/// HDEL: the number of fields removed; the key goes with its last field.
pub fn hdel(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    let v = match ks.lookup_write(argv[1]) {
        None => return c.add_int(0),
        Some(e) if !e.value.is_hash() => return c.add_error(err::WRONGTYPE),
        Some(e) => &mut e.value,
    };
    let mut n = 0;
    let mut emptied = false;
    for f in &argv[2..] {
        if v.hash_del(f) {
            n += 1;
            if v.hash_len() == 0 {
                emptied = true;
                break;
            }
        }
    }
    if n > 0 {
        ks.notify(class::HASH, "hdel", argv[1]);
    }
    ks.delete_if_emptied(argv[1], emptied);
    c.add_int(n);
}

/// A read command's reply from the hash, or `empty` for a missing key.
fn with_hash(srv: &mut Server, c: &mut Client, key: &[u8], empty: impl FnOnce(&mut Client), f: impl FnOnce(&mut Client, &Value)) {
    let mut ks = srv.keyspace(c.db);
    match read(&mut ks, c, key) {
        Ok(Some(v)) => f(c, v),
        Ok(None) => empty(c),
        Err(()) => {}
    }
}

fn zero(c: &mut Client) {
    c.add_int(0)
}

pub fn hlen(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    with_hash(srv, c, argv[1], zero, |c, v| c.add_int(v.hash_len() as i64));
}

pub fn hstrlen(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    with_hash(srv, c, argv[1], zero, |c, v| c.add_int(v.hash_get(argv[2]).map_or(0, |x| x.len()) as i64));
}

pub fn hexists(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    with_hash(srv, c, argv[1], zero, |c, v| c.add_int(v.hash_get(argv[2]).is_some() as i64));
}

/// HKEYS, HVALS, HGETALL: every field, value, or both (a map).
fn getall(srv: &mut Server, c: &mut Client, key: &[u8], fields: bool, values: bool) {
    let header = |c: &mut Client, n: usize| if fields && values { c.add_map(n) } else { c.add_array(n) };
    with_hash(srv, c, key, |c| header(c, 0), |c, v| {
        header(c, v.hash_len());
        v.hash_for_each(|f, x| {
            if fields {
                c.add_bulk(f);
            }
            if values {
                c.add_bulk(x);
            }
        });
    });
}

pub fn hkeys(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    getall(srv, c, argv[1], true, false);
}

pub fn hvals(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    getall(srv, c, argv[1], false, true);
}

pub fn hgetall(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    getall(srv, c, argv[1], true, true);
}

pub fn hincrby(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let Some(incr) = parse_i64(argv[3]) else { return c.add_error(err::NOT_INTEGER) };
    let mut ks = srv.keyspace(c.db);
    let seed = seed(&ks);
    let Some(v) = write_or_create(&mut ks, c, argv[1]) else { return };
    let cur = match v.hash_get(argv[2]) {
        None => 0,
        Some(x) => match parse_i64(x) {
            Some(n) => n,
            None => return c.add_error("hash value is not an integer"),
        },
    };
    let Some(new) = cur.checked_add(incr) else { return c.add_error(err::OVERFLOW) };
    let mut buf = [0u8; 20];
    set(v, seed, argv[2], hotkv_abi::object::format_i64(new, &mut buf));
    ks.notify(class::HASH, "hincrby", argv[1]);
    c.add_int(new);
}

/// HINCRBYFLOAT, in long double arithmetic as INCRBYFLOAT (`longdouble`).
pub fn hincrbyfloat(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let incr = match longdouble::parse(argv[3]) {
        None => return c.add_error(err::NOT_FLOAT),
        Some(Parsed::Infinite) => return c.add_error("value is NaN or Infinity"),
        Some(Parsed::Finite(x)) => x,
    };
    let mut ks = srv.keyspace(c.db);
    let seed = seed(&ks);
    let Some(v) = write_or_create(&mut ks, c, argv[1]) else { return };
    let cur = match v.hash_get(argv[2]) {
        None => Some(Parsed::Finite(LongDouble::ZERO)),
        Some(x) => match longdouble::parse(x) {
            None => return c.add_error("hash value is not a float"),
            p => p,
        },
    };
    let sum = match cur {
        Some(Parsed::Finite(a)) => longdouble::add(a, incr),
        _ => None,
    };
    let Some(sum) = sum else { return c.add_error("increment would produce NaN or Infinity") };
    let digits = longdouble::format_human(&sum);
    set(v, seed, argv[2], digits.as_bytes());
    ks.notify(class::HASH, "hincrbyfloat", argv[1]);
    c.add_bulk(digits.as_bytes());
    // Logged as the value it produced, `HSET key field value` as Redis does
    // (see INCRBYFLOAT: the float addition may not replay to the same digits).
    srv.propagate_as(&[b"HSET", argv[1], argv[2], digits.as_bytes()]);
}

/// Every pair of the hash, in its iteration order.
fn pairs(v: &Value) -> Vec<(&[u8], &[u8])> {
    let mut out = Vec::with_capacity(v.hash_len());
    v.hash_for_each(|f, x| out.push((f, x)));
    out
}

/// HRANDFIELD key [count [WITHVALUES]] (Redis's `hrandfieldCommand`).
pub fn hrandfield(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut count = None;
    let mut withvalues = false;
    if argv.len() >= 3 {
        let Some(l) = parse_i64(argv[2]) else { return c.add_error(err::NOT_INTEGER) };
        if l == i64::MIN {
            return c.add_error(&format!("value is out of range, value must between {} and {}", -i64::MAX, i64::MAX));
        }
        if argv.len() > 4 || (argv.len() == 4 && !eq_ic(argv[3], b"withvalues")) {
            return c.add_error(err::SYNTAX);
        }
        if argv.len() == 4 {
            withvalues = true;
            if !(-i64::MAX / 2..=i64::MAX / 2).contains(&l) {
                return c.add_error("value is out of range");
            }
        }
        count = Some(l);
    }
    let mut rng = srv.st.rng;
    let mut ks = srv.keyspace(c.db);
    match (read(&mut ks, c, argv[1]), count) {
        (Err(()), _) => {}
        (Ok(None), None) => c.add_null(),
        (Ok(None), Some(_)) => c.add_array(0),
        (Ok(Some(v)), None) => {
            let all = pairs(v);
            c.add_bulk(all[(next_random(&mut rng) % all.len() as u64) as usize].0);
        }
        (Ok(Some(v)), Some(l)) => {
            let all = pairs(v);
            let n = l.unsigned_abs() as usize;
            let picks: Vec<usize> = if l < 0 {
                (0..n).map(|_| (next_random(&mut rng) % all.len() as u64) as usize).collect()
            } else if n >= all.len() {
                (0..all.len()).collect()
            } else {
                // A partial Fisher-Yates shuffle: `n` distinct indexes.
                let mut idx: Vec<usize> = (0..all.len()).collect();
                for i in 0..n {
                    let j = i + (next_random(&mut rng) % (idx.len() - i) as u64) as usize;
                    idx.swap(i, j);
                }
                idx.truncate(n);
                idx
            };
            // RESP3 pairs each field with its value in an array of two.
            let pairs = withvalues && c.resp >= 3;
            c.add_array(picks.len() * (1 + (withvalues && !pairs) as usize));
            for i in picks {
                if pairs {
                    c.add_array(2);
                }
                c.add_bulk(all[i].0);
                if withvalues {
                    c.add_bulk(all[i].1);
                }
            }
        }
    }
    srv.st.rng = rng;
}

/// HSCAN key cursor [MATCH pattern] [COUNT count]: a compact hash is
/// returned whole with cursor 0; a table is walked like SCAN walks keys.
pub fn hscan(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    scan_key(srv, c, argv, Value::is_hash, |v, cursor, count| {
        let mut found: ScanItems = Vec::new();
        let next = match v.hash_table() {
            None => {
                v.hash_for_each(|f, x| found.push((f.to_vec(), Some(x.to_vec()))));
                0
            }
            // A field and its value count as two replies.
            Some(t) => scan_table(t, cursor, count, 2, &mut found, |e| (e.key().to_vec(), Some(e.value().to_vec()))),
        };
        (next, found)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The encoding switches as Redis's does: past 512 fields or for a string
    /// over 64 bytes, and never back.
    #[test]
    fn encoding_switches_at_redis_limits() {
        let mut v = Value::new_hash();
        for i in 0..MAX_LISTPACK_ENTRIES {
            assert!(set(&mut v, 7, format!("f{i}").as_bytes(), b"v"));
        }
        assert!(v.hash_is_listpack());
        assert!(!set(&mut v, 7, b"f0", &[b'x'; MAX_LISTPACK_VALUE]));
        assert!(v.hash_is_listpack(), "64 bytes still fit");
        assert!(set(&mut v, 7, b"one more", b"v"));
        assert!(!v.hash_is_listpack(), "513 fields convert");
        for i in 0..MAX_LISTPACK_ENTRIES {
            assert!(v.hash_del(format!("f{i}").as_bytes()));
        }
        assert_eq!(v.hash_len(), 1);
        assert!(!v.hash_is_listpack(), "never back");
        v.free();

        let mut v = Value::new_hash();
        set(&mut v, 7, b"a", b"1");
        set(&mut v, 7, b"b", &[b'y'; MAX_LISTPACK_VALUE + 1]);
        assert!(!v.hash_is_listpack(), "a 65-byte value converts");
        assert_eq!(v.hash_get(b"a"), Some(&b"1"[..]));
        v.free();

        let mut v = Value::new_hash();
        try_conversion(&mut v, 7, &[b"f", &[b'z'; MAX_LISTPACK_VALUE + 1]]);
        assert!(!v.hash_is_listpack(), "HSET's arguments are checked before any is set");
        v.free();
    }
}
