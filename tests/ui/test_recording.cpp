// Microphone recording in the composer: the WAV writer round-trips, and with no
// sound device pressing Record explains that no microphone was found instead of failing.
// Recording through a (fake) device is test_recording_device.cpp: another ALSA configuration,
// so another process.
#include <QLabel>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <sys/resource.h>

#include <cmath>

#include "app/wav_file.h"
#include "ui/recording_control.h"

using ibllm::ui::RecordingControl;

class TestRecording : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void wavRoundTrips();
    void wavRejectsOtherFiles();
    void recordWithoutMicrophoneExplains();

private:
    QTemporaryDir dir_;
};

void TestRecording::initTestCase() {
    QVERIFY(dir_.isValid());
    // An ALSA configuration whose only PCM cannot be opened leaves PortAudio without any
    // device, whatever this machine has (a truly empty file trips an assertion inside
    // PortAudio's ALSA device scan). It must be set before PortAudio starts (the first Record).
    const QString emptyConfig = dir_.filePath(QStringLiteral("no-device-alsa.conf"));
    QFile f(emptyConfig);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("pcm.ibllm_unopenable { type hw card 99 }\n");
    f.close();
    qputenv("ALSA_CONFIG_PATH", emptyConfig.toLocal8Bit());
    qputenv("JACK_DEFAULT_SERVER", "ibllm-test-no-such-server");
    qputenv("JACK_NO_START_SERVER", "1");
}

void TestRecording::wavRoundTrips() {
    std::vector<float> samples;
    for (int i = 0; i < 1600; ++i) samples.push_back(0.5f * std::sin(2.0f * 3.14159265f * 440.0f * float(i) / 16000.0f));
    samples.push_back(2.0f);    // clipped to full scale
    samples.push_back(-2.0f);
    samples.push_back(NAN);     // written as silence
    const std::string path = dir_.filePath(QStringLiteral("tone.wav")).toStdString();
    QVERIFY(ibllm::app::write_wav_pcm16(path, samples, 16000));

    QFile raw(QString::fromStdString(path));
    QCOMPARE(raw.size(), qint64(44 + 2 * samples.size()));

    ibllm::app::WavPcm16 wav;
    QVERIFY(ibllm::app::read_wav_pcm16(path, wav));
    QCOMPARE(wav.channels, 1);
    QCOMPARE(wav.sample_rate, 16000);
    QCOMPARE(wav.bits_per_sample, 16);
    QCOMPARE(wav.samples.size(), samples.size());
    for (size_t i = 0; i < 1600; ++i)
        QVERIFY(std::abs(float(wav.samples[i]) / 32767.0f - samples[i]) <= 1.0f / 32767.0f);
    QCOMPARE(int(wav.samples[100]), int(std::lround(samples[100] * 32767.0f)));
    QCOMPARE(int(wav.samples[1600]), 32767);
    QCOMPARE(int(wav.samples[1601]), -32767);
    QCOMPARE(int(wav.samples[1602]), 0);

    // Interleaved stereo: the header says 2 channels and the frames keep their order; a
    // sample count that is not a whole number of frames is refused.
    const std::string stereo = dir_.filePath(QStringLiteral("stereo.wav")).toStdString();
    QVERIFY(ibllm::app::write_wav_pcm16(stereo, {0.5f, -0.5f, 0.25f, -0.25f}, 8000, 2));
    QVERIFY(ibllm::app::read_wav_pcm16(stereo, wav));
    QCOMPARE(wav.channels, 2);
    QCOMPARE(wav.sample_rate, 8000);
    QCOMPARE(wav.samples, (std::vector<int16_t>{16384, -16384, 8192, -8192}));
    QVERIFY(!ibllm::app::write_wav_pcm16(stereo, {0.5f, -0.5f, 0.25f}, 8000, 2));
}

void TestRecording::wavRejectsOtherFiles() {
    ibllm::app::WavPcm16 wav;
    QVERIFY(!ibllm::app::read_wav_pcm16(dir_.filePath(QStringLiteral("missing.wav")).toStdString(), wav));
    const QString text = dir_.filePath(QStringLiteral("text.wav"));
    QFile f(text);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("this is not a wave file at all, just text");
    f.close();
    QVERIFY(!ibllm::app::read_wav_pcm16(text.toStdString(), wav));
    // A header whose data chunk claims more than the file holds (4 GB in a 48-byte file, as
    // fuzzing found) is refused without allocating what it claims; so is a data chunk cut
    // short by one byte.
    const std::string tone = dir_.filePath(QStringLiteral("short.wav")).toStdString();
    QVERIFY(ibllm::app::write_wav_pcm16(tone, {0.5f, -0.5f}, 16000));
    QFile cut(QString::fromStdString(tone));
    QVERIFY(cut.open(QIODevice::ReadWrite));
    QByteArray bytes = cut.readAll();
    QCOMPARE(bytes.size(), 48);
    QCOMPARE(bytes.mid(36, 4), QByteArray("data"));
    bytes.replace(40, 4, QByteArray("\xf0\xff\xff\xff", 4));
    cut.seek(0);
    cut.write(bytes);
    cut.close();
    rusage before{}, after{};
    getrusage(RUSAGE_SELF, &before);
    QVERIFY(!ibllm::app::read_wav_pcm16(tone, wav));
    getrusage(RUSAGE_SELF, &after);
    QVERIFY2(after.ru_maxrss - before.ru_maxrss < 64 * 1024,  // KiB: the claimed 4 GB was never allocated
             qPrintable(QString("peak memory grew by %1 KiB").arg(after.ru_maxrss - before.ru_maxrss)));
    bytes.replace(40, 4, QByteArray("\x05\x00\x00\x00", 4));  // 5 bytes announced, 4 present
    QVERIFY(cut.open(QIODevice::WriteOnly));
    cut.write(bytes);
    cut.close();
    QVERIFY(!ibllm::app::read_wav_pcm16(tone, wav));
    QVERIFY(!ibllm::app::write_wav_pcm16(dir_.filePath(QStringLiteral("no/such/dir/x.wav")).toStdString(), {0.f}, 16000));
}

void TestRecording::recordWithoutMicrophoneExplains() {
    RecordingControl control;
    control.setRecordingsFolder(dir_.filePath(QStringLiteral("recordings")));
    QSignalSpy problems(&control, &RecordingControl::problem);
    QSignalSpy saved(&control, &RecordingControl::recordingSaved);

    control.recordButton()->click();
    if (control.isRecording()) {
        control.stopRecording();
        QSKIP("another audio system (PulseAudio, JACK) still offers an input device with the test's ALSA config");
    }
    QCOMPARE(problems.count(), 1);
    const QString message = problems.at(0).at(0).toString();
    QVERIFY2(message.contains(QStringLiteral("No microphone was found")), qPrintable(message));
    QCOMPARE(control.lastProblem(), message);
    QVERIFY(!control.isRecording());
    QVERIFY(!control.recordButton()->isChecked());
    QVERIFY(!control.durationLabel()->isVisibleTo(&control));

    // "Live" cannot start either; it turns itself off again with the same explanation.
    control.liveButton()->click();
    QCOMPARE(problems.count(), 2);
    QVERIFY(!control.isLive());
    QVERIFY(control.takeLiveClip().isEmpty());
    QCOMPARE(saved.count(), 0);
}

QTEST_MAIN(TestRecording)
#include "test_recording.moc"
