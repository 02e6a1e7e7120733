//! The append-only file, write side (Redis 7.0's `aof.c`).
//!
//! Operations propagated by commands ([`crate::propagate`]) are encoded as
//! RESP (`catAppendOnlyGenericCommand`) into `Server::aof_buf`; the loop
//! writes the buffer to the current incr file ([`flush`]) before any reply
//! of the iteration goes out (`networking::finish_waiting`), and before
//! `run` returns, so nothing of the AOF is in memory across a swap.
//! When it is fsynced (`appendfsync`, the background fsync, write
//! errors) is [`crate::aof_fsync`]'s part.
//!
//! Files live in `appenddirname` (Redis 7.0's multi-part AOF, names and
//! manifest in [`crate::aof_manifest`]): one base (an RDB, or commands
//! with `aof-use-rdb-preamble no`), incr files, the manifest.
//! BGREWRITEAOF forks a child that writes a new base of the dataset; the
//! parent opens a new incr file at the fork, so what is
//! written meanwhile needs no rewrite buffer; when the child succeeds the
//! base is renamed in, the manifest switched atomically and the replaced
//! files deleted. The state (fd, manifest text, sizes, child) is in
//! `ServerState::aof`, so a new version goes on with the same files and
//! reaps a child an old one forked.

use crate::aof_fsync;
use crate::aof_manifest::{self, Manifest};
use crate::host;
use crate::reply::Reply;
use crate::server::Server;
use hotkv_abi::object::format_i64;
use hotkv_abi::state::{aof_status, child_kind, client_flag, AofState, Client, Db, ServerState};
use hotkv_abi::vec::RBytes;
use nix::sys::signal::Signal;
use std::os::fd::IntoRawFd;
use std::path::Path;

/// `appendfsync` values, in Redis's order (its error message lists them so).
pub const FSYNC_POLICIES: &[&str] = &["everysec", "always", "no"];
pub const FSYNC_EVERYSEC: u8 = 0;
pub const FSYNC_ALWAYS: u8 = 1;

/// Redis's `AOF_REWRITE_LIMITE_THRESHOLD`: failed rewrites in a row
/// after which automatic and scheduled ones are held back.
const LIMIT_THRESHOLD: u64 = 3;
/// Redis's `AOF_REWRITE_LIMITE_MAX_MINUTES`: the longest hold.
const LIMIT_MAX_MINUTES: i64 = 60;

/// Appends `argv` in database `db` to the AOF buffer, preceded by a SELECT
/// when the stream's database differs (Redis's `feedAppendOnlyFile`).
pub fn feed(srv: &mut Server, db: u32, argv: &[&[u8]]) {
    if srv.st.aof.selected_db != db as i64 {
        let mut n = [0u8; 20];
        let n = format_i64(db as i64, &mut n);
        encode(&mut srv.aof_buf, &[b"SELECT", n]);
        srv.st.aof.selected_db = db as i64;
    }
    encode(&mut srv.aof_buf, argv);
}

/// One command as a RESP array of bulk strings.
pub fn encode(buf: &mut Vec<u8>, argv: &[&[u8]]) {
    buf.add_array(argv.len());
    for a in argv {
        buf.add_bulk(a);
    }
}

/// Writes the buffer to the incr file (Redis's `flushAppendOnlyFile`);
/// with `appendfsync always`, fsyncs it. A failed write keeps what was
/// not written for the next try and records the error (INFO, MISCONF).
pub fn flush(srv: &mut Server) {
    crate::propagate::commit(srv, false);
    if srv.aof_buf.is_empty() || srv.st.aof.fd < 0 {
        return;
    }
    // SAFETY: the AOF fd is the logic's own, open while `fd >= 0`.
    let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(srv.st.aof.fd) };
    let mut done = 0;
    while done < srv.aof_buf.len() {
        match nix::unistd::write(fd, &srv.aof_buf[done..]) {
            Ok(n) => done += n,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => {
                if srv.st.aof.last_write_ok == 1 {
                    log::warn!("Error writing to the AOF file: {}", e.desc());
                }
                srv.st.aof.last_write_ok = 0;
                srv.st.aof.last_write_errno = e as i32;
                break;
            }
        }
    }
    let a = &mut srv.st.aof;
    a.write_offset += done as u64;
    a.current_size += done as u64;
    srv.aof_buf.drain(..done);
    if srv.aof_buf.capacity() > 1 << 20 && srv.aof_buf.is_empty() {
        srv.aof_buf.shrink_to(0);
    }
    if srv.cfg.appendfsync == FSYNC_ALWAYS && !aof_fsync::paused(srv) && aof_fsync::fsync_now(srv, false).is_err() {
        return;
    }
    aof_fsync::clear_error_if_solved(srv);
}

/// The AOF is on or waiting for its first rewrite: commands propagate.
pub fn enabled(st: &ServerState) -> bool {
    st.aof.status != aof_status::OFF
}

fn manifest(a: &AofState) -> Manifest {
    // Only this module writes the text, from a manifest it made.
    Manifest::parse(&a.manifest).unwrap_or_default()
}

/// Persists `m` into `dir` and keeps its text in the state.
fn save_manifest(a: &mut AofState, m: &mut Manifest, dir: &Path, name: &str) -> Result<(), String> {
    m.dirty = true;
    m.persist(dir, name)?;
    a.manifest = RBytes::from_slice(m.to_text().as_bytes());
    Ok(())
}

/// Opens `path` for appending (created if missing), as the logic's fd.
fn open_append(path: &Path, truncate: bool) -> Result<i32, String> {
    let mut o = std::fs::OpenOptions::new();
    o.create(true);
    if truncate {
        o.write(true).truncate(true);
    } else {
        o.append(true);
    }
    o.open(path).map(|f| f.into_raw_fd()).map_err(|e| format!("Can't open the append-only file {}: {}", path.display(), crate::util::strerror(&e)))
}

fn close_fd(fd: i32) {
    if fd >= 0 {
        // SAFETY: the AOF's fd, the logic's own (not a shell socket);
        // dropped once, never used after this.
        drop(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) });
    }
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// `aof-rewrite-incremental-fsync`: a base being written is fsynced every
/// this many bytes (Redis's `REDIS_AUTOSYNC_BYTES`), so the final fsync
/// does not meet a large backlog of dirty pages at once.
const AUTOSYNC_BYTES: usize = 4 * 1024 * 1024;

/// A file that fsyncs every `AUTOSYNC_BYTES` written, when `every` is set.
struct AutoSync {
    f: std::fs::File,
    every: bool,
    unsynced: usize,
}

impl std::io::Write for AutoSync {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.f.write(buf)?;
        self.unsynced += n;
        if self.every && self.unsynced >= AUTOSYNC_BYTES {
            self.f.sync_data()?;
            self.unsynced = 0;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.f.flush()
    }
}

/// Writes the dataset as a base file (Redis's `rewriteAppendOnlyFile`):
/// an RDB (the AOF's RDB preamble) with `aof-use-rdb-preamble yes`, else
/// the commands that rebuild it ([`crate::aof_rewrite`]).
fn write_base(path: &Path, dbs: &[Db], cfg: &crate::config::Config, now_ms: i64) -> std::io::Result<()> {
    let mut out = AutoSync { f: std::fs::File::create(path)?, every: cfg.aof_rewrite_incremental_fsync, unsynced: 0 };
    let delay_us = cfg.rdb_key_save_delay.max(0) as u64;
    if cfg.aof_use_rdb_preamble {
        crate::rdb::write_file(&mut out, dbs, now_ms, host::used_memory() as u64, cfg.rdbcompression, cfg.rdbchecksum, delay_us)?;
    } else {
        crate::aof_rewrite::write_commands(&mut out, dbs, delay_us)?;
    }
    out.f.sync_all()
}

/// Does the base a child wrote at `path` hold an RDB? Its name says so
/// (`.base.rdb` or `.base.aof`); the file is asked rather than the
/// setting, which may have changed while the child wrote it.
fn holds_rdb(path: &Path) -> bool {
    let mut head = [0u8; 5];
    std::fs::File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head)).is_ok() && &head == b"REDIS"
}

/// At the start of a fresh state with `appendonly yes` (Redis's
/// `aofOpenIfNeededOnServerStart`): with no AOF yet, the dataset becomes
/// the first base; the last incr file is opened for append (a new one if
/// there is none) and the manifest persisted.
pub fn open_at_start(st: &mut ServerState, cfg: &crate::config::Config) -> Result<(), String> {
    let dir = Path::new(&cfg.appenddirname);
    let name = &cfg.appendfilename;
    std::fs::create_dir_all(dir).map_err(|e| format!("Can't open or create append-only dir {}: {}", cfg.appenddirname, crate::util::strerror(&e)))?;
    let mut m = Manifest::load(dir, name)?;
    if m.base.is_none() && m.incr.is_empty() {
        let base = m.new_base(name, cfg.aof_use_rdb_preamble).to_string();
        write_base(&dir.join(&base), st.dbs.as_slice(), cfg, host::unix_ms()).map_err(|e| format!("Can't write the AOF base {base}: {}", crate::util::strerror(&e)))?;
        log::info!("Creating AOF base file {base} on server start");
    }
    if m.incr.is_empty() {
        let incr = m.new_incr(name).to_string();
        log::info!("Creating AOF incr file {incr} on server start");
    }
    let last = m.last_incr().expect("an incr file exists").to_string();
    let a = &mut st.aof;
    a.fd = open_append(&dir.join(&last), false)?;
    save_manifest(a, &mut m, dir, name)?;
    a.status = aof_status::ON;
    a.selected_db = -1;
    a.current_size = m.loaded_files().map(|f| file_size(&dir.join(&f.name))).sum();
    a.base_size = a.current_size;
    a.write_offset = 0;
    a.fsynced_offset = 0;
    Ok(())
}

/// The temp base a rewrite child with this pid writes (in the working
/// directory, renamed into `appenddirname` once complete).
fn temp_rewrite_name(pid: i32) -> String {
    format!("temp-rewriteaof-bg-{pid}.aof")
}

/// Starts a background rewrite (Redis's `rewriteAppendOnlyFileBackground`):
/// the buffer is written, the parent switches to a new incr file (or the
/// temp incr file while waiting for the first base), then a child writes
/// the new base.
pub fn start_rewrite(srv: &mut Server) -> Result<(), String> {
    if srv.st.persist.child_pid != 0 {
        return Err("child already running".into());
    }
    // A rewrite that cannot start (no new incr file, no fork) is a failed
    // one for INFO, as Redis; it does not count as a consecutive failure.
    begin_rewrite(srv).inspect_err(|_| srv.st.aof.last_bgrewrite_ok = 0)
}

fn begin_rewrite(srv: &mut Server) -> Result<(), String> {
    flush(srv);
    let dir = Path::new(&srv.cfg.appenddirname).to_path_buf();
    let name = srv.cfg.appendfilename.clone();
    std::fs::create_dir_all(&dir).map_err(|e| format!("Can't create the append-only dir: {}", crate::util::strerror(&e)))?;
    let a = &mut srv.st.aof;
    let fd = if a.status == aof_status::WAIT_REWRITE {
        open_append(&dir.join(aof_manifest::temp_incr_name(&name)), true)?
    } else {
        let mut m = manifest(a);
        let incr = m.new_incr(&name).to_string();
        let fd = open_append(&dir.join(&incr), false)?;
        if let Err(e) = save_manifest(a, &mut m, &dir, &name) {
            close_fd(fd);
            return Err(e);
        }
        fd
    };
    let old = std::mem::replace(&mut a.fd, fd);
    a.selected_db = -1;
    a.last_rewrite_try_ms = srv.now_ms;
    aof_fsync::retire(srv, old);
    let pid = crate::bgsave::fork_child(srv, child_kind::AOF, |srv| {
        let tmp = temp_rewrite_name(std::process::id() as i32);
        write_base(Path::new(&tmp), srv.st.dbs.as_slice(), &srv.cfg, srv.now_ms).is_ok()
    })
    .map_err(|e| format!("Can't rewrite append only file in background: fork: {e}"))?;
    log::info!("Background append only file rewriting started by pid {pid}");
    // Whoever asked, what was scheduled is now running (as Redis).
    srv.st.aof.rewrite_scheduled = 0;
    Ok(())
}

/// The end of a rewrite child (Redis's `backgroundRewriteDoneHandler`),
/// called with the child's pid still in the state.
pub fn rewrite_done(srv: &mut Server, ok: bool, by_signal: Option<i32>) {
    let pid = srv.st.persist.child_pid;
    let tmp = temp_rewrite_name(pid);
    let result = if ok { install_rewrite(srv, &tmp) } else { Err(String::new()) };
    let a = &mut srv.st.aof;
    match result {
        Ok(()) => {
            a.rewrites += 1;
            a.rewrite_failures = 0;
            a.last_bgrewrite_ok = 1;
            log::info!("Background AOF rewrite finished successfully");
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            // A child we killed (FLUSHALL, SHUTDOWN) is not a failed
            // rewrite (as Redis).
            if by_signal != Some(Signal::SIGUSR1 as i32) {
                a.last_bgrewrite_ok = 0;
                a.rewrite_failures += 1;
                let minutes = limit_minutes(a.rewrite_failures);
                if minutes > 0 {
                    log::warn!("Background AOF rewrite has repeatedly failed and triggered the limit, will retry in {minutes} minutes");
                }
            }
            // Still waiting for a first base: another rewrite makes it.
            if a.status == aof_status::WAIT_REWRITE {
                a.rewrite_scheduled = 1;
            }
            match by_signal {
                Some(sig) => log::warn!("Background AOF rewrite terminated by signal {sig}"),
                None if e.is_empty() => log::warn!("Background AOF rewrite signal handler took too long: the child failed"),
                None => log::warn!("Background AOF rewrite failed: {e}"),
            }
        }
    }
    a.last_rewrite_us = host::unix_us() - srv.st.persist.child_start_us;
}

/// A successful child's base goes in: renamed into the directory, the
/// manifest switched (the replaced files become history), history deleted.
fn install_rewrite(srv: &mut Server, tmp: &str) -> Result<(), String> {
    let dir = Path::new(&srv.cfg.appenddirname).to_path_buf();
    let name = srv.cfg.appendfilename.clone();
    let a = &mut srv.st.aof;
    if a.status == aof_status::OFF {
        return Err("the AOF was turned off meanwhile".into());
    }
    let mut m = manifest(a);
    let base = m.new_base(&name, holds_rdb(Path::new(tmp))).to_string();
    std::fs::rename(tmp, dir.join(&base)).map_err(|e| format!("can't rename {tmp} into {base}: {}", crate::util::strerror(&e)))?;
    if a.status == aof_status::WAIT_REWRITE {
        // The temp incr file holds what was written since the fork.
        let incr = m.new_incr(&name).to_string();
        std::fs::rename(dir.join(aof_manifest::temp_incr_name(&name)), dir.join(&incr)).map_err(|e| format!("can't rename the temp incr file into {incr}: {}", crate::util::strerror(&e)))?;
    }
    m.mark_rewritten_incr_as_history(true);
    save_manifest(a, &mut m, &dir, &name)?;
    a.status = aof_status::ON;
    // The files the new base replaced (Redis's `aofDelHistoryFiles`).
    for h in std::mem::take(&mut m.history) {
        let _ = std::fs::remove_file(dir.join(&h.name));
    }
    save_manifest(a, &mut m, &dir, &name)?;
    a.current_size = m.loaded_files().map(|f| file_size(&dir.join(&f.name))).sum();
    a.base_size = a.current_size;
    Ok(())
}

/// Cron's part: the fsync policy, a scheduled or automatic rewrite
/// (`auto-aof-rewrite-percentage` growth over the size after the last
/// rewrite, past `auto-aof-rewrite-min-size`).
pub fn cron(srv: &mut Server) {
    if !enabled(srv.st) {
        return;
    }
    flush(srv);
    aof_fsync::cron(srv);
    if srv.st.persist.child_pid != 0 {
        return;
    }
    let a = &srv.st.aof;
    let perc = srv.cfg.auto_aof_rewrite_percentage;
    let growth = (a.current_size * 100).checked_div(a.base_size).map_or(0, |g| g as i64 - 100);
    let auto = a.status == aof_status::ON && perc > 0 && a.current_size > srv.cfg.auto_aof_rewrite_min_size && growth >= perc as i64;
    if a.rewrite_scheduled == 0 && !auto || rewrite_limited(srv) {
        return;
    }
    if auto && a.rewrite_scheduled == 0 {
        log::info!("Starting automatic rewriting of AOF on {growth}% growth");
    }
    if let Err(e) = start_rewrite(srv) {
        log::warn!("{e}");
    }
}

/// How long automatic and scheduled rewrites are held back after `failures`
/// failed rewrites in a row (Redis's `aofRewriteLimited`): not at all
/// below [`LIMIT_THRESHOLD`], then 1 minute, doubled for each further
/// failure, at most [`LIMIT_MAX_MINUTES`]. Below the threshold a failed
/// rewrite is retried at the next cron tick, as Redis. BGREWRITEAOF is
/// never held back.
fn limit_minutes(failures: u64) -> i64 {
    if failures < LIMIT_THRESHOLD {
        return 0;
    }
    (1i64 << (failures - LIMIT_THRESHOLD).min(6)).min(LIMIT_MAX_MINUTES)
}

/// Are rewrites held back now? The hold runs from the end of the last
/// (failed) rewrite: Redis keeps the end of the hold in statics; here it
/// follows from the state (the attempt's start and duration), so it
/// survives a swap.
fn rewrite_limited(srv: &Server) -> bool {
    let a = &srv.st.aof;
    let minutes = limit_minutes(a.rewrite_failures);
    minutes > 0 && srv.now_ms < a.last_rewrite_try_ms + a.last_rewrite_us.max(0) / 1000 + minutes * 60_000
}

/// BGREWRITEAOF
pub fn bgrewriteaof(srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    let p = &srv.st.persist;
    if p.child_pid != 0 && p.child_kind == child_kind::AOF {
        return c.add_error("Background append only file rewriting already in progress");
    }
    // Another child, or inside EXEC (a fork there would write half the
    // transaction): when possible, from cron.
    if p.child_pid != 0 || c.flags & client_flag::MULTI != 0 {
        srv.st.aof.rewrite_scheduled = 1;
        return c.add_simple(b"Background append only file rewriting scheduled");
    }
    match start_rewrite(srv) {
        Ok(()) => c.add_simple(b"Background append only file rewriting started"),
        Err(e) => {
            log::warn!("{e}");
            c.add_error("Can't execute an AOF background rewriting. Please check the server logs for more information.");
        }
    }
}

/// Makes the AOF follow the `appendonly` setting: the one way the setting
/// takes effect, whether CONFIG SET changed it (itself, or through
/// `logic-args`) or a new version's arguments did (`UPGRADE <path> ARGS
/// appendonly yes`, applied by `config::adopt` before the version's first
/// `run`, which calls this). When the AOF cannot be turned on, the
/// setting goes back to `no` (as Redis's CONFIG SET) and the reason is
/// returned.
pub fn follow_setting(srv: &mut Server) -> Result<(), String> {
    if srv.cfg.appendonly == enabled(srv.st) {
        return Ok(());
    }
    set_enabled(srv, srv.cfg.appendonly).inspect_err(|_| {
        srv.cfg.appendonly = false;
        crate::config::record(&mut srv.st.settings, &srv.cfg, "appendonly");
    })
}

/// `appendonly` changed: `yes` starts a rewrite that makes the first base
/// (writes meanwhile go to the temp incr file, Redis's `startAppendOnly`),
/// `no` writes what is buffered and closes the file (`stopAppendOnly`).
fn set_enabled(srv: &mut Server, on: bool) -> Result<(), String> {
    if on == enabled(srv.st) {
        return Ok(());
    }
    if on {
        srv.st.aof.status = aof_status::WAIT_REWRITE;
        srv.prop.on = true;
        if srv.st.persist.child_pid != 0 && srv.st.persist.child_kind != child_kind::AOF {
            log::warn!("AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.");
            srv.st.aof.rewrite_scheduled = 1;
            return Ok(());
        }
        if srv.st.persist.child_pid != 0 {
            // A rewrite of the previous AOF is of no use: a new one starts.
            crate::bgsave::kill_child(srv);
        }
        if let Err(e) = start_rewrite(srv) {
            srv.st.aof.status = aof_status::OFF;
            srv.prop.on = false;
            log::warn!("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.");
            return Err(e);
        }
        return Ok(());
    }
    flush(srv);
    if srv.st.persist.child_kind == child_kind::AOF {
        crate::bgsave::kill_child(srv);
    }
    let old = std::mem::replace(&mut srv.st.aof.fd, -1);
    aof_fsync::retire(srv, old);
    let a = &mut srv.st.aof;
    a.status = aof_status::OFF;
    a.rewrite_scheduled = 0;
    a.selected_db = -1;
    srv.prop.on = false;
    srv.aof_buf.clear();
    // WAITAOF numlocal clients can never be answered now.
    crate::waitaof::serve(srv);
    Ok(())
}

/// Before `run` returns (swap or shutdown): nothing stays in memory.
pub fn before_return(srv: &mut Server, shutdown: bool) {
    if !enabled(srv.st) {
        return;
    }
    flush(srv);
    if shutdown {
        let _ = aof_fsync::fsync_now(srv, false);
    }
}

/// INFO persistence, the AOF fields in Redis 7.0's order.
pub fn info(srv: &Server, f: &mut dyn FnMut(&str, &dyn std::fmt::Display)) {
    let a = &srv.st.aof;
    let p = &srv.st.persist;
    let rewriting = p.child_pid != 0 && p.child_kind == child_kind::AOF;
    f("aof_enabled", &((a.status != aof_status::OFF) as u8));
    f("aof_rewrite_in_progress", &(rewriting as u8));
    f("aof_rewrite_scheduled", &a.rewrite_scheduled);
    f("aof_last_rewrite_time_sec", &if a.last_rewrite_us < 0 { -1 } else { a.last_rewrite_us / 1_000_000 });
    f("aof_current_rewrite_time_sec", &if rewriting { (host::unix_us() - p.child_start_us) / 1_000_000 } else { -1 });
    f("aof_last_bgrewrite_status", &if a.last_bgrewrite_ok == 1 { "ok" } else { "err" });
    f("aof_rewrites", &a.rewrites);
    f("aof_rewrites_consecutive_failures", &a.rewrite_failures);
    f("aof_last_write_status", &aof_fsync::info_status(srv).0);
}

/// INFO persistence, the fields shown while the AOF is on (after the
/// module fork fields).
pub fn info_on(srv: &Server, f: &mut dyn FnMut(&str, &dyn std::fmt::Display)) {
    let a = &srv.st.aof;
    if a.status == aof_status::OFF {
        return;
    }
    f("aof_current_size", &a.current_size);
    f("aof_base_size", &a.base_size);
    f("aof_pending_rewrite", &a.rewrite_scheduled);
    f("aof_buffer_length", &srv.aof_buf.len());
    f("aof_pending_bio_fsync", &aof_fsync::info_status(srv).1);
    f("aof_delayed_fsync", &a.delayed_fsync);
}
