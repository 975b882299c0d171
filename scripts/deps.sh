# Sourced by scripts/*.sh and .ci/run: installs the Debian packages slope needs, only when missing.
# Non-interactive; works as root, or through sudo when that is available.
SLOPE_DEBIAN_PACKAGES=(
  build-essential cmake pkg-config        # compiler and build
  libopenblas-openmp-dev                  # BLAS for the cpu backend (slope holds it to one thread per call)
  libssl-dev                              # SHA-256 (libcrypto) for the jit's compilation cache
  libgtest-dev nlohmann-json3-dev         # tests
  graphviz                                # tests: every DOT the passes draw is checked with `dot`
  libbenchmark-dev                        # bench/
  python3-torch python3-numpy             # golden values for the tests, and the benchmark comparison
  clang                                   # the second compiler CI checks with (its libclang-rt-14-dev has libFuzzer)
  zlib1g-dev                              # gzipped IDX files (slope::load_idx)
  dataset-fashion-mnist                   # slope::data::fashion_mnist() reads its files
  ccache                                  # CI: the reference-only stage reuses the release stage's objects
  libcli11-dev                            # the training examples' command-line flags
)

slope_install_deps() {
  local missing=() p
  for p in "${SLOPE_DEBIAN_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "slope: installing missing Debian packages: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      echo "slope: not root and no sudo; please install: ${missing[*]}" >&2
      return 1
    fi
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}
