//! Authentication and ACL users (issue 4's `requirepass`, AUTH and ACL;
//! issue 6's CONFIG SET requirepass): the same sessions, each on a fresh
//! connection, sent to hotkv and to a real redis-server 7.0, replies
//! compared byte for byte; then what an UPGRADE keeps.

use hotkv_tests::hotswap::{upgrade, RawConn};
use hotkv_tests::*;

/// One session per line: its commands, sent on a new connection.
const SESSIONS: &[&[&str]] = &[
    &["PING", "GET k", "NOSUCH", "GET", "QUIT"],
    &["AUTH wrong", "AUTH default wrong", "AUTH nouser pw", "AUTH a b c", "AUTH", "PING"],
    &["AUTH pw", "PING", "SET k v", "GET k"],
    &["AUTH default pw", "CLIENT GETNAME"],
    &["HELLO", "HELLO 2", "HELLO 2 SETNAME x", "HELLO 2 AUTH default wrong", "PING"],
    &["HELLO 2 SETNAME named AUTH default wrong", "AUTH pw", "CLIENT GETNAME"],
    &["HELLO 2 AUTH default pw SETNAME ok", "CLIENT GETNAME", "GET k"],
    &["HELLO 2 AUTH nouser pw", "HELLO AUTH default pw", "PING"],
];

/// The replies of a session as text, digits masked (HELLO's `id` differs
/// between servers; nothing else here has digits that could).
fn session(port: u16, cmds: &[&str]) -> String {
    let request: Vec<u8> = cmds.iter().flat_map(|c| hotkv_tests::diff::encode(&hotkv_tests::diff::words(c))).collect();
    let text = String::from_utf8_lossy(&raw_roundtrip(port, &request, cmds.len())).into_owned();
    text.replace(|ch: char| ch.is_ascii_digit(), "#")
}

#[test]
fn auth_sessions_match_redis() {
    let hk = start_hotkv(&[]);
    let rd = start_redis();
    // Without a password: AUTH is refused with Redis's hint, HELLO AUTH default passes.
    let cmds = &["AUTH x", "AUTH default anything", "HELLO 2 AUTH default x", "PING"];
    assert_eq!(session(hk.port, cmds), session(rd.port, cmds), "{cmds:?}");
    for p in [&hk, &rd] {
        assert_eq!(p.cli(&["config", "set", "requirepass", "pw"]).trim(), "OK");
    }
    for cmds in SESSIONS {
        assert_eq!(session(hk.port, cmds), session(rd.port, cmds), "{cmds:?}");
    }
    assert_eq!(hk.cli(&["-a", "pw", "--no-auth-warning", "config", "get", "requirepass"]), "requirepass\npw\n");
    // Back to no password: every connection may run commands again.
    for p in [&hk, &rd] {
        assert_eq!(p.cli(&["-a", "pw", "--no-auth-warning", "config", "set", "requirepass", ""]).trim(), "OK");
    }
    let cmds = &["PING", "GET k"];
    assert_eq!(session(hk.port, cmds), session(rd.port, cmds));
}

/// ACL users: created, listed, refused rules, permissions enforced, deleted.
const ACL_SESSIONS: &[&[&str]] = &[
    &[
        "ACL SETUSER bob on >pw ~k* +get",
        "ACL SETUSER dan on >a >b <a resetkeys ~x %R~r* &ch* -@all +ping",
        "ACL SETUSER carol on nopass allkeys allcommands -set",
        "ACL SETUSER eve bogus",
        "ACL SETUSER eve +nosuch",
        "ACL SETUSER eve +@nosuch",
        "ACL SETUSER eve <nopw",
        "ACL SETUSER eve allkeys ~x",
        "ACL SETUSER eve #abc",
        "ACL LIST",
        "ACL USERS",
        "ACL WHOAMI",
        "ACL GETUSER bob",
        "ACL GETUSER nosuch",
        "ACL DELUSER nosuch",
        "ACL DELUSER default",
        "ACL CAT",
        "ACL CAT nosuch",
        "ACL",
        "ACL NOSUCH",
    ],
    &["AUTH bob pw", "GET k1", "GET z", "SET k1 v", "ACL WHOAMI", "MGET k1 z", "MGET k1 k2"],
    &["AUTH bob wrong", "AUTH dan a", "AUTH dan b", "PING", "GET x", "ACL WHOAMI"],
    &["AUTH carol anything", "SET k v", "GET k", "CLIENT GETNAME"],
    &["ACL SETUSER bob off", "AUTH bob pw", "ACL DELUSER bob dan nosuch", "ACL USERS"],
    // Channel permissions: PUBLISH and SUBSCRIBE by glob, PSUBSCRIBE literally.
    &["ACL SETUSER chan on nopass ~* &news.* &exact +@all", "AUTH chan x", "PUBLISH news.a m", "PUBLISH other m", "SUBSCRIBE news.b other", "PSUBSCRIBE news.a*", "PSUBSCRIBE ex*", "PSUBSCRIBE exact"],
];

#[test]
fn acl_sessions_match_redis() {
    let hk = start_hotkv(&[]);
    let rd = start_redis();
    for cmds in ACL_SESSIONS {
        assert_eq!(session(hk.port, cmds), session(rd.port, cmds), "{cmds:?}");
    }
}

/// Connections keep what they were across an UPGRADE: authenticated ones
/// stay authenticated (also one made before the password was set, as in
/// Redis), unauthenticated ones still get NOAUTH; the password carries over.
#[test]
fn authentication_survives_upgrade() {
    let hk = start_hotkv(&[]);
    let mut before = RawConn::connect(hk.port);
    assert_eq!(hk.cli(&["config", "set", "requirepass", "pw"]).trim(), "OK");
    let mut authed = RawConn::connect(hk.port);
    authed.send(b"AUTH pw\r\n");
    authed.expect(b"+OK\r\n", "auth");
    let mut anon = RawConn::connect(hk.port);
    anon.send(b"GET k\r\n");
    anon.expect(b"-NOAUTH Authentication required.\r\n", "before the swap");

    let mut admin = redis::Client::open(format!("redis://:pw@127.0.0.1:{}/", hk.port)).unwrap().get_connection().unwrap();
    upgrade(&mut admin, &logic_variant(V2));

    for (c, what) in [(&mut before, "made before requirepass"), (&mut authed, "authenticated")] {
        c.send(b"SET k v\r\nGET k\r\n");
        c.expect(b"+OK\r\n$1\r\nv\r\n", what);
    }
    anon.send(b"GET k\r\n");
    anon.expect(b"-NOAUTH Authentication required.\r\n", "after the swap");
    anon.send(b"AUTH pw\r\nGET k\r\n");
    anon.expect(b"+OK\r\n$1\r\nv\r\n", "after AUTH on the new version");
    let mut fresh = RawConn::connect(hk.port);
    fresh.send(b"PING\r\n");
    fresh.expect(b"-NOAUTH Authentication required.\r\n", "new connection after the swap");
}

/// ACL users and a connection authenticated as one of them survive an
/// UPGRADE with their permissions.
#[test]
fn acl_users_survive_upgrade() {
    let hk = start_hotkv(&[]);
    assert_eq!(hk.cli(&["acl", "setuser", "bob", "on", ">pw", "~k*", "+get", "+set"]).trim(), "OK");
    let mut bob = RawConn::connect(hk.port);
    bob.send(b"AUTH bob pw\r\nSET k1 v\r\n");
    bob.expect(b"+OK\r\n+OK\r\n", "bob before the swap");
    let list = hk.cli(&["acl", "list"]);
    let mut admin = hk.client();
    upgrade(&mut admin, &logic_variant(V2));
    assert_eq!(hk.cli(&["acl", "list"]), list);
    bob.send(b"GET k1\r\nGET z\r\nDEL k1\r\nACL WHOAMI\r\n");
    bob.expect(
        b"$1\r\nv\r\n-NOPERM this user has no permissions to access one of the keys used as arguments\r\n-NOPERM this user has no permissions to run the 'del' command\r\n-NOPERM this user has no permissions to run the 'acl|whoami' command\r\n",
        "bob after the swap",
    );
    let mut again = RawConn::connect(hk.port);
    again.send(b"AUTH bob pw\r\nGET k1\r\n");
    again.expect(b"+OK\r\n$1\r\nv\r\n", "a new connection of bob after the swap");
}
