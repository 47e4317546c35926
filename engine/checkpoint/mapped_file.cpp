#include "engine/checkpoint/mapped_file.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/error.h"

namespace ibllm {

namespace {

// Closes the descriptor on every path out of open(); the mapping stays valid without it.
struct FdCloser {
    int fd;
    ~FdCloser() {
        if (fd >= 0) ::close(fd);
    }
};

std::string open_failure(const std::string& path, int err) {
    switch (err) {
    case ENOENT:
    case ENOTDIR:
        return path + " does not exist; check the path.";
    case EACCES:
    case EPERM:
        return path + " cannot be read (permission denied); check the file's permissions.";
    default:
        return path + " cannot be opened (" + std::strerror(err) + ").";
    }
}

}  // namespace

MappedFile::MappedFile(std::string path, const uint8_t* data, size_t size)
    : path_(std::move(path)), data_(data), size_(size) {}

std::shared_ptr<MappedFile> MappedFile::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(open_failure(path, errno));
    FdCloser closer{fd};

    struct stat st {};
    if (::fstat(fd, &st) != 0) throw Error(open_failure(path, errno));
    if (S_ISDIR(st.st_mode)) throw Error(path + " is a folder, not a file; choose the file inside it.");
    if (!S_ISREG(st.st_mode)) throw Error(path + " is not a regular file; choose a file on disk.");
    if (st.st_size == 0) throw Error(path + " is empty; download it again.");

    const size_t size = static_cast<size_t>(st.st_size);
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        throw Error(path + " cannot be mapped into memory (" + std::strerror(errno) + ").");
    return std::shared_ptr<MappedFile>(new MappedFile(path, static_cast<const uint8_t*>(p), size));
}

MappedFile::~MappedFile() {
    if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

bool MappedFile::contains(const void* p, size_t bytes) const {
    const auto* b = static_cast<const uint8_t*>(p);
    return b >= data_ && b <= data_ + size_ && bytes <= static_cast<size_t>(data_ + size_ - b);
}

void MappedFile::release(const void* begin, size_t bytes) const {
    if (!contains(begin, bytes) || bytes == 0) return;
    const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    const uintptr_t b = reinterpret_cast<uintptr_t>(begin);
    // Only pages that lie wholly inside the range: a neighbour tensor may share the edges.
    const uintptr_t first = (b + page - 1) / page * page;
    const uintptr_t last = (b + bytes) / page * page;
    if (last <= first) return;
    ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

}  // namespace ibllm
