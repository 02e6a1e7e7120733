//! This library's side of the host table: the one place that holds the
//! pointer to the shell's [`HostApi`], and what is built on it: the global
//! allocator, the logger, the panic hook, the clock.

use hotkv_abi::host::{level, BioStatus, HostApi, StrRef};
use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicPtr, Ordering};

static HOST: AtomicPtr<HostApi> = AtomicPtr::new(std::ptr::null_mut());

/// The host table. Valid once `install` ran, which `init` does first.
#[inline]
pub fn host() -> &'static HostApi {
    let p = HOST.load(Ordering::Relaxed);
    if p.is_null() {
        // Nothing may run before `init` installs the host: not even an
        // allocation, which would come from a second allocator.
        std::process::abort();
    }
    // SAFETY: the shell's table is leaked by the shell and never freed.
    unsafe { &*p }
}

/// Every allocation of this library goes to the shell's allocator
/// (HOTSWAP-RULES 9): memory outlives the library that made it.
// In unit-test builds the system allocator serves (there is no host).
#[cfg_attr(test, allow(dead_code))]
pub struct HostAlloc;

unsafe impl GlobalAlloc for HostAlloc {
    #[inline]
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        (host().alloc)(l.size(), l.align())
    }
    #[inline]
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        (host().alloc_zeroed)(l.size(), l.align())
    }
    #[inline]
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        (host().dealloc)(p, l.size(), l.align())
    }
    #[inline]
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
        (host().realloc)(p, l.size(), l.align(), new_size)
    }
}

/// Forwards `log` records to the shell (HOTSWAP-RULES 8). A static, not a
/// boxed logger: nothing to free, nothing the shell could call after unload.
struct HostLogger;

impl log::Log for HostLogger {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.level() as u32 <= (host().log_max_level)()
    }

    fn log(&self, r: &log::Record) {
        if self.enabled(r.metadata()) {
            let msg = r.args().to_string();
            (host().log)(r.level() as u32, StrRef::new(r.target().as_bytes()), StrRef::new(msg.as_bytes()));
        }
    }

    fn flush(&self) {}
}

static LOGGER: HostLogger = HostLogger;

/// Quiet panic hook (HOTSWAP-RULES 7): one log line, no backtrace (the
/// symbolizer would map this file and cache its debug info for good).
fn panic_hook(info: &std::panic::PanicHookInfo) {
    let msg = panic_message(info.payload());
    let at = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
    let line = format!("panic at {at}: {msg}");
    (host().log)(level::ERROR, StrRef::new(b"hotkv_logic"), StrRef::new(line.as_bytes()));
}

/// The text of a panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Installs the host, logger and panic hook. First thing `init` does.
pub fn install(api: *const HostApi) {
    HOST.store(api as *mut HostApi, Ordering::Relaxed);
    let _ = log::set_logger(&LOGGER);
    follow_log_level();
    std::panic::set_hook(Box::new(panic_hook));
}

/// Sets this library's copy of the log filter (the `log` crate keeps one
/// per library) to the shell's; after `install` and after CONFIG SET loglevel.
pub fn follow_log_level() {
    log::set_max_level(match (host().log_max_level)() {
        0 => log::LevelFilter::Off,
        1 => log::LevelFilter::Error,
        2 => log::LevelFilter::Warn,
        3 => log::LevelFilter::Info,
        4 => log::LevelFilter::Debug,
        _ => log::LevelFilter::Trace,
    });
}

/// Undoes `install` before the library is unmapped: the boxed hook is freed
/// and the default one (static) restored.
pub fn uninstall() {
    drop(std::panic::take_hook());
    log::set_max_level(log::LevelFilter::Off);
}

#[inline]
pub fn unix_ms() -> i64 {
    (host().unix_time_us)() / 1000
}

#[inline]
pub fn unix_us() -> i64 {
    (host().unix_time_us)()
}

#[inline]
pub fn monotonic_us() -> u64 {
    (host().monotonic_us)()
}

pub fn used_memory() -> usize {
    (host().used_memory)()
}

// The shell's background job thread (ABI 4), used by `aof_fsync.rs`.

/// Queues `fdatasync(fd)` off the loop; when done, `offset` shows in
/// [`bio_status`] and the loop wakes with `TOKEN_BIO`. Until then `fd` stays
/// open: close it with [`bio_close`], which runs after the fsync.
pub fn bio_fsync(fd: i32, offset: u64) {
    let h = host();
    // SAFETY: a request to the shell; it does not touch the fd until the job runs.
    unsafe { (h.bio_fsync)(h.ctx, fd, offset) }
}

/// Queues `close(fd)` off the loop (a file of this library, not a connection).
pub fn bio_close(fd: i32) {
    let h = host();
    // SAFETY: a request to the shell; `fd` is this library's to give away.
    unsafe { (h.bio_close)(h.ctx, fd) }
}

/// The outcome of the background jobs so far.
pub fn bio_status() -> BioStatus {
    let h = host();
    let mut s = BioStatus::default();
    // SAFETY: `s` is a valid place for the shell to write a `BioStatus`.
    unsafe { (h.bio_status)(h.ctx, &mut s) };
    s
}
