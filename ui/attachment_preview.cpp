#include "ui/attachment_preview.h"

#include <QEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QtConcurrent/QtConcurrentRun>

#include "app/attachment_spec.h"
#include "ui/audio_play_button.h"
#include "ui/audio_waveform.h"
#include "ui/duration_text.h"
#include "ui/point_cloud_note.h"
#include "ui/video_frame_strip.h"

namespace ibllm::ui {

namespace {

// Thumbnails are decoded at twice the drawn height, so they stay sharp on HiDPI screens.
const QSize kThumbnailBox(2 * VideoFrameStrip::kHeight * 2, 2 * VideoFrameStrip::kHeight);
// A sentence on the row wraps at this width instead of stretching the chip.
constexpr int kMessageWidth = 280;
// The fMRI heat map and the IMU plot.
const QSize kPlotBox(180, 64);

// Runs `future` and hands its result to `onResult` on this thread; deleting the returned
// watcher drops the result.
template <typename T, typename F>
QFutureWatcherBase* watch(QObject* owner, QFuture<T> future, F onResult) {
    auto* watcher = new QFutureWatcher<T>(owner);
    QObject::connect(watcher, &QFutureWatcherBase::finished, owner, [watcher, onResult] {
        watcher->deleteLater();
        onResult(watcher->result());
    });
    watcher->setFuture(future);
    return watcher;
}

}  // namespace

AttachmentPreview::AttachmentPreview(QWidget* parent) : QWidget(parent) {
    play_ = new AudioPlayButton(this);
    strip_ = new VideoFrameStrip(this);
    waveform_ = new AudioWaveform(this);
    duration_ = new QLabel(this);
    message_ = new QLabel(this);
    message_->setWordWrap(true);
    message_->setMaximumWidth(kMessageWidth);
    message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    plot_ = new QLabel(this);

    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(0, 0, 0, 0);
    row->setSpacing(4);
    row->addWidget(play_);
    row->addWidget(strip_);
    row->addWidget(waveform_, 1);
    row->addWidget(duration_);
    row->addWidget(plot_);
    row->addWidget(message_, 1);
    for (QWidget* w : {static_cast<QWidget*>(play_), static_cast<QWidget*>(strip_), static_cast<QWidget*>(waveform_),
                       static_cast<QWidget*>(duration_), static_cast<QWidget*>(message_), static_cast<QWidget*>(plot_)})
        w->hide();
    hide();
    connect(play_, &AudioPlayButton::playedFractionChanged, waveform_, &AudioWaveform::setPlayedFraction);
}

void AttachmentPreview::start(const QString& path, ibllm::Modality modality) {
    if (!path_.isEmpty() && path == path_ && modality == modality_) return;
    path_ = path;
    modality_ = modality;
    delete job_;
    job_ = nullptr;
    cloud_.reset();
    error_.clear();
    seconds_ = 0.0;
    play_->stop();
    for (QWidget* w : {static_cast<QWidget*>(play_), static_cast<QWidget*>(strip_), static_cast<QWidget*>(waveform_),
                       static_cast<QWidget*>(duration_), static_cast<QWidget*>(plot_)})
        w->hide();
    arrayRows_ = arrayColumns_ = 0;
    setToolTip(QString());

    // A .npy holding one vector is a precomputed embedding whatever the chip says.
    const bool embedding = app::mayBeEmbedding(path) && app::npyHoldsOneVector(path);
    switch (modality) {
        case Modality::Video:
            job_ = watch(this, QtConcurrent::run(previewThreadPool(), &readVideoPreview, path, kVideoFrames, kThumbnailBox),
                         [this](const VideoPreviewData& data) {
                             job_ = nullptr;
                             showVideo(data);
                         });
            break;
        case Modality::Audio:
            job_ = watch(this, QtConcurrent::run(previewThreadPool(), &readAudioPreview, path, kWaveformColumns),
                         [this](const AudioPreviewData& data) {
                             job_ = nullptr;
                             showAudio(data);
                         });
            break;
        case Modality::Point:
            if (embedding) break;
            job_ = watch(this, QtConcurrent::run(previewThreadPool(), &readPointCloudPreview, path),
                         [this](const std::shared_ptr<const LoadedPointCloud>& cloud) {
                             job_ = nullptr;
                             showPointCloud(cloud);
                         });
            break;
        case Modality::Fmri:
        case Modality::Imu: {
            // OneLLM's .npy recordings; a CSV IMU recording (ImageBind's) has no preview.
            if (QFileInfo(path).suffix().compare(QLatin1String("npy"), Qt::CaseInsensitive) != 0) break;
            auto read = modality == Modality::Fmri ? &readFmriPreview : &readImuPreview;
            job_ = watch(this, QtConcurrent::run(previewThreadPool(), read, path, kPlotBox), [this](const ArrayPreviewData& data) {
                job_ = nullptr;
                showArray(data);
            });
            break;
        }
        default:
            break;
    }
    state_ = job_ ? State::Loading : State::None;
    message_->setVisible(state_ == State::Loading);
    setVisible(state_ != State::None);
    retranslate();
}

QString AttachmentPreview::message() const { return message_->isHidden() ? QString() : message_->text(); }

void AttachmentPreview::showVideo(const VideoPreviewData& data) {
    if (!data.error.isEmpty()) return fail(data.error);
    seconds_ = data.seconds;
    videoSize_ = data.videoSize;
    fps_ = data.fps;
    strip_->setFrames(data.frames);
    strip_->show();
    duration_->show();
    message_->hide();
    finish(State::Ready);
}

void AttachmentPreview::showAudio(const AudioPreviewData& data) {
    if (!data.error.isEmpty()) return fail(data.error);
    seconds_ = data.seconds;
    sampleRate_ = data.sampleRate;
    channels_ = data.channels;
    waveform_->setEnvelope(data.low, data.high);
    waveform_->show();
    play_->setFile(path_);
    play_->show();
    duration_->show();
    message_->hide();
    finish(State::Ready);
}

void AttachmentPreview::showPointCloud(std::shared_ptr<const LoadedPointCloud> cloud) {
    if (!cloud || !cloud->ok()) return fail(cloud ? cloud->error : QString());
    cloud_ = std::move(cloud);
    message_->show();
    finish(State::Ready);
}

void AttachmentPreview::showArray(const ArrayPreviewData& data) {
    if (!data.error.isEmpty()) return fail(data.error);
    arrayRows_ = data.rows;
    arrayColumns_ = data.columns;
    plot_->setPixmap(QPixmap::fromImage(data.image));
    plot_->show();
    message_->show();
    finish(State::Ready);
}

void AttachmentPreview::fail(const QString& message) {
    error_ = message.isEmpty() ? tr("This file cannot be previewed.") : message;
    message_->show();
    finish(State::Failed);
}

void AttachmentPreview::finish(State state) {
    state_ = state;
    retranslate();
    Q_EMIT finished();
}

void AttachmentPreview::retranslate() {
    duration_->setText(durationText(seconds_));
    if (state_ == State::Loading) {
        message_->setText(modality_ == Modality::Video   ? tr("Reading the video…")
                          : modality_ == Modality::Audio ? tr("Reading the sound…")
                          : modality_ == Modality::Point ? tr("Reading the point cloud…")
                                                         : tr("Reading the recording…"));
    } else if (state_ == State::Failed) {
        message_->setText(error_);
    } else if (cloud_) {
        message_->setText(pointCloudUsageSummary(cloud_->points, cloud_->nonFinite));
    } else if (state_ == State::Ready && modality_ == Modality::Fmri) {
        message_->setText(tr("%1 voxels, averaged over %n repetition(s)", nullptr, int(arrayRows_)).arg(QLocale().toString(arrayColumns_)));
    } else if (state_ == State::Ready && modality_ == Modality::Imu) {
        message_->setText(tr("%1 samples of accelerometer and gyroscope").arg(QLocale().toString(arrayColumns_)));
    }

    QString details;
    if (state_ == State::Failed) {
        details = error_;
    } else if (state_ == State::Ready && modality_ == Modality::Video) {
        const QLocale locale;
        details = tr("%1 s, %2 × %3 pixels").arg(locale.toString(seconds_, 'f', 2)).arg(videoSize_.width()).arg(videoSize_.height());
        if (fps_ > 0) details += tr(", %1 frames per second").arg(locale.toString(fps_, 'g', 4));
    } else if (state_ == State::Ready && modality_ == Modality::Audio) {
        details = tr("%1 s of sound, %2 Hz, %n channel(s)", nullptr, channels_)
                      .arg(QLocale().toString(seconds_, 'f', 2), QLocale().toString(sampleRate_));
    } else if (cloud_) {
        details = pointCloudPreparationNote(cloud_->points, cloud_->nonFinite);
    }
    setToolTip(details);
    duration_->setToolTip(details);
}

void AttachmentPreview::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::LanguageChange) retranslate();
}

}  // namespace ibllm::ui
