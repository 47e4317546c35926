#pragma once
// The preview row of an attachment chip: a video's length and frame strip, an audio file's
// waveform with play / pause, or what will be done to a point cloud. The file is read in
// the background (attachment_preview_jobs.h) while the row says so; a file that cannot be
// read gets its one-sentence reason instead. OneLLM's .npy inputs show as pictures: an fMRI
// scan's heat map, an IMU recording's six lines. Images show in the chip's thumbnail, and
// CSV IMU recordings and embeddings have no preview, so the row hides for them.
#include <QFutureWatcher>
#include <QWidget>
#include <memory>

#include "engine/modality.h"
#include "ui/attachment_preview_jobs.h"

class QLabel;

namespace ibllm::ui {

class AudioPlayButton;
class AudioWaveform;
class VideoFrameStrip;

class AttachmentPreview : public QWidget {
    Q_OBJECT
public:
    enum class State { None, Loading, Ready, Failed };
    static constexpr int kVideoFrames = 5;
    static constexpr int kWaveformColumns = 400;

    explicit AttachmentPreview(QWidget* parent = nullptr);

    // Starts previewing `path` as `modality`, dropping a preview still being read. Does
    // nothing when the same file and modality are already previewed.
    void start(const QString& path, ibllm::Modality modality);

    State state() const { return state_; }
    // The sentence on the row: the reason a file failed, or the point-cloud summary.
    QString message() const;
    // What the tooltip adds (the full point-cloud preparation note, the video's facts).
    QString details() const { return toolTip(); }

    VideoFrameStrip* frameStrip() const { return strip_; }
    AudioWaveform* waveform() const { return waveform_; }
    AudioPlayButton* playButton() const { return play_; }
    QLabel* durationLabel() const { return duration_; }
    QLabel* messageLabel() const { return message_; }
    // The fMRI heat map or IMU plot, when one is shown.
    QLabel* plotLabel() const { return plot_; }
    // The cloud read for a point-cloud attachment (shared with the viewer), else null.
    std::shared_ptr<const LoadedPointCloud> pointCloud() const { return cloud_; }
    double durationSeconds() const { return seconds_; }

Q_SIGNALS:
    // The background read ended; state() is Ready or Failed.
    void finished();

protected:
    void changeEvent(QEvent* event) override;

private:
    void showVideo(const VideoPreviewData& data);
    void showAudio(const AudioPreviewData& data);
    void showPointCloud(std::shared_ptr<const LoadedPointCloud> cloud);
    void showArray(const ArrayPreviewData& data);
    void fail(const QString& message);
    void finish(State state);
    void retranslate();

    QString path_;
    ibllm::Modality modality_ = ibllm::Modality::Image;
    State state_ = State::None;
    QString error_;
    double seconds_ = 0.0;
    QSize videoSize_;
    double fps_ = 0.0;
    int sampleRate_ = 0, channels_ = 0;
    std::shared_ptr<const LoadedPointCloud> cloud_;
    qint64 arrayRows_ = 0, arrayColumns_ = 0;
    QFutureWatcherBase* job_ = nullptr;

    AudioPlayButton* play_;
    VideoFrameStrip* strip_;
    AudioWaveform* waveform_;
    QLabel* duration_;
    QLabel* message_;
    QLabel* plot_;
};

}  // namespace ibllm::ui
