//! Password authentication computations: the MD5 password hash and the client side of SCRAM-SHA-256
//! (RFC 5802 / RFC 7677, without channel binding), as PostgreSQL uses them.
//!
//! Owns: turning a password, a salt and the server's SCRAM messages into the client's messages, and
//! checking the server's final signature. Must not: do I/O (the nonce is passed in; [`new_nonce`] is the
//! only call out, to the OS random source), log or return anything derived from the password except
//! the protocol messages.
//!
//! Limitation: the password is used as is, without SASLprep. PostgreSQL falls back to the raw password
//! when SASLprep rejects it, so ASCII passwords (and non-ASCII ones already in NFKC form without
//! non-ASCII spaces or "mapped to nothing" characters) authenticate; other non-ASCII passwords fail with
//! an authentication error.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest as _, Md5};
use sha2::Sha256;
use std::fmt::Write as _;

type HmacSha256 = Hmac<Sha256>;

/// The SASL mechanism implemented.
pub const SCRAM_SHA_256: &str = "SCRAM-SHA-256";
/// PBKDF2 iterations accepted from a server (PostgreSQL's default is 4096). A hostile server asking for
/// billions would otherwise keep this process busy past any deadline.
pub const MAX_ITERATIONS: u32 = 1_000_000;

/// `md5` + md5(md5(password + user) + salt), in lower-case hex, as PostgreSQL's `md5` method expects.
pub fn md5_password(user: &str, password: &str, salt: [u8; 4]) -> String {
    let mut inner = Md5::new();
    inner.update(password.as_bytes());
    inner.update(user.as_bytes());
    let inner_hex = hex(&inner.finalize());
    let mut outer = Md5::new();
    outer.update(inner_hex.as_bytes());
    outer.update(salt);
    format!("md5{}", hex(&outer.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// 18 random bytes in base64, as libpq builds its client nonce.
pub fn new_nonce() -> Result<String, getrandom::Error> {
    let mut raw = [0u8; 18];
    getrandom::fill(&mut raw)?;
    Ok(B64.encode(raw))
}

/// The client side of one SCRAM-SHA-256 exchange, before the server's first message.
pub struct ScramClient {
    password: Vec<u8>,
    nonce: String,
    client_first_bare: String,
}

/// After the client-final message: what the server must prove.
pub struct ScramVerifier {
    server_signature: [u8; 32],
}

impl ScramClient {
    /// `user` goes into the `n=` attribute (PostgreSQL ignores it and libpq sends it empty); `nonce` must
    /// be printable ASCII without `,`.
    pub fn new(user: &str, password: &str, nonce: &str) -> ScramClient {
        let user = user.replace('=', "=3D").replace(',', "=2C");
        ScramClient {
            password: password.as_bytes().to_vec(),
            nonce: nonce.to_string(),
            client_first_bare: format!("n={user},r={nonce}"),
        }
    }

    /// The client-first message: GS2 header `n,,` (no channel binding) and the bare part.
    pub fn client_first(&self) -> String {
        format!("n,,{}", self.client_first_bare)
    }

    /// Reads the server-first message and returns the client-final message (with the proof) and what to
    /// check in the server-final message.
    pub fn client_final(&self, server_first: &[u8]) -> Result<(String, ScramVerifier), String> {
        let server_first = std::str::from_utf8(server_first)
            .map_err(|_| "the server-first message is not UTF-8".to_string())?;
        let mut nonce = None;
        let mut salt = None;
        let mut iterations = None;
        for (i, attr) in server_first.split(',').enumerate() {
            let (key, value) = attr
                .split_once('=')
                .ok_or_else(|| format!("malformed attribute {attr:?} in the server-first message"))?;
            match (i, key) {
                (0, "r") => nonce = Some(value),
                (0, "m") => return Err("the server requires an unsupported SCRAM extension".to_string()),
                (0, _) => return Err("the server-first message does not start with the nonce".to_string()),
                (_, "s") => {
                    salt = Some(
                        B64.decode(value)
                            .map_err(|_| "the salt is not valid base64".to_string())?,
                    )
                }
                (_, "i") => {
                    iterations = Some(
                        value
                            .parse::<u32>()
                            .map_err(|_| format!("iteration count {value:?} is not a number"))?,
                    )
                }
                _ => {}
            }
        }
        let (Some(nonce), Some(salt), Some(iterations)) = (nonce, salt, iterations) else {
            return Err("the server-first message lacks the nonce, salt or iteration count".to_string());
        };
        if !nonce.starts_with(&self.nonce) || nonce.len() == self.nonce.len() {
            return Err("the server's nonce does not extend the client's".to_string());
        }
        if !nonce.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b',') {
            return Err("the server's nonce has invalid characters".to_string());
        }
        if iterations == 0 || iterations > MAX_ITERATIONS {
            return Err(format!(
                "the server asks for {iterations} PBKDF2 iterations (1 to {MAX_ITERATIONS} accepted)"
            ));
        }

        let salted = hi(&self.password, &salt, iterations)?;
        let client_key = hmac(&salted, b"Client Key")?;
        let stored_key: [u8; 32] = Sha256::digest(client_key).into();
        let client_final_without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!(
            "{},{server_first},{client_final_without_proof}",
            self.client_first_bare
        );
        let client_signature = hmac(&stored_key, auth_message.as_bytes())?;
        let mut proof = client_key;
        for (p, s) in proof.iter_mut().zip(client_signature) {
            *p ^= s;
        }
        let server_key = hmac(&salted, b"Server Key")?;
        let server_signature = hmac(&server_key, auth_message.as_bytes())?;
        Ok((
            format!("{client_final_without_proof},p={}", B64.encode(proof)),
            ScramVerifier { server_signature },
        ))
    }
}

impl ScramVerifier {
    /// Checks the server-final message `v=<signature>` (or reports its `e=<error>`).
    pub fn verify(&self, server_final: &[u8]) -> Result<(), String> {
        let text = std::str::from_utf8(server_final)
            .map_err(|_| "the server-final message is not UTF-8".to_string())?;
        let first = text.split(',').next().unwrap_or_default();
        if let Some(error) = first.strip_prefix("e=") {
            return Err(format!("the server reports {error:?}"));
        }
        let Some(sig) = first.strip_prefix("v=") else {
            return Err("the server-final message has no signature".to_string());
        };
        let sig = B64
            .decode(sig)
            .map_err(|_| "the server signature is not valid base64".to_string())?;
        // Not secret-dependent timing in any way that matters here, but compare in constant time anyway.
        let diff = sig
            .iter()
            .zip(self.server_signature.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if sig.len() == self.server_signature.len() && diff == 0 {
            Ok(())
        } else {
            Err("the server's signature is wrong: it does not know this password".to_string())
        }
    }
}

fn hmac(key: &[u8], data: &[u8]) -> Result<[u8; 32], String> {
    let mut mac = HmacSha256::new_from_slice(key).map_err(|e| format!("HMAC key: {e}"))?;
    mac.update(data);
    Ok(mac.finalize().into_bytes().into())
}

/// PBKDF2-HMAC-SHA-256 with one output block (`Hi` in RFC 5802).
fn hi(password: &[u8], salt: &[u8], iterations: u32) -> Result<[u8; 32], String> {
    let keyed = HmacSha256::new_from_slice(password).map_err(|e| format!("HMAC key: {e}"))?;
    let mut mac = keyed.clone();
    mac.update(salt);
    mac.update(&1u32.to_be_bytes());
    let mut u: [u8; 32] = mac.finalize().into_bytes().into();
    let mut out = u;
    for _ in 1..iterations {
        let mut mac = keyed.clone();
        mac.update(&u);
        u = mac.finalize().into_bytes().into();
        for (o, x) in out.iter_mut().zip(u) {
            *o ^= x;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_password_vector() {
        // Computed independently: python3 hashlib, 'md5' + md5(md5(pw+user).hex() + salt).hex().
        assert_eq!(
            md5_password("user", "pencil", [1, 2, 3, 4]),
            "md54376eb6913b38f9aaff38dc7cf19ca76"
        );
    }

    /// RFC 7677 section 3.
    #[test]
    fn scram_sha_256_rfc7677_vector() {
        let client = ScramClient::new("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        assert_eq!(client.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let server_first =
            b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let (client_final, verifier) = match client.client_final(server_first) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(
            client_final,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        assert_eq!(
            verifier.verify(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
            Ok(())
        );
        assert!(verifier
            .verify(b"v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
            .is_err());
        assert!(verifier.verify(b"e=invalid-proof").is_err());
        assert!(verifier.verify(b"v=!!").is_err());
        assert!(verifier.verify(b"").is_err());
    }

    #[test]
    fn scram_rejects_bad_server_first_messages() {
        let client = ScramClient::new("", "pw", "abc");
        for bad in [
            &b"r=xyz,s=QUJD,i=4096"[..],   // nonce not extended
            b"r=abc,s=QUJD,i=4096",        // nonce not longer
            b"s=QUJD,r=abcd,i=4096",       // order
            b"m=ext,r=abcd,s=QUJD,i=4096", // mandatory extension
            b"r=abcd,s=!!!,i=4096",        // salt
            b"r=abcd,s=QUJD,i=0",          // iterations
            b"r=abcd,s=QUJD,i=4000000000", // too many
            b"r=abcd,s=QUJD,i=x",          // not a number
            b"r=abcd,s=QUJD",              // missing
            b"r=abcd",                     // missing
            b"garbage",                    // not attributes
            b"\xff\xfe",                   // not UTF-8
            b"r=abc\x01d,s=QUJD,i=1",      // control character in the nonce
        ] {
            assert!(
                client.client_final(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(client.client_final(b"r=abcd,s=QUJD,i=1,x=ext").is_ok());
    }

    #[test]
    fn scram_user_names_are_escaped() {
        let client = ScramClient::new("a=b,c", "pw", "n");
        assert_eq!(client.client_first(), "n,,n=a=3Db=2Cc,r=n");
    }

    #[test]
    fn nonces_are_random_base64() {
        let (Ok(a), Ok(b)) = (new_nonce(), new_nonce()) else {
            panic!("no randomness");
        };
        assert_eq!(a.len(), 24);
        assert_ne!(a, b);
        assert!(!a.contains(','));
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn server_messages_never_panic(first in proptest::collection::vec(any::<u8>(), 0..200),
                                        last in proptest::collection::vec(any::<u8>(), 0..100)) {
            let client = ScramClient::new("", "pw", "abc");
            if let Ok((_, verifier)) = client.client_final(&first) {
                let _ = verifier.verify(&last);
            }
        }
    }
}
