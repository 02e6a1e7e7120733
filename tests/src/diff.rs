//! The differential harness: one connection each to hotkv and to a real
//! redis-server 7.0 (in RESP2, or RESP3 after `HELLO 3`), replies parsed,
//! compared after a per-suite normalisation of what Redis leaves undefined;
//! and a seeded PRNG for random command sequences.

use crate::{start_hotkv, start_redis, Proc};
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A reply: RESP2's types, then RESP3's. A double keeps its text (what
/// the server sent is what is compared).
#[derive(Clone, PartialEq, Eq)]
pub enum R {
    Simple(Vec<u8>),
    Err(Vec<u8>),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<R>>),
    Null,
    Double(Vec<u8>),
    Bool(bool),
    BigNum(Vec<u8>),
    /// Format (`txt`, `mkd`) and text.
    Verbatim(Vec<u8>, Vec<u8>),
    Map(Vec<(R, R)>),
    Set(Vec<R>),
    Push(Vec<R>),
}

impl fmt::Debug for R {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let s = |b: &[u8]| {
            let t = String::from_utf8_lossy(b);
            if t.len() > 120 {
                format!("{}...({} bytes)", &t[..120], b.len())
            } else {
                t.into_owned()
            }
        };
        match self {
            R::Simple(b) => write!(f, "+{}", s(b)),
            R::Err(b) => write!(f, "-{}", s(b)),
            R::Int(i) => write!(f, ":{i}"),
            R::Bulk(None) => write!(f, "(nil)"),
            R::Bulk(Some(b)) => write!(f, "{:?}", s(b)),
            R::Array(None) => write!(f, "(nil array)"),
            R::Array(Some(v)) => f.debug_list().entries(v).finish(),
            R::Null => write!(f, "(null)"),
            R::Double(d) => write!(f, ",{}", s(d)),
            R::Bool(b) => write!(f, "#{}", if *b { 't' } else { 'f' }),
            R::BigNum(n) => write!(f, "({})", s(n)),
            R::Verbatim(k, t) => write!(f, "={}:{:?}", s(k), s(t)),
            R::Map(m) => f.debug_map().entries(m.iter().map(|(k, v)| (k, v))).finish(),
            R::Set(v) => write!(f, "~{:?}", v),
            R::Push(v) => write!(f, ">{:?}", v),
        }
    }
}

/// One client connection that sends a command and reads its reply.
pub struct Conn {
    pub r: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(port: u16) -> Conn {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.set_nodelay(true).unwrap();
        Conn { r: BufReader::new(s) }
    }

    pub fn cmd(&mut self, args: &[Vec<u8>]) -> R {
        self.r.get_mut().write_all(&encode(args)).unwrap();
        self.read()
    }

    pub fn line(&mut self) -> Vec<u8> {
        let mut l = Vec::new();
        self.r.read_until(b'\n', &mut l).unwrap();
        assert!(l.ends_with(b"\r\n"), "bad line {:?}", String::from_utf8_lossy(&l));
        l.truncate(l.len() - 2);
        l
    }

    /// The `n` bytes of a bulk payload and its CRLF.
    fn payload(&mut self, n: i64) -> Vec<u8> {
        let mut b = vec![0; n as usize + 2];
        self.r.read_exact(&mut b).unwrap();
        assert!(b.ends_with(b"\r\n"), "bulk not ended by CRLF");
        b.truncate(b.len() - 2);
        b
    }

    pub fn read(&mut self) -> R {
        let l = self.line();
        let n = || String::from_utf8_lossy(&l[1..]).parse::<i64>().unwrap();
        match l[0] {
            b'+' => R::Simple(l[1..].to_vec()),
            b'-' => R::Err(l[1..].to_vec()),
            b':' => R::Int(n()),
            b'$' if n() < 0 => R::Bulk(None),
            b'$' => R::Bulk(Some(self.payload(n()))),
            b'*' if n() < 0 => R::Array(None),
            b'*' => R::Array(Some((0..n()).map(|_| self.read()).collect())),
            b'_' if l.len() == 1 => R::Null,
            b',' => R::Double(l[1..].to_vec()),
            b'#' if l[1..] == *b"t" || l[1..] == *b"f" => R::Bool(l[1] == b't'),
            b'(' => R::BigNum(l[1..].to_vec()),
            b'=' => {
                let b = self.payload(n());
                assert!(b.len() >= 4 && b[3] == b':', "bad verbatim string {:?}", String::from_utf8_lossy(&b));
                R::Verbatim(b[..3].to_vec(), b[4..].to_vec())
            }
            b'%' => R::Map((0..n()).map(|_| (self.read(), self.read())).collect()),
            b'~' => R::Set((0..n()).map(|_| self.read()).collect()),
            b'>' => R::Push((0..n()).map(|_| self.read()).collect()),
            _ => panic!("bad reply line {:?}", String::from_utf8_lossy(&l)),
        }
    }

    /// Switches the connection to RESP3 (`HELLO 3`), checking the reply is
    /// a map that says so.
    pub fn hello3(&mut self) {
        let R::Map(m) = self.cmd(&words("HELLO 3")) else { panic!("HELLO 3 did not reply a map") };
        assert!(m.contains(&(R::Bulk(Some(b"proto".to_vec())), R::Int(3))), "HELLO 3 reply {m:?}");
    }
}

/// Encodes a command of owned arguments (see [`crate::resp`]).
pub fn encode(args: &[Vec<u8>]) -> Vec<u8> {
    crate::resp(&args.iter().map(|a| a.as_slice()).collect::<Vec<_>>())
}

/// A command line written as words separated by spaces (no empty words).
pub fn words(line: &str) -> Vec<Vec<u8>> {
    line.split_whitespace().map(|w| w.as_bytes().to_vec()).collect()
}

/// Sorts the elements of an array or set reply (KEYS, SMEMBERS) or the
/// pairs of a map (by key).
pub fn sort_array(r: R) -> R {
    let key = |x: &R| format!("{x:?}");
    match r {
        R::Array(Some(mut v)) => {
            v.sort_by_key(key);
            R::Array(Some(v))
        }
        R::Set(mut v) => {
            v.sort_by_key(key);
            R::Set(v)
        }
        R::Map(mut m) => {
            m.sort_by_key(|(k, _)| key(k));
            R::Map(m)
        }
        r => r,
    }
}

/// A `tolerate` for suites whose normalised replies must be equal.
pub fn exact(_: &[Vec<u8>], _: &R, _: &R, _: bool) -> bool {
    false
}

/// The bulk strings of an array reply.
pub fn bulks(r: R) -> Vec<Vec<u8>> {
    let R::Array(Some(v)) = r else { panic!("not an array: {r:?}") };
    v.into_iter().map(|x| if let R::Bulk(Some(b)) = x { b } else { panic!("not a bulk: {x:?}") }).collect()
}

/// A full walk of a per-key SCAN (`HSCAN`, `SSCAN`) of `key` with `opts`:
/// every element returned (flat, repeats included) and the call count.
pub fn full_scan(c: &mut Conn, cmd: &str, key: &str, opts: &[&str]) -> (Vec<Vec<u8>>, usize) {
    let mut cursor = b"0".to_vec();
    let mut out = Vec::new();
    for calls in 1..100_000 {
        let mut args = vec![cmd.as_bytes().to_vec(), key.as_bytes().to_vec(), cursor.clone()];
        args.extend(opts.iter().map(|o| o.as_bytes().to_vec()));
        let R::Array(Some(mut v)) = c.cmd(&args) else { panic!("bad {cmd} reply") };
        let (Some(items), Some(R::Bulk(Some(next))), true) = (v.pop(), v.pop(), v.is_empty()) else { panic!("bad {cmd} reply") };
        out.extend(bulks(items));
        cursor = next;
        if cursor == b"0" {
            return (out, calls);
        }
    }
    panic!("{cmd} did not finish");
}

/// hotkv and the reference server, with one connection to each (and more
/// on demand: see [`Pair::run`]).
pub struct Pair {
    pub hk_conn: Conn,
    pub rd_conn: Conn,
    /// Connections 2, 3, ... to each, opened when a script first names them.
    pub others: Vec<(Conn, Conn)>,
    // Kept last: the servers outlive the connections.
    pub hk: Proc,
    pub rd: Proc,
    pub sent: usize,
    /// The protocol every connection speaks (2, or 3 after `HELLO 3`).
    resp: u32,
    /// Passed to `tolerate`: random scripts allow more slack (TTLs).
    pub slack: bool,
    /// Makes replies Redis leaves undefined comparable.
    normalise: fn(&[Vec<u8>], R) -> R,
    /// True for differing replies that are still the same answer.
    tolerate: fn(&[Vec<u8>], &R, &R, bool) -> bool,
}

impl Pair {
    pub fn start(normalise: fn(&[Vec<u8>], R) -> R, tolerate: fn(&[Vec<u8>], &R, &R, bool) -> bool) -> Pair {
        let hk = start_hotkv(&[]);
        let rd = start_redis();
        Pair { hk_conn: Conn::open(hk.port), rd_conn: Conn::open(rd.port), others: Vec::new(), hk, rd, sent: 0, resp: 2, slack: false, normalise, tolerate }
    }

    /// As `start`, with every connection (also those opened later) in RESP3.
    pub fn start_resp3(normalise: fn(&[Vec<u8>], R) -> R, tolerate: fn(&[Vec<u8>], &R, &R, bool) -> bool) -> Pair {
        let mut p = Pair::start(normalise, tolerate);
        p.resp = 3;
        p.hk_conn.hello3();
        p.rd_conn.hello3();
        p
    }

    /// Sends `args` to both; panics with the command and both replies if
    /// they differ. Returns the (normalised) reply.
    pub fn check(&mut self, args: &[Vec<u8>]) -> R {
        self.check_on(1, args)
    }

    /// As `check`, on connection `n` (1 = `hk_conn`/`rd_conn`).
    pub fn check_on(&mut self, n: usize, args: &[Vec<u8>]) -> R {
        self.sent += 1;
        let norm = self.normalise;
        let (hk, rd) = self.conns(n);
        let (a, b) = (norm(args, hk.cmd(args)), norm(args, rd.cmd(args)));
        self.compare(args, a, b)
    }

    /// Sends `args` on connection `n` of both without reading the replies
    /// (a command that blocks): `check_pending` reads them.
    pub fn send_on(&mut self, n: usize, args: &[Vec<u8>]) {
        let (hk, rd) = self.conns(n);
        for c in [hk, rd] {
            c.r.get_mut().write_all(&encode(args)).unwrap();
        }
    }

    /// Reads one more reply (an out-of-band push, a blocked command's
    /// answer) on connection `n` of both and compares them as `check` does.
    pub fn check_pending(&mut self, n: usize) -> R {
        self.sent += 1;
        let (norm, args) = (self.normalise, words("(pending)"));
        let (hk, rd) = self.conns(n);
        let (a, b) = (norm(&args, hk.read()), norm(&args, rd.read()));
        self.compare(&args, a, b)
    }

    /// Connection `n` to each server, opened (in the pair's protocol) on
    /// first use.
    fn conns(&mut self, n: usize) -> (&mut Conn, &mut Conn) {
        while self.others.len() + 1 < n {
            let (mut h, mut r) = (Conn::open(self.hk.port), Conn::open(self.rd.port));
            if self.resp == 3 {
                h.hello3();
                r.hello3();
            }
            self.others.push((h, r));
        }
        match n {
            1 => (&mut self.hk_conn, &mut self.rd_conn),
            _ => {
                let (h, r) = &mut self.others[n - 2];
                (h, r)
            }
        }
    }

    fn compare(&mut self, args: &[Vec<u8>], a: R, b: R) -> R {
        if a != b && !(self.tolerate)(args, &a, &b, self.slack) {
            let line: Vec<String> = args.iter().map(|w| String::from_utf8_lossy(w).into_owned()).collect();
            panic!(
                "command #{} {:?}\n  hotkv (port {}): {a:?}\n  redis (port {}): {b:?}\nhotkv log:\n{}",
                self.sent,
                line,
                self.hk.port,
                self.rd.port,
                self.hk.log()
            );
        }
        a
    }

    /// RESTOREs hotkv's DUMP of `from` as `to` on both servers and returns
    /// the RESTORE reply: DUMP payloads are not compared byte for byte (LZF
    /// output may differ), but Redis loading hotkv's is a check of it.
    pub fn dump_restore(&mut self, from: &str, to: &str) -> R {
        let R::Bulk(Some(blob)) = self.hk_conn.cmd(&words(&format!("DUMP {from}"))) else { panic!("DUMP {from}: no payload") };
        self.check(&[b"RESTORE".to_vec(), to.as_bytes().to_vec(), b"0".to_vec(), blob])
    }

    /// Checks each line; a line `N: COMMAND ...` goes to connection N, and
    /// `N: (pending)` reads the next reply of connection N (`check_pending`).
    pub fn run(&mut self, script: &[&str]) {
        for line in script {
            match line.split_once(": ").and_then(|(n, rest)| Some((n.parse::<usize>().ok()?, rest))) {
                Some((n, "(pending)")) if n >= 1 => self.check_pending(n),
                Some((n, rest)) if n >= 1 => self.check_on(n, &words(rest)),
                _ => self.check(&words(line)),
            };
        }
    }

    /// As `run`, for arguments `words` cannot write (empty, spaces, bytes).
    pub fn run_args(&mut self, script: &[&[&[u8]]]) {
        for args in script {
            self.check(&args.iter().map(|a| a.to_vec()).collect::<Vec<_>>());
        }
    }
}

/// xorshift64: the sequence depends only on the seed.
pub struct Rng(pub u64);

impl Rng {
    #[allow(clippy::should_implement_trait)] // not an iterator: never ends
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }

    pub fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// Between `min` and `max` random decimal digits.
    pub fn digits(&mut self, min: i64, max: i64) -> String {
        let n = self.int(min, max);
        (0..n).map(|_| char::from(b'0' + self.below(10) as u8)).collect()
    }
}


/// Scenarios with several connections to each server (blocking commands,
/// CLIENT PAUSE, CLIENT KILL): connection `i` of one plays the same part
/// as connection `i` of the other.
pub struct Scene {
    pub hk: Vec<Conn>,
    pub rd: Vec<Conn>,
    // Kept last: the servers outlive the connections.
    pub hk_proc: Proc,
    _rd_proc: Proc,
}

impl Scene {
    pub fn start(n: usize) -> Scene {
        let (hk_proc, rd_proc) = (start_hotkv(&[]), start_redis());
        let hk = (0..n).map(|_| Conn::open(hk_proc.port)).collect();
        let rd = (0..n).map(|_| Conn::open(rd_proc.port)).collect();
        Scene { hk, rd, hk_proc, _rd_proc: rd_proc }
    }

    pub fn compare(&self, what: &str, a: &R, b: &R) {
        assert_eq!(a, b, "{what}: hotkv {a:?}, redis {b:?}\nhotkv log:\n{}", self.hk_proc.log());
    }

    /// Sends `line` on connection `i` of both without reading a reply.
    pub fn send(&mut self, i: usize, line: &str) {
        let bytes = encode(&words(line));
        self.hk[i].r.get_mut().write_all(&bytes).unwrap();
        self.rd[i].r.get_mut().write_all(&bytes).unwrap();
    }

    /// Reads the next reply of connection `i` of both and compares them.
    pub fn read(&mut self, i: usize, what: &str) -> R {
        let (a, b) = (self.hk[i].read(), self.rd[i].read());
        self.compare(what, &a, &b);
        a
    }

    /// Runs `line` on connection `i` of both; the replies must match.
    pub fn check(&mut self, i: usize, line: &str) -> R {
        self.send(i, line);
        self.read(i, line)
    }

    /// Runs each line on connection `i`.
    pub fn run(&mut self, i: usize, lines: &[&str]) {
        for l in lines {
            self.check(i, l);
        }
    }

    /// As `check`, with arguments that differ per server (client ids).
    pub fn check_each(&mut self, i: usize, hk: &[Vec<u8>], rd: &[Vec<u8>]) -> R {
        let (a, b) = (self.hk[i].cmd(hk), self.rd[i].cmd(rd));
        self.compare(&format!("{:?}", String::from_utf8_lossy(&hk[0])), &a, &b);
        a
    }

    /// Waits until both servers report `n` blocked clients (connection 0
    /// asks, so it must not be blocked).
    pub fn wait_blocked(&mut self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        for conns in [&mut self.hk, &mut self.rd] {
            loop {
                let R::Bulk(Some(info)) = conns[0].cmd(&words("INFO clients")) else { panic!("INFO") };
                let text = String::from_utf8_lossy(&info).into_owned();
                if text.contains(&format!("blocked_clients:{n}\r\n")) {
                    break;
                }
                assert!(Instant::now() < deadline, "never {n} blocked clients: {text}");
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }

    /// Connection `i` of both has no reply waiting (it is still blocked).
    pub fn silent(&mut self, i: usize, what: &str) {
        for c in [&mut self.hk[i], &mut self.rd[i]] {
            assert!(c.r.buffer().is_empty(), "{what}: unexpected reply");
            let s = c.r.get_mut();
            s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
            let mut b = [0u8; 1];
            let got = s.peek(&mut b);
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            assert!(got.is_err(), "{what}: unexpected reply {:?}", got.map(|_| b[0] as char));
        }
    }

    /// The id of connection `i` on each server.
    pub fn ids(&mut self, i: usize) -> (i64, i64) {
        let get = |c: &mut Conn| if let R::Int(n) = c.cmd(&words("CLIENT ID")) { n } else { panic!("CLIENT ID") };
        (get(&mut self.hk[i]), get(&mut self.rd[i]))
    }
}