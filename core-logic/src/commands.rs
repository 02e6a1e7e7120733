//! The command table: one entry per command (name, arity, flags, key
//! positions, ACL categories, docs, handler). It drives dispatch, the
//! COMMAND command's output and key extraction, as Redis's `commands.def`.

use crate::reply::Reply;
use crate::server::Server;
use crate::{connection, debug, info, t_string, upgrade};
use hotkv_abi::state::Client;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A command implementation. `argv[0]` is the command name as sent.
pub type Handler = fn(&mut Server, &mut Client, &[&[u8]]);

/// Command flags, rendered by COMMAND INFO in this order (Redis's order).
pub mod flag {
    pub const WRITE: u32 = 1 << 0;
    pub const READONLY: u32 = 1 << 1;
    pub const DENYOOM: u32 = 1 << 2;
    pub const ADMIN: u32 = 1 << 3;
    pub const PUBSUB: u32 = 1 << 4;
    pub const NOSCRIPT: u32 = 1 << 5;
    pub const BLOCKING: u32 = 1 << 6;
    pub const LOADING: u32 = 1 << 7;
    pub const STALE: u32 = 1 << 8;
    pub const SKIP_MONITOR: u32 = 1 << 9;
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    pub const FAST: u32 = 1 << 11;
    pub const NO_AUTH: u32 = 1 << 12;
    pub const MAY_REPLICATE: u32 = 1 << 13;
    pub const NO_MANDATORY_KEYS: u32 = 1 << 14;
    pub const NO_MULTI: u32 = 1 << 15;
    pub const MOVABLE_KEYS: u32 = 1 << 16;
    pub const ALLOW_BUSY: u32 = 1 << 17;
    /// Names in rendering order.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (MAY_REPLICATE, "may_replicate"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_MULTI, "no_multi"),
        (MOVABLE_KEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

/// ACL categories. Only the explicit ones go in the table; `write`, `read`,
/// `admin`/`dangerous`, `pubsub`, `fast`/`slow` and `blocking` follow from the
/// flags, as Redis's `setImplicitACLCategories` does.
pub mod acl {
    pub const KEYSPACE: u32 = 1 << 0;
    pub const READ: u32 = 1 << 1;
    pub const WRITE: u32 = 1 << 2;
    pub const SET: u32 = 1 << 3;
    pub const SORTEDSET: u32 = 1 << 4;
    pub const LIST: u32 = 1 << 5;
    pub const HASH: u32 = 1 << 6;
    pub const STRING: u32 = 1 << 7;
    pub const BITMAP: u32 = 1 << 8;
    pub const HYPERLOGLOG: u32 = 1 << 9;
    pub const GEO: u32 = 1 << 10;
    pub const STREAM: u32 = 1 << 11;
    pub const PUBSUB: u32 = 1 << 12;
    pub const ADMIN: u32 = 1 << 13;
    pub const FAST: u32 = 1 << 14;
    pub const SLOW: u32 = 1 << 15;
    pub const BLOCKING: u32 = 1 << 16;
    pub const DANGEROUS: u32 = 1 << 17;
    pub const CONNECTION: u32 = 1 << 18;
    pub const TRANSACTION: u32 = 1 << 19;
    pub const SCRIPTING: u32 = 1 << 20;
    pub const NAMES: &[(u32, &str)] = &[
        (KEYSPACE, "keyspace"),
        (READ, "read"),
        (WRITE, "write"),
        (SET, "set"),
        (SORTEDSET, "sortedset"),
        (LIST, "list"),
        (HASH, "hash"),
        (STRING, "string"),
        (BITMAP, "bitmap"),
        (HYPERLOGLOG, "hyperloglog"),
        (GEO, "geo"),
        (STREAM, "stream"),
        (PUBSUB, "pubsub"),
        (ADMIN, "admin"),
        (FAST, "fast"),
        (SLOW, "slow"),
        (BLOCKING, "blocking"),
        (DANGEROUS, "dangerous"),
        (CONNECTION, "connection"),
        (TRANSACTION, "transaction"),
        (SCRIPTING, "scripting"),
    ];
}

/// Where a key spec starts looking for keys.
pub enum BeginSearch {
    Index(i32),
    Keyword { keyword: &'static str, startfrom: i32 },
}

/// How a key spec finds the keys from there.
pub enum FindKeys {
    Range { lastkey: i32, keystep: i32, limit: i32 },
    Keynum { keynumidx: i32, firstkey: i32, keystep: i32 },
}

/// Redis 7 key specification (COMMAND INFO's 9th field).
pub struct KeySpec {
    pub notes: &'static str,
    /// e.g. `&["RW", "access", "update"]`, in Redis's order.
    pub flags: &'static [&'static str],
    pub begin: BeginSearch,
    pub find: FindKeys,
}

/// The common spec: one key at `index` (or a range up to `lastkey`).
pub const fn key_range(flags: &'static [&'static str], index: i32, lastkey: i32, keystep: i32) -> KeySpec {
    KeySpec { notes: "", flags, begin: BeginSearch::Index(index), find: FindKeys::Range { lastkey, keystep, limit: 0 } }
}

/// A documented argument (COMMAND DOCS), enough for clients' hints.
pub struct Arg {
    pub name: &'static str,
    /// "key", "string", "integer", "double", "pattern", "unix-time", "pure-token", "oneof", "block"
    pub kind: &'static str,
    pub token: &'static str,
    pub optional: bool,
    pub multiple: bool,
    pub subargs: &'static [Arg],
}

pub const fn arg(name: &'static str, kind: &'static str) -> Arg {
    Arg { name, kind, token: "", optional: false, multiple: false, subargs: &[] }
}

pub struct Command {
    /// Lower-case name (for subcommands, just the subcommand: "setname").
    pub name: &'static str,
    pub arity: i32,
    pub flags: u32,
    /// Explicit ACL categories (see [`acl`]).
    pub acl: u32,
    /// Legacy key positions: first, last, step (0, 0, 0 = no keys).
    pub first_key: i32,
    pub last_key: i32,
    pub key_step: i32,
    pub key_specs: &'static [KeySpec],
    pub tips: &'static [&'static str],
    pub group: &'static str,
    pub since: &'static str,
    pub summary: &'static str,
    pub complexity: &'static str,
    pub args: &'static [Arg],
    pub subcommands: &'static [Command],
    /// None for a container whose subcommands do the work.
    pub handler: Option<Handler>,
}

impl Command {
    /// ACL categories including the implicit ones.
    pub fn acl_categories(&self) -> u32 {
        let mut c = self.acl;
        if self.flags & flag::WRITE != 0 {
            c |= acl::WRITE;
        }
        if self.flags & flag::READONLY != 0 && c & acl::SCRIPTING == 0 {
            c |= acl::READ;
        }
        if self.flags & flag::ADMIN != 0 {
            c |= acl::ADMIN | acl::DANGEROUS;
        }
        if self.flags & flag::PUBSUB != 0 {
            c |= acl::PUBSUB;
        }
        if self.flags & flag::FAST != 0 {
            c |= acl::FAST;
        }
        if self.flags & flag::BLOCKING != 0 {
            c |= acl::BLOCKING;
        }
        if c & acl::FAST == 0 {
            c |= acl::SLOW;
        }
        c
    }
}

/// Defaults for the fields most entries leave alone; entries spread it.
pub const BASE: Command = Command {
    name: "",
    arity: 0,
    flags: 0,
    acl: 0,
    first_key: 0,
    last_key: 0,
    key_step: 0,
    key_specs: &[],
    tips: &[],
    group: "",
    since: "1.0.0",
    summary: "",
    complexity: "",
    args: &[],
    subcommands: &[],
    handler: None,
};

const RO_ACCESS: &[KeySpec] = &[key_range(&["RO", "access"], 1, 0, 1)];

/// Every command, sorted by name (a test checks), so lookup is a binary search.
pub static COMMANDS: &[Command] = &[
    Command { name: "debug", arity: -2, flags: flag::ADMIN | flag::NOSCRIPT | flag::LOADING | flag::STALE, group: "server", summary: "A container for debugging commands", complexity: "Depends on subcommand.", subcommands: &[
        Command { name: "panic", arity: 2, flags: flag::ADMIN | flag::NOSCRIPT | flag::LOADING | flag::STALE, group: "server", summary: "Panic inside a command handler (answered with an error)", handler: Some(debug::panic), ..BASE },
        Command { name: "sleep", arity: 3, flags: flag::ADMIN | flag::NOSCRIPT | flag::LOADING | flag::STALE, group: "server", summary: "Block the server for the given seconds", handler: Some(debug::sleep), ..BASE },
    ], ..BASE },
    Command { name: "echo", arity: 2, flags: flag::LOADING | flag::STALE | flag::FAST, acl: acl::CONNECTION, group: "connection", summary: "Echo the given string", complexity: "O(1)", args: &[arg("message", "string")], handler: Some(connection::echo), ..BASE },
    Command { name: "get", arity: 2, flags: flag::READONLY | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, group: "string", summary: "Get the value of a key", complexity: "O(1)", args: &[arg("key", "key")], handler: Some(t_string::get), ..BASE },
    Command { name: "info", arity: -1, flags: flag::LOADING | flag::STALE, acl: acl::DANGEROUS, tips: &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], group: "server", summary: "Get information and statistics about the server", complexity: "O(1)", args: &[Arg { name: "section", kind: "string", token: "", optional: true, multiple: true, subargs: &[] }], handler: Some(info::info), ..BASE },
    Command { name: "ping", arity: -1, flags: flag::FAST, acl: acl::CONNECTION, tips: &["request_policy:all_shards", "response_policy:all_succeeded"], group: "connection", summary: "Ping the server", complexity: "O(1)", args: &[Arg { name: "message", kind: "string", token: "", optional: true, multiple: false, subargs: &[] }], handler: Some(connection::ping), ..BASE },
    Command { name: "quit", arity: -1, flags: flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::FAST | flag::NO_AUTH | flag::ALLOW_BUSY, acl: acl::CONNECTION, group: "connection", summary: "Close the connection", complexity: "O(1)", handler: Some(connection::quit), ..BASE },
    Command { name: "set", arity: -3, flags: flag::WRITE | flag::DENYOOM, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: &[KeySpec { notes: "RW and ACCESS due to the optional `GET` argument", flags: &["RW", "access", "update", "variable_flags"], begin: BeginSearch::Index(1), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }], group: "string", summary: "Set the string value of a key", complexity: "O(1)", args: &[arg("key", "key"), arg("value", "string")], handler: Some(t_string::set), ..BASE },
    Command { name: "shutdown", arity: -1, flags: flag::ADMIN | flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::NO_MULTI | flag::ALLOW_BUSY, group: "server", summary: "Synchronously save the dataset to disk and then shut down the server", complexity: "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)", handler: Some(connection::shutdown), ..BASE },
    Command { name: "upgrade", arity: -2, flags: flag::ADMIN | flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::NO_MULTI, group: "server", since: "0.1.0", summary: "Replace the running logic library with another, keeping every connection and key", complexity: "O(1)", args: &[arg("path", "string")], handler: Some(upgrade::upgrade), ..BASE },
];

fn cmp_ic(a: &str, b: &[u8]) -> std::cmp::Ordering {
    let a = a.as_bytes();
    for (x, y) in a.iter().zip(b) {
        match x.cmp(&y.to_ascii_lowercase()) {
            std::cmp::Ordering::Equal => {}
            o => return o,
        }
    }
    a.len().cmp(&b.len())
}

/// Finds a command (or subcommand, in `table`) by name, any case.
pub fn lookup<'t>(table: &'t [Command], name: &[u8]) -> Option<&'t Command> {
    table.binary_search_by(|c| cmp_ic(c.name, name)).ok().map(|i| &table[i])
}

fn arity_wrong(arity: i32, argc: usize) -> bool {
    (arity > 0 && argc as i32 != arity) || (argc as i32) < -arity
}

/// Quotes arguments for error messages like Redis: up to 128 bytes in all.
fn args_preview(args: &[&[u8]]) -> String {
    let mut s = String::new();
    for a in args {
        if s.len() >= 128 {
            break;
        }
        let room = 128 - s.len();
        let a = String::from_utf8_lossy(&a[..a.len().min(room)]).into_owned();
        s.push_str(&format!("'{a}' "));
    }
    s
}

/// Looks up and runs one command (Redis's `processCommand` + `call`).
pub fn execute(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let name = argv[0];
    let Some(top) = lookup(COMMANDS, name) else {
        let n = String::from_utf8_lossy(&name[..name.len().min(128)]).into_owned();
        c.add_error(&format!("unknown command '{n}', with args beginning with: {}", args_preview(&argv[1..])));
        srv.st.stats.total_error_replies += 1;
        return;
    };
    let mut cmd = top;
    if !top.subcommands.is_empty() && argv.len() >= 2 {
        match lookup(top.subcommands, argv[1]) {
            Some(sub) => cmd = sub,
            None => {
                let sub = String::from_utf8_lossy(&argv[1][..argv[1].len().min(128)]).into_owned();
                c.add_error(&format!("unknown subcommand '{sub}'. Try {} HELP.", top.name.to_ascii_uppercase()));
                srv.st.stats.total_error_replies += 1;
                return;
            }
        }
    }
    // The full name ("get", "client|list") names the command in CLIENT LIST
    // and in errors; it is built in place, without allocating.
    c.last_cmd.clear();
    c.last_cmd.extend_from_slice(top.name.as_bytes());
    if !std::ptr::eq(cmd, top) {
        c.last_cmd.push(b'|');
        c.last_cmd.extend_from_slice(cmd.name.as_bytes());
    }
    if arity_wrong(cmd.arity, argv.len()) || cmd.handler.is_none() {
        let full = String::from_utf8_lossy(&c.last_cmd).into_owned();
        c.add_error(&format!("wrong number of arguments for '{full}' command"));
        srv.st.stats.total_error_replies += 1;
        return;
    }
    let before = c.reply.len();
    let handler = cmd.handler.unwrap();
    // A panic in a command is a bug in this library, not a reason to take the
    // server down: the client gets an error, the server goes on. The state
    // is whatever the handler left (handlers validate before they change).
    if let Err(p) = catch_unwind(AssertUnwindSafe(|| handler(srv, c, argv))) {
        c.reply.truncate(before);
        let full = String::from_utf8_lossy(&c.last_cmd).into_owned();
        c.add_error(&format!("internal error in '{full}': {}", crate::host::panic_message(&*p)));
    }
    srv.st.stats.total_commands_processed += 1;
    c.commands += 1;
    if c.reply.get(before) == Some(&b'-') {
        srv.st.stats.total_error_replies += 1;
    }
}

/// The keys of a command line, from its legacy key positions (key
/// extraction for COMMAND GETKEYS and, later, ACL and cluster checks).
pub fn command_keys<'a>(cmd: &Command, argv: &[&'a [u8]]) -> Vec<&'a [u8]> {
    let mut keys = Vec::new();
    if cmd.first_key <= 0 {
        return keys;
    }
    let last = if cmd.last_key < 0 { argv.len() as i32 + cmd.last_key } else { cmd.last_key };
    let mut i = cmd.first_key;
    while i <= last && (i as usize) < argv.len() {
        keys.push(argv[i as usize]);
        i += cmd.key_step.max(1);
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_lowercase() {
        fn check(t: &[Command]) {
            for w in t.windows(2) {
                assert!(w[0].name < w[1].name, "{} before {}", w[0].name, w[1].name);
            }
            for c in t {
                assert_eq!(c.name, c.name.to_ascii_lowercase());
                assert!(c.handler.is_some() != !c.subcommands.is_empty(), "{}", c.name);
                check(c.subcommands);
            }
        }
        check(COMMANDS);
        assert!(lookup(COMMANDS, b"GeT").is_some());
        assert!(lookup(COMMANDS, b"nosuch").is_none());
    }

    #[test]
    fn keys_from_positions() {
        let set = lookup(COMMANDS, b"set").unwrap();
        assert_eq!(command_keys(set, &[b"set", b"k", b"v"]), vec![&b"k"[..]]);
    }
}
