// Tests of media/capture: the lock-free ring (one thread, and a producer/consumer pair), the
// linear resampler, the device choice and its "no microphone" error, and real capture through
// PortAudio without a sound card.
//
// How capture runs without hardware: before PortAudio starts, ALSA_CONFIG_PATH points ALSA
// at a config written by this test. It defines
//   ibllm_testmic      a `plug` that hands out FLOAT_LE mono 16 kHz from
//   ibllm_testmic_raw  a `file` PCM over a `null` slave whose capture data is read from a
//                      FIFO ("infile"); the null slave has no clock, so the blocking FIFO read
//                      paces the stream: a writer thread feeds 10 ms chunks in real time;
//   ibllm_unopenable   a PCM that fails to open. PortAudio 19.6 asserts when every PCM in the
//                      config opens (BuildDeviceList: devIdx < numDeviceNames), so one must not.
// The test holds the FIFO open read-write itself, so ALSA's open() of the infile never blocks.
// A child process of this binary runs with a config whose only PCM cannot open: PortAudio then
// has no input device at all, and start() must give the "No microphone was found" error.
#include <QtTest/QtTest>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "fake_alsa_microphone.h"
#include "media/capture/input_devices.h"
#include "media/capture/linear_resampler.h"
#include "media/capture/microphone.h"
#include "media/capture/ring_buffer.h"
#include "media/media_error.h"

using namespace ibllm::media;
using Clock = std::chrono::steady_clock;

namespace {

const char* const kNoMicrophone = "No microphone was found; connect one or choose another input device in the settings.";

// The signal the fake microphone plays: 1 s of silence, then a 440 Hz sine of amplitude 0.5
// (RMS 0.354).
float test_signal(int64_t k) {
    if (k < 16000) return 0.0f;
    return 0.5f * static_cast<float>(std::sin(2.0 * M_PI * 440.0 * static_cast<double>(k) / 16000.0));
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const MediaError& e) {
        return e.what();
    }
    return "";
}

// Child mode (see main): tries the default microphone with whatever ALSA config the parent
// gave it, and reports what happened on stdout.
int run_no_device_child() {
    try {
        const auto devices = list_input_devices();
        std::printf("devices=%zu\n", devices.size());
        for (const auto& d : devices) std::printf("device=%s (%s)\n", d.name.c_str(), d.host_api.c_str());
        Microphone mic;
        mic.start();
        std::printf("started\n");
    } catch (const MediaError& e) {
        std::printf("error=%s\n", e.what());
    }
    return 0;
}

}  // namespace

class TestCapture : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::unique_ptr<ibllm::test::FakeAlsaMicrophone> mic_;

    std::string path(const char* name) const { return tmp_.path().toStdString() + "/" + name; }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        mic_ = std::make_unique<ibllm::test::FakeAlsaMicrophone>(tmp_.path().toStdString());
        write_text(path("no_device.conf"), "pcm.ibllm_unopenable { type hw card 99 }\n");
        mic_->install();  // before anything starts PortAudio in this process
    }

    void ring_single_thread_order_and_wraparound() {
        LockFreeRing ring(8);
        QCOMPARE(ring.capacity(), size_t(8));
        const float a[5] = {1, 2, 3, 4, 5};
        QCOMPARE(ring.push(a, 5), size_t(5));
        float out[16] = {};
        QCOMPARE(ring.pop(out, 3), size_t(3));
        QCOMPARE(out[0], 1.0f);
        QCOMPARE(out[2], 3.0f);
        const float b[6] = {6, 7, 8, 9, 10, 11};  // wraps around the end of the storage
        QCOMPARE(ring.push(b, 6), size_t(6));
        QCOMPARE(ring.size(), size_t(8));
        QCOMPARE(ring.pop(out, 16), size_t(8));
        for (int i = 0; i < 8; ++i) QCOMPARE(out[i], float(4 + i));
        QCOMPARE(ring.pop(out, 16), size_t(0));
        QCOMPARE(ring.dropped(), uint64_t(0));
    }

    void ring_overflow_drops_the_newest() {
        LockFreeRing ring(4);
        const float a[3] = {1, 2, 3};
        QCOMPARE(ring.push(a, 3), size_t(3));
        const float b[3] = {4, 5, 6};
        QCOMPARE(ring.push(b, 3), size_t(1));  // only 4 fits; 5 and 6 are dropped
        QCOMPARE(ring.dropped(), uint64_t(2));
        QCOMPARE(ring.push(b, 3), size_t(0));
        QCOMPARE(ring.dropped(), uint64_t(5));
        float out[8];
        QCOMPARE(ring.pop(out, 8), size_t(4));
        QCOMPARE(out[0], 1.0f);  // the oldest samples survive
        QCOMPARE(out[3], 4.0f);
        // Space is usable again after the reader catches up.
        QCOMPARE(ring.push(b, 3), size_t(3));
        ring.reset();
        QCOMPARE(ring.size(), size_t(0));
        QCOMPARE(ring.dropped(), uint64_t(0));
    }

    void ring_producer_consumer_threads() {
        // A producer that never overfills (it waits for space, as a real-time producer whose
        // reader keeps up never has to) loses nothing, and order is kept across wraparounds
        // of a ring much smaller than the stream.
        LockFreeRing ring(1021);  // not a power of two on purpose
        const int64_t total = 3000000;
        std::atomic<bool> producer_done{false};
        std::atomic<bool> short_push{false};
        std::thread producer([&] {
            std::vector<float> chunk(64);
            int64_t next = 0;
            size_t size_cycle = 1;
            while (next < total) {
                const size_t n = std::min<int64_t>(1 + size_cycle++ % 61, total - next);
                for (size_t i = 0; i < n; ++i) chunk[i] = static_cast<float>((next + i) % 1000003);
                while (ring.capacity() - ring.size() < n) std::this_thread::yield();
                if (ring.push(chunk.data(), n) != n) short_push = true;
                next += n;
            }
            producer_done = true;
        });
        int64_t expected = 0;
        bool in_order = true;
        std::vector<float> out(97);
        while (expected < total) {
            const size_t n = ring.pop(out.data(), out.size());
            for (size_t i = 0; i < n; ++i, ++expected)
                if (out[i] != static_cast<float>(expected % 1000003)) in_order = false;
            if (n == 0) std::this_thread::yield();
        }
        producer.join();
        QVERIFY(producer_done);
        QVERIFY(!short_push);
        QVERIFY(in_order);
        QCOMPARE(expected, total);
        QCOMPARE(ring.dropped(), uint64_t(0));
        QCOMPARE(ring.size(), size_t(0));
    }

    void ring_concurrent_overflow_is_counted() {
        // A producer that does not wait: whatever does not fit is dropped and counted, and
        // what arrives is still an in-order subsequence.
        LockFreeRing ring(256);
        const int64_t total = 200000;
        std::thread producer([&] {
            float chunk[50];
            for (int64_t next = 0; next < total; next += 50) {
                for (int i = 0; i < 50; ++i) chunk[i] = static_cast<float>(next + i);
                ring.push(chunk, 50);
            }
        });
        int64_t received = 0;
        float last = -1.0f;
        bool increasing = true;
        float out[64];
        auto drain = [&] {
            size_t n;
            while ((n = ring.pop(out, 64)) > 0) {
                for (size_t i = 0; i < n; ++i) {
                    if (!(out[i] > last)) increasing = false;
                    last = out[i];
                }
                received += static_cast<int64_t>(n);
                std::this_thread::sleep_for(std::chrono::microseconds(50));  // a slow reader
            }
        };
        while (ring.size() == 0) std::this_thread::yield();
        drain();
        producer.join();
        drain();
        QVERIFY(increasing);
        QVERIFY(ring.dropped() > 0);  // the unthrottled producer did overrun the slow reader
        QCOMPARE(received + static_cast<int64_t>(ring.dropped()), total);
    }

    void resampler_matches_a_sine_and_ignores_chunking() {
        LinearResampler whole(48000, 16000);
        std::vector<float> input(48000);
        for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<float>(std::sin(2 * M_PI * 440.0 * i / 48000.0));
        std::vector<float> a;
        whole.process(input.data(), input.size(), a);
        QCOMPARE(a.size(), size_t(16000));  // output k uses input 3k, all available
        double worst = 0;
        for (size_t k = 0; k < a.size(); ++k)
            worst = std::max(worst, std::abs(a[k] - std::sin(2 * M_PI * 440.0 * k / 16000.0)));
        QVERIFY2(worst < 1e-5, qPrintable(QString::number(worst)));  // integer ratio: exact samples

        // 44.1 kHz -> 16 kHz interpolates; error bounded by the linear-interpolation error.
        LinearResampler odd(44100, 16000);
        std::vector<float> in441(44100);
        for (size_t i = 0; i < in441.size(); ++i) in441[i] = static_cast<float>(std::sin(2 * M_PI * 440.0 * i / 44100.0));
        std::vector<float> b;
        odd.process(in441.data(), in441.size(), b);
        QCOMPARE(b.size(), size_t(16000));
        worst = 0;
        for (size_t k = 0; k < b.size(); ++k)
            worst = std::max(worst, std::abs(b[k] - std::sin(2 * M_PI * 440.0 * k / 16000.0)));
        QVERIFY2(worst < 2e-3, qPrintable(QString::number(worst)));

        // The same input in uneven chunks gives the same output, bit for bit.
        LinearResampler chunked(44100, 16000);
        std::vector<float> c;
        size_t pos = 0, step = 1;
        while (pos < in441.size()) {
            const size_t n = std::min(step, in441.size() - pos);
            chunked.process(in441.data() + pos, n, c);
            pos += n;
            step = step * 3 % 997 + 1;
        }
        QVERIFY(c == b);

        // Upsampling works too (an 8 kHz device).
        LinearResampler up(8000, 16000);
        const float ramp[4] = {0, 1, 2, 3};
        std::vector<float> d;
        up.process(ramp, 4, d);
        QCOMPARE(d, (std::vector<float>{0, 0.5f, 1, 1.5f, 2, 2.5f, 3}));
    }

    void choosing_a_device() {
        QCOMPARE(error_of([] { choose_input_device({}, -1); }), std::string(kNoMicrophone));
        QCOMPARE(error_of([] { choose_input_device({}, 3); }), std::string(kNoMicrophone));
        std::vector<InputDevice> devices(3);
        for (int i = 0; i < 3; ++i) devices[i].index = i * 2;
        QCOMPARE(choose_input_device(devices, -1).index, 0);  // no default: the first
        devices[2].is_default = true;
        QCOMPARE(choose_input_device(devices, -1).index, 4);
        QCOMPARE(choose_input_device(devices, 2).index, 2);
        const std::string e = error_of([&] { choose_input_device(devices, 1); });
        QVERIFY2(e.find("Input device 1 ") == 0 && e.find("settings") != std::string::npos, e.c_str());
    }

    void invalid_device_index_is_a_clear_error() {
        Microphone mic(9999);
        const std::string e = error_of([&] { mic.start(); });
        QVERIFY2(e == kNoMicrophone || e.find("Input device 9999 ") == 0, e.c_str());
        QVERIFY(!mic.running());
        QCOMPARE(mic.level(), 0.0f);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, Microphone(-1, 0.0));
    }

    void no_input_device_gives_the_clear_error() {
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("IBLLM_CAPTURE_CHILD", "no_device");
        env.insert("ALSA_CONFIG_PATH", QString::fromStdString(path("no_device.conf")));
        env.insert("JACK_NO_START_SERVER", "1");
        env.insert("JACK_DEFAULT_SERVER", "ibllm-test-no-such-server");
        child.setProcessEnvironment(env);
        child.start(QCoreApplication::applicationFilePath(), {});
        QVERIFY(child.waitForFinished(60000));
        QCOMPARE(child.exitStatus(), QProcess::NormalExit);  // PortAudio did not crash
        const QString out = QString::fromUtf8(child.readAllStandardOutput());
        if (!out.contains("devices=0"))
            QSKIP(qPrintable("another audio system still offers input devices with an empty ALSA config: " + out));
        QVERIFY2(out.contains(QString("error=") + kNoMicrophone), qPrintable(out));
    }

    void capture_from_a_fake_microphone() {
        if (!mic_->unavailable().empty()) QSKIP(qPrintable(QString::fromStdString("capture impossible here: " + mic_->unavailable())));
        int index = -1;
        for (const auto& d : list_input_devices())
            if (d.name == "ibllm_testmic") index = d.index;
        if (index < 0)
            QSKIP("capture impossible here: PortAudio lists no ALSA device 'ibllm_testmic' from the test's "
                  "ALSA_CONFIG_PATH (PortAudio without its ALSA host API?)");

        // Flush anything left in the FIFO, then play the signal in real time.
        mic_->drain();
        ibllm::test::SignalWriter writer(mic_->fifo(), test_signal);  // declared before the Microphone: outlives it

        Microphone mic(index, 2.0);
        QCOMPARE(mic.level(), 0.0f);
        mic.start();
        QVERIFY(mic.running());
        QCOMPARE(mic.device_name(), std::string("ibllm_testmic"));
        QCOMPARE(mic.device_rate(), 16000);  // no resampling needed
        const auto started = Clock::now();
        auto seconds_since_start = [&] { return std::chrono::duration<double>(Clock::now() - started).count(); };

        float silent_level = -1, tone_level = -1;
        double samples_at_half = -1, time_at_half = 0;
        while (seconds_since_start() < 2.0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            mic.poll();
            const double t = seconds_since_start();
            if (t > 0.2 && t < 0.4) silent_level = mic.level();
            if (t > 1.5) tone_level = mic.level();
            if (samples_at_half < 0 && t >= 0.5) {
                samples_at_half = mic.recorded_seconds() * 16000;
                time_at_half = t;
            }
        }
        mic.poll();
        const double elapsed = seconds_since_start() - time_at_half;
        const double rate = (mic.recorded_seconds() * 16000 - samples_at_half) / elapsed;
        QVERIFY2(rate > 16000 * 0.75 && rate < 16000 * 1.25, qPrintable(QString("samples arrive at %1 Hz").arg(rate)));
        QVERIFY2(silent_level >= 0 && silent_level < 0.01, qPrintable(QString::number(silent_level)));
        QVERIFY2(tone_level > 0.3 && tone_level < 0.4, qPrintable(QString::number(tone_level)));  // RMS 0.354
        QCOMPARE(mic.dropped_samples(), uint64_t(0));

        // The live window is the tail of the recording.
        const std::vector<float> live = mic.last_seconds(1.0);
        QCOMPARE(live.size(), size_t(16000));
        const size_t recorded_now = static_cast<size_t>(std::lround(mic.recorded_seconds() * 16000));
        // Capped at what was recorded and at rolling_seconds (2 s).
        QCOMPARE(mic.last_seconds(10.0).size(), std::min<size_t>(recorded_now, 32000));

        mic.stop();
        QVERIFY(!mic.running());
        QCOMPARE(mic.level(), 0.0f);
        const double seconds = mic.recorded_seconds();
        QVERIFY2(seconds > 1.8 && seconds < 3.0, qPrintable(QString::number(seconds)));
        const std::vector<float> recording = mic.take_recording();
        QCOMPARE(recording.size(), size_t(std::lround(seconds * 16000)));
        QCOMPARE(mic.recorded_seconds(), 0.0);
        QVERIFY(std::equal(live.begin(), live.end(), recording.begin() + (recorded_now - live.size())));
        // Exactly the samples played, in order, nothing inserted or lost.
        int64_t mismatches = 0;
        for (size_t k = 0; k < recording.size(); ++k)
            if (recording[k] != test_signal(static_cast<int64_t>(k))) ++mismatches;
        QVERIFY2(mismatches == 0, qPrintable(QString("%1 of %2 samples differ").arg(mismatches).arg(recording.size())));

        // Start after stop: a new recording that receives samples.
        mic.start();
        QVERIFY(mic.running());
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        mic.poll();
        QVERIFY(mic.recorded_seconds() > 0.1);
        QVERIFY(mic.recorded_seconds() < 1.8);  // the old ~2 s recording was not kept (the pipe holds <= 1 s)
        mic.stop();

        // The destructor stops a running stream.
        {
            Microphone scoped(index);
            scoped.start();
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
};

int main(int argc, char** argv) {
    if (const char* mode = std::getenv("IBLLM_CAPTURE_CHILD"); mode && std::string(mode) == "no_device")
        return run_no_device_child();
    QCoreApplication app(argc, argv);
    TestCapture test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_capture.moc"
