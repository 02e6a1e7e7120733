//! The append-only file, write side: hotkv with `appendonly yes` writes a
//! multi-part AOF directory (base, incr files, manifest) that a real
//! redis-server 7.0 loads with the same data; BGREWRITEAOF replaces base
//! and incr files; CONFIG SET appendonly yes makes the first base of a
//! server with data; an UPGRADE in the middle of a rewrite hands the child
//! to the new version; FLUSHALL kills a rewrite; INFO reports all of it.

use hotkv_tests::hotswap::{info, upgrade};
use hotkv_tests::*;
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn persistence(con: &mut redis::Connection) -> HashMap<String, String> {
    info(con, "persistence")
}

fn cmd(con: &mut redis::Connection, args: &[&str]) -> redis::Value {
    let mut c = redis::cmd(args[0]);
    for a in &args[1..] {
        c.arg(*a);
    }
    c.query(con).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn config_set(con: &mut redis::Connection, name: &str, value: &str) {
    let _: () = redis::cmd("CONFIG").arg("SET").arg(name).arg(value).query(con).unwrap();
}

/// Writes of every type in databases 0, 3 and 9, with expiries, a
/// transaction and a key that expires and is deleted by a read.
fn populate(con: &mut redis::Connection, tag: &str) {
    for db in ["0", "3", "9"] {
        cmd(con, &["SELECT", db]);
        cmd(con, &["SET", &format!("s:{tag}"), &format!("v{db}")]);
        cmd(con, &["SET", &format!("ttl:{tag}"), "x", "EX", "1000"]);
        cmd(con, &["RPUSH", &format!("l:{tag}"), "a", "b", "c"]);
        cmd(con, &["LPOP", &format!("l:{tag}")]);
        cmd(con, &["SADD", &format!("set:{tag}"), "1", "2", "x"]);
        cmd(con, &["HSET", &format!("h:{tag}"), "f", "1", "g", "2"]);
        cmd(con, &["HINCRBY", &format!("h:{tag}"), "f", "5"]);
        cmd(con, &["ZADD", &format!("z:{tag}"), "1.5", "a", "2", "b"]);
        cmd(con, &["INCR", &format!("n:{tag}")]);
        cmd(con, &["SET", &format!("gone:{tag}"), "x"]);
        cmd(con, &["DEL", &format!("gone:{tag}")]);
    }
    cmd(con, &["SELECT", "0"]);
    let r: Vec<i64> = redis::pipe().atomic().cmd("INCR").arg(format!("m:{tag}")).cmd("INCR").arg(format!("m:{tag}")).query(con).unwrap();
    assert_eq!(r, [1, 2]);
    cmd(con, &["SET", &format!("short:{tag}"), "x", "PX", "1"]);
    std::thread::sleep(Duration::from_millis(5));
    let v: Option<String> = redis::cmd("GET").arg(format!("short:{tag}")).query(con).unwrap();
    assert_eq!(v, None);
}

/// Every key of databases 0..16 with its type, value and whether it has
/// an expiry, sorted: what two servers holding the same data agree on.
fn snapshot(con: &mut redis::Connection) -> Vec<String> {
    let mut out = Vec::new();
    for db in 0..16 {
        cmd(con, &["SELECT", &db.to_string()]);
        let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(con).unwrap();
        for k in keys {
            let t: String = redis::cmd("TYPE").arg(&k).query(con).unwrap();
            let v = match t.as_str() {
                "string" => redis::cmd("GET").arg(&k).query::<String>(con).unwrap(),
                "list" => redis::cmd("LRANGE").arg(&k).arg(0).arg(-1).query::<Vec<String>>(con).unwrap().join(","),
                "set" => {
                    let mut m: Vec<String> = redis::cmd("SMEMBERS").arg(&k).query(con).unwrap();
                    m.sort();
                    m.join(",")
                }
                "hash" => {
                    let mut m: Vec<(String, String)> = redis::cmd("HGETALL").arg(&k).query(con).unwrap();
                    m.sort();
                    format!("{m:?}")
                }
                "zset" => redis::cmd("ZRANGE").arg(&k).arg(0).arg(-1).arg("WITHSCORES").query::<Vec<String>>(con).unwrap().join(","),
                other => panic!("type {other}"),
            };
            let ttl: i64 = redis::cmd("TTL").arg(&k).query(con).unwrap();
            out.push(format!("{db} {k} {t} {v} ttl={}", ttl > 0));
        }
    }
    cmd(con, &["SELECT", "0"]);
    out.sort();
    out
}

/// Starts a real redis-server 7.0 with `appendonly yes` on a copy of the
/// AOF directory of `dir`; it loads that directory at start.
fn redis_on_copy(dir: &Path) -> Proc {
    let copy = tempfile::Builder::new().prefix("redis-aof-").tempdir().unwrap();
    let status = Command::new("cp").arg("-r").arg(dir.join("appendonlydir")).arg(copy.path()).status().unwrap();
    assert!(status.success());
    let port = free_port();
    let mut c = Command::new("redis-server");
    c.args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--dir"]).arg(copy.path());
    start_hotkv_cmd(c, port, copy)
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("appendonlydir")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    v.sort();
    v
}

fn manifest(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("appendonlydir/appendonly.aof.manifest")).unwrap()
}

fn wait_rewritten(con: &mut redis::Connection, rewrites: u64) {
    let done = wait_until(Duration::from_secs(60), || {
        let p = persistence(con);
        p["aof_rewrite_in_progress"] == "0" && p["aof_rewrite_scheduled"] == "0" && p["aof_rewrites"].parse::<u64>().unwrap() >= rewrites
    });
    assert!(done, "rewrite did not end: {:?}", persistence(con));
}

/// `temp-rewriteaof-bg-<pid>.aof` files left in the working directory.
fn temp_rewrites(dir: &Path) -> usize {
    std::fs::read_dir(dir).unwrap().filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with("temp-rewriteaof-bg-")).count()
}

#[test]
fn appendonly_dir_loads_in_redis_with_the_same_data() {
    let hk = start_hotkv(&["--appendonly", "yes"]);
    let mut con = hk.client();
    // Created at start, as Redis 7.0: an empty base and the first incr file.
    assert_eq!(files(hk.dir.path()), ["appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"]);
    assert_eq!(manifest(hk.dir.path()), "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n");
    populate(&mut con, "a");
    let incr = std::fs::read(hk.dir.path().join("appendonlydir/appendonly.aof.1.incr.aof")).unwrap();
    // The write is on file before its reply: the stream starts with the
    // SELECT of the first write's database, the transaction is kept.
    assert!(incr.starts_with(b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n"), "{}", String::from_utf8_lossy(&incr[..60]));
    let text = String::from_utf8_lossy(&incr);
    assert!(text.contains("MULTI\r\n") && text.contains("EXEC\r\n"), "{text}");
    assert!(text.contains("*2\r\n$3\r\nDEL\r\n$7\r\nshort:a\r\n"), "the expired key is deleted in the AOF: {text}");
    let mine = snapshot(&mut con);
    assert_eq!(mine.len(), 3 * 7 + 1);
    let rd = redis_on_copy(hk.dir.path());
    assert_eq!(snapshot(&mut rd.client()), mine);
    let p = persistence(&mut con);
    assert_eq!((p["aof_enabled"].as_str(), p["aof_last_write_status"].as_str(), p["aof_buffer_length"].as_str()), ("1", "ok", "0"));
    assert_eq!(p["aof_current_size"].parse::<usize>().unwrap(), incr.len() + std::fs::metadata(hk.dir.path().join("appendonlydir/appendonly.aof.1.base.rdb")).unwrap().len() as usize);
}

#[test]
fn bgrewriteaof_replaces_base_and_incr_files() {
    let hk = start_hotkv(&["--appendonly", "yes", "--appendfsync", "always"]);
    let mut con = hk.client();
    populate(&mut con, "a");
    let r: String = redis::cmd("BGREWRITEAOF").query(&mut con).unwrap();
    assert_eq!(r, "Background append only file rewriting started");
    wait_rewritten(&mut con, 1);
    populate(&mut con, "b");
    assert_eq!(files(hk.dir.path()), ["appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"]);
    assert_eq!(manifest(hk.dir.path()), "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n");
    assert_eq!(temp_rewrites(hk.dir.path()), 0);
    let p = persistence(&mut con);
    assert_eq!((p["aof_last_bgrewrite_status"].as_str(), p["aof_rewrites"].as_str(), p["aof_last_rewrite_time_sec"].as_str()), ("ok", "1", "0"));
    assert_eq!(info(&mut con, "stats")["total_forks"], "1");
    let rd = redis_on_copy(hk.dir.path());
    assert_eq!(snapshot(&mut rd.client()), snapshot(&mut con));
    // A second one while the first runs, as Redis.
    config_set(&mut con, "rdb-key-save-delay", "100000");
    let _: String = redis::cmd("BGREWRITEAOF").query(&mut con).unwrap();
    let e = redis::cmd("BGREWRITEAOF").query::<String>(&mut con).unwrap_err();
    assert_eq!(e.detail(), Some("Background append only file rewriting already in progress"), "{e}");
    let e = redis::cmd("BGSAVE").query::<String>(&mut con).unwrap_err();
    assert!(e.to_string().contains("Another child process is active (AOF?)"), "{e}");
    let r: String = redis::cmd("BGSAVE").arg("SCHEDULE").query(&mut con).unwrap();
    assert_eq!(r, "Background saving scheduled");
}

#[test]
fn config_set_appendonly_yes_writes_the_data_of_a_running_server() {
    let hk = start_hotkv(&[]);
    let mut con = hk.client();
    populate(&mut con, "a");
    let p = persistence(&mut con);
    assert_eq!(p["aof_enabled"], "0");
    assert!(!p.contains_key("aof_current_size"), "{p:?}");
    assert!(!hk.dir.path().join("appendonlydir").exists());
    config_set(&mut con, "appendonly", "yes");
    // Writes while the first base is made go to the temp incr file.
    populate(&mut con, "b");
    wait_rewritten(&mut con, 1);
    populate(&mut con, "c");
    assert_eq!(files(hk.dir.path()), ["appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest"]);
    let rd = redis_on_copy(hk.dir.path());
    assert_eq!(snapshot(&mut rd.client()), snapshot(&mut con));
    // Off: the file is closed, writes are no longer appended.
    config_set(&mut con, "appendonly", "no");
    let before = std::fs::read(hk.dir.path().join("appendonlydir/appendonly.aof.1.incr.aof")).unwrap();
    cmd(&mut con, &["SET", "after-off", "1"]);
    assert_eq!(std::fs::read(hk.dir.path().join("appendonlydir/appendonly.aof.1.incr.aof")).unwrap(), before);
    assert_eq!(persistence(&mut con)["aof_enabled"], "0");
}

#[test]
fn upgrade_during_rewrite_hands_the_child_over() {
    let hk = start_hotkv(&["--appendonly", "yes"]);
    let mut con = hk.client();
    let mut pipe = redis::pipe();
    for i in 0..3000 {
        pipe.cmd("SET").arg(format!("key:{i}")).arg(i).ignore();
    }
    let _: () = pipe.query(&mut con).unwrap();
    config_set(&mut con, "rdb-key-save-delay", "300");
    let _: String = redis::cmd("BGREWRITEAOF").query(&mut con).unwrap();
    assert_eq!(persistence(&mut con)["aof_rewrite_in_progress"], "1");
    cmd(&mut con, &["SET", "during", "x"]);
    upgrade(&mut con, &default_logic());
    assert_eq!(persistence(&mut con)["aof_rewrite_in_progress"], "1", "the new version has the child");
    cmd(&mut con, &["SELECT", "5"]);
    cmd(&mut con, &["SET", "after-upgrade", "y"]);
    cmd(&mut con, &["SELECT", "0"]);
    wait_rewritten(&mut con, 1);
    assert_eq!(persistence(&mut con)["aof_last_bgrewrite_status"], "ok");
    assert!(hk.log().contains("Background AOF rewrite finished successfully"), "{}", hk.log());
    cmd(&mut con, &["SET", "after-rewrite", "z"]);
    assert_eq!(files(hk.dir.path()), ["appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"]);
    let rd = redis_on_copy(hk.dir.path());
    let mine = snapshot(&mut con);
    assert_eq!(mine.len(), 3003);
    assert_eq!(snapshot(&mut rd.client()), mine);
}

#[test]
fn flushall_kills_a_running_rewrite() {
    let hk = start_hotkv(&["--appendonly", "yes"]);
    let mut con = hk.client();
    let mut pipe = redis::pipe();
    for i in 0..2000 {
        pipe.cmd("SET").arg(format!("key:{i}")).arg(i).ignore();
    }
    let _: () = pipe.query(&mut con).unwrap();
    config_set(&mut con, "rdb-key-save-delay", "1000");
    let _: String = redis::cmd("BGREWRITEAOF").query(&mut con).unwrap();
    assert!(wait_until(Duration::from_secs(10), || temp_rewrites(hk.dir.path()) == 1), "no temp file");
    cmd(&mut con, &["FLUSHALL"]);
    let p = persistence(&mut con);
    assert_eq!((p["aof_rewrite_in_progress"].as_str(), p["aof_last_bgrewrite_status"].as_str(), p["aof_rewrites"].as_str()), ("0", "ok", "0"));
    assert_eq!(temp_rewrites(hk.dir.path()), 0, "the temp file is removed");
    cmd(&mut con, &["SET", "after", "1"]);
    let rd = redis_on_copy(hk.dir.path());
    assert_eq!(snapshot(&mut rd.client()), ["0 after string 1 ttl=false"]);
}

/// hotkv started with `appendonly yes` on `dir` (its own AOF, or Redis's).
fn hotkv_on(dir: tempfile::TempDir) -> Proc {
    let port = free_port();
    let mut c = Command::new(hotkv_bin());
    c.arg("--port").arg(port.to_string()).arg("--dir").arg(dir.path()).arg("--logic").arg(default_logic()).args(["--appendonly", "yes"]);
    start_hotkv_cmd(c, port, dir)
}

#[test]
fn hotkv_restarts_from_its_own_aof() {
    let hk = start_hotkv(&["--appendonly", "yes"]);
    let mut con = hk.client();
    populate(&mut con, "a");
    let _: String = redis::cmd("BGREWRITEAOF").query(&mut con).unwrap();
    wait_rewritten(&mut con, 1);
    populate(&mut con, "b");
    let before = snapshot(&mut con);
    drop(con);
    // Killed, not shut down: what was replied to is on file.
    let hk = hotkv_on(hk.stop());
    let mut con = hk.client();
    assert_eq!(snapshot(&mut con), before);
    // It appends to the same incr file, after a SELECT of its own.
    cmd(&mut con, &["SET", "after-restart", "1"]);
    assert_eq!(files(hk.dir.path()), ["appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"]);
    let before = snapshot(&mut con);
    drop(con);
    let hk = hotkv_on(hk.stop());
    assert_eq!(snapshot(&mut hk.client()), before);
    // And Redis reads the result too.
    let rd = redis_on_copy(hk.dir.path());
    assert_eq!(snapshot(&mut rd.client()), before);
}

#[test]
fn hotkv_appends_to_an_aof_redis_wrote() {
    let rd = start_redis();
    let mut rc = rd.client();
    // Under `everysec` Redis may answer a write before writing it (while a
    // background fsync runs); it is killed right after the replies.
    config_set(&mut rc, "appendfsync", "always");
    config_set(&mut rc, "appendonly", "yes");
    assert!(wait_until(Duration::from_secs(20), || persistence(&mut rc)["aof_rewrite_in_progress"] == "0" && rd.dir.path().join("appendonlydir").exists()));
    populate(&mut rc, "r");
    let theirs = snapshot(&mut rc);
    drop(rc);
    let hk = hotkv_on(rd.stop());
    let mut con = hk.client();
    assert_eq!(snapshot(&mut con), theirs);
    populate(&mut con, "h");
    let rd = redis_on_copy(hk.dir.path());
    assert_eq!(snapshot(&mut rd.client()), snapshot(&mut con));
}

#[test]
fn aof_settings_as_redis() {
    let hk = start_hotkv(&[]);
    let rd = start_redis();
    let names = ["appendonly", "appendfsync", "appendfilename", "appenddirname", "no-appendfsync-on-rewrite", "auto-aof-rewrite-percentage", "auto-aof-rewrite-min-size", "aof-rewrite-incremental-fsync"];
    for n in names {
        assert_eq!(hk.cli(&["CONFIG", "GET", n]), rd.cli(&["CONFIG", "GET", n]), "{n}");
    }
    for (n, v) in [("appendfsync", "sometimes"), ("appendfsync", "always"), ("appendfilename", "x.aof"), ("appenddirname", "d"), ("auto-aof-rewrite-percentage", "-1"), ("auto-aof-rewrite-min-size", "1mb"), ("no-appendfsync-on-rewrite", "maybe")] {
        assert_eq!(hk.cli(&["CONFIG", "SET", n, v]), rd.cli(&["CONFIG", "SET", n, v]), "{n} {v}");
        assert_eq!(hk.cli(&["CONFIG", "GET", n]), rd.cli(&["CONFIG", "GET", n]), "{n} after {v}");
    }
    let mut con = hk.client();
    let p = persistence(&mut con);
    assert_eq!((p["aof_enabled"].as_str(), p["aof_rewrite_in_progress"].as_str(), p["aof_last_bgrewrite_status"].as_str(), p["aof_rewrites"].as_str()), ("0", "0", "ok", "0"));
    assert_eq!(info(&mut con, "stats")["total_forks"], "0");
}
