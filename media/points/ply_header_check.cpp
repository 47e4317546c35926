#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "media/media_error.h"
#include "media/points/delimited_text.h"
#include "media/points/pcl_header_checks.h"

namespace ibllm::media::detail {
namespace {

constexpr size_t kMaxHeaderBytes = 64 * 1024;

[[noreturn]] void not_ply(const std::string& path, const std::string& why) {
    throw MediaError(path + " is not a valid PLY file (" + why + "); export the point cloud again.");
}

std::vector<std::string> words(std::string_view line) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        const size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
        if (i > start) out.emplace_back(line.substr(start, i - start));
    }
    return out;
}

// Bytes of one binary value of a PLY scalar type, 0 if the name is not a type.
int type_size(const std::string& t) {
    static const std::map<std::string, int> sizes = {
        {"char", 1},  {"uchar", 1},  {"int8", 1},   {"uint8", 1},   {"short", 2},   {"ushort", 2},
        {"int16", 2}, {"uint16", 2}, {"int", 4},    {"uint", 4},    {"int32", 4},   {"uint32", 4},
        {"float", 4}, {"float32", 4}, {"double", 8}, {"float64", 8}};
    const auto it = sizes.find(t);
    return it == sizes.end() ? 0 : it->second;
}

}  // namespace

void check_ply_header(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw MediaError(path + " does not exist; check the path.");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw MediaError(path + " cannot be read; check its permissions.");
    std::string head(kMaxHeaderBytes, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));

    struct Element {
        uint64_t count = 0;
        uint64_t min_binary_row = 0;  // fixed scalars + list lengths (lists may be empty)
        uint64_t properties = 0;
    };
    std::vector<Element> elements;
    bool ascii = false, have_format = false;
    size_t pos = 0, line_number = 0;
    while (true) {
        const size_t end = head.find('\n', pos);
        if (end == std::string::npos) not_ply(path, "its header has no end_header line");
        std::string_view line(head.data() + pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        pos = end + 1;
        const auto w = words(line);
        if (++line_number == 1) {
            if (w.size() != 1 || w[0] != "ply") not_ply(path, "it does not start with 'ply'");
            continue;
        }
        if (w.empty() || w[0] == "comment" || w[0] == "obj_info") continue;
        if (w[0] == "end_header") break;
        if (w[0] == "format") {
            if (w.size() != 3 || (w[1] != "ascii" && w[1] != "binary_little_endian" && w[1] != "binary_big_endian"))
                not_ply(path, "its format line is not ascii or binary");
            ascii = w[1] == "ascii";
            have_format = true;
        } else if (w[0] == "element") {
            if (w.size() != 3) not_ply(path, "an element line is malformed");
            const auto n = text::parse_number(w[2]);
            // The range first: converting a double beyond uint64_t's range is undefined behaviour.
            if (!n || !(*n >= 0 && *n <= 2147483647.0) || *n != static_cast<double>(static_cast<uint64_t>(*n)))
                not_ply(path, "element '" + w[1] + "' has an impossible count " + w[2]);
            elements.push_back({static_cast<uint64_t>(*n), 0, 0});
        } else if (w[0] == "property") {
            if (elements.empty()) not_ply(path, "a property comes before any element");
            Element& e = elements.back();
            if (w.size() == 5 && w[1] == "list") {
                if (type_size(w[2]) == 0 || type_size(w[3]) == 0) not_ply(path, "a list property has an unknown type");
                e.min_binary_row += type_size(w[2]);
            } else if (w.size() == 3 && type_size(w[1]) != 0) {
                e.min_binary_row += type_size(w[1]);
            } else {
                not_ply(path, "a property line is malformed");
            }
            ++e.properties;
        } else {
            not_ply(path, "its header has an unknown line");
        }
    }
    if (!have_format) not_ply(path, "its header has no format line");

    // Each row needs at least its binary size, or in ASCII one character and a separator
    // per value: a count larger than the file can hold is a corrupt header.
    const uint64_t available = static_cast<uint64_t>(st.st_size) - pos;
    uint64_t needed = 0;
    for (const auto& e : elements) needed += e.count * (ascii ? 2 * e.properties : e.min_binary_row);
    if (ascii && needed > 0) needed -= 1;  // the last value needs no separator
    if (needed > available)
        throw MediaError(path + " is truncated (its header announces more data than the file holds); copy or export it again.");
}

}  // namespace ibllm::media::detail
