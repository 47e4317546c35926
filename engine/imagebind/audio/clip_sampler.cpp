#include "engine/imagebind/audio/clip_sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/error.h"

namespace ibllm {
namespace {

using Int = Rational::Int;

Int abs128(Int v) { return v < 0 ? -v : v; }

Int gcd128(Int a, Int b) {
    a = abs128(a);
    b = abs128(b);
    while (b != 0) {
        Int t = a % b;
        a = b;
        b = t;
    }
    return a;
}

// Products of two parts must stay far from 2^127; durations, rates and time bases keep every
// part below ~2^80, so a larger one means an input no media file produces.
void check_range(Int v) {
    const Int limit = Int(1) << 100;
    if (v > limit || v < -limit)
        throw Error("A clip time is out of range for exact arithmetic; the media duration is not plausible.");
}

int64_t to_int64(Int v) {
    if (v > Int(std::numeric_limits<int64_t>::max()) || v < Int(std::numeric_limits<int64_t>::min()))
        throw Error("A clip bound does not fit in 64 bits; the media duration is not plausible.");
    return static_cast<int64_t>(v);
}

}  // namespace

Rational::Rational(Int n, Int d) {
    if (d == 0) throw Error("Internal error: a clip time fraction has a zero denominator.");
    if (d < 0) {
        n = -n;
        d = -d;
    }
    const Int g = gcd128(n, d);
    num = g > 1 ? n / g : n;
    den = g > 1 ? d / g : d;
    check_range(num);
    check_range(den);
}

Rational Rational::from_double(double v) {
    if (!std::isfinite(v)) throw Error("A media duration is not a finite number; the file's header is damaged.");
    if (v == 0.0) return Rational();
    int exp = 0;
    const double m = std::frexp(v, &exp);  // v = m * 2^exp, 0.5 <= |m| < 1
    int64_t mant = static_cast<int64_t>(std::ldexp(m, 53));  // exact: 53 significant bits
    exp -= 53;
    while ((mant & 1) == 0) {  // drop trailing zero bits so tiny exponents stay representable
        mant /= 2;
        ++exp;
    }
    if (exp >= 0) {
        if (exp > 60) throw Error("A media duration is too large to be plausible.");
        return Rational(Int(mant) << exp, 1);
    }
    if (-exp > 100) throw Error("A media duration is too small to be plausible.");
    return Rational(mant, Int(1) << -exp);
}

Rational Rational::operator+(const Rational& o) const { return Rational(num * o.den + o.num * den, den * o.den); }
Rational Rational::operator-(const Rational& o) const { return Rational(num * o.den - o.num * den, den * o.den); }
Rational Rational::operator*(const Rational& o) const { return Rational(num * o.num, den * o.den); }
Rational Rational::operator/(const Rational& o) const { return Rational(num * o.den, den * o.num); }
bool Rational::operator<(const Rational& o) const { return num * o.den < o.num * den; }

Int Rational::floor() const {
    Int q = num / den;  // truncates toward zero
    if (num % den != 0 && num < 0) --q;
    return q;
}

Int Rational::ceil() const {
    Int q = num / den;
    if (num % den != 0 && num > 0) ++q;
    return q;
}

double Rational::to_double() const {
    // Exact for the power-of-two denominators clip times have; close enough elsewhere.
    return static_cast<double>(static_cast<long double>(num) / static_cast<long double>(den));
}

std::string Rational::to_string() const {
    auto digits = [](Int v) {
        if (v == 0) return std::string("0");
        const bool neg = v < 0;
        std::string s;
        for (Int a = abs128(v); a > 0; a /= 10) s.insert(s.begin(), char('0' + int(a % 10)));
        return neg ? "-" + s : s;
    };
    return den == 1 ? digits(num) : digits(num) + "/" + digits(den);
}

namespace {

std::vector<ClipWindow> spread_clips(const Rational& max_start, int64_t clip_duration, int clips) {
    if (clips < 1) throw Error("Internal error: a clip sampler needs at least one clip.");
    const Rational step = max_start / Rational::from_int(std::max(clips - 1, 1));
    std::vector<ClipWindow> out;
    out.reserve(static_cast<size_t>(clips));
    for (int i = 0; i < clips; ++i) {
        const Rational start = step * Rational::from_int(i);
        out.push_back({start, start + Rational::from_int(clip_duration)});
    }
    return out;
}

}  // namespace

std::vector<ClipWindow> constant_clips(const Rational& duration, int64_t clip_duration, int clips) {
    const Rational rest = duration - Rational::from_int(clip_duration);
    return spread_clips(rest < Rational() ? Rational() : rest, clip_duration, clips);
}

std::vector<ClipWindow> constant_clips(double duration, int64_t clip_duration, int clips) {
    if (!std::isfinite(duration)) throw Error("A media duration is not a finite number; the file's header is damaged.");
    // The reference subtracts in floating point first and only then takes the exact value. A
    // negative duration (pytorchvideo subtracts a stream's start time from its duration) just
    // puts every clip at 0, as there.
    const double rest = duration - static_cast<double>(clip_duration);
    return spread_clips(Rational::from_double(rest > 0 ? rest : 0.0), clip_duration, clips);
}

int64_t sample_index(const Rational& t, int64_t rate) {
    const Rational x = t * Rational::from_int(rate);
    // Python's int() truncates toward zero.
    return to_int64(x.num / x.den);
}

int64_t ceil_ticks(const Rational& t, int64_t tb_num, int64_t tb_den) {
    if (tb_num <= 0 || tb_den <= 0) throw Error("A video stream has an invalid time base; the file is damaged.");
    return to_int64((t * Rational(tb_den, tb_num)).ceil());
}

}  // namespace ibllm
