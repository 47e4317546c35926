#include "media/capture/portaudio_session.h"

#include <portaudio.h>

#include <mutex>
#include <string>

#include "media/media_error.h"

namespace ibllm::media::detail {

std::shared_ptr<PortAudioSession> PortAudioSession::acquire() {
    static std::mutex mutex;
    static std::shared_ptr<PortAudioSession> session;  // keeps it alive until exit
    static std::string failure;
    std::lock_guard<std::mutex> lock(mutex);
    if (session) return session;
    if (failure.empty()) {
        const PaError err = Pa_Initialize();
        if (err == paNoError) {
            session.reset(new PortAudioSession());
            return session;
        }
        failure = std::string("The sound system could not be started (PortAudio: ") + Pa_GetErrorText(err) +
                  "); check that audio input is available on this computer.";
    }
    throw MediaError(failure);
}

PortAudioSession::~PortAudioSession() { Pa_Terminate(); }

}  // namespace ibllm::media::detail
