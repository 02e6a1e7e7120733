//! x87 80-bit `long double` arithmetic in software, for INCRBYFLOAT
//! (Redis's `string2ld` and `ld2string` in `util.c`).
//!
//! Why not f64: Redis parses both operands with `strtold`, adds them as
//! `long double` (on x86-64 the x87 extended format: 64-bit mantissa, 15-bit
//! exponent) and stores the sum printed with `%.17Lf`, trailing zeros
//! removed. The 17 decimals show the 64-bit rounding: 0.1 + 0.2 gives "0.3"
//! (an f64 sum prints 0.30000000000000004) and 1e10 + 0.1 gives
//! "10000000000.09999999962747097", which no f64 formatting reproduces. So
//! the three steps are done exactly here, as glibc does them: correctly
//! rounded parsing, one correctly rounded addition (round half to even,
//! denormals included), and exact binary-to-decimal printing rounded half to
//! even. Values are small big integers times a power of two; ordinary
//! operands cost about a microsecond, extreme ones (5119-byte inputs,
//! exponents near ±4932) a few hundred microseconds at most.

use std::cmp::Ordering;

/// A finite long double: `mant * 2^exp`. Zero has `mant == 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LongDouble {
    pub neg: bool,
    pub mant: u64,
    pub exp: i32,
}

/// What `strtold` made of an operand Redis accepts.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    Finite(LongDouble),
    /// "inf" or "infinity": valid input, but any sum with it is an error.
    Infinite,
}

/// Operands this long or longer are refused (Redis's MAX_LONG_DOUBLE_CHARS).
pub const MAX_CHARS: usize = 5 * 1024;
/// Exponent of the last mantissa bit of the smallest denormal (2^-16445).
const MIN_LSB: i64 = -16445;
/// Exponent of the top bit of the largest finite value (< 2^16384).
const MAX_TOP: i64 = 16383;
/// Decimal exponent bounds outside which a non-zero number certainly
/// overflows (>= 1e4933) or rounds to zero (< 1e-4952).
const MAX_DEC_EXP: i64 = 4932;
const MIN_DEC_EXP: i64 = -4952;

impl LongDouble {
    pub const ZERO: LongDouble = LongDouble { neg: false, mant: 0, exp: 0 };
}

/// Parses like Redis's `string2ld`: the whole string must be what `strtold`
/// reads (no spaces, no trailing bytes), NaN is refused, and so is a value
/// out of range (overflow, or a non-zero number that rounds to zero).
pub fn parse(s: &[u8]) -> Option<Parsed> {
    if s.is_empty() || s.len() >= MAX_CHARS {
        return None;
    }
    let (neg, body) = match s[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        return Some(Parsed::Infinite);
    }
    let v = if body.len() > 2 && body[0] == b'0' && (body[1] | 0x20) == b'x' {
        parse_hex(neg, &body[2..])?
    } else {
        parse_dec(neg, body)?
    };
    Some(Parsed::Finite(v))
}

/// Splits the whole of `s`, `[digits][.digits][<marker>exponent]`, into
/// integer digits, fraction digits and the exponent (0 when absent). None if
/// there is no digit at all or anything else is left.
fn split_number(s: &[u8], is_digit: fn(u8) -> bool, marker: u8) -> Option<(&[u8], &[u8], i64)> {
    let int_end = s.iter().position(|&b| !is_digit(b)).unwrap_or(s.len());
    let (int, rest) = s.split_at(int_end);
    let (frac, rest) = match rest.first() {
        Some(b'.') => {
            let r = &rest[1..];
            let end = r.iter().position(|&b| !is_digit(b)).unwrap_or(r.len());
            r.split_at(end)
        }
        _ => (&rest[..0], rest),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let exp = match rest.first() {
        None => 0,
        Some(&c) if c | 0x20 == marker => parse_exponent(&rest[1..])?,
        Some(_) => return None,
    };
    Some((int, frac, exp))
}

/// The exponent after `e`/`p`: optional sign and at least one digit, all of
/// the rest. Saturates far outside any representable range.
fn parse_exponent(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = digits.iter().fold(0i64, |acc, &d| (acc * 10 + (d - b'0') as i64).min(1 << 40));
    Some(if neg { -v } else { v })
}

fn parse_dec(neg: bool, s: &[u8]) -> Option<LongDouble> {
    let (int, frac, exp10) = split_number(s, |b| b.is_ascii_digit(), b'e')?;
    let all: Vec<u8> = int.iter().chain(frac).copied().collect();
    let start = all.iter().position(|&d| d != b'0').unwrap_or(all.len());
    let end = all.iter().rposition(|&d| d != b'0').map_or(start, |i| i + 1);
    let digits = &all[start..end];
    if digits.is_empty() {
        return Some(LongDouble { neg, ..LongDouble::ZERO });
    }
    // value = digits * 10^exp10, `digits` an integer without trailing zeros.
    let exp10 = exp10 - frac.len() as i64 + (all.len() - end) as i64;
    let nd = digits.len() as i64;
    if nd - 1 + exp10 > MAX_DEC_EXP || nd + exp10 < MIN_DEC_EXP {
        return None;
    }
    let d = Big::from_digits(digits, 10);
    let v = if exp10 >= 0 {
        round(neg, &d.mul(&Big::pow10(exp10 as u32)), 0, false)?
    } else {
        // Scale so that the quotient has 67 bits: two more than the 64 kept
        // and the rounding bit, the remainder folding into a sticky bit.
        let p = Big::pow10((-exp10) as u32);
        let t = d.bits() - p.bits() - 67;
        let (num, dropped) = if t >= 0 { (d.shr(t as u64), d.any_below(t)) } else { (d.shl((-t) as u64), false) };
        let (q, inexact) = quotient(&num, &p);
        round(neg, &Big::from_u128(q), t, dropped || inexact)?
    };
    // strtold reports a non-zero input that rounds to zero as a range error.
    (v.mant != 0).then_some(v)
}

fn parse_hex(neg: bool, s: &[u8]) -> Option<LongDouble> {
    let (int, frac, exp2) = split_number(s, |b| b.is_ascii_hexdigit(), b'p')?;
    let all: Vec<u8> = int.iter().chain(frac).copied().collect();
    let m = Big::from_digits(&all, 16);
    if m.is_zero() {
        return Some(LongDouble { neg, ..LongDouble::ZERO });
    }
    let k = exp2 - 4 * frac.len() as i64;
    if k + m.bits() - 1 > MAX_TOP || k + m.bits() < MIN_LSB - 1 {
        return None;
    }
    let v = round(neg, &m, k, false)?;
    (v.mant != 0).then_some(v)
}

/// `a + b` rounded to the format; None when it overflows to infinity.
pub fn add(a: LongDouble, b: LongDouble) -> Option<LongDouble> {
    if b.mant == 0 {
        return Some(if a.mant == 0 { LongDouble { neg: a.neg && b.neg, ..LongDouble::ZERO } } else { a });
    }
    if a.mant == 0 {
        return Some(b);
    }
    // Exact sum on a common exponent, then one rounding.
    let e = a.exp.min(b.exp);
    let na = Big::from_u128(a.mant as u128).shl((a.exp - e) as u64);
    let nb = Big::from_u128(b.mant as u128).shl((b.exp - e) as u64);
    if a.neg == b.neg {
        return round(a.neg, &na.add(&nb), e as i64, false);
    }
    match na.cmp(&nb) {
        Ordering::Equal => Some(LongDouble::ZERO),
        Ordering::Greater => round(a.neg, &na.sub(&nb), e as i64, false),
        Ordering::Less => round(b.neg, &nb.sub(&na), e as i64, false),
    }
}

/// Rounds `(n + sticky_fraction) * 2^k` to 64 significant bits (fewer for
/// denormals), half to even. None on overflow. Callers give `n` enough bits
/// that the sticky fraction lies below the rounding bit.
fn round(neg: bool, n: &Big, k: i64, sticky: bool) -> Option<LongDouble> {
    if n.is_zero() {
        return Some(LongDouble { neg, ..LongDouble::ZERO });
    }
    let top = k + n.bits() - 1;
    let mut lsb = (top - 63).max(MIN_LSB);
    let mant = if lsb <= k {
        // At most 64 bits: exact.
        (n.low_u128() << (k - lsb)) as u64
    } else {
        let shift = lsb - k;
        let mut m = n.shr(shift as u64).low_u128();
        let half = n.bit(shift - 1);
        if half && (sticky || n.any_below(shift - 1) || m & 1 == 1) {
            m += 1;
        }
        if m >> 64 != 0 {
            m >>= 1;
            lsb += 1;
        }
        m as u64
    };
    if mant == 0 {
        return Some(LongDouble { neg, ..LongDouble::ZERO });
    }
    if lsb + 63 - mant.leading_zeros() as i64 > MAX_TOP {
        return None;
    }
    Some(LongDouble { neg, mant, exp: lsb as i32 })
}

/// Redis's `ld2string(..., LD_STR_HUMAN)`: `%.17Lf`, then trailing zeros
/// and a trailing '.' removed, and "-0" turned into "0".
pub fn format_human(v: &LongDouble) -> String {
    const DECIMALS: usize = 17;
    // All the digits of value * 10^17, rounded half to even.
    let digits = if v.exp >= 0 {
        let mut s = Big::from_u128(v.mant as u128).shl(v.exp as u64).to_decimal();
        s.push_str(&"0".repeat(DECIMALS));
        s
    } else {
        // mant * 10^17 < 2^121, so it fits a u128; beyond a shift of 121
        // bits the result is below one half and rounds to 0.
        let x = v.mant as u128 * 10u128.pow(DECIMALS as u32);
        let shift = (-v.exp) as u32;
        let q = if shift > 121 {
            0
        } else {
            let (q, r, half) = (x >> shift, x & ((1u128 << shift) - 1), 1u128 << (shift - 1));
            if r > half || (r == half && q & 1 == 1) {
                q + 1
            } else {
                q
            }
        };
        format!("{q:0width$}", width = DECIMALS + 1)
    };
    let (int, frac) = digits.split_at(digits.len() - DECIMALS);
    let frac = frac.trim_end_matches('0');
    let mut out = String::with_capacity(digits.len() + 2);
    if v.neg {
        out.push('-');
    }
    out.push_str(int);
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if out == "-0" {
        out.remove(0);
    }
    out
}

/// `num / den` for a quotient below 2^127: (quotient, remainder != 0).
fn quotient(num: &Big, den: &Big) -> (u128, bool) {
    let span = num.bits() - den.bits();
    if span < 0 {
        return (0, !num.is_zero());
    }
    debug_assert!(span < 127);
    let mut rem = num.clone();
    let mut q = 0u128;
    for i in (0..=span).rev() {
        let d = den.shl(i as u64);
        if rem.cmp(&d) != Ordering::Less {
            rem = rem.sub(&d);
            q |= 1 << i;
        }
    }
    (q, !rem.is_zero())
}

/// Just enough of an unsigned big integer for the above: little-endian
/// 32-bit limbs, no high zero limbs.
#[derive(Clone, Default, Debug)]
struct Big(Vec<u32>);

impl Big {
    fn from_u128(mut v: u128) -> Big {
        let mut b = Big(Vec::new());
        while v != 0 {
            b.0.push(v as u32);
            v >>= 32;
        }
        b
    }

    fn trim(mut self) -> Big {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        self
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn bits(&self) -> i64 {
        match self.0.last() {
            None => 0,
            Some(&top) => self.0.len() as i64 * 32 - top.leading_zeros() as i64,
        }
    }

    fn bit(&self, i: i64) -> bool {
        i >= 0 && self.0.get((i / 32) as usize).is_some_and(|&l| l >> (i % 32) & 1 == 1)
    }

    /// True if any bit below bit `n` is set.
    fn any_below(&self, n: i64) -> bool {
        if n <= 0 {
            return false;
        }
        let (full, part) = ((n / 32) as usize, (n % 32) as u32);
        let limbs = &self.0[..full.min(self.0.len())];
        limbs.iter().any(|&l| l != 0) || (part != 0 && self.0.get(full).is_some_and(|&l| l & ((1 << part) - 1) != 0))
    }

    fn low_u128(&self) -> u128 {
        self.0.iter().take(4).rev().fold(0u128, |acc, &l| acc << 32 | l as u128)
    }

    /// The number written by ASCII `digits` in `radix` (10 or 16), taken
    /// as many digits per step as fit a limb: inputs run to 5119 digits.
    fn from_digits(digits: &[u8], radix: u32) -> Big {
        let per_step = if radix == 10 { 9 } else { 7 };
        let mut b = Big::default();
        for chunk in digits.chunks(per_step) {
            let v = chunk.iter().fold(0u32, |acc, &c| acc * radix + (c as char).to_digit(radix).unwrap_or(0));
            b.mul_add_small(radix.pow(chunk.len() as u32), v);
        }
        b
    }

    /// self = self * m + a
    fn mul_add_small(&mut self, m: u32, a: u32) {
        let mut carry = a as u64;
        for l in self.0.iter_mut() {
            let v = *l as u64 * m as u64 + carry;
            *l = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
    }

    fn mul(&self, o: &Big) -> Big {
        let mut r = vec![0u32; self.0.len() + o.0.len()];
        for (i, &a) in self.0.iter().enumerate() {
            let mut carry = 0u64;
            for (j, &b) in o.0.iter().enumerate() {
                let v = a as u64 * b as u64 + r[i + j] as u64 + carry;
                r[i + j] = v as u32;
                carry = v >> 32;
            }
            r[i + o.0.len()] = carry as u32;
        }
        Big(r).trim()
    }

    fn pow10(mut n: u32) -> Big {
        let mut b = Big::from_u128(1);
        while n >= 9 {
            b.mul_add_small(1_000_000_000, 0);
            n -= 9;
        }
        b.mul_add_small(10u32.pow(n), 0);
        b
    }

    fn shl(&self, n: u64) -> Big {
        if self.is_zero() {
            return Big::default();
        }
        let (limbs, bits) = ((n / 32) as usize, (n % 32) as u32);
        let mut r = vec![0u32; limbs];
        let mut carry = 0u32;
        for &l in &self.0 {
            r.push(if bits == 0 { l } else { l << bits | carry });
            carry = if bits == 0 { 0 } else { l >> (32 - bits) };
        }
        r.push(carry);
        Big(r).trim()
    }

    fn shr(&self, n: u64) -> Big {
        let (limbs, bits) = ((n / 32) as usize, (n % 32) as u32);
        if limbs >= self.0.len() {
            return Big::default();
        }
        let src = &self.0[limbs..];
        let r = (0..src.len())
            .map(|i| {
                let hi = src.get(i + 1).copied().unwrap_or(0);
                if bits == 0 {
                    src[i]
                } else {
                    src[i] >> bits | hi << (32 - bits)
                }
            })
            .collect();
        Big(r).trim()
    }

    fn cmp(&self, o: &Big) -> Ordering {
        self.0.len().cmp(&o.0.len()).then_with(|| self.0.iter().rev().cmp(o.0.iter().rev()))
    }

    fn add(&self, o: &Big) -> Big {
        let (long, short) = if self.0.len() >= o.0.len() { (self, o) } else { (o, self) };
        let mut r = Vec::with_capacity(long.0.len() + 1);
        let mut carry = 0u64;
        for (i, &l) in long.0.iter().enumerate() {
            let v = l as u64 + short.0.get(i).copied().unwrap_or(0) as u64 + carry;
            r.push(v as u32);
            carry = v >> 32;
        }
        r.push(carry as u32);
        Big(r).trim()
    }

    /// self - o, for self >= o.
    fn sub(&self, o: &Big) -> Big {
        let mut r = Vec::with_capacity(self.0.len());
        let mut borrow = 0i64;
        for (i, &l) in self.0.iter().enumerate() {
            let mut v = l as i64 - o.0.get(i).copied().unwrap_or(0) as i64 - borrow;
            borrow = (v < 0) as i64;
            if v < 0 {
                v += 1 << 32;
            }
            r.push(v as u32);
        }
        debug_assert_eq!(borrow, 0);
        Big(r).trim()
    }

    fn to_decimal(&self) -> String {
        let mut limbs = self.0.clone();
        let mut chunks = Vec::new();
        while !limbs.is_empty() {
            let mut rem = 0u64;
            for l in limbs.iter_mut().rev() {
                let v = rem << 32 | *l as u64;
                *l = (v / 1_000_000_000) as u32;
                rem = v % 1_000_000_000;
            }
            chunks.push(rem as u32);
            while limbs.last() == Some(&0) {
                limbs.pop();
            }
        }
        let mut s = chunks.pop().map_or_else(|| "0".to_string(), |c| c.to_string());
        for c in chunks.iter().rev() {
            s.push_str(&format!("{c:09}"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> LongDouble {
        match parse(s.as_bytes()) {
            Some(Parsed::Finite(v)) => v,
            other => panic!("{s}: {other:?}"),
        }
    }

    /// INCRBYFLOAT from a missing key, then more increments: each step's
    /// reply, as a real Redis 7.0 on x86-64 gives it.
    fn steps(incrs: &[&str]) -> Vec<String> {
        let mut cur = "0".to_string();
        incrs
            .iter()
            .map(|i| {
                cur = format_human(&add(num(&cur), num(i)).expect("finite"));
                cur.clone()
            })
            .collect()
    }

    #[test]
    fn matches_redis_outputs() {
        assert_eq!(steps(&["10.5", "0.1"]), ["10.5", "10.6"]);
        assert_eq!(steps(&["0.1", "0.2"]), ["0.1", "0.3"]);
        assert_eq!(steps(&["3.0e3"]), ["3000"]);
        assert_eq!(steps(&["5.0e3", "0"]), ["5000", "5000"]);
        assert_eq!(steps(&["1e10", "0.1"]), ["10000000000", "10000000000.09999999962747097"]);
        assert_eq!(steps(&["0x1p3"]), ["8"]);
        assert_eq!(steps(&["1e-20"]), ["0"]);
        assert_eq!(steps(&["1.23456789012345678901"]), ["1.23456789012345679"]);
        assert_eq!(steps(&["-0.0"]), ["0"]);
        assert_eq!(steps(&["1e-4940"]), ["0"]);
        assert_eq!(steps(&["+1.5", ".5", "5."]), ["1.5", "2", "7"]);
        assert_eq!(steps(&["3.0000000000000000001"]), ["3"]);
        // 2^-18: an exact tie at the 18th decimal, rounded to even.
        assert_eq!(steps(&["0.000003814697265625"]), ["0.00000381469726562"]);
        assert_eq!(steps(&["1e17", "1.5"]), ["100000000000000000", "100000000000000001.5"]);
        assert_eq!(steps(&["1e19", "1"]), ["10000000000000000000", "10000000000000000001"]);
        // 65-bit integers: ties of the 64-bit mantissa, parsed and added.
        assert_eq!(steps(&["18446744073709551617"]), ["18446744073709551616"]);
        assert_eq!(steps(&["18446744073709551619"]), ["18446744073709551620"]);
        assert_eq!(steps(&["18446744073709551616", "1", "3"]), ["18446744073709551616", "18446744073709551616", "18446744073709551620"]);
        // Huge values print every integer digit, as glibc's printf does.
        let big = steps(&["1e400"]).pop().unwrap();
        assert_eq!(big.len(), 401);
        assert!(big.starts_with("100000000000000000002818806839475865145864"), "{big}");
        assert!(big.ends_with("09734806343732497430221946880"), "{big}");
        let max = steps(&["1.18973149535723176502e+4932"]).pop().unwrap();
        assert_eq!(max.len(), 4933);
        assert!(max.starts_with("118973149535723176502126385303097020516906332229462420044032"));
        assert!(max.ends_with("849149662444156604419552086811989770240"));
    }

    #[test]
    fn refuses_what_redis_refuses() {
        for s in ["", " 1", "1 ", "nan", "-nan", "1e", "1e+", "0x", "0x1p", ".", "e5", "1.2.3", "1e-5000", "1e4933", "--1", "1\0"] {
            assert!(parse(s.as_bytes()).is_none(), "{s:?}");
        }
        assert!(parse(&[b'1'; MAX_CHARS]).is_none());
        assert_eq!(parse(b"inf"), Some(Parsed::Infinite));
        assert_eq!(parse(b"-Infinity"), Some(Parsed::Infinite));
        assert_eq!(parse(b"0e999999999999999999999"), Some(Parsed::Finite(LongDouble::ZERO)));
        assert!(parse(b"1.18973149535723176502e+4932").is_some());
        assert!(parse(b"1.2e+4932").is_none());
    }

    #[test]
    fn overflow_is_reported() {
        let max = num("1.18973149535723176502e+4932");
        assert_eq!(add(max, max), None);
        assert!(add(max, LongDouble { neg: true, ..max }).is_some());
    }

    #[test]
    fn integers_are_exact() {
        for i in [0i64, 1, -1, 42, i64::MAX, i64::MIN, 1 << 62] {
            assert_eq!(format_human(&num(&i.to_string())), i.to_string());
        }
    }
}
