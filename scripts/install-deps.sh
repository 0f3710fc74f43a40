#!/usr/bin/env bash
# Installs what the interop suite and benchmarks need on Debian 12:
# kcat, librdkafka headers, compression dev libs, GNU time, and the Python
# clients. Each step is skipped when its tools are already present.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
apt_packages=(kcat libzstd-dev liblz4-dev libsnappy-dev zlib1g-dev librdkafka-dev time)
# Old clients (issue 6): Go with Debian's packaged Sarama and kafka-go sources (built offline by
# Interop/test_old_clients_go.py), Burrow with its ZooKeeper, rsyslog with omkafka.
apt_packages+=(golang-go golang-github-shopify-sarama-dev golang-github-segmentio-kafka-go-dev burrow zookeeper
    rsyslog rsyslog-kafka)

missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "deps: apt-get install ${missing[*]}"
    sudo_cmd=()
    [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
else
    echo "deps: apt packages present"
fi

# kafka-python must be 3.x (idempotent producer by default), hence the version check.
if python3 -c 'import confluent_kafka, aiokafka, pytest, crc32c, kafka, cramjam, snappy, lz4.frame, zstandard; assert int(kafka.__version__.split(".")[0]) >= 3' 2>/dev/null; then
    echo "deps: python packages present"
else
    echo "deps: pip install -r Interop/requirements.txt"
    PIP_ROOT_USER_ACTION=ignore python3 -m pip install -q --disable-pip-version-check -r "$here/Interop/requirements.txt"
fi
