// A minimal .npy reader for point arrays. media/ must not depend on the engine, so this is
// separate from engine/checkpoint/npy; it reads only what a point cloud can be: a float32 or
// float64 array of shape [N, C] or [1, N, C] with C >= 3.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "media/media_error.h"
#include "media/points/delimited_text.h"
#include "media/points/point_cloud_readers.h"

namespace ibllm::media::detail {
namespace {

struct NpyHeader {
    char byte_order = '<';  // '<' little, '>' big, '|' or '=' native (little here)
    int item_size = 0;      // 4 or 8
    bool fortran_order = false;
    std::vector<int64_t> shape;
    size_t data_offset = 0;
};

[[noreturn]] void corrupt(const std::string& path, const std::string& why) {
    throw MediaError(path + " is not a valid .npy file (" + why + "); save the array again with numpy.save.");
}

// The value text that follows 'key': in the header dict, e.g. "'<f4'" or "(8192, 3)".
std::string dict_value(const std::string& path, const std::string& dict, const std::string& key) {
    const size_t k = dict.find("'" + key + "'");
    if (k == std::string::npos) corrupt(path, "its header has no '" + key + "'");
    size_t v = dict.find(':', k);
    if (v == std::string::npos) corrupt(path, "its header is malformed");
    ++v;
    while (v < dict.size() && dict[v] == ' ') ++v;
    if (v >= dict.size()) corrupt(path, "its header is malformed");
    const char open = dict[v];
    const char close = open == '(' ? ')' : open == '\'' ? '\'' : open == '"' ? '"' : ',';
    const size_t end = dict.find(close, v + 1);
    if (end == std::string::npos) {
        if (close != ',') corrupt(path, "its header is malformed");
        return dict.substr(v, dict.find('}', v) - v);
    }
    return dict.substr(v, close == ',' ? end - v : end - v + 1);
}

NpyHeader parse_header(const std::string& path, const std::string& bytes) {
    static const char magic[] = "\x93NUMPY";
    if (bytes.size() < 10 || std::memcmp(bytes.data(), magic, 6) != 0) corrupt(path, "the NUMPY signature is missing");
    const auto major = static_cast<unsigned char>(bytes[6]);
    size_t header_len = 0, prefix = 0;
    if (major == 1) {
        header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
        prefix = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12) corrupt(path, "the header is truncated");
        header_len = 0;
        for (int i = 3; i >= 0; --i) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[8 + i]);
        prefix = 12;
    } else {
        corrupt(path, "format version " + std::to_string(major) + " is unknown");
    }
    if (bytes.size() < prefix + header_len) corrupt(path, "the header is truncated");
    const std::string dict = bytes.substr(prefix, header_len);

    NpyHeader h;
    h.data_offset = prefix + header_len;
    std::string descr = dict_value(path, dict, "descr");
    if (descr.size() >= 2 && (descr.front() == '\'' || descr.front() == '"')) descr = descr.substr(1, descr.size() - 2);
    if (descr.size() == 3 && (descr[0] == '<' || descr[0] == '>' || descr[0] == '|' || descr[0] == '=') &&
        descr[1] == 'f' && (descr[2] == '4' || descr[2] == '8')) {
        h.byte_order = descr[0];
        h.item_size = descr[2] - '0';
    } else {
        throw MediaError(path + " holds values of type '" + descr +
                         "'; a point cloud in .npy must be float32 or float64 (convert it with astype).");
    }
    h.fortran_order = dict_value(path, dict, "fortran_order").rfind("True", 0) == 0;

    const std::string shape = dict_value(path, dict, "shape");  // "(8192, 3)" / "(8192,)" / "()"
    size_t i = 1;
    while (i < shape.size()) {
        while (i < shape.size() && (shape[i] == ' ' || shape[i] == ',')) ++i;
        if (i >= shape.size() || shape[i] == ')') break;
        int64_t dim = 0;
        bool digits = false;
        while (i < shape.size() && shape[i] >= '0' && shape[i] <= '9') {
            dim = dim * 10 + (shape[i] - '0');
            digits = true;
            if (dim > (int64_t(1) << 40)) corrupt(path, "its shape is implausibly large");
            ++i;
        }
        if (!digits) corrupt(path, "its shape " + shape + " is malformed");
        h.shape.push_back(dim);
    }
    return h;
}

double read_value(const char* p, int item_size, bool swap) {
    char buf[8];
    std::memcpy(buf, p, item_size);
    if (swap)
        for (int i = 0; i < item_size / 2; ++i) std::swap(buf[i], buf[item_size - 1 - i]);
    if (item_size == 4) {
        float f;
        std::memcpy(&f, buf, 4);
        return f;
    }
    double d;
    std::memcpy(&d, buf, 8);
    return d;
}

}  // namespace

PointCloudData read_npy_points(const std::string& path) {
    const std::string bytes = text::read_file(path);
    const NpyHeader h = parse_header(path, bytes);

    std::vector<int64_t> shape = h.shape;
    if (shape.size() == 3 && shape[0] == 1) shape.erase(shape.begin());  // a batch of one cloud
    if (shape.size() != 2 || shape[1] < 3) {
        std::string dims;
        for (size_t i = 0; i < h.shape.size(); ++i) dims += (i ? ", " : "") + std::to_string(h.shape[i]);
        throw MediaError(path + " holds an array of shape [" + dims +
                         "]; a point cloud in .npy must be [N, 3] (or [N, C] with x, y, z in the first three columns).");
    }
    const int64_t n = shape[0], c = shape[1];
    // Each dimension is at most 2^40, so their product may pass 2^63: computed without wrapping
    // (a wrapped size could pass the check below and send the reads past the data).
    int64_t values = 0, needed_bytes = 0;
    const bool too_large = __builtin_mul_overflow(n, c, &values) ||
                           __builtin_mul_overflow(values, static_cast<int64_t>(h.item_size), &needed_bytes);
    if (too_large)
        throw MediaError(path + " is damaged (its shape [" + std::to_string(n) + ", " + std::to_string(c) +
                         "] is more data than a file can hold); copy or save it again.");
    const size_t needed = static_cast<size_t>(needed_bytes);
    if (bytes.size() - h.data_offset < needed)
        throw MediaError(path + " is truncated (" + std::to_string(bytes.size() - h.data_offset) + " of " +
                         std::to_string(needed) + " data bytes); copy or save it again.");

    const bool swap = h.byte_order == '>';  // this reader runs on little-endian machines
    const char* data = bytes.data() + h.data_offset;
    PointCloudData cloud;
    cloud.count = n;
    cloud.xyz.resize(static_cast<size_t>(n) * 3);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < 3; ++k) {
            const int64_t element = h.fortran_order ? k * n + i : i * c + k;
            cloud.xyz[i * 3 + k] = read_value(data + element * h.item_size, h.item_size, swap);
        }
    cloud.source_dtype = h.item_size == 4 ? "float32" : "float64";
    return cloud;
}

}  // namespace ibllm::media::detail
