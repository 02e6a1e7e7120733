//! Expiry as in Redis: lazy on access, and active in the background (keys
//! nobody reads again still go away, and are counted in expired_keys).

use hotkv_tests::*;
use std::time::Duration;

fn keyspace_keys(p: &Proc) -> u64 {
    p.cli(&["info", "keyspace"])
        .lines()
        .find_map(|l| l.strip_prefix("db0:keys="))
        .map(|r| r.split(',').next().unwrap().parse().unwrap())
        .unwrap_or(0)
}

fn expired_keys(p: &Proc) -> u64 {
    p.cli(&["info", "stats"]).lines().find_map(|l| l.strip_prefix("expired_keys:")).unwrap().trim().parse().unwrap()
}

#[test]
fn untouched_keys_expire_in_the_background() {
    let srv = start_hotkv(&["--hz", "50"]);
    let mut con = srv.client();
    let mut pipe = redis::pipe();
    for i in 0..2000 {
        pipe.cmd("SET").arg(format!("vol:{i}")).arg("x").arg("PX").arg(100).ignore();
    }
    for i in 0..100 {
        pipe.cmd("SET").arg(format!("keep:{i}")).arg("y").ignore();
    }
    let () = pipe.query(&mut con).unwrap();
    assert_eq!(keyspace_keys(&srv), 2100);
    // No command touches the volatile keys again: only the cron can remove them.
    assert!(wait_until(Duration::from_secs(10), || keyspace_keys(&srv) == 100), "left: {}", keyspace_keys(&srv));
    assert_eq!(expired_keys(&srv), 2000);
    let v: String = redis::cmd("GET").arg("keep:5").query(&mut con).unwrap();
    assert_eq!(v, "y");
}

#[test]
fn expired_key_is_gone_on_access() {
    // hz 1: the background cycle is unlikely to get there first.
    let srv = start_hotkv(&["--hz", "1"]);
    let mut con = srv.client();
    let () = redis::cmd("SET").arg("k").arg("v").arg("PX").arg(30).query(&mut con).unwrap();
    std::thread::sleep(Duration::from_millis(60));
    let v: Option<String> = redis::cmd("GET").arg("k").query(&mut con).unwrap();
    assert_eq!(v, None);
    assert_eq!(expired_keys(&srv), 1);
}

/// Writing over an expired key treats it as gone first (as Redis's
/// lookupKeyWrite does): KEEPTTL keeps no dead expiry, and the key counts as
/// expired. Compared with the reference server.
#[test]
fn set_over_an_expired_key_matches_redis() {
    let hk = start_hotkv(&["--hz", "1"]);
    let rd = start_redis();
    for p in [&hk, &rd] {
        let _ = redis_cli(p.port, &["config", "set", "hz", "1"]);
    }
    let run = |p: &Proc| {
        let mut out = Vec::new();
        out.push(p.cli(&["set", "kt", "v", "px", "1"]));
        std::thread::sleep(Duration::from_millis(30));
        out.push(p.cli(&["set", "kt", "v2", "keepttl"]));
        out.push(p.cli(&["ttl", "kt"]));
        out.push(p.cli(&["get", "kt"]));
        out.push(expired_keys(p).to_string());
        out
    };
    assert_eq!(run(&hk), run(&rd));
}
