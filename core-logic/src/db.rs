//! Keyspace access for commands (Redis's `db.c` lookups): lazy expiry on
//! every access, hit/miss statistics, LRU clock updates, and the operations
//! that keep a key's dict entry and expiry index consistent.

use crate::multi::{self, Touch};
use crate::notify::{class, Event};
use crate::server::Server;
use hotkv_abi::dict::DictEntry;
use hotkv_abi::object::{KeyEntry, Value, NO_EXPIRE};
use hotkv_abi::state::{Db, Stats};

/// One database as a command sees it.
pub struct Keyspace<'a> {
    pub db: &'a mut Db,
    /// Index of `db` (for WATCH and keyspace notifications), and where
    /// its touched watched keys are recorded.
    pub idx: u32,
    pub touched: &'a mut Vec<Touch>,
    pub stats: &'a mut Stats,
    /// Changes since the last save (Redis's `server.dirty`): every write
    /// path counts one.
    pub dirty: &'a mut u64,
    pub now_ms: i64,
    pub lru: u32,
    /// `notify-keyspace-events` and the queue its events go to.
    notify_flags: u32,
    events: &'a mut Vec<Event>,
    /// The run's list of keys created while clients were blocked on them
    /// (see `signal_ready`).
    pub ready: &'a mut Vec<(u32, Vec<u8>)>,
    /// CLIENT PAUSE is in force: expired keys read as missing, not deleted.
    paused: bool,
    /// Where a deletion by expiry queues its `DEL` ([`crate::propagate`]).
    prop: &'a mut crate::propagate::Pending,
    /// Loading the AOF: nothing expires (Redis's `keyIsExpired` while
    /// `server.loading`), so commands replay as they first ran.
    loading: bool,
}

/// What SET-like writes do with an existing expiry.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Ttl {
    /// Remove it (a plain overwrite).
    Clear,
    /// Keep it (KEEPTTL, and in-place edits like APPEND).
    Keep,
    /// Set this absolute unix time in ms.
    At(i64),
}

impl Server<'_> {
    /// Database `idx` of the client's current selection.
    pub fn keyspace(&mut self, idx: u32) -> Keyspace<'_> {
        let lru = self.lru_clock();
        let notify_flags = self.cfg.notify_keyspace_events;
        let paused = crate::client::paused(self);
        Keyspace {
            db: &mut self.st.dbs[idx as usize],
            idx,
            touched: &mut self.touched,
            stats: &mut self.st.stats,
            dirty: &mut self.st.persist.dirty,
            now_ms: self.now_ms,
            lru,
            notify_flags,
            events: &mut self.events,
            ready: &mut self.ready_keys,
            paused,
            prop: &mut self.prop,
            loading: self.loading,
        }
    }
}

/// Turns an entry pointer of `db` into a reference tied to the keyspace borrow.
///
/// # Safety
/// `e` is a live entry of the database the `Keyspace` borrows; the returned
/// reference lives no longer than that borrow, during which nothing else can
/// reach the entry.
#[inline]
unsafe fn entry<'k>(e: *mut KeyEntry) -> &'k mut KeyEntry {
    &mut *e
}

impl Keyspace<'_> {
    /// Queues a keyspace notification for `key` (published once the
    /// command is done, see [`crate::notify`]).
    pub fn notify(&mut self, class: u32, event: &'static str, key: &[u8]) {
        crate::notify::queue(self.events, self.notify_flags, class, event, key, self.idx);
    }

    /// Deletes an expired `key`, counting and announcing it.
    fn expire_key(&mut self, key: &[u8]) {
        // An expiry is no change of the dataset by the command (Redis's
        // `deleteExpiredKeyAndPropagate` leaves `server.dirty` alone): a
        // read that meets an expired key propagates only its DEL.
        let dirty = *self.dirty;
        self.delete(key);
        *self.dirty = dirty;
        self.stats.expired_keys += 1;
        self.notify(class::EXPIRED, "expired", key);
        crate::propagate::expired(self.prop, self.idx, key);
    }

    pub fn len(&self) -> usize {
        self.db.dict.len()
    }

    /// True if `e` has an expiry in the past (Redis: `now > when`).
    #[inline]
    fn is_expired(&self, e: &KeyEntry) -> bool {
        e.expire_ms != NO_EXPIRE && self.now_ms > e.expire_ms && !self.loading
    }

    /// Deletes `e`, the entry of `key` (or null), if it has expired; true
    /// if it did.
    fn expire_found(&mut self, key: &[u8], e: *mut KeyEntry) -> bool {
        // SAFETY: non-null entries of our dict are live.
        if e.is_null() || !self.is_expired(unsafe { &*e }) {
            return false;
        }
        // While clients are paused the dataset stays as it is (Redis's
        // `expireIfNeeded`): the key reads as gone but is deleted later.
        // No write runs during a pause, so nothing can meet the entry.
        if !self.paused {
            self.expire_key(key);
        }
        true
    }

    /// Finds `key`, deleting it first if it has expired.
    fn find_live(&mut self, key: &[u8]) -> *mut KeyEntry {
        let h = self.db.dict.hash(key);
        let e = self.db.dict.find(key, h);
        if self.expire_found(key, e) {
            return std::ptr::null_mut();
        }
        e
    }

    /// Deletes `key` if it exists and has expired (Redis's `expireIfNeeded`):
    /// true if it did.
    pub fn expire_if_needed(&mut self, key: &[u8]) -> bool {
        let h = self.db.dict.hash(key);
        let e = self.db.dict.find(key, h);
        self.expire_found(key, e)
    }

    /// A key's entry for reading: counts a hit or miss, refreshes its clock.
    pub fn lookup_read(&mut self, key: &[u8]) -> Option<&mut KeyEntry> {
        self.read(key, true)
    }

    /// As `lookup_read` but leaves the clock alone (Redis's LOOKUP_NOTOUCH:
    /// EXISTS, TYPE, TTL look at a key without "using" it).
    pub fn lookup_read_notouch(&mut self, key: &[u8]) -> Option<&mut KeyEntry> {
        self.read(key, false)
    }

    fn read(&mut self, key: &[u8], touch: bool) -> Option<&mut KeyEntry> {
        let e = self.find_live(key);
        if e.is_null() {
            self.stats.keyspace_misses += 1;
            // Redis's lookupKeyRead: a read of a missing key is a `keymiss`
            // event (class `m`); write lookups are not.
            self.notify(class::KEY_MISS, "keymiss", key);
            return None;
        }
        self.stats.keyspace_hits += 1;
        // SAFETY: see `entry`.
        let e = unsafe { entry(e) };
        if touch {
            e.value.set_lru(self.lru);
        }
        Some(e)
    }

    /// Redis's `signalModifiedKey`: WATCHing clients of `key` will fail
    /// their EXEC. Every write below calls it, so commands need not.
    #[inline]
    fn modified(&mut self, key: &[u8]) {
        *self.dirty += 1;
        multi::signal_modified(self.db, self.idx, key, self.touched);
    }

    /// A key's entry for modification: refreshes its clock. Counts as a
    /// modification for WATCH, since in-place edits (HSET, LPUSH, SADD to an
    /// existing key) go through here. Unlike Redis, an in-place write that
    /// then changes nothing (SREM of a missing member, HSETNX of an existing
    /// field, LPOP's ...) also fails a WATCHer's EXEC: a spurious retry for
    /// the client, never a missed change.
    pub fn lookup_write(&mut self, key: &[u8]) -> Option<&mut KeyEntry> {
        self.lookup_write_or_check(key, true)
    }

    /// As `lookup_write` for a check before a write that may not happen
    /// (SET NX, RENAMENX, MOVE, COPY, type checks): no WATCH signal; the
    /// write itself (`set`, `take`, `delete`) signals.
    pub fn lookup_write_check(&mut self, key: &[u8]) -> Option<&mut KeyEntry> {
        self.lookup_write_or_check(key, false)
    }

    fn lookup_write_or_check(&mut self, key: &[u8], signal: bool) -> Option<&mut KeyEntry> {
        let lru = self.lru;
        let e = self.find_live(key);
        if e.is_null() {
            return None;
        }
        if signal {
            self.modified(key);
        }
        // SAFETY: see `entry`.
        let e = unsafe { entry(e) };
        e.value.set_lru(lru);
        Some(e)
    }

    /// Adds or overwrites `key` with `value`, handling its expiry per `ttl`.
    /// A key that has expired counts as expired and is replaced as a new one
    /// (so `Ttl::Keep` cannot keep a dead expiry), as with Redis's
    /// `lookupKeyWrite` before `setKey`; one lookup does both.
    pub fn set(&mut self, key: &[u8], mut value: Value, ttl: Ttl) -> &mut KeyEntry {
        value.set_lru(self.lru);
        let h = self.db.dict.hash(key);
        let mut e = self.db.dict.find(key, h);
        // SAFETY: non-null entries of our dict are live.
        if !e.is_null() && self.is_expired(unsafe { &*e }) {
            self.expire_key(key);
            e = std::ptr::null_mut();
        }
        if e.is_null() {
            self.notify(class::NEW, "new", key);
            e = KeyEntry::alloc(key, value);
            // SAFETY: a fresh node; `find` just showed its key is absent.
            unsafe { self.db.dict.insert_new(e, h) };
            self.signal_ready(key);
        } else {
            // SAFETY: live entry of our dict; the old value is freed once.
            unsafe {
                (*e).value.free();
                (*e).value = value;
            }
            if ttl == Ttl::Clear {
                // SAFETY: live entry of this database.
                unsafe { self.db.remove_expire(e) };
            }
        }
        if let Ttl::At(when) = ttl {
            // SAFETY: live entry of this database.
            unsafe { self.db.set_expire(e, when) };
        }
        self.modified(key);
        // SAFETY: see `entry`.
        unsafe { entry(e) }
    }

    /// Notes a new key that clients are blocked on, to serve them once the
    /// command is done (Redis's `signalKeyAsReady` in `dbAdd`): clients
    /// block only on missing keys, so every chance to serve them starts
    /// with a key being added, by any command (RENAME, MOVE, COPY too).
    pub fn signal_ready(&mut self, key: &[u8]) {
        let table = &mut self.db.blocking_keys;
        if table.is_empty() || table.find(key, table.hash(key)).is_null() {
            return;
        }
        if !self.ready.iter().any(|(db, k)| *db == self.idx && k == key) {
            self.ready.push((self.idx, key.to_vec()));
        }
    }

    /// A live key's value, without statistics or clock updates (the
    /// server looking, not a command).
    pub fn peek(&mut self, key: &[u8]) -> Option<&Value> {
        let e = self.find_live(key);
        // SAFETY: see `entry`.
        (!e.is_null()).then(|| unsafe { &entry(e).value })
    }

    /// Deletes `key` unless it has expired (then it is expired, as on any
    /// access); true if a live key was deleted (DEL, UNLINK).
    pub fn delete_live(&mut self, key: &[u8]) -> bool {
        !self.find_live(key).is_null() && self.delete(key)
    }

    /// Deletes `key`; true if it existed (expired or not).
    pub fn delete(&mut self, key: &[u8]) -> bool {
        let e = self.db.unlink(key);
        if e.is_null() {
            return false;
        }
        // SAFETY: unlinked from the dict and the expiry index: ours alone.
        unsafe { KeyEntry::free(e) };
        self.modified(key);
        true
    }

    /// Deletes `key`, an aggregate that lost its last element, when
    /// `emptied`, with Redis's "del" event (after the command's own).
    pub fn delete_if_emptied(&mut self, key: &[u8], emptied: bool) {
        if emptied {
            self.delete(key);
            self.notify(class::GENERIC, "del", key);
        }
    }

    /// Sets the absolute expiry of an existing key. False if it has none.
    pub fn set_expire(&mut self, key: &[u8], when_ms: i64) -> bool {
        let e = self.find_live(key);
        if e.is_null() {
            return false;
        }
        // SAFETY: live entry of this database.
        unsafe { self.db.set_expire(e, when_ms) };
        self.modified(key);
        true
    }

    /// Removes a key's expiry. True if it had one.
    pub fn persist(&mut self, key: &[u8]) -> bool {
        let e = self.find_live(key);
        // SAFETY: live entry of this database.
        let done = !e.is_null() && unsafe { self.db.remove_expire(e) };
        if done {
            self.modified(key);
        }
        done
    }

    /// Unlinks `key` and returns its value and expiry (RENAME, GETDEL).
    pub fn take(&mut self, key: &[u8]) -> Option<(Value, i64)> {
        let e = self.find_live(key);
        if e.is_null() {
            return None;
        }
        // Read before unlinking: leaving the expiry index clears it.
        // SAFETY: live entry of this database.
        let when = unsafe { (*e).expire_ms };
        let e = self.db.unlink(key);
        // SAFETY: unlinked: ours alone; the value is moved out before the free.
        let v = unsafe {
            let v = (*e).value.take();
            KeyEntry::free(e);
            v
        };
        self.modified(key);
        Some((v, when))
    }

    /// A random live key's name.
    pub fn random_key(&mut self, rng: &mut u64) -> Option<Vec<u8>> {
        // Expired keys found on the way are deleted; bounded like Redis so an
        // all-volatile database cannot loop forever.
        for _ in 0..100 {
            let e = self.db.dict.random(rng);
            if e.is_null() {
                return None;
            }
            // SAFETY: live entry returned by our dict.
            let (key, expired) = unsafe { ((*e).key().to_vec(), self.is_expired(&*e)) };
            if !expired {
                return Some(key);
            }
            self.expire_key(&key);
        }
        None
    }

    /// Calls `f` with the name of every key that has not expired, without
    /// deleting the expired ones (KEYS: a read-only walk of the table).
    pub fn for_each_live<'s>(&'s self, mut f: impl FnMut(&'s [u8])) {
        self.db.dict.for_each(|e| {
            if !self.is_expired(e) {
                f(e.key());
            }
        });
    }

    /// One SCAN call: walks buckets from `cursor` until `count` names are
    /// collected, the walk ends, or `10 * count` buckets were visited (so a
    /// sparse table cannot make one call long), as Redis's
    /// `scanGenericCommand`. Names of expired keys are included; the caller
    /// filters. Returns the next cursor (0 when done) and the names.
    pub fn scan(&self, mut cursor: u64, count: usize) -> (u64, Vec<Vec<u8>>) {
        let mut keys = Vec::new();
        let mut budget = count.saturating_mul(10);
        loop {
            cursor = self.db.dict.scan(cursor, |e| keys.push(e.key().to_vec()));
            if cursor == 0 || budget == 0 || keys.len() >= count {
                return (cursor, keys);
            }
            budget -= 1;
        }
    }

    /// Deletes every key; returns how many there were.
    pub fn flush(&mut self) -> usize {
        multi::signal_flush(self.db, self.idx, self.touched);
        let n = self.db.dict.len();
        self.db.clear();
        self.db.avg_ttl_ms = 0;
        n
    }
}

impl Server<'_> {
    /// Empties every database (FLUSHALL); returns how many keys there were.
    pub fn flush_all(&mut self) -> usize {
        (0..self.st.dbs.len() as u32).map(|i| self.keyspace(i).flush()).sum()
    }
}
