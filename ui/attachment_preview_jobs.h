#pragma once
// The slow half of the attachment previews: decoding a video's frame strip, an audio file's
// waveform and a point cloud. Each function runs off the UI thread (QtConcurrent), never
// throws, and returns plain Qt values (QImage, not QPixmap, is safe outside the UI thread).
#include <QImage>
#include <QList>
#include <QSize>
#include <QString>
#include <QVector>
#include <memory>

#include "ui/point_cloud_loading.h"

class QThreadPool;

namespace ibllm::ui {

// The pool the previews run on: their own, so that a pile of dropped videos does not hold up
// the global pool's work (hashing attachments before a question is sent).
QThreadPool* previewThreadPool();

struct VideoPreviewData {
    double seconds = 0.0;   // the video stream's length
    QSize videoSize;        // frame size in pixels as stored
    double fps = 0.0;       // 0 when the file does not say
    QList<QImage> frames;   // evenly spaced thumbnails in time order
    QString error;          // one sentence naming the file when it cannot be previewed
};

struct AudioPreviewData {
    double seconds = 0.0;
    int sampleRate = 0;
    int channels = 0;
    QVector<float> low, high;  // per waveform column, over all channels
    float peak = 0.0f;         // the largest |sample|
    QString error;
};

// An fMRI scan's heat map or an IMU recording's six lines (OneLLM's .npy inputs).
struct ArrayPreviewData {
    QImage image;
    qint64 rows = 0, columns = 0;  // the array's shape (fMRI: repetitions x voxels; IMU: 6 x samples)
    QString error;
};

// `frames` thumbnails, each fitting in `box` (media::decode_video_thumbnails).
VideoPreviewData readVideoPreview(const QString& path, int frames, QSize box);
// A min/max envelope of `columns` columns (media::audio_envelope).
AudioPreviewData readAudioPreview(const QString& path, int columns);
// The cloud for the chip's note and the viewer; a .pt tensor goes through the engine's
// reader, as it does when the cloud is encoded.
std::shared_ptr<const LoadedPointCloud> readPointCloudPreview(const QString& path);
// The .npy drawn in `box` (signal_previews.h).
ArrayPreviewData readFmriPreview(const QString& path, QSize box);
ArrayPreviewData readImuPreview(const QString& path, QSize box);

}  // namespace ibllm::ui
