//! Sorted set values: Redis 7.0's two encodings as plain `#[repr(C)]` data.
//!
//! - A listpack (tag [`tag::ZSET_LISTPACK`]): small sorted sets as one
//!   byte block of entries sorted by (score, member), each `varint member
//!   length, member bytes, compact score`; `Value::data` points at it and
//!   `Value::len` is its size, allocated to fit exactly after each write
//!   (no header, no spare capacity: a small sorted set costs its key, its
//!   entries and nothing else). Searched and edited linearly, as Redis's
//!   listpack is (it is short by construction). Small integer scores take
//!   one byte and other integers five, so a typical entry is smaller than
//!   Redis's listpack pair.
//! - [`ZsetSkiplist`] (tag [`tag::ZSET_SKIPLIST`]): Redis's skiplist with
//!   spans (so ranks are O(log N)) plus a member table. Each [`ZNode`] is at
//!   the same time a skiplist node and the table's entry (its member bytes
//!   are the key): one allocation per member, where Redis has a skiplist
//!   node, an sds and a dictEntry.
//!
//! Ranks here are 0-based and ascending; the logic turns reverse ranks
//! into these. Which encoding a sorted set has is the logic's decision
//! (`zset-max-listpack-*`); this module converts when told to, never back.

use crate::dict::{next_random, DictEntry, RDict};
use crate::object::{alloc_one, drop_one, put_varlen, read_varlen, table_heap_bytes, tag, Value};
use std::alloc::{self, Layout};
use std::cmp::Ordering;
use std::ptr;

/// Most levels a skiplist node has (Redis's ZSKIPLIST_MAXLEVEL).
pub const MAX_LEVEL: usize = 32;

/// One level of a node: the next node at this level and how many level-0
/// steps that link jumps over.
#[repr(C)]
pub struct ZLevel {
    pub forward: *mut ZNode,
    pub span: u64,
}

/// A skiplist node and member table entry: this header, then `level`
/// [`ZLevel`]s, then `member_len` member bytes, in one allocation.
#[repr(C)]
pub struct ZNode {
    /// The member table's chain link.
    pub next: *mut ZNode,
    pub score: f64,
    pub backward: *mut ZNode,
    pub member_len: u32,
    pub level: u32,
}

/// A large sorted set. `header` is a member-less node of [`MAX_LEVEL`]
/// levels that is not in `dict`.
#[repr(C)]
pub struct ZsetSkiplist {
    pub dict: RDict<ZNode>,
    pub header: *mut ZNode,
    pub tail: *mut ZNode,
    pub length: u64,
    pub level: u64,
    /// State of the level coin flips (the structure carries its own so that
    /// inserting needs nothing from the caller).
    pub rng: u64,
}

/// (score, member) order: by score, ties by member bytes.
fn cmp_entry(s1: f64, m1: &[u8], s2: f64, m2: &[u8]) -> Ordering {
    s1.partial_cmp(&s2).unwrap_or(Ordering::Equal).then_with(|| m1.cmp(m2))
}

impl ZNode {
    fn layout(level: usize, len: usize) -> Layout {
        let size = std::mem::size_of::<ZNode>() + level * std::mem::size_of::<ZLevel>() + len;
        Layout::from_size_align(size, 8).expect("member too large")
    }

    fn alloc(level: usize, score: f64, member: &[u8]) -> *mut ZNode {
        let layout = Self::layout(level, member.len());
        // SAFETY: non-zero layout; the header, every level and the member
        // bytes are written before the node is used.
        unsafe {
            let p = alloc::alloc(layout) as *mut ZNode;
            if p.is_null() {
                alloc::handle_alloc_error(layout);
            }
            p.write(ZNode { next: ptr::null_mut(), score, backward: ptr::null_mut(), member_len: member.len() as u32, level: level as u32 });
            for i in 0..level {
                Self::lvl(p, i).write(ZLevel { forward: ptr::null_mut(), span: 0 });
            }
            ptr::copy_nonoverlapping(member.as_ptr(), Self::member_ptr(p), member.len());
            p
        }
    }

    /// # Safety
    /// `p` came from [`ZNode::alloc`] and is linked nowhere.
    unsafe fn free(p: *mut ZNode) {
        alloc::dealloc(p as *mut u8, Self::layout((*p).level as usize, (*p).member_len as usize));
    }

    /// Level `i` of the node at `p`.
    ///
    /// # Safety
    /// `p` is a live node and `i < level`.
    #[inline]
    unsafe fn lvl(p: *mut ZNode, i: usize) -> *mut ZLevel {
        debug_assert!(i < (*p).level as usize);
        (p.add(1) as *mut ZLevel).add(i)
    }

    #[inline]
    fn member_ptr(p: *mut ZNode) -> *mut u8 {
        // SAFETY: the member follows the levels in the same allocation.
        unsafe { (p.add(1) as *mut ZLevel).add((*p).level as usize) as *mut u8 }
    }

    pub fn member(&self) -> &[u8] {
        // SAFETY: `member_len` bytes follow the levels and never change.
        unsafe { std::slice::from_raw_parts(Self::member_ptr(self as *const ZNode as *mut ZNode), self.member_len as usize) }
    }

    fn heap_bytes(&self) -> usize {
        Self::layout(self.level as usize, self.member_len as usize).size()
    }

    /// True if this node sorts before (score, member).
    #[inline]
    fn before(&self, score: f64, member: &[u8]) -> bool {
        cmp_entry(self.score, self.member(), score, member) == Ordering::Less
    }
}

// SAFETY: `next` is the node's own table link (the skiplist uses the
// levels); the member bytes never change while the node is in the table.
unsafe impl DictEntry for ZNode {
    #[inline]
    fn next(&self) -> *mut Self {
        self.next
    }
    #[inline]
    fn set_next(&mut self, next: *mut Self) {
        self.next = next;
    }
    #[inline]
    fn key(&self) -> &[u8] {
        self.member()
    }
}

impl ZsetSkiplist {
    fn new(seed: u64) -> ZsetSkiplist {
        ZsetSkiplist {
            dict: RDict::new(seed),
            header: ZNode::alloc(MAX_LEVEL, 0.0, b""),
            tail: ptr::null_mut(),
            length: 0,
            level: 1,
            rng: seed | 1,
        }
    }

    /// Redis's `zslRandomLevel`: each further level with probability 1/4.
    fn random_level(&mut self) -> usize {
        let mut level = 1;
        while level < MAX_LEVEL && next_random(&mut self.rng) & 0xffff < 0xffff / 4 {
            level += 1;
        }
        level
    }

    /// Redis's `zslInsert`: links a new node for a member not in the list.
    fn insert(&mut self, score: f64, member: &[u8]) -> *mut ZNode {
        let mut update = [ptr::null_mut(); MAX_LEVEL];
        let mut rank = [0u64; MAX_LEVEL];
        let level = self.level as usize;
        // SAFETY: every node reached is live (linked from the header), and
        // levels are indexed below each node's level.
        unsafe {
            let mut x = self.header;
            for i in (0..level).rev() {
                rank[i] = if i == level - 1 { 0 } else { rank[i + 1] };
                loop {
                    let f = (*ZNode::lvl(x, i)).forward;
                    if f.is_null() || !(*f).before(score, member) {
                        break;
                    }
                    rank[i] += (*ZNode::lvl(x, i)).span;
                    x = f;
                }
                update[i] = x;
            }
            let new_level = self.random_level();
            if new_level > level {
                for i in level..new_level {
                    rank[i] = 0;
                    update[i] = self.header;
                    (*ZNode::lvl(self.header, i)).span = self.length;
                }
                self.level = new_level as u64;
            }
            let x = ZNode::alloc(new_level, score, member);
            for i in 0..new_level {
                let u = ZNode::lvl(update[i], i);
                let l = ZNode::lvl(x, i);
                (*l).forward = (*u).forward;
                (*u).forward = x;
                (*l).span = (*u).span - (rank[0] - rank[i]);
                (*u).span = rank[0] - rank[i] + 1;
            }
            for (i, u) in update.iter().enumerate().take(self.level as usize).skip(new_level) {
                (*ZNode::lvl(*u, i)).span += 1;
            }
            (*x).backward = if update[0] == self.header { ptr::null_mut() } else { update[0] };
            let f = (*ZNode::lvl(x, 0)).forward;
            if f.is_null() {
                self.tail = x;
            } else {
                (*f).backward = x;
            }
            self.length += 1;
            x
        }
    }

    /// Redis's `zslDelete` + `zslDeleteNode`: unlinks `node` (which is in
    /// the list); the caller frees it.
    fn unlink(&mut self, node: *mut ZNode) {
        let mut update = [ptr::null_mut(); MAX_LEVEL];
        // SAFETY: as in `insert`; `node` is live and linked.
        unsafe {
            let (score, member) = ((*node).score, (*node).member());
            let mut x = self.header;
            for i in (0..self.level as usize).rev() {
                loop {
                    let f = (*ZNode::lvl(x, i)).forward;
                    if f.is_null() || !(*f).before(score, member) {
                        break;
                    }
                    x = f;
                }
                update[i] = x;
            }
            debug_assert_eq!((*ZNode::lvl(update[0], 0)).forward, node);
            for (i, u) in update.iter().enumerate().take(self.level as usize) {
                let u = ZNode::lvl(*u, i);
                if (*u).forward == node {
                    let l = ZNode::lvl(node, i);
                    (*u).span += (*l).span;
                    (*u).span -= 1;
                    (*u).forward = (*l).forward;
                } else {
                    (*u).span -= 1;
                }
            }
            let f = (*ZNode::lvl(node, 0)).forward;
            if f.is_null() {
                self.tail = (*node).backward;
            } else {
                (*f).backward = (*node).backward;
            }
            while self.level > 1 && (*ZNode::lvl(self.header, self.level as usize - 1)).forward.is_null() {
                self.level -= 1;
            }
            self.length -= 1;
        }
    }

    /// How many nodes satisfy `is_before` (a predicate true on a prefix of
    /// the list): the rank of the first node that does not. O(log N).
    fn count_while(&self, is_before: impl Fn(f64, &[u8]) -> bool) -> usize {
        let mut rank = 0;
        // SAFETY: as in `insert`.
        unsafe {
            let mut x = self.header;
            for i in (0..self.level as usize).rev() {
                loop {
                    let f = (*ZNode::lvl(x, i)).forward;
                    if f.is_null() || !is_before((*f).score, (*f).member()) {
                        break;
                    }
                    rank += (*ZNode::lvl(x, i)).span;
                    x = f;
                }
            }
        }
        rank as usize
    }

    /// The node at 0-based `rank` (below `length`).
    fn node_at(&self, rank: usize) -> *mut ZNode {
        let target = rank as u64 + 1;
        let mut traversed = 0;
        // SAFETY: as in `insert`; spans sum to `length`, so the walk ends
        // on a node.
        unsafe {
            let mut x = self.header;
            for i in (0..self.level as usize).rev() {
                loop {
                    let l = ZNode::lvl(x, i);
                    if (*l).forward.is_null() || traversed + (*l).span > target {
                        break;
                    }
                    traversed += (*l).span;
                    x = (*l).forward;
                }
                if traversed == target {
                    return x;
                }
            }
        }
        unreachable!("rank {rank} of a skiplist of {}", self.length)
    }

    fn free_all(&mut self) {
        // SAFETY: the table holds every node but the header once, and
        // nothing uses them after; the header is ours too.
        unsafe {
            self.dict.clear(|n| ZNode::free(n));
            ZNode::free(self.header);
        }
    }
}

/// Compact score forms in a listpack entry: a byte below [`SCORE_I32`] is
/// the score itself (0..=251); then an i32, or the f64 bits.
const SCORE_I32: u8 = 0xfc;
const SCORE_F64: u8 = 0xfd;

fn put_entry(out: &mut Vec<u8>, member: &[u8], score: f64) {
    put_varlen(out, member.len());
    out.extend_from_slice(member);
    // Redis's listpack stores a score as text in which -0 reads back as 0.
    let score = if score == 0.0 { 0.0 } else { score };
    let i = score as i32;
    // Integers keep their exact bits (so -0.0 is not one of them).
    if (i as f64).to_bits() == score.to_bits() {
        if (0..SCORE_I32 as i32).contains(&i) {
            out.push(i as u8);
        } else {
            out.push(SCORE_I32);
            out.extend_from_slice(&i.to_le_bytes());
        }
    } else {
        out.push(SCORE_F64);
        out.extend_from_slice(&score.to_bits().to_le_bytes());
    }
}

/// One listpack entry: where it starts, its member and score, where the
/// next starts.
struct LpEntry<'a> {
    at: usize,
    member: &'a [u8],
    score: f64,
    end: usize,
}

fn read_entry(buf: &[u8], at: usize) -> LpEntry<'_> {
    let (member, p) = read_varlen(buf, at);
    let (score, end) = match buf[p] {
        SCORE_I32 => (i32::from_le_bytes(buf[p + 1..p + 5].try_into().unwrap()) as f64, p + 5),
        SCORE_F64 => (f64::from_bits(u64::from_le_bytes(buf[p + 1..p + 9].try_into().unwrap())), p + 9),
        b => (b as f64, p + 1),
    };
    LpEntry { at, member, score, end }
}

fn entries(buf: &[u8]) -> impl Iterator<Item = LpEntry<'_>> {
    let mut at = 0;
    std::iter::from_fn(move || {
        (at < buf.len()).then(|| {
            let e = read_entry(buf, at);
            at = e.end;
            e
        })
    })
}

impl Value {
    /// A new, empty sorted set in the compact encoding (it owns nothing yet).
    pub fn new_zset_listpack() -> Value {
        Value { tag: tag::ZSET_LISTPACK, lru: [0; 3], len: 0, data: 0 }
    }

    /// A new, empty sorted set in the skiplist encoding, its table seeded
    /// with `seed`.
    pub fn new_zset_skiplist(seed: u64) -> Value {
        let p = alloc_one(ZsetSkiplist::new(seed));
        Value { tag: tag::ZSET_SKIPLIST, lru: [0; 3], len: 0, data: p as u64 }
    }

    #[inline]
    pub fn is_zset(&self) -> bool {
        matches!(self.tag, tag::ZSET_LISTPACK | tag::ZSET_SKIPLIST)
    }

    #[inline]
    pub fn zset_is_listpack(&self) -> bool {
        self.tag == tag::ZSET_LISTPACK
    }

    /// A listpack's entries.
    fn zlp(&self) -> &[u8] {
        debug_assert_eq!(self.tag, tag::ZSET_LISTPACK);
        self.block()
    }

    fn zlp_resize(&mut self, new_len: usize) -> &mut [u8] {
        debug_assert_eq!(self.tag, tag::ZSET_LISTPACK);
        self.block_resize(new_len)
    }

    /// Bytes of a listpack (Redis refuses to grow one past 1 GiB).
    pub fn zset_listpack_bytes(&self) -> usize {
        if self.tag == tag::ZSET_LISTPACK {
            self.len as usize
        } else {
            0
        }
    }

    fn zsl(&self) -> &ZsetSkiplist {
        debug_assert_eq!(self.tag, tag::ZSET_SKIPLIST);
        // SAFETY: a skiplist zset's `data` points at its live ZsetSkiplist.
        unsafe { &*(self.data as *const ZsetSkiplist) }
    }

    fn zsl_mut(&mut self) -> &mut ZsetSkiplist {
        debug_assert_eq!(self.tag, tag::ZSET_SKIPLIST);
        // SAFETY: as `zsl`, exclusive through `&mut self`.
        unsafe { &mut *(self.data as *mut ZsetSkiplist) }
    }

    /// The member table of a skiplist zset (for ZSCAN).
    pub fn zset_table(&self) -> Option<&RDict<ZNode>> {
        (self.tag == tag::ZSET_SKIPLIST).then(|| &self.zsl().dict)
    }

    /// Number of members.
    pub fn zset_len(&self) -> usize {
        match self.tag {
            tag::ZSET_LISTPACK => entries(self.zlp()).count(),
            tag::ZSET_SKIPLIST => self.zsl().length as usize,
            _ => 0,
        }
    }

    pub fn zset_score(&self, member: &[u8]) -> Option<f64> {
        match self.tag {
            tag::ZSET_LISTPACK => entries(self.zlp()).find(|e| e.member == member).map(|e| e.score),
            tag::ZSET_SKIPLIST => {
                let d = &self.zsl().dict;
                let n = d.peek(member, d.hash(member));
                // SAFETY: a node of the table is live.
                (!n.is_null()).then(|| unsafe { (*n).score })
            }
            _ => None,
        }
    }

    /// Inserts a member that is not in the set.
    pub fn zset_insert(&mut self, member: &[u8], score: f64) {
        match self.tag {
            tag::ZSET_LISTPACK => {
                let old = self.len as usize;
                let at = entries(self.zlp()).find(|e| cmp_entry(e.score, e.member, score, member) == Ordering::Greater).map_or(old, |e| e.at);
                let mut entry = Vec::with_capacity(member.len() + 13);
                put_entry(&mut entry, member, score);
                let buf = self.zlp_resize(old + entry.len());
                buf.copy_within(at..old, at + entry.len());
                buf[at..at + entry.len()].copy_from_slice(&entry);
            }
            tag::ZSET_SKIPLIST => {
                let zs = self.zsl_mut();
                let node = zs.insert(score, member);
                let h = zs.dict.hash(member);
                // SAFETY: a fresh node whose member is not in the table.
                unsafe { zs.dict.insert_new(node, h) };
            }
            _ => panic!("zset_insert on a value that is not a sorted set"),
        }
    }

    /// Removes `member`, returning its score if it was there.
    pub fn zset_remove(&mut self, member: &[u8]) -> Option<f64> {
        match self.tag {
            tag::ZSET_LISTPACK => {
                let (at, end, score) = entries(self.zlp()).find(|e| e.member == member).map(|e| (e.at, e.end, e.score))?;
                let old = self.len as usize;
                self.zlp_resize(old).copy_within(end..old, at);
                self.zlp_resize(old - (end - at));
                Some(score)
            }
            tag::ZSET_SKIPLIST => {
                let zs = self.zsl_mut();
                let node = zs.dict.remove(member, zs.dict.hash(member));
                if node.is_null() {
                    return None;
                }
                zs.unlink(node);
                // SAFETY: out of the table and the list: ours to free.
                let score = unsafe { (*node).score };
                unsafe { ZNode::free(node) };
                if zs.dict.needs_shrink() {
                    zs.dict.resize(zs.dict.len() as u64);
                }
                Some(score)
            }
            _ => None,
        }
    }

    /// The 0-based ascending rank of `member`.
    pub fn zset_rank(&self, member: &[u8]) -> Option<usize> {
        match self.tag {
            tag::ZSET_LISTPACK => entries(self.zlp()).position(|e| e.member == member),
            tag::ZSET_SKIPLIST => {
                let score = self.zset_score(member)?;
                Some(self.zsl().count_while(|s, m| cmp_entry(s, m, score, member) == Ordering::Less))
            }
            _ => None,
        }
    }

    /// How many members satisfy `is_before`, a predicate on (score,
    /// member) that holds for a prefix of the set: the rank where a score
    /// or lex range starts or ends.
    pub fn zset_count_while(&self, is_before: impl Fn(f64, &[u8]) -> bool) -> usize {
        match self.tag {
            tag::ZSET_LISTPACK => entries(self.zlp()).take_while(|e| is_before(e.score, e.member)).count(),
            tag::ZSET_SKIPLIST => self.zsl().count_while(is_before),
            _ => 0,
        }
    }

    /// Calls `f` with the members of ascending ranks `start..end` (clamped
    /// by the caller), in ascending order or, with `rev`, descending.
    pub fn zset_range(&self, start: usize, end: usize, rev: bool, mut f: impl FnMut(&[u8], f64)) {
        if start >= end {
            return;
        }
        match self.tag {
            tag::ZSET_LISTPACK => {
                let buf = self.zlp();
                if rev {
                    let picked: Vec<LpEntry> = entries(buf).skip(start).take(end - start).collect();
                    picked.iter().rev().for_each(|e| f(e.member, e.score));
                } else {
                    entries(buf).skip(start).take(end - start).for_each(|e| f(e.member, e.score));
                }
            }
            tag::ZSET_SKIPLIST => {
                let zs = self.zsl();
                let mut x = zs.node_at(if rev { end - 1 } else { start });
                // SAFETY: `end <= length`, so every step lands on a live node.
                unsafe {
                    for _ in start..end {
                        f((*x).member(), (*x).score);
                        x = if rev { (*x).backward } else { (*ZNode::lvl(x, 0)).forward };
                    }
                }
            }
            _ => {}
        }
    }

    /// Every (member, score), ascending.
    pub fn zset_to_vec(&self) -> Vec<(Vec<u8>, f64)> {
        let mut out = Vec::with_capacity(self.zset_len());
        self.zset_range(0, self.zset_len(), false, |m, s| out.push((m.to_vec(), s)));
        out
    }

    /// Moves a listpack into a skiplist seeded with `seed`; a skiplist stays.
    pub fn zset_convert_to_skiplist(&mut self, seed: u64) {
        if self.tag != tag::ZSET_LISTPACK {
            return;
        }
        let mut zs = Value::new_zset_skiplist(seed);
        zs.zsl_mut().dict.resize(self.zset_len() as u64);
        for e in entries(self.zlp()) {
            zs.zset_insert(e.member, e.score);
        }
        self.free();
        *self = zs;
    }

    pub(crate) fn zset_heap_bytes(&self) -> usize {
        match self.tag {
            tag::ZSET_LISTPACK => self.len as usize,
            tag::ZSET_SKIPLIST => {
                let zs = self.zsl();
                // The header node is not in the table; the table counts
                // the others (and itself).
                // SAFETY: the header is live.
                let header = unsafe { (*zs.header).heap_bytes() };
                std::mem::size_of::<ZsetSkiplist>() - std::mem::size_of::<RDict<ZNode>>() + header + table_heap_bytes(&zs.dict, ZNode::heap_bytes)
            }
            _ => 0,
        }
    }

    pub(crate) fn zset_free(&mut self) {
        match self.tag {
            tag::ZSET_LISTPACK => {
                self.zlp_resize(0);
            }
            tag::ZSET_SKIPLIST => {
                self.zsl_mut().free_all();
                // SAFETY: the value owns its ZsetSkiplist, whose nodes and
                // buckets were freed above; dropped once.
                unsafe { drop_one(self.data as *mut ZsetSkiplist) }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The (score, member) order as a BTreeMap key.
    struct K(f64, Vec<u8>);
    impl PartialEq for K {
        fn eq(&self, o: &Self) -> bool {
            self.cmp(o) == Ordering::Equal
        }
    }
    impl Eq for K {}
    impl PartialOrd for K {
        fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
            Some(self.cmp(o))
        }
    }
    impl Ord for K {
        fn cmp(&self, o: &Self) -> Ordering {
            cmp_entry(self.0, &self.1, o.0, &o.1)
        }
    }

    /// Every span sums to the distance it jumps, and backward links mirror
    /// level 0.
    fn check_invariants(v: &Value) {
        let zs = v.zsl();
        unsafe {
            let mut order = vec![zs.header];
            let mut x = (*ZNode::lvl(zs.header, 0)).forward;
            while !x.is_null() {
                assert_eq!((*x).backward, if order.len() == 1 { ptr::null_mut() } else { *order.last().unwrap() });
                order.push(x);
                x = (*ZNode::lvl(x, 0)).forward;
            }
            assert_eq!(order.len() as u64 - 1, zs.length);
            assert_eq!(zs.tail, if zs.length == 0 { ptr::null_mut() } else { *order.last().unwrap() });
            let pos = |n: *mut ZNode| order.iter().position(|&o| o == n).unwrap() as u64;
            for i in 0..zs.level as usize {
                let mut x = zs.header;
                loop {
                    let l = ZNode::lvl(x, i);
                    let f = (*l).forward;
                    if f.is_null() {
                        break;
                    }
                    assert_eq!((*l).span, pos(f) - pos(x), "span at level {i}");
                    x = f;
                }
            }
        }
    }

    fn check_against(v: &Value, model: &BTreeMap<K, ()>) {
        assert_eq!(v.zset_len(), model.len());
        let got: Vec<(Vec<u8>, f64)> = v.zset_to_vec();
        let want: Vec<(Vec<u8>, f64)> = model.keys().map(|k| (k.1.clone(), k.0)).collect();
        assert_eq!(got, want);
        for (r, (m, s)) in want.iter().enumerate() {
            assert_eq!(v.zset_rank(m), Some(r));
            assert_eq!(v.zset_score(m), Some(*s));
            let mut at = Vec::new();
            v.zset_range(r, r + 1, false, |m, _| at.push(m.to_vec()));
            assert_eq!(&at[0], m);
        }
        let mut rev = Vec::new();
        v.zset_range(0, want.len(), true, |m, s| rev.push((m.to_vec(), s)));
        rev.reverse();
        assert_eq!(rev, want);
        if v.tag == tag::ZSET_SKIPLIST {
            check_invariants(v);
        }
    }

    #[test]
    fn both_encodings_match_an_ordered_model() {
        for skiplist in [false, true] {
            let mut v = if skiplist { Value::new_zset_skiplist(9) } else { Value::new_zset_listpack() };
            assert!(v.is_zset() && !v.is_set() && !v.is_list() && !v.is_string());
            let mut model: BTreeMap<K, ()> = BTreeMap::new();
            let mut scores: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
            let mut x: u64 = 12345;
            let steps = if skiplist { 4000 } else { 600 };
            for step in 0..steps {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let m = format!("m{}{}", x % 97, "z".repeat((x % 3) as usize * 60)).into_bytes();
                let score = match x % 7 {
                    0 => -0.0,
                    1 => (x % 300) as f64 - 40.0,
                    2 => f64::INFINITY,
                    3 => 1e9 + 0.5,
                    _ => ((x >> 8) % 10) as f64 / 3.0,
                };
                if x.is_multiple_of(3) {
                    let old = v.zset_remove(&m);
                    assert_eq!(old, scores.remove(&m));
                    if let Some(s) = old {
                        model.remove(&K(s, m.clone()));
                    }
                } else if let Some(old) = scores.insert(m.clone(), score) {
                    assert_eq!(v.zset_remove(&m), Some(old));
                    model.remove(&K(old, m.clone()));
                    v.zset_insert(&m, score);
                    model.insert(K(score, m), ());
                } else {
                    v.zset_insert(&m, score);
                    model.insert(K(score, m), ());
                }
                if step % 97 == 0 {
                    check_against(&v, &model);
                    let below = v.zset_count_while(|s, _| s < 1.0);
                    assert_eq!(below, model.keys().filter(|k| k.0 < 1.0).count());
                }
            }
            check_against(&v, &model);
            if !skiplist {
                v.zset_convert_to_skiplist(3);
                assert!(!v.zset_is_listpack());
                check_against(&v, &model);
            }
            assert!(v.heap_bytes() > 0);
            v.free();
            assert!(v.is_string());
        }
    }

    #[test]
    fn listpack_keeps_exact_scores() {
        let mut v = Value::new_zset_listpack();
        let scores = [0.0, 251.0, 252.0, -1.0, 0.1, 1e300, f64::NEG_INFINITY, 2147483648.0, -2147483648.0];
        for (i, s) in scores.iter().enumerate() {
            v.zset_insert(format!("m{i}").as_bytes(), *s);
        }
        v.zset_insert(&[b'x'; 200], 7.0);
        v.zset_insert(b"negzero", -0.0);
        assert_eq!(v.zset_score(b"negzero").map(f64::to_bits), Some(0f64.to_bits()), "as Redis's listpack");
        for (i, s) in scores.iter().enumerate() {
            assert_eq!(v.zset_score(format!("m{i}").as_bytes()).map(f64::to_bits), Some(s.to_bits()));
        }
        assert_eq!(v.zset_score(&[b'x'; 200]), Some(7.0));
        v.free();
    }
}
