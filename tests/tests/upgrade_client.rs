//! CLIENT state across an UPGRADE: a pause and the commands it holds back
//! are in the state (`pause_end_ms`, `pause_kind`, postponed clients in
//! `blocked` with their command still in the query buffer), so the new
//! version keeps the server paused and runs each postponed command exactly
//! once when the pause ends; a client with CLIENT REPLY OFF stays silent;
//! a client connected before the swap can be killed after it.

use hotkv_tests::hotswap::*;
use hotkv_tests::*;
use std::io::Read;
use std::time::{Duration, Instant};


/// A new connection that sent `cmd`, which the pause holds back (checked).
fn postponed(p: &Proc, admin: &mut redis::Connection, cmd: &[&[u8]], n: usize) -> RawConn {
    let mut c = RawConn::connect(p.port);
    c.send(&resp(cmd));
    wait_blocked(admin, n);
    c
}

/// The server closes `c` (bounded wait).
fn expect_closed(c: &mut RawConn, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut b = [0u8; 64];
    loop {
        match c.s.read(&mut b) {
            Ok(0) => return,
            Ok(n) => panic!("{what}: unexpected bytes {:?}", String::from_utf8_lossy(&b[..n])),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                assert!(Instant::now() < deadline, "{what}: still open");
            }
            Err(_) => return,
        }
    }
}

#[test]
fn a_pause_and_its_postponed_clients_survive_the_swap() {
    let v2 = logic_variant(V2);
    let p = start_hotkv(&[]);
    let mut admin = p.client();

    // Replies off before the swap.
    let mut quiet = RawConn::connect(p.port);
    quiet.send(&[resp(&[b"CLIENT", b"REPLY", b"OFF"]), resp(&[b"SET", b"q", b"1"])].concat());
    assert!(wait_until(Duration::from_secs(10), || redis::cmd("EXISTS").arg("q").query::<i64>(&mut admin).unwrap() == 1));

    // A client to kill after the swap.
    let mut victim = RawConn::connect(p.port);
    victim.send(&resp(&[b"CLIENT", b"ID"]));
    let id_reply = victim.read_values(1, Duration::from_secs(10));
    let victim_id: i64 = id_reply.trim_start_matches(':').trim().parse().unwrap();

    let _: () = redis::cmd("CLIENT").arg("PAUSE").arg(60_000).arg("WRITE").query(&mut admin).unwrap();
    let mut w1 = postponed(&p, &mut admin, &[b"INCR", b"counter"], 1);
    let mut w2 = postponed(&p, &mut admin, &[b"APPEND", b"log", b"a"], 2);

    let reply = upgrade(&mut admin, &v2);
    assert!(reply.contains(V2), "{reply}");
    assert_eq!(logic_version(&mut admin).0, V2);

    // Still paused: both still wait, a new write waits too, reads go through.
    assert_eq!(blocked(&mut admin), 2);
    let mut w3 = postponed(&p, &mut admin, &[b"APPEND", b"log", b"b"], 3);
    let counter: Option<i64> = redis::cmd("GET").arg("counter").query(&mut admin).unwrap();
    assert_eq!(counter, None, "no write ran during the pause");
    let list: String = redis::cmd("CLIENT").arg("LIST").query(&mut admin).unwrap();
    assert_eq!(list.matches(" flags=b ").count(), 3, "{list}");

    let _: () = redis::cmd("CLIENT").arg("UNPAUSE").query(&mut admin).unwrap();
    w1.expect(b":1\r\n", "postponed INCR");
    w2.expect(b":1\r\n", "first postponed APPEND");
    w3.expect(b":2\r\n", "second postponed APPEND, in arrival order");
    wait_blocked(&mut admin, 0);
    let counter: i64 = redis::cmd("GET").arg("counter").query(&mut admin).unwrap();
    assert_eq!(counter, 1, "the postponed INCR ran exactly once");
    let log: String = redis::cmd("GET").arg("log").query(&mut admin).unwrap();
    assert_eq!(log, "ab");
    w1.ping("nothing more for the postponed client");

    // REPLY OFF survived: nothing until replies are back on.
    quiet.send(&[resp(&[b"GET", b"q"]), resp(&[b"CLIENT", b"REPLY", b"ON"]), resp(&[b"PING"])].concat());
    quiet.expect(b"+OK\r\n+PONG\r\n", "silent until CLIENT REPLY ON");

    // A client from before the swap is killed by the new version.
    let killed: i64 = redis::cmd("CLIENT").arg("KILL").arg("ID").arg(victim_id).query(&mut admin).unwrap();
    assert_eq!(killed, 1);
    expect_closed(&mut victim, "killed client");
}

#[test]
fn a_pause_ends_on_time_after_the_swap() {
    let v2 = logic_variant(V2);
    let p = start_hotkv(&[]);
    let mut admin = p.client();
    let t0 = Instant::now();
    let _: () = redis::cmd("CLIENT").arg("PAUSE").arg(1500).arg("WRITE").query(&mut admin).unwrap();
    let mut w = postponed(&p, &mut admin, &[b"SET", b"k", b"v"], 1);
    let reply = upgrade(&mut admin, &v2);
    assert!(reply.contains(V2), "{reply}");
    w.expect(b"+OK\r\n", "postponed SET after the deadline");
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(1400) && took < Duration::from_secs(10), "pause lasted {took:?}");
    let v: String = redis::cmd("GET").arg("k").query(&mut admin).unwrap();
    assert_eq!(v, "v");
}
