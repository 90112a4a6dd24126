#!/usr/bin/env bash
# The end-to-end demo. The write path (upsert and delete workers) is not built yet: until it is, the demo stops
# after the services are up, the project is built and the topology and migrations are in place.
set -euo pipefail
echo "[demo] services are up, the fleet is built and set up; the workers arrive with the write path."
