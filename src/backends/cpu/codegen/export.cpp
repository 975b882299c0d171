// CpuBackend::export_program: a build folder that runs the program with no slope at all.
//   <name>.cpp            the generated source (as jit compiles it) + a small C ABI wrapper
//   <name>.h              int slope_<name>(const void* const* inputs, void* const* outputs), shapes
//                         and dtypes
//   <name>_constants.bin  the constants, raw little-endian, in the order the program uses them
//   <name>_run.cpp        CLI: <name>_run in0.bin ... -- out0.bin ...
//   CMakeLists.txt, README.md (library target slope_<name>, executable <name>_run)
// Every symbol and macro the files define starts with slope_<name> / SLOPE_<NAME>, so an export
// called "main" or two exports linked into one program collide with nothing.
// Every file is first written next to its final name and renamed into place only once all of
// them are complete, so a failed export leaves a previous export intact.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "backends/cpu/codegen/codegen.h"
#include "backends/cpu/codegen/jit.h"

namespace slope::cpu {

namespace {

std::string join_shape(const Shape& s) {
  std::string r;
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return s;
}

void make_dirs(const std::string& dir) {
  std::string at;
  std::istringstream parts(dir);
  if (!dir.empty() && dir[0] == '/') at = "/";
  for (std::string p; std::getline(parts, p, '/');) {
    if (p.empty()) continue;
    at += p;
    if (::mkdir(at.c_str(), 0755) != 0 && errno != EEXIST)
      fail("export", "cannot create directory ", at, ": ", std::strerror(errno));
    at += "/";
  }
  struct stat st {};
  check(::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode), "export", dir, " is not a directory");
}

// The prefix of every symbol of an export: slope_<name>.
std::string prefix(const std::string& name) { return "slope_" + name; }

// The C header: entry points and the program's interface, documented.
std::string header(const Program& p, const std::string& name, size_t n_const, int64_t const_bytes) {
  const std::string c = prefix(name), guard = upper(c) + "_H";
  std::ostringstream os;
  os << "/* " << c << ": the program " << name << " exported by slope (C ABI; see README.md).\n *\n";
  std::istringstream text(p.str(name));
  for (std::string line; std::getline(text, line);) os << " *   " << line << "\n";
  os << " *\n * Tensors are contiguous row-major arrays in the listed dtype (bool = 1 byte 0/1, f16/bf16 =\n"
     << " * 16-bit patterns), little-endian. Outputs are written to caller-allocated buffers of the\n"
     << " * listed sizes, which must not overlap the inputs.\n */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n#include <stddef.h>\n#include <stdint.h>\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  auto list = [&](const char* what, const std::vector<AVal>& avals) {
    os << "#define " << upper(c) << "_NUM_" << upper(what) << "S " << avals.size() << "\n";
    for (size_t i = 0; i < avals.size(); ++i) {
      const AVal& a = avals[i];
      os << "/* " << what << " " << i << ": " << to_string(a) << " */\n"
         << "static const int " << c << "_" << what << i << "_rank = " << a.shape.size() << ";\n"
         << "static const int64_t " << c << "_" << what << i << "_shape[] = {"
         << (a.shape.empty() ? "0 /* rank 0: unused */" : join_shape(a.shape)) << "};\n"
         << "static const char " << c << "_" << what << i << "_dtype[] = \"" << slope::name(a.dtype) << "\";\n"
         << "static const size_t " << c << "_" << what << i << "_bytes = " << numel(a.shape) * itemsize(a.dtype)
         << ";\n";
    }
    os << "\n";
  };
  std::vector<AVal> ins, outs;
  for (int v : p.inputs) ins.push_back(p.vars[v]);
  for (const Atom& a : p.outputs) outs.push_back(p.aval(a));
  list("input", ins);
  list("output", outs);
  os << "/* Loads the " << n_const << " constants (" << const_bytes << " bytes) from " << name
     << "_constants.bin. Call once, before\n * any call to " << c << "(); returns 0, or non-zero with "
     << c << "_error() set. */\n"
     << "int " << c << "_init(const char* constants_path);\n\n"
     << "/* Runs the program: inputs[i] / outputs[i] point to the tensors listed above. Thread-safe\n"
     << " * after init. Returns 0, or non-zero with " << c << "_error() set (e.g. an index out of range). */\n"
     << "int " << c << "(const void* const* inputs, void* const* outputs);\n\n"
     << "/* The last error message of this thread. */\nconst char* " << c << "_error(void);\n\n"
     << "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  return os.str();
}

// The wrapper appended to the generated source: constants, workspace, the C ABI.
std::string wrapper(const Program& p, const std::string& name, const codegen::Source& src) {
  const size_t nc = src.constants.size(), ni = p.inputs.size();
  const std::string c = prefix(name);
  std::ostringstream os;
  os << "\n// ---- the C ABI of " << name << ".h: constants, workspace, errors ----\n"
     << "#include <cstdlib>\n\n#include \"" << name << ".h\"\n\nnamespace {\n"
     << "constexpr size_t kNumConstants = " << nc << ";\n"
     << "constexpr size_t kConstantBytes[" << std::max<size_t>(nc, 1) << "] = {";
  for (size_t c = 0; c < nc; ++c) os << (c ? ", " : "") << src.constants[c].numel() * itemsize(src.constants[c].dtype());
  if (nc == 0) os << "0";
  os << "};\n"
     << "void* g_constants[" << std::max<size_t>(nc, 1) << "] = {nullptr};\n"
     << "bool g_loaded = kNumConstants == 0;\n"
     << "thread_local char g_error[512];\n"
     << "constexpr size_t kWorkspace = " << src.workspace_bytes << ";\n"
     << "void* aligned(size_t bytes) { return std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64); }\n"
     << "int fail(const char* msg) {\n  std::snprintf(g_error, sizeof g_error, \"%s\", msg);\n  return 1;\n}\n"
     << "}  // namespace\n\n"
     << "extern \"C\" const char* " << c << "_error(void) { return g_error; }\n\n"
     << "extern \"C\" int " << c << "_init(const char* constants_path) {\n"
     << "  if (kNumConstants == 0) return 0;\n"
     << "  std::FILE* f = std::fopen(constants_path, \"rb\");\n"
     << "  if (!f) return fail(\"[" << name << "] cannot open the constants file\");\n"
     << "  int rc = 0;\n"
     << "  for (size_t c = 0; c < kNumConstants && rc == 0; ++c) {\n"
     << "    g_constants[c] = aligned(kConstantBytes[c]);\n"
     << "    if (!g_constants[c]) rc = fail(\"[" << name << "] out of memory\");\n"
     << "    else if (std::fread(g_constants[c], 1, kConstantBytes[c], f) != kConstantBytes[c])\n"
     << "      rc = fail(\"[" << name << "] the constants file is too short\");\n"
     << "  }\n"
     << "  if (rc == 0 && std::fgetc(f) != EOF) rc = fail(\"[" << name << "] the constants file is too long\");\n"
     << "  std::fclose(f);\n"
     << "  g_loaded = rc == 0;\n"
     << "  return rc;\n}\n\n"
     << "extern \"C\" int " << c << "(const void* const* inputs, void* const* outputs) {\n"
     << "  if (!g_loaded) return fail(\"[" << name << "] call " << c << "_init() first\");\n"
     << "  const void* in[" << std::max<size_t>(ni + nc, 1) << "] = {nullptr};\n"
     << "  for (size_t i = 0; i < " << ni << "; ++i) in[i] = inputs[i];\n"
     << "  for (size_t c = 0; c < kNumConstants; ++c) in[" << ni << " + c] = g_constants[c];\n"
     << "  void* ws = kWorkspace ? aligned(kWorkspace) : nullptr;\n"
     << "  if (kWorkspace && !ws) return fail(\"[" << name << "] out of memory\");\n"
     << "  const int rc = " << src.entry << "(in, outputs, ws, g_error, sizeof g_error);\n"
     << "  std::free(ws);\n  return rc;\n}\n";
  return os.str();
}

// The command-line runner: raw tensor files in, raw tensor files out, sizes checked.
std::string cli(const Program& p, const std::string& name) {
  const std::string c = prefix(name), N = upper(c);
  std::ostringstream os;
  os << "// " << name << "_run: runs " << name << " on raw tensor files (see README.md).\n"
     << "//   " << name << "_run [--constants FILE] in0.bin ... -- out0.bin ...\n"
     << "#include <cstdio>\n#include <cstdlib>\n#include <cstring>\n#include <string>\n#include <vector>\n\n"
     << "#include \"" << name << ".h\"\n\n"
     << "static const size_t kInBytes[] = {";
  for (size_t i = 0; i < p.inputs.size(); ++i) os << (i ? ", " : "") << c << "_input" << i << "_bytes";
  if (p.inputs.empty()) os << "0";
  os << "};\nstatic const size_t kOutBytes[] = {";
  for (size_t i = 0; i < p.outputs.size(); ++i) os << (i ? ", " : "") << c << "_output" << i << "_bytes";
  if (p.outputs.empty()) os << "0";
  os << "};\n\n"
     << "static int usage() {\n"
     << "  std::fprintf(stderr, \"usage: " << name << "_run [--constants FILE] <%d input files> -- <%d output files>\\n\", "
     << N << "_NUM_INPUTS, " << N << "_NUM_OUTPUTS);\n  return 2;\n}\n\n"
     << "int main(int argc, char** argv) {\n"
     << "  std::string constants = " << N << "_CONSTANTS_FILE;\n"
     << "  std::vector<std::string> ins, outs;\n  bool after = false;\n"
     << "  for (int i = 1; i < argc; ++i) {\n"
     << "    if (!after && std::strcmp(argv[i], \"--constants\") == 0 && i + 1 < argc) constants = argv[++i];\n"
     << "    else if (!after && std::strcmp(argv[i], \"--\") == 0) after = true;\n"
     << "    else (after ? outs : ins).push_back(argv[i]);\n  }\n"
     << "  if (ins.size() != " << N << "_NUM_INPUTS || outs.size() != " << N << "_NUM_OUTPUTS) return usage();\n"
     << "  if (" << c << "_init(constants.c_str()) != 0) {\n"
     << "    std::fprintf(stderr, \"%s\\n\", " << c << "_error());\n    return 1;\n  }\n"
     << "  std::vector<std::vector<unsigned char>> in_data(ins.size()), out_data(outs.size());\n"
     << "  std::vector<const void*> in_ptrs;\n  std::vector<void*> out_ptrs;\n"
     << "  for (size_t i = 0; i < ins.size(); ++i) {\n"
     << "    std::FILE* f = std::fopen(ins[i].c_str(), \"rb\");\n"
     << "    if (!f) { std::fprintf(stderr, \"cannot open %s\\n\", ins[i].c_str()); return 1; }\n"
     << "    in_data[i].resize(kInBytes[i] + 1);\n"
     << "    size_t got = std::fread(in_data[i].data(), 1, kInBytes[i] + 1, f);\n    std::fclose(f);\n"
     << "    if (got != kInBytes[i]) {\n"
     << "      std::fprintf(stderr, \"%s: expected %zu bytes, got %zu%s\\n\", ins[i].c_str(), kInBytes[i], got,"
     << " got > kInBytes[i] ? \" or more\" : \"\");\n      return 1;\n    }\n"
     << "    in_ptrs.push_back(in_data[i].data());\n  }\n"
     << "  for (size_t i = 0; i < outs.size(); ++i) {\n"
     << "    out_data[i].resize(kOutBytes[i] + 1);\n    out_ptrs.push_back(out_data[i].data());\n  }\n"
     << "  if (" << c << "(in_ptrs.data(), out_ptrs.data()) != 0) {\n"
     << "    std::fprintf(stderr, \"%s\\n\", " << c << "_error());\n    return 1;\n  }\n"
     << "  for (size_t i = 0; i < outs.size(); ++i) {\n"
     << "    std::FILE* f = std::fopen(outs[i].c_str(), \"wb\");\n"
     << "    if (!f || std::fwrite(out_data[i].data(), 1, kOutBytes[i], f) != kOutBytes[i]) {\n"
     << "      std::fprintf(stderr, \"cannot write %s\\n\", outs[i].c_str());\n      if (f) std::fclose(f);\n"
     << "      return 1;\n    }\n    std::fclose(f);\n  }\n  return 0;\n}\n";
  return os.str();
}

std::string cmake(const std::string& name, bool blas) {
  const std::string lib = prefix(name);
  std::ostringstream os;
  os << "# Builds " << lib << " (library) and " << name << "_run (CLI); generated by slope.\n"
     << "cmake_minimum_required(VERSION 3.16)\nproject(" << lib << " LANGUAGES CXX)\n"
     << "set(CMAKE_CXX_STANDARD 20)\nset(CMAKE_CXX_STANDARD_REQUIRED ON)\n"
     << "if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)\n  set(CMAKE_BUILD_TYPE Release)\nendif()\n\n"
     << "add_library(" << lib << " " << name << ".cpp)\n"
     << "target_include_directories(" << lib << " PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})\n"
     << "# Every operation rounded on its own, never fused into an FMA: the bits slope computes.\n"
     << "target_compile_options(" << lib << " PRIVATE -ffp-contract=off)\n"
     << "# Threads are optional: without OpenMP the loops run serially.\n"
     << "find_package(OpenMP)\nif(OpenMP_CXX_FOUND)\n  target_link_libraries(" << lib
     << " PUBLIC OpenMP::OpenMP_CXX)\nendif()\n";
  if (blas) {
    os << "# Matrix products call CBLAS (cblas_sgemm/dgemm): OpenBLAS through pkg-config, else any BLAS.\n"
       << "find_package(PkgConfig QUIET)\nif(PkgConfig_FOUND)\n  pkg_check_modules(OPENBLAS QUIET IMPORTED_TARGET openblas)\n"
       << "endif()\nif(OPENBLAS_FOUND)\n  target_link_libraries(" << lib << " PUBLIC PkgConfig::OPENBLAS)\n"
       << "else()\n  find_package(BLAS REQUIRED)\n  target_link_libraries(" << lib << " PUBLIC BLAS::BLAS)\nendif()\n";
  }
  os << "\nadd_executable(" << name << "_run " << name << "_run.cpp)\n"
     << "target_link_libraries(" << name << "_run PRIVATE " << lib << ")\n"
     << "target_compile_definitions(" << name << "_run PRIVATE " << upper(lib)
     << "_CONSTANTS_FILE=\"${CMAKE_CURRENT_SOURCE_DIR}/" << name << "_constants.bin\")\n";
  return os.str();
}

std::string readme(const Program& p, const std::string& name, bool blas) {
  const std::string c = prefix(name);
  std::ostringstream os;
  os << "# " << name << "\n\nA program exported by slope's cpu backend: plain C++20 with no slope dependency"
     << (blas ? " (it needs a CBLAS, e.g. OpenBLAS)" : "") << ".\n\n```\n"
     << p.str(name) << "```\n\n## Build\n\n```sh\ncmake -S . -B build && cmake --build build\n```\n\n"
     << "This builds the library `" << c << "` and the command-line runner `" << name << "_run`.\n\n"
     << "## Call from C or C++\n\n```c\n#include \"" << name << ".h\"\n\n"
     << c << "_init(\"" << name << "_constants.bin\");  /* once */\n"
     << "const void* inputs[] = {...};   /* " << p.inputs.size() << " arrays, shapes in " << name << ".h */\n"
     << "void* outputs[] = {...};        /* " << p.outputs.size() << " caller-allocated arrays */\n"
     << "if (" << c << "(inputs, outputs) != 0) fprintf(stderr, \"%s\\n\", " << c << "_error());\n```\n\n"
     << "Every symbol and macro of `" << name << ".h` starts with `" << c << "` / `" << upper(c) << "`.\n"
     << "Tensors are contiguous row-major little-endian arrays; bool is one byte, f16/bf16 are 16-bit patterns.\n\n"
     << "## Run on files\n\n```sh\nbuild/" << name << "_run in0.bin ... -- out0.bin ...\n```\n\n"
     << "Each file holds one tensor's raw bytes (e.g. `numpy_array.tofile(\"in0.bin\")`); the runner checks the\n"
     << "sizes against " << name << ".h and reads the constants from `" << name
     << "_constants.bin` in this folder\n(`--constants FILE` to use another copy).\n";
  return os.str();
}

}  // namespace

void export_program(const Program& program, const std::string& dir, const std::string& name) {
  check(is_program_name(name), "export", "the name \"", name, "\" is not a valid program name: ", kProgramNameRule);
  check(!dir.empty(), "export", "empty directory name");
  const codegen::Source src = codegen::generate(program, name);
  make_dirs(dir);
  std::string constants;
  for (const Tensor& t : src.constants)
    constants.append(static_cast<const char*>(t.data()), static_cast<size_t>(t.numel()) * itemsize(t.dtype()));
  const std::vector<std::pair<std::string, std::string>> files = {
      {name + ".cpp", src.text + wrapper(program, name, src)},
      {name + ".h", header(program, name, src.constants.size(), static_cast<int64_t>(constants.size()))},
      {name + "_constants.bin", constants},
      {name + "_run.cpp", cli(program, name)},
      {"CMakeLists.txt", cmake(name, src.uses_blas)},
      {"README.md", readme(program, name, src.uses_blas)},
  };
  // Write everything to temporaries first; rename only when all are complete.
  std::vector<std::string> temps;
  auto cleanup = [&] {
    for (const std::string& t : temps) std::remove(t.c_str());
  };
  for (const auto& [file, text] : files) {
    const std::string tmp = dir + "/." + file + ".tmp";
    temps.push_back(tmp);
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(text.data(), static_cast<std::streamsize>(text.size()));
    f.close();
    if (!f) {
      cleanup();
      fail("export", "cannot write ", tmp);
    }
  }
  for (size_t i = 0; i < files.size(); ++i) {
    if (std::rename(temps[i].c_str(), (dir + "/" + files[i].first).c_str()) != 0) {
      cleanup();
      fail("export", "cannot rename ", temps[i], " into place: ", std::strerror(errno));
    }
  }
}

}  // namespace slope::cpu
