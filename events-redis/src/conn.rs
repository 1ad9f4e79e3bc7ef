//! Connections: one Redis server or a Redis Cluster behind the same handle, with the
//! timeouts each use needs (a blocking read must outlive its BLOCK).

use std::time::Duration;

use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, ErrorKind, Pipeline, RedisError, RedisFuture, RedisResult, Value};

/// Where Redis is: one server (`redis://host:port/db`) or the seed nodes of a cluster.
///
/// ```
/// let single = events_redis::Redis::open("redis://127.0.0.1:6379/2").unwrap();
/// let cluster = events_redis::Redis::cluster(["redis://127.0.0.1:7000", "redis://127.0.0.1:7001"]).unwrap();
/// # let _ = (single, cluster);
/// ```
#[derive(Debug, Clone)]
pub struct Redis {
    target: Target,
    connect_timeout: Duration,
}

#[derive(Debug, Clone)]
enum Target {
    Single(redis::Client),
    Cluster(Vec<redis::ConnectionInfo>),
}

impl Redis {
    /// One server; the db index in the URL is honoured.
    pub fn open(url: &str) -> RedisResult<Self> {
        Ok(Self {
            target: Target::Single(redis::Client::open(url)?),
            connect_timeout: Duration::from_secs(2),
        })
    }

    /// A Redis Cluster, from any of its nodes.
    pub fn cluster<I: IntoIterator<Item = S>, S: AsRef<str>>(nodes: I) -> RedisResult<Self> {
        let nodes = nodes
            .into_iter()
            .map(|n| redis::IntoConnectionInfo::into_connection_info(n.as_ref()))
            .collect::<RedisResult<Vec<_>>>()?;
        if nodes.is_empty() {
            return Err(RedisError::from((
                ErrorKind::InvalidClientConfig,
                "a cluster needs at least one node",
            )));
        }
        Ok(Self {
            target: Target::Cluster(nodes),
            connect_timeout: Duration::from_secs(2),
        })
    }

    /// A `redis://` URL, or several separated by commas for a cluster.
    pub fn from_urls(urls: &str) -> RedisResult<Self> {
        let nodes: Vec<&str> = urls.split(',').map(str::trim).collect();
        if nodes.len() > 1 {
            Self::cluster(nodes)
        } else {
            Self::open(urls)
        }
    }

    /// How long to wait for a connection to be established (default 2 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// The server of a single-server target, and how long connecting to it may take.
    pub(crate) fn single(&self) -> Option<(&redis::ConnectionInfo, Duration)> {
        match &self.target {
            Target::Single(client) => Some((client.get_connection_info(), self.connect_timeout)),
            Target::Cluster(_) => None,
        }
    }

    /// Whether this is a cluster.
    pub fn is_cluster(&self) -> bool {
        matches!(self.target, Target::Cluster(_))
    }

    /// A new multiplexed connection whose commands time out after `response_timeout`.
    pub async fn connect(&self, response_timeout: Duration) -> RedisResult<Conn> {
        match &self.target {
            Target::Single(client) => {
                let cfg = redis::AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(self.connect_timeout))
                    .set_response_timeout(Some(response_timeout));
                let c = client
                    .get_multiplexed_async_connection_with_config(&cfg)
                    .await?;
                Ok(Conn(Inner::Single(c)))
            }
            Target::Cluster(nodes) => {
                let client = redis::cluster::ClusterClient::builder(nodes.clone())
                    .connection_timeout(self.connect_timeout)
                    .response_timeout(response_timeout)
                    .retries(2)
                    .build()?;
                let c = client.get_async_connection().await?;
                Ok(Conn(Inner::Cluster(c)))
            }
        }
    }
}

/// A connection to a server or a cluster; cheap to clone (clones share the socket).
#[derive(Clone)]
pub struct Conn(Inner);

#[derive(Clone)]
enum Inner {
    Single(MultiplexedConnection),
    Cluster(ClusterConnection),
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            Inner::Single(_) => "Conn(single)",
            Inner::Cluster(_) => "Conn(cluster)",
        })
    }
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match &mut self.0 {
            Inner::Single(c) => c.req_packed_command(cmd),
            Inner::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match &mut self.0 {
            Inner::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Inner::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match &self.0 {
            Inner::Single(c) => c.get_db(),
            Inner::Cluster(c) => c.get_db(),
        }
    }
}

/// Whether the connection is to be thrown away and made again after `e`.
pub(crate) fn is_connection_error(e: &RedisError) -> bool {
    e.is_io_error()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_timeout()
        || e.is_unrecoverable_error()
        || matches!(e.kind(), ErrorKind::ClusterConnectionNotFound)
}

/// The server's error code (`BUSYGROUP`, `NOGROUP`), read from the error, never from its text.
pub(crate) fn error_code(e: &RedisError) -> Option<&str> {
    e.code()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_password() {
        for url in [
            "redis://user:hunter2@127.0.0.1:6379/1",
            "redis://:hunter2@127.0.0.1:6379",
            "redis://a:hunter2@127.0.0.1:7000,redis://b:hunter2@127.0.0.1:7001",
        ] {
            let redis = Redis::from_urls(url).unwrap();
            let shown = format!("{redis:?}");
            assert!(!shown.contains("hunter2"), "{shown}");
        }
        // A URL that does not parse: the error does not quote it.
        let e = Redis::from_urls("redis://u:hunter2@host:notaport").unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(!format!("{e:?}").contains("hunter2"), "{e:?}");
    }
}
