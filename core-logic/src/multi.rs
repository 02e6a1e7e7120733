//! Transactions (Redis 7.0's `multi.c`): MULTI, EXEC, DISCARD, WATCH,
//! UNWATCH, and the "a key was modified" signal that makes a WATCHing
//! client's EXEC fail.
//!
//! Everything a transaction needs lives in the state (`Client::mstate`,
//! `Db::watched_keys`), so a client inside MULTI keeps its queue and its
//! watched keys across an UPGRADE and EXECs on the new version.
//!
//! A touched key is first *recorded* ([`signal_modified`], called from the
//! keyspace write paths in `db.rs`, FLUSHDB/FLUSHALL, SWAPDB and the active
//! expire cycle) and the clients are marked right after the command
//! ([`apply_touches`]). Marking inside the write would write through the
//! client pointers of `watched_keys` to the client running the command,
//! which the command holds as `&mut Client`: recording first keeps that
//! client reachable only through its reference.

use crate::commands;
use crate::reply::Reply;
use crate::server::Server;
use hotkv_abi::clientlist::ClientList;
use hotkv_abi::dict::DictEntry;
use hotkv_abi::object::NO_EXPIRE;
use hotkv_abi::state::{client_flag as cf, Client, Db, WatchedKey};
use hotkv_abi::vec::RBytes;

/// How a watched key changed (what Redis's `touchWatchedKey` and
/// `touchAllWatchedKeysInDb` look at when they run).
pub enum Change {
    /// Written, deleted or expired; `present`: the key is in the dict after.
    Modified { present: bool },
    /// SWAPDB put another database's content under this index: whether
    /// the key existed before, exists after, and has expired after.
    Swapped { existed: bool, present: bool, expired: bool },
}

/// A change of a watched key, waiting for [`apply_touches`].
pub struct Touch {
    db: u32,
    key: Vec<u8>,
    change: Change,
}

fn watched(db: &Db, key: &[u8]) -> *mut ClientList {
    db.watched_keys.peek(key, db.watched_keys.hash(key))
}

fn in_dict(db: &Db, key: &[u8]) -> bool {
    !db.dict.peek(key, db.dict.hash(key)).is_null()
}

/// Redis's `keyIsExpired`: in the dict with an expiry in the past.
fn is_expired(db: &Db, key: &[u8], now_ms: i64) -> bool {
    let e = db.dict.peek(key, db.dict.hash(key));
    // SAFETY: non-null entries of the dict are live.
    !e.is_null() && unsafe { (*e).expire_ms != NO_EXPIRE && now_ms > (*e).expire_ms }
}

/// Redis's `signalModifiedKey`: records that `key` of database `idx` was
/// modified, if anyone watches it. On every write's path: with no key
/// watched in the database it is one length check.
#[inline]
pub fn signal_modified(db: &Db, idx: u32, key: &[u8], log: &mut Vec<Touch>) {
    if db.watched_keys.is_empty() || watched(db, key).is_null() {
        return;
    }
    log.push(Touch { db: idx, key: key.to_vec(), change: Change::Modified { present: in_dict(db, key) } });
}

/// FLUSHDB/FLUSHALL, before database `idx` is emptied: every watched key
/// it holds is modified (Redis's `touchAllWatchedKeysInDb(db, NULL)`).
pub fn signal_flush(db: &Db, idx: u32, log: &mut Vec<Touch>) {
    db.watched_keys.for_each(|l| {
        if in_dict(db, l.key()) {
            log.push(Touch { db: idx, key: l.key().to_vec(), change: Change::Modified { present: false } });
        }
    });
}

/// SWAPDB, before the content of `emptied` is replaced by that of
/// `with`: the keys watched in `emptied` that exist on either side change
/// (Redis's `touchAllWatchedKeysInDb(emptied, replaced_with)`).
pub fn signal_swap(emptied: &Db, idx: u32, with: &Db, now_ms: i64, log: &mut Vec<Touch>) {
    emptied.watched_keys.for_each(|l| {
        let key = l.key();
        let (existed, present) = (in_dict(emptied, key), in_dict(with, key));
        if existed || present {
            let change = Change::Swapped { existed, present, expired: is_expired(with, key, now_ms) };
            log.push(Touch { db: idx, key: key.to_vec(), change });
        }
    });
}

/// Marks the clients watching the recorded keys (`DIRTY_CAS`), with Redis
/// 7.0's rules for keys that were already expired when WATCHed. `current`
/// is the client running the command (reached only through it), if any.
pub fn apply_touches(srv: &mut Server, mut current: Option<&mut Client>) {
    let cur_ptr = current.as_deref_mut().map_or(std::ptr::null_mut(), |c| c as *mut Client);
    for t in std::mem::take(&mut srv.touched) {
        let l = watched(&srv.st.dbs[t.db as usize], &t.key);
        if l.is_null() {
            continue;
        }
        // SAFETY: a live node of `watched_keys`; nothing changes the table
        // while its clients are marked.
        let clients = unsafe { &(*l).clients };
        for &p in clients.iter() {
            let c: &mut Client = match current.as_deref_mut() {
                Some(c) if p == cur_ptr => c,
                // SAFETY: clients in a watched list are live (freeing one
                // unwatches it first) and, not being the one running the
                // command, referenced nowhere else during this call.
                _ => unsafe { &mut *p },
            };
            let Some(wk) = c.mstate.watched.iter_mut().find(|w| w.db == t.db && w.key[..] == t.key[..]) else { continue };
            let dirty = match t.change {
                // An already expired key now deleted is logically no change.
                Change::Modified { present } => {
                    if wk.expired != 0 && !present {
                        wk.expired = 0;
                        false
                    } else {
                        true
                    }
                }
                Change::Swapped { existed, present, expired } => {
                    if wk.expired != 0 {
                        if !present {
                            wk.expired = 0;
                            false
                        } else {
                            !expired
                        }
                    } else if !existed && expired {
                        // A missing key replaced with an expired one.
                        wk.expired = 1;
                        false
                    } else {
                        true
                    }
                }
            };
            if dirty {
                c.flags |= cf::DIRTY_CAS;
            }
        }
    }
}

/// Adds `key` of the client's database to its watched keys (Redis's
/// `watchForKey`).
fn watch_key(srv: &mut Server, c: &mut Client, key: &[u8]) {
    if c.mstate.watched.iter().any(|w| w.db == c.db && w.key[..] == *key) {
        return;
    }
    let now = srv.now_ms;
    let db = &mut srv.st.dbs[c.db as usize];
    let h = db.watched_keys.hash(key);
    let mut l = db.watched_keys.find(key, h);
    if l.is_null() {
        l = ClientList::alloc(key);
        // SAFETY: a new node whose key `find` just showed absent.
        unsafe { db.watched_keys.insert_new(l, h) };
    }
    // SAFETY: a live node of `watched_keys`.
    unsafe { (*l).clients.push(c as *mut Client) };
    let expired = is_expired(db, key, now) as u32;
    c.mstate.watched.push(WatchedKey { key: RBytes::from_slice(key), db: c.db, expired });
}

/// Removes the client from every watched list (Redis's `unwatchAllKeys`);
/// also called when a client is freed.
pub fn unwatch_all(srv: &mut Server, c: &mut Client) {
    let me = c as *mut Client;
    for wk in std::mem::take(&mut c.mstate.watched).iter() {
        let table = &mut srv.st.dbs[wk.db as usize].watched_keys;
        let h = table.hash(&wk.key);
        let l = table.find(&wk.key, h);
        if l.is_null() {
            continue;
        }
        // SAFETY: a live node of `watched_keys`; freed once, after unlinking.
        unsafe {
            let clients = &mut (*l).clients;
            if let Some(i) = clients.iter().position(|&p| p == me) {
                clients.remove(i);
            }
            if clients.is_empty() {
                table.remove(&wk.key, h);
                ClientList::free(l);
            }
        }
    }
}

/// Ends the transaction, kept or not (Redis's `discardTransaction`).
pub fn discard_transaction(srv: &mut Server, c: &mut Client) {
    c.mstate.commands.clear();
    c.flags &= !(cf::MULTI | cf::DIRTY_CAS | cf::DIRTY_EXEC);
    unwatch_all(srv, c);
}

/// A command was refused while queueing: EXEC will fail with EXECABORT
/// (Redis's `flagTransaction`).
pub fn flag_transaction(c: &mut Client) {
    if c.flags & cf::MULTI != 0 {
        c.flags |= cf::DIRTY_EXEC;
    }
}

/// Queues a validated command (Redis's `queueMultiCommand`): an aborted
/// transaction keeps nothing, but the client still reads QUEUED.
pub fn queue(c: &mut Client, argv: &[&[u8]]) {
    if c.flags & (cf::DIRTY_CAS | cf::DIRTY_EXEC) == 0 {
        let mut cmd = hotkv_abi::vec::RVec::with_capacity(argv.len());
        for a in argv {
            cmd.push(RBytes::from_slice(a));
        }
        c.mstate.commands.push(cmd);
    }
    c.add_simple(b"QUEUED");
}

/// MULTI
pub fn multi(_srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    if c.flags & cf::MULTI != 0 {
        return c.add_error("MULTI calls can not be nested");
    }
    c.flags |= cf::MULTI;
    c.add_ok();
}

/// DISCARD
pub fn discard(srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    if c.flags & cf::MULTI == 0 {
        return c.add_error("DISCARD without MULTI");
    }
    discard_transaction(srv, c);
    c.add_ok();
}

/// EXEC: runs the queue, one reply per command in an array; a failing
/// command does not stop the others. Fails with a null array if a watched
/// key changed (or expired since WATCH), with EXECABORT if a command could
/// not be queued. MULTI stays set while the queue runs, as in Redis (CLIENT
/// LIST shows `flags=x`): a blocking command must check it and not block.
pub fn exec(srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    if c.flags & cf::MULTI == 0 {
        return c.add_error("EXEC without MULTI");
    }
    // Redis's `isWatchedKeyExpired`: a key that expired after WATCH (and
    // was not deleted yet) changed too.
    let now = srv.now_ms;
    if c.mstate.watched.iter().any(|w| w.expired == 0 && is_expired(&srv.st.dbs[w.db as usize], &w.key, now)) {
        c.flags |= cf::DIRTY_CAS;
    }
    if c.flags & (cf::DIRTY_CAS | cf::DIRTY_EXEC) != 0 {
        if c.flags & cf::DIRTY_EXEC != 0 {
            c.add_error("-EXECABORT Transaction discarded because of previous errors.");
        } else {
            c.add_null_array();
        }
        return discard_transaction(srv, c);
    }
    unwatch_all(srv, c);
    // EXEC itself is not replayed: its commands are, as one transaction.
    srv.prevent_propagation();
    let n = c.mstate.commands.len();
    c.add_array(n);
    for j in 0..n {
        // A copy: the command may change the client (even end its MULTI
        // state through RESET-like commands) while it runs.
        let owned: Vec<Vec<u8>> = c.mstate.commands[j].iter().map(|a| a.to_vec()).collect();
        let argv: Vec<&[u8]> = owned.iter().map(|a| a.as_slice()).collect();
        commands::call_queued(srv, c, &argv);
    }
    discard_transaction(srv, c);
}

/// WATCH key [key ...]
pub fn watch(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    if c.flags & cf::MULTI != 0 {
        return c.add_error("WATCH inside MULTI is not allowed");
    }
    for key in &argv[1..] {
        watch_key(srv, c, key);
    }
    c.add_ok();
}

/// UNWATCH
pub fn unwatch(srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    unwatch_all(srv, c);
    c.flags &= !cf::DIRTY_CAS;
    c.add_ok();
}

/// CLIENT LIST's `multi-mem` as Redis 7.0 counts it: the queued argument
/// bytes plus a pointer per argument (watched keys are not counted).
pub fn mem_overhead(c: &Client) -> usize {
    c.mstate.commands.iter().map(|cmd| cmd.iter().map(|a| a.len() + 8).sum::<usize>()).sum()
}
