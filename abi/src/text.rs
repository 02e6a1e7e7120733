//! Text helpers both sides need: the shell reads config files with them,
//! the logic reads inline commands and config values.

/// Splits a line like Redis's `sdssplitargs`: whitespace-separated words,
/// double quotes with backslash escapes (`\n`, `\xHH`, ...), single quotes
/// with `\'`. A closing quote must be followed by a space or the line end.
pub fn split_args(line: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    let n = line.len();
    loop {
        while i < n && line[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= n {
            return Ok(out);
        }
        let mut cur = Vec::new();
        let mut in_dq = false;
        let mut in_sq = false;
        loop {
            if in_dq {
                if i >= n {
                    return Err("unbalanced quotes".into());
                }
                let c = line[i];
                if c == b'\\' && i + 3 < n && line[i + 1] == b'x' && line[i + 2].is_ascii_hexdigit() && line[i + 3].is_ascii_hexdigit() {
                    let hex = std::str::from_utf8(&line[i + 2..i + 4]).unwrap();
                    cur.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 3;
                } else if c == b'\\' && i + 1 < n {
                    i += 1;
                    cur.push(match line[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        other => other,
                    });
                } else if c == b'"' {
                    if i + 1 < n && !line[i + 1].is_ascii_whitespace() {
                        return Err("closing quote must be followed by a space".into());
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(c);
                }
                i += 1;
            } else if in_sq {
                if i >= n {
                    return Err("unbalanced quotes".into());
                }
                let c = line[i];
                if c == b'\\' && i + 1 < n && line[i + 1] == b'\'' {
                    cur.push(b'\'');
                    i += 1;
                } else if c == b'\'' {
                    if i + 1 < n && !line[i + 1].is_ascii_whitespace() {
                        return Err("closing quote must be followed by a space".into());
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(c);
                }
                i += 1;
            } else {
                if i >= n || line[i].is_ascii_whitespace() {
                    break;
                }
                match line[i] {
                    b'"' => in_dq = true,
                    b'\'' => in_sq = true,
                    c => cur.push(c),
                }
                i += 1;
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
