#pragma once
// A row of video thumbnails, earliest first, drawn side by side at a fixed height.
#include <QImage>
#include <QList>
#include <QWidget>

namespace ibllm::ui {

class VideoFrameStrip : public QWidget {
    Q_OBJECT
public:
    static constexpr int kHeight = 30;  // pixels per thumbnail row
    static constexpr int kGap = 2;

    explicit VideoFrameStrip(QWidget* parent = nullptr);

    void setFrames(const QList<QImage>& frames);
    const QList<QImage>& frames() const { return frames_; }
    int frameCount() const { return int(frames_.size()); }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override { return sizeHint(); }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    int cellWidth() const;

    QList<QImage> frames_;
};

}  // namespace ibllm::ui
