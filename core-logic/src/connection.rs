//! Connection commands: PING, ECHO, QUIT, SELECT, HELLO, and SHUTDOWN.

use crate::reply::{err, Reply};
use crate::server::Server;
use hotkv_abi::state::{client_flag, Client};

pub fn ping(_srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
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
            c.add_error("value is out of range, value must between -2147483648 and 2147483647")
        }
        Some(i) if i < 0 || i >= srv.st.dbs.len() as i64 => c.add_error(err::DB_INDEX),
        Some(i) => {
            c.db = i as u32;
            c.add_ok();
        }
    }
}

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]. Nothing is persisted yet,
/// so the save options are accepted and the server stops; no reply is sent
/// on success (the connection closes), as in Redis.
pub fn shutdown(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    for a in &argv[1..] {
        let a = a.to_ascii_lowercase();
        match a.as_slice() {
            b"nosave" | b"save" | b"now" | b"force" => {}
            b"abort" => {
                c.add_error("No shutdown in progress.");
                return;
            }
            _ => {
                c.add_error(err::SYNTAX);
                return;
            }
        }
    }
    log::info!("user requested shutdown");
    srv.shutdown = true;
}
