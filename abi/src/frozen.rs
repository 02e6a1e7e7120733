//! Frozen copies of older state layouts, for the migrations that let a new
//! library adopt a state written by an older one.
//!
//! Each copy is proven to be the real old layout: its fingerprint, computed
//! like the current one's, must equal the value pinned when that layout was
//! current. Only the types that changed are copied; the shared ones (`Value`,
//! `KeyEntry`, ...) are part of that proof, so changing one of them later
//! fails the test below until it is frozen here too.

/// Layout 1: before `Stats` counted socket reads and writes.
pub mod v1 {
    use super::v6::{Client, Config, Db};
    use crate::state::StateHeader;
    use crate::vec::RVec;

    pub const LAYOUT_VERSION: u32 = 1;
    /// Pinned while layout 1 was current.
    pub const LAYOUT_FINGERPRINT: u64 = 0xccac_fbcf_a737_4d3d;

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
        pub ops_samples: [u64; 16],
        pub ops_sample_idx: u64,
        pub ops_last_sample_ms: i64,
        pub ops_last_sample_count: u64,
    }

    #[repr(C)]
    pub struct ServerState {
        pub header: StateHeader,
        pub config: Config,
        pub dbs: RVec<Db>,
        pub clients: RVec<*mut Client>,
        pub free_slots: RVec<u32>,
        pub pending: RVec<u32>,
        pub next_client_id: u64,
        pub stats: Stats,
        pub rng: u64,
        pub hash_seed: u64,
        pub start_unix_ms: i64,
        pub upgrade_waiter: u64,
        pub cronloops: u64,
        pub last_cron_us: u64,
        pub shutdown_asap: u32,
        pub _reserved: u32,
    }
}

/// Layout 2: before the logic's settings were kept as name/value text.
pub mod v2 {
    use super::v6::{Client, Config, Db};
    use crate::state::{StateHeader, Stats};
    use crate::vec::RVec;

    pub const LAYOUT_VERSION: u32 = 2;
    /// Pinned while layout 2 was current.
    pub const LAYOUT_FINGERPRINT: u64 = 0xcc34_91e7_8033_9dbd;

    #[repr(C)]
    pub struct ServerState {
        pub header: StateHeader,
        pub config: Config,
        pub dbs: RVec<Db>,
        pub clients: RVec<*mut Client>,
        pub free_slots: RVec<u32>,
        pub pending: RVec<u32>,
        pub next_client_id: u64,
        pub stats: Stats,
        pub rng: u64,
        pub hash_seed: u64,
        pub start_unix_ms: i64,
        pub upgrade_waiter: u64,
        pub cronloops: u64,
        pub last_cron_us: u64,
        pub shutdown_asap: u32,
        pub _reserved: u32,
    }
}

/// Layout 3: before hashes. The root and every type it reaches are
/// layout 6's (hashes only added types a value may point at), so nothing
/// needs copying: migrating from it rewrites the header only.
pub mod v3 {
    pub use super::v6::ServerState;

    pub const LAYOUT_VERSION: u32 = 3;
    /// Pinned while layout 3 was current.
    pub const LAYOUT_FINGERPRINT: u64 = 0x71bf_f566_a207_93de;
}

/// Layout 4: before sets. As from layout 3, the root and every type it
/// reaches are layout 6's (sets only added types a value may point
/// at): migrating from it rewrites the header only.
pub mod v4 {
    pub use super::v6::ServerState;

    pub const LAYOUT_VERSION: u32 = 4;
    /// Pinned while layout 4 was current.
    pub const LAYOUT_FINGERPRINT: u64 = 0xbfe0_fd93_9a0a_cd09;
}

/// Layout 5: before lists. As from layout 4, the root and every type it
/// reaches are layout 6's (lists only added a tag and the types it
/// points at): migrating from it rewrites the header only.
pub mod v5 {
    pub use super::v6::ServerState;

    pub const LAYOUT_VERSION: u32 = 5;
    /// Pinned while layout 5 was current.
    pub const LAYOUT_FINGERPRINT: u64 = 0xc838_d5bb_7abf_fe7c;
}

/// Layout 6: before the state held blocked, transaction, pub/sub and ACL
/// state (layout 7), and while the typed settings (`Config`) were a cache
/// in the root. Every layout before it shares these types.
pub mod v6 {
    use crate::dict::{RDict, RawTable};
    use crate::object::{HeapStr, KeyEntry, Value};
    use crate::state::{SettingValue, StateHeader, Stats};
    use crate::vec::{RBytes, RVec};
    use std::mem::{align_of, offset_of, size_of};

    pub const LAYOUT_VERSION: u32 = 6;
    /// Pinned while layout 6 was current.
    pub const LAYOUT_FINGERPRINT: u64 = 0x2b54_558f_38f4_aefb;

    #[repr(C)]
    #[derive(Clone, Copy)]
    pub struct Config {
        pub hz: u32,
        pub databases: u32,
        pub maxclients: u32,
        pub timeout_s: u32,
        pub tcp_keepalive_s: u32,
        pub _reserved: u32,
        pub proto_max_bulk_len: u64,
        pub client_query_buffer_limit: u64,
        pub maxmemory: u64,
    }

    #[repr(C)]
    pub struct Db {
        pub dict: RDict<KeyEntry>,
        pub volatile: RVec<*mut KeyEntry>,
        pub avg_ttl_ms: u64,
    }

    #[repr(C)]
    pub struct Client {
        pub id: u64,
        pub fd: i32,
        pub slot: u32,
        pub flags: u32,
        pub db: u32,
        pub resp: u32,
        pub _reserved: u32,
        pub ctime_ms: i64,
        pub last_interaction_ms: i64,
        pub qbuf: RBytes,
        pub qpos: u64,
        pub qneed: u64,
        pub reply: RBytes,
        pub sentpos: u64,
        pub name: RBytes,
        pub addr: RBytes,
        pub laddr: RBytes,
        pub last_cmd: RBytes,
        pub commands: u64,
    }

    #[repr(C)]
    pub struct ServerState {
        pub header: StateHeader,
        pub config: Config,
        pub dbs: RVec<Db>,
        pub clients: RVec<*mut Client>,
        pub free_slots: RVec<u32>,
        pub pending: RVec<u32>,
        pub next_client_id: u64,
        pub stats: Stats,
        pub rng: u64,
        pub hash_seed: u64,
        pub start_unix_ms: i64,
        pub upgrade_waiter: u64,
        pub cronloops: u64,
        pub last_cron_us: u64,
        pub shutdown_asap: u32,
        pub _reserved: u32,
        pub settings: RVec<SettingValue>,
    }

    /// The head and tail segments of layouts 3 to 6 (the value types of
    /// each layout come between them).
    pub const HEAD: &[u64] = crate::shape! {
        StateHeader { magic, layout_version, layout_fingerprint }
        Config { hz, databases, maxclients, timeout_s, tcp_keepalive_s, proto_max_bulk_len, client_query_buffer_limit, maxmemory }
        Stats { total_connections_received, total_commands_processed, rejected_connections, expired_keys, evicted_keys,
                keyspace_hits, keyspace_misses, net_input_bytes, net_output_bytes, total_error_replies, expire_cycle_cpu_us,
                total_reads_processed, total_writes_processed, ops_samples, ops_sample_idx, ops_last_sample_ms,
                ops_last_sample_count }
        RVec<u8> { ptr, len, cap }
        RawTable<KeyEntry> { buckets, size, used }
        RDict<KeyEntry> { tables, rehash_idx, pause_rehash, seed }
        Value { tag, lru, len, data }
        HeapStr { cap }
        KeyEntry { next, expire_ms, value, key_len, vidx }
    };

    pub const TAIL: &[u64] = crate::shape! {
        Db { dict, volatile, avg_ttl_ms }
        Client { id, fd, slot, flags, db, resp, ctime_ms, last_interaction_ms, qbuf, qpos, qneed, reply, sentpos,
                 name, addr, laddr, last_cmd, commands }
        SettingValue { name, value }
        ServerState { header, config, dbs, clients, free_slots, pending, next_client_id, stats, rng, hash_seed,
                      start_unix_ms, upgrade_waiter, cronloops, last_cron_us, shutdown_asap, settings }
    };
}

/// Layout 7: before sorted sets (layout 8 added value types only, so the
/// root and every type it holds are layout 8's).
pub mod v7 {
    pub use super::v8::ServerState;

    pub const LAYOUT_VERSION: u32 = 7;
    /// Pinned while layout 7 was current.
    pub const LAYOUT_FINGERPRINT: u64 = 0xf795_b671_1f2a_5d75;
}

/// Layout 8: before the root held the saving state (layout 9's
/// `persist`). Every type the root reaches is today's.
pub mod v8 {
    use crate::clientlist::ClientList;
    use crate::dict::{RDict, RawTable};
    use crate::state::{AclUser, BlockState, Client, Db, MultiState, PubSubState, SettingValue, StateHeader, Stats, WatchedKey};
    use crate::vec::RVec;
    use std::mem::{align_of, offset_of, size_of};

    pub const LAYOUT_VERSION: u32 = 8;
    /// Pinned while layout 8 was current.
    pub const LAYOUT_FINGERPRINT: u64 = 0x4821_8e9a_eb8b_20e2;

    #[repr(C)]
    pub struct ServerState {
        pub header: StateHeader,
        pub dbs: RVec<Db>,
        pub clients: RVec<*mut Client>,
        pub free_slots: RVec<u32>,
        pub pending: RVec<u32>,
        pub next_client_id: u64,
        pub stats: Stats,
        pub rng: u64,
        pub hash_seed: u64,
        pub start_unix_ms: i64,
        pub upgrade_waiter: u64,
        pub cronloops: u64,
        pub last_cron_us: u64,
        pub shutdown_asap: u32,
        pub _reserved: u32,
        pub settings: RVec<SettingValue>,
        pub blocked: RVec<*mut Client>,
        pub pubsub_channels: RDict<ClientList>,
        pub pubsub_patterns: RDict<ClientList>,
        pub pause_end_ms: i64,
        pub pause_kind: u32,
        pub _reserved2: u32,
        pub users: RVec<AclUser>,
    }

    /// The tail segment of layouts 7 and 8 (the value types come before it).
    pub const TAIL: &[u64] = crate::shape! {
        ClientList { next, clients, key_len }
        RawTable<ClientList> { buckets, size, used }
        RDict<ClientList> { tables, rehash_idx, pause_rehash, seed }
        Db { dict, volatile, avg_ttl_ms, blocking_keys, watched_keys }
        WatchedKey { key, db }
        MultiState { commands, watched }
        BlockState { argv, deadline_ms }
        PubSubState { channels, patterns }
        Client { id, fd, slot, flags, db, resp, ctime_ms, last_interaction_ms, qbuf, qpos, qneed, reply, sentpos,
                 name, addr, laddr, last_cmd, commands, user, mstate, bstate, pubsub }
        SettingValue { name, value }
        AclUser { name, rules }
        ServerState { header, dbs, clients, free_slots, pending, next_client_id, stats, rng, hash_seed,
                      start_unix_ms, upgrade_waiter, cronloops, last_cron_us, shutdown_asap, settings, blocked,
                      pubsub_channels, pubsub_patterns, pause_end_ms, pause_kind, users }
    };
}

/// Layout 9: before packed hashes and intsets (layout 10 added two tags,
/// `HASH_PACKED` and `SET_INTSET_PACKED`, and no type: the root and every
/// type it holds are the current ones; layout 9's tags stay readable).
pub mod v9 {
    pub use super::v10::ServerState;

    pub const LAYOUT_VERSION: u32 = 9;
    /// Pinned while layout 9 was current.
    pub const LAYOUT_FINGERPRINT: u64 = 0xc5d5_1f5a_c185_33fd;
}

/// Layout 10: before the root held the append-only file's state (layout
/// 11's `aof` and `total_forks`). Every type the root reaches is today's.
pub mod v10 {
    use crate::clientlist::ClientList;
    use crate::dict::{RDict, RawTable};
    use crate::state::{AclUser, BlockState, Client, Db, MultiState, PersistState, PubSubState, SettingValue, StateHeader, Stats, WatchedKey};
    use crate::vec::RVec;
    use std::mem::{align_of, offset_of, size_of};

    pub const LAYOUT_VERSION: u32 = 10;
    /// Pinned while layout 10 was current.
    pub const LAYOUT_FINGERPRINT: u64 = 0xd0b9_e579_9bf1_ce86;

    #[repr(C)]
    pub struct ServerState {
        pub header: StateHeader,
        pub dbs: RVec<Db>,
        pub clients: RVec<*mut Client>,
        pub free_slots: RVec<u32>,
        pub pending: RVec<u32>,
        pub next_client_id: u64,
        pub stats: Stats,
        pub rng: u64,
        pub hash_seed: u64,
        pub start_unix_ms: i64,
        pub upgrade_waiter: u64,
        pub cronloops: u64,
        pub last_cron_us: u64,
        pub shutdown_asap: u32,
        pub _reserved: u32,
        pub settings: RVec<SettingValue>,
        pub blocked: RVec<*mut Client>,
        pub pubsub_channels: RDict<ClientList>,
        pub pubsub_patterns: RDict<ClientList>,
        pub pause_end_ms: i64,
        pub pause_kind: u32,
        pub _reserved2: u32,
        pub users: RVec<AclUser>,
        pub persist: PersistState,
    }

    /// The tail segment of layouts 9 and 10 (the value types come before it).
    pub const TAIL: &[u64] = crate::shape! {
        ClientList { next, clients, key_len }
        RawTable<ClientList> { buckets, size, used }
        RDict<ClientList> { tables, rehash_idx, pause_rehash, seed }
        Db { dict, volatile, avg_ttl_ms, blocking_keys, watched_keys }
        WatchedKey { key, db }
        MultiState { commands, watched }
        BlockState { argv, deadline_ms }
        PubSubState { channels, patterns }
        Client { id, fd, slot, flags, db, resp, ctime_ms, last_interaction_ms, qbuf, qpos, qneed, reply, sentpos,
                 name, addr, laddr, last_cmd, commands, user, mstate, bstate, pubsub }
        SettingValue { name, value }
        AclUser { name, rules }
        PersistState { dirty, dirty_at_fork, lastsave_unix, last_bgsave_try_unix, rdb_saves, child_start_us, last_bgsave_us,
                       stat_fork_usec, child_pid, child_kind, last_bgsave_ok, bgsave_scheduled }
        ServerState { header, dbs, clients, free_slots, pending, next_client_id, stats, rng, hash_seed,
                      start_unix_ms, upgrade_waiter, cronloops, last_cron_us, shutdown_asap, settings, blocked,
                      pubsub_channels, pubsub_patterns, pause_end_ms, pause_kind, users, persist }
    };
}

/// Layout 11: before the root held the children's copy-on-write samples
/// (layout 12's `cow`). Every type the root reaches is today's.
pub mod v11 {
    use crate::clientlist::ClientList;
    use crate::dict::{RDict, RawTable};
    use crate::state::{AclUser, AofState, BlockState, Client, Db, MultiState, PersistState, PubSubState, SettingValue, StateHeader, Stats, WatchedKey};
    use crate::vec::RVec;
    use std::mem::{align_of, offset_of, size_of};

    pub const LAYOUT_VERSION: u32 = 11;
    /// Pinned while layout 11 was current.
    pub const LAYOUT_FINGERPRINT: u64 = 0x621c_d045_8539_d353;

    #[repr(C)]
    pub struct ServerState {
        pub header: StateHeader,
        pub dbs: RVec<Db>,
        pub clients: RVec<*mut Client>,
        pub free_slots: RVec<u32>,
        pub pending: RVec<u32>,
        pub next_client_id: u64,
        pub stats: Stats,
        pub rng: u64,
        pub hash_seed: u64,
        pub start_unix_ms: i64,
        pub upgrade_waiter: u64,
        pub cronloops: u64,
        pub last_cron_us: u64,
        pub shutdown_asap: u32,
        pub _reserved: u32,
        pub settings: RVec<SettingValue>,
        pub blocked: RVec<*mut Client>,
        pub pubsub_channels: RDict<ClientList>,
        pub pubsub_patterns: RDict<ClientList>,
        pub pause_end_ms: i64,
        pub pause_kind: u32,
        pub _reserved2: u32,
        pub users: RVec<AclUser>,
        pub persist: PersistState,
        pub aof: AofState,
        pub total_forks: u64,
    }

    /// The tail segment of layout 11 (the value types come before it).
    pub const TAIL: &[u64] = crate::shape! {
        ClientList { next, clients, key_len }
        RawTable<ClientList> { buckets, size, used }
        RDict<ClientList> { tables, rehash_idx, pause_rehash, seed }
        Db { dict, volatile, avg_ttl_ms, blocking_keys, watched_keys }
        WatchedKey { key, db }
        MultiState { commands, watched }
        BlockState { argv, deadline_ms }
        PubSubState { channels, patterns }
        Client { id, fd, slot, flags, db, resp, ctime_ms, last_interaction_ms, qbuf, qpos, qneed, reply, sentpos,
                 name, addr, laddr, last_cmd, commands, user, mstate, bstate, pubsub }
        SettingValue { name, value }
        AclUser { name, rules }
        PersistState { dirty, dirty_at_fork, lastsave_unix, last_bgsave_try_unix, rdb_saves, child_start_us, last_bgsave_us,
                       stat_fork_usec, child_pid, child_kind, last_bgsave_ok, bgsave_scheduled }
        AofState { status, fd, selected_db, write_offset, fsynced_offset, last_fsync_ms, current_size, base_size,
                   rewrite_scheduled, last_bgrewrite_ok, last_write_ok, last_write_errno, rewrites, rewrite_failures,
                   last_rewrite_us, last_rewrite_try_ms, delayed_fsync, manifest }
        ServerState { header, dbs, clients, free_slots, pending, next_client_id, stats, rng, hash_seed,
                      start_unix_ms, upgrade_waiter, cronloops, last_cron_us, shutdown_asap, settings, blocked,
                      pubsub_channels, pubsub_patterns, pause_end_ms, pause_kind, users, persist, aof, total_forks }
    };
}

#[cfg(test)]
mod tests {
    use crate::dict::{RDict, RawTable};
    use super::v6::{Client, Config, Db, HEAD, TAIL};
    use crate::layout::{state_fingerprint, HASH_TYPES, LIST_TYPES, SET_TYPES};
    use crate::object::{HeapStr, KeyEntry, Value};
    use crate::state::StateHeader;
    use crate::vec::RVec;
    use std::mem::{align_of, offset_of, size_of};

    /// The frozen layout 1 is the layout 1 that was pinned.
    #[test]
    fn v1_is_the_real_layout_1() {
        use super::v1::{ServerState, Stats};
        const SHAPE: &[u64] = crate::shape! {
            StateHeader { magic, layout_version, layout_fingerprint }
            Config { hz, databases, maxclients, timeout_s, tcp_keepalive_s, proto_max_bulk_len, client_query_buffer_limit, maxmemory }
            Stats { total_connections_received, total_commands_processed, rejected_connections, expired_keys, evicted_keys,
                    keyspace_hits, keyspace_misses, net_input_bytes, net_output_bytes, total_error_replies, expire_cycle_cpu_us,
                    ops_samples, ops_sample_idx, ops_last_sample_ms, ops_last_sample_count }
            RVec<u8> { ptr, len, cap }
            RawTable<KeyEntry> { buckets, size, used }
            RDict<KeyEntry> { tables, rehash_idx, pause_rehash, seed }
            Value { tag, lru, len, data }
            HeapStr { cap }
            KeyEntry { next, expire_ms, value, key_len, vidx }
            Db { dict, volatile, avg_ttl_ms }
            Client { id, fd, slot, flags, db, resp, ctime_ms, last_interaction_ms, qbuf, qpos, qneed, reply, sentpos,
                     name, addr, laddr, last_cmd, commands }
            ServerState { header, config, dbs, clients, free_slots, pending, next_client_id, stats, rng, hash_seed,
                          start_unix_ms, upgrade_waiter, cronloops, last_cron_us, shutdown_asap }
        };
        assert_eq!(state_fingerprint(super::v1::LAYOUT_VERSION, &[SHAPE]), super::v1::LAYOUT_FINGERPRINT);
    }

    /// The frozen layout 2 is the layout 2 that was pinned.
    #[test]
    fn v2_is_the_real_layout_2() {
        use super::v2::ServerState;
        use crate::state::Stats;
        const SHAPE: &[u64] = crate::shape! {
            StateHeader { magic, layout_version, layout_fingerprint }
            Config { hz, databases, maxclients, timeout_s, tcp_keepalive_s, proto_max_bulk_len, client_query_buffer_limit, maxmemory }
            Stats { total_connections_received, total_commands_processed, rejected_connections, expired_keys, evicted_keys,
                    keyspace_hits, keyspace_misses, net_input_bytes, net_output_bytes, total_error_replies, expire_cycle_cpu_us,
                    total_reads_processed, total_writes_processed, ops_samples, ops_sample_idx, ops_last_sample_ms,
                    ops_last_sample_count }
            RVec<u8> { ptr, len, cap }
            RawTable<KeyEntry> { buckets, size, used }
            RDict<KeyEntry> { tables, rehash_idx, pause_rehash, seed }
            Value { tag, lru, len, data }
            HeapStr { cap }
            KeyEntry { next, expire_ms, value, key_len, vidx }
            Db { dict, volatile, avg_ttl_ms }
            Client { id, fd, slot, flags, db, resp, ctime_ms, last_interaction_ms, qbuf, qpos, qneed, reply, sentpos,
                     name, addr, laddr, last_cmd, commands }
            ServerState { header, config, dbs, clients, free_slots, pending, next_client_id, stats, rng, hash_seed,
                          start_unix_ms, upgrade_waiter, cronloops, last_cron_us, shutdown_asap }
        };
        assert_eq!(state_fingerprint(super::v2::LAYOUT_VERSION, &[SHAPE]), super::v2::LAYOUT_FINGERPRINT);
    }

    /// The frozen layout 3 is the layout 3 that was pinned.
    #[test]
    fn v3_is_the_real_layout_3() {
        let shape: &[&[u64]] = &[HEAD, TAIL];
        assert_eq!(state_fingerprint(super::v3::LAYOUT_VERSION, shape), super::v3::LAYOUT_FINGERPRINT);
    }

    /// The frozen layout 4 is the layout 4 that was pinned.
    #[test]
    fn v4_is_the_real_layout_4() {
        let shape: &[&[u64]] = &[HEAD, HASH_TYPES, TAIL];
        assert_eq!(state_fingerprint(super::v4::LAYOUT_VERSION, shape), super::v4::LAYOUT_FINGERPRINT);
    }

    /// The frozen layout 5 is the layout 5 that was pinned.
    #[test]
    fn v5_is_the_real_layout_5() {
        let shape: &[&[u64]] = &[HEAD, HASH_TYPES, SET_TYPES, TAIL];
        assert_eq!(state_fingerprint(super::v5::LAYOUT_VERSION, shape), super::v5::LAYOUT_FINGERPRINT);
    }

    /// The frozen layout 7 is the layout 7 that was pinned: today's
    /// segments without the sorted set types.
    #[test]
    fn v7_is_the_real_layout_7() {
        use crate::layout::STATE_HEAD;
        let shape: &[&[u64]] = &[STATE_HEAD, HASH_TYPES, SET_TYPES, LIST_TYPES, super::v8::TAIL];
        assert_eq!(state_fingerprint(super::v7::LAYOUT_VERSION, shape), super::v7::LAYOUT_FINGERPRINT);
    }

    /// The frozen layout 8 is the layout 8 that was pinned: today's
    /// segments with layout 8's root.
    #[test]
    fn v8_is_the_real_layout_8() {
        use crate::layout::{STATE_HEAD, ZSET_TYPES};
        let shape: &[&[u64]] = &[STATE_HEAD, HASH_TYPES, SET_TYPES, LIST_TYPES, ZSET_TYPES, super::v8::TAIL];
        assert_eq!(state_fingerprint(super::v8::LAYOUT_VERSION, shape), super::v8::LAYOUT_FINGERPRINT);
    }

    /// The frozen layout 6 is the layout 6 that was pinned.
    #[test]
    fn v6_is_the_real_layout_6() {
        let shape: &[&[u64]] = &[HEAD, HASH_TYPES, SET_TYPES, LIST_TYPES, TAIL];
        assert_eq!(state_fingerprint(super::v6::LAYOUT_VERSION, shape), super::v6::LAYOUT_FINGERPRINT);
    }

    /// The frozen layout 9 is the layout 9 that was pinned: layout 10's
    /// segments (layout 10 only added tags).
    #[test]
    fn v9_is_the_real_layout_9() {
        use crate::layout::{STATE_HEAD, ZSET_TYPES};
        let shape: &[&[u64]] = &[STATE_HEAD, HASH_TYPES, SET_TYPES, LIST_TYPES, ZSET_TYPES, super::v10::TAIL];
        assert_eq!(state_fingerprint(super::v9::LAYOUT_VERSION, shape), super::v9::LAYOUT_FINGERPRINT);
    }

    /// The frozen layout 10 is the layout 10 that was pinned: today's
    /// segments with layout 10's root.
    #[test]
    fn v10_is_the_real_layout_10() {
        use crate::layout::{STATE_HEAD, ZSET_TYPES};
        let shape: &[&[u64]] = &[STATE_HEAD, HASH_TYPES, SET_TYPES, LIST_TYPES, ZSET_TYPES, super::v10::TAIL];
        assert_eq!(state_fingerprint(super::v10::LAYOUT_VERSION, shape), super::v10::LAYOUT_FINGERPRINT);
    }

    /// The frozen layout 11 is the layout 11 that was pinned: today's
    /// segments with layout 11's root.
    #[test]
    fn v11_is_the_real_layout_11() {
        use crate::layout::{STATE_HEAD, ZSET_TYPES};
        let shape: &[&[u64]] = &[STATE_HEAD, HASH_TYPES, SET_TYPES, LIST_TYPES, ZSET_TYPES, super::v11::TAIL];
        assert_eq!(state_fingerprint(super::v11::LAYOUT_VERSION, shape), super::v11::LAYOUT_FINGERPRINT);
    }
}
