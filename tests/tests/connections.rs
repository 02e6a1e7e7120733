//! Connection handling: a deep listen queue, maxclients, idle timeout.

use hotkv_tests::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// 400 clients connect while the loop is busy: the kernel completes their
/// handshakes into the listen queue (511, as Redis's tcp-backlog), so no
/// connect waits for a SYN retry (1 s), and all are served afterwards.
#[test]
fn a_burst_of_connections_fits_the_listen_queue() {
    let srv = start_hotkv(&[]);
    let port = srv.port;
    let sleeper = std::thread::spawn(move || redis_cli(port, &["debug", "sleep", "1.5"]));
    std::thread::sleep(Duration::from_millis(200));
    let mut conns = Vec::new();
    let mut slowest = Duration::ZERO;
    for _ in 0..400 {
        let t = Instant::now();
        conns.push(TcpStream::connect(("127.0.0.1", port)).unwrap());
        slowest = slowest.max(t.elapsed());
    }
    assert!(slowest < Duration::from_millis(900), "a connect waited {slowest:?}: listen queue overflowed");
    assert_eq!(sleeper.join().unwrap().trim(), "OK");
    for c in &mut conns {
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        c.write_all(b"PING\r\n").unwrap();
    }
    for c in &mut conns {
        let mut buf = [0u8; 7];
        c.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"+PONG\r\n");
    }
}

#[test]
fn maxclients_refuses_with_redis_error() {
    let hk = start_hotkv(&["--maxclients", "3"]);
    let rd = start_redis();
    let _ = redis_cli(rd.port, &["config", "set", "maxclients", "3"]);
    for srv in [&hk, &rd] {
        let keep: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(("127.0.0.1", srv.port)).unwrap()).collect();
        std::thread::sleep(Duration::from_millis(100));
        let mut extra = TcpStream::connect(("127.0.0.1", srv.port)).unwrap();
        extra.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut got = Vec::new();
        let _ = extra.read_to_end(&mut got);
        assert_eq!(String::from_utf8_lossy(&got), "-ERR max number of clients reached\r\n", "port {}", srv.port);
        drop(keep);
    }
}

#[test]
fn idle_clients_are_closed_after_timeout() {
    let srv = start_hotkv(&["--timeout", "1", "--hz", "50"]);
    let mut idle = TcpStream::connect(("127.0.0.1", srv.port)).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let t = Instant::now();
    let mut buf = [0u8; 16];
    assert_eq!(idle.read(&mut buf).unwrap(), 0, "expected the server to close the idle connection");
    assert!(t.elapsed() >= Duration::from_millis(900), "closed too early: {:?}", t.elapsed());
}
