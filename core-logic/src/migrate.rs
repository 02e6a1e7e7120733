//! Adopting a state written with an older layout (HOTSWAP: a library that
//! knows an older layout migrates it when it takes over).
//!
//! A migration builds a new root of the current layout and *moves* every
//! field into it: the old root is left untouched until the caller commits,
//! so an `init` that fails after migrating can drop the new root without
//! freeing anything the old version still owns. Moving the root is O(1):
//! keys, clients and buffers are behind pointers and stay where they are.
//! Layout 7 grew `Db` and `Client`, so the step from 6 rebuilds the
//! databases vector and every client block (O(databases + clients), once,
//! a few hundred microseconds at 10,000 connections); the old blocks are
//! released on commit, the new ones on abort. Layout 8 (sorted sets) added
//! value types only: from 7 the root is moved as it is, header changed.
//! Layout 9 added the saving state to the root: every older root ends with
//! the step 8 -> 9, which moves each field into a layout-9 root (the
//! client and database blocks stay where they are). Layout 10 (packed
//! hashes and intsets) added two tags only: a layout-9 root is moved as it
//! is, header changed; values of the tags it replaced are read in place and
//! repacked by their first write (`hashobj`, `setobj`), so no migration
//! visits the keys. Layout 11 added the append-only file's state and the
//! fork count to the root: every older root ends with the step 10 -> 11,
//! which moves each field into a layout-11 root (AOF off, as at a start
//! whose settings did not turn it on; `appendonly yes` takes effect by
//! CONFIG SET). Layout 12 added the children's copy-on-write samples to
//! the root: every older root ends with the step 11 -> 12, which moves
//! each field into a layout-12 root (no samples yet).

use hotkv_abi::frozen::{v1, v10, v11, v2, v3, v4, v5, v6, v7, v8, v9};
use hotkv_abi::state::{AofState, BlockState, Client, CowState, Db, MultiState, PersistState, PubSubState, ServerState, StateHeader, Stats, STATE_MAGIC};
use hotkv_abi::vec::RVec;
use std::alloc::{dealloc, Layout};
use std::mem::ManuallyDrop;

/// Oldest layout this library can adopt.
pub const MIN_LAYOUT_VERSION: u32 = v1::LAYOUT_VERSION;

/// A migrated root not yet committed: until `commit`, the old root still
/// owns everything, and dropping this frees only the new root's memory.
pub struct Migrated {
    new: ManuallyDrop<Box<ServerState>>,
    old: *mut StateHeader,
    free_old: unsafe fn(*mut StateHeader),
    /// True when the migration made `settings` (from layout 1 or 2) rather
    /// than moving them from the old root (layout 3).
    made_settings: bool,
    /// The old root's databases and clients when the migration rebuilt
    /// their blocks (from layout 6 or older). None when the root moved as
    /// it is (from layout 7): the new root then holds the same blocks.
    old_blocks: Option<OldBlocks>,
}

/// Bitwise copies of a layout-6 root's databases and clients fields: the
/// new root has new blocks holding their contents.
struct OldBlocks {
    dbs: ManuallyDrop<RVec<v6::Db>>,
    clients: ManuallyDrop<RVec<*mut v6::Client>>,
}

impl Migrated {
    pub fn state(&mut self) -> &mut ServerState {
        &mut self.new
    }

    /// Frees the old root (its fields now belong to the new one) and
    /// returns the new root.
    pub fn commit(mut self) -> *mut StateHeader {
        // SAFETY: the old root, its client blocks and its databases vector
        // were moved out field by field; releasing their allocations
        // (without dropping what they held) is all that remains to do.
        unsafe {
            if let Some(b) = self.old_blocks.as_mut() {
                for &c in b.clients.iter().filter(|c| !c.is_null()) {
                    dealloc(c as *mut u8, Layout::new::<v6::Client>());
                }
                release_buffer(&mut b.clients);
                release_buffer(&mut b.dbs);
            }
            (self.free_old)(self.old);
        }
        // SAFETY: taken once; `self` is forgotten right after.
        let new = unsafe { ManuallyDrop::take(&mut self.new) };
        std::mem::forget(self);
        Box::into_raw(new) as *mut StateHeader
    }
}

impl Drop for Migrated {
    fn drop(&mut self) {
        // Not committed: the fields still belong to the old root. Release
        // the new root's allocation without dropping what it holds.
        // SAFETY: `new` is not used again.
        let b = unsafe { ManuallyDrop::take(&mut self.new) };
        let raw = Box::into_raw(b);
        // SAFETY: rebuilt client blocks and vectors hold the old root's
        // contents bitwise: release the blocks and buffers, drop nothing in
        // them. The root's other new fields are empty and own nothing. A
        // root moved as it is shares its blocks with the old one: nothing
        // of them is released.
        if self.old_blocks.is_some() {
            unsafe {
                for &c in (*raw).clients.iter().filter(|c| !c.is_null()) {
                    dealloc(c as *mut u8, Layout::new::<Client>());
                }
                release_buffer(&mut (*raw).clients);
                release_buffer(&mut (*raw).dbs);
            }
        }
        if self.made_settings {
            // SAFETY: `settings` was made by the migration (to layout 3), not
            // moved from the old root: it is the new root's own, freed here.
            unsafe { std::ptr::drop_in_place(&mut (*raw).settings) };
        }
        // SAFETY: allocated by Box with this layout; other fields not dropped.
        unsafe { std::alloc::dealloc(raw as *mut u8, std::alloc::Layout::new::<ServerState>()) };
    }
}

/// Migrates `old`, whose header names an older layout this library knows.
///
/// # Safety
/// `old` is a live state root whose header's layout version is older than
/// ours and not older than `MIN_LAYOUT_VERSION` (the shell checked both).
pub unsafe fn migrate(old: *mut StateHeader) -> Result<Migrated, String> {
    if (*old).magic != STATE_MAGIC {
        return Err("state header is corrupt".into());
    }
    match (*old).layout_version {
        v1::LAYOUT_VERSION if (*old).layout_fingerprint == v1::LAYOUT_FINGERPRINT => Ok(from_v1(old)),
        v2::LAYOUT_VERSION if (*old).layout_fingerprint == v2::LAYOUT_FINGERPRINT => Ok(from_v2(old)),
        v3::LAYOUT_VERSION if (*old).layout_fingerprint == v3::LAYOUT_FINGERPRINT => Ok(from_v3(old)),
        v4::LAYOUT_VERSION if (*old).layout_fingerprint == v4::LAYOUT_FINGERPRINT => Ok(from_v4(old)),
        v5::LAYOUT_VERSION if (*old).layout_fingerprint == v5::LAYOUT_FINGERPRINT => Ok(from_v5(old)),
        v6::LAYOUT_VERSION if (*old).layout_fingerprint == v6::LAYOUT_FINGERPRINT => Ok(from_v6(old)),
        v7::LAYOUT_VERSION if (*old).layout_fingerprint == v7::LAYOUT_FINGERPRINT => Ok(from_v8(old, free_root::<v7::ServerState>)),
        v8::LAYOUT_VERSION if (*old).layout_fingerprint == v8::LAYOUT_FINGERPRINT => Ok(from_v8(old, free_root::<v8::ServerState>)),
        v9::LAYOUT_VERSION if (*old).layout_fingerprint == v9::LAYOUT_FINGERPRINT => Ok(from_v10(old, free_root::<v9::ServerState>)),
        v10::LAYOUT_VERSION if (*old).layout_fingerprint == v10::LAYOUT_FINGERPRINT => Ok(from_v10(old, free_root::<v10::ServerState>)),
        v11::LAYOUT_VERSION if (*old).layout_fingerprint == v11::LAYOUT_FINGERPRINT => Ok(from_v11(old)),
        v => Err(format!("no migration from layout {v} (fingerprint {:016x})", (*old).layout_fingerprint)),
    }
}

/// Releases an old root of type `T` (a layout's `ServerState`) whose fields
/// were moved out: its allocation only, nothing it held.
///
/// # Safety
/// `old` is a `Box<T>` allocation whose fields belong elsewhere now.
unsafe fn free_root<T>(old: *mut StateHeader) {
    std::alloc::dealloc(old as *mut u8, std::alloc::Layout::new::<T>());
}

/// Frees a vector's buffer without dropping its elements (they were
/// moved bitwise into other blocks).
///
/// # Safety
/// Every element is owned elsewhere.
unsafe fn release_buffer<T>(v: &mut RVec<T>) {
    v.forget_elements();
    std::ptr::drop_in_place(v);
}

/// Layout 1 -> 12, through layouts 2 to 11: each step moves every field.
unsafe fn from_v1(old: *mut StateHeader) -> Migrated {
    // A bitwise move of the whole old root: `o`'s fields are the old ones.
    let o = std::ptr::read(old as *const v1::ServerState);
    to_v12(v5_to_v6(v4_to_v5(v3_to_v4(v2_to_v3(v1_to_v2(o))))), old, free_root::<v1::ServerState>, true)
}

/// Layout 2 -> 12, through layouts 3 to 11.
unsafe fn from_v2(old: *mut StateHeader) -> Migrated {
    let o = std::ptr::read(old as *const v2::ServerState);
    to_v12(v5_to_v6(v4_to_v5(v3_to_v4(v2_to_v3(o)))), old, free_root::<v2::ServerState>, true)
}

/// Layout 3 -> 12, through layouts 4 to 11.
unsafe fn from_v3(old: *mut StateHeader) -> Migrated {
    let o = std::ptr::read(old as *const v3::ServerState);
    to_v12(v5_to_v6(v4_to_v5(v3_to_v4(o))), old, free_root::<v3::ServerState>, false)
}

/// Layout 4 -> 12, through layouts 5 to 11.
unsafe fn from_v4(old: *mut StateHeader) -> Migrated {
    let o = std::ptr::read(old as *const v4::ServerState);
    to_v12(v5_to_v6(v4_to_v5(o)), old, free_root::<v4::ServerState>, false)
}

/// Layout 5 -> 12, through layouts 6 to 11.
unsafe fn from_v5(old: *mut StateHeader) -> Migrated {
    let o = std::ptr::read(old as *const v5::ServerState);
    to_v12(v5_to_v6(o), old, free_root::<v5::ServerState>, false)
}

/// Layout 6 -> 12, through layouts 8 to 11.
unsafe fn from_v6(old: *mut StateHeader) -> Migrated {
    let o = std::ptr::read(old as *const v6::ServerState);
    to_v12(o, old, free_root::<v6::ServerState>, false)
}

/// A layout-7 or layout-8 root (the same root type: layout 8 added value
/// types only, two tags and the types they point at), moved field by field
/// into a layout-12 root; the blocks it points at stay.
///
/// # Safety
/// As [`migrate`], for a root of layout 7 or 8 freed by `free_old`.
unsafe fn from_v8(old: *mut StateHeader, free_old: unsafe fn(*mut StateHeader)) -> Migrated {
    let o = std::ptr::read(old as *const v8::ServerState);
    Migrated { new: ManuallyDrop::new(Box::new(v11_to_v12(v10_to_v11(v8_to_v9(o))))), old, free_old, made_settings: false, old_blocks: None }
}

/// Layout 8 -> 9 (and 10, the same root): the root gained the saving
/// state, initialised as at a start (last save: the server's start; no
/// child).
fn v8_to_v9(o: v8::ServerState) -> v10::ServerState {
    v10::ServerState {
        header: StateHeader::new(v10::LAYOUT_VERSION, v10::LAYOUT_FINGERPRINT),
        persist: PersistState::new(o.start_unix_ms / 1000),
        dbs: o.dbs,
        clients: o.clients,
        free_slots: o.free_slots,
        pending: o.pending,
        next_client_id: o.next_client_id,
        stats: o.stats,
        rng: o.rng,
        hash_seed: o.hash_seed,
        start_unix_ms: o.start_unix_ms,
        upgrade_waiter: o.upgrade_waiter,
        cronloops: o.cronloops,
        last_cron_us: o.last_cron_us,
        shutdown_asap: o.shutdown_asap,
        _reserved: 0,
        settings: o.settings,
        blocked: o.blocked,
        pubsub_channels: o.pubsub_channels,
        pubsub_patterns: o.pubsub_patterns,
        pause_end_ms: o.pause_end_ms,
        pause_kind: o.pause_kind,
        _reserved2: 0,
        users: o.users,
    }
}

/// Layout 10 -> 11: the root gained the append-only file's state (off, no
/// file) and the fork count.
fn v10_to_v11(o: v10::ServerState) -> v11::ServerState {
    v11::ServerState {
        header: StateHeader::new(v11::LAYOUT_VERSION, v11::LAYOUT_FINGERPRINT),
        aof: AofState::new(),
        total_forks: 0,
        persist: o.persist,
        dbs: o.dbs,
        clients: o.clients,
        free_slots: o.free_slots,
        pending: o.pending,
        next_client_id: o.next_client_id,
        stats: o.stats,
        rng: o.rng,
        hash_seed: o.hash_seed,
        start_unix_ms: o.start_unix_ms,
        upgrade_waiter: o.upgrade_waiter,
        cronloops: o.cronloops,
        last_cron_us: o.last_cron_us,
        shutdown_asap: o.shutdown_asap,
        _reserved: 0,
        settings: o.settings,
        blocked: o.blocked,
        pubsub_channels: o.pubsub_channels,
        pubsub_patterns: o.pubsub_patterns,
        pause_end_ms: o.pause_end_ms,
        pause_kind: o.pause_kind,
        _reserved2: 0,
        users: o.users,
    }
}

/// A layout-9 or layout-10 root (the same root type: layout 10 added two
/// tags and no field), moved field by field into a layout-12 root; the
/// blocks it points at stay.
///
/// # Safety
/// As [`migrate`], for a root of layout 9 or 10 freed by `free_old`.
unsafe fn from_v10(old: *mut StateHeader, free_old: unsafe fn(*mut StateHeader)) -> Migrated {
    let o = std::ptr::read(old as *const v10::ServerState);
    Migrated { new: ManuallyDrop::new(Box::new(v11_to_v12(v10_to_v11(o)))), old, free_old, made_settings: false, old_blocks: None }
}

/// Layout 11 -> 12: the root gained the children's copy-on-write
/// samples (none yet: a running child is sampled from the next cron on).
fn v11_to_v12(o: v11::ServerState) -> ServerState {
    ServerState {
        header: StateHeader::current(),
        cow: CowState::default(),
        aof: o.aof,
        total_forks: o.total_forks,
        persist: o.persist,
        dbs: o.dbs,
        clients: o.clients,
        free_slots: o.free_slots,
        pending: o.pending,
        next_client_id: o.next_client_id,
        stats: o.stats,
        rng: o.rng,
        hash_seed: o.hash_seed,
        start_unix_ms: o.start_unix_ms,
        upgrade_waiter: o.upgrade_waiter,
        cronloops: o.cronloops,
        last_cron_us: o.last_cron_us,
        shutdown_asap: o.shutdown_asap,
        _reserved: 0,
        settings: o.settings,
        blocked: o.blocked,
        pubsub_channels: o.pubsub_channels,
        pubsub_patterns: o.pubsub_patterns,
        pause_end_ms: o.pause_end_ms,
        pause_kind: o.pause_kind,
        _reserved2: 0,
        users: o.users,
    }
}

/// A layout-11 root moved field by field into a layout-12 root; the
/// blocks it points at stay.
///
/// # Safety
/// As [`migrate`], for a root of layout 11.
unsafe fn from_v11(old: *mut StateHeader) -> Migrated {
    let o = std::ptr::read(old as *const v11::ServerState);
    Migrated { new: ManuallyDrop::new(Box::new(v11_to_v12(o))), old, free_old: free_root::<v11::ServerState>, made_settings: false, old_blocks: None }
}

/// Layout 6 -> 8 (7 and 8 share the root), then 8 -> 9 -> 11 -> 12: databases gained their blocking and WATCH tables,
/// clients their user, MULTI, blocking and pub/sub state, the root its
/// blocked list, pub/sub tables, pause and users; the typed settings left
/// the root (each version reads them from `settings`). New blocks are made
/// for the databases and clients; their old contents move in bitwise.
///
/// # Safety
/// `o` is a bitwise copy of the root at `old`, which stays owner of
/// everything until [`Migrated::commit`].
unsafe fn to_v12(o: v6::ServerState, old: *mut StateHeader, free_old: unsafe fn(*mut StateHeader), made_settings: bool) -> Migrated {
    let o = ManuallyDrop::new(o);
    let mut dbs = RVec::with_capacity(o.dbs.len());
    for d in o.dbs.iter() {
        let mut db = Db::new(d.dict.seed());
        std::ptr::write(&mut db.dict, std::ptr::read(&d.dict));
        std::ptr::write(&mut db.volatile, std::ptr::read(&d.volatile));
        db.avg_ttl_ms = d.avg_ttl_ms;
        dbs.push(db);
    }
    let mut clients = RVec::with_capacity(o.clients.len());
    for &p in o.clients.iter() {
        clients.push(if p.is_null() { std::ptr::null_mut() } else { client_to_v9(std::ptr::read(p)) });
    }
    let new = v8::ServerState {
        header: StateHeader::new(v8::LAYOUT_VERSION, v8::LAYOUT_FINGERPRINT),
        dbs,
        clients,
        free_slots: std::ptr::read(&o.free_slots),
        pending: std::ptr::read(&o.pending),
        next_client_id: o.next_client_id,
        stats: std::ptr::read(&o.stats),
        rng: o.rng,
        hash_seed: o.hash_seed,
        start_unix_ms: o.start_unix_ms,
        upgrade_waiter: o.upgrade_waiter,
        cronloops: o.cronloops,
        last_cron_us: o.last_cron_us,
        shutdown_asap: o.shutdown_asap,
        _reserved: 0,
        settings: std::ptr::read(&o.settings),
        blocked: RVec::new(),
        pubsub_channels: hotkv_abi::dict::RDict::new(o.hash_seed ^ 0xc4a1),
        pubsub_patterns: hotkv_abi::dict::RDict::new(o.hash_seed ^ 0x9a77),
        pause_end_ms: 0,
        pause_kind: hotkv_abi::state::pause::NONE,
        _reserved2: 0,
        users: RVec::new(),
    };
    Migrated {
        new: ManuallyDrop::new(Box::new(v11_to_v12(v10_to_v11(v8_to_v9(new))))),
        old,
        free_old,
        made_settings,
        old_blocks: Some(OldBlocks { dbs: ManuallyDrop::new(std::ptr::read(&o.dbs)), clients: ManuallyDrop::new(std::ptr::read(&o.clients)) }),
    }
}

/// A layout-7 block for a layout-6 client: its fields moved, the new state
/// empty. A client of layout 6 was authenticated (there was no AUTH).
fn client_to_v9(c: v6::Client) -> *mut Client {
    let c = ManuallyDrop::new(c);
    // SAFETY: each field is read once out of `c`, which is never dropped:
    // the new block is the only owner of what they point at.
    let new = unsafe {
        Client {
            id: c.id,
            fd: c.fd,
            slot: c.slot,
            flags: c.flags | hotkv_abi::state::client_flag::AUTHENTICATED,
            db: c.db,
            resp: c.resp,
            obuf_soft_limit_reached_time: 0,
            ctime_ms: c.ctime_ms,
            last_interaction_ms: c.last_interaction_ms,
            qbuf: std::ptr::read(&c.qbuf),
            qpos: c.qpos,
            qneed: c.qneed,
            reply: std::ptr::read(&c.reply),
            sentpos: c.sentpos,
            name: std::ptr::read(&c.name),
            addr: std::ptr::read(&c.addr),
            laddr: std::ptr::read(&c.laddr),
            last_cmd: std::ptr::read(&c.last_cmd),
            commands: c.commands,
            user: RVec::from_slice(b"default"),
            mstate: MultiState::default(),
            bstate: BlockState::default(),
            pubsub: PubSubState::default(),
        }
    };
    Box::into_raw(Box::new(new))
}

/// Layout 3 -> 4: hashes added value types (new tags and the types they
/// point at) but no field to the root; only the header changes.
fn v3_to_v4(mut o: v3::ServerState) -> v4::ServerState {
    o.header = StateHeader::new(v4::LAYOUT_VERSION, v4::LAYOUT_FINGERPRINT);
    o
}

/// Layout 4 -> 5: sets added value types (two tags and the types they
/// point at) but no field to the root; only the header changes.
fn v4_to_v5(mut o: v4::ServerState) -> v5::ServerState {
    o.header = StateHeader::new(v5::LAYOUT_VERSION, v5::LAYOUT_FINGERPRINT);
    o
}

/// Layout 5 -> 6: lists added a value type (a tag and the ring it points
/// at) but no field to the root; only the header changes.
fn v5_to_v6(mut o: v5::ServerState) -> v6::ServerState {
    o.header = StateHeader::new(v6::LAYOUT_VERSION, v6::LAYOUT_FINGERPRINT);
    o
}

/// Layout 1 -> 2: `Stats` gained the socket read/write counters.
fn v1_to_v2(o: v1::ServerState) -> v2::ServerState {
    let s = o.stats;
    v2::ServerState {
        header: StateHeader::new(v2::LAYOUT_VERSION, v2::LAYOUT_FINGERPRINT),
        config: o.config,
        dbs: o.dbs,
        clients: o.clients,
        free_slots: o.free_slots,
        pending: o.pending,
        next_client_id: o.next_client_id,
        stats: Stats {
            total_connections_received: s.total_connections_received,
            total_commands_processed: s.total_commands_processed,
            rejected_connections: s.rejected_connections,
            expired_keys: s.expired_keys,
            evicted_keys: s.evicted_keys,
            keyspace_hits: s.keyspace_hits,
            keyspace_misses: s.keyspace_misses,
            net_input_bytes: s.net_input_bytes,
            net_output_bytes: s.net_output_bytes,
            total_error_replies: s.total_error_replies,
            expire_cycle_cpu_us: s.expire_cycle_cpu_us,
            total_reads_processed: 0,
            total_writes_processed: 0,
            ops_samples: s.ops_samples,
            ops_sample_idx: s.ops_sample_idx,
            ops_last_sample_ms: s.ops_last_sample_ms,
            ops_last_sample_count: s.ops_last_sample_count,
        },
        rng: o.rng,
        hash_seed: o.hash_seed,
        start_unix_ms: o.start_unix_ms,
        upgrade_waiter: o.upgrade_waiter,
        cronloops: o.cronloops,
        last_cron_us: o.last_cron_us,
        shutdown_asap: o.shutdown_asap,
        _reserved: 0,
    }
}

/// Layout 2 -> 3: the settings gained their name/value list, made from the
/// typed values (every one not at its default counts as set).
fn v2_to_v3(o: v2::ServerState) -> v3::ServerState {
    v3::ServerState {
        header: StateHeader::new(v3::LAYOUT_VERSION, v3::LAYOUT_FINGERPRINT),
        settings: crate::config::list_from_v6(&o.config),
        config: o.config,
        dbs: o.dbs,
        clients: o.clients,
        free_slots: o.free_slots,
        pending: o.pending,
        next_client_id: o.next_client_id,
        stats: o.stats,
        rng: o.rng,
        hash_seed: o.hash_seed,
        start_unix_ms: o.start_unix_ms,
        upgrade_waiter: o.upgrade_waiter,
        cronloops: o.cronloops,
        last_cron_us: o.last_cron_us,
        shutdown_asap: o.shutdown_asap,
        _reserved: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hotkv_abi::object::Value;
    use v6::Db;

    /// Layout 6's typed settings at their defaults but `hz`.
    fn v6_config(hz: u32) -> v6::Config {
        let d = crate::config::defaults();
        v6::Config {
            hz,
            databases: d.databases,
            maxclients: d.maxclients,
            timeout_s: d.timeout_s,
            tcp_keepalive_s: d.tcp_keepalive_s,
            _reserved: 0,
            proto_max_bulk_len: d.proto_max_bulk_len,
            client_query_buffer_limit: d.client_query_buffer_limit,
            maxmemory: d.maxmemory,
        }
    }

    fn old_db(seed: u64) -> Db {
        Db { dict: hotkv_abi::dict::RDict::new(seed), volatile: RVec::new(), avg_ttl_ms: 0 }
    }

    /// A layout-1 root with a key in db 3, built as the layout-1 library did.
    fn v1_state() -> *mut StateHeader {
        let mut dbs = RVec::new();
        for i in 0..16 {
            dbs.push(old_db(i));
        }
        let e = hotkv_abi::object::KeyEntry::alloc(b"k", Value::string(b"a value longer than inline"));
        let h = dbs[3].dict.hash(b"k");
        // SAFETY: a fresh node whose key is not in the table.
        unsafe { dbs[3].dict.insert_new(e, h) };
        let mut stats: v1::Stats = unsafe { std::mem::zeroed() };
        stats.total_commands_processed = 42;
        stats.ops_samples[3] = 7;
        let st = v1::ServerState {
            header: StateHeader { magic: STATE_MAGIC, layout_version: 1, _reserved: 0, layout_fingerprint: v1::LAYOUT_FINGERPRINT },
            config: v6_config(50),
            dbs,
            clients: RVec::new(),
            free_slots: RVec::new(),
            pending: RVec::from_slice(&[5]),
            next_client_id: 9,
            stats,
            rng: 1,
            hash_seed: 2,
            start_unix_ms: 3,
            upgrade_waiter: 0,
            cronloops: 4,
            last_cron_us: 5,
            shutdown_asap: 0,
            _reserved: 0,
        };
        Box::into_raw(Box::new(st)) as *mut StateHeader
    }

    #[test]
    fn v1_state_migrates_with_every_value() {
        let old = v1_state();
        let m = unsafe { migrate(old) }.unwrap();
        let new = m.commit();
        let st = unsafe { Box::from_raw(new as *mut ServerState) };
        assert_eq!(st.header.layout_version, hotkv_abi::LAYOUT_VERSION);
        assert_eq!(st.header.layout_fingerprint, hotkv_abi::LAYOUT_FINGERPRINT);
        assert_eq!(st.stats.total_commands_processed, 42);
        assert_eq!(st.stats.ops_samples[3], 7);
        assert_eq!(st.stats.total_reads_processed, 0);
        assert_eq!(st.next_client_id, 9);
        assert_eq!(st.pending.as_slice(), &[5]);
        assert_eq!(settings_of(&st.settings), vec![("hz".to_string(), "50".to_string())]);
        let h = st.dbs[3].dict.hash(b"k");
        let e = st.dbs[3].dict.peek(b"k", h);
        assert!(!e.is_null());
        let mut buf = [0; 20];
        assert_eq!(unsafe { (*e).value.str_bytes(&mut buf) }, b"a value longer than inline");
    }

    fn settings_of(list: &RVec<hotkv_abi::state::SettingValue>) -> Vec<(String, String)> {
        let t = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        list.iter().map(|s| (t(&s.name), t(&s.value))).collect()
    }

    /// A layout-2 root: the layout-1 one moved by the first step.
    fn v2_state() -> *mut StateHeader {
        let v1 = v1_state();
        let o = unsafe { std::ptr::read(v1 as *const v1::ServerState) };
        unsafe { free_root::<v1::ServerState>(v1) };
        let mut st = v1_to_v2(o);
        st.config.maxmemory = 1 << 20;
        Box::into_raw(Box::new(st)) as *mut StateHeader
    }

    #[test]
    fn v2_state_migrates_with_its_settings_as_a_list() {
        let old = v2_state();
        let new = unsafe { migrate(old) }.unwrap().commit();
        let mut st = unsafe { Box::from_raw(new as *mut ServerState) };
        assert_eq!(st.header.layout_fingerprint, hotkv_abi::LAYOUT_FINGERPRINT);
        assert_eq!(st.stats.total_commands_processed, 42);
        assert_eq!(settings_of(&st.settings), vec![("hz".into(), "50".into()), ("maxmemory".into(), "1048576".into())]);
        assert_eq!(st.dbs[3].dict.len(), 1);
        // Adoption rebuilds the typed values from the list, then the arguments.
        let cfg = crate::config::adopt(&mut st, &[b"timeout", b"7"]).unwrap();
        assert_eq!((cfg.hz, cfg.maxmemory, cfg.timeout_s), (50, 1 << 20, 7));
        assert_eq!(settings_of(&st.settings).len(), 3);
        // A value this version refuses fails the adoption and changes nothing.
        st.settings.push(hotkv_abi::state::SettingValue { name: RVec::from_slice(b"timeout"), value: RVec::from_slice(b"-5") });
        let e = crate::config::adopt(&mut st, &[b"hz", b"60"]).unwrap_err();
        assert!(e.contains("setting 'timeout' is '-5'") && e.contains("between 0 and"), "{e}");
        assert_eq!(settings_of(&st.settings).len(), 4, "the refused adoption recorded nothing");
        // A name this version does not declare is kept, not applied.
        st.settings.pop();
        st.settings.push(hotkv_abi::state::SettingValue { name: RVec::from_slice(b"future-setting"), value: RVec::from_slice(b"x") });
        crate::config::adopt(&mut st, &[]).unwrap();
        assert!(settings_of(&st.settings).iter().any(|(n, _)| n == "future-setting"));
    }

    #[test]
    fn uncommitted_v2_migration_leaves_old_state_intact() {
        let old = v2_state();
        drop(unsafe { migrate(old) }.unwrap());
        let st = unsafe { Box::from_raw(old as *mut v2::ServerState) };
        assert_eq!(st.stats.total_commands_processed, 42);
        assert_eq!(st.dbs[3].dict.len(), 1);
    }

    /// A migration that is not committed leaves the old root whole.
    #[test]
    fn uncommitted_migration_leaves_old_state_intact() {
        let old = v1_state();
        drop(unsafe { migrate(old) }.unwrap());
        let st = unsafe { &*(old as *const v1::ServerState) };
        assert_eq!(st.stats.total_commands_processed, 42);
        assert_eq!(st.dbs[3].dict.len(), 1);
        drop(unsafe { Box::from_raw(old as *mut v1::ServerState) });
    }

    /// A layout-3 root: the layout-2 one moved by the second step.
    fn v3_state() -> *mut StateHeader {
        let v2 = v2_state();
        let o = unsafe { std::ptr::read(v2 as *const v2::ServerState) };
        unsafe { free_root::<v2::ServerState>(v2) };
        Box::into_raw(Box::new(v2_to_v3(o))) as *mut StateHeader
    }

    #[test]
    fn v3_state_migrates_by_its_header_only() {
        let old = v3_state();
        assert_eq!(unsafe { (*old).layout_version }, 3);
        let new = unsafe { migrate(old) }.unwrap().commit();
        let st = unsafe { Box::from_raw(new as *mut ServerState) };
        assert_eq!(st.header.layout_version, hotkv_abi::LAYOUT_VERSION);
        assert_eq!(st.header.layout_fingerprint, hotkv_abi::LAYOUT_FINGERPRINT);
        assert_eq!(st.stats.total_commands_processed, 42);
        assert_eq!(settings_of(&st.settings), vec![("hz".into(), "50".into()), ("maxmemory".into(), "1048576".into())]);
        assert_eq!(st.dbs[3].dict.len(), 1);
    }

    /// Not committed, a 3 -> 4 migration frees nothing the old root owns
    /// (its settings were moved, not made).
    #[test]
    fn uncommitted_v3_migration_leaves_old_state_intact() {
        let old = v3_state();
        drop(unsafe { migrate(old) }.unwrap());
        let st = unsafe { Box::from_raw(old as *mut v3::ServerState) };
        assert_eq!(st.header.layout_version, 3);
        assert_eq!(settings_of(&st.settings).len(), 2);
        assert_eq!(st.dbs[3].dict.len(), 1);
    }

    /// A layout-4 root: the layout-3 one moved by the third step.
    fn v4_state() -> *mut StateHeader {
        let v3 = v3_state();
        let o = unsafe { std::ptr::read(v3 as *const v3::ServerState) };
        unsafe { free_root::<v3::ServerState>(v3) };
        Box::into_raw(Box::new(v3_to_v4(o))) as *mut StateHeader
    }

    /// A root of a layout whose root type is layout 6's (4, 5 and 6)
    /// migrates with every field kept.
    fn migrates_by_header_only(old: *mut StateHeader, version: u32, fingerprint: u64) {
        assert_eq!(unsafe { ((*old).layout_version, (*old).layout_fingerprint) }, (version, fingerprint));
        let new = unsafe { migrate(old) }.unwrap().commit();
        let st = unsafe { Box::from_raw(new as *mut ServerState) };
        assert_eq!(st.header.layout_version, hotkv_abi::LAYOUT_VERSION);
        assert_eq!(st.header.layout_fingerprint, hotkv_abi::LAYOUT_FINGERPRINT);
        assert_eq!(st.stats.total_commands_processed, 42);
        assert_eq!(settings_of(&st.settings).len(), 2);
        assert_eq!(st.dbs[3].dict.len(), 1);
    }

    /// Not committed, such a migration frees nothing the old root owns.
    fn uncommitted_leaves_old_state_intact(old: *mut StateHeader, version: u32) {
        drop(unsafe { migrate(old) }.unwrap());
        let st = unsafe { Box::from_raw(old as *mut v6::ServerState) };
        assert_eq!(st.header.layout_version, version);
        assert_eq!(settings_of(&st.settings).len(), 2);
        assert_eq!(st.dbs[3].dict.len(), 1);
    }

    #[test]
    fn v4_state_migrates_by_its_header_only() {
        migrates_by_header_only(v4_state(), 4, v4::LAYOUT_FINGERPRINT);
    }

    #[test]
    fn uncommitted_v4_migration_leaves_old_state_intact() {
        uncommitted_leaves_old_state_intact(v4_state(), 4);
    }

    /// A layout-5 root: the layout-4 one moved by the fourth step.
    fn v5_state() -> *mut StateHeader {
        let v4 = v4_state();
        let o = unsafe { std::ptr::read(v4 as *const v4::ServerState) };
        unsafe { free_root::<v4::ServerState>(v4) };
        Box::into_raw(Box::new(v4_to_v5(o))) as *mut StateHeader
    }

    #[test]
    fn v5_state_migrates_by_its_header_only() {
        migrates_by_header_only(v5_state(), 5, v5::LAYOUT_FINGERPRINT);
    }

    #[test]
    fn uncommitted_v5_migration_leaves_old_state_intact() {
        uncommitted_leaves_old_state_intact(v5_state(), 5);
    }

    /// A layout-6 root with two connected clients (slot 1 free): the
    /// layout-5 one moved by the fifth step.
    fn v6_state() -> *mut StateHeader {
        let v5 = v5_state();
        let mut o = unsafe { std::ptr::read(v5 as *const v5::ServerState) };
        unsafe { free_root::<v5::ServerState>(v5) };
        o = v5_to_v6(o);
        for (id, slot) in [(7u64, 0u32), (9, 2)] {
            let c = v6::Client {
                id,
                fd: 100 + slot as i32,
                slot,
                flags: 0,
                db: slot,
                resp: 2,
                _reserved: 0,
                ctime_ms: 1,
                last_interaction_ms: 2,
                qbuf: RVec::from_slice(b"*1\r\n$4\r\nPI"),
                qpos: 0,
                qneed: 0,
                reply: RVec::from_slice(b"+OK\r\n"),
                sentpos: 1,
                name: RVec::from_slice(format!("c{id}").as_bytes()),
                addr: RVec::new(),
                laddr: RVec::new(),
                last_cmd: RVec::from_slice(b"get"),
                commands: id,
            };
            o.clients.push(Box::into_raw(Box::new(c)));
            if slot == 0 {
                o.clients.push(std::ptr::null_mut());
            }
        }
        o.free_slots.push(1);
        Box::into_raw(Box::new(o)) as *mut StateHeader
    }

    #[test]
    fn v6_state_migrates_with_its_clients() {
        let old = v6_state();
        let new = unsafe { migrate(old) }.unwrap().commit();
        let st = unsafe { Box::from_raw(new as *mut ServerState) };
        assert_eq!(st.header.layout_fingerprint, hotkv_abi::LAYOUT_FINGERPRINT);
        assert_eq!(st.dbs.len(), 16);
        assert_eq!(st.dbs[3].dict.len(), 1);
        assert!(st.dbs[3].blocking_keys.is_empty() && st.dbs[3].watched_keys.is_empty());
        assert_eq!(st.free_slots.as_slice(), &[1]);
        assert!(st.clients[1].is_null());
        for (slot, id) in [(0, 7), (2, 9)] {
            let c = unsafe { &*st.clients[slot] };
            assert_eq!((c.id, c.slot as usize, c.db as usize, c.commands), (id, slot, slot, id));
            assert_eq!((c.qbuf.as_slice(), c.reply.as_slice(), c.sentpos), (&b"*1\r\n$4\r\nPI"[..], &b"+OK\r\n"[..], 1));
            assert_eq!(c.name.as_slice(), format!("c{id}").as_bytes());
            assert_eq!(c.user.as_slice(), b"default");
            assert_ne!(c.flags & hotkv_abi::state::client_flag::AUTHENTICATED, 0);
            assert!(c.mstate.commands.is_empty() && c.pubsub.channels.is_empty() && c.bstate.argv.is_empty());
        }
        assert_eq!(crate::config::load(&st).unwrap().hz, 50);
    }

    #[test]
    fn uncommitted_v6_migration_leaves_old_state_and_clients_intact() {
        let old = v6_state();
        drop(unsafe { migrate(old) }.unwrap());
        let st = unsafe { Box::from_raw(old as *mut v6::ServerState) };
        assert_eq!(st.header.layout_version, 6);
        assert_eq!(st.dbs[3].dict.len(), 1);
        let c = unsafe { &*st.clients[2] };
        assert_eq!((c.id, c.qbuf.as_slice(), c.name.as_slice()), (9, &b"*1\r\n$4\r\nPI"[..], &b"c9"[..]));
    }

    /// A layout-7 root: the layout-6 one (with its clients) migrated and
    /// committed, then labelled 7 as the layout-7 library wrote it.
    fn v7_state() -> *mut StateHeader {
        let new = unsafe { migrate(v6_state()) }.unwrap().commit();
        let s = *unsafe { Box::from_raw(new as *mut ServerState) };
        let old = v8::ServerState {
            header: StateHeader::new(v7::LAYOUT_VERSION, v7::LAYOUT_FINGERPRINT),
            dbs: s.dbs,
            clients: s.clients,
            free_slots: s.free_slots,
            pending: s.pending,
            next_client_id: s.next_client_id,
            stats: s.stats,
            rng: s.rng,
            hash_seed: s.hash_seed,
            start_unix_ms: s.start_unix_ms,
            upgrade_waiter: s.upgrade_waiter,
            cronloops: s.cronloops,
            last_cron_us: s.last_cron_us,
            shutdown_asap: s.shutdown_asap,
            _reserved: 0,
            settings: s.settings,
            blocked: s.blocked,
            pubsub_channels: s.pubsub_channels,
            pubsub_patterns: s.pubsub_patterns,
            pause_end_ms: s.pause_end_ms,
            pause_kind: s.pause_kind,
            _reserved2: 0,
            users: s.users,
        };
        Box::into_raw(Box::new(old)) as *mut StateHeader
    }

    /// A root of layout 9 or 10 migrates with every field: the same
    /// client blocks and databases, a new header, the AOF off.
    fn migrates_as_it_is(old: *mut StateHeader) {
        let clients: Vec<*mut Client> = unsafe { (*(old as *mut v10::ServerState)).clients.as_slice().to_vec() };
        let new = unsafe { migrate(old) }.unwrap().commit();
        let st = unsafe { Box::from_raw(new as *mut ServerState) };
        assert_eq!((st.header.layout_version, st.header.layout_fingerprint), (hotkv_abi::LAYOUT_VERSION, hotkv_abi::LAYOUT_FINGERPRINT));
        assert_eq!(st.clients.as_slice(), clients.as_slice(), "the same client blocks");
        assert_eq!(st.dbs[3].dict.len(), 1);
        assert_eq!(unsafe { &*st.clients[2] }.name.as_slice(), b"c9");
        assert_eq!(crate::config::load(&st).unwrap().hz, 50);
        assert_eq!((st.aof.status, st.aof.fd, st.aof.selected_db, st.total_forks), (hotkv_abi::state::aof_status::OFF, -1, -1, 0));
        assert_eq!((st.cow.current, st.cow.peak, st.cow.rdb_last, st.cow.aof_last), (0, 0, 0, 0));
    }

    /// Not committed, such a migration leaves the old root as it was.
    fn uncommitted_leaves_root_intact(old: *mut StateHeader, version: u32) {
        drop(unsafe { migrate(old) }.unwrap());
        let st = unsafe { Box::from_raw(old as *mut v10::ServerState) };
        assert_eq!(st.header.layout_version, version);
        assert_eq!(st.dbs[3].dict.len(), 1);
        let c = unsafe { &*st.clients[2] };
        assert_eq!((c.id, c.qbuf.as_slice(), c.name.as_slice()), (9, &b"*1\r\n$4\r\nPI"[..], &b"c9"[..]));
    }

    /// A layout-8 root: the layout-7 one as the layout-8 library wrote it.
    fn v8_state() -> *mut StateHeader {
        let old = v7_state();
        unsafe { (*old) = StateHeader::new(v8::LAYOUT_VERSION, v8::LAYOUT_FINGERPRINT) };
        old
    }

    #[test]
    fn v8_state_migrates_with_every_field_and_a_fresh_saving_state() {
        let old = v8_state();
        let (clients, start) = unsafe { ((*(old as *mut v8::ServerState)).clients.as_slice().to_vec(), (*(old as *mut v8::ServerState)).start_unix_ms) };
        let new = unsafe { migrate(old) }.unwrap().commit();
        let st = unsafe { Box::from_raw(new as *mut ServerState) };
        assert_eq!((st.header.layout_version, st.header.layout_fingerprint), (hotkv_abi::LAYOUT_VERSION, hotkv_abi::LAYOUT_FINGERPRINT));
        assert_eq!(st.clients.as_slice(), clients.as_slice(), "the same client blocks");
        assert_eq!((st.stats.total_commands_processed, st.next_client_id, st.start_unix_ms), (42, 9, start));
        assert_eq!(st.dbs[3].dict.len(), 1);
        assert_eq!(st.free_slots.as_slice(), &[1]);
        assert_eq!(crate::config::load(&st).unwrap().hz, 50);
        let p = st.persist;
        assert_eq!((p.dirty, p.child_pid, p.child_kind, p.rdb_saves, p.last_bgsave_ok, p.last_bgsave_us), (0, 0, hotkv_abi::state::child_kind::NONE, 0, 1, -1));
        assert_eq!(p.lastsave_unix, start / 1000);
    }

    #[test]
    fn uncommitted_v8_migration_leaves_old_state_and_clients_intact() {
        let old = v8_state();
        drop(unsafe { migrate(old) }.unwrap());
        let st = unsafe { Box::from_raw(old as *mut v8::ServerState) };
        assert_eq!(st.header.layout_version, 8);
        assert_eq!(st.dbs[3].dict.len(), 1);
        let c = unsafe { &*st.clients[2] };
        assert_eq!((c.id, c.qbuf.as_slice(), c.name.as_slice()), (9, &b"*1\r\n$4\r\nPI"[..], &b"c9"[..]));
    }

    /// A layout-9 or layout-10 root: the layout-8 one moved into their
    /// root type, as the layout-9 library did.
    fn v10_root(version: u32, fingerprint: u64) -> *mut StateHeader {
        let old = v8_state();
        let o = unsafe { std::ptr::read(old as *const v8::ServerState) };
        unsafe { free_root::<v8::ServerState>(old) };
        let mut new = Box::new(v8_to_v9(o));
        new.header = StateHeader::new(version, fingerprint);
        Box::into_raw(new) as *mut StateHeader
    }

    #[test]
    fn v9_state_migrates_with_every_field() {
        migrates_as_it_is(v10_root(v9::LAYOUT_VERSION, v9::LAYOUT_FINGERPRINT));
    }

    #[test]
    fn uncommitted_v9_migration_leaves_old_state_and_clients_intact() {
        uncommitted_leaves_root_intact(v10_root(v9::LAYOUT_VERSION, v9::LAYOUT_FINGERPRINT), 9);
    }

    #[test]
    fn v10_state_migrates_with_every_field() {
        migrates_as_it_is(v10_root(v10::LAYOUT_VERSION, v10::LAYOUT_FINGERPRINT));
    }

    #[test]
    fn uncommitted_v10_migration_leaves_old_state_and_clients_intact() {
        uncommitted_leaves_root_intact(v10_root(v10::LAYOUT_VERSION, v10::LAYOUT_FINGERPRINT), 10);
    }

    /// A layout-11 root: the layout-10 one moved into it, as the layout-11
    /// library did, after a rewrite and two forks.
    fn v11_state() -> *mut StateHeader {
        let old = v10_root(v10::LAYOUT_VERSION, v10::LAYOUT_FINGERPRINT);
        let o = unsafe { std::ptr::read(old as *const v10::ServerState) };
        unsafe { free_root::<v10::ServerState>(old) };
        let mut new = Box::new(v10_to_v11(o));
        new.aof.rewrites = 1;
        new.total_forks = 2;
        Box::into_raw(new) as *mut StateHeader
    }

    #[test]
    fn v11_state_migrates_with_every_field_and_no_cow_samples() {
        let old = v11_state();
        let clients: Vec<*mut Client> = unsafe { (*(old as *mut v11::ServerState)).clients.as_slice().to_vec() };
        let new = unsafe { migrate(old) }.unwrap().commit();
        let st = unsafe { Box::from_raw(new as *mut ServerState) };
        assert_eq!((st.header.layout_version, st.header.layout_fingerprint), (hotkv_abi::LAYOUT_VERSION, hotkv_abi::LAYOUT_FINGERPRINT));
        assert_eq!(st.clients.as_slice(), clients.as_slice(), "the same client blocks");
        assert_eq!(st.dbs[3].dict.len(), 1);
        assert_eq!(crate::config::load(&st).unwrap().hz, 50);
        assert_eq!((st.aof.rewrites, st.aof.fd, st.total_forks), (1, -1, 2));
        assert_eq!((st.cow.current, st.cow.peak, st.cow.sampled_us, st.cow.rdb_last, st.cow.aof_last), (0, 0, 0, 0, 0));
    }

    #[test]
    fn uncommitted_v11_migration_leaves_old_state_and_clients_intact() {
        let old = v11_state();
        drop(unsafe { migrate(old) }.unwrap());
        let st = unsafe { Box::from_raw(old as *mut v11::ServerState) };
        assert_eq!((st.header.layout_version, st.total_forks), (11, 2));
        assert_eq!(st.dbs[3].dict.len(), 1);
        let c = unsafe { &*st.clients[2] };
        assert_eq!((c.id, c.qbuf.as_slice(), c.name.as_slice()), (9, &b"*1\r\n$4\r\nPI"[..], &b"c9"[..]));
    }

    #[test]
    fn unknown_layout_is_refused() {
        let old = v1_state();
        unsafe { (*old).layout_fingerprint ^= 1 };
        assert!(unsafe { migrate(old) }.is_err());
        unsafe { (*old).layout_fingerprint ^= 1 };
        drop(unsafe { Box::from_raw(old as *mut v1::ServerState) });
    }
}
