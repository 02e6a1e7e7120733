//! Authentication (Redis's `acl.c`, the part that exists so far): the
//! `default` user, whose password is `requirepass`, AUTH with one or two
//! arguments, and the rule that a connection must authenticate before
//! anything but the commands flagged `no_auth` (AUTH, HELLO, QUIT).
//!
//! A connection's authentication is its `client_flag::AUTHENTICATED` bit
//! and `Client::user`, in the state: an UPGRADE keeps both. As in Redis, a
//! connection made while the default user needed no password stays
//! authenticated when `requirepass` is set later.

use crate::reply::Reply;
use crate::server::Server;
use hotkv_abi::state::{client_flag, Client};

const WRONGPASS: &str = "-WRONGPASS invalid username-password pair or user is disabled.";

/// Does this connection have to authenticate before running a command?
/// (Redis's `authRequired`: the default user has a password and the
/// connection has not authenticated.)
#[inline]
pub fn auth_required(srv: &Server, c: &Client) -> bool {
    c.flags & client_flag::AUTHENTICATED == 0 && !srv.cfg.requirepass.is_empty()
}

/// The flags a new connection starts with: authenticated as `default`
/// when `default` needs no password.
pub fn new_client_flags(srv: &Server) -> u32 {
    if srv.cfg.requirepass.is_empty() {
        client_flag::AUTHENTICATED
    } else {
        0
    }
}

/// Checks `user`/`password` and, if they match, authenticates the
/// connection as `user`. The error reply text otherwise.
pub fn authenticate(srv: &Server, c: &mut Client, user: &[u8], password: &[u8]) -> Result<(), &'static str> {
    // The only user so far is `default`: with `nopass` (no requirepass)
    // any password is accepted, as Redis does for a nopass user.
    let ok = user == b"default" && (srv.cfg.requirepass.is_empty() || srv.cfg.requirepass == password);
    if !ok {
        return Err(WRONGPASS);
    }
    c.flags |= client_flag::AUTHENTICATED;
    c.user.clear();
    c.user.extend_from_slice(user);
    Ok(())
}

/// AUTH [username] password
pub fn auth(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    match argv.len() {
        2 if srv.cfg.requirepass.is_empty() => c.add_error(
            "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
        ),
        2 => reply(authenticate(srv, c, b"default", argv[1]), c),
        3 => reply(authenticate(srv, c, argv[1], argv[2]), c),
        _ => c.add_error(crate::reply::err::SYNTAX),
    }
}

fn reply(r: Result<(), &str>, c: &mut Client) {
    match r {
        Ok(()) => c.add_ok(),
        Err(e) => c.add_error(e),
    }
}
