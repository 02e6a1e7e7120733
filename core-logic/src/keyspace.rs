//! Generic key commands (the commands of Redis's `db.c`): DEL, UNLINK,
//! EXISTS, TYPE, KEYS, SCAN, DBSIZE, RANDOMKEY, RENAME, RENAMENX, FLUSHDB,
//! FLUSHALL. Key access itself is `db.rs`'s `Keyspace`.

use crate::db::{Keyspace, Ttl};
use crate::notify::class;
use crate::reply::{err, Reply};
use crate::server::Server;
use crate::util::{eq_ic, glob_match, parse_i64};
use hotkv_abi::dict::{DictEntry, RDict};
use hotkv_abi::object::{Value, NO_EXPIRE};
use hotkv_abi::state::Client;

/// The type name TYPE and SCAN's TYPE filter use (Redis's `getObjectTypeName`).
fn type_name(v: Option<&Value>) -> &'static str {
    match v {
        None => "none",
        Some(v) if v.is_string() => "string",
        Some(v) if v.is_hash() => "hash",
        Some(v) if v.is_set() => "set",
        Some(v) if v.is_list() => "list",
        Some(v) if v.is_zset() => "zset",
        Some(_) => "unknown",
    }
}

/// The value at `key` if it is of the type `is_type` tells, for reading or
/// for writing: `Ok(None)` when missing; for another type WRONGTYPE is
/// replied and `Err` returned.
pub fn lookup_typed<'k>(ks: &'k mut Keyspace, c: &mut Client, key: &[u8], for_write: bool, is_type: fn(&Value) -> bool) -> Result<Option<&'k mut Value>, ()> {
    let e = if for_write { ks.lookup_write(key) } else { ks.lookup_read(key) };
    match e {
        None => Ok(None),
        Some(e) if !is_type(&e.value) => {
            c.add_error(err::WRONGTYPE);
            Err(())
        }
        Some(e) => Ok(Some(&mut e.value)),
    }
}

/// DEL and UNLINK: the number of live keys deleted (a repeated key counts
/// once). Values are freed at once either way: nothing here is large enough
/// yet to be worth freeing elsewhere.
fn del_generic(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    let mut n = 0;
    for k in &argv[1..] {
        if ks.delete_live(k) {
            ks.notify(class::GENERIC, "del", k);
            n += 1;
        }
    }
    c.add_int(n as i64);
}

pub fn del(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    del_generic(srv, c, argv);
}

pub fn unlink(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    del_generic(srv, c, argv);
}

/// EXISTS counts every argument that names a key, repeats included.
pub fn exists(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    let n = argv[1..].iter().filter(|k| ks.lookup_read_notouch(k).is_some()).count();
    c.add_int(n as i64);
}

pub fn type_(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    let name = type_name(ks.lookup_read_notouch(argv[1]).map(|e| &e.value));
    c.add_simple(name.as_bytes());
}

/// KEYS pattern: every live key matching, in table order. Expired keys are
/// skipped, not deleted: the walk only reads.
pub fn keys(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let pattern = argv[1];
    let all = pattern == b"*";
    let ks = srv.keyspace(c.db);
    let mut found = Vec::new();
    ks.for_each_live(|k| {
        if all || glob_match(pattern, k, false) {
            found.push(k);
        }
    });
    c.add_array(found.len());
    for k in found {
        c.add_bulk(k);
    }
}

/// A SCAN cursor as Redis's `parseScanCursorOrReply` reads it (`strtoul`,
/// base 10): an optional sign ("-1" wraps around), digits, nothing else; an
/// empty string is cursor 0, out of range is an error.
pub fn parse_cursor(s: &[u8]) -> Option<u64> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        // strtoul reads nothing: cursor 0, and nothing left over only if
        // there was no sign either.
        return s.is_empty().then_some(0);
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((d - b'0') as u64)?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// The options of SCAN and its per-type variants (`argv[from..]`), as
/// Redis's `scanGenericCommand` reads them; TYPE only when `allow_type`.
pub struct ScanOpts<'a> {
    pub count: usize,
    /// None for no pattern (or "*", which matches everything).
    pub pattern: Option<&'a [u8]>,
    pub typ: Option<&'a [u8]>,
}

pub fn parse_scan_opts<'a>(argv: &[&'a [u8]], from: usize, allow_type: bool) -> Result<ScanOpts<'a>, &'static str> {
    let mut o = ScanOpts { count: 10, pattern: None, typ: None };
    let mut i = from;
    while i < argv.len() {
        let (opt, val) = (argv[i], argv.get(i + 1).copied());
        match val {
            Some(v) if eq_ic(opt, b"count") => match parse_i64(v) {
                None => return Err(err::NOT_INTEGER),
                Some(n) if n < 1 => return Err(err::SYNTAX),
                Some(n) => o.count = n as usize,
            },
            Some(v) if eq_ic(opt, b"match") => o.pattern = (v != b"*").then_some(v),
            Some(v) if allow_type && eq_ic(opt, b"type") => o.typ = Some(v),
            _ => return Err(err::SYNTAX),
        }
        i += 2;
    }
    Ok(o)
}

/// Walks the table of a collection (HSCAN, SSCAN) from `cursor` as Redis's
/// `scanGenericCommand` does: up to 10 * COUNT buckets, until `count`
/// replies, each entry found being `per_entry` replies. Returns the next
/// cursor.
pub fn scan_table<E: DictEntry, T>(t: &RDict<E>, mut cursor: u64, count: usize, per_entry: usize, found: &mut Vec<T>, mut f: impl FnMut(&E) -> T) -> u64 {
    let mut budget = count.saturating_mul(10);
    loop {
        cursor = t.scan(cursor, |e| found.push(f(e)));
        if cursor == 0 || budget == 0 || found.len() * per_entry >= count {
            return cursor;
        }
        budget -= 1;
    }
}

/// What one HSCAN/SSCAN/ZSCAN call found: each element (a field or
/// member, which MATCH filters) with its companion reply (a hash value, a
/// score), if the type has one.
pub type ScanItems = Vec<(Vec<u8>, Option<Vec<u8>>)>;

/// HSCAN, SSCAN and ZSCAN: `key cursor [MATCH pattern] [COUNT count]`, as
/// Redis's `scanGenericCommand` does it for one key. The cursor is checked
/// first, then the key (missing: an empty scan; another type than
/// `is_type`: WRONGTYPE), then the options. `collect` gets the value, the
/// cursor and COUNT, and returns the next cursor and what it found.
pub fn scan_key(srv: &mut Server, c: &mut Client, argv: &[&[u8]], is_type: fn(&Value) -> bool, collect: impl FnOnce(&Value, u64, usize) -> (u64, ScanItems)) {
    let Some(cursor) = parse_cursor(argv[2]) else { return c.add_error("invalid cursor") };
    let mut ks = srv.keyspace(c.db);
    let v = match lookup_typed(&mut ks, c, argv[1], false, is_type) {
        Err(()) => return,
        Ok(None) => {
            c.add_array(2);
            c.add_bulk(b"0");
            return c.add_array(0);
        }
        Ok(Some(v)) => v,
    };
    let opts = match parse_scan_opts(argv, 3, false) {
        Ok(o) => o,
        Err(e) => return c.add_error(e),
    };
    let (next, mut found) = collect(v, cursor, opts.count);
    if let Some(p) = opts.pattern {
        found.retain(|(e, _)| glob_match(p, e, false));
    }
    c.add_array(2);
    c.add_bulk(next.to_string().as_bytes());
    c.add_array(found.iter().map(|(_, x)| 1 + x.is_some() as usize).sum());
    for (e, x) in &found {
        c.add_bulk(e);
        if let Some(x) = x {
            c.add_bulk(x);
        }
    }
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
pub fn scan(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let Some(cursor) = parse_cursor(argv[1]) else { return c.add_error("invalid cursor") };
    let ScanOpts { count, pattern, typ } = match parse_scan_opts(argv, 2, true) {
        Ok(o) => o,
        Err(e) => return c.add_error(e),
    };
    let mut ks = srv.keyspace(c.db);
    let (next, mut names) = ks.scan(cursor, count);
    // Filters in Redis's order: pattern, type (a read lookup, which counts a
    // hit and expires the key), then expiry.
    names.retain(|k| {
        if pattern.is_some_and(|p| !glob_match(p, k, false)) {
            return false;
        }
        if let Some(t) = typ {
            let name = type_name(ks.lookup_read_notouch(k).map(|e| &e.value));
            if !eq_ic(t, name.as_bytes()) {
                return false;
            }
        }
        !ks.expire_if_needed(k)
    });
    c.add_array(2);
    c.add_bulk(next.to_string().as_bytes());
    c.add_array(names.len());
    for k in &names {
        c.add_bulk(k);
    }
}

/// DBSIZE: keys in the table, including expired ones not yet deleted.
pub fn dbsize(srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    let n = srv.keyspace(c.db).len();
    c.add_int(n as i64);
}

pub fn randomkey(srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    // The generator lives in the state, beside the databases the keyspace
    // borrows: use a copy and store it back.
    let mut rng = srv.st.rng;
    let key = srv.keyspace(c.db).random_key(&mut rng);
    srv.st.rng = rng;
    match key {
        Some(k) => c.add_bulk(&k),
        None => c.add_null(),
    }
}

/// RENAME and RENAMENX: the value and its expiry move to the new name,
/// replacing what was there (RENAME) or only if nothing was (RENAMENX).
/// A key renamed onto itself stays as it is.
fn rename_generic(srv: &mut Server, c: &mut Client, argv: &[&[u8]], nx: bool) {
    let (src, dst) = (argv[1], argv[2]);
    let reply = |c: &mut Client, done: bool| if nx { c.add_int(done as i64) } else { c.add_ok() };
    let mut ks = srv.keyspace(c.db);
    if ks.lookup_write_check(src).is_none() {
        return c.add_error(err::NO_SUCH_KEY);
    }
    if src == dst {
        return reply(c, false);
    }
    if nx && ks.lookup_write_check(dst).is_some() {
        return reply(c, false);
    }
    let (value, when) = ks.take(src).expect("looked up above");
    // Redis deletes a replaced key and adds the new one (a "new" event).
    if ks.lookup_write(dst).is_some() {
        ks.delete(dst);
    }
    ks.set(dst, value, if when == NO_EXPIRE { Ttl::Clear } else { Ttl::At(when) });
    ks.notify(class::GENERIC, "rename_from", src);
    ks.notify(class::GENERIC, "rename_to", dst);
    // Redis deletes what was at `dst` and adds the key anew, which wakes
    // its waiters even when `dst` existed (as another type).
    ks.signal_ready(dst);
    reply(c, true);
}

pub fn rename(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    rename_generic(srv, c, argv, false);
}

pub fn renamenx(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    rename_generic(srv, c, argv, true);
}

/// The optional ASYNC|SYNC of FLUSHDB and FLUSHALL. Both free at once:
/// false if the arguments are wrong (the error is sent).
fn flush_mode_ok(c: &mut Client, argv: &[&[u8]]) -> bool {
    let ok = match argv.len() {
        1 => true,
        2 => eq_ic(argv[1], b"sync") || eq_ic(argv[1], b"async"),
        _ => false,
    };
    if !ok {
        c.add_error(err::SYNTAX);
    }
    ok
}

pub fn flushdb(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    if flush_mode_ok(c, argv) {
        let n = srv.keyspace(c.db).flush();
        srv.st.persist.dirty += n as u64;
        if n > 0 {
            // A snapshot or rewrite child would write the removed keys back
            // into the files: it is stopped and its temp file removed, as
            // FLUSHALL does (Redis 7.0 lets it finish; the next save point
            // or rewrite then writes what is left).
            crate::bgsave::kill_child(srv);
        }
        if n == 0 {
            // Logged even when the database was already empty (Redis 7.0's
            // forceCommandPropagation): no change counted, so queued as is.
            srv.also_propagate(c.db, argv);
        }
        c.add_ok();
    }
}

pub fn flushall(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    if flush_mode_ok(c, argv) {
        let n = srv.flush_all();
        crate::bgsave::after_flushall(srv, n as u64);
        c.add_ok();
    }
}

/// TOUCH key...: reads every key (refreshing its access clock), counting
/// those that exist; a repeated key counts each time.
pub fn touch(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    let n = argv[1..].iter().filter(|k| ks.lookup_read(k).is_some()).count();
    c.add_int(n as i64);
}

/// A database index argument: `Ok(Some(i))` if it names a database,
/// `Ok(None)` if it is a number out of range, `Err(reply)` if it is not a
/// number that fits (`as_int`: a C int, as Redis's `getIntFromObjectOrReply`).
fn parse_db(srv: &Server, arg: &[u8], as_int: bool) -> Result<Option<u32>, &'static str> {
    let n = parse_i64(arg).ok_or(err::NOT_INTEGER)?;
    if as_int && i32::try_from(n).is_err() {
        return Err(err::INT_RANGE);
    }
    Ok((n >= 0 && n < srv.st.dbs.len() as i64).then_some(n as u32))
}

/// COPY source destination [DB destination-db] [REPLACE] (Redis 7.0's
/// `copyCommand`): a deep copy of the value, in the same encoding, with
/// the source's expiry.
pub fn copy(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let (src, dst) = (argv[1], argv[2]);
    let mut replace = false;
    let mut dst_db = c.db;
    let mut j = 3;
    while j < argv.len() {
        if eq_ic(argv[j], b"replace") {
            replace = true;
        } else if eq_ic(argv[j], b"db") && j + 1 < argv.len() {
            match parse_db(srv, argv[j + 1], false) {
                Err(e) => return c.add_error(e),
                Ok(None) => return c.add_error(err::DB_INDEX),
                Ok(Some(i)) => dst_db = i,
            }
            j += 1;
        } else {
            return c.add_error(err::SYNTAX);
        }
        j += 1;
    }
    if dst_db == c.db && src == dst {
        return c.add_error("source and destination objects are the same");
    }
    let seed = srv.st.dbs[dst_db as usize].dict.seed();
    let (copy, when) = match srv.keyspace(c.db).lookup_read(src) {
        None => return c.add_int(0),
        Some(e) => (crate::object::dup_value(&e.value, seed), e.expire_ms),
    };
    let mut ks = srv.keyspace(dst_db);
    if !replace && ks.lookup_write_check(dst).is_some() {
        let mut copy = copy;
        copy.free();
        return c.add_int(0);
    }
    ks.set(dst, copy, if when == NO_EXPIRE { Ttl::Clear } else { Ttl::At(when) });
    ks.notify(class::GENERIC, "copy_to", dst);
    // As RENAME: a replaced key is deleted and added anew.
    ks.signal_ready(dst);
    c.add_int(1);
}

/// MOVE key db: the key, its value and expiry go to another database,
/// unless a key of that name lives there.
pub fn move_(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let key = argv[1];
    let dst_db = match parse_db(srv, argv[2], true) {
        Err(e) => return c.add_error(e),
        Ok(None) => return c.add_error(err::DB_INDEX),
        Ok(Some(i)) => i,
    };
    if dst_db == c.db {
        return c.add_error("source and destination objects are the same");
    }
    if srv.keyspace(c.db).lookup_write_check(key).is_none() || srv.keyspace(dst_db).lookup_write_check(key).is_some() {
        return c.add_int(0);
    }
    let (value, when) = srv.keyspace(c.db).take(key).expect("looked up above");
    srv.keyspace(c.db).notify(class::GENERIC, "move_from", key);
    let mut ks = srv.keyspace(dst_db);
    ks.set(key, value, if when == NO_EXPIRE { Ttl::Clear } else { Ttl::At(when) });
    ks.notify(class::GENERIC, "move_to", key);
    c.add_int(1);
}

/// SWAPDB index1 index2: O(1), the two `Db`s trade their data; clients
/// keep the index they selected, so they see the other data. Watched and
/// blocking keys stay with the index, as in Redis: the watched keys whose
/// value changes this way are touched, and the clients blocked on a key
/// the swap brought in are served.
pub fn swapdb(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let Ok(a) = parse_db(srv, argv[1], true) else { return c.add_error("invalid first DB index") };
    let Ok(b) = parse_db(srv, argv[2], true) else { return c.add_error("invalid second DB index") };
    let (Some(a), Some(b)) = (a, b) else { return c.add_error(err::DB_INDEX) };
    let (a, b) = (a as usize, b as usize);
    let now = srv.now_ms;
    crate::multi::signal_swap(&srv.st.dbs[a], a as u32, &srv.st.dbs[b], now, &mut srv.touched);
    crate::multi::signal_swap(&srv.st.dbs[b], b as u32, &srv.st.dbs[a], now, &mut srv.touched);
    srv.st.dbs.swap(a, b);
    // A change of the dataset (Redis counts one, even for a database
    // swapped with itself): it is saved and logged to the AOF.
    srv.st.persist.dirty += 1;
    if a != b {
        let (lo, hi) = srv.st.dbs.split_at_mut(a.max(b));
        let (x, y) = (&mut lo[a.min(b)], &mut hi[0]);
        std::mem::swap(&mut x.watched_keys, &mut y.watched_keys);
        std::mem::swap(&mut x.blocking_keys, &mut y.blocking_keys);
    }
    for idx in [a, b] {
        let mut waited = Vec::new();
        srv.st.dbs[idx].blocking_keys.for_each(|e| waited.push(e.key().to_vec()));
        let mut ks = srv.keyspace(idx as u32);
        for key in waited {
            if ks.peek(&key).is_some() {
                ks.signal_ready(&key);
            }
        }
    }
    c.add_ok();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_as_strtoul_reads_them() {
        assert_eq!(parse_cursor(b"0"), Some(0));
        assert_eq!(parse_cursor(b""), Some(0));
        assert_eq!(parse_cursor(b"+7"), Some(7));
        assert_eq!(parse_cursor(b"-1"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551616"), None);
        for bad in [&b" 0"[..], b"0 ", b"-", b"+", b"1x", b"0x10", b"--1"] {
            assert_eq!(parse_cursor(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
