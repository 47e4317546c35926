#pragma once
// Where the tests find their files: tests/data (the fixtures copied from the shared set, so a
// plain clone runs every suite) and the built programs.
#include <QtCore/QString>

#include <string>

namespace ibllm::test {

// tests/data/<rel>.
inline std::string data_path(const std::string& rel) { return std::string(IBLLM_TEST_DATA) + "/" + rel; }
inline QString data_file(const QString& rel) { return QStringLiteral(IBLLM_TEST_DATA "/") + rel; }

// The LLaMA-Adapter fixture's files (tests/data/llama_adapter/).
inline std::string fixture(const std::string& file) { return data_path("llama_adapter/" + file); }

// A built program, e.g. bin_path("ibllm-cli").
inline QString bin_path(const QString& name) { return QStringLiteral(IBLLM_BIN_DIR "/") + name; }

}  // namespace ibllm::test
