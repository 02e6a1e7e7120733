//! The AOF rewrite's base and how the AOF is turned on (issues 5 and 6):
//! with `aof-use-rdb-preamble no` the base is commands (Redis 7.0's
//! `rewriteAppendOnlyFileRio`: SELECT, SET, RPUSH, SADD, ZADD, HMSET in
//! commands of at most 64 items, PEXPIREAT) in a `.base.aof` file that a
//! real redis-server 7.0 and hotkv both load, with the same commands as
//! Redis writes; the setting as Redis's (CONFIG GET/SET/REWRITE);
//! `appendonly` given as a new version's argument (UPGRADE ... ARGS, or
//! CONFIG SET logic-args) turns the AOF on and off as CONFIG SET does;
//! failed rewrites are retried, then held back, as Redis.

use hotkv_tests::dataset::{assert_same, ok, parse_aof, populate};
use hotkv_tests::diff::Conn;
use hotkv_tests::hotswap::{info, upgrade_cmd};
use hotkv_tests::*;
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn persistence(port: u16) -> HashMap<String, String> {
    let c = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap();
    info(&mut c.get_connection_with_timeout(Duration::from_secs(5)).unwrap(), "persistence")
}

/// Waits until no rewrite runs or waits and `aof_rewrites` reached `n`.
fn wait_rewrites(port: u16, n: u64) {
    let done = wait_until(Duration::from_secs(60), || {
        let p = persistence(port);
        p["aof_rewrite_in_progress"] == "0" && p["aof_rewrite_scheduled"] == "0" && p["aof_rewrites"].parse::<u64>().unwrap() >= n
    });
    assert!(done, "rewrite did not end: {:?}", persistence(port));
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("appendonlydir")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    v.sort();
    v
}

fn manifest(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("appendonlydir/appendonly.aof.manifest")).unwrap()
}

/// What two writers of the same dataset agree on: per command its name,
/// key and argument count (members of unordered collections, and so which
/// batch holds which, follow each server's table order), sorted.
fn shape(cmds: &[Vec<Vec<u8>>]) -> Vec<(String, Vec<u8>, usize)> {
    let mut v: Vec<_> = cmds.iter().map(|c| (String::from_utf8_lossy(&c[0]).into_owned(), c[1].clone(), c.len())).collect();
    v.sort();
    v
}

/// A server with `appendonly yes` and a command-form base: hotkv or a
/// real redis-server 7.0.
fn server(redis: bool, dir: Option<tempfile::TempDir>, extra: &[&str]) -> Proc {
    let dir = dir.unwrap_or_else(|| tempfile::Builder::new().prefix("aof-rewrite-").tempdir().unwrap());
    let port = free_port();
    let mut c = if redis {
        let mut c = Command::new("redis-server");
        c.args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", ""]);
        c
    } else {
        let mut c = Command::new(hotkv_bin());
        c.arg("--port").arg(port.to_string()).arg("--logic").arg(default_logic());
        c
    };
    c.arg("--dir").arg(dir.path()).args(["--appendonly", "yes", "--aof-use-rdb-preamble", "no"]).args(extra);
    start_hotkv_cmd(c, port, dir)
}

/// A copy of the AOF directory of `from` in a new directory.
fn copy_aof(from: &Path) -> tempfile::TempDir {
    let to = tempfile::Builder::new().prefix("aof-rewrite-copy-").tempdir().unwrap();
    assert!(Command::new("cp").arg("-r").arg(from.join("appendonlydir")).arg(to.path()).status().unwrap().success());
    to
}

fn bgrewriteaof(p: &Proc, n: u64) {
    assert_eq!(p.cli(&["BGREWRITEAOF"]).trim(), "Background append only file rewriting started");
    wait_rewrites(p.port, n);
}

#[test]
fn command_base_as_redis_writes_it_and_both_load_it() {
    let hk = server(false, None, &[]);
    // The base made at start, for an empty dataset: an empty command file.
    assert_eq!(files(hk.dir.path()), ["appendonly.aof.1.base.aof", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"]);
    assert_eq!(std::fs::metadata(hk.dir.path().join("appendonlydir/appendonly.aof.1.base.aof")).unwrap().len(), 0);
    let rd = server(true, None, &[]);
    for p in [&hk, &rd] {
        populate(&mut Conn::open(p.port));
        bgrewriteaof(p, 1);
        assert_eq!(manifest(p.dir.path()), "file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n");
    }
    assert_same(rd.port, hk.port);
    let base = |p: &Proc| parse_aof(&std::fs::read(p.dir.path().join("appendonlydir/appendonly.aof.2.base.aof")).unwrap());
    let (mine, theirs) = (base(&hk), base(&rd));
    assert_eq!(shape(&mine), shape(&theirs));
    // Databases in order, each once; aggregates cut at 64 items.
    let selects: Vec<&[u8]> = mine.iter().filter(|c| c[0] == b"SELECT").map(|c| c[1].as_slice()).collect();
    assert_eq!(selects, [&b"0"[..], b"1", b"15"]);
    for c in &mine {
        let per_item = if c[0] == b"ZADD" || c[0] == b"HMSET" { 2 } else { 1 };
        assert!((c.len() - 2) / per_item <= 64, "{} of {} arguments", String::from_utf8_lossy(&c[0]), c.len());
    }
    let rpush: usize = mine.iter().filter(|c| c[0] == b"RPUSH" && c[1] == b"l:large").count();
    assert_eq!(rpush, 1000usize.div_ceil(64));
    // Scores as Redis's %.17g, expiries absolute.
    let z: Vec<&Vec<Vec<u8>>> = mine.iter().filter(|c| c[0] == b"ZADD" && c[1] == b"z:small").collect();
    assert_eq!(z.len(), 1);
    assert!(z[0].windows(2).any(|w| w[0] == b"0.10000000000000001" && w[1] == b"tenth"), "{:?}", z[0]);
    assert!(z[0].windows(2).any(|w| w[0] == b"1e+20" && w[1] == b"big"), "{:?}", z[0]);
    let exp: Vec<&Vec<Vec<u8>>> = mine.iter().filter(|c| c[0] == b"PEXPIREAT").collect();
    assert_eq!(exp.len(), 3);
    assert!(exp.iter().all(|c| std::str::from_utf8(&c[2]).unwrap().parse::<i64>().unwrap() > 1_700_000_000_000));
    // Both load hotkv's directory (base and the incr file after it).
    let mut c = Conn::open(hk.port);
    ok(&mut c, &[b"SET", b"after", b"rewrite"]);
    ok(&mut c, &[b"SELECT", b"7"]);
    ok(&mut c, &[b"RPUSH", b"after:l", b"x"]);
    let rd2 = server(true, Some(copy_aof(hk.dir.path())), &[]);
    assert_same(hk.port, rd2.port);
    let hk2 = server(false, Some(copy_aof(hk.dir.path())), &[]);
    assert_same(hk.port, hk2.port);
    // And hotkv loads Redis's.
    let hk3 = server(false, Some(copy_aof(rd.dir.path())), &[]);
    assert_same(rd.port, hk3.port);
}

#[test]
fn preamble_setting_as_redis() {
    let hk = start_hotkv(&[]);
    let rd = start_redis();
    for p in [&hk, &rd] {
        assert_eq!(p.cli(&["CONFIG", "GET", "aof-use-rdb-preamble"]), "aof-use-rdb-preamble\nyes\n");
    }
    for v in ["maybe", "no", "YES", "No"] {
        let set = |p: &Proc| p.cli(&["CONFIG", "SET", "aof-use-rdb-preamble", v]);
        assert_eq!(set(&hk), set(&rd), "{v}");
        let get = |p: &Proc| p.cli(&["CONFIG", "GET", "aof-use-rdb-preamble"]);
        assert_eq!(get(&hk), get(&rd), "after {v}");
    }
    // Changed at runtime: the next base follows it; the replaced one goes.
    let hk = start_hotkv(&["--appendonly", "yes"]);
    hk.cli(&["SET", "k", "v"]);
    assert_eq!(hk.cli(&["CONFIG", "SET", "aof-use-rdb-preamble", "no"]).trim(), "OK");
    bgrewriteaof(&hk, 1);
    assert_eq!(files(hk.dir.path()), ["appendonly.aof.2.base.aof", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"]);
    assert_eq!(std::fs::read(hk.dir.path().join("appendonlydir/appendonly.aof.2.base.aof")).unwrap(), b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
    assert_eq!(hk.cli(&["CONFIG", "SET", "aof-use-rdb-preamble", "yes"]).trim(), "OK");
    bgrewriteaof(&hk, 2);
    assert_eq!(files(hk.dir.path()), ["appendonly.aof.3.base.rdb", "appendonly.aof.3.incr.aof", "appendonly.aof.manifest"]);
    // CONFIG REWRITE records it; a restart reads it.
    let dir = tempfile::Builder::new().prefix("aof-rewrite-conf-").tempdir().unwrap();
    let port = free_port();
    let conf = dir.path().join("hotkv.conf");
    std::fs::write(&conf, format!("port {port}\ndir {}\nlogic-library {}\n", dir.path().display(), default_logic().display())).unwrap();
    let hk = start_hotkv_conf(&conf, dir, port);
    assert_eq!(hk.cli(&["CONFIG", "SET", "aof-use-rdb-preamble", "no"]).trim(), "OK");
    assert_eq!(hk.cli(&["CONFIG", "REWRITE"]).trim(), "OK");
    assert!(std::fs::read_to_string(&conf).unwrap().contains("\naof-use-rdb-preamble no\n"));
    let dir = hk.stop();
    let hk = start_hotkv_conf(&conf, dir, port);
    assert_eq!(hk.cli(&["CONFIG", "GET", "aof-use-rdb-preamble"]), "aof-use-rdb-preamble\nno\n");
}

/// The incr file the AOF appends to now.
fn last_incr(dir: &Path) -> Vec<u8> {
    let m = manifest(dir);
    let name = m.lines().rfind(|l| l.ends_with(" type i")).unwrap().split(' ').nth(1).unwrap().to_string();
    std::fs::read(dir.join("appendonlydir").join(name)).unwrap()
}

#[test]
fn appendonly_as_a_new_versions_argument_turns_the_aof_on_and_off() {
    let hk = start_hotkv(&[]);
    populate(&mut Conn::open(hk.port));
    let mut con = hk.client();
    let logic = default_logic();
    let reply = upgrade_cmd(&mut con, &[logic.to_str().unwrap(), "ARGS", "appendonly", "yes"]).unwrap();
    assert!(reply.starts_with("OK upgraded"), "{reply}");
    assert_eq!(persistence(hk.port)["aof_enabled"], "1");
    wait_rewrites(hk.port, 1);
    assert_eq!(files(hk.dir.path()), ["appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"]);
    assert_eq!(hk.cli(&["CONFIG", "GET", "appendonly"]), "appendonly\nyes\n");
    hk.cli(&["SET", "after:on", "1"]);
    let rd = server(true, Some(copy_aof(hk.dir.path())), &[]);
    assert_same(hk.port, rd.port);
    // Off through CONFIG SET logic-args: the file is closed.
    assert_eq!(hk.cli(&["CONFIG", "SET", "logic-args", "appendonly no"]).trim(), "OK");
    let p = persistence(hk.port);
    assert_eq!(p["aof_enabled"], "0");
    let before = last_incr(hk.dir.path());
    hk.cli(&["SET", "after:off", "1"]);
    assert_eq!(last_incr(hk.dir.path()), before);
    // On again by an upgrade, with a command-form base this time.
    let reply = upgrade_cmd(&mut con, &[logic.to_str().unwrap(), "ARGS", "appendonly", "yes", "aof-use-rdb-preamble", "no"]).unwrap();
    assert!(reply.starts_with("OK upgraded"), "{reply}");
    wait_rewrites(hk.port, 2);
    assert_eq!(files(hk.dir.path()), ["appendonly.aof.2.base.aof", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"]);
    // Off by an upgrade, on by CONFIG SET logic-args.
    let reply = upgrade_cmd(&mut con, &[logic.to_str().unwrap(), "ARGS", "appendonly", "no"]).unwrap();
    assert!(reply.starts_with("OK upgraded"), "{reply}");
    assert_eq!(persistence(hk.port)["aof_enabled"], "0");
    hk.cli(&["SET", "while:off", "1"]);
    assert_eq!(hk.cli(&["CONFIG", "SET", "logic-args", "appendonly yes"]).trim(), "OK");
    wait_rewrites(hk.port, 3);
    assert_eq!(files(hk.dir.path()), ["appendonly.aof.3.base.aof", "appendonly.aof.3.incr.aof", "appendonly.aof.manifest"]);
    hk.cli(&["SET", "after:again", "1"]);
    let rd = server(true, Some(copy_aof(hk.dir.path())), &[]);
    assert_same(hk.port, rd.port);
    // The same version again with the same argument changes nothing.
    let reply = upgrade_cmd(&mut con, &[logic.to_str().unwrap(), "ARGS", "appendonly", "yes"]).unwrap();
    assert!(reply.starts_with("OK upgraded"), "{reply}");
    let p = persistence(hk.port);
    assert_eq!((p["aof_enabled"].as_str(), p["aof_rewrite_in_progress"].as_str(), p["aof_rewrites"].as_str()), ("1", "0", "3"));
}

/// The pids of the children of process `pid` (all its threads').
fn children(pid: u32) -> Vec<i32> {
    let mut out = Vec::new();
    for t in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap().flatten() {
        let list = std::fs::read_to_string(t.path().join("children")).unwrap_or_default();
        out.extend(list.split_whitespace().map(|p| p.parse::<i32>().unwrap()));
    }
    out
}

/// Kills the rewrite child of `p` with SIGKILL (a failure, unlike
/// SIGUSR1) once one runs, within `limit`; its pid.
fn kill_child(p: &Proc, not: &[i32], limit: Duration) -> i32 {
    let mut child = None;
    assert!(wait_until(limit, || {
        child = children(p.pid()).into_iter().find(|c| !not.contains(c));
        child.is_some()
    }), "no rewrite child within {limit:?}");
    let c = child.unwrap();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(c), nix::sys::signal::Signal::SIGKILL).unwrap();
    c
}

#[test]
fn failed_rewrites_are_retried_then_held_back_as_redis() {
    let mut logs = Vec::new();
    for redis in [true, false] {
        let dir = tempfile::Builder::new().prefix("aof-retry-").tempdir().unwrap();
        let port = free_port();
        let mut c = if redis {
            let mut c = Command::new("redis-server");
            c.args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--logfile", "server.log"]);
            c
        } else {
            let mut c = Command::new(hotkv_bin());
            c.arg("--port").arg(port.to_string()).arg("--logic").arg(default_logic());
            c
        };
        c.arg("--dir").arg(dir.path()).args(["--rdb-key-save-delay", "1000000"]);
        let p = start_hotkv_cmd(c, port, dir);
        for i in 0..5 {
            p.cli(&["SET", &format!("k{i}"), "v"]);
        }
        // Turning the AOF on starts a rewrite; each failed one is retried
        // at once (the AOF waits for its first base), three in a row.
        assert_eq!(p.cli(&["CONFIG", "SET", "appendonly", "yes"]).trim(), "OK");
        let mut killed = Vec::new();
        for n in 1..=3 {
            // The first at once; each retry within a few cron ticks.
            let limit = Duration::from_secs(if n == 1 { 20 } else { 2 });
            killed.push(kill_child(&p, &killed, limit));
            assert!(wait_until(Duration::from_secs(20), || persistence(port)["aof_rewrites_consecutive_failures"] == n.to_string()), "{:?}", persistence(port));
        }
        // Then held back (a minute): no new child, the rewrite scheduled.
        std::thread::sleep(Duration::from_millis(1500));
        let info = persistence(port);
        assert_eq!(children(p.pid()), Vec::<i32>::new(), "redis: {redis}");
        let fields = ["aof_enabled", "aof_rewrite_in_progress", "aof_rewrite_scheduled", "aof_last_bgrewrite_status", "aof_rewrites_consecutive_failures"];
        let got: Vec<&str> = fields.iter().map(|f| info[*f].as_str()).collect();
        assert_eq!(got, ["1", "0", "1", "err", "3"], "redis: {redis}");
        // BGREWRITEAOF is not held back; its success ends the streak.
        assert_eq!(p.cli(&["CONFIG", "SET", "rdb-key-save-delay", "0"]).trim(), "OK");
        assert_eq!(p.cli(&["BGREWRITEAOF"]).trim(), "Background append only file rewriting started");
        assert!(wait_until(Duration::from_secs(20), || persistence(port)["aof_rewrites_consecutive_failures"] == "0"));
        let info = persistence(port);
        assert_eq!((info["aof_last_bgrewrite_status"].as_str(), info["aof_rewrite_scheduled"].as_str()), ("ok", "0"));
        logs.push(std::fs::read_to_string(p.dir.path().join("server.log")).unwrap());
    }
    for log in logs {
        assert!(log.contains("Background AOF rewrite has repeatedly failed and triggered the limit, will retry in 1 minutes"), "{log}");
    }
}
