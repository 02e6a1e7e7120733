//! Expiry (Redis's `expire.c`): the active expire cycle run from cron, and
//! the commands that set, read and remove expiries. Lazy expiry on access
//! lives in `db.rs`.

use crate::host;
use crate::notify::class;
use crate::reply::{err, Reply};
use crate::server::Server;
use hotkv_abi::dict::next_random;
use hotkv_abi::object::NO_EXPIRE;
use hotkv_abi::state::Client;

/// Keys sampled per round and database (ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP).
const KEYS_PER_LOOP: usize = 20;
/// Another round while more than this percent of the sample had expired.
const ACCEPTABLE_STALE: usize = 10;
/// CPU share of the cycle, in percent of the cron period (Redis: 25).
const SLOW_TIME_PERC: u64 = 25;

/// Samples keys with an expiry in each database and deletes the expired
/// ones, repeating while many of a sample were stale, within a time budget.
/// The expiry index (`Db::volatile`) makes sampling O(1) and uniform.
pub fn active_expire_cycle(srv: &mut Server) {
    // Clients paused: the dataset stays as it is until the pause ends
    // (Redis's `checkClientPauseTimeoutAndReturnIfPaused`).
    if crate::client::paused(srv) {
        return;
    }
    let start = host::monotonic_us();
    let budget = 1_000_000 * SLOW_TIME_PERC / 100 / srv.cfg.hz.max(1) as u64;
    let now = srv.now_ms;
    let mut expired_total = 0u64;
    let rng = &mut srv.st.rng;
    let notify_flags = srv.cfg.notify_keyspace_events;
    let touched = &mut srv.touched;
    let prop = &mut srv.prop;
    'dbs: for (idx, db) in srv.st.dbs.iter_mut().enumerate() {
        loop {
            let n = db.volatile.len();
            if n == 0 {
                break;
            }
            let sample = n.min(KEYS_PER_LOOP);
            let mut expired = 0;
            let mut ttl_sum = 0i64;
            for _ in 0..sample {
                if db.volatile.is_empty() {
                    break;
                }
                let i = (next_random(rng) % db.volatile.len() as u64) as usize;
                let e = db.volatile[i];
                // SAFETY: the expiry index holds live entries of this database.
                let when = unsafe { (*e).expire_ms };
                if now > when {
                    // SAFETY: the key bytes are read before the entry is freed.
                    let key = unsafe { hotkv_abi::dict::DictEntry::key(&*e).to_vec() };
                    let gone = db.unlink(&key);
                    // SAFETY: unlinked from dict and index: ours alone.
                    unsafe { hotkv_abi::object::KeyEntry::free(gone) };
                    crate::notify::queue(&mut srv.events, notify_flags, crate::notify::class::EXPIRED, "expired", &key, idx as u32);
                    crate::multi::signal_modified(db, idx as u32, &key, touched);
                    crate::propagate::expired(prop, idx as u32, &key);
                    expired += 1;
                } else {
                    ttl_sum += when - now;
                }
            }
            let live = sample - expired;
            if live > 0 {
                let avg = (ttl_sum / live as i64) as u64;
                db.avg_ttl_ms = if db.avg_ttl_ms == 0 { avg } else { (db.avg_ttl_ms / 50) * 49 + avg / 50 };
            }
            expired_total += expired as u64;
            if host::monotonic_us() - start > budget {
                break 'dbs;
            }
            if expired * 100 / sample <= ACCEPTABLE_STALE {
                break;
            }
        }
    }
    srv.st.stats.expired_keys += expired_total;
    crate::multi::apply_touches(srv, None);
    crate::propagate::commit(srv, false);
    srv.st.stats.expire_cycle_cpu_us += host::monotonic_us() - start;
    if !srv.events.is_empty() {
        crate::notify::flush(srv, None);
    }
}

/// The NX/XX/GT/LT options of the EXPIRE family.
#[derive(Default)]
struct ExpireCond {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

/// Parses the options after the time (Redis's
/// `parseExtendedExpireArgumentsOrReply`); errors are reply texts.
fn parse_expire_cond(opts: &[&[u8]]) -> Result<ExpireCond, String> {
    let mut f = ExpireCond::default();
    for o in opts {
        match o.to_ascii_lowercase().as_slice() {
            b"nx" => f.nx = true,
            b"xx" => f.xx = true,
            b"gt" => f.gt = true,
            b"lt" => f.lt = true,
            _ => return Err(format!("Unsupported option {}", String::from_utf8_lossy(o))),
        }
    }
    if f.nx && (f.xx || f.gt || f.lt) {
        return Err("NX and XX, GT or LT options at the same time are not compatible".into());
    }
    if f.gt && f.lt {
        return Err("GT and LT options at the same time are not compatible".into());
    }
    Ok(f)
}

impl ExpireCond {
    /// Whether the condition lets a key with expiry `current` (or
    /// NO_EXPIRE) get the expiry `when`. No expiry counts as infinite.
    fn allows(&self, current: i64, when: i64) -> bool {
        let has = current != NO_EXPIRE;
        !((self.nx && has) || (self.xx && !has) || (self.gt && (!has || when <= current)) || (self.lt && has && when >= current))
    }
}

/// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (Redis's `expireGenericCommand`):
/// `argv[2]` in `unit_ms` milliseconds, added to `base_ms` (now for the
/// relative forms, 0 for the absolute ones). A time already past deletes the
/// key. Replies 1 when the key's expiry changed (or it was deleted), else 0.
fn expire_generic(srv: &mut Server, c: &mut Client, argv: &[&[u8]], base_ms: i64, unit_ms: i64, name: &str) {
    let cond = match parse_expire_cond(&argv[3..]) {
        Ok(f) => f,
        Err(e) => return c.add_error(&e),
    };
    let Some(n) = crate::util::parse_i64(argv[2]) else { return c.add_error(err::NOT_INTEGER) };
    // Negative times are allowed (they delete the key); only overflow is not.
    let Some(when) = n.checked_mul(unit_ms).and_then(|ms| ms.checked_add(base_ms)) else {
        return c.add_error(&format!("invalid expire time in '{name}' command"));
    };
    let (now, loading) = (srv.now_ms, srv.loading);
    let mut ks = srv.keyspace(c.db);
    // A refused condition changes nothing: no WATCH signal until the write.
    let Some(e) = ks.lookup_write_check(argv[1]) else { return c.add_int(0) };
    if !cond.allows(e.expire_ms, when) {
        return c.add_int(0);
    }
    // Redis's `checkAlreadyExpired`: not while loading the AOF, where a
    // past time is kept (the key expires once the load is done).
    if when <= now && !loading {
        ks.delete(argv[1]);
        ks.notify(class::GENERIC, "del", argv[1]);
        // Replayed as is, a time in the past might be in the future on a
        // replica's or a replay's clock: logged as what it did.
        srv.propagate_as(&[b"DEL", argv[1]]);
    } else {
        ks.set_expire(argv[1], when);
        ks.notify(class::GENERIC, "expire", argv[1]);
        // Anything but PEXPIREAT is logged as PEXPIREAT with the absolute
        // time in ms (a relative time would count from the replay), the
        // options as received, as Redis 7.0 does.
        if base_ms != 0 || unit_ms != 1 {
            let at = when.to_string();
            let mut form: Vec<&[u8]> = vec![b"PEXPIREAT", argv[1], at.as_bytes()];
            form.extend_from_slice(&argv[3..]);
            srv.propagate_as(&form);
        }
    }
    c.add_int(1);
}

pub fn expire(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let now = srv.now_ms;
    expire_generic(srv, c, argv, now, 1000, "expire");
}

pub fn pexpire(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let now = srv.now_ms;
    expire_generic(srv, c, argv, now, 1, "pexpire");
}

pub fn expireat(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    expire_generic(srv, c, argv, 0, 1000, "expireat");
}

pub fn pexpireat(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    expire_generic(srv, c, argv, 0, 1, "pexpireat");
}

/// TTL and PTTL: -2 for a missing key, -1 without expiry, else the time
/// left (seconds rounded to nearest, or milliseconds).
fn ttl_generic(srv: &mut Server, c: &mut Client, key: &[u8], in_ms: bool) {
    let now = srv.now_ms;
    let reply = match srv.keyspace(c.db).lookup_read_notouch(key) {
        None => -2,
        Some(e) if e.expire_ms == NO_EXPIRE => -1,
        Some(e) => {
            let ttl = (e.expire_ms - now).max(0);
            if in_ms {
                ttl
            } else {
                (ttl + 500) / 1000
            }
        }
    };
    c.add_int(reply);
}

pub fn ttl(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    ttl_generic(srv, c, argv[1], false);
}

pub fn pttl(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    ttl_generic(srv, c, argv[1], true);
}

pub fn persist(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    let done = ks.persist(argv[1]);
    if done {
        ks.notify(class::GENERIC, "persist", argv[1]);
    }
    c.add_int(done as i64);
}

/// EXPIRETIME and PEXPIRETIME: -2 for a missing key, -1 without expiry,
/// else the absolute expiry (seconds rounded to nearest, or milliseconds).
fn expiretime_generic(srv: &mut Server, c: &mut Client, key: &[u8], in_ms: bool) {
    let reply = match srv.keyspace(c.db).lookup_read_notouch(key) {
        None => -2,
        Some(e) if e.expire_ms == NO_EXPIRE => -1,
        Some(e) if in_ms => e.expire_ms,
        Some(e) => (e.expire_ms + 500) / 1000,
    };
    c.add_int(reply);
}

pub fn expiretime(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    expiretime_generic(srv, c, argv[1], false);
}

pub fn pexpiretime(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    expiretime_generic(srv, c, argv[1], true);
}
