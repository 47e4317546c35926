// Delimited-text point lists (.xyz, .pts, .txt) and .obj vertices. The rules are documented
// on load_point_cloud() in point_cloud_file.h.
#include <cmath>
#include <string>
#include <vector>

#include "media/media_error.h"
#include "media/points/delimited_text.h"
#include "media/points/point_cloud_readers.h"

namespace ibllm::media::detail {
namespace {

std::string line_ref(const std::string& path, long line) { return path + " line " + std::to_string(line); }

// Colour columns are only believed when every point supplies them in one consistent
// encoding; otherwise trailing columns are something else (normals, intensity, labels).
struct ColourColumns {
    std::vector<double> values;  // count * 3, as written in the file
    bool usable = true;

    void add(double r, double g, double b) {
        values.push_back(r);
        values.push_back(g);
        values.push_back(b);
    }

    std::vector<uint8_t> to_rgb() const {
        if (!usable || values.empty()) return {};
        bool all_bytes = true, all_unit = true;
        for (double v : values) {
            if (!(v >= 0.0 && v <= 255.0 && v == std::floor(v))) all_bytes = false;
            if (!(v >= 0.0 && v <= 1.0)) all_unit = false;
        }
        // 0/1-only data reads as bytes; anything fractional within 0..1 as unit floats.
        if (!all_bytes && !all_unit) return {};
        std::vector<uint8_t> rgb(values.size());
        for (size_t i = 0; i < values.size(); ++i)
            rgb[i] = static_cast<uint8_t>(all_bytes ? values[i] : std::lround(values[i] * 255.0));
        return rgb;
    }
};

void require_text(const std::string& path, const std::string& bytes, const char* what) {
    if (text::looks_binary(bytes))
        throw MediaError(path + " is not a text file, so it cannot be read as " + what +
                         "; check that the file extension matches its contents.");
}

}  // namespace

PointCloudData read_text_points(const std::string& path) {
    const std::string bytes = text::read_file(path);
    require_text(path, bytes, "a list of points");

    PointCloudData cloud;
    ColourColumns colours;
    size_t columns_seen = 0;  // field count of the first point line; 0 = no point yet
    text::for_each_line(bytes, [&](long number, std::string_view line) {
        if (text::is_blank_or_comment(line)) return true;
        const auto fields = text::split_fields(line);
        double xyz[3];
        bool is_point = fields.size() >= 3;
        for (int k = 0; is_point && k < 3; ++k) {
            const auto v = text::parse_number(fields[k]);
            if (v) xyz[k] = *v; else is_point = false;
        }
        if (!is_point) {
            if (cloud.count == 0) return true;  // header (column names, a .pts point count)
            throw MediaError(line_ref(path, number) +
                             " is not a point (it does not start with three numbers x y z); fix or remove that line.");
        }
        cloud.xyz.insert(cloud.xyz.end(), xyz, xyz + 3);
        ++cloud.count;

        if (columns_seen == 0) columns_seen = fields.size();
        if (fields.size() != columns_seen || (columns_seen != 6 && columns_seen != 7)) {
            colours.usable = false;
        } else if (colours.usable) {
            double rgb[3];
            for (int k = 0; k < 3; ++k) {
                const auto v = text::parse_number(fields[columns_seen - 3 + k]);
                if (!v) { colours.usable = false; break; }
                rgb[k] = *v;
            }
            if (colours.usable) colours.add(rgb[0], rgb[1], rgb[2]);
        }
        return true;
    });
    cloud.rgb = colours.to_rgb();
    cloud.source_dtype = "float64";  // open3d's type for .xyz/.pts
    return cloud;
}

PointCloudData read_obj_vertices(const std::string& path) {
    const std::string bytes = text::read_file(path);
    require_text(path, bytes, "an OBJ model");

    PointCloudData cloud;
    ColourColumns colours;
    text::for_each_line(bytes, [&](long number, std::string_view line) {
        size_t i = 0;
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        // Only geometric vertices ("v "); "vn", "vt", faces and the rest are not points.
        if (i + 1 >= line.size() || line[i] != 'v' || (line[i + 1] != ' ' && line[i + 1] != '\t')) return true;
        const auto fields = text::split_fields(line.substr(i + 1));
        double values[6];
        const size_t wanted = fields.size() >= 6 ? 6 : 3;
        if (fields.size() < 3)
            throw MediaError(line_ref(path, number) + " is a vertex with fewer than three coordinates; fix or remove that line.");
        for (size_t k = 0; k < wanted; ++k) {
            const auto v = text::parse_number(fields[k]);
            if (!v)
                throw MediaError(line_ref(path, number) + " is a vertex with a value that is not a number; fix or remove that line.");
            values[k] = *v;
        }
        cloud.xyz.insert(cloud.xyz.end(), values, values + 3);
        ++cloud.count;
        if (wanted == 6 && colours.usable) colours.add(values[3], values[4], values[5]);
        else colours.usable = false;
        return true;
    });
    cloud.rgb = colours.to_rgb();
    cloud.source_dtype = "float64";  // the reference builds a float64 array from Python floats
    return cloud;
}

}  // namespace ibllm::media::detail
