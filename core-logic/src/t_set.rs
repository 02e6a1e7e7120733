//! Set commands (Redis's `t_set.c`). The value types are `hotkv_abi`'s
//! (`setobj`): an intset while every member is an integer and the set is
//! small, a table after.

use crate::db::{Keyspace, Ttl};
use crate::keyspace::{scan_key, scan_table, ScanItems};
use crate::notify::class;
use crate::reply::{err, Reply};
use crate::server::Server;
use crate::util::{eq_ic, parse_i64};
use hotkv_abi::dict::{next_random, DictEntry};
use hotkv_abi::object::{canonical_i64, Value};
use hotkv_abi::setobj::Member;
use hotkv_abi::state::Client;

/// Redis's `set-max-intset-entries` default: more members than this and the
/// intset is converted to a table.
pub const MAX_INTSET_ENTRIES: usize = 512;

/// Adds one member (Redis's `setTypeAdd`): an intset converts first for a
/// member that is not an integer, after for one member too many. True if
/// the member is new.
fn add(v: &mut Value, seed: u64, member: &[u8]) -> bool {
    if v.set_is_intset() && canonical_i64(member).is_none() {
        v.set_convert_to_table(seed);
    }
    let new = v.set_add(member);
    if v.set_is_intset() && v.set_len() > MAX_INTSET_ENTRIES {
        v.set_convert_to_table(seed);
    }
    new
}

/// A set built from `members` (distinct), in the encoding Redis would give it.
pub(crate) fn build(seed: u64, members: &[Vec<u8>]) -> Value {
    let mut v = Value::new_set();
    if members.len() > MAX_INTSET_ENTRIES || members.iter().any(|m| canonical_i64(m).is_none()) {
        v.set_convert_to_table(seed);
    }
    for m in members {
        add(&mut v, seed, m);
    }
    v
}

fn seed(ks: &Keyspace) -> u64 {
    ks.db.dict.seed()
}

/// Every member of a set as bytes, in its iteration order.
fn members(v: &Value) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(v.set_len());
    v.set_for_each(|m| out.push(m.to_vec()));
    out
}

fn add_member(c: &mut Client, m: Member) {
    let mut buf = [0u8; 20];
    c.add_bulk(m.bytes(&mut buf));
}

/// The set at `key`, looked up for reading or for writing: `Ok(None)` when
/// missing; WRONGTYPE is replied and `Err` returned for another type.
fn lookup<'k>(ks: &'k mut Keyspace, c: &mut Client, key: &[u8], for_write: bool) -> Result<Option<&'k mut Value>, ()> {
    crate::keyspace::lookup_typed(ks, c, key, for_write, Value::is_set)
}

fn read<'k>(ks: &'k mut Keyspace, c: &mut Client, key: &[u8]) -> Result<Option<&'k mut Value>, ()> {
    lookup(ks, c, key, false)
}

fn write<'k>(ks: &'k mut Keyspace, c: &mut Client, key: &[u8]) -> Result<Option<&'k mut Value>, ()> {
    lookup(ks, c, key, true)
}

/// SADD key member [member ...]: the number of members added.
pub fn sadd(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    let seed = seed(&ks);
    match write(&mut ks, c, argv[1]) {
        Err(()) => return,
        Ok(Some(_)) => {}
        Ok(None) => {
            ks.set(argv[1], Value::new_set(), Ttl::Clear);
        }
    }
    let v = &mut ks.lookup_write(argv[1]).expect("just made").value;
    let n = argv[2..].iter().filter(|m| add(v, seed, m)).count();
    if n > 0 {
        ks.notify(class::SET, "sadd", argv[1]);
    }
    c.add_int(n as i64);
}

/// SREM key member [member ...]: the number removed; the key goes with its
/// last member.
pub fn srem(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    let v = match write(&mut ks, c, argv[1]) {
        Err(()) => return,
        Ok(None) => return c.add_int(0),
        Ok(Some(v)) => v,
    };
    let mut n = 0;
    let mut emptied = false;
    for m in &argv[2..] {
        if v.set_remove(m) {
            n += 1;
            if v.set_len() == 0 {
                emptied = true;
                break;
            }
        }
    }
    if n > 0 {
        ks.notify(class::SET, "srem", argv[1]);
    }
    ks.delete_if_emptied(argv[1], emptied);
    c.add_int(n);
}

pub fn sismember(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    match read(&mut ks, c, argv[1]) {
        Err(()) => {}
        Ok(v) => c.add_int(v.is_some_and(|v| v.set_contains(argv[2])) as i64),
    }
}

pub fn smismember(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    let Ok(v) = read(&mut ks, c, argv[1]) else { return };
    c.add_array(argv.len() - 2);
    for m in &argv[2..] {
        c.add_int(v.as_ref().is_some_and(|v| v.set_contains(m)) as i64);
    }
}

pub fn scard(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    match read(&mut ks, c, argv[1]) {
        Err(()) => {}
        Ok(v) => c.add_int(v.map_or(0, |v| v.set_len()) as i64),
    }
}

/// SMEMBERS key: every member (Redis 7.0 answers it as a one-key SINTER).
pub fn smembers(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    match read(&mut ks, c, argv[1]) {
        Err(()) => {}
        Ok(None) => c.add_set(0),
        Ok(Some(v)) => {
            c.add_set(v.set_len());
            v.set_for_each(|m| add_member(c, m));
        }
    }
}

/// A random member of a non-empty set.
fn random_member(v: &mut Value, rng: &mut u64) -> Vec<u8> {
    if v.set_is_intset() {
        let idx = (next_random(rng) % v.set_len() as u64) as usize;
        return v.set_int_at(idx).expect("an intset").to_string().into_bytes();
    }
    let t = v.set_table_mut().expect("a set");
    let e = t.random(rng);
    // SAFETY: a non-empty table returns a live node.
    unsafe { (*e).key().to_vec() }
}

/// `n` distinct indexes below `len` (a partial Fisher-Yates shuffle).
pub(crate) fn distinct_picks(rng: &mut u64, len: usize, n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..len).collect();
    for i in 0..n {
        let j = i + (next_random(rng) % (len - i) as u64) as usize;
        idx.swap(i, j);
    }
    idx.truncate(n);
    idx
}

/// SPOP key [count]
pub fn spop(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    if argv.len() > 3 {
        return c.add_error(err::SYNTAX);
    }
    let count = if argv.len() == 3 {
        match parse_i64(argv[2]) {
            Some(n) if n >= 0 => Some(n as u64),
            _ => return c.add_error("value is out of range, must be positive"),
        }
    } else {
        None
    };
    let mut rng = srv.st.rng;
    let mut ks = srv.keyspace(c.db);
    let v = match (write(&mut ks, c, argv[1]), count) {
        (Err(()), _) => return,
        (Ok(None), None) => return c.add_null(),
        (Ok(None), Some(_)) => return c.add_set(0),
        (Ok(Some(_)), Some(0)) => {
            // The write lookup counted a change that did not happen: nothing
            // to log, as in Redis.
            srv.prevent_propagation();
            return c.add_set(0);
        }
        (Ok(Some(v)), _) => v,
    };
    let popped: Vec<Vec<u8>> = match count {
        None => vec![random_member(v, &mut rng)],
        Some(n) if n as usize >= v.set_len() => members(v),
        Some(n) => {
            let all = members(v);
            distinct_picks(&mut rng, all.len(), n as usize).into_iter().map(|i| all[i].clone()).collect()
        }
    };
    for m in &popped {
        v.set_remove(m);
    }
    let emptied = v.set_len() == 0;
    ks.notify(class::SET, "spop", argv[1]);
    ks.delete_if_emptied(argv[1], emptied);
    srv.st.rng = rng;
    // Which members go is random: replayed as is, SPOP would pop others.
    // Logged as what it removed, as Redis 7.0: one SREM for one member, DEL
    // for a count that took them all, else one SREM per member (several
    // ops, so a MULTI/EXEC block).
    match count {
        None => srv.propagate_as(&[b"SREM", argv[1], &popped[0]]),
        Some(_) if emptied => srv.propagate_as(&[b"DEL", argv[1]]),
        Some(_) => {
            let db = c.db;
            for m in &popped {
                srv.also_propagate(db, &[b"SREM", argv[1], m]);
            }
            srv.prevent_propagation();
        }
    }
    match count {
        None => c.add_bulk(&popped[0]),
        Some(_) => {
            c.add_set(popped.len());
            for m in &popped {
                c.add_bulk(m);
            }
        }
    }
}

/// The count of SRANDMEMBER and ZRANDMEMBER (Redis's
/// `getRangeLongFromObjectOrReply` from -LONG_MAX to LONG_MAX), or the error.
pub(crate) fn parse_rand_count(a: &[u8]) -> Result<i64, String> {
    match parse_i64(a) {
        None => Err(err::NOT_INTEGER.into()),
        Some(i64::MIN) => Err(format!("value is out of range, value must between {} and {}", -i64::MAX, i64::MAX)),
        Some(n) => Ok(n),
    }
}

/// SRANDMEMBER key [count]: distinct members for a positive count, picks
/// with repetition for a negative one.
pub fn srandmember(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    if argv.len() > 3 {
        return c.add_error(err::SYNTAX);
    }
    let count = if argv.len() == 3 {
        match parse_rand_count(argv[2]) {
            Ok(n) => Some(n),
            Err(e) => return c.add_error(&e),
        }
    } else {
        None
    };
    let mut rng = srv.st.rng;
    let mut ks = srv.keyspace(c.db);
    match (read(&mut ks, c, argv[1]), count) {
        (Err(()), _) => {}
        (Ok(None), None) => c.add_null(),
        (Ok(None), Some(_)) | (Ok(Some(_)), Some(0)) => c.add_array(0),
        (Ok(Some(v)), None) => c.add_bulk(&random_member(v, &mut rng)),
        (Ok(Some(v)), Some(l)) if l < 0 => {
            let n = l.unsigned_abs() as usize;
            c.add_array(n);
            for _ in 0..n {
                c.add_bulk(&random_member(v, &mut rng));
            }
        }
        (Ok(Some(v)), Some(l)) => {
            let all = members(v);
            let n = (l as u64).min(all.len() as u64) as usize;
            let picks = if n == all.len() { (0..n).collect() } else { distinct_picks(&mut rng, all.len(), n) };
            c.add_array(n);
            for i in picks {
                c.add_bulk(&all[i]);
            }
        }
    }
    srv.st.rng = rng;
}

/// SMOVE source destination member
pub fn smove(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let (src, dst, member) = (argv[1], argv[2], argv[3]);
    let mut ks = srv.keyspace(c.db);
    let seed = seed(&ks);
    let src_kind = ks.lookup_write_check(src).map(|e| e.value.is_set());
    let dst_kind = ks.lookup_write_check(dst).map(|e| e.value.is_set());
    match (src_kind, dst_kind) {
        (None, _) => return c.add_int(0),
        (Some(false), _) | (_, Some(false)) => return c.add_error(err::WRONGTYPE),
        _ => {}
    }
    let v = &mut ks.lookup_write(src).expect("checked").value;
    if src == dst {
        return c.add_int(v.set_contains(member) as i64);
    }
    if !v.set_remove(member) {
        return c.add_int(0);
    }
    let emptied = v.set_len() == 0;
    ks.notify(class::SET, "srem", src);
    ks.delete_if_emptied(src, emptied);
    if dst_kind.is_none() {
        ks.set(dst, Value::new_set(), Ttl::Clear);
    }
    if add(&mut ks.lookup_write(dst).expect("made").value, seed, member) {
        ks.notify(class::SET, "sadd", dst);
    }
    c.add_int(1);
}

/// The sets at `keys` for SINTER/SUNION/SDIFF and their STORE forms
/// (missing keys are `None`), or `Err` after a WRONGTYPE reply: every key
/// is checked before any result is computed.
fn load_sets(ks: &mut Keyspace, c: &mut Client, keys: &[&[u8]], for_write: bool) -> Result<Vec<Option<Vec<Vec<u8>>>>, ()> {
    keys.iter().map(|k| Ok(lookup(ks, c, k, for_write)?.map(|v| members(v)))).collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Inter,
    Union,
    Diff,
}

/// The result of `op` over the loaded sets (distinct members); `limit` stops
/// an intersection early (SINTERCARD; 0 for none).
fn compute(op: Op, sets: &[Option<Vec<Vec<u8>>>], limit: usize) -> Vec<Vec<u8>> {
    use std::collections::HashSet;
    match op {
        Op::Inter => {
            if sets.iter().any(|s| s.as_ref().is_none_or(|s| s.is_empty())) {
                return Vec::new();
            }
            let mut order: Vec<&Vec<Vec<u8>>> = sets.iter().map(|s| s.as_ref().unwrap()).collect();
            order.sort_by_key(|s| s.len());
            let indexes: Vec<HashSet<&[u8]>> = order[1..].iter().map(|s| s.iter().map(|m| m.as_slice()).collect()).collect();
            let mut out = Vec::new();
            for m in order[0] {
                if indexes.iter().all(|i| i.contains(m.as_slice())) {
                    out.push(m.clone());
                    if limit != 0 && out.len() >= limit {
                        break;
                    }
                }
            }
            out
        }
        Op::Union => {
            let mut seen: HashSet<&[u8]> = HashSet::new();
            let mut out = Vec::new();
            for s in sets.iter().flatten() {
                for m in s {
                    if seen.insert(m) {
                        out.push(m.clone());
                    }
                }
            }
            out
        }
        Op::Diff => {
            let Some(Some(first)) = sets.first() else { return Vec::new() };
            let rest: HashSet<&[u8]> = sets[1..].iter().flatten().flatten().map(|m| m.as_slice()).collect();
            first.iter().filter(|m| !rest.contains(m.as_slice())).cloned().collect()
        }
    }
}

/// SINTER/SUNION/SDIFF key [key ...]
fn set_op(srv: &mut Server, c: &mut Client, keys: &[&[u8]], op: Op) {
    let mut ks = srv.keyspace(c.db);
    let Ok(sets) = load_sets(&mut ks, c, keys, false) else { return };
    let out = compute(op, &sets, 0);
    c.add_set(out.len());
    for m in &out {
        c.add_bulk(m);
    }
}

/// The STORE forms: the result replaces `dst` whatever it held (and its
/// TTL); an empty result deletes `dst`. Replies the result's size.
/// `event` is the keyspace event of a stored result.
fn set_op_store(srv: &mut Server, c: &mut Client, dst: &[u8], keys: &[&[u8]], op: Op, event: &'static str) {
    let mut ks = srv.keyspace(c.db);
    let seed = seed(&ks);
    let Ok(sets) = load_sets(&mut ks, c, keys, true) else { return };
    let out = compute(op, &sets, 0);
    if out.is_empty() {
        if ks.delete(dst) {
            ks.notify(class::GENERIC, "del", dst);
        }
    } else {
        ks.set(dst, build(seed, &out), Ttl::Clear);
        ks.notify(class::SET, event, dst);
    }
    c.add_int(out.len() as i64);
}

pub fn sinter(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    set_op(srv, c, &argv[1..], Op::Inter);
}

pub fn sunion(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    set_op(srv, c, &argv[1..], Op::Union);
}

pub fn sdiff(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    set_op(srv, c, &argv[1..], Op::Diff);
}

pub fn sinterstore(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    set_op_store(srv, c, argv[1], &argv[2..], Op::Inter, "sinterstore");
}

pub fn sunionstore(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    set_op_store(srv, c, argv[1], &argv[2..], Op::Union, "sunionstore");
}

pub fn sdiffstore(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    set_op_store(srv, c, argv[1], &argv[2..], Op::Diff, "sdiffstore");
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit]
pub fn sintercard(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let numkeys = match parse_i64(argv[1]) {
        Some(n) if n >= 1 => n as u64,
        _ => return c.add_error("numkeys should be greater than 0"),
    };
    if numkeys > (argv.len() - 2) as u64 {
        return c.add_error("Number of keys can't be greater than number of args");
    }
    let numkeys = numkeys as usize;
    let mut limit = 0usize;
    let mut j = 2 + numkeys;
    while j < argv.len() {
        if eq_ic(argv[j], b"limit") && j + 1 < argv.len() {
            j += 1;
            match parse_i64(argv[j]) {
                Some(n) if n >= 0 => limit = n as usize,
                _ => return c.add_error("LIMIT can't be negative"),
            }
        } else {
            return c.add_error(err::SYNTAX);
        }
        j += 1;
    }
    let mut ks = srv.keyspace(c.db);
    let Ok(sets) = load_sets(&mut ks, c, &argv[2..2 + numkeys], false) else { return };
    c.add_int(compute(Op::Inter, &sets, limit).len() as i64);
}

/// SSCAN key cursor [MATCH pattern] [COUNT count]: an intset is returned
/// whole with cursor 0; a table is walked like SCAN walks keys.
pub fn sscan(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    scan_key(srv, c, argv, Value::is_set, |v, cursor, count| {
        let mut found: ScanItems = Vec::new();
        let next = match v.set_table() {
            None => {
                v.set_for_each(|m| found.push((m.to_vec(), None)));
                0
            }
            Some(t) => scan_table(t, cursor, count, 1, &mut found, |e| (e.key().to_vec(), None)),
        };
        (next, found)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The encoding switches as Redis's does: past 512 integers or for a
    /// member that is not a canonical integer, and never back.
    #[test]
    fn encoding_switches_at_redis_limits() {
        let mut v = Value::new_set();
        for i in 0..MAX_INTSET_ENTRIES {
            assert!(add(&mut v, 7, i.to_string().as_bytes()));
        }
        assert!(v.set_is_intset());
        assert!(!add(&mut v, 7, b"0"));
        assert!(add(&mut v, 7, b"100000"));
        assert!(!v.set_is_intset(), "513 members convert");
        for i in 0..MAX_INTSET_ENTRIES {
            assert!(v.set_remove(i.to_string().as_bytes()));
        }
        assert_eq!(v.set_len(), 1);
        assert!(!v.set_is_intset(), "never back");
        v.free();

        for not_int in [&b"a"[..], b"01", b"-0", b"+1", b" 1", b"9223372036854775808"] {
            let mut v = Value::new_set();
            add(&mut v, 7, b"1");
            add(&mut v, 7, not_int);
            assert!(!v.set_is_intset(), "{:?} converts", String::from_utf8_lossy(not_int));
            assert!(v.set_contains(b"1") && v.set_contains(not_int));
            v.free();
        }
        let v = build(7, &[b"-9223372036854775808".to_vec(), b"9223372036854775807".to_vec()]);
        assert!(v.set_is_intset());
        assert_eq!(members(&v), vec![b"-9223372036854775808".to_vec(), b"9223372036854775807".to_vec()]);
        let mut v = v;
        v.free();
    }
}
