//! COMMAND: the command table as clients see it (Redis's `commandCommand`
//! family). INFO gives Redis 7's ten-field description of a command, DOCS
//! what clients build hints from, LIST and COUNT the names, GETKEYS the keys
//! of a command line. Everything is rendered from [`COMMANDS`].

use crate::commands::{self, acl, flag, Arg, BeginSearch, Command, FindKeys, KeySpec, COMMANDS};
use crate::reply::{err, Reply, Scratch};
use crate::server::Server;
use crate::util::{eq_ic, glob_match};
use hotkv_abi::state::Client;

/// Finds a command by its full name (`get`, `client|list`), any case, like
/// Redis's `lookupCommandBySds`; also returns the canonical full name.
pub fn lookup_full(name: &[u8]) -> Option<(String, &'static Command)> {
    let mut parts = name.split(|&b| b == b'|');
    let base = commands::lookup(COMMANDS, parts.next()?)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some((base.name.to_string(), base)),
        (Some(sub), None) if !base.subcommands.is_empty() => {
            let sub = commands::lookup(base.subcommands, sub)?;
            Some((format!("{}|{}", base.name, sub.name), sub))
        }
        _ => None,
    }
}

fn sub_name(parent: &str, sub: &Command) -> String {
    format!("{parent}|{}", sub.name)
}

/// The pairs of a map whose size is known once written (Redis's
/// `addReplyDeferredLen`): fields go to a scratch buffer, `finish` writes
/// the map header and the buffer.
struct Fields {
    buf: Scratch,
    pairs: usize,
}

impl Fields {
    /// The fields of a map for `out`, in its protocol.
    fn new(out: &impl Reply) -> Fields {
        Fields { buf: Scratch::new(out.resp()), pairs: 0 }
    }

    /// Starts a field; its value is written into `self.buf` next.
    fn key(&mut self, k: &str) -> &mut Scratch {
        self.pairs += 1;
        self.buf.add_bulk(k.as_bytes());
        &mut self.buf
    }

    /// A text field, left out when empty.
    fn text(&mut self, k: &str, v: &str) {
        if !v.is_empty() {
            self.key(k).add_bulk(v.as_bytes());
        }
    }

    /// A list of status words, left out when empty.
    fn words(&mut self, k: &str, v: &[&str]) {
        if !v.is_empty() {
            add_words(self.key(k), v);
        }
    }

    fn finish(self, out: &mut impl Reply) {
        out.add_map(self.pairs);
        out.add_raw(&self.buf.buf);
    }
}

/// A set of status words (flags).
fn add_words(out: &mut impl Reply, words: &[&str]) {
    out.add_set(words.len());
    for w in words {
        out.add_simple(w.as_bytes());
    }
}

/// The names of the bits set in `bits`, in the table's order.
fn add_bit_names(out: &mut impl Reply, bits: u32, names: &[(u32, &str)], prefix: &str) {
    let set: Vec<String> = names.iter().filter(|(b, _)| bits & b != 0).map(|(_, n)| format!("{prefix}{n}")).collect();
    out.add_set(set.len());
    for n in &set {
        out.add_simple(n.as_bytes());
    }
}

/// A map of one (name, integer) pair per entry.
fn add_int_map(out: &mut impl Reply, pairs: &[(&str, i32)]) {
    out.add_map(pairs.len());
    for (k, v) in pairs {
        out.add_bulk(k.as_bytes());
        out.add_int(*v as i64);
    }
}

/// `{type: kind, spec: {...}}` of a key spec's begin_search or find_keys.
fn add_typed_spec(out: &mut impl Reply, kind: &str, spec: &[(&str, i32)]) {
    out.add_map(2);
    out.add_bulk(b"type");
    out.add_bulk(kind.as_bytes());
    out.add_bulk(b"spec");
    add_int_map(out, spec);
}

fn add_key_spec(out: &mut impl Reply, ks: &KeySpec) {
    let mut f = Fields::new(out);
    f.text("notes", ks.notes);
    add_words(f.key("flags"), ks.flags);
    let begin = f.key("begin_search");
    match ks.begin {
        BeginSearch::Index(i) => add_typed_spec(begin, "index", &[("index", i)]),
        BeginSearch::Unknown => add_typed_spec(begin, "unknown", &[]),
    }
    let find = f.key("find_keys");
    match ks.find {
        FindKeys::Range { lastkey, keystep, limit } => add_typed_spec(find, "range", &[("lastkey", lastkey), ("keystep", keystep), ("limit", limit)]),
        FindKeys::Keynum { keynumidx, firstkey, keystep } => {
            add_typed_spec(find, "keynum", &[("keynumidx", keynumidx), ("firstkey", firstkey), ("keystep", keystep)])
        }
        FindKeys::Unknown => add_typed_spec(find, "unknown", &[]),
    }
    f.finish(out);
}

/// COMMAND INFO's description of one command (Redis's `addReplyCommandInfo`).
pub fn add_info(out: &mut impl Reply, cmd: &Command, fullname: &str) {
    out.add_array(10);
    out.add_bulk(fullname.as_bytes());
    out.add_int(cmd.arity as i64);
    add_bit_names(out, cmd.flags, flag::NAMES, "");
    out.add_int(cmd.first_key as i64);
    out.add_int(cmd.last_key as i64);
    out.add_int(cmd.key_step as i64);
    add_bit_names(out, cmd.acl_categories(), acl::NAMES, "@");
    out.add_set(cmd.tips.len());
    for t in cmd.tips {
        out.add_bulk(t.as_bytes());
    }
    out.add_set(cmd.key_specs.len());
    for ks in cmd.key_specs {
        add_key_spec(out, ks);
    }
    // Redis 7.0 sends "no subcommands" as an empty set, a list as an array.
    if cmd.subcommands.is_empty() {
        out.add_set(0);
    } else {
        out.add_array(cmd.subcommands.len());
    }
    for sub in cmd.subcommands {
        add_info(out, sub, &sub_name(fullname, sub));
    }
}

fn add_args(out: &mut impl Reply, args: &[Arg]) {
    out.add_array(args.len());
    for a in args {
        let mut f = Fields::new(out);
        f.text("name", a.name);
        f.text("type", a.kind);
        if a.key_spec_index >= 0 {
            f.key("key_spec_index").add_int(a.key_spec_index as i64);
        }
        f.text("token", a.token);
        f.text("summary", a.summary);
        f.text("since", a.since);
        f.text("deprecated_since", a.deprecated_since);
        let flags: Vec<&str> = [(a.optional, "optional"), (a.multiple, "multiple"), (a.multiple_token, "multiple_token")]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, n)| *n)
            .collect();
        f.words("flags", &flags);
        if a.kind == "oneof" || a.kind == "block" {
            add_args(f.key("arguments"), a.subargs);
        }
        f.finish(out);
    }
}

/// COMMAND DOCS's description of one command (Redis's `addReplyCommandDocs`).
pub fn add_docs(out: &mut impl Reply, cmd: &Command, fullname: &str) {
    let mut f = Fields::new(out);
    f.text("summary", cmd.summary);
    f.text("since", cmd.since);
    f.key("group").add_bulk(cmd.group.as_bytes());
    f.text("complexity", cmd.complexity);
    f.words("doc_flags", cmd.doc_flags);
    f.text("deprecated_since", cmd.deprecated_since);
    f.text("replaced_by", cmd.replaced_by);
    if !cmd.history.is_empty() {
        let h = f.key("history");
        h.add_set(cmd.history.len());
        for (version, change) in cmd.history {
            h.add_array(2);
            h.add_bulk(version.as_bytes());
            h.add_bulk(change.as_bytes());
        }
    }
    if !cmd.args.is_empty() {
        add_args(f.key("arguments"), cmd.args);
    }
    if !cmd.subcommands.is_empty() {
        let subs = f.key("subcommands");
        subs.add_map(cmd.subcommands.len());
        for sub in cmd.subcommands {
            let name = sub_name(fullname, sub);
            subs.add_bulk(name.as_bytes());
            add_docs(subs, sub, &name);
        }
    }
    f.finish(out);
}

/// COMMAND: every command's INFO.
pub fn command(_srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    c.add_array(COMMANDS.len());
    for cmd in COMMANDS {
        add_info(c, cmd, cmd.name);
    }
}

/// COMMAND COUNT
pub fn count(_srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    c.add_int(COMMANDS.len() as i64);
}

/// COMMAND INFO [name ...]: unknown names get a nil entry.
pub fn info(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    if argv.len() == 2 {
        return command(srv, c, argv);
    }
    c.add_array(argv.len() - 2);
    for name in &argv[2..] {
        match lookup_full(name) {
            Some((full, cmd)) => add_info(c, cmd, &full),
            None => c.add_null(),
        }
    }
}

/// COMMAND DOCS [name ...]: a map by full name; unknown names are left out.
pub fn docs(_srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let found: Vec<(String, &Command)> = if argv.len() == 2 {
        COMMANDS.iter().map(|cmd| (cmd.name.to_string(), cmd)).collect()
    } else {
        argv[2..].iter().filter_map(|n| lookup_full(n)).collect()
    };
    c.add_map(found.len());
    for (name, cmd) in found {
        c.add_bulk(name.as_bytes());
        add_docs(c, cmd, &name);
    }
}

/// What COMMAND LIST FILTERBY keeps.
enum Filter<'a> {
    All,
    /// No module is ever loaded: nothing matches.
    Module,
    AclCategory(u32),
    Pattern(&'a [u8]),
}

impl Filter<'_> {
    fn keeps(&self, cmd: &Command, fullname: &str) -> bool {
        match self {
            Filter::All => true,
            Filter::Module => false,
            Filter::AclCategory(cat) => cmd.acl_categories() & cat != 0,
            Filter::Pattern(p) => glob_match(p, fullname.as_bytes(), true),
        }
    }
}

/// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]:
/// full names of commands and subcommands.
pub fn list(_srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let filter = match &argv[2..] {
        [] => Filter::All,
        [by, kind, value] if eq_ic(by, b"filterby") => match kind.to_ascii_lowercase().as_slice() {
            b"module" => Filter::Module,
            // An unknown category matches nothing, as in Redis.
            b"aclcat" => Filter::AclCategory(acl::NAMES.iter().find(|(_, n)| eq_ic(n.as_bytes(), value)).map_or(0, |(b, _)| *b)),
            b"pattern" => Filter::Pattern(value),
            _ => return c.add_error(err::SYNTAX),
        },
        _ => return c.add_error(err::SYNTAX),
    };
    let mut names = Vec::new();
    for cmd in COMMANDS {
        if filter.keeps(cmd, cmd.name) {
            names.push(cmd.name.to_string());
        }
        for sub in cmd.subcommands {
            let full = sub_name(cmd.name, sub);
            if filter.keeps(sub, &full) {
                names.push(full);
            }
        }
    }
    c.add_array(names.len());
    for n in &names {
        c.add_bulk(n.as_bytes());
    }
}

/// COMMAND GETKEYS command [arg ...]
pub fn getkeys(_srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let line = &argv[2..];
    let mut cmd = commands::lookup(COMMANDS, line[0]);
    if let Some(base) = cmd.filter(|b| !b.subcommands.is_empty()) {
        cmd = commands::lookup(base.subcommands, line[1]);
    }
    let Some(cmd) = cmd else {
        return c.add_error("Invalid command specified");
    };
    if cmd.key_specs.is_empty() {
        return c.add_error("The command has no key arguments");
    }
    if commands::arity_wrong(cmd.arity, line.len()) {
        return c.add_error("Invalid number of arguments specified for command");
    }
    let keys = commands::command_keys(cmd, line);
    if keys.is_empty() && cmd.flags & flag::NO_MANDATORY_KEYS == 0 {
        return c.add_error("Invalid arguments specified for command");
    }
    c.add_array(keys.len());
    for k in keys {
        c.add_bulk(k);
    }
}

const HELP: &[&str] = &[
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
];

/// COMMAND HELP
pub fn help(_srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    c.add_help(argv[0], HELP);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_names() {
        assert_eq!(lookup_full(b"GET").map(|(n, _)| n), Some("get".to_string()));
        assert_eq!(lookup_full(b"Client|SetName").map(|(n, _)| n), Some("client|setname".to_string()));
        assert!(lookup_full(b"client|").is_none());
        assert!(lookup_full(b"get|x").is_none());
        assert!(lookup_full(b"client|list|x").is_none());
    }

    /// What a renderer writes for the command `name`.
    fn rendered(render: fn(&mut Scratch, &Command, &str), name: &str) -> String {
        let mut out = Scratch::new(2);
        render(&mut out, lookup_full(name.as_bytes()).unwrap().1, name);
        String::from_utf8(out.buf).unwrap()
    }

    #[test]
    fn info_and_docs_as_redis_sends_them() {
        // Captured from redis-server 7.0.15.
        let info_get = "*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n";
        assert_eq!(rendered(add_info, "get"), info_get);
        let docs_info = "*12\r\n$7\r\nsummary\r\n$47\r\nGet information and statistics about the server\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nserver\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$7\r\nhistory\r\n*1\r\n*2\r\n$5\r\n7.0.0\r\n$52\r\nAdded support for taking multiple section arguments.\r\n$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$7\r\nsection\r\n$4\r\ntype\r\n$6\r\nstring\r\n$5\r\nflags\r\n*2\r\n+optional\r\n+multiple\r\n";
        assert_eq!(rendered(add_docs, "info"), docs_info);
    }
}
