#include "media/capture/microphone.h"

#include <portaudio.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "media/capture/portaudio_session.h"
#include "media/capture/ring_buffer.h"
#include "media/media_error.h"

namespace ibllm::media {

namespace detail {

// What the audio callback touches. Allocated before the stream opens and freed only after
// it is closed, so the callback never sees it change.
struct CaptureState {
    CaptureState(size_t ring_capacity, int channels, int rate, size_t frames_per_buffer)
        : ring(ring_capacity),
          channels(channels),
          level_window(static_cast<size_t>(std::max(1, rate / 20))),  // 50 ms
          mono(frames_per_buffer) {}

    LockFreeRing ring;
    const int channels;
    const size_t level_window;
    std::vector<float> mono;  // downmix scratch for multi-channel devices
    // Level meter, written by the callback only.
    double sum_squares = 0.0;
    size_t level_samples = 0;
    std::atomic<float> level{0.0f};
};

}  // namespace detail

namespace {

constexpr int kTargetRate = 16000;
constexpr double kRingSeconds = 4.0;

void update_level(detail::CaptureState& s, const float* mono, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        s.sum_squares += static_cast<double>(mono[i]) * mono[i];
        if (++s.level_samples == s.level_window) {
            const double rms = std::sqrt(s.sum_squares / static_cast<double>(s.level_samples));
            s.level.store(static_cast<float>(std::min(rms, 1.0)), std::memory_order_relaxed);
            s.sum_squares = 0.0;
            s.level_samples = 0;
        }
    }
}

// Real-time thread: no allocation, no locks, no system calls.
int on_audio(const void* input, void*, unsigned long frames, const PaStreamCallbackTimeInfo*,
             PaStreamCallbackFlags, void* user) {
    auto& s = *static_cast<detail::CaptureState*>(user);
    if (!input) return paContinue;
    const float* in = static_cast<const float*>(input);
    if (s.channels == 1) {
        update_level(s, in, frames);
        s.ring.push(in, frames);
        return paContinue;
    }
    // Interleaved multi-channel: average the channels, in scratch-sized pieces.
    while (frames > 0) {
        const size_t n = std::min<size_t>(frames, s.mono.size());
        for (size_t f = 0; f < n; ++f) {
            float sum = 0.0f;
            for (int c = 0; c < s.channels; ++c) sum += in[f * s.channels + c];
            s.mono[f] = sum / static_cast<float>(s.channels);
        }
        update_level(s, s.mono.data(), n);
        s.ring.push(s.mono.data(), n);
        in += n * s.channels;
        frames -= n;
    }
    return paContinue;
}

bool supported(int device, int channels, double rate) {
    PaStreamParameters p{};
    p.device = device;
    p.channelCount = channels;
    p.sampleFormat = paFloat32;
    p.suggestedLatency = Pa_GetDeviceInfo(device)->defaultLowInputLatency;
    return Pa_IsFormatSupported(&p, nullptr, rate) == paFormatIsSupported;
}

}  // namespace

Microphone::Microphone(int device_index, double rolling_seconds) : requested_device_(device_index) {
    if (!(rolling_seconds > 0.0) || rolling_seconds > 3600.0)
        throw std::invalid_argument("Microphone: rolling_seconds must be in (0, 3600]");
    rolling_capacity_ = static_cast<size_t>(std::lround(rolling_seconds * kTargetRate));
    rolling_.assign(std::max<size_t>(rolling_capacity_, 1), 0.0f);
}

Microphone::~Microphone() {
    try {
        stop();
    } catch (...) {
        // A destructor must not throw; the stream is gone with the process anyway.
    }
}

void Microphone::start() {
    if (stream_) return;
    session_ = detail::PortAudioSession::acquire();
    const std::vector<InputDevice> devices = list_input_devices();
    const InputDevice& device = choose_input_device(devices, requested_device_);

    // 16 kHz mono when the device can; else its own rate, mono or (mixed down) stereo.
    int channels = 1;
    int rate = kTargetRate;
    if (!supported(device.index, 1, kTargetRate)) {
        rate = static_cast<int>(std::lround(device.default_rate));
        if (rate <= 0 || !supported(device.index, 1, rate)) {
            channels = std::min(2, device.max_channels);
            if (rate <= 0 || !supported(device.index, channels, rate))
                throw MediaError("The microphone '" + device.name +
                                 "' cannot record in a format this program supports; choose another input device in the settings.");
        }
    }

    const size_t frames_per_buffer = static_cast<size_t>(std::max(1, rate / 100));  // 10 ms
    auto state = std::make_unique<detail::CaptureState>(static_cast<size_t>(rate * kRingSeconds), channels, rate,
                                                        frames_per_buffer);
    PaStreamParameters params{};
    params.device = device.index;
    params.channelCount = channels;
    params.sampleFormat = paFloat32;
    params.suggestedLatency = Pa_GetDeviceInfo(device.index)->defaultLowInputLatency;
    PaStream* stream = nullptr;
    PaError err = Pa_OpenStream(&stream, &params, nullptr, rate, frames_per_buffer, paClipOff, on_audio, state.get());
    if (err != paNoError)
        throw MediaError("The microphone '" + device.name + "' could not be opened (PortAudio: " + Pa_GetErrorText(err) +
                         "); close other programs that use it or choose another input device in the settings.");

    // A new recording.
    recording_.clear();
    rolling_next_ = rolling_filled_ = 0;
    device_name_ = device.name;
    device_rate_ = rate;
    resampler_ = rate == kTargetRate ? nullptr : std::make_unique<LinearResampler>(rate, kTargetRate);
    state_ = std::move(state);

    err = Pa_StartStream(stream);
    if (err != paNoError) {
        Pa_CloseStream(stream);
        throw MediaError("The microphone '" + device.name + "' could not be started (PortAudio: " + Pa_GetErrorText(err) +
                         "); close other programs that use it or choose another input device in the settings.");
    }
    stream_ = stream;
}

void Microphone::stop() {
    if (!stream_) return;
    PaStream* stream = static_cast<PaStream*>(stream_);
    stream_ = nullptr;
    // Pa_StopStream returns after the last callback has run; only then is it safe to read
    // the ring to its end and, later, to free the state.
    Pa_StopStream(stream);
    Pa_CloseStream(stream);
    poll();
    state_->level.store(0.0f, std::memory_order_relaxed);
}

bool Microphone::running() const {
    return stream_ && Pa_IsStreamActive(static_cast<PaStream*>(stream_)) == 1;
}

float Microphone::level() const {
    return stream_ && state_ ? state_->level.load(std::memory_order_relaxed) : 0.0f;
}

uint64_t Microphone::dropped_samples() const { return state_ ? state_->ring.dropped() : 0; }

void Microphone::poll() {
    if (!state_) return;
    drain_buffer_.resize(4096);
    while (true) {
        const size_t n = state_->ring.pop(drain_buffer_.data(), drain_buffer_.size());
        if (n == 0) break;
        if (resampler_) {
            resampled_.clear();
            resampler_->process(drain_buffer_.data(), n, resampled_);
            append(resampled_.data(), resampled_.size());
        } else {
            append(drain_buffer_.data(), n);
        }
    }
}

void Microphone::append(const float* samples, size_t n) {
    recording_.insert(recording_.end(), samples, samples + n);
    for (size_t i = 0; i < n; ++i) {
        rolling_[rolling_next_] = samples[i];
        rolling_next_ = (rolling_next_ + 1) % rolling_.size();
    }
    rolling_filled_ = std::min(rolling_filled_ + n, rolling_capacity_);
}

double Microphone::recorded_seconds() const { return static_cast<double>(recording_.size()) / kTargetRate; }

std::vector<float> Microphone::take_recording() {
    poll();
    std::vector<float> out;
    out.swap(recording_);
    return out;
}

std::vector<float> Microphone::last_seconds(double seconds) const {
    if (!(seconds > 0.0)) return {};
    const size_t wanted = std::min(static_cast<size_t>(std::llround(seconds * kTargetRate)), rolling_filled_);
    std::vector<float> out(wanted);
    // The newest sample is just before rolling_next_; copy the `wanted` before it in order.
    const size_t size = rolling_.size();
    size_t from = (rolling_next_ + size - wanted % size) % size;
    for (size_t i = 0; i < wanted; ++i) {
        out[i] = rolling_[from];
        from = from + 1 == size ? 0 : from + 1;
    }
    return out;
}

}  // namespace ibllm::media
