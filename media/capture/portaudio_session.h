#pragma once
// PortAudio must be initialised once before use and terminated once at the end. This holds
// that initialisation for the process: the first caller initialises, and Pa_Terminate runs
// when the last holder (the process-wide instance at exit, or a Microphone that outlives it)
// lets go. Internal to media/capture.
//
// PortAudio enumerates devices when it initialises, so a microphone plugged in later shows
// up only in a new process.
#include <memory>

namespace ibllm::media::detail {

class PortAudioSession {
public:
    // The shared session; throws MediaError when PortAudio cannot be initialised (no audio
    // system at all). The failure is remembered: every later call throws the same error.
    static std::shared_ptr<PortAudioSession> acquire();

    ~PortAudioSession();
    PortAudioSession(const PortAudioSession&) = delete;
    PortAudioSession& operator=(const PortAudioSession&) = delete;

private:
    PortAudioSession() = default;
};

}  // namespace ibllm::media::detail
