// The microphone in the desktop window, through a test audio device: choosing the
// device in the settings, pressing Record then Stop makes an audio chip whose WAV holds
// exactly the sound the device played, and "live" mode sends the last 6 seconds of sound
// with a question.
//
// The test device is tests/fake_alsa_microphone.h: an ALSA configuration (ALSA_CONFIG_PATH)
// whose capture PCM reads a FIFO the test plays a known signal into in real time. PortAudio
// reads the ALSA configuration only once per process, before anything starts it.
// That is why this is its own program: test_recording hides every device instead.
// Where the device cannot be made or PortAudio does not list it, the tests skip and say why.
#include <QApplication>
#include <QComboBox>
#include <QFileInfo>
#include <QLabel>
#include <QProgressBar>
#include <QScopeGuard>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <thread>
#include <unistd.h>

#include "app/conversation_store.h"
#include "demo_window.h"
#include "fake_alsa_microphone.h"
#include "app/engine_thread.h"
#include "app/wav_file.h"
#include "ui/attachment_bar.h"
#include "ui/attachment_chip.h"
#include "ui/composer.h"
#include "ui/main_window.h"
#include "ui/recording_control.h"
#include "ui/settings_panel.h"
#include "ui/ui_language.h"

using namespace ibllm;
using namespace ibllm::ui;

namespace {

constexpr int kRate = 16000;
const char* const kTestDevice = test::FakeAlsaMicrophone::kDevice;

// What the test microphone plays: `silentSamples` of silence, then a 440 Hz sine of amplitude
// 0.5 (RMS 0.354). Sample k of the stream is signalAt(k) exactly (float32 through the FIFO).
float signalAt(qint64 k, qint64 silentSamples) {
    if (k < silentSamples) return 0.0f;
    return 0.5f * float(std::sin(2.0 * M_PI * 440.0 * double(k) / kRate));
}

// The 16-bit value the WAV writer stores for a sample.
int pcm16(float v) { return int(std::lround(std::clamp(v, -1.0f, 1.0f) * 32767.0f)); }

// How many samples of `wav` differ (by more than the writer's rounding) from the signal
// started at stream sample `first`; the first few differences go to `where`.
qint64 countMismatches(const app::WavPcm16& wav, qint64 first, qint64 silentSamples, QString& where) {
    qint64 bad = 0;
    for (size_t i = 0; i < wav.samples.size(); ++i) {
        const int expected = pcm16(signalAt(first + qint64(i), silentSamples));
        if (std::abs(int(wav.samples[i]) - expected) > 1) {
            if (++bad <= 3) where += QStringLiteral(" [%1]=%2 (expected %3)").arg(i).arg(wav.samples[i]).arg(expected);
        }
    }
    return bad;
}

}  // namespace

class TestRecordingDevice : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::unique_ptr<test::FakeAlsaMicrophone> mic_;
    QString noDevice_;  // why the test device is unavailable here (empty: it is available)
    test::DemoWindow demo_;  // the window, its settings and conversations, in their own folder
    MainWindow* window_ = nullptr;

    QString path(const QString& p) const { return dir_.filePath(p); }
    QString recordings() const { return path(QStringLiteral("recordings")); }
    RecordingControl* recorder() const { return window_->composer()->recorder(); }

    // QSKIP returns from the function it is written in, so each test writes
    // `if (!noDevice_.isEmpty()) QSKIP(qPrintable(skipReason()));` itself.
    QString skipReason() const { return QStringLiteral("no test audio device: ") + noDevice_; }

    // Stops the microphone before the player goes, whatever way a test ends: the device reads
    // the FIFO blocking, so stopping it with no player left could wait forever.
    auto stopMicrophoneFirst() {
        return qScopeGuard([this] {
            recorder()->stopRecording();
            recorder()->setLive(false);
        });
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        mic_ = std::make_unique<test::FakeAlsaMicrophone>(dir_.path().toStdString());
        noDevice_ = QString::fromStdString(mic_->unavailable());
        // Before the window exists: its settings panel lists the microphones, which starts
        // PortAudio, which reads the ALSA configuration once.
        mic_->install();

        QString why;
        QVERIFY2(demo_.open(QSize(1100, 760), [this](MainWindow& w) { w.composer()->recorder()->setRecordingsFolder(recordings()); }, &why),
                 qPrintable(why));
        window_ = demo_.window();
    }

    void cleanupTestCase() {
        demo_.closeWindow();  // stops the microphone while nothing blocks its reads
        mic_.reset();
    }

    void theSettingsListTheTestMicrophone() {
        if (!noDevice_.isEmpty()) QSKIP(qPrintable(skipReason()));
        SettingsPanel* panel = window_->settingsPanel();
        panel->refreshMicrophones();
        QComboBox* box = panel->microphoneBox();
        const int item = box->findText(QString::fromLatin1(kTestDevice));
        if (item < 0) {
            QStringList listed;
            for (int i = 0; i < box->count(); ++i) listed << box->itemText(i);
            noDevice_ = QStringLiteral("PortAudio lists no ALSA device '%1' from the test's ALSA_CONFIG_PATH "
                                       "(PortAudio without its ALSA host API?); the list: %2")
                            .arg(QString::fromLatin1(kTestDevice), listed.join(QStringLiteral(", ")));
            QSKIP(qPrintable(skipReason()));
        }
        // Choosing it, as a user would, reaches the composer's recorder.
        box->setCurrentIndex(item);
        QCOMPARE(recorder()->device(), box->itemData(item).toInt());
        QVERIFY(recorder()->device() >= 0);
    }

    void recordThenStopAttachesWhatTheMicrophoneHeard() {
        if (!noDevice_.isEmpty()) QSKIP(qPrintable(skipReason()));
        if (recorder()->device() < 0) QSKIP("the test microphone was not chosen (see the test before)");
        AttachmentBar* bar = window_->composer()->attachments();
        bar->clear();
        QSignalSpy saved(recorder(), &RecordingControl::recordingSaved);
        QSignalSpy problems(recorder(), &RecordingControl::problem);

        mic_->drain();
        const qint64 silent = kRate;  // 1 s of silence, then the tone
        test::SignalWriter player(mic_->fifo(), [silent](int64_t k) { return signalAt(k, silent); });
        auto guard = stopMicrophoneFirst();

        recorder()->recordButton()->click();
        QVERIFY2(recorder()->isRecording(), qPrintable(recorder()->lastProblem()));
        QVERIFY(recorder()->recordButton()->isChecked());
        QVERIFY(recorder()->levelMeter()->isVisibleTo(window_));
        QVERIFY(recorder()->durationLabel()->isVisibleTo(window_));

        // The meter follows the sound: near zero in the silence, about 35 % in the tone.
        int silentLevel = -1, toneLevel = -1;
        while (player.seconds_played() < 2.5) {
            QTest::qWait(20);
            const double t = player.seconds_played();
            if (t > 0.3 && t < 0.7) silentLevel = recorder()->levelMeter()->value();
            if (t > 1.8) toneLevel = recorder()->levelMeter()->value();
        }
        QCOMPARE(recorder()->durationLabel()->text(), QStringLiteral("0:02"));
        QVERIFY2(silentLevel >= 0 && silentLevel <= 1, qPrintable(QString::number(silentLevel)));
        QVERIFY2(toneLevel >= 30 && toneLevel <= 40, qPrintable(QString::number(toneLevel)));

        recorder()->recordButton()->click();  // Stop
        QVERIFY(!recorder()->isRecording());
        QVERIFY(!recorder()->recordButton()->isChecked());
        QVERIFY(!recorder()->levelMeter()->isVisibleTo(window_));  // nothing captures any more
        QCOMPARE(problems.count(), 0);
        QCOMPARE(saved.count(), 1);
        const QString wavPath = saved.first().first().toString();
        QCOMPARE(QFileInfo(wavPath).absolutePath(), QFileInfo(recordings()).absoluteFilePath());
        QVERIFY2(QFileInfo(wavPath).fileName().startsWith(QStringLiteral("recording-")), qPrintable(wavPath));

        // The recording became an audio chip in the composer.
        QTRY_COMPARE(bar->count(), 1);
        const app::AttachmentSpec chip = bar->chips().first()->spec();
        QCOMPARE(chip.modality, Modality::Audio);
        QCOMPARE(QFileInfo(chip.path).canonicalFilePath(), QFileInfo(wavPath).canonicalFilePath());

        // A 16 kHz mono 16-bit WAV of about the 2.5 s recorded, holding exactly the signal
        // played from its first sample (the FIFO kept what was played before the stream opened).
        app::WavPcm16 wav;
        QVERIFY(app::read_wav_pcm16(wavPath.toStdString(), wav));
        QCOMPARE(wav.channels, 1);
        QCOMPARE(wav.sample_rate, kRate);
        QCOMPARE(wav.bits_per_sample, 16);
        const double seconds = double(wav.samples.size()) / kRate;
        QVERIFY2(seconds > 2.2 && seconds < 3.5, qPrintable(QString::number(seconds)));
        QString where;
        const qint64 bad = countMismatches(wav, 0, silent, where);
        QVERIFY2(bad == 0, qPrintable(QStringLiteral("%1 of %2 samples differ:%3").arg(bad).arg(wav.samples.size()).arg(where)));
        bar->clear();
    }

    void liveModeSendsTheLastSixSecondsWithTheQuestion() {
        if (!noDevice_.isEmpty()) QSKIP(qPrintable(skipReason()));
        if (recorder()->device() < 0) QSKIP("the test microphone was not chosen (see the test before)");
        QVERIFY(window_->isModelReady());
        window_->composer()->attachments()->clear();

        mic_->drain();
        const qint64 silent = 2 * kRate;  // the tone starts 2 s in: inside the last 6 s of ~7 s
        test::SignalWriter player(mic_->fifo(), [silent](int64_t k) { return signalAt(k, silent); });
        auto guard = stopMicrophoneFirst();

        recorder()->liveButton()->click();
        QVERIFY2(recorder()->isLive(), qPrintable(recorder()->lastProblem()));
        QVERIFY(!recorder()->isRecording());  // live listens; it does not record
        QVERIFY(!recorder()->durationLabel()->isVisibleTo(window_));
        while (player.seconds_played() < 7.0) QTest::qWait(50);

        QSignalSpy asked(window_->session(), &app::ChatSession::askRequested);
        window_->newConversation();
        PromptEdit* editor = window_->composer()->editor();
        editor->setFocus();
        QTest::keyClicks(editor, QStringLiteral("What is this sound?"));
        QTest::keyClick(editor, Qt::Key_Return);
        const double sentAt = player.seconds_played();
        QCOMPARE(asked.size(), 1);
        const AskRequest request = qvariant_cast<AskRequest>(asked.first().at(1));
        QCOMPARE(request.attachments.size(), size_t(1));
        QCOMPARE(request.attachments[0].modality, Modality::Audio);
        const QString clip = QString::fromStdString(request.attachments[0].path);
        QVERIFY2(QFileInfo(clip).fileName().startsWith(QStringLiteral("live-")), qPrintable(clip));
        QCOMPARE(QFileInfo(clip).absolutePath(), QFileInfo(recordings()).absoluteFilePath());
        QVERIFY(recorder()->isLive());  // stays on for the next question

        // Exactly 6 s, a contiguous slice of what was played, ending at the latest sound.
        app::WavPcm16 wav;
        QVERIFY(app::read_wav_pcm16(clip.toStdString(), wav));
        QCOMPARE(wav.sample_rate, kRate);
        QCOMPARE(wav.channels, 1);
        QCOMPARE(qint64(wav.samples.size()), qint64(RecordingControl::kLiveSeconds * kRate));
        // Where the slice starts in the stream: the tone's first sample (k = 32001; the sine is
        // 0 at k = 32000) fixes it.
        qint64 firstSound = -1;
        for (size_t i = 0; i < wav.samples.size() && firstSound < 0; ++i)
            if (wav.samples[i] != 0) firstSound = qint64(i);
        QVERIFY2(firstSound > 0, "the clip has no silence before the tone: it is not the last 6 s of ~7 s");
        const qint64 first = silent + 1 - firstSound;
        QString where;
        const qint64 bad = countMismatches(wav, first, silent, where);
        QVERIFY2(bad == 0, qPrintable(QStringLiteral("%1 of %2 samples differ:%3").arg(bad).arg(wav.samples.size()).arg(where)));
        const double endsAt = double(first + qint64(wav.samples.size())) / kRate;
        QVERIFY2(endsAt > sentAt - 0.5 && endsAt <= sentAt + 0.05,
                 qPrintable(QStringLiteral("the clip ends at %1 s of sound, the question was sent at %2 s").arg(endsAt).arg(sentAt)));

        // The question is stored with the clip; the answer is written (not asserted: the demo
        // model's answers are random).
        QTRY_VERIFY_WITH_TIMEOUT(!window_->isGenerating(), 120000);
        const QList<app::StoredMessage> m = demo_.store().messages(window_->currentConversation());
        QVERIFY(!m.isEmpty());
        QCOMPARE(m[0].attachments.size(), 1);
        QCOMPARE(m[0].attachments[0].modality, Modality::Audio);
        QCOMPARE(m[0].attachments[0].path, clip);

        // Live off: the microphone closes.
        recorder()->liveButton()->click();
        QVERIFY(!recorder()->isLive());
        QVERIFY(!recorder()->levelMeter()->isVisibleTo(window_));
    }
};

QTEST_MAIN(TestRecordingDevice)
#include "test_recording_device.moc"
