#include "ui/video_frame_strip.h"

#include <QPainter>
#include <algorithm>

namespace ibllm::ui {

VideoFrameStrip::VideoFrameStrip(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
}

void VideoFrameStrip::setFrames(const QList<QImage>& frames) {
    frames_ = frames;
    updateGeometry();
    update();
}

// Every cell has the first frame's shape (all frames of a stream share it), within limits
// that keep a portrait or panoramic video from taking the whole chip.
int VideoFrameStrip::cellWidth() const {
    if (frames_.isEmpty() || frames_.first().height() <= 0) return kHeight * 16 / 9;
    const QImage& f = frames_.first();
    return std::clamp(kHeight * f.width() / f.height(), kHeight / 2, kHeight * 2);
}

QSize VideoFrameStrip::sizeHint() const {
    const int n = std::max(1, frameCount());
    return {n * cellWidth() + (n - 1) * kGap, kHeight};
}

void VideoFrameStrip::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::SmoothPixmapTransform);
    const int w = cellWidth();
    for (int i = 0; i < frameCount(); ++i) {
        const QRect cell(i * (w + kGap), 0, w, kHeight);
        p.fillRect(cell, palette().color(QPalette::Dark));
        const QImage& f = frames_.at(i);
        const QSize fitted = f.size().scaled(cell.size(), Qt::KeepAspectRatio);
        QRect target(QPoint(0, 0), fitted);
        target.moveCenter(cell.center());
        p.drawImage(target, f);
    }
}

}  // namespace ibllm::ui
