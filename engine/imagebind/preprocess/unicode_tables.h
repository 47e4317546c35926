#pragma once
// Raw Unicode character data (generated into unicode_tables.cpp from Python's unicodedata,
// Unicode 14.0). Use it through unicode_text.h.
#include <cstddef>
#include <cstdint>

namespace ibllm::unicode_tables {

struct CodeRange {
    char32_t first, last;
};
// Code points first, first + stride, ..., last map to cp + delta.
struct DeltaRun {
    char32_t first, last;
    int32_t delta;
    int32_t stride;
};
struct Composition {
    char32_t first, second, composite;
};

extern const CodeRange kLetters[];
extern const size_t kLettersCount;
extern const CodeRange kNumbers[];
extern const size_t kNumbersCount;
extern const CodeRange kMarks[];
extern const size_t kMarksCount;
extern const DeltaRun kLowercase[];
extern const size_t kLowercaseCount;
extern const Composition kCompositions[];
extern const size_t kCompositionsCount;
extern const DeltaRun kSingletons[];
extern const size_t kSingletonsCount;
extern const DeltaRun kWidth[];
extern const size_t kWidthCount;

}  // namespace ibllm::unicode_tables
