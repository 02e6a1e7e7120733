//! Keyspace notifications (Redis's notify.c): with `notify-keyspace-events`
//! on, a change to a key publishes `__keyspace@<db>__:<key>` (the event
//! name as message) and/or `__keyevent@<db>__:<event>` (the key as
//! message) to pub/sub subscribers.
//!
//! Commands change keys while they hold a database borrowed (`Keyspace`),
//! which cannot reach the clients to deliver to: events are queued there
//! and published, in order, once the command (or the expire cycle) is
//! done. Subscribers are other connections, so they see exactly what
//! Redis's immediate publishing shows them.
//!
//! Every command that changes a key queues Redis 7.0's event for it (the
//! same name and class letter, in the same order), next to the change in
//! its family's file; an aggregate that loses its last element is then
//! deleted with a "del" event after the command's own
//! (`Keyspace::delete_if_emptied`). A blocking pop that is served runs
//! its command again, so it announces what the command does.

use crate::server::Server;
use hotkv_abi::state::Client;

/// Event classes (Redis's `NOTIFY_*`), as stored in the setting.
pub mod class {
    pub const KEYSPACE: u32 = 1 << 0;
    pub const KEYEVENT: u32 = 1 << 1;
    pub const GENERIC: u32 = 1 << 2;
    pub const STRING: u32 = 1 << 3;
    pub const LIST: u32 = 1 << 4;
    pub const SET: u32 = 1 << 5;
    pub const HASH: u32 = 1 << 6;
    pub const ZSET: u32 = 1 << 7;
    pub const EXPIRED: u32 = 1 << 8;
    pub const EVICTED: u32 = 1 << 9;
    pub const STREAM: u32 = 1 << 10;
    pub const KEY_MISS: u32 = 1 << 11;
    pub const MODULE: u32 = 1 << 13;
    pub const NEW: u32 = 1 << 14;
    /// `A`: every class but key-miss and new.
    pub const ALL: u32 = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;
}

/// The class letters in the order CONFIG GET shows them (after `A`, or
/// instead of it when not all of its classes are on).
const CLASS_LETTERS: &[(u8, u32)] = &[
    (b'g', class::GENERIC),
    (b'$', class::STRING),
    (b'l', class::LIST),
    (b's', class::SET),
    (b'h', class::HASH),
    (b'z', class::ZSET),
    (b'x', class::EXPIRED),
    (b'e', class::EVICTED),
    (b't', class::STREAM),
    (b'd', class::MODULE),
    (b'n', class::NEW),
];
/// Letters shown after the classes.
const TAIL_LETTERS: &[(u8, u32)] = &[(b'K', class::KEYSPACE), (b'E', class::KEYEVENT), (b'm', class::KEY_MISS)];

/// Parses the setting (Redis's `keyspaceEventsStringToFlags`).
pub fn parse(s: &[u8]) -> Result<u32, String> {
    let mut flags = 0;
    for &ch in s {
        flags |= match ch {
            b'A' => class::ALL,
            _ => match CLASS_LETTERS.iter().chain(TAIL_LETTERS).find(|(l, _)| *l == ch) {
                Some(&(_, f)) => f,
                None => return Err("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into()),
            },
        };
    }
    Ok(flags)
}

/// The setting as CONFIG GET shows it (Redis's `keyspaceEventsFlagsToString`).
pub fn render(flags: u32) -> String {
    let mut out = Vec::new();
    if flags & class::ALL == class::ALL {
        out.push(b'A');
    } else {
        out.extend(CLASS_LETTERS.iter().filter(|(_, f)| flags & f != 0).map(|(l, _)| *l));
    }
    out.extend(TAIL_LETTERS.iter().filter(|(_, f)| flags & f != 0).map(|(l, _)| *l));
    String::from_utf8(out).expect("ASCII letters")
}

/// An event waiting to be published.
pub struct Event {
    pub event: &'static str,
    pub key: Vec<u8>,
    pub db: u32,
}

/// Queues `event` on `key` of database `db` if the setting asks for its
/// class and for at least one kind of channel (Redis's
/// `notifyKeyspaceEvent`). Nothing is allocated when it does not.
pub fn queue(queue: &mut Vec<Event>, flags: u32, class: u32, event: &'static str, key: &[u8], db: u32) {
    if flags & class != 0 && flags & (class::KEYSPACE | class::KEYEVENT) != 0 {
        queue.push(Event { event, key: key.to_vec(), db });
    }
}

/// Publishes the queued events. `me` is the client whose command queued
/// them, if any (it may itself be a subscriber).
pub fn flush(srv: &mut Server, mut me: Option<&mut Client>) {
    let mut events = std::mem::take(&mut srv.events);
    let flags = srv.cfg.notify_keyspace_events;
    for e in &events {
        if flags & class::KEYSPACE != 0 {
            let channel = [format!("__keyspace@{}__:", e.db).as_bytes(), &e.key].concat();
            crate::pubsub::publish_message(srv, me.as_deref_mut(), &channel, e.event.as_bytes());
        }
        if flags & class::KEYEVENT != 0 {
            let channel = format!("__keyevent@{}__:{}", e.db, e.event);
            crate::pubsub::publish_message(srv, me.as_deref_mut(), channel.as_bytes(), &e.key);
        }
    }
    // The queue's buffer is kept for the next command.
    events.clear();
    srv.events = events;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_text_round_trips_in_redis_order() {
        for (given, shown) in [("KEA", "AKE"), ("Kxg", "gxK"), ("nmK$", "$nKm"), ("A", "A"), ("", ""), ("g$lshzxetdKE", "AKE")] {
            assert_eq!(render(parse(given.as_bytes()).unwrap()), shown, "{given}");
        }
        assert!(parse(b"Kq").is_err());
    }
}
