#pragma once
// The audio input devices PortAudio sees, and the choice of one for recording.
#include <string>
#include <vector>

namespace ibllm::media {

struct InputDevice {
    int index = -1;             // PortAudio device index, what Microphone takes
    std::string name;           // as the host API reports it, e.g. "HDA Intel PCH: ALC257 Analog (hw:0,0)"
    std::string host_api;       // "ALSA", "JACK Audio Connection Kit", ...
    int max_channels = 0;       // input channels
    double default_rate = 0.0;  // the device's preferred sample rate
    bool is_default = false;    // PortAudio's default input device
};

// Devices with at least one input channel, in PortAudio's order. Initialises PortAudio on
// first use (once per process); throws MediaError if the sound system cannot start.
std::vector<InputDevice> list_input_devices();

// The device to record from: `requested` >= 0 must be the index of one of `devices`;
// -1 means the default input device, or the first one when PortAudio names no default.
// Throws MediaError: "No microphone was found; connect one or choose another input device
// in the settings." when `devices` is empty, and a sentence naming the index when it is not
// an input device. Separate from Microphone so the choice can be tested without hardware.
const InputDevice& choose_input_device(const std::vector<InputDevice>& devices, int requested);

}  // namespace ibllm::media
