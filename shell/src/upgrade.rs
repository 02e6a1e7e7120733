//! The upgrade sequence, shell side.
//!
//! 1. `UPGRADE <path>` reaches the logic, which calls `request_upgrade`.
//! 2. A shell thread stages the library ([`crate::loader::load`]: copy,
//!    fsync, dlopen, ABI check) while the loop keeps serving every client.
//! 3. The thread wakes the poller; the logic finishes its batch and returns
//!    from `run` with `YIELD`. The pause starts here.
//! 4. [`adopt`]: the layout check against the state header, then the new
//!    library's `init` with the state. On any failure it is unloaded and the
//!    old version runs again, told why (`UPGRADE_FAILED`).
//! 5. On success the new `run` starts and the pause ends: nothing in it
//!    depends on keys or connections. The old library's `unload` and its
//!    `dlclose` (once most of the pause) run on the background job thread
//!    ([`crate::bio`]): nothing refers to it any more (the state is plain
//!    data), and what its `unload` undoes (panic hook, log filter) is its
//!    own copy of std's and log's globals, which the new library, with
//!    copies of its own, never reads.

use crate::bio::Job;
use crate::host::{bytes, bytes_list, Shell};
use crate::loader::{self, Candidate};
use hotkv_abi::host::{HostApi, ShellStatus, StrRef};
use hotkv_abi::logic::{init_status, InitArgs, RunReason};
use hotkv_abi::state::{StateHeader, STATE_MAGIC};
use hotkv_abi::vec::RBytes;
use parking_lot::Mutex;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::Arc;

/// A finished staging: the candidate or why there is none.
pub struct Staged {
    pub requester: u64,
    pub args: Vec<Vec<u8>>,
    pub result: Result<Candidate, String>,
}

/// Runs stagings on a shell thread, one at a time (HOTSWAP-RULES 3: threads
/// are the shell's; this one never runs logic code but the entry function).
pub struct Stager {
    /// Requester of the latest staging, for a rollback's report.
    pub last_requester: u64,
    /// Private copies no version needs any more (neither running nor the
    /// previous one), deleted by the next staging thread.
    retired: Vec<PathBuf>,
    /// The config file, whose `logic-library` copy is never deleted.
    config_file: Vec<u8>,
    waker: Arc<mio::Waker>,
    done: Arc<Mutex<Option<Staged>>>,
    busy: bool,
    logic_dir: PathBuf,
}

impl Stager {
    pub fn new(waker: mio::Waker, logic_dir: PathBuf, config_file: Vec<u8>) -> Stager {
        Stager { last_requester: 0, retired: Vec::new(), config_file, waker: Arc::new(waker), done: Arc::new(Mutex::new(None)), busy: false, logic_dir }
    }

    /// The waker of the loop's poller (also used by signal handlers).
    pub fn waker(&self) -> Arc<mio::Waker> {
        self.waker.clone()
    }

    pub fn logic_dir(&self) -> &PathBuf {
        &self.logic_dir
    }

    pub fn start(&mut self, path: String, args: Vec<Vec<u8>>, requester: u64) -> Result<(), String> {
        if self.busy {
            return Err("an UPGRADE is already in progress".into());
        }
        self.busy = true;
        self.last_requester = requester;
        let (waker, done, dir) = (self.waker.clone(), self.done.clone(), self.logic_dir.clone());
        let retired = std::mem::take(&mut self.retired);
        let config_file = self.config_file.clone();
        std::thread::Builder::new()
            .name("hotkv-stage".into())
            .spawn(move || {
                for old in retired {
                    if !named_by_config_file(&config_file, old.as_os_str().as_bytes()) {
                        let _ = std::fs::remove_file(old);
                    }
                }
                let result = loader::load(std::path::Path::new(&path), &dir);
                *done.lock() = Some(Staged { requester, args, result });
                if let Err(e) = waker.wake() {
                    log::error!("cannot wake the loop after staging: {e}");
                }
            })
            .map_err(|e| {
                self.busy = false;
                format!("cannot start staging thread: {e}")
            })?;
        Ok(())
    }

    /// Queues a private copy for deletion by the next staging.
    pub fn retire(&mut self, path: PathBuf) {
        self.retired.push(path);
    }

    /// The finished staging, if any.
    pub fn take(&mut self) -> Option<Staged> {
        let s = self.done.lock().take();
        if s.is_some() {
            self.busy = false;
        }
        s
    }
}

/// The library that is running and the arguments it was given.
pub struct Running {
    pub lib: Candidate,
    pub args: Vec<Vec<u8>>,
}

/// Calls a library's `init` with the state (null for a fresh start).
pub fn init(
    host: &HostApi,
    cand: &Candidate,
    state: &mut *mut StateHeader,
    args: &[Vec<u8>],
    config: &[hotkv_abi::logic::Directive],
) -> Result<(), String> {
    let api = cand.api();
    if !state.is_null() {
        // SAFETY: a non-null state pointer always points at a live state.
        let hdr = unsafe { &**state };
        if hdr.magic != STATE_MAGIC {
            return Err("state header is corrupt".into());
        }
        if hdr.layout_version == api.layout_version {
            if hdr.layout_fingerprint != api.layout_fingerprint {
                return Err(format!(
                    "layout mismatch: state layout {} has fingerprint {:016x}, library has {:016x}",
                    hdr.layout_version, hdr.layout_fingerprint, api.layout_fingerprint
                ));
            }
        } else if hdr.layout_version > api.layout_version || hdr.layout_version < api.min_layout_version {
            return Err(format!(
                "layout mismatch: library reads state layouts {}..={}, the state has layout {}",
                api.min_layout_version, api.layout_version, hdr.layout_version
            ));
        }
    }
    let arg_refs: Vec<StrRef> = args.iter().map(|a| StrRef::new(a)).collect();
    let init_args = InitArgs { args: arg_refs.as_ptr(), nargs: arg_refs.len(), config: config.as_ptr(), nconfig: config.len() };
    let mut err = RBytes::new();
    // SAFETY: ABI checked at load; `state` is null or a live state whose
    // layout the library accepts; the call cannot unwind (the library catches).
    let rc = unsafe { (api.init)(host, state, &init_args, &mut err) };
    let msg = String::from_utf8_lossy(&err).into_owned();
    match rc {
        init_status::OK => Ok(()),
        init_status::PANICKED => Err(format!("init panicked: {msg}")),
        _ => Err(format!("init failed: {msg}")),
    }
}

/// Unloads a library that is not (or no longer) running, on the loop thread
/// at start and exit, on the background job thread after a swap.
pub fn unload(cand: Candidate, remove_copy: bool) {
    // SAFETY: nothing of this library runs any more, and nothing outside it
    // points into it (state is plain data); `unload` restores what init set.
    unsafe { (cand.api().unload)() };
    let path = cand.copy_path.clone();
    drop(cand);
    if remove_copy {
        let _ = std::fs::remove_file(&path);
    }
}

fn set_running_status(status: &mut ShellStatus, running: &Running) {
    status.path = bytes(running.lib.copy_path.to_string_lossy().as_bytes());
    status.source_path = bytes(running.lib.source_path.to_string_lossy().as_bytes());
    status.args = bytes_list(&running.args);
    status.loaded_at_unix_us = crate::host::unix_time_us();
}

pub fn record_start(status: &mut ShellStatus, running: &Running) {
    status.generation = 1;
    set_running_status(status, running);
}

/// A reason with nothing to report.
pub fn plain_reason(kind: u32) -> RunReason {
    RunReason { kind, _reserved: 0, requester: 0, pause_us: 0, from_version: RBytes::new(), error: RBytes::new() }
}

/// After the running version panicked in its loop: loads the previous
/// version again (a fresh private copy) and lets it adopt the state. The
/// client that asked for the failed version's upgrade, if still waiting,
/// is told the upgrade failed. None if the previous version cannot be had.
pub fn rollback_after_panic(
    host: &HostApi,
    shell: &mut Shell,
    running: &mut Running,
    state: &mut *mut StateHeader,
    started: std::time::Instant,
) -> Option<RunReason> {
    let failed = running.lib.version.clone();
    let path = std::path::PathBuf::from(String::from_utf8_lossy(&shell.status.previous_path).into_owned());
    let args = shell.status.previous_args.iter().map(|a| a.to_vec()).collect();
    let staged = Staged { requester: shell.stager.last_requester, args, result: loader::load(&path, shell.stager.logic_dir()) };
    let mut why = adopt(host, shell, running, state, staged, started);
    if why.kind != hotkv_abi::logic::reason::UPGRADED {
        log::error!("rollback to {} failed: {}", path.display(), String::from_utf8_lossy(&why.error));
        return None;
    }
    let msg = format!("version {failed} panicked in its event loop; rolled back to {}", running.lib.version);
    log::warn!("{msg}");
    why.kind = hotkv_abi::logic::reason::UPGRADE_FAILED;
    why.error = bytes(msg.as_bytes());
    Some(why)
}

/// Whether the config file's `logic-library` names `path`.
fn named_by_config_file(config_file: &[u8], path: &[u8]) -> bool {
    if config_file.is_empty() {
        return false;
    }
    let mut ds = Vec::new();
    let file = std::path::Path::new(std::ffi::OsStr::from_bytes(config_file));
    // An unreadable file names nothing we could keep it for.
    let _ = crate::config::read_file(file, &mut ds, 0);
    ds.iter().any(|d| d.name == "logic-library" && d.args.first().is_some_and(|a| a.as_slice() == path))
}

/// Steps 4 and 5: adopt a staged library or explain why not. Returns the
/// reason to give the next `run`.
pub fn adopt(
    host: &HostApi,
    shell: &mut Shell,
    running: &mut Running,
    state: &mut *mut StateHeader,
    staged: Staged,
    started: std::time::Instant,
) -> RunReason {
    let mut reason = RunReason {
        kind: hotkv_abi::logic::reason::UPGRADE_FAILED,
        _reserved: 0,
        requester: staged.requester,
        pause_us: 0,
        from_version: RBytes::new(),
        error: RBytes::new(),
    };
    let cand = match staged.result {
        Ok(c) => c,
        Err(e) => {
            shell.status.failed_upgrades += 1;
            log::warn!("UPGRADE refused: {e}");
            reason.error = bytes(e.as_bytes());
            reason.pause_us = started.elapsed().as_micros() as u64;
            return reason;
        }
    };
    if let Err(e) = init(host, &cand, state, &staged.args, &[]) {
        shell.status.failed_upgrades += 1;
        log::warn!("UPGRADE to {} refused: {e}", cand.version);
        // Unloaded here, not on the background thread: a refusal is not
        // a swap to keep short, and when its reply goes out the refused
        // copy is gone (an operator or a test lists the logic directory).
        unload(cand, true);
        reason.error = bytes(e.as_bytes());
        reason.pause_us = started.elapsed().as_micros() as u64;
        return reason;
    }
    let new = Running { lib: cand, args: staged.args };
    let old = std::mem::replace(running, new);
    let old_version = old.lib.version.clone();
    // Only the running copy and the previous one (ROLLBACK's source) are
    // kept: the copy from two versions back is unloaded and nothing names
    // it, unless the config file does (CONFIG REWRITE wrote it as
    // `logic-library`): a restart must find it.
    let stale = std::mem::replace(&mut shell.status.previous_path, bytes(old.lib.copy_path.to_string_lossy().as_bytes()));
    if !stale.is_empty() {
        // Deleted by the next staging, off the loop (unlinking a file of
        // megabytes here would be most of the pause), unless the config
        // file names it by then.
        shell.stager.retire(PathBuf::from(String::from_utf8_lossy(&stale).into_owned()));
    }
    shell.status.previous_version = bytes(old_version.as_bytes());
    // The arguments it ran with last (`set_logic_args` may have changed them).
    shell.status.previous_args = std::mem::take(&mut shell.status.args);
    shell.bio.submit(Job::Unload { lib: old.lib, remove_copy: false });
    set_running_status(&mut shell.status, running);
    shell.status.generation += 1;
    shell.status.upgrades += 1;
    let pause = started.elapsed().as_micros() as u64;
    shell.status.last_pause_us = pause;
    log::info!("upgraded {} -> {} (build {}) in {pause} us", old_version, running.lib.version, running.lib.build_id);
    reason.kind = hotkv_abi::logic::reason::UPGRADED;
    reason.pause_us = pause;
    reason.from_version = bytes(old_version.as_bytes());
    reason
}
