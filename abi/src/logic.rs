//! What a logic library offers the shell: one exported symbol,
//! [`ENTRY_SYMBOL`], returning a pointer to a static [`LogicApi`].

use crate::host::{HostApi, StrRef};
use crate::state::StateHeader;
use crate::vec::RBytes;

/// The only symbol a logic library exports.
pub const ENTRY_SYMBOL: &[u8] = b"hotkv_logic_entry";

/// Signature of [`ENTRY_SYMBOL`]. It must do nothing but return its table.
pub type EntryFn = unsafe extern "C" fn() -> *const LogicApi;

/// One config directive (`name arg arg ...`) passed to `init`.
#[repr(C)]
pub struct Directive {
    pub argv: *const StrRef,
    pub argc: usize,
    /// Where it was read ("hotkv.conf:12", "command line"), for errors.
    pub origin: StrRef,
}

/// What `init` receives besides the host and the state.
#[repr(C)]
pub struct InitArgs {
    /// `UPGRADE ... ARGS` or `logic-args`: the logic's own arguments.
    pub args: *const StrRef,
    pub nargs: usize,
    /// Directives of the config file meant for the logic; only applied when
    /// the state is created (a swap keeps the settings in force).
    pub config: *const Directive,
    pub nconfig: usize,
}

/// Why `run` is being called.
pub mod reason {
    /// First start: the state was just created.
    pub const START: u32 = 0;
    /// This library just replaced another (see `RunReason::pause_us`).
    pub const UPGRADED: u32 = 1;
    /// An UPGRADE failed; this library keeps serving (see `RunReason::error`).
    pub const UPGRADE_FAILED: u32 = 2;
    /// The loop yielded but there was nothing to swap: carry on.
    pub const RESUMED: u32 = 3;
    /// SIGTERM or SIGINT: stop as SHUTDOWN would, and return `SHUTDOWN`.
    /// (A library that predates this reason treats it as RESUMED; the shell
    /// then stops it at its next yield.)
    pub const SHUTDOWN: u32 = 4;
}

#[repr(C)]
pub struct RunReason {
    pub kind: u32,
    pub _reserved: u32,
    /// The `requester` given to `request_upgrade` (0 for none).
    pub requester: u64,
    /// Time the loop was stopped for the swap, in microseconds.
    pub pause_us: u64,
    /// Version string of the library that ran before this one.
    pub from_version: RBytes,
    /// Why an upgrade failed.
    pub error: RBytes,
}

/// Return values of `run`.
pub mod outcome {
    /// The shell asked for it (staged upgrade ready): swap and call `run` again.
    pub const YIELD: u32 = 0;
    /// SHUTDOWN: the shell exits.
    pub const SHUTDOWN: u32 = 1;
    /// The loop panicked outside a command; the message was logged.
    pub const PANICKED: u32 = 2;
}

/// Return values of `init`.
pub mod init_status {
    pub const OK: i32 = 0;
    /// Refused; the reason is in the error buffer.
    pub const ERROR: i32 = -1;
    /// Panicked; the message is in the error buffer.
    pub const PANICKED: i32 = -2;
}

#[repr(C)]
pub struct LogicApi {
    pub abi_version: u32,
    /// Layout this library writes.
    pub layout_version: u32,
    /// Oldest layout it can migrate from (== layout_version if none).
    pub min_layout_version: u32,
    pub _reserved: u32,
    pub abi_fingerprint: u64,
    pub layout_fingerprint: u64,
    /// Point into the library: the shell copies them before anything else.
    pub version: StrRef,
    pub build_id: StrRef,
    /// Installs the library (logger, panic hook), checks its arguments, and
    /// creates the state when `*state` is null or adopts it (migrating an
    /// older layout). Must not change an adopted state unless it returns OK.
    pub init: unsafe extern "C" fn(
        host: *const HostApi,
        state: *mut *mut StateHeader,
        args: *const InitArgs,
        err: *mut RBytes,
    ) -> i32,
    /// Runs the event loop until an outcome.
    pub run: unsafe extern "C" fn(state: *mut StateHeader, reason: *const RunReason) -> u32,
    /// Undoes what `init` installed in the process (panic hook, logger) and
    /// frees the library's own allocations; called before `dlclose`.
    pub unload: unsafe extern "C" fn(),
}

// SAFETY: the table is immutable static data (a version string, constants and
// function pointers); sharing it between threads reads nothing that changes.
unsafe impl Sync for LogicApi {}
