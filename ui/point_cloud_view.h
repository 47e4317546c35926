#pragma once
// A 3D view of a point cloud: orbit with the left button, pan with the right or middle
// button, zoom with the wheel. The cloud is drawn from one vertex buffer with shaders that
// OpenGL 2.1 and OpenGL ES 2 both accept, so software rendering (Mesa llvmpipe) works.
//
// Clouds larger than kMaxDisplayPoints are reduced with media::downsample_for_display
// first: a million points would make every frame of an orbit slow on software GL.
#include <QMatrix4x4>
#include <QOpenGLBuffer>
#include <QOpenGLFunctions>
#include <QOpenGLWidget>
#include <QPoint>
#include <QVector3D>
#include <memory>

#include "media/points/point_cloud_file.h"

class QOpenGLShaderProgram;

namespace ibllm::ui {

class PointCloudView : public QOpenGLWidget, protected QOpenGLFunctions {
    Q_OBJECT
public:
    static constexpr int64_t kMaxDisplayPoints = 300000;
    enum class ColourMode { Height, FileColours };

    explicit PointCloudView(QWidget* parent = nullptr);
    ~PointCloudView() override;

    // Shows `cloud` (downsampled here when it is too large to draw smoothly). Files are read
    // off the UI thread (point_cloud_loading.h) and arrive through setDisplayCloud().
    void setCloud(const media::PointCloudData& cloud);
    // Shows a cloud already reduced for display (downsample_for_display) whose file held
    // `totalPoints` points.
    void setDisplayCloud(const media::PointCloudData& display, int64_t totalPoints);
    void clear();

    // Why the view cannot draw (its shaders did not build), or empty.
    QString lastError() const { return lastError_; }
    int64_t totalPoints() const { return total_; }
    int64_t shownPoints() const { return shown_.count; }
    bool hasFileColours() const { return !shown_.rgb.empty(); }
    // "12,345 points" or "showing 300,000 of 1,000,000 points".
    QString countText() const;

    float pointSize() const { return pointSize_; }
    ColourMode colourMode() const { return colourMode_; }
    bool boundingBoxVisible() const { return showBox_; }

public Q_SLOTS:
    void resetView();
    void setPointSize(double pixels);
    // FileColours falls back to Height when the file has no colours.
    void setColourMode(ibllm::ui::PointCloudView::ColourMode mode);
    void setBoundingBoxVisible(bool visible);

Q_SIGNALS:
    void cloudChanged();

protected:
    void initializeGL() override;
    void resizeGL(int w, int h) override;
    void paintGL() override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;

private:
    // Interleaved x y z r g b floats, positions centred and scaled into [-1, 1].
    std::vector<float> buildVertices() const;
    void uploadIfNeeded();
    QMatrix4x4 viewProjection() const;

    media::PointCloudData shown_;
    int64_t total_ = 0;
    QString lastError_;
    QVector3D centre_;
    float scale_ = 1.0f;      // multiplies centred coordinates into [-1, 1]
    QVector3D halfExtent_;    // of the scaled cloud, for the bounding box

    float yaw_ = -35.0f;
    float pitch_ = 25.0f;
    float distance_ = 3.5f;
    QVector3D pan_;
    QPoint lastMouse_;

    float pointSize_ = 2.0f;
    ColourMode colourMode_ = ColourMode::Height;
    bool showBox_ = true;

    std::unique_ptr<QOpenGLShaderProgram> program_;
    QOpenGLBuffer points_{QOpenGLBuffer::VertexBuffer};
    QOpenGLBuffer box_{QOpenGLBuffer::VertexBuffer};
    int uploadedCount_ = 0;
    bool dirty_ = true;
};

}  // namespace ibllm::ui
