//! Credentials. Tokens are 256 random bits, shown once (in a cookie or a link) and stored
//! only as their SHA-256, so a database leak does not leak usable tokens. Passwords are
//! hashed with argon2id.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// A new random token (64 hex characters).
pub fn new_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex(&b)
}

/// A new random id (22 hex characters: 88 bits), for rows and boards.
pub fn new_id() -> String {
    let mut b = [0u8; 11];
    rand::rng().fill_bytes(&mut b);
    hex(&b)
}

/// What we store for a token.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// A token as it may appear in a cookie or URL: 64 hex characters. Anything else is not
/// worth a database lookup.
pub fn plausible_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The characters of an invitation's short code: Crockford's base32 (no I, L, O or U, so
/// nothing is mistaken when the code is read aloud or copied by hand).
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The characters of a short code (40 random bits). Guessing one is bounded by the rate
/// limit on code lookups, not by its length alone.
pub const INVITE_CODE_LEN: usize = 8;

/// A new invitation short code, as shown: `ABCD-EFGH`.
pub fn new_invite_code() -> String {
    let mut b = [0u8; INVITE_CODE_LEN];
    rand::rng().fill_bytes(&mut b);
    let chars: String = b
        .iter()
        .map(|x| CODE_ALPHABET[(x & 31) as usize] as char)
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

/// The normal form of a short code as someone typed it (case, spaces and dashes do not
/// matter; O reads as 0, I and L as 1, as Crockford's base32 says), or `None` when it
/// cannot be one. Nothing that is not a code is worth a database lookup.
pub fn invite_code(typed: &str) -> Option<String> {
    if typed.len() > 4 * INVITE_CODE_LEN {
        return None;
    }
    let mut out = String::with_capacity(INVITE_CODE_LEN);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c if c.is_ascii() && CODE_ALPHABET.contains(&(c as u8)) => c,
            _ => return None,
        };
        out.push(c);
    }
    (out.len() == INVITE_CODE_LEN).then_some(out)
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

pub fn hash_password(password: &str) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| HashError(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// The hash of a random password nobody knows, made with the same parameters as every
/// stored hash (once per process): a sign-in with an unknown email is checked against it,
/// so that it costs what a known email's check costs and the time of the answer does not
/// tell which emails have an account.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&new_token()).expect("hashing a random password"))
}

/// How one participant's dots in one vote are stored: `voter` names their ballot (how many
/// dots they placed), [`Ballot::mark`] names each dot's item. Both are HMAC-SHA-256 keyed
/// with the participant's token, which the database never holds (only its SHA-256): with
/// the database alone nobody can compute them, so nobody can tell whose ballot is whose,
/// nor which item a mark stands for; the token's holder gets the same names at every
/// request, which is what the budget and taking a dot back need. Different votes give
/// unrelated names.
pub struct Ballot {
    key: Vec<u8>,
    vote_id: String,
    pub voter: String,
}

impl Ballot {
    pub fn new(member_token: &str, vote_id: &str) -> Ballot {
        let key = member_token.as_bytes().to_vec();
        let voter = keyed(&key, &["ballot", vote_id]);
        Ballot {
            key,
            vote_id: vote_id.to_owned(),
            voter,
        }
    }

    /// The mark of one dot of this ballot on `item`.
    pub fn mark(&self, item: &str) -> String {
        keyed(&self.key, &["dot", &self.vote_id, item])
    }
}

/// HMAC-SHA-256 of the parts, each followed by a 0 byte (no part holds one: ids, tokens).
fn keyed(key: &[u8], parts: &[&str]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    for p in parts {
        mac.update(p.as_bytes());
        mac.update(&[0]);
    }
    hex(&mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert!(plausible_token(&a));
        assert!(!plausible_token("abc"));
        assert!(!plausible_token(&a.replace(|_| true, "z")));
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a).len(), 64);
    }

    #[test]
    fn invite_codes() {
        let c = new_invite_code();
        assert_eq!(c.len(), INVITE_CODE_LEN + 1);
        assert_eq!(&c[4..5], "-");
        let norm = invite_code(&c).unwrap();
        assert_eq!(norm, c.replace('-', ""));
        // as people type it
        assert_eq!(invite_code(&c.to_lowercase()), Some(norm.clone()));
        assert_eq!(invite_code(" abcd efgh ").as_deref(), Some("ABCDEFGH"));
        assert_eq!(invite_code("o1lI-2345").as_deref(), Some("01112345"));
        // not a code
        for bad in [
            "",
            "ABCD-EFG",
            "ABCD-EFGHJ",
            "ABCD-EFGU",
            "ABCD-ÉFGH",
            &"-".repeat(100),
        ] {
            assert_eq!(invite_code(bad), None, "{bad:?}");
        }
        // a token is not a code
        assert_eq!(invite_code(&new_token()), None);
        assert_ne!(new_invite_code(), new_invite_code());
    }

    #[test]
    fn passwords() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
        // the dummy has the parameters of a real hash, so checking it costs the same
        let params = |phc: &str| phc.rsplitn(3, '$').nth(2).unwrap().to_owned();
        assert_eq!(params(dummy_hash()), params(&h));
        assert!(!verify_password("correct horse", dummy_hash()));
    }

    #[test]
    fn ballots_need_the_token() {
        let token = new_token();
        let a = Ballot::new(&token, "v1");
        // the same token names the same ballot and marks at every request
        assert_eq!(a.voter, Ballot::new(&token, "v1").voter);
        assert_eq!(a.mark("item"), Ballot::new(&token, "v1").mark("item"));
        assert_ne!(a.mark("item"), a.mark("other"));
        // another vote, another participant: unrelated names
        assert_ne!(a.voter, Ballot::new(&token, "v2").voter);
        assert_ne!(a.mark("item"), Ballot::new(&token, "v2").mark("item"));
        assert_ne!(a.voter, Ballot::new(&new_token(), "v1").voter);
        // what the database holds of the token does not name the ballot
        assert_ne!(a.voter, Ballot::new(&token_hash(&token), "v1").voter);
        assert!(!a.voter.contains(&token) && !a.voter.contains(&token_hash(&token)));
        // parts do not run into each other
        assert_ne!(
            Ballot::new(&token, "v").mark("1x"),
            Ballot::new(&token, "v1").mark("x")
        );
    }
}
