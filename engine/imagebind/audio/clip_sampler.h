#pragma once
// The clip timing of the reference loaders (pytorchvideo's ConstantClipsPerVideoSampler as
// ImageBind's data.py drives it), in exact rational arithmetic. The reference computes clip
// starts as Python Fractions of a float duration and turns them into sample indices or
// stream ticks by truncation / ceiling; doing the same in doubles would move a bound by one
// sample whenever the product lands a hair below an integer, so nothing here rounds.
// Torch-free: the video glue uses it without ATen.
#include <cstdint>
#include <string>
#include <vector>

namespace ibllm {

// An exact fraction num/den with den > 0, always reduced. 128-bit parts: a double's exact
// value can have a denominator of 2^51 or more, and products with sample rates or time
// bases must not overflow.
struct Rational {
    using Int = __int128;
    Int num = 0;
    Int den = 1;

    Rational() = default;
    Rational(Int n, Int d);  // reduces; d != 0

    static Rational from_int(int64_t v) { return Rational(v, 1); }
    // The exact value of a finite double, like Python's Fraction(float).
    static Rational from_double(double v);

    Rational operator+(const Rational& o) const;
    Rational operator-(const Rational& o) const;
    Rational operator*(const Rational& o) const;
    Rational operator/(const Rational& o) const;
    bool operator==(const Rational& o) const { return num == o.num && den == o.den; }
    bool operator!=(const Rational& o) const { return !(*this == o); }
    bool operator<(const Rational& o) const;

    Int floor() const;
    Int ceil() const;
    double to_double() const;
    // "n" for integers, else "n/d", as Python's str(Fraction) prints it.
    std::string to_string() const;
};

// One clip [start, end) in seconds.
struct ClipWindow {
    Rational start;
    Rational end;
};

// ConstantClipsPerVideoSampler: `clips` clips of `clip_duration` seconds spread evenly over
// a duration given as a double (audio: samples / rate as Python divides them):
//   max_start = Fraction(max(duration - clip_duration, 0))   (double subtraction first)
//   step      = max_start / max(clips - 1, 1)
//   clip i    = [i * step, i * step + clip_duration)
// Always `clips` clips; they overlap for short media and all start at 0 when duration <= clip.
// A non-finite duration throws ibllm::Error; a negative one puts every clip at 0.
std::vector<ClipWindow> constant_clips(double duration, int64_t clip_duration, int clips);
// The same for an exact duration: pytorchvideo's video duration is (ticks - start) * time_base,
// a Fraction, so the subtraction is exact there.
std::vector<ClipWindow> constant_clips(const Rational& duration, int64_t clip_duration, int clips);

// int(t * rate): the sample index a clip bound maps to (truncation, as Python's int()).
int64_t sample_index(const Rational& t, int64_t rate);

// ceil(t / time_base) with time_base = tb_num / tb_den: a time in stream ticks rounded up,
// as pytorchvideo's secs_to_pts(round_mode="ceil") does (without the start_pts offset).
int64_t ceil_ticks(const Rational& t, int64_t tb_num, int64_t tb_den);

}  // namespace ibllm
