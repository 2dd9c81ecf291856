# The one place where our warning and sanitizer flags are set.
#
# credledger_target_options(target): warnings for our own code, sanitizers when
# CREDLEDGER_SANITIZE (ASan + UBSan) or CREDLEDGER_TSAN is on, libFuzzer coverage when
# CREDLEDGER_FUZZ is. Every library, executable and test calls it.
function(credledger_target_options target)
  # A switch over an enum that misses an enumerator does not compile: that is how adding a
  # record type (ledger/records/record_type.h) or a route policy finds every place it touches.
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Werror=switch)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    # Lock annotations (crypto/mutex.h) are checked, and a broken one fails the build.
    target_compile_options(${target} PRIVATE -Wthread-safety -Werror=thread-safety)
  endif()
  if(CREDLEDGER_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-sanitize-recover=all
                                             -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(CREDLEDGER_FUZZ)
    # Coverage feedback for libFuzzer in every library; the fuzz targets link its main.
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link)
  endif()
  if(CREDLEDGER_TSAN)
    target_compile_options(${target} PRIVATE -fsanitize=thread -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=thread)
  endif()
endfunction()

# credledger_module(name SOURCES ... DEPS ...): the library target credledger_<name>,
# aliased credledger::<name>, whose public headers are included as "<name>/x.h".
function(credledger_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(credledger_${name} STATIC ${ARG_SOURCES})
  add_library(credledger::${name} ALIAS credledger_${name})
  target_include_directories(credledger_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(credledger_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  credledger_target_options(credledger_${name})
endfunction()
