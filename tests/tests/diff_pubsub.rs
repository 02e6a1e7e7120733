//! Pub/sub against redis-server 7.0: two subscriber connections and a
//! publisher per server run the same script, and every byte each
//! connection receives is compared (confirmations with their counts,
//! message and pmessage arrays, errors in subscriber mode, PING's array
//! form, PUBSUB introspection), plus the redis crate's pub/sub API.

use hotkv_tests::hotswap::RawConn;
use hotkv_tests::*;
use std::time::Duration;

/// The elements of a RESP array of bulk strings.
fn bulks(r: &[u8]) -> Vec<Vec<u8>> {
    let line = |at: usize| {
        let end = at + r[at..].windows(2).position(|w| w == b"\r\n").unwrap();
        (text(&r[at + 1..end]).parse::<usize>().unwrap(), end + 2)
    };
    assert_eq!(r[0], b'*', "not an array: {}", text(r));
    let (n, mut at) = line(0);
    (0..n)
        .map(|_| {
            let (len, start) = line(at);
            at = start + len + 2;
            r[start..start + len].to_vec()
        })
        .collect()
}

/// Which connection of a server a step uses.
#[derive(Clone, Copy, Debug)]
enum On {
    Sub,
    Sub2,
    Pub,
}

/// One server's three connections.
struct Side {
    sub: RawConn,
    sub2: RawConn,
    publ: RawConn,
}

impl Side {
    fn open(port: u16) -> Side {
        Side { sub: RawConn::connect(port), sub2: RawConn::connect(port), publ: RawConn::connect(port) }
    }

    fn conn(&mut self, on: On) -> &mut RawConn {
        match on {
            On::Sub => &mut self.sub,
            On::Sub2 => &mut self.sub2,
            On::Pub => &mut self.publ,
        }
    }
}

struct Diff {
    hk: Side,
    rd: Side,
    // Kept last: the servers outlive the connections.
    hkp: Proc,
    rdp: Proc,
}

const LIMIT: Duration = Duration::from_secs(5);

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl Diff {
    fn start() -> Diff {
        let hkp = start_hotkv(&[]);
        let rdp = start_redis();
        Diff { hk: Side::open(hkp.port), rd: Side::open(rdp.port), hkp, rdp }
    }

    /// Sends `args` on `on` to both servers; returns what each sent back.
    fn send(&mut self, on: On, args: &[&[u8]], replies: usize) -> (Vec<u8>, Vec<u8>) {
        let req = resp(args);
        self.hk.conn(on).send(&req);
        self.rd.conn(on).send(&req);
        (self.hk.conn(on).read_raw_values(replies, LIMIT), self.rd.conn(on).read_raw_values(replies, LIMIT))
    }

    /// Sends `args` on `on`, expects `replies` values back there and
    /// `delivered` values on each subscriber connection, all byte-exact.
    fn step(&mut self, on: On, args: &[&[u8]], replies: usize, delivered: [usize; 2]) -> Vec<u8> {
        let (a, b) = self.send(on, args, replies);
        let what: Vec<String> = args.iter().map(|a| text(a)).collect();
        assert!(a == b, "{on:?} {what:?}: replies differ\n  hotkv: {:?}\n  redis: {:?}", text(&a), text(&b));
        for (sub, n) in [On::Sub, On::Sub2].into_iter().zip(delivered) {
            if n > 0 {
                let x = self.hk.conn(sub).read_raw_values(n, LIMIT);
                let y = self.rd.conn(sub).read_raw_values(n, LIMIT);
                assert!(x == y, "{sub:?} after {what:?}: streams differ\n  hotkv: {:?}\n  redis: {:?}", text(&x), text(&y));
            }
        }
        a
    }

    fn run(&mut self, on: On, line: &str, replies: usize, delivered: [usize; 2]) -> Vec<u8> {
        let words: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        self.step(on, &words, replies, delivered)
    }

    /// A reply Redis leaves in hash order (PUBSUB CHANNELS): compared as
    /// a sorted list of its bulks.
    fn unordered(&mut self, line: &str) {
        let words: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        let (a, b) = self.send(On::Pub, &words, 1);
        let (mut x, mut y) = (bulks(&a), bulks(&b));
        x.sort();
        y.sort();
        assert_eq!(x, y, "{line}");
    }

    /// UNSUBSCRIBE with no channel: Redis answers in hash order, so the
    /// confirmations are compared as a set, and their counts in order.
    fn unsubscribe_all(&mut self, on: On, n: usize) {
        let (a, b) = self.send(on, &[b"UNSUBSCRIBE"], n);
        let split = |r: &[u8]| {
            let t = text(r);
            let mut names = Vec::new();
            let mut counts = Vec::new();
            for conf in t.split("*3\r\n").filter(|s| !s.is_empty()) {
                let (head, count) = conf.trim_end_matches("\r\n").rsplit_once("\r\n").unwrap();
                names.push(head.to_string());
                counts.push(count.to_string());
            }
            names.sort();
            (names, counts)
        };
        assert_eq!(split(&a), split(&b), "UNSUBSCRIBE on {on:?}");
    }

    /// The named fields of the CLIENT LIST TYPE pubsub line (or INFO
    /// stats) that do not vary between servers.
    fn fields(&mut self, line: &str, names: &[&str]) {
        let words: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        let (a, b) = self.send(On::Pub, &words, 1);
        let pick = |r: &[u8]| -> Vec<String> {
            text(r)
                .split(['\r', '\n', ' '])
                .filter(|f| names.iter().any(|n| f.starts_with(&format!("{n}=")) || f.starts_with(&format!("{n}:"))))
                .map(String::from)
                .collect()
        };
        assert!(!pick(&a).is_empty(), "{line}: no field of {names:?} in {}", text(&a));
        assert_eq!(pick(&a), pick(&b), "{line}");
    }
}

#[test]
fn pubsub_streams_match_redis() {
    let mut d = Diff::start();
    use On::*;
    d.run(Sub, "SUBSCRIBE", 1, [0, 0]);
    d.run(Sub, "SUBSCRIBE a b c", 3, [0, 0]);
    d.run(Sub, "SUBSCRIBE b", 1, [0, 0]);
    d.run(Pub, "PUBLISH a hello", 1, [1, 0]);
    d.run(Pub, "PUBLISH nobody x", 1, [0, 0]);
    d.run(Sub2, "PSUBSCRIBE n* h?llo [xy]z", 3, [0, 0]);
    d.run(Sub2, "SUBSCRIBE a", 1, [0, 0]);
    d.run(Pub, "PUBLISH a two-receivers", 1, [1, 1]);
    d.run(Pub, "PUBLISH news x", 1, [0, 1]);
    d.run(Pub, "PUBLISH hallo y", 1, [0, 1]);
    d.run(Pub, "PUBLISH yz z", 1, [0, 1]);
    d.run(Pub, "PUBLISH xyz z", 1, [0, 0]);
    // A channel and a pattern of one client both match: two messages,
    // the channel's first.
    d.run(Sub2, "SUBSCRIBE news", 1, [0, 0]);
    d.run(Pub, "PUBLISH news both", 1, [0, 2]);
    d.run(Sub, "PSUBSCRIBE *", 1, [0, 0]);
    d.run(Pub, "PUBLISH news three", 1, [1, 2]);

    // Subscriber mode: only the subscription commands, PING and QUIT.
    d.run(Sub, "GET k", 1, [0, 0]);
    d.run(Sub, "CONFIG GET maxmemory", 1, [0, 0]);
    d.run(Sub, "SET k v", 1, [0, 0]);
    d.run(Sub, "NOSUCHCOMMAND x", 1, [0, 0]);
    d.run(Sub, "GET", 1, [0, 0]);
    d.run(Sub, "PING", 1, [0, 0]);
    d.run(Sub, "PING hi", 1, [0, 0]);
    d.run(Sub, "PING a b", 1, [0, 0]);
    d.run(Pub, "PING", 1, [0, 0]);
    d.run(Pub, "SUBSCRIBE", 1, [0, 0]);
    d.run(Pub, "PSUBSCRIBE", 1, [0, 0]);
    d.run(Pub, "PUBLISH a", 1, [0, 0]);

    // Binary channels, patterns and messages.
    let bin: &[u8] = b"bin\x00\xff\r\nch";
    d.step(Sub, &[b"SUBSCRIBE", bin], 1, [0, 0]);
    d.step(Sub2, &[b"PSUBSCRIBE", b"bin\x00*"], 1, [0, 0]);
    d.step(Pub, &[b"PUBLISH", bin, b"\x00\x01\xfe\r\n"], 1, [2, 1]);
    // Redis's glob: `*` does not match the empty channel.
    d.step(Pub, &[b"PUBLISH", b"", b""], 1, [0, 0]);
    d.step(Pub, &[b"PUBLISH", b"x", b""], 1, [1, 0]);
    d.step(Pub, &[b"PUBSUB", b"NUMSUB", bin, b"a", b"nosuch", b"news"], 1, [0, 0]);

    // Introspection.
    d.unordered("PUBSUB CHANNELS");
    d.unordered("PUBSUB CHANNELS [ab]");
    d.unordered("PUBSUB CHANNELS n*");
    d.unordered("PUBSUB CHANNELS nomatch*");
    d.run(Pub, "PUBSUB NUMSUB", 1, [0, 0]);
    d.run(Pub, "PUBSUB NUMSUB a b c news nosuch a", 1, [0, 0]);
    d.run(Pub, "PUBSUB NUMPAT", 1, [0, 0]);
    d.run(Pub, "PUBSUB NUMPAT x", 1, [0, 0]);
    d.run(Pub, "PUBSUB CHANNELS a b", 1, [0, 0]);
    d.run(Pub, "PUBSUB HELP", 1, [0, 0]);
    d.run(Pub, "PUBSUB NOSUCH", 1, [0, 0]);
    d.run(Pub, "PUBSUB", 1, [0, 0]);
    d.fields("INFO stats", &["pubsub_channels", "pubsub_patterns", "pubsubshard_channels"]);
    d.fields("CLIENT LIST TYPE pubsub", &["flags", "sub", "psub", "ssub"]);
    d.fields("CLIENT LIST TYPE normal", &["flags", "sub", "psub"]);

    // Unsubscribing: some, unknown ones, then all.
    d.run(Sub, "UNSUBSCRIBE a nosuch", 2, [0, 0]);
    d.run(Pub, "PUBLISH a only-sub2-and-star", 1, [1, 1]);
    d.run(Sub2, "PUNSUBSCRIBE [xy]z nosuch", 2, [0, 0]);
    d.run(Sub2, "PUNSUBSCRIBE", 3, [0, 0]);
    d.run(Sub2, "PUNSUBSCRIBE", 1, [0, 0]);
    d.run(Pub, "PUBSUB NUMPAT", 1, [0, 0]);
    d.unsubscribe_all(Sub, 3);
    d.run(Sub, "PUNSUBSCRIBE *", 1, [0, 0]);
    // Out of subscriber mode: commands run again, PING is plain.
    d.run(Sub, "UNSUBSCRIBE", 1, [0, 0]);
    d.run(Sub, "GET k", 1, [0, 0]);
    d.run(Sub, "PING", 1, [0, 0]);
    d.run(Pub, "PUBLISH b nobody-left", 1, [0, 0]);
    d.unordered("PUBSUB CHANNELS");

    // A subscriber that quits leaves the tables (free_client).
    d.run(Sub2, "QUIT", 1, [0, 0]);
    let gone = |port: u16| wait_until(LIMIT, || redis_cli(port, &["PUBSUB", "NUMSUB", "a"]).trim_end() == "a\n0");
    assert!(gone(d.hkp.port) && gone(d.rdp.port), "the quitting subscriber is still listed");
    d.run(Pub, "PUBLISH a after-quit", 1, [0, 0]);
    d.run(Pub, "PUBSUB NUMPAT", 1, [0, 0]);
    d.unordered("PUBSUB CHANNELS");
    d.fields("INFO stats", &["pubsub_channels", "pubsub_patterns"]);
}

/// The redis crate's pub/sub API: subscribe, psubscribe, get_message,
/// unsubscribe, against hotkv alone.
#[test]
fn redis_crate_pubsub_api() {
    let p = start_hotkv(&[]);
    let mut publisher = p.client();
    let mut con = p.client();
    let mut ps = con.as_pubsub();
    ps.set_read_timeout(Some(LIMIT)).unwrap();
    ps.subscribe("orders").unwrap();
    ps.psubscribe("audit.*").unwrap();
    let n: i64 = redis::cmd("PUBLISH").arg("orders").arg("o-1").query(&mut publisher).unwrap();
    assert_eq!(n, 1);
    let msg = ps.get_message().unwrap();
    assert_eq!(msg.get_channel_name(), "orders");
    assert_eq!(msg.get_payload::<String>().unwrap(), "o-1");
    assert!(!msg.from_pattern());
    let n: i64 = redis::cmd("PUBLISH").arg("audit.login").arg(b"\x00bytes\xff".as_slice()).query(&mut publisher).unwrap();
    assert_eq!(n, 1);
    let msg = ps.get_message().unwrap();
    assert!(msg.from_pattern());
    assert_eq!(msg.get_pattern::<String>().unwrap(), "audit.*");
    assert_eq!(msg.get_channel_name(), "audit.login");
    assert_eq!(msg.get_payload_bytes(), b"\x00bytes\xff");
    ps.unsubscribe("orders").unwrap();
    let n: i64 = redis::cmd("PUBLISH").arg("orders").arg("o-2").query(&mut publisher).unwrap();
    assert_eq!(n, 0);
    let subs: Vec<(String, i64)> = redis::cmd("PUBSUB").arg("NUMSUB").arg("orders").query(&mut publisher).unwrap();
    assert_eq!(subs, vec![("orders".to_string(), 0)]);
    let pats: i64 = redis::cmd("PUBSUB").arg("NUMPAT").query(&mut publisher).unwrap();
    assert_eq!(pats, 1);
}

/// What a RESP2 subscriber answers to PING.
const SUB_PONG: &[u8] = b"*2\r\n$4\r\npong\r\n$0\r\n\r\n";

/// Reads a subscriber's stream up to and including the reply to a PING
/// sent now: everything delivered before it.
fn drain(conn: &mut RawConn) -> Vec<u8> {
    conn.send(b"*1\r\n$4\r\nPING\r\n");
    let mut buf = Vec::new();
    let deadline = std::time::Instant::now() + LIMIT;
    let mut chunk = [0u8; 65536];
    while !buf.ends_with(SUB_PONG) {
        assert!(std::time::Instant::now() < deadline, "no PING reply; got {:?}", text(&buf));
        match std::io::Read::read(&mut conn.s, &mut chunk) {
            Ok(0) => panic!("connection closed; got {:?}", text(&buf)),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(e) => panic!("read: {e}"),
        }
    }
    buf
}

impl Diff {
    /// Runs the publisher's commands, then compares everything the
    /// subscriber received meanwhile.
    fn notified(&mut self, lines: &[&str]) -> String {
        for line in lines {
            self.run(On::Pub, line, 1, [0, 0]);
        }
        let (a, b) = (drain(&mut self.hk.sub), drain(&mut self.rd.sub));
        assert!(a == b, "events of {lines:?} differ\n  hotkv: {:?}\n  redis: {:?}", text(&a), text(&b));
        text(&a)
    }
}

#[test]
fn keyspace_notifications_match_redis() {
    let mut d = Diff::start();
    // The setting: Redis's letters, its canonical form, its error.
    for v in ["KEA", "Kxg", "nmK$", "A", "AE", "g$lshzxetdKE", "AKEn", "Kq", "", "KEA"] {
        d.step(On::Pub, &[b"CONFIG", b"SET", b"notify-keyspace-events", v.as_bytes()], 1, [0, 0]);
        d.run(On::Pub, "CONFIG GET notify-keyspace-events", 1, [0, 0]);
    }
    d.run(On::Sub, "PSUBSCRIBE __key*__:*", 1, [0, 0]);
    let got = d.notified(&["SET k v", "SET k v2 EX 100", "GETSET k v3", "APPEND k x", "APPEND k2 y", "SETRANGE k 1 zz", "SETRANGE k 1 ", "SETRANGE k3 0 "]);
    assert!(got.contains("__keyspace@0__:k\r\n$3\r\nset") && got.contains("__keyevent@0__:expire\r\n$1\r\nk"), "{got}");
    d.notified(&["INCR n", "INCRBY n 5", "DECR n", "DECRBY n 2", "INCRBYFLOAT f 1.5", "INCR k"]);
    d.notified(&["MSET a 1 b 2", "MSETNX c 1 d 2", "MSETNX c 1 z 2", "SETNX a 9", "SETNX e 9"]);
    d.notified(&["EXPIRE a 100", "PERSIST a", "PERSIST a", "PEXPIRE a 100000 NX", "EXPIRE nosuch 5", "EXPIRE a -1", "EXPIREAT b 1"]);
    d.notified(&["DEL c nosuch d", "UNLINK e", "RENAME n n2", "RENAME n2 f", "RENAMENX f k"]);
    d.notified(&["SET s 1", "COPY s t", "COPY s t", "COPY s t REPLACE", "MOVE t 1", "GETDEL s", "GETDEL s"]);
    d.notified(&["SET g 1", "GETEX g EX 100", "GETEX g PERSIST", "GETEX g PERSIST", "GETEX g", "GETEX g PXAT 1"]);
    d.notified(&["SELECT 3", "SET k3 v", "DEL k3", "SELECT 0", "FLUSHDB", "GET nosuch"]);
    // Only some classes, only one kind of channel.
    d.notified(&["CONFIG SET notify-keyspace-events K$", "SET k v", "DEL k", "INCR k"]);
    d.notified(&["CONFIG SET notify-keyspace-events Eg", "SET k v", "DEL k", "RENAME nosuch x"]);
    d.notified(&["CONFIG SET notify-keyspace-events AKEn", "SET k v", "SET k v", "INCR newint", "RENAME k newint"]);
    // Reads of missing keys (class m, not part of A).
    d.notified(&["CONFIG SET notify-keyspace-events Em", "GET nokey", "EXISTS nokey", "TYPE nokey", "TTL nokey", "HGET nohash f", "LRANGE nolist 0 -1", "SMEMBERS noset", "ZSCORE nozset m", "MGET a nokey", "GET newint", "SET nokey 1"]);
    d.notified(&["CONFIG SET notify-keyspace-events KEAm", "GET nokey2", "STRLEN nokey2"]);
    // A key found expired on access.
    d.run(On::Pub, "CONFIG SET notify-keyspace-events KEA", 1, [0, 0]);
    d.run(On::Pub, "SET lazy 1 PX 30", 1, [0, 0]);
    std::thread::sleep(Duration::from_millis(100));
    let got = d.notified(&["GET lazy"]);
    assert!(got.contains("__keyevent@0__:expired\r\n$4\r\nlazy"), "{got}");
    // A key expired by the active cycle, untouched.
    d.run(On::Pub, "FLUSHALL", 1, [0, 0]);
    d.run(On::Pub, "SET active 1 PX 10", 1, [0, 0]);
    for port in [d.hkp.port, d.rdp.port] {
        assert!(wait_until(LIMIT, || redis_cli(port, &["DBSIZE"]).trim() == "0"), "the key did not expire on port {port}");
    }
    let got = d.notified(&[]);
    assert!(got.contains("__keyevent@0__:expired\r\n$6\r\nactive"), "{got}");
    d.step(On::Pub, &[b"CONFIG", b"SET", b"notify-keyspace-events", b""], 1, [0, 0]);
    d.notified(&["SET quiet 1", "DEL quiet"]);
}

impl Diff {
    /// Sends `line` on the second connection, which blocks there, and
    /// waits (bounded) until both servers count one blocked client.
    fn block(&mut self, line: &str) {
        let words: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        let req = resp(&words);
        self.hk.sub2.send(&req);
        self.rd.sub2.send(&req);
        for port in [self.hkp.port, self.rdp.port] {
            assert!(wait_until(LIMIT, || redis_cli(port, &["INFO", "clients"]).contains("blocked_clients:1\r")), "{line} did not block on port {port}");
        }
    }

    /// The blocked second connection's reply, the same on both.
    fn served(&mut self, what: &str) {
        let (a, b) = (self.hk.sub2.read_raw_values(1, LIMIT), self.rd.sub2.read_raw_values(1, LIMIT));
        assert!(a == b, "{what}: replies differ\n  hotkv: {:?}\n  redis: {:?}", text(&a), text(&b));
    }
}

/// The events of the hash, set, list and sorted set commands, SORT STORE,
/// RESTORE, and blocking pops when they are served: the same names,
/// classes, keys and order as Redis 7.0, "del" after the command's own
/// event when an aggregate loses its last element.
#[test]
fn data_type_notifications_match_redis() {
    let mut d = Diff::start();
    d.run(On::Pub, "CONFIG SET notify-keyspace-events KEA", 1, [0, 0]);
    d.run(On::Sub, "PSUBSCRIBE __key*__:*", 1, [0, 0]);
    let got = d.notified(&["HSET h a 1 b 2", "HSET h a 1", "HSETNX h a 2", "HSETNX h c 3", "HMSET h d 4", "HINCRBY h n 5", "HINCRBYFLOAT h f 1.5"]);
    assert!(got.contains("__keyevent@0__:hincrbyfloat\r\n$1\r\nh"), "{got}");
    d.notified(&["HDEL h nosuch", "HDEL h a b", "HDEL h c d n f", "HDEL h x", "HINCRBY h2 a 1", "HSET h2 a", "SET str v", "HSET str a 1", "HDEL str a"]);
    let got = d.notified(&["SADD s a b", "SADD s a", "SREM s x", "SREM s a", "SREM s b", "SREM s b", "SADD s 1 2 3", "SMOVE s t 1", "SMOVE s t 1", "SMOVE s s 2"]);
    assert!(got.contains("__keyevent@0__:srem\r\n$1\r\ns") && got.contains("__keyevent@0__:del\r\n$1\r\ns"), "{got}");
    d.notified(&["SADD t 3", "SMOVE s t 2", "SMOVE s t 3", "SADD one x", "SPOP one 3", "SADD one y", "SPOP one", "SPOP one", "SPOP t 0", "SADD str x"]);
    d.notified(&["SADD a1 1 2 3", "SADD a2 2 3 4", "SINTERSTORE d a1 a2", "SUNIONSTORE d a1 a2", "SDIFFSTORE d a1 a2", "SDIFFSTORE d a1 a1", "SDIFFSTORE d a1 a1", "SET d x", "SINTERSTORE d a1 nosuch", "SUNIONSTORE d nosuch"]);
    let got = d.notified(&["RPUSH l a b c", "LPUSH l z", "LPUSHX nol a", "RPUSHX l d", "LINSERT l BEFORE a y", "LINSERT l BEFORE nosuch y", "LSET l 0 q", "LREM l 0 nosuch", "LREM l 1 q"]);
    assert!(got.contains("__keyevent@0__:linsert\r\n$1\r\nl") && got.contains("__keyevent@0__:lset\r\n$1\r\nl"), "{got}");
    d.notified(&["LTRIM l 0 -1", "LTRIM l 1 2", "LPOP l", "RPOP l 0", "RPOP l 5", "LPOP l", "RPUSH l 1 2 3", "LMOVE l l LEFT RIGHT", "LMOVE l m RIGHT LEFT", "RPOPLPUSH l m", "RPOPLPUSH l m"]);
    d.notified(&["LMPOP 1 m LEFT COUNT 1", "LMPOP 2 nosuch m RIGHT COUNT 5", "RPUSH l 1", "LTRIM l 5 10", "RPUSH l a a b", "LREM l 0 a", "LREM l 0 b", "LSET nosuch 0 x", "RPUSH l 1", "LMOVE l l RIGHT LEFT"]);
    let got = d.notified(&["ZADD z 1 a 2 b", "ZADD z 1 a", "ZADD z XX 5 nosuch", "ZADD z NX 3 a", "ZADD z CH 3 a", "ZADD z INCR 1 a", "ZINCRBY z 2 b", "ZADD z GT 1 a", "ZADD zx XX 1 a"]);
    assert!(got.contains("__keyevent@0__:zincr\r\n$1\r\nz"), "{got}");
    d.notified(&["ZREM z nosuch", "ZREM z a", "ZADD z 1 a 3 c 4 d 5 e", "ZREMRANGEBYRANK z 0 0", "ZREMRANGEBYRANK z 10 20", "ZREMRANGEBYSCORE z 3 3", "ZREMRANGEBYLEX z [d [d", "ZREMRANGEBYLEX z [zz [zzz"]);
    d.notified(&["ZPOPMIN z", "ZPOPMAX z 0", "ZPOPMAX z 10", "ZPOPMIN z", "ZADD z 1 a 2 b 3 c", "ZMPOP 1 z MIN COUNT 2", "ZMPOP 1 z MAX", "ZMPOP 1 z MAX", "ZADD z 1 a", "ZREM z a"]);
    d.notified(&["ZADD z1 1 a 2 b", "ZADD z2 2 b 3 c", "ZUNIONSTORE zd 2 z1 z2", "ZINTERSTORE zd 2 z1 z2", "ZDIFFSTORE zd 2 z1 z2", "ZDIFFSTORE zd 2 z1 z1", "ZDIFFSTORE zd 2 z1 z1"]);
    d.notified(&["ZRANGESTORE zd z1 0 -1", "ZRANGESTORE zd z1 5 10", "ZRANGESTORE zd z1 5 10", "ZREMRANGEBYSCORE z1 -inf +inf", "ZADD z1 1 a", "ZUNIONSTORE zd 1 z1 WEIGHTS 2"]);
    d.notified(&["RPUSH sl 3 1 2", "SORT sl STORE so", "SORT sl STORE so", "SORT nosuch STORE so", "SORT nosuch STORE so", "SORT sl"]);
    // RESTORE of a payload Redis dumped.
    let (_, dumped) = d.send(On::Pub, &[b"DUMP", b"sl"], 1);
    let start = dumped.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
    let payload = &dumped[start..dumped.len() - 2];
    for args in [&[b"RESTORE".as_slice(), b"r", b"0", payload][..], &[b"RESTORE", b"r", b"0", payload, b"REPLACE"], &[b"RESTORE", b"r", b"1", payload, b"REPLACE", b"ABSTTL"], &[b"RESTORE", b"r", b"1", payload, b"ABSTTL"], &[b"RESTORE", b"r", b"100000", payload]] {
        d.step(On::Pub, args, 1, [0, 0]);
    }
    let got = d.notified(&[]);
    assert!(got.contains("__keyevent@0__:restore\r\n$1\r\nr"), "{got}");
    // Blocking pops, once served: the push that served them, then their pop.
    d.block("BLPOP bl 0");
    d.run(On::Pub, "RPUSH bl x", 1, [0, 0]);
    d.served("BLPOP");
    d.notified(&[]);
    d.block("BRPOP bl nosuch 0");
    d.run(On::Pub, "RPUSH bl x y", 1, [0, 0]);
    d.served("BRPOP");
    d.notified(&["DEL bl"]);
    d.block("BLMOVE bm bdst RIGHT LEFT 0");
    d.run(On::Pub, "RPUSH bm x", 1, [0, 0]);
    d.served("BLMOVE");
    d.notified(&[]);
    d.block("BLMPOP 0 1 bm LEFT COUNT 3");
    d.run(On::Pub, "RPUSH bm x y", 1, [0, 0]);
    d.served("BLMPOP");
    d.notified(&[]);
    d.block("BZPOPMIN bz 0");
    d.run(On::Pub, "ZADD bz 1 a 2 b", 1, [0, 0]);
    d.served("BZPOPMIN");
    d.notified(&[]);
    d.block("BZMPOP 0 1 bz2 MAX COUNT 5");
    d.run(On::Pub, "ZADD bz2 1 a 2 b", 1, [0, 0]);
    d.served("BZMPOP");
    let got = d.notified(&[]);
    assert!(got.contains("__keyevent@0__:zpopmax\r\n$3\r\nbz2"), "{got}");
    // "new" for the keys commands create, where Redis announces it.
    d.notified(&["CONFIG SET notify-keyspace-events AKEn", "RPUSH nl a b", "SADD ns a", "HSET nh a 1", "HINCRBY nh2 a 1", "ZADD nz 1 a", "ZINCRBY nz2 1 a"]);
    d.notified(&["LMOVE nl nl2 LEFT LEFT", "SMOVE ns ns2 a", "ZUNIONSTORE nz3 1 nz", "SINTERSTORE ns3 ns2", "SORT nl STORE nl3", "ZRANGESTORE nz4 nz 0 -1"]);
    // Only the classes asked for.
    d.notified(&["CONFIG SET notify-keyspace-events Kh", "HSET hh a 1", "SADD ss a", "DEL hh ss"]);
    d.notified(&["CONFIG SET notify-keyspace-events Elz", "RPUSH ll a", "LPOP ll", "ZADD zz 1 a", "ZPOPMIN zz", "SADD ss a"]);
}
