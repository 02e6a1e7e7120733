//! Stamps the library with its version string and a build id.
//! `HOTKV_LOGIC_VERSION` overrides the version (tests build a second library
//! from the same source with another version to upgrade to).
use std::time::{SystemTime, UNIX_EPOCH};

fn main() {
    println!("cargo:rerun-if-env-changed=HOTKV_LOGIC_VERSION");
    println!("cargo:rerun-if-changed=src");
    let version = std::env::var("HOTKV_LOGIC_VERSION").unwrap_or_else(|_| std::env::var("CARGO_PKG_VERSION").unwrap());
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    println!("cargo:rustc-env=HOTKV_VERSION={version}");
    println!("cargo:rustc-env=HOTKV_BUILD_ID={:016x}", (nanos as u64) ^ ((nanos >> 64) as u64));
}
