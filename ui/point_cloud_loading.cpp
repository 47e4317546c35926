#include "ui/point_cloud_loading.h"

#include <QFileInfo>
#include <exception>
#include <new>

#include "ui/point_cloud_view.h"

namespace ibllm::ui {

namespace {

std::shared_ptr<LoadedPointCloud> failure(const QString& path, const QString& message) {
    auto out = std::make_shared<LoadedPointCloud>();
    out->path = path;
    out->error = message;
    return out;
}

QString tooLarge(const QString& path) {
    return PointCloudView::tr("%1 is too large to show with the memory available.").arg(QFileInfo(path).fileName());
}

}  // namespace

std::shared_ptr<const LoadedPointCloud> prepareForDisplay(const QString& path, const media::PointCloudData& cloud) {
    try {
        auto out = std::make_shared<LoadedPointCloud>();
        out->path = path;
        out->points = cloud.count;
        out->nonFinite = cloud.non_finite;
        out->display = media::downsample_for_display(cloud, PointCloudView::kMaxDisplayPoints);
        return out;
    } catch (const std::bad_alloc&) {
        return failure(path, tooLarge(path));
    } catch (const std::exception& e) {
        return failure(path, QString::fromStdString(e.what()));
    }
}

std::shared_ptr<const LoadedPointCloud> loadPointCloudForDisplay(const QString& path) {
    try {
        return prepareForDisplay(path, media::load_point_cloud(path.toStdString()));
    } catch (const std::bad_alloc&) {
        return failure(path, tooLarge(path));
    } catch (const std::exception& e) {
        return failure(path, QString::fromStdString(e.what()));
    }
}

}  // namespace ibllm::ui
