//! Stamps the library with its version string and a build id.
//! `HOTKV_LOGIC_VERSION` overrides the version (tests build a second library
//! from the same source with another version to upgrade to).
//! `HOTKV_MAXCLIENTS_LIMIT` sets the upper bound of `maxclients`.
use std::time::{SystemTime, UNIX_EPOCH};

fn main() {
    println!("cargo:rerun-if-env-changed=HOTKV_LOGIC_VERSION");
    println!("cargo:rerun-if-env-changed=HOTKV_MAXCLIENTS_LIMIT");
    // The upper bound of `maxclients` (config.rs, MAXCLIENTS_LIMIT): a real
    // setting bound, chosen at build time. Tests use it to build a library
    // that refuses a value an older version accepted.
    let limit = std::env::var("HOTKV_MAXCLIENTS_LIMIT").unwrap_or_else(|_| u32::MAX.to_string());
    match limit.parse::<u32>() {
        Ok(n) if n >= 10000 => {}
        _ => panic!("HOTKV_MAXCLIENTS_LIMIT must be an integer from 10000 (the default maxclients) to {}", u32::MAX),
    }
    println!("cargo:rustc-env=HOTKV_MAXCLIENTS_LIMIT={limit}");
    println!("cargo:rerun-if-changed=src");
    let version = std::env::var("HOTKV_LOGIC_VERSION").unwrap_or_else(|_| std::env::var("CARGO_PKG_VERSION").unwrap());
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    println!("cargo:rustc-env=HOTKV_VERSION={version}");
    println!("cargo:rustc-env=HOTKV_BUILD_ID={:016x}", (nanos as u64) ^ ((nanos >> 64) as u64));
}
