//! `onshi backup` / `onshi restore` as an operator runs them (SQLite): the real binary on
//! demo data, a backup taken while another process keeps writing, restored into a fresh
//! data directory and read back, including the encrypted 個人番号.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use server::db::Db;
use server::keys::Keys;

fn onshi(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_onshi"));
    cmd.arg("--data").arg(data).args(args);
    cmd.env_remove("DATABASE_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn failed(out: Output) -> String {
    assert!(!out.status.success(), "stdout: {}", text(&out.stdout));
    text(&out.stderr)
}

async fn count(db: &Db, sql: &'static str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&db.pool).await.unwrap();
    n
}

async fn counts(db: &Db) -> [i64; 4] {
    [
        count(db, "SELECT COUNT(*) FROM recipients").await,
        count(db, "SELECT COUNT(*) FROM tickets").await,
        count(db, "SELECT COUNT(*) FROM verifications").await,
        count(db, "SELECT COUNT(*) FROM offices").await,
    ]
}

/// The 個人番号 in clear, by recipient id, decrypted with the data directory's own data.key.
async fn individual_numbers(db: &Db, keys: &Keys) -> Vec<(i64, String)> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, individual_number FROM recipients \
         WHERE individual_number IS NOT NULL ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(id, sealed)| (id, keys.open(&sealed).unwrap()))
        .collect()
}

fn seed_demo(data: &Path) {
    ok(onshi(data, &["seed", "--profile", "demo"], &[]));
}

/// Demo data; a writer inserts pairs of rows in one transaction the whole time the backup
/// runs; the backup holds whole pairs only (a consistent snapshot). Restored into a fresh
/// data directory, it holds the same recipients, tickets and verifications, and its own
/// data.key opens the same 個人番号.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_writing_then_restore_into_a_fresh_data_dir_reads_back_the_same_data() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live");
    seed_demo(&live);
    let db = Db::open(None, &live).await.unwrap();
    let keys = Keys::load_or_create(&live).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (db, stop) = (db.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let mut tx = db.pool.begin().await.unwrap();
                for half in ["a", "b"] {
                    sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2)")
                        .bind(format!("backup-test-{n}-{half}"))
                        .bind("x")
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                }
                tx.commit().await.unwrap();
                n += 1;
                tokio::task::yield_now().await;
            }
            n
        })
    };
    // Let the writer get going, then back up while it writes.
    while count(
        &db,
        "SELECT COUNT(*) FROM meta WHERE key LIKE 'backup-test-%'",
    )
    .await
        < 20
    {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let out_dir = dir.path().join("backups/2026-12-05");
    let backup = {
        let (live, out_dir) = (live.clone(), out_dir.clone());
        tokio::task::spawn_blocking(move || {
            onshi(&live, &["backup", "--out", out_dir.to_str().unwrap()], &[])
        })
        .await
        .unwrap()
    };
    stop.store(true, Ordering::Relaxed);
    let pairs_written = writer.await.unwrap();
    let report = ok(backup);
    assert!(report.contains("バックアップを"), "{report}");
    for file in ["onshi.sqlite3", "data.key", "ca.key", "manifest.json"] {
        assert!(
            out_dir.join(file).is_file(),
            "{file} missing from the backup"
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(
        manifest["schema_version"].as_i64(),
        Some(server::db::latest_sqlite_migration())
    );

    let fresh = dir.path().join("restored");
    let report = ok(onshi(
        &fresh,
        &["restore", "--from", out_dir.to_str().unwrap()],
        &[],
    ));
    assert!(report.contains("復元しました"), "{report}");
    let restored = Db::open(None, &fresh).await.unwrap();
    let restored_keys = Keys::load_or_create(&fresh).unwrap();

    let in_backup = count(
        &restored,
        "SELECT COUNT(*) FROM meta WHERE key LIKE 'backup-test-%'",
    )
    .await;
    assert!(
        in_backup >= 20,
        "{in_backup} rows of the writer in the backup"
    );
    assert_eq!(in_backup % 2, 0, "a transaction was copied half-way");
    assert!(in_backup as u64 <= 2 * pairs_written);

    let before = counts(&db).await;
    assert!(before.iter().all(|n| *n > 0), "{before:?}");
    assert_eq!(counts(&restored).await, before);
    let numbers = individual_numbers(&db, &keys).await;
    assert!(!numbers.is_empty());
    assert_eq!(individual_numbers(&restored, &restored_keys).await, numbers);
    let checked = Keys::load_or_create(&fresh).unwrap();
    assert_eq!(checked.ca_public_key_b64(), keys.ca_public_key_b64());
}

/// What restore refuses, each time leaving the data directory as it was: a non-empty data
/// directory without --force (then replaced with it, the previous kept aside), a damaged
/// database, a backup without data.key; and both commands refuse PostgreSQL, naming pg_dump
/// and the key files.
#[tokio::test]
async fn restore_refuses_what_it_cannot_restore_whole() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live");
    seed_demo(&live);
    let good = dir.path().join("good");
    ok(onshi(
        &live,
        &["backup", "--out", good.to_str().unwrap()],
        &[],
    ));
    // A second backup to the same place is refused, the first left whole.
    let err = failed(onshi(
        &live,
        &["backup", "--out", good.to_str().unwrap()],
        &[],
    ));
    assert!(
        err.contains("--out") && err.contains("既にあります"),
        "{err}"
    );

    // Non-empty data directory: refused without --force, untouched.
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("note.txt"), "keep me").unwrap();
    let err = failed(onshi(
        &other,
        &["restore", "--from", good.to_str().unwrap()],
        &[],
    ));
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_dir(&other).unwrap().count(), 1);
    let report = ok(onshi(
        &other,
        &["restore", "--from", good.to_str().unwrap(), "--force"],
        &[],
    ));
    assert!(report.contains("元のデータは"), "{report}");
    assert!(other.join("onshi.sqlite3").is_file());
    assert!(!other.join("note.txt").exists());
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("other.before-restore-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join(&aside[0]).join("note.txt")).unwrap(),
        "keep me"
    );

    // A damaged database: one byte of an index changed, which queries do not notice but
    // `PRAGMA integrity_check` does; refused, nothing created.
    let damaged = dir.path().join("damaged");
    copy_dir(&good, &damaged);
    let file = damaged.join("onshi.sqlite3");
    let (root, page_size) = {
        let db = Db::open_sqlite_file(&file).await.unwrap();
        let (root,): (i64,) =
            sqlx::query_as("SELECT rootpage FROM sqlite_master WHERE name = 'recipients_kana'")
                .fetch_one(&db.pool)
                .await
                .unwrap();
        let (page_size,): (i64,) = sqlx::query_as("PRAGMA page_size")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        db.pool.close().await;
        (root as usize, page_size as usize)
    };
    let mut bytes = std::fs::read(&file).unwrap();
    // The end of the page holds the last cell: key text and row id.
    bytes[root * page_size - 8] ^= 0x01;
    std::fs::write(&file, bytes).unwrap();
    let target = dir.path().join("from-damaged");
    let err = failed(onshi(
        &target,
        &["restore", "--from", damaged.to_str().unwrap()],
        &[],
    ));
    assert!(err.contains("integrity_check"), "{err}");
    assert!(!target.exists());
    assert_no_partial_dirs(dir.path());

    // A backup without data.key: refused before anything is written.
    let keyless = dir.path().join("keyless");
    copy_dir(&good, &keyless);
    std::fs::remove_file(keyless.join("data.key")).unwrap();
    let err = failed(onshi(
        &target,
        &["restore", "--from", keyless.to_str().unwrap()],
        &[],
    ));
    assert!(err.contains("data.key"), "{err}");
    assert!(!target.exists());

    // PostgreSQL: both refuse, pointing to pg_dump / pg_restore and the key files.
    let pg = [("DATABASE_URL", "postgres://onshi@127.0.0.1:1/onshi")];
    let out_dir = dir.path().join("pg-backup");
    let err = failed(onshi(
        &live,
        &["backup", "--out", out_dir.to_str().unwrap()],
        &pg,
    ));
    assert!(
        err.contains("pg_dump") && err.contains("data.key") && err.contains("ca.key"),
        "{err}"
    );
    assert!(!out_dir.exists());
    let err = failed(onshi(
        &target,
        &["restore", "--from", good.to_str().unwrap()],
        &pg,
    ));
    assert!(err.contains("pg_restore"), "{err}");
    assert!(!target.exists());
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn assert_no_partial_dirs(dir: &Path) {
    let partial: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains(".partial-"))
        .collect();
    assert!(partial.is_empty(), "{partial:?}");
}
