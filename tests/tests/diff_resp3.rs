//! RESP3 against redis-server 7.0: every connection sends `HELLO 3` first,
//! then scripts of every command family compare the replies type by type
//! (maps, sets, doubles, nulls, verbatim strings, pushes). Only what Redis
//! leaves undefined is normalised: set and key order, connection ids, and
//! the contents of INFO and CLIENT INFO (their shape is compared).

use hotkv_tests::diff::*;

fn normalise(args: &[Vec<u8>], r: R) -> R {
    let cmd = String::from_utf8_lossy(&args[0]).to_ascii_uppercase();
    let sub = args.get(1).map(|a| String::from_utf8_lossy(a).to_ascii_uppercase()).unwrap_or_default();
    match (cmd.as_str(), r) {
        // Set members and keys come in hash-table order.
        // Set members and keys come in hash-table order, and so do the
        // picks of a random command whose count covers the whole value.
        ("SMEMBERS" | "SINTER" | "SUNION" | "SDIFF" | "SPOP" | "SRANDMEMBER" | "ZRANDMEMBER" | "HRANDFIELD" | "KEYS", r) => sort_array(r),
        ("PUBSUB", r) if sub == "CHANNELS" => sort_array(r),
        ("CONFIG", r) if sub == "GET" => sort_array(r),
        ("COMMAND", r) => sort_subcommands(r),
        ("SCAN" | "SSCAN", R::Array(Some(v))) => R::Array(Some(v.into_iter().map(sort_array).collect())),
        ("HELLO", R::Map(m)) => R::Map(m.into_iter().map(|(k, v)| if k == R::Bulk(Some(b"id".to_vec())) { (k, R::Int(0)) } else { (k, v) }).collect()),
        ("HELLO", R::Array(Some(mut v))) if v.len() == 14 => {
            v[7] = R::Int(0);
            R::Array(Some(v))
        }
        // INFO's fields and values are the server's own: the type and the
        // format are compared, and that the text is a `# Section` listing.
        ("INFO", R::Verbatim(f, t)) => R::Verbatim(f, t.starts_with(b"# ").to_string().into_bytes()),
        // CLIENT INFO / LIST: the field names, in order.
        ("CLIENT", R::Verbatim(f, t)) if sub == "INFO" || sub == "LIST" => {
            let names: Vec<&[u8]> = t.split(|&b| b == b' ' || b == b'\n').filter_map(|w| w.split(|&b| b == b'=').next()).collect();
            R::Verbatim(f, names.join(&b' '))
        }
        (_, r) => r,
    }
}

/// COMMAND INFO / DOCS list a container's subcommands in hash-table order:
/// sorted here, at every depth (the tenth field of an INFO entry, DOCS's
/// `subcommands` map).
fn sort_subcommands(r: R) -> R {
    match r {
        R::Array(Some(v)) => {
            let info = v.len() == 10 && matches!(v[1], R::Int(_));
            let mut v: Vec<R> = v.into_iter().map(sort_subcommands).collect();
            if info {
                v[9] = sort_array(v[9].clone());
            }
            R::Array(Some(v))
        }
        R::Map(m) => {
            let m = m.into_iter().map(|(k, v)| {
                let v = sort_subcommands(v);
                let v = if k == R::Bulk(Some(b"subcommands".to_vec())) { sort_array(v) } else { v };
                (k, v)
            });
            R::Map(m.collect())
        }
        r => r,
    }
}

fn pair() -> Pair {
    Pair::start_resp3(normalise, exact)
}

#[test]
fn strings_and_keyspace() {
    let mut p = pair();
    p.run(&[
        "HELLO",
        "HELLO 2",
        "GET s",
        "HELLO 3",
        "SET s 1",
        "GET s",
        "GET nope",
        "GETDEL nope",
        "GETEX nope",
        "MGET s nope s",
        "SET s 2 GET",
        "SET n 1 NX GET",
        "INCRBYFLOAT s 1.5",
        "STRLEN s",
        "EXISTS s nope",
        "TYPE s",
        "TYPE nope",
        "OBJECT ENCODING s",
        "OBJECT ENCODING nope",
        "OBJECT FREQ s",
        "EXPIRE s 100",
        "EXPIRETIME nope",
        "TTL nope",
        "PERSIST s",
        "SCAN 0",
        "SCAN 0 TYPE string",
        "KEYS *",
        "DUMP nope",
        "FLUSHALL",
        "RANDOMKEY",
        "SCAN 0",
        "PING",
        "PING x",
        "ECHO x",
        "SELECT 1",
        "DBSIZE",
    ]);
}

#[test]
fn hashes() {
    let mut p = pair();
    p.run(&[
        "HSET h a 1 b 2 c 3",
        "HGETALL h",
        "HGETALL nope",
        "HKEYS h",
        "HVALS h",
        "HGET h a",
        "HGET h x",
        "HGET nope x",
        "HMGET h a x b",
        "HMGET nope a",
        "HINCRBYFLOAT h a 0.5",
        "HRANDFIELD nope",
        "HRANDFIELD nope 2",
        "HRANDFIELD nope 2 WITHVALUES",
        "HRANDFIELD h 3 WITHVALUES",
        "HRANDFIELD h 0 WITHVALUES",
        "HSCAN h 0",
        "HSTRLEN h a",
        "HEXISTS h a",
    ]);
}

#[test]
fn sets() {
    let mut p = pair();
    p.run(&[
        "SADD s a b c 1 2",
        "SADD t b c d",
        "SMEMBERS s",
        "SMEMBERS nope",
        "SINTER s t",
        "SINTER s nope",
        "SUNION s t",
        "SDIFF s t",
        "SINTERCARD 2 s t",
        "SISMEMBER s a",
        "SMISMEMBER s a x",
        "SRANDMEMBER nope",
        "SRANDMEMBER nope 3",
        "SRANDMEMBER s 10",
        "SPOP nope",
        "SPOP nope 2",
        "SADD one x",
        "SPOP one 1",
        "SPOP t 0",
        "SSCAN s 0",
        "SINTERSTORE d s t",
        "SMOVE s t a",
    ]);
}

#[test]
fn lists_and_blocking_timeouts() {
    let mut p = pair();
    p.run(&[
        "LPOP nope",
        "LPOP nope 2",
        "RPOP nope 0",
        "RPUSH l a b c",
        "LPOP l 0",
        "LPOP l 2",
        "LINDEX l 5",
        "LPOS l c",
        "LPOS l x",
        "LPOS l x COUNT 2",
        "LMPOP 1 nope LEFT",
        "LMPOP 1 l RIGHT COUNT 5",
        "LMOVE nope l LEFT LEFT",
        "RPOPLPUSH nope l",
        "BLPOP nope 0.05",
        "BRPOP nope 0.05",
        "BLMOVE nope l LEFT LEFT 0.05",
        "BRPOPLPUSH nope l 0.05",
        "BLMPOP 0.05 1 nope LEFT",
        "RPUSH l x",
        "BLPOP l 0.05",
    ]);
    // Served after blocking: the reply comes once the push is done.
    p.send_on(2, &words("BLPOP w 5"));
    // Time for both servers to block the client before the push.
    std::thread::sleep(std::time::Duration::from_millis(200));
    p.run(&["1: RPUSH w v", "2: (pending)"]);
}

#[test]
fn sorted_sets() {
    let mut p = pair();
    p.run(&[
        "ZADD z 1 a 2.5 b -3 c 1e300 d",
        "ZRANGE z 0 -1",
        "ZRANGE z 0 -1 WITHSCORES",
        "ZRANGE z 0 -1 REV WITHSCORES",
        "ZRANGE z (1 +inf BYSCORE WITHSCORES",
        "ZREVRANGE z 0 1 WITHSCORES",
        "ZRANGEBYSCORE z -inf +inf WITHSCORES LIMIT 1 2",
        "ZREVRANGEBYSCORE z +inf -inf WITHSCORES",
        "ZSCORE z a",
        "ZSCORE z nope",
        "ZSCORE nope a",
        "ZMSCORE z a nope d",
        "ZMSCORE nope a",
        "ZINCRBY z 0.1 a",
        "ZADD z INCR 1 b",
        "ZADD z NX INCR 1 b",
        "ZADD z XX INCR 1 nope",
        "ZRANK z b",
        "ZRANK z nope",
        "ZREVRANK nope a",
        "ZRANDMEMBER nope",
        "ZRANDMEMBER nope 2",
        "ZRANDMEMBER nope 2 WITHSCORES",
        "ZRANDMEMBER z 10 WITHSCORES",
        "ZRANDMEMBER z 0 WITHSCORES",
        "ZSCAN z 0",
        "ZUNION 2 z nope WITHSCORES",
        "ZINTER 1 z WITHSCORES",
        "ZDIFF 1 z WITHSCORES",
        "ZPOPMIN z",
        "ZPOPMIN z 2",
        "ZPOPMAX z 0",
        "ZPOPMAX nope",
        "ZMPOP 1 nope MIN",
        "ZMPOP 1 z MAX COUNT 3",
        "ZADD z 1 x",
        "ZRANGESTORE dst z 0 -1",
    ]);
}

#[test]
fn pubsub_as_pushes() {
    let mut p = pair();
    p.run(&[
        "2: SUBSCRIBE ch other",
        "2: (pending)",
        "1: PUBLISH ch hi",
        "2: (pending)",
        "2: PSUBSCRIBE p*",
        "1: PUBLISH pa x",
        "2: (pending)",
        // A RESP3 subscriber may run any command, and PING is a plain PONG.
        "2: PING",
        "2: SET k v",
        "2: GET k",
        "1: PUBSUB NUMSUB ch nope",
        "1: PUBSUB CHANNELS",
        // Keyspace notifications are pushes too.
        "1: CONFIG SET notify-keyspace-events KEA",
        "2: SUBSCRIBE __keyevent@0__:set",
        "1: SET a b",
        "2: (pending)",
        "2: UNSUBSCRIBE ch",
        "2: UNSUBSCRIBE __keyevent@0__:set",
        "2: PUNSUBSCRIBE",
        "2: UNSUBSCRIBE",
        "2: UNSUBSCRIBE",
    ]);
}

#[test]
fn transactions() {
    let mut p = pair();
    p.run(&[
        "MULTI",
        "EXEC",
        "MULTI",
        "GET nope",
        "ZADD z INCR 1 a",
        "HSET h f v",
        "HGETALL h",
        "EXEC",
        "WATCH k",
        "2: SET k changed",
        "MULTI",
        "GET k",
        "EXEC",
        "MULTI",
        "NOSUCHCOMMAND",
        "EXEC",
    ]);
}

#[test]
fn server_and_introspection() {
    let mut p = pair();
    p.run(&[
        "CONFIG GET maxmemory",
        "CONFIG GET nope",
        "CONFIG GET hz maxmemory",
        "INFO",
        "INFO server",
        "CLIENT INFO",
        "CLIENT LIST",
        "CLIENT GETNAME",
        "CLIENT SETNAME me",
        "CLIENT GETNAME",
        "COMMAND INFO get",
        "COMMAND INFO config keys nope",
        "COMMAND DOCS get",
        "COMMAND DOCS info set client|setname",
        "COMMAND DOCS config",
        "ACL GETUSER default",
        "ACL GETUSER nope",
        "ACL SETUSER u on >pw ~* +@all",
        "ACL GETUSER u",
        "ACL WHOAMI",
        "ACL CAT",
        "OBJECT HELP",
    ]);
}

/// HELLO's options in one call, and its errors.
#[test]
fn hello() {
    let mut p = pair();
    p.run(&[
        "ACL SETUSER u on >pw ~* +@all",
        "2: HELLO 3 AUTH u pw SETNAME x",
        "2: CLIENT GETNAME",
        "2: ACL WHOAMI",
        "2: HELLO 3 AUTH u wrong",
        "2: HELLO 4",
        "2: HELLO x",
        "2: HELLO 2 SETNAME y",
        "2: GET nope",
        "2: HGETALL nope",
        "2: HELLO 3 BAD",
        "2: HELLO",
    ]);
}

/// A seeded random sequence of deterministic commands of every family on a
/// few shared keys (wrong types included), compared reply by reply.
#[test]
fn random_mixed_sequence() {
    let mut p = pair();
    let mut rng = Rng(0x5eed_3e53);
    let templates = [
        "SET {k} {v}", "GET {k}", "GETDEL {k}", "INCRBYFLOAT {k} 1.5", "MGET {k} {k}", "DEL {k}", "TYPE {k}", "EXISTS {k}",
        "HSET {k} {f} {v}", "HGETALL {k}", "HMGET {k} {f} {f}", "HGET {k} {f}", "HDEL {k} {f}", "HINCRBYFLOAT {k} {f} 0.25", "HKEYS {k}",
        "SADD {k} {f}", "SREM {k} {f}", "SMEMBERS {k}", "SISMEMBER {k} {f}", "SINTER {k} {k}", "SUNION {k} {k}",
        "ZADD {k} {n} {f}", "ZADD {k} INCR {n} {f}", "ZINCRBY {k} {n} {f}", "ZSCORE {k} {f}", "ZMSCORE {k} {f} {f}", "ZRANGE {k} 0 -1 WITHSCORES",
        "ZRANGEBYSCORE {k} -inf +inf WITHSCORES", "ZPOPMIN {k}", "ZPOPMAX {k} 2", "ZRANK {k} {f}",
        "RPUSH {k} {v}", "LPOP {k}", "RPOP {k} 2", "LRANGE {k} 0 -1", "LPOS {k} {v}", "LMPOP 2 {k} {k} LEFT COUNT 2",
    ];
    for _ in 0..1500 {
        let t = rng.pick(&templates);
        let mut line = String::new();
        for w in t.split(' ') {
            let w = match w {
                "{k}" => format!("k{}", rng.below(5)),
                "{f}" => format!("f{}", rng.below(4)),
                "{v}" => format!("v{}", rng.below(3)),
                "{n}" => format!("{}.{}", rng.int(-3, 3), rng.below(10)),
                w => w.to_string(),
            };
            line.push_str(&w);
            line.push(' ');
        }
        p.check(&words(&line));
    }
}
