#pragma once
// The text normalisation CLIP's SimpleTokenizer applies before splitting words:
//   ftfy.fix_text (ftfy 6.1.1 defaults) -> html.unescape twice -> strip -> collapse
//   whitespace runs to one space -> strip -> lower().
//
// ftfy is re-implemented for everything but its mojibake repair: HTML entities (only when
// the text has no '<', as ftfy's "auto" mode), terminal escape codes, C1 control characters
// read as Windows-1252, Latin ligatures (ﬁ -> fi), fullwidth/halfwidth characters and
// U+3000, curly quotes -> ASCII quotes, line breaks -> \n, removal of unwanted control
// characters, and NFC (see unicode_text.h for its limits). NOT done: fix_encoding (repairing
// UTF-8 that was decoded as Latin-1/Windows-1252, e.g. "cafÃ©" -> "café"); such text is
// tokenised as it is.
//
// html.unescape follows Python: numeric references with or without ';' (including its
// Windows-1252 remapping of 0x80-0x9F), and named references with the full semicolon-less
// "legacy" set; named references beyond a common subset (Latin-1, Greek letters, typographic
// punctuation, arrows, maths and card symbols) are left as they are.
#include <string>

namespace ibllm {

// Returns the cleaned, lower-cased text as UTF-8 (e.g. "Tom &amp; Jerry" -> "tom & jerry").
std::string clean_clip_text(const std::string& text);

// The same, as code points, for the tokenizer's word splitter.
std::u32string clean_clip_text_u32(const std::string& text);

}  // namespace ibllm
