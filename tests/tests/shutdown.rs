//! Stopping the server: SHUTDOWN, SIGTERM and SIGINT end it cleanly (exit
//! status 0), as in Redis.

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
