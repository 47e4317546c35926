#include "media/points/pcl_header_checks.h"

#include <cstdint>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "media/media_error.h"
#include "media/points/delimited_text.h"

namespace ibllm::media::detail {
namespace {

constexpr size_t kMaxHeaderBytes = 64 * 1024;  // real headers are a few hundred bytes

[[noreturn]] void not_pcd(const std::string& path, const std::string& why) {
    throw MediaError(path + " is not a valid PCD file (" + why + "); export the point cloud again.");
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

uint64_t whole_number(const std::string& path, const std::string& keyword, const std::string& word) {
    const auto v = text::parse_number(word);
    // The range first: converting a double beyond uint64_t's range is undefined behaviour.
    if (!v || !(*v >= 0 && *v <= 4e9) || *v != static_cast<double>(static_cast<uint64_t>(*v)))
        not_pcd(path, keyword + " '" + word + "' is not a whole number");
    return static_cast<uint64_t>(*v);
}

// PCL's reader does not stop at the DATA line: it goes on reading header lines for as long as
// they begin with one of its keywords (matched as prefixes), or are comments or empty. A
// FIELDS, SIZE or POINTS line there would replace what was checked (a fuzzed file's second
// SIZE line made PCL allocate gigabytes), so such a file is refused. Binary data rarely starts
// with '#', and then its next line is followed as PCL follows it.
void check_nothing_after_data(const std::string& path, const std::string& head, size_t pos, bool head_is_whole_file) {
    static const char* const kKeywords[] = {"VERSION", "FIELDS", "COLUMNS", "SIZE",   "TYPE", "COUNT",
                                            "WIDTH",   "HEIGHT", "VIEWPOINT", "POINTS", "DATA"};
    const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; };
    while (pos < head.size()) {
        const size_t end = head.find('\n', pos);
        std::string_view line(head.data() + pos, (end == std::string::npos ? head.size() : end) - pos);
        pos = end == std::string::npos ? head.size() : end + 1;
        if (line.empty()) continue;  // skipped by PCL
        while (!line.empty() && space(line.front())) line.remove_prefix(1);
        if (!line.empty() && line.front() == '#') continue;  // a comment, skipped by PCL
        for (const char* k : kKeywords)
            if (line.rfind(k, 0) == 0) not_pcd(path, "its header goes on after the DATA line");
        return;  // PCL's header ends here
    }
    if (!head_is_whole_file) not_pcd(path, "its header goes on for more than 64 KiB");
}

}  // namespace

void check_pcd_header(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw MediaError(path + " does not exist; check the path.");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw MediaError(path + " cannot be read; check its permissions.");
    std::string head(kMaxHeaderBytes, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));

    size_t fields = 0;
    bool have_fields = false, have_size = false, have_type = false;
    uint64_t point_step = 0, width = 0, height = 1, points = 0;
    bool have_width = false, have_points = false;
    std::vector<uint64_t> sizes, counts;
    std::string data_kind;
    size_t data_offset = 0;

    size_t pos = 0;
    while (data_kind.empty()) {
        const size_t end = head.find('\n', pos);
        if (end == std::string::npos) not_pcd(path, "its header has no DATA line");
        const std::string_view raw(head.data() + pos, end - pos);
        std::string_view line = raw;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        pos = end + 1;
        const auto w = words(line);
        // PCL skips an empty line, but one of only spaces, tabs or a lone '\r' (a blank line of a
        // Windows file) it trims to nothing and takes as the header's end: no fields, no data
        // offset, and its reader dereferences null.
        if (w.empty() && !raw.empty()) not_pcd(path, "its header has a line of only spaces");
        if (w.empty() || w[0][0] == '#') continue;
        const std::string& key = w[0];
        const size_t n = w.size() - 1;
        if (key == "VERSION" || key == "VIEWPOINT") continue;
        if (key == "FIELDS" || key == "COLUMNS") {
            if (n == 0) not_pcd(path, "FIELDS is empty");
            // SIZE, TYPE and COUNT were checked against the first FIELDS line.
            if (have_fields) not_pcd(path, "FIELDS is given twice");
            fields = n;
            have_fields = true;
        } else if (key == "SIZE" || key == "TYPE" || key == "COUNT") {
            if (!have_fields || n != fields) not_pcd(path, key + " does not match FIELDS");
            if (key == "SIZE") {
                sizes.clear();
                for (size_t i = 1; i <= n; ++i) {
                    const uint64_t s = whole_number(path, key, w[i]);
                    if (s != 1 && s != 2 && s != 4 && s != 8) not_pcd(path, "field size " + w[i] + " is not 1, 2, 4 or 8");
                    sizes.push_back(s);
                }
                have_size = true;
            } else if (key == "TYPE") {
                for (size_t i = 1; i <= n; ++i)
                    if (w[i] != "F" && w[i] != "I" && w[i] != "U") not_pcd(path, "field type '" + w[i] + "' is unknown");
                have_type = true;
            } else {
                counts.clear();
                for (size_t i = 1; i <= n; ++i) {
                    const uint64_t c = whole_number(path, key, w[i]);
                    if (c == 0 || c > 100000) not_pcd(path, "field count " + w[i] + " is out of range");
                    counts.push_back(c);
                }
            }
        } else if (key == "WIDTH" || key == "HEIGHT" || key == "POINTS") {
            if (n != 1) not_pcd(path, key + " needs one value");
            const uint64_t v = whole_number(path, key, w[1]);
            if (key == "WIDTH") { width = v; have_width = true; }
            else if (key == "HEIGHT") height = v;
            else { points = v; have_points = true; }
        } else if (key == "DATA") {
            if (n != 1 || (w[1] != "ascii" && w[1] != "binary" && w[1] != "binary_compressed"))
                not_pcd(path, "its DATA kind is not ascii, binary or binary_compressed");
            data_kind = w[1];
            data_offset = pos;
        } else {
            not_pcd(path, "its header has an unknown line");
        }
    }
    check_nothing_after_data(path, head, data_offset, static_cast<uint64_t>(head.size()) == static_cast<uint64_t>(st.st_size));
    if (!have_fields || !have_size || !have_type) not_pcd(path, "its header lacks FIELDS, SIZE or TYPE");
    if (!have_points) points = width * height;
    if (!have_width) width = points, height = 1;
    if (width * height != points) not_pcd(path, "WIDTH x HEIGHT differs from POINTS");
    for (size_t i = 0; i < fields; ++i) point_step += sizes[i] * (counts.empty() ? 1 : counts[i]);
    // WIDTH x HEIGHT alone may reach 1.6e19: the data's size is computed without wrapping.
    uint64_t data_bytes = 0;
    const bool too_large = __builtin_mul_overflow(points, point_step, &data_bytes);

    const uint64_t file_size = static_cast<uint64_t>(st.st_size);
    const uint64_t available = file_size - data_offset;
    if (data_kind == "binary" && (too_large || available < data_bytes))
        throw MediaError(path + " is truncated (its header announces " + std::to_string(points) +
                         " points, the file holds fewer); copy or export it again.");
    if (data_kind == "binary_compressed") {
        // Two uint32 sizes (compressed, uncompressed) precede the compressed block.
        std::ifstream data(path, std::ios::binary);
        data.seekg(static_cast<std::streamoff>(data_offset));
        uint32_t sizes_le[2] = {0, 0};
        data.read(reinterpret_cast<char*>(sizes_le), sizeof(sizes_le));
        if (data.gcount() != sizeof(sizes_le) || sizes_le[0] > available - 8 || too_large || sizes_le[1] != data_bytes)
            throw MediaError(path + " has a damaged compressed data block; copy or export it again.");
    }
}

}  // namespace ibllm::media::detail
