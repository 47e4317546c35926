#pragma once
// Small pieces shared by the text readers (point lists, IMU CSV): whole-file reading with
// user-facing errors, line splitting and exact, locale-independent number parsing.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ibllm::media::text {

// The whole file as bytes. Missing or unreadable -> MediaError naming `path`.
std::string read_file(const std::string& path);

// True when the bytes look like binary data (a NUL byte in the first 64 KiB), so that a
// renamed binary file gets "is not a text file" instead of a confusing per-line error.
bool looks_binary(std::string_view bytes);

// Calls `on_line(line_number (1-based), line)` for each line, without the line ending
// (\n, \r\n or \r). Stops early when `on_line` returns false.
template <typename OnLine>
void for_each_line(std::string_view bytes, OnLine&& on_line) {
    size_t start = 0;
    long number = 0;
    while (start < bytes.size()) {
        size_t end = bytes.find_first_of("\r\n", start);
        if (end == std::string_view::npos) end = bytes.size();
        ++number;
        if (!on_line(number, bytes.substr(start, end - start))) return;
        if (end < bytes.size() && bytes[end] == '\r' && end + 1 < bytes.size() && bytes[end + 1] == '\n') ++end;
        start = end + 1;
    }
}

// Splits on runs of whitespace, and on each comma or semicolon (so "1,,2" has an empty
// middle field). Surrounding whitespace and double quotes are trimmed from each field.
// A trailing separator does not create an empty last field.
std::vector<std::string_view> split_fields(std::string_view line);

// True for blank lines and comment lines ('#', '//', '%').
bool is_blank_or_comment(std::string_view line);

// The field as a double (a leading '+' and "nan"/"inf" accepted, the whole field must be
// consumed), or nothing. Exact: the nearest double, as numpy/open3d parse it.
std::optional<double> parse_number(std::string_view field);

}  // namespace ibllm::media::text
