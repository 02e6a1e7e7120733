//! Persistence commands over the RDB format (`rdb.rs`): SAVE, DEBUG
//! RELOAD, loading the file when a fresh state is made, and DUMP/RESTORE
//! (Redis's `rdb.c` commands and `cluster.c`'s DUMP/RESTORE).
//!
//! Files are named relative to the working directory, which is the
//! shell's `dir`.

use crate::config::Config;
use crate::db::Ttl;
use crate::host;
use crate::notify::class;
use crate::rdb;
use crate::reply::{err, Reply};
use crate::server::Server;
use crate::util::{eq_ic, parse_i64};
use hotkv_abi::state::{Client, Db};

/// Redis's LRU clock range (24 bits of seconds).
const LRU_CLOCK_MAX: u32 = 0x00ff_ffff;

/// Writes a file `name` atomically and durably, as Redis's `rdbSave`:
/// `fill` writes a temp file `temp-<pid>.rdb`, then fsync, rename over
/// `name`, fsync the directory (so the rename itself survives a crash).
fn write_file(name: &str, fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>) -> Result<(), String> {
    let tmp = format!("temp-{}.rdb", std::process::id());
    crate::util::replace_file(std::path::Path::new(&tmp), std::path::Path::new(name), fill).map_err(|(_, e)| format!("Failed saving the DB to '{name}': {e}"))
}

/// Writes every database to `dbfilename`, nothing else (what a
/// background save's child does: no logging, no state change).
pub fn write_rdb(srv: &Server) -> Result<(), String> {
    let (cfg, used) = (&srv.cfg, host::used_memory() as u64);
    let delay_us = srv.cfg.rdb_key_save_delay.max(0) as u64;
    write_file(&cfg.dbfilename, |f| rdb::write_file(f, srv.st.dbs.as_slice(), srv.now_ms, used, cfg.rdbcompression, cfg.rdbchecksum, delay_us))
}

/// Saves every database to `dbfilename` (synchronously) and records it
/// as Redis's `rdbSave`: no changes left, last save now.
pub fn save_to_disk(srv: &mut Server) -> Result<(), String> {
    write_rdb(srv)?;
    let p = &mut srv.st.persist;
    p.dirty = 0;
    p.lastsave_unix = srv.now_ms / 1000;
    p.last_bgsave_ok = 1;
    p.rdb_saves += 1;
    log::info!("DB saved on disk");
    Ok(())
}

/// Redis's answer to a write while it cannot persist.
const MISCONF_RDB: &str = "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/// Why commands that may modify the data are refused now, if they are
/// (Redis 7.0's `writeCommandsDeniedByDiskError` with its message): the
/// last background save failed, save points are set and
/// `stop-writes-on-bgsave-error` is on. A failed SAVE does not count (as
/// in Redis); the next successful save of either kind lifts it. Or the
/// AOF's last write or fsync failed (`-MISCONF Errors writing to the AOF
/// file: <strerror>`), until one succeeds again ([`crate::aof_fsync`]).
pub fn write_denied_by_disk_error(srv: &Server) -> Option<std::borrow::Cow<'static, str>> {
    let rdb_failed = srv.st.persist.last_bgsave_ok == 0;
    if rdb_failed && srv.cfg.stop_writes_on_bgsave_error && !srv.cfg.save_params.is_empty() {
        return Some(MISCONF_RDB.into());
    }
    let errno = crate::aof_fsync::write_error(srv)?;
    Some(format!("-MISCONF Errors writing to the AOF file: {}", nix::errno::Errno::from_raw(errno).desc()).into())
}

/// Reads `dbfilename`; `Ok(None)` when there is no such file.
fn read_file(cfg: &Config) -> Result<Option<Vec<u8>>, String> {
    let name = &cfg.dbfilename;
    match std::fs::read(name) {
        Ok(d) => Ok(Some(d)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(load_error(name, &e.to_string())),
    }
}

/// The message of a file that does not load: its full path and why.
fn load_error(name: &str, why: &str) -> String {
    let path = std::env::current_dir().map(|d| d.join(name).display().to_string()).unwrap_or_else(|_| name.to_string());
    format!("Fatal error loading the DB '{path}': {why}")
}

/// Loads `dbfilename`, if present, into the fresh databases of a new state
/// (Redis's `loadDataFromDisk`), in one pass straight into them: a file
/// that does not load stops the start, and the new state with it. An
/// unreadable file is an error naming it.
pub fn load_at_start(dbs: &mut [Db], cfg: &Config, seed: u64) -> Result<(), String> {
    let Some(data) = read_file(cfg)? else {
        return Ok(());
    };
    let now_ms = host::unix_ms();
    let clock = ((now_ms / 1000) as u32) & LRU_CLOCK_MAX;
    let name = &cfg.dbfilename;
    let (n, _) = rdb::load_prefix(&data, dbs, Some(now_ms), clock, seed, cfg.rdbchecksum).map_err(|e| load_error(name, &e))?;
    log::info!("DB loaded from disk: {n} keys from '{name}'");
    Ok(())
}

/// SAVE
pub fn save(srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    if srv.st.persist.child_pid != 0 {
        return c.add_error("Background save already in progress");
    }
    match save_to_disk(srv) {
        Ok(()) => c.add_ok(),
        Err(e) => {
            log::warn!("{e}");
            c.add_error("-ERR");
        }
    }
}

/// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty the databases,
/// load the file again (a check that everything survives the format);
/// MERGE lets the file's keys replace existing ones instead of failing on
/// them (with NOFLUSH). Unlike Redis, the file is decoded before anything
/// is flushed, so a file that does not load leaves the data as it was.
pub fn debug_reload(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let (mut save, mut flush, mut merge) = (true, true, false);
    for a in &argv[2..] {
        if eq_ic(a, b"merge") {
            merge = true;
        } else if eq_ic(a, b"nosave") {
            save = false;
        } else if eq_ic(a, b"noflush") {
            flush = false;
        } else {
            return c.add_error("DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
        }
    }
    if save {
        if let Err(e) = save_to_disk(srv) {
            log::warn!("{e}");
            return c.add_error("-ERR");
        }
    }
    let clock = srv.lru_clock();
    let name = &srv.cfg.dbfilename;
    let loaded = match read_file(&srv.cfg) {
        Ok(Some(data)) => rdb::decode_file(&data, srv.st.dbs.as_slice(), srv.now_ms, clock, srv.st.hash_seed, srv.cfg.rdbchecksum).map_err(|e| load_error(name, &e)),
        Ok(None) => Err(format!("DEBUG RELOAD: no file '{name}' to load")),
        Err(e) => Err(e),
    };
    let loaded = match loaded {
        Ok(l) => l,
        Err(e) => {
            log::warn!("{e}");
            return c.add_error("Error trying to load the RDB dump, check server logs.");
        }
    };
    if flush {
        srv.flush_all();
    }
    if let Err(e) = loaded.apply(srv.st.dbs.as_mut_slice(), merge) {
        log::warn!("{e}");
        return c.add_error("Error trying to load the RDB dump, check server logs.");
    }
    log::info!("DB reloaded by DEBUG RELOAD");
    c.add_ok();
}

/// DUMP key: the value in Redis's payload format, or null.
pub fn dump(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let compress = srv.cfg.rdbcompression;
    match srv.keyspace(c.db).lookup_read(argv[1]) {
        None => c.add_null(),
        Some(e) => c.add_bulk(&rdb::dump_payload(&e.value, compress)),
    }
}

/// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds]
/// [FREQ frequency], with Redis 7.0's checks in its order. FREQ is
/// checked and otherwise ignored: without an LFU policy Redis keeps LRU
/// clocks too.
pub fn restore(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let (mut replace, mut absttl) = (false, false);
    let (mut idle, mut freq): (Option<i64>, Option<i64>) = (None, None);
    let mut j = 4;
    while j < argv.len() {
        let more = j + 1 < argv.len();
        if eq_ic(argv[j], b"replace") {
            replace = true;
        } else if eq_ic(argv[j], b"absttl") {
            absttl = true;
        } else if eq_ic(argv[j], b"idletime") && more && freq.is_none() {
            let Some(n) = parse_i64(argv[j + 1]) else { return c.add_error(err::NOT_INTEGER) };
            if n < 0 {
                return c.add_error("Invalid IDLETIME value, must be >= 0");
            }
            idle = Some(n);
            j += 1;
        } else if eq_ic(argv[j], b"freq") && more && idle.is_none() {
            let Some(n) = parse_i64(argv[j + 1]) else { return c.add_error(err::NOT_INTEGER) };
            if !(0..=255).contains(&n) {
                return c.add_error("Invalid FREQ value, must be >= 0 and <= 255");
            }
            freq = Some(n);
            j += 1;
        } else {
            return c.add_error(err::SYNTAX);
        }
        j += 1;
    }
    let key = argv[1];
    let seed = srv.st.dbs[c.db as usize].dict.seed();
    let now_ms = srv.now_ms;
    let clock = srv.lru_clock();
    let mut ks = srv.keyspace(c.db);
    // A check, not a write: a busy key changes nothing (and is not logged).
    if !replace && ks.lookup_write_check(key).is_some() {
        return c.add_error("-BUSYKEY Target key name already exists.");
    }
    let ttl = match parse_i64(argv[2]) {
        None => return c.add_error(err::NOT_INTEGER),
        Some(t) if t < 0 => return c.add_error("Invalid TTL value, must be >= 0"),
        Some(t) => t,
    };
    let Some(body) = rdb::verify_payload(argv[3]) else {
        return c.add_error("DUMP payload version or checksum are wrong");
    };
    let Ok(mut value) = rdb::decode_value(body, seed) else {
        return c.add_error("Bad data format");
    };
    let when = if ttl != 0 && !absttl { ttl.saturating_add(now_ms) } else { ttl };
    if when != 0 && when <= now_ms {
        // Already expired: the value is dropped (and a replaced key deleted).
        if replace && ks.delete(key) {
            ks.notify(class::GENERIC, "del", key);
            // Logged as what it did (as Redis 7.0): the replaced key went.
            srv.propagate_as(&[b"DEL", key]);
        }
        value.free();
        return c.add_ok();
    }
    let e = ks.set(key, value, if when != 0 { Ttl::At(when) } else { Ttl::Clear });
    if let Some(idle) = idle {
        // Redis's `objectSetLRUOrLFU`: a clock `idle` seconds back, or half
        // the clock's range ahead when that would be negative.
        let back = clock as i64 - idle;
        let lru = if back < 0 { (clock as i64 + LRU_CLOCK_MAX as i64 / 2) % LRU_CLOCK_MAX as i64 } else { back };
        e.value.set_lru(lru as u32);
    }
    ks.notify(class::GENERIC, "restore", key);
    c.add_ok();
    // A relative TTL replayed would count from the replay: logged with the
    // absolute time and ABSTTL appended, the rest as received (Redis 7.0).
    if ttl != 0 && !absttl {
        let at = when.to_string();
        let mut form: Vec<&[u8]> = argv.to_vec();
        form[2] = at.as_bytes();
        form.push(b"ABSTTL");
        srv.propagate_as(&form);
    }
}
