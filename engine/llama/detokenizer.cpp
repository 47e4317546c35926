#include "engine/llama/detokenizer.h"

#include "engine/llama/tokenizer.h"

namespace ibllm {
namespace {

// SentencePiece renders each byte of an invalid or unfinished UTF-8 sequence as U+FFFD.
constexpr const char kReplacement[] = "\xEF\xBF\xBD";
constexpr size_t kReplacementBytes = 3;

bool ends_with_replacements(const std::string& text, size_t count) {
    if (text.size() < count * kReplacementBytes) return false;
    for (size_t i = 0; i < count; ++i)
        if (text.compare(text.size() - (i + 1) * kReplacementBytes, kReplacementBytes,
                         kReplacement) != 0)
            return false;
    return true;
}

}  // namespace

StreamingDetokenizer::StreamingDetokenizer(const Tokenizer& tokenizer) : tokenizer_(&tokenizer) {}

void StreamingDetokenizer::reset() {
    window_.clear();
    anchored_ = false;
    anchor_bytes_ = 0;
    emitted_bytes_ = 0;
}

size_t StreamingDetokenizer::incomplete_trailing_bytes() const {
    // Walk back over at most 3 bytes (a UTF-8 character has at most 4) to the lead byte.
    // Erring towards holding back is safe: held bytes come out later either way.
    for (size_t k = 1; k <= 3 && k <= window_.size(); ++k) {
        const int b = tokenizer_->byte_value(window_[window_.size() - k]);
        if (b < 0) return 0;                      // the byte run ended: nothing pending
        if (b >= 0x80 && b <= 0xBF) continue;     // continuation byte
        if (b < 0xC0 || b > 0xF7) return 0;       // ASCII or never a lead byte
        const size_t length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
        return k < length ? k : 0;
    }
    return 0;
}

std::string StreamingDetokenizer::push(int id) {
    window_.push_back(id);
    const std::string text = tokenizer_->decode(window_);
    const std::string body = text.size() > anchor_bytes_ ? text.substr(anchor_bytes_) : std::string();

    const size_t held = incomplete_trailing_bytes();
    size_t stable = body.size();
    if (held > 0)
        stable = ends_with_replacements(body, held) ? body.size() - held * kReplacementBytes
                                                    : emitted_bytes_;
    std::string out;
    if (stable > emitted_bytes_) {
        out = body.substr(emitted_bytes_, stable - emitted_bytes_);
        emitted_bytes_ = stable;
    }
    if (held > 0) return out;

    // Everything so far is out: commit. An ordinary piece becomes the new anchor; after a
    // byte, control or <unk> piece the old anchor still does the job. Before the first
    // ordinary piece there is no anchor and the window keeps the ids from the start, so
    // that the first piece's dummy-prefix space is still dropped as decode() does.
    const bool ordinary =
        !tokenizer_->is_byte(id) && !tokenizer_->is_control(id) && !tokenizer_->is_unknown(id);
    if (ordinary) {
        window_.assign(1, id);
        anchor_bytes_ = tokenizer_->decode(window_).size();
        anchored_ = true;
        emitted_bytes_ = 0;
    } else if (anchored_) {
        window_.resize(1);
        emitted_bytes_ = 0;
    }
    return out;
}

std::string StreamingDetokenizer::flush() {
    std::string out;
    if (!window_.empty()) {
        const std::string text = tokenizer_->decode(window_);
        const size_t start = anchor_bytes_ + emitted_bytes_;
        if (text.size() > start) out = text.substr(start);
    }
    reset();
    return out;
}

}  // namespace ibllm
