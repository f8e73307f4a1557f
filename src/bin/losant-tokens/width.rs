//! How many terminal columns text takes, for tables aligned by what a
//! reader sees rather than by bytes or characters (`café ☕ 東京`).
//!
//! A small approximation of Unicode's East Asian Width and of how terminals
//! draw emoji, without a dependency: wide and fullwidth characters (CJK,
//! Hangul, fullwidth forms) and emoji take 2 columns; combining marks,
//! variation selectors and zero-width joiners take none; everything else
//! takes 1. Text reaches a table only after `clean`, so there are no
//! control characters left.

/// The columns `text` takes in a terminal.
pub fn width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

/// `text` followed by spaces up to `columns` columns.
pub fn pad(text: &str, columns: usize) -> String {
    let mut out = text.to_owned();
    out.extend(std::iter::repeat_n(
        ' ',
        columns.saturating_sub(width(text)),
    ));
    out
}

fn char_width(c: char) -> usize {
    let c = u32::from(c);
    if ZERO.iter().any(|&(lo, hi)| (lo..=hi).contains(&c)) {
        0
    } else if WIDE.iter().any(|&(lo, hi)| (lo..=hi).contains(&c)) {
        2
    } else {
        1
    }
}

/// Combining marks, zero-width characters and variation selectors.
const ZERO: &[(u32, u32)] = &[
    (0x0300, 0x036F),
    (0x0483, 0x0489),
    (0x0591, 0x05BD),
    (0x0610, 0x061A),
    (0x064B, 0x065F),
    (0x0E31, 0x0E31),
    (0x0E34, 0x0E3A),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x200B, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x2064),
    (0x20D0, 0x20FF),
    (0xFE00, 0xFE0F),
    (0xFE20, 0xFE2F),
    (0xFEFF, 0xFEFF),
    (0x1F3FB, 0x1F3FF), // skin tone modifiers join the emoji before them
    (0xE0000, 0xE01EF),
];

/// East Asian Wide and Fullwidth ranges, and emoji drawn two columns wide.
const WIDE: &[(u32, u32)] = &[
    (0x1100, 0x115F),
    (0x231A, 0x231B),
    (0x2329, 0x232A),
    (0x23E9, 0x23EC),
    (0x23F0, 0x23F0),
    (0x23F3, 0x23F3),
    (0x25FD, 0x25FE),
    (0x2614, 0x2615),
    (0x2648, 0x2653),
    (0x267F, 0x267F),
    (0x2693, 0x2693),
    (0x26A1, 0x26A1),
    (0x26AA, 0x26AB),
    (0x26BD, 0x26BE),
    (0x26C4, 0x26C5),
    (0x26CE, 0x26CE),
    (0x26D4, 0x26D4),
    (0x26EA, 0x26EA),
    (0x26F2, 0x26F3),
    (0x26F5, 0x26F5),
    (0x26FA, 0x26FA),
    (0x26FD, 0x26FD),
    (0x2705, 0x2705),
    (0x270A, 0x270B),
    (0x2728, 0x2728),
    (0x274C, 0x274C),
    (0x274E, 0x274E),
    (0x2753, 0x2755),
    (0x2757, 0x2757),
    (0x2795, 0x2797),
    (0x27B0, 0x27B0),
    (0x27BF, 0x27BF),
    (0x2B1B, 0x2B1C),
    (0x2B50, 0x2B50),
    (0x2B55, 0x2B55),
    (0x2E80, 0x303E),
    (0x3041, 0x33FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xA000, 0xA4CF),
    (0xA960, 0xA97F),
    (0xAC00, 0xD7A3),
    (0xF900, 0xFAFF),
    (0xFE10, 0xFE19),
    (0xFE30, 0xFE6F),
    (0xFF00, 0xFF60),
    (0xFFE0, 0xFFE6),
    (0x16FE0, 0x18CFF),
    (0x1B000, 0x1B2FF),
    (0x1F004, 0x1F004),
    (0x1F0CF, 0x1F0CF),
    (0x1F18E, 0x1F18E),
    (0x1F191, 0x1F19A),
    (0x1F200, 0x1F251),
    (0x1F300, 0x1F64F),
    (0x1F680, 0x1F6FF),
    (0x1F7E0, 0x1F7EB),
    (0x1F90C, 0x1F9FF),
    (0x1FA70, 0x1FAFF),
    (0x20000, 0x2FFFD),
    (0x30000, 0x3FFFD),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_columns_not_characters() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("café"), 4);
        assert_eq!(width("cafe\u{301}"), 4, "a combining accent");
        assert_eq!(width("☕"), 2);
        assert_eq!(width("東京"), 4);
        assert_eq!(width("café ☕ 東京"), 12);
        assert_eq!(width("🚀"), 2);
        assert_eq!(width("👍🏽"), 2, "a skin tone joins its emoji");
        assert_eq!(width("한국"), 4);
        assert_eq!(width("ＡＢ"), 4, "fullwidth forms");
        assert_eq!(width("❤\u{fe0f}"), 1, "text-default symbol with a selector");
        assert_eq!(width(""), 0);
    }

    #[test]
    fn pads_to_columns() {
        assert_eq!(pad("東京", 6), "東京  ");
        assert_eq!(pad("abc", 2), "abc");
    }
}
