#include "media/capture/input_devices.h"

#include <portaudio.h>

#include "media/capture/portaudio_session.h"
#include "media/media_error.h"

namespace ibllm::media {

std::vector<InputDevice> list_input_devices() {
    const auto session = detail::PortAudioSession::acquire();
    const PaDeviceIndex count = Pa_GetDeviceCount();
    if (count < 0)
        throw MediaError(std::string("The audio devices could not be listed (PortAudio: ") + Pa_GetErrorText(count) +
                         "); check the sound settings of this computer.");
    const PaDeviceIndex default_input = Pa_GetDefaultInputDevice();
    std::vector<InputDevice> devices;
    for (PaDeviceIndex i = 0; i < count; ++i) {
        const PaDeviceInfo* info = Pa_GetDeviceInfo(i);
        if (!info || info->maxInputChannels <= 0) continue;
        InputDevice d;
        d.index = i;
        d.name = info->name ? info->name : "";
        const PaHostApiInfo* api = Pa_GetHostApiInfo(info->hostApi);
        d.host_api = api && api->name ? api->name : "";
        d.max_channels = info->maxInputChannels;
        d.default_rate = info->defaultSampleRate;
        d.is_default = i == default_input;
        devices.push_back(std::move(d));
    }
    return devices;
}

const InputDevice& choose_input_device(const std::vector<InputDevice>& devices, int requested) {
    if (devices.empty())
        throw MediaError("No microphone was found; connect one or choose another input device in the settings.");
    if (requested == -1) {
        for (const auto& d : devices)
            if (d.is_default) return d;
        return devices.front();
    }
    for (const auto& d : devices)
        if (d.index == requested) return d;
    throw MediaError("Input device " + std::to_string(requested) +
                     " does not exist or cannot record; choose another input device in the settings.");
}

}  // namespace ibllm::media
