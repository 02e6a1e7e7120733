//! The command table: one entry per command (name, arity, flags, key
//! positions, ACL categories, docs, handler). It drives dispatch, the
//! COMMAND command's output and key extraction, as Redis's `commands.def`.

use crate::reply::Reply;
use crate::server::Server;
use crate::{bgsave, blocking, client, config, config_rewrite, connection, debug, expire, info, introspect, keyspace, multi, object, persist, pubsub, sort, t_hash, t_list, t_set, t_string, t_zset, time, upgrade};
use hotkv_abi::state::{client_flag as cf, Client};
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
    pub const ASKING: u32 = 1 << 18;
    pub const NO_ASYNC_LOADING: u32 = 1 << 19;
    /// Names in rendering order. `may_replicate` is left out on purpose, as
    /// Redis hides it (and `module`, `sentinel`, `protected`) from COMMAND INFO.
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
        (ASKING, "asking"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_ASYNC_LOADING, "no_async_loading"),
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
    /// Keys found only by the command itself (SORT's BY/GET and STORE).
    Unknown,
}

/// How a key spec finds the keys from there.
pub enum FindKeys {
    Range { lastkey: i32, keystep: i32, limit: i32 },
    Keynum { keynumidx: i32, firstkey: i32, keystep: i32 },
    Unknown,
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

/// A documented argument (COMMAND DOCS): what clients build hints from.
/// Entries use the helpers: `arg("count", "integer").optional()`,
/// `key("key", 0)`, `pure_token("nx", "NX")`, `oneof(..)`, `block(..)`.
pub struct Arg {
    pub name: &'static str,
    /// "key", "string", "integer", "double", "pattern", "unix-time", "pure-token", "oneof", "block"
    pub kind: &'static str,
    /// For a "key": the index of the key spec that finds it; -1 otherwise.
    pub key_spec_index: i32,
    pub token: &'static str,
    pub summary: &'static str,
    pub since: &'static str,
    pub deprecated_since: &'static str,
    pub optional: bool,
    pub multiple: bool,
    /// The token repeats with each value (`GET pattern [GET pattern ...]`).
    pub multiple_token: bool,
    /// The alternatives of a "oneof", the parts of a "block".
    pub subargs: &'static [Arg],
}

/// Defaults for [`Arg`]: a required string without token.
pub const ARG: Arg = Arg {
    name: "",
    kind: "string",
    key_spec_index: -1,
    token: "",
    summary: "",
    since: "",
    deprecated_since: "",
    optional: false,
    multiple: false,
    multiple_token: false,
    subargs: &[],
};

pub const fn arg(name: &'static str, kind: &'static str) -> Arg {
    Arg { name, kind, ..ARG }
}

/// A key argument, found by the command's key spec number `spec`.
pub const fn key(name: &'static str, spec: i32) -> Arg {
    Arg { name, kind: "key", key_spec_index: spec, ..ARG }
}

/// A keyword that stands alone (`NX`).
pub const fn pure_token(name: &'static str, token: &'static str) -> Arg {
    Arg { name, kind: "pure-token", token, ..ARG }
}

/// One of `subargs`.
pub const fn oneof(name: &'static str, subargs: &'static [Arg]) -> Arg {
    Arg { name, kind: "oneof", subargs, ..ARG }
}

/// All of `subargs`, in order.
pub const fn block(name: &'static str, subargs: &'static [Arg]) -> Arg {
    Arg { name, kind: "block", subargs, ..ARG }
}

impl Arg {
    pub const fn optional(self) -> Arg {
        Arg { optional: true, ..self }
    }
    pub const fn multiple(self) -> Arg {
        Arg { multiple: true, ..self }
    }
    pub const fn multiple_token(self) -> Arg {
        Arg { multiple_token: true, ..self }
    }
    pub const fn token(self, token: &'static str) -> Arg {
        Arg { token, ..self }
    }
    pub const fn since(self, since: &'static str) -> Arg {
        Arg { since, ..self }
    }
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
    /// "deprecated", "syscmd", in this order.
    pub doc_flags: &'static [&'static str],
    pub deprecated_since: &'static str,
    pub replaced_by: &'static str,
    /// (version, change), oldest first.
    pub history: &'static [(&'static str, &'static str)],
    pub args: &'static [Arg],
    pub subcommands: &'static [Command],
    /// None for a container whose subcommands do all the work (COMMAND
    /// has both: bare COMMAND is its own handler).
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
    doc_flags: &[],
    deprecated_since: "",
    replaced_by: "",
    history: &[],
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
const OBJECT_KEY: &[KeySpec] = &[key_range(&["RO"], 2, 0, 1)];
const RM_DELETE_ALL: &[KeySpec] = &[key_range(&["RM", "delete"], 1, -1, 1)];

/// The HELP subcommand of a container.
const fn help(group: &'static str, acl: u32, handler: Handler) -> Command {
    let summary = "Show helpful text about the different subcommands";
    Command { name: "help", arity: 2, flags: flag::LOADING | flag::STALE, acl, group, since: "5.0.0", summary, complexity: "O(1)", handler: Some(handler), ..BASE }
}

const ADMIN: u32 = flag::ADMIN | flag::NOSCRIPT | flag::LOADING | flag::STALE;
const NOSCRIPT_LOADING_STALE: u32 = flag::NOSCRIPT | flag::LOADING | flag::STALE;
const CONN: u32 = acl::CONNECTION;

const CLIENT_LIST_HISTORY: &[(&str, &str)] = &[
    ("2.8.12", "Added unique client `id` field."),
    ("5.0.0", "Added optional `TYPE` filter."),
    ("6.0.0", "Added `user` field."),
    ("6.2.0", "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter."),
    ("7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."),
    ("7.0.3", "Added `ssub` field."),
];
const CLIENT_LIST_ARGS: &[Arg] = &[
    oneof("normal_master_replica_pubsub", &[pure_token("normal", "NORMAL"), pure_token("master", "MASTER"), pure_token("replica", "REPLICA"), pure_token("pubsub", "PUBSUB")]).token("TYPE").since("5.0.0").optional(),
    block("id", &[arg("client-id", "integer").multiple()]).token("ID").since("6.2.0").optional(),
];
const CLIENT_KILL_HISTORY: &[(&str, &str)] = &[
    ("2.8.12", "Added new filter format."),
    ("2.8.12", "`ID` option."),
    ("3.2.0", "Added `master` type in for `TYPE` option."),
    ("5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."),
    ("6.2.0", "`LADDR` option."),
];
const CLIENT_KILL_ARGS: &[Arg] = &[oneof("filter", &[
    Arg { deprecated_since: "2.8.12", ..arg("ip:port", "string") },
    oneof("new-format", &[
        arg("client-id", "integer").token("ID").since("2.8.12").optional(),
        oneof("normal_master_slave_pubsub", &[
            pure_token("normal", "NORMAL"),
            pure_token("master", "MASTER").since("3.2.0"),
            pure_token("slave", "SLAVE"),
            pure_token("replica", "REPLICA").since("5.0.0"),
            pure_token("pubsub", "PUBSUB"),
        ]).token("TYPE").since("2.8.12").optional(),
        arg("username", "string").token("USER").optional(),
        arg("ip:port", "string").token("ADDR").optional(),
        arg("ip:port", "string").token("LADDR").since("6.2.0").optional(),
        arg("yes/no", "string").token("SKIPME").optional(),
    ]).multiple(),
])];
const ON_OFF: &[Arg] = &[pure_token("on", "ON"), pure_token("off", "OFF")];
const CLIENT_TRACKING_ARGS: &[Arg] = &[
    oneof("status", ON_OFF),
    arg("client-id", "integer").token("REDIRECT").optional(),
    arg("prefix", "string").token("PREFIX").optional().multiple().multiple_token(),
    pure_token("bcast", "BCAST").optional(),
    pure_token("optin", "OPTIN").optional(),
    pure_token("optout", "OPTOUT").optional(),
    pure_token("noloop", "NOLOOP").optional(),
];
const COMMAND_NAMES_ARG: &[Arg] = &[arg("command-name", "string").optional().multiple()];
const COMMAND_LIST_ARGS: &[Arg] = &[oneof("filterby", &[arg("module-name", "string").token("MODULE"), arg("category", "string").token("ACLCAT"), arg("pattern", "pattern").token("PATTERN")]).token("FILTERBY").optional()];
const HELLO_ARGS: &[Arg] = &[block("arguments", &[
    arg("protover", "integer"),
    block("username_password", &[arg("username", "string"), arg("password", "string")]).token("AUTH").optional(),
    arg("clientname", "string").token("SETNAME").optional(),
]).optional()];
const SET_HISTORY: &[(&str, &str)] = &[
    ("2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."),
    ("6.0.0", "Added the `KEEPTTL` option."),
    ("6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."),
    ("7.0.0", "Allowed the `NX` and `GET` options to be used together."),
];
const SET_ARGS: &[Arg] = &[
    key("key", 0),
    arg("value", "string"),
    oneof("condition", &[pure_token("nx", "NX"), pure_token("xx", "XX")]).since("2.6.12").optional(),
    pure_token("get", "GET").since("6.2.0").optional(),
    oneof("expiration", &[
        arg("seconds", "integer").token("EX").since("2.6.12"),
        arg("milliseconds", "integer").token("PX").since("2.6.12"),
        arg("unix-time-seconds", "unix-time").token("EXAT").since("6.2.0"),
        arg("unix-time-milliseconds", "unix-time").token("PXAT").since("6.2.0"),
        pure_token("keepttl", "KEEPTTL").since("6.0.0"),
    ]).optional(),
];
const SHUTDOWN_ARGS: &[Arg] = &[
    oneof("nosave_save", &[pure_token("nosave", "NOSAVE"), pure_token("save", "SAVE")]).optional(),
    pure_token("now", "NOW").since("7.0.0").optional(),
    pure_token("force", "FORCE").since("7.0.0").optional(),
    pure_token("abort", "ABORT").since("7.0.0").optional(),
];
const UPGRADE_ARGS: &[Arg] = &[oneof("source", &[
    block("library", &[arg("path", "string"), block("args", &[arg("arg", "string").multiple()]).token("ARGS").optional()]),
    pure_token("rollback", "ROLLBACK"),
])];

const EXPIRE_HISTORY: &[(&str, &str)] = &[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")];
const EXPIRE_CONDITION: Arg = opt(group("condition", "oneof", &[tok("nx", "pure-token", "NX"), tok("xx", "pure-token", "XX"), tok("gt", "pure-token", "GT"), tok("lt", "pure-token", "LT")])).since("7.0.0");
const FLUSH_HISTORY: &[(&str, &str)] = &[("4.0.0", "Added the `ASYNC` flushing mode modifier."), ("6.2.0", "Added the `SYNC` flushing mode modifier.")];
const FLUSH_ARGS: &[Arg] = &[opt(group("async", "oneof", &[tok("async", "pure-token", "ASYNC").since("4.0.0"), tok("sync", "pure-token", "SYNC").since("6.2.0")]))];

// SORT and SORT_RO: the sorted key, then the keys BY/GET patterns name,
// then (SORT only) STORE's destination.
const SORT_BY_GET_SPEC: KeySpec = KeySpec {
    notes: "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort",
    flags: &["RO", "access"],
    begin: BeginSearch::Unknown,
    find: FindKeys::Unknown,
};
const SORT_STORE_SPEC: KeySpec = KeySpec {
    notes: "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array",
    flags: &["OW", "update"],
    begin: BeginSearch::Unknown,
    find: FindKeys::Unknown,
};
const SORT_ACL: u32 = acl::SET | acl::SORTEDSET | acl::LIST | acl::DANGEROUS;
const SORT_COMPLEXITY: &str = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).";
const SORT_ARGS_HEAD: [Arg; 6] = [
    key("key", 0),
    Arg { key_spec_index: 1, ..tok("pattern", "pattern", "BY") }.optional(),
    block("offset_count", &[arg("offset", "integer"), arg("count", "integer")]).token("LIMIT").optional(),
    Arg { key_spec_index: 1, ..tok("pattern", "pattern", "GET") }.optional().multiple().multiple_token(),
    oneof("order", &[pure_token("asc", "ASC"), pure_token("desc", "DESC")]).optional(),
    pure_token("sorting", "ALPHA").optional(),
];
const SORT_ARGS: &[Arg] = &{
    let [a, b, c, d, e, f] = SORT_ARGS_HEAD;
    [a, b, c, d, e, f, Arg { key_spec_index: 2, ..tok("destination", "key", "STORE") }.optional()]
};

// The blocking list commands.
const BPOP_KEYS: &[KeySpec] = &[key_range(&["RW", "access", "delete"], 1, -2, 1)];
const BPOP_ARGS: &[Arg] = &[key("key", 0).multiple(), arg("timeout", "double")];
const MOVE_KEYS: &[KeySpec] = &[key_range(&["RW", "access", "delete"], 1, 0, 1), key_range(&["RW", "insert"], 2, 0, 1)];
const TIMEOUT_DOUBLE: &[(&str, &str)] = &[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")];
const WHERE: Arg = oneof("where", &[pure_token("left", "LEFT"), pure_token("right", "RIGHT")]);
const ZWHERE: Arg = oneof("where", &[pure_token("min", "MIN"), pure_token("max", "MAX")]);
const WHEREFROM: Arg = oneof("wherefrom", &[pure_token("left", "LEFT"), pure_token("right", "RIGHT")]);
const WHERETO: Arg = oneof("whereto", &[pure_token("left", "LEFT"), pure_token("right", "RIGHT")]);

/// Every command, sorted by name (a test checks), so lookup is a binary search.
pub static COMMANDS: &[Command] = &[
    Command { name: "acl", arity: -2, group: "server", since: "6.0.0", summary: "A container for Access List Control commands ", complexity: "Depends on subcommand.", subcommands: &[
        Command { name: "cat", arity: -2, flags: NOSCRIPT_LOADING_STALE, group: "server", since: "6.0.0", summary: "List the ACL categories or the commands inside a category", complexity: "O(1) since the categories and commands are a fixed set.", args: &[arg("categoryname", "string").optional()], handler: Some(crate::acl::cat), ..BASE },
        Command { name: "deluser", arity: -3, flags: ADMIN, group: "server", since: "6.0.0", summary: "Remove the specified ACL users and the associated rules", complexity: "O(1) amortized time considering the typical user.", args: &[arg("username", "string").multiple()], handler: Some(crate::acl::deluser), ..BASE },
        Command { name: "getuser", arity: 3, flags: ADMIN, group: "server", since: "6.0.0", summary: "Get the rules for a specific ACL user", complexity: "O(N). Where N is the number of password, command and pattern rules that the user has.", history: &[("6.2.0", "Added Pub/Sub channel patterns."), ("7.0.0", "Added selectors and changed the format of key and channel patterns from a list to their rule representation.")], args: &[arg("username", "string")], handler: Some(crate::acl::getuser), ..BASE },
        Command { name: "help", arity: 2, flags: flag::LOADING | flag::STALE, group: "server", since: "6.0.0", summary: "Show helpful text about the different subcommands", complexity: "O(1)", handler: Some(crate::acl::help), ..BASE },
        Command { name: "list", arity: 2, flags: ADMIN, group: "server", since: "6.0.0", summary: "List the current ACL rules in ACL config file format", complexity: "O(N). Where N is the number of configured users.", handler: Some(crate::acl::list), ..BASE },
        Command { name: "setuser", arity: -3, flags: ADMIN, group: "server", since: "6.0.0", summary: "Modify or create the rules for a specific ACL user", complexity: "O(N). Where N is the number of rules provided.", history: &[("6.2.0", "Added Pub/Sub channel patterns."), ("7.0.0", "Added selectors and key based permissions.")], args: &[arg("username", "string"), arg("rule", "string").optional().multiple()], handler: Some(crate::acl::setuser), ..BASE },
        Command { name: "users", arity: 2, flags: ADMIN, group: "server", since: "6.0.0", summary: "List the username of all the configured ACL rules", complexity: "O(N). Where N is the number of configured users.", handler: Some(crate::acl::users), ..BASE },
        Command { name: "whoami", arity: 2, flags: NOSCRIPT_LOADING_STALE, group: "server", since: "6.0.0", summary: "Return the name of the user associated to the current connection", complexity: "O(1)", handler: Some(crate::acl::whoami), ..BASE },
    ], ..BASE },
    Command { name: "aof", arity: -2, group: "server", since: "0.1.0", summary: "A container for append-only file commands", complexity: "Depends on subcommand.", subcommands: &[
        Command { name: "fsync", arity: 2, flags: flag::ADMIN | flag::NOSCRIPT, group: "server", since: "0.1.0", summary: "Write the append-only file's buffer and fsync the file now", complexity: "O(N) where N is the size of the buffer", handler: Some(crate::aof_fsync::fsync_command), ..BASE },
        help("server", 0, crate::aof_fsync::help),
    ], ..BASE },
    Command { name: "append", arity: 3, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RW", "insert"], 1, 0, 1)], group: "string", since: "2.0.0", summary: "Append a value to a key", complexity: "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.", args: &[key("key", 0), arg("value", "string")], handler: Some(t_string::append), ..BASE },
    Command { name: "auth", arity: -2, flags: NOSCRIPT_LOADING_STALE | flag::FAST | flag::NO_AUTH | flag::ALLOW_BUSY, acl: CONN, group: "connection", since: "1.0.0", summary: "Authenticate to the server", complexity: "O(N) where N is the number of passwords defined for the user", history: &[("6.0.0", "Added ACL style (username and password).")], args: &[arg("username", "string").since("6.0.0").optional(), arg("password", "string")], handler: Some(crate::acl::auth), ..BASE },
    Command { name: "bgrewriteaof", arity: 1, flags: flag::ADMIN | flag::NOSCRIPT | flag::NO_ASYNC_LOADING, group: "server", summary: "Asynchronously rewrite the append-only file", complexity: "O(1)", handler: Some(crate::aof::bgrewriteaof), ..BASE },
    Command { name: "bgsave", arity: -1, flags: flag::ADMIN | flag::NOSCRIPT | flag::NO_ASYNC_LOADING, group: "server", summary: "Asynchronously save the dataset to disk", complexity: "O(1)", history: &[("3.2.2", "Added the `SCHEDULE` option.")], args: &[Arg { name: "schedule", kind: "pure-token", token: "SCHEDULE", since: "3.2.2", optional: true, ..ARG }], handler: Some(bgsave::bgsave), ..BASE },
    Command { name: "blmove", arity: 6, flags: flag::WRITE | flag::DENYOOM | flag::NOSCRIPT | flag::BLOCKING, acl: acl::LIST, first_key: 1, last_key: 2, key_step: 1, key_specs: MOVE_KEYS, group: "list", since: "6.2.0", summary: "Pop an element from a list, push it to another list and return it; or block until one is available", complexity: "O(1)", args: &[key("source", 0), key("destination", 1), WHEREFROM, WHERETO, arg("timeout", "double")], handler: Some(t_list::blmove), ..BASE },
    Command { name: "blmpop", arity: -5, flags: flag::WRITE | flag::BLOCKING | flag::MOVABLE_KEYS, acl: acl::LIST, key_specs: &[KeySpec { notes: "", flags: &["RW", "access", "delete"], begin: BeginSearch::Index(2), find: FindKeys::Keynum { keynumidx: 0, firstkey: 1, keystep: 1 } }], group: "list", since: "7.0.0", summary: "Pop elements from a list, or block until one is available", complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned.", args: &[arg("timeout", "double"), arg("numkeys", "integer"), key("key", 0).multiple(), WHERE, tok("count", "integer", "COUNT").optional()], handler: Some(t_list::blmpop), ..BASE },
    Command { name: "blpop", arity: -3, flags: flag::WRITE | flag::NOSCRIPT | flag::BLOCKING, acl: acl::LIST, first_key: 1, last_key: -2, key_step: 1, key_specs: BPOP_KEYS, group: "list", since: "2.0.0", summary: "Remove and get the first element in a list, or block until one is available", complexity: "O(N) where N is the number of provided keys.", history: TIMEOUT_DOUBLE, args: BPOP_ARGS, handler: Some(t_list::blpop), ..BASE },
    Command { name: "brpop", arity: -3, flags: flag::WRITE | flag::NOSCRIPT | flag::BLOCKING, acl: acl::LIST, first_key: 1, last_key: -2, key_step: 1, key_specs: BPOP_KEYS, group: "list", since: "2.0.0", summary: "Remove and get the last element in a list, or block until one is available", complexity: "O(N) where N is the number of provided keys.", history: TIMEOUT_DOUBLE, args: BPOP_ARGS, handler: Some(t_list::brpop), ..BASE },
    Command { name: "brpoplpush", arity: 4, flags: flag::WRITE | flag::DENYOOM | flag::NOSCRIPT | flag::BLOCKING, acl: acl::LIST, first_key: 1, last_key: 2, key_step: 1, key_specs: MOVE_KEYS, group: "list", since: "2.2.0", summary: "Pop an element from a list, push it to another list and return it; or block until one is available", complexity: "O(1)", doc_flags: &["deprecated"], deprecated_since: "6.2.0", replaced_by: "`BLMOVE` with the `RIGHT` and `LEFT` arguments", history: TIMEOUT_DOUBLE, args: &[key("source", 0), key("destination", 1), arg("timeout", "double")], handler: Some(t_list::brpoplpush), ..BASE },
    Command { name: "bzmpop", arity: -5, flags: flag::WRITE | flag::BLOCKING | flag::MOVABLE_KEYS, acl: acl::SORTEDSET, key_specs: &[KeySpec { notes: "", flags: &["RW", "access", "delete"], begin: BeginSearch::Index(2), find: FindKeys::Keynum { keynumidx: 0, firstkey: 1, keystep: 1 } }], group: "sorted-set", since: "7.0.0", summary: "Remove and return members with scores in a sorted set or block until one is available", complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", args: &[arg("timeout", "double"), arg("numkeys", "integer"), key("key", 0).multiple(), ZWHERE, tok("count", "integer", "COUNT").optional()], handler: Some(t_zset::bzmpop), ..BASE },
    Command { name: "bzpopmax", arity: -3, flags: flag::WRITE | flag::NOSCRIPT | flag::BLOCKING | flag::FAST, acl: acl::SORTEDSET, first_key: 1, last_key: -2, key_step: 1, key_specs: BPOP_KEYS, group: "sorted-set", since: "5.0.0", summary: "Remove and return the member with the highest score from one or more sorted sets, or block until one is available", complexity: "O(log(N)) with N being the number of elements in the sorted set.", history: TIMEOUT_DOUBLE, args: BPOP_ARGS, handler: Some(t_zset::bzpopmax), ..BASE },
    Command { name: "bzpopmin", arity: -3, flags: flag::WRITE | flag::NOSCRIPT | flag::BLOCKING | flag::FAST, acl: acl::SORTEDSET, first_key: 1, last_key: -2, key_step: 1, key_specs: BPOP_KEYS, group: "sorted-set", since: "5.0.0", summary: "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available", complexity: "O(log(N)) with N being the number of elements in the sorted set.", history: TIMEOUT_DOUBLE, args: BPOP_ARGS, handler: Some(t_zset::bzpopmin), ..BASE },
    Command { name: "client", arity: -2, group: "connection", since: "2.4.0", summary: "A container for client connection commands", complexity: "Depends on subcommand.", subcommands: &[
        Command { name: "getname", arity: 2, flags: NOSCRIPT_LOADING_STALE, acl: CONN, group: "connection", since: "2.6.9", summary: "Get the current connection name", complexity: "O(1)", handler: Some(client::getname), ..BASE },
        Command { name: "getredir", arity: 2, flags: NOSCRIPT_LOADING_STALE, acl: CONN, group: "connection", since: "6.0.0", summary: "Get tracking notifications redirection client ID if any", complexity: "O(1)", handler: Some(client::getredir), ..BASE },
        help("connection", CONN, client::help),
        Command { name: "id", arity: 2, flags: NOSCRIPT_LOADING_STALE, acl: CONN, group: "connection", since: "5.0.0", summary: "Returns the client ID for the current connection", complexity: "O(1)", handler: Some(client::id), ..BASE },
        Command { name: "info", arity: 2, flags: NOSCRIPT_LOADING_STALE, acl: CONN, tips: &["nondeterministic_output"], group: "connection", since: "6.2.0", summary: "Returns information about the current client connection.", complexity: "O(1)", handler: Some(client::info), ..BASE },
        Command { name: "kill", arity: -3, flags: ADMIN, acl: CONN, group: "connection", since: "2.4.0", summary: "Kill the connection of a client", complexity: "O(N) where N is the number of client connections", history: CLIENT_KILL_HISTORY, args: CLIENT_KILL_ARGS, handler: Some(client::kill), ..BASE },
        Command { name: "list", arity: -2, flags: ADMIN, acl: CONN, tips: &["nondeterministic_output"], group: "connection", since: "2.4.0", summary: "Get the list of client connections", complexity: "O(N) where N is the number of client connections", history: CLIENT_LIST_HISTORY, args: CLIENT_LIST_ARGS, handler: Some(client::list), ..BASE },
        Command { name: "no-evict", arity: 3, flags: ADMIN, acl: CONN, group: "connection", since: "7.0.0", summary: "Set client eviction mode for the current connection", complexity: "O(1)", args: &[oneof("enabled", ON_OFF)], handler: Some(client::no_evict), ..BASE },
        Command { name: "pause", arity: -3, flags: ADMIN, acl: CONN, group: "connection", since: "2.9.50", summary: "Stop processing commands from clients for some time", complexity: "O(1)", history: &[("6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option.")], args: &[arg("timeout", "integer"), oneof("mode", &[pure_token("write", "WRITE"), pure_token("all", "ALL")]).since("6.2.0").optional()], handler: Some(client::pause_cmd), ..BASE },
        Command { name: "reply", arity: 3, flags: NOSCRIPT_LOADING_STALE, acl: CONN, group: "connection", since: "3.2.0", summary: "Instruct the server whether to reply to commands", complexity: "O(1)", args: &[oneof("on_off_skip", &[pure_token("on", "ON"), pure_token("off", "OFF"), pure_token("skip", "SKIP")])], handler: Some(client::reply), ..BASE },
        Command { name: "setname", arity: 3, flags: NOSCRIPT_LOADING_STALE, acl: CONN, group: "connection", since: "2.6.9", summary: "Set the current connection name", complexity: "O(1)", args: &[arg("connection-name", "string")], handler: Some(client::setname), ..BASE },
        Command { name: "tracking", arity: -3, flags: NOSCRIPT_LOADING_STALE, acl: CONN, group: "connection", since: "6.0.0", summary: "Enable or disable server assisted client side caching support", complexity: "O(1). Some options may introduce additional complexity.", args: CLIENT_TRACKING_ARGS, handler: Some(client::tracking), ..BASE },
        Command { name: "unblock", arity: -3, flags: ADMIN, acl: CONN, group: "connection", since: "5.0.0", summary: "Unblock a client blocked in a blocking command from a different connection", complexity: "O(log N) where N is the number of client connections", args: &[arg("client-id", "integer"), oneof("timeout_error", &[pure_token("timeout", "TIMEOUT"), pure_token("error", "ERROR")]).optional()], handler: Some(blocking::client_unblock), ..BASE },
        Command { name: "unpause", arity: 2, flags: ADMIN, acl: CONN, group: "connection", since: "6.2.0", summary: "Resume processing of clients that were paused", complexity: "O(N) Where N is the number of paused clients", handler: Some(client::unpause), ..BASE },
    ], ..BASE },
    Command { name: "command", arity: -1, flags: flag::LOADING | flag::STALE, acl: CONN, tips: &["nondeterministic_output_order"], group: "server", since: "2.8.13", summary: "Get array of Redis command details", complexity: "O(N) where N is the total number of Redis commands", handler: Some(introspect::command), subcommands: &[
        Command { name: "count", arity: 2, flags: flag::LOADING | flag::STALE, acl: CONN, group: "server", since: "2.8.13", summary: "Get total number of Redis commands", complexity: "O(1)", handler: Some(introspect::count), ..BASE },
        Command { name: "docs", arity: -2, flags: flag::LOADING | flag::STALE, acl: CONN, tips: &["nondeterministic_output_order"], group: "server", since: "7.0.0", summary: "Get array of specific Redis command documentation", complexity: "O(N) where N is the number of commands to look up", args: COMMAND_NAMES_ARG, handler: Some(introspect::docs), ..BASE },
        Command { name: "getkeys", arity: -4, flags: flag::LOADING | flag::STALE, acl: CONN, group: "server", since: "2.8.13", summary: "Extract keys given a full Redis command", complexity: "O(N) where N is the number of arguments to the command", handler: Some(introspect::getkeys), ..BASE },
        help("server", CONN, introspect::help),
        Command { name: "info", arity: -2, flags: flag::LOADING | flag::STALE, acl: CONN, tips: &["nondeterministic_output_order"], group: "server", since: "2.8.13", summary: "Get array of specific Redis command details, or all when no argument is given.", complexity: "O(N) where N is the number of commands to look up", history: &[("7.0.0", "Allowed to be called with no argument to get info on all commands.")], args: COMMAND_NAMES_ARG, handler: Some(introspect::info), ..BASE },
        Command { name: "list", arity: -2, flags: flag::LOADING | flag::STALE, acl: CONN, tips: &["nondeterministic_output_order"], group: "server", since: "7.0.0", summary: "Get an array of Redis command names", complexity: "O(N) where N is the total number of Redis commands", args: COMMAND_LIST_ARGS, handler: Some(introspect::list), ..BASE },
    ], ..BASE },
    Command { name: "config", arity: -2, group: "server", since: "2.0.0", summary: "A container for server configuration commands", complexity: "Depends on subcommand.", subcommands: &[
        Command { name: "get", arity: -3, flags: ADMIN, group: "server", since: "2.0.0", summary: "Get the values of configuration parameters", complexity: "O(N) when N is the number of configuration parameters provided", history: &[("7.0.0", "Added the ability to pass multiple pattern parameters in one call")], args: &[block("parameter", &[arg("parameter", "string")]).multiple()], handler: Some(config::get_command), ..BASE },
        help("server", 0, config::help_command),
        Command { name: "resetstat", arity: 2, flags: ADMIN, group: "server", since: "2.0.0", summary: "Reset the stats returned by INFO", complexity: "O(1)", handler: Some(config::resetstat_command), ..BASE },
        Command { name: "rewrite", arity: 2, flags: ADMIN, group: "server", since: "2.8.0", summary: "Rewrite the configuration file with the in memory configuration", complexity: "O(1)", handler: Some(config_rewrite::rewrite_command), ..BASE },
        Command { name: "set", arity: -4, flags: ADMIN, tips: &["request_policy:all_nodes", "response_policy:all_succeeded"], group: "server", since: "2.0.0", summary: "Set configuration parameters to the given values", complexity: "O(N) when N is the number of configuration parameters provided", history: &[("7.0.0", "Added the ability to set multiple parameters in one call.")], args: &[block("parameter_value", &[arg("parameter", "string"), arg("value", "string")]).multiple()], handler: Some(config::set_command), ..BASE },
    ], ..BASE },
    Command { name: "copy", arity: -3, flags: flag::WRITE | flag::DENYOOM, acl: acl::KEYSPACE, first_key: 1, last_key: 2, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, 0, 1), key_range(&["OW", "update"], 2, 0, 1)], group: "generic", since: "6.2.0", summary: "Copy a key", complexity: "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.", args: &[key("source", 0), key("destination", 1), opt(tok("destination-db", "integer", "DB")), opt(pure_token("replace", "REPLACE"))], handler: Some(keyspace::copy), ..BASE },
    Command { name: "dbsize", arity: 1, flags: flag::READONLY | flag::FAST, acl: acl::KEYSPACE, tips: &["request_policy:all_shards", "response_policy:agg_sum"], group: "server", summary: "Return the number of keys in the selected database", complexity: "O(1)", handler: Some(keyspace::dbsize), ..BASE },
    Command { name: "debug", arity: -2, flags: ADMIN, group: "server", summary: "A container for debugging commands", complexity: "Depends on subcommand.", doc_flags: &["syscmd"], handler: Some(debug::debug), ..BASE },
    Command { name: "decr", arity: 2, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_ACCESS_UPDATE, group: "string", summary: "Decrement the integer value of a key by one", complexity: "O(1)", args: &[key("key", 0)], handler: Some(t_string::decr), ..BASE },
    Command { name: "decrby", arity: 3, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_ACCESS_UPDATE, group: "string", summary: "Decrement the integer value of a key by the given number", complexity: "O(1)", args: &[key("key", 0), arg("decrement", "integer")], handler: Some(t_string::decrby), ..BASE },
    Command { name: "del", arity: -2, flags: flag::WRITE, acl: acl::KEYSPACE, first_key: 1, last_key: -1, key_step: 1, key_specs: RM_DELETE_ALL, tips: &["request_policy:multi_shard", "response_policy:agg_sum"], group: "generic", summary: "Delete a key", complexity: "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).", args: &[many(key("key", 0))], handler: Some(keyspace::del), ..BASE },
    Command { name: "discard", arity: 1, flags: flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::FAST | flag::ALLOW_BUSY, acl: acl::TRANSACTION, group: "transactions", since: "2.0.0", summary: "Discard all commands issued after MULTI", complexity: "O(N), when N is the number of queued commands", handler: Some(multi::discard), ..BASE },
    Command { name: "dump", arity: 2, flags: flag::READONLY, acl: acl::KEYSPACE, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, tips: &["nondeterministic_output"], group: "generic", since: "2.6.0", summary: "Return a serialized version of the value stored at the specified key.", complexity: "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).", args: &[key("key", 0)], handler: Some(persist::dump), ..BASE },
    Command { name: "echo", arity: 2, flags: flag::LOADING | flag::STALE | flag::FAST, acl: CONN, group: "connection", summary: "Echo the given string", complexity: "O(1)", args: &[arg("message", "string")], handler: Some(connection::echo), ..BASE },
    Command { name: "exec", arity: 1, flags: flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::SKIP_SLOWLOG, acl: acl::TRANSACTION, group: "transactions", since: "1.2.0", summary: "Execute all commands issued after MULTI", complexity: "Depends on commands in the transaction", handler: Some(multi::exec), ..BASE },
    Command { name: "exists", arity: -2, flags: flag::READONLY | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: -1, key_step: 1, key_specs: &[key_range(&["RO"], 1, -1, 1)], tips: &["request_policy:multi_shard", "response_policy:agg_sum"], group: "generic", summary: "Determine if a key exists", complexity: "O(N) where N is the number of keys to check.", history: &[("3.0.3", "Accepts multiple `key` arguments.")], args: &[many(key("key", 0))], handler: Some(keyspace::exists), ..BASE },
    Command { name: "expire", arity: -3, flags: flag::WRITE | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_UPDATE, group: "generic", summary: "Set a key's time to live in seconds", complexity: "O(1)", history: EXPIRE_HISTORY, args: &[key("key", 0), arg("seconds", "integer"), EXPIRE_CONDITION], handler: Some(expire::expire), ..BASE },
    Command { name: "expireat", arity: -3, flags: flag::WRITE | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_UPDATE, group: "generic", since: "1.2.0", summary: "Set the expiration for a key as a UNIX timestamp", complexity: "O(1)", history: EXPIRE_HISTORY, args: &[key("key", 0), arg("unix-time-seconds", "unix-time"), EXPIRE_CONDITION], handler: Some(expire::expireat), ..BASE },
    Command { name: "expiretime", arity: 2, flags: flag::READONLY | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, group: "generic", since: "7.0.0", summary: "Get the expiration Unix timestamp for a key", complexity: "O(1)", args: &[key("key", 0)], handler: Some(expire::expiretime), ..BASE },
    Command { name: "flushall", arity: -1, flags: flag::WRITE, acl: acl::KEYSPACE | acl::DANGEROUS, tips: &["request_policy:all_shards", "response_policy:all_succeeded"], group: "server", summary: "Remove all keys from all databases", complexity: "O(N) where N is the total number of keys in all databases", history: FLUSH_HISTORY, args: FLUSH_ARGS, handler: Some(keyspace::flushall), ..BASE },
    Command { name: "flushdb", arity: -1, flags: flag::WRITE, acl: acl::KEYSPACE | acl::DANGEROUS, tips: &["request_policy:all_shards", "response_policy:all_succeeded"], group: "server", summary: "Remove all keys from the current database", complexity: "O(N) where N is the number of keys in the selected database", history: FLUSH_HISTORY, args: FLUSH_ARGS, handler: Some(keyspace::flushdb), ..BASE },
    Command { name: "get", arity: 2, flags: flag::READONLY | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, group: "string", summary: "Get the value of a key", complexity: "O(1)", args: &[key("key", 0)], handler: Some(t_string::get), ..BASE },
    Command { name: "getdel", arity: 2, flags: flag::WRITE | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RW", "access", "delete"], 1, 0, 1)], group: "string", since: "6.2.0", summary: "Get the value of a key and delete the key", complexity: "O(1)", args: &[key("key", 0)], handler: Some(t_string::getdel), ..BASE },
    Command { name: "getex", arity: -2, flags: flag::WRITE | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: &[KeySpec { notes: "RW and UPDATE because it changes the TTL", flags: &["RW", "access", "update"], begin: BeginSearch::Index(1), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }], group: "string", since: "6.2.0", summary: "Get the value of a key and optionally set its expiration", complexity: "O(1)", args: &[key("key", 0), opt(group("expiration", "oneof", &[tok("seconds", "integer", "EX"), tok("milliseconds", "integer", "PX"), tok("unix-time-seconds", "unix-time", "EXAT"), tok("unix-time-milliseconds", "unix-time", "PXAT"), tok("persist", "pure-token", "PERSIST")]))], handler: Some(t_string::getex), ..BASE },
    Command { name: "getrange", arity: 4, flags: flag::READONLY, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, group: "string", since: "2.4.0", summary: "Get a substring of the string stored at a key", complexity: "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.", args: &[key("key", 0), arg("start", "integer"), arg("end", "integer")], handler: Some(t_string::getrange), ..BASE },
    Command { name: "getset", arity: 3, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_ACCESS_UPDATE, group: "string", summary: "Set the string value of a key and return its old value", complexity: "O(1)", doc_flags: &["deprecated"], deprecated_since: "6.2.0", replaced_by: "`SET` with the `!GET` argument", args: &[key("key", 0), arg("value", "string")], handler: Some(t_string::getset), ..BASE },
    Command { name: "hdel", arity: -3, flags: flag::WRITE | flag::FAST, acl: acl::HASH, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RW", "delete"], 1, 0, 1)], history: &[("2.4.0", "Accepts multiple `field` arguments.")], group: "hash", since: "2.0.0", summary: "Delete one or more hash fields", complexity: "O(N) where N is the number of fields to be removed.", args: &[key("key", 0), arg("field", "string").multiple()], handler: Some(t_hash::hdel), ..BASE },
    Command { name: "hello", arity: -1, flags: NOSCRIPT_LOADING_STALE | flag::FAST | flag::NO_AUTH | flag::ALLOW_BUSY, acl: CONN, group: "connection", since: "6.0.0", summary: "Handshake with Redis", complexity: "O(1)", history: &[("6.2.0", "`protover` made optional; when called without arguments the command reports the current connection's context.")], args: HELLO_ARGS, handler: Some(connection::hello), ..BASE },
    Command { name: "hexists", arity: 3, flags: flag::READONLY | flag::FAST, acl: acl::HASH, first_key: 1, last_key: 1, key_step: 1, key_specs: RO, group: "hash", since: "2.0.0", summary: "Determine if a hash field exists", complexity: "O(1)", args: &[key("key", 0), arg("field", "string")], handler: Some(t_hash::hexists), ..BASE },
    Command { name: "hget", arity: 3, flags: flag::READONLY | flag::FAST, acl: acl::HASH, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, group: "hash", since: "2.0.0", summary: "Get the value of a hash field", complexity: "O(1)", args: &[key("key", 0), arg("field", "string")], handler: Some(t_hash::hget), ..BASE },
    Command { name: "hgetall", arity: 2, flags: flag::READONLY, acl: acl::HASH, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, tips: &["nondeterministic_output_order"], group: "hash", since: "2.0.0", summary: "Get all the fields and values in a hash", complexity: "O(N) where N is the size of the hash.", args: &[key("key", 0)], handler: Some(t_hash::hgetall), ..BASE },
    Command { name: "hincrby", arity: 4, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::HASH, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_ACCESS_UPDATE, group: "hash", since: "2.0.0", summary: "Increment the integer value of a hash field by the given number", complexity: "O(1)", args: &[key("key", 0), arg("field", "string"), arg("increment", "integer")], handler: Some(t_hash::hincrby), ..BASE },
    Command { name: "hincrbyfloat", arity: 4, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::HASH, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_ACCESS_UPDATE, group: "hash", since: "2.6.0", summary: "Increment the float value of a hash field by the given amount", complexity: "O(1)", args: &[key("key", 0), arg("field", "string"), arg("increment", "double")], handler: Some(t_hash::hincrbyfloat), ..BASE },
    Command { name: "hkeys", arity: 2, flags: flag::READONLY, acl: acl::HASH, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, tips: &["nondeterministic_output_order"], group: "hash", since: "2.0.0", summary: "Get all the fields in a hash", complexity: "O(N) where N is the size of the hash.", args: &[key("key", 0)], handler: Some(t_hash::hkeys), ..BASE },
    Command { name: "hlen", arity: 2, flags: flag::READONLY | flag::FAST, acl: acl::HASH, first_key: 1, last_key: 1, key_step: 1, key_specs: RO, group: "hash", since: "2.0.0", summary: "Get the number of fields in a hash", complexity: "O(1)", args: &[key("key", 0)], handler: Some(t_hash::hlen), ..BASE },
    Command { name: "hmget", arity: -3, flags: flag::READONLY | flag::FAST, acl: acl::HASH, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, group: "hash", since: "2.0.0", summary: "Get the values of all the given hash fields", complexity: "O(N) where N is the number of fields being requested.", args: &[key("key", 0), arg("field", "string").multiple()], handler: Some(t_hash::hmget), ..BASE },
    Command { name: "hmset", arity: -4, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::HASH, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_UPDATE, doc_flags: &["deprecated"], deprecated_since: "4.0.0", replaced_by: "`HSET` with multiple field-value pairs", group: "hash", since: "2.0.0", summary: "Set multiple hash fields to multiple values", complexity: "O(N) where N is the number of fields being set.", args: &[key("key", 0), many(block("field_value", &[arg("field", "string"), arg("value", "string")]))], handler: Some(t_hash::hmset), ..BASE },
    Command { name: "hrandfield", arity: -2, flags: flag::READONLY, acl: acl::HASH, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, tips: &["nondeterministic_output"], group: "hash", since: "6.2.0", summary: "Get one or multiple random fields from a hash", complexity: "O(N) where N is the number of fields returned", args: &[key("key", 0), block("options", &[arg("count", "integer"), pure_token("withvalues", "WITHVALUES").optional()]).optional()], handler: Some(t_hash::hrandfield), ..BASE },
    Command { name: "hscan", arity: -3, flags: flag::READONLY, acl: acl::HASH, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, tips: &["nondeterministic_output"], group: "hash", since: "2.8.0", summary: "Incrementally iterate hash fields and associated values", complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", args: &[key("key", 0), arg("cursor", "integer"), opt(tok("pattern", "pattern", "MATCH")), opt(tok("count", "integer", "COUNT"))], handler: Some(t_hash::hscan), ..BASE },
    Command { name: "hset", arity: -4, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::HASH, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_UPDATE, history: &[("4.0.0", "Accepts multiple `field` and `value` arguments.")], group: "hash", since: "2.0.0", summary: "Set the string value of a hash field", complexity: "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.", args: &[key("key", 0), many(block("field_value", &[arg("field", "string"), arg("value", "string")]))], handler: Some(t_hash::hset), ..BASE },
    Command { name: "hsetnx", arity: 4, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::HASH, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RW", "insert"], 1, 0, 1)], group: "hash", since: "2.0.0", summary: "Set the value of a hash field, only if the field does not exist", complexity: "O(1)", args: &[key("key", 0), arg("field", "string"), arg("value", "string")], handler: Some(t_hash::hsetnx), ..BASE },
    Command { name: "hstrlen", arity: 3, flags: flag::READONLY | flag::FAST, acl: acl::HASH, first_key: 1, last_key: 1, key_step: 1, key_specs: RO, group: "hash", since: "3.2.0", summary: "Get the length of the value of a hash field", complexity: "O(1)", args: &[key("key", 0), arg("field", "string")], handler: Some(t_hash::hstrlen), ..BASE },
    Command { name: "hvals", arity: 2, flags: flag::READONLY, acl: acl::HASH, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, tips: &["nondeterministic_output_order"], group: "hash", since: "2.0.0", summary: "Get all the values in a hash", complexity: "O(N) where N is the size of the hash.", args: &[key("key", 0)], handler: Some(t_hash::hvals), ..BASE },
    Command { name: "incr", arity: 2, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_ACCESS_UPDATE, group: "string", summary: "Increment the integer value of a key by one", complexity: "O(1)", args: &[key("key", 0)], handler: Some(t_string::incr), ..BASE },
    Command { name: "incrby", arity: 3, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_ACCESS_UPDATE, group: "string", summary: "Increment the integer value of a key by the given amount", complexity: "O(1)", args: &[key("key", 0), arg("increment", "integer")], handler: Some(t_string::incrby), ..BASE },
    Command { name: "incrbyfloat", arity: 3, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_ACCESS_UPDATE, group: "string", since: "2.6.0", summary: "Increment the float value of a key by the given amount", complexity: "O(1)", args: &[key("key", 0), arg("increment", "double")], handler: Some(t_string::incrbyfloat), ..BASE },
    Command { name: "info", arity: -1, flags: flag::LOADING | flag::STALE, acl: acl::DANGEROUS, tips: &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], group: "server", summary: "Get information and statistics about the server", complexity: "O(1)", history: &[("7.0.0", "Added support for taking multiple section arguments.")], args: &[arg("section", "string").optional().multiple()], handler: Some(info::info), ..BASE },
    Command { name: "keys", arity: 2, flags: flag::READONLY, acl: acl::KEYSPACE | acl::DANGEROUS, tips: &["request_policy:all_shards", "nondeterministic_output_order"], group: "generic", summary: "Find all keys matching the given pattern", complexity: "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.", args: &[arg("pattern", "pattern")], handler: Some(keyspace::keys), ..BASE },
    Command { name: "lastsave", arity: 1, flags: flag::LOADING | flag::STALE | flag::FAST, acl: acl::ADMIN | acl::DANGEROUS, tips: &["nondeterministic_output"], group: "server", summary: "Get the UNIX time stamp of the last successful save to disk", complexity: "O(1)", handler: Some(bgsave::lastsave), ..BASE },
    Command { name: "lindex", arity: 3, flags: flag::READONLY, acl: acl::LIST, first_key: 1, last_key: 1, key_step: 1, key_specs: &[KeySpec { notes: "", flags: &["RO", "access"], begin: BeginSearch::Index(1), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }], group: "list", since: "1.0.0", summary: "Get an element from a list by its index", complexity: "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "index", kind: "integer", ..ARG }], handler: Some(t_list::lindex), ..BASE },
    Command { name: "linsert", arity: 5, flags: flag::WRITE | flag::DENYOOM, acl: acl::LIST, first_key: 1, last_key: 1, key_step: 1, key_specs: &[KeySpec { notes: "", flags: &["RW", "insert"], begin: BeginSearch::Index(1), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }], group: "list", since: "2.2.0", summary: "Insert an element before or after another element in a list", complexity: "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "where", kind: "oneof", subargs: &[Arg { name: "before", kind: "pure-token", token: "BEFORE", ..ARG }, Arg { name: "after", kind: "pure-token", token: "AFTER", ..ARG }], ..ARG }, Arg { name: "pivot", kind: "string", ..ARG }, Arg { name: "element", kind: "string", ..ARG }], handler: Some(t_list::linsert), ..BASE },
    Command { name: "llen", arity: 2, flags: flag::READONLY | flag::FAST, acl: acl::LIST, first_key: 1, last_key: 1, key_step: 1, key_specs: &[KeySpec { notes: "", flags: &["RO"], begin: BeginSearch::Index(1), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }], group: "list", since: "1.0.0", summary: "Get the length of a list", complexity: "O(1)", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }], handler: Some(t_list::llen), ..BASE },
    Command { name: "lmove", arity: 5, flags: flag::WRITE | flag::DENYOOM, acl: acl::LIST, first_key: 1, last_key: 2, key_step: 1, key_specs: &[KeySpec { notes: "", flags: &["RW", "access", "delete"], begin: BeginSearch::Index(1), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }, KeySpec { notes: "", flags: &["RW", "insert"], begin: BeginSearch::Index(2), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }], group: "list", since: "6.2.0", summary: "Pop an element from a list, push it to another list and return it", complexity: "O(1)", args: &[Arg { name: "source", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "destination", kind: "key", key_spec_index: 1, ..ARG }, Arg { name: "wherefrom", kind: "oneof", subargs: &[Arg { name: "left", kind: "pure-token", token: "LEFT", ..ARG }, Arg { name: "right", kind: "pure-token", token: "RIGHT", ..ARG }], ..ARG }, Arg { name: "whereto", kind: "oneof", subargs: &[Arg { name: "left", kind: "pure-token", token: "LEFT", ..ARG }, Arg { name: "right", kind: "pure-token", token: "RIGHT", ..ARG }], ..ARG }], handler: Some(t_list::lmove), ..BASE },
    Command { name: "lmpop", arity: -4, flags: flag::WRITE | flag::MOVABLE_KEYS, acl: acl::LIST, first_key: 0, last_key: 0, key_step: 0, key_specs: &[KeySpec { notes: "", flags: &["RW", "access", "delete"], begin: BeginSearch::Index(1), find: FindKeys::Keynum { keynumidx: 0, firstkey: 1, keystep: 1 } }], group: "list", since: "7.0.0", summary: "Pop elements from a list", complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned.", args: &[Arg { name: "numkeys", kind: "integer", ..ARG }, Arg { name: "key", kind: "key", key_spec_index: 0, multiple: true, ..ARG }, Arg { name: "where", kind: "oneof", subargs: &[Arg { name: "left", kind: "pure-token", token: "LEFT", ..ARG }, Arg { name: "right", kind: "pure-token", token: "RIGHT", ..ARG }], ..ARG }, Arg { name: "count", kind: "integer", token: "COUNT", optional: true, ..ARG }], handler: Some(t_list::lmpop), ..BASE },
    Command { name: "lpop", arity: -2, flags: flag::WRITE | flag::FAST, acl: acl::LIST, first_key: 1, last_key: 1, key_step: 1, key_specs: &[KeySpec { notes: "", flags: &["RW", "access", "delete"], begin: BeginSearch::Index(1), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }], group: "list", since: "1.0.0", summary: "Remove and get the first elements in a list", complexity: "O(N) where N is the number of elements returned", history: &[("6.2.0", "Added the `count` argument.")], args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "count", kind: "integer", since: "6.2.0", optional: true, ..ARG }], handler: Some(t_list::lpop), ..BASE },
    Command { name: "lpos", arity: -3, flags: flag::READONLY, acl: acl::LIST, first_key: 1, last_key: 1, key_step: 1, key_specs: &[KeySpec { notes: "", flags: &["RO", "access"], begin: BeginSearch::Index(1), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }], group: "list", since: "6.0.6", summary: "Return the index of matching elements on a list", complexity: "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "element", kind: "string", ..ARG }, Arg { name: "rank", kind: "integer", token: "RANK", optional: true, ..ARG }, Arg { name: "num-matches", kind: "integer", token: "COUNT", optional: true, ..ARG }, Arg { name: "len", kind: "integer", token: "MAXLEN", optional: true, ..ARG }], handler: Some(t_list::lpos), ..BASE },
    Command { name: "lpush", arity: -3, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::LIST, first_key: 1, last_key: 1, key_step: 1, key_specs: &[KeySpec { notes: "", flags: &["RW", "insert"], begin: BeginSearch::Index(1), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }], group: "list", since: "1.0.0", summary: "Prepend one or multiple elements to a list", complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", history: &[("2.4.0", "Accepts multiple `element` arguments.")], args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "element", kind: "string", multiple: true, ..ARG }], handler: Some(t_list::lpush), ..BASE },
    Command { name: "lpushx", arity: -3, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::LIST, first_key: 1, last_key: 1, key_step: 1, key_specs: &[KeySpec { notes: "", flags: &["RW", "insert"], begin: BeginSearch::Index(1), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }], group: "list", since: "2.2.0", summary: "Prepend an element to a list, only if the list exists", complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", history: &[("4.0.0", "Accepts multiple `element` arguments.")], args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "element", kind: "string", multiple: true, ..ARG }], handler: Some(t_list::lpushx), ..BASE },
    Command { name: "lrange", arity: 4, flags: flag::READONLY, acl: acl::LIST, first_key: 1, last_key: 1, key_step: 1, key_specs: &[KeySpec { notes: "", flags: &["RO", "access"], begin: BeginSearch::Index(1), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }], group: "list", since: "1.0.0", summary: "Get a range of elements from a list", complexity: "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "start", kind: "integer", ..ARG }, Arg { name: "stop", kind: "integer", ..ARG }], handler: Some(t_list::lrange), ..BASE },
    Command { name: "lrem", arity: 4, flags: flag::WRITE, acl: acl::LIST, first_key: 1, last_key: 1, key_step: 1, key_specs: &[KeySpec { notes: "", flags: &["RW", "delete"], begin: BeginSearch::Index(1), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }], group: "list", since: "1.0.0", summary: "Remove elements from a list", complexity: "O(N+M) where N is the length of the list and M is the number of elements removed.", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "count", kind: "integer", ..ARG }, Arg { name: "element", kind: "string", ..ARG }], handler: Some(t_list::lrem), ..BASE },
    Command { name: "lset", arity: 4, flags: flag::WRITE | flag::DENYOOM, acl: acl::LIST, first_key: 1, last_key: 1, key_step: 1, key_specs: &[KeySpec { notes: "", flags: &["RW", "update"], begin: BeginSearch::Index(1), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }], group: "list", since: "1.0.0", summary: "Set the value of an element in a list by its index", complexity: "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "index", kind: "integer", ..ARG }, Arg { name: "element", kind: "string", ..ARG }], handler: Some(t_list::lset), ..BASE },
    Command { name: "ltrim", arity: 4, flags: flag::WRITE, acl: acl::LIST, first_key: 1, last_key: 1, key_step: 1, key_specs: &[KeySpec { notes: "", flags: &["RW", "delete"], begin: BeginSearch::Index(1), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }], group: "list", since: "1.0.0", summary: "Trim a list to the specified range", complexity: "O(N) where N is the number of elements to be removed by the operation.", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "start", kind: "integer", ..ARG }, Arg { name: "stop", kind: "integer", ..ARG }], handler: Some(t_list::ltrim), ..BASE },
    Command { name: "mget", arity: -2, flags: flag::READONLY | flag::FAST, acl: acl::STRING, first_key: 1, last_key: -1, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, -1, 1)], tips: &["request_policy:multi_shard"], group: "string", summary: "Get the values of all the given keys", complexity: "O(N) where N is the number of keys to retrieve.", args: &[many(key("key", 0))], handler: Some(t_string::mget), ..BASE },
    Command { name: "move", arity: 3, flags: flag::WRITE | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_ACCESS_UPDATE, group: "generic", summary: "Move a key to another database", complexity: "O(1)", args: &[key("key", 0), arg("db", "integer")], handler: Some(keyspace::move_), ..BASE },
    Command { name: "mset", arity: -3, flags: flag::WRITE | flag::DENYOOM, acl: acl::STRING, first_key: 1, last_key: -1, key_step: 2, key_specs: &[key_range(&["OW", "update"], 1, -1, 2)], tips: &["request_policy:multi_shard", "response_policy:all_succeeded"], group: "string", since: "1.0.1", summary: "Set multiple keys to multiple values", complexity: "O(N) where N is the number of keys to set.", args: &[many(group("key_value", "block", &[key("key", 0), arg("value", "string")]))], handler: Some(t_string::mset), ..BASE },
    Command { name: "msetnx", arity: -3, flags: flag::WRITE | flag::DENYOOM, acl: acl::STRING, first_key: 1, last_key: -1, key_step: 2, key_specs: &[key_range(&["OW", "insert"], 1, -1, 2)], tips: &["request_policy:multi_shard", "response_policy:agg_min"], group: "string", since: "1.0.1", summary: "Set multiple keys to multiple values, only if none of the keys exist", complexity: "O(N) where N is the number of keys to set.", args: &[many(group("key_value", "block", &[key("key", 0), arg("value", "string")]))], handler: Some(t_string::msetnx), ..BASE },
    Command { name: "multi", arity: 1, flags: flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::FAST | flag::ALLOW_BUSY, acl: acl::TRANSACTION, group: "transactions", since: "1.2.0", summary: "Mark the start of a transaction block", complexity: "O(1)", handler: Some(multi::multi), ..BASE },
    Command { name: "object", arity: -2, group: "generic", since: "2.2.3", summary: "A container for object introspection commands", complexity: "Depends on subcommand.", subcommands: &[
        Command { name: "encoding", arity: 3, flags: flag::READONLY, acl: acl::KEYSPACE, first_key: 2, last_key: 2, key_step: 1, key_specs: OBJECT_KEY, tips: &["nondeterministic_output"], group: "generic", since: "2.2.3", summary: "Inspect the internal encoding of a Redis object", complexity: "O(1)", args: &[key("key", 0)], handler: Some(object::encoding), ..BASE },
        Command { name: "freq", arity: 3, flags: flag::READONLY, acl: acl::KEYSPACE, first_key: 2, last_key: 2, key_step: 1, key_specs: OBJECT_KEY, tips: &["nondeterministic_output"], group: "generic", since: "4.0.0", summary: "Get the logarithmic access frequency counter of a Redis object", complexity: "O(1)", args: &[key("key", 0)], handler: Some(object::freq), ..BASE },
        Command { name: "help", arity: 2, flags: flag::LOADING | flag::STALE, acl: acl::KEYSPACE, group: "generic", since: "6.2.0", summary: "Show helpful text about the different subcommands", complexity: "O(1)", handler: Some(object::help), ..BASE },
        Command { name: "idletime", arity: 3, flags: flag::READONLY, acl: acl::KEYSPACE, first_key: 2, last_key: 2, key_step: 1, key_specs: OBJECT_KEY, tips: &["nondeterministic_output"], group: "generic", since: "2.2.3", summary: "Get the time since a Redis object was last accessed", complexity: "O(1)", args: &[key("key", 0)], handler: Some(object::idletime), ..BASE },
        Command { name: "refcount", arity: 3, flags: flag::READONLY, acl: acl::KEYSPACE, first_key: 2, last_key: 2, key_step: 1, key_specs: OBJECT_KEY, tips: &["nondeterministic_output"], group: "generic", since: "2.2.3", summary: "Get the number of references to the value of the key", complexity: "O(1)", args: &[key("key", 0)], handler: Some(object::refcount_command), ..BASE },
    ], ..BASE },
    Command { name: "persist", arity: 2, flags: flag::WRITE | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_UPDATE, group: "generic", since: "2.2.0", summary: "Remove the expiration from a key", complexity: "O(1)", args: &[key("key", 0)], handler: Some(expire::persist), ..BASE },
    Command { name: "pexpire", arity: -3, flags: flag::WRITE | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_UPDATE, group: "generic", since: "2.6.0", summary: "Set a key's time to live in milliseconds", complexity: "O(1)", history: EXPIRE_HISTORY, args: &[key("key", 0), arg("milliseconds", "integer"), EXPIRE_CONDITION], handler: Some(expire::pexpire), ..BASE },
    Command { name: "pexpireat", arity: -3, flags: flag::WRITE | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_UPDATE, group: "generic", since: "2.6.0", summary: "Set the expiration for a key as a UNIX timestamp specified in milliseconds", complexity: "O(1)", history: EXPIRE_HISTORY, args: &[key("key", 0), arg("unix-time-milliseconds", "unix-time"), EXPIRE_CONDITION], handler: Some(expire::pexpireat), ..BASE },
    Command { name: "pexpiretime", arity: 2, flags: flag::READONLY | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, group: "generic", since: "7.0.0", summary: "Get the expiration Unix timestamp for a key in milliseconds", complexity: "O(1)", args: &[key("key", 0)], handler: Some(expire::pexpiretime), ..BASE },
    Command { name: "ping", arity: -1, flags: flag::FAST, acl: CONN, tips: &["request_policy:all_shards", "response_policy:all_succeeded"], group: "connection", summary: "Ping the server", complexity: "O(1)", args: &[arg("message", "string").optional()], handler: Some(connection::ping), ..BASE },
    Command { name: "psetex", arity: 4, flags: flag::WRITE | flag::DENYOOM, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: OW_UPDATE, group: "string", since: "2.6.0", summary: "Set the value and expiration in milliseconds of a key", complexity: "O(1)", args: &[key("key", 0), arg("milliseconds", "integer"), arg("value", "string")], handler: Some(t_string::psetex), ..BASE },
    Command { name: "psubscribe", arity: -2, flags: flag::PUBSUB | flag::NOSCRIPT | flag::LOADING | flag::STALE, group: "pubsub", since: "2.0.0", summary: "Listen for messages published to channels matching the given patterns", complexity: "O(N) where N is the number of patterns the client is already subscribed to.", args: &[block("pattern", &[arg("pattern", "pattern")]).multiple()], handler: Some(pubsub::psubscribe), ..BASE },
    Command { name: "pttl", arity: 2, flags: flag::READONLY | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, tips: &["nondeterministic_output"], group: "generic", since: "2.6.0", summary: "Get the time to live for a key in milliseconds", complexity: "O(1)", history: &[("2.8.0", "Added the -2 reply.")], args: &[key("key", 0)], handler: Some(expire::pttl), ..BASE },
    Command { name: "publish", arity: 3, flags: flag::PUBSUB | flag::LOADING | flag::STALE | flag::FAST | flag::MAY_REPLICATE, group: "pubsub", since: "2.0.0", summary: "Post a message to a channel", complexity: "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).", args: &[arg("channel", "string"), arg("message", "string")], handler: Some(pubsub::publish), ..BASE },
    Command { name: "pubsub", arity: -2, group: "pubsub", since: "2.8.0", summary: "A container for Pub/Sub commands", complexity: "Depends on subcommand.", subcommands: &[
        Command { name: "channels", arity: -2, flags: flag::PUBSUB | flag::LOADING | flag::STALE, group: "pubsub", since: "2.8.0", summary: "List active channels", complexity: "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)", args: &[arg("pattern", "pattern").optional()], handler: Some(pubsub::channels), ..BASE },
        Command { since: "6.2.0", ..help("pubsub", 0, pubsub::help) },
        Command { name: "numpat", arity: 2, flags: flag::PUBSUB | flag::LOADING | flag::STALE, group: "pubsub", since: "2.8.0", summary: "Get the count of unique patterns pattern subscriptions", complexity: "O(1)", handler: Some(pubsub::numpat), ..BASE },
        Command { name: "numsub", arity: -2, flags: flag::PUBSUB | flag::LOADING | flag::STALE, group: "pubsub", since: "2.8.0", summary: "Get the count of subscribers for channels", complexity: "O(N) for the NUMSUB subcommand, where N is the number of requested channels", args: &[arg("channel", "string").optional().multiple()], handler: Some(pubsub::numsub), ..BASE },
    ], ..BASE },
    Command { name: "punsubscribe", arity: -1, flags: flag::PUBSUB | flag::NOSCRIPT | flag::LOADING | flag::STALE, group: "pubsub", since: "2.0.0", summary: "Stop listening for messages posted to channels matching the given patterns", complexity: "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).", args: &[arg("pattern", "pattern").optional().multiple()], handler: Some(pubsub::punsubscribe), ..BASE },
    Command { name: "quit", arity: -1, flags: NOSCRIPT_LOADING_STALE | flag::FAST | flag::NO_AUTH | flag::ALLOW_BUSY, acl: CONN, group: "connection", summary: "Close the connection", complexity: "O(1)", handler: Some(connection::quit), ..BASE },
    Command { name: "randomkey", arity: 1, flags: flag::READONLY, acl: acl::KEYSPACE, tips: &["request_policy:all_shards", "nondeterministic_output"], group: "generic", summary: "Return a random key from the keyspace", complexity: "O(1)", handler: Some(keyspace::randomkey), ..BASE },
    Command { name: "rename", arity: 3, flags: flag::WRITE, acl: acl::KEYSPACE, first_key: 1, last_key: 2, key_step: 1, key_specs: &[key_range(&["RW", "access", "delete"], 1, 0, 1), key_range(&["OW", "update"], 2, 0, 1)], group: "generic", summary: "Rename a key", complexity: "O(1)", args: &[key("key", 0), key("newkey", 1)], handler: Some(keyspace::rename), ..BASE },
    Command { name: "renamenx", arity: 3, flags: flag::WRITE | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: 2, key_step: 1, key_specs: &[key_range(&["RW", "access", "delete"], 1, 0, 1), key_range(&["OW", "insert"], 2, 0, 1)], group: "generic", summary: "Rename a key, only if the new key does not exist", complexity: "O(1)", history: &[("3.2.0", "The command no longer returns an error when source and destination names are the same.")], args: &[key("key", 0), key("newkey", 1)], handler: Some(keyspace::renamenx), ..BASE },
    Command { name: "reset", arity: 1, flags: NOSCRIPT_LOADING_STALE | flag::FAST | flag::NO_AUTH | flag::ALLOW_BUSY, acl: CONN, group: "connection", since: "6.2.0", summary: "Reset the connection", complexity: "O(1)", handler: Some(client::reset), ..BASE },
    Command { name: "restore", arity: -4, flags: flag::WRITE | flag::DENYOOM, acl: acl::KEYSPACE | acl::DANGEROUS, first_key: 1, last_key: 1, key_step: 1, key_specs: OW_UPDATE, group: "generic", since: "2.6.0", summary: "Create a key using the provided serialized value, previously obtained using DUMP.", complexity: "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).", history: &[("3.0.0", "Added the `REPLACE` modifier."), ("5.0.0", "Added the `ABSTTL` modifier."), ("5.0.0", "Added the `IDLETIME` and `FREQ` options.")], args: &[key("key", 0), arg("ttl", "integer"), arg("serialized-value", "string"), opt(pure_token("replace", "REPLACE")).since("3.0.0"), opt(pure_token("absttl", "ABSTTL")).since("5.0.0"), opt(tok("seconds", "integer", "IDLETIME")).since("5.0.0"), opt(tok("frequency", "integer", "FREQ")).since("5.0.0")], handler: Some(persist::restore), ..BASE },
    Command { name: "rpop", arity: -2, flags: flag::WRITE | flag::FAST, acl: acl::LIST, first_key: 1, last_key: 1, key_step: 1, key_specs: &[KeySpec { notes: "", flags: &["RW", "access", "delete"], begin: BeginSearch::Index(1), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }], group: "list", since: "1.0.0", summary: "Remove and get the last elements in a list", complexity: "O(N) where N is the number of elements returned", history: &[("6.2.0", "Added the `count` argument.")], args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "count", kind: "integer", since: "6.2.0", optional: true, ..ARG }], handler: Some(t_list::rpop), ..BASE },
    Command { name: "rpoplpush", arity: 3, flags: flag::WRITE | flag::DENYOOM, acl: acl::LIST, first_key: 1, last_key: 2, key_step: 1, key_specs: &[KeySpec { notes: "", flags: &["RW", "access", "delete"], begin: BeginSearch::Index(1), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }, KeySpec { notes: "", flags: &["RW", "insert"], begin: BeginSearch::Index(2), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }], group: "list", since: "1.2.0", summary: "Remove the last element in a list, prepend it to another list and return it", complexity: "O(1)", doc_flags: &["deprecated"], deprecated_since: "6.2.0", replaced_by: "`LMOVE` with the `RIGHT` and `LEFT` arguments", args: &[Arg { name: "source", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "destination", kind: "key", key_spec_index: 1, ..ARG }], handler: Some(t_list::rpoplpush), ..BASE },
    Command { name: "rpush", arity: -3, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::LIST, first_key: 1, last_key: 1, key_step: 1, key_specs: &[KeySpec { notes: "", flags: &["RW", "insert"], begin: BeginSearch::Index(1), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }], group: "list", since: "1.0.0", summary: "Append one or multiple elements to a list", complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", history: &[("2.4.0", "Accepts multiple `element` arguments.")], args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "element", kind: "string", multiple: true, ..ARG }], handler: Some(t_list::rpush), ..BASE },
    Command { name: "rpushx", arity: -3, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::LIST, first_key: 1, last_key: 1, key_step: 1, key_specs: &[KeySpec { notes: "", flags: &["RW", "insert"], begin: BeginSearch::Index(1), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }], group: "list", since: "2.2.0", summary: "Append an element to a list, only if the list exists", complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", history: &[("4.0.0", "Accepts multiple `element` arguments.")], args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "element", kind: "string", multiple: true, ..ARG }], handler: Some(t_list::rpushx), ..BASE },
    Command { name: "sadd", arity: -3, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::SET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RW", "insert"], 1, 0, 1)], history: &[("2.4.0", "Accepts multiple `member` arguments.")], group: "set", summary: "Add one or more members to a set", complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", args: &[key("key", 0), arg("member", "string").multiple()], handler: Some(t_set::sadd), ..BASE },
    Command { name: "save", arity: 1, flags: flag::ADMIN | flag::NOSCRIPT | flag::NO_ASYNC_LOADING | flag::NO_MULTI, group: "server", summary: "Synchronously save the dataset to disk", complexity: "O(N) where N is the total number of keys in all databases", handler: Some(persist::save), ..BASE },
    Command { name: "scan", arity: -2, flags: flag::READONLY, acl: acl::KEYSPACE, tips: &["nondeterministic_output", "request_policy:special"], group: "generic", since: "2.8.0", summary: "Incrementally iterate the keys space", complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.", history: &[("6.0.0", "Added the `TYPE` subcommand.")], args: &[arg("cursor", "integer"), opt(tok("pattern", "pattern", "MATCH")), opt(tok("count", "integer", "COUNT")), opt(tok("type", "string", "TYPE")).since("6.0.0")], handler: Some(keyspace::scan), ..BASE },
    Command { name: "scard", arity: 2, flags: flag::READONLY | flag::FAST, acl: acl::SET, first_key: 1, last_key: 1, key_step: 1, key_specs: RO, group: "set", summary: "Get the number of members in a set", complexity: "O(1)", args: &[key("key", 0)], handler: Some(t_set::scard), ..BASE },
    Command { name: "sdiff", arity: -2, flags: flag::READONLY, acl: acl::SET, first_key: 1, last_key: -1, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, -1, 1)], tips: &["nondeterministic_output_order"], group: "set", summary: "Subtract multiple sets", complexity: "O(N) where N is the total number of elements in all given sets.", args: &[key("key", 0).multiple()], handler: Some(t_set::sdiff), ..BASE },
    Command { name: "sdiffstore", arity: -3, flags: flag::WRITE | flag::DENYOOM, acl: acl::SET, first_key: 1, last_key: -1, key_step: 1, key_specs: &[key_range(&["OW", "update"], 1, 0, 1), key_range(&["RO", "access"], 2, -1, 1)], group: "set", summary: "Subtract multiple sets and store the resulting set in a key", complexity: "O(N) where N is the total number of elements in all given sets.", args: &[key("destination", 0), key("key", 1).multiple()], handler: Some(t_set::sdiffstore), ..BASE },
    Command { name: "select", arity: 2, flags: flag::LOADING | flag::STALE | flag::FAST, acl: acl::CONNECTION, group: "connection", summary: "Change the selected database for the current connection", complexity: "O(1)", args: &[arg("index", "integer")], handler: Some(connection::select), ..BASE },
    Command { name: "set", arity: -3, flags: flag::WRITE | flag::DENYOOM, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: &[KeySpec { notes: "RW and ACCESS due to the optional `GET` argument", flags: &["RW", "access", "update", "variable_flags"], begin: BeginSearch::Index(1), find: FindKeys::Range { lastkey: 0, keystep: 1, limit: 0 } }], group: "string", summary: "Set the string value of a key", complexity: "O(1)", history: SET_HISTORY, args: SET_ARGS, handler: Some(t_string::set), ..BASE },
    Command { name: "setex", arity: 4, flags: flag::WRITE | flag::DENYOOM, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: OW_UPDATE, group: "string", since: "2.0.0", summary: "Set the value and expiration of a key", complexity: "O(1)", args: &[key("key", 0), arg("seconds", "integer"), arg("value", "string")], handler: Some(t_string::setex), ..BASE },
    Command { name: "setnx", arity: 3, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["OW", "insert"], 1, 0, 1)], group: "string", summary: "Set the value of a key, only if the key does not exist", complexity: "O(1)", args: &[key("key", 0), arg("value", "string")], handler: Some(t_string::setnx), ..BASE },
    Command { name: "setrange", arity: 4, flags: flag::WRITE | flag::DENYOOM, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: RW_UPDATE, group: "string", since: "2.2.0", summary: "Overwrite part of a string at key starting at the specified offset", complexity: "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.", args: &[key("key", 0), arg("offset", "integer"), arg("value", "string")], handler: Some(t_string::setrange), ..BASE },
    Command { name: "shutdown", arity: -1, flags: ADMIN | flag::NO_MULTI | flag::ALLOW_BUSY, group: "server", summary: "Synchronously save the dataset to disk and then shut down the server", complexity: "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)", history: &[("7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers.")], args: SHUTDOWN_ARGS, handler: Some(connection::shutdown), ..BASE },
    Command { name: "sinter", arity: -2, flags: flag::READONLY, acl: acl::SET, first_key: 1, last_key: -1, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, -1, 1)], tips: &["nondeterministic_output_order"], group: "set", summary: "Intersect multiple sets", complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", args: &[key("key", 0).multiple()], handler: Some(t_set::sinter), ..BASE },
    Command { name: "sintercard", arity: -3, flags: flag::READONLY | flag::MOVABLE_KEYS, acl: acl::SET, key_specs: &[KeySpec { notes: "", flags: &["RO", "access"], begin: BeginSearch::Index(1), find: FindKeys::Keynum { keynumidx: 0, firstkey: 1, keystep: 1 } }], group: "set", since: "7.0.0", summary: "Intersect multiple sets and return the cardinality of the result", complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", args: &[arg("numkeys", "integer"), key("key", 0).multiple(), tok("limit", "integer", "LIMIT").optional()], handler: Some(t_set::sintercard), ..BASE },
    Command { name: "sinterstore", arity: -3, flags: flag::WRITE | flag::DENYOOM, acl: acl::SET, first_key: 1, last_key: -1, key_step: 1, key_specs: &[key_range(&["RW", "update"], 1, 0, 1), key_range(&["RO", "access"], 2, -1, 1)], group: "set", summary: "Intersect multiple sets and store the resulting set in a key", complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", args: &[key("destination", 0), key("key", 1).multiple()], handler: Some(t_set::sinterstore), ..BASE },
    Command { name: "sismember", arity: 3, flags: flag::READONLY | flag::FAST, acl: acl::SET, first_key: 1, last_key: 1, key_step: 1, key_specs: RO, group: "set", summary: "Determine if a given value is a member of a set", complexity: "O(1)", args: &[key("key", 0), arg("member", "string")], handler: Some(t_set::sismember), ..BASE },
    Command { name: "smembers", arity: 2, flags: flag::READONLY, acl: acl::SET, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, tips: &["nondeterministic_output_order"], group: "set", summary: "Get all the members in a set", complexity: "O(N) where N is the set cardinality.", args: &[key("key", 0)], handler: Some(t_set::smembers), ..BASE },
    Command { name: "smismember", arity: -3, flags: flag::READONLY | flag::FAST, acl: acl::SET, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, group: "set", since: "6.2.0", summary: "Returns the membership associated with the given elements for a set", complexity: "O(N) where N is the number of elements being checked for membership", args: &[key("key", 0), arg("member", "string").multiple()], handler: Some(t_set::smismember), ..BASE },
    Command { name: "smove", arity: 4, flags: flag::WRITE | flag::FAST, acl: acl::SET, first_key: 1, last_key: 2, key_step: 1, key_specs: &[key_range(&["RW", "access", "delete"], 1, 0, 1), key_range(&["RW", "insert"], 2, 0, 1)], group: "set", summary: "Move a member from one set to another", complexity: "O(1)", args: &[key("source", 0), key("destination", 1), arg("member", "string")], handler: Some(t_set::smove), ..BASE },
    Command { name: "sort", arity: -2, flags: flag::WRITE | flag::DENYOOM | flag::MOVABLE_KEYS, acl: SORT_ACL, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, 0, 1), SORT_BY_GET_SPEC, SORT_STORE_SPEC], group: "generic", summary: "Sort the elements in a list, set or sorted set", complexity: SORT_COMPLEXITY, args: SORT_ARGS, handler: Some(sort::sort), ..BASE },
    Command { name: "sort_ro", arity: -2, flags: flag::READONLY | flag::MOVABLE_KEYS, acl: SORT_ACL, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, 0, 1), SORT_BY_GET_SPEC], group: "generic", since: "7.0.0", summary: "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", complexity: SORT_COMPLEXITY, args: &SORT_ARGS_HEAD, handler: Some(sort::sort_ro), ..BASE },
    Command { name: "spop", arity: -2, flags: flag::WRITE | flag::FAST, acl: acl::SET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RW", "access", "delete"], 1, 0, 1)], tips: &["nondeterministic_output"], history: &[("3.2.0", "Added the `count` argument.")], group: "set", summary: "Remove and return one or multiple random members from a set", complexity: "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.", args: &[key("key", 0), arg("count", "integer").since("3.2.0").optional()], handler: Some(t_set::spop), ..BASE },
    Command { name: "srandmember", arity: -2, flags: flag::READONLY, acl: acl::SET, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, tips: &["nondeterministic_output"], history: &[("2.6.0", "Added the optional `count` argument.")], group: "set", summary: "Get one or multiple random members from a set", complexity: "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.", args: &[key("key", 0), arg("count", "integer").since("2.6.0").optional()], handler: Some(t_set::srandmember), ..BASE },
    Command { name: "srem", arity: -3, flags: flag::WRITE | flag::FAST, acl: acl::SET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RW", "delete"], 1, 0, 1)], history: &[("2.4.0", "Accepts multiple `member` arguments.")], group: "set", summary: "Remove one or more members from a set", complexity: "O(N) where N is the number of members to be removed.", args: &[key("key", 0), arg("member", "string").multiple()], handler: Some(t_set::srem), ..BASE },
    Command { name: "sscan", arity: -3, flags: flag::READONLY, acl: acl::SET, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, tips: &["nondeterministic_output"], group: "set", since: "2.8.0", summary: "Incrementally iterate Set elements", complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", args: &[key("key", 0), arg("cursor", "integer"), opt(tok("pattern", "pattern", "MATCH")), opt(tok("count", "integer", "COUNT"))], handler: Some(t_set::sscan), ..BASE },
    Command { name: "strlen", arity: 2, flags: flag::READONLY | flag::FAST, acl: acl::STRING, first_key: 1, last_key: 1, key_step: 1, key_specs: RO, group: "string", since: "2.2.0", summary: "Get the length of the value stored in a key", complexity: "O(1)", args: &[key("key", 0)], handler: Some(t_string::strlen), ..BASE },
    Command { name: "subscribe", arity: -2, flags: flag::PUBSUB | flag::NOSCRIPT | flag::LOADING | flag::STALE, group: "pubsub", since: "2.0.0", summary: "Listen for messages published to the given channels", complexity: "O(N) where N is the number of channels to subscribe to.", args: &[arg("channel", "string").multiple()], handler: Some(pubsub::subscribe), ..BASE },
    Command { name: "sunion", arity: -2, flags: flag::READONLY, acl: acl::SET, first_key: 1, last_key: -1, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, -1, 1)], tips: &["nondeterministic_output_order"], group: "set", summary: "Add multiple sets", complexity: "O(N) where N is the total number of elements in all given sets.", args: &[key("key", 0).multiple()], handler: Some(t_set::sunion), ..BASE },
    Command { name: "sunionstore", arity: -3, flags: flag::WRITE | flag::DENYOOM, acl: acl::SET, first_key: 1, last_key: -1, key_step: 1, key_specs: &[key_range(&["OW", "update"], 1, 0, 1), key_range(&["RO", "access"], 2, -1, 1)], group: "set", summary: "Add multiple sets and store the resulting set in a key", complexity: "O(N) where N is the total number of elements in all given sets.", args: &[key("destination", 0), key("key", 1).multiple()], handler: Some(t_set::sunionstore), ..BASE },
    Command { name: "swapdb", arity: 3, flags: flag::WRITE | flag::FAST, acl: acl::KEYSPACE | acl::DANGEROUS, group: "server", since: "4.0.0", summary: "Swaps two Redis databases", complexity: "O(N) where N is the count of clients watching or blocking on keys from both databases.", args: &[arg("index1", "integer"), arg("index2", "integer")], handler: Some(keyspace::swapdb), ..BASE },
    Command { name: "time", arity: 1, flags: flag::LOADING | flag::STALE | flag::FAST, tips: &["nondeterministic_output"], group: "server", since: "2.6.0", summary: "Return the current server time", complexity: "O(1)", handler: Some(time::time), ..BASE },
    Command { name: "touch", arity: -2, flags: flag::READONLY | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: -1, key_step: 1, key_specs: &[key_range(&["RO"], 1, -1, 1)], tips: &["request_policy:multi_shard", "response_policy:agg_sum"], group: "generic", since: "3.2.1", summary: "Alters the last access time of a key(s). Returns the number of existing keys specified.", complexity: "O(N) where N is the number of keys that will be touched.", args: &[many(key("key", 0))], handler: Some(keyspace::touch), ..BASE },
    Command { name: "ttl", arity: 2, flags: flag::READONLY | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: 1, key_step: 1, key_specs: RO_ACCESS, tips: &["nondeterministic_output"], group: "generic", summary: "Get the time to live for a key in seconds", complexity: "O(1)", history: &[("2.8.0", "Added the -2 reply.")], args: &[key("key", 0)], handler: Some(expire::ttl), ..BASE },
    Command { name: "type", arity: 2, flags: flag::READONLY | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: 1, key_step: 1, key_specs: RO, group: "generic", summary: "Determine the type stored at key", complexity: "O(1)", args: &[key("key", 0)], handler: Some(keyspace::type_), ..BASE },
    Command { name: "unlink", arity: -2, flags: flag::WRITE | flag::FAST, acl: acl::KEYSPACE, first_key: 1, last_key: -1, key_step: 1, key_specs: RM_DELETE_ALL, tips: &["request_policy:multi_shard", "response_policy:agg_sum"], group: "generic", since: "4.0.0", summary: "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", complexity: "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.", args: &[many(key("key", 0))], handler: Some(keyspace::unlink), ..BASE },
    Command { name: "unsubscribe", arity: -1, flags: flag::PUBSUB | flag::NOSCRIPT | flag::LOADING | flag::STALE, group: "pubsub", since: "2.0.0", summary: "Stop listening for messages posted to the given channels", complexity: "O(N) where N is the number of clients already subscribed to a channel.", args: &[arg("channel", "string").optional().multiple()], handler: Some(pubsub::unsubscribe), ..BASE },
    Command { name: "unwatch", arity: 1, flags: flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::FAST | flag::ALLOW_BUSY, acl: acl::TRANSACTION, group: "transactions", since: "2.2.0", summary: "Forget about all watched keys", complexity: "O(1)", handler: Some(multi::unwatch), ..BASE },
    Command { name: "upgrade", arity: -2, flags: ADMIN | flag::NO_MULTI, group: "server", since: "0.1.0", summary: "Replace the running logic library with another, keeping every connection and key", complexity: "O(1)", args: UPGRADE_ARGS, handler: Some(upgrade::upgrade), ..BASE },
    // Redis 7.2's (7.0 has no WAITAOF): metadata from its waitaof.json.
    Command { name: "waitaof", arity: 4, flags: flag::NOSCRIPT, acl: CONN, tips: &["request_policy:all_shards", "response_policy:agg_min"], group: "generic", since: "7.2.0", summary: "Blocks until all of the preceding write commands sent by the connection are written to the append-only file of the master and/or replicas.", complexity: "O(1)", args: &[arg("numlocal", "integer"), arg("numreplicas", "integer"), arg("timeout", "integer")], handler: Some(crate::waitaof::waitaof), ..BASE },
    Command { name: "watch", arity: -2, flags: flag::NOSCRIPT | flag::LOADING | flag::STALE | flag::FAST | flag::ALLOW_BUSY, acl: acl::TRANSACTION, first_key: 1, last_key: -1, key_step: 1, key_specs: &[key_range(&["RO"], 1, -1, 1)], group: "transactions", since: "2.2.0", summary: "Watch the given keys to determine execution of the MULTI/EXEC block", complexity: "O(1) for every key.", args: &[key("key", 0).multiple()], handler: Some(multi::watch), ..BASE },
    Command { name: "zadd", arity: -4, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RW", "update"], 1, 0, 1)], history: &[("2.4.0", "Accepts multiple elements."), ("3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."), ("6.2.0", "Added the `GT` and `LT` options.")], group: "sorted-set", since: "1.2.0", summary: "Add one or more members to a sorted set, or update its score if it already exists", complexity: "O(log(N)) for each item added, where N is the number of elements in the sorted set.", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "condition", kind: "oneof", since: "3.0.2", optional: true, subargs: &[Arg { name: "nx", kind: "pure-token", token: "NX", ..ARG }, Arg { name: "xx", kind: "pure-token", token: "XX", ..ARG }], ..ARG }, Arg { name: "comparison", kind: "oneof", since: "6.2.0", optional: true, subargs: &[Arg { name: "gt", kind: "pure-token", token: "GT", ..ARG }, Arg { name: "lt", kind: "pure-token", token: "LT", ..ARG }], ..ARG }, Arg { name: "change", kind: "pure-token", token: "CH", since: "3.0.2", optional: true, ..ARG }, Arg { name: "increment", kind: "pure-token", token: "INCR", since: "3.0.2", optional: true, ..ARG }, Arg { name: "score_member", kind: "block", multiple: true, subargs: &[Arg { name: "score", kind: "double", ..ARG }, Arg { name: "member", kind: "string", ..ARG }], ..ARG }], handler: Some(t_zset::zadd), ..BASE },
    Command { name: "zcard", arity: 2, flags: flag::READONLY | flag::FAST, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RO"], 1, 0, 1)], group: "sorted-set", since: "1.2.0", summary: "Get the number of members in a sorted set", complexity: "O(1)", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }], handler: Some(t_zset::zcard), ..BASE },
    Command { name: "zcount", arity: 4, flags: flag::READONLY | flag::FAST, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, 0, 1)], group: "sorted-set", since: "2.0.0", summary: "Count the members in a sorted set with scores within the given values", complexity: "O(log(N)) with N being the number of elements in the sorted set.", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "min", kind: "double", ..ARG }, Arg { name: "max", kind: "double", ..ARG }], handler: Some(t_zset::zcount), ..BASE },
    Command { name: "zdiff", arity: -3, flags: flag::READONLY | flag::MOVABLE_KEYS, acl: acl::SORTEDSET, key_specs: &[KeySpec { notes: "", flags: &["RO", "access"], begin: BeginSearch::Index(1), find: FindKeys::Keynum { keynumidx: 0, firstkey: 1, keystep: 1 } }], group: "sorted-set", since: "6.2.0", summary: "Subtract multiple sorted sets", complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.", args: &[Arg { name: "numkeys", kind: "integer", ..ARG }, Arg { name: "key", kind: "key", key_spec_index: 0, multiple: true, ..ARG }, Arg { name: "withscores", kind: "pure-token", token: "WITHSCORES", optional: true, ..ARG }], handler: Some(t_zset::zdiff), ..BASE },
    Command { name: "zdiffstore", arity: -4, flags: flag::WRITE | flag::DENYOOM | flag::MOVABLE_KEYS, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["OW", "update"], 1, 0, 1), KeySpec { notes: "", flags: &["RO", "access"], begin: BeginSearch::Index(2), find: FindKeys::Keynum { keynumidx: 0, firstkey: 1, keystep: 1 } }], group: "sorted-set", since: "6.2.0", summary: "Subtract multiple sorted sets and store the resulting sorted set in a new key", complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.", args: &[Arg { name: "destination", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "numkeys", kind: "integer", ..ARG }, Arg { name: "key", kind: "key", key_spec_index: 1, multiple: true, ..ARG }], handler: Some(t_zset::zdiffstore), ..BASE },
    Command { name: "zincrby", arity: 4, flags: flag::WRITE | flag::DENYOOM | flag::FAST, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RW", "access", "update"], 1, 0, 1)], group: "sorted-set", since: "1.2.0", summary: "Increment the score of a member in a sorted set", complexity: "O(log(N)) where N is the number of elements in the sorted set.", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "increment", kind: "integer", ..ARG }, Arg { name: "member", kind: "string", ..ARG }], handler: Some(t_zset::zincrby), ..BASE },
    Command { name: "zinter", arity: -3, flags: flag::READONLY | flag::MOVABLE_KEYS, acl: acl::SORTEDSET, key_specs: &[KeySpec { notes: "", flags: &["RO", "access"], begin: BeginSearch::Index(1), find: FindKeys::Keynum { keynumidx: 0, firstkey: 1, keystep: 1 } }], group: "sorted-set", since: "6.2.0", summary: "Intersect multiple sorted sets", complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.", args: &[Arg { name: "numkeys", kind: "integer", ..ARG }, Arg { name: "key", kind: "key", key_spec_index: 0, multiple: true, ..ARG }, Arg { name: "weight", kind: "integer", token: "WEIGHTS", optional: true, multiple: true, ..ARG }, Arg { name: "aggregate", kind: "oneof", token: "AGGREGATE", optional: true, subargs: &[Arg { name: "sum", kind: "pure-token", token: "SUM", ..ARG }, Arg { name: "min", kind: "pure-token", token: "MIN", ..ARG }, Arg { name: "max", kind: "pure-token", token: "MAX", ..ARG }], ..ARG }, Arg { name: "withscores", kind: "pure-token", token: "WITHSCORES", optional: true, ..ARG }], handler: Some(t_zset::zinter), ..BASE },
    Command { name: "zintercard", arity: -3, flags: flag::READONLY | flag::MOVABLE_KEYS, acl: acl::SORTEDSET, key_specs: &[KeySpec { notes: "", flags: &["RO", "access"], begin: BeginSearch::Index(1), find: FindKeys::Keynum { keynumidx: 0, firstkey: 1, keystep: 1 } }], group: "sorted-set", since: "7.0.0", summary: "Intersect multiple sorted sets and return the cardinality of the result", complexity: "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.", args: &[Arg { name: "numkeys", kind: "integer", ..ARG }, Arg { name: "key", kind: "key", key_spec_index: 0, multiple: true, ..ARG }, Arg { name: "limit", kind: "integer", token: "LIMIT", optional: true, ..ARG }], handler: Some(t_zset::zintercard), ..BASE },
    Command { name: "zinterstore", arity: -4, flags: flag::WRITE | flag::DENYOOM | flag::MOVABLE_KEYS, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["OW", "update"], 1, 0, 1), KeySpec { notes: "", flags: &["RO", "access"], begin: BeginSearch::Index(2), find: FindKeys::Keynum { keynumidx: 0, firstkey: 1, keystep: 1 } }], group: "sorted-set", since: "2.0.0", summary: "Intersect multiple sorted sets and store the resulting sorted set in a new key", complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.", args: &[Arg { name: "destination", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "numkeys", kind: "integer", ..ARG }, Arg { name: "key", kind: "key", key_spec_index: 1, multiple: true, ..ARG }, Arg { name: "weight", kind: "integer", token: "WEIGHTS", optional: true, multiple: true, ..ARG }, Arg { name: "aggregate", kind: "oneof", token: "AGGREGATE", optional: true, subargs: &[Arg { name: "sum", kind: "pure-token", token: "SUM", ..ARG }, Arg { name: "min", kind: "pure-token", token: "MIN", ..ARG }, Arg { name: "max", kind: "pure-token", token: "MAX", ..ARG }], ..ARG }], handler: Some(t_zset::zinterstore), ..BASE },
    Command { name: "zlexcount", arity: 4, flags: flag::READONLY | flag::FAST, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, 0, 1)], group: "sorted-set", since: "2.8.9", summary: "Count the number of members in a sorted set between a given lexicographical range", complexity: "O(log(N)) with N being the number of elements in the sorted set.", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "min", kind: "string", ..ARG }, Arg { name: "max", kind: "string", ..ARG }], handler: Some(t_zset::zlexcount), ..BASE },
    Command { name: "zmpop", arity: -4, flags: flag::WRITE | flag::MOVABLE_KEYS, acl: acl::SORTEDSET, key_specs: &[KeySpec { notes: "", flags: &["RW", "access", "delete"], begin: BeginSearch::Index(1), find: FindKeys::Keynum { keynumidx: 0, firstkey: 1, keystep: 1 } }], group: "sorted-set", since: "7.0.0", summary: "Remove and return members with scores in a sorted set", complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", args: &[Arg { name: "numkeys", kind: "integer", ..ARG }, Arg { name: "key", kind: "key", key_spec_index: 0, multiple: true, ..ARG }, ZWHERE, Arg { name: "count", kind: "integer", token: "COUNT", optional: true, ..ARG }], handler: Some(t_zset::zmpop), ..BASE },
    Command { name: "zmscore", arity: -3, flags: flag::READONLY | flag::FAST, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, 0, 1)], group: "sorted-set", since: "6.2.0", summary: "Get the score associated with the given members in a sorted set", complexity: "O(N) where N is the number of members being requested.", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "member", kind: "string", multiple: true, ..ARG }], handler: Some(t_zset::zmscore), ..BASE },
    Command { name: "zpopmax", arity: -2, flags: flag::WRITE | flag::FAST, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RW", "access", "delete"], 1, 0, 1)], group: "sorted-set", since: "5.0.0", summary: "Remove and return members with the highest scores in a sorted set", complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "count", kind: "integer", optional: true, ..ARG }], handler: Some(t_zset::zpopmax), ..BASE },
    Command { name: "zpopmin", arity: -2, flags: flag::WRITE | flag::FAST, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RW", "access", "delete"], 1, 0, 1)], group: "sorted-set", since: "5.0.0", summary: "Remove and return members with the lowest scores in a sorted set", complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "count", kind: "integer", optional: true, ..ARG }], handler: Some(t_zset::zpopmin), ..BASE },
    Command { name: "zrandmember", arity: -2, flags: flag::READONLY, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, 0, 1)], tips: &["nondeterministic_output"], group: "sorted-set", since: "6.2.0", summary: "Get one or multiple random elements from a sorted set", complexity: "O(N) where N is the number of elements returned", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "options", kind: "block", optional: true, subargs: &[Arg { name: "count", kind: "integer", ..ARG }, Arg { name: "withscores", kind: "pure-token", token: "WITHSCORES", optional: true, ..ARG }], ..ARG }], handler: Some(t_zset::zrandmember), ..BASE },
    Command { name: "zrange", arity: -4, flags: flag::READONLY, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, 0, 1)], history: &[("6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options.")], group: "sorted-set", since: "1.2.0", summary: "Return a range of members in a sorted set", complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "start", kind: "string", ..ARG }, Arg { name: "stop", kind: "string", ..ARG }, Arg { name: "sortby", kind: "oneof", since: "6.2.0", optional: true, subargs: &[Arg { name: "byscore", kind: "pure-token", token: "BYSCORE", ..ARG }, Arg { name: "bylex", kind: "pure-token", token: "BYLEX", ..ARG }], ..ARG }, Arg { name: "rev", kind: "pure-token", token: "REV", since: "6.2.0", optional: true, ..ARG }, Arg { name: "offset_count", kind: "block", token: "LIMIT", since: "6.2.0", optional: true, subargs: &[Arg { name: "offset", kind: "integer", ..ARG }, Arg { name: "count", kind: "integer", ..ARG }], ..ARG }, Arg { name: "withscores", kind: "pure-token", token: "WITHSCORES", optional: true, ..ARG }], handler: Some(t_zset::zrange), ..BASE },
    Command { name: "zrangebylex", arity: -4, flags: flag::READONLY, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, 0, 1)], group: "sorted-set", since: "2.8.9", summary: "Return a range of members in a sorted set, by lexicographical range", complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", doc_flags: &["deprecated"], deprecated_since: "6.2.0", replaced_by: "`ZRANGE` with the `BYLEX` argument", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "min", kind: "string", ..ARG }, Arg { name: "max", kind: "string", ..ARG }, Arg { name: "offset_count", kind: "block", token: "LIMIT", optional: true, subargs: &[Arg { name: "offset", kind: "integer", ..ARG }, Arg { name: "count", kind: "integer", ..ARG }], ..ARG }], handler: Some(t_zset::zrangebylex), ..BASE },
    Command { name: "zrangebyscore", arity: -4, flags: flag::READONLY, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, 0, 1)], history: &[("2.0.0", "Added the `WITHSCORES` modifier.")], group: "sorted-set", since: "1.0.5", summary: "Return a range of members in a sorted set, by score", complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", doc_flags: &["deprecated"], deprecated_since: "6.2.0", replaced_by: "`ZRANGE` with the `BYSCORE` argument", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "min", kind: "double", ..ARG }, Arg { name: "max", kind: "double", ..ARG }, Arg { name: "withscores", kind: "pure-token", token: "WITHSCORES", since: "2.0.0", optional: true, ..ARG }, Arg { name: "offset_count", kind: "block", token: "LIMIT", optional: true, subargs: &[Arg { name: "offset", kind: "integer", ..ARG }, Arg { name: "count", kind: "integer", ..ARG }], ..ARG }], handler: Some(t_zset::zrangebyscore), ..BASE },
    Command { name: "zrangestore", arity: -5, flags: flag::WRITE | flag::DENYOOM, acl: acl::SORTEDSET, first_key: 1, last_key: 2, key_step: 1, key_specs: &[key_range(&["OW", "update"], 1, 0, 1), key_range(&["RO", "access"], 2, 0, 1)], group: "sorted-set", since: "6.2.0", summary: "Store a range of members from sorted set into another key", complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.", args: &[Arg { name: "dst", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "src", kind: "key", key_spec_index: 1, ..ARG }, Arg { name: "min", kind: "string", ..ARG }, Arg { name: "max", kind: "string", ..ARG }, Arg { name: "sortby", kind: "oneof", optional: true, subargs: &[Arg { name: "byscore", kind: "pure-token", token: "BYSCORE", ..ARG }, Arg { name: "bylex", kind: "pure-token", token: "BYLEX", ..ARG }], ..ARG }, Arg { name: "rev", kind: "pure-token", token: "REV", optional: true, ..ARG }, Arg { name: "offset_count", kind: "block", token: "LIMIT", optional: true, subargs: &[Arg { name: "offset", kind: "integer", ..ARG }, Arg { name: "count", kind: "integer", ..ARG }], ..ARG }], handler: Some(t_zset::zrangestore), ..BASE },
    Command { name: "zrank", arity: 3, flags: flag::READONLY | flag::FAST, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, 0, 1)], group: "sorted-set", since: "2.0.0", summary: "Determine the index of a member in a sorted set", complexity: "O(log(N))", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "member", kind: "string", ..ARG }], handler: Some(t_zset::zrank), ..BASE },
    Command { name: "zrem", arity: -3, flags: flag::WRITE | flag::FAST, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RW", "delete"], 1, 0, 1)], history: &[("2.4.0", "Accepts multiple elements.")], group: "sorted-set", since: "1.2.0", summary: "Remove one or more members from a sorted set", complexity: "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "member", kind: "string", multiple: true, ..ARG }], handler: Some(t_zset::zrem), ..BASE },
    Command { name: "zremrangebylex", arity: 4, flags: flag::WRITE, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RW", "delete"], 1, 0, 1)], group: "sorted-set", since: "2.8.9", summary: "Remove all members in a sorted set between the given lexicographical range", complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "min", kind: "string", ..ARG }, Arg { name: "max", kind: "string", ..ARG }], handler: Some(t_zset::zremrangebylex), ..BASE },
    Command { name: "zremrangebyrank", arity: 4, flags: flag::WRITE, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RW", "delete"], 1, 0, 1)], group: "sorted-set", since: "2.0.0", summary: "Remove all members in a sorted set within the given indexes", complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "start", kind: "integer", ..ARG }, Arg { name: "stop", kind: "integer", ..ARG }], handler: Some(t_zset::zremrangebyrank), ..BASE },
    Command { name: "zremrangebyscore", arity: 4, flags: flag::WRITE, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RW", "delete"], 1, 0, 1)], group: "sorted-set", since: "1.2.0", summary: "Remove all members in a sorted set within the given scores", complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "min", kind: "double", ..ARG }, Arg { name: "max", kind: "double", ..ARG }], handler: Some(t_zset::zremrangebyscore), ..BASE },
    Command { name: "zrevrange", arity: -4, flags: flag::READONLY, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, 0, 1)], group: "sorted-set", since: "1.2.0", summary: "Return a range of members in a sorted set, by index, with scores ordered from high to low", complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", doc_flags: &["deprecated"], deprecated_since: "6.2.0", replaced_by: "`ZRANGE` with the `REV` argument", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "start", kind: "integer", ..ARG }, Arg { name: "stop", kind: "integer", ..ARG }, Arg { name: "withscores", kind: "pure-token", token: "WITHSCORES", optional: true, ..ARG }], handler: Some(t_zset::zrevrange), ..BASE },
    Command { name: "zrevrangebylex", arity: -4, flags: flag::READONLY, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, 0, 1)], group: "sorted-set", since: "2.8.9", summary: "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", doc_flags: &["deprecated"], deprecated_since: "6.2.0", replaced_by: "`ZRANGE` with the `REV` and `BYLEX` arguments", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "max", kind: "string", ..ARG }, Arg { name: "min", kind: "string", ..ARG }, Arg { name: "offset_count", kind: "block", token: "LIMIT", optional: true, subargs: &[Arg { name: "offset", kind: "integer", ..ARG }, Arg { name: "count", kind: "integer", ..ARG }], ..ARG }], handler: Some(t_zset::zrevrangebylex), ..BASE },
    Command { name: "zrevrangebyscore", arity: -4, flags: flag::READONLY, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, 0, 1)], history: &[("2.1.6", "`min` and `max` can be exclusive.")], group: "sorted-set", since: "2.2.0", summary: "Return a range of members in a sorted set, by score, with scores ordered from high to low", complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", doc_flags: &["deprecated"], deprecated_since: "6.2.0", replaced_by: "`ZRANGE` with the `REV` and `BYSCORE` arguments", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "max", kind: "double", ..ARG }, Arg { name: "min", kind: "double", ..ARG }, Arg { name: "withscores", kind: "pure-token", token: "WITHSCORES", optional: true, ..ARG }, Arg { name: "offset_count", kind: "block", token: "LIMIT", optional: true, subargs: &[Arg { name: "offset", kind: "integer", ..ARG }, Arg { name: "count", kind: "integer", ..ARG }], ..ARG }], handler: Some(t_zset::zrevrangebyscore), ..BASE },
    Command { name: "zrevrank", arity: 3, flags: flag::READONLY | flag::FAST, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, 0, 1)], group: "sorted-set", since: "2.0.0", summary: "Determine the index of a member in a sorted set, with scores ordered from high to low", complexity: "O(log(N))", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "member", kind: "string", ..ARG }], handler: Some(t_zset::zrevrank), ..BASE },
    Command { name: "zscan", arity: -3, flags: flag::READONLY, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, 0, 1)], tips: &["nondeterministic_output"], group: "sorted-set", since: "2.8.0", summary: "Incrementally iterate sorted sets elements and associated scores", complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "cursor", kind: "integer", ..ARG }, Arg { name: "pattern", kind: "pattern", token: "MATCH", optional: true, ..ARG }, Arg { name: "count", kind: "integer", token: "COUNT", optional: true, ..ARG }], handler: Some(t_zset::zscan), ..BASE },
    Command { name: "zscore", arity: 3, flags: flag::READONLY | flag::FAST, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["RO", "access"], 1, 0, 1)], group: "sorted-set", since: "1.2.0", summary: "Get the score associated with the given member in a sorted set", complexity: "O(1)", args: &[Arg { name: "key", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "member", kind: "string", ..ARG }], handler: Some(t_zset::zscore), ..BASE },
    Command { name: "zunion", arity: -3, flags: flag::READONLY | flag::MOVABLE_KEYS, acl: acl::SORTEDSET, key_specs: &[KeySpec { notes: "", flags: &["RO", "access"], begin: BeginSearch::Index(1), find: FindKeys::Keynum { keynumidx: 0, firstkey: 1, keystep: 1 } }], group: "sorted-set", since: "6.2.0", summary: "Add multiple sorted sets", complexity: "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.", args: &[Arg { name: "numkeys", kind: "integer", ..ARG }, Arg { name: "key", kind: "key", key_spec_index: 0, multiple: true, ..ARG }, Arg { name: "weight", kind: "integer", token: "WEIGHTS", optional: true, multiple: true, ..ARG }, Arg { name: "aggregate", kind: "oneof", token: "AGGREGATE", optional: true, subargs: &[Arg { name: "sum", kind: "pure-token", token: "SUM", ..ARG }, Arg { name: "min", kind: "pure-token", token: "MIN", ..ARG }, Arg { name: "max", kind: "pure-token", token: "MAX", ..ARG }], ..ARG }, Arg { name: "withscores", kind: "pure-token", token: "WITHSCORES", optional: true, ..ARG }], handler: Some(t_zset::zunion), ..BASE },
    Command { name: "zunionstore", arity: -4, flags: flag::WRITE | flag::DENYOOM | flag::MOVABLE_KEYS, acl: acl::SORTEDSET, first_key: 1, last_key: 1, key_step: 1, key_specs: &[key_range(&["OW", "update"], 1, 0, 1), KeySpec { notes: "", flags: &["RO", "access"], begin: BeginSearch::Index(2), find: FindKeys::Keynum { keynumidx: 0, firstkey: 1, keystep: 1 } }], group: "sorted-set", since: "2.0.0", summary: "Add multiple sorted sets and store the resulting sorted set in a new key", complexity: "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.", args: &[Arg { name: "destination", kind: "key", key_spec_index: 0, ..ARG }, Arg { name: "numkeys", kind: "integer", ..ARG }, Arg { name: "key", kind: "key", key_spec_index: 1, multiple: true, ..ARG }, Arg { name: "weight", kind: "integer", token: "WEIGHTS", optional: true, multiple: true, ..ARG }, Arg { name: "aggregate", kind: "oneof", token: "AGGREGATE", optional: true, subargs: &[Arg { name: "sum", kind: "pure-token", token: "SUM", ..ARG }, Arg { name: "min", kind: "pure-token", token: "MIN", ..ARG }, Arg { name: "max", kind: "pure-token", token: "MAX", ..ARG }], ..ARG }], handler: Some(t_zset::zunionstore), ..BASE },
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

/// The dispatch index: top-level commands by lower-cased name in an
/// open-addressed table, built once per `run` (it lives in `Server`, so it
/// never outlives this library). Dispatch is the hottest lookup of the
/// server: a binary search over the table touches ~6 entries of 240 bytes
/// and folds case byte by byte at each; this is one hash and one compare.
pub struct CommandIndex {
    slots: Vec<Option<&'static Command>>,
}

/// Longest command name the index folds on the stack (longer: not a command).
const MAX_NAME: usize = 32;

impl CommandIndex {
    pub fn new() -> CommandIndex {
        let size = (COMMANDS.len() * 4).next_power_of_two();
        let mut slots = vec![None; size];
        for c in COMMANDS {
            debug_assert!(c.name.len() <= MAX_NAME);
            let mut i = Self::hash(c.name.as_bytes()) as usize & (size - 1);
            while slots[i].is_some() {
                i = (i + 1) & (size - 1);
            }
            slots[i] = Some(c);
        }
        CommandIndex { slots }
    }

    #[inline]
    fn hash(lower: &[u8]) -> u64 {
        hotkv_abi::hash::hash_bytes(0x636d_6473, lower)
    }

    /// The top-level command called `name`, in any case.
    #[inline]
    pub fn get(&self, name: &[u8]) -> Option<&'static Command> {
        if name.len() > MAX_NAME {
            return None;
        }
        let mut buf = [0u8; MAX_NAME];
        let lower = &mut buf[..name.len()];
        lower.copy_from_slice(name);
        lower.make_ascii_lowercase();
        let mask = self.slots.len() - 1;
        let mut i = Self::hash(lower) as usize & mask;
        while let Some(c) = self.slots[i] {
            if c.name.as_bytes() == lower {
                return Some(c);
            }
            i = (i + 1) & mask;
        }
        None
    }
}

/// Redis's arity rule: exactly `arity` arguments, or at least `-arity`.
pub fn arity_wrong(arity: i32, argc: usize) -> bool {
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

/// What CLIENT LIST shows as `cmd=`: Redis shows NULL after a command it
/// could not find, and EXEC (not the queued ones) after a transaction.
fn set_last_cmd(c: &mut Client, name: &[u8]) {
    c.last_cmd.clear();
    c.last_cmd.extend_from_slice(name);
}

/// Finds the command of `argv` (a subcommand for containers) and checks
/// its arity: (top-level command, command to run), or the error text
/// with the name CLIENT LIST shows after it.
pub fn resolve(srv: &Server, argv: &[&[u8]]) -> Result<(&'static Command, &'static Command), (String, String)> {
    let name = argv[0];
    let Some(top) = srv.commands.get(name) else {
        let n = String::from_utf8_lossy(&name[..name.len().min(128)]).into_owned();
        return Err(("NULL".into(), format!("unknown command '{n}', with args beginning with: {}", args_preview(&argv[1..]))));
    };
    let mut cmd = top;
    if !top.subcommands.is_empty() && argv.len() >= 2 {
        match lookup(top.subcommands, argv[1]) {
            Some(sub) => cmd = sub,
            None => {
                let sub = String::from_utf8_lossy(&argv[1][..argv[1].len().min(128)]).into_owned();
                return Err(("NULL".into(), format!("unknown subcommand '{sub}'. Try {} HELP.", top.name.to_ascii_uppercase())));
            }
        }
    }
    if arity_wrong(cmd.arity, argv.len()) || cmd.handler.is_none() {
        let full = if std::ptr::eq(cmd, top) { top.name.to_string() } else { format!("{}|{}", top.name, cmd.name) };
        let msg = format!("wrong number of arguments for '{full}' command");
        return Err((full, msg));
    }
    Ok((top, cmd))
}

/// Replies `msg` as a refused command (Redis's `rejectCommand`): inside
/// MULTI the transaction is then doomed to EXECABORT. A refused EXEC
/// (`name`) ends the transaction at once, MULTI or not, as Redis's
/// `execCommandAbort` (so it also unwatches).
fn reject(srv: &mut Server, c: &mut Client, name: &str, msg: &str) {
    multi::flag_transaction(c);
    if name == "exec" {
        multi::discard_transaction(srv, c);
        c.add_error(&format!("-EXECABORT Transaction discarded because of: {}", msg.trim_start_matches('-')));
    } else {
        c.add_error(msg);
    }
    srv.st.stats.total_error_replies += 1;
}

/// Looks up and runs one command (Redis's `processCommand`): inside MULTI,
/// commands other than the transaction's own are checked and queued.
pub fn execute(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let (top, cmd) = match resolve(srv, argv) {
        Ok(found) => found,
        Err((name, e)) => {
            set_last_cmd(c, name.as_bytes());
            return reject(srv, c, &name, &e);
        }
    };
    // The full name ("get", "client|list") names the command in CLIENT
    // LIST; built in place, without allocating.
    set_last_cmd(c, top.name.as_bytes());
    if !std::ptr::eq(cmd, top) {
        c.last_cmd.push(b'|');
        c.last_cmd.extend_from_slice(cmd.name.as_bytes());
    }
    if cmd.flags & flag::NO_AUTH == 0 && crate::acl::auth_required(srv, c) {
        return reject(srv, c, cmd.name, "-NOAUTH Authentication required.");
    }
    if let Some(e) = crate::acl::check(srv, c, cmd, (!std::ptr::eq(cmd, top)).then_some(top), argv) {
        return reject(srv, c, cmd.name, &e);
    }
    let in_multi = c.flags & cf::MULTI != 0;
    if in_multi && cmd.flags & flag::NO_MULTI != 0 {
        return reject(srv, c, cmd.name, "Command not allowed inside a transaction");
    }
    // The commands of MULTI itself run at once; QUIT too.
    let transaction_cmd = in_multi && matches!(cmd.name, "exec" | "discard" | "multi" | "watch" | "quit" | "reset");
    // maxmemory with the noeviction policy (the only one so far): commands
    // that may add memory are refused while used memory is above it; inside
    // MULTI every command is (queueing takes memory) except EXEC, DISCARD
    // and QUIT, and EXEC is when it runs such a command.
    let maxmemory = srv.cfg.maxmemory;
    if maxmemory > 0 {
        let queueing = in_multi && !matches!(cmd.name, "exec" | "discard" | "quit");
        let denyoom = cmd.flags & flag::DENYOOM != 0 || queueing || (cmd.name == "exec" && queued_any(srv, c, flag::DENYOOM));
        if denyoom && crate::host::used_memory() as u64 > maxmemory {
            return reject(srv, c, cmd.name, "-OOM command not allowed when used memory > 'maxmemory'.");
        }
    }
    // Writes (and PING, as Redis: a health check should see it) while the
    // data cannot be persisted.
    if let Some(e) = crate::persist::write_denied_by_disk_error(srv) {
        if cmd.flags & flag::WRITE != 0 || cmd.name == "ping" || (cmd.name == "exec" && queued_any(srv, c, flag::WRITE)) {
            return reject(srv, c, cmd.name, &e);
        }
    }
    if let Some(e) = crate::pubsub::subscriber_mode_error(c, top.name) {
        return reject(srv, c, cmd.name, &e);
    }
    if client::must_postpone(srv, c, cmd) {
        return blocking::postpone(srv, c);
    }
    if in_multi && !transaction_cmd {
        return multi::queue(c, argv);
    }
    call(srv, c, cmd, argv);
}

/// True if a queued command has one of `flags` (Redis's
/// `mstate.cmd_flags`: CMD_DENYOOM for maxmemory, writes for a pause).
pub fn queued_any(srv: &Server, c: &Client, flags: u32) -> bool {
    c.mstate.commands.iter().any(|q| {
        let argv: Vec<&[u8]> = q.iter().map(|a| &a[..]).collect();
        resolve(srv, &argv).is_ok_and(|(_, cmd)| cmd.flags & flags != 0)
    })
}

/// Runs a command queued by MULTI, from EXEC: checked again, as the table
/// may have changed since it was queued (an UPGRADE in between).
pub fn call_queued(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    match resolve(srv, argv) {
        Ok((_, cmd)) => call(srv, c, cmd, argv),
        Err((_, e)) => {
            c.add_error(&e);
            srv.st.stats.total_error_replies += 1;
        }
    }
}

/// Runs a checked command (Redis's `call`) and counts it.
fn call(srv: &mut Server, c: &mut Client, cmd: &Command, argv: &[&[u8]]) {
    let before = c.reply.len();
    run(srv, c, cmd.handler.unwrap(), argv);
    srv.st.stats.total_commands_processed += 1;
    c.commands += 1;
    if c.reply.get(before) == Some(&b'-') {
        srv.st.stats.total_error_replies += 1;
    }
}

/// Runs a command's handler, then what follows its writes: the clients
/// whose watched keys it modified are marked, its keyspace events are
/// published. Also how a blocked command runs again, which Redis 7.0 does
/// not count as a new command.
pub fn run(srv: &mut Server, c: &mut Client, handler: Handler, argv: &[&[u8]]) {
    let before = c.reply.len();
    let frame = srv.prop.on.then(|| crate::propagate::enter(srv, c.db));
    // A panic in a command is a bug in this library, not a reason to take the
    // server down: the client gets an error, the server goes on. The state
    // is whatever the handler left (handlers validate before they change).
    if let Err(p) = catch_unwind(AssertUnwindSafe(|| handler(srv, c, argv))) {
        c.reply.truncate(before);
        let full = String::from_utf8_lossy(&c.last_cmd).into_owned();
        c.add_error(&format!("internal error in '{full}': {}", crate::host::panic_message(&*p)));
    }
    if !srv.touched.is_empty() {
        multi::apply_touches(srv, Some(&mut *c));
    }
    if !srv.events.is_empty() {
        crate::notify::flush(srv, Some(&mut *c));
    }
    if let Some(f) = frame {
        crate::propagate::leave(srv, f, argv);
    }
}

/// The keys of a command line, from its legacy key positions (key
/// extraction for COMMAND GETKEYS and, later, ACL and cluster checks).
pub fn command_keys<'a>(cmd: &Command, argv: &[&'a [u8]]) -> Vec<&'a [u8]> {
    let mut keys = Vec::new();
    if cmd.key_specs.iter().any(|s| matches!(s.find, FindKeys::Keynum { .. })) {
        // Keys counted by an argument (LMPOP, ZUNION, ...), as Redis's
        // `genericGetKeys`: a count below 1 or past the arguments finds
        // none; a STORE form's destination (a one-key spec) comes first.
        for spec in cmd.key_specs {
            match (&spec.begin, &spec.find) {
                (BeginSearch::Index(begin), FindKeys::Keynum { keynumidx, firstkey, keystep }) => {
                    let (begin, step) = (*begin as usize, (*keystep).max(1) as usize);
                    let first = begin + *firstkey as usize;
                    let n = argv.get(begin + *keynumidx as usize).and_then(|a| crate::util::parse_i64(a)).unwrap_or(0);
                    if n < 1 || n as u64 > (argv.len().saturating_sub(first) / step) as u64 {
                        return Vec::new();
                    }
                    keys.extend((0..n as usize).map(|k| argv[first + k * step]));
                }
                (BeginSearch::Index(i), FindKeys::Range { lastkey: 0, .. }) => keys.extend(argv.get(*i as usize)),
                _ => {}
            }
        }
        return keys;
    }
    // Movable keys: SORT's STORE destination (Redis's `sortGetKeys`).
    if cmd.flags & flag::MOVABLE_KEYS != 0 && cmd.name == "sort" {
        keys.push(argv[1]);
        keys.extend(sort::store_key_pos(argv).map(|i| argv[i]));
        return keys;
    }
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
                // A container may have a handler of its own (COMMAND does).
                assert!(c.handler.is_some() || !c.subcommands.is_empty(), "{}", c.name);
                check(c.subcommands);
            }
        }
        check(COMMANDS);
        assert!(lookup(COMMANDS, b"GeT").is_some());
        assert!(lookup(COMMANDS, b"nosuch").is_none());
        let index = CommandIndex::new();
        for c in COMMANDS {
            assert!(std::ptr::eq(index.get(c.name.to_ascii_uppercase().as_bytes()).unwrap(), c), "{}", c.name);
        }
        assert!(index.get(b"nosuch").is_none());
        assert!(index.get(&[b'a'; 100]).is_none());
    }

    #[test]
    fn keys_from_positions() {
        let set = lookup(COMMANDS, b"set").unwrap();
        assert_eq!(command_keys(set, &[b"set", b"k", b"v"]), vec![&b"k"[..]]);
        let ping = lookup(COMMANDS, b"ping").unwrap();
        assert!(command_keys(ping, &[b"ping", b"x"]).is_empty());
        let sort = lookup(COMMANDS, b"sort").unwrap();
        assert_eq!(command_keys(sort, &[b"sort", b"k", b"GET", b"store", b"STORE", b"d", b"store", b"e"]), vec![&b"k"[..], b"e"]);
    }
}
