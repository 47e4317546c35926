#pragma once
// Play / pause for an audio attachment through Qt Multimedia. When this system cannot play
// the file (no sound output device, no media backend, a format the backend does not read)
// the button is disabled and its tooltip says why; the waveform next to it still shows.
#include <QString>
#include <QToolButton>

class QAudioOutput;
class QMediaPlayer;

namespace ibllm::ui {

class AudioPlayButton : public QToolButton {
    Q_OBJECT
public:
    explicit AudioPlayButton(QWidget* parent = nullptr);

    // Prepares playback of `path` (stopping any earlier file).
    void setFile(const QString& path);
    bool canPlay() const { return problem_ == Problem::None && player_ != nullptr; }
    bool isPlaying() const;
    // Why the file cannot be played here, in the UI language; empty when it can.
    QString unavailableReason() const;

public Q_SLOTS:
    void togglePlayback();
    void stop();

Q_SIGNALS:
    // Playback position as a fraction of the length; negative once stopped.
    void playedFractionChanged(double fraction);

protected:
    void changeEvent(QEvent* event) override;

private:
    enum class Problem { None, NoFile, NoOutput, NoBackend, CannotPlay };

    void setProblem(Problem problem, const QString& detail = QString());
    void refresh();

    QMediaPlayer* player_ = nullptr;
    QAudioOutput* output_ = nullptr;
    Problem problem_ = Problem::NoFile;
    QString detail_;  // the backend's own words for CannotPlay
};

}  // namespace ibllm::ui
