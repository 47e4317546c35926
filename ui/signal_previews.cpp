#include "ui/signal_previews.h"

#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>
#include <vector>

namespace ibllm::ui {

namespace {

QRgb diverging(double t) {  // t in [0, 1]: blue - white - red
    t = std::clamp(t, 0.0, 1.0);
    const auto mix = [](int a, int b, double f) { return int(std::lround(a + (b - a) * f)); };
    if (t < 0.5) {
        const double f = t / 0.5;
        return qRgb(mix(40, 245, f), mix(80, 245, f), mix(200, 245, f));
    }
    const double f = (t - 0.5) / 0.5;
    return qRgb(mix(245, 200, f), mix(245, 50, f), mix(245, 40, f));
}

}  // namespace

QImage fmriHeatMap(const ArrayInput& array, QSize size) {
    if (array.shape.empty() || array.values.empty() || size.isEmpty()) return QImage();
    const int64_t voxels = array.shape.back();
    const int64_t reps = static_cast<int64_t>(array.values.size()) / std::max<int64_t>(voxels, 1);
    std::vector<double> mean(voxels, 0.0);
    for (int64_t r = 0; r < reps; ++r)
        for (int64_t v = 0; v < voxels; ++v) mean[v] += array.values[r * voxels + v] / double(reps);
    std::vector<double> sorted;
    for (double m : mean)
        if (std::isfinite(m)) sorted.push_back(m);
    if (sorted.empty()) return QImage();
    std::sort(sorted.begin(), sorted.end());
    const double lo = sorted[sorted.size() * 2 / 100], hi = sorted[std::min(sorted.size() - 1, sorted.size() * 98 / 100)];
    const int side = int(std::ceil(std::sqrt(double(voxels))));
    QImage grid(side, side, QImage::Format_RGB32);
    grid.fill(qRgb(128, 128, 128));
    for (int64_t v = 0; v < voxels; ++v) {
        const double t = hi > lo ? (mean[v] - lo) / (hi - lo) : 0.5;
        grid.setPixel(int(v % side), int(v / side), std::isfinite(mean[v]) ? diverging(t) : qRgb(0, 0, 0));
    }
    return grid.scaled(size, Qt::KeepAspectRatio, Qt::FastTransformation);
}

QImage imuPlot(const ArrayInput& array, QSize size) {
    if (array.shape.size() != 2 || array.shape[0] != 6 || array.shape[1] < 2 || size.isEmpty()) return QImage();
    const int64_t n = array.shape[1];
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    // Accelerometer in warm colours, gyroscope in cool ones; each channel gets a sixth of the height.
    const QColor colours[6] = {QColor(200, 50, 40), QColor(230, 130, 30), QColor(190, 160, 20),
                               QColor(40, 90, 200), QColor(30, 150, 160), QColor(120, 70, 180)};
    const double band = double(size.height()) / 6.0;
    for (int c = 0; c < 6; ++c) {
        const double* row = array.values.data() + c * n;
        double lo = INFINITY, hi = -INFINITY;
        for (int64_t i = 0; i < n; ++i)
            if (std::isfinite(row[i])) lo = std::min(lo, row[i]), hi = std::max(hi, row[i]);
        if (!(hi >= lo)) continue;
        const double span = hi > lo ? hi - lo : 1.0;
        QPainterPath path;
        for (int x = 0; x < size.width(); ++x) {
            const int64_t a = x * n / size.width(), b = std::max<int64_t>(a + 1, (x + 1) * n / size.width());
            double mn = INFINITY, mx = -INFINITY;
            for (int64_t i = a; i < b && i < n; ++i)
                if (std::isfinite(row[i])) mn = std::min(mn, row[i]), mx = std::max(mx, row[i]);
            if (!(mx >= mn)) continue;
            const double top = c * band + band * (1.0 - (mx - lo) / span) * 0.9 + band * 0.05;
            const double bottom = c * band + band * (1.0 - (mn - lo) / span) * 0.9 + band * 0.05;
            if (path.isEmpty()) path.moveTo(x, top);
            path.lineTo(x, top);
            path.lineTo(x, bottom);
        }
        p.setPen(QPen(colours[c], 1.0));
        p.drawPath(path);
    }
    return image;
}

}  // namespace ibllm::ui
