//! hotkv logic library: everything the server does, loaded and replaced at
//! runtime by the shell. The boundary is crossed in exactly four places, all
//! in this file: the exported entry symbol and the three functions of its
//! table (`init`, `run`, `unload`). Each catches panics (HOTSWAP-RULES 4).
//!
//! Layout follows Redis's `src/`: `server` (loop and cron), `networking`
//! (clients, I/O, replies), `resp` (parser), `commands` (the table), `db`,
//! `expire`, `t_string`, `keyspace`, `info`, `config`, `upgrade`, ...

mod acl;
mod aof;
mod aof_fsync;
mod aof_load;
mod aof_manifest;
mod aof_rewrite;
mod bgsave;
mod blocking;
mod client;
mod commands;
mod config;
mod config_rewrite;
mod connection;
mod cow;
mod crc64;
mod db;
mod debug;
mod expire;
mod host;
mod info;
mod introspect;
mod keyspace;
mod longdouble;
mod lzf;
mod migrate;
mod multi;
mod networking;
mod notify;
mod obuf;
mod object;
mod propagate;
mod pubsub;
mod persist;
mod rdb;
mod reply;
mod resp;
mod server;
mod sort;
mod t_hash;
mod t_list;
mod t_set;
mod t_string;
mod t_zset;
mod time;
mod upgrade;
mod util;
mod waitaof;

use hotkv_abi::host::{HostApi, StrRef};
use hotkv_abi::logic::{init_status, outcome, InitArgs, LogicApi, RunReason};
use hotkv_abi::state::{ServerState, StateHeader};
use hotkv_abi::vec::RBytes;
use std::panic::{catch_unwind, AssertUnwindSafe};

#[cfg(not(test))]
#[global_allocator]
static ALLOC: host::HostAlloc = host::HostAlloc;

/// Version string (overridable at build time, see build.rs).
pub const VERSION: &str = env!("HOTKV_VERSION");
pub const BUILD_ID: &str = env!("HOTKV_BUILD_ID");

static API: LogicApi = LogicApi {
    abi_version: hotkv_abi::ABI_VERSION,
    layout_version: hotkv_abi::LAYOUT_VERSION,
    min_layout_version: migrate::MIN_LAYOUT_VERSION,
    _reserved: 0,
    abi_fingerprint: hotkv_abi::ABI_FINGERPRINT,
    layout_fingerprint: hotkv_abi::LAYOUT_FINGERPRINT,
    version: StrRef { ptr: VERSION.as_ptr(), len: VERSION.len() },
    build_id: StrRef { ptr: BUILD_ID.as_ptr(), len: BUILD_ID.len() },
    init: logic_init,
    run: logic_run,
    unload: logic_unload,
};

/// The entry symbol: returns the static table and does nothing else (the
/// shell calls it before it knows whether this library's ABI matches).
#[no_mangle]
pub extern "C" fn hotkv_logic_entry() -> *const LogicApi {
    &API
}

unsafe extern "C" fn logic_init(
    host_api: *const HostApi,
    state: *mut *mut StateHeader,
    args: *const InitArgs,
    err: *mut RBytes,
) -> i32 {
    host::install(host_api);
    // SAFETY: the shell passes valid pointers for the duration of the call.
    let (state, args, err) = (&mut *state, &*args, &mut *err);
    match catch_unwind(AssertUnwindSafe(|| server::init(state, args))) {
        Ok(Ok(())) => init_status::OK,
        Ok(Err(msg)) => {
            err.extend_from_slice(msg.as_bytes());
            init_status::ERROR
        }
        Err(p) => {
            err.extend_from_slice(host::panic_message(&*p).as_bytes());
            init_status::PANICKED
        }
    }
}

unsafe extern "C" fn logic_run(state: *mut StateHeader, why: *const RunReason) -> u32 {
    // SAFETY: `init` accepted this state, so it is a `ServerState` of our
    // layout (the header is its first field); the shell does not touch it
    // while `run` runs.
    let (st, why) = (&mut *(state as *mut ServerState), &*why);
    match catch_unwind(AssertUnwindSafe(|| server::run(st, why))) {
        Ok(o) => o,
        Err(p) => {
            log::error!("event loop panicked: {}", host::panic_message(&*p));
            outcome::PANICKED
        }
    }
}

unsafe extern "C" fn logic_unload() {
    host::uninstall();
}
