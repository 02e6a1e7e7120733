//! Every way an UPGRADE can be refused: the reply names the cause, the old
//! version goes on serving with its state, nothing of the refused library
//! stays mapped or on disk, and a later UPGRADE still works.

use hotkv_abi::{ABI_VERSION, LAYOUT_VERSION};
use hotkv_tests::hotswap::*;
use hotkv_tests::*;
use std::path::Path;

/// Starts a server, asks it to upgrade to `path` and checks the refusal.
fn assert_refused(path: &Path, causes: &[&str]) {
    let p = start_hotkv(&[]);
    let mut con = p.client();
    redis::cmd("SET").arg("before").arg("kept").query::<()>(&mut con).unwrap();
    let (version, generation) = logic_version(&mut con);
    let running = info_field(&mut con, "logic", "logic_path");

    let err = upgrade_cmd(&mut con, &[path.to_str().unwrap()]).expect_err("the UPGRADE must be refused");
    assert!(err.starts_with("ERR UPGRADE failed: "), "{err}");
    for cause in causes {
        assert!(err.contains(cause), "the error should name the cause '{cause}': {err}");
    }
    assert!(err.ends_with(&format!("; still running {version}")), "{err}");

    // The old version serves, with its state and its identity.
    let v: String = redis::cmd("GET").arg("before").query(&mut con).unwrap();
    assert_eq!(v, "kept");
    assert_eq!(logic_version(&mut con), (version.clone(), generation));
    let logic = info(&mut con, "logic");
    assert_eq!(logic["logic_failed_upgrades"], "1");
    assert_eq!(logic["logic_upgrades"], "0");
    assert_eq!(logic["logic_upgrade_in_progress"], "0");
    assert_eq!(logic["logic_path"], running);
    // Nothing of the refused library is left mapped or copied.
    assert_eq!(p.mapped_logic_libraries(), vec![running.clone()]);
    let copies: Vec<_> = std::fs::read_dir(p.dir.path().join("logic")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(copies, vec![std::path::PathBuf::from(&running)], "the refused copy must be removed");

    // The refusal left nothing stuck: the same server still upgrades.
    let reply = upgrade(&mut con, &default_logic());
    assert!(reply.starts_with(&format!("OK upgraded {version} -> {version} ")), "{reply}");
    assert_eq!(logic_version(&mut con), (version, generation + 1));
    let v: String = redis::cmd("GET").arg("before").query(&mut con).unwrap();
    assert_eq!(v, "kept");
}

#[test]
fn missing_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert_refused(&dir.path().join("no-such-library.so"), &["cannot open", "no-such-library.so", "No such file"]);
}

#[test]
fn a_file_that_is_no_library_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.so");
    std::fs::write(&path, "this is a text file, not a shared library\n").unwrap();
    assert_refused(&path, &["notes.so", "not a shared library"]);
}

#[test]
fn an_elf_without_the_entry_symbol_is_refused() {
    assert_refused(&faulty_logic("no-entry"), &["not a hotkv logic library", "no symbol 'hotkv_logic_entry'"]);
}

#[test]
fn a_library_of_another_abi_is_refused() {
    let has = format!("library has ABI version {}", ABI_VERSION + 1);
    let needs = format!("this server needs version {ABI_VERSION}");
    assert_refused(&faulty_logic("wrong-abi"), &["ABI mismatch", &has, &needs]);
}

#[test]
fn a_library_with_another_layout_fingerprint_is_refused() {
    assert_refused(&faulty_logic("wrong-layout"), &["layout mismatch", "fingerprint"]);
}

#[test]
fn a_library_that_cannot_adopt_the_state_layout_is_refused() {
    let reads = format!("reads state layouts {0}..={0}", LAYOUT_VERSION + 1);
    let has = format!("the state has layout {LAYOUT_VERSION}");
    assert_refused(&faulty_logic("future-layout"), &["layout mismatch", &reads, &has]);
}

#[test]
fn a_library_whose_init_fails_is_refused() {
    assert_refused(&faulty_logic("init-fails"), &["init failed: faulty-logic: init refuses on purpose"]);
}

#[test]
fn a_library_whose_init_panics_is_refused() {
    assert_refused(&faulty_logic("init-panics"), &["init panicked: faulty-logic: init panics on purpose"]);
}
