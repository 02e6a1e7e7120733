//! Differential tests of the sorted set commands: the same scripts go to
//! hotkv and to a real redis-server 7.0 and the replies must be the same.
//! Only what Redis leaves undefined is normalised: the order of ZSCAN,
//! KEYS and SCAN results (compared sorted), and which members ZRANDMEMBER
//! picks (compared by shape; the rules are checked on hotkv directly).

use hotkv_tests::diff::*;

fn normalise(args: &[Vec<u8>], r: R) -> R {
    let name = String::from_utf8_lossy(&args[0]).to_ascii_lowercase();
    match (name.as_str(), r) {
        ("keys", r) => sort_array(r),
        ("zscan" | "scan", R::Array(Some(mut v))) if v.len() == 2 => {
            let items = v.pop().unwrap();
            v.push(sort_array(items));
            R::Array(Some(v))
        }
        ("zrandmember", R::Bulk(Some(_))) => R::Bulk(Some(b"<member>".to_vec())),
        ("zrandmember", R::Array(Some(v))) => R::Array(Some(vec![R::Bulk(None); v.len()])),
        (_, r) => r,
    }
}

fn pair() -> Pair {
    Pair::start(normalise, exact)
}

/// Every (member, score) a full ZSCAN walk of `key` returns on both
/// servers, sorted and without repeats (the walk order is the tables').
fn same_full_scan(p: &mut Pair, key: &str, opts: &[&str]) {
    let pairs = |c: &mut Conn| {
        let (flat, _) = full_scan(c, "ZSCAN", key, opts);
        let mut v: Vec<(Vec<u8>, Vec<u8>)> = flat.chunks(2).map(|c| (c[0].clone(), c[1].clone())).collect();
        v.sort();
        v.dedup();
        v
    };
    let (hk, rd) = (pairs(&mut p.hk_conn), pairs(&mut p.rd_conn));
    assert!(!hk.is_empty());
    assert_eq!(hk, rd);
}

#[test]
fn zadd_options_and_scores() {
    let mut p = pair();
    p.run(&[
        "ZADD z 1 a 2 b 3 c",
        "ZADD z 1 a",
        "ZADD z CH 5 a 2 b 9 d",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZADD z NX 100 a 7 e",
        "ZADD z XX 100 a 7 f",
        "ZADD z XX CH 101 a 7 f",
        "ZADD z GT CH 50 a 200 b",
        "ZADD z LT CH 50 a 1 b 0 newone",
        "ZADD z GT 1 brandnew",
        "ZADD z INCR 5 a",
        "ZADD z INCR NX 5 a",
        "ZADD z INCR XX 5 nope",
        "ZADD z INCR GT -1 a",
        "ZADD z INCR 5 a 6 b",
        "ZADD z NX XX 1 a",
        "ZADD z GT LT 1 a",
        "ZADD z GT NX 1 a",
        "ZADD z LT NX 1 a",
        "ZADD z 1",
        "ZADD z 1 a 2",
        "ZADD z x a",
        "ZADD z nan a",
        "ZADD z 1e400 a",
        "ZADD z 1e-400 a",
        "ZADD z 0x10 hex",
        "ZADD z 1e-320 denormal",
        "ZADD z inf i1 +inf i2 -inf i3 -Infinity i4",
        "ZADD z 1.5e3 e1 .5 e2 5. e3 -0 negzero 0.1 tenth 1e300 big 123456789012345678 long",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZSCORE z negzero",
        "ZADD z INCR -inf i1",
        "ZINCRBY z -inf i1",
        "ZINCRBY z -inf i3",
        "ZINCRBY z 2.5 tenth",
        "ZINCRBY z 1 newmember",
        "ZINCRBY z x a",
        "ZINCRBY newkey 3 m",
        "ZADD xxkey XX 1 a",
        "EXISTS xxkey",
        "ZADD xxkey XX INCR 1 a",
        "ZADD z CH INCR 0 a",
        "ZSCORE z a",
        "ZSCORE z nope",
        "ZSCORE nokey a",
        "ZMSCORE z a nope i1 i3 hex",
        "ZMSCORE nokey a b",
        "ZCARD z",
        "ZCARD nokey",
        "ZADD skip -0 a",
        "ZADD skip 1 b",
    ]);
    // The same in the skiplist encoding.
    let long = "x".repeat(70);
    p.run(&[
        &format!("ZADD sk -0 {long} 0.1 a inf b -inf c 1e300 d"),
        "OBJECT ENCODING sk",
        &format!("ZSCORE sk {long}"),
        "ZRANGE sk 0 -1 WITHSCORES",
        "ZINCRBY sk -inf b",
        "ZINCRBY sk 1 a",
        "ZSCAN sk 0 COUNT 100",
        "ZSCAN z 0 COUNT 100",
        "ZADD bigints 1e17 a 123456789012345678 b 4e18 c 5e18 d 4503599627370497 e -0 f",
        "ZSCAN bigints 0",
        &format!("ZADD bigints 1 {long}"),
        "ZSCAN bigints 0 COUNT 100",
    ]);
}

#[test]
fn ranges_by_rank_score_and_lex() {
    let mut p = pair();
    let mut script = vec!["ZADD z 1 a 2 b 2 c 3 d 4 e 4 f 5 g -1 neg".to_string(), "ZADD l 0 a 0 b 0 c 0 d 0 e 0 f 0 g".to_string()];
    for key in ["z", "l"] {
        for r in ["0 -1", "0 0", "-1 -1", "-3 -1", "2 1", "5 100", "-100 2", "100 200", "-100 -50", "1 -2"] {
            for cmd in ["ZRANGE", "ZREVRANGE"] {
                script.push(format!("{cmd} {key} {r}"));
                script.push(format!("{cmd} {key} {r} WITHSCORES"));
            }
            script.push(format!("ZRANGE {key} {r} REV WITHSCORES"));
        }
    }
    for r in [
        "-inf +inf", "2 4", "(2 4", "2 (4", "(2 (4", "4 2", "(2 (2", "2 2", "-inf (1", "(5 +inf", "1.5 3.5", "0x2 0x4", "-inf -inf",
        "+inf +inf", " 2 4", "2 4 ", "x 4", "2 y", "nan 4", "( (5", "(nan 5", "1e400 5",
    ] {
        let (a, b) = r.split_once(' ').unwrap_or((r, r));
        for cmd in ["ZRANGEBYSCORE z", "ZCOUNT z", "ZRANGE z"] {
            let tail = if cmd == "ZRANGE z" { " BYSCORE" } else { "" };
            script.push(format!("{cmd} {a} {b}{tail}"));
        }
        script.push(format!("ZREVRANGEBYSCORE z {b} {a} WITHSCORES"));
        script.push(format!("ZRANGE z {b} {a} BYSCORE REV WITHSCORES"));
        for lim in ["0 2", "1 2", "1 -1", "-1 2", "0 0", "3 1", "100 1", "2 -5"] {
            script.push(format!("ZRANGEBYSCORE z {a} {b} WITHSCORES LIMIT {lim}"));
            script.push(format!("ZREVRANGEBYSCORE z {b} {a} LIMIT {lim}"));
        }
    }
    for r in ["- +", "[b [d", "(b [d", "[b (d", "(b (d", "[d [b", "- [c", "(c +", "+ -", "- -", "+ +", "[a [a", "(a [a", "[ +", "- (", "b d", "[b d", "+x +", "- -x", "[b\u{1} +"] {
        let (a, b) = r.split_once(' ').unwrap();
        script.push(format!("ZRANGEBYLEX l {a} {b}"));
        script.push(format!("ZLEXCOUNT l {a} {b}"));
        script.push(format!("ZREVRANGEBYLEX l {b} {a}"));
        script.push(format!("ZRANGE l {a} {b} BYLEX"));
        script.push(format!("ZRANGE l {b} {a} BYLEX REV LIMIT 1 2"));
        script.push(format!("ZRANGEBYLEX l {a} {b} LIMIT 1 -1"));
    }
    script.extend(
        [
            "ZRANGE z 0 -1 LIMIT 0 1",
            "ZRANGE z 0 -1 LIMIT 0 -1",
            "ZRANGE l - + BYLEX WITHSCORES",
            "ZRANGE z 0 -1 BYSCORE BYLEX",
            "ZRANGE z 0 -1 REV REV",
            "ZRANGE z 0 -1 LIMIT 0",
            "ZRANGE z 0 -1 LIMIT x 1 BYSCORE",
            "ZRANGE z x 1",
            "ZRANGE z 0 1 foo",
            "ZRANGEBYSCORE z 0 1 REV",
            "ZRANGEBYSCORE z 0 1 BYLEX",
            "ZREVRANGE z 0 1 REV",
            "ZRANGEBYLEX l - + WITHSCORES",
            "ZRANGE nokey 0 -1",
            "ZRANGEBYSCORE nokey x 1",
            "ZRANGEBYSCORE nokey 0 1",
            "ZCOUNT nokey 0 1",
            "ZLEXCOUNT nokey - +",
            "ZLEXCOUNT nokey a +",
            "ZRANK z c",
            "ZRANK z neg",
            "ZRANK z nope",
            "ZREVRANK z c",
            "ZREVRANK z g",
            "ZRANK nokey a",
        ]
        .map(String::from),
    );
    let refs: Vec<&str> = script.iter().map(String::as_str).collect();
    p.run(&refs);
}

#[test]
fn rangestore_and_removals() {
    let mut p = pair();
    p.run(&[
        "ZADD z 1 a 2 b 2 c 3 d 4 e 4 f 5 g",
        "ZADD l 0 a 0 b 0 c 0 d 0 e",
        "ZRANGESTORE d z 0 2",
        "ZRANGE d 0 -1 WITHSCORES",
        "OBJECT ENCODING d",
        "ZRANGESTORE d z 1 3 BYSCORE LIMIT 1 2",
        "ZRANGE d 0 -1 WITHSCORES",
        "ZRANGESTORE d z (4 -inf BYSCORE REV",
        "ZRANGE d 0 -1 WITHSCORES",
        "ZRANGESTORE d l [b + BYLEX",
        "ZRANGE d 0 -1 WITHSCORES",
        "ZRANGESTORE d z 5 1 BYSCORE",
        "EXISTS d",
        "SET d str",
        "ZRANGESTORE d z 0 0",
        "TYPE d",
        "EXPIRE d 100",
        "ZRANGESTORE d z 0 0",
        "TTL d",
        "ZRANGESTORE d nokey 0 -1",
        "EXISTS d",
        "ZRANGESTORE d z 0 -1 WITHSCORES",
        "ZRANGESTORE d z 0 -1 LIMIT 0 1",
        "SET s str",
        "ZRANGESTORE d s 0 -1",
        "ZRANGE s 0 -1",
        "ZREMRANGEBYRANK z 0 0",
        "ZREMRANGEBYRANK z -2 -1",
        "ZREMRANGEBYRANK z 5 10",
        "ZREMRANGEBYRANK z x 1",
        "ZREMRANGEBYRANK nokey 0 1",
        "ZREMRANGEBYRANK nokey x 1",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZREMRANGEBYSCORE z (2 3",
        "ZREMRANGEBYSCORE z x 3",
        "ZREMRANGEBYSCORE z 10 3",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZREMRANGEBYLEX l (a [c",
        "ZREMRANGEBYLEX l a [c",
        "ZRANGE l 0 -1",
        "ZREMRANGEBYLEX l - +",
        "EXISTS l",
        "ZREMRANGEBYSCORE z -inf +inf",
        "EXISTS z",
        "ZADD z 1 a 2 b",
        "ZREM z a nope",
        "ZREM z b",
        "EXISTS z",
        "ZREM nokey a",
        "ZREMRANGEBYRANK s 0 1",
        "ZREMRANGEBYSCORE s 0 1",
        "ZREMRANGEBYLEX s - +",
        "ZREMRANGEBYLEX s x +",
    ]);
}

#[test]
fn pops_and_random_members() {
    let mut p = pair();
    p.run(&[
        "ZADD z 1 a 2 b 3 c 4 d 5 e",
        "ZPOPMIN z",
        "ZPOPMAX z",
        "ZPOPMIN z 0",
        "ZPOPMIN z -1",
        "ZPOPMIN z x",
        "ZPOPMIN z 1 2",
        "ZPOPMAX z 2",
        "ZPOPMIN z 10",
        "EXISTS z",
        "ZPOPMIN nokey",
        "ZPOPMIN nokey 3",
        "ZPOPMAX nokey 0",
        "SET s str",
        "ZPOPMIN s",
        "ZPOPMIN s 0",
        "ZADD y 1 a 2 b 3 c",
        "ZMPOP 2 nokey y MIN",
        "ZMPOP 2 nokey y MAX COUNT 5",
        "EXISTS y",
        "ZMPOP 1 y MIN",
        "ZMPOP 2 s y MIN",
        "ZMPOP 0 y MIN",
        "ZMPOP -1 y MIN",
        "ZMPOP x y MIN",
        "ZMPOP 3 y MIN",
        "ZMPOP 1 y MID",
        "ZMPOP 1 y MIN COUNT 0",
        "ZMPOP 1 y MIN COUNT x",
        "ZMPOP 1 y MIN COUNT 1 COUNT 2",
        "ZMPOP 1 y MIN COUNT",
        "ZMPOP 1 y MIN foo",
        "ZADD r 1 a 2 b 3 c",
        "ZRANDMEMBER r",
        "ZRANDMEMBER r 0",
        "ZRANDMEMBER r 2",
        "ZRANDMEMBER r 3 WITHSCORES",
        "ZRANDMEMBER r 10 WITHSCORES",
        "ZRANDMEMBER r -5",
        "ZRANDMEMBER r -5 WITHSCORES",
        "ZRANDMEMBER r 1 withscores",
        "ZRANDMEMBER r 1 WITHSCORE",
        "ZRANDMEMBER r 1 WITHSCORES x",
        "ZRANDMEMBER r x",
        "ZRANDMEMBER r -9223372036854775808",
        "ZRANDMEMBER r 9223372036854775807 WITHSCORES",
        "ZRANDMEMBER r -4611686018427387904 WITHSCORES",
        "ZRANDMEMBER nokey",
        "ZRANDMEMBER nokey 5",
        "ZRANDMEMBER s",
        "ZRANDMEMBER s 1",
    ]);
}

/// ZRANDMEMBER picks members of the set: distinct for a positive count,
/// possibly repeated for a negative one, with their own scores.
#[test]
fn zrandmember_rules() {
    let mut p = pair();
    p.run(&["ZADD r 1 a 2 b 3 c 4 d 5 e"]);
    let scores: std::collections::HashMap<&str, &str> = [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"), ("e", "5")].into();
    for _ in 0..20 {
        let got = bulks(p.hk_conn.cmd(&words("ZRANDMEMBER r 3 WITHSCORES")));
        assert_eq!(got.len(), 6);
        let members: std::collections::BTreeSet<&[u8]> = got.chunks(2).map(|c| c[0].as_slice()).collect();
        assert_eq!(members.len(), 3, "distinct");
        for c in got.chunks(2) {
            assert_eq!(scores[std::str::from_utf8(&c[0]).unwrap()].as_bytes(), c[1].as_slice());
        }
        let got = bulks(p.hk_conn.cmd(&words("ZRANDMEMBER r -8")));
        assert_eq!(got.len(), 8);
        assert!(got.iter().all(|m| scores.contains_key(std::str::from_utf8(m).unwrap())));
    }
}

#[test]
fn set_operations() {
    let mut p = pair();
    p.run(&[
        "ZADD a 1 x 2 y 3 z",
        "ZADD b 10 y 20 z 30 w",
        "SADD s y w v",
        "SADD i 1 2 y",
        "ZADD inf inf x -inf y",
        "ZUNION 2 a b",
        "ZUNION 2 a b WITHSCORES",
        "ZINTER 2 a b WITHSCORES",
        "ZDIFF 2 a b WITHSCORES",
        "ZDIFF 2 b a WITHSCORES",
        "ZUNION 3 a b s WITHSCORES",
        "ZINTER 3 a b s WITHSCORES",
        "ZUNION 2 a i WITHSCORES",
        "ZDIFF 2 s a WITHSCORES",
        "ZUNION 2 a b WEIGHTS 2 0.5 WITHSCORES",
        "ZUNION 2 a b WEIGHTS 2 WITHSCORES",
        "ZUNION 2 a b WEIGHTS 2 x",
        "ZUNION 2 a b WEIGHTS 2 nan",
        "ZUNION 2 a b AGGREGATE MIN WITHSCORES",
        "ZUNION 2 a b AGGREGATE max WITHSCORES",
        "ZINTER 2 a b AGGREGATE MAX WEIGHTS 1 -1 WITHSCORES",
        "ZUNION 2 a b AGGREGATE avg",
        "ZUNION 2 a b AGGREGATE",
        "ZUNION 2 a inf WITHSCORES",
        "ZUNION 2 inf inf WEIGHTS 1 -1 WITHSCORES",
        "ZINTER 2 inf a WEIGHTS 0 1 WITHSCORES",
        "ZUNION 2 inf a WEIGHTS 0 1 WITHSCORES",
        "ZINTER 2 inf inf WEIGHTS 1 -1 AGGREGATE MIN WITHSCORES",
        "ZINTER 2 a nokey",
        "ZUNION 2 a nokey WITHSCORES",
        "ZDIFF 2 nokey a",
        "ZDIFF 1 a WEIGHTS 1",
        "ZDIFF 1 a AGGREGATE SUM",
        "ZDIFF 2 a b WITHSCORES WITHSCORES",
        "ZUNION 0 a",
        "ZUNION -1 a",
        "ZUNION x a",
        "ZUNION 3 a b",
        "ZINTER 1 a foo",
        "ZUNIONSTORE d 2 a b",
        "ZRANGE d 0 -1 WITHSCORES",
        "OBJECT ENCODING d",
        "ZINTERSTORE d 2 a b WEIGHTS 1 2 AGGREGATE MIN",
        "ZRANGE d 0 -1 WITHSCORES",
        "ZDIFFSTORE d 2 a b",
        "ZRANGE d 0 -1 WITHSCORES",
        "ZINTERSTORE d 2 a nokey",
        "EXISTS d",
        "ZUNIONSTORE d 2 a b WITHSCORES",
        "ZUNIONSTORE d 0 a",
        "ZDIFFSTORE d 0 a",
        "SET str v",
        "ZUNION 2 a str",
        "ZUNION 2 str a WEIGHTS x",
        "ZUNIONSTORE d 2 a str",
        "ZINTERSTORE d 1 s",
        "TYPE d",
        "ZRANGE d 0 -1 WITHSCORES",
        "ZUNIONSTORE a 2 a b",
        "ZRANGE a 0 -1 WITHSCORES",
        "ZINTERCARD 2 a b",
        "ZINTERCARD 2 a b LIMIT 1",
        "ZINTERCARD 2 a b LIMIT 0",
        "ZINTERCARD 2 a b LIMIT -1",
        "ZINTERCARD 2 a b LIMIT x",
        "ZINTERCARD 2 a s",
        "ZINTERCARD 0 a",
        "ZINTERCARD 3 a b",
        "ZINTERCARD 1 str",
        "ZINTERCARD 2 a b WITHSCORES",
        "ZINTERCARD 1 a LIMIT",
    ]);
}

#[test]
fn encodings_and_conversions() {
    let mut p = pair();
    let mut script: Vec<String> = Vec::new();
    for i in 0..128 {
        script.push(format!("ZADD big {i} m{i}"));
    }
    script.extend(["OBJECT ENCODING big", "ZADD big 1000 m128", "OBJECT ENCODING big", "ZREMRANGEBYRANK big 0 100", "OBJECT ENCODING big"].map(String::from));
    script.push(format!("ZADD long 1 {}", "a".repeat(64)));
    script.push("OBJECT ENCODING long".into());
    script.push(format!("ZADD long 2 {}", "b".repeat(65)));
    script.push("OBJECT ENCODING long".into());
    script.push(format!("ZADD long2 2 {} 1 a", "b".repeat(65)));
    script.push("OBJECT ENCODING long2".into());
    script.push(format!("ZREM long2 {}", "b".repeat(65)));
    script.push("OBJECT ENCODING long2".into());
    let many: Vec<String> = (0..200).map(|i| format!("{} n{i}", i % 7)).collect();
    script.push(format!("ZADD many {}", many.join(" ")));
    script.extend(
        [
            "OBJECT ENCODING many",
            "ZRANGE many 0 -1 WITHSCORES",
            "ZRANGE many 10 20 REV WITHSCORES",
            "ZRANGEBYSCORE many (2 4 LIMIT 5 10",
            "ZREVRANGEBYSCORE many 4 (2 LIMIT 5 10",
            "ZCOUNT many 3 3",
            "ZRANK many n100",
            "ZREVRANK many n100",
            "ZRANGESTORE small many 0 9",
            "OBJECT ENCODING small",
            "ZRANGESTORE small many 0 150",
            "OBJECT ENCODING small",
            "ZUNIONSTORE u 1 long",
            "OBJECT ENCODING u",
            "ZUNIONSTORE u 1 big",
            "OBJECT ENCODING u",
            "COPY many manycopy",
            "OBJECT ENCODING manycopy",
            "ZRANGE manycopy 0 -1 WITHSCORES",
            "COPY big bigcopy",
            "OBJECT ENCODING bigcopy",
            "ZPOPMIN many 150",
            "ZRANGE many 0 -1 WITHSCORES",
            "OBJECT ENCODING many",
            "ZREMRANGEBYSCORE many -inf +inf",
            "EXISTS many",
            "ZINCRBY inc 1 x",
            "OBJECT ENCODING inc",
        ]
        .map(String::from),
    );
    let refs: Vec<&str> = script.iter().map(String::as_str).collect();
    p.run(&refs);
    same_full_scan(&mut p, "manycopy", &["COUNT", "7"]);
}

/// The listpack limits are settings, read at every conversion.
#[test]
fn listpack_limit_settings() {
    let mut p = pair();
    p.run(&[
        "CONFIG GET zset-max-listpack-entries",
        "CONFIG GET zset-max-listpack-value",
        "CONFIG SET zset-max-listpack-entries 2",
        "ZADD a 1 x 2 y",
        "OBJECT ENCODING a",
        "ZADD a 3 z",
        "OBJECT ENCODING a",
        "ZUNIONSTORE u 1 a",
        "OBJECT ENCODING u",
        "ZRANGESTORE r a 0 1",
        "OBJECT ENCODING r",
        "CONFIG SET zset-max-listpack-value 1kb",
        "CONFIG GET zset-max-listpack-value",
        "CONFIG SET zset-max-listpack-value 3",
        "ZADD b 1 abc",
        "OBJECT ENCODING b",
        "ZADD c 1 abcd",
        "OBJECT ENCODING c",
        "CONFIG SET zset-max-listpack-entries 0",
        "ZADD d 1 a",
        "OBJECT ENCODING d",
        "CONFIG SET zset-max-listpack-entries -1",
        "CONFIG SET zset-max-listpack-entries x",
        "CONFIG SET zset-max-listpack-value x",
        "CONFIG SET zset-max-listpack-entries 128",
        "CONFIG SET zset-max-listpack-value 64",
    ]);
}

#[test]
fn zscan() {
    let mut p = pair();
    let members: Vec<String> = (0..300).map(|i| format!("{}.5 k{i}", i % 13)).collect();
    p.run(&[
        "ZADD z 1 a 2 b 3 c 1.5 ab",
        "ZSCAN z 0",
        "ZSCAN z 0 MATCH a*",
        "ZSCAN z 0 COUNT 0",
        "ZSCAN z 0 COUNT x",
        "ZSCAN z 0 MATCH",
        "ZSCAN z x",
        "ZSCAN nokey 0",
        "ZSCAN nokey x",
        "SET s v",
        "ZSCAN s 0",
        "ZSCAN s 0 COUNT x",
        &format!("ZADD big {}", members.join(" ")),
    ]);
    same_full_scan(&mut p, "big", &["MATCH", "k1*", "COUNT", "5"]);
}

#[test]
fn wrongtype_both_ways() {
    let mut p = pair();
    p.run(&["SET s v", "ZADD z 1 a", "LPUSH l a", "HSET h f v"]);
    for cmd in [
        "ZADD s 1 a", "ZINCRBY s 1 a", "ZREM s a", "ZCARD s", "ZCOUNT s 0 1", "ZLEXCOUNT s - +", "ZSCORE s a", "ZMSCORE s a", "ZRANK s a",
        "ZREVRANK s a", "ZRANGE s 0 -1", "ZRANGEBYSCORE s 0 1", "ZREVRANGEBYSCORE s 1 0", "ZRANGEBYLEX s - +", "ZREVRANGEBYLEX s + -",
        "ZREVRANGE s 0 1", "ZRANGESTORE d s 0 -1", "ZREMRANGEBYRANK s 0 1", "ZREMRANGEBYSCORE s 0 1", "ZREMRANGEBYLEX s - +", "ZPOPMIN s",
        "ZPOPMAX s", "ZMPOP 1 s MIN", "ZRANDMEMBER s", "ZUNION 1 s", "ZINTER 1 l", "ZDIFF 1 h", "ZUNIONSTORE d 1 s", "ZINTERCARD 1 s",
        "ZSCAN s 0", "ZADD l 1 a", "ZADD h 1 a",
        "GET z", "APPEND z x", "LPUSH z a", "SADD z a", "HSET z f v", "SMEMBERS z", "LRANGE z 0 -1", "HGETALL z", "INCR z",
        "TYPE z", "SCAN 0 TYPE zset", "SCAN 0 TYPE string",
    ] {
        p.run(&[cmd]);
    }
}

#[test]
fn wrong_arity() {
    let mut p = pair();
    for cmd in [
        "ZADD", "ZADD z", "ZADD z 1", "ZINCRBY z 1", "ZINCRBY z 1 a b", "ZREM z", "ZCARD", "ZCARD a b", "ZCOUNT z 0", "ZLEXCOUNT z -",
        "ZSCORE z", "ZSCORE z a b", "ZMSCORE z", "ZRANK z", "ZRANK z a b", "ZREVRANK z", "ZRANGE z 0", "ZRANGESTORE d z 0",
        "ZRANGEBYSCORE z 0", "ZREVRANGEBYSCORE z 0", "ZRANGEBYLEX z -", "ZREVRANGEBYLEX z +", "ZREVRANGE z 0",
        "ZREMRANGEBYRANK z 0", "ZREMRANGEBYSCORE z 0", "ZREMRANGEBYLEX z -", "ZPOPMIN", "ZPOPMAX", "ZMPOP 1 z", "ZRANDMEMBER",
        "ZUNION 1", "ZINTER", "ZDIFF 1", "ZUNIONSTORE d 1", "ZINTERSTORE d", "ZDIFFSTORE d 1", "ZINTERCARD 1", "ZSCAN z",
    ] {
        p.run(&[cmd]);
    }
}

#[test]
fn keyspace_commands_on_zsets() {
    let mut p = pair();
    p.run(&[
        "ZADD z1 1 a 2 b 3 c",
        "TYPE z1",
        "RENAME z1 z2",
        "ZRANGE z2 0 -1 WITHSCORES",
        "EXISTS z1",
        "COPY z2 z3",
        "ZADD z3 9 d",
        "ZRANGE z2 0 -1",
        "ZRANGE z3 0 -1",
        "EXPIRE z2 100",
        "ZADD z2 4 x",
        "TTL z2",
        "ZPOPMIN z2",
        "TTL z2",
        "MOVE z3 1",
        "SELECT 1",
        "ZRANGE z3 0 -1 WITHSCORES",
        "SWAPDB 0 1",
        "ZRANGE z2 0 -1",
        "SELECT 0",
        "ZRANGE z3 0 -1",
        "SCAN 0 TYPE zset COUNT 100",
        "DEL z3",
        "UNLINK z3",
        "FLUSHALL",
        "DBSIZE",
        "ZADD s 3 c 1 a 2 b 10 d",
        "SORT s",
        "SORT s DESC",
        "SORT s ALPHA",
        "SORT s BY nosort",
        "SORT s BY nosort DESC",
        "SORT s BY nosort LIMIT 1 2",
        "SORT s BY nosort DESC LIMIT 1 2",
        "SORT s BY nosort LIMIT 5 2",
        "SORT s BY nosort STORE dst",
        "LRANGE dst 0 -1",
        "SORT s ALPHA DESC STORE dst",
        "LRANGE dst 0 -1",
        "SORT_RO s BY nosort DESC",
        "ZADD w 1 x 2 y",
        "SORT w",
        "SORT w BY nosort GET #",
    ]);
}

#[test]
fn getkeys_of_numkeys_commands() {
    let mut p = pair();
    p.run(&[
        "COMMAND GETKEYS ZUNION 2 a b",
        "COMMAND GETKEYS ZINTER 3 a b c WEIGHTS 1 2 3",
        "COMMAND GETKEYS ZDIFF 1 a",
        "COMMAND GETKEYS ZINTERCARD 2 a b LIMIT 1",
        "COMMAND GETKEYS ZMPOP 2 a b MIN COUNT 2",
        "COMMAND GETKEYS ZUNIONSTORE d 2 a b",
        "COMMAND GETKEYS ZINTERSTORE d 1 a",
        "COMMAND GETKEYS ZDIFFSTORE d 3 a b c",
        "COMMAND GETKEYS ZUNIONSTORE d 5 a b",
        "COMMAND GETKEYS ZUNIONSTORE d 0 a",
        "COMMAND GETKEYS ZUNION 0 a",
        "COMMAND GETKEYS ZMPOP 3 a MIN",
        "COMMAND GETKEYS ZRANGESTORE d s 0 -1",
        "COMMAND GETKEYS ZADD z 1 a",
        "COMMAND INFO zadd zunionstore zmpop zrangestore",
        "COMMAND DOCS zrangebyscore zadd",
    ]);
}

#[test]
fn emptied_zsets_disappear() {
    let mut p = pair();
    p.run(&[
        "ZADD z 1 a",
        "ZREM z a",
        "EXISTS z",
        "ZADD z 1 a 2 b",
        "ZPOPMAX z 5",
        "EXISTS z",
        "ZADD z 1 a",
        "ZMPOP 1 z MIN",
        "EXISTS z",
        "ZADD z 1 a",
        "ZREMRANGEBYRANK z 0 -1",
        "EXISTS z",
        "ZADD z 1 a",
        "ZREMRANGEBYLEX z - +",
        "EXISTS z",
        "ZADD z 1 a",
        "ZDIFFSTORE z 2 z z",
        "EXISTS z",
    ]);
}

/// One random command over a few keys, sorted sets and other types mixed.
fn random_command(r: &mut Rng) -> Vec<Vec<u8>> {
    const KEYS: &[&str] = &["z0", "z1", "z2", "s0", "x"];
    let key = r.pick(KEYS).to_string();
    let member = |r: &mut Rng| -> String {
        match r.below(10) {
            0..=6 => format!("m{}", r.below(25)),
            7 => r.int(-5, 5).to_string(),
            _ => format!("long{}{}", r.below(4), "y".repeat(60)),
        }
    };
    let score = |r: &mut Rng| -> String {
        match r.below(12) {
            0 => "inf".into(),
            1 => "-inf".into(),
            2 => format!("{}.{}", r.int(-3, 3), r.below(100)),
            3 => "0.1".into(),
            _ => r.int(-5, 5).to_string(),
        }
    };
    let bound = |r: &mut Rng| -> String {
        match r.below(6) {
            0 => "-inf".into(),
            1 => "+inf".into(),
            2 => format!("({}", r.int(-5, 5)),
            _ => r.int(-5, 5).to_string(),
        }
    };
    let keys = |r: &mut Rng| -> String {
        let n = r.int(1, 3);
        let ks: Vec<&str> = (0..n).map(|_| r.pick(KEYS)).collect();
        format!("{n} {}", ks.join(" "))
    };
    let line = match r.below(32) {
        0..=4 => {
            let n = r.int(1, 6);
            let opts = r.pick(&["", "", "", "NX", "XX", "GT", "LT", "CH", "GT CH"]);
            let mut s = format!("ZADD {key} {opts}");
            for _ in 0..n {
                s += &format!(" {} {}", score(r), member(r));
            }
            s
        }
        5 => format!("ZINCRBY {key} {} {}", score(r), member(r)),
        6 | 7 => format!("ZREM {key} {} {}", member(r), member(r)),
        8 => format!("ZRANGE {key} {} {} WITHSCORES", r.int(-8, 8), r.int(-8, 8)),
        9 => format!("ZREVRANGE {key} {} {}", r.int(-8, 8), r.int(-8, 8)),
        10 => format!("ZRANGEBYSCORE {key} {} {} WITHSCORES LIMIT {} {}", bound(r), bound(r), r.int(0, 3), r.int(-1, 4)),
        11 => format!("ZREVRANGEBYSCORE {key} {} {}", bound(r), bound(r)),
        12 => format!("ZCOUNT {key} {} {}", bound(r), bound(r)),
        13 => format!("{} {key} {}", r.pick(&["ZRANK", "ZREVRANK", "ZSCORE"]), member(r)),
        14 => format!("ZMSCORE {key} {} {}", member(r), member(r)),
        15 => format!("ZCARD {key}"),
        16 => format!("{} {key} {}", r.pick(&["ZPOPMIN", "ZPOPMAX"]), r.int(0, 3)),
        17 => format!("ZMPOP {} {}", keys(r), r.pick(&["MIN", "MAX", "MIN COUNT 2", "MAX COUNT 10"])),
        18 => format!("ZREMRANGEBYRANK {key} {} {}", r.int(-5, 5), r.int(-5, 5)),
        19 => format!("ZREMRANGEBYSCORE {key} {} {}", bound(r), bound(r)),
        20 => format!("{} {} WITHSCORES", r.pick(&["ZUNION", "ZINTER", "ZDIFF"]), keys(r)),
        21 => format!("{} {key} {} {}", r.pick(&["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"]), keys(r), r.pick(&["", "AGGREGATE MIN", "AGGREGATE MAX"])),
        22 => format!("ZINTERCARD {} LIMIT {}", keys(r), r.int(0, 3)),
        23 => format!("ZRANGESTORE {key} {} {} {}", r.pick(KEYS), r.int(-5, 5), r.int(-5, 5)),
        24 => format!("ZSCAN {key} 0 COUNT 1000"),
        25 => format!("SADD {key} {}", member(r)),
        26 => format!("{} {key}", r.pick(&["TYPE", "EXISTS", "OBJECT ENCODING"])),
        27 => format!("DEL {key}"),
        28 => format!("SET {key} {}", member(r)),
        29 => format!("ZRANDMEMBER {key} {}", r.pick(&["0", "-3", "1000", "1000 WITHSCORES"])),
        30 => format!("ZRANGE {key} {} {} BYSCORE REV LIMIT {} {}", bound(r), bound(r), r.int(0, 2), r.int(-1, 3)),
        _ => format!("RENAME {key} {}", r.pick(KEYS)),
    };
    words(&line)
}

/// `steps` random commands from `seed`, then every key's final state.
fn random_sequence(p: &mut Pair, seed: u64, steps: usize) {
    let seed = std::env::var("HOTKV_DIFF_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(seed);
    let mut r = Rng(seed | 1);
    for _ in 0..steps {
        let args = random_command(&mut r);
        p.check(&args);
    }
    for k in ["z0", "z1", "z2", "s0", "x"] {
        p.run(&[&format!("TYPE {k}"), &format!("ZRANGE {k} 0 -1 WITHSCORES"), &format!("OBJECT ENCODING {k}")]);
    }
}

#[test]
fn random_mixed_sequence() {
    random_sequence(&mut pair(), 0x5EED_2E75_0000_0001, 4000);
}

/// The same with a listpack limit of 3 members on both servers: most
/// sorted sets are skiplists, converted early and often.
#[test]
fn random_mixed_sequence_on_skiplists() {
    let mut p = pair();
    p.run(&["CONFIG SET zset-max-listpack-entries 3"]);
    random_sequence(&mut p, 0x5EED_2E75_0000_0002, 4000);
}
