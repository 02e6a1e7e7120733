//! Clients and their I/O: accepting, reading and parsing requests, writing
//! replies, closing. Readiness is edge-triggered (the shell's mio poller), so
//! each client records what the last events told (`READABLE`, `WRITABLE`)
//! and sits in `ServerState::pending` while it has work left. Both live in
//! the state: a swap between two loop iterations loses no readiness.

use crate::commands;
use crate::host::host;
use crate::reply::Reply;
use crate::resp::{self, Parsed};
use crate::server::Server;
use hotkv_abi::host::{event_flag, status, Accepted};
use hotkv_abi::state::{client_flag as cf, Client};
use hotkv_abi::vec::RBytes;
use std::os::fd::BorrowedFd;

/// Bytes read per `read` call when nothing bigger is expected (Redis's
/// PROTO_IOBUF_LEN).
const READ_CHUNK: usize = 16 * 1024;
/// Bytes read, and written, for one client per loop iteration before the
/// others get their turn (the client stays pending).
const IO_BUDGET: usize = 1024 * 1024;
/// Reply buffers larger than this are shrunk once written out.
const REPLY_KEEP: usize = 64 * 1024;

/// Accepts every pending connection on listener `idx`.
pub fn accept_all(srv: &mut Server, idx: u32) {
    let h = host();
    loop {
        let mut acc = Accepted { fd: -1, _reserved: 0, addr: RBytes::new(), laddr: RBytes::new() };
        // SAFETY: `acc` is a valid out-parameter for the duration of the call.
        match unsafe { (h.accept)(h.ctx, idx, &mut acc) } {
            status::OK => {}
            _ => return,
        }
        let live = srv.st.clients.len() - srv.st.free_slots.len();
        if live >= srv.cfg.maxclients as usize {
            refuse(acc.fd, b"-ERR max number of clients reached\r\n");
            srv.st.stats.rejected_connections += 1;
            continue;
        }
        if crate::acl::protected_mode_refuses(srv, &acc.addr) {
            refuse(acc.fd, PROTECTED_MODE_DENIED);
            continue;
        }
        keep_alive(acc.fd, srv.cfg.tcp_keepalive_s);
        create_client(srv, acc);
    }
}

/// Redis 7.0's refusal of a non-loopback connection in protected mode.
const PROTECTED_MODE_DENIED: &[u8] = b"-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/// Writes a last error to a just-accepted connection and closes it.
fn refuse(fd: i32, msg: &[u8]) {
    // SAFETY: the fd was just accepted and is open; we only write to it.
    let _ = nix::unistd::write(unsafe { BorrowedFd::borrow_raw(fd) }, msg);
    let h = host();
    // SAFETY: closing through the shell, which owns the fd.
    unsafe { (h.close)(h.ctx, fd) };
}

/// Is `addr` ("ip:port", "[v6]:port") a loopback address?
pub fn is_loopback(addr: &[u8]) -> bool {
    let text = String::from_utf8_lossy(addr);
    let ip = text.rsplit_once(':').map_or(&*text, |(ip, _)| ip).trim_start_matches('[').trim_end_matches(']');
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
        Ok(ip) => ip.is_loopback(),
        Err(_) => false,
    }
}

/// TCP keepalive on a new connection, as Redis's `anetKeepAlive`: probes
/// after `secs` idle, every `secs / 3`, dropped after 3 unanswered. 0 = off.
/// A change of `tcp-keepalive` applies to connections accepted after it.
fn keep_alive(fd: i32, secs: u32) {
    if secs == 0 {
        return;
    }
    use nix::sys::socket::{setsockopt, sockopt};
    // SAFETY: the fd was just accepted and is open; options only, never closed here.
    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
    let secs = secs.min(i32::MAX as u32);
    let _ = setsockopt(&fd, sockopt::KeepAlive, &true);
    let _ = setsockopt(&fd, sockopt::TcpKeepIdle, &secs);
    let _ = setsockopt(&fd, sockopt::TcpKeepInterval, &(secs / 3).max(1));
    let _ = setsockopt(&fd, sockopt::TcpKeepCount, &3);
}

fn create_client(srv: &mut Server, acc: Accepted) {
    let slot = match srv.st.free_slots.pop() {
        Some(s) => s,
        None => {
            srv.st.clients.push(std::ptr::null_mut());
            (srv.st.clients.len() - 1) as u32
        }
    };
    let id = srv.st.next_client_id;
    srv.st.next_client_id += 1;
    let now = srv.now_ms;
    // Every connection starts as `default` (authenticated or not).
    let c = Box::new(Client::new(id, acc.fd, slot, crate::acl::new_client_flags(srv), now, acc.addr, acc.laddr));
    let fd = c.fd;
    srv.st.clients[slot as usize] = Box::into_raw(c);
    srv.st.stats.total_connections_received += 1;
    let h = host();
    // SAFETY: registering an fd the shell owns, with our slot as token.
    if unsafe { (h.register)(h.ctx, fd, slot as u64) } != status::OK {
        free_client(srv, slot);
    }
}

/// Closes a client: the shell closes the fd, we free the rest.
pub fn free_client(srv: &mut Server, slot: u32) {
    let p = srv.st.clients[slot as usize];
    if p.is_null() {
        return;
    }
    // Out of every queue that names it before it goes.
    // SAFETY: a live client of the table; no other reference to it is used
    // from here on.
    crate::blocking::detach(srv, unsafe { &mut *p });
    srv.st.clients[slot as usize] = std::ptr::null_mut();
    srv.st.free_slots.push(slot);
    // SAFETY: the pointer came from `Box::into_raw` in `create_client` and was
    // just removed from the table, so this is the only owner.
    let mut c = unsafe { Box::from_raw(p) };
    // No table may name it once freed.
    crate::pubsub::forget_client(srv, &mut c);
    // The watched lists name it: out of them before it is freed.
    crate::multi::unwatch_all(srv, &mut c);
    let h = host();
    // SAFETY: the shell owns the fd and closes it (HOTSWAP-RULES 10).
    unsafe { (h.close)(h.ctx, c.fd) };
}

/// Marks a client as having work to do in this or the next iteration.
pub fn mark_pending(srv: &mut Server, c: &mut Client) {
    if c.flags & cf::PENDING == 0 {
        c.flags |= cf::PENDING;
        srv.st.pending.push(c.slot);
    }
}

/// Records a readiness event for client `slot`.
pub fn on_event(srv: &mut Server, slot: u64, flags: u32) {
    let Some(&p) = srv.st.clients.get(slot as usize) else { return };
    if p.is_null() {
        return;
    }
    // SAFETY: live client pointer from the table; no other reference to it
    // exists while the loop handles events.
    let c = unsafe { &mut *p };
    if flags & (event_flag::READABLE | event_flag::ERROR | event_flag::HUP) != 0 {
        c.flags |= cf::READABLE;
    }
    if flags & event_flag::WRITABLE != 0 {
        c.flags |= cf::WRITABLE;
    }
    mark_pending(srv, c);
}

/// Serves every client that was pending when the call began. Clients that
/// still have work re-queue themselves behind them (no allocation per turn:
/// the list is consumed from the front once the pass is done).
pub fn process_pending(srv: &mut Server) {
    let n = srv.st.pending.len();
    for i in 0..n {
        let slot = srv.st.pending[i];
        let p = srv.st.clients.get(slot as usize).copied().unwrap_or(std::ptr::null_mut());
        if p.is_null() {
            continue;
        }
        // SAFETY: live client; `handle` gets the only reference.
        let c = unsafe { &mut *p };
        c.flags &= !cf::PENDING;
        handle(srv, c);
    }
    srv.st.pending.drain_front(n);
}

/// One turn of a client: read, run complete commands, write.
pub fn handle(srv: &mut Server, c: &mut Client) {
    if c.flags & cf::CLOSE_ASAP != 0 {
        return free_client(srv, c.slot);
    }
    let blocked = c.flags & cf::BLOCKED_UPGRADE != 0;
    if c.flags & cf::READABLE != 0 && !blocked && c.flags & cf::CLOSE_AFTER_REPLY == 0
        && !read_from_client(srv, c) {
            return free_client(srv, c.slot);
        }
    let appended = crate::aof_fsync::appended(srv);
    process_input(srv, c);
    // Checked before writing, as Redis checks when a reply is added: a
    // reply over the limit is never sent (pub/sub messages reach here as
    // their receiver is marked pending).
    if c.flags & cf::CLOSE_ASAP != 0 || crate::obuf::close_if_over_limit(srv, c) {
        return free_client(srv, c.slot);
    }
    // No reply goes out before the AOF holds the writes it answers (Redis
    // writes the AOF in `beforeSleep`, then replies): the turn ends once
    // the buffer is written (`finish_waiting`), and under `always`
    // fsynced. While the AOF cannot be written, only the turns that wrote
    // (and those already waiting) wait: the others, reads and the
    // commands that inspect and repair the server, go on.
    if crate::aof_fsync::write_error(srv).is_none() {
        if !srv.aof_buf.is_empty() {
            srv.aof_waiting.push(c.slot);
            return;
        }
    } else if srv.aof_waiting.contains(&c.slot) {
        return;
    } else if crate::aof_fsync::appended(srv) != appended {
        srv.aof_waiting.push(c.slot);
        return;
    }
    finish_turn(srv, c);
}

/// Writes the AOF buffer, then ends the turns of the clients that waited
/// for it (unless the AOF could not be written: they wait on).
pub fn finish_waiting(srv: &mut Server) {
    crate::aof::flush(srv);
    if !crate::aof_fsync::replies_may_go(srv) {
        return;
    }
    for slot in std::mem::take(&mut srv.aof_waiting) {
        let p = srv.st.clients.get(slot as usize).copied().unwrap_or(std::ptr::null_mut());
        if !p.is_null() {
            // SAFETY: live client; no other reference to it is in use.
            finish_turn(srv, unsafe { &mut *p });
        }
    }
}

/// Before a swap: clients still waiting for the AOF (it cannot be
/// written) are pending for the next version, which sends their replies.
pub fn requeue_waiting(srv: &mut Server) {
    for slot in std::mem::take(&mut srv.aof_waiting) {
        let p = srv.st.clients.get(slot as usize).copied().unwrap_or(std::ptr::null_mut());
        if !p.is_null() {
            // SAFETY: live client; no other reference to it is in use.
            mark_pending(srv, unsafe { &mut *p });
        }
    }
}

/// The end of a client's turn: write its replies, close it after its last
/// one, queue it again if it has more to do.
fn finish_turn(srv: &mut Server, c: &mut Client) {
    if (c.reply.len() as u64) > c.sentpos && c.flags & cf::WRITABLE != 0
        && !write_to_client(srv, c) {
            return free_client(srv, c.slot);
        }
    let unsent = (c.reply.len() as u64) > c.sentpos;
    if !unsent && c.flags & cf::CLOSE_AFTER_REPLY != 0 {
        return free_client(srv, c.slot);
    }
    let blocked = c.flags & cf::BLOCKED_UPGRADE != 0;
    // A client blocked on keys still reads (so a disconnect is seen) but
    // runs nothing until it is served.
    let runnable = c.flags & cf::BLOCKED == 0 && has_complete_input(c);
    let more_input = !blocked && (c.flags & cf::READABLE != 0 || runnable);
    if more_input || (unsent && c.flags & cf::WRITABLE != 0) {
        mark_pending(srv, c);
    }
}

fn has_complete_input(c: &Client) -> bool {
    c.qpos < c.qbuf.len() as u64 && c.qneed <= c.qbuf.len() as u64 && c.flags & cf::CLOSE_AFTER_REPLY == 0
}

/// Reads what the socket has, up to the budget. False: close the client.
fn read_from_client(srv: &mut Server, c: &mut Client) -> bool {
    // SAFETY: the fd stays open while the client exists (only free_client
    // closes it); borrowing does not take ownership (HOTSWAP-RULES 10).
    let fd = unsafe { BorrowedFd::borrow_raw(c.fd) };
    let mut total = 0;
    while total < IO_BUDGET {
        let len = c.qbuf.len();
        let want = if c.qneed as usize > len { (c.qneed as usize - len).clamp(READ_CHUNK, IO_BUDGET) } else { READ_CHUNK };
        let spare = c.qbuf.spare_mut(want);
        match nix::unistd::read(std::os::fd::AsRawFd::as_raw_fd(&fd), &mut spare[..want]) {
            Ok(0) => return false,
            Ok(n) => {
                // SAFETY: `read` wrote `n` bytes into the spare capacity.
                unsafe { c.qbuf.commit(n) };
                srv.st.stats.total_reads_processed += 1;
                total += n;
                srv.st.stats.net_input_bytes += n as u64;
                if n < want {
                    // Drained: with edge-triggered epoll, bytes arriving after
                    // this short read raise a new event.
                    c.flags &= !cf::READABLE;
                    break;
                }
            }
            Err(nix::errno::Errno::EAGAIN) => {
                c.flags &= !cf::READABLE;
                break;
            }
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return false,
        }
    }
    c.last_interaction_ms = srv.now_ms;
    if c.qbuf.len() as u64 > srv.cfg.client_query_buffer_limit {
        log::warn!("closing client id={} that reached the max query buffer length", c.id);
        return false;
    }
    true
}

/// Parses and runs every complete command in the query buffer.
pub fn process_input(srv: &mut Server, c: &mut Client) {
    let max_bulk = srv.cfg.proto_max_bulk_len;
    let mut ranges = std::mem::take(&mut srv.scratch_ranges);
    let mut inline = std::mem::take(&mut srv.scratch_inline);
    while c.flags & (cf::BLOCKED_UPGRADE | cf::BLOCKED | cf::CLOSE_AFTER_REPLY | cf::CLOSE_ASAP) == 0
        && c.qpos < c.qbuf.len() as u64
        && c.qneed <= c.qbuf.len() as u64
    {
        let start = c.qpos as usize;
        let parsed = resp::parse(&c.qbuf[start..], max_bulk, &mut ranges, &mut inline);
        let consumed = match parsed {
            Parsed::Incomplete { need } => {
                c.qneed = (start + need) as u64;
                break;
            }
            Parsed::Error(msg) => {
                log::debug!("protocol error from client id={}: {msg}", c.id);
                c.add_error(&msg);
                c.flags |= cf::CLOSE_AFTER_REPLY;
                c.qbuf.clear();
                c.qpos = 0;
                break;
            }
            Parsed::Empty { consumed } => {
                c.qpos += consumed as u64;
                continue;
            }
            Parsed::Multibulk { consumed } | Parsed::Inline { consumed } => consumed,
        };
        c.qneed = 0;
        let reply_before = c.reply.len();
        {
            // The arguments borrow the query buffer, which nothing changes
            // while the command runs (commands reach the buffer only through
            // `argv`); `qpos` moves after the command. Up to ARGV_INLINE
            // arguments live on the stack: no allocation per command.
            const ARGV_INLINE: usize = 16;
            let mut small: [&[u8]; ARGV_INLINE] = [&[]; ARGV_INLINE];
            let large: Vec<&[u8]>;
            let base = c.qbuf.as_ptr();
            // SAFETY: `base` points at `qbuf`'s bytes, unchanged until
            // `execute` returns; the slices do not outlive this block.
            let arg = |&(s, l): &(usize, usize)| unsafe { std::slice::from_raw_parts(base.add(start + s), l) };
            let argv: &[&[u8]] = if !inline.is_empty() {
                large = inline.iter().map(|a| a.as_slice()).collect();
                &large
            } else if ranges.len() <= ARGV_INLINE {
                for (slot, r) in small.iter_mut().zip(ranges.iter()) {
                    *slot = arg(r);
                }
                &small[..ranges.len()]
            } else {
                large = ranges.iter().map(arg).collect();
                &large
            };
            commands::execute(srv, c, argv);
        }
        if crate::blocking::is_postponed(c) {
            // Paused: the command stays unconsumed and runs when the
            // pause ends (client.rs).
            break;
        }
        crate::client::suppress_reply(c, reply_before);
        c.qpos += consumed as u64;
        if !srv.ready_keys.is_empty() {
            crate::blocking::serve_ready_keys(srv, c);
        }
    }
    srv.scratch_ranges = ranges;
    srv.scratch_inline = inline;
    if c.qpos > 0 {
        c.qbuf.drain_front(c.qpos as usize);
        if c.qneed > 0 {
            c.qneed -= c.qpos.min(c.qneed);
        }
        c.qpos = 0;
    }
    if c.qbuf.is_empty() && c.qbuf.capacity() > REPLY_KEEP {
        c.qbuf.shrink_to(0);
    }
}

/// Writes the reply buffer, up to the budget. False: close the client.
pub fn write_to_client(srv: &mut Server, c: &mut Client) -> bool {
    // SAFETY: as in `read_from_client`.
    let fd = unsafe { BorrowedFd::borrow_raw(c.fd) };
    let mut total = 0;
    while (c.sentpos as usize) < c.reply.len() && total < IO_BUDGET {
        match nix::unistd::write(fd, &c.reply[c.sentpos as usize..]) {
            Ok(n) => {
                srv.st.stats.total_writes_processed += 1;
                c.sentpos += n as u64;
                total += n;
                srv.st.stats.net_output_bytes += n as u64;
            }
            Err(nix::errno::Errno::EAGAIN) => {
                c.flags &= !cf::WRITABLE;
                break;
            }
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return false,
        }
    }
    if c.sentpos as usize == c.reply.len() {
        c.reply.clear();
        c.sentpos = 0;
        if c.reply.capacity() > REPLY_KEEP {
            c.reply.shrink_to(0);
        }
    }
    true
}

/// Visits every client (CLIENT LIST, INFO, timeouts). `f` gets a raw
/// pointer: the caller may itself hold `&mut` to one of them.
pub fn for_each_client(srv: &Server, mut f: impl FnMut(*mut Client)) {
    for &p in srv.st.clients.iter() {
        if !p.is_null() {
            f(p);
        }
    }
}

pub fn connected_clients(srv: &Server) -> usize {
    srv.st.clients.len() - srv.st.free_slots.len()
}

#[cfg(test)]
mod tests {
    #[test]
    fn loopback_addresses() {
        for a in ["127.0.0.1:6379", "127.1.2.3:1", "[::1]:5", "[::ffff:127.0.0.1]:7"] {
            assert!(super::is_loopback(a.as_bytes()), "{a}");
        }
        for a in ["10.0.0.1:6379", "[2001:db8::1]:5", "", "nonsense"] {
            assert!(!super::is_loopback(a.as_bytes()), "{a}");
        }
    }
}
