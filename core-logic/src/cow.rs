//! Copy-on-write of the background children (Redis 7.0's `current_cow_*`,
//! `rdb_last_cow_size`, `aof_last_cow_size`). Redis's child measures its
//! own private dirty memory and reports it over a pipe; here the parent
//! reads the child's `/proc/<pid>/smaps_rollup` in cron, which needs no
//! pipe and goes on across an UPGRADE (the samples are in the state).

use crate::host;
use crate::server::Server;
use hotkv_abi::state::{child_kind, CowState};

/// A sample costs the loop at most 1/`COST_FACTOR` of its time: the next
/// one waits `COST_FACTOR` times as long as the last took (the kernel
/// walks every page of the child, long for a large dataset).
const COST_FACTOR: u64 = 10;

/// The `Private_Dirty` bytes of process `pid`: the written pages it maps
/// alone, i.e. for a forked child the pages copied since the fork (what
/// Redis's `zmalloc_get_private_dirty` sums in its own smaps).
fn private_dirty(pid: i32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let kb = text.lines().find_map(|l| l.strip_prefix("Private_Dirty:"))?;
    Some(kb.trim().strip_suffix("kB")?.trim().parse::<u64>().ok()? * 1024)
}

/// Samples the running child (from cron, unless the last sample is too
/// recent for its cost). A child that has already exited has no memory
/// left to read: its last sample stays.
pub fn sample(srv: &mut Server) {
    let t0 = host::monotonic_us();
    let c = &mut srv.st.cow;
    if c.sampled_us != 0 && t0.saturating_sub(c.sampled_us) < c.cost_us * COST_FACTOR {
        return;
    }
    let Some(bytes) = private_dirty(srv.st.persist.child_pid) else { return };
    c.current = bytes;
    c.peak = c.peak.max(bytes);
    c.sum += bytes;
    c.samples += 1;
    c.sampled_us = host::monotonic_us();
    c.cost_us = c.sampled_us - t0;
}

/// The end of the child (Redis's last `sendChildCowInfo` and
/// `resetChildState`): a child that succeeded leaves its last sample as
/// the last size of its kind; the running child's samples are cleared.
pub fn child_done(srv: &mut Server, ok: bool) {
    let kind = srv.st.persist.child_kind;
    let c = &mut srv.st.cow;
    if ok {
        let name = if kind == child_kind::AOF {
            c.aof_last = c.current;
            "AOF rewrite"
        } else {
            c.rdb_last = c.current;
            "RDB"
        };
        if let Some(average) = c.sum.checked_div(c.samples) {
            log::info!("Fork CoW for {name}: current {} MB, peak {} MB, average {} MB", c.current >> 20, c.peak >> 20, average >> 20);
        }
    }
    *c = CowState { rdb_last: c.rdb_last, aof_last: c.aof_last, ..CowState::default() };
}

/// INFO's `current_cow_size_age`: whole seconds since the latest sample
/// of the running child, 0 if none.
pub fn current_age_s(c: &CowState) -> u64 {
    if c.sampled_us == 0 {
        return 0;
    }
    host::monotonic_us().saturating_sub(c.sampled_us) / 1_000_000
}
