//! Background saving: BGSAVE forks a child that writes a file
//! redis-check-rdb accepts and redis-server 7.0 loads, LASTSAVE and INFO
//! persistence follow it, save points start it, FLUSHALL kills it, an
//! UPGRADE in the middle hands the child to the new version, which reaps
//! it, and a server killed during a save leaves the previous file whole.
//! INFO reports the copy-on-write of a save and of an AOF rewrite.

use hotkv_tests::hotswap::{info, upgrade};
use hotkv_tests::*;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn persistence(con: &mut redis::Connection) -> std::collections::HashMap<String, String> {
    info(con, "persistence")
}

fn field(con: &mut redis::Connection, name: &str) -> String {
    persistence(con).get(name).cloned().unwrap_or_else(|| panic!("no {name} in INFO persistence"))
}

fn check_rdb(path: &Path) {
    let out = Command::new("redis-check-rdb").arg(path).output().expect("redis-check-rdb");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("RDB looks OK"), "redis-check-rdb refused {path:?}:\n{text}");
}

/// The `temp-<pid>.rdb` files in `dir`, as pids.
fn temp_files(dir: &Path) -> Vec<i32> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_prefix("temp-")?.strip_suffix(".rdb")?.parse().ok()
        })
        .collect()
}

fn wait_saved(con: &mut redis::Connection, saves: u64) {
    let done = wait_until(Duration::from_secs(30), || {
        let p = persistence(con);
        p["rdb_bgsave_in_progress"] == "0" && p["rdb_saves"].parse::<u64>().unwrap() >= saves
    });
    assert!(done, "background save did not end: {:?}", persistence(con));
}

fn populate(con: &mut redis::Connection, n: usize) {
    let mut pipe = redis::pipe();
    for i in 0..n {
        pipe.cmd("SET").arg(format!("key:{i}")).arg(format!("value:{i}")).ignore();
    }
    pipe.cmd("ZADD").arg("z:small").arg(1).arg("a").arg(2.5).arg("b").ignore();
    for i in 0..200 {
        pipe.cmd("ZADD").arg("z:large").arg(i as f64 / 3.0).arg(format!("m{i}")).ignore();
    }
    pipe.cmd("HSET").arg("h").arg("f").arg("v").ignore();
    let _: () = pipe.query(con).unwrap();
}

#[test]
fn bgsave_writes_a_file_redis_loads_and_lastsave_advances() {
    let hk = start_hotkv(&[]);
    let mut con = hk.client();
    populate(&mut con, 1000);
    // One change per key written (Redis counts per element: 1203 here).
    assert!(field(&mut con, "rdb_changes_since_last_save").parse::<u64>().unwrap() >= 1202);
    assert_eq!(field(&mut con, "rdb_last_bgsave_time_sec"), "-1");
    let before: i64 = redis::cmd("LASTSAVE").query(&mut con).unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    let r: String = redis::cmd("BGSAVE").query(&mut con).unwrap();
    assert_eq!(r, "Background saving started");
    wait_saved(&mut con, 1);
    let after: i64 = redis::cmd("LASTSAVE").query(&mut con).unwrap();
    assert!(after > before, "LASTSAVE {before} -> {after}");
    let p = persistence(&mut con);
    assert_eq!((p["rdb_changes_since_last_save"].as_str(), p["rdb_last_bgsave_status"].as_str(), p["rdb_current_bgsave_time_sec"].as_str()), ("0", "ok", "-1"));
    assert_eq!(p["rdb_last_save_time"], after.to_string());
    assert!(temp_files(hk.dir.path()).is_empty(), "temp file left");
    let file = hk.dir.path().join("dump.rdb");
    check_rdb(&file);
    // Redis loads it with every key.
    let run = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut c = Command::new("redis-server");
    c.args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir"]).arg(hk.dir.path());
    let rd = start_hotkv_cmd(c, port, run);
    let mut rc = rd.client();
    let n: usize = redis::cmd("DBSIZE").query(&mut rc).unwrap();
    assert_eq!(n, 1003);
    let v: Vec<String> = redis::cmd("ZRANGE").arg("z:large").arg(0).arg(2).arg("WITHSCORES").query(&mut rc).unwrap();
    assert_eq!(v, ["m0", "0", "m1", "0.33333333333333331", "m2", "0.66666666666666663"]);
    // In a transaction the save is scheduled, then made by cron.
    let r: Vec<String> = redis::pipe().atomic().cmd("SET").arg("in-multi").arg(1).ignore().cmd("BGSAVE").query(&mut con).unwrap();
    assert_eq!(r, ["Background saving scheduled"]);
    wait_saved(&mut con, 2);
    // Errors as Redis's.
    let e = redis::cmd("BGSAVE").arg("NOW").query::<String>(&mut con).unwrap_err();
    assert_eq!(e.code(), Some("ERR"), "{e}");
    let _: () = redis::cmd("CONFIG").arg("SET").arg("rdb-key-save-delay").arg(1000).query(&mut con).unwrap();
    let r: String = redis::cmd("BGSAVE").arg("SCHEDULE").query(&mut con).unwrap();
    assert_eq!(r, "Background saving started");
    for c in ["BGSAVE", "SAVE"] {
        let e = redis::cmd(c).query::<String>(&mut con).unwrap_err();
        assert_eq!(e.detail(), Some("Background save already in progress"), "{c}: {e}");
    }
    assert_eq!(field(&mut con, "rdb_bgsave_in_progress"), "1");
}

#[test]
fn save_points_start_a_background_save() {
    let hk = start_hotkv(&["--save", "1 3"]);
    let mut con = hk.client();
    let v: Vec<String> = redis::cmd("CONFIG").arg("GET").arg("save").query(&mut con).unwrap();
    assert_eq!(v, ["save", "1 3"]);
    let _: () = redis::cmd("SET").arg("a").arg(1).query(&mut con).unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(field(&mut con, "rdb_saves"), "0", "one change is below the save point");
    populate(&mut con, 10);
    wait_saved(&mut con, 1);
    check_rdb(&hk.dir.path().join("dump.rdb"));
    assert!(hk.log().contains("changes in 1 seconds. Saving..."), "{}", hk.log());
    // CONFIG SET as Redis 7.0: pairs, seconds at least 1.
    for bad in ["900", "0 1", "x 1", "900 -1"] {
        let e = redis::cmd("CONFIG").arg("SET").arg("save").arg(bad).query::<String>(&mut con).unwrap_err();
        assert!(e.to_string().contains("Invalid save parameters"), "{bad}: {e}");
    }
    let _: () = redis::cmd("CONFIG").arg("SET").arg("save").arg("900 1 300 10").query(&mut con).unwrap();
    let v: Vec<String> = redis::cmd("CONFIG").arg("GET").arg("save").query(&mut con).unwrap();
    assert_eq!(v, ["save", "900 1 300 10"]);
}

#[test]
fn config_file_save_lines_add_up() {
    let dir = tempfile::Builder::new().prefix("hotkv-test-").tempdir().unwrap();
    let port = free_port();
    let conf = dir.path().join("hotkv.conf");
    let text = format!("port {port}\ndir {}\nlogic-library {}\nsave 900 1\nsave 300 10 60 10000\n", dir.path().display(), default_logic().display());
    std::fs::write(&conf, text).unwrap();
    let hk = start_hotkv_conf(&conf, dir, port);
    let mut con = hk.client();
    let v: Vec<String> = redis::cmd("CONFIG").arg("GET").arg("save").query(&mut con).unwrap();
    assert_eq!(v, ["save", "900 1 300 10 60 10000"]);
}

#[test]
fn flushall_kills_the_child_and_its_temp_file() {
    for flush in ["FLUSHALL", "FLUSHDB"] {
        flush_kills_the_child(flush);
    }
}

fn flush_kills_the_child(flush: &str) {
    let hk = start_hotkv(&[]);
    let mut con = hk.client();
    populate(&mut con, 20000);
    let _: () = redis::cmd("CONFIG").arg("SET").arg("rdb-key-save-delay").arg(200).query(&mut con).unwrap();
    let _: String = redis::cmd("BGSAVE").query(&mut con).unwrap();
    assert!(wait_until(Duration::from_secs(10), || temp_files(hk.dir.path()).len() == 1), "no temp file");
    let child = temp_files(hk.dir.path())[0];
    let _: () = redis::cmd(flush).query(&mut con).unwrap();
    let p = persistence(&mut con);
    assert_eq!(p["rdb_bgsave_in_progress"], "0");
    assert_eq!(p["rdb_last_bgsave_status"], "ok", "a killed save is no failure");
    assert_eq!(p["rdb_saves"], "0");
    assert!(temp_files(hk.dir.path()).is_empty(), "temp file left");
    assert!(!Path::new(&format!("/proc/{child}")).exists(), "child {child} not reaped");
    assert!(!hk.dir.path().join("dump.rdb").exists());
}

#[test]
fn upgrade_during_bgsave_hands_the_child_over() {
    let hk = start_hotkv(&[]);
    let mut con = hk.client();
    populate(&mut con, 5000);
    let _: () = redis::cmd("CONFIG").arg("SET").arg("rdb-key-save-delay").arg(300).query(&mut con).unwrap();
    let at_fork = field(&mut con, "rdb_changes_since_last_save").parse::<u64>().unwrap();
    let _: String = redis::cmd("BGSAVE").query(&mut con).unwrap();
    assert_eq!(field(&mut con, "rdb_bgsave_in_progress"), "1");
    let _: () = redis::cmd("SET").arg("during").arg("x").query(&mut con).unwrap();
    upgrade(&mut con, &default_logic());
    let p = persistence(&mut con);
    assert_eq!((p["rdb_bgsave_in_progress"].as_str(), p["rdb_changes_since_last_save"].as_str()), ("1", (at_fork + 1).to_string().as_str()));
    wait_saved(&mut con, 1);
    let p = persistence(&mut con);
    assert_eq!(p["rdb_last_bgsave_status"], "ok");
    assert_eq!(p["rdb_changes_since_last_save"], "1", "the change made during the save is left");
    assert!(p["rdb_last_bgsave_time_sec"].parse::<i64>().unwrap() >= 1, "{p:?}");
    assert!(p["rdb_last_cow_size"].parse::<u64>().unwrap() > 0, "the new version sampled the child: {p:?}");
    assert!(hk.log().contains("Background saving terminated with success"), "{}", hk.log());
    check_rdb(&hk.dir.path().join("dump.rdb"));
    assert!(temp_files(hk.dir.path()).is_empty());
}

#[test]
fn server_killed_during_bgsave_leaves_the_previous_file() {
    let mut hk = start_hotkv(&[]);
    let mut con = hk.client();
    let _: () = redis::cmd("SET").arg("old").arg("kept").query(&mut con).unwrap();
    let _: () = redis::cmd("SAVE").query(&mut con).unwrap();
    let previous = std::fs::read(hk.dir.path().join("dump.rdb")).unwrap();
    populate(&mut con, 20000);
    let _: () = redis::cmd("CONFIG").arg("SET").arg("rdb-key-save-delay").arg(200).query(&mut con).unwrap();
    let _: String = redis::cmd("BGSAVE").query(&mut con).unwrap();
    assert!(wait_until(Duration::from_secs(10), || temp_files(hk.dir.path()).len() == 1), "no temp file");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(hk.pid() as i32), nix::sys::signal::Signal::SIGKILL).unwrap();
    assert!(wait_until(Duration::from_secs(10), || !hk.alive()));
    // The child is an orphan now: stop it before it renames its file.
    for pid in temp_files(hk.dir.path()) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
    }
    let file = hk.dir.path().join("dump.rdb");
    assert_eq!(std::fs::read(&file).unwrap(), previous, "the previous file is untouched");
    check_rdb(&file);
    // A new server loads it.
    let dir = hk.stop();
    let port = free_port();
    let mut c = Command::new(hotkv_bin());
    c.arg("--port").arg(port.to_string()).arg("--dir").arg(dir.path()).arg("--logic").arg(default_logic());
    let hk2 = start_hotkv_cmd(c, port, dir);
    let mut con = hk2.client();
    let v: String = redis::cmd("GET").arg("old").query(&mut con).unwrap();
    assert_eq!(v, "kept");
    let n: usize = redis::cmd("DBSIZE").query(&mut con).unwrap();
    assert_eq!(n, 1);
}

#[test]
fn sigterm_saves_when_save_points_are_set() {
    let mut hk = start_hotkv(&["--save", "900 1"]);
    let mut con = hk.client();
    let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut con).unwrap();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(hk.pid() as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
    assert!(wait_until(Duration::from_secs(10), || !hk.alive()), "SIGTERM did not stop the server");
    check_rdb(&hk.dir.path().join("dump.rdb"));
    assert!(hk.log().contains("DB saved on disk"), "{}", hk.log());
}

/// Starts a slow child with `start` (10,000 keys of 200 bytes, 200 µs
/// each: about 2 s) and overwrites every key while `in_progress` is 1, so
/// the parent copies pages the child still maps. Returns the largest
/// `current_cow_size` INFO showed meanwhile, checking that the peak is
/// never below it; then checks that the child ended and the current
/// figures went back to 0.
fn cow_of_a_slow_child(con: &mut redis::Connection, start: &str, in_progress: &str) -> u64 {
    let value = "v".repeat(200);
    let mut pipe = redis::pipe();
    for i in 0..10_000 {
        pipe.cmd("SET").arg(format!("key:{i}")).arg(&value).ignore();
    }
    let _: () = pipe.query(con).unwrap();
    let _: () = redis::cmd("CONFIG").arg("SET").arg("rdb-key-save-delay").arg(200).query(con).unwrap();
    let _: String = redis::cmd(start).query(con).unwrap();
    let mut seen = 0;
    let mut round = 0;
    let ended = wait_until(Duration::from_secs(60), || {
        round += 1;
        let mut pipe = redis::pipe();
        for i in (round % 10..10_000).step_by(10) {
            pipe.cmd("SET").arg(format!("key:{i}")).arg(format!("{round}{value}")).ignore();
        }
        let _: () = pipe.query(con).unwrap();
        let p = persistence(con);
        let current: u64 = p["current_cow_size"].parse().unwrap();
        assert!(p["current_cow_peak"].parse::<u64>().unwrap() >= current, "{p:?}");
        seen = seen.max(current);
        p[in_progress] == "0"
    });
    assert!(ended, "the child did not end: {:?}", persistence(con));
    let p = persistence(con);
    assert_eq!((p["current_cow_size"].as_str(), p["current_cow_peak"].as_str(), p["current_cow_size_age"].as_str()), ("0", "0", "0"), "{p:?}");
    seen
}

#[test]
fn info_reports_the_copy_on_write_of_a_bgsave() {
    let hk = start_hotkv(&[]);
    let mut con = hk.client();
    assert_eq!(field(&mut con, "rdb_last_cow_size"), "0");
    let seen = cow_of_a_slow_child(&mut con, "BGSAVE", "rdb_bgsave_in_progress");
    assert!(seen > 0, "current_cow_size never above 0 during the save");
    let p = persistence(&mut con);
    assert_eq!(p["rdb_last_bgsave_status"], "ok");
    assert!(p["rdb_last_cow_size"].parse::<u64>().unwrap() > 0, "{p:?}");
    assert_eq!(p["aof_last_cow_size"], "0");
    assert!(hk.log().contains("Fork CoW for RDB: current "), "{}", hk.log());
    // The figures are in the state: a new version reports them.
    upgrade(&mut con, &default_logic());
    assert_eq!(persistence(&mut con)["rdb_last_cow_size"], p["rdb_last_cow_size"]);
}

#[test]
fn info_reports_the_copy_on_write_of_an_aof_rewrite() {
    let hk = start_hotkv(&["--appendonly", "yes"]);
    let mut con = hk.client();
    let seen = cow_of_a_slow_child(&mut con, "BGREWRITEAOF", "aof_rewrite_in_progress");
    assert!(seen > 0, "current_cow_size never above 0 during the rewrite");
    let p = persistence(&mut con);
    assert_eq!(p["aof_last_bgrewrite_status"], "ok");
    assert!(p["aof_last_cow_size"].parse::<u64>().unwrap() > 0, "{p:?}");
    assert_eq!(p["rdb_last_cow_size"], "0");
}

/// A fork that fails is reported, not fatal (Redis's "Can't save in
/// background: fork: ..." in the log and a bare -ERR; BGREWRITEAOF's own
/// text): the server goes on serving and INFO says the fork failed. The
/// fork is made to fail with the process limit (RLIMIT_NPROC, which binds
/// every user but root): the server runs as `nobody`, from copies of its
/// files in a directory anyone may use, limited to the tasks it needs (its
/// loop and the shell's job thread).
#[test]
fn a_failed_fork_is_reported_and_the_server_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    const NOBODY: u32 = 65534;
    let dir = tempfile::Builder::new().prefix("hotkv-nobody-").tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let (bin, logic) = (dir.path().join("hotkv"), dir.path().join("libhotkv_logic.so"));
    std::fs::copy(hotkv_bin(), &bin).unwrap();
    std::fs::copy(default_logic(), &logic).unwrap();
    // The limit counts every task of the user: those `nobody` runs already, plus two.
    let limit = tasks_of(NOBODY) + 2;
    let port = free_port();
    let mut c = Command::new(&bin);
    c.arg("--port").arg(port.to_string()).arg("--dir").arg(dir.path()).arg("--logic").arg(&logic).args(["--appendonly", "no"]);
    c.uid(NOBODY).gid(NOBODY);
    // SAFETY: runs in the forked child before exec; setrlimit is async-signal-safe.
    unsafe {
        c.pre_exec(move || {
            nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NPROC, limit, limit).map_err(std::io::Error::from)
        });
    }
    let hk = start_hotkv_cmd(c, port, dir);
    let mut con = hk.client();
    populate(&mut con, 100);
    let keys = hk.cli(&["dbsize"]);
    let r: redis::RedisResult<String> = redis::cmd("BGSAVE").query(&mut con);
    assert!(r.is_err(), "{r:?}");
    let r: redis::RedisResult<String> = redis::cmd("BGREWRITEAOF").query(&mut con);
    assert!(r.unwrap_err().to_string().contains("Can't execute an AOF background rewriting"));
    let p = persistence(&mut con);
    assert_eq!((p["rdb_bgsave_in_progress"].as_str(), p["rdb_last_bgsave_status"].as_str()), ("0", "err"), "{p:?}");
    assert_eq!((p["aof_rewrite_in_progress"].as_str(), p["aof_last_bgrewrite_status"].as_str()), ("0", "err"), "{p:?}");
    assert!(hk.log().contains("Can't save in background: fork:"), "{}", hk.log());
    assert_eq!(hk.cli(&["dbsize"]), keys);
    // SAVE needs no fork: the data can still be saved.
    assert_eq!(hk.cli(&["save"]).trim(), "OK");
    check_rdb(&hk.dir.path().join("dump.rdb"));
}

/// Tasks (threads of every process) whose real user is `uid`.
fn tasks_of(uid: u32) -> u64 {
    let mut n = 0;
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(status) = std::fs::read_to_string(e.path().join("status")) else { continue };
        let field = |name: &str| status.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.split_whitespace().next().unwrap_or("").to_string());
        if field("Uid:").as_deref() == Some(&uid.to_string()) {
            n += field("Threads:").and_then(|t| t.parse::<u64>().ok()).unwrap_or(1);
        }
    }
    n
}
