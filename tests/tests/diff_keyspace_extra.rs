//! Differential tests of the keyspace commands of the data-types issue:
//! COPY, MOVE, SWAPDB, TOUCH, EXPIRETIME, PEXPIRETIME and OBJECT, against
//! a real redis-server 7.0. Replies must be identical; only OBJECT IDLETIME
//! may differ by one second (the two servers' clocks tick apart), and KEYS
//! results are compared sorted.

use hotkv_tests::diff::*;

fn normalise(args: &[Vec<u8>], r: R) -> R {
    match String::from_utf8_lossy(&args[0]).to_ascii_lowercase().as_str() {
        "keys" => sort_array(r),
        _ => r,
    }
}

fn idle_within_a_second(args: &[Vec<u8>], a: &R, b: &R, _slack: bool) -> bool {
    let idletime = args.len() == 3 && args[1].eq_ignore_ascii_case(b"idletime");
    matches!((a, b), (R::Int(x), R::Int(y)) if idletime && (x - y).abs() <= 1)
}

fn pair() -> Pair {
    Pair::start(normalise, idle_within_a_second)
}

#[test]
fn copy_strings_hashes_options_and_errors() {
    let mut p = pair();
    p.run(&[
        "SET s hello",
        "COPY s s",
        "COPY s s DB 0",
        "COPY s s DB 1",
        "GET s",
        "SELECT 1",
        "GET s",
        "DEL s",
        "SELECT 0",
        "COPY s s2",
        "GET s2",
        "COPY s s2",
        "SET s world",
        "COPY s s2 REPLACE",
        "GET s2",
        "COPY s s2 replace REPLACE",
        "COPY nokey x",
        "COPY nokey x REPLACE",
        "EXISTS x",
        "COPY s s3 DB",
        "COPY s s3 DB x",
        "COPY s s3 DB 16",
        "COPY s s3 DB -1",
        "COPY s s3 DB 99999999999999999999",
        "COPY s s3 FOO",
        "COPY s s3 REPLACE DB",
        "COPY s s3 DB 1 DB",
        "COPY s s3 DB 0 DB 2",
        "SELECT 2",
        "GET s3",
        "SELECT 0",
        "EXISTS s3",
        "COPY s",
        "COPY",
        // Expiry is copied; a plain COPY REPLACE onto a volatile key drops its TTL.
        "PEXPIREAT s 4000000000123",
        "COPY s sx",
        "PEXPIRETIME sx",
        "SET plain v",
        "COPY plain sx REPLACE",
        "PEXPIRETIME sx",
        // Hashes, both encodings: a deep copy, independent of the original.
        "HSET h a 1 b 2 c 3",
        "COPY h h2",
        "HSET h2 d 4",
        "HLEN h",
        "HLEN h2",
        "OBJECT ENCODING h2",
        "HSET big f 0123456789012345678901234567890123456789012345678901234567890123456789",
        "OBJECT ENCODING big",
        "COPY big big2 DB 3",
        "SELECT 3",
        "OBJECT ENCODING big2",
        "HGETALL big2",
        "HDEL big2 f",
        "EXISTS big2",
        "SELECT 0",
        "HLEN big",
        // Types across COPY REPLACE.
        "COPY h s REPLACE",
        "TYPE s",
        "HGET s b",
        "COPY plain h REPLACE",
        "TYPE h",
        "GET h",
    ]);
}

#[test]
fn move_and_swapdb() {
    let mut p = pair();
    p.run(&[
        "SET k v",
        "MOVE k 0",
        "MOVE nokey 0",
        "MOVE k x",
        "MOVE k 16",
        "MOVE k -1",
        "MOVE k 4294967297",
        "MOVE k",
        "MOVE nokey 1",
        "PEXPIREAT k 4000000000123",
        "MOVE k 1",
        "EXISTS k",
        "SELECT 1",
        "GET k",
        "PEXPIRETIME k",
        "SET k other",
        "SELECT 0",
        "SET k again",
        "MOVE k 1",
        "GET k",
        "HSET h f v",
        "MOVE h 5",
        "SELECT 5",
        "HGETALL h",
        "SELECT 0",
        "SWAPDB x 1",
        "SWAPDB 1 x",
        "SWAPDB 0 16",
        "SWAPDB -1 0",
        "SWAPDB 4294967296 0",
        "SWAPDB 0",
        "SWAPDB 3 3",
    ]);
    // Clients that selected either database see the other's data after the
    // swap; their selection stays.
    let mut hk = [Conn::open(p.hk.port), Conn::open(p.hk.port)];
    let mut rd = [Conn::open(p.rd.port), Conn::open(p.rd.port)];
    for (i, db) in [(0usize, "0"), (1, "1")] {
        for c in [&mut hk[i], &mut rd[i]] {
            assert_eq!(c.cmd(&words(&format!("SELECT {db}"))), R::Simple(b"OK".to_vec()));
        }
    }
    p.run(&["SET only0 zero", "SWAPDB 0 1", "GET only0", "GET k", "DBSIZE", "SELECT 1", "GET only0", "DBSIZE", "SWAPDB 1 0", "GET only0"]);
    p.run(&["SWAPDB 0 1"]);
    for i in 0..2 {
        for cmd in ["GET only0", "GET k", "DBSIZE", "KEYS *"] {
            let (a, b) = (hk[i].cmd(&words(cmd)), rd[i].cmd(&words(cmd)));
            assert_eq!(sort_array(a), sort_array(b), "client of db {i}: {cmd}");
        }
    }
}

#[test]
fn touch_and_expiretime() {
    let mut p = pair();
    p.run(&[
        "SET a 1",
        "SET b 2",
        "TOUCH a",
        "TOUCH a b nokey a",
        "TOUCH nokey",
        "TOUCH",
        "HSET h f v",
        "TOUCH h a",
        "EXPIRETIME a",
        "PEXPIRETIME a",
        "EXPIRETIME nokey",
        "PEXPIRETIME nokey",
        "EXPIREAT a 4000000000",
        "EXPIRETIME a",
        "PEXPIRETIME a",
        "PEXPIREAT a 4000000000999",
        "EXPIRETIME a",
        "PEXPIRETIME a",
        "PERSIST a",
        "EXPIRETIME a",
        "PEXPIREAT h 4000000000001",
        "EXPIRETIME h",
        "EXPIRETIME",
        "EXPIRETIME a b",
        "PEXPIRETIME",
        // A key whose expiry passed is gone.
        "PEXPIREAT b 1",
        "EXPIRETIME b",
        "TOUCH b",
    ]);
}

#[test]
fn object_encodings_refcounts_and_errors() {
    let mut p = pair();
    let s44 = "x".repeat(44);
    let s45 = "x".repeat(45);
    let long_field = "f".repeat(65);
    let script: Vec<String> = [
        "SET s abc",
        "OBJECT ENCODING s",
        "SET s 12345",
        "OBJECT ENCODING s",
        "SET s 9223372036854775807",
        "OBJECT ENCODING s",
        "SET s 9223372036854775808",
        "OBJECT ENCODING s",
        "SET s -0",
        "OBJECT ENCODING s",
        "SET s 007",
        "OBJECT ENCODING s",
        "SET s +1",
        "OBJECT ENCODING s",
        "SET s 123456789",
        "OBJECT ENCODING s",
        "SET s 12345678x",
        "OBJECT ENCODING s",
        &format!("SET s {s44}"),
        "OBJECT ENCODING s",
        &format!("SET s {s45}"),
        "OBJECT ENCODING s",
        "SET s ab",
        "APPEND s c",
        "OBJECT ENCODING s",
        "APPEND s xxxxxxxxxxxxxxxxxxxxxx",
        "OBJECT ENCODING s",
        "SET s 12",
        "APPEND s 3",
        "OBJECT ENCODING s",
        "GET s",
        "INCR s",
        "OBJECT ENCODING s",
        "APPEND newa abc",
        "OBJECT ENCODING newa",
        "APPEND newi 42",
        "OBJECT ENCODING newi",
        "SETRANGE newr 0 abc",
        "OBJECT ENCODING newr",
        "SET r abcdefghijklmnop",
        "OBJECT ENCODING r",
        "SETRANGE r 0 X",
        "OBJECT ENCODING r",
        "SET r abc",
        "SETRANGE r 1 X",
        "OBJECT ENCODING r",
        "INCRBYFLOAT f 3",
        "OBJECT ENCODING f",
        "INCRBYFLOAT f 0.5",
        "OBJECT ENCODING f",
        "INCR cnt",
        "OBJECT ENCODING cnt",
        "GETSET cnt 77",
        "OBJECT ENCODING cnt",
        "MSET m1 1 m2 hello",
        "OBJECT ENCODING m1",
        "OBJECT ENCODING m2",
        "SETNX nx 5",
        "OBJECT ENCODING nx",
        "SETEX ex 100 abc",
        "OBJECT ENCODING ex",
        // Reference counts: shared integers 0..9999, except a copy.
        "SET n 5",
        "OBJECT REFCOUNT n",
        "SET n 0",
        "OBJECT REFCOUNT n",
        "SET n 9999",
        "OBJECT REFCOUNT n",
        "SET n 10000",
        "OBJECT REFCOUNT n",
        "SET n -1",
        "OBJECT REFCOUNT n",
        "SET n 5",
        "COPY n n2",
        "OBJECT REFCOUNT n2",
        "OBJECT ENCODING n2",
        "INCR n2",
        "OBJECT REFCOUNT n2",
        "MOVE n 1",
        "SELECT 1",
        "OBJECT REFCOUNT n",
        "SELECT 0",
        "RENAME n2 n3",
        "OBJECT REFCOUNT n3",
        "OBJECT REFCOUNT s",
        "INCRBYFLOAT fl 1",
        "OBJECT REFCOUNT fl",
        "COPY r r2",
        "OBJECT ENCODING r2",
        "COPY m2 m3",
        "OBJECT ENCODING m3",
        "COPY s s2",
        "OBJECT ENCODING s2",
        // Hashes.
        "HSET h f v",
        "OBJECT ENCODING h",
        "OBJECT REFCOUNT h",
        &format!("HSET h {long_field} v"),
        "OBJECT ENCODING h",
        "HDEL h f",
        "OBJECT ENCODING h",
        // Missing keys, FREQ, IDLETIME, arity, HELP.
        "OBJECT ENCODING nokey",
        "OBJECT REFCOUNT nokey",
        "OBJECT IDLETIME nokey",
        "OBJECT FREQ nokey",
        "OBJECT FREQ h",
        "OBJECT IDLETIME h",
        "OBJECT IDLETIME s",
        "OBJECT",
        "OBJECT ENCODING",
        "OBJECT ENCODING a b",
        "OBJECT foo",
        "OBJECT foo bar",
        "OBJECT HELP",
        "object help",
        "OBJECT HELP x",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    p.run(&script.iter().map(|s| s.as_str()).collect::<Vec<_>>());
    // A big hash turns into a table past 512 fields; its copy keeps that.
    let fields: Vec<String> = (0..513).map(|i| format!("f{i} v{i}")).collect();
    p.run(&[&format!("HSET big {}", fields[..512].join(" ")), "OBJECT ENCODING big", "COPY big lp", "OBJECT ENCODING lp", &format!("HSET big {}", fields[512]), "OBJECT ENCODING big", "COPY big big2", "OBJECT ENCODING big2", "HLEN big2"]);
}

/// SORT and SORT_RO on what exists so far: no sortable type (list, set,
/// sorted set) yet, so missing keys (an empty list), wrong types, every
/// option's parsing and errors, and STORE of an empty result (which
/// deletes the destination). The sorting itself is unit-tested in
/// `core-logic/src/sort.rs`.
#[test]
fn sort_parsing_errors_missing_and_wrong_types() {
    let mut p = pair();
    p.run(&[
        "SET s 1",
        "HSET h f 1",
        "SET w_1 5",
        "SORT nokey",
        "SORT_RO nokey",
        "SORT nokey DESC ALPHA LIMIT 0 10 BY w_* GET # GET w_* GET h_*->f",
        "SORT nokey BY nosort",
        "SORT nokey asc desc alpha",
        "SORT nokey LIMIT -5 -5",
        "SORT nokey LIMIT 0 9223372036854775807",
        "SORT nokey LIMIT x 1",
        "SORT nokey LIMIT 1 x",
        "SORT nokey LIMIT 1",
        "SORT nokey LIMIT",
        "SORT nokey BY",
        "SORT nokey GET",
        "SORT nokey STORE",
        "SORT nokey FOO",
        "SORT_RO nokey STORE dst",
        "SORT_RO nokey LIMIT 1",
        "SORT s",
        "SORT h",
        "SORT_RO s",
        "SORT_RO h BY nosort",
        "SORT s STORE dst",
        "SORT s FOO",
        "SORT s LIMIT x 1",
        "SORT h GET #",
        // STORE of an empty result deletes the destination, whatever it was.
        "SET dst old",
        "SORT nokey STORE dst",
        "EXISTS dst",
        "HSET dst f v",
        "SORT nokey STORE dst DESC",
        "EXISTS dst",
        "SORT nokey STORE dst",
        "SORT nokey STORE s STORE h",
        "EXISTS s h",
        "SORT",
        "SORT_RO",
    ]);
}

#[test]
fn sort_getkeys_and_idle_clock() {
    let mut p = pair();
    p.run(&[
        "COMMAND GETKEYS SORT k",
        "COMMAND GETKEYS SORT k STORE d",
        "COMMAND GETKEYS SORT k LIMIT store d GET store x store y",
        "COMMAND GETKEYS SORT k store store d",
        "COMMAND GETKEYS SORT k STORE",
        "COMMAND GETKEYS SORT_RO k STORE d",
        "COMMAND GETKEYS COPY a b DB 1",
        "COMMAND GETKEYS MOVE a 1",
        "COMMAND GETKEYS TOUCH a b c",
        "COMMAND GETKEYS OBJECT ENCODING k",
        "COMMAND GETKEYS SWAPDB 0 1",
        "SET a 1",
        "SET b 2",
        "HSET h f v",
    ]);
    // Idle time grows with the clock; TOUCH and reads reset it, OBJECT,
    // EXISTS, TYPE and TTL do not.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    p.run(&["OBJECT IDLETIME a", "OBJECT IDLETIME b", "OBJECT IDLETIME h", "EXISTS a", "TYPE a", "TTL a", "OBJECT IDLETIME a"]);
    p.run(&["TOUCH a h nokey", "OBJECT IDLETIME a", "OBJECT IDLETIME h", "OBJECT IDLETIME b", "GET b", "OBJECT IDLETIME b"]);
}

/// Sets through the generic keyspace machinery: COPY keeps the encoding,
/// OBJECT names it, SORT reads a set's members (BY, GET, LIMIT, ALPHA).
#[test]
fn copy_object_and_sort_on_sets() {
    let mut p = pair();
    p.run(&[
        "SADD si 3 1 2 10",
        "SADD st b a c",
        "COPY si ci",
        "COPY st ct",
        "OBJECT ENCODING ci",
        "OBJECT ENCODING ct",
        "SCARD ci",
        "SISMEMBER ct a",
        "SADD ci 4",
        "SCARD si",
        "SORT si",
        "SORT si DESC LIMIT 1 2",
        "SORT st ALPHA",
        "SORT st",
        "SET w_1 30",
        "SET w_2 10",
        "SET w_3 20",
        "SORT si BY w_* GET # GET w_*",
        "HSET h_a f 2",
        "HSET h_b f 1",
        "HSET h_c f 3",
        "SORT st BY h_*->f GET #",
        "SORT_RO st ALPHA DESC",
    ]);
}
