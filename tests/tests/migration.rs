//! A live server running a library of an older state layout is upgraded to
//! the current one: the new library migrates the state when it takes over,
//! every key and connection survives, and the way back is refused cleanly.
//!
//! The older library is built from a commit of this repository's history
//! and only loads if its ABI is the current one. So an ABI change is made
//! in a commit of its own, before the next layout change: that commit's
//! library (new ABI, previous layout) is the one this test upgrades from.
//! Older layouts stay covered by the unit tests of `core-logic/src/migrate.rs`.

use hotkv_tests::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A commit whose library has today's ABI and writes the layout before the
/// current one, and that layout's number. None while no such commit exists
/// (right after an ABI change, before the next layout change): the test
/// then says so and checks nothing.
/// Today: main after the AOF merge (ABI 4, the background job calls), on
/// layout 11.
const OLDER_LAYOUT: Option<(&str, &str)> = Some(("18977d3fda4ae8a2333cfd26781d06a35b91ef05", "11"));

fn info_field(p: &Proc, section: &str, field: &str) -> String {
    let info = p.cli(&["info", section]);
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in INFO {section}:\n{info}"))
        .trim()
        .to_string()
}

#[test]
fn older_layout_state_migrates_on_upgrade_and_downgrade_is_refused() {
    let Some((commit, layout)) = OLDER_LAYOUT else {
        eprintln!("no commit with the current ABI and an older layout yet: live migration test not run");
        return;
    };
    let Some(old) = logic_from_commit(commit) else {
        eprintln!("git history not available (shallow clone?): migration test not run");
        return;
    };
    let current = default_logic();
    let srv = start_hotkv(&["--logic", old.to_str().unwrap()]);
    assert_eq!(info_field(&srv, "logic", "logic_layout_version"), layout);

    let mut con = srv.client();
    for i in 0..1000 {
        let _: () = redis::cmd("SET").arg(format!("key:{i}")).arg(format!("value-{i}-{}", "x".repeat(i % 40))).query(&mut con).unwrap();
    }
    let _: () = redis::cmd("SET").arg("ttl").arg("v").arg("EX").arg(1000).query(&mut con).unwrap();
    // A small hash and an intset in layout 8's compact encodings, read in
    // place after the swap and repacked by their first write.
    let _: () = redis::cmd("HSET").arg("hp").arg("f1").arg("one").arg("f2").arg("two").query(&mut con).unwrap();
    let _: () = redis::cmd("SADD").arg("is").arg(3).arg(-2).arg(1).query(&mut con).unwrap();
    // A hash, a set and a list (layout 7 has them) ride along, and a setting.
    let _: () = redis::cmd("HSET").arg("h").arg("f").arg("v").query(&mut con).unwrap();
    let _: () = redis::cmd("SADD").arg("s").arg(1).arg("a").query(&mut con).unwrap();
    let _: () = redis::cmd("RPUSH").arg("list").arg(1).arg("a").query(&mut con).unwrap();
    let _: () = redis::cmd("CONFIG").arg("SET").arg("hz").arg(33).query(&mut con).unwrap();
    // A connection with a name and a database of its own.
    let mut named = srv.client();
    let _: () = redis::cmd("CLIENT").arg("SETNAME").arg("kept").query(&mut named).unwrap();
    let _: () = redis::cmd("SELECT").arg(5).query(&mut named).unwrap();
    let _: () = redis::cmd("SET").arg("in5").arg("five").query(&mut named).unwrap();
    // A client holding half a command across the migration.
    let mut half = TcpStream::connect(("127.0.0.1", srv.port)).unwrap();
    half.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    half.write_all(b"*2\r\n$3\r\nGET\r\n$5\r\nke").unwrap();

    let reply = srv.cli(&["upgrade", current.to_str().unwrap()]);
    assert!(reply.starts_with("OK upgraded"), "{reply}");
    assert_eq!(info_field(&srv, "logic", "logic_layout_version"), hotkv_version_layout());
    assert!(info_field(&srv, "stats", "total_reads_processed").parse::<u64>().is_ok());

    half.write_all(b"y:7\r\n").unwrap();
    let mut buf = [0u8; 64];
    let n = half.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], format!("${}\r\nvalue-7-{}\r\n", 8 + 7, "x".repeat(7)).as_bytes());
    for i in (0..1000).step_by(37) {
        let v: String = redis::cmd("GET").arg(format!("key:{i}")).query(&mut con).unwrap();
        assert_eq!(v, format!("value-{i}-{}", "x".repeat(i % 40)));
    }
    let ttl: String = redis::cmd("GET").arg("ttl").query(&mut con).unwrap();
    assert_eq!(ttl, "v");
    let v: String = redis::cmd("HGET").arg("h").arg("f").query(&mut con).unwrap();
    assert_eq!(v, "v");
    let n: usize = redis::cmd("SCARD").arg("s").query(&mut con).unwrap();
    assert_eq!(n, 2);
    let v: Vec<String> = redis::cmd("LRANGE").arg("list").arg(0).arg(-1).query(&mut con).unwrap();
    assert_eq!(v, ["1", "a"]);
    let v: Vec<String> = redis::cmd("CONFIG").arg("GET").arg("hz").query(&mut con).unwrap();
    assert_eq!(v, ["hz", "33"]);
    let v: String = redis::cmd("CLIENT").arg("GETNAME").query(&mut named).unwrap();
    assert_eq!(v, "kept");
    let v: String = redis::cmd("GET").arg("in5").query(&mut named).unwrap();
    assert_eq!(v, "five");
    let enc = |key: &str, con: &mut redis::Connection| -> String { redis::cmd("OBJECT").arg("ENCODING").arg(key).query(con).unwrap() };
    let v: Vec<String> = redis::cmd("HGETALL").arg("hp").query(&mut con).unwrap();
    assert_eq!(v, ["f1", "one", "f2", "two"]);
    assert_eq!(enc("hp", &mut con), "listpack");
    let _: () = redis::cmd("HSET").arg("hp").arg("f1").arg("uno").arg("f3").arg("three").query(&mut con).unwrap();
    let v: Vec<String> = redis::cmd("HGETALL").arg("hp").query(&mut con).unwrap();
    assert_eq!(v, ["f1", "uno", "f2", "two", "f3", "three"]);
    assert_eq!(enc("hp", &mut con), "listpack");
    let v: Vec<String> = redis::cmd("SMEMBERS").arg("is").query(&mut con).unwrap();
    assert_eq!(v, ["-2", "1", "3"]);
    assert_eq!(enc("is", &mut con), "intset");
    let _: () = redis::cmd("SADD").arg("is").arg(70000).query(&mut con).unwrap();
    let v: Vec<String> = redis::cmd("SMEMBERS").arg("is").query(&mut con).unwrap();
    assert_eq!(v, ["-2", "1", "3", "70000"]);
    assert_eq!(enc("is", &mut con), "intset");
    let _: () = redis::cmd("SADD").arg("is").arg("x").query(&mut con).unwrap();
    assert_eq!(enc("is", &mut con), "hashtable");
    let n: usize = redis::cmd("SCARD").arg("is").query(&mut con).unwrap();
    assert_eq!(n, 5);
    // The new layout's types work in the migrated state.
    let n: usize = redis::cmd("ZADD").arg("z").arg(2).arg("b").arg(1).arg("a").query(&mut named).unwrap();
    assert_eq!(n, 2);
    let v: Vec<String> = redis::cmd("ZRANGE").arg("z").arg(0).arg(-1).query(&mut named).unwrap();
    assert_eq!(v, ["a", "b"]);

    // Layout 9's saving state starts fresh and works in the migrated state.
    assert_eq!(info_field(&srv, "persistence", "rdb_bgsave_in_progress"), "0");
    // Layout 12's copy-on-write figures start at 0.
    assert_eq!(info_field(&srv, "persistence", "rdb_last_cow_size"), "0");
    let r: String = redis::cmd("BGSAVE").query(&mut con).unwrap();
    assert_eq!(r, "Background saving started");
    assert!(wait_until(Duration::from_secs(20), || info_field(&srv, "persistence", "rdb_saves") == "1"), "BGSAVE after migration");

    // The older library cannot read the new layout: refused, current keeps serving.
    let reply = srv.cli(&["upgrade", old.to_str().unwrap()]);
    assert!(reply.contains("layout mismatch"), "{reply}");
    let v: String = redis::cmd("GET").arg("key:1").query(&mut con).unwrap();
    assert_eq!(v, "value-1-x");
}

fn hotkv_version_layout() -> String {
    // The layout the current build writes, as the library reports it.
    let srv = start_hotkv(&[]);
    info_field(&srv, "logic", "logic_layout_version")
}
