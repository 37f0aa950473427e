# mqlab recipes. Run them with `npx just <recipe>` (the `just` binary comes from rust-just).
# node_modules/.bin comes first on PATH so every recipe runs the project's Node 24.
export PATH := justfile_directory() + "/node_modules/.bin:" + env_var('PATH')

default:
    @just --list

# install everything (what a fresh machine needs)
setup:
    npm ci --no-audit --no-fund

# type-check, lint, the dependency direction and no-cycle rules (.dependency-cruiser.cjs), and no unused file or export (knip.json)
check:
    tsc --noEmit -p tsconfig.json
    eslint --max-warnings=0 .
    depcruise --config .dependency-cruiser.cjs system chaos scenarios reports
    knip --no-progress

# the README's test command: unit, property and integration tests and the CI scenario suite
test:
    npm test

# what CI runs
ci: check test

# store append throughput and memory with one queue of 1,000,000 messages
bench-store:
    node --expose-gc --import tsx chaos/bench/store_bench.ts

# index cost per message on the real disk: pwrite/pread calls on index/ and CPU per message, fresh and reopened file
bench-index count="100000":
    node --import tsx chaos/bench/index_bench.ts --count {{count}}

# start a topology (1m, 2m-noslave, 2m-2s-async, 2m-2s-sync) as local processes on 127.0.0.1 until Ctrl-C
cluster topology="1m" *flags="":
    node --import tsx chaos/deploy/cluster_cli.ts {{topology}} {{flags}}

# a Docker engine for the container deployer (idempotent; as root installs Debian's docker.io and starts dockerd; a reachable DOCKER_HOST is used as it is)
docker-up:
    bash chaos/deploy/container/docker_up.sh

# the container smoke suite (needs `just docker-up`): fails rather than skips without an engine
test-container:
    MQLAB_CONTAINER_TESTS=1 node --import tsx --import ./chaos/testing/blocking_stdout.ts --test --test-force-exit --test-concurrency=1 --test-timeout=900000 "chaos/deploy/container/**/*.int.test.ts"
    @left="$(docker ps -aq --filter label=mqlab.run)$(docker network ls -q --filter label=mqlab.run)$(docker volume ls -q --filter label=mqlab.run)"; \
      if [ -n "$left" ]; then echo "container runs left resources behind (label mqlab.run): $left"; exit 1; fi; \
      echo "no mqlab container, network or volume left"

# producer→broker→consumer throughput and end-to-end latency on real processes (1 KiB messages)
bench-e2e:
    node --import tsx chaos/bench/e2e_bench.ts

# simulator speed: simulated seconds per wall second and events per second, per topology
bench-sim minutes="10":
    node --import tsx chaos/bench/sim_bench.ts {{minutes}}

# where a steady 2m-2s-sync run's CPU goes, per kind of simulated event (timers by service, deliveries by route and request code)
bench-sim-events minutes="2":
    node --import tsx chaos/bench/sim_bench.ts {{minutes}} 2m-2s-sync --by-event

# run one scenario in the simulator (see `npx mqlab list`)
run scenario seed="1":
    node --import tsx chaos/cli/mqlab.ts run {{scenario}} --seed {{seed}}

# the CI scenario suite: every topology × {no fault, broker crash, firewall drop, heartbeat loss, consumer crash}
suite-ci seeds="2":
    node --import tsx chaos/cli/mqlab.ts suite ci --seeds {{seeds}} --out reports/out/suite-ci

# nftables for the process deployer's network faults (root, Debian); without it those tests skip
setup-nft:
    command -v nft >/dev/null || (apt-get update -qq && apt-get install -y -qq nftables)

# the process smoke suite: 2m-2s-sync with a broker crash and a firewall drop as real processes (root: netns + nftables)
test-process:
    node --import tsx chaos/cli/mqlab.ts suite process-smoke --deployer process --out reports/out/process-smoke

# short fast-check property runs in the simulator (fixed seeds, ~15 s): healthy brokers hold, and a
# deliberately broken one (write-behind acks) must be caught and shrunk (exit 1 expected); then every
# --broken switch's proof (scenarios/library/broken_proofs.ts, `mqlab run broken/<switch> --broken
# <switch>`) must be caught by its checker. `check all` joins once the order checker tolerates key
# remaps and producer restarts (it finds both today).
check-ci:
    node --import tsx chaos/cli/mqlab.ts check no-acked-loss --runs 10 --seed 1 --out reports/out/check-ci/no-acked-loss
    node --import tsx chaos/cli/mqlab.ts check queue-order --runs 5 --seed 1 --out reports/out/check-ci/queue-order
    node --import tsx chaos/cli/mqlab.ts check rebalance-converges --runs 5 --seed 1 --out reports/out/check-ci/rebalance-converges
    node --import tsx chaos/cli/mqlab.ts check no-acked-loss --runs 20 --seed 1 --broken writeBehindMs --out reports/out/check-ci/broken-write-behind; test $? -eq 1
    just _caught ackBeforeFlush
    just _caught dropEveryNthSend
    just _caught duplicatePullEveryNth
    just _caught writeBehindMs
    just _caught lockGrantEveryone
    just _caught retryWithoutDelay
    just _caught dlqOffByOne
    just _caught delayIgnored
    just _caught namesrvKeepsClosedBroker
    just _caught slaveCorruptsReplica
    just _caught syncMasterAcksEarly
    just _caught slaveSkipsOffsetSync
    just _caught lastOffsetFromZero
    just _caught skipCommitOffset

# one broken-switch proof (scenarios/library/broken_proofs.ts): broken/<switch> with the switch on
# is judged only by the checker the switch exists for, so exit 1 means that checker caught it;
# anything else (0: not caught, 2: the run broke) fails the recipe
_caught switch:
    @node --import tsx chaos/cli/mqlab.ts run broken/{{switch}} --broken {{switch}} --out reports/out/check-ci/broken-{{switch}} >/dev/null 2>&1; \
      rc=$?; if [ $rc -eq 1 ]; then echo "check-ci: --broken {{switch}} caught"; else echo "check-ci: --broken {{switch}} NOT caught (mqlab run exit $rc, expected 1; see reports/out/check-ci/broken-{{switch}})"; exit 1; fi

# what to run in CI: the CI suite, then swarm runs over generated configurations and faults for the rest of the budget; stops at and shrinks the first failure (junit.xml, battery.html under reports/out/battery)
battery budget="300" seed="1" *flags="":
    node --import tsx chaos/cli/mqlab.ts battery --budget {{budget}} --seed {{seed}} --out reports/out/battery {{flags}}

# the incident library: each incident's broken then fixed phase; it must show its symptom, then lose it (reports under reports/out/incidents-<deployer>)
incidents deployer="sim":
    node --import tsx chaos/cli/mqlab.ts incident run all --deployer {{deployer}} --out reports/out/incidents-{{deployer}}

# replication throughput and SYNC_MASTER vs ASYNC_MASTER send latency on real processes (loopback)
bench-ha:
    node --import tsx chaos/bench/ha_bench.ts

# line and branch coverage of system/ under the lab alone (the battery once it exists; until then `suite ci --seeds 1` + a short `check all`), V8 coverage via c8; HTML in reports/out/lab-coverage
lab-coverage out="reports/out/lab-coverage":
    bash chaos/power/lab_coverage.sh {{out}}

# code-probe coverage of every run under the given directories; fails naming a required probe no run hit
coverage +dirs:
    node --import tsx chaos/cli/mqlab.ts coverage {{dirs}}

# mutation score of system/ against the mutation lab (a long job, not CI): `just mutation --sample 40`; per-mutant budget --budget-s (default 180);
# `--lab battery[:runs]` faces each mutant with the CI battery itself cut to that many swarm runs (default 60)
mutation *flags="":
    node --import tsx chaos/power/mutation.ts {{flags}} --out reports/out/mutation

# the web console and cluster-wide /metrics (Prometheus) for a running cluster
console namesrv="127.0.0.1:9876" port="8080":
    node --import tsx system/cli/console/main.ts -n {{namesrv}} --port {{port}}

# mqlab (ASYNC_FLUSH, SYNC_FLUSH) side by side with NATS JetStream and Redis Streams (installed with apt-get when missing), one table with ratios and JSON
bench-peers *flags="":
    node --import tsx chaos/bench/peers_bench.ts {{flags}}

# the broker's CPU µs per published message (bench-peers' ASYNC_FLUSH publish; load-independent); --flush-disk-type SYNC_FLUSH for group commit; --profile DIR adds the top functions by self time; --client-allocations / --broker-allocations the producer's / broker's allocation sites by bytes a message
bench-put-cpu *flags="":
    node --import tsx chaos/bench/put_cpu_bench.ts {{flags}}

# every benchmark, one after the other (each prints its figures, JSON where it has them)
bench-all:
    just bench-store
    just bench-sim 2
    just bench-e2e
    just bench-peers

# ACL: unit, fuzz and in-process broker tests, then the sim lab scenario and the ali-ons / process interop
acl-test:
    node --import tsx --import ./chaos/testing/blocking_stdout.ts --test --test-force-exit --test-timeout=300000 system/acl/acl_signer.test.ts system/acl/acl_fuzz.test.ts system/acl/plain_permission_manager.test.ts system/acl/remote_address.test.ts system/acl/plain_acl_file.test.ts system/acl/plain_acl_store.test.ts system/acl/broker_acl.test.ts system/remoting/request_hook.test.ts scenarios/acl/acl_scenarios.test.ts
    node --import tsx --import ./chaos/testing/blocking_stdout.ts --test --test-force-exit --test-timeout=300000 system/acl/ali_ons_acl.int.test.ts scenarios/acl/acl_process.int.test.ts

# build the image users run, mqlab:<version>, without a registry (the container deployer's builder; needs `just docker-up`): mqnamesrv, mqbroker, mqadmin, mqlab as commands; installs Debian's docker-compose for chaos/topologies/<name>/docker-compose.yml when missing
image:
    command -v docker-compose >/dev/null || (apt-get update -qq && apt-get install -y -qq docker-compose)
    node --import tsx chaos/image/build_image.ts

# render a scenario (built-in name or file) as Kubernetes manifests + Chaos Mesh resources under reports/out/k8s
k8s-render scenario:
    node --import tsx chaos/cli/mqlab.ts k8s render {{scenario}}

# issue 16 (transactions, flow control): the two scenarios and the broker-busy incident in the simulator, then the unit tests and the real-process check test
lab-tx seed="1":
    node --import tsx chaos/cli/mqlab.ts run 1m/transactions --seed {{seed}}
    node --import tsx chaos/cli/mqlab.ts run 2m-noslave/system-busy --seed {{seed}}
    node --import tsx chaos/cli/mqlab.ts incident run broker-busy --out reports/out/incident-broker-busy
    node --import tsx --import ./chaos/testing/blocking_stdout.ts --test --test-force-exit --test-timeout=300000 system/broker/transaction/*.test.ts system/broker/flow/*.test.ts system/client/producer/transaction_producer.test.ts system/client/consumer/pull_flow_control.test.ts chaos/checkers/transactions.test.ts scenarios/library/transactions.test.ts
    node --import tsx --import ./chaos/testing/blocking_stdout.ts --test --test-force-exit --test-timeout=300000 system/client/test/transaction_check.int.test.ts

# unused files, exports and exported types (knip.json: the entry points are what runs by path: bins,
# recipe programs, spawned workers, benches, generators, tests); part of `check`
knip:
    knip --no-progress

# the servers' node flags (MQLAB_NODE_OPTIONS candidates, ";"-separated) against their cost on a real broker: CPU µs per message, scavenges and pauses, RSS; --flush-disk-type SYNC_FLUSH
bench-server-flags *flags="":
    node --import tsx chaos/bench/server_flags_bench.ts {{flags}}
