//! Transactions across an UPGRADE: a client inside MULTI keeps its queue
//! and EXECs it on the new version with the replies it would have got
//! without a swap; WATCHed keys stay watched (and a touch before the swap
//! is remembered); a transaction doomed by a queueing error still ends in
//! EXECABORT.

use hotkv_tests::hotswap::*;
use hotkv_tests::*;
use std::time::Duration;


fn cmd(words: &str) -> Vec<u8> {
    let w: Vec<&[u8]> = words.split(' ').map(str::as_bytes).collect();
    resp(&w)
}

/// Sends each command and expects exactly `replies` back.
fn exchange(c: &mut RawConn, commands: &[&str], replies: &str, what: &str) {
    for w in commands {
        c.send(&cmd(w));
    }
    c.expect(replies.as_bytes(), what);
}

/// The CLIENT LIST line of the client `id`, seen by `admin`.
fn client_line(admin: &mut redis::Connection, id: i64) -> String {
    let list: String = redis::cmd("CLIENT").arg("LIST").query(admin).unwrap();
    list.lines().find(|l| l.starts_with(&format!("id={id} "))).unwrap_or_else(|| panic!("no client {id} in {list}")).to_string()
}

fn client_id(c: &mut RawConn) -> i64 {
    c.send(&cmd("CLIENT ID"));
    let v = c.read_values(1, Duration::from_secs(10));
    v.trim_start_matches(':').trim_end().parse().unwrap()
}

#[test]
fn transactions_and_watches_survive_upgrade() {
    let v2 = logic_variant(V2);
    let p = start_hotkv(&[]);
    let mut admin = p.client();
    let _: () = redis::cmd("MSET").arg("n").arg(10).arg("w1").arg("a").arg("w2").arg("b").arg("w3").arg("c").query(&mut admin).unwrap();

    // A: a queue with a runtime error and a SELECT inside.
    let mut a = RawConn::connect(p.port);
    let a_id = client_id(&mut a);
    exchange(
        &mut a,
        &["MULTI", "INCR n", "LPUSH n x", "SET s hello", "SELECT 3", "SET s three", "GET s", "SELECT 0", "GET s"],
        "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n",
        "A queues",
    );
    // B watches a key that will be modified after the swap, C one that
    // will not, D one modified before the swap.
    let mut b = RawConn::connect(p.port);
    exchange(&mut b, &["WATCH w1 n"], "+OK\r\n", "B watches");
    let mut c = RawConn::connect(p.port);
    exchange(&mut c, &["WATCH w2", "MULTI", "GET w2"], "+OK\r\n+OK\r\n+QUEUED\r\n", "C watches and queues");
    let mut d = RawConn::connect(p.port);
    exchange(&mut d, &["WATCH w3"], "+OK\r\n", "D watches");
    let _: () = redis::cmd("SET").arg("w3").arg("changed").query(&mut admin).unwrap();
    // E: a queueing error dooms its transaction.
    let mut e = RawConn::connect(p.port);
    exchange(&mut e, &["MULTI", "SET e 1", "NOSUCH", "SET e 2"], "+OK\r\n+QUEUED\r\n-ERR unknown command 'NOSUCH', with args beginning with: \r\n+QUEUED\r\n", "E queues");

    let line = client_line(&mut admin, a_id);
    assert!(line.contains(" flags=x ") && line.contains(" multi=8 "), "{line}");

    let reply = upgrade(&mut admin, &v2);
    assert!(reply.contains(V2), "{reply}");
    assert_eq!(logic_version(&mut admin).0, V2);

    let line = client_line(&mut admin, a_id);
    assert!(line.contains(" flags=x ") && line.contains(" multi=8 "), "after the swap: {line}");
    // Writes on the new version touch keys watched on the old one.
    let _: () = redis::cmd("SET").arg("w1").arg("changed").query(&mut admin).unwrap();

    exchange(
        &mut a,
        &["EXEC"],
        "*8\r\n:11\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n+OK\r\n+OK\r\n+OK\r\n$5\r\nthree\r\n+OK\r\n$5\r\nhello\r\n",
        "A's EXEC on the new version",
    );
    exchange(&mut a, &["GET n", "EXEC"], "$2\r\n11\r\n-ERR EXEC without MULTI\r\n", "A after EXEC");
    exchange(&mut b, &["MULTI", "GET w1", "EXEC"], "+OK\r\n+QUEUED\r\n*-1\r\n", "B: touched after the swap");
    exchange(&mut c, &["EXEC"], "*1\r\n$1\r\nb\r\n", "C: untouched");
    exchange(&mut d, &["MULTI", "GET w3", "EXEC"], "+OK\r\n+QUEUED\r\n*-1\r\n", "D: touched before the swap");
    exchange(&mut e, &["EXEC", "GET e"], "-EXECABORT Transaction discarded because of previous errors.\r\n$-1\r\n", "E: still doomed");

    // Nothing is watched any more: the same writes leave new transactions alone.
    let _: () = redis::cmd("MSET").arg("w1").arg("x").arg("w2").arg("y").arg("w3").arg("z").arg("n").arg(1).query(&mut admin).unwrap();
    for (conn, key, val) in [(&mut b, "w1", "x"), (&mut c, "w2", "y"), (&mut d, "w3", "z")] {
        exchange(conn, &["MULTI", &format!("GET {key}"), "EXEC"], &format!("+OK\r\n+QUEUED\r\n*1\r\n$1\r\n{val}\r\n"), "after EXEC, unwatched");
    }
    for conn in [&mut a, &mut b, &mut c, &mut d, &mut e] {
        conn.ping("nothing left over");
    }
}
