//! Users, authentication and permissions (Redis 7.0's `acl.c`, without
//! selectors): AUTH with one or two arguments, `requirepass` as the
//! `default` user's password, ACL WHOAMI/USERS/LIST/SETUSER/DELUSER/
//! GETUSER/CAT, and the checks every command passes: NOAUTH before
//! authentication, NOPERM for a command or key the user may not touch.
//!
//! What survives an UPGRADE is text: each user is kept in the state
//! (`ServerState::users`) as its rules in ACL LIST form (`on #<sha256> ~k*
//! resetchannels -@all +get`), and each connection's user by name with its
//! `AUTHENTICATED` bit. Each version compiles the text into [`User`]s when
//! it starts running and after every change, so a new version may represent
//! rules its own way.
//!
//! Differences from Redis, by design for now: ACL LIST prints a user's
//! command rules in the order they were given (Redis 7.0 re-derives them
//! from its full command table, which we do not have); `%R~`/`%W~` key
//! patterns apply to read-only / writing commands rather than per key spec.
//! Channel patterns are checked for PUBLISH, SUBSCRIBE and PSUBSCRIBE.

use crate::commands::{self, acl as cat, flag, Command};
use crate::reply::{err, Reply};
use crate::server::Server;
use crate::util::{eq_ic, glob_match};
use hotkv_abi::state::{client_flag, AclUser, Client, ServerState};
use hotkv_abi::vec::RBytes;
use sha2::{Digest, Sha256};

const WRONGPASS: &str = "-WRONGPASS invalid username-password pair or user is disabled.";

/// A command rule: a category (by bit) or a command by full name
/// (`get`, `client|list`; a container's name covers its subcommands).
#[derive(Clone, Debug)]
enum Target {
    Category(u32),
    Command(String),
}

/// A user, compiled from its rule text.
#[derive(Clone, Debug)]
pub struct User {
    pub name: Vec<u8>,
    on: bool,
    nopass: bool,
    /// SHA-256 of each password, lower-case hex.
    passwords: Vec<String>,
    /// Key patterns as written (`~k*`, `%R~r*`); `~*` alone once `allkeys`.
    keys: Vec<Vec<u8>>,
    allkeys: bool,
    /// Channel patterns (without `&`); `allchannels` instead of a list.
    channels: Vec<Vec<u8>>,
    allchannels: bool,
    /// What a command no rule names gets: `+@all` or `-@all`.
    all_commands: bool,
    /// Later rules win.
    rules: Vec<(bool, Target, String)>,
}

impl User {
    /// A new user as ACL SETUSER creates it (Redis 7.0 with
    /// `acl-pubsub-default resetchannels`): off, no password, no keys, no
    /// channels, no commands.
    fn new(name: &[u8]) -> User {
        User {
            name: name.to_vec(),
            on: false,
            nopass: false,
            passwords: Vec::new(),
            keys: Vec::new(),
            allkeys: false,
            channels: Vec::new(),
            allchannels: false,
            all_commands: false,
            rules: Vec::new(),
        }
    }

    /// Everything allowed: the `default` user out of the box.
    fn open(&self) -> bool {
        self.all_commands && self.rules.is_empty() && self.allkeys
    }

    /// Applies one rule (`on`, `>pw`, `~k*`, `+@read`, `-get`, ...); the
    /// reason Redis gives when it is refused.
    fn apply(&mut self, op: &[u8]) -> Result<(), String> {
        let lower = op.to_ascii_lowercase();
        match lower.as_slice() {
            b"on" => self.on = true,
            b"off" => self.on = false,
            b"nopass" => {
                self.nopass = true;
                self.passwords.clear();
            }
            b"resetpass" => {
                self.nopass = false;
                self.passwords.clear();
            }
            b"allkeys" => self.apply(b"~*")?,
            b"resetkeys" => {
                self.allkeys = false;
                self.keys.clear();
            }
            b"allchannels" => self.apply(b"&*")?,
            b"resetchannels" => {
                self.allchannels = false;
                self.channels.clear();
            }
            b"allcommands" => self.apply(b"+@all")?,
            b"nocommands" => self.apply(b"-@all")?,
            b"reset" => {
                let name = std::mem::take(&mut self.name);
                *self = User::new(&name);
            }
            _ => match op.first() {
                Some(b'>') => {
                    let h = sha256_hex(&op[1..]);
                    if !self.passwords.contains(&h) {
                        self.passwords.push(h);
                    }
                    self.nopass = false;
                }
                Some(b'#') => {
                    let h = &op[1..];
                    if h.len() != 64 || !h.iter().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b)) {
                        return Err("The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters".into());
                    }
                    let h = String::from_utf8_lossy(h).into_owned();
                    if !self.passwords.contains(&h) {
                        self.passwords.push(h);
                    }
                    self.nopass = false;
                }
                Some(b'<') => self.remove_password(&sha256_hex(&op[1..]))?,
                Some(b'!') => self.remove_password(&String::from_utf8_lossy(&op[1..]))?,
                Some(b'~') | Some(b'%') => self.add_key_pattern(op)?,
                Some(b'&') => {
                    if self.allchannels {
                        return Err("Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels".into());
                    }
                    if &op[1..] == b"*" {
                        self.allchannels = true;
                        self.channels.clear();
                    } else {
                        self.channels.push(op[1..].to_vec());
                    }
                }
                Some(&sign @ (b'+' | b'-')) => self.add_command_rule(sign == b'+', &lower[1..])?,
                _ => return Err("Syntax error".into()),
            },
        }
        Ok(())
    }

    fn remove_password(&mut self, h: &str) -> Result<(), String> {
        match self.passwords.iter().position(|p| p == h) {
            Some(i) => {
                self.passwords.remove(i);
                Ok(())
            }
            None => Err("The password you are trying to remove from the user does not exist".into()),
        }
    }

    fn add_key_pattern(&mut self, op: &[u8]) -> Result<(), String> {
        if self.allkeys {
            return Err("Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns".into());
        }
        let tilde = op.iter().position(|&b| b == b'~').ok_or("Syntax error")?;
        let perms = op[..tilde].to_ascii_uppercase();
        if op[0] == b'%' && (perms.len() < 2 || !perms[1..].iter().all(|b| *b == b'R' || *b == b'W')) {
            return Err("Syntax error".into());
        }
        if op == b"~*" {
            self.allkeys = true;
            self.keys.clear();
        }
        self.keys.push(op.to_vec());
        Ok(())
    }

    fn add_command_rule(&mut self, allow: bool, what: &[u8]) -> Result<(), String> {
        const UNKNOWN: &str = "Unknown command or category name in ACL";
        if let Some(name) = what.strip_prefix(b"@") {
            if name == b"all" {
                self.all_commands = allow;
                self.rules.clear();
                return Ok(());
            }
            let &(bit, _) = cat::NAMES.iter().find(|(_, n)| n.as_bytes() == name).ok_or(UNKNOWN)?;
            let text = format!("{}@{}", if allow { '+' } else { '-' }, String::from_utf8_lossy(name));
            self.rules.push((allow, Target::Category(bit), text));
            return Ok(());
        }
        let full = resolve_command(what).ok_or(UNKNOWN)?;
        // A later rule for the same command replaces the earlier one.
        self.rules.retain(|(_, t, _)| !matches!(t, Target::Command(n) if *n == full));
        let text = format!("{}{full}", if allow { '+' } else { '-' });
        self.rules.push((allow, Target::Command(full), text));
        Ok(())
    }

    /// The rules in ACL LIST form (after `user <name> `).
    fn describe(&self) -> String {
        let mut w: Vec<String> = vec![if self.on { "on" } else { "off" }.into()];
        if self.nopass {
            w.push("nopass".into());
        }
        w.extend(self.passwords.iter().map(|h| format!("#{h}")));
        w.extend(self.keys.iter().map(|k| String::from_utf8_lossy(k).into_owned()));
        if self.allchannels {
            w.push("&*".into());
        } else {
            w.push("resetchannels".into());
            w.extend(self.channels.iter().map(|c| format!("&{}", String::from_utf8_lossy(c))));
        }
        w.push(if self.all_commands { "+@all" } else { "-@all" }.into());
        w.extend(self.rules.iter().map(|(_, _, t)| t.clone()));
        w.join(" ")
    }

    fn can_run(&self, cmd: &Command, container: Option<&Command>) -> bool {
        let cats = cmd.acl_categories();
        for (allow, target, _) in self.rules.iter().rev() {
            let hit = match target {
                Target::Category(bit) => cats & bit != 0,
                Target::Command(n) => match container {
                    Some(top) => *n == top.name || n.strip_prefix(top.name).and_then(|r| r.strip_prefix('|')) == Some(cmd.name),
                    None => *n == cmd.name,
                },
            };
            if hit {
                return *allow;
            }
        }
        self.all_commands
    }

    fn can_access_key(&self, key: &[u8], cmd: &Command) -> bool {
        self.allkeys
            || self.keys.iter().any(|p| {
                let tilde = p.iter().position(|&b| b == b'~').unwrap_or(0);
                let perms = &p[..tilde];
                let applies = perms.is_empty()
                    || (perms.contains(&b'R') || perms.contains(&b'r')) && cmd.flags & flag::WRITE == 0
                    || (perms.contains(&b'W') || perms.contains(&b'w')) && cmd.flags & flag::READONLY == 0;
                applies && glob_match(&p[tilde + 1..], key, false)
            })
    }
}

impl User {
    /// The channels of PUBLISH and SUBSCRIBE must match one of the user's
    /// patterns; a PSUBSCRIBE pattern must be one of them, literally (Redis's
    /// `ACLCheckChannelAgainstList`). Other commands name no channel.
    fn can_access_channels(&self, cmd: &str, argv: &[&[u8]]) -> bool {
        let (channels, literal) = match cmd {
            "publish" => (&argv[1..2], false),
            "subscribe" => (&argv[1..], false),
            "psubscribe" => (&argv[1..], true),
            _ => return true,
        };
        channels.iter().all(|ch| self.channels.iter().any(|p| if literal { p.as_slice() == *ch } else { glob_match(p, ch, false) }))
    }
}

fn sha256_hex(pw: &[u8]) -> String {
    Sha256::digest(pw).iter().map(|b| format!("{b:02x}")).collect()
}

/// `get` or `client|list` as the table has it, if it is a command.
fn resolve_command(what: &[u8]) -> Option<String> {
    let mut parts = what.splitn(2, |&b| b == b'|');
    let top = commands::lookup(commands::COMMANDS, parts.next()?)?;
    match parts.next() {
        None => Some(top.name.to_string()),
        Some(sub) => commands::lookup(top.subcommands, sub).map(|s| format!("{}|{}", top.name, s.name)),
    }
}

/// The users of the running version, compiled from the state.
#[derive(Default)]
pub struct Acl {
    users: Vec<User>,
    /// Every user may run everything on every key: no check needed.
    all_open: bool,
}

impl Acl {
    pub(crate) fn user(&self, name: &[u8]) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }

    fn default_user(&self) -> &User {
        self.user(b"default").expect("the default user always exists")
    }
}

/// The built-in `default` user with `requirepass` applied.
fn default_user(requirepass: &[u8]) -> User {
    let mut u = User::new(b"default");
    for op in [&b"on"[..], b"nopass", b"~*", b"&*", b"+@all"] {
        u.apply(op).expect("built-in rules are valid");
    }
    if !requirepass.is_empty() {
        u.apply(b"resetpass").expect("valid");
        u.apply(&[b">", requirepass].concat()).expect("valid");
    }
    u
}

/// Compiles the state's users (adding the `default` user if the state has
/// none yet, with the configured `requirepass`).
pub fn load(st: &mut ServerState, requirepass: &[u8]) -> Acl {
    if !st.users.iter().any(|u| u.name.as_slice() == b"default") {
        store(st, &default_user(requirepass));
    }
    let mut users = Vec::new();
    for au in st.users.iter() {
        let mut u = User::new(&au.name);
        // The text was written by `describe`: every rule in it applies.
        for op in hotkv_abi::text::split_args(&au.rules).unwrap_or_default() {
            let _ = u.apply(&op);
        }
        users.push(u);
    }
    users.sort_by(|a, b| a.name.cmp(&b.name));
    let all_open = users.iter().all(User::open);
    Acl { users, all_open }
}

/// Records a user's rules in the state (replacing its entry).
fn store(st: &mut ServerState, u: &User) {
    let rules = RBytes::from_slice(u.describe().as_bytes());
    match st.users.iter_mut().find(|e| e.name.as_slice() == u.name.as_slice()) {
        Some(e) => e.rules = rules,
        None => st.users.push(AclUser { name: RBytes::from_slice(&u.name), rules }),
    }
}

/// Replaces the compiled users after a change to the state's.
fn reload(srv: &mut Server) {
    srv.acl = load(srv.st, &srv.cfg.requirepass);
}

/// CONFIG SET requirepass: the `default` user's passwords become this one
/// (or `nopass` when empty), as Redis's `ACLUpdateDefaultUserPassword`.
pub fn set_requirepass(srv: &mut Server, password: &[u8]) {
    let mut u = srv.acl.default_user().clone();
    u.apply(b"resetpass").expect("valid");
    let op = if password.is_empty() { b"nopass".to_vec() } else { [b">", password].concat() };
    u.apply(&op).expect("valid");
    store(srv.st, &u);
    reload(srv);
}

/// Does this connection have to authenticate before running a command?
/// (Redis's `authRequired`: the default user has a password or is off, and
/// the connection has not authenticated.)
#[inline]
pub fn auth_required(srv: &Server, c: &Client) -> bool {
    c.flags & client_flag::AUTHENTICATED == 0 && {
        let d = srv.acl.default_user();
        !d.nopass || !d.on
    }
}

/// The flags a new connection starts with: authenticated as `default`
/// when `default` needs no password.
pub fn new_client_flags(srv: &Server) -> u32 {
    let d = srv.acl.default_user();
    if d.nopass && d.on {
        client_flag::AUTHENTICATED
    } else {
        0
    }
}

/// Protected mode (Redis 7.0): while `protected-mode` is on and the
/// default user needs no password, only loopback connections are taken.
pub fn protected_mode_refuses(srv: &Server, addr: &[u8]) -> bool {
    srv.cfg.protected_mode && srv.acl.default_user().nopass && !crate::networking::is_loopback(addr)
}

/// The NOPERM error for a command the connection's user may not run, or
/// whose keys it may not touch; None when allowed.
#[inline]
pub fn check(srv: &Server, c: &Client, cmd: &Command, container: Option<&Command>, argv: &[&[u8]]) -> Option<String> {
    if srv.acl.all_open || cmd.flags & flag::NO_AUTH != 0 {
        return None;
    }
    let Some(u) = srv.acl.user(&c.user) else {
        return Some(format!("-NOPERM this user has no permissions to run the '{}' command", String::from_utf8_lossy(&c.last_cmd)));
    };
    if !u.can_run(cmd, container) {
        return Some(format!("-NOPERM this user has no permissions to run the '{}' command", String::from_utf8_lossy(&c.last_cmd)));
    }
    if !u.allkeys && commands::command_keys(cmd, argv).iter().any(|k| !u.can_access_key(k, cmd)) {
        return Some("-NOPERM this user has no permissions to access one of the keys used as arguments".into());
    }
    if !u.allchannels && !u.can_access_channels(cmd.name, argv) {
        return Some("-NOPERM this user has no permissions to access one of the channels used as arguments".into());
    }
    None
}

/// Checks `user`/`password` and, if they match, authenticates the
/// connection as `user`. The error reply text otherwise.
pub fn authenticate(srv: &Server, c: &mut Client, user: &[u8], password: &[u8]) -> Result<(), &'static str> {
    let ok = srv.acl.user(user).is_some_and(|u| u.on && (u.nopass || u.passwords.contains(&sha256_hex(password))));
    if !ok {
        return Err(WRONGPASS);
    }
    c.flags |= client_flag::AUTHENTICATED;
    c.user.clear();
    c.user.extend_from_slice(user);
    Ok(())
}

/// AUTH [username] password
pub fn auth(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let r = match argv.len() {
        2 if srv.acl.default_user().nopass => {
            return c.add_error(
                "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
            )
        }
        2 => authenticate(srv, c, b"default", argv[1]),
        3 => authenticate(srv, c, argv[1], argv[2]),
        _ => return c.add_error(err::SYNTAX),
    };
    match r {
        Ok(()) => c.add_ok(),
        Err(e) => c.add_error(e),
    }
}

/// ACL WHOAMI
pub fn whoami(_srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    let name = c.user.as_slice().to_vec();
    c.add_bulk(&name);
}

/// ACL USERS
pub fn users(srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    c.add_array(srv.acl.users.len());
    for u in &srv.acl.users {
        c.add_bulk(&u.name);
    }
}

/// ACL LIST
pub fn list(srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    c.add_array(srv.acl.users.len());
    for u in &srv.acl.users {
        c.add_bulk(format!("user {} {}", String::from_utf8_lossy(&u.name), u.describe()).as_bytes());
    }
}

/// ACL SETUSER username [rule ...]: every rule is checked on a copy
/// first, so a bad one changes nothing.
pub fn setuser(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let mut u = srv.acl.user(argv[2]).cloned().unwrap_or_else(|| User::new(argv[2]));
    for op in &argv[3..] {
        if let Err(e) = u.apply(op) {
            return c.add_error(&format!("Error in ACL SETUSER modifier '{}': {e}", String::from_utf8_lossy(op)));
        }
    }
    store(srv.st, &u);
    reload(srv);
    c.add_ok();
}

/// ACL DELUSER username [username ...]: the users' connections are closed,
/// as in Redis.
pub fn deluser(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    if argv[2..].iter().any(|n| *n == b"default") {
        return c.add_error("The 'default' user cannot be removed");
    }
    let mut removed = 0;
    for name in &argv[2..] {
        if let Some(i) = srv.st.users.iter().position(|u| u.name.as_slice() == *name) {
            srv.st.users.remove(i);
            removed += 1;
            crate::client::close_clients_of_user(srv, c, name);
        }
    }
    reload(srv);
    c.add_int(removed);
}

/// ACL GETUSER username (Redis 7.0's map, without selectors' contents).
pub fn getuser(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let Some(u) = srv.acl.user(argv[2]).cloned() else {
        return c.add_null();
    };
    c.add_map(6);
    c.add_bulk(b"flags");
    let mut flags = vec![if u.on { "on" } else { "off" }];
    if u.nopass {
        flags.push("nopass");
    }
    c.add_set(flags.len());
    for f in flags {
        c.add_bulk(f.as_bytes());
    }
    c.add_bulk(b"passwords");
    c.add_array(u.passwords.len());
    for p in &u.passwords {
        c.add_bulk(p.as_bytes());
    }
    let rules: Vec<String> = std::iter::once(if u.all_commands { "+@all" } else { "-@all" }.to_string())
        .chain(u.rules.iter().map(|(_, _, t)| t.clone()))
        .collect();
    c.add_bulk(b"commands");
    c.add_bulk(rules.join(" ").as_bytes());
    c.add_bulk(b"keys");
    c.add_bulk(u.keys.iter().map(|k| String::from_utf8_lossy(k).into_owned()).collect::<Vec<_>>().join(" ").as_bytes());
    c.add_bulk(b"channels");
    let channels = if u.allchannels { "&*".to_string() } else { u.channels.iter().map(|ch| format!("&{}", String::from_utf8_lossy(ch))).collect::<Vec<_>>().join(" ") };
    c.add_bulk(channels.as_bytes());
    c.add_bulk(b"selectors");
    c.add_array(0);
}

/// ACL CAT [category]: the categories, or the commands in one.
pub fn cat(_srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let Some(name) = argv.get(2) else {
        c.add_array(cat::NAMES.len());
        for (_, n) in cat::NAMES {
            c.add_bulk(n.as_bytes());
        }
        return;
    };
    let Some(&(bit, _)) = cat::NAMES.iter().find(|(_, n)| eq_ic(n.as_bytes(), name)) else {
        return c.add_error(&format!("Unknown category '{}'", String::from_utf8_lossy(name)));
    };
    let mut names = Vec::new();
    for top in commands::COMMANDS {
        if top.subcommands.is_empty() {
            if top.acl_categories() & bit != 0 {
                names.push(top.name.to_string());
            }
        } else {
            names.extend(top.subcommands.iter().filter(|s| s.acl_categories() & bit != 0).map(|s| format!("{}|{}", top.name, s.name)));
        }
    }
    c.add_array(names.len());
    for n in names {
        c.add_bulk(n.as_bytes());
    }
}

const HELP: &[&str] = &[
    "CAT [<category>]",
    "    List all commands that belong to <category>, or all command categories",
    "    when no category is specified.",
    "DELUSER <username> [<username> ...]",
    "    Delete a list of users.",
    "GETUSER <username>",
    "    Get the user's details.",
    "LIST",
    "    Show users details in config file format.",
    "SETUSER <username> <attribute> [<attribute> ...]",
    "    Create or modify a user with the specified attributes.",
    "USERS",
    "    List all the registered usernames.",
    "WHOAMI",
    "    Return the current connection username.",
];

/// ACL HELP
pub fn help(_srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    c.add_help(argv[0], HELP);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(rules: &[&str]) -> User {
        let mut u = User::new(b"u");
        for r in rules {
            u.apply(r.as_bytes()).unwrap();
        }
        u
    }

    #[test]
    fn describes_like_acl_list() {
        assert_eq!(default_user(b"").describe(), "on nopass ~* &* +@all");
        let u = user(&["on", ">pw", "~k*", "+get"]);
        assert_eq!(u.describe(), format!("on #{} ~k* resetchannels -@all +get", sha256_hex(b"pw")));
        assert_eq!(user(&["on", "nopass", "allkeys", "allcommands", "-get", "+get", "-set"]).describe(), "on nopass ~* resetchannels +@all +get -set");
    }

    #[test]
    fn later_rules_win_and_containers_cover_subcommands() {
        let get = commands::lookup(commands::COMMANDS, b"get").unwrap();
        let client = commands::lookup(commands::COMMANDS, b"client").unwrap();
        let list = commands::lookup(client.subcommands, b"list").unwrap();
        assert!(user(&["+@all", "-@read", "+get"]).can_run(get, None));
        assert!(!user(&["+get", "-@read"]).can_run(get, None));
        assert!(user(&["+client"]).can_run(list, Some(client)));
        assert!(!user(&["+client", "-client|list"]).can_run(list, Some(client)));
    }

    #[test]
    fn bad_rules_are_refused_with_redis_reasons() {
        let mut u = User::new(b"u");
        assert_eq!(u.apply(b"bogus").unwrap_err(), "Syntax error");
        assert_eq!(u.apply(b"+nosuch").unwrap_err(), "Unknown command or category name in ACL");
        assert_eq!(u.apply(b"+@nosuch").unwrap_err(), "Unknown command or category name in ACL");
        assert!(u.apply(b"<nopw").unwrap_err().contains("does not exist"));
        u.apply(b"allkeys").unwrap();
        assert!(u.apply(b"~x").unwrap_err().starts_with("Adding a pattern after the * pattern"));
    }
}
