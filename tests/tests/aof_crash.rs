//! Crash safety of the AOF, with real processes killed by SIGKILL: under
//! a write load from several connections with `appendfsync always`
//! (everything acknowledged is there after the restart, nothing twice),
//! during BGREWRITEAOF (the restart loads, the rewrite's leftovers do not
//! matter), under `everysec` (the data is a prefix of what was written),
//! and after WAITAOF (everything acknowledged before its reply is there).
//!
//! A SIGKILL does not drop the page cache: these tests show that the
//! files are consistent at any instant and that no reply runs ahead of
//! the write it answers; what fsync adds against a power loss they cannot
//! show (the policies' fsync calls are covered by `waitaof.rs`).

use hotkv_tests::hotswap::info;
use hotkv_tests::*;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// hotkv with `appendonly yes` and `extra` on `dir` (a restart).
fn hotkv_on(dir: tempfile::TempDir, extra: &[&str]) -> Proc {
    let port = free_port();
    let mut c = Command::new(hotkv_bin());
    c.arg("--port").arg(port.to_string()).arg("--dir").arg(dir.path()).arg("--logic").arg(default_logic()).args(["--appendonly", "yes"]).args(extra);
    start_hotkv_cmd(c, port, dir)
}

/// Per writer: INCRs acknowledged, RPUSHes acknowledged (each pushes its
/// sequence number), until the server dies or `stop` is set.
fn write_load(port: u16, writers: usize, stop: Arc<AtomicBool>) -> Vec<std::thread::JoinHandle<(u64, u64)>> {
    (0..writers)
        .map(|w| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let Ok(client) = redis::Client::open(format!("redis://127.0.0.1:{port}/")) else { return (0, 0) };
                let Ok(mut con) = client.get_connection_with_timeout(Duration::from_secs(5)) else { return (0, 0) };
                con.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let (mut incrs, mut pushes) = (0u64, 0u64);
                let deadline = Instant::now() + Duration::from_secs(30);
                while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                    match redis::cmd("INCR").arg(format!("n:{w}")).query::<u64>(&mut con) {
                        Ok(v) => {
                            assert_eq!(v, incrs + 1, "writer {w}: INCR replies count up");
                            incrs += 1;
                        }
                        Err(_) => break,
                    }
                    match redis::cmd("RPUSH").arg(format!("l:{w}")).arg(pushes).query::<u64>(&mut con) {
                        Ok(_) => pushes += 1,
                        Err(_) => break,
                    }
                }
                (incrs, pushes)
            })
        })
        .collect()
}

/// Runs `writers` writers for `for_ms`, then kills the server with SIGKILL
/// under their load; returns the directory and what each saw acknowledged.
fn kill_under_load(hk: Proc, writers: usize, for_ms: u64) -> (tempfile::TempDir, Vec<(u64, u64)>) {
    let stop = Arc::new(AtomicBool::new(false));
    let threads = write_load(hk.port, writers, stop.clone());
    std::thread::sleep(Duration::from_millis(for_ms));
    let dir = hk.stop(); // SIGKILL, while the writers write
    stop.store(true, Ordering::Relaxed);
    let acked = threads.into_iter().map(|t| t.join().unwrap()).collect();
    (dir, acked)
}

fn get_u64(con: &mut redis::Connection, key: &str) -> u64 {
    redis::cmd("GET").arg(key).query::<Option<u64>>(con).unwrap().unwrap_or(0)
}

fn list(con: &mut redis::Connection, key: &str) -> Vec<u64> {
    redis::cmd("LRANGE").arg(key).arg(0).arg(-1).query(con).unwrap()
}

/// Every writer's data after the restart: acknowledged writes all there,
/// in order, none twice; at most the one in flight at the kill beyond.
fn check_acknowledged(con: &mut redis::Connection, acked: &[(u64, u64)]) {
    for (w, &(incrs, pushes)) in acked.iter().enumerate() {
        let n = get_u64(con, &format!("n:{w}"));
        assert!(n == incrs || n == incrs + 1, "writer {w}: counter {n}, {incrs} INCRs acknowledged");
        let l = list(con, &format!("l:{w}"));
        assert!(l.len() as u64 == pushes || l.len() as u64 == pushes + 1, "writer {w}: {} elements, {pushes} RPUSHes acknowledged", l.len());
        assert!(l.iter().enumerate().all(|(i, &v)| v == i as u64), "writer {w}: list not 0, 1, 2, ...: {l:?}");
    }
}

#[test]
fn kill_under_load_with_appendfsync_always_loses_nothing_acknowledged() {
    let hk = hotkv_on(tempfile::tempdir().unwrap(), &["--appendfsync", "always"]);
    let (dir, acked) = kill_under_load(hk, 4, 1500);
    assert!(acked.iter().all(|&(i, _)| i > 0), "every writer wrote: {acked:?}");
    let hk = hotkv_on(dir, &["--appendfsync", "always"]);
    check_acknowledged(&mut hk.client(), &acked);
}

/// The children of `pid` (a rewrite child), from /proc.
fn children(pid: u32) -> Vec<i32> {
    let path = format!("/proc/{pid}/task/{pid}/children");
    std::fs::read_to_string(path).unwrap_or_default().split_whitespace().filter_map(|p| p.parse().ok()).collect()
}

#[test]
fn kill_during_bgrewriteaof_keeps_everything_acknowledged() {
    let hk = hotkv_on(tempfile::tempdir().unwrap(), &["--appendfsync", "always"]);
    let mut con = hk.client();
    for i in 0..200 {
        let _: () = redis::cmd("SET").arg(format!("before:{i}")).arg(i).query(&mut con).unwrap();
    }
    // A slow child (10 ms per key): it is still writing when the parent dies.
    let _: () = redis::cmd("CONFIG").arg("SET").arg("rdb-key-save-delay").arg("10000").query(&mut con).unwrap();
    let _: String = redis::cmd("BGREWRITEAOF").query(&mut con).unwrap();
    assert_eq!(info(&mut con, "persistence")["aof_rewrite_in_progress"], "1");
    let child = children(hk.pid());
    assert_eq!(child.len(), 1, "one rewrite child");
    drop(con);
    let (dir, acked) = kill_under_load(hk, 3, 300);
    // The orphaned child would go on writing: it goes too.
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(child[0]), nix::sys::signal::Signal::SIGKILL);
    assert!(wait_until(Duration::from_secs(10), || !std::path::Path::new(&format!("/proc/{}", child[0])).exists()
        || std::fs::read_to_string(format!("/proc/{}/stat", child[0])).is_ok_and(|s| s.contains(") Z "))));
    let hk = hotkv_on(dir, &["--appendfsync", "always"]);
    let mut con = hk.client();
    for i in 0..200 {
        assert_eq!(get_u64(&mut con, &format!("before:{i}")), i);
    }
    check_acknowledged(&mut con, &acked);
    // The rewrite's temp file changes nothing; a new rewrite completes.
    let before = redis::cmd("DBSIZE").query::<u64>(&mut con).unwrap();
    let _: String = redis::cmd("BGREWRITEAOF").query(&mut con).unwrap();
    assert!(wait_until(Duration::from_secs(30), || info(&mut con, "persistence")["aof_rewrites"] == "1"), "{:?}", info(&mut con, "persistence"));
    let dir = hk.stop();
    let hk = hotkv_on(dir, &[]);
    let mut con = hk.client();
    assert_eq!(redis::cmd("DBSIZE").query::<u64>(&mut con).unwrap(), before);
    check_acknowledged(&mut con, &acked);
}

/// `everysec` may lose what was written in the last second or two before
/// a power loss; after a process kill the restart must still succeed and
/// each key hold a prefix of what was written to it.
#[test]
fn kill_under_load_with_everysec_keeps_a_prefix() {
    let hk = hotkv_on(tempfile::tempdir().unwrap(), &["--appendfsync", "everysec"]);
    let (dir, acked) = kill_under_load(hk, 3, 1500);
    let hk = hotkv_on(dir, &[]);
    let mut con = hk.client();
    for (w, &(incrs, pushes)) in acked.iter().enumerate() {
        assert!(get_u64(&mut con, &format!("n:{w}")) <= incrs + 1, "writer {w}");
        let l = list(&mut con, &format!("l:{w}"));
        assert!(l.len() as u64 <= pushes + 1, "writer {w}: {} elements, {pushes} pushed", l.len());
        assert!(l.iter().enumerate().all(|(i, &v)| v == i as u64), "writer {w}: not a prefix: {l:?}");
    }
}

/// Under `appendfsync no`, what WAITAOF acknowledged is there after a kill.
#[test]
fn waitaof_then_kill_keeps_what_it_acknowledged() {
    let hk = hotkv_on(tempfile::tempdir().unwrap(), &["--appendfsync", "no"]);
    let mut con = hk.client();
    let mut other = hk.client();
    for i in 0..100 {
        let _: () = redis::cmd("SET").arg(format!("k{i}")).arg(i).query(&mut con).unwrap();
        let _: () = redis::cmd("RPUSH").arg("other").arg(i).query(&mut other).unwrap();
    }
    let acks: Vec<i64> = redis::cmd("WAITAOF").arg(1).arg(0).arg(0).query(&mut con).unwrap();
    assert_eq!(acks, [1, 0]);
    let dir = hk.stop();
    let hk = hotkv_on(dir, &[]);
    let mut con = hk.client();
    for i in 0..100 {
        assert_eq!(get_u64(&mut con, &format!("k{i}")), i);
    }
    assert_eq!(list(&mut con, "other").len(), 100);
}
