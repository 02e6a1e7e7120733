//! Pub/Sub (Redis 7.0's pubsub.c): SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE,
//! PUNSUBSCRIBE, PUBLISH and PUBSUB CHANNELS / NUMSUB / NUMPAT / HELP.
//!
//! All of it lives in the state (layout 7), so subscriptions survive an
//! UPGRADE with nothing to migrate: each client lists its channels and
//! patterns in subscription order (`Client::pubsub`), and
//! `ServerState::pubsub_channels` / `pubsub_patterns` map each channel or
//! pattern to its subscribers in the order they subscribed. A client with
//! a subscription is in "subscriber mode" (Redis's `CLIENT_PUBSUB`): that
//! is read from its lists, not kept as a flag, so the two cannot disagree.

use crate::networking::mark_pending;
use crate::reply::{Reply, Scratch};
use crate::server::Server;
use crate::util::glob_match;
use hotkv_abi::clientlist::ClientList;
use hotkv_abi::dict::{DictEntry, RDict};
use hotkv_abi::state::{Client, ServerState};
use hotkv_abi::vec::{RBytes, RVec};

/// Channels and patterns are two kinds of subscription with the same
/// bookkeeping and replies, differing only in their tables and names.
#[derive(Clone, Copy)]
enum Kind {
    Channel,
    Pattern,
}

impl Kind {
    fn table(self, st: &mut ServerState) -> &mut RDict<ClientList> {
        match self {
            Kind::Channel => &mut st.pubsub_channels,
            Kind::Pattern => &mut st.pubsub_patterns,
        }
    }

    fn of(self, c: &mut Client) -> &mut RVec<RBytes> {
        match self {
            Kind::Channel => &mut c.pubsub.channels,
            Kind::Pattern => &mut c.pubsub.patterns,
        }
    }

    /// The confirmation names: (subscribe, unsubscribe).
    fn verbs(self) -> (&'static [u8], &'static [u8]) {
        match self {
            Kind::Channel => (b"subscribe", b"unsubscribe"),
            Kind::Pattern => (b"psubscribe", b"punsubscribe"),
        }
    }
}

/// Channels plus patterns: the count every confirmation carries (Redis's
/// `clientSubscriptionsCount`), and non-zero in subscriber mode.
pub fn subscriptions(c: &Client) -> usize {
    c.pubsub.channels.len() + c.pubsub.patterns.len()
}

/// In RESP2 a subscribed client can only receive messages and change its
/// subscriptions: any other command is refused with this error (Redis's
/// `processCommand`), `None` when `cmd` may run. RESET is listed for when
/// it exists; the SSUBSCRIBE family of the text does not exist here.
pub fn subscriber_mode_error(c: &Client, cmd: &str) -> Option<String> {
    const ALLOWED: &[&str] = &["ping", "psubscribe", "punsubscribe", "quit", "reset", "subscribe", "unsubscribe"];
    if c.resp != 2 || subscriptions(c) == 0 || ALLOWED.contains(&cmd) {
        return None;
    }
    let full = String::from_utf8_lossy(&c.last_cmd);
    Some(format!("Can't execute '{full}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"))
}

/// `subscribe ch 3`, `unsubscribe <nil> 0` and the like.
fn confirm(c: &mut Client, verb: &[u8], name: Option<&[u8]>, count: usize) {
    c.add_push(3);
    c.add_bulk(verb);
    match name {
        Some(n) => c.add_bulk(n),
        None => c.add_null(),
    }
    c.add_int(count as i64);
}

/// Lists `p` under `key`, creating the entry.
fn table_add(table: &mut RDict<ClientList>, key: &[u8], p: *mut Client) {
    let h = table.hash(key);
    let mut e = table.find(key, h);
    if e.is_null() {
        e = ClientList::alloc(key);
        // SAFETY: a new node whose key is not in the table.
        unsafe { table.insert_new(e, h) };
    }
    // SAFETY: `e` is a live node of the table.
    unsafe { (*e).clients.push(p) };
}

/// Takes `p` off `key`'s list; an entry left without clients goes, as in
/// Redis (PUBSUB CHANNELS and NUMPAT count entries).
fn table_remove(table: &mut RDict<ClientList>, key: &[u8], p: *mut Client) {
    let h = table.hash(key);
    let e = table.find(key, h);
    if e.is_null() {
        return;
    }
    // SAFETY: `e` is a live node of the table until removed below.
    let empty = unsafe {
        let clients = &mut (*e).clients;
        if let Some(i) = clients.iter().position(|&x| x == p) {
            clients.remove(i);
        }
        clients.is_empty()
    };
    if empty {
        let e = table.remove(key, h);
        // SAFETY: just unlinked from the table, so ours alone.
        unsafe { ClientList::free(e) };
    }
}

fn subscribe_generic(srv: &mut Server, c: &mut Client, names: &[&[u8]], kind: Kind) {
    let me = c as *mut Client;
    for &name in names {
        if !kind.of(c).iter().any(|x| x.as_slice() == name) {
            kind.of(c).push(RBytes::from_slice(name));
            table_add(kind.table(srv.st), name, me);
        }
        confirm(c, kind.verbs().0, Some(name), subscriptions(c));
    }
}

/// Unsubscribes from `names`, or from everything of `kind` when empty;
/// `reply` false when the client is going away.
fn unsubscribe_generic(srv: &mut Server, c: &mut Client, names: &[&[u8]], kind: Kind, reply: bool) {
    let me = c as *mut Client;
    let verb = kind.verbs().1;
    if names.is_empty() {
        let all = std::mem::take(kind.of(c));
        if all.is_empty() && reply {
            confirm(c, verb, None, subscriptions(c));
        }
        let rest = subscriptions(c);
        for (i, name) in all.iter().enumerate() {
            table_remove(kind.table(srv.st), name, me);
            if reply {
                confirm(c, verb, Some(name), rest + all.len() - i - 1);
            }
        }
        return;
    }
    for &name in names {
        if let Some(i) = kind.of(c).iter().position(|x| x.as_slice() == name) {
            kind.of(c).remove(i);
            table_remove(kind.table(srv.st), name, me);
        }
        confirm(c, verb, Some(name), subscriptions(c));
    }
}

/// Drops every subscription of a client that is being freed, so no table
/// names it afterwards.
pub fn forget_client(srv: &mut Server, c: &mut Client) {
    unsubscribe_generic(srv, c, &[], Kind::Channel, false);
    unsubscribe_generic(srv, c, &[], Kind::Pattern, false);
}

/// SUBSCRIBE channel [channel ...]
pub fn subscribe(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    subscribe_generic(srv, c, &argv[1..], Kind::Channel);
}

/// UNSUBSCRIBE [channel ...]
pub fn unsubscribe(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    unsubscribe_generic(srv, c, &argv[1..], Kind::Channel, true);
}

/// PSUBSCRIBE pattern [pattern ...]
pub fn psubscribe(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    subscribe_generic(srv, c, &argv[1..], Kind::Pattern);
}

/// PUNSUBSCRIBE [pattern ...]
pub fn punsubscribe(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    unsubscribe_generic(srv, c, &argv[1..], Kind::Pattern, true);
}

/// PUBLISH channel message: the number of messages sent.
pub fn publish(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let receivers = publish_message(srv, Some(&mut *c), argv[1], argv[2]);
    c.add_int(receivers);
}

/// Sends `msg` to the channel's subscribers first, in the order they
/// subscribed, then to each matching pattern's (Redis's
/// `pubsubPublishMessage`); returns the number of messages sent. `me` is
/// the client running the command, if any.
pub fn publish_message(srv: &mut Server, mut me: Option<&mut Client>, channel: &[u8], msg: &[u8]) -> i64 {
    // The lists to deliver to, gathered first: delivering needs `srv` (to
    // mark receivers pending) while the tables are borrowed. Delivery never
    // changes the tables, so the nodes stay live until the end.
    let mut lists: Vec<(*const ClientList, bool)> = Vec::new();
    let h = srv.st.pubsub_channels.hash(channel);
    let e = srv.st.pubsub_channels.find(channel, h);
    if !e.is_null() {
        lists.push((e as *const ClientList, false));
    }
    srv.st.pubsub_patterns.for_each(|p| {
        if glob_match(p.key(), channel, false) {
            lists.push((p as *const ClientList, true));
        }
    });
    let me_ptr = me.as_deref_mut().map_or(std::ptr::null_mut(), |c| c as *mut Client);
    let mut receivers = 0;
    for (list, is_pattern) in lists {
        // SAFETY: a live node of a table (see above).
        let (clients, pattern) = unsafe { ((*list).clients.as_slice(), (*list).key()) };
        for &p in clients {
            // The publisher itself may be a (RESP3) subscriber: it is
            // reached through `me`, every other client through its pointer.
            let to = match me.as_deref_mut() {
                Some(c) if p == me_ptr => c,
                // SAFETY: the tables name live clients only (`free_client`
                // removes a client first); no other reference to a client
                // other than `me` exists while this runs.
                _ => unsafe { &mut *p },
            };
            if is_pattern {
                to.add_push(4);
                to.add_bulk(b"pmessage");
                to.add_bulk(pattern);
            } else {
                to.add_push(3);
                to.add_bulk(b"message");
            }
            to.add_bulk(channel);
            to.add_bulk(msg);
            if p != me_ptr {
                // Its bytes go out when the loop serves it, as any reply.
                mark_pending(srv, to);
            }
            receivers += 1;
        }
    }
    receivers
}

/// PUBSUB CHANNELS [pattern]: active channels (with a subscriber), in
/// table order as Redis.
pub fn channels(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    if argv.len() > 3 {
        return c.add_subcommand_syntax_error(argv);
    }
    let pattern = argv.get(2).copied();
    let mut out = Scratch::new(c.resp);
    let mut n = 0;
    srv.st.pubsub_channels.for_each(|e| {
        if pattern.is_none_or(|p| glob_match(p, e.key(), false)) {
            out.add_bulk(e.key());
            n += 1;
        }
    });
    c.add_array(n);
    c.add_raw(&out.buf);
}

/// PUBSUB NUMSUB [channel ...]: each channel with its subscriber count
/// (pattern subscribers not counted).
pub fn numsub(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    c.add_array((argv.len() - 2) * 2);
    for &ch in &argv[2..] {
        let h = srv.st.pubsub_channels.hash(ch);
        let e = srv.st.pubsub_channels.peek(ch, h);
        // SAFETY: a live node of the table, only read.
        let n = if e.is_null() { 0 } else { unsafe { (*e).clients.len() } };
        c.add_bulk(ch);
        c.add_int(n as i64);
    }
}

/// PUBSUB NUMPAT: distinct patterns subscribed to, by anyone.
pub fn numpat(srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    c.add_int(srv.st.pubsub_patterns.len() as i64);
}

const HELP: &[&str] = &[
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
];

/// PUBSUB HELP: Redis 7.0's text, which also names its shard channel
/// subcommands.
pub fn help(_srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    c.add_help(argv[0], HELP);
}
