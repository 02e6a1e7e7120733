//! SORT and SORT_RO (Redis 7.0's `sort.c`): option parsing, the BY/GET
//! pattern lookups (`*` substitution, `#`, `*->field` in hashes), numeric
//! and ALPHA ordering, LIMIT, and STORE.
//!
//! Redis sorts lists, sets and sorted sets: [`sort_input`] gives each
//! type's elements in native order (a sorted set's by score). A missing key sorts as an empty list and strings and
//! hashes are refused with WRONGTYPE, exactly as Redis does. The machinery
//! below ([`sort_elements`]) works on any element list and is unit-tested.
//! STORE stores the result as a list (an empty result deletes the
//! destination) and replies with its length.

use crate::db::Keyspace;
use crate::notify::class;
use crate::reply::{err, Reply};
use crate::server::Server;
use crate::util::{eq_ic, parse_i64};
use hotkv_abi::object::Value;
use hotkv_abi::state::Client;
use std::cmp::Ordering;

/// The options of one SORT call.
#[derive(Default)]
pub struct SortOpts<'a> {
    pub desc: bool,
    pub alpha: bool,
    pub limit_start: i64,
    pub limit_count: i64,
    pub by: Option<&'a [u8]>,
    /// BY a pattern without `*`: keep the input order.
    pub dontsort: bool,
    pub gets: Vec<&'a [u8]>,
    pub store: Option<&'a [u8]>,
}

/// Parses `argv[2..]` as Redis's `sortCommandGeneric` does; the error is
/// the reply text. STORE is only an option of SORT, not SORT_RO.
pub fn parse_opts<'a>(argv: &[&'a [u8]], readonly: bool) -> Result<SortOpts<'a>, &'static str> {
    let mut o = SortOpts { limit_count: -1, ..SortOpts::default() };
    let mut j = 2;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let a = argv[j];
        if eq_ic(a, b"asc") {
            o.desc = false;
        } else if eq_ic(a, b"desc") {
            o.desc = true;
        } else if eq_ic(a, b"alpha") {
            o.alpha = true;
        } else if eq_ic(a, b"limit") && left >= 2 {
            let (Some(start), Some(count)) = (parse_i64(argv[j + 1]), parse_i64(argv[j + 2])) else {
                return Err(err::NOT_INTEGER);
            };
            (o.limit_start, o.limit_count) = (start, count);
            j += 2;
        } else if !readonly && eq_ic(a, b"store") && left >= 1 {
            o.store = Some(argv[j + 1]);
            j += 1;
        } else if eq_ic(a, b"by") && left >= 1 {
            o.by = Some(argv[j + 1]);
            o.dontsort = !argv[j + 1].contains(&b'*');
            j += 1;
        } else if eq_ic(a, b"get") && left >= 1 {
            o.gets.push(argv[j + 1]);
            j += 1;
        } else {
            return Err(err::SYNTAX);
        }
        j += 1;
    }
    Ok(o)
}

/// The elements of a value SORT accepts, in native order; `Err` for a
/// type it refuses. A missing key is an empty list.
fn sort_input(v: Option<&Value>) -> Result<Vec<Vec<u8>>, ()> {
    match v {
        None => Ok(Vec::new()),
        Some(v) if v.is_set() => {
            let mut out = Vec::with_capacity(v.set_len());
            v.set_for_each(|m| out.push(m.to_vec()));
            Ok(out)
        }
        Some(v) if v.is_list() => Ok(v.list_to_vec()),
        Some(v) if v.is_zset() => Ok(crate::t_zset::members(v)),
        Some(_) => Err(()),
    }
}

/// Redis's `lookupKeyByPattern`: `#` is the element itself; otherwise the
/// first `*` of the pattern is replaced by the element to name a key, and
/// a `->field` after it reads that field of a hash. A pattern without `*`,
/// a missing key or a key of the wrong type give nothing.
pub fn lookup_by_pattern(get: &mut impl FnMut(&[u8], Option<&[u8]>) -> Option<Vec<u8>>, pattern: &[u8], elem: &[u8]) -> Option<Vec<u8>> {
    if pattern == b"#" {
        return Some(elem.to_vec());
    }
    let star = pattern.iter().position(|&b| b == b'*')?;
    let rest = &pattern[star + 1..];
    let arrow = rest.windows(2).position(|w| w == b"->").filter(|&f| f + 2 < rest.len());
    let (postfix, field) = match arrow {
        Some(f) => (&rest[..f], Some(&rest[f + 2..])),
        None => (rest, None),
    };
    let mut key = Vec::with_capacity(pattern.len() + elem.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(elem);
    key.extend_from_slice(postfix);
    get(&key, field)
}

/// Reads a key for a pattern lookup: a string's bytes, or a hash field.
fn keyspace_get(ks: &mut Keyspace, key: &[u8], field: Option<&[u8]>) -> Option<Vec<u8>> {
    let v = &ks.lookup_read(key)?.value;
    match field {
        None if v.is_string() => Some(v.str_bytes(&mut [0; 20]).to_vec()),
        Some(f) if v.is_hash() => v.hash_get(f).map(|b| b.to_vec()),
        _ => None,
    }
}

/// C's `strtod` with Redis's checks: the whole string must be read, no
/// overflow, not NaN (an empty string is 0, as in Redis).
fn score_of(b: &[u8]) -> Option<f64> {
    let (v, whole, erange) = crate::util::strtod(b);
    (whole && !erange && !v.is_nan()).then_some(v)
}

/// `strcoll` in the C locale: bytes up to the first NUL.
fn coll(a: &[u8], b: &[u8]) -> Ordering {
    let cut = |s: &[u8]| s.iter().position(|&c| c == 0).map_or(s.len(), |i| i);
    a[..cut(a)].cmp(&b[..cut(b)])
}

struct Item {
    elem: Vec<u8>,
    score: f64,
    /// The BY value for ALPHA sorting by pattern (None: no such key).
    by: Option<Vec<u8>>,
}

/// Sorts `elems` and applies LIMIT and GET: the reply's items (None for a
/// GET that found nothing), or Redis's score conversion error. `get`
/// reads a key (and optionally a hash field) for the pattern lookups.
pub fn sort_elements(
    elems: Vec<Vec<u8>>,
    o: &SortOpts,
    mut get: impl FnMut(&[u8], Option<&[u8]>) -> Option<Vec<u8>>,
) -> Result<Vec<Option<Vec<u8>>>, &'static str> {
    let mut items: Vec<Item> = elems.into_iter().map(|elem| Item { elem, score: 0.0, by: None }).collect();
    let mut conversion_error = false;
    if !o.dontsort {
        for it in items.iter_mut() {
            let byval = match o.by {
                Some(p) => match lookup_by_pattern(&mut get, p, &it.elem) {
                    Some(v) => v,
                    None => continue,
                },
                None => it.elem.clone(),
            };
            if o.alpha {
                if o.by.is_some() {
                    it.by = Some(byval);
                }
            } else {
                match score_of(&byval) {
                    Some(s) => it.score = s,
                    None => conversion_error = true,
                }
            }
        }
        let store = o.store.is_some();
        items.sort_by(|a, b| {
            let cmp = if !o.alpha {
                a.score.partial_cmp(&b.score).unwrap_or(Ordering::Equal).then_with(|| a.elem.cmp(&b.elem))
            } else if o.by.is_some() {
                match (&a.by, &b.by) {
                    (Some(x), Some(y)) if store => x.cmp(y),
                    (Some(x), Some(y)) => coll(x, y),
                    (x, y) => x.is_some().cmp(&y.is_some()),
                }
            } else if store {
                a.elem.cmp(&b.elem)
            } else {
                coll(&a.elem, &b.elem)
            };
            if o.desc {
                cmp.reverse()
            } else {
                cmp
            }
        });
    }
    // LIMIT as Redis clamps it.
    let n = items.len() as i64;
    let mut start = o.limit_start.max(0).min(n);
    let count = o.limit_count.max(-1).min(n);
    let mut end = if count < 0 { n } else { start + count - 1 };
    if start >= n {
        start = n - 1;
        end = n - 2;
    }
    if end >= n {
        end = n - 1;
    }
    if conversion_error {
        return Err("One or more scores can't be converted into double");
    }
    let mut out = Vec::new();
    for it in items.iter().take((end + 1).max(0) as usize).skip(start.max(0) as usize) {
        if o.gets.is_empty() {
            out.push(Some(it.elem.clone()));
        }
        for g in &o.gets {
            out.push(lookup_by_pattern(&mut get, g, &it.elem));
        }
    }
    Ok(out)
}

fn sort_generic(srv: &mut Server, c: &mut Client, argv: &[&[u8]], readonly: bool) {
    let mut o = match parse_opts(argv, readonly) {
        Ok(o) => o,
        Err(e) => return c.add_error(e),
    };
    let mut ks = srv.keyspace(c.db);
    // With STORE the key is looked up for writing (no hit/miss counted).
    let entry = if o.store.is_some() { ks.lookup_write_check(argv[1]) } else { ks.lookup_read(argv[1]) };
    let is_set = entry.as_ref().is_some_and(|e| e.value.is_set());
    // Lists and sorted sets have an order of their own.
    let ordered = entry.as_ref().is_some_and(|e| e.value.is_list() || e.value.is_zset());
    let Ok(mut elems) = sort_input(entry.map(|e| &e.value)) else { return c.add_error(err::WRONGTYPE) };
    // Redis: a list or sorted set not sorted keeps its order, read from
    // the tail with DESC (and LIMIT then counts from there).
    if o.dontsort && ordered && o.desc {
        elems.reverse();
    }
    // Redis: a set given BY nosort with STORE is sorted ALPHA instead, so
    // that what is stored does not depend on the set's internal order.
    if o.dontsort && is_set && o.store.is_some() {
        (o.dontsort, o.alpha, o.by) = (false, true, None);
    }
    let out = match sort_elements(elems, &o, |k, f| keyspace_get(&mut ks, k, f)) {
        Ok(out) => out,
        Err(e) => return c.add_error(e),
    };
    match o.store {
        None => {
            c.add_array(out.len());
            for item in &out {
                match item {
                    Some(b) => c.add_bulk(b),
                    None => c.add_null(),
                }
            }
        }
        // An empty result deletes the destination; otherwise it becomes a
        // list (a GET that found nothing stores an empty string).
        Some(dst) if out.is_empty() => {
            if ks.delete(dst) {
                ks.notify(class::GENERIC, "del", dst);
            }
            c.add_int(0);
        }
        Some(dst) => {
            let mut list = Value::new_list();
            for item in &out {
                list.list_push(item.as_deref().unwrap_or(b""), false);
            }
            ks.set(dst, list, crate::db::Ttl::Clear);
            ks.notify(class::LIST, "sortstore", dst);
            c.add_int(out.len() as i64);
        }
    }
}

/// Where SORT's STORE destination is (Redis's `sortGetKeys`, for COMMAND
/// GETKEYS): the last `STORE x`, skipping the arguments of LIMIT, GET and
/// BY; unknown words are taken to have none.
pub fn store_key_pos(argv: &[&[u8]]) -> Option<usize> {
    let mut found = None;
    let mut i = 2;
    while i < argv.len() {
        if eq_ic(argv[i], b"limit") {
            i += 2;
        } else if eq_ic(argv[i], b"get") || eq_ic(argv[i], b"by") {
            i += 1;
        } else if eq_ic(argv[i], b"store") && i + 1 < argv.len() {
            found = Some(i + 1);
        }
        i += 1;
    }
    found
}

/// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE destination]
pub fn sort(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    sort_generic(srv, c, argv, false);
}

/// SORT_RO: SORT without STORE.
pub fn sort_ro(srv: &mut Server, c: &mut Client, argv: &[&[u8]]) {
    sort_generic(srv, c, argv, true);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn run(elems: &[&str], args: &str, db: &HashMap<&str, &str>, hashes: &HashMap<(&str, &str), &str>) -> Result<Vec<Option<String>>, &'static str> {
        let words: Vec<&[u8]> = args.split_whitespace().map(|w| w.as_bytes()).collect();
        let mut argv: Vec<&[u8]> = vec![b"sort", b"k"];
        argv.extend(words);
        let o = parse_opts(&argv, false)?;
        let get = |k: &[u8], f: Option<&[u8]>| {
            let k = std::str::from_utf8(k).unwrap();
            match f {
                None => db.get(k).map(|v| v.as_bytes().to_vec()),
                Some(f) => hashes.get(&(k, std::str::from_utf8(f).unwrap())).map(|v| v.as_bytes().to_vec()),
            }
        };
        let out = sort_elements(elems.iter().map(|e| e.as_bytes().to_vec()).collect(), &o, get)?;
        Ok(out.into_iter().map(|o| o.map(|b| String::from_utf8(b).unwrap())).collect())
    }

    fn strs(v: &[&str]) -> Vec<Option<String>> {
        v.iter().map(|s| if *s == "(nil)" { None } else { Some(s.to_string()) }).collect()
    }

    #[test]
    fn options_parse_as_redis() {
        let p = |s: &str, ro: bool| {
            let mut argv: Vec<&[u8]> = vec![b"sort", b"k"];
            argv.extend(s.split_whitespace().map(|w| w.as_bytes()));
            parse_opts(&argv, ro).map(|o| (o.desc, o.alpha, o.limit_start, o.limit_count, o.dontsort, o.gets.len(), o.store.is_some())).map_err(|e| e.to_string())
        };
        assert_eq!(p("", false), Ok((false, false, 0, -1, false, 0, false)));
        assert_eq!(p("desc ALPHA limit 1 2 get # get x", false), Ok((true, true, 1, 2, false, 2, false)));
        assert_eq!(p("by nosort", false), Ok((false, false, 0, -1, true, 0, false)));
        assert_eq!(p("by w_*", false), Ok((false, false, 0, -1, false, 0, false)));
        assert!(p("store d", false).unwrap().6);
        assert_eq!(p("store d", true), Err(err::SYNTAX.to_string()));
        assert_eq!(p("limit 1", false), Err(err::SYNTAX.to_string()));
        assert_eq!(p("limit x 1", false), Err(err::NOT_INTEGER.to_string()));
        assert_eq!(p("get", false), Err(err::SYNTAX.to_string()));
        assert_eq!(p("foo", false), Err(err::SYNTAX.to_string()));
    }

    #[test]
    fn numeric_alpha_by_get_limit() {
        let db: HashMap<&str, &str> = [("w_a", "3"), ("w_b", "1"), ("w_c", "2"), ("o_a", "A"), ("o_c", "C")].into();
        let h: HashMap<(&str, &str), &str> = [(("h_a", "f"), "30"), (("h_b", "f"), "10"), (("h_c", "f"), "20")].into();
        let none = HashMap::new();
        assert_eq!(run(&["3", "1", "2", "10"], "", &db, &none), Ok(strs(&["1", "2", "3", "10"])));
        assert_eq!(run(&["3", "1", "2", "10"], "DESC", &db, &none), Ok(strs(&["10", "3", "2", "1"])));
        assert_eq!(run(&["3", "1", "2", "10"], "ALPHA", &db, &none), Ok(strs(&["1", "10", "2", "3"])));
        // Equal scores: the elements' bytes decide.
        assert_eq!(run(&["1.0", "1", "01"], "", &db, &none), Ok(strs(&["01", "1", "1.0"])));
        assert_eq!(run(&["a", "1"], "", &db, &none), Err("One or more scores can't be converted into double"));
        assert_eq!(run(&["a", "b", "c"], "BY w_*", &db, &none), Ok(strs(&["b", "c", "a"])));
        assert_eq!(run(&["a", "b", "c"], "BY h_*->f DESC", &db, &h), Ok(strs(&["a", "c", "b"])));
        // BY without '*': input order; GET # and GET of keys and fields.
        assert_eq!(run(&["c", "a", "b"], "BY nosort GET # GET o_* GET h_*->f", &db, &h), Ok(strs(&["c", "C", "20", "a", "A", "30", "b", "(nil)", "10"])));
        // Missing BY values sort as 0 (numeric) or first (ALPHA).
        assert_eq!(run(&["a", "x", "b"], "BY w_*", &db, &none), Ok(strs(&["x", "b", "a"])));
        assert_eq!(run(&["c", "x", "a"], "BY o_* ALPHA", &db, &none), Ok(strs(&["x", "a", "c"])));
        assert_eq!(run(&["c", "x", "a"], "BY o_* ALPHA DESC", &db, &none), Ok(strs(&["c", "a", "x"])));
        // LIMIT clamping.
        let e = ["1", "2", "3", "4", "5"];
        assert_eq!(run(&e, "LIMIT 1 2", &db, &none), Ok(strs(&["2", "3"])));
        assert_eq!(run(&e, "LIMIT -5 2", &db, &none), Ok(strs(&["1", "2"])));
        assert_eq!(run(&e, "LIMIT 3 -1", &db, &none), Ok(strs(&["4", "5"])));
        assert_eq!(run(&e, "LIMIT 3 100", &db, &none), Ok(strs(&["4", "5"])));
        assert_eq!(run(&e, "LIMIT 5 1", &db, &none), Ok(strs(&[])));
        assert_eq!(run(&e, "LIMIT 0 0", &db, &none), Ok(strs(&[])));
        assert_eq!(run(&[], "LIMIT 0 10 GET #", &db, &none), Ok(strs(&[])));
    }

    #[test]
    fn patterns_and_scores() {
        let mut seen = Vec::new();
        let mut get = |k: &[u8], f: Option<&[u8]>| {
            seen.push((k.to_vec(), f.map(|f| f.to_vec())));
            None
        };
        assert_eq!(lookup_by_pattern(&mut get, b"#", b"e"), Some(b"e".to_vec()));
        assert_eq!(lookup_by_pattern(&mut get, b"nostar", b"e"), None);
        lookup_by_pattern(&mut get, b"a*b", b"e");
        lookup_by_pattern(&mut get, b"a*b->f", b"e");
        lookup_by_pattern(&mut get, b"a*b->", b"e");
        lookup_by_pattern(&mut get, b"a*b*c", b"e");
        assert_eq!(
            seen,
            vec![
                (b"aeb".to_vec(), None),
                (b"aeb".to_vec(), Some(b"f".to_vec())),
                (b"aeb->".to_vec(), None),
                (b"aeb*c".to_vec(), None),
            ]
        );
        assert_eq!(score_of(b"1.5"), Some(1.5));
        assert_eq!(score_of(b""), Some(0.0));
        assert_eq!(score_of(b" 2"), Some(2.0));
        assert_eq!(score_of(b"0x10"), Some(16.0));
        assert_eq!(score_of(b"inf"), Some(f64::INFINITY));
        assert_eq!(score_of(b"2 "), None);
        assert_eq!(score_of(b"nan"), None);
        assert_eq!(score_of(b"1e999"), None);
        assert_eq!(score_of(b"3\0x"), Some(3.0));
    }
}
