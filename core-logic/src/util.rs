//! Parsing and matching helpers with Redis's exact rules.

/// Parses a whole byte string as an i64 (Redis's `string2ll`: no spaces,
/// no '+', no leading zeros except "0" itself).
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    hotkv_abi::object::canonical_i64(s)
}

/// Parses a float like Redis's `string2ld`/`strtold` use in commands: no
/// leading/trailing space, not empty, "inf"/"-inf" allowed, NaN refused.
pub fn parse_f64(s: &[u8]) -> Option<f64> {
    if s.is_empty() || s[0].is_ascii_whitespace() || s[s.len() - 1].is_ascii_whitespace() {
        return None;
    }
    let t = std::str::from_utf8(s).ok()?;
    let v: f64 = match t.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => f64::INFINITY,
        "-inf" | "-infinity" => f64::NEG_INFINITY,
        lower if lower.contains("nan") => return None,
        _ => t.parse().ok()?,
    };
    (!v.is_nan()).then_some(v)
}

/// Case-insensitive ASCII equality.
#[inline]
pub fn eq_ic(a: &[u8], b: &[u8]) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Glob-style matching with Redis's `stringmatchlen` rules: `*`, `?`,
/// `[abc]`, `[^a-z]`, and `\x` escapes.
pub fn glob_match(pattern: &[u8], s: &[u8], nocase: bool) -> bool {
    glob_rec(pattern, s, nocase, 0)
}

fn glob_rec(mut p: &[u8], mut s: &[u8], nocase: bool, depth: u32) -> bool {
    // Redis caps the recursion as well (a pattern of many stars is quadratic).
    if depth > 1000 {
        return false;
    }
    let lower = |c: u8| if nocase { c.to_ascii_lowercase() } else { c };
    while !p.is_empty() && !s.is_empty() {
        match p[0] {
            b'*' => {
                while p.len() > 1 && p[1] == b'*' {
                    p = &p[1..];
                }
                if p.len() == 1 {
                    return true;
                }
                for i in 0..s.len() {
                    if glob_rec(&p[1..], &s[i..], nocase, depth + 1) {
                        return true;
                    }
                }
                return false;
            }
            b'?' => s = &s[1..],
            b'[' => {
                p = &p[1..];
                let not = p.first() == Some(&b'^');
                if not {
                    p = &p[1..];
                }
                let mut matched = false;
                loop {
                    if p.is_empty() {
                        break;
                    }
                    if p[0] == b'\\' && p.len() >= 2 {
                        p = &p[1..];
                        if lower(p[0]) == lower(s[0]) {
                            matched = true;
                        }
                    } else if p[0] == b']' {
                        break;
                    } else if p.len() >= 3 && p[1] == b'-' {
                        let (mut a, mut b) = (lower(p[0]), lower(p[2]));
                        if a > b {
                            std::mem::swap(&mut a, &mut b);
                        }
                        let c = lower(s[0]);
                        if c >= a && c <= b {
                            matched = true;
                        }
                        p = &p[2..];
                    } else if lower(p[0]) == lower(s[0]) {
                        matched = true;
                    }
                    p = &p[1..];
                }
                if p.is_empty() {
                    // Unterminated class: Redis treats the end as the ']'.
                    p = b"]";
                }
                if matched == not {
                    return false;
                }
                s = &s[1..];
            }
            b'\\' if p.len() >= 2 => {
                p = &p[1..];
                if lower(p[0]) != lower(s[0]) {
                    return false;
                }
                s = &s[1..];
            }
            c => {
                if lower(c) != lower(s[0]) {
                    return false;
                }
                s = &s[1..];
            }
        }
        p = &p[1..];
        if s.is_empty() {
            while p.first() == Some(&b'*') {
                p = &p[1..];
            }
            break;
        }
    }
    p.is_empty() && s.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match(b"*", b"anything", false));
        assert!(glob_match(b"h?llo", b"hello", false));
        assert!(glob_match(b"h[ae]llo", b"hallo", false));
        assert!(!glob_match(b"h[^e]llo", b"hello", false));
        assert!(glob_match(b"h[a-b]llo", b"hbllo", false));
        assert!(glob_match(b"key:*", b"key:1", false));
        assert!(!glob_match(b"key:*", b"ke", false));
        assert!(glob_match(b"a\\*b", b"a*b", false));
        assert!(glob_match(b"*x*", b"abxcd", false));
        assert!(glob_match(b"ab*", b"ab", false));
        assert!(glob_match(b"HELLO", b"hello", true));
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_i64(b"-12"), Some(-12));
        assert_eq!(parse_i64(b" 1"), None);
        assert_eq!(parse_f64(b"1.5"), Some(1.5));
        assert_eq!(parse_f64(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64(b"nan"), None);
        assert_eq!(parse_f64(b" 1"), None);
    }
}
