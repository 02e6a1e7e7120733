//! Expiry: the active expire cycle run from cron (Redis's `expire.c`).
//! Lazy expiry on access lives in `db.rs`.

use crate::host;
use crate::server::Server;
use hotkv_abi::dict::next_random;

/// Keys sampled per round and database (ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP).
const KEYS_PER_LOOP: usize = 20;
/// Another round while more than this percent of the sample had expired.
const ACCEPTABLE_STALE: usize = 10;
/// CPU share of the cycle, in percent of the cron period (Redis: 25).
const SLOW_TIME_PERC: u64 = 25;

/// Samples keys with an expiry in each database and deletes the expired
/// ones, repeating while many of a sample were stale, within a time budget.
/// The expiry index (`Db::volatile`) makes sampling O(1) and uniform.
pub fn active_expire_cycle(srv: &mut Server) {
    let start = host::monotonic_us();
    let budget = 1_000_000 * SLOW_TIME_PERC / 100 / srv.st.config.hz.max(1) as u64;
    let now = srv.now_ms;
    let mut expired_total = 0u64;
    let rng = &mut srv.st.rng;
    'dbs: for db in srv.st.dbs.iter_mut() {
        loop {
            let n = db.volatile.len();
            if n == 0 {
                break;
            }
            let sample = n.min(KEYS_PER_LOOP);
            let mut expired = 0;
            let mut ttl_sum = 0i64;
            for _ in 0..sample {
                if db.volatile.is_empty() {
                    break;
                }
                let i = (next_random(rng) % db.volatile.len() as u64) as usize;
                let e = db.volatile[i];
                // SAFETY: the expiry index holds live entries of this database.
                let when = unsafe { (*e).expire_ms };
                if now > when {
                    // SAFETY: the key bytes are read before the entry is freed.
                    let key = unsafe { hotkv_abi::dict::DictEntry::key(&*e).to_vec() };
                    let gone = db.unlink(&key);
                    // SAFETY: unlinked from dict and index: ours alone.
                    unsafe { hotkv_abi::object::KeyEntry::free(gone) };
                    expired += 1;
                } else {
                    ttl_sum += when - now;
                }
            }
            let live = sample - expired;
            if live > 0 {
                let avg = (ttl_sum / live as i64) as u64;
                db.avg_ttl_ms = if db.avg_ttl_ms == 0 { avg } else { (db.avg_ttl_ms / 50) * 49 + avg / 50 };
            }
            expired_total += expired as u64;
            if host::monotonic_us() - start > budget {
                break 'dbs;
            }
            if expired * 100 / sample <= ACCEPTABLE_STALE {
                break;
            }
        }
    }
    srv.st.stats.expired_keys += expired_total;
    srv.st.stats.expire_cycle_cpu_us += host::monotonic_us() - start;
}
