//! Background saving (Redis's `rdbSaveBackground`, `checkChildrenDone`
//! and the save points of `serverCron`): BGSAVE forks; the child writes
//! the RDB file with the writer SAVE uses (`temp-<child pid>.rdb`, fsync,
//! rename) and leaves with `_exit`; the parent records the child in the
//! state (`PersistState`) and reaps it in cron. The child's pid, start and
//! the change count at the fork are in the state, not in this library, so
//! a version swapped in by UPGRADE reaps a child an older one forked and
//! records its outcome.

use crate::host;
use crate::persist;
use crate::reply::{err, Reply};
use crate::server::Server;
use crate::util::eq_ic;
use hotkv_abi::state::{child_kind, client_flag, Client};
use nix::errno::Errno;
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{fork, ForkResult, Pid};

/// Seconds before a failed background save is retried by the save points
/// (Redis's `CONFIG_BGSAVE_RETRY_DELAY`).
const RETRY_DELAY_S: i64 = 5;

/// The temp file a child with this pid writes.
fn temp_name(pid: i32) -> String {
    format!("temp-{pid}.rdb")
}

/// Forks a child of `kind` that runs `work` (true: success) and leaves;
/// records it in the state (Redis's `redisFork`). Returns its pid.
pub fn fork_child(srv: &mut Server, kind: u32, work: impl FnOnce(&Server) -> bool) -> Result<i32, Errno> {
    let t0 = host::monotonic_us();
    // SAFETY: the server's loop is single-threaded, so the child is a
    // consistent copy of the data. It only encodes and writes a file,
    // then leaves with `_exit` (no destructors, no atexit handlers, never
    // back into the loop); a panic is caught there, never unwound into the
    // parent's frames.
    match unsafe { fork() }? {
        ForkResult::Child => {
            let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(srv))).unwrap_or(false);
            // SAFETY: ends the child at once, running nothing of the parent's
            // (no destructors, no atexit handlers, no stdio flush).
            unsafe { nix::libc::_exit(if ok { 0 } else { 1 }) }
        }
        ForkResult::Parent { child } => {
            srv.st.total_forks += 1;
            let p = &mut srv.st.persist;
            p.stat_fork_usec = host::monotonic_us() - t0;
            p.child_pid = child.as_raw();
            p.child_kind = kind;
            p.child_start_us = host::unix_us();
            Ok(child.as_raw())
        }
    }
}

/// Forks a child that saves the databases (Redis's `rdbSaveBackground`).
fn start(srv: &mut Server) -> Result<(), String> {
    let now_s = srv.now_ms / 1000;
    srv.st.persist.last_bgsave_try_unix = now_s;
    match fork_child(srv, child_kind::RDB, |srv| persist::write_rdb(srv).is_ok()) {
        Ok(pid) => {
            let p = &mut srv.st.persist;
            p.dirty_at_fork = p.dirty;
            log::info!("Background saving started by pid {pid}");
            Ok(())
        }
        Err(e) => {
            srv.st.persist.last_bgsave_ok = 0;
            Err(format!("Can't save in background: fork: {e}"))
        }
    }
}

/// BGSAVE [SCHEDULE]. SCHEDULE waits for a running AOF rewrite; inside EXEC (MULTI stays set while the queue runs) the save
/// is scheduled for cron, as Redis's `server.in_exec` case: a fork in the
/// middle of a transaction would save half of it.
pub fn bgsave(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    if argv.len() > 1 && !(argv.len() == 2 && eq_ic(argv[1], b"schedule")) {
        return c.add_error(err::SYNTAX);
    }
    let p = &srv.st.persist;
    if p.child_pid != 0 && p.child_kind == child_kind::RDB {
        return c.add_error("Background save already in progress");
    }
    if p.child_pid != 0 {
        if argv.len() == 2 {
            srv.st.persist.bgsave_scheduled = 1;
            return c.add_simple(b"Background saving scheduled");
        }
        return c.add_error("Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
    }
    if c.flags & client_flag::MULTI != 0 {
        srv.st.persist.bgsave_scheduled = 1;
        return c.add_simple(b"Background saving scheduled");
    }
    match start(srv) {
        Ok(()) => c.add_simple(b"Background saving started"),
        Err(e) => {
            log::warn!("{e}");
            c.add_error("-ERR");
        }
    }
}

/// LASTSAVE
pub fn lastsave(srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    c.add_int(srv.st.persist.lastsave_unix);
}

/// Records the end of the child (Redis's `backgroundSaveDoneHandler`):
/// on success the changes made before the fork are saved; a failed or
/// killed child's temp file is removed.
fn done(srv: &mut Server, ok: bool, by_signal: Option<i32>) {
    crate::cow::child_done(srv, ok);
    if srv.st.persist.child_kind == child_kind::AOF {
        crate::aof::rewrite_done(srv, ok, by_signal);
        let p = &mut srv.st.persist;
        p.child_pid = 0;
        p.child_kind = child_kind::NONE;
        return;
    }
    let now_s = srv.now_ms / 1000;
    let p = &mut srv.st.persist;
    let pid = p.child_pid;
    if ok {
        p.dirty = p.dirty.saturating_sub(p.dirty_at_fork);
        p.lastsave_unix = now_s;
        p.last_bgsave_ok = 1;
        p.rdb_saves += 1;
        log::info!("Background saving terminated with success");
    } else {
        // As Redis: a child we killed (SIGUSR1) is not a failed save.
        if by_signal != Some(Signal::SIGUSR1 as i32) {
            p.last_bgsave_ok = 0;
        }
        match by_signal {
            Some(sig) => log::warn!("Background saving terminated by signal {sig}"),
            None => log::warn!("Background saving error"),
        }
        let _ = std::fs::remove_file(temp_name(pid));
    }
    p.last_bgsave_us = host::unix_us() - p.child_start_us;
    p.child_pid = 0;
    p.child_kind = child_kind::NONE;
    p.dirty_at_fork = 0;
}

/// Samples the child's copy-on-write, then reaps it if it has ended
/// (without waiting).
fn check_child(srv: &mut Server) {
    crate::cow::sample(srv);
    match waitpid(Pid::from_raw(srv.st.persist.child_pid), Some(WaitPidFlag::WNOHANG)) {
        Ok(WaitStatus::Exited(_, code)) => done(srv, code == 0, None),
        Ok(WaitStatus::Signaled(_, sig, _)) => done(srv, false, Some(sig as i32)),
        Ok(_) => {}
        // Not (or no longer) our child: nothing will report it.
        Err(Errno::ECHILD) => done(srv, false, None),
        Err(e) => log::warn!("waitpid() returned an error: {e}"),
    }
}

/// Cron's part (Redis's `serverCron`): reap the child, else start a
/// background save when one is scheduled or a save point is reached
/// (after a failure, not before `RETRY_DELAY_S`).
pub fn cron(srv: &mut Server) {
    if srv.st.persist.child_pid != 0 {
        return check_child(srv);
    }
    let now_s = srv.now_ms / 1000;
    let p = srv.st.persist;
    if p.last_bgsave_ok == 0 && now_s - p.last_bgsave_try_unix <= RETRY_DELAY_S {
        return;
    }
    let due = srv.cfg.save_params.iter().find(|&&(secs, changes)| p.dirty >= changes && now_s - p.lastsave_unix > secs);
    if let Some(&(secs, _)) = due {
        log::info!("{} changes in {secs} seconds. Saving...", p.dirty);
    } else if p.bgsave_scheduled == 0 {
        return;
    }
    match start(srv) {
        Ok(()) => srv.st.persist.bgsave_scheduled = 0,
        Err(e) => log::warn!("{e}"),
    }
}

/// Stops the running child (a save or an AOF rewrite) and removes its temp
/// file (Redis's `killRDBChild`, `killAppendOnlyChild`): FLUSHALL and
/// SHUTDOWN do not want the old data saved.
pub fn kill_child(srv: &mut Server) {
    let pid = srv.st.persist.child_pid;
    if pid == 0 {
        return;
    }
    let _ = kill(Pid::from_raw(pid), Signal::SIGUSR1);
    // The child exits at once on the signal: waiting is short and leaves
    // no zombie.
    let _ = waitpid(Pid::from_raw(pid), None);
    done(srv, false, Some(Signal::SIGUSR1 as i32));
}

/// The saving side of a shutdown (Redis 7.0's `finishShutdown`; with no
/// replicas a shutdown never waits, so NOW changes nothing): a background
/// save is killed and its temp file removed (it would race the final
/// save); with `save` the data is saved first, and if that fails the
/// server keeps running unless `force`. True if the server may exit.
pub fn finish_shutdown(srv: &mut Server, save: bool, force: bool) -> bool {
    if srv.st.persist.child_pid != 0 {
        log::warn!("{}", if srv.st.persist.child_kind == child_kind::AOF { "There is a child rewriting the AOF. Killing it!" } else { "There is a child saving an .rdb. Killing it!" });
        kill_child(srv);
    }
    if save {
        log::info!("Saving the final RDB snapshot before exiting.");
        if let Err(e) = persist::save_to_disk(srv) {
            log::warn!("{e}");
            if !force {
                log::warn!("Error trying to save the DB, can't exit.");
                log::warn!("Errors trying to shut down the server. Check the logs for more information.");
                return false;
            }
            log::warn!("Error trying to save the DB. Exit anyway.");
        }
    }
    log::warn!("hotkv is now ready to exit, bye bye...");
    true
}

/// FLUSHALL's saving side (Redis's `flushAllDataAndResetRDB`): the
/// removed keys count as changes, a running child is killed (a save, or
/// an AOF rewrite, whose temp file goes too: it would install old data),
/// and with save points the now empty dataset is saved at once (keeping
/// the change count), then the FLUSHALL itself counts one.
pub fn after_flushall(srv: &mut Server, removed: u64) {
    srv.st.persist.dirty += removed;
    let dirty = srv.st.persist.dirty;
    kill_child(srv);
    if !srv.cfg.save_params.is_empty() {
        if let Err(e) = persist::save_to_disk(srv) {
            log::warn!("{e}");
        }
    }
    srv.st.persist.dirty = dirty + 1;
}

/// INFO persistence, Redis 7.0's fields in its order (the ones about
/// loading and modules are constant here).
pub fn info(srv: &Server, f: &mut dyn FnMut(&str, &dyn std::fmt::Display)) {
    let p = &srv.st.persist;
    let now_s = srv.now_ms / 1000;
    let running = p.child_pid != 0 && p.child_kind == child_kind::RDB;
    f("loading", &0);
    f("async_loading", &0);
    let cow = &srv.st.cow;
    f("current_cow_peak", &cow.peak);
    f("current_cow_size", &cow.current);
    f("current_cow_size_age", &crate::cow::current_age_s(cow));
    f("current_fork_perc", &"0.00");
    f("current_save_keys_processed", &0);
    f("current_save_keys_total", &0);
    f("rdb_changes_since_last_save", &p.dirty);
    f("rdb_bgsave_in_progress", &(running as u8));
    f("rdb_last_save_time", &p.lastsave_unix);
    f("rdb_last_bgsave_status", &if p.last_bgsave_ok == 1 { "ok" } else { "err" });
    f("rdb_last_bgsave_time_sec", &if p.last_bgsave_us < 0 { -1 } else { p.last_bgsave_us / 1_000_000 });
    f("rdb_current_bgsave_time_sec", &if running { now_s - p.child_start_us / 1_000_000 } else { -1 });
    f("rdb_saves", &p.rdb_saves);
    f("rdb_last_cow_size", &cow.rdb_last);
    f("rdb_last_load_keys_expired", &0);
    f("rdb_last_load_keys_loaded", &0);
    crate::aof::info(srv, f);
    f("aof_last_cow_size", &cow.aof_last);
    f("module_fork_in_progress", &0);
    f("module_fork_last_cow_size", &0);
    crate::aof::info_on(srv, f);
}
