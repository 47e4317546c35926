#include "ui/point_cloud_note.h"

#include <QCoreApplication>
#include <QLocale>
#include <algorithm>

namespace ibllm::ui {

namespace {

struct PointCloudNote {
    Q_DECLARE_TR_FUNCTIONS(PointCloudNote)
};

QString number(int64_t n) { return QLocale().toString(qlonglong(n)); }

}  // namespace

int64_t pointsEncoded(int64_t points, int64_t nonFinite) {
    const int64_t valid = std::max<int64_t>(points - nonFinite, 0);
    return valid < kEncoderMinimumPoints ? 0 : std::min(valid, kEncoderPointCount);
}

QString pointCloudUsageSummary(int64_t points, int64_t nonFinite) {
    const int64_t used = pointsEncoded(points, nonFinite);
    if (used == 0) return PointCloudNote::tr("too few points to encode (%1)").arg(number(points - nonFinite));
    if (used == points) return PointCloudNote::tr("all %1 points used").arg(number(points));
    return PointCloudNote::tr("%1 of %2 points used").arg(number(used), number(points));
}

QString pointCloudPreparationNote(int64_t points, int64_t nonFinite) {
    const int64_t valid = std::max<int64_t>(points - nonFinite, 0);
    const int64_t used = pointsEncoded(points, nonFinite);
    if (used == 0)
        return PointCloudNote::tr("The 3D encoder needs at least %1 points with finite coordinates; this cloud has %2, so it "
                                  "cannot be asked about.")
            .arg(number(kEncoderMinimumPoints), number(valid));
    if (nonFinite == 0 && used < valid)
        return PointCloudNote::tr("Before encoding, the cloud is centred and scaled to the unit sphere, and farthest-point "
                                  "sampling keeps %1 of its %2 points (the number Point-BERT takes).")
            .arg(number(used), number(points));
    if (nonFinite == 0)
        return PointCloudNote::tr("Before encoding, the cloud is centred and scaled to the unit sphere; all %1 of its points "
                                  "are used.")
            .arg(number(points));
    if (used < valid)
        return PointCloudNote::tr("Before encoding, %1 points with NaN or infinite coordinates are dropped, the cloud is "
                                  "centred and scaled to the unit sphere, and farthest-point sampling keeps %2 of the "
                                  "remaining %3 points.")
            .arg(number(nonFinite), number(used), number(valid));
    return PointCloudNote::tr("Before encoding, %1 points with NaN or infinite coordinates are dropped and the cloud is "
                              "centred and scaled to the unit sphere; %2 of its %3 points are used.")
        .arg(number(nonFinite), number(used), number(points));
}

}  // namespace ibllm::ui
