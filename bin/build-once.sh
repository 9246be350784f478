# Sourced by bin/switchboard and bin/switchboard-local: builds a module's jar when it is missing or
# older than its sources, one build at a time per checkout. Two commands started together (the
# README starts `listen` in the background and `send` right after it) would otherwise run two Maven
# builds over the same target/ directories at once; the second now waits for the first and uses
# its jar. The lock is flock(1)'s (util-linux); where there is none (macOS) builds are not locked.

# True when $1 (a jar) is missing or a file among the other arguments (outside target/) is newer.
jar_is_stale() {
  local jar="$1"
  shift
  [[ ! -f "$jar" ]] && return 0
  [[ -n "$(find "$@" -path '*/target' -prune -o -type f -newer "$jar" -print -quit 2>/dev/null)" ]]
}

# build_if_stale TOOL JAR MODULE WATCHED...: runs `mvn package` for MODULE (and what it needs) when
# JAR is stale against WATCHED, under $ROOT/target/.build.lock. Maven's output goes to stderr.
build_if_stale() {
  local tool="$1" jar="$2" module="$3"
  shift 3
  jar_is_stale "$jar" "$@" || return 0
  mkdir -p "$ROOT/target"
  exec 9>"$ROOT/target/.build.lock"
  if command -v flock >/dev/null 2>&1; then
    flock 9
  fi
  # Another command may have built it while this one waited for the lock.
  if jar_is_stale "$jar" "$@"; then
    echo "$tool: building $jar ..." >&2
    (cd "$ROOT" && mvn -B -q -pl "$module" -am package -DskipTests) >&2
  fi
  # Closed before the script execs java: the JVM must not hold the lock for as long as it runs.
  exec 9>&-
}
