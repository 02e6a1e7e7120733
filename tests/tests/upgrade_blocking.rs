//! Clients blocked on keys across an UPGRADE: everything a blocked client
//! waits with (its command, its deadline, its place in each key's queue)
//! is in the state, so the new version serves each one exactly what the
//! old one would have, in arrival order; a timeout that passes after the
//! swap still gets its nil reply on time; and commands a blocked client
//! pipelined behind its blocking one run once it is served. Sorted set
//! waiters (BZPOPMIN, BZMPOP) likewise.

use hotkv_tests::hotswap::*;
use hotkv_tests::*;
use std::time::{Duration, Instant};


/// Sends `cmd` on a new connection that then blocks (checked).
fn waiter(p: &Proc, admin: &mut redis::Connection, cmd: &[&[u8]], extra: &[&[&[u8]]], n: usize) -> RawConn {
    let mut c = RawConn::connect(p.port);
    let mut bytes = resp(cmd);
    for e in extra {
        bytes.extend(resp(e));
    }
    c.send(&bytes);
    wait_blocked(admin, n);
    c
}

#[test]
fn blocked_clients_are_served_by_the_new_version() {
    let v2 = logic_variant(V2);
    let p = start_hotkv(&[]);
    let mut admin = p.client();
    let mut w0 = waiter(&p, &mut admin, &[b"BLPOP", b"a", b"0"], &[], 1);
    let mut w1 = waiter(&p, &mut admin, &[b"BRPOP", b"nothing", b"a", b"30"], &[], 2);
    let mut w2 = waiter(&p, &mut admin, &[b"BLMOVE", b"b", b"moved", b"LEFT", b"RIGHT", b"0"], &[], 3);
    // A pipeline behind a blocked command: it runs only once BLMPOP is served.
    let mut w3 = waiter(&p, &mut admin, &[b"BLMPOP", b"0", b"2", b"c", b"d", b"LEFT", b"COUNT", b"2"], &[&[b"PING"], &[b"RPUSH", b"after", b"1"]], 4);
    let t0 = Instant::now();
    let mut w4 = waiter(&p, &mut admin, &[b"BLPOP", b"t", b"0.8"], &[], 5);
    let mut w5 = waiter(&p, &mut admin, &[b"BLPOP", b"a", b"0"], &[], 6);

    let reply = upgrade(&mut admin, &v2);
    assert!(reply.contains(V2), "{reply}");
    assert_eq!(logic_version(&mut admin).0, V2);
    assert_eq!(blocked(&mut admin), 6, "every client is still blocked after the swap");
    let list: String = redis::cmd("CLIENT").arg("LIST").query(&mut admin).unwrap();
    assert_eq!(list.matches(" flags=b ").count(), 6, "{list}");
    let after: usize = redis::cmd("EXISTS").arg("after").query(&mut admin).unwrap();
    assert_eq!(after, 0, "the pipelined RPUSH waits behind BLMPOP");

    // The timeout passes after the swap: nil, at its time.
    w4.expect(b"*-1\r\n", "BLPOP t 0.8 timed out");
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(800) && took < Duration::from_secs(5), "timed out after {took:?}");
    wait_blocked(&mut admin, 5);

    // Arrival order on `a`: w0, then w1 (on its second key), then w5.
    let _: () = redis::cmd("RPUSH").arg("a").arg("x1").query(&mut admin).unwrap();
    w0.expect(b"*2\r\n$1\r\na\r\n$2\r\nx1\r\n", "first waiter on a");
    let _: () = redis::cmd("RPUSH").arg("a").arg("x2").arg("x3").query(&mut admin).unwrap();
    // w1 comes first and pops from the tail; w5 gets what is left.
    w1.expect(b"*2\r\n$1\r\na\r\n$2\r\nx3\r\n", "second waiter on a");
    w5.expect(b"*2\r\n$1\r\na\r\n$2\r\nx2\r\n", "third waiter on a");
    let _: () = redis::cmd("RPUSH").arg("b").arg("y1").arg("y2").query(&mut admin).unwrap();
    w2.expect(b"$2\r\ny1\r\n", "BLMOVE");
    let moved: Vec<String> = redis::cmd("LRANGE").arg("moved").arg(0).arg(-1).query(&mut admin).unwrap();
    assert_eq!(moved, ["y1"]);
    let _: () = redis::cmd("RPUSH").arg("d").arg("1").arg("2").arg("3").query(&mut admin).unwrap();
    w3.expect(b"*2\r\n$1\r\nd\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n+PONG\r\n:1\r\n", "BLMPOP, then its pipeline");
    for (w, what) in [(&mut w0, "w0"), (&mut w1, "w1"), (&mut w2, "w2"), (&mut w3, "w3"), (&mut w4, "w4"), (&mut w5, "w5")] {
        w.ping(what);
    }
    assert_eq!(blocked(&mut admin), 0);
    let rest: Vec<String> = redis::cmd("LRANGE").arg("d").arg(0).arg(-1).query(&mut admin).unwrap();
    assert_eq!(rest, ["3"]);
    let a: usize = redis::cmd("EXISTS").arg("a").query(&mut admin).unwrap();
    assert_eq!(a, 0, "every element of a went to a waiter");
}

#[test]
fn sorted_set_waiters_are_served_by_the_new_version() {
    let v2 = logic_variant(V2);
    let p = start_hotkv(&[]);
    let mut admin = p.client();
    let mut w0 = waiter(&p, &mut admin, &[b"BZPOPMIN", b"z", b"0"], &[], 1);
    let mut w1 = waiter(&p, &mut admin, &[b"BZMPOP", b"0", b"2", b"y", b"z", b"MAX", b"COUNT", b"2"], &[&[b"PING"]], 2);
    let t0 = Instant::now();
    let mut w2 = waiter(&p, &mut admin, &[b"BZPOPMAX", b"t", b"0.8"], &[], 3);

    let reply = upgrade(&mut admin, &v2);
    assert!(reply.contains(V2), "{reply}");
    assert_eq!(blocked(&mut admin), 3, "every client is still blocked after the swap");

    w2.expect(b"*-1\r\n", "BZPOPMAX t 0.8 timed out");
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(800) && took < Duration::from_secs(5), "timed out after {took:?}");
    wait_blocked(&mut admin, 2);

    // Arrival order on z: BZPOPMIN takes the lowest, BZMPOP the two highest of the rest.
    let _: () = redis::cmd("ZADD").arg("z").arg(1).arg("a").arg(2).arg("b").arg(3).arg("c").arg(4).arg("d").query(&mut admin).unwrap();
    w0.expect(b"*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n", "BZPOPMIN");
    w1.expect(b"*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nd\r\n$1\r\n4\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n+PONG\r\n", "BZMPOP, then its pipeline");
    for (w, what) in [(&mut w0, "w0"), (&mut w1, "w1"), (&mut w2, "w2")] {
        w.ping(what);
    }
    assert_eq!(blocked(&mut admin), 0);
    let rest: Vec<String> = redis::cmd("ZRANGE").arg("z").arg(0).arg(-1).query(&mut admin).unwrap();
    assert_eq!(rest, ["b"]);
}
