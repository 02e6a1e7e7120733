//! Clients blocked on keys (Redis's `blocked.c`): BLPOP and co. wait here
//! until a key they wait on is created, their deadline passes, or CLIENT
//! UNBLOCK releases them.
//!
//! A blocked client keeps its whole command (`Client::bstate`), as Redis 7.2
//! re-processes blocked commands: when a key it waits on is created (the
//! Keyspace notes it in `Server::ready_keys`), the command simply runs again
//! through its normal code path, restricted to that key (Redis 7.0 serves a
//! client from the key that became ready). Nothing of how it blocked lives
//! in this library, so a client blocked by one version is served by the
//! next after an UPGRADE. A command blocks by calling [`block`]; a
//! blocking family (lists in `t_list.rs`, sorted sets in `t_zset.rs`)
//! needs only that and a line in [`waits_for`]. WAITAOF blocks here on no
//! key (`waitaof.rs` answers it when the AOF is fsynced).

use crate::commands;
use crate::longdouble::{self, LongDouble, Parsed};
use crate::networking;
use crate::reply::Reply;
use crate::server::Server;
use hotkv_abi::clientlist::ClientList;
use hotkv_abi::object::Value;
use hotkv_abi::state::{client_flag as cf, Client};
use hotkv_abi::vec::{RBytes, RVec};

/// A timeout in seconds, as Redis 7.0's `getTimeoutFromObjectOrReply`: the
/// absolute deadline in unix ms, 0 for none (a timeout of 0).
pub fn parse_timeout(now_ms: i64, a: &[u8]) -> Result<i64, &'static str> {
    let v = longdouble::parse(a).ok_or("timeout is not a float or out of range")?;
    let ms = timeout_ms(&v);
    if ms < 0 {
        return Err("timeout is negative");
    }
    Ok(if ms > 0 { now_ms.saturating_add(ms) } else { 0 })
}

/// `(long long) ceill(t * 1000.0)` on x86-64, exactly: the product rounded
/// to the 64-bit mantissa of a long double, rounded up to an integer, and
/// converted as the CPU does (a value out of range, infinity included,
/// becomes LLONG_MIN: Redis then says "timeout is negative").
fn timeout_ms(v: &Parsed) -> i64 {
    let LongDouble { neg, mant, exp } = match v {
        Parsed::Infinite => return i64::MIN,
        Parsed::Finite(v) => *v,
    };
    let mut m = mant as u128 * 1000;
    let mut e = exp as i64;
    let bits = 128 - m.leading_zeros() as i64;
    if bits > 64 {
        // Round half to even to 64 bits.
        let s = bits - 64;
        let rem = m & ((1u128 << s) - 1);
        let half = 1u128 << (s - 1);
        m >>= s;
        e += s;
        if rem > half || (rem == half && m & 1 == 1) {
            m += 1;
        }
    }
    let bits = 128 - m.leading_zeros() as i64;
    let (int, frac) = if e >= 0 {
        if bits + e > 63 {
            return i64::MIN;
        }
        (m << e, false)
    } else if -e >= 128 {
        (0, m != 0)
    } else {
        (m >> -e, m & ((1u128 << -e) - 1) != 0)
    };
    // ceil: up for a positive fraction, toward zero for a negative one.
    let mag = int + (frac && !neg) as u128;
    if mag > i64::MAX as u128 {
        return i64::MIN;
    }
    if neg {
        -(mag as i64)
    } else {
        mag as i64
    }
}

/// The deadline of a blocking command from its timeout argument, or the
/// error replied.
pub fn timeout_or_reply(srv: &Server, c: &mut Client, a: &[u8]) -> Option<i64> {
    parse_timeout(srv.now_ms, a).map_err(|e| c.add_error(e)).ok()
}

/// The keys a blocking command should look at now: all of them, or when it
/// runs again because one became ready, that one only (Redis 7.0 serves a
/// waiting client from the key that became ready, not from another of its
/// keys).
pub fn candidates<'a>(srv: &Server, keys: &[&'a [u8]]) -> Vec<&'a [u8]> {
    match &srv.serving_key {
        Some(k) => keys.iter().copied().filter(|x| *x == k.as_slice()).take(1).collect(),
        None => keys.to_vec(),
    }
}

/// Blocks `c` (its keys empty or missing) on `keys` of its database until
/// `deadline_ms` (0 = forever), keeping `argv` to run again. False when
/// the client may not block and the caller must reply as for a timeout
/// (Redis's CLIENT_DENY_BLOCKING: inside MULTI the timeout has expired at
/// once). When the command runs again from a ready key and still finds
/// nothing, the client stays blocked as it was (first deadline, same
/// place in every queue). Clients join `ServerState::blocked` only here
/// (the loop's cached nearest deadline depends on it).
pub fn block(srv: &mut Server, c: &mut Client, argv: &[&[u8]], keys: &[&[u8]], deadline_ms: i64) -> bool {
    // The AOF's client may not block either (Redis's createAOFClient).
    if c.flags & cf::MULTI != 0 || srv.loading {
        return false;
    }
    c.flags |= cf::BLOCKED;
    if srv.serving_key.is_some() {
        return true;
    }
    let mut saved = RVec::with_capacity(argv.len());
    for a in argv {
        saved.push(RBytes::from_slice(a));
    }
    c.bstate.argv = saved;
    c.bstate.deadline_ms = deadline_ms;
    if let (Some(next), true) = (srv.next_deadline, deadline_ms != 0) {
        srv.next_deadline = Some(if next == 0 { deadline_ms } else { next.min(deadline_ms) });
    }
    let me = c as *mut Client;
    srv.st.blocked.push(me);
    let table = &mut srv.st.dbs[c.db as usize].blocking_keys;
    for key in keys {
        let h = table.hash(key);
        let mut e = table.find(key, h);
        if e.is_null() {
            e = ClientList::alloc(key);
            // SAFETY: a new node whose key `find` just showed absent.
            unsafe { table.insert_new(e, h) };
        }
        // SAFETY: a live node of the table; a key named twice queues the client once.
        unsafe {
            if !(*e).clients.contains(&me) {
                (*e).clients.push(me);
            }
        }
    }
    true
}

/// Postpones `c`'s command until a CLIENT PAUSE ends (Redis's
/// BLOCKED_POSTPONE, see `client.rs`): the command stays unparsed in the
/// query buffer, so the client joins `blocked` with no command, no keys
/// and no deadline (which leaves the cached nearest deadline valid). It
/// may be in MULTI: the pause holds back queueing too.
pub fn postpone(srv: &mut Server, c: &mut Client) {
    c.flags |= cf::BLOCKED;
    c.bstate.argv = RVec::new();
    c.bstate.deadline_ms = 0;
    srv.st.blocked.push(c as *mut Client);
}

/// Is `c` waiting for a pause to end (blocked without a command)?
pub fn is_postponed(c: &Client) -> bool {
    c.flags & cf::BLOCKED != 0 && c.bstate.argv.is_empty()
}

/// The keys a blocked command may be queued under (its key specs; a key
/// it does not wait on, BLMOVE's destination, is simply not found).
fn queued_keys<'a>(srv: &Server, argv: &[&'a [u8]]) -> Vec<&'a [u8]> {
    srv.commands.get(argv[0]).map_or_else(Vec::new, |cmd| commands::command_keys(cmd, argv))
}

/// Takes a blocked client out of every queue and forgets its command,
/// without replying (a closing client; [`unblock`] for the others).
pub fn detach(srv: &mut Server, c: &mut Client) {
    if c.flags & cf::BLOCKED == 0 {
        return;
    }
    c.flags &= !cf::BLOCKED;
    let saved = std::mem::take(&mut c.bstate.argv);
    if c.bstate.deadline_ms != 0 && srv.next_deadline == Some(c.bstate.deadline_ms) {
        srv.next_deadline = None;
    }
    c.bstate.deadline_ms = 0;
    let me = c as *mut Client;
    if let Some(i) = srv.st.blocked.iter().position(|&p| p == me) {
        srv.st.blocked.remove(i);
    }
    let argv: Vec<&[u8]> = saved.iter().map(|a| a.as_slice()).collect();
    if argv.is_empty() {
        return;
    }
    let keys = queued_keys(srv, &argv);
    let table = &mut srv.st.dbs[c.db as usize].blocking_keys;
    for key in keys {
        let h = table.hash(key);
        let e = table.find(key, h);
        if e.is_null() {
            continue;
        }
        // SAFETY: a live node of the table; removed and freed once empty.
        unsafe {
            if let Some(i) = (*e).clients.iter().position(|&p| p == me) {
                (*e).clients.remove(i);
            }
            if (*e).clients.is_empty() {
                ClientList::free(table.remove(key, h));
            }
        }
    }
}

/// Unblocks a client whose command has replied: its queued input (held
/// back while it was blocked) and its reply get their turn.
pub fn unblock(srv: &mut Server, c: &mut Client) {
    detach(srv, c);
    networking::mark_pending(srv, c);
}

/// The reply of a blocked command whose timeout expired (Redis 7.0 replies
/// a null array for every command blocked on keys, BLMOVE included;
/// WAITAOF its acknowledgements so far).
fn reply_timeout(srv: &Server, c: &mut Client) {
    if crate::waitaof::is_waiter(&c.bstate.argv) {
        return crate::waitaof::reply_timeout(srv, c);
    }
    c.add_null_array();
}

/// The value a blocked command waits for at its keys; a key created with
/// another type does not serve it (Redis checks the type of a ready key
/// against what its clients block for).
fn waits_for(argv0: &[u8]) -> fn(&Value) -> bool {
    match argv0.to_ascii_lowercase().as_slice() {
        b"blpop" | b"brpop" | b"blmove" | b"brpoplpush" | b"blmpop" => Value::is_list,
        b"bzpopmin" | b"bzpopmax" | b"bzmpop" => Value::is_zset,
        _ => |_| false,
    }
}

/// Serves the clients blocked on keys that were created by the command
/// just run (Redis's `handleClientsBlockedOnKeys`): for each ready key, its
/// clients in the order they blocked run their command again, until the
/// key is gone. Commands run this way may create keys in turn (BLMOVE into
/// a list others wait on): those are served in the same call. `current` is
/// the client whose command ran; it is not blocked.
pub fn serve_ready_keys(srv: &mut Server, current: *const Client) {
    while !srv.ready_keys.is_empty() {
        for (db, key) in std::mem::take(&mut srv.ready_keys) {
            let table = &mut srv.st.dbs[db as usize].blocking_keys;
            let h = table.hash(&key);
            let e = table.find(&key, h);
            if e.is_null() {
                continue;
            }
            // SAFETY: a live node; copied because serving changes the queue.
            let queue: Vec<*mut Client> = unsafe { (*e).clients.to_vec() };
            for p in queue {
                if std::ptr::eq(p, current) {
                    continue;
                }
                // SAFETY: a client in a queue is live and blocked (freeing a
                // client detaches it first); it is not `current`, the only
                // client a caller holds a reference to.
                let bc = unsafe { &mut *p };
                if bc.flags & cf::BLOCKED == 0 {
                    continue;
                }
                let wanted = waits_for(&bc.bstate.argv[0]);
                match srv.keyspace(db).peek(&key) {
                    None => break,
                    Some(v) if !wanted(v) => continue,
                    Some(_) => {}
                }
                run_again(srv, bc, &key);
            }
        }
    }
}

/// Runs a blocked client's command again for the ready `key`: it replies
/// (served: unblocked) or calls [`block`] again (still waiting).
fn run_again(srv: &mut Server, c: &mut Client, key: &[u8]) {
    let saved = std::mem::take(&mut c.bstate.argv);
    let argv: Vec<&[u8]> = saved.iter().map(|a| a.as_slice()).collect();
    c.flags &= !cf::BLOCKED;
    srv.serving_key = Some(key.to_vec());
    if let Some(handler) = srv.commands.get(argv[0]).and_then(|cmd| cmd.handler) {
        commands::run(srv, c, handler, &argv);
    }
    srv.serving_key = None;
    c.bstate.argv = saved;
    if c.flags & cf::BLOCKED == 0 {
        c.flags |= cf::BLOCKED;
        unblock(srv, c);
    }
}

/// The nearest deadline of a blocked client, 0 if none. Kept in
/// `Server::next_deadline` (this version's, recomputed when unknown) so
/// that the loop does not walk every blocked client per iteration: a
/// queue of workers blocked forever costs nothing.
fn nearest_deadline(srv: &mut Server) -> i64 {
    if let Some(d) = srv.next_deadline {
        return d;
    }
    // SAFETY: clients in `blocked` are live.
    let d = srv.st.blocked.iter().map(|&p| unsafe { (*p).bstate.deadline_ms }).filter(|&d| d != 0).min().unwrap_or(0);
    srv.next_deadline = Some(d);
    d
}

/// Replies to and unblocks the clients whose deadline has passed.
pub fn expire_timeouts(srv: &mut Server) {
    let now = srv.now_ms;
    let next = nearest_deadline(srv);
    if next == 0 || next >= now {
        return;
    }
    // SAFETY: clients in `blocked` are live.
    let due: Vec<*mut Client> =
        srv.st.blocked.iter().copied().filter(|&p| unsafe { (*p).bstate.deadline_ms != 0 && (*p).bstate.deadline_ms < now }).collect();
    for p in due {
        // SAFETY: live and blocked; the loop holds no other client reference.
        let c = unsafe { &mut *p };
        reply_timeout(srv, c);
        unblock(srv, c);
    }
}

/// Milliseconds until the nearest deadline of a blocked client (when it
/// has passed: 1 ms after, as a deadline expires once the clock is past it).
pub fn ms_until_deadline(srv: &mut Server) -> Option<i64> {
    let next = nearest_deadline(srv);
    (next != 0).then(|| (next - srv.now_ms + 1).max(0))
}

/// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]: 1 if that client was blocked
/// and now is not (replied to as for a timeout, or with an error), else 0.
pub fn client_unblock(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    if argv.len() > 4 {
        return c.add_subcommand_syntax_error(argv);
    }
    let with_error = match argv.get(3) {
        None => false,
        Some(a) if crate::util::eq_ic(a, b"timeout") => false,
        Some(a) if crate::util::eq_ic(a, b"error") => true,
        Some(_) => return c.add_error("CLIENT UNBLOCK reason should be TIMEOUT or ERROR"),
    };
    let Some(id) = crate::util::parse_i64(argv[2]) else {
        return c.add_error(crate::reply::err::NOT_INTEGER);
    };
    let me = c as *mut Client;
    // SAFETY: clients in `blocked` are live; the caller, the one client we
    // hold a reference to, is not blocked. A postponed client is not
    // released by CLIENT UNBLOCK (its command has not run yet).
    let target = srv.st.blocked.iter().copied().find(|&p| p != me && unsafe { (*p).id == id as u64 && !is_postponed(&*p) });
    let Some(p) = target else {
        return c.add_int(0);
    };
    // SAFETY: as above: live, and not `c`.
    let t = unsafe { &mut *p };
    if with_error {
        t.add_error("-UNBLOCKED client unblocked via CLIENT UNBLOCK");
    } else {
        reply_timeout(srv, t);
    }
    unblock(srv, t);
    c.add_int(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_as_redis_reads_them() {
        let t = |s: &str| parse_timeout(1_000, s.as_bytes());
        assert_eq!(t("0"), Ok(0));
        assert_eq!(t("-0"), Ok(0));
        // ceill: a fraction of a ms is a whole one; a small negative is 0.
        assert_eq!(t("1e-5"), Ok(1_001));
        assert_eq!(t("0.0009"), Ok(1_001));
        assert_eq!(t("-0.0001"), Ok(0));
        assert_eq!(t("0.1"), Ok(1_100));
        assert_eq!(t("+1"), Ok(2_000));
        assert_eq!(t("0x10"), Ok(17_000));
        assert_eq!(t("-1"), Err("timeout is negative"));
        assert_eq!(t("inf"), Err("timeout is negative"));
        assert_eq!(t("-inf"), Err("timeout is negative"));
        assert_eq!(t("1e300"), Err("timeout is negative"));
        assert_eq!(t("9223372036854775807"), Err("timeout is negative"));
        assert_eq!(t("9223372036854775"), Ok(i64::MAX));
        for bad in ["abc", "nan", " 1", "", "1 "] {
            assert_eq!(t(bad), Err("timeout is not a float or out of range"), "{bad:?}");
        }
    }
}
