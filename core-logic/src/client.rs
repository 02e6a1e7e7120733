//! CLIENT: a connection looking at itself and at the others (Redis's
//! `clientCommand`): ID, SETNAME, GETNAME, LIST, INFO, HELP (UNBLOCK is
//! in `blocking.rs`).

use crate::networking;
use crate::reply::{err, Reply};
use crate::server::Server;
use hotkv_abi::state::{client_flag as cf, Client};
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
    for (bit, ch) in [(cf::MULTI, 'x'), (cf::BLOCKED_UPGRADE | cf::BLOCKED, 'b'), (cf::DIRTY_CAS, 'd'), (cf::CLOSE_AFTER_REPLY, 'c'), (cf::CLOSE_ASAP, 'A')] {
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
        [opt, kind] if crate::util::eq_ic(opt, b"type") => match kind.to_ascii_lowercase().as_slice() {
            // No replication: no client is a master or a replica.
            b"normal" => subscribers = Some(false),
            b"pubsub" => subscribers = Some(true),
            b"master" | b"replica" | b"slave" => return c.add_verbatim(b""),
            _ => return c.add_error(&format!("Unknown client type '{}'", String::from_utf8_lossy(kind))),
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

const HELP: &[&str] = &[
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
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
}
