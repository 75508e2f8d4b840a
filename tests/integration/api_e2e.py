#!/usr/bin/env python3
"""The query API of two pactumd replicas on a real broker.

  api_e2e.py --bin DIR --bootstrap-file FILE --openapi FILE [--contracts N]

Every endpoint, every authentication case, paging, problem bodies and limits,
token rotation; every replica answers for every contract with exactly the
offline replay's view; every response (and every well-formed request) conforms
to the OpenAPI file. Needs jsonschema with `referencing` and PyYAML (the
project's tools venv).
"""
import argparse
import base64
import http.client
import json
import pathlib
import re
import socket
import subprocess
import sys
import time
import urllib.parse

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from harness import Cluster, finish, log, structured  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--bin", required=True)
ap.add_argument("--bootstrap-file", required=True)
ap.add_argument("--openapi", required=True)
ap.add_argument("--contracts", type=int, default=60)
ap.add_argument("--seed", type=int, default=5)
args = ap.parse_args()

spec = yaml.safe_load(pathlib.Path(args.openapi).read_text())
registry = Registry().with_resource("urn:openapi", Resource.from_contents(spec, default_specification=DRAFT202012))
failures = []
checked = {"responses": 0}


def check(cond, what):
    if not cond:
        failures.append(what)
        log("FAIL:", what)


# --- OpenAPI conformance ---------------------------------------------------

def operation_for(path):
    """The OpenAPI path template and operation matching a request path."""
    for template, item in spec["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path):
            return template, item
    return None, None


def conforms(method, target, status, headers, body):
    path, _, query = target.partition("?")
    template, item = operation_for(path)
    if template is None or method.lower() not in item:
        return  # not an operation of the API (404/405 paths): only the problem shape is checked
    op = item[method.lower()]
    responses = op["responses"]
    check(str(status) in responses, f"{method} {target}: status {status} is not documented")
    if str(status) not in responses:
        return
    response = responses[str(status)]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].split("/")[-1]]
    ctype = headers.get("content-type", "").split(";")[0]
    content = response.get("content", {})
    media = content.get(ctype) or (content.get("text/plain") if ctype.startswith("text/plain") else None)
    check(media is not None, f"{method} {target}: content type {ctype} is not documented for {status}")
    if media is None or ctype == "text/plain":
        return
    schema = media["schema"]
    if "$ref" in schema:
        schema = {"$ref": "urn:openapi" + schema["$ref"]}
    errors = list(Draft202012Validator(schema, registry=registry).iter_errors(json.loads(body)))
    check(not errors, f"{method} {target}: body does not match the schema: {errors[:1]}")
    for name in response.get("headers", {}):
        if name.lower() == "pactum-contract-version":
            check(headers.get("pactum-contract-version", "").isdigit(), f"{target}: missing Pactum-Contract-Version")
    # Query parameters of a successful request are declared ones.
    declared = {(spec["components"]["parameters"][p["$ref"].split("/")[-1]] if "$ref" in p else p)["name"]
                for p in op.get("parameters", [])}
    for key in urllib.parse.parse_qs(query):
        check(key in declared or status >= 400, f"{target}: undeclared query parameter {key} accepted")
    checked["responses"] += 1


def request(port, target, token=None, method="GET", extra_headers=None, conform=True):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = dict(extra_headers or {})
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, target, headers=headers)
    r = conn.getresponse()
    body = r.read().decode()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    conn.close()
    if conform:
        conforms(method, target, r.status, hdrs, body)
    if hdrs.get("content-type") == "application/problem+json":
        problem = json.loads(body)
        check(problem.get("status") == r.status and problem.get("type", "").startswith("urn:pactum:problem:"),
              f"{target}: problem body {problem}")
    return r.status, hdrs, body


def raw(port, data):
    """Bytes on a socket, for requests http.client will not send; returns (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    text = b"".join(chunks).decode(errors="replace")
    head, _, body = text.partition("\r\n\r\n")
    status = int(head.split(" ")[1]) if head.startswith("HTTP/1.1 ") else 0
    headers = dict(line.split(": ", 1) for line in head.split("\r\n")[1:] if ": " in line)
    return status, {k.lower(): v for k, v in headers.items()}, body


def problem_type(body):
    return json.loads(body)["type"].rsplit(":", 1)[-1]


# --- the run ---------------------------------------------------------------

cluster = Cluster(args.bin, args.bootstrap_file, "api")
lines = cluster.generate(args.seed, args.contracts)


def parsed(line):
    try:
        return json.loads(line)
    except ValueError:
        return None  # the generator's bad records


drafted = [e for e in map(parsed, lines) if isinstance(e, dict) and e.get("type") == "pactum.contract.drafted.v1"
           and isinstance(e.get("data"), dict) and isinstance(e["data"].get("terms"), dict)]
first = drafted[0]["data"]["terms"]
client_id, vendor_id = first["client"]["id"], first["vendor"]["id"]
admin, client_token, vendor_token, stranger = ("admin-token-0123456789", "client-token-0123456789",
                                               "vendor-token-0123456789", "stranger-token-0123456789")
tokens_file = cluster.work / "tokens"
tokens_file.write_text(f"# test tokens\n{admin} admin\n{client_token} party:{client_id}\n"
                       f"{vendor_token} party:{vendor_id}\n{stranger} party:nobody-at-all\n")
replicas = {name: cluster.start(name, ["--api-tokens", str(tokens_file)] +
                                (["--http-max-connections", "8"] if name == "a" else []))
            for name in ("a", "b")}
ports = {name: inst.http_port() for name, inst in replicas.items()}
admin_ports = {name: inst.admin_port() for name, inst in replicas.items()}
log(f"replicas on ports {ports}; {len(lines)} records for {args.contracts} contracts")

cluster.produce(lines)
ok, expected, _ = cluster.wait_until_equal(time.time() + 300)
check(ok, "the projections equal the replay")
expected = expected or {}


def all_pages(port, token, query="", limit=7):
    views, cursor, pages = [], None, 0
    while True:
        q = f"limit={limit}" + (f"&{query}" if query else "") + (f"&cursor={cursor}" if cursor else "")
        status, _, body = request(port, f"/v1/contracts?{q}", token)
        check(status == 200, f"list {q}: {status}")
        if status != 200:
            return views, pages
        page = json.loads(body)
        check(len(page["contracts"]) <= limit, "a page holds at most `limit` views")
        views += page["contracts"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return views, pages


# Readiness, then every replica answers for every contract (it follows the views topic).
for name, port in ports.items():
    deadline = time.time() + 60
    while time.time() < deadline:
        status, _, body = request(admin_ports[name], "/readyz")
        if status == 200:
            break
        time.sleep(0.5)
    check(status == 200 and json.loads(body)["status"] == "ready", f"{name}: /readyz is ready ({body})")
    deadline = time.time() + 60
    while time.time() < deadline:
        views, pages = all_pages(port, admin, limit=500)
        if {v["contract_id"]: v for v in views} == expected:
            break
        time.sleep(1)
    check({v["contract_id"]: v for v in views} == expected, f"{name}: the admin list equals the replay")
    for cid, view in expected.items():
        enc = urllib.parse.quote(cid, safe="")
        status, hdrs, body = request(port, f"/v1/contracts/{enc}", admin)
        check(status == 200 and json.loads(body) == view, f"{name}: view of {cid}")
        check(hdrs.get("pactum-contract-version") == str(view["version"]), f"{name}: version header of {cid}")
        for suffix, part in [("termination-conditions", "termination"), ("breach-liability", "liability"),
                             ("settlement", "settlement")]:
            status, _, body = request(port, f"/v1/contracts/{enc}/{suffix}", admin)
            check(status == 200 and json.loads(body) == view[part], f"{name}: {suffix} of {cid}")
    log(f"{name}: {len(expected)} contracts x 4 resources equal the replay")



# Evidence (spec section 16): every replica keeps the events topic's records
# per contract. Its timelines list exactly each contract's records with the
# outcomes the offline replay gives, and its `as_of` views equal
# `pactumctl replay --as-of T --contract ID` of the topic as it stands.
def fmt_ms(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def parse_ms(text):
    m = re.match(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?Z$", text)
    if not m:
        return None
    import calendar
    whole = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")) * 1000
    return whole + (int((m.group(2)[1:] + "000")[:3]) if m.group(2) else 0)


def at_pointer(doc, pointer):
    for part in pointer.split("/")[1:]:
        doc = doc[int(part)] if isinstance(doc, list) else doc[part.replace("~1", "/").replace("~0", "~")]
    return doc


def record_time(record):
    event = parsed(structured(record))
    when = event.get("time") if isinstance(event, dict) else None
    return parse_ms(when) if isinstance(when, str) else None


def timeline_of(port, cid):
    items, cursor = [], None
    while True:
        status, _, body = request(port, f"/v1/contracts/{urllib.parse.quote(cid, safe='')}/timeline?limit=50"
                                  + (f"&cursor={cursor}" if cursor else ""), admin)
        if status != 200:
            return None
        page = json.loads(body)
        items += page["records"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


records = sorted(cluster.tail("contract-events"), key=lambda r: (r["partition"], r["offset"]))
topic_file = cluster.work / "evidence.jsonl"
with open(topic_file, "wb") as f:
    for r in records:
        f.write(structured(r).encode("utf-8", "surrogateescape") + b"\n")
replayed = json.loads(subprocess.run([cluster.pactumctl, "replay", str(topic_file)], capture_output=True, check=True).stdout)
rejected_at = {(records[r["offset"]]["partition"], records[r["offset"]]["offset"]): r["reason"] for r in replayed["rejections"]}
by_contract = {}
for r in records:
    if r.get("key") is not None:
        by_contract.setdefault(r["key"], []).append(r)
for name, p in ports.items():
    timelines_ok = 0
    for cid in sorted(expected):
        mine = [(r["partition"], r["offset"]) for r in by_contract.get(cid, [])]
        deadline = time.time() + 30  # the records follower may be a moment behind
        while True:
            items = timeline_of(p, cid)
            if items is not None and [(i["partition"], i["offset"]) for i in items] == mine:
                break
            if time.time() > deadline:
                break
            time.sleep(0.5)
        check(items is not None and [(i["partition"], i["offset"]) for i in items] == mine,
              f"{name}: the timeline of {cid} lists exactly its records")
        if items is None:
            continue
        bad = [i for i in items if (i["outcome"] == "rejected") != ((i["partition"], i["offset"]) in rejected_at)
               or (i["outcome"] == "rejected" and i["reason"] != rejected_at[(i["partition"], i["offset"])])]
        check(not bad, f"{name}: the outcomes of {cid}'s records are the replay's ({bad[:1]})")
        accepted = [i for i in items if i["outcome"] == "accepted"]
        check(accepted and accepted[-1]["version"] == expected[cid]["version"], f"{name}: {cid}'s last version is the view's")
        timelines_ok += 1
    log(f"{name}: {timelines_ok} timelines equal the topic's records with the replay's outcomes")

compared = 0
for n, cid in enumerate(sorted(expected)):
    times = sorted(t for t in map(record_time, by_contract.get(cid, [])) if t is not None)
    instants = [times[0] - 1, times[len(times) // 2], times[-1], times[-1] + 400 * 86_400_000]
    for at in instants:
        out = subprocess.run([cluster.pactumctl, "replay", str(topic_file), "--as-of", fmt_ms(at), "--contract", cid],
                             capture_output=True, check=True).stdout
        offline = json.loads(out)["contracts"]
        name = "ab"[n % 2]  # the replicas share the contracts
        status, _, body = request(ports[name], f"/v1/contracts/{urllib.parse.quote(cid, safe='')}?as_of={fmt_ms(at)}", admin)
        if not offline:
            check(status == 404, f"{name}: {cid} as of {fmt_ms(at)} did not exist: {status}")
        else:
            check(status == 200 and json.loads(body) == offline[0], f"{name}: {cid} as of {fmt_ms(at)} equals the offline replay")
            status, _, body = request(ports[name], f"/v1/contracts/{urllib.parse.quote(cid, safe='')}/breach-liability"
                                      f"?as_of={fmt_ms(at)}", admin)
            check(status == 200 and json.loads(body) == offline[0]["liability"], f"{name}: {cid}'s liability as of {fmt_ms(at)}")
        compared += 1
log(f"{compared} as-of views equal `pactumctl replay --as-of`")
explained = 0
for n, cid in enumerate(sorted(expected)):
    name = "ab"[n % 2]
    offline = json.loads(subprocess.run([cluster.pactumctl, "explain", str(topic_file), "--contract", cid, "--json"],
                                        capture_output=True, check=True).stdout)
    status, _, body = request(ports[name], f"/v1/contracts/{urllib.parse.quote(cid, safe='')}/explain", admin)
    check(status == 200 and json.loads(body) == offline, f"{name}: the explanation of {cid} equals `pactumctl explain`")
    if status == 200:
        doc = json.loads(body)
        check(all(f["value"] == at_pointer(expected[cid], f["path"]) for f in doc["figures"]),
              f"{name}: {cid}'s explained figures are the view's")
        explained += len(doc["figures"])
log(f"{explained} explained figures equal `pactumctl explain --json`")
for q in ["as_of=yesterday", "as_of="]:
    status, _, body = request(ports["a"], f"/v1/contracts/{sorted(expected)[0]}?{q}", admin)
    check(status == 400 and problem_type(body) == "invalid-parameter", f"?{q} is 400 invalid-parameter")
status, _, _ = request(ports["a"], f"/v1/contracts/{sorted(expected)[0]}/timeline?cursor=***", admin)
check(status == 400, "a foreign timeline cursor is 400")

port = ports["a"]
ids = sorted(expected)
own = sorted(c for c, v in expected.items() if client_id in (v["client"]["id"], v["vendor"]["id"]))
others = [c for c in ids if c not in own]
check(own and others, "the data has contracts of the client party and of others")

# Authentication.
for token, what in [(None, "no token"), ("not-a-configured-token-000", "wrong token")]:
    for target in ["/v1/contracts", f"/v1/contracts/{ids[0]}", f"/v1/contracts/{ids[0]}/settlement"]:
        status, hdrs, body = request(port, target, token)
        check(status == 401 and problem_type(body) == "unauthorized" and "bearer" in hdrs.get("www-authenticate", "").lower(),
              f"{what} on {target}: {status}")
status, _, _ = request(port, "/v1/contracts", extra_headers={"Authorization": f"Basic {admin}"})
check(status == 401, "a non-bearer scheme is 401")
status, _, _ = request(port, "/v1/contracts", extra_headers={"Authorization": f"bearer {admin}"})
check(status == 200, "the scheme is case-insensitive")

# Party scope: own contracts visible, any other is 404 like a missing one.
status, _, body = request(port, f"/v1/contracts/{own[0]}", client_token)
check(status == 200 and json.loads(body) == expected[own[0]], "a party sees its own contract")
for suffix in ["", "/termination-conditions", "/breach-liability", "/settlement"]:
    status, _, body = request(port, f"/v1/contracts/{others[0]}{suffix}", client_token)
    missing_status, _, missing_body = request(port, f"/v1/contracts/NO-SUCH-CONTRACT{suffix}", client_token)
    check(status == 404 and problem_type(body) == "not-found", f"another party's contract{suffix} is 404")
    strip = lambda b: {k: v for k, v in json.loads(b).items() if k != "instance"}
    check(strip(body) == strip(missing_body) and missing_status == 404,
          f"another party's contract{suffix} answers exactly like a missing one")
views, _ = all_pages(port, client_token)
check(sorted(v["contract_id"] for v in views) == own, "a party's list holds exactly its own contracts")
views, _ = all_pages(port, client_token, f"party={urllib.parse.quote(vendor_id)}")
check(all(client_id in (v["client"]["id"], v["vendor"]["id"]) for v in views), "party= never widens a party's scope")
views, _ = all_pages(port, stranger)
check(views == [], "a party with no contracts sees none")
views, _ = all_pages(port, vendor_token)
check(sorted(v["contract_id"] for v in views) ==
      sorted(c for c, v in expected.items() if vendor_id in (v["client"]["id"], v["vendor"]["id"])),
      "the vendor party sees its contracts")

# Paging and filters.
views, pages = all_pages(port, admin, limit=7)
check([v["contract_id"] for v in views] == ids and pages == (len(ids) + 6) // 7, "pages of 7 walk every contract once, in order")
status, _, body = request(port, "/v1/contracts", admin)
check(len(json.loads(body)["contracts"]) == min(50, len(ids)), "the default page size is 50")
for state in ["draft", "signed", "in_breach", "terminated"]:
    views, _ = all_pages(port, admin, f"state={state}", limit=5)
    check(sorted(v["contract_id"] for v in views) == sorted(c for c, v in expected.items() if v["state"] == state),
          f"state={state}")
views, _ = all_pages(port, admin, f"party={urllib.parse.quote(client_id)}")
check(sorted(v["contract_id"] for v in views) == own, "party= for an admin")

# Invalid requests: problem bodies with stable types.
for query in ["limit=0", "limit=501", "limit=abc", "state=bogus", "cursor=%%%", "cursor=!!", "colour=red",
              "limit=5&limit=6", "party="]:
    status, _, body = request(port, f"/v1/contracts?{query}", admin)
    check(status == 400 and problem_type(body) == "invalid-parameter", f"?{query} is 400 invalid-parameter ({status})")
status, hdrs, body = request(port, "/v1/contracts", admin, method="POST")
check(status == 405 and problem_type(body) == "method-not-allowed" and hdrs.get("allow") == "GET, HEAD", "POST is 405")
status, _, body = request(port, "/v2/anything", admin)
check(status == 404 and problem_type(body) == "not-found", "an unknown path is 404")
status, _, body = request(port, f"/v1/contracts/{ids[0]}/nonsense", admin)
check(status == 404 and problem_type(body) == "not-found", "an unknown sub-resource is 404")
status, hdrs, body = raw(port, b"NOT HTTP AT ALL\r\n\r\n")
check(status == 400 and hdrs.get("content-type") == "application/problem+json" and problem_type(body) == "bad-request",
      f"a malformed request is 400 with a problem body ({status})")
status, _, body = raw(port, b"GET /v1/contracts HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
check(status == 431 and problem_type(body) == "headers-too-large", f"oversized headers are 431 ({status})")
status, _, body = raw(port, b"GET /v1/contracts HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n" + b"x" * 4096)
check(status == 413 and problem_type(body) == "request-too-large", f"an oversized body is 413 ({status})")

# HTTP framing (issue 15): HEAD has no body and leaves the connection usable;
# Transfer-Encoding on a request, two Authorization headers, no Host: 400.
head_then_get = (f"HEAD /v1/contracts/{ids[0]} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {admin}\r\n\r\n"
                 f"GET /v1/contracts/{ids[0]} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {admin}\r\n"
                 "Connection: close\r\n\r\n").encode()
with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
    s.sendall(head_then_get)
    data = b""
    while chunk := s.recv(65536):
        data += chunk
responses = data.split(b"HTTP/1.1 ")
check(len(responses) == 3 and responses[1].startswith(b"200") and responses[1].endswith(b"\r\n\r\n")
      and responses[2].startswith(b"200") and json.loads(responses[2].split(b"\r\n\r\n", 1)[1]) == expected[ids[0]],
      f"HEAD answers headers only, then the next response is whole ({data[:300]!r})")
for te in ("gzip", "chunked, identity"):
    status, hdrs, body = raw(port, (f"GET /v1/contracts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: {te}\r\n\r\n"
                                    f"GET /v1/contracts/{ids[0]} HTTP/1.1\r\nHost: x\r\n"
                                    f"Authorization: Bearer {admin}\r\n\r\n").encode())
    check(status == 400 and problem_type(body) == "bad-request" and "contract_id" not in body,
          f"Transfer-Encoding: {te} is 400 and nothing after it is served ({status} {body[:200]})")
status, _, body = raw(port, (f"GET /v1/contracts?limit=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {stranger}\r\n"
                             f"Authorization: Bearer {admin}\r\n\r\n").encode())
check(status == 400 and problem_type(body) == "bad-request", f"two Authorization headers are 400 ({status})")
status, _, body = raw(port, f"GET /v1/contracts?limit=1 HTTP/1.1\r\nAuthorization: Bearer {admin}\r\n\r\n".encode())
check(status == 400 and problem_type(body) == "bad-request", f"HTTP/1.1 without Host is 400 ({status})")

# Probes and metrics, on the admin listener only.
admin_port = admin_ports["b"]
for probe in ("/healthz", "/readyz", "/metrics"):
    check(request(port, probe, conform=False)[0] == 404, f"{probe} is not on the API port")
status, _, body = request(admin_port, "/healthz")
check(status == 200 and json.loads(body) == {"status": "ok"}, "/healthz")
status, hdrs, body = request(admin_port, "/metrics")
check(status == 200 and hdrs["content-type"].startswith("text/plain"), "/metrics answers text")
for name in ["pactum_events_total", "pactum_rejections_total", "pactum_consumer_lag", "pactum_transactions_total",
             "pactum_apply_duration_seconds_bucket", "pactum_rebalances_total", "pactum_contracts",
             "pactum_http_requests_total", "pactum_token_reload_errors_total", "pactum_invoice_reconciliation_total"]:
    check(re.search(rf"^{name}[{{ ]", body, re.M) is not None, f"/metrics has {name}")
# Counted by whichever replica consumed them (one may have drained the topic
# before the group gave the other its partitions).
bodies = [body] + [request(admin_ports[r], "/metrics")[2] for r in admin_ports if admin_ports[r] != admin_port]
accepted = sum(float(v) for b in bodies for v in re.findall(r'^pactum_events_total\{outcome="accepted".*\} (\S+)$', b, re.M))
check(accepted > 0, "events are counted")

def replace_tokens(text, token, status):
    """Replaces the tokens file (as a Secret update does), then waits until
    `token` answers `status` (the file is re-checked every second)."""
    new_file = cluster.work / "tokens.new"
    new_file.write_text(text)
    new_file.replace(tokens_file)
    deadline = time.time() + 15
    while time.time() < deadline and request(port, "/v1/contracts?limit=1", token)[0] != status:
        time.sleep(0.5)
    return request(port, "/v1/contracts?limit=1", token)[0] == status


# Token rotation: old tokens stop working.
rotated = "rotated-admin-token-0123456789"
check(replace_tokens(f"{rotated} admin\n", rotated, 200), "a rotated-in token works")
check(request(port, "/v1/contracts?limit=1", admin)[0] == 401, "a rotated-out token is refused")

# A token file with a broken line: that line grants nothing, the others do.
check(replace_tokens(f"{rotated} root\n{vendor_token} party:{vendor_id}\n", rotated, 401),
      "a token on a line that does not parse is refused")
check(request(port, "/v1/contracts?limit=1", vendor_token)[0] == 200, "the file's other lines still count")
# (replica "a" answered the requests above, so it is the one that re-read the file)
errors = re.search(r"^pactum_token_reload_errors_total (\S+)$", request(admin_ports["a"], "/metrics")[2], re.M)
check(errors is not None and float(errors.group(1)) >= 1, "the broken line is counted")

# The API's connections all taken: probes on the admin port still answer, and
# the API answers 503 at once to one more (replica "a" runs with a cap of 8).
capped, capped_admin = ports["a"], admin_ports["a"]
idle = [socket.create_connection(("127.0.0.1", capped), timeout=10) for _ in range(8)]
time.sleep(0.5)
status, _, _ = request(capped_admin, "/healthz")
check(status == 200, f"/healthz answers 200 while the API's connections are all taken ({status})")
with socket.create_connection(("127.0.0.1", capped), timeout=10) as s:
    first = s.recv(65536)  # nothing sent: the answer comes without a request
    check(first.startswith(b"HTTP/1.1 503") and b"overloaded" in first, f"over the cap: 503 unread ({first[:80]!r})")
for s in idle:
    s.close()

# Shutdown; tokens never reach the logs.
for inst in replicas.values():
    inst.proc.terminate()
codes = [inst.proc.wait(timeout=60) for inst in replicas.values()]
check(codes == [0, 0], f"SIGTERM exit codes {codes}")
logs = "".join(inst.log_path.read_text(errors="replace") for inst in replicas.values())
for token in [admin, client_token, vendor_token, stranger, rotated]:
    check(token not in logs, "a token appears in the logs")

log(f"{checked['responses']} responses checked against {args.openapi}")
finish(failures, cluster.work)
