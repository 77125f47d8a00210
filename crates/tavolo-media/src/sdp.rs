//! The bounds hostile SDP meets before str0m parses it: its size, its number of media
//! sections, and (for observers) whether it offers to send anything.
//!
//! An answer to the server's offer has one media section per track the server forwards
//! (two per person in the call), about a kilobyte each in Chromium: the limits hold a
//! plenary of 40 with room to spare and bound the parser's work.

/// The largest SDP accepted, in bytes.
pub const MAX_SDP_BYTES: usize = 256 * 1024;
/// The most media sections (`m=` lines) accepted in one SDP.
pub const MAX_MEDIA_SECTIONS: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SdpRefused {
    TooLarge,
    TooManySections,
    /// An observer's offer that would send audio or video.
    SendsMedia,
}

impl std::fmt::Display for SdpRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SdpRefused::TooLarge => write!(f, "SDP larger than {MAX_SDP_BYTES} bytes"),
            SdpRefused::TooManySections => {
                write!(f, "SDP with more than {MAX_MEDIA_SECTIONS} media sections")
            }
            SdpRefused::SendsMedia => {
                f.write_str("observers only listen and watch: an offer to send media is refused")
            }
        }
    }
}

impl std::error::Error for SdpRefused {}

/// Checks an SDP's size and media sections before it is parsed.
pub fn check(sdp: &str) -> Result<(), SdpRefused> {
    if sdp.len() > MAX_SDP_BYTES {
        return Err(SdpRefused::TooLarge);
    }
    if sections(sdp).count() > MAX_MEDIA_SECTIONS {
        return Err(SdpRefused::TooManySections);
    }
    Ok(())
}

/// The media sections of an SDP: each `m=` line with the lines after it.
fn sections(sdp: &str) -> impl Iterator<Item = Vec<&str>> {
    let mut out: Vec<Vec<&str>> = Vec::new();
    for line in sdp.lines().map(str::trim) {
        if line.starts_with("m=") {
            out.push(vec![line]);
        } else if let Some(last) = out.last_mut() {
            last.push(line);
        }
    }
    out.into_iter()
}

/// Whether the SDP offers to send audio or video: an `m=audio`/`m=video` section with a
/// non-zero port whose direction is `sendrecv` or `sendonly` (or none: SDP's default is
/// `sendrecv`). The SFU also refuses, once parsed, any media the peer would send; this
/// check refuses such an offer before anything of it is negotiated.
pub fn sends_media(sdp: &str) -> bool {
    sections(sdp).any(|lines| {
        let mut words = lines[0].trim_start_matches("m=").split_whitespace();
        let kind = words.next().unwrap_or("");
        let port = words.next().unwrap_or("0");
        if kind != "audio" && kind != "video" {
            return false;
        }
        if port == "0" {
            return false; // rejected or stopped
        }
        !lines
            .iter()
            .any(|l| *l == "a=recvonly" || *l == "a=inactive")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

    #[test]
    fn sending_sections_are_found() {
        let recv = format!(
            "{HEAD}m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=recvonly\r\n\
             m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1\r\n"
        );
        assert!(!sends_media(&recv));
        let send = format!("{HEAD}m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=sendonly\r\n");
        assert!(sends_media(&send));
        let default_dir = format!("{HEAD}m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n");
        assert!(sends_media(&default_dir), "no direction is sendrecv");
        let stopped = format!("{HEAD}m=audio 0 UDP/TLS/RTP/SAVPF 111\r\na=sendrecv\r\n");
        assert!(!sends_media(&stopped));
        let data_only = format!("{HEAD}m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n");
        assert!(!sends_media(&data_only));
        let inactive = format!("{HEAD}m=video 9 RTP/SAVPF 96\na=inactive\nm=audio 9 RTP/SAVPF 0\n");
        assert!(sends_media(&inactive), "the second section sends");
    }

    #[test]
    fn size_and_sections_are_bounded() {
        assert_eq!(check(HEAD), Ok(()));
        let big = "a".repeat(MAX_SDP_BYTES + 1);
        assert_eq!(check(&big), Err(SdpRefused::TooLarge));
        let many = format!(
            "{HEAD}{}",
            "m=audio 9 RTP/SAVPF 0\r\n".repeat(MAX_MEDIA_SECTIONS + 1)
        );
        assert_eq!(check(&many), Err(SdpRefused::TooManySections));
    }
}
