#include "engine/imagebind/preprocess/unicode_text.h"

#include <algorithm>

#include "engine/imagebind/preprocess/unicode_tables.h"

namespace ibllm::unicode {
namespace {

using namespace unicode_tables;

constexpr char32_t kReplacement = 0xFFFD;

bool in_ranges(const CodeRange* ranges, size_t count, char32_t cp) {
    const CodeRange* end = ranges + count;
    const CodeRange* it = std::upper_bound(ranges, end, cp, [](char32_t v, const CodeRange& r) { return v < r.first; });
    return it != ranges && cp <= (it - 1)->last;
}

// Returns cp mapped through the first run covering it, or cp itself.
char32_t map_runs(const DeltaRun* runs, size_t count, char32_t cp) {
    const DeltaRun* end = runs + count;
    const DeltaRun* it = std::upper_bound(runs, end, cp, [](char32_t v, const DeltaRun& r) { return v < r.first; });
    if (it == runs) return cp;
    const DeltaRun& run = *(it - 1);
    if (cp > run.last || (cp - run.first) % run.stride != 0) return cp;
    return static_cast<char32_t>(static_cast<int64_t>(cp) + run.delta);
}

char32_t compose_pair(char32_t a, char32_t b) {
    // Hangul syllables compose algorithmically (L + V -> LV, LV + T -> LVT).
    constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
    constexpr int kVCount = 21, kTCount = 28, kSCount = 11172;
    if (a >= kLBase && a < kLBase + 19 && b >= kVBase && b < kVBase + kVCount)
        return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
    if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase && b < kTBase + kTCount)
        return a + (b - kTBase);
    const Composition* end = kCompositions + kCompositionsCount;
    const Composition* it = std::lower_bound(kCompositions, end, std::make_pair(a, b),
                                             [](const Composition& c, const std::pair<char32_t, char32_t>& key) {
                                                 return c.first != key.first ? c.first < key.first
                                                                             : c.second < key.second;
                                             });
    return it != end && it->first == a && it->second == b ? it->composite : 0;
}

bool is_case_ignorable(char32_t cp) {
    switch (cp) {
        case 0x27: case 0x2E: case 0x3A: case 0x5E: case 0x60: case 0xA8: case 0xAD:
        case 0xAF: case 0xB4: case 0xB7: case 0xB8: case 0x2019:
            return true;
        default:
            return is_mark(cp);
    }
}

// CPython's final-sigma test, with "cased" approximated by "letter".
bool is_final_sigma(const std::u32string& text, size_t i) {
    size_t j = i;
    while (j > 0 && is_case_ignorable(text[j - 1])) --j;
    if (j == 0 || !is_letter(text[j - 1])) return false;
    size_t k = i + 1;
    while (k < text.size() && is_case_ignorable(text[k])) ++k;
    return !(k < text.size() && is_letter(text[k]));
}

}  // namespace

std::u32string decode_utf8(const std::string& utf8) {
    std::u32string out;
    out.reserve(utf8.size());
    const auto* s = reinterpret_cast<const unsigned char*>(utf8.data());
    const size_t n = utf8.size();
    size_t i = 0;
    while (i < n) {
        const unsigned char lead = s[i];
        int length;
        char32_t cp, min_cp;
        if (lead < 0x80) { out.push_back(lead); ++i; continue; }
        if (lead >= 0xC2 && lead <= 0xDF) { length = 2; cp = lead & 0x1F; min_cp = 0x80; }
        else if (lead >= 0xE0 && lead <= 0xEF) { length = 3; cp = lead & 0x0F; min_cp = 0x800; }
        else if (lead >= 0xF0 && lead <= 0xF4) { length = 4; cp = lead & 0x07; min_cp = 0x10000; }
        else { out.push_back(kReplacement); ++i; continue; }
        int got = 1;
        while (got < length && i + got < n && (s[i + got] & 0xC0) == 0x80) {
            cp = (cp << 6) | (s[i + got] & 0x3F);
            ++got;
        }
        if (got < length || cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            out.push_back(kReplacement);
            i += got;  // resynchronise after the bytes that looked like this sequence
            continue;
        }
        out.push_back(cp);
        i += length;
    }
    return out;
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

std::string encode_utf8(const std::u32string& text) {
    std::string out;
    out.reserve(text.size());
    for (char32_t cp : text) append_utf8(out, cp);
    return out;
}

bool is_letter(char32_t cp) { return in_ranges(kLetters, kLettersCount, cp); }
bool is_number(char32_t cp) { return in_ranges(kNumbers, kNumbersCount, cp); }
bool is_mark(char32_t cp) { return in_ranges(kMarks, kMarksCount, cp); }

bool is_white_space(char32_t cp) {
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
           cp == 0x3000;
}

bool is_python_space(char32_t cp) { return is_white_space(cp) || (cp >= 0x1C && cp <= 0x1F); }

std::u32string to_lower(const std::u32string& text) {
    std::u32string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        const char32_t cp = text[i];
        if (cp == 0x130) {  // LATIN CAPITAL LETTER I WITH DOT ABOVE: the one multi-character lowering
            out.push_back(U'i');
            out.push_back(0x307);
        } else if (cp == 0x3A3) {
            out.push_back(is_final_sigma(text, i) ? 0x3C2 : 0x3C3);
        } else {
            out.push_back(map_runs(kLowercase, kLowercaseCount, cp));
        }
    }
    return out;
}

std::u32string compose_nfc(const std::u32string& text) {
    std::u32string out;
    out.reserve(text.size());
    bool last_can_compose = false;  // out.back() is a starter (or a composite) directly before
    for (char32_t cp : text) {
        cp = map_runs(kSingletons, kSingletonsCount, cp);
        if (last_can_compose) {
            if (const char32_t composite = compose_pair(out.back(), cp)) {
                out.back() = composite;
                continue;
            }
        }
        out.push_back(cp);
        // A mark that did not compose blocks later marks in our simplified model; a new
        // non-mark (including a Hangul jamo) starts a new composition.
        last_can_compose = !is_mark(cp);
    }
    return out;
}

char32_t fold_width(char32_t cp) {
    if (cp != 0x3000 && (cp < 0xFF01 || cp > 0xFFEF)) return cp;
    return map_runs(kWidth, kWidthCount, cp);
}

}  // namespace ibllm::unicode
