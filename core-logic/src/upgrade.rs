//! UPGRADE, logic side: the command that asks the shell to stage a new
//! library, and what a library does when `run` tells it how a swap went.
//! The shell's half of the sequence is described in `shell/src/upgrade.rs`.

use crate::host::host;
use crate::networking;
use crate::reply::{err, Reply};
use crate::server::Server;
use hotkv_abi::host::{status, StrRef};
use hotkv_abi::logic::{reason, RunReason};
use hotkv_abi::state::{client_flag, Client};
use hotkv_abi::vec::RBytes;

/// UPGRADE <path> [ARGS arg ...] | UPGRADE ROLLBACK
pub fn upgrade(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    let h = host();
    // SAFETY: the shell's status is valid and unchanged while we run.
    let st = unsafe { &*(h.status)(h.ctx) };
    let (path, args): (Vec<u8>, Vec<Vec<u8>>) = if argv.len() == 2 && crate::util::eq_ic(argv[1], b"rollback") {
        if st.previous_path.is_empty() {
            return c.add_error("no previous version to roll back to");
        }
        (st.previous_path.to_vec(), st.previous_args.iter().map(|a| a.to_vec()).collect())
    } else if argv.len() == 2 {
        (argv[1].to_vec(), Vec::new())
    } else if crate::util::eq_ic(argv[2], b"args") {
        (argv[1].to_vec(), argv[3..].iter().map(|a| a.to_vec()).collect())
    } else {
        return c.add_error(err::SYNTAX);
    };
    let refs: Vec<StrRef> = args.iter().map(|a| StrRef::new(a)).collect();
    let mut e = RBytes::new();
    // SAFETY: all pointers are valid for the call; the requester is our slot.
    let rc = unsafe { (h.request_upgrade)(h.ctx, StrRef::new(&path), refs.as_ptr(), refs.len(), c.slot as u64, &mut e) };
    if rc != status::OK {
        return c.add_error(&format!("UPGRADE failed: {}", String::from_utf8_lossy(&e)));
    }
    // The reply comes when the shell reports the outcome (`on_run`); until
    // then this client's further commands wait in its query buffer.
    c.flags |= client_flag::BLOCKED_UPGRADE;
    srv.st.upgrade_waiter = c.id;
}

/// Called first thing in `run`: answer the client that asked for the swap.
pub fn on_run(srv: &mut Server, why: &RunReason) {
    if why.kind != reason::UPGRADED && why.kind != reason::UPGRADE_FAILED {
        return;
    }
    let waiter = std::mem::replace(&mut srv.st.upgrade_waiter, 0);
    let p = srv.st.clients.get(why.requester as usize).copied().unwrap_or(std::ptr::null_mut());
    if p.is_null() {
        return;
    }
    // SAFETY: live client of the table, no other reference held.
    let c = unsafe { &mut *p };
    if c.id != waiter {
        // The requester left and its slot was reused by another client.
        return;
    }
    if why.kind == reason::UPGRADED {
        let msg = format!(
            "OK upgraded {} -> {} (build {}) in {} us",
            String::from_utf8_lossy(&why.from_version),
            crate::VERSION,
            crate::BUILD_ID,
            why.pause_us
        );
        c.add_simple(msg.as_bytes());
    } else {
        c.add_error(&format!("UPGRADE failed: {}; still running {}", String::from_utf8_lossy(&why.error), crate::VERSION));
    }
    c.flags &= !client_flag::BLOCKED_UPGRADE;
    networking::mark_pending(srv, c);
}
