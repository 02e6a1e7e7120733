//! DEBUG: the subcommands tests and operators need. Unlike Redis, whose
//! DEBUG PANIC kills the server, here a panic in a command is caught and
//! answered with an error: that is what DEBUG PANIC demonstrates.
//!
//! As in Redis, DEBUG is one command that parses its subcommand itself
//! (COMMAND INFO shows no subcommands for it).

use crate::reply::{err, Reply};
use crate::server::Server;
use hotkv_abi::state::Client;

const HELP: &[&str] = &[
    "PANIC",
    "    Panic inside the command handler; the panic is caught and answered with an error.",
    "RELOAD [MERGE] [NOFLUSH] [NOSAVE]",
    "    Save the RDB on disk, empty the databases and reload the RDB (NOSAVE: skip the save; NOFLUSH: keep the current keys; MERGE: the file's keys replace existing ones).",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
];

pub fn debug(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let sub = argv[1].to_ascii_lowercase();
    match (sub.as_slice(), argv.len()) {
        (b"help", 2) => c.add_help(argv[0], HELP),
        (b"panic", 2) => panic(srv, c, argv),
        (b"sleep", 3) => sleep(srv, c, argv),
        (b"reload", _) => crate::persist::debug_reload(srv, c, argv),
        _ => c.add_subcommand_syntax_error(argv),
    }
}

fn panic(_srv: &mut Server, _c: &mut Client, _argv: &[&[u8]]) {
    panic!("DEBUG PANIC requested");
}

/// DEBUG SLEEP <seconds>: blocks the loop (to test clients' patience and
/// what an UPGRADE does with work that piles up meanwhile).
fn sleep(_srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    match crate::util::parse_f64(argv[2]) {
        Some(s) if (0.0..=3600.0).contains(&s) => {
            std::thread::sleep(std::time::Duration::from_secs_f64(s));
            c.add_ok();
        }
        _ => c.add_error(err::NOT_FLOAT),
    }
}
