//! Differential tests of CLIENT KILL, PAUSE, UNPAUSE, REPLY, NO-EVICT,
//! TRACKING, GETREDIR and of RESET: the same scenarios, with several
//! connections, on hotkv and on a real redis-server 7.0; every reply must
//! be the same. Client ids and addresses differ between the servers, so
//! commands naming them are built per server.

use hotkv_tests::diff::*;
use std::io::Read;
use std::time::{Duration, Instant};

/// The fields of a CLIENT LIST / INFO line that do not vary between
/// servers (no ids, addresses, ages, memory).
fn stable_fields(r: &R) -> Vec<String> {
    let R::Bulk(Some(text)) = r else { panic!("not a bulk: {r:?}") };
    let keep = ["name", "flags", "db", "sub", "psub", "multi", "cmd", "user", "resp", "redir"];
    String::from_utf8_lossy(text)
        .lines()
        .map(|l| l.split(' ').filter(|f| keep.contains(&f.split('=').next().unwrap())).collect::<Vec<_>>().join(" "))
        .collect()
}

/// A command whose last argument differs per server.
fn with(line: &str, last: impl ToString) -> Vec<Vec<u8>> {
    let mut w = words(line);
    w.push(last.to_string().into_bytes());
    w
}

/// The peer address ("ip:port") of connection `i` as each server sees it.
fn addrs(s: &mut Scene, i: usize) -> (String, String) {
    let get = |c: &mut Conn| {
        let R::Bulk(Some(t)) = c.cmd(&words("CLIENT INFO")) else { panic!("CLIENT INFO") };
        let t = String::from_utf8(t).unwrap();
        t.split(' ').find_map(|f| f.strip_prefix("addr=")).unwrap().to_string()
    };
    (get(&mut s.hk[i]), get(&mut s.rd[i]))
}

/// Connection `i` of both servers was closed by the server.
fn closed(s: &mut Scene, i: usize, what: &str) {
    for c in [&mut s.hk[i], &mut s.rd[i]] {
        let mut b = [0u8; 1];
        assert!(matches!(c.r.read(&mut b), Ok(0) | Err(_)), "{what}: connection still open");
    }
}

#[test]
fn errors_and_simple_replies() {
    let mut p = Pair::start(|_, r| r, exact);
    p.run(&[
        "CLIENT KILL 1.2.3.4:5",
        "CLIENT KILL ID 0",
        "CLIENT KILL ID abc",
        "CLIENT KILL ID -1",
        "CLIENT KILL ID 999999",
        "CLIENT KILL foo bar",
        "CLIENT KILL ID 5 TYPE foo",
        "CLIENT KILL USER nosuch",
        "CLIENT KILL SKIPME maybe",
        "CLIENT KILL ADDR 1.1.1.1:1 ID",
        "CLIENT KILL a b c",
        "CLIENT KILL LADDR x",
        "CLIENT KILL TYPE master",
        "CLIENT KILL TYPE replica SKIPME no",
        "CLIENT KILL TYPE pubsub",
        "CLIENT KILL USER default",
        "CLIENT PAUSE 10 foo",
        "CLIENT PAUSE -1",
        "CLIENT PAUSE 1.5",
        "CLIENT PAUSE abc WRITE",
        "CLIENT PAUSE 10 write x",
        "CLIENT PAUSE 0",
        "CLIENT UNPAUSE",
        "CLIENT UNPAUSE x",
        "CLIENT REPLY foo",
        "CLIENT REPLY",
        "CLIENT NO-EVICT maybe",
        "CLIENT NO-EVICT on",
        "CLIENT NO-EVICT OFF",
        "CLIENT TRACKING off",
        "CLIENT TRACKING foo",
        "CLIENT GETREDIR",
        "CLIENT GETREDIR x",
        "RESET",
        "RESET x",
    ]);
}

#[test]
fn client_list_shows_the_new_states() {
    let mut s = Scene::start(3);
    s.run(0, &["CLIENT SETNAME zero", "CLIENT NO-EVICT on", "SELECT 3"]);
    s.run(1, &["CLIENT SETNAME one", "MULTI"]);
    s.run(2, &["CLIENT SETNAME two", "SUBSCRIBE ch"]);
    let (a, b) = (s.hk[0].cmd(&words("CLIENT LIST")), s.rd[0].cmd(&words("CLIENT LIST")));
    assert_eq!(stable_fields(&a), stable_fields(&b));
    let (a, b) = (s.hk[0].cmd(&words("CLIENT INFO")), s.rd[0].cmd(&words("CLIENT INFO")));
    assert_eq!(stable_fields(&a), stable_fields(&b));
    assert!(stable_fields(&a)[0].contains("flags=e "), "{a:?}");
    s.run(0, &["CLIENT NO-EVICT off"]);
    let (a, b) = (s.hk[0].cmd(&words("CLIENT INFO")), s.rd[0].cmd(&words("CLIENT INFO")));
    assert_eq!(stable_fields(&a), stable_fields(&b));
}

#[test]
fn kill_by_filters() {
    let mut s = Scene::start(5);
    s.run(2, &["SUBSCRIBE news"]);
    // By id: the count; the victim's connection is closed.
    let (hk_id, rd_id) = s.ids(1);
    s.check_each(0, &with("CLIENT KILL ID", hk_id), &with("CLIENT KILL ID", rd_id));
    closed(&mut s, 1, "killed by id");
    s.check_each(0, &with("CLIENT KILL ID", hk_id), &with("CLIENT KILL ID", rd_id));
    // By type: the subscriber only.
    s.check(0, "CLIENT KILL TYPE pubsub");
    closed(&mut s, 2, "killed by type");
    s.check(0, "CLIENT KILL TYPE pubsub");
    // The old form by address: OK, then no such client.
    let (hk_addr, rd_addr) = addrs(&mut s, 3);
    s.check_each(0, &with("CLIENT KILL", &hk_addr), &with("CLIENT KILL", &rd_addr));
    closed(&mut s, 3, "killed by address");
    s.check_each(0, &with("CLIENT KILL", &hk_addr), &with("CLIENT KILL", &rd_addr));
    s.check_each(0, &with("CLIENT KILL ADDR", &hk_addr), &with("CLIENT KILL ADDR", &rd_addr));
    // By user, skipping the caller by default: connection 4 only.
    s.check(0, "CLIENT KILL USER default");
    closed(&mut s, 4, "killed by user");
    s.check(0, "CLIENT KILL USER default SKIPME yes");
    s.check(0, "PING");
    // SKIPME no: the caller gets its reply, then is closed.
    s.check(0, "CLIENT KILL USER default SKIPME no");
    closed(&mut s, 0, "killed itself");
}

#[test]
fn killing_yourself_with_the_old_form() {
    let mut s = Scene::start(1);
    let (hk_addr, rd_addr) = addrs(&mut s, 0);
    s.check_each(0, &with("CLIENT KILL", &hk_addr), &with("CLIENT KILL", &rd_addr));
    closed(&mut s, 0, "killed itself");
}

#[test]
fn reply_off_skip_on() {
    let mut s = Scene::start(2);
    // OFF replies nothing, not even to itself; ON replies OK.
    s.send(0, "CLIENT REPLY OFF");
    s.send(0, "SET k v");
    s.send(0, "GET k");
    s.send(0, "CLIENT REPLY SKIP");
    s.send(0, "NOSUCHCOMMAND");
    s.check(0, "CLIENT REPLY ON");
    s.check(0, "GET k");
    // SKIP: no reply to itself nor to the next command, then replies again.
    s.send(0, "CLIENT REPLY SKIP");
    s.send(0, "INCR n");
    s.check(0, "INCR n");
    s.silent(0, "nothing else queued");
    // RESET turns replies back on.
    s.send(0, "CLIENT REPLY OFF");
    s.send(0, "INCR n");
    s.check(0, "RESET");
    s.check(0, "GET n");
    // Messages to a client with replies off still arrive.
    s.run(1, &["SUBSCRIBE ch"]);
    s.send(1, "CLIENT REPLY OFF");
    s.check(0, "PUBLISH ch hello");
    s.read(1, "message");
}

#[test]
fn reset_clears_the_connection_state() {
    let mut s = Scene::start(2);
    s.run(0, &["SELECT 4", "CLIENT SETNAME me", "SET k 1", "WATCH k", "MULTI", "SET k 2", "RESET", "EXEC", "GET k", "SELECT 4", "GET k"]);
    let (a, b) = (s.hk[0].cmd(&words("CLIENT INFO")), s.rd[0].cmd(&words("CLIENT INFO")));
    assert_eq!(stable_fields(&a), stable_fields(&b));
    // Out of subscriber mode, without confirmations.
    s.run(0, &["SUBSCRIBE a", "PSUBSCRIBE p*", "RESET", "PING", "PUBSUB NUMSUB a b", "PUBSUB NUMPAT"]);
    s.run(0, &["RESET", "CLIENT GETNAME"]);
    let (a, b) = (s.hk[0].cmd(&words("CLIENT INFO")), s.rd[0].cmd(&words("CLIENT INFO")));
    assert_eq!(stable_fields(&a), stable_fields(&b));
    // Back to the default user: not authenticated once it needs a password.
    s.run(1, &["CONFIG SET requirepass secret", "AUTH secret", "GET k", "RESET", "GET k", "AUTH secret", "GET k"]);
}

// A postponed client counts in blocked_clients, in Redis as in hotkv:
// `wait_blocked` tells when a command is held back.
#[test]
fn pause_write_holds_writes_back_until_unpause() {
    let mut s = Scene::start(4);
    s.check(0, "CLIENT PAUSE 60000 WRITE");
    s.send(1, "SET k one");
    s.wait_blocked(1);
    s.send(2, "SET k two");
    s.wait_blocked(2);
    // Reads go through; so do commands that write nothing.
    s.run(3, &["GET k", "EXISTS k", "PING", "CLIENT GETNAME"]);
    s.silent(1, "a write waits");
    // MULTI: queueing a write waits too (the pause is checked first).
    s.run(3, &["MULTI"]);
    s.send(3, "INCR n");
    s.wait_blocked(3);
    s.silent(2, "second write waits");
    s.check(0, "CLIENT UNPAUSE");
    s.read(1, "first write");
    s.read(2, "second write");
    s.read(3, "queued");
    s.run(3, &["EXEC", "GET k", "GET n"]);
    s.wait_blocked(0);
}

#[test]
fn pause_all_holds_every_command_until_its_timeout() {
    let mut s = Scene::start(4);
    s.run(0, &["SET k v"]);
    let t0 = Instant::now();
    s.check(0, "CLIENT PAUSE 700 ALL");
    s.send(1, "GET k");
    s.send(2, "CLIENT UNPAUSE");
    s.send(0, "QUIT");
    std::thread::sleep(Duration::from_millis(200));
    s.silent(1, "a read waits under ALL");
    s.silent(2, "UNPAUSE waits too");
    s.silent(0, "QUIT waits too");
    s.read(1, "read after the timeout");
    s.read(2, "unpause after the timeout");
    s.read(0, "quit after the timeout");
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(600) && took < Duration::from_secs(5), "pause lasted {took:?}");
    // The longest pause of the strictest kind: WRITE then ALL holds reads.
    s.run(3, &["CLIENT PAUSE 600 WRITE", "CLIENT PAUSE 100 ALL"]);
    let t0 = Instant::now();
    s.check(1, "GET k");
    assert!(t0.elapsed() >= Duration::from_millis(300), "read waited for the longer pause");
}

#[test]
fn pause_write_holds_exec_and_publish() {
    let mut s = Scene::start(3);
    s.run(1, &["MULTI", "INCR n"]);
    s.run(2, &["MULTI", "GET n"]);
    s.check(0, "CLIENT PAUSE 60000 WRITE");
    // A read-only transaction runs; one with a write waits; PUBLISH waits.
    s.check(2, "EXEC");
    s.send(1, "EXEC");
    s.wait_blocked(1);
    s.send(2, "PUBLISH ch m");
    s.wait_blocked(2);
    s.check(0, "CLIENT UNPAUSE");
    s.read(1, "exec");
    s.read(2, "publish");
    s.run(0, &["GET n"]);
}

/// While clients are paused the dataset stays as it is (Redis 7.0): an
/// expired key reads as missing but is not deleted (DBSIZE still counts
/// it, no `expired` event) until the pause ends.
#[test]
fn expiry_waits_for_the_end_of_a_pause() {
    let mut s = Scene::start(2);
    s.run(0, &["SET k v PX 150", "SET keep v", "CLIENT PAUSE 60000 WRITE"]);
    std::thread::sleep(Duration::from_millis(400));
    s.run(1, &["GET k", "EXISTS k", "TTL k", "DBSIZE"]);
    std::thread::sleep(Duration::from_millis(300));
    s.run(1, &["DBSIZE"]);
    s.run(0, &["CLIENT UNPAUSE", "GET k", "DBSIZE"]);
}
