//! The keyed hash function of every swap-surviving hash table.
//!
//! It is part of the layout contract: a table filled by one logic version is
//! probed by the next, so the function may never change without a layout
//! version bump (the pinned test vectors below guard that). It is a
//! folded-multiply hash in the style of wyhash: one 64x64->128 multiply per 16
//! bytes, which is what a key-value server's short keys want; the random
//! per-table seed keeps bucket positions unpredictable to clients.

const P0: u64 = 0xa076_1d64_78bd_642f;
const P1: u64 = 0xe703_7ed1_a0b4_28db;
const P2: u64 = 0x8ebc_6af0_9c88_c6e3;
const P3: u64 = 0x5899_65cc_7537_4cc3;

#[inline(always)]
fn fold(a: u64, b: u64) -> u64 {
    let r = (a as u128).wrapping_mul(b as u128);
    (r as u64) ^ ((r >> 64) as u64)
}

#[inline(always)]
fn read64(b: &[u8]) -> u64 {
    u64::from_le_bytes(b[..8].try_into().unwrap())
}

/// Hashes `bytes` with `seed`.
#[inline]
pub fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    let len = bytes.len() as u64;
    let mut h = seed ^ fold(seed ^ P0, len ^ P1);
    let mut chunks = bytes.chunks_exact(16);
    for c in &mut chunks {
        h = fold(read64(c) ^ P1 ^ h, read64(&c[8..]) ^ P2);
    }
    let rem = chunks.remainder();
    let mut tail = [0u8; 16];
    tail[..rem.len()].copy_from_slice(rem);
    h = fold(read64(&tail) ^ P3 ^ h, read64(&tail[8..]) ^ P0 ^ len);
    fold(h ^ P1, h ^ P2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pinned outputs: if this test fails, the hash changed and every table a
    /// running server holds would be probed at the wrong buckets after a swap.
    #[test]
    fn pinned_vectors() {
        let got = [
            hash_bytes(0, b""),
            hash_bytes(0, b"key:000000000001"),
            hash_bytes(42, b"hello"),
            hash_bytes(7, &[0xffu8; 33]),
        ];
        assert_eq!(got, PINNED, "hash function changed: {got:#x?}");
    }

    const PINNED: [u64; 4] = [0x939a_de64_2f39_4440, 0x68af_270f_b145_9a7a, 0x359f_f426_8ad8_d431, 0x06ff_aced_c12e_444a];

    #[test]
    fn spreads_short_keys() {
        let mut buckets = [0u32; 64];
        for i in 0..64_000u32 {
            let k = format!("key:{i}");
            buckets[(hash_bytes(1, k.as_bytes()) & 63) as usize] += 1;
        }
        for b in buckets {
            assert!((800..1200).contains(&b), "poor spread: {b}");
        }
    }
}
