#!/usr/bin/env bash
# The test broker: a single-node Apache Kafka 4.x (KRaft, broker + controller)
# on 127.0.0.1, installed from Maven Central with Maven.
#
#   broker.sh install          fetch Kafka's jars into .kafka/libs (idempotent)
#   broker.sh start [DIR]      format storage and start on free ports; waits until
#                              ready; writes DIR/bootstrap (host:port) and DIR/pid
#   broker.sh stop [DIR]       stop it cleanly (SIGTERM, then SIGKILL after 30 s)
#   broker.sh restart [DIR]    stop and start again on the same port and data
#   broker.sh wipe [DIR]       stop it and remove its data (the next start formats
#                              new storage); DIR's other files stay
#   broker.sh topic DIR NAME PARTITIONS   create a topic (for benchmarks)
#   broker.sh configs DIR NAME            the configs set on a topic, key=value per line
#
# DIR defaults to .kafka/run. Java 17 and mvn must be on PATH.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
top="$(cd "$here/../.." && pwd)"
libs="$top/.kafka/libs"
cmd="${1:-}"
dir="${2:-$top/.kafka/run}"

install() {
  if [ -f "$libs/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || { echo "broker.sh: mvn is required" >&2; exit 1; }
  echo "broker.sh: fetching Apache Kafka from Maven Central" >&2
  (cd "$here" && mvn -q -B package)
  touch "$libs/.complete"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

write_config() {
  local port="$1" controller="$2"
  mkdir -p "$dir/data"
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=4
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.cleaner.backoff.ms=1000
# records up to 8 MiB (the bad-input fixtures include a 1 MiB value)
message.max.bytes=8388608
replica.fetch.max.bytes=8388608
PROPS
  cat > "$dir/log4j2.properties" <<PROPS
rootLogger.level=WARN
rootLogger.appenderRef.file.ref=file
appender.file.type=File
appender.file.name=file
appender.file.fileName=$dir/broker.log
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
PROPS
}

java_run() {
  java -Xms256m -Xmx1g -XX:+UseG1GC -Dlog4j2.configurationFile="$dir/log4j2.properties" \
    -cp "$libs/*" "$@"
}

wait_ready() {
  local port="$1" deadline=$((SECONDS + 120))
  while [ $SECONDS -lt $deadline ]; do
    if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      echo "broker.sh: the broker exited; see $dir/broker.log and $dir/stdout.log" >&2
      tail -20 "$dir/stdout.log" >&2 || true
      exit 1
    fi
    if java_run org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$port" --list >/dev/null 2>&1; then
      return 0
    fi
    sleep 1
  done
  echo "broker.sh: not ready after 120 s" >&2
  exit 1
}

start() {
  install
  mkdir -p "$dir"
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    wait_ready "$(cut -d: -f2 "$dir/bootstrap")"
    echo "broker.sh: Kafka already running at $(cat "$dir/bootstrap")" >&2
    return 0
  fi
  local port controller
  if [ -f "$dir/bootstrap" ] && [ -f "$dir/controller" ]; then
    port="$(cut -d: -f2 "$dir/bootstrap")"; controller="$(cat "$dir/controller")"
  else
    port="$(free_port)"; controller="$(free_port)"
    write_config "$port" "$controller"
    java_run kafka.tools.StorageTool format --standalone -t "$(java_run kafka.tools.StorageTool random-uuid)" \
      -c "$dir/server.properties" >/dev/null
    echo "127.0.0.1:$port" > "$dir/bootstrap"
    echo "$controller" > "$dir/controller"
  fi
  nohup java -Xms256m -Xmx1g -XX:+UseG1GC -Dlog4j2.configurationFile="$dir/log4j2.properties" \
    -cp "$libs/*" kafka.Kafka "$dir/server.properties" > "$dir/stdout.log" 2>&1 &
  echo $! > "$dir/pid"
  wait_ready "$port"
  echo "broker.sh: Kafka ready at $(cat "$dir/bootstrap") (pid $(cat "$dir/pid"), data $dir)" >&2
}

stop() {
  [ -f "$dir/pid" ] || return 0
  local pid; pid="$(cat "$dir/pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$dir/pid"
}

case "$cmd" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  # Without its data the broker must be formatted again: start does that when
  # it finds no bootstrap or controller file.
  wipe) stop; rm -rf "$dir/data" "$dir/bootstrap" "$dir/controller" ;;
  topic) java_run org.apache.kafka.tools.TopicCommand --bootstrap-server "$(cat "$dir/bootstrap")" --create \
           --if-not-exists --topic "$3" --partitions "$4" --replication-factor 1 >/dev/null ;;
  configs) java_run org.apache.kafka.tools.TopicCommand --bootstrap-server "$(cat "$dir/bootstrap")" --describe \
             --topic "$3" | sed -n 's/.*Configs: *//p' | head -n 1 | tr ',' '\n' ;;
  *) sed -n '2,15p' "$0" >&2; exit 2 ;;
esac
