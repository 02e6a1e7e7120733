//! `client-output-buffer-limit` (Redis 7.0's `client_obuf_limits` and
//! `closeClientOnOutputBufferLimitReached`): a client whose unsent reply
//! passes its class's hard limit, or stays above the soft limit for longer
//! than the soft seconds, is closed asynchronously (its pending output is
//! dropped), so a subscriber that never reads cannot make the server hold
//! every message published since.
//!
//! The reply measured is the unsent part of `Client::reply`. Redis counts
//! only what overflows its 16 KiB static buffer into the reply list, so a
//! limit below 16 KiB closes a client a little earlier here.

use crate::config::parse_memory;
use crate::server::Server;
use crate::util::eq_ic;
use hotkv_abi::state::{client_flag as cf, Client};

/// The limits of one class of clients; 0 = no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limit {
    pub hard: u64,
    pub soft: u64,
    pub soft_seconds: u64,
}

/// Classes in Redis's order (`CLIENT_TYPE_NORMAL`, `_SLAVE`, `_PUBSUB`),
/// by the names CONFIG GET prints.
const CLASSES: [&str; 3] = ["normal", "slave", "pubsub"];
const NORMAL: usize = 0;
const PUBSUB: usize = 2;

/// Redis 7.0's defaults.
pub const DEFAULT: [Limit; 3] = [
    Limit { hard: 0, soft: 0, soft_seconds: 0 },
    Limit { hard: 256 << 20, soft: 64 << 20, soft_seconds: 60 },
    Limit { hard: 32 << 20, soft: 8 << 20, soft_seconds: 60 },
];

/// Applies a value (`<class> <hard> <soft> <soft seconds>`...) over
/// `limits`, all or nothing, with Redis's checks and error texts; classes
/// not named keep their limits. `replica` is `slave`.
pub fn parse(v: &[u8], limits: &mut [Limit; 3]) -> Result<(), String> {
    let words: Vec<&[u8]> = v.split(|&b| b == b' ').filter(|w| !w.is_empty()).collect();
    if !words.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let mut new = *limits;
    for w in words.chunks(4) {
        let class = match CLASSES.iter().position(|c| eq_ic(w[0], c.as_bytes())) {
            Some(i) => i,
            None if eq_ic(w[0], b"replica") => 1,
            None => return Err("Invalid client class specified in buffer limit configuration.".into()),
        };
        let seconds = std::str::from_utf8(w[3]).ok().and_then(|s| s.parse::<i64>().ok()).filter(|&s| s >= 0);
        let (Some(hard), Some(soft), Some(seconds)) = (parse_memory(w[1]), parse_memory(w[2]), seconds) else {
            return Err("Error in hard, soft or soft_seconds setting in buffer limit configuration.".into());
        };
        new[class] = Limit { hard, soft, soft_seconds: seconds as u64 };
    }
    *limits = new;
    Ok(())
}

/// The value as CONFIG GET shows it.
pub fn render(limits: &[Limit; 3]) -> String {
    let parts: Vec<String> = CLASSES.iter().zip(limits).map(|(c, l)| format!("{c} {} {} {}", l.hard, l.soft, l.soft_seconds)).collect();
    parts.join(" ")
}

/// CONFIG REWRITE's lines (Redis's `rewriteConfigClientOutputBufferLimitOption`):
/// one per class, `replica` for `slave`, sizes in the largest unit that
/// divides them; the classes whose limits differ from the default, or the
/// `normal` line alone when none does (written only over a line the file
/// already has). Returns the lines and whether any class differs.
pub fn rewrite_lines(limits: &[Limit; 3]) -> (String, bool) {
    let line = |i: usize| {
        let l = limits[i];
        let name = if i == 1 { "replica" } else { CLASSES[i] };
        format!("client-output-buffer-limit {name} {} {} {}", memory_word(l.hard), memory_word(l.soft), l.soft_seconds)
    };
    let changed: Vec<String> = (0..3).filter(|&i| limits[i] != DEFAULT[i]).map(line).collect();
    if changed.is_empty() {
        (line(NORMAL), false)
    } else {
        (changed.join("\n"), true)
    }
}

/// Redis's `rewriteConfigFormatMemory`: 1gb, 64mb, 16kb or plain bytes.
fn memory_word(n: u64) -> String {
    const KB: u64 = 1024;
    match n {
        0 => "0".into(),
        n if n % (KB * KB * KB) == 0 => format!("{}gb", n / (KB * KB * KB)),
        n if n % (KB * KB) == 0 => format!("{}mb", n / (KB * KB)),
        n if n % KB == 0 => format!("{}kb", n / KB),
        n => n.to_string(),
    }
}

/// Whether the client's unsent reply is over its class's limits now
/// (Redis's `checkClientOutputBufferLimits`), keeping the time the soft
/// limit was first passed in the client (it survives a swap).
fn over_limit(srv: &Server, c: &mut Client) -> bool {
    let class = if crate::pubsub::subscriptions(c) > 0 { PUBSUB } else { NORMAL };
    let l = srv.cfg.client_obuf_limits[class];
    let used = (c.reply.len() as u64).saturating_sub(c.sentpos);
    let hard = l.hard != 0 && used >= l.hard;
    let mut soft = l.soft != 0 && used >= l.soft;
    let now_s = (srv.now_ms / 1000) as u32;
    if soft {
        if c.obuf_soft_limit_reached_time == 0 {
            c.obuf_soft_limit_reached_time = now_s;
            soft = false;
        } else {
            soft = now_s.saturating_sub(c.obuf_soft_limit_reached_time) as u64 > l.soft_seconds;
        }
    } else {
        c.obuf_soft_limit_reached_time = 0;
    }
    hard || soft
}

/// Schedules the client's close if it is over its limits (Redis's
/// `closeClientOnOutputBufferLimitReached` with `async`). True if it was.
pub fn close_if_over_limit(srv: &mut Server, c: &mut Client) -> bool {
    if c.flags & cf::CLOSE_ASAP != 0 || !over_limit(srv, c) {
        return false;
    }
    let info = crate::client::info_string(srv, c);
    c.flags |= cf::CLOSE_ASAP;
    log::warn!("Client {info} scheduled to be closed ASAP for overcoming of output buffer limits.");
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_render_and_rewrite() {
        let mut l = DEFAULT;
        assert_eq!(render(&l), "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
        parse(b"pubsub 1mb 2kb 3 replica 1 2 3", &mut l).unwrap();
        assert_eq!(render(&l), "normal 0 0 0 slave 1 2 3 pubsub 1048576 2048 3");
        let before = l;
        for (v, e) in [("normal 1 2", "Wrong number"), ("foo 1 2 3", "Invalid client class"), ("master 1 2 3", "Invalid client class"), ("normal 1 2 -3", "Error in hard"), ("normal 1x 2 3", "Error in hard"), ("pubsub 1 1 1 normal 1 2 x", "Error in hard")] {
            assert!(parse(v.as_bytes(), &mut l).unwrap_err().starts_with(e), "{v}");
        }
        assert_eq!(l, before, "a refused value changes nothing");
        assert_eq!(rewrite_lines(&l), ("client-output-buffer-limit replica 1 2 3\nclient-output-buffer-limit pubsub 1mb 2kb 3".into(), true));
        assert_eq!(rewrite_lines(&DEFAULT), ("client-output-buffer-limit normal 0 0 0".into(), false));
    }
}
