//! RESP2 request parser: a cursor over the query buffer that yields one
//! command at a time, multibulk (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) or inline
//! (`GET k\r\n`). Multibulk arguments are returned as ranges of the buffer
//! (no copy); inline arguments may contain quotes and escapes, so they are
//! returned unescaped, owned.

/// Longest inline request, and longest `*N`/`$N` header line (Redis's
/// PROTO_INLINE_MAX_SIZE).
pub const INLINE_MAX: usize = 64 * 1024;
/// Most arguments in one multibulk request: Redis 7.0 takes up to INT_MAX
/// and relies on the query buffer limit for the rest.
pub const MULTIBULK_MAX: i64 = i32::MAX as i64;

pub enum Parsed {
    /// A multibulk command: its arguments are `ranges` into the buffer.
    Multibulk { consumed: usize },
    /// An inline command, arguments unescaped into `inline`.
    Inline { consumed: usize },
    /// An empty line or `*0`/`*-1`: nothing to run.
    Empty { consumed: usize },
    /// More bytes are needed: at least `need` in total from the cursor.
    Incomplete { need: usize },
    /// Protocol error: the text after "ERR ".
    Error(String),
}

fn find_crlf(buf: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(off) = buf[i..].iter().position(|&b| b == b'\r') {
        let at = i + off;
        if at + 1 < buf.len() && buf[at + 1] == b'\n' {
            return Some(at);
        }
        if at + 1 >= buf.len() {
            return None;
        }
        i = at + 1;
    }
    None
}

/// Parses a decimal header number like Redis's `string2ll`.
fn parse_len(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    let (neg, d) = if s[0] == b'-' { (true, &s[1..]) } else { (false, s) };
    if d.is_empty() {
        return None;
    }
    let mut v: i64 = 0;
    for &c in d {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as i64)?;
    }
    Some(if neg { -v } else { v })
}

/// Parses one request at the start of `buf`. `ranges` receives the
/// arguments of a multibulk request, `inline` those of an inline one.
pub fn parse(buf: &[u8], max_bulk: u64, ranges: &mut Vec<(usize, usize)>, inline: &mut Vec<Vec<u8>>) -> Parsed {
    ranges.clear();
    inline.clear();
    if buf.is_empty() {
        return Parsed::Incomplete { need: 1 };
    }
    if buf[0] != b'*' {
        return parse_inline(buf, inline);
    }
    let Some(eol) = find_crlf(buf, 1) else {
        if buf.len() > INLINE_MAX {
            return Parsed::Error("Protocol error: too big mbulk count string".into());
        }
        return Parsed::Incomplete { need: buf.len() + 1 };
    };
    let Some(n) = parse_len(&buf[1..eol]).filter(|&n| n <= MULTIBULK_MAX) else {
        return Parsed::Error("Protocol error: invalid multibulk length".into());
    };
    let mut pos = eol + 2;
    if n <= 0 {
        return Parsed::Empty { consumed: pos };
    }
    for _ in 0..n {
        if pos >= buf.len() {
            return Parsed::Incomplete { need: pos + 1 };
        }
        if buf[pos] != b'$' {
            return Parsed::Error(format!("Protocol error: expected '$', got '{}'", buf[pos] as char));
        }
        let Some(eol) = find_crlf(buf, pos + 1) else {
            if buf.len() - pos > INLINE_MAX {
                return Parsed::Error("Protocol error: too big bulk count string".into());
            }
            return Parsed::Incomplete { need: buf.len() + 1 };
        };
        let Some(len) = parse_len(&buf[pos + 1..eol]).filter(|&l| l >= 0 && l as u64 <= max_bulk) else {
            return Parsed::Error("Protocol error: invalid bulk length".into());
        };
        let start = eol + 2;
        let end = start + len as usize;
        if end + 2 > buf.len() {
            return Parsed::Incomplete { need: end + 2 };
        }
        ranges.push((start, len as usize));
        pos = end + 2;
    }
    Parsed::Multibulk { consumed: pos }
}

fn parse_inline(buf: &[u8], out: &mut Vec<Vec<u8>>) -> Parsed {
    let Some(nl) = buf.iter().position(|&b| b == b'\n') else {
        if buf.len() > INLINE_MAX {
            return Parsed::Error("Protocol error: too big inline request".into());
        }
        return Parsed::Incomplete { need: buf.len() + 1 };
    };
    let mut line = &buf[..nl];
    if line.last() == Some(&b'\r') {
        line = &line[..line.len() - 1];
    }
    match hotkv_abi::text::split_args(line) {
        Ok(args) if args.is_empty() => Parsed::Empty { consumed: nl + 1 },
        Ok(args) => {
            *out = args;
            Parsed::Inline { consumed: nl + 1 }
        }
        Err(_) => Parsed::Error("Protocol error: unbalanced quotes in request".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(buf: &[u8]) -> (Parsed, Vec<Vec<u8>>) {
        let (mut r, mut i) = (Vec::new(), Vec::new());
        let p = parse(buf, 512 * 1024 * 1024, &mut r, &mut i);
        let args = match p {
            Parsed::Multibulk { .. } => r.iter().map(|&(s, l)| buf[s..s + l].to_vec()).collect(),
            _ => i,
        };
        (p, args)
    }

    #[test]
    fn multibulk_whole_and_partial() {
        let full = b"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n";
        let (p, args) = run(full);
        assert!(matches!(p, Parsed::Multibulk { consumed } if consumed == full.len()));
        assert_eq!(args, vec![b"GET".to_vec(), b"key".to_vec()]);
        for cut in 0..full.len() {
            assert!(matches!(run(&full[..cut]).0, Parsed::Incomplete { .. }), "cut {cut}");
        }
        // A known bulk length tells the reader how much to wait for.
        assert!(matches!(run(b"*1\r\n$100\r\nab").0, Parsed::Incomplete { need: 112 }));
    }

    #[test]
    fn inline_with_quotes() {
        let (p, args) = run(b"SET k \"a b\"\r\n");
        assert!(matches!(p, Parsed::Inline { consumed: 13 }));
        assert_eq!(args, vec![b"SET".to_vec(), b"k".to_vec(), b"a b".to_vec()]);
        assert!(matches!(run(b"\r\n").0, Parsed::Empty { consumed: 2 }));
        assert!(matches!(run(b"SET \"k\r\n").0, Parsed::Error(_)));
    }

    #[test]
    fn protocol_errors() {
        assert!(matches!(run(b"*x\r\n").0, Parsed::Error(e) if e == "Protocol error: invalid multibulk length"));
        assert!(matches!(run(b"*1\r\n:1\r\n").0, Parsed::Error(_)));
        assert!(matches!(run(b"*1\r\n$-5\r\n").0, Parsed::Error(e) if e == "Protocol error: invalid bulk length"));
        assert!(matches!(run(b"*0\r\n").0, Parsed::Empty { consumed: 4 }));
    }
}
