#pragma once
// The fuzz input as a file the readers can open by path: an anonymous in-memory file
// (memfd) named through /proc/self/fd, so that readers which map or stream a path see the
// bytes exactly as they would a file on disk, with nothing written to the disk.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

class MemoryFile {
public:
    MemoryFile(const uint8_t* data, size_t size) : fd_(::memfd_create("fuzz-input", 0)) {
        if (fd_ >= 0 && size > 0 && ::write(fd_, data, size) != static_cast<ssize_t>(size)) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    ~MemoryFile() {
        if (fd_ >= 0) ::close(fd_);
    }
    MemoryFile(const MemoryFile&) = delete;
    MemoryFile& operator=(const MemoryFile&) = delete;

    bool ok() const { return fd_ >= 0; }
    std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

private:
    int fd_;
};

// Runs read(), taking the reader's one-sentence error (Error) as a valid outcome.
template <class Error, class Read>
void survive(Read read) {
    try {
        read();
    } catch (const Error&) {
    }
}
