//! The append-only file, write side (Redis 7.0's `aof.c`): operations
//! propagated by commands ([`crate::propagate`]) are encoded as RESP
//! (`catAppendOnlyGenericCommand`) into a buffer that is written to the
//! current incr file before any reply of the loop iteration is sent.

use crate::server::Server;
use hotkv_abi::object::format_i64;

/// Appends `argv` in database `db` to the AOF buffer, preceded by a SELECT
/// when the stream's database differs (Redis's `feedAppendOnlyFile`).
pub fn feed(srv: &mut Server, db: u32, argv: &[&[u8]]) {
    if srv.aof_db != db as i64 {
        let n = db.to_string();
        encode(&mut srv.aof_buf, &[b"SELECT", n.as_bytes()]);
        srv.aof_db = db as i64;
    }
    encode(&mut srv.aof_buf, argv);
}

/// One command as a RESP array of bulk strings.
pub fn encode(buf: &mut Vec<u8>, argv: &[&[u8]]) {
    let mut num = [0u8; 20];
    buf.push(b'*');
    buf.extend_from_slice(format_i64(argv.len() as i64, &mut num));
    buf.extend_from_slice(b"\r\n");
    for a in argv {
        buf.push(b'$');
        buf.extend_from_slice(format_i64(a.len() as i64, &mut num));
        buf.extend_from_slice(b"\r\n");
        buf.extend_from_slice(a);
        buf.extend_from_slice(b"\r\n");
    }
}
