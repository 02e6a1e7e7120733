//! Sorted set commands (Redis 7.0's `t_zset.c`), the blocking pops with
//! [`crate::blocking`]. The
//! value types are `hotkv_abi`'s (`zsetobj`): a listpack while small, a
//! skiplist with a member table after.
//!
//! Ranges are resolved to ascending ranks first (`zset_count_while` finds
//! where a score or lex bound falls in O(log N) on a skiplist); every
//! command then reads or removes by rank. Argument checks come in Redis's
//! order (some before the key lookup, some after), since the replies
//! differ. A sorted set that loses its last member is deleted.

use crate::blocking;
use crate::db::{Keyspace, Ttl};
use crate::notify::class;
use crate::t_list::{parse_mpop, Mpop};
use crate::keyspace::{lookup_typed, scan_key, scan_table, ScanItems};
use crate::reply::{err, Reply};
use crate::server::Server;
use crate::t_set::{distinct_picks, parse_rand_count};
use crate::util::{eq_ic, format_g17, parse_double, parse_i64, strtod};
use hotkv_abi::dict::next_random;
use hotkv_abi::object::Value;
use hotkv_abi::state::Client;
use std::collections::HashMap;

/// When a listpack becomes a skiplist: more members than `entries`
/// (`zset-max-listpack-entries`) or a member longer than `value`
/// (`zset-max-listpack-value`).
#[derive(Clone, Copy)]
struct Limits {
    entries: usize,
    value: usize,
}

fn limits(srv: &Server) -> Limits {
    let clamp = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    Limits { entries: clamp(srv.cfg.zset_max_listpack_entries), value: clamp(srv.cfg.zset_max_listpack_value) }
}

/// Members with their scores, in the order a reply or a build needs.
type Scored = Vec<(Vec<u8>, f64)>;

fn lookup<'k>(ks: &'k mut Keyspace, c: &mut Client, key: &[u8], for_write: bool) -> Result<Option<&'k mut Value>, ()> {
    lookup_typed(ks, c, key, for_write, Value::is_zset)
}

fn seed(ks: &Keyspace) -> u64 {
    ks.db.dict.seed()
}

/// Redis's `LISTPACK_MAX_SAFETY_SIZE`: a listpack is not grown past it
/// (`lpSafeToAdd`), whatever the limits say.
const LISTPACK_MAX_SAFETY_SIZE: usize = 1 << 30;

/// Adds a member that is not in `v` (Redis's `zsetAdd` insert path): a
/// listpack becomes a skiplist first if the member is too long, one entry
/// would be too many, or it would grow too large.
fn insert(v: &mut Value, lim: Limits, seed: u64, member: &[u8], score: f64) {
    let too_big = || v.zset_listpack_bytes() + member.len() > LISTPACK_MAX_SAFETY_SIZE;
    if v.zset_is_listpack() && (v.zset_len() + 1 > lim.entries || member.len() > lim.value || too_big()) {
        v.zset_convert_to_skiplist(seed);
    }
    v.zset_insert(member, score);
}

/// A sorted set of distinct `items`, in the encoding Redis gives a result
/// (`zsetConvertToListpackIfNeeded`): a listpack if small enough.
fn build(lim: Limits, seed: u64, items: &[(Vec<u8>, f64)]) -> Value {
    let small = items.len() <= lim.entries && items.iter().all(|(m, _)| m.len() <= lim.value);
    let mut v = if small { Value::new_zset_listpack() } else { Value::new_zset_skiplist(seed) };
    for (m, s) in items {
        v.zset_insert(m, *s);
    }
    v
}

/// A sorted set loaded from an RDB file or a RESTORE payload, built with
/// the settings' default limits (128 members of up to 64 bytes): the
/// loader has no settings at hand, like the other types' loaders.
pub fn build_loaded(seed: u64, items: &[(Vec<u8>, f64)]) -> Value {
    build(Limits { entries: 128, value: 64 }, seed, items)
}

/// Replies `items` as Redis's range replies do: members only, or with
/// WITHSCORES a flat member/score array in RESP2 and pairs in RESP3.
fn add_scored(c: &mut Client, items: &[(Vec<u8>, f64)], withscores: bool) {
    let pairs = withscores && c.resp >= 3;
    c.add_array(if withscores && !pairs { items.len() * 2 } else { items.len() });
    for (m, s) in items {
        if pairs {
            c.add_array(2);
        }
        c.add_bulk(m);
        if withscores {
            c.add_double(*s);
        }
    }
}

// ---------------------------------------------------------------- ranges

/// A score bound of ZRANGEBYSCORE and friends (Redis's `zslParseRange`):
/// `(` makes it exclusive; the rest is read by C's `strtod` up to a NUL.
fn parse_score_bound(b: &[u8]) -> Option<(f64, bool)> {
    let (ex, s) = match b.first() {
        Some(b'(') => (true, &b[1..]),
        _ => (false, b),
    };
    let (v, whole, _) = strtod(s);
    (whole && !v.is_nan()).then_some((v, ex))
}

/// A lex bound (Redis's `zslParseLexRangeItem`): `[x` inclusive, `(x`
/// exclusive, `-` and `+` the ends.
#[derive(Clone, Copy)]
enum Lex<'a> {
    Min,
    Max,
    Incl(&'a [u8]),
    Excl(&'a [u8]),
}

fn parse_lex(b: &[u8]) -> Option<Lex<'_>> {
    match b.first()? {
        b'-' if b.len() == 1 => Some(Lex::Min),
        b'+' if b.len() == 1 => Some(Lex::Max),
        b'(' => Some(Lex::Excl(&b[1..])),
        b'[' => Some(Lex::Incl(&b[1..])),
        _ => None,
    }
}

/// A score or lex range, in ascending order (min, max).
#[derive(Clone, Copy)]
enum Range<'a> {
    Score { min: f64, minex: bool, max: f64, maxex: bool },
    Lex { min: Lex<'a>, max: Lex<'a> },
}

const NOT_FLOAT_RANGE: &str = "min or max is not a float";
const NOT_LEX_RANGE: &str = "min or max not valid string range item";

impl<'a> Range<'a> {
    fn score(min: &[u8], max: &[u8]) -> Result<Range<'a>, &'static str> {
        match (parse_score_bound(min), parse_score_bound(max)) {
            (Some((min, minex)), Some((max, maxex))) => Ok(Range::Score { min, minex, max, maxex }),
            _ => Err(NOT_FLOAT_RANGE),
        }
    }

    fn lex(min: &'a [u8], max: &'a [u8]) -> Result<Range<'a>, &'static str> {
        match (parse_lex(min), parse_lex(max)) {
            (Some(min), Some(max)) => Ok(Range::Lex { min, max }),
            _ => Err(NOT_LEX_RANGE),
        }
    }

    /// The ascending ranks `start..end` of the members in the range: the
    /// members before its start and those up to its end are both prefixes.
    fn ranks(&self, v: &Value) -> (usize, usize) {
        let (start, end) = match *self {
            Range::Score { min, minex, max, maxex } => (
                v.zset_count_while(|s, _| if minex { s <= min } else { s < min }),
                v.zset_count_while(|s, _| if maxex { s < max } else { s <= max }),
            ),
            Range::Lex { min, max } => (
                v.zset_count_while(|_, m| match min {
                    Lex::Min => false,
                    Lex::Max => true,
                    Lex::Incl(x) => m < x,
                    Lex::Excl(x) => m <= x,
                }),
                v.zset_count_while(|_, m| match max {
                    Lex::Min => false,
                    Lex::Max => true,
                    Lex::Incl(x) => m <= x,
                    Lex::Excl(x) => m < x,
                }),
            ),
        };
        (start, end.max(start))
    }
}

/// What a range command selects: ranks (negative from the end) or the
/// members within a score or lex range.
#[derive(Clone, Copy)]
enum Span<'a> {
    Ranks(i64, i64),
    Within(Range<'a>),
}

impl Span<'_> {
    /// Rank arguments as Redis reads them (`getLongFromObjectOrReply`).
    fn ranks(a: &[u8], b: &[u8]) -> Result<Self, &'static str> {
        match (parse_i64(a), parse_i64(b)) {
            (Some(a), Some(b)) => Ok(Span::Ranks(a, b)),
            _ => Err(err::NOT_INTEGER),
        }
    }

    /// The ascending ranks `from..to` selected in `v`; `rev` counts rank
    /// arguments from the high end, as ZREVRANGE does.
    fn resolve(&self, v: &Value, rev: bool) -> (usize, usize) {
        match *self {
            Span::Within(r) => r.ranks(v),
            Span::Ranks(a, b) => {
                let len = v.zset_len();
                match clamp_ranks(a, b, len) {
                    Some((from, to)) if rev => (len - to, len - from),
                    Some(ranks) => ranks,
                    None => (0, 0),
                }
            }
        }
    }
}

/// Redis's clamping of a rank range `start..=end` (negative from the end)
/// over `len` members: the ascending ranks `from..to`, or None if empty.
fn clamp_ranks(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 { (start + len).max(0) } else { start };
    let end = if end < 0 { end + len } else { end };
    if start > end || start >= len {
        return None;
    }
    Some((start as usize, end.min(len - 1) as usize + 1))
}

/// The members of ascending ranks `from..to`, read in ascending order or
/// (`rev`) descending.
fn read_ranks(v: &Value, from: usize, to: usize, rev: bool) -> Scored {
    let mut out = Vec::with_capacity(to.saturating_sub(from));
    v.zset_range(from, to, rev, |m, s| out.push((m.to_vec(), s)));
    out
}

// ---------------------------------------------------------------- writes

/// ZADD's options (Redis's `ZADD_IN_*` flags).
#[derive(Default)]
struct AddFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    ch: bool,
    incr: bool,
}

/// What adding one (member, score) did.
enum Added {
    New,
    Updated(f64),
    /// The score was already that (counts as processed, not as changed).
    Same(f64),
    Skipped,
    Nan,
}

/// Redis's `zsetAdd` for one member.
fn add_one(v: &mut Value, lim: Limits, seed: u64, f: &AddFlags, member: &[u8], mut score: f64) -> Added {
    match v.zset_score(member) {
        Some(cur) => {
            if f.nx {
                return Added::Skipped;
            }
            if f.incr {
                score += cur;
                if score.is_nan() {
                    return Added::Nan;
                }
            }
            if (f.lt && score >= cur) || (f.gt && score <= cur) {
                return Added::Skipped;
            }
            if score == cur {
                return Added::Same(cur);
            }
            v.zset_remove(member);
            v.zset_insert(member, score);
            Added::Updated(score)
        }
        None if f.xx => Added::Skipped,
        None => {
            insert(v, lim, seed, member, score);
            Added::New
        }
    }
}

fn zadd_generic(srv: &mut Server, c: &mut Client, argv: &[&[u8]], mut f: AddFlags) {
    let mut i = 2;
    while i < argv.len() {
        let a = argv[i];
        let flag = match () {
            _ if eq_ic(a, b"nx") => &mut f.nx,
            _ if eq_ic(a, b"xx") => &mut f.xx,
            _ if eq_ic(a, b"gt") => &mut f.gt,
            _ if eq_ic(a, b"lt") => &mut f.lt,
            _ if eq_ic(a, b"ch") => &mut f.ch,
            _ if eq_ic(a, b"incr") => &mut f.incr,
            _ => break,
        };
        *flag = true;
        i += 1;
    }
    let pairs = &argv[i..];
    if pairs.is_empty() || !pairs.len().is_multiple_of(2) {
        return c.add_error(err::SYNTAX);
    }
    if f.nx && f.xx {
        return c.add_error("XX and NX options at the same time are not compatible");
    }
    if (f.nx && (f.gt || f.lt)) || (f.gt && f.lt) {
        return c.add_error("GT, LT, and/or NX options at the same time are not compatible");
    }
    if f.incr && pairs.len() > 2 {
        return c.add_error("INCR option supports a single increment-element pair");
    }
    let mut scores = Vec::with_capacity(pairs.len() / 2);
    for p in pairs.chunks(2) {
        match parse_double(p[0]) {
            Some(s) => scores.push(s),
            None => return c.add_error(err::NOT_FLOAT),
        }
    }
    let lim = limits(srv);
    let mut ks = srv.keyspace(c.db);
    let seed = seed(&ks);
    let (mut added, mut updated, mut processed, mut last) = (0, 0, 0, 0.0);
    match lookup(&mut ks, c, argv[1], true) {
        Err(()) => return,
        Ok(None) if f.xx => {}
        Ok(found) => {
            if found.is_none() {
                ks.set(argv[1], Value::new_zset_listpack(), Ttl::Clear);
            }
            let v = &mut ks.lookup_write(argv[1]).expect("a sorted set").value;
            for (p, &score) in pairs.chunks(2).zip(&scores) {
                match add_one(v, lim, seed, &f, p[1], score) {
                    Added::Nan => return c.add_error("resulting score is not a number (NaN)"),
                    Added::Skipped => continue,
                    Added::New => {
                        added += 1;
                        last = score;
                    }
                    Added::Updated(s) => {
                        updated += 1;
                        last = s;
                    }
                    Added::Same(s) => last = s,
                }
                processed += 1;
            }
        }
    }
    // (A NaN error returned above: only INCR, with its single member, meets one.)
    if added + updated > 0 {
        ks.notify(class::ZSET, if f.incr { "zincr" } else { "zadd" }, argv[1]);
    }
    if f.incr {
        if processed > 0 {
            c.add_double(last);
        } else {
            c.add_null();
        }
    } else {
        c.add_int(if f.ch { added + updated } else { added });
    }
}

/// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
pub fn zadd(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    zadd_generic(srv, c, argv, AddFlags::default());
}

/// ZINCRBY key increment member: ZADD INCR (so the same errors).
pub fn zincrby(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let args = [argv[0], argv[1], argv[2], argv[3]];
    zadd_generic(srv, c, &args, AddFlags { incr: true, ..AddFlags::default() });
}

/// ZREM key member [member ...]
pub fn zrem(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    let v = match lookup(&mut ks, c, argv[1], true) {
        Err(()) => return,
        Ok(None) => return c.add_int(0),
        Ok(Some(v)) => v,
    };
    let mut n = 0;
    let mut emptied = false;
    for m in &argv[2..] {
        if v.zset_remove(m).is_some() {
            n += 1;
            if v.zset_len() == 0 {
                emptied = true;
                break;
            }
        }
    }
    if n > 0 {
        ks.notify(class::ZSET, "zrem", argv[1]);
    }
    ks.delete_if_emptied(argv[1], emptied);
    c.add_int(n);
}

/// Removes the members of ascending ranks `from..to` (at least one),
/// announcing `event`; the key goes with its last member. Returns how
/// many were removed.
fn remove_ranks(ks: &mut Keyspace, key: &[u8], from: usize, to: usize, event: &'static str) -> usize {
    let v = &mut ks.lookup_write(key).expect("a sorted set").value;
    let gone = read_ranks(v, from, to, false);
    for (m, _) in &gone {
        v.zset_remove(m);
    }
    let emptied = v.zset_len() == 0;
    ks.notify(class::ZSET, event, key);
    ks.delete_if_emptied(key, emptied);
    gone.len()
}

/// ZREMRANGEBYRANK / ZREMRANGEBYSCORE / ZREMRANGEBYLEX: the range is
/// checked before the key. `event` is the command's keyspace event.
fn zremrange_generic(srv: &mut Server, c: &mut Client, argv: &[&[u8]], span: Result<Span, &'static str>, event: &'static str) {
    let span = match span {
        Ok(s) => s,
        Err(e) => return c.add_error(e),
    };
    let mut ks = srv.keyspace(c.db);
    let (from, to) = match lookup(&mut ks, c, argv[1], true) {
        Err(()) => return,
        Ok(None) => return c.add_int(0),
        Ok(Some(v)) => span.resolve(v, false),
    };
    let n = if from < to { remove_ranks(&mut ks, argv[1], from, to, event) } else { 0 };
    c.add_int(n as i64);
}

pub fn zremrangebyrank(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    zremrange_generic(srv, c, argv, Span::ranks(argv[2], argv[3]), "zremrangebyrank");
}

pub fn zremrangebyscore(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    zremrange_generic(srv, c, argv, Range::score(argv[2], argv[3]).map(Span::Within), "zremrangebyscore");
}

pub fn zremrangebylex(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    zremrange_generic(srv, c, argv, Range::lex(argv[2], argv[3]).map(Span::Within), "zremrangebylex");
}

// ---------------------------------------------------------------- reads

pub fn zcard(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    if let Ok(v) = lookup(&mut ks, c, argv[1], false) {
        c.add_int(v.map_or(0, |v| v.zset_len()) as i64);
    }
}

/// ZCOUNT and ZLEXCOUNT: the range is checked before the key.
fn count_generic(srv: &mut Server, c: &mut Client, argv: &[&[u8]], range: Result<Range, &'static str>) {
    let range = match range {
        Ok(r) => r,
        Err(e) => return c.add_error(e),
    };
    let mut ks = srv.keyspace(c.db);
    if let Ok(v) = lookup(&mut ks, c, argv[1], false) {
        c.add_int(v.map_or(0, |v| {
            let (from, to) = range.ranks(v);
            to - from
        }) as i64);
    }
}

pub fn zcount(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    count_generic(srv, c, argv, Range::score(argv[2], argv[3]));
}

pub fn zlexcount(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    count_generic(srv, c, argv, Range::lex(argv[2], argv[3]));
}

pub fn zscore(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    if let Ok(v) = lookup(&mut ks, c, argv[1], false) {
        match v.and_then(|v| v.zset_score(argv[2])) {
            Some(s) => c.add_double(s),
            None => c.add_null(),
        }
    }
}

pub fn zmscore(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    let Ok(v) = lookup(&mut ks, c, argv[1], false) else { return };
    c.add_array(argv.len() - 2);
    for m in &argv[2..] {
        match v.as_ref().and_then(|v| v.zset_score(m)) {
            Some(s) => c.add_double(s),
            None => c.add_null(),
        }
    }
}

fn rank_generic(srv: &mut Server, c: &mut Client, argv: &[&[u8]], rev: bool) {
    let mut ks = srv.keyspace(c.db);
    if let Ok(v) = lookup(&mut ks, c, argv[1], false) {
        match v.and_then(|v| Some((v.zset_rank(argv[2])?, v.zset_len()))) {
            Some((r, len)) => c.add_int(if rev { len - 1 - r } else { r } as i64),
            None => c.add_null(),
        }
    }
}

pub fn zrank(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    rank_generic(srv, c, argv, false);
}

pub fn zrevrank(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    rank_generic(srv, c, argv, true);
}

#[derive(Clone, Copy, PartialEq)]
enum By {
    Rank,
    Score,
    Lex,
}

/// Redis's `zrangeGenericCommand`: every ZRANGE form. `src` is the index
/// of the source key (its min and max follow); `by` and `rev` are fixed by
/// the legacy commands and read from the options by ZRANGE/ZRANGESTORE;
/// `store` is ZRANGESTORE's destination.
fn zrange_generic(srv: &mut Server, c: &mut Client, argv: &[&[u8]], src: usize, store: Option<&[u8]>, by: Option<By>, rev: Option<bool>) {
    let (mut by_opt, mut rev_opt) = (by, rev);
    let (mut withscores, mut offset, mut limit) = (false, 0i64, -1i64);
    let mut j = src + 3;
    while j < argv.len() {
        let (a, left) = (argv[j], argv.len() - j - 1);
        if store.is_none() && eq_ic(a, b"withscores") {
            withscores = true;
        } else if eq_ic(a, b"limit") && left >= 2 {
            match (parse_i64(argv[j + 1]), parse_i64(argv[j + 2])) {
                (Some(o), Some(l)) => (offset, limit) = (o, l),
                _ => return c.add_error(err::NOT_INTEGER),
            }
            j += 2;
        } else if rev_opt.is_none() && eq_ic(a, b"rev") {
            rev_opt = Some(true);
        } else if by_opt.is_none() && eq_ic(a, b"bylex") {
            by_opt = Some(By::Lex);
        } else if by_opt.is_none() && eq_ic(a, b"byscore") {
            by_opt = Some(By::Score);
        } else {
            return c.add_error(err::SYNTAX);
        }
        j += 1;
    }
    let (by, rev) = (by_opt.unwrap_or(By::Rank), rev_opt.unwrap_or(false));
    if limit != -1 && by == By::Rank {
        return c.add_error("syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    }
    if withscores && by == By::Lex {
        return c.add_error("syntax error, WITHSCORES not supported in combination with BYLEX");
    }
    // Score and lex ranges are given as max, min in reverse.
    let (lo, hi) = if rev && by != By::Rank { (argv[src + 2], argv[src + 1]) } else { (argv[src + 1], argv[src + 2]) };
    let span = match by {
        By::Rank => Span::ranks(lo, hi),
        By::Score => Range::score(lo, hi).map(Span::Within),
        By::Lex => Range::lex(lo, hi).map(Span::Within),
    };
    let span = match span {
        Ok(s) => s,
        Err(e) => return c.add_error(e),
    };
    let lim = limits(srv);
    let mut ks = srv.keyspace(c.db);
    let items = match lookup(&mut ks, c, argv[src], false) {
        Err(()) => return,
        Ok(None) => Vec::new(),
        Ok(Some(v)) => {
            let (from, to) = span.resolve(v, rev);
            match span {
                Span::Ranks(..) => read_ranks(v, from, to, rev),
                // Redis walks `offset` steps first (a negative offset walks
                // off the end), then takes `limit` (negative: the rest).
                Span::Within(_) if offset < 0 => Vec::new(),
                Span::Within(_) => {
                    let skip = (offset as usize).min(to - from);
                    let take = if limit < 0 { to - from - skip } else { (limit as usize).min(to - from - skip) };
                    if rev {
                        read_ranks(v, to - skip - take, to - skip, true)
                    } else {
                        read_ranks(v, from + skip, from + skip + take, false)
                    }
                }
            }
        }
    };
    match store {
        None => add_scored(c, &items, withscores),
        Some(dst) => store_result(&mut ks, c, lim, dst, &items, "zrangestore"),
    }
}

/// The STORE forms (ZRANGESTORE, ZUNIONSTORE...): `items` replace `dst`
/// whatever it held, announced as `event`; an empty result deletes it.
/// Replies the result's size.
fn store_result(ks: &mut Keyspace, c: &mut Client, lim: Limits, dst: &[u8], items: &Scored, event: &'static str) {
    if items.is_empty() {
        if ks.delete(dst) {
            ks.notify(class::GENERIC, "del", dst);
        }
    } else {
        let v = build(lim, seed(ks), items);
        ks.set(dst, v, Ttl::Clear);
        ks.notify(class::ZSET, event, dst);
    }
    c.add_int(items.len() as i64);
}

/// ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
pub fn zrange(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    zrange_generic(srv, c, argv, 1, None, None, None);
}

/// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
pub fn zrangestore(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    zrange_generic(srv, c, argv, 2, Some(argv[1]), None, None);
}

pub fn zrevrange(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    zrange_generic(srv, c, argv, 1, None, Some(By::Rank), Some(true));
}

pub fn zrangebyscore(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    zrange_generic(srv, c, argv, 1, None, Some(By::Score), Some(false));
}

pub fn zrevrangebyscore(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    zrange_generic(srv, c, argv, 1, None, Some(By::Score), Some(true));
}

pub fn zrangebylex(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    zrange_generic(srv, c, argv, 1, None, Some(By::Lex), Some(false));
}

pub fn zrevrangebylex(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    zrange_generic(srv, c, argv, 1, None, Some(By::Lex), Some(true));
}

// ---------------------------------------------------------------- pops

/// Pops up to `count` members at the low (`max` false) or high end of the
/// first of `keys` that exists (Redis's `genericZpopCommand`, without its
/// reply, so that a blocking variant can call it too): the key and the
/// popped members in pop order; `Ok(None)` if no key exists; `Err` after a
/// WRONGTYPE reply. A count of 0 pops nothing from an existing key. The
/// key goes with its last member.
pub fn pop_first(ks: &mut Keyspace, c: &mut Client, keys: &[&[u8]], max: bool, count: usize) -> Result<Option<(Vec<u8>, Scored)>, ()> {
    for key in keys {
        let Some(v) = lookup(ks, c, key, true)? else { continue };
        let len = v.zset_len();
        let n = count.min(len);
        let popped = if max { read_ranks(v, len - n, len, true) } else { read_ranks(v, 0, n, false) };
        for (m, _) in &popped {
            v.zset_remove(m);
        }
        let emptied = v.zset_len() == 0;
        if !popped.is_empty() {
            ks.notify(class::ZSET, if max { "zpopmax" } else { "zpopmin" }, key);
        }
        ks.delete_if_emptied(key, emptied);
        return Ok(Some((key.to_vec(), popped)));
    }
    Ok(None)
}

/// ZPOPMIN / ZPOPMAX key [count]: a flat member/score array; pairs in RESP3
/// when a count was given.
fn zpop_generic(srv: &mut Server, c: &mut Client, argv: &[&[u8]], max: bool) {
    if argv.len() > 3 {
        return c.add_error(err::SYNTAX);
    }
    let count = match argv.get(2).map(|a| parse_i64(a)) {
        None => None,
        Some(Some(n)) if n >= 0 => Some(n as usize),
        Some(_) => return c.add_error("value is out of range, must be positive"),
    };
    let mut ks = srv.keyspace(c.db);
    match pop_first(&mut ks, c, &argv[1..2], max, count.unwrap_or(1)) {
        Err(()) => {}
        Ok(None) => c.add_array(0),
        // A count of 0: the write lookup counted a change that did not
        // happen; nothing to log, as in Redis.
        Ok(Some((_, items))) if items.is_empty() => {
            srv.prevent_propagation();
            c.add_array(0)
        }
        // Without a count, a flat member/score array in RESP3 too.
        Ok(Some((_, items))) if count.is_none() => {
            c.add_array(items.len() * 2);
            for (m, s) in &items {
                c.add_bulk(m);
                c.add_double(*s);
            }
        }
        Ok(Some((_, items))) => add_scored(c, &items, true),
    }
}

pub fn zpopmin(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    zpop_generic(srv, c, argv, false);
}

pub fn zpopmax(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    zpop_generic(srv, c, argv, true);
}

/// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]: `[key, [[member,
/// score], ...]]` of the first existing key, or a null array.
pub fn zmpop(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let m = match parse_mpop(argv, 1, [b"min", b"max"]) {
        Ok(m) => m,
        Err(e) => return c.add_error(e),
    };
    let mut ks = srv.keyspace(c.db);
    match pop_first(&mut ks, c, m.keys, !m.first, m.count) {
        // WRONGTYPE after a write lookup: nothing happened, nothing to log.
        Err(()) => srv.prevent_propagation(),
        Ok(None) => c.add_null_array(),
        Ok(Some((key, items))) => {
            reply_key_pairs(c, &key, &items);
            propagate_pop(srv, &key, !m.first, Some(items.len()));
        }
    }
}

/// Logs ZMPOP or a blocking pop as the plain pop it did, as Redis 7.0: a
/// blocking command replayed could block the loader, and the multi-key
/// forms would pick a key again. `ZPOPMIN key` (BZPOPMIN, BZPOPMAX), or
/// `ZPOPMIN key n` with the number popped (`count`: ZMPOP, BZMPOP).
fn propagate_pop(srv: &mut Server, key: &[u8], max: bool, count: Option<usize>) {
    let name: &[u8] = if max { b"ZPOPMAX" } else { b"ZPOPMIN" };
    match count {
        Some(n) => srv.propagate_as(&[name, key, n.to_string().as_bytes()]),
        None => srv.propagate_as(&[name, key]),
    }
}

/// `[key, [[member, score], ...]]` (ZMPOP, BZMPOP).
fn reply_key_pairs(c: &mut Client, key: &[u8], items: &Scored) {
    c.add_array(2);
    c.add_bulk(key);
    c.add_array(items.len());
    for (m, s) in items {
        c.add_array(2);
        c.add_bulk(m);
        c.add_double(*s);
    }
}

/// `[key, member, score]` (BZPOPMIN, BZPOPMAX).
fn reply_key_member_score(c: &mut Client, key: &[u8], items: &Scored) {
    c.add_array(3);
    c.add_bulk(key);
    c.add_bulk(&items[0].0);
    c.add_double(items[0].1);
}

/// The end of a blocking pop (Redis's `blockingGenericZpopCommand`): pop
/// from the first existing key of `m` (only the ready one when run
/// again), else block on them all, or where the client may not block,
/// reply a null array as for a timeout. Logged as `ZPOPMIN key n`
/// `with_count` (BZMPOP), else as `ZPOPMIN key`.
fn bzpop_generic(srv: &mut Server, c: &mut Client, argv: &[&[u8]], m: Mpop, deadline: i64, reply: fn(&mut Client, &[u8], &Scored), with_count: bool) {
    let tried = blocking::candidates(srv, m.keys);
    let mut ks = srv.keyspace(c.db);
    match pop_first(&mut ks, c, &tried, !m.first, m.count) {
        // WRONGTYPE after a write lookup, which counted a change: nothing
        // happened, nothing to log (a blocking command least of all).
        Err(()) => srv.prevent_propagation(),
        Ok(Some((key, items))) => {
            reply(c, &key, &items);
            propagate_pop(srv, &key, !m.first, with_count.then_some(items.len()));
        }
        Ok(None) => {
            if !blocking::block(srv, c, argv, m.keys, deadline) {
                c.add_null_array();
            }
        }
    }
}

/// BZPOPMIN/BZPOPMAX key [key ...] timeout
fn bzpop_minmax(srv: &mut Server, c: &mut Client, argv: &[&[u8]], max: bool) {
    let Some(deadline) = blocking::timeout_or_reply(srv, c, argv[argv.len() - 1]) else {
        return;
    };
    bzpop_generic(srv, c, argv, Mpop { keys: &argv[1..argv.len() - 1], first: !max, count: 1 }, deadline, reply_key_member_score, false);
}

pub fn bzpopmin(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    bzpop_minmax(srv, c, argv, false);
}

pub fn bzpopmax(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    bzpop_minmax(srv, c, argv, true);
}

/// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]: as ZMPOP,
/// blocking while every key is missing. The options are checked before
/// the timeout, as in Redis.
pub fn bzmpop(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let m = match parse_mpop(argv, 2, [b"min", b"max"]) {
        Ok(m) => m,
        Err(e) => return c.add_error(e),
    };
    let Some(deadline) = blocking::timeout_or_reply(srv, c, argv[1]) else {
        return;
    };
    bzpop_generic(srv, c, argv, m, deadline, reply_key_pairs, true);
}

/// ZRANDMEMBER key [count [WITHSCORES]]: distinct members for a positive
/// count, picks with repetition for a negative one.
pub fn zrandmember(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let count = match argv.get(2).map(|a| parse_rand_count(a)) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(e)) => return c.add_error(&e),
    };
    if argv.len() > 4 || (argv.len() == 4 && !eq_ic(argv[3], b"withscores")) {
        return c.add_error(err::SYNTAX);
    }
    let withscores = argv.len() == 4;
    if withscores && count.is_some_and(|l| !(-i64::MAX / 2..=i64::MAX / 2).contains(&l)) {
        return c.add_error("value is out of range");
    }
    let mut rng = srv.st.rng;
    let mut ks = srv.keyspace(c.db);
    let v = match (lookup(&mut ks, c, argv[1], false), count) {
        (Err(()), _) => return,
        (Ok(None), None) => return c.add_null(),
        (Ok(None), Some(_)) | (Ok(Some(_)), Some(0)) => return c.add_array(0),
        (Ok(Some(v)), _) => v,
    };
    let len = v.zset_len();
    let at = |rank: usize| read_ranks(v, rank, rank + 1, false).pop().expect("a rank below the length");
    let picks: Scored = match count {
        None => {
            let (m, _) = at((next_random(&mut rng) % len as u64) as usize);
            srv.st.rng = rng;
            return c.add_bulk(&m);
        }
        Some(l) if l < 0 => (0..l.unsigned_abs()).map(|_| at((next_random(&mut rng) % len as u64) as usize)).collect(),
        Some(l) if l as u64 >= len as u64 => read_ranks(v, 0, len, false),
        Some(l) => distinct_picks(&mut rng, len, l as usize).into_iter().map(at).collect(),
    };
    srv.st.rng = rng;
    add_scored(c, &picks, withscores);
}

// ---------------------------------------------------------------- set operations

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

/// Redis's `zunionInterAggregate`: a sum of inf and -inf is 0.
fn aggregate(target: &mut f64, val: f64, agg: Aggregate) {
    match agg {
        Aggregate::Sum => {
            *target += val;
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => *target = if val < *target { val } else { *target },
        Aggregate::Max => *target = if val > *target { val } else { *target },
    }
}

/// The members and scores of the inputs: sorted sets as they are, plain
/// sets with score 1 (as Redis accepts them); `None` for a missing key.
type Input = Option<Scored>;

/// The result of `op` over `inputs` (with their weights), unordered;
/// `limit` stops an intersection early (ZINTERCARD; 0 for none).
fn compute(op: Op, mut inputs: Vec<(Input, f64)>, agg: Aggregate, limit: usize) -> Scored {
    let card = |i: &(Input, f64)| i.0.as_ref().map_or(0, |s| s.len());
    let weighted = |s: f64, w: f64| {
        let v = s * w;
        if v.is_nan() {
            0.0
        } else {
            v
        }
    };
    match op {
        Op::Union => {
            // Redis goes from the smallest input to the largest (a stable
            // sort), which decides the order of a sum's additions.
            inputs.sort_by_key(card);
            let mut acc: HashMap<Vec<u8>, f64> = HashMap::new();
            let mut order = Vec::new();
            for (set, w) in &inputs {
                for (m, s) in set.iter().flatten() {
                    let v = weighted(*s, *w);
                    match acc.get_mut(m) {
                        Some(t) => aggregate(t, v, agg),
                        None => {
                            acc.insert(m.clone(), v);
                            order.push(m.clone());
                        }
                    }
                }
            }
            order.into_iter().map(|m| {
                let s = acc[&m];
                (m, s)
            }).collect()
        }
        Op::Inter => {
            if inputs.iter().any(|i| card(i) == 0) {
                return Vec::new();
            }
            inputs.sort_by_key(card);
            let index: Vec<(HashMap<&[u8], f64>, f64)> =
                inputs[1..].iter().map(|(s, w)| (s.iter().flatten().map(|(m, x)| (m.as_slice(), *x)).collect(), *w)).collect();
            let (first, w0) = (inputs[0].0.as_ref().expect("not empty"), inputs[0].1);
            let mut out = Vec::new();
            'members: for (m, s) in first {
                let mut score = weighted(*s, w0);
                for (set, w) in &index {
                    match set.get(m.as_slice()) {
                        Some(x) => aggregate(&mut score, x * w, agg),
                        None => continue 'members,
                    }
                }
                out.push((m.clone(), score));
                if limit != 0 && out.len() >= limit {
                    break;
                }
            }
            out
        }
        Op::Diff => {
            let Some(Some(first)) = inputs.first().map(|i| i.0.as_ref()) else { return Vec::new() };
            let rest: std::collections::HashSet<&[u8]> = inputs[1..].iter().flat_map(|i| i.0.iter().flatten()).map(|(m, _)| m.as_slice()).collect();
            first.iter().filter(|(m, _)| !rest.contains(m.as_slice())).cloned().collect()
        }
    }
}

/// The members and scores of a sorted set or a set.
fn input_of(v: &Value) -> Scored {
    if v.is_zset() {
        return read_ranks(v, 0, v.zset_len(), false);
    }
    let mut out = Vec::with_capacity(v.set_len());
    v.set_for_each(|m| out.push((m.to_vec(), 1.0)));
    out
}

/// What a set operation command is.
struct OpCmd<'a> {
    op: Op,
    /// Destination of a STORE form.
    dst: Option<&'a [u8]>,
    /// ZINTERCARD: only the size of the intersection.
    card_only: bool,
}

/// Sorts a result as a sorted set orders it.
fn sort_scored(items: &mut Scored) {
    items.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal).then_with(|| a.0.cmp(&b.0)));
}

/// Redis's `zunionInterDiffGenericCommand`: numkeys, then the keys (each
/// a sorted set, a set or missing; checked before the options), then
/// WEIGHTS / AGGREGATE / WITHSCORES / LIMIT as the command allows.
fn op_generic(srv: &mut Server, c: &mut Client, argv: &[&[u8]], numkeys_idx: usize, cmd: OpCmd) {
    let Some(numkeys) = parse_i64(argv[numkeys_idx]) else { return c.add_error(err::NOT_INTEGER) };
    if numkeys < 1 {
        let name = String::from_utf8_lossy(argv[0]).to_ascii_lowercase();
        return c.add_error(&format!("at least 1 input key is needed for '{name}' command"));
    }
    let first = numkeys_idx + 1;
    if numkeys as u64 > (argv.len() - first) as u64 {
        return c.add_error(err::SYNTAX);
    }
    let keys = &argv[first..first + numkeys as usize];
    let lim = limits(srv);
    let mut ks = srv.keyspace(c.db);
    let mut inputs: Vec<(Input, f64)> = Vec::with_capacity(keys.len());
    for k in keys {
        match lookup_typed(&mut ks, c, k, cmd.dst.is_some(), |v| v.is_zset() || v.is_set()) {
            Err(()) => return,
            Ok(v) => inputs.push((v.map(|v| input_of(v)), 1.0)),
        }
    }
    let (mut agg, mut withscores, mut limit) = (Aggregate::Sum, false, 0usize);
    let weighable = cmd.op != Op::Diff && !cmd.card_only;
    let mut j = first + keys.len();
    while j < argv.len() {
        let (a, remaining) = (argv[j], argv.len() - j);
        if weighable && remaining > keys.len() && eq_ic(a, b"weights") {
            for (i, input) in inputs.iter_mut().enumerate() {
                match parse_double(argv[j + 1 + i]) {
                    Some(w) => input.1 = w,
                    None => return c.add_error("weight value is not a float"),
                }
            }
            j += 1 + keys.len();
        } else if weighable && remaining >= 2 && eq_ic(a, b"aggregate") {
            agg = match argv[j + 1] {
                x if eq_ic(x, b"sum") => Aggregate::Sum,
                x if eq_ic(x, b"min") => Aggregate::Min,
                x if eq_ic(x, b"max") => Aggregate::Max,
                _ => return c.add_error(err::SYNTAX),
            };
            j += 2;
        } else if cmd.dst.is_none() && !cmd.card_only && eq_ic(a, b"withscores") {
            withscores = true;
            j += 1;
        } else if cmd.card_only && remaining >= 2 && eq_ic(a, b"limit") {
            match parse_i64(argv[j + 1]) {
                Some(n) if n >= 0 => limit = n as usize,
                _ => return c.add_error("LIMIT can't be negative"),
            }
            j += 2;
        } else {
            return c.add_error(err::SYNTAX);
        }
    }
    let mut out = compute(cmd.op, inputs, agg, limit);
    if cmd.card_only {
        return c.add_int(out.len() as i64);
    }
    sort_scored(&mut out);
    match cmd.dst {
        None => add_scored(c, &out, withscores),
        Some(dst) => {
            let event = match cmd.op {
                Op::Union => "zunionstore",
                Op::Inter => "zinterstore",
                Op::Diff => "zdiffstore",
            };
            store_result(&mut ks, c, lim, dst, &out, event)
        }
    }
}

pub fn zunion(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    op_generic(srv, c, argv, 1, OpCmd { op: Op::Union, dst: None, card_only: false });
}

pub fn zinter(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    op_generic(srv, c, argv, 1, OpCmd { op: Op::Inter, dst: None, card_only: false });
}

pub fn zdiff(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    op_generic(srv, c, argv, 1, OpCmd { op: Op::Diff, dst: None, card_only: false });
}

pub fn zunionstore(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    op_generic(srv, c, argv, 2, OpCmd { op: Op::Union, dst: Some(argv[1]), card_only: false });
}

pub fn zinterstore(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    op_generic(srv, c, argv, 2, OpCmd { op: Op::Inter, dst: Some(argv[1]), card_only: false });
}

pub fn zdiffstore(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    op_generic(srv, c, argv, 2, OpCmd { op: Op::Diff, dst: Some(argv[1]), card_only: false });
}

/// ZINTERCARD numkeys key [key ...] [LIMIT limit]
pub fn zintercard(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    op_generic(srv, c, argv, 1, OpCmd { op: Op::Inter, dst: None, card_only: true });
}

/// A score as ZSCAN shows a listpack's: Redis keeps an integral score of
/// at most LLONG_MAX/2 as an integer there (`double2ll`), and prints it so.
fn listpack_score_text(s: f64) -> Vec<u8> {
    const HALF: f64 = (i64::MAX / 2) as f64;
    if (-HALF..=HALF).contains(&s) && (s as i64) as f64 == s {
        return (s as i64).to_string().into_bytes();
    }
    format_g17(s).into_bytes()
}

/// ZSCAN key cursor [MATCH pattern] [COUNT count]: a listpack is returned
/// whole with cursor 0; a skiplist's table is walked like SCAN walks keys.
pub fn zscan(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    scan_key(srv, c, argv, Value::is_zset, |v, cursor, count| {
        let mut found: ScanItems = Vec::new();
        let next = match v.zset_table() {
            None => {
                v.zset_range(0, v.zset_len(), false, |m, s| found.push((m.to_vec(), Some(listpack_score_text(s)))));
                0
            }
            // A member and its score count as two replies.
            Some(t) => scan_table(t, cursor, count, 2, &mut found, |n| (n.member().to_vec(), Some(format_g17(n.score).into_bytes()))),
        };
        (next, found)
    });
}

/// Every member, ascending (SORT's input).
pub fn members(v: &Value) -> Vec<Vec<u8>> {
    read_ranks(v, 0, v.zset_len(), false).into_iter().map(|(m, _)| m).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Redis's defaults.
    const LIM: Limits = Limits { entries: 128, value: 64 };

    /// A listpack becomes a skiplist at the 129th member or a 65-byte
    /// member, and never goes back; results are built small when they can.
    #[test]
    fn encoding_switches_at_redis_limits() {
        let mut v = Value::new_zset_listpack();
        for i in 0..LIM.entries {
            insert(&mut v, LIM, 7, format!("m{i}").as_bytes(), i as f64);
        }
        assert!(v.zset_is_listpack());
        insert(&mut v, LIM, 7, b"one more", 0.5);
        assert!(!v.zset_is_listpack());
        for i in 0..LIM.entries {
            assert!(v.zset_remove(format!("m{i}").as_bytes()).is_some());
        }
        assert!(!v.zset_is_listpack(), "never back");
        v.free();

        let mut v = Value::new_zset_listpack();
        insert(&mut v, LIM, 7, &[b'a'; 64], 1.0);
        assert!(v.zset_is_listpack());
        insert(&mut v, LIM, 7, &[b'a'; 65], 1.0);
        assert!(!v.zset_is_listpack());
        v.free();

        let mut small = build(LIM, 7, &[(b"a".to_vec(), 1.0)]);
        assert!(small.zset_is_listpack());
        small.free();
        let mut none = build(Limits { entries: 0, value: 64 }, 7, &[(b"a".to_vec(), 1.0)]);
        assert!(!none.zset_is_listpack());
        none.free();
    }

    #[test]
    fn ranges_resolve_to_ranks() {
        let mut v = Value::new_zset_listpack();
        for (m, s) in [("a", 1.0), ("b", 2.0), ("c", 2.0), ("d", 3.0)] {
            insert(&mut v, LIM, 7, m.as_bytes(), s);
        }
        assert_eq!(Range::score(b"(1", b"3").unwrap().ranks(&v), (1, 4));
        assert_eq!(Range::score(b"2", b"(2").unwrap().ranks(&v), (1, 1));
        assert_eq!(Range::score(b"-inf", b"+inf").unwrap().ranks(&v), (0, 4));
        assert_eq!(Range::lex(b"[b", b"(d").unwrap().ranks(&v), (1, 3));
        assert!(Range::score(b"x", b"1").is_err() && Range::lex(b"b", b"+").is_err());
        assert_eq!(clamp_ranks(-2, -1, 4), Some((2, 4)));
        assert_eq!(clamp_ranks(3, 1, 4), None);
        assert_eq!(clamp_ranks(-100, 100, 4), Some((0, 4)));
        v.free();
    }
}
