//! LPM_TRIE keys (`struct bpf_lpm_trie_key`: u32 prefixlen, then the data bytes) as
//! prefixes, and the longest-prefix match the kernel routes with.
use std::{
    fmt,
    net::{Ipv4Addr, Ipv6Addr},
};

use crate::maps::{
    MapHandle, MapKind, Snapshot,
    ops::{OpError, explain},
};

/// A prefix: its length in bits and the data bytes it was stored with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prefix {
    pub len: u32,
    pub data: Vec<u8>,
}

impl Prefix {
    /// From an LPM key: the kernel's layout is a host-order u32 prefix length, then data.
    pub fn from_key(key: &[u8]) -> Option<Self> {
        let (len, data) = key.split_first_chunk::<4>()?;
        Some(Self {
            len: u32::from_ne_bytes(*len),
            data: data.to_vec(),
        })
    }

    /// Whether `addr` (data bytes of the same width) falls inside this prefix.
    pub fn contains(&self, addr: &[u8]) -> bool {
        if addr.len() != self.data.len() || self.len as usize > self.data.len() * 8 {
            return false;
        }
        let bits = self.len as usize;
        let (whole, rest) = (bits / 8, bits % 8);
        if addr[..whole] != self.data[..whole] {
            return false;
        }
        rest == 0 || {
            let mask = 0xffu8 << (8 - rest);
            addr[whole] & mask == self.data[whole] & mask
        }
    }
}

/// `10.1.2.0/24`, `2001:db8::/32`, or hex data for other widths (`0a0b/12`).
impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.data.len() {
            4 => {
                let octets: [u8; 4] = self.data[..].try_into().map_err(|_| fmt::Error)?;
                write!(f, "{}/{}", Ipv4Addr::from(octets), self.len)
            }
            16 => {
                let octets: [u8; 16] = self.data[..].try_into().map_err(|_| fmt::Error)?;
                write!(f, "{}/{}", Ipv6Addr::from(octets), self.len)
            }
            _ => {
                for b in &self.data {
                    write!(f, "{b:02x}")?;
                }
                write!(f, "/{}", self.len)
            }
        }
    }
}

/// Parses what a user types for `l`: an IPv4 or IPv6 address for 4/16-byte tries, else hex.
pub fn parse_address(text: &str, data_len: usize) -> Result<Vec<u8>, String> {
    let text = text.trim();
    let bytes = match data_len {
        4 => text
            .parse::<Ipv4Addr>()
            .map(|a| a.octets().to_vec())
            .map_err(|_| format!("{text:?} is not an IPv4 address (e.g. 10.1.2.3)"))?,
        16 => text
            .parse::<Ipv6Addr>()
            .map(|a| a.octets().to_vec())
            .map_err(|_| format!("{text:?} is not an IPv6 address (e.g. 2001:db8::1)"))?,
        _ => {
            let hex = text.trim_start_matches("0x");
            if hex.len() != data_len * 2 || !hex.is_ascii() {
                return Err(format!(
                    "give {data_len} bytes as {} hex digits",
                    data_len * 2
                ));
            }
            (0..data_len)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16))
                .collect::<Result<_, _>>()
                .map_err(|_| format!("{text:?} is not hex"))?
        }
    };
    Ok(bytes)
}

/// The answer to a longest-prefix lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    /// The matching prefix, found among the snapshot's keys.
    pub prefix: Option<Prefix>,
    /// The value the kernel's own lookup (prefixlen = all bits) returned.
    pub value: Vec<u8>,
}

impl MapHandle {
    /// Longest-prefix match of `addr`, as the kernel routes: the kernel's lookup with a full
    /// prefix length gives the value; the prefix is the longest of `snap`'s keys that holds
    /// `addr`. Ok(None) when no prefix matches.
    pub fn lpm_lookup(&self, addr: &[u8], snap: &Snapshot) -> Result<Option<Match>, OpError> {
        let meta = &self.desc.meta;
        if meta.kind != MapKind::LpmTrie {
            return Err(OpError::Refused(format!(
                "{} is not an LPM trie",
                meta.name
            )));
        }
        let data_len = (meta.key_size as usize).saturating_sub(4);
        if addr.len() != data_len {
            return Err(OpError::Refused(format!(
                "the address is {} bytes; {}'s prefixes hold {data_len}",
                addr.len(),
                meta.name
            )));
        }
        let bits = u32::try_from(data_len * 8)
            .map_err(|_| OpError::Refused(format!("{}'s keys are too long", meta.name)))?;
        let mut key = bits.to_ne_bytes().to_vec();
        key.extend_from_slice(addr);
        let mut value = vec![0u8; self.desc.value_buffer_len()];
        match self.lookup_into(&key, &mut value) {
            Ok(()) => {}
            Err(err) if err.errno() == libc::ENOENT => return Ok(None),
            Err(err) => return Err(explain(&self.desc, "lookup", &err)),
        }
        let prefix = (0..snap.len())
            .filter_map(|i| Prefix::from_key(snap.key(i)))
            .filter(|p| p.contains(addr))
            .max_by_key(|p| p.len);
        Ok(Some(Match { prefix, value }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(len: u32, data: &[u8]) -> Vec<u8> {
        [len.to_ne_bytes().as_slice(), data].concat()
    }

    #[test]
    fn prefixes_show_as_cidr() {
        let p = Prefix::from_key(&key(24, &[10, 1, 2, 0])).unwrap();
        assert_eq!(p.to_string(), "10.1.2.0/24");
        let mut v6 = [0u8; 16];
        v6[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        assert_eq!(
            Prefix::from_key(&key(32, &v6)).unwrap().to_string(),
            "2001:db8::/32"
        );
        assert_eq!(
            Prefix::from_key(&key(12, &[0x0a, 0x0b]))
                .unwrap()
                .to_string(),
            "0a0b/12"
        );
        assert_eq!(Prefix::from_key(&[1, 2]), None);
    }

    #[test]
    fn containment_follows_the_prefix_bits() {
        let p = Prefix::from_key(&key(20, &[10, 1, 16, 0])).unwrap();
        assert!(p.contains(&[10, 1, 31, 200]));
        assert!(!p.contains(&[10, 1, 32, 0]));
        assert!(!p.contains(&[10, 1, 16]));
        let all = Prefix::from_key(&key(0, &[0, 0, 0, 0])).unwrap();
        assert!(all.contains(&[192, 168, 0, 1]));
        let bogus = Prefix::from_key(&key(99, &[0, 0, 0, 0])).unwrap();
        assert!(!bogus.contains(&[0, 0, 0, 0]));
    }

    #[test]
    fn addresses_parse_by_width() {
        assert_eq!(parse_address("10.1.2.3", 4).unwrap(), vec![10, 1, 2, 3]);
        assert!(parse_address("10.1.2", 4).is_err());
        assert_eq!(parse_address("::1", 16).unwrap()[15], 1);
        assert_eq!(parse_address("0a0b", 2).unwrap(), vec![10, 11]);
        assert!(parse_address("zz0b", 2).is_err());
        assert!(parse_address("é", 1).is_err());
    }
}
