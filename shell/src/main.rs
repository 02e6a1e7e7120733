//! hotkv: the persistent shell process.
//!
//! It binds the listeners, owns the poller, every connection fd and (through
//! its allocator) every byte of state, loads a logic library and lets it run
//! the server. It knows nothing of commands: when the logic returns from
//! `run`, the shell swaps libraries, or exits.

mod alloc;
mod bio;
mod config;
mod host;
mod loader;
mod upgrade;

use hotkv_abi::host::{ShellStatus, StrRef, TOKEN_WAKE};
use hotkv_abi::logic::{outcome, reason, Directive};
use hotkv_abi::state::StateHeader;
use hotkv_abi::vec::{RBytes, RVec};
use std::path::PathBuf;
use std::process::ExitCode;

#[global_allocator]
static GLOBAL: alloc::CountingAlloc = alloc::CountingAlloc;

const USAGE: &str = "Usage: hotkv [/path/to/hotkv.conf] [--port 6379] [--bind 127.0.0.1 ...] [--logic PATH] [--logic-args ARG ...] [--dir DIR] [--<directive> value ...]
       hotkv --version";

/// Settings the shell itself needs; every other directive goes to the logic.
struct ShellConfig {
    port: u16,
    bind: Vec<String>,
    logic: PathBuf,
    logic_args: Vec<Vec<u8>>,
    dir: PathBuf,
    /// `loglevel`, one of `hotkv_abi::host::level::NAMES`.
    loglevel: String,
    /// Listen queue length (Redis's `tcp-backlog`).
    backlog: u32,
    logic_directives: Vec<config::Directive>,
}

fn one_arg(d: &config::Directive) -> Result<String, String> {
    match d.args.as_slice() {
        [a] => Ok(String::from_utf8_lossy(a).into_owned()),
        _ => Err(format!("{}: '{}' takes one argument", d.origin, d.name)),
    }
}

fn shell_config(directives: Vec<config::Directive>) -> Result<ShellConfig, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own executable: {e}"))?;
    let mut c = ShellConfig {
        port: 6379,
        bind: vec!["127.0.0.1".into()],
        logic: exe.with_file_name("libhotkv_logic.so"),
        logic_args: Vec::new(),
        dir: PathBuf::from("."),
        loglevel: "notice".into(),
        backlog: 511,
        logic_directives: Vec::new(),
    };
    for d in directives {
        match d.name.as_str() {
            "port" => c.port = one_arg(&d)?.parse().map_err(|_| format!("{}: invalid port", d.origin))?,
            "bind" if !d.args.is_empty() => c.bind = d.args.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect(),
            "logic-library" => c.logic = PathBuf::from(one_arg(&d)?),
            "logic-args" => c.logic_args = d.args.clone(),
            "dir" => c.dir = PathBuf::from(one_arg(&d)?),
            "tcp-backlog" => c.backlog = one_arg(&d)?.parse().map_err(|_| format!("{}: invalid tcp-backlog", d.origin))?,
            "loglevel" => {
                let name = one_arg(&d)?;
                if hotkv_abi::host::level::by_name(name.as_bytes()).is_none() {
                    return Err(format!("{}: invalid loglevel '{name}'", d.origin));
                }
                c.loglevel = name.to_ascii_lowercase();
            }
            _ => c.logic_directives.push(d),
        }
    }
    Ok(c)
}

fn bind_listeners(c: &ShellConfig) -> Result<Vec<mio::net::TcpListener>, String> {
    let mut out = Vec::new();
    for b in &c.bind {
        let addr = b.trim_start_matches('-');
        let ip: std::net::IpAddr = addr.parse().map_err(|_| format!("invalid bind address '{b}'"))?;
        let sa = std::net::SocketAddr::new(ip, c.port);
        // Through TcpSocket, not TcpListener::bind, for the listen queue: a
        // burst of connections larger than mio's fixed 128 would wait a whole
        // SYN retry (1 s) for a place.
        let bind = || -> nix::Result<mio::net::TcpListener> {
            use nix::sys::socket::{self as so, AddressFamily, SockFlag, SockType};
            let family = if ip.is_ipv4() { AddressFamily::Inet } else { AddressFamily::Inet6 };
            let fd = so::socket(family, SockType::Stream, SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC, None)?;
            so::setsockopt(&fd, so::sockopt::ReuseAddr, &true)?;
            so::bind(std::os::fd::AsRawFd::as_raw_fd(&fd), &so::SockaddrStorage::from(sa))?;
            so::listen(&fd, so::Backlog::new(c.backlog as i32)?)?;
            Ok(mio::net::TcpListener::from_std(std::net::TcpListener::from(fd)))
        };
        out.push(bind().map_err(|e| format!("could not bind {sa}: {e}"))?);
    }
    Ok(out)
}

/// Set by SIGTERM/SIGINT; the loop is woken to act on it.
static SHUTDOWN_SIGNAL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static SIGNAL_WAKER: std::sync::OnceLock<std::sync::Arc<mio::Waker>> = std::sync::OnceLock::new();

extern "C" fn on_shutdown_signal(_: libc::c_int) {
    // Async-signal-safe: an atomic store and the waker's eventfd write.
    SHUTDOWN_SIGNAL.store(true, std::sync::atomic::Ordering::SeqCst);
    if let Some(w) = SIGNAL_WAKER.get() {
        let _ = w.wake();
    }
}

/// SIGTERM and SIGINT stop the server as SHUTDOWN does, as in Redis.
fn install_signal_handlers(waker: std::sync::Arc<mio::Waker>) {
    use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
    let _ = SIGNAL_WAKER.set(waker);
    let action = SigAction::new(SigHandler::Handler(on_shutdown_signal), SaFlags::SA_RESTART, SigSet::empty());
    for sig in [Signal::SIGTERM, Signal::SIGINT] {
        // SAFETY: the handler only does async-signal-safe work (see above).
        if let Err(e) = unsafe { sigaction(sig, &action) } {
            log::warn!("cannot handle {sig}: {e}");
        }
    }
}

/// Raises the open-files limit so `maxclients` connections fit (Redis's
/// `adjustOpenFilesLimit`): the soft limit goes up to the hard limit.
fn raise_fd_limit() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_err() {
            log::warn!("could not raise the open files limit from {soft} to {hard}");
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.iter().any(|a| a == "--version" || a == "-v") {
        println!("hotkv shell v{} abi={} layout={}", env!("CARGO_PKG_VERSION"), hotkv_abi::ABI_VERSION, hotkv_abi::LAYOUT_VERSION);
        return Ok(ExitCode::SUCCESS);
    }
    if argv.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return Ok(ExitCode::SUCCESS);
    }
    let (config_file, directives) = config::from_command_line(&argv)?;
    let cfg = shell_config(directives)?;
    // The library path is resolved before changing directory, like a path typed in a shell.
    let logic_source = std::fs::canonicalize(&cfg.logic).unwrap_or_else(|_| cfg.logic.clone());
    let config_file = config_file.map(|f| std::fs::canonicalize(&f).unwrap_or(f));
    let config_file_bytes = config_file.map(|f| f.to_string_lossy().into_owned()).unwrap_or_default().into_bytes();
    std::env::set_current_dir(&cfg.dir).map_err(|e| format!("can't chdir to '{}': {e}", cfg.dir.display()))?;
    let dir = std::env::current_dir().map_err(|e| e.to_string())?;

    raise_fd_limit();
    let listeners = bind_listeners(&cfg)?;
    let port = listeners.first().and_then(|l| l.local_addr().ok()).map(|a| a.port()).unwrap_or(cfg.port);
    let poll = mio::Poll::new().map_err(|e| format!("cannot create poller: {e}"))?;
    let waker = mio::Waker::new(poll.registry(), mio::Token(TOKEN_WAKE as usize)).map_err(|e| e.to_string())?;
    let bio = bio::Bio::start(poll.registry()).map_err(|e| format!("cannot start the background job thread: {e}"))?;
    let status = ShellStatus {
        pid: std::process::id(),
        port: port as u32,
        bind: host::bytes_list(&cfg.bind),
        config_file: host::bytes(&config_file_bytes),
        executable: host::bytes(std::env::current_exe().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default().as_bytes()),
        dir: host::bytes(dir.to_string_lossy().as_bytes()),
        generation: 0,
        upgrades: 0,
        failed_upgrades: 0,
        last_pause_us: 0,
        loaded_at_unix_us: 0,
        path: RBytes::new(),
        source_path: RBytes::new(),
        args: RVec::new(),
        previous_path: RBytes::new(),
        previous_version: RBytes::new(),
        previous_args: RVec::new(),
        upgrade_in_progress: 0,
        _reserved: 0,
        loglevel: RBytes::new(),
    };
    let shell = Box::into_raw(Box::new(host::Shell {
        poll,
        events: mio::Events::with_capacity(hotkv_abi::host::EVENT_BATCH),
        listeners,
        status,
        stager: upgrade::Stager::new(waker, dir.join("logic"), config_file_bytes.clone()),
        bio,
    }));
    // SAFETY: `shell` lives until the process exits; the shell touches it
    // only between calls into the logic, the logic only during them.
    let sh = unsafe { &mut *shell };
    host::apply_log_level(sh, cfg.loglevel.as_bytes());
    host::register_listeners(sh).map_err(|e| format!("cannot register listeners: {e}"))?;
    let host_api = Box::leak(Box::new(host::host_api(shell)));

    let lib = loader::load(&logic_source, sh.stager.logic_dir())?;
    log::info!("logic {} (build {}) from {}", lib.version, lib.build_id, lib.copy_path.display());
    // Directives for the logic, as StrRefs borrowing `cfg` for the init call.
    let argvs: Vec<Vec<StrRef>> = cfg
        .logic_directives
        .iter()
        .map(|d| std::iter::once(StrRef::new(d.name.as_bytes())).chain(d.args.iter().map(|a| StrRef::new(a))).collect())
        .collect();
    let directives: Vec<Directive> = cfg
        .logic_directives
        .iter()
        .zip(&argvs)
        .map(|(d, argv)| Directive { argv: argv.as_ptr(), argc: argv.len(), origin: StrRef::new(d.origin.as_bytes()) })
        .collect();
    let mut state: *mut StateHeader = std::ptr::null_mut();
    if let Err(e) = upgrade::init(host_api, &lib, &mut state, &cfg.logic_args, &directives) {
        upgrade::unload(lib, true);
        return Err(e);
    }
    let mut running = upgrade::Running { lib, args: cfg.logic_args.clone() };
    upgrade::record_start(&mut sh.status, &running);
    log::info!("ready to accept connections on {} port {port}", cfg.bind.join(" "));

    let mut why = upgrade::plain_reason(reason::START);
    // Whether the running version came from an automatic rollback: a
    // version we rolled back to gets no second rollback (no ping-pong).
    let mut rolled_back = false;
    install_signal_handlers(sh.stager.waker());
    let code = loop {
        // SAFETY: the library is loaded and initialised with this state.
        let out = unsafe { (running.lib.api().run)(state, &why) };
        let started = std::time::Instant::now();
        match out {
            // The signal is taken (the flag cleared) when the library is
            // told: a library that cannot shut down (its final save failed)
            // goes on serving, as Redis does, and the next signal tries again.
            outcome::YIELD if SHUTDOWN_SIGNAL.swap(false, std::sync::atomic::Ordering::SeqCst) => {
                log::info!("received a shutdown signal, scheduling shutdown");
                why = upgrade::plain_reason(reason::SHUTDOWN);
            }
            outcome::YIELD => {
                sh.status.upgrade_in_progress = 0;
                why = match sh.stager.take() {
                    Some(staged) => {
                        rolled_back = false;
                        upgrade::adopt(host_api, sh, &mut running, &mut state, staged, started)
                    }
                    None => upgrade::plain_reason(reason::RESUMED),
                };
            }
            outcome::SHUTDOWN => {
                log::info!("shutting down");
                upgrade::unload(running.lib, false);
                break ExitCode::SUCCESS;
            }
            _ => {
                log::error!("logic {} stopped after a panic in its event loop", running.lib.version);
                // Like cr.h: a version that crashes gives way to the one before
                // it, which adopts the state and serves on. Once only.
                if rolled_back || sh.status.previous_path.is_empty() {
                    break ExitCode::FAILURE;
                }
                match upgrade::rollback_after_panic(host_api, sh, &mut running, &mut state, started) {
                    Some(r) => {
                        rolled_back = true;
                        why = r;
                    }
                    None => break ExitCode::FAILURE,
                }
            }
        }
    };
    // The logic's last fsyncs and closes, and the unloads of the versions
    // swapped out, are done before the process exits.
    sh.bio.drain();
    Ok(code)
}

fn main() -> ExitCode {
    // Without RUST_LOG the logger lets everything through and `loglevel`
    // (config file, CONFIG SET) is the one filter, through `log::set_max_level`;
    // RUST_LOG, for debugging, filters by target and wins over `loglevel`.
    let mut logger = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("trace"));
    logger.format_timestamp_millis().init();
    if std::env::var_os("RUST_LOG").is_none() {
        log::set_max_level(log::LevelFilter::Info);
    }
    match run() {
        Ok(code) => code,
        Err(e) => {
            // Printed, not logged: a refused start must be visible whatever
            // the log level.
            eprintln!("hotkv: {e}");
            ExitCode::FAILURE
        }
    }
}
