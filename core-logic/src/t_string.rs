//! String commands (Redis's `t_string.c`).

use crate::db::Ttl;
use crate::reply::{err, Reply};
use crate::server::Server;
use hotkv_abi::object::Value;
use hotkv_abi::state::Client;

/// Options of SET and GETEX (Redis's `parseExtendedStringArgumentsOrReply`).
#[derive(Default)]
pub struct SetOpts {
    pub nx: bool,
    pub xx: bool,
    pub get: bool,
    pub keepttl: bool,
    pub persist: bool,
    /// Absolute expiry in unix ms, if an EX/PX/EXAT/PXAT option was given.
    pub expire_at: Option<i64>,
}

/// Which command is parsing: SET accepts NX/XX/GET/KEEPTTL, GETEX accepts PERSIST.
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum OptsFor {
    Set,
    GetEx,
}

/// Parses `argv[from..]` as SET/GETEX options. Errors are reply texts.
pub fn parse_set_opts(argv: &[&[u8]], from: usize, now_ms: i64, cmd: OptsFor, cmd_name: &str) -> Result<SetOpts, String> {
    let mut o = SetOpts::default();
    let mut expire: Option<(&[u8], i64, bool)> = None; // (value, unit ms, relative)
    let mut i = from;
    while i < argv.len() {
        let a = argv[i].to_ascii_uppercase();
        let next = argv.get(i + 1).copied();
        let has_expire = expire.is_some();
        match a.as_slice() {
            b"NX" if cmd == OptsFor::Set && !o.xx => o.nx = true,
            b"XX" if cmd == OptsFor::Set && !o.nx => o.xx = true,
            b"GET" if cmd == OptsFor::Set => o.get = true,
            b"KEEPTTL" if cmd == OptsFor::Set && !has_expire => o.keepttl = true,
            b"PERSIST" if cmd == OptsFor::GetEx && !has_expire => o.persist = true,
            b"EX" | b"PX" | b"EXAT" | b"PXAT" if !has_expire && !o.keepttl && !o.persist && next.is_some() => {
                let unit = if a[0] == b'E' { 1000 } else { 1 };
                expire = Some((next.unwrap(), unit, a.len() == 2));
                i += 1;
            }
            _ => return Err(err::SYNTAX.into()),
        }
        i += 1;
    }
    if let Some((v, unit, relative)) = expire {
        let invalid = || format!("invalid expire time in '{cmd_name}' command");
        let n = crate::util::parse_i64(v).ok_or_else(|| err::NOT_INTEGER.to_string())?;
        if n <= 0 || (unit == 1000 && n > i64::MAX / 1000) {
            return Err(invalid());
        }
        let mut ms = n * unit;
        if relative {
            if ms > i64::MAX - now_ms {
                return Err(invalid());
            }
            ms += now_ms;
        }
        o.expire_at = Some(ms);
    }
    Ok(o)
}

/// Replies with a string key's value, nil when missing, WRONGTYPE otherwise.
/// Returns false on WRONGTYPE (Redis's `getGenericCommand`).
fn reply_value(c: &mut Client, v: Option<&Value>) -> bool {
    match v {
        None => c.add_null(),
        Some(v) if !v.is_string() => {
            c.add_error(err::WRONGTYPE);
            return false;
        }
        Some(v) => {
            let mut buf = [0u8; 20];
            c.add_bulk(v.str_bytes(&mut buf));
        }
    }
    true
}

pub fn get(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut ks = srv.keyspace(c.db);
    let e = ks.lookup_read(argv[1]);
    reply_value(c, e.map(|e| &e.value));
}

pub fn set(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let o = match parse_set_opts(argv, 3, srv.now_ms, OptsFor::Set, "set") {
        Ok(o) => o,
        Err(e) => return c.add_error(&e),
    };
    let mut ks = srv.keyspace(c.db);
    let found = if o.get {
        let e = ks.lookup_read(argv[1]);
        let found = e.is_some();
        if !reply_value(c, e.map(|e| &e.value)) {
            return;
        }
        found
    } else {
        ks.lookup_write(argv[1]).is_some()
    };
    if (o.nx && found) || (o.xx && !found) {
        if !o.get {
            c.add_null();
        }
        return;
    }
    let ttl = match (o.expire_at, o.keepttl) {
        (Some(at), _) => Ttl::At(at),
        (None, true) => Ttl::Keep,
        (None, false) => Ttl::Clear,
    };
    ks.set(argv[1], Value::string(argv[2]), ttl);
    if !o.get {
        c.add_ok();
    }
}
