#include "core/status.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace sundial::core {
namespace {

Result<int> Half(int v) {
  if (v % 2) return Status::InvalidArgument("odd", 3);
  return v / 2;
}

Status UseHalf(int v, int* out) {
  ASSIGN_OR_RETURN(*out, Half(v));
  return Status::Ok();
}

TEST(StatusTest, ResultCarriesValueOrError) {
  int out = 0;
  EXPECT_TRUE(UseHalf(8, &out).ok());
  EXPECT_EQ(out, 4);
  Status st = UseHalf(7, &out);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.position(), 3);
  EXPECT_EQ(st.message(), "odd");
}

TEST(StatusTest, FromErrnoMapsDiskFullToResourceExhausted) {
  Status st = Status::FromErrno(ENOSPC, "could not write file [path=/x]");
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(st.message().find("errno=28"), std::string::npos);
  EXPECT_EQ(Status::FromErrno(EIO, "x").code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace sundial::core
