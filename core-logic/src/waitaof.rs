//! WAITAOF numlocal numreplicas timeout (Redis 7.2's `waitaofCommand`):
//! blocks until the writes the client made before it are fsynced to the
//! local AOF (there are no replicas here: the second count is always 0).
//!
//! No per-client AOF offset is kept: every write a client made before
//! WAITAOF was appended to the AOF buffer before WAITAOF ran, so the
//! offset WAITAOF waits for is everything buffered or written at that
//! moment. It may thus also wait for other clients' earlier writes, never
//! less than for its own. The command blocks with the blocked-client
//! machinery of [`crate::blocking`] (its argv and deadline in the state,
//! so a waiter survives an UPGRADE), with that offset appended to its
//! saved argv: a later version knows what it waits for without a new
//! field in the state, and it is answered as soon as that offset is
//! fsynced, however much was written since. While it waits, a background
//! fsync is asked for at once (under `everysec` and `no` too), and the
//! job thread's wake-up ([`crate::aof_fsync::on_bio`]) answers it.

use crate::aof;
use crate::blocking;
use crate::reply::{err, Reply};
use crate::server::Server;
use crate::util::{eq_ic, parse_i64};
use hotkv_abi::object::format_i64;
use hotkv_abi::state::{aof_status, client_flag as cf, Client};

/// Redis 7.2's error when numlocal is asked of a server without AOF.
const AOF_DISABLED: &str = "WAITAOF cannot be used when numlocal is set but appendonly is disabled.";

/// Is this the saved argv of a blocked WAITAOF (with its offset)?
pub fn is_waiter(argv: &[hotkv_abi::vec::RBytes]) -> bool {
    argv.len() == 5 && eq_ic(&argv[0], b"waitaof")
}

/// 1 if the AOF holds, fsynced, everything up to `offset`, else 0. While
/// the AOF waits for its first rewrite nothing is acknowledged (the base
/// that makes the temp incr file usable is not there yet), as Redis.
fn acked_local(srv: &Server, offset: u64) -> i64 {
    let a = &srv.st.aof;
    (a.status == aof_status::ON && a.fsynced_offset >= offset) as i64
}

fn reply_acks(c: &mut Client, local: i64) {
    c.add_array(2);
    c.add_int(local);
    c.add_int(0);
}

/// A timeout in milliseconds, as Redis 7.2's `getTimeoutFromObjectOrReply`
/// with UNIT_MILLISECONDS: the absolute deadline in unix ms, 0 for none.
fn parse_timeout_ms(now_ms: i64, a: &[u8]) -> Result<i64, &'static str> {
    let ms = parse_i64(a).ok_or("timeout is not an integer or out of range")?;
    if ms < 0 {
        return Err("timeout is negative");
    }
    if ms == 0 {
        return Ok(0);
    }
    now_ms.checked_add(ms).ok_or("timeout is out of range")
}

/// WAITAOF numlocal numreplicas timeout
pub fn waitaof(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let numlocal = match parse_i64(argv[1]) {
        None => return c.add_error(err::NOT_INTEGER),
        Some(n) if !(0..=1).contains(&n) => return c.add_error("value is out of range, value must between 0 and 1"),
        Some(n) => n,
    };
    let numreplicas = match parse_i64(argv[2]) {
        None => return c.add_error(err::NOT_INTEGER),
        Some(n) if n < 0 => return c.add_error("value is out of range, must be positive"),
        Some(n) => n,
    };
    let deadline = match parse_timeout_ms(srv.now_ms, argv[3]) {
        Ok(d) => d,
        Err(e) => return c.add_error(e),
    };
    if numlocal > 0 && !aof::enabled(srv.st) {
        return c.add_error(AOF_DISABLED);
    }
    // Outside a transaction, what the client wrote is written out first
    // (and under `always` fsynced): often nothing is left to wait for. A
    // transaction's own writes are not propagated yet: not waited for.
    if c.flags & cf::MULTI == 0 {
        aof::flush(srv);
    }
    let offset = crate::aof_fsync::appended(srv);
    let local = acked_local(srv, offset);
    // No replicas: numreplicas > 0 waits until the timeout, as in Redis.
    if local >= numlocal && numreplicas == 0 {
        return reply_acks(c, local);
    }
    let mut num = [0u8; 20];
    let saved = [argv[0], argv[1], argv[2], argv[3], format_i64(offset as i64, &mut num)];
    // Inside MULTI (or while loading) it may not block: the current acks.
    if !blocking::block(srv, c, &saved, &[], deadline) {
        return reply_acks(c, local);
    }
    crate::aof_fsync::fsync_in_background(srv);
}

/// What a blocked WAITAOF waits for: (numlocal, numreplicas, offset).
fn waiter_args(c: &Client) -> (i64, i64, u64) {
    let a = &c.bstate.argv;
    let n = |i: usize| parse_i64(&a[i]).unwrap_or(0);
    (n(1), n(2), n(4) as u64)
}

/// Answers the blocked WAITAOF clients whose offset is fsynced (and those
/// asking numlocal of an AOF turned off, with Redis's error); if some
/// still wait for the local AOF, asks for a background fsync.
pub fn serve(srv: &mut Server) {
    // SAFETY: clients in `blocked` are live.
    let waiters: Vec<*mut Client> = srv.st.blocked.iter().copied().filter(|&p| is_waiter(unsafe { &(*p).bstate.argv })).collect();
    let mut unsynced = false;
    for p in waiters {
        // SAFETY: live and blocked; the caller holds no client reference
        // across this call (it runs from the loop, cron, or a command that
        // is not WAITAOF's waiting client).
        let c = unsafe { &mut *p };
        let (numlocal, numreplicas, offset) = waiter_args(c);
        if numlocal > 0 && !aof::enabled(srv.st) {
            c.add_error(AOF_DISABLED);
        } else if acked_local(srv, offset) >= numlocal && numreplicas == 0 {
            reply_acks(c, 1);
        } else {
            unsynced |= numlocal > acked_local(srv, offset);
            continue;
        }
        blocking::unblock(srv, c);
    }
    if unsynced {
        crate::aof_fsync::fsync_in_background(srv);
    }
}

/// The reply of a WAITAOF whose timeout expired (or that CLIENT UNBLOCK
/// released): the acknowledgements so far.
pub fn reply_timeout(srv: &Server, c: &mut Client) {
    let (_, _, offset) = waiter_args(c);
    let local = acked_local(srv, offset);
    reply_acks(c, local);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_in_milliseconds_as_redis_7_2_reads_them() {
        let t = |s: &str| parse_timeout_ms(1_000, s.as_bytes());
        assert_eq!(t("0"), Ok(0));
        assert_eq!(t("1500"), Ok(2_500));
        assert_eq!(t("-1"), Err("timeout is negative"));
        assert_eq!(t("1.5"), Err("timeout is not an integer or out of range"));
        assert_eq!(t("x"), Err("timeout is not an integer or out of range"));
        assert_eq!(t("9223372036854775807"), Err("timeout is out of range"));
    }
}
