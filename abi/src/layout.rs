//! Layout fingerprints: a hash of the size, alignment and field offsets of
//! every type that crosses the boundary, computed at compile time.
//!
//! Two fingerprints, because two things can differ between builds:
//! - [`ABI_FINGERPRINT`]: the function tables and call types (host and logic
//!   tables, events, status). They must match exactly.
//! - [`LAYOUT_FINGERPRINT`]: the swap-surviving state. At the same
//!   [`crate::LAYOUT_VERSION`] it must match exactly; a library with a newer
//!   layout version migrates an older state, or is refused.
//!
//! A compiler that reorders or pads differently changes a fingerprint, so it
//! is refused instead of misreading memory. The tests below pin every figure:
//! changing a state type without bumping the version fails them.

use crate::clientlist::ClientList;
use crate::dict::{RDict, RawTable};
use crate::hashobj::{FieldEntry, HashListpack};
use crate::host::{Accepted, BioStatus, Event, HostApi, ShellStatus, StrRef};
use crate::listobj::ListRing;
use crate::logic::{Directive, InitArgs, LogicApi, RunReason};
use crate::object::{HeapStr, KeyEntry, Value};
use crate::setobj::{MemberEntry, SetIntset};
use crate::state::{AclUser, AofState, BlockState, Client, CowState, Db, MultiState, PersistState, PubSubState, ServerState, SettingValue, StateHeader, Stats, WatchedKey};
use crate::vec::RVec;
use crate::zsetobj::{ZLevel, ZNode, ZsetSkiplist};
use std::mem::{align_of, offset_of, size_of};

/// `size, align, offsets..., END` for each listed type.
#[macro_export]
#[doc(hidden)]
macro_rules! shape {
    ($($ty:ty { $($field:ident),* $(,)? })*) => {
        &[$(size_of::<$ty>() as u64, align_of::<$ty>() as u64, $(offset_of!($ty, $field) as u64,)* u64::MAX,)*]
    };
}

/// FNV-1a over the words of `segments` in order, seeded with the version and
/// the pointer width. FNV is a stream: cutting a shape into segments does not
/// change its fingerprint, so a frozen layout can be named by the segments it
/// had.
pub const fn fingerprint(version: u64, segments: &[&[u64]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ version ^ ((usize::BITS as u64) << 32);
    let mut s = 0;
    while s < segments.len() {
        let words = segments[s];
        let mut i = 0;
        while i < words.len() {
            let mut b = 0;
            while b < 8 {
                h ^= (words[i] >> (b * 8)) & 0xff;
                h = h.wrapping_mul(0x0100_0000_01b3);
                b += 1;
            }
            i += 1;
        }
        s += 1;
    }
    h
}

/// The state's shape, in segments: the root and string types (every layout
/// has them), then the value types in the order layouts added them, then the
/// databases, clients and root. Frozen layouts name the segments they had.
pub const STATE_HEAD: &[u64] = shape! {
    StateHeader { magic, layout_version, layout_fingerprint }
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

/// Hashes (layout 4).
pub const HASH_TYPES: &[u64] = shape! {
    HashListpack { buf, count }
    FieldEntry { next, field_len, value_len }
    RawTable<FieldEntry> { buckets, size, used }
    RDict<FieldEntry> { tables, rehash_idx, pause_rehash, seed }
};

/// Sets (layout 5).
pub const SET_TYPES: &[u64] = shape! {
    SetIntset { ints }
    MemberEntry { next, member_len, _reserved }
    RawTable<MemberEntry> { buckets, size, used }
    RDict<MemberEntry> { tables, rehash_idx, pause_rehash, seed }
};

/// Lists (layout 6).
pub const LIST_TYPES: &[u64] = shape! {
    ListRing { slots, head, len }
    RVec<Value> { ptr, len, cap }
};

/// Sorted sets (layout 8).
pub const ZSET_TYPES: &[u64] = shape! {
    ZLevel { forward, span }
    ZNode { next, score, backward, member_len, level }
    RawTable<ZNode> { buckets, size, used }
    RDict<ZNode> { tables, rehash_idx, pause_rehash, seed }
    ZsetSkiplist { dict, header, tail, length, level, rng }
};

pub const STATE_TAIL: &[u64] = shape! {
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
    CowState { current, peak, sum, samples, sampled_us, cost_us, rdb_last, aof_last }
    ServerState { header, dbs, clients, free_slots, pending, next_client_id, stats, rng, hash_seed,
                  start_unix_ms, upgrade_waiter, cronloops, last_cron_us, shutdown_asap, settings, blocked,
                  pubsub_channels, pubsub_patterns, pause_end_ms, pause_kind, users, persist, aof, total_forks, cow }
};

/// The shape of the current layout, including the hash function's identity
/// (a table written with one hash cannot be probed with another).
pub const STATE_SHAPE: &[&[u64]] = &[STATE_HEAD, HASH_TYPES, SET_TYPES, LIST_TYPES, ZSET_TYPES, STATE_TAIL];

/// Identity of the hash function ([`crate::hash`]); bump when it changes.
pub const HASH_FUNCTION_ID: u64 = 1;

pub const LAYOUT_FINGERPRINT: u64 = state_fingerprint(crate::LAYOUT_VERSION, STATE_SHAPE);

/// The fingerprint of a state shape at a layout version.
pub const fn state_fingerprint(version: u32, shape: &[&[u64]]) -> u64 {
    fingerprint(version as u64 ^ (HASH_FUNCTION_ID << 40), shape)
}

pub const ABI_SHAPE: &[u64] = shape! {
    StrRef { ptr, len }
    Event { token, flags }
    Accepted { fd, addr, laddr }
    ShellStatus { pid, port, bind, config_file, executable, dir, generation, upgrades, failed_upgrades, last_pause_us,
                  loaded_at_unix_us, path, source_path, args, previous_path, previous_version, previous_args,
                  upgrade_in_progress, loglevel }
    HostApi { abi_version, ctx, alloc, alloc_zeroed, dealloc, realloc, used_memory, log, log_max_level, unix_time_us,
              monotonic_us, poll, register, deregister, listener_count, accept, close, request_upgrade, status,
              set_logic_args, set_log_level, set_dir, bio_fsync, bio_close, bio_status }
    BioStatus { fsynced_offset, pending_jobs, pending_fsyncs, fsync_errno }
    Directive { argv, argc, origin }
    InitArgs { args, nargs, config, nconfig }
    RunReason { kind, requester, pause_us, from_version, error }
    LogicApi { abi_version, layout_version, min_layout_version, abi_fingerprint, layout_fingerprint, version,
               build_id, init, run, unload }
};

pub const ABI_FINGERPRINT: u64 = fingerprint(crate::ABI_VERSION as u64, &[ABI_SHAPE]);

#[cfg(test)]
mod tests {
    use super::*;

    /// Pinned sizes and offsets of the state. If this fails, the state layout
    /// changed: bump `LAYOUT_VERSION`, write the migration from the previous
    /// layout in the logic, then update these figures.
    #[test]
    fn state_layout_is_pinned() {
        assert_eq!(size_of::<StateHeader>(), 24);
        assert_eq!(size_of::<RVec<u8>>(), 24);
        assert_eq!(size_of::<Value>(), 16);
        assert_eq!(offset_of!(Value, data), 8);
        assert_eq!(size_of::<KeyEntry>(), 40);
        assert_eq!(offset_of!(KeyEntry, value), 16);
        assert_eq!(offset_of!(KeyEntry, key_len), 32);
        assert_eq!(size_of::<HashListpack>(), 32);
        assert_eq!(offset_of!(HashListpack, count), 24);
        assert_eq!(size_of::<FieldEntry>(), 16);
        assert_eq!(offset_of!(FieldEntry, field_len), 8);
        assert_eq!(offset_of!(FieldEntry, value_len), 12);
        assert_eq!(size_of::<RDict<FieldEntry>>(), 72);
        assert_eq!(size_of::<RDict<KeyEntry>>(), 72);
        assert_eq!(size_of::<SetIntset>(), 24);
        assert_eq!(size_of::<MemberEntry>(), 16);
        assert_eq!(offset_of!(MemberEntry, member_len), 8);
        assert_eq!(size_of::<RDict<MemberEntry>>(), 72);
        assert_eq!(size_of::<ListRing>(), 40);
        assert_eq!(offset_of!(ListRing, head), 24);
        assert_eq!(offset_of!(ListRing, len), 32);
        assert_eq!(size_of::<RVec<Value>>(), 24);
        assert_eq!(size_of::<Db>(), 248);
        assert_eq!(size_of::<ClientList>(), 40);
        assert_eq!(offset_of!(ClientList, key_len), 32);
        assert_eq!(size_of::<Stats>(), 256);
        assert_eq!(size_of::<Client>(), 376);
        assert_eq!(offset_of!(Client, user), 224);
        assert_eq!(offset_of!(Client, pubsub), 328);
        assert_eq!(offset_of!(Client, qbuf), 48);
        assert_eq!(offset_of!(Client, reply), 88);
        assert_eq!(size_of::<SettingValue>(), 48);
        assert_eq!(size_of::<ServerState>(), 960);
        assert_eq!(offset_of!(ServerState, cow), 896);
        assert_eq!(size_of::<CowState>(), 64);
        assert_eq!(offset_of!(ServerState, aof), 752);
        assert_eq!(size_of::<AofState>(), 136);
        assert_eq!(offset_of!(AofState, manifest), 112);
        assert_eq!(offset_of!(ServerState, persist), 672);
        assert_eq!(size_of::<PersistState>(), 80);
        assert_eq!(offset_of!(PersistState, child_pid), 64);
        assert_eq!(offset_of!(ServerState, settings), 440);
        assert_eq!(offset_of!(ServerState, users), 648);
        assert_eq!(offset_of!(ServerState, header), 0);
        assert_eq!(offset_of!(ServerState, stats), 128);
        assert_eq!(size_of::<ZLevel>(), 16);
        assert_eq!(size_of::<ZNode>(), 32);
        assert_eq!(offset_of!(ZNode, score), 8);
        assert_eq!(offset_of!(ZNode, member_len), 24);
        assert_eq!(offset_of!(ZNode, level), 28);
        assert_eq!(size_of::<ZsetSkiplist>(), 112);
        assert_eq!(offset_of!(ZsetSkiplist, header), 72);
        assert_eq!(offset_of!(ZsetSkiplist, rng), 104);
        assert_eq!(LAYOUT_FINGERPRINT, PINNED_LAYOUT_FINGERPRINT, "{LAYOUT_FINGERPRINT:#x}");
    }

    const PINNED_LAYOUT_FINGERPRINT: u64 = 0x7a83_6d05_8678_55f5;

    #[test]
    fn abi_layout_is_pinned() {
        assert_eq!(size_of::<StrRef>(), 16);
        assert_eq!(size_of::<Event>(), 16);
        assert_eq!(size_of::<HostApi>(), 8 + 8 + 23 * 8);
        assert_eq!(size_of::<BioStatus>(), 32);
        assert_eq!(size_of::<LogicApi>(), 16 + 16 + 32 + 24);
        assert_eq!(ABI_FINGERPRINT, PINNED_ABI_FINGERPRINT, "{ABI_FINGERPRINT:#x}");
    }

    const PINNED_ABI_FINGERPRINT: u64 = 0x0633_fe3a_9228_5479;

    #[test]
    fn fingerprint_sees_offsets() {
        assert_ne!(fingerprint(1, &[&[8, 8, 0, u64::MAX]]), fingerprint(1, &[&[8, 8, 4, u64::MAX]]));
        assert_eq!(fingerprint(1, &[&[8, 8], &[0, u64::MAX]]), fingerprint(1, &[&[8, 8, 0, u64::MAX]]));
        assert_ne!(fingerprint(1, &[&[8]]), fingerprint(2, &[&[8]]));
    }
}
