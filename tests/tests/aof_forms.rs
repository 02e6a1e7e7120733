//! The form each write is logged in to the AOF (issue 5: relative expiries
//! as absolute ones, INCRBYFLOAT as SET, SPOP as SREM, blocking pops as
//! plain pops, ...), against Redis 7.0's own AOF:
//!
//! - differential: one script (several connections, blocked clients served
//!   later) sent to hotkv and to a real redis-server, both with
//!   `appendonly yes`; the two incr files must be the same command stream,
//!   absolute times compared to within a few seconds and the members SPOP
//!   picked at random masked;
//! - replay: a seeded random workload on hotkv, then a real redis-server
//!   started on a copy of hotkv's appendonlydir must hold the same dataset,
//!   value by value and expiry by expiry (to the millisecond).

use hotkv_tests::diff::*;
use hotkv_tests::{start_hotkv, start_redis_with, Proc};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

type Cmd = Vec<Vec<u8>>;

/// The commands of the incr files of the AOF in `dir` (named by its
/// manifest, Redis 7.0's layout), in order.
fn incr_commands(dir: &Path) -> Vec<Cmd> {
    let aof = dir.join("appendonlydir");
    let manifest = std::fs::read_to_string(aof.join("appendonly.aof.manifest")).expect("manifest");
    let mut out = Vec::new();
    for line in manifest.lines().filter(|l| l.ends_with(" type i")) {
        let name = line.split(' ').nth(1).expect("file name");
        out.extend(hotkv_tests::dataset::parse_aof(&std::fs::read(aof.join(name)).unwrap()));
    }
    out
}

fn show(c: &Cmd) -> String {
    c.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect::<Vec<_>>().join(" ")
}

fn upper(a: &[u8]) -> Vec<u8> {
    a.to_ascii_uppercase()
}

/// Positions of `c` holding an absolute time the server computed (from a
/// relative one): PEXPIREAT's, SET's after PXAT, RESTORE's with ABSTTL.
fn time_positions(c: &Cmd) -> Vec<usize> {
    match upper(&c[0]).as_slice() {
        b"PEXPIREAT" => vec![2],
        b"SET" => c.iter().position(|a| upper(a) == b"PXAT").map(|i| vec![i + 1]).unwrap_or_default(),
        b"RESTORE" if c.iter().any(|a| upper(a) == b"ABSTTL") => vec![2],
        _ => vec![],
    }
}

/// The same logged command: equal, but for computed times within 5 s of
/// each other and the members of SREM (which SPOP picked at random).
fn same(a: &Cmd, b: &Cmd) -> bool {
    if a.len() != b.len() || a[0] != b[0] {
        return false;
    }
    let times = time_positions(a);
    let srem = upper(&a[0]) == b"SREM";
    (1..a.len()).all(|i| {
        let near = || {
            let n = |x: &[u8]| std::str::from_utf8(x).ok()?.parse::<i64>().ok();
            matches!((n(&a[i]), n(&b[i])), (Some(x), Some(y)) if (x - y).abs() <= 5_000)
        };
        a[i] == b[i] || (srem && i >= 2) || (times.contains(&i) && near())
    })
}

/// hotkv and redis-server, both logging to an AOF, with `n` connections
/// each (connection 0 for the script's plain lines).
struct Aofs {
    hk_c: Vec<Conn>,
    rd_c: Vec<Conn>,
    hk: Proc,
    rd: Proc,
}

impl Aofs {
    fn start(n: usize) -> Aofs {
        let hk = start_hotkv(&["--appendonly", "yes"]);
        let rd = start_redis_with(&["--appendonly", "yes", "--appendfsync", "always"]);
        let hk_c = (0..n).map(|_| Conn::open(hk.port)).collect();
        let rd_c = (0..n).map(|_| Conn::open(rd.port)).collect();
        Aofs { hk_c, rd_c, hk, rd }
    }

    fn send(&mut self, i: usize, args: &Cmd) {
        let bytes = encode(args);
        self.hk_c[i].r.get_mut().write_all(&bytes).unwrap();
        self.rd_c[i].r.get_mut().write_all(&bytes).unwrap();
    }

    /// The next reply of connection `i` of both; compared unless `random`.
    fn read(&mut self, i: usize, what: &str, random: bool) -> R {
        let (a, b) = (self.hk_c[i].read(), self.rd_c[i].read());
        assert!(random || a == b, "{what}: hotkv {a:?}, redis {b:?}\nhotkv log:\n{}", self.hk.log());
        a
    }

    /// Waits until both count `n` blocked clients (asked on connection 0).
    fn wait_blocked(&mut self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        for conns in [&mut self.hk_c, &mut self.rd_c] {
            loop {
                let R::Bulk(Some(info)) = conns[0].cmd(&words("INFO clients")) else { panic!("INFO") };
                if String::from_utf8_lossy(&info).contains(&format!("blocked_clients:{n}\r\n")) {
                    break;
                }
                assert!(Instant::now() < deadline, "never {n} blocked clients");
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }

    /// Runs script lines: `CMD ...` on connection 0; `~CMD` the same with a
    /// random reply (not compared); `N: CMD` on connection N; `N: &CMD` sent
    /// without reading (it blocks: waits until both count it blocked);
    /// `N: (pending)` reads connection N's next reply.
    fn run(&mut self, script: &[&str]) {
        let mut blocked = 0;
        for line in script {
            let (i, rest) = match line.split_once(": ") {
                Some((n, rest)) if n.parse::<usize>().is_ok() => (n.parse().unwrap(), rest),
                _ => (0, *line),
            };
            if rest == "(pending)" {
                self.read(i, line, false);
                blocked -= 1;
            } else if let Some(cmd) = rest.strip_prefix('&') {
                self.send(i, &words(cmd));
                blocked += 1;
                self.wait_blocked(blocked);
            } else {
                let (random, cmd) = match rest.strip_prefix('~') {
                    Some(cmd) => (true, cmd),
                    None => (false, rest),
                };
                self.send(i, &words(cmd));
                self.read(i, line, random);
            }
        }
    }

    /// The two incr files must be the same command stream.
    fn compare_aofs(&mut self) {
        // Both write the AOF before replying: after this reply, all is there.
        self.run(&["PING"]);
        let (a, b) = (incr_commands(self.hk.dir.path()), incr_commands(self.rd.dir.path()));
        let first_diff = (0..a.len().max(b.len())).find(|&i| match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) => !same(x, y),
            _ => true,
        });
        if let Some(i) = first_diff {
            let list = |v: &[Cmd]| v.iter().enumerate().map(|(j, c)| format!("{j:4} {}", show(c))).collect::<Vec<_>>().join("\n");
            panic!("AOFs differ at command {i}\n--- hotkv:\n{}\n--- redis:\n{}", list(&a), list(&b));
        }
    }
}

#[test]
fn strings_and_expiries_are_logged_as_redis_logs_them() {
    let mut s = Aofs::start(1);
    s.run(&[
        // Relative expiries become SET ... PXAT; NX, XX and GET go.
        "SET a 1 EX 100",
        "SET a 1 PX 100000 NX",
        "SET a 2 EXAT 99999999999 GET",
        "SET b 2 PXAT 99999999999999",
        "SET b 2 GET",
        "set b 3 xx get KEEPTTL GET",
        "SETEX d 100 v",
        "PSETEX d 100000 v",
        "SET c 1 EXAT 1",
        "GET c",
        // Writes that do nothing log nothing.
        "SETNX d x",
        "SETNX e x",
        "MSETNX d 1 f 2",
        "MSETNX g 1 f 2",
        "DEL nokey1 nokey2",
        "UNLINK nokey1",
        "PERSIST nokey",
        "EXPIRE nokey 100",
        // GETEX: PEXPIREAT, PERSIST (only when there was an expiry), DEL.
        "GETEX d EX 100",
        "GETEX d PX 100000",
        "GETEX d EXAT 99999999999",
        "GETEX d PXAT 99999999999999",
        "GETEX d PERSIST",
        "GETEX d PERSIST",
        "GETEX d",
        "GETEX d EXAT 1",
        "GETEX nokey EX 100",
        "GETDEL nokey",
        "SET x 1",
        "GETDEL x",
        "GETSET x 2",
        "GETSET x 3",
        // The EXPIRE family: PEXPIREAT with the options as received; a
        // time past is a DEL.
        "SET k v",
        "EXPIRE k 100",
        "PEXPIRE k 100000",
        "EXPIREAT k 99999999999",
        "PEXPIREAT k 99999999999999",
        "EXPIRE k 100 NX",
        "EXPIRE k 100 xx",
        "EXPIRE k 200 GT",
        "PEXPIRE k 100000 lt",
        "EXPIRE k -1",
        "SET k v",
        "PEXPIREAT k 1",
        "SET k v",
        "EXPIREAT k 0",
        "SET k v",
        "PERSIST k",
        // Floats as the value they produced.
        "INCRBYFLOAT f 1.5",
        "INCRBYFLOAT f 1e3",
        "EXPIRE f 100",
        "INCRBYFLOAT f 0.1",
        "HINCRBYFLOAT h a 1.5",
        "HINCRBYFLOAT h a 2.25",
        "HINCRBY h b 3",
        // Inside a transaction: the same forms between MULTI and EXEC.
        "MULTI",
        "INCRBYFLOAT f 2",
        "SET m 1 EX 50",
        "GETEX m PERSIST",
        "EXEC",
        // In another database.
        "SELECT 1",
        "SETEX k 100 v",
        "SELECT 0",
        "FLUSHDB",
        "FLUSHDB SYNC",
        "SET k v",
        "FLUSHALL ASYNC",
        "FLUSHALL",
    ]);
    s.compare_aofs();
}

#[test]
fn random_and_blocking_commands_are_logged_as_what_they_did() {
    let mut s = Aofs::start(2);
    s.run(&[
        // SPOP: SREM of what it took, DEL when a count took all.
        "SADD s1 a",
        "SPOP s1",
        "SADD s a b c d e",
        "~SPOP s",
        "~SPOP s 2",
        "SPOP s 0",
        "~SPOP s 10",
        "SPOP nokey",
        "SPOP nokey 3",
        "SADD s2 a b c",
        "~SPOP s2 3",
        "SADD s4 a b c d e f g h i j k l m n o p",
        "~SPOP s4 12",
        // Reads that pick at random log nothing.
        "~SRANDMEMBER s4 2",
        "~RANDOMKEY",
        "ZADD z 1 a",
        "ZRANDMEMBER z",
        "LPOP nokey",
        "RPOP nokey 3",
        // Pops served at once: the plain pop, with the count popped for
        // the multi-key forms.
        "RPUSH l a b c d",
        "BLPOP l 0",
        "BRPOP l 0",
        "BLMOVE l l2 LEFT right 0",
        "BRPOPLPUSH l l2 0",
        "RPUSH l a b c d",
        "BLMPOP 0 1 l LEFT COUNT 2",
        "BLMPOP 0 2 nol l RIGHT",
        "LPOP l 0",
        "LMPOP 1 l2 LEFT COUNT 10",
        "ZADD z 1 a 2 b 3 c 4 d 5 e",
        "BZPOPMIN z 0",
        "BZPOPMAX z 0",
        "BZMPOP 0 1 z MIN COUNT 2",
        "ZPOPMIN z 0",
        "ZPOPMIN z",
        "ZADD z2 1 a 2 b 3 c",
        "ZMPOP 1 z2 MAX COUNT 10",
        "ZADD z2 1 a 2 b 3 c",
        "ZPOPMAX z2 5",
        // Served later, by another client's write.
        "1: &BLPOP q 0",
        "RPUSH q a",
        "1: (pending)",
        "1: &BLMOVE q q2 RIGHT LeFt 0",
        "RPUSH q x",
        "1: (pending)",
        "1: &BRPOPLPUSH q q2 0",
        "RPUSH q y",
        "1: (pending)",
        "1: &BRPOP n1 q 0",
        "RPUSH q z w",
        "1: (pending)",
        "1: &BLMPOP 0 2 n1 q3 RIGHT COUNT 5",
        "RPUSH q3 z w",
        "1: (pending)",
        "1: &BZPOPMAX zz 0",
        "ZADD zz 1 a 2 b",
        "1: (pending)",
        "1: &BZMPOP 0 1 zy MIN COUNT 5",
        "ZADD zy 1 a 2 b",
        "1: (pending)",
        // Served by a transaction: after its EXEC, with the count it took.
        "1: &BLPOP q4 0",
        "MULTI",
        "RPUSH q4 a b",
        "INCRBYFLOAT f 1",
        "EXEC",
        "1: (pending)",
        "1: &BLMPOP 0 1 q6 LEFT COUNT 3",
        "MULTI",
        "RPUSH q6 a b",
        "RPUSH q6 c",
        "EXEC",
        "1: (pending)",
        // Served in another database than the writer's last one.
        "1: SELECT 2",
        "1: &BLPOP q 0",
        "SELECT 2",
        "RPUSH q a",
        "1: (pending)",
        "SELECT 0",
        "RPUSH q b",
        // Deterministic writes: as received.
        "SET k1 v",
        "COPY k1 k2",
        "MOVE k2 1",
        "RENAME k1 k3",
        "SWAPDB 0 1",
        "SWAPDB 0 1",
        "RPUSH sl 3 1 2",
        "SORT sl STORE sd",
        "SORT sl",
        "SADD sa a b",
        "SINTERSTORE si sa sa",
        "ZADD z3 1 a 2 b",
        "ZRANGESTORE zd z3 0 -1",
    ]);
    s.compare_aofs();
}

#[test]
fn restore_with_a_relative_ttl_is_logged_with_absttl() {
    let mut s = Aofs::start(1);
    s.run(&["SET src v"]);
    // One payload for both (hotkv's, which Redis must read too).
    let R::Bulk(Some(payload)) = s.hk_c[0].cmd(&words("DUMP src")) else { panic!("DUMP") };
    let _ = s.rd_c[0].cmd(&words("DUMP src"));
    let restore = |key: &str, ttl: &str, opts: &str| {
        let mut args = words(&format!("RESTORE {key} {ttl}"));
        args.push(payload.clone());
        args.extend(words(opts));
        args
    };
    for args in [
        restore("k2", "100000", ""),
        restore("k3", "99999999999999", "absttl"),
        restore("k4", "0", ""),
        restore("k4", "100000", "replace idletime 10"),
        // Already expired: nothing, or the DEL of the key it replaced.
        restore("k5", "1", "ABSTTL"),
        restore("k4", "1", "ABSTTL REPLACE"),
        restore("k6", "100000", "FREQ 5"),
        // Refused: nothing.
        restore("k6", "100000", ""),
    ] {
        s.send(0, &args);
        s.read(0, "RESTORE", false);
    }
    s.compare_aofs();
}

// ------------------------------------------------------------------ replay

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

/// A random write (or read) for the replay workload. Expiries are far
/// (100 s or more) or past, so none falls due while the test runs.
fn random_command(rng: &mut Rng, dump: &Option<Vec<u8>>) -> Cmd {
    let s = format!("s{}", rng.below(5));
    let l = format!("l{}", rng.below(4));
    let t = format!("t{}", rng.below(4));
    let h = format!("h{}", rng.below(3));
    let z = format!("z{}", rng.below(4));
    let any = rng.pick(&["s0", "s1", "l0", "l1", "t0", "t1", "h0", "z0", "z1", "nokey"]).to_string();
    let val = rng.pick(&["v", "1", "2.5", "-3", "abc", "10e2"]);
    let float = rng.pick(&["0.1", "1.5", "-2.25", "1e3", "3.0e-2", "17"]);
    let far_s = 100 + rng.below(1000) as i64;
    let at_ms = now_ms() + 100_000 + rng.below(1_000_000) as i64;
    let expiry = match rng.below(9) {
        0 => format!("EX {far_s}"),
        1 => format!("PX {}", far_s * 1000),
        2 => format!("EXAT {}", at_ms / 1000),
        3 => format!("PXAT {at_ms}"),
        4 => "EXAT 1".into(),
        5 => "KEEPTTL".into(),
        _ => String::new(),
    };
    // Many more possible members than a set holds: which ones SPOP took shows.
    let members = |rng: &mut Rng| (0..1 + rng.below(6)).map(|_| format!("m{}", rng.below(1000))).collect::<Vec<_>>().join(" ");
    let line = match rng.below(34) {
        0 => format!("SET {s} {val} {expiry} {}", rng.pick(&["", "NX", "XX", "GET"])),
        1 => format!("SETEX {s} {far_s} {val}"),
        2 => format!("PSETEX {s} {} {val}", far_s * 1000),
        3 => format!("GETEX {s} {}", rng.pick(&["EX 500", "PX 900000", "PERSIST", "EXAT 1", "", &format!("PXAT {at_ms}")])),
        4 => format!("GETDEL {s}"),
        5 | 6 => format!("INCRBYFLOAT {s} {float}"),
        7 => {
            let (cmd, n) = match rng.below(5) {
                0 => ("EXPIRE", far_s.to_string()),
                1 => ("PEXPIRE", (far_s * 1000).to_string()),
                2 => ("EXPIREAT", (at_ms / 1000).to_string()),
                3 => ("PEXPIREAT", at_ms.to_string()),
                _ => ("EXPIRE", "-5".to_string()),
            };
            format!("{cmd} {any} {n} {}", rng.pick(&["", "NX", "XX", "GT", "LT"]))
        }
        8 => format!("PERSIST {any}"),
        9 | 10 => format!("HINCRBYFLOAT {h} f{} {float}", rng.below(3)),
        11 => format!("HSET {h} f{} {val}", rng.below(4)),
        12 | 13 | 15 => format!("SADD {t} {}", members(rng)),
        14 => format!("SPOP {t} {}", rng.pick(&["", "", "1", "2", "3", "30", "0"])),
        16 | 17 => format!("RPUSH {l} {}", members(rng)),
        18 => format!("{} {l} {}", rng.pick(&["LPOP", "RPOP"]), rng.pick(&["", "2", "0"])),
        19 => format!("LMPOP 2 {l} l{} {} COUNT {}", rng.below(4), rng.pick(&["LEFT", "RIGHT"]), 1 + rng.below(3)),
        20 | 21 => format!("ZADD {z} {} m{} {} m{}", rng.below(10), rng.below(6), float, rng.below(6)),
        22 => format!("{} {z} {}", rng.pick(&["ZPOPMIN", "ZPOPMAX"]), rng.pick(&["", "2"])),
        23 => format!("ZMPOP 2 {z} z{} {} COUNT {}", rng.below(4), rng.pick(&["MIN", "MAX"]), 1 + rng.below(3)),
        24 => format!("ZINCRBY {z} {float} m{}", rng.below(6)),
        // Blocking forms on the main connection: served at once, or a
        // short wait.
        25 => format!("BLMOVE {l} l{} {} {} 0.01", rng.below(4), rng.pick(&["LEFT", "RIGHT"]), rng.pick(&["LEFT", "RIGHT"])),
        26 => format!("BRPOPLPUSH {l} l{} 0.01", rng.below(4)),
        27 => format!("COPY {any} c{} REPLACE", rng.below(3)),
        28 => format!("MOVE {any} {}", rng.below(3)),
        29 => format!("RENAME {any} {}", rng.pick(&["s3", "l2", "t2", "x"])),
        30 => format!("SELECT {}", rng.below(3)),
        31 => format!("SORT {l} STORE sorted{}", rng.below(2)),
        32 => format!("SWAPDB 0 {}", 1 + rng.below(2)),
        _ => match dump {
            Some(_) => format!("RESTORE r{} {} PAYLOAD {}", rng.below(3), rng.pick(&["0", "500000", "1"]), rng.pick(&["", "REPLACE", "ABSTTL", "REPLACE ABSTTL"])),
            None => format!("DEL {any}"),
        },
    };
    let mut cmd = words(&line);
    if let (Some(p), Some(i)) = (dump, cmd.iter().position(|a| a == b"PAYLOAD")) {
        cmd[i] = p.clone();
    }
    cmd
}

/// A blocking pop for a helper connection to wait in (0.2 s at most).
fn random_blocking(rng: &mut Rng) -> Cmd {
    let (l, z) = (format!("l{}", rng.below(4)), format!("z{}", rng.below(4)));
    let line = match rng.below(6) {
        0 => format!("BLPOP {l} l{} 0.2", rng.below(4)),
        1 => format!("BRPOP {l} 0.2"),
        2 => format!("BLMPOP 0.2 2 {l} l{} {} COUNT 2", rng.below(4), rng.pick(&["LEFT", "RIGHT"])),
        3 => format!("BLMOVE {l} l{} RIGHT LEFT 0.2", rng.below(4)),
        4 => format!("{} {z} 0.2", rng.pick(&["BZPOPMIN", "BZPOPMAX"])),
        _ => format!("BZMPOP 0.2 1 {z} {} COUNT 2", rng.pick(&["MIN", "MAX"])),
    };
    words(&line)
}

/// Every key of databases 0 to 2 with its type, value (members sorted)
/// and absolute expiry. Not `dataset::snapshot`: expiries are compared to
/// the millisecond (the logged forms carry the absolute times), and
/// encodings are left out (a replayed INCRBYFLOAT is a SET: embstr where
/// the original is raw, in Redis too).
fn dataset(c: &mut Conn) -> Vec<(u32, Vec<u8>, R, R, R)> {
    let mut out = Vec::new();
    for db in 0..3u32 {
        assert_eq!(c.cmd(&words(&format!("SELECT {db}"))), R::Simple(b"OK".to_vec()));
        let mut keys = bulks(c.cmd(&words("KEYS *")));
        keys.sort();
        for k in keys {
            let arg = |s: &str| -> Cmd {
                let mut v = words(s);
                v.insert(1, k.clone());
                v
            };
            let ty = c.cmd(&arg("TYPE"));
            let value = match &ty {
                R::Simple(t) if t == b"string" => c.cmd(&arg("GET")),
                R::Simple(t) if t == b"list" => c.cmd(&arg("LRANGE 0 -1")),
                R::Simple(t) if t == b"set" => sort_array(c.cmd(&arg("SMEMBERS"))),
                R::Simple(t) if t == b"zset" => c.cmd(&arg("ZRANGE 0 -1 WITHSCORES")),
                R::Simple(t) if t == b"hash" => {
                    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = bulks(c.cmd(&arg("HGETALL"))).chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect();
                    pairs.sort();
                    R::Array(Some(pairs.into_iter().flat_map(|(f, v)| [R::Bulk(Some(f)), R::Bulk(Some(v))]).collect()))
                }
                other => panic!("unexpected type {other:?}"),
            };
            let at = c.cmd(&arg("PEXPIRETIME"));
            out.push((db, k, ty, value, at));
        }
    }
    out
}

#[test]
fn a_random_workload_replays_to_the_same_dataset_in_redis() {
    let hk = start_hotkv(&["--appendonly", "yes"]);
    let mut main = Conn::open(hk.port);
    let mut helpers: Vec<(Conn, Option<Instant>)> = (0..3).map(|_| (Conn::open(hk.port), None)).collect();
    let mut rng = Rng(0x5eed_a0f5);
    let mut dump = None;
    for step in 0..3000 {
        // Now and then a helper blocks (its reply read before it is used
        // again): served by a later write of the main connection, or timed out.
        if rng.below(8) == 0 {
            let h = &mut helpers[rng.below(3) as usize];
            if h.1.take().is_some() {
                h.0.read();
            }
            let cmd = random_blocking(&mut rng);
            h.0.r.get_mut().write_all(&encode(&cmd)).unwrap();
            h.1 = Some(Instant::now());
        }
        if rng.below(50) == 0 {
            // A transaction of a few commands.
            main.cmd(&words("MULTI"));
            for _ in 0..1 + rng.below(4) {
                let cmd = random_command(&mut rng, &dump);
                main.cmd(&cmd);
            }
            main.cmd(&words("EXEC"));
            continue;
        }
        let cmd = random_command(&mut rng, &dump);
        main.cmd(&cmd);
        if step % 100 == 0 {
            if let R::Bulk(Some(p)) = main.cmd(&words("DUMP s0")) {
                dump = Some(p);
            }
        }
    }
    for (c, pending) in &mut helpers {
        if pending.take().is_some() {
            c.read();
        }
    }
    main.cmd(&words("PING"));
    let expected = dataset(&mut main);
    assert!(expected.len() > 10, "the workload left too little to compare: {expected:?}");
    assert!(expected.iter().any(|(_, _, ty, _, _)| *ty == R::Simple(b"set".to_vec())), "no set left");
    assert!(expected.iter().any(|(_, _, _, _, at)| *at != R::Int(-1)), "no key with an expiry");

    // Redis starts on a copy of hotkv's AOF directory (and exits, failing
    // the start, if it cannot load it).
    let copy = tempfile::tempdir().unwrap();
    let (from, to) = (hk.dir.path().join("appendonlydir"), copy.path().join("appendonlydir"));
    std::fs::create_dir(&to).unwrap();
    for e in std::fs::read_dir(&from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
    let replayed = start_redis_with(&["--appendonly", "yes", "--dir", copy.path().to_str().unwrap()]);
    let got = dataset(&mut Conn::open(replayed.port));
    for (a, b) in expected.iter().zip(&got) {
        assert_eq!(a, b, "hotkv's dataset and Redis's replay of its AOF differ");
    }
    assert_eq!(expected.len(), got.len(), "hotkv's dataset and Redis's replay of its AOF differ in size");
}
