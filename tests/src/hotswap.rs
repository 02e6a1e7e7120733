//! Helpers for the upgrade and hot-swap tests: UPGRADE and INFO through a
//! client, process figures from `/proc`, and raw connections that send and
//! expect exact bytes.

use crate::Proc;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// The version string of the default logic library (its crate version).
pub const DEFAULT_VERSION: &str = "0.1.0";

/// INFO's `blocked_clients` (clients blocked on keys or postponed by a pause).
pub fn blocked(admin: &mut redis::Connection) -> usize {
    info_field(admin, "clients", "blocked_clients").parse().unwrap()
}

/// Waits (bounded) until `n` clients are blocked.
pub fn wait_blocked(admin: &mut redis::Connection, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while blocked(admin) != n {
        assert!(Instant::now() < deadline, "never {n} blocked clients");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// `INFO <section>` as a map of its `field:value` lines.
pub fn info(con: &mut redis::Connection, section: &str) -> HashMap<String, String> {
    let text: String = redis::cmd("INFO").arg(section).query(con).expect("INFO");
    text.lines().filter_map(|l| l.split_once(':')).map(|(k, v)| (k.to_string(), v.trim().to_string())).collect()
}

/// One field of `INFO <section>`.
pub fn info_field(con: &mut redis::Connection, section: &str, field: &str) -> String {
    info(con, section).remove(field).unwrap_or_else(|| panic!("INFO {section} has no field {field}"))
}

/// `logic_version` and `logic_generation` of INFO logic.
pub fn logic_version(con: &mut redis::Connection) -> (String, u64) {
    let mut m = info(con, "logic");
    (m.remove("logic_version").unwrap(), m.remove("logic_generation").unwrap().parse().unwrap())
}

pub fn used_memory(con: &mut redis::Connection) -> u64 {
    info_field(con, "memory", "used_memory").parse().unwrap()
}

/// Sends `UPGRADE <args...>`: the success line, or the error text.
pub fn upgrade_cmd(con: &mut redis::Connection, args: &[&str]) -> Result<String, String> {
    let mut cmd = redis::cmd("UPGRADE");
    for a in args {
        cmd.arg(*a);
    }
    match cmd.query::<redis::Value>(con) {
        Ok(redis::Value::SimpleString(s)) => Ok(s),
        Ok(v) => panic!("unexpected UPGRADE reply {v:?}"),
        Err(e) if e.code().is_some() => {
            Err(format!("{} {}", e.code().unwrap_or(""), e.detail().unwrap_or("")))
        }
        Err(e) => panic!("UPGRADE: connection failed: {e}"),
    }
}

/// `UPGRADE <path>`, which must succeed; returns the reply line.
pub fn upgrade(con: &mut redis::Connection, path: &Path) -> String {
    let reply = upgrade_cmd(con, &[path.to_str().unwrap()]).unwrap_or_else(|e| panic!("UPGRADE {path:?}: {e}"));
    assert!(reply.starts_with("OK upgraded "), "{reply}");
    reply
}

/// A numeric field of `/proc/<pid>/status` (`VmRSS` in kB, `Threads`).
pub fn proc_status(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = text.lines().find(|l| l.starts_with(&format!("{field}:"))).unwrap_or_else(|| panic!("no {field}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

pub fn rss_kb(p: &Proc) -> u64 {
    proc_status(p.pid(), "VmRSS")
}

pub fn threads(p: &Proc) -> u64 {
    proc_status(p.pid(), "Threads")
}


/// The RESP bulk reply carrying `b`.
pub fn bulk(b: &[u8]) -> Vec<u8> {
    let mut out = format!("${}\r\n", b.len()).into_bytes();
    out.extend_from_slice(b);
    out.extend_from_slice(b"\r\n");
    out
}

/// A plain socket for byte-exact exchanges.
pub struct RawConn {
    pub s: TcpStream,
}

impl RawConn {
    pub fn connect(port: u16) -> RawConn {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        s.set_nodelay(true).unwrap();
        RawConn { s }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.s.write_all(bytes).unwrap();
    }

    /// Reads into `buf` until `done(buf)`, failing after `limit`; never
    /// more than `max` bytes in all (the rest stays for the next read).
    fn read_until(&mut self, buf: &mut Vec<u8>, max: usize, limit: Duration, what: &str, done: impl Fn(&[u8]) -> bool) {
        let deadline = Instant::now() + limit;
        let mut chunk = vec![0u8; 65536];
        while !done(buf) {
            assert!(Instant::now() < deadline, "timed out waiting for {what}; got {:?}", String::from_utf8_lossy(buf));
            let want = chunk.len().min(max - buf.len());
            match self.s.read(&mut chunk[..want]) {
                Ok(0) => panic!("connection closed while waiting for {what}; got {:?}", String::from_utf8_lossy(buf)),
                Ok(k) => buf.extend_from_slice(&chunk[..k]),
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
                Err(e) => panic!("read: {e}"),
            }
        }
    }

    /// Reads exactly `n` bytes.
    pub fn read_n(&mut self, n: usize, limit: Duration) -> Vec<u8> {
        let mut buf = Vec::with_capacity(n);
        self.read_until(&mut buf, n, limit, &format!("{n} bytes"), |b| b.len() >= n);
        buf
    }

    /// Reads until `n` complete RESP values have arrived; returns their text.
    pub fn read_values(&mut self, n: usize, limit: Duration) -> String {
        String::from_utf8(self.read_raw_values(n, limit)).unwrap()
    }

    /// Reads until `n` complete RESP values have arrived; returns their bytes.
    pub fn read_raw_values(&mut self, n: usize, limit: Duration) -> Vec<u8> {
        let mut buf = Vec::new();
        self.read_until(&mut buf, usize::MAX, limit, &format!("{n} replies"), |b| crate::count_values(b) >= n);
        buf
    }

    /// Reads exactly `expected.len()` bytes and compares them.
    pub fn expect(&mut self, expected: &[u8], what: &str) {
        let got = self.read_n(expected.len(), Duration::from_secs(30));
        if got != expected {
            let at = got.iter().zip(expected).position(|(a, b)| a != b).unwrap_or(0);
            let ctx = |b: &[u8]| String::from_utf8_lossy(&b[at.saturating_sub(40)..(at + 40).min(b.len())]).into_owned();
            panic!("{what}: replies differ at byte {at}: got {:?}, expected {:?}", ctx(&got), ctx(expected));
        }
    }

    /// PING, then exactly `+PONG`: proves nothing else was queued before it.
    pub fn ping(&mut self, what: &str) {
        self.send(b"*1\r\n$4\r\nPING\r\n");
        self.expect(b"+PONG\r\n", what);
    }
}

/// Sends the first half of `request` on a connection of its own, upgrades
/// to `path` (which must report `version`), sends the rest, and checks that
/// exactly `replies` came back, in order, and nothing more. Returns the
/// connection (kept open, so its buffers stay until the caller drops it).
pub fn pipeline_across_upgrade(port: u16, admin: &mut redis::Connection, path: &Path, version: &str, request: &[u8], replies: &[u8], what: &str) -> RawConn {
    let cut = request.len() / 2;
    let mut pipe = RawConn::connect(port);
    pipe.send(&request[..cut]);
    let reply = upgrade(admin, path);
    assert!(reply.contains(version), "{reply}");
    pipe.send(&request[cut..]);
    pipe.expect(replies, what);
    pipe.ping("nothing after the last reply");
    assert_eq!(logic_version(admin).0, version);
    pipe
}

/// FLUSHALL, then waits until `used_memory` is back within a tenth of what
/// loading added to `baseline`: everything the values held was freed
/// (through the shell's allocator).
pub fn flushall_frees(admin: &mut redis::Connection, baseline: u64, loaded: u64) {
    let _: () = redis::cmd("FLUSHALL").query(admin).unwrap();
    let left: usize = redis::cmd("DBSIZE").query(admin).unwrap();
    assert_eq!(left, 0);
    let limit = baseline + (loaded - baseline) / 10;
    let mut after = 0;
    let freed = crate::wait_until(Duration::from_secs(5), || {
        after = used_memory(admin);
        after < limit
    });
    assert!(freed, "baseline {baseline}, loaded {loaded}, after FLUSHALL {after}");
}
