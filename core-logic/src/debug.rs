//! DEBUG: the subcommands tests and operators need. Unlike Redis, whose
//! DEBUG PANIC kills the server, here a panic in a command is caught and
//! answered with an error: that is what DEBUG PANIC demonstrates.

use crate::reply::{err, Reply};
use crate::server::Server;
use hotkv_abi::state::Client;

pub fn panic(_srv: &mut Server, _c: &mut Client, _argv: &[&[u8]]) {
    panic!("DEBUG PANIC requested");
}

/// DEBUG SLEEP <seconds>: blocks the loop (to test clients' patience and
/// what an UPGRADE does with work that piles up meanwhile).
pub fn sleep(_srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    match crate::util::parse_f64(argv[2]) {
        Some(s) if (0.0..=3600.0).contains(&s) => {
            std::thread::sleep(std::time::Duration::from_secs_f64(s));
            c.add_ok();
        }
        _ => c.add_error(err::NOT_FLOAT),
    }
}
