//! Loading a logic library: private copy, `dlopen`, entry symbol, ABI check.
//!
//! Every version is loaded from a copy of its own at a path that is never
//! reused (`<dir>/logic/gen-<n>-<hash>.so`), written to a temporary name,
//! fsynced and renamed into place. This is what HOTSWAP-RULES 1 and 5 demand:
//! overwriting a mapped `.so` crashes the process, and `dlopen` of a path or
//! inode that is already loaded silently returns the old code.

use hotkv_abi::host::StrRef;
use hotkv_abi::logic::{EntryFn, LogicApi, ENTRY_SYMBOL};
use hotkv_abi::{ABI_FINGERPRINT, ABI_VERSION};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A library that passed every check that does not involve the state.
pub struct Candidate {
    /// Held for its `Drop`, which `dlclose`s the library; `api` points into it.
    _lib: libloading::Library,
    pub api: *const LogicApi,
    pub copy_path: PathBuf,
    pub source_path: PathBuf,
    /// Copied out of the library (HOTSWAP-RULES 2: nothing may point into it).
    pub version: String,
    pub build_id: String,
}

// SAFETY: `api` points at the library's immutable static table, valid while
// `lib` is loaded; the candidate moves from the staging thread to the loop
// thread once and is never shared.
unsafe impl Send for Candidate {}

impl Candidate {
    pub fn api(&self) -> &LogicApi {
        // SAFETY: `lib` is loaded for as long as `self` lives.
        unsafe { &*self.api }
    }
}

/// The highest generation number handed out by this process.
static LAST_GENERATION: AtomicU64 = AtomicU64::new(0);

/// Next unused generation number: above any copy in `logic_dir` (so copies
/// from earlier runs are never overwritten) and above any number this
/// process handed out, even for a copy since deleted (so no path is ever
/// reused: glibc would answer a reused path with a library still loaded).
fn next_generation(logic_dir: &Path) -> u64 {
    let mut on_disk = 0;
    if let Ok(rd) = fs::read_dir(logic_dir) {
        for e in rd.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if let Some(n) = name.strip_prefix("gen-").and_then(|r| r.split('-').next()).and_then(|n| n.parse::<u64>().ok()) {
                on_disk = on_disk.max(n);
            }
        }
    }
    LAST_GENERATION.fetch_max(on_disk, Ordering::SeqCst);
    LAST_GENERATION.fetch_add(1, Ordering::SeqCst) + 1
}

/// Copies `source` to a fresh private path in `logic_dir`, returning it.
/// Also checks it is an ELF file, so "not a library" has a clear message.
fn private_copy(source: &Path, logic_dir: &Path) -> Result<PathBuf, String> {
    let file = fs::File::open(source).map_err(|e| format!("cannot open '{}': {e}", source.display()))?;
    if !file.metadata().map(|m| m.is_file()).unwrap_or(false) {
        return Err(format!("'{}' is not a regular file", source.display()));
    }
    // SAFETY: a read-only private mapping; if another process truncates the
    // file while we copy, we may read garbage, which the ELF check or dlopen
    // then rejects (we never execute from this mapping).
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| format!("cannot read '{}': {e}", source.display()))?;
    if map.len() < 4 || &map[..4] != b"\x7fELF" {
        return Err(format!("'{}' is not a shared library (no ELF header)", source.display()));
    }
    let hash = hotkv_abi::hash::hash_bytes(0, &map);
    fs::create_dir_all(logic_dir).map_err(|e| format!("cannot create '{}': {e}", logic_dir.display()))?;
    let gen = next_generation(logic_dir);
    let dest = logic_dir.join(format!("gen-{gen}-{hash:016x}.so"));
    let tmp = logic_dir.join(format!(".gen-{gen}-{hash:016x}.so.tmp"));
    let write = || -> std::io::Result<()> {
        let mut out = fs::File::create(&tmp)?;
        out.write_all(&map)?;
        out.sync_all()?;
        fs::rename(&tmp, &dest)?;
        fs::File::open(logic_dir)?.sync_all()
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        format!("cannot copy '{}' to '{}': {e}", source.display(), dest.display())
    })?;
    Ok(dest)
}

fn owned(s: StrRef) -> String {
    // SAFETY: the table's strings are static data of the loaded library.
    String::from_utf8_lossy(unsafe { s.as_bytes() }).into_owned()
}

/// Copies, loads and checks a library. Runs off the event loop (it does file
/// I/O and fsync). On failure nothing stays loaded and the copy is removed.
pub fn load(source: &Path, logic_dir: &Path) -> Result<Candidate, String> {
    let copy_path = private_copy(source, logic_dir)?;
    let cleanup = |e: String| {
        let _ = fs::remove_file(&copy_path);
        e
    };
    // SAFETY: loading runs the library's ELF constructors. A logic library has
    // none of its own; a foreign library is the operator's choice to load.
    let lib = unsafe { libloading::Library::new(&copy_path) }
        .map_err(|e| cleanup(format!("'{}' cannot be loaded: {e}", source.display())))?;
    // SAFETY: the symbol's type is the contract's `EntryFn`; a library that
    // exports the name with another type is not a logic library of any ABI.
    let api = unsafe {
        let entry: libloading::Symbol<EntryFn> = lib.get(ENTRY_SYMBOL).map_err(|_| {
            cleanup(format!(
                "'{}' is not a hotkv logic library: no symbol '{}'",
                source.display(),
                String::from_utf8_lossy(ENTRY_SYMBOL)
            ))
        })?;
        entry()
    };
    if api.is_null() {
        return Err(cleanup("the library's entry returned no table".into()));
    }
    // SAFETY: non-null pointer to the library's static table; only its first
    // fields are read before the ABI version is known to match.
    let (abi_version, abi_fp) = unsafe { ((*api).abi_version, (*api).abi_fingerprint) };
    if abi_version != ABI_VERSION || abi_fp != ABI_FINGERPRINT {
        drop(lib);
        return Err(cleanup(format!(
            "ABI mismatch: library has ABI version {abi_version} (fingerprint {abi_fp:016x}), \
             this server needs version {ABI_VERSION} (fingerprint {ABI_FINGERPRINT:016x})"
        )));
    }
    // SAFETY: same ABI: the whole table has the layout we know.
    let (version, build_id) = unsafe { (owned((*api).version), owned((*api).build_id)) };
    let source_path = fs::canonicalize(source).unwrap_or_else(|_| source.to_path_buf());
    Ok(Candidate { _lib: lib, api, copy_path, source_path, version, build_id })
}
