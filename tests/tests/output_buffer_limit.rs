//! client-output-buffer-limit: CONFIG GET/SET texts as Redis 7.0's, and a
//! client whose unsent reply passes its class's hard limit (or stays over
//! the soft one longer than the soft seconds) is closed, as redis-server
//! 7.0 closes it under the same load: a subscriber that never reads, a
//! normal client asking for a reply larger than its limit.

use hotkv_tests::diff::{exact, words, Conn, Pair, R};
use hotkv_tests::*;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const LOGGED: &str = "scheduled to be closed ASAP for overcoming of output buffer limits.";

fn set_limits(c: &mut Conn, value: &str) {
    let r = c.cmd(&[b"CONFIG".to_vec(), b"SET".to_vec(), b"client-output-buffer-limit".to_vec(), value.as_bytes().to_vec()]);
    assert_eq!(r, R::Simple(b"OK".to_vec()));
}

/// Reads until the server closes the connection; false if it stays open
/// for 10 s.
fn closed_by_server(c: Conn) -> bool {
    let mut s = c.r.into_inner();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut buf = vec![0; 1 << 16];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

fn numsub(c: &mut Conn) -> R {
    c.cmd(&words("PUBSUB NUMSUB ch"))
}

/// A subscriber on `port` that reads nothing after its SUBSCRIBE.
fn deaf_subscriber(port: u16, admin: &mut Conn) -> Conn {
    let mut sub = Conn::open(port);
    sub.cmd(&words("SUBSCRIBE ch"));
    let R::Bulk(Some(list)) = admin.cmd(&words("CLIENT LIST TYPE pubsub")) else { panic!("CLIENT LIST") };
    let list = String::from_utf8_lossy(&list).into_owned();
    for f in ["flags=P ", "sub=1 ", "psub=0 ", "cmd=subscribe "] {
        assert!(list.contains(f), "port {port}: no {f} in {list}");
    }
    sub
}

/// Publishes 64 KiB messages until none is delivered (the subscriber was
/// closed) or `max` were sent; the number sent.
fn publish_until_dropped(admin: &mut Conn, max: usize) -> usize {
    let msg = vec![b'm'; 64 * 1024];
    for i in 0..max {
        if admin.cmd(&[b"PUBLISH".to_vec(), b"ch".to_vec(), msg.clone()]) == R::Int(0) {
            return i;
        }
    }
    max
}

#[test]
fn config_get_and_set_as_redis() {
    let mut p = Pair::start(|_, r| r, exact);
    p.run(&["CONFIG GET client-output-buffer-limit"]);
    let cfg = |v: &str| -> Vec<Vec<u8>> { vec![b"CONFIG".to_vec(), b"SET".to_vec(), b"client-output-buffer-limit".to_vec(), v.as_bytes().to_vec()] };
    for v in [
        "normal 1 2",
        "foo 1 2 3",
        "master 1 2 3",
        "normal 1x 2 3",
        "normal 1 2 x",
        "normal -1 2 3",
        "normal 1 2 -3",
        "pubsub 1mb 2kb 3",
        "replica 1 2 3",
        "slave 0 0 0 NORMAL 1gb 1 1",
        "pubsub 5 5 5 normal 1 2",
        "",
        "pubsub 1k 2m 0",
    ] {
        p.check(&cfg(v));
        p.run(&["CONFIG GET client-output-buffer-limit"]);
    }
    // All or nothing with other settings.
    p.check(&[b"CONFIG".to_vec(), b"SET".to_vec(), b"client-output-buffer-limit".to_vec(), b"normal 7 7 7".to_vec(), b"maxmemory".to_vec(), b"foo".to_vec()]);
    p.run(&["CONFIG GET client-output-buffer-limit", "CONFIG GET client-output-*"]);
}

#[test]
fn a_subscriber_that_never_reads_is_closed_at_the_hard_limit() {
    let (hk, rd) = (start_hotkv(&[]), start_redis());
    for srv in [&hk, &rd] {
        let mut admin = Conn::open(srv.port);
        set_limits(&mut admin, "pubsub 1mb 0 0");
        let sub = deaf_subscriber(srv.port, &mut admin);
        let sent = publish_until_dropped(&mut admin, 1000);
        assert!(sent < 1000, "port {}: subscriber never closed", srv.port);
        assert!(closed_by_server(sub), "port {}: connection still open", srv.port);
        assert_eq!(numsub(&mut admin), R::Array(Some(vec![R::Bulk(Some(b"ch".to_vec())), R::Int(0)])));
        assert_eq!(admin.cmd(&words("CLIENT LIST TYPE pubsub")), R::Bulk(Some(Vec::new())), "port {}", srv.port);
        let R::Bulk(Some(info)) = admin.cmd(&words("INFO clients")) else { panic!("INFO") };
        assert!(String::from_utf8_lossy(&info).contains("connected_clients:1\r\n"), "port {}", srv.port);
    }
    // Redis's log goes to its stdout, which the harness drops: hotkv's only.
    let log = hk.log();
    let line = log.lines().find(|l| l.contains(LOGGED)).unwrap_or_else(|| panic!("not logged:\n{log}"));
    assert!(line.contains("flags=P ") && line.contains("sub=1 "), "{line}");
}

#[test]
fn a_subscriber_over_the_soft_limit_is_closed_after_the_soft_seconds() {
    let (hk, rd) = (start_hotkv(&[]), start_redis());
    for srv in [&hk, &rd] {
        let mut admin = Conn::open(srv.port);
        set_limits(&mut admin, "pubsub 0 256kb 1");
        let sub = deaf_subscriber(srv.port, &mut admin);
        // Far more than the socket buffers hold: the reply is over the
        // soft limit, for less than a second, so the subscriber stays.
        let t0 = Instant::now();
        assert_eq!(publish_until_dropped(&mut admin, 400), 400, "port {}: closed before the soft seconds", srv.port);
        assert!(t0.elapsed() < Duration::from_millis(900), "publishing took {:?}: the test proves nothing", t0.elapsed());
        assert_eq!(numsub(&mut admin), R::Array(Some(vec![R::Bulk(Some(b"ch".to_vec())), R::Int(1)])));
        // Still over it two seconds later: the next message closes it.
        std::thread::sleep(Duration::from_millis(2100));
        assert!(publish_until_dropped(&mut admin, 5) < 5, "port {}: not closed after the soft seconds", srv.port);
        assert!(closed_by_server(sub), "port {}: connection still open", srv.port);
    }
    assert!(hk.log().contains(LOGGED), "not logged:\n{}", hk.log());
}

#[test]
fn a_normal_client_is_closed_before_a_reply_over_its_limit() {
    let mut p = Pair::start(|_, r| r, exact);
    p.check(&[b"SET".to_vec(), b"big".to_vec(), vec![b'x'; 2 << 20]]);
    p.run(&["SET small x"]);
    for srv in [&p.hk, &p.rd] {
        let mut c = Conn::open(srv.port);
        set_limits(&mut c, "normal 1mb 0 0");
        assert_eq!(c.cmd(&words("GET small")), R::Bulk(Some(b"x".to_vec())));
        c.r.get_mut().write_all(b"GET big\r\n").unwrap();
        assert!(closed_by_server(c), "port {}: GET big was answered", srv.port);
    }
    p.run(&["CONFIG GET client-output-buffer-limit", "STRLEN big"]);
}

/// The config file's lines of one class each add up, and CONFIG REWRITE
/// writes the non-default classes one per line, as redis-server 7.0 does
/// with the same file.
#[test]
fn config_file_lines_and_rewrite_as_redis() {
    let lines = "client-output-buffer-limit normal 0 0 0\nclient-output-buffer-limit replica 256mb 64mb 60\nclient-output-buffer-limit pubsub 1mb 1kb 5\n";
    let mut rewritten = Vec::new();
    for hotkv in [true, false] {
        let dir = tempfile::Builder::new().prefix("obuf-conf-").tempdir().unwrap();
        let port = free_port();
        let conf = dir.path().join("server.conf");
        let head = if hotkv {
            format!("port {port}\ndir {}\nlogic-library {}\n", dir.path().display(), default_logic().display())
        } else {
            format!("port {port}\nbind 127.0.0.1\ndir {}\nsave \"\"\nappendonly no\n", dir.path().display())
        };
        std::fs::write(&conf, format!("{head}{lines}")).unwrap();
        let mut cmd = std::process::Command::new(if hotkv { hotkv_bin() } else { "redis-server".into() });
        cmd.arg(&conf);
        let srv = start_hotkv_cmd(cmd, port, dir);
        let mut c = Conn::open(port);
        let get = c.cmd(&words("CONFIG GET client-output-buffer-limit"));
        assert_eq!(get, R::Array(Some(vec![R::Bulk(Some(b"client-output-buffer-limit".to_vec())), R::Bulk(Some(b"normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 1024 5".to_vec()))])));
        set_limits(&mut c, "normal 1gb 2mb 3 replica 1 2 3");
        assert_eq!(c.cmd(&words("CONFIG REWRITE")), R::Simple(b"OK".to_vec()));
        let text = std::fs::read_to_string(&conf).unwrap();
        rewritten.push(text.lines().filter(|l| l.starts_with("client-output-buffer-limit")).map(String::from).collect::<Vec<_>>());
        drop(srv);
    }
    assert_eq!(rewritten[0], rewritten[1], "hotkv's rewrite, then Redis's");
}
