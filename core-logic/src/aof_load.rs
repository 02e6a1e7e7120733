//! Loading the multi-part append-only file at start (Redis 7.0's `aof.c`:
//! `loadAppendOnlyFiles`, `loadSingleAppendOnlyFile`, `aofUpgradePrepare`).
//! The manifest (`aof_manifest`) names a base file, an RDB (it starts with
//! "REDIS") or commands, then incr files of commands, loaded in order.
//! Commands are RESP multibulk, run through the one command table by a
//! client of our own that no connection backs and whose replies are
//! dropped; `Server::loading` is set meanwhile, so keys do not expire and
//! nothing is propagated.
//!
//! Where: `server::init` builds a `Server` over the fresh state and loads
//! here before handing the state to the shell. Loading before the first
//! `run` means a file that does not load refuses the start (Redis exits),
//! and no client can see a half-loaded dataset; a `Server` is a view that
//! lives for one call, so building one in `init` costs nothing more.

use crate::aof_manifest::{atoll, AofInfo, Manifest};
use crate::config::Config;
use crate::server::Server;
use crate::util::strerror;
use hotkv_abi::state::{client_flag as cf, Client, ServerState};
use hotkv_abi::vec::RBytes;
use std::path::Path;

/// Redis's `AOF_ANNOTATION_LINE_MAX_LEN`: the buffer its `fgets` reads a
/// line into (so at most 1023 bytes a line).
const LINE_MAX: usize = 1024;

/// How a file loaded (Redis's `AOF_OK`, `AOF_EMPTY`, `AOF_TRUNCATED`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    Ok,
    Empty,
    Truncated,
}

/// Loads the AOF of `cfg` into the fresh databases of `st` (Redis's
/// `loadDataFromDisk` with appendonly on). No AOF at all is fine (an empty
/// dataset: the RDB file is not read); any error is the message the
/// start fails with (the shell reports it; Redis logs it and exits).
pub fn load_at_start(st: &mut ServerState, cfg: Config) -> Result<(), String> {
    let start = std::time::Instant::now();
    let dir = Path::new(&cfg.appenddirname).to_path_buf();
    let mut am = Manifest::load(&dir, &cfg.appendfilename)?;
    upgrade_old_style(&mut am, &dir, &cfg.appendfilename)?;
    let mut srv = Server::new(st, cfg);
    if load_files(&mut srv, &dir, &am)? {
        log::info!("DB loaded from append only file: {:.3} seconds", start.elapsed().as_secs_f64());
    }
    Ok(())
}

/// Redis's `aofUpgradePrepare`: an `appendfilename` file in the working
/// directory is a Redis < 7.0 single-file AOF; when the directory holds no
/// AOF of its own, the file moves in as the base of a new manifest.
fn upgrade_old_style(am: &mut Manifest, dir: &Path, appendfilename: &str) -> Result<(), String> {
    if !Path::new(appendfilename).exists() {
        return Ok(());
    }
    let moved_base = am.incr.is_empty() && am.base.as_ref().is_some_and(|b| b.name == appendfilename) && !dir.join(appendfilename).exists();
    let empty = am.base.is_none() && am.incr.is_empty();
    if dir.is_dir() && !empty && !moved_base {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("Can't open or create append-only dir {}: {}", dir.display(), strerror(&e)))?;
    am.base = Some(AofInfo { name: appendfilename.to_string(), seq: 1, kind: crate::aof_manifest::FileType::Base });
    am.base_seq = 1;
    am.dirty = true;
    am.persist(dir, appendfilename)?;
    std::fs::rename(appendfilename, dir.join(appendfilename))
        .map_err(|e| format!("Error trying to rename the old AOF file {appendfilename} into dir {}: {}", dir.display(), strerror(&e)))?;
    log::info!("Successfully migrated an old-style AOF into the AOF directory {}.", dir.display());
    Ok(())
}

/// Loads the base and incr files of `am` (Redis's `loadAppendOnlyFiles`);
/// false when the manifest names none. Every file must exist before any
/// is read; only the last one may be truncated.
fn load_files(srv: &mut Server, dir: &Path, am: &Manifest) -> Result<bool, String> {
    let files: Vec<&AofInfo> = am.loaded_files().collect();
    if files.is_empty() {
        return Ok(false);
    }
    let mut total = 0u64;
    for ai in &files {
        match std::fs::metadata(dir.join(&ai.name)) {
            Ok(m) => total += m.len(),
            Err(e) => return Err(format!("Unable to obtain the AOF file {} length. stat: {}", ai.name, strerror(&e))),
        }
    }
    if total == 0 {
        return Ok(true);
    }
    for (i, ai) in files.iter().enumerate() {
        let last = i + 1 == files.len();
        let start = std::time::Instant::now();
        let got = load_single(srv, dir, &ai.name)?;
        let what = if ai.kind == crate::aof_manifest::FileType::Base { "base" } else { "incr" };
        if got == Outcome::Truncated && !last {
            return Err("Fatal error: the truncated file is not the last file".into());
        }
        if got != Outcome::Empty {
            log::info!("DB loaded from {what} file {}: {:.3} seconds", ai.name, start.elapsed().as_secs_f64());
        }
    }
    Ok(true)
}

/// One `fgets` of at most `LINE_MAX - 1` bytes: through the newline, or
/// shorter at the end of the data. None at the end.
fn fgets(data: &[u8], pos: usize) -> Option<&[u8]> {
    if pos >= data.len() {
        return None;
    }
    let rest = &data[pos..data.len().min(pos + LINE_MAX - 1)];
    Some(rest.iter().position(|&b| b == b'\n').map_or(rest, |p| &rest[..=p]))
}

/// Why reading commands stopped early.
enum Stop {
    /// Redis's `uxeof`: the data ends inside a command (or inside MULTI).
    Truncated,
    /// Redis's `fmterr`: bytes that are not a command, at this offset.
    Format(usize),
    /// A command the table does not know (or cannot run): the message.
    Command(String),
}

/// A client for the commands of a file, as Redis's `createAOFClient`: no
/// connection, no replies kept, database 0, authenticated as `default`.
fn aof_client() -> Client {
    Client::new(u64::MAX, -1, u32::MAX, cf::AUTHENTICATED, 0, RBytes::new(), RBytes::new())
}

/// Loads one file (Redis's `loadSingleAppendOnlyFile`): an RDB part if it
/// starts with "REDIS", then commands to the end. A truncated end (or an
/// unfinished MULTI) is cut off at the last whole command when
/// `aof-load-truncated` is on, else refused.
fn load_single(srv: &mut Server, dir: &Path, name: &str) -> Result<Outcome, String> {
    let path = dir.join(name);
    let data = match std::fs::read(&path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(format!("The append log file {name} doesn't exist: {}", strerror(&e))),
        Err(e) => return Err(format!("Fatal error: can't open the append log file {name} for reading: {}", strerror(&e))),
    };
    if data.is_empty() {
        return Ok(Outcome::Empty);
    }
    let mut pos = 0;
    if data.starts_with(b"REDIS") {
        pos = load_rdb_part(srv, name, &data)?;
    }
    let mut c = aof_client();
    srv.loading = true;
    let stop = run_commands(srv, &mut c, name, &data, pos);
    srv.loading = false;
    // Out of every table that may name it before it goes (a hand-written
    // file may WATCH or SUBSCRIBE).
    crate::blocking::detach(srv, &mut c);
    crate::pubsub::forget_client(srv, &mut c);
    crate::multi::unwatch_all(srv, &mut c);
    let (valid_up_to, stop) = match stop {
        (_, None) => return Ok(Outcome::Ok),
        (v, Some(s)) => (v, s),
    };
    match stop {
        Stop::Command(msg) => Err(msg),
        Stop::Format(at) => Err(format!(
            "Bad file format reading the append only file {name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest> (at offset {at})"
        )),
        Stop::Truncated if srv.cfg.aof_load_truncated => {
            log::warn!("!!! Warning: short read while loading the AOF file {name}!!!");
            log::warn!("!!! Truncating the AOF {name} at offset {valid_up_to} !!!");
            let cut = std::fs::OpenOptions::new().write(true).open(&path).and_then(|f| f.set_len(valid_up_to as u64));
            if let Err(e) = cut {
                log::warn!("Error truncating the AOF file {name}: {}", strerror(&e));
                return Err(unexpected_eof(name, valid_up_to));
            }
            log::warn!("AOF {name} loaded anyway because aof-load-truncated is enabled");
            Ok(Outcome::Truncated)
        }
        Stop::Truncated => Err(unexpected_eof(name, valid_up_to)),
    }
}

/// Redis's message for a file that ends inside a command, with the offset
/// of the end of its last whole command.
fn unexpected_eof(name: &str, valid_up_to: usize) -> String {
    format!(
        "Unexpected end of file reading the append only file {name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server. (last whole command ends at offset {valid_up_to})"
    )
}

/// Loads the RDB at the start of `data` (a base file, or the preamble of
/// an old-style AOF) into the databases; returns where it ends.
fn load_rdb_part(srv: &mut Server, name: &str, data: &[u8]) -> Result<usize, String> {
    let old_style = name == srv.cfg.appendfilename;
    log::info!("{}", if old_style { "Reading RDB preamble from AOF file..." } else { "Reading RDB base file on AOF loading..." });
    // Keys already expired are loaded too (Redis's RDBFLAGS_AOF_PREAMBLE):
    // commands after them may still touch them.
    let (lru, seed, check) = (srv.lru_clock(), srv.st.hash_seed, srv.cfg.rdbchecksum);
    let (_, end) = crate::rdb::load_prefix(data, srv.st.dbs.as_mut_slice(), None, lru, seed, check).map_err(|e| {
        let what = if old_style { "the RDB preamble of the AOF file" } else { "the RDB base file" };
        format!("Error reading {what} {name}, AOF loading aborted: {e}")
    })?;
    if old_style {
        log::info!("Reading the remaining AOF tail...");
    }
    Ok(end)
}

/// Runs the commands of `data` from `pos` as `c` (Redis's loop in
/// `loadSingleAppendOnlyFile`); returns the end of the last whole command
/// (before an unfinished MULTI) and why it stopped early, if it did.
fn run_commands(srv: &mut Server, c: &mut Client, name: &str, data: &[u8], mut pos: usize) -> (usize, Option<Stop>) {
    let (mut valid_up_to, mut valid_before_multi) = (pos, pos);
    let mut loops = 0u64;
    let mut argv: Vec<&[u8]> = Vec::new();
    loop {
        if loops.is_multiple_of(1024) {
            srv.refresh_clock();
        }
        loops += 1;
        let start = pos;
        let Some(line) = fgets(data, pos) else { break };
        pos += line.len();
        if line[0] == b'#' {
            // Annotations (aof-timestamp-enabled) are skipped.
            continue;
        }
        if line[0] != b'*' {
            return (valid_up_to, Some(Stop::Format(start)));
        }
        if line.len() == 1 {
            return (valid_up_to, Some(Stop::Truncated));
        }
        // C's `atoi`: the count as an int.
        let argc = atoll(&line[1..]) as i32;
        if argc < 1 {
            return (valid_up_to, Some(Stop::Format(start)));
        }
        argv.clear();
        for _ in 0..argc {
            let at = pos;
            let Some(line) = fgets(data, pos) else { return (valid_up_to, Some(Stop::Truncated)) };
            if line[0] != b'$' {
                return (valid_up_to, Some(Stop::Format(at)));
            }
            pos += line.len();
            let Ok(len) = usize::try_from(atoll(&line[1..])) else { return (valid_up_to, Some(Stop::Format(at))) };
            // The argument, then two bytes (CRLF, not checked, as Redis).
            if data.len() - pos < len || data.len() - pos - len < 2 {
                return (valid_up_to, Some(Stop::Truncated));
            }
            argv.push(&data[pos..pos + len]);
            pos += len + 2;
        }
        let cmd = match crate::commands::resolve(srv, &argv) {
            Ok((_, cmd)) => cmd,
            Err((_, e)) => {
                let cmd = String::from_utf8_lossy(argv[0]);
                let msg = if e.starts_with("unknown command") { format!("Unknown command '{cmd}' reading the append only file {name}") } else { format!("{e} reading the append only file {name}") };
                return (valid_up_to, Some(Stop::Command(msg)));
            }
        };
        if cmd.name == "multi" {
            valid_before_multi = valid_up_to;
        }
        // As Redis: inside MULTI everything but EXEC is queued, even MULTI.
        if c.flags & cf::MULTI != 0 && cmd.name != "exec" {
            crate::multi::queue(c, &argv);
        } else {
            crate::commands::run(srv, c, cmd.handler.expect("resolve checked the handler"), &argv);
        }
        c.reply.clear();
        valid_up_to = pos;
    }
    // Data ending inside MULTI is handled as a truncated file: what
    // follows the MULTI is cut, as if never written.
    if c.flags & cf::MULTI != 0 {
        log::warn!("Revert incomplete MULTI/EXEC transaction in AOF file {name}");
        return (valid_before_multi, Some(Stop::Truncated));
    }
    (valid_up_to, None)
}
