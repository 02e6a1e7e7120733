//! The server: state creation and adoption (`init`), the event loop (`run`)
//! and the periodic tasks (`cron`), as Redis's `server.c`.

use crate::host::{self, host};
use crate::{blocking, config, expire, networking, upgrade};
use hotkv_abi::host::{Event, EVENT_BATCH, TOKEN_BIO, TOKEN_LISTENER_BASE, TOKEN_WAKE};
use hotkv_abi::logic::{outcome, InitArgs, RunReason};
use hotkv_abi::state::{Db, ServerState, StateHeader, Stats, STATE_MAGIC};
use hotkv_abi::dict::RDict;
use hotkv_abi::vec::RVec;

/// The Redis version hotkv answers as (INFO, HELLO).
pub const REDIS_VERSION: &str = "7.0.15";

/// The loop's view of the server: the state plus things that live only for
/// one `run` call (buffers, flags). Dropped before `run` returns, so nothing
/// of it outlives this library.
pub struct Server<'a> {
    pub st: &'a mut ServerState,
    /// This version's typed settings, read from `st.settings` at the start
    /// of `run`; CONFIG SET changes both.
    pub cfg: crate::config::Config,
    /// The ACL users compiled from `st.users` (rebuilt per `run` and after
    /// every change).
    pub acl: crate::acl::Acl,
    /// Wall clock in ms, read once per loop iteration (Redis's cached clock):
    /// the commands of one batch see one time, and the clock costs one call
    /// per iteration rather than one per command.
    pub now_ms: i64,
    /// The shell woke us: an upgrade is staged; return at the end of this iteration.
    pub yield_now: bool,
    pub shutdown: bool,
    pub scratch_ranges: Vec<(usize, usize)>,
    pub scratch_inline: Vec<Vec<u8>>,
    /// Keyspace notifications queued by the running command ([`crate::notify`]).
    pub events: Vec<crate::notify::Event>,
    /// Keys created while clients were blocked on them, by database, in
    /// the order they were created: served after the command that made them.
    pub ready_keys: Vec<(u32, Vec<u8>)>,
    /// The ready key a blocked command is run again for (None otherwise).
    pub serving_key: Option<Vec<u8>>,
    /// The nearest deadline of a blocked client (0: none), None when it
    /// must be recomputed (see `blocking::nearest_deadline`).
    pub next_deadline: Option<i64>,
    /// Dispatch index of the command table (rebuilt per `run`: it points
    /// into this library and must not outlive it).
    pub commands: crate::commands::CommandIndex,
    /// Watched keys modified by the running command (or expire cycle),
    /// waiting for `multi::apply_touches`; empty between commands.
    pub touched: Vec<crate::multi::Touch>,
    /// Operations queued by the running command ([`crate::propagate`]).
    pub prop: crate::propagate::Pending,
    /// Encoded operations not yet written to the AOF ([`crate::aof`]):
    /// written before any reply of the iteration goes out.
    pub aof_buf: Vec<u8>,
    /// Clients whose replies wait for `aof_buf` to be written
    /// (`networking::finish_waiting`).
    pub aof_waiting: Vec<u32>,
    /// The errno of the job thread's last AOF fsync, 0 if it succeeded
    /// ([`crate::aof_fsync::on_bio`]).
    pub bio_fsync_errno: i32,
    /// The highest AOF offset a background fsync was asked for by this
    /// version (0 after a swap: at worst one fsync too many is asked).
    pub fsync_requested: u64,
    /// Commands read from the AOF are running (Redis's `server.loading`):
    /// keys do not expire and nothing is propagated (`aof_load`).
    pub loading: bool,
}

impl<'a> Server<'a> {
    /// The loop's view of `st` with this version's settings `cfg`.
    pub fn new(st: &'a mut ServerState, cfg: crate::config::Config) -> Server<'a> {
        let acl = crate::acl::load(st, &cfg.requirepass);
        Server {
            st,
            cfg,
            acl,
            now_ms: host::unix_ms(),
            yield_now: false,
            shutdown: false,
            scratch_ranges: Vec::new(),
            scratch_inline: Vec::new(),
            events: Vec::new(),
            ready_keys: Vec::new(),
            serving_key: None,
            next_deadline: None,
            commands: crate::commands::CommandIndex::new(),
            touched: Vec::new(),
            loading: false,
            prop: crate::propagate::Pending::default(),
            aof_buf: Vec::new(),
            aof_waiting: Vec::new(),
            bio_fsync_errno: 0,
            fsync_requested: 0,
        }
    }

    #[inline]
    pub fn refresh_clock(&mut self) {
        self.now_ms = host::unix_ms();
    }

    /// Redis's LRU clock: seconds, 24 bits.
    pub fn lru_clock(&self) -> u32 {
        ((self.now_ms / 1000) as u32) & 0x00ff_ffff
    }
}

fn random_seed() -> u64 {
    let mut b = [0u8; 8];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = std::io::Read::read_exact(&mut f, &mut b);
    }
    u64::from_le_bytes(b) ^ host::monotonic_us() ^ ((std::process::id() as u64) << 32)
}

fn new_state(cfg: &crate::config::Config) -> ServerState {
    let seed = random_seed();
    let mut dbs = RVec::with_capacity(cfg.databases as usize);
    for i in 0..cfg.databases as u64 {
        dbs.push(Db::new(seed.rotate_left(i as u32) ^ i));
    }
    ServerState {
        header: StateHeader::current(),
        dbs,
        clients: RVec::new(),
        free_slots: RVec::new(),
        pending: RVec::new(),
        next_client_id: 1,
        // SAFETY: Stats is all integers; zero is its initial value.
        stats: unsafe { std::mem::zeroed::<Stats>() },
        rng: seed ^ 0x5DEE_CE66,
        hash_seed: seed,
        start_unix_ms: host::unix_ms(),
        persist: hotkv_abi::state::PersistState::new(host::unix_ms() / 1000),
        upgrade_waiter: 0,
        cronloops: 0,
        last_cron_us: 0,
        shutdown_asap: 0,
        _reserved: 0,
        settings: RVec::new(),
        blocked: RVec::new(),
        pubsub_channels: RDict::new(seed ^ 0xc4a1),
        pubsub_patterns: RDict::new(seed ^ 0x9a77),
        pause_end_ms: 0,
        pause_kind: hotkv_abi::state::pause::NONE,
        _reserved2: 0,
        users: RVec::new(),
        aof: hotkv_abi::state::AofState::new(),
        total_forks: 0,
        cow: hotkv_abi::state::CowState::default(),
    }
}

/// Creates the state (first start) or adopts the one handed over, then
/// applies the library's arguments. Fails without changing an adopted state.
pub fn init(state: &mut *mut StateHeader, args: &InitArgs) -> Result<(), String> {
    // SAFETY: the shell passes `nargs` valid StrRefs for this call.
    let logic_args: Vec<&[u8]> = (0..args.nargs).map(|i| unsafe { (*args.args.add(i)).as_bytes() }).collect();
    if state.is_null() {
        let mut cfg = config::defaults();
        let mut set = Vec::new();
        for i in 0..args.nconfig {
            // SAFETY: as above, for the directives and their words.
            let d = unsafe { &*args.config.add(i) };
            let words: Vec<&[u8]> = (0..d.argc).map(|j| unsafe { (*d.argv.add(j)).as_bytes() }).collect();
            let origin = String::from_utf8_lossy(unsafe { d.origin.as_bytes() }).into_owned();
            set.push(config::apply_directive(&mut cfg, &words, true).map_err(|e| {
                let line: Vec<String> = words.iter().map(|w| String::from_utf8_lossy(w).into_owned()).collect();
                format!("config error at {origin}: >>> '{}': {e}", line.join(" "))
            })?);
        }
        set.extend(config::apply_args(&mut cfg, &logic_args)?);
        let mut st = Box::new(new_state(&cfg));
        for name in set {
            config::record(&mut st.settings, &cfg, name);
        }
        // As Redis 7.0's `loadDataFromDisk`: with appendonly the AOF is
        // the data, and the RDB file is not read even when there is no AOF;
        // then the AOF is opened for append (made first if there is none).
        if cfg.appendonly {
            crate::aof_load::load_at_start(&mut st, cfg.clone())?;
            crate::aof::open_at_start(&mut st, &cfg)?;
        } else {
            let seed = st.hash_seed;
            crate::persist::load_at_start(st.dbs.as_mut_slice(), &cfg, seed)?;
        }
        *state = Box::into_raw(st) as *mut StateHeader;
        return Ok(());
    }
    // SAFETY: the shell checked the header: our layout, or an older one
    // within `MIN_LAYOUT_VERSION` (which `migrate` re-checks).
    if unsafe { (**state).layout_version } < hotkv_abi::LAYOUT_VERSION {
        let mut m = unsafe { crate::migrate::migrate(*state) }?;
        // On error `m` drops: the old root, untouched, keeps serving.
        config::adopt(m.state(), &logic_args)?;
        *state = m.commit();
        log::info!("state migrated to layout {}", hotkv_abi::LAYOUT_VERSION);
        return Ok(());
    }
    // SAFETY: same version and fingerprint (checked by the shell): our `ServerState`.
    let st = unsafe { &mut *(*state as *mut ServerState) };
    debug_assert_eq!(st.header.magic, STATE_MAGIC);
    config::adopt(st, &logic_args).map(|_| ())
}

/// Runs the event loop until shutdown or a staged upgrade.
pub fn run(st: &mut ServerState, why: &RunReason) -> u32 {
    // `init` checked every value of the list, and CONFIG SET records only
    // values it checked: the list always reads.
    let cfg = config::load(st).expect("settings checked by init");
    let mut srv = Server::new(st, cfg);
    srv.prop.on = crate::aof::enabled(srv.st);
    crate::aof_fsync::on_bio(&mut srv);
    if why.kind == hotkv_abi::logic::reason::SHUTDOWN {
        log::info!("user requested shutdown (signal)");
        // As Redis on SIGTERM: save first when save points are set; if
        // that fails the server keeps running (the shell asks again on the
        // next signal).
        let save = !srv.cfg.save_params.is_empty();
        if crate::bgsave::finish_shutdown(&mut srv, save, false) {
            crate::aof::before_return(&mut srv, true);
            return outcome::SHUTDOWN;
        }
    }
    upgrade::on_run(&mut srv, why);
    // A new version's arguments may have changed `appendonly`.
    if let Err(e) = crate::aof::follow_setting(&mut srv) {
        log::warn!("Unable to turn on AOF: {e}");
    }
    let h = host();
    let mut events = vec![Event::default(); EVENT_BATCH];
    loop {
        let timeout = if srv.st.pending.is_empty() { ms_until_cron(&srv) } else { 0 };
        let timeout = blocking::ms_until_deadline(&mut srv).map_or(timeout, |d| d.min(timeout as i64) as i32);
        let timeout = crate::client::ms_until_pause_end(&srv).map_or(timeout, |d| d.min(timeout as i64) as i32);
        // SAFETY: `events` has EVENT_BATCH writable slots.
        let n = unsafe { (h.poll)(h.ctx, events.as_mut_ptr(), events.len(), timeout) };
        srv.refresh_clock();
        for ev in &events[..n.max(0) as usize] {
            match ev.token {
                TOKEN_WAKE => srv.yield_now = true,
                // A background fsync or close finished: its outcome may
                // answer WAITAOF clients.
                TOKEN_BIO => crate::aof_fsync::on_bio(&mut srv),
                t if t >= TOKEN_LISTENER_BASE => networking::accept_all(&mut srv, (t - TOKEN_LISTENER_BASE) as u32),
                slot => networking::on_event(&mut srv, slot, ev.flags),
            }
        }
        networking::process_pending(&mut srv);
        blocking::expire_timeouts(&mut srv);
        crate::client::end_pause_if_due(&mut srv);
        if host::monotonic_us() >= srv.st.last_cron_us + cron_period_us(&srv) {
            cron(&mut srv);
        }
        if !srv.aof_waiting.is_empty() {
            networking::finish_waiting(&mut srv);
        }
        if srv.shutdown {
            crate::aof::before_return(&mut srv, true);
            return outcome::SHUTDOWN;
        }
        if srv.yield_now {
            crate::aof::before_return(&mut srv, false);
            networking::requeue_waiting(&mut srv);
            return outcome::YIELD;
        }
    }
}

fn cron_period_us(srv: &Server) -> u64 {
    1_000_000 / srv.cfg.hz.max(1) as u64
}

fn ms_until_cron(srv: &Server) -> i32 {
    let next = srv.st.last_cron_us + cron_period_us(srv);
    let now = host::monotonic_us();
    (next.saturating_sub(now) / 1000 + 1).min(1000) as i32
}

/// Periodic work at `hz` (Redis's `serverCron`).
fn cron(srv: &mut Server) {
    srv.st.last_cron_us = host::monotonic_us();
    srv.st.cronloops += 1;
    accept_cron(srv);
    sample_ops(srv);
    clients_cron(srv);
    expire::active_expire_cycle(srv);
    databases_cron(srv);
    crate::bgsave::cron(srv);
    crate::aof::cron(srv);
}

/// Listeners are edge-triggered: a connection left in the queue (accept
/// failed for lack of fds, say) raises no new event. One accept call per
/// listener per tick picks such connections up; it costs an EAGAIN when
/// there are none.
fn accept_cron(srv: &mut Server) {
    let h = host();
    // SAFETY: a plain query of the shell.
    for i in 0..unsafe { (h.listener_count)(h.ctx) } {
        networking::accept_all(srv, i);
    }
}

/// Samples the command counter for `instantaneous_ops_per_sec` (every 100 ms).
fn sample_ops(srv: &mut Server) {
    let s = &mut srv.st.stats;
    let elapsed = srv.now_ms - s.ops_last_sample_ms;
    if elapsed < 100 {
        return;
    }
    let ops = s.total_commands_processed - s.ops_last_sample_count;
    let idx = (s.ops_sample_idx % s.ops_samples.len() as u64) as usize;
    s.ops_samples[idx] = if s.ops_last_sample_ms == 0 { 0 } else { ops * 1000 / elapsed.max(1) as u64 };
    s.ops_sample_idx += 1;
    s.ops_last_sample_ms = srv.now_ms;
    s.ops_last_sample_count = s.total_commands_processed;
}

/// Closes clients idle for longer than `timeout`.
fn clients_cron(srv: &mut Server) {
    let timeout_ms = srv.cfg.timeout_s as i64 * 1000;
    if timeout_ms == 0 {
        return;
    }
    let mut idle = Vec::new();
    networking::for_each_client(srv, |p| {
        // SAFETY: live client pointer; read-only access, nobody else holds it.
        let c = unsafe { &*p };
        if srv.now_ms - c.last_interaction_ms > timeout_ms && c.flags & (hotkv_abi::state::client_flag::BLOCKED_UPGRADE | hotkv_abi::state::client_flag::BLOCKED) == 0 {
            idle.push(c.slot);
        }
    });
    for slot in idle {
        networking::free_client(srv, slot);
    }
}

/// Shrinks mostly-empty tables and moves rehashing along for up to 1 ms per
/// database (Redis's `databasesCron`), so tables that see no traffic finish.
fn databases_cron(srv: &mut Server) {
    for db in srv.st.dbs.iter_mut() {
        if db.dict.needs_shrink() {
            db.dict.resize(db.dict.len() as u64);
        }
        if db.dict.is_rehashing() {
            let start = host::monotonic_us();
            while db.dict.rehash(100) && host::monotonic_us() - start < 1000 {}
        }
    }
}
