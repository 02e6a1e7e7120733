//! Hashes across an UPGRADE: small (compact) and large (table) hashes, some
//! with TTLs, are identical field by field after the swap, and a pipeline of
//! HSET/HGET sent across it gets every reply, in order and exactly once.

use hotkv_tests::hotswap::*;
use hotkv_tests::*;
use std::collections::HashMap;


/// The hashes written before the swap: key -> field -> value.
fn dataset() -> Vec<(String, HashMap<String, String>)> {
    let mut out = Vec::new();
    for k in 0..20 {
        let fields = (0..(k % 7) * 3 + 1).map(|i| (format!("f{i}"), format!("small-{k}-{i}"))).collect();
        out.push((format!("small:{k}"), fields));
    }
    for k in 0..4 {
        let mut fields: HashMap<String, String> = (0..1500).map(|i| (format!("field:{i}"), format!("large-{k}-{i}"))).collect();
        fields.insert("long".into(), "L".repeat(100 + k));
        out.push((format!("large:{k}"), fields));
    }
    // Compact by count, table by one long value.
    out.push(("wide".into(), [("w".to_string(), "x".repeat(65))].into_iter().collect()));
    out
}

fn hgetall(con: &mut redis::Connection, key: &str) -> HashMap<String, String> {
    redis::cmd("HGETALL").arg(key).query(con).unwrap()
}

#[test]
fn hashes_survive_upgrade_and_a_pipeline_crosses_it() {
    let v2 = logic_variant(V2);
    let p = start_hotkv(&[]);
    let mut admin = p.client();
    let data = dataset();
    let baseline = used_memory(&mut admin);
    // Big requests and replies go through `con`, whose buffers then stay
    // grown: it is closed before the memory is compared with the baseline.
    let mut con = p.client();
    for (key, fields) in &data {
        let mut cmd = redis::cmd("HSET");
        cmd.arg(key);
        for (f, v) in fields {
            cmd.arg(f).arg(v);
        }
        let n: usize = cmd.query(&mut con).unwrap();
        assert_eq!(n, fields.len());
    }
    let nfields: usize = data.iter().map(|(_, f)| f.len()).sum();
    let loaded = used_memory(&mut admin);
    eprintln!("{nfields} fields: {} bytes per field", (loaded - baseline) / nfields as u64);
    let _: () = redis::cmd("EXPIRE").arg("large:1").arg(1000).query(&mut admin).unwrap();
    let _: () = redis::cmd("EXPIRE").arg("small:3").arg(1000).query(&mut admin).unwrap();

    // A pipeline of HSET/HGET: the first half before the swap, the second after.
    let (mut request, mut replies) = (Vec::new(), Vec::new());
    for i in 0..2000 {
        let key = format!("pipe:{}", i % 3);
        let (f, v) = (format!("pf{i}"), format!("pv{i}-{}", "p".repeat(i % 80)));
        request.extend(resp(&[b"HSET", key.as_bytes(), f.as_bytes(), v.as_bytes()]));
        replies.extend(b":1\r\n");
        request.extend(resp(&[b"HGET", key.as_bytes(), f.as_bytes()]));
        replies.extend(bulk(v.as_bytes()));
    }
    let pipe = pipeline_across_upgrade(p.port, &mut admin, &v2, V2, &request, &replies, "the HSET/HGET pipeline across the swap");

    for (key, fields) in &data {
        assert_eq!(&hgetall(&mut con, key), fields, "{key}");
        let t: String = redis::cmd("TYPE").arg(key).query(&mut admin).unwrap();
        assert_eq!(t, "hash");
    }
    for key in ["large:1", "small:3"] {
        let ttl: i64 = redis::cmd("TTL").arg(key).query(&mut admin).unwrap();
        assert!((990..=1000).contains(&ttl), "{key}: {ttl}");
    }
    // The new version goes on using and converting them.
    let n: usize = redis::cmd("HSET").arg("small:0").arg("big").arg("B".repeat(70)).query(&mut admin).unwrap();
    assert_eq!(n, 1);
    let n: usize = redis::cmd("HDEL").arg("large:0").arg("field:0").arg("long").query(&mut admin).unwrap();
    assert_eq!(n, 2);
    let len: usize = redis::cmd("HLEN").arg("large:0").query(&mut admin).unwrap();
    assert_eq!(len, 1499);
    // The pipeline's connection goes too: its buffers are not the hashes'.
    drop(pipe);
    drop(con);
    flushall_frees(&mut admin, baseline, loaded);
}
