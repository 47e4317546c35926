#pragma once
// LockFreeRing: a single-producer single-consumer ring of float samples. The PortAudio
// callback thread pushes, the app thread pops. push() never allocates, locks or waits, so the
// real-time audio thread can never be blocked by the reader.
//
// Overflow policy: when the ring is full, push() stores what fits and DROPS THE REST of that
// call (the newest samples), counting them in dropped(). The producer may not move the
// consumer's read position, so discarding the oldest samples instead is not possible without
// a lock; a full ring means the reader stopped draining for longer than the capacity, and
// the count lets the app tell the user that part of the recording is missing.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace ibllm::media {

class LockFreeRing {
public:
    explicit LockFreeRing(size_t capacity) : buffer_(new float[capacity > 0 ? capacity : 1]), capacity_(capacity > 0 ? capacity : 1) {}
    LockFreeRing(const LockFreeRing&) = delete;
    LockFreeRing& operator=(const LockFreeRing&) = delete;

    size_t capacity() const noexcept { return capacity_; }

    // Producer side. Returns how many of the `n` samples were stored (the rest are dropped).
    size_t push(const float* samples, size_t n) noexcept {
        const uint64_t write = write_.load(std::memory_order_relaxed);  // only this thread writes it
        const uint64_t read = read_.load(std::memory_order_acquire);
        const size_t free_space = capacity_ - static_cast<size_t>(write - read);
        const size_t stored = n < free_space ? n : free_space;
        copy_in(write, samples, stored);
        write_.store(write + stored, std::memory_order_release);  // publishes the samples
        if (stored < n) dropped_.fetch_add(n - stored, std::memory_order_relaxed);
        return stored;
    }

    // Consumer side. Moves up to `max_n` samples, oldest first, into `out`; returns how many.
    size_t pop(float* out, size_t max_n) noexcept {
        const uint64_t read = read_.load(std::memory_order_relaxed);  // only this thread writes it
        const uint64_t write = write_.load(std::memory_order_acquire);
        const size_t available = static_cast<size_t>(write - read);
        const size_t taken = max_n < available ? max_n : available;
        copy_out(read, out, taken);
        read_.store(read + taken, std::memory_order_release);  // frees the space
        return taken;
    }

    // Samples waiting to be popped (exact on the consumer thread, a snapshot elsewhere).
    size_t size() const noexcept {
        return static_cast<size_t>(write_.load(std::memory_order_acquire) - read_.load(std::memory_order_acquire));
    }

    // Samples push() had to drop since construction (or the last reset()).
    uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

    // Empties the ring. Only while neither side is running (e.g. before a stream starts).
    void reset() noexcept {
        read_.store(0, std::memory_order_relaxed);
        write_.store(0, std::memory_order_relaxed);
        dropped_.store(0, std::memory_order_relaxed);
    }

private:
    // The 64-bit positions only ever grow (they cannot wrap in practice: 2^64 samples is
    // millions of years of audio); the slot is position % capacity.
    void copy_in(uint64_t position, const float* src, size_t n) noexcept {
        const size_t start = static_cast<size_t>(position % capacity_);
        const size_t first = n < capacity_ - start ? n : capacity_ - start;
        for (size_t i = 0; i < first; ++i) buffer_[start + i] = src[i];
        for (size_t i = first; i < n; ++i) buffer_[i - first] = src[i];
    }
    void copy_out(uint64_t position, float* dst, size_t n) const noexcept {
        const size_t start = static_cast<size_t>(position % capacity_);
        const size_t first = n < capacity_ - start ? n : capacity_ - start;
        for (size_t i = 0; i < first; ++i) dst[i] = buffer_[start + i];
        for (size_t i = first; i < n; ++i) dst[i] = buffer_[i - first];
    }

    std::unique_ptr<float[]> buffer_;
    size_t capacity_;
    // On separate cache lines so the two threads do not invalidate each other's line on
    // every update.
    alignas(64) std::atomic<uint64_t> write_{0};
    alignas(64) std::atomic<uint64_t> read_{0};
    alignas(64) std::atomic<uint64_t> dropped_{0};
};

}  // namespace ibllm::media
