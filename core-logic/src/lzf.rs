//! LZF, the compression Redis applies to long strings in RDB files
//! (`lzf_c.c`/`lzf_d.c`): literal runs of up to 32 bytes and back
//! references of 3 to 264 bytes reaching up to 8 KiB back.

const MAX_LIT: usize = 32;
const MAX_OFF: usize = 1 << 13;
const MAX_REF: usize = (1 << 8) + (1 << 3);
/// The most bits of the table of recent positions: 16K entries for
/// inputs of 16 KiB and more.
const MAX_HASH_LOG: u32 = 14;

fn flush_literals(out: &mut Vec<u8>, lit: &[u8]) {
    for chunk in lit.chunks(MAX_LIT) {
        out.push((chunk.len() - 1) as u8);
        out.extend_from_slice(chunk);
    }
}

/// Compresses `input`; `None` unless the result is at most `max_out`
/// bytes (Redis stores a string compressed only when that saves space).
pub fn compress(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    let n = input.len();
    let mut out = Vec::with_capacity(max_out.min(n));
    // Last position + 1 of each 3-byte sequence's hash (0 = none), sized
    // to the input: short strings, the common case, must not pay for
    // clearing a large table.
    let hash_log = (usize::BITS - n.leading_zeros()).clamp(4, MAX_HASH_LOG);
    let mut table = vec![0usize; 1 << hash_log];
    let (mut i, mut lit_start) = (0, 0);
    while i + 2 < n {
        let seq = (input[i] as u32) << 16 | (input[i + 1] as u32) << 8 | input[i + 2] as u32;
        let h = (seq.wrapping_mul(2_654_435_761) >> (32 - hash_log)) as usize;
        let candidate = table[h];
        table[h] = i + 1;
        if candidate > 0 {
            let r = candidate - 1;
            let off = i - r - 1;
            if off < MAX_OFF && input[r..r + 3] == input[i..i + 3] {
                let max_len = (n - i).min(MAX_REF);
                let mut len = 3;
                while len < max_len && input[r + len] == input[i + len] {
                    len += 1;
                }
                flush_literals(&mut out, &input[lit_start..i]);
                let l = len - 2;
                if l < 7 {
                    out.push(((off >> 8) as u8) | ((l as u8) << 5));
                } else {
                    out.push(((off >> 8) as u8) | (7 << 5));
                    out.push((l - 7) as u8);
                }
                out.push(off as u8);
                i += len;
                lit_start = i;
                if out.len() > max_out {
                    return None;
                }
                continue;
            }
        }
        i += 1;
    }
    flush_literals(&mut out, &input[lit_start..]);
    (out.len() <= max_out).then_some(out)
}

/// Decompresses `input` into exactly `out_len` bytes; `None` if the data
/// is malformed or does not produce that length.
pub fn decompress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(out_len);
    let mut ip = 0;
    while ip < input.len() {
        let ctrl = input[ip] as usize;
        ip += 1;
        if ctrl < 32 {
            let run = input.get(ip..ip + ctrl + 1)?;
            out.extend_from_slice(run);
            ip += ctrl + 1;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += *input.get(ip)? as usize;
                ip += 1;
            }
            let back = ((ctrl & 0x1f) << 8) + *input.get(ip)? as usize + 1;
            ip += 1;
            let start = out.len().checked_sub(back)?;
            // Byte by byte: a reference may overlap what it produces.
            for k in 0..len + 2 {
                let b = out[start + k];
                out.push(b);
            }
        }
        if out.len() > out_len {
            return None;
        }
    }
    (out.len() == out_len).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let mut long = Vec::new();
        for i in 0..5000u32 {
            long.extend_from_slice(format!("item:{} ", i % 97).as_bytes());
        }
        for data in [b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_vec(), long, (0..=255u8).cycle().take(3000).collect()] {
            let c = compress(&data, data.len()).expect("compressible");
            assert!(c.len() < data.len());
            assert_eq!(decompress(&c, data.len()).unwrap(), data);
        }
        assert!(compress(b"abcdefghijklmnopqrstuvwxyz", 22).is_none());
        assert!(decompress(&[0x20, 0x05], 10).is_none());
    }
}
