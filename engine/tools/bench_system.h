#pragma once
// What the benchmark needs to know about the machine it runs on: memory bandwidth, the
// process's peak resident set, free memory and disk, the CPU's name, and a clock that
// several processes share.
#include <cstdint>
#include <string>

namespace ibllm::bench {

// Memory bandwidth in GB/s (1e9 bytes), `threads` threads each working on their share of a
// `bytes`-sized buffer, best of `repeats`; the buffers are touched first so page faults are
// not timed.
//  - read_gbs: a streaming read (a sum over the buffer). Decoding a token streams every weight
//    through the cores once and writes almost nothing, so this is the bound it runs against.
//  - copy_gbs: a large memcpy, counted as bytes copied per second (the usual memcpy figure;
//    the memory moves twice that, a read and a write of each byte).
struct Bandwidth {
    double read_gbs = 0;
    double copy_gbs = 0;
};
Bandwidth measure_bandwidth(int threads, size_t bytes = size_t(1) << 30, int repeats = 5);

// The cores' float32 FMA peak in GFLOP/s: every thread runs independent chains of fused
// multiply-adds (enough to cover the latency of two FMA pipes) on `vector_bits`-wide
// registers (256: AVX2 + FMA; 512: AVX-512F), best of a few repeats. 0 when the CPU lacks
// those instructions. The compute-bound products (prefill, the encoders) are judged against it.
double measure_fma_peak_gflops(int threads, int vector_bits);

// The process's peak resident set (VmHWM) in GiB; 0 when /proc is not readable.
double peak_rss_gib();
// Resets the peak (Linux: "5" into /proc/self/clear_refs), so that a measurement's own
// buffers do not count as the model's; false where that is not possible.
bool reset_peak_rss();
// The kernel's estimate of memory available to a new process (MemAvailable), in GiB.
double available_memory_gib();
double total_memory_gib();
// Free bytes for an unprivileged user on the file system holding `path` (or its nearest
// existing parent).
uint64_t free_disk_bytes(const std::string& path);

// The 1-minute load average (/proc/loadavg), -1 when unreadable. On a machine with as many
// busy processes as cores, every multi-threaded figure collapses (a parallel region waits
// for a thread that is not running), so the benchmark records it next to its figures.
double load_average_1m();

// "Intel(R) Xeon(R) Processor" from /proc/cpuinfo, or "unknown CPU".
std::string cpu_model();

// CLOCK_MONOTONIC in nanoseconds: the same clock in every process of the machine, so a
// parent can hand its launch time to a child and the child can measure launch-to-ready.
int64_t monotonic_ns();
double seconds_since_ns(int64_t start_ns);

}  // namespace ibllm::bench
