// Tests of the audio/video path: FFmpeg decoding (media/av) and ImageBind's audio
// preprocessing and clip timing (engine/imagebind/audio).
//  - Parity with tests/data/imagebind/preprocess.pth and preprocess_meta.json on the real
//    fixture files: WAV decoding bit-exact against a plain RIFF reader, the torchaudio
//    resampler, the clip sampler's exact Fractions and bounds, the in-place clip means, the
//    fbank, the loader output, and the video's stream facts, pts windows, kept frames and pixels.
//  - Decoding of media made at test time with ffmpeg, sox and espeak-ng (several containers,
//    codecs, rates and channel counts; a sine decodes with its spectral peak where it was
//    made), and the MediaError sentences for bad files. A missing tool skips visibly.
#include <QtCore/QProcess>
#include <QtCore/QStandardPaths>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <ATen/ATen.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <sys/resource.h>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/imagebind/audio/audio_preprocessor.h"
#include "engine/imagebind/audio/clip_sampler.h"
#include "engine/imagebind/audio/video_clips.h"
#include "media/av/audio_decoder.h"
#include "media/av/media_duration.h"
#include "media/av/video_decoder.h"
#include "media/media_error.h"
#include "golden.h"

using namespace ibllm;
using ibllm::media::DecodedAudio;
using ibllm::media::MediaError;

namespace {

// README "Recommended tolerances".
constexpr double kResampleTol = 1e-5;
constexpr double kFbankTol = 1e-3;
constexpr double kOutputTol = 2e-4;
// The clip means are float32 reductions of the same float32 samples; only the summation
// order may differ.
constexpr double kClipMeanTol = 1e-7;

const char* const kAudioNames[] = {"bird_audio", "dog_audio", "dog_audio_16k"};
const std::string kVideo = "testsrc2_320x240_25fps_6s";

std::string asset(const std::string& name) { return test::data_path("imagebind/assets/" + name); }

const TensorStore& reference() {
    static const TensorStore store = TensorStore::from_pth(test::data_path("imagebind/preprocess.pth"));
    return store;
}

const nlohmann::json& meta() {
    static const nlohmann::json j = test::load_json(test::data_path("imagebind/preprocess_meta.json"));
    return j;
}

at::Tensor as_tensor(const DecodedAudio& a) {
    return at::from_blob(const_cast<float*>(a.samples.data()), {a.channels, a.frames}, at::TensorOptions().dtype(at::kFloat))
        .clone();
}

// A RIFF/WAVE PCM16 reader written independently of FFmpeg: the reference's torchaudio.load
// gives int16 / 32768, channel-major.
struct Pcm16 {
    int rate = 0, channels = 0;
    std::vector<int16_t> interleaved;
};
Pcm16 read_pcm16_wav(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto u32 = [&](size_t at) {
        uint32_t v;
        std::memcpy(&v, bytes.data() + at, 4);
        return v;
    };
    auto u16 = [&](size_t at) {
        uint16_t v;
        std::memcpy(&v, bytes.data() + at, 2);
        return v;
    };
    Pcm16 out;
    if (bytes.size() < 12 || std::memcmp(bytes.data(), "RIFF", 4) != 0) return out;
    for (size_t pos = 12; pos + 8 <= bytes.size();) {
        const uint32_t size = u32(pos + 4);
        if (std::memcmp(bytes.data() + pos, "fmt ", 4) == 0) {
            if (u16(pos + 8 + 14) != 16) return Pcm16{};
            out.channels = u16(pos + 8 + 2);
            out.rate = static_cast<int>(u32(pos + 8 + 4));
        } else if (std::memcmp(bytes.data() + pos, "data", 4) == 0) {
            out.interleaved.resize(size / 2);
            std::memcpy(out.interleaved.data(), bytes.data() + pos + 8, out.interleaved.size() * 2);
        }
        pos += 8 + size + (size & 1);
    }
    return out;
}

// Frequency of the strongest spectral bin of one channel.
double peak_hz(const DecodedAudio& a, int channel) {
    const at::Tensor x = as_tensor(a)[channel];
    const at::Tensor mag = at::fft_rfft(x - x.mean()).abs();
    const int64_t bin = mag.argmax().item<int64_t>();
    return static_cast<double>(bin) * a.sample_rate / static_cast<double>(a.frames);
}

double rms(const DecodedAudio& a) {
    double s = 0;
    for (float v : a.samples) s += double(v) * v;
    return a.samples.empty() ? 0.0 : std::sqrt(s / a.samples.size());
}

// `f` must throw MediaError whose message contains every string in `parts` (the file's name
// among them).
void expect_media_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
    try {
        f();
    } catch (const MediaError& e) {
        const std::string message = e.what();
        for (const auto& p : parts)
            QVERIFY2(message.find(p) != std::string::npos,
                     qPrintable(QString::fromStdString("'" + p + "' missing from: " + message)));
        return;
    } catch (const std::exception& e) {
        QFAIL(qPrintable(QString("expected MediaError, got: %1").arg(e.what())));
    }
    QFAIL("expected MediaError, nothing was thrown");
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

class TestAudioVideo : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;

    std::string temp(const std::string& name) const { return (tmp_.path() + "/" + QString::fromStdString(name)).toStdString(); }

    // Runs a media tool; an absent tool makes the calling test skip (visibly), a failing one fail.
    bool tool(const QString& program, const QStringList& args) {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(program, args);
        const bool ok = p.waitForFinished(120000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
        if (!ok) qWarning("%s failed: %s", qPrintable(program), p.readAll().constData());
        return ok;
    }

#define NEED_TOOL(program, args)                                                                          \
    do {                                                                                                  \
        const QString _p = (program);                                                                     \
        if (QStandardPaths::findExecutable(_p).isEmpty()) QSKIP(qPrintable(_p + " is not installed"));   \
        QVERIFY2(tool(_p, args), qPrintable(_p + " could not make the test file"));                      \
    } while (0)

private Q_SLOTS:
    void initTestCase() { QVERIFY(tmp_.isValid()); }

    // ---------------------------------------------------------------- clip timing (exact)

    void rationalArithmetic() {
        QCOMPARE(QString::fromStdString(Rational::from_double(0.1).to_string()), QString("3602879701896397/36028797018963968"));
        QCOMPARE(QString::fromStdString(Rational::from_double(6.0).to_string()), QString("6"));
        QCOMPARE(QString::fromStdString((Rational::from_double(0.5) + Rational::from_int(2)).to_string()), QString("5/2"));
        // int() truncates; exactness matters right below an integer.
        QCOMPARE(sample_index(Rational(31999999, 1000000), 1000), int64_t(31999));
        QCOMPARE(sample_index(Rational(32, 1), 16000), int64_t(512000));
        QCOMPARE(ceil_ticks(Rational(1, 1), 1, 12800), int64_t(12800));
        QCOMPARE(ceil_ticks(Rational(1, 3), 1, 90000), int64_t(30000));
        QCOMPARE(ceil_ticks(Rational(1, 7), 1, 90000), int64_t(12858));  // 12857.14... rounds up
    }

    void audioClipsMatchFixture() {
        const auto& audio = meta()["audio"];
        for (const char* name : kAudioNames) {
            const auto& m = audio[name];
            const double duration = m["num_samples_16k"].get<int64_t>() / 16000.0;
            QCOMPARE(duration, m["duration_s"].get<double>());
            const std::vector<ClipWindow> clips = constant_clips(duration, 2, 3);
            QCOMPARE(clips.size(), size_t(3));
            const at::Tensor bounds = reference().get(std::string("audio.") + name + ".clip_sample_bounds");
            const at::Tensor times = reference().get(std::string("audio.") + name + ".clip_timepoints");
            for (int i = 0; i < 3; ++i) {
                QCOMPARE(QString::fromStdString(clips[i].start.to_string()),
                         QString::fromStdString(m["clip_timepoints_exact"][i][0].get<std::string>()));
                QCOMPARE(QString::fromStdString(clips[i].end.to_string()),
                         QString::fromStdString(m["clip_timepoints_exact"][i][1].get<std::string>()));
                QCOMPARE(clips[i].start.to_double(), times[i][0].item<double>());
                QCOMPARE(clips[i].end.to_double(), times[i][1].item<double>());
                QCOMPARE(sample_index(clips[i].start, 16000), bounds[i][0].item<int64_t>());
                QCOMPARE(sample_index(clips[i].end, 16000), bounds[i][1].item<int64_t>());
                QCOMPARE(sample_index(clips[i].start, 16000), m["clip_sample_bounds"][i][0].get<int64_t>());
            }
        }
        // Short audio: every clip starts at 0 and still lasts 2 s.
        for (const ClipWindow& c : constant_clips(0.5, 2, 3)) {
            QCOMPARE(c.start, Rational());
            QCOMPARE(c.end, Rational::from_int(2));
        }
    }

    void videoWindowsMatchFixture() {
        const auto& v = meta()["video"][kVideo];
        const std::vector<PtsWindow> from_double = video_clip_pts_windows(v["duration_s"].get<double>(), 1, 12800, 0);
        const std::vector<PtsWindow> from_ticks =
            video_clip_pts_windows_from_ticks(v["stream_duration_pts"].get<int64_t>(), 1, 12800, 0);
        const std::vector<ClipWindow> clips = constant_clips(6.0, 2, 5);
        const at::Tensor times = reference().get("video." + kVideo + ".clip_timepoints");
        QCOMPARE(from_double.size(), size_t(5));
        for (size_t i = 0; i < 5; ++i) {
            const auto& c = v["clips"][i];
            QCOMPARE(from_double[i].first, c["start_pts"].get<int64_t>());
            QCOMPARE(from_double[i].second, c["end_pts_exclusive"].get<int64_t>());
            QCOMPARE(from_ticks[i], from_double[i]);
            QCOMPARE(QString::fromStdString(clips[i].start.to_string()), QString::fromStdString(c["start"].get<std::string>()));
            QCOMPARE(clips[i].start.to_double(), times[int64_t(i)][0].item<double>());
            QCOMPARE(clips[i].end.to_double(), times[int64_t(i)][1].item<double>());
        }
        // A start_pts offset moves every window by that many ticks.
        QCOMPARE(video_clip_pts_windows(6.0, 1, 12800, 1000)[1], PtsWindow(13800, 39400));
        // NTSC time base, 10010 ticks of 1001/30000 s: duration 1002001/3000 s, last clip starts
        // at 996001/3000 s = 9950.06 ticks -> 9951, ends at exactly 10010 ticks.
        const auto ntsc = video_clip_pts_windows_from_ticks(10010, 1001, 30000, 0);
        QCOMPARE(ntsc.back(), PtsWindow(9951, 10010));
    }

    // ---------------------------------------------------------------- audio parity

    void wavDecodesBitExactly() {
        for (const char* name : kAudioNames) {
            const auto& m = meta()["audio"][name];
            const std::string path = asset(m["file"].get<std::string>());
            const DecodedAudio a = media::decode_audio(path);
            QCOMPARE(a.sample_rate, m["sample_rate_in"].get<int>());
            QCOMPARE(a.channels, m["channels"].get<int>());
            QCOMPARE(a.frames, m["num_samples_in"].get<int64_t>());
            const Pcm16 pcm = read_pcm16_wav(path);
            QCOMPARE(pcm.channels, a.channels);
            QCOMPARE(int64_t(pcm.interleaved.size()), a.frames * a.channels);
            int64_t mismatches = 0;
            for (int64_t i = 0; i < a.frames; ++i)
                for (int c = 0; c < a.channels; ++c) {
                    const float expected = float(pcm.interleaved[size_t(i * a.channels + c)]) / 32768.f;
                    if (a.samples[size_t(c * a.frames + i)] != expected) ++mismatches;
                }
            QCOMPARE(mismatches, int64_t(0));
            QVERIFY(std::abs(media::media_duration(path) - double(a.frames) / a.sample_rate) < 1e-9);
        }
    }

    void resamplerMatchesTorchaudio() {
        for (const char* name : {"bird_audio", "dog_audio"}) {
            const DecodedAudio a = media::decode_audio(asset(std::string(name) + ".wav"));
            const at::Tensor w16 = resample_like_torchaudio(as_tensor(a), a.sample_rate, 16000);
            const at::Tensor expected = reference().get(std::string("audio.") + name + ".waveform_16k");
            QCOMPARE(w16.sizes().vec(), expected.sizes().vec());
            qInfo("%s: resampled max |diff| %.3g", name, test::max_abs_diff(w16, expected));
            IBLLM_COMPARE_TENSORS(w16, expected, kResampleTol);
        }
        // Equal rates pass through untouched; other ratios give ceil(N * to / from) samples.
        const at::Tensor x = at::randn({2, 1000});
        QVERIFY(resample_like_torchaudio(x, 16000, 16000).equal(x));
        QCOMPARE(resample_like_torchaudio(x, 48000, 16000).size(1), int64_t(334));
        QCOMPARE(resample_like_torchaudio(x, 8000, 16000).size(1), int64_t(2000));
    }

    // From the reference's own 16 kHz waveform: isolates the clip/fbank/normalise stages.
    void fbankFromReferenceWaveform() {
        for (const char* name : {"bird_audio", "dog_audio"}) {
            const std::string key = std::string("audio.") + name;
            const at::Tensor w16 = reference().get(key + ".waveform_16k");
            const at::Tensor before = w16.clone();
            AudioPrepTrace trace;
            const at::Tensor out = preprocess_audio(w16, 16000, &trace);
            QVERIFY(w16.equal(before));  // the caller's buffer is not shifted
            QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{1, 3, 1, 128, 204}));
            QVERIFY(trace.clip_sample_bounds.equal(reference().get(key + ".clip_sample_bounds")));
            qInfo("%s: clip_mean %.3g, fbank %.3g, output %.3g", name,
                  test::max_abs_diff(trace.clip_mean, reference().get(key + ".clip_mean")),
                  test::max_abs_diff(trace.fbank_unnormalized, reference().get(key + ".fbank_unnormalized")),
                  test::max_abs_diff(out, reference().get(key + ".output")));
            IBLLM_COMPARE_TENSORS(trace.clip_mean, reference().get(key + ".clip_mean"), kClipMeanTol);
            IBLLM_COMPARE_TENSORS(trace.fbank_unnormalized, reference().get(key + ".fbank_unnormalized"), kFbankTol);
            IBLLM_COMPARE_TENSORS(out, reference().get(key + ".output"), kOutputTol);
        }
    }

    // The whole loader from the file: decode, resample where needed, clips, fbank, normalise.
    void fullChainFromFile() {
        for (const char* name : kAudioNames) {
            const std::string key = std::string("audio.") + name;
            const DecodedAudio a = media::decode_audio(asset(std::string(name) + ".wav"));
            AudioPrepTrace trace;
            const at::Tensor out = preprocess_audio(as_tensor(a), a.sample_rate, &trace);
            if (reference().contains(key + ".waveform_16k"))
                IBLLM_COMPARE_TENSORS(trace.waveform_16k, reference().get(key + ".waveform_16k"), kResampleTol);
            QVERIFY(trace.clip_sample_bounds.equal(reference().get(key + ".clip_sample_bounds")));
            qInfo("%s from file: clip_mean %.3g, fbank %.3g, output %.3g", name,
                  test::max_abs_diff(trace.clip_mean, reference().get(key + ".clip_mean")),
                  test::max_abs_diff(trace.fbank_unnormalized, reference().get(key + ".fbank_unnormalized")),
                  test::max_abs_diff(out, reference().get(key + ".output")));
            IBLLM_COMPARE_TENSORS(trace.clip_mean, reference().get(key + ".clip_mean"), 1e-6);
            IBLLM_COMPARE_TENSORS(trace.fbank_unnormalized, reference().get(key + ".fbank_unnormalized"), kFbankTol);
            IBLLM_COMPARE_TENSORS(out, reference().get(key + ".output"), kOutputTol);
        }
    }

    void fbankShapesAndLimits() {
        const at::Tensor x = at::randn({16000});
        QCOMPARE(kaldi_fbank(x).sizes().vec(), (std::vector<int64_t>{98, 128}));
        QCOMPARE(kaldi_fbank(at::randn({400})).size(0), int64_t(1));
        QVERIFY_THROWS_EXCEPTION(Error, kaldi_fbank(at::randn({399})));
        // Silence sits at the floor log(float32 eps).
        const at::Tensor silent = kaldi_fbank(at::zeros({800}));
        QVERIFY(std::abs(silent.max().item<float>() - std::log(std::numeric_limits<float>::epsilon())) < 1e-5);
        // Fewer than 400 samples at 16 kHz cannot make one frame: a clear Error, not an assert.
        try {
            preprocess_audio(at::randn({1, 300}), 16000);
            QFAIL("expected Error");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("25 ms") != std::string::npos, e.what());
        }
        QVERIFY_THROWS_EXCEPTION(Error, preprocess_audio(at::zeros({1, 0}), 16000));
    }

    // ---------------------------------------------------------------- video parity

    void probeFixtureVideo() {
        const auto& v = meta()["video"][kVideo];
        const media::VideoInfo info = media::probe_video(asset(v["file"].get<std::string>()));
        QCOMPARE(info.duration_s, 6.0);
        QCOMPARE(info.duration_ticks, v["stream_duration_pts"].get<int64_t>());
        QCOMPARE(info.tb_num, int64_t(1));
        QCOMPARE(info.tb_den, int64_t(12800));
        QCOMPARE(info.start_pts, v["stream_start_pts"].get<int64_t>());
        QCOMPARE(info.width, 320);
        QCOMPARE(info.height, 240);
        QCOMPARE(info.fps, 25.0);
        QCOMPARE(info.frame_count, v["num_decoded_frames"].get<int64_t>());
        QVERIFY(info.has_audio);
        QVERIFY(std::abs(media::media_duration(asset(v["file"].get<std::string>())) - 6.0) < 0.05);
    }

    void videoClipFramesMatchFixture() {
        const auto& v = meta()["video"][kVideo];
        const std::string path = asset(v["file"].get<std::string>());
        const media::VideoInfo info = media::probe_video(path);
        const auto windows = video_clip_pts_windows_from_ticks(info.duration_ticks, info.tb_num, info.tb_den, info.start_pts);
        const std::vector<media::ClipFrames> clips = media::decode_clip_frames(path, windows, 2, /*with_stream_index=*/true);
        QCOMPARE(clips.size(), size_t(5));

        const std::string key = "video." + kVideo;
        const at::Tensor pts = reference().get(key + ".frame_pts");
        const at::Tensor index = reference().get(key + ".frame_index");
        const at::Tensor counts = reference().get(key + ".clip_num_frames");
        const at::Tensor pixels = reference().get(key + ".frames_u8").to(at::kInt);  // [5, 2, 240, 320, 3]
        int64_t total = 0, over2 = 0;
        int max_diff = 0;
        double sum_diff = 0;
        for (int64_t c = 0; c < 5; ++c) {
            QCOMPARE(clips[c].frames_in_window, counts[c].item<int64_t>());
            QCOMPARE(clips[c].kept.size(), size_t(2));
            for (int64_t k = 0; k < 2; ++k) {
                const media::DecodedFrame& f = clips[c].kept[k];
                QCOMPARE(f.pts, pts[c][k].item<int64_t>());
                QCOMPARE(f.index, index[c][k].item<int64_t>());
                QCOMPARE(f.width, 320);
                QCOMPARE(f.height, 240);
                QCOMPARE(f.rgb.size(), size_t(240 * 320 * 3));
                const at::Tensor mine = at::from_blob(const_cast<uint8_t*>(f.rgb.data()), {240, 320, 3}, at::kByte).to(at::kInt);
                const at::Tensor diff = (mine - pixels[c][k]).abs();
                total += diff.numel();
                over2 += (diff > 2).sum().item<int64_t>();
                max_diff = std::max(max_diff, diff.max().item<int>());
                sum_diff += diff.sum().item<double>();
            }
        }
        qInfo("frames_u8: max |diff| %d, mean %.4f, > 2 levels: %lld of %lld", max_diff, sum_diff / total,
              static_cast<long long>(over2), static_cast<long long>(total));
        // README: <= 2 levels for more than 99% of pixels, mean <= 0.01 in normalised units
        // (1 level ~ 0.0146 normalised, so a mean under 0.5 level is well inside).
        QVERIFY(over2 * 100 < total);
        QVERIFY(sum_diff / total < 0.5);
    }

    void subsampleKeepsFirstAndLastOrUniform() {
        const std::string path = asset(kVideo + ".mp4");
        // One window of 50 frames: 3 kept = linspace(0, 49, 3) -> positions 0, 24, 49.
        const auto clips = media::decode_clip_frames(path, {{0, 25600}}, 3);
        QCOMPARE(clips[0].frames_in_window, int64_t(50));
        QCOMPARE(clips[0].kept.size(), size_t(3));
        QCOMPARE(clips[0].kept[0].pts, int64_t(0));
        QCOMPARE(clips[0].kept[1].pts, int64_t(24 * 512));
        QCOMPARE(clips[0].kept[2].pts, int64_t(49 * 512));
        QCOMPARE(clips[0].kept[0].index, int64_t(-1));  // not asked for
        // A window past the end has no frames: MediaError naming the file.
        expect_media_error([&] { media::decode_clip_frames(path, {{200000, 225600}}); }, {kVideo + ".mp4", "no decodable video frames"});
    }

    // ---------------------------------------------------------------- media made at test time

    void decodeGeneratedAudio_data() {
        QTest::addColumn<QString>("program");
        QTest::addColumn<QStringList>("args");  // "%1" = output path
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("rate");
        QTest::addColumn<int>("channels");
        QTest::addColumn<double>("seconds");
        QTest::addColumn<int>("slack");  // samples the codec may add or drop at the ends
        const QStringList sine = {"-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                                  "sine=frequency=440:sample_rate=44100:duration=2"};
        QTest::newRow("wav 8k mono") << "sox" << QStringList{"-n", "-r", "8000", "-c", "1", "-b", "16", "%1", "synth", "1.5", "sine", "440"}
                                     << "tone8k.wav" << 8000 << 1 << 1.5 << 0;
        QTest::newRow("wav 48k stereo") << "sox" << QStringList{"-n", "-r", "48000", "-c", "2", "-b", "16", "%1", "synth", "2", "sine", "440", "sine", "1000"}
                                        << "tone48k.wav" << 48000 << 2 << 2.0 << 0;
        QTest::newRow("wav 24-bit") << "sox" << QStringList{"-n", "-r", "22050", "-c", "1", "-b", "24", "%1", "synth", "1", "sine", "440"}
                                    << "tone24.wav" << 22050 << 1 << 1.0 << 0;
        QTest::newRow("mp3") << "ffmpeg" << (sine + QStringList{"-c:a", "libmp3lame", "-b:a", "128k", "%1"}) << "tone.mp3" << 44100 << 1 << 2.0 << 1152;
        QTest::newRow("ogg vorbis") << "ffmpeg" << (sine + QStringList{"-c:a", "libvorbis", "%1"}) << "tone.ogg" << 44100 << 1 << 2.0 << 1024;
        QTest::newRow("flac") << "ffmpeg" << (sine + QStringList{"-c:a", "flac", "%1"}) << "tone.flac" << 44100 << 1 << 2.0 << 0;
        QTest::newRow("m4a aac") << "ffmpeg" << (sine + QStringList{"-c:a", "aac", "-b:a", "96k", "%1"}) << "tone.m4a" << 44100 << 1 << 2.0 << 1024;
        QTest::newRow("opus") << "ffmpeg" << (sine + QStringList{"-c:a", "libopus", "%1"}) << "tone.opus" << 48000 << 1 << 2.0 << 960;
        QTest::newRow("mp4 audio track") << "ffmpeg"
                                         << QStringList{"-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                                                        "testsrc2=size=160x120:rate=25:duration=2", "-f", "lavfi", "-i",
                                                        "sine=frequency=440:sample_rate=44100:duration=2", "-c:v", "libx264",
                                                        "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "%1"}
                                         << "clip.mp4" << 44100 << 1 << 2.0 << 2048;
    }

    void decodeGeneratedAudio() {
        QFETCH(QString, program);
        QFETCH(QStringList, args);
        QFETCH(QString, file);
        QFETCH(int, rate);
        QFETCH(int, channels);
        QFETCH(double, seconds);
        QFETCH(int, slack);
        const std::string path = temp(file.toStdString());
        args.replaceInStrings("%1", QString::fromStdString(path));
        NEED_TOOL(program, args);

        const DecodedAudio a = media::decode_audio(path);
        QCOMPARE(a.sample_rate, rate);
        QCOMPARE(a.channels, channels);
        const int64_t expected = std::llround(seconds * rate);
        QVERIFY2(std::llabs(a.frames - expected) <= slack,
                 qPrintable(QString("%1 frames, expected %2 +- %3").arg(a.frames).arg(expected).arg(slack)));
        QCOMPARE(int64_t(a.samples.size()), a.frames * a.channels);
        const double resolution = double(rate) / double(a.frames);
        QVERIFY2(std::abs(peak_hz(a, 0) - 440.0) <= resolution + 1.0, qPrintable(QString("peak %1 Hz").arg(peak_hz(a, 0))));
        if (channels == 2)
            QVERIFY2(std::abs(peak_hz(a, 1) - 1000.0) <= resolution + 1.0, qPrintable(QString("peak %1 Hz").arg(peak_hz(a, 1))));
        QVERIFY(std::abs(media::media_duration(path) - seconds) < 0.1);

        // To 16 kHz through libswresample: the tone stays at 440 Hz, the length scales.
        const DecodedAudio r = media::decode_audio(path, 16000, 1);
        QCOMPARE(r.sample_rate, 16000);
        QCOMPARE(r.channels, 1);
        QVERIFY2(std::llabs(r.frames - std::llround(double(a.frames) * 16000 / rate)) <= 2,
                 qPrintable(QString("%1 frames at 16 kHz").arg(r.frames)));
        QVERIFY(std::abs(peak_hz(r, 0) - 440.0) <= 16000.0 / r.frames + 1.0);
        // And through the whole preprocessing.
        const at::Tensor out = preprocess_audio(as_tensor(a), a.sample_rate);
        QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{1, 3, 1, 128, 204}));
        QVERIFY(out.isfinite().all().item<bool>());
    }

    // Video in other containers and codecs, made at test time. Stream facts follow the
    // reference's rules: MPEG-TS keeps pytorchvideo's duration - start_time quirk, Matroska
    // states no stream duration (the last packet's pts stands in).
    void otherVideoContainers_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QStringList>("codec");
        QTest::addColumn<double>("duration");
        QTest::newRow("mpeg-ts mpeg2") << "clip.ts" << QStringList{"-c:v", "mpeg2video"} << 3.0 - 1.44;
        QTest::newRow("webm vp9") << "clip.webm" << QStringList{"-c:v", "libvpx-vp9", "-deadline", "realtime"} << 2.96;
        QTest::newRow("mkv h264") << "clip.mkv" << QStringList{"-c:v", "libx264"} << 2.96;
        QTest::newRow("avi mpeg4") << "clip.avi" << QStringList{"-c:v", "mpeg4"} << 3.0;
        QTest::newRow("mov yuv444") << "clip.mov" << QStringList{"-c:v", "libx264", "-pix_fmt", "yuv444p"} << 3.0;
    }

    void otherVideoContainers() {
        QFETCH(QString, file);
        QFETCH(QStringList, codec);
        QFETCH(double, duration);
        const std::string path = temp(file.toStdString());
        NEED_TOOL("ffmpeg", (QStringList{"-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                                         "testsrc2=size=160x120:rate=25:duration=3"} +
                             (codec.contains("-pix_fmt") ? QStringList{} : QStringList{"-pix_fmt", "yuv420p"}) + codec +
                             QStringList{QString::fromStdString(path)}));
        const media::VideoInfo info = media::probe_video(path);
        QCOMPARE(info.width, 160);
        QCOMPARE(info.height, 120);
        QVERIFY2(std::abs(info.duration_s - duration) < 1e-6, qPrintable(QString("duration %1").arg(info.duration_s)));
        QVERIFY(std::abs(info.fps - 25.0) < 1e-6);
        const auto windows = video_clip_pts_windows_from_ticks(info.duration_ticks, info.tb_num, info.tb_den, info.start_pts);
        const auto clips = media::decode_clip_frames(path, windows, 2, true);
        QCOMPARE(clips.size(), size_t(5));
        for (size_t c = 0; c < clips.size(); ++c) {
            QVERIFY(clips[c].frames_in_window >= 2 && clips[c].frames_in_window <= 50);
            QCOMPARE(clips[c].kept.size(), size_t(2));
            for (const media::DecodedFrame& f : clips[c].kept) {
                QVERIFY(f.pts >= windows[c].first && f.pts < windows[c].second);
                QVERIFY(f.index >= 0);
                QCOMPARE(f.rgb.size(), size_t(160 * 120 * 3));
                double mean = 0;
                for (uint8_t v : f.rgb) mean += v;
                mean /= double(f.rgb.size());
                QVERIFY2(mean > 20 && mean < 235, "testsrc2 is a colourful picture");
            }
            // Frames a window apart are different pictures (the clock in testsrc2 moves).
            QVERIFY(clips[c].kept[0].rgb != clips[c].kept[1].rgb);
        }
    }

    void firstChannelsOnly() {
        const std::string path = temp("two.wav");
        NEED_TOOL("sox", (QStringList{"-n", "-r", "16000", "-c", "2", "-b", "16", QString::fromStdString(path), "synth", "1", "sine", "300", "sine", "700"}));
        const DecodedAudio both = media::decode_audio(path);
        const DecodedAudio left = media::decode_audio(path, 0, 1);
        QCOMPARE(left.channels, 1);
        QCOMPARE(left.frames, both.frames);
        QVERIFY(std::equal(left.samples.begin(), left.samples.end(), both.samples.begin()));
    }

    void speechFromEspeak() {
        const std::string path = temp("speech.wav");
        NEED_TOOL("espeak-ng", (QStringList{"-w", QString::fromStdString(path), "hello, this is a test of the audio decoder"}));
        const DecodedAudio a = media::decode_audio(path);
        QCOMPARE(a.channels, 1);
        QCOMPARE(a.sample_rate, 22050);
        QVERIFY2(a.frames > a.sample_rate, "speech should last over a second");
        QVERIFY2(rms(a) > 0.01, "speech should not be silent");
        QVERIFY(std::abs(media::media_duration(path) - double(a.frames) / a.sample_rate) < 0.01);
        const at::Tensor out = preprocess_audio(as_tensor(a), a.sample_rate);
        QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{1, 3, 1, 128, 204}));
        QVERIFY(out.isfinite().all().item<bool>());
        QVERIFY(out.std().item<float>() > 0.1f);  // a spectrogram, not a constant
    }

    // Audio shorter than a 2 s clip: every clip is the whole recording, the fbank has fewer
    // frames and the rest is zero padding (0 -> (0 + 4.268) / 9.138 after normalising).
    void shortAudioIsPadded() {
        const std::string path = temp("short.wav");
        NEED_TOOL("sox", (QStringList{"-n", "-r", "16000", "-c", "1", "-b", "16", QString::fromStdString(path), "synth", "0.5", "sine", "440"}));
        const DecodedAudio a = media::decode_audio(path);
        QCOMPARE(a.frames, int64_t(8000));
        AudioPrepTrace trace;
        const at::Tensor out = preprocess_audio(as_tensor(a), a.sample_rate, &trace);
        QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{1, 3, 1, 128, 204}));
        const int64_t frames = 1 + (8000 - 400) / 160;  // 48
        for (int64_t c = 0; c < 3; ++c) {
            QCOMPARE(trace.clip_sample_bounds[c][0].item<int64_t>(), int64_t(0));
            QCOMPARE(trace.clip_sample_bounds[c][1].item<int64_t>(), int64_t(32000));
            QVERIFY(trace.fbank_unnormalized[c].slice(2, frames).eq(0).all().item<bool>());
            QVERIFY(trace.fbank_unnormalized[c].slice(2, 0, frames).ne(0).all().item<bool>());
        }
        const float pad = (0.f - float(-4.268)) / float(9.138);
        QVERIFY(out.slice(4, frames).eq(pad).all().item<bool>());
    }

    // ---------------------------------------------------------------- bad input

    void missingAndEmptyFiles() {
        const std::string missing = temp("nowhere/absent.mp3");
        expect_media_error([&] { media::decode_audio(missing); }, {missing, "does not exist"});
        expect_media_error([&] { media::probe_video(missing); }, {missing, "does not exist"});
        const std::string empty = temp("empty.wav");
        write_bytes(empty, "");
        expect_media_error([&] { media::decode_audio(empty); }, {"empty.wav", "empty"});
        expect_media_error([&] { media::media_duration(empty); }, {"empty.wav", "empty"});
        expect_media_error([&] { media::decode_audio(tmp_.path().toStdString()); }, {"folder"});
    }

    void notMediaFiles() {
        std::mt19937 rng(1234);
        std::string noise(64 * 1024, '\0');
        for (char& ch : noise) ch = static_cast<char>(rng() & 0xff);
        const std::string fake_mp3 = temp("noise.mp3");
        write_bytes(fake_mp3, noise);
        expect_media_error([&] { media::decode_audio(fake_mp3); }, {"noise.mp3"});
        const std::string text = temp("notes.wav");
        write_bytes(text, "These are my notes, not a recording.\nSecond line.\n");
        expect_media_error([&] { media::decode_audio(text); }, {"notes.wav", "not an audio or video file"});
        expect_media_error([&] { media::probe_video(text); }, {"notes.wav"});
    }

    void truncatedFiles() {
        const std::string whole = temp("whole.wav");
        NEED_TOOL("sox", (QStringList{"-n", "-r", "16000", "-c", "1", "-b", "16", QString::fromStdString(whole), "synth", "2", "sine", "440"}));
        const std::string bytes = read_bytes(whole);
        const std::string cut = temp("cut.wav");
        write_bytes(cut, bytes.substr(0, bytes.size() / 2));
        expect_media_error([&] { media::decode_audio(cut); }, {"cut.wav", "truncated"});
        const std::string header_only = temp("header.wav");
        write_bytes(header_only, bytes.substr(0, 30));
        expect_media_error([&] { media::decode_audio(header_only); }, {"header.wav"});
        // A streamed WAV (unknown length in its header) is complete, not truncated.
        const std::string streamed = temp("streamed.wav");
        if (QStandardPaths::findExecutable("ffmpeg").isEmpty()) QSKIP("ffmpeg is not installed");
        {
            QProcess p;
            p.setStandardOutputFile(QString::fromStdString(streamed));
            p.start("ffmpeg", {"-hide_banner", "-loglevel", "error", "-y", "-i", QString::fromStdString(whole), "-f", "wav", "pipe:1"});
            QVERIFY(p.waitForFinished(60000) && p.exitCode() == 0);
        }
        QCOMPARE(read_bytes(streamed).substr(4, 4), std::string("\xff\xff\xff\xff", 4));
        QCOMPARE(media::decode_audio(streamed).frames, int64_t(32000));
        // A video cut in half (its index promises more than the file holds).
        const std::string movie = temp("whole.mp4");
        NEED_TOOL("ffmpeg", (QStringList{"-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=3",
                                         "-c:a", "aac", "-movflags", "+faststart", QString::fromStdString(movie)}));
        const std::string movie_bytes = read_bytes(movie);
        const std::string cut_movie = temp("cut.m4a");
        write_bytes(cut_movie, movie_bytes.substr(0, movie_bytes.size() / 2));
        expect_media_error([&] { media::decode_audio(cut_movie); }, {"cut.m4a", "truncated"});
    }

    void headerSizedAllocationsAreCapped() {
        // A WAV whose metadata chunk (LIST/INFO) claims gigabytes: FFmpeg's demuxer sizes its
        // buffer from that claim. Before the product capped FFmpeg's allocations this 60-byte
        // file made the process allocate and zero 1.8 GB (found by fuzz_media_av).
        auto le32 = [](uint32_t v) { return std::string{char(v & 0xff), char((v >> 8) & 0xff), char((v >> 16) & 0xff), char(v >> 24)}; };
        std::string wav = "RIFF" + le32(0x7ffffff0u) + "WAVE";
        wav += "fmt " + le32(16) + std::string("\x01\x00\x01\x00", 4) + le32(16000) + le32(32000) + std::string("\x02\x00\x10\x00", 4);
        wav += "LIST" + le32(0x7ffffff0u - 40) + "INFO" + "ISFT" + le32(0x70000000u) + "Lavf";
        const std::string path = temp("huge-info.wav");
        write_bytes(path, wav);
        rusage before{};
        getrusage(RUSAGE_SELF, &before);
        expect_media_error([&] { media::decode_audio(path); }, {"huge-info.wav"});
        rusage after{};
        getrusage(RUSAGE_SELF, &after);
        const long grown_mb = (after.ru_maxrss - before.ru_maxrss) / 1024;
        qInfo("peak resident memory grew by %ld MB", grown_mb);
        QVERIFY2(grown_mb < 300, std::to_string(grown_mb).c_str());
    }

    void unsupportedCodec() {
        // A WAV whose format tag names no codec FFmpeg knows.
        std::string wav = read_bytes(asset("dog_audio_16k.wav")).substr(0, 4096);
        wav[20] = '\x34';
        wav[21] = '\x12';
        const std::string path = temp("odd_codec.wav");
        write_bytes(path, wav);
        expect_media_error([&] { media::decode_audio(path); }, {"odd_codec.wav", "codec"});
    }

    void wrongKindOfStream() {
        const std::string silent = temp("silent.mp4");
        NEED_TOOL("ffmpeg", (QStringList{"-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=1",
                                         "-c:v", "libx264", "-pix_fmt", "yuv420p", "-an", QString::fromStdString(silent)}));
        expect_media_error([&] { media::decode_audio(silent); }, {"silent.mp4", "has no audio stream", "attach it as a video"});
        const media::VideoInfo info = media::probe_video(silent);
        QVERIFY(!info.has_audio);
        QCOMPARE(info.width, 160);

        const std::string tone = temp("tone_only.wav");
        NEED_TOOL("sox", (QStringList{"-n", "-r", "16000", "-c", "1", "-b", "16", QString::fromStdString(tone), "synth", "1", "sine", "440"}));
        expect_media_error([&] { media::probe_video(tone); }, {"tone_only.wav", "has no video stream; attach it as audio instead"});
        expect_media_error([&] { media::decode_clip_frames(tone, {{0, 100}}); }, {"tone_only.wav", "has no video stream"});
        // An mp3 with cover art is still audio only.
        const std::string cover = temp("cover.png");
        const std::string song = temp("song.mp3");
        NEED_TOOL("ffmpeg", (QStringList{"-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=64x64:duration=0.04",
                                         "-frames:v", "1", QString::fromStdString(cover)}));
        NEED_TOOL("ffmpeg", (QStringList{"-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
                                         "-i", QString::fromStdString(cover), "-map", "0:a", "-map", "1:v", "-c:a", "libmp3lame",
                                         "-c:v", "png", "-disposition:v", "attached_pic", QString::fromStdString(song)}));
        QCOMPARE(media::decode_audio(song).sample_rate, 44100);
        expect_media_error([&] { media::probe_video(song); }, {"song.mp3", "has no video stream; attach it as audio instead"});
    }
};

QTEST_GUILESS_MAIN(TestAudioVideo)
#include "test_audio_video.moc"
