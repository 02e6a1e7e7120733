//! Background jobs on one thread owned by the shell (Redis's `bio.c`).
//!
//! The logic may start no thread (HOTSWAP-RULES 3 and 6), yet some work must
//! not stall its loop: `fdatasync` of a file it appends to, `close` of a file
//! whose last reference frees megabytes, and, for the shell itself, the
//! swapped-out library's `unload` and `dlclose`, which were most of the
//! UPGRADE pause. This thread runs such jobs one at a time, in the order
//! they were submitted: a CLOSE submitted after an FSYNC of the same fd
//! closes it only once the fsync is done.
//!
//! When a job of the logic finishes, the thread writes to an eventfd
//! registered with the shell's poller under [`TOKEN_BIO`], so the logic's
//! loop wakes and reads the outcome with `bio_status`.

use crate::loader::Candidate;
use hotkv_abi::host::{BioStatus, TOKEN_BIO};
use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};
use nix::errno::Errno;
use nix::sys::eventfd::{EfdFlags, EventFd};
use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

pub enum Job {
    /// `fdatasync(fd)`, then `offset` is the fsynced offset (the logic's own
    /// count of bytes written to the file when it submitted the job).
    Fsync { fd: RawFd, offset: u64 },
    /// `close(fd)`.
    Close { fd: RawFd },
    /// A library no version runs any more: its `unload`, then `dlclose`, then
    /// the removal of its private copy when asked.
    Unload { lib: Candidate, remove_copy: bool },
}

struct Queue {
    jobs: VecDeque<Job>,
    /// What `bio_status` reports (its `pending_*` count the logic's jobs,
    /// queued or running; unloads are the shell's and not counted).
    status: BioStatus,
    /// Set by `drain`: the thread runs what is queued, then exits.
    stop: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
    /// Registered with the poller under `TOKEN_BIO`; written once per
    /// finished job of the logic.
    wake: EventFd,
}

pub struct Bio {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Bio {
    /// Starts the thread and registers its wake-up with `registry`.
    pub fn start(registry: &Registry) -> std::io::Result<Bio> {
        let wake = EventFd::from_flags(EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK)?;
        registry.register(&mut SourceFd(&wake.as_raw_fd()), Token(TOKEN_BIO as usize), Interest::READABLE)?;
        let queue = Queue { jobs: VecDeque::new(), status: BioStatus::default(), stop: false };
        let shared = Arc::new(Shared { queue: Mutex::new(queue), ready: Condvar::new(), wake });
        let worker = shared.clone();
        let thread = std::thread::Builder::new().name("hotkv-bio".into()).spawn(move || work(&worker))?;
        Ok(Bio { shared, thread: Some(thread) })
    }

    pub fn submit(&self, job: Job) {
        let mut q = self.shared.queue.lock();
        match job {
            Job::Fsync { .. } => {
                q.status.pending_jobs += 1;
                q.status.pending_fsyncs += 1;
            }
            Job::Close { .. } => q.status.pending_jobs += 1,
            Job::Unload { .. } => {}
        }
        q.jobs.push_back(job);
        drop(q);
        self.shared.ready.notify_one();
    }

    pub fn status(&self) -> BioStatus {
        self.shared.queue.lock().status
    }

    /// Runs every queued job, then stops the thread: at exit, so the last
    /// fsyncs, closes and unloads happen.
    pub fn drain(&mut self) {
        self.shared.queue.lock().stop = true;
        self.shared.ready.notify_one();
        if let Some(t) = self.thread.take() {
            if t.join().is_err() {
                log::error!("the background job thread panicked");
            }
        }
    }
}

fn work(sh: &Shared) {
    lower_priority();
    loop {
        let job = {
            let mut q = sh.queue.lock();
            loop {
                if let Some(job) = q.jobs.pop_front() {
                    break job;
                }
                if q.stop {
                    return;
                }
                sh.ready.wait(&mut q);
            }
        };
        match job {
            Job::Fsync { fd, offset } => {
                let res = nix::unistd::fdatasync(fd);
                let mut q = sh.queue.lock();
                let s = &mut q.status;
                match res {
                    // As Redis: the fd may have been closed (and reused) by
                    // the time the job ran; that is no failed fsync.
                    Ok(()) | Err(Errno::EBADF | Errno::EINVAL) => {
                        s.fsync_errno = 0;
                        s.fsynced_offset = s.fsynced_offset.max(offset);
                    }
                    Err(e) => {
                        if s.fsync_errno == 0 {
                            log::warn!("background fsync of fd {fd} failed: {}", e.desc());
                        }
                        s.fsync_errno = e as i32;
                    }
                }
                s.pending_fsyncs -= 1;
                s.pending_jobs -= 1;
                drop(q);
                wake(&sh.wake);
            }
            Job::Close { fd } => {
                let _ = nix::unistd::close(fd);
                sh.queue.lock().status.pending_jobs -= 1;
                wake(&sh.wake);
            }
            Job::Unload { lib, remove_copy } => {
                let started = Instant::now();
                let version = lib.version.clone();
                crate::upgrade::unload(lib, remove_copy);
                log::debug!("unloaded logic {version} in {} us", started.elapsed().as_micros());
            }
        }
    }
}

/// Puts this thread under `SCHED_BATCH`: the same share of CPU, but a job
/// handed to it never preempts the thread that submitted it. Without it,
/// on a busy machine the scheduler often ran the woken thread on the loop's
/// CPU at once, and the old library's `dlclose` (50-100 us) landed in the
/// very UPGRADE pause it was moved out of.
fn lower_priority() {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: pid 0 is the calling thread; `param` is a valid sched_param.
    if unsafe { libc::sched_setscheduler(0, libc::SCHED_BATCH, &param) } != 0 {
        log::debug!("background job thread keeps its scheduling policy: {}", std::io::Error::last_os_error());
    }
}

/// Wakes the loop's poller. Each write is a new edge for the (edge-triggered)
/// poller; only a counter about to overflow blocks, and is reset first.
fn wake(fd: &EventFd) {
    let res = match fd.write(1) {
        Err(Errno::EAGAIN) => fd.read().and_then(|_| fd.write(1)),
        r => r,
    };
    if let Err(e) = res {
        log::error!("cannot wake the loop after a background job: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mio::{Events, Poll};
    use std::io::Write;
    use std::os::fd::IntoRawFd;
    use std::os::unix::fs::MetadataExt;
    use std::time::Duration;

    /// Polls until `done` holds after a `TOKEN_BIO` wake-up; false after 10 s.
    fn wait_woken(poll: &mut Poll, bio: &Bio, done: impl Fn(&BioStatus) -> bool) -> bool {
        let mut events = Events::with_capacity(16);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            poll.poll(&mut events, Some(Duration::from_millis(100))).unwrap();
            let woken = events.iter().any(|e| e.token() == Token(TOKEN_BIO as usize));
            if woken && done(&bio.status()) {
                return true;
            }
        }
        false
    }

    /// The inode behind `fd`, if it is open.
    fn inode_of(fd: RawFd) -> Option<u64> {
        nix::sys::stat::fstat(fd).ok().map(|s| s.st_ino)
    }

    fn temp_file(tag: &str) -> (std::path::PathBuf, RawFd, u64) {
        let path = std::env::temp_dir().join(format!("hotkv-bio-{tag}-{}", std::process::id()));
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(b"some bytes to fsync").unwrap();
        let ino = f.metadata().unwrap().ino();
        (path, f.into_raw_fd(), ino)
    }

    #[test]
    fn fsync_and_close_report_their_outcome_and_wake_the_poller() {
        let mut poll = Poll::new().unwrap();
        let mut bio = Bio::start(poll.registry()).unwrap();
        assert_eq!(bio.status(), BioStatus::default());
        let (path, fd, ino) = temp_file("jobs");

        bio.submit(Job::Fsync { fd, offset: 19 });
        assert!(wait_woken(&mut poll, &bio, |s| s.pending_jobs == 0), "{:?}", bio.status());
        assert_eq!(bio.status(), BioStatus { fsynced_offset: 19, ..BioStatus::default() });

        // The offset only grows: a job for less data done later lowers nothing.
        bio.submit(Job::Fsync { fd, offset: 7 });
        bio.submit(Job::Close { fd });
        assert!(wait_woken(&mut poll, &bio, |s| s.pending_jobs == 0), "{:?}", bio.status());
        let s = bio.status();
        assert_eq!((s.fsynced_offset, s.pending_fsyncs, s.fsync_errno), (19, 0, 0));
        // Closed: the fd is gone or (reused by another test thread) another file.
        assert_ne!(inode_of(fd), Some(ino), "fd {fd} is still open");

        bio.drain();
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn drain_runs_every_queued_job_before_the_thread_ends() {
        let poll = Poll::new().unwrap();
        let mut bio = Bio::start(poll.registry()).unwrap();
        let (path, fd, ino) = temp_file("drain");
        for offset in 1..=50 {
            bio.submit(Job::Fsync { fd, offset });
        }
        bio.submit(Job::Close { fd });
        bio.drain();
        assert_eq!(bio.status(), BioStatus { fsynced_offset: 50, ..BioStatus::default() });
        assert_ne!(inode_of(fd), Some(ino), "fd {fd} is still open");
        std::fs::remove_file(path).unwrap();
    }
}
