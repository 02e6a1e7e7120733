//! Differential tests of the list commands: the same scripts go to hotkv
//! and to a real redis-server 7.0 and the replies must be the same, byte
//! for byte (lists have a defined order, so nothing is normalised but the
//! order of KEYS, SCAN and SMEMBERS).

use hotkv_tests::diff::*;

fn normalise(args: &[Vec<u8>], r: R) -> R {
    let name = String::from_utf8_lossy(&args[0]).to_ascii_lowercase();
    match (name.as_str(), r) {
        ("keys" | "smembers", r) => sort_array(r),
        ("scan", R::Array(Some(mut v))) if v.len() == 2 => {
            let items = v.pop().unwrap();
            v.push(sort_array(items));
            R::Array(Some(v))
        }
        (_, r) => r,
    }
}

fn pair() -> Pair {
    Pair::start(normalise, exact)
}

#[test]
fn push_pop_len_range_index() {
    let mut p = pair();
    p.run(&[
        "LPUSH l a",
        "LPUSH l b c",
        "RPUSH l x y z 1 -5 007 12345678901",
        "LLEN l",
        "LRANGE l 0 -1",
        "LRANGE l 0 0",
        "LRANGE l -3 -1",
        "LRANGE l -100 100",
        "LRANGE l 5 2",
        "LRANGE l 20 30",
        "LRANGE l -1 -3",
        "LRANGE l 2 -2",
        "LRANGE l -9223372036854775808 9223372036854775807",
        "LRANGE l x 1",
        "LRANGE l 1 1.5",
        "LRANGE nokey 0 -1",
        "LRANGE nokey x 1",
        "LRANGE l 0",
        "LINDEX l 0",
        "LINDEX l -1",
        "LINDEX l 100",
        "LINDEX l -100",
        "LINDEX l x",
        "LINDEX nokey x",
        "LINDEX nokey 0",
        "LINDEX l -9223372036854775808",
        "LLEN nokey",
        "LLEN",
        "LPUSH l",
        "RPUSH",
        "LPUSHX nokey a",
        "RPUSHX nokey a b",
        "EXISTS nokey",
        "LPUSHX l p q",
        "RPUSHX l r",
        "LPUSHX l",
        "LRANGE l 0 -1",
        "LPOP l",
        "RPOP l",
        "LPOP l 2",
        "RPOP l 3",
        "LPOP l 0",
        "RPOP l 0",
        "LPOP l -1",
        "LPOP l x",
        "LPOP l 1 2",
        "RPOP l 1 2 3",
        "LPOP nokey",
        "RPOP nokey",
        "LPOP nokey 1",
        "RPOP nokey 0",
        "LPOP nokey -1",
        "LRANGE l 0 -1",
        "RPOP l 100",
        "EXISTS l",
        "TYPE l",
        "RPUSH one only",
        "RPOP one",
        "EXISTS one",
        "RPUSH one only",
        "LPOP one 5",
        "EXISTS one",
        "LPOP",
    ]);
}

#[test]
fn set_insert_rem_trim() {
    let mut p = pair();
    p.run(&[
        "RPUSH l a b c a b c a",
        "LSET l 0 A",
        "LSET l -1 Z",
        "LSET l 7 q",
        "LSET l -8 q",
        "LSET l x q",
        "LSET nokey 0 q",
        "LSET nokey x q",
        "LSET l 3 12345",
        "LRANGE l 0 -1",
        "LINSERT l BEFORE b B1",
        "LINSERT l after c C1",
        "LINSERT l AFTER zz x",
        "LINSERT l middle b x",
        "LINSERT nokey BEFORE a b",
        "LINSERT nokey middle a b",
        "LINSERT l BEFORE 12345 n",
        "LINSERT l BEFORE Z last",
        "LRANGE l 0 -1",
        "LREM l 1 b",
        "LREM l -1 c",
        "LREM l 0 a",
        "LREM l 0 zz",
        "LREM l x a",
        "LREM nokey 0 a",
        "LREM nokey x a",
        "LRANGE l 0 -1",
        "RPUSH r x y x y x y x",
        "LREM r -2 x",
        "LRANGE r 0 -1",
        "LREM r 2 y",
        "LRANGE r 0 -1",
        "LREM r 0 x",
        "LREM r 0 y",
        "EXISTS r",
        "RPUSH t 0 1 2 3 4 5 6 7 8 9",
        "LTRIM t 1 -2",
        "LRANGE t 0 -1",
        "LTRIM t -3 100",
        "LRANGE t 0 -1",
        "LTRIM t -100 -2",
        "LRANGE t 0 -1",
        "LTRIM t x 1",
        "LTRIM nokey 0 1",
        "LTRIM nokey x 1",
        "LTRIM t 1 0",
        "EXISTS t",
        "RPUSH t a b",
        "LTRIM t 5 10",
        "EXISTS t",
        "LTRIM t 0",
    ]);
}

#[test]
fn lpos_options() {
    let mut p = pair();
    p.run(&[
        "RPUSH l a b c 1 2 3 c c b a c",
        "LPOS l c",
        "LPOS l zz",
        "LPOS l c RANK 2",
        "LPOS l c RANK -1",
        "LPOS l c RANK -3",
        "LPOS l c RANK 10",
        "LPOS l c RANK 0",
        "LPOS l c RANK x",
        "LPOS l c RANK -9223372036854775808",
        "LPOS l c COUNT 0",
        "LPOS l c COUNT 2",
        "LPOS l c COUNT 2 RANK -1",
        "LPOS l c COUNT 0 RANK 2",
        "LPOS l c COUNT 10 RANK -2",
        "LPOS l zz COUNT 3",
        "LPOS l c COUNT -1",
        "LPOS l c COUNT x",
        "LPOS l c MAXLEN 3",
        "LPOS l c MAXLEN 2",
        "LPOS l c MAXLEN 0 COUNT 0",
        "LPOS l c MAXLEN 5 COUNT 0",
        "LPOS l c MAXLEN 5 COUNT 0 RANK -1",
        "LPOS l c MAXLEN -1",
        "LPOS l c MAXLEN x",
        "LPOS l c RANK",
        "LPOS l c FOO 1",
        "LPOS l 1",
        "LPOS l 01",
        "LPOS nokey a",
        "LPOS nokey a COUNT 1",
        "LPOS nokey a RANK 0",
        "LPOS nokey a COUNT -1",
        "LPOS l",
    ]);
}

#[test]
fn lmove_rpoplpush_lmpop() {
    let mut p = pair();
    p.run(&[
        "RPUSH s a b c d",
        "LMOVE s d LEFT RIGHT",
        "LMOVE s d RIGHT LEFT",
        "LMOVE s d left left",
        "LMOVE s d Right Right",
        "LRANGE d 0 -1",
        "EXISTS s",
        "LMOVE s d LEFT RIGHT",
        "LMOVE d d LEFT RIGHT",
        "LMOVE d d RIGHT LEFT",
        "LMOVE d d LEFT LEFT",
        "LMOVE d d RIGHT RIGHT",
        "LRANGE d 0 -1",
        "RPUSH single x",
        "LMOVE single single LEFT RIGHT",
        "LRANGE single 0 -1",
        "LMOVE d d MIDDLE LEFT",
        "LMOVE nokey d MIDDLE LEFT",
        "LMOVE nokey d LEFT LEFT",
        "RPOPLPUSH d e",
        "RPOPLPUSH d d",
        "RPOPLPUSH nokey d",
        "RPOPLPUSH e gone",
        "EXISTS e",
        "LRANGE gone 0 -1",
        "LRANGE d 0 -1",
        "LMPOP 1 d LEFT",
        "LMPOP 1 d RIGHT",
        "LMPOP 3 nokey d gone LEFT COUNT 2",
        "LMPOP 3 nokey gone d RIGHT COUNT 10",
        "LMPOP 2 nokey d LEFT",
        "LMPOP 2 nokey nokey2 LEFT",
        "RPUSH m1 1 2 3",
        "RPUSH m2 a b c",
        "LMPOP 2 m1 m2 RIGHT COUNT 2",
        "LMPOP 2 m1 m2 RIGHT COUNT 2",
        "LMPOP 2 m1 m2 left count 5",
        "EXISTS m1 m2",
        "RPUSH m1 1",
        "LMPOP 0 m1 LEFT",
        "LMPOP -1 m1 LEFT",
        "LMPOP x m1 LEFT",
        "LMPOP 2 m1 LEFT",
        "LMPOP 5 m1 LEFT",
        "LMPOP 1 m1 MIDDLE",
        "LMPOP 1 m1 LEFT COUNT 0",
        "LMPOP 1 m1 LEFT COUNT -1",
        "LMPOP 1 m1 LEFT COUNT x",
        "LMPOP 1 m1 LEFT COUNT",
        "LMPOP 1 m1 LEFT COUNT 1 COUNT 1",
        "LMPOP 1 m1 LEFT FOO",
        "LMPOP 9223372036854775807 m1 LEFT",
        "LMPOP 1 m1",
        "LMPOP 1",
        "LMOVE a b LEFT",
        "RPOPLPUSH a",
        "COMMAND GETKEYS LMPOP 3 a b c LEFT COUNT 2",
        "COMMAND GETKEYS LMPOP 2 a LEFT",
        "COMMAND GETKEYS LMPOP 5 a LEFT",
        "COMMAND GETKEYS LMPOP 0 a LEFT",
        "COMMAND GETKEYS LMPOP x a LEFT",
        "COMMAND GETKEYS SINTERCARD 2 a b",
        "COMMAND GETKEYS LMOVE a b LEFT RIGHT",
        "COMMAND GETKEYS RPOPLPUSH a b",
        "COMMAND GETKEYS LPUSH k v w",
        "COMMAND GETKEYS LPOS k v RANK 1",
    ]);
}

#[test]
fn wrongtype_both_ways_and_keyspace() {
    let mut p = pair();
    p.run(&[
        "SET str v",
        "HSET h f v",
        "SADD st a",
        "RPUSH l a b c",
        "LPUSH str a",
        "RPUSH h a",
        "LPUSHX st a",
        "RPUSHX str a",
        "LPOP str",
        "RPOP str 2",
        "LLEN str",
        "LRANGE str 0 -1",
        "LINDEX str 0",
        "LINDEX str x",
        "LSET str 0 a",
        "LINSERT str BEFORE a b",
        "LREM str 0 a",
        "LTRIM str 0 1",
        "LPOS str a",
        "LMOVE str l LEFT LEFT",
        "LMOVE l str LEFT LEFT",
        "LRANGE l 0 -1",
        "RPOPLPUSH l h",
        "RPOPLPUSH h l",
        "LMPOP 2 str l LEFT",
        "LMPOP 2 l str LEFT",
        "LMPOP 2 nokey str LEFT",
        "GET l",
        "APPEND l x",
        "HSET l f v",
        "SADD l x",
        "SMEMBERS l",
        "HGETALL l",
        "INCR l",
        "TYPE l",
        "OBJECT ENCODING l",
        "RPUSH big 1 2 3",
        "OBJECT ENCODING big",
        "EXPIRE l 100",
        "TTL l",
        "RENAME l l2",
        "LRANGE l2 0 -1",
        "TTL l2",
        "COPY l2 l3",
        "LRANGE l3 0 -1",
        "TTL l3",
        "OBJECT ENCODING l3",
        "COPY l2 l3",
        "COPY l2 l3 REPLACE",
        "RPUSH l3 extra",
        "LRANGE l2 0 -1",
        "LRANGE l3 0 -1",
        "COPY l2 str REPLACE",
        "TYPE str",
        "LRANGE str 0 -1",
        "SCAN 0 TYPE list COUNT 100",
        "SCAN 0 TYPE string COUNT 100",
        "KEYS *",
        "DEL l2 l3",
        "EXISTS l2 l3",
        "SET l2 v",
        "GET l2",
        "RPUSH l4 a",
        "FLUSHDB",
        "DBSIZE",
        "LLEN l4",
    ]);
}

#[test]
fn sort_on_lists() {
    let mut p = pair();
    p.run(&[
        "RPUSH n 3 1 2 10 -5 2.5",
        "SORT n",
        "SORT n DESC",
        "SORT n ALPHA",
        "SORT n LIMIT 1 2",
        "SORT n LIMIT 0 -1",
        "SORT n LIMIT 10 2",
        "SORT n DESC LIMIT 2 3",
        "SORT_RO n",
        "RPUSH words b a c",
        "SORT words",
        "SORT words ALPHA",
        "SORT words ALPHA DESC",
        "SORT words BY nosort",
        "SORT words BY nosort DESC",
        "SORT words BY nosort LIMIT 1 1",
        "MSET w_a 3 w_b 1 w_c 2 o_a A o_b B",
        "SORT words BY w_*",
        "SORT words BY w_* DESC GET # GET o_*",
        "SORT words BY w_* GET o_* STORE dst",
        "LRANGE dst 0 -1",
        "TYPE dst",
        "OBJECT ENCODING dst",
        "SORT n STORE dst",
        "LRANGE dst 0 -1",
        "EXPIRE dst 100",
        "SORT n DESC LIMIT 0 2 STORE dst",
        "TTL dst",
        "LRANGE dst 0 -1",
        "SORT nokey STORE dst",
        "EXISTS dst",
        "SORT words ALPHA STORE words",
        "LRANGE words 0 -1",
        "SADD set c b a d",
        "SORT set BY nosort STORE dst",
        "LRANGE dst 0 -1",
        "SORT set BY nosort ALPHA STORE dst",
        "LRANGE dst 0 -1",
        "SORT set BY nosort DESC STORE dst",
        "LRANGE dst 0 -1",
        "SORT set BY nosort LIMIT 1 2 STORE dst",
        "LRANGE dst 0 -1",
        "SADD iset 5 3 9 1",
        "SORT iset STORE dst",
        "LRANGE dst 0 -1",
        "SORT iset BY nosort STORE dst",
        "LRANGE dst 0 -1",
        "SORT set STORE dst",
        "SORT set ALPHA STORE dst",
        "LRANGE dst 0 -1",
        "HSET hh a 1",
        "SORT hh STORE dst",
        "SORT words STORE",
    ]);
}

fn random_command(r: &mut Rng) -> Vec<Vec<u8>> {
    const KEYS: &[&str] = &["l0", "l1", "l2", "x"];
    let key = r.pick(KEYS).to_string();
    let elem = |r: &mut Rng| -> String {
        match r.below(10) {
            0..=4 => r.int(-5, 5).to_string(),
            5 => format!("0{}", r.below(3)),
            6 => format!("a-long-element-{}", r.below(4)),
            _ => format!("e{}", r.below(6)),
        }
    };
    let idx = |r: &mut Rng| r.int(-12, 12);
    let side = |r: &mut Rng| r.pick(&["LEFT", "RIGHT"]);
    let line = match r.below(26) {
        0..=3 => {
            let n = r.int(1, 6);
            let mut s = format!("{} {key}", r.pick(&["LPUSH", "RPUSH"]));
            for _ in 0..n {
                s += &format!(" {}", elem(r));
            }
            s
        }
        4 => format!("{} {key} {}", r.pick(&["LPUSHX", "RPUSHX"]), elem(r)),
        5 => format!("{} {key}", r.pick(&["LPOP", "RPOP"])),
        6 => format!("{} {key} {}", r.pick(&["LPOP", "RPOP"]), r.int(0, 4)),
        7 => format!("LLEN {key}"),
        8 | 9 => format!("LRANGE {key} {} {}", idx(r), idx(r)),
        10 => format!("LINDEX {key} {}", idx(r)),
        11 => format!("LSET {key} {} {}", idx(r), elem(r)),
        12 => format!("LINSERT {key} {} {} {}", r.pick(&["BEFORE", "AFTER"]), elem(r), elem(r)),
        13 => format!("LREM {key} {} {}", r.int(-3, 3), elem(r)),
        14 => format!("LTRIM {key} {} {}", idx(r), idx(r)),
        15 => format!("LPOS {key} {} RANK {} COUNT {} MAXLEN {}", elem(r), r.pick(&["1", "2", "-1", "-2"]), r.int(0, 3), r.int(0, 8)),
        16 => format!("LPOS {key} {}", elem(r)),
        17 => format!("LMOVE {key} {} {} {}", r.pick(KEYS), side(r), side(r)),
        18 => format!("RPOPLPUSH {key} {}", r.pick(KEYS)),
        19 => format!("LMPOP 2 {key} {} {} COUNT {}", r.pick(KEYS), side(r), r.int(1, 4)),
        20 => format!("SET {key} {}", elem(r)),
        21 => format!("{} {key}", r.pick(&["GET", "TYPE", "EXISTS", "OBJECT ENCODING"])),
        22 => format!("DEL {key}"),
        23 => format!("SORT {key} ALPHA"),
        24 => format!("SORT {key} ALPHA DESC STORE {}", r.pick(KEYS)),
        _ => format!("RENAME {key} {}", r.pick(KEYS)),
    };
    words(&line)
}

#[test]
fn random_mixed_sequence() {
    let mut p = pair();
    let seed = std::env::var("HOTKV_DIFF_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5EED_0115_7000_0001u64);
    let mut r = Rng(seed | 1);
    for _ in 0..3000 {
        let args = random_command(&mut r);
        p.check(&args);
    }
    for k in ["l0", "l1", "l2", "x"] {
        p.run(&[&format!("TYPE {k}"), &format!("LRANGE {k} 0 -1")]);
    }
}

/// Lists long enough for the ring to wrap, grow and shrink many times.
#[test]
fn long_lists_both_ends() {
    let mut p = pair();
    let mut r = Rng(0x1157_0000_0000_0001);
    for i in 0..1500 {
        let e = format!("{}-{}", i, "v".repeat((r.below(30)) as usize));
        let cmd = if r.below(2) == 0 { "LPUSH" } else { "RPUSH" };
        p.check(&words(&format!("{cmd} big {e} {i}")));
    }
    p.run(&[
        "LLEN big",
        "LRANGE big 0 -1",
        "LRANGE big 1000 1100",
        "LRANGE big -50 -1",
        "LINDEX big 1234",
        "LINDEX big -2999",
        "LSET big 1500 changed",
        "LINSERT big AFTER changed after-changed",
        "LREM big 0 7",
        "LREM big -3 1",
        "LPOS big changed",
        "LPOS big 5 RANK -1",
        "LPOP big 700",
        "RPOP big 700",
        "LRANGE big 0 -1",
        "LTRIM big 100 -100",
        "LRANGE big 0 -1",
        "SORT big ALPHA LIMIT 10 20",
        "LMPOP 1 big RIGHT COUNT 100000",
        "EXISTS big",
    ]);
}
