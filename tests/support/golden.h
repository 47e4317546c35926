#pragma once
// Shared helpers of the parity tests: the fixture files in tests/data and comparisons that
// report the worst difference.
#include <ATen/ATen.h>
#include <QtTest/QtTest>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/checkpoint/tensor_store.h"
#include "test_paths.h"

namespace ibllm::test {

inline nlohmann::json load_json(const std::string& path) {
    std::ifstream in(path);
    nlohmann::json j;
    in >> j;
    return j;
}

inline double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
    return (a.to(at::kDouble) - b.to(at::kDouble).reshape(a.sizes())).abs().max().item<double>();
}

// max(|actual - expected| - (atol + rtol |expected|)) over the elements: at most 0 when every
// element is within the tolerance (the fixture READMEs' atol + rtol form).
inline double tolerance_excess(const at::Tensor& actual, const at::Tensor& expected, double atol, double rtol) {
    const at::Tensor a = actual.to(at::kDouble), e = expected.to(at::kDouble).reshape(a.sizes());
    return ((a - e).abs() - (atol + rtol * e.abs())).max().item<double>();
}

inline std::vector<int64_t> to_ids(const nlohmann::json& j) { return j.get<std::vector<int64_t>>(); }

}  // namespace ibllm::test

// Compares two tensors element-wise within `tol`, printing the worst difference on failure.
#define IBLLM_COMPARE_TENSORS(actual, expected, tol)                                                              \
    do {                                                                                                          \
        const at::Tensor _a = (actual), _e = (expected);                                                          \
        QCOMPARE(_a.numel(), _e.numel());                                                                          \
        const double _d = ibllm::test::max_abs_diff(_a, _e);                                                      \
        if (!(_d <= (tol))) QFAIL(qPrintable(QString("max abs diff %1 exceeds %2 for %3").arg(_d).arg(tol).arg(#actual))); \
    } while (0)
