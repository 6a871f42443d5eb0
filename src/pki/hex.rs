//! Hex as certificates are shown: serials, digests and key identifiers.

/// Upper-case hex of bytes, no separators.
pub fn hex_upper(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Colon-separated upper-case hex, as `openssl x509 -text` shows key identifiers.
pub fn hex_colon(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_and_colon() {
        assert_eq!(hex_upper(&[0x0a, 0xff, 0x00]), "0AFF00");
        assert_eq!(hex_colon(&[0x0a, 0xff]), "0A:FF");
        assert_eq!(hex_upper(&[]), "");
    }
}
