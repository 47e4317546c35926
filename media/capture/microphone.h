#pragma once
// Microphone: records mono 16 kHz float samples (the audio encoder's rate) from a PortAudio
// input device.
//
// Threads: PortAudio's callback thread only pushes into a LockFreeRing and updates the level
// meter; everything else runs on the one thread that owns the Microphone (the app/UI thread).
// That thread must call poll() regularly (every ~100 ms, e.g. from the meter's timer): poll()
// drains the ring into the full recording and the rolling "live" window. The ring holds
// 4 seconds, so a longer pause loses samples (counted in dropped_samples()).
//
// Rate: the stream is opened at 16 kHz when the device supports it; otherwise at the device's
// default rate (stereo devices are mixed down to mono in the callback) and poll() resamples
// to 16 kHz with LinearResampler.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "media/capture/input_devices.h"
#include "media/capture/linear_resampler.h"

namespace ibllm::media {

namespace detail {
class PortAudioSession;
struct CaptureState;
}  // namespace detail

class Microphone {
public:
    // `device_index`: a PortAudio index from list_input_devices(), or -1 for the default
    // input. `rolling_seconds` (> 0): the length of the live window last_seconds() serves.
    // Opens nothing yet; start() does.
    explicit Microphone(int device_index = -1, double rolling_seconds = 6.0);
    ~Microphone();  // stops
    Microphone(const Microphone&) = delete;
    Microphone& operator=(const Microphone&) = delete;

    // Opens and starts the stream, beginning a new recording (the previous recording and the
    // live window are cleared). No-op while running. Throws MediaError: "No microphone was
    // found; connect one or choose another input device in the settings." when there is no
    // input device, and a sentence naming the device when it cannot be opened.
    void start();
    // Stops and closes the stream (waits for the callback to finish), then drains what was
    // still buffered. The recording stays available; start() may be called again.
    void stop();
    // True while the stream runs (false after stop(), or when the device went away).
    bool running() const;

    // Input level 0..1: the RMS of the last ~50 ms, updated by the audio callback. 0 when
    // stopped.
    float level() const;

    // Drains the ring into the recording and the live window. App thread only.
    void poll();

    // Seconds of audio in the recording, as of the last poll().
    double recorded_seconds() const;
    // Everything recorded since start() (or since the last take_recording()), at 16 kHz; polls
    // first. The recording then starts over from empty (capture continues if running).
    std::vector<float> take_recording();
    // The live window: the last min(seconds, rolling_seconds, recorded) seconds at 16 kHz, as
    // of the last poll().
    std::vector<float> last_seconds(double seconds) const;

    int sample_rate() const { return 16000; }

    // About the open (or last opened) stream.
    const std::string& device_name() const { return device_name_; }
    int device_rate() const { return device_rate_; }  // 16000 unless resampling
    uint64_t dropped_samples() const;                 // lost to a full ring (poll() too rarely)

private:
    void append(const float* samples, size_t n);

    int requested_device_;
    size_t rolling_capacity_;
    std::shared_ptr<detail::PortAudioSession> session_;
    std::unique_ptr<detail::CaptureState> state_;  // shared with the callback while open
    void* stream_ = nullptr;                       // PaStream*
    std::string device_name_;
    int device_rate_ = 16000;
    std::unique_ptr<LinearResampler> resampler_;   // only when device_rate_ != 16000

    std::vector<float> recording_;
    std::vector<float> rolling_;  // circular, rolling_capacity_ samples
    size_t rolling_next_ = 0;     // where the next sample goes
    size_t rolling_filled_ = 0;
    std::vector<float> drain_buffer_, resampled_;
};

}  // namespace ibllm::media
