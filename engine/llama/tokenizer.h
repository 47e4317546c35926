#pragma once
// LLaMA's SentencePiece tokenizer, with the behaviour of the reference Tokenizer
// (llama/tokenizer.py): encode() adds BOS/EOS on request, decode() is SentencePiece's
// DecodeIds.
//
// SentencePiece itself runs in the separate module libibllm_spm.so (see spm_module.cpp
// for why). It is loaded once per process and found, in this order, at
//   1. $IBLLM_SPM_MODULE,
//   2. next to the running executable (the build tree puts everything in bin/),
//   3. <executable dir>/IBLLM_MODULE_DIR_FROM_BIN (the installed layout).
//
// All methods are const and safe to call from several threads at once.
#include <memory>
#include <string>
#include <vector>

namespace ibllm {

class Tokenizer {
public:
    // Throws ibllm::Error when the module cannot be loaded or the file is not a
    // SentencePiece model.
    explicit Tokenizer(const std::string& model_path);

    // Token ids of `text` (taken literally: "<s>" in the text is ordinary text, never
    // BOS), with BOS in front and/or EOS at the end on request.
    std::vector<int> encode(const std::string& text, bool bos, bool eos) const;
    // SentencePiece's decoding: control ids (BOS/EOS) vanish, <unk> reads " ⁇ ", the
    // dummy-prefix space of the first piece is dropped, and byte pieces that do not form
    // valid UTF-8 become U+FFFD. Throws ibllm::Error for an id outside the vocabulary.
    std::string decode(const std::vector<int>& ids) const;

    std::string id_to_piece(int id) const;
    int n_words() const { return n_words_; }
    int bos_id() const { return bos_id_; }
    int eos_id() const { return eos_id_; }
    int pad_id() const { return pad_id_; }  // -1 for LLaMA: it has no pad piece
    int unk_id() const { return unk_id_; }
    bool is_byte(int id) const;     // a <0xXX> byte-fallback piece
    bool is_control(int id) const;  // <s>, </s>
    bool is_unknown(int id) const;  // <unk>
    // The byte a byte-fallback piece stands for, or -1 for any other id.
    int byte_value(int id) const;

    // Trains a small LLaMA-style BPE tokenizer (byte fallback, split digits, dummy
    // prefix, identity normalisation) on a UTF-8 text file, one sentence per line, and
    // writes `<model_prefix>.model`. Deterministic: the same corpus gives the same file.
    // Throws ibllm::Error on failure (e.g. a vocabulary too large for the corpus).
    // `required_chars` (UTF-8) each get a piece of their own, however rare in the corpus.
    static void train(const std::string& corpus_path, const std::string& model_prefix,
                      int vocab_size, const std::string& required_chars = "");

    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::shared_ptr<void> handle_;  // the module's processor; freed through the module
    int n_words_ = 0;
    int bos_id_ = -1;
    int eos_id_ = -1;
    int pad_id_ = -1;
    int unk_id_ = -1;
};

}  // namespace ibllm
