//! What the shell offers the logic: the [`HostApi`] function table, passed to
//! every logic library at `init`. Every pointer in it points into the shell,
//! which is never unloaded, so the logic may keep the table for its lifetime.

use crate::vec::{RBytes, RVec};
use std::ffi::c_void;

/// A borrowed byte string crossing the boundary for the duration of a call.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct StrRef {
    pub ptr: *const u8,
    pub len: usize,
}

impl StrRef {
    pub fn new(s: &[u8]) -> StrRef {
        StrRef { ptr: s.as_ptr(), len: s.len() }
    }

    /// # Safety
    /// The bytes must be live for `'a` (callers only use a `StrRef` during the
    /// call that received it).
    pub unsafe fn as_bytes<'a>(&self) -> &'a [u8] {
        if self.len == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(self.ptr, self.len)
        }
    }
}

/// A readiness event: `token` is what the fd was registered with.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Event {
    pub token: u64,
    pub flags: u32,
    pub _reserved: u32,
}

/// `Event::flags` bits.
pub mod event_flag {
    pub const READABLE: u32 = 1;
    pub const WRITABLE: u32 = 2;
    pub const ERROR: u32 = 4;
    pub const HUP: u32 = 8;
}

/// Tokens above this value belong to the shell (listeners, its waker); client
/// slots are always below it.
pub const SHELL_TOKEN_BASE: u64 = u64::MAX - 1024;
/// The shell's waker: an UPGRADE finished staging and the loop should yield.
pub const TOKEN_WAKE: u64 = u64::MAX;
/// The background job thread finished a job of the logic ([`HostApi::bio_fsync`],
/// [`HostApi::bio_close`]); [`HostApi::bio_status`] tells the outcome (ABI 4).
/// Not an upgrade: the loop carries on.
pub const TOKEN_BIO: u64 = u64::MAX - 1;
/// Listener `i` is registered with token `TOKEN_LISTENER_BASE + i`.
pub const TOKEN_LISTENER_BASE: u64 = SHELL_TOKEN_BASE;

/// Events returned by one `poll` call at most: the logic's buffer has this
/// many slots, so no readiness is ever dropped.
pub const EVENT_BATCH: usize = 1024;

/// A connection handed out by [`HostApi::accept`].
#[repr(C)]
pub struct Accepted {
    pub fd: i32,
    pub _reserved: u32,
    /// "ip:port" of the peer and of the local end.
    pub addr: RBytes,
    pub laddr: RBytes,
}

/// What [`HostApi::bio_status`] reports about the jobs the logic submitted
/// to the shell's background thread (ABI 4).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct BioStatus {
    /// The highest `offset` given to a `bio_fsync` that completed (0 before any).
    pub fsynced_offset: u64,
    /// `bio_fsync` and `bio_close` jobs queued or running.
    pub pending_jobs: u64,
    /// The `bio_fsync` jobs among them (Redis's `aof_pending_bio_fsync`).
    pub pending_fsyncs: u64,
    /// 0 when the latest fsync succeeded, else its errno.
    pub fsync_errno: i32,
    pub _reserved: u32,
}

/// Results of host calls that can fail softly.
pub mod status {
    pub const OK: i32 = 0;
    /// Nothing to do right now (no pending connection, socket buffer full).
    pub const WOULD_BLOCK: i32 = 1;
    /// Failed; a message was written to the error buffer where there is one.
    pub const ERROR: i32 = -1;
}

/// What the shell knows about the logic it runs and about itself: read-only
/// for the logic, updated by the shell only between two `run` calls.
#[repr(C)]
pub struct ShellStatus {
    pub pid: u32,
    pub port: u32,
    pub bind: RVec<RBytes>,
    pub config_file: RBytes,
    pub executable: RBytes,
    /// Working directory where `logic/` copies live.
    pub dir: RBytes,
    /// 1 for the library loaded at start, +1 per successful swap.
    pub generation: u64,
    pub upgrades: u64,
    pub failed_upgrades: u64,
    pub last_pause_us: u64,
    pub loaded_at_unix_us: i64,
    /// The private copy the running library was loaded from.
    pub path: RBytes,
    /// The path it was copied from (what the operator named).
    pub source_path: RBytes,
    pub args: RVec<RBytes>,
    /// The previous version's private copy and version string (for ROLLBACK).
    pub previous_path: RBytes,
    pub previous_version: RBytes,
    pub previous_args: RVec<RBytes>,
    /// Non-zero while an UPGRADE is being staged.
    pub upgrade_in_progress: u32,
    pub _reserved: u32,
    /// The log verbosity by its Redis name (ABI 3): one of [`level::NAMES`].
    pub loglevel: RBytes,
}

/// Log levels, as the `log` crate numbers them.
pub mod level {
    pub const ERROR: u32 = 1;
    pub const WARN: u32 = 2;
    pub const INFO: u32 = 3;
    pub const DEBUG: u32 = 4;
    pub const TRACE: u32 = 5;

    /// Redis 7.0's `loglevel` names and the most verbose level each lets
    /// through (ABI 3). The shell applies them at start and on
    /// [`super::HostApi::set_log_level`]; the logic validates CONFIG SET
    /// with the same table, so both sides accept exactly the same words.
    pub const NAMES: &[(&str, u32)] = &[("debug", DEBUG), ("verbose", INFO), ("notice", INFO), ("warning", WARN)];

    /// The level of a `loglevel` name (case-insensitive), if it is one.
    pub fn by_name(name: &[u8]) -> Option<u32> {
        NAMES.iter().find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(name)).map(|&(_, l)| l)
    }
}

/// The shell's function table.
#[repr(C)]
pub struct HostApi {
    pub abi_version: u32,
    pub _reserved: u32,
    /// The shell's context, first argument of the calls that need it.
    pub ctx: *mut c_void,

    // Memory: the one allocator (HOTSWAP-RULES 9), also the source of used_memory.
    pub alloc: unsafe extern "C" fn(size: usize, align: usize) -> *mut u8,
    pub alloc_zeroed: unsafe extern "C" fn(size: usize, align: usize) -> *mut u8,
    pub dealloc: unsafe extern "C" fn(ptr: *mut u8, size: usize, align: usize),
    pub realloc: unsafe extern "C" fn(ptr: *mut u8, size: usize, align: usize, new_size: usize) -> *mut u8,
    pub used_memory: extern "C" fn() -> usize,

    // Output: all of it goes through the shell (HOTSWAP-RULES 8).
    pub log: extern "C" fn(level: u32, target: StrRef, msg: StrRef),
    pub log_max_level: extern "C" fn() -> u32,

    // Clock.
    pub unix_time_us: extern "C" fn() -> i64,
    pub monotonic_us: extern "C" fn() -> u64,

    // Readiness: the poller is the shell's, so it survives swaps (no
    // re-registration of thousands of fds per upgrade).
    pub poll: unsafe extern "C" fn(ctx: *mut c_void, events: *mut Event, cap: usize, timeout_ms: i32) -> isize,
    pub register: unsafe extern "C" fn(ctx: *mut c_void, fd: i32, token: u64) -> i32,
    pub deregister: unsafe extern "C" fn(ctx: *mut c_void, fd: i32) -> i32,

    // Connections: the shell owns every fd (HOTSWAP-RULES 10).
    pub listener_count: unsafe extern "C" fn(ctx: *mut c_void) -> u32,
    pub accept: unsafe extern "C" fn(ctx: *mut c_void, listener: u32, out: *mut Accepted) -> i32,
    pub close: unsafe extern "C" fn(ctx: *mut c_void, fd: i32),

    // Upgrades.
    /// Starts staging `path` (copy, load, validate) off the loop. When done
    /// the shell wakes the poller with [`TOKEN_WAKE`] and the logic returns
    /// from `run`. `requester` comes back in the next [`crate::logic::RunReason`].
    pub request_upgrade: unsafe extern "C" fn(
        ctx: *mut c_void,
        path: StrRef,
        args: *const StrRef,
        nargs: usize,
        requester: u64,
        err: *mut RBytes,
    ) -> i32,
    pub status: unsafe extern "C" fn(ctx: *mut c_void) -> *const ShellStatus,

    // Arguments (ABI 2).
    /// Replaces the running library's arguments (`ShellStatus::args`) with
    /// the whole list `args[..nargs]`, without a swap: what `CONFIG SET
    /// logic-args` and the logic itself use, and what `CONFIG REWRITE`
    /// writes as `logic-args`. The shell copies the bytes; ROLLBACK and
    /// the next UPGRADE's "previous" see the new list.
    pub set_logic_args: unsafe extern "C" fn(ctx: *mut c_void, args: *const StrRef, nargs: usize) -> i32,

    // Settings the shell owns (ABI 3): CONFIG SET applies them here, so the
    // shell's own logging and working directory change with the logic's.
    /// Sets the log verbosity by a name of [`level::NAMES`]
    /// (`ShellStatus::loglevel`); an unknown name is an error, nothing changes.
    pub set_log_level: unsafe extern "C" fn(ctx: *mut c_void, name: StrRef) -> i32,
    /// Changes the working directory (`dir`: where data files go) and
    /// `ShellStatus::dir`. Private library copies stay in the directory
    /// they were made in. On failure the reason is appended to `err`.
    pub set_dir: unsafe extern "C" fn(ctx: *mut c_void, path: StrRef, err: *mut RBytes) -> i32,

    // Background jobs (ABI 4): one shell thread runs them in submission
    // order (so a close submitted after an fsync of the same fd waits for
    // it); each finished job wakes the poller with [`TOKEN_BIO`].
    /// Queues `fdatasync(fd)`. When it completes, `offset` (a count of the
    /// logic's that only grows, e.g. bytes ever appended to the AOF, across
    /// its files: not one file's size) becomes `BioStatus::fsynced_offset`
    /// if higher, or the failure's errno becomes `BioStatus::fsync_errno`. `fd` must stay open until then: close it
    /// with `bio_close`, never directly.
    pub bio_fsync: unsafe extern "C" fn(ctx: *mut c_void, fd: i32, offset: u64),
    /// Queues `close(fd)`, for files of the logic whose close may be slow (the
    /// last reference to a large unlinked file). Not for connections: `close`.
    pub bio_close: unsafe extern "C" fn(ctx: *mut c_void, fd: i32),
    /// Writes the jobs' current [`BioStatus`] to `out`.
    pub bio_status: unsafe extern "C" fn(ctx: *mut c_void, out: *mut BioStatus),
}
