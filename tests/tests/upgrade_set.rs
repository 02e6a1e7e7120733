//! Sets across an UPGRADE: intsets and table sets, some with TTLs, are
//! identical member by member after the swap, and a pipeline of
//! SADD/SISMEMBER sent across it gets every reply, in order and exactly once.

use hotkv_tests::hotswap::*;
use hotkv_tests::*;
use std::collections::BTreeSet;


/// The sets written before the swap: key -> members.
fn dataset() -> Vec<(String, BTreeSet<String>)> {
    let mut out = Vec::new();
    for k in 0..20 {
        // Intsets, the last ones at the 512-member limit.
        let n = if k >= 18 { 512 } else { (k % 7) * 5 + 1 };
        out.push((format!("ints:{k}"), (0..n).map(|i| (i * 3 - 40).to_string()).collect()));
    }
    for k in 0..4 {
        // Tables: by a non-integer member, and by size (513 integers).
        let mut members: BTreeSet<String> = (0..1500).map(|i| format!("member:{k}:{i}")).collect();
        members.insert("-7".into());
        out.push((format!("table:{k}"), members));
    }
    out.push(("big-ints".into(), (0..513).map(|i| i.to_string()).collect()));
    out
}

fn smembers(con: &mut redis::Connection, key: &str) -> BTreeSet<String> {
    redis::cmd("SMEMBERS").arg(key).query(con).unwrap()
}

#[test]
fn sets_survive_upgrade_and_a_pipeline_crosses_it() {
    let v2 = logic_variant(V2);
    let p = start_hotkv(&[]);
    let mut admin = p.client();
    let data = dataset();
    let baseline = used_memory(&mut admin);
    let mut con = p.client();
    for (key, members) in &data {
        let n: usize = redis::cmd("SADD").arg(key).arg(members.iter().collect::<Vec<_>>()).query(&mut con).unwrap();
        assert_eq!(n, members.len());
    }
    let loaded = used_memory(&mut admin);
    let _: () = redis::cmd("EXPIRE").arg("table:1").arg(1000).query(&mut admin).unwrap();
    let _: () = redis::cmd("EXPIRE").arg("ints:3").arg(1000).query(&mut admin).unwrap();

    // A pipeline of SADD/SISMEMBER: the first half before the swap, the second after.
    let (mut request, mut replies) = (Vec::new(), Vec::new());
    for i in 0..2000 {
        let key = format!("pipe:{}", i % 3);
        let m = if i % 2 == 0 { i.to_string() } else { format!("pm{i}") };
        request.extend(resp(&[b"SADD", key.as_bytes(), m.as_bytes()]));
        replies.extend(b":1\r\n");
        request.extend(resp(&[b"SISMEMBER", key.as_bytes(), m.as_bytes()]));
        replies.extend(b":1\r\n");
    }
    let pipe = pipeline_across_upgrade(p.port, &mut admin, &v2, V2, &request, &replies, "the SADD/SISMEMBER pipeline across the swap");

    for (key, members) in &data {
        assert_eq!(&smembers(&mut con, key), members, "{key}");
        let t: String = redis::cmd("TYPE").arg(key).query(&mut admin).unwrap();
        assert_eq!(t, "set");
        let n: usize = redis::cmd("SCARD").arg(key).query(&mut admin).unwrap();
        assert_eq!(n, members.len());
    }
    for key in ["table:1", "ints:3"] {
        let ttl: i64 = redis::cmd("TTL").arg(key).query(&mut admin).unwrap();
        assert!((990..=1000).contains(&ttl), "{key}: {ttl}");
    }
    for k in 0..3 {
        let n: usize = redis::cmd("SCARD").arg(format!("pipe:{k}")).query(&mut admin).unwrap();
        assert!(n > 600, "pipe:{k}: {n}");
    }
    // The new version goes on using and converting them.
    let n: usize = redis::cmd("SADD").arg("ints:0").arg("not-an-int").query(&mut admin).unwrap();
    assert_eq!(n, 1);
    let n: usize = redis::cmd("SADD").arg("ints:19").arg(100_000).query(&mut admin).unwrap();
    assert_eq!(n, 1);
    assert!(smembers(&mut admin, "ints:19").contains("100000"));
    let n: usize = redis::cmd("SREM").arg("table:0").arg("-7").arg("member:0:0").query(&mut admin).unwrap();
    assert_eq!(n, 2);
    let n: usize = redis::cmd("SINTERSTORE").arg("both").arg("ints:18").arg("big-ints").query(&mut admin).unwrap();
    assert_eq!(n, (0..512).map(|i| i * 3 - 40).filter(|i| (0..513).contains(i)).count());
    drop(pipe);
    drop(con);
    flushall_frees(&mut admin, baseline, loaded);
}
