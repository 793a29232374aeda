#!/usr/bin/env bash
# A private Virtuoso Open Source 7 instance on loopback, for the tests and the benchmark.
#
#   scripts/virtuoso.sh install          install Debian's virtuoso-opensource when missing
#   scripts/virtuoso.sh start DIR        start an instance whose database, ini and log live in DIR;
#                                        prints shell assignments (VIRTUOSO_HTTP_PORT=…, …) on stdout
#   scripts/virtuoso.sh stop DIR         stop it (checkpoint, then shutdown; kill if it hangs)
#   scripts/virtuoso.sh env DIR          print the assignments of a running instance again
#
# The instance never touches the system one (/var/lib/virtuoso-opensource-7, ports 1111/8890): it
# listens on two free loopback ports, and its dba password is VIRTUOSO_DBA_PASSWORD or a random one,
# written to DIR/password (mode 600). The SPARQL endpoints are then
#   http://127.0.0.1:$VIRTUOSO_HTTP_PORT/sparql                  queries (anonymous, read-only)
#   http://127.0.0.1:$VIRTUOSO_HTTP_PORT/sparql-auth             queries and SPARQL Update (digest auth)
#   http://127.0.0.1:$VIRTUOSO_HTTP_PORT/sparql-graph-crud-auth  Graph Store Protocol (digest auth)
# Environment: VIRTUOSO_BUFFERS (8 KiB pages of cache, default 60000 ≈ 470 MiB),
#              VIRTUOSO_START_TIMEOUT (seconds, default 60).
set -euo pipefail

VIRTUOSO_T=${VIRTUOSO_T:-virtuoso-t}
ISQL=${ISQL:-isql-vt}

die() { echo "virtuoso.sh: $*" >&2; exit 1; }

install_virtuoso() {
    command -v "$VIRTUOSO_T" >/dev/null 2>&1 && command -v "$ISQL" >/dev/null 2>&1 && return 0
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "Installing virtuoso-opensource (Debian) for the remote-store tests…" >&2
    # A blank dba password keeps the package's own system daemon disabled: we only ever run
    # private instances with their own database and password.
    printf '%s\n' \
        "virtuoso-opensource-7 virtuoso-opensource-7/dba-password password " \
        "virtuoso-opensource-7 virtuoso-opensource-7/dba-password-again password " \
        | $sudo debconf-set-selections
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends virtuoso-opensource >/dev/null
    command -v "$VIRTUOSO_T" >/dev/null 2>&1 || die "virtuoso-t is still missing after the install"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

print_env() {
    local dir=$1
    [ -f "$dir/ports" ] || die "no instance in $dir"
    # shellcheck disable=SC1091
    . "$dir/ports"
    local base="http://127.0.0.1:$VIRTUOSO_HTTP_PORT"
    cat <<EOF
VIRTUOSO_DIR=$dir
VIRTUOSO_PID=$(cat "$dir/pid")
VIRTUOSO_HTTP_PORT=$VIRTUOSO_HTTP_PORT
VIRTUOSO_ISQL_PORT=$VIRTUOSO_ISQL_PORT
INTEGRATION_KG_STORE_BACKEND=remote
INTEGRATION_KG_REMOTE_QUERY_URL=$base/sparql
INTEGRATION_KG_REMOTE_UPDATE_URL=$base/sparql-auth
INTEGRATION_KG_REMOTE_GSP_URL=$base/sparql-graph-crud-auth
INTEGRATION_KG_REMOTE_USER=dba
INTEGRATION_KG_REMOTE_PASSWORD=$(cat "$dir/password")
EOF
}

write_ini() {
    local dir=$1 http_port=$2 isql_port=$3 buffers=$4
    cat >"$dir/virtuoso.ini" <<EOF
[Database]
DatabaseFile        = $dir/db/virtuoso.db
ErrorLogFile        = $dir/virtuoso.log
LockFile            = $dir/db/virtuoso.lck
TransactionFile     = $dir/db/virtuoso.trx
xa_persistent_file  = $dir/db/virtuoso.pxa
ErrorLogLevel       = 7
FileExtend          = 200
MaxCheckpointRemap  = 2000
Striping            = 0
TempStorage         = TempDatabase

[TempDatabase]
DatabaseFile        = $dir/db/virtuoso-temp.db
TransactionFile     = $dir/db/virtuoso-temp.trx
MaxCheckpointRemap  = 2000
Striping            = 0

[Parameters]
ServerPort          = 127.0.0.1:$isql_port
LiteMode            = 0
DisableUnixSocket   = 1
DisableTcpSocket    = 0
MaxClientConnections = 20
CheckpointInterval  = 60
O_DIRECT            = 0
CaseMode            = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls        = 0
SchedulerInterval   = 10
DirsAllowed         = ., $dir, /usr/share/virtuoso-opensource-7/vad
ThreadCleanupInterval = 0
ThreadThreshold     = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize   = 100000
SingleCPU           = 0
VADInstallDir       = /usr/share/virtuoso-opensource-7/vad/
PrefixResultNames   = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps       = 64
MaxMemPoolSize      = 200000000
MaxQueryMem         = 1G
VectorSize          = 1000
MaxVectorSize       = 1000000
AdjustVectorSize    = 0
ThreadsPerQuery     = 2
AsyncQueueMaxThreads = 10
NumberOfBuffers     = $buffers
MaxDirtyBuffers     = $((buffers * 3 / 4))

[HTTPServer]
ServerPort          = 127.0.0.1:$http_port
ServerRoot          = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 20
DavRoot             = DAV
EnabledDavVSP       = 0
HTTPProxyEnabled    = 0
TempASPXDir         = 0
ServerThreads       = 20
MaxKeepAlives       = 20
KeepAliveTimeout    = 10
MaxCachedProxyConnections = 10
ProxyConnectionCacheTimeout = 15
HTTPThreadSize      = 280000
HttpPrintWarningsInOutput = 0
Charset             = UTF-8
EnabledGzipContent  = 1

[Client]
SQL_PREFETCH_ROWS   = 100
SQL_PREFETCH_BYTES  = 16000
SQL_QUERY_TIMEOUT   = 0
SQL_TXN_TIMEOUT     = 0

[Replication]
ServerName          = db
ServerEnable        = 1
QueueMax            = 50000

[URIQA]
DynamicLocal        = 0
DefaultHost         = 127.0.0.1:$http_port

[SPARQL]
; The service bounds results itself (max_results); the server must not cut them shorter.
ResultSetMaxRows           = 1000000
MaxSortedTopRows           = 1000000
MaxQueryCostEstimationTime = 0   ; the estimate is far off for union + path queries: bound by time instead
MaxQueryExecutionTime      = 60
DefaultQuery               = SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }
DeferInferenceRulesInit    = 0
EOF
}

start_instance() {
    local dir=$1
    command -v "$VIRTUOSO_T" >/dev/null 2>&1 || die "virtuoso-t is not installed: run scripts/virtuoso.sh install"
    mkdir -p "$dir/db"
    dir=$(cd "$dir" && pwd)
    if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
        print_env "$dir"
        return 0
    fi
    local http_port isql_port buffers=${VIRTUOSO_BUFFERS:-60000} timeout=${VIRTUOSO_START_TIMEOUT:-60}
    http_port=$(free_port)
    isql_port=$(free_port)
    while [ "$isql_port" = "$http_port" ]; do isql_port=$(free_port); done
    write_ini "$dir" "$http_port" "$isql_port" "$buffers"
    printf 'VIRTUOSO_HTTP_PORT=%s\nVIRTUOSO_ISQL_PORT=%s\n' "$http_port" "$isql_port" >"$dir/ports"

    # Foreground mode under nohup, so that the pid we record is the server's own.
    (cd "$dir" && exec nohup "$VIRTUOSO_T" +foreground +configfile "$dir/virtuoso.ini" \
        >"$dir/stdout.log" 2>&1 </dev/null) &
    echo $! >"$dir/pid"

    local waited=0
    until curl -fsS -o /dev/null --max-time 2 \
            "http://127.0.0.1:$http_port/sparql?query=ASK%7B%7D" 2>/dev/null; do
        if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
            tail -20 "$dir/virtuoso.log" "$dir/stdout.log" >&2 2>/dev/null || true
            die "virtuoso-t exited during start-up (log: $dir/virtuoso.log)"
        fi
        if [ "$waited" -ge $((timeout * 4)) ]; then
            tail -20 "$dir/virtuoso.log" >&2 2>/dev/null || true
            kill "$(cat "$dir/pid")" 2>/dev/null || true
            die "Virtuoso did not answer on port $http_port within ${timeout}s"
        fi
        sleep 0.25
        waited=$((waited + 1))
    done

    # A new database has the well-known dba/dba: replace it before anything else can connect.
    local password=${VIRTUOSO_DBA_PASSWORD:-}
    [ -n "$password" ] || password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    case "$password" in *[!A-Za-z0-9]*) die "VIRTUOSO_DBA_PASSWORD: letters and digits only" ;; esac
    if [ ! -f "$dir/password" ]; then
        "$ISQL" "127.0.0.1:$isql_port" dba dba "EXEC=USER_SET_PASSWORD('dba', '$password');" >/dev/null 2>&1 || true
        # isql exits 0 even when a statement fails: check that the new password is the one that works.
        "$ISQL" "127.0.0.1:$isql_port" dba "$password" "EXEC=select 1;" >/dev/null 2>&1 \
            || die "could not set the dba password (isql on port $isql_port)"
        (umask 077 && printf '%s' "$password" >"$dir/password")
    fi
    print_env "$dir"
}

stop_instance() {
    local dir=$1
    [ -f "$dir/pid" ] || return 0
    local pid
    pid=$(cat "$dir/pid")
    if kill -0 "$pid" 2>/dev/null; then
        # shellcheck disable=SC1091
        . "$dir/ports"
        "$ISQL" "127.0.0.1:$VIRTUOSO_ISQL_PORT" dba "$(cat "$dir/password" 2>/dev/null || echo dba)" \
            "EXEC=shutdown;" >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 80); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.25
        done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/pid"
}

case "${1:-}" in
    install) install_virtuoso ;;
    start) [ $# -eq 2 ] || die "usage: $0 start DIR"; start_instance "$2" ;;
    stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; stop_instance "$2" ;;
    env) [ $# -eq 2 ] || die "usage: $0 env DIR"; print_env "$(cd "$2" && pwd)" ;;
    *) echo "usage: $0 install | start DIR | stop DIR | env DIR" >&2; exit 2 ;;
esac
