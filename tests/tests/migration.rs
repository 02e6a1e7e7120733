//! A live server running a library of an older state layout is upgraded to
//! the current one: the new library migrates the state when it takes over,
//! every key and connection survives, and the way back is refused cleanly.

use hotkv_tests::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The last commit whose library writes state layout 1 with today's ABI.
/// If the ABI changes, point this at the last layout-1 commit that has it
/// (the upgrade would otherwise be refused for ABI mismatch, failing here).
const LAYOUT_1_COMMIT: &str = "f951a2e130581da012ffdac808e1509c71b10ea0";

fn info_field(p: &Proc, section: &str, field: &str) -> String {
    let info = p.cli(&["info", section]);
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in INFO {section}:\n{info}"))
        .trim()
        .to_string()
}

#[test]
fn layout_1_state_migrates_on_upgrade_and_downgrade_is_refused() {
    let Some(old) = logic_from_commit(LAYOUT_1_COMMIT) else {
        eprintln!("git history not available (shallow clone?): migration test not run");
        return;
    };
    let current = default_logic();
    let srv = start_hotkv(&["--logic", old.to_str().unwrap()]);
    assert_eq!(info_field(&srv, "logic", "logic_layout_version"), "1");

    let mut con = srv.client();
    for i in 0..1000 {
        let _: () = redis::cmd("SET").arg(format!("key:{i}")).arg(format!("value-{i}-{}", "x".repeat(i % 40))).query(&mut con).unwrap();
    }
    let _: () = redis::cmd("SET").arg("ttl").arg("v").arg("EX").arg(1000).query(&mut con).unwrap();
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

    // The layout-1 library cannot read layout 2: refused, current keeps serving.
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
