# Warnings on for the project's own targets (not for third-party headers, which come in as SYSTEM).
function(trainsim_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
      -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wimplicit-fallthrough>)
  if(TRAINSIM_SANITIZE)
    # NOTE: under -fsanitize=address GCC 12 reports maybe-uninitialized false positives inside libstdc++'s
    # <regex> (std::function in regex_automaton.h, seen in tests/reports/schedule_svg_test.cc); the normal
    # build keeps the warning.
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wno-maybe-uninitialized>)
  endif()
  if(TRAINSIM_WERROR)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Werror>)
  endif()
endfunction()
