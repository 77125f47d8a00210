//! Short-lived TURN credentials for browsers on networks that block UDP to the SFU
//! (`--turn-url`, `--turn-secret`): the TURN REST API's shared-secret scheme
//! (draft-uberti-behave-turn-rest; coturn's `use-auth-secret` + `static-auth-secret`).
//!
//! The username is `<expiry, unix seconds>:<who>`, the credential
//! `base64(HMAC-SHA1(secret, username))`: the TURN server checks both with the same secret
//! and refuses the credential once the expiry has passed, so nothing is stored and a
//! credential copied out of a browser is worth at most `--turn-ttl-secs`.

use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Serialize;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The shortest shared secret accepted (bytes): it is all that guards the TURN relay.
pub const MIN_SECRET_BYTES: usize = 16;
/// `--turn-ttl-secs`'s default.
pub const DEFAULT_TTL_SECS: u64 = 3600;

/// The TURN servers browsers are handed, and the secret they share with Tavolo.
#[derive(Clone)]
pub struct TurnOptions {
    urls: Vec<String>,
    secret: String,
    ttl: Duration,
}

impl std::fmt::Debug for TurnOptions {
    // never the secret
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TurnOptions")
            .field("urls", &self.urls)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// One entry of `RTCConfiguration.iceServers`, as the browser takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IceServer {
    pub urls: Vec<String>,
    pub username: String,
    pub credential: String,
}

impl TurnOptions {
    /// Checks the URLs (`turn:` or `turns:`, at least one) and the secret (at least
    /// [`MIN_SECRET_BYTES`]); the error says what is wrong, for the command line.
    pub fn new(urls: Vec<String>, secret: String, ttl: Duration) -> Result<TurnOptions, String> {
        if urls.is_empty() {
            return Err("no TURN URL".into());
        }
        for url in &urls {
            let rest = url
                .strip_prefix("turn:")
                .or_else(|| url.strip_prefix("turns:"));
            if rest.is_none_or(|r| r.is_empty() || r.chars().any(char::is_whitespace)) {
                return Err(format!(
                    "TURN URL {url:?}: expected turn:HOST[:PORT][?transport=udp|tcp] or turns:…"
                ));
            }
        }
        if secret.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "the TURN secret is {} bytes: at least {MIN_SECRET_BYTES} (e.g. `openssl rand -hex 32`)",
                secret.len()
            ));
        }
        if ttl.is_zero() {
            return Err("the TURN credentials' lifetime is 0 seconds".into());
        }
        Ok(TurnOptions { urls, secret, ttl })
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Credentials for `who` (a member's or the facilitator's id), valid from `now` for
    /// the configured lifetime.
    pub fn ice_server_at(&self, who: &str, now: SystemTime) -> IceServer {
        let now = now.duration_since(UNIX_EPOCH).unwrap_or_default();
        let expiry = (now + self.ttl).as_secs();
        let username = format!("{expiry}:{who}");
        IceServer {
            urls: self.urls.clone(),
            credential: credential(&self.secret, &username),
            username,
        }
    }

    /// Credentials for `who`, valid from now.
    pub fn ice_server(&self, who: &str) -> IceServer {
        self.ice_server_at(who, SystemTime::now())
    }
}

/// `base64(HMAC-SHA1(secret, username))`: the password the TURN server derives too.
pub fn credential(secret: &str, username: &str) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(username.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "correct horse battery staple";

    #[test]
    fn credential_matches_an_independent_computation() {
        // python3 -c 'import hmac,hashlib,base64; print(base64.b64encode(hmac.new(
        //   b"correct horse battery staple", b"1767225600:m_0123456789abcdef",
        //   hashlib.sha1).digest()).decode())'
        assert_eq!(
            credential(SECRET, "1767225600:m_0123456789abcdef"),
            "NhVsuCHhQ07r0ZIvo5kn09f+YO0="
        );
    }

    #[test]
    fn username_is_expiry_then_who() {
        let turn = TurnOptions::new(
            vec!["turn:turn.example:3478?transport=udp".into()],
            SECRET.into(),
            Duration::from_secs(3600),
        )
        .unwrap();
        let at = UNIX_EPOCH + Duration::from_secs(1_767_222_000);
        let server = turn.ice_server_at("m_0123456789abcdef", at);
        assert_eq!(server.username, "1767225600:m_0123456789abcdef");
        assert_eq!(server.credential, "NhVsuCHhQ07r0ZIvo5kn09f+YO0=");
        assert_eq!(server.urls, ["turn:turn.example:3478?transport=udp"]);
        let json = serde_json::to_value(&server).unwrap();
        assert_eq!(json["username"], "1767225600:m_0123456789abcdef");
        assert!(
            !format!("{turn:?}").contains(SECRET),
            "Debug hides the secret"
        );
    }

    #[test]
    fn refuses_bad_urls_and_short_secrets() {
        let ttl = Duration::from_secs(60);
        let ok = |urls: &[&str], secret: &str| {
            TurnOptions::new(
                urls.iter().map(|u| u.to_string()).collect(),
                secret.into(),
                ttl,
            )
        };
        assert!(ok(&["turn:127.0.0.1:3478", "turns:turn.example:5349"], SECRET).is_ok());
        assert!(ok(&[], SECRET).unwrap_err().contains("no TURN URL"));
        for bad in [
            "stun:turn.example",
            "https://turn.example",
            "turn:",
            "turn:a b",
        ] {
            assert!(
                ok(&[bad], SECRET).unwrap_err().contains("TURN URL"),
                "{bad}"
            );
        }
        let short = ok(&["turn:turn.example"], "short").unwrap_err();
        assert!(short.contains("at least 16"), "{short}");
        assert!(TurnOptions::new(vec!["turn:x".into()], SECRET.into(), Duration::ZERO).is_err());
    }
}
