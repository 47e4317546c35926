#include "engine/imagebind/preprocess/clip_tokenizer.h"

#include <ATen/ATen.h>
#include <zlib.h>

#include <array>
#include <filesystem>
#include <limits>
#include <mutex>
#include <string_view>
#include <system_error>
#include <unordered_map>

#include "engine/error.h"
#include "engine/imagebind/preprocess/clip_text_cleaner.h"
#include "engine/imagebind/preprocess/unicode_text.h"

namespace ibllm {
namespace {

// The reference keeps lines 1 .. 49152 - 256 - 2 of the file (line 0 is a version header).
constexpr size_t kMergeCount = 49152 - 256 - 2;
constexpr const char* kStartOfTextToken = "<|startoftext|>";
constexpr const char* kEndOfTextToken = "<|endoftext|>";

std::string read_gzip_file(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        throw Error(path + " does not exist; the CLIP vocabulary bpe_simple_vocab_16e6.txt.gz must be there "
                           "(copy it from the ImageBind release).");
    gzFile file = gzopen(path.c_str(), "rb");
    if (!file) throw Error(path + " cannot be opened; check that you may read it.");
    std::string data;
    std::array<char, 1 << 16> buffer;
    int n;
    while ((n = gzread(file, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0) data.append(buffer.data(), n);
    // A stream cut short only sets Z_BUF_ERROR ("unexpected end of file") and lets gzread
    // return 0, so the error state is what tells a truncated download from a complete one.
    int error_number = Z_OK;
    std::string message = gzerror(file, &error_number);
    if (message.rfind(path + ": ", 0) == 0) message.erase(0, path.size() + 2);  // zlib prefixes the path
    gzclose(file);
    if (n < 0 || error_number != Z_OK)
        throw Error(path + " is corrupt (" + message +
                    "); download bpe_simple_vocab_16e6.txt.gz again from the ImageBind release.");
    return data;
}

// GPT-2's reversible byte -> printable character map: printable Latin-1 bytes stand for
// themselves, the others take code points from U+0100 upwards in byte order.
std::array<char32_t, 256> byte_to_unicode() {
    std::array<char32_t, 256> map{};
    std::array<bool, 256> printable{};
    for (int b = '!'; b <= '~'; ++b) printable[b] = true;
    for (int b = 0xA1; b <= 0xAC; ++b) printable[b] = true;
    for (int b = 0xAE; b <= 0xFF; ++b) printable[b] = true;
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) map[b] = printable[b] ? char32_t(b) : next++;
    return map;
}

// The vocabulary order of the first 256 ids: printable bytes first, then the others.
std::array<int, 256> byte_vocab_order() {
    std::array<int, 256> order{};
    int i = 0;
    for (int b = '!'; b <= '~'; ++b) order[i++] = b;
    for (int b = 0xA1; b <= 0xAC; ++b) order[i++] = b;
    for (int b = 0xAE; b <= 0xFF; ++b) order[i++] = b;
    for (int b = 0; b < 256; ++b)
        if (!((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF))) order[i++] = b;
    return order;
}

bool starts_with_at(const std::u32string& s, size_t i, std::string_view ascii) {
    if (s.size() - i < ascii.size()) return false;
    for (size_t k = 0; k < ascii.size(); ++k)
        if (s[i + k] != char32_t(static_cast<unsigned char>(ascii[k]))) return false;
    return true;
}

// Case-insensitive match of one ASCII letter, as the reference's IGNORECASE flag does
// (the long s U+017F folds to 's', the Kelvin sign U+212A to 'k').
bool letter_matches(char32_t c, char lower) {
    if (c == char32_t(lower) || c == char32_t(lower - 'a' + 'A')) return true;
    return (lower == 's' && c == 0x17F) || (lower == 'k' && c == 0x212A);
}

// Length of the contraction suffix ('s 't 're 've 'm 'll 'd, tried in that order) at i, or 0.
size_t contraction_length(const std::u32string& s, size_t i) {
    if (s[i] != U'\'') return 0;
    static constexpr const char* kSuffixes[] = {"s", "t", "re", "ve", "m", "ll", "d"};
    for (const char* suffix : kSuffixes) {
        const size_t len = std::char_traits<char>::length(suffix);
        if (s.size() - i - 1 < len) continue;
        bool match = true;
        for (size_t k = 0; k < len && match; ++k) match = letter_matches(s[i + 1 + k], suffix[k]);
        if (match) return len + 1;
    }
    return 0;
}

// CLIP's word pattern, applied like Python's re.findall.
std::vector<std::u32string> split_words(const std::u32string& s) {
    using unicode::is_letter;
    using unicode::is_number;
    using unicode::is_white_space;
    std::vector<std::u32string> words;
    size_t i = 0;
    while (i < s.size()) {
        size_t len = 0;
        if (starts_with_at(s, i, kStartOfTextToken)) {
            len = std::char_traits<char>::length(kStartOfTextToken);
        } else if (starts_with_at(s, i, kEndOfTextToken)) {
            len = std::char_traits<char>::length(kEndOfTextToken);
        } else if ((len = contraction_length(s, i)) > 0) {
        } else if (is_letter(s[i])) {
            len = 1;
            while (i + len < s.size() && is_letter(s[i + len])) ++len;
        } else if (is_number(s[i])) {
            len = 1;
        } else if (!is_white_space(s[i])) {
            len = 1;
            while (i + len < s.size() && !is_white_space(s[i + len]) && !is_letter(s[i + len]) &&
                   !is_number(s[i + len]))
                ++len;
        } else {
            ++i;  // whitespace separates words and is never part of one
            continue;
        }
        words.push_back(s.substr(i, len));
        i += len;
    }
    return words;
}

}  // namespace

struct ClipTokenizer::Impl {
    std::array<std::string, 256> byte_symbols;        // byte -> its printable character, UTF-8
    std::unordered_map<std::string, int> merge_rank;  // "first second" -> rank
    std::unordered_map<std::string, int64_t> vocab;   // symbol -> id
    mutable std::mutex cache_mutex;
    mutable std::unordered_map<std::string, std::vector<int64_t>> cache;  // word -> ids; words recur, texts are short

    std::vector<int64_t> bpe(const std::string& word_utf8) const;
    void append_ids(const std::string& text, std::vector<int64_t>& ids) const;
};

ClipTokenizer::ClipTokenizer(const std::string& bpe_gz_path) : impl_(std::make_unique<Impl>()) {
    const std::string data = read_gzip_file(bpe_gz_path);
    const std::string not_clip = bpe_gz_path +
                                 " is not CLIP's BPE merges file; use bpe_simple_vocab_16e6.txt.gz from the "
                                 "ImageBind release.";
    // Lines 1 .. kMergeCount, each "first second".
    std::vector<std::pair<std::string, std::string>> merges;
    merges.reserve(kMergeCount);
    size_t pos = data.find('\n');
    if (pos == std::string::npos) throw Error(not_clip);
    ++pos;
    while (merges.size() < kMergeCount && pos < data.size()) {
        size_t end = data.find('\n', pos);
        if (end == std::string::npos) end = data.size();
        std::string_view line(data.data() + pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        const size_t space = line.find(' ');
        if (space == std::string_view::npos || space == 0 || line.find(' ', space + 1) != std::string_view::npos ||
            space + 1 == line.size())
            throw Error(not_clip);
        merges.emplace_back(std::string(line.substr(0, space)), std::string(line.substr(space + 1)));
        pos = end + 1;
    }
    if (merges.size() < kMergeCount) throw Error(not_clip);

    const auto to_unicode = byte_to_unicode();
    for (int b = 0; b < 256; ++b) unicode::append_utf8(impl_->byte_symbols[b], to_unicode[b]);

    // ids: 256 byte symbols, the same with "</w>", one per merge, then the two specials.
    // Later duplicates overwrite earlier ones, as Python's dict(zip(...)) does.
    int64_t id = 0;
    const auto order = byte_vocab_order();
    for (int b : order) impl_->vocab[impl_->byte_symbols[b]] = id++;
    for (int b : order) impl_->vocab[impl_->byte_symbols[b] + "</w>"] = id++;
    for (const auto& [first, second] : merges) impl_->vocab[first + second] = id++;
    impl_->vocab[kStartOfTextToken] = id++;
    impl_->vocab[kEndOfTextToken] = id++;
    for (size_t rank = 0; rank < merges.size(); ++rank)
        impl_->merge_rank[merges[rank].first + " " + merges[rank].second] = static_cast<int>(rank);
}

ClipTokenizer::~ClipTokenizer() = default;

int64_t ClipTokenizer::vocab_size() const { return static_cast<int64_t>(impl_->vocab.size()); }

std::vector<int64_t> ClipTokenizer::Impl::bpe(const std::string& word_utf8) const {
    {
        std::lock_guard<std::mutex> lock(cache_mutex);
        if (auto it = cache.find(word_utf8); it != cache.end()) return it->second;
    }
    std::vector<std::string> symbols;
    if (word_utf8 == kStartOfTextToken || word_utf8 == kEndOfTextToken) {
        symbols.push_back(word_utf8);  // the specials are whole vocabulary entries
    } else {
        for (char32_t cp : unicode::decode_utf8(word_utf8)) {
            symbols.emplace_back();
            unicode::append_utf8(symbols.back(), cp);
        }
        symbols.back() += "</w>";
        while (symbols.size() > 1) {
            int best_rank = std::numeric_limits<int>::max();
            size_t best = 0;
            for (size_t i = 0; i + 1 < symbols.size(); ++i) {
                auto it = merge_rank.find(symbols[i] + " " + symbols[i + 1]);
                if (it != merge_rank.end() && it->second < best_rank) best_rank = it->second, best = i;
            }
            if (best_rank == std::numeric_limits<int>::max()) break;
            const std::string first = symbols[best], second = symbols[best + 1];
            // Merge every non-overlapping occurrence, left to right.
            std::vector<std::string> merged;
            merged.reserve(symbols.size());
            for (size_t i = 0; i < symbols.size();) {
                if (i + 1 < symbols.size() && symbols[i] == first && symbols[i + 1] == second) {
                    merged.push_back(first + second);
                    i += 2;
                } else {
                    merged.push_back(symbols[i]);
                    ++i;
                }
            }
            symbols.swap(merged);
        }
    }
    std::vector<int64_t> ids;
    ids.reserve(symbols.size());
    for (const auto& symbol : symbols) {
        auto it = vocab.find(symbol);
        if (it == vocab.end())
            throw Error("The CLIP vocabulary has no entry for a merged symbol; the BPE merges file is damaged, so "
                        "download bpe_simple_vocab_16e6.txt.gz again.");
        ids.push_back(it->second);
    }
    std::lock_guard<std::mutex> lock(cache_mutex);
    cache.emplace(word_utf8, ids);
    return ids;
}

void ClipTokenizer::Impl::append_ids(const std::string& text, std::vector<int64_t>& ids) const {
    for (const std::u32string& word : split_words(clean_clip_text_u32(text))) {
        std::string encoded;
        for (unsigned char byte : unicode::encode_utf8(word)) encoded += byte_symbols[byte];
        const std::vector<int64_t> word_ids = bpe(encoded);
        ids.insert(ids.end(), word_ids.begin(), word_ids.end());
    }
}

std::vector<int64_t> ClipTokenizer::encode_untruncated(const std::string& text) const {
    std::vector<int64_t> ids;
    impl_->append_ids(text, ids);
    return ids;
}

std::vector<int64_t> ClipTokenizer::encode(const std::string& text) const {
    std::vector<int64_t> ids{kStartOfText};
    impl_->append_ids(text, ids);
    ids.push_back(kEndOfText);
    ids.resize(kContextLength, 0);  // cuts a long text (dropping its EOT) or zero pads
    return ids;
}

at::Tensor ClipTokenizer::encode_batch(const std::vector<std::string>& texts) const {
    at::Tensor out = at::zeros({static_cast<int64_t>(texts.size()), kContextLength}, at::kLong);
    int64_t* dst = out.data_ptr<int64_t>();
    for (size_t i = 0; i < texts.size(); ++i) {
        const std::vector<int64_t> ids = encode(texts[i]);
        std::copy(ids.begin(), ids.end(), dst + i * kContextLength);
    }
    return out;
}

}  // namespace ibllm
