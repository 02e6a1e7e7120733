//! When the AOF reaches the disk: the `appendfsync` policies, the
//! background fsync on the shell's job thread (Redis's bio thread and
//! `aof_background_fsync`), write and fsync errors, and AOF FSYNC.
//!
//! - `always`: [`crate::aof::flush`] fsyncs on the loop before any reply
//!   of the iteration goes out; while the file cannot be written or
//!   fsynced, the replies that wait for it are held ([`replies_may_go`])
//!   and writes are refused (MISCONF), until a retry succeeds (every loop
//!   iteration and cron). Redis exits instead; holding the replies keeps
//!   the same promise (nothing acknowledged that is not on disk) without
//!   losing the server.
//! - `everysec`: cron hands `fdatasync` to the job thread at most once a
//!   second, and not while one still runs (Redis's postponed fsync; one
//!   still running 2 s after it was asked for counts in
//!   `aof_delayed_fsync`). Writes never wait for it.
//! - `no`: never, except when WAITAOF asks ([`crate::waitaof`]).
//!
//! The job thread reports the highest offset it made durable; the loop
//! reads it when the thread wakes it (`TOKEN_BIO`) and in cron
//! ([`on_bio`]), into `AofState::fsynced_offset`, and answers the WAITAOF
//! clients it satisfies. An incr file the AOF switches away from (a
//! rewrite, `appendonly no`) is fsynced and closed there too ([`retire`]),
//! in that order: the thread runs its jobs first in, first out.

use crate::aof::{self, FSYNC_ALWAYS, FSYNC_EVERYSEC};
use crate::host;
use crate::reply::Reply;
use crate::server::Server;
use hotkv_abi::state::Client;
use nix::errno::Errno;

/// `no-appendfsync-on-rewrite`: no fsync while a child writes to disk.
pub fn paused(srv: &Server) -> bool {
    srv.cfg.no_appendfsync_on_rewrite && srv.st.persist.child_pid != 0
}

/// Makes what was written to the incr file durable now, on the loop
/// (`always`, shutdown, AOF FSYNC). A failure is recorded as a write
/// error: writes are refused until a later fsync succeeds. Nothing to do
/// when all was fsynced, unless `force`.
pub fn fsync_now(srv: &mut Server, force: bool) -> Result<(), Errno> {
    let a = &mut srv.st.aof;
    if a.fd < 0 || (a.fsynced_offset >= a.write_offset && !force) {
        return Ok(());
    }
    a.last_fsync_ms = srv.now_ms;
    match nix::unistd::fdatasync(a.fd) {
        Ok(()) => {
            a.fsynced_offset = a.write_offset;
            if srv.bio_fsync_errno != 0 {
                // The job thread reports its last failure until one of its
                // own fsyncs succeeds: it gets one (`always` asks none).
                host::bio_fsync(a.fd, a.write_offset);
            }
            Ok(())
        }
        Err(e) => {
            if a.last_write_ok == 1 {
                log::warn!("Can't persist the AOF: fdatasync: {}", e.desc());
            }
            a.last_write_ok = 0;
            a.last_write_errno = e as i32;
            Err(e)
        }
    }
}

/// Asks the job thread to fsync everything written so far, unless a job
/// already asked covers it.
pub fn fsync_in_background(srv: &mut Server) {
    let a = &mut srv.st.aof;
    if a.fd < 0 || a.write_offset <= a.fsynced_offset.max(srv.fsync_requested) {
        return;
    }
    host::bio_fsync(a.fd, a.write_offset);
    srv.fsync_requested = a.write_offset;
    a.last_fsync_ms = srv.now_ms;
}

/// Gives up `fd`, an incr file the AOF no longer appends to (everything
/// of it is written): the job thread fsyncs it if needed, then closes it.
pub fn retire(srv: &mut Server, fd: i32) {
    if fd < 0 {
        return;
    }
    let a = &srv.st.aof;
    if a.write_offset > a.fsynced_offset.max(srv.fsync_requested) {
        host::bio_fsync(fd, a.write_offset);
        srv.fsync_requested = a.write_offset;
    }
    host::bio_close(fd);
}

/// Reads what the job thread did (after a `TOKEN_BIO` wake-up, in cron and
/// at the start of `run`): the fsynced offset, the errno of its last
/// fsync; then answers the WAITAOF clients this satisfies.
pub fn on_bio(srv: &mut Server) {
    let s = host::bio_status();
    let a = &mut srv.st.aof;
    a.fsynced_offset = a.fsynced_offset.max(s.fsynced_offset);
    if s.fsync_errno != srv.bio_fsync_errno {
        if s.fsync_errno == 0 {
            log::warn!("AOF background fsync error looks solved, Redis can write again.");
        } else {
            log::warn!("Error in the AOF background fsync: {}", Errno::from_raw(s.fsync_errno).desc());
        }
        srv.bio_fsync_errno = s.fsync_errno;
    }
    crate::waitaof::serve(srv);
}

/// The errno that makes the AOF refuse writes (Redis's
/// `writeCommandsDeniedByDiskError` for the AOF): the last write, or the
/// last fsync, failed.
pub fn write_error(srv: &Server) -> Option<i32> {
    let a = &srv.st.aof;
    if !aof::enabled(srv.st) {
        return None;
    }
    if a.last_write_ok == 0 {
        return Some(a.last_write_errno);
    }
    (srv.bio_fsync_errno != 0).then_some(srv.bio_fsync_errno)
}

/// After a write or fsync succeeded: the error state ends once nothing
/// is left to write (nor, under `always`, to fsync).
pub fn clear_error_if_solved(srv: &mut Server) {
    let a = &srv.st.aof;
    let unsynced = srv.cfg.appendfsync == FSYNC_ALWAYS && !paused(srv) && a.fsynced_offset < a.write_offset;
    if a.last_write_ok == 0 && srv.aof_buf.is_empty() && !unsynced {
        log::warn!("AOF write error looks solved, Redis can write again.");
        srv.st.aof.last_write_ok = 1;
    }
}

/// Bytes ever appended to the AOF, written or still buffered: what a
/// client's turn changes when it wrote.
pub fn appended(srv: &Server) -> u64 {
    srv.st.aof.write_offset + srv.aof_buf.len() as u64
}

/// May the replies that waited for the AOF go out? Under `always`, only
/// once what they answer is written and fsynced.
pub fn replies_may_go(srv: &Server) -> bool {
    let a = &srv.st.aof;
    let held = aof::enabled(srv.st) && srv.cfg.appendfsync == FSYNC_ALWAYS && !paused(srv) && (!srv.aof_buf.is_empty() || a.fsynced_offset < a.write_offset);
    !held
}

/// Cron's part: a failed fsync retried, the `everysec` fsync asked for.
pub fn cron(srv: &mut Server) {
    on_bio(srv);
    let a = &mut srv.st.aof;
    if srv.bio_fsync_errno != 0 && a.fd >= 0 && srv.now_ms - a.last_fsync_ms >= 1000 && host::bio_status().pending_fsyncs == 0 {
        // A failed background fsync is retried once a second, new data or
        // not: writes are refused until one succeeds.
        host::bio_fsync(a.fd, a.write_offset);
        a.last_fsync_ms = srv.now_ms;
    }
    let a = &srv.st.aof;
    if a.fd < 0 || a.fsynced_offset >= a.write_offset || paused(srv) {
        return;
    }
    let since = srv.now_ms - a.last_fsync_ms;
    let policy = srv.cfg.appendfsync;
    match policy {
        FSYNC_ALWAYS if fsync_now(srv, false).is_ok() => clear_error_if_solved(srv),
        FSYNC_EVERYSEC if since >= 1000 => {
            if host::bio_status().pending_fsyncs == 0 {
                fsync_in_background(srv);
            } else if since >= 2000 {
                // The one asked for a second ago still runs: the disk is
                // busy. Writes go on without waiting for it.
                if srv.st.aof.delayed_fsync == 0 {
                    log::info!("Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.");
                }
                srv.st.aof.delayed_fsync += 1;
            }
        }
        _ => {}
    }
}

/// INFO persistence's `aof_last_write_status` and `aof_pending_bio_fsync`.
pub fn info_status(srv: &Server) -> (&'static str, u64) {
    let ok = srv.st.aof.last_write_ok == 1 && srv.bio_fsync_errno == 0;
    (if ok { "ok" } else { "err" }, host::bio_status().pending_fsyncs)
}

/// AOF FSYNC: writes the AOF buffer and fsyncs the file now, on the loop
/// (the operator asked for it now), whatever `appendfsync` says.
pub fn fsync_command(srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    if !aof::enabled(srv.st) {
        return c.add_error("AOF FSYNC cannot be used when appendonly is disabled.");
    }
    aof::flush(srv);
    if !srv.aof_buf.is_empty() {
        let e = Errno::from_raw(srv.st.aof.last_write_errno);
        return c.add_error(&format!("Error writing to the AOF file: {}", e.desc()));
    }
    // After a failed background fsync, the file is fsynced again even if
    // nothing was written since.
    let failed_before = srv.bio_fsync_errno != 0;
    if let Err(e) = fsync_now(srv, failed_before) {
        return c.add_error(&format!("Error fsyncing the AOF file: {}", e.desc()));
    }
    clear_error_if_solved(srv);
    crate::waitaof::serve(srv);
    c.add_ok();
}

const HELP: &[&str] = &["FSYNC", "    Write the append-only file's buffer and fsync the file now."];

/// AOF HELP
pub fn help(_srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    c.add_help(argv[0], HELP);
}
