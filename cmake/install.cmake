include(CMakePackageConfigHelpers)

install(DIRECTORY include/crdt DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS crdt crdt_serialization crdt_persist crdt_sync
  EXPORT crdtTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT crdtTargets NAMESPACE crdt:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/crdt)

configure_package_config_file(cmake/crdtConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/crdtConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/crdt)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/crdtConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/crdtConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/crdtConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/crdt)
