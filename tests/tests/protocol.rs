//! RESP2 request parsing against the reference: malformed and oversized
//! requests get Redis's exact error and the connection closed; requests
//! split at any byte, pipelined, inline or empty are answered exactly alike.

use hotkv_tests::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Sends `req`, then reads until the server closes the connection (or 5 s).
fn reply_until_close(port: u16, req: &[u8]) -> (Vec<u8>, bool) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    s.write_all(req).unwrap();
    let mut out = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        let mut buf = [0u8; 4096];
        match s.read(&mut buf) {
            Ok(0) => return (out, true),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return (out, true),
        }
    }
    (out, false)
}

#[test]
fn protocol_errors_match_redis_and_close_the_connection() {
    let hk = start_hotkv(&[]);
    let rd = start_redis();
    let too_big_inline = vec![b'a'; 70 * 1024];
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("bulk over proto-max-bulk-len", b"*1\r\n$600000000\r\n".to_vec()),
        ("negative bulk length", b"*1\r\n$-3\r\n".to_vec()),
        ("multibulk count over INT_MAX", b"*3000000000\r\n".to_vec()),
        ("non-numeric multibulk length", b"*x\r\n".to_vec()),
        ("expected '$'", b"*1\r\n:1\r\n".to_vec()),
        ("unbalanced quotes inline", b"SET \"a\r\n".to_vec()),
        ("too big inline request", too_big_inline),
        ("error after a good command", b"PING\r\n*1\r\n+x\r\n".to_vec()),
    ];
    for (what, req) in cases {
        let (a, a_closed) = reply_until_close(hk.port, &req);
        let (b, b_closed) = reply_until_close(rd.port, &req);
        assert_eq!(String::from_utf8_lossy(&a), String::from_utf8_lossy(&b), "{what}");
        assert!(a_closed && b_closed, "{what}: connection not closed (hotkv {a_closed}, redis {b_closed})");
    }
}

#[test]
fn split_pipelined_inline_and_empty_requests_match_redis() {
    let hk = start_hotkv(&[]);
    let rd = start_redis();
    let script: &[u8] = b"\r\n\r\nPING\r\n*0\r\n*1\r\n$4\r\nPING\r\nSET k \"a b\\x41\"\r\nGET k\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n\
*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$20\r\n01234567890123456789\r\n*2\r\n$3\r\nGET\r\n$3\r\nbig\r\nset k2 v2\nget k2\n";
    let expect = 9;
    let whole_hk = raw_roundtrip(hk.port, script, expect);
    let whole_rd = raw_roundtrip(rd.port, script, expect);
    assert_eq!(String::from_utf8_lossy(&whole_hk), String::from_utf8_lossy(&whole_rd));
    // The same bytes, one at a time: partial reads at every position.
    let mut s = TcpStream::connect(("127.0.0.1", hk.port)).unwrap();
    s.set_nodelay(true).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    for b in script {
        s.write_all(&[*b]).unwrap();
    }
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while count_values(&got) < expect && Instant::now() < deadline {
        let mut buf = [0u8; 4096];
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "closed early");
        got.extend_from_slice(&buf[..n]);
    }
    assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(&whole_rd));
}

#[test]
fn large_values_cross_many_reads() {
    let hk = start_hotkv(&[]);
    let mut con = hk.client();
    let big: Vec<u8> = (0..8 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let () = redis::cmd("SET").arg("big").arg(&big).query(&mut con).unwrap();
    let back: Vec<u8> = redis::cmd("GET").arg("big").query(&mut con).unwrap();
    assert!(back == big, "8 MB value changed on the way");
}
