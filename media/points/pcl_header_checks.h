#pragma once
// Strict looks at .pcd and .ply headers before PCL reads a file. PCL trusts the header: on
// some corrupt or non-PCD files its PCDReader dereferences null, and Debian's PCL is built
// with assertions, so a PLY element count beyond 32 bits aborts the process. Checking the
// header and the data size first turns those files into a clear MediaError.
#include <string>

namespace ibllm::media::detail {

// Throws MediaError naming `path` unless the file starts with a complete, self-consistent
// PCD header (FIELDS/SIZE/TYPE/COUNT agree, WIDTH*HEIGHT == POINTS, a known DATA kind) and,
// for binary data, holds at least the bytes the header announces.
void check_pcd_header(const std::string& path);

// Throws MediaError naming `path` unless the file starts with a PLY header ("ply", a known
// format, "end_header") whose element counts fit in 31 bits and in the bytes that follow.
void check_ply_header(const std::string& path);

}  // namespace ibllm::media::detail
