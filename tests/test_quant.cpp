// Weight-only quantised linear layers (engine/llama/kernels): the round-trip error of the int8
// and 4-bit formats, every kernel this CPU can run (and the portable one, forced) against
// dequantise-then-multiply, the bf16 decode kernel against the exact product, and the
// quantised language model against the exact one on the fixture model. Speed is measured by
// `ibllm-bench kernels`, not here.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <QtTest/QtTest>
#include <c10/util/Half.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <optional>

#include "engine/bind/bind_network.h"
#include "engine/bind/fusion.h"
#include "engine/engine.h"
#include "engine/llama/llama_weights.h"
#include "engine/llama/kernels/bf16_linear.h"
#include "engine/llama/kernels/kernel_abi.h"
#include "engine/llama/kernels/compute_paths.h"
#include "engine/llama/kernels/parallel_rows.h"
#include "engine/llama/kernels/quantized_linear.h"
#include "engine/llama/kernels/quantized_cache.h"
#include "engine/llama/kernels/quantized_matrix.h"
#include "engine/llama/kernels/weight_memory.h"
#include "engine/llama/tokenizer.h"
#include "engine/llama/transformer.h"
#include "golden.h"

using namespace ibllm;
using namespace ibllm::quant;
using namespace ibllm::test;

namespace {

// Forces one instruction set for the lifetime of the guard.
struct ForcedIsa {
    explicit ForcedIsa(KernelIsa isa) { force_kernel_isa(isa); }
    ~ForcedIsa() { force_kernel_isa(std::nullopt); }
};

// Gaussian weights, one all-zero row, and with `spikes` a few large outliers (a hard case for
// per-row int8 scales, which the outliers stretch).
at::Tensor test_matrix(int64_t N, int64_t K, uint64_t seed, bool spikes = true) {
    at::Generator gen = at::detail::createCPUGenerator(seed);
    at::Tensor w = at::normal(0.0, 0.05, {N, K}, gen);
    if (spikes) w = at::where(at::rand({N, K}, gen) < 0.002, w * 12.0, w);
    if (N > 2) w[1].zero_();
    return w.contiguous();
}

// Activations with a wide range, and one all-zero group when there is room.
at::Tensor test_activations(int64_t M, int64_t K, uint64_t seed) {
    at::Generator gen = at::detail::createCPUGenerator(seed);
    at::Tensor x = at::normal(0.0, 1.0, {M, K}, gen);
    x = at::where(at::rand({M, K}, gen) < 0.01, x * 20.0, x);
    if (K >= 64) x.narrow(1, 32, 32).zero_();
    return x.contiguous();
}

// What the kernels are specified to compute: dequantised W times dequantised int8 x, in double.
at::Tensor reference_product(const QuantizedMatrix& q, const at::Tensor& x) {
    return at::matmul(quantize_dequantize_activations(x).to(at::kDouble), dequantize_matrix(q).to(at::kDouble).t());
}

// The float rounding a kernel may add: relative to the sum of |terms|, including the unsigned
// weight offset (128 for int8, 64 for a 4-bit level) that the kernels subtract after summing.
at::Tensor rounding_bound(const QuantizedMatrix& q, const at::Tensor& x) {
    const at::Tensor xa = quantize_dequantize_activations(x).to(at::kDouble).abs();
    at::Tensor wa = dequantize_matrix(q).to(at::kDouble).abs();
    if (q.format == WeightFormat::Int8)
        wa = wa + 128.0 * q.scales.to(at::kDouble).unsqueeze(1);
    else
        wa = wa + double(abi::kQ4Offset) * q.scales.to(at::kDouble).abs().repeat_interleave(abi::kGroup, 1).narrow(1, 0, q.cols);
    return 2e-6 * at::matmul(xa, wa.t()) + 1e-12;
}

float argmax_agreement(const at::Tensor& a, const at::Tensor& b) {
    return (a.argmax(-1) == b.argmax(-1)).to(at::kFloat).mean().item<float>();
}

// Whether the kernel may back the mapping holding `p` with transparent huge pages
// (/proc/self/smaps: "THPeligible: 1"), or nullopt where smaps does not say.
std::optional<bool> thp_eligible(const void* p) {
    std::ifstream smaps("/proc/self/smaps");
    const auto addr = reinterpret_cast<uintptr_t>(p);
    std::string line;
    bool inside = false;
    while (std::getline(smaps, line)) {
        unsigned long lo = 0, hi = 0;
        if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2) {  // a mapping's first line
            inside = addr >= lo && addr < hi;
            continue;
        }
        if (inside && line.rfind("THPeligible:", 0) == 0) return line.find('1') != std::string::npos;
    }
    return std::nullopt;
}

// True when this machine's kernel hands out transparent huge pages at all.
bool thp_available() {
    std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string mode;
    std::getline(f, mode);
    return !mode.empty() && mode.find("[never]") == std::string::npos;
}

}  // namespace

class TestQuant : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void formatNamesParse() {
        QVERIFY(parse_weight_format("bf16") == WeightFormat::Bf16);
        QVERIFY(parse_weight_format("int8") == WeightFormat::Int8);
        QVERIFY(parse_weight_format("q4") == WeightFormat::Q4);
        QCOMPARE(to_string(WeightFormat::Q4), std::string("q4"));
        QVERIFY_THROWS_EXCEPTION(Error, parse_weight_format("q3"));
    }

    void laneOrderIsAPermutation() {
        std::vector<int> seen(abi::kSuperblock, 0);
        for (int g = 0; g < 2; ++g)
            for (int e = 0; e < abi::kGroup; ++e) {
                const int zp = abi::lane_position(g, e);
                QVERIFY(zp >= 0 && zp < abi::kSuperblock);
                QCOMPARE((zp / 4) % 2, g);  // lane L carries group L % 2
                ++seen[zp];
            }
        QVERIFY(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }));
    }

    // The kernels' own float <-> half conversions (no F16C needed) agree with c10::Half.
    void halfConversionsMatchC10() {
        at::Generator gen = at::detail::createCPUGenerator(5);
        const at::Tensor v = at::cat({at::normal(0.0, 1.0, {2000}, gen) * at::pow(10.0, at::randint(-9, 6, {2000}, gen)),
                                      at::tensor({0.0f, -0.0f, 65504.0f, 65520.0f, 1e6f, -1e6f, 6.0e-8f, 2.9e-8f, 6.1e-5f})});
        for (int64_t i = 0; i < v.numel(); ++i) {
            const float f = v[i].item<float>();
            const uint16_t h = abi::float_to_half_bits(f);
            QCOMPARE(h, c10::Half(f).x);
            const float back = abi::half_bits_to_float(h);
            const float expected = static_cast<float>(c10::Half(f));
            QVERIFY(back == expected || (std::isnan(back) && std::isnan(expected)));
        }
    }

    // Every instruction set quantises a matrix to the same bytes.
    void quantisedBytesAreTheSameOnEveryPath() {
        const at::Tensor w = test_matrix(29, 300, 16).to(at::kHalf);  // an fp16 source, as in checkpoints
        for (WeightFormat f : {WeightFormat::Int8, WeightFormat::Q4}) {
            std::optional<QuantizedMatrix> first;
            for (KernelIsa isa : supported_kernel_isas()) {
                ForcedIsa forced(isa);
                const QuantizedMatrix q = quantize_matrix(w, f);
                if (!first) first = q;
                QVERIFY2(at::equal(q.data, first->data) && at::equal(q.scales, first->scales),
                         qPrintable(QString::fromStdString(to_string(isa) + " " + to_string(f))));
            }
        }
    }

    void int8RoundTripWithinHalfAStep() {
        const at::Tensor w = test_matrix(37, 200, 1);
        const QuantizedMatrix q = quantize_matrix(w, WeightFormat::Int8);
        QCOMPARE(q.padded_cols, int64_t(256));
        QCOMPARE(q.weight_bytes(), int64_t(37 * 256 + 37 * 4));
        const at::Tensor err = (dequantize_matrix(q) - w).abs();
        // Per channel: d = max|w| / 127, and every weight within d / 2 of its value.
        const at::Tensor step = w.abs().amax(1) / 127.0;
        QVERIFY(at::allclose(q.scales, step, 1e-6, 0));
        QVERIFY((err <= step.unsqueeze(1) * 0.5001 + 1e-9).all().item<bool>());
        QCOMPARE(err[1].max().item<double>(), 0.0);  // the zero row stays zero
        // Gaussian rows of 200: max|w| ~ 2.9 sigma, so the RMS error is ~0.0066 of the RMS weight.
        const at::Tensor g = test_matrix(37, 200, 11, false);
        const double rel_rms = ((dequantize_matrix(quantize_matrix(g, WeightFormat::Int8)) - g).pow(2).mean() / g.pow(2).mean())
                                   .sqrt()
                                   .item<double>();
        qInfo("int8 round trip, gaussian: relative RMS error %.5f", rel_rms);
        QVERIFY(rel_rms < 0.008);
    }

    // Each weight is its group's scale times the nearest of the sixteen levels.
    static at::Tensor q4_levels() {
        std::vector<double> v(std::begin(abi::kQ4Levels), std::end(abi::kQ4Levels));
        return at::tensor(v, at::kDouble);
    }
    static at::Tensor nearest_level(const at::Tensor& r) {  // r = w / d, any shape
        const at::Tensor levels = q4_levels();
        const at::Tensor dist = (r.to(at::kDouble).unsqueeze(-1) - levels).abs();
        return levels.index({dist.argmin(-1)});
    }

    void q4RoundTripNearestLevel() {
        const at::Tensor w = test_matrix(37, 200, 2);  // 200 = 6 groups of 32 + 8
        const QuantizedMatrix q = quantize_matrix(w, WeightFormat::Q4);
        QCOMPARE(q.data.size(1), int64_t(128));
        QCOMPARE(q.scales.size(1), int64_t(8));
        QCOMPARE(q.weight_bytes(), int64_t(37 * 128 + 37 * 8 * 2));
        const at::Tensor deq = dequantize_matrix(q).to(at::kDouble);
        const at::Tensor d = q.scales.to(at::kDouble).repeat_interleave(32, 1).narrow(1, 0, 200);  // signed scales
        // Every weight is d times one of the levels ...
        const at::Tensor r = at::where(d != 0, deq / d, at::zeros_like(d));
        const at::Tensor off_level = (r.unsqueeze(-1) - q4_levels()).abs().amin(-1);
        QVERIFY(at::where(d != 0, off_level, at::zeros_like(off_level)).max().item<double>() < 1e-4);  // float32 products
        // ... the nearest one to w / d (a tie may go either way).
        const at::Tensor wd = w.to(at::kDouble);
        const at::Tensor best = nearest_level(at::where(d != 0, wd / d, at::zeros_like(d))) * d;
        QVERIFY(((deq - wd).abs() <= (best - wd).abs() + 1e-6 * d.abs() + 1e-12).all().item<bool>());
        // The chosen scales are never worse, per group, than mapping the largest weight to -64.
        const at::Tensor groups = wd.narrow(1, 0, 192).reshape({37 * 6, 32});
        const at::Tensor extreme = groups.gather(1, groups.abs().argmax(1, true));
        const at::Tensor d0 = (extreme / -64.0).to(at::kHalf).to(at::kDouble);
        const at::Tensor q0 = nearest_level(at::where(d0 != 0, groups / d0, at::zeros_like(groups)));
        const at::Tensor err0 = (groups - q0 * d0).pow(2).sum(1);
        const at::Tensor err1 = (groups - deq.narrow(1, 0, 192).reshape({37 * 6, 32})).pow(2).sum(1);
        QVERIFY((err1 <= err0 * 1.0001 + 1e-12).all().item<bool>());
        QCOMPARE((deq[1]).abs().max().item<double>(), 0.0);  // the zero row stays zero
        // Groups of 32: about 9% less RMS error than the evenly spaced levels -8..7 would give
        // on gaussian weights (0.0826 of the RMS weight), 15% less on Student-t(5) ones.
        const at::Tensor g = test_matrix(37, 200, 12, false);
        const double rel_rms =
            ((dequantize_matrix(quantize_matrix(g, WeightFormat::Q4)) - g).pow(2).mean() / g.pow(2).mean()).sqrt().item<double>();
        qInfo("q4 round trip, gaussian: relative RMS error %.5f", rel_rms);
        QVERIFY(rel_rms < 0.078);
        at::Generator gen = at::detail::createCPUGenerator(13);
        const at::Tensor chi = at::normal(0.0, 1.0, {37, 5, 200}, gen).pow(2).sum(1) / 5.0;
        const at::Tensor t5 = (at::normal(0.0, 0.05, {37, 200}, gen) / chi.sqrt()).contiguous();  // Student-t, 5 degrees
        const double rel_rms_t =
            ((dequantize_matrix(quantize_matrix(t5, WeightFormat::Q4)) - t5).pow(2).mean() / t5.pow(2).mean()).sqrt().item<double>();
        qInfo("q4 round trip, Student-t(5): relative RMS error %.5f", rel_rms_t);
        QVERIFY(rel_rms_t < 0.095);
    }

    void activationQuantisationWithinHalfAStep() {
        const at::Tensor x = test_activations(3, 100, 3);
        const at::Tensor xq = quantize_dequantize_activations(x);
        for (int64_t k0 = 0; k0 < 100; k0 += 32) {
            const int64_t n = std::min<int64_t>(32, 100 - k0);
            const at::Tensor xs = x.narrow(1, k0, n), qs = xq.narrow(1, k0, n);
            const at::Tensor step = xs.abs().amax(1, true) / 127.0;
            QVERIFY(((qs - xs).abs() <= step * 0.5001 + 1e-12).all().item<bool>());
        }
    }

    // Every instruction set prepares the same activation bytes and floats, equal to the reference.
    void activationBytesAreTheSameOnEveryPath() {
        const int64_t M = 3, K = 150, S = 3;  // K not a multiple of 32 or 64
        const at::Tensor x = test_activations(M, K, 4);
        const at::Tensor expected = quantize_dequantize_activations(x);
        struct Prepared {
            std::vector<int8_t> q;
            std::vector<float> scales, sums;
        };
        std::optional<Prepared> first;
        for (KernelIsa isa : supported_kernel_isas()) {
            Prepared p{std::vector<int8_t>(M * S * 64), std::vector<float>(M * abi::scale_row_floats(S), -1.0f), std::vector<float>(M)};
            const abi::ActivationBuffers buf{p.q.data(), p.scales.data(), p.sums.data()};
            const auto prepare = isa == KernelIsa::Avx512Vnni ? abi::prepare_avx512
                               : isa == KernelIsa::Avx2       ? abi::prepare_avx2
                                                              : abi::prepare_scalar;
            prepare(x.data_ptr<float>(), M, K, K, S, buf);
            if (!first) first = p;
            const QString name = QString::fromStdString(to_string(isa));
            QVERIFY2(p.q == first->q, qPrintable(name));
            QVERIFY2(p.scales == first->scales, qPrintable(name));
            for (int64_t m = 0; m < M; ++m)  // both runs zero-padded (the buffer started at -1)
                for (int64_t g = 2 * S; g < abi::scale_run(S); ++g) {
                    QCOMPARE(p.scales[m * abi::scale_row_floats(S) + g], 0.0f);
                    QCOMPARE(p.scales[m * abi::scale_row_floats(S) + abi::scale_run(S) + g], 0.0f);
                }
            QVERIFY2(p.sums == first->sums, qPrintable(name));
            for (int64_t m = 0; m < M; ++m)
                for (int64_t k = 0; k < K; ++k) {
                    const int64_t s = k / 64, g = (k % 64) / 32, e = k % 32;
                    const float v = p.q[m * S * 64 + s * 64 + abi::lane_position(int(g), int(e))] * p.scales[m * abi::scale_row_floats(S) + 2 * s + g];
                    QCOMPARE(v, expected[m][k].item<float>());
                }
        }
    }

    void kernelsMatchDequantisedProduct_data() {
        QTest::addColumn<int>("isa");
        QTest::addColumn<int>("format");
        QTest::addColumn<int>("path");
        QTest::addColumn<int>("N");
        QTest::addColumn<int>("K");
        QTest::addColumn<int>("M");
        const std::vector<std::array<int, 3>> shapes = {
            {1, 64, 1}, {37, 100, 1}, {37, 200, 37}, {64, 4160, 5}, {2048, 512, 1}, {96, 1000, 2}, {33, 31, 4},
            // prefill-sized inputs: the blocked kernels' full tiles, their edges and odd counts
            {70, 300, 64}, {131, 1100, 101}, {9, 4160, 50}};
        const std::vector<std::array<int, 3>> dense_shapes = {{37, 200, 37}, {300, 1000, 16}, {5, 70, 1}};
        for (KernelIsa isa : supported_kernel_isas())
            for (WeightFormat f : {WeightFormat::Int8, WeightFormat::Q4})
                for (MatmulPath path : {MatmulPath::Integer, MatmulPath::Dense})
                    for (const auto& s : path == MatmulPath::Integer ? shapes : dense_shapes) {
                        const std::string name = to_string(isa) + " " + to_string(f) +
                                                 (path == MatmulPath::Integer ? " integer" : " dense") + " N" +
                                                 std::to_string(s[0]) + " K" + std::to_string(s[1]) + " M" + std::to_string(s[2]);
                        QTest::newRow(name.c_str()) << int(isa) << int(f) << int(path) << s[0] << s[1] << s[2];
                    }
    }

    // The integer path against dequantised W times dequantised int8 x; the dense path (float32
    // tiles here) against dequantised W times x. Both in double, within float rounding.
    void kernelsMatchDequantisedProduct() {
        QFETCH(int, isa);
        QFETCH(int, format);
        QFETCH(int, path);
        QFETCH(int, N);
        QFETCH(int, K);
        QFETCH(int, M);
        ForcedIsa forced(static_cast<KernelIsa>(isa));
        QVERIFY(active_kernel_isa() == static_cast<KernelIsa>(isa));
        const at::Tensor w = test_matrix(N, K, 10 + N);
        const at::Tensor x = test_activations(M, K, 20 + K);
        const QuantizedMatrix q = quantize_matrix(w, static_cast<WeightFormat>(format));
        const at::Tensor y = quantized_linear(x, q, static_cast<MatmulPath>(path));
        QVERIFY(y.sizes() == (at::IntArrayRef{M, N}));
        at::Tensor ref, bound;
        if (static_cast<MatmulPath>(path) == MatmulPath::Integer) {
            ref = reference_product(q, x);
            bound = rounding_bound(q, x);
        } else {
            const at::Tensor wd = dequantize_matrix(q).to(at::kDouble);
            ref = at::matmul(x.to(at::kDouble), wd.t());
            bound = 2e-6 * at::matmul(x.to(at::kDouble).abs(), wd.abs().t()) + 1e-12;
        }
        const at::Tensor err = (y.to(at::kDouble) - ref).abs();
        const double worst = (err / bound).max().item<double>();
        if (!(worst <= 1.0))
            QFAIL(qPrintable(QString("error %1 x the rounding bound (max abs error %2)").arg(worst).arg(err.max().item<double>())));
    }

    void bf16KernelMatchesExactProduct_data() {
        QTest::addColumn<int>("isa");
        QTest::addColumn<int>("N");
        QTest::addColumn<int>("K");
        QTest::addColumn<int>("M");
        const std::vector<std::array<int, 3>> shapes = {{1, 1, 1},   {5, 31, 1},    {37, 100, 3}, {64, 4160, 1},
                                                        {33, 17, 4}, {2048, 512, 2}, {7, 48, 4}};
        for (KernelIsa isa : supported_kernel_isas())
            for (const auto& s : shapes) {
                const std::string name = to_string(isa) + " N" + std::to_string(s[0]) + " K" + std::to_string(s[1]) + " M" +
                                         std::to_string(s[2]);
                QTest::newRow(name.c_str()) << int(isa) << s[0] << s[1] << s[2];
            }
    }

    // The bf16 decode kernel on every instruction set: float32 x times the bf16 weights as
    // they are (widened exactly), within float32 summation rounding of the double product.
    void bf16KernelMatchesExactProduct() {
        QFETCH(int, isa);
        QFETCH(int, N);
        QFETCH(int, K);
        QFETCH(int, M);
        ForcedIsa forced(static_cast<KernelIsa>(isa));
        const at::Tensor wb = test_matrix(N, K, 30 + N).to(at::kBFloat16);
        const at::Tensor x = test_activations(M, K, 40 + K);
        const at::Tensor y = bf16_linear(x, wb);
        QVERIFY(y.sizes() == (at::IntArrayRef{M, N}));
        QCOMPARE(y.scalar_type(), at::kFloat);
        const at::Tensor wd = wb.to(at::kDouble), xd = x.to(at::kDouble);
        const at::Tensor ref = at::matmul(xd, wd.t());
        const at::Tensor bound = 1e-5 * at::matmul(xd.abs(), wd.abs().t()) + 1e-12;
        const at::Tensor err = (y.to(at::kDouble) - ref).abs();
        const double worst = (err / bound).max().item<double>();
        if (!(worst <= 1.0)) QFAIL(qPrintable(QString("error %1 x the rounding bound").arg(worst)));
    }

    void bf16PrefillKernelMatchesExactProduct_data() {
        QTest::addColumn<int>("isa");
        QTest::addColumn<int>("N");
        QTest::addColumn<int>("K");
        QTest::addColumn<int>("M");
        // Full tiles and panels, every tail (rows of x, weight rows, columns not a multiple of
        // 8), and K over one panel's 1024 columns.
        const std::vector<std::array<int, 3>> shapes = {{16, 64, 3},  {37, 100, 7},  {5, 31, 1},
                                                        {64, 2500, 50}, {300, 1024, 65}, {3, 8, 2}};
        for (KernelIsa isa : supported_kernel_isas())
            for (const auto& s : shapes) {
                const std::string name = to_string(isa) + " N" + std::to_string(s[0]) + " K" + std::to_string(s[1]) + " M" +
                                         std::to_string(s[2]);
                QTest::newRow(name.c_str()) << int(isa) << s[0] << s[1] << s[2];
            }
    }

    // The prefill product of bf16 weights without bf16 instructions, on every instruction set:
    // float32 x times the widened weights, within float32 summation rounding of the double
    // product (x is not rounded to bf16).
    void bf16PrefillKernelMatchesExactProduct() {
        QFETCH(int, isa);
        QFETCH(int, N);
        QFETCH(int, K);
        QFETCH(int, M);
        ForcedIsa forced(static_cast<KernelIsa>(isa));
        const at::Tensor wb = test_matrix(N, K, 35 + N).to(at::kBFloat16);
        const at::Tensor x = test_activations(M, K, 45 + K);
        const at::Tensor y = bf16_prefill_linear(x, wb);
        QVERIFY(y.sizes() == (at::IntArrayRef{M, N}));
        const at::Tensor wd = wb.to(at::kDouble), xd = x.to(at::kDouble);
        const at::Tensor ref = at::matmul(xd, wd.t());
        const at::Tensor bound = 1e-5 * at::matmul(xd.abs(), wd.abs().t()) + 1e-12;
        const at::Tensor err = (y.to(at::kDouble) - ref).abs();
        const double worst = (err / bound).max().item<double>();
        if (!(worst <= 1.0)) QFAIL(qPrintable(QString("error %1 x the rounding bound").arg(worst)));
        // A 3-d input gives the same rows.
        QVERIFY(at::equal(bf16_prefill_linear(x.view({1, M, K}), wb).view({M, N}), y));
    }

    // A bf16 Linear takes the kernel for a few rows (x kept in float32, so closer to the
    // double product than at::linear, which rounds x to bf16) and at::linear beyond; a
    // non-contiguous weight falls back to at::linear instead of failing.
    void bf16LinearRoutesByRows() {
        const at::Tensor w = test_matrix(40, 96, 31).to(at::kBFloat16);
        const at::Tensor bias = at::arange(40, at::kFloat);
        Linear l{w, bias, nullptr};
        for (int64_t M : {int64_t(1), kBf16KernelMaxRows, kBf16KernelMaxRows + 1, int64_t(64)}) {
            const at::Tensor x = test_activations(M, 96, 32);
            const at::Tensor y = l(x);
            QCOMPARE(y.scalar_type(), at::kFloat);
            const at::Tensor ref = at::matmul(x.to(at::kDouble), w.to(at::kDouble).t()) + bias.to(at::kDouble);
            const double err = (y.to(at::kDouble) - ref).abs().max().item<double>();
            if (M <= kBf16KernelMaxRows) {
                QVERIFY2(err < 1e-4, qPrintable(QString("kernel rows %1: error %2").arg(M).arg(err)));
                QVERIFY(at::equal(y, bf16_linear(x, w) + bias));
            } else {
                QVERIFY2(err < 0.5, qPrintable(QString("at::linear rows %1: error %2").arg(M).arg(err)));  // x in bf16
            }
        }
        Linear strided{w.t().contiguous().t(), at::Tensor(), nullptr};
        QVERIFY(strided.weight.stride(1) != 1);
        const at::Tensor x = test_activations(1, 96, 33);
        QVERIFY(at::allclose(strided(x), bf16_linear(x, w), 0.0, 0.5));
        // The kernels add the bias themselves: one they cannot read as 40 floats is refused.
        const Linear strided_bias{w, at::arange(80, at::kFloat).slice(0, 0, 80, 2), nullptr};
        QVERIFY_EXCEPTION_THROWN(strided_bias(x), c10::Error);
        const Linear short_bias{w, at::arange(39, at::kFloat), nullptr};
        QVERIFY_EXCEPTION_THROWN(short_bias(x), c10::Error);
    }

    // Many rows of bf16 weights (prefill): in bf16 where the CPU multiplies bf16, else in
    // float32 from the upcast weights, a block of rows at a time (a matrix taller than one
    // block here); both close to the exact product, the float32 path far closer.
    void bf16PrefillProductsFollowTheCpu() {
        const at::Tensor w = test_matrix(9000, 512, 41).to(at::kBFloat16);  // 9000 x 512 x 4 B: more than one 16 MB block
        const Linear l{w, at::Tensor(), nullptr};
        const at::Tensor x = test_activations(24, 512, 42);
        const at::Tensor ref = at::matmul(x.to(at::kDouble), w.to(at::kDouble).t());
        for (const bool native : {false, true}) {
            quant::force_native_bf16_matmul(native);
            const at::Tensor y = l(x);
            const double err = (y.to(at::kDouble) - ref).abs().max().item<double>();
            if (native)
                QVERIFY2(err < 2.0, qPrintable(QString("bf16 products: error %1").arg(err)));  // x rounded to bf16
            else {
                QVERIFY2(err < 1e-3, qPrintable(QString("float32 products: error %1").arg(err)));
                QVERIFY(at::equal(y, bf16_prefill_linear(x, w)));  // the FMA tiles, not BLAS
            }
        }
        quant::force_native_bf16_matmul(std::nullopt);
    }

    // Projections that share their input give, run as one group, the bits of running each
    // (quantised and bf16, with biases, for one and three rows); a mixed group falls back.
    void groupedProjectionsEqualSeparateOnes() {
        const at::Tensor bias = at::linspace(-1, 1, 70, at::kFloat);
        for (const std::string fmt : {"int8", "q4", "bf16"}) {
            std::vector<Linear> ls;
            for (int64_t n : {70, 33, 130}) {
                const at::Tensor w = test_matrix(n, 200, 50 + n);
                Linear l;
                if (fmt == "bf16")
                    l.weight = w.to(at::kBFloat16);
                else
                    l.quantized = std::make_shared<QuantizedMatrix>(
                        quantize_matrix(w, fmt == "int8" ? WeightFormat::Int8 : WeightFormat::Q4));
                if (n == 70) l.bias = bias;
                ls.push_back(l);
            }
            for (int64_t M : {1, 3}) {
                const at::Tensor x = test_activations(M, 200, 60);
                const std::vector<at::Tensor> ys = apply_projections(x, {&ls[0], &ls[1], &ls[2]});
                QCOMPARE(int(ys.size()), 3);
                for (int i = 0; i < 3; ++i) QVERIFY2(at::equal(ys[i], ls[i](x)), qPrintable(QString::fromStdString(fmt)));
                // The kernels add the bias as they write each chunk: the product without it, plus it.
                const at::Tensor plain = fmt == "bf16" ? bf16_linear(x, ls[0].weight) : quantized_linear(x, *ls[0].quantized);
                QVERIFY2(at::equal(ys[0], plain + bias), qPrintable(QString::fromStdString(fmt)));
            }
        }
        Linear dense{test_matrix(20, 200, 70), at::Tensor(), nullptr};  // float32: at::linear
        Linear q8{at::Tensor(), at::Tensor(), std::make_shared<QuantizedMatrix>(quantize_matrix(test_matrix(20, 200, 71), WeightFormat::Int8))};
        const at::Tensor x = test_activations(1, 200, 72);
        const std::vector<at::Tensor> mixed = apply_projections(x, {&dense, &q8});
        QVERIFY(at::equal(mixed[0], dense(x)));
        QVERIFY(at::equal(mixed[1], q8(x)));
    }

    // The split of a product's rows over the threads: every row exactly once, chunks in
    // multiples of 4 rows (the kernels' block) but for the very end, no more than chunk_bytes,
    // and shrinking chunks at the end (several chunks smaller than the largest).
    void parallelRowsCoverEveryRowOnce() {
        const int threads_before = at::get_num_threads();
        at::set_num_threads(2);  // split even on a one-core runner (the threads then take turns)
        for (const auto& [rows, row_bytes] : std::vector<std::pair<int64_t, int64_t>>{{10007, 1152}, {2048, 3168}, {32000, 8192}, {300, 1000}}) {
            std::vector<std::atomic<int>> seen(rows);
            std::mutex m;
            std::vector<std::pair<int64_t, int64_t>> chunks;
            parallel_rows(rows, row_bytes, [&](int64_t a, int64_t b) {
                for (int64_t r = a; r < b; ++r) seen[r].fetch_add(1);
                std::lock_guard<std::mutex> lock(m);
                chunks.emplace_back(a, b);
            });
            for (int64_t r = 0; r < rows; ++r) QCOMPARE(seen[r].load(), 1);
            int64_t largest = 0, smaller = 0;
            for (const auto& [a, b] : chunks) {
                QVERIFY(a % 4 == 0 && (b % 4 == 0 || b == rows));
                QVERIFY((b - a) * row_bytes <= (int64_t(1) << 20) || b - a == 4);
                largest = std::max(largest, b - a);
            }
            for (const auto& [a, b] : chunks) smaller += (b - a) < largest;
            QVERIFY2(chunks.size() >= 4 && smaller >= 2, qPrintable(QString("%1 rows: %2 chunks").arg(rows).arg(chunks.size())));
        }
        at::set_num_threads(threads_before);
    }

    // The dense path's per-instruction-set dequantisers give exactly dequantize_matrix.
    void dequantisersMatchReference() {
        for (WeightFormat f : {WeightFormat::Int8, WeightFormat::Q4}) {
            const at::Tensor w = test_matrix(19, 150, 13);
            const QuantizedMatrix q = quantize_matrix(w, f);
            const at::Tensor expected = dequantize_matrix(q);
            for (KernelIsa isa : supported_kernel_isas()) {
                ForcedIsa forced(isa);
                // Through the dense path with an identity input: y = I W^T = W^T.
                const at::Tensor eye = at::eye(150, at::kFloat);
                const at::Tensor wt = quantized_linear(eye, q, MatmulPath::Dense);
                QVERIFY2(at::equal(wt.t(), expected), qPrintable(QString::fromStdString(to_string(isa) + " " + to_string(f))));
            }
        }
    }

    // With bf16 tiles (the bf16 models' prefill) the product is within bf16 rounding.
    void densePathInBf16() {
        const at::Tensor w = test_matrix(64, 256, 14);
        const at::Tensor x = test_activations(kDenseMinRows, 256, 15);
        QuantizedMatrix q = quantize_matrix(w, WeightFormat::Q4, at::kBFloat16);
        QVERIFY(q.dense_dtype == at::kBFloat16);
        const at::Tensor y = quantized_linear(x, q);  // kDenseMinRows rows: the dense path
        const at::Tensor ref = at::matmul(x, dequantize_matrix(q).t());
        const double rel = ((y - ref).abs().max() / ref.abs().max()).item<double>();
        QVERIFY2(rel < 2e-2, qPrintable(QString("relative error %1").arg(rel)));
    }

    // Prefill with quantised weights follows compute_paths(): the integer kernels where it says
    // so (bit for bit the explicit integer path, on every instruction set), else dequantised
    // tiles, which are float32 wherever bf16 is not native even for a bf16 model (oneDNN's
    // generic bf16 product took minutes per prompt there).
    void quantisedPrefillFollowsTheComputePaths() {
        const at::Tensor w = test_matrix(96, 320, 16);
        const at::Tensor x = test_activations(kDenseMinRows + 16, 320, 17);
        for (WeightFormat f : {WeightFormat::Int8, WeightFormat::Q4}) {
            const QuantizedMatrix q = quantize_matrix(w, f, at::kBFloat16);
            QuantizedMatrix q32 = q;
            q32.dense_dtype = at::kFloat;
            for (KernelIsa isa : supported_kernel_isas()) {
                ForcedIsa forced(isa);
                const QString name = QString::fromStdString(to_string(isa) + " " + to_string(f));
                force_quant_prefill(QuantPrefill::Integer);
                QVERIFY2(takes_integer_path(kDenseMinRows + 16), qPrintable(name));
                QVERIFY2(at::equal(quantized_linear(x, q), quantized_linear(x, q, MatmulPath::Integer)), qPrintable(name));
                force_quant_prefill(QuantPrefill::DenseTiles);
                QVERIFY2(!takes_integer_path(kDenseMinRows) && takes_integer_path(kDenseMinRows - 1), qPrintable(name));
                QVERIFY2(at::equal(quantized_linear(x, q), quantized_linear(x, q, MatmulPath::Dense)), qPrintable(name));
                force_native_bf16_matmul(false);
                QVERIFY2(at::equal(quantized_linear(x, q), quantized_linear(x, q32)), qPrintable(name));
                force_native_bf16_matmul(std::nullopt);
            }
            force_quant_prefill(std::nullopt);
        }
        // The automatic choice: the integer kernels, but for AMX (bf16 tiles) and the scalar kernels.
        for (const bool native : {false, true}) {
            force_native_bf16_matmul(native);
            const ComputePaths p = compute_paths();
            QCOMPARE(p.native_bf16, native);
            if (qEnvironmentVariableIsEmpty("IBLLM_QUANT_PREFILL") && p.kernels != KernelIsa::Scalar)
                QVERIFY(p.quant_prefill == (native && cpu_features().amx_bf16 ? QuantPrefill::DenseTiles : QuantPrefill::Integer));
            const std::string text = describe_compute_paths(true);
            QVERIFY2(text.find("CPU features: ") == 0, text.c_str());
            QVERIFY2(text.find(native ? "bf16 (oneDNN)" : "float32 from bf16 weights") != std::string::npos, text.c_str());
        }
        force_native_bf16_matmul(std::nullopt);
    }

    // A 3-d input and a strided one go through the same kernel, and a repeated call of the
    // same size gives the same bits (no state left from the previous call).
    void linearHandlesShapesAndRepeats() {
        const at::Tensor w = test_matrix(50, 96, 5);
        const QuantizedMatrix q = quantize_matrix(w, WeightFormat::Q4);
        const at::Tensor x = test_activations(6, 96, 6);
        const at::Tensor y2 = quantized_linear(x, q);
        const at::Tensor y3 = quantized_linear(x.reshape({2, 3, 96}), q);
        QVERIFY(y3.sizes() == (at::IntArrayRef{2, 3, 50}));
        QVERIFY(at::equal(y3.reshape({6, 50}), y2));
        QVERIFY(at::equal(quantized_linear(x.t().contiguous().t(), q), y2));
        QVERIFY(at::equal(quantized_linear(x, q), y2));
    }

    // Against the float product (what the exact path computes): small relative error. The
    // activations carry 1% outliers (x20), which coarsen their int8 groups: most of int8's error.
    void quantisedProductCloseToFloat() {
        const at::Tensor w = test_matrix(256, 1024, 7, false);
        const at::Tensor x = test_activations(4, 1024, 8);
        const at::Tensor exact = at::matmul(x, w.t());
        const double scale = exact.pow(2).mean().sqrt().item<double>();
        for (WeightFormat f : {WeightFormat::Int8, WeightFormat::Q4}) {
            const at::Tensor y = quantized_linear(x, quantize_matrix(w, f));
            const double rel = (y - exact).pow(2).mean().sqrt().item<double>() / scale;
            qInfo("%s vs float product: relative RMS error %.5f", to_string(f).c_str(), rel);
            QVERIFY(rel < (f == WeightFormat::Int8 ? 0.025 : 0.12));
        }
    }

    // Floors set below what was measured here (int8: 1.000 and 0.958; q4: 0.764 and 0.708, where
    // the evenly spaced 4-bit levels gave 0.745 and 0.583).
    // The fixture's random model has tiny top-1 margins (a median of ~0.08 logits against a
    // q4 logit error of ~0.15), so its agreement is a pessimistic figure for a trained model.
    void quantisedModelAgreesWithExact_data() {
        QTest::addColumn<int>("format");
        QTest::addColumn<double>("floor");
        QTest::addColumn<double>("greedy_floor");
        QTest::newRow("int8") << int(WeightFormat::Int8) << 0.9 << 0.9;
        QTest::newRow("q4") << int(WeightFormat::Q4) << 0.7 << 0.6;
    }

    // Teacher-forced: every position of golden.json train.tokens, the image-conditioned query.
    void quantisedModelAgreesWithExact() {
        QFETCH(int, format);
        QFETCH(double, floor);
        QFETCH(double, greedy_floor);
        const auto json = load_json(fixture("golden.json"));
        const TensorStore golden = TensorStore::from_pth(fixture("golden.pth"));
        Tokenizer tokenizer(fixture("tokenizer.model"));
        const TensorStore adapter = TensorStore::from_pth(fixture("adapter.pth"), "model");
        const Transformer exact(load_llama_weights(fixture(""), adapter, Precision::Fp32, 512, tokenizer.n_words(), nullptr));
        const Transformer quantised(load_llama_weights(fixture(""), adapter, Precision::Fp32, 512, tokenizer.n_words(), nullptr,
                                                       static_cast<WeightFormat>(format)));
        QVERIFY(quantised.weights().weight_format == static_cast<WeightFormat>(format));
        QVERIFY(quantised.weights().layers[0].w2.quantized != nullptr);
        QVERIFY(!quantised.weights().layers[0].w2.weight.defined());
        QVERIFY(quantised.weights().output.quantized != nullptr);

        BindNetwork bind(adapter, at::kFloat);
        const at::Tensor query = bind.forward(fuse_embeddings({{golden.get("visual.inputs.image"), 1.0}}));
        const auto tokens = to_ids(json["train"]["tokens"]);
        KvCache c1 = exact.new_cache(), c2 = quantised.new_cache();
        const at::Tensor a = exact.forward(tokens, 0, c1, exact.adapter_values(query), true);
        const at::Tensor b = quantised.forward(tokens, 0, c2, quantised.adapter_values(query), true);
        const float agreement = argmax_agreement(a, b);
        const double max_err = (a - b).abs().max().item<double>();
        const double spread = a.std().item<double>();
        qInfo("%s vs fp32 over %d teacher-forced positions: top-1 agreement %.3f, max abs logit error %.4f (logit std %.3f)",
              to_string(static_cast<WeightFormat>(format)).c_str(), int(tokens.size()), agreement, max_err, spread);
        QVERIFY2(agreement >= floor, qPrintable(QString("agreement %1 below %2").arg(agreement).arg(floor)));
        QVERIFY(std::isfinite(max_err));

        // Along the reference's greedy answer (prompt + its 24 generated tokens, teacher-forced):
        // how often the quantised model picks the token the fp32 reference picked.
        const auto& gen = json["generate"]["noknn"];
        std::vector<int64_t> path = to_ids(gen["prompt_ids"]);
        const auto generated = to_ids(gen["generated_ids"]);
        const int64_t P = static_cast<int64_t>(path.size());
        path.insert(path.end(), generated.begin(), generated.end() - 1);
        KvCache c4 = quantised.new_cache();
        const at::Tensor gq = golden.get("gen.noknn.visual_query");
        const at::Tensor picks = quantised.forward(path, 0, c4, quantised.adapter_values(gq), true).narrow(0, P - 1, generated.size()).argmax(-1);
        const float greedy_agreement = (picks == at::tensor(generated)).to(at::kFloat).mean().item<float>();
        qInfo("%s along the fp32 greedy answer: top-1 agreement %.3f over %d tokens",
              to_string(static_cast<WeightFormat>(format)).c_str(), greedy_agreement, int(generated.size()));
        QVERIFY2(greedy_agreement >= greedy_floor, qPrintable(QString("greedy-path agreement %1").arg(greedy_agreement)));

        // Decode one token after a prefill (the integer path, int8 activations) against the
        // all-at-once pass (the dense path, float activations): the same token, logits close.
        KvCache c3 = quantised.new_cache();
        const int64_t split = 40;
        const std::vector<int64_t> head(tokens.begin(), tokens.begin() + split);
        quantised.forward(head, 0, c3, quantised.adapter_values(query));
        const at::Tensor step = quantised.forward({tokens[split]}, split, c3, quantised.adapter_values(query));
        const double step_err = (step - b[split]).abs().max().item<double>();
        qInfo("decode step vs the same position in the prefill: max abs logit difference %.4f", step_err);
        QCOMPARE(step.argmax().item<int64_t>(), b[split].argmax().item<int64_t>());
        QVERIFY(step_err < 0.1);
    }

    void greedyGenerationStillProducesTokens_data() {
        QTest::addColumn<int>("format");
        QTest::newRow("int8") << int(WeightFormat::Int8);
        QTest::newRow("q4") << int(WeightFormat::Q4);
    }

    void greedyGenerationStillProducesTokens() {
        QFETCH(int, format);
        const auto json = load_json(fixture("golden.json"));
        const auto& g = json["generate"]["noknn"];
        const TensorStore golden = TensorStore::from_pth(fixture("golden.pth"));
        Engine engine;
        LoadOptions options;
        options.precision = Precision::Fp32;
        options.weight_format = static_cast<WeightFormat>(format);
        options.quant_cache = false;  // tests/data stays as it is
        options.context = g["max_gen_len"].get<int>() + 512;
        ModelPaths paths;
        paths.llama_dir = fixture("");
        paths.tokenizer = fixture("tokenizer.model");
        paths.adapter = fixture("adapter.pth");
        engine.load(paths, options);
        QCOMPARE(engine.info().weight_format, to_string(static_cast<WeightFormat>(format)));

        AskRequest req;
        req.prompt = json["inference"]["instruction"].get<std::string>();
        Attachment image;
        image.modality = Modality::Image;
        const at::Tensor e = golden.get("visual.inputs.image").reshape({-1});
        image.embedding.assign(e.data_ptr<float>(), e.data_ptr<float>() + e.numel());
        Attachment audio = image;
        audio.modality = Modality::Audio;
        const at::Tensor ea = golden.get("visual.inputs.audio").reshape({-1});
        audio.embedding.assign(ea.data_ptr<float>(), ea.data_ptr<float>() + ea.numel());
        audio.weight = 0.5;
        req.attachments = {image, audio};
        req.sampling.temperature = 0;
        req.sampling.max_tokens = g["max_gen_len"].get<int>();
        const AskStats stats = engine.ask(req, [](const std::string&) {});
        const auto expected = g["generated_ids"].get<std::vector<int>>();
        size_t same = 0;
        while (same < stats.ids.size() && same < expected.size() && stats.ids[same] == expected[same]) ++same;
        qInfo("%s greedy: %zu tokens, the first %zu equal to the fp32 reference's %zu", to_string(options.weight_format).c_str(),
              stats.ids.size(), same, expected.size());
        QVERIFY(!stats.ids.empty());
        QVERIFY(!stats.text.empty() || stats.stopped_on_eos);
    }

    // The matrices decoding streams live in 2 MiB-aligned memory the kernel may back with huge
    // pages (weight_memory.h): made by the quantiser, copied out of the cache file, converted
    // for bf16; small tensors stay ordinary.
    void decodeWeightsLiveInHugePageMemory() {
        const at::Tensor big = quant::empty_weight_tensor({1024, 4096}, at::kByte);  // 4 MiB
        QVERIFY(quant::in_weight_memory(big));
        QVERIFY(big.is_contiguous());
        QCOMPARE(reinterpret_cast<uintptr_t>(big.data_ptr()) % (uintptr_t(2) << 20), uintptr_t(0));
        big.fill_(7);
        QCOMPARE(big.sum().item<int64_t>(), int64_t(7) * 1024 * 4096);
        if (thp_available()) {
            const auto eligible = thp_eligible(big.data_ptr());
            if (eligible) QVERIFY(*eligible);
        }
        QVERIFY(!quant::in_weight_memory(quant::empty_weight_tensor({16, 16}, at::kFloat)));

        const at::Tensor w = test_matrix(1024, 1536, 5);  // 6 MiB of float32
        const at::Tensor as_bf16 = quant::copy_to_weight_memory(w, at::kBFloat16);
        QVERIFY(quant::in_weight_memory(as_bf16));
        QVERIFY(at::equal(as_bf16, w.to(at::kBFloat16)));

        const QuantizedMatrix q = quantize_matrix(at::cat({w, w}), WeightFormat::Int8);  // 3 MiB of bytes
        QVERIFY(quant::in_weight_memory(q.data));

        // Through the cache file: the same bytes, copied out of the mapping.
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const std::string dir = tmp.path().toStdString();
        for (const char* f : {"/base.pth", "/adapter.pth"}) std::ofstream(dir + f) << "stamp";
        const quant::QuantCacheKey key{dir + "/base.pth", dir + "/adapter.pth", WeightFormat::Int8};
        QVERIFY(quant::write_quant_cache(key, {{"m", &q}}));
        const auto read = quant::read_quant_cache(key);
        QVERIFY(read && read->count("m") == 1);
        const QuantizedMatrix& r = read->at("m");
        QVERIFY(quant::in_weight_memory(r.data));
        QVERIFY(at::equal(r.data, q.data));
        QVERIFY(at::equal(r.scales, q.scales));
        QCOMPARE(r.cols, q.cols);

        // Within an arena (the model loader's), a 4-bit matrix's scales, too small for a huge
        // page of their own, follow its weights in the same huge-page chunk, and the tensors
        // outlive the arena. Without one they are ordinary memory.
        const at::Tensor w4 = test_matrix(2048, 2048, 6);
        const QuantizedMatrix plain = quantize_matrix(w4, WeightFormat::Q4);  // 2 MiB of nibbles, 256 KiB of scales
        QVERIFY(quant::in_weight_memory(plain.data) && !quant::in_weight_memory(plain.scales));
        std::optional<QuantizedMatrix> placed, placed_read;
        {
            const quant::WeightMemoryArena arena;
            placed = quantize_matrix(w4, WeightFormat::Q4);
            const quant::QuantCacheKey key4{dir + "/base.pth", dir + "/adapter.pth", WeightFormat::Q4};
            QVERIFY(quant::write_quant_cache(key4, {{"m", &plain}}));
            const auto read4 = quant::read_quant_cache(key4);
            QVERIFY(read4 && read4->count("m") == 1);
            placed_read = read4->at("m");
        }
        for (const QuantizedMatrix* m : {&*placed, &*placed_read}) {
            QVERIFY(quant::in_weight_memory(m->data) && quant::in_weight_memory(m->scales));
            QCOMPARE(static_cast<const char*>(m->scales.data_ptr()),
                     static_cast<const char*>(m->data.data_ptr()) + m->data.nbytes());
            QVERIFY(at::equal(m->data, plain.data) && at::equal(m->scales, plain.scales));  // readable after the arena
            if (thp_available()) {
                const auto eligible = thp_eligible(m->scales.data_ptr());
                if (eligible) QVERIFY(*eligible);
            }
        }
    }

    // The first quantised load writes consolidated.00.<format>.safetensors next to the base
    // checkpoint; the next load maps it and gives the same logits; a changed adapter makes the
    // cache stale; an unwritable folder just means no cache.
    void quantisedWeightsCacheIsReusedAndInvalidated() {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const std::string dir = tmp.path().toStdString();
        for (const char* f : {"params.json", "consolidated.00.pth", "adapter.pth", "tokenizer.model"})
            std::filesystem::copy_file(fixture(f), dir + "/" + f);
        Tokenizer tokenizer(fixture("tokenizer.model"));
        const std::vector<int64_t> tokens = {1, 450, 4996, 17354, 1701, 29916};
        auto logits = [&](bool cache) {
            const TensorStore adapter = TensorStore::from_pth(dir + "/adapter.pth", "model");
            const Transformer model(load_llama_weights(dir, adapter, Precision::Fp32, 64, tokenizer.n_words(), nullptr,
                                                       WeightFormat::Q4, cache));
            KvCache c = model.new_cache();
            return model.forward(tokens, 0, c, AdapterValues(), true);
        };
        const std::string cache_file = dir + "/consolidated.00.q4.safetensors";
        const at::Tensor fresh = logits(true);
        QVERIFY(std::filesystem::exists(cache_file));
        const auto written = std::filesystem::last_write_time(cache_file);
        const at::Tensor mapped = logits(true);
        QVERIFY(at::equal(fresh, mapped));
        QVERIFY(std::filesystem::last_write_time(cache_file) == written);  // reused, not rewritten

        // A different adapter (here: the same bytes, touched later) invalidates the cache.
        std::filesystem::last_write_time(dir + "/adapter.pth", written + std::chrono::seconds(5));
        QVERIFY(at::equal(logits(true), fresh));
        QVERIFY(std::filesystem::last_write_time(cache_file) != written);

        // A corrupt cache is ignored and replaced.
        std::filesystem::resize_file(cache_file, 100);
        QVERIFY(at::equal(logits(true), fresh));
        QVERIFY(std::filesystem::file_size(cache_file) > 100);

        // A read-only folder: no cache, no error.
        std::filesystem::remove(cache_file);
        std::filesystem::permissions(dir, std::filesystem::perms::owner_write, std::filesystem::perm_options::remove);
        QVERIFY(at::equal(logits(true), fresh));
        std::filesystem::permissions(dir, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
        if (::geteuid() != 0) QVERIFY(!std::filesystem::exists(cache_file));  // root writes anyway
    }
};

QTEST_GUILESS_MAIN(TestQuant)
#include "test_quant.moc"
