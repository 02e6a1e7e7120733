//! The command table: one entry per command (name, arity, flags, key
//! positions, ACL categories, docs, handler). It drives dispatch, the
//! COMMAND command's output and key extraction, as Redis's `commands.def`.

use crate::reply::Reply;
use crate::server::Server;
use crate::{connection, debug, expire, info, keyspace, t_string, time, upgrade};
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

/// An argument introduced by `token` (`MATCH pattern`); with kind
/// "pure-token", the token alone (`NX`).
pub const fn tok(name: &'static str, kind: &'static str, token: &'static str) -> Arg {
    Arg { token, ..arg(name, kind) }
}

/// A "oneof" choice or a "block" sequence of `subargs`.
pub const fn group(name: &'static str, kind: &'static str, subargs: &'static [Arg]) -> Arg {
    Arg { subargs, ..arg(name, kind) }
}

pub const fn opt(a: Arg) -> Arg {
    Arg { optional: true, ..a }
}

pub const fn many(a: Arg) -> Arg {
    Arg { multiple: true, ..a }
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

// Key specs shared by many commands: one key at argv[1] (or every argument).
const RO_ACCESS: &[KeySpec] = &[key_range(&["RO", "access"], 1, 0, 1)];
const RO: &[KeySpec] = &[key_range(&["RO"], 1, 0, 1)];
const RW_ACCESS_UPDATE: &[KeySpec] = &[key_range(&["RW", "access", "update"], 1, 0, 1)];
const RW_UPDATE: &[KeySpec] = &[key_range(&["RW", "update"], 1, 0, 1)];
const OW_UPDATE: &[KeySpec] = &[key_range(&["OW", "update"], 1, 0, 1)];
const RM_DELETE_ALL: &[KeySpec] = &[key_range(&["RM", "delete"], 1, -1, 1)];

/// Every command, sorted by name (a test checks), so lookup is a binary search.
pub static COMMANDS: &[Command] = &[
    Command { name: "append", arity: 3, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RW", "insert"], 1, 0, 1)], group: "string", since: "2.0.0", summary: "Append a value to a key", complexity: "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.", args: &[arg("key", "key"), arg("value", "string")], handler: Some(t_string::append), ..BASE },
    Command { name: "dbsize", arity: 1, flags: flag::READONLY | flag::FAST, acl: acl::KEYSPACE, tips: &["request_policy:all_shards", "response_policy:agg_sum"], group: "server", summary: "Return the number of keys in the selected database", complexity: "O(1)", handler: Some(keyspace::dbsize), ..BASE },
    Command { name: "debug", arity: -2, flags: flag::ADMIN | flag::NOSCRIPT | flag::LOADING | flag::STALE, group: "server", summary: "A container for debugging commands", complexity: "Depends on subcommand.", subcommands: &[
        Command { name: "panic", arity: 2, flags: flag::ADMIN | flag::NOSCRIPT | flag::LOADING | flag::STALE, group: "server", summary: "Panic inside a command handler (answered with an error)", handler: Some(debug::panic), ..BASE },
        Command { name: "sleep", arity: 3, flags: flag::ADMIN | flag::NOSCRIPT | flag::LOADING | flag::STALE, group: "server", summary: "Block the server for the given seconds", handler: Some(debug::sleep), ..BASE },
    ], ..BASE },
    Command { name: "decr", arity: 2, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_ACCESS_UPDATE, group: "string", summary: "Decrement the integer value of a key by one", complexity: "O(1)", args: &[arg("key", "key")], handler: Some(t_string::decr), ..BASE },
    Command { name: "decrby", arity: 3, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_ACCESS_UPDATE, group: "string", summary: "Decrement the integer value of a key by the given number", complexity: "O(1)", args: &[arg("key", "key"), arg("decrement", "integer")], handler: Some(t_string::decrby), ..BASE },
    Command { name: "del", arity: -2, flags: flag::WRITE, acl: acl::KEYSPACE, first_key: 1, last_key: -1, key_step: 1, key_specs: RM_DELETE_ALL, tips: &["request_policy:multi_shard", "response_policy:agg_sum"], group: "generic", summary: "Delete a key", complexity: "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).", args: &[many(arg("key", "key"))], handler: Some(keyspace::del), ..BASE },
    Command { name: "echo", arity: 2, flags: flag::LOADING | flag::STALE | flag::FAST, acl: acl::CONNECTION, group: "connection", summary: "Echo the given string", complexity: "O(1)", args: &[arg("message", "string")], handler: Some(connection::echo), ..BASE },
    Command { name: "exists", arity: -2, flags: flag::READONLY | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: -1, key_step: 1, key_specs: &[key_range(&["RO"], 1, -1, 1)], tips: &["request_policy:multi_shard", "response_policy:agg_sum"], group: "generic", summary: "Determine if a key exists", complexity: "O(N) where N is the number of keys to check.", args: &[many(arg("key", "key"))], handler: Some(keyspace::exists), ..BASE },
    Command { name: "expire", arity: -3, flags: flag::WRITE | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_UPDATE, group: "generic", summary: "Set a key's time to live in seconds", complexity: "O(1)", args: &[arg("key", "key"), arg("seconds", "integer"), opt(group("condition", "oneof", &[tok("nx", "pure-token", "NX"), tok("xx", "pure-token", "XX"), tok("gt", "pure-token", "GT"), tok("lt", "pure-token", "LT")]))], handler: Some(expire::expire), ..BASE },
    Command { name: "expireat", arity: -3, flags: flag::WRITE | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_UPDATE, group: "generic", since: "1.2.0", summary: "Set the expiration for a key as a UNIX timestamp", complexity: "O(1)", args: &[arg("key", "key"), arg("unix-time-seconds", "unix-time"), opt(group("condition", "oneof", &[tok("nx", "pure-token", "NX"), tok("xx", "pure-token", "XX"), tok("gt", "pure-token", "GT"), tok("lt", "pure-token", "LT")]))], handler: Some(expire::expireat), ..BASE },
    Command { name: "flushall", arity: -1, flags: flag::WRITE, acl: acl::KEYSPACE | acl::DANGEROUS, tips: &["request_policy:all_shards", "response_policy:all_succeeded"], group: "server", summary: "Remove all keys from all databases", complexity: "O(N) where N is the total number of keys in all databases", args: &[opt(group("async", "oneof", &[tok("async", "pure-token", "ASYNC"), tok("sync", "pure-token", "SYNC")]))], handler: Some(keyspace::flushall), ..BASE },
    Command { name: "flushdb", arity: -1, flags: flag::WRITE, acl: acl::KEYSPACE | acl::DANGEROUS, tips: &["request_policy:all_shards", "response_policy:all_succeeded"], group: "server", summary: "Remove all keys from the current database", complexity: "O(N) where N is the number of keys in the selected database", args: &[opt(group("async", "oneof", &[tok("async", "pure-token", "ASYNC"), tok("sync", "pure-token", "SYNC")]))], handler: Some(keyspace::flushdb), ..BASE },
    Command { name: "get", arity: 2, flags: flag::READONLY | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, group: "string", summary: "Get the value of a key", complexity: "O(1)", args: &[arg("key", "key")], handler: Some(t_string::get), ..BASE },
    Command { name: "getdel", arity: 2, flags: flag::WRITE | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RW", "access", "delete"], 1, 0, 1)], group: "string", since: "6.2.0", summary: "Get the value of a key and delete the key", complexity: "O(1)", args: &[arg("key", "key")], handler: Some(t_string::getdel), ..BASE },
    Command { name: "getex", arity: -2, flags: flag::WRITE | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: &[KeySpec { notes: "RW and UPDATE because it changes the TTL", flags: &["RW", "access", "update"], begin: BeginSearch::Index(1), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }], group: "string", since: "6.2.0", summary: "Get the value of a key and optionally set its expiration", complexity: "O(1)", args: &[arg("key", "key"), opt(group("expiration", "oneof", &[tok("seconds", "integer", "EX"), tok("milliseconds", "integer", "PX"), tok("unix-time-seconds", "unix-time", "EXAT"), tok("unix-time-milliseconds", "unix-time", "PXAT"), tok("persist", "pure-token", "PERSIST")]))], handler: Some(t_string::getex), ..BASE },
    Command { name: "getrange", arity: 4, flags: flag::READONLY, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, group: "string", since: "2.4.0", summary: "Get a substring of the string stored at a key", complexity: "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.", args: &[arg("key", "key"), arg("start", "integer"), arg("end", "integer")], handler: Some(t_string::getrange), ..BASE },
    Command { name: "getset", arity: 3, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_ACCESS_UPDATE, group: "string", summary: "Set the string value of a key and return its old value", complexity: "O(1)", args: &[arg("key", "key"), arg("value", "string")], handler: Some(t_string::getset), ..BASE },
    Command { name: "incr", arity: 2, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_ACCESS_UPDATE, group: "string", summary: "Increment the integer value of a key by one", complexity: "O(1)", args: &[arg("key", "key")], handler: Some(t_string::incr), ..BASE },
    Command { name: "incrby", arity: 3, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_ACCESS_UPDATE, group: "string", summary: "Increment the integer value of a key by the given amount", complexity: "O(1)", args: &[arg("key", "key"), arg("increment", "integer")], handler: Some(t_string::incrby), ..BASE },
    Command { name: "incrbyfloat", arity: 3, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_ACCESS_UPDATE, group: "string", since: "2.6.0", summary: "Increment the float value of a key by the given amount", complexity: "O(1)", args: &[arg("key", "key"), arg("increment", "double")], handler: Some(t_string::incrbyfloat), ..BASE },
    Command { name: "info", arity: -1, flags: flag::LOADING | flag::STALE, acl: acl::DANGEROUS, tips: &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], group: "server", summary: "Get information and statistics about the server", complexity: "O(1)", args: &[Arg { name: "section", kind: "string", token: "", optional: true, multiple: true, subargs: &[] }], handler: Some(info::info), ..BASE },
    Command { name: "keys", arity: 2, flags: flag::READONLY, acl: acl::KEYSPACE | acl::DANGEROUS, tips: &["request_policy:all_shards", "nondeterministic_output_order"], group: "generic", summary: "Find all keys matching the given pattern", complexity: "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.", args: &[arg("pattern", "pattern")], handler: Some(keyspace::keys), ..BASE },
    Command { name: "mget", arity: -2, flags: flag::READONLY | flag::FAST, acl: acl::STRING, first_key: 1, last_key: -1, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, -1, 1)], tips: &["request_policy:multi_shard"], group: "string", summary: "Get the values of all the given keys", complexity: "O(N) where N is the number of keys to retrieve.", args: &[many(arg("key", "key"))], handler: Some(t_string::mget), ..BASE },
    Command { name: "mset", arity: -3, flags: flag::WRITE | flag::DENYOOM, acl: acl::STRING, first_key: 1, last_key: -1, key_step: 2, key_specs: &[key_range(&["OW", "update"], 1, -1, 2)], tips: &["request_policy:multi_shard", "response_policy:all_succeeded"], group: "string", since: "1.0.1", summary: "Set multiple keys to multiple values", complexity: "O(N) where N is the number of keys to set.", args: &[many(group("key_value", "block", &[arg("key", "key"), arg("value", "string")]))], handler: Some(t_string::mset), ..BASE },
    Command { name: "msetnx", arity: -3, flags: flag::WRITE | flag::DENYOOM, acl: acl::STRING, first_key: 1, last_key: -1, key_step: 2, key_specs: &[key_range(&["OW", "insert"], 1, -1, 2)], tips: &["request_policy:multi_shard", "response_policy:agg_min"], group: "string", since: "1.0.1", summary: "Set multiple keys to multiple values, only if none of the keys exist", complexity: "O(N) where N is the number of keys to set.", args: &[many(group("key_value", "block", &[arg("key", "key"), arg("value", "string")]))], handler: Some(t_string::msetnx), ..BASE },
    Command { name: "persist", arity: 2, flags: flag::WRITE | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_UPDATE, group: "generic", since: "2.2.0", summary: "Remove the expiration from a key", complexity: "O(1)", args: &[arg("key", "key")], handler: Some(expire::persist), ..BASE },
    Command { name: "pexpire", arity: -3, flags: flag::WRITE | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_UPDATE, group: "generic", since: "2.6.0", summary: "Set a key's time to live in milliseconds", complexity: "O(1)", args: &[arg("key", "key"), arg("milliseconds", "integer"), opt(group("condition", "oneof", &[tok("nx", "pure-token", "NX"), tok("xx", "pure-token", "XX"), tok("gt", "pure-token", "GT"), tok("lt", "pure-token", "LT")]))], handler: Some(expire::pexpire), ..BASE },
    Command { name: "pexpireat", arity: -3, flags: flag::WRITE | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_UPDATE, group: "generic", since: "2.6.0", summary: "Set the expiration for a key as a UNIX timestamp specified in milliseconds", complexity: "O(1)", args: &[arg("key", "key"), arg("unix-time-milliseconds", "unix-time"), opt(group("condition", "oneof", &[tok("nx", "pure-token", "NX"), tok("xx", "pure-token", "XX"), tok("gt", "pure-token", "GT"), tok("lt", "pure-token", "LT")]))], handler: Some(expire::pexpireat), ..BASE },
    Command { name: "ping", arity: -1, flags: flag::FAST, acl: acl::CONNECTION, tips: &["request_policy:all_shards", "response_policy:all_succeeded"], group: "connection", summary: "Ping the server", complexity: "O(1)", args: &[Arg { name: "message", kind: "string", token: "", optional: true, multiple: false, subargs: &[] }], handler: Some(connection::ping), ..BASE },
    Command { name: "psetex", arity: 4, flags: flag::WRITE | flag::DENYOOM, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: OW_UPDATE, group: "string", since: "2.6.0", summary: "Set the value and expiration in milliseconds of a key", complexity: "O(1)", args: &[arg("key", "key"), arg("milliseconds", "integer"), arg("value", "string")], handler: Some(t_string::psetex), ..BASE },
    Command { name: "pttl", arity: 2, flags: flag::READONLY | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, tips: &["nondeterministic_output"], group: "generic", since: "2.6.0", summary: "Get the time to live for a key in milliseconds", complexity: "O(1)", args: &[arg("key", "key")], handler: Some(expire::pttl), ..BASE },
    Command { name: "quit", arity: -1, flags: flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::FAST | flag::NO_AUTH | flag::ALLOW_BUSY, acl: acl::CONNECTION, group: "connection", summary: "Close the connection", complexity: "O(1)", handler: Some(connection::quit), ..BASE },
    Command { name: "randomkey", arity: 1, flags: flag::READONLY, acl: acl::KEYSPACE, tips: &["request_policy:all_shards", "nondeterministic_output"], group: "generic", summary: "Return a random key from the keyspace", complexity: "O(1)", handler: Some(keyspace::randomkey), ..BASE },
    Command { name: "rename", arity: 3, flags: flag::WRITE, acl: acl::KEYSPACE, first_key: 1, last_key: 2, key_step: 1, key_specs: &[key_range(&["RW", "access", "delete"], 1, 0, 1), key_range(&["OW", "update"], 2, 0, 1)], group: "generic", summary: "Rename a key", complexity: "O(1)", args: &[arg("key", "key"), arg("newkey", "key")], handler: Some(keyspace::rename), ..BASE },
    Command { name: "renamenx", arity: 3, flags: flag::WRITE | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: 2, key_step: 1, key_specs: &[key_range(&["RW", "access", "delete"], 1, 0, 1), key_range(&["OW", "insert"], 2, 0, 1)], group: "generic", summary: "Rename a key, only if the new key does not exist", complexity: "O(1)", args: &[arg("key", "key"), arg("newkey", "key")], handler: Some(keyspace::renamenx), ..BASE },
    Command { name: "scan", arity: -2, flags: flag::READONLY, acl: acl::KEYSPACE, tips: &["nondeterministic_output", "request_policy:special"], group: "generic", since: "2.8.0", summary: "Incrementally iterate the keys space", complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.", args: &[arg("cursor", "integer"), opt(tok("pattern", "pattern", "MATCH")), opt(tok("count", "integer", "COUNT")), opt(tok("type", "string", "TYPE"))], handler: Some(keyspace::scan), ..BASE },
    Command { name: "select", arity: 2, flags: flag::LOADING | flag::STALE | flag::FAST, acl: acl::CONNECTION, group: "connection", summary: "Change the selected database for the current connection", complexity: "O(1)", args: &[arg("index", "integer")], handler: Some(connection::select), ..BASE },
    Command { name: "set", arity: -3, flags: flag::WRITE | flag::DENYOOM, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: &[KeySpec { notes: "RW and ACCESS due to the optional `GET` argument", flags: &["RW", "access", "update", "variable_flags"], begin: BeginSearch::Index(1), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }], group: "string", summary: "Set the string value of a key", complexity: "O(1)", args: &[arg("key", "key"), arg("value", "string"), opt(group("condition", "oneof", &[tok("nx", "pure-token", "NX"), tok("xx", "pure-token", "XX")])), opt(tok("get", "pure-token", "GET")), opt(group("expiration", "oneof", &[tok("seconds", "integer", "EX"), tok("milliseconds", "integer", "PX"), tok("unix-time-seconds", "unix-time", "EXAT"), tok("unix-time-milliseconds", "unix-time", "PXAT"), tok("keepttl", "pure-token", "KEEPTTL")]))], handler: Some(t_string::set), ..BASE },
    Command { name: "setex", arity: 4, flags: flag::WRITE | flag::DENYOOM, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: OW_UPDATE, group: "string", since: "2.0.0", summary: "Set the value and expiration of a key", complexity: "O(1)", args: &[arg("key", "key"), arg("seconds", "integer"), arg("value", "string")], handler: Some(t_string::setex), ..BASE },
    Command { name: "setnx", arity: 3, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["OW", "insert"], 1, 0, 1)], group: "string", summary: "Set the value of a key, only if the key does not exist", complexity: "O(1)", args: &[arg("key", "key"), arg("value", "string")], handler: Some(t_string::setnx), ..BASE },
    Command { name: "setrange", arity: 4, flags: flag::WRITE | flag::DENYOOM, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_UPDATE, group: "string", since: "2.2.0", summary: "Overwrite part of a string at key starting at the specified offset", complexity: "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.", args: &[arg("key", "key"), arg("offset", "integer"), arg("value", "string")], handler: Some(t_string::setrange), ..BASE },
    Command { name: "shutdown", arity: -1, flags: flag::ADMIN | flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::NO_MULTI | flag::ALLOW_BUSY, group: "server", summary: "Synchronously save the dataset to disk and then shut down the server", complexity: "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)", handler: Some(connection::shutdown), ..BASE },
    Command { name: "strlen", arity: 2, flags: flag::READONLY | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: RO, group: "string", since: "2.2.0", summary: "Get the length of the value stored in a key", complexity: "O(1)", args: &[arg("key", "key")], handler: Some(t_string::strlen), ..BASE },
    Command { name: "time", arity: 1, flags: flag::LOADING | flag::STALE | flag::FAST, tips: &["nondeterministic_output"], group: "server", since: "2.6.0", summary: "Return the current server time", complexity: "O(1)", handler: Some(time::time), ..BASE },
    Command { name: "ttl", arity: 2, flags: flag::READONLY | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, tips: &["nondeterministic_output"], group: "generic", summary: "Get the time to live for a key in seconds", complexity: "O(1)", args: &[arg("key", "key")], handler: Some(expire::ttl), ..BASE },
    Command { name: "type", arity: 2, flags: flag::READONLY | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: 1, key_step: 1, key_specs: RO, group: "generic", summary: "Determine the type stored at key", complexity: "O(1)", args: &[arg("key", "key")], handler: Some(keyspace::type_), ..BASE },
    Command { name: "unlink", arity: -2, flags: flag::WRITE | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: -1, key_step: 1, key_specs: RM_DELETE_ALL, tips: &["request_policy:multi_shard", "response_policy:agg_sum"], group: "generic", since: "4.0.0", summary: "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", complexity: "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.", args: &[many(arg("key", "key"))], handler: Some(keyspace::unlink), ..BASE },
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
    srv.refresh_clock();
    let name = argv[0];
    let Some(mut cmd) = lookup(COMMANDS, name) else {
        let n = String::from_utf8_lossy(&name[..name.len().min(128)]).into_owned();
        c.add_error(&format!("unknown command '{n}', with args beginning with: {}", args_preview(&argv[1..])));
        srv.st.stats.total_error_replies += 1;
        return;
    };
    let mut full = cmd.name.to_string();
    if !cmd.subcommands.is_empty() && argv.len() >= 2 {
        match lookup(cmd.subcommands, argv[1]) {
            Some(sub) => {
                full = format!("{}|{}", cmd.name, sub.name);
                cmd = sub;
            }
            None => {
                let sub = String::from_utf8_lossy(&argv[1][..argv[1].len().min(128)]).into_owned();
                c.add_error(&format!("unknown subcommand '{sub}'. Try {} HELP.", cmd.name.to_ascii_uppercase()));
                srv.st.stats.total_error_replies += 1;
                return;
            }
        }
    }
    if arity_wrong(cmd.arity, argv.len()) || cmd.handler.is_none() {
        c.add_error(&format!("wrong number of arguments for '{full}' command"));
        srv.st.stats.total_error_replies += 1;
        return;
    }
    c.last_cmd.clear();
    c.last_cmd.extend_from_slice(full.as_bytes());
    let before = c.reply.len();
    let handler = cmd.handler.unwrap();
    // A panic in a command is a bug in this library, not a reason to take the
    // server down: the client gets an error, the server goes on. The state
    // is whatever the handler left (handlers validate before they change).
    if let Err(p) = catch_unwind(AssertUnwindSafe(|| handler(srv, c, argv))) {
        c.reply.truncate(before);
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
