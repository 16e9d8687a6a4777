//! `onshi terminal`: the folder exchange of a 資格確認端末, for レセコン that talk to a real
//! terminal by files (`domain-reference.md` §3.1, `docs/onshi-xml.md` §5).
//!
//! The レセコン writes a request into `DIR/req`; this loop sends it to the server
//! (`POST /onshi/<kind>` with the institution's bearer token) and writes the answer into
//! `DIR/res` under the request's name with `req_` → `res_`, then moves the request to
//! `DIR/done`. Requests are handled in name order, each once: the answer is written before
//! the request is moved, and a request resent after a crash between the two is the same
//! verification on the server (idempotent by content). A file still being written (changed
//! within the settle time) waits for the next pass; a server that cannot be reached is
//! retried until `give_up`, then answered with an error result so the レセコン is not left
//! waiting. Plain HTTP only: put TLS in front (a reverse proxy on the LAN or LGWAN side).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context as _;
use axum::body::Bytes;
use axum::http::{header, Request, StatusCode};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_util::rt::TokioIo;

use domain::numbers::InstitutionCode;
use domain::onshi_xml::{
    self, read::decode, ErrorKind, Exchange, ProcessingError, ResultContext, XmlEncoding,
    MAX_REQUEST_BYTES,
};

/// Largest answer accepted from the server (a big hospital's 一括照会).
const MAX_ANSWER_BYTES: usize = 256 * 1024 * 1024;

/// Where the server is: `http://host[:port][/base]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerUrl {
    host: String,
    port: u16,
    /// `host:port` as sent in `Host`.
    authority: String,
    /// Path prefix without a trailing slash ("" for none).
    base: String,
}

impl ServerUrl {
    pub fn parse(url: &str) -> anyhow::Result<ServerUrl> {
        let url = url.trim();
        if url.starts_with("https://") {
            anyhow::bail!("--server: https には対応していません。http:// の URL を指定し、TLS は手前のリバースプロキシで終端してください");
        }
        let rest = url
            .strip_prefix("http://")
            .context("--server: http://ホスト名:ポート の形で指定してください")?;
        let (authority, base) = rest.split_once('/').unwrap_or((rest, ""));
        let (host, port) = match authority.strip_prefix('[') {
            Some(v6) => {
                let (host, after) = v6
                    .split_once(']')
                    .context("--server: IPv6 アドレスの ] がありません")?;
                (host.to_string(), after.strip_prefix(':'))
            }
            None => match authority.rsplit_once(':') {
                Some((host, port)) => (host.to_string(), Some(port)),
                None => (authority.to_string(), None),
            },
        };
        let port = match port {
            Some(p) => p
                .parse()
                .with_context(|| format!("--server: ポート番号「{p}」が正しくありません"))?,
            None => 80,
        };
        if host.is_empty() {
            anyhow::bail!("--server: ホスト名がありません");
        }
        Ok(ServerUrl {
            host,
            port,
            authority: authority.to_string(),
            base: match base.trim_matches('/') {
                "" => String::new(),
                path => format!("/{path}"),
            },
        })
    }
}

pub struct Config {
    pub institution: InstitutionCode,
    pub dir: PathBuf,
    pub server: ServerUrl,
    pub token: String,
    /// A file changed more recently than this is still being written.
    pub settle: Duration,
    /// How long to retry a request while the server cannot be reached.
    pub give_up: Duration,
    /// Per request (connect, send, answer).
    pub timeout: Duration,
}

/// What one pass did with one request file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    pub request: String,
    pub result: String,
    /// HTTP status of the server's answer; `None` for an answer written here (unsupported
    /// file, too large, server unreachable).
    pub status: Option<u16>,
}

pub struct Terminal {
    config: Config,
    /// When each request first failed to reach the server.
    failing_since: HashMap<String, Instant>,
}

impl Terminal {
    /// Check the folders (`req`, `res` and `done` are created when missing).
    pub fn new(config: Config) -> anyhow::Result<Terminal> {
        for sub in ["req", "res", "done"] {
            let path = config.dir.join(sub);
            std::fs::create_dir_all(&path)
                .with_context(|| format!("フォルダー {} を作成できません", path.display()))?;
        }
        Ok(Terminal {
            config,
            failing_since: HashMap::new(),
        })
    }

    /// Poll `DIR/req` every `interval` until Ctrl-C.
    pub async fn run(mut self, interval: Duration) -> anyhow::Result<()> {
        tracing::info!(
            "資格確認端末フォルダー連携を開始しました: {}（医療機関コード {}、サーバー {}）",
            self.config.dir.display(),
            self.config.institution.as_str(),
            self.config.server.authority
        );
        loop {
            match self.run_once().await {
                Ok(handled) => {
                    for handled in handled {
                        tracing::info!(
                            "{} → {}（{}）",
                            handled.request,
                            handled.result,
                            handled
                                .status
                                .map_or("端末で応答".to_string(), |s| format!("HTTP {s}"))
                        );
                    }
                }
                // A folder that cannot be read or written now (a share reconnecting, a full
                // disk): say so and try again at the next pass.
                Err(e) => tracing::error!("フォルダー連携でエラーが発生しました: {e:#}"),
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = tokio::signal::ctrl_c() => return Ok(()),
            }
        }
    }

    /// One pass over `DIR/req`: every settled request file, in name order.
    pub async fn run_once(&mut self) -> anyhow::Result<Vec<Handled>> {
        let req = self.config.dir.join("req");
        let mut names: Vec<String> = std::fs::read_dir(&req)
            .with_context(|| format!("{} を読めません", req.display()))?
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.contains("req_") && !n.starts_with('.'))
            .filter(|n| n.to_ascii_lowercase().ends_with(".xml"))
            .collect();
        names.sort();
        let mut handled = Vec::new();
        for name in names {
            if let Some(done) = self.handle(&name).await? {
                handled.push(done);
            }
        }
        Ok(handled)
    }

    /// `None`: left in `req` for a later pass (still being written, or server unreachable).
    async fn handle(&mut self, name: &str) -> anyhow::Result<Option<Handled>> {
        let path = self.config.dir.join("req").join(name);
        let Ok(metadata) = std::fs::metadata(&path) else {
            return Ok(None); // taken away meanwhile
        };
        let age = metadata
            .modified()
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .unwrap_or_default();
        if age < self.config.settle {
            return Ok(None);
        }
        let Some(result) = Exchange::result_file_name(name) else {
            return Ok(None);
        };
        let exchange = Exchange::from_file_name(name);
        let answer = match exchange {
            None => Some(self.local_error(
                None,
                Exchange::Qualification,
                ErrorKind::UnsupportedExchange,
                format!(
                    "この種類の要求ファイル（{name}）には対応していません。対応しているのは {} です。",
                    Exchange::ALL.map(|e| format!("{}_*.xml", e.request_kind())).join("、")
                ),
            )),
            Some(exchange) if metadata.len() > MAX_REQUEST_BYTES as u64 => Some(self.local_error(
                None,
                exchange,
                ErrorKind::TooLarge,
                format!("要求ファイルが大きすぎます（{}バイト以内）。", MAX_REQUEST_BYTES),
            )),
            Some(exchange) => {
                let bytes = std::fs::read(&path)
                    .with_context(|| format!("{} を読めません", path.display()))?;
                match self.send(exchange, bytes.clone()).await {
                    Ok(answer) => {
                        self.failing_since.remove(name);
                        Some(answer)
                    }
                    Err(e) => {
                        let since = *self
                            .failing_since
                            .entry(name.to_string())
                            .or_insert_with(Instant::now);
                        if since.elapsed() < self.config.give_up {
                            tracing::warn!("{name}: サーバーに送れません（再試行します）: {e:#}");
                            None
                        } else {
                            self.failing_since.remove(name);
                            tracing::error!("{name}: サーバーに送れませんでした: {e:#}");
                            Some(self.local_error(
                                Some(&bytes),
                                exchange,
                                ErrorKind::Unreachable,
                                "資格確認のサーバーに接続できません。しばらくしてから、もう一度照会してください。".into(),
                            ))
                        }
                    }
                }
            }
        };
        let Some((status, bytes)) = answer else {
            return Ok(None);
        };
        write_atomically(&self.config.dir.join("res"), &result, &bytes)?;
        move_to_done(&self.config.dir, name)?;
        Ok(Some(Handled {
            request: name.to_string(),
            result,
            status,
        }))
    }

    /// POST the request; the answer if it is an onshi result (any HTTP status), else an error.
    async fn send(
        &self,
        exchange: Exchange,
        bytes: Vec<u8>,
    ) -> anyhow::Result<(Option<u16>, Vec<u8>)> {
        let server = &self.config.server;
        let timeout = self.config.timeout;
        let stream = tokio::time::timeout(
            timeout,
            tokio::net::TcpStream::connect((server.host.as_str(), server.port)),
        )
        .await
        .context("接続がタイムアウトしました")??;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        let driver = tokio::spawn(connection);
        let request = Request::builder()
            .method("POST")
            .uri(format!("{}{}", server.base, exchange.path()))
            .header(header::HOST, &server.authority)
            .header(header::CONTENT_TYPE, "application/xml")
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", self.config.token),
            )
            .body(Full::new(Bytes::from(bytes)))?;
        let answered = tokio::time::timeout(timeout, async {
            let response = sender.send_request(request).await?;
            let status = response.status();
            let is_xml = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/xml"));
            let body = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
                .collect()
                .await
                .map_err(|e| anyhow::anyhow!("応答を読めません: {e}"))?
                .to_bytes();
            anyhow::Ok((status, is_xml, body))
        })
        .await
        .context("応答がタイムアウトしました");
        driver.abort();
        let (status, is_xml, body) = answered??;
        if !is_xml {
            anyhow::bail!(
                "サーバーの応答が onshi の結果XMLではありません（HTTP {status}）。--server の URL を確認してください"
            );
        }
        if status == StatusCode::UNAUTHORIZED {
            tracing::error!("トークンが受け付けられませんでした。onshi institution-token で発行したトークンを指定してください");
        }
        Ok((Some(status.as_u16()), body.to_vec()))
    }

    /// An error result written by the terminal itself, in the request's encoding when it
    /// can be told (else Shift_JIS, what レセコン read by default).
    fn local_error(
        &self,
        request: Option<&[u8]>,
        exchange: Exchange,
        kind: ErrorKind,
        message: String,
    ) -> (Option<u16>, Vec<u8>) {
        let encoding = request.map_or(XmlEncoding::ShiftJis, |bytes| match decode(bytes) {
            Ok((_, encoding)) | Err((_, encoding)) => encoding,
        });
        let context = ResultContext {
            executed_at: chrono::Utc::now(),
            institution_code: Some(self.config.institution.as_str().to_string()),
            arbitrary_file_identifier: None,
            encoding,
        };
        let error = ProcessingError::new(kind, message);
        (None, onshi_xml::error_result(&context, exchange, &error))
    }
}

/// `onshi terminal`: build the configuration from the command line and run (or pass once).
#[allow(clippy::too_many_arguments)]
pub async fn run_cli(
    institution: &str,
    dir: &Path,
    server: &str,
    token: Option<&str>,
    token_file: Option<&Path>,
    interval: Duration,
    give_up: Duration,
    once: bool,
) -> anyhow::Result<std::process::ExitCode> {
    let institution = InstitutionCode::parse(institution)
        .map_err(|e| anyhow::anyhow!("--institution 医療機関コード: {}", e.message()))?;
    let token = match (token, token_file) {
        (Some(token), _) => token.trim().to_string(),
        (None, Some(file)) => std::fs::read_to_string(file)
            .with_context(|| format!("--token-file {} を読めません", file.display()))?
            .trim()
            .to_string(),
        (None, None) => String::new(),
    };
    if token.is_empty() {
        anyhow::bail!("トークンを --token、--token-file または環境変数 ONSHI_TOKEN で指定してください（onshi institution-token で発行します）");
    }
    let mut terminal = Terminal::new(Config {
        institution,
        dir: dir.to_path_buf(),
        server: ServerUrl::parse(server)?,
        token,
        settle: Duration::from_millis(300),
        give_up,
        timeout: Duration::from_secs(60),
    })?;
    if once {
        for handled in terminal.run_once().await? {
            println!("{} → {}", handled.request, handled.result);
        }
        return Ok(std::process::ExitCode::SUCCESS);
    }
    terminal.run(interval).await?;
    Ok(std::process::ExitCode::SUCCESS)
}

/// Write `DIR/name` through a hidden temporary file and a rename, so the レセコン never
/// reads half an answer.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let temporary = dir.join(format!(".{name}.tmp"));
    let target = dir.join(name);
    std::fs::write(&temporary, bytes)
        .with_context(|| format!("{} に書き込めません", temporary.display()))?;
    std::fs::rename(&temporary, &target)
        .with_context(|| format!("{} を作成できません", target.display()))?;
    Ok(())
}

/// Move `DIR/req/name` to `DIR/done/name` (`name.1`, `name.2` … when a request of the same
/// name was handled before).
fn move_to_done(dir: &Path, name: &str) -> anyhow::Result<()> {
    let from = dir.join("req").join(name);
    let done = dir.join("done");
    let mut to = done.join(name);
    let mut n = 1;
    while to.exists() {
        to = done.join(format!("{name}.{n}"));
        n += 1;
    }
    std::fs::rename(&from, &to)
        .with_context(|| format!("{} を {} に移動できません", from.display(), to.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_server_urls() {
        let ok = |url: &str| ServerUrl::parse(url).map(|s| (s.host, s.port, s.authority, s.base));
        let s = |v: &str| v.to_string();
        assert_eq!(
            ok("http://127.0.0.1:8080").ok(),
            Some((s("127.0.0.1"), 8080, s("127.0.0.1:8080"), s("")))
        );
        assert_eq!(
            ok("http://onshi.example.lg.jp/fujo/").ok(),
            Some((
                s("onshi.example.lg.jp"),
                80,
                s("onshi.example.lg.jp"),
                s("/fujo")
            ))
        );
        assert_eq!(
            ok("http://[::1]:9000").ok(),
            Some((s("::1"), 9000, s("[::1]:9000"), s("")))
        );
        for bad in ["https://x", "x:80", "http://:80", "http://host:port"] {
            assert!(ServerUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
