//! RDB files and DUMP payloads between hotkv and a real redis-server 7.0:
//! each side loads what the other writes (every type and encoding hotkv
//! has, expiries, several databases), `redis-check-rdb` accepts hotkv's
//! files, RESTORE errors are Redis's, a corrupt file stops the start with
//! a message naming it, and a restart keeps the data.

use hotkv_tests::dataset::{assert_same, cmd, ok, populate};
use hotkv_tests::diff::{bulks, exact, Conn, Pair, R};
use hotkv_tests::*;
use std::io::Write;
use std::path::Path;
use std::process::Command;

/// A real redis-server loading `dir/name` (and saving nothing on its own).
fn redis_on_file(dir: &Path, name: &str) -> Proc {
    let run = tempfile::Builder::new().prefix("redis-load-").tempdir().unwrap();
    let port = free_port();
    let mut c = Command::new("redis-server");
    c.args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dbfilename", name, "--dir"]).arg(dir);
    start_hotkv_cmd(c, port, run)
}

/// hotkv started in `dir` (where it loads `dump.rdb` if there is one).
fn hotkv_in(dir: tempfile::TempDir, extra: &[&str]) -> Proc {
    let port = free_port();
    let mut c = Command::new(hotkv_bin());
    c.arg("--port").arg(port.to_string()).arg("--dir").arg(dir.path()).arg("--logic").arg(default_logic()).args(extra);
    start_hotkv_cmd(c, port, dir)
}

fn check_rdb(path: &Path) {
    let out = Command::new("redis-check-rdb").arg(path).output().expect("redis-check-rdb");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("RDB looks OK"), "redis-check-rdb refused {path:?}:\n{text}");
}

#[test]
fn hotkv_file_loads_in_redis() {
    let mut sizes = Vec::new();
    for (extra, name) in [(&[][..], "dump.rdb"), (&["--rdbcompression", "no", "--rdbchecksum", "no", "--dbfilename", "plain.rdb"][..], "plain.rdb")] {
        let hk = start_hotkv(extra);
        let mut c = Conn::open(hk.port);
        populate(&mut c);
        assert_eq!(cmd(&mut c, &[b"SAVE"]), R::Simple(b"OK".to_vec()));
        let file = hk.dir.path().join(name);
        check_rdb(&file);
        sizes.push(std::fs::metadata(&file).unwrap().len());
        let rd = redis_on_file(hk.dir.path(), name);
        assert_same(hk.port, rd.port);
    }
    // Long repetitive strings are stored compressed only when asked.
    assert!(sizes[0] * 4 < sizes[1], "file sizes {sizes:?}");
}

#[test]
fn redis_file_loads_in_hotkv() {
    let rd = start_redis();
    let mut c = Conn::open(rd.port);
    populate(&mut c);
    assert_eq!(cmd(&mut c, &[b"SAVE"]), R::Simple(b"OK".to_vec()));
    let dir = tempfile::Builder::new().prefix("hotkv-rdb-").tempdir().unwrap();
    std::fs::copy(rd.dir.path().join("dump.rdb"), dir.path().join("dump.rdb")).unwrap();
    let hk = hotkv_in(dir, &[]);
    assert_same(hk.port, rd.port);
}

#[test]
fn restart_and_debug_reload_keep_data() {
    let rd = start_redis();
    populate(&mut Conn::open(rd.port));
    let hk = start_hotkv(&[]);
    let mut c = Conn::open(hk.port);
    populate(&mut c);
    assert_eq!(cmd(&mut c, &[b"DEBUG", b"RELOAD"]), R::Simple(b"OK".to_vec()));
    assert_same(hk.port, rd.port);
    assert_eq!(cmd(&mut c, &[b"SAVE"]), R::Simple(b"OK".to_vec()));
    drop(c);
    let dir = hk.stop();
    let mut hk = hotkv_in(dir, &[]);
    assert_same(hk.port, rd.port);
    assert!(hk.log().contains("DB loaded from disk"), "{}", hk.log());
    // SHUTDOWN SAVE saves on the way out.
    let mut c = Conn::open(hk.port);
    ok(&mut c, &[b"SET", b"late", b"write"]);
    c.r.get_mut().write_all(&resp(&[b"SHUTDOWN", b"SAVE"])).unwrap();
    assert!(wait_until(std::time::Duration::from_secs(10), || !hk.alive()), "SHUTDOWN SAVE did not stop the server");
    let hk = hotkv_in(hk.stop(), &[]);
    assert_eq!(cmd(&mut Conn::open(hk.port), &[b"GET", b"late"]), R::Bulk(Some(b"write".to_vec())));
}

/// Every key of `from`'s database 0 DUMPed there and RESTOREd on `to`.
fn copy_by_dump(from: u16, to: u16) {
    let (mut a, mut b) = (Conn::open(from), Conn::open(to));
    for k in bulks(cmd(&mut a, &[b"KEYS", b"*"])) {
        let R::Bulk(Some(payload)) = cmd(&mut a, &[b"DUMP", &k]) else { panic!("DUMP") };
        let R::Int(pttl) = cmd(&mut a, &[b"PTTL", &k]) else { panic!("PTTL") };
        let ttl = pttl.max(0).to_string();
        assert_eq!(cmd(&mut b, &[b"RESTORE", &k, ttl.as_bytes(), &payload]), R::Simple(b"OK".to_vec()), "key {:?}", String::from_utf8_lossy(&k));
    }
}

#[test]
fn dump_restore_both_ways() {
    let hk = start_hotkv(&[]);
    let rd = start_redis();
    let (hk2, rd2) = (start_hotkv(&[]), start_redis());
    populate(&mut Conn::open(hk.port));
    populate(&mut Conn::open(rd.port));
    copy_by_dump(hk.port, rd2.port);
    copy_by_dump(rd.port, hk2.port);
    // Database 0 only was copied: drop the others before comparing.
    for p in [hk.port, rd.port] {
        let mut c = Conn::open(p);
        for db in [&b"1"[..], b"15"] {
            ok(&mut c, &[b"SELECT", db]);
            ok(&mut c, &[b"FLUSHDB"]);
        }
    }
    assert_same(hk.port, rd2.port);
    assert_same(rd.port, hk2.port);
}

#[test]
fn restore_options_and_errors_match_redis() {
    let mut p = Pair::start(|_, r| r, exact);
    p.run(&["RPUSH l a b 1", "SET s hello", "SADD set 1 2"]);
    // A payload both accept: Redis's own.
    let R::Bulk(Some(payload)) = p.rd_conn.cmd(&[b"DUMP".to_vec(), b"l".to_vec()]) else { panic!("DUMP") };
    let R::Bulk(Some(hk_payload)) = p.hk_conn.cmd(&[b"DUMP".to_vec(), b"s".to_vec()]) else { panic!("DUMP") };
    let mut bad_crc = payload.clone();
    let last = bad_crc.len() - 1;
    bad_crc[last] ^= 0xff;
    let mut future = payload.clone();
    let v = future.len() - 10;
    future[v] = 99;
    let short = &payload[..5];
    let garbage = {
        // A valid footer around a body that is no value.
        let mut g = b"\x07\x01x".to_vec();
        g.extend_from_slice(&payload[payload.len() - 10..payload.len() - 8]);
        let crc = crc64(&g);
        g.extend_from_slice(&crc.to_le_bytes());
        g
    };
    // Small values (no LZF, whose output may differ) dump byte for byte
    // as Redis's: same types, same listpack and intset layouts.
    p.run(&["SET d:s hello", "SET d:i 12345", "SET d:n -5", "HSET d:h a 1 b -3000 c 70000 d xyz", "SADD d:si 1 -300 5", "SADD d:sl 100000", "RPUSH d:l a 1 200", "DUMP d:s", "DUMP d:i", "DUMP d:n", "DUMP d:h", "DUMP d:si", "DUMP d:sl", "DUMP d:l"]);
    p.run(&["ZADD d:z 1 a 2.5 b -3 c 100000 d", "DUMP d:z", "CONFIG SET zset-max-listpack-entries 2", "ZADD d:zs 1 a 2.5 b -3 c", "OBJECT ENCODING d:zs", "DUMP d:zs", "CONFIG SET zset-max-listpack-entries 128"]);
    let script: &[&[&[u8]]] = &[
        &[b"DUMP", b"nokey"],
        &[b"RESTORE", b"l", b"0", &payload],
        &[b"RESTORE", b"l2", b"0", &payload],
        &[b"LRANGE", b"l2", b"0", b"-1"],
        &[b"RESTORE", b"l", b"0", &payload, b"REPLACE"],
        &[b"RESTORE", b"l", b"x", &payload, b"REPLACE"],
        &[b"RESTORE", b"n1", b"-1", &payload],
        &[b"RESTORE", b"n1", b"x", &payload],
        &[b"RESTORE", b"n1", b"0", &bad_crc],
        &[b"RESTORE", b"n1", b"0", &future],
        &[b"RESTORE", b"n1", b"0", short],
        &[b"RESTORE", b"n1", b"0", &garbage],
        &[b"RESTORE", b"n1", b"0", &payload, b"BOGUS"],
        &[b"RESTORE", b"n1", b"0", &payload, b"IDLETIME"],
        &[b"RESTORE", b"n1", b"0", &payload, b"IDLETIME", b"-1"],
        &[b"RESTORE", b"n1", b"0", &payload, b"IDLETIME", b"x"],
        &[b"RESTORE", b"n1", b"0", &payload, b"FREQ", b"256"],
        &[b"RESTORE", b"n1", b"0", &payload, b"IDLETIME", b"10", b"FREQ", b"5"],
        &[b"RESTORE", b"n1", b"0", &payload, b"FREQ", b"5", b"IDLETIME", b"10"],
        &[b"EXISTS", b"n1"],
        &[b"RESTORE", b"idle", b"0", &payload, b"IDLETIME", b"1000"],
        &[b"OBJECT", b"IDLETIME", b"idle"],
        &[b"RESTORE", b"past", b"1000", &payload, b"ABSTTL"],
        &[b"EXISTS", b"past"],
        &[b"RESTORE", b"l", b"1000", &payload, b"ABSTTL", b"REPLACE"],
        &[b"EXISTS", b"l"],
        &[b"RESTORE", b"fromhk", b"0", &hk_payload],
        &[b"GET", b"fromhk"],
        &[b"RESTORE", b"abs", b"99999999999999", &payload, b"ABSTTL"],
        &[b"PEXPIRETIME", b"abs"],
        &[b"RESTORE", b"set", b"0", &payload],
        &[b"RESTORE"],
        &[b"CONFIG", b"GET", b"dbfilename"],
        &[b"CONFIG", b"SET", b"dbfilename", b"other.rdb"],
        &[b"CONFIG", b"SET", b"rdbcompression", b"maybe"],
        &[b"CONFIG", b"SET", b"rdbchecksum", b"no"],
        &[b"CONFIG", b"SET", b"rdbcompression", b"NO"],
        &[b"CONFIG", b"GET", b"rdbchecksum"],
        &[b"CONFIG", b"GET", b"rdbcompression"],
    ];
    p.run_args(script);
}

/// Redis's CRC-64 (for a hand-made payload): the same function, written
/// out here so the test does not trust the code it checks.
fn crc64(data: &[u8]) -> u64 {
    let mut crc = 0u64;
    for &b in data {
        crc ^= b as u64;
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0x95ac_9329_ac4b_c9b5 } else { crc >> 1 };
        }
    }
    crc
}

#[test]
fn corrupt_files_stop_the_start() {
    let hk = start_hotkv(&[]);
    let mut c = Conn::open(hk.port);
    populate(&mut c);
    assert_eq!(cmd(&mut c, &[b"SAVE"]), R::Simple(b"OK".to_vec()));
    let good = std::fs::read(hk.dir.path().join("dump.rdb")).unwrap();
    let mut bad_crc = good.clone();
    let n = bad_crc.len();
    bad_crc[n / 2] ^= 0x01;
    let mut future = good.clone();
    future[5..9].copy_from_slice(b"0012");
    let cases: &[(&[u8], &str)] = &[
        (&good[..good.len() / 3], "Short read"),
        (&bad_crc, ""),
        (&future, "Can't handle RDB format version 12"),
        (b"NOTREDIS0010", "Wrong signature"),
    ];
    let few_dbs: &[&str] = &["--databases", "4"];
    let cases: Vec<(&[u8], &str, &[&str])> = cases.iter().map(|(d, r)| (*d, *r, &[][..])).chain([(&good[..], "configured to handle more than 4 databases", few_dbs)]).collect();
    for (data, reason, extra) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("dump.rdb"), data).unwrap();
        let port = free_port().to_string();
        let logic = default_logic();
        let mut args = vec!["--port", &port, "--dir", dir.path().to_str().unwrap(), "--logic", logic.to_str().unwrap()];
        args.extend_from_slice(extra);
        let (status, stderr) = hotkv_refused(&args);
        assert!(!status.success(), "started on a corrupt file ({reason})");
        assert!(stderr.contains("dump.rdb") && stderr.contains(reason), "message for {reason:?}: {stderr}");
    }
}

#[test]
fn debug_reload_options() {
    let hk = start_hotkv(&[]);
    let mut c = Conn::open(hk.port);
    let okr = R::Simple(b"OK".to_vec());
    let get = |c: &mut Conn, k: &[u8]| cmd(c, &[b"GET", k]);
    ok(&mut c, &[b"SET", b"a", b"1"]);
    assert_eq!(cmd(&mut c, &[b"SAVE"]), okr);
    ok(&mut c, &[b"SET", b"a", b"2"]);
    ok(&mut c, &[b"SET", b"b", b"x"]);
    // NOSAVE: back to the file.
    assert_eq!(cmd(&mut c, &[b"DEBUG", b"RELOAD", b"NOSAVE"]), okr);
    assert_eq!((get(&mut c, b"a"), get(&mut c, b"b")), (R::Bulk(Some(b"1".to_vec())), R::Bulk(None)));
    // NOFLUSH: a key of the file that exists is an error; MERGE replaces it.
    ok(&mut c, &[b"SET", b"a", b"3"]);
    assert_eq!(cmd(&mut c, &[b"DEBUG", b"RELOAD", b"NOSAVE", b"NOFLUSH"]), R::Err(b"ERR Error trying to load the RDB dump, check server logs.".to_vec()));
    assert_eq!(cmd(&mut c, &[b"DEBUG", b"RELOAD", b"NOSAVE", b"NOFLUSH", b"MERGE"]), okr);
    assert_eq!(get(&mut c, b"a"), R::Bulk(Some(b"1".to_vec())));
    assert_eq!(cmd(&mut c, &[b"DEBUG", b"RELOAD", b"BOGUS"]), R::Err(b"ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.".to_vec()));
    // A file that does not load leaves the data as it was.
    std::fs::write(hk.dir.path().join("dump.rdb"), b"REDIS0010\xff").unwrap();
    assert_eq!(cmd(&mut c, &[b"DEBUG", b"RELOAD", b"NOSAVE"]), R::Err(b"ERR Error trying to load the RDB dump, check server logs.".to_vec()));
    assert_eq!(get(&mut c, b"a"), R::Bulk(Some(b"1".to_vec())));
    // Even one that fails after all its keys were read (a bad checksum).
    ok(&mut c, &[b"SET", b"only-in-file", b"x"]);
    assert_eq!(cmd(&mut c, &[b"SAVE"]), okr);
    assert_eq!(cmd(&mut c, &[b"DEL", b"only-in-file"]), R::Int(1));
    let path = hk.dir.path().join("dump.rdb");
    let mut file = std::fs::read(&path).unwrap();
    *file.last_mut().unwrap() ^= 1;
    std::fs::write(&path, &file).unwrap();
    assert_eq!(cmd(&mut c, &[b"DEBUG", b"RELOAD", b"NOSAVE"]), R::Err(b"ERR Error trying to load the RDB dump, check server logs.".to_vec()));
    assert_eq!((get(&mut c, b"a"), get(&mut c, b"only-in-file")), (R::Bulk(Some(b"1".to_vec())), R::Bulk(None)));
}
