//! TIME: the server's clock as clients see it (Redis's `timeCommand`).

use crate::host;
use crate::reply::Reply;
use crate::server::Server;
use hotkv_abi::state::Client;

/// Unix time as two bulk strings: seconds and the microseconds within them.
pub fn time(_srv: &mut Server, c: &mut Client, _argv: &[&[u8]]) {
    let us = host::unix_us();
    c.add_array(2);
    c.add_bulk_i64(us / 1_000_000);
    c.add_bulk_i64(us % 1_000_000);
}
