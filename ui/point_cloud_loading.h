#pragma once
// Reading a point cloud for the viewer, meant to run off the UI thread (QtConcurrent): the
// file is parsed and reduced for display there, so the window only uploads the result.
// The attachment chip and the viewer share one such result, so a cloud is read once.
#include <QString>
#include <cstdint>
#include <memory>

#include "media/points/point_cloud_file.h"

namespace ibllm::ui {

struct LoadedPointCloud {
    QString path;
    media::PointCloudData display;  // finite points only, at most PointCloudView::kMaxDisplayPoints
    int64_t points = 0;             // points in the file
    int64_t nonFinite = 0;          // of which with a NaN or infinite coordinate
    QString error;                  // why the file could not be read; empty on success
    bool ok() const { return error.isEmpty(); }
};

// Reduces an already read cloud for display. Thread-safe; never throws.
std::shared_ptr<const LoadedPointCloud> prepareForDisplay(const QString& path, const media::PointCloudData& cloud);
// Reads `path` with media::load_point_cloud and prepares it. Thread-safe; never throws: a
// file that cannot be read comes back with `error` set to the reader's sentence.
std::shared_ptr<const LoadedPointCloud> loadPointCloudForDisplay(const QString& path);

}  // namespace ibllm::ui
