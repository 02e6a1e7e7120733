//! AOF write errors, unprivileged: the incr file a BGREWRITEAOF switches
//! to is made a symlink to /dev/full beforehand, so every write to it
//! fails with ENOSPC (no tmpfs, loop device or root needed). Then, as
//! Redis 7.0: INFO says `aof_last_write_status:err`, writes are refused
//! with `-MISCONF Errors writing to the AOF file: No space left on
//! device` (reads go on), and once a write succeeds again (the next
//! rewrite switches to a sane file) all is as before. Under `always` the
//! reply of the write that could not be written is held until it is on
//! disk (Redis exits instead); under `everysec` it goes out.

use hotkv_tests::hotswap::{info, RawConn};
use hotkv_tests::*;
use std::path::Path;
use std::time::Duration;

const MISCONF: &str = "-MISCONF Errors writing to the AOF file: No space left on device\r\n";

fn rewrite(con: &mut redis::Connection, done: u64) {
    let _: String = redis::cmd("BGREWRITEAOF").query(con).unwrap();
    let ok = wait_until(Duration::from_secs(30), || {
        let p = info(con, "persistence");
        p["aof_rewrite_in_progress"] == "0" && p["aof_rewrites"] == done.to_string()
    });
    assert!(ok, "{:?}", info(con, "persistence"));
}

/// The next incr file (the `seq`th) is /dev/full.
fn break_next_incr(dir: &Path, seq: u32) {
    let link = dir.join(format!("appendonlydir/appendonly.aof.{seq}.incr.aof"));
    std::os::unix::fs::symlink("/dev/full", link).unwrap();
}

fn raw(port: u16, args: &[&[u8]]) -> String {
    String::from_utf8(raw_roundtrip(port, &resp(args), 1)).unwrap()
}

#[test]
fn failed_writes_under_always_refuse_writes_and_hold_the_reply() {
    let hk = start_hotkv(&["--appendonly", "yes", "--appendfsync", "always"]);
    let mut admin = hk.client();
    break_next_incr(hk.dir.path(), 2);
    rewrite(&mut admin, 1);
    // This SET cannot be written: its reply waits.
    let mut w = RawConn::connect(hk.port);
    w.send(&resp(&[b"SET", b"held", b"1"]));
    assert!(wait_until(Duration::from_secs(10), || info(&mut admin, "persistence")["aof_last_write_status"] == "err"));
    assert_eq!(raw(hk.port, &[b"SET", b"other", b"1"]), MISCONF);
    assert_eq!(raw(hk.port, &[b"PING"]), MISCONF);
    // Reads answer (the held write is in memory, as Redis's would be).
    assert_eq!(raw(hk.port, &[b"GET", b"held"]), "$1\r\n1\r\n");
    assert_eq!(raw(hk.port, &[b"AOF", b"FSYNC"]), "-ERR Error writing to the AOF file: No space left on device\r\n");
    std::thread::sleep(Duration::from_millis(300));
    w.send(&resp(&[b"GET", b"held"]));
    // Nothing came: RawConn reads time out in 200 ms steps; one try.
    let mut probe = [0u8; 1];
    w.s.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    assert!(std::io::Read::read(&mut w.s, &mut probe).is_err(), "a reply went out before its write was on disk");
    // A new incr file (a sane one) takes the buffer: the reply goes,
    // then the GET's queued behind it, and writes are accepted again.
    rewrite(&mut admin, 2);
    w.s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    w.expect(b"+OK\r\n$1\r\n1\r\n", "the held replies");
    assert_eq!(info(&mut admin, "persistence")["aof_last_write_status"], "ok");
    assert_eq!(raw(hk.port, &[b"SET", b"other", b"2"]), "+OK\r\n");
    assert_eq!(raw(hk.port, &[b"AOF", b"FSYNC"]), "+OK\r\n");
    // Nothing was lost: a restart has both keys.
    let dir = hk.stop();
    let port = free_port();
    let mut c = std::process::Command::new(hotkv_bin());
    c.arg("--port").arg(port.to_string()).arg("--dir").arg(dir.path()).arg("--logic").arg(default_logic()).args(["--appendonly", "yes"]);
    let hk = start_hotkv_cmd(c, port, dir);
    assert_eq!(raw(hk.port, &[b"MGET", b"held", b"other"]), "*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
}

#[test]
fn failed_writes_under_everysec_refuse_writes_until_one_succeeds() {
    let hk = start_hotkv(&["--appendonly", "yes", "--appendfsync", "everysec"]);
    let mut admin = hk.client();
    break_next_incr(hk.dir.path(), 2);
    rewrite(&mut admin, 1);
    // The reply goes out (Redis's everysec), the error shows.
    assert_eq!(raw(hk.port, &[b"SET", b"k", b"1"]), "+OK\r\n");
    let p = info(&mut admin, "persistence");
    assert_eq!(p["aof_last_write_status"], "err");
    assert_ne!(p["aof_buffer_length"], "0");
    assert_eq!(raw(hk.port, &[b"INCR", b"n"]), MISCONF);
    assert_eq!(raw(hk.port, &[b"GET", b"k"]), "$1\r\n1\r\n");
    rewrite(&mut admin, 2);
    assert_eq!(info(&mut admin, "persistence")["aof_last_write_status"], "ok");
    assert_eq!(raw(hk.port, &[b"INCR", b"n"]), ":1\r\n");
}

#[test]
fn aof_fsync_command() {
    let hk = start_hotkv(&["--appendonly", "yes", "--appendfsync", "no"]);
    assert_eq!(raw(hk.port, &[b"SET", b"k", b"1"]), "+OK\r\n");
    assert_eq!(raw(hk.port, &[b"AOF", b"FSYNC"]), "+OK\r\n");
    // Fsynced: WAITAOF answers without waiting, even inside a transaction.
    let mut req = resp(&[b"MULTI"]);
    req.extend(resp(&[b"WAITAOF", b"1", b"0", b"0"]));
    req.extend(resp(&[b"EXEC"]));
    let r = String::from_utf8(raw_roundtrip(hk.port, &req, 3)).unwrap();
    assert_eq!(r, "+OK\r\n+QUEUED\r\n*1\r\n*2\r\n:1\r\n:0\r\n");
    assert_eq!(raw(hk.port, &[b"AOF", b"FSYNC", b"x"]), "-ERR wrong number of arguments for 'aof|fsync' command\r\n");
    let plain = start_hotkv(&[]);
    assert_eq!(raw(plain.port, &[b"AOF", b"FSYNC"]), "-ERR AOF FSYNC cannot be used when appendonly is disabled.\r\n");
}
