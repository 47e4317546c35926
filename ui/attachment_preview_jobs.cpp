#include "ui/attachment_preview_jobs.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QThreadPool>
#include <cmath>
#include <exception>
#include <new>

#include "app/attachment_decoder.h"
#include "media/av/audio_envelope.h"
#include "media/av/video_thumbnails.h"
#include "ui/signal_previews.h"

namespace ibllm::ui {

namespace {

struct PreviewMessages {
    Q_DECLARE_TR_FUNCTIONS(PreviewMessages)
};

QString outOfMemory(const QString& path) {
    return PreviewMessages::tr("%1 is too large to preview with the memory available.").arg(QFileInfo(path).fileName());
}

}  // namespace

QThreadPool* previewThreadPool() {
    static QThreadPool* const pool = [] {
        auto* p = new QThreadPool(QCoreApplication::instance());  // waits for its jobs when the app ends
        p->setMaxThreadCount(2);
        return p;
    }();
    return pool;
}

VideoPreviewData readVideoPreview(const QString& path, int frames, QSize box) {
    VideoPreviewData out;
    try {
        const media::VideoThumbnails t =
            media::decode_video_thumbnails(path.toStdString(), frames, box.width(), box.height());
        out.seconds = t.info.duration_s;
        out.videoSize = QSize(t.info.width, t.info.height);
        out.fps = t.info.fps;
        for (const media::DecodedFrame& f : t.frames) {
            const QImage view(f.rgb.data(), f.width, f.height, f.width * 3, QImage::Format_RGB888);
            out.frames.append(view.copy());  // the view borrows f.rgb, which goes away
        }
    } catch (const std::bad_alloc&) {
        out.error = outOfMemory(path);
    } catch (const std::exception& e) {
        out.error = QString::fromStdString(e.what());
    }
    return out;
}

AudioPreviewData readAudioPreview(const QString& path, int columns) {
    AudioPreviewData out;
    try {
        const media::AudioEnvelope e = media::audio_envelope(path.toStdString(), columns);
        out.seconds = e.duration_s;
        out.sampleRate = e.sample_rate;
        out.channels = e.channels;
        out.low = QVector<float>(e.low.begin(), e.low.end());
        out.high = QVector<float>(e.high.begin(), e.high.end());
        out.peak = e.peak;
    } catch (const std::bad_alloc&) {
        out.error = outOfMemory(path);
    } catch (const std::exception& e) {
        out.error = QString::fromStdString(e.what());
    }
    return out;
}

namespace {

template <typename Draw>
ArrayPreviewData readArrayPreview(const QString& path, QSize box, Draw draw) {
    ArrayPreviewData out;
    try {
        const ArrayInput a = read_npy_array(path.toStdString());
        out.rows = a.shape.size() == 2 ? a.shape[0] : 1;
        out.columns = a.shape.empty() ? 0 : a.shape.back();
        out.image = draw(a, box);
        if (out.image.isNull())
            out.error = PreviewMessages::tr("%1 holds an array of another shape than this input needs.").arg(QFileInfo(path).fileName());
    } catch (const std::bad_alloc&) {
        out.error = outOfMemory(path);
    } catch (const std::exception& e) {
        out.error = QString::fromStdString(e.what());
    }
    return out;
}

}  // namespace

ArrayPreviewData readFmriPreview(const QString& path, QSize box) { return readArrayPreview(path, box, &fmriHeatMap); }

ArrayPreviewData readImuPreview(const QString& path, QSize box) { return readArrayPreview(path, box, &imuPlot); }

std::shared_ptr<const LoadedPointCloud> readPointCloudPreview(const QString& path) {
    if (QFileInfo(path).suffix().compare(QLatin1String("pt"), Qt::CaseInsensitive) != 0)
        return loadPointCloudForDisplay(path);
    try {
        std::vector<double> xyz = app::read_saved_point_cloud(path.toStdString());
        media::PointCloudData cloud;
        cloud.count = int64_t(xyz.size() / 3);
        cloud.source_dtype = "float64";
        for (int64_t i = 0; i < cloud.count; ++i) {
            const double* p = xyz.data() + 3 * i;
            if (!std::isfinite(p[0]) || !std::isfinite(p[1]) || !std::isfinite(p[2])) ++cloud.non_finite;
        }
        cloud.xyz = std::move(xyz);
        return prepareForDisplay(path, cloud);
    } catch (const std::bad_alloc&) {
        auto out = std::make_shared<LoadedPointCloud>();
        out->path = path;
        out->error = outOfMemory(path);
        return out;
    } catch (const std::exception& e) {
        auto out = std::make_shared<LoadedPointCloud>();
        out->path = path;
        out->error = QString::fromStdString(e.what());
        return out;
    }
}

}  // namespace ibllm::ui
