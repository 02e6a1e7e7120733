//! CLIENT: a connection looking at itself and at the others (Redis's
//! `clientCommand`): ID, SETNAME, GETNAME, LIST, INFO, KILL, PAUSE,
//! UNPAUSE, REPLY, NO-EVICT, TRACKING, GETREDIR, HELP (UNBLOCK is in
//! `blocking.rs`), and RESET.
//!
//! CLIENT PAUSE lives in the state (`pause_end_ms`, `pause_kind`). A
//! command it holds back is postponed as Redis 7.0's BLOCKED_POSTPONE:
//! the client gets `BLOCKED` and joins `ServerState::blocked` with no saved
//! command ([`blocking::postpone`]), while the command itself stays
//! unparsed in its query buffer. When the pause ends the loop releases the
//! postponed clients in the order they were postponed and each parses and
//! runs its command then. Nothing of it lives in this library, so a pause
//! and its postponed clients outlive an UPGRADE and the new version
//! releases them.

use crate::commands::{flag, Command};
use crate::networking;
use crate::reply::{err, Reply};
use crate::server::Server;
use crate::{blocking, util};
use hotkv_abi::state::{client_flag as cf, pause, Client};
use std::fmt::Write;

/// Checks a client name like Redis: printable ASCII without spaces, so
/// CLIENT LIST stays splittable on spaces. The empty name clears it.
pub fn validate_name(name: &[u8]) -> Result<(), &'static str> {
    if name.iter().all(|&b| (b'!'..=b'~').contains(&b)) {
        Ok(())
    } else {
        Err("Client names cannot contain spaces, newlines or special characters.")
    }
}

/// Sets (or, with an empty name, clears) the connection's name.
pub fn set_name(c: &mut Client, name: &[u8]) -> Result<(), &'static str> {
    validate_name(name)?;
    c.name.clear();
    c.name.extend_from_slice(name);
    Ok(())
}

/// Sum of the argument lengths: Redis's `argv-mem` of the client running
/// a command (0 for the others, whose arguments are already freed).
fn argv_mem(argv: &[&[u8]]) -> usize {
    argv.iter().map(|a| a.len()).sum()
}

/// One line of CLIENT LIST / CLIENT INFO, with Redis 7.0's fields in its
/// order. Fields for features hotkv does not have (pub/sub,
/// tracking, ACL users) show what Redis shows for a client not using them.
fn info_line(out: &mut String, srv: &Server, c: &Client, argv_mem: usize) {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let mut flags = String::new();
    if crate::pubsub::subscriptions(c) > 0 {
        flags.push('P');
    }
    for (bit, ch) in [(cf::MULTI, 'x'), (cf::BLOCKED_UPGRADE | cf::BLOCKED, 'b'), (cf::DIRTY_CAS, 'd'), (cf::CLOSE_AFTER_REPLY, 'c'), (cf::CLOSE_ASAP, 'A'), (cf::NO_EVICT, 'e')] {
        if c.flags & bit != 0 {
            flags.push(ch);
        }
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let unsent = c.reply.len().saturating_sub(c.sentpos as usize);
    let events = if unsent > 0 { "rw" } else { "r" };
    let now_s = srv.now_ms / 1000;
    let heap = c.qbuf.capacity() + c.reply.capacity() + c.name.capacity() + c.addr.capacity() + c.laddr.capacity() + c.last_cmd.capacity();
    let tot_mem = std::mem::size_of::<Client>() + heap + argv_mem;
    let _ = writeln!(
        out,
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={flags} db={} sub={} psub={} ssub=0 multi={} qbuf={} qbuf-free={} argv-mem={argv_mem} multi-mem={} rbs={} rbp={} obl={unsent} oll=0 omem=0 tot-mem={tot_mem} events={events} cmd={} user={} redir=-1 resp={}",
        c.id,
        text(&c.addr),
        text(&c.laddr),
        c.fd,
        text(&c.name),
        now_s - c.ctime_ms / 1000,
        now_s - c.last_interaction_ms / 1000,
        c.db,
        c.pubsub.channels.len(),
        c.pubsub.patterns.len(),
        if c.flags & cf::MULTI != 0 { c.mstate.commands.len() as i64 } else { -1 },
        c.qbuf.len(),
        c.qbuf.capacity() - c.qbuf.len(),
        crate::multi::mem_overhead(c),
        c.reply.capacity(),
        c.reply.capacity(),
        text(&c.last_cmd),
        text(&c.user),
        c.resp,
    );
}

/// CLIENT ID
pub fn id(_srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    c.add_int(c.id as i64);
}

/// CLIENT SETNAME name
pub fn setname(_srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    match set_name(c, argv[2]) {
        Ok(()) => c.add_ok(),
        Err(e) => c.add_error(e),
    }
}

/// CLIENT GETNAME
pub fn getname(_srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    if c.name.is_empty() {
        c.add_null();
    } else {
        let name = c.name.to_vec();
        c.add_bulk(&name);
    }
}

/// A client as its CLIENT LIST line, without the newline (Redis's
/// `catClientInfoString`, for the log).
pub fn info_string(srv: &Server, c: &Client) -> String {
    let mut out = String::new();
    info_line(&mut out, srv, c, 0);
    out.truncate(out.trim_end().len());
    out
}

/// CLIENT INFO
pub fn info(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut out = String::new();
    info_line(&mut out, srv, c, argv_mem(argv));
    c.add_verbatim(out.as_bytes());
}

/// CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id [id ...]]
pub fn list(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ids: Option<Vec<u64>> = None;
    // TYPE normal / pubsub: whether subscribers are wanted (Redis's
    // `getClientType`: a subscriber is of type pubsub only).
    let mut subscribers: Option<bool> = None;
    match &argv[2..] {
        [] => {}
        [opt, kind] if crate::util::eq_ic(opt, b"type") => match parse_type(kind) {
            Ok(Some(s)) => subscribers = Some(s),
            Ok(None) => return c.add_verbatim(b""),
            Err(e) => return c.add_error(&e),
        },
        [opt, rest @ ..] if crate::util::eq_ic(opt, b"id") && !rest.is_empty() => {
            let mut v = Vec::with_capacity(rest.len());
            for a in rest {
                match crate::util::parse_i64(a) {
                    Some(n) => v.push(n as u64),
                    None => return c.add_error("Invalid client ID"),
                }
            }
            ids = Some(v);
        }
        _ => return c.add_error(err::SYNTAX),
    }
    let me = c as *mut Client;
    let my_id = c.id;
    // The caller is read through `c` only (we hold `&mut` to it); every
    // other client through its table pointer.
    // SAFETY: live clients of the table other than the caller; only read.
    let id_of = |p: *mut Client| if p == me { my_id } else { unsafe { (*p).id } };
    let mut others: Vec<*mut Client> = Vec::new();
    networking::for_each_client(srv, |p| others.push(p));
    // Oldest first, as Redis's client list is kept.
    others.sort_by_key(|&p| id_of(p));
    let mut out = String::new();
    let mut line = |p: *mut Client| {
        if p == me {
            if subscribers.is_some_and(|s| s != (crate::pubsub::subscriptions(c) > 0)) {
                return;
            }
            info_line(&mut out, srv, c, argv_mem(argv));
        } else {
            // SAFETY: a live client other than the one we hold `&mut` to.
            let other = unsafe { &*p };
            if subscribers.is_some_and(|s| s != (crate::pubsub::subscriptions(other) > 0)) {
                return;
            }
            info_line(&mut out, srv, other, 0);
        }
    };
    match ids {
        // In the order asked, each id as often as asked, as in Redis.
        Some(ids) => ids.iter().filter_map(|id| others.iter().find(|&&p| id_of(p) == *id)).for_each(|&p| line(p)),
        None => others.iter().for_each(|&p| line(p)),
    }
    c.add_verbatim(out.as_bytes());
}

/// A TYPE filter of CLIENT LIST and KILL (Redis's `getClientTypeByName`):
/// whether subscribers (type pubsub) or the others (normal) are wanted;
/// None for master / replica / slave, which no client is (no replication).
fn parse_type(kind: &[u8]) -> Result<Option<bool>, String> {
    match kind.to_ascii_lowercase().as_slice() {
        b"normal" => Ok(Some(false)),
        b"pubsub" => Ok(Some(true)),
        b"master" | b"replica" | b"slave" => Ok(None),
        _ => Err(format!("Unknown client type '{}'", String::from_utf8_lossy(kind))),
    }
}

/// What CLIENT KILL matches (every filter given must match).
#[derive(Default)]
struct KillFilter<'a> {
    addr: Option<&'a [u8]>,
    laddr: Option<&'a [u8]>,
    user: Option<&'a [u8]>,
    id: Option<u64>,
    /// As [`parse_type`]: Some(None) matches no client.
    subscribers: Option<Option<bool>>,
}

impl KillFilter<'_> {
    fn matches(&self, c: &Client) -> bool {
        self.addr.is_none_or(|a| a == c.addr.as_slice())
            && self.laddr.is_none_or(|a| a == c.laddr.as_slice())
            && self.user.is_none_or(|u| u == c.user.as_slice())
            && self.id.is_none_or(|id| id == c.id)
            && self.subscribers.is_none_or(|s| s == Some(crate::pubsub::subscriptions(c) > 0))
    }
}

/// CLIENT KILL ip:port | CLIENT KILL <filter value> ... (ID, TYPE, ADDR,
/// LADDR, USER, SKIPME). The other matching clients are closed at once,
/// their unsent replies dropped (Redis's `freeClient`); the caller, with
/// SKIPME no (or the old form), once this reply is written.
pub fn kill(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut f = KillFilter::default();
    // The old form may kill the caller; the new one only with SKIPME no.
    let mut skipme = true;
    if argv.len() == 3 {
        f.addr = Some(argv[2]);
        skipme = false;
    } else {
        for pair in argv[2..].chunks(2) {
            let [opt, val] = pair else { return c.add_error(err::SYNTAX) };
            match opt.to_ascii_lowercase().as_slice() {
                b"id" => match util::parse_i64(val) {
                    Some(id) if id >= 1 => f.id = Some(id as u64),
                    _ => return c.add_error("client-id should be greater than 0"),
                },
                b"type" => match parse_type(val) {
                    Ok(s) => f.subscribers = Some(s),
                    Err(e) => return c.add_error(&e),
                },
                b"addr" => f.addr = Some(val),
                b"laddr" => f.laddr = Some(val),
                b"user" if srv.acl.user(val).is_none() => {
                    return c.add_error(&format!("No such user '{}'", String::from_utf8_lossy(val)));
                }
                b"user" => f.user = Some(val),
                b"skipme" if util::eq_ic(val, b"yes") => skipme = true,
                b"skipme" if util::eq_ic(val, b"no") => skipme = false,
                _ => return c.add_error(err::SYNTAX),
            }
        }
    }
    let killed = close_matching(srv, c, &f, !skipme);
    if argv.len() == 3 {
        if killed == 0 {
            c.add_error("No such client");
        } else {
            c.add_ok();
        }
    } else {
        c.add_int(killed as i64);
    }
}

/// Closes the clients `f` matches and returns how many: the others at once,
/// their unsent replies dropped (Redis's `freeClient`); `c` itself, if
/// `and_self` and it matches, once its reply is written.
fn close_matching(srv: &mut Server, c: &mut Client, f: &KillFilter, and_self: bool) -> usize {
    let me = c as *mut Client;
    let mut victims = Vec::new();
    networking::for_each_client(srv, |p| {
        // SAFETY: live clients of the table other than the caller; only read.
        if p != me && f.matches(unsafe { &*p }) {
            // SAFETY: as above.
            victims.push(unsafe { (*p).slot });
        }
    });
    let close_self = and_self && f.matches(c);
    let closed = victims.len() + close_self as usize;
    for slot in victims {
        networking::free_client(srv, slot);
    }
    if close_self {
        c.flags |= cf::CLOSE_AFTER_REPLY;
    }
    closed
}

/// Closes the connections authenticated as `user`, whose ACL user was
/// deleted (as Redis's ACL DELUSER does); `c` after its reply.
pub fn close_clients_of_user(srv: &mut Server, c: &mut Client, user: &[u8]) {
    close_matching(srv, c, &KillFilter { user: Some(user), ..KillFilter::default() }, true);
}

/// Is the server paused now (CLIENT PAUSE, until `pause_end_ms`)?
pub fn paused(srv: &Server) -> bool {
    srv.st.pause_kind != pause::NONE && srv.now_ms < srv.st.pause_end_ms
}

/// Must `cmd` wait for the pause to end (Redis 7.0's processCommand)?
/// PAUSE ALL holds every command back, UNPAUSE included; PAUSE WRITE those
/// that may write or replicate (PUBLISH, ...), and an EXEC whose queue
/// holds one.
pub fn must_postpone(srv: &Server, c: &Client, cmd: &Command) -> bool {
    if !paused(srv) {
        return false;
    }
    let writes = flag::WRITE | flag::MAY_REPLICATE;
    srv.st.pause_kind == pause::ALL || cmd.flags & writes != 0 || (cmd.name == "exec" && crate::commands::queued_any(srv, c, writes))
}

/// Milliseconds until the pause ends, for the loop's poll timeout.
pub fn ms_until_pause_end(srv: &Server) -> Option<i64> {
    (srv.st.pause_kind != pause::NONE).then(|| (srv.st.pause_end_ms - srv.now_ms).max(0))
}

/// Ends a pause whose time has come (deadline, UNPAUSE) and runs the
/// postponed clients' commands, in the order they were postponed. Called
/// by the loop with no client reference held.
pub fn end_pause_if_due(srv: &mut Server) {
    if srv.st.pause_kind == pause::NONE || paused(srv) {
        return;
    }
    srv.st.pause_kind = pause::NONE;
    srv.st.pause_end_ms = 0;
    // SAFETY: clients in `blocked` are live.
    let postponed: Vec<*mut Client> = srv.st.blocked.iter().copied().filter(|&p| blocking::is_postponed(unsafe { &*p })).collect();
    for p in postponed {
        // A command run before may have closed it (CLIENT KILL) or
        // postponed it again (a new pause): then it is not ours to run.
        if !srv.st.blocked.contains(&p) {
            continue;
        }
        // SAFETY: still in `blocked`, so live; no other reference held.
        let c = unsafe { &mut *p };
        if !blocking::is_postponed(c) {
            continue;
        }
        blocking::detach(srv, c);
        networking::handle(srv, c);
    }
}

/// CLIENT PAUSE timeout [WRITE|ALL]: the longest of the pauses asked for,
/// of the strictest kind asked for (as Redis's `pauseClients`).
pub fn pause_cmd(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    if argv.len() > 4 {
        return c.add_subcommand_syntax_error(argv);
    }
    let kind = match argv.get(3) {
        None => pause::ALL,
        Some(m) if util::eq_ic(m, b"write") => pause::WRITE,
        Some(m) if util::eq_ic(m, b"all") => pause::ALL,
        Some(_) => return c.add_error("CLIENT PAUSE mode must be WRITE or ALL"),
    };
    let ms = match util::parse_i64(argv[2]) {
        None => return c.add_error("timeout is not an integer or out of range"),
        Some(ms) if ms < 0 => return c.add_error("timeout is negative"),
        Some(ms) => ms,
    };
    let end = if ms > 0 { srv.now_ms.saturating_add(ms) } else { 0 };
    let st = &mut *srv.st;
    if st.pause_kind == pause::NONE {
        st.pause_kind = kind;
        st.pause_end_ms = end;
    } else {
        st.pause_kind = st.pause_kind.max(kind);
        st.pause_end_ms = st.pause_end_ms.max(end);
    }
    c.add_ok();
}

/// CLIENT UNPAUSE: the pause ends now; the loop runs the postponed
/// commands once this command's batch is done.
pub fn unpause(srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    if srv.st.pause_kind != pause::NONE {
        srv.st.pause_end_ms = 0;
    }
    c.add_ok();
}

/// CLIENT REPLY ON|OFF|SKIP (Redis's flags; [`suppress_reply`] applies them).
pub fn reply(_srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    match argv[2].to_ascii_lowercase().as_slice() {
        b"on" => {
            c.flags &= !(cf::REPLY_SKIP | cf::REPLY_OFF);
            c.add_ok();
        }
        b"off" => c.flags |= cf::REPLY_OFF,
        b"skip" if c.flags & cf::REPLY_OFF == 0 => c.flags |= cf::REPLY_SKIP_NEXT,
        b"skip" => {}
        _ => c.add_error(err::SYNTAX),
    }
}

/// After a command (Redis's `prepareClientToWrite` and `resetClient`):
/// drops what it replied (the reply buffer past `before`) when replies are
/// off or this command is the skipped one, and makes the command after a
/// CLIENT REPLY SKIP the skipped one.
pub fn suppress_reply(c: &mut Client, before: usize) {
    if c.flags & (cf::REPLY_OFF | cf::REPLY_SKIP) != 0 {
        c.reply.truncate(before);
    }
    c.flags &= !cf::REPLY_SKIP;
    if c.flags & cf::REPLY_SKIP_NEXT != 0 {
        c.flags = (c.flags & !cf::REPLY_SKIP_NEXT) | cf::REPLY_SKIP;
    }
}

/// CLIENT NO-EVICT ON|OFF (hotkv evicts no clients: only the flag, shown
/// as `e` by CLIENT LIST).
pub fn no_evict(_srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    if util::eq_ic(argv[2], b"on") {
        c.flags |= cf::NO_EVICT;
    } else if util::eq_ic(argv[2], b"off") {
        c.flags &= !cf::NO_EVICT;
    } else {
        return c.add_error(err::SYNTAX);
    }
    c.add_ok();
}

/// CLIENT TRACKING ON|OFF [options]: hotkv has no client-side caching, so
/// tracking is always off. OFF (with options, as Redis accepts them) is
/// the state already; ON is refused rather than accepted and not honoured
/// (a client would serve stale values from its cache).
pub fn tracking(_srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    if util::eq_ic(argv[2], b"off") {
        c.add_ok();
    } else if util::eq_ic(argv[2], b"on") {
        c.add_error("client-side caching (CLIENT TRACKING ON) is not supported by this server");
    } else {
        c.add_error(err::SYNTAX);
    }
}

/// CLIENT GETREDIR: -1, tracking being always off.
pub fn getredir(_srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    c.add_int(-1);
}

/// RESET (Redis's `clearClientConnectionState`): out of MULTI and every
/// WATCH and subscription (without confirmations), database 0, RESP2,
/// back to the `default` user (authenticated if it needs no password), no
/// name, replies on.
pub fn reset(srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    c.db = 0;
    c.resp = 2;
    c.user.clear();
    c.user.extend_from_slice(b"default");
    c.flags = (c.flags & !cf::AUTHENTICATED) | crate::acl::new_client_flags(srv);
    crate::multi::discard_transaction(srv, c);
    crate::pubsub::forget_client(srv, c);
    c.name.clear();
    c.flags &= !(cf::REPLY_OFF | cf::REPLY_SKIP_NEXT);
    c.add_simple(b"RESET");
}

const HELP: &[&str] = &[
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
];

/// CLIENT HELP
pub fn help(_srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    c.add_help(argv[0], HELP);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(validate_name(b"worker-1").is_ok());
        assert!(validate_name(b"").is_ok());
        assert!(validate_name(b"a b").is_err());
        assert!(validate_name(b"a\nb").is_err());
        assert!(validate_name("é".as_bytes()).is_err());
    }

    #[test]
    fn client_types() {
        assert_eq!(parse_type(b"NORMAL"), Ok(Some(false)));
        assert_eq!(parse_type(b"pubsub"), Ok(Some(true)));
        for none in [&b"master"[..], b"Replica", b"slave"] {
            assert_eq!(parse_type(none), Ok(None));
        }
        assert_eq!(parse_type(b"foo"), Err("Unknown client type 'foo'".to_string()));
    }
}
