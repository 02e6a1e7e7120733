//! Differential tests of the set commands: the same scripts go to hotkv and
//! to a real redis-server 7.0 and the replies must be the same. Only what
//! Redis leaves undefined is normalised: the order of SMEMBERS, SINTER,
//! SUNION, SDIFF, SPOP with a count, SSCAN, KEYS and SCAN results (compared
//! sorted), and which members SPOP and SRANDMEMBER pick (compared by shape;
//! the rules on membership, distinctness and sizes are checked on hotkv
//! directly).

use hotkv_tests::diff::*;
use std::collections::BTreeSet;

fn normalise(args: &[Vec<u8>], r: R) -> R {
    let name = String::from_utf8_lossy(&args[0]).to_ascii_lowercase();
    match (name.as_str(), r) {
        ("smembers" | "sinter" | "sunion" | "sdiff" | "keys", r) => sort_array(r),
        ("sscan" | "scan", R::Array(Some(mut v))) if v.len() == 2 => {
            let items = v.pop().unwrap();
            v.push(sort_array(items));
            R::Array(Some(v))
        }
        // Which members: checked by `spop_and_srandmember_rules`; here only
        // the shape.
        ("spop" | "srandmember", R::Bulk(Some(_))) => R::Bulk(Some(b"<member>".to_vec())),
        ("spop" | "srandmember", R::Array(Some(v))) => R::Array(Some(vec![R::Bulk(None); v.len()])),
        (_, r) => r,
    }
}

fn pair() -> Pair {
    Pair::start(normalise, exact)
}

#[test]
fn every_command_on_small_sets() {
    let mut p = pair();
    p.run(&[
        "SADD s a",
        "SADD s a b c",
        "SADD s c d e e",
        "SADD s",
        "SADD i 1 2 3 -5 100",
        "SADD i 2 3 4",
        "SREM s a zz",
        "SREM s zz",
        "SREM nokey a",
        "SREM s",
        "SREM i 1 x 01",
        "SISMEMBER s b",
        "SISMEMBER s a",
        "SISMEMBER i 2",
        "SISMEMBER i 02",
        "SISMEMBER i x",
        "SISMEMBER nokey a",
        "SISMEMBER s",
        "SMISMEMBER s b a c zz",
        "SMISMEMBER i 2 3 x",
        "SMISMEMBER nokey a b",
        "SMISMEMBER s",
        "SMEMBERS s",
        "SMEMBERS i",
        "SMEMBERS nokey",
        "SMEMBERS",
        "SCARD s",
        "SCARD i",
        "SCARD nokey",
        "SCARD",
        "SMOVE s t b",
        "SMOVE s t b",
        "SMOVE s t zz",
        "SMOVE nokey t b",
        "SMOVE s s c",
        "SMOVE s s zz",
        "SMOVE i s 2",
        "SMOVE s i c",
        "SMEMBERS s",
        "SMEMBERS t",
        "SMEMBERS i",
        "SMOVE t gone b",
        "EXISTS t",
        "SMEMBERS gone",
        "SMOVE s t",
        "SADD a 1 2 3 4 x y",
        "SADD b 3 4 5 y z",
        "SADD c 4 y q",
        "SINTER a b",
        "SINTER a b c",
        "SINTER a nokey",
        "SINTER nokey a",
        "SINTER a",
        "SINTER",
        "SUNION a b",
        "SUNION a b c nokey",
        "SUNION nokey",
        "SUNION",
        "SDIFF a b",
        "SDIFF a b c",
        "SDIFF a nokey",
        "SDIFF nokey a",
        "SDIFF b a",
        "SDIFF",
        "SINTERCARD 2 a b",
        "SINTERCARD 3 a b c",
        "SINTERCARD 2 a nokey",
        "SINTERCARD 1 a",
        "SINTERCARD 2 a b LIMIT 1",
        "SINTERCARD 2 a b LIMIT 0",
        "SINTERCARD 2 a b limit 100",
        "SINTERCARD 2 a b LIMIT -1",
        "SINTERCARD 2 a b LIMIT x",
        "SINTERCARD 2 a b LIMIT",
        "SINTERCARD 2 a b LIMIT 1 LIMIT 2",
        "SINTERCARD 2 a b FOO 1",
        "SINTERCARD 0 a",
        "SINTERCARD -1 a",
        "SINTERCARD x a",
        "SINTERCARD 3 a b",
        "SINTERCARD 1",
        "SINTERSTORE d a b",
        "SMEMBERS d",
        "SINTERSTORE d a nokey",
        "EXISTS d",
        "SUNIONSTORE d a b c",
        "SMEMBERS d",
        "SCARD d",
        "SDIFFSTORE d a b",
        "SMEMBERS d",
        "SDIFFSTORE d nokey a",
        "EXISTS d",
        "SUNIONSTORE d nokey",
        "EXISTS d",
        "SUNIONSTORE a a b",
        "SMEMBERS a",
        "SINTERSTORE b b c",
        "SMEMBERS b",
        "SDIFFSTORE c c c",
        "EXISTS c",
        "SINTERSTORE d",
        "SUNIONSTORE d",
        "SDIFFSTORE",
        "SSCAN s 0",
        "SSCAN i 0",
        "SADD ii 5 3 1 10 -2",
        "SSCAN ii 0 MATCH 1*",
        "SSCAN ii 0 COUNT 1",
        "SSCAN nokey 0",
        "SSCAN s x",
        "SSCAN s 0 COUNT 0",
        "SSCAN s 0 COUNT x",
        "SSCAN s 0 TYPE set",
        "SSCAN s 0 MATCH",
        "SSCAN s",
        "SPOP nokey",
        "SPOP nokey 3",
        "SPOP s 0",
        "SPOP s -1",
        "SPOP s x",
        "SPOP s 1 2",
        "SRANDMEMBER nokey",
        "SRANDMEMBER nokey 3",
        "SRANDMEMBER nokey -3",
        "SRANDMEMBER s 0",
        "SRANDMEMBER s x",
        "SRANDMEMBER s -9223372036854775808",
        "SRANDMEMBER s 1 2",
        "SRANDMEMBER s -0",
        "SRANDMEMBER s +1",
        "SRANDMEMBER s 01",
        "SRANDMEMBER s 99999999999999999999",
        "SPOP s -0",
        "SPOP s +0",
        "SPOP s 99999999999999999999",
        "SINTERCARD 01 a",
        "SINTERCARD +1 a",
        "SINTERCARD 99999999999999999999 a",
        "SINTERCARD 1 a LIMIT 99999999999999999999",
        "SINTERCARD 1 a LIMIT -0",
        "SINTERCARD 1 a LIMIT 9223372036854775807",
        "SRANDMEMBER s",
        "SRANDMEMBER s 2",
        "SRANDMEMBER s -5",
        "SRANDMEMBER s 100",
        "SPOP s",
        "SPOP s 2",
        "SPOP s 100",
        "EXISTS s",
        "SPOP s",
        "SPOP i 100",
        "EXISTS i",
        "TYPE a",
        "SCAN 0 TYPE set",
        "SCAN 0 TYPE SET COUNT 100",
        "KEYS *",
    ]);
    p.run_args(&[
        &[b"SADD", b"bin", b"", b"with space", b"\x00\xff", b"v\r\nx"],
        &[b"SISMEMBER", b"bin", b""],
        &[b"SMEMBERS", b"bin"],
        &[b"SREM", b"bin", b""],
        &[b"SMISMEMBER", b"bin", b"", b"\x00\xff"],
    ]);
}

#[test]
fn emptied_sets_disappear() {
    let mut p = pair();
    p.run(&[
        "SADD s a b",
        "SREM s a b",
        "EXISTS s",
        "SADD s 1",
        "SPOP s",
        "EXISTS s",
        "SADD s 1 2",
        "SPOP s 2",
        "EXISTS s",
        "SADD s 1",
        "SMOVE s t 1",
        "EXISTS s",
        "TYPE t",
    ]);
}

#[test]
fn wrongtype_both_ways() {
    let mut p = pair();
    p.run(&["SET str v", "HSET h f v", "SADD s a"]);
    for cmd in [
        "SADD str a",
        "SREM str a",
        "SISMEMBER str a",
        "SMISMEMBER str a",
        "SMEMBERS str",
        "SCARD h",
        "SPOP str",
        "SPOP str 2",
        "SRANDMEMBER str",
        "SRANDMEMBER h 2",
        "SMOVE str s a",
        "SMOVE s str a",
        "SMOVE nokey str a",
        "SMOVE s h zz",
        "SINTER s str",
        "SINTER nokey str",
        "SUNION s h",
        "SDIFF s str",
        "SDIFF nokey str",
        "SINTERCARD 2 s str",
        "SINTERSTORE d s str",
        "SUNIONSTORE d str",
        "SDIFFSTORE d s h",
        "SSCAN str 0",
        "SSCAN h 0 COUNT x",
        "GET s",
        "APPEND s x",
        "INCR s",
        "HSET s f v",
        "HGET s f",
        "HGETALL s",
        "STRLEN s",
    ] {
        p.run(&[cmd]);
    }
    // STORE forms overwrite any type (and its TTL).
    p.run(&[
        "EXPIRE str 100",
        "SUNIONSTORE str s",
        "TYPE str",
        "TTL str",
        "SINTERSTORE h s",
        "TYPE h",
        "SET x y",
        "SDIFFSTORE x nokey",
        "EXISTS x",
        "SET s str",
        "TYPE s",
        "SADD s a",
    ]);
}

#[test]
fn intset_boundaries() {
    let mut p = pair();
    // 512 integers: still an intset; the 513th converts.
    for i in 0..512 {
        p.run(&[&format!("SADD n {}", i * 7 - 1000)]);
    }
    p.run(&["SCARD n", "SMEMBERS n", "SSCAN n 0", "SISMEMBER n -1000", "SISMEMBER n 2577"]);
    p.run(&["SADD n 99999", "SCARD n", "SMEMBERS n", "SISMEMBER n 99999", "SISMEMBER n -1000"]);
    for i in 0..510 {
        p.run(&[&format!("SREM n {}", i * 7 - 1000)]);
    }
    p.run(&["SMEMBERS n", "SADD n 5", "SMEMBERS n", "SCARD n"]);
    // One SADD that crosses 512 at once.
    let many: Vec<String> = (0..600).map(|i| i.to_string()).collect();
    p.run(&[&format!("SADD m {}", many.join(" ")), "SCARD m", "SMEMBERS m"]);
    // A member that is not a canonical integer converts.
    for m in ["a", "01", "-0", "+1", "1.0", "9223372036854775808", "-9223372036854775809"] {
        p.run(&[
            "DEL k",
            "SADD k 1 2 -9223372036854775808 9223372036854775807",
            &format!("SISMEMBER k {m}"),
            &format!("SADD k {m}"),
            &format!("SISMEMBER k {m}"),
            "SISMEMBER k 1",
            "SMEMBERS k",
            &format!("SREM k {m}"),
            "SMEMBERS k",
        ]);
    }
    // Store results in either encoding.
    p.run(&[
        "SADD x 1 2 3 a",
        "SADD y 1 2 3 4",
        "SINTERSTORE z x y",
        "SMEMBERS z",
        "SADD z 7",
        "SMEMBERS z",
        "SUNIONSTORE u m n x",
        "SCARD u",
        "SMEMBERS u",
        "SDIFFSTORE w m y",
        "SCARD w",
        "SINTERCARD 2 m n",
        "SINTERCARD 3 m n y LIMIT 2",
    ]);
    // Large table sets: every command once more.
    for i in 0..300 {
        p.run(&[&format!("SADD big member:{i}")]);
    }
    p.run(&[
        "SCARD big",
        "SMEMBERS big",
        "SISMEMBER big member:7",
        "SMISMEMBER big member:1 member:1000",
        "SMOVE big small member:3",
        "SMEMBERS small",
        "SREM big member:4 member:5",
        "SUNION big small",
        "SINTER big small",
        "SDIFF big small",
    ]);
}

/// The packed intset across its widths (2, 4, 8 bytes: Redis's intset
/// upgrades), members inserted before, between and after the others,
/// removed down to empty; SORT, COPY and DUMP/RESTORE on it, then the
/// conversion to a table.
#[test]
fn packed_intset_widths_and_conversions() {
    let mut p = pair();
    p.run(&[
        "SADD w 5 -3 100",
        "SADD w 40000",
        "SMEMBERS w",
        "SADD w -40000 7",
        "SADD w 5000000000",
        "SMEMBERS w",
        "SADD w -9223372036854775808 9223372036854775807 0",
        "SMEMBERS w",
        "SISMEMBER w 5000000000",
        "SISMEMBER w 5000000001",
        "SMISMEMBER w -3 40000 -40000 1",
        "SORT w",
        "SORT w DESC LIMIT 1 3",
        "SORT w ALPHA",
        "OBJECT ENCODING w",
        "COPY w w2",
        "SMEMBERS w2",
        "OBJECT ENCODING w2",
        "SREM w 5000000000 -9223372036854775808 9223372036854775807",
        "SMEMBERS w",
        "SCARD w",
        "SREM w 5 -3 100 40000 -40000 7 0",
        "EXISTS w",
        "SADD w 1",
        "SMEMBERS w",
        "SINTERSTORE d w2 w2",
        "SMEMBERS d",
        "OBJECT ENCODING d",
        "SMOVE w2 d2 -40000",
        "SMEMBERS d2",
        "SPOP w2 100",
        "EXISTS w2",
        "SADD w x",
        "OBJECT ENCODING w",
        "SMEMBERS w",
    ]);
    p.dump_restore("d", "r");
    p.run(&["SMEMBERS r", "OBJECT ENCODING r"]);
    p.run(&["SADD v 1 -70000 9000000000"]);
    p.dump_restore("v", "r2");
    p.run(&["SMEMBERS r2", "OBJECT ENCODING r2", "SADD r2 2", "SMEMBERS r2"]);
}

#[test]
fn sscan_full_iteration() {
    let mut p = pair();
    for i in 0..400 {
        p.run(&[&format!("SADD ints {}", i * 3)]);
    }
    for i in 0..1000 {
        p.run(&[&format!("SADD large m:{i}")]);
    }
    for (key, n, pat) in [("ints", 400usize, "1*"), ("large", 1000, "m:1*")] {
        for opts in [&[][..], &["COUNT", "3"], &["COUNT", "100"], &["MATCH", pat], &["MATCH", pat, "COUNT", "7"]] {
            let (hk, calls) = full_scan(&mut p.hk_conn, "SSCAN", key, opts);
            let (rd, _) = full_scan(&mut p.rd_conn, "SSCAN", key, opts);
            let (hk, rd): (BTreeSet<_>, BTreeSet<_>) = (hk.into_iter().collect(), rd.into_iter().collect());
            assert_eq!(hk, rd, "SSCAN {key} {opts:?}");
            if !opts.contains(&"MATCH") {
                assert_eq!(hk.len(), n, "SSCAN {key} {opts:?}");
            }
            // An intset answers in one call, a table in several.
            if key == "ints" {
                assert_eq!(calls, 1);
            } else if opts.is_empty() {
                assert!(calls > 1);
            }
        }
    }
}

#[test]
fn spop_and_srandmember_rules() {
    let mut p = pair();
    p.run(&["SADD small 1 2 3 4 5", "SADD mixed a b c d e"]);
    for i in 0..200 {
        p.run(&[&format!("SADD big m{i}")]);
    }
    let c = &mut p.hk_conn;
    let cmd = |c: &mut Conn, line: &str| c.cmd(&words(line));
    for (key, n) in [("small", 5usize), ("mixed", 5), ("big", 200)] {
        let all: BTreeSet<Vec<u8>> = bulks(cmd(c, &format!("SMEMBERS {key}"))).into_iter().collect();
        assert_eq!(all.len(), n);
        for _ in 0..20 {
            let R::Bulk(Some(m)) = cmd(c, &format!("SRANDMEMBER {key}")) else { panic!() };
            assert!(all.contains(&m));
        }
        for count in [1, 2, n / 2, n - 1, n, n + 3] {
            let got = bulks(cmd(c, &format!("SRANDMEMBER {key} {count}")));
            assert_eq!(got.len(), count.min(n));
            let uniq: BTreeSet<_> = got.iter().collect();
            assert_eq!(uniq.len(), got.len(), "positive count gives distinct members");
            assert!(got.iter().all(|m| all.contains(m)));
        }
        // Negative: exactly |count|, repeats allowed (and, over many, seen).
        let got = bulks(cmd(c, &format!("SRANDMEMBER {key} -{}", 3 * n)));
        assert_eq!(got.len(), 3 * n);
        assert!(got.iter().all(|m| all.contains(m)));
        assert!(got.iter().collect::<BTreeSet<_>>().len() < got.len());
        // SPOP removes what it returns: together, the pops are the set.
        let mut popped = BTreeSet::new();
        let R::Bulk(Some(m)) = cmd(c, &format!("SPOP {key}")) else { panic!() };
        assert!(all.contains(&m) && popped.insert(m));
        let got = bulks(cmd(c, &format!("SPOP {key} 2")));
        assert_eq!(got.len(), 2);
        for m in got {
            assert!(all.contains(&m) && popped.insert(m), "distinct and not popped before");
        }
        assert_eq!(cmd(c, &format!("SCARD {key}")), R::Int(n as i64 - 3));
        let got = bulks(cmd(c, &format!("SPOP {key} {}", n)));
        assert_eq!(got.len(), n - 3);
        for m in got {
            assert!(all.contains(&m) && popped.insert(m));
        }
        assert_eq!(popped, all);
        assert_eq!(cmd(c, &format!("EXISTS {key}")), R::Int(0));
    }
}

#[test]
fn wrong_arity() {
    let mut p = pair();
    for cmd in [
        "SADD", "SADD s", "SREM s", "SISMEMBER s", "SISMEMBER s a b", "SMISMEMBER s", "SMEMBERS", "SMEMBERS a b", "SCARD",
        "SCARD a b", "SPOP", "SRANDMEMBER", "SMOVE a b", "SMOVE a b c d", "SINTER", "SINTERCARD", "SINTERCARD 1", "SUNION",
        "SDIFF", "SINTERSTORE d", "SUNIONSTORE d", "SDIFFSTORE d", "SSCAN s",
    ] {
        p.run(&[cmd]);
    }
}

#[test]
fn keyspace_commands_on_sets() {
    let mut p = pair();
    p.run(&[
        "SADD s1 a b c",
        "SADD s2 1 2 3",
        "TYPE s1",
        "TYPE s2",
        "RENAME s1 s3",
        "SMEMBERS s3",
        "EXISTS s1",
        "RENAME s2 s3",
        "SMEMBERS s3",
        "RENAMENX s3 s1",
        "TYPE s1",
        "EXPIRE s1 100",
        "TTL s1",
        "SADD s1 4",
        "TTL s1",
        "SMOVE s1 s4 4",
        "TTL s4",
        "SPOP s1",
        "TTL s1",
        "DEL s1 s4",
        "EXISTS s1 s4",
        "SADD s5 x",
        "SADD s6 1",
        "SCAN 0 TYPE set COUNT 100",
        "SCAN 0 TYPE string COUNT 100",
        "FLUSHDB",
        "DBSIZE",
        "SADD s7 a",
        "SELECT 1",
        "SADD s7 b",
        "FLUSHALL",
        "SMEMBERS s7",
        "SELECT 0",
        "SMEMBERS s7",
        "SADD s8 a",
        "PEXPIRE s8 10",
    ]);
    std::thread::sleep(std::time::Duration::from_millis(30));
    p.run(&["SMEMBERS s8", "EXISTS s8", "SADD s8 b", "TTL s8", "SMEMBERS s8"]);
}

/// One random command over a few keys, sets and strings mixed, with
/// members that are sometimes integers (intsets) and sometimes not.
fn random_command(r: &mut Rng) -> Vec<Vec<u8>> {
    const KEYS: &[&str] = &["s0", "s1", "s2", "t0", "x"];
    let key = r.pick(KEYS).to_string();
    let member = |r: &mut Rng| -> String {
        match r.below(10) {
            0..=5 => r.int(-20, 20).to_string(),
            6 => format!("0{}", r.below(5)),
            _ => format!("m{}", r.below(15)),
        }
    };
    let keys = |r: &mut Rng| -> String { (0..r.int(1, 3)).map(|_| r.pick(KEYS)).collect::<Vec<_>>().join(" ") };
    let line = match r.below(24) {
        0..=3 => {
            let n = r.int(1, 5);
            let mut s = format!("SADD {key}");
            for _ in 0..n {
                s += &format!(" {}", member(r));
            }
            s
        }
        4 | 5 => format!("SREM {key} {} {}", member(r), member(r)),
        6 => format!("SISMEMBER {key} {}", member(r)),
        7 => format!("SMISMEMBER {key} {} {}", member(r), member(r)),
        8 => format!("SMEMBERS {key}"),
        9 => format!("SCARD {key}"),
        // SPOP picks at random: only counts that pop nothing or everything
        // keep both servers' sets equal (the picks are checked by rules).
        10 => format!("SPOP {key} {}", r.pick(&["0", "1000"])),
        11 => format!("SRANDMEMBER {key} {}", r.int(-4, 4)),
        12 => format!("SMOVE {key} {} {}", r.pick(KEYS), member(r)),
        13 => format!("{} {}", r.pick(&["SINTER", "SUNION", "SDIFF"]), keys(r)),
        14 => format!("{} {key} {}", r.pick(&["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), keys(r)),
        15 => format!("SINTERCARD 2 {key} {} LIMIT {}", r.pick(KEYS), r.int(0, 3)),
        16 => format!("SSCAN {key} 0 COUNT 1000"),
        17 => format!("SET {key} {}", member(r)),
        18 => format!("{} {key}", r.pick(&["GET", "TYPE", "EXISTS", "STRLEN"])),
        19 => format!("DEL {key}"),
        20 => format!("SSCAN {key} 0 MATCH m* COUNT 1000"),
        21 => format!("HSET {key} f {}", member(r)),
        22 => format!("SRANDMEMBER {key}"),
        _ => format!("RENAME {key} {}", r.pick(KEYS)),
    };
    words(&line)
}

#[test]
fn random_mixed_sequence() {
    let mut p = pair();
    let seed = std::env::var("HOTKV_DIFF_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5EED_5E75_0000_0001u64);
    let mut r = Rng(seed | 1);
    for _ in 0..3000 {
        let args = random_command(&mut r);
        p.check(&args);
    }
    for k in ["s0", "s1", "s2", "t0", "x"] {
        p.run(&[&format!("TYPE {k}"), &format!("SMEMBERS {k}")]);
    }
}
