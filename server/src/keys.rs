//! Keys kept in the data directory (`--data DIR`), created on first start:
//! - `ca.key`: the demo CA's secret (signs mock マイナンバーカード certificates);
//! - `data.key`: the AES-256-GCM key that encrypts stored 個人番号.
//!
//! Several server instances (PostgreSQL deployment) share the same two files.
//! Files are written with mode 0600. Their contents are never logged.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::Context;
use base64::Engine as _;
use rand::RngCore;

use domain::card::DemoCa;

pub struct Keys {
    pub ca: DemoCa,
    data_key: [u8; 32],
}

impl Keys {
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Keys> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create {}", data_dir.display()))?;
        let ca_secret = load_or_create_secret(&data_dir.join("ca.key"), |bytes| {
            DemoCa::from_secret(bytes).is_ok()
        })?;
        let data_key = load_or_create_secret(&data_dir.join("data.key"), |_| true)?;
        let ca = DemoCa::from_secret(&ca_secret)
            .map_err(|e| anyhow::anyhow!("ca.key: {}", e.message()))?;
        Ok(Keys { ca, data_key })
    }

    /// The key of the 個人番号 lookup digest (`store::people::individual_number_digest`):
    /// derived from `data.key`, never the encryption key itself.
    pub fn digest_key(&self) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"onshi digest key v1");
        h.update(self.data_key);
        h.finalize().into()
    }

    pub fn ca_public_key_b64(&self) -> String {
        self.ca.public_key_b64()
    }

    /// Encrypt a 個人番号 for storage: base64(nonce ‖ ciphertext).
    pub fn seal(&self, plaintext: &str) -> anyhow::Result<String> {
        let cipher = Aes256Gcm::new_from_slice(&self.data_key)
            .map_err(|_| anyhow::anyhow!("data key length"))?;
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = cipher
            .encrypt(&Nonce::from(nonce), plaintext.as_bytes())
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(base64::engine::general_purpose::STANDARD.encode(out))
    }

    pub fn open(&self, sealed: &str) -> anyhow::Result<String> {
        let bytes = base64::engine::general_purpose::STANDARD.decode(sealed)?;
        if bytes.len() < 12 {
            anyhow::bail!("sealed value too short");
        }
        let (nonce, ct) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce
            .try_into()
            .map_err(|_| anyhow::anyhow!("nonce length"))?;
        let cipher = Aes256Gcm::new_from_slice(&self.data_key)
            .map_err(|_| anyhow::anyhow!("data key length"))?;
        let pt = cipher
            .decrypt(&Nonce::from(nonce), ct)
            .map_err(|_| anyhow::anyhow!("decryption failed (wrong data.key?)"))?;
        Ok(String::from_utf8(pt)?)
    }
}

fn load_or_create_secret(
    path: &Path,
    valid: impl Fn(&[u8; 32]) -> bool,
) -> anyhow::Result<[u8; 32]> {
    if path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .with_context(|| format!("{} is not base64", path.display()))?;
        let secret: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("{} must hold 32 bytes", path.display()))?;
        return Ok(secret);
    }
    let mut secret = [0u8; 32];
    loop {
        rand::rngs::OsRng.fill_bytes(&mut secret);
        if valid(&secret) {
            break;
        }
    }
    write_private(
        path,
        &base64::engine::general_purpose::STANDARD.encode(secret),
    )?;
    Ok(secret)
}

/// Write a file readable only by its owner.
pub fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}
