#include "engine/llama/tokenizer.h"

#include "engine/error.h"

#include <dlfcn.h>
#include <link.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#ifndef IBLLM_MODULE_DIR_FROM_BIN
#define IBLLM_MODULE_DIR_FROM_BIN "../lib/imagebind-llm"
#endif

namespace ibllm {
namespace {

namespace fs = std::filesystem;

constexpr const char* kModuleName = "libibllm_spm.so";

#if defined(__SANITIZE_ADDRESS__)
#define IBLLM_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IBLLM_ADDRESS_SANITIZER 1
#endif
#endif

#ifdef IBLLM_ADDRESS_SANITIZER
// Whether AddressSanitizer's runtime is a shared library of this process (gcc's default; clang
// links it into the executable).
bool shared_sanitizer_runtime() {
    bool found = false;
    ::dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* data) {
            if (info->dlpi_name != nullptr && std::strstr(info->dlpi_name, "libasan.so") != nullptr) {
                *static_cast<bool*>(data) = true;
                return 1;
            }
            return 0;
        },
        &found);
    return found;
}
#endif

// dlopen() with RTLD_DEEPBIND. AddressSanitizer's runtime intercepts dlopen() and ends the
// process on that flag: a library bound deep could take the C library's malloc or operator
// new instead of the sanitizer's. Where the runtime is a shared library (gcc), the module is
// linked against it, so the runtime comes first in the module's own lookup scope and the
// module binds to it anyway; and only ints, caller-owned buffers and one opaque handle cross
// the module's boundary. There a sanitizer build calls the C library's own dlopen(), past the
// interceptor, and the suites that load a language model run under the sanitizers with the
// same module, flags and protobuf separation as the product. With the runtime inside the
// executable (clang: the fuzz harnesses, which bring no libtorch and so no second protobuf)
// the module is loaded without the flag.
void* open_deep(const char* file, int flags) {
#ifdef IBLLM_ADDRESS_SANITIZER
    using DlopenFn = void* (*)(const char*, int);
    static const DlopenFn libc_dlopen = []() -> DlopenFn {
        if (!shared_sanitizer_runtime()) return nullptr;
        void* libc = ::dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
        return libc ? reinterpret_cast<DlopenFn>(::dlsym(libc, "dlopen")) : nullptr;
    }();
    if (libc_dlopen != nullptr) return libc_dlopen(file, flags | RTLD_DEEPBIND);
    return ::dlopen(file, flags);
#else
    return ::dlopen(file, flags | RTLD_DEEPBIND);
#endif
}

// The C interface of spm_module.cpp, resolved once per process.
struct SpmModule {
    void* (*load)(const char*, char*, int) = nullptr;
    void (*free)(void*) = nullptr;
    int (*encode)(const void*, const char*, int, int*, int) = nullptr;
    int (*decode)(const void*, const int*, int, char*, int) = nullptr;
    int (*id_to_piece)(const void*, int, char*, int) = nullptr;
    int (*piece_size)(const void*) = nullptr;
    int (*bos_id)(const void*) = nullptr;
    int (*eos_id)(const void*) = nullptr;
    int (*unk_id)(const void*) = nullptr;
    int (*pad_id)(const void*) = nullptr;
    int (*is_byte)(const void*, int) = nullptr;
    int (*is_control)(const void*, int) = nullptr;
    int (*is_unknown)(const void*, int) = nullptr;
    int (*train)(const char*, const char*, int, const char*, char*, int) = nullptr;
};

fs::path executable_dir() {
    char buf[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0) return {};
    return fs::path(std::string(buf, static_cast<size_t>(n))).parent_path();
}

std::vector<fs::path> module_candidates() {
    if (const char* env = std::getenv("IBLLM_SPM_MODULE"); env != nullptr && *env != '\0')
        return {fs::path(env)};
    const fs::path dir = executable_dir();
    return {dir / kModuleName, (dir / IBLLM_MODULE_DIR_FROM_BIN / kModuleName).lexically_normal()};
}

template <typename Fn>
void resolve(void* lib, const char* name, const fs::path& file, Fn& fn) {
    fn = reinterpret_cast<Fn>(::dlsym(lib, name));
    if (fn == nullptr)
        throw Error("The tokenizer module " + file.string() + " lacks " + name +
                    "; reinstall ImageBind-LLM so that the module matches the program.");
}

SpmModule open_module() {
    const std::vector<fs::path> candidates = module_candidates();
    for (const fs::path& file : candidates) {
        std::error_code ec;
        if (!fs::is_regular_file(file, ec)) continue;
        // RTLD_DEEPBIND makes the module prefer its own sentencepiece/protobuf symbols over
        // the ones libtorch already brought into the process: sentencepiece's embedded
        // protobuf-lite 3.14 and libtorch's protobuf 3.21 crash or abort when they share them.
        void* lib = open_deep(file.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (lib == nullptr) {
            const char* why = ::dlerror();
            throw Error("The tokenizer module " + file.string() + " could not be loaded (" +
                        (why ? why : "unknown reason") +
                        "); reinstall ImageBind-LLM or install libsentencepiece0.");
        }
        SpmModule m;
        resolve(lib, "ibllm_spm_load", file, m.load);
        resolve(lib, "ibllm_spm_free", file, m.free);
        resolve(lib, "ibllm_spm_encode", file, m.encode);
        resolve(lib, "ibllm_spm_decode", file, m.decode);
        resolve(lib, "ibllm_spm_id_to_piece", file, m.id_to_piece);
        resolve(lib, "ibllm_spm_piece_size", file, m.piece_size);
        resolve(lib, "ibllm_spm_bos_id", file, m.bos_id);
        resolve(lib, "ibllm_spm_eos_id", file, m.eos_id);
        resolve(lib, "ibllm_spm_unk_id", file, m.unk_id);
        resolve(lib, "ibllm_spm_pad_id", file, m.pad_id);
        resolve(lib, "ibllm_spm_is_byte", file, m.is_byte);
        resolve(lib, "ibllm_spm_is_control", file, m.is_control);
        resolve(lib, "ibllm_spm_is_unknown", file, m.is_unknown);
        resolve(lib, "ibllm_spm_train", file, m.train);
        return m;  // the library stays loaded for the life of the process
    }
    std::string where;
    for (const fs::path& file : candidates) where += (where.empty() ? "" : " or ") + file.string();
    throw Error("The tokenizer module " + std::string(kModuleName) + " was not found at " +
                where + "; reinstall ImageBind-LLM or set IBLLM_SPM_MODULE to its path.");
}

// Loaded on first use. If loading throws, the next call tries again.
const SpmModule& module() {
    static const SpmModule m = open_module();
    return m;
}

// Runs a module call that fills a buffer of T, growing the buffer when the first guess
// was too small. `call(data, cap)` returns the size needed or a negative value on error.
template <typename T, typename Call>
bool fill_buffer(std::vector<T>& buf, size_t first_guess, Call call) {
    buf.resize(std::max<size_t>(first_guess, 16));
    for (int attempt = 0; attempt < 2; ++attempt) {
        const int cap = static_cast<int>(std::min<size_t>(buf.size(), INT_MAX));
        const int needed = call(buf.data(), cap);
        if (needed < 0) return false;
        if (needed <= cap) {
            buf.resize(static_cast<size_t>(needed));
            return true;
        }
        buf.resize(static_cast<size_t>(needed));
    }
    return false;
}

}  // namespace

Tokenizer::Tokenizer(const std::string& model_path) : path_(model_path) {
    std::error_code ec;
    if (!fs::exists(model_path, ec))
        throw Error(model_path + " was not found; choose the tokenizer.model that came with LLaMA.");
    if (!fs::is_regular_file(model_path, ec))
        throw Error(model_path +
                    " is not a file; choose the tokenizer.model that came with LLaMA.");
    const SpmModule& m = module();
    char err[512] = {0};
    void* raw = m.load(model_path.c_str(), err, sizeof(err));
    if (raw == nullptr)
        throw Error(model_path +
                    " is not a SentencePiece model; choose the tokenizer.model that came with LLaMA.");
    handle_ = std::shared_ptr<void>(raw, m.free);
    n_words_ = m.piece_size(raw);
    bos_id_ = m.bos_id(raw);
    eos_id_ = m.eos_id(raw);
    pad_id_ = m.pad_id(raw);
    unk_id_ = m.unk_id(raw);
}

std::vector<int> Tokenizer::encode(const std::string& text, bool bos, bool eos) const {
    if (text.size() > static_cast<size_t>(INT_MAX))
        throw Error("The text to tokenize is larger than 2 GB; shorten it.");
    const SpmModule& m = module();
    std::vector<int> pieces;
    // Without normalisation a byte never yields more than one id (plus the dummy prefix),
    // so the first guess is almost always enough.
    const bool ok = fill_buffer(pieces, text.size() + 2, [&](int* data, int cap) {
        return m.encode(handle_.get(), text.data(), static_cast<int>(text.size()), data, cap);
    });
    if (!ok) throw Error("SentencePiece could not tokenize the text with " + path_ + ".");
    std::vector<int> ids;
    ids.reserve(pieces.size() + 2);
    if (bos) ids.push_back(bos_id_);
    ids.insert(ids.end(), pieces.begin(), pieces.end());
    if (eos) ids.push_back(eos_id_);
    return ids;
}

std::string Tokenizer::decode(const std::vector<int>& ids) const {
    for (int id : ids)
        if (id < 0 || id >= n_words_)
            throw Error("Token id " + std::to_string(id) + " is outside the vocabulary of " +
                        path_ + " (" + std::to_string(n_words_) +
                        " pieces); use the tokenizer.model that belongs to the model.");
    if (ids.size() > static_cast<size_t>(INT_MAX))
        throw Error("Too many token ids to decode at once.");
    const SpmModule& m = module();
    std::vector<char> text;
    const bool ok = fill_buffer(text, ids.size() * 8, [&](char* data, int cap) {
        return m.decode(handle_.get(), ids.data(), static_cast<int>(ids.size()), data, cap);
    });
    if (!ok) throw Error("SentencePiece could not decode the token ids with " + path_ + ".");
    return std::string(text.begin(), text.end());
}

std::string Tokenizer::id_to_piece(int id) const {
    if (id < 0 || id >= n_words_)
        throw Error("Token id " + std::to_string(id) + " is outside the vocabulary of " + path_ +
                    " (" + std::to_string(n_words_) + " pieces).");
    const SpmModule& m = module();
    std::vector<char> piece;
    const bool ok = fill_buffer(piece, 32, [&](char* data, int cap) {
        return m.id_to_piece(handle_.get(), id, data, cap);
    });
    if (!ok) throw Error("SentencePiece could not look up token id " + std::to_string(id) + ".");
    return std::string(piece.begin(), piece.end());
}

bool Tokenizer::is_byte(int id) const { return module().is_byte(handle_.get(), id) != 0; }

bool Tokenizer::is_control(int id) const { return module().is_control(handle_.get(), id) != 0; }

bool Tokenizer::is_unknown(int id) const { return module().is_unknown(handle_.get(), id) != 0; }

int Tokenizer::byte_value(int id) const {
    if (!is_byte(id)) return -1;
    // Byte-fallback pieces are spelled "<0xAB>".
    const std::string piece = id_to_piece(id);
    if (piece.size() != 6 || piece.compare(0, 3, "<0x") != 0 || piece[5] != '>') return -1;
    // The digits live in a named string: `end` points into them after the call.
    const std::string digits = piece.substr(3, 2);
    char* end = nullptr;
    const long value = std::strtol(digits.c_str(), &end, 16);
    return (end != nullptr && *end == '\0') ? static_cast<int>(value) : -1;
}

void Tokenizer::train(const std::string& corpus_path, const std::string& model_prefix,
                      int vocab_size, const std::string& required_chars) {
    std::error_code ec;
    if (!fs::is_regular_file(corpus_path, ec))
        throw Error("The tokenizer training text " + corpus_path +
                    " was not found; choose an existing UTF-8 text file.");
    char err[1024] = {0};
    if (module().train(corpus_path.c_str(), model_prefix.c_str(), vocab_size, required_chars.c_str(), err, sizeof(err)) != 0)
        throw Error("Training a tokenizer on " + corpus_path + " failed (" + err +
                    "); use a larger text or a smaller vocabulary.");
}

}  // namespace ibllm
