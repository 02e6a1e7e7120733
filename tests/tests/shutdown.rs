//! Stopping the server: SHUTDOWN, SIGTERM and SIGINT end it cleanly (exit
//! status 0), as in Redis.

use hotkv_tests::diff::{exact, words, Pair, R};
use hotkv_tests::*;
use std::time::Duration;

fn wait_exit(p: &mut Proc) -> Option<std::process::ExitStatus> {
    let mut status = None;
    wait_until(Duration::from_secs(10), || {
        status = p.child.try_wait().unwrap();
        status.is_some()
    });
    status
}

#[test]
fn shutdown_command_exits_cleanly() {
    let mut p = start_hotkv(&[]);
    let out = p.cli(&["shutdown", "nosave"]);
    assert_eq!(out.trim(), "", "SHUTDOWN answers nothing on success");
    let st = wait_exit(&mut p).expect("server still running after SHUTDOWN");
    assert!(st.success(), "{st:?}");
}

#[test]
fn sigterm_and_sigint_shut_down_cleanly() {
    for sig in [nix::sys::signal::Signal::SIGTERM, nix::sys::signal::Signal::SIGINT] {
        let mut p = start_hotkv(&[]);
        assert_eq!(p.cli(&["set", "k", "v"]).trim(), "OK");
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(p.pid() as i32), sig).unwrap();
        let st = wait_exit(&mut p).unwrap_or_else(|| panic!("server still running after {sig}"));
        assert!(st.success(), "{sig}: {st:?}");
        assert!(p.log().contains("received a shutdown signal"), "{}", p.log());
    }
}

/// Makes saving fail on a running server, as root too (chmod would not
/// stop root): `dump.rdb` becomes a non-empty directory, so renaming the
/// temp file over it fails (EISDIR), in Redis as in hotkv.
fn break_saving(dir: &std::path::Path) {
    std::fs::create_dir_all(dir.join("dump.rdb").join("x")).unwrap();
}

#[test]
fn shutdown_arguments_and_abort_as_redis() {
    let mut p = Pair::start(|_, r| r, exact);
    p.run(&[
        "SHUTDOWN foo",
        "SHUTDOWN ABORT",
        "shutdown abort",
        "SHUTDOWN ABORT NOW",
        "SHUTDOWN NOW ABORT",
        "SHUTDOWN ABORT FORCE",
        "SHUTDOWN SAVE NOSAVE",
        "SHUTDOWN NOSAVE SAVE",
        "SHUTDOWN NOW foo",
        "SHUTDOWN foo ABORT",
        "MULTI",
        "SHUTDOWN",
        "EXEC",
        "PING",
    ]);
    assert!(p.hk.alive() && p.rd.alive());
}

#[test]
fn failed_save_keeps_the_server_running_unless_force() {
    let mut p = Pair::start(|_, r| r, exact);
    p.run(&["SET k v"]);
    break_saving(p.hk.dir.path());
    break_saving(p.rd.dir.path());
    for line in ["SHUTDOWN SAVE", "SHUTDOWN SAVE NOW", "SHUTDOWN NOW SAVE"] {
        let r = p.check(&words(line));
        assert_eq!(r, R::Err(b"ERR Errors trying to SHUTDOWN. Check logs.".to_vec()), "{line}");
    }
    // With save points, a plain SHUTDOWN saves too, and fails the same way.
    p.run_args(&[&[b"CONFIG", b"SET", b"save", b"3600 1"]]);
    p.run(&["SHUTDOWN", "GET k"]);
    assert!(p.hk.alive() && p.rd.alive());
    assert!(p.hk.log().contains("Error trying to save the DB, can't exit."), "{}", p.hk.log());
    // NOSAVE does not save; FORCE exits although the save fails.
    for (line, srv) in [("SHUTDOWN SAVE FORCE NOW", &mut p.hk), ("SHUTDOWN FORCE SAVE", &mut p.rd)] {
        let args: Vec<&str> = line.split(' ').collect();
        assert_eq!(srv.cli(&args).trim(), "", "{line}");
        let st = wait_exit(srv).unwrap_or_else(|| panic!("still running after {line}"));
        assert!(st.success(), "{line}: {st:?}");
    }
    assert!(p.hk.log().contains("Error trying to save the DB. Exit anyway."), "{}", p.hk.log());
}

/// SIGTERM with save points saves first; when that save fails the server
/// keeps running, as Redis 7.0 does, and the next SIGTERM tries again.
#[test]
fn sigterm_with_a_failing_save_keeps_running_until_it_can_save() {
    let mut hk = start_hotkv(&["--save", "3600 1"]);
    assert_eq!(hk.cli(&["set", "k", "v"]).trim(), "OK");
    break_saving(hk.dir.path());
    let term = |hk: &Proc| nix::sys::signal::kill(nix::unistd::Pid::from_raw(hk.pid() as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
    term(&hk);
    assert!(wait_until(Duration::from_secs(10), || hk.log().contains("Errors trying to shut down the server")), "{}", hk.log());
    assert!(hk.alive(), "exited although the final save failed");
    assert_eq!(hk.cli(&["get", "k"]).trim(), "v");
    std::fs::remove_dir_all(hk.dir.path().join("dump.rdb")).unwrap();
    term(&hk);
    let st = wait_exit(&mut hk).expect("still running after the second SIGTERM");
    assert!(st.success(), "{st:?}");
    assert!(hk.dir.path().join("dump.rdb").is_file(), "the final save was not written");
}

#[test]
fn shutdown_kills_a_running_bgsave_and_removes_its_temp_file() {
    let mut hk = start_hotkv(&[]);
    let mut con = hk.client();
    let mut pipe = redis::pipe();
    for i in 0..200 {
        pipe.cmd("SET").arg(format!("key:{i}")).arg(i).ignore();
    }
    let _: () = pipe.query(&mut con).unwrap();
    // 200 keys at 100 ms each: the child is still writing at the SHUTDOWN.
    let _: () = redis::cmd("CONFIG").arg("SET").arg("rdb-key-save-delay").arg(100_000).query(&mut con).unwrap();
    let r: String = redis::cmd("BGSAVE").query(&mut con).unwrap();
    assert_eq!(r, "Background saving started");
    let temp = |dir: &std::path::Path| std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()).any(|e| e.file_name().to_string_lossy().starts_with("temp-"));
    assert!(wait_until(Duration::from_secs(10), || temp(hk.dir.path())), "no temp file written");
    assert_eq!(hk.cli(&["shutdown", "nosave", "now"]).trim(), "");
    let st = wait_exit(&mut hk).expect("server still running after SHUTDOWN");
    assert!(st.success(), "{st:?}");
    assert!(!temp(hk.dir.path()), "temp file left behind");
    assert!(!hk.dir.path().join("dump.rdb").exists(), "NOSAVE saved");
    let log = hk.log();
    assert!(log.contains("There is a child saving an .rdb. Killing it!"), "{log}");
}
