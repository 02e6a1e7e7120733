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

/// C's `strtod` over `s` up to its first NUL byte (where C stops
/// reading): the value, whether every byte before the NUL was read, and
/// whether it set `ERANGE`. Hex floats, "inf" and leading spaces are read
/// as C reads them, which is what Redis accepts.
pub fn strtod(s: &[u8]) -> (f64, bool, bool) {
    let s = &s[..s.iter().position(|&c| c == 0).unwrap_or(s.len())];
    let cs = std::ffi::CString::new(s).expect("cut at the first NUL");
    let mut end: *mut nix::libc::c_char = std::ptr::null_mut();
    nix::errno::Errno::clear();
    // SAFETY: `cs` is NUL-terminated; `end` receives a pointer into it.
    let v = unsafe { nix::libc::strtod(cs.as_ptr(), &mut end) };
    let erange = nix::errno::Errno::last() == nix::errno::Errno::ERANGE;
    // SAFETY: strtod leaves `end` inside `cs` (at most at its NUL).
    let whole = unsafe { *end } == 0;
    (v, whole, erange)
}

/// Redis's `getDoubleFromObject`: not empty, no leading space, every byte
/// read (so no NUL inside), no overflow or underflow to zero, not NaN.
pub fn parse_double(s: &[u8]) -> Option<f64> {
    // C's isspace: space, \t, \n, \v, \f, \r.
    if s.is_empty() || matches!(s[0], b' ' | b'\t'..=b'\r') || s.contains(&0) {
        return None;
    }
    let (v, whole, erange) = strtod(s);
    let bad_range = erange && (v.is_infinite() || v == 0.0);
    (whole && !bad_range && !v.is_nan()).then_some(v)
}

/// A double as C's `printf("%.17g")` prints it (how Redis 7.0 replies with
/// scores): 17 significant digits, trailing zeros dropped, exponent form
/// below 1e-4 and from 1e17; "inf", "-inf".
pub fn format_g17(d: f64) -> String {
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    // Rust's exponent form is exactly rounded: 17 significant digits.
    let sci = format!("{:.16e}", d);
    let (mant, exp) = sci.split_once('e').expect("exponent form");
    let exp: i32 = exp.parse().expect("exponent");
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let trim = |s: &str| s.trim_end_matches('0').to_string();
    let sign = if neg { "-" } else { "" };
    if !(-4..17).contains(&exp) {
        let frac = trim(&digits[1..]);
        let dot = if frac.is_empty() { String::new() } else { format!(".{frac}") };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{}{dot}e{esign}{:02}", &digits[..1], exp.abs());
    }
    let (int, frac) = if exp >= 0 {
        (digits[..=exp as usize].to_string(), trim(&digits[exp as usize + 1..]))
    } else {
        ("0".to_string(), trim(&format!("{}{digits}", "0".repeat((-exp - 1) as usize))))
    };
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
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

/// The step of [`replace_file`] that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplaceStep {
    Open,
    Write,
    Fsync,
    Rename,
    DirFsync,
}

/// Replaces `path` atomically and durably (the RDB file, the AOF
/// manifest, the config file): `fill` writes the temp file `tmp` (in
/// `path`'s directory), then fsync, rename over `path`, fsync of the
/// directory so the rename itself survives a crash. On failure the temp
/// file is removed and the error names the step.
pub fn replace_file(tmp: &std::path::Path, path: &std::path::Path, fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>) -> Result<(), (ReplaceStep, std::io::Error)> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let step = |s: ReplaceStep| move |e: std::io::Error| (s, e);
    let result = (|| {
        let mut f = std::fs::File::create(tmp).map_err(step(ReplaceStep::Open))?;
        fill(&mut f).map_err(step(ReplaceStep::Write))?;
        f.sync_all().map_err(step(ReplaceStep::Fsync))?;
        drop(f);
        std::fs::rename(tmp, path).map_err(step(ReplaceStep::Rename))?;
        std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(step(ReplaceStep::DirFsync))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(tmp);
    }
    result
}

/// An I/O error as Redis words it (`strerror`, without Rust's "(os error N)").
pub fn strerror(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => nix::errno::Errno::from_raw(n).desc().to_string(),
        None => e.to_string(),
    }
}

/// Bytes quoted and escaped as Redis's `sdscatrepr`: `"..."` with `\\`,
/// `\"`, the C escapes and `\xHH` for other non-printable bytes.
pub fn repr(w: &[u8]) -> String {
    let mut s = String::from("\"");
    for &b in w {
        match b {
            b'"' | b'\\' => {
                s.push('\\');
                s.push(b as char);
            }
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            7 => s.push_str("\\a"),
            8 => s.push_str("\\b"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('"');
    s
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
        assert_eq!(parse_double(b"0x10"), Some(16.0));
        assert_eq!(parse_double(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_double(b"1e400"), None);
        assert_eq!(parse_double(b"1e-400"), None);
        assert_eq!(parse_double(b" 1"), None);
        assert_eq!(parse_double(b"1 "), None);
        assert_eq!(parse_double(b"nan"), None);
        assert_eq!(parse_double(b""), None);
        assert!(parse_double(b"1e-320").is_some(), "a denormal is accepted");
    }

    #[test]
    fn doubles_print_as_g17() {
        for (d, s) in [
            (0.1, "0.10000000000000001"),
            (1e300, "1.0000000000000001e+300"),
            (1.5e-7, "1.4999999999999999e-07"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (3.0, "3"),
            (-2.5, "-2.5"),
            (1e16, "10000000000000000"),
            (0.0001, "0.0001"),
            (-0.0, "-0"),
            (f64::NEG_INFINITY, "-inf"),
            (5e-324, "4.9406564584124654e-324"),
        ] {
            assert_eq!(format_g17(d), s);
        }
    }
}
