// The point-cloud viewer: it draws a cloud (checked on the grabbed frame), says how
// many points it shows, reduces large clouds for display, reads files off the UI thread (or
// shows a cloud read elsewhere at once), says what the encoder will get, and offers the cloud
// to be asked about. Drawing needs OpenGL; ctest runs this under xvfb-run when installed.
#include <QFile>
#include <QLabel>
#include <QLocale>
#include <QOffscreenSurface>
#include <QOpenGLContext>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

#include "ui/point_cloud_loading.h"
#include "ui/point_cloud_panel.h"
#include "ui/point_cloud_view.h"

using ibllm::ui::PointCloudPanel;
using ibllm::ui::PointCloudView;

namespace {

// A coloured helix: points at many depths and heights, so a correct frame cannot be flat.
ibllm::media::PointCloudData helix(int64_t n) {
    ibllm::media::PointCloudData cloud;
    cloud.count = n;
    cloud.source_dtype = "float64";
    for (int64_t i = 0; i < n; ++i) {
        const double t = 12.0 * double(i) / double(n);
        cloud.xyz.insert(cloud.xyz.end(), {std::cos(t), std::sin(t), 0.2 * t});
        cloud.rgb.insert(cloud.rgb.end(), {uint8_t(i % 256), uint8_t(255 - i % 256), 128});
    }
    return cloud;
}

QString openGLProblem() {
    QOpenGLContext context;
    if (!context.create()) return QStringLiteral("no OpenGL context can be created on this platform");
    QOffscreenSurface surface;
    surface.create();
    if (!context.makeCurrent(&surface)) return QStringLiteral("the OpenGL context cannot be made current");
    context.doneCurrent();
    return QString();
}

}  // namespace

class TestPointCloudView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void drawsTheCloud();
    void reducesLargeClouds();
    void panelOffersTheFile();
    void panelExplainsABadFile();
    void panelShowsACloudReadElsewhere();
};

void TestPointCloudView::drawsTheCloud() {
    const QString problem = openGLProblem();
    if (!problem.isEmpty()) QSKIP(qPrintable(problem));

    PointCloudView view;
    view.resize(200, 160);
    view.setCloud(helix(5000));
    view.setPointSize(4);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const QImage frame = view.grabFramebuffer();
    QVERIFY(!frame.isNull());
    QCOMPARE(frame.size(), view.size() * view.devicePixelRatio());

    const QRgb background = frame.pixel(0, 0);
    int differing = 0;
    for (int y = 0; y < frame.height(); ++y)
        for (int x = 0; x < frame.width(); ++x)
            if (frame.pixel(x, y) != background) ++differing;
    // The cloud (and its box) cover a visible part of the frame, not a stray pixel or two.
    QVERIFY2(differing > 200, qPrintable(QStringLiteral("%1 pixels differ from the background").arg(differing)));

    // Colouring by height redraws with other colours: the frame changes.
    view.setColourMode(PointCloudView::ColourMode::Height);
    QCOMPARE(view.colourMode(), PointCloudView::ColourMode::Height);
    const QImage byHeight = view.grabFramebuffer();
    QVERIFY(byHeight != frame);
}

void TestPointCloudView::reducesLargeClouds() {
    PointCloudView view;
    view.setCloud(helix(1000));
    QCOMPARE(view.totalPoints(), int64_t(1000));
    QCOMPARE(view.shownPoints(), int64_t(1000));
    QVERIFY(!view.countText().contains(QStringLiteral("showing")));
    QVERIFY(view.countText().contains(QStringLiteral("1000")) || view.countText().contains(QStringLiteral("1,000")));

    view.setCloud(helix(400000));
    QCOMPARE(view.totalPoints(), int64_t(400000));
    QVERIFY(view.shownPoints() > 0);
    QVERIFY(view.shownPoints() <= PointCloudView::kMaxDisplayPoints);
    QVERIFY2(view.countText().startsWith(QStringLiteral("showing ")), qPrintable(view.countText()));
    QVERIFY(view.countText().contains(QStringLiteral("400,000")) || view.countText().contains(QStringLiteral("400000")));

    // A cloud without colours cannot be coloured "from the file".
    ibllm::media::PointCloudData plain = helix(100);
    plain.rgb.clear();
    view.setCloud(plain);
    view.setColourMode(PointCloudView::ColourMode::FileColours);
    QCOMPARE(view.colourMode(), PointCloudView::ColourMode::Height);
}

void TestPointCloudView::panelOffersTheFile() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("cube.xyz"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("0 0 0\n1 0 0\n0 1 0\n0 0 1\n1 1 1\n");
    file.close();

    PointCloudPanel panel;
    QVERIFY(!panel.askButton()->isEnabled());
    // The file is read off the UI thread; the label says so until it arrives.
    QSignalSpy shown(&panel, &PointCloudPanel::fileShown);
    panel.showFile(path);
    QVERIFY(panel.isLoading());
    QVERIFY2(panel.countLabel()->text().contains(QStringLiteral("Reading cube.xyz")), qPrintable(panel.countLabel()->text()));
    QVERIFY(shown.wait(30000));
    QCOMPARE(shown.at(0).at(0).toString(), path);
    QCOMPARE(shown.at(0).at(1).toBool(), true);
    QVERIFY(!panel.isLoading());
    QCOMPARE(panel.filePath(), path);
    QCOMPARE(panel.view()->totalPoints(), int64_t(5));
    QVERIFY2(panel.countLabel()->text().contains(QStringLiteral("cube.xyz")), qPrintable(panel.countLabel()->text()));
    QVERIFY(panel.countLabel()->text().contains(QStringLiteral("5")));
    QVERIFY(panel.askButton()->isEnabled());
    // Five points are fewer than one Point-BERT neighbourhood: the note says it cannot be encoded.
    QVERIFY2(panel.noteLabel()->text().contains(QStringLiteral("at least 32")), qPrintable(panel.noteLabel()->text()));

    QSignalSpy asked(&panel, &PointCloudPanel::askRequested);
    panel.askButton()->click();
    QCOMPARE(asked.count(), 1);
    QCOMPARE(asked.at(0).at(0).toString(), path);
}

void TestPointCloudView::panelExplainsABadFile() {
    QTemporaryDir dir;
    PointCloudPanel panel;
    QSignalSpy shown(&panel, &PointCloudPanel::fileShown);
    panel.showFile(dir.filePath(QStringLiteral("missing.ply")));
    QVERIFY(shown.wait(30000));
    QCOMPARE(shown.at(0).at(1).toBool(), false);
    QVERIFY(!panel.askButton()->isEnabled());
    QVERIFY(panel.filePath().isEmpty());
    QVERIFY2(panel.countLabel()->text().contains(QStringLiteral("missing.ply")), qPrintable(panel.countLabel()->text()));
    QVERIFY(panel.noteLabel()->isHidden());
}

void TestPointCloudView::panelShowsACloudReadElsewhere() {
    // What the attachment chip hands over: read once (here, as on the pool) and shown at once,
    // with the preparation note naming the file's real point count.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("helix.xyz"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    const ibllm::media::PointCloudData cloud = helix(12000);
    for (int64_t i = 0; i < cloud.count; ++i)
        file.write(QByteArray::number(cloud.xyz[size_t(3 * i)], 'g', 17) + ' ' + QByteArray::number(cloud.xyz[size_t(3 * i + 1)], 'g', 17) +
                   ' ' + QByteArray::number(cloud.xyz[size_t(3 * i + 2)], 'g', 17) + '\n');
    file.close();

    const std::shared_ptr<const ibllm::ui::LoadedPointCloud> loaded = ibllm::ui::loadPointCloudForDisplay(path);
    QVERIFY2(loaded->ok(), qPrintable(loaded->error));
    QCOMPARE(loaded->points, int64_t(12000));
    PointCloudPanel panel;
    QSignalSpy shown(&panel, &PointCloudPanel::fileShown);
    panel.showLoaded(loaded);
    QCOMPARE(shown.count(), 1);  // no waiting: nothing is read
    QCOMPARE(panel.filePath(), path);
    QCOMPARE(panel.view()->totalPoints(), int64_t(12000));
    const QLocale locale;
    const QString note = panel.noteLabel()->text();
    QVERIFY2(note.contains(QStringLiteral("centred and scaled to the unit sphere")), qPrintable(note));
    QVERIFY2(note.contains(QStringLiteral("keeps %1 of its %2 points").arg(locale.toString(8192), locale.toString(12000))),
             qPrintable(note));
    QVERIFY(!panel.noteLabel()->isHidden());
}

QTEST_MAIN(TestPointCloudView)
#include "test_point_cloud_view.moc"
