#include "engine/checkpoint/npy.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <vector>

#include "engine/checkpoint/atomic_file.h"
#include "engine/checkpoint/mapped_file.h"
#include "engine/error.h"

namespace ibllm {

namespace {

struct NpyType {
    const char* descr;
    at::ScalarType type;
};

const NpyType kTypes[] = {
    {"<f4", at::kFloat}, {"<f8", at::kDouble}, {"<f2", at::kHalf}, {"<i8", at::kLong}, {"<i4", at::kInt},
    {"<i2", at::kShort}, {"|i1", at::kChar},   {"|u1", at::kByte}, {"|b1", at::kBool},
};

const char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

// The header is a Python dict literal, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// Only the three keys NumPy writes are read; the parser accepts exactly that form.
class HeaderParser {
public:
    HeaderParser(const std::string& text, const std::string& path) : s_(text), path_(path) {}

    void parse(std::string& descr, bool& fortran, std::vector<int64_t>& shape) {
        bool have_descr = false, have_order = false, have_shape = false;
        expect('{');
        while (true) {
            skip();
            if (peek() == '}') break;
            const std::string key = quoted();
            expect(':');
            if (key == "descr") {
                descr = quoted();
                have_descr = true;
            } else if (key == "fortran_order") {
                skip();
                if (s_.compare(pos_, 4, "True") == 0) {
                    fortran = true;
                    pos_ += 4;
                } else if (s_.compare(pos_, 5, "False") == 0) {
                    fortran = false;
                    pos_ += 5;
                } else {
                    bad();
                }
                have_order = true;
            } else if (key == "shape") {
                expect('(');
                while (true) {
                    skip();
                    if (peek() == ')') break;
                    shape.push_back(number());
                    skip();
                    if (peek() == ',') ++pos_;
                }
                ++pos_;
                have_shape = true;
            } else {
                bad();
            }
            skip();
            if (peek() == ',') ++pos_;
        }
        if (!have_descr || !have_order || !have_shape) bad();
    }

private:
    [[noreturn]] void bad() const {
        throw Error(path_ + " is truncated or corrupt (its .npy header cannot be read); write it again.");
    }
    void skip() {
        while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    }
    char peek() const {
        if (pos_ >= s_.size()) bad();
        return s_[pos_];
    }
    void expect(char c) {
        skip();
        if (peek() != c) bad();
        ++pos_;
    }
    std::string quoted() {
        skip();
        const char q = peek();
        if (q != '\'' && q != '"') bad();
        const size_t end = s_.find(q, pos_ + 1);
        if (end == std::string::npos) bad();
        std::string v = s_.substr(pos_ + 1, end - pos_ - 1);
        pos_ = end + 1;
        return v;
    }
    int64_t number() {
        skip();
        int64_t v = 0;
        const size_t start = pos_;
        while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
            if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, s_[pos_] - '0', &v)) bad();
            ++pos_;
        }
        if (pos_ < s_.size() && s_[pos_] == 'L') ++pos_;  // Python 2 longs
        if (pos_ == start) bad();
        return v;
    }

    const std::string& s_;
    const std::string& path_;
    size_t pos_ = 0;
};

}  // namespace

at::Tensor read_npy(const std::string& path) {
    const auto file = MappedFile::open(path);
    const uint8_t* p = file->data();
    const size_t size = file->size();
    if (size < kMagicSize || std::memcmp(p, kMagic, kMagicSize) != 0)
        throw Error(path + " is not a NumPy .npy file; choose a file written by numpy.save.");
    const auto truncated = [&]() {
        return Error(path + " is truncated or corrupt; write it again.");
    };
    if (size < 10) throw truncated();
    const uint8_t major = p[6];
    size_t header_len = 0, header_start = 0;
    if (major == 1) {
        header_len = p[8] | (size_t(p[9]) << 8);
        header_start = 10;
    } else if (major == 2 || major == 3) {
        if (size < 12) throw truncated();
        header_len = p[8] | (size_t(p[9]) << 8) | (size_t(p[10]) << 16) | (size_t(p[11]) << 24);
        header_start = 12;
    } else {
        throw Error(path + " uses .npy format version " + std::to_string(major) +
                    ", which this program cannot read; save it with numpy.save.");
    }
    if (header_len > size - header_start) throw truncated();

    const std::string header(reinterpret_cast<const char*>(p + header_start), header_len);
    std::string descr;
    bool fortran = false;
    std::vector<int64_t> shape;
    HeaderParser(header, path).parse(descr, fortran, shape);

    const NpyType* type = nullptr;
    for (const auto& t : kTypes)
        if (descr == t.descr || (descr.size() == 3 && descr[0] == '=' && descr.compare(1, 2, t.descr + 1) == 0))
            type = &t;
    if (!type)
        throw Error(path + " holds an array of dtype '" + descr +
                    "', which this program cannot read; save it as float32 ('<f4') with numpy.save.");

    uint64_t numel = 1;
    for (int64_t d : shape)
        if (__builtin_mul_overflow(numel, static_cast<uint64_t>(d), &numel)) throw truncated();
    const uint64_t elem = c10::elementSize(type->type);
    uint64_t bytes = 0;
    const size_t data_start = header_start + header_len;
    if (__builtin_mul_overflow(numel, elem, &bytes) || bytes > size - data_start) throw truncated();

    // Fortran order is C order of the reversed shape, transposed back.
    std::vector<int64_t> stored_shape = shape;
    if (fortran) std::reverse(stored_shape.begin(), stored_shape.end());
    at::Tensor t = at::empty(stored_shape, at::TensorOptions().dtype(type->type));
    if (bytes) std::memcpy(t.data_ptr(), p + data_start, bytes);
    if (fortran && shape.size() > 1) {
        std::vector<int64_t> reverse_dims(shape.size());
        for (size_t k = 0; k < shape.size(); ++k) reverse_dims[k] = static_cast<int64_t>(shape.size() - 1 - k);
        t = t.permute(reverse_dims).contiguous();
    }
    return t;
}

void write_npy(const std::string& path, const at::Tensor& tensor) {
    const NpyType* type = nullptr;
    for (const auto& t : kTypes)
        if (tensor.scalar_type() == t.type) type = &t;
    if (!type)
        throw Error("Could not write " + path + ": .npy files cannot hold dtype " +
                    std::string(c10::toString(tensor.scalar_type())) + "; convert the tensor to float32 first.");

    std::string shape = "(";
    for (int64_t d : tensor.sizes()) shape += std::to_string(d) + ", ";
    if (tensor.dim() > 1) shape.resize(shape.size() - 2);  // (3, 4) but (3,)
    else if (tensor.dim() == 1) shape.resize(shape.size() - 1);
    shape += ")";
    std::string header = std::string("{'descr': '") + type->descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    // Version 1.0: magic (6) + version (2) + length (2) + header, padded with spaces and a
    // final newline to a multiple of 64 bytes, as numpy does.
    const size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header += '\n';
    if (header.size() > 0xFFFF) throw Error("Could not write " + path + ": the array has too many dimensions for .npy.");

    const at::Tensor data = tensor.detach().cpu().contiguous();
    AtomicFileWriter out(path);
    out.write(kMagic, kMagicSize);
    const uint8_t version_and_length[4] = {1, 0, static_cast<uint8_t>(header.size() & 0xFF),
                                           static_cast<uint8_t>(header.size() >> 8)};
    out.write(version_and_length, sizeof version_and_length);
    out.write(header.data(), header.size());
    out.write(data.data_ptr(), static_cast<size_t>(data.numel()) * data.element_size());
    out.commit();
}

}  // namespace ibllm
