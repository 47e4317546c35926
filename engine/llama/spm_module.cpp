// libibllm_spm.so: SentencePiece behind a plain C interface.
//
// Debian's libsentencepiece carries its own protobuf-lite 3.14 and exports its symbols,
// while libtorch needs libprotobuf 3.21; the two cannot share one symbol lookup (either
// order crashes or aborts at start-up). So SentencePiece lives alone in this module, which
// tokenizer.cpp dlopen()s with RTLD_LOCAL | RTLD_DEEPBIND. Only the functions below are
// visible (the target builds with hidden visibility), and they trade in ints, char
// buffers and one opaque handle, so no C++ type (let alone a protobuf one) crosses the
// boundary. Nothing may throw across it either: every entry point catches everything.
//
// Buffer convention: a function that fills a caller's buffer returns the size it needs
// (ids or bytes, without any terminator). When that is larger than the capacity given,
// the buffer content is unspecified and the caller retries with a bigger one. A negative
// return means failure.
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#define IBLLM_SPM_API extern "C" __attribute__((visibility("default")))

namespace {

void write_error(const std::string& message, char* err_buf, int err_cap) {
    if (err_buf == nullptr || err_cap <= 0) return;
    const size_t n = std::min(message.size(), static_cast<size_t>(err_cap - 1));
    std::memcpy(err_buf, message.data(), n);
    err_buf[n] = '\0';
}

int copy_out(const std::string& bytes, char* out, int cap) {
    if (bytes.size() > static_cast<size_t>(INT32_MAX)) return -1;
    const int needed = static_cast<int>(bytes.size());
    if (out != nullptr && needed <= cap) std::memcpy(out, bytes.data(), bytes.size());
    return needed;
}

const sentencepiece::SentencePieceProcessor* processor(const void* handle) {
    return static_cast<const sentencepiece::SentencePieceProcessor*>(handle);
}

bool valid_id(const void* handle, int id) {
    return handle != nullptr && id >= 0 && id < processor(handle)->GetPieceSize();
}

}  // namespace

// Returns a handle, or null with a message in err_buf.
IBLLM_SPM_API void* ibllm_spm_load(const char* path, char* err_buf, int err_cap) {
    try {
        auto sp = std::make_unique<sentencepiece::SentencePieceProcessor>();
        const auto status = sp->Load(path);
        if (!status.ok()) {
            write_error(status.ToString(), err_buf, err_cap);
            return nullptr;
        }
        // An empty or foreign protobuf can parse "successfully" into a model with no
        // pieces; nothing useful can be done with it.
        if (sp->GetPieceSize() <= 0) {
            write_error("the model has no pieces", err_buf, err_cap);
            return nullptr;
        }
        return sp.release();
    } catch (const std::exception& e) {
        write_error(e.what(), err_buf, err_cap);
    } catch (...) {
        write_error("unknown error while loading", err_buf, err_cap);
    }
    return nullptr;
}

IBLLM_SPM_API void ibllm_spm_free(void* handle) {
    delete static_cast<sentencepiece::SentencePieceProcessor*>(handle);
}

// Encodes UTF-8 text (no BOS/EOS) into ids; returns the number of ids.
IBLLM_SPM_API int ibllm_spm_encode(const void* handle, const char* text, int len, int* ids,
                                   int cap) {
    if (handle == nullptr || (text == nullptr && len > 0) || len < 0) return -1;
    try {
        std::vector<int> out;
        const auto status = processor(handle)->Encode(
            std::string(text == nullptr ? "" : text, static_cast<size_t>(len)), &out);
        if (!status.ok()) return -1;
        const int needed = static_cast<int>(out.size());
        if (ids != nullptr && needed <= cap) std::copy(out.begin(), out.end(), ids);
        return needed;
    } catch (...) {
        return -1;
    }
}

// Decodes ids exactly as SentencePiece's DecodeIds; returns the byte count, or -1 when
// an id is out of range.
IBLLM_SPM_API int ibllm_spm_decode(const void* handle, const int* ids, int n, char* out,
                                   int cap) {
    if (handle == nullptr || n < 0 || (ids == nullptr && n > 0)) return -1;
    try {
        std::vector<int> v(ids, ids + n);
        for (int id : v)
            if (!valid_id(handle, id)) return -1;
        std::string text;
        const auto status = processor(handle)->Decode(v, &text);
        if (!status.ok()) return -1;
        return copy_out(text, out, cap);
    } catch (...) {
        return -1;
    }
}

IBLLM_SPM_API int ibllm_spm_id_to_piece(const void* handle, int id, char* out, int cap) {
    if (!valid_id(handle, id)) return -1;
    try {
        return copy_out(processor(handle)->IdToPiece(id), out, cap);
    } catch (...) {
        return -1;
    }
}

IBLLM_SPM_API int ibllm_spm_piece_size(const void* handle) {
    return handle == nullptr ? -1 : processor(handle)->GetPieceSize();
}

IBLLM_SPM_API int ibllm_spm_bos_id(const void* handle) {
    return handle == nullptr ? -1 : processor(handle)->bos_id();
}

IBLLM_SPM_API int ibllm_spm_eos_id(const void* handle) {
    return handle == nullptr ? -1 : processor(handle)->eos_id();
}

IBLLM_SPM_API int ibllm_spm_unk_id(const void* handle) {
    return handle == nullptr ? -1 : processor(handle)->unk_id();
}

IBLLM_SPM_API int ibllm_spm_pad_id(const void* handle) {
    return handle == nullptr ? -1 : processor(handle)->pad_id();
}

// The is_* queries answer 0 for ids out of range instead of letting SentencePiece log.
IBLLM_SPM_API int ibllm_spm_is_byte(const void* handle, int id) {
    return valid_id(handle, id) && processor(handle)->IsByte(id) ? 1 : 0;
}

IBLLM_SPM_API int ibllm_spm_is_control(const void* handle, int id) {
    return valid_id(handle, id) && processor(handle)->IsControl(id) ? 1 : 0;
}

IBLLM_SPM_API int ibllm_spm_is_unknown(const void* handle, int id) {
    return valid_id(handle, id) && processor(handle)->IsUnknown(id) ? 1 : 0;
}

// Trains a BPE model on a UTF-8 text file (one sentence per line) with LLaMA's settings
// and writes `<model_prefix>.model` (no .vocab side file: the trainer hands the model
// back in memory). Returns 0, or -1 with a
// message in err_buf.
// `required_chars` (UTF-8, may be empty) become pieces whatever their count in the corpus.
IBLLM_SPM_API int ibllm_spm_train(const char* corpus_path, const char* model_prefix,
                                  int vocab_size, const char* required_chars, char* err_buf, int err_cap) {
    if (corpus_path == nullptr || model_prefix == nullptr || vocab_size <= 0) {
        write_error("invalid arguments", err_buf, err_cap);
        return -1;
    }
    try {
        // The settings of Meta's LLaMA tokenizer, so that a demo model behaves like the
        // real one: BPE, byte fallback for anything unseen, digits split, a dummy '▁'
        // prefix, whitespace kept as it is, <unk>=0 <s>=1 </s>=2 and no pad piece.
        // Single-threaded with a fixed seed and no sentence sampling, so the same corpus
        // always gives the same file.
        std::unordered_map<std::string, std::string> args = {
            {"input", corpus_path},
            {"vocab_size", std::to_string(vocab_size)},
            {"model_type", "bpe"},
            {"byte_fallback", "true"},
            {"split_digits", "true"},
            {"add_dummy_prefix", "true"},
            {"remove_extra_whitespaces", "false"},
            {"allow_whitespace_only_pieces", "true"},
            {"normalization_rule_name", "identity"},
            {"character_coverage", "0.99995"},
            {"unk_id", "0"},
            {"bos_id", "1"},
            {"eos_id", "2"},
            {"pad_id", "-1"},
            {"num_threads", "1"},
            {"input_sentence_size", "0"},
            {"shuffle_input_sentence", "false"},
            {"max_sentence_length", "16384"},
            {"minloglevel", "2"},
        };
        if (required_chars && *required_chars) {
            args["required_chars"] = required_chars;
            args["character_coverage"] = "1.0";
        }
        sentencepiece::SetRandomGeneratorSeed(1);
        std::string serialized;
        const auto status = sentencepiece::SentencePieceTrainer::Train(args, nullptr, &serialized);
        if (!status.ok()) {
            write_error(status.ToString(), err_buf, err_cap);
            return -1;
        }
        const std::string path = std::string(model_prefix) + ".model";
        std::ofstream file(path, std::ios::binary | std::ios::trunc);
        file.write(serialized.data(), static_cast<std::streamsize>(serialized.size()));
        file.close();
        if (!file) {
            write_error("cannot write " + path, err_buf, err_cap);
            return -1;
        }
        return 0;
    } catch (const std::exception& e) {
        write_error(e.what(), err_buf, err_cap);
    } catch (...) {
        write_error("unknown error while training", err_buf, err_cap);
    }
    return -1;
}
