#include "ui/audio_waveform.h"

#include <QPainter>
#include <algorithm>
#include <cmath>

namespace ibllm::ui {

namespace {

// Quiet recordings are drawn larger so that their shape shows, but by at most this much: a
// near-silent file should still look quiet.
constexpr float kMaxGain = 8.0f;

}  // namespace

AudioWaveform::AudioWaveform(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void AudioWaveform::setEnvelope(const QVector<float>& low, const QVector<float>& high) {
    const qsizetype n = std::min(low.size(), high.size());
    low_ = low.first(n);
    high_ = high.first(n);
    update();
}

void AudioWaveform::setPlayedFraction(double fraction) {
    played_ = fraction;
    update();
}

void AudioWaveform::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const QRectF area = QRectF(rect()).adjusted(0.5, 1.5, -0.5, -1.5);
    const double mid = area.center().y();
    const double half = area.height() / 2;
    p.setPen(palette().color(QPalette::Mid));
    p.drawLine(QPointF(area.left(), mid), QPointF(area.right(), mid));
    const int n = columnCount();
    if (n == 0 || width() <= 0) return;

    float peak = 0.0f;
    for (int i = 0; i < n; ++i) peak = std::max({peak, std::abs(low_[i]), std::abs(high_[i])});
    const float gain = peak > 0.0f ? std::min(1.0f / peak, kMaxGain) : 1.0f;
    const int columns = width();
    const int playedUpTo = played_ < 0 ? -1 : int(std::lround(played_ * columns));
    const QColor played = palette().color(QPalette::Highlight);
    const QColor ahead = palette().color(QPalette::WindowText);
    for (int x = 0; x < columns; ++x) {
        // The envelope columns this pixel column covers (at least one when zoomed in).
        const int from = int(int64_t(x) * n / columns);
        const int to = std::max(from + 1, int(int64_t(x + 1) * n / columns));
        float lo = low_[from], hi = high_[from];
        for (int i = from + 1; i < to; ++i) {
            lo = std::min(lo, low_[i]);
            hi = std::max(hi, high_[i]);
        }
        const double top = mid - std::clamp(double(hi * gain), -1.0, 1.0) * half;
        const double bottom = mid - std::clamp(double(lo * gain), -1.0, 1.0) * half;
        p.setPen(x < playedUpTo ? played : ahead);
        p.drawLine(QPointF(x + 0.5, top), QPointF(x + 0.5, std::max(bottom, top + 1.0)));
    }
}

}  // namespace ibllm::ui
