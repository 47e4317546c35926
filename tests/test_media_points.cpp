// Tests of media/points: the fixture airplane as .ply/.pcd/.xyz against the reference's
// float64 points (bit-exact), every other format written at test time (binary PLY through
// PCL, coloured PLY/PCD, .pts with a header, comma-separated .txt, .obj, .npy in both float
// types and layouts), the bad-file errors, the viewer helpers, and IMU CSV.
#include <QtTest/QtTest>

#include <ATen/ATen.h>
#include <pcl/io/pcd_io.h>
#include <pcl/io/ply_io.h>
#include <pcl/point_types.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "test_paths.h"
#include "engine/checkpoint/tensor_store.h"
#include "media/media_error.h"
#include "media/points/imu_csv.h"
#include "media/points/point_cloud_file.h"

using namespace ibllm::media;

namespace {

std::string asset(const std::string& name) { return ibllm::test::data_path("imagebind/assets/" + name); }

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A .npy file (format 1.0) as numpy.save writes it: magic, little-endian header length,
// the header dict padded with spaces to a 64-byte boundary and ending in '\n', then data.
std::string npy_bytes(const std::string& descr, const std::string& shape, bool fortran, const void* data, size_t size) {
    std::string dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
                       ", 'shape': " + shape + ", }";
    const size_t unpadded = 10 + dict.size() + 1;
    dict.append((64 - unpadded % 64) % 64, ' ');
    dict += '\n';
    std::string out("\x93NUMPY\x01\x00", 8);
    out += static_cast<char>(dict.size() & 0xff);
    out += static_cast<char>(dict.size() >> 8);
    out += dict;
    out.append(static_cast<const char*>(data), size);
    return out;
}

// `f` must throw MediaError whose message contains `path` and every string in `parts`.
void expect_media_error(const std::function<void()>& f, const std::string& path, std::vector<std::string> parts = {}) {
    try {
        f();
    } catch (const MediaError& e) {
        const std::string message = e.what();
        QVERIFY2(message.find(path) != std::string::npos, qPrintable(QString::fromStdString("does not name the file: " + message)));
        for (const auto& p : parts)
            QVERIFY2(message.find(p) != std::string::npos,
                     qPrintable(QString::fromStdString("missing '" + p + "' in: " + message)));
        return;
    } catch (const std::exception& e) {
        QFAIL(qPrintable(QString("threw a non-MediaError: %1").arg(e.what())));
    }
    QFAIL("no MediaError thrown");
}

// The reference points as float64, [8192 * 3].
std::vector<double> reference_points(const char* key) {
    const auto store = ibllm::TensorStore::from_pth(ibllm::test::data_path("imagebind/preprocess.pth"));
    const at::Tensor t = store.get(key).contiguous();
    const at::Tensor d = t.to(at::kDouble).contiguous();
    return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

}  // namespace

class TestMediaPoints : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::string dir() const { return tmp_.path().toStdString() + "/"; }

private Q_SLOTS:
    void initTestCase() { QVERIFY(tmp_.isValid()); }

    void airplane_matches_reference_bit_for_bit_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("key");
        QTest::newRow("ply") << "airplane.ply" << "points.airplane.from_ply";
        QTest::newRow("pcd") << "airplane.pcd" << "points.airplane.from_pcd";
        QTest::newRow("xyz") << "airplane.xyz" << "points.airplane.from_xyz";
    }
    void airplane_matches_reference_bit_for_bit() {
        QFETCH(QString, file);
        QFETCH(QString, key);
        const PointCloudData cloud = load_point_cloud(asset(file.toStdString()));
        QCOMPARE(cloud.count, int64_t(8192));
        QCOMPARE(cloud.source_dtype, std::string("float64"));
        QCOMPARE(cloud.non_finite, int64_t(0));
        QVERIFY(cloud.rgb.empty());
        const auto store = ibllm::TensorStore::from_pth(ibllm::test::data_path("imagebind/preprocess.pth"));
        const at::Tensor expected = store.get(key.toStdString(), {1, 8192, 3}).contiguous();
        QCOMPARE(expected.scalar_type(), at::kDouble);
        QCOMPARE(cloud.xyz.size(), size_t(8192 * 3));
        // Exact: the same float64 bits as open3d produced.
        QVERIFY(std::memcmp(cloud.xyz.data(), expected.data_ptr<double>(), cloud.xyz.size() * sizeof(double)) == 0);
        // And the float32 .pt the reference also accepts holds the same values.
        const at::Tensor pt = store.get("points.airplane.from_pt", {1, 8192, 3}).contiguous();
        for (size_t i = 0; i < cloud.xyz.size(); ++i)
            if (static_cast<float>(cloud.xyz[i]) != pt.data_ptr<float>()[i]) QFAIL("differs from the .pt points");
    }

    void binary_ply_written_by_pcl() {
        const std::vector<double> ref = reference_points("points.airplane.from_ply");
        pcl::PointCloud<pcl::PointXYZ> cloud;
        for (size_t i = 0; i < ref.size() / 3; ++i)
            cloud.push_back(pcl::PointXYZ(float(ref[i * 3]), float(ref[i * 3 + 1]), float(ref[i * 3 + 2])));
        const std::string path = dir() + "airplane_binary.ply";
        QCOMPARE(pcl::io::savePLYFileBinary(path, cloud), 0);
        const PointCloudData loaded = load_point_cloud(path);
        QCOMPARE(loaded.count, int64_t(8192));
        // The fixture's values are float32-representable, so even a float32 file is exact.
        QVERIFY(loaded.xyz == ref);
    }

    void ply_with_colours() {
        const std::string path = dir() + "coloured.ply";
        write_bytes(path,
                    "ply\nformat ascii 1.0\ncomment made by a test\nelement vertex 3\n"
                    "property float x\nproperty float y\nproperty float z\n"
                    "property uchar red\nproperty uchar green\nproperty uchar blue\n"
                    "element face 1\nproperty list uchar int vertex_indices\nend_header\n"
                    "0 0 0 255 0 0\n1 0.5 -2 0 128 0\n-1.25 3 4 10 20 30\n3 0 1 2\n");
        const PointCloudData c = load_point_cloud(path);
        QCOMPARE(c.count, int64_t(3));
        QCOMPARE(c.xyz, (std::vector<double>{0, 0, 0, 1, 0.5, -2, -1.25, 3, 4}));
        QCOMPARE(c.rgb, (std::vector<uint8_t>{255, 0, 0, 0, 128, 0, 10, 20, 30}));
    }

    void pcd_with_colours_in_every_data_kind() {
        pcl::PointCloud<pcl::PointXYZRGB> cloud;
        pcl::PointXYZRGB p;
        p.x = 1.5f; p.y = -2.0f; p.z = 0.25f; p.r = 1; p.g = 2; p.b = 3;
        cloud.push_back(p);
        p.x = -7.0f; p.y = 8.0f; p.z = 9.5f; p.r = 200; p.g = 100; p.b = 50;
        cloud.push_back(p);
        for (int kind = 0; kind < 3; ++kind) {  // ascii, binary, binary_compressed
            const std::string path = dir() + "rgb_" + std::to_string(kind) + ".pcd";
            QCOMPARE(kind == 2 ? pcl::io::savePCDFileBinaryCompressed(path, cloud) : pcl::io::savePCDFile(path, cloud, kind == 1), 0);
            const PointCloudData c = load_point_cloud(path);
            QCOMPARE(c.count, int64_t(2));
            QCOMPARE(c.xyz, (std::vector<double>{1.5, -2.0, 0.25, -7.0, 8.0, 9.5}));
            QCOMPARE(c.rgb, (std::vector<uint8_t>{1, 2, 3, 200, 100, 50}));
        }
    }

    void pts_with_count_header_and_colours() {
        const std::string path = dir() + "scan.pts";
        write_bytes(path, "3\n0.5 1.5 2.5 -120 255 0 0\n1 2 3 -100 0 255 0\r\n-4 -5 -6e-1 7 0 0 255\n");
        const PointCloudData c = load_point_cloud(path);
        QCOMPARE(c.count, int64_t(3));
        QCOMPARE(c.xyz, (std::vector<double>{0.5, 1.5, 2.5, 1, 2, 3, -4, -5, -0.6}));
        QCOMPARE(c.rgb, (std::vector<uint8_t>{255, 0, 0, 0, 255, 0, 0, 0, 255}));
        QCOMPARE(c.source_dtype, std::string("float64"));
    }

    void txt_with_commas_header_and_comments() {
        const std::string path = dir() + "points.txt";
        write_bytes(path, "# exported by a scanner\nx,y,z,r,g,b\n0.1, 0.2, 0.3, 0.5, 1.0, 0.0\n\n"
                          "// a comment between points\n+4,5,6,0.25,0,1\n");
        const PointCloudData c = load_point_cloud(path);
        QCOMPARE(c.count, int64_t(2));
        QCOMPARE(c.xyz, (std::vector<double>{0.1, 0.2, 0.3, 4, 5, 6}));
        // Colours within 0..1 are scaled to bytes.
        QCOMPARE(c.rgb, (std::vector<uint8_t>{128, 255, 0, 64, 0, 255}));

        // Six columns that are not colours (normals with negative values) are ignored.
        const std::string normals = dir() + "normals.xyz";
        write_bytes(normals, "1 2 3 0 0 -1\n4 5 6 0.6 0.8 0\n");
        const PointCloudData n = load_point_cloud(normals);
        QCOMPARE(n.count, int64_t(2));
        QVERIFY(n.rgb.empty());
    }

    void obj_vertices_only() {
        const std::string path = dir() + "model.obj";
        write_bytes(path, "# cube corner\no thing\nv 1 2 3\nv  -1.5\t0 2e2\nvn 0 0 1\nvt 0.5 0.5\nv 7 8 9 1.0\n"
                          "f 1 2 3\n");
        const PointCloudData c = load_point_cloud(path);
        QCOMPARE(c.count, int64_t(3));
        QCOMPARE(c.xyz, (std::vector<double>{1, 2, 3, -1.5, 0, 200, 7, 8, 9}));
        QVERIFY(c.rgb.empty());
        QCOMPARE(c.source_dtype, std::string("float64"));

        const std::string coloured = dir() + "coloured.obj";
        write_bytes(coloured, "v 0 0 0 1 0 0\nv 1 1 1 0 0.5 1\n");
        const PointCloudData cc = load_point_cloud(coloured);
        QCOMPARE(cc.rgb, (std::vector<uint8_t>{255, 0, 0, 0, 128, 255}));

        const std::string bad = dir() + "bad.obj";
        write_bytes(bad, "v 1 2 3\nv 1 two 3\n");
        expect_media_error([&] { load_point_cloud(bad); }, bad, {"line 2"});
    }

    void npy_float32_and_float64() {
        const std::vector<float> f32 = {0.1f, -0.2f, 0.3f, 1e-7f, 2.5f, -3.75f};
        const std::string p32 = dir() + "cloud32.npy";
        write_bytes(p32, npy_bytes("<f4", "(2, 3)", false, f32.data(), f32.size() * 4));
        const PointCloudData a = load_point_cloud(p32);
        QCOMPARE(a.count, int64_t(2));
        QCOMPARE(a.source_dtype, std::string("float32"));
        for (size_t i = 0; i < f32.size(); ++i) QCOMPARE(a.xyz[i], static_cast<double>(f32[i]));

        const std::vector<double> f64 = {0.1, -0.2, 0.3, 1e-300, 2.5, -3.75};
        const std::string p64 = dir() + "cloud64.NPY";  // extensions are case-insensitive
        write_bytes(p64, npy_bytes("<f8", "(2, 3)", false, f64.data(), f64.size() * 8));
        const PointCloudData b = load_point_cloud(p64);
        QCOMPARE(b.source_dtype, std::string("float64"));
        QCOMPARE(b.xyz, f64);

        // [1, N, 4]: a batch of one, extra column ignored.
        const std::vector<double> wide = {1, 2, 3, 99, 4, 5, 6, 99};
        const std::string pw = dir() + "wide.npy";
        write_bytes(pw, npy_bytes("<f8", "(1, 2, 4)", false, wide.data(), wide.size() * 8));
        QCOMPARE(load_point_cloud(pw).xyz, (std::vector<double>{1, 2, 3, 4, 5, 6}));

        // Fortran order: column-major storage of the same [2, 3] array.
        const std::vector<double> column_major = {1, 4, 2, 5, 3, 6};
        const std::string pf = dir() + "fortran.npy";
        write_bytes(pf, npy_bytes("<f8", "(2, 3)", true, column_major.data(), column_major.size() * 8));
        QCOMPARE(load_point_cloud(pf).xyz, (std::vector<double>{1, 2, 3, 4, 5, 6}));

        // Big-endian float32.
        std::vector<uint8_t> be;
        for (float v : {1.0f, 2.0f, -3.0f}) {
            uint32_t u;
            std::memcpy(&u, &v, 4);
            for (int s = 24; s >= 0; s -= 8) be.push_back(uint8_t(u >> s));
        }
        const std::string pb = dir() + "big.npy";
        write_bytes(pb, npy_bytes(">f4", "(1, 3)", false, be.data(), be.size()));
        QCOMPARE(load_point_cloud(pb).xyz, (std::vector<double>{1, 2, -3}));
    }

    void npy_errors() {
        const std::vector<int32_t> ints = {1, 2, 3};
        const std::string pi = dir() + "ints.npy";
        write_bytes(pi, npy_bytes("<i4", "(1, 3)", false, ints.data(), 12));
        expect_media_error([&] { load_point_cloud(pi); }, pi, {"float32 or float64"});

        const std::vector<float> two = {1, 2, 3, 4};
        const std::string p2 = dir() + "two_columns.npy";
        write_bytes(p2, npy_bytes("<f4", "(2, 2)", false, two.data(), 16));
        expect_media_error([&] { load_point_cloud(p2); }, p2, {"[2, 2]"});

        const std::string pt = dir() + "truncated.npy";
        write_bytes(pt, npy_bytes("<f4", "(100, 3)", false, two.data(), 16));
        expect_media_error([&] { load_point_cloud(pt); }, pt, {"truncated"});

        // Found by the fuzzer: dimensions whose product passes 2^63 (here it wraps to exactly
        // 2^64, a size of 0) were multiplied unchecked, and the reads went past the data.
        const std::string pw = dir() + "wrapping_shape.npy";
        write_bytes(pw, npy_bytes("<f4", "(8589934592, 2147483648)", false, two.data(), 16));
        expect_media_error([&] { load_point_cloud(pw); }, pw, {"[8589934592, 2147483648]", "damaged"});
    }

    void empty_clouds() {
        const std::string zero = dir() + "zero.xyz";
        write_bytes(zero, "");
        expect_media_error([&] { load_point_cloud(zero); }, zero, {"contains no points"});

        const std::string header_only = dir() + "header_only.txt";
        write_bytes(header_only, "x y z\n# nothing else\n");
        expect_media_error([&] { load_point_cloud(header_only); }, header_only, {"contains no points"});

        const std::string ply = dir() + "no_vertices.ply";
        write_bytes(ply, "ply\nformat ascii 1.0\nelement vertex 0\nproperty float x\nproperty float y\n"
                         "property float z\nend_header\n");
        expect_media_error([&] { load_point_cloud(ply); }, ply, {"no points"});

        const std::string npy = dir() + "empty.npy";
        write_bytes(npy, npy_bytes("<f4", "(0, 3)", false, nullptr, 0));
        expect_media_error([&] { load_point_cloud(npy); }, npy, {"contains no points"});

        const std::string obj = dir() + "faces_only.obj";
        write_bytes(obj, "f 1 2 3\n");
        expect_media_error([&] { load_point_cloud(obj); }, obj, {"contains no points"});
    }

    void non_finite_rows_are_kept_and_counted() {
        const std::string path = dir() + "holes.xyz";
        write_bytes(path, "1 2 3\nnan nan nan\n4 inf 6\n7 8 9\n");
        const PointCloudData c = load_point_cloud(path);
        QCOMPARE(c.count, int64_t(4));
        QCOMPARE(c.non_finite, int64_t(2));
        QVERIFY(std::isnan(c.xyz[3]));
        QCOMPARE(c.xyz[9], 7.0);

        pcl::PointCloud<pcl::PointXYZ> cloud;
        cloud.push_back(pcl::PointXYZ(1, 2, 3));
        cloud.push_back(pcl::PointXYZ(std::nanf(""), 0, 0));
        cloud.is_dense = false;
        const std::string pcd = dir() + "holes.pcd";
        QCOMPARE(pcl::io::savePCDFileASCII(pcd, cloud), 0);
        const PointCloudData p = load_point_cloud(pcd);
        QCOMPARE(p.count, int64_t(2));
        QCOMPARE(p.non_finite, int64_t(1));

        const Bounds b = bounds(c);  // the NaN/inf rows do not widen the bounds
        QCOMPARE(b.min[0], 1.0);
        QCOMPARE(b.max[0], 7.0);
        QCOMPARE(b.min[1], 2.0);
        QCOMPARE(b.max[1], 8.0);
    }

    void bad_files_name_themselves() {
        std::mt19937 rng(7);
        std::string garbage(4096, '\0');
        for (auto& ch : garbage) ch = static_cast<char>(rng());
        for (const char* name : {"garbage.ply", "garbage.pcd", "garbage.xyz", "garbage.npy", "garbage.obj"}) {
            const std::string path = dir() + name;
            write_bytes(path, garbage);
            expect_media_error([&] { load_point_cloud(path); }, path);
        }
        const std::string text_garbage = dir() + "mixed.xyz";
        write_bytes(text_garbage, "1 2 3\n4 5 6\nthis is not a point\n");
        expect_media_error([&] { load_point_cloud(text_garbage); }, text_garbage, {"line 3"});

        const std::string truncated = dir() + "truncated.ply";
        write_bytes(truncated, "ply\nformat binary_little_endian 1.0\nelement vertex 1000\nproperty float x\n"
                               "property float y\nproperty float z\nend_header\n" + std::string(100, '\1'));
        expect_media_error([&] { load_point_cloud(truncated); }, truncated);

        // Headers PCL would trust into a crash or an assertion: caught before PCL reads them.
        const std::string huge = dir() + "huge_count.ply";
        write_bytes(huge, "ply\nformat ascii 1.0\nelement vertex 4294967301\nproperty double x\nproperty double y\n"
                          "property double z\nend_header\n1 2 3\n");
        expect_media_error([&] { load_point_cloud(huge); }, huge, {"4294967301"});
        const std::string short_pcd = dir() + "short.pcd";
        write_bytes(short_pcd, "VERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\nWIDTH 1000\n"
                               "HEIGHT 1\nPOINTS 1000\nDATA binary\n" + std::string(120, '\0'));
        expect_media_error([&] { load_point_cloud(short_pcd); }, short_pcd, {"truncated"});
        const std::string inconsistent = dir() + "inconsistent.pcd";
        write_bytes(inconsistent, "VERSION 0.7\nFIELDS x y z\nSIZE 4 4\nTYPE F F F\nWIDTH 1\nPOINTS 1\nDATA ascii\n1 2 3\n");
        expect_media_error([&] { load_point_cloud(inconsistent); }, inconsistent, {"SIZE"});
        // Found by the fuzzer (tests/fuzz/corpus/media_points_pcl): a line of only spaces before
        // binary data made PCL's reader dereference null; FIELDS given again after SIZE made
        // the check read past its sizes; a count beyond 2^64 was converted undefined.
        const std::string header = "VERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\nWIDTH 1\nHEIGHT 1\n"
                                   "POINTS 1\nDATA binary\n" + std::string(12, '\0');
        const std::string spaces = dir() + "spaces.pcd";
        write_bytes(spaces, " \t\n" + header);
        expect_media_error([&] { load_point_cloud(spaces); }, spaces, {"only spaces"});
        // The blank line of a Windows file ("\r\n") before ASCII data crashed PCL the same way.
        const std::string blank_crlf = dir() + "blank_crlf.pcd";
        write_bytes(blank_crlf, "\r\nVERSION 0.7\r\nFIELDS x y z\r\nSIZE 4 4 4\r\nTYPE F F F\r\nCOUNT 1 1 1\r\n"
                                "WIDTH 2\r\nHEIGHT 1\r\nPOINTS 2\r\nDATA ascii\r\n0 0 1\r\n1 2 1\r\n");
        expect_media_error([&] { load_point_cloud(blank_crlf); }, blank_crlf, {"only spaces"});
        // Without the blank line, the same Windows file is read.
        const std::string crlf = dir() + "crlf.pcd";
        write_bytes(crlf, "VERSION 0.7\r\nFIELDS x y z\r\nSIZE 4 4 4\r\nTYPE F F F\r\nCOUNT 1 1 1\r\n"
                          "WIDTH 2\r\nHEIGHT 1\r\nPOINTS 2\r\nDATA ascii\r\n0 0 1\r\n1 2 1\r\n");
        const PointCloudData crlf_cloud = load_point_cloud(crlf);
        QCOMPARE(crlf_cloud.count, int64_t(2));
        QCOMPARE(crlf_cloud.xyz[4], 2.0);
        // PCL reads on past DATA while lines begin with its keywords: a second SIZE line there
        // (found by the fuzzer) made it allocate gigabytes. Data that only starts with '#' is
        // still read, as PCL reads it.
        const std::string after = dir() + "size_after_data.pcd";
        write_bytes(after, header.substr(0, header.size() - 12) + "SIZE 1666666666666 4 4\nPOINTS 2\n" + std::string(12, '\0'));
        expect_media_error([&] { load_point_cloud(after); }, after, {"after the DATA line"});
        const std::string hash = dir() + "hash_first.pcd";
        const unsigned char hash_point[12] = {0x23, 0, 0, 0x3f, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40};  // x ~ 0.5, y 1, z 2
        write_bytes(hash, header.substr(0, header.size() - 12) + std::string(reinterpret_cast<const char*>(hash_point), 12));
        const PointCloudData hashed = load_point_cloud(hash);
        QCOMPARE(hashed.count, int64_t(1));
        QVERIFY(std::abs(hashed.xyz[0] - 0.5) < 1e-5 && hashed.xyz[1] == 1.0 && hashed.xyz[2] == 2.0);
        const std::string twice = dir() + "fields_twice.pcd";
        std::string twice_text = header;
        twice_text.insert(twice_text.find("WIDTH"), "FIELDS a b c d e f\n");
        write_bytes(twice, twice_text);
        expect_media_error([&] { load_point_cloud(twice); }, twice, {"FIELDS"});
        const std::string far = dir() + "far_width.pcd";
        std::string far_text = header;
        far_text.replace(far_text.find("WIDTH 1"), 7, "WIDTH 1e300");
        write_bytes(far, far_text);
        expect_media_error([&] { load_point_cloud(far); }, far, {"WIDTH"});

        const std::string missing = dir() + "missing.ply";
        expect_media_error([&] { load_point_cloud(missing); }, missing, {"does not exist"});
        const std::string unknown = dir() + "cloud.las";
        write_bytes(unknown, "x");
        expect_media_error([&] { load_point_cloud(unknown); }, unknown, {".ply"});
        const std::string pt = dir() + "airplane.pt";
        expect_media_error([&] { load_point_cloud(pt); }, pt, {"engine"});
    }

    void extension_dispatch() {
        const std::string text = "1 2 3\n4 5 6\n";
        // Final extension decides, case-insensitively; otherwise the reference's substring order.
        for (const char* name : {"UPPER.XYZ", "scan.xyz.bak", "scan.pts", "scan.PtS"}) {
            const std::string path = dir() + name;
            write_bytes(path, text);
            QCOMPARE(load_point_cloud(path).count, int64_t(2));
        }
        // "a.ply.txt" is text by its final extension (the reference would have tried PLY).
        const std::string path = dir() + "a.ply.txt";
        write_bytes(path, text);
        QCOMPARE(load_point_cloud(path).count, int64_t(2));
        // "b.xyz.ply" ends in .ply, so it must be a PLY file: text in it is an error.
        const std::string ply = dir() + "b.xyz.ply";
        write_bytes(ply, text);
        expect_media_error([&] { load_point_cloud(ply); }, ply, {"PLY"});
    }

    void downsample_for_display_keeps_the_shape() {
        std::mt19937_64 rng(123);
        std::uniform_real_distribution<double> u(-1.0, 1.0);
        PointCloudData big;
        big.count = 1000000;
        big.source_dtype = "float64";
        big.xyz.resize(big.count * 3);
        big.rgb.resize(big.count * 3);
        for (int64_t i = 0; i < big.count; ++i) {
            big.xyz[i * 3 + 0] = 100.0 + 3.0 * u(rng);  // off-centre and anisotropic
            big.xyz[i * 3 + 1] = u(rng);
            big.xyz[i * 3 + 2] = 0.5 * u(rng);
            for (int k = 0; k < 3; ++k) big.rgb[i * 3 + k] = static_cast<uint8_t>(k == 0 ? 200 : 40);
        }
        double voxel = 0;
        const PointCloudData small = downsample_for_display(big, 200000, &voxel);
        QVERIFY2(small.count <= 200000, qPrintable(QString::number(small.count)));
        QVERIFY2(small.count >= 50000, qPrintable(QString::number(small.count)));  // not needlessly coarse
        QCOMPARE(small.xyz.size(), size_t(small.count * 3));
        QCOMPARE(small.rgb.size(), size_t(small.count * 3));
        QVERIFY(voxel > 0 && voxel < 0.2);
        const Bounds a = bounds(big), b = bounds(small);
        for (int k = 0; k < 3; ++k) {
            QVERIFY(b.min[k] >= a.min[k] && b.max[k] <= a.max[k]);
            QVERIFY2(b.min[k] - a.min[k] <= voxel && a.max[k] - b.max[k] <= voxel,
                     qPrintable(QString("axis %1: %2..%3 vs %4..%5, voxel %6").arg(k).arg(b.min[k]).arg(b.max[k])
                                    .arg(a.min[k]).arg(a.max[k]).arg(voxel)));
        }
        // Colours are averaged per cube: a uniform colour stays that colour.
        QCOMPARE(int(small.rgb[0]), 200);
        QCOMPARE(int(small.rgb[1]), 40);
        // Deterministic.
        const PointCloudData again = downsample_for_display(big, 200000);
        QVERIFY(again.xyz == small.xyz);

        // A cloud that fits comes back unchanged, minus its non-finite points.
        PointCloudData few;
        few.count = 3;
        few.xyz = {1, 2, 3, NAN, 0, 0, 4, 5, 6};
        const PointCloudData kept = downsample_for_display(few, 10, &voxel);
        QCOMPARE(kept.count, int64_t(2));
        QCOMPARE(kept.xyz, (std::vector<double>{1, 2, 3, 4, 5, 6}));
        QCOMPARE(voxel, 0.0);

        // A flat cloud (a plane) also gets under the limit.
        PointCloudData plane;
        plane.count = 300000;
        plane.xyz.resize(plane.count * 3);
        for (int64_t i = 0; i < plane.count; ++i) {
            plane.xyz[i * 3] = u(rng);
            plane.xyz[i * 3 + 1] = u(rng);
            plane.xyz[i * 3 + 2] = 0;
        }
        QVERIFY(downsample_for_display(plane, 1000).count <= 1000);
    }

    void imu_csv_formats() {
        const std::string six = dir() + "imu6.csv";
        write_bytes(six, "ax,ay,az,gx,gy,gz\n0.1,0.2,9.81,0.01,-0.02,0.03\n\n-1,2,3,4,5,6\n");
        const ImuData a = load_imu_csv(six);
        QCOMPARE(a.samples.size(), size_t(2));
        QCOMPARE(a.samples[0][2], 9.81f);
        QCOMPARE(a.samples[0][4], -0.02f);
        QCOMPARE(a.samples[1][0], -1.0f);

        // 7 columns: the first is a timestamp and is dropped; no header here.
        const std::string seven = dir() + "imu7.csv";
        write_bytes(seven, "0.000,1,2,3,4,5,6\r\n0.005,7,8,9,10,11,12\r\n");
        const ImuData b = load_imu_csv(seven);
        QCOMPARE(b.samples.size(), size_t(2));
        QCOMPARE(b.samples[0][0], 1.0f);
        QCOMPARE(b.samples[1][5], 12.0f);

        const std::string spaces = dir() + "imu_spaces.csv";
        write_bytes(spaces, "# phone recording\n1 2 3 4 5 6\n");
        QCOMPARE(load_imu_csv(spaces).samples.size(), size_t(1));
    }

    void imu_csv_errors() {
        const std::string five = dir() + "five.csv";
        write_bytes(five, "ax,ay,az,gx,gy\n1,2,3,4,5\n");
        expect_media_error([&] { load_imu_csv(five); }, five, {"line 2", "5 columns", "6"});

        const std::string mixed = dir() + "mixed.csv";
        write_bytes(mixed, "1,2,3,4,5,6\n1,2,3,4,5,6,7\n");
        expect_media_error([&] { load_imu_csv(mixed); }, mixed, {"line 2", "7 columns"});

        const std::string text = dir() + "text.csv";
        write_bytes(text, "a,b,c,d,e,f\n1,2,3,4,5,6\n1,2,x,4,5,6\n");
        expect_media_error([&] { load_imu_csv(text); }, text, {"line 3"});

        const std::string nan = dir() + "nan.csv";
        write_bytes(nan, "1,2,3,4,5,6\n1,nan,3,4,5,6\n");
        expect_media_error([&] { load_imu_csv(nan); }, nan, {"line 2", "finite"});

        const std::string header_only = dir() + "header_only.csv";
        write_bytes(header_only, "ax,ay,az,gx,gy,gz\n");
        expect_media_error([&] { load_imu_csv(header_only); }, header_only, {"no IMU samples"});

        const std::string missing = dir() + "missing.csv";
        expect_media_error([&] { load_imu_csv(missing); }, missing, {"does not exist"});
    }
};

QTEST_GUILESS_MAIN(TestMediaPoints)
#include "test_media_points.moc"
