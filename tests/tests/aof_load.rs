//! Loading Redis 7.0's multi-part AOF at start: a real redis-server with
//! appendonly writes the directory (an RDB-preamble or command base after
//! a BGREWRITEAOF, incr files with MULTI/EXEC, expiries, several
//! databases); hotkv started on a copy holds the same data. A truncated
//! tail, an unfinished MULTI, garbage and a missing file are handled as
//! Redis does, checked against Redis on the same files where it starts.

use hotkv_tests::dataset::{assert_same, cmd, ok, populate, snapshot};
use hotkv_tests::diff::{Conn, R};
use hotkv_tests::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A real redis-server with appendonly on in `dir` (a new one if None).
/// `appendfsync always`: with everysec Redis postpones a write while a
/// background fsync runs (as one may right after a rewrite) and replies
/// anyway, so a copy of its directory made at once could miss the last
/// writes.
fn redis_aof(dir: Option<tempfile::TempDir>, extra: &[&str]) -> Proc {
    let dir = dir.unwrap_or_else(|| tempfile::Builder::new().prefix("redis-aof-").tempdir().unwrap());
    let port = free_port();
    let mut c = Command::new("redis-server");
    c.args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir"]).arg(dir.path()).args(extra);
    start_hotkv_cmd(c, port, dir)
}

/// hotkv with appendonly on, started in `dir`.
fn hotkv_aof(dir: tempfile::TempDir, extra: &[&str]) -> Proc {
    let port = free_port();
    let mut c = Command::new(hotkv_bin());
    c.arg("--port").arg(port.to_string()).arg("--dir").arg(dir.path()).arg("--logic").arg(default_logic()).args(["--appendonly", "yes"]).args(extra);
    start_hotkv_cmd(c, port, dir)
}

/// hotkv with appendonly on in `dir`, expected to refuse to start: its stderr.
fn hotkv_aof_refused(dir: &Path, extra: &[&str]) -> String {
    let (port, logic) = (free_port().to_string(), default_logic());
    let mut args = vec!["--port", &port, "--dir", dir.to_str().unwrap(), "--logic", logic.to_str().unwrap(), "--appendonly", "yes"];
    args.extend_from_slice(extra);
    let (status, stderr) = hotkv_refused(&args);
    assert!(!status.success(), "started: {stderr}");
    stderr
}

fn info_field(port: u16, name: &str) -> String {
    let info = redis_cli(port, &["INFO", "persistence"]);
    info.lines().find_map(|l| l.strip_prefix(&format!("{name}:"))).unwrap_or_default().trim().to_string()
}

fn bgrewriteaof(rd: &Proc) {
    assert!(rd.cli(&["BGREWRITEAOF"]).contains("rewriting"));
    let done = wait_until(Duration::from_secs(20), || info_field(rd.port, "aof_rewrite_in_progress") == "0" && info_field(rd.port, "aof_rewrite_scheduled") == "0");
    assert!(done, "BGREWRITEAOF did not finish");
}

/// A copy of `from`'s appendonlydir in a new directory.
fn copy_aof(from: &Path) -> tempfile::TempDir {
    let to = tempfile::Builder::new().prefix("hotkv-aof-").tempdir().unwrap();
    std::fs::create_dir(to.path().join("appendonlydir")).unwrap();
    for e in std::fs::read_dir(from.join("appendonlydir")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.path().join("appendonlydir").join(e.file_name())).unwrap();
    }
    to
}

/// The last incr file the manifest in `dir` names.
fn last_incr(dir: &Path) -> (String, PathBuf) {
    let text = std::fs::read_to_string(dir.join("appendonlydir/appendonly.aof.manifest")).unwrap();
    let line = text.lines().rfind(|l| l.ends_with(" type i")).expect("an incr file");
    let name = line.split(' ').nth(1).unwrap().to_string();
    let path = dir.join("appendonlydir").join(&name);
    (name, path)
}

fn append(path: &Path, bytes: &[u8]) {
    use std::io::Write;
    std::fs::OpenOptions::new().append(true).open(path).unwrap().write_all(bytes).unwrap();
}

/// Writes that go to the incr file after a rewrite: overwrites, deletes,
/// expiries absolute and relative, transactions, other databases.
fn more_writes(c: &mut Conn) {
    ok(c, &[b"SET", b"after:1", b"one"]);
    ok(c, &[b"INCRBY", b"s:int", b"5"]);
    ok(c, &[b"APPEND", b"s:small", b" world"]);
    ok(c, &[b"DEL", b"s:lead0"]);
    ok(c, &[b"HSET", b"h:small", b"new", b"field"]);
    ok(c, &[b"LPOP", b"l:small"]);
    ok(c, &[b"ZINCRBY", b"z:small", b"10", b"a"]);
    ok(c, &[b"SREM", b"set:str", b"a"]);
    ok(c, &[b"EXPIRE", b"after:1", b"5000"]);
    ok(c, &[b"SET", b"after:px", b"v", b"PX", b"900000"]);
    ok(c, &[b"PEXPIREAT", b"s:empty", b"99999999999999"]);
    ok(c, &[b"PERSIST", b"ttl:s"]);
    ok(c, &[b"SET", b"after:gone", b"v", b"PX", b"1"]);
    ok(c, &[b"MULTI"]);
    ok(c, &[b"SET", b"tx:a", b"1"]);
    ok(c, &[b"RPUSH", b"tx:l", b"x", b"y"]);
    ok(c, &[b"INCR", b"tx:a"]);
    assert!(matches!(cmd(c, &[b"EXEC"]), R::Array(Some(_))));
    ok(c, &[b"SELECT", b"3"]);
    ok(c, &[b"SADD", b"db3:set", b"a", b"b"]);
    ok(c, &[b"SELECT", b"0"]);
}

#[test]
fn redis_aof_loads_in_hotkv() {
    for preamble in ["yes", "no"] {
        let rd = redis_aof(None, &["--aof-use-rdb-preamble", preamble]);
        let mut c = Conn::open(rd.port);
        populate(&mut c);
        ok(&mut c, &[b"MULTI"]);
        ok(&mut c, &[b"SET", b"tx:before", b"1"]);
        ok(&mut c, &[b"HSET", b"tx:h", b"f", b"v"]);
        assert!(matches!(cmd(&mut c, &[b"EXEC"]), R::Array(Some(_))));
        bgrewriteaof(&rd);
        more_writes(&mut c);
        std::thread::sleep(Duration::from_millis(20));
        let base = if preamble == "yes" { "appendonly.aof.2.base.rdb" } else { "appendonly.aof.2.base.aof" };
        assert!(rd.dir.path().join("appendonlydir").join(base).exists());
        let hk = hotkv_aof(copy_aof(rd.dir.path()), &[]);
        assert_same(rd.port, hk.port);
        assert!(hk.log().contains("DB loaded from append only file"), "{}", hk.log());
        // The exact values of changed keys and their expiries.
        let mut h = Conn::open(hk.port);
        assert_eq!(cmd(&mut h, &[b"GET", b"tx:a"]), R::Bulk(Some(b"2".to_vec())));
        assert_eq!(cmd(&mut h, &[b"GET", b"s:small"]), R::Bulk(Some(b"hello world".to_vec())));
        assert_eq!(cmd(&mut h, &[b"EXISTS", b"after:gone"]), R::Int(0));
        let R::Int(ttl) = cmd(&mut h, &[b"TTL", b"after:1"]) else { panic!("TTL") };
        assert!((4990..=5000).contains(&ttl), "ttl {ttl}");
        assert_eq!(cmd(&mut h, &[b"PEXPIRETIME", b"s:empty"]), R::Int(99999999999999));
    }
}

#[test]
fn fresh_and_empty_aof_load() {
    // A fresh directory: a base with an empty dataset and an empty incr file.
    let rd = redis_aof(None, &[]);
    assert_eq!(rd.cli(&["DBSIZE"]).trim(), "0");
    let hk = hotkv_aof(copy_aof(rd.dir.path()), &[]);
    assert_eq!(hk.cli(&["DBSIZE"]).trim(), "0");
    // A dump.rdb is not read when appendonly is on and there is no AOF, as Redis 7.0.
    let plain = start_hotkv(&[]);
    plain.cli(&["SET", "k", "v"]);
    assert_eq!(plain.cli(&["SAVE"]).trim(), "OK");
    let dir = tempfile::Builder::new().prefix("hotkv-aof-").tempdir().unwrap();
    std::fs::copy(plain.dir.path().join("dump.rdb"), dir.path().join("dump.rdb")).unwrap();
    let rdir = tempfile::Builder::new().prefix("redis-aof-").tempdir().unwrap();
    std::fs::copy(plain.dir.path().join("dump.rdb"), rdir.path().join("dump.rdb")).unwrap();
    let rd = redis_aof(Some(rdir), &[]);
    assert_eq!(rd.cli(&["DBSIZE"]).trim(), "0");
    let hk = hotkv_aof(dir, &[]);
    assert_eq!(hk.cli(&["DBSIZE"]).trim(), "0");
}

/// A Redis AOF directory with a few keys in its base and its last incr file.
fn small_aof() -> Proc {
    let rd = redis_aof(None, &[]);
    let mut c = Conn::open(rd.port);
    ok(&mut c, &[b"SET", b"base", b"1"]);
    bgrewriteaof(&rd);
    ok(&mut c, &[b"SET", b"incr", b"2"]);
    ok(&mut c, &[b"RPUSH", b"list", b"a", b"b"]);
    rd
}

#[test]
fn truncated_tail_loads_or_is_refused() {
    let rd = small_aof();
    let cut = b"*3\r\n$3\r\nSET\r\n$4\r\nlost\r\n$5\r\nab";
    // aof-load-truncated yes (the default): loaded up to the last whole
    // command, the file cut there; Redis does the same with the same file.
    let dir = copy_aof(rd.dir.path());
    let (name, path) = last_incr(dir.path());
    let whole = std::fs::metadata(&path).unwrap().len();
    append(&path, cut);
    let refused_dir = copy_aof(dir.path());
    let redis_dir = copy_aof(dir.path());
    let hk = hotkv_aof(dir, &[]);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), whole);
    assert!(hk.log().contains(&format!("!!! Truncating the AOF {name} at offset {whole} !!!")), "{}", hk.log());
    let rd2 = redis_aof(Some(redis_dir), &[]);
    assert_eq!(snapshot(hk.port), snapshot(rd2.port));
    assert_eq!(hk.cli(&["LRANGE", "list", "0", "-1"]), "a\nb\n");
    assert_eq!(hk.cli(&["EXISTS", "lost"]).trim(), "0");
    // aof-load-truncated no: refused, naming the file and the offset.
    let err = hotkv_aof_refused(refused_dir.path(), &["--aof-load-truncated", "no"]);
    assert!(err.contains(&format!("Unexpected end of file reading the append only file {name}")), "{err}");
    assert!(err.contains(&format!("offset {whole}")), "{err}");
    assert_eq!(std::fs::metadata(refused_dir.path().join("appendonlydir").join(&name)).unwrap().len(), whole + cut.len() as u64);
}

#[test]
fn unfinished_multi_is_reverted() {
    let rd = small_aof();
    let dir = copy_aof(rd.dir.path());
    let (name, path) = last_incr(dir.path());
    let whole = std::fs::metadata(&path).unwrap().len();
    // An annotation and a whole command, then a transaction without EXEC.
    append(&path, b"#TS:1700000000\r\n*3\r\n$3\r\nSET\r\n$4\r\nkept\r\n$1\r\nk\r\n");
    let kept = std::fs::metadata(&path).unwrap().len();
    append(&path, b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$5\r\ninner\r\n$1\r\nv\r\n");
    let redis_dir = copy_aof(dir.path());
    let hk = hotkv_aof(dir, &[]);
    assert!(hk.log().contains(&format!("Revert incomplete MULTI/EXEC transaction in AOF file {name}")), "{}", hk.log());
    assert_eq!(hk.cli(&["GET", "kept"]).trim(), "k");
    assert_eq!(hk.cli(&["EXISTS", "inner"]).trim(), "0");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), kept);
    assert!(kept > whole);
    let rd2 = redis_aof(Some(redis_dir), &[]);
    assert_eq!(snapshot(hk.port), snapshot(rd2.port));
}

#[test]
fn garbage_and_missing_files_are_refused() {
    let rd = small_aof();
    // Garbage between two commands of the last incr file.
    let dir = copy_aof(rd.dir.path());
    let (name, path) = last_incr(dir.path());
    let data = std::fs::read(&path).unwrap();
    let at = data.windows(3).rposition(|w| w == b"\r\n*").unwrap() + 2;
    let mut bad = data[..at].to_vec();
    bad.extend_from_slice(b"garbage\r\n");
    bad.extend_from_slice(&data[at..]);
    std::fs::write(&path, &bad).unwrap();
    let err = hotkv_aof_refused(dir.path(), &[]);
    assert!(err.contains(&format!("Bad file format reading the append only file {name}")), "{err}");
    assert!(err.contains(&format!("offset {at}")), "{err}");
    // An unknown command.
    std::fs::write(&path, b"*1\r\n$7\r\nNOSUCHC\r\n").unwrap();
    let err = hotkv_aof_refused(dir.path(), &[]);
    assert!(err.contains(&format!("Unknown command 'NOSUCHC' reading the append only file {name}")), "{err}");
    // A file the manifest names is missing.
    std::fs::remove_file(&path).unwrap();
    let err = hotkv_aof_refused(dir.path(), &[]);
    assert!(err.contains(&format!("Unable to obtain the AOF file {name} length")), "{err}");
    // An invalid manifest.
    let dir = copy_aof(rd.dir.path());
    std::fs::write(dir.path().join("appendonlydir/appendonly.aof.manifest"), "file a seq 1 type x\n").unwrap();
    let err = hotkv_aof_refused(dir.path(), &[]);
    assert!(err.contains("Unknown AOF file type") && err.contains(">>> 'file a seq 1 type x'"), "{err}");
}

#[test]
fn old_style_aof_moves_into_the_directory() {
    let dir = tempfile::Builder::new().prefix("hotkv-aof-").tempdir().unwrap();
    std::fs::write(dir.path().join("appendonly.aof"), b"*3\r\n$3\r\nSET\r\n$3\r\nold\r\n$5\r\nstyle\r\n").unwrap();
    let hk = hotkv_aof(dir, &[]);
    assert_eq!(hk.cli(&["GET", "old"]).trim(), "style");
    let d = hk.dir.path();
    assert!(!d.join("appendonly.aof").exists() && d.join("appendonlydir/appendonly.aof").exists());
    // Then opened for append, as Redis 7.0: a first incr file.
    assert_eq!(std::fs::read_to_string(d.join("appendonlydir/appendonly.aof.manifest")).unwrap(), "file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n");
}

/// An AOF as RESP commands.
fn aof(cmds: &[&[&str]]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in cmds {
        out.extend_from_slice(&resp(&c.iter().map(|a| a.as_bytes()).collect::<Vec<_>>()));
    }
    out
}

#[test]
fn nothing_expires_or_blocks_while_loading() {
    // Commands after an expiry that has passed since replay as they first
    // ran (the key expires once loaded); a blocking pop does not block.
    let file = aof(&[
        &["SET", "k", "1", "PXAT", "1000"],
        &["INCR", "k"],
        &["SET", "k2", "a"],
        &["PEXPIREAT", "k2", "1000"],
        &["APPEND", "k2", "b"],
        &["SELECT", "2"],
        &["BLPOP", "empty", "0"],
        &["RPUSH", "l", "x"],
        &["SET", "k3", "kept"],
    ]);
    let mut procs = Vec::new();
    for redis in [true, false] {
        let dir = tempfile::Builder::new().prefix("hotkv-aof-").tempdir().unwrap();
        let d = dir.path().join("appendonlydir");
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join("appendonly.aof.manifest"), "file appendonly.aof.1.incr.aof seq 1 type i\n").unwrap();
        std::fs::write(d.join("appendonly.aof.1.incr.aof"), &file).unwrap();
        procs.push(if redis { redis_aof(Some(dir), &[]) } else { hotkv_aof(dir, &[]) });
    }
    for p in &procs {
        assert_eq!(p.cli(&["EXISTS", "k", "k2"]).trim(), "0");
        assert_eq!(p.cli(&["-n", "2", "GET", "k3"]).trim(), "kept");
        assert_eq!(p.cli(&["-n", "2", "LRANGE", "l", "0", "-1"]).trim(), "x");
    }
    assert_eq!(snapshot(procs[0].port), snapshot(procs[1].port));
}
