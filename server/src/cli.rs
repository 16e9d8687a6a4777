//! The `onshi` command line: `serve`, `seed`, `import`, `institution-token`, `user add`, `card issue`,
//! `daily-feed`, `screen`, `terminal`, `claims-check`, `claims-sample`.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use domain::api::Role;
use domain::numbers::{InstitutionCode, PublicPayerNumber, RecipientNumber};

use crate::db::Db;
use crate::imports::ImportKind;
use crate::keys::Keys;

#[derive(Parser)]
#[command(
    name = "onshi",
    version,
    about = "扶助オン資: 医療扶助のオンライン資格確認 — サーバーと運用コマンド"
)]
struct Cli {
    /// Data directory: the SQLite database and the keys (ca.key, data.key).
    #[arg(long, global = true, default_value = "./data", env = "ONSHI_DATA")]
    data: PathBuf,
    /// PostgreSQL URL (postgres://…); when unset, SQLite in the data directory.
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the app.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// The built app (Trunk's dist/). Not served when the directory does not exist.
        #[arg(long, default_value = "dist")]
        static_dir: PathBuf,
        /// Mark the session cookie Secure (when served behind TLS).
        #[arg(long)]
        secure_cookies: bool,
        /// Allow the app served from another origin (another LGWAN web server) to call this API
        /// with credentials, e.g. `--allow-origin https://app.example.lg.jp`. Repeatable.
        #[arg(long = "allow-origin")]
        allow_origins: Vec<String>,
        /// When to build the daily feed (yesterday's verifications for every office), JST `HH:MM`.
        #[arg(long, default_value = "06:00", value_parser = crate::feed::parse_feed_time)]
        feed_time: chrono::NaiveTime,
        /// Connections served at once; more wait to be accepted.
        #[arg(long, default_value_t = crate::http::listen::Limits::default().max_connections)]
        max_connections: usize,
        /// Seconds a connection may take to send a whole request head (also: idle keep-alive).
        #[arg(long, default_value_t = crate::http::listen::Limits::default().header_timeout.as_secs())]
        header_timeout_secs: u64,
        /// Seconds a request body may go without a byte arriving.
        #[arg(long, default_value_t = crate::http::listen::Limits::default().body_idle_timeout.as_secs())]
        body_timeout_secs: u64,
        /// Seconds a whole request body may take.
        #[arg(long, default_value_t = crate::http::listen::Limits::default().body_deadline.as_secs())]
        body_deadline_secs: u64,
    },
    /// Back up the SQLite database (online, consistent while the server serves) and the key
    /// files into a new directory. PostgreSQL: use pg_dump (the command says how).
    Backup {
        /// The directory to create (must not exist): onshi.sqlite3, data.key, ca.key, manifest.json.
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore a backup made by `onshi backup` into the data directory (stop the server first).
    Restore {
        /// The backup directory.
        #[arg(long)]
        from: PathBuf,
        /// Replace a data directory that is not empty (the previous one is kept, renamed).
        #[arg(long)]
        force: bool,
    },
    /// Load demo data (two offices, ~300 recipients, ~60 institutions, three months) or national-scale data.
    Seed {
        #[arg(long, value_enum)]
        profile: Profile,
        /// Do nothing (and succeed) when the database already holds data.
        #[arg(long)]
        if_empty: bool,
    },
    /// Import an exchange file (layouts: docs/file-layouts.md). UTF-8 or CP932. A file with any error writes nothing.
    Import {
        #[arg(value_enum)]
        kind: ImportKind,
        file: PathBuf,
        /// checkups, receipts: import the records whose recipient is found and list the others
        /// (default: a record whose recipient is not found is an error and nothing is written).
        #[arg(long)]
        skip_unmatched: bool,
    },
    /// Print a new bearer token for an institution's machine clients (レセコン, terminal folder exchange).
    InstitutionToken { institution_code: String },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Mock マイナンバーカード.
    Card {
        #[command(subcommand)]
        command: CardCommand,
    },
    /// Build the daily feed of a JST day (資格確認実績, every office); re-running replaces it.
    DailyFeed {
        /// The JST day, YYYY-MM-DD (default: yesterday).
        #[arg(long)]
        date: Option<String>,
        /// Also write each office's file DIR/<公費負担者番号>_<YYYYMMDD>.csv (verification-log layout).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Screen an office's month for 頻回受診 and 未委託受診 (product.md §5, Appendix A).
    Screen {
        /// 公費負担者番号 of the office.
        #[arg(long)]
        office: String,
        /// The month, YYYY-MM.
        #[arg(long)]
        month: String,
        #[arg(long, value_enum, default_value = "csv")]
        format: crate::screening::ScreenFormat,
        /// Write to FILE instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// utf-8 or cp932 (for Excel).
        #[arg(long, default_value = "utf-8")]
        encoding: String,
    },
    /// 資格確認端末 folder exchange: answer the レセコン's request files in DIR/req through the
    /// server, answers to DIR/res (req_ → res_), handled requests to DIR/done (docs/onshi-xml.md).
    Terminal {
        /// 医療機関コード of this institution.
        #[arg(long)]
        institution: String,
        /// The exchange folder (req, res and done are created inside it).
        #[arg(long)]
        dir: PathBuf,
        /// The server, http://host:port (TLS: a reverse proxy in front).
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        server: String,
        /// The institution's bearer token (onshi institution-token).
        #[arg(long, env = "ONSHI_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Read the token from this file instead.
        #[arg(long)]
        token_file: Option<PathBuf>,
        /// How often to look into DIR/req, in milliseconds.
        #[arg(long, default_value = "500")]
        interval_ms: u64,
        /// How long to retry a request while the server cannot be reached before answering
        /// it with an error result, in seconds.
        #[arg(long, default_value = "60")]
        give_up_secs: u64,
        /// Handle what is in DIR/req now, then exit.
        #[arg(long)]
        once: bool,
    },
    /// 請求前資格確認: check a 資格情報ファイル (XXXXXXXX_SHIKAKU_YYYYMM.ZIP) against 資格 and
    /// 医療券, store the run and list the receipts to return (docs/file-layouts.md).
    ClaimsCheck {
        file: PathBuf,
        /// Write the 返戻情報ファイル (XXXXXXXX_HENREI_YYYYMM.ZIP) here (a folder: under its own name).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write a 資格情報ファイル made from the database (e.g. the demo data) with problem receipts
    /// seeded on purpose, one per 返戻事由 the data allows.
    ClaimsSample {
        /// 公費負担者番号 of the office.
        #[arg(long)]
        office: String,
        /// 診療年月, YYYY-MM (billed the month after).
        #[arg(long)]
        month: String,
        /// The ZIP to write (a folder: under its own name).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account; the password is read from standard input (at least 8 characters).
    Add {
        #[arg(long, value_enum)]
        role: StaffRole,
        /// 公費負担者番号 (caseworker, supervisor).
        #[arg(long)]
        office: Option<String>,
        /// 医療機関コード (clinic).
        #[arg(long)]
        institution: Option<String>,
        #[arg(long)]
        login: String,
        /// Name shown in the header and in the audit log.
        #[arg(long)]
        name: Option<String>,
    },
    /// Set a new password (read from standard input, at least 8 characters) and end every
    /// session of the account.
    Password {
        #[arg(long)]
        login: String,
    },
    /// End every session of the account (a lost or shared PC): it signs in again.
    RevokeSessions {
        #[arg(long)]
        login: String,
    },
    /// Lift a sign-in lock at once: forget every failed sign-in of the login.
    Unlock {
        #[arg(long)]
        login: String,
    },
}

#[derive(Subcommand)]
enum CardCommand {
    /// Issue a mock card file for a recipient; the 4-digit PIN is read from standard input.
    Issue {
        office_number: String,
        recipient_number: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Revoke a card by its certificate serial.
    Revoke { serial: String },
}

#[derive(Clone, Copy, ValueEnum)]
enum Profile {
    Demo,
    National,
}

#[derive(Clone, Copy, ValueEnum)]
enum StaffRole {
    Caseworker,
    Supervisor,
    Clinic,
    Operator,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = std::env::var("ONSHI_LOG").unwrap_or_else(|_| "info".to_string());
    if let Err(e) =
        tracing::subscriber::set_global_default(crate::log::subscriber(&filter, std::io::stderr))
    {
        eprintln!("エラー: {e}");
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("エラー: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("エラー: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn open(cli: &Cli) -> anyhow::Result<Db> {
    Db::open(cli.database_url.as_deref(), &cli.data).await
}

fn read_stdin_line(what: &str) -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .with_context(|| format!("cannot read the {what} from standard input"))?;
    Ok(s.lines()
        .next()
        .unwrap_or("")
        .trim_end_matches('\r')
        .to_string())
}

fn check_new_password(password: &str) -> anyhow::Result<()> {
    if password.chars().count() < crate::auth::MIN_PASSWORD_CHARS {
        anyhow::bail!(
            "パスワード: {}文字以上にしてください",
            crate::auth::MIN_PASSWORD_CHARS
        );
    }
    Ok(())
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Serve {
            addr,
            static_dir,
            secure_cookies,
            allow_origins,
            feed_time,
            max_connections,
            header_timeout_secs,
            body_timeout_secs,
            body_deadline_secs,
        } => {
            let db = open(&cli).await?;
            let keys = Arc::new(Keys::load_or_create(&cli.data)?);
            // Records stored before 個人番号 digests existed (the 転居 match needs them).
            let filled = crate::store::people::backfill_digests(&db, &keys).await?;
            if filled > 0 {
                tracing::info!(filled, "stored the 個人番号 digest of older records");
            }
            let static_dir = static_dir.is_dir().then(|| static_dir.clone());
            if static_dir.is_none() {
                tracing::warn!("app directory not found: serving the API only (build the app with `make build`)");
            }
            let state = crate::http::AppState {
                db: db.clone(),
                keys,
                static_dir,
                secure_cookies: *secure_cookies,
                recorder: crate::recorder::Recorder::new(db.clone()),
            };
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr}"))?;
            tracing::info!(
                "扶助オン資 listening on http://{} ({})",
                listener
                    .local_addr()
                    .map_or(addr.clone(), |a| a.to_string()),
                db.backend_label()
            );
            crate::feed::spawn_scheduler(db.clone(), *feed_time);
            let mut router = crate::http::app_with_origins(state, allow_origins);
            if !allow_origins.is_empty() {
                router = router.layer(crate::http::cors(allow_origins)?);
            }
            let limits = crate::http::listen::Limits {
                max_connections: *max_connections,
                header_timeout: std::time::Duration::from_secs((*header_timeout_secs).max(1)),
                body_idle_timeout: std::time::Duration::from_secs((*body_timeout_secs).max(1)),
                body_deadline: std::time::Duration::from_secs((*body_deadline_secs).max(1)),
            };
            crate::http::listen::serve(listener, router, limits, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { out } => {
            if let Some(message) = crate::backup::postgres_refusal(cli.database_url.as_deref()) {
                anyhow::bail!(message);
            }
            if cli
                .database_url
                .as_deref()
                .is_none_or(|u| u.trim().is_empty())
                && !cli.data.join(crate::db::SQLITE_FILE).is_file()
            {
                anyhow::bail!(
                    "--data: {} にデータベース {} がありません",
                    cli.data.display(),
                    crate::db::SQLITE_FILE
                );
            }
            let db = open(&cli).await?;
            let manifest = crate::backup::backup(&db, &cli.data, out).await?;
            println!(
                "バックアップを {} に作りました（{}、スキーマ {}、鍵ファイル {}）。",
                out.display(),
                manifest.created_at,
                manifest.schema_version,
                manifest.keys.join(", ")
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { from, force } => {
            if let Some(message) = crate::backup::postgres_refusal(cli.database_url.as_deref()) {
                anyhow::bail!(message);
            }
            if cli
                .database_url
                .as_deref()
                .is_some_and(|u| !u.trim().is_empty())
            {
                anyhow::bail!(
                    "DATABASE_URL: 復元はデータディレクトリ（--data）の SQLite にだけ行えます。DATABASE_URL を外してください"
                );
            }
            let restored = crate::backup::restore(&cli.data, from, *force).await?;
            println!(
                "{} を {} に復元しました（{} 作成、スキーマ {}）。",
                from.display(),
                cli.data.display(),
                restored.manifest.created_at,
                restored.manifest.schema_version
            );
            if let Some(previous) = &restored.previous {
                println!("元のデータは {} に残しました。", previous.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Seed { profile, if_empty } => {
            let db = open(&cli).await?;
            if *if_empty && db.count("SELECT COUNT(*) FROM offices").await? > 0 {
                println!("データが既にあるため、シードは行いません。");
                return Ok(ExitCode::SUCCESS);
            }
            let keys = Keys::load_or_create(&cli.data)?;
            match profile {
                Profile::Demo => {
                    let report =
                        crate::seed::demo(&db, &keys, &cli.data, crate::db::today_jst()).await?;
                    println!("{report}");
                }
                Profile::National => {
                    let report = crate::seed::national(&db, &keys, crate::db::today_jst()).await?;
                    println!("{report}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            kind,
            file,
            skip_unmatched,
        } => {
            let db = open(&cli).await?;
            let keys = Keys::load_or_create(&cli.data)?;
            let bytes =
                std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            if let Some(health_kind) = kind.health() {
                let report = crate::health::import_file(
                    &db,
                    health_kind,
                    &bytes,
                    *skip_unmatched,
                    "onshi import",
                )
                .await?;
                return Ok(crate::health::print_report(file, &report));
            }
            match crate::imports::import(&db, &keys, *kind, &bytes, "onshi import").await? {
                Ok(report) => {
                    for note in &report.notes {
                        println!("{}: {note}", file.display());
                    }
                    println!("{} 件を取り込みました。", report.written);
                    Ok(ExitCode::SUCCESS)
                }
                Err(errors) => {
                    for e in &errors {
                        eprintln!("{}: {e}", file.display());
                    }
                    eprintln!(
                        "{} 件のエラーがあるため、このファイルからは何も取り込んでいません。",
                        errors.len()
                    );
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::InstitutionToken { institution_code } => {
            let code = InstitutionCode::parse(institution_code)
                .map_err(|e| anyhow::anyhow!("医療機関コード: {}", e.message()))?;
            let db = open(&cli).await?;
            if crate::auth::institution_name(&db, code.as_str())
                .await?
                .is_none()
            {
                anyhow::bail!(
                    "医療機関コード {} の医療機関が登録されていません",
                    code.as_str()
                );
            }
            println!(
                "{}",
                crate::auth::add_institution_token(&db, code.as_str()).await?
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::User {
            command: UserCommand::Password { login },
        } => {
            let db = open(&cli).await?;
            let password = read_stdin_line("password")?;
            check_new_password(&password)?;
            match crate::auth::set_password(&db, login.trim(), &password).await? {
                Some(ended) => {
                    println!("{login} のパスワードを変更し、ログイン中のセッション{ended}件を終了しました。");
                    Ok(ExitCode::SUCCESS)
                }
                None => anyhow::bail!("ログインID {login} のユーザーはいません"),
            }
        }
        Command::User {
            command: UserCommand::Unlock { login },
        } => {
            let db = open(&cli).await?;
            let forgotten = crate::auth::unlock(&db, login.trim()).await?;
            println!("{login} のログイン失敗の記録{forgotten}件を消し、ロックを解除しました。");
            Ok(ExitCode::SUCCESS)
        }
        Command::User {
            command: UserCommand::RevokeSessions { login },
        } => {
            let db = open(&cli).await?;
            match crate::auth::end_sessions(&db, login.trim()).await? {
                Some(ended) => {
                    println!("{login} のセッション{ended}件を終了しました。");
                    Ok(ExitCode::SUCCESS)
                }
                None => anyhow::bail!("ログインID {login} のユーザーはいません"),
            }
        }
        Command::User {
            command:
                UserCommand::Add {
                    role,
                    office,
                    institution,
                    login,
                    name,
                },
        } => {
            let db = open(&cli).await?;
            let role = match role {
                StaffRole::Caseworker => Role::Caseworker,
                StaffRole::Supervisor => Role::Supervisor,
                StaffRole::Clinic => Role::Clinic,
                StaffRole::Operator => Role::Operator,
            };
            let (office, institution) = match role {
                Role::Caseworker | Role::Supervisor => {
                    let raw = office
                        .as_deref()
                        .context("--office 公費負担者番号 が必要です")?;
                    let n = PublicPayerNumber::parse(raw)
                        .map_err(|e| anyhow::anyhow!("公費負担者番号: {}", e.message()))?;
                    if crate::auth::office_name(&db, n.as_str()).await?.is_none() {
                        anyhow::bail!(
                            "公費負担者番号 {} の福祉事務所が登録されていません",
                            n.as_str()
                        );
                    }
                    (Some(n.as_str().to_string()), None)
                }
                Role::Clinic => {
                    let raw = institution
                        .as_deref()
                        .context("--institution 医療機関コード が必要です")?;
                    let c = InstitutionCode::parse(raw)
                        .map_err(|e| anyhow::anyhow!("医療機関コード: {}", e.message()))?;
                    if crate::auth::institution_name(&db, c.as_str())
                        .await?
                        .is_none()
                    {
                        anyhow::bail!(
                            "医療機関コード {} の医療機関が登録されていません",
                            c.as_str()
                        );
                    }
                    (None, Some(c.as_str().to_string()))
                }
                _ => (None, None),
            };
            let login = login.trim();
            if login.is_empty() || login.chars().any(char::is_whitespace) {
                anyhow::bail!("ログインID: 空白を含まない文字列を指定してください");
            }
            let password = read_stdin_line("password")?;
            check_new_password(&password)?;
            let display = name.clone().unwrap_or_else(|| login.to_string());
            match crate::auth::add_user(
                &db,
                login,
                &password,
                role,
                &display,
                office.as_deref(),
                institution.as_deref(),
            )
            .await
            {
                Ok(_) => {
                    println!("ユーザー {login} を追加しました（{}）。", role.label_ja());
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) if e.to_string().to_lowercase().contains("unique") => {
                    anyhow::bail!("ログインID {login} は既に使われています")
                }
                Err(e) => Err(e),
            }
        }
        Command::Card {
            command:
                CardCommand::Issue {
                    office_number,
                    recipient_number,
                    out,
                },
        } => {
            let office = PublicPayerNumber::parse(office_number)
                .map_err(|e| anyhow::anyhow!("公費負担者番号: {}", e.message()))?;
            let recipient = RecipientNumber::parse(recipient_number)
                .map_err(|e| anyhow::anyhow!("受給者番号: {}", e.message()))?;
            let pin = read_stdin_line("PIN")?;
            domain::card::validate_pin(&pin)
                .map_err(|e| anyhow::anyhow!("暗証番号: {}", e.message()))?;
            let db = open(&cli).await?;
            let keys = Keys::load_or_create(&cli.data)?;
            let file = crate::cards::issue(
                &db,
                &keys,
                office.as_str(),
                recipient.as_str(),
                &pin,
                crate::db::today_jst(),
            )
            .await?;
            crate::keys::write_private(out, &file)?;
            println!("カードファイルを書き出しました: {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Card {
            command: CardCommand::Revoke { serial },
        } => {
            let db = open(&cli).await?;
            let n = crate::cards::revoke(&db, serial).await?;
            if n == 0 {
                anyhow::bail!("シリアル番号 {serial} のカードはありません");
            }
            println!("カード {serial} を失効させました。");
            Ok(ExitCode::SUCCESS)
        }
        Command::DailyFeed { date, out } => {
            let db = open(&cli).await?;
            crate::feed::run_cli(&db, date.as_deref(), out.as_deref()).await
        }
        Command::Screen {
            office,
            month,
            format,
            out,
            encoding,
        } => {
            let db = open(&cli).await?;
            crate::screening::run_cli(&db, office, month, *format, out.as_deref(), encoding).await
        }
        Command::Terminal {
            institution,
            dir,
            server,
            token,
            token_file,
            interval_ms,
            give_up_secs,
            once,
        } => {
            crate::terminal::run_cli(
                institution,
                dir,
                server,
                token.as_deref(),
                token_file.as_deref(),
                std::time::Duration::from_millis(*interval_ms),
                std::time::Duration::from_secs(*give_up_secs),
                *once,
            )
            .await
        }
        Command::ClaimsCheck { file, out } => {
            let db = open(&cli).await?;
            crate::claims::run_check_cli(&db, file, out.as_deref()).await
        }
        Command::ClaimsSample { office, month, out } => {
            let db = open(&cli).await?;
            crate::claims::run_sample_cli(&db, office, month, out).await
        }
    }
}
