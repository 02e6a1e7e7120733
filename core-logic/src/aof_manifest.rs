//! The manifest of Redis 7.0's multi-part append-only file (`aof.c`:
//! `aofInfo`, `aofManifest`, `aofLoadManifestFromFile`,
//! `getAofManifestAsString`, `persistAofManifest` and the file name
//! helpers). The directory `appenddirname` holds one base file (an RDB or
//! commands), incr files of commands in order, history files waiting to be
//! deleted, and `<appendfilename>.manifest` listing them, one line each:
//! `file appendonly.aof.2.base.rdb seq 2 type b`.
//!
//! The text read and written is byte-identical to Redis's, so a directory
//! moves between Redis and hotkv in both directions.

use crate::util::ReplaceStep;
use std::io::Write;
use std::path::Path;

/// What a file of the manifest is (Redis's `AOF_FILE_TYPE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Base,
    Incr,
    History,
}

impl FileType {
    /// The letter in the manifest's `type` field.
    fn letter(self) -> char {
        match self {
            FileType::Base => 'b',
            FileType::Incr => 'i',
            FileType::History => 'h',
        }
    }
}

/// One line of the manifest (Redis's `aofInfo`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AofInfo {
    pub name: String,
    pub seq: i64,
    pub kind: FileType,
}

/// The files of the AOF (Redis's `aofManifest`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    pub base: Option<AofInfo>,
    /// Incr files, oldest first: loaded in this order.
    pub incr: Vec<AofInfo>,
    /// Files replaced by a rewrite, to be deleted.
    pub history: Vec<AofInfo>,
    /// The sequence of the current base (the next base gets one more).
    pub base_seq: i64,
    /// The sequence of the last incr (the next incr gets one more).
    pub incr_seq: i64,
    /// Changed since last persisted.
    pub dirty: bool,
}

/// Why a manifest was refused: Redis's reason, and the line it was at when
/// one was read (Redis prints both before exiting).
#[derive(Debug, PartialEq, Eq)]
pub struct ManifestError {
    pub line: Option<(usize, String)>,
    pub reason: &'static str,
}

impl std::fmt::Display for ManifestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "*** FATAL AOF MANIFEST FILE ERROR ***")?;
        if let Some((n, line)) = &self.line {
            writeln!(f, "Reading the manifest file, at line {n}")?;
            writeln!(f, ">>> '{line}'")?;
        }
        write!(f, "{}", self.reason)
    }
}

/// Redis reads the manifest with `fgets` into a buffer of this many bytes
/// (plus the NUL): a longer line is refused.
const MANIFEST_MAX_LINE: usize = 1024;

/// `<appendfilename>.<seq>.base.rdb` (or `.base.aof` without an RDB preamble).
pub fn base_name(appendfilename: &str, seq: i64, rdb_preamble: bool) -> String {
    format!("{appendfilename}.{seq}.base.{}", if rdb_preamble { "rdb" } else { "aof" })
}

/// `<appendfilename>.<seq>.incr.aof`.
pub fn incr_name(appendfilename: &str, seq: i64) -> String {
    format!("{appendfilename}.{seq}.incr.aof")
}

/// `<appendfilename>.manifest`.
pub fn manifest_name(appendfilename: &str) -> String {
    format!("{appendfilename}.manifest")
}

/// `temp-<appendfilename>.manifest`: written, then renamed over the manifest.
pub fn temp_manifest_name(appendfilename: &str) -> String {
    format!("temp-{appendfilename}.manifest")
}

/// `temp-<appendfilename>.incr`: the incr file a rewrite's parent writes
/// while the manifest is not yet switched (Redis's `getTempIncrAofName`).
pub fn temp_incr_name(appendfilename: &str) -> String {
    format!("temp-{appendfilename}.incr")
}

/// C's `atoll`: leading spaces, a sign, digits up to the first non-digit
/// (saturating as glibc's `strtoll`); 0 when there are none.
pub fn atoll(s: &[u8]) -> i64 {
    let mut i = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut v: i64 = 0;
    for &b in s[i..].iter().take_while(|b| b.is_ascii_digit()) {
        let d = i64::from(b - b'0');
        v = if neg { v.saturating_mul(10).saturating_sub(d) } else { v.saturating_mul(10).saturating_add(d) };
    }
    v
}

/// A file name as the manifest writes it: as is, or quoted when Redis's
/// `sdsneedsrepr` says so (spaces, quotes, backslashes, control or
/// non-ASCII bytes).
fn repr(name: &str) -> String {
    if name.bytes().any(|b| matches!(b, b'\\' | b'"') || !(0x21..=0x7e).contains(&b)) {
        crate::util::repr(name.as_bytes())
    } else {
        name.to_string()
    }
}

impl Manifest {
    /// Parses a manifest's text as Redis's `aofLoadManifestFromFile`: `#`
    /// lines skipped, pairs of `key value` with unknown keys ignored (at
    /// least three pairs), `file`, `seq` and `type` required, one base at
    /// most, incr sequences increasing.
    pub fn parse(text: &[u8]) -> Result<Manifest, ManifestError> {
        let mut am = Manifest::default();
        let mut maxseq = 0;
        let (mut rest, mut linenum) = (text, 0usize);
        let fail = |line: Option<(usize, String)>, reason| Err(ManifestError { line, reason });
        loop {
            if rest.is_empty() {
                if linenum == 0 {
                    return fail(None, "Found an empty AOF manifest");
                }
                return Ok(am);
            }
            // One `fgets`: up to and with the newline, at most MANIFEST_MAX_LINE bytes.
            let take = rest.iter().take(MANIFEST_MAX_LINE).position(|&b| b == b'\n').map_or(rest.len().min(MANIFEST_MAX_LINE), |p| p + 1);
            let (buf, next) = rest.split_at(take);
            rest = next;
            linenum += 1;
            if buf[0] == b'#' {
                continue;
            }
            if !buf.contains(&b'\n') {
                return fail(None, "The AOF manifest file contains too long line");
            }
            let trimmed = trim(buf);
            let at = Some((linenum, String::from_utf8_lossy(trimmed).into_owned()));
            let invalid = "Invalid AOF manifest file format";
            if trimmed.is_empty() {
                return fail(at, invalid);
            }
            let argv = match hotkv_abi::text::split_args(trimmed) {
                Ok(a) if a.len() >= 6 && a.len() % 2 == 0 => a,
                _ => return fail(at, invalid),
            };
            let (mut name, mut seq, mut kind) = (None, 0, 0u8);
            for kv in argv.chunks(2) {
                if kv[0].eq_ignore_ascii_case(b"file") {
                    if kv[1].contains(&b'/') {
                        return fail(at, "File can't be a path, just a filename");
                    }
                    name = Some(kv[1].clone());
                } else if kv[0].eq_ignore_ascii_case(b"seq") {
                    seq = atoll(&kv[1]);
                } else if kv[0].eq_ignore_ascii_case(b"type") {
                    kind = kv[1].first().copied().unwrap_or(0);
                }
            }
            // Redis stops at the first NUL of a name: a name is a C string.
            let name = name.map(|n| n.split(|&b| b == 0).next().unwrap_or_default().to_vec());
            let (Some(name), true, true) = (name.filter(|n| !n.is_empty()), seq != 0, kind != 0) else {
                return fail(at, invalid);
            };
            let Ok(name) = String::from_utf8(name) else {
                return fail(at, invalid);
            };
            match kind {
                b'b' => {
                    if am.base.is_some() {
                        return fail(at, "Found duplicate base file information");
                    }
                    am.base = Some(AofInfo { name, seq, kind: FileType::Base });
                    am.base_seq = seq;
                }
                b'h' => am.history.push(AofInfo { name, seq, kind: FileType::History }),
                b'i' => {
                    if seq <= maxseq {
                        return fail(at, "Found a non-monotonic sequence number");
                    }
                    am.incr.push(AofInfo { name, seq, kind: FileType::Incr });
                    am.incr_seq = seq;
                    maxseq = seq;
                }
                _ => return fail(at, "Unknown AOF file type"),
            }
        }
    }

    /// The manifest's text as Redis's `getAofManifestAsString`: the base,
    /// then history files, then incr files.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for ai in self.base.iter().chain(&self.history).chain(&self.incr) {
            s.push_str(&format!("file {} seq {} type {}\n", repr(&ai.name), ai.seq, ai.kind.letter()));
        }
        s
    }

    /// Reads `<dir>/<appendfilename>.manifest` (Redis's
    /// `aofLoadManifestFromDisk`): an empty manifest when the directory or
    /// the file does not exist; an error (the text Redis logs before
    /// exiting) when it cannot be read or is invalid.
    pub fn load(dir: &Path, appendfilename: &str) -> Result<Manifest, String> {
        let path = dir.join(manifest_name(appendfilename));
        if !dir.is_dir() || !path.exists() {
            return Ok(Manifest::default());
        }
        let text = std::fs::read(&path).map_err(|e| format!("Fatal error: can't open the AOF manifest file {} for reading: {}", path.display(), crate::util::strerror(&e)))?;
        Manifest::parse(&text).map_err(|e| e.to_string())
    }

    /// The base file and incr files, in loading order.
    pub fn loaded_files(&self) -> impl Iterator<Item = &AofInfo> {
        self.base.iter().chain(&self.incr)
    }

}

/// What a rewrite does to the manifest (used by the AOF writer, aof.rs).
impl Manifest {
    /// Starts a new incr file, one sequence after the last (Redis's
    /// `getNewIncrAofName`); returns its name.
    pub fn new_incr(&mut self, appendfilename: &str) -> &str {
        self.incr_seq += 1;
        self.incr.push(AofInfo { name: incr_name(appendfilename, self.incr_seq), seq: self.incr_seq, kind: FileType::Incr });
        self.dirty = true;
        &self.incr.last().expect("just pushed").name
    }

    /// The incr file being appended to, if any (Redis's `getLastIncrAofName`
    /// without its side effect of creating one).
    pub fn last_incr(&self) -> Option<&str> {
        self.incr.last().map(|ai| ai.name.as_str())
    }

    /// Names a new base one sequence after the current one and marks the
    /// current base history (Redis's `getNewBaseFileNameAndMarkPreAsHistory`,
    /// what a finished rewrite does first); returns the new base's name.
    pub fn new_base(&mut self, appendfilename: &str, rdb_preamble: bool) -> &str {
        if let Some(mut old) = self.base.take() {
            old.kind = FileType::History;
            self.history.insert(0, old);
        }
        self.base_seq += 1;
        let name = base_name(appendfilename, self.base_seq, rdb_preamble);
        self.dirty = true;
        &self.base.insert(AofInfo { name, seq: self.base_seq, kind: FileType::Base }).name
    }

    /// Moves the incr files a rewrite replaced to history (Redis's
    /// `markRewrittenIncrAofAsHistory`): all of them, or all but the last
    /// when `keep_last` (AOF on: the last is the one being written).
    pub fn mark_rewritten_incr_as_history(&mut self, keep_last: bool) {
        if self.incr.is_empty() {
            return;
        }
        let keep = if keep_last { self.incr.split_off(self.incr.len() - 1) } else { Vec::new() };
        let old = std::mem::replace(&mut self.incr, keep);
        // Redis walks from the newest and adds each at the head: the
        // history ends up oldest first, ahead of what was there.
        let moved = old.into_iter().map(|ai| AofInfo { kind: FileType::History, ..ai });
        self.history.splice(0..0, moved);
        self.dirty = true;
    }

}

impl Manifest {
    /// Writes the manifest into `dir` when it changed (Redis's
    /// `persistAofManifest`): `temp-<appendfilename>.manifest`, fsync,
    /// rename, fsync of the directory. The error is Redis's log line.
    pub fn persist(&mut self, dir: &Path, appendfilename: &str) -> Result<(), String> {
        if !self.dirty {
            return Ok(());
        }
        let (name, tmp_name) = (manifest_name(appendfilename), temp_manifest_name(appendfilename));
        let (path, tmp) = (dir.join(&name), dir.join(&tmp_name));
        let text = self.to_text();
        crate::util::replace_file(&tmp, &path, |f| f.write_all(text.as_bytes())).map_err(|(step, x)| {
            let e = crate::util::strerror(&x);
            match step {
                ReplaceStep::Open => format!("Can't open the AOF manifest file {tmp_name}: {e}"),
                ReplaceStep::Write => format!("Error trying to write the temporary AOF manifest file {tmp_name}: {e}"),
                ReplaceStep::Fsync => format!("Fail to fsync the temp AOF file {tmp_name}: {e}."),
                ReplaceStep::Rename => format!("Error trying to rename the temporary AOF manifest file {tmp_name} into {name}: {e}"),
                ReplaceStep::DirFsync => format!("Fail to fsync AOF directory {}: {e}.", path.display()),
            }
        })?;
        self.dirty = false;
        Ok(())
    }
}

/// Redis's `sdstrim(line, " \t\r\n")`.
fn trim(mut s: &[u8]) -> &[u8] {
    let strip = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    while s.first().is_some_and(strip) {
        s = &s[1..];
    }
    while s.last().is_some_and(strip) {
        s = &s[..s.len() - 1];
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(text: &str) -> &'static str {
        Manifest::parse(text.as_bytes()).unwrap_err().reason
    }

    #[test]
    fn parses_and_formats_as_redis_writes() {
        // What redis-server 7.0.15 wrote after a BGREWRITEAOF.
        let text = "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n";
        let am = Manifest::parse(text.as_bytes()).unwrap();
        assert_eq!(am.base.as_ref().unwrap().name, "appendonly.aof.2.base.rdb");
        assert_eq!((am.base_seq, am.incr_seq, am.incr.len(), am.history.len()), (2, 2, 1, 0));
        assert_eq!(am.to_text(), text);
        let names: Vec<_> = am.loaded_files().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof"]);
    }

    #[test]
    fn order_comments_unknown_keys_and_quotes() {
        let text = "# comment\nfile h1 seq 1 type h\nfile \"a b\" seq 3 type i extra x\nTYPE b SEQ 1 FILE base\nfile 'c' seq 4 type i\n";
        let am = Manifest::parse(text.as_bytes()).unwrap();
        // Written back: base, history, incr; a name with a space quoted.
        assert_eq!(am.to_text(), "file base seq 1 type b\nfile h1 seq 1 type h\nfile \"a b\" seq 3 type i\nfile c seq 4 type i\n");
        assert_eq!(repr("x\"\\\t\x07\u{1}é"), "\"x\\\"\\\\\\t\\a\\x01\\xc3\\xa9\"");
        assert_eq!(repr("it's"), "it's");
    }

    #[test]
    fn refused_as_redis() {
        assert_eq!(reason(""), "Found an empty AOF manifest");
        assert_eq!(reason("file a seq 1 type b"), "The AOF manifest file contains too long line");
        assert_eq!(reason(&format!("file {} seq 1 type b\n", "x".repeat(1100))), "The AOF manifest file contains too long line");
        assert_eq!(reason("   \n"), "Invalid AOF manifest file format");
        assert_eq!(reason("file a seq 1\n"), "Invalid AOF manifest file format");
        assert_eq!(reason("file a seq 1 type b x\n"), "Invalid AOF manifest file format");
        assert_eq!(reason("file \"a seq 1 type b\n"), "Invalid AOF manifest file format");
        assert_eq!(reason("file a seq 0 type b\n"), "Invalid AOF manifest file format");
        assert_eq!(reason("file a seq x type b\n"), "Invalid AOF manifest file format");
        assert_eq!(reason("file a seq 1 type \"\"\n"), "Invalid AOF manifest file format");
        assert_eq!(reason("seq 1 type b x y\n"), "Invalid AOF manifest file format");
        assert_eq!(reason("file d/a seq 1 type b\n"), "File can't be a path, just a filename");
        assert_eq!(reason("file a seq 1 type b\nfile b seq 2 type b\n"), "Found duplicate base file information");
        assert_eq!(reason("file a seq 2 type i\nfile b seq 2 type i\n"), "Found a non-monotonic sequence number");
        assert_eq!(reason("file a seq 1 type x\n"), "Unknown AOF file type");
        let e = Manifest::parse(b"file a seq 1 type b\n file a seq 1 type z \n").unwrap_err();
        assert_eq!(e.to_string(), "*** FATAL AOF MANIFEST FILE ERROR ***\nReading the manifest file, at line 2\n>>> 'file a seq 1 type z'\nUnknown AOF file type");
        assert_eq!(atoll(b" -12x"), -12);
        assert_eq!(atoll(b"99999999999999999999"), i64::MAX);
    }

    #[test]
    fn rewrite_moves_files_to_history() {
        let mut am = Manifest::default();
        assert_eq!(am.new_base("appendonly.aof", true), "appendonly.aof.1.base.rdb");
        assert_eq!(am.new_incr("appendonly.aof"), "appendonly.aof.1.incr.aof");
        assert_eq!(am.new_incr("appendonly.aof"), "appendonly.aof.2.incr.aof");
        // A rewrite: a new incr for what comes during it, then the new base.
        am.new_incr("appendonly.aof");
        assert_eq!(am.new_base("appendonly.aof", false), "appendonly.aof.2.base.aof");
        am.mark_rewritten_incr_as_history(true);
        assert_eq!(am.last_incr(), Some("appendonly.aof.3.incr.aof"));
        assert_eq!(
            am.to_text(),
            "file appendonly.aof.2.base.aof seq 2 type b\n\
             file appendonly.aof.1.incr.aof seq 1 type h\n\
             file appendonly.aof.2.incr.aof seq 2 type h\n\
             file appendonly.aof.1.base.rdb seq 1 type h\n\
             file appendonly.aof.3.incr.aof seq 3 type i\n"
        );
        am.mark_rewritten_incr_as_history(false);
        assert!(am.incr.is_empty() && am.history.len() == 4);
        assert_eq!(temp_incr_name("appendonly.aof"), "temp-appendonly.aof.incr");
    }

    #[test]
    fn persists_atomically_when_dirty() {
        let dir = std::env::temp_dir().join(format!("hotkv-manifest-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(Manifest::load(&dir, "appendonly.aof").unwrap(), Manifest::default());
        assert_eq!(Manifest::load(&dir.join("none"), "appendonly.aof").unwrap(), Manifest::default());
        let mut am = Manifest::default();
        am.new_base("appendonly.aof", true);
        am.new_incr("appendonly.aof");
        am.persist(&dir, "appendonly.aof").unwrap();
        assert!(!am.dirty);
        assert!(!dir.join("temp-appendonly.aof.manifest").exists());
        let back = Manifest::load(&dir, "appendonly.aof").unwrap();
        assert_eq!(back.to_text(), am.to_text());
        assert_eq!(std::fs::read_to_string(dir.join("appendonly.aof.manifest")).unwrap(), "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n");
        std::fs::write(dir.join("appendonly.aof.manifest"), "nonsense\n").unwrap();
        assert!(Manifest::load(&dir, "appendonly.aof").unwrap_err().ends_with("Invalid AOF manifest file format"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
