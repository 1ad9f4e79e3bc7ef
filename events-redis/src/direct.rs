//! The publisher's own connection to one server over plain TCP: a batch's `XADD` commands
//! are written into one reused buffer and sent part by part as they are encoded, and the
//! replies (an entry id or an error each) are read in place from one reused buffer,
//! waited for by polling the socket before parking ([`crate::Publisher::busy_poll`]). No
//! task hand-off, no `redis::Value` per reply.
//!
//! [`crate::Publisher::publish_batch`] uses it when the server is a single one reached over
//! plain TCP and no other batch holds it; TLS, Unix sockets, clusters and concurrent
//! batches go through the redis crate's multiplexed connection. `AUTH` (with the user
//! name when the URL has one) and `SELECT` of the URL's db are sent on connecting.

use std::io::Read;
use std::time::{Duration, Instant};

use redis::{ConnectionAddr, ConnectionInfo, ErrorKind, RedisError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One reply: an entry id (or `OK`), or the server's error for that command.
pub(crate) type Reply = Result<String, RedisError>;

/// A connection of the publisher's own (see the module docs).
#[derive(Debug)]
pub(crate) struct Direct {
    stream: TcpStream,
    /// The commands of the part being sent.
    out: Vec<u8>,
    /// Bytes read, of which `buf[start..end]` are not parsed yet.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// How long a wait for replies polls the socket before parking (see
    /// [`crate::Publisher::busy_poll`]); `None`: never.
    busy_poll: Option<Duration>,
    /// How long the last wait for bytes took: a server slower than the budget is not
    /// polled for (the CPU would be spent for nothing) until it answers within it again.
    last_wait: Duration,
}

/// How long a busy poll runs before it lets the runtime's other tasks have a turn.
const POLL_SLICE: Duration = Duration::from_micros(50);

/// Spin-loop hints between two reads of a busy poll.
const POLL_PAUSES: usize = 50;

impl Direct {
    /// Whether the server at `info` can be reached this way (plain TCP).
    pub(crate) fn supports(info: &ConnectionInfo) -> bool {
        matches!(info.addr(), ConnectionAddr::Tcp(..))
    }

    /// Connects, authenticates and selects the URL's db, within `timeout`.
    pub(crate) async fn connect(
        info: &ConnectionInfo,
        timeout: Duration,
        busy_poll: Option<Duration>,
    ) -> Result<Self, RedisError> {
        let ConnectionAddr::Tcp(host, port) = info.addr() else {
            return Err(RedisError::from((
                ErrorKind::InvalidClientConfig,
                "the publisher's own connection is plain TCP only",
            )));
        };
        let stream = tokio::time::timeout(timeout, TcpStream::connect((host.as_str(), *port)))
            .await
            .map_err(|_| {
                RedisError::from(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no connection to {host}:{port} within {timeout:?}"),
                ))
            })??;
        stream.set_nodelay(true)?;
        let mut direct = Direct {
            stream,
            out: Vec::with_capacity(16 << 10),
            buf: vec![0; 16 << 10],
            start: 0,
            end: 0,
            busy_poll,
            last_wait: Duration::ZERO,
        };
        let settings = info.redis_settings();
        if let Some(password) = settings.password() {
            let mut auth = redis::cmd("AUTH");
            if let Some(user) = settings.username() {
                auth.arg(user);
            }
            auth.arg(password);
            direct.call(&auth).await?;
        }
        if settings.db() != 0 {
            direct.call(redis::cmd("SELECT").arg(settings.db())).await?;
        }
        Ok(direct)
    }

    /// Whether the connection can take a batch: the server has not closed it (or reset
    /// it) since the last batch, and nothing is waiting unread. A server restarted in the
    /// meantime closed it: that batch goes on a new connection rather than failing.
    /// (Asked of the socket itself: a read ahead of the reactor's readiness would say
    /// "nothing yet" for a close that has already arrived.)
    pub(crate) fn is_alive(&self) -> bool {
        let mut probe = [std::mem::MaybeUninit::<u8>::uninit()];
        self.start == self.end
            && matches!(
                socket2::SockRef::from(&self.stream).peek(&mut probe),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock
            )
    }

    /// One command and its reply; the server's error is this call's error.
    async fn call(&mut self, cmd: &redis::Cmd) -> Result<String, RedisError> {
        self.out.clear();
        cmd.write_packed_command(&mut self.out);
        self.stream.write_all(&self.out).await?;
        self.reply().await?
    }

    /// Sends the commands of `parts` in turn, each part in one write as soon as it is
    /// encoded (Redis works on the first while the next is encoded), then reads one reply
    /// per command sent. `encode` writes the command of an event into the buffer and says
    /// whether it did (an event that does not encode is the caller's to report). The
    /// events sent are pushed to `sent`, their replies to `replies`, in order.
    ///
    /// An error is the connection's (I/O, or a reply that is not one): the events in
    /// `sent` past `replies.len()` have no reply, and the connection is not to be reused.
    pub(crate) async fn send<'p>(
        &mut self,
        parts: impl Iterator<Item = &'p [usize]>,
        mut encode: impl FnMut(usize, &mut Vec<u8>) -> bool,
        sent: &mut Vec<usize>,
        replies: &mut Vec<Reply>,
    ) -> Result<(), RedisError> {
        for part in parts {
            self.out.clear();
            for &i in part {
                if encode(i, &mut self.out) {
                    sent.push(i);
                }
            }
            if !self.out.is_empty() {
                self.stream.write_all(&self.out).await?;
            }
        }
        while replies.len() < sent.len() {
            replies.push(self.reply().await?);
        }
        Ok(())
    }

    /// The next reply, read as far as needed.
    async fn reply(&mut self) -> Result<Reply, RedisError> {
        loop {
            if let Some((reply, used)) = parse(&self.buf[self.start..self.end])? {
                self.start += used;
                return Ok(reply);
            }
            if self.start == self.end {
                (self.start, self.end) = (0, 0);
            } else if self.end == self.buf.len() {
                // Keep the partial reply at the front, and make room for the rest of it.
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
                if self.end == self.buf.len() {
                    self.buf.resize(self.buf.len() * 2, 0);
                }
            }
            let n = self.read_more().await?;
            if n == 0 {
                return Err(RedisError::from(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the server closed the connection",
                )));
            }
            self.end += n;
        }
    }

    /// Reads what the server has sent into `buf[end..]`, waiting for it: first by polling
    /// the socket for up to the busy-poll budget (with a turn for the runtime's other
    /// tasks every [`POLL_SLICE`]), then by parking until the reactor sees it readable.
    ///
    /// Why poll: on a virtual machine whose idle vCPUs halt, a thread parked in the
    /// reactor wakes tens of microseconds after the reply lands, once per batch.
    async fn read_more(&mut self) -> std::io::Result<usize> {
        let started = Instant::now();
        if let Some(budget) = self.busy_poll.filter(|b| self.last_wait <= *b) {
            let mut slice = started;
            loop {
                // The socket is non-blocking (tokio's): an empty one says WouldBlock.
                match (&*socket2::SockRef::from(&self.stream)).read(&mut self.buf[self.end..]) {
                    Ok(n) => {
                        self.last_wait = started.elapsed();
                        return Ok(n);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
                let now = Instant::now();
                if now - started >= budget {
                    break;
                }
                if now - slice >= POLL_SLICE {
                    tokio::task::yield_now().await;
                    slice = Instant::now();
                } else {
                    // About a microsecond between reads: fewer system calls, and less
                    // contention for the socket with the data arriving on it.
                    for _ in 0..POLL_PAUSES {
                        std::hint::spin_loop();
                    }
                }
            }
        }
        let n = self.stream.read(&mut self.buf[self.end..]).await?;
        self.last_wait = started.elapsed();
        Ok(n)
    }
}

/// A bulk string's length: decimal digits, or `-` and digits (a nil reply); at most 18
/// digits, so that it fits an `i64`.
fn bulk_len(line: &[u8]) -> Option<i64> {
    let (negative, digits) = match line.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, line),
    };
    if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = digits
        .iter()
        .fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
    Some(if negative { -n } else { n })
}

/// The first reply in `bytes` and its length, `None` when it is not all there yet. A
/// bulk or simple string is the command's result, an error reply its error; anything
/// else is not what `XADD`, `AUTH` or `SELECT` answer: a protocol error.
fn parse(bytes: &[u8]) -> Result<Option<(Reply, usize)>, RedisError> {
    let Some(nl) = memchr::memchr(b'\n', bytes) else {
        return Ok(None);
    };
    let protocol = |what: &str| {
        RedisError::from((
            ErrorKind::Parse,
            "unexpected reply",
            format!(
                "{what}: {:?}",
                String::from_utf8_lossy(&bytes[..nl.min(80)])
            ),
        ))
    };
    // A type byte, then CRLF at the earliest.
    if nl < 2 || bytes[nl - 1] != b'\r' {
        return Err(protocol("a line not ended by CRLF"));
    }
    let line = &bytes[1..nl - 1];
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|_| protocol("not UTF-8"));
    match bytes[0] {
        b'$' => {
            let len =
                bulk_len(line).ok_or_else(|| protocol("a bulk length that is not a number"))?;
            if len < 0 {
                return Ok(Some((
                    Err(RedisError::from((
                        ErrorKind::UnexpectedReturnType,
                        "no entry id (nil reply)",
                    ))),
                    nl + 1,
                )));
            }
            // Redis caps a bulk string at 512 MB (`proto-max-bulk-len`).
            if len > 512 << 20 {
                return Err(protocol("a bulk length over 512 MB"));
            }
            let end = nl + 1 + len as usize;
            if bytes.len() < end + 2 {
                return Ok(None);
            }
            if &bytes[end..end + 2] != b"\r\n" {
                return Err(protocol("a bulk string not ended by CRLF"));
            }
            Ok(Some((Ok(text(&bytes[nl + 1..end])?), end + 2)))
        }
        b'+' => Ok(Some((Ok(text(line)?), nl + 1))),
        b'-' => {
            // The redis crate reads the error (its code and kind), as it would have.
            let error =
                match redis::parse_redis_value(&bytes[..=nl]).map(redis::Value::extract_error) {
                    Ok(Err(e)) => e,
                    _ => return Err(protocol("an error reply that does not read")),
                };
            Ok(Some((Err(error), nl + 1)))
        }
        _ => Err(protocol("not a reply to XADD")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_read_whole_or_not_at_all() {
        let (r, used) = parse(b"$15\r\n1734825600000-0\r\n$3").unwrap().unwrap();
        assert_eq!(r.unwrap(), "1734825600000-0");
        assert_eq!(used, 22);
        for partial in [
            &b""[..],
            b"$15",
            b"$15\r\n1734825600000-0",
            b"$15\r\n1734825600000-0\r",
        ] {
            assert!(parse(partial).unwrap().is_none(), "{partial:?}");
        }
        let (r, used) = parse(b"+OK\r\n").unwrap().unwrap();
        assert_eq!((r.unwrap().as_str(), used), ("OK", 5));
        let (r, _) =
            parse(b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")
                .unwrap()
                .unwrap();
        let e = r.unwrap_err();
        assert_eq!(e.code(), Some("WRONGTYPE"), "{e:?}");
        assert!(parse(b"$-1\r\n").unwrap().unwrap().0.is_err());
    }

    #[test]
    fn no_input_makes_it_panic() {
        // Every prefix of real replies, and bytes from a fixed-seed generator.
        let real: &[u8] = b"$15\r\n1734825600000-0\r\n+OK\r\n-ERR x\r\n$-1\r\n$0\r\n\r\n";
        for end in 0..=real.len() {
            for start in 0..end {
                let _ = parse(&real[start..end]);
            }
        }
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            let len = (state % 24) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    b"$+-:*\r\n0123456789-ab"[(state % 20) as usize]
                })
                .collect();
            let _ = parse(&bytes);
        }
    }

    #[test]
    fn what_is_not_a_reply_is_a_protocol_error() {
        for bad in [
            &b":1\r\n"[..],
            b"$x\r\n",
            b"$9223372036854775807\r\n",
            b"$-\r\n",
            b"$+5\r\n",
            b"$1-\r\n",
            b"$2\r\nabcd\r\n",
            b"$1\n",
            b"\r\n",
            b"*1\r\n",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
