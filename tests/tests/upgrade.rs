//! The upgrade guarantees: an UPGRADE (and a ROLLBACK) keeps every
//! connection and every key, answers every pipelined command in order and
//! exactly once, completes commands that were half received, and a long
//! series of upgrades under traffic leaks neither mappings nor memory.

use hotkv_tests::hotswap::*;
use hotkv_tests::*;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};


/// A 128 kB value that heavy pipelines read many times, so that their
/// replies outgrow the kernel's socket buffers (4 MB here) and pile up,
/// unsent, in the server while it swaps libraries.
const BIG_KEY: &str = "big";
const BIG_LEN: usize = 128 * 1024;
/// Steps per pipeline: each is a SET, GET and ECHO of unique strings.
const PIPELINE: usize = 200;
/// Pipelines that also GET the big value in each step of their first half.
const HEAVY: usize = 2;

fn big_value() -> Vec<u8> {
    (0..BIG_LEN).map(|i| b'a' + (i % 26) as u8).collect()
}

/// The 100 connections of `upgrade_keeps_a_hundred_connections_and_their_work`.
struct Clients {
    /// Set a key before the swap, do nothing during it, read it after.
    idle: Vec<redis::Connection>,
    /// Keep issuing commands from threads through the swap.
    busy: Vec<redis::Connection>,
    /// Raw sockets that send a long pipeline, half before the swap.
    pipelined: Vec<RawConn>,
    /// Raw sockets holding part of one command across the swap.
    half: Vec<RawConn>,
}

/// A pipeline: its request, the exact replies expected, and where to cut.
struct Pipeline {
    request: Vec<u8>,
    replies: Vec<u8>,
    keys: usize,
}

fn pipeline(round: &str, conn: usize) -> Pipeline {
    let big = big_value();
    let (mut request, mut replies) = (Vec::new(), Vec::new());
    for i in 0..PIPELINE {
        let key = format!("pk:{round}:{conn}:{i}");
        let val = format!("val-{round}-{conn}-{i}-{}", "v".repeat(i % 97));
        let echo = format!("echo-{round}-{conn}-{i}");
        request.extend(resp(&[b"SET", key.as_bytes(), val.as_bytes()]));
        replies.extend(b"+OK\r\n");
        request.extend(resp(&[b"GET", key.as_bytes()]));
        replies.extend(bulk(val.as_bytes()));
        request.extend(resp(&[b"ECHO", echo.as_bytes()]));
        replies.extend(bulk(echo.as_bytes()));
        if conn < HEAVY && i < PIPELINE / 2 {
            request.extend(resp(&[b"GET", BIG_KEY.as_bytes()]));
            replies.extend(bulk(&big));
        }
    }
    Pipeline { request, replies, keys: PIPELINE }
}

/// A client thread that runs SET/GET (single and pipelined) until stopped,
/// checking every reply; it counts the rounds done after `swapped`.
fn busy_worker(
    mut con: redis::Connection,
    id: usize,
    round: String,
    swapped: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    after: Arc<AtomicU64>,
) -> JoinHandle<redis::Connection> {
    std::thread::spawn(move || {
        let key = format!("w:{round}:{id}");
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut n = 0u64;
        while !stop.load(Ordering::SeqCst) {
            assert!(Instant::now() < deadline, "worker {id} was never stopped");
            let was_swapped = swapped.load(Ordering::SeqCst);
            let v = format!("{n}");
            let () = redis::cmd("SET").arg(&key).arg(&v).query(&mut con).unwrap_or_else(|e| panic!("worker {id} SET: {e}"));
            let got: String = redis::cmd("GET").arg(&key).query(&mut con).unwrap_or_else(|e| panic!("worker {id} GET: {e}"));
            assert_eq!(got, v, "worker {id}");
            let (echo, got): (String, String) =
                redis::pipe().cmd("ECHO").arg(&v).cmd("GET").arg(&key).query(&mut con).unwrap_or_else(|e| panic!("worker {id} pipe: {e}"));
            assert_eq!((echo.as_str(), got.as_str()), (v.as_str(), v.as_str()), "worker {id}");
            if was_swapped {
                after.fetch_add(1, Ordering::SeqCst);
            }
            n += 1;
        }
        con
    })
}

fn get(con: &mut redis::Connection, k: &str) -> Option<String> {
    redis::cmd("GET").arg(k).query(con).unwrap()
}

/// One swap with all of the clients in the middle of something. Returns the
/// number of keys the round created.
fn swap_under_load(admin: &mut redis::Connection, cl: &mut Clients, round: &str, swap: &[&str], from: &str, to: (&str, u64)) -> usize {
    let mut keys = 0;
    for (i, con) in cl.idle.iter_mut().enumerate() {
        let () = redis::cmd("SET").arg(format!("idle:{round}:{i}")).arg(i).query(con).unwrap();
        keys += 1;
    }

    // Pipelines: the first part (cut inside a command) now, the rest after.
    let pipelines: Vec<Pipeline> = (0..cl.pipelined.len()).map(|c| pipeline(round, c)).collect();
    let mut read_before = Vec::new();
    for (c, (conn, pl)) in cl.pipelined.iter_mut().zip(&pipelines).enumerate() {
        let cut = pl.request.len() / 2 + c * 7;
        conn.send(&pl.request[..cut]);
        // Some clients read the start of their replies before the swap.
        let early = if c % 3 == 0 { 100 + c } else { 0 };
        conn.expect(&pl.replies[..early], "replies before the swap");
        read_before.push(early);
        keys += pl.keys;
    }

    // Half commands, cut at every kind of place (header, length, key, value).
    let halves: Vec<(Vec<u8>, usize, String, String)> = (0..cl.half.len())
        .map(|c| {
            let (key, val) = (format!("hk:{round}:{c}"), format!("hv-{round}-{c}"));
            let full = resp(&[b"SET", key.as_bytes(), val.as_bytes()]);
            let cut = 1 + c % (full.len() - 1);
            (full, cut, key, val)
        })
        .collect();
    for (conn, (full, cut, _, _)) in cl.half.iter_mut().zip(&halves) {
        conn.send(&full[..*cut]);
        keys += 1;
    }

    let (swapped, stop) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    let counters: Vec<Arc<AtomicU64>> = (0..cl.busy.len()).map(|_| Arc::new(AtomicU64::new(0))).collect();
    let workers: Vec<_> = cl
        .busy
        .drain(..)
        .enumerate()
        .map(|(id, con)| busy_worker(con, id, round.to_string(), swapped.clone(), stop.clone(), counters[id].clone()))
        .collect();
    keys += workers.len();

    // The swap must happen with replies still waiting in the server.
    let waiting = wait_until(Duration::from_secs(30), || {
        info_field(admin, "clients", "client_recent_max_output_buffer").parse::<u64>().unwrap() > 1024 * 1024
    });
    assert!(waiting, "the heavy pipelines should have unsent replies in the server before the swap");

    let reply = upgrade_cmd(admin, swap).unwrap_or_else(|e| panic!("UPGRADE {swap:?}: {e}"));
    assert!(reply.starts_with(&format!("OK upgraded {from} -> {} ", to.0)), "{reply}");
    swapped.store(true, Ordering::SeqCst);
    assert_eq!(logic_version(admin), (to.0.to_string(), to.1));

    for (conn, (full, cut, key, val)) in cl.half.iter_mut().zip(&halves) {
        conn.send(&full[*cut..]);
        conn.expect(b"+OK\r\n", "a half command completed after the swap");
        conn.send(&resp(&[b"GET", key.as_bytes()]));
        conn.expect(&bulk(val.as_bytes()), "GET of a half command's key");
    }
    for (c, (conn, pl)) in cl.pipelined.iter_mut().zip(&pipelines).enumerate() {
        let cut = pl.request.len() / 2 + c * 7;
        conn.send(&pl.request[cut..]);
        conn.expect(&pl.replies[read_before[c]..], &format!("pipeline {c} of round {round}"));
        conn.ping(&format!("pipeline {c}: nothing after the last reply"));
    }
    for (i, con) in cl.idle.iter_mut().enumerate() {
        assert_eq!(get(con, &format!("idle:{round}:{i}")), Some(i.to_string()), "idle client {i}");
    }

    let all_went_on = wait_until(Duration::from_secs(30), || counters.iter().all(|c| c.load(Ordering::SeqCst) >= 3));
    stop.store(true, Ordering::SeqCst);
    cl.busy = workers.into_iter().map(|w| w.join().expect("a busy client failed")).collect();
    assert!(all_went_on, "every busy client works after the swap");
    keys
}

/// Every key of every round, read back through one client.
fn assert_all_keys(admin: &mut redis::Connection, rounds: &[&str], cl: &Clients) {
    for round in rounds {
        let mut pipe = redis::pipe();
        let mut expected = Vec::new();
        for c in 0..cl.pipelined.len() {
            for i in 0..PIPELINE {
                pipe.cmd("GET").arg(format!("pk:{round}:{c}:{i}"));
                expected.push(Some(format!("val-{round}-{c}-{i}-{}", "v".repeat(i % 97))));
            }
        }
        for c in 0..cl.half.len() {
            pipe.cmd("GET").arg(format!("hk:{round}:{c}"));
            expected.push(Some(format!("hv-{round}-{c}")));
        }
        for i in 0..cl.idle.len() {
            pipe.cmd("GET").arg(format!("idle:{round}:{i}"));
            expected.push(Some(i.to_string()));
        }
        let got: Vec<Option<String>> = pipe.query(admin).unwrap();
        assert!(got == expected, "keys of round {round} are missing or wrong");
    }
}

#[test]
fn upgrade_and_rollback_keep_a_hundred_connections_and_their_work() {
    let v2 = logic_variant(V2);
    let p = start_hotkv(&[]);
    let mut admin = p.client();
    let () = redis::cmd("SET").arg(BIG_KEY).arg(big_value()).query(&mut admin).unwrap();
    let mut cl = Clients {
        idle: (0..20).map(|_| p.client()).collect(),
        busy: (0..10).map(|_| p.client()).collect(),
        pipelined: (0..35).map(|_| RawConn::connect(p.port)).collect(),
        half: (0..35).map(|_| RawConn::connect(p.port)).collect(),
    };
    let clients = |admin: &mut redis::Connection| info_field(admin, "clients", "connected_clients");
    assert_eq!(clients(&mut admin), "101");

    let mut keys = 1;
    keys += swap_under_load(&mut admin, &mut cl, "up", &[v2.to_str().unwrap()], DEFAULT_VERSION, (V2, 2));
    assert_eq!(clients(&mut admin), "101", "no connection may be dropped by the upgrade");
    assert_eq!(info_field(&mut admin, "keyspace", "db0"), format!("keys={keys},expires=0,avg_ttl=0"));
    assert_all_keys(&mut admin, &["up"], &cl);

    keys += swap_under_load(&mut admin, &mut cl, "back", &["ROLLBACK"], V2, (DEFAULT_VERSION, 3));
    assert_eq!(clients(&mut admin), "101", "no connection may be dropped by the rollback");
    assert_eq!(info_field(&mut admin, "keyspace", "db0"), format!("keys={keys},expires=0,avg_ttl=0"));
    assert_all_keys(&mut admin, &["up", "back"], &cl);

    let logic = info(&mut admin, "logic");
    assert_eq!(logic["logic_upgrades"], "2");
    assert_eq!(logic["logic_failed_upgrades"], "0");
    assert_eq!(logic["logic_previous_version"], V2);
    assert_eq!(p.mapped_logic_libraries(), vec![logic["logic_path"].clone()]);
}

#[test]
fn a_hundred_upgrades_under_traffic_leak_nothing() {
    const UPGRADES: u64 = 100;
    const KEYS: usize = 200;
    let paths = [logic_variant(V2), default_logic()];
    let versions = [V2, DEFAULT_VERSION];
    let p = start_hotkv(&[]);
    let mut admin = p.client();
    admin.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let value = |n: u64| format!("{n:020}{}", "x".repeat(1000));

    // A fixed working set, and two upgrades to warm everything up.
    let mut pipe = redis::pipe();
    for k in 0..KEYS {
        pipe.cmd("SET").arg(format!("k{k}")).arg(value(0)).ignore();
    }
    pipe.query::<()>(&mut admin).unwrap();
    upgrade(&mut admin, &paths[0]);
    upgrade(&mut admin, &paths[1]);

    let stop = Arc::new(AtomicBool::new(false));
    let ops = Arc::new(AtomicU64::new(0));
    let traffic = {
        let (mut con, stop, ops) = (p.client(), stop.clone(), ops.clone());
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(600);
            let mut n = 0u64;
            while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                let key = format!("k{}", n as usize % KEYS);
                let () = redis::cmd("SET").arg(&key).arg(value(n)).query(&mut con).unwrap_or_else(|e| panic!("SET after {n} ops: {e}"));
                let got: String = redis::cmd("GET").arg(&key).query(&mut con).unwrap_or_else(|e| panic!("GET after {n} ops: {e}"));
                assert_eq!(got, value(n));
                n += 1;
                ops.store(n, Ordering::SeqCst);
            }
            con
        })
    };
    assert!(wait_until(Duration::from_secs(10), || ops.load(Ordering::SeqCst) > 100));
    let (rss0, used0, ops0) = (rss_kb(&p), used_memory(&mut admin), ops.load(Ordering::SeqCst));

    let start = Instant::now();
    for i in 0..UPGRADES {
        assert!(start.elapsed() < Duration::from_secs(300), "only {i} upgrades in 300 s");
        let (from, to) = (versions[(i % 2) as usize ^ 1], (i % 2) as usize);
        let reply = upgrade(&mut admin, &paths[to]);
        assert!(reply.starts_with(&format!("OK upgraded {from} -> {} ", versions[to])), "upgrade {i}: {reply}");
    }
    let ops_during = ops.load(Ordering::SeqCst);
    assert_eq!(info_field(&mut admin, "clients", "connected_clients"), "2", "no connection may be dropped");
    let (rss1, used1) = (rss_kb(&p), used_memory(&mut admin));
    stop.store(true, Ordering::SeqCst);
    let mut con = traffic.join().expect("the client under traffic failed");
    assert!(ops_during > ops0, "the traffic went on during the upgrades");
    assert_eq!(get(&mut con, "k0").map(|v| v.len()), Some(1020));

    assert_eq!(logic_version(&mut admin), (versions[((UPGRADES - 1) % 2) as usize].to_string(), 3 + UPGRADES));
    let logic = info(&mut admin, "logic");
    assert_eq!(logic["logic_failed_upgrades"], "0");
    assert_eq!(p.mapped_logic_libraries(), vec![logic["logic_path"].clone()], "at most one logic library mapped");
    let copies = std::fs::read_dir(p.dir.path().join("logic")).unwrap().count();
    // The running copy, the previous one (for ROLLBACK), and at most one
    // retired copy that the next staging deletes (deleting it during the
    // swap would lengthen the pause).
    assert!(copies <= 3, "{copies} private copies kept: only the running one and the previous one (for ROLLBACK) are needed");
    let reply = upgrade_cmd(&mut admin, &["ROLLBACK"]).expect("ROLLBACK after the series");
    assert!(reply.starts_with(&format!("OK upgraded {DEFAULT_VERSION} -> {V2} ")), "{reply}");
    // The loop and the background job thread.
    assert!(wait_until(Duration::from_secs(20), || threads(&p) == 2), "staging threads must exit");
    assert!(rss1 < rss0 + 8 * 1024, "RSS grew from {rss0} kB to {rss1} kB over {UPGRADES} upgrades");
    assert!(used1 < used0 + 2 * 1024 * 1024, "used_memory grew from {used0} to {used1} over {UPGRADES} upgrades");
}

/// The requester's own pipeline waits for the outcome of its UPGRADE, then
/// runs on the new version.
#[test]
fn commands_pipelined_after_upgrade_run_on_the_new_version() {
    let v2 = logic_variant(V2);
    let p = start_hotkv(&[]);
    let mut conn = RawConn::connect(p.port);
    let mut req = resp(&[b"UPGRADE", v2.to_str().unwrap().as_bytes()]);
    req.extend(resp(&[b"INFO", b"logic"]));
    req.extend(resp(&[b"ECHO", b"last"]));
    conn.send(&req);
    let text = conn.read_values(3, Duration::from_secs(60));
    assert!(text.starts_with(&format!("+OK upgraded {DEFAULT_VERSION} -> {V2} (build ")), "{text}");
    assert!(text.contains(&format!("logic_version:{V2}\r\n")), "{text}");
    assert!(text.contains("logic_generation:2\r\n"), "{text}");
    assert!(text.ends_with("$4\r\nlast\r\n"), "{text}");
}

/// Two UPGRADEs read in the same loop iteration (the loop is held by DEBUG
/// SLEEP while both arrive): one stages, the other is told one is under way.
#[test]
fn a_second_concurrent_upgrade_is_refused() {
    let v2 = logic_variant(V2);
    let p = start_hotkv(&[]);
    let (mut sleeper, mut a, mut b) = (RawConn::connect(p.port), RawConn::connect(p.port), RawConn::connect(p.port));
    sleeper.ping("sleeper");
    a.ping("a");
    b.ping("b");
    sleeper.send(&resp(&[b"DEBUG", b"SLEEP", b"2"]));
    let req = resp(&[b"UPGRADE", v2.to_str().unwrap().as_bytes()]);
    a.send(&req);
    b.send(&req);
    let mut replies = [a.read_values(1, Duration::from_secs(60)), b.read_values(1, Duration::from_secs(60))];
    replies.sort();
    assert!(replies[0].starts_with(&format!("+OK upgraded {DEFAULT_VERSION} -> {V2} ")), "{replies:?}");
    assert_eq!(replies[1], "-ERR UPGRADE failed: an UPGRADE is already in progress\r\n");
    sleeper.expect(b"+OK\r\n", "DEBUG SLEEP");
    let mut con = p.client();
    assert_eq!(logic_version(&mut con), (V2.to_string(), 2));
    assert_eq!(info_field(&mut con, "logic", "logic_upgrade_in_progress"), "0");
}

/// A requester that leaves before the outcome: the upgrade happens anyway,
/// and the reply goes to no one else.
#[test]
fn an_upgrade_whose_requester_left_completes() {
    let v2 = logic_variant(V2);
    let p = start_hotkv(&[]);
    let mut con = p.client();
    {
        let mut gone = RawConn::connect(p.port);
        gone.send(&resp(&[b"UPGRADE", v2.to_str().unwrap().as_bytes()]));
    }
    let done = wait_until(Duration::from_secs(60), || logic_version(&mut con).1 == 2);
    assert!(done, "the upgrade did not happen");
    assert_eq!(logic_version(&mut con).0, V2);
    let mut other = RawConn::connect(p.port);
    other.ping("a new client gets no stray reply");
    assert_eq!(info_field(&mut con, "clients", "connected_clients"), "2");
}

#[test]
fn rollback_without_a_previous_version_is_refused() {
    let p = start_hotkv(&[]);
    let mut con = p.client();
    let err = upgrade_cmd(&mut con, &["ROLLBACK"]).unwrap_err();
    assert_eq!(err, "ERR no previous version to roll back to");
    assert_eq!(logic_version(&mut con), (DEFAULT_VERSION.to_string(), 1));
}

/// `UPGRADE <path> ARGS name value ...` reaches the new library's init;
/// arguments it refuses are a refused upgrade that changes nothing.
#[test]
fn upgrade_args_are_applied_or_refuse_the_upgrade() {
    let v2 = logic_variant(V2);
    let p = start_hotkv(&[]);
    let mut con = p.client();
    let v2 = v2.to_str().unwrap();
    upgrade_cmd(&mut con, &[v2, "ARGS", "hz", "50"]).unwrap();
    assert_eq!(info_field(&mut con, "server", "hz"), "50");
    assert_eq!(info_field(&mut con, "logic", "logic_args"), "hz 50");

    let err = upgrade_cmd(&mut con, &[default_logic().to_str().unwrap(), "ARGS", "hz", "20", "nosuch", "1"]).unwrap_err();
    assert!(err.contains("init failed: logic argument 'nosuch'"), "{err}");
    assert!(err.ends_with(&format!("; still running {V2}")), "{err}");
    assert_eq!(info_field(&mut con, "server", "hz"), "50", "a refused init must not change the state");
    assert_eq!(logic_version(&mut con), (V2.to_string(), 2));
    // The real library, refused after its init ran, is unmapped all the same.
    assert_eq!(p.mapped_logic_libraries(), vec![info_field(&mut con, "logic", "logic_path")]);

    let err = upgrade_cmd(&mut con, &[v2, "ARGS", "hz"]).unwrap_err();
    assert!(err.contains("'name value' pairs"), "{err}");
    let err = upgrade_cmd(&mut con, &[v2, "NOTARGS", "hz", "1"]).unwrap_err();
    assert!(err.contains("syntax error"), "{err}");
}
