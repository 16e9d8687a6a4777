//! Issuing and revoking mock マイナンバーカード. The key pair and certificate are real
//! (P-256, signed by the demo CA in `ca.key`); the card file keeps the private key
//! encrypted under the PIN. Serial numbers are random.

use chrono::{Datelike, NaiveDate};
use rand::RngCore;

use domain::card::{CardEntropy, CardSubject};

use crate::db::{now_text, Db};
use crate::keys::Keys;
use crate::store::cards as store_cards;
use crate::store::people;

/// Years a 利用者証明用電子証明書 stays valid in this demo (the real one: 5 birthdays).
pub const VALID_YEARS: i32 = 5;

pub fn new_entropy() -> CardEntropy {
    let mut entropy = CardEntropy {
        key: [0; 32],
        salt: [0; 16],
        nonce: [0; 12],
    };
    rand::rngs::OsRng.fill_bytes(&mut entropy.key);
    rand::rngs::OsRng.fill_bytes(&mut entropy.salt);
    rand::rngs::OsRng.fill_bytes(&mut entropy.nonce);
    entropy
}

pub fn new_serial() -> String {
    let mut bytes = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Issue a card for a registered recipient and return the card file (JSON).
pub async fn issue(
    db: &Db,
    keys: &Keys,
    office_number: &str,
    recipient_number: &str,
    pin: &str,
    today: NaiveDate,
) -> anyhow::Result<String> {
    let row = people::by_numbers(db, office_number, recipient_number).await?;
    let Some((recipient_id, name)) = row else {
        anyhow::bail!("公費負担者番号 {office_number} ・受給者番号 {recipient_number} の被保護者は登録されていません");
    };
    let not_after = today
        .with_year(today.year() + VALID_YEARS)
        .unwrap_or(today + chrono::Duration::days(365 * i64::from(VALID_YEARS)));
    let serial = new_serial();
    let subject = CardSubject {
        office_number: office_number.to_string(),
        recipient_number: recipient_number.to_string(),
        name,
    };
    let card = keys
        .ca
        .issue_card(&serial, subject, today, not_after, pin, &new_entropy())
        .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    let mut tx = db.pool.begin().await?;
    store_cards::insert(
        &mut tx,
        &serial,
        recipient_id,
        &now_text(),
        &not_after.to_string(),
    )
    .await?;
    people::set_card_held(&mut tx, recipient_id).await?;
    tx.commit().await?;
    crate::audit::record_as(
        db,
        "operator",
        "onshi",
        "システム運用者",
        "card.issue",
        Some(recipient_id),
        "マイナンバーカード（デモ）を発行",
    )
    .await?;
    Ok(serde_json::to_string_pretty(&card)?)
}

pub async fn revoke(db: &Db, serial: &str) -> anyhow::Result<u64> {
    store_cards::revoke(db, serial, &now_text()).await
}
