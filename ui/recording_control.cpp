#include "ui/recording_control.h"

#include <QDateTime>
#include <QDir>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QStandardPaths>
#include <QTimer>
#include <QToolButton>
#include <cmath>

#include "app/wav_file.h"
#include "media/capture/microphone.h"

namespace ibllm::ui {

RecordingControl::RecordingControl(QWidget* parent)
    : QWidget(parent),
      folder_(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/recordings")) {
    record_ = new QToolButton(this);
    record_->setCheckable(true);
    live_ = new QToolButton(this);
    live_->setCheckable(true);
    meter_ = new QProgressBar(this);
    meter_->setRange(0, 100);
    meter_->setTextVisible(false);
    meter_->setMaximumWidth(80);
    meter_->setMaximumHeight(10);
    duration_ = new QLabel(this);
    timer_ = new QTimer(this);
    timer_->setInterval(50);  // ~20 Hz: a smooth meter, and poll() well within the ring's 4 s

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(record_);
    layout->addWidget(meter_);
    layout->addWidget(duration_);
    layout->addWidget(live_);

    connect(record_, &QToolButton::clicked, this, [this](bool checked) {
        if (checked) startRecording();
        else stopRecording();
    });
    connect(live_, &QToolButton::toggled, this, &RecordingControl::setLive);
    connect(timer_, &QTimer::timeout, this, &RecordingControl::tick);
    retranslate();
    refresh();
}

RecordingControl::~RecordingControl() = default;

void RecordingControl::setDevice(int deviceIndex) {
    if (deviceIndex == device_) return;
    device_ = deviceIndex;
    // The next start opens the chosen device; a running stream keeps its device until then.
    if (!recording_ && !isLive()) mic_.reset();
}

bool RecordingControl::isLive() const { return live_->isChecked(); }

void RecordingControl::report(const QString& message) {
    problem_ = message;
    Q_EMIT problem(message);
}

bool RecordingControl::ensureRunning() {
    try {
        if (!mic_) mic_ = std::make_unique<media::Microphone>(device_, kLiveSeconds);
        if (!mic_->running()) mic_->start();
        timer_->start();
        return true;
    } catch (const std::exception& e) {
        mic_.reset();
        report(QString::fromStdString(e.what()));
        return false;
    }
}

void RecordingControl::stopIfIdle() {
    if (recording_ || isLive() || !mic_) return;
    mic_->stop();
    timer_->stop();
}

void RecordingControl::startRecording() {
    if (recording_) return;
    // Live capture already runs: the recording starts now, not at the live window's start.
    if (mic_ && mic_->running()) mic_->take_recording();
    recording_ = ensureRunning();
    refresh();
}

void RecordingControl::stopRecording() {
    if (!recording_) {
        refresh();
        return;
    }
    recording_ = false;
    std::vector<float> samples = mic_->take_recording();
    stopIfIdle();
    refresh();
    if (samples.empty()) return;
    const QString path = writeClip(samples, QStringLiteral("recording"));
    if (!path.isEmpty()) Q_EMIT recordingSaved(path);
}

void RecordingControl::setLive(bool live) {
    if (live_->isChecked() != live) {
        const QSignalBlocker block(live_);
        live_->setChecked(live);
    }
    if (live && !ensureRunning()) {
        const QSignalBlocker block(live_);
        live_->setChecked(false);
    }
    if (!live) stopIfIdle();
    refresh();
}

QString RecordingControl::takeLiveClip() {
    if (!isLive() || !mic_) return QString();
    mic_->poll();
    const std::vector<float> samples = mic_->last_seconds(kLiveSeconds);
    if (samples.empty()) return QString();
    return writeClip(samples, QStringLiteral("live"));
}

QString RecordingControl::writeClip(const std::vector<float>& samples, const QString& stem) {
    if (!QDir().mkpath(folder_)) {
        report(tr("The recording cannot be saved: the folder %1 cannot be created.").arg(folder_));
        return QString();
    }
    const QString name = QStringLiteral("%1-%2.wav")
                             .arg(stem, QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz")));
    const QString path = QDir(folder_).filePath(name);
    if (!app::write_wav_pcm16(path.toStdString(), samples, mic_ ? mic_->sample_rate() : 16000)) {
        report(tr("The recording cannot be saved to %1; check the disk space and permissions.").arg(path));
        return QString();
    }
    return path;
}

void RecordingControl::tick() {
    if (!mic_) return;
    mic_->poll();
    if (!mic_->running() && (recording_ || isLive())) {
        // The device went away mid-recording: keep what was heard, say why it stopped.
        report(tr("The microphone stopped; check that it is still connected."));
        const bool wasRecording = recording_;
        {
            const QSignalBlocker block(live_);
            live_->setChecked(false);
        }
        if (wasRecording) stopRecording();
        else stopIfIdle();
    }
    refresh();
}

void RecordingControl::refresh() {
    {
        const QSignalBlocker block(record_);
        record_->setChecked(recording_);
    }
    const bool capturing = mic_ && mic_->running();
    meter_->setVisible(capturing);
    meter_->setValue(capturing ? int(std::lround(100.0 * std::min(1.0f, mic_->level()))) : 0);
    duration_->setVisible(recording_);
    if (recording_) {
        const int seconds = int(mic_->recorded_seconds());
        duration_->setText(QStringLiteral("%1:%2").arg(seconds / 60).arg(seconds % 60, 2, 10, QLatin1Char('0')));
    }
    record_->setToolTip(recording_ ? tr("Stop recording and attach it") : tr("Record from the microphone"));
}

void RecordingControl::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) retranslate();
    QWidget::changeEvent(event);
}

void RecordingControl::retranslate() {
    record_->setText(tr("Record"));
    live_->setText(tr("Live"));
    live_->setToolTip(tr("Send the last %1 seconds of sound with each question").arg(kLiveSeconds));
    refresh();
}

}  // namespace ibllm::ui
