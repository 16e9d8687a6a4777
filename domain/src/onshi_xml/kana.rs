//! `NameKana` is 半角カナ in onshi results (`domain-reference.md` §3.3), while the 台帳
//! stores 全角カタカナ: 全角 → 半角, voiced kana split into base + ﾞ/ﾟ (ガ → ｶﾞ).

const FULL: &str = "。「」、・ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン゛゜";
const HALF: &str = "｡｢｣､･ｦｧｨｩｪｫｬｭｮｯｰｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝﾞﾟ";

const VOICED: &str = "ガギグゲゴザジズゼゾダヂヅデドバビブベボ";
const VOICED_BASE: &str = "カキクケコサシスセソタチツテトハヒフヘホ";
const SEMI_VOICED: &str = "パピプペポ";
const SEMI_VOICED_BASE: &str = "ハヒフヘホ";

/// The character at the position of `c` in `from`, taken from `to`.
fn mapped(c: char, from: &str, to: &str) -> Option<char> {
    from.chars()
        .position(|f| f == c)
        .and_then(|i| to.chars().nth(i))
}

/// 全角カタカナ (and the 全角 space) → 半角; anything else is kept as it is.
pub fn to_half_width_kana(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if let Some(h) = mapped(c, FULL, HALF) {
            out.push(h);
        } else if let Some(base) = mapped(c, VOICED, VOICED_BASE) {
            out.extend(mapped(base, FULL, HALF));
            out.push('ﾞ');
        } else if let Some(base) = mapped(c, SEMI_VOICED, SEMI_VOICED_BASE) {
            out.extend(mapped(base, FULL, HALF));
            out.push('ﾟ');
        } else {
            match c {
                'ヴ' => out.push_str("ｳﾞ"),
                'ヵ' => out.push('ｶ'),
                'ヶ' => out.push('ｹ'),
                'ヮ' => out.push('ﾜ'),
                '\u{3000}' => out.push(' '),
                _ => out.push(c),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::to_half_width_kana;

    #[test]
    fn kana_half_width() {
        for (full, half) in [
            ("トウキョウ　イチロウ", "ﾄｳｷｮｳ ｲﾁﾛｳ"),
            ("ガギグゲゴ", "ｶﾞｷﾞｸﾞｹﾞｺﾞ"),
            ("ザジズゼゾダヂヅデド", "ｻﾞｼﾞｽﾞｾﾞｿﾞﾀﾞﾁﾞﾂﾞﾃﾞﾄﾞ"),
            ("バビブベボパピプペポ", "ﾊﾞﾋﾞﾌﾞﾍﾞﾎﾞﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ"),
            ("ヴァッツテト", "ｳﾞｧｯﾂﾃﾄ"),
            ("ヶ月ヵ所ヮ", "ｹ月ｶ所ﾜ"),
            ("サトウ　ハナコー", "ｻﾄｳ ﾊﾅｺｰ"),
            ("ABC 123", "ABC 123"),
        ] {
            assert_eq!(to_half_width_kana(full), half, "{full}");
        }
    }
}
