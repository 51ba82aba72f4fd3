# Shell helpers shared by bench/run and bench/syscalls (sourced; bash). The caller defines
# say MESSAGE and die MESSAGE (print, and for die exit 1).

# --- packages ------------------------------------------------------------------------------------
APT_UPDATED=0
apt_install() { # PACKAGE...: install Debian packages as root (apt-get update once first), or die
  [[ $(id -u) == 0 ]] || die "missing $*; install them (apt-get install $*) or run as root"
  say "installing $*"
  ((APT_UPDATED)) || { apt-get update -qq; APT_UPDATED=1; }
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; then
    # nginx-light is gone from newer Debian releases: the plain package has what we use.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${@/nginx-light/nginx}" >/dev/null
  fi
}
apt_install_optional() { # PACKAGE: like apt_install, but only tries (status 1 when it is not there)
  [[ $(id -u) == 0 ]] || return 1
  ((APT_UPDATED)) || { apt-get update -qq || return 1; APT_UPDATED=1; }
  apt-cache show "$1" >/dev/null 2>&1 || return 1
  say "installing $1"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null 2>&1
}
have_nginx() { command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]]; }

# --- the servers (started in the background: the caller takes the pid from $!) ------------------
# halfway runs with the production JVM options, from the one file the README documents.
HALFWAY_JVM_OPTIONS=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/server/jvm.options
[[ -f $HALFWAY_JVM_OPTIONS ]] || { echo "bench: $HALFWAY_JVM_OPTIONS is missing" >&2; exit 1; }
halfway_jvm_flags() { # the options of server/jvm.options on one line (for the reports)
  sed 's/#.*//' "$HALFWAY_JVM_OPTIONS" | xargs
}
HALFWAY_JVM_FLAGS=("@$HALFWAY_JVM_OPTIONS") # bench/run's limit responder gets the same options
start_halfway_jar() { # JAR PORT ROOT LOG [SERVER OPTION...]: java @server/jvm.options -jar JAR, no access log
  java @"$HALFWAY_JVM_OPTIONS" -jar "$1" --port "$2" --root "$3" --access-log off "${@:5}" >"$4" 2>&1 &
}
start_nginx_in() { # DIR PORT ROOT LOG: nginx, 1 worker, sendfile, its config and pid file in DIR
  nginx_conf_in "$1" "$2" "$3"
  exec_nginx_in "$1" "$4"
}
nginx_conf_in() { # DIR PORT ROOT [CERT KEY]: write DIR/nginx.conf (start_nginx_in's config); with
  # CERT and KEY (PEM) the port speaks TLS 1.2 and 1.3, without session resumption (no cache, no
  # tickets: every connection is a full handshake, whatever the client offers)
  local listen="listen 127.0.0.1:$2;" tls=""
  if (($# >= 5)); then
    listen="listen 127.0.0.1:$2 ssl;"
    tls="
    ssl_certificate $4;
    ssl_certificate_key $5;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache off;
    ssl_session_tickets off;"
  fi
  cat >"$1/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  server {
    $listen
    root $3;$tls
  }
}
EOF
}
exec_nginx_in() { # DIR LOG: start nginx with DIR/nginx.conf (nothing else first: bench/run's cold start times this)
  nginx -e "$1/error.log" -c "$1/nginx.conf" -p "$1/" >"$2" 2>&1 &
}

# --- processes -----------------------------------------------------------------------------------
alive() { # running, and not a zombie
  kill -0 "$1" 2>/dev/null && [[ $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) != Z ]]
}
pids_of() { # the server's pid and its direct children (nginx's worker)
  local pid=$1
  echo "$pid"
  cat "/proc/$pid/task/"*/children 2>/dev/null | tr ' ' '\n' | sed '/^$/d' || true
}
cpu_ticks() { # utime + stime of the server's processes, in clock ticks
  local sum=0 p t
  for p in $(pids_of "$1"); do
    t=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}') || t=0
    sum=$((sum + ${t:-0}))
  done
  echo "$sum"
}
peak_rss_kib() { # VmHWM summed over the server's processes
  local sum=0 p k
  for p in $(pids_of "$1"); do
    k=$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null) || k=0
    sum=$((sum + ${k:-0}))
  done
  echo "$sum"
}
busy_ticks() { # the whole machine's busy time (user nice system irq softirq steal), in clock ticks
  awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat
}
# user+sys of this shell's finished (waited-for) children, in clock ticks. It reads the builtin
# `times`, which must run in this shell ($(times) would report a fresh subshell): call
# snap_children FILE first, then children_ticks FILE.
snap_children() { times >"$1"; }
children_ticks() {
  awk -v hz="$(getconf CLK_TCK)" 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
    printf "%d\n", t * hz + 0.5 }' "$1"
}
stop_pid() { # NAME PID: SIGTERM, up to 10 s, then SIGKILL; reaps it
  local name=$1 pid=$2
  kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name (pid $pid) did not stop on SIGTERM within 10 s; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}
