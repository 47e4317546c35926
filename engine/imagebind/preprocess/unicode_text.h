#pragma once
// The few Unicode operations the CLIP tokenizer needs, without ICU: UTF-8 conversion,
// letter/number classification (the regex classes \p{L}, \p{N}, \s), Python's str.lower(),
// a limited NFC and ftfy's width folding. Character data comes from unicode_tables.cpp,
// generated from Python's unicodedata (Unicode 14.0).
//
// Limits (all rare in captions): NFC composes a base with the combining mark directly after
// it (repeatedly, so base + two composing marks works), but does not reorder marks by
// combining class, compose across a non-composing mark, or map the CJK compatibility
// ideographs; lower() approximates Python's "cased"/"case-ignorable" tests of the final-sigma
// rule with letters/marks.
#include <string>

namespace ibllm::unicode {

// Invalid UTF-8 bytes become U+FFFD, as Python's decode(errors="replace") would.
std::u32string decode_utf8(const std::string& utf8);
std::string encode_utf8(const std::u32string& text);
void append_utf8(std::string& out, char32_t cp);

bool is_letter(char32_t cp);        // general category L*
bool is_number(char32_t cp);        // general category N*
bool is_mark(char32_t cp);          // general category M*
bool is_white_space(char32_t cp);   // Unicode White_Space: the regex module's \s
bool is_python_space(char32_t cp);  // str.isspace(), what str.strip() removes

// Python's str.lower(): full mapping (U+0130 -> "i\u0307") and the final-sigma rule.
std::u32string to_lower(const std::u32string& text);

// Canonical composition (see the limits above), including Hangul syllables.
std::u32string compose_nfc(const std::u32string& text);

// ftfy's fix_character_width for one character: fullwidth/halfwidth forms and U+3000 to
// their NFKC equivalents; other characters are returned unchanged.
char32_t fold_width(char32_t cp);

}  // namespace ibllm::unicode
