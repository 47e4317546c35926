#include "engine/imagebind/preprocess/clip_text_cleaner.h"

#include <unordered_map>

#include "engine/imagebind/preprocess/unicode_text.h"

namespace ibllm {
namespace {

using unicode::is_python_space;
using unicode::is_white_space;

// ---------------------------------------------------------------------------------------
// HTML character references

struct NamedEntity {
    const char* name;
    char32_t value;
};

// Latin-1 entities in code point order (U+00A0 .. U+00FF): HTML5 also accepts all of these
// without the trailing ';' (the "legacy" names), as do amp, lt, gt, quot and the
// upper-case AMP, LT, GT, QUOT, COPY, REG.
constexpr const char* kLatin1Names[96] = {
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf", "laquo",
    "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro", "para", "middot",
    "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest", "Agrave", "Aacute", "Acirc", "Atilde",
    "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml",
    "ETH", "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc",
    "Uuml", "Yacute", "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde", "ograve", "oacute",
    "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml"};

constexpr NamedEntity kLegacyExtra[] = {{"amp", '&'}, {"lt", '<'},  {"gt", '>'},     {"quot", '"'},   {"AMP", '&'},
                                        {"LT", '<'},  {"GT", '>'},  {"QUOT", '"'},   {"COPY", 0xA9}, {"REG", 0xAE}};

// Common entities that need their ';'.
constexpr NamedEntity kSemicolonOnly[] = {
    {"apos", '\''},     {"OElig", 0x152},   {"oelig", 0x153},   {"Scaron", 0x160},  {"scaron", 0x161},
    {"Yuml", 0x178},    {"fnof", 0x192},    {"circ", 0x2C6},    {"tilde", 0x2DC},   {"ensp", 0x2002},
    {"emsp", 0x2003},   {"thinsp", 0x2009}, {"zwnj", 0x200C},   {"zwj", 0x200D},    {"lrm", 0x200E},
    {"rlm", 0x200F},    {"ndash", 0x2013},  {"mdash", 0x2014},  {"lsquo", 0x2018},  {"rsquo", 0x2019},
    {"sbquo", 0x201A},  {"ldquo", 0x201C},  {"rdquo", 0x201D},  {"bdquo", 0x201E},  {"dagger", 0x2020},
    {"Dagger", 0x2021}, {"bull", 0x2022},   {"hellip", 0x2026}, {"permil", 0x2030}, {"prime", 0x2032},
    {"Prime", 0x2033},  {"lsaquo", 0x2039}, {"rsaquo", 0x203A}, {"oline", 0x203E},  {"frasl", 0x2044},
    {"euro", 0x20AC},   {"trade", 0x2122},  {"larr", 0x2190},   {"uarr", 0x2191},   {"rarr", 0x2192},
    {"darr", 0x2193},   {"harr", 0x2194},   {"minus", 0x2212},  {"infin", 0x221E},  {"ne", 0x2260},
    {"le", 0x2264},     {"ge", 0x2265},     {"spades", 0x2660}, {"clubs", 0x2663},  {"hearts", 0x2665},
    {"diams", 0x2666},  {"Alpha", 0x391},   {"Beta", 0x392},    {"Gamma", 0x393},   {"Delta", 0x394},
    {"Epsilon", 0x395}, {"Zeta", 0x396},    {"Eta", 0x397},     {"Theta", 0x398},   {"Iota", 0x399},
    {"Kappa", 0x39A},   {"Lambda", 0x39B},  {"Mu", 0x39C},      {"Nu", 0x39D},      {"Xi", 0x39E},
    {"Omicron", 0x39F}, {"Pi", 0x3A0},      {"Rho", 0x3A1},     {"Sigma", 0x3A3},   {"Tau", 0x3A4},
    {"Upsilon", 0x3A5}, {"Phi", 0x3A6},     {"Chi", 0x3A7},     {"Psi", 0x3A8},     {"Omega", 0x3A9},
    {"alpha", 0x3B1},   {"beta", 0x3B2},    {"gamma", 0x3B3},   {"delta", 0x3B4},   {"epsilon", 0x3B5},
    {"zeta", 0x3B6},    {"eta", 0x3B7},     {"theta", 0x3B8},   {"iota", 0x3B9},    {"kappa", 0x3BA},
    {"lambda", 0x3BB},  {"mu", 0x3BC},      {"nu", 0x3BD},      {"xi", 0x3BE},      {"omicron", 0x3BF},
    {"pi", 0x3C0},      {"rho", 0x3C1},     {"sigmaf", 0x3C2},  {"sigma", 0x3C3},   {"tau", 0x3C4},
    {"upsilon", 0x3C5}, {"phi", 0x3C6},     {"chi", 0x3C7},     {"psi", 0x3C8},     {"omega", 0x3C9},
};

// Name (with ';' where HTML5 requires it) -> character, like Python's html.entities.html5.
const std::unordered_map<std::string, char32_t>& html5_entities() {
    static const std::unordered_map<std::string, char32_t> table = [] {
        std::unordered_map<std::string, char32_t> t;
        auto add_legacy = [&t](const std::string& name, char32_t value) {
            t[name] = value;
            t[name + ";"] = value;
        };
        for (int i = 0; i < 96; ++i) add_legacy(kLatin1Names[i], 0xA0 + i);
        for (const auto& e : kLegacyExtra) add_legacy(e.name, e.value);
        for (const auto& e : kSemicolonOnly) t[std::string(e.name) + ";"] = e.value;
        return t;
    }();
    return table;
}

// Windows-1252 meanings of 0x80..0x9F (0 where the code page leaves the byte undefined);
// used by html.unescape for numeric references and by ftfy's fix_c1_controls.
constexpr char32_t kWindows1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

bool is_ascii_digit(char32_t c) { return c >= '0' && c <= '9'; }
bool is_hex_digit(char32_t c) { return is_ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_ascii_alnum(char32_t c) { return is_ascii_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Python's html._replace_charref for a numeric reference; appends the result.
void append_numeric_reference(std::u32string& out, const std::u32string& digits, bool hex) {
    uint64_t value = 0;
    bool overflow = false;
    for (char32_t c : digits) {
        const unsigned d = is_ascii_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
        value = value * (hex ? 16 : 10) + d;
        if (value > 0x10FFFF) {
            overflow = true;
            value = 0x110000;  // keeps the arithmetic bounded for absurdly long digit runs
        }
    }
    if (!overflow && value == 0) { out.push_back(0xFFFD); return; }
    if (!overflow && value == 0x0D) { out.push_back('\r'); return; }
    if (!overflow && value >= 0x80 && value <= 0x9F) {
        const char32_t mapped = kWindows1252High[value - 0x80];
        out.push_back(mapped ? mapped : char32_t(value));
        return;
    }
    if (overflow || (value >= 0xD800 && value <= 0xDFFF)) { out.push_back(0xFFFD); return; }
    const bool invalid = (value >= 0x1 && value <= 0x8) || value == 0xB || (value >= 0xE && value <= 0x1F) ||
                         (value >= 0x7F && value <= 0x9F) || (value >= 0xFDD0 && value <= 0xFDEF) ||
                         (value & 0xFFFE) == 0xFFFE;
    if (!invalid) out.push_back(char32_t(value));
}

std::string utf8_of(const std::u32string& s, size_t begin, size_t end) {
    std::string out;
    for (size_t i = begin; i < end; ++i) unicode::append_utf8(out, s[i]);
    return out;
}

// Python's html.unescape: &#123; &#x7b; (';' optional), named references with ';', and the
// legacy names without ';' (longest prefix, the rest kept as text).
std::u32string python_html_unescape(const std::u32string& s) {
    if (s.find(U'&') == std::u32string::npos) return s;
    const auto& entities = html5_entities();
    std::u32string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        if (s[i] != U'&' || i + 1 >= s.size()) { out.push_back(s[i++]); continue; }
        size_t j = i + 1;
        if (s[j] == U'#') {
            const bool hex = j + 1 < s.size() && (s[j + 1] == U'x' || s[j + 1] == U'X');
            size_t k = j + (hex ? 2 : 1);
            const size_t digits_begin = k;
            while (k < s.size() && (hex ? is_hex_digit(s[k]) : is_ascii_digit(s[k]))) ++k;
            if (k == digits_begin) { out.push_back(s[i++]); continue; }
            append_numeric_reference(out, s.substr(digits_begin, k - digits_begin), hex);
            i = (k < s.size() && s[k] == U';') ? k + 1 : k;
            continue;
        }
        // Named: up to 32 characters other than \t \n \f space < & # ;, then an optional ';'.
        size_t k = j;
        while (k < s.size() && k - j < 32) {
            const char32_t c = s[k];
            if (c == U'\t' || c == U'\n' || c == U'\f' || c == U' ' || c == U'<' || c == U'&' || c == U'#' || c == U';')
                break;
            ++k;
        }
        if (k == j) { out.push_back(s[i++]); continue; }
        const bool semicolon = k < s.size() && s[k] == U';';
        const size_t end = semicolon ? k + 1 : k;
        if (auto it = entities.find(utf8_of(s, j, end)); it != entities.end()) {
            out.push_back(it->second);
            i = end;
            continue;
        }
        // Longest legacy (semicolon-less) name that prefixes the reference; the rest stays text.
        bool replaced = false;
        for (size_t len = end - j - 1; len >= 2; --len) {
            if (auto it = entities.find(utf8_of(s, j, j + len)); it != entities.end()) {
                out.push_back(it->second);
                out.append(s, j + len, end - (j + len));
                replaced = true;
                break;
            }
        }
        if (!replaced) out.append(s, i, end - i);
        i = end;
    }
    return out;
}

// ftfy's unescape_html: only complete references "&#?[0-9A-Za-z]{1,24};".
std::u32string ftfy_html_unescape(const std::u32string& s) {
    if (s.find(U'&') == std::u32string::npos) return s;
    const auto& entities = html5_entities();
    std::u32string out;
    size_t i = 0;
    while (i < s.size()) {
        if (s[i] == U'&') {
            size_t k = i + 1;
            if (k < s.size() && s[k] == U'#') ++k;
            const size_t body = k;
            while (k < s.size() && k - body < 24 && is_ascii_alnum(s[k])) ++k;
            if (k > body && k < s.size() && s[k] == U';') {
                const std::u32string reference = s.substr(i, k + 1 - i);
                if (s[i + 1] != U'#') {
                    auto it = entities.find(utf8_of(s, i + 1, k + 1));
                    if (it != entities.end()) {
                        out.push_back(it->second);
                        i = k + 1;
                        continue;
                    }
                } else {
                    const std::u32string decoded = python_html_unescape(reference);
                    if (decoded.find(U';') == std::u32string::npos) {  // the ';' must be consumed
                        out += decoded;
                        i = k + 1;
                        continue;
                    }
                }
                out += reference;
                i = k + 1;
                continue;
            }
        }
        out.push_back(s[i++]);
    }
    return out;
}

// ---------------------------------------------------------------------------------------
// ftfy's other default fixes

// "\x1b[" digits/semicolons then a letter: colour and cursor codes pasted from a terminal.
std::u32string remove_terminal_escapes(const std::u32string& s) {
    std::u32string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == 0x1B && i + 1 < s.size() && s[i + 1] == U'[') {
            size_t k = i + 2;
            while (k < s.size() && (is_ascii_digit(s[k]) || s[k] == U';')) ++k;
            if (k < s.size() && ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z'))) {
                i = k;
                continue;
            }
        }
        out.push_back(s[i]);
    }
    return out;
}

// fix_character_width, then uncurl_quotes.
char32_t fold_width_and_quotes(char32_t c) {
    c = unicode::fold_width(c);
    if (c == 0x2BC || (c >= 0x2018 && c <= 0x201B)) return U'\'';
    if (c >= 0x201C && c <= 0x201F) return U'"';
    return c;
}

// fix_latin_ligatures: the typographic ligatures and the digraph letters ftfy splits.
const char* ligature_expansion(char32_t c) {
    switch (c) {
        case 0x132: return "IJ";
        case 0x133: return "ij";
        case 0x149: return "\xCA\xBCn";  // ŉ -> ʼn
        case 0x1C4: return "D\xC5\xBD";  // Ǆ -> DŽ
        case 0x1C5: return "D\xC5\xBE";
        case 0x1C6: return "d\xC5\xBE";
        case 0x1C7: return "LJ";
        case 0x1C8: return "Lj";
        case 0x1C9: return "lj";
        case 0x1CA: return "NJ";
        case 0x1CB: return "Nj";
        case 0x1CC: return "nj";
        case 0x1F1: return "DZ";
        case 0x1F2: return "Dz";
        case 0x1F3: return "dz";
        case 0xFB00: return "ff";
        case 0xFB01: return "fi";
        case 0xFB02: return "fl";
        case 0xFB03: return "ffi";
        case 0xFB04: return "ffl";
        case 0xFB05: return "\xC5\xBFt";  // ﬅ -> ſt
        case 0xFB06: return "st";
        default: return nullptr;
    }
}

// remove_control_chars: C0 controls except \t \n \f \r, DEL, deprecated format characters,
// the BOM, interlinear annotation marks, musical formatting and tag characters.
bool is_removed_control(char32_t c) {
    return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || (c >= 0x206A && c <= 0x206F) ||
           c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC) || (c >= 0x1D173 && c <= 0x1D17A) ||
           (c >= 0xE0000 && c <= 0xE007F);
}

std::u32string apply_character_fixes(const std::u32string& s) {
    std::u32string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        // ftfy's fixers run one after another over the whole text; as they are (almost all)
        // per-character maps, they are fused here in ftfy's order: C1 controls, ligatures,
        // width, quotes, line breaks, control characters.
        char32_t c = s[i];
        if (c >= 0x80 && c <= 0x9F && kWindows1252High[c - 0x80]) c = kWindows1252High[c - 0x80];
        if (const char* expansion = ligature_expansion(c)) {
            for (char32_t e : unicode::decode_utf8(expansion)) out.push_back(fold_width_and_quotes(e));
            continue;
        }
        // fix_line_breaks (U+0085 would be one too, but fix_c1_controls already made it '…')
        if (c == U'\r') {
            out.push_back(U'\n');
            if (i + 1 < s.size() && s[i + 1] == U'\n') ++i;
            continue;
        }
        if (c == 0x2028 || c == 0x2029) {
            out.push_back(U'\n');
            continue;
        }
        c = fold_width_and_quotes(c);
        if (is_removed_control(c)) continue;
        out.push_back(c);
    }
    return out;
}

std::u32string ftfy_fix_text(std::u32string text) {
    // ftfy repeats its fixes until the text stops changing.
    for (int round = 0; round < 8; ++round) {
        const std::u32string before = text;
        if (text.find(U'<') == std::u32string::npos) text = ftfy_html_unescape(text);
        text = remove_terminal_escapes(text);
        text = apply_character_fixes(text);
        text = unicode::compose_nfc(text);
        if (text == before) break;
    }
    return text;
}

std::u32string strip_python(const std::u32string& s) {
    size_t begin = 0, end = s.size();
    while (begin < end && is_python_space(s[begin])) ++begin;
    while (end > begin && is_python_space(s[end - 1])) --end;
    return s.substr(begin, end - begin);
}

std::u32string collapse_white_space(const std::u32string& s) {
    std::u32string out;
    out.reserve(s.size());
    bool in_space = false;
    for (char32_t c : s) {
        if (is_white_space(c)) {
            if (!in_space) out.push_back(U' ');
            in_space = true;
        } else {
            out.push_back(c);
            in_space = false;
        }
    }
    return out;
}

}  // namespace

std::u32string clean_clip_text_u32(const std::string& text) {
    std::u32string s = ftfy_fix_text(unicode::decode_utf8(text));
    s = python_html_unescape(python_html_unescape(s));
    s = strip_python(s);
    s = strip_python(collapse_white_space(s));
    return unicode::to_lower(s);
}

std::string clean_clip_text(const std::string& text) { return unicode::encode_utf8(clean_clip_text_u32(text)); }

}  // namespace ibllm
