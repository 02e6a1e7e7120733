//! List commands (Redis 7.0's `t_list.c`); the blocking ones wait through
//! `blocking.rs` and run again when a key they wait on is created. The value
//! type is `hotkv_abi`'s ring (`listobj`). A list that loses its last
//! element is deleted, as in Redis. Argument checks come in Redis's order
//! (some before the key lookup, some after), since the replies differ.

use crate::db::{Keyspace, Ttl};
use crate::blocking;
use crate::notify::class;
use crate::reply::{err, Reply};
use crate::server::Server;
use crate::util::{eq_ic, parse_i64};
use hotkv_abi::object::Value;
use hotkv_abi::state::Client;

/// The list at `key` for reading or writing: `Ok(None)` when missing;
/// WRONGTYPE is replied and `Err` returned for another type.
fn lookup<'k>(ks: &'k mut Keyspace, c: &mut Client, key: &[u8], for_write: bool) -> Result<Option<&'k mut Value>, ()> {
    crate::keyspace::lookup_typed(ks, c, key, for_write, Value::is_list)
}

/// The list at `key` if there is one; otherwise `missing` replies (or
/// WRONGTYPE is replied) and None is returned.
fn existing<'k>(ks: &'k mut Keyspace, c: &mut Client, key: &[u8], for_write: bool, missing: fn(&mut Client)) -> Option<&'k mut Value> {
    match lookup(ks, c, key, for_write) {
        Err(()) => None,
        Ok(None) => {
            missing(c);
            None
        }
        Ok(Some(v)) => Some(v),
    }
}

fn reply_zero(c: &mut Client) {
    c.add_int(0);
}

fn reply_empty_array(c: &mut Client) {
    c.add_array(0);
}

/// An integer of at least `min` (Redis's `getRangeLongFromObjectOrReply`,
/// whose callers give one message for both failures).
fn at_least(a: &[u8], min: i64) -> Option<i64> {
    parse_i64(a).filter(|&n| n >= min)
}

/// LEFT or RIGHT: true for LEFT (the head).
fn parse_where(a: &[u8]) -> Option<bool> {
    if eq_ic(a, b"left") {
        Some(true)
    } else if eq_ic(a, b"right") {
        Some(false)
    } else {
        None
    }
}

fn push_generic(srv: &mut Server, c: &mut Client, argv: &[&[u8]], left: bool, only_existing: bool) {
    let mut ks = srv.keyspace(c.db);
    match lookup(&mut ks, c, argv[1], true) {
        Err(()) => return,
        Ok(Some(_)) => {}
        Ok(None) if only_existing => return c.add_int(0),
        Ok(None) => {
            ks.set(argv[1], Value::new_list(), Ttl::Clear);
        }
    }
    let v = &mut ks.lookup_write(argv[1]).expect("just made").value;
    for e in &argv[2..] {
        v.list_push(e, left);
    }
    let len = v.list_len();
    ks.notify(class::LIST, push_event(left), argv[1]);
    c.add_int(len as i64);
}

/// LPUSH key element [element ...]: the new length.
pub fn lpush(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    push_generic(srv, c, argv, true, false);
}

/// RPUSH key element [element ...]
pub fn rpush(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    push_generic(srv, c, argv, false, false);
}

/// LPUSHX key element [element ...]: 0 when the key does not exist.
pub fn lpushx(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    push_generic(srv, c, argv, true, true);
}

/// RPUSHX key element [element ...]
pub fn rpushx(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    push_generic(srv, c, argv, false, true);
}

/// The keyspace event of a push at one end.
fn push_event(left: bool) -> &'static str {
    if left {
        "lpush"
    } else {
        "rpush"
    }
}

/// The keyspace event of a pop from one end.
fn pop_event(left: bool) -> &'static str {
    if left {
        "lpop"
    } else {
        "rpop"
    }
}

/// Pops up to `count` elements from one end, in pop order; the key goes
/// with its last element.
fn pop_n(ks: &mut Keyspace, key: &[u8], left: bool, count: usize) -> Vec<Vec<u8>> {
    let v = &mut ks.lookup_write(key).expect("a list").value;
    let mut out = Vec::with_capacity(count.min(v.list_len()));
    while out.len() < count {
        match v.list_pop(left) {
            Some(e) => out.push(e),
            None => break,
        }
    }
    let emptied = v.list_len() == 0;
    ks.notify(class::LIST, pop_event(left), key);
    ks.delete_if_emptied(key, emptied);
    out
}

fn add_bulks(c: &mut Client, items: &[Vec<u8>]) {
    c.add_array(items.len());
    for i in items {
        c.add_bulk(i);
    }
}

/// LPOP/RPOP key [count]: one element as a bulk, or with a count an array
/// (a missing key is then a null array, a count of 0 an empty array).
fn pop_generic(srv: &mut Server, c: &mut Client, argv: &[&[u8]], left: bool) {
    if argv.len() > 3 {
        let name = String::from_utf8_lossy(argv[0]).to_ascii_lowercase();
        return c.add_error(&format!("wrong number of arguments for '{name}' command"));
    }
    let count = if argv.len() == 3 {
        let Some(n) = at_least(argv[2], 0) else {
            return c.add_error("value is out of range, must be positive");
        };
        Some(n)
    } else {
        None
    };
    let mut ks = srv.keyspace(c.db);
    match lookup(&mut ks, c, argv[1], true) {
        Err(()) => return,
        Ok(None) if count.is_some() => return c.add_null_array(),
        Ok(None) => return c.add_null(),
        Ok(Some(_)) => {}
    }
    match count {
        Some(0) => {
            // The write lookup counted a change that did not happen: nothing
            // to log, as in Redis.
            srv.prevent_propagation();
            c.add_array(0)
        }
        None => {
            let e = pop_n(&mut ks, argv[1], left, 1);
            c.add_bulk(&e[0]);
        }
        Some(n) => {
            let items = pop_n(&mut ks, argv[1], left, n as usize);
            add_bulks(c, &items);
        }
    }
}

pub fn lpop(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    pop_generic(srv, c, argv, true);
}

pub fn rpop(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    pop_generic(srv, c, argv, false);
}

/// LLEN key
pub fn llen(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    if let Ok(v) = lookup(&mut ks, c, argv[1], false) {
        c.add_int(v.map_or(0, |v| v.list_len() as i64));
    }
}

/// An index from the head for `i` (negative: from the tail), if in range.
fn index_of(i: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let i = if i < 0 { len.checked_add(i)? } else { i };
    (0..len).contains(&i).then_some(i as usize)
}

/// LINDEX key index
pub fn lindex(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    let Some(v) = existing(&mut ks, c, argv[1], false, Client::add_null) else {
        return;
    };
    let Some(i) = parse_i64(argv[2]) else {
        return c.add_error(err::NOT_INTEGER);
    };
    match index_of(i, v.list_len()) {
        Some(i) => {
            let mut buf = [0u8; 20];
            c.add_bulk(v.list_get(i, &mut buf));
        }
        None => c.add_null(),
    }
}

/// LSET key index element
pub fn lset(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    let Some(v) = existing(&mut ks, c, argv[1], true, |c| c.add_error(err::NO_SUCH_KEY)) else {
        return;
    };
    let Some(i) = parse_i64(argv[2]) else {
        return c.add_error(err::NOT_INTEGER);
    };
    match index_of(i, v.list_len()) {
        Some(i) => {
            v.list_set(i, argv[3]);
            ks.notify(class::LIST, "lset", argv[1]);
            c.add_ok();
        }
        None => c.add_error("index out of range"),
    }
}

/// Redis's range normalisation for LRANGE and LTRIM: `Some((start, end))`
/// inclusive, or None for an empty range.
fn range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 { len.saturating_add(start) } else { start };
    let mut end = if end < 0 { len.saturating_add(end) } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= len {
        return None;
    }
    if end >= len {
        end = len - 1;
    }
    Some((start as usize, end as usize))
}

/// LRANGE key start stop
pub fn lrange(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let (Some(start), Some(end)) = (parse_i64(argv[2]), parse_i64(argv[3])) else {
        return c.add_error(err::NOT_INTEGER);
    };
    let mut ks = srv.keyspace(c.db);
    let Some(v) = existing(&mut ks, c, argv[1], false, reply_empty_array) else {
        return;
    };
    match range(start, end, v.list_len()) {
        None => c.add_array(0),
        Some((s, e)) => {
            c.add_array(e - s + 1);
            let mut buf = [0u8; 20];
            for i in s..=e {
                c.add_bulk(v.list_get(i, &mut buf));
            }
        }
    }
}

/// LTRIM key start stop
pub fn ltrim(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let (Some(start), Some(end)) = (parse_i64(argv[2]), parse_i64(argv[3])) else {
        return c.add_error(err::NOT_INTEGER);
    };
    let mut ks = srv.keyspace(c.db);
    let Some(v) = existing(&mut ks, c, argv[1], true, Reply::add_ok) else {
        return;
    };
    let len = v.list_len();
    let (ltrim, rtrim) = match range(start, end, len) {
        None => (len, 0),
        Some((s, e)) => (s, len - e - 1),
    };
    for _ in 0..ltrim {
        v.list_pop(true);
    }
    for _ in 0..rtrim {
        v.list_pop(false);
    }
    let emptied = v.list_len() == 0;
    ks.notify(class::LIST, "ltrim", argv[1]);
    ks.delete_if_emptied(argv[1], emptied);
    c.add_ok();
}

/// LREM key count element: removes up to |count| matches (from the tail
/// for a negative count, all for 0); the number removed.
pub fn lrem(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let Some(count) = parse_i64(argv[2]) else {
        return c.add_error(err::NOT_INTEGER);
    };
    let mut ks = srv.keyspace(c.db);
    let Some(v) = existing(&mut ks, c, argv[1], true, reply_zero) else {
        return;
    };
    let mut elems = v.list_to_vec();
    let limit = if count == 0 { u64::MAX } else { count.unsigned_abs() };
    let mut removed = 0u64;
    let mut keep = vec![true; elems.len()];
    let order: Box<dyn Iterator<Item = usize>> = if count < 0 { Box::new((0..elems.len()).rev()) } else { Box::new(0..elems.len()) };
    for i in order {
        if removed == limit {
            break;
        }
        if elems[i] == argv[3] {
            keep[i] = false;
            removed += 1;
        }
    }
    if removed > 0 {
        let mut k = keep.iter();
        elems.retain(|_| *k.next().unwrap());
        if !elems.is_empty() {
            v.list_replace_all(&elems);
        }
        ks.notify(class::LIST, "lrem", argv[1]);
        ks.delete_if_emptied(argv[1], elems.is_empty());
    }
    c.add_int(removed as i64);
}

/// LINSERT key BEFORE|AFTER pivot element: the new length, -1 when the
/// pivot is not there, 0 when the key is not.
pub fn linsert(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let after = if eq_ic(argv[2], b"after") {
        true
    } else if eq_ic(argv[2], b"before") {
        false
    } else {
        return c.add_error(err::SYNTAX);
    };
    let mut ks = srv.keyspace(c.db);
    let Some(v) = existing(&mut ks, c, argv[1], true, reply_zero) else {
        return;
    };
    let mut elems = v.list_to_vec();
    let Some(pos) = elems.iter().position(|e| e == argv[3]) else {
        return c.add_int(-1);
    };
    elems.insert(pos + after as usize, argv[4].to_vec());
    v.list_replace_all(&elems);
    ks.notify(class::LIST, "linsert", argv[1]);
    c.add_int(elems.len() as i64);
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
pub fn lpos(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let (mut rank, mut count, mut maxlen) = (1i64, -1i64, 0i64);
    let mut j = 3;
    while j < argv.len() {
        let more = j + 1 < argv.len();
        let a = argv[j];
        if eq_ic(a, b"rank") && more {
            j += 1;
            match parse_i64(argv[j]) {
                None => return c.add_error(err::NOT_INTEGER),
                Some(0) => {
                    return c.add_error(
                        "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
                    )
                }
                Some(r) => rank = r,
            }
        } else if eq_ic(a, b"count") && more {
            j += 1;
            let Some(n) = at_least(argv[j], 0) else {
                return c.add_error("COUNT can't be negative");
            };
            count = n;
        } else if eq_ic(a, b"maxlen") && more {
            j += 1;
            let Some(n) = at_least(argv[j], 0) else {
                return c.add_error("MAXLEN can't be negative");
            };
            maxlen = n;
        } else {
            return c.add_error(err::SYNTAX);
        }
        j += 1;
    }
    // A negative rank searches from the tail (C's negation: LONG_MIN stays).
    let from_tail = rank < 0;
    if from_tail {
        rank = rank.wrapping_neg();
    }
    let mut ks = srv.keyspace(c.db);
    let v = match lookup(&mut ks, c, argv[1], false) {
        Err(()) => return,
        Ok(None) if count != -1 => return c.add_array(0),
        Ok(None) => return c.add_null(),
        Ok(Some(v)) => v,
    };
    let len = v.list_len();
    let mut found = Vec::new();
    let mut matches = 0i64;
    let mut buf = [0u8; 20];
    for index in 0..len {
        if maxlen != 0 && index as i64 >= maxlen {
            break;
        }
        let pos = if from_tail { len - index - 1 } else { index };
        if v.list_get(pos, &mut buf) != argv[2] {
            continue;
        }
        matches += 1;
        if matches >= rank {
            found.push(pos as i64);
            if count == -1 || (count != 0 && matches - rank + 1 >= count) {
                break;
            }
        }
    }
    if count != -1 {
        c.add_array(found.len());
        for i in found {
            c.add_int(i);
        }
    } else {
        match found.first() {
            Some(&i) => c.add_int(i),
            None => c.add_null(),
        }
    }
}

/// Pops from `src` and pushes onto `dst` (Redis's `lmoveGenericCommand`):
/// the element, or null when `src` is missing. True if it moved one.
fn lmove_generic(srv: &mut Server, c: &mut Client, src: &[u8], dst: &[u8], from_left: bool, to_left: bool) -> bool {
    let mut ks = srv.keyspace(c.db);
    match lookup(&mut ks, c, src, true) {
        Err(()) => return false,
        Ok(None) => {
            c.add_null();
            return false;
        }
        Ok(Some(_)) => {}
    }
    if lookup(&mut ks, c, dst, true).is_err() {
        return false;
    }
    let v = &mut ks.lookup_write(src).expect("a list").value;
    let elem = v.list_pop(from_left).expect("lists are never empty");
    // Pushed back onto itself, a one-element list never empties.
    let emptied = src != dst && v.list_len() == 0;
    if src == dst {
        v.list_push(&elem, to_left);
    } else {
        match ks.lookup_write(dst) {
            Some(d) => d.value.list_push(&elem, to_left),
            None => {
                let mut l = Value::new_list();
                l.list_push(&elem, to_left);
                ks.set(dst, l, Ttl::Clear);
            }
        }
    }
    // Redis announces the push onto `dst`, then the pop from `src`.
    ks.notify(class::LIST, push_event(to_left), dst);
    ks.notify(class::LIST, pop_event(from_left), src);
    ks.delete_if_emptied(src, emptied);
    c.add_bulk(&elem);
    true
}

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
pub fn lmove(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let (Some(from), Some(to)) = (parse_where(argv[3]), parse_where(argv[4])) else {
        return c.add_error(err::SYNTAX);
    };
    lmove_generic(srv, c, argv[1], argv[2], from, to);
}

/// RPOPLPUSH source destination: LMOVE source destination RIGHT LEFT.
pub fn rpoplpush(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    lmove_generic(srv, c, argv[1], argv[2], false, true);
}

/// What LMPOP, ZMPOP and their blocking forms pop: the keys, which end
/// (`first`: the first of the two words, LEFT or MIN), the count.
pub struct Mpop<'a> {
    pub keys: &'a [&'a [u8]],
    pub first: bool,
    pub count: usize,
}

/// Parses `numkeys key [key ...] END [COUNT count]` from
/// `argv[numkeys_idx]` on, END being one of `ends` (case-insensitive):
/// Redis's `lmpopGenericCommand` and `zmpopGenericCommand` read them alike.
pub fn parse_mpop<'a>(argv: &'a [&'a [u8]], numkeys_idx: usize, ends: [&[u8]; 2]) -> Result<Mpop<'a>, &'static str> {
    let numkeys = at_least(argv[numkeys_idx], 1).ok_or("numkeys should be greater than 0")? as u64;
    let where_idx = match numkeys.checked_add(numkeys_idx as u64 + 1) {
        Some(w) if w < argv.len() as u64 => w as usize,
        _ => return Err(err::SYNTAX),
    };
    let first = match argv[where_idx] {
        a if eq_ic(a, ends[0]) => true,
        a if eq_ic(a, ends[1]) => false,
        _ => return Err(err::SYNTAX),
    };
    let mut count = -1i64;
    let mut j = where_idx + 1;
    while j < argv.len() {
        if count == -1 && eq_ic(argv[j], b"count") && j + 1 < argv.len() {
            j += 1;
            count = at_least(argv[j], 1).ok_or("count should be greater than 0")?;
        } else {
            return Err(err::SYNTAX);
        }
        j += 1;
    }
    let count = if count == -1 { 1 } else { count as usize };
    Ok(Mpop { keys: &argv[numkeys_idx + 1..where_idx], first, count })
}

/// Pops from the first non-empty list of `keys`, replying as `reply` does
/// with the key and what was popped. None when every key is missing;
/// `Some(None)` when a key is of another type (WRONGTYPE replied), else
/// the key popped from and how many.
fn pop_first<'a>(ks: &mut Keyspace, c: &mut Client, keys: &[&'a [u8]], left: bool, count: usize, reply: fn(&mut Client, &[u8], &[Vec<u8>])) -> Option<Option<(&'a [u8], usize)>> {
    for key in keys {
        match lookup(ks, c, key, true) {
            Err(()) => return Some(None),
            Ok(None) => continue,
            Ok(Some(_)) => {}
        }
        let items = pop_n(ks, key, left, count);
        reply(c, key, &items);
        return Some(Some((key, items.len())));
    }
    None
}

/// Logs a pop of LMPOP or a blocking pop as the plain pop it did, as Redis
/// 7.0: a blocking command replayed could block the loader, and the
/// multi-key forms would pick a key again. `LPOP key` (BLPOP, BRPOP), or
/// `LPOP key n` with the number popped (LMPOP, BLMPOP).
fn propagate_pop(srv: &mut Server, popped: Option<Option<(&[u8], usize)>>, left: bool, with_count: bool) {
    let (key, n) = match popped {
        None => return,
        // WRONGTYPE after a write lookup, which counted a change: nothing
        // happened, nothing to log (a blocking command least of all).
        Some(None) => return srv.prevent_propagation(),
        Some(Some(p)) => p,
    };
    let name: &[u8] = if left { b"LPOP" } else { b"RPOP" };
    if with_count {
        srv.propagate_as(&[name, key, n.to_string().as_bytes()]);
    } else {
        srv.propagate_as(&[name, key]);
    }
}

/// `[key, [elements]]` (LMPOP, BLMPOP).
fn reply_key_items(c: &mut Client, key: &[u8], items: &[Vec<u8>]) {
    c.add_array(2);
    c.add_bulk(key);
    add_bulks(c, items);
}

/// `[key, element]` (BLPOP, BRPOP).
fn reply_key_item(c: &mut Client, key: &[u8], items: &[Vec<u8>]) {
    c.add_array(2);
    c.add_bulk(key);
    c.add_bulk(&items[0]);
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: `[key, [elements]]`
/// of the first non-empty list, or a null array.
pub fn lmpop(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let m = match parse_mpop(argv, 1, [b"left", b"right"]) {
        Ok(m) => m,
        Err(e) => return c.add_error(e),
    };
    let mut ks = srv.keyspace(c.db);
    let popped = pop_first(&mut ks, c, m.keys, m.first, m.count, reply_key_items);
    if popped.is_none() {
        c.add_null_array();
    }
    propagate_pop(srv, popped, m.first, true);
}

/// The end of a blocking pop: pop from the first non-empty key of `m`,
/// else block on them (or, where the client may not block, reply a null
/// array as for a timeout). Logged as `LPOP key n` `with_count` (BLMPOP),
/// else as `LPOP key`.
fn bpop_generic(srv: &mut Server, c: &mut Client, argv: &[&[u8]], m: Mpop, deadline: i64, reply: fn(&mut Client, &[u8], &[Vec<u8>]), with_count: bool) {
    let tried = blocking::candidates(srv, m.keys);
    let mut ks = srv.keyspace(c.db);
    let popped = pop_first(&mut ks, c, &tried, m.first, m.count, reply);
    if popped.is_none() && !blocking::block(srv, c, argv, m.keys, deadline) {
        c.add_null_array();
    }
    propagate_pop(srv, popped, m.first, with_count);
}

/// BLPOP/BRPOP key [key ...] timeout: `[key, element]` from the first
/// non-empty list, or blocks until one gets an element.
fn blpop_generic(srv: &mut Server, c: &mut Client, argv: &[&[u8]], left: bool) {
    let Some(deadline) = blocking::timeout_or_reply(srv, c, argv[argv.len() - 1]) else {
        return;
    };
    bpop_generic(srv, c, argv, Mpop { keys: &argv[1..argv.len() - 1], first: left, count: 1 }, deadline, reply_key_item, false);
}

/// BLPOP key [key ...] timeout
pub fn blpop(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    blpop_generic(srv, c, argv, true);
}

/// BRPOP key [key ...] timeout
pub fn brpop(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    blpop_generic(srv, c, argv, false);
}

/// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]: as LMPOP,
/// blocking while every list is empty. The options are checked before the
/// timeout, as in Redis.
pub fn blmpop(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let m = match parse_mpop(argv, 2, [b"left", b"right"]) {
        Ok(m) => m,
        Err(e) => return c.add_error(e),
    };
    let Some(deadline) = blocking::timeout_or_reply(srv, c, argv[1]) else {
        return;
    };
    bpop_generic(srv, c, argv, m, deadline, reply_key_items, true);
}

/// BLMOVE/BRPOPLPUSH: LMOVE once `src` has an element (a destination of
/// another type is only found out then, as in Redis).
fn blmove_generic(srv: &mut Server, c: &mut Client, argv: &[&[u8]], from_left: bool, to_left: bool, timeout: &[u8]) {
    let Some(deadline) = blocking::timeout_or_reply(srv, c, timeout) else {
        return;
    };
    let (src, dst) = (argv[1], argv[2]);
    let mut ks = srv.keyspace(c.db);
    match lookup(&mut ks, c, src, true) {
        Err(()) => srv.prevent_propagation(),
        Ok(Some(_)) => {
            if lmove_generic(srv, c, src, dst, from_left, to_left) {
                propagate_move(srv, argv, from_left, to_left);
            } else {
                // A destination of another type: the write lookups counted
                // a change that did not happen.
                srv.prevent_propagation();
            }
        }
        Ok(None) => {
            if !blocking::block(srv, c, argv, &[src], deadline) {
                c.add_null();
            }
        }
    }
}

/// Logs a BLMOVE or BRPOPLPUSH that moved an element as the LMOVE or
/// RPOPLPUSH it did, without the timeout (replayed, a blocking command
/// could block the loader), in Redis 7.0's words: BLMOVE's ends as received
/// when served at once, lower-cased when served later.
fn propagate_move(srv: &mut Server, argv: &[&[u8]], from_left: bool, to_left: bool) {
    let end = |left: bool| -> &'static [u8] { if left { b"left" } else { b"right" } };
    if argv.len() == 4 {
        srv.propagate_as(&[b"RPOPLPUSH", argv[1], argv[2]]);
    } else if srv.serving_key.is_some() {
        srv.propagate_as(&[b"LMOVE", argv[1], argv[2], end(from_left), end(to_left)]);
    } else {
        srv.propagate_as(&[b"LMOVE", argv[1], argv[2], argv[3], argv[4]]);
    }
}

/// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
pub fn blmove(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let (Some(from), Some(to)) = (parse_where(argv[3]), parse_where(argv[4])) else {
        return c.add_error(err::SYNTAX);
    };
    blmove_generic(srv, c, argv, from, to, argv[5]);
}

/// BRPOPLPUSH source destination timeout: BLMOVE source destination RIGHT LEFT.
pub fn brpoplpush(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    blmove_generic(srv, c, argv, false, true, argv[3]);
}
