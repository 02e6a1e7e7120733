//! Reply encoding: what Redis's `addReply*` family does, appending to the
//! client's reply buffer in the protocol the client chose with HELLO (RESP2
//! or RESP3). Nothing here allocates beyond that buffer.

use hotkv_abi::object::format_i64;
use hotkv_abi::state::Client;

pub trait Reply {
    fn add_raw(&mut self, bytes: &[u8]);

    /// The protocol version replies are encoded in (2 or 3).
    fn resp(&self) -> u32;

    fn add_ok(&mut self) {
        self.add_raw(b"+OK\r\n");
    }

    fn add_simple(&mut self, s: &[u8]) {
        self.add_raw(b"+");
        self.add_raw(s);
        self.add_raw(b"\r\n");
    }

    /// An error reply. `msg` is either a full error with its code
    /// (`-WRONGTYPE ...`) or a message that gets the generic `ERR` code.
    /// CR/LF in the message would break the protocol, so they become spaces.
    fn add_error(&mut self, msg: &str) {
        let body = msg.strip_prefix('-');
        self.add_raw(if body.is_some() { b"-" } else { b"-ERR " });
        let body = body.unwrap_or(msg);
        if body.contains(['\r', '\n']) {
            self.add_raw(body.replace(['\r', '\n'], " ").as_bytes());
        } else {
            self.add_raw(body.as_bytes());
        }
        self.add_raw(b"\r\n");
    }

    fn add_prefixed_len(&mut self, prefix: u8, n: i64) {
        let mut buf = [0u8; 20];
        self.add_raw(&[prefix]);
        self.add_raw(format_i64(n, &mut buf));
        self.add_raw(b"\r\n");
    }

    fn add_int(&mut self, n: i64) {
        self.add_prefixed_len(b':', n);
    }

    fn add_bulk(&mut self, b: &[u8]) {
        self.add_prefixed_len(b'$', b.len() as i64);
        self.add_raw(b);
        self.add_raw(b"\r\n");
    }

    fn add_bulk_i64(&mut self, n: i64) {
        let mut buf = [0u8; 20];
        let s = format_i64(n, &mut buf);
        self.add_bulk(s);
    }

    /// Redis's null bulk (`$-1`), "no value"; RESP3's null (`_`).
    fn add_null(&mut self) {
        self.add_raw(if self.resp() >= 3 { b"_\r\n" } else { b"$-1\r\n" });
    }

    /// Redis's null array (`*-1`); RESP3's null (`_`).
    fn add_null_array(&mut self) {
        self.add_raw(if self.resp() >= 3 { b"_\r\n" } else { b"*-1\r\n" });
    }

    /// Redis's `addReplyDouble`: a bulk string of `%.17g` in RESP2, a
    /// double (`,`) in RESP3.
    fn add_double(&mut self, d: f64) {
        let s = crate::util::format_g17(d);
        if self.resp() >= 3 {
            self.add_raw(b",");
            self.add_raw(s.as_bytes());
            self.add_raw(b"\r\n");
        } else {
            self.add_bulk(s.as_bytes());
        }
    }

    fn add_array(&mut self, n: usize) {
        self.add_prefixed_len(b'*', n as i64);
    }

    /// The header of an out-of-band message of `n` elements (pub/sub
    /// messages and confirmations): RESP3's push type, a plain array in RESP2.
    fn add_push(&mut self, n: usize) {
        self.add_prefixed_len(if self.resp() >= 3 { b'>' } else { b'*' }, n as i64);
    }

    /// A map of `n` pairs (`%`); RESP2 has no map type, so a flat array of 2n.
    fn add_map(&mut self, n: usize) {
        if self.resp() >= 3 {
            self.add_prefixed_len(b'%', n as i64);
        } else {
            self.add_array(n * 2);
        }
    }

    /// A set of `n` elements (`~`); an array in RESP2.
    fn add_set(&mut self, n: usize) {
        if self.resp() >= 3 {
            self.add_prefixed_len(b'~', n as i64);
        } else {
            self.add_array(n);
        }
    }

    /// Verbatim text (INFO, CLIENT INFO): `=` with the `txt` format in RESP3,
    /// a bulk string in RESP2.
    fn add_verbatim(&mut self, text: &[u8]) {
        if self.resp() >= 3 {
            self.add_prefixed_len(b'=', text.len() as i64 + 4);
            self.add_raw(b"txt:");
            self.add_raw(text);
            self.add_raw(b"\r\n");
        } else {
            self.add_bulk(text);
        }
    }

    /// A container's HELP (Redis's `addReplyHelp`): a header naming the
    /// command as typed, upper-cased, then `lines` and the HELP entry.
    fn add_help(&mut self, cmd: &[u8], lines: &[&str]) {
        self.add_array(lines.len() + 3);
        let cmd = String::from_utf8_lossy(cmd).to_ascii_uppercase();
        self.add_simple(format!("{cmd} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:").as_bytes());
        for l in lines {
            self.add_simple(l.as_bytes());
        }
        self.add_simple(b"HELP");
        self.add_simple(b"    Prints this help.");
    }

    /// Redis's `addReplySubcommandSyntaxError`, for commands that parse
    /// their subcommand themselves.
    fn add_subcommand_syntax_error(&mut self, argv: &[&[u8]]) {
        let cmd = String::from_utf8_lossy(argv[0]).to_ascii_uppercase();
        let sub = String::from_utf8_lossy(&argv[1][..argv[1].len().min(128)]).into_owned();
        self.add_error(&format!("unknown subcommand or wrong number of arguments for '{sub}'. Try {cmd} HELP."));
    }
}

impl Reply for Client {
    #[inline]
    fn add_raw(&mut self, bytes: &[u8]) {
        self.reply.extend_from_slice(bytes);
    }

    #[inline]
    fn resp(&self) -> u32 {
        self.resp
    }
}

/// A scratch buffer, for replies whose length is known only once they are
/// built (Redis's deferred lengths): build into it, then `add_raw` its
/// `buf`. It encodes in the protocol of the client it is built for.
pub struct Scratch {
    pub buf: Vec<u8>,
    resp: u32,
}

impl Scratch {
    pub fn new(resp: u32) -> Scratch {
        Scratch { buf: Vec::new(), resp }
    }
}

impl Reply for Scratch {
    #[inline]
    fn add_raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    #[inline]
    fn resp(&self) -> u32 {
        self.resp
    }
}

/// A command stream (the append-only file): commands are RESP2 arrays of
/// bulk strings, the encoding replies use.
impl Reply for Vec<u8> {
    #[inline]
    fn add_raw(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }

    #[inline]
    fn resp(&self) -> u32 {
        2
    }
}

/// Shared error texts (Redis's `shared.*err`).
pub mod err {
    pub const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value";
    pub const SYNTAX: &str = "syntax error";
    pub const NOT_INTEGER: &str = "value is not an integer or out of range";
    pub const NOT_FLOAT: &str = "value is not a valid float";
    pub const NO_SUCH_KEY: &str = "no such key";
    pub const OVERFLOW: &str = "increment or decrement would overflow";
    pub const DB_INDEX: &str = "DB index is out of range";
    /// Redis's `getIntFromObjectOrReply` for a number past a C int.
    pub const INT_RANGE: &str = "value is out of range, value must between -2147483648 and 2147483647";
}
