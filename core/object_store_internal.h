// core/object_store_internal.h — the two ObjectStore implementations, for OpenObjectStore
// (core/object_store.cpp) only. Contracts are those of core/object_store.h.
#pragma once

#include <memory>

#include "core/object_store.h"

namespace sundial::core {

// `config.root` must already exist as a directory.
std::unique_ptr<ObjectStore> NewFsObjectStore(const ObjectStoreConfig& config, FileSystem& fs);
std::unique_ptr<ObjectStore> NewS3ObjectStore(const ObjectStoreConfig& config, HttpUrl endpoint,
                                              const ObjectStoreOptions& options);

}  // namespace sundial::core
