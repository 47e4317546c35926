#pragma once
// A microphone for tests on machines without sound hardware (CI): an ALSA configuration,
// written to a temporary folder and named by ALSA_CONFIG_PATH, whose PCMs are
//   ibllm_testmic      a `plug` that hands out FLOAT_LE mono 16 kHz from
//   ibllm_testmic_raw  a `file` PCM over a `null` slave that reads its capture data from a
//                      FIFO: the FIFO paces the stream, and a SignalWriter plays a known
//                      signal into it in real time;
//   ibllm_unopenable   a PCM that fails to open (PortAudio 19.6 asserts when all of them open).
// PortAudio reads the ALSA configuration once per process, so install() must run before
// anything starts it. Used by tests/test_capture.cpp and tests/ui/test_recording_device.cpp.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace ibllm::test {

class FakeAlsaMicrophone {
public:
    static constexpr const char* kDevice = "ibllm_testmic";

    // Makes the FIFO and the configuration in `dir`.
    explicit FakeAlsaMicrophone(const std::string& dir) : config_(dir + "/asound.conf") {
        const std::string fifo = dir + "/mic.fifo";
        if (::mkfifo(fifo.c_str(), 0600) != 0)
            unavailable_ = "mkfifo failed in " + dir;
        else if ((fd_ = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK)) < 0)
            unavailable_ = "the FIFO " + fifo + " could not be opened";
        std::ofstream out(config_, std::ios::trunc);
        out << "pcm." << kDevice << " {\n"
            << "    type plug\n"
            << "    slave { pcm \"ibllm_testmic_raw\" format FLOAT_LE rate 16000 channels 1 }\n"
            << "}\n"
            << "pcm.ibllm_testmic_raw {\n"
            << "    type file\n"
            << "    slave.pcm { type null }\n"
            << "    file \"/dev/null\"\n"
            << "    infile \"" << fifo << "\"\n"
            << "    format \"raw\"\n"
            << "}\n"
            << "pcm.ibllm_unopenable { type hw card 99 }\n";
        if (!out.flush() && unavailable_.empty()) unavailable_ = "the ALSA configuration " + config_ + " could not be written";
    }
    ~FakeAlsaMicrophone() {
        if (fd_ >= 0) ::close(fd_);
    }
    FakeAlsaMicrophone(const FakeAlsaMicrophone&) = delete;
    FakeAlsaMicrophone& operator=(const FakeAlsaMicrophone&) = delete;

    // Points ALSA at the configuration; JACK: never start a server, nor find one a developer
    // may be running.
    void install() const {
        ::setenv("ALSA_CONFIG_PATH", config_.c_str(), 1);
        ::setenv("JACK_NO_START_SERVER", "1", 1);
        ::setenv("JACK_DEFAULT_SERVER", "ibllm-test-no-such-server", 1);
    }

    // Why the device cannot work here; empty when it can.
    const std::string& unavailable() const { return unavailable_; }
    int fifo() const { return fd_; }

    // Empties the FIFO, so that the next writer's first sample is the first one read.
    void drain() const {
        char sink[8192];
        while (fd_ >= 0 && ::read(fd_, sink, sizeof sink) > 0) {}
    }

private:
    std::string config_;
    std::string unavailable_;
    int fd_ = -1;
};

// Plays sample(k), k = 0, 1, ..., into the FIFO in 160-sample (10 ms at 16 kHz) chunks at
// real-time pace from construction until destruction. Writes never block: with no reader
// the pipe fills (about 1 s) and later chunks are lost, as from a microphone nobody hears.
class SignalWriter {
public:
    using Clock = std::chrono::steady_clock;

    SignalWriter(int fd, std::function<float(int64_t)> sample)
        : fd_(fd), sample_(std::move(sample)), started_(Clock::now()), thread_([this] { run(); }) {}
    ~SignalWriter() {
        stop_ = true;
        thread_.join();
    }
    double seconds_played() const { return std::chrono::duration<double>(Clock::now() - started_).count(); }

private:
    void run() {
        std::vector<float> chunk(160);
        int64_t k = 0;
        auto next = started_;
        while (!stop_) {
            for (float& v : chunk) v = sample_(k++);
            const ssize_t written = ::write(fd_, chunk.data(), chunk.size() * sizeof(float));
            (void)written;
            next += std::chrono::milliseconds(10);
            std::this_thread::sleep_until(next);
        }
    }
    int fd_;
    std::function<float(int64_t)> sample_;
    Clock::time_point started_;
    std::atomic<bool> stop_{false};
    std::thread thread_;  // last: starts after the members it uses
};

}  // namespace ibllm::test
