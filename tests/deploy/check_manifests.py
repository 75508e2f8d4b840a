#!/usr/bin/env python3
"""Offline checks of the Kubernetes deployment (deploy/), run by the test command.

  check_manifests.py --repo DIR --kustomize BIN [--kubernetes-version 1.33.0]

1. Renders every overlay under deploy/k8s/overlays with kustomize.
2. Validates every built-in resource against the Kubernetes JSON schemas of the
   stated version, strictly (unknown fields fail) — kubernetes-validate, which
   carries the schemas (PyPI, pinned in scripts/requirements-tools.txt).
3. Validates every Strimzi and KEDA resource against its CRD schema
   (tests/deploy/validate_crs.mjs; npm packages pinned in package-lock.json).
   A resource that neither knows fails.
4. Checks what the schemas cannot: the same partition count on every topic, no
   more KEDA replicas than partitions, compaction where the spec needs it, ACLs
   for exactly what pactumd does, the shutdown bound, the security context.
5. Lints deploy/docker/Dockerfile with hadolint (pinned from PyPI).
Nothing is fetched: the tools are installed by scripts/tools-install.sh.
"""
import argparse
import pathlib
import re
import subprocess
import sys

import kubernetes_validate
import yaml

ap = argparse.ArgumentParser()
ap.add_argument("--repo", required=True)
ap.add_argument("--kustomize", required=True)
ap.add_argument("--kubernetes-version", default="1.33.0")
args = ap.parse_args()

repo = pathlib.Path(args.repo).resolve()
tools = repo / ".tools"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what)


COMPACTED = {"contract-views", "contract-termination-conditions", "contract-breach-liability", "pactum-snapshots"}
SHUTDOWN_BOUND_S = 30 + 10 + 5  # transaction timeout + producer flush + preStop pause


def semantic_checks(overlay, docs):
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    config = by_kind["ConfigMap"][0]["data"]
    topics = {t["metadata"]["name"]: t for t in by_kind.get("KafkaTopic", [])}
    wanted = {config[k] for k in ["PACTUM_EVENTS_TOPIC", "PACTUM_VIEWS_TOPIC", "PACTUM_TERMINATION_TOPIC",
                                  "PACTUM_LIABILITY_TOPIC", "PACTUM_DLQ_TOPIC", "PACTUM_SNAPSHOTS_TOPIC"]}
    check(set(topics) == wanted, f"{overlay}: a KafkaTopic for every topic pactumd uses ({sorted(wanted - set(topics))})")
    partitions = {t["spec"]["partitions"] for t in topics.values()}
    check(len(partitions) == 1, f"{overlay}: every topic has the events topic's partition count ({partitions})")
    for name, t in topics.items():
        policy = t["spec"]["config"]["cleanup.policy"]
        check(policy == ("compact" if name in COMPACTED else "delete"), f"{overlay}: {name} cleanup.policy {policy}")
        check(t["spec"]["config"]["min.insync.replicas"] <= t["spec"]["replicas"], f"{overlay}: {name} min.insync.replicas")
        if name in COMPACTED:
            cfg = t["spec"]["config"]
            check(int(cfg.get("segment.ms", 604800000)) <= 3600000 and int(cfg.get("segment.bytes", 1 << 30)) <= 16 << 20
                  and float(cfg.get("min.cleanable.dirty.ratio", 0.5)) <= 0.1,
                  f"{overlay}: {name} rolls segments so that compaction happens ({cfg})")
    events_partitions = topics[config["PACTUM_EVENTS_TOPIC"]]["spec"]["partitions"]
    scaled = by_kind["ScaledObject"][0]["spec"]
    check(scaled["maxReplicaCount"] <= events_partitions, f"{overlay}: KEDA maxReplicaCount <= partitions")
    check(scaled["minReplicaCount"] >= 1, f"{overlay}: KEDA keeps a replica")
    trigger = scaled["triggers"][0]["metadata"]
    check(trigger["consumerGroup"] == config["PACTUM_GROUP_ID"] and trigger["topic"] == config["PACTUM_EVENTS_TOPIC"],
          f"{overlay}: KEDA watches pactumd's group and events topic")
    deployment = by_kind["Deployment"][0]
    netpol = by_kind.get("NetworkPolicy", [{}])[0]
    check(scaled["scaleTargetRef"]["name"] == deployment["metadata"]["name"], f"{overlay}: KEDA scales the Deployment")

    # ACLs: exactly what pactumd does.
    acls = {}
    for acl in by_kind["KafkaUser"][0]["spec"]["authorization"]["acls"]:
        r = acl["resource"]
        acls[(r["type"], r.get("name"), r.get("patternType", "literal"))] = set(acl["operations"])
    need = {
        ("topic", config["PACTUM_EVENTS_TOPIC"], "literal"): {"Read", "Write", "Describe"},
        ("topic", config["PACTUM_VIEWS_TOPIC"], "literal"): {"Read", "Write", "Describe"},
        ("topic", config["PACTUM_TERMINATION_TOPIC"], "literal"): {"Write", "Describe"},
        ("topic", config["PACTUM_LIABILITY_TOPIC"], "literal"): {"Write", "Describe"},
        ("topic", config["PACTUM_DLQ_TOPIC"], "literal"): {"Write", "Describe"},
        ("topic", config["PACTUM_SNAPSHOTS_TOPIC"], "literal"): {"Read", "Write", "Describe"},
        ("group", config["PACTUM_GROUP_ID"], "prefix"): {"Read", "Describe"},
        ("transactionalId", "pactum-", "prefix"): {"Write", "Describe"},
        ("cluster", None, "literal"): {"IdempotentWrite"},
    }
    check(acls == need, f"{overlay}: the KafkaUser's ACLs are exactly pactumd's needs ({acls} != {need})")

    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    check(pod["terminationGracePeriodSeconds"] >= SHUTDOWN_BOUND_S,
          f"{overlay}: terminationGracePeriodSeconds covers the shutdown bound ({SHUTDOWN_BOUND_S} s)")
    check(pod["securityContext"].get("runAsNonRoot") is True, f"{overlay}: runAsNonRoot")
    sc = container["securityContext"]
    check(sc.get("readOnlyRootFilesystem") is True and sc.get("allowPrivilegeEscalation") is False
          and sc.get("capabilities", {}).get("drop") == ["ALL"], f"{overlay}: container securityContext")
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    admin_port = int(config.get("PACTUM_ADMIN_PORT", "8081"))
    check(ports.get("admin") == admin_port and ports.get("http") == int(config["PACTUM_HTTP_PORT"]),
          f"{overlay}: the container exposes the API and the admin port ({ports})")
    for probe, path in (("startupProbe", "/healthz"), ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = container[probe]["httpGet"]
        check(get["path"] == path and get["port"] in ("admin", admin_port),
              f"{overlay}: {probe} is {path} on the admin port, apart from the API's connection cap")
    annotations = deployment["spec"]["template"]["metadata"].get("annotations", {})
    check(annotations.get("prometheus.io/port") == str(admin_port), f"{overlay}: Prometheus scrapes the admin port")
    allowed = {p["port"] for rule in netpol.get("spec", {}).get("ingress", []) for p in rule.get("ports", [])}
    check(admin_port in allowed, f"{overlay}: the NetworkPolicy admits the admin port ({allowed})")
    # No secret on a command line: nothing sensitive in args or command, and the
    # SASL password reaches pactumd through the environment from a Secret.
    command_line = " ".join(container.get("command", []) + container.get("args", []))
    check(not re.search(r"password|secret|sasl\.|ssl\.key", command_line, re.I),
          f"{overlay}: no secret on the command line ({command_line})")
    env = {e["name"]: e for e in container.get("env", [])}
    password = env.get("PACTUM_KAFKA_SASL_PASSWORD", {})
    check("secretKeyRef" in password.get("valueFrom", {}), f"{overlay}: the SASL password comes from a Secret")
    check("limits" in container["resources"] and "requests" in container["resources"], f"{overlay}: resources")
    for kind in ["Service", "PodDisruptionBudget", "NetworkPolicy"]:
        check(kind in by_kind, f"{overlay}: has a {kind}")
    check(pod["serviceAccountName"] in {s["metadata"]["name"] for s in by_kind.get("ServiceAccount", [])},
          f"{overlay}: the service account exists")


overlays = sorted(p for p in (repo / "deploy/k8s/overlays").iterdir() if (p / "kustomization.yaml").exists())
check(overlays, "overlays exist")
validated = 0
for overlay in overlays:
    rendered = subprocess.run([args.kustomize, "build", str(overlay)], capture_output=True, text=True)
    check(rendered.returncode == 0, f"{overlay.name}: kustomize build: {rendered.stderr.strip()}")
    if rendered.returncode != 0:
        continue
    out = tools / f"rendered-{overlay.name}.yaml"
    out.write_text(rendered.stdout)
    docs = [d for d in yaml.safe_load_all(rendered.stdout) if d]
    for d in docs:
        group = d["apiVersion"].split("/")[0] if "/" in d["apiVersion"] else ""
        if group.endswith("strimzi.io") or group == "keda.sh":
            continue  # the CRD validator below
        try:
            kubernetes_validate.validate(d, args.kubernetes_version, strict=True)
            validated += 1
        except Exception as e:  # noqa: BLE001 - ValidationError, SchemaNotFoundError
            check(False, f"{overlay.name}: {d['kind']} {d['metadata'].get('name')}: {getattr(e, 'message', e)}")
    crs = subprocess.run(["node", str(repo / "tests/deploy/validate_crs.mjs"), str(out)], capture_output=True, text=True,
                         cwd=repo / "tests/deploy")
    print(crs.stdout, end="")
    check(crs.returncode == 0, f"{overlay.name}: Strimzi/KEDA resources match their CRD schemas")
    validated += crs.stdout.count("\nok ") + crs.stdout.startswith("ok ")
    semantic_checks(overlay.name, docs)
    print(f"{overlay.name}: {len(docs)} resources rendered")

lint = subprocess.run([str(tools / "venv/bin/hadolint"), str(repo / "deploy/docker/Dockerfile")], capture_output=True,
                      text=True)
print(lint.stdout, end="")
check(lint.returncode == 0, "hadolint deploy/docker/Dockerfile")
print(f"{validated} resources validated against Kubernetes {args.kubernetes_version} and the CRD schemas; "
      f"{len(failures)} failures")
sys.exit(1 if failures else 0)
