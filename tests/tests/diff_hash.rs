//! Differential tests of the hash commands: the same scripts go to hotkv
//! and to a real redis-server 7.0 and the replies must be the same. Only
//! what Redis leaves undefined is normalised: the order of HKEYS, HVALS,
//! HGETALL, HSCAN, KEYS and SCAN results (compared as sorted sets of fields or pairs),
//! and which fields HRANDFIELD picks (compared by shape; the rules on
//! membership, counts and uniqueness are checked on hotkv directly).

use hotkv_tests::diff::*;
use std::collections::{BTreeMap, BTreeSet};

/// Sorts a flat field/value array by pair.
fn sort_pairs(r: R) -> R {
    match r {
        R::Array(Some(v)) if v.len() % 2 == 0 => {
            let mut pairs: Vec<&[R]> = v.chunks(2).collect();
            pairs.sort_by_key(|p| format!("{p:?}"));
            R::Array(Some(pairs.concat()))
        }
        r => r,
    }
}

fn normalise(args: &[Vec<u8>], r: R) -> R {
    let name = String::from_utf8_lossy(&args[0]).to_ascii_lowercase();
    match (name.as_str(), r) {
        ("hkeys" | "hvals" | "keys", r) => sort_array(r),
        ("hgetall", r) => sort_pairs(r),
        ("hscan" | "scan", R::Array(Some(mut v))) if v.len() == 2 => {
            let items = v.pop().unwrap();
            v.push(if name == "scan" { sort_array(items) } else { sort_pairs(items) });
            R::Array(Some(v))
        }
        // Which fields: checked by `hrandfield_rules`; here only the shape.
        ("hrandfield", R::Bulk(Some(_))) => R::Bulk(Some(b"<field>".to_vec())),
        ("hrandfield", R::Array(Some(v))) => R::Array(Some(vec![R::Bulk(None); v.len()])),
        (_, r) => r,
    }
}

fn pair() -> Pair {
    Pair::start(normalise, exact)
}

#[test]
fn every_command_on_small_hashes() {
    let mut p = pair();
    p.run(&[
        "HSET h f1 v1",
        "HSET h f1 v1b f2 v2 f3 v3",
        "HSET h f4",
        "HSET h",
        "HSET h f1 v1 f2",
        "HMSET h f5 v5 f6 v6",
        "HMSET h f5",
        "HMSET h f5 v5 f6",
        "HGET h f1",
        "HGET h nofield",
        "HGET nokey f1",
        "HGET h",
        "HMGET h f1 nofield f2 f1",
        "HMGET nokey a b",
        "HMGET h",
        "HSETNX h f1 other",
        "HSETNX h f7 v7",
        "HSETNX newh f v",
        "HSETNX h f8",
        "HGET h f7",
        "HLEN h",
        "HLEN nokey",
        "HLEN",
        "HSTRLEN h f1",
        "HSTRLEN h nofield",
        "HSTRLEN nokey f",
        "HSTRLEN h",
        "HEXISTS h f1",
        "HEXISTS h nofield",
        "HEXISTS nokey f",
        "HEXISTS h",
        "HKEYS h",
        "HVALS h",
        "HGETALL h",
        "HKEYS nokey",
        "HVALS nokey",
        "HGETALL nokey",
        "HKEYS",
        "HGETALL h extra",
        "TYPE h",
        "TYPE newh",
        "HDEL h f1 f1 nofield f2",
        "HDEL h",
        "HDEL nokey f",
        "HLEN h",
        "HDEL newh f",
        "EXISTS newh",
        "TYPE newh",
        "HDEL h f3 f4 f5 f6 f7",
        "EXISTS h",
        "HGETALL h",
        "HSET h a 1",
        "HSET h a 2",
        "HGET h a",
        "HSET h a ''",
        "HSTRLEN h a",
    ]);
    p.run_args(&[
        &[b"HSET", b"b", b"", b""],
        &[b"HGET", b"b", b""],
        &[b"HSET", b"b", b"with space", b"v\r\nx"],
        &[b"HGETALL", b"b"],
        &[b"HSTRLEN", b"b", b"with space"],
        &[b"HSET", b"b", b"\x00\xff", b"\x00"],
        &[b"HGET", b"b", b"\x00\xff"],
    ]);
}

#[test]
fn wrongtype_both_ways() {
    let mut p = pair();
    p.run(&["SET s v", "HSET h f v"]);
    for cmd in [
        "HSET s f v",
        "HSETNX s f v",
        "HMSET s f v",
        "HGET s f",
        "HMGET s f",
        "HDEL s f",
        "HLEN s",
        "HSTRLEN s f",
        "HEXISTS s f",
        "HKEYS s",
        "HVALS s",
        "HGETALL s",
        "HINCRBY s f 1",
        "HINCRBYFLOAT s f 1",
        "HRANDFIELD s",
        "HRANDFIELD s 2",
        "HSCAN s 0",
        "GET h",
        "APPEND h x",
        "INCR h",
        "DECR h",
        "INCRBY h 2",
        "DECRBY h 2",
        "INCRBYFLOAT h 1.5",
        "STRLEN h",
        "SETRANGE h 0 x",
        "GETRANGE h 0 1",
        "GETSET h x",
        "GETDEL h",
        "GETEX h",
        "MGET h s",
        "TYPE h",
        "TYPE s",
    ] {
        p.run(&[cmd]);
    }
    p.run(&["HGETALL h", "GET s", "SET h str", "TYPE h", "GET h", "HSET s f v", "DEL s", "HSET s f v", "TYPE s"]);
}

#[test]
fn counters_and_floats() {
    let mut p = pair();
    p.run(&[
        "HINCRBY h n 5",
        "HINCRBY h n -7",
        "HINCRBY h n abc",
        "HINCRBY h n 1.5",
        "HINCRBY h n 9223372036854775808",
        "HINCRBY h n",
        "HSET h big 9223372036854775800",
        "HINCRBY h big 7",
        "HINCRBY h big 1",
        "HGET h big",
        "HSET h small -9223372036854775800",
        "HINCRBY h small -8",
        "HINCRBY h small -1",
        "HSET h s hello",
        "HINCRBY h s 1",
        "HSET h lz 007",
        "HINCRBY h lz 1",
        "HINCRBY h new 0",
        "HGETALL h",
        "HINCRBYFLOAT h f 1.5",
        "HINCRBYFLOAT h f 0.1",
        "HINCRBYFLOAT h f -1.6",
        "HINCRBYFLOAT h f 5.0e3",
        "HINCRBYFLOAT h f 1e400",
        "HINCRBYFLOAT h f nan",
        "HINCRBYFLOAT h f NaN",
        "HINCRBYFLOAT h f inf",
        "HINCRBYFLOAT h f -inf",
        "HINCRBYFLOAT h f +inf",
        "HINCRBYFLOAT h f abc",
        "HINCRBYFLOAT h f 1.5.5",
        "HINCRBYFLOAT h f",
        "HINCRBYFLOAT h s 1",
        "HINCRBYFLOAT h n 2.5",
        "HSET h p 0.1",
        "HINCRBYFLOAT h p 0.2",
        "HINCRBYFLOAT h p 1.23456789012345678901234567890",
        "HINCRBYFLOAT h p -1.53456789012345678901234567890",
        "HSET h i inf",
        "HINCRBYFLOAT h i 1",
        "HSET h nn nan",
        "HINCRBYFLOAT h nn 1",
        "HSET h m 1.7976931348623157e308",
        "HINCRBYFLOAT h m 1.7976931348623157e308",
        "HINCRBYFLOAT h m 1e4932",
        "HINCRBYFLOAT h m 1e4932",
        "HSET h hx 0x10",
        "HINCRBYFLOAT h hx 1",
        "HINCRBYFLOAT h z 3.0",
        "HINCRBYFLOAT h z -3",
        "HINCRBYFLOAT h e 1e-20",
        "HINCRBYFLOAT h e 12345678901234567890",
        "HGETALL h",
        "HINCRBYFLOAT fresh f nan",
        "EXISTS fresh",
        "HINCRBY fresh2 f x",
        "EXISTS fresh2",
    ]);
    p.run_args(&[
        &[b"HINCRBYFLOAT", b"h", b"f", b" 1"],
        &[b"HINCRBYFLOAT", b"h", b"f", b"1 "],
        &[b"HINCRBYFLOAT", b"h", b"f", b""],
        &[b"HINCRBY", b"h", b"n", b" 1"],
        &[b"HINCRBY", b"h", b"n", b""],
    ]);
}

#[test]
fn encoding_conversion_boundaries() {
    let mut p = pair();
    // 512 fields (hash-max-listpack-entries): still compact; the 513th converts.
    for i in 0..512 {
        p.run(&[&format!("HSET h f{i} v{i}")]);
    }
    p.run(&["HLEN h", "HGETALL h", "HSCAN h 0", "OBJECT ENCODING h"]);
    p.run(&["HSET h f512 v512", "OBJECT ENCODING h", "HLEN h", "HGETALL h", "HGET h f0", "HGET h f512", "HKEYS h", "HVALS h"]);
    // Never back: deleting down to a few fields keeps working.
    for i in 0..511 {
        p.run(&[&format!("HDEL h f{i}")]);
    }
    p.run(&["HGETALL h", "OBJECT ENCODING h", "HDEL h f511", "HDEL h f512", "EXISTS h", "HLEN h"]);
    // A 64-byte value stays compact, a 65-byte value or field converts.
    let v64 = "x".repeat(64);
    let v65 = "y".repeat(65);
    p.run(&[
        &format!("HSET s a {v64}"),
        &format!("HSET s {v64} b"),
        "HSCAN s 0",
        &format!("HSET s c {v65}"),
        "HGETALL s",
        "HGET s c",
        &format!("HSET t {v65} v"),
        &format!("HGET t {v65}"),
        &format!("HSETNX u f {v65}"),
        "HSTRLEN u f",
        "HSET w n 1",
        &format!("HINCRBY w {v65} 3"),
        &format!("HINCRBYFLOAT w {v65} 0.5"),
        "HGETALL w",
        &format!("HMSET m a 1 b {v65} c 3"),
        "HGETALL m",
        "HDEL m a b c",
        "EXISTS m",
    ]);
    // Large hash: every command once more.
    for i in 0..300 {
        p.run(&[&format!("HSET big field:{i} value:{i}")]);
    }
    p.run(&[
        "HLEN big",
        "HGET big field:7",
        "HMGET big field:1 nope field:299",
        "HSETNX big field:1 x",
        "HSETNX big field:300 x",
        "HSTRLEN big field:10",
        "HEXISTS big field:10",
        "HINCRBY big counter 10",
        "HINCRBYFLOAT big fcounter 1.25",
        "HGETALL big",
        "HKEYS big",
        "HVALS big",
        "HRANDFIELD big -5 WITHVALUES",
        "HRANDFIELD big 400",
        "TYPE big",
        "RENAME big big2",
        "HLEN big2",
        "EXISTS big",
        "RENAMENX big2 s",
        "RENAMENX big2 big3",
        "HGET big3 field:299",
        "EXPIRE big3 100",
        "TTL big3",
        "PERSIST big3",
        "TTL big3",
        "DEL big3",
        "EXISTS big3",
        "SET big3 x",
        "HSET big3 a b",
    ]);
}

/// The packed encoding edited in place: pairs rewritten where they are
/// (insertion order kept, as Redis's listpack) with longer and shorter
/// values, deleted at the front, middle and end, emptied, then converted
/// by a long value; COPY and DUMP/RESTORE on either side of the
/// conversion.
#[test]
fn packed_hash_edits_and_conversions() {
    let mut p = pair();
    p.run(&[
        "HSET p a 1 b 22 c 333 d 4444 e 55555",
        "HSET p c x",
        "HSET p a 1234567890123",
        "HGETALL p",
        "HINCRBY p b 99999999",
        "HINCRBYFLOAT p d 0.5",
        "HDEL p a",
        "HDEL p c",
        "HDEL p e",
        "HGETALL p",
        "HSET p a again",
        "HGETALL p",
        "HSTRLEN p d",
        "OBJECT ENCODING p",
        "COPY p p2",
        "HGETALL p2",
        "OBJECT ENCODING p2",
        "HDEL p b d a",
        "EXISTS p",
        "HSET q f v",
        "HDEL q f",
        "EXISTS q",
    ]);
    p.dump_restore("p2", "p4");
    p.run(&["HGETALL p4", "OBJECT ENCODING p4"]);
    let long = "L".repeat(65);
    p.run(&[
        &format!("HSET p4 z {long}"),
        "OBJECT ENCODING p4",
        "HGET p4 z",
        "HLEN p4",
        "COPY p4 p3",
        "OBJECT ENCODING p3",
        "HGET p3 b",
    ]);
    p.dump_restore("p3", "p5");
    p.run(&["HLEN p5", "HGET p5 z", "OBJECT ENCODING p5"]);
    for i in 0..128 {
        p.run(&[&format!("HSET many f{i} {i}")]);
    }
    p.run(&["OBJECT ENCODING many", "HGETALL many"]);
    p.dump_restore("many", "many2");
    p.run(&["OBJECT ENCODING many2", "HGETALL many2"]);
}

/// A full HSCAN as field -> value, with the call count.
fn full_hscan(c: &mut Conn, key: &str, opts: &[&str]) -> (BTreeMap<Vec<u8>, Vec<u8>>, usize) {
    let (items, calls) = full_scan(c, "HSCAN", key, opts);
    assert_eq!(items.len() % 2, 0);
    (items.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect(), calls)
}

#[test]
fn hscan_full_iteration() {
    let mut p = pair();
    for i in 0..20 {
        p.run(&[&format!("HSET small f:{i} v:{i}")]);
    }
    for i in 0..1000 {
        p.run(&[&format!("HSET large f:{i} v:{i}")]);
    }
    p.run(&[
        "HSCAN small 0",
        "HSCAN small 0 COUNT 2",
        "HSCAN small 12345 MATCH f:1*",
        "HSCAN small 0 MATCH *",
        "HSCAN small 0 MATCH nothing*",
        "HSCAN small 0 COUNT 0",
        "HSCAN small 0 COUNT -1",
        "HSCAN small 0 COUNT x",
        "HSCAN small 0 TYPE string",
        "HSCAN small 0 MATCH",
        "HSCAN small x",
        "HSCAN small -1",
        "HSCAN nokey 0",
        "HSCAN nokey 0 COUNT x",
        "HSCAN nokey x",
        "HSCAN small",
    ]);
    for (key, n) in [("small", 20), ("large", 1000)] {
        for opts in [&[][..], &["COUNT", "3"], &["COUNT", "100"], &["MATCH", "f:1*"], &["MATCH", "f:1*", "COUNT", "7"]] {
            let (hk, calls) = full_hscan(&mut p.hk_conn, key, opts);
            let (rd, _) = full_hscan(&mut p.rd_conn, key, opts);
            assert_eq!(hk, rd, "HSCAN {key} {opts:?}");
            let want = if opts.contains(&"f:1*") { (0..n).filter(|i| i.to_string().starts_with('1')).count() } else { n };
            assert_eq!(hk.len(), want, "HSCAN {key} {opts:?}");
            // The compact encoding answers in one call, the table in several.
            if key == "small" {
                assert_eq!(calls, 1);
            } else if opts.is_empty() {
                assert!(calls > 1);
            }
        }
    }
}

#[test]
fn hrandfield_rules() {
    let mut p = pair();
    p.run(&[
        "HRANDFIELD nokey",
        "HRANDFIELD nokey 5",
        "HRANDFIELD nokey -5 WITHVALUES",
        "HSET h a 1 b 2 c 3 d 4 e 5",
        "HRANDFIELD h",
        "HRANDFIELD h 0",
        "HRANDFIELD h 3",
        "HRANDFIELD h 10",
        "HRANDFIELD h -10",
        "HRANDFIELD h 3 WITHVALUES",
        "HRANDFIELD h -3 withvalues",
        "HRANDFIELD h 3 WITHVALUE",
        "HRANDFIELD h 3 WITHVALUES x",
        "HRANDFIELD h x",
        "HRANDFIELD h 1.5",
        "HRANDFIELD h -9223372036854775808",
        "HRANDFIELD h 9223372036854775807",
        "HRANDFIELD h 9223372036854775807 WITHVALUES",
        "HRANDFIELD h -4611686018427387904 WITHVALUES",
        "HRANDFIELD h 4611686018427387903 WITHVALUES",
        "HRANDFIELD",
    ]);
    for i in 0..200 {
        p.run(&[&format!("HSET big f{i} v{i}")]);
    }
    let c = &mut p.hk_conn;
    let cmd = |c: &mut Conn, line: &str| c.cmd(&words(line));
    for (key, n) in [("h", 5usize), ("big", 200)] {
        let all: BTreeMap<Vec<u8>, Vec<u8>> = bulks(cmd(c, &format!("HGETALL {key}"))).chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect();
        assert_eq!(all.len(), n);
        for _ in 0..20 {
            let R::Bulk(Some(f)) = cmd(c, &format!("HRANDFIELD {key}")) else { panic!() };
            assert!(all.contains_key(&f));
        }
        for count in [1, 2, n / 2, n - 1, n, n + 3] {
            let got = bulks(cmd(c, &format!("HRANDFIELD {key} {count}")));
            assert_eq!(got.len(), count.min(n));
            let uniq: BTreeSet<_> = got.iter().collect();
            assert_eq!(uniq.len(), got.len(), "positive count gives distinct fields");
            assert!(got.iter().all(|f| all.contains_key(f)));
            let got = bulks(cmd(c, &format!("HRANDFIELD {key} {count} WITHVALUES")));
            assert_eq!(got.len(), 2 * count.min(n));
            assert!(got.chunks(2).all(|p| all.get(&p[0]) == Some(&p[1])));
        }
        // Negative: exactly |count|, repeats allowed (and, over many, seen).
        let got = bulks(cmd(c, &format!("HRANDFIELD {key} -{}", 3 * n)));
        assert_eq!(got.len(), 3 * n);
        assert!(got.iter().all(|f| all.contains_key(f)));
        assert!(got.iter().collect::<BTreeSet<_>>().len() < got.len());
        let got = bulks(cmd(c, &format!("HRANDFIELD {key} -7 WITHVALUES")));
        assert_eq!(got.len(), 14);
        assert!(got.chunks(2).all(|p| all.get(&p[0]) == Some(&p[1])));
    }
}

#[test]
fn wrong_arity() {
    let mut p = pair();
    for cmd in [
        "HSET", "HSET k", "HSET k f", "HSETNX k f", "HSETNX k f v x", "HGET k", "HGET k f x", "HMGET k", "HMSET k f",
        "HDEL k", "HLEN", "HLEN k x", "HSTRLEN k", "HEXISTS k", "HKEYS", "HVALS k x", "HGETALL", "HINCRBY k f",
        "HINCRBY k f 1 2", "HINCRBYFLOAT k f", "HRANDFIELD", "HSCAN k",
    ] {
        p.run(&[cmd]);
    }
}

#[test]
fn keyspace_commands_on_hashes() {
    let mut p = pair();
    p.run(&[
        "HSET h1 a 1",
        "HSET h2 a 1 b 2",
        "SET s v",
        "SCAN 0 TYPE hash COUNT 100",
        "SCAN 0 TYPE string COUNT 100",
        "KEYS *",
        "UNLINK h1",
        "EXISTS h1",
        "FLUSHDB",
        "HLEN h2",
        "HSET h3 a 1",
        "FLUSHALL",
        "DBSIZE",
        "HSET h4 a 1",
        "PEXPIRE h4 1",
    ]);
    std::thread::sleep(std::time::Duration::from_millis(20));
    p.run(&["HGET h4 a", "EXISTS h4", "HSET h4 b 2", "TTL h4", "HGETALL h4"]);
}

/// One random command over a few keys, hashes and strings mixed, with
/// fields and values that sometimes exceed the compact limits.
fn random_command(r: &mut Rng) -> Vec<Vec<u8>> {
    const KEYS: &[&str] = &["h0", "h1", "h2", "s0", "x"];
    let key = r.pick(KEYS).to_string();
    let field = |r: &mut Rng| -> String {
        if r.below(40) == 0 {
            format!("long-field-{}", "f".repeat(60))
        } else {
            format!("f{}", r.below(12))
        }
    };
    let value = |r: &mut Rng| -> String {
        match r.below(10) {
            0 => "v".repeat(r.int(60, 70) as usize),
            1..=3 => r.int(-1000, 1000).to_string(),
            4 => format!("{}.{}", r.int(-50, 50), r.digits(1, 3)),
            _ => format!("val{}", r.below(100)),
        }
    };
    let line = match r.below(22) {
        0 | 1 => {
            let n = r.int(1, 4);
            let mut s = format!("HSET {key}");
            for _ in 0..n {
                s += &format!(" {} {}", field(r), value(r));
            }
            s
        }
        2 => format!("HSETNX {key} {} {}", field(r), value(r)),
        3 => format!("HGET {key} {}", field(r)),
        4 => format!("HMGET {key} {} {}", field(r), field(r)),
        5 => format!("HMSET {key} {} {}", field(r), value(r)),
        6 | 7 => format!("HDEL {key} {} {}", field(r), field(r)),
        8 => format!("HLEN {key}"),
        9 => format!("HSTRLEN {key} {}", field(r)),
        10 => format!("HEXISTS {key} {}", field(r)),
        11 => format!("{} {key}", r.pick(&["HKEYS", "HVALS", "HGETALL"])),
        12 => format!("HINCRBY {key} {} {}", field(r), r.int(-100, 100)),
        13 => format!("HINCRBYFLOAT {key} {} {}.{}", field(r), r.int(-20, 20), r.digits(1, 4)),
        14 => format!("HRANDFIELD {key} {}", r.int(-5, 5)),
        15 => format!("HSCAN {key} 0 COUNT 1000"),
        16 => format!("SET {key} {}", value(r)),
        17 => format!("{} {key}", r.pick(&["GET", "INCR", "STRLEN", "TYPE", "EXISTS"])),
        18 => format!("APPEND {key} {}", value(r)),
        19 => format!("DEL {key}"),
        20 => format!("HSCAN {key} 0 MATCH f1* COUNT 1000"),
        _ => format!("RENAME {key} {}", r.pick(KEYS)),
    };
    words(&line)
}

#[test]
fn random_mixed_sequence() {
    let mut p = pair();
    let seed = std::env::var("HOTKV_DIFF_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5EED_4A54_0000_0001u64);
    let mut r = Rng(seed | 1);
    for _ in 0..3000 {
        let args = random_command(&mut r);
        p.check(&args);
    }
    for k in ["h0", "h1", "h2", "s0", "x"] {
        p.run(&[&format!("TYPE {k}"), &format!("HGETALL {k}")]);
    }
}
