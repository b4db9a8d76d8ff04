# The libraries as a package (docs/library.md): pmemvp::<name> aliases for every library, then,
# when PMEMVP_INSTALL is on (the default for the top-level project), the install rules, the
# relocatable CMake package (pmemvpConfig.cmake, pmemvpTargets.cmake), pmemvp.pc and CPack.
# Included by the top-level CMakeLists.txt after the library directories.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Every library a user may link, in dependency order (the first needs nothing of ours). The
# exported name drops the pmemvp_ prefix: pmemvp_nvdimm is pmemvp::nvdimm, installed as
# libpmemvp_nvdimm.a.
set(PMEMVP_EXPORTED_LIBRARIES
  pmemvp_util        # keyval options, config_error, checked ranges, pmemvp/version.h
  pmemvp_formats     # NFIT and namespace-label formats (C, shared with the guest library)
  pmemvp_tlm         # router, memory targets, register banks, extensions, logger, irq
  pmemvp_backend     # host files (memory-backend-file)
  pmemvp_pmem        # persistence domain, timing model
  pmemvp_cpu         # ISA-neutral CPU core
  pmemvp_riscv       # the RISC-V hart
  pmemvp_peripherals # CLINT, PLIC, UART 16550, test finisher
  pmemvp_acpi        # RSDP, XSDT, NFIT builders
  pmemvp_nvdimm      # NVDIMMs, controller, DSM
  pmemvp_pci         # PCIe host, device base
  pmemvp_virtio      # virtio-pci transport, virtqueues, virtio-pmem
  pmemvp_platform    # the virt platform, device tree, ELF loader, symbols
  pmemvp_net         # listening sockets for the servers
  pmemvp_gdb         # the GDB remote stub
  pmemvp_monitor     # the QMP and HMP monitors
)
# Libraries of the executables alone: not installed.
set(PMEMVP_INTERNAL_LIBRARIES
  pmemvp_cli         # pmemvp's command line (a library only so that tests/fuzz links it)
)

# A library added without a word here is neither aliased nor installed: say so.
function(_pmemvp_check_library_lists)
  set(dirs ${ARGN})
  set(all)
  while(dirs)
    list(POP_FRONT dirs dir)
    get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
    foreach(t IN LISTS targets)
      get_target_property(type ${t} TYPE)
      if(type MATCHES "^(STATIC|SHARED|MODULE)_LIBRARY$")
        list(APPEND all ${t})
      endif()
    endforeach()
    get_property(sub DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
    list(APPEND dirs ${sub})
  endwhile()
  foreach(t IN LISTS all)
    if(NOT t IN_LIST PMEMVP_EXPORTED_LIBRARIES AND NOT t IN_LIST PMEMVP_INTERNAL_LIBRARIES)
      message(WARNING "library ${t} is not in PMEMVP_EXPORTED_LIBRARIES (installed, pmemvp::) nor "
                      "in PMEMVP_INTERNAL_LIBRARIES of cmake/PmemvpInstall.cmake: add it to one")
    endif()
  endforeach()
endfunction()
_pmemvp_check_library_lists(${PROJECT_SOURCE_DIR}/tlm ${PROJECT_SOURCE_DIR}/models
                            ${PROJECT_SOURCE_DIR}/platforms ${PROJECT_SOURCE_DIR}/sw/lib/nvdimm)

# Header directories of each library, for the install rules below (before they are wrapped).
foreach(lib IN LISTS PMEMVP_EXPORTED_LIBRARIES)
  string(REGEX REPLACE "^pmemvp_" "" name ${lib})
  add_library(pmemvp::${name} ALIAS ${lib})
  set_target_properties(${lib} PROPERTIES EXPORT_NAME ${name})
  # libsystemc's symbols carry the C++ standard: users compile with C++17 at least.
  if(NOT lib STREQUAL "pmemvp_formats") # C
    target_compile_features(${lib} PUBLIC cxx_std_17)
  endif()

  # The libraries' own CMakeLists say `PUBLIC include`: the build tree's directories. Installed,
  # the headers are under include/ (install(TARGETS ... INCLUDES DESTINATION) below).
  get_target_property(dirs ${lib} INTERFACE_INCLUDE_DIRECTORIES)
  set(wrapped)
  set(header_dirs)
  foreach(dir IN LISTS dirs)
    if(dir MATCHES "^\\$<")
      list(APPEND wrapped "${dir}")
    else()
      list(APPEND wrapped "$<BUILD_INTERFACE:${dir}>")
      list(APPEND header_dirs ${dir})
    endif()
  endforeach()
  set_target_properties(${lib} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${wrapped}")
  set(_pmemvp_header_dirs_${lib} ${header_dirs})
  list(APPEND _pmemvp_all_include_dirs ${wrapped})
endforeach()

# The shared formats are C headers included by their file name ("nfit.h", "labels.h"), in the
# tree and installed alike: installed under include/pmemvp/formats, which users get as an
# include directory.
set(_pmemvp_formats_dir $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/pmemvp/formats>)
target_include_directories(pmemvp_formats PUBLIC ${_pmemvp_formats_dir})

# PMEMVP_SHARED: libpmemvp.so.<major>.<minor>, every exported library in one shared object
# (their objects are position-independent then), as pmemvp::shared. Its SONAME carries the
# minor version too: while the version is 0.x, a minor version may change the interface.
if(PMEMVP_SHARED)
  add_library(pmemvp_shared SHARED ${PROJECT_SOURCE_DIR}/cmake/shared_version.cpp)
  add_library(pmemvp::shared ALIAS pmemvp_shared)
  list(REMOVE_DUPLICATES _pmemvp_all_include_dirs)
  target_include_directories(pmemvp_shared PUBLIC ${_pmemvp_all_include_dirs} ${_pmemvp_formats_dir})
  # The archives themselves between --whole-archive flags (CMake 3.25's WHOLE_ARCHIVE feature
  # refuses libraries that also come in as another's dependency), then what they link.
  set(archives)
  foreach(lib IN LISTS PMEMVP_EXPORTED_LIBRARIES)
    list(APPEND archives $<TARGET_FILE:${lib}>)
  endforeach()
  add_dependencies(pmemvp_shared ${PMEMVP_EXPORTED_LIBRARIES})
  set_target_properties(pmemvp_shared PROPERTIES LINK_DEPENDS "${archives}")
  target_link_libraries(pmemvp_shared
    PRIVATE -Wl,--whole-archive ${archives} -Wl,--no-whole-archive $<BUILD_INTERFACE:${FDT_LIBRARY}>
    PUBLIC PkgConfig::SYSTEMC Threads::Threads)
  target_compile_features(pmemvp_shared PUBLIC cxx_std_17)
  target_link_options(pmemvp_shared PRIVATE LINKER:--no-undefined)
  set_target_properties(pmemvp_shared PROPERTIES OUTPUT_NAME pmemvp EXPORT_NAME shared
    VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
endif()

if(NOT PMEMVP_INSTALL)
  return()
endif()

set(PMEMVP_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/pmemvp CACHE STRING
    "Where pmemvpConfig.cmake is installed, relative to the prefix")
mark_as_advanced(PMEMVP_INSTALL_CMAKEDIR)

set(_pmemvp_installed_libraries ${PMEMVP_EXPORTED_LIBRARIES})
if(PMEMVP_SHARED)
  list(APPEND _pmemvp_installed_libraries pmemvp_shared)
endif()
install(TARGETS ${_pmemvp_installed_libraries} EXPORT pmemvpTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# Headers: each library's include/ holds pmemvp/<area>/*.h already.
foreach(lib IN LISTS PMEMVP_EXPORTED_LIBRARIES)
  if(lib STREQUAL "pmemvp_formats")
    continue()
  endif()
  foreach(dir IN LISTS _pmemvp_header_dirs_${lib})
    if(dir STREQUAL "${PROJECT_BINARY_DIR}/include")
      continue() # the generated version.h, below
    endif()
    if(NOT dir MATCHES "/include$")
      message(FATAL_ERROR "${lib}: public include directory ${dir} is not an include/ with "
                          "pmemvp/... headers; cmake/PmemvpInstall.cmake cannot install it")
    endif()
    install(DIRECTORY ${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
            FILES_MATCHING PATTERN "*.h")
  endforeach()
endforeach()
install(FILES ${PROJECT_BINARY_DIR}/include/pmemvp/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/pmemvp)
install(FILES ${PROJECT_SOURCE_DIR}/sw/lib/nvdimm/nfit.h ${PROJECT_SOURCE_DIR}/sw/lib/nvdimm/labels.h
              ${PROJECT_SOURCE_DIR}/sw/lib/regs/nvdimm_regs.h ${PROJECT_SOURCE_DIR}/sw/lib/regs/virtio_regs.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/pmemvp/formats)

# The executables (built by default only when PMEMVP_BUILD_TOOLS is on).
if(PMEMVP_BUILD_TOOLS)
  install(TARGETS pmemvp pmemvp-inspect pmemvp-sweep RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# Documentation.
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CHANGELOG.md
              ${PROJECT_SOURCE_DIR}/LICENSE
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)
# The examples (a platform of your own with an NVDIMM, with virtio-pmem; an out-of-tree guest),
# built from here by the install tests: they need nothing of the source tree.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# The guest SDK, as sources: the runtime, the guest libraries and the toolchain file.
set(_sdk ${CMAKE_INSTALL_DATADIR}/pmemvp/sdk)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sw/runtime/ DESTINATION ${_sdk}/runtime)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sw/lib/ DESTINATION ${_sdk}/lib
        PATTERN "CMakeLists.txt" EXCLUDE)
install(FILES ${PROJECT_SOURCE_DIR}/sw/cmake/riscv64-picolibc.cmake ${PROJECT_SOURCE_DIR}/sw/cmake/PmemvpGuest.cmake
        DESTINATION ${_sdk}/cmake)
install(FILES ${PROJECT_SOURCE_DIR}/cmake/sdk-README.md DESTINATION ${_sdk} RENAME README.md)

# The CMake package: relocatable (every path relative to the config file's own directory).
install(EXPORT pmemvpTargets NAMESPACE pmemvp:: DESTINATION ${PMEMVP_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/pmemvpConfig.cmake.in
  ${PROJECT_BINARY_DIR}/pmemvpConfig.cmake
  INSTALL_DESTINATION ${PMEMVP_INSTALL_CMAKEDIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_DATADIR CMAKE_INSTALL_BINDIR)
# 0.x: a minor version may break the interface, so 0.1 accepts 0.1.* only.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/pmemvpConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/pmemvpConfig.cmake ${PROJECT_BINARY_DIR}/pmemvpConfigVersion.cmake
        DESTINATION ${PMEMVP_INSTALL_CMAKEDIR})

# pmemvp.pc: relocatable too (prefix from ${pcfiledir}). Static libraries, so Libs lists them
# all, users before what they use, then what they need (libfdt, threads).
file(RELATIVE_PATH PMEMVP_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" PMEMVP_PC_TO_PREFIX "${PMEMVP_PC_TO_PREFIX}")
set(PMEMVP_PC_LIBS)
list(REVERSE PMEMVP_EXPORTED_LIBRARIES)
foreach(lib IN LISTS PMEMVP_EXPORTED_LIBRARIES)
  string(APPEND PMEMVP_PC_LIBS " -l${lib}")
endforeach()
list(REVERSE PMEMVP_EXPORTED_LIBRARIES)
configure_file(${PROJECT_SOURCE_DIR}/cmake/pmemvp.pc.in ${PROJECT_BINARY_DIR}/pmemvp.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/pmemvp.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

include(${PROJECT_SOURCE_DIR}/cmake/PmemvpPackage.cmake)
