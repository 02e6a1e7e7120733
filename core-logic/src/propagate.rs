//! What a command propagates (Redis 7.0's `propagate`, `alsoPropagate`
//! and `propagatePendingCommands` of `server.c`): the operations that
//! replay its effect, queued while it runs and handed to the AOF
//! ([`crate::aof::feed`]) once the outermost command is done.
//!
//! The rule, applied in [`crate::commands::run`] for every command (also
//! the ones EXEC runs and the blocked ones run again): a command that
//! changed the dataset (raised `persist.dirty`) is propagated as received,
//! or as rewritten by [`Server::propagate_as`], in the database it ran in,
//! after the extra operations it queued with [`Server::also_propagate`].
//! A unit of work (a command and what it ran: EXEC's commands) that
//! yields more than one operation is wrapped in MULTI ... EXEC. Keys
//! deleted by expiry propagate `DEL key`.
//!
//! With the AOF off (`Pending::on` false) nothing is recorded: every entry
//! point is one flag test, and no command allocates.

use crate::server::Server;

/// One operation to propagate: a command line in a database.
pub struct Op {
    pub db: u32,
    pub argv: Vec<Vec<u8>>,
}

/// The operations queued by the running unit of work (lives for one `run`;
/// empty between units).
#[derive(Default)]
pub struct Pending {
    /// Record operations at all (the AOF is on or waiting for its first
    /// rewrite); set per `run` and by CONFIG SET appendonly.
    pub on: bool,
    /// The unit's operations, in order.
    pub ops: Vec<Op>,
    /// Nesting of running commands (EXEC runs commands inside its own).
    depth: u32,
    /// The running command's replacement line, if it asked for one.
    rewritten: Option<Vec<Vec<u8>>>,
    /// The running command asked to propagate nothing of itself.
    prevent: bool,
}

/// What [`enter`] saved of the enclosing command, restored by [`leave`].
pub struct Frame {
    dirty: u64,
    db: u32,
    rewritten: Option<Vec<Vec<u8>>>,
    prevent: bool,
}

fn owned(argv: &[&[u8]]) -> Vec<Vec<u8>> {
    argv.iter().map(|a| a.to_vec()).collect()
}

impl Server<'_> {
    /// Propagates the running command as `argv` instead of as received
    /// (Redis's `rewriteClientCommandVector`).
    pub fn propagate_as(&mut self, argv: &[&[u8]]) {
        if self.prop.on {
            self.prop.rewritten = Some(owned(argv));
        }
    }

    /// Queues an extra operation in database `db`, before the command's own.
    pub fn also_propagate(&mut self, db: u32, argv: &[&[u8]]) {
        if self.prop.on {
            self.prop.ops.push(Op { db, argv: owned(argv) });
        }
    }

    /// Propagates nothing of the running command itself (its
    /// `also_propagate` operations still go).
    pub fn prevent_propagation(&mut self) {
        if self.prop.on {
            self.prop.prevent = true;
        }
    }
}

/// A command in database `db` starts (only when `Pending::on`).
pub fn enter(srv: &mut Server, db: u32) -> Frame {
    let p = &mut srv.prop;
    p.depth += 1;
    Frame { dirty: srv.st.persist.dirty, db, rewritten: p.rewritten.take(), prevent: std::mem::take(&mut p.prevent) }
}

/// The command begun by [`enter`] is done: it is queued if it changed the
/// dataset; the outermost one hands the unit to the AOF.
pub fn leave(srv: &mut Server, f: Frame, argv: &[&[u8]]) {
    let p = &mut srv.prop;
    let rewritten = std::mem::replace(&mut p.rewritten, f.rewritten);
    let prevent = std::mem::replace(&mut p.prevent, f.prevent);
    if !prevent && srv.st.persist.dirty > f.dirty {
        p.ops.push(Op { db: f.db, argv: rewritten.unwrap_or_else(|| owned(argv)) });
    }
    p.depth -= 1;
    if p.depth == 0 {
        commit(srv, true);
    }
}

/// A key of database `db` deleted by expiry: `DEL key` (Redis's
/// `propagateDeletion`).
pub fn expired(p: &mut Pending, db: u32, key: &[u8]) {
    if p.on {
        p.ops.push(Op { db, argv: vec![b"DEL".to_vec(), key.to_vec()] });
    }
}

/// Hands the queued operations to the AOF: as one transaction if `atomic`
/// and there are several (a command's unit), else one by one (the
/// deletions of the active expiry cycle, Redis's no-MULTI case).
pub fn commit(srv: &mut Server, atomic: bool) {
    if srv.prop.ops.is_empty() || srv.prop.depth > 0 {
        return;
    }
    let ops = std::mem::take(&mut srv.prop.ops);
    let wrap = atomic && ops.len() > 1;
    if wrap {
        crate::aof::feed(srv, ops[0].db, &[b"MULTI"]);
    }
    for op in &ops {
        let argv: Vec<&[u8]> = op.argv.iter().map(|a| a.as_slice()).collect();
        crate::aof::feed(srv, op.db, &argv);
    }
    if wrap {
        crate::aof::feed(srv, ops[ops.len() - 1].db, &[b"EXEC"]);
    }
    // The vector goes back for the next unit: no allocation per command.
    let mut ops = ops;
    ops.clear();
    srv.prop.ops = ops;
}
