//! Settings of the logic (Redis's `config.c`): their defaults, how a
//! directive or a logic argument sets them, and how they are shown.
//! What survives a swap is the text of every setting that was set
//! (`ServerState::settings`); each version reads it into its own typed
//! [`Config`], so a version adds settings without changing the state's
//! layout. CONFIG GET shows them together with the shell's own settings.

use crate::reply::Reply;
use crate::server::Server;
use crate::util::{eq_ic, glob_match};
use hotkv_abi::host::ShellStatus;
use hotkv_abi::state::{Client, ServerState, SettingValue};
use hotkv_abi::vec::{RBytes, RVec};

/// The typed settings of this version, read from the state's list at every
/// `run` (and checked at `init`): not part of the state.
#[derive(Clone, Default, Debug)]
pub struct Config {
    pub hz: u32,
    pub databases: u32,
    pub maxclients: u32,
    /// Idle seconds before a client is closed; 0 = never.
    pub timeout_s: u32,
    pub tcp_keepalive_s: u32,
    pub proto_max_bulk_len: u64,
    pub client_query_buffer_limit: u64,
    pub maxmemory: u64,
    /// `enable-protected-configs`: an index of [`PROTECTED_CONFIGS`].
    pub enable_protected_configs: u8,
    /// A sorted set with more members becomes a skiplist.
    pub zset_max_listpack_entries: u64,
    /// A sorted set with a longer member becomes a skiplist.
    pub zset_max_listpack_value: u64,
    /// The `default` user's password; empty: it needs none (`nopass`).
    pub requirepass: Vec<u8>,
    /// Refuse non-loopback connections while the default user has no password.
    pub protected_mode: bool,
    /// `notify-keyspace-events`, as [`crate::notify::class`] bits.
    pub notify_keyspace_events: u32,
    /// The RDB file's name in the working directory (SAVE, loading at start).
    pub dbfilename: String,
    /// LZF-compress long strings in RDB files and DUMP payloads.
    pub rdbcompression: bool,
    /// End RDB files with a CRC-64 (0 otherwise) and verify it on load.
    pub rdbchecksum: bool,
    /// Save points (`save "900 1 300 10"`): (seconds, changes) pairs; a
    /// background save starts when a pair's changes happened and its
    /// seconds passed since the last save.
    pub save_params: Vec<(i64, u64)>,
    /// `rdb-key-save-delay`: µs slept after each key saved (a test knob,
    /// as Redis's).
    pub rdb_key_save_delay: i64,
    /// `appendonly`: log every write to the append-only file.
    pub appendonly: bool,
    /// `appendfsync`: an index of [`crate::aof::FSYNC_POLICIES`].
    pub appendfsync: u8,
    /// The AOF files' name prefix and their directory (under `dir`).
    pub appendfilename: String,
    pub appenddirname: String,
    /// No AOF fsync while a child writes to disk.
    pub no_appendfsync_on_rewrite: bool,
    /// Rewrite when the AOF grew by this percent since the last rewrite
    /// (0: never) and is larger than `auto_aof_rewrite_min_size`.
    pub auto_aof_rewrite_percentage: u32,
    pub auto_aof_rewrite_min_size: u64,
    /// fsync a rewrite's base every 4 MB as it is written.
    pub aof_rewrite_incremental_fsync: bool,
    /// `aof-use-rdb-preamble`: a rewrite writes an RDB base; otherwise the
    /// commands that rebuild the dataset.
    pub aof_use_rdb_preamble: bool,
    /// `aof-load-truncated`: a last AOF file cut mid-command is truncated to
    /// its last whole command and loaded, rather than refused.
    pub aof_load_truncated: bool,
    /// Refuse writes while the last background save failed (with save
    /// points set): Redis's MISCONF.
    pub stop_writes_on_bgsave_error: bool,
    /// `client-output-buffer-limit`, by class (normal, replica, pubsub).
    pub client_obuf_limits: [crate::obuf::Limit; 3],
}

/// Who may change protected settings (`dir`): Redis 7.0's
/// `enable-protected-configs` words.
pub const PROTECTED_CONFIGS: &[&str] = &["no", "yes", "local"];

/// The defaults of [`SETTINGS`], as a typed `Config`.
pub fn defaults() -> Config {
    let mut c = Config::default();
    for s in SETTINGS {
        set(&mut c, s.name, s.default.as_bytes(), true).expect("every declared default is valid");
    }
    c
}

/// Parses a memory amount like Redis's `memtoull`: "100", "1k" (1000),
/// "1kb" (1024), "5mb", "1gb".
pub fn parse_memory(s: &[u8]) -> Option<u64> {
    let t = std::str::from_utf8(s).ok()?.to_ascii_lowercase();
    let split = t.find(|ch: char| !ch.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let mul: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    num.parse::<u64>().ok()?.checked_mul(mul)
}

fn int_in(v: &[u8], min: i64, max: i64) -> Result<i64, String> {
    let n = crate::util::parse_i64(v).ok_or_else(|| "argument couldn't be parsed into an integer".to_string())?;
    if n < min || n > max {
        return Err(format!("argument must be between {min} and {max} inclusive"));
    }
    Ok(n)
}

/// How a setting's value text is read.
#[derive(Clone, Copy)]
pub enum Kind {
    /// An integer in `min..=max`; others are refused.
    Int { min: i64, max: i64 },
    /// An integer, clamped into `min..=max` (Redis does so for `hz`).
    ClampedInt { min: i64, max: i64 },
    /// A memory amount (`100`, `1k`, `5mb`, ...), raised to at least `min`.
    Memory { min: u64 },
    /// One of these words (any case); the value is its index.
    Enum(&'static [&'static str]),
    /// Any string.
    Text,
    /// yes or no (any case); the value is 1 or 0.
    Bool,
    /// Keyspace notification class letters ([`crate::notify::parse`]).
    KeyspaceEvents,
    /// A file name without a directory (Redis's `dbfilename` check).
    FileName,
}

/// One setting this library declares: CONFIG GET/SET/REWRITE, the config
/// file and logic arguments all go by this table.
pub struct Setting {
    pub name: &'static str,
    pub kind: Kind,
    /// The default, as CONFIG GET shows it.
    pub default: &'static str,
    /// Settable at runtime (CONFIG SET, logic arguments); otherwise only in
    /// the config file (changing it would reshape the state).
    pub mutable: bool,
}

const fn parse_const(s: &str) -> i64 {
    let b = s.as_bytes();
    let mut i = 0;
    let mut n: i64 = 0;
    while i < b.len() {
        n = n * 10 + (b[i] - b'0') as i64;
        i += 1;
    }
    n
}

/// The most connections this build accepts: `maxclients`' upper bound.
/// Set at build time by the `HOTKV_MAXCLIENTS_LIMIT` environment variable
/// (see build.rs; default 4294967295, as Redis), e.g. for a build meant for
/// a machine whose fd limit is known.
pub const MAXCLIENTS_LIMIT: i64 = parse_const(env!("HOTKV_MAXCLIENTS_LIMIT"));

const I32_MAX: i64 = i32::MAX as i64;
const MIB: u64 = 1024 * 1024;

/// The logic's settings, in CONFIG GET order.
pub const SETTINGS: &[Setting] = &[
    Setting { name: "hz", kind: Kind::ClampedInt { min: 1, max: 500 }, default: "10", mutable: true },
    Setting { name: "databases", kind: Kind::Int { min: 1, max: I32_MAX }, default: "16", mutable: false },
    Setting { name: "maxclients", kind: Kind::Int { min: 1, max: MAXCLIENTS_LIMIT }, default: "10000", mutable: true },
    Setting { name: "timeout", kind: Kind::Int { min: 0, max: I32_MAX }, default: "0", mutable: true },
    Setting { name: "tcp-keepalive", kind: Kind::Int { min: 0, max: I32_MAX }, default: "300", mutable: true },
    Setting { name: "proto-max-bulk-len", kind: Kind::Memory { min: MIB }, default: "536870912", mutable: true },
    Setting { name: "client-query-buffer-limit", kind: Kind::Memory { min: MIB }, default: "1073741824", mutable: true },
    Setting { name: "maxmemory", kind: Kind::Memory { min: 0 }, default: "0", mutable: true },
    Setting { name: "enable-protected-configs", kind: Kind::Enum(PROTECTED_CONFIGS), default: "no", mutable: false },
    Setting { name: "zset-max-listpack-entries", kind: Kind::Int { min: 0, max: i64::MAX }, default: "128", mutable: true },
    Setting { name: "zset-max-listpack-value", kind: Kind::Memory { min: 0 }, default: "64", mutable: true },
    Setting { name: "requirepass", kind: Kind::Text, default: "", mutable: true },
    Setting { name: "protected-mode", kind: Kind::Bool, default: "yes", mutable: true },
    Setting { name: "notify-keyspace-events", kind: Kind::KeyspaceEvents, default: "", mutable: true },
    Setting { name: "dbfilename", kind: Kind::FileName, default: "dump.rdb", mutable: true },
    Setting { name: "rdbcompression", kind: Kind::Bool, default: "yes", mutable: true },
    Setting { name: "rdbchecksum", kind: Kind::Bool, default: "yes", mutable: false },
    Setting { name: "save", kind: Kind::Text, default: "", mutable: true },
    Setting { name: "appendonly", kind: Kind::Bool, default: "no", mutable: true },
    Setting { name: "appendfsync", kind: Kind::Enum(crate::aof::FSYNC_POLICIES), default: "everysec", mutable: true },
    Setting { name: "appendfilename", kind: Kind::FileName, default: "appendonly.aof", mutable: false },
    Setting { name: "appenddirname", kind: Kind::FileName, default: "appendonlydir", mutable: false },
    Setting { name: "no-appendfsync-on-rewrite", kind: Kind::Bool, default: "no", mutable: true },
    Setting { name: "auto-aof-rewrite-percentage", kind: Kind::Int { min: 0, max: I32_MAX }, default: "100", mutable: true },
    Setting { name: "auto-aof-rewrite-min-size", kind: Kind::Memory { min: 0 }, default: "67108864", mutable: true },
    Setting { name: "aof-rewrite-incremental-fsync", kind: Kind::Bool, default: "yes", mutable: true },
    Setting { name: "aof-use-rdb-preamble", kind: Kind::Bool, default: "yes", mutable: true },
    Setting { name: "client-output-buffer-limit", kind: Kind::Text, default: "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", mutable: true },
    Setting { name: "stop-writes-on-bgsave-error", kind: Kind::Bool, default: "yes", mutable: true },
    Setting { name: "rdb-key-save-delay", kind: Kind::Int { min: i32::MIN as i64, max: I32_MAX }, default: "0", mutable: true },
    Setting { name: "aof-load-truncated", kind: Kind::Bool, default: "yes", mutable: true },
];

/// Settings a CONFIG GET pattern does not list (Redis's HIDDEN_CONFIG):
/// only asked for by name.
const HIDDEN: &[&str] = &["rdb-key-save-delay"];

/// Redis 7.0's `save` value: "seconds changes" pairs, seconds at least 1.
fn parse_save(v: &[u8]) -> Result<Vec<(i64, u64)>, String> {
    let text = String::from_utf8_lossy(v);
    let words: Vec<&str> = text.split_ascii_whitespace().collect();
    let bad = || "Invalid save parameters".to_string();
    if !words.len().is_multiple_of(2) {
        return Err(bad());
    }
    let num = |w: &str| w.parse::<i64>().map_err(|_| bad());
    words.chunks(2).map(|p| match (num(p[0])?, num(p[1])?) {
        (secs, changes) if secs >= 1 && changes >= 0 => Ok((secs, changes as u64)),
        _ => Err(bad()),
    }).collect()
}

/// Settings CONFIG SET may change only where `enable-protected-configs`
/// allows it, as in Redis 7.0.
const PROTECTED: &[&str] = &["dir", "dbfilename"];

fn yes_no(b: bool) -> String {
    (if b { "yes" } else { "no" }).to_string()
}

/// The declaration of a setting, by canonical (lower-case) name.
pub fn find(name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.name == name)
}

/// The current value of one of [`SETTINGS`].
pub fn get(cfg: &Config, name: &str) -> String {
    match name {
        "hz" => cfg.hz.to_string(),
        "databases" => cfg.databases.to_string(),
        "maxclients" => cfg.maxclients.to_string(),
        "timeout" => cfg.timeout_s.to_string(),
        "tcp-keepalive" => cfg.tcp_keepalive_s.to_string(),
        "proto-max-bulk-len" => cfg.proto_max_bulk_len.to_string(),
        "client-query-buffer-limit" => cfg.client_query_buffer_limit.to_string(),
        "maxmemory" => cfg.maxmemory.to_string(),
        "enable-protected-configs" => PROTECTED_CONFIGS[cfg.enable_protected_configs as usize].to_string(),
        "zset-max-listpack-entries" => cfg.zset_max_listpack_entries.to_string(),
        "zset-max-listpack-value" => cfg.zset_max_listpack_value.to_string(),
        "requirepass" => String::from_utf8_lossy(&cfg.requirepass).into_owned(),
        "protected-mode" => yes_no(cfg.protected_mode),
        "notify-keyspace-events" => crate::notify::render(cfg.notify_keyspace_events),
        "dbfilename" => cfg.dbfilename.clone(),
        "rdbcompression" => yes_no(cfg.rdbcompression),
        "rdbchecksum" => yes_no(cfg.rdbchecksum),
        "save" => cfg.save_params.iter().map(|(s, c)| format!("{s} {c}")).collect::<Vec<_>>().join(" "),
        "rdb-key-save-delay" => cfg.rdb_key_save_delay.to_string(),
        "appendonly" => yes_no(cfg.appendonly),
        "appendfsync" => crate::aof::FSYNC_POLICIES[cfg.appendfsync as usize].to_string(),
        "appendfilename" => cfg.appendfilename.clone(),
        "appenddirname" => cfg.appenddirname.clone(),
        "no-appendfsync-on-rewrite" => yes_no(cfg.no_appendfsync_on_rewrite),
        "auto-aof-rewrite-percentage" => cfg.auto_aof_rewrite_percentage.to_string(),
        "auto-aof-rewrite-min-size" => cfg.auto_aof_rewrite_min_size.to_string(),
        "aof-rewrite-incremental-fsync" => yes_no(cfg.aof_rewrite_incremental_fsync),
        "aof-use-rdb-preamble" => yes_no(cfg.aof_use_rdb_preamble),
        "aof-load-truncated" => yes_no(cfg.aof_load_truncated),
        "stop-writes-on-bgsave-error" => yes_no(cfg.stop_writes_on_bgsave_error),
        "client-output-buffer-limit" => crate::obuf::render(&cfg.client_obuf_limits),
        _ => String::new(),
    }
}

/// Sets one setting from its value text, as its declaration says.
pub fn set(cfg: &mut Config, name: &str, v: &[u8], at_start: bool) -> Result<(), String> {
    let Some(s) = find(name) else {
        return Err("Bad directive or wrong number of arguments".into());
    };
    if !s.mutable && !at_start {
        return Err(format!("'{name}' can only be set at start"));
    }
    let n: u64 = match s.kind {
        Kind::Text => {
            match name {
                "requirepass" => cfg.requirepass = v.to_vec(),
                "save" => cfg.save_params = parse_save(v)?,
                "client-output-buffer-limit" => crate::obuf::parse(v, &mut cfg.client_obuf_limits)?,
                _ => unreachable!("every text setting is handled"),
            }
            return Ok(());
        }
        Kind::Int { min, max } => int_in(v, min, max)? as u64,
        Kind::ClampedInt { min, max } => int_in(v, i64::MIN, i64::MAX)?.clamp(min, max) as u64,
        Kind::Memory { min } => parse_memory(v).ok_or_else(|| "argument must be a memory value".to_string())?.max(min),
        Kind::Bool if eq_ic(v, b"yes") => 1,
        Kind::Bool if eq_ic(v, b"no") => 0,
        Kind::Bool => return Err("argument must be 'yes' or 'no'".into()),
        Kind::Enum(words) => words.iter().position(|w| eq_ic(w.as_bytes(), v)).ok_or_else(|| one_of(words.iter().copied()))? as u64,
        Kind::KeyspaceEvents => crate::notify::parse(v)? as u64,
        Kind::FileName => {
            if v.contains(&b'/') {
                let what = if name == "appenddirname" { "dirname" } else { "filename" };
                return Err(format!("{name} can't be a path, just a {what}"));
            }
            0
        }
    };
    match name {
        "hz" => cfg.hz = n as u32,
        "databases" => cfg.databases = n as u32,
        "maxclients" => cfg.maxclients = n as u32,
        "timeout" => cfg.timeout_s = n as u32,
        "tcp-keepalive" => cfg.tcp_keepalive_s = n as u32,
        "proto-max-bulk-len" => cfg.proto_max_bulk_len = n,
        "client-query-buffer-limit" => cfg.client_query_buffer_limit = n,
        "maxmemory" => cfg.maxmemory = n,
        "enable-protected-configs" => cfg.enable_protected_configs = n as u8,
        "protected-mode" => cfg.protected_mode = n == 1,
        "notify-keyspace-events" => cfg.notify_keyspace_events = n as u32,
        "zset-max-listpack-entries" => cfg.zset_max_listpack_entries = n,
        "zset-max-listpack-value" => cfg.zset_max_listpack_value = n,
        "dbfilename" => cfg.dbfilename = String::from_utf8_lossy(v).into_owned(),
        "rdbcompression" => cfg.rdbcompression = n == 1,
        "rdbchecksum" => cfg.rdbchecksum = n == 1,
        "rdb-key-save-delay" => cfg.rdb_key_save_delay = n as i64,
        "appendonly" => cfg.appendonly = n == 1,
        "appendfsync" => cfg.appendfsync = n as u8,
        "appendfilename" => cfg.appendfilename = String::from_utf8_lossy(v).into_owned(),
        "appenddirname" => cfg.appenddirname = String::from_utf8_lossy(v).into_owned(),
        "no-appendfsync-on-rewrite" => cfg.no_appendfsync_on_rewrite = n == 1,
        "auto-aof-rewrite-percentage" => cfg.auto_aof_rewrite_percentage = n as u32,
        "auto-aof-rewrite-min-size" => cfg.auto_aof_rewrite_min_size = n,
        "aof-rewrite-incremental-fsync" => cfg.aof_rewrite_incremental_fsync = n == 1,
        "aof-use-rdb-preamble" => cfg.aof_use_rdb_preamble = n == 1,
        "aof-load-truncated" => cfg.aof_load_truncated = n == 1,
        "stop-writes-on-bgsave-error" => cfg.stop_writes_on_bgsave_error = n == 1,
        _ => unreachable!("every setting is handled"),
    }
    Ok(())
}

/// Records `name`'s current value in the state's list of set settings
/// (`ServerState::settings`, what carries over an upgrade).
pub fn record(list: &mut RVec<SettingValue>, cfg: &Config, name: &str) {
    let value = RBytes::from_slice(get(cfg, name).as_bytes());
    match list.iter_mut().find(|s| s.name.as_slice() == name.as_bytes()) {
        Some(s) => s.value = value,
        None => list.push(SettingValue { name: RBytes::from_slice(name.as_bytes()), value }),
    }
}

/// The list for a state written before layout 3, which kept only the typed
/// values: every setting not at its default counts as set.
pub fn list_from_v6(old: &hotkv_abi::frozen::v6::Config) -> RVec<SettingValue> {
    let cfg = &Config {
        hz: old.hz,
        databases: old.databases,
        maxclients: old.maxclients,
        timeout_s: old.timeout_s,
        tcp_keepalive_s: old.tcp_keepalive_s,
        proto_max_bulk_len: old.proto_max_bulk_len,
        client_query_buffer_limit: old.client_query_buffer_limit,
        maxmemory: old.maxmemory,
        ..defaults()
    };
    let (mut list, d) = (RVec::new(), defaults());
    for s in SETTINGS {
        if get(cfg, s.name) != get(&d, s.name) {
            record(&mut list, cfg, s.name);
        }
    }
    list
}

/// The typed settings of a state: this version's defaults, then the
/// state's list (values a previous version or this one set). A value this
/// version refuses is an error naming it; names it does not declare (a
/// newer version's settings) are kept in the list, not applied.
pub fn load(st: &ServerState) -> Result<Config, String> {
    let mut cfg = defaults();
    for sv in st.settings.iter() {
        let name = String::from_utf8_lossy(&sv.name);
        if find(&name).is_some() {
            set(&mut cfg, &name, &sv.value, true).map_err(|e| {
                format!("setting '{name}' is '{}', which version {} refuses: {e}", String::from_utf8_lossy(&sv.value), crate::VERSION)
            })?;
        }
    }
    // The number of databases is the state's shape, whatever the list says.
    cfg.databases = st.dbs.len() as u32;
    Ok(cfg)
}

/// Checks an adopted state's settings ([`load`]) and applies this version's
/// arguments, recording them in the list. Fails with the reason, changing
/// nothing, when a value is refused.
pub fn adopt(st: &mut ServerState, args: &[&[u8]]) -> Result<Config, String> {
    let mut cfg = load(st)?;
    let names = apply_args(&mut cfg, args)?;
    for name in names {
        record(&mut st.settings, &cfg, name);
    }
    Ok(cfg)
}

/// The settings the shell keeps for itself (it reads them before any
/// logic runs), shown by CONFIG GET from what the shell reports.
pub const SHELL_SETTINGS: &[&str] = &["port", "bind", "dir", "loglevel", "logic-library", "logic-args"];

/// Shell settings CONFIG SET may change (through the host table). `dir`
/// is protected as in Redis 7.0: only where `enable-protected-configs`
/// allows it.
const SHELL_MUTABLE: &[&str] = &["loglevel", "logic-args", "dir"];

/// May this client change protected settings? `enable-protected-configs`
/// `yes`, or `local` and the client is on a loopback address.
fn may_set_protected(cfg: &Config, c: &Client) -> bool {
    match PROTECTED_CONFIGS[cfg.enable_protected_configs as usize] {
        "yes" => true,
        "local" => crate::networking::is_loopback(&c.addr),
        _ => false,
    }
}

/// A word as a config file needs it: quoted when empty or when it holds
/// spaces, quotes or unprintable bytes.
pub fn config_word(w: &[u8]) -> String {
    if !w.is_empty() && w.iter().all(|&b| b.is_ascii_graphic() && b != b'"' && b != b'\'' && b != b'\\') {
        return String::from_utf8_lossy(w).into_owned();
    }
    crate::util::repr(w)
}

pub fn shell_value(sh: &ShellStatus, name: &str) -> String {
    let words = |v: &[RBytes]| v.iter().map(|w| config_word(w)).collect::<Vec<_>>().join(" ");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    match name {
        "port" => sh.port.to_string(),
        "bind" => words(&sh.bind),
        "dir" => text(&sh.dir),
        "loglevel" => text(&sh.loglevel),
        "logic-library" => text(&sh.path),
        "logic-args" => words(&sh.args),
        _ => String::new(),
    }
}

/// CONFIG GET parameter [parameter ...], with Redis 7's rules: a pattern
/// without glob characters is looked up (any case) and answered under the
/// name as given; a glob is matched (any case) against every setting; each
/// setting is answered once.
pub fn get_command(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let h = crate::host::host();
    // SAFETY: the shell's status is valid and unchanged while we run.
    let sh = unsafe { &*(h.status)(h.ctx) };
    let names = SETTINGS.iter().map(|s| s.name).chain(SHELL_SETTINGS.iter().copied());
    let value = |name: &str| match SETTINGS.iter().any(|s| s.name == name) {
        true => get(&srv.cfg, name),
        false => shell_value(sh, name),
    };
    // (name as answered, canonical name)
    let mut found: Vec<(String, &str)> = Vec::new();
    let seen = |found: &[(String, &str)], name: &str| found.iter().any(|(_, n)| *n == name);
    for pattern in &argv[2..] {
        if !pattern.iter().any(|b| b"[*?".contains(b)) {
            if let Some(name) = names.clone().find(|n| eq_ic(n.as_bytes(), pattern)) {
                if !seen(&found, name) {
                    found.push((String::from_utf8_lossy(pattern).into_owned(), name));
                }
            }
            continue;
        }
        for name in names.clone() {
            if !seen(&found, name) && !HIDDEN.contains(&name) && glob_match(pattern, name.as_bytes(), true) {
                found.push((name.to_string(), name));
            }
        }
    }
    c.add_map(found.len());
    for (shown, name) in &found {
        c.add_bulk(shown.as_bytes());
        c.add_bulk(value(name).as_bytes());
    }
}

const HELP: &[&str] = &[
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Rewrite the configuration file.",
];

/// CONFIG HELP
pub fn help_command(_srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    c.add_help(argv[0], HELP);
}

/// `ERR CONFIG SET failed (possibly related to argument 'x') - reason`.
fn set_failed(name: &str, reason: &str) -> String {
    format!("CONFIG SET failed (possibly related to argument '{name}') - {reason}")
}

/// CONFIG SET parameter value [parameter value ...], as Redis 7.0: every
/// name is checked (known, mutable, not repeated), then every value is
/// applied to a copy of the settings; only if all are valid does the copy
/// replace the settings in force (which the loop reads live: hz, timeout,
/// maxclients, ... take effect at once). `logic-args` takes one value, the
/// argument list in config-file syntax; its `name value` pairs are applied
/// as settings and the list replaces the library's arguments in the shell
/// (`HostApi::set_logic_args`), which CONFIG REWRITE then records.
pub fn set_command(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    if argv.len() % 2 == 1 {
        return c.add_error(crate::reply::err::SYNTAX);
    }
    let mut names: Vec<&str> = Vec::new();
    for pair in argv[2..].chunks(2) {
        let known = SETTINGS.iter().map(|s| s.name).chain(SHELL_SETTINGS.iter().copied()).find(|n| eq_ic(n.as_bytes(), pair[0]));
        let Some(name) = known else {
            return c.add_error(&format!("Unknown option or number of arguments for CONFIG SET - '{}'", String::from_utf8_lossy(pair[0])));
        };
        // Name checks report the name as given, value checks the canonical one (as Redis).
        let given = String::from_utf8_lossy(pair[0]);
        let mutable = SHELL_MUTABLE.contains(&name) || find(name).is_some_and(|s| s.mutable);
        if PROTECTED.contains(&name) && !may_set_protected(&srv.cfg, c) {
            return c.add_error(&set_failed(&given, "can't set protected config"));
        }
        if !mutable {
            return c.add_error(&set_failed(&given, "can't set immutable config"));
        }
        if names.contains(&name) {
            return c.add_error(&set_failed(&given, "duplicate parameter"));
        }
        names.push(name);
    }
    let mut next = srv.cfg.clone();
    let mut new_args: Option<Vec<Vec<u8>>> = None;
    let mut new_loglevel: Option<&[u8]> = None;
    let mut new_dir: Option<&[u8]> = None;
    let mut changed: Vec<&str> = Vec::new();
    for (name, pair) in names.iter().zip(argv[2..].chunks(2)) {
        let r = if *name == "dir" {
            new_dir = Some(pair[1]);
            Ok(())
        } else if *name == "loglevel" {
            new_loglevel = Some(pair[1]);
            match hotkv_abi::host::level::by_name(pair[1]) {
                Some(_) => Ok(()),
                None => Err(one_of(hotkv_abi::host::level::NAMES.iter().map(|(n, _)| *n))),
            }
        } else if *name == "logic-args" {
            hotkv_abi::text::split_args(pair[1]).map_err(|e| format!("Invalid argument: {e}")).and_then(|words| {
                let refs: Vec<&[u8]> = words.iter().map(|w| w.as_slice()).collect();
                changed.extend(apply_args(&mut next, &refs)?);
                new_args = Some(words);
                Ok(())
            })
        } else {
            changed.push(name);
            set(&mut next, name, pair[1], false)
        };
        if let Err(e) = r {
            return c.add_error(&set_failed(name, &e));
        }
    }
    // The directory first: the one change that can still fail (chdir),
    // and when it does nothing else has been applied.
    if let Some(dir) = new_dir {
        let h = crate::host::host();
        let mut err = RBytes::new();
        // SAFETY: the path and the error buffer are valid for the call.
        if unsafe { (h.set_dir)(h.ctx, hotkv_abi::host::StrRef::new(dir), &mut err) } != hotkv_abi::host::status::OK {
            return c.add_error(&set_failed("dir", &String::from_utf8_lossy(&err)));
        }
    }
    let password_changed = next.requirepass != srv.cfg.requirepass;
    for name in changed {
        record(&mut srv.st.settings, &next, name);
    }
    srv.cfg = next;
    if let Err(e) = crate::aof::follow_setting(srv) {
        log::warn!("{e}");
        return c.add_error(&set_failed("appendonly", "Unable to turn on AOF. Check server logs."));
    }
    if password_changed {
        let pw = srv.cfg.requirepass.clone();
        crate::acl::set_requirepass(srv, &pw);
    }
    if let Some(words) = new_args {
        set_logic_args(&words);
    }
    if let Some(name) = new_loglevel {
        let h = crate::host::host();
        // SAFETY: the name is borrowed for the call; it was validated above
        // with the table the shell uses, so the shell accepts it.
        unsafe { (h.set_log_level)(h.ctx, hotkv_abi::host::StrRef::new(name)) };
        crate::host::follow_log_level();
    }
    c.add_ok();
}

/// Redis's error for an enum setting given another word.
fn one_of<'a>(names: impl Iterator<Item = &'a str>) -> String {
    format!("argument(s) must be one of the following: {}", names.collect::<Vec<_>>().join(", "))
}

/// Replaces the running library's arguments in the shell (what CONFIG GET
/// and CONFIG REWRITE show as `logic-args`, and what ROLLBACK restores).
pub fn set_logic_args(words: &[Vec<u8>]) {
    let h = crate::host::host();
    let refs: Vec<hotkv_abi::host::StrRef> = words.iter().map(|w| hotkv_abi::host::StrRef::new(w)).collect();
    // SAFETY: the pointers are valid for the call; the shell copies them.
    unsafe { (h.set_logic_args)(h.ctx, refs.as_ptr(), refs.len()) };
}

/// CONFIG RESETSTAT: the INFO stats counters back to zero.
pub fn resetstat_command(srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    // SAFETY: Stats is all integers; zero is its initial value.
    srv.st.stats = unsafe { std::mem::zeroed() };
    c.add_ok();
}

/// Applies one config-file directive (`name value`); returns the setting's name.
pub fn apply_directive(cfg: &mut Config, words: &[&[u8]], at_start: bool) -> Result<&'static str, String> {
    let name = String::from_utf8_lossy(words[0]).to_ascii_lowercase();
    if name == "save" && words.len() > 1 {
        // `save` lines add up (a file has one per save point, or several
        // pairs on a line); `save ""` clears them.
        let mut points = get(cfg, "save");
        for w in &words[1..] {
            points = format!("{points} {}", String::from_utf8_lossy(w));
        }
        let value = if words[1..].iter().all(|w| w.is_empty()) { String::new() } else { points.trim().to_string() };
        return set(cfg, "save", value.as_bytes(), at_start).map(|()| "save");
    }
    if name == "client-output-buffer-limit" && words.len() > 2 {
        // One line per class (`client-output-buffer-limit normal 0 0 0`),
        // each applied over the others, as Redis reads them.
        let value = words[1..].join(&b' ');
        return set(cfg, "client-output-buffer-limit", &value, at_start).map(|()| "client-output-buffer-limit");
    }
    match (words, find(&name)) {
        ([_, v], Some(s)) => set(cfg, s.name, v, at_start).map(|()| s.name),
        _ => Err("Bad directive or wrong number of arguments".into()),
    }
}

/// Applies logic arguments: `name value` pairs of [`SETTINGS`]. All are
/// checked on a copy first, so a bad one changes nothing. Returns the
/// names of the settings set.
pub fn apply_args(cfg: &mut Config, args: &[&[u8]]) -> Result<Vec<&'static str>, String> {
    if !args.len().is_multiple_of(2) {
        return Err("logic arguments come in 'name value' pairs".into());
    }
    let mut next = cfg.clone();
    let mut names = Vec::new();
    for pair in args.chunks(2) {
        let name = String::from_utf8_lossy(pair[0]).to_ascii_lowercase();
        let e = |e: String| format!("logic argument '{name}': {e}");
        let s = find(&name).ok_or_else(|| e("Bad directive or wrong number of arguments".into()))?;
        set(&mut next, s.name, pair[1], false).map_err(e)?;
        names.push(s.name);
    }
    *cfg = next;
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_units() {
        assert_eq!(parse_memory(b"100"), Some(100));
        assert_eq!(parse_memory(b"1k"), Some(1000));
        assert_eq!(parse_memory(b"1KB"), Some(1024));
        assert_eq!(parse_memory(b"2gb"), Some(2 << 30));
        assert_eq!(parse_memory(b"x"), None);
    }

    #[test]
    fn words_quoted_when_needed() {
        assert_eq!(config_word(b"127.0.0.1"), "127.0.0.1");
        assert_eq!(config_word(b""), "\"\"");
        assert_eq!(config_word(b"a b"), "\"a b\"");
        assert_eq!(config_word(b"a\"b"), "\"a\\\"b\"");
    }

    #[test]
    fn declared_defaults_are_redis_defaults() {
        let d = defaults();
        assert_eq!((d.hz, d.databases, d.maxclients, d.timeout_s, d.tcp_keepalive_s), (10, 16, 10000, 0, 300));
        assert_eq!((d.proto_max_bulk_len, d.client_query_buffer_limit, d.maxmemory), (512 << 20, 1 << 30, 0));
    }

    #[test]
    fn args_are_atomic() {
        let mut c = defaults();
        assert!(apply_args(&mut c, &[b"hz", b"50", b"nosuch", b"1"]).is_err());
        assert_eq!(c.hz, 10);
        apply_args(&mut c, &[b"hz", b"50"]).unwrap();
        assert_eq!(c.hz, 50);
    }
}
