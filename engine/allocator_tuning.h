#pragma once
// Tunes the C library's allocator for the engine's pattern of large, short-lived activations.
// Called once by the first Engine; harmless to call again.
namespace ibllm {

void tune_allocator_for_inference();

}  // namespace ibllm
