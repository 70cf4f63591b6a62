# kaudit: one image for the controller, the node agent and the uninstall hook.
#   hack/image.sh            builds it (tag: the version hack/release.sh set)
#
# Build stage: Debian 12 with exactly the packages hack/setup.sh installs, a Release build of
# the kaudit binary alone (no tests), stripped.
FROM debian:12 AS build
WORKDIR /src
COPY hack/setup.sh hack/setup.sh
RUN KAUDIT_SETUP_APT_ONLY=1 hack/setup.sh && rm -rf /var/lib/apt/lists/*
COPY CMakeLists.txt ./
COPY cmake cmake
COPY operator operator
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DKAUDIT_TESTS=OFF \
      -DCMAKE_CXX_COMPILER_LAUNCHER= >/dev/null \
 && cmake --build /build --target kaudit \
 && strip /build/kaudit \
 && /build/kaudit --version

# Runtime: Debian 12 slim, only the shared libraries kaudit links (libstdc++, zlib and libc are
# in the base image; libbrotli1 comes with libcpprest2.10).
FROM debian:12-slim
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libcpprest2.10 libyaml-cpp0.7 libyaml-0-2 libssl3 libspdlog1.10 libfmt9 libsimdjson14 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/kaudit /usr/local/bin/kaudit
# Non-root by default (controller, uninstall Job); the agent DaemonSet sets runAsUser: 0 itself.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/kaudit"]
