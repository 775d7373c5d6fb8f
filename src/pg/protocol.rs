//! PostgreSQL frontend/backend protocol 3.0: the few messages this tool sends and receives, as bytes.
//!
//! Owns: encoding the frontend messages (StartupMessage, PasswordMessage, SASL responses, Query,
//! Terminate), checking a backend message header against a length cap, and decoding backend message
//! bodies into [`Backend`] values. Must not: do I/O, panic or allocate more than the input it is given,
//! whatever the bytes (a property test feeds it garbage).

use std::fmt;

/// Protocol version 3.0, as sent in the StartupMessage.
pub const PROTOCOL_3_0: i32 = 196_608;
/// The largest backend message body accepted. Everything this tool reads is tiny; the cap only stops a
/// garbage or hostile peer from making it allocate much.
pub const MAX_BODY_LEN: usize = 1 << 20;

/// A message from the backend, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Authentication(Auth),
    /// `E`: fatal or not, the server says no.
    Error(ServerError),
    /// `N`: a notice; informational.
    Notice(ServerError),
    /// `S`: a run-time parameter the server reports (server_version, ...).
    ParameterStatus {
        name: String,
        value: String,
    },
    /// `K`: the cancellation key (ignored).
    BackendKeyData,
    /// `Z`: ready for a new query; the byte is the transaction status.
    ReadyForQuery(u8),
    /// `T`: the number of columns of the rows that follow.
    RowDescription {
        columns: u16,
    },
    /// `D`: one row, each column as text or NULL.
    DataRow(Vec<Option<Vec<u8>>>),
    /// `C`: a statement ended (its tag, e.g. `SHOW`).
    CommandComplete(String),
    /// `I`: the query string was empty.
    EmptyQueryResponse,
    /// `v`: the server does not support the requested minor version or options.
    NegotiateProtocolVersion,
    /// Any other message type (kept so callers can report it).
    Other(u8),
}

/// An Authentication (`R`) request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    Ok,
    CleartextPassword,
    Md5Password {
        salt: [u8; 4],
    },
    /// AuthenticationSASL with the mechanisms the server offers.
    Sasl {
        mechanisms: Vec<String>,
    },
    SaslContinue(Vec<u8>),
    SaslFinal(Vec<u8>),
    /// Kerberos V5 (2), SCM credentials (6), GSS (7), GSS continue (8), SSPI (9), or unknown.
    Other(i32),
}

impl Auth {
    /// A name for an authentication method this tool does not implement.
    pub fn method_name(code: i32) -> String {
        match code {
            2 => "Kerberos V5".to_string(),
            6 => "SCM credential".to_string(),
            7 | 8 => "GSSAPI".to_string(),
            9 => "SSPI".to_string(),
            other => format!("an unknown (code {other})"),
        }
    }
}

/// The fields of an ErrorResponse or NoticeResponse that matter here.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerError {
    /// `V` (not localized) when present, else `S`: ERROR, FATAL, PANIC, WARNING, NOTICE...
    pub severity: String,
    /// `C`: the SQLSTATE, e.g. `28P01`.
    pub code: String,
    /// `M`: the primary message.
    pub message: String,
    /// `D`: detail, if any.
    pub detail: Option<String>,
    /// `H`: hint, if any.
    pub hint: Option<String>,
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} (SQLSTATE {})", self.severity, self.message, self.code)?;
        if let Some(detail) = &self.detail {
            write!(f, "; {detail}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "; hint: {hint}")?;
        }
        Ok(())
    }
}

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, DecodeError> {
    Err(DecodeError(msg.into()))
}

/// Appends a frontend message with a type byte and its length prefix.
fn message(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 5);
    out.push(tag);
    out.extend_from_slice(&len_i32(body.len() + 4).to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// A length as the protocol's Int32; saturates (the callers only encode small, bounded messages).
fn len_i32(len: usize) -> i32 {
    i32::try_from(len).unwrap_or(i32::MAX)
}

fn push_cstr(out: &mut Vec<u8>, s: &str) {
    // A NUL inside would end the string early and shift every later field: drop it.
    out.extend(s.bytes().filter(|&b| b != 0));
    out.push(0);
}

/// StartupMessage (no type byte) with the given parameters (`user`, `database`, `application_name`).
pub fn startup(params: &[(&str, &str)]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&PROTOCOL_3_0.to_be_bytes());
    for (name, value) in params {
        push_cstr(&mut body, name);
        push_cstr(&mut body, value);
    }
    body.push(0);
    let mut out = Vec::with_capacity(body.len() + 4);
    out.extend_from_slice(&len_i32(body.len() + 4).to_be_bytes());
    out.extend_from_slice(&body);
    out
}

/// PasswordMessage (`p`) carrying a cleartext or MD5-hashed password.
pub fn password(password: &str) -> Vec<u8> {
    let mut body = Vec::with_capacity(password.len() + 1);
    push_cstr(&mut body, password);
    message(b'p', &body)
}

/// SASLInitialResponse (`p`): the chosen mechanism and the client-first message.
pub fn sasl_initial_response(mechanism: &str, data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    push_cstr(&mut body, mechanism);
    body.extend_from_slice(&len_i32(data.len()).to_be_bytes());
    body.extend_from_slice(data);
    message(b'p', &body)
}

/// SASLResponse (`p`): the client-final message.
pub fn sasl_response(data: &[u8]) -> Vec<u8> {
    message(b'p', data)
}

/// Query (`Q`): a simple query.
pub fn query(sql: &str) -> Vec<u8> {
    let mut body = Vec::with_capacity(sql.len() + 1);
    push_cstr(&mut body, sql);
    message(b'Q', &body)
}

/// Terminate (`X`).
pub fn terminate() -> Vec<u8> {
    message(b'X', &[])
}

/// Checks a 5-byte backend header: returns the message type and the body length, refusing lengths below
/// 4 or bodies above `max_body`.
pub fn header(bytes: [u8; 5], max_body: usize) -> Result<(u8, usize), DecodeError> {
    let tag = bytes[0];
    let len = i32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
    if !tag.is_ascii_alphabetic() {
        return err(format!("message type byte 0x{tag:02x} is not a letter"));
    }
    let Some(body) = usize::try_from(len).ok().and_then(|l| l.checked_sub(4)) else {
        return err(format!("message '{}' has an invalid length {len}", tag as char));
    };
    if body > max_body {
        return err(format!(
            "message '{}' announces {body} bytes, more than the {max_body} accepted",
            tag as char
        ));
    }
    Ok((tag, body))
}

/// One complete backend message inside a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    pub tag: u8,
    pub body: &'a [u8],
    /// Bytes the frame takes in the buffer, header included.
    pub size: usize,
}

/// Splits the first complete message off `buf`: `Ok(None)` when more bytes are needed.
pub fn split_frame(buf: &[u8], max_body: usize) -> Result<Option<Frame<'_>>, DecodeError> {
    let Some(head) = buf.get(..5) else {
        return Ok(None);
    };
    let mut h = [0u8; 5];
    h.copy_from_slice(head);
    let (tag, len) = header(h, max_body)?;
    Ok(buf.get(5..5 + len).map(|body| Frame {
        tag,
        body,
        size: 5 + len,
    }))
}

/// A cursor over a message body; every read is bounds-checked.
struct Body<'a> {
    rest: &'a [u8],
    tag: u8,
}

impl<'a> Body<'a> {
    fn truncated<T>(&self, what: &str) -> Result<T, DecodeError> {
        err(format!("message '{}' is truncated ({what})", self.tag as char))
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], DecodeError> {
        if self.rest.len() < n {
            return self.truncated(what);
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn i32(&mut self, what: &str) -> Result<i32, DecodeError> {
        let b = self.take(4, what)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn i16(&mut self, what: &str) -> Result<i16, DecodeError> {
        let b = self.take(2, what)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }

    fn u8(&mut self, what: &str) -> Result<u8, DecodeError> {
        Ok(self.take(1, what)?[0])
    }

    fn cstr(&mut self, what: &str) -> Result<String, DecodeError> {
        let Some(nul) = self.rest.iter().position(|&b| b == 0) else {
            return self.truncated(what);
        };
        let s = String::from_utf8_lossy(&self.rest[..nul]).into_owned();
        self.rest = &self.rest[nul + 1..];
        Ok(s)
    }
}

/// Decodes a backend message body.
pub fn decode(tag: u8, body: &[u8]) -> Result<Backend, DecodeError> {
    let mut b = Body { rest: body, tag };
    let msg = match tag {
        b'R' => Backend::Authentication(decode_auth(&mut b)?),
        b'E' => Backend::Error(decode_fields(&mut b)?),
        b'N' => Backend::Notice(decode_fields(&mut b)?),
        b'S' => Backend::ParameterStatus {
            name: b.cstr("parameter name")?,
            value: b.cstr("parameter value")?,
        },
        b'K' => Backend::BackendKeyData,
        b'Z' => Backend::ReadyForQuery(b.u8("transaction status")?),
        b'T' => {
            let n = b.i16("column count")?;
            match u16::try_from(n) {
                Ok(columns) => Backend::RowDescription { columns },
                Err(_) => return err(format!("RowDescription with {n} columns")),
            }
        }
        b'D' => Backend::DataRow(decode_row(&mut b)?),
        b'C' => Backend::CommandComplete(b.cstr("command tag")?),
        b'I' => Backend::EmptyQueryResponse,
        b'v' => Backend::NegotiateProtocolVersion,
        other => Backend::Other(other),
    };
    Ok(msg)
}

fn decode_auth(b: &mut Body<'_>) -> Result<Auth, DecodeError> {
    let code = b.i32("authentication code")?;
    Ok(match code {
        0 => Auth::Ok,
        3 => Auth::CleartextPassword,
        5 => {
            let s = b.take(4, "MD5 salt")?;
            Auth::Md5Password {
                salt: [s[0], s[1], s[2], s[3]],
            }
        }
        10 => {
            let mut mechanisms = Vec::new();
            loop {
                let m = b.cstr("SASL mechanism list")?;
                if m.is_empty() {
                    break;
                }
                mechanisms.push(m);
            }
            Auth::Sasl { mechanisms }
        }
        11 => Auth::SaslContinue(b.rest.to_vec()),
        12 => Auth::SaslFinal(b.rest.to_vec()),
        other => Auth::Other(other),
    })
}

fn decode_fields(b: &mut Body<'_>) -> Result<ServerError, DecodeError> {
    let mut e = ServerError::default();
    let mut localized_severity = None;
    loop {
        let field = b.u8("field type")?;
        if field == 0 {
            break;
        }
        let value = b.cstr("field value")?;
        match field {
            b'S' => localized_severity = Some(value),
            b'V' => e.severity = value,
            b'C' => e.code = value,
            b'M' => e.message = value,
            b'D' => e.detail = Some(value),
            b'H' => e.hint = Some(value),
            _ => {}
        }
    }
    if e.severity.is_empty() {
        e.severity = localized_severity.unwrap_or_else(|| "ERROR".to_string());
    }
    Ok(e)
}

fn decode_row(b: &mut Body<'_>) -> Result<Vec<Option<Vec<u8>>>, DecodeError> {
    let n = b.i16("column count")?;
    let Ok(n) = usize::try_from(n) else {
        return err(format!("DataRow with {n} columns"));
    };
    // Each column takes at least 4 bytes: never reserve more than the body can hold.
    let mut row = Vec::with_capacity(n.min(b.rest.len() / 4));
    for _ in 0..n {
        let len = b.i32("column length")?;
        if len == -1 {
            row.push(None);
            continue;
        }
        let Ok(len) = usize::try_from(len) else {
            return err(format!("DataRow column length {len}"));
        };
        row.push(Some(b.take(len, "column value")?.to_vec()));
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backend(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        out.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn startup_message_layout() {
        let m = startup(&[("user", "odoo"), ("database", "postgres")]);
        let mut expected = Vec::new();
        expected.extend_from_slice(&[0, 3, 0, 0]);
        expected.extend_from_slice(b"user\0odoo\0database\0postgres\0\0");
        let len = (expected.len() + 4) as i32;
        assert_eq!(&m[..4], &len.to_be_bytes());
        assert_eq!(&m[4..], &expected[..]);
    }

    #[test]
    fn frontend_messages_layout() {
        assert_eq!(password("pw"), b"p\0\0\0\x07pw\0".to_vec());
        assert_eq!(query("SHOW x"), b"Q\0\0\0\x0bSHOW x\0".to_vec());
        assert_eq!(terminate(), b"X\0\0\0\x04".to_vec());
        assert_eq!(
            sasl_initial_response("SCRAM-SHA-256", b"n,,n=,r=abc"),
            b"p\0\0\0\x21SCRAM-SHA-256\0\0\0\0\x0bn,,n=,r=abc".to_vec()
        );
        assert_eq!(sasl_response(b"c=biws"), b"p\0\0\0\x0ac=biws".to_vec());
        // An embedded NUL cannot shift the fields.
        assert_eq!(password("a\0b"), b"p\0\0\0\x07ab\0".to_vec());
    }

    #[test]
    fn authentication_requests() {
        assert_eq!(decode(b'R', &[0, 0, 0, 0]), Ok(Backend::Authentication(Auth::Ok)));
        assert_eq!(
            decode(b'R', &[0, 0, 0, 3]),
            Ok(Backend::Authentication(Auth::CleartextPassword))
        );
        assert_eq!(
            decode(b'R', &[0, 0, 0, 5, 1, 2, 3, 4]),
            Ok(Backend::Authentication(Auth::Md5Password { salt: [1, 2, 3, 4] }))
        );
        assert_eq!(
            decode(b'R', b"\0\0\0\x0aSCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0"),
            Ok(Backend::Authentication(Auth::Sasl {
                mechanisms: vec!["SCRAM-SHA-256-PLUS".into(), "SCRAM-SHA-256".into()]
            }))
        );
        assert_eq!(
            decode(b'R', b"\0\0\0\x0br=abc"),
            Ok(Backend::Authentication(Auth::SaslContinue(b"r=abc".to_vec())))
        );
        assert_eq!(
            decode(b'R', b"\0\0\0\x0cv=xyz"),
            Ok(Backend::Authentication(Auth::SaslFinal(b"v=xyz".to_vec())))
        );
        assert_eq!(
            decode(b'R', &[0, 0, 0, 7]),
            Ok(Backend::Authentication(Auth::Other(7)))
        );
        assert!(decode(b'R', &[0, 0, 0, 5, 1]).is_err());
        assert!(decode(b'R', &[0, 0]).is_err());
        assert!(decode(b'R', b"\0\0\0\x0aSCRAM").is_err());
    }

    #[test]
    fn error_response_fields() {
        let body = b"SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user \"odoo\"\0Fauth.c\0L326\0Rauth_failed\0\0";
        let Ok(Backend::Error(e)) = decode(b'E', body) else {
            panic!("not an error");
        };
        assert_eq!(e.severity, "FATAL");
        assert_eq!(e.code, "28P01");
        assert_eq!(e.message, "password authentication failed for user \"odoo\"");
        assert_eq!(e.detail, None);
        assert_eq!(
            e.to_string(),
            "FATAL: password authentication failed for user \"odoo\" (SQLSTATE 28P01)"
        );
        // Localized severity only (pre-9.6 servers), detail and hint.
        let Ok(Backend::Error(e)) = decode(b'E', b"SFATAL\0C57P03\0Mstarting up\0Dd\0Hh\0\0") else {
            panic!("not an error");
        };
        assert_eq!(e.severity, "FATAL");
        assert_eq!(e.detail.as_deref(), Some("d"));
        assert_eq!(e.hint.as_deref(), Some("h"));
        assert!(decode(b'E', b"SFATAL\0C28P01").is_err());
        assert!(decode(b'E', b"SFATAL\0").is_err());
    }

    #[test]
    fn query_results() {
        assert_eq!(
            decode(
                b'T',
                b"\0\x01max_connections\0\0\0\0\0\0\0\0\0\0\x19\xff\xff\xff\xff\xff\xff\0\0"
            ),
            Ok(Backend::RowDescription { columns: 1 })
        );
        assert_eq!(
            decode(b'D', b"\0\x02\0\0\0\x0237\xff\xff\xff\xff"),
            Ok(Backend::DataRow(vec![Some(b"37".to_vec()), None]))
        );
        assert!(decode(b'D', b"\0\x01\0\0\0\x0537").is_err());
        assert!(decode(b'D', b"\xff\xff").is_err());
        assert!(decode(b'D', b"\0\x01\xff\xff\xff\xfe").is_err());
        assert_eq!(
            decode(b'C', b"SHOW\0"),
            Ok(Backend::CommandComplete("SHOW".into()))
        );
        assert_eq!(decode(b'Z', b"I"), Ok(Backend::ReadyForQuery(b'I')));
        assert_eq!(
            decode(b'S', b"server_version\x0015.8\0"),
            Ok(Backend::ParameterStatus {
                name: "server_version".into(),
                value: "15.8".into()
            })
        );
        assert_eq!(decode(b'Y', b""), Ok(Backend::Other(b'Y')));
    }

    #[test]
    fn headers_are_capped() {
        assert_eq!(header(*b"R\0\0\0\x08", MAX_BODY_LEN), Ok((b'R', 4)));
        assert!(header(*b"R\0\0\0\x03", MAX_BODY_LEN).is_err());
        assert!(header(*b"R\xff\xff\xff\xff", MAX_BODY_LEN).is_err());
        assert!(header(*b"E\x7f\xff\xff\xff", MAX_BODY_LEN).is_err());
        // A protocol-2 style error ("EFATAL...") announces a huge length: refused, not allocated.
        assert!(header(*b"EFATA", MAX_BODY_LEN).is_err());
        // HTTP or SSH banners are not PostgreSQL.
        assert!(header(*b"\x00\x00\x00\x00\x00", MAX_BODY_LEN).is_err());
    }

    #[test]
    fn frames_split_in_order() {
        let mut stream = backend(b'R', &[0, 0, 0, 0]);
        stream.extend(backend(b'Z', b"I"));
        let Ok(Some(first)) = split_frame(&stream, MAX_BODY_LEN) else {
            panic!("no frame");
        };
        assert_eq!(
            (first.tag, first.body, first.size),
            (b'R', &[0u8, 0, 0, 0][..], 9)
        );
        let Ok(Some(second)) = split_frame(&stream[first.size..], MAX_BODY_LEN) else {
            panic!("no frame");
        };
        assert_eq!((second.tag, second.size), (b'Z', 6));
        assert_eq!(split_frame(&stream[..7], MAX_BODY_LEN), Ok(None));
        assert_eq!(split_frame(&stream[..3], MAX_BODY_LEN), Ok(None));
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever a server sends, framing and decoding return a value or an error, never panic, and a
        /// frame never claims more than the cap.
        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let mut rest = &bytes[..];
            while let Ok(Some(frame)) = split_frame(rest, 256) {
                prop_assert!(frame.body.len() <= 256);
                let _ = decode(frame.tag, frame.body);
                rest = &rest[frame.size..];
            }
        }

        /// Any body under any known tag decodes or errors without panicking.
        #[test]
        fn any_body_under_known_tags(
            tag in prop::sample::select(b"RENSKZTDCIv".to_vec()),
            body in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            let _ = decode(tag, &body);
        }

        /// Truncating a valid message never panics and never decodes as the full message would.
        #[test]
        fn truncated_error_responses(cut in 0usize..40) {
            let body = b"SFATAL\0VFATAL\0C28P01\0Mno\0\0";
            let cut = cut.min(body.len() - 1);
            let r = decode(b'E', &body[..cut]);
            prop_assert!(r.is_err());
        }
    }
}
