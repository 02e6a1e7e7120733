//! CRC-64/Jones as Redis's `crc64.c` computes it (reflected input and
//! output, polynomial 0xad93d23594c935a9, initial value 0, no final xor):
//! the checksum at the end of an RDB file and of a DUMP payload.

/// The reflected polynomial (0xad93d23594c935a9 with its bits reversed).
const POLY_REFLECTED: u64 = 0x95ac_9329_ac4b_c9b5;

/// The byte-at-a-time table, and seven more for slicing by 8 (as Redis's
/// `crcspeed.c`): `TABLES[k][b]` is the CRC of byte `b` followed by `k`
/// zero bytes, so eight bytes are folded with eight independent lookups
/// instead of a chain of eight dependent ones (loading a 40 MB file spent
/// ~100 ms here byte by byte).
const fn make_tables() -> [[u64; 256]; 8] {
    let mut t = [[0u64; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u64;
        let mut k = 0;
        while k < 8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ POLY_REFLECTED } else { crc >> 1 };
            k += 1;
        }
        t[0][i] = crc;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            i += 1;
        }
        k += 1;
    }
    t
}

static TABLES: [[u64; 256]; 8] = make_tables();

/// Continues the checksum `crc` over `data` (start with 0).
pub fn crc64(mut crc: u64, data: &[u8]) -> u64 {
    let t = &TABLES;
    let mut words = data.chunks_exact(8);
    for w in &mut words {
        let x = crc ^ u64::from_le_bytes(w.try_into().expect("8 bytes"));
        crc = t[7][(x & 0xff) as usize]
            ^ t[6][((x >> 8) & 0xff) as usize]
            ^ t[5][((x >> 16) & 0xff) as usize]
            ^ t[4][((x >> 24) & 0xff) as usize]
            ^ t[3][((x >> 32) & 0xff) as usize]
            ^ t[2][((x >> 40) & 0xff) as usize]
            ^ t[1][((x >> 48) & 0xff) as usize]
            ^ t[0][(x >> 56) as usize];
    }
    for &b in words.remainder() {
        crc = t[0][((crc ^ b as u64) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

#[cfg(test)]
mod tests {
    #[test]
    fn check_value() {
        assert_eq!(super::crc64(0, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
        let whole = super::crc64(0, b"hello world");
        assert_eq!(super::crc64(super::crc64(0, b"hello "), b"world"), whole);
    }

    /// Slicing by 8 gives the byte-at-a-time CRC at every length and split.
    #[test]
    fn sliced_matches_bytewise() {
        let bytewise = |data: &[u8]| data.iter().fold(0u64, |crc, &b| super::TABLES[0][((crc ^ b as u64) & 0xff) as usize] ^ (crc >> 8));
        let data: Vec<u8> = (0..100u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        for n in 0..data.len() {
            assert_eq!(super::crc64(0, &data[..n]), bytewise(&data[..n]), "length {n}");
            assert_eq!(super::crc64(super::crc64(0, &data[..n / 3]), &data[n / 3..n]), bytewise(&data[..n]));
        }
    }
}
