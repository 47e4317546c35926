#pragma once
// The sound of a solid (shared/solids-world.md): the colour sets the pitch (its tone, +-3%), the
// shape the timbre (sphere sine, cube square, pyramid triangle, cone sawtooth, cylinder sine with
// tremolo, torus sine with vibrato); 16-48 kHz, mono or stereo, 1.5-4 s, peak 0.2-0.8, 10-30 ms
// fades, white noise 20-40 dB below the signal. Harmonics stop below the Nyquist frequency.
#include <cstdint>
#include <random>
#include <vector>

#include "engine/world/solid_mesh.h"

namespace ibllm::world {

struct SoundSpec {
    double frequency = 440;  // Hz, the colour's tone with its jitter
    int sample_rate = 16000;
    int channels = 1;
    double seconds = 2;
    double peak = 0.5;
    double fade_s = 0.02;
    double snr_db = 30;      // signal over noise
};

SoundSpec random_sound(std::mt19937_64& rng, double tone_hz);

struct Sound {
    int sample_rate = 0, channels = 0;
    std::vector<float> samples;  // interleaved
};

Sound synthesize_solid(Shape shape, const SoundSpec& spec, uint64_t noise_seed);

}  // namespace ibllm::world
