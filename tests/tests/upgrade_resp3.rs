//! The protocol a connection chose with HELLO is part of the state: a RESP3
//! connection (and a RESP3 subscriber) still gets RESP3 replies and pushes
//! after an UPGRADE, a RESP2 one still RESP2.

use hotkv_tests::hotswap::*;
use hotkv_tests::*;
use std::time::Duration;

// Shares the list suite's variant: one build for both.

fn hello3(c: &mut RawConn) {
    c.send(&resp(&[b"HELLO", b"3"]));
    let r = c.read_values(1, Duration::from_secs(10));
    assert!(r.starts_with("%7\r\n") && r.contains("$5\r\nproto\r\n:3\r\n"), "{r}");
}

#[test]
fn resp3_connections_stay_resp3_across_upgrade() {
    let v2 = logic_variant(V2);
    let p = start_hotkv(&[]);
    let mut admin = p.client();
    let (mut r3, mut r2, mut sub) = (RawConn::connect(p.port), RawConn::connect(p.port), RawConn::connect(p.port));
    hello3(&mut r3);
    hello3(&mut sub);
    sub.send(&resp(&[b"SUBSCRIBE", b"ch"]));
    sub.expect(b">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n", "RESP3 subscribe confirmation");
    let _: () = redis::cmd("HSET").arg("h").arg("f").arg("v").query(&mut admin).unwrap();
    let _: () = redis::cmd("ZADD").arg("z").arg(1.5).arg("m").query(&mut admin).unwrap();

    let reply = upgrade(&mut admin, &v2);
    assert!(reply.contains(V2), "{reply}");
    assert_eq!(logic_version(&mut admin).0, V2);

    r3.send(&resp(&[b"HGETALL", b"h"]));
    r3.expect(b"%1\r\n$1\r\nf\r\n$1\r\nv\r\n", "RESP3 HGETALL after the swap");
    r3.send(&resp(&[b"GET", b"nope"]));
    r3.expect(b"_\r\n", "RESP3 null after the swap");
    r3.send(&resp(&[b"ZSCORE", b"z", b"m"]));
    r3.expect(b",1.5\r\n", "RESP3 double after the swap");
    r3.send(&resp(&[b"HELLO"]));
    let r = r3.read_values(1, Duration::from_secs(10));
    assert!(r.starts_with("%7\r\n") && r.contains("$5\r\nproto\r\n:3\r\n"), "{r}");

    r2.send(&resp(&[b"HGETALL", b"h"]));
    r2.expect(b"*2\r\n$1\r\nf\r\n$1\r\nv\r\n", "RESP2 HGETALL after the swap");
    r2.send(&resp(&[b"GET", b"nope"]));
    r2.expect(b"$-1\r\n", "RESP2 null after the swap");

    let n: i64 = redis::cmd("PUBLISH").arg("ch").arg("hi").query(&mut admin).unwrap();
    assert_eq!(n, 1);
    sub.expect(b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n", "RESP3 push after the swap");
    sub.ping("a RESP3 subscriber's PING is a plain PONG");
}
