// Attachment previews, offscreen: a video chip shows the video's length and a strip
// of evenly spaced frames, an audio chip a waveform whose envelope is the signal's and a play
// button that works or says why not, a broken video a sentence instead of a crash, and a
// point cloud what the 3D encoder will be given. Also media/av's two preview decoders
// (decode_video_thumbnails, audio_envelope) against known signals and frames.
#include <QApplication>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QSlider>
#include <QLocale>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <cstring>
#include <functional>

#include "test_paths.h"
#include "app/wav_file.h"
#include "media/av/audio_envelope.h"
#include "media/av/video_thumbnails.h"
#include "media/media_error.h"
#include "ui/attachment_bar.h"
#include "ui/attachment_chip.h"
#include "ui/attachment_preview.h"
#include "ui/audio_play_button.h"
#include "ui/audio_waveform.h"
#include "ui/duration_text.h"
#include "ui/point_cloud_note.h"
#include "ui/ui_language.h"
#include "ui/video_frame_strip.h"

using namespace ibllm;
using namespace ibllm::ui;

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kRate = 16000;
// Decoding runs on the thread pool; generous for a loaded CI machine.
constexpr int kPreviewTimeoutMs = 60000;

QString videoAsset() { return ibllm::test::data_file(QStringLiteral("imagebind/assets/testsrc2_320x240_25fps_6s.mp4")); }

// A 16-bit PCM WAV of `channels` interleaved channels: sample(frame, channel) in -1..1.
void writeWav(const QString& path, int channels, int frames, const std::function<double(int, int)>& sample) {
    std::vector<float> samples;
    for (int i = 0; i < frames; ++i)
        for (int c = 0; c < channels; ++c) samples.push_back(float(sample(i, c)));
    QVERIFY(app::write_wav_pcm16(path.toStdString(), samples, kRate, channels));
}

void writeBytes(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

// An ASCII .ply of `n` points on a sphere of radius 5 around (10, 0, 0): not yet centred or
// scaled, so the note has something to say.
void writePly(const QString& path, int n) {
    QByteArray text = "ply\nformat ascii 1.0\nelement vertex " + QByteArray::number(n) +
                      "\nproperty float x\nproperty float y\nproperty float z\nend_header\n";
    for (int i = 0; i < n; ++i) {
        const double z = 1.0 - 2.0 * (i + 0.5) / n, r = std::sqrt(1.0 - z * z), phi = 2.399963 * i;
        text += QByteArray::number(10 + 5 * r * std::cos(phi)) + ' ' + QByteArray::number(5 * r * std::sin(phi)) + ' ' +
                QByteArray::number(5 * z) + '\n';
    }
    writeBytes(path, text);
}

double meanAbsDifference(const QImage& a, const QImage& b) {
    const QImage x = a.convertToFormat(QImage::Format_RGB888), y = b.convertToFormat(QImage::Format_RGB888);
    if (x.size() != y.size()) return 255.0;
    double sum = 0;
    for (int r = 0; r < x.height(); ++r) {
        const uchar* p = x.constScanLine(r);
        const uchar* q = y.constScanLine(r);
        for (int i = 0; i < x.width() * 3; ++i) sum += std::abs(int(p[i]) - int(q[i]));
    }
    return sum / (x.width() * x.height() * 3.0);
}

AttachmentChip* attach(AttachmentBar& bar, const QString& path) {
    const QStringList problems = bar.addFiles({path});
    if (!problems.isEmpty()) qWarning() << problems;
    return bar.chips().isEmpty() ? nullptr : bar.chips().last();
}

}  // namespace

class TestAttachmentPreviews : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString path(const QString& name) const { return dir_.filePath(name); }

private Q_SLOTS:
    // A failed check must not leave the next test in Chinese.
    void init() { applyUiLanguage(QStringLiteral("en")); }

    void initTestCase() {
        QVERIFY(dir_.isValid());
        qRegisterMetaType<AttachmentChip*>();  // for the QSignalSpy on AttachmentBar::previewReady
        applyUiLanguage(QStringLiteral("en"));
    }

    // ---- media/av ---------------------------------------------------------------------

    void thumbnailsAreTheFramesOnScreenAtEvenlySpacedMoments() {
        const std::string video = videoAsset().toStdString();
        const media::VideoThumbnails t = media::decode_video_thumbnails(video, 5, 120, 60);
        QCOMPARE(t.info.width, 320);
        QCOMPARE(t.info.height, 240);
        QVERIFY(std::abs(t.info.duration_s - 6.0) < 1e-6);
        QCOMPARE(int(t.frames.size()), 5);
        const double tick = double(t.info.tb_num) / double(t.info.tb_den);
        for (int i = 0; i < 5; ++i) {
            const media::DecodedFrame& f = t.frames[size_t(i)];
            // 320x240 fitted into 120x60 keeps 4:3.
            QCOMPARE(f.width, 80);
            QCOMPARE(f.height, 60);
            QCOMPARE(f.rgb.size(), size_t(80 * 60 * 3));
            // The moment is the middle of fifth i; the frame on screen then started at most
            // one frame period (1/25 s) earlier.
            const double moment = 6.0 * (2 * i + 1) / 10.0;
            const double shown = double(f.pts - t.info.start_pts) * tick;
            QVERIFY2(shown <= moment + 1e-9 && moment - shown < 1.0 / 25 + 1e-9,
                     qPrintable(QStringLiteral("frame %1 at %2 s for moment %3 s").arg(i).arg(shown).arg(moment)));

            // Same picture as the full-size decode of that frame, shrunk.
            const auto full = media::decode_clip_frames(video, {{f.pts, f.pts + 1}}, 1);
            QCOMPARE(full.size(), size_t(1));
            const media::DecodedFrame& big = full[0].kept.at(0);
            const QImage reference = QImage(big.rgb.data(), big.width, big.height, big.width * 3, QImage::Format_RGB888)
                                         .scaled(80, 60, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
            const QImage thumb(f.rgb.data(), f.width, f.height, f.width * 3, QImage::Format_RGB888);
            const double diff = meanAbsDifference(thumb, reference);
            QVERIFY2(diff < 8.0, qPrintable(QStringLiteral("frame %1 differs from its full decode by %2").arg(i).arg(diff)));
            if (i > 0) {
                const media::DecodedFrame& prev = t.frames[size_t(i - 1)];
                const QImage before(prev.rgb.data(), prev.width, prev.height, prev.width * 3, QImage::Format_RGB888);
                QVERIFY2(meanAbsDifference(thumb, before) > 2.0, "testsrc2 moves: successive thumbnails must differ");
            }
        }
    }

    void thumbnailsOfAStreamWithoutDuration() {
        // Matroska states no per-stream duration, only the container's: the moments come
        // from that, without reading the file through first.
        const QString ffmpeg = QStandardPaths::findExecutable(QStringLiteral("ffmpeg"));
        if (ffmpeg.isEmpty()) QSKIP("the ffmpeg program is not installed; cannot remux the test video to .mkv");
        const QString mkv = path(QStringLiteral("remuxed.mkv"));
        QProcess remux;
        remux.start(ffmpeg, {QStringLiteral("-v"), QStringLiteral("error"), QStringLiteral("-y"), QStringLiteral("-i"), videoAsset(),
                             QStringLiteral("-c"), QStringLiteral("copy"), mkv});
        QVERIFY(remux.waitForFinished(60000));
        QCOMPARE(remux.exitCode(), 0);
        const media::VideoThumbnails t = media::decode_video_thumbnails(mkv.toStdString(), 5, 120, 60);
        QVERIFY2(std::abs(t.info.duration_s - 6.0) < 0.05, qPrintable(QString::number(t.info.duration_s)));
        QCOMPARE(int(t.frames.size()), 5);
        const double tick = double(t.info.tb_num) / double(t.info.tb_den);
        for (int i = 0; i < 5; ++i) {
            const double moment = t.info.duration_s * (2 * i + 1) / 10.0;
            const double shown = double(t.frames[size_t(i)].pts - t.info.start_pts) * tick;
            QVERIFY2(shown <= moment + 1e-9 && moment - shown < 1.0 / 25 + 1e-3,
                     qPrintable(QStringLiteral("frame %1 at %2 s for moment %3 s").arg(i).arg(shown).arg(moment)));
        }
    }

    void thumbnailsNeverRepeatAFrame() {
        // More moments (400) than the video has frames (150): each frame at most once, in order.
        const media::VideoThumbnails t = media::decode_video_thumbnails(videoAsset().toStdString(), 400, 16, 16);
        QVERIFY2(t.frames.size() <= 150 && t.frames.size() >= 140, qPrintable(QString::number(t.frames.size())));
        for (size_t i = 1; i < t.frames.size(); ++i) QVERIFY(t.frames[i].pts > t.frames[i - 1].pts);
        QCOMPARE(t.frames[0].width, 16);
        QCOMPARE(t.frames[0].height, 12);
    }

    void thumbnailsOfBadFilesAreMediaErrors() {
        writeBytes(path(QStringLiteral("noise.mp4")), QByteArray(4096, '\x5a'));
        try {
            media::decode_video_thumbnails(path(QStringLiteral("noise.mp4")).toStdString(), 4, 64, 64);
            QFAIL("a file of noise decoded");
        } catch (const media::MediaError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("noise.mp4")), e.what());
        }
        writeWav(path(QStringLiteral("tone.wav")), 1, kRate / 10, [](int i, int) { return 0.1 * std::sin(i * 0.1); });
        try {
            media::decode_video_thumbnails(path(QStringLiteral("tone.wav")).toStdString(), 4, 64, 64);
            QFAIL("a WAV gave video frames");
        } catch (const media::MediaError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("has no video stream")), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, media::decode_video_thumbnails(videoAsset().toStdString(), 0, 64, 64));
    }

    void envelopeFollowsTheSignal() {
        // Stereo, 1 s: left a 440 Hz sine of amplitude 0.5 in the first half, right one of 0.25
        // in the second half.
        const QString wav = path(QStringLiteral("halves.wav"));
        writeWav(wav, 2, kRate, [](int i, int c) {
            const bool first = i < kRate / 2;
            const double s = std::sin(2 * kPi * 440 * i / kRate);
            return c == 0 ? (first ? 0.5 * s : 0.0) : (first ? 0.0 : 0.25 * s);
        });
        const media::AudioEnvelope e = media::audio_envelope(wav.toStdString(), 100);
        QCOMPARE(e.sample_rate, kRate);
        QCOMPARE(e.channels, 2);
        QCOMPARE(e.frames, int64_t(kRate));
        QVERIFY(std::abs(e.duration_s - 1.0) < 1e-9);
        QCOMPARE(int(e.low.size()), 100);
        QCOMPARE(int(e.high.size()), 100);
        QVERIFY2(std::abs(e.peak - 0.5f) < 1e-3f, qPrintable(QString::number(e.peak)));
        // Each column holds 160 samples (4.4 periods): its extremes are the amplitude, less the
        // sampling of the crest (at most 1 - cos(pi * 440 / 16000) = 0.4 %).
        for (int j = 0; j < 100; ++j) {
            const float amplitude = j < 50 ? 0.5f : 0.25f;
            QVERIFY2(e.high[size_t(j)] <= amplitude + 1e-3f && e.high[size_t(j)] > amplitude * 0.99f,
                     qPrintable(QStringLiteral("column %1 high %2").arg(j).arg(e.high[size_t(j)])));
            QVERIFY2(e.low[size_t(j)] >= -amplitude - 1e-3f && e.low[size_t(j)] < -amplitude * 0.99f,
                     qPrintable(QStringLiteral("column %1 low %2").arg(j).arg(e.low[size_t(j)])));
        }
    }

    void longEnvelopeKeepsItsTimeline() {
        // 10 s of a 250 Hz tone whose amplitude rises linearly from 0 to 0.9: 160,000 samples
        // into 50 columns makes the builder merge its blocks several times. Column j ends at
        // (j + 1) / 50 of the file, where the amplitude is 0.9 (j + 1) / 50.
        const QString wav = path(QStringLiteral("ramp.wav"));
        const int frames = 10 * kRate;
        writeWav(wav, 1, frames, [frames](int i, int) { return 0.9 * i / frames * std::sin(2 * kPi * 250 * i / kRate); });
        const media::AudioEnvelope e = media::audio_envelope(wav.toStdString(), 50);
        QCOMPARE(e.frames, int64_t(frames));
        QCOMPARE(int(e.high.size()), 50);
        for (int j = 0; j < 50; ++j) {
            const double expected = 0.9 * (j + 1) / 50.0;
            // A column's edges may be off by 1/16 of a column (0.0011 of amplitude here) and a
            // crest falls between samples (0.12 %).
            QVERIFY2(std::abs(e.high[size_t(j)] - expected) < 0.004,
                     qPrintable(QStringLiteral("column %1: %2, expected %3").arg(j).arg(e.high[size_t(j)]).arg(expected)));
            QVERIFY(std::abs(e.low[size_t(j)] + expected) < 0.004);
        }
        // Fewer samples than columns: one column per sample.
        writeWav(path(QStringLiteral("three.wav")), 1, 3, [](int i, int) { return 0.25 * (i - 1); });
        const media::AudioEnvelope tiny = media::audio_envelope(path(QStringLiteral("three.wav")).toStdString(), 50);
        QCOMPARE(int(tiny.high.size()), 3);
        QVERIFY(std::abs(tiny.high[0] + 0.25f) < 1e-4f && std::abs(tiny.high[2] - 0.25f) < 1e-4f);
    }

    void envelopeOfBadFilesIsAMediaError() {
        writeBytes(path(QStringLiteral("fake.mp3")), QByteArray(2048, '\x33'));
        try {
            media::audio_envelope(path(QStringLiteral("fake.mp3")).toStdString(), 10);
            QFAIL("a file of noise decoded");
        } catch (const media::MediaError& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("fake.mp3")), e.what());
        }
    }

    // ---- the chips --------------------------------------------------------------------

    void videoChipShowsDurationAndFrameStrip() {
        AttachmentBar bar;
        bar.show();
        QSignalSpy ready(&bar, &AttachmentBar::previewReady);
        AttachmentChip* chip = attach(bar, videoAsset());
        QVERIFY(chip);
        QCOMPARE(chip->spec().modality, Modality::Video);
        AttachmentPreview* preview = chip->preview();
        // The decoding happens on the thread pool: the row says so meanwhile.
        QCOMPARE(preview->state(), AttachmentPreview::State::Loading);
        QVERIFY(preview->message().contains(QStringLiteral("Reading")));
        QTRY_COMPARE_WITH_TIMEOUT(preview->state(), AttachmentPreview::State::Ready, kPreviewTimeoutMs);
        QCOMPARE(ready.count(), 1);
        QCOMPARE(qvariant_cast<AttachmentChip*>(ready.at(0).at(0)), chip);

        QCOMPARE(preview->durationLabel()->text(), QStringLiteral("0:06"));
        QVERIFY(preview->durationLabel()->isVisible());
        VideoFrameStrip* strip = preview->frameStrip();
        QVERIFY(strip->isVisible());
        QCOMPARE(strip->frameCount(), AttachmentPreview::kVideoFrames);
        for (const QImage& frame : strip->frames()) {
            QVERIFY(!frame.isNull());
            QCOMPARE(frame.size(), QSize(80, 60));  // 4:3 in the 120 x 60 box
        }
        QVERIFY(preview->message().isEmpty());
        QVERIFY2(preview->details().contains(QStringLiteral("320 × 240")), qPrintable(preview->details()));
        QVERIFY(!preview->playButton()->isVisible());
        // The strip is drawn: the first cell holds the first frame, shrunk to 40 x 30.
        const QImage shot = strip->grab().toImage().copy(0, 0, 40, 30);
        const QImage expected = strip->frames().first().scaled(40, 30, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
        const double drawn = meanAbsDifference(shot, expected);
        QVERIFY2(drawn < 12.0, qPrintable(QString::number(drawn)));
        // The chip's thumbnail is now the middle frame instead of the video icon.
        const QPixmap thumb = chip->findChild<QLabel*>()->pixmap();
        QCOMPARE(thumb.size(), QSize(40, 30));
        QVERIFY(meanAbsDifference(thumb.toImage(), strip->frames().at(2).scaled(40, 30, Qt::IgnoreAspectRatio,
                                                                                 Qt::SmoothTransformation)) < 2.0);
        // The bar grew to fit the strip.
        QVERIFY(bar.height() >= chip->sizeHint().height());
    }

    void corruptVideoChipSaysWhy() {
        AttachmentBar bar;
        writeBytes(path(QStringLiteral("broken.mp4")), QByteArray("\x00\x00\x00\x18" "ftypisom", 12) + QByteArray(3000, '\x7f'));
        AttachmentChip* chip = attach(bar, path(QStringLiteral("broken.mp4")));
        QVERIFY(chip);
        AttachmentPreview* preview = chip->preview();
        QTRY_COMPARE_WITH_TIMEOUT(preview->state(), AttachmentPreview::State::Failed, kPreviewTimeoutMs);
        const QString message = preview->message();
        QVERIFY2(message.contains(QStringLiteral("broken.mp4")), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("damaged")) || message.contains(QStringLiteral("FFmpeg can")),
                 qPrintable(message));
        QVERIFY(preview->messageLabel()->isVisibleTo(chip));
        QVERIFY(!preview->frameStrip()->isVisibleTo(chip));
        QCOMPARE(preview->details(), message);
        // The chip stays usable: it can still be removed.
        QSignalSpy removed(chip, &AttachmentChip::removeRequested);
        Q_EMIT chip->removeRequested();
        QCOMPARE(removed.count(), 1);
    }

    void audioChipShowsWaveformAndPlayButton() {
        // 1 s: a 440 Hz sine of amplitude 0.5 for 0.5 s, then silence.
        const QString wav = path(QStringLiteral("beep.wav"));
        writeWav(wav, 1, kRate, [](int i, int) { return i < kRate / 2 ? 0.5 * std::sin(2 * kPi * 440 * i / kRate) : 0.0; });
        AttachmentBar bar;
        bar.resize(600, 120);
        bar.show();
        AttachmentChip* chip = attach(bar, wav);
        QVERIFY(chip);
        QCOMPARE(chip->spec().modality, Modality::Audio);
        AttachmentPreview* preview = chip->preview();
        QTRY_COMPARE_WITH_TIMEOUT(preview->state(), AttachmentPreview::State::Ready, kPreviewTimeoutMs);
        QCOMPARE(preview->durationLabel()->text(), QStringLiteral("0:01"));

        AudioWaveform* waveform = preview->waveform();
        QVERIFY(waveform->isVisible());
        QCOMPARE(waveform->columnCount(), AttachmentPreview::kWaveformColumns);
        const int n = waveform->columnCount();
        const float top = *std::max_element(waveform->high().begin(), waveform->high().end());
        const float bottom = *std::min_element(waveform->low().begin(), waveform->low().end());
        QVERIFY2(std::abs(top - 0.5f) < 0.01f, qPrintable(QString::number(top)));
        QVERIFY2(std::abs(bottom + 0.5f) < 0.01f, qPrintable(QString::number(bottom)));
        // The silent half is flat; every column of the loud half swings (40 samples, most of
        // a period, per column).
        for (int j = n / 2 + 1; j < n; ++j) QCOMPARE(waveform->high()[j], 0.0f);
        for (int j = 0; j < n / 2 - 1; ++j) QVERIFY(waveform->high()[j] - waveform->low()[j] > 0.5f);

        // Drawn: the left half has tall strokes, the right half only the centre line.
        const QImage shot = waveform->grab().toImage();
        const QColor ink = waveform->palette().color(QPalette::WindowText);
        auto inkHeight = [&](int x) {
            int rows = 0;
            for (int y = 0; y < shot.height(); ++y) rows += QColor(shot.pixel(x, y)) == ink;
            return rows;
        };
        QVERIFY2(inkHeight(shot.width() / 4) > shot.height() / 2, qPrintable(QString::number(inkHeight(shot.width() / 4))));
        QVERIFY2(inkHeight(3 * shot.width() / 4) <= 2, qPrintable(QString::number(inkHeight(3 * shot.width() / 4))));

        // Playback works, or the button is off and says why (no sound card on CI).
        AudioPlayButton* play = preview->playButton();
        QVERIFY(play->isVisible());
        if (play->isEnabled()) {
            QVERIFY(play->canPlay());
            QCOMPARE(play->toolTip(), QStringLiteral("Play"));
        } else {
            QVERIFY(!play->canPlay());
            QVERIFY(!play->unavailableReason().isEmpty());
            QCOMPARE(play->toolTip(), play->unavailableReason());
            qInfo("playback is off here: %s", qPrintable(play->unavailableReason()));
        }
    }

    void changingTheModalityChangesThePreview() {
        // The test video has an AAC sound track: as audio it gets a waveform instead of frames.
        AttachmentBar bar;
        bar.show();
        AttachmentChip* chip = attach(bar, videoAsset());
        QVERIFY(chip);
        chip->setModality(Modality::Audio);
        AttachmentPreview* preview = chip->preview();
        QTRY_COMPARE_WITH_TIMEOUT(preview->state(), AttachmentPreview::State::Ready, kPreviewTimeoutMs);
        QVERIFY(preview->waveform()->isVisible());
        QVERIFY(!preview->frameStrip()->isVisible());
        QVERIFY(preview->waveform()->columnCount() > 100);
        QVERIFY(std::abs(preview->durationSeconds() - 6.0) < 0.1);
        // An image has no preview row.
        chip->setModality(Modality::Image);
        QCOMPARE(preview->state(), AttachmentPreview::State::None);
        QVERIFY(!preview->isVisibleTo(chip));
    }

    // With OneLLM loaded: an fMRI scan shows its heat map, an IMU .npy its six lines, the
    // fusion sliders hide, a photo dropped with its depth map becomes one pair, and what the
    // family cannot read (or a second attachment) is said on the chip.
    void onellmChips() {
        const QString data = QStringLiteral(IBLLM_TEST_DATA "/onellm/inputs/");
        AttachmentBar bar;
        bar.show();
        bar.setOnellm(true);
        AttachmentChip* fmri = attach(bar, data + QStringLiteral("fmri.npy"));
        QVERIFY(fmri);
        fmri->setModality(Modality::Fmri);
        QTRY_COMPARE_WITH_TIMEOUT(fmri->preview()->state(), AttachmentPreview::State::Ready, kPreviewTimeoutMs);
        QVERIFY(fmri->preview()->plotLabel()->isVisible());
        const QImage map = fmri->preview()->plotLabel()->pixmap().toImage();
        QVERIFY(!map.isNull());
        // A heat map, not a blank: the voxels take many colours.
        QSet<QRgb> colours;
        for (int y = 0; y < map.height(); y += 3)
            for (int x = 0; x < map.width(); x += 3) colours.insert(map.pixel(x, y));
        QVERIFY2(colours.size() > 50, qPrintable(QString::number(colours.size())));
        QVERIFY2(fmri->preview()->message().contains(QStringLiteral("15,724 voxels")) ||
                     fmri->preview()->message().contains(QStringLiteral("15724 voxels")),
                 qPrintable(fmri->preview()->message()));
        QVERIFY(!fmri->weightSlider()->isVisible());
        QVERIFY(fmri->notice().isEmpty());

        // A second attachment: both chips say OneLLM reads one per question.
        const QStringList problems = bar.addFiles({data + QStringLiteral("rgbd_rgb.png"), data + QStringLiteral("rgbd_depth.png")});
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join('\n')));
        QCOMPARE(bar.count(), 2);  // the photo and its depth map are one attachment
        AttachmentChip* pair = bar.chips().last();
        QCOMPARE(pair->spec().modality, Modality::Rgbd);
        QCOMPARE(app::imagePairParts(pair->spec().path).size(), 2);
        QVERIFY(fmri->notice().contains(QStringLiteral("one attachment per question")));

        // Thermal is not OneLLM's; ImageBind-LLM says the same of fMRI.
        pair->setModality(Modality::Thermal);
        QVERIFY(pair->notice().contains(QStringLiteral("thermal")));
        bar.setOnellm(false);
        QVERIFY(fmri->notice().contains(QStringLiteral("OneLLM input")));
        QVERIFY(fmri->weightSlider()->isVisible());

        // Two photos: one made the other's normal map by the chip's menu.
        bar.clear();
        bar.setOnellm(true);
        attach(bar, data + QStringLiteral("rgbn_rgb.png"));
        attach(bar, data + QStringLiteral("image.png"));
        QCOMPARE(bar.count(), 2);
        QVERIFY(!bar.pairAsMap(bar.chips()[0], bar.chips()[0], Modality::Rgbn));  // not with itself
        QVERIFY(bar.pairAsMap(bar.chips()[1], bar.chips()[0], Modality::Rgbn));
        QTRY_COMPARE(bar.count(), 1);
        QCOMPARE(bar.chips()[0]->spec().modality, Modality::Rgbn);
        QCOMPARE(app::imagePairParts(bar.chips()[0]->spec().path),
                 (QStringList{QFileInfo(data + QStringLiteral("rgbn_rgb.png")).absoluteFilePath(),
                              QFileInfo(data + QStringLiteral("image.png")).absoluteFilePath()}));

        // The IMU recording's six lines.
        bar.clear();
        bar.setOnellm(true);
        AttachmentChip* imu = attach(bar, data + QStringLiteral("imu_clip_a.npy"));
        QVERIFY(imu);
        imu->setModality(Modality::Imu);
        QTRY_COMPARE_WITH_TIMEOUT(imu->preview()->state(), AttachmentPreview::State::Ready, kPreviewTimeoutMs);
        QVERIFY(imu->preview()->plotLabel()->isVisible());
        QVERIFY(imu->preview()->message().contains(QStringLiteral("samples")));
    }

    void pointCloudChipSaysWhatTheEncoderGets() {
        const QLocale locale;
        const QString ply = path(QStringLiteral("ball.ply"));
        writePly(ply, 10000);
        AttachmentBar bar;
        bar.show();
        AttachmentChip* chip = attach(bar, ply);
        QVERIFY(chip);
        QCOMPARE(chip->spec().modality, Modality::Point);
        AttachmentPreview* preview = chip->preview();
        QTRY_COMPARE_WITH_TIMEOUT(preview->state(), AttachmentPreview::State::Ready, kPreviewTimeoutMs);
        QVERIFY(preview->pointCloud());
        QCOMPARE(preview->pointCloud()->points, int64_t(10000));
        QCOMPARE(preview->pointCloud()->display.count, int64_t(10000));  // small enough to draw as it is
        QCOMPARE(preview->message(), QStringLiteral("%1 of %2 points used").arg(locale.toString(8192), locale.toString(10000)));
        QVERIFY(preview->messageLabel()->isVisible());
        const QString note = preview->details();
        QVERIFY2(note.contains(QStringLiteral("centred and scaled to the unit sphere")), qPrintable(note));
        QVERIFY2(note.contains(QStringLiteral("farthest-point sampling keeps %1 of its %2 points")
                                   .arg(locale.toString(8192), locale.toString(10000))),
                 qPrintable(note));

        // The fixture's airplane has exactly 8192 points: all are used, none sampled away.
        AttachmentChip* plane = attach(bar, ibllm::test::data_file(QStringLiteral("imagebind/assets/airplane.ply")));
        QVERIFY(plane);
        QTRY_COMPARE_WITH_TIMEOUT(plane->preview()->state(), AttachmentPreview::State::Ready, kPreviewTimeoutMs);
        QCOMPARE(plane->preview()->pointCloud()->points, int64_t(8192));
        QCOMPARE(plane->preview()->message(), QStringLiteral("all %1 points used").arg(locale.toString(8192)));
        QVERIFY(!plane->preview()->details().contains(QStringLiteral("farthest-point")));

        // Broken points are counted and said to be dropped.
        QByteArray xyz;
        for (int i = 0; i < 100; ++i) xyz += QByteArray::number(i) + " " + QByteArray::number(i % 7) + " 1\n";
        xyz += "nan 0 0\n1 inf 2\n0 0 nan\n";
        writeBytes(path(QStringLiteral("holes.xyz")), xyz);
        AttachmentChip* holes = attach(bar, path(QStringLiteral("holes.xyz")));
        QVERIFY(holes);
        QTRY_COMPARE_WITH_TIMEOUT(holes->preview()->state(), AttachmentPreview::State::Ready, kPreviewTimeoutMs);
        QCOMPARE(holes->preview()->pointCloud()->nonFinite, int64_t(3));
        QCOMPARE(holes->preview()->message(), QStringLiteral("100 of 103 points used"));
        QVERIFY2(holes->preview()->details().contains(QStringLiteral("3 points with NaN or infinite coordinates are dropped")),
                 qPrintable(holes->preview()->details()));

        // In Chinese the note is translated (the language change reaches widgets as an event).
        QCOMPARE(applyUiLanguage(QStringLiteral("zh_CN")), QStringLiteral("zh_CN"));
        QTRY_VERIFY2(preview->details().contains(QStringLiteral("单位球")), qPrintable(preview->details()));
        QVERIFY2(!preview->message().contains(QStringLiteral("points used")), qPrintable(preview->message()));
        QVERIFY2(preview->message().contains(locale.toString(10000)), qPrintable(preview->message()));
        applyUiLanguage(QStringLiteral("en"));
        QTRY_COMPARE(preview->message(), QStringLiteral("%1 of %2 points used").arg(locale.toString(8192), locale.toString(10000)));
    }

    void embeddingAndBadCloudChips() {
        // A .npy of one vector is a precomputed embedding: no preview even as a point cloud.
        QByteArray header = "{'descr': '<f4', 'fortran_order': False, 'shape': (8,), }";
        while ((10 + header.size() + 1) % 64) header.append(' ');
        header.append('\n');
        QByteArray npy("\x93NUMPY\x01\x00", 8);
        npy.append(char(header.size() & 0xff)).append(char(header.size() >> 8)).append(header).append(QByteArray(32, '\0'));
        writeBytes(path(QStringLiteral("vector.npy")), npy);
        AttachmentBar bar;
        AttachmentChip* chip = attach(bar, path(QStringLiteral("vector.npy")));
        QVERIFY(chip);
        chip->setModality(Modality::Point);
        QCOMPARE(chip->preview()->state(), AttachmentPreview::State::None);

        // An empty .ply: the reader's sentence, and no cloud for the viewer.
        writeBytes(path(QStringLiteral("empty.ply")), "ply\nformat ascii 1.0\nelement vertex 0\nend_header\n");
        AttachmentChip* empty = attach(bar, path(QStringLiteral("empty.ply")));
        QVERIFY(empty);
        QTRY_COMPARE_WITH_TIMEOUT(empty->preview()->state(), AttachmentPreview::State::Failed, kPreviewTimeoutMs);
        QVERIFY2(empty->preview()->message().contains(QStringLiteral("empty.ply")), qPrintable(empty->preview()->message()));
        QVERIFY(!empty->preview()->pointCloud());
    }

    void removingAChipWhileItDecodesIsSafe() {
        AttachmentBar bar;
        for (int i = 0; i < 3; ++i) {
            const QString copy = path(QStringLiteral("copy%1.mp4").arg(i));
            QFile::copy(videoAsset(), copy);
            QVERIFY(attach(bar, copy));
        }
        bar.clear();  // the decodes finish on the pool; their results go nowhere
        QCOMPARE(bar.count(), 0);
        QTest::qWait(200);
    }

    void noteCountsAndDurationText() {
        QCOMPARE(pointsEncoded(20000, 0), int64_t(8192));
        QCOMPARE(pointsEncoded(8192, 0), int64_t(8192));
        QCOMPARE(pointsEncoded(100, 3), int64_t(97));
        QCOMPARE(pointsEncoded(40, 10), int64_t(0));  // 30 valid points: fewer than one neighbourhood
        QVERIFY(pointCloudPreparationNote(40, 10).contains(QStringLiteral("at least 32")));
        QCOMPARE(durationText(0.0), QStringLiteral("0:00"));
        QCOMPARE(durationText(0.3), QStringLiteral("0:01"));
        QCOMPARE(durationText(6.0), QStringLiteral("0:06"));
        QCOMPARE(durationText(754.4), QStringLiteral("12:34"));
        QCOMPARE(durationText(3723.0), QStringLiteral("1:02:03"));
    }
};

QTEST_MAIN(TestAttachmentPreviews)
#include "test_attachment_previews.moc"
