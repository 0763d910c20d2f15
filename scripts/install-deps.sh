#!/usr/bin/env bash
# Installs what building Logport and running its tests needs on Debian 12, idempotently.
#
#   apt:  C libraries the Swift targets link (zstd, lz4, snappy, zlib, sqlite3 for GRDB; libcurl, which
#         `logport process` loads for HTTP), librdkafka + kcat and
#         Debian's python3-confluent-kafka: a second, older librdkafka (2.0.2) the tests talk through;
#         burrow (a consumer-lag monitor on the Go client sarama) and the zookeeper it keeps its state in;
#         chromium, which renders the console's pages headless in tests/integration/test_console.py;
#         rsyslog + rsyslog-kafka (imfile + omkafka), the baseline of benchmarks/agent_vs_rsyslog.py;
#         clickhouse-server (Debian's 18.16), the sink `logport process` tests write to.
#   pip:  current confluent-kafka (bundles a current librdkafka), kafka-python, aiokafka, pytest
#         and the codec modules the pure-Python clients need.
#
# Re-runs are fast: nothing is fetched when everything is already present.
# The Python interpreter the tests must use is written to .build/itest-python.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  librdkafka-dev kcat
  libzstd-dev liblz4-dev libsnappy-dev zlib1g-dev
  libsqlite3-dev
  libcurl4
  python3 python3-venv python3-confluent-kafka
  burrow zookeeper
  chromium
  rsyslog rsyslog-kafka
  clickhouse-server
)
PIP_PACKAGES=(
  confluent-kafka kafka-python aiokafka pytest pytest-timeout
  lz4 python-snappy cramjam zstandard crc32c
)
# Import names matching PIP_PACKAGES, used to skip pip when all are present.
PIP_IMPORTS="confluent_kafka kafka aiokafka pytest pytest_timeout lz4.frame snappy cramjam zstandard crc32c"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing_apt=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing_apt+=("$pkg")
  fi
done
if [ "${#missing_apt[@]}" -gt 0 ]; then
  echo "install-deps: apt-get install ${missing_apt[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_apt[@]}"
fi

# Tests run under the `python3` on PATH (here pyenv's) unless that is Debian's own interpreter:
# pip packages must not shadow Debian's confluent-kafka 1.7 there, so they go into a venv instead.
python_bin="$(command -v python3)"
if [ "$(readlink -f "$python_bin")" = "$(readlink -f /usr/bin/python3)" ]; then
  [ -x .venv/bin/python ] || /usr/bin/python3 -m venv .venv
  python_bin="$PWD/.venv/bin/python"
fi

if ! "$python_bin" -c "import $(echo "$PIP_IMPORTS" | tr ' ' ',')" 2>/dev/null; then
  echo "install-deps: pip install ${PIP_PACKAGES[*]} (for $python_bin)"
  "$python_bin" -m pip install -q --disable-pip-version-check "${PIP_PACKAGES[@]}"
fi

mkdir -p .build
echo "$python_bin" > .build/itest-python

# Fail here, not halfway through the tests, if a client is unusable.
kcat -V >/dev/null
command -v Burrow >/dev/null || { echo "install-deps: Burrow (package burrow) is not on PATH" >&2; exit 1; }
[ -f /usr/share/java/zookeeper.jar ] || { echo "install-deps: /usr/share/java/zookeeper.jar (package zookeeper) is missing" >&2; exit 1; }
chromium --version >/dev/null
[ -x /usr/sbin/clickhouse-server ] || command -v clickhouse-server >/dev/null \
  || { echo "install-deps: clickhouse-server (package clickhouse-server) is missing" >&2; exit 1; }
/usr/bin/python3 -c "import confluent_kafka" \
  || { echo "install-deps: Debian's python3-confluent-kafka is not importable by /usr/bin/python3" >&2; exit 1; }
"$python_bin" -c "import confluent_kafka, kafka.codec as c; assert c.has_snappy() and c.has_lz4() and c.has_zstd(), 'kafka-python codecs missing'"
