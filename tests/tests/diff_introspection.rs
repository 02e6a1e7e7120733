//! Introspection and connection-admin commands against redis-server 7.0:
//! COMMAND INFO/DOCS for every command of our table (read from our own
//! COMMAND LIST, so commands added later are covered too), COMMAND COUNT,
//! CLIENT, CONFIG GET and HELLO. Replies are compared as raw RESP bytes
//! wherever Redis's reply is deterministic.

use hotkv_tests::*;
use std::collections::BTreeSet;

/// Commands Redis does not have.
const HOTKV_ONLY: &[&str] = &["upgrade", "aof"];

/// Commands of Redis versions after the reference 7.0: their metadata is
/// the later version's (checked in `newer_commands_carry_their_metadata`).
const NEWER_THAN_7_0: &[&str] = &["waitaof"];

/// One RESP2 value with the exact bytes it was sent as.
#[derive(Debug, Clone)]
struct Resp {
    raw: Vec<u8>,
    /// `+ - : $ *`
    kind: u8,
    /// Text of simple strings, errors, integers and bulks.
    text: Vec<u8>,
    /// Elements of an array.
    items: Vec<Resp>,
    null: bool,
}

impl Resp {
    fn str(&self) -> String {
        String::from_utf8_lossy(&self.text).into_owned()
    }

    fn raw_str(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }

    /// A RESP2 map (flat array) as (key, value) pairs.
    fn pairs(&self) -> Vec<(String, &Resp)> {
        assert_eq!(self.kind, b'*', "not a map: {}", self.raw_str());
        self.items.chunks(2).map(|kv| (kv[0].str(), &kv[1])).collect()
    }
}

fn parse_at(buf: &[u8], pos: usize) -> (Resp, usize) {
    let eol = pos + buf[pos..].windows(2).position(|w| w == b"\r\n").expect("incomplete reply");
    let line = &buf[pos + 1..eol];
    let after = eol + 2;
    let mut v = Resp { raw: Vec::new(), kind: buf[pos], text: Vec::new(), items: Vec::new(), null: false };
    let end = match v.kind {
        b'+' | b'-' | b':' => {
            v.text = line.to_vec();
            after
        }
        b'$' => {
            let n: i64 = std::str::from_utf8(line).unwrap().parse().unwrap();
            if n < 0 {
                v.null = true;
                after
            } else {
                v.text = buf[after..after + n as usize].to_vec();
                after + n as usize + 2
            }
        }
        b'*' => {
            let n: i64 = std::str::from_utf8(line).unwrap().parse().unwrap();
            v.null = n < 0;
            let mut p = after;
            for _ in 0..n.max(0) {
                let (item, next) = parse_at(buf, p);
                v.items.push(item);
                p = next;
            }
            p
        }
        k => panic!("bad RESP type byte {k:?} in {}", String::from_utf8_lossy(buf)),
    };
    v.raw = buf[pos..end].to_vec();
    (v, end)
}

/// Parses every reply in `buf`.
fn parse_all(buf: &[u8]) -> Vec<Resp> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        let (v, next) = parse_at(buf, pos);
        out.push(v);
        pos = next;
    }
    out
}


/// Sends the commands in one pipeline on one connection; returns the raw
/// bytes of all replies.
fn pipeline(port: u16, cmds: &[&[&str]]) -> Vec<u8> {
    let mut req = Vec::new();
    for c in cmds {
        let args: Vec<&[u8]> = c.iter().map(|a| a.as_bytes()).collect();
        req.extend(resp(&args));
    }
    raw_roundtrip(port, &req, cmds.len())
}

fn ask(port: u16, args: &[&str]) -> Resp {
    let raw = pipeline(port, &[args]);
    let mut v = parse_all(&raw);
    assert_eq!(v.len(), 1, "one reply to {args:?}: {}", String::from_utf8_lossy(&raw));
    v.remove(0)
}

/// Asserts both servers answer the pipeline with the same bytes.
fn same_replies(hk: &Proc, rd: &Proc, cmds: &[&[&str]]) {
    let ours = parse_all(&pipeline(hk.port, cmds));
    let theirs = parse_all(&pipeline(rd.port, cmds));
    assert_eq!(ours.len(), cmds.len(), "hotkv replied {ours:?}");
    assert_eq!(theirs.len(), cmds.len(), "redis replied {theirs:?}");
    for ((cmd, o), t) in cmds.iter().zip(&ours).zip(&theirs) {
        assert_eq!(o.raw_str(), t.raw_str(), "reply to {cmd:?}");
    }
}

/// hotkv and the reference redis-server.
fn servers() -> (Proc, Proc) {
    (start_hotkv(&[]), start_redis())
}

/// Our command names, subcommands as `container|sub`.
fn our_command_names(hk: &Proc) -> Vec<String> {
    ask(hk.port, &["COMMAND", "LIST"]).items.iter().map(|i| i.str()).collect()
}

/// Not in Redis 7.0: ours alone, or of a later Redis.
fn hotkv_only(name: &str) -> bool {
    let top = name.split('|').next().unwrap();
    HOTKV_ONLY.contains(&top) || NEWER_THAN_7_0.contains(&top)
}

/// Each of our subcommand entries equals Redis's entry of the same name
/// (Redis lists subcommands in hash order and has more of them).
fn same_subcommands(what: &str, ours: &[(String, &Resp)], theirs: &[(String, &Resp)]) {
    for (name, o) in ours {
        let t = theirs.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("{what}: redis has no subcommand {name}"));
        assert_eq!(o.raw_str(), t.1.raw_str(), "{what}: subcommand {name}");
    }
}

/// The subcommand entries of a COMMAND INFO entry, by full name.
fn subcommand_infos(info: &Resp) -> Vec<(String, &Resp)> {
    info.items[9].items.iter().map(|s| (s.items[0].str(), s)).collect()
}

fn compare_info(name: &str, o: &Resp, t: &Resp) {
    assert!(!t.null, "redis has no command '{name}' (add it to HOTKV_ONLY if it is ours alone)");
    assert!(!o.null, "hotkv has no command '{name}'");
    if o.items[9].items.is_empty() {
        assert_eq!(o.raw_str(), t.raw_str(), "COMMAND INFO {name}");
        return;
    }
    for i in 0..9 {
        assert_eq!(o.items[i].raw_str(), t.items[i].raw_str(), "COMMAND INFO {name}, field {}", i + 1);
    }
    same_subcommands(&format!("COMMAND INFO {name}"), &subcommand_infos(o), &subcommand_infos(t));
}

fn compare_docs(name: &str, o: &Resp, t: &Resp) {
    let (o, t) = (o.pairs(), t.pairs());
    assert_eq!(t.len(), 1, "redis has no docs for '{name}'");
    assert_eq!(o.len(), 1, "hotkv has no docs for '{name}'");
    assert_eq!(o[0].0, t[0].0);
    let (od, td) = (o[0].1.pairs(), t[0].1.pairs());
    let keys = |d: &[(String, &Resp)]| d.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&od), keys(&td), "COMMAND DOCS {name}: fields");
    for ((k, ov), (_, tv)) in od.iter().zip(&td) {
        if k == "subcommands" {
            same_subcommands(&format!("COMMAND DOCS {name}"), &ov.pairs(), &tv.pairs());
        } else {
            assert_eq!(ov.raw_str(), tv.raw_str(), "COMMAND DOCS {name}: {k}");
        }
    }
}

#[test]
fn command_info_and_docs_match_redis_for_every_command() {
    let (hk, rd) = servers();
    let names = our_command_names(&hk);
    assert!(names.len() > 10, "{names:?}");
    for name in names.iter().filter(|n| !hotkv_only(n)) {
        let (o, t) = (ask(hk.port, &["COMMAND", "INFO", name]), ask(rd.port, &["COMMAND", "INFO", name]));
        compare_info(name, &o.items[0], &t.items[0]);
        let (o, t) = (ask(hk.port, &["COMMAND", "DOCS", name]), ask(rd.port, &["COMMAND", "DOCS", name]));
        compare_docs(name, &o, &t);
        // Names are looked up in any case.
        let lower = ask(hk.port, &["COMMAND", "INFO", name]);
        assert_eq!(ask(hk.port, &["COMMAND", "INFO", &name.to_ascii_uppercase()]).raw, lower.raw, "{name}");
    }
    // The hotkv-only commands are described too.
    for name in names.iter().filter(|n| hotkv_only(n)) {
        let o = ask(hk.port, &["COMMAND", "INFO", name]);
        assert_eq!(o.items[0].items[0].str(), *name);
    }
}

/// WAITAOF's COMMAND INFO and DOCS as Redis 7.2 gives them.
#[test]
fn newer_commands_carry_their_metadata() {
    let hk = start_hotkv(&[]);
    let info = ask(hk.port, &["COMMAND", "INFO", "waitaof"]);
    let expected = "*10\r\n$7\r\nwaitaof\r\n:4\r\n*1\r\n+noscript\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@slow\r\n+@connection\r\n*2\r\n$25\r\nrequest_policy:all_shards\r\n$23\r\nresponse_policy:agg_min\r\n*0\r\n*0\r\n";
    assert_eq!(info.items[0].raw_str(), expected);
    let docs = ask(hk.port, &["COMMAND", "DOCS", "waitaof"]).pairs()[0].1.pairs().into_iter().map(|(k, v)| (k, v.raw_str())).collect::<Vec<_>>();
    let field = |k: &str| docs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("no {k} in {docs:?}"));
    assert_eq!(field("summary"), "$138\r\nBlocks until all of the preceding write commands sent by the connection are written to the append-only file of the master and/or replicas.\r\n");
    assert_eq!(field("since"), "$5\r\n7.2.0\r\n");
    assert_eq!(field("group"), "$7\r\ngeneric\r\n");
    assert_eq!(field("complexity"), "$4\r\nO(1)\r\n");
    let args = field("arguments");
    for name in ["numlocal", "numreplicas", "timeout"] {
        assert!(args.contains(&format!("\r\n{name}\r\n")), "{args}");
    }
}

#[test]
fn command_count_list_and_bare_command_agree() {
    let hk = start_hotkv(&[]);
    let names = our_command_names(&hk);
    let top: Vec<&String> = names.iter().filter(|n| !n.contains('|')).collect();
    let count = ask(hk.port, &["COMMAND", "COUNT"]);
    assert_eq!(count.kind, b':');
    assert_eq!(count.str(), top.len().to_string());
    let all = ask(hk.port, &["COMMAND"]);
    assert_eq!(all.items.len(), top.len());
    let all_names: BTreeSet<String> = all.items.iter().map(|c| c.items[0].str()).collect();
    assert_eq!(all_names, top.iter().map(|s| s.to_string()).collect());
    assert_eq!(ask(hk.port, &["COMMAND", "INFO"]).raw, all.raw);
    assert_eq!(ask(hk.port, &["COMMAND", "DOCS"]).items.len(), 2 * top.len());
    // Every subcommand listed belongs to a listed container.
    for n in names.iter().filter(|n| n.contains('|')) {
        assert!(top.iter().any(|t| n.starts_with(&format!("{t}|"))), "{n}");
    }
}

#[test]
fn command_subcommands_answer_like_redis() {
    let (hk, rd) = servers();
    same_replies(&hk, &rd, &[
        &["COMMAND", "COUNT", "x"],
        &["COMMAND", "INFO", "nosuch", "get", "client|", "get|x", "CLIENT|LIST|x", "Client|SetName"],
        &["COMMAND", "DOCS", "nosuch", "CLIENT|ID", "GET"],
        &["COMMAND", "DOCS", "nosuch"],
        &["COMMAND", "GETKEYS"],
        &["COMMAND", "GETKEYS", "get"],
        &["COMMAND", "GETKEYS", "ping", "x"],
        &["COMMAND", "GETKEYS", "nosuch", "a"],
        &["COMMAND", "GETKEYS", "set", "k"],
        &["COMMAND", "GETKEYS", "set", "k", "v"],
        &["COMMAND", "GETKEYS", "SET", "k", "v", "EX", "10"],
        &["COMMAND", "GETKEYS", "get", "a", "b"],
        &["COMMAND", "GETKEYS", "client", "list"],
        &["COMMAND", "GETKEYS", "client", "nosuch"],
        &["COMMAND", "LIST", "x"],
        &["COMMAND", "LIST", "FILTERBY", "x", "y"],
        &["COMMAND", "LIST", "FILTERBY", "pattern"],
        &["COMMAND", "LIST", "FILTERBY", "pattern", "x", "y"],
        &["COMMAND", "LIST", "FILTERBY", "module", "x"],
        &["COMMAND", "LIST", "FILTERBY", "aclcat", "nosuch"],
        &["COMMAND", "nosuch"],
        &["COMMAND", "HELP", "x"],
    ]);
    // Filters keep what Redis keeps, among our commands.
    let ours: BTreeSet<String> = our_command_names(&hk).into_iter().collect();
    for (kind, value) in [("aclcat", "connection"), ("ACLCAT", "Admin"), ("pattern", "c*"), ("PATTERN", "*|[gs]et*")] {
        let args = ["COMMAND", "LIST", "FILTERBY", kind, value];
        let o: BTreeSet<String> = ask(hk.port, &args).items.iter().map(|i| i.str()).filter(|n| !hotkv_only(n)).collect();
        let t: BTreeSet<String> = ask(rd.port, &args).items.iter().map(|i| i.str()).filter(|n| ours.contains(n)).collect();
        assert!(!o.is_empty(), "{args:?}");
        assert_eq!(o, t, "{args:?}");
    }
}

/// The field names of a CLIENT LIST / CLIENT INFO line.
fn field_names(line: &str) -> Vec<String> {
    line.split(' ').map(|f| f.split('=').next().unwrap().to_string()).collect()
}

/// `name=value` of a CLIENT LIST / CLIENT INFO line.
fn field<'a>(line: &'a str, name: &str) -> &'a str {
    line.split(' ').find_map(|f| f.strip_prefix(name).and_then(|r| r.strip_prefix('='))).unwrap_or_else(|| panic!("no {name} in {line}"))
}

#[test]
fn client_list_and_info_have_redis_fields_in_redis_order() {
    let (hk, rd) = servers();
    let expect = "id addr laddr fd name age idle flags db sub psub ssub multi qbuf qbuf-free argv-mem multi-mem rbs rbp obl oll omem tot-mem events cmd user redir resp";
    for (p, who) in [(&hk, "hotkv"), (&rd, "redis")] {
        let r = parse_all(&pipeline(p.port, &[&["CLIENT", "SETNAME", "w1"], &["CLIENT", "ID"], &["CLIENT", "INFO"], &["CLIENT", "LIST"]]));
        let id = r[1].str();
        let info = r[2].str();
        assert!(info.ends_with('\n') && info.lines().count() == 1, "{who}: {info:?}");
        let info = info.trim_end();
        assert_eq!(field_names(info).join(" "), expect, "{who}: CLIENT INFO");
        let list = r[3].str();
        assert!(list.ends_with('\n'), "{who}");
        let mine = list.lines().find(|l| field(l, "id") == id).unwrap_or_else(|| panic!("{who}: {id} not in {list}"));
        assert_eq!(field_names(mine).join(" "), expect, "{who}: CLIENT LIST");
        for (line, cmd) in [(info, "client|info"), (mine, "client|list")] {
            assert_eq!(field(line, "id"), id, "{who}");
            assert_eq!(field(line, "name"), "w1", "{who}");
            assert_eq!(field(line, "cmd"), cmd, "{who}");
            for (k, v) in [("flags", "N"), ("db", "0"), ("sub", "0"), ("multi", "-1"), ("user", "default"), ("redir", "-1"), ("resp", "2"), ("argv-mem", "10")] {
                assert_eq!(field(line, k), v, "{who}: {k} in {line}");
            }
            assert_eq!(field(line, "laddr"), format!("127.0.0.1:{}", p.port), "{who}");
        }
    }
    // Every client, oldest first; ID filters in the order asked.
    let a = ask(hk.port, &["CLIENT", "ID"]).str();
    let r = parse_all(&pipeline(hk.port, &[&["CLIENT", "ID"], &["CLIENT", "LIST", "TYPE", "normal"], &["CLIENT", "LIST", "ID", "999999", "1"]]));
    let b = r[0].str();
    let ids: Vec<u64> = r[1].str().lines().map(|l| field(l, "id").parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert!(ids.contains(&b.parse().unwrap()));
    assert!(!ids.contains(&a.parse().unwrap()), "client {a} is gone");
    assert_eq!(r[2].str(), "", "no such clients");
}

#[test]
fn client_subcommands_answer_like_redis() {
    let (hk, rd) = servers();
    same_replies(&hk, &rd, &[
        &["CLIENT", "GETNAME"],
        &["CLIENT", "SETNAME", "a b"],
        &["CLIENT", "SETNAME", "a\nb"],
        &["CLIENT", "SETNAME", "caf\u{e9}"],
        &["CLIENT", "SETNAME"],
        &["CLIENT", "SETNAME", "a", "b"],
        &["CLIENT", "SETNAME", "worker-1"],
        &["CLIENT", "GETNAME"],
        &["client", "setname", ""],
        &["CLIENT", "GETNAME"],
        &["CLIENT", "ID", "x"],
        &["CLIENT", "GETNAME", "x"],
        &["CLIENT", "INFO", "x"],
        &["CLIENT", "HELP", "x"],
        &["CLIENT"],
        &["CLIENT", "nosuch"],
        &["client", "NoSuch", "x"],
        &["CLIENT", "LIST", "TYPE", "foo"],
        &["CLIENT", "LIST", "TYPE", "pubsub"],
        &["CLIENT", "LIST", "TYPE", "MASTER"],
        &["CLIENT", "LIST", "TYPE", "replica"],
        &["CLIENT", "LIST", "TYPE", "slave"],
        &["CLIENT", "LIST", "ID", "abc"],
        &["CLIENT", "LIST", "ID", "1", "x"],
        &["CLIENT", "LIST", "ID", "0", "-1", "99999999"],
        &["CLIENT", "LIST", "ID"],
        &["CLIENT", "LIST", "TYPE"],
        &["CLIENT", "LIST", "foo"],
        &["CLIENT", "LIST", "ID", "5", "TYPE", "normal"],
        &["CLIENT", "LIST", "TYPE", "normal", "ID", "5"],
    ]);
    // CLIENT ID is an integer, the id of CLIENT INFO, and grows.
    let r = parse_all(&pipeline(hk.port, &[&["CLIENT", "ID"], &["CLIENT", "INFO"]]));
    assert_eq!(r[0].kind, b':');
    assert_eq!(field(r[1].str().trim_end(), "id"), r[0].str());
    let next: u64 = ask(hk.port, &["CLIENT", "ID"]).str().parse().unwrap();
    assert!(next > r[0].str().parse::<u64>().unwrap());
}

/// CONFIG GET's reply as name -> value.
fn config_get(p: &Proc, patterns: &[&str]) -> Vec<(String, String)> {
    let mut args = vec!["CONFIG", "GET"];
    args.extend_from_slice(patterns);
    ask(p.port, &args).pairs().into_iter().map(|(k, v)| (k, v.str())).collect()
}

fn names_of(kv: &[(String, String)]) -> BTreeSet<String> {
    kv.iter().map(|(k, _)| k.clone()).collect()
}

#[test]
fn config_get_matches_redis_semantics() {
    let (hk, rd) = servers();
    let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<String>>();
    // Exact names, several patterns, each answered once.
    let o = config_get(&hk, &["maxclients", "timeout"]);
    assert_eq!(names_of(&o), set(&["maxclients", "timeout"]));
    assert_eq!(names_of(&config_get(&rd, &["maxclients", "timeout"])), names_of(&o));
    let ours_all = config_get(&hk, &["*"]);
    let ours_names = names_of(&ours_all);
    let theirs_names = names_of(&config_get(&rd, &["*"]));
    // Among the settings both have, a pattern picks the same ones.
    let both = |p: &Proc, pattern: &str| -> BTreeSet<String> {
        names_of(&config_get(p, &[pattern])).into_iter().filter(|n| ours_names.contains(n) && theirs_names.contains(n)).collect()
    };
    for pattern in ["*max*", "Max*", "*-*", "[hp]*", "t?meout", "*"] {
        assert_eq!(both(&hk, pattern), both(&rd, pattern), "CONFIG GET {pattern}");
    }
    assert_eq!(names_of(&config_get(&hk, &["*max*"])), set(&["maxclients", "maxmemory", "proto-max-bulk-len", "zset-max-listpack-entries", "zset-max-listpack-value"]));
    assert_eq!(config_get(&hk, &["*max*", "maxclients", "max*"]).len(), 5, "each setting once");
    // Same defaults as Redis, for what both have.
    let theirs: Vec<(String, String)> = config_get(&rd, &["*"]);
    for (k, v) in &ours_all {
        if ["port", "dir"].contains(&k.as_str()) || k.starts_with("logic-") {
            continue;
        }
        let t = theirs.iter().find(|(n, _)| n == k).unwrap_or_else(|| panic!("redis has no setting {k}"));
        assert_eq!(v, &t.1, "value of {k}");
    }
    // The shell's settings.
    let shell: std::collections::BTreeMap<String, String> = config_get(&hk, &["port", "bind", "dir", "logic-*"]).into_iter().collect();
    assert_eq!(shell["port"], hk.port.to_string());
    assert_eq!(shell["bind"], "127.0.0.1");
    assert_eq!(std::path::Path::new(&shell["dir"]).canonicalize().unwrap(), hk.dir.path().canonicalize().unwrap());
    assert!(shell["logic-library"].contains("/logic/gen-"), "{shell:?}");
    assert_eq!(shell["logic-args"], "");
    // Byte-exact where Redis's order is fixed.
    same_replies(&hk, &rd, &[
        &["CONFIG", "GET", "MAXCLIENTS"],
        &["CONFIG", "GET", "maxclients", "MAXCLIENTS", "maxc*"],
        &["CONFIG", "GET", "Timeout", "timeout"],
        &["CONFIG", "GET", "nosuch"],
        &["CONFIG", "GET", "[ab]ind"],
        &["CONFIG", "GET"],
        &["CONFIG"],
        &["CONFIG", "HELP", "x"],
        &["CONFIG", "NOSUCH"],
    ]);
}

#[test]
fn hello_matches_redis() {
    let (hk, rd) = servers();
    for args in [&["HELLO"][..], &["HELLO", "2"], &["hello", "2", "AUTH", "default", "any"]] {
        let shape = |p: &Proc| {
            let r = parse_all(&pipeline(p.port, &[args, &["CLIENT", "ID"]]));
            let pairs: Vec<(String, String)> = r[0].pairs().into_iter().map(|(k, v)| (k, v.raw_str())).collect();
            let id = pairs.iter().find(|(k, _)| k == "id").unwrap().1.clone();
            assert_eq!(id, r[1].raw_str(), "id is CLIENT ID");
            pairs.into_iter().map(|(k, v)| if k == "id" || k == "version" { (k, String::new()) } else { (k, v) }).collect::<Vec<_>>()
        };
        assert_eq!(shape(&hk), shape(&rd), "{args:?}");
    }
    same_replies(&hk, &rd, &[
        &["HELLO", "3x"],
        &["HELLO", "4"],
        &["HELLO", "1"],
        &["HELLO", "-1"],
        &["HELLO", "99999999999999999999"],
        &["HELLO", "AUTH", "default", "x"],
        &["HELLO", "2", "FOO"],
        &["HELLO", "2", "AUTH", "a"],
        &["HELLO", "2", "SETNAME"],
        &["HELLO", "2", "SETNAME", "a b"],
        &["HELLO", "2", "AUTH", "nobody", "x"],
        &["CLIENT", "GETNAME"],
    ]);
    // SETNAME applies; HELLO 3 (compared in diff_resp3) replies a map.
    let r = parse_all(&pipeline(hk.port, &[&["HELLO", "2", "SETNAME", "h1"], &["CLIENT", "GETNAME"]]));
    assert_eq!(r[1].str(), "h1");
    let r3 = String::from_utf8(pipeline(hk.port, &[&["HELLO", "3", "SETNAME", "h2"], &["CLIENT", "GETNAME"]])).unwrap();
    assert!(r3.starts_with("%7\r\n") && r3.ends_with("\r\n$2\r\nh2\r\n"), "{r3}");
}

#[test]
fn redis_cli_renders_our_replies_like_redis() {
    let (hk, rd) = servers();
    let cases: &[&[&str]] = &[
        &["COMMAND", "INFO", "get", "nosuch"],
        &["COMMAND", "DOCS", "set"],
        &["COMMAND", "DOCS", "client|list"],
        &["CLIENT", "GETNAME"],
        &["CLIENT", "SETNAME", "x"],
        &["CLIENT", "SETNAME", "a b"],
        &["CONFIG", "GET", "maxclients"],
        &["HELLO", "4"],
    ];
    for args in cases {
        let mut a = vec!["--no-raw"];
        a.extend_from_slice(args);
        assert_eq!(hk.cli(&a), rd.cli(&a), "redis-cli {args:?}");
    }
}
