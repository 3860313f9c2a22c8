//! The login exchange, run on the raw stream before commands are multiplexed on it.

use md5::{Digest, Md5};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::client::options::{ConnectOptions, LoginMethod};
use crate::client::transport::AsyncIo;
use crate::codec::{Decoder, encode_sentence};
use crate::error::{Error, Result};
use crate::proto::{Reply, ReplyKind};

/// `00` + hex(md5(0x00 ‖ password ‖ challenge)), the pre-6.43 login response.
pub fn challenge_response(password: &str, challenge_hex: &str) -> Result<String> {
    let challenge = hex::decode(challenge_hex)
        .map_err(|_| Error::Protocol("login challenge is not hex".into()))?;
    let mut h = Md5::new();
    h.update([0u8]);
    h.update(password.as_bytes());
    h.update(&challenge);
    Ok(format!("00{}", hex::encode(h.finalize())))
}

/// Reads replies until `!done`; returns its attributes, or the refusal as `Error::Auth`.
async fn exchange(
    io: &mut dyn AsyncIo,
    dec: &mut Decoder,
    words: &[String],
) -> Result<crate::proto::Row> {
    io.write_all(&encode_sentence(words)).await?;
    io.flush().await?;
    let mut trap: Option<String> = None;
    let mut buf = vec![0u8; 4096];
    loop {
        while let Some(s) = dec.next_sentence()? {
            let r = Reply::parse(s)?;
            match r.kind {
                ReplyKind::Trap => {
                    trap = Some(r.attrs.get("message").unwrap_or("login refused").to_owned());
                }
                ReplyKind::Fatal => {
                    return Err(Error::Auth(
                        r.message.unwrap_or_else(|| "login refused".into()),
                    ));
                }
                ReplyKind::Done => {
                    return match trap {
                        Some(m) => Err(Error::Auth(m)),
                        None => Ok(r.attrs),
                    };
                }
                ReplyKind::Re | ReplyKind::Empty => {}
            }
        }
        let n = io.read(&mut buf).await?;
        if n == 0 {
            // Old routers close the socket on a bad password instead of trapping.
            return Err(match trap {
                Some(m) => Error::Auth(m),
                None => Error::ConnectionLost,
            });
        }
        dec.extend(&buf[..n]);
    }
}

/// Logs in with the configured method.
pub(crate) async fn login(
    io: &mut dyn AsyncIo,
    dec: &mut Decoder,
    opts: &ConnectOptions,
) -> Result<()> {
    let name = format!("=name={}", opts.username);
    let challenge = match opts.login {
        LoginMethod::Challenge => {
            let done = exchange(io, dec, &["/login".to_owned()]).await?;
            done.get("ret").map(str::to_owned)
        }
        LoginMethod::Plain | LoginMethod::Auto => {
            let words = [
                "/login".to_owned(),
                name.clone(),
                format!("=password={}", opts.password.expose()),
            ];
            let done = exchange(io, dec, &words).await?;
            // A pre-6.43 router ignores the credentials and answers with a challenge.
            match (opts.login, done.get("ret")) {
                (LoginMethod::Auto, Some(ret)) => Some(ret.to_owned()),
                (_, Some(_)) => {
                    return Err(Error::Auth(
                        "router requires the legacy challenge login (RouterOS < 6.43)".into(),
                    ));
                }
                _ => None,
            }
        }
    };
    if let Some(ch) = challenge {
        let words = [
            "/login".to_owned(),
            name,
            format!(
                "=response={}",
                challenge_response(opts.password.expose(), &ch)?
            ),
        ];
        exchange(io, dec, &words).await?;
    } else if opts.login == LoginMethod::Challenge {
        return Err(Error::Protocol("router sent no login challenge".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_response_matches_the_documented_algorithm() {
        // Vector computed independently: md5(b"\x00" + b"secret" + bytes.fromhex("0123456789abcdef")).
        let r = challenge_response("secret", "0123456789abcdef").map_err(|e| e.to_string());
        assert_eq!(r.as_deref(), Ok("00dd0f78b68041388e9838a3644c1a8a7c"));
        assert!(challenge_response("secret", "zz").is_err());
    }
}
