//! CRC-64/Jones as Redis's `crc64.c` computes it (reflected input and
//! output, polynomial 0xad93d23594c935a9, initial value 0, no final xor):
//! the checksum at the end of an RDB file and of a DUMP payload.

/// The reflected polynomial (0xad93d23594c935a9 with its bits reversed).
const POLY_REFLECTED: u64 = 0x95ac_9329_ac4b_c9b5;

const fn make_table() -> [u64; 256] {
    let mut t = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u64;
        let mut k = 0;
        while k < 8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ POLY_REFLECTED } else { crc >> 1 };
            k += 1;
        }
        t[i] = crc;
        i += 1;
    }
    t
}

static TABLE: [u64; 256] = make_table();

/// Continues the checksum `crc` over `data` (start with 0).
pub fn crc64(mut crc: u64, data: &[u8]) -> u64 {
    for &b in data {
        crc = TABLE[((crc ^ b as u64) & 0xff) as usize] ^ (crc >> 8);
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
}
