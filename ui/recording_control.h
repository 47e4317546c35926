#pragma once
// The composer's microphone controls: a record button with a live level meter and the
// recorded duration, and a "live" toggle that keeps the last seconds of sound ready to go
// with each question.
//
// The microphone's audio callback runs on PortAudio's own thread; this widget only polls it
// (Microphone::poll(), level()) from a ~20 Hz timer on the UI thread, so no Qt object is
// touched from the callback. A missing microphone becomes problem(), never an exception.
#include <QString>
#include <QWidget>
#include <memory>

class QLabel;
class QProgressBar;
class QTimer;
class QToolButton;

namespace ibllm::media {
class Microphone;
}

namespace ibllm::ui {

class RecordingControl : public QWidget {
    Q_OBJECT
public:
    static constexpr double kLiveSeconds = 6.0;

    explicit RecordingControl(QWidget* parent = nullptr);
    ~RecordingControl() override;

    // The PortAudio input device (-1: the default one). Takes effect at the next start.
    void setDevice(int deviceIndex);
    int device() const { return device_; }
    // Where recordings are written (default: AppDataLocation/recordings).
    void setRecordingsFolder(const QString& dir) { folder_ = dir; }
    QString recordingsFolder() const { return folder_; }

    bool isRecording() const { return recording_; }
    bool isLive() const;
    QString lastProblem() const { return problem_; }

    // With "live" on: writes the last kLiveSeconds to a WAV file and returns its path; empty
    // when live is off or nothing was heard yet.
    QString takeLiveClip();

    QToolButton* recordButton() const { return record_; }
    QToolButton* liveButton() const { return live_; }
    QProgressBar* levelMeter() const { return meter_; }
    QLabel* durationLabel() const { return duration_; }

public Q_SLOTS:
    void startRecording();
    void stopRecording();
    void setLive(bool live);

Q_SIGNALS:
    // A recording was written to `path` (a 16 kHz mono WAV).
    void recordingSaved(const QString& path);
    // One sentence for the user (no microphone, a file that cannot be written).
    void problem(const QString& message);

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    // Opens the microphone if it is not running; false (and problem()) when it cannot.
    bool ensureRunning();
    void stopIfIdle();
    void tick();
    void report(const QString& message);
    QString writeClip(const std::vector<float>& samples, const QString& stem);
    void refresh();

    std::unique_ptr<media::Microphone> mic_;
    QTimer* timer_;
    QToolButton* record_;
    QToolButton* live_;
    QProgressBar* meter_;
    QLabel* duration_;
    QString folder_;
    QString problem_;
    int device_ = -1;
    bool recording_ = false;
};

}  // namespace ibllm::ui
