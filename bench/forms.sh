#!/usr/bin/env bash
# authgw forms benchmark: the cost of AuthType GatewayForm on a proxied GET,
# measured side by side with a plain reverse proxy (noauth) and with httpd's
# own mod_auth_form + mod_session_crypto, all on loopback on this machine.
#
#   bench/forms.sh                     (run as root, after scripts/build)
#
# Environment (all optional):
#   BENCH_SECONDS=10      length of each measured wrk run
#   ROUNDS=2              rounds; each round runs noauth, authgw, mod_auth_form
#   BENCH_THREADS=2       wrk threads
#   BENCH_CONNECTIONS=32  wrk connections
#   BENCH_WARMUP=2        seconds of unmeasured warm-up per variant
#   BENCH_FILE_BYTES=200  size of the static file the backend serves
#   AUTHGW_IDLE=900       AuthGWSessionIdle of the authgw front (0: never idle,
#                         so no session refresh writes at all).  Every run
#                         starts with a fresh logon, and a session is refreshed
#                         at most every AUTHGW_IDLE/16 seconds, so runs shorter
#                         than that make no refresh write either.
#   AUTHGW_STORE=shmcb    AuthGWStore of the authgw front
#   BENCH_EXTRA=""        more variants, measured in the same rounds:
#                         noauth2       a second, identical noauth front: the
#                                       A/A control; noauth2/noauth shows how
#                                       much of a difference is mere noise
#                         authgw_idle0  authgw with AuthGWSessionIdle 0 (no
#                                       session refresh writes at all)
#   BENCH_MAX_OTHER=5     a run during which processes outside the benchmark
#                         took more than this % of the machine's CPU is
#                         "disturbed": it is repeated, up to BENCH_RETRIES=2
#                         more times, and the least disturbed attempt counts;
#                         before each run the script also waits up to
#                         BENCH_QUIET_WAIT=60 seconds for the machine to be
#                         that quiet (0: do not wait)
#   BENCH_DIR=...         where to put configs and logs (default: a new
#                         /tmp/authgw-bench.XXXXXX); kept after the run
#
# Exit status: 0 when the benchmark ran (whether or not the targets are met);
# non-zero when something is broken: a server did not start, a logon failed,
# or a run got answers other than 200.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
secs=${BENCH_SECONDS:-10}
rounds=${ROUNDS:-2}
wthreads=${BENCH_THREADS:-2}
conns=${BENCH_CONNECTIONS:-32}
warmup=${BENCH_WARMUP:-2}
file_bytes=${BENCH_FILE_BYTES:-200}
idle=${AUTHGW_IDLE:-900}
store=${AUTHGW_STORE:-shmcb}
max_other=${BENCH_MAX_OTHER:-5}
retries=${BENCH_RETRIES:-2}
quiet_wait=${BENCH_QUIET_WAIT:-60}
user=bench
password=Bench-Passw0rd
path=/static.txt
variants=(noauth authgw auth_form)
for v in ${BENCH_EXTRA:-}; do
  case $v in
    noauth2|authgw_idle0) variants+=("$v") ;;
    *) echo "forms.sh: unknown BENCH_EXTRA variant '$v' (noauth2, authgw_idle0)" >&2; exit 1 ;;
  esac
done
py=/usr/bin/python3

die() { echo "forms.sh: $*" >&2; exit 1; }

for tool in apache2 wrk htpasswd openssl curl "$py"; do
  command -v "$tool" >/dev/null || die "'$tool' is not installed"
done
core_so=$top/common/.libs/mod_authgw_core.so
forms_so=$top/mod_authgw_forms/.libs/mod_authgw_forms.so
[ -f "$core_so" ] && [ -f "$forms_so" ] \
  || die "the modules are not built; run scripts/build first"
m=$(apxs -q LIBEXECDIR 2>/dev/null || echo /usr/lib/apache2/modules)

if [ -n "${BENCH_DIR:-}" ]; then
  dir=$BENCH_DIR
  mkdir -p "$dir"
else
  dir=$(mktemp -d /tmp/authgw-bench.XXXXXX)
fi
chmod 755 "$dir"

# ---------------------------------------------------------------- cleanup
declare -A pid=()
wrk_pid=
cleanup() {
  local rc=$? name
  trap - EXIT INT TERM
  [ -z "$wrk_pid" ] || kill -TERM "$wrk_pid" 2>/dev/null || true
  for name in "${!pid[@]}"; do
    kill -TERM "${pid[$name]}" 2>/dev/null || true
  done
  for name in "${!pid[@]}"; do
    wait "${pid[$name]}" 2>/dev/null || true
  done
  echo "logs and configs: $dir"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- files
mkdir -p "$dir/site"
chmod 755 "$dir/site"
"$py" -c "import sys; n=int(sys.argv[1]); s=('authgw bench static file ' * (n // 25 + 1))[:n-1] + '\n'; open(sys.argv[2], 'w').write(s)" \
  "$file_bytes" "$dir/site/static.txt"
chmod 644 "$dir/site/static.txt"
openssl rand -base64 48 > "$dir/secret"
htpasswd -cbB "$dir/htpasswd" "$user" "$password" 2>/dev/null
chmod 644 "$dir/secret" "$dir/htpasswd"
crypto_pass=$(openssl rand -hex 24)

servers=(backend "${variants[@]}")
declare -A port=()
read -r -a ports < <("$py" - "${#servers[@]}" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
PY
)
for i in "${!servers[@]}"; do port[${servers[$i]}]=${ports[$i]}; done

# The same modules, MPM and connection settings in every instance: the fronts
# differ only in the authentication they configure.
common() { # name
  local name=$1
  mkdir -p "$dir/run-$name"
  chmod 755 "$dir/run-$name"
  cat <<CONF
# generated by bench/forms.sh: $name
ServerRoot $dir
ServerName 127.0.0.1
PidFile $dir/run-$name/httpd.pid
DefaultRuntimeDir $dir/run-$name
ErrorLog $dir/$name-error.log
LogLevel warn
User www-data
Group www-data
LoadModule mpm_event_module $m/mod_mpm_event.so
LoadModule authn_core_module $m/mod_authn_core.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule authn_file_module $m/mod_authn_file.so
LoadModule authz_user_module $m/mod_authz_user.so
LoadModule socache_shmcb_module $m/mod_socache_shmcb.so
LoadModule mime_module $m/mod_mime.so
LoadModule proxy_module $m/mod_proxy.so
LoadModule proxy_http_module $m/mod_proxy_http.so
LoadModule request_module $m/mod_request.so
LoadModule session_module $m/mod_session.so
LoadModule session_cookie_module $m/mod_session_cookie.so
LoadModule session_crypto_module $m/mod_session_crypto.so
LoadModule auth_form_module $m/mod_auth_form.so
LoadModule authgw_core_module $core_so
LoadModule authgw_forms_module $forms_so
TypesConfig /etc/mime.types
# No access log anywhere (mod_log_config is built in; no CustomLog).
StartServers 2
ServerLimit 4
ThreadLimit 64
ThreadsPerChild 64
MaxRequestWorkers 256
MinSpareThreads 64
MaxSpareThreads 256
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 30
Timeout 30
AuthGWSecretFile $dir/secret
Listen 127.0.0.1:${port[$name]}
CONF
}

proxy_to_backend() {
  cat <<CONF
    ProxyPass http://127.0.0.1:${port[backend]}/
    ProxyPassReverse http://127.0.0.1:${port[backend]}/
CONF
}

config() { # name
  local name=$1
  common "$name"
  case $name in
  backend) cat <<CONF
<VirtualHost 127.0.0.1:${port[backend]}>
  DocumentRoot $dir/site
  <Directory $dir/site>
    Options None
    AllowOverride None
    Require all granted
  </Directory>
</VirtualHost>
CONF
  ;;
  noauth|noauth2) cat <<CONF
<VirtualHost 127.0.0.1:${port[$name]}>
  <Location />
    Require all granted
$(proxy_to_backend)
  </Location>
</VirtualHost>
CONF
  ;;
  authgw|authgw_idle0) cat <<CONF
AuthGWStore $store
<VirtualHost 127.0.0.1:${port[$name]}>
  AuthGWSessionIdle $([ "$name" = authgw ] && echo "$idle" || echo 0)
  <Location />
    AuthType GatewayForm
    AuthName "authgw bench"
    AuthGWFormProvider file
    AuthUserFile $dir/htpasswd
    Require valid-user
$(proxy_to_backend)
  </Location>
</VirtualHost>
CONF
  ;;
  # mod_auth_form: the session in an encrypted cookie (mod_session_crypto).
  # SessionMaxAge 900 with SessionExpiryUpdateInterval 56 mirrors the authgw
  # front's AuthGWSessionIdle 900, which refreshes a session at most every
  # 900/16 = 56 seconds: neither rewrites its session on every request.
  auth_form) cat <<CONF
<VirtualHost 127.0.0.1:${port[auth_form]}>
  <Location />
    AuthType form
    AuthName "bench"
    AuthFormProvider file
    AuthUserFile $dir/htpasswd
    Require valid-user
    Session On
    SessionCookieName session path=/;httponly
    SessionCryptoPassphrase $crypto_pass
    SessionMaxAge 900
    SessionExpiryUpdateInterval 56
$(proxy_to_backend)
  </Location>
  <Location /dologin>
    ProxyPass !
    SetHandler form-login-handler
    AuthFormLoginSuccessLocation "$path"
    Require all granted
  </Location>
</VirtualHost>
CONF
  ;;
  esac
}

# ---------------------------------------------------------------- start
start() { # name
  local name=$1 conf=$dir/$1.conf i
  config "$name" > "$conf"
  chmod 644 "$conf"
  apache2 -t -f "$conf" >"$dir/$name-configtest.log" 2>&1 \
    || { cat "$dir/$name-configtest.log" >&2; die "$name: bad configuration"; }
  apache2 -f "$conf" -DFOREGROUND >"$dir/$name-stdout.log" 2>&1 &
  pid[$name]=$!
  for i in $(seq 100); do
    if ! kill -0 "${pid[$name]}" 2>/dev/null; then
      tail -n 20 "$dir/$name-error.log" "$dir/$name-stdout.log" >&2 || true
      die "$name: httpd exited at start"
    fi
    curl -s -o /dev/null "http://127.0.0.1:${port[$name]}/" && return 0
    sleep 0.1
  done
  die "$name: httpd does not answer on port ${port[$name]}"
}

for name in "${servers[@]}"; do start "$name"; done

expected=$dir/site/static.txt
"$py" "$here/logon.py" check "${port[backend]}" "$path" "$expected" \
  || die "backend does not serve $path"
# Logs on to a variant (when it needs it) and checks that it serves the file;
# sets cookie[variant] to the Cookie header value, empty for noauth.  Done
# before every run: a browser keeps the refreshed cookies it is given, wrk does
# not, and mod_auth_form's cookie carries its own expiry (SessionMaxAge).
declare -A cookie=()
logon() { # variant
  local v=$1 c=
  case $v in
  noauth*)
    "$py" "$here/logon.py" check "${port[$v]}" "$path" "$expected" \
      || die "$v: the front does not serve $path" ;;
  authgw*)
    c=$("$py" "$here/logon.py" authgw "${port[$v]}" "$user" "$password" \
          "$path" "$expected") || die "$v: logon failed" ;;
  auth_form)
    c=$("$py" "$here/logon.py" auth_form "${port[$v]}" "$user" "$password" \
          "$path" "$expected") || die "$v: logon failed" ;;
  esac
  cookie[$v]=$c
  [ -z "$c" ] || printf '%s\n' "$c" > "$dir/$v.cookie"
}
for v in "${variants[@]}"; do logon "$v"; done

# CPU used so far (user+system, clock ticks) by one httpd: its parent, its
# children alive now, and the children that have exited.
cpu_ticks() { # parent-pid
  local p=$1 total c
  total=$(awk '{print $14+$15+$16+$17}' "/proc/$p/stat")
  for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do
    [ -r "/proc/$c/stat" ] || continue
    total=$((total + $(awk '{print $14+$15}' "/proc/$c/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
# CPU used so far by the commands this shell has waited for (wrk), in ticks;
# 'times' must run in this shell, not in a $(...) subshell.
child_ticks() { # variable-name
  times > "$dir/times.txt"
  printf -v "$1" '%s' "$(awk -v hz="$(getconf CLK_TCK)" 'NR == 2 {
    t = 0
    for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
    printf "%d\n", t * hz + 0.5 }' "$dir/times.txt")"
}
# Busy and total ticks of the whole machine.
machine_ticks() {
  awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat
}

# ---------------------------------------------------------------- wrk
results=$dir/results.tsv
: > "$results"
# Waits (up to quiet_wait seconds) until the machine is nearly idle, so that
# a run does not start while some other job is busy.
wait_quiet() {
  local i m0 t0 m1 t1 busy
  for ((i = 0; i < quiet_wait; i++)); do
    read -r m0 t0 < <(machine_ticks); sleep 1; read -r m1 t1 < <(machine_ticks)
    busy=$(( (m1 - m0) * 100 / (t1 - t0 > 0 ? t1 - t0 : 1) ))
    [ "$busy" -le "$max_other" ] && return 0
    [ "$i" -eq 0 ] && printf '  (waiting for the machine to calm down: %s%% busy)\n' "$busy"
  done
  return 0
}

# One wrk run; sets rps ok lat foreign fcpu bcpu wcpu.
measure() { # variant seconds output-file
  local v=$1 s=$2 out=$3
  local args=(-t"$wthreads" -c"$conns" -d"${s}s" --latency
              -s "$here/status200.lua")
  local f0 b0 w0 m0 t0 f1 b1 w1 m1 t1 name other first
  [ -n "${cookie[$v]}" ] && args+=(-H "Cookie: ${cookie[$v]}")
  f0=$(cpu_ticks "${pid[$v]}"); b0=$(cpu_ticks "${pid[backend]}")
  child_ticks w0; read -r m0 t0 < <(machine_ticks)
  # In the background and waited for, so that a signal stops the script now.
  wrk "${args[@]}" "http://127.0.0.1:${port[$v]}$path" > "$out" 2>&1 &
  wrk_pid=$!
  wait "$wrk_pid" || { cat "$out" >&2; die "$v: wrk failed"; }
  wrk_pid=
  read -r m1 t1 < <(machine_ticks); child_ticks w1
  f1=$(cpu_ticks "${pid[$v]}"); b1=$(cpu_ticks "${pid[backend]}")
  for name in "${!pid[@]}"; do
    kill -0 "${pid[$name]}" 2>/dev/null || die "$name: httpd died during the run"
  done
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  ok='' other='' first=''
  read -r ok other first < <(sed -n 's/^STATUS ok=\([0-9]*\) other=\([0-9]*\) first_other=\([0-9]*\).*/\1 \2 \3/p' "$out")
  [ -n "$rps" ] && [ -n "$ok" ] || { cat "$out" >&2; die "$v: cannot read wrk's output ($out)"; }
  if grep -q 'Non-2xx or 3xx' "$out" || [ "$other" -ne 0 ] || [ "$ok" -eq 0 ]; then
    cat "$out" >&2
    die "$v: $other of $((ok + other)) responses were not 200 (first: $first); the benchmark is broken"
  fi
  grep -q 'Socket errors' "$out" \
    && echo "  warning: $v: $(grep 'Socket errors' "$out") ($out)" >&2
  lat=$(awk '/^ +50%/ {print $2}' "$out")
  fcpu=$((f1 - f0)) bcpu=$((b1 - b0)) wcpu=$((w1 - w0))
  # CPU the machine spent on anything but this run's wrk, front and backend,
  # as a share of all its CPUs: other processes disturbing the measurement.
  foreign=$(( ((m1 - m0) - fcpu - bcpu - wcpu) * 100 / (t1 - t0 > 0 ? t1 - t0 : 1) ))
  [ "$foreign" -ge 0 ] || foreign=0
}

# A measured run: repeated (up to 'retries' more times) while other processes
# took more than max_other % of the machine; the least disturbed attempt
# counts.
run() { # variant label seconds
  local v=$1 label=$2 s=$3 n=0
  local rps ok lat foreign fcpu bcpu wcpu best_line='' best_foreign=101 out note
  while :; do
    n=$((n + 1))
    [ "$label" = warmup ] || wait_quiet
    logon "$v"
    out=$dir/wrk-$v-$label-$n.txt
    measure "$v" "$s" "$out"
    if [ "$foreign" -lt "$best_foreign" ]; then
      best_foreign=$foreign
      best_line=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$v" "$label" \
        "$rps" "$ok" "$fcpu" "$bcpu" "$wcpu" "$foreign" "$lat" "$n")
    fi
    note=
    if [ "$label" != warmup ] && [ "$foreign" -gt "$max_other" ]; then
      if [ "$n" -le "$retries" ]; then
        note="  (disturbed, again)"
      else
        note="  (disturbed; the least disturbed try counts: $best_foreign%)"
      fi
    elif [ "$n" -gt 1 ]; then
      note="  (counted)"
    fi
    printf '  %-13s %-7s %9s req/s  p50 %-8s  other load %3s%%%s\n' \
      "$v" "$label" "$rps" "$lat" "$foreign" "$note"
    case $note in *again*) ;; *) break ;; esac
  done
  printf '%s\n' "$best_line" >> "$results"
}

cat <<MSG
authgw forms benchmark: $(nproc) CPUs shared by wrk and all httpd instances
  load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)
  backend       127.0.0.1:${port[backend]}  static $path, $file_bytes bytes
MSG
for v in "${variants[@]}"; do
  case $v in
  noauth) what="ProxyPass only" ;;
  noauth2) what="ProxyPass only (A/A control: a copy of noauth)" ;;
  authgw) what="AuthType GatewayForm, AuthGWSessionIdle $idle, AuthGWStore $store" ;;
  authgw_idle0) what="AuthType GatewayForm, AuthGWSessionIdle 0, AuthGWStore $store" ;;
  auth_form) what="mod_auth_form + mod_session_cookie + mod_session_crypto" ;;
  esac
  printf '  %-13s 127.0.0.1:%s  %s\n' "$v" "${port[$v]}" "$what"
done
echo "  wrk -t$wthreads -c$conns -d${secs}s, $rounds round(s), warm-up ${warmup}s per variant"
echo "  a run is repeated (up to $retries times) when other processes take more than $max_other% of the CPUs"
if [ "$warmup" -gt 0 ]; then
  echo "warm-up:"
  for v in "${variants[@]}"; do run "$v" warmup "$warmup"; done
fi
for r in $(seq "$rounds"); do
  echo "round $r:"
  for v in "${variants[@]}"; do sleep 1; run "$v" "r$r" "$secs"; done
done

# ---------------------------------------------------------------- report
"$py" - "$results" "$(getconf CLK_TCK)" "$max_other" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
tck = int(sys.argv[2])
label = {"noauth": "noauth", "noauth2": "noauth2 (A/A)", "authgw": "authgw",
         "authgw_idle0": "authgw idle 0", "auth_form": "mod_auth_form"}
rps, cpu, foreign, by_round = {}, {}, {}, {}
order = []
for v, rnd, r, ok, fc, bc, wc, fg, lat, attempt in rows:
    if rnd == "warmup":
        continue
    if v not in order:
        order.append(v)
    rps.setdefault(v, []).append(float(r))
    cpu.setdefault(v, []).append(int(fc) / tck * 1e6 / int(ok))
    foreign.setdefault(v, []).append(int(fg))
    by_round.setdefault(rnd, {})[v] = float(r)
med = {v: statistics.median(x) for v, x in rps.items()}
best = {v: max(x) for v, x in rps.items()}
print()
print("%-15s %10s %10s %13s %12s  %s" % (
    "variant", "median", "best", "front CPU", "other load", "req/s in each round"))
print("%-15s %10s %10s %13s %12s" % ("", "req/s", "req/s", "per request", "(median)"))
for v in order:
    print("%-15s %10.0f %10.0f %10.0f us %11d%%  %s" % (
        label[v], med[v], best[v], statistics.median(cpu[v]),
        statistics.median(foreign[v]), " ".join("%.0f" % x for x in rps[v])))

def ratio(a, b):
    per_round = sorted(x[a] / x[b] for x in by_round.values())
    return med[a] / med[b], best[a] / best[b], per_round[0], per_round[-1]

print()
print("%-22s %8s %8s   %-15s" % ("ratio", "median", "best", "per round"))
lines = [("authgw/noauth", "authgw", "noauth", ">= 0.95", lambda x: x >= 0.95),
         ("authgw/mod_auth_form", "authgw", "auth_form", ">  1.00", lambda x: x > 1.0)]
for name, a, b, target, ok in lines:
    m, bst, lo, hi = ratio(a, b)
    print("%-22s %8.3f %8.3f   %.3f..%.3f   target %s  %s" % (
        name, m, bst, lo, hi, target, "PASS" if ok(m) else "MISS"))
for a, b in (("noauth2", "noauth"), ("authgw_idle0", "noauth"),
             ("authgw", "authgw_idle0")):
    if a in med and b in med:
        m, bst, lo, hi = ratio(a, b)
        print("%-22s %8.3f %8.3f   %.3f..%.3f" % (a + "/" + b, m, bst, lo, hi))
busy = [v for v in order if statistics.median(foreign[v]) > int(sys.argv[3])]
if busy:
    print()
    print("WARNING: other processes took more than %s%% of the CPUs during most"
          " runs of %s:\nthese figures are unreliable; run again on a quiet"
          " machine." % (sys.argv[3], ", ".join(label[v] for v in busy)))
print()
print("PASS/MISS judge the median ratio.  'other load' is the CPU share taken"
      " by processes outside\nthis benchmark during a run; runs with much of it"
      " are unreliable.")
PY
