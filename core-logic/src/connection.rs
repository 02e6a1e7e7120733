//! Connection commands: PING, ECHO, QUIT, SELECT, HELLO, and SHUTDOWN.

use crate::reply::{err, Reply};
use crate::server::{Server, REDIS_VERSION};
use hotkv_abi::state::{client_flag, Client};

pub fn ping(_srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    // A RESP2 subscriber can only be sent arrays: PING answers like a message.
    if c.resp == 2 && crate::pubsub::subscriptions(c) > 0 && argv.len() <= 2 {
        c.add_array(2);
        c.add_bulk(b"pong");
        return c.add_bulk(argv.get(1).copied().unwrap_or(b""));
    }
    match argv.len() {
        1 => c.add_simple(b"PONG"),
        2 => c.add_bulk(argv[1]),
        _ => c.add_error("wrong number of arguments for 'ping' command"),
    }
}

pub fn echo(_srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    c.add_bulk(argv[1]);
}

pub fn quit(_srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    c.add_ok();
    c.flags |= client_flag::CLOSE_AFTER_REPLY;
}

/// SELECT index. The index is a C `int` in Redis, hence the first range check.
pub fn select(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    match crate::util::parse_i64(argv[1]) {
        None => c.add_error(err::NOT_INTEGER),
        Some(i) if i32::try_from(i).is_err() => {
            c.add_error(err::INT_RANGE)
        }
        Some(i) if i < 0 || i >= srv.st.dbs.len() as i64 => c.add_error(err::DB_INDEX),
        Some(i) => {
            c.db = i as u32;
            c.add_ok();
        }
    }
}

/// HELLO [protover [AUTH username password] [SETNAME clientname]]: the
/// handshake, choosing RESP2 or RESP3. Options apply in order, as in
/// Redis 7.0 (a SETNAME before a failing AUTH stays applied); a connection
/// still not authenticated after them gets NOAUTH. The protocol switches
/// only once everything succeeded, and the reply is already in the new one.
pub fn hello(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut proto = None;
    if let Some(v) = argv.get(1) {
        match crate::util::parse_i64(v) {
            None => return c.add_error("Protocol version is not an integer or out of range"),
            Some(v @ (2 | 3)) => proto = Some(v as u32),
            Some(_) => return c.add_error("-NOPROTO unsupported protocol version"),
        }
    }
    let mut j = 2;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if crate::util::eq_ic(argv[j], b"auth") && more >= 2 {
            if let Err(e) = crate::acl::authenticate(srv, c, argv[j + 1], argv[j + 2]) {
                return c.add_error(e);
            }
            j += 3;
        } else if crate::util::eq_ic(argv[j], b"setname") && more >= 1 {
            if let Err(e) = crate::client::set_name(c, argv[j + 1]) {
                return c.add_error(e);
            }
            j += 2;
        } else {
            return c.add_error(&format!("Syntax error in HELLO option '{}'", String::from_utf8_lossy(argv[j])));
        }
    }
    if crate::acl::auth_required(srv, c) {
        return c.add_error(
            "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
        );
    }
    if let Some(p) = proto {
        c.resp = p;
    }
    c.add_map(7);
    for (k, v) in [("server", "redis"), ("version", REDIS_VERSION)] {
        c.add_bulk(k.as_bytes());
        c.add_bulk(v.as_bytes());
    }
    c.add_bulk(b"proto");
    c.add_int(c.resp as i64);
    c.add_bulk(b"id");
    c.add_int(c.id as i64);
    for (k, v) in [("mode", "standalone"), ("role", "master")] {
        c.add_bulk(k.as_bytes());
        c.add_bulk(v.as_bytes());
    }
    c.add_bulk(b"modules");
    c.add_array(0);
}

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT], as Redis 7.0's
/// `shutdownCommand`: SAVE (or save points without NOSAVE) saves the RDB
/// file first; if that fails the server keeps running (unless FORCE) and
/// says so. A shutdown never waits here (no replicas), so none is ever in
/// progress for ABORT, and NOW changes nothing. No reply is sent on
/// success (the connection closes).
pub fn shutdown(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let (mut save, mut nosave, mut now, mut force, mut abort) = (false, false, false, false, false);
    for a in &argv[1..] {
        match a.to_ascii_lowercase().as_slice() {
            b"save" => save = true,
            b"nosave" => nosave = true,
            b"now" => now = true,
            b"force" => force = true,
            b"abort" => abort = true,
            _ => return c.add_error(err::SYNTAX),
        }
    }
    // Redis 7.0 answers an illegal combination as a syntax error.
    if (abort && (save || nosave || now || force)) || (save && nosave) {
        return c.add_error(err::SYNTAX);
    }
    if abort {
        return c.add_error("No shutdown in progress.");
    }
    log::warn!("User requested shutdown...");
    let save = save || (!srv.cfg.save_params.is_empty() && !nosave);
    if !crate::bgsave::finish_shutdown(srv, save, force) {
        return c.add_error("Errors trying to SHUTDOWN. Check logs.");
    }
    srv.shutdown = true;
}
