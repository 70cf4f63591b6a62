# Build helpers shared by every library folder under operator/.
#
# kaudit_library(NAME SOURCES a.cc b.cc DEPS other_lib ...)
#   A static library kaudit_NAME; headers are included as "NAME/header.h" from operator/.
# kaudit_test(NAME SOURCES x_test.cc ... DEPS ...)
#   A GoogleTest binary registered with ctest; runs with the source tree as working directory.

set(KAUDIT_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Wunused -Woverloaded-virtual -Wnull-dereference -Wformat=2 -Wimplicit-fallthrough)
# -Wnull-dereference only acts with optimisation, and there GCC 12 reports false positives
# inside libstdc++ (stl_iterator.h) for ordinary vector code; keep it for unoptimised builds,
# where it costs nothing, and leave it out of optimised ones so -Werror stays meaningful.
if(CMAKE_BUILD_TYPE MATCHES "Rel")
  list(REMOVE_ITEM KAUDIT_WARNINGS -Wnull-dereference)
endif()
if(KAUDIT_WERROR)
  list(APPEND KAUDIT_WARNINGS -Werror)
endif()

if(KAUDIT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

function(kaudit_apply_warnings target)
  target_compile_options(${target} PRIVATE ${KAUDIT_WARNINGS})
endfunction()

function(kaudit_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(kaudit_${name} STATIC ${ARG_SOURCES})
  target_include_directories(kaudit_${name} PUBLIC ${PROJECT_SOURCE_DIR}/operator)
  target_link_libraries(kaudit_${name} PUBLIC ${ARG_DEPS})
  kaudit_apply_warnings(kaudit_${name})
endfunction()

function(kaudit_test name)
  if(NOT KAUDIT_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/operator ${PROJECT_SOURCE_DIR}/tests)
  kaudit_apply_warnings(${name})
  add_test(NAME ${name} COMMAND ${name} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  if(ARG_TIMEOUT)
    set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT})
  else()
    set_tests_properties(${name} PROPERTIES TIMEOUT 300)
  endif()
  set_property(TEST ${name} APPEND PROPERTY ENVIRONMENT
    "KAUDIT_BIN=$<TARGET_FILE:kaudit>" "KAUDIT_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()

# libFuzzer target; only with KAUDIT_FUZZ=ON and clang.
function(kaudit_fuzzer name)
  if(NOT KAUDIT_FUZZ)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/operator)
endfunction()

# Libraries the kaudit binary links (each library folder calls this for itself).
function(kaudit_cli_link)
  set_property(GLOBAL APPEND PROPERTY KAUDIT_CLI_LIBS ${ARGN})
endfunction()

# kaudit_module(NAME DEPS a b ...)
#   The usual shape of a library folder: every *.cc except *_test.cc and *_fuzz.cc becomes the
#   library kaudit_NAME; every *_test.cc becomes one test binary NAME_test; the kaudit binary
#   links the library. New files need no CMake edit.
function(kaudit_module name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "DEPS;TEST_DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  file(GLOB fuzz CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_fuzz.cc)
  if(tests)
    list(REMOVE_ITEM srcs ${tests})
  endif()
  if(fuzz)
    list(REMOVE_ITEM srcs ${fuzz})
  endif()
  kaudit_library(${name} SOURCES ${srcs} DEPS ${ARG_DEPS})
  kaudit_cli_link(kaudit_${name})
  if(tests)
    set(timeout_arg)
    if(ARG_TIMEOUT)
      set(timeout_arg TIMEOUT ${ARG_TIMEOUT})
    endif()
    kaudit_test(${name}_test SOURCES ${tests} DEPS kaudit_${name} ${ARG_TEST_DEPS} ${timeout_arg})
  endif()
endfunction()
