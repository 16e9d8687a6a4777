//! The mock マイナンバーカード.
//!
//! Like JPKI's 利用者証明用電子証明書, a card holds a P-256 key pair and a certificate
//! from a CA (here the demo CA). The secret key is stored encrypted under the 4-digit
//! PIN (PBKDF2-SHA256 → AES-256-GCM); the browser unlocks it and signs the server's
//! challenge, and the server checks the signature, the CA's signature on the
//! certificate, its validity dates and revocation. Signing is deterministic (RFC 6979);
//! every random byte is passed in by the caller ([`CardEntropy`]).

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::NaiveDate;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const CARD_FORMAT: &str = "fujo-onshi-mock-card/1";
pub const CERT_FORMAT: &str = "fujo-onshi-demo-cert/1";
pub const KDF: &str = "pbkdf2-sha256";
pub const PBKDF2_ITERATIONS: u32 = 100_000;
/// Upper bound accepted when unlocking, so a crafted file cannot hang the browser.
const MAX_ITERATIONS: u32 = 10_000_000;
const DATE_FORMAT: &str = "%Y-%m-%d";

/// Whom the card identifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CardSubject {
    /// 公費負担者番号
    pub office_number: String,
    /// 受給者番号
    pub recipient_number: String,
    pub name: String,
}

/// The demo CA's certificate for a card. This is a compact JSON structure of our own,
/// NOT X.509 (JPKI's real certificates are X.509); it carries the same essentials:
/// serial, issuer, subject, validity dates, public key and the CA's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Certificate {
    /// Always [`CERT_FORMAT`].
    pub format: String,
    pub serial: String,
    /// The CA's name followed by its key ID (see [`DemoCa::issuer`]).
    pub issuer: String,
    pub subject: CardSubject,
    /// First valid day, `YYYY-MM-DD`.
    pub not_before: String,
    /// Last valid day (inclusive), `YYYY-MM-DD`.
    pub not_after: String,
    /// base64 of the SEC1 uncompressed P-256 public key (65 bytes).
    pub public_key: String,
    /// base64 DER ECDSA-P256-SHA256 signature by the CA over [`Certificate::tbs_bytes`].
    pub signature: String,
}

impl Certificate {
    /// The signed part: every field except `signature`, each as a big-endian u32
    /// length followed by its UTF-8 bytes, in a fixed order after a domain tag.
    pub fn tbs_bytes(&self) -> Vec<u8> {
        let fields = [
            self.format.as_str(),
            &self.serial,
            &self.issuer,
            &self.subject.office_number,
            &self.subject.recipient_number,
            &self.subject.name,
            &self.not_before,
            &self.not_after,
            &self.public_key,
        ];
        let mut out = b"fujo-onshi-demo-cert-tbs\0".to_vec();
        for f in fields {
            out.extend_from_slice(&(f.len() as u32).to_be_bytes());
            out.extend_from_slice(f.as_bytes());
        }
        out
    }

    /// Checks the shape of every field; returns the validity dates and public key.
    fn parsed(&self) -> Result<(NaiveDate, NaiveDate, VerifyingKey), CardError> {
        if self.format != CERT_FORMAT {
            return Err(fmt_err(format!(
                "電子証明書の形式「{}」には対応していません",
                self.format
            )));
        }
        let date = |s: &str, what: &str| {
            crate::wareki::parse_iso_date(s)
                .ok_or_else(|| fmt_err(format!("{what}「{s}」が YYYY-MM-DD の日付ではありません")))
        };
        let not_before = date(&self.not_before, "有効期間の開始日")?;
        let not_after = date(&self.not_after, "有効期間の終了日")?;
        let key = parse_public_key(&self.public_key)
            .map_err(|_| fmt_err("電子証明書の公開鍵が正しくありません".into()))?;
        decode(&self.signature, "電子証明書の署名")?;
        Ok((not_before, not_after, key))
    }
}

/// The card's secret scalar, encrypted under the PIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EncryptedKey {
    /// Always [`KDF`].
    pub kdf: String,
    pub iterations: u32,
    /// base64, 16 bytes.
    pub salt: String,
    /// base64, 12 bytes.
    pub nonce: String,
    /// base64 of AES-256-GCM(PBKDF2(PIN)) of the 32-byte secret scalar (48 bytes with the tag).
    pub ciphertext: String,
}

/// The file a card is saved as (created by the server, loaded in the browser).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CardFile {
    /// Always [`CARD_FORMAT`].
    pub format: String,
    pub certificate: Certificate,
    pub key: EncryptedKey,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardError {
    /// The file or certificate is malformed; the text says what is wrong (Japanese).
    Format(String),
    PinFormat,
    WrongPin,
    BadSignature,
    UntrustedIssuer,
    NotYetValid,
    Expired,
    Revoked,
    BadKey,
}

impl CardError {
    /// The message shown to the user.
    pub fn message(&self) -> String {
        match self {
            CardError::Format(detail) => format!("カードのデータが正しくありません（{detail}）。"),
            CardError::PinFormat => "暗証番号は数字4桁で入力してください。".into(),
            CardError::WrongPin => "暗証番号が違います。".into(),
            CardError::BadSignature => "電子署名を確認できませんでした。カードまたは電子証明書が改ざんされている可能性があります。".into(),
            CardError::UntrustedIssuer => "この電子証明書は信頼できる認証局が発行したものではありません。".into(),
            CardError::NotYetValid => "この電子証明書はまだ有効期間が始まっていません。".into(),
            CardError::Expired => "この電子証明書は有効期限が切れています。".into(),
            CardError::Revoked => "この電子証明書は失効しています。".into(),
            CardError::BadKey => "カードの鍵が正しくありません。".into(),
        }
    }
}

impl std::fmt::Display for CardError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for CardError {}

fn fmt_err(detail: String) -> CardError {
    CardError::Format(detail)
}

fn decode(b64: &str, what: &str) -> Result<Vec<u8>, CardError> {
    B64.decode(b64)
        .map_err(|_| fmt_err(format!("{what}が base64 ではありません")))
}

fn decode_len<const N: usize>(b64: &str, what: &str) -> Result<[u8; N], CardError> {
    decode(b64, what)?
        .try_into()
        .map_err(|_| fmt_err(format!("{what}の長さが {N} バイトではありません")))
}

/// Accepts only the 65-byte SEC1 uncompressed encoding.
fn parse_public_key(b64: &str) -> Result<VerifyingKey, CardError> {
    let bytes = B64.decode(b64).map_err(|_| CardError::BadKey)?;
    if bytes.len() != 65 || bytes[0] != 4 {
        return Err(CardError::BadKey);
    }
    VerifyingKey::from_sec1_bytes(&bytes).map_err(|_| CardError::BadKey)
}

fn public_key_b64(key: &VerifyingKey) -> String {
    B64.encode(key.to_encoded_point(false).as_bytes())
}

/// The issuer string for a CA key: its name and the first 8 bytes of the SHA-256 of its
/// SEC1 public key, so a certificate from another demo CA (same name, other key) is
/// told apart from a tampered one.
fn issuer_for(key: &VerifyingKey) -> String {
    let digest = Sha256::digest(key.to_encoded_point(false).as_bytes());
    let id: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("{} (鍵ID {id})", DemoCa::NAME)
}

fn derive_aes_key(pin: &str, salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(pin.as_bytes(), salt, iterations, &mut key);
    key
}

/// The randomness for one new card, supplied by the caller (the domain has none).
pub struct CardEntropy {
    /// The card's secret scalar; if it is not a valid P-256 scalar (0 or ≥ n,
    /// practically never for random bytes) issuing fails with `BadKey`: draw again.
    pub key: [u8; 32],
    pub salt: [u8; 16],
    pub nonce: [u8; 12],
}

/// 利用者証明用 PIN: exactly 4 ASCII digits.
pub fn validate_pin(pin: &str) -> Result<(), CardError> {
    if pin.len() == 4 && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(CardError::PinFormat)
    }
}

/// The demo certificate authority (its secret key lives in the server's configuration).
pub struct DemoCa {
    key: SigningKey,
    /// Always [`PBKDF2_ITERATIONS`] outside this module's tests.
    iterations: u32,
}

impl std::fmt::Debug for DemoCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoCa")
            .field("issuer", &self.issuer())
            .finish_non_exhaustive()
    }
}

impl DemoCa {
    pub const NAME: &'static str = "扶助オン資 デモ認証局";

    /// Rejects a secret that is not a valid P-256 scalar (0 or ≥ n) with `BadKey`.
    pub fn from_secret(secret: &[u8; 32]) -> Result<Self, CardError> {
        let key = SigningKey::from_slice(secret).map_err(|_| CardError::BadKey)?;
        Ok(DemoCa {
            key,
            iterations: PBKDF2_ITERATIONS,
        })
    }

    pub fn public_key_b64(&self) -> String {
        public_key_b64(self.key.verifying_key())
    }

    /// The `issuer` this CA writes into its certificates: its name and key ID.
    pub fn issuer(&self) -> String {
        issuer_for(self.key.verifying_key())
    }

    /// Creates a card: certificate signed by this CA, key encrypted under `pin`.
    pub fn issue_card(
        &self,
        serial: &str,
        subject: CardSubject,
        not_before: NaiveDate,
        not_after: NaiveDate,
        pin: &str,
        entropy: &CardEntropy,
    ) -> Result<CardFile, CardError> {
        validate_pin(pin)?;
        if serial.trim().is_empty() {
            return Err(fmt_err("シリアル番号が空です".into()));
        }
        if not_after < not_before {
            return Err(fmt_err("有効期間の終了日が開始日より前です".into()));
        }
        let card_key = SigningKey::from_slice(&entropy.key).map_err(|_| CardError::BadKey)?;
        let mut certificate = Certificate {
            format: CERT_FORMAT.into(),
            serial: serial.into(),
            issuer: self.issuer(),
            subject,
            not_before: not_before.format(DATE_FORMAT).to_string(),
            not_after: not_after.format(DATE_FORMAT).to_string(),
            public_key: public_key_b64(card_key.verifying_key()),
            signature: String::new(),
        };
        let ca_sig: Signature = self.key.sign(&certificate.tbs_bytes());
        certificate.signature = B64.encode(ca_sig.to_der().as_bytes());

        let aes_key = derive_aes_key(pin, &entropy.salt, self.iterations);
        let cipher = Aes256Gcm::new_from_slice(&aes_key).map_err(|_| CardError::BadKey)?;
        let ciphertext = cipher
            .encrypt(&Nonce::from(entropy.nonce), entropy.key.as_slice())
            .map_err(|_| CardError::BadKey)?;
        Ok(CardFile {
            format: CARD_FORMAT.into(),
            certificate,
            key: EncryptedKey {
                kdf: KDF.into(),
                iterations: self.iterations,
                salt: B64.encode(entropy.salt),
                nonce: B64.encode(entropy.nonce),
                ciphertext: B64.encode(ciphertext),
            },
        })
    }
}

/// Reads a card file and checks the shape of every field (not signatures or dates).
pub fn parse_card_file(json: &str) -> Result<CardFile, CardError> {
    let card: CardFile = serde_json::from_str(json)
        .map_err(|e| fmt_err(format!("カードファイルとして読み取れません: {e}")))?;
    if card.format != CARD_FORMAT {
        return Err(fmt_err(format!(
            "カードファイルの形式「{}」には対応していません",
            card.format
        )));
    }
    card.certificate.parsed()?;
    check_key_shape(&card.key)?;
    Ok(card)
}

/// Salt, nonce and ciphertext (with tag).
type KeyParts = ([u8; 16], [u8; 12], [u8; 48]);

fn check_key_shape(key: &EncryptedKey) -> Result<KeyParts, CardError> {
    if key.kdf != KDF {
        return Err(fmt_err(format!(
            "鍵導出方式「{}」には対応していません",
            key.kdf
        )));
    }
    if key.iterations == 0 || key.iterations > MAX_ITERATIONS {
        return Err(fmt_err(format!(
            "鍵導出の反復回数 {} は範囲外です",
            key.iterations
        )));
    }
    Ok((
        decode_len(&key.salt, "ソルト")?,
        decode_len(&key.nonce, "ノンス")?,
        decode_len(&key.ciphertext, "暗号化された鍵")?,
    ))
}

/// A card whose key has been unlocked with the PIN (lives only in the browser's memory).
pub struct UnlockedCard {
    certificate: Certificate,
    key: SigningKey,
}

impl std::fmt::Debug for UnlockedCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnlockedCard")
            .field("serial", &self.certificate.serial)
            .finish_non_exhaustive()
    }
}

impl UnlockedCard {
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// base64 DER ECDSA-P256-SHA256 signature over the challenge bytes (RFC 6979).
    pub fn sign(&self, challenge: &[u8]) -> String {
        let sig: Signature = self.key.sign(challenge);
        B64.encode(sig.to_der().as_bytes())
    }
}

/// Decrypts the card's key with the PIN. `WrongPin` when AES-GCM authentication fails;
/// `BadKey` when the decrypted key does not match the certificate.
pub fn unlock(card: &CardFile, pin: &str) -> Result<UnlockedCard, CardError> {
    validate_pin(pin)?;
    let (_, _, cert_key) = card.certificate.parsed()?;
    let (salt, nonce, ciphertext) = check_key_shape(&card.key)?;
    let aes_key = derive_aes_key(pin, &salt, card.key.iterations);
    let cipher = Aes256Gcm::new_from_slice(&aes_key).map_err(|_| CardError::BadKey)?;
    let secret = cipher
        .decrypt(&Nonce::from(nonce), ciphertext.as_slice())
        .map_err(|_| CardError::WrongPin)?;
    let key = SigningKey::from_slice(&secret).map_err(|_| CardError::BadKey)?;
    if *key.verifying_key() != cert_key {
        return Err(CardError::BadKey);
    }
    Ok(UnlockedCard {
        certificate: card.certificate.clone(),
        key,
    })
}

/// Server side: check issuer name and CA signature, validity dates against `today`
/// (inclusive), revocation by serial, and the challenge signature by the certificate's key.
pub fn verify_signature(
    cert: &Certificate,
    ca_public_key_b64: &str,
    challenge: &[u8],
    signature_b64: &str,
    today: NaiveDate,
    is_revoked: impl Fn(&str) -> bool,
) -> Result<CardSubject, CardError> {
    let (not_before, not_after, card_key) = cert.parsed()?;
    let ca_key = parse_public_key(ca_public_key_b64)
        .map_err(|_| fmt_err("認証局の公開鍵の設定が正しくありません".into()))?;
    if cert.issuer != issuer_for(&ca_key) {
        return Err(CardError::UntrustedIssuer);
    }
    let ca_sig = Signature::from_der(&decode(&cert.signature, "電子証明書の署名")?)
        .map_err(|_| CardError::BadSignature)?;
    ca_key
        .verify(&cert.tbs_bytes(), &ca_sig)
        .map_err(|_| CardError::BadSignature)?;
    if today < not_before {
        return Err(CardError::NotYetValid);
    }
    if today > not_after {
        return Err(CardError::Expired);
    }
    if is_revoked(&cert.serial) {
        return Err(CardError::Revoked);
    }
    let sig = Signature::from_der(&decode(signature_b64, "署名")?)
        .map_err(|_| CardError::BadSignature)?;
    card_key
        .verify(challenge, &sig)
        .map_err(|_| CardError::BadSignature)?;
    Ok(cert.subject.clone())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use CardError::*;

    const PIN: &str = "1234";
    const CH: &[u8] = b"challenge";

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn subject() -> CardSubject {
        let (office_number, recipient_number) = ("12131015".into(), "1234566".into());
        CardSubject {
            office_number,
            recipient_number,
            name: "扶助 太郎".into(),
        }
    }

    fn entropy(seed: u8) -> CardEntropy {
        CardEntropy {
            key: [seed; 32],
            salt: [seed ^ 0x55; 16],
            nonce: [seed ^ 0xaa; 12],
        }
    }

    /// Few PBKDF2 iterations to keep the tests fast; the round trip uses the real count.
    fn ca(seed: u8) -> DemoCa {
        DemoCa {
            iterations: 1000,
            ..DemoCa::from_secret(&[seed; 32]).unwrap()
        }
    }

    /// Valid 2024-04-01..=2029-03-31.
    fn issue(ca: &DemoCa, serial: &str, seed: u8) -> CardFile {
        let (from, to) = (day(2024, 4, 1), day(2029, 3, 31));
        ca.issue_card(serial, subject(), from, to, PIN, &entropy(seed))
            .unwrap()
    }

    #[test]
    fn card_round_trip_is_deterministic() {
        let real = DemoCa::from_secret(&[7; 32]).unwrap();
        let full = || issue(&real, "C-1", 9);
        let card = full();
        assert_eq!(card, full());
        assert_eq!(card.key.iterations, PBKDF2_ITERATIONS);
        assert!(card.certificate.issuer.starts_with(DemoCa::NAME));
        let parsed = parse_card_file(&serde_json::to_string(&card).unwrap()).unwrap();
        assert_eq!(parsed, card);
        let unlocked = unlock(&parsed, PIN).unwrap();
        assert_eq!(unlocked.certificate(), &card.certificate);
        let sig = unlocked.sign(CH);
        assert_eq!(sig, unlocked.sign(CH));
        let ca_key = ca(7).public_key_b64();
        let today = day(2025, 1, 1);
        let got = verify_signature(&card.certificate, &ca_key, CH, &sig, today, |_| false);
        assert_eq!(got, Ok(subject()));
    }

    #[test]
    fn card_verification_failures() {
        // Every card below has the same key (seed 9), so one challenge signature serves all.
        let ok = issue(&ca(7), "C-1", 9).certificate;
        let revoked = issue(&ca(7), "C-REVOKED", 9).certificate;
        let foreign = issue(&ca(8), "C-1", 9).certificate;
        let forged = Certificate {
            issuer: ok.issuer.clone(),
            ..foreign.clone()
        };
        let edit = |f: fn(&mut Certificate)| {
            let mut c = ok.clone();
            f(&mut c);
            c
        };
        let renamed = edit(|c| c.subject.name = "別人".into());
        let renumbered = edit(|c| c.subject.recipient_number = "7654321".into());
        let extended = edit(|c| c.not_after = "2099-12-31".into());
        let sig = unlock(&issue(&ca(7), "C-1", 9), PIN).unwrap().sign(CH);
        let t = day(2025, 1, 1);
        let cases = [
            ("valid", &ok, CH, t, Ok(())),
            ("first day", &ok, CH, day(2024, 4, 1), Ok(())),
            ("last day", &ok, CH, day(2029, 3, 31), Ok(())),
            ("edited name", &renamed, CH, t, Err(BadSignature)),
            ("edited number", &renumbered, CH, t, Err(BadSignature)),
            ("edited not_after", &extended, CH, t, Err(BadSignature)),
            ("other challenge", &ok, b"challenge2", t, Err(BadSignature)),
            ("not yet valid", &ok, CH, day(2024, 3, 31), Err(NotYetValid)),
            ("expired", &ok, CH, day(2029, 4, 1), Err(Expired)),
            ("revoked", &revoked, CH, t, Err(Revoked)),
            ("other CA", &foreign, CH, t, Err(UntrustedIssuer)),
            ("other CA, issuer forged", &forged, CH, t, Err(BadSignature)),
        ];
        let ca_key = ca(7).public_key_b64();
        for (name, cert, challenge, today, want) in cases {
            let got = verify_signature(cert, &ca_key, challenge, &sig, today, |s| s == "C-REVOKED");
            assert_eq!(got.map(|_| ()), want, "{name}");
        }
        let garbage = B64.encode([1, 2, 3]);
        let got = verify_signature(&ok, &ca_key, CH, &garbage, t, |_| false);
        assert_eq!(got, Err(BadSignature));
    }

    #[test]
    fn card_pin_checks() {
        let card = issue(&ca(7), "C-1", 9);
        assert_eq!(unlock(&card, "9999").unwrap_err(), WrongPin);
        for pin in ["123", "12345", "12a4", "１２３４", "", " 123"] {
            assert_eq!(validate_pin(pin), Err(PinFormat), "{pin:?}");
            assert_eq!(unlock(&card, pin).unwrap_err(), PinFormat, "{pin:?}");
        }
        let (from, to) = (day(2024, 4, 1), day(2029, 3, 31));
        let err = ca(7).issue_card("C-2", subject(), from, to, "12", &entropy(9));
        assert_eq!(err.unwrap_err(), PinFormat);
        assert_eq!(WrongPin.message(), "暗証番号が違います。");
        assert_eq!(
            Expired.to_string(),
            "この電子証明書は有効期限が切れています。"
        );
        assert_eq!(Revoked.message(), "この電子証明書は失効しています。");
    }

    #[test]
    fn card_keys() {
        assert_eq!(DemoCa::from_secret(&[0; 32]).unwrap_err(), BadKey);
        assert_eq!(DemoCa::from_secret(&[0xff; 32]).unwrap_err(), BadKey);
        let bad = CardEntropy {
            key: [0; 32],
            ..entropy(9)
        };
        let (from, to) = (day(2024, 4, 1), day(2029, 3, 31));
        let err = ca(7).issue_card("C-2", subject(), from, to, PIN, &bad);
        assert_eq!(err.unwrap_err(), BadKey);
        // The encrypted key of another card (same PIN) does not match this certificate.
        let mut card = issue(&ca(7), "C-1", 9);
        card.key = issue(&ca(7), "C-1", 10).key;
        assert_eq!(unlock(&card, PIN).unwrap_err(), BadKey);
    }

    #[test]
    fn card_tbs_is_unambiguous() {
        let c = issue(&ca(7), "C-1", 9).certificate;
        let first = c.issuer.chars().next().unwrap();
        let serial = format!("{}{first}", c.serial);
        let moved = Certificate {
            serial,
            issuer: c.issuer.chars().skip(1).collect(),
            ..c.clone()
        };
        assert_ne!(c.tbs_bytes(), moved.tbs_bytes());
        let resigned = Certificate {
            signature: "x".into(),
            ..c.clone()
        };
        assert_eq!(c.tbs_bytes(), resigned.tbs_bytes());
    }

    #[test]
    fn card_malformed_files() {
        let json = serde_json::to_value(issue(&ca(7), "C-1", 9)).unwrap();
        let (short_nonce, short_key) = (B64.encode([0; 11]), B64.encode([0; 32]));
        let cases: [(&str, serde_json::Value, &str); 10] = [
            ("/format", "other/1".into(), "other/1"),
            ("/certificate/format", "x509".into(), "x509"),
            (
                "/certificate/not_after",
                "2029/03/31".into(),
                "有効期間の終了日",
            ),
            ("/certificate/public_key", "AAAA".into(), "公開鍵"),
            ("/certificate/signature", "!!".into(), "電子証明書の署名"),
            ("/key/kdf", "scrypt".into(), "scrypt"),
            ("/key/iterations", 0.into(), "反復回数"),
            ("/key/salt", "%%".into(), "ソルト"),
            ("/key/nonce", short_nonce.into(), "ノンス"),
            ("/key/ciphertext", short_key.into(), "暗号化された鍵"),
        ];
        let mut texts = vec![
            ("not json".to_string(), "読み取れません"),
            (
                r#"{"format":"fujo-onshi-mock-card/1"}"#.into(),
                "missing field",
            ),
        ];
        for (ptr, value, needle) in cases {
            let mut j = json.clone();
            *j.pointer_mut(ptr).unwrap() = value;
            texts.push((j.to_string(), needle));
        }
        for (text, needle) in texts {
            match parse_card_file(&text) {
                Err(e @ Format(_)) => {
                    assert!(e.message().contains(needle), "{}", e.message())
                }
                other => panic!("{needle}: {other:?}"),
            }
        }
    }
}
