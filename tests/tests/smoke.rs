//! The harness itself: hotkv and the reference redis-server answer alike.

use hotkv_tests::*;

#[test]
fn hotkv_and_redis_answer_the_same_basics() {
    let hk = start_hotkv(&[]);
    let rd = start_redis();
    let req = b"*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*2\r\n$3\r\nGET\r\n$2\r\nnk\r\n";
    let a = raw_roundtrip(hk.port, req, 4);
    let b = raw_roundtrip(rd.port, req, 4);
    assert_eq!(String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
    assert_eq!(a, b"+PONG\r\n+OK\r\n$1\r\nv\r\n$-1\r\n");
}
