#include "ui/point_cloud_view.h"

#include <QLocale>
#include <QMouseEvent>
#include <QOpenGLShaderProgram>
#include <QWheelEvent>
#include <algorithm>
#include <QtMath>
#include <cmath>


namespace ibllm::ui {
namespace {

// GLSL that both desktop GL 2.1 (#version 110/120) and GLSL ES 1.00 accept; Qt adds the
// precision qualifiers' defines on desktop GL.
const char* kVertexShader = R"(
attribute vec3 position;
attribute vec3 colour;
uniform mat4 mvp;
uniform float pointSize;
varying vec3 vColour;
void main() {
    gl_Position = mvp * vec4(position, 1.0);
    gl_PointSize = pointSize;
    vColour = colour;
}
)";

const char* kFragmentShader = R"(
varying mediump vec3 vColour;
void main() {
    gl_FragColor = vec4(vColour, 1.0);
}
)";

constexpr int kFloatsPerVertex = 6;
// GL_PROGRAM_POINT_SIZE (GL_VERTEX_PROGRAM_POINT_SIZE in 2.1): needed on desktop GL for
// gl_PointSize to take effect; not defined by the ES 2 headers.
constexpr GLenum kProgramPointSize = 0x8642;

// A blue -> green -> yellow -> red ramp: height reads at a glance on a dark background.
QVector3D heightColour(float t) {
    t = std::clamp(t, 0.0f, 1.0f);
    if (t < 0.33f) return QVector3D(0.1f, 0.3f + 2.1f * t, 1.0f - 1.5f * t);
    if (t < 0.66f) return QVector3D(3.0f * (t - 0.33f), 1.0f, 0.5f - 1.5f * (t - 0.33f));
    return QVector3D(1.0f, 1.0f - 2.9f * (t - 0.66f), 0.0f);
}

}  // namespace

PointCloudView::PointCloudView(QWidget* parent) : QOpenGLWidget(parent) {
    setMinimumSize(200, 160);
    setFocusPolicy(Qt::StrongFocus);
}

PointCloudView::~PointCloudView() {
    // The buffers belong to this widget's context; release them while it is current.
    if (context()) {
        makeCurrent();
        points_.destroy();
        box_.destroy();
        program_.reset();
        doneCurrent();
    }
}

void PointCloudView::setCloud(const media::PointCloudData& cloud) {
    setDisplayCloud(media::downsample_for_display(cloud, kMaxDisplayPoints), cloud.count);
}

void PointCloudView::setDisplayCloud(const media::PointCloudData& display, int64_t totalPoints) {
    total_ = totalPoints;
    shown_ = display;
    const media::Bounds b = media::bounds(shown_);
    centre_ = QVector3D(float((b.min[0] + b.max[0]) / 2), float((b.min[1] + b.max[1]) / 2),
                        float((b.min[2] + b.max[2]) / 2));
    const double extent = std::max({b.max[0] - b.min[0], b.max[1] - b.min[1], b.max[2] - b.min[2]});
    scale_ = extent > 0 ? float(2.0 / extent) : 1.0f;
    halfExtent_ = QVector3D(float(b.max[0] - b.min[0]), float(b.max[1] - b.min[1]),
                            float(b.max[2] - b.min[2])) * (scale_ / 2);
    if (colourMode_ == ColourMode::FileColours && shown_.rgb.empty()) colourMode_ = ColourMode::Height;
    if (!shown_.rgb.empty()) colourMode_ = ColourMode::FileColours;
    dirty_ = true;
    resetView();
    Q_EMIT cloudChanged();
}

void PointCloudView::clear() {
    setCloud(media::PointCloudData{});
}

QString PointCloudView::countText() const {
    const QLocale locale;
    if (shown_.count < total_) {
        return tr("showing %1 of %2 points").arg(locale.toString(qlonglong(shown_.count)),
                                                   locale.toString(qlonglong(total_)));
    }
    return tr("%Ln point(s)", nullptr, int(std::min<int64_t>(total_, INT32_MAX)));
}

void PointCloudView::resetView() {
    yaw_ = -35.0f;
    pitch_ = 25.0f;
    distance_ = 3.5f;
    pan_ = QVector3D();
    update();
}

void PointCloudView::setPointSize(double pixels) {
    pointSize_ = float(std::clamp(pixels, 1.0, 20.0));
    update();
}

void PointCloudView::setColourMode(ColourMode mode) {
    if (mode == ColourMode::FileColours && shown_.rgb.empty()) mode = ColourMode::Height;
    if (mode == colourMode_) return;
    colourMode_ = mode;
    dirty_ = true;
    update();
}

void PointCloudView::setBoundingBoxVisible(bool visible) {
    showBox_ = visible;
    update();
}

std::vector<float> PointCloudView::buildVertices() const {
    std::vector<float> v;
    v.reserve(size_t(shown_.count) * kFloatsPerVertex);
    const bool fileColours = colourMode_ == ColourMode::FileColours && !shown_.rgb.empty();
    const float zMin = -halfExtent_.z();
    const float zRange = std::max(2 * halfExtent_.z(), 1e-12f);
    for (int64_t i = 0; i < shown_.count; ++i) {
        const QVector3D p = (QVector3D(float(shown_.xyz[3 * i]), float(shown_.xyz[3 * i + 1]),
                                       float(shown_.xyz[3 * i + 2])) - centre_) * scale_;
        QVector3D c;
        if (fileColours) {
            c = QVector3D(shown_.rgb[3 * i], shown_.rgb[3 * i + 1], shown_.rgb[3 * i + 2]) / 255.0f;
        } else {
            c = heightColour((p.z() - zMin) / zRange);
        }
        v.insert(v.end(), {p.x(), p.y(), p.z(), c.x(), c.y(), c.z()});
    }
    return v;
}

void PointCloudView::initializeGL() {
    initializeOpenGLFunctions();
    program_ = std::make_unique<QOpenGLShaderProgram>();
    program_->addShaderFromSourceCode(QOpenGLShader::Vertex, kVertexShader);
    program_->addShaderFromSourceCode(QOpenGLShader::Fragment, kFragmentShader);
    program_->bindAttributeLocation("position", 0);
    program_->bindAttributeLocation("colour", 1);
    if (!program_->link()) {
        lastError_ = tr("The 3D view cannot draw: %1").arg(program_->log());
        program_.reset();
    }
    points_.create();
    box_.create();
    dirty_ = true;
}

void PointCloudView::resizeGL(int, int) {}

void PointCloudView::uploadIfNeeded() {
    if (!dirty_) return;
    const std::vector<float> vertices = buildVertices();
    points_.bind();
    points_.allocate(vertices.data(), int(vertices.size() * sizeof(float)));
    points_.release();
    uploadedCount_ = int(shown_.count);

    // The box's 12 edges as 24 line ends, white.
    const QVector3D h = halfExtent_;
    std::vector<float> box;
    auto corner = [&](int i) {
        return QVector3D((i & 1) ? h.x() : -h.x(), (i & 2) ? h.y() : -h.y(), (i & 4) ? h.z() : -h.z());
    };
    for (int a = 0; a < 8; ++a) {
        for (int bit : {1, 2, 4}) {
            if (a & bit) continue;
            for (const QVector3D& p : {corner(a), corner(a | bit)})
                box.insert(box.end(), {p.x(), p.y(), p.z(), 0.85f, 0.85f, 0.85f});
        }
    }
    box_.bind();
    box_.allocate(box.data(), int(box.size() * sizeof(float)));
    box_.release();
    dirty_ = false;
}

QMatrix4x4 PointCloudView::viewProjection() const {
    QMatrix4x4 m;
    const float aspect = height() > 0 ? float(width()) / float(height()) : 1.0f;
    m.perspective(45.0f, aspect, 0.01f, 100.0f);
    m.translate(pan_.x(), pan_.y(), -distance_);
    m.rotate(pitch_ - 90.0f, 1, 0, 0);  // z is up: look at the cloud from the side
    m.rotate(yaw_, 0, 0, 1);
    return m;
}

void PointCloudView::paintGL() {
    glClearColor(0.12f, 0.12f, 0.14f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
    if (!program_ || shown_.count == 0) return;
    glEnable(GL_DEPTH_TEST);
    if (!context()->isOpenGLES()) glEnable(kProgramPointSize);
    uploadIfNeeded();

    program_->bind();
    program_->setUniformValue("mvp", viewProjection());
    program_->setUniformValue("pointSize", pointSize_ * float(devicePixelRatioF()));
    auto draw = [&](QOpenGLBuffer& buffer, GLenum mode, int count) {
        buffer.bind();
        program_->enableAttributeArray(0);
        program_->enableAttributeArray(1);
        program_->setAttributeBuffer(0, GL_FLOAT, 0, 3, kFloatsPerVertex * sizeof(float));
        program_->setAttributeBuffer(1, GL_FLOAT, 3 * sizeof(float), 3, kFloatsPerVertex * sizeof(float));
        glDrawArrays(mode, 0, count);
        program_->disableAttributeArray(0);
        program_->disableAttributeArray(1);
        buffer.release();
    };
    draw(points_, GL_POINTS, uploadedCount_);
    if (showBox_) draw(box_, GL_LINES, 24);
    program_->release();
}

void PointCloudView::mousePressEvent(QMouseEvent* event) {
    lastMouse_ = event->position().toPoint();
}

void PointCloudView::mouseMoveEvent(QMouseEvent* event) {
    const QPoint now = event->position().toPoint();
    const QPoint delta = now - lastMouse_;
    lastMouse_ = now;
    if (event->buttons() & Qt::LeftButton) {
        yaw_ += 0.4f * float(delta.x());
        pitch_ = std::clamp(pitch_ + 0.4f * float(delta.y()), -89.0f, 89.0f);
    } else if (event->buttons() & (Qt::RightButton | Qt::MiddleButton)) {
        // Move the cloud with the pointer: one window height spans the visible height.
        const float perPixel = 2.0f * distance_ * std::tan(qDegreesToRadians(22.5f)) / float(std::max(1, height()));
        pan_ += QVector3D(float(delta.x()) * perPixel, -float(delta.y()) * perPixel, 0.0f);
    } else {
        return;
    }
    update();
}

void PointCloudView::wheelEvent(QWheelEvent* event) {
    const float steps = float(event->angleDelta().y()) / 120.0f;
    distance_ = std::clamp(distance_ * std::pow(0.85f, steps), 0.2f, 50.0f);
    update();
    event->accept();
}

}  // namespace ibllm::ui
