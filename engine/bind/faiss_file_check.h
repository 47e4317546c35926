#pragma once
// A look at a FAISS index file before faiss reads it. faiss trusts the sizes a file states:
// a flat index (what knn.index is, and what `cache build` writes) that claims more vectors
// than the file holds makes it allocate the claimed size first and fail only then, which a
// damaged or cut-short download can turn into gigabytes. For the flat formats (fourcc IxFI,
// IxF2, IxFl) the header's dimension and count are checked against the file's size; other
// index types are left to faiss.
#include <string>

namespace ibllm {

// Throws Error (one sentence naming the file) when `path` is a flat FAISS index whose header
// does not match its size, or is too short to be any index.
void check_faiss_file(const std::string& path);

}  // namespace ibllm
