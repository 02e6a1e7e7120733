//! Text helpers both sides need: the shell reads config files with them,
//! the logic reads inline commands and config values.

/// Splits a line like Redis's `sdssplitargs`: whitespace-separated words,
/// double quotes with backslash escapes (`\n`, `\xHH`, ...), single quotes
/// with `\'`. A closing quote must be followed by a space or the line end.
pub fn split_args(line: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let n = line.len();
    let mut i = 0;
    loop {
        while i < n && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= n {
            return Ok(out);
        }
        let mut cur = Vec::new();
        // The quote character we are inside of, if any.
        let mut quote: Option<u8> = None;
        loop {
            let Some(q) = quote else {
                if i >= n || line[i].is_ascii_whitespace() {
                    break;
                }
                match line[i] {
                    c @ (b'"' | b'\'') => quote = Some(c),
                    c => cur.push(c),
                }
                i += 1;
                continue;
            };
            let Some(&c) = line.get(i) else {
                return Err("unbalanced quotes".into());
            };
            if c == q {
                if i + 1 < n && !line[i + 1].is_ascii_whitespace() {
                    return Err("closing quote must be followed by a space".into());
                }
                i += 1;
                break;
            }
            let next = line.get(i + 1).copied();
            match (q, c, next) {
                // Double quotes: \xHH and the C escapes.
                (b'"', b'\\', Some(b'x')) if i + 3 < n && line[i + 2].is_ascii_hexdigit() && line[i + 3].is_ascii_hexdigit() => {
                    let hex = std::str::from_utf8(&line[i + 2..i + 4]).unwrap();
                    cur.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 4;
                }
                (b'"', b'\\', Some(e)) => {
                    cur.push(match e {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        other => other,
                    });
                    i += 2;
                }
                // Single quotes: only \' is an escape.
                (b'\'', b'\\', Some(b'\'')) => {
                    cur.push(b'\'');
                    i += 2;
                }
                _ => {
                    cur.push(c);
                    i += 1;
                }
            }
        }
        out.push(cur);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_redis() {
        let words = split_args(br#"save 900 1 "a b\x41\n" 'it\'s' """#).unwrap();
        assert_eq!(words, vec![b"save".to_vec(), b"900".to_vec(), b"1".to_vec(), b"a bA\n".to_vec(), b"it's".to_vec(), vec![]]);
        assert!(split_args(b"\"unterminated").is_err());
        assert!(split_args(b"\"a\"b").is_err());
    }
}
