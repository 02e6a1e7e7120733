//! Lists across an UPGRADE: lists of every size and kind of element, some
//! with TTLs, are identical element by element after the swap, and a
//! pipeline of RPUSH/LPOP/LINDEX sent across it gets every reply, in order
//! and exactly once.

use hotkv_tests::hotswap::*;
use hotkv_tests::*;


/// The lists written before the swap: key -> elements, head first.
fn dataset() -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for k in 0..30 {
        let n = (k * 37) % 300 + 1;
        let elems = (0..n)
            .map(|i| match i % 3 {
                0 => (i as i64 - 50).to_string(),
                1 => format!("e{i}"),
                _ => format!("a longer element {k}:{i} {}", "z".repeat(i % 50)),
            })
            .collect();
        out.push((format!("list:{k}"), elems));
    }
    out.push(("big".into(), (0..20_000).map(|i| format!("big-element-{i}")).collect()));
    out
}

fn lrange(con: &mut redis::Connection, key: &str) -> Vec<String> {
    redis::cmd("LRANGE").arg(key).arg(0).arg(-1).query(con).unwrap()
}

#[test]
fn lists_survive_upgrade_and_a_pipeline_crosses_it() {
    let v2 = logic_variant(V2);
    let p = start_hotkv(&[]);
    let mut admin = p.client();
    let data = dataset();
    let baseline = used_memory(&mut admin);
    let mut con = p.client();
    for (key, elems) in &data {
        // Half pushed at the head (reversed), half at the tail: the ring wraps.
        let half = elems.len() / 2;
        let head: Vec<&String> = elems[..half].iter().rev().collect();
        let _: () = redis::cmd("RPUSH").arg(key).arg(&elems[half..]).query(&mut con).unwrap();
        if !head.is_empty() {
            let n: usize = redis::cmd("LPUSH").arg(key).arg(head).query(&mut con).unwrap();
            assert_eq!(n, elems.len());
        }
    }
    let loaded = used_memory(&mut admin);
    let _: () = redis::cmd("EXPIRE").arg("list:1").arg(1000).query(&mut admin).unwrap();
    let _: () = redis::cmd("EXPIRE").arg("big").arg(1000).query(&mut admin).unwrap();

    // A pipeline: the first half before the swap, the second after.
    let (mut request, mut replies) = (Vec::new(), Vec::new());
    for i in 0..2000 {
        let key = format!("pipe:{}", i % 3);
        let e = format!("pe{i}");
        request.extend(resp(&[b"RPUSH", key.as_bytes(), e.as_bytes()]));
        replies.extend(format!(":{}\r\n", i / 3 + 1).as_bytes());
        request.extend(resp(&[b"LINDEX", key.as_bytes(), b"-1"]));
        replies.extend(format!("${}\r\n{e}\r\n", e.len()).as_bytes());
    }
    for i in 0..100 {
        let key = format!("pipe:{}", i % 3);
        let e = format!("pe{i}");
        request.extend(resp(&[b"LPOP", key.as_bytes()]));
        replies.extend(format!("${}\r\n{e}\r\n", e.len()).as_bytes());
    }
    let pipe = pipeline_across_upgrade(p.port, &mut admin, &v2, V2, &request, &replies, "the RPUSH/LINDEX/LPOP pipeline across the swap");

    for (key, elems) in &data {
        assert_eq!(&lrange(&mut con, key), elems, "{key}");
        let t: String = redis::cmd("TYPE").arg(key).query(&mut admin).unwrap();
        assert_eq!(t, "list");
        let n: usize = redis::cmd("LLEN").arg(key).query(&mut admin).unwrap();
        assert_eq!(n, elems.len());
    }
    for key in ["list:1", "big"] {
        let ttl: i64 = redis::cmd("TTL").arg(key).query(&mut admin).unwrap();
        assert!((990..=1000).contains(&ttl), "{key}: {ttl}");
    }
    for k in 0..3 {
        let n: usize = redis::cmd("LLEN").arg(format!("pipe:{k}")).query(&mut admin).unwrap();
        assert!(n > 600, "pipe:{k}: {n}");
    }
    // The new version goes on using them.
    let v: Option<String> = redis::cmd("LMOVE").arg("list:0").arg("list:2").arg("LEFT").arg("RIGHT").query(&mut admin).unwrap();
    assert_eq!(v.as_deref(), Some("-50"));
    // list:0 had one element: it is gone, and list:2 ends with it.
    let n: usize = redis::cmd("EXISTS").arg("list:0").query(&mut admin).unwrap();
    assert_eq!(n, 0);
    assert_eq!(lrange(&mut admin, "list:2").last().map(String::as_str), Some("-50"));
    let v: String = redis::cmd("LINDEX").arg("big").arg(12345).query(&mut admin).unwrap();
    assert_eq!(v, "big-element-12345");
    let _: () = redis::cmd("LTRIM").arg("big").arg(10).arg(19).query(&mut admin).unwrap();
    assert_eq!(lrange(&mut admin, "big"), (10..20).map(|i| format!("big-element-{i}")).collect::<Vec<_>>());
    drop(pipe);
    drop(con);
    flushall_frees(&mut admin, baseline, loaded);
}
