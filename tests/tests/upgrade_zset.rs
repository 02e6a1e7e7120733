//! Sorted sets across an UPGRADE: listpacks and skiplists, some with TTLs,
//! answer the same range, score and rank queries after the swap as before,
//! and a pipeline of ZADD/ZSCORE sent across it gets every reply, in order
//! and exactly once.

use hotkv_tests::hotswap::*;
use hotkv_tests::*;


/// The sorted sets written before the swap: key -> (score, member) pairs.
fn dataset() -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    for k in 0..20 {
        // Listpacks, the last ones at the 128-member limit.
        let n = if k >= 18 { 128 } else { (k % 7) * 5 + 1 };
        out.push((format!("lp:{k}"), (0..n).map(|i| (format!("{}", (i * 7) % 11 - 3), format!("m{i}"))).collect()));
    }
    for k in 0..4 {
        // Skiplists: by size, with fractional, infinite and tied scores.
        let mut items: Vec<(String, String)> = (0..1500).map(|i| (format!("{}.25", i % 97), format!("member:{k}:{i}"))).collect();
        items.push(("-inf".into(), "bottom".into()));
        items.push(("inf".into(), "top".into()));
        out.push((format!("sl:{k}"), items));
    }
    // A skiplist by a long member.
    out.push(("long".into(), vec![("1".into(), "x".repeat(65)), ("0.1".into(), "a".into())]));
    out
}

/// What a client sees of a sorted set: every member with its score, in
/// order, its encoding, and a few ranks and counts.
fn snapshot(con: &mut redis::Connection, key: &str) -> (Vec<String>, String, Vec<i64>) {
    let all: Vec<String> = redis::cmd("ZRANGE").arg(key).arg(0).arg(-1).arg("WITHSCORES").query(con).unwrap();
    let enc: String = redis::cmd("OBJECT").arg("ENCODING").arg(key).query(con).unwrap();
    let mut nums = Vec::new();
    nums.push(redis::cmd("ZCARD").arg(key).query(con).unwrap());
    nums.push(redis::cmd("ZCOUNT").arg(key).arg("(1").arg("50").query(con).unwrap());
    if let Some(m) = all.first() {
        nums.push(redis::cmd("ZREVRANK").arg(key).arg(m).query(con).unwrap());
    }
    (all, enc, nums)
}

#[test]
fn zsets_survive_upgrade_and_a_pipeline_crosses_it() {
    let v2 = logic_variant(V2);
    let p = start_hotkv(&[]);
    let mut admin = p.client();
    let data = dataset();
    let baseline = used_memory(&mut admin);
    let mut con = p.client();
    for (key, items) in &data {
        let mut cmd = redis::cmd("ZADD");
        cmd.arg(key);
        for (s, m) in items {
            cmd.arg(s).arg(m);
        }
        let n: usize = cmd.query(&mut con).unwrap();
        assert_eq!(n, items.len());
    }
    let loaded = used_memory(&mut admin);
    let _: () = redis::cmd("EXPIRE").arg("sl:1").arg(1000).query(&mut admin).unwrap();
    let _: () = redis::cmd("EXPIRE").arg("lp:3").arg(1000).query(&mut admin).unwrap();
    let before: Vec<_> = data.iter().map(|(k, _)| snapshot(&mut con, k)).collect();
    assert_eq!(before[19].1, "listpack");
    assert_eq!(before[20].1, "skiplist");
    assert_eq!(before[24].1, "skiplist");

    // A pipeline of ZADD/ZSCORE: the first half before the swap, the second after.
    let (mut request, mut replies) = (Vec::new(), Vec::new());
    for i in 0..2000 {
        let key = format!("pipe:{}", i % 3);
        let (m, s) = (format!("pm{i}"), format!("{}.5", i % 50));
        request.extend(resp(&[b"ZADD", key.as_bytes(), s.as_bytes(), m.as_bytes()]));
        replies.extend(b":1\r\n");
        request.extend(resp(&[b"ZSCORE", key.as_bytes(), m.as_bytes()]));
        replies.extend(bulk(s.as_bytes()));
    }
    let pipe = pipeline_across_upgrade(p.port, &mut admin, &v2, V2, &request, &replies, "the ZADD/ZSCORE pipeline across the swap");

    for ((key, _), snap) in data.iter().zip(&before) {
        assert_eq!(&snapshot(&mut con, key), snap, "{key}");
        let t: String = redis::cmd("TYPE").arg(key).query(&mut admin).unwrap();
        assert_eq!(t, "zset");
    }
    for key in ["sl:1", "lp:3"] {
        let ttl: i64 = redis::cmd("TTL").arg(key).query(&mut admin).unwrap();
        assert!((990..=1000).contains(&ttl), "{key}: {ttl}");
    }
    for k in 0..3 {
        let n: usize = redis::cmd("ZCARD").arg(format!("pipe:{k}")).query(&mut admin).unwrap();
        assert!(n > 600, "pipe:{k}: {n}");
    }
    // The new version goes on using and converting them.
    let n: usize = redis::cmd("ZADD").arg("lp:19").arg(5).arg("one-too-many").query(&mut admin).unwrap();
    assert_eq!(n, 1);
    let enc: String = redis::cmd("OBJECT").arg("ENCODING").arg("lp:19").query(&mut admin).unwrap();
    assert_eq!(enc, "skiplist");
    let popped: Vec<String> = redis::cmd("ZPOPMIN").arg("sl:0").query(&mut admin).unwrap();
    assert_eq!(popped, ["bottom", "-inf"]);
    let n: usize = redis::cmd("ZUNIONSTORE").arg("both").arg(2).arg("sl:2").arg("lp:18").query(&mut admin).unwrap();
    assert_eq!(n, 1502 + 128);
    let n: usize = redis::cmd("ZREMRANGEBYSCORE").arg("sl:3").arg("-inf").arg("(10").query(&mut admin).unwrap();
    assert!(n > 100);
    drop(pipe);
    drop(con);
    flushall_frees(&mut admin, baseline, loaded);
}
