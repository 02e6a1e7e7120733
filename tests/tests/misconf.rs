//! stop-writes-on-bgsave-error: after a failed background save (with save
//! points set) write commands and PING are refused with Redis 7.0's MISCONF
//! error until a save succeeds, the setting is turned off or the save
//! points are removed; differential against redis-server 7.0.

use hotkv_tests::diff::{exact, words, Pair, R};
use hotkv_tests::hotswap::info_field;
use hotkv_tests::*;
use std::time::Duration;

const MISCONF: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/// `dump.rdb` as a non-empty directory: renaming the temp file over it
/// fails (EISDIR), in Redis as in hotkv, as root too.
fn break_saving(p: &Pair) {
    for d in [p.hk.dir.path(), p.rd.dir.path()] {
        let _ = std::fs::remove_file(d.join("dump.rdb"));
        std::fs::create_dir_all(d.join("dump.rdb").join("x")).unwrap();
    }
}

fn repair_saving(p: &Pair) {
    for d in [p.hk.dir.path(), p.rd.dir.path()] {
        std::fs::remove_dir_all(d.join("dump.rdb")).unwrap();
    }
}

/// Waits until the background save of both servers has ended with `status`.
fn wait_bgsave(p: &Pair, status: &str) {
    for srv in [&p.hk, &p.rd] {
        let mut con = srv.client();
        let ended = wait_until(Duration::from_secs(20), || {
            info_field(&mut con, "persistence", "rdb_bgsave_in_progress") == "0" && info_field(&mut con, "persistence", "rdb_last_bgsave_status") == status
        });
        assert!(ended, "port {}: background save did not end with {status}", srv.port);
    }
}

fn set_save(p: &mut Pair, points: &str) {
    p.run_args(&[&[b"CONFIG", b"SET", b"save", points.as_bytes()]]);
}

#[test]
fn failed_bgsave_refuses_writes_until_a_save_succeeds() {
    let mut p = Pair::start(|_, r| r, exact);
    p.run(&["CONFIG GET stop-writes-on-bgsave-error", "SET a 1"]);
    set_save(&mut p, "3600 1");
    break_saving(&p);
    // A failed SAVE is not a failed background save: writes go on.
    p.run(&["SAVE", "SET a 2", "BGSAVE"]);
    wait_bgsave(&p, "err");
    assert_eq!(p.check(&words("SET a 3")), R::Err(MISCONF.as_bytes().to_vec()));
    p.run(&[
        "PING",
        "INCR n",
        "DEL a",
        "GET a",
        "EXISTS a",
        "2: SUBSCRIBE ch",
        "2: PING",
        "MULTI",
        "GET a",
        "SET b 1",
        "EXEC",
        "MULTI",
        "GET a",
        "EXEC",
        "CONFIG SET stop-writes-on-bgsave-error no",
        "SET a 4",
        "PING",
        "CONFIG SET stop-writes-on-bgsave-error yes",
        "SET a 5",
        "CONFIG GET stop-writes-on-bgsave-error",
    ]);
    set_save(&mut p, "");
    p.run(&["SET a 6"]);
    set_save(&mut p, "3600 1");
    p.run(&["SET a 7"]);
    // A successful SAVE lifts it, as does a successful BGSAVE.
    repair_saving(&p);
    p.run(&["SAVE", "SET a 8", "GET a"]);
    break_saving(&p);
    p.run(&["BGSAVE"]);
    wait_bgsave(&p, "err");
    p.run(&["SET a 9"]);
    repair_saving(&p);
    p.run(&["BGSAVE"]);
    wait_bgsave(&p, "ok");
    p.run(&["SET a 10", "GET a", "CONFIG SET stop-writes-on-bgsave-error maybe"]);
}
