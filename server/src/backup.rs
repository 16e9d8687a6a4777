//! `onshi backup` / `onshi restore` for the embedded SQLite database.
//!
//! A backup is a directory: the database copied online with `VACUUM INTO` (consistent while
//! the server keeps serving), the key files that are needed to read it back (`data.key`
//! encrypts stored 個人番号, `ca.key` is the demo CA), and `manifest.json` (when, schema
//! version, files). Both commands write into a temporary sibling directory and rename it
//! into place at the end, so nothing half-written is ever left under the final name.
//! With PostgreSQL they refuse and point to `pg_dump` / `pg_restore`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::db::{Db, SQLITE_FILE};
use crate::keys::write_private;
use crate::store::backup as store;

pub const MANIFEST: &str = "manifest.json";
/// The key files copied with the database, in the data directory and in a backup.
pub const KEY_FILES: &[&str] = &["data.key", "ca.key"];
const FORMAT: &str = "onshi-backup-1";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub format: String,
    /// UTC, RFC 3339.
    pub created_at: String,
    /// The last migration applied to the copied database.
    pub schema_version: i64,
    pub database: String,
    pub keys: Vec<String>,
}

/// The refusal for PostgreSQL (`DATABASE_URL=postgres://…`): `None` for SQLite.
pub fn postgres_refusal(database_url: Option<&str>) -> Option<String> {
    let url = database_url.map(str::trim).unwrap_or("");
    (url.starts_with("postgres://") || url.starts_with("postgresql://")).then(|| {
        "PostgreSQL のバックアップ・復元は onshi では行いません。データベースは pg_dump \
         (例: pg_dump -Fc -f onshi.dump \"$DATABASE_URL\") で取得し pg_restore で戻してください。\
         あわせてデータディレクトリの鍵ファイル data.key（個人番号の暗号鍵）と ca.key を\
         安全な場所へコピーしてください。鍵がないと個人番号を読み戻せません。"
            .to_string()
    })
}

/// Copy the database of `db` and the key files of `data_dir` into the new directory `out`.
pub async fn backup(db: &Db, data_dir: &Path, out: &Path) -> anyhow::Result<Manifest> {
    if out.exists() {
        anyhow::bail!(
            "--out: {} は既にあります。新しいディレクトリ名を指定してください",
            out.display()
        );
    }
    for key in KEY_FILES {
        if !data_dir.join(key).is_file() {
            anyhow::bail!(
                "--data: 鍵ファイル {} がありません（{}）",
                key,
                data_dir.display()
            );
        }
    }
    let tmp = TempSibling::create(out)?;
    let database = tmp.path.join(SQLITE_FILE);
    store::vacuum_into(db, &absolute(&database)?)
        .await
        .context("データベースをコピーできませんでした")?;
    for key in KEY_FILES {
        copy_private(&data_dir.join(key), &tmp.path.join(key))?;
    }
    let manifest = Manifest {
        format: FORMAT.to_string(),
        created_at: crate::db::now_text(),
        schema_version: store::schema_version(db).await?,
        database: SQLITE_FILE.to_string(),
        keys: KEY_FILES.iter().map(|k| k.to_string()).collect(),
    };
    std::fs::write(
        tmp.path.join(MANIFEST),
        serde_json::to_string_pretty(&manifest)?,
    )?;
    tmp.persist(out)?;
    Ok(manifest)
}

#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    /// Where the previous data directory was moved (with `--force`).
    pub previous: Option<PathBuf>,
}

/// Replace the data directory with the backup in `from`, all or nothing. Refuses a non-empty
/// data directory unless `force` (the previous one is then kept beside it, renamed).
pub async fn restore(data_dir: &Path, from: &Path, force: bool) -> anyhow::Result<Restored> {
    let manifest = read_manifest(from)?;
    let non_empty = data_dir.exists()
        && std::fs::read_dir(data_dir)
            .with_context(|| format!("--data: {} を読めません", data_dir.display()))?
            .next()
            .is_some();
    if non_empty && !force {
        anyhow::bail!(
            "--data: {} は空ではありません。上書きするときは --force を付けてください（元のデータは別名で残します）",
            data_dir.display()
        );
    }
    let tmp = TempSibling::create(data_dir)?;
    let database = tmp.path.join(SQLITE_FILE);
    std::fs::copy(from.join(&manifest.database), &database)
        .with_context(|| format!("--from: {} をコピーできません", manifest.database))?;
    for key in &manifest.keys {
        copy_private(&from.join(key), &tmp.path.join(key))?;
    }
    check_database(&database, &manifest).await?;
    crate::keys::Keys::load_or_create(&tmp.path).context("--from: 鍵ファイルが正しくありません")?;
    let previous = if data_dir.exists() {
        let aside = aside_name(data_dir);
        std::fs::rename(data_dir, &aside)
            .with_context(|| format!("--data: {} を移せません", data_dir.display()))?;
        Some(aside)
    } else {
        None
    };
    if let Err(e) = tmp.persist(data_dir) {
        if let Some(aside) = &previous {
            // Put the previous data back: the restore did not happen.
            std::fs::rename(aside, data_dir).ok();
        }
        return Err(e);
    }
    // An empty directory that was replaced is not worth keeping.
    let previous = previous.filter(|p| !remove_if_empty(p));
    Ok(Restored { manifest, previous })
}

fn read_manifest(from: &Path) -> anyhow::Result<Manifest> {
    let file = from.join(MANIFEST);
    let text = std::fs::read_to_string(&file).with_context(|| {
        format!(
            "--from: {} がありません（onshi backup で作ったディレクトリを指定してください）",
            file.display()
        )
    })?;
    let manifest: Manifest = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("--from: {MANIFEST} が読めません: {e}"))?;
    if manifest.format != FORMAT {
        anyhow::bail!(
            "--from: {MANIFEST} の形式 {} には対応していません",
            manifest.format
        );
    }
    let names = std::iter::once(&manifest.database).chain(&manifest.keys);
    for name in names {
        let plain = Path::new(name).file_name().map(|n| n == name.as_str()) == Some(true);
        if !plain || !from.join(name).is_file() {
            anyhow::bail!("--from: {MANIFEST} にある {name} がバックアップにありません");
        }
    }
    for key in KEY_FILES {
        if !manifest.keys.iter().any(|k| k == key) {
            anyhow::bail!("--from: 鍵ファイル {key} がバックアップにありません");
        }
    }
    let known = crate::db::latest_sqlite_migration();
    if manifest.schema_version > known {
        anyhow::bail!(
            "--from: このバックアップ（スキーマ {}）はこの onshi（スキーマ {known}）より新しい版で作られました",
            manifest.schema_version
        );
    }
    Ok(manifest)
}

async fn check_database(file: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let db = Db::open_sqlite_file(file).await?;
    let result = async {
        let problems = store::integrity_check(&db).await?;
        if problems != ["ok"] {
            anyhow::bail!(
                "--from: データベースが壊れています（PRAGMA integrity_check: {}）",
                problems.join("; ")
            );
        }
        let version = store::schema_version(&db).await?;
        if version != manifest.schema_version {
            anyhow::bail!(
                "--from: データベースのスキーマ {version} が {MANIFEST} の {} と一致しません",
                manifest.schema_version
            );
        }
        Ok(())
    }
    .await;
    db.pool.close().await;
    result.context("--from: データベースを確認できませんでした")
}

/// A directory beside `target` (same file system, so the final rename is atomic), removed
/// on drop unless persisted.
struct TempSibling {
    path: PathBuf,
    persisted: bool,
}

impl TempSibling {
    fn create(target: &Path) -> anyhow::Result<TempSibling> {
        let name = target
            .file_name()
            .ok_or_else(|| anyhow::anyhow!("{} はディレクトリ名ではありません", target.display()))?
            .to_string_lossy();
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let path = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if path.exists() {
            std::fs::remove_dir_all(&path)?;
        }
        std::fs::create_dir(&path).with_context(|| format!("cannot create {}", path.display()))?;
        // Personal data and keys: readable by the owner only.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(TempSibling {
            path,
            persisted: false,
        })
    }

    fn persist(mut self, target: &Path) -> anyhow::Result<()> {
        std::fs::rename(&self.path, target)
            .with_context(|| format!("cannot rename to {}", target.display()))?;
        self.persisted = true;
        Ok(())
    }
}

impl Drop for TempSibling {
    fn drop(&mut self) {
        if !self.persisted {
            std::fs::remove_dir_all(&self.path).ok();
        }
    }
}

fn aside_name(data_dir: &Path) -> PathBuf {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut name = data_dir.as_os_str().to_owned();
    name.push(format!(".before-restore-{stamp}"));
    PathBuf::from(name)
}

fn remove_if_empty(dir: &Path) -> bool {
    std::fs::remove_dir(dir).is_ok()
}

fn copy_private(from: &Path, to: &Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(from).with_context(|| format!("cannot read {}", from.display()))?;
    write_private(to, &text)
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    Ok(if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    })
}
