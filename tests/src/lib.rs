//! Test harness: builds and starts the real `hotkv` binary, a real
//! `redis-server` 7.0 as the reference, and extra builds of the logic
//! library to upgrade to. Every server listens on 127.0.0.1 only and is
//! killed when its handle drops.

pub mod dataset;
pub mod diff;
pub mod hotswap;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target"))
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(workspace_root());
    c
}

/// Runs `cargo build` with the given arguments, serialised across test
/// processes by a lock file (each build may replace files others copy).
fn cargo_build(args: &[&str], envs: &[(&str, &str)], target: &Path) {
    std::fs::create_dir_all(target).unwrap();
    let lock = std::fs::File::create(target.join(".hotkv-test-build.lock")).unwrap();
    let _guard = nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusive).map_err(|(_, e)| e).unwrap();
    let mut c = cargo();
    c.arg("build").arg("--release").args(args).env("CARGO_TARGET_DIR", target);
    for (k, v) in envs {
        c.env(k, v);
    }
    let out = c.output().expect("cargo build");
    assert!(out.status.success(), "cargo build {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
}

/// Builds the shell and the default logic library once per test process.
pub fn ensure_built() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| cargo_build(&["-p", "hotkv", "-p", "hotkv-logic"], &[], &target_dir()));
}

pub fn hotkv_bin() -> PathBuf {
    ensure_built();
    target_dir().join("release/hotkv")
}

pub fn default_logic() -> PathBuf {
    ensure_built();
    target_dir().join("release/libhotkv_logic.so")
}

/// The version string of the second build the upgrade tests swap to: one
/// for all of them, so the library is built once (each version string is a
/// build of its own, dependencies included).
pub const V2: &str = "0.2.0-test";

/// The logic library built from the same source with another version
/// string, copied to a stable path of its own. Built once per version.
pub fn logic_variant(version: &str) -> PathBuf {
    logic_variant_env(version, &[])
}

/// [`logic_variant`] with more build-time environment (e.g.
/// `HOTKV_MAXCLIENTS_LIMIT`, a setting bound). Each version string must
/// always be built with the same environment.
pub fn logic_variant_env(version: &str, envs: &[(&str, &str)]) -> PathBuf {
    let dir = target_dir().join(format!("variant-{version}"));
    let out = target_dir().join(format!("libhotkv_logic-{version}.so"));
    let mut all = vec![("HOTKV_LOGIC_VERSION", version)];
    all.extend_from_slice(envs);
    cargo_build(&["-p", "hotkv-logic"], &all, &dir);
    copy_atomically(&dir.join("release/libhotkv_logic.so"), &out);
    out
}

/// The logic library as it was at `commit` of this repository's history
/// (an older layout, for migration tests). None when the history is not
/// available (a shallow clone).
pub fn logic_from_commit(commit: &str) -> Option<PathBuf> {
    let src = target_dir().join(format!("src-{commit}"));
    let out = target_dir().join(format!("libhotkv_logic-{commit}.so"));
    if !src.join("Cargo.toml").exists() {
        let archive = Command::new("git").current_dir(workspace_root()).args(["archive", "--format=tar", commit]).output().ok()?;
        if !archive.status.success() {
            return None;
        }
        std::fs::create_dir_all(&src).unwrap();
        let mut tar = Command::new("tar").arg("-x").arg("-C").arg(&src).stdin(Stdio::piped()).spawn().unwrap();
        tar.stdin.take().unwrap().write_all(&archive.stdout).unwrap();
        assert!(tar.wait().unwrap().success());
    }
    let dir = target_dir().join(format!("build-{commit}"));
    let mut c = cargo();
    c.current_dir(&src).args(["build", "--release", "-p", "hotkv-logic"]).env("CARGO_TARGET_DIR", &dir);
    let built = c.output().expect("cargo build");
    assert!(built.status.success(), "building {commit} failed:\n{}", String::from_utf8_lossy(&built.stderr));
    copy_atomically(&dir.join("release/libhotkv_logic.so"), &out);
    Some(out)
}

/// A fixture library from `tests/fixtures/faulty-logic`, built with `feature`.
pub fn faulty_logic(feature: &str) -> PathBuf {
    let dir = target_dir().join(format!("faulty-{feature}"));
    let out = target_dir().join(format!("libfaulty-{feature}.so"));
    cargo_build(&["-p", "hotkv-faulty-logic", "--features", feature], &[], &dir);
    copy_atomically(&dir.join("release/libhotkv_faulty_logic.so"), &out);
    out
}

/// Copy to a temporary name then rename: never write into a file a server
/// may have mapped (HOTSWAP-RULES 1).
pub fn copy_atomically(from: &Path, to: &Path) {
    let tmp = to.with_extension(format!("tmp{}", std::process::id()));
    std::fs::copy(from, &tmp).unwrap();
    std::fs::rename(&tmp, to).unwrap();
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits until `f` returns true, for at most `limit`.
pub fn wait_until(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// The `process_id` INFO reports on `port` (None if it does not say, e.g.
/// before AUTH).
fn server_pid(port: u16) -> Option<u32> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    s.write_all(b"INFO server\r\n").ok()?;
    let mut r = BufReader::new(s);
    let mut line = String::new();
    while r.read_line(&mut line).ok()? > 0 {
        if let Some(pid) = line.trim_end().strip_prefix("process_id:") {
            return pid.parse().ok();
        }
        if line.starts_with('-') {
            return None;
        }
        line.clear();
    }
    None
}

fn ping_ok(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
    if s.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut line = String::new();
    BufReader::new(s).read_line(&mut line).is_ok() && line.starts_with("+PONG")
}

/// A running server process (hotkv or redis-server) on 127.0.0.1.
pub struct Proc {
    pub child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Proc {
    /// Stops the process and hands back its directory (for a restart).
    pub fn stop(mut self) -> tempfile::TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap())
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub fn client(&self) -> redis::Connection {
        let c = redis::Client::open(self.url()).unwrap();
        let con = c.get_connection_with_timeout(Duration::from_secs(5)).unwrap();
        con.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        con
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's log (stderr).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Runs `redis-cli -p PORT args...` and returns its stdout.
    pub fn cli(&self, args: &[&str]) -> String {
        redis_cli(self.port, args)
    }

    /// True while the process runs.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Paths of the logic libraries mapped by the process, once a swapped-out
    /// or refused version is gone: the shell unloads it on its background
    /// thread after the UPGRADE reply, so this waits (at most 10 s) until
    /// no more than one library is mapped.
    pub fn mapped_logic_libraries(&self) -> Vec<String> {
        let mut v = self.mapped_logic_libraries_now();
        wait_until(Duration::from_secs(10), || {
            v = self.mapped_logic_libraries_now();
            v.len() <= 1
        });
        v
    }

    fn mapped_logic_libraries_now(&self) -> Vec<String> {
        let maps = std::fs::read_to_string(format!("/proc/{}/maps", self.pid())).unwrap_or_default();
        let mut v: Vec<String> = maps
            .lines()
            .filter_map(|l| l.split_whitespace().nth(5))
            .filter(|p| p.ends_with(".so") && p.contains("/logic/gen-"))
            .map(String::from)
            .collect();
        v.sort();
        v.dedup();
        v
    }

    fn spawn(cmd: Command, port: u16, dir: tempfile::TempDir) -> Proc {
        Proc::try_spawn(cmd, port, dir).unwrap_or_else(|log| panic!("server on port {port} did not start:\n{log}"))
    }

    /// Starts the server and waits until it answers PING; its log if it
    /// exits instead.
    fn try_spawn(mut cmd: Command, port: u16, dir: tempfile::TempDir) -> Result<Proc, String> {
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        cmd.stdout(Stdio::null()).stderr(log).stdin(Stdio::null());
        let child = cmd.spawn().expect("spawn server");
        let mut p = Proc { child, port, dir };
        // Alive first: a server that died may leave its port to another
        // process that would answer the PING.
        let up = wait_until(Duration::from_secs(20), || !p.alive() || ping_ok(port));
        if !up || !p.alive() {
            return Err(p.log());
        }
        // A server that is still starting while another one (of a test
        // beside this one) holds the port: the PING was answered by that one.
        match server_pid(port) {
            Some(pid) if pid != p.pid() => Err(format!("port {port} in use by process {pid}")),
            _ => Ok(p),
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts hotkv with the default logic library and extra arguments.
pub fn start_hotkv(extra: &[&str]) -> Proc {
    start_hotkv_env(extra, &[])
}

/// [`start_hotkv`] with extra environment variables for the server.
pub fn start_hotkv_env(extra: &[&str], envs: &[(&str, &str)]) -> Proc {
    spawn_on_free_port("hotkv-test-", |port, dir| {
        let mut cmd = Command::new(hotkv_bin());
        cmd.arg("--port").arg(port.to_string()).arg("--dir").arg(dir).arg("--logic").arg(default_logic()).args(extra);
        cmd.envs(envs.iter().copied());
        cmd
    })
}

/// Starts the server `make` builds for a free port and a new directory.
/// The port is picked free but only taken when the server binds it; when
/// another process (a test running beside this one) took it first, the
/// server is started again on another.
fn spawn_on_free_port(prefix: &str, make: impl Fn(u16, &Path) -> Command) -> Proc {
    for _ in 0..3 {
        let dir = tempfile::Builder::new().prefix(prefix).tempdir().unwrap();
        let port = free_port();
        match Proc::try_spawn(make(port, dir.path()), port, dir) {
            Ok(p) => return p,
            Err(log) if log.contains("in use") => continue,
            Err(log) => panic!("server on port {port} did not start:\n{log}"),
        }
    }
    panic!("no free port after 3 tries");
}

/// Starts hotkv with a config file as its only argument (as redis-server
/// takes it), in `dir`, expecting it to listen on `port` (the file says so).
pub fn start_hotkv_conf(conf: &Path, dir: tempfile::TempDir, port: u16) -> Proc {
    let mut cmd = Command::new(hotkv_bin());
    cmd.arg(conf);
    start_hotkv_cmd(cmd, port, dir)
}

/// Starts a server command line of one's own making, listening on `port`;
/// its log goes to `dir`.
pub fn start_hotkv_cmd(cmd: Command, port: u16, dir: tempfile::TempDir) -> Proc {
    Proc::spawn(cmd, port, dir)
}

/// Runs hotkv with `args`, expecting it to refuse to start: returns its
/// exit status and stderr (killed after 20 s if it does start).
pub fn hotkv_refused(args: &[&str]) -> (std::process::ExitStatus, String) {
    let err = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(hotkv_bin())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(err.reopen().unwrap())
        .spawn()
        .unwrap();
    let mut status = None;
    wait_until(Duration::from_secs(20), || {
        status = child.try_wait().unwrap();
        status.is_some()
    });
    let status = status.unwrap_or_else(|| {
        let _ = child.kill();
        child.wait().unwrap()
    });
    (status, std::fs::read_to_string(err.path()).unwrap())
}

/// Starts the reference `redis-server` (7.0), no persistence.
pub fn start_redis() -> Proc {
    start_redis_with(&[])
}

/// [`start_redis`] with extra arguments, which win over the defaults
/// (`--appendonly yes`).
pub fn start_redis_with(extra: &[&str]) -> Proc {
    spawn_on_free_port("redis-ref-", |port, dir| {
        let mut cmd = Command::new("redis-server");
        cmd.args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir"]).arg(dir).args(extra);
        cmd
    })
}

pub fn redis_cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli").arg("-p").arg(port.to_string()).args(args).output().expect("redis-cli");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Sends raw bytes and reads the raw reply bytes until `expect` complete
/// RESP values have arrived (or a timeout). For byte-exact comparisons.
pub fn raw_roundtrip(port: u16, request: &[u8], expect: usize) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(request).unwrap();
    let mut buf = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while count_values(&buf) < expect && Instant::now() < deadline {
        let mut chunk = [0u8; 65536];
        match std::io::Read::read(&mut s, &mut chunk) {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(_) => break,
        }
    }
    buf
}

/// Encodes a command as a RESP multibulk request.
pub fn resp(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Number of complete top-level RESP2 or RESP3 values in `buf`.
pub fn count_values(buf: &[u8]) -> usize {
    let mut pos = 0;
    let mut n = 0;
    while let Some(next) = skip_value(buf, pos) {
        pos = next;
        n += 1;
    }
    n
}

fn skip_value(buf: &[u8], pos: usize) -> Option<usize> {
    let eol = pos + buf.get(pos..)?.windows(2).position(|w| w == b"\r\n")?;
    let line = std::str::from_utf8(&buf[pos + 1..eol]).ok()?;
    let after = eol + 2;
    match buf[pos] {
        b'+' | b'-' | b':' | b'_' | b',' | b'#' | b'(' => Some(after),
        b'$' | b'=' => {
            let len: i64 = line.parse().ok()?;
            if len < 0 {
                Some(after)
            } else {
                let end = after + len as usize + 2;
                (end <= buf.len()).then_some(end)
            }
        }
        b'*' | b'~' | b'>' | b'%' => {
            let len: i64 = line.parse().ok()?;
            let items = if buf[pos] == b'%' { len * 2 } else { len };
            let mut p = after;
            for _ in 0..items.max(0) {
                p = skip_value(buf, p)?;
            }
            Some(p)
        }
        _ => None,
    }
}
