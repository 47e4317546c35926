# ibllm_add_test(<name> [LIBS <libs>...]): the Qt Test executable <name> from <name>.cpp in the
# calling folder, run by CTest offscreen. Used by tests/ and tests/ui/ (included before both).
# A suite whose source does not exist yet is skipped.
function(ibllm_add_test name)
  cmake_parse_arguments(T "" "" "LIBS" ${ARGN})
  if(NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${name}.cpp)
    return()
  endif()
  add_executable(${name} ${name}.cpp)
  target_link_libraries(${name} PRIVATE Qt6::Test ${T_LIBS})
  # tests/support: the helpers every suite shares (data paths, the CLI runner, comparisons).
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
  # Torch headers use `slots` as a name; Qt's keyword macros must be off where they are seen.
  # Test data lives in tests/data (copied from the shared fixtures), so a plain clone runs
  # every test.
  target_compile_definitions(${name} PRIVATE QT_NO_KEYWORDS
      IBLLM_TEST_DATA="${PROJECT_SOURCE_DIR}/tests/data" IBLLM_BIN_DIR="${CMAKE_RUNTIME_OUTPUT_DIRECTORY}")
  set_target_properties(${name} PROPERTIES AUTOMOC ON)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "QT_QPA_PLATFORM=offscreen" TIMEOUT 900)
endfunction()
