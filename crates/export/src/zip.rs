//! A minimal ZIP writer: "stored" entries (no compression) with CRC-32, enough for a bundle
//! of small text files, with no dependency. No ZIP64: entries and archives must stay below
//! 4 GiB (a bundle is a few hundred KB). And its reader, for an `annlab assess` output zipped
//! by the user: stored entries are returned checked; deflated ones are returned raw for the
//! caller to inflate (the browser has `DecompressionStream`) and check with [`ZipFile::check`].

/// One archive entry.
pub struct ZipEntry<'a> {
    pub name: &'a str,
    pub data: &'a [u8],
    pub executable: bool,
}

const CRC_TABLE: [u32; 256] = crc_table();

const fn crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

/// CRC-32 (IEEE 802.3, as ZIP uses it).
pub fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c = CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    c ^ 0xFFFF_FFFF
}

fn u16le(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn u32le(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// 1980-01-01 00:00, the DOS epoch: a fixed timestamp keeps archives reproducible.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;
/// General purpose flag bit 11: names are UTF-8.
const UTF8_NAMES: u16 = 1 << 11;
/// "Version made by": Unix (3), spec 2.0, so the external attributes carry permissions.
const MADE_BY_UNIX: u16 = (3 << 8) | 20;
const VERSION_NEEDED: u16 = 20;

/// Writes a complete archive.
pub fn write_zip(entries: &[ZipEntry<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = len32(out.len());
        let crc = crc32(e.data);
        let size = len32(e.data.len());
        let name = e.name.as_bytes();
        u32le(&mut out, 0x0403_4b50);
        u16le(&mut out, VERSION_NEEDED);
        u16le(&mut out, UTF8_NAMES);
        u16le(&mut out, 0); // stored
        u16le(&mut out, DOS_TIME);
        u16le(&mut out, DOS_DATE);
        u32le(&mut out, crc);
        u32le(&mut out, size);
        u32le(&mut out, size);
        u16le(&mut out, name.len() as u16);
        u16le(&mut out, 0);
        out.extend_from_slice(name);
        out.extend_from_slice(e.data);

        let mode: u32 = if e.executable { 0o100_755 } else { 0o100_644 };
        u32le(&mut central, 0x0201_4b50);
        u16le(&mut central, MADE_BY_UNIX);
        u16le(&mut central, VERSION_NEEDED);
        u16le(&mut central, UTF8_NAMES);
        u16le(&mut central, 0);
        u16le(&mut central, DOS_TIME);
        u16le(&mut central, DOS_DATE);
        u32le(&mut central, crc);
        u32le(&mut central, size);
        u32le(&mut central, size);
        u16le(&mut central, name.len() as u16);
        u16le(&mut central, 0); // extra
        u16le(&mut central, 0); // comment
        u16le(&mut central, 0); // disk
        u16le(&mut central, 0); // internal attributes
        u32le(&mut central, mode << 16);
        u32le(&mut central, offset);
        central.extend_from_slice(name);
    }
    let central_offset = len32(out.len());
    let central_size = len32(central.len());
    out.extend_from_slice(&central);
    let count = entries.len() as u16;
    u32le(&mut out, 0x0605_4b50);
    u16le(&mut out, 0);
    u16le(&mut out, 0);
    u16le(&mut out, count);
    u16le(&mut out, count);
    u32le(&mut out, central_size);
    u32le(&mut out, central_offset);
    u16le(&mut out, 0);
    out
}

/// How an entry's data is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZipMethod {
    Stored,
    /// Raw DEFLATE (RFC 1951) data.
    Deflated,
}

/// One entry read from an archive (`data` as stored: inflate it when `Deflated`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipFile {
    pub name: String,
    pub method: ZipMethod,
    pub data: Vec<u8>,
    pub crc32: u32,
    pub size: u32,
}

/// An archive this reader cannot take. Messages are shown to users as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZipError {
    #[error("not a zip archive (no end-of-central-directory record)")]
    NotZip,
    #[error("the zip archive is truncated or damaged ({what})")]
    Damaged { what: &'static str },
    #[error("zip entry {name} uses compression method {method}; only stored (0) and deflate (8) are read")]
    Method { name: String, method: u16 },
    #[error("zip entry {name} is encrypted")]
    Encrypted { name: String },
    #[error("zip entry {name} fails its CRC-32 check")]
    Crc { name: String },
}

impl ZipFile {
    /// Checks the (inflated) contents against the entry's size and CRC-32.
    pub fn check(&self, contents: &[u8]) -> Result<(), ZipError> {
        if contents.len() as u64 == u64::from(self.size) && crc32(contents) == self.crc32 {
            Ok(())
        } else {
            Err(ZipError::Crc {
                name: self.name.clone(),
            })
        }
    }
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]))
}

/// Reads every file entry of an archive (directories are skipped), through its central
/// directory. Stored entries are CRC-checked here.
pub fn read_zip(bytes: &[u8]) -> Result<Vec<ZipFile>, ZipError> {
    // The end record is 22 bytes plus a comment of at most 65,535.
    let search_from = bytes.len().saturating_sub(22 + 0xFFFF);
    let eocd = (search_from..bytes.len().saturating_sub(21))
        .rev()
        .find(|&i| le32(bytes, i) == Some(0x0605_4b50))
        .ok_or(ZipError::NotZip)?;
    let damaged = |what| ZipError::Damaged { what };
    let count = le16(bytes, eocd + 10).ok_or(damaged("end record"))? as usize;
    let mut at = le32(bytes, eocd + 16).ok_or(damaged("end record"))? as usize;
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        if le32(bytes, at) != Some(0x0201_4b50) {
            return Err(damaged("central directory"));
        }
        let field = |off: usize| le16(bytes, at + off).ok_or(damaged("central directory"));
        let flags = field(8)?;
        let method = field(10)?;
        let crc = le32(bytes, at + 16).ok_or(damaged("central directory"))?;
        let csize = le32(bytes, at + 20).ok_or(damaged("central directory"))? as usize;
        let size = le32(bytes, at + 24).ok_or(damaged("central directory"))?;
        let (name_len, extra_len, comment_len) = (
            field(28)? as usize,
            field(30)? as usize,
            field(32)? as usize,
        );
        let local = le32(bytes, at + 42).ok_or(damaged("central directory"))? as usize;
        let name_bytes = bytes
            .get(at + 46..at + 46 + name_len)
            .ok_or(damaged("entry name"))?;
        let name = String::from_utf8_lossy(name_bytes).into_owned();
        at += 46 + name_len + extra_len + comment_len;
        if name.ends_with('/') {
            continue;
        }
        if flags & 1 != 0 {
            return Err(ZipError::Encrypted { name });
        }
        let method = match method {
            0 => ZipMethod::Stored,
            8 => ZipMethod::Deflated,
            other => {
                return Err(ZipError::Method {
                    name,
                    method: other,
                })
            }
        };
        if le32(bytes, local) != Some(0x0403_4b50) {
            return Err(damaged("local header"));
        }
        let local_name = le16(bytes, local + 26).ok_or(damaged("local header"))? as usize;
        let local_extra = le16(bytes, local + 28).ok_or(damaged("local header"))? as usize;
        let start = local + 30 + local_name + local_extra;
        let data = bytes
            .get(start..start + csize)
            .ok_or(damaged("entry data"))?
            .to_vec();
        let file = ZipFile {
            name,
            method,
            data,
            crc32: crc,
            size,
        };
        if method == ZipMethod::Stored {
            file.check(&file.data)?;
        }
        out.push(file);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_known_values() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }

    #[test]
    fn archive_layout() {
        let zip = write_zip(&[
            ZipEntry {
                name: "a.txt",
                data: b"hello",
                executable: false,
            },
            ZipEntry {
                name: "b.py",
                data: b"",
                executable: true,
            },
        ]);
        assert_eq!(&zip[..4], b"PK\x03\x04");
        let eocd = &zip[zip.len() - 22..];
        assert_eq!(&eocd[..4], b"PK\x05\x06");
        assert_eq!(u16::from_le_bytes([eocd[10], eocd[11]]), 2);
        let cd_offset = u32::from_le_bytes([eocd[16], eocd[17], eocd[18], eocd[19]]) as usize;
        assert_eq!(&zip[cd_offset..cd_offset + 4], b"PK\x01\x02");
        // First entry's data follows its 30-byte header and name.
        assert_eq!(&zip[35..40], b"hello");
    }

    #[test]
    fn reads_what_it_writes_and_refuses_the_rest() {
        let zip = write_zip(&[
            ZipEntry {
                name: "out/facts.json",
                data: b"{}",
                executable: false,
            },
            ZipEntry {
                name: "vectors.npy",
                data: b"\x93NUMPY",
                executable: false,
            },
        ]);
        let files = read_zip(&zip).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].name, "out/facts.json");
        assert_eq!(files[0].data, b"{}");
        assert_eq!(files[1].method, ZipMethod::Stored);
        assert_eq!(read_zip(b"not a zip"), Err(ZipError::NotZip));
        let mut bad = zip.clone();
        bad[30 + "out/facts.json".len()] = b'[';
        assert!(matches!(read_zip(&bad), Err(ZipError::Crc { .. })));
        let mut bzip2 = zip.clone();
        let cd = u32::from_le_bytes([
            zip[zip.len() - 6],
            zip[zip.len() - 5],
            zip[zip.len() - 4],
            zip[zip.len() - 3],
        ]) as usize;
        bzip2[cd + 10] = 12;
        assert_eq!(
            read_zip(&bzip2).unwrap_err().to_string(),
            "zip entry out/facts.json uses compression method 12; only stored (0) and deflate (8) are read"
        );
        assert!(read_zip(&zip[..zip.len() - 30]).is_err());
    }
}
