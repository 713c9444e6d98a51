#!/bin/sh
# Starts one bzzz-ctx process from environment variables: a DHT bootstrap, or a peer that creates its home on its
# first start (a new cluster, or a join with an invite) and then runs its daemon in the foreground (logs on stderr).
#
#   BZZZ_MODE           peer (default) or bootstrap
#   BZZZ_HOME           the peer's home (default /data; keep it on a volume)
#   BZZZ_ROLE           the peer's role when it creates a cluster (default admin)
#   BZZZ_CLUSTER        create this cluster on first start (this peer becomes its admin)
#   BZZZ_PROJECT        the project commands use when they name none
#   BZZZ_INVITE_FILE    join with the invite in this file on first start (waits up to BZZZ_INVITE_WAIT seconds, 300)
#   BZZZ_INVITES_DIR    the admin writes invites here on first start, one per BZZZ_INVITE_ROLES item
#   BZZZ_INVITE_ROLES   e.g. developer,developer,qa: files peer-1.invite, peer-2.invite, ... in that order
#   BZZZ_BOOTSTRAP, BZZZ_METRICS, BZZZ_HOST, BZZZ_LOG_LEVEL, BZZZ_ELECTION_TIMEOUT_MS: read by node start itself
#   BZZZ_DHT_HOST, BZZZ_DHT_PORT, BZZZ_DHT_NODES: the bootstrap's address (default this host's first IP), first port
#                       (49737) and number of nodes (3)
#   BZZZ_BIN            the bzzz-ctx executable (default bzzz-ctx on PATH)
set -eu

BIN="${BZZZ_BIN:-bzzz-ctx}"
BZZZ_HOME="${BZZZ_HOME:-/data}"
export BZZZ_HOME

say () { printf 'bzzz-entrypoint: %s\n' "$*" >&2; }

if [ "${BZZZ_MODE:-peer}" = bootstrap ]; then
  host="${BZZZ_DHT_HOST:-$(hostname -i 2>/dev/null | cut -d' ' -f1)}"
  exec $BIN bootstrap --host "${host:-127.0.0.1}" --port "${BZZZ_DHT_PORT:-49737}" --nodes "${BZZZ_DHT_NODES:-3}"
fi

if [ ! -f "$BZZZ_HOME/config.json" ]; then
  mkdir -p "$BZZZ_HOME"
  if [ -n "${BZZZ_INVITE_FILE:-}" ]; then
    # The admin may still be making the invite (compose starts everything at once): wait for it, bounded.
    waited=0
    while [ ! -s "$BZZZ_INVITE_FILE" ]; do
      if [ "$waited" -ge "${BZZZ_INVITE_WAIT:-300}" ]; then say "no invite at $BZZZ_INVITE_FILE after ${waited} s"; exit 5; fi
      sleep 1
      waited=$((waited + 1))
    done
    say "joining with the invite in $BZZZ_INVITE_FILE"
    $BIN init --join "$BZZZ_INVITE_FILE"
  elif [ -n "${BZZZ_CLUSTER:-}" ]; then
    say "creating the cluster $BZZZ_CLUSTER as ${BZZZ_ROLE:-admin}"
    if [ -n "${BZZZ_PROJECT:-}" ]; then
      $BIN init --cluster "$BZZZ_CLUSTER" --role "${BZZZ_ROLE:-admin}" --project "$BZZZ_PROJECT"
    else
      $BIN init --cluster "$BZZZ_CLUSTER" --role "${BZZZ_ROLE:-admin}"
    fi
    if [ -n "${BZZZ_INVITE_ROLES:-}" ]; then
      dir="${BZZZ_INVITES_DIR:?BZZZ_INVITES_DIR names where the invites go}"
      mkdir -p "$dir"
      i=1
      for role in $(printf '%s' "$BZZZ_INVITE_ROLES" | tr ',' ' '); do
        # Written aside, then renamed: a joining peer never reads half an invite.
        $BIN invite --role "$role" --out "$dir/.peer-$i.invite"
        mv "$dir/.peer-$i.invite" "$dir/peer-$i.invite"
        say "invite for peer-$i ($role) in $dir/peer-$i.invite"
        i=$((i + 1))
      done
    fi
  else
    say "no home at $BZZZ_HOME: set BZZZ_CLUSTER (a new cluster) or BZZZ_INVITE_FILE (join one)"
    exit 2
  fi
fi

exec $BIN node start
