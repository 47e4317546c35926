# Per-file instruction sets for the quantised kernels (included by engine/CMakeLists.txt once
# ibllm_kernels exists). Each kernel file is built for its own instruction set and chosen at run
# time from the CPU's features (kernel_isa.cpp), so one binary runs on any x86-64 CPU.
# -ffp-contract=off keeps the activation quantiser's rounding identical in every copy.
# -Wno-(maybe-)uninitialized: GCC 12's AVX-512 headers trip it (their `__Y = __Y` idiom).
set(_quant_dir ${CMAKE_CURRENT_SOURCE_DIR}/llama/kernels)
set_source_files_properties(${_quant_dir}/kernel_scalar.cpp ${_quant_dir}/bf16_kernel_scalar.cpp PROPERTIES
  COMPILE_OPTIONS "-ffp-contract=off")
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64|i[3-6]86)$")
  set_source_files_properties(${_quant_dir}/kernel_avx2.cpp ${_quant_dir}/bf16_kernel_avx2.cpp PROPERTIES
    COMPILE_OPTIONS "-mavx2;-mfma;-mf16c;-ffp-contract=off")
  set_source_files_properties(${_quant_dir}/kernel_avx512.cpp ${_quant_dir}/bf16_kernel_avx512.cpp PROPERTIES
    COMPILE_OPTIONS "-mavx512f;-mavx512bw;-mavx512vl;-mavx512vnni;-mfma;-mf16c;-ffp-contract=off;-Wno-uninitialized;-Wno-maybe-uninitialized")
endif()  # elsewhere those two files compile to stubs that are never selected
# at::parallel_for only runs in parallel in a file compiled with OpenMP (libtorch is built
# with it; ATen/ParallelOpenMP.h). PRIVATE: -fopenmp for this library's files only, the
# runtime (libgomp, the one libtorch uses) for whoever links it.
target_link_libraries(ibllm_kernels PRIVATE OpenMP::OpenMP_CXX)
# The quantised-weights cache file is safetensors (engine/checkpoint).
target_link_libraries(ibllm_kernels PUBLIC ibllm_checkpoint)
