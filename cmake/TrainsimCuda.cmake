# TRAINSIM_CUDA=AUTO|ON|OFF decides TRAINSIM_CUDA_ENABLED. Only kernels/ ever uses CUDA.
set(TRAINSIM_CUDA_ENABLED OFF)
if(NOT TRAINSIM_CUDA STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    # NOTE: set before enable_language(CUDA), which otherwise fills in nvcc's default (sm_75 for nvcc 13),
    # and kernels/CMakeLists.txt's check for "52" would keep it: the kernels target Hopper (sm_90a for wgmma).
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES AND NOT DEFINED ENV{CUDAARCHS})
      set(CMAKE_CUDA_ARCHITECTURES 90a CACHE STRING "CUDA architectures to build the kernels for")
    endif()
    enable_language(CUDA)
    # NOTE: CMake 3.25 does not know that nvcc 12+ takes C++20; teach it, so device code shares headers
    # (std::span, concepts) with the C++20 host code.
    set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
    set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
    set(CMAKE_CUDA_STANDARD 20)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    set(TRAINSIM_CUDA_ENABLED ON)
  elseif(TRAINSIM_CUDA STREQUAL "ON")
    message(FATAL_ERROR "TRAINSIM_CUDA=ON but no CUDA compiler was found (looked for nvcc on PATH and in /usr/local/cuda)")
  endif()
endif()
message(STATUS "trainsim: CUDA kernels ${TRAINSIM_CUDA_ENABLED}")
