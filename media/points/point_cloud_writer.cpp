#include "media/points/point_cloud_writer.h"

#include <pcl/io/pcd_io.h>
#include <pcl/io/ply_io.h>
#include <pcl/point_types.h>

#include <cstdio>
#include <fstream>

#include "media/media_error.h"

namespace ibllm::media {

namespace {

std::string lower_extension(const std::string& path) {
    const size_t dot = path.rfind('.');
    std::string e = dot == std::string::npos ? "" : path.substr(dot + 1);
    for (char& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return e;
}

void write_npy(const std::string& path, const std::vector<float>& xyz) {
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(xyz.size() / 3) + ", 3), }";
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::ofstream out(path, std::ios::binary);
    out.write("\x93NUMPY\x01\x00", 8);
    const uint16_t len = static_cast<uint16_t>(header.size());
    out.put(static_cast<char>(len & 0xff));
    out.put(static_cast<char>(len >> 8));
    out << header;
    out.write(reinterpret_cast<const char*>(xyz.data()), static_cast<std::streamsize>(xyz.size() * sizeof(float)));
    if (!out) throw MediaError("Could not write " + path + "; check that the folder is writable and has free space.");
}

void write_xyz(const std::string& path, const std::vector<float>& xyz) {
    std::ofstream out(path);
    char line[96];
    for (size_t i = 0; i + 2 < xyz.size(); i += 3) {
        std::snprintf(line, sizeof line, "%.6f %.6f %.6f\n", xyz[i], xyz[i + 1], xyz[i + 2]);
        out << line;
    }
    if (!out) throw MediaError("Could not write " + path + "; check that the folder is writable and has free space.");
}

}  // namespace

void save_point_cloud(const std::string& path, const std::vector<float>& xyz) {
    if (xyz.empty() || xyz.size() % 3 != 0) throw MediaError("A point cloud for " + path + " has no points; nothing was written.");
    const std::string ext = lower_extension(path), tmp = path + ".tmp";
    if (ext == "npy") {
        write_npy(tmp, xyz);
    } else if (ext == "xyz") {
        write_xyz(tmp, xyz);
    } else if (ext == "ply" || ext == "pcd") {
        pcl::PointCloud<pcl::PointXYZ> cloud;
        cloud.resize(xyz.size() / 3);
        for (size_t i = 0; i < cloud.size(); ++i) cloud[i] = pcl::PointXYZ(xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]);
        const int rc = ext == "ply" ? pcl::io::savePLYFileBinary(tmp, cloud) : pcl::io::savePCDFileBinary(tmp, cloud);
        if (rc != 0) {
            std::remove(tmp.c_str());
            throw MediaError("Could not write " + path + "; check that the folder is writable and has free space.");
        }
    } else {
        throw MediaError(path + ": point clouds are written as .ply, .pcd, .xyz or .npy.");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw MediaError("Could not write " + path + "; check that the folder is writable.");
    }
}

}  // namespace ibllm::media
