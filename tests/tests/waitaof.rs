//! WAITAOF (Redis 7.2): answered at once under `appendfsync always`,
//! promptly (a background fsync is asked for at once) under `everysec`
//! and `no`; its timeout, its behaviour inside MULTI, its error texts,
//! waiters released by `CONFIG SET appendonly no`, a waiter kept across
//! an UPGRADE; and the files the AOF leaves closed on the job thread. Redis 7.0 (the reference binary) has no WAITAOF: replies
//! and errors are Redis 7.2's, written out here.

use hotkv_tests::hotswap::{info, info_field, upgrade, wait_blocked, RawConn};
use hotkv_tests::*;
use std::time::{Duration, Instant};

fn waitaof(con: &mut redis::Connection, numlocal: i64, numreplicas: i64, timeout: i64) -> Vec<i64> {
    redis::cmd("WAITAOF").arg(numlocal).arg(numreplicas).arg(timeout).query(con).unwrap()
}

fn config_set(con: &mut redis::Connection, name: &str, value: &str) {
    let _: () = redis::cmd("CONFIG").arg("SET").arg(name).arg(value).query(con).unwrap();
}

fn raw(port: u16, args: &[&str]) -> String {
    let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    String::from_utf8(raw_roundtrip(port, &resp(&argv), 1)).unwrap()
}

#[test]
fn immediate_under_always() {
    let hk = start_hotkv(&["--appendonly", "yes", "--appendfsync", "always"]);
    let mut con = hk.client();
    let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut con).unwrap();
    let t = Instant::now();
    assert_eq!(waitaof(&mut con, 1, 0, 0), [1, 0]);
    assert!(t.elapsed() < Duration::from_millis(500), "{:?}", t.elapsed());
    // Nothing waits on the job thread for it.
    assert_eq!(info_field(&mut con, "persistence", "aof_pending_bio_fsync"), "0");
    assert_eq!(info_field(&mut con, "clients", "blocked_clients"), "0");
}

/// Under `everysec` and `no`, a WAITAOF right after a write (pipelined
/// with it, or on its own) is answered once a background fsync, asked for
/// at once, is done: well under the second `everysec` would take.
#[test]
fn answered_promptly_under_everysec_and_no() {
    for policy in ["everysec", "no"] {
        let hk = start_hotkv(&["--appendonly", "yes", "--appendfsync", policy]);
        let mut con = hk.client();
        let mut took = Vec::new();
        for i in 0..40 {
            let t = Instant::now();
            let (ok, acks): (String, Vec<i64>) = redis::pipe().cmd("SET").arg(format!("k{i}")).arg(i).cmd("WAITAOF").arg(1).arg(0).arg(0).query(&mut con).unwrap();
            took.push(t.elapsed());
            assert_eq!((ok.as_str(), acks), ("OK", vec![1, 0]), "{policy}");
        }
        took.sort();
        eprintln!("WAITAOF after SET under {policy}: median {:?}, max {:?}", took[took.len() / 2], took[took.len() - 1]);
        assert!(took[took.len() / 2] < Duration::from_millis(250), "{policy}: {took:?}");
        // The background fsync made the file durable: INFO agrees.
        assert_eq!(info_field(&mut con, "persistence", "aof_last_write_status"), "ok");
    }
}

#[test]
fn timeout_and_numreplicas() {
    let hk = start_hotkv(&["--appendonly", "yes", "--appendfsync", "always"]);
    let mut con = hk.client();
    // No replicas: numreplicas 1 waits for the whole timeout, then tells
    // what was acknowledged.
    let t = Instant::now();
    assert_eq!(waitaof(&mut con, 1, 1, 300), [1, 0]);
    let took = t.elapsed();
    assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(3), "{took:?}");
    assert_eq!(waitaof(&mut con, 0, 0, 0), [1, 0]);
    // Without the AOF, numlocal 0 is allowed and acknowledges nothing.
    let plain = start_hotkv(&[]);
    assert_eq!(waitaof(&mut plain.client(), 0, 0, 0), [0, 0]);
    let t = Instant::now();
    assert_eq!(waitaof(&mut plain.client(), 0, 2, 100), [0, 0]);
    assert!(t.elapsed() >= Duration::from_millis(100));
}

#[test]
fn inside_multi_it_does_not_block() {
    let hk = start_hotkv(&["--appendonly", "yes", "--appendfsync", "no"]);
    let mut con = hk.client();
    // Written, not fsynced (`no`): a transaction gets the current acks.
    let _: () = redis::cmd("SET").arg("a").arg("1").query(&mut con).unwrap();
    let (r,): (Vec<i64>,) = redis::pipe().atomic().cmd("WAITAOF").arg(1).arg(0).arg(0).query(&mut con).unwrap();
    assert_eq!(r, [0, 0]);
    // Outside, it waits for the fsync; then the transaction sees it, and
    // one waiting for replicas forever returns at once.
    assert_eq!(waitaof(&mut con, 1, 0, 0), [1, 0]);
    let (r, s): (Vec<i64>, Vec<i64>) = redis::pipe().atomic().cmd("WAITAOF").arg(1).arg(0).arg(0).cmd("WAITAOF").arg(0).arg(5).arg(0).query(&mut con).unwrap();
    assert_eq!((r, s), (vec![1, 0], vec![1, 0]));
}

#[test]
fn error_texts_as_redis_7_2() {
    let hk = start_hotkv(&["--appendonly", "yes"]);
    let port = hk.port;
    for (args, reply) in [
        (&["WAITAOF", "2", "0", "0"][..], "-ERR value is out of range, value must between 0 and 1\r\n"),
        (&["WAITAOF", "-1", "0", "0"], "-ERR value is out of range, value must between 0 and 1\r\n"),
        (&["WAITAOF", "x", "0", "0"], "-ERR value is not an integer or out of range\r\n"),
        (&["WAITAOF", "1", "-1", "0"], "-ERR value is out of range, must be positive\r\n"),
        (&["WAITAOF", "1", "1.5", "0"], "-ERR value is not an integer or out of range\r\n"),
        (&["WAITAOF", "1", "0", "-1"], "-ERR timeout is negative\r\n"),
        (&["WAITAOF", "1", "0", "0.5"], "-ERR timeout is not an integer or out of range\r\n"),
        (&["WAITAOF", "1", "0"], "-ERR wrong number of arguments for 'waitaof' command\r\n"),
        (&["WAITAOF", "1", "0", "0", "0"], "-ERR wrong number of arguments for 'waitaof' command\r\n"),
    ] {
        assert_eq!(raw(port, args), reply, "{args:?}");
    }
    let plain = start_hotkv(&[]);
    assert_eq!(raw(plain.port, &["WAITAOF", "1", "0", "0"]), "-ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.\r\n");
    // Argument errors come first.
    assert_eq!(raw(plain.port, &["WAITAOF", "1", "0", "-5"]), "-ERR timeout is negative\r\n");
}

/// `CONFIG SET appendonly no` answers the clients waiting for the local
/// AOF with Redis 7.2's error; those asking numlocal 0 wait on.
#[test]
fn appendonly_no_releases_local_waiters() {
    let hk = start_hotkv(&["--appendonly", "yes", "--appendfsync", "always"]);
    let mut admin = hk.client();
    let mut local = RawConn::connect(hk.port);
    local.send(&resp(&[b"WAITAOF", b"1", b"1", b"0"]));
    let mut replicas_only = RawConn::connect(hk.port);
    replicas_only.send(&resp(&[b"CLIENT", b"ID"]));
    let id = replicas_only.read_values(1, Duration::from_secs(5));
    let id = id.trim().trim_start_matches(':').to_string();
    replicas_only.send(&resp(&[b"WAITAOF", b"0", b"1", b"0"]));
    wait_blocked(&mut admin, 2);
    config_set(&mut admin, "appendonly", "no");
    local.expect(b"-ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.\r\n", "released waiter");
    wait_blocked(&mut admin, 1);
    let n: i64 = redis::cmd("CLIENT").arg("UNBLOCK").arg(&id).query(&mut admin).unwrap();
    assert_eq!(n, 1);
    // Released as for a timeout: the acks, none local with the AOF off.
    replicas_only.expect(b"*2\r\n:0\r\n:0\r\n", "unblocked waiter");
}

/// A waiter blocked by one version is answered by the next: its offset
/// and deadline are in the state.
#[test]
fn a_waiter_survives_an_upgrade() {
    let hk = start_hotkv(&["--appendonly", "yes", "--appendfsync", "always"]);
    let mut admin = hk.client();
    let mut w = RawConn::connect(hk.port);
    let mut req = resp(&[b"SET", b"x", b"1"]);
    req.extend(resp(&[b"WAITAOF", b"1", b"1", b"3000"]));
    let t = Instant::now();
    w.send(&req);
    w.expect(b"+OK\r\n", "SET");
    wait_blocked(&mut admin, 1);
    let reply = upgrade(&mut admin, &default_logic());
    assert!(reply.starts_with("OK upgraded"), "{reply}");
    assert_eq!(info(&mut admin, "clients")["blocked_clients"], "1");
    w.expect(b"*2\r\n:1\r\n:0\r\n", "WAITAOF after the upgrade");
    assert!(t.elapsed() >= Duration::from_millis(3000), "{:?}", t.elapsed());
    w.ping("nothing else");

    // And one waiting for an fsync under `no`, across an UPGRADE: the new
    // version asks for the fsync and answers it.
    config_set(&mut admin, "appendfsync", "no");
    let mut req = resp(&[b"SET", b"y", b"1"]);
    req.extend(resp(&[b"WAITAOF", b"1", b"0", b"0"]));
    w.send(&req);
    let reply = upgrade(&mut admin, &default_logic());
    assert!(reply.starts_with("OK upgraded"), "{reply}");
    w.expect(b"+OK\r\n*2\r\n:1\r\n:0\r\n", "SET and WAITAOF around an upgrade");
}

/// The files of `pid` open in its AOF directory (deleted ones included).
fn open_aof_files(pid: u32) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.unwrap().path()).ok())
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|p| p.contains("/appendonlydir/"))
        .collect();
    v.sort();
    v
}

/// The incr file a rewrite or `appendonly no` leaves is fsynced and closed
/// on the job thread: soon no fd of the process points at it.
#[test]
fn left_incr_files_are_closed_in_the_background() {
    let hk = start_hotkv(&["--appendonly", "yes", "--appendfsync", "everysec"]);
    let mut con = hk.client();
    let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut con).unwrap();
    let first = open_aof_files(hk.pid());
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(first[0].ends_with("appendonly.aof.1.incr.aof"), "{first:?}");
    let _: String = redis::cmd("BGREWRITEAOF").query(&mut con).unwrap();
    let mut now = Vec::new();
    let switched = hotkv_tests::wait_until(Duration::from_secs(10), || {
        now = open_aof_files(hk.pid());
        now.len() == 1 && now[0].ends_with("appendonly.aof.2.incr.aof")
    });
    assert!(switched, "{now:?}");
    // WAITAOF covers what went to the old file too.
    assert_eq!(waitaof(&mut con, 1, 0, 0), [1, 0]);
    config_set(&mut con, "appendonly", "no");
    assert!(hotkv_tests::wait_until(Duration::from_secs(10), || open_aof_files(hk.pid()).is_empty()), "{:?}", open_aof_files(hk.pid()));
    assert_eq!(info_field(&mut con, "persistence", "aof_enabled"), "0");
}
