//! The connection and what the server says about itself: version, query engine, SVS support,
//! cluster mode, memory. Every server error is turned into a sentence naming the cause.

use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use redis::{ErrorKind, RedisError, ServerErrorKind};
use serde::Serialize;

use super::reply::{info_fields, Reply};

/// Query engine module version from which SVS-VAMANA exists (8.2.0 = 80200).
pub const SVS_MIN_MODULE_VERSION: u64 = 80200;

/// A connection plus the redacted URL for messages.
pub struct Server {
    conn: redis::Connection,
    pub url: String,
}

/// Hides the password in `redis://user:pass@host`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.rsplit_once('@') {
        Some((auth, host)) => match auth.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => format!("{scheme}://***@{host}"),
        },
        None => url.to_string(),
    }
}

impl Server {
    /// Connects; a username/password absent from the URL comes from REDIS_USERNAME /
    /// REDIS_PASSWORD.
    pub fn connect(url: &str, timeout: Duration) -> Result<Server> {
        // rustls needs a process-wide crypto provider for rediss://; a second install is a no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let shown = redact(url);
        let mut info: redis::ConnectionInfo = redis::IntoConnectionInfo::into_connection_info(url)
            .map_err(|e| anyhow!("invalid Redis URL {shown}: {e}"))?;
        let mut settings = info.redis_settings().clone();
        if settings.username().is_none() {
            if let Ok(user) = std::env::var("REDIS_USERNAME") {
                settings = settings.set_username(user);
            }
        }
        if settings.password().is_none() {
            if let Ok(pass) = std::env::var("REDIS_PASSWORD") {
                settings = settings.set_password(pass);
            }
        }
        info = info.set_redis_settings(settings);
        let client = redis::Client::open(info).map_err(|e| anyhow!("{shown}: {e}"))?;
        let conn = client
            .get_connection_with_timeout(timeout)
            .map_err(|e| describe(&e, &shown, "connect"))?;
        conn.set_read_timeout(Some(timeout * 6))
            .and_then(|()| conn.set_write_timeout(Some(timeout)))
            .map_err(|e| describe(&e, &shown, "connect"))?;
        let mut server = Server { conn, url: shown };
        server.call(&redis::cmd("PING"), "PING")?;
        Ok(server)
    }

    /// Runs a command; `what` names it in the error.
    pub fn call(&mut self, cmd: &redis::Cmd, what: &str) -> Result<Reply> {
        self.call_raw(cmd)
            .map_err(|e| describe(&e, &self.url, what))
    }

    /// Runs a command and keeps the redis error for callers that branch on it.
    pub fn call_raw(&mut self, cmd: &redis::Cmd) -> Result<Reply, RedisError> {
        cmd.query::<redis::Value>(&mut self.conn).map(Reply::from)
    }

    /// Runs a pipeline of read commands (no MULTI).
    pub fn pipeline(&mut self, pipe: &redis::Pipeline, what: &str) -> Result<Vec<Reply>> {
        let url = self.url.clone();
        pipe.query::<Vec<redis::Value>>(&mut self.conn)
            .map(|v| v.into_iter().map(Reply::from).collect())
            .map_err(|e| describe(&e, &url, what))
    }

    /// The text of `INFO <section>` as fields.
    pub fn info(&mut self, section: &str) -> Result<Vec<(String, String)>> {
        let reply = self.call(redis::cmd("INFO").arg(section), "INFO")?;
        let text = reply
            .text()
            .ok_or_else(|| anyhow!("INFO {section}: not a text reply"))?;
        Ok(info_fields(&text))
    }
}

/// True for an ACL refusal (NOPERM), however the client classified it.
pub fn is_noperm(e: &RedisError) -> bool {
    matches!(e.kind(), ErrorKind::Server(ServerErrorKind::NoPerm))
        || e.code() == Some("NOPERM")
        || e.to_string().contains("NOPERM")
}

/// One sentence per failure class: unreachable, authentication, ACL, cluster redirect.
pub fn describe(e: &RedisError, url: &str, what: &str) -> anyhow::Error {
    let text = e.to_string();
    if matches!(e.kind(), ErrorKind::AuthenticationFailed)
        || text.contains("WRONGPASS")
        || text.contains("NOAUTH")
        || text.contains("invalid username-password")
    {
        return anyhow!(
            "authentication failed at {url}: {text} (check the user and password in the URL or REDIS_USERNAME / REDIS_PASSWORD)"
        );
    }
    if is_noperm(e) {
        return anyhow!(
            "the ACL user at {url} may not run {what}: {text}. assess needs read access: INFO, MODULE LIST (optional), FT.INFO, FT.SEARCH, SCAN, HMGET or JSON.GET"
        );
    }
    if matches!(
        e.kind(),
        ErrorKind::Server(ServerErrorKind::Moved | ServerErrorKind::Ask)
    ) || text.starts_with("MOVED")
        || text.starts_with("ASK")
    {
        return anyhow!(
            "{what} at {url} was redirected ({text}): this is a Redis Cluster node; annlab assess reads a standalone server or a single-endpoint proxy only"
        );
    }
    if matches!(
        e.kind(),
        ErrorKind::Server(ServerErrorKind::ClusterDown | ServerErrorKind::CrossSlot)
    ) {
        return anyhow!("{what} at {url}: {text} (Redis Cluster is not supported by assess)");
    }
    if e.is_io_error() || e.is_connection_refusal() || e.is_timeout() {
        return anyhow!("cannot connect to {url} ({what}): {text}");
    }
    anyhow!("{what} at {url} failed: {text}")
}

/// What the server says about itself.
#[derive(Debug, Clone, Serialize)]
pub struct ServerFacts {
    pub redis_version: String,
    /// Name of the query-engine module (`search`, `searchlight`), if MODULE LIST showed it.
    pub search_module: Option<String>,
    /// MODULE LIST `ver` (e.g. 21005 = 2.10.5); `None` when it could not be read.
    pub search_module_version: Option<u64>,
    /// The same as text (2.10.5).
    pub search_version: Option<String>,
    /// `module list` or `probe (MODULE LIST refused)`.
    pub search_version_source: String,
    /// Whether FT.CREATE accepts SVS-VAMANA: query engine ≥ 8.2; `None` when unknown.
    pub svs_vamana_supported: Option<bool>,
    pub json_module_version: Option<u64>,
    pub cluster_enabled: bool,
    pub used_memory_bytes: Option<u64>,
    /// 0 means no limit.
    pub maxmemory_bytes: Option<u64>,
}

pub fn module_version_text(v: u64) -> String {
    format!("{}.{}.{}", v / 10000, (v / 100) % 100, v % 100)
}

fn version_at_least(text: &str, want: (u64, u64)) -> bool {
    let mut parts = text
        .split('.')
        .map(|p| p.trim().parse::<u64>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    (major, minor) >= want
}

/// `(name, ver)` of every module in a MODULE LIST reply (RESP2 or RESP3).
pub fn modules(reply: &Reply) -> Vec<(String, u64)> {
    reply
        .items()
        .unwrap_or(&[])
        .iter()
        .filter_map(|m| {
            let name = m.get("name")?.text()?;
            let ver = m.get("ver").and_then(Reply::as_u64).unwrap_or(0);
            Some((name, ver))
        })
        .collect()
}

pub fn read_facts(server: &mut Server) -> Result<ServerFacts> {
    let info = server.info("server")?;
    let field =
        |f: &[(String, String)], k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let redis_version = field(&info, "redis_version").unwrap_or_default();
    let mut facts = ServerFacts {
        redis_version,
        search_module: None,
        search_module_version: None,
        search_version: None,
        search_version_source: "module list".to_string(),
        svs_vamana_supported: None,
        json_module_version: None,
        cluster_enabled: false,
        used_memory_bytes: None,
        maxmemory_bytes: None,
    };
    // Checked first: on a cluster node SCAN and FT.SEARCH see only that node's slots.
    let cluster = server.info("cluster")?;
    facts.cluster_enabled = field(&cluster, "cluster_enabled").as_deref() == Some("1");
    if facts.cluster_enabled {
        bail!(
            "{} is a Redis Cluster node (INFO cluster: cluster_enabled:1): SCAN and FT.SEARCH on one node see only its slots, so annlab assess refuses cluster mode; point it at a standalone server or a single-endpoint proxy",
            server.url
        );
    }
    match server.call_raw(redis::cmd("MODULE").arg("LIST")) {
        Ok(reply) => {
            let list = modules(&reply);
            let search = list
                .iter()
                .filter(|(n, _)| {
                    matches!(
                        n.to_ascii_lowercase().as_str(),
                        "search" | "searchlight" | "ft"
                    )
                })
                .max_by_key(|(_, v)| *v);
            if let Some((name, ver)) = search {
                facts.search_module = Some(name.clone());
                facts.search_module_version = Some(*ver);
                facts.search_version = Some(module_version_text(*ver));
                facts.svs_vamana_supported = Some(*ver >= SVS_MIN_MODULE_VERSION);
            } else {
                bail!(
                    "{}: this server has no query engine (Redis {}; MODULE LIST shows no search module)",
                    server.url,
                    facts.redis_version
                );
            }
            facts.json_module_version = list
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("ReJSON"))
                .map(|(_, v)| *v);
        }
        Err(e) if is_noperm(&e) || e.to_string().contains("unknown command") => {
            // MODULE LIST blocked (ACLs, managed services): probe the query engine directly.
            facts.search_version_source = "probe (MODULE LIST refused)".to_string();
            if let Err(e) = server.call_raw(&redis::cmd("FT._LIST")) {
                if e.to_string()
                    .to_ascii_lowercase()
                    .contains("unknown command")
                {
                    bail!(
                        "{}: this server has no query engine (Redis {}; FT._LIST is an unknown command)",
                        server.url,
                        facts.redis_version
                    );
                }
            }
            // Without the module version, fall back to the Redis version as migrate.py does.
            if !version_at_least(&facts.redis_version, (8, 2)) {
                facts.svs_vamana_supported = Some(false);
            }
        }
        Err(e) => return Err(describe(&e, &server.url, "MODULE LIST")),
    }
    let memory = server.info("memory")?;
    facts.used_memory_bytes = field(&memory, "used_memory").and_then(|v| v.parse().ok());
    facts.maxmemory_bytes = field(&memory, "maxmemory").and_then(|v| v.parse().ok());
    Ok(facts)
}

/// HNSW runtime attributes that FT.INFO omits before 8.10, from `FT.DEBUG VECSIM_INFO` (the
/// backend block of a tiered index). Best effort: `None` when the command is refused.
pub fn vecsim_runtime(server: &mut Server, index: &str, field: &str) -> Option<(usize, f64)> {
    let reply = server
        .call_raw(
            redis::cmd("FT.DEBUG")
                .arg("VECSIM_INFO")
                .arg(index)
                .arg(field),
        )
        .ok()?;
    let find = |r: &Reply| {
        let ef = r.get("EF_RUNTIME").and_then(Reply::as_u64)?;
        let eps = r.get("EPSILON").and_then(Reply::as_f64)?;
        Some((usize::try_from(ef).ok()?, eps))
    };
    find(&reply).or_else(|| reply.get("BACKEND_INDEX").and_then(find))
}

/// FT.INFO of `index`, or a clear "no such index".
pub fn ft_info(server: &mut Server, index: &str) -> Result<Reply> {
    match server.call_raw(redis::cmd("FT.INFO").arg(index)) {
        Ok(r) => Ok(r),
        Err(e) => {
            // 2.10 answers `Unknown index name` (redis-rs splits it into code `Unknown`).
            let t = e.to_string().to_ascii_lowercase();
            if (t.contains("unknown") && t.contains("index name")) || t.contains("no such index") {
                bail!(
                    "{}: there is no index (or alias) named `{index}` (FT._LIST shows the indexes)",
                    server.url
                );
            }
            Err(describe(&e, &server.url, "FT.INFO")).context("cannot read the index definition")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("redis://u:secret@h:6379/0"),
            "redis://u:***@h:6379/0"
        );
        assert_eq!(redact("rediss://:secret@h"), "rediss://:***@h");
        assert_eq!(redact("redis://h:6379"), "redis://h:6379");
    }

    #[test]
    fn module_list_in_both_protocols() {
        let resp2 = Reply::Array(vec![Reply::Array(vec![
            Reply::s("name"),
            Reply::s("search"),
            Reply::s("ver"),
            Reply::Int(21005),
        ])]);
        let resp3 = Reply::Array(vec![Reply::Map(vec![
            (Reply::s("name"), Reply::s("search")),
            (Reply::s("ver"), Reply::Int(80213)),
        ])]);
        assert_eq!(modules(&resp2), [("search".to_string(), 21005)]);
        assert_eq!(modules(&resp3), [("search".to_string(), 80213)]);
        assert_eq!(module_version_text(21005), "2.10.5");
        assert_eq!(module_version_text(80213), "8.2.13");
    }

    #[test]
    fn versions_compare_by_major_minor() {
        assert!(version_at_least("8.2.0", (8, 2)));
        assert!(!version_at_least("7.4.1", (8, 2)));
        assert!(version_at_least("10.0", (8, 2)));
    }
}
