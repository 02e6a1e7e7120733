//! A version that panics in its event loop (outside any command) is rolled
//! back to the one before it, which adopts the state and serves on: the
//! server survives a bad release (as cr.h does), and the client that asked
//! for the upgrade is told it failed.

use hotkv_tests::hotswap::*;
use hotkv_tests::*;

#[test]
fn a_version_whose_loop_panics_is_rolled_back() {
    let srv = start_hotkv(&[]);
    let mut con = srv.client();
    let () = redis::cmd("SET").arg("k").arg("v").query(&mut con).unwrap();
    let (version, generation) = logic_version(&mut con);

    let err = upgrade_cmd(&mut con, &[faulty_logic("run-panics").to_str().unwrap()]).unwrap_err();
    assert!(err.contains("panicked in its event loop; rolled back to"), "{err}");

    let (now, gen_after) = logic_version(&mut con);
    assert_eq!(now, version, "the previous version serves again");
    assert_eq!(gen_after, generation + 2, "the faulty swap and the rollback are two generations");
    let v: String = redis::cmd("GET").arg("k").query(&mut con).unwrap();
    assert_eq!(v, "v");
    assert_eq!(srv.mapped_logic_libraries().len(), 1, "{:?}", srv.mapped_logic_libraries());

    // Each upgrade gets its own rollback: a second bad release is survived too.
    let err = upgrade_cmd(&mut con, &[faulty_logic("run-panics").to_str().unwrap()]).unwrap_err();
    assert!(err.contains("rolled back"), "{err}");
    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");
}
