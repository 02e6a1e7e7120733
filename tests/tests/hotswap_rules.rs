//! One test per rule of /work/shared/HOTSWAP-RULES.md (numbered as there),
//! each against the real server and real builds of the logic library.

use hotkv_tests::hotswap::*;
use hotkv_tests::*;
use std::os::unix::fs::MetadataExt;
use std::time::Duration;

const V3: &str = "0.3.0-test";

fn set(con: &mut redis::Connection, k: &str, v: &str) {
    let () = redis::cmd("SET").arg(k).arg(v).query(con).unwrap();
}

fn get(con: &mut redis::Connection, k: &str) -> Option<String> {
    redis::cmd("GET").arg(k).query(con).unwrap()
}

/// DEBUG PANIC must answer with an error that carries the panic message.
fn debug_panic(con: &mut redis::Connection) {
    let e = redis::cmd("DEBUG").arg("PANIC").query::<redis::Value>(con).expect_err("DEBUG PANIC must fail");
    assert!(e.detail().unwrap_or("").contains("DEBUG PANIC requested"), "{e}");
}

/// The server answers commands that touch its state and its code.
fn serves(con: &mut redis::Connection, tag: &str) {
    set(con, &format!("probe:{tag}"), tag);
    assert_eq!(get(con, &format!("probe:{tag}")).as_deref(), Some(tag));
    let echo: String = redis::cmd("ECHO").arg(tag).query(con).unwrap();
    assert_eq!(echo, tag);
    let _ = info(con, "all");
}

/// A server upgraded to a copy of the `V2` build placed at an operator's
/// path (`<tempdir>/libhotkv_logic.so`), which the caller then changes.
fn upgraded_from_own_path() -> (Proc, redis::Connection, tempfile::TempDir, std::path::PathBuf) {
    let v2 = logic_variant(V2);
    let p = start_hotkv(&[]);
    let mut con = p.client();
    let src_dir = tempfile::tempdir().unwrap();
    let src = src_dir.path().join("libhotkv_logic.so");
    copy_atomically(&v2, &src);
    upgrade(&mut con, &src);
    assert_eq!(logic_version(&mut con), (V2.to_string(), 2));
    (p, con, src_dir, src)
}

/// Rule 1: The operator overwrites the very file the server was upgraded from,
/// in place (same inode, as `cp` does): the server loaded a private copy, so
/// it goes on serving, and the next UPGRADE from that path runs the new bytes.
#[test]
fn rule1_overwriting_the_source_in_place_does_not_touch_the_running_copy() {
    let (_p, mut con, _src_dir, src) = upgraded_from_own_path();
    set(&mut con, "k", "v");
    let inode = std::fs::metadata(&src).unwrap().ino();

    std::fs::copy(default_logic(), &src).unwrap();
    assert_eq!(std::fs::metadata(&src).unwrap().ino(), inode, "the test must write into the same inode");

    for i in 0..20 {
        serves(&mut con, &format!("after-overwrite-{i}"));
    }
    debug_panic(&mut con);
    assert_eq!(get(&mut con, "k").as_deref(), Some("v"));
    assert_eq!(logic_version(&mut con), (V2.to_string(), 2));

    let reply = upgrade(&mut con, &src);
    assert!(reply.starts_with(&format!("OK upgraded {V2} -> {DEFAULT_VERSION} ")), "{reply}");
    assert_eq!(logic_version(&mut con), (DEFAULT_VERSION.to_string(), 3));
    assert_eq!(get(&mut con, "k").as_deref(), Some("v"));
}

/// Rules 2 and 6: Once a version is swapped out, nothing pins its library: its
/// private copy is gone from the process's mappings, also after a panic was
/// caught in it (the panic machinery must not register TLS destructors).
#[test]
fn rule2_rule6_a_swapped_out_version_is_unmapped_even_after_a_panic() {
    let v2 = logic_variant(V2);
    let p = start_hotkv(&[]);
    let mut con = p.client();
    let path_of = |con: &mut redis::Connection| info_field(con, "logic", "logic_path");
    let first = path_of(&mut con);
    assert_eq!(p.mapped_logic_libraries(), vec![first.clone()]);
    serves(&mut con, "v1");
    debug_panic(&mut con);

    upgrade(&mut con, &v2);
    let second = path_of(&mut con);
    assert_ne!(first, second);
    assert_eq!(p.mapped_logic_libraries(), vec![second.clone()], "v1's copy {first} must be unmapped");
    serves(&mut con, "v2");
    debug_panic(&mut con);

    let reply = upgrade_cmd(&mut con, &["ROLLBACK"]).unwrap();
    assert!(reply.starts_with(&format!("OK upgraded {V2} -> {DEFAULT_VERSION} ")), "{reply}");
    let third = path_of(&mut con);
    assert_eq!(p.mapped_logic_libraries(), vec![third], "v2's copy {second} must be unmapped");
    serves(&mut con, "v1-again");
}

/// Rule 3: No logic code runs when its library goes away: the logic starts no
/// thread, and the shell's staging threads are gone after each upgrade. (The
/// shell's background job thread runs a swapped-out library's `unload`
/// before it `dlclose`s it, on that same thread.)
#[test]
fn rule3_thread_count_returns_to_baseline_after_upgrades() {
    let v2 = logic_variant(V2);
    let p = start_hotkv(&[]);
    let mut con = p.client();
    serves(&mut con, "start");
    let baseline = threads(&p);
    assert_eq!(baseline, 2, "between upgrades the server runs its loop and its background job thread");
    for i in 0..6 {
        let target = if i % 2 == 0 { v2.clone() } else { default_logic() };
        upgrade(&mut con, &target);
        serves(&mut con, &format!("round-{i}"));
        let back = wait_until(Duration::from_secs(20), || threads(&p) == baseline);
        assert!(back, "after upgrade {i}: {} threads, baseline {baseline}", threads(&p));
    }
}

/// Rule 4: A panic never crosses `extern "C"`: in a command it becomes an error
/// reply and the server keeps serving (a panic in `init` is a refused
/// upgrade: see upgrade_failures.rs).
#[test]
fn rule4_a_panic_in_a_command_is_an_error_reply() {
    let mut p = start_hotkv(&[]);
    let mut con = p.client();
    set(&mut con, "k", "v");
    let errors = |con: &mut redis::Connection| info_field(con, "stats", "total_error_replies").parse::<u64>().unwrap();
    let errors_before = errors(&mut con);
    for i in 0..10 {
        debug_panic(&mut con);
        serves(&mut con, &format!("after-panic-{i}"));
    }
    assert_eq!(get(&mut con, "k").as_deref(), Some("v"));
    assert!(p.alive());
    assert_eq!(errors(&mut con) - errors_before, 10);
    // The panicking connection itself is not dropped, and others are fine.
    let mut other = p.client();
    serves(&mut other, "other");
}

/// Rule 5: Each version loads from a copy of its own: replacing the source file
/// by rename and upgrading from the same path runs the new build, and even
/// the same build upgraded twice is loaded from a new copy each time.
#[test]
fn rule5_upgrading_twice_from_one_path_runs_the_new_build() {
    let v3 = logic_variant(V3);
    let (p, mut con, _src_dir, src) = upgraded_from_own_path();
    copy_atomically(&v3, &src);
    let reply = upgrade(&mut con, &src);
    assert!(reply.starts_with(&format!("OK upgraded {V2} -> {V3} ")), "{reply}");
    assert_eq!(logic_version(&mut con), (V3.to_string(), 3));
    serves(&mut con, "v3");

    // The same bytes again: a new private copy, mapped instead of the old one.
    let before = info_field(&mut con, "logic", "logic_path");
    upgrade(&mut con, &src);
    let after = info_field(&mut con, "logic", "logic_path");
    assert_ne!(before, after);
    assert_eq!(p.mapped_logic_libraries(), vec![after]);
    assert_eq!(logic_version(&mut con), (V3.to_string(), 4));
    serves(&mut con, "v3-again");
}

/// Rule 7: With RUST_BACKTRACE=1, a caught panic must not make the backtrace
/// symbolizer map and cache the library's debug info (31 MB per panic).
/// The quiet hook stays in place after an upgrade: the old version's
/// `unload`, run on the shell's background thread after the new version's
/// `init`, takes down its own hook (each library has its own copy of std's
/// hook), never the new one's.
#[test]
fn rule7_panics_with_rust_backtrace_do_not_grow_rss() {
    let v2 = logic_variant(V2);
    let p = start_hotkv_env(&[], &[("RUST_BACKTRACE", "1")]);
    let mut con = p.client();
    serves(&mut con, "warm-up");
    // Measured before the first panic: the symbolizer's cache is filled once.
    let before = rss_kb(&p);
    for i in 0..50 {
        debug_panic(&mut con);
        if i % 10 == 0 {
            serves(&mut con, "between-panics");
        }
    }
    let after = rss_kb(&p);
    assert!(after < before + 4 * 1024, "RSS grew from {before} kB to {after} kB over 50 panics");

    upgrade(&mut con, &v2);
    assert_eq!(p.mapped_logic_libraries().len(), 1, "the old version is unloaded");
    debug_panic(&mut con);
    // 51 lines from the quiet hooks (`panic at <file>:<line>: <message>`),
    // none from the default one (`panicked at`, a backtrace).
    let quiet = |p: &Proc| p.log().lines().filter(|l| l.contains("] panic at ") && l.contains("DEBUG PANIC requested")).count();
    assert!(wait_until(Duration::from_secs(10), || quiet(&p) == 51), "{} quiet panic lines:\n{}", quiet(&p), p.log());
    let log = p.log();
    assert!(!log.contains("stack backtrace") && !log.contains("panicked at"), "the default hook ran:\n{log}");
}

/// Rule 8: Output of the logic goes through the shell's logger to its stderr, in
/// every version.
#[test]
fn rule8_logic_log_lines_reach_the_shell_stderr() {
    let v2 = logic_variant(V2);
    let mut p = start_hotkv(&[]);
    let mut con = p.client();
    let count = |p: &Proc| p.log().matches("DEBUG PANIC requested").count();
    debug_panic(&mut con);
    assert!(wait_until(Duration::from_secs(10), || count(&p) == 1), "no panic line from v1:\n{}", p.log());
    upgrade(&mut con, &v2);
    debug_panic(&mut con);
    assert!(wait_until(Duration::from_secs(10), || count(&p) == 2), "no panic line from v2:\n{}", p.log());

    let _ = redis::cmd("SHUTDOWN").query::<redis::Value>(&mut con);
    let exited = wait_until(Duration::from_secs(20), || !p.alive());
    assert!(exited, "SHUTDOWN did not stop the server");
    assert!(p.child.wait().unwrap().success());
    assert!(p.log().contains("User requested shutdown..."), "no shutdown line from the logic:\n{}", p.log());
}

/// Rule 9: One allocator: memory allocated by one version and freed by the next
/// is returned, and `used_memory` (the shell's counter) falls back.
#[test]
fn rule9_memory_allocated_by_one_version_is_freed_by_the_next() {
    const N: usize = 2000;
    let v2 = logic_variant(V2);
    let p = start_hotkv(&[]);
    let mut con = p.client();
    let base = used_memory(&mut con);
    let big = "x".repeat(8 * 1024);
    let mut pipe = redis::pipe();
    for i in 0..N {
        pipe.cmd("SET").arg(format!("big:{i}")).arg(&big).ignore();
    }
    pipe.query::<()>(&mut con).unwrap();
    let full = used_memory(&mut con);
    assert!(full > base + (N * big.len()) as u64, "used_memory {base} -> {full} after {N} values");

    upgrade(&mut con, &v2);
    // Half the values are overwritten with small ones, half expire and are
    // deleted on access: both free in v2 what v1 allocated.
    let mut pipe = redis::pipe();
    for i in 0..N {
        let cmd = pipe.cmd("SET").arg(format!("big:{i}")).arg("s");
        if i % 2 == 1 {
            cmd.arg("PX").arg(1);
        }
        cmd.ignore();
    }
    pipe.query::<()>(&mut con).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    for i in (1..N).step_by(2) {
        assert_eq!(get(&mut con, &format!("big:{i}")), None);
    }
    assert_eq!(get(&mut con, "big:0").as_deref(), Some("s"));
    let after = used_memory(&mut con);
    assert!(after < base + 1024 * 1024, "used_memory {base} at start, {full} full, {after} after freeing in v2");
}

/// Rule 10: A logic library exports exactly one dynamic symbol.
#[test]
fn rule10_the_logic_library_exports_only_its_entry() {
    let out = std::process::Command::new("nm").arg("-D").arg("--defined-only").arg(default_logic()).output().expect("nm");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = text.lines().filter_map(|l| l.split_whitespace().last()).collect();
    assert_eq!(names, vec!["hotkv_logic_entry"], "nm -D --defined-only:\n{text}");
}
