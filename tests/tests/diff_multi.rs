//! Differential tests of transactions (MULTI, EXEC, DISCARD, WATCH,
//! UNWATCH): the same scripts go to hotkv and to a real redis-server 7.0,
//! the replies must be the same. `N: ` lines run on a second connection
//! (the one that touches keys the first one watches). Plus an integration
//! test with the `redis` crate's pipelines and WATCH/retry helper.

use hotkv_tests::diff::*;
use hotkv_tests::start_hotkv;
use std::time::{Duration, Instant};

/// CLIENT INFO differs in ids, addresses, ages and buffer sizes: only the
/// fields transactions change are compared.
fn normalise(args: &[Vec<u8>], r: R) -> R {
    let keep = |line: &[u8]| -> Vec<u8> {
        let text = String::from_utf8_lossy(line);
        let kept: Vec<&str> = text.split_whitespace().filter(|f| f.starts_with("flags=") || f.starts_with("multi=") || f.starts_with("multi-mem=") || f.starts_with("db=")).collect();
        kept.join(" ").into_bytes()
    };
    let client_info = |a: &[Vec<u8>]| a.len() == 2 && a[0].eq_ignore_ascii_case(b"client") && a[1].eq_ignore_ascii_case(b"info");
    match r {
        R::Bulk(Some(b)) if client_info(args) => R::Bulk(Some(keep(&b))),
        // EXEC's reply holds CLIENT INFO's when it was queued.
        R::Array(Some(v)) if args[0].eq_ignore_ascii_case(b"exec") => R::Array(Some(
            v.into_iter()
                .map(|x| match x {
                    R::Bulk(Some(b)) if b.starts_with(b"id=") => R::Bulk(Some(keep(&b))),
                    x => x,
                })
                .collect(),
        )),
        r => r,
    }
}

fn pair() -> Pair {
    Pair::start(normalise, exact)
}

#[test]
fn queued_commands_run_in_order_with_runtime_errors_kept() {
    let mut p = pair();
    p.run(&[
        "MULTI",
        "SET a 1",
        "INCR a",
        "GET a",
        "LPUSH a x",
        "INCRBY a notanumber",
        "GET nokey",
        "RPUSH l x y",
        "LRANGE l 0 -1",
        "DEL l",
        "CLIENT INFO",
        "EXEC",
        "GET a",
        "EXISTS l",
        "CLIENT INFO",
        "MULTI",
        "EXEC",
        "MULTI",
        "SET b 2",
        "DISCARD",
        "GET b",
        "CLIENT INFO",
    ]);
}

#[test]
fn queueing_errors_abort_the_transaction() {
    let mut p = pair();
    p.run(&[
        "MULTI",
        "SET a 1",
        "NOSUCHCOMMAND x y",
        "SET a 2",
        "EXEC",
        "GET a",
        "MULTI",
        "GET",
        "EXEC",
        "MULTI",
        "CLIENT NOSUCHSUB",
        "EXEC",
        "MULTI",
        "SET a 3",
        "SHUTDOWN",
        "EXEC",
        "GET a",
        // A dirty transaction queues nothing more, but still says QUEUED.
        "MULTI",
        "GETX",
        "SET a 4",
        "CLIENT INFO",
        "DISCARD",
        "GET a",
    ]);
}

#[test]
fn transaction_commands_misused() {
    let mut p = pair();
    p.run(&[
        "EXEC",
        "DISCARD",
        "MULTI",
        "MULTI",
        "SET a 1",
        "EXEC",
        "MULTI",
        "WATCH a",
        "SET a 2",
        "EXEC",
        "GET a",
        "MULTI x",
        "EXEC x",
        "DISCARD x",
        "UNWATCH x",
        "WATCH",
        "MULTI",
        "EXEC x",
        "UNWATCH",
        "EXEC",
        // UNWATCH inside MULTI is queued like any command.
        "GET a",
        // A refused EXEC ends the transaction state even outside MULTI:
        // the keys are no longer watched.
        "WATCH a",
        "EXEC x",
        "2: SET a 9",
        "MULTI",
        "GET a",
        "EXEC",
    ]);
}

#[test]
fn touched_watched_key_fails_exec() {
    let mut p = pair();
    p.run(&[
        // Another client writes.
        "SET k 1",
        "WATCH k",
        "2: SET k 2",
        "MULTI",
        "GET k",
        "EXEC",
        // The watcher writes itself, before MULTI.
        "WATCH k",
        "INCR k",
        "MULTI",
        "GET k",
        "EXEC",
        // Reads do not touch.
        "WATCH k",
        "2: GET k",
        "2: EXISTS k",
        "MULTI",
        "SET k 10",
        "EXEC",
        // Deleting a missing key changes nothing.
        "WATCH nokey",
        "2: DEL nokey",
        "MULTI",
        "GET nokey",
        "EXEC",
        // Creating it does.
        "WATCH nokey",
        "2: RPUSH nokey a",
        "MULTI",
        "GET k",
        "EXEC",
        // Deleting an existing one too.
        "WATCH nokey",
        "2: DEL nokey",
        "MULTI",
        "GET k",
        "EXEC",
        // The same key name in another database is another key.
        "WATCH k",
        "2: SELECT 1",
        "2: SET k other",
        "MULTI",
        "GET k",
        "EXEC",
        "2: SELECT 0",
        // In-place edits of each type.
        "HSET h f 1",
        "SADD s m",
        "WATCH h s",
        "2: HSET h f 2",
        "MULTI",
        "GET k",
        "EXEC",
        "WATCH s",
        "2: SADD s m2",
        "MULTI",
        "GET k",
        "EXEC",
        // Expiry changes touch.
        "WATCH k",
        "2: EXPIRE k 100",
        "MULTI",
        "TTL k",
        "EXEC",
        "WATCH k",
        "2: PERSIST k",
        "MULTI",
        "TTL k",
        "EXEC",
        // Conditional writes that do not happen touch nothing.
        "SET k 1",
        "SET other 1",
        "WATCH k other",
        "2: SET k 2 NX",
        "2: MSETNX k 3 fresh 1",
        "2: RENAMENX other k",
        "2: COPY other k",
        "2: SETNX k 4",
        "2: EXPIRE k 100 XX",
        "2: EXPIRE nokey 100",
        "MULTI",
        "GET k",
        "EXEC",
        // Several watchers of one key all fail.
        "WATCH k",
        "3: WATCH k",
        "2: APPEND k x",
        "MULTI",
        "3: MULTI",
        "GET k",
        "3: GET k",
        "EXEC",
        "3: EXEC",
    ]);
}

#[test]
fn unwatch_exec_and_discard_forget_the_keys() {
    let mut p = pair();
    p.run(&[
        "SET k 1",
        "WATCH k",
        "2: SET k 2",
        "UNWATCH",
        "MULTI",
        "GET k",
        "EXEC",
        // After EXEC nothing is watched any more.
        "WATCH k",
        "MULTI",
        "GET k",
        "EXEC",
        "2: SET k 3",
        "MULTI",
        "GET k",
        "EXEC",
        // Nor after DISCARD.
        "WATCH k",
        "MULTI",
        "DISCARD",
        "2: SET k 4",
        "MULTI",
        "GET k",
        "EXEC",
        // A failed EXEC unwatches too.
        "WATCH k",
        "2: SET k 5",
        "MULTI",
        "EXEC",
        "2: SET k 6",
        "MULTI",
        "GET k",
        "EXEC",
        // Watching a key twice, then one touch.
        "WATCH k k",
        "WATCH k",
        "2: SET k 7",
        "MULTI",
        "GET k",
        "EXEC",
    ]);
}

#[test]
fn flush_swapdb_rename_move_touch() {
    let mut p = pair();
    p.run(&[
        "SET e 1",
        "WATCH e",
        "2: FLUSHDB",
        "MULTI",
        "GET e",
        "EXEC",
        // A flush that finds no watched key present touches nothing.
        "WATCH missing",
        "2: FLUSHALL",
        "MULTI",
        "GET e",
        "EXEC",
        "SET e 1",
        "WATCH e",
        "2: SELECT 1",
        "2: FLUSHDB",
        "MULTI",
        "GET e",
        "EXEC",
        "WATCH e",
        "2: FLUSHALL",
        "MULTI",
        "GET e",
        "EXEC",
        // SWAPDB: the watched index now shows other data.
        "SET s 1",
        "WATCH s",
        "2: SWAPDB 0 1",
        "MULTI",
        "GET s",
        "EXEC",
        "2: SWAPDB 0 1",
        "WATCH nowhere",
        "2: SWAPDB 0 1",
        "MULTI",
        "GET s",
        "EXEC",
        "2: SWAPDB 0 1",
        "2: SELECT 0",
        // RENAME touches both names, MOVE the key in both databases.
        "SET src v",
        "WATCH src",
        "2: RENAME src dst",
        "MULTI",
        "GET dst",
        "EXEC",
        "WATCH dst",
        "2: RENAME dst src",
        "MULTI",
        "GET src",
        "EXEC",
        "WATCH src",
        "2: MOVE src 1",
        "MULTI",
        "GET src",
        "EXEC",
        "SELECT 1",
        "WATCH src",
        "2: SELECT 1",
        "2: MOVE src 0",
        "MULTI",
        "GET src",
        "EXEC",
        "SELECT 0",
    ]);
}

#[test]
fn expiring_watched_keys() {
    let mut p = pair();
    // Expires after WATCH: EXEC fails, deleted or not yet.
    p.run(&["SET x v PX 100", "WATCH x", "MULTI", "GET x"]);
    std::thread::sleep(Duration::from_millis(300));
    p.run(&["EXEC"]);
    // Already expired when WATCHed: its deletion is no change.
    p.run(&["SET y v PX 50"]);
    std::thread::sleep(Duration::from_millis(200));
    p.run(&["WATCH y", "2: GET y", "MULTI", "GET y", "EXEC"]);
    p.run(&["SET z v PX 50"]);
    std::thread::sleep(Duration::from_millis(200));
    p.run(&["WATCH z", "2: FLUSHALL", "MULTI", "GET z", "EXEC"]);
    // ... but its re-creation is.
    p.run(&["SET w v PX 50"]);
    std::thread::sleep(Duration::from_millis(200));
    p.run(&["WATCH w", "2: SET w again", "MULTI", "GET w", "EXEC"]);
    // SWAPDB: a missing key replaced by an expired one is no change; an
    // expired one replaced by a live one is.
    p.run(&["SELECT 1", "SET v dead PX 50", "SELECT 0"]);
    std::thread::sleep(Duration::from_millis(200));
    p.run(&["WATCH v", "2: SWAPDB 0 1", "MULTI", "GET v", "EXEC", "2: SWAPDB 0 1"]);
    p.run(&["SET u dead PX 50", "SELECT 1", "SET u live", "SELECT 0"]);
    std::thread::sleep(Duration::from_millis(200));
    p.run(&["WATCH u", "2: SWAPDB 0 1", "MULTI", "GET u", "EXEC"]);
}

#[test]
fn select_inside_multi() {
    let mut p = pair();
    p.run(&[
        "MULTI",
        "SELECT 1",
        "SET a one",
        "SELECT 0",
        "SET a zero",
        "SELECT 2",
        "EXEC",
        "GET a",
        "SELECT 1",
        "GET a",
        "SELECT 0",
        "GET a",
        "CLIENT INFO",
    ]);
}

#[test]
fn out_of_memory_while_queueing_and_at_exec() {
    let mut p = pair();
    p.run(&[
        "MULTI",
        "SET a 1",
        "2: CONFIG SET maxmemory 1",
        // A denyoom command queued before: EXEC refused, queue dropped.
        "EXEC",
        "MULTI",
        // Inside MULTI even reads are refused (queueing takes memory).
        "GET a",
        "DISCARD",
        "MULTI",
        "GET a",
        "EXEC",
        // Outside MULTI reads work.
        "GET a",
        "2: CONFIG SET maxmemory 0",
        "MULTI",
        "SET a 2",
        "EXEC",
    ]);
}

/// A client that disconnects while watching leaves the watched lists: the
/// next write of its key marks nobody freed, and others still watch it.
#[test]
fn disconnected_watcher_is_forgotten() {
    let hk = start_hotkv(&[]);
    let mut other = Conn::open(hk.port);
    for round in 0..20 {
        let mut gone = Conn::open(hk.port);
        assert_eq!(gone.cmd(&words("WATCH k other")), R::Simple(b"OK".to_vec()));
        assert_eq!(gone.cmd(&words("MULTI")), R::Simple(b"OK".to_vec()));
        drop(gone);
        if round % 2 == 0 {
            assert_eq!(other.cmd(&words("WATCH k")), R::Simple(b"OK".to_vec()));
        }
        // Until the server has seen the close, the write may find the old
        // watcher still listed: that is allowed, a freed one is not.
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(other.cmd(&words(&format!("SET k {round}"))), R::Simple(b"OK".to_vec()));
        assert_eq!(other.cmd(&words("MULTI")), R::Simple(b"OK".to_vec()));
        assert_eq!(other.cmd(&words("GET k")), R::Simple(b"QUEUED".to_vec()));
        // `other` wrote the key itself: its EXEC fails only when it watched.
        let want = if round % 2 == 0 { R::Array(None) } else { R::Array(Some(vec![R::Bulk(Some(round.to_string().into_bytes()))])) };
        assert_eq!(other.cmd(&words("EXEC")), want, "round {round}");
    }
    let mut list = String::new();
    let alone = hotkv_tests::wait_until(Duration::from_secs(10), || {
        let R::Bulk(Some(l)) = other.cmd(&words("CLIENT LIST")) else { return false };
        list = String::from_utf8_lossy(&l).into_owned();
        list.lines().count() == 1
    });
    assert!(alone, "{list}");
}

/// `redis::pipe().atomic()` and the WATCH/retry `transaction` helper from
/// several threads: every increment lands exactly once.
#[test]
fn redis_crate_transactions_under_contention() {
    let hk = start_hotkv(&[]);
    let mut c = hk.client();
    let (v,): (i64,) = redis::pipe().atomic().cmd("SET").arg("p").arg(5).ignore().cmd("INCR").arg("p").query(&mut c).unwrap();
    assert_eq!(v, 6);
    // A command that cannot be queued: the whole transaction is dropped.
    assert!(redis::pipe().atomic().cmd("SET").arg("p").arg(1).ignore().cmd("NOSUCH").query::<()>(&mut c).is_err());
    let p: i64 = redis::cmd("GET").arg("p").query(&mut c).unwrap();
    assert_eq!(p, 6);

    const THREADS: i64 = 4;
    const EACH: i64 = 150;
    let url = hk.url();
    let deadline = Instant::now() + Duration::from_secs(60);
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut con = redis::Client::open(url).unwrap().get_connection().unwrap();
                let mut attempts = 0u64;
                for _ in 0..EACH {
                    let (n,): (i64,) = redis::transaction(&mut con, &["counter"], |con, pipe| {
                        attempts += 1;
                        assert!(Instant::now() < deadline, "transactions did not finish in time");
                        let cur: Option<i64> = redis::cmd("GET").arg("counter").query(con)?;
                        pipe.cmd("SET").arg("counter").arg(cur.unwrap_or(0) + 1).ignore().cmd("GET").arg("counter").query(con)
                    })
                    .unwrap();
                    assert!(n >= 1);
                }
                attempts
            })
        })
        .collect();
    let attempts: u64 = workers.into_iter().map(|w| w.join().unwrap()).sum();
    let total: i64 = redis::cmd("GET").arg("counter").query(&mut c).unwrap();
    assert_eq!(total, THREADS * EACH, "an increment was lost or doubled ({attempts} attempts)");
    assert!(attempts >= (THREADS * EACH) as u64);
}
