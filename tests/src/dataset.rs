//! A dataset with every type and encoding, several databases and
//! expiries (`populate`), and a comparable snapshot of everything a server
//! holds (`snapshot`, `assert_same`): for tests that move data between
//! hotkv and real Redis (RDB files, DUMP/RESTORE, the AOF).

use crate::diff::{bulks, Conn, R};

pub fn cmd(c: &mut Conn, args: &[&[u8]]) -> R {
    c.cmd(&args.iter().map(|a| a.to_vec()).collect::<Vec<_>>())
}

pub fn ok(c: &mut Conn, args: &[&[u8]]) {
    let r = cmd(c, args);
    assert!(!matches!(r, R::Err(_)), "{:?}: {r:?}", args.iter().map(|a| String::from_utf8_lossy(a)).collect::<Vec<_>>());
}

/// Deterministic bytes that LZF cannot shrink.
pub fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// A dataset with every type and encoding hotkv has, in three databases.
pub fn populate(c: &mut Conn) {
    let compressible = "ab".repeat(500);
    let incompressible = noise(300, 7);
    ok(c, &[b"SET", b"s:small", b"hello"]);
    ok(c, &[b"SET", b"s:int", b"12345"]);
    ok(c, &[b"SET", b"s:neg", b"-70000"]);
    ok(c, &[b"SET", b"s:bigint", b"12345678901234"]);
    ok(c, &[b"SET", b"s:lead0", b"007"]);
    ok(c, &[b"SET", b"s:empty", b""]);
    ok(c, &[b"SET", b"s:compressible", compressible.as_bytes()]);
    ok(c, &[b"SET", b"s:incompressible", &incompressible]);
    ok(c, &[b"SET", b"bin\x00\xff\r\nkey", b"\x00\x01\x02binary\xfe"]);
    ok(c, &[b"HSET", b"h:small", b"a", b"1", b"b", b"two", b"c", b"-3", b"", b"empty"]);
    ok(c, &[b"HSET", b"h:longval", b"f", "v".repeat(100).as_bytes()]);
    for i in 0..600 {
        ok(c, &[b"HSET", b"h:large", format!("field:{i}").as_bytes(), format!("value:{}", i * 7).as_bytes()]);
        ok(c, &[b"SADD", b"set:intlarge", (i * 13 - 4000).to_string().as_bytes()]);
        ok(c, &[b"SADD", b"set:large", format!("member:{i}").as_bytes()]);
    }
    ok(c, &[b"SADD", b"set:int", b"1", b"2", b"3", b"-5", b"70000", b"5000000000"]);
    ok(c, &[b"SADD", b"set:int16", b"1", b"-300"]);
    ok(c, &[b"SADD", b"set:str", b"a", b"b", b"c", b"12"]);
    ok(c, &[b"RPUSH", b"l:small", b"a", b"1", b"-2", b"300000", b"", b"x y"]);
    for i in 0..1000 {
        let item = match i % 4 {
            0 => i.to_string().into_bytes(),
            1 => format!("item-{i}").into_bytes(),
            2 => noise(70 + i % 300, i as u64),
            _ => "z".repeat(5000).into_bytes(),
        };
        ok(c, &[b"RPUSH", b"l:large", &item]);
    }
    // Sorted sets: a listpack (integral, fractional, negative, infinite
    // scores), a skiplist by size, one by a long member.
    ok(c, &[b"ZADD", b"z:small", b"1", b"a", b"2.5", b"b", b"-3", b"c", b"inf", b"top", b"-inf", b"bottom", b"1e20", b"big", b"0.1", b"tenth"]);
    ok(c, &[b"ZADD", b"z:longmember", b"7", "m".repeat(100).as_bytes(), b"8", b"short"]);
    for i in 0..300 {
        ok(c, &[b"ZADD", b"z:large", format!("{}", i as f64 / 7.0 - 20.0).as_bytes(), format!("member:{i}").as_bytes()]);
    }
    ok(c, &[b"ZADD", b"ttl:z", b"1", b"x"]);
    ok(c, &[b"EXPIRE", b"ttl:z", b"100000"]);
    ok(c, &[b"SET", b"ttl:s", b"v", b"PX", b"100000000"]);
    ok(c, &[b"HSET", b"ttl:h", b"f", b"v"]);
    ok(c, &[b"EXPIRE", b"ttl:h", b"100000"]);
    ok(c, &[b"SELECT", b"1"]);
    ok(c, &[b"SET", b"db1:key", b"in db 1"]);
    ok(c, &[b"SADD", b"db1:set", b"x"]);
    ok(c, &[b"SELECT", b"15"]);
    ok(c, &[b"RPUSH", b"db15:list", b"a", b"b"]);
    ok(c, &[b"SET", b"s:small", b"same name, db 15"]);
    ok(c, &[b"SELECT", b"0"]);
}

/// Database, key, type, value, encoding, has an expiry.
pub type KeyState = (usize, Vec<u8>, String, Vec<Vec<u8>>, String, bool);

/// Everything a server holds, comparable across servers: per database
/// and key (sorted), the type, the value (unordered collections sorted),
/// the encoding and whether it has an expiry.
pub fn snapshot(port: u16) -> Vec<KeyState> {
    let mut c = Conn::open(port);
    let mut out = Vec::new();
    for db in 0..16 {
        ok(&mut c, &[b"SELECT", db.to_string().as_bytes()]);
        let mut keys = bulks(cmd(&mut c, &[b"KEYS", b"*"]));
        keys.sort();
        for k in keys {
            let R::Simple(t) = cmd(&mut c, &[b"TYPE", &k]) else { panic!("TYPE") };
            let t = String::from_utf8(t).unwrap();
            let value = match t.as_str() {
                "string" => match cmd(&mut c, &[b"GET", &k]) {
                    R::Bulk(Some(v)) => vec![v],
                    r => panic!("GET: {r:?}"),
                },
                "hash" => bulks(cmd(&mut c, &[b"HGETALL", &k])).chunks(2).map(|p| [p[0].clone(), b"=".to_vec(), p[1].clone()].concat()).collect::<std::collections::BTreeSet<_>>().into_iter().collect(),
                "set" => {
                    let mut m = bulks(cmd(&mut c, &[b"SMEMBERS", &k]));
                    m.sort();
                    m
                }
                "list" => bulks(cmd(&mut c, &[b"LRANGE", &k, b"0", b"-1"])),
                "zset" => bulks(cmd(&mut c, &[b"ZRANGE", &k, b"0", b"-1", b"WITHSCORES"])),
                t => panic!("unexpected type {t}"),
            };
            let R::Bulk(Some(enc)) = cmd(&mut c, &[b"OBJECT", b"ENCODING", &k]) else { panic!("OBJECT ENCODING") };
            let R::Int(pttl) = cmd(&mut c, &[b"PTTL", &k]) else { panic!("PTTL") };
            out.push((db, k, t, value, String::from_utf8(enc).unwrap(), pttl > 0));
        }
    }
    out
}

pub fn assert_same(a: u16, b: u16) {
    let (sa, sb) = (snapshot(a), snapshot(b));
    assert!(sa.len() >= 20, "dataset incomplete: {} keys", sa.len());
    assert_eq!(sa.len(), sb.len(), "key counts differ");
    for (x, y) in sa.iter().zip(&sb) {
        assert_eq!(x, y, "key {:?} differs", String::from_utf8_lossy(&x.1));
    }
}

/// The commands of an AOF file of commands (RESP arrays of bulk strings),
/// as argument lists.
pub fn parse_aof(mut b: &[u8]) -> Vec<Vec<Vec<u8>>> {
    fn line<'a>(b: &mut &'a [u8]) -> &'a [u8] {
        let end = b.windows(2).position(|w| w == b"\r\n").expect("CRLF");
        let l = &b[..end];
        *b = &b[end + 2..];
        l
    }
    let num = |l: &[u8], tag: u8| -> usize {
        assert_eq!(l[0], tag, "bad AOF line {:?}", String::from_utf8_lossy(l));
        std::str::from_utf8(&l[1..]).unwrap().parse().unwrap()
    };
    let mut out = Vec::new();
    while !b.is_empty() {
        let n = num(line(&mut b), b'*');
        let mut cmd = Vec::with_capacity(n);
        for _ in 0..n {
            let len = num(line(&mut b), b'$');
            cmd.push(b[..len].to_vec());
            assert_eq!(&b[len..len + 2], b"\r\n");
            b = &b[len + 2..];
        }
        out.push(cmd);
    }
    out
}
