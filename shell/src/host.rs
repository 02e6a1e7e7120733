//! The shell's side of the host table: the functions a logic library calls.
//! Each is a small `extern "C"` wrapper; none can unwind (they contain no
//! code that panics on bad input from the logic: errors become status codes).

use crate::alloc;
use crate::bio::{Bio, Job};
use crate::upgrade::Stager;
use hotkv_abi::host::{self, event_flag, status, Accepted, BioStatus, Event, HostApi, ShellStatus, StrRef, TOKEN_LISTENER_BASE};
use hotkv_abi::vec::{RBytes, RVec};
use mio::net::TcpListener;
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};
use std::ffi::c_void;
use std::os::fd::{AsRawFd, IntoRawFd};
use std::os::unix::ffi::OsStrExt;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Everything the shell keeps for the running server besides the state.
pub struct Shell {
    pub poll: Poll,
    pub events: Events,
    pub listeners: Vec<TcpListener>,
    pub status: ShellStatus,
    pub stager: Stager,
    pub bio: Bio,
}

pub fn bytes(s: &[u8]) -> RBytes {
    RBytes::from_slice(s)
}

pub fn bytes_list<S: AsRef<[u8]>>(items: &[S]) -> RVec<RBytes> {
    let mut v = RVec::new();
    for s in items {
        v.push(bytes(s.as_ref()));
    }
    v
}

/// # Safety
/// `ctx` is the `Shell` the table was built with; host calls come from the
/// loop thread only, while the shell itself holds no reference to it.
unsafe fn shell<'a>(ctx: *mut c_void) -> &'a mut Shell {
    &mut *(ctx as *mut Shell)
}

unsafe extern "C" fn h_alloc(size: usize, align: usize) -> *mut u8 {
    std::alloc::alloc(std::alloc::Layout::from_size_align_unchecked(size, align))
}
unsafe extern "C" fn h_alloc_zeroed(size: usize, align: usize) -> *mut u8 {
    std::alloc::alloc_zeroed(std::alloc::Layout::from_size_align_unchecked(size, align))
}
unsafe extern "C" fn h_dealloc(ptr: *mut u8, size: usize, align: usize) {
    std::alloc::dealloc(ptr, std::alloc::Layout::from_size_align_unchecked(size, align))
}
unsafe extern "C" fn h_realloc(ptr: *mut u8, size: usize, align: usize, new_size: usize) -> *mut u8 {
    std::alloc::realloc(ptr, std::alloc::Layout::from_size_align_unchecked(size, align), new_size)
}
extern "C" fn h_used_memory() -> usize {
    alloc::used_memory()
}

extern "C" fn h_log(lvl: u32, target: StrRef, msg: StrRef) {
    let level = match lvl {
        host::level::ERROR => log::Level::Error,
        host::level::WARN => log::Level::Warn,
        host::level::INFO => log::Level::Info,
        host::level::DEBUG => log::Level::Debug,
        _ => log::Level::Trace,
    };
    // SAFETY: both strings are borrowed for the duration of this call.
    let (target, msg) = unsafe { (target.as_bytes(), msg.as_bytes()) };
    let target = std::str::from_utf8(target).unwrap_or("hotkv_logic");
    log::log!(target: target, level, "{}", String::from_utf8_lossy(msg));
}
extern "C" fn h_log_max_level() -> u32 {
    log::max_level() as u32
}

extern "C" fn h_unix_time_us() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
}

static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
extern "C" fn h_monotonic_us() -> u64 {
    EPOCH.get_or_init(Instant::now).elapsed().as_micros() as u64
}

unsafe extern "C" fn h_poll(ctx: *mut c_void, out: *mut Event, cap: usize, timeout_ms: i32) -> isize {
    let sh = shell(ctx);
    let timeout = (timeout_ms >= 0).then(|| std::time::Duration::from_millis(timeout_ms as u64));
    if let Err(e) = sh.poll.poll(&mut sh.events, timeout) {
        if e.kind() == std::io::ErrorKind::Interrupted {
            return 0;
        }
        log::error!("poll failed: {e}");
        return -1;
    }
    let mut n = 0;
    for ev in sh.events.iter() {
        if n == cap {
            // Edge-triggered readiness is not lost: mio reports each event
            // once, so a full buffer would drop it. The logic passes a buffer
            // as large as `events`' capacity, which makes this unreachable.
            log::warn!("event buffer full; readiness dropped");
            break;
        }
        let mut flags = 0;
        if ev.is_readable() || ev.is_read_closed() {
            flags |= event_flag::READABLE;
        }
        if ev.is_writable() {
            flags |= event_flag::WRITABLE;
        }
        if ev.is_error() {
            flags |= event_flag::ERROR;
        }
        if ev.is_read_closed() || ev.is_write_closed() {
            flags |= event_flag::HUP;
        }
        out.add(n).write(Event { token: ev.token().0 as u64, flags, _reserved: 0 });
        n += 1;
    }
    n as isize
}

unsafe extern "C" fn h_register(ctx: *mut c_void, fd: i32, token: u64) -> i32 {
    let sh = shell(ctx);
    match sh.poll.registry().register(&mut SourceFd(&fd), Token(token as usize), Interest::READABLE | Interest::WRITABLE) {
        Ok(()) => status::OK,
        Err(e) => {
            log::warn!("register fd {fd}: {e}");
            status::ERROR
        }
    }
}

unsafe extern "C" fn h_deregister(ctx: *mut c_void, fd: i32) -> i32 {
    let sh = shell(ctx);
    match sh.poll.registry().deregister(&mut SourceFd(&fd)) {
        Ok(()) => status::OK,
        Err(_) => status::ERROR,
    }
}

unsafe extern "C" fn h_listener_count(ctx: *mut c_void) -> u32 {
    shell(ctx).listeners.len() as u32
}

unsafe extern "C" fn h_accept(ctx: *mut c_void, listener: u32, out: *mut Accepted) -> i32 {
    let sh = shell(ctx);
    let Some(l) = sh.listeners.get(listener as usize) else {
        return status::ERROR;
    };
    loop {
        match l.accept() {
            Ok((stream, peer)) => {
                let _ = stream.set_nodelay(true);
                let laddr = stream.local_addr().map(|a| a.to_string()).unwrap_or_default();
                // The fd is the shell's from here on: only `h_close` closes it.
                let fd = stream.into_raw_fd();
                out.write(Accepted { fd, _reserved: 0, addr: bytes(peer.to_string().as_bytes()), laddr: bytes(laddr.as_bytes()) });
                return status::OK;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return status::WOULD_BLOCK,
            // A connection that died in the queue: skip it, take the next.
            Err(e) if matches!(e.raw_os_error(), Some(libc::ECONNABORTED | libc::EINTR | libc::EPROTO | libc::EPERM)) => continue,
            // Out of fds or memory: the logic retries from its cron.
            Err(e) => {
                log::warn!("accept: {e}");
                return status::ERROR;
            }
        }
    }
}

unsafe extern "C" fn h_close(ctx: *mut c_void, fd: i32) {
    let sh = shell(ctx);
    let _ = sh.poll.registry().deregister(&mut SourceFd(&fd));
    let _ = nix::unistd::close(fd);
}

unsafe extern "C" fn h_request_upgrade(
    ctx: *mut c_void,
    path: StrRef,
    args: *const StrRef,
    nargs: usize,
    requester: u64,
    err: *mut RBytes,
) -> i32 {
    let sh = shell(ctx);
    let path = String::from_utf8_lossy(path.as_bytes()).into_owned();
    let args: Vec<Vec<u8>> = (0..nargs).map(|i| (*args.add(i)).as_bytes().to_vec()).collect();
    match sh.stager.start(path, args, requester) {
        Ok(()) => {
            sh.status.upgrade_in_progress = 1;
            status::OK
        }
        Err(e) => {
            (*err).extend_from_slice(e.as_bytes());
            status::ERROR
        }
    }
}

unsafe extern "C" fn h_set_logic_args(ctx: *mut c_void, args: *const StrRef, nargs: usize) -> i32 {
    let sh = shell(ctx);
    let mut v = RVec::new();
    for i in 0..nargs {
        v.push(bytes((*args.add(i)).as_bytes()));
    }
    sh.status.args = v;
    status::OK
}

/// Sets `loglevel` (a name of `level::NAMES`, already validated); the
/// logger's filter follows unless RUST_LOG chose one.
pub fn apply_log_level(sh: &mut Shell, name: &[u8]) -> bool {
    let Some(level) = host::level::by_name(name) else { return false };
    if std::env::var_os("RUST_LOG").is_none() {
        log::set_max_level(match level {
            host::level::ERROR => log::LevelFilter::Error,
            host::level::WARN => log::LevelFilter::Warn,
            host::level::INFO => log::LevelFilter::Info,
            host::level::DEBUG => log::LevelFilter::Debug,
            _ => log::LevelFilter::Trace,
        });
    }
    sh.status.loglevel = bytes(&name.to_ascii_lowercase());
    true
}

unsafe extern "C" fn h_set_log_level(ctx: *mut c_void, name: StrRef) -> i32 {
    if apply_log_level(shell(ctx), name.as_bytes()) {
        status::OK
    } else {
        status::ERROR
    }
}

unsafe extern "C" fn h_set_dir(ctx: *mut c_void, path: StrRef, err: *mut RBytes) -> i32 {
    let sh = shell(ctx);
    let path = std::ffi::OsStr::from_bytes(path.as_bytes());
    match std::env::set_current_dir(path).and_then(|_| std::env::current_dir()) {
        Ok(dir) => {
            sh.status.dir = bytes(dir.as_os_str().as_bytes());
            status::OK
        }
        Err(e) => {
            // strerror's text, as Redis reports a failed chdir.
            let why = e.raw_os_error().map(|n| nix::errno::Errno::from_raw(n).desc().to_string()).unwrap_or(e.to_string());
            (*err).extend_from_slice(why.as_bytes());
            status::ERROR
        }
    }
}

unsafe extern "C" fn h_bio_fsync(ctx: *mut c_void, fd: i32, offset: u64) {
    shell(ctx).bio.submit(Job::Fsync { fd, offset });
}

unsafe extern "C" fn h_bio_close(ctx: *mut c_void, fd: i32) {
    shell(ctx).bio.submit(Job::Close { fd });
}

unsafe extern "C" fn h_bio_status(ctx: *mut c_void, out: *mut BioStatus) {
    out.write(shell(ctx).bio.status());
}

unsafe extern "C" fn h_status(ctx: *mut c_void) -> *const ShellStatus {
    &shell(ctx).status
}

/// Builds the table handed to every logic library.
pub fn host_api(shell: *mut Shell) -> HostApi {
    HostApi {
        abi_version: hotkv_abi::ABI_VERSION,
        _reserved: 0,
        ctx: shell as *mut c_void,
        alloc: h_alloc,
        alloc_zeroed: h_alloc_zeroed,
        dealloc: h_dealloc,
        realloc: h_realloc,
        used_memory: h_used_memory,
        log: h_log,
        log_max_level: h_log_max_level,
        unix_time_us: h_unix_time_us,
        monotonic_us: h_monotonic_us,
        poll: h_poll,
        register: h_register,
        deregister: h_deregister,
        listener_count: h_listener_count,
        accept: h_accept,
        close: h_close,
        request_upgrade: h_request_upgrade,
        status: h_status,
        set_logic_args: h_set_logic_args,
        set_log_level: h_set_log_level,
        set_dir: h_set_dir,
        bio_fsync: h_bio_fsync,
        bio_close: h_bio_close,
        bio_status: h_bio_status,
    }
}

/// Registers the listeners with the poller (tokens above every client slot).
pub fn register_listeners(shell: &mut Shell) -> std::io::Result<()> {
    for (i, l) in shell.listeners.iter_mut().enumerate() {
        shell.poll.registry().register(l, Token((TOKEN_LISTENER_BASE + i as u64) as usize), Interest::READABLE)?;
        log::debug!("listener {i} fd {}", l.as_raw_fd());
    }
    Ok(())
}

pub fn unix_time_us() -> i64 {
    h_unix_time_us()
}
