//! The swap-surviving server state: everything a logic version hands to the
//! next one. Plain `#[repr(C)]` data only (HOTSWAP-RULES 2): no function
//! pointers, no std collections, no references into a library. Its layout is
//! identified by [`crate::LAYOUT_VERSION`] and [`crate::layout::LAYOUT_FINGERPRINT`],
//! recorded in the [`StateHeader`] it starts with.

use crate::clientlist::ClientList;
use crate::dict::RDict;
use crate::object::{KeyEntry, NO_EXPIRE, NO_VIDX};
use crate::vec::{RBytes, RVec};

/// "HOTKVST\0": marks memory that really is a server state.
pub const STATE_MAGIC: u64 = u64::from_le_bytes(*b"HOTKVST\0");

/// The first bytes of the state. The shell reads nothing else of it: it
/// compares these fields with what a new library declares before handing the
/// state over, so a shell built long ago can still host a newer layout.
#[repr(C)]
pub struct StateHeader {
    pub magic: u64,
    pub layout_version: u32,
    pub _reserved: u32,
    pub layout_fingerprint: u64,
}

impl StateHeader {
    /// The header of a state written with the given layout.
    pub const fn new(layout_version: u32, layout_fingerprint: u64) -> StateHeader {
        StateHeader { magic: STATE_MAGIC, layout_version, _reserved: 0, layout_fingerprint }
    }

    /// The header of a state of the current layout.
    pub const fn current() -> StateHeader {
        StateHeader::new(crate::LAYOUT_VERSION, crate::layout::LAYOUT_FINGERPRINT)
    }
}

/// One setting of the logic as plain text (layout 3): what crosses an
/// upgrade. Since layout 7 it is the only record of the settings: each
/// version reads the list into typed settings of its own (so a version can
/// add settings without a layout change). A newer version with more
/// settings reads the same list; a name it does not know is kept, not
/// applied.
#[repr(C)]
pub struct SettingValue {
    /// Lower-case setting name.
    pub name: RBytes,
    /// The value as CONFIG GET shows it.
    pub value: RBytes,
}

/// Counters reported by INFO stats.
#[repr(C)]
pub struct Stats {
    pub total_connections_received: u64,
    pub total_commands_processed: u64,
    pub rejected_connections: u64,
    pub expired_keys: u64,
    pub evicted_keys: u64,
    pub keyspace_hits: u64,
    pub keyspace_misses: u64,
    pub net_input_bytes: u64,
    pub net_output_bytes: u64,
    pub total_error_replies: u64,
    pub expire_cycle_cpu_us: u64,
    /// `read` and `write` calls on client sockets (layout 2).
    pub total_reads_processed: u64,
    pub total_writes_processed: u64,
    /// Ring of ops/sec samples for `instantaneous_ops_per_sec`.
    pub ops_samples: [u64; 16],
    pub ops_sample_idx: u64,
    pub ops_last_sample_ms: i64,
    pub ops_last_sample_count: u64,
}

/// One of the numbered databases.
#[repr(C)]
pub struct Db {
    pub dict: RDict<KeyEntry>,
    /// Every key with an expiry, for sampling by the active expire cycle;
    /// each entry's `vidx` is its position here.
    pub volatile: RVec<*mut KeyEntry>,
    pub avg_ttl_ms: u64,
    /// Keys that blocked clients wait on (layout 7), each with its clients
    /// in the order they blocked.
    pub blocking_keys: RDict<ClientList>,
    /// WATCHed keys (layout 7), each with the clients watching it.
    pub watched_keys: RDict<ClientList>,
}

impl Db {
    pub fn new(seed: u64) -> Db {
        Db {
            dict: RDict::new(seed),
            volatile: RVec::new(),
            avg_ttl_ms: 0,
            blocking_keys: RDict::new(seed ^ 0xb10c),
            watched_keys: RDict::new(seed ^ 0x3a7c),
        }
    }

    /// Sets or replaces the expiry of a key that is in this database.
    ///
    /// # Safety
    /// `e` is a live entry of this database's dict.
    pub unsafe fn set_expire(&mut self, e: *mut KeyEntry, when_ms: i64) {
        if (*e).vidx == NO_VIDX {
            (*e).vidx = self.volatile.len() as u32;
            self.volatile.push(e);
        }
        (*e).expire_ms = when_ms;
    }

    /// Removes the expiry of a key of this database, if it has one.
    ///
    /// # Safety
    /// `e` is a live entry of this database's dict.
    pub unsafe fn remove_expire(&mut self, e: *mut KeyEntry) -> bool {
        let idx = (*e).vidx;
        if idx == NO_VIDX {
            return false;
        }
        self.volatile.swap_remove(idx as usize);
        if (idx as usize) < self.volatile.len() {
            (*self.volatile[idx as usize]).vidx = idx;
        }
        (*e).vidx = NO_VIDX;
        (*e).expire_ms = NO_EXPIRE;
        true
    }

    /// Unlinks `key` from the dict and the expiry index; the caller frees it.
    pub fn unlink(&mut self, key: &[u8]) -> *mut KeyEntry {
        let h = self.dict.hash(key);
        let e = self.dict.remove(key, h);
        if !e.is_null() {
            // SAFETY: `e` was just unlinked from this database and is live.
            unsafe { self.remove_expire(e) };
        }
        e
    }

    /// Frees every key.
    pub fn clear(&mut self) {
        self.volatile.clear();
        self.volatile.shrink_to(0);
        // SAFETY: each node is out of the (cleared) expiry index and is freed once.
        self.dict.clear(|e| unsafe { KeyEntry::free(e) });
    }
}

/// Client flags (`Client::flags`).
pub mod client_flag {
    /// The socket may hold unread bytes (edge-triggered readiness recorded).
    pub const READABLE: u32 = 1 << 0;
    /// The socket accepted our last write in full; writing may go on.
    pub const WRITABLE: u32 = 1 << 1;
    /// The client's slot is in `ServerState::pending`.
    pub const PENDING: u32 = 1 << 2;
    /// Close once the reply buffer is written (QUIT, protocol errors).
    pub const CLOSE_AFTER_REPLY: u32 = 1 << 3;
    /// Close at the next opportunity, dropping any unsent reply.
    pub const CLOSE_ASAP: u32 = 1 << 4;
    /// Waiting for the outcome of an UPGRADE it asked for: input is not read.
    pub const BLOCKED_UPGRADE: u32 = 1 << 5;
    /// In MULTI: commands are queued in `Client::mstate` (layout 7).
    pub const MULTI: u32 = 1 << 6;
    /// A WATCHed key was touched: the next EXEC fails.
    pub const DIRTY_CAS: u32 = 1 << 7;
    /// A command failed to queue: the next EXEC fails with EXECABORT.
    pub const DIRTY_EXEC: u32 = 1 << 8;
    /// Blocked on keys (BLPOP and co.) or postponed by CLIENT PAUSE: its
    /// command waits in `Client::bstate`, its id in `ServerState::blocked`.
    pub const BLOCKED: u32 = 1 << 9;
    /// Authenticated as `Client::user`.
    pub const AUTHENTICATED: u32 = 1 << 10;
    /// CLIENT REPLY OFF / SKIP (the next command only) / the current
    /// command is the skipped one.
    pub const REPLY_OFF: u32 = 1 << 11;
    pub const REPLY_SKIP_NEXT: u32 = 1 << 12;
    pub const REPLY_SKIP: u32 = 1 << 13;
    /// CLIENT NO-EVICT on.
    pub const NO_EVICT: u32 = 1 << 14;
}

/// A queued MULTI and the keys WATCHed (Redis's `multiState` and
/// `watched_keys`), layout 7.
#[repr(C)]
#[derive(Default)]
pub struct MultiState {
    /// The commands queued since MULTI, each as its arguments.
    pub commands: RVec<RVec<RBytes>>,
    pub watched: RVec<WatchedKey>,
}

/// A key a client WATCHes: also listed under the key in its database's
/// `watched_keys`.
#[repr(C)]
pub struct WatchedKey {
    pub key: RBytes,
    pub db: u32,
    /// 1 if the key had already expired (but was not yet deleted) when
    /// WATCHed: its expiry then is no change (Redis 7.0's
    /// `watchedKey.expired`). Was `_reserved` (always 0): same layout.
    pub expired: u32,
}

/// What a blocked client waits for (Redis's `blockingState`), layout 7.
/// The command itself is kept whole and run again when one of its keys is
/// ready (as Redis 7.2 re-processes blocked commands), so a new version
/// serves a client that an old one blocked without knowing how it blocked.
#[repr(C)]
#[derive(Default)]
pub struct BlockState {
    pub argv: RVec<RBytes>,
    /// Unix ms at which the block times out; 0 = never.
    pub deadline_ms: i64,
}

/// Channels and patterns a client is subscribed to, in subscription order;
/// each also lists the client in `ServerState::pubsub_channels` /
/// `pubsub_patterns`. Layout 7.
#[repr(C)]
#[derive(Default)]
pub struct PubSubState {
    pub channels: RVec<RBytes>,
    pub patterns: RVec<RBytes>,
}

/// A client connection. The shell owns the fd; this is all the per-client
/// state, so a swap moves nothing per connection.
#[repr(C)]
pub struct Client {
    pub id: u64,
    pub fd: i32,
    /// Index in `ServerState::clients`, also the readiness token.
    pub slot: u32,
    pub flags: u32,
    pub db: u32,
    /// RESP protocol version: 2, or 3 after HELLO 3.
    pub resp: u32,
    /// Unix seconds at which the unsent reply first passed its class's
    /// soft `client-output-buffer-limit` (0: below it), Redis's
    /// `obuf_soft_limit_reached_time`. Was `_reserved` (always 0, "below
    /// the limit"): same layout.
    pub obuf_soft_limit_reached_time: u32,
    pub ctime_ms: i64,
    pub last_interaction_ms: i64,
    /// Received bytes; `qpos` is where parsing resumes.
    pub qbuf: RBytes,
    pub qpos: u64,
    /// Total `qbuf` length below which the pending command cannot be complete
    /// (known once a bulk length is parsed): no re-parse until it is reached.
    pub qneed: u64,
    /// Reply bytes; `sentpos` of them are already written to the socket.
    pub reply: RBytes,
    pub sentpos: u64,
    pub name: RBytes,
    pub addr: RBytes,
    pub laddr: RBytes,
    /// Lower-case name of the last command run (`cmd=` of CLIENT LIST).
    pub last_cmd: RBytes,
    pub commands: u64,
    /// The user it is authenticated as, when `AUTHENTICATED` (layout 7).
    pub user: RBytes,
    pub mstate: MultiState,
    pub bstate: BlockState,
    pub pubsub: PubSubState,
}

impl Client {
    /// A client as a connection (or the AOF loader) starts it: database 0,
    /// RESP2, user `default`, no name, nothing read, queued or subscribed.
    pub fn new(id: u64, fd: i32, slot: u32, flags: u32, now_ms: i64, addr: RBytes, laddr: RBytes) -> Client {
        Client {
            id,
            fd,
            slot,
            flags,
            db: 0,
            resp: 2,
            obuf_soft_limit_reached_time: 0,
            ctime_ms: now_ms,
            last_interaction_ms: now_ms,
            qbuf: RBytes::new(),
            qpos: 0,
            qneed: 0,
            reply: RBytes::new(),
            sentpos: 0,
            name: RBytes::new(),
            addr,
            laddr,
            last_cmd: RBytes::from_slice(b"NULL"),
            commands: 0,
            user: RBytes::from_slice(b"default"),
            mstate: MultiState::default(),
            bstate: BlockState::default(),
            pubsub: PubSubState::default(),
        }
    }
}

/// The root of all swap-surviving state.
#[repr(C)]
pub struct ServerState {
    pub header: StateHeader,
    pub dbs: RVec<Db>,
    /// Clients by slot; null = free slot.
    pub clients: RVec<*mut Client>,
    pub free_slots: RVec<u32>,
    /// Slots of clients with work left (unread input, unparsed commands,
    /// unsent replies). Kept here, not in a loop-local list, so a swap in the
    /// middle of a burst loses nothing.
    pub pending: RVec<u32>,
    pub next_client_id: u64,
    pub stats: Stats,
    pub rng: u64,
    pub hash_seed: u64,
    pub start_unix_ms: i64,
    /// Id of the client waiting for the outcome of an UPGRADE, 0 if none.
    pub upgrade_waiter: u64,
    pub cronloops: u64,
    pub last_cron_us: u64,
    pub shutdown_asap: u32,
    pub _reserved: u32,
    /// The logic's settings that were set (config file, logic arguments,
    /// CONFIG SET), by name, as text (layout 3). Each version reads its
    /// typed settings from its own defaults and this list, validating
    /// every value it knows.
    pub settings: RVec<SettingValue>,
    /// Clients with `BLOCKED` (layout 7), in the order they blocked: the
    /// ones whose deadline the loop watches and a pause releases.
    pub blocked: RVec<*mut Client>,
    /// Channel -> subscribers, pattern -> subscribers (layout 7).
    pub pubsub_channels: RDict<ClientList>,
    pub pubsub_patterns: RDict<ClientList>,
    /// CLIENT PAUSE (layout 7): until `pause_end_ms` (unix ms), commands of
    /// `pause_kind` clients wait ([`pause`]).
    pub pause_end_ms: i64,
    pub pause_kind: u32,
    pub _reserved2: u32,
    /// ACL users other than the built-in state of `default` (layout 7).
    pub users: RVec<AclUser>,
    /// Saving state (layout 9): what INFO persistence reports and the
    /// background save in progress, so a new version reaps the child an
    /// old one forked.
    pub persist: PersistState,
    /// The append-only file (layout 11): its state, the incr file being
    /// appended to and the manifest, so a new version goes on writing the
    /// same stream (and reaps a rewrite child an old one forked).
    pub aof: AofState,
    /// Forks made since the start (BGSAVE and BGREWRITEAOF children, layout 11).
    pub total_forks: u64,
    /// Copy-on-write of the background children (layout 12), so a new
    /// version reports the samples an old one took.
    pub cow: CowState,
}

/// Copy-on-write of the background children (layout 12), Redis's
/// `stat_current_cow_*`, `stat_rdb_cow_bytes`, `stat_aof_cow_bytes`: the
/// parent samples the running child's private dirty memory in cron.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct CowState {
    /// Bytes of the latest sample of the running child, 0 if none.
    pub current: u64,
    /// Largest sample of the running child.
    pub peak: u64,
    /// Sum and number of the running child's samples (the average it ends with).
    pub sum: u64,
    pub samples: u64,
    /// Monotonic µs of the latest sample, 0 if none.
    pub sampled_us: u64,
    /// µs the latest sample took: the next waits ten times as long, so
    /// sampling a large child costs the loop at most a tenth of its time.
    pub cost_us: u64,
    /// The last sample of the last RDB save and AOF rewrite children.
    pub rdb_last: u64,
    pub aof_last: u64,
}

/// The append-only file (layout 11), Redis's `server.aof_*`. Plain data:
/// the fd is the logic's own (not a shell socket), opened and closed by
/// the logic, and stays open across a swap.
#[repr(C)]
pub struct AofState {
    /// [`aof_status`].
    pub status: u32,
    /// The incr file appended to (or the temp incr file while waiting for
    /// the first rewrite); -1 if none.
    pub fd: i32,
    /// The database the stream last selected; -1 if none (the next
    /// operation writes a SELECT first).
    pub selected_db: i64,
    /// Bytes ever appended, monotonic across files (Redis's
    /// `aof_current_size` of the replication offset kind, for WAITAOF).
    pub write_offset: u64,
    /// `write_offset` at the last completed fsync.
    pub fsynced_offset: u64,
    /// Unix ms of the last fsync (everysec).
    pub last_fsync_ms: i64,
    /// Size of base + incr files (`aof_current_size`).
    pub current_size: u64,
    /// `current_size` after the last rewrite or start (`aof_base_size`).
    pub base_size: u64,
    /// 1: a rewrite waits for the running child to end.
    pub rewrite_scheduled: u32,
    /// 1 if the last rewrite succeeded (or none was made).
    pub last_bgrewrite_ok: u32,
    /// 1 if the last write to the file succeeded.
    pub last_write_ok: u32,
    /// errno of the last failed write.
    pub last_write_errno: i32,
    /// Successful rewrites since the start (`aof_rewrites`).
    pub rewrites: u64,
    /// Rewrites that failed in a row (delays automatic ones).
    pub rewrite_failures: u64,
    /// Duration in µs of the last rewrite (-1: none yet).
    pub last_rewrite_us: i64,
    /// Unix ms the last rewrite attempt started (retry delay after a failure).
    pub last_rewrite_try_ms: i64,
    /// fsyncs postponed because one was still running (`aof_delayed_fsync`).
    pub delayed_fsync: u64,
    /// The manifest as last persisted (Redis's `server.aof_manifest`),
    /// empty while the AOF is off.
    pub manifest: RBytes,
}

impl AofState {
    /// Off, no file, no history.
    pub fn new() -> AofState {
        AofState {
            status: aof_status::OFF,
            fd: -1,
            selected_db: -1,
            write_offset: 0,
            fsynced_offset: 0,
            last_fsync_ms: 0,
            current_size: 0,
            base_size: 0,
            rewrite_scheduled: 0,
            last_bgrewrite_ok: 1,
            last_write_ok: 1,
            last_write_errno: 0,
            rewrites: 0,
            rewrite_failures: 0,
            last_rewrite_us: -1,
            last_rewrite_try_ms: 0,
            delayed_fsync: 0,
            manifest: RBytes::new(),
        }
    }
}

impl Default for AofState {
    fn default() -> AofState {
        AofState::new()
    }
}

/// `AofState::status`, Redis's `AOF_OFF`, `AOF_ON`, `AOF_WAIT_REWRITE`.
pub mod aof_status {
    pub const OFF: u32 = 0;
    pub const ON: u32 = 1;
    /// Turned on by CONFIG SET: writes go to a temp incr file until the
    /// first rewrite makes the base.
    pub const WAIT_REWRITE: u32 = 2;
}

/// Saving state (layout 9), Redis's `server.dirty`, `lastsave`, `child_*`.
/// Plain integers: the temp file of a child is `temp-<child_pid>.rdb`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct PersistState {
    /// Changes to the data since the last successful save.
    pub dirty: u64,
    /// `dirty` when the running background save forked (subtracted from
    /// `dirty` when it succeeds).
    pub dirty_at_fork: u64,
    /// Unix seconds of the last successful save (or of the start).
    pub lastsave_unix: i64,
    /// Unix seconds of the last save attempt (success or failure), for the
    /// retry delay after a failed background save.
    pub last_bgsave_try_unix: i64,
    /// Successful saves since the start.
    pub rdb_saves: u64,
    /// Unix µs the running child was forked at.
    pub child_start_us: i64,
    /// Duration in µs of the last background save (-1: none yet).
    pub last_bgsave_us: i64,
    /// Duration in µs of the last `fork` call.
    pub stat_fork_usec: u64,
    /// Pid of the running child, 0 if none.
    pub child_pid: i32,
    /// [`child_kind`] of `child_pid`.
    pub child_kind: u32,
    /// 1 if the last background save succeeded (or none was made), 0 if not.
    pub last_bgsave_ok: u32,
    /// 1 if a BGSAVE SCHEDULE waits for the running child to end.
    pub bgsave_scheduled: u32,
}

impl PersistState {
    /// The saving state of a server started (or first given this state) at
    /// `start_unix_s`: nothing to save, last save then, no child.
    pub fn new(start_unix_s: i64) -> PersistState {
        PersistState { lastsave_unix: start_unix_s, last_bgsave_try_unix: start_unix_s, last_bgsave_us: -1, last_bgsave_ok: 1, ..Default::default() }
    }
}

/// `PersistState::child_kind`.
pub mod child_kind {
    pub const NONE: u32 = 0;
    /// Writing an RDB file.
    pub const RDB: u32 = 1;
    /// Rewriting the append-only file (layout 11).
    pub const AOF: u32 = 2;
}

/// `ServerState::pause_kind`.
pub mod pause {
    pub const NONE: u32 = 0;
    /// CLIENT PAUSE WRITE: commands that may write wait.
    pub const WRITE: u32 = 1;
    /// CLIENT PAUSE ALL: every command waits.
    pub const ALL: u32 = 2;
}

/// An ACL user (layout 7), kept as the rule text ACL LIST prints after
/// `user <name> ` (`on #<sha256> ~* &* +@all`): each version compiles the
/// rules its own way, and the text is what ACL SAVE-style tools expect.
#[repr(C)]
pub struct AclUser {
    pub name: RBytes,
    pub rules: RBytes,
}
