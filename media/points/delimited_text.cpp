#include "media/points/delimited_text.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "media/media_error.h"

namespace ibllm::media::text {

std::string read_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw MediaError(path + " does not exist; check the path.");
    if (S_ISDIR(st.st_mode)) throw MediaError(path + " is a folder, not a file; choose a file inside it.");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw MediaError(path + " cannot be read (" + std::strerror(errno) + "); check its permissions.");
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (in.bad()) throw MediaError(path + " could not be read completely; copy it again.");
    return bytes.str();
}

bool looks_binary(std::string_view bytes) {
    return bytes.substr(0, 64 * 1024).find('\0') != std::string_view::npos;
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && (is_space(s.front()) || s.front() == '"')) s.remove_prefix(1);
    while (!s.empty() && (is_space(s.back()) || s.back() == '"')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::vector<std::string_view> split_fields(std::string_view line) {
    std::vector<std::string_view> fields;
    const bool delimited = line.find_first_of(",;") != std::string_view::npos;
    if (delimited) {
        // Comma/semicolon separated: every separator ends a field, so empty fields show up
        // (and are reported as non-numbers by the callers) instead of shifting columns.
        size_t start = 0;
        while (true) {
            const size_t end = line.find_first_of(",;", start);
            const std::string_view field = trim(line.substr(start, end == std::string_view::npos ? end : end - start));
            if (end == std::string_view::npos) {
                if (!field.empty() || fields.empty()) fields.push_back(field);
                break;
            }
            fields.push_back(field);
            start = end + 1;
        }
        return fields;
    }
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && is_space(line[i])) ++i;
        const size_t start = i;
        while (i < line.size() && !is_space(line[i])) ++i;
        if (i > start) fields.push_back(trim(line.substr(start, i - start)));
    }
    return fields;
}

bool is_blank_or_comment(std::string_view line) {
    size_t i = 0;
    while (i < line.size() && is_space(line[i])) ++i;
    if (i == line.size()) return true;
    const std::string_view rest = line.substr(i);
    return rest[0] == '#' || rest[0] == '%' || rest.substr(0, 2) == "//";
}

std::optional<double> parse_number(std::string_view field) {
    if (!field.empty() && field.front() == '+') field.remove_prefix(1);
    if (field.empty()) return std::nullopt;
    double value = 0;
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
    // A value beyond double's range (1e400) is refused rather than silently clamped.
    if (ec != std::errc() || end != field.data() + field.size()) return std::nullopt;
    return value;
}

}  // namespace ibllm::media::text
