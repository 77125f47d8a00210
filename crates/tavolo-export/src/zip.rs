//! A small ZIP writer (PKZIP 2.0: stored and deflated entries, UTF-8 names, no ZIP64), so
//! minutes need no archive crate. Already-compressed files (PNG, PDF) are stored; text is
//! deflated.

use crate::ExportError;

pub struct ZipWriter {
    out: Vec<u8>,
    central: Vec<u8>,
    entries: u16,
    names: Vec<String>,
    dos_time: u16,
    dos_date: u16,
}

/// DOS date and time (a wall-clock time: the format has no zone).
fn dos_datetime(t: jiff::civil::DateTime) -> (u16, u16) {
    let y = t.year();
    if !(1980..=2107).contains(&y) {
        return (0, (1 << 5) | 1);
    }
    let time = ((t.hour() as u16) << 11) | ((t.minute() as u16) << 5) | ((t.second() as u16) / 2);
    let date = (((y - 1980) as u16) << 9) | ((t.month() as u16) << 5) | t.day() as u16;
    (time, date)
}

impl ZipWriter {
    /// A new archive whose entries carry the wall-clock time `when`.
    pub fn new(when: jiff::civil::DateTime) -> ZipWriter {
        let (dos_time, dos_date) = dos_datetime(when);
        ZipWriter {
            out: Vec::new(),
            central: Vec::new(),
            entries: 0,
            names: Vec::new(),
            dos_time,
            dos_date,
        }
    }

    /// The names added so far, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Adds a file; `compress` deflates it.
    pub fn add(&mut self, name: &str, data: &[u8], compress: bool) -> Result<(), ExportError> {
        let too_big = || ExportError::TooLarge("the archive is larger than 4 GiB".into());
        if self.entries == u16::MAX || self.names.iter().any(|n| n == name) || name.len() > 1024 {
            return Err(ExportError::Render(format!("bad archive entry {name:?}")));
        }
        let crc = crc32fast::hash(data);
        let deflated;
        let (method, body): (u16, &[u8]) = if compress {
            deflated = miniz_oxide::deflate::compress_to_vec(data, 6);
            if deflated.len() < data.len() {
                (8, &deflated)
            } else {
                (0, data)
            }
        } else {
            (0, data)
        };
        let size = u32::try_from(data.len()).map_err(|_| too_big())?;
        let csize = u32::try_from(body.len()).map_err(|_| too_big())?;
        let offset = u32::try_from(self.out.len()).map_err(|_| too_big())?;
        let name_b = name.as_bytes();
        let flags: u16 = 0x0800; // names are UTF-8
                                 // local header
        let o = &mut self.out;
        o.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        o.extend_from_slice(&20u16.to_le_bytes());
        o.extend_from_slice(&flags.to_le_bytes());
        o.extend_from_slice(&method.to_le_bytes());
        o.extend_from_slice(&self.dos_time.to_le_bytes());
        o.extend_from_slice(&self.dos_date.to_le_bytes());
        o.extend_from_slice(&crc.to_le_bytes());
        o.extend_from_slice(&csize.to_le_bytes());
        o.extend_from_slice(&size.to_le_bytes());
        o.extend_from_slice(&(name_b.len() as u16).to_le_bytes());
        o.extend_from_slice(&0u16.to_le_bytes());
        o.extend_from_slice(name_b);
        o.extend_from_slice(body);
        // central directory entry
        let c = &mut self.central;
        c.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        c.extend_from_slice(&((3u16 << 8) | 20).to_le_bytes()); // made by: Unix, 2.0
        c.extend_from_slice(&20u16.to_le_bytes());
        c.extend_from_slice(&flags.to_le_bytes());
        c.extend_from_slice(&method.to_le_bytes());
        c.extend_from_slice(&self.dos_time.to_le_bytes());
        c.extend_from_slice(&self.dos_date.to_le_bytes());
        c.extend_from_slice(&crc.to_le_bytes());
        c.extend_from_slice(&csize.to_le_bytes());
        c.extend_from_slice(&size.to_le_bytes());
        c.extend_from_slice(&(name_b.len() as u16).to_le_bytes());
        c.extend_from_slice(&[0; 8]); // extra, comment, disk, internal attributes
        c.extend_from_slice(&(0o100_644u32 << 16).to_le_bytes()); // -rw-r--r--
        c.extend_from_slice(&offset.to_le_bytes());
        c.extend_from_slice(name_b);
        self.entries += 1;
        self.names.push(name.to_owned());
        Ok(())
    }

    pub fn finish(mut self) -> Result<Vec<u8>, ExportError> {
        let too_big = || ExportError::TooLarge("the archive is larger than 4 GiB".into());
        let cd_offset = u32::try_from(self.out.len()).map_err(|_| too_big())?;
        let cd_size = u32::try_from(self.central.len()).map_err(|_| too_big())?;
        self.out.extend_from_slice(&self.central);
        let o = &mut self.out;
        o.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        o.extend_from_slice(&[0; 4]);
        o.extend_from_slice(&self.entries.to_le_bytes());
        o.extend_from_slice(&self.entries.to_le_bytes());
        o.extend_from_slice(&cd_size.to_le_bytes());
        o.extend_from_slice(&cd_offset.to_le_bytes());
        o.extend_from_slice(&0u16.to_le_bytes());
        u32::try_from(self.out.len()).map_err(|_| too_big())?;
        Ok(self.out)
    }
}

/// The entries of an archive written by [`ZipWriter`] (or any ZIP without ZIP64): name and
/// content. For tests and for checking uploads; refuses what it cannot read.
pub fn read(zip: &[u8]) -> Result<Vec<(String, Vec<u8>)>, ExportError> {
    let bad = |m: &str| ExportError::Render(format!("not a readable zip: {m}"));
    let u16_at = |i: usize| -> Result<u16, ExportError> {
        zip.get(i..i + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .ok_or_else(|| bad("truncated"))
    };
    let u32_at = |i: usize| -> Result<u32, ExportError> {
        zip.get(i..i + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| bad("truncated"))
    };
    let eocd = (0..zip.len().saturating_sub(21))
        .rev()
        .find(|&i| zip[i..].starts_with(&0x0605_4b50u32.to_le_bytes()))
        .ok_or_else(|| bad("no end of central directory"))?;
    let count = u16_at(eocd + 10)? as usize;
    let mut at = u32_at(eocd + 16)? as usize;
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        if u32_at(at)? != 0x0201_4b50 {
            return Err(bad("bad central directory"));
        }
        let method = u16_at(at + 10)?;
        let crc = u32_at(at + 16)?;
        let csize = u32_at(at + 20)? as usize;
        let name_len = u16_at(at + 28)? as usize;
        let extra = u16_at(at + 30)? as usize;
        let comment = u16_at(at + 32)? as usize;
        let local = u32_at(at + 42)? as usize;
        let name = zip
            .get(at + 46..at + 46 + name_len)
            .ok_or_else(|| bad("truncated"))?;
        let name = String::from_utf8(name.to_vec()).map_err(|_| bad("name is not UTF-8"))?;
        let lname = u16_at(local + 26)? as usize;
        let lextra = u16_at(local + 28)? as usize;
        let start = local + 30 + lname + lextra;
        let body = zip
            .get(start..start + csize)
            .ok_or_else(|| bad("truncated"))?;
        let data = match method {
            0 => body.to_vec(),
            8 => miniz_oxide::inflate::decompress_to_vec(body).map_err(|_| bad("bad deflate"))?,
            _ => return Err(bad("unknown method")),
        };
        if crc32fast::hash(&data) != crc {
            return Err(bad("CRC mismatch"));
        }
        out.push((name, data));
        at += 46 + name_len + extra + comment;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_unzip_reads_it() {
        let mut z = ZipWriter::new(jiff::civil::date(2026, 5, 28).at(22, 26, 40, 0));
        z.add("verbale.pdf", b"%PDF-1.7 not really", false).unwrap();
        let text = "città, perché ".repeat(100);
        z.add("note è.md", text.as_bytes(), true).unwrap();
        z.add("vuoto.txt", b"", true).unwrap();
        assert!(z.add("vuoto.txt", b"x", true).is_err(), "no duplicates");
        let bytes = z.finish().unwrap();
        let entries = read(&bytes).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[1].0, "note è.md");
        assert_eq!(entries[1].1, text.as_bytes());
        // an independent reader agrees, when there is one on this machine
        let dir = std::env::temp_dir().join(format!("tavolo-zip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.zip");
        std::fs::write(&path, &bytes).unwrap();
        if let Ok(o) = std::process::Command::new("unzip")
            .arg("-t")
            .arg(&path)
            .output()
        {
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn garbage_is_refused() {
        assert!(read(b"PK\x05\x06").is_err());
        assert!(read(&[0u8; 100]).is_err());
    }
}
