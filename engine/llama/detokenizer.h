#pragma once
// Turns generated token ids into text as they arrive, so the answer can be shown while
// it is being written.
//
// Decoding one id at a time is wrong with SentencePiece: a word-leading '▁' is dropped
// when a piece is decoded alone, and a character split over <0x..> byte pieces comes out
// as U+FFFD per byte. The reference decodes the generated ids as a whole, so the
// concatenation of everything push() and flush() return equals
// Tokenizer::decode(all ids pushed): the first piece's dummy-prefix space is dropped,
// control ids vanish, <unk> reads " ⁇ ".
//
// How: the ids since the last point where all text was out are decoded again after an
// "anchor", the last ordinary piece before them, and the anchor's own text is cut off.
// The anchor makes SentencePiece treat the tail as the middle of a text, and because
// everything is committed whenever no character is pending, the window never holds more
// than the anchor and one incomplete character: each push() costs O(1).
#include <string>
#include <vector>

namespace ibllm {

class Tokenizer;

class StreamingDetokenizer {
public:
    // Keeps a reference: the tokenizer must outlive this object.
    explicit StreamingDetokenizer(const Tokenizer& tokenizer);

    // The text completed by `id`: possibly empty, never a partial UTF-8 character.
    // Byte pieces that start a multi-byte character are held back until the character is
    // complete; if it is broken off instead, they come out as U+FFFD as in decode().
    std::string push(int id);
    // Whatever is still held back (an unfinished character, as U+FFFD per byte, as
    // SentencePiece renders it), then starts afresh as reset() does.
    std::string flush();
    // Forgets everything: the next push() starts a new text.
    void reset();

private:
    // How many trailing byte pieces of the window are the start of a multi-byte UTF-8
    // character that later bytes could still complete.
    size_t incomplete_trailing_bytes() const;

    const Tokenizer* tokenizer_;
    std::vector<int> window_;   // [anchor] + ids not yet committed
    bool anchored_ = false;     // window_[0] is an anchor
    size_t anchor_bytes_ = 0;   // length of the anchor's own text at the front of decode(window_)
    size_t emitted_bytes_ = 0;  // text after the anchor already returned
};

}  // namespace ibllm
