#include "engine/checkpoint/atomic_file.h"

#include <cerrno>
#include <cstring>

#include <unistd.h>

#include "engine/error.h"

namespace ibllm {

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)), tmp_path_(path_ + ".tmp") {
    file_ = std::fopen(tmp_path_.c_str(), "wb");
    if (!file_) fail(errno);
    std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
}

AtomicFileWriter::~AtomicFileWriter() {
    if (file_) {
        std::fclose(file_);
        std::remove(tmp_path_.c_str());
    }
}

void AtomicFileWriter::fail(int err) const {
    std::string why = std::strerror(err);
    std::string fix = "check that the folder exists and is writable";
    if (err == ENOSPC || err == EDQUOT) fix = "free some disk space and try again";
    throw Error("Could not write " + path_ + " (" + why + "); " + fix + ".");
}

void AtomicFileWriter::write(const void* data, size_t size) {
    if (size && std::fwrite(data, 1, size, file_) != size) fail(errno ? errno : EIO);
    position_ += size;
}

void AtomicFileWriter::write_zeros(size_t size) {
    static const char zeros[256] = {};
    while (size) {
        const size_t n = size < sizeof zeros ? size : sizeof zeros;
        write(zeros, n);
        size -= n;
    }
}

void AtomicFileWriter::commit() {
    if (std::fflush(file_) != 0 || ::fsync(fileno(file_)) != 0) fail(errno);
    const int closed = std::fclose(file_);
    file_ = nullptr;
    if (closed != 0) {
        std::remove(tmp_path_.c_str());
        fail(errno);
    }
    if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
        const int err = errno;
        std::remove(tmp_path_.c_str());
        fail(err);
    }
}

}  // namespace ibllm
