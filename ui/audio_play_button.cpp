#include "ui/audio_play_button.h"

#include <QAudioDevice>
#include <QAudioOutput>
#include <QEvent>
#include <QMediaDevices>
#include <QMediaPlayer>
#include <QStyle>
#include <QUrl>

namespace ibllm::ui {

AudioPlayButton::AudioPlayButton(QWidget* parent) : QToolButton(parent) {
    setAutoRaise(true);
    connect(this, &QToolButton::clicked, this, &AudioPlayButton::togglePlayback);
    refresh();
}

void AudioPlayButton::setFile(const QString& path) {
    delete player_;
    delete output_;
    player_ = nullptr;
    output_ = nullptr;
    // Checked first: without an output device a player would only fail later, and CI
    // machines have no sound card.
    if (QMediaDevices::audioOutputs().isEmpty()) return setProblem(Problem::NoOutput);
    player_ = new QMediaPlayer(this);
    if (!player_->isAvailable()) {
        delete player_;
        player_ = nullptr;
        return setProblem(Problem::NoBackend);
    }
    output_ = new QAudioOutput(this);
    player_->setAudioOutput(output_);
    connect(player_, &QMediaPlayer::errorOccurred, this, [this](QMediaPlayer::Error, const QString& text) {
        setProblem(Problem::CannotPlay, text);
    });
    connect(player_, &QMediaPlayer::mediaStatusChanged, this, [this](QMediaPlayer::MediaStatus status) {
        if (status == QMediaPlayer::InvalidMedia) setProblem(Problem::CannotPlay, player_->errorString());
        if (status == QMediaPlayer::EndOfMedia) stop();
    });
    connect(player_, &QMediaPlayer::playbackStateChanged, this, [this] {
        refresh();
        if (player_->playbackState() == QMediaPlayer::StoppedState) Q_EMIT playedFractionChanged(-1.0);
    });
    connect(player_, &QMediaPlayer::positionChanged, this, [this](qint64 position) {
        const qint64 length = player_->duration();
        if (length > 0 && player_->playbackState() != QMediaPlayer::StoppedState)
            Q_EMIT playedFractionChanged(double(position) / double(length));
    });
    setProblem(Problem::None);
    player_->setSource(QUrl::fromLocalFile(path));
}

bool AudioPlayButton::isPlaying() const {
    return player_ && player_->playbackState() == QMediaPlayer::PlayingState;
}

void AudioPlayButton::togglePlayback() {
    if (!canPlay()) return;
    if (isPlaying())
        player_->pause();
    else
        player_->play();
}

void AudioPlayButton::stop() {
    if (player_) player_->stop();
}

void AudioPlayButton::setProblem(Problem problem, const QString& detail) {
    problem_ = problem;
    detail_ = detail;
    if (problem != Problem::None && player_) player_->stop();
    refresh();
}

QString AudioPlayButton::unavailableReason() const {
    switch (problem_) {
        case Problem::None: return QString();
        case Problem::NoFile: return tr("No sound to play.");
        case Problem::NoOutput: return tr("Playback is off: no sound output device was found.");
        case Problem::NoBackend: return tr("Playback is off: Qt Multimedia has no working media backend on this system.");
        case Problem::CannotPlay:
            return detail_.isEmpty() ? tr("Qt Multimedia cannot play this file.")
                                     : tr("Qt Multimedia cannot play this file: %1").arg(detail_);
    }
    return QString();
}

void AudioPlayButton::refresh() {
    const bool playing = isPlaying();
    setEnabled(canPlay());
    setIcon(style()->standardIcon(playing ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
    const QString reason = unavailableReason();
    setToolTip(!reason.isEmpty() ? reason : playing ? tr("Pause") : tr("Play"));
    setAccessibleName(playing ? tr("Pause") : tr("Play"));
}

void AudioPlayButton::changeEvent(QEvent* event) {
    QToolButton::changeEvent(event);
    if (event->type() == QEvent::LanguageChange) refresh();
}

}  // namespace ibllm::ui
