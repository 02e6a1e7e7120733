//! Differential tests of the blocking list commands (BLPOP, BRPOP, BLMOVE,
//! BRPOPLPUSH, BLMPOP, CLIENT UNBLOCK) and sorted set ones (BZPOPMIN,
//! BZPOPMAX, BZMPOP): the same scenarios run on hotkv and
//! on a real redis-server 7.0, each with several connections, and every
//! reply must be the same. A blocking command is sent without waiting; the
//! scenario then waits (bounded) until both servers count the client as
//! blocked, so the order clients block in is the same on both.

use hotkv_tests::diff::*;
use std::io::Read;
use std::time::{Duration, Instant};

#[test]
fn clients_are_served_in_arrival_order() {
    let mut s = Scene::start(4);
    s.send(1, "BLPOP k 0");
    s.wait_blocked(1);
    s.send(2, "BLPOP k 0");
    s.wait_blocked(2);
    s.send(3, "BRPOP k 0");
    s.wait_blocked(3);
    s.check(0, "RPUSH k a b");
    s.read(1, "first waiter");
    s.read(2, "second waiter");
    s.silent(3, "third waiter, the list emptied");
    s.run(0, &["EXISTS k"]);
    s.check(0, "RPUSH k c");
    s.read(3, "third waiter");
    s.wait_blocked(0);
    // Several elements at once: each waiter gets one, the rest stays.
    s.send(1, "BRPOP q 0");
    s.wait_blocked(1);
    s.send(2, "BLPOP q 0");
    s.wait_blocked(2);
    s.check(0, "RPUSH q 1 2 3 4");
    s.read(1, "brpop");
    s.read(2, "blpop");
    s.run(0, &["LRANGE q 0 -1"]);
}

#[test]
fn several_keys_and_the_key_that_became_ready() {
    let mut s = Scene::start(3);
    // The first non-empty key wins when some already have elements.
    s.run(0, &["RPUSH b 1 2", "RPUSH c 3", "BLPOP a b c 0", "BRPOP c b 0", "BLPOP nokey b 0", "EXISTS b c"]);
    // Served from the key that got an element.
    s.send(1, "BLPOP k1 k2 k3 0");
    s.wait_blocked(1);
    s.check(0, "RPUSH k3 x");
    s.read(1, "served from k3");
    // A key named twice blocks once.
    s.send(1, "BRPOP d d 0");
    s.wait_blocked(1);
    s.check(0, "LPUSH d y");
    s.read(1, "served once");
    // BLMPOP: the count from the ready key, the other keys untouched.
    s.send(1, "BLMPOP 0 3 m1 m2 m3 RIGHT COUNT 2");
    s.wait_blocked(1);
    s.check(0, "RPUSH m2 a b c");
    s.read(1, "blmpop");
    s.send(2, "BLMPOP 0 1 m4 LEFT");
    s.wait_blocked(1);
    s.check(0, "RPUSH m4 z w");
    s.read(2, "blmpop without count");
    s.run(0, &["LRANGE m2 0 -1", "LRANGE m4 0 -1", "BLMPOP 0 2 m4 m2 LEFT COUNT 10", "EXISTS m2 m4"]);
}

#[test]
fn blmove_chains_serve_the_next_waiter() {
    let mut s = Scene::start(5);
    s.send(1, "BLMOVE src mid LEFT RIGHT 0");
    s.wait_blocked(1);
    s.send(2, "BRPOPLPUSH mid dst 0");
    s.wait_blocked(2);
    s.send(3, "BLPOP dst 0");
    s.wait_blocked(3);
    s.send(4, "BLMOVE src other RIGHT LEFT 0");
    s.wait_blocked(4);
    s.check(0, "LPUSH src v1 v2");
    s.read(1, "blmove");
    s.read(2, "brpoplpush served through the chain");
    s.read(3, "blpop served through the chain");
    s.read(4, "the second blmove on src");
    s.run(0, &["EXISTS src mid dst", "LRANGE other 0 -1"]);
    // A list moved onto itself, and the rotation of a non-empty one.
    s.run(0, &["RPUSH r 1 2 3", "BLMOVE r r LEFT RIGHT 0", "BRPOPLPUSH r r 0", "LRANGE r 0 -1"]);
    s.send(1, "BLMOVE self self RIGHT LEFT 0");
    s.wait_blocked(1);
    s.check(0, "RPUSH self a");
    s.read(1, "blmove onto itself");
    s.run(0, &["LRANGE self 0 -1"]);
}

#[test]
fn timeouts_reply_nil() {
    let mut s = Scene::start(5);
    let start = Instant::now();
    s.send(1, "BLPOP t 0.1");
    s.send(2, "BLMOVE t d LEFT LEFT 0.1");
    s.send(3, "BLMPOP 0.1 2 t u LEFT COUNT 2");
    s.send(4, "BRPOPLPUSH t d 0.15");
    for i in 1..5 {
        s.read(i, "timed out");
    }
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(100) && took < Duration::from_secs(5), "{took:?}");
    s.wait_blocked(0);
    s.run(0, &["EXISTS t d u"]);
    // A timeout that did not pass: served normally, and nothing after.
    s.send(1, "BRPOP t2 5");
    s.wait_blocked(1);
    s.check(0, "RPUSH t2 e");
    s.read(1, "served before its timeout");
    s.silent(1, "no nil after being served");
    // Staggered deadlines, the nearest one served first: each of the
    // others still times out at its own time, and a waiter without a
    // timeout never does.
    let start = Instant::now();
    s.send(1, "BLPOP near 0.2");
    s.wait_blocked(1);
    s.send(2, "BLPOP mid 0.4");
    s.wait_blocked(2);
    s.send(3, "BLPOP far 1.2");
    s.wait_blocked(3);
    s.send(4, "BLPOP never 0");
    s.wait_blocked(4);
    s.check(0, "RPUSH near n");
    s.read(1, "the nearest deadline, served");
    s.read(2, "mid timed out");
    let mid = start.elapsed();
    s.silent(3, "far has not timed out yet");
    s.read(3, "far timed out");
    let far = start.elapsed();
    assert!(mid >= Duration::from_millis(400) && far >= Duration::from_millis(1200) && far < Duration::from_secs(5), "{mid:?} {far:?}");
    s.silent(4, "no timeout, no reply");
    s.wait_blocked(1);
}

#[test]
fn errors_and_immediate_replies() {
    let mut s = Scene::start(1);
    s.run(0, &[
        "SET str v",
        "BLPOP str 0",
        "BLPOP nokey str 0",
        "BRPOP str nokey 0",
        "BLPOP k -1",
        "BLPOP k -0.5",
        "BLPOP k abc",
        "BLPOP k nan",
        "BLPOP k inf",
        "BLPOP k 1e300",
        "BLPOP k",
        "BRPOP k",
        "BLMOVE a b LEFT LEFT",
        "BLMOVE a b UP LEFT 0",
        "BLMOVE a b LEFT LEFT -1",
        "BLMOVE a b LEFT LEFT x",
        "BLMOVE str b LEFT LEFT 0",
        "BRPOPLPUSH str b 0",
        "BRPOPLPUSH a b -1",
        "BRPOPLPUSH a b",
        "BLMPOP 0 0 k LEFT",
        "BLMPOP 0 -1 k LEFT",
        "BLMPOP 0 2 k LEFT",
        "BLMPOP 0 1 k MIDDLE",
        "BLMPOP 0 1 k LEFT COUNT 0",
        "BLMPOP 0 1 k LEFT COUNT",
        "BLMPOP 0 1 k LEFT COUNT 1 COUNT 1",
        "BLMPOP x 1 k LEFT",
        "BLMPOP -1 x k LEFT",
        "BLMPOP -1 1 k MIDDLE",
        "BLMPOP 0 1 str LEFT",
        "BLMPOP 0 1 k",
        "RPUSH l 1 2 3",
        "BLPOP l 0",
        "BRPOP l 0.5",
        "BLMPOP 0 1 l RIGHT COUNT 5",
        "EXISTS l",
        "RPUSH l a",
        "BLMOVE l str LEFT LEFT 0",
        "LRANGE l 0 -1",
        "BLMOVE l l2 RIGHT RIGHT 0",
        "BRPOPLPUSH l2 l3 0",
        "LRANGE l3 0 -1",
        "CLIENT UNBLOCK",
        "CLIENT UNBLOCK abc",
        "CLIENT UNBLOCK 999999",
        "CLIENT UNBLOCK 999999 TIMEOUT",
        "CLIENT UNBLOCK 999999 error",
        "CLIENT UNBLOCK 999999 maybe",
        "CLIENT UNBLOCK 999999 TIMEOUT extra",
    ]);
}

#[test]
fn client_unblock_and_flags() {
    let mut s = Scene::start(3);
    let (hk_id, rd_id) = s.ids(1);
    let unblock = |id: i64, how: &str| words(&format!("CLIENT UNBLOCK {id} {how}"));
    s.send(1, "BLPOP u 0");
    s.wait_blocked(1);
    // CLIENT LIST shows the blocked client with flags=b.
    for (conns, id) in [(&mut s.hk, hk_id), (&mut s.rd, rd_id)] {
        let R::Bulk(Some(list)) = conns[0].cmd(&words(&format!("CLIENT LIST ID {id}"))) else { panic!("CLIENT LIST") };
        assert!(String::from_utf8_lossy(&list).contains(" flags=b "), "{}", String::from_utf8_lossy(&list));
    }
    s.check_each(0, &unblock(hk_id, "TIMEOUT"), &unblock(rd_id, "TIMEOUT"));
    s.read(1, "unblocked as by a timeout");
    s.check_each(0, &unblock(hk_id, "TIMEOUT"), &unblock(rd_id, "TIMEOUT"));
    s.send(1, "BLMOVE u v LEFT LEFT 0");
    s.wait_blocked(1);
    s.check_each(0, &unblock(hk_id, "ERROR"), &unblock(rd_id, "ERROR"));
    s.read(1, "unblocked with an error");
    s.send(1, "BLMPOP 0 1 u LEFT");
    s.wait_blocked(1);
    s.check_each(0, &words(&format!("CLIENT UNBLOCK {hk_id}")), &words(&format!("CLIENT UNBLOCK {rd_id}")));
    s.read(1, "unblocked, default TIMEOUT");
    s.wait_blocked(0);
    // The unblocked client works normally, and nobody waits on u any more.
    s.run(1, &["PING", "RPUSH u x", "LRANGE u 0 -1"]);
}

#[test]
fn pipelined_commands_wait_for_the_blocked_one() {
    let mut s = Scene::start(2);
    s.send(1, "BLPOP p 0");
    s.send(1, "RPUSH after 1");
    s.send(1, "LRANGE p 0 -1");
    s.wait_blocked(1);
    // The commands behind the blocked one have not run.
    s.run(0, &["EXISTS after"]);
    s.check(0, "RPUSH p a b");
    s.read(1, "blpop");
    s.read(1, "rpush after it");
    s.read(1, "lrange after it");
    s.run(0, &["LRANGE after 0 -1"]);
}

#[test]
fn keys_created_by_other_commands_serve_waiters() {
    let mut s = Scene::start(3);
    // A string at the key does not serve a list waiter; a list later does.
    s.send(1, "BLPOP w 0");
    s.wait_blocked(1);
    s.run(0, &["SET w s", "DEL w"]);
    s.silent(1, "not served by a string");
    s.check(0, "LPUSH w 1");
    s.read(1, "served by the list");
    // A destination of another type: the element stays, the client gets WRONGTYPE.
    s.run(0, &["SET str v"]);
    s.send(1, "BLMOVE ws str LEFT LEFT 0");
    s.wait_blocked(1);
    s.check(0, "LPUSH ws 1");
    s.read(1, "wrong destination type");
    s.run(0, &["LRANGE ws 0 -1"]);
    // RENAME, COPY and MOVE create keys too.
    s.send(1, "BLPOP rn 0");
    s.wait_blocked(1);
    s.run(0, &["RPUSH tmp z", "RENAME tmp rn"]);
    s.read(1, "served by RENAME");
    s.send(1, "BLPOP cp 0");
    s.wait_blocked(1);
    s.run(0, &["RPUSH tmp y", "COPY tmp cp"]);
    s.read(1, "served by COPY");
    // Renamed or copied over a key of another type: served too.
    s.send(1, "BLPOP over 0");
    s.wait_blocked(1);
    s.run(0, &["SET over s", "RPUSH tmp q", "RENAME tmp over"]);
    s.read(1, "served by RENAME over a string");
    s.send(1, "BLPOP over2 0");
    s.wait_blocked(1);
    s.run(0, &["SET over2 s", "RPUSH tmp p", "COPY tmp over2 REPLACE"]);
    s.read(1, "served by COPY REPLACE over a string");
    s.send(1, "BRPOP mv 0");
    s.wait_blocked(1);
    s.run(0, &["SELECT 3", "RPUSH mv m", "MOVE mv 0", "SELECT 0"]);
    s.read(1, "served by MOVE");
    // SWAPDB: a client blocked in db 1 stays with db 1 and is served by
    // the key the swap brings in.
    s.run(2, &["SELECT 1"]);
    s.send(2, "BLPOP sw 0");
    s.wait_blocked(1);
    s.run(0, &["SELECT 2", "RPUSH sw from-2", "SELECT 0", "SWAPDB 1 2"]);
    s.read(2, "served after SWAPDB");
    s.run(0, &["SELECT 1", "EXISTS sw", "SELECT 2", "EXISTS sw", "SELECT 0"]);
}

#[test]
fn disconnect_while_blocked() {
    let mut s = Scene::start(2);
    s.send(1, "BLPOP gone 0");
    s.wait_blocked(1);
    let mut extra = Vec::new();
    for c in [&mut s.hk[1], &mut s.rd[1]] {
        c.r.get_mut().shutdown(std::net::Shutdown::Both).unwrap();
        let _ = c.r.get_mut().read_to_end(&mut extra);
    }
    s.wait_blocked(0);
    s.run(0, &["RPUSH gone 1", "LLEN gone"]);
}

#[test]
fn sorted_set_waiters_in_arrival_order() {
    let mut s = Scene::start(5);
    s.send(1, "BZPOPMIN z 0");
    s.wait_blocked(1);
    s.send(2, "BZPOPMAX z 0");
    s.wait_blocked(2);
    s.send(3, "BZMPOP 0 1 z MIN COUNT 2");
    s.wait_blocked(3);
    s.send(4, "BZPOPMIN z 0");
    s.wait_blocked(4);
    // One ZADD of four members: each waiter in turn, until the key is gone.
    s.check(0, "ZADD z 1 a 2 b 3 c 4.5 d");
    s.read(1, "bzpopmin, first");
    s.read(2, "bzpopmax, second");
    s.read(3, "bzmpop count 2, third");
    s.silent(4, "the set emptied before the fourth");
    s.run(0, &["EXISTS z"]);
    s.check(0, "ZINCRBY z -1.25 e");
    s.read(4, "served by ZINCRBY creating the key");
    s.wait_blocked(0);
    // A list or a string at the key does not serve a sorted set waiter.
    s.send(1, "BZPOPMAX w 0");
    s.wait_blocked(1);
    s.run(0, &["RPUSH w x", "DEL w", "SET w s", "DEL w"]);
    s.silent(1, "not served by another type");
    s.check(0, "ZADD w 10 ten 20 twenty");
    s.read(1, "served by the sorted set");
    s.run(0, &["ZRANGE w 0 -1 WITHSCORES"]);
    // List and sorted set waiters on the same key: each type its own.
    s.send(1, "BLPOP mix 0");
    s.wait_blocked(1);
    s.send(2, "BZPOPMIN mix 0");
    s.wait_blocked(2);
    s.check(0, "ZADD mix 1 m");
    s.read(2, "the zset waiter, though second");
    s.check(0, "RPUSH mix l");
    s.read(1, "the list waiter");
}

#[test]
fn sorted_set_waiters_on_several_keys() {
    let mut s = Scene::start(3);
    // Immediate pops: the first existing key, in the order given.
    s.run(0, &[
        "ZADD b 1 x 2 y",
        "ZADD c 3 z",
        "BZPOPMIN a b c 0",
        "BZPOPMAX c b 0",
        "BZPOPMAX nokey b 0",
        "EXISTS b c",
        "ZADD m1 1 a 2 b 3 c",
        "BZMPOP 0 2 nokey m1 MAX COUNT 2",
        "BZMPOP 0 1 m1 MIN COUNT 10",
        "EXISTS m1",
        "ZADD f 1.5 a -inf b +inf c",
        "BZPOPMIN f 0",
        "BZPOPMAX f 0",
        "BZMPOP 0 1 f min",
    ]);
    // Served from the key that became ready, with its count.
    s.send(1, "BZPOPMAX k1 k2 k3 0");
    s.wait_blocked(1);
    s.check(0, "ZADD k3 7 seven");
    s.read(1, "served from k3");
    s.send(1, "BZMPOP 0 3 n1 n2 n3 MAX COUNT 2");
    s.wait_blocked(1);
    s.check(0, "ZADD n2 1 a 2 b 3 c");
    s.read(1, "bzmpop from n2");
    s.send(2, "BZMPOP 0 2 n4 n4 MIN");
    s.wait_blocked(1);
    s.check(0, "ZADD n4 5 e 6 f");
    s.read(2, "bzmpop without count, a key named twice");
    s.run(0, &["ZRANGE n2 0 -1 WITHSCORES", "ZRANGE n4 0 -1 WITHSCORES"]);
    // ZUNIONSTORE, ZRANGESTORE and RENAME create keys too.
    s.send(1, "BZPOPMIN u 0");
    s.wait_blocked(1);
    s.run(0, &["ZUNIONSTORE u 2 n2 n4"]);
    s.read(1, "served by ZUNIONSTORE");
    s.send(1, "BZPOPMAX rs 0");
    s.wait_blocked(1);
    s.run(0, &["ZRANGESTORE rs u 0 -1"]);
    s.read(1, "served by ZRANGESTORE");
    s.send(1, "BZPOPMIN rn 0");
    s.wait_blocked(1);
    s.run(0, &["ZADD tmp 1 q", "RENAME tmp rn"]);
    s.read(1, "served by RENAME");
}

#[test]
fn sorted_set_timeouts_and_unblock() {
    let mut s = Scene::start(4);
    let start = Instant::now();
    s.send(1, "BZPOPMIN t 0.1");
    s.send(2, "BZPOPMAX t u 0.1");
    s.send(3, "BZMPOP 0.15 2 t u MAX COUNT 3");
    for i in 1..4 {
        s.read(i, "timed out");
    }
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(100) && took < Duration::from_secs(5), "{took:?}");
    s.wait_blocked(0);
    s.send(1, "BZPOPMIN t2 5");
    s.wait_blocked(1);
    s.check(0, "ZADD t2 1 one");
    s.read(1, "served before its timeout");
    s.silent(1, "no nil after being served");
    let (hk_id, rd_id) = s.ids(1);
    s.send(1, "BZMPOP 0 1 v MIN");
    s.wait_blocked(1);
    s.check_each(0, &words(&format!("CLIENT UNBLOCK {hk_id} ERROR")), &words(&format!("CLIENT UNBLOCK {rd_id} ERROR")));
    s.read(1, "unblocked with an error");
    s.send(1, "BZPOPMAX v 0");
    s.wait_blocked(1);
    s.check_each(0, &words(&format!("CLIENT UNBLOCK {hk_id}")), &words(&format!("CLIENT UNBLOCK {rd_id}")));
    s.read(1, "unblocked as by a timeout");
    s.wait_blocked(0);
    // Inside MULTI a blocking pop does not block: nil as for a timeout.
    s.run(1, &["MULTI", "BZPOPMIN nothing 0", "BZMPOP 0 1 nothing MAX", "ZADD x 1 a", "BZPOPMAX x 0", "EXEC"]);
}

#[test]
fn sorted_set_errors_and_immediate_replies() {
    let mut s = Scene::start(1);
    s.run(0, &[
        "SET str v",
        "RPUSH lst a",
        "BZPOPMIN str 0",
        "BZPOPMAX nokey str 0",
        "BZPOPMIN lst 0",
        "BZMPOP 0 2 nokey str MIN",
        "BZPOPMIN k -1",
        "BZPOPMIN k abc",
        "BZPOPMAX k inf",
        "BZPOPMAX k 1e300",
        "BZPOPMIN k",
        "BZPOPMAX",
        "BZMPOP 0 0 k MIN",
        "BZMPOP 0 -1 k MIN",
        "BZMPOP 0 2 k MIN",
        "BZMPOP 0 1 k LEFT",
        "BZMPOP 0 1 k MIN COUNT 0",
        "BZMPOP 0 1 k MIN COUNT -2",
        "BZMPOP 0 1 k MIN COUNT",
        "BZMPOP 0 1 k MIN COUNT 1 COUNT 1",
        "BZMPOP 0 1 k MIN extra",
        "BZMPOP x 1 k MIN",
        "BZMPOP -1 x k MIN",
        "BZMPOP -1 1 k MIDDLE",
        "BZMPOP -1 1 k MIN",
        "BZMPOP 0 1 k",
        "BZMPOP 0 1",
        "ZADD z 1 a 2 b 3 c",
        "BZPOPMIN str z 0",
        "BZPOPMIN z str 0",
        "BZMPOP 0 1 z max COUNT 2",
        "ZRANGE z 0 -1 WITHSCORES",
    ]);
}
