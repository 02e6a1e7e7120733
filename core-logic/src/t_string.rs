//! String commands (Redis's `t_string.c`).

use crate::db::{Keyspace, Ttl};
use crate::longdouble::{self, LongDouble, Parsed};
use crate::notify::class;
use crate::reply::{err, Reply};
use crate::server::Server;
use crate::util::{eq_ic, parse_i64};
use hotkv_abi::object::Value;
use hotkv_abi::state::Client;

/// An expiry argument as given (`EX 10`, `PXAT 1700000000000`): resolved to
/// an absolute time only when the command needs it, because GETEX reports a
/// bad number only for an existing key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ExpireArg<'a> {
    pub value: &'a [u8],
    /// 1000 for seconds (EX, EXAT), 1 for milliseconds (PX, PXAT).
    pub unit_ms: i64,
    /// EX and PX count from now; EXAT and PXAT are unix times.
    pub relative: bool,
}

impl ExpireArg<'_> {
    /// The absolute expiry in unix ms (Redis's `getExpireMillisecondsOrReply`):
    /// the number must be positive and the result must not overflow.
    pub fn resolve(&self, now_ms: i64, cmd_name: &str) -> Result<i64, String> {
        let n = parse_i64(self.value).ok_or_else(|| err::NOT_INTEGER.to_string())?;
        let ms = n
            .checked_mul(self.unit_ms)
            .filter(|_| n > 0)
            .and_then(|ms| if self.relative { ms.checked_add(now_ms) } else { Some(ms) });
        ms.ok_or_else(|| format!("invalid expire time in '{cmd_name}' command"))
    }
}

/// Options of SET and GETEX (Redis's `parseExtendedStringArgumentsOrReply`).
#[derive(Default)]
pub struct SetOpts<'a> {
    pub nx: bool,
    pub xx: bool,
    pub get: bool,
    pub keepttl: bool,
    pub persist: bool,
    pub expire: Option<ExpireArg<'a>>,
}

/// Which command is parsing: SET accepts NX/XX/GET/KEEPTTL, GETEX accepts PERSIST.
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum OptsFor {
    Set,
    GetEx,
}

/// Parses `argv[from..]` as SET/GETEX options; the error is the syntax error.
/// As in Redis, an option may repeat (`EX 1 EX 2`: the last wins) but two
/// options that contradict each other may not (`EX 1 PX 2`, `NX XX`).
pub fn parse_set_opts<'a>(argv: &[&'a [u8]], from: usize, cmd: OptsFor) -> Result<SetOpts<'a>, &'static str> {
    let mut o = SetOpts::default();
    let mut i = from;
    while i < argv.len() {
        let a = argv[i];
        let next = argv.get(i + 1).copied();
        // An expiry of another kind than this one already given.
        let other_expiry = |unit_ms, relative| o.expire.is_some_and(|e| (e.unit_ms, e.relative) != (unit_ms, relative));
        let set = cmd == OptsFor::Set;
        let expiry = match a.len() {
            2 if eq_ic(a, b"EX") => Some((1000, true)),
            2 if eq_ic(a, b"PX") => Some((1, true)),
            4 if eq_ic(a, b"EXAT") => Some((1000, false)),
            4 if eq_ic(a, b"PXAT") => Some((1, false)),
            _ => None,
        };
        if let Some((unit_ms, relative)) = expiry {
            match next {
                Some(value) if !o.keepttl && !o.persist && !other_expiry(unit_ms, relative) => {
                    o.expire = Some(ExpireArg { value, unit_ms, relative });
                    i += 1;
                }
                _ => return Err(err::SYNTAX),
            }
        } else if set && eq_ic(a, b"NX") && !o.xx {
            o.nx = true;
        } else if set && eq_ic(a, b"XX") && !o.nx {
            o.xx = true;
        } else if set && eq_ic(a, b"GET") {
            o.get = true;
        } else if set && eq_ic(a, b"KEEPTTL") && !o.persist && o.expire.is_none() {
            o.keepttl = true;
        } else if !set && eq_ic(a, b"PERSIST") && !o.keepttl && o.expire.is_none() {
            o.persist = true;
        } else {
            return Err(err::SYNTAX);
        }
        i += 1;
    }
    Ok(o)
}

/// Replies with a string key's value, nil when missing, WRONGTYPE otherwise.
/// Returns false on WRONGTYPE (Redis's `getGenericCommand`).
fn reply_value(c: &mut Client, v: Option<&Value>) -> bool {
    match v {
        None => c.add_null(),
        Some(v) if !v.is_string() => {
            c.add_error(err::WRONGTYPE);
            return false;
        }
        Some(v) => {
            let mut buf = [0u8; 20];
            c.add_bulk(v.str_bytes(&mut buf));
        }
    }
    true
}

/// GET's reply for `key` (hit/miss counted); false on WRONGTYPE.
fn get_generic(ks: &mut Keyspace, c: &mut Client, key: &[u8]) -> bool {
    let e = ks.lookup_read(key);
    reply_value(c, e.map(|e| &e.value))
}

pub fn get(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    get_generic(&mut srv.keyspace(c.db), c, argv[1]);
}

/// SET and its older forms (Redis's `setGenericCommand`): the condition
/// decides, `abort` is the reply when it fails and `ok` when the key is set.
struct SetCall<'a> {
    key: &'a [u8],
    value: &'a [u8],
    nx: bool,
    xx: bool,
    get: bool,
    keepttl: bool,
    expire: Option<ExpireArg<'a>>,
    ok: fn(&mut Client),
    abort: fn(&mut Client),
}

/// SET, SETNX, SETEX and PSETEX (`argv` as received, for the form it is
/// logged in).
fn set_generic(srv: &mut Server, c: &mut Client, argv: &[&[u8]], s: SetCall, cmd_name: &str) {
    // The expiry is checked before anything is read or written.
    let when = match s.expire.map(|e| e.resolve(srv.now_ms, cmd_name)).transpose() {
        Ok(w) => w,
        Err(e) => return c.add_error(&e),
    };
    let mut ks = srv.keyspace(c.db);
    if s.get && !get_generic(&mut ks, c, s.key) {
        return;
    }
    // Only NX and XX need to know beforehand; `set` expires a stale key itself.
    let found = (s.nx || s.xx) && ks.lookup_write_check(s.key).is_some();
    if (s.nx && found) || (s.xx && !found) {
        if !s.get {
            (s.abort)(c);
        }
        return;
    }
    let ttl = match (when, s.keepttl) {
        (Some(at), _) => Ttl::At(at),
        (None, true) => Ttl::Keep,
        (None, false) => Ttl::Clear,
    };
    ks.set(s.key, Value::string(s.value), ttl);
    ks.notify(class::STRING, "set", s.key);
    if when.is_some() {
        ks.notify(class::GENERIC, "expire", s.key);
    }
    if !s.get {
        (s.ok)(c);
    }
    match when {
        // A relative expiry (EX, PX, SETEX) replayed later would count from
        // the time of replay: logged as the absolute time it resolved to,
        // `SET key value PXAT ms` as Redis 7.0 does (the conditions held, so
        // NX, XX and GET go).
        Some(at) => srv.propagate_as(&[b"SET", s.key, s.value, b"PXAT", at.to_string().as_bytes()]),
        // GET only changes the reply: logged without it (every GET after the
        // value, as Redis skips them), the rest as received.
        None if s.get => {
            let kept: Vec<&[u8]> = argv.iter().enumerate().filter(|(j, a)| *j < 3 || !eq_ic(a, b"get")).map(|(_, a)| *a).collect();
            srv.propagate_as(&kept);
        }
        None => {}
    }
}

fn reply_ok(c: &mut Client) {
    c.add_ok();
}
fn reply_null(c: &mut Client) {
    c.add_null();
}
fn reply_one(c: &mut Client) {
    c.add_int(1);
}
fn reply_zero(c: &mut Client) {
    c.add_int(0);
}

/// A plain SET of `key` to `value`, with these options.
fn plain_set<'a>(key: &'a [u8], value: &'a [u8]) -> SetCall<'a> {
    SetCall { key, value, nx: false, xx: false, get: false, keepttl: false, expire: None, ok: reply_ok, abort: reply_null }
}

pub fn set(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let o = match parse_set_opts(argv, 3, OptsFor::Set) {
        Ok(o) => o,
        Err(e) => return c.add_error(e),
    };
    let call = SetCall { nx: o.nx, xx: o.xx, get: o.get, keepttl: o.keepttl, expire: o.expire, ..plain_set(argv[1], argv[2]) };
    set_generic(srv, c, argv, call, "set");
}

pub fn setnx(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let call = SetCall { nx: true, ok: reply_one, abort: reply_zero, ..plain_set(argv[1], argv[2]) };
    set_generic(srv, c, argv, call, "setnx");
}

/// SETEX and PSETEX: `key ttl value`, the ttl in seconds or milliseconds.
fn setex_generic(srv: &mut Server, c: &mut Client, argv: &[&[u8]], unit_ms: i64, cmd_name: &str) {
    let expire = Some(ExpireArg { value: argv[2], unit_ms, relative: true });
    set_generic(srv, c, argv, SetCall { expire, ..plain_set(argv[1], argv[3]) }, cmd_name);
}

pub fn setex(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    setex_generic(srv, c, argv, 1000, "setex");
}

pub fn psetex(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    setex_generic(srv, c, argv, 1, "psetex");
}

/// GETSET: the old value, and the new one set without any expiry.
pub fn getset(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    if get_generic(&mut ks, c, argv[1]) {
        ks.set(argv[1], Value::string(argv[2]), Ttl::Clear);
        ks.notify(class::STRING, "set", argv[1]);
        // The old value was only for the reply: logged as the SET it did
        // (Redis 7.0 does the same).
        srv.propagate_as(&[b"SET", argv[1], argv[2]]);
    }
}

pub fn getdel(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    let e = ks.lookup_read(argv[1]);
    let found = e.is_some();
    if reply_value(c, e.map(|e| &e.value)) && found {
        ks.delete(argv[1]);
        ks.notify(class::GENERIC, "del", argv[1]);
        // The value was only for the reply: what the dataset saw is a DEL.
        srv.propagate_as(&[b"DEL", argv[1]]);
    }
}

/// GETEX key [EX s | PX ms | EXAT t | PXAT t | PERSIST]: the value, and the
/// expiry changed. A missing key answers nil before the number is checked.
pub fn getex(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let o = match parse_set_opts(argv, 2, OptsFor::GetEx) {
        Ok(o) => o,
        Err(e) => return c.add_error(e),
    };
    let now = srv.now_ms;
    let mut ks = srv.keyspace(c.db);
    let Some(e) = ks.lookup_read(argv[1]) else { return c.add_null() };
    if !e.value.is_string() {
        return c.add_error(err::WRONGTYPE);
    }
    let when = match o.expire.map(|x| x.resolve(now, "getex")).transpose() {
        Ok(w) => w,
        Err(msg) => return c.add_error(&msg),
    };
    reply_value(c, Some(&e.value));
    // Logged as the write it did, never as GETEX (Redis 7.0's forms): DEL,
    // PEXPIREAT with the absolute time (a relative one would count from
    // the replay), or PERSIST.
    match (when, o.expire) {
        // An absolute time already past deletes the key (Redis's
        // `checkAlreadyExpired`); a relative one is always in the future.
        (Some(at), Some(x)) if !x.relative && at <= now => {
            ks.delete(argv[1]);
            ks.notify(class::GENERIC, "del", argv[1]);
            srv.propagate_as(&[b"DEL", argv[1]]);
        }
        (Some(at), _) => {
            ks.set_expire(argv[1], at);
            ks.notify(class::GENERIC, "expire", argv[1]);
            srv.propagate_as(&[b"PEXPIREAT", argv[1], at.to_string().as_bytes()]);
        }
        _ if o.persist && ks.persist(argv[1]) => {
            ks.notify(class::GENERIC, "persist", argv[1]);
            srv.propagate_as(&[b"PERSIST", argv[1]]);
        }
        _ => {}
    }
}

pub fn mget(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    c.add_array(argv.len() - 1);
    for key in &argv[1..] {
        match ks.lookup_read(key) {
            // Keys of another type read as missing, not as an error.
            Some(e) if e.value.is_string() => {
                let mut buf = [0u8; 20];
                c.add_bulk(e.value.str_bytes(&mut buf));
            }
            _ => c.add_null(),
        }
    }
}

/// MSET and MSETNX: pairs of key and value; MSETNX sets nothing when any
/// of the keys exists.
fn mset_generic(srv: &mut Server, c: &mut Client, argv: &[&[u8]], nx: bool) {
    if argv.len().is_multiple_of(2) {
        let name = if nx { "msetnx" } else { "mset" };
        return c.add_error(&format!("wrong number of arguments for '{name}' command"));
    }
    let mut ks = srv.keyspace(c.db);
    if nx && argv[1..].iter().step_by(2).any(|k| ks.lookup_write_check(k).is_some()) {
        return c.add_int(0);
    }
    for kv in argv[1..].chunks(2) {
        ks.set(kv[0], Value::string(kv[1]), Ttl::Clear);
        ks.notify(class::STRING, "set", kv[0]);
    }
    if nx {
        c.add_int(1)
    } else {
        c.add_ok()
    }
}

pub fn mset(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    mset_generic(srv, c, argv, false);
}

pub fn msetnx(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    mset_generic(srv, c, argv, true);
}

/// The integer a string value holds (Redis's `getLongLongFromObject`).
fn value_i64(v: &Value) -> Option<i64> {
    v.as_int().or_else(|| parse_i64(v.str_bytes(&mut [0; 20])))
}

/// INCR, DECR, INCRBY, DECRBY: adds `incr` to the integer at `key` (0 when
/// missing), keeping its expiry.
fn incr_decr(srv: &mut Server, c: &mut Client, key: &[u8], incr: i64) {
    let mut ks = srv.keyspace(c.db);
    let cur = match ks.lookup_write(key) {
        None => 0,
        Some(e) if !e.value.is_string() => return c.add_error(err::WRONGTYPE),
        Some(e) => match value_i64(&e.value) {
            Some(n) => n,
            None => return c.add_error(err::NOT_INTEGER),
        },
    };
    let Some(n) = cur.checked_add(incr) else { return c.add_error(err::OVERFLOW) };
    ks.set(key, Value::int(n), Ttl::Keep);
    ks.notify(class::STRING, "incrby", key);
    c.add_int(n);
}

pub fn incr(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    incr_decr(srv, c, argv[1], 1);
}

pub fn decr(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    incr_decr(srv, c, argv[1], -1);
}

pub fn incrby(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    match parse_i64(argv[2]) {
        Some(n) => incr_decr(srv, c, argv[1], n),
        None => c.add_error(err::NOT_INTEGER),
    }
}

pub fn decrby(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    match parse_i64(argv[2]) {
        // Negating i64::MIN overflows before any addition.
        Some(i64::MIN) => c.add_error("decrement would overflow"),
        Some(n) => incr_decr(srv, c, argv[1], -n),
        None => c.add_error(err::NOT_INTEGER),
    }
}

/// INCRBYFLOAT, in x87 long double arithmetic as Redis on x86-64 computes
/// it (see `longdouble`): the reply and the stored value are its digits.
pub fn incrbyfloat(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    let cur = match ks.lookup_write(argv[1]) {
        None => Some(Parsed::Finite(LongDouble::ZERO)),
        Some(e) if !e.value.is_string() => return c.add_error(err::WRONGTYPE),
        Some(e) => longdouble::parse(e.value.str_bytes(&mut [0; 20])),
    };
    let (Some(cur), Some(incr)) = (cur, longdouble::parse(argv[2])) else { return c.add_error(err::NOT_FLOAT) };
    let sum = match (cur, incr) {
        (Parsed::Finite(a), Parsed::Finite(b)) => longdouble::add(a, b),
        _ => None,
    };
    let Some(sum) = sum else { return c.add_error("increment would produce NaN or Infinity") };
    let digits = longdouble::format_human(&sum);
    // Never int-encoded, as Redis's `createStringObjectFromLongDouble`.
    ks.set(argv[1], Value::raw_string(digits.as_bytes(), digits.len()), Ttl::Keep);
    ks.notify(class::STRING, "incrbyfloat", argv[1]);
    c.add_bulk(digits.as_bytes());
    // Logged as the value it produced, `SET key value KEEPTTL` as Redis's
    // t_string.c does: float addition replayed on another build or
    // platform (another long double) could give other digits.
    srv.propagate_as(&[b"SET", argv[1], digits.as_bytes(), b"KEEPTTL"]);
}

/// Redis's `checkStringLength`: a string may not grow past proto-max-bulk-len.
fn check_string_length(c: &mut Client, max: u64, len: u64, extra: u64) -> bool {
    let ok = len.checked_add(extra).is_some_and(|t| t <= max);
    if !ok {
        c.add_error("string exceeds maximum allowed size (proto-max-bulk-len)");
    }
    ok
}

/// Writes `bytes` at `offset` of a string value, zero-filling any gap and
/// growing it in place (SETRANGE, APPEND). The result is always a heap
/// string with at least one spare byte: Redis's "raw" encoding, which
/// OBJECT ENCODING tells from "embstr" by that spare capacity.
fn write_at(v: &mut Value, offset: usize, bytes: &[u8]) {
    let old_len = v.str_len();
    let new_len = old_len.max(offset + bytes.len());
    let buf = v.make_mut_string(new_len + 1);
    if offset > old_len {
        buf[old_len..offset].fill(0);
    }
    buf[offset..offset + bytes.len()].copy_from_slice(bytes);
    v.set_heap_len(new_len);
}

pub fn append(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let max = srv.cfg.proto_max_bulk_len;
    let mut ks = srv.keyspace(c.db);
    match ks.lookup_write(argv[1]) {
        None => {
            ks.set(argv[1], Value::string(argv[2]), Ttl::Clear);
            c.add_int(argv[2].len() as i64);
        }
        Some(e) if !e.value.is_string() => return c.add_error(err::WRONGTYPE),
        Some(e) => {
            let len = e.value.str_len();
            if !check_string_length(c, max, len as u64, argv[2].len() as u64) {
                return;
            }
            write_at(&mut e.value, len, argv[2]);
            c.add_int(e.value.str_len() as i64);
        }
    }
    ks.notify(class::STRING, "append", argv[1]);
}

pub fn strlen(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    match srv.keyspace(c.db).lookup_read(argv[1]) {
        None => c.add_int(0),
        Some(e) if !e.value.is_string() => c.add_error(err::WRONGTYPE),
        Some(e) => c.add_int(e.value.str_len() as i64),
    }
}

/// SETRANGE key offset value: overwrites from `offset`, zero-padding a
/// shorter string; writing nothing changes nothing and creates no key.
pub fn setrange(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let value = argv[3];
    let offset = match parse_i64(argv[2]) {
        None => return c.add_error(err::NOT_INTEGER),
        Some(o) if o < 0 => return c.add_error("offset is out of range"),
        Some(o) => o as u64,
    };
    let max = srv.cfg.proto_max_bulk_len;
    let mut ks = srv.keyspace(c.db);
    match ks.lookup_write(argv[1]) {
        None if value.is_empty() => c.add_int(0),
        None => {
            if check_string_length(c, max, offset, value.len() as u64) {
                let e = ks.set(argv[1], Value::raw_string(b"", 0), Ttl::Clear);
                write_at(&mut e.value, offset as usize, value);
                c.add_int(e.value.str_len() as i64);
                ks.notify(class::STRING, "setrange", argv[1]);
            }
        }
        Some(e) if !e.value.is_string() => c.add_error(err::WRONGTYPE),
        Some(e) if value.is_empty() => c.add_int(e.value.str_len() as i64),
        Some(e) => {
            if check_string_length(c, max, offset, value.len() as u64) {
                write_at(&mut e.value, offset as usize, value);
                c.add_int(e.value.str_len() as i64);
                ks.notify(class::STRING, "setrange", argv[1]);
            }
        }
    }
}

/// GETRANGE key start end: inclusive, negative indexes count from the end,
/// both clamped into the string (Redis's `getrangeCommand`).
pub fn getrange(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let (Some(start), Some(end)) = (parse_i64(argv[2]), parse_i64(argv[3])) else {
        return c.add_error(err::NOT_INTEGER);
    };
    let mut ks = srv.keyspace(c.db);
    let mut buf = [0u8; 20];
    let s = match ks.lookup_read(argv[1]) {
        None => return c.add_bulk(b""),
        Some(e) if !e.value.is_string() => return c.add_error(err::WRONGTYPE),
        Some(e) => e.value.str_bytes(&mut buf),
    };
    let len = s.len() as i64;
    if start < 0 && end < 0 && start > end {
        return c.add_bulk(b"");
    }
    let from_end = |i: i64| if i < 0 { (len + i).max(0) } else { i };
    let (start, end) = (from_end(start), from_end(end).min(len - 1));
    if start > end || len == 0 {
        return c.add_bulk(b"");
    }
    c.add_bulk(&s[start as usize..=end as usize]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str, cmd: OptsFor) -> Result<SetOpts<'_>, &'static str> {
        let argv: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        parse_set_opts(&argv, if cmd == OptsFor::Set { 3 } else { 2 }, cmd)
    }

    /// Redis accepts an option again (the last expiry wins) but refuses
    /// options that contradict each other, and each command's foreign ones.
    #[test]
    fn set_options_like_redis() {
        let o = parse("SET k v EX 10 EX 20", OptsFor::Set).unwrap();
        assert_eq!(o.expire.map(|e| e.value), Some(&b"20"[..]));
        assert!(parse("SET k v NX NX GET KEEPTTL KEEPTTL", OptsFor::Set).is_ok());
        for bad in ["SET k v EX 1 PX 1", "SET k v NX XX", "SET k v KEEPTTL EX 1", "SET k v EX", "SET k v PERSIST", "SET k v EXAT 1 PXAT 1"] {
            assert!(parse(bad, OptsFor::Set).is_err(), "{bad}");
        }
        assert!(parse("GETEX k PERSIST PERSIST", OptsFor::GetEx).is_ok());
        for bad in ["GETEX k NX", "GETEX k GET", "GETEX k KEEPTTL", "GETEX k PERSIST EX 1", "GETEX k EX 1 PERSIST"] {
            assert!(parse(bad, OptsFor::GetEx).is_err(), "{bad}");
        }
    }

    #[test]
    fn expiry_resolution() {
        let arg = |v: &'static str, unit_ms, relative| ExpireArg { value: v.as_bytes(), unit_ms, relative };
        assert_eq!(arg("10", 1000, true).resolve(5, "set"), Ok(10_005));
        assert_eq!(arg("7", 1, false).resolve(5, "set"), Ok(7));
        assert_eq!(arg("x", 1, false).resolve(5, "set"), Err(err::NOT_INTEGER.to_string()));
        for (v, unit) in [("0", 1), ("-1", 1000), ("9223372036854775807", 1000), ("9223372036854775807", 1)] {
            assert_eq!(arg(v, unit, true).resolve(5, "getex"), Err("invalid expire time in 'getex' command".to_string()), "{v}");
        }
    }
}
