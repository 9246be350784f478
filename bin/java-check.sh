# Sourced by bin/switchboard and bin/switchboard-local: one readable line instead of a class-version
# error when java is missing or older than 17 (the jars are built for Java 17).
require_java17() {
  local tool="$1" version major
  if ! command -v java >/dev/null 2>&1; then
    echo "$tool: java not found: install Java 17 or newer (e.g. apt-get install openjdk-17-jdk-headless) and put it on PATH" >&2
    exit 2
  fi
  version="$(java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)"
  major="${version%%.*}"
  [[ "$major" == "1" ]] && major="$(echo "$version" | cut -d. -f2)"
  if [[ "$major" =~ ^[0-9]+$ ]] && (( major < 17 )); then
    echo "$tool: Java $version found, Java 17 or newer is needed: install it, or point JAVA_HOME/PATH at it" >&2
    exit 2
  fi
}
